//! The self-contained HTML page of a run, comparison, sweep or check:
//! the pages of [`crate::report::html`], with their plots.

use super::{CheckExport, ExportError, Exporter, RunExport};
use crate::analysis;
use crate::plot::Plot;
use crate::report::{CompareReport, SweepReport, html};

/// The self-contained HTML page, with the plots it shows.
#[derive(Debug, Clone, Copy)]
pub struct Html<'a> {
    /// The figures drawn for the page.
    pub plots: &'a [Plot],
}

impl Exporter for Html<'_> {
    fn name(&self) -> &'static str {
        "html"
    }

    fn run(&self, run: &RunExport<'_>) -> Result<String, ExportError> {
        let m = run.model;
        // The page judges the scenario's own targets and shows its structure.
        let targets = analysis::check::scenario_targets(m);
        let st = analysis::structure::Structure::new(m);
        let spofs = analysis::check::spofs_for(m, &st, &targets);
        let decisions = analysis::check::decide(m, &targets, run.summary, &spofs);
        let structure = analysis::structure::analyse(m, 3, analysis::structure::EXACT_WORK);
        Ok(html::run_page(
            run.report,
            run.summary,
            &decisions,
            &structure,
            self.plots,
        )?)
    }

    fn compare(&self, report: &CompareReport<'_>) -> Result<String, ExportError> {
        Ok(html::compare_page(report, self.plots)?)
    }

    fn sweep(&self, report: &SweepReport<'_>) -> Result<String, ExportError> {
        Ok(html::sweep_page(report, self.plots)?)
    }

    fn check(&self, check: &CheckExport<'_>) -> Result<String, ExportError> {
        let structure = analysis::structure::analyse(check.model, 3, analysis::structure::EXACT_WORK);
        Ok(html::check_page(
            check.report,
            check.summary,
            &structure,
            self.plots,
        )?)
    }
}
