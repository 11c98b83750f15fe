//! `redsim trace`: every event of one trial.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::engine::{self, DEFAULT_SEED};
use crate::report::{self};

use super::EXIT_OK;
use super::common::{load_set, provenance, put_plots, report_out};
use super::options::{Changes, parse_index};
use super::output::Outputs;

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
    #[command(flatten)]
    pub changes: Changes,
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

pub(super) fn trace(args: &TraceArgs) -> anyhow::Result<u8> {
    let sc = load_set(&args.file, &args.changes.set)?;
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
