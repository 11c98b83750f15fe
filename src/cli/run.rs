//! `redsim run`: simulate a scenario and report it.

use std::path::PathBuf;

use crate::analysis;
use crate::analysis::adaptive::{AutoPilot, Batches, Ended, precise_enough};
use crate::engine::{self, RunConfig};
use crate::shard::PartSpec;

use super::common::{RunResult, RunSlots, load_set, provenance, report_run, speed_note};
use super::options::{Changes, RunFlags, RunOutput, SimOptions, parse_trials};
use super::output::Outputs;
use super::progress::Progress;
use super::rare::{RareRequest, pilot_progress, rare_request, settle_auto};
use super::{EXIT_OK, shard};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    #[command(flatten)]
    pub sim: SimOptions,
    #[command(flatten)]
    pub out: RunOutput,
    #[command(flatten)]
    pub flags: RunFlags,
    /// Run until the relative half-width of every service's unavailability
    /// interval (the weighted one under failure biasing) is at most this
    /// (e.g. 5% or 0.05): `--trials` first, then doubling, up to `--max-trials`.
    #[arg(long, value_parser = parse_precision)]
    pub precision: Option<f64>,
    /// With `--precision`: the most trials to run.
    #[arg(long, default_value_t = 1_024_000, value_parser = parse_trials)]
    pub max_trials: u64,
    /// Run only shard K of N (0-based): trials K·T/N to (K+1)·T/N of the
    /// `--trials` T, written to a shard file (`--output`, default
    /// `STEM.shard-K-of-N.json` here) for `redsim merge`. `auto/N` reads K
    /// from SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX.
    #[arg(long, value_name = "K/N", conflicts_with_all = ["format", "plot", "html"])]
    pub shard: Option<PartSpec>,
    #[command(flatten)]
    pub changes: Changes,
}

pub(super) fn parse_precision(s: &str) -> Result<f64, String> {
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

pub(super) fn run(args: &RunArgs) -> anyhow::Result<u8> {
    let req = rare_request(args.flags.rare, args.flags.rare_bias)?;
    let sc = load_set(&args.file, &args.changes.set)?;
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
                let piloted = AutoPilot {
                    model: m,
                    config: &cfg,
                    opts: &opts,
                    trials: args.sim.trials,
                    services: &all,
                    confidence: args.sim.confidence,
                    ends: &[],
                }
                .run(&|_| {}, &never)?
                .expect("a run that is never stopped ends");
                settle_auto(&piloted.auto, opts, bias, args.flags.quiet)
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
            let pilot_bar = pilot_progress(args.flags.quiet, args.sim.trials);
            let piloted = AutoPilot {
                model: m,
                config: &cfg,
                opts: &opts,
                trials: args.sim.trials,
                services: &all,
                confidence: args.sim.confidence,
                ends: &ends,
            }
            .run(&|k| pilot_bar.inc(k), &never)?
            .expect("a run that is never stopped ends");
            pilot_bar.finish();
            match settle_auto(&piloted.auto, opts, bias, args.flags.quiet) {
                Some(opts) => {
                    kept_pilot = Some(piloted.segments);
                    (Some(opts), Vec::new())
                }
                None => (None, piloted.segments),
            }
        }
    };
    let done: u64 = head.iter().map(|t| t.trials).sum();
    if !args.flags.quiet {
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
    let bar = Progress::new(args.flags.quiet, args.sim.trials);
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
            let schedule = analysis::check::schedule(args.sim.trials, args.max_trials);
            let batches = Batches {
                model: m,
                config: &cfg,
                rare: rare.as_ref(),
                schedule: &schedule,
                ends: &ends,
                simulate: true,
            };
            let ended = batches.run(
                &mut tally,
                &mut segments,
                &|upto| bar.set_length(upto),
                &|k| bar.inc(k),
                &never,
                |_, tally| {
                    precise_enough(
                        m,
                        &analysis::summarize_with(m, tally, args.sim.confidence, &exact),
                        p,
                    )
                },
            )?;
            if !args.flags.quiet {
                let done = ended == Ended::Done;
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
    if !args.flags.quiet {
        speed_note(&segments, started);
    }
    let mut tally = engine::Tally::new(m.services.len());
    segments.iter().for_each(|t| tally.merge(t));
    // Auto's pilot is the one needed when it ran the same trials, split
    // at the same checkpoints (not under --precision, whose total was not
    // known in advance).
    let pilot = if analysis::rare::needs_pilot(m, &tally) {
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
    outs.commit(args.flags.quiet)?;
    Ok(EXIT_OK)
}
