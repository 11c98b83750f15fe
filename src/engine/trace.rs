//! A readable record of one trial: every element failure and repair, group
//! failover step, maintenance window and service state change, in time order.

use super::EngineError;
use super::sim::{GroupEvent, Observer, Plan, ServiceState, Trial};
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

    #[test]
    fn trace_events_are_small() {
        // MAX_TRACE_EVENTS's memory bound, as documented.
        assert!(std::mem::size_of::<TraceEvent>() <= 40);
    }
}
