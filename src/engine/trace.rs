//! A readable record of one trial: every element failure and repair, group
//! failover step, maintenance window and service state change, in time order.

use super::EngineError;
use super::sim::{GroupEvent, Observer, Plan, RepairWait, ServiceState, Trial};
use crate::model::{ElementId, Model};

/// One thing that happened in a trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TraceEvent {
    /// An element failed (`up == false`) or was repaired, at `t` \[h\].
    Element { t: f64, element: ElementId, up: bool },
    /// A service entered `state` at `t` \[h\] (at `t = 0`: its initial state).
    Service {
        t: f64,
        service: usize,
        state: ServiceState,
    },
    /// A crew started repairing a failed element.
    RepairStarted { t: f64, element: ElementId },
    /// A failed element's repair did not start at `t`, for `why` (the
    /// engine's decision at its failure, at the end of its logistics delay
    /// or when it took a spare).
    RepairWaits {
        t: f64,
        element: ElementId,
        why: RepairWait,
    },
    /// A restocked spare arrived in spare pool `pool` (index in the model's
    /// list) and `element`, which waited for one, took it.
    SpareTaken { t: f64, pool: usize, element: ElementId },
    /// Common-cause shock `shock` (index in the model's list) struck; the
    /// members it failed follow as element events at the same time.
    Shock { t: f64, shock: usize },
    /// Something happened to group `group` (index in the model's list).
    Group { t: f64, group: usize, event: GroupEvent },
    /// Maintenance schedule `schedule` took `element` out of service (`begin`) or returned it.
    Maintenance {
        t: f64,
        schedule: usize,
        element: ElementId,
        begin: bool,
    },
}

impl TraceEvent {
    /// When it happened \[h\].
    pub fn time(&self) -> f64 {
        match *self {
            Self::Element { t, .. }
            | Self::Service { t, .. }
            | Self::RepairStarted { t, .. }
            | Self::RepairWaits { t, .. }
            | Self::SpareTaken { t, .. }
            | Self::Shock { t, .. }
            | Self::Group { t, .. }
            | Self::Maintenance { t, .. } => t,
        }
    }
}

/// Most events a trace keeps: [`trace`] stops with
/// [`EngineError::TraceTooLong`] past it rather than hold a runaway trial's
/// events in memory (40 bytes each: 40 MB at most, and a text report of
/// about 100 MB). A trial of the 1,152-server data centre example has about
/// 400 events a year.
pub const MAX_TRACE_EVENTS: usize = 1_000_000;

/// An observer that keeps every event, up to a limit.
#[derive(Debug)]
pub struct Recorder {
    events: Vec<TraceEvent>,
    limit: usize,
    /// An event came past the limit and was dropped.
    overflowed: bool,
}

impl Default for Recorder {
    /// A recorder of at most [`MAX_TRACE_EVENTS`] events.
    fn default() -> Self {
        Self::with_limit(MAX_TRACE_EVENTS)
    }
}

impl Recorder {
    /// A recorder that keeps at most `limit` events: past it, it drops them
    /// and is [full](Observer::full), which stops the trial.
    pub fn with_limit(limit: usize) -> Self {
        Self {
            events: Vec::new(),
            limit,
            overflowed: false,
        }
    }

    /// The events kept, in the order they happened.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// The events kept, or `None` when some had to be dropped.
    pub fn into_events(self) -> Option<Vec<TraceEvent>> {
        (!self.overflowed).then_some(self.events)
    }

    fn push(&mut self, ev: TraceEvent) {
        let len = self.events.len();
        if len < self.limit {
            // Grow by doubling, but never past the limit.
            if len == self.events.capacity() {
                self.events.reserve_exact(len.max(64).min(self.limit - len));
            }
            self.events.push(ev);
        } else {
            self.overflowed = true;
        }
    }
}

impl Observer for Recorder {
    fn element(&mut self, t: f64, element: ElementId, up: bool) {
        self.push(TraceEvent::Element { t, element, up });
    }
    fn service(&mut self, t: f64, service: usize, state: ServiceState) {
        self.push(TraceEvent::Service { t, service, state });
    }
    fn repair_started(&mut self, t: f64, element: ElementId) {
        self.push(TraceEvent::RepairStarted { t, element });
    }
    fn repair_waits(&mut self, t: f64, element: ElementId, why: RepairWait) {
        self.push(TraceEvent::RepairWaits { t, element, why });
    }
    fn spare_taken(&mut self, t: f64, pool: usize, element: ElementId) {
        self.push(TraceEvent::SpareTaken { t, pool, element });
    }
    fn records_waits(&self) -> bool {
        true
    }
    fn shock(&mut self, t: f64, shock: usize) {
        self.push(TraceEvent::Shock { t, shock });
    }
    fn group(&mut self, t: f64, group: usize, event: GroupEvent) {
        self.push(TraceEvent::Group { t, group, event });
    }
    fn maintenance(&mut self, t: f64, schedule: usize, element: ElementId, begin: bool) {
        self.push(TraceEvent::Maintenance {
            t,
            schedule,
            element,
            begin,
        });
    }
    fn full(&self) -> bool {
        self.overflowed
    }
}

/// Runs trial `trial` of a run with master seed `seed` and returns what
/// happened: the same trial, draw for draw, as in `engine::run`.
///
/// # Errors
/// [`EngineError::Runaway`] when the trial needs too many events, and
/// [`EngineError::TraceTooLong`] when it has more than [`MAX_TRACE_EVENTS`]
/// to show.
pub fn trace(model: &Model, seed: u64, trial: u64) -> Result<Vec<TraceEvent>, EngineError> {
    trace_at_most(model, seed, trial, MAX_TRACE_EVENTS)
}

/// [`trace`] with a limit of `limit` events.
///
/// # Errors
/// As [`trace`], with `limit` for [`MAX_TRACE_EVENTS`].
pub fn trace_at_most(
    model: &Model,
    seed: u64,
    trial: u64,
    limit: usize,
) -> Result<Vec<TraceEvent>, EngineError> {
    let plan = Plan::new(model);
    let mut state = Trial::new(&plan);
    let mut rec = Recorder::with_limit(limit);
    let ran = state.run(&plan, seed, trial, &mut rec, |_, _, _| {});
    let time = rec.events().last().map_or(0.0, TraceEvent::time);
    let too_long = || EngineError::TraceTooLong {
        trial,
        limit,
        time,
        mission: model.mission,
    };
    match ran {
        Err(_) if rec.full() => Err(too_long()),
        Err(r) => Err(EngineError::Runaway {
            trial: r.trial,
            element: model.elements[r.element].id.clone(),
        }),
        Ok(()) => rec.into_events().ok_or_else(too_long),
    }
}

/// Trials searched at a time by [`first_outage`]: the search stops at the
/// end of the batch holding the first trial with an outage.
const SEARCH_BATCH: u64 = 4096;

/// The first trial in `from .. from + within` (master seed `seed`) in which
/// service `service` (an index in the model's list), or with `None` any
/// service, has an outage as `engine::run` counts it (planned outages only
/// where the service counts them); `None` when no trial there has one.
/// Trial `k` found is trial `k` of a run, so [`trace`] of it shows that
/// outage. The answer does not depend on the thread count.
///
/// # Errors
/// [`EngineError::Runaway`] when a trial searched before the answer needs
/// too many events.
///
/// # Panics
/// When `service` is out of range.
pub fn first_outage(
    model: &Model,
    seed: u64,
    from: u64,
    within: u64,
    service: Option<usize>,
) -> Result<Option<u64>, EngineError> {
    use rayon::prelude::*;
    let plan = Plan::new(model);
    let services = match service {
        Some(s) => {
            assert!(s < model.services.len(), "service {s} is out of range");
            s..s + 1
        }
        None => 0..model.services.len(),
    };
    let end = from.saturating_add(within);
    let mut lo = from;
    while lo < end {
        let hi = lo.saturating_add(SEARCH_BATCH).min(end);
        let found = (lo..hi)
            .into_par_iter()
            .map_init(
                || Trial::new(&plan),
                |state, i| {
                    state.run(&plan, seed, i, &mut super::NoObserver, |_, _, _| {})?;
                    let down = services
                        .clone()
                        .any(|s| super::outcome(&plan, s, &state.results[s]).outages > 0);
                    Ok(down.then_some(i))
                },
            )
            .find_first(|r: &Result<Option<u64>, super::Runaway>| !matches!(r, Ok(None)));
        match found {
            Some(Ok(k)) => return Ok(k),
            Some(Err(r)) => {
                return Err(EngineError::Runaway {
                    trial: r.trial,
                    element: model.elements[r.element].id.clone(),
                });
            }
            None => lo = hi,
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(json: &str) -> Model {
        crate::scenario::parse(json).unwrap_or_else(|p| panic!("{p:?}"))
    }

    /// One element failing and repaired about every second for `mission`.
    fn flapping(mission: &str) -> Model {
        model(&format!(
            r#"{{"format": "redsim/1", "name": "flapping", "mission": {mission},
                "components": [{{"id": "a", "mtbf": "1s", "mttr": "1s"}}],
                "services": [{{"id": "s", "requires": "a"}}]}}"#
        ))
    }

    #[test]
    fn a_trace_stops_at_its_limit_with_a_clean_error() {
        let m = flapping("\"1000y\"");
        let err = trace_at_most(&m, 1, 0, 1000).unwrap_err();
        match err {
            EngineError::TraceTooLong {
                trial,
                limit,
                time,
                mission,
            } => {
                assert_eq!((trial, limit), (0, 1000));
                // About 1,000 events of 1 s apart on average, in a mission of
                // 1000 years: the trial stopped right there.
                assert!(time > 0.0 && time < 1.0, "stopped at {time} h");
                assert_eq!(mission, m.mission);
            }
            other => panic!("{other:?}"),
        }
        let text = trace_at_most(&m, 1, 0, 1000).unwrap_err().to_string();
        assert!(text.contains("1000 events") && text.contains("trial 0"), "{text}");
    }

    #[test]
    fn a_recorder_never_holds_more_than_its_limit() {
        let mut rec = Recorder::with_limit(1000);
        for k in 0..5000 {
            rec.element(f64::from(k), 0, k % 2 == 0);
            assert_eq!(rec.full(), k >= 1000);
        }
        assert_eq!(rec.events().len(), 1000);
        assert!(rec.events.capacity() <= 1000);
        assert!(rec.into_events().is_none());
    }

    #[test]
    fn a_trace_within_its_limit_is_whole() {
        let m = flapping("0.2");
        let whole = trace(&m, 1, 0).unwrap();
        assert!(whole.len() > 100, "{}", whole.len());
        assert_eq!(trace_at_most(&m, 1, 0, whole.len()).unwrap(), whole);
        assert!(matches!(
            trace_at_most(&m, 1, 0, whole.len() - 1),
            Err(EngineError::TraceTooLong { .. })
        ));
    }

    /// The waits of a trace, as (time [h], element id, why).
    fn waits(m: &Model) -> Vec<(f64, &str, RepairWait)> {
        trace(m, 1, 0)
            .unwrap()
            .into_iter()
            .filter_map(|ev| match ev {
                TraceEvent::RepairWaits { t, element, why } => {
                    Some((t, m.elements[element].id.as_str(), why))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_repair_behind_a_busy_crew_says_so() {
        // One crew: `a` fails at 10 h and is repaired until 15 h; `b` fails
        // at 12 h, waits out 1 h of logistics, then for the crew until 15 h.
        // `c`, of the one-crew pool `east`, fails at 11 h with that pool
        // free, and at 12.5 h `d` of the same pool waits for it.
        let m = model(
            r#"{"format": "redsim/1", "name": "crew", "mission": "20h",
                "repair": {"crews": 1, "pools": {"east": {"crews": 1}}},
                "components": [
                  {"id": "a", "failure": {"fixed": "10h"}, "repair": {"fixed": "5h"}},
                  {"id": "b", "failure": {"fixed": "12h"}, "repair": {"fixed": "5h"}, "logistics": {"fixed": "1h"}},
                  {"id": "c", "failure": {"fixed": "11h"}, "repair": {"fixed": "5h"}, "repair_pool": "east"},
                  {"id": "d", "failure": {"fixed": "12.5h"}, "repair": {"fixed": "5h"}, "repair_pool": "east"}
                ],
                "services": [{"id": "s", "requires": {"all": ["a", "b", "c", "d"]}}]}"#,
        );
        assert_eq!(
            waits(&m),
            [
                (12.0, "b", RepairWait::Logistics),
                (
                    12.5,
                    "d",
                    RepairWait::Crew {
                        pool: 1,
                        busy: 1,
                        in_line: 1
                    }
                ),
                (
                    13.0,
                    "b",
                    RepairWait::Crew {
                        pool: 0,
                        busy: 1,
                        in_line: 1
                    }
                ),
            ]
        );
        let events = trace(&m, 1, 0).unwrap();
        let b = m.elements.iter().position(|e| e.id == "b").unwrap();
        assert!(events.contains(&TraceEvent::RepairStarted { t: 15.0, element: b }));
    }

    #[test]
    fn a_repair_without_a_spare_waits_for_the_restock() {
        // `x` (pool of 1, restock 100 h) takes the spare at 10 h, and at
        // 25 h finds none: it waits for the one ordered at 10 h (110 h).
        // `y` (pool of 0, restock 50 h) always waits for its own order.
        // `z` cannot be repaired.
        let m = model(
            r#"{"format": "redsim/1", "name": "spares", "mission": "130h",
                "spare_pools": [{"id": "parts", "size": 1, "restock": {"fixed": "100h"}},
                                {"id": "none", "size": 0, "restock": {"fixed": "50h"}}],
                "components": [
                  {"id": "x", "failure": {"fixed": "10h"}, "repair": {"fixed": "5h"}, "spares": {"pool": "parts"}},
                  {"id": "y", "failure": {"fixed": "20h"}, "repair": {"fixed": "5h"}, "spares": {"pool": "none"}},
                  {"id": "z", "failure": {"fixed": "120h"}, "repair": "never"}
                ],
                "services": [{"id": "s", "requires": {"all": ["x", "y", "z"]}}]}"#,
        );
        let spare = |pool| RepairWait::Spare { pool, in_line: 1 };
        assert_eq!(
            waits(&m),
            [
                (20.0, "y", spare(1)),
                (25.0, "x", spare(0)),
                (95.0, "y", spare(1)),
                (120.0, "z", RepairWait::Never),
            ]
        );
        let taken: Vec<(f64, usize, usize)> = trace(&m, 1, 0)
            .unwrap()
            .into_iter()
            .filter_map(|ev| match ev {
                TraceEvent::SpareTaken { t, pool, element } => Some((t, pool, element)),
                _ => None,
            })
            .collect();
        assert_eq!(taken, [(70.0, 1, 1), (110.0, 0, 0)]);
    }

    #[test]
    fn the_first_outage_is_the_first_trial_a_run_counts_one_in() {
        // Outages in about one trial in 30, of `a` alone or of both.
        let m = model(
            r#"{"format": "redsim/1", "name": "rare", "mission": "10h",
                "components": [{"id": "a", "mtbf": "300h", "mttr": "1h"},
                               {"id": "b", "mtbf": "300h", "mttr": "1h"}],
                "services": [{"id": "one", "requires": "a"},
                             {"id": "both", "requires": {"any": ["a", "b"]}}]}"#,
        );
        let down_in = |k: u64, s: usize| {
            let cfg = super::super::RunConfig {
                seed: 5,
                first_trial: k,
                trials: 1,
                threads: Some(1),
            };
            super::super::run(&m, &cfg, &|_| {}).unwrap().services[s]
                .outages
                .sum
                > 0
        };
        for s in [Some(0), None] {
            let k = first_outage(&m, 5, 0, 100_000, s)
                .unwrap()
                .expect("an outage of a in 100,000 trials");
            assert!(down_in(k, 0));
            assert!((0..k).all(|j| !down_in(j, 0)), "trial {k} is the first");
            // From the trial after it, the next one.
            let next = first_outage(&m, 5, k + 1, 100_000, s).unwrap().unwrap();
            assert!(next > k && down_in(next, 0) && (k + 1..next).all(|j| !down_in(j, 0)));
        }
        // Both down needs both failed at once: rarer, and never before `a` alone.
        let both = first_outage(&m, 5, 0, 100_000, Some(1)).unwrap().unwrap();
        assert!(down_in(both, 1) && (0..both).all(|j| !down_in(j, 1)));
        // A bound with nothing inside it.
        let k = first_outage(&m, 5, 0, 100_000, Some(0)).unwrap().unwrap();
        assert_eq!(first_outage(&m, 5, 0, k, Some(0)).unwrap(), None);
        assert_eq!(first_outage(&m, 5, 0, 0, None).unwrap(), None);
    }

    #[test]
    fn trace_events_are_small() {
        // MAX_TRACE_EVENTS's memory bound, as documented.
        assert!(std::mem::size_of::<TraceEvent>() <= 40);
    }
}
