//! The one way from a finished result (a run, a comparison or a sweep,
//! simulated or merged from shards) to its reports: the table or JSON text,
//! the plots and the HTML page. A merged result goes through the same
//! functions as the single command, so it reports byte for byte the same.

use std::path::Path;

use super::export::{Csv, ExportError, Exporter, Html, Json, RunExport, Table};
use super::{CompareReport, Provenance, RunReport, SweepReport};
use crate::analysis::{self, Method};
use crate::engine::Tally;
use crate::model::Model;
use crate::plot::{Plot, PlotError};

/// Why the reports of a result could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A plot (for `--plot` or the HTML page) could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The report could not be written in its format.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// A failure-biased run that saw no outage of a service came without
    /// the plain pilot those services are reported from.
    #[error("a failure-biased result that saw no outage of a service lacks its plain pilot")]
    MissingPilot,
}

/// The text format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A readable table.
    Table,
    /// The versioned JSON report (docs/report-format.md).
    Json,
    /// Comma-separated values: the JSON report's numbers, a row per
    /// service (docs/report-format.md).
    Csv,
}

impl Format {
    /// The exporter that writes this format.
    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Self::Table => Box::new(Table::default()),
            Self::Json => Box::new(Json),
            Self::Csv => Box::new(Csv),
        }
    }
}

/// Which reports besides the text are wanted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted {
    /// The plots (for a plot directory).
    pub plots: bool,
    /// The self-contained HTML page.
    pub html: bool,
}

/// The reports of a result: the text always, the plots and the page when wanted.
#[derive(Debug)]
pub struct Reports {
    /// The table or JSON report.
    pub text: String,
    /// The figures, empty unless wanted.
    pub plots: Vec<Plot>,
    /// The HTML page, when wanted.
    pub html: Option<String>,
}

/// A finished run, simulated or merged from shards: everything its
/// reports are drawn from.
#[derive(Debug)]
pub struct RunResult<'a> {
    /// The model simulated.
    pub model: &'a Model,
    /// Where the scenario came from.
    pub provenance: &'a Provenance,
    /// The master seed.
    pub seed: u64,
    /// Tallies of consecutive ranges of the trials, in order, split at
    /// [`crate::engine::checkpoints`] of the total: merged, the whole run; their
    /// running sums, the estimates as trials accumulate.
    pub segments: &'a [Tally],
    /// The plain pilot (trials `0 .. pilot_trials(T)`, split as the run's
    /// segments are) when the failure-biased run saw no outage of a service
    /// ([`analysis::rare::needs_pilot`]): those services are reported from it.
    pub pilot: Option<&'a [Tally]>,
    /// Confidence level of the intervals.
    pub confidence: f64,
}

/// A finished comparison: the designs and their paired statistics.
#[derive(Debug)]
pub struct CompareResult<'a> {
    /// Each design's scenario, the baseline first.
    pub designs: &'a [Provenance],
    /// Each design's model.
    pub models: &'a [&'a Model],
    /// The master seed.
    pub seed: u64,
    /// Paired (plain) or independent (failure biasing).
    pub tally: &'a analysis::compare::CompareTally,
    /// Under failure biasing, per design, its plain pilot where its trials
    /// saw no outage of a service (empty when paired).
    pub pilots: &'a [Option<Tally>],
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Whether the designs were simulated with failure biasing.
    pub rare: bool,
}

/// A finished sweep: the scenario, the grid and each point's tally.
#[derive(Debug)]
pub struct SweepResult<'a> {
    /// Where the scenario came from.
    pub provenance: &'a Provenance,
    /// The master seed.
    pub seed: u64,
    /// Trials per point.
    pub trials: u64,
    /// The swept paths and their values, in order.
    pub parameters: &'a [(String, Vec<String>)],
    /// Each point's changes, model, tally and pilot.
    pub points: &'a [crate::shard::SweepPoint],
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Whether every point was simulated with failure biasing.
    pub rare: bool,
}

/// The method of a result simulated with failure biasing or not.
fn method(rare: bool) -> Method {
    if rare {
        Method::FailureBiasing
    } else {
        Method::Plain
    }
}

/// The reports of a finished run, for `run`, `merge` and `report` alike.
///
/// # Errors
/// A plot that cannot be drawn; a failure-biased result that lacks the
/// plain pilot it needs ([`ReportError::MissingPilot`]).
pub fn run_reports(result: &RunResult, format: Format, wanted: Wanted) -> Result<Reports, ReportError> {
    let mut tally = Tally::new(result.model.services.len());
    for s in result.segments {
        tally.merge(s);
    }
    let m = result.model;
    let mut summary = analysis::summarize(m, &tally, result.confidence);
    let pilot = result.pilot.map(|segments| {
        let mut pilot = Tally::new(m.services.len());
        segments.iter().for_each(|t| pilot.merge(t));
        pilot
    });
    match &pilot {
        Some(pilot) => analysis::rare::bound_unseen(m, &mut summary, pilot),
        // A run, and a shard file's reader, carry the pilot whenever it is needed.
        None if analysis::rare::needs_pilot(m, &tally) => return Err(ReportError::MissingPilot),
        None => {}
    }
    let rep = RunReport::new(result.provenance, result.seed, &summary);
    let run = RunExport {
        report: &rep,
        summary: &summary,
        model: m,
    };
    assemble(
        format.exporter().run(&run)?,
        wanted,
        || crate::plot::figures::run_with_pilot(m, &summary, &tally, result.segments, result.pilot),
        |plots| Ok(Html { plots }.run(&run)?),
    )
}

/// A report's text with the plots `draw` makes and the page `page` makes
/// of them, each only where `wanted` (the plots are drawn for the page
/// too, and kept only when a plot directory wants them).
fn assemble(
    text: String,
    wanted: Wanted,
    draw: impl FnOnce() -> Vec<Plot>,
    page: impl FnOnce(&[Plot]) -> Result<String, ReportError>,
) -> Result<Reports, ReportError> {
    let plots = if wanted.plots || wanted.html {
        draw()
    } else {
        Vec::new()
    };
    let html = if wanted.html { Some(page(&plots)?) } else { None };
    Ok(Reports {
        text,
        plots: if wanted.plots { plots } else { Vec::new() },
        html,
    })
}

/// The reports of a finished comparison, for `compare` and `merge` alike.
///
/// # Errors
/// A plot that cannot be drawn.
pub fn compare_reports(
    result: &CompareResult,
    format: Format,
    wanted: Wanted,
) -> Result<Reports, ReportError> {
    let services =
        analysis::compare::compare_with_pilots(result.models, result.tally, result.pilots, result.confidence);
    let rep = CompareReport {
        format: super::COMPARE_FORMAT,
        redsim_version: env!("CARGO_PKG_VERSION"),
        designs: result.designs,
        seed: result.seed,
        trials: result.tally.trials(),
        confidence: result.confidence,
        method: method(result.rare).as_str(),
        services: &services,
    };
    let text = format.exporter().compare(&rep)?;
    let draw = || {
        // Designs as in the table: A, B, ... with the file's stem.
        let names: Vec<String> = result
            .designs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let f = Path::new(&d.file);
                let stem = f
                    .file_stem()
                    .map_or_else(|| d.file.clone(), |s| s.to_string_lossy().into());
                format!("{}: {stem}", super::design_tag(i))
            })
            .collect();
        crate::plot::figures::compare(&names, &services, method(result.rare))
    };
    assemble(text, wanted, draw, |plots| Ok(Html { plots }.compare(&rep)?))
}

/// The reports of a finished sweep, for `sweep` and `merge` alike.
///
/// # Errors
/// A plot that cannot be drawn.
pub fn sweep_reports(result: &SweepResult, format: Format, wanted: Wanted) -> Result<Reports, ReportError> {
    let summaries: Vec<analysis::RunSummary> = result
        .points
        .iter()
        .map(|p| {
            let mut summary = analysis::summarize(&p.model, &p.tally, result.confidence);
            if let Some(pilot) = &p.pilot {
                analysis::rare::bound_unseen(&p.model, &mut summary, pilot);
            }
            summary
        })
        .collect();
    let rep = SweepReport {
        format: super::SWEEP_FORMAT,
        redsim_version: env!("CARGO_PKG_VERSION"),
        scenario: result.provenance,
        seed: result.seed,
        trials: result.trials,
        confidence: result.confidence,
        method: method(result.rare).as_str(),
        parameters: result.parameters.iter().map(|(p, _)| p.clone()).collect(),
        points: result
            .points
            .iter()
            .zip(&summaries)
            .map(|(p, summary)| super::SweepPoint {
                set: p.set.clone(),
                services: &summary.services,
            })
            .collect(),
    };
    let text = format.exporter().sweep(&rep)?;
    let draw = || {
        let pts: Vec<(Vec<String>, &[analysis::ServiceSummary])> =
            rep.points.iter().map(|p| (p.set.clone(), p.services)).collect();
        crate::plot::figures::sweep(&rep.parameters, &pts, method(result.rare))
    };
    assemble(text, wanted, draw, |plots| Ok(Html { plots }.sweep(&rep)?))
}
