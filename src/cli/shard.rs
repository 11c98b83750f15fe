//! Sharded runs on the command line: `--shard K/N` on `run`, `sweep` and
//! `compare`, and the reports of shard and result files for `merge` and `report`.

use std::path::{Path, PathBuf};

use super::EXIT_OK;
use super::common::{
    CompareResult, RunResult, RunSlots, SweepResult, report_compare, report_run, report_sweep, speed_note,
};
use super::compare::{CompareArgs, compare_tally, design_pilots};
use super::options::{Format, SimOptions};
use super::output::{Out, Outputs};
use super::progress::Progress;
use super::run::RunArgs;
use crate::analysis;
use crate::engine::{self, RareOptions, RunConfig, Tally};
use crate::model::Model;
use crate::report::Provenance;
use crate::scenario::{self, Scenario};
use crate::shard::{Data, Kind, Part, PartSpec, Settings, Shard, Source, kind_name};

/// The shard `spec` names, its index read from the scheduler's environment for `auto/N`.
pub(super) fn resolve(spec: PartSpec) -> anyhow::Result<Part> {
    Ok(spec.resolve(|k| std::env::var(k).ok())?)
}

/// The engine's configuration for shard `part` of the run `sim` describes.
pub(super) fn config(sim: &SimOptions, part: Part) -> RunConfig {
    let (first, end) = part.range(sim.trials);
    RunConfig {
        first_trial: first,
        trials: end - first,
        ..sim.config()
    }
}

/// `run --shard`: simulates the shard's trials, split at the whole run's
/// checkpoints (with failure biasing under `rare`), and writes the shard file.
pub(super) fn run(
    args: &RunArgs,
    sc: &Scenario,
    spec: PartSpec,
    rare: Option<&RareOptions>,
) -> anyhow::Result<u8> {
    let part = resolve(spec)?;
    let mut outs = Outputs::new([args.file.as_path()]);
    let slot = plan(&mut outs, args.out.output.as_deref(), &args.file, Kind::Run, part);
    outs.check()?;
    let cfg = config(&args.sim, part);
    if !args.flags.quiet {
        note!(
            "redsim: shard {}/{}: trials {}..{} of {}{}, seed {}, generator {}",
            part.index,
            part.count,
            cfg.first_trial,
            cfg.first_trial + cfg.trials,
            args.sim.trials,
            if rare.is_some() {
                " with failure biasing"
            } else {
                ""
            },
            cfg.seed,
            engine::rng::GENERATOR
        );
    }
    let bar = Progress::new(args.flags.quiet, cfg.trials);
    let started = std::time::Instant::now();
    let ends = engine::checkpoints(args.sim.trials);
    let segments = match rare {
        _ if cfg.trials == 0 => Vec::new(),
        None => engine::run_segmented(&sc.model, &cfg, &ends, &|k| bar.inc(k))?,
        Some(opts) => engine::run_rare(&sc.model, &cfg, opts, &ends, &|k| bar.inc(k))?,
    };
    bar.finish();
    if !args.flags.quiet {
        speed_note(&segments, started);
    }
    let data = Data::Run {
        pilot: unseen_pilot(&sc.model, &segments, &args.sim)?,
        model: Box::new(sc.model.clone()),
        segments,
    };
    put(
        &mut outs,
        slot,
        &args.sim,
        rare,
        part,
        vec![(&args.file, sc)],
        data,
    );
    outs.commit(args.flags.quiet)?;
    Ok(EXIT_OK)
}

/// The plain pilot of the whole run `sim` that a shard whose failure-biased
/// `segments` saw no outage of a service carries for its report
/// ([`analysis::rare::needs_pilot`]): the same in every shard of the run.
fn unseen_pilot(model: &Model, segments: &[Tally], sim: &SimOptions) -> anyhow::Result<Option<Vec<Tally>>> {
    let mut total = Tally::new(model.services.len());
    segments.iter().for_each(|t| total.merge(t));
    if !analysis::rare::needs_pilot(model, &total) {
        return Ok(None);
    }
    Ok(Some(analysis::rare::run_unseen_pilot(
        model,
        &sim.config(),
        sim.trials,
    )?))
}

/// `compare --shard`: runs the shard's trials on every design (paired, or
/// under failure biasing independent) and writes the shard file.
pub(super) fn compare(
    args: &CompareArgs,
    scs: &[Scenario],
    matched: &[Vec<usize>],
    spec: PartSpec,
    rare: Option<&RareOptions>,
) -> anyhow::Result<u8> {
    let part = resolve(spec)?;
    let mut outs = Outputs::new(args.files.iter().map(PathBuf::as_path));
    let slot = plan(
        &mut outs,
        args.out.output.as_deref(),
        &args.files[0],
        Kind::Compare,
        part,
    );
    outs.check()?;
    let models: Vec<&Model> = scs.iter().map(|s| &s.model).collect();
    let cfg = config(&args.sim, part);
    let tally = compare_tally(&models, matched, &cfg, rare, args.flags.quiet)?;
    let data = Data::Compare {
        pilots: design_pilots(&models, &tally, &args.sim)?,
        models: models.into_iter().cloned().collect(),
        tally,
    };
    let sources = args.files.iter().map(PathBuf::as_path).zip(scs).collect();
    put(&mut outs, slot, &args.sim, rare, part, sources, data);
    outs.commit(args.flags.quiet)?;
    Ok(EXIT_OK)
}

/// Plans the shard file of shard `part`: `output`, or by default
/// `STEM[.sweep|.compare].shard-K-of-N.json` in the current directory, STEM
/// being the (first) scenario `file`'s.
pub(super) fn plan(outs: &mut Outputs, output: Option<&Path>, file: &Path, kind: Kind, part: Part) -> Out {
    let path = match output {
        Some(p) => p.to_path_buf(),
        None => {
            let stem = file
                .file_stem()
                .map_or_else(|| "redsim".into(), |s| s.to_string_lossy().into_owned());
            let kind = match kind {
                Kind::Run => String::new(),
                k => format!(".{}", kind_name(k)),
            };
            let width = (part.count - 1).to_string().len();
            PathBuf::from(format!(
                "{stem}{kind}.shard-{:0width$}-of-{}.json",
                part.index, part.count
            ))
        }
    };
    outs.file("--output", &path)
}

/// Puts shard `part` of a run into its planned file `slot`.
pub(super) fn put(
    outs: &mut Outputs,
    slot: Out,
    sim: &SimOptions,
    rare: Option<&RareOptions>,
    part: Part,
    scenarios: Vec<(&Path, &Scenario)>,
    data: Data,
) {
    let settings = Settings {
        seed: sim.seed,
        trials: sim.trials,
        confidence: sim.confidence,
        rare: rare.copied(),
    };
    let sources = scenarios.into_iter().map(|(f, sc)| Source::of(f, sc)).collect();
    let shard = Shard::new(settings, part, sources, data);
    let note = format!(
        "shard {}/{} (trials {}..{} of {}) written to",
        part.index, part.count, shard.first, shard.end, sim.trials
    );
    outs.put(slot, shard.to_json(), note);
}

fn provenance(s: &Source) -> Provenance {
    Provenance {
        name: s.name.clone(),
        file: s.file.clone(),
        sha256: s.sha256.clone(),
        set: s.set.clone(),
    }
}

/// Prints the report of a shard or result, as the command that made it would have.
pub(super) fn print(
    shard: &Shard,
    format: Format,
    outs: &mut Outputs,
    slots: &RunSlots,
) -> anyhow::Result<()> {
    let seed = shard.settings.seed;
    let confidence = shard.settings.confidence;
    let rare = shard.settings.rare.is_some();
    match &shard.data {
        Data::Run {
            model,
            segments,
            pilot,
        } => {
            let prov = provenance(&shard.scenarios[0]);
            let result = RunResult {
                model,
                provenance: &prov,
                seed,
                segments,
                pilot: pilot.as_deref(),
                confidence,
            };
            report_run(&result, format, outs, slots)
        }
        Data::Sweep { parameters, points } => {
            let prov = provenance(&shard.scenarios[0]);
            let result = SweepResult {
                provenance: &prov,
                seed,
                trials: shard.end - shard.first,
                parameters,
                points,
                confidence,
                rare,
            };
            report_sweep(&result, format, outs, slots)
        }
        Data::Compare {
            models,
            tally,
            pilots,
        } => {
            let provs: Vec<Provenance> = shard.scenarios.iter().map(provenance).collect();
            let models: Vec<&Model> = models.iter().collect();
            let result = CompareResult {
                designs: &provs,
                models: &models,
                seed,
                tally,
                pilots,
                confidence,
                rare,
            };
            report_compare(&result, format, outs, slots)
        }
    }
}

/// The seed and whole tally of the run result at `path`, checked to be a
/// complete run of `file` as loaded in `sc` (the same text and changes).
/// The result of a failure-biasing run gives its weighted sums too
/// ([`Tally::weighted`]), which its estimates must come from.
pub(super) fn result_tally(
    path: &Path,
    file: &Path,
    sc: &Scenario,
) -> anyhow::Result<(u64, Tally, Option<Tally>)> {
    let shard = Shard::read(path)?;
    let Data::Run { segments, pilot, .. } = &shard.data else {
        anyhow::bail!(
            "{}: a {} result, not a run's: `check --result` needs the result of `redsim run --shard` shards",
            crate::model::shown_path(path),
            kind_name(shard.kind())
        );
    };
    if !shard.is_complete() {
        anyhow::bail!(
            "{}: shard {} of {} holds trials {}..{} of {} only: merge the shards with `redsim merge --result FILE` and check that",
            crate::model::shown_path(path),
            shard.part.index,
            shard.part.count,
            shard.first,
            shard.end,
            shard.settings.trials
        );
    }
    let want = scenario::resolved_sha256(&sc.sha256, &sc.set);
    if shard.scenario_sha256 != want {
        let theirs = &shard.scenarios[0];
        anyhow::bail!(
            "{}: made from another scenario than {}{}: it holds {} (sha256 {}{}); check the file it was made from, with the same --set",
            crate::model::shown_path(path),
            crate::model::shown_path(file),
            if sc.set.is_empty() {
                String::new()
            } else {
                format!(" with --set {}", sc.set.join(" --set "))
            },
            theirs.file,
            &theirs.sha256[..16.min(theirs.sha256.len())],
            if theirs.set.is_empty() {
                String::new()
            } else {
                format!(", --set {}", theirs.set.join(" --set "))
            },
        );
    }
    let mut tally = Tally::new(sc.model.services.len());
    for s in segments {
        tally.merge(s);
    }
    // The plain pilot a biased result carries for the services it never saw down.
    let pilot = pilot.as_ref().map(|segments| {
        let mut pilot = Tally::new(sc.model.services.len());
        segments.iter().for_each(|t| pilot.merge(t));
        pilot
    });
    Ok((shard.settings.seed, tally, pilot))
}
