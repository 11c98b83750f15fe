//! Sharded runs on the command line: `--shard K/N` on `run`, `sweep` and
//! `compare`, and the `merge` and `report` commands.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{
    CompareArgs, CompareResult, EXIT_OK, MergeArgs, ReportArgs, RunArgs, RunOutput, RunResult, SimOptions,
    SweepResult, progress_bar, report_compare, report_run, report_sweep, speed_note,
};
use crate::engine::{self, RunConfig, Tally};
use crate::model::Model;
use crate::report::{self, Provenance};
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
/// checkpoints, and writes the shard file.
pub(super) fn run(args: &RunArgs, sc: &Scenario, spec: PartSpec) -> anyhow::Result<u8> {
    let part = resolve(spec)?;
    let cfg = config(&args.sim, part);
    if !args.quiet {
        eprintln!(
            "redsim: shard {}/{}: trials {}..{} of {}, seed {}, generator {}",
            part.index,
            part.count,
            cfg.first_trial,
            cfg.first_trial + cfg.trials,
            args.sim.trials,
            cfg.seed,
            engine::rng::GENERATOR
        );
    }
    let bar = progress_bar(args.quiet, cfg.trials);
    let started = std::time::Instant::now();
    let segments = if cfg.trials == 0 {
        Vec::new()
    } else {
        engine::run_segmented(&sc.model, &cfg, &engine::checkpoints(args.sim.trials), &|k| {
            bar.inc(k)
        })?
    };
    bar.finish_and_clear();
    if !args.quiet {
        speed_note(&segments, started);
    }
    let data = Data::Run {
        model: Box::new(sc.model.clone()),
        segments,
    };
    write(
        &args.sim,
        part,
        vec![(&args.file, sc)],
        data,
        args.out.output.as_deref(),
        args.quiet,
    )?;
    Ok(EXIT_OK)
}

/// `compare --shard`: runs the shard's trials on every design and writes the shard file.
pub(super) fn compare(
    args: &CompareArgs,
    scs: &[Scenario],
    matched: &[Vec<usize>],
    spec: PartSpec,
) -> anyhow::Result<u8> {
    let part = resolve(spec)?;
    let models: Vec<&Model> = scs.iter().map(|s| &s.model).collect();
    let paired = engine::run_paired(&models, matched, &config(&args.sim, part), &|_| {})?;
    let data = Data::Compare {
        models: models.into_iter().cloned().collect(),
        paired,
    };
    let sources = args.files.iter().map(PathBuf::as_path).zip(scs).collect();
    write(&args.sim, part, sources, data, args.out.output.as_deref(), false)?;
    Ok(EXIT_OK)
}

/// Writes shard `part` of a run atomically: to `output`, or by default to
/// `STEM[.sweep|.compare].shard-K-of-N.json` in the current directory, STEM
/// being the (first) scenario file's.
pub(super) fn write(
    sim: &SimOptions,
    part: Part,
    scenarios: Vec<(&Path, &Scenario)>,
    data: Data,
    output: Option<&Path>,
    quiet: bool,
) -> anyhow::Result<()> {
    let settings = Settings {
        seed: sim.seed,
        trials: sim.trials,
        confidence: sim.confidence,
    };
    let stem = scenarios
        .first()
        .and_then(|(f, _)| f.file_stem())
        .map_or_else(|| "redsim".into(), |s| s.to_string_lossy().into_owned());
    let sources = scenarios.into_iter().map(|(f, sc)| Source::of(f, sc)).collect();
    let shard = Shard::new(settings, part, sources, data);
    let path = match output {
        Some(p) => p.to_path_buf(),
        None => {
            let kind = match shard.kind() {
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
    report::write_atomic(&path, shard.to_json().as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if !quiet {
        eprintln!(
            "redsim: shard {}/{} (trials {}..{} of {}) written to {}",
            part.index,
            part.count,
            shard.first,
            shard.end,
            sim.trials,
            path.display()
        );
    }
    Ok(())
}

/// `merge`: checks and merges the shards, prints the report, and writes the result file.
pub(super) fn merge(args: &MergeArgs) -> anyhow::Result<u8> {
    let merged = crate::shard::merge(&args.shards)?;
    if !args.quiet {
        for n in &merged.notes {
            eprintln!("redsim: note: {n}");
        }
    }
    if let Some(path) = &args.result {
        report::write_atomic(path, merged.shard.to_json().as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
        if !args.quiet {
            eprintln!("redsim: result written to {}", path.display());
        }
    }
    print(&merged.shard, &args.out, args.quiet)?;
    Ok(EXIT_OK)
}

/// `report`: the report of a result file, or of one shard's trials.
pub(super) fn report(args: &ReportArgs) -> anyhow::Result<u8> {
    let shard = Shard::read(&args.file)?;
    if shard.first == shard.end {
        anyhow::bail!(
            "{}: shard {} of {} holds no trials (there are more shards than trials): nothing to report",
            args.file.display(),
            shard.part.index,
            shard.part.count
        );
    }
    if !shard.is_complete() && !args.quiet {
        eprintln!(
            "redsim: note: {} is shard {} of {}: the report is of its trials {}..{} alone, not of the run's {}; merge the shards for the whole run",
            args.file.display(),
            shard.part.index,
            shard.part.count,
            shard.first,
            shard.end,
            shard.settings.trials
        );
    }
    print(&shard, &args.out, args.quiet)?;
    Ok(EXIT_OK)
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
fn print(shard: &Shard, out: &RunOutput, quiet: bool) -> anyhow::Result<()> {
    let seed = shard.settings.seed;
    let confidence = shard.settings.confidence;
    match &shard.data {
        Data::Run { model, segments } => {
            let prov = provenance(&shard.scenarios[0]);
            let result = RunResult {
                model,
                provenance: &prov,
                seed,
                segments,
                confidence,
            };
            report_run(&result, out, quiet)
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
            };
            report_sweep(&result, out)
        }
        Data::Compare { models, paired } => {
            let provs: Vec<Provenance> = shard.scenarios.iter().map(provenance).collect();
            let models: Vec<&Model> = models.iter().collect();
            let result = CompareResult {
                designs: &provs,
                models: &models,
                seed,
                paired,
                confidence,
            };
            report_compare(&result, out)
        }
    }
}

/// The seed and whole tally of the run result at `path`, checked to be a
/// complete run of `file` as loaded in `sc` (the same text and changes).
pub(super) fn result_tally(path: &Path, file: &Path, sc: &Scenario) -> anyhow::Result<(u64, Tally)> {
    let shard = Shard::read(path)?;
    let Data::Run { segments, .. } = &shard.data else {
        anyhow::bail!(
            "{}: a {} result, not a run's: `check --result` needs the result of `redsim run --shard` shards",
            path.display(),
            kind_name(shard.kind())
        );
    };
    if !shard.is_complete() {
        anyhow::bail!(
            "{}: shard {} of {} holds trials {}..{} of {} only: merge the shards with `redsim merge --result FILE` and check that",
            path.display(),
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
            path.display(),
            file.display(),
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
    Ok((shard.settings.seed, tally))
}
