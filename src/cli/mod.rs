//! The command-line interface: the top-level command enum and its dispatch.
//! Each command lives in its own file with its argument struct; argument
//! groups shared by several commands are in `options.rs`. Nothing in the
//! library depends on this module.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::scenario;

/// Says something on standard error; a closed or full standard error is
/// ignored (the note is lost, the command goes on).
macro_rules! note {
    ($($t:tt)*) => {
        $crate::cli::note(format_args!($($t)*))
    };
}

mod check;
mod common;
mod compare;
mod exact;
mod graph;
mod merge;
mod options;
mod output;
mod progress;
mod rare;
mod report;
mod run;
mod shard;
mod spof;
mod sweep;
mod trace;
mod validate;

pub use check::{CheckArgs, Undecided};
pub use compare::CompareArgs;
pub use exact::ExactArgs;
pub use graph::GraphArgs;
pub use merge::MergeArgs;
pub use options::{Changes, Format, Rare, RunFlags, RunOutput, SimOptions};
pub use report::ReportArgs;
pub use run::RunArgs;
pub use spof::SpofArgs;
pub use sweep::SweepArgs;
pub use trace::{TraceArgs, TraceFormat};
pub use validate::ValidateArgs;

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
    Validate(ValidateArgs),
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

/// Exit code: `check` could not decide every target within its budget.
pub const EXIT_UNDECIDED: u8 = 3;

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
        Command::Run(args) => run::run(&args),
        Command::Validate(args) => validate::validate(&args),
        Command::Trace(args) => trace::trace(&args),
        Command::Check(args) => check::check(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Spof(args) => spof::spof(&args),
        Command::Exact(args) => exact::exact(&args),
        Command::Graph(args) => graph::graph(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Report(args) => report::report(&args),
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
