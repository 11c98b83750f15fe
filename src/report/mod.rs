//! Reports of finished results: a readable text table and versioned JSON.
//! Nothing here runs a simulation.

use std::fmt::Write as _;

use serde::Serialize;

mod check;
mod compare;
pub mod export;
mod graph;
pub mod html;
mod nines;
mod result;
mod structure;
mod sweep;
mod trace;

pub use check::{CHECK_FORMAT, CheckReport, goal_text};
pub use compare::{COMPARE_FORMAT, CompareReport, design_tag};
pub use graph::{DotView, to_dot, to_dot_view};
pub use result::{
    CompareResult, Format, ReportError, Reports, RunResult, SweepResult, Wanted, compare_reports,
    run_reports, sweep_reports,
};
pub use structure::{SPOF_FORMAT, SpofReport};
pub use sweep::{SWEEP_FORMAT, SweepPoint, SweepReport};
pub use trace::{FirstOutage, TRACE_FORMAT, TraceReport};

use crate::analysis::structure::Exact;
use crate::analysis::{Estimate, RunSummary, ServiceSummary};
use crate::model::HOURS_PER_YEAR;
use nines::AvailabilityForm;

/// Format tag of JSON run reports (documented in `docs/report-format.md`).
pub const REPORT_FORMAT: &str = "redsim-report/1";

/// Pretty JSON of a report, ending with a newline.
fn pretty_json(report: &impl Serialize) -> String {
    let mut s =
        crate::model::json_escaped(serde_json::to_string_pretty(report).expect("a report is plain data"));
    s.push('\n');
    s
}

/// Where the results came from: enough to reproduce them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// Scenario name.
    pub name: String,
    /// Path of the scenario file as given.
    pub file: String,
    /// SHA-256 of the scenario file's bytes.
    pub sha256: String,
    /// `--set PATH=VALUE` changes applied to the file, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<String>,
}

/// A run report, as serialized to JSON.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport<'a> {
    pub format: &'static str,
    pub redsim_version: &'static str,
    pub scenario: &'a Provenance,
    pub seed: u64,
    pub trials: u64,
    pub mission_hours: f64,
    pub confidence: f64,
    pub generator: &'static str,
    /// `plain` or `failure-biasing`.
    pub method: &'static str,
    /// Under failure biasing, the mean likelihood ratio per trial (a
    /// diagnostic: 1 in expectation); absent in a plain run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likelihood_ratio: Option<Estimate>,
    pub services: &'a [ServiceSummary],
}

impl<'a> RunReport<'a> {
    pub fn new(scenario: &'a Provenance, seed: u64, run: &'a RunSummary) -> Self {
        Self {
            format: REPORT_FORMAT,
            redsim_version: env!("CARGO_PKG_VERSION"),
            scenario,
            seed,
            trials: run.trials,
            mission_hours: run.mission_hours,
            confidence: run.confidence,
            generator: crate::engine::rng::GENERATOR,
            method: run.method.as_str(),
            likelihood_ratio: run.likelihood_ratio,
            services: &run.services,
        }
    }

    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        pretty_json(self)
    }

    /// The readable text table.
    pub fn to_table(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "redsim {}  ·  {}",
            self.redsim_version,
            crate::model::printable(&self.scenario.name)
        );
        let _ = writeln!(
            o,
            "scenario   {}  (sha256 {})",
            crate::model::printable(&self.scenario.file),
            &self.scenario.sha256[..16.min(self.scenario.sha256.len())]
        );
        set_line(&mut o, "set        ", &self.scenario.set);
        let _ = writeln!(
            o,
            "seed       {}   trials {}   mission {}   confidence {}%",
            self.seed,
            self.trials,
            hours(self.mission_hours),
            level(self.confidence)
        );
        let _ = writeln!(o, "generator  {}", self.generator);
        match &self.likelihood_ratio {
            None => {
                let _ = writeln!(o, "method     {}", self.method);
            }
            // Every figure below is the plain pilot's (`bound_unseen`).
            Some(_)
                if !self.services.is_empty() && self.services.iter().all(|s| s.plain_trials.is_some()) =>
            {
                let _ = writeln!(
                    o,
                    "method     {} (no outage seen: plain pilot figures)",
                    self.method
                );
            }
            Some(l) => {
                let _ = writeln!(
                    o,
                    "method     {} (importance sampling; mean likelihood ratio {} {}% CI [{}, {}], 1 expected)",
                    self.method,
                    sig(l.point),
                    level(self.confidence),
                    sig(l.ci_low),
                    sig(l.ci_high)
                );
            }
        }
        for s in self.services {
            o.push('\n');
            service_table(&mut o, s, self.confidence);
        }
        o
    }
}

/// One line of a service's results, as the table and the HTML report show it.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// A quantity: label, value, interval (or other detail).
    Row(String, String, String),
    /// A label and a sentence.
    Text(String, String),
    /// A cause of downtime: who, share of outage time [%], downtime per year and outages.
    Cause(String, f64, String),
    /// A caution about the numbers.
    Warning(String),
}

/// One row of a service table: a value of 16 characters or more
/// (`100.0000000000 %`) is still set apart from its interval.
fn row_line(label: &str, value: &str, interval: &str) -> String {
    let line = format!("  {label:<26}{value:<15} {interval}");
    line.trim_end().to_string()
}

fn service_table(o: &mut String, s: &ServiceSummary, confidence: f64) {
    let _ = writeln!(o, "service {}", s.id);
    for line in service_lines(s, confidence) {
        let _ = match line {
            Line::Row(label, value, interval) => writeln!(o, "{}", row_line(&label, &value, &interval)),
            Line::Text(label, text) => writeln!(o, "  {label:<26}{text}"),
            Line::Cause(who, share, text) => writeln!(o, "    {who:<24}{share:>6.1} %   {text}"),
            Line::Warning(w) => writeln!(o, "  warning: {w}"),
        };
    }
}

/// A service's results, line by line.
pub fn service_lines(s: &ServiceSummary, confidence: f64) -> Vec<Line> {
    let mut out = Vec::new();
    let o = &mut out;
    // A service that cannot fail has exact figures, not estimates: its
    // intervals of width zero are not confidence intervals.
    let ci = if s.cannot_fail {
        "exact".to_string()
    } else {
        format!("{}% CI", level(confidence))
    };
    let a = &s.availability;
    let d = availability_decimals(a);
    let nines = match s.nines {
        Some(n) => format!("   ({n:.1} nines)"),
        None if s.cannot_fail => "   (cannot fail)".into(),
        None => "   (no downtime observed)".into(),
    };
    let row = |o: &mut Vec<Line>, label: &str, value: String, interval: String| {
        o.push(Line::Row(label.to_string(), value, interval));
    };
    let bound = if s.cannot_fail {
        ci.clone()
    } else {
        format!("{}% bound", level(confidence))
    };
    let form = AvailabilityForm::for_column([a]);
    match form {
        AvailabilityForm::Percent => {
            let availability_span = if one_sided_high(a) {
                format!("{bound} > {} %{nines}", round_pct(a.ci_low, d, Round::Down))
            } else {
                format!(
                    "{ci} [{}, {}] %{nines}",
                    round_pct(a.ci_low, d, Round::Down),
                    round_pct(a.ci_high, d, Round::Up)
                )
            };
            row(
                o,
                "availability",
                format!("{} %", round_pct(a.point, d, Round::Nearest)),
                availability_span,
            );
        }
        AvailabilityForm::Unavailability => {
            let (point, low, high) = nines::sci_interval(&a.complement(), false);
            let span = if one_sided_high(a) {
                format!("{bound} < {high}{nines}")
            } else {
                format!("{ci} [{low}, {high}]{nines}")
            };
            row(o, form.name(), point, span);
        }
    }
    let dt = &s.downtime_hours_per_year;
    let (dt_point, dt_interval) = hours_span(&ci, &bound, dt);
    row(o, "downtime per year", dt_point, dt_interval);
    row(
        o,
        "outages per year",
        sig(s.outages_per_year.point),
        interval(&ci, &bound, &s.outages_per_year),
    );
    row(
        o,
        "outages per mission",
        sig(s.outages_per_mission.point),
        interval(&ci, &bound, &s.outages_per_mission),
    );
    let (point, span) = probability(&ci, &bound, &s.p_no_outage);
    row(o, "P(no outage in mission)", point, span);
    match &s.outage_hours {
        Some(h) => row(
            o,
            "outage duration",
            format!("mean {}", hours(h.mean)),
            format!(
                "p50 {}  p95 {}  p99 {}  max {}",
                hours(h.p50),
                hours(h.p95),
                hours(h.p99),
                hours(h.max)
            ),
        ),
        None => row(o, "outage duration", "-".into(), "no outages".into()),
    }
    let g = &s.degraded_fraction;
    row(
        o,
        "degraded time",
        format!("{} %", sig(g.point * 100.0)),
        format!("{} %", interval(&ci, &bound, &g.scaled(100.0))),
    );
    if let Some(m) = &s.mean_time_between_outages_hours {
        let (point, interval) = if m.ci_high.is_finite() {
            hours_interval(m.point, m.ci_low, m.ci_high)
        } else {
            let unit = nines::duration_unit(m.point, m.ci_low, m.ci_low);
            let show = |x| nines::hours_in(x, unit);
            (show(m.point), format!("[{}, unbounded]", show(m.ci_low)))
        };
        row(o, "mean time between outages", point, format!("{ci} {interval}"));
    }
    o.push(Line::Text(
        "outages observed".into(),
        s.outages_observed.to_string(),
    ));
    if let Some(r) = &s.rto {
        let label = format!("outages over RTO {}", hours(r.rto_hours));
        match &r.fraction_of_outages {
            Some(f) => row(
                o,
                &label,
                format!("{} %", sig(f.point * 100.0)),
                format!("{} % of outages", interval(&ci, &bound, &f.scaled(100.0))),
            ),
            None => row(o, &label, "-".into(), "no outages".into()),
        }
        let (point, span) = probability(&ci, &bound, &r.p_outage_over_rto);
        row(o, "P(outage over RTO)", point, format!("{span} per mission"));
    }
    match &s.exact {
        Exact::Solved(x) => {
            let nines = match x.nines {
                Some(n) => format!("   ({n:.1} nines)"),
                None => String::new(),
            };
            let detail = format!(
                "{} downtime/yr{nines}: steady state, no start-up transient",
                hours(x.downtime_hours_per_year)
            );
            // As the simulated row, or where four decimals would read 100.0000 %.
            if form == AvailabilityForm::Unavailability || 1.0 - x.availability < 1e-5 {
                let u = nines::sci(x.unavailability, None, Round::Nearest, false);
                row(o, EXACT_UNAVAILABILITY_LABEL, u, detail);
            } else {
                row(
                    o,
                    EXACT_LABEL,
                    format!("{} %", round_pct(x.availability, d.max(4), Round::Nearest)),
                    detail,
                );
            }
        }
        other => {
            let why = other.explanation().unwrap_or_default();
            o.push(Line::Text(EXACT_LABEL.into(), why));
        }
    }
    if let Some(p) = &s.planned {
        let (point, span) = hours_span(&ci, &bound, &p.planned_downtime_hours_per_year);
        let counted = if p.counts_against_availability {
            "counted"
        } else {
            "not counted in availability"
        };
        row(o, "planned downtime / year", point, format!("{span} ({counted})"));
        let (point, span) = hours_span(&ci, &bound, &p.unplanned_downtime_hours_per_year);
        row(o, "unplanned downtime / year", point, span);
        o.push(Line::Text(
            "planned outages observed".into(),
            p.planned_outages_observed.to_string(),
        ));
    }
    if let Some(d) = &s.data_loss {
        row(
            o,
            "data losses per year",
            sig(d.events_per_year.point),
            interval(&ci, &bound, &d.events_per_year),
        );
        let l = &d.lost_write_seconds_per_year;
        row(
            o,
            "lost writes per year",
            format!("{} s", sig(l.point)),
            format!("{} s", interval(&ci, &bound, l)),
        );
        if let Some(r) = &d.rpo {
            let label = format!("losses over RPO {}", hours(r.rpo_hours));
            match &r.fraction_of_losses {
                Some(f) => row(
                    o,
                    &label,
                    format!("{} %", sig(f.point * 100.0)),
                    format!("{} % of losses", interval(&ci, &bound, &f.scaled(100.0))),
                ),
                None => row(o, &label, "-".into(), "no data loss".into()),
            }
            let (point, span) = probability(&ci, &bound, &r.p_loss_over_rpo);
            row(o, "P(loss over RPO)", point, format!("{span} per mission"));
        }
    }
    if !s.downtime_by_cause.is_empty() {
        let shown = s.downtime_by_cause.len().min(TOP_CAUSES);
        o.push(Line::Text(
            "downtime by cause".into(),
            format!(
                "the failure that began each outage (top {shown} of {})",
                s.downtime_by_cause.len()
            ),
        ));
        for c in &s.downtime_by_cause[..shown] {
            let who = match (&c.element, &c.shock) {
                (Some(e), _) => e.clone(),
                (None, Some(k)) => format!("shock {k}"),
                (None, None) => "(planned, or at start)".into(),
            };
            let d = &c.downtime_hours_per_year;
            // One unit for the point and both ends (not `0.0345 s [0 h, 0.102 s]`).
            let unit = nines::duration_unit(d.point, d.ci_low, d.ci_high);
            o.push(Line::Cause(
                who,
                c.share * 100.0,
                format!(
                    "{}/yr [{}, {}] in {} outage(s)",
                    nines::hours_in(d.point, unit),
                    nines::hours_in(d.ci_low, unit),
                    nines::hours_in(d.ci_high, unit),
                    c.outages
                ),
            ));
        }
    }
    for w in &s.warnings {
        o.push(Line::Warning(w.clone()));
    }
    out
}

/// The label of a service's exact long-run availability line.
const EXACT_LABEL: &str = "exact long-run avail.";

/// The label of the exact line when availabilities read as unavailabilities.
const EXACT_UNAVAILABILITY_LABEL: &str = "exact long-run unavail.";

/// Causes of downtime shown per service in the table (JSON has all).
const TOP_CAUSES: usize = 5;

/// An estimate at its lower limit (0) with only an upper bound: nothing
/// was observed.
pub(crate) fn one_sided_low(e: &Estimate) -> bool {
    e.point == 0.0 && e.ci_low == 0.0 && e.ci_high > 0.0
}

/// An estimate at its upper limit (1) with only a lower bound.
pub(crate) fn one_sided_high(e: &Estimate) -> bool {
    e.point == 1.0 && e.ci_high == 1.0 && e.ci_low < 1.0
}

/// `95% CI [low, high]`, or `95% bound < high` for a one-sided bound.
fn interval(ci: &str, bound: &str, e: &Estimate) -> String {
    if one_sided_low(e) {
        format!("{bound} < {}", sig(e.ci_high))
    } else {
        format!("{ci} [{}, {}]", sig(e.ci_low), sig(e.ci_high))
    }
}

/// A duration per year [h] and its interval (or one-sided bound) in one unit.
fn hours_span(ci: &str, bound: &str, e: &Estimate) -> (String, String) {
    let (point, span) = hours_interval(e.point, e.ci_low, e.ci_high);
    if one_sided_low(e) {
        let (high, _) = hours_interval(e.ci_high, e.ci_high, e.ci_high);
        (point, format!("{bound} < {high}"))
    } else {
        (point, format!("{ci} {span}"))
    }
}

#[derive(Clone, Copy)]
enum Round {
    Down,
    Nearest,
    Up,
}

/// A probability and its interval (or one-sided bound at 0 or 1), with the
/// decimals the interval's width needs, the ends rounded outwards.
fn probability(ci: &str, bound: &str, p: &Estimate) -> (String, String) {
    let d = decimals(p.ci_high - p.ci_low, 4);
    let span = if one_sided_low(p) {
        format!("{bound} < {}", round_to(p.ci_high, d, Round::Up))
    } else if one_sided_high(p) {
        format!("{bound} > {}", round_to(p.ci_low, d, Round::Down))
    } else {
        format!(
            "{ci} [{}, {}]",
            round_to(p.ci_low, d, Round::Down),
            round_to(p.ci_high, d, Round::Up)
        )
    };
    (round_to(p.point, d, Round::Nearest), span)
}

/// A confidence level as a percentage, with only the decimals it needs (95, 99.9).
fn level(confidence: f64) -> String {
    format!("{}", (confidence * 100.0 * 1e4).round() / 1e4)
}

/// Decimals that show an interval of width `width` (at least `min`, at most 10).
fn decimals(width: f64, min: usize) -> usize {
    let half = width / 2.0;
    if half > 0.0 {
        ((-half.log10()).ceil() as i64 + 1).clamp(min as i64, 10) as usize
    } else {
        min
    }
}

/// `x` with `d` decimals, rounded as asked, so that an interval's ends are
/// never rounded inwards.
fn round_to(x: f64, d: usize, r: Round) -> String {
    let scale = 10f64.powi(d as i32);
    let v = x * scale;
    // The float noise of `0.9999999 × 100` (99.99999000000001) is not a
    // digit to round up to: within it of a digit, round to the digit.
    let r = if (v - v.round()).abs() < (1e-13 * scale).min(1e-2) {
        Round::Nearest
    } else {
        r
    };
    let v = match r {
        Round::Down => v.floor(),
        Round::Nearest => v.round(),
        Round::Up => v.ceil(),
    };
    let s = format!("{:.*}", d, v / scale);
    // A negative value that rounds to zero is zero, not `-0.00000`.
    match s.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => s,
    }
}

/// Decimals of a percentage that show the interval's width (2 to 10).
fn availability_decimals(a: &Estimate) -> usize {
    decimals((a.ci_high - a.ci_low) * 100.0, 2)
}

/// An availability (or a difference of two) and its interval as
/// percentages, `99.99999898 % [99.99999828, 99.99999935]`, for the tables
/// of `compare` and `sweep`: at least five decimals, more when the
/// interval is narrower (as `run` does), the ends rounded outwards. With
/// `signed`, positive values carry a `+`.
pub(crate) fn availability_interval(e: &Estimate, signed: bool) -> String {
    let d = decimals((e.ci_high - e.ci_low) * 100.0, 5);
    let show = |x: f64, r: Round| {
        let v = round_pct(x, d, r);
        if signed && x > 0.0 { format!("+{v}") } else { v }
    };
    format!(
        "{} % [{}, {}]",
        show(e.point, Round::Nearest),
        show(e.ci_low, Round::Down),
        show(e.ci_high, Round::Up)
    )
}

/// A fraction as a percentage with `d` decimals, rounded as asked, so that an
/// interval's ends are never rounded inwards.
fn round_pct(x: f64, d: usize, r: Round) -> String {
    round_to(x.min(1.0) * 100.0, d, r)
}

/// Three significant digits, plain notation.
pub fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let mag = x.abs().log10().floor() as i32;
    let decimals = (2 - mag).clamp(0, 12) as usize;
    format!("{x:.decimals$}")
}

/// Units a duration can be shown in: name and hours per unit, largest first.
const UNITS: [(&str, f64); 5] = [
    ("y", HOURS_PER_YEAR),
    ("d", 24.0),
    ("h", 1.0),
    ("min", 1.0 / 60.0),
    ("s", 1.0 / 3600.0),
];

/// The most readable unit for a duration [h]: the largest that keeps it at
/// 1 or more (days only from 2 d on).
fn unit_for(h: f64) -> (&'static str, f64) {
    let h = h.abs();
    UNITS
        .iter()
        .copied()
        .find(|&(name, per)| if name == "d" { h >= 48.0 } else { h >= per })
        .unwrap_or(UNITS[UNITS.len() - 1])
}

/// A duration given in hours, in the most readable unit.
pub fn hours(h: f64) -> String {
    if h == 0.0 {
        return "0 h".into();
    }
    let (name, per) = unit_for(h);
    format!("{} {name}", sig(h / per))
}

/// A point and its interval [h], all three in the unit that suits the largest.
fn hours_interval(point: f64, low: f64, high: f64) -> (String, String) {
    let (name, per) = unit_for(high.max(point));
    let f = |x: f64| if x == 0.0 { "0".to_string() } else { sig(x / per) };
    (
        format!("{} {name}", f(point)),
        format!("[{}, {}] {name}", f(low), f(high)),
    )
}

/// The line of a text report that lists the `--set` changes applied to a
/// scenario, after `head`; nothing when there are none.
pub(crate) fn set_line(o: &mut String, head: &str, set: &[String]) {
    use std::fmt::Write as _;
    if !set.is_empty() {
        let _ = writeln!(o, "{head}{}", crate::model::printable(&set.join("   ")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn availability_intervals_get_the_digits_their_width_needs() {
        let e = |point, ci_low, ci_high| Estimate {
            point,
            std_error: None,
            ci_low,
            ci_high,
            confidence: 0.95,
        };
        // Narrow: as many digits as `run` would print, not `100.00000`.
        assert_eq!(
            availability_interval(&e(0.999_999_989_81, 0.999_999_982_81, 0.999_999_993_49), false),
            "99.99999898 % [99.99999828, 99.99999935]"
        );
        // Wide: five decimals, as before.
        assert_eq!(
            availability_interval(&e(0.999_100_04, 0.997_991_23, 0.999_501_27), false),
            "99.91000 % [99.79912, 99.95013]"
        );
        // Differences keep their sign.
        assert_eq!(
            availability_interval(&e(1.0e-9, -1.99e-9, 3.99e-9), true),
            "+0.00000010 % [-0.00000020, +0.00000040]"
        );
    }

    #[test]
    fn a_long_value_is_set_apart_from_its_interval() {
        assert_eq!(
            row_line("availability", "100.0000000000 %", "95% CI [99.9, 100] %"),
            format!("  {:<26}100.0000000000 % 95% CI [99.9, 100] %", "availability")
        );
        assert_eq!(
            row_line("availability", "99.99 %", "95% CI [99.9, 100] %"),
            format!("  {:<26}{:<16}95% CI [99.9, 100] %", "availability", "99.99 %")
        );
    }

    #[test]
    fn percentages_round_outwards() {
        assert_eq!(round_pct(0.999_876, 3, Round::Down), "99.987");
        assert_eq!(round_pct(0.999_871, 3, Round::Up), "99.988");
        assert_eq!(round_pct(0.999_875_4, 3, Round::Nearest), "99.988");
        assert_eq!(round_pct(1.0, 3, Round::Up), "100.000");
        // Never `-0.00000 %`.
        assert_eq!(round_pct(-1e-9, 5, Round::Nearest), "0.00000");
        assert_eq!(round_pct(-1e-9, 5, Round::Down), "-0.00001");
    }

    #[test]
    fn intervals_share_one_unit() {
        assert_eq!(
            hours_interval(0.001, 0.0, 0.002),
            ("3.60 s".into(), "[0, 7.20] s".into())
        );
        assert_eq!(
            hours_interval(1.5, 0.5, 2.5),
            ("1.50 h".into(), "[0.500, 2.50] h".into())
        );
    }

    #[test]
    fn levels_and_probabilities_are_printed_honestly() {
        assert_eq!(level(0.95), "95");
        assert_eq!(level(0.999), "99.9");
        assert_eq!(level(0.57), "57");
        // 9 outages in a million trials: the interval must not print as [1.0000, 1.0000].
        let d = decimals(0.999_995 - 0.999_983, 4);
        assert_eq!(round_to(0.999_983, d, Round::Down), "0.9999830");
        assert_eq!(round_to(0.999_995_31, d, Round::Up), "0.9999954");
    }

    #[test]
    fn durations_pick_a_unit() {
        assert_eq!(hours(0.5), "30.0 min");
        assert_eq!(hours(2.0), "2.00 h");
        assert_eq!(hours(100.0), "4.17 d");
        assert_eq!(hours(1.0 / 3600.0), "1.00 s");
    }
}
