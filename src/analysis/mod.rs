//! Estimators and confidence intervals, computed from a [`Tally`].
//!
//! Every estimate carries its point value, standard error where defined, a
//! confidence interval with its level, and the method that produced it.

pub mod adaptive;
pub mod check;
pub mod compare;
pub mod intervals;
pub mod rare;
pub mod structure;
pub mod weighted;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::engine::{Moments, ServiceTally, SignedMoments, TICKS_PER_HOUR, Tally, Wide};
use crate::model::{GroupMode, HOURS_PER_YEAR, Model, Replication};
pub use intervals::{bounded_mean, clopper_pearson, count_mean};

/// A point estimate with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub point: f64,
    /// Standard error of the point estimate (absent for Wilson intervals).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub std_error: Option<f64>,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Confidence level of the interval, e.g. 0.95.
    pub confidence: f64,
}

impl Estimate {
    /// The same estimate with everything multiplied by `k > 0`.
    pub fn scaled(self, k: f64) -> Self {
        Self {
            point: self.point * k,
            std_error: self.std_error.map(|s| s * k),
            ci_low: self.ci_low * k,
            ci_high: self.ci_high * k,
            confidence: self.confidence,
        }
    }

    /// `1 - x`, with the interval's ends swapped.
    pub fn complement(self) -> Self {
        Self {
            point: 1.0 - self.point,
            std_error: self.std_error,
            ci_low: 1.0 - self.ci_high,
            ci_high: 1.0 - self.ci_low,
            confidence: self.confidence,
        }
    }

    /// Clamps point and interval into `[lo, hi]`.
    pub fn clamped(self, lo: f64, hi: f64) -> Self {
        Self {
            point: self.point.clamp(lo, hi),
            ci_low: self.ci_low.clamp(lo, hi),
            ci_high: self.ci_high.clamp(lo, hi),
            ..self
        }
    }
}

/// Mean and unbiased sample variance of per-trial values from their integer moments.
pub fn mean_var(m: &Moments, n: u64) -> (f64, f64) {
    centred(m.sum as f64, m.sum, m.sum_sq, n)
}

/// Mean and unbiased sample variance of signed per-trial values (paired
/// differences) from their integer moments.
pub fn mean_var_signed(m: &SignedMoments, n: u64) -> (f64, f64) {
    centred(m.sum as f64, m.sum.unsigned_abs(), m.sum_sq, n)
}

/// Mean and variance from the sum (`sum`, its magnitude `abs`) and sum of squares.
fn centred(sum: f64, abs: u128, sum_sq: Wide, n: u64) -> (f64, f64) {
    let nf = n as f64;
    let mean = sum / nf;
    if n < 2 {
        return (mean, f64::NAN);
    }
    // n·Σx² - (Σx)² exactly in integers where it fits; it is never negative
    // (a tally read from a file that says otherwise gives 0, not a panic).
    let num = sum_sq
        .to_u128()
        .and_then(|sq| u128::from(n).checked_mul(sq))
        .zip(abs.checked_mul(abs))
        .map(|(a, b)| a.saturating_sub(b) as f64)
        .unwrap_or_else(|| {
            // Past 128 bits (a million trials of a year's downtime, say),
            // the same difference in 256 bits: no cancellation.
            sum_sq
                .checked_mul(n)
                .map(|a| a.checked_sub(Wide::product(abs, abs)).map_or(0.0, Wide::to_f64))
                .unwrap_or_else(|| (nf * sum_sq.to_f64() - (abs as f64).powi(2)).max(0.0))
        });
    (mean, num / (nf * (nf - 1.0)))
}

/// Two-sided Student-t critical value for `confidence` over `n` trials
/// (`n - 1` degrees of freedom): the one t-quantile of the crate, used by every
/// t interval. Returns in constant time for every `n` (see
/// [`student_t_quantile`]).
///
/// Fewer than 2 trials give no estimate of the spread, so no interval:
/// `n < 2` returns `f64::INFINITY` (the limit of the quantile as the degrees
/// of freedom fall to 0), never a finite value that would pass for one.
pub fn t_critical(n: u64, confidence: f64) -> f64 {
    let q = 1.0 - (1.0 - confidence) / 2.0;
    if n < 2 {
        return f64::INFINITY;
    }
    student_t_quantile(n - 1, q)
}

/// Degrees of freedom from which [`student_t_quantile`] uses the asymptotic
/// expansion instead of `statrs`. Past here `statrs`'s inversion of the
/// incomplete beta function loses accuracy (relative errors of 10^-12 at 500
/// degrees of freedom, 3·10^-9 at 1,000, 3·10^-6 at 10^5, against 50-digit
/// references) and slows down, to the point of not returning from about
/// 1.5·10^7; the expansion's truncation error (order `df^-6`) is below
/// 10^-13 here for any quantile up to 1 - 10^-6, and shrinks from there.
pub const T_EXPANSION_FROM: u64 = 500;

/// The `p` quantile of Student's t with `df` degrees of freedom, in
/// constant time for every `df`: `statrs` below [`T_EXPANSION_FROM`], the
/// Cornish-Fisher expansion in `1/df` around the normal quantile from there
/// (Abramowitz & Stegun 26.7.5; Hill 1970, "Algorithm 396: Student's
/// t-quantiles", CACM 13:10).
pub fn student_t_quantile(df: u64, p: f64) -> f64 {
    if df < T_EXPANSION_FROM {
        return StudentsT::new(0.0, 1.0, df.max(1) as f64)
            .map(|t| t.inverse_cdf(p))
            .unwrap_or(f64::INFINITY);
    }
    cornish_fisher(df, p)
}

/// The expansion of [`student_t_quantile`] for large `df`.
fn cornish_fisher(df: u64, p: f64) -> f64 {
    let z = Normal::standard().inverse_cdf(p);
    if !z.is_finite() {
        return z;
    }
    let z2 = z * z;
    // g_k(z) as polynomials in z² times z (A&S 26.7.5, with the fifth term
    // from Fisher & Cornish 1960).
    let poly = |c: &[f64]| c.iter().rev().fold(0.0, |acc, &k| acc * z2 + k) * z;
    let g1 = poly(&[1.0, 1.0]) / 4.0;
    let g2 = poly(&[3.0, 16.0, 5.0]) / 96.0;
    let g3 = poly(&[-15.0, 17.0, 19.0, 3.0]) / 384.0;
    let g4 = poly(&[-945.0, -1920.0, 1482.0, 776.0, 79.0]) / 92_160.0;
    let g5 = poly(&[17_955.0, -765.0, -1_782.0, 930.0, 339.0, 27.0]) / 368_640.0;
    let v = 1.0 / df as f64;
    z + v * (g1 + v * (g2 + v * (g3 + v * (g4 + v * g5))))
}

/// Two-sided standard normal critical value for `confidence`.
pub fn z_critical(confidence: f64) -> f64 {
    Normal::standard().inverse_cdf(1.0 - (1.0 - confidence) / 2.0)
}

/// Mean of per-trial values (`x * scale`) with a Student-t interval over independent trials.
pub fn t_mean(m: &Moments, n: u64, scale: f64, confidence: f64) -> Estimate {
    let (mean, var) = mean_var(m, n);
    t_interval(mean, var, n, scale, confidence)
}

/// The Student-t interval of a mean over `n` independent trials from the
/// per-trial values' sample mean and variance, both scaled by `scale`.
pub fn t_interval(mean: f64, var: f64, n: u64, scale: f64, confidence: f64) -> Estimate {
    let se = (var / n as f64).sqrt() * scale;
    let half = t_critical(n, confidence) * se;
    let point = mean * scale;
    Estimate {
        point,
        std_error: Some(se),
        ci_low: point - half,
        ci_high: point + half,
        confidence,
    }
}

/// A proportion with a Wilson score interval (Wilson 1927, JASA 22:209).
/// Reports use [`clopper_pearson`], which never covers less than its level
/// (Wilson's dips below it near 0 and 1); this one is kept for comparison,
/// as in the coverage study.
pub fn wilson(successes: u64, n: u64, confidence: f64) -> Estimate {
    let nf = n as f64;
    let p = successes as f64 / nf;
    let z = z_critical(confidence);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * nf)) / (1.0 + z2 / nf);
    let half = z / (1.0 + z2 / nf) * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    Estimate {
        point: p,
        std_error: None,
        ci_low: if successes == 0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        ci_high: if successes == n {
            1.0
        } else {
            (centre + half).min(1.0)
        },
        confidence,
    }
}

/// "Nines" of an availability, from the low end of its interval, rounded
/// down to one decimal: never more than the data supports. With no
/// downtime observed the low end is the one-sided bound, below 1; `None`
/// only for an interval whose low end is 1.
pub fn nines(availability: &Estimate) -> Option<f64> {
    let u = 1.0 - availability.ci_low;
    // `+ 0.0` turns the -0.0 of an interval reaching 0 into 0.
    (u > 0.0).then(|| (-u.log10() * 10.0).floor() / 10.0 + 0.0)
}

/// Outage durations \[h\].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Durations {
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

/// Everything estimated for one service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceSummary {
    pub id: String,
    pub availability: Estimate,
    /// Nines from the low end of the availability interval (its one-sided
    /// bound when no downtime was seen); `None` if that end is 1.
    pub nines: Option<f64>,
    /// Half-width of the unavailability interval over its point (the larger
    /// side of a clamped interval); `None` when no downtime was seen.
    pub relative_error: Option<f64>,
    pub downtime_hours_per_year: Estimate,
    pub outages_per_mission: Estimate,
    pub outages_per_year: Estimate,
    pub p_no_outage: Estimate,
    /// Outage durations \[h\]; `None` when no outage was observed.
    pub outage_hours: Option<Durations>,
    pub degraded_fraction: Estimate,
    /// Mean up time between outages \[h\]: mean up time per mission over mean
    /// outages per mission, its interval from the outages' interval (an
    /// unbounded high end is `null` in JSON); `None` without outages.
    pub mean_time_between_outages_hours: Option<Estimate>,
    /// Outages observed over all trials.
    pub outages_observed: u64,
    /// Outages against the recovery time objective, when the service has one.
    pub rto: Option<RtoSummary>,
    /// Planned and unplanned downtime, when the model has planned activities.
    pub planned: Option<PlannedSummary>,
    /// Lost writes, when the service depends on a group with replication.
    pub data_loss: Option<DataLossSummary>,
    /// Exact long-run availability from the structure, or why there is none.
    pub exact: structure::Exact,
    /// Downtime by the element whose failure began each outage, largest first.
    pub downtime_by_cause: Vec<CauseShare>,
    /// Plain-language cautions about these numbers.
    pub warnings: Vec<String>,
    /// Under failure biasing, when the biased trials saw no outage of this
    /// service: its estimates are those of the first this many trials run
    /// plain (the pilot of `--rare auto`), one-sided bounds where those saw
    /// none either ([`rare::bound_unseen`]). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plain_trials: Option<u64>,
    /// The intervals rest on too few outages to be narrow
    /// ([`intervals::too_few_outages`]): flagged in plots and tables. Not in
    /// the JSON, whose `warnings` say it.
    #[serde(skip)]
    pub few_outages: bool,
    /// Nothing the service uses can fail ([`structure::cannot_fail`]): its
    /// availability is exactly 1 and its outages exactly 0, intervals of
    /// width zero that are exact, not estimated. In the JSON only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cannot_fail: bool,
}

/// What a service that cannot fail says in place of its warnings.
pub const CANNOT_FAIL: &str = "this service cannot fail: nothing it depends on has a failure law or maintenance, \
    so it is always up: availability exactly 1 and no outages, exact values, not estimates (more trials or \
    another --rare mode change nothing)";

impl ServiceSummary {
    /// Gives a service that cannot fail its exact figures: availability 1,
    /// no down time, outages or degraded time, each an exact interval.
    fn set_cannot_fail(&mut self, confidence: f64) {
        let exact = |x: f64, se: Option<f64>| Estimate {
            point: x,
            std_error: se,
            ci_low: x,
            ci_high: x,
            confidence,
        };
        self.availability = exact(1.0, Some(0.0));
        self.nines = None;
        self.relative_error = None;
        self.downtime_hours_per_year = exact(0.0, Some(0.0));
        self.outages_per_mission = exact(0.0, Some(0.0));
        self.outages_per_year = exact(0.0, Some(0.0));
        self.p_no_outage = exact(1.0, None);
        self.degraded_fraction = exact(0.0, Some(0.0));
        self.outage_hours = None;
        self.mean_time_between_outages_hours = None;
        if let Some(r) = &mut self.rto {
            r.fraction_of_outages = None;
            r.p_outage_over_rto = exact(0.0, None);
        }
        if let Some(p) = &mut self.planned {
            p.planned_downtime_hours_per_year = exact(0.0, Some(0.0));
            p.unplanned_downtime_hours_per_year = exact(0.0, Some(0.0));
            p.planned_outages_observed = 0;
        }
        if let Some(l) = &mut self.data_loss {
            l.events_per_year = exact(0.0, Some(0.0));
            l.lost_write_seconds_per_year = exact(0.0, Some(0.0));
            l.events_observed = 0;
            if let Some(r) = &mut l.rpo {
                r.losses_over_rpo = 0;
                r.fraction_of_losses = None;
                r.p_loss_over_rpo = exact(0.0, None);
            }
        }
        self.downtime_by_cause.clear();
        self.warnings = vec![CANNOT_FAIL.to_string()];
        self.plain_trials = None;
        self.few_outages = false;
        self.cannot_fail = true;
    }
}

/// Marks the services of `run` that cannot fail and gives them their exact figures.
/// A service whose trials saw it down is never marked, whatever the
/// structure says: one that names a passive group member is down from the
/// start with nothing failed ([`structure::cannot_fail`]).
fn mark_cannot_fail(model: &Model, run: &mut RunSummary) {
    for (i, s) in run.services.iter_mut().enumerate() {
        let seen_down = !(s.outages_observed == 0 && s.availability.point == 1.0);
        if !seen_down && structure::cannot_fail(model, i) {
            s.set_cannot_fail(run.confidence);
        }
    }
}

/// How often outages outlast the recovery time objective.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RtoSummary {
    /// The RTO \[h\].
    pub rto_hours: f64,
    /// Outages longer than the RTO, over all trials.
    pub outages_over_rto: u64,
    /// Share of outages longer than the RTO (Wilson interval over outages,
    /// which treats outages as independent); `None` without outages.
    pub fraction_of_outages: Option<Estimate>,
    /// Probability of at least one outage longer than the RTO in a mission
    /// (Wilson interval over trials).
    pub p_outage_over_rto: Estimate,
}

/// The downtime of outages begun by one element's failure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseShare {
    /// The element whose failure began the outages.
    pub element: Option<String>,
    /// The common-cause shock that began them.
    pub shock: Option<String>,
    /// Neither: outages begun by a planned action (maintenance, failback) or
    /// under way at the start.
    pub planned_or_initial: bool,
    /// Outages it began, over all trials.
    pub outages: u64,
    /// Their downtime per year \[h\] (mean over trials, t interval).
    pub downtime_hours_per_year: Estimate,
    /// Their share of all outage time.
    pub share: f64,
}

/// Downtime split by cause: planned (maintenance, planned switchovers) or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedSummary {
    /// Whether planned downtime is in `availability` and the outage counts.
    pub counts_against_availability: bool,
    pub planned_downtime_hours_per_year: Estimate,
    pub unplanned_downtime_hours_per_year: Estimate,
    /// Outages that began with a planned action, over all trials.
    pub planned_outages_observed: u64,
}

/// Writes lost by failovers of asynchronously replicated groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataLossSummary {
    /// Failovers that lost writes, per year.
    pub events_per_year: Estimate,
    /// Seconds of writes lost per year.
    pub lost_write_seconds_per_year: Estimate,
    /// Data losses observed over all trials.
    pub events_observed: u64,
    /// Against the recovery point objective, when the service has one.
    pub rpo: Option<RpoSummary>,
}

/// How often a data loss exceeds the recovery point objective.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RpoSummary {
    /// The RPO \[h\].
    pub rpo_hours: f64,
    /// Data losses larger than the RPO, over all trials.
    pub losses_over_rpo: u64,
    /// Share of data losses larger than the RPO (Wilson); `None` without losses.
    pub fraction_of_losses: Option<Estimate>,
    /// Probability of at least one loss larger than the RPO in a mission (Wilson).
    pub p_loss_over_rpo: Estimate,
}

/// How a run's trials were drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Plain Monte Carlo: every trial weighs the same.
    Plain,
    /// Importance sampling by failure biasing (`--rare on`): weighted trials.
    FailureBiasing,
}

impl Method {
    /// The name written in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plain => "plain",
            Self::FailureBiasing => "failure-biasing",
        }
    }
}

/// The result of a run: its settings and per-service summaries.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub trials: u64,
    pub mission_hours: f64,
    pub confidence: f64,
    pub events: u64,
    /// How the trials were drawn.
    pub method: Method,
    /// Under failure biasing, the mean likelihood ratio per trial (1 in
    /// expectation: a diagnostic of the change of measure).
    pub likelihood_ratio: Option<Estimate>,
    /// Under failure biasing, the mean likelihood ratio at
    /// [`weighted::DEGENERACY_CONFIDENCE`] when that interval misses 1:
    /// the weights have degenerated and no weighted interval can be trusted.
    pub degenerate_likelihood: Option<Estimate>,
    pub services: Vec<ServiceSummary>,
}

/// Summarises a tally at confidence level `confidence` (e.g. 0.95), with
/// each service's exact long-run availability computed within `run`'s budget
/// ([`structure::RUN_EXACT_WORK`] per structure, one budget for all services).
pub fn summarize(model: &Model, tally: &Tally, confidence: f64) -> RunSummary {
    summarize_with(
        model,
        tally,
        confidence,
        &structure::exact_all(model, structure::RUN_EXACT_WORK).0,
    )
}

/// [`summarize`] with the exact values already computed (`exact[s]` for
/// service `s`, from [`structure::exact_all`]): for a command that
/// summarises again and again as trials accrue, whose exact values do not
/// change.
///
/// # Panics
///
/// If `exact` does not have one value per service.
pub fn summarize_with(
    model: &Model,
    tally: &Tally,
    confidence: f64,
    exact: &[structure::Exact],
) -> RunSummary {
    assert_eq!(exact.len(), model.services.len(), "one exact value per service");
    if tally.weighted.is_some() {
        let mut run = weighted::summarize(model, tally, confidence, exact);
        mark_cannot_fail(model, &mut run);
        return run;
    }
    let services = model
        .services
        .iter()
        .zip(&tally.services)
        .enumerate()
        .map(|(i, (s, t))| {
            let mut sum = summarize_service(&s.id, s.rto, t, tally.trials, model.mission, confidence);
            sum.exact = exact[i].clone();
            sum.relative_error = weighted::relative_error(&sum.availability.complement());
            sum.downtime_by_cause = by_cause(model, t, tally.trials, confidence);
            let n = tally.trials;
            let mission_ticks = model.mission * TICKS_PER_HOUR;
            let per_year = HOURS_PER_YEAR / model.mission;
            // Down time in a mission is at most the mission, and no outage
            // of a part is longer than the longest of all.
            let down_per_year = |m: &Moments| {
                intervals::down_time_mean(
                    m,
                    n,
                    mission_ticks,
                    per_year / TICKS_PER_HOUR,
                    confidence,
                    t.durations.max as f64,
                )
            };
            if model.has_planned() {
                sum.planned = Some(PlannedSummary {
                    counts_against_availability: s.planned_counts,
                    // Planned outages are not among the counted ones (and
                    // not bounded by their longest) when they do not count.
                    planned_downtime_hours_per_year: if s.planned_counts {
                        down_per_year(&t.planned_down)
                    } else {
                        bounded_mean(
                            &t.planned_down,
                            n,
                            mission_ticks,
                            per_year / TICKS_PER_HOUR,
                            confidence,
                        )
                    },
                    unplanned_downtime_hours_per_year: down_per_year(&t.unplanned_down),
                    planned_outages_observed: t.planned_outages,
                });
            }
            let replicated = model.replicated_groups_of(i);
            if !replicated.is_empty() {
                let events = t.data_losses.sum as u64;
                let loss = |e: Estimate| loss_estimate(model, &replicated, e);
                sum.data_loss = Some(DataLossSummary {
                    events_per_year: loss(count_mean(&t.data_losses, n, per_year, confidence)),
                    lost_write_seconds_per_year: loss(bounded_mean(
                        &t.lost_writes,
                        n,
                        mission_ticks,
                        per_year * 3600.0 / TICKS_PER_HOUR,
                        confidence,
                    )),
                    events_observed: events,
                    rpo: s.rpo.map(|rpo_hours| RpoSummary {
                        rpo_hours,
                        losses_over_rpo: t.over_rpo,
                        fraction_of_losses: (events > 0)
                            .then(|| clopper_pearson(t.over_rpo, events, confidence)),
                        p_loss_over_rpo: loss(clopper_pearson(t.trials_over_rpo, n, confidence)),
                    }),
                });
            }
            sum
        })
        .collect();
    let mut run = RunSummary {
        trials: tally.trials,
        mission_hours: model.mission,
        confidence,
        events: tally.events,
        method: Method::Plain,
        likelihood_ratio: None,
        degenerate_likelihood: None,
        services,
    };
    mark_cannot_fail(model, &mut run);
    run
}

/// Outage time by the element whose failure began each outage, largest first.
fn by_cause(model: &Model, t: &ServiceTally, n: u64, confidence: f64) -> Vec<CauseShare> {
    let total: u128 = t.by_cause.values().map(|v| v.down.sum).sum();
    let per_year = HOURS_PER_YEAR / model.mission / TICKS_PER_HOUR;
    let mission_ticks = model.mission * TICKS_PER_HOUR;
    let mut out: Vec<CauseShare> = t
        .by_cause
        .iter()
        .map(|(&e, c)| {
            cause_share(
                model,
                e,
                c.outages,
                intervals::down_time_mean(
                    &c.down,
                    n,
                    mission_ticks,
                    per_year,
                    confidence,
                    t.durations.max as f64,
                ),
                if total > 0 {
                    c.down.sum as f64 / total as f64
                } else {
                    0.0
                },
            )
        })
        .collect();
    largest_first(&mut out);
    out
}

/// The line of one cause of outages: `cause` is an element's index, a
/// shock's (after the elements), or none (planned, or under way at the start).
pub(crate) fn cause_share(
    model: &Model,
    cause: Option<u32>,
    outages: u64,
    downtime_hours_per_year: Estimate,
    share: f64,
) -> CauseShare {
    let n_el = model.elements.len();
    CauseShare {
        element: cause
            .filter(|&e| (e as usize) < n_el)
            .map(|e| model.elements[e as usize].id.clone()),
        shock: cause
            .filter(|&e| (e as usize) >= n_el)
            .map(|e| model.common_cause[e as usize - n_el].id.clone()),
        planned_or_initial: cause.is_none(),
        outages,
        downtime_hours_per_year,
        share,
    }
}

/// Causes in report order: most downtime first, then by element and shock id.
pub(crate) fn largest_first(causes: &mut [CauseShare]) {
    causes.sort_by(|a, b| {
        b.downtime_hours_per_year
            .point
            .total_cmp(&a.downtime_hours_per_year.point)
            .then_with(|| a.element.cmp(&b.element))
            .then_with(|| a.shock.cmp(&b.shock))
    });
}

/// The mean time between outages `point`, with the interval of the up time
/// per mission over the outages per mission (the up time is known far
/// better than the outages): unbounded above when the outages' interval
/// reaches 0.
fn mtbo_estimate(point: f64, up_per_mission: f64, outages: &Estimate) -> Estimate {
    Estimate {
        point,
        std_error: None,
        ci_low: up_per_mission / outages.ci_high,
        ci_high: if outages.ci_low > 0.0 {
            up_per_mission / outages.ci_low
        } else {
            f64::INFINITY
        },
        confidence: outages.confidence,
    }
}

/// A data-loss estimate of a service that depends on the replicated
/// groups `replicated`: as it is if one of them replicates asynchronously,
/// else its point alone. Synchronous replication loses nothing by
/// construction: its zeros are exact, not merely unobserved, so no bound.
fn loss_estimate(model: &Model, replicated: &[usize], e: Estimate) -> Estimate {
    let can_lose = replicated.iter().any(|&g| {
        matches!(
            model.groups[g].mode,
            GroupMode::ActivePassive {
                replication: Some(Replication::Async { .. }),
                ..
            }
        )
    });
    if can_lose {
        e
    } else {
        Estimate {
            ci_high: e.point,
            ..e
        }
    }
}

/// A service's unavailability over `n` trials of `mission` hours: the mean
/// share of each mission spent down, with an interval valid however few
/// outages were seen ([`bounded_mean`]; a one-sided bound without any).
pub fn unavailability(t: &ServiceTally, n: u64, mission: f64, confidence: f64) -> Estimate {
    unavailability_of(&t.down, t.durations.max, n, mission, confidence)
}

/// [`unavailability`] from the down time per trial \[ticks\] and the longest
/// outage \[ticks\] alone: what a comparison keeps of each design.
pub(crate) fn unavailability_of(
    down: &Moments,
    longest: u64,
    n: u64,
    mission: f64,
    confidence: f64,
) -> Estimate {
    intervals::down_time_mean(
        down,
        n,
        TICKS_PER_HOUR * mission,
        1.0 / (TICKS_PER_HOUR * mission),
        confidence,
        longest as f64,
    )
}

fn summarize_service(
    id: &str,
    rto: Option<f64>,
    t: &ServiceTally,
    n: u64,
    mission: f64,
    confidence: f64,
) -> ServiceSummary {
    let per_year = HOURS_PER_YEAR / mission;
    let unavail = unavailability(t, n, mission, confidence);
    let availability = unavail.complement();
    let downtime = unavail.scaled(HOURS_PER_YEAR);
    let outages = count_mean(&t.outages, n, 1.0, confidence);
    let observed = t.durations.count;
    let h = |ticks: f64| ticks / TICKS_PER_HOUR;
    let outage_hours = (observed > 0).then(|| Durations {
        mean: h(t.durations.sum as f64 / observed as f64),
        p50: h(t.durations.quantile(0.50).unwrap_or(0.0)),
        p95: h(t.durations.quantile(0.95).unwrap_or(0.0)),
        p99: h(t.durations.quantile(0.99).unwrap_or(0.0)),
        max: h(t.durations.max as f64),
    });
    let total_outages = t.outages.sum as u64;
    let up_per_mission = availability.point * mission;
    // Up time over outages + 1: the ratio with the outages alone overstates
    // the mean on few outages (E[1/N] > 1/E[N]; by about 23 % on seven).
    let mtbo = (total_outages > 0).then(|| {
        mtbo_estimate(
            up_per_mission * n as f64 / (total_outages as f64 + 1.0),
            up_per_mission,
            &outages,
        )
    });
    let warnings = few_outages_warnings(t, n, total_outages, &unavail);
    ServiceSummary {
        cannot_fail: false,
        few_outages: intervals::too_few_outages(intervals::effective_events(&t.down), confidence),
        id: id.to_string(),
        nines: nines(&availability),
        relative_error: None,
        availability,
        downtime_hours_per_year: downtime,
        outages_per_year: outages.scaled(per_year),
        outages_per_mission: outages,
        p_no_outage: clopper_pearson(t.no_outage, n, confidence),
        outage_hours,
        degraded_fraction: bounded_mean(
            &t.degraded,
            n,
            TICKS_PER_HOUR * mission,
            1.0 / (TICKS_PER_HOUR * mission),
            confidence,
        ),
        mean_time_between_outages_hours: mtbo,
        outages_observed: total_outages,
        rto: rto.map(|rto_hours| RtoSummary {
            rto_hours,
            outages_over_rto: t.over_rto,
            fraction_of_outages: (total_outages > 0)
                .then(|| clopper_pearson(t.over_rto, total_outages, confidence)),
            p_outage_over_rto: clopper_pearson(t.trials_over_rto, n, confidence),
        }),
        planned: None,
        data_loss: None,
        exact: structure::Exact::NotApplicable { reasons: Vec::new() },
        downtime_by_cause: Vec::new(),
        warnings,
        plain_trials: None,
    }
}

/// What a reader should know when the outages are too few for the
/// intervals to be narrow: with none, the bound that stands in for the
/// interval; with fewer effective outages than
/// [`intervals::allowance_threshold`], that the intervals allow for an unseen
/// outage as long as the mission and that the mean time between outages
/// rests on few outages.
fn few_outages_warnings(t: &ServiceTally, n: u64, total_outages: u64, unavail: &Estimate) -> Vec<String> {
    let confidence = unavail.confidence;
    let threshold = intervals::allowance_threshold(confidence);
    let effective = intervals::effective_events(&t.down);
    if !intervals::too_few_outages(effective, confidence) {
        return Vec::new();
    }
    let level = format!("{}%", (confidence * 100.0 * 1e4).round() / 1e4);
    let suggest = if total_outages == 0 {
        n.saturating_mul(10)
    } else {
        n.saturating_mul((threshold / effective.max(1.0)).ceil() as u64)
    };
    vec![if total_outages == 0 {
        format!(
            "no outage was observed in {n} trials: unavailability is below {:.2e} at {level} (a one-sided \
             bound that allows for an outage as long as the mission); more trials tighten it (e.g. --trials {suggest})",
            unavail.ci_high
        )
    } else {
        format!(
            "only {total_outages} outage(s) were observed in {n} trials ({effective:.1} effective, fewer than \
             {threshold}): the intervals allow for an unseen outage as long as the mission, and the mean time \
             between outages rests on these few; more trials tighten them (e.g. --trials {suggest})"
        )
    }]
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `statrs`'s quantile, whatever the degrees of freedom.
    fn statrs_t(df: u64, p: f64) -> f64 {
        StudentsT::new(0.0, 1.0, df as f64).unwrap().inverse_cdf(p)
    }

    /// Asserts that `got` is within relative `tol` of `want`.
    #[track_caller]
    pub(crate) fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
        assert!(
            ((got - want) / want).abs() < tol,
            "{what}: {got} vs {want} (relative {:e})",
            (got - want) / want
        );
    }

    #[test]
    // The references are kept to the digits they were computed to.
    #[allow(clippy::excessive_precision)]
    fn t_expansion_agrees_with_statrs_and_references_at_the_switch() {
        // 20-digit references from 50-digit root-finding on the regularised
        // incomplete beta function (mpmath).
        let refs = [
            (
                499,
                [
                    0.253_482_220_171_067_25,
                    1.283_250_423_009_885_1,
                    1.647_912_984_059_712_8,
                ],
            ),
            (
                500,
                [
                    0.253_481_949_851_665_6,
                    1.283_247_020_710_374_2,
                    1.647_906_853_929_511_1,
                ],
            ),
            (
                501,
                [
                    0.253_481_680_611_722_67,
                    1.283_243_632_011_179,
                    1.647_900_748_316_431_8,
                ],
            ),
        ];
        let refs_tail = [
            (
                499,
                [
                    1.964_729_390_987_689,
                    2.585_717_683_111_754_3,
                    3.310_130_570_397_798_5,
                ],
            ),
            (
                500,
                [
                    1.964_719_837_467_367_8,
                    2.585_697_835_141_942,
                    3.310_091_151_522_669_7,
                ],
            ),
            (
                501,
                [
                    1.964_710_322_175_483_2,
                    2.585_678_066_690_027_7,
                    3.310_051_890_853_159_8,
                ],
            ),
        ];
        let from = T_EXPANSION_FROM;
        assert_eq!(from, 500, "the references below are for the switch at 500");
        for ((df, low), (_, tail)) in refs.into_iter().zip(refs_tail) {
            let values = low.into_iter().chain(tail);
            for (p, want) in [0.6, 0.9, 0.95, 0.975, 0.995, 0.9995].into_iter().zip(values) {
                let what = format!("df {df}, p {p}");
                assert_rel(&what, cornish_fisher(df, p), want, 1e-14);
                // statrs's own error is about 10^-12 here.
                assert_rel(&what, statrs_t(df, p), want, 3e-12);
            }
        }
        for df in [from - 1, from, from + 1] {
            for p in [0.55, 0.8, 0.99, 1.0 - 1e-6] {
                assert_rel(
                    &format!("df {df}, p {p}"),
                    cornish_fisher(df, p),
                    statrs_t(df, p),
                    3e-12,
                );
            }
        }
        // Across the switch the quantile keeps falling with the degrees of freedom.
        for p in [0.6, 0.975, 0.9995] {
            assert!(student_t_quantile(from - 1, p) > student_t_quantile(from, p));
            assert_eq!(student_t_quantile(from - 1, p), statrs_t(from - 1, p));
            assert_eq!(student_t_quantile(from, p), cornish_fisher(from, p));
        }
    }

    #[test]
    // The references are kept to the digits they were computed to.
    #[allow(clippy::excessive_precision)]
    fn t_quantiles_match_tables() {
        // As above, from mpmath.
        let table = [
            (10, 0.975, 2.228_138_851_986_274_7),
            (99_999, 0.975, 1.959_987_707_771_844_8),
            (100_000, 0.975, 1.959_987_707_534_609_6),
            (1_000_000, 0.975, 1.959_966_356_814_107),
            (20_000_000, 0.975, 1.959_964_103_153_622_8),
            (1_000_000_000, 0.975, 1.959_963_986_912_325_5),
            (1_000_000_000_000, 0.975, 1.959_963_984_542_426_5),
            (10, 0.995, 3.169_272_672_616_951_2),
            (100_000, 0.995, 2.575_878_469_908_375_3),
            (20_000_000, 0.995, 2.575_829_549_376_302_8),
            (1_000_000_000_000, 0.995, 2.575_829_303_553_817_3),
            (10, 0.9995, 4.586_893_858_702_636),
            (99_999, 0.9995, 3.290_624_032_384_917_7),
            (1_000_000, 0.9995, 3.290_536_461_248_691),
            (1_000_000_000, 0.9995, 3.290_526_741_221_625_5),
        ];
        for (df, p, want) in table {
            // statrs, below the switch, is good to about 10^-14 at small df.
            let tol = if df < T_EXPANSION_FROM { 1e-13 } else { 1e-14 };
            assert_rel(&format!("df {df}, p {p}"), student_t_quantile(df, p), want, tol);
        }
        // The normal quantile is the limit (statrs's is good to about 10^-14).
        assert_rel(
            "n = 2^64 - 1",
            t_critical(u64::MAX, 0.95),
            1.959_963_984_540_054_2,
            1e-14,
        );
        assert_rel(
            "n = 2^64 - 1",
            t_critical(u64::MAX, 0.999),
            3.290_526_731_491_894_8,
            1e-14,
        );
    }

    #[test]
    fn t_critical_is_infinite_below_two_trials() {
        for confidence in [0.8, 0.95, 0.999] {
            assert_eq!(t_critical(0, confidence), f64::INFINITY);
            assert_eq!(t_critical(1, confidence), f64::INFINITY);
            assert_eq!(
                t_critical(2, confidence),
                student_t_quantile(1, 0.5 + confidence / 2.0)
            );
        }
        assert!((t_critical(2, 0.95) - 12.706_204_736_174_7).abs() < 1e-9);
    }

    #[test]
    fn t_critical_falls_with_the_trials_up_to_u64_max() {
        for confidence in [0.8, 0.95, 0.999] {
            let mut ns: Vec<u64> = (2..200).collect();
            ns.extend(T_EXPANSION_FROM - 50..T_EXPANSION_FROM + 50);
            ns.extend((0..=64).map(|k| (1u128 << k).min(u128::from(u64::MAX)) as u64));
            ns.extend((1..2000).map(|k| k * 97));
            ns.extend([15_000_000, 20_000_000, 100_000_000_000, u64::MAX - 1, u64::MAX]);
            ns.retain(|&n| n >= 2);
            ns.sort_unstable();
            ns.dedup();
            let t: Vec<f64> = ns.iter().map(|&n| t_critical(n, confidence)).collect();
            assert!(t.iter().all(|x| x.is_finite()));
            for (w, n) in t.windows(2).zip(ns.windows(2)) {
                assert!(
                    w[1] <= w[0],
                    "confidence {confidence}: t rises from n = {} to {}",
                    n[0],
                    n[1]
                );
            }
            assert!(t[t.len() - 1] >= z_critical(confidence) * (1.0 - 1e-15));
        }
    }

    #[test]
    fn variance_is_exact_past_128_bits() {
        // Three values near 2^64: n·Σx² is past 2^128, and in f64 the
        // difference n·Σx² − (Σx)² cancels to nothing. The variance of
        // (M, M, M − 1) is 1/3.
        let mut m = Moments::default();
        for x in [u64::MAX, u64::MAX, u64::MAX - 1] {
            m.add(x);
        }
        let (_, var) = mean_var(&m, 3);
        assert!((var - 1.0 / 3.0).abs() < 1e-12, "{var}");
        // A million trials of a year's downtime, give or take a second.
        let year = (8766.0 * TICKS_PER_HOUR) as u64;
        let second = (TICKS_PER_HOUR / 3600.0) as u64;
        let mut m = Moments::default();
        for i in 0..1_000_000u64 {
            m.add(if i % 2 == 0 { year + second } else { year - second });
        }
        assert!(
            m.sum_sq
                .to_u128()
                .and_then(|s| s.checked_mul(1_000_000))
                .is_none()
        );
        let (_, var) = mean_var(&m, 1_000_000);
        let exact = (second as f64).powi(2) * 1e6 / (1e6 - 1.0);
        assert!((var / exact - 1.0).abs() < 1e-9, "{var} vs {exact}");
    }

    #[test]
    fn t_interval_matches_a_hand_computation() {
        let mut m = Moments::default();
        for x in [2u64, 4, 4, 4, 5, 5, 7, 9] {
            m.add(x);
        }
        let e = t_mean(&m, 8, 1.0, 0.95);
        // mean 5, sample sd sqrt(32/7), t(0.975, 7) = 2.364624
        let se = (32.0f64 / 7.0).sqrt() / 8f64.sqrt();
        assert!((e.point - 5.0).abs() < 1e-12);
        assert!((e.std_error.unwrap() - se).abs() < 1e-12);
        assert!((e.ci_high - (5.0 + 2.364_624_25 * se)).abs() < 1e-6);
    }

    #[test]
    fn wilson_matches_a_reference_value() {
        // 81 of 263 at 95 %: [0.2553, 0.3662] (Newcombe 1998, Stat Med 17:857, table I).
        let e = wilson(81, 263, 0.95);
        assert!((e.ci_low - 0.2553).abs() < 5e-4, "{e:?}");
        assert!((e.ci_high - 0.3662).abs() < 5e-4, "{e:?}");
        let all = wilson(10, 10, 0.95);
        assert_eq!(all.ci_high, 1.0);
        assert!(all.ci_low < 1.0);
    }

    /// A service over 1,000 trials of 100 h whose outages of 1 h fall
    /// `per_trial` at a time into `trials_hit` trials.
    fn hit(trials_hit: u64, per_trial: u64) -> ServiceSummary {
        let mut t = ServiceTally::default();
        for i in 0..1000u64 {
            let k = if i < trials_hit { per_trial } else { 0 };
            t.down.add(crate::engine::tally::ticks(k as f64));
            t.outages.add(k);
            t.degraded.add(0);
            t.no_outage += u64::from(k == 0);
            for _ in 0..k {
                t.durations.add(crate::engine::tally::ticks(1.0));
            }
        }
        summarize_service("s", None, &t, 1000, 100.0, 0.95)
    }

    #[test]
    fn one_few_outages_rule_on_effective_outages() {
        // K₀ = 39 at 95 %: 38 outages one per trial are too few, 39 are not.
        assert!(hit(38, 1).few_outages);
        assert!(!hit(39, 1).few_outages);
        assert!(hit(38, 1).warnings.len() == 1 && hit(39, 1).warnings.is_empty());
        // 60 outages in 3 trials are 3 effective ones: too few, however many
        // were counted (a count of 30 or more passed before).
        let clustered = hit(3, 20);
        assert_eq!(clustered.outages_observed, 60);
        assert!(clustered.few_outages && clustered.warnings.len() == 1);
        // None at all: too few.
        assert!(hit(0, 0).few_outages);
    }

    #[test]
    fn mean_time_between_outages_divides_by_one_more_outage_and_carries_the_outages_interval() {
        let mut t = ServiceTally::default();
        // Ten trials of 100 h: 1 h down and 2 outages in each of the first five, none after.
        for i in 0..10u64 {
            let (down, outages) = if i < 5 { (1.0, 2) } else { (0.0, 0) };
            t.down.add(crate::engine::tally::ticks(down));
            t.outages.add(outages);
            t.degraded.add(0);
            t.no_outage += u64::from(outages == 0);
        }
        let s = summarize_service("s", None, &t, 10, 100.0, 0.95);
        let m = s.mean_time_between_outages_hours.expect("outages were seen");
        let up = s.availability.point * 100.0;
        // Up time over outages + 1: 10 missions' up time over 11, not 10.
        assert!((m.point - up * 10.0 / 11.0).abs() < 1e-9, "{m:?}");
        assert!((m.ci_low - up / s.outages_per_mission.ci_high).abs() < 1e-9);
        assert!((m.ci_high - up / s.outages_per_mission.ci_low).abs() < 1e-9);
        assert!(m.ci_low < m.point && m.point < m.ci_high);
    }

    #[test]
    fn nines_round_down_from_the_low_end() {
        let a = Estimate {
            point: 0.99995,
            std_error: None,
            ci_low: 0.99989,
            ci_high: 0.99999,
            confidence: 0.95,
        };
        assert_eq!(nines(&a), Some(3.9));
        let perfect = Estimate { ci_low: 1.0, ..a };
        assert_eq!(nines(&perfect), None);
    }
}
