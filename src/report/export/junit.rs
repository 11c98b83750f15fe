//! JUnit XML of `check`'s decisions, for CI test reports.

use super::{CheckExport, ExportError, Exporter};

/// JUnit XML: one test case per service and target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Junit {
    /// An undecided target is a failure (else a skipped test).
    pub undecided_fails: bool,
}

impl Exporter for Junit {
    fn name(&self) -> &'static str {
        "junit"
    }

    fn check(&self, check: &CheckExport<'_>) -> Result<String, ExportError> {
        Ok(check.report.to_junit(self.undecided_fails))
    }
}
