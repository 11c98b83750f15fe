//! The versioned JSON reports (docs/report-format.md): the reports'
//! serde form, pretty-printed.

use super::{CheckExport, ExactReport, ExportError, Exporter, RunExport};
use crate::report::{CompareReport, SpofReport, SweepReport, pretty_json};

/// The versioned JSON report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl Exporter for Json {
    fn name(&self) -> &'static str {
        "json"
    }

    fn run(&self, run: &RunExport<'_>) -> Result<String, ExportError> {
        Ok(run.report.to_json())
    }

    fn compare(&self, report: &CompareReport<'_>) -> Result<String, ExportError> {
        Ok(report.to_json())
    }

    fn sweep(&self, report: &SweepReport<'_>) -> Result<String, ExportError> {
        Ok(report.to_json())
    }

    fn check(&self, check: &CheckExport<'_>) -> Result<String, ExportError> {
        Ok(check.report.to_json())
    }

    fn spof(&self, report: &SpofReport<'_>) -> Result<String, ExportError> {
        Ok(report.to_json())
    }

    fn exact(&self, report: &ExactReport<'_>) -> Result<String, ExportError> {
        Ok(pretty_json(report))
    }
}
