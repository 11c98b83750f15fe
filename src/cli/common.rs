//! Helpers shared by the commands: loading a scenario, planning a report's
//! outputs, drawing plots into a directory, and committing the outputs of a
//! decision.

use std::path::Path;

use crate::engine;
use crate::report::{self, Provenance};
use crate::scenario::{self, ScenarioError};

use super::options::{Format, RunOutput};
use super::output::{Out, Outputs};
use super::{EXIT_BAD_INPUT, EXIT_OK};

pub(super) fn load(file: &Path) -> anyhow::Result<scenario::Scenario> {
    load_set(file, &[])
}

/// Loads a scenario with `--set PATH=VALUE` changes applied.
pub(super) fn load_set(file: &Path, sets: &[String]) -> anyhow::Result<scenario::Scenario> {
    scenario::load_with(file, sets).map_err(|e: ScenarioError| anyhow::anyhow!(e))
}

/// The report's destination: `--output`, or standard output.
pub(super) fn report_out(outs: &mut Outputs, output: Option<&Path>) -> Out {
    match output {
        Some(p) => outs.file("--output", p),
        None => outs.stdout("the report"),
    }
}

/// Where a run, comparison or sweep writes its reports.
pub(super) struct RunSlots {
    report: Out,
    plot: Option<Out>,
    html: Option<Out>,
}

impl RunSlots {
    pub(super) fn plan(outs: &mut Outputs, out: &RunOutput) -> Self {
        Self {
            report: report_out(outs, out.output.as_deref()),
            plot: out.plot.as_deref().map(|d| outs.dir("--plot", d)),
            html: out.html.as_deref().map(|p| outs.file("--html", p)),
        }
    }

    /// The reports these slots want besides the text.
    fn wanted(&self) -> report::Wanted {
        report::Wanted {
            plots: self.plot.is_some(),
            html: self.html.is_some(),
        }
    }

    /// Puts `reports` into their slots: the text, the plots, the page.
    fn put(&self, outs: &mut Outputs, reports: report::Reports) -> anyhow::Result<()> {
        outs.put(self.report, reports.text, "written to");
        put_plots(outs, self.plot, || reports.plots)?;
        if let (Some(html), Some(page)) = (self.html, reports.html) {
            outs.put(html, page, "HTML report written to");
        }
        Ok(())
    }
}

/// Draws `plots` for the plot directory `slot`, every one before any file
/// is written: a plot that cannot be drawn leaves the directory as it was.
pub(super) fn put_plots(
    outs: &mut Outputs,
    slot: Option<Out>,
    plots: impl FnOnce() -> Vec<crate::plot::Plot>,
) -> anyhow::Result<()> {
    let Some(slot) = slot else {
        return Ok(());
    };
    let mut files = Vec::new();
    for p in plots() {
        files.push((format!("{}.svg", p.name), p.svg()?.into_bytes()));
        files.push((format!("{}.png", p.name), p.png()?));
    }
    let n = files.len() / 2;
    let plots = if n == 1 { "plot" } else { "plots" };
    outs.put_files(slot, files, format!("{n} {plots} written to"));
    Ok(())
}

pub(super) fn provenance(file: &Path, sc: &scenario::Scenario) -> Provenance {
    Provenance {
        name: sc.model.name.clone(),
        file: file.display().to_string(),
        sha256: sc.sha256.clone(),
        set: sc.set.clone(),
    }
}

/// Writes `outs` once a decision with exit code `code` is made. A failed
/// write is reported, and the exit code says what happened to the decision
/// first: a missed (1) or undecided (3) decision keeps its code, a met one
/// becomes 2.
pub(super) fn commit_decided(outs: Outputs, code: u8, quiet: bool) -> u8 {
    match outs.commit(quiet) {
        Ok(()) => code,
        Err(e) => {
            note!("error: {e:#}");
            if code == EXIT_OK { EXIT_BAD_INPUT } else { code }
        }
    }
}

/// A count with its thousands separated: 1,024,000.
pub(super) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Says on standard error how fast the segments' events were simulated.
pub(super) fn speed_note(segments: &[engine::Tally], started: std::time::Instant) {
    let events: u64 = segments.iter().map(|t| t.events).sum();
    let elapsed = started.elapsed().as_secs_f64();
    note!(
        "redsim: {} events in {:.2} s ({:.0} ns/event)",
        events,
        elapsed,
        elapsed * 1e9 / events.max(1) as f64
    );
}

pub(super) use crate::report::{CompareResult, RunResult, SweepResult};

/// Writes the reports of a finished run: the one way from a run's result
/// to its outputs, for `run`, `merge` and `report` alike.
pub(super) fn report_run(
    result: &RunResult,
    format: Format,
    outs: &mut Outputs,
    slots: &RunSlots,
) -> anyhow::Result<()> {
    slots.put(outs, report::run_reports(result, format.into(), slots.wanted())?)
}

/// Writes the reports of a finished comparison, for `compare` and `merge` alike.
pub(super) fn report_compare(
    result: &CompareResult,
    format: Format,
    outs: &mut Outputs,
    slots: &RunSlots,
) -> anyhow::Result<()> {
    slots.put(
        outs,
        report::compare_reports(result, format.into(), slots.wanted())?,
    )
}

/// Writes the reports of a finished sweep, for `sweep` and `merge` alike.
pub(super) fn report_sweep(
    result: &SweepResult,
    format: Format,
    outs: &mut Outputs,
    slots: &RunSlots,
) -> anyhow::Result<()> {
    slots.put(
        outs,
        report::sweep_reports(result, format.into(), slots.wanted())?,
    )
}
