//! Targets and their verdicts, for `redsim check`: is each target met,
//! missed, or not yet decided at the confidence asked for?

use serde::Serialize;

use super::{Estimate, Method, RunSummary};
use crate::model::Model;

/// What a target constrains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Availability at least the goal.
    Availability,
    /// Downtime per year \[h\] at most the goal.
    MaxDowntimePerYear,
    /// Outages per year at most the goal.
    MaxOutagesPerYear,
    /// Probability of an outage longer than the RTO in a mission at most the goal.
    MaxPOutageOverRto,
    /// No single point of failure (the goal is unused).
    NoSpof,
}

impl Metric {
    /// The name used in the scenario format and on the command line.
    pub fn key(self) -> &'static str {
        match self {
            Self::Availability => "availability",
            Self::MaxDowntimePerYear => "max_downtime_per_year",
            Self::MaxOutagesPerYear => "max_outages_per_year",
            Self::MaxPOutageOverRto => "max_p_outage_over_rto",
            Self::NoSpof => "no_spof",
        }
    }

    /// Parses a name from [`Metric::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        [
            Self::Availability,
            Self::MaxDowntimePerYear,
            Self::MaxOutagesPerYear,
            Self::MaxPOutageOverRto,
            Self::NoSpof,
        ]
        .into_iter()
        .find(|m| m.key() == key)
    }

    /// Whether deciding it takes a simulation.
    pub fn simulated(self) -> bool {
        self != Self::NoSpof
    }
}

/// One target of one service.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub service: usize,
    pub metric: Metric,
    /// The goal, in the metric's unit (a fraction, hours per year, outages per
    /// year or a probability).
    pub goal: f64,
}

/// The targets written in the scenario, service by service.
pub fn scenario_targets(model: &Model) -> Vec<Target> {
    let mut out = Vec::new();
    for (s, svc) in model.services.iter().enumerate() {
        let t = &svc.targets;
        let mut add = |metric, goal: Option<f64>| {
            if let Some(goal) = goal {
                out.push(Target {
                    service: s,
                    metric,
                    goal,
                });
            }
        };
        add(Metric::Availability, t.availability);
        add(Metric::MaxDowntimePerYear, t.max_downtime_per_year);
        add(Metric::MaxOutagesPerYear, t.max_outages_per_year);
        add(Metric::MaxPOutageOverRto, t.max_p_outage_over_rto);
        add(Metric::NoSpof, t.no_spof.then_some(0.0));
    }
    out
}

/// The targets to check: the file's, where a command-line target for the
/// same service and metric replaces the file's (one verdict each), then
/// the command line's, in their order.
pub fn with_command_line(file: Vec<Target>, given: Vec<Target>) -> Vec<Target> {
    let same = |a: &Target, b: &Target| a.service == b.service && a.metric == b.metric;
    let mut out: Vec<Target> = file
        .into_iter()
        .filter(|f| !given.iter().any(|g| same(f, g)))
        .collect();
    out.extend(given);
    out
}

/// Whether a target holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole interval is on the good side.
    Met,
    /// The whole interval is on the bad side.
    Missed,
    /// The interval straddles the goal.
    Undecided,
}

/// The verdict on one target, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub service: String,
    pub metric: Metric,
    pub goal: f64,
    pub verdict: Verdict,
    /// The estimate it was decided on (none for `no_spof`).
    pub estimate: Option<Estimate>,
    /// The single points of failure (for `no_spof`).
    pub spofs: Vec<String>,
    /// Why it is undecided, when it is.
    pub reason: Option<String>,
}

/// The single points of failure of the services that have a `no_spof`
/// target (empty for the others), as [`decide`] takes them: element ids.
pub fn spofs_for(model: &Model, st: &super::structure::Structure, targets: &[Target]) -> Vec<Vec<String>> {
    let mut wanted = vec![false; model.services.len()];
    for t in targets.iter().filter(|t| t.metric == Metric::NoSpof) {
        wanted[t.service] = true;
    }
    st.spofs_where(&wanted)
        .into_iter()
        .map(|found| found.into_iter().map(|e| model.elements[e].id.clone()).collect())
        .collect()
}

/// Decides each target from a run summary (estimates at the confidence of
/// one look) and the services' single points of failure.
pub fn decide(model: &Model, targets: &[Target], run: &RunSummary, spofs: &[Vec<String>]) -> Vec<Decision> {
    // Under failure biasing the mean likelihood ratio must be 1; where its
    // interval (at the strict level of the run report's check, whatever
    // one look's confidence) misses 1 the weights have degenerated (a long
    // mission of many degraded periods) and no weighted interval can be trusted.
    let degenerate = run
        .degenerate_likelihood
        .filter(|_| run.method == Method::FailureBiasing)
        .map(|l| {
            format!(
                "the mean likelihood ratio is {:.3} [{:.3}, {:.3}], not 1: the failure-biasing weights have \
                 degenerated and their intervals cannot be trusted; run plain (--rare off) or shorten the mission",
                l.point, l.ci_low, l.ci_high
            )
        });
    targets
        .iter()
        .map(|t| {
            let svc = &run.services[t.service];
            let mut d = Decision {
                service: model.services[t.service].id.clone(),
                metric: t.metric,
                goal: t.goal,
                verdict: Verdict::Undecided,
                estimate: None,
                spofs: Vec::new(),
                reason: None,
            };
            // (estimate, higher is better)
            let (est, up_good) = match t.metric {
                Metric::NoSpof => {
                    d.spofs = spofs[t.service].clone();
                    d.verdict = if d.spofs.is_empty() {
                        Verdict::Met
                    } else {
                        Verdict::Missed
                    };
                    return d;
                }
                Metric::Availability => (svc.availability, true),
                Metric::MaxDowntimePerYear => (svc.downtime_hours_per_year, false),
                Metric::MaxOutagesPerYear => (svc.outages_per_year, false),
                Metric::MaxPOutageOverRto => match &svc.rto {
                    Some(r) => (r.p_outage_over_rto, false),
                    None => {
                        d.reason = Some("the service has no rto".into());
                        return d;
                    }
                },
            };
            d.estimate = Some(est);
            if svc.cannot_fail {
                d.verdict = Verdict::Met;
                d.reason = Some(
                    "the service cannot fail (nothing it depends on has a failure law or maintenance): \
                     it is always up, whatever the goal"
                        .into(),
                );
                return d;
            }
            // A biased run that has seen no outage of the service has
            // weighted sums of zero: an interval of width zero that says
            // nothing about the design, not a bound to decide from.
            if let Some(why) = &degenerate {
                d.reason = Some(why.clone());
                return d;
            }
            // A service given its plain pilot's figures ([`super::rare::bound_unseen`])
            // has valid plain intervals, decided as any.
            if run.method == Method::FailureBiasing && svc.outages_observed == 0 && svc.plain_trials.is_none()
            {
                d.reason = Some(
                    "no outage was seen in the failure-biased trials: the weighted interval says \
                     nothing yet"
                        .into(),
                );
                return d;
            }
            // Every interval is valid however few outages were seen (with
            // none, a one-sided bound that allows for an outage as long as
            // the mission), so no minimum count: a design that is
            // essentially never down is met once its bound clears the goal.
            let (good, bad) = if up_good {
                (est.ci_low >= t.goal, est.ci_high < t.goal)
            } else {
                (est.ci_high <= t.goal, est.ci_low > t.goal)
            };
            d.verdict = match (good, bad) {
                (true, _) => Verdict::Met,
                (_, true) => Verdict::Missed,
                _ => Verdict::Undecided,
            };
            if d.verdict == Verdict::Undecided {
                d.reason = Some("the interval straddles the goal".into());
            }
            d
        })
        .collect()
}

/// Confidence of each look so that `looks` looks together keep the overall
/// error at `1 − confidence` (Bonferroni): a target decided at any look is
/// wrong with probability at most `1 − confidence`.
pub fn per_look_confidence(confidence: f64, looks: u32) -> f64 {
    1.0 - (1.0 - confidence) / f64::from(looks.max(1))
}

/// Trials before each look: `first`, then doubling, the last one capped at
/// `max` (cumulative counts).
pub fn schedule(first: u64, max: u64) -> Vec<u64> {
    let mut out = Vec::new();
    let mut n = first.clamp(2, max.max(2));
    loop {
        out.push(n.min(max));
        if n >= max {
            break;
        }
        n = n.saturating_mul(2);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_line_target_replaces_the_files_for_its_service_and_metric() {
        let t = |service, metric, goal| Target {
            service,
            metric,
            goal,
        };
        let file = vec![
            t(0, Metric::Availability, 0.99),
            t(0, Metric::NoSpof, 0.0),
            t(1, Metric::Availability, 0.99),
        ];
        let given = vec![
            t(0, Metric::Availability, 0.999),
            t(0, Metric::MaxOutagesPerYear, 1.0),
        ];
        assert_eq!(
            with_command_line(file, given),
            [
                t(0, Metric::NoSpof, 0.0),
                t(1, Metric::Availability, 0.99),
                t(0, Metric::Availability, 0.999),
                t(0, Metric::MaxOutagesPerYear, 1.0),
            ]
        );
    }

    #[test]
    fn looks_double_up_to_the_cap() {
        assert_eq!(schedule(1000, 10_000), [1000, 2000, 4000, 8000, 10_000]);
        assert_eq!(schedule(1000, 1000), [1000]);
        assert_eq!(schedule(5000, 1000), [1000]);
    }

    #[test]
    fn bonferroni_spreads_the_error_over_the_looks() {
        assert!((per_look_confidence(0.95, 5) - 0.99).abs() < 1e-12);
        assert_eq!(per_look_confidence(0.95, 1), 0.95);
    }
}
