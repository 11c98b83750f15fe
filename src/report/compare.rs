//! `redsim compare`: designs side by side, with paired differences.

use std::fmt::Write as _;

use serde::Serialize;

use super::nines::{AvailabilityForm, duration_interval};
use super::{Provenance, level, pretty_json, sig};
use crate::analysis::Estimate;
pub use crate::analysis::compare::design_tag;
use crate::analysis::compare::{Quantity, ServiceComparison};

/// Format tag of JSON comparisons.
pub const COMPARE_FORMAT: &str = "redsim-compare/1";

/// A comparison, as serialized to JSON.
#[derive(Debug, Clone, Serialize)]
pub struct CompareReport<'a> {
    pub format: &'static str,
    pub redsim_version: &'static str,
    /// The designs, the first being the baseline.
    pub designs: &'a [Provenance],
    pub seed: u64,
    pub trials: u64,
    pub confidence: f64,
    /// `plain` (designs paired on common random numbers) or
    /// `failure-biasing` (independent runs, each design's trials with
    /// their own likelihood ratio; differences from two independent means).
    pub method: &'static str,
    pub services: &'a [ServiceComparison],
}

/// A quantity's estimate (or, with `signed`, a difference) with its
/// interval, availabilities in `form` (the service's: one for all its
/// designs and differences), durations in one unit.
pub(super) fn show(q: Quantity, e: &Estimate, signed: bool, form: AvailabilityForm) -> String {
    let sign = |x: f64| if signed && x > 0.0 { "+" } else { "" };
    match q {
        Quantity::Availability => form.interval(e, signed),
        Quantity::DowntimeHoursPerYear => duration_interval(e.point, e.ci_low, e.ci_high, signed),
        Quantity::OutagesPerYear => format!(
            "{}{} [{}{}, {}{}]",
            sign(e.point),
            sig(e.point),
            sign(e.ci_low),
            sig(e.ci_low),
            sign(e.ci_high),
            sig(e.ci_high)
        ),
    }
}

/// What a quantity is called, availability in `form`.
pub(super) fn name(q: Quantity, form: AvailabilityForm) -> &'static str {
    match q {
        Quantity::Availability => form.name(),
        Quantity::DowntimeHoursPerYear => "downtime per year",
        Quantity::OutagesPerYear => "outages per year",
    }
}

/// The form of a service's availabilities: its designs' together.
pub(super) fn availability_form(s: &ServiceComparison) -> AvailabilityForm {
    AvailabilityForm::for_column(
        s.designs
            .iter()
            .flatten()
            .filter(|v| v.quantity == Quantity::Availability)
            .map(|v| &v.estimate),
    )
}

impl CompareReport<'_> {
    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        pretty_json(self)
    }

    /// A readable table.
    pub fn to_table(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "redsim {}  ·  comparison", self.redsim_version);
        for (i, d) in self.designs.iter().enumerate() {
            let tag = design_tag(i);
            let _ = writeln!(
                o,
                "  {tag}  {}  ({})",
                crate::model::printable(&d.file),
                crate::model::printable(&d.name)
            );
            super::set_line(&mut o, "     set  ", &d.set);
        }
        let plain = self.method == "plain";
        let _ = writeln!(
            o,
            "seed {}   trials {} per design, {}   confidence {}%",
            self.seed,
            self.trials,
            if plain {
                "paired (common random numbers)"
            } else {
                "independent runs"
            },
            level(self.confidence)
        );
        if !plain {
            let _ = writeln!(
                o,
                "method     {} (importance sampling): each design simulated on its own, its trials weighted by \
                 their own likelihood ratio, so designs share no trials; each difference has the interval of \
                 two independent weighted means (Welch)",
                self.method
            );
        }
        for s in self.services {
            let _ = writeln!(o, "\nservice {}", s.service);
            for w in &s.warnings {
                let _ = writeln!(o, "  warning: {w}");
            }
            let form = availability_form(s);
            for q in Quantity::ALL {
                let _ = writeln!(o, "  {}", name(q, form));
                for (i, vals) in s.designs.iter().enumerate() {
                    let tag = design_tag(i);
                    if let Some(v) = vals.iter().find(|v| v.quantity == q) {
                        let _ = writeln!(o, "    {tag}          {}", show(q, &v.estimate, false, form));
                    }
                }
                for d in s.differences.iter().filter(|d| d.quantity == q) {
                    let tag = design_tag(d.design);
                    let narrow = if plain {
                        paired_note(d.narrowing, d.estimate())
                    } else {
                        "independent runs".into()
                    };
                    let _ = writeln!(
                        o,
                        "    {tag} - A      {}   ({narrow})",
                        show(q, d.estimate(), true, form)
                    );
                }
            }
        }
        o
    }
}

/// How a paired interval's width compares with independent runs', from
/// its narrowing (independent half-width over paired): "1.7x narrower",
/// or "1.7x wider" where pairing (with its room for one more outage) gave
/// the wider interval.
pub(crate) fn against_independent(narrowing: f64) -> String {
    if format!("{narrowing:.1}") == "1.0" || format!("{:.1}", 1.0 / narrowing) == "1.0" {
        "about as wide as independent runs".into()
    } else if narrowing < 1.0 {
        format!("{:.1}x wider than independent runs", 1.0 / narrowing)
    } else {
        format!("{narrowing:.1}x narrower than independent runs")
    }
}

/// What a paired difference's interval is, beside it: how it compares
/// with independent runs', or, where no trial differed (no narrowing), a
/// point for the same system against itself and, for designs that differ,
/// the room left for one more outage.
pub(crate) fn paired_note(narrowing: Option<f64>, e: &crate::analysis::Estimate) -> String {
    match narrowing {
        Some(x) => against_independent(x),
        None if e.ci_low == e.ci_high => "the same difference in every trial".into(),
        None => "no trial differed: the interval allows for one more outage".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::{against_independent, design_tag, paired_note};
    use crate::analysis::Estimate;

    #[test]
    fn a_paired_interval_is_described_as_it_is() {
        assert_eq!(against_independent(1.7), "1.7x narrower than independent runs");
        assert_eq!(against_independent(0.5), "2.0x wider than independent runs");
        // 1/0.97 = 1.03: it read "1.0x wider".
        assert_eq!(against_independent(0.97), "about as wide as independent runs");
        assert_eq!(against_independent(1.04), "about as wide as independent runs");
        let e = |low: f64, high: f64| Estimate {
            point: 0.0,
            std_error: Some(0.0),
            ci_low: low,
            ci_high: high,
            confidence: 0.95,
        };
        assert_eq!(
            paired_note(None, &e(0.0, 0.0)),
            "the same difference in every trial"
        );
        // Designs that differ keep room though no trial differed: not "the same".
        assert_eq!(
            paired_note(None, &e(-2.5e-7, 2.5e-7)),
            "no trial differed: the interval allows for one more outage"
        );
    }

    #[test]
    fn every_design_has_a_letter_name_of_its_own() {
        let tags: Vec<String> = (0..800).map(design_tag).collect();
        assert_eq!(&tags[..3], ["A", "B", "C"]);
        assert_eq!(&tags[25..28], ["Z", "AA", "AB"]);
        assert_eq!(tags[26 + 26 * 26 - 1], "ZZ");
        assert_eq!(tags[26 + 26 * 26], "AAA");
        assert!(tags.iter().all(|t| t.bytes().all(|b| b.is_ascii_uppercase())));
        let unique: std::collections::HashSet<&String> = tags.iter().collect();
        assert_eq!(unique.len(), tags.len());
    }
}
