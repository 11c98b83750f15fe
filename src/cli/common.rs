//! Helpers shared by the commands: loading a scenario, planning a report's
//! outputs, drawing plots into a directory, and committing the outputs of a
//! decision.

use std::path::Path;

use crate::analysis;
use crate::engine::{self};
use crate::report::{self, Provenance, RunReport};
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

/// The single points of failure of the services that have a `no_spof`
/// target (empty for the others), as `check` decides them.
pub(super) fn spofs_for(
    m: &crate::model::Model,
    st: &analysis::structure::Structure,
    targets: &[analysis::check::Target],
) -> Vec<Vec<String>> {
    let mut wanted = vec![false; m.services.len()];
    for t in targets
        .iter()
        .filter(|t| t.metric == analysis::check::Metric::NoSpof)
    {
        wanted[t.service] = true;
    }
    st.spofs_where(&wanted)
        .into_iter()
        .map(|found| found.into_iter().map(|e| m.elements[e].id.clone()).collect())
        .collect()
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

/// A finished run, simulated here or merged from shards: everything its
/// reports are drawn from.
pub struct RunResult<'a> {
    pub model: &'a crate::model::Model,
    pub provenance: &'a Provenance,
    pub seed: u64,
    /// Tallies of consecutive ranges of the trials, in order, split at
    /// [`engine::checkpoints`] of the total: merged, the whole run; their
    /// running sums, the estimates as trials accumulate.
    pub segments: &'a [engine::Tally],
    /// The plain pilot (trials `0 .. pilot_trials(T)`, split as the run's
    /// segments are) when the failure-biased run saw no outage of a service
    /// ([`analysis::rare::needs_pilot`]): those services are reported from it.
    pub pilot: Option<&'a [engine::Tally]>,
    pub confidence: f64,
}

/// Writes the reports of a finished run as `out` asks. The one way from a
/// run's result to its reports, for `run`, `merge` and `report` alike, so
/// that a merged run reports exactly as a single one.
pub(super) fn report_run(
    result: &RunResult,
    format: Format,
    outs: &mut Outputs,
    slots: &RunSlots,
) -> anyhow::Result<()> {
    let mut tally = engine::Tally::new(result.model.services.len());
    for s in result.segments {
        tally.merge(s);
    }
    let m = result.model;
    let mut summary = analysis::summarize(m, &tally, result.confidence);
    let pilot = result.pilot.map(|segments| {
        let mut pilot = engine::Tally::new(m.services.len());
        segments.iter().for_each(|t| pilot.merge(t));
        pilot
    });
    match &pilot {
        Some(pilot) => analysis::rare::bound_unseen(m, &mut summary, pilot),
        // A run, and a shard file's reader, carry the pilot whenever it is needed.
        None if analysis::rare::needs_pilot(&tally) => {
            anyhow::bail!("a failure-biased result that saw no outage of a service lacks its plain pilot")
        }
        None => {}
    }
    let rep = RunReport::new(result.provenance, result.seed, &summary);
    let text = match format {
        Format::Table => rep.to_table(),
        Format::Json => rep.to_json(),
    };
    outs.put(slots.report, text, "written to");
    let plots = || crate::plot::figures::run_with_pilot(m, &summary, &tally, result.segments, result.pilot);
    put_plots(outs, slots.plot, plots)?;
    if let Some(html) = slots.html {
        let targets = analysis::check::scenario_targets(m);
        let st = analysis::structure::Structure::new(m);
        let decisions = analysis::check::decide(m, &targets, &summary, &spofs_for(m, &st, &targets));
        let structure = analysis::structure::analyse(m, 3, analysis::structure::EXACT_WORK);
        let page = report::html::run_page(&rep, &summary, &decisions, &structure, &plots())?;
        outs.put(html, page, "HTML report written to");
    }
    Ok(())
}

/// A finished comparison: the designs and their paired statistics.
pub struct CompareResult<'a> {
    pub designs: &'a [Provenance],
    pub models: &'a [&'a crate::model::Model],
    pub seed: u64,
    /// Paired (plain) or independent (failure biasing).
    pub tally: &'a analysis::compare::CompareTally,
    /// Under failure biasing, per design, its plain pilot where its trials
    /// saw no outage of a service (empty when paired).
    pub pilots: &'a [Option<engine::Tally>],
    pub confidence: f64,
    /// Whether the designs were simulated with failure biasing.
    pub rare: bool,
}

/// Writes the report of a finished comparison, for `compare` and `merge` alike.
pub(super) fn report_compare(
    result: &CompareResult,
    format: Format,
    outs: &mut Outputs,
    slots: &RunSlots,
) -> anyhow::Result<()> {
    let services =
        analysis::compare::compare_with_pilots(result.models, result.tally, result.pilots, result.confidence);
    let rep = report::CompareReport {
        format: report::COMPARE_FORMAT,
        redsim_version: env!("CARGO_PKG_VERSION"),
        designs: result.designs,
        seed: result.seed,
        trials: result.tally.trials(),
        confidence: result.confidence,
        method: method_of(result.rare),
        services: &services,
    };
    let text = match format {
        Format::Table => rep.to_table(),
        Format::Json => rep.to_json(),
    };
    outs.put(slots.report, text, "written to");
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
            format!("{}: {stem}", report::design_tag(i))
        })
        .collect();
    let plots = || crate::plot::figures::compare(&names, &services, method(result.rare));
    put_plots(outs, slots.plot, plots)?;
    if let Some(html) = slots.html {
        outs.put(
            html,
            report::html::compare_page(&rep, &plots())?,
            "HTML report written to",
        );
    }
    Ok(())
}

/// A finished sweep: the scenario, the grid and each point's tally.
pub struct SweepResult<'a> {
    pub provenance: &'a Provenance,
    pub seed: u64,
    pub trials: u64,
    pub parameters: &'a [(String, Vec<String>)],
    pub points: &'a [crate::shard::SweepPoint],
    pub confidence: f64,
    /// Whether every point was simulated with failure biasing.
    pub rare: bool,
}

/// The method of a result simulated with failure biasing or not.
pub(super) fn method(rare: bool) -> analysis::Method {
    if rare {
        analysis::Method::FailureBiasing
    } else {
        analysis::Method::Plain
    }
}

/// The method's name in reports.
pub(super) fn method_of(rare: bool) -> &'static str {
    method(rare).as_str()
}

/// Writes the report of a finished sweep, for `sweep` and `merge` alike.
pub(super) fn report_sweep(
    result: &SweepResult,
    format: Format,
    outs: &mut Outputs,
    slots: &RunSlots,
) -> anyhow::Result<()> {
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
    let rep = report::SweepReport {
        format: report::SWEEP_FORMAT,
        redsim_version: env!("CARGO_PKG_VERSION"),
        scenario: result.provenance,
        seed: result.seed,
        trials: result.trials,
        confidence: result.confidence,
        method: method_of(result.rare),
        parameters: result.parameters.iter().map(|(p, _)| p.clone()).collect(),
        points: result
            .points
            .iter()
            .zip(&summaries)
            .map(|(p, summary)| report::SweepPoint {
                set: p.set.clone(),
                services: &summary.services,
            })
            .collect(),
    };
    let text = match format {
        Format::Table => rep.to_table(),
        Format::Json => rep.to_json(),
    };
    outs.put(slots.report, text, "written to");
    let plots = || {
        let pts: Vec<(Vec<String>, &[analysis::ServiceSummary])> =
            rep.points.iter().map(|p| (p.set.clone(), p.services)).collect();
        crate::plot::figures::sweep(&rep.parameters, &pts, method(result.rare))
    };
    put_plots(outs, slots.plot, plots)?;
    if let Some(html) = slots.html {
        outs.put(
            html,
            report::html::sweep_page(&rep, &plots())?,
            "HTML report written to",
        );
    }
    Ok(())
}
