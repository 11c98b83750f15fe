//! `redsim check` results: a table, JSON, JUnit XML and GitHub Actions
//! annotations.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Provenance, hours, level, pretty_json, sig};
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
        Metric::MaxDowntimePerYear => format!("downtime <= {} per year", hours(goal)),
        Metric::MaxOutagesPerYear => format!("outages <= {} per year", sig(goal)),
        Metric::MaxPOutageOverRto => format!("P(outage over RTO) <= {}", sig(goal)),
        Metric::NoSpof => "no single point of failure".into(),
    }
}

/// A percentage with the digits a goal like 99.995 % needs: six
/// decimals, or more where the rest to 100 % needs them for three
/// significant digits (99.99999877 % at eight nines, where six decimals
/// would show a goal and an interval that differ as equal).
fn sig_pct(x: f64) -> String {
    let p = x * 100.0;
    let rest = 100.0 - p;
    let needed = if rest > 0.0 && rest.is_finite() {
        (2 - rest.log10().floor() as i32).clamp(0, 12) as usize
    } else {
        6
    };
    let d = needed.max(6);
    let mut s = format!("{p:.d$}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    s
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
    // Nothing observed: a one-sided bound, written as one.
    match d.metric {
        Metric::Availability if super::one_sided_high(e) => {
            format!("{} % (unavailability < {:.2e})", sig_pct(e.point), 1.0 - e.ci_low)
        }
        Metric::MaxDowntimePerYear if super::one_sided_low(e) => {
            format!("{} (< {}) per year", hours(e.point), hours(e.ci_high))
        }
        _ if super::one_sided_low(e) => format!("{} (< {})", sig(e.point), sig(e.ci_high)),
        Metric::Availability => format!(
            "{} % [{}, {}]",
            sig_pct(e.point),
            sig_pct(e.ci_low),
            sig_pct(e.ci_high)
        ),
        Metric::MaxDowntimePerYear => format!(
            "{} [{}, {}] per year",
            hours(e.point),
            hours(e.ci_low),
            hours(e.ci_high)
        ),
        _ => format!("{} [{}, {}]", sig(e.point), sig(e.ci_low), sig(e.ci_high)),
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
    fn percentages_keep_three_digits_of_what_is_left_to_100() {
        assert_eq!(sig_pct(0.9995), "99.95");
        assert_eq!(sig_pct(0.99986609), "99.986609");
        // Eight nines: six decimals would print 99.999999 for both.
        assert_eq!(sig_pct(1.0 - 1.2e-8), "99.9999988");
        assert_eq!(sig_pct(1.0 - 1.25e-8), "99.99999875");
        assert_eq!(sig_pct(1.0), "100");
    }
}
