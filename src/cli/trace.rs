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
    /// Which trial (0-based): the same trial as in a plain `redsim run --rare off` with the same seed.
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
    /// With --plot: draw the timeline from this time in the mission on
    /// (hours, or a duration such as 3d or 4380h).
    #[arg(long, value_name = "TIME", value_parser = parse_hours, requires = "plot")]
    pub from: Option<f64>,
    /// With --plot: draw the timeline up to this time in the mission.
    #[arg(long, value_name = "TIME", value_parser = parse_hours, requires = "plot")]
    pub to: Option<f64>,
    /// With --first-outage: how many trials to search.
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = parse_index, requires = "first_outage")]
    pub within: u64,
}

pub(super) fn trace(args: &TraceArgs) -> anyhow::Result<u8> {
    let sc = load_set(&args.file, &args.changes.set)?;
    let mut outs = Outputs::new([args.file.as_path()]);
    let report = report_out(&mut outs, args.output.as_deref());
    let plot = args.plot.as_deref().map(|d| outs.dir("--plot", d));
    let mission = sc.model.mission;
    let (from, to) = (args.from.unwrap_or(0.0), args.to.unwrap_or(mission));
    if from >= to || from >= mission {
        anyhow::bail!(
            "--from {from} h --to {to} h: the window must start before it ends and within the {mission} h mission"
        );
    }
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
        vec![crate::plot::figures::timeline_between(
            &sc.model, &events, trial, from, to,
        )]
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
    // An empty search, or one whose last trial index would pass u64::MAX,
    // is a usage error rather than a search that silently finds nothing.
    if args.within == 0 {
        anyhow::bail!("--within 0: give the number of trials to search, at least 1");
    }
    let last = args.trial.checked_add(args.within - 1).ok_or_else(|| {
        anyhow::anyhow!(
            "--trial {} --within {}: the search would run past the last trial index ({}); \
             give a smaller --trial or --within",
            args.trial,
            args.within,
            u64::MAX
        )
    })?;
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

/// A time in the mission [h]: hours as a number (`4380`) or a duration (`3d`, `90m`).
fn parse_hours(s: &str) -> Result<f64, String> {
    let h = match s.trim().parse::<f64>() {
        Ok(v) => v,
        Err(_) => {
            serde_json::from_value::<crate::scenario::units::Duration>(serde_json::Value::String(
                s.trim().into(),
            ))
            .map_err(|_| {
                format!(
                    "`{}` is not a time: write hours (e.g. 4380) or a duration such as 90m, 3d or 26w",
                    crate::model::printable(s)
                )
            })?
            .0
        }
    };
    if h.is_finite() && h >= 0.0 {
        Ok(h)
    } else {
        Err(format!(
            "`{}`: the time must be 0 or more",
            crate::model::printable(s)
        ))
    }
}
