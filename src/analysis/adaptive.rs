//! Adaptive trial counts: the plain pilot that settles `--rare auto`, and
//! the batches that double the trials until a stopping rule holds (`run
//! --precision`, `check`'s looks). The commands only say when to stop;
//! how trials are numbered, split into segments and joined is decided here,
//! once, so that a run stopped after any batch is the same run as one
//! asked for that many trials.

use super::RunSummary;
use super::rare::{self, Auto};
use super::structure::Structure;
use crate::engine::{self, EngineError, RareOptions, RunConfig, Tally};
use crate::model::Model;

/// The plain pilot of `--rare auto` and what it decides.
#[derive(Debug)]
pub struct AutoPilot<'a> {
    /// The model simulated.
    pub model: &'a Model,
    /// Seed and threads (the pilot's trials are always `0 .. pilot_trials(trials)`).
    pub config: &'a RunConfig,
    /// The failure biasing the pilot may choose.
    pub opts: &'a RareOptions,
    /// The trials the estimate will rest on.
    pub trials: u64,
    /// The services whose estimates matter.
    pub services: &'a [usize],
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// Where the pilot's segments end ([`engine::checkpoints`] of the run;
    /// empty: one segment).
    pub ends: &'a [u64],
}

/// A pilot that ran: its choice and its trials.
#[derive(Debug)]
pub struct Piloted {
    /// The choice of `--rare auto`.
    pub auto: Auto,
    /// The pilot's segments (trials `0 .. pilot_trials(trials)`): the start
    /// of a plain run when the choice is plain.
    pub segments: Vec<Tally>,
    /// The segments merged.
    pub tally: Tally,
}

impl AutoPilot<'_> {
    /// Runs the pilot and settles `--rare auto`; `None` when `stop()`
    /// turned true first.
    ///
    /// # Errors
    /// As [`engine::run`].
    pub fn run(
        &self,
        progress: &(dyn Fn(u64) + Sync),
        stop: &(dyn Fn() -> bool + Sync),
    ) -> Result<Option<Piloted>, EngineError> {
        let Some(segments) =
            rare::run_pilot(self.model, self.config, self.trials, self.ends, progress, stop)?
        else {
            return Ok(None);
        };
        let mut tally = Tally::new(self.model.services.len());
        segments.iter().for_each(|t| tally.merge(t));
        let auto = rare::choose_reaching(
            self.model,
            self.config,
            self.opts,
            &tally,
            self.services,
            self.trials,
            self.confidence,
        )?;
        Ok(Some(Piloted {
            auto,
            segments,
            tally,
        }))
    }
}

/// Settles `--rare auto` for several models simulated on the same trials
/// (compare's designs, sweep's points), which share one method: each
/// model's pilot is run in turn until one chooses biasing. The choice
/// returned is that one, or else the first whose pilot saw too few
/// outages, or else the first; `None` for no models.
///
/// # Errors
/// As [`engine::run`], or an error of `models`.
pub fn choose_over_models<E: From<EngineError>>(
    models: impl Iterator<Item = Result<Model, E>>,
    config: &RunConfig,
    opts: &RareOptions,
    trials: u64,
    confidence: f64,
) -> Result<Option<Auto>, E> {
    let never = || false;
    let mut chosen: Option<Auto> = None;
    for m in models {
        let m = m?;
        let all: Vec<usize> = (0..m.services.len()).collect();
        let pilot = AutoPilot {
            model: &m,
            config,
            opts,
            trials,
            services: &all,
            confidence,
            ends: &[],
        };
        let auto = pilot
            .run(&|_| {}, &never)?
            .expect("a run that is never stopped ends")
            .auto;
        let stop = auto.bias;
        if stop || chosen.as_ref().is_none_or(|c| auto.few && !c.few) {
            chosen = Some(auto);
        }
        if stop {
            break;
        }
    }
    Ok(chosen)
}

/// What ended a run of [`Batches`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The stopping rule held at a look.
    Done,
    /// The last batch of the schedule ran and the rule did not hold.
    Budget,
    /// `stop()` turned true (during a batch, or after a look that was not
    /// the last); the batch in flight was given up.
    Stopped,
}

/// Batches of trials up to the totals of a schedule, with a look after each.
#[derive(Debug)]
pub struct Batches<'a> {
    /// The model simulated.
    pub model: &'a Model,
    /// Seed and threads (trials are numbered across batches from the tally's).
    pub config: &'a RunConfig,
    /// Failure biasing, or plain.
    pub rare: Option<&'a RareOptions>,
    /// The trial total at each look, increasing ([`super::check::schedule`]).
    pub schedule: &'a [u64],
    /// Where segments end: the checkpoints of the largest total (and each
    /// batch ends one of its own).
    pub ends: &'a [u64],
    /// Whether to simulate at all (a check of structural targets only looks once, at no trials).
    pub simulate: bool,
}

impl Batches<'_> {
    /// Runs the batches on from `tally` (which may hold a pilot's trials,
    /// as `segments`), calling `look(i, tally)` after batch `i`; it returns
    /// whether the stopping rule holds. `batch(total)` is called before a
    /// batch runs up to `total` trials. A pilot that ended inside the first
    /// batch is joined to it, so the segments are those of one run.
    ///
    /// # Errors
    /// As [`engine::run`].
    pub fn run(
        &self,
        tally: &mut Tally,
        segments: &mut Vec<Tally>,
        batch: &dyn Fn(u64),
        progress: &(dyn Fn(u64) + Sync),
        stop: &(dyn Fn() -> bool + Sync),
        mut look: impl FnMut(usize, &Tally) -> bool,
    ) -> Result<Ended, EngineError> {
        for (i, &upto) in self.schedule.iter().enumerate() {
            if self.simulate && upto > tally.trials {
                let cfg = RunConfig {
                    first_trial: tally.trials,
                    trials: upto - tally.trials,
                    ..self.config.clone()
                };
                batch(upto);
                let parts = match self.rare {
                    Some(opts) => engine::run_rare_until(self.model, &cfg, opts, self.ends, progress, stop)?,
                    None => engine::run_segmented_until(self.model, &cfg, self.ends, progress, stop)?,
                };
                let Some(parts) = parts else {
                    return Ok(Ended::Stopped);
                };
                parts.iter().for_each(|part| tally.merge(part));
                // Batches end segments of their own; a pilot that ended
                // inside the first batch does not.
                if i == 0 {
                    rare::join_segments(segments, parts, cfg.first_trial, self.ends);
                } else {
                    segments.extend(parts);
                }
            }
            if look(i, tally) {
                return Ok(Ended::Done);
            }
            if i + 1 == self.schedule.len() {
                return Ok(Ended::Budget);
            }
            if stop() {
                return Ok(Ended::Stopped);
            }
        }
        Ok(Ended::Budget)
    }
}

/// Whether every service's unavailability is estimated to relative
/// half-width `precision` (none without downtime observed): the stopping
/// rule of `run --precision`. Services that depend on nothing that can
/// fail, and are never maintained, are never down and are left out.
pub fn precise_enough(model: &Model, run: &RunSummary, precision: f64) -> bool {
    let st = Structure::new(model);
    run.services.iter().enumerate().all(|(i, s)| {
        let a = &s.availability;
        let u = 1.0 - a.point;
        let never_down = st.relevant(i).is_empty() && model.maintenance.is_empty();
        never_down || (u > 0.0 && (a.ci_high - a.ci_low) / 2.0 <= precision * u)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summarize;

    fn model(text: &str) -> Model {
        crate::scenario::parse(text).expect("a scenario")
    }

    fn one_part() -> Model {
        model(
            r#"{"format": "redsim/1", "name": "n", "mission": 1000,
                "components": [{"id": "a", "mtbf": 10, "mttr": 1}], "services": [{"id": "s", "requires": "a"}]}"#,
        )
    }

    fn config() -> RunConfig {
        RunConfig {
            seed: 7,
            first_trial: 0,
            trials: 0,
            threads: Some(1),
        }
    }

    /// Runs `schedule` with `rule` as the stopping rule: what ended it, the
    /// trial totals looked at and the tally.
    fn batches(schedule: &[u64], stop: bool, rule: impl Fn(usize) -> bool) -> (Ended, Vec<u64>, Tally) {
        let m = one_part();
        let cfg = config();
        let ends = engine::checkpoints(*schedule.last().expect("a look"));
        let b = Batches {
            model: &m,
            config: &cfg,
            rare: None,
            schedule,
            ends: &ends,
            simulate: true,
        };
        let mut tally = Tally::new(1);
        let mut segments = Vec::new();
        let mut seen = Vec::new();
        let ended = b
            .run(&mut tally, &mut segments, &|_| {}, &|_| {}, &|| stop, |i, t| {
                seen.push(t.trials);
                rule(i)
            })
            .expect("runs");
        let mut joined = Tally::new(1);
        segments.iter().for_each(|t| joined.merge(t));
        assert_eq!(joined, tally, "the segments are the tally, split");
        (ended, seen, tally)
    }

    #[test]
    fn batches_stop_at_the_first_look_whose_rule_holds() {
        let (ended, seen, tally) = batches(&[100, 200, 400, 800], false, |i| i == 1);
        assert_eq!(ended, Ended::Done);
        assert_eq!(seen, [100, 200]);
        assert_eq!(tally.trials, 200);
    }

    #[test]
    fn batches_run_the_whole_schedule_when_the_rule_never_holds() {
        let (ended, seen, tally) = batches(&[100, 200, 400], false, |_| false);
        assert_eq!(ended, Ended::Budget);
        assert_eq!(seen, [100, 200, 400]);
        assert_eq!(tally.trials, 400);
    }

    #[test]
    fn a_stop_ends_the_batches_before_the_next_one() {
        // The first batch is given up at once: no look happens.
        let (ended, seen, tally) = batches(&[100, 200], true, |_| false);
        assert_eq!(ended, Ended::Stopped);
        assert!(seen.is_empty());
        assert!(tally.trials < 100, "{} trials", tally.trials);
    }

    #[test]
    fn batches_stopped_early_are_the_run_of_that_many_trials() {
        let (_, _, tally) = batches(&[100, 200, 400], false, |i| i == 1);
        let m = one_part();
        let whole = engine::run(
            &m,
            &RunConfig {
                trials: 200,
                ..config()
            },
            &|_| {},
        )
        .expect("runs");
        assert_eq!(tally, whole);
    }

    #[test]
    fn precision_is_reached_only_with_a_narrow_interval_of_seen_downtime() {
        let m = one_part();
        let run = |trials| {
            let t = engine::run(&m, &RunConfig { trials, ..config() }, &|_| {}).expect("runs");
            summarize(&m, &t, 0.95)
        };
        // Unavailability 1/11 over 1,000 h missions: 2,000 trials pin it
        // far tighter than 50 %, and 2 trials not to 0.1 %.
        assert!(precise_enough(&m, &run(2_000), 0.5));
        assert!(!precise_enough(&m, &run(2), 0.001));
        // A part that never fails is never down: nothing to estimate.
        let perfect = model(
            r#"{"format": "redsim/1", "name": "n", "mission": 1000,
                "components": [{"id": "a"}], "services": [{"id": "s", "requires": "a"}]}"#,
        );
        let t = engine::run(
            &perfect,
            &RunConfig {
                trials: 10,
                ..config()
            },
            &|_| {},
        )
        .expect("runs");
        assert!(precise_enough(&perfect, &summarize(&perfect, &t, 0.95), 1e-9));
    }
}
