//! A readable record of one trial: every element failure and repair, group
//! failover step, maintenance window and service state change, in time order.

use super::sim::{GroupEvent, Observer, Plan, ServiceState, Trial};
use super::{EngineError, Runaway};
use crate::model::{ElementId, Model};

/// One thing that happened in a trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TraceEvent {
    /// An element failed (`up == false`) or was repaired, at `t` [h].
    Element { t: f64, element: ElementId, up: bool },
    /// A service entered `state` at `t` [h] (at `t = 0`: its initial state).
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
    /// When it happened [h].
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

/// An observer that keeps every event.
#[derive(Debug, Default)]
pub struct Recorder {
    pub events: Vec<TraceEvent>,
}

impl Observer for Recorder {
    fn element(&mut self, t: f64, element: ElementId, up: bool) {
        self.events.push(TraceEvent::Element { t, element, up });
    }
    fn service(&mut self, t: f64, service: usize, state: ServiceState) {
        self.events.push(TraceEvent::Service { t, service, state });
    }
    fn repair_started(&mut self, t: f64, element: ElementId) {
        self.events.push(TraceEvent::RepairStarted { t, element });
    }
    fn shock(&mut self, t: f64, shock: usize) {
        self.events.push(TraceEvent::Shock { t, shock });
    }
    fn group(&mut self, t: f64, group: usize, event: GroupEvent) {
        self.events.push(TraceEvent::Group { t, group, event });
    }
    fn maintenance(&mut self, t: f64, schedule: usize, element: ElementId, begin: bool) {
        self.events.push(TraceEvent::Maintenance {
            t,
            schedule,
            element,
            begin,
        });
    }
}

/// Runs trial `trial` of a run with master seed `seed` and returns what
/// happened: the same trial, draw for draw, as in `engine::run`.
///
/// # Errors
/// [`EngineError::Runaway`] when the trial needs too many events.
pub fn trace(model: &Model, seed: u64, trial: u64) -> Result<Vec<TraceEvent>, EngineError> {
    let plan = Plan::new(model);
    let mut state = Trial::new(&plan);
    let mut rec = Recorder::default();
    state
        .run(&plan, seed, trial, &mut rec, |_, _, _| {})
        .map_err(|r: Runaway| EngineError::Runaway {
            trial: r.trial,
            element: model.elements[r.element].id.clone(),
        })?;
    Ok(rec.events)
}
