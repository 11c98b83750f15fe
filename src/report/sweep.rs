//! `redsim sweep`: each service's results at every point of a parameter grid.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Provenance, availability_interval, hours, level, pretty_json, sig};
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
            let aw = self
                .points
                .iter()
                .map(|p| availability_interval(&p.services[s].availability, false).len())
                .max()
                .unwrap_or(0)
                .max(36);
            let _ = writeln!(
                o,
                "  {:<width$}  {:<aw$} {:<30} outages per year",
                "point", "availability", "downtime per year"
            );
            let mut warned = false;
            for p in &self.points {
                let v = &p.services[s];
                let (a, d, f) = (&v.availability, &v.downtime_hours_per_year, &v.outages_per_year);
                let avail = availability_interval(a, false);
                let down = format!("{} [{}, {}]", hours(d.point), hours(d.ci_low), hours(d.ci_high));
                // `*`: too few outages for the intervals to be trusted (the
                // few-outages rule; see the JSON's warnings). Other warnings
                // (an unscaled law, say) do not make a point untrustworthy.
                let flagged = v.few_outages;
                let flag = if flagged { "  *" } else { "" };
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
