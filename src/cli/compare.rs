//! `redsim compare`: designs on common random numbers.

use std::path::PathBuf;

use crate::analysis;
use crate::engine::{self, RunConfig};
use crate::report::Provenance;
use crate::scenario::{self};
use crate::shard::PartSpec;

use super::common::{CompareResult, RunSlots, load_set, provenance, report_compare};
use super::options::{RunFlags, RunOutput, SimOptions};
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
    #[command(flatten)]
    pub flags: RunFlags,
    /// Change the designs without editing their files: `PATH=VALUE` changes
    /// every design, `B:PATH=VALUE` design B alone (the designs are lettered
    /// A, B, C, ... in the order of the files, as the report labels them).
    /// Paths as for `run --set`; a colon anywhere else is part of the path
    /// (repeatable, applied in order; the report records each design's).
    #[arg(long = "set", value_name = "[DESIGN:]PATH=VALUE")]
    pub set: Vec<String>,
    /// Run only shard K of N (0-based) of the trials, on every design, and
    /// write a shard file for `redsim merge`; `auto/N` reads K from
    /// SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["format", "plot", "html"])]
    pub shard: Option<PartSpec>,
}

pub(super) fn compare(args: &CompareArgs) -> anyhow::Result<u8> {
    let req = rare_request(args.flags.rare, args.flags.rare_bias)?;
    let scs = load_designs(&args.files, &args.set)?;
    let rare = rare_over_models(
        req,
        scs.iter().map(|s| Ok(s.model.clone())),
        &args.sim,
        args.flags.quiet,
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
    let tally = compare_tally(
        &models,
        &matched,
        &args.sim.config(),
        rare.as_ref(),
        args.flags.quiet,
    )?;
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
    outs.commit(args.flags.quiet)?;
    Ok(EXIT_OK)
}

/// Each design's `--set` changes, in the order given: `PATH=VALUE` goes to
/// every design, `B:PATH=VALUE` to design B alone (its letter as
/// [`analysis::compare::design_tag`] gives it). A prefix of capital letters
/// before the first `:` is a design's letter; top-level keys are lower case,
/// so a path never starts that way, and a colon anywhere else (in an id)
/// is part of the path.
///
/// # Errors
/// Every `--set` naming a design that is not there, or a design's letter in
/// lower case, at once.
pub(super) fn design_changes(specs: &[String], files: &[PathBuf]) -> anyhow::Result<Vec<Vec<String>>> {
    use crate::model::{printable, shown_path};
    let tags: Vec<String> = (0..files.len()).map(analysis::compare::design_tag).collect();
    let mut changes = vec![Vec::new(); files.len()];
    let mut problems = Vec::new();
    for spec in specs {
        let design = spec
            .split_once(':')
            .filter(|(d, _)| !d.is_empty() && d.chars().all(|c| c.is_ascii_alphabetic()));
        match design {
            Some((d, change)) if d.chars().all(|c| c.is_ascii_uppercase()) => {
                match tags.iter().position(|t| t == d) {
                    Some(i) => changes[i].push(change.to_string()),
                    None => {
                        let named: Vec<String> = tags
                            .iter()
                            .zip(files)
                            .map(|(t, f)| format!("{t} ({})", shown_path(f)))
                            .collect();
                        problems.push(format!(
                            "--set {}: there is no design {d}: the designs are {}",
                            printable(spec),
                            named.join(", ")
                        ));
                    }
                }
            }
            Some((d, change)) if tags.contains(&d.to_ascii_uppercase()) => problems.push(format!(
                "--set {}: design letters are capitals, as the report shows them: write {}:{}",
                printable(spec),
                d.to_ascii_uppercase(),
                printable(change)
            )),
            _ => changes.iter_mut().for_each(|c| c.push(spec.clone())),
        }
    }
    if !problems.is_empty() {
        anyhow::bail!("{}", problems.join("\n"));
    }
    Ok(changes)
}

/// Loads every design with its `--set` changes ([`design_changes`]); the
/// problems of every design are told at once.
pub(super) fn load_designs(files: &[PathBuf], specs: &[String]) -> anyhow::Result<Vec<scenario::Scenario>> {
    let changes = design_changes(specs, files)?;
    let mut scs = Vec::new();
    let mut problems = Vec::new();
    for (f, sets) in files.iter().zip(&changes) {
        match load_set(f, sets) {
            Ok(sc) => scs.push(sc),
            Err(e) => problems.push(format!("{e:#}")),
        }
    }
    if !problems.is_empty() {
        anyhow::bail!("{}", problems.join("\n"));
    }
    Ok(scs)
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
