//! The discrete-event simulation and the Monte Carlo runner.
//!
//! Pure: takes a [`Model`](crate::model::Model) and a [`RunConfig`], returns a
//! [`Tally`] of mergeable integer statistics. Trial `i` depends only on
//! (seed, i, element ids), and tallies merge exactly, so the result does not
//! depend on the thread count, the order trials ran in, or how they were split.

mod reach;
pub mod rng;
pub mod sim;
pub mod tally;
pub mod trace;

pub use sim::{
    GroupEvent, MAX_EVENTS_PER_TRIAL, NoObserver, Observer, Plan, Probe, Runaway, ServiceState, Trial,
    TrialService,
};
pub use tally::{
    CauseTally, DurationHist, Moments, Outcomes, PairedService, PairedTally, ServiceTally, SignedMoments,
    TICKS_PER_HOUR, Tally, Wide,
};
pub use trace::{Recorder, TraceEvent, trace};

use rayon::prelude::*;

use crate::model::Model;

/// The default master seed, used when none is given.
pub const DEFAULT_SEED: u64 = 20_261_126;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    /// Master seed.
    pub seed: u64,
    /// First trial index (0 for a whole run; a shard starts elsewhere).
    pub first_trial: u64,
    /// Number of trials.
    pub trials: u64,
    /// Worker threads; `None` uses rayon's default (all cores).
    pub threads: Option<usize>,
}

/// Trials per work unit: progress is reported once per unit.
const CHUNK: u64 = 256;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("could not start {threads} worker threads: {source}")]
    Threads {
        threads: usize,
        source: rayon::ThreadPoolBuildError,
    },
    #[error(
        "trial {trial} needed more than {MAX_EVENTS_PER_TRIAL} events (last: element `{element}`); \
         a failure or repair distribution gives durations near zero: check its parameters"
    )]
    Runaway { trial: u64, element: String },
}

/// Runs the trials `first_trial .. first_trial + trials` and tallies them.
/// `progress(k)` is called from worker threads as each batch of `k` trials ends.
///
/// # Errors
/// When a thread pool of the requested size cannot be built.
pub fn run(model: &Model, cfg: &RunConfig, progress: &(dyn Fn(u64) + Sync)) -> Result<Tally, EngineError> {
    let mut parts = run_segmented(model, cfg, &[], progress)?;
    Ok(parts.pop().expect("one segment"))
}

/// Runs the trials of `cfg` as [`run`] does, and returns one tally per
/// segment: the segments end at each of `ends` inside the run's range, and
/// at the run's end (ends outside the range are ignored). Merged in order,
/// they equal [`run`]'s tally; their running sums show how the estimates
/// settle as trials accumulate.
///
/// # Errors
/// As [`run`].
pub fn run_segmented(
    model: &Model,
    cfg: &RunConfig,
    ends: &[u64],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Tally>, EngineError> {
    let plan = Plan::new(model);
    let (first, last) = (cfg.first_trial, cfg.first_trial + cfg.trials);
    let mut bounds: Vec<u64> = ends.iter().copied().filter(|&e| e > first && e < last).collect();
    bounds.sort_unstable();
    bounds.dedup();
    bounds.push(last);
    in_pool(
        cfg.threads,
        |e| model.elements[e].id.clone(),
        || run_plan(&plan, cfg, &bounds, progress),
    )
}

/// The trial counts at which a run of `total` trials records its running
/// estimate: about 48 points evenly spaced on a log scale from 10 (or 1) to
/// `total`, ascending, the last being `total`. A function of `total` alone,
/// so a run split into shards records the same points.
pub fn checkpoints(total: u64) -> Vec<u64> {
    const POINTS: u32 = 48;
    let low = 10u64.min(total).max(1);
    let ratio = total as f64 / low as f64;
    let mut out: Vec<u64> = (0..=POINTS)
        .map(|k| ((low as f64) * ratio.powf(f64::from(k) / f64::from(POINTS))).round() as u64)
        .map(|c| c.clamp(1, total.max(1)))
        .collect();
    out.push(total);
    out.sort_unstable();
    out.dedup();
    out.retain(|&c| c > 0);
    out
}

/// Runs `work` on a pool of `threads` threads (rayon's default without), and
/// names a runaway trial's element with `name`.
fn in_pool<T: Send>(
    threads: Option<usize>,
    name: impl Fn(usize) -> String,
    work: impl FnOnce() -> Result<T, Runaway> + Send,
) -> Result<T, EngineError> {
    let result = match threads {
        Some(threads) => rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|source| EngineError::Threads { threads, source })?
            .install(work),
        None => work(),
    };
    result.map_err(|r| EngineError::Runaway {
        trial: r.trial,
        element: name(r.element),
    })
}

/// Work units of at most [`CHUNK`] trials from `first`, none across one of
/// the ascending segment `bounds` (the last being the end): (segment, start, end).
fn units(first: u64, bounds: &[u64]) -> Vec<(usize, u64, u64)> {
    let mut units = Vec::new();
    let mut start = first;
    for (j, &end) in bounds.iter().enumerate() {
        let mut s = start;
        while s < end {
            units.push((j, s, (s + CHUNK).min(end)));
            s += CHUNK;
        }
        start = end;
    }
    units
}

/// Runs every trial of `units` in parallel and reduces the accumulators:
/// `one(state, acc, segment, i)` runs trial `i` into `acc`, with per-thread
/// scratch `state`. Accumulators merge exactly, so the result does not depend
/// on the thread count.
///
/// # Errors
/// The runaway trial with the lowest index, whatever the thread count.
fn run_units<S: Send, A: Send>(
    units: Vec<(usize, u64, u64)>,
    state: impl Fn() -> S + Sync + Send,
    fresh: impl Fn() -> A + Sync + Send,
    one: impl Fn(&mut S, &mut A, usize, u64) -> Result<(), Runaway> + Sync + Send,
    merge: impl Fn(&mut A, &A) + Sync + Send,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<A, Runaway> {
    use std::sync::atomic::{AtomicU64, Ordering};
    // The lowest trial that ran away so far. Units that start after it are
    // skipped; every trial before it still runs, so the error reported is
    // always the lowest runaway trial, whatever the thread count.
    let first_runaway = AtomicU64::new(u64::MAX);
    let (acc, runaway) = units
        .into_par_iter()
        .fold(
            || (state(), fresh(), None::<Runaway>),
            |(mut st, mut acc, mut runaway), (j, start, end)| {
                for i in start..end {
                    if i > first_runaway.load(Ordering::Relaxed) {
                        break;
                    }
                    if let Err(r) = one(&mut st, &mut acc, j, i) {
                        first_runaway.fetch_min(r.trial, Ordering::Relaxed);
                        runaway =
                            Some(runaway.map_or(r, |old: Runaway| if old.trial < r.trial { old } else { r }));
                        break;
                    }
                }
                progress(end - start);
                (st, acc, runaway)
            },
        )
        .map(|(_, acc, runaway)| (acc, runaway))
        .reduce(
            || (fresh(), None),
            |(mut a, ra), (b, rb)| {
                merge(&mut a, &b);
                let r = match (ra, rb) {
                    (Some(x), Some(y)) => Some(if x.trial < y.trial { x } else { y }),
                    (x, y) => x.or(y),
                };
                (a, r)
            },
        );
    match runaway {
        Some(r) => Err(r),
        None => Ok(acc),
    }
}

fn run_plan(
    plan: &Plan,
    cfg: &RunConfig,
    bounds: &[u64],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Tally>, Runaway> {
    run_units(
        units(cfg.first_trial, bounds),
        || Trial::new(plan),
        || vec![Tally::new(plan.n_services()); bounds.len()],
        |trial, tallies, j, i| run_one(plan, cfg.seed, i, trial, &mut tallies[j]),
        |a, b| {
            for (x, y) in a.iter_mut().zip(b) {
                x.merge(y);
            }
        },
        progress,
    )
}

/// One trial's result for one service, as counted in the tally.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrialOutcome {
    /// Down time [ticks] (planned downtime left out where the service says so).
    pub down: u64,
    /// Outages (likewise).
    pub outages: u64,
}

/// Service `s`'s down time and outages in the trial just run, planned ones
/// left out where the service says they do not count.
fn outcome(plan: &Plan, s: usize, r: &TrialService) -> TrialOutcome {
    let (down, outages) = if plan.planned_counts(s) {
        (r.down, r.outages)
    } else {
        ((r.down - r.planned_down).max(0.0), r.outages - r.planned_outages)
    };
    TrialOutcome {
        down: tally::ticks(down),
        outages,
    }
}

/// Runs the trials of `cfg` on every design and tallies, for each compared
/// service, each design's down time and outages and each design's paired
/// difference from the first: what comparisons of designs need (trial `i`
/// of two designs sees the same draws for the elements they share).
/// `matched[k][d]` is the index, in design `d`, of the `k`-th compared service.
///
/// # Errors
/// As [`run`].
///
/// # Panics
/// When a row of `matched` does not have one index per design, in range.
pub fn run_paired(
    models: &[&Model],
    matched: &[Vec<usize>],
    cfg: &RunConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<PairedTally, EngineError> {
    let plans: Vec<Plan> = models.iter().map(|m| Plan::new(m)).collect();
    let last = cfg.first_trial + cfg.trials;
    let work = || {
        run_units(
            units(cfg.first_trial, &[last]),
            || plans.iter().map(Trial::new).collect::<Vec<_>>(),
            || PairedTally::new(matched.len(), models.len()),
            |trials, acc, _, i| {
                // A runaway element is numbered across the designs, in order.
                let mut offset = 0;
                for ((plan, trial), m) in plans.iter().zip(trials.iter_mut()).zip(models) {
                    trial
                        .run(plan, cfg.seed, i, &mut NoObserver, |_, _, _| {})
                        .map_err(|r| Runaway {
                            element: offset + r.element,
                            ..r
                        })?;
                    offset += m.elements.len();
                }
                let mut row = vec![TrialOutcome::default(); models.len()];
                for (k, idx) in matched.iter().enumerate() {
                    for (d, &s) in idx.iter().enumerate() {
                        row[d] = outcome(&plans[d], s, &trials[d].results[s]);
                    }
                    acc.services[k].add(&row);
                }
                acc.trials += 1;
                Ok(())
            },
            PairedTally::merge,
            progress,
        )
    };
    let name = |mut e: usize| {
        for m in models {
            if e < m.elements.len() {
                return m.elements[e].id.clone();
            }
            e -= m.elements.len();
        }
        String::new()
    };
    in_pool(cfg.threads, name, work)
}

/// Runs trial `i` and adds it to `tally`.
///
/// # Errors
/// [`Runaway`] when the trial needs too many events.
pub fn run_one(plan: &Plan, seed: u64, i: u64, trial: &mut Trial, tally: &mut Tally) -> Result<(), Runaway> {
    let services = &mut tally.services;
    // This trial's outages by (service, cause): summed per trial, so that
    // each cause's down time gets an interval over trials.
    let mut caused: Vec<(usize, Option<u32>, u64)> = Vec::new();
    trial.run(plan, seed, i, &mut NoObserver, |s, d, cause| {
        let ticks = tally::ticks(d);
        services[s].durations.add(ticks);
        caused.push((s, cause.map(|c| c as u32), ticks));
    })?;
    caused.sort_unstable_by_key(|&(s, c, _)| (s, c));
    for group in caused.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (s, cause, _) = group[0];
        let ticks = group.iter().map(|g| g.2).sum();
        tally.services[s].add_cause(cause, group.len() as u64, ticks);
    }
    tally.trials += 1;
    tally.events += trial.events;
    for (s, (st, r)) in tally.services.iter_mut().zip(&trial.results).enumerate() {
        let o = outcome(plan, s, r);
        st.down.add(o.down);
        st.degraded.add(tally::ticks(r.degraded));
        st.outages.add(o.outages);
        st.no_outage += u64::from(o.outages == 0);
        st.over_rto += r.over_rto;
        st.trials_over_rto += u64::from(r.over_rto > 0);
        st.planned_down.add(tally::ticks(r.planned_down));
        st.unplanned_down
            .add(tally::ticks((r.down - r.planned_down).max(0.0)));
        st.planned_outages += r.planned_outages;
        st.data_losses.add(r.data_losses);
        st.lost_writes.add(tally::ticks(r.lost_writes));
        st.over_rpo += r.over_rpo;
        st.trials_over_rpo += u64::from(r.over_rpo > 0);
    }
    Ok(())
}
