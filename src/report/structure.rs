//! Structural analysis reports: single points of failure, failover exposure
//! and exact availability, as a table or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Provenance, hours, pretty_json};
use crate::analysis::structure::{Exact, ServiceStructure};

/// Format tag of JSON structural reports.
pub const SPOF_FORMAT: &str = "redsim-spof/1";

/// A structural report, as serialized to JSON.
#[derive(Debug, Clone, Serialize)]
pub struct SpofReport<'a> {
    pub format: &'static str,
    pub redsim_version: &'static str,
    pub scenario: &'a Provenance,
    pub services: Vec<ServiceStructure>,
}

impl<'a> SpofReport<'a> {
    pub fn new(scenario: &'a Provenance, services: Vec<ServiceStructure>) -> Self {
        Self {
            format: SPOF_FORMAT,
            redsim_version: env!("CARGO_PKG_VERSION"),
            scenario,
            services,
        }
    }

    /// Whether any service has a single point of failure.
    pub fn has_spof(&self) -> bool {
        self.services.iter().any(|s| !s.spofs.is_empty())
    }

    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        pretty_json(self)
    }

    /// A readable table, with the `top` most important elements of each service.
    pub fn to_table(&self, top: usize) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "redsim {}  ·  structure of {}",
            self.redsim_version,
            crate::model::printable(&self.scenario.name)
        );
        let _ = writeln!(o, "scenario   {}", crate::model::printable(&self.scenario.file));
        super::set_line(&mut o, "set        ", &self.scenario.set);
        for s in &self.services {
            let _ = writeln!(o, "\nservice {}", s.id);
            if s.down_with_everything_up {
                let _ = writeln!(o, "  down even with everything up: it can never be up");
            }
            if s.spofs.is_empty() {
                let _ = writeln!(o, "  single points of failure   none");
            } else {
                let _ = writeln!(o, "  single points of failure   {}", s.spofs.len());
                for n in &s.spofs {
                    let kind = n
                        .kind
                        .as_deref()
                        .map(|k| format!(" ({})", crate::model::printable(k)))
                        .unwrap_or_default();
                    let _ = writeln!(o, "    {}{kind}", n.id);
                }
            }
            if !s.failover_exposure.is_empty() {
                let _ = writeln!(
                    o,
                    "  failover exposure          {} member(s): redundant, but losing the one carrying traffic is an outage",
                    s.failover_exposure.len()
                );
                for x in &s.failover_exposure {
                    let mut why = format!("mean outage {}", hours(x.mean_outage_hours));
                    if x.failed_switch_probability > 0.0 {
                        let _ = write!(
                            why,
                            "; {} % of switches fail, then a manual failover of {}",
                            (x.failed_switch_probability * 1000.0).round() / 10.0,
                            hours(x.manual_hours)
                        );
                    }
                    let _ = writeln!(o, "    {} (group {}): {why}", x.element, x.group);
                }
            }
            match &s.exact {
                Exact::Solved(x) => {
                    let nines = x.nines.map(|n| format!(" ({n:.1} nines)")).unwrap_or_default();
                    let _ = writeln!(
                        o,
                        "  exact long-run availability {:.10} %, unavailability {:.4e}, {} downtime/yr{nines}",
                        x.availability * 100.0,
                        x.unavailability,
                        hours(x.downtime_hours_per_year)
                    );
                }
                other => {
                    let _ = writeln!(
                        o,
                        "  exact long-run availability {}",
                        other.explanation().unwrap_or_default()
                    );
                }
            }
            let c = &s.cut_sets;
            let _ = writeln!(o, "  minimal cut sets           {}", c.counts_text());
            if c.complete_to_order < c.max_order {
                let _ = writeln!(
                    o,
                    "    (complete to order {} only: order {} would take too many evaluations)",
                    c.complete_to_order,
                    c.complete_to_order + 1
                );
            }
            for set in c.sets.iter().take(top) {
                let _ = writeln!(
                    o,
                    "    {:<48} {:.3e}",
                    format!("{{{}}}", set.elements.join(", ")),
                    set.probability
                );
            }
            if let Some(why) = &s.importance_note {
                let _ = writeln!(o, "  importance                 {why}");
            }
            if !s.importance.is_empty() {
                let shown = s.importance.len().min(top);
                let _ = writeln!(
                    o,
                    "  importance (top {shown} of {}, by criticality)",
                    s.importance.len()
                );
                let _ = writeln!(
                    o,
                    "    {:<20} {:>11} {:>11} {:>11} {:>11} {:>11} {:>11}",
                    "element", "q", "Birnbaum", "critical.", "F-V", "RAW", "RRW"
                );
                for i in &s.importance[..shown] {
                    let _ = writeln!(
                        o,
                        "    {:<20} {:>11.3e} {:>11.3e} {:>11} {:>11} {:>11} {:>11}",
                        i.element,
                        i.unavailability,
                        i.birnbaum,
                        i.criticality.to_string(),
                        i.fussell_vesely.to_string(),
                        i.risk_achievement_worth.to_string(),
                        i.risk_reduction_worth.to_string()
                    );
                }
            }
        }
        o
    }
}
