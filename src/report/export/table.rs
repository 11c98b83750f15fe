//! The readable text table of every kind of result: the reports' own
//! `to_table`.

use super::{CheckExport, ExactReport, ExportError, Exporter, RunExport};
use crate::analysis::structure::Exact;
use crate::report::{CompareReport, SpofReport, SweepReport, hours};

/// The readable table.
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Cut sets and importance rows shown per service in `spof`'s table.
    pub top: usize,
}

impl Default for Table {
    fn default() -> Self {
        Self { top: 10 }
    }
}

impl Exporter for Table {
    fn name(&self) -> &'static str {
        "table"
    }

    fn run(&self, run: &RunExport<'_>) -> Result<String, ExportError> {
        Ok(run.report.to_table())
    }

    fn compare(&self, report: &CompareReport<'_>) -> Result<String, ExportError> {
        Ok(report.to_table())
    }

    fn sweep(&self, report: &SweepReport<'_>) -> Result<String, ExportError> {
        Ok(report.to_table())
    }

    fn check(&self, check: &CheckExport<'_>) -> Result<String, ExportError> {
        Ok(check.report.to_table())
    }

    fn spof(&self, report: &SpofReport<'_>) -> Result<String, ExportError> {
        Ok(report.to_table(self.top))
    }

    fn exact(&self, report: &ExactReport<'_>) -> Result<String, ExportError> {
        let mut text = String::new();
        for s in &report.services {
            let id = &s.id;
            let line = match &s.exact {
                Exact::Solved(x) => format!(
                    "{id}: availability {:.12}, unavailability {:.6e}, {} downtime per year",
                    x.availability,
                    x.unavailability,
                    hours(x.downtime_hours_per_year)
                ),
                other => format!("{id}: {}", other.explanation().unwrap_or_default()),
            };
            text.push_str(&line);
            text.push('\n');
        }
        Ok(text)
    }
}
