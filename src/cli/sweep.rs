//! `redsim sweep`: a scenario over a grid of `--set` changes.

use std::path::PathBuf;

use anyhow::Context;

use crate::analysis;
use crate::engine::{self, RunConfig};
use crate::scenario::{self};
use crate::shard::PartSpec;

use super::common::{RunSlots, SweepResult, load, provenance, report_sweep};
use super::options::{RunFlags, RunOutput, SimOptions};
use super::output::Outputs;
use super::progress::Progress;
use super::rare::{rare_over_models, rare_request};
use super::{EXIT_OK, shard};

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
    #[command(flatten)]
    pub flags: RunFlags,
    /// Run only shard K of N (0-based) of the trials, at every point of the
    /// grid, and write a shard file for `redsim merge`; `auto/N` as for `run`.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["format", "plot", "html"])]
    pub shard: Option<PartSpec>,
}

/// Splits `v1,v2,...` on the commas outside braces, brackets and quotes.
pub(super) fn split_values(s: &str) -> Vec<String> {
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

/// The swept parameters of `--set PATH=v1,v2,...`, in order.
pub(super) fn sweep_parameters(specs: &[String]) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let mut params: Vec<(String, Vec<String>)> = Vec::new();
    for spec in specs {
        let (path, values) = scenario::split_spec(spec)
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

pub(super) fn sweep(args: &SweepArgs) -> anyhow::Result<u8> {
    let req = rare_request(args.flags.rare, args.flags.rare_bias)?;
    let params = sweep_parameters(&args.set)?;
    // The grid's size is checked before anything else is read or made.
    let grid = scenario::grid(&params)?;
    let base = load(&args.file)?;
    let rare = rare_over_models(
        req,
        grid.iter()
            .map(|set| Ok(scenario::from_source(&args.file, base.source.clone(), set)?.model)),
        &args.sim,
        args.flags.quiet,
    )?;
    let part = args.shard.map(shard::resolve).transpose()?;
    let mut outs = Outputs::new([args.file.as_path()]);
    // The outputs are planned and checked before the grid is simulated.
    let run_points = |outs: &mut Outputs, cfg: &RunConfig| -> anyhow::Result<Vec<crate::shard::SweepPoint>> {
        outs.check()?;
        let bar = Progress::new(args.flags.quiet, cfg.trials.saturating_mul(grid.len() as u64));
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
        outs.commit(args.flags.quiet)?;
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
    outs.commit(args.flags.quiet)?;
    Ok(EXIT_OK)
}
