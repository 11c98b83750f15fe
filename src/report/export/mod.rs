//! One exporter per report format, behind one trait (hyperfine's
//! `export/`): [`Exporter`] has a method per kind of result, and each
//! format implements those it can write. The table, JSON, HTML and JUnit
//! exporters call the reports' own rendering (`to_table`, `to_json`, the
//! pages of [`super::html`]); CSV flattens the JSON report
//! (`csv.rs`), so its numbers are the JSON's.
//!
//! A new format is one file here implementing [`Exporter`], a
//! [`Format`](super::Format) variant if it is chosen with `--format`, and
//! its section in `docs/report-format.md`.

use super::{CheckReport, CompareReport, RunReport, SpofReport, SweepReport};
use crate::analysis::RunSummary;
use crate::analysis::structure::Exact;
use crate::model::Model;
use crate::plot::PlotError;

mod csv;
mod html;
mod json;
mod junit;
mod table;

pub use self::csv::Csv;
pub use self::html::Html;
pub use self::json::Json;
pub use self::junit::Junit;
pub use self::table::Table;

/// Why a report could not be exported.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The format has no rendering of this kind of result (JUnit of a run, say).
    #[error("{format} output is not available for {kind} results: use --format table, json or csv")]
    Unsupported {
        /// The format asked for.
        format: &'static str,
        /// The kind of result (`run`, `compare`, ...).
        kind: &'static str,
    },
    /// A plot of an HTML page could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A CSV record could not be written.
    #[error("CSV output: {0}")]
    Csv(#[from] ::csv::Error),
}

/// A finished run, as the exporters see it.
#[derive(Debug, Clone, Copy)]
pub struct RunExport<'a> {
    /// The report (its JSON form is the wire format).
    pub report: &'a RunReport<'a>,
    /// The estimates the report was made from.
    pub summary: &'a RunSummary,
    /// The model simulated (the HTML page judges its targets and structure).
    pub model: &'a Model,
}

/// A finished `check`, as the exporters see it.
#[derive(Debug, Clone, Copy)]
pub struct CheckExport<'a> {
    /// The decisions and their settings.
    pub report: &'a CheckReport<'a>,
    /// The model checked (the HTML page shows its structure).
    pub model: &'a Model,
    /// Each service's results at the last look, when trials were simulated.
    pub summary: Option<&'a RunSummary>,
}

/// `redsim exact`: each service's exact long-run availability, or why
/// there is none.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExactReport<'a> {
    /// Format tag, [`EXACT_FORMAT`].
    pub format: &'static str,
    /// Where the scenario came from.
    pub scenario: &'a super::Provenance,
    /// One entry per service, in the scenario's order.
    pub services: Vec<ExactService>,
}

/// Format tag of JSON exact reports.
pub const EXACT_FORMAT: &str = "redsim-exact/1";

/// One service of an [`ExactReport`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExactService {
    /// The service's id.
    pub id: String,
    /// Its exact availability, or why there is none.
    pub exact: Exact,
}

impl<'a> ExactReport<'a> {
    /// The report of the services' exact values, in the model's order.
    pub fn new(scenario: &'a super::Provenance, services: Vec<ExactService>) -> Self {
        Self {
            format: EXACT_FORMAT,
            scenario,
            services,
        }
    }
}

/// A report format: one method per kind of result. A format that cannot
/// write a kind keeps the default, which says so
/// ([`ExportError::Unsupported`]).
pub trait Exporter {
    /// The format's name, as `--format` spells it.
    fn name(&self) -> &'static str;

    /// The error for a kind of result this format does not write.
    fn unsupported(&self, kind: &'static str) -> ExportError {
        ExportError::Unsupported {
            format: self.name(),
            kind,
        }
    }

    /// A run's report (`run`, `merge`, `report`).
    ///
    /// # Errors
    /// The format does not write runs, or a part of the output failed.
    fn run(&self, _run: &RunExport<'_>) -> Result<String, ExportError> {
        Err(self.unsupported("run"))
    }

    /// A comparison's report.
    ///
    /// # Errors
    /// The format does not write comparisons, or a part of the output failed.
    fn compare(&self, _report: &CompareReport<'_>) -> Result<String, ExportError> {
        Err(self.unsupported("compare"))
    }

    /// A sweep's report.
    ///
    /// # Errors
    /// The format does not write sweeps, or a part of the output failed.
    fn sweep(&self, _report: &SweepReport<'_>) -> Result<String, ExportError> {
        Err(self.unsupported("sweep"))
    }

    /// `check`'s decisions.
    ///
    /// # Errors
    /// The format does not write checks, or a part of the output failed.
    fn check(&self, _check: &CheckExport<'_>) -> Result<String, ExportError> {
        Err(self.unsupported("check"))
    }

    /// `spof`'s structural report.
    ///
    /// # Errors
    /// The format does not write structural reports, or a part of the output failed.
    fn spof(&self, _report: &SpofReport<'_>) -> Result<String, ExportError> {
        Err(self.unsupported("spof"))
    }

    /// `exact`'s report.
    ///
    /// # Errors
    /// The format does not write exact reports, or a part of the output failed.
    fn exact(&self, _report: &ExactReport<'_>) -> Result<String, ExportError> {
        Err(self.unsupported("exact"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_format_refuses_a_kind_of_result_it_cannot_write() {
        let prov = super::super::Provenance {
            name: "s".into(),
            file: "s.json".into(),
            sha256: String::new(),
            set: Vec::new(),
        };
        let err = Junit::default()
            .exact(&ExactReport::new(&prov, Vec::new()))
            .unwrap_err();
        assert!(matches!(
            err,
            ExportError::Unsupported {
                format: "junit",
                kind: "exact"
            }
        ));
        assert_eq!(
            err.to_string(),
            "junit output is not available for exact results: use --format table, json or csv"
        );
        // Every --format writes exact reports.
        for f in [
            super::super::Format::Table,
            super::super::Format::Json,
            super::super::Format::Csv,
        ] {
            assert!(f.exporter().exact(&ExactReport::new(&prov, Vec::new())).is_ok());
        }
    }
}
