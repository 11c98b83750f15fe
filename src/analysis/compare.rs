//! Designs side by side on common random numbers: trial `i` of every design
//! draws the same failure and repair times for the elements they share, so
//! the per-trial differences vary far less than two independent runs would.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{Estimate, MIN_OUTAGES};
use crate::engine::{TICKS_PER_HOUR, TrialOutcome};
use crate::model::{HOURS_PER_YEAR, Model};

/// A compared quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// Availability (a fraction).
    Availability,
    /// Downtime per year [h].
    DowntimeHoursPerYear,
    /// Outages per year.
    OutagesPerYear,
}

impl Quantity {
    pub const ALL: [Self; 3] = [
        Self::Availability,
        Self::DowntimeHoursPerYear,
        Self::OutagesPerYear,
    ];

    /// The quantity's value in one trial of a mission of `mission` hours.
    fn of(self, o: TrialOutcome, mission: f64) -> f64 {
        let down = o.down as f64 / TICKS_PER_HOUR;
        match self {
            Self::Availability => 1.0 - down / mission,
            Self::DowntimeHoursPerYear => down * HOURS_PER_YEAR / mission,
            Self::OutagesPerYear => o.outages as f64 * HOURS_PER_YEAR / mission,
        }
    }
}

/// One quantity of one design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Value {
    pub quantity: Quantity,
    pub estimate: Estimate,
}

/// A design's difference from the first design in one quantity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub quantity: Quantity,
    /// Index of the design (the first is the baseline, 0).
    pub design: usize,
    /// Mean of the per-trial differences, with its interval.
    pub paired: Estimate,
    /// Half-width the interval would have from two independent runs of as many trials.
    pub independent_half_width: f64,
    /// How many times narrower the paired interval is (`None` when it has no width).
    pub narrowing: Option<f64>,
}

/// One service in every design.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceComparison {
    pub service: String,
    /// Per design, the three quantities.
    pub designs: Vec<Vec<Value>>,
    pub differences: Vec<Difference>,
    /// Cautions: designs with too few outages for their intervals to be trusted.
    pub warnings: Vec<String>,
}

/// Sample mean of `xs` with a Student-t interval at `confidence`.
fn t_interval(xs: &[f64], confidence: f64) -> (Estimate, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let se = (var / n).sqrt();
    let t = StudentsT::new(0.0, 1.0, (n - 1.0).max(1.0))
        .expect("valid degrees of freedom")
        .inverse_cdf(0.5 + confidence / 2.0);
    (
        Estimate {
            point: mean,
            std_error: Some(se),
            ci_low: mean - t * se,
            ci_high: mean + t * se,
            confidence,
        },
        var,
    )
}

/// Compares the services that every design has (matched by id), on the
/// per-trial outcomes of each design (`outcomes[d][trial][service]`, the
/// same trials for every design).
pub fn compare(
    models: &[&Model],
    outcomes: &[Vec<Vec<TrialOutcome>>],
    confidence: f64,
) -> Vec<ServiceComparison> {
    let first = models[0];
    let n = outcomes[0].len();
    first
        .services
        .iter()
        .filter_map(|svc| {
            let idx: Vec<usize> = models
                .iter()
                .map(|m| m.services.iter().position(|s| s.id == svc.id))
                .collect::<Option<_>>()?;
            let series = |d: usize, q: Quantity| -> Vec<f64> {
                outcomes[d]
                    .iter()
                    .map(|t| q.of(t[idx[d]], models[d].mission))
                    .collect()
            };
            // Each design's own estimates stay in range, as in the run report.
            let designs = (0..models.len())
                .map(|d| {
                    Quantity::ALL
                        .iter()
                        .map(|&q| {
                            let e = t_interval(&series(d, q), confidence).0;
                            Value {
                                quantity: q,
                                estimate: match q {
                                    Quantity::Availability => e.clamped(0.0, 1.0),
                                    _ => e.clamped(0.0, f64::INFINITY),
                                },
                            }
                        })
                        .collect()
                })
                .collect();
            let warnings = (0..models.len())
                .filter_map(|d| {
                    let seen: u64 = outcomes[d].iter().map(|t| t[idx[d]].outages).sum();
                    (seen < MIN_OUTAGES).then(|| {
                        format!(
                            "design {} saw only {seen} outage(s) in {n} trials: its intervals, and those of its \
                             differences, rest on too few outages to be trusted; run more trials",
                            d + 1
                        )
                    })
                })
                .collect();
            let mut differences = Vec::new();
            for d in 1..models.len() {
                for q in Quantity::ALL {
                    let (a, b) = (series(0, q), series(d, q));
                    let diff: Vec<f64> = b.iter().zip(&a).map(|(y, x)| y - x).collect();
                    let (paired, _) = t_interval(&diff, confidence);
                    let (_, va) = t_interval(&a, confidence);
                    let (_, vb) = t_interval(&b, confidence);
                    let half = paired.ci_high - paired.point;
                    let t = if paired.std_error.is_some_and(|s| s > 0.0) {
                        half / paired.std_error.unwrap_or(1.0)
                    } else {
                        StudentsT::new(0.0, 1.0, (n as f64 - 1.0).max(1.0))
                            .expect("valid degrees of freedom")
                            .inverse_cdf(0.5 + confidence / 2.0)
                    };
                    let independent = t * ((va + vb) / n as f64).sqrt();
                    differences.push(Difference {
                        quantity: q,
                        design: d,
                        paired,
                        independent_half_width: independent,
                        narrowing: (half > 0.0).then(|| independent / half),
                    });
                }
            }
            Some(ServiceComparison {
                service: svc.id.clone(),
                designs,
                differences,
                warnings,
            })
        })
        .collect()
}
