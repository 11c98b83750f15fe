//! The discrete-event simulation and the Monte Carlo runner.
//!
//! Pure: takes a [`Model`] and a [`RunConfig`], returns a
//! [`Tally`] of mergeable integer statistics. Trial `i` depends only on
//! (seed, i, element ids), and tallies merge exactly, so the result does not
//! depend on the thread count, the order trials ran in, or how they were split.

mod reach;
pub mod rng;
pub mod sim;
pub mod tally;
pub mod trace;
pub mod weighted;

pub use sim::{
    DEFAULT_MIXTURE, DEFAULT_P_BIAS, GroupEvent, MAX_EVENTS_PER_TRIAL, NoObserver, Observer, Plan, Probe,
    RareOptions, RepairWait, Runaway, ServiceState, Trial, TrialService, WeightedTrialService, Weighting,
    biases_anything, scales_hazard,
};
pub use tally::{
    CauseTally, DurationHist, Moments, Outcomes, PairedService, PairedTally, ServiceTally, SignedMoments,
    TICKS_PER_HOUR, Tally, Wide,
};
pub use trace::{MAX_TRACE_EVENTS, Recorder, TraceEvent, first_outage, trace, trace_at_most};
pub use weighted::{WeightedMoments, WeightedService, WeightedTally};

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

impl RunConfig {
    /// A whole run: trials `0 .. trials` from `seed`, on rayon's default
    /// threads (the result does not depend on how many).
    pub fn new(seed: u64, trials: u64) -> Self {
        Self {
            seed,
            first_trial: 0,
            trials,
            threads: None,
        }
    }
}

/// Trials per work unit: progress is reported once per unit.
const CHUNK: u64 = 256;

/// Trials between two questions whether a run is to stop, inside a unit.
const STOP_EVERY: u64 = 16;

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
    #[error(
        "trial {trial} has more than {limit} events, the most `trace` keeps (it stopped at {time:.4} h \
         of its {mission} h mission): shorten the mission to trace it; a trial this long usually has \
         a failure or repair distribution with durations near zero"
    )]
    TraceTooLong {
        trial: u64,
        /// Events kept before stopping.
        limit: usize,
        /// When the last event kept happened \[h\].
        time: f64,
        /// The mission \[h\].
        mission: f64,
    },
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
    let never = || false;
    Ok(run_segmented_until(model, cfg, ends, progress, &never)?.expect("a run that is never stopped ends"))
}

/// [`run_segmented`], given up when `stop()` turns true: it is asked
/// before each work unit of `CHUNK` trials and every `STOP_EVERY`
/// trials within one, and once it is true no trial starts and the run
/// returns `None`. A run that
/// ends is the same as [`run_segmented`]'s, whatever `stop` is: only whether
/// it ends depends on it (`check --max-time` gives up its batch in flight
/// and reports the looks before it).
///
/// # Errors
/// As [`run`], for a run that ends.
pub fn run_segmented_until(
    model: &Model,
    cfg: &RunConfig,
    ends: &[u64],
    progress: &(dyn Fn(u64) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Vec<Tally>>, EngineError> {
    segmented_plan(model, Plan::new(model), cfg, ends, progress, stop)
}

/// Runs the trials of `cfg` as [`run_segmented`] does, under failure
/// biasing (importance sampling): while the system is degraded, failures
/// are drawn from accelerated laws and each trial carries its likelihood
/// ratio. Each tally's [`Tally::weighted`] holds the weighted sums that
/// estimate the design; its plain sums count what the biased trials saw.
/// Trial `i` is a pure function of (model, seed, `i`, `opts`), and the
/// weighted sums are exact, so the result does not depend on threads.
///
/// # Errors
/// As [`run`].
///
/// # Panics
/// When `opts.p_bias` is not strictly between 0 and 1.
pub fn run_rare(
    model: &Model,
    cfg: &RunConfig,
    opts: &RareOptions,
    ends: &[u64],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Tally>, EngineError> {
    let never = || false;
    Ok(run_rare_until(model, cfg, opts, ends, progress, &never)?.expect("a run that is never stopped ends"))
}

/// [`run_rare`], given up when `stop()` turns true, as
/// [`run_segmented_until`] gives up a plain run: a run that ends is the
/// same as [`run_rare`]'s whatever `stop` is (`check --max-time` under
/// failure biasing).
///
/// # Errors
/// As [`run`], for a run that ends.
///
/// # Panics
/// As [`run_rare`].
pub fn run_rare_until(
    model: &Model,
    cfg: &RunConfig,
    opts: &RareOptions,
    ends: &[u64],
    progress: &(dyn Fn(u64) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Vec<Tally>>, EngineError> {
    let plan = Plan::new(model).with_bias(model, opts);
    segmented_plan(model, plan, cfg, ends, progress, stop)
}

/// Runs the trials of `cfg` on each of `models` with failure biasing, as
/// independent runs: design `d` with [`rng::design_seed`]`(cfg.seed, d)`
/// (the first with the seed itself), so that no two designs share their
/// random streams. One whole tally per design.
///
/// # Errors
/// As [`run`].
pub fn run_rare_independent(
    models: &[&Model],
    cfg: &RunConfig,
    opts: &RareOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Tally>, EngineError> {
    models
        .iter()
        .enumerate()
        .map(|(d, m)| {
            let own = RunConfig {
                seed: rng::design_seed(cfg.seed, d),
                ..cfg.clone()
            };
            Ok(run_rare(m, &own, opts, &[], progress)?
                .pop()
                .expect("one segment"))
        })
        .collect()
}

fn segmented_plan(
    model: &Model,
    plan: Plan,
    cfg: &RunConfig,
    ends: &[u64],
    progress: &(dyn Fn(u64) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Vec<Tally>>, EngineError> {
    let (first, last) = (cfg.first_trial, cfg.first_trial + cfg.trials);
    let mut bounds: Vec<u64> = ends.iter().copied().filter(|&e| e > first && e < last).collect();
    bounds.sort_unstable();
    bounds.dedup();
    bounds.push(last);
    in_pool(
        cfg.threads,
        |e| model.elements[e].id.clone(),
        || run_plan(&plan, cfg, &bounds, progress, stop),
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
        Some(threads) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|source| EngineError::Threads { threads, source })?;
            if rayon::current_thread_index().is_some() {
                // Called from a worker of another pool: `install` would let
                // that worker run its own pool's queued jobs while it waits,
                // on top of this run's frames, and a loop of runs would nest
                // until the stack overflowed. A plain thread waits instead,
                // and the worker blocks on it without taking other work.
                std::thread::scope(|s| {
                    s.spawn(|| pool.install(work))
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
            } else {
                pool.install(work)
            }
        }
        None => work(),
    };
    result.map_err(|r| EngineError::Runaway {
        trial: r.trial,
        element: name(r.element),
    })
}

/// The work units of a run: at most `CHUNK` trials each, from `first`,
/// none across one of the ascending segment `bounds` (the last being the
/// end). Worked out on demand from the bounds, so a run holds O(segments) of
/// them in memory whatever its trial count (a list of all of them would take
/// gigabytes at 10^11 trials).
#[derive(Debug, Clone)]
struct Units {
    /// Where each segment starts: `first`, then every bound but the last.
    starts: Vec<u64>,
    bounds: Vec<u64>,
    /// Units before each segment, and in all (the last entry).
    before: Vec<u64>,
}

impl Units {
    fn new(first: u64, bounds: &[u64]) -> Self {
        let mut starts = Vec::with_capacity(bounds.len());
        let mut before = vec![0];
        let mut start = first;
        for &end in bounds {
            starts.push(start);
            let n = end.saturating_sub(start).div_ceil(CHUNK);
            before.push(before[before.len() - 1] + n);
            start = end.max(start);
        }
        Self {
            starts,
            bounds: bounds.to_vec(),
            before,
        }
    }

    /// How many units there are.
    fn len(&self) -> u64 {
        self.before[self.before.len() - 1]
    }

    /// Unit `u` (`u < len()`): (segment, first trial, end).
    fn get(&self, u: u64) -> (usize, u64, u64) {
        // The segment is the last one that starts at or before unit `u`.
        let j = self.before.partition_point(|&b| b <= u) - 1;
        let start = self.starts[j] + (u - self.before[j]) * CHUNK;
        (j, start, start.saturating_add(CHUNK).min(self.bounds[j]))
    }
}

/// Runs every trial of `units` in parallel and reduces the accumulators:
/// `one(state, acc, segment, i)` runs trial `i` into `acc`, with per-thread
/// scratch `state`. Accumulators merge exactly, so the result does not depend
/// on the thread count. `None` when `stop()`, asked before each unit, turned
/// true (the units left are skipped).
///
/// # Errors
/// The runaway trial with the lowest index, whatever the thread count.
fn run_units<S: Send, A: Send>(
    units: Units,
    state: impl Fn() -> S + Sync + Send,
    fresh: impl Fn() -> A + Sync + Send,
    one: impl Fn(&mut S, &mut A, usize, u64) -> Result<(), Runaway> + Sync + Send,
    merge: impl Fn(&mut A, &A) + Sync + Send,
    progress: &(dyn Fn(u64) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<A>, Runaway> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    // The lowest trial that ran away so far. Units that start after it are
    // skipped; every trial before it still runs, so the error reported is
    // always the lowest runaway trial, whatever the thread count.
    let first_runaway = AtomicU64::new(u64::MAX);
    let stopped = AtomicBool::new(false);
    let (acc, runaway) = (0..units.len())
        .into_par_iter()
        .map(|u| units.get(u))
        .fold(
            || (state(), fresh(), None::<Runaway>),
            |(mut st, mut acc, mut runaway), (j, start, end)| {
                if stopped.load(Ordering::Relaxed) || stop() {
                    stopped.store(true, Ordering::Relaxed);
                    return (st, acc, runaway);
                }
                for i in start..end {
                    if i > first_runaway.load(Ordering::Relaxed) {
                        break;
                    }
                    // Within a unit too, every few trials: a unit of slow
                    // trials can take minutes.
                    if i > start && (i - start).is_multiple_of(STOP_EVERY) && stop() {
                        stopped.store(true, Ordering::Relaxed);
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
    // A run given up is no result, even where a trial ran away: the lowest
    // runaway trial may be among the units skipped.
    if stopped.into_inner() {
        return Ok(None);
    }
    match runaway {
        Some(r) => Err(r),
        None => Ok(Some(acc)),
    }
}

fn run_plan(
    plan: &Plan,
    cfg: &RunConfig,
    bounds: &[u64],
    progress: &(dyn Fn(u64) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Vec<Tally>>, Runaway> {
    run_units(
        Units::new(cfg.first_trial, bounds),
        || Trial::new(plan),
        || {
            let fresh = if plan.biased() {
                Tally::new_weighted(plan.n_services())
            } else {
                Tally::new(plan.n_services())
            };
            vec![fresh; bounds.len()]
        },
        |trial, tallies, j, i| run_one(plan, cfg.seed, i, trial, &mut tallies[j]),
        |a, b| {
            for (x, y) in a.iter_mut().zip(b) {
                x.merge(y);
            }
        },
        progress,
        stop,
    )
}

/// One trial's result for one service, as counted in the tally.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrialOutcome {
    /// Down time \[ticks\] (planned downtime left out where the service says so).
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
            Units::new(cfg.first_trial, &[last]),
            || plans.iter().map(Trial::new).collect::<Vec<_>>(),
            || PairedTally::new(matched.len(), models.len()),
            |trials, acc, _, i| {
                // A runaway element is numbered across the designs, in order.
                let mut offset = 0;
                // Per design and service: the trial's longest outage [ticks].
                let mut longest: Vec<Vec<u64>> = models.iter().map(|m| vec![0; m.services.len()]).collect();
                for (((plan, trial), m), seen) in
                    plans.iter().zip(trials.iter_mut()).zip(models).zip(&mut longest)
                {
                    trial
                        .run(plan, cfg.seed, i, &mut NoObserver, |s, d, _| {
                            seen[s] = seen[s].max(tally::ticks(d));
                        })
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
                        let max = &mut acc.services[k].longest[d];
                        *max = (*max).max(longest[d][s]);
                    }
                    acc.services[k].add(&row);
                }
                acc.trials += 1;
                Ok(())
            },
            PairedTally::merge,
            progress,
            &|| false,
        )
        .map(|done| done.expect("a run that is never stopped ends"))
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

/// One trial's outages by (service, cause), with their count and total down
/// time \[ticks\]: summed per trial, so that each cause's down time gets an
/// interval over trials. Outages are listed one by one and folded together
/// whenever the list has doubled, so it holds at most about twice the
/// distinct (service, cause) pairs however many outages a trial has (a list
/// of every outage took gigabytes in a runaway trial with a few services).
#[derive(Debug)]
struct Causes {
    list: Vec<(usize, Option<u32>, u64, u64)>,
    /// The length at which the list is folded next.
    fold_at: usize,
}

impl Default for Causes {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            fold_at: Self::FOLD_FROM,
        }
    }
}

impl Causes {
    /// The list is folded from this length on.
    const FOLD_FROM: usize = 1024;

    #[inline]
    fn push(&mut self, service: usize, cause: Option<u32>, ticks: u64) {
        self.list.push((service, cause, 1, ticks));
        if self.list.len() >= self.fold_at {
            self.fold_long();
        }
    }

    /// Folds a list that has grown long, and says when to fold it next.
    #[cold]
    #[inline(never)]
    fn fold_long(&mut self) {
        self.fold();
        self.fold_at = (2 * self.list.len()).max(Self::FOLD_FROM);
    }

    /// Sorts the list by (service, cause) and merges the entries of each pair.
    fn fold(&mut self) {
        self.list.sort_unstable_by_key(|&(s, c, _, _)| (s, c));
        // `dedup_by` passes the later entry first; it is dropped when it
        // matches the one kept.
        self.list.dedup_by(|later, kept| {
            let same = (later.0, later.1) == (kept.0, kept.1);
            if same {
                kept.2 += later.2;
                kept.3 += later.3;
            }
            same
        });
    }

    /// (service, cause, outages, down time \[ticks\]) of each pair, in order.
    fn folded(&mut self) -> &[(usize, Option<u32>, u64, u64)] {
        if self.list.len() > 1 {
            self.fold();
        }
        &self.list
    }
}

/// Runs trial `i` and adds it to `tally`.
///
/// # Errors
/// [`Runaway`] when the trial needs too many events.
pub fn run_one(plan: &Plan, seed: u64, i: u64, trial: &mut Trial, tally: &mut Tally) -> Result<(), Runaway> {
    let services = &mut tally.services;
    let mut caused = Causes::default();
    trial.run(plan, seed, i, &mut NoObserver, |s, d, cause| {
        let ticks = tally::ticks(d);
        services[s].durations.add(ticks);
        caused.push(s, cause.map(|c| c as u32), ticks);
    })?;
    for &(s, cause, outages, ticks) in caused.folded() {
        tally.services[s].add_cause(cause, outages, ticks);
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
    if let Some(w) = tally.weighted.as_deref_mut() {
        add_weighted(plan, trial, w);
    }
    Ok(())
}

/// A weighted value as the exact sums take it: differences of weighted
/// sums may round a hair below zero (0); a likelihood ratio that overflowed
/// (a runaway product over thousands of degraded periods) gives the largest
/// finite value, and infinity times nothing measured is nothing. The
/// report's likelihood-ratio check flags such runs.
fn weight(x: f64) -> f64 {
    if x.is_nan() { 0.0 } else { x.clamp(0.0, f64::MAX) }
}

/// Adds the weighted results of the biased trial just run.
fn add_weighted(plan: &Plan, trial: &Trial, acc: &mut WeightedTally) {
    let l = trial.likelihood();
    acc.likelihood.add(weight(l));
    let incremental = plan.weighting() == Some(Weighting::Incremental);
    for (s, (r, w)) in trial.results.iter().zip(trial.weighted()).enumerate() {
        let counts = plan.planned_counts(s);
        let [down, outages, had, degraded, planned, unplanned] = if incremental {
            [
                if counts { w.down } else { w.down - w.planned_down },
                if counts {
                    w.outages
                } else {
                    w.outages - w.planned_outages
                },
                if counts { w.first_outage } else { w.first_unplanned }.unwrap_or(0.0),
                w.degraded,
                w.planned_down,
                w.down - w.planned_down,
            ]
        } else {
            let outages = if counts {
                r.outages
            } else {
                r.outages - r.planned_outages
            };
            [
                if counts { r.down } else { r.down - r.planned_down },
                outages as f64,
                f64::from(u8::from(outages > 0)),
                r.degraded,
                r.planned_down,
                r.down - r.planned_down,
            ]
            .map(|x| l * x)
        };
        let [over_rto, had_over_rto] = if incremental {
            [w.over_rto, w.first_over_rto.unwrap_or(0.0)]
        } else {
            [r.over_rto as f64, f64::from(u8::from(r.over_rto > 0))].map(|x| l * x)
        };
        let a = &mut acc.services[s];
        a.over_rto.add(weight(over_rto));
        a.had_over_rto.add(weight(had_over_rto));
        // Losses happen at failovers, in the middle of an instant: weighted
        // by the trial's likelihood ratio at the mission's end, which is
        // unbiased for anything that happened before it.
        a.data_losses.add(weight(l * r.data_losses as f64));
        a.lost_writes.add(weight(l * r.lost_writes));
        a.over_rpo.add(weight(l * r.over_rpo as f64));
        a.had_over_rpo
            .add(weight(l * f64::from(u8::from(r.over_rpo > 0))));
        a.down.add(weight(down));
        a.outages.add(weight(outages));
        a.had_outage.add(weight(had));
        a.degraded.add(weight(degraded));
        a.planned_down.add(weight(planned));
        a.unplanned_down.add(weight(unplanned));
    }
    for &(s, bin, ends, count) in trial.weighted_ends() {
        let w = if incremental { ends } else { l * count };
        acc.services[s as usize]
            .durations
            .entry(bin)
            .or_default()
            .add(weight(w));
    }
    for &(s, cause, weighted, down) in trial.weighted_causes() {
        let w = if incremental { weighted } else { l * down };
        acc.services[s as usize]
            .by_cause
            .entry((cause != u32::MAX).then_some(cause))
            .or_default()
            .add(weight(w));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every unit of `units`, in order.
    fn all(units: &Units) -> Vec<(usize, u64, u64)> {
        (0..units.len()).map(|u| units.get(u)).collect()
    }

    #[test]
    fn a_run_on_its_own_pool_inside_another_pool_does_not_nest_that_pools_work() {
        // Rayon lets a worker that waits on another pool run its own pool's
        // queued jobs meanwhile, on top of its stack: a loop of runs (each on
        // a pool of its own) inside a parallel loop nested one run in the
        // wait of another until the stack overflowed (the coverage study's
        // biased comparisons). The queued job here must run after the run,
        // not inside it.
        let model = crate::scenario::parse(
            r#"{"format": "redsim/1", "name": "n", "mission": 1000,
                "components": [{"id": "a", "mtbf": 10, "mttr": 1}], "services": [{"id": "s", "requires": "a"}]}"#,
        )
        .expect("a scenario");
        let cfg = RunConfig {
            seed: 1,
            first_trial: 0,
            trials: 20_000,
            threads: Some(1),
        };
        let running = std::sync::atomic::AtomicBool::new(false);
        let outer = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a pool");
        let (_, nested) = outer.install(|| {
            rayon::join(
                || {
                    running.store(true, std::sync::atomic::Ordering::SeqCst);
                    run(&model, &cfg, &|_| {}).expect("a run");
                    running.store(false, std::sync::atomic::Ordering::SeqCst);
                },
                || running.load(std::sync::atomic::Ordering::SeqCst),
            )
        });
        assert!(!nested, "the outer pool's queued job ran inside the run's wait");
    }

    #[test]
    fn causes_fold_into_a_bounded_list() {
        // Three million outages over 8 services and 3 causes: the sums of a
        // list of every outage, in a list that never grows past a few
        // thousand entries.
        let mut causes = Causes::default();
        let mut want = std::collections::BTreeMap::new();
        let mut most = 0;
        for k in 0..3_000_000u64 {
            let (s, cause, ticks) = (
                (k % 8) as usize,
                [None, Some(0), Some(7)][(k % 3) as usize],
                k % 1000,
            );
            causes.push(s, cause, ticks);
            let e = want.entry((s, cause)).or_insert((0, 0));
            e.0 += 1;
            e.1 += ticks;
            most = most.max(causes.list.capacity());
        }
        assert!(most <= 2 * Causes::FOLD_FROM, "{most} entries held");
        let got: Vec<_> = causes.folded().to_vec();
        let want: Vec<_> = want.into_iter().map(|((s, c), (n, t))| (s, c, n, t)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn units_tile_the_segments_in_chunks() {
        let c = CHUNK;
        let units = Units::new(5, &[7, 7 + 2 * c + 1, 10 * c]);
        assert_eq!(
            all(&units),
            [
                (0, 5, 7),
                (1, 7, 7 + c),
                (1, 7 + c, 7 + 2 * c),
                (1, 7 + 2 * c, 7 + 2 * c + 1),
                (2, 7 + 2 * c + 1, 7 + 3 * c + 1),
                (2, 7 + 3 * c + 1, 7 + 4 * c + 1),
                (2, 7 + 4 * c + 1, 7 + 5 * c + 1),
                (2, 7 + 5 * c + 1, 7 + 6 * c + 1),
                (2, 7 + 6 * c + 1, 7 + 7 * c + 1),
                (2, 7 + 7 * c + 1, 7 + 8 * c + 1),
                (2, 7 + 8 * c + 1, 7 + 9 * c + 1),
                (2, 7 + 9 * c + 1, 10 * c),
            ]
        );
        assert_eq!(all(&Units::new(3, &[3])), []);
    }

    #[test]
    fn units_of_a_huge_run_take_no_memory_in_proportion_to_its_trials() {
        // 10^11 trials (and every u64 trial index) cost a few words per
        // segment: the units are worked out, not listed.
        for (first, total) in [(0, 100_000_000_000), (0, u64::MAX), (u64::MAX - 1000, 1000)] {
            let last = first + total;
            let mut bounds: Vec<u64> = checkpoints(total).iter().map(|c| first + c).collect();
            bounds.dedup();
            let units = Units::new(first, &bounds);
            assert!(units.starts.len() <= 50 && units.before.len() <= 51);
            assert_eq!(
                units.len(),
                bounds
                    .iter()
                    .zip(std::iter::once(&first).chain(&bounds))
                    .map(|(e, s)| (e - s).div_ceil(CHUNK))
                    .sum::<u64>()
            );
            let (j, s, e) = units.get(0);
            assert_eq!((j, s), (0, first));
            assert!(e - s <= CHUNK);
            let (j, s, e) = units.get(units.len() - 1);
            assert_eq!((j, e), (bounds.len() - 1, last));
            assert!(e > s && e - s <= CHUNK);
            // Consecutive units meet, at every segment boundary too.
            for &b in &bounds[..bounds.len() - 1] {
                let u = units.before[units.bounds.iter().position(|&x| x == b).unwrap() + 1];
                assert_eq!(units.get(u - 1).2, b);
                assert_eq!(units.get(u).1, b);
            }
        }
    }
}
