//! The command-line interface: argument definitions and subcommands.
//! Nothing in the library depends on this module.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use crate::analysis;
use crate::engine::{self, DEFAULT_SEED, RunConfig};
use crate::model::ElementRole;
use crate::report::{self, Provenance, RunReport};
use crate::scenario::{self, ScenarioError};
use crate::shard::PartSpec;

/// Says something on standard error; a closed or full standard error is
/// ignored (the note is lost, the command goes on).
macro_rules! note {
    ($($t:tt)*) => {
        $crate::cli::note(format_args!($($t)*))
    };
}

mod output;
mod progress;
mod shard;

use output::{Out, Outputs};
use progress::Progress;

/// Writes a line to standard error, ignoring a failure to do so.
pub(crate) fn note(args: std::fmt::Arguments) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{args}");
}

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: bad input or usage.
pub const EXIT_BAD_INPUT: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "redsim",
    version,
    about = "Discrete-event Monte Carlo simulator for redundancy topologies"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate a scenario and report availability, downtime and outages per service.
    Run(RunArgs),
    /// Check a scenario file and report every problem in it.
    Validate {
        /// Scenario file (JSON, format redsim/1).
        file: PathBuf,
    },
    /// Print every event of one trial in time order: what failed, what was
    /// repaired, and when each service went down or came back, with the cause.
    Trace(TraceArgs),
    /// Compare designs on common random numbers: each service's
    /// availability, downtime and outages per design, and each design's
    /// difference from the first with an interval from the paired trials
    /// (with `--rare on`: independent biased runs and Welch's interval).
    Compare(CompareArgs),
    /// Run a scenario over a grid of changes (`--set PATH=v1,v2,...`, several
    /// make a grid) on common random numbers, and tabulate each service's
    /// availability, downtime and outages at every point.
    Sweep(SweepArgs),
    /// Decide whether each service meets its targets (from the scenario's
    /// `targets` and `--target`), simulating in batches until every target is
    /// met or missed at the confidence asked for. Exit 0 all met, 1 any
    /// missed, 3 some undecided at the budget.
    Check(CheckArgs),
    /// Structural analysis: single points of failure per service, failover
    /// exposure, and exact long-run availability where it exists.
    Spof(SpofArgs),
    /// Exact long-run availability of each service from the structure, where
    /// elements fail and are repaired independently.
    Exact(ExactArgs),
    /// The topology as a Graphviz DOT graph: single points of failure in red,
    /// groups as clusters, requirements (power, racks, sites) as dashed arrows.
    /// Rendered to SVG, PNG or PDF by Graphviz `dot` when the output file asks for it.
    Graph(GraphArgs),
    /// Merge the shard files of a run, sweep or comparison (written with
    /// `--shard K/N`) and print its report, the same, byte for byte, as one
    /// run of all the trials would print.
    Merge(MergeArgs),
    /// Print the report of a result or shard file (from `redsim merge
    /// --result` or `--shard`) without simulating.
    Report(ReportArgs),
    /// Print the JSON Schema of the scenario format.
    Schema,
    /// Print a shell completion script (e.g. `redsim completions bash > /etc/bash_completion.d/redsim`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `redsim man > redsim.1`.
    Man,
}

/// Exit code: a `--fail-on-spof` check found a single point of failure.
pub const EXIT_CHECK_FAILED: u8 = 1;

#[derive(Debug, clap::Args)]
pub struct SpofArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit with code 1 when any service has a single point of failure (for CI).
    #[arg(long)]
    pub fail_on_spof: bool,
    /// Cut sets and importance rows shown per service in the tables (every
    /// single point of failure is listed; JSON has all).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Largest order of the minimal cut sets searched for.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=6))]
    pub order: u64,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

/// Exit code: `check` could not decide every target within its budget.
pub const EXIT_UNDECIDED: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Undecided {
    /// Exit 3 when a target is undecided (and no target is missed).
    Report,
    /// Count an undecided target as missed (exit 1).
    Fail,
    /// Count an undecided target as met.
    Pass,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    /// A target, added to the scenario's: `SERVICE=99.95%` (availability) or
    /// `SERVICE.KEY=VALUE` with KEY one of availability, max_downtime_per_year
    /// (a duration), max_outages_per_year, max_p_outage_over_rto, no_spof.
    #[arg(long = "target", value_name = "SPEC")]
    pub targets: Vec<String>,
    /// Overall confidence of the verdicts.
    #[arg(long, default_value_t = 0.95, value_parser = parse_confidence)]
    pub confidence: f64,
    /// Trials of the first batch; each next batch doubles the total.
    #[arg(long, default_value_t = 2_000, value_parser = parse_trials)]
    pub first_trials: u64,
    /// Stop simulating after this many trials.
    #[arg(long, default_value_t = 1_024_000, value_parser = parse_trials)]
    pub max_trials: u64,
    /// Stop simulating after this many seconds, or a duration such as 20s,
    /// 5m or 1h (makes the stopping point depend on the machine).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub max_time: Option<f64>,
    /// What an undecided target does to the exit code.
    #[arg(long, value_enum, default_value_t = Undecided::Report)]
    pub undecided: Undecided,
    /// Master seed.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = parse_index)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<u64>,
    /// Report format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write JUnit XML (one test case per service and target) to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Also write a self-contained HTML report (inline plots and styles, nothing fetched) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Also draw the plots of the last look (SVG and PNG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// No progress and no notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Change the scenario without editing the file: `PATH=VALUE` (as for `run`).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Decide from this result file (`redsim merge --result`) instead of
    /// simulating: one look at the full confidence, at its trials and seed.
    /// It must come from FILE with the same `--set` changes.
    #[arg(
        long,
        value_name = "RESULT",
        conflicts_with_all = ["max_time", "first_trials", "max_trials", "seed", "threads", "rare", "rare_bias"]
    )]
    pub result: Option<PathBuf>,
    /// Rare-event simulation, as for `run`: `auto` runs a plain pilot (the
    /// first trials of the first look, at most 2,000) and switches to
    /// failure biasing when it projects too few outages for one look's
    /// intervals (plots and HTML then drawn from the weighted estimates);
    /// `on` biases from the start, `off` never.
    #[arg(long, value_enum, default_value_t = Rare::Auto)]
    pub rare: Rare,
    /// With `--rare on` or `auto`: the probability, aimed for, that the next
    /// event of a biased degraded system is a failure (above 0, at most 0.9;
    /// default 0.2).
    #[arg(long, value_name = "P", value_parser = parse_p_bias)]
    pub rare_bias: Option<f64>,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// Scenario files: the first is the baseline; at least two.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Trials per design (the same trials for each), seed, threads, confidence.
    #[command(flatten)]
    pub sim: SimOptions,
    #[command(flatten)]
    pub out: RunOutput,
    /// No progress and no notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run only shard K of N (0-based) of the trials, on every design, and
    /// write a shard file for `redsim merge`; `auto/N` reads K from
    /// SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["format", "plot", "html"])]
    pub shard: Option<PartSpec>,
    /// Rare-event simulation, as for `run`: `on` simulates each design with
    /// failure biasing, as independent runs (each trial carries its own
    /// likelihood ratio, so designs cannot share trials), and each
    /// difference gets the interval of two independent means; `auto` runs
    /// each design's plain pilot and biases them all when one projects too
    /// few outages.
    #[arg(long, value_enum, default_value_t = Rare::Auto)]
    pub rare: Rare,
    /// With `--rare on` or `auto`: as for `run`.
    #[arg(long, value_name = "P", value_parser = parse_p_bias)]
    pub rare_bias: Option<f64>,
}

#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    /// A parameter and its values: `PATH=v1,v2,...` (paths as for `run --set`;
    /// commas inside braces, brackets or quotes do not split). Repeat for a
    /// grid: at most 16 parameters and 10,000 points (the product of their
    /// numbers of values).
    #[arg(long = "set", value_name = "PATH=V1,V2,...", required = true)]
    pub set: Vec<String>,
    #[command(flatten)]
    pub sim: SimOptions,
    #[command(flatten)]
    pub out: RunOutput,
    /// No progress and no notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run only shard K of N (0-based) of the trials, at every point of the
    /// grid, and write a shard file for `redsim merge`; `auto/N` as for `run`.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["format", "plot", "html"])]
    pub shard: Option<PartSpec>,
    /// Rare-event simulation, as for `run`: `on` simulates every point with
    /// failure biasing, its estimates from the weighted sums; `auto` runs
    /// each point's plain pilot and biases them all when one projects too
    /// few outages.
    #[arg(long, value_enum, default_value_t = Rare::Auto)]
    pub rare: Rare,
    /// With `--rare on` or `auto`: as for `run`.
    #[arg(long, value_name = "P", value_parser = parse_p_bias)]
    pub rare_bias: Option<f64>,
}

/// Splits `v1,v2,...` on the commas outside braces, brackets and quotes.
fn split_values(s: &str) -> Vec<String> {
    let (mut out, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '{' | '[' if !quoted => depth += 1,
            '}' | ']' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    out.push(cur);
    out
}

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    /// Output file: `.dot`/`.gv` for DOT text, `.svg`, `.png` or `.pdf` to
    /// render with Graphviz `dot` (default: DOT on standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ExactArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// The versioned JSON report (docs/report-format.md).
    Json,
}

/// How a simulation runs.
#[derive(Debug, clap::Args)]
pub struct SimOptions {
    /// Number of Monte Carlo trials (each one mission long).
    #[arg(long, default_value_t = 10_000, value_parser = parse_trials)]
    pub trials: u64,
    /// Master seed: the same seed, scenario and trial count give the same report.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = parse_index)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<u64>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95, value_parser = parse_confidence)]
    pub confidence: f64,
}

impl SimOptions {
    /// The engine's configuration for trials `0 .. trials`.
    fn config(&self) -> RunConfig {
        RunConfig {
            seed: self.seed,
            first_trial: 0,
            trials: self.trials,
            threads: self.threads.map(|t| t as usize),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    #[command(flatten)]
    pub sim: SimOptions,
    #[command(flatten)]
    pub out: RunOutput,
    /// No progress and no notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Run until the relative half-width of every service's unavailability
    /// interval (the weighted one under failure biasing) is at most this
    /// (e.g. 5% or 0.05): `--trials` first, then doubling, up to `--max-trials`.
    #[arg(long, value_parser = parse_precision)]
    pub precision: Option<f64>,
    /// With `--precision`: the most trials to run.
    #[arg(long, default_value_t = 1_024_000, value_parser = parse_trials)]
    pub max_trials: u64,
    /// Change the scenario without editing the file: `PATH=VALUE`, e.g.
    /// `components.srv.mttr=8h`, `repair.crews=2`, `groups.fw.failover.switchover=30s`
    /// (repeatable; recorded in the report).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Run only shard K of N (0-based): trials K·T/N to (K+1)·T/N of the
    /// `--trials` T, written to a shard file (`--output`, default
    /// `STEM.shard-K-of-N.json` here) for `redsim merge`. `auto/N` reads K
    /// from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["format", "plot", "html"])]
    pub shard: Option<PartSpec>,
    /// Rare-event simulation: `on` draws failures from accelerated laws
    /// while the system is degraded (failure biasing) and weights every
    /// trial by its likelihood ratio, for designs whose outages plain
    /// simulation almost never sees (docs/methodology.md); `off` is plain
    /// Monte Carlo; `auto` runs a plain pilot of the first 2,000 trials and
    /// switches to biasing when it projects too few outages for the
    /// intervals (the same pilot for every shard of a run).
    #[arg(long, value_enum, default_value_t = Rare::Auto)]
    pub rare: Rare,
    /// With `--rare on` or `auto`: the probability, aimed for, that the next
    /// event of a biased degraded system is a failure (above 0, at most 0.9;
    /// default 0.2).
    #[arg(long, value_name = "P", value_parser = parse_p_bias)]
    pub rare_bias: Option<f64>,
}

/// Whether a command simulates rare events by failure biasing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rare {
    /// Plain, unless a plain pilot sees too few outages: then failure biasing.
    Auto,
    /// Failure biasing (importance sampling).
    On,
    /// Plain Monte Carlo.
    Off,
}

/// The largest `--rare-bias`: a failure 9 times as likely as a repair in a
/// biased degraded state. Past it trials grow long fast (0.8 already costs
/// hundreds of times 0.2's events on `two-region.json`) for no gain.
const MAX_P_BIAS: f64 = 0.9;

fn parse_p_bias(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p <= MAX_P_BIAS => Ok(p),
        Ok(p) if p > MAX_P_BIAS && p < 1.0 => Err(format!(
            "`{s}` is above {MAX_P_BIAS}: a biased degraded system would fail again {:.0} times as often as \
             it is repaired, so trials run far longer (0.999999 runs hundreds of millions of events) and \
             the weights degenerate; give at most {MAX_P_BIAS} (0.2, the default, to 0.5 serves most models)",
            p / (1.0 - p)
        )),
        _ => Err(format!(
            "`{s}` is not a bias probability: give a number above 0 and at most {MAX_P_BIAS}, e.g. 0.33"
        )),
    }
}

/// What `--rare` asks of a command, checked against its other flags.
#[derive(Debug)]
enum RareRequest {
    /// Plain Monte Carlo.
    Off,
    /// Failure biasing with these settings.
    On(engine::RareOptions),
    /// A plain pilot decides; biasing with `opts` if it switches.
    Auto {
        opts: engine::RareOptions,
        /// `--rare-bias`, when given: noted as unused if the run stays plain.
        bias: Option<f64>,
    },
}

/// The failure-biasing settings of a simulating command, or why they
/// cannot be honoured (`--rare-bias` with `--rare off`).
fn rare_request(rare: Rare, bias: Option<f64>) -> anyhow::Result<RareRequest> {
    let opts = engine::RareOptions {
        p_bias: bias.unwrap_or(engine::DEFAULT_P_BIAS),
        ..Default::default()
    };
    match rare {
        Rare::Off => {
            if bias.is_some() {
                anyhow::bail!(
                    "--rare-bias cannot be used with --rare off: it sets how strongly failures are biased \
                     (with --rare on or auto)"
                );
            }
            Ok(RareRequest::Off)
        }
        Rare::On => Ok(RareRequest::On(opts)),
        Rare::Auto => Ok(RareRequest::Auto { opts, bias }),
    }
}

/// The progress of the plain pilot of `--rare auto` for an estimate on `trials` trials.
fn pilot_progress(quiet: bool, trials: u64) -> Progress {
    let bar = Progress::new(quiet, analysis::rare::pilot_trials(trials));
    bar.set_message("(plain pilot of --rare auto)".into());
    bar
}

/// Settles `--rare auto` from its pilot's choice: failure biasing (`opts`)
/// or plain (`None`), with a note on standard error unless `quiet` when
/// the pilot saw too few outages (biasing chosen, or kept plain by the
/// model).
fn settle_auto(
    auto: &analysis::rare::Auto,
    opts: engine::RareOptions,
    bias: Option<f64>,
    quiet: bool,
) -> Option<engine::RareOptions> {
    let chosen = settle_auto_quietly(auto, opts, quiet);
    if chosen.is_none() {
        note_unused_bias(bias, quiet);
    }
    chosen
}

/// Notes on standard error, unless `quiet`, that `--rare-bias` (when
/// given) went unused: `--rare auto` kept the command plain.
fn note_unused_bias(bias: Option<f64>, quiet: bool) {
    if let (Some(p), false) = (bias, quiet) {
        note!(
            "redsim: --rare auto stayed plain: --rare-bias {p} has no effect (it sets how strongly failure \
             biasing favours failures; --rare on biases from the start)"
        );
    }
}

fn settle_auto_quietly(
    auto: &analysis::rare::Auto,
    opts: engine::RareOptions,
    quiet: bool,
) -> Option<engine::RareOptions> {
    if !auto.bias {
        if auto.few && !quiet {
            note!("redsim: --rare auto: {}: plain simulation", auto.why);
        }
        return None;
    }
    if !quiet {
        note!("redsim: --rare auto: {}: failure biasing", auto.why);
    }
    Some(opts)
}

/// How a report is written: shared by `run`, `compare`, `sweep`, `merge` and `report`.
#[derive(Debug, clap::Args)]
pub struct RunOutput {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report (with `--shard`: the shard file) to this file
    /// (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also draw the plots (SVG and PNG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// Also write a self-contained HTML report (inline plots and styles, nothing fetched) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Shard files of one run, sweep or comparison (any order); together
    /// they must hold every trial exactly once.
    #[arg(required = true, value_name = "SHARD")]
    pub shards: Vec<PathBuf>,
    #[command(flatten)]
    pub out: RunOutput,
    /// Also write the merged result (a shard file holding every trial) to
    /// this file, for `redsim report` and `redsim check --result`.
    #[arg(long, value_name = "FILE")]
    pub result: Option<PathBuf>,
    /// No notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A result file (`redsim merge --result`) or one shard file.
    pub file: PathBuf,
    #[command(flatten)]
    pub out: RunOutput,
    /// No notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_precision(s: &str) -> Result<f64, String> {
    let v = match s.trim().strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => s.trim().parse::<f64>(),
    }
    .map_err(|_| {
        format!(
            "`{}` is not a precision: write 5% or 0.05",
            crate::model::printable(s)
        )
    })?;
    if v > 0.0 && v < 1.0 {
        Ok(v)
    } else if !s.contains('%') && v > 1.0 && v < 100.0 {
        // A number without its `%` sign: a fraction cannot be above 1.
        Err(format!(
            "the precision {t} is not a fraction between 0 and 1: did you mean {t}%?",
            t = crate::model::printable(s.trim())
        ))
    } else {
        Err("the precision must be between 0 and 100 %, e.g. 5%".into())
    }
}

/// Whether every service's unavailability is estimated to relative
/// half-width `precision` (none without downtime observed). Services that
/// depend on nothing that can fail, and are never maintained, are never
/// down and are left out.
fn precise_enough(model: &crate::model::Model, run: &analysis::RunSummary, precision: f64) -> bool {
    let st = analysis::structure::Structure::new(model);
    run.services.iter().enumerate().all(|(i, s)| {
        let a = &s.availability;
        let u = 1.0 - a.point;
        let never_down = st.relevant(i).is_empty() && model.maintenance.is_empty();
        never_down || (u > 0.0 && (a.ci_high - a.ci_low) / 2.0 <= precision * u)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// A readable timeline.
    Text,
    /// JSON (format redsim-trace/1).
    Json,
}

#[derive(Debug, clap::Args)]
pub struct TraceArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    /// Which trial (0-based): the same trial as in `redsim run` with the same seed.
    #[arg(long, default_value_t = 0, value_parser = parse_index)]
    pub trial: u64,
    /// Master seed.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = parse_index)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TraceFormat::Text)]
    pub format: TraceFormat,
    /// Write the trace to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also draw the trial's timeline (SVG and PNG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
}

/// Seconds, as a number (`300`) or a duration (`20s`, `5m`, `1h`).
fn parse_seconds(s: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "`{}` is not a time: write seconds (e.g. 300) or a duration such as 20s, 5m or 1h",
            crate::model::printable(s)
        )
    };
    let secs = match s.trim().parse::<f64>() {
        Ok(v) => v,
        Err(_) => {
            let d: scenario::units::Duration =
                serde_json::from_value(serde_json::Value::String(s.trim().into())).map_err(|_| bad())?;
            d.0 * 3600.0
        }
    };
    if secs.is_finite() && secs > 0.0 {
        Ok(secs)
    } else {
        Err(format!(
            "`{}`: the time must be longer than 0",
            crate::model::printable(s)
        ))
    }
}

/// A confidence level: a fraction (0.95) or a percentage (95%).
fn parse_confidence(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| {
        format!(
            "`{}` is not a confidence: write 0.95 or 95%",
            crate::model::printable(s)
        )
    })?;
    if t.contains('%') && v > 0.0 && v < 0.01 {
        // 0.95% is a 0.95 % confidence level: surely meant as 95 % or 0.95.
        Err(format!(
            "a confidence of {} is almost no confidence: did you mean {}% (or {})?",
            crate::model::printable(t),
            v * 1e4,
            v * 100.0
        ))
    } else if v > 0.0 && v < 1.0 {
        Ok(v)
    } else if !t.contains('%') && v > 1.0 && v < 100.0 {
        Err(format!(
            "the confidence {t} is not a fraction between 0 and 1: did you mean {t}%?",
            t = crate::model::printable(t)
        ))
    } else {
        Err("the confidence must be between 0 and 1 (0 % and 100 %), e.g. 0.95 or 95%".into())
    }
}

/// A whole number as users write it: digits with `_` or `,` between groups
/// if wanted (1_000_000, 1,000,000), or with an exponent (1e6). `what` names
/// it in messages ("trials", "a seed").
fn whole_number(s: &str, what: &str) -> Result<u64, String> {
    let t = s.trim();
    // Commas only as thousands separators: 1,000,000 (1,00 is a mistake).
    let grouped = |t: &str| {
        let mut groups = t.split(',');
        let first = groups.next().unwrap_or("");
        (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3)
    };
    if t.contains(',') && !grouped(t) {
        return Err(format!(
            "`{}` is not {what}: commas go between groups of three digits (1,000,000)",
            crate::model::printable(s)
        ));
    }
    let digits: String = t.chars().filter(|&c| c != '_' && c != ',').collect();
    if let Ok(n) = digits.parse::<u64>() {
        return Ok(n);
    }
    match digits.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v >= 18_446_744_073_709_551_616.0 => Err(format!(
            "`{}` is too large for {what}: at most {} fits",
            crate::model::printable(s),
            u64::MAX
        )),
        Ok(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 => Ok(v as u64),
        _ => Err(format!(
            "`{}` is not {what}: write a whole number such as 10000, 1_000_000 or 1e6",
            crate::model::printable(s)
        )),
    }
}

/// A number of trials: a [`whole_number`] of at least 2.
fn parse_trials(s: &str) -> Result<u64, String> {
    match whole_number(s, "a number of trials")? {
        n if n >= 2 => Ok(n),
        n => Err(format!(
            "{n} trials are too few: at least 2 are needed for an interval"
        )),
    }
}

/// A seed or a trial index: any [`whole_number`].
fn parse_index(s: &str) -> Result<u64, String> {
    whole_number(s, "a whole number")
}

/// A thread count: a [`whole_number`] from 1 to 1024.
fn parse_threads(s: &str) -> Result<u64, String> {
    match whole_number(s, "a number of threads")? {
        n @ 1..=1024 => Ok(n),
        n => Err(format!("{n} threads: give 1 to 1024")),
    }
}

/// A usage error's text with each argument that holds an [`unprintable`]
/// character escaped, or `None` when none does: clap quotes a bad value as
/// it is, and a newline in it could forge a line of output.
///
/// [`unprintable`]: crate::model::unprintable
fn usage_error_escaped(e: &clap::Error) -> Option<String> {
    if !e.use_stderr() {
        return None;
    }
    let odd: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .filter(|a| a.chars().any(crate::model::unprintable))
        .collect();
    if odd.is_empty() {
        return None;
    }
    // The styled text still holds the value as given (the plain one has
    // lost its ESC sequences, so it would not match); once the values are
    // escaped, every ESC left is clap's own styling, which is dropped.
    let mut text = e.render().ansi().to_string();
    for a in &odd {
        text = text.replace(a.as_str(), &crate::model::printable(a));
    }
    let mut plain = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("\x1b[") {
        plain.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        rest = after.find('m').map_or("", |m| &after[m + 1..]);
    }
    plain.push_str(rest);
    Some(plain)
}

/// Parses the process arguments, runs the command and returns its exit code.
pub fn main() -> ExitCode {
    output::install_signal_handler();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to standard output, usage errors to
            // standard error; a full standard output is an error, a closed
            // pipe is not.
            let code = ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_BAD_INPUT));
            if let Some(text) = usage_error_escaped(&e) {
                note!("{}", text.trim_end());
                return code;
            }
            return match e.print() {
                Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe && !e.use_stderr() => {
                    note!("error: cannot write to standard output: {io}");
                    ExitCode::from(EXIT_BAD_INPUT)
                }
                _ => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(EXIT_BAD_INPUT)),
            };
        }
    };
    match dispatch(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // Each line of the message escaped apart: a file name holding an
            // ESC sequence or a newline cannot colour the terminal or forge
            // a line, and the message's own lines stay lines.
            let text = format!("{e:#}");
            let lines: Vec<String> = text
                .split('\n')
                .map(|l| crate::model::printable(l).into_owned())
                .collect();
            note!("error: {}", lines.join("\n"));
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// Runs a parsed command.
///
/// # Errors
/// Bad input, unreadable files, unwritable output.
pub fn dispatch(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Run(args) => run(&args),
        Command::Validate { file } => validate(&file),
        Command::Trace(args) => trace(&args),
        Command::Check(args) => check(&args),
        Command::Compare(args) => compare(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Spof(args) => spof(&args),
        Command::Exact(args) => exact(&args),
        Command::Graph(args) => graph(&args),
        Command::Merge(args) => shard::merge(&args),
        Command::Report(args) => shard::report(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "redsim", &mut script);
            output::stdout(&script)?;
            Ok(EXIT_OK)
        }
        Command::Man => {
            use clap::CommandFactory;
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .context("cannot make the manual page")?;
            output::stdout(&page)?;
            Ok(EXIT_OK)
        }
        Command::Schema => {
            let text = serde_json::to_string_pretty(&scenario::schema())? + "\n";
            output::stdout(text.as_bytes())?;
            Ok(EXIT_OK)
        }
    }
}

fn load(file: &Path) -> anyhow::Result<scenario::Scenario> {
    load_set(file, &[])
}

/// Loads a scenario with `--set PATH=VALUE` changes applied.
fn load_set(file: &Path, sets: &[String]) -> anyhow::Result<scenario::Scenario> {
    scenario::load_with(file, sets).map_err(|e: ScenarioError| anyhow::anyhow!(e))
}

fn validate(file: &Path) -> anyhow::Result<u8> {
    let sc = load(file)?;
    let m = &sc.model;
    let count = |link: bool| {
        let of = m
            .elements
            .iter()
            .filter(|e| matches!(e.role, ElementRole::Link { .. }) == link);
        let all = of.clone().count();
        let failing = of.filter(|e| e.life.is_some()).count();
        (all, failing)
    };
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let ((c, cf), (l, lf)) = (count(false), count(true));
    let text = format!(
        "{}: ok: \"{}\": {} ({cf} can fail), {} ({lf} can fail), {}, mission {}\n",
        crate::model::shown_path(file),
        crate::model::printable(&m.name),
        plural(c, "component"),
        plural(l, "link"),
        plural(m.services.len(), "service"),
        report::hours(m.mission)
    );
    output::stdout(text.as_bytes())?;
    Ok(EXIT_OK)
}

/// The report's destination: `--output`, or standard output.
fn report_out(outs: &mut Outputs, output: Option<&Path>) -> Out {
    match output {
        Some(p) => outs.file("--output", p),
        None => outs.stdout("the report"),
    }
}

/// Where a run, comparison or sweep writes its reports.
struct RunSlots {
    report: Out,
    plot: Option<Out>,
    html: Option<Out>,
}

impl RunSlots {
    fn plan(outs: &mut Outputs, out: &RunOutput) -> Self {
        Self {
            report: report_out(outs, out.output.as_deref()),
            plot: out.plot.as_deref().map(|d| outs.dir("--plot", d)),
            html: out.html.as_deref().map(|p| outs.file("--html", p)),
        }
    }
}

/// Draws `plots` for the plot directory `slot`, every one before any file
/// is written: a plot that cannot be drawn leaves the directory as it was.
fn put_plots(
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
fn spofs_for(
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

fn provenance(file: &Path, sc: &scenario::Scenario) -> Provenance {
    Provenance {
        name: sc.model.name.clone(),
        file: file.display().to_string(),
        sha256: sc.sha256.clone(),
        set: sc.set.clone(),
    }
}

fn trace(args: &TraceArgs) -> anyhow::Result<u8> {
    let sc = load(&args.file)?;
    let mut outs = Outputs::new([args.file.as_path()]);
    let report = report_out(&mut outs, args.output.as_deref());
    let plot = args.plot.as_deref().map(|d| outs.dir("--plot", d));
    outs.check()?;
    let events = engine::trace(&sc.model, args.seed, args.trial)?;
    let prov = provenance(&args.file, &sc);
    let rep = report::TraceReport::new(&sc.model, &prov, args.seed, args.trial, &events);
    let text = match args.format {
        TraceFormat::Text => rep.to_text(),
        TraceFormat::Json => rep.to_json(),
    };
    outs.put(report, text, "written to");
    put_plots(&mut outs, plot, || {
        vec![crate::plot::figures::timeline(&sc.model, &events, args.trial)]
    })?;
    outs.commit(false)?;
    Ok(EXIT_OK)
}

/// Writes `outs` once a decision with exit code `code` is made. A failed
/// write is reported, and the exit code says what happened to the decision
/// first: a missed (1) or undecided (3) decision keeps its code, a met one
/// becomes 2.
fn commit_decided(outs: Outputs, code: u8, quiet: bool) -> u8 {
    match outs.commit(quiet) {
        Ok(()) => code,
        Err(e) => {
            note!("error: {e:#}");
            if code == EXIT_OK { EXIT_BAD_INPUT } else { code }
        }
    }
}

fn spof(args: &SpofArgs) -> anyhow::Result<u8> {
    let sc = load(&args.file)?;
    let mut outs = Outputs::new([args.file.as_path()]);
    let report = report_out(&mut outs, args.output.as_deref());
    outs.check()?;
    let prov = provenance(&args.file, &sc);
    let rep = report::SpofReport::new(
        &prov,
        analysis::structure::analyse(&sc.model, args.order as usize, analysis::structure::EXACT_WORK),
    );
    let text = match args.format {
        Format::Table => rep.to_table(args.top),
        Format::Json => rep.to_json(),
    };
    outs.put(report, text, "written to");
    if args.fail_on_spof && rep.has_spof() {
        let named: Vec<String> = rep
            .services
            .iter()
            .filter(|s| !s.spofs.is_empty())
            .map(|s| {
                let ids: Vec<&str> = s.spofs.iter().map(|n| n.id.as_str()).collect();
                format!("{}: {}", s.id, ids.join(", "))
            })
            .collect();
        let code = commit_decided(outs, EXIT_CHECK_FAILED, false);
        note!("redsim: single points of failure found ({})", named.join("; "));
        return Ok(code);
    }
    outs.commit(false)?;
    Ok(EXIT_OK)
}

/// Parses `SERVICE=VALUE` or `SERVICE.KEY=VALUE`.
fn parse_target(model: &crate::model::Model, spec: &str) -> anyhow::Result<analysis::check::Target> {
    use crate::model::printable as p;
    use analysis::check::{Metric, Target};
    // A value from the command line may hold a newline or an ESC: it is
    // escaped here, where the message is built, so it cannot forge a line.
    let shown = p(spec);
    let (name, value) = spec
        .split_once('=')
        .with_context(|| format!("target `{shown}`: write SERVICE=99.95% or SERVICE.KEY=VALUE"))?;
    let metrics = [
        Metric::Availability,
        Metric::MaxDowntimePerYear,
        Metric::MaxOutagesPerYear,
        Metric::MaxPOutageOverRto,
        Metric::NoSpof,
    ];
    let find = |id: &str| model.services.iter().position(|x| x.id == id);
    let (service, metric) = match name.rsplit_once('.') {
        Some((s, k)) if Metric::from_key(k).is_some() => (s, Metric::from_key(k).expect("checked")),
        // `SERVICE.KEY` with a key that is not a target's: say which part is wrong.
        Some((s, k)) if find(name).is_none() && find(s).is_some() => {
            let keys: Vec<&str> = metrics.iter().map(|m| m.key()).collect();
            let close = scenario::suggest(k, keys.iter().copied())
                .map(|c| format!("did you mean `{}.{c}`? ", p(s)))
                .unwrap_or_default();
            anyhow::bail!(
                "target `{shown}`: unknown target key `{}` for service `{}`: {close}\
                 the keys are {}",
                p(k),
                p(s),
                keys.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        _ => (name, Metric::Availability),
    };
    let s = find(service).with_context(|| {
        let ids: Vec<&str> = model.services.iter().map(|x| x.id.as_str()).collect();
        format!(
            "target `{shown}`: no service `{}` (services: {})",
            p(service),
            ids.join(", ")
        )
    })?;
    let value = value.trim();
    let bad = |what: &str| anyhow::anyhow!("target `{shown}`: {what}");
    let goal = match metric {
        Metric::Availability => {
            let v: f64 = match value.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
                None => value.parse(),
            }
            .map_err(|_| bad("availability is a percentage such as 99.95% or a fraction such as 0.9995"))?;
            if !value.ends_with('%') && v > 1.0 && v < 100.0 {
                // 99.99 is a percentage without its sign: no fraction is above 1.
                return Err(bad(&format!(
                    "availability {v} is not a fraction between 0 and 1: did you mean {v}%?",
                    v = p(value)
                )));
            }
            if !(v > 0.0 && v < 1.0) {
                return Err(bad("availability must be strictly between 0 and 100 %"));
            }
            v
        }
        Metric::MaxDowntimePerYear => {
            let d: scenario::units::Duration =
                serde_json::from_value(serde_json::Value::String(value.into()))
                    .map_err(|_| bad("max_downtime_per_year is a duration such as 1h or 30m"))?;
            if d.0 <= 0.0 {
                return Err(bad("max_downtime_per_year must be longer than 0"));
            }
            d.0
        }
        Metric::MaxOutagesPerYear | Metric::MaxPOutageOverRto => {
            let v: f64 = value.parse().map_err(|_| bad("expected a number"))?;
            let ok = v > 0.0 && (metric == Metric::MaxOutagesPerYear || v < 1.0) && v.is_finite();
            if !ok {
                return Err(bad(
                    "out of range: outages > 0, probabilities strictly between 0 and 1",
                ));
            }
            if metric == Metric::MaxPOutageOverRto && model.services[s].rto.is_none() {
                return Err(bad("the service has no `rto` to measure outages against"));
            }
            v
        }
        Metric::NoSpof => match value {
            "true" => 0.0,
            _ => return Err(bad("no_spof takes `true`")),
        },
    };
    Ok(Target {
        service: s,
        metric,
        goal,
    })
}

fn check(args: &CheckArgs) -> anyhow::Result<u8> {
    use analysis::check::{self as chk, Verdict};
    let sc = load_set(&args.file, &args.set)?;
    let m = &sc.model;
    let given = args
        .targets
        .iter()
        .map(|spec| parse_target(m, spec))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let targets = chk::with_command_line(chk::scenario_targets(m), given);
    let req = rare_request(args.rare, args.rare_bias)?;
    if targets.is_empty() {
        anyhow::bail!(
            "{}: no targets: add \"targets\" to a service (e.g. {{\"availability\": \"99.95%\"}}) or pass --target SERVICE=99.95%",
            crate::model::shown_path(&args.file)
        );
    }
    let mut outs = Outputs::new(std::iter::once(args.file.as_path()).chain(args.result.as_deref()));
    let report = outs.stdout("the report");
    let junit = args.junit.as_deref().map(|p| outs.file("--junit", p));
    let html = args.html.as_deref().map(|p| outs.file("--html", p));
    let plot = args.plot.as_deref().map(|d| outs.dir("--plot", d));
    outs.check()?;
    let st = analysis::structure::Structure::new(m);
    let spofs = spofs_for(m, &st, &targets);
    // From a result: one look, at the full confidence, at trials already run.
    let (looks_at, seed, from_result) = match &args.result {
        Some(path) => {
            let (seed, tally) = shard::result_tally(path, &args.file, &sc)?;
            (vec![tally.trials], seed, Some(tally))
        }
        None => (chk::schedule(args.first_trials, args.max_trials), args.seed, None),
    };
    let looks = looks_at.len() as u32;
    let per_look = chk::per_look_confidence(args.confidence, looks);
    let needs_simulation = from_result.is_none() && targets.iter().any(|t| t.metric.simulated());
    let mut tally = from_result.unwrap_or_else(|| engine::Tally::new(m.services.len()));
    // Kept for the convergence plot of the HTML report.
    let mut segments = Vec::new();
    let started = std::time::Instant::now();
    // Past --max-time the batch in flight is given up, and the last look
    // that ended is reported: its trials are on the fixed schedule, so the
    // report stays a pure function of (scenario, seed, trials, options).
    let deadline = args
        .max_time
        .map(|s| started + std::time::Duration::from_secs_f64(s));
    let out_of_time = || deadline.is_some_and(|d| std::time::Instant::now() >= d);
    let mut decisions = Vec::new();
    // The exact values do not change from look to look.
    let exact = analysis::structure::exact_all(m, analysis::structure::RUN_EXACT_WORK).0;
    let mut stopped = "decided";
    let base = RunConfig {
        seed,
        first_trial: 0,
        trials: 0,
        threads: args.threads.map(|t| t as usize),
    };
    let ends = engine::checkpoints(args.max_trials);
    // Under --rare auto, a plain pilot (the start of the first look, kept
    // when the check stays plain) decides, for the services with a
    // simulated target, at the overall confidence (docs/methodology.md).
    let mut rare = None;
    let mut out_of_time_in_pilot = false;
    match req {
        _ if !needs_simulation => {}
        RareRequest::Off => {}
        RareRequest::On(opts) => rare = Some(opts),
        RareRequest::Auto { opts, bias } => {
            let pilot_bar = pilot_progress(args.quiet, looks_at[0]);
            let head =
                analysis::rare::run_pilot(m, &base, looks_at[0], &ends, &|k| pilot_bar.inc(k), &out_of_time)?;
            pilot_bar.finish();
            match head {
                None => out_of_time_in_pilot = true,
                Some(head) => {
                    let mut pilot = engine::Tally::new(m.services.len());
                    head.iter().for_each(|t| pilot.merge(t));
                    let mut services: Vec<usize> = targets
                        .iter()
                        .filter(|t| t.metric.simulated())
                        .map(|t| t.service)
                        .collect();
                    services.sort_unstable();
                    services.dedup();
                    rare = settle_auto(
                        &analysis::rare::choose_reaching(
                            m,
                            &base,
                            &opts,
                            &pilot,
                            &services,
                            looks_at[0],
                            args.confidence,
                        )?,
                        opts,
                        bias,
                        args.quiet,
                    );
                    if rare.is_none() {
                        tally = pilot;
                        segments = head;
                    }
                }
            }
        }
    }
    // The pilot's trials, when kept, are the first look's first.
    let bar = Progress::new(args.quiet || !needs_simulation, looks_at[0]);
    bar.inc(tally.trials);
    for (i, &upto) in looks_at.iter().enumerate() {
        if out_of_time_in_pilot {
            stopped = "max_time";
            break;
        }
        // The pilot may have run the whole first look.
        if needs_simulation && upto > tally.trials {
            let cfg = RunConfig {
                first_trial: tally.trials,
                trials: upto - tally.trials,
                ..base.clone()
            };
            bar.set_length(upto);
            let parts = match &rare {
                Some(opts) => engine::run_rare_until(m, &cfg, opts, &ends, &|k| bar.inc(k), &out_of_time)?,
                None => engine::run_segmented_until(m, &cfg, &ends, &|k| bar.inc(k), &out_of_time)?,
            };
            let Some(parts) = parts else {
                stopped = "max_time";
                break;
            };
            parts.iter().for_each(|part| tally.merge(part));
            // Looks end segments of their own; a pilot that ended inside
            // the first look does not.
            if i == 0 {
                analysis::rare::join_segments(&mut segments, parts, cfg.first_trial, &ends);
            } else {
                segments.extend(parts);
            }
        }
        let summary = analysis::summarize_with(m, &tally, per_look, &exact);
        decisions = chk::decide(m, &targets, &summary, &spofs);
        let open = decisions
            .iter()
            .filter(|d| d.verdict == Verdict::Undecided)
            .count();
        if !needs_simulation || open == 0 {
            break;
        }
        // The first undecided target's estimate: what the next look may settle.
        let estimate = decisions
            .iter()
            .find(|d| d.verdict == Verdict::Undecided)
            .and_then(|d| d.estimate.map(|e| (d, e)))
            .map_or_else(String::new, |(d, e)| {
                let v = |x: f64| match d.metric {
                    chk::Metric::Availability => format!("{:.4} %", 100.0 * x),
                    _ => format!("{x:.4}"),
                };
                format!(
                    " ({}: {} [{}, {}] against {})",
                    d.service,
                    v(e.point),
                    v(e.ci_low),
                    v(e.ci_high),
                    report::goal_text(d.metric, d.goal)
                )
            });
        bar.set_message(format!(
            "look {} of {looks}: {open} of {} targets undecided{estimate}",
            i + 1,
            decisions.len()
        ));
        if i + 1 == looks_at.len() {
            stopped = "max_trials";
        } else if out_of_time() {
            stopped = "max_time";
            break;
        }
    }
    bar.finish();
    if decisions.is_empty() {
        // Out of time before the first look ended: every target is
        // undecided, on no trials.
        decisions = chk::decide(
            m,
            &targets,
            &analysis::summarize_with(m, &tally, per_look, &exact),
            &spofs,
        );
        for d in &mut decisions {
            if d.metric.simulated() {
                d.verdict = Verdict::Undecided;
                d.estimate = None;
                d.reason = None;
            }
        }
    }
    if args.result.is_some() && decisions.iter().any(|d| d.verdict == Verdict::Undecided) {
        stopped = "result";
    }
    let budget = budget_spent(stopped, tally.trials, args);
    for d in decisions.iter_mut().filter(|d| d.verdict == Verdict::Undecided) {
        if let Some(b) = &budget {
            d.reason = Some(match d.reason.take() {
                Some(r) => format!("{r}; {b}"),
                None => b.clone(),
            });
        }
    }
    let prov = provenance(&args.file, &sc);
    let rep = report::CheckReport {
        format: report::CHECK_FORMAT,
        redsim_version: env!("CARGO_PKG_VERSION"),
        scenario: &prov,
        seed,
        trials: tally.trials,
        method: if rare.is_some() || tally.weighted.is_some() {
            analysis::Method::FailureBiasing
        } else {
            analysis::Method::Plain
        }
        .as_str(),
        confidence: args.confidence,
        confidence_per_look: per_look,
        looks,
        stopped,
        decisions,
    };
    let text = match args.format {
        Format::Table => rep.to_table(),
        Format::Json => rep.to_json(),
    };
    let mut text = text;
    // Workflow commands go with the table; beside JSON, to standard error,
    // which GitHub reads too, so that the JSON stays parseable.
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        match args.format {
            Format::Table => text.push_str(&rep.to_github()),
            Format::Json => note!("{}", rep.to_github().trim_end()),
        }
    }
    outs.put(report, text, "written to");
    if let Some(junit) = junit {
        outs.put(
            junit,
            rep.to_junit(args.undecided == Undecided::Fail),
            "JUnit XML written to",
        );
    }
    if plot.is_some() || html.is_some() {
        // Each service's results at the last look, at the overall confidence.
        let summary = analysis::summarize_with(m, &tally, args.confidence, &exact);
        let simulated = tally.trials >= 2;
        let plots = || {
            let mut plots = if simulated {
                crate::plot::figures::run(m, &summary, &tally, &segments)
            } else {
                Vec::new()
            };
            if segments.is_empty() {
                // Decided from a result: its trials were not run here in order.
                plots.retain(|p| !matches!(p.kind, crate::plot::Kind::Convergence { .. }));
            }
            plots
        };
        put_plots(&mut outs, plot, plots)?;
        if let Some(html) = html {
            let plots = plots();
            let structure = analysis::structure::analyse(m, 3, analysis::structure::EXACT_WORK);
            let page = report::html::check_page(&rep, simulated.then_some(&summary), &structure, &plots)?;
            outs.put(html, page, "HTML report written to");
        }
    }
    let missed = rep.decisions.iter().any(|d| d.verdict == Verdict::Missed);
    let undecided = rep.decisions.iter().any(|d| d.verdict == Verdict::Undecided);
    let code = match (missed, undecided, args.undecided) {
        (true, _, _) | (false, true, Undecided::Fail) => EXIT_CHECK_FAILED,
        (false, true, Undecided::Report) => EXIT_UNDECIDED,
        _ => EXIT_OK,
    };
    Ok(commit_decided(
        outs,
        code,
        args.quiet || args.format == Format::Json,
    ))
}

/// A count with its thousands separated: 1,024,000.
fn thousands(n: u64) -> String {
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

/// The budget that ran out before every target was decided, in words, with
/// the flag that raises it (`stopped` as in the check report).
fn budget_spent(stopped: &str, trials: u64, args: &CheckArgs) -> Option<String> {
    let n = thousands(trials);
    match stopped {
        "max_trials" => Some(format!(
            "undecided after {n} trials (the --max-trials budget): raise --max-trials (e.g. --max-trials {})",
            args.max_trials.saturating_mul(4)
        )),
        "max_time" => Some(format!(
            "undecided after {n} trials (the --max-time budget of {} s ran out first): raise --max-time",
            args.max_time.unwrap_or_default()
        )),
        "result" => Some(format!(
            "undecided on the {n} trials of the result file: merge shards of a run with more trials (--trials)"
        )),
        _ => None,
    }
}

/// Settles `--rare` for a command that simulates several models on the
/// same trials (compare's designs, sweep's points): under `auto` each
/// model's plain pilot is run, and all are biased when one of them
/// projects too few outages (a comparison or sweep has one method).
fn rare_over_models(
    req: RareRequest,
    models: impl Iterator<Item = anyhow::Result<crate::model::Model>>,
    sim: &SimOptions,
    quiet: bool,
) -> anyhow::Result<Option<engine::RareOptions>> {
    let (opts, bias) = match req {
        RareRequest::Off => return Ok(None),
        RareRequest::On(opts) => return Ok(Some(opts)),
        RareRequest::Auto { opts, bias } => (opts, bias),
    };
    let never = || false;
    let cfg = sim.config();
    let mut chosen: Option<analysis::rare::Auto> = None;
    for m in models {
        let m = m?;
        let pilot = analysis::rare::run_pilot(&m, &cfg, sim.trials, &[], &|_| {}, &never)?
            .expect("a run that is never stopped ends");
        let all: Vec<usize> = (0..m.services.len()).collect();
        let auto =
            analysis::rare::choose_reaching(&m, &cfg, &opts, &pilot[0], &all, sim.trials, sim.confidence)?;
        let stop = auto.bias;
        if stop || chosen.as_ref().is_none_or(|c| auto.few && !c.few) {
            chosen = Some(auto);
        }
        if stop {
            break;
        }
    }
    let settled = chosen.and_then(|auto| settle_auto(&auto, opts, None, quiet));
    if settled.is_none() {
        note_unused_bias(bias, quiet);
    }
    Ok(settled)
}

fn compare(args: &CompareArgs) -> anyhow::Result<u8> {
    let req = rare_request(args.rare, args.rare_bias)?;
    let scs: Vec<scenario::Scenario> = args
        .files
        .iter()
        .map(|f| load(f))
        .collect::<anyhow::Result<_>>()?;
    let rare = rare_over_models(
        req,
        scs.iter().map(|s| Ok(s.model.clone())),
        &args.sim,
        args.quiet,
    )?;
    let models: Vec<&crate::model::Model> = scs.iter().map(|s| &s.model).collect();
    let shared = analysis::compare::shared_services(&models);
    if shared.is_empty() {
        anyhow::bail!("the designs share no service id: there is nothing to compare");
    }
    let matched: Vec<Vec<usize>> = shared.into_iter().map(|(_, idx)| idx).collect();
    if let Some(spec) = args.shard {
        return shard::compare(args, &scs, &matched, spec, rare.as_ref());
    }
    let mut outs = Outputs::new(args.files.iter().map(PathBuf::as_path));
    let slots = RunSlots::plan(&mut outs, &args.out);
    outs.check()?;
    let tally = compare_tally(&models, &matched, &args.sim.config(), rare.as_ref(), args.quiet)?;
    let pilots = design_pilots(&models, &tally, &args.sim)?;
    let provs: Vec<Provenance> = args
        .files
        .iter()
        .zip(&scs)
        .map(|(f, sc)| provenance(f, sc))
        .collect();
    let result = CompareResult {
        designs: &provs,
        models: &models,
        seed: args.sim.seed,
        tally: &tally,
        pilots: &pilots,
        confidence: args.sim.confidence,
        rare: rare.is_some(),
    };
    report_compare(&result, args.out.format, &mut outs, &slots)?;
    outs.commit(args.quiet)?;
    Ok(EXIT_OK)
}

/// Simulates the designs of a comparison over the trials of `cfg`: paired
/// on common random numbers, or under failure biasing (`rare`) as
/// independent runs.
fn compare_tally(
    models: &[&crate::model::Model],
    matched: &[Vec<usize>],
    cfg: &RunConfig,
    rare: Option<&engine::RareOptions>,
    quiet: bool,
) -> anyhow::Result<analysis::compare::CompareTally> {
    use analysis::compare::CompareTally;
    let designs = if rare.is_some() { models.len() as u64 } else { 1 };
    let bar = Progress::new(quiet, cfg.trials.saturating_mul(designs));
    let tally = match rare {
        None => CompareTally::Paired(engine::run_paired(models, matched, cfg, &|k| bar.inc(k))?),
        Some(opts) => {
            CompareTally::Independent(engine::run_rare_independent(models, cfg, opts, &|k| bar.inc(k))?)
        }
    };
    bar.finish();
    Ok(tally)
}

/// Under failure biasing, each design's plain pilot where its trials saw no
/// outage of a service (trials `0 .. pilot_trials(T)` of the whole
/// comparison `sim`, on the design's own seed, as `run_rare_independent`
/// runs it): what `run --rare on` reports that service from.
fn design_pilots(
    models: &[&crate::model::Model],
    tally: &analysis::compare::CompareTally,
    sim: &SimOptions,
) -> anyhow::Result<Vec<Option<engine::Tally>>> {
    let analysis::compare::CompareTally::Independent(tallies) = tally else {
        return Ok(Vec::new());
    };
    let mut pilots = Vec::new();
    for (d, (m, t)) in models.iter().zip(tallies).enumerate() {
        let cfg = RunConfig {
            seed: engine::rng::design_seed(sim.seed, d),
            ..sim.config()
        };
        pilots.push(analysis::rare::unseen_pilot_for(m, t, &cfg, sim.trials)?);
    }
    Ok(pilots)
}

/// The swept parameters of `--set PATH=v1,v2,...`, in order.
fn sweep_parameters(specs: &[String]) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    for spec in specs {
        let (path, values) = spec
            .split_once('=')
            .with_context(|| format!("--set `{}`: write PATH=v1,v2,...", crate::model::printable(spec)))?;
        let values = split_values(values);
        if values.iter().any(String::is_empty) {
            anyhow::bail!("--set `{}`: an empty value", crate::model::printable(spec));
        }
        // A path given twice is reported by `scenario::grid` with the grid's other problems.
        params.push((path.to_string(), values));
    }
    Ok(params)
}

fn sweep(args: &SweepArgs) -> anyhow::Result<u8> {
    let req = rare_request(args.rare, args.rare_bias)?;
    let params = sweep_parameters(&args.set)?;
    // The grid's size is checked before anything else is read or made.
    let grid = scenario::grid(&params)?;
    let base = load(&args.file)?;
    let rare = rare_over_models(
        req,
        grid.iter()
            .map(|set| Ok(scenario::from_source(&args.file, base.source.clone(), set)?.model)),
        &args.sim,
        args.quiet,
    )?;
    let part = args.shard.map(shard::resolve).transpose()?;
    let mut outs = Outputs::new([args.file.as_path()]);
    // The outputs are planned and checked before the grid is simulated.
    let run_points = |outs: &mut Outputs, cfg: &RunConfig| -> anyhow::Result<Vec<crate::shard::SweepPoint>> {
        outs.check()?;
        let bar = Progress::new(args.quiet, cfg.trials.saturating_mul(grid.len() as u64));
        let mut points = Vec::new();
        for (k, set) in grid.iter().cloned().enumerate() {
            bar.set_message(format!("point {} of {}", k + 1, grid.len()));
            let sc = scenario::from_source(&args.file, base.source.clone(), &set)?;
            let tally = match &rare {
                None => engine::run(&sc.model, cfg, &|k| bar.inc(k))?,
                Some(opts) => engine::run_rare(&sc.model, cfg, opts, &[], &|k| bar.inc(k))?
                    .pop()
                    .expect("one segment"),
            };
            // The point's plain pilot is of the whole sweep's trials, whatever the shard.
            let pilot =
                analysis::rare::unseen_pilot_for(&sc.model, &tally, &args.sim.config(), args.sim.trials)?;
            points.push(crate::shard::SweepPoint {
                set,
                model: sc.model,
                tally,
                pilot,
            });
        }
        bar.finish();
        Ok(points)
    };
    if let Some(part) = part {
        let kind = crate::shard::Kind::Sweep;
        let slot = shard::plan(&mut outs, args.out.output.as_deref(), &args.file, kind, part);
        let points = run_points(&mut outs, &shard::config(&args.sim, part))?;
        let data = crate::shard::Data::Sweep {
            parameters: params.clone(),
            points,
        };
        shard::put(
            &mut outs,
            slot,
            &args.sim,
            rare.as_ref(),
            part,
            vec![(&args.file, &base)],
            data,
        );
        outs.commit(args.quiet)?;
        return Ok(EXIT_OK);
    }
    let slots = RunSlots::plan(&mut outs, &args.out);
    let points = run_points(&mut outs, &args.sim.config())?;
    let prov = provenance(&args.file, &base);
    let result = SweepResult {
        provenance: &prov,
        seed: args.sim.seed,
        trials: args.sim.trials,
        parameters: &params,
        points: &points,
        confidence: args.sim.confidence,
        rare: rare.is_some(),
    };
    report_sweep(&result, args.out.format, &mut outs, &slots)?;
    outs.commit(args.quiet)?;
    Ok(EXIT_OK)
}

fn graph(args: &GraphArgs) -> anyhow::Result<u8> {
    let sc = load(&args.file)?;
    let mut outs = Outputs::new([args.file.as_path()]);
    let out = report_out(&mut outs, args.output.as_deref());
    outs.check()?;
    let m = &sc.model;
    let st = analysis::structure::Structure::new(m);
    let mut spofs = vec![false; m.elements.len()];
    st.spofs_all().into_iter().flatten().for_each(|e| spofs[e] = true);
    let dot = report::to_dot(m, &spofs);
    let format = args
        .output
        .as_deref()
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match (format.as_deref(), args.output.as_deref()) {
        (Some("svg" | "png" | "pdf"), Some(path)) => {
            let kind = format.as_deref().unwrap_or("svg");
            let rendered = render(&dot, kind)
                .with_context(|| format!("cannot render {}", crate::model::shown_path(path)))?;
            outs.put(out, rendered, "written to");
        }
        (Some("dot" | "gv") | None, _) => outs.put(out, dot, "written to"),
        (Some(other), _) => anyhow::bail!(
            "cannot tell what to write from the extension `.{other}`: use .dot or .gv (DOT text), or .svg, .png or .pdf (rendered by Graphviz)"
        ),
    }
    outs.commit(false)?;
    Ok(EXIT_OK)
}

/// Renders DOT text with Graphviz `dot -T<kind>`.
fn render(dot: &str, kind: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut child = match std::process::Command::new("dot")
        .arg(format!("-T{kind}"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "Graphviz `dot` is not installed (or not on PATH): install Graphviz, or write DOT text with `-o FILE.dot` and render it elsewhere"
        ),
        Err(e) => return Err(e).context("cannot run Graphviz `dot`"),
    };
    // `dot` may stop reading early (an unknown format, say): its own message
    // then says more than the broken pipe.
    let sent = child.stdin.take().expect("piped").write_all(dot.as_bytes());
    let out = child.wait_with_output().context("`dot` did not finish")?;
    if !out.status.success() {
        anyhow::bail!("`dot` failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    sent.context("cannot send the graph to `dot`")?;
    Ok(out.stdout)
}

fn exact(args: &ExactArgs) -> anyhow::Result<u8> {
    let sc = load(&args.file)?;
    let (exact, _) = analysis::structure::exact_all(&sc.model, analysis::structure::EXACT_WORK);
    let rows: Vec<(String, analysis::structure::Exact)> = sc
        .model
        .services
        .iter()
        .map(|svc| svc.id.clone())
        .zip(exact)
        .collect();
    let text = match args.format {
        Format::Json => {
            let services: Vec<serde_json::Value> = rows
                .iter()
                .map(|(id, e)| serde_json::json!({"id": id, "exact": e}))
                .collect();
            let doc = serde_json::json!({"format": "redsim-exact/1", "scenario": provenance(&args.file, &sc),
                "services": services});
            crate::model::json_escaped(serde_json::to_string_pretty(&doc)?) + "\n"
        }
        Format::Table => {
            let mut text = String::new();
            for (id, e) in &rows {
                let line = match e {
                    analysis::structure::Exact::Solved(x) => format!(
                        "{id}: availability {:.12}, unavailability {:.6e}, {} downtime per year",
                        x.availability,
                        x.unavailability,
                        report::hours(x.downtime_hours_per_year)
                    ),
                    other => format!("{id}: {}", other.explanation().unwrap_or_default()),
                };
                text.push_str(&line);
                text.push('\n');
            }
            text
        }
    };
    output::stdout(text.as_bytes())?;
    Ok(EXIT_OK)
}

fn run(args: &RunArgs) -> anyhow::Result<u8> {
    let req = rare_request(args.rare, args.rare_bias)?;
    let sc = load_set(&args.file, &args.set)?;
    let m = &sc.model;
    let all: Vec<usize> = (0..m.services.len()).collect();
    let never = || false;
    if let Some(spec) = args.shard {
        if args.precision.is_some() {
            anyhow::bail!(
                "--precision cannot be used with --shard: it decides the number of trials as it goes, \
                 which shards run apart cannot agree on; give the total with --trials"
            );
        }
        // The pilot is the same trials for every shard, so every shard
        // of a run makes the same choice.
        let rare = match req {
            RareRequest::Off => None,
            RareRequest::On(opts) => Some(opts),
            RareRequest::Auto { opts, bias } => {
                let cfg = args.sim.config();
                let pilot = analysis::rare::run_pilot(m, &cfg, args.sim.trials, &[], &|_| {}, &never)?
                    .expect("a run that is never stopped ends");
                settle_auto(
                    &analysis::rare::choose_reaching(
                        m,
                        &cfg,
                        &opts,
                        &pilot[0],
                        &all,
                        args.sim.trials,
                        args.sim.confidence,
                    )?,
                    opts,
                    bias,
                    args.quiet,
                )
            }
        };
        return shard::run(args, &sc, spec, rare.as_ref());
    }
    let mut outs = Outputs::new([args.file.as_path()]);
    let slots = RunSlots::plan(&mut outs, &args.out);
    outs.check()?;
    let cfg = args.sim.config();
    // Segments end at the checkpoints of the run's trials, or, when they
    // double until a precision is reached, of --max-trials (and at each
    // batch's end).
    let ends = engine::checkpoints(match args.precision {
        Some(_) => args.max_trials,
        None => args.sim.trials,
    });
    let started = std::time::Instant::now();
    // Under --rare auto the pilot is the start of the plain run: kept when
    // the run stays plain, and kept aside when it is biased, for the
    // services the biased trials may not see down.
    let mut kept_pilot: Option<Vec<engine::Tally>> = None;
    let (rare, head) = match req {
        RareRequest::Off => (None, Vec::new()),
        RareRequest::On(opts) => (Some(opts), Vec::new()),
        RareRequest::Auto { opts, bias } => {
            let pilot_bar = pilot_progress(args.quiet, args.sim.trials);
            let head =
                analysis::rare::run_pilot(m, &cfg, args.sim.trials, &ends, &|k| pilot_bar.inc(k), &never)?
                    .expect("a run that is never stopped ends");
            pilot_bar.finish();
            let mut pilot = engine::Tally::new(m.services.len());
            head.iter().for_each(|t| pilot.merge(t));
            let chosen = settle_auto(
                &analysis::rare::choose_reaching(
                    m,
                    &cfg,
                    &opts,
                    &pilot,
                    &all,
                    args.sim.trials,
                    args.sim.confidence,
                )?,
                opts,
                bias,
                args.quiet,
            );
            match chosen {
                Some(opts) => {
                    kept_pilot = Some(head);
                    (Some(opts), Vec::new())
                }
                None => (None, head),
            }
        }
    };
    let done: u64 = head.iter().map(|t| t.trials).sum();
    if !args.quiet {
        note!(
            "redsim: {} trials{}{}, seed {} (--seed to change), generator {}",
            args.sim.trials,
            if rare.is_some() {
                " with failure biasing"
            } else {
                ""
            },
            if args.precision.is_some() {
                " first, doubling until the precision is reached"
            } else {
                ""
            },
            args.sim.seed,
            engine::rng::GENERATOR
        );
    }
    let bar = Progress::new(args.quiet, args.sim.trials);
    bar.inc(done);
    let segments = match args.precision {
        None if rare.is_some() => {
            engine::run_rare(m, &cfg, rare.as_ref().expect("checked"), &ends, &|k| bar.inc(k))?
        }
        None => {
            let mut segments = head;
            if done < args.sim.trials {
                let rest = RunConfig {
                    first_trial: done,
                    trials: args.sim.trials - done,
                    ..cfg.clone()
                };
                let more = engine::run_segmented(m, &rest, &ends, &|k| bar.inc(k))?;
                analysis::rare::join_segments(&mut segments, more, done, &ends);
            }
            segments
        }
        Some(p) => {
            // Batches double until the precision is reached; trials are
            // numbered across batches, so the result is that of one run.
            // The total is not known in advance: segments end at the
            // checkpoints of --max-trials and at each batch's end.
            let mut segments = head;
            let mut tally = engine::Tally::new(m.services.len());
            segments.iter().for_each(|t| tally.merge(t));
            // The exact values do not change from batch to batch.
            let exact = analysis::structure::exact_all(m, analysis::structure::RUN_EXACT_WORK).0;
            for upto in analysis::check::schedule(args.sim.trials, args.max_trials) {
                bar.set_length(upto);
                let batch = RunConfig {
                    first_trial: tally.trials,
                    trials: upto - tally.trials,
                    ..cfg.clone()
                };
                let at = tally.trials;
                // The pilot may have run the whole first batch.
                if batch.trials > 0 {
                    let more = match &rare {
                        Some(opts) => engine::run_rare(m, &batch, opts, &ends, &|k| bar.inc(k))?,
                        None => engine::run_segmented(m, &batch, &ends, &|k| bar.inc(k))?,
                    };
                    more.iter().for_each(|t| tally.merge(t));
                    // Batches end segments of their own; a pilot that
                    // ended inside the first batch does not.
                    if at == done && done < args.sim.trials {
                        analysis::rare::join_segments(&mut segments, more, at, &ends);
                    } else {
                        segments.extend(more);
                    }
                }
                if precise_enough(
                    m,
                    &analysis::summarize_with(m, &tally, args.sim.confidence, &exact),
                    p,
                ) {
                    break;
                }
            }
            if !args.quiet {
                let done = precise_enough(
                    m,
                    &analysis::summarize_with(m, &tally, args.sim.confidence, &exact),
                    p,
                );
                note!(
                    "redsim: precision {} % {} after {} trials",
                    p * 100.0,
                    if done {
                        "reached"
                    } else {
                        "not reached (--max-trials)"
                    },
                    tally.trials
                );
            }
            segments
        }
    };
    bar.finish();
    if !args.quiet {
        speed_note(&segments, started);
    }
    let mut tally = engine::Tally::new(m.services.len());
    segments.iter().for_each(|t| tally.merge(t));
    // Auto's pilot is the one needed when it ran the same trials, split
    // at the same checkpoints (not under --precision, whose total was not
    // known in advance).
    let pilot = if analysis::rare::needs_pilot(&tally) {
        match kept_pilot {
            Some(pilot) if args.precision.is_none() => Some(pilot),
            _ => Some(analysis::rare::run_unseen_pilot(m, &cfg, tally.trials)?),
        }
    } else {
        None
    };
    let prov = provenance(&args.file, &sc);
    let result = RunResult {
        model: m,
        provenance: &prov,
        seed: args.sim.seed,
        segments: &segments,
        pilot: pilot.as_deref(),
        confidence: args.sim.confidence,
    };
    report_run(&result, args.out.format, &mut outs, &slots)?;
    outs.commit(args.quiet)?;
    Ok(EXIT_OK)
}

/// Says on standard error how fast the segments' events were simulated.
fn speed_note(segments: &[engine::Tally], started: std::time::Instant) {
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
fn report_run(
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
fn report_compare(
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
fn method(rare: bool) -> analysis::Method {
    if rare {
        analysis::Method::FailureBiasing
    } else {
        analysis::Method::Plain
    }
}

/// The method's name in reports.
fn method_of(rare: bool) -> &'static str {
    method(rare).as_str()
}

/// Writes the report of a finished sweep, for `sweep` and `merge` alike.
fn report_sweep(
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
