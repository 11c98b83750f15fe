//! `redsim trace`: every event of one trial.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::engine::{self, DEFAULT_SEED};
use crate::report::{self};

use super::EXIT_OK;
use super::common::{load, provenance, put_plots, report_out};
use super::options::parse_index;
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
    /// Trace the first trial, from --trial on, with an outage (of --service,
    /// or of any service), as `redsim run` counts outages.
    #[arg(long)]
    pub first_outage: bool,
    /// With --first-outage: the service whose outage to look for.
    #[arg(long, value_name = "ID", requires = "first_outage")]
    pub service: Option<String>,
    /// With --first-outage: how many trials to search.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = parse_index, requires = "first_outage")]
    pub within: u64,
}

pub(super) fn trace(args: &TraceArgs) -> anyhow::Result<u8> {
    let sc = load(&args.file)?;
    let mut outs = Outputs::new([args.file.as_path()]);
    let report = report_out(&mut outs, args.output.as_deref());
    let plot = args.plot.as_deref().map(|d| outs.dir("--plot", d));
    outs.check()?;
    let mut trial = args.trial;
    let mut found = None;
    if args.first_outage {
        let Some(k) = first_outage(&sc.model, args)? else {
            return Ok(EXIT_OK);
        };
        trial = k;
        found = Some(report::FirstOutage {
            service: args.service.as_deref(),
            from: args.trial,
        });
    }
    let events = engine::trace(&sc.model, args.seed, trial)?;
    let prov = provenance(&args.file, &sc);
    let rep = report::TraceReport::new(&sc.model, &prov, args.seed, trial, &events).found_by(found);
    let text = match args.format {
        TraceFormat::Text => rep.to_text(),
        TraceFormat::Json => rep.to_json(),
    };
    outs.put(report, text, "written to");
    put_plots(&mut outs, plot, || {
        vec![crate::plot::figures::timeline(&sc.model, &events, trial)]
    })?;
    outs.commit(false)?;
    Ok(EXIT_OK)
}

/// `--first-outage`: the trial to trace, or `None` (said on standard error)
/// when no trial searched has an outage.
fn first_outage(model: &crate::model::Model, args: &TraceArgs) -> anyhow::Result<Option<u64>> {
    let service = match &args.service {
        None => None,
        Some(id) => Some(model.services.iter().position(|s| s.id == *id).ok_or_else(|| {
            let ids: Vec<&str> = model.services.iter().map(|s| s.id.as_str()).collect();
            anyhow::anyhow!(
                "--service: no service `{}` in the scenario (services: {})",
                crate::model::printable(id),
                ids.join(", ")
            )
        })?),
    };
    let what = match &args.service {
        Some(id) => format!("service `{}`", crate::model::printable(id)),
        None => "any service".to_string(),
    };
    let last = args.trial.saturating_add(args.within).saturating_sub(1);
    match engine::first_outage(model, args.seed, args.trial, args.within, service)? {
        Some(k) => {
            note!(
                "redsim: trial {k} is the first of trials {}..={last} (seed {}) with an outage of {what}",
                args.trial,
                args.seed
            );
            Ok(Some(k))
        }
        None => {
            note!(
                "redsim: no outage of {what} in trials {}..={last} (seed {}, {} trials searched): \
                 search more with --within N (now {}), or further on with --trial K",
                args.trial,
                args.seed,
                super::common::thousands(args.within),
                args.within
            );
            Ok(None)
        }
    }
}
