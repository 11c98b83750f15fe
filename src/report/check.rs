//! `redsim check` results: a table, JSON, JUnit XML and GitHub Actions
//! annotations.

use std::fmt::Write as _;

use serde::Serialize;

use super::nines::{apart_from, exactly, hours_digits, pct_digits, sig_digits};
use super::{Provenance, Round, level, pretty_json, unit_for};
use crate::analysis::check::{Decision, Metric, Verdict};
use crate::model::escape::{workflow_data, xml};

/// Format tag of JSON check reports.
pub const CHECK_FORMAT: &str = "redsim-check/1";

/// The outcome of `redsim check`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport<'a> {
    pub format: &'static str,
    pub redsim_version: &'static str,
    pub scenario: &'a Provenance,
    pub seed: u64,
    /// Trials simulated in all (0 when no target needed a simulation).
    pub trials: u64,
    /// How the trials were drawn: `plain` or `failure-biasing`
    /// ([`Method::as_str`](crate::analysis::Method::as_str)).
    pub method: &'static str,
    /// Overall confidence: every verdict is wrong with probability at most 1 − this.
    pub confidence: f64,
    /// Confidence of each look's intervals (Bonferroni over `looks`).
    pub confidence_per_look: f64,
    /// Looks planned (batches of trials, doubling).
    pub looks: u32,
    /// Why the simulation stopped: "decided", "max_trials" or "max_time"
    /// ("result": decided from a result file, some targets undecided).
    pub stopped: &'static str,
    pub decisions: Vec<Decision>,
}

/// How a goal reads: `availability ≥ 99.99 %`.
pub fn goal_text(metric: Metric, goal: f64) -> String {
    match metric {
        Metric::Availability => format!("availability >= {} %", sig_pct(goal)),
        Metric::MaxDowntimePerYear => {
            let unit = unit_for(goal);
            format!(
                "downtime <= {} per year",
                exactly(goal, 3, &|x, n, r| hours_digits(x, unit, n, r))
            )
        }
        Metric::MaxOutagesPerYear => format!("outages <= {} per year", exactly(goal, 3, &sig_digits)),
        Metric::MaxPOutageOverRto => format!("P(outage over RTO) <= {}", exactly(goal, 3, &sig_digits)),
        Metric::NoSpof => "no single point of failure".into(),
    }
}

/// A percentage with the digits a goal like 99.995 % needs: six
/// decimals, or more where the rest to 100 % needs them for three
/// significant digits (99.99999877 % at eight nines, where six decimals
/// would show a goal and an interval that differ as equal).
fn sig_pct(x: f64) -> String {
    exactly(x, pct_decimals(x), &|x, d, r| pct_digits(x, d, r))
}

/// The decimals [`sig_pct`] gives `x`.
fn pct_decimals(x: f64) -> usize {
    let rest = 100.0 - x * 100.0;
    let needed = if rest > 0.0 && rest.is_finite() {
        (2 - rest.log10().floor() as i32).clamp(0, 12) as usize
    } else {
        6
    };
    needed.max(6)
}

/// `x` as the evidence for goal `goal` shows it, in the metric's unit
/// (a percentage, a duration, a number), rounded as asked, and never
/// reading as equal to the goal it was judged against unless it is.
fn against(metric: Metric, x: f64, goal: f64, r: Round) -> String {
    match metric {
        Metric::Availability => apart_from(x, goal, pct_decimals(x), r, &|x, d, r| pct_digits(x, d, r)),
        // In the goal's unit, so that the two read against each other.
        Metric::MaxDowntimePerYear => {
            let unit = if goal > 0.0 { unit_for(goal) } else { unit_for(x) };
            apart_from(x, goal, 3, r, &|x, n, r| hours_digits(x, unit, n, r))
        }
        _ => apart_from(x, goal, 3, r, &sig_digits),
    }
}

/// The evidence, in words: the estimate and its interval, or the SPOFs.
pub(super) fn evidence(d: &Decision) -> String {
    if d.metric == Metric::NoSpof {
        return if d.spofs.is_empty() {
            "none".into()
        } else {
            d.spofs.join(", ")
        };
    }
    let Some(e) = &d.estimate else {
        return String::new();
    };
    let (goal, m) = (d.goal, d.metric);
    let point = against(m, e.point, goal, Round::Nearest);
    let (low, high) = (
        against(m, e.ci_low, goal, Round::Down),
        against(m, e.ci_high, goal, Round::Up),
    );
    // Nothing observed: a one-sided bound, written as one.
    match d.metric {
        Metric::Availability if super::one_sided_high(e) => {
            format!("{point} % (unavailability < {:.2e})", 1.0 - e.ci_low)
        }
        Metric::MaxDowntimePerYear if super::one_sided_low(e) => format!("{point} (< {high}) per year"),
        _ if super::one_sided_low(e) => format!("{point} (< {high})"),
        Metric::Availability => format!("{point} % [{low}, {high}]"),
        Metric::MaxDowntimePerYear => format!("{point} [{low}, {high}] per year"),
        _ => format!("{point} [{low}, {high}]"),
    }
}

pub(super) fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Met => "met",
        Verdict::Missed => "MISSED",
        Verdict::Undecided => "undecided",
    }
}

impl CheckReport<'_> {
    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        pretty_json(self)
    }

    /// A readable table, one line per target.
    pub fn to_table(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "redsim {}  ·  check of {}",
            self.redsim_version,
            crate::model::printable(&self.scenario.name)
        );
        let _ = writeln!(o, "scenario   {}", crate::model::printable(&self.scenario.file));
        super::set_line(&mut o, "set        ", &self.scenario.set);
        let _ = writeln!(
            o,
            "seed       {}   trials {}   confidence {}% overall ({}% per look, {} look{})   stopped: {}",
            self.seed,
            self.trials,
            level(self.confidence),
            level(self.confidence_per_look),
            self.looks,
            if self.looks == 1 { "" } else { "s" },
            self.stopped
        );
        let _ = writeln!(o, "method     {}\n", self.method);
        for d in &self.decisions {
            let _ = writeln!(
                o,
                "  {:<10} {:<16} {:<34} {}",
                verdict_word(d.verdict),
                d.service,
                goal_text(d.metric, d.goal),
                evidence(d)
            );
            if let Some(r) = &d.reason {
                let _ = writeln!(o, "  {:<10} {:<16} ({r})", "", "");
            }
        }
        o
    }

    /// JUnit XML: one test case per service and target; a missed target is a
    /// failure, an undecided one a failure or a skipped test as asked, and a
    /// met one carries its evidence (estimate and interval) in `<system-out>`.
    pub fn to_junit(&self, undecided_fails: bool) -> String {
        let missed = self
            .decisions
            .iter()
            .filter(|d| d.verdict == Verdict::Missed)
            .count();
        let undecided = self
            .decisions
            .iter()
            .filter(|d| d.verdict == Verdict::Undecided)
            .count();
        let (failures, skipped) = if undecided_fails {
            (missed + undecided, 0)
        } else {
            (missed, undecided)
        };
        let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            o,
            "<testsuites name=\"redsim check\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
            self.decisions.len()
        );
        let _ = writeln!(
            o,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\">",
            xml(&self.scenario.name),
            self.decisions.len()
        );
        for d in &self.decisions {
            let name = goal_text(d.metric, d.goal);
            let _ = write!(
                o,
                "    <testcase classname=\"redsim.{}\" name=\"{}\"",
                xml(&d.service),
                xml(&name)
            );
            let detail = format!(
                "{}: {} is {} ({}, {} trials, seed {})",
                d.service,
                name,
                verdict_word(d.verdict),
                evidence(d),
                self.trials,
                self.seed
            );
            match d.verdict {
                // A passing case carries its evidence too, for the CI's record.
                Verdict::Met => {
                    let _ = writeln!(
                        o,
                        ">\n      <system-out>{}</system-out>\n    </testcase>",
                        xml(&detail)
                    );
                }
                Verdict::Missed => {
                    let _ = writeln!(
                        o,
                        ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>",
                        xml(&detail),
                        xml(&detail)
                    );
                }
                Verdict::Undecided => {
                    let why = d.reason.clone().unwrap_or_default();
                    let msg = xml(&format!("{detail}: {why}"));
                    if undecided_fails {
                        let _ = writeln!(
                            o,
                            ">\n      <failure message=\"{msg}\">{msg}</failure>\n    </testcase>"
                        );
                    } else {
                        let _ = writeln!(o, ">\n      <skipped message=\"{msg}\"/>\n    </testcase>");
                    }
                }
            }
        }
        o.push_str("  </testsuite>\n</testsuites>\n");
        o
    }

    /// GitHub Actions workflow commands: an error per missed target, a
    /// warning per undecided one.
    pub fn to_github(&self) -> String {
        let mut o = String::new();
        for d in &self.decisions {
            let kind = match d.verdict {
                Verdict::Met => continue,
                Verdict::Missed => "error",
                Verdict::Undecided => "warning",
            };
            let mut msg = format!(
                "service {}: {} is {} ({})",
                d.service,
                goal_text(d.metric, d.goal),
                verdict_word(d.verdict),
                evidence(d)
            );
            if let Some(r) = &d.reason {
                let _ = write!(msg, ": {r}");
            }
            let _ = writeln!(
                o,
                "::{kind} file={},title=redsim check::{}",
                workflow_data(&self.scenario.file)
                    .replace(',', "%2C")
                    .replace(':', "%3A"),
                workflow_data(&msg)
            );
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Estimate;

    fn decision(metric: Metric, goal: f64, verdict: Verdict, point: f64, low: f64, high: f64) -> Decision {
        Decision {
            service: "s".into(),
            metric,
            goal,
            verdict,
            estimate: Some(Estimate {
                point,
                std_error: None,
                ci_low: low,
                ci_high: high,
                confidence: 0.95,
            }),
            spofs: Vec::new(),
            reason: None,
        }
    }

    #[test]
    fn a_bound_near_the_target_never_reads_as_the_target() {
        let cases = [
            // Met at 99.9999 %: the lower bound is just above (it printed "99.9999").
            (
                decision(
                    Metric::Availability,
                    0.999_999,
                    Verdict::Met,
                    0.999_999_6,
                    0.999_999_000_04,
                    0.999_999_9,
                ),
                "99.99996 % [99.999900004, 99.99999]",
            ),
            // Missed: the upper bound is just below.
            (
                decision(
                    Metric::Availability,
                    0.999_999,
                    Verdict::Missed,
                    0.999_998,
                    0.999_997,
                    0.999_998_999_7,
                ),
                "99.9998 % [99.9997, 99.99989997]",
            ),
            // Far from the target: the digits of the rest to 100 %, as before.
            (
                decision(
                    Metric::Availability,
                    0.9995,
                    Verdict::Met,
                    0.999_866_09,
                    0.999_8,
                    0.999_9,
                ),
                "99.986609 % [99.98, 99.99]",
            ),
            // Downtime: the upper bound 5.26 min against a goal of 5.26 min, 1 s apart.
            (
                decision(
                    Metric::MaxDowntimePerYear,
                    5.26 / 60.0,
                    Verdict::Met,
                    3.0 / 60.0,
                    1.0 / 60.0,
                    5.25 / 60.0,
                ),
                "3.00 min [1.00 min, 5.25 min] per year",
            ),
            (
                decision(
                    Metric::MaxDowntimePerYear,
                    5.26 / 60.0,
                    Verdict::Met,
                    3.0 / 60.0,
                    1.0 / 60.0,
                    5.2599 / 60.0,
                ),
                "3.00 min [1.00 min, 5.2599 min] per year",
            ),
            // Outages: 0.999 against 1, rounded up it would read 1.00.
            (
                decision(Metric::MaxOutagesPerYear, 1.0, Verdict::Met, 0.5, 0.2, 0.999_6),
                "0.500 [0.200, 0.9996]",
            ),
        ];
        for (d, want) in cases {
            assert_eq!(evidence(&d), want, "{:?} against {}", d.metric, d.goal);
        }
    }

    #[test]
    fn a_passing_junit_case_carries_its_estimate_and_interval() {
        let prov = Provenance {
            name: "pair".into(),
            file: "pair.json".into(),
            sha256: "0".repeat(64),
            set: Vec::new(),
        };
        let decision = |verdict| Decision {
            service: "web".into(),
            metric: Metric::Availability,
            goal: 0.99,
            verdict,
            estimate: Some(Estimate {
                point: 0.9995,
                std_error: Some(0.0001),
                ci_low: 0.9993,
                ci_high: 0.9997,
                confidence: 0.95,
            }),
            spofs: Vec::new(),
            reason: None,
        };
        let rep = CheckReport {
            format: CHECK_FORMAT,
            redsim_version: "0",
            scenario: &prov,
            seed: 7,
            trials: 1000,
            method: "plain",
            confidence: 0.95,
            confidence_per_look: 0.95,
            looks: 1,
            stopped: "decided",
            decisions: vec![decision(Verdict::Met), decision(Verdict::Missed)],
        };
        let xml = rep.to_junit(false);
        let detail = "web: availability &gt;= 99 % is met (99.95 % [99.93, 99.97], 1000 trials, seed 7)";
        assert!(
            xml.contains(&format!(
                "<testcase classname=\"redsim.web\" name=\"availability &gt;= 99 %\">\n      \
                 <system-out>{detail}</system-out>\n    </testcase>"
            )),
            "{xml}"
        );
        // A failing case says it in its failure, as before.
        assert!(
            xml.contains("<failure message=\"web: availability &gt;= 99 % is MISSED (99.95 % [99.93, 99.97]")
        );
        assert_eq!(
            xml.matches("<testcase ").count(),
            xml.matches("</testcase>").count(),
            "{xml}"
        );
    }

    #[test]
    fn a_bound_rounded_outwards_never_crosses_the_goal_as_printed() {
        // Met verdicts whose bound lies just inside a goal with more digits
        // than three: rounded outwards at three digits, the bound crossed the
        // goal (52.6 min against 52.54, 1.24 against 1.234), and the goal
        // itself was printed short (52.5 min, 1.23).
        let cases = [
            (
                decision(
                    Metric::MaxDowntimePerYear,
                    52.54 / 60.0,
                    Verdict::Met,
                    40.0 / 60.0,
                    30.0 / 60.0,
                    52.53 / 60.0,
                ),
                "downtime <= 52.54 min per year",
                "40.0 min [30.0 min, 52.53 min] per year",
            ),
            (
                decision(Metric::MaxOutagesPerYear, 1.234, Verdict::Met, 1.0, 0.5, 1.2339),
                "outages <= 1.234 per year",
                "1.00 [0.500, 1.2339]",
            ),
            (
                decision(
                    Metric::Availability,
                    0.999_912_35,
                    Verdict::Met,
                    0.999_95,
                    0.999_912_36,
                    0.999_99,
                ),
                "availability >= 99.991235 %",
                "99.995 % [99.991236, 99.999]",
            ),
        ];
        for (d, goal, want) in cases {
            assert_eq!(goal_text(d.metric, d.goal), goal);
            assert_eq!(evidence(&d), want, "{:?} against {}", d.metric, d.goal);
        }
    }

    #[test]
    fn percentages_keep_three_digits_of_what_is_left_to_100() {
        assert_eq!(sig_pct(0.9995), "99.95");
        assert_eq!(sig_pct(0.99986609), "99.986609");
        // Eight nines: six decimals would print 99.999999 for both.
        assert_eq!(sig_pct(1.0 - 1.2e-8), "99.9999988");
        assert_eq!(sig_pct(1.0 - 1.25e-8), "99.99999875");
        assert_eq!(sig_pct(1.0), "100");
    }
}
