//! `--rare auto`: whether a run or a check simulates with failure biasing,
//! decided from a plain pilot.
//!
//! The pilot is the first [`pilot_trials`] trials of the plain run (trials
//! `0 .. P`, whatever the thread count, and whatever part of the run a
//! shard holds), so the choice is a pure function of (scenario, seed,
//! trials, options). Kept when the run stays plain, the pilot costs
//! nothing: it is the start of the plain run.
//!
//! The rule ([`choose`]): each service that can go down gets its pilot's
//! effective number of outages (Kish, [`effective_events`] of its
//! per-trial down time), taken at the low end of its Garwood interval and
//! scaled to the trials the estimate will rest on;
//! when the fewest is below [`allowance_threshold`] at the confidence of
//! the intervals (39 at 95 %), plain intervals would be widened by the
//! allowance for an unseen outage, and failure biasing is chosen, provided
//! the model has something to bias and its pilot trials average at most
//! [`MAX_EVENTS_PER_TRIAL`] events.
//!
//! Then [`choose_reaching`] checks that biasing reaches those outages: a
//! failure-biased pilot of the same trials `0 .. P` must see, for every
//! service that needed it, more effective outages (Kish, of the weighted
//! down time) than the plain pilot did; else the run stays plain. An
//! outage biasing cannot reach (uniform lives, say) is never seen by the
//! biased trials, whose estimate of it is then the plain pilot's, fixed
//! at `P` trials whatever the run's length, while a plain run's bound
//! tightens with every trial.

use super::intervals::{allowance_threshold, effective_events, garwood};
use super::structure::Structure;
use super::weighted::effective_weighted;
use super::{Method, RunSummary};
use crate::engine::{self, EngineError, RunConfig, Tally};
use crate::model::Model;

/// The most trials a pilot runs.
pub const PILOT_TRIALS: u64 = 2_000;

/// The most events per trial, on average over the pilot, with which
/// `auto` still chooses failure biasing. Each degraded period begins with a
/// failure and ends with a repair, so more means of the order of a hundred
/// degraded periods per mission or more: there the likelihood ratio, a
/// product over the periods, degenerates (docs/methodology.md), and
/// biasing, which re-derives every up element's hazard at each change of
/// the failed set, costs far more than the plain trials it replaces (the
/// bundled leaf-spine data centre: 385 events a trial, 272 s biased
/// against 2 s plain).
pub const MAX_EVENTS_PER_TRIAL: u64 = 200;

/// Trials of the pilot of a run whose estimate rests on `trials` trials:
/// trials `0 .. pilot_trials(trials)`.
pub fn pilot_trials(trials: u64) -> u64 {
    trials.min(PILOT_TRIALS)
}

/// The choice of `--rare auto`, with its evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Auto {
    /// Whether to simulate with failure biasing.
    pub bias: bool,
    /// Whether the projected effective outages are below the threshold
    /// (biasing is then chosen unless the model is not fit for it).
    pub few: bool,
    /// The service with the fewest projected effective outages, and that
    /// number; `None` when no service considered can go down.
    pub fewest: Option<(usize, f64)>,
    /// The projected effective outages below which biasing is chosen.
    pub threshold: f64,
    /// The evidence, in one clause (for a note on standard error).
    pub why: String,
}

/// Decides `--rare auto` from the plain `pilot` (trials `0 ..
/// pilot_trials(trials)`), for the `services` whose estimates matter, an
/// estimate resting on `trials` trials and intervals at `confidence`.
/// Services that depend on nothing that can fail, in a model without
/// maintenance, are never down and are left out.
///
/// # Panics
/// When a service index is out of range.
pub fn choose(model: &Model, pilot: &Tally, services: &[usize], trials: u64, confidence: f64) -> Auto {
    let threshold = allowance_threshold(confidence);
    let st = Structure::new(model);
    let scale = trials as f64 / pilot.trials.max(1) as f64;
    let fewest = services
        .iter()
        .copied()
        .filter(|&s| !(st.relevant(s).is_empty() && model.maintenance.is_empty()))
        .map(|s| {
            (
                s,
                projection(effective_events(&pilot.services[s].down), scale, confidence),
            )
        })
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let Some((s, projected)) = fewest else {
        return Auto {
            bias: false,
            few: false,
            fewest,
            threshold,
            why: "no service can go down".into(),
        };
    };
    let id = crate::model::printable(&model.services[s].id);
    let seen = format!(
        "the plain pilot of {} trials saw {} outage(s) of `{id}`, projecting {projected:.1} effective outages \
         in {trials} trials (the low end of their {:.0} % interval)",
        pilot.trials,
        pilot.services[s].outages.sum,
        100.0 * confidence,
    );
    let few = projected < threshold;
    let events = pilot.events / pilot.trials.max(1);
    let (bias, why) = if !few {
        (false, format!("{seen}, at least {threshold}"))
    } else if events > MAX_EVENTS_PER_TRIAL {
        (
            false,
            format!(
                "{seen}, fewer than {threshold}, but its trials average {events} events (more than \
                 {MAX_EVENTS_PER_TRIAL}: too many degraded periods for the likelihood ratio, and too costly)"
            ),
        )
    } else if !engine::biases_anything(model) {
        (
            false,
            format!(
                "{seen}, fewer than {threshold}, but no element's failure law and no shock's is one failure \
                 biasing scales (exponential, Weibull, lognormal, gamma)"
            ),
        )
    } else {
        (true, format!("{seen}, fewer than {threshold}"))
    };
    Auto {
        bias,
        few,
        fewest,
        threshold,
        why,
    }
}

/// [`choose`], and, where it chooses biasing, a failure-biased pilot (with
/// `opts`) of the same trials as the plain `pilot` (trials `0 ..
/// pilot_trials(trials)` of `cfg.seed`, whatever `cfg.first_trial`) to
/// see whether biasing reaches the outages ([`reaches`]).
///
/// # Errors
/// As [`engine::run`].
pub fn choose_reaching(
    model: &Model,
    cfg: &RunConfig,
    opts: &engine::RareOptions,
    pilot: &Tally,
    services: &[usize],
    trials: u64,
    confidence: f64,
) -> Result<Auto, EngineError> {
    let auto = choose(model, pilot, services, trials, confidence);
    if !auto.bias {
        return Ok(auto);
    }
    let biased_cfg = RunConfig {
        first_trial: 0,
        trials: pilot.trials,
        ..cfg.clone()
    };
    let mut biased = engine::run_rare(model, &biased_cfg, opts, &[], &|_| {})?;
    let biased = biased.pop().expect("one segment");
    Ok(reaches(model, auto, pilot, &biased, services, trials, confidence))
}

/// Keeps the choice of biasing in `auto` (from the plain `pilot`) only if
/// the failure-biased pilot `biased` of the same trials saw, for every one
/// of the `services` whose projected effective outages were below the
/// threshold, more effective outages (Kish, of the weighted down time)
/// than the plain pilot saw; else stays plain, saying why. A service
/// biasing does not reach would be left with the plain pilot's figures
/// (and a check on it could never decide), while a plain run's estimate
/// of it keeps improving with trials.
pub fn reaches(
    model: &Model,
    auto: Auto,
    pilot: &Tally,
    biased: &Tally,
    services: &[usize],
    trials: u64,
    confidence: f64,
) -> Auto {
    if !auto.bias {
        return auto;
    }
    let Some(weighted) = biased.weighted.as_deref() else {
        return auto;
    };
    let st = Structure::new(model);
    let scale = trials as f64 / pilot.trials.max(1) as f64;
    let unreached = services
        .iter()
        .copied()
        .filter(|&s| !(st.relevant(s).is_empty() && model.maintenance.is_empty()))
        .filter(|&s| {
            projection(effective_events(&pilot.services[s].down), scale, confidence) < auto.threshold
        })
        .map(|s| {
            (
                s,
                effective_events(&pilot.services[s].down),
                effective_weighted(&weighted.services[s].down),
            )
        })
        .find(|&(_, plain, biased)| biased <= plain);
    let Some((s, plain, reached)) = unreached else {
        return auto;
    };
    let id = crate::model::printable(&model.services[s].id);
    Auto {
        bias: false,
        why: format!(
            "{}, but failure biasing did not reach the outages: a failure-biased pilot of the same {} trials \
             saw {reached:.1} effective outages of `{id}`, no more than the plain pilot's {plain:.1} (its \
             outages need failures biasing does not scale)",
            auto.why, biased.trials
        ),
        ..auto
    }
}

/// The effective outages a run `scale` times as long as the pilot can
/// count on, from the pilot's `effective` ones: the low end of Garwood's
/// interval at `confidence` on the pilot's (whole) effective count, scaled.
/// A pilot that saw one outage in 2,000 trials does not promise 50 in
/// 100,000: it is as consistent with a rate forty times lower, and a plain
/// run of a design that rare would rest on a handful of outages.
fn projection(effective: f64, scale: f64, confidence: f64) -> f64 {
    let k = effective.floor() as u64;
    if k == 0 {
        return 0.0;
    }
    garwood(k, confidence).0 * scale
}

/// Runs the plain pilot of a run whose estimate rests on `trials` trials
/// of `cfg.seed`: trials `0 .. pilot_trials(trials)` (from trial 0 whatever
/// `cfg.first_trial` is), as segments split at `ends` as
/// [`engine::run_segmented_until`] splits them; `None` when `stop()` turned
/// true first.
///
/// # Errors
/// As [`engine::run`].
pub fn run_pilot(
    model: &Model,
    cfg: &RunConfig,
    trials: u64,
    ends: &[u64],
    progress: &(dyn Fn(u64) + Sync),
    stop: &(dyn Fn() -> bool + Sync),
) -> Result<Option<Vec<Tally>>, EngineError> {
    let pilot = RunConfig {
        first_trial: 0,
        trials: pilot_trials(trials),
        ..cfg.clone()
    };
    engine::run_segmented_until(model, &pilot, ends, progress, stop)
}

/// Whether the failure-biased `tally` of `model` saw no outage of some
/// service that can fail: its report then needs the plain pilot
/// ([`bound_unseen`]), which a run carries in its result (and a shard in
/// its file) exactly then. A plain tally never does, nor does a service
/// that cannot fail ([`super::structure::cannot_fail`]): its figures are exact,
/// so a pilot run for it alone would be wasted work.
pub fn needs_pilot(model: &Model, tally: &Tally) -> bool {
    tally.weighted.is_some()
        && tally
            .services
            .iter()
            .enumerate()
            .any(|(s, t)| t.outages.sum == 0 && !super::structure::cannot_fail(model, s))
}

/// Runs the plain pilot [`bound_unseen`] reports from, for a run of
/// `trials` trials of `cfg.seed` (on `cfg.threads`): trials `0 .. pilot_trials(trials)`, whatever
/// part of the run is at hand, split at [`engine::checkpoints`]`(trials)`
/// as the run's own segments are (so its convergence can be drawn). A pure
/// function of (model, seed, trials): the same tallies in every shard of a
/// run, and the same as `--rare auto`'s pilot of the same run.
///
/// # Errors
/// As [`engine::run`].
pub fn run_unseen_pilot(model: &Model, cfg: &RunConfig, trials: u64) -> Result<Vec<Tally>, EngineError> {
    let never = || false;
    Ok(
        run_pilot(model, cfg, trials, &engine::checkpoints(trials), &|_| {}, &never)?
            .expect("a run that is never stopped ends"),
    )
}

/// The plain pilot of [`run_unseen_pilot`] as one tally, when the
/// failure-biased `tally` of a run of `trials` trials of `cfg.seed` needs
/// it ([`needs_pilot`]); `None` otherwise (nothing is run).
///
/// # Errors
/// As [`engine::run`].
pub fn unseen_pilot_for(
    model: &Model,
    tally: &Tally,
    cfg: &RunConfig,
    trials: u64,
) -> Result<Option<Tally>, EngineError> {
    if !needs_pilot(model, tally) {
        return Ok(None);
    }
    let mut pilot = Tally::new(model.services.len());
    run_unseen_pilot(model, cfg, trials)?
        .iter()
        .for_each(|t| pilot.merge(t));
    Ok(Some(pilot))
}

/// Gives every service that the failure-biased trials of `run` saw no
/// outage of the estimates of the plain `pilot` instead (trials `0 ..
/// pilot_trials(T)` of the whole run of `T` trials, [`run_unseen_pilot`]),
/// whose intervals stay valid with few outages or none (a one-sided bound,
/// "less than x", where they saw none too). A biased run's weighted
/// interval with no outage is a point at zero, which bounds nothing: the
/// weights are all zero whatever the design. The pilot is part of the
/// run's result (and of every shard file that needs it), so a single run,
/// merged shards and `redsim report` give the same bytes and nothing is
/// simulated to report; the report of one shard whose trials saw no
/// outage of a service gives the whole run's pilot figures for it, said
/// plainly (its own biased trials bound nothing). Each such service says
/// so in its warnings and in
/// [`ServiceSummary::plain_trials`](super::ServiceSummary). Nothing
/// changes when every service saw an outage, or `run` is plain.
pub fn bound_unseen(model: &Model, run: &mut RunSummary, pilot: &Tally) {
    if run.method != Method::FailureBiasing
        || run
            .services
            .iter()
            .all(|s| s.outages_observed > 0 || s.cannot_fail)
    {
        return;
    }
    let plain = super::summarize(model, pilot, run.confidence);
    let unseen = super::weighted::unseen_warning(run.trials);
    for (s, p) in run.services.iter_mut().zip(plain.services) {
        if s.outages_observed > 0 || s.cannot_fail {
            continue;
        }
        let mut warnings: Vec<String> = s.warnings.drain(..).filter(|w| *w != unseen).collect();
        warnings.push(unseen_from_pilot(&p, run.trials, pilot.trials, run.confidence));
        if p.outages_observed > 0 {
            // With none, the plain warning repeats the bound above, and its
            // advice (more trials) does not reach past the pilot's cap.
            // With some, its warnings are about the pilot's own figures.
            warnings.extend(p.warnings.iter().cloned());
        }
        *s = super::ServiceSummary {
            warnings,
            plain_trials: Some(pilot.trials),
            ..p
        };
    }
}

/// What the plain pilot's summary `p` of a service says in a warning: its
/// one-sided bound where it saw no outage either, else how many it saw.
pub(crate) fn pilot_bound(p: &super::ServiceSummary, confidence: f64) -> String {
    if p.outages_observed == 0 {
        format!(
            "unavailability less than {:.3e} at {:.0} %",
            1.0 - p.availability.ci_low,
            100.0 * confidence
        )
    } else {
        format!("they saw {} outage(s)", p.outages_observed)
    }
}

/// The warning of a service that `trials` biased trials saw no outage of,
/// reported from the plain pilot's summary `p` of `pilot` trials.
fn unseen_from_pilot(p: &super::ServiceSummary, trials: u64, pilot: u64, confidence: f64) -> String {
    let bound = pilot_bound(p, confidence);
    format!(
        "failure biasing saw no outage in {trials} trials: these figures are from the run's first {pilot} trials \
         run plain ({bound}); the outages of this service need failures biasing does not reach, and these \
         figures stay at {pilot} trials however many the run has: run with --rare off, whose bound tightens with \
         every trial"
    )
}

/// Appends the segments `more` of the trials from `at` on to `segments`
/// (the trials before `at`), both split at `ends`: where `at` is not one
/// of `ends`, the last segment and the first of `more` are one segment of
/// the whole run, and are merged. The result is the very segments one run
/// of all the trials gives (tallies merge exactly).
pub fn join_segments(segments: &mut Vec<Tally>, more: Vec<Tally>, at: u64, ends: &[u64]) {
    let mut more = more.into_iter();
    if !ends.contains(&at)
        && let Some(last) = segments.last_mut()
        && let Some(first) = more.next()
    {
        last.merge(&first);
    }
    segments.extend(more);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pilot_is_at_most_its_cap_and_never_more_than_the_run() {
        assert_eq!(pilot_trials(10), 10);
        assert_eq!(pilot_trials(10_000), PILOT_TRIALS);
        assert_eq!(pilot_trials(0), 0);
    }
}
