//! `redsim compare`: designs on common random numbers.

use std::path::PathBuf;

use crate::analysis;
use crate::engine::{self, RunConfig};
use crate::report::Provenance;
use crate::scenario::{self};
use crate::shard::PartSpec;

use super::common::{CompareResult, RunSlots, load, provenance, report_compare};
use super::options::{Rare, RunOutput, SimOptions, parse_p_bias};
use super::output::Outputs;
use super::progress::Progress;
use super::rare::{rare_over_models, rare_request};
use super::{EXIT_OK, shard};

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

pub(super) fn compare(args: &CompareArgs) -> anyhow::Result<u8> {
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
pub(super) fn compare_tally(
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
pub(super) fn design_pilots(
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
