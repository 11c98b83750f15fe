//! `redsim sweep`: each service's results at every point of a parameter grid.

use std::fmt::Write as _;

use serde::Serialize;

use super::nines::{AvailabilityForm, duration_interval};
use super::{Line, Provenance, level, pretty_json, service_lines, sig};
use crate::analysis::ServiceSummary;

/// Format tag of JSON sweeps.
pub const SWEEP_FORMAT: &str = "redsim-sweep/1";

/// One point of the grid.
#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint<'a> {
    /// The changes that make this point, one per parameter (`PATH=VALUE`).
    pub set: Vec<String>,
    /// Every service's summary, as in the run report.
    pub services: &'a [ServiceSummary],
}

/// A sweep, as serialized to JSON.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport<'a> {
    pub format: &'static str,
    pub redsim_version: &'static str,
    pub scenario: &'a Provenance,
    pub seed: u64,
    /// Trials per point (the same trials at every point: common random numbers).
    pub trials: u64,
    pub confidence: f64,
    /// `plain` or `failure-biasing` (every point simulated with failure
    /// biasing, its estimates from the weighted sums).
    pub method: &'static str,
    /// The swept paths.
    pub parameters: Vec<String>,
    pub points: Vec<SweepPoint<'a>>,
}

impl SweepReport<'_> {
    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        pretty_json(self)
    }

    /// A table: one block per service, one row per point.
    pub fn to_table(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "redsim {}  ·  sweep of {}",
            self.redsim_version,
            crate::model::printable(&self.scenario.name)
        );
        let _ = writeln!(o, "scenario   {}", crate::model::printable(&self.scenario.file));
        let _ = writeln!(
            o,
            "seed {}   trials {} per point (common random numbers)   confidence {}%",
            self.seed,
            self.trials,
            level(self.confidence)
        );
        if self.method != "plain" {
            let _ = writeln!(
                o,
                "method     {} at every point: estimated with failure biasing (importance sampling)",
                self.method
            );
        }
        let n = self.points.first().map_or(0, |p| p.services.len());
        for s in 0..n {
            let _ = writeln!(o, "\nservice {}", self.points[0].services[s].id);
            let width = self
                .points
                .iter()
                .map(|p| p.set.join("  ").len())
                .max()
                .unwrap_or(0)
                .max(5);
            let form = availability_form(&self.points, s);
            let aw = self
                .points
                .iter()
                .map(|p| form.interval(&p.services[s].availability, false).len())
                .max()
                .unwrap_or(0)
                .max(36);
            let _ = writeln!(
                o,
                "  {:<width$}  {:<aw$} {:<30} outages per year",
                "point",
                form.name(),
                "downtime per year"
            );
            let mut warned = false;
            for p in &self.points {
                let v = &p.services[s];
                let (a, d, f) = (&v.availability, &v.downtime_hours_per_year, &v.outages_per_year);
                let avail = form.interval(a, false);
                let down = duration_interval(d.point, d.ci_low, d.ci_high, false);
                // `*`: too few outages for the intervals to be trusted (the
                // few-outages rule; see the JSON's warnings). Other warnings
                // (an unscaled law, say) do not make a point untrustworthy.
                let flagged = v.few_outages;
                // Exact figures, not estimates: said on the row itself.
                let flag = if v.cannot_fail {
                    "  exact: cannot fail"
                } else if flagged {
                    "  *"
                } else {
                    ""
                };
                let _ = writeln!(
                    o,
                    "  {:<width$}  {avail:<aw$} {down:<30} {} [{}, {}]{flag}",
                    p.set.join("  "),
                    sig(f.point),
                    sig(f.ci_low),
                    sig(f.ci_high),
                );
                warned |= flagged;
            }
            for q in other_quantities(&self.points, s, self.confidence) {
                let _ = writeln!(o, "  {}", q.label);
                for (p, cell) in self.points.iter().zip(&q.cells) {
                    let _ = writeln!(o, "    {:<width$}  {cell}", p.set.join("  "));
                }
            }
            if self.points.iter().any(|p| p.services[s].cannot_fail) {
                let _ = writeln!(
                    o,
                    "  exact: at the points so marked, {}",
                    crate::analysis::CANNOT_FAIL
                );
            }
            if warned {
                let _ = writeln!(
                    o,
                    "  * {}",
                    if self.method == "plain" {
                        "too few outages at this point for its intervals to be trusted: run more trials"
                    } else {
                        "too few (effective) outages at this point for its intervals to be trusted (see the \
                         JSON's warnings)"
                    }
                );
            }
        }
        o
    }
}

/// The form of service `k`'s availabilities: every point's together.
pub(super) fn availability_form(points: &[SweepPoint], k: usize) -> AvailabilityForm {
    AvailabilityForm::for_column(points.iter().map(|p| &p.services[k].availability))
}

/// A quantity of a service beyond the table's three columns, at every point.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Other {
    /// What it is, as `run` calls it (`P(loss over RPO)`).
    pub(super) label: String,
    /// Per point, its value and interval as `run` prints them (`-` where
    /// the point has none; prefixed with its own label where the label
    /// names a value that differs between points, as an RTO swept).
    pub(super) cells: Vec<String>,
}

/// The quantities of service `k` that `run` shows (its rows, as
/// [`service_lines`] gives them) beyond availability, downtime and outages
/// per year, and that differ between points: RTO, RPO and data loss, the
/// chance of no outage, outage durations, the exact value... A quantity
/// the same at every point, or that reads exactly as another (outages per
/// mission in a mission of one year), is left out.
pub(super) fn other_quantities(points: &[SweepPoint], k: usize, confidence: f64) -> Vec<Other> {
    const MAIN: [&str; 4] = [
        "availability",
        "unavailability",
        "downtime per year",
        "outages per year",
    ];
    // The label without the value it names: an RTO or RPO may be swept.
    fn key(label: &str) -> &str {
        ["outages over RTO", "losses over RPO"]
            .into_iter()
            .find(|k| label.starts_with(k))
            .unwrap_or(label)
    }
    let rows: Vec<Vec<(String, String, String)>> = points
        .iter()
        .map(|p| {
            service_lines(&p.services[k], confidence)
                .into_iter()
                .filter_map(|l| match l {
                    Line::Row(label, value, interval) => Some((label, value, interval)),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let mut keys: Vec<&str> = Vec::new();
    for (label, ..) in rows.iter().flatten() {
        if !keys.contains(&key(label)) {
            keys.push(key(label));
        }
    }
    let mut seen: Vec<Vec<Option<(&str, &str)>>> = Vec::new();
    let mut out = Vec::new();
    for k in keys {
        let at: Vec<Option<&(String, String, String)>> = rows
            .iter()
            .map(|r| r.iter().find(|(label, ..)| key(label) == k))
            .collect();
        let values: Vec<Option<(&str, &str)>> = at
            .iter()
            .map(|r| r.map(|(_, v, i)| (v.as_str(), i.as_str())))
            .collect();
        let same_everywhere = at.windows(2).all(|w| w[0] == w[1]);
        let repeated = seen.contains(&values);
        seen.push(values);
        if MAIN.contains(&k) || same_everywhere || repeated {
            continue;
        }
        let labels_differ = at.iter().flatten().any(|(label, ..)| {
            at.iter()
                .flatten()
                .next()
                .is_some_and(|(first, ..)| first != label)
        });
        let cells = at
            .iter()
            .map(|r| match r {
                None => "-".to_string(),
                Some((label, v, i)) if labels_differ => format!("{label}: {v:<14} {i}"),
                Some((_, v, i)) => format!("{v:<14} {i}"),
            })
            .collect();
        let label = if labels_differ {
            k.to_string()
        } else {
            at.iter()
                .flatten()
                .next()
                .map_or_else(|| k.to_string(), |(l, ..)| l.clone())
        };
        out.push(Other { label, cells });
    }
    out
}
