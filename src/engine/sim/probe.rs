//! The structure function: services as functions of which elements are
//! failed, through the engine's incremental propagation.

use super::{Plan, PlanService, ServiceState, Trial};

/// The services as functions of which elements are failed, evaluated with
/// the engine's incremental propagation and no clock: the structure
/// function, with every group member carrying traffic and nothing in
/// maintenance. Set elements down and up in any order and read the services.
///
/// A probe resets and propagates through every service of its plan: build
/// it on a plan of the services of interest ([`Plan::for_services`]) for
/// its cost not to grow with the others.
pub struct Probe {
    trial: Trial,
}

impl Probe {
    /// Everything up.
    pub fn new(plan: &Plan) -> Self {
        let mut trial = Trial::new(plan);
        for (p, st) in plan.services.iter().zip(&mut trial.reach) {
            if let (PlanService::Reach(rp), Some(st)) = (p, st) {
                rp.reset(st, &trial.func);
            }
        }
        Self { trial }
    }

    /// Fails element `e` (`down`) or repairs it. `e` is an element that can
    /// fail (has a failure law): one that cannot may be compiled out of the
    /// services (a perfect link is, see `ReachPlan::new`'s passive elements).
    pub fn set(&mut self, plan: &Plan, e: usize, down: bool) {
        self.trial.el[e].up = !down;
        self.trial.propagate::<false>(plan, e);
        while let Some(s) = self.trial.dirty_list.pop() {
            self.trial.dirty[s as usize] = false;
        }
    }

    /// Whether service `s` is up now.
    pub fn up(&mut self, plan: &Plan, s: usize) -> bool {
        self.trial.eval_service(plan, s) != ServiceState::Down
    }

    /// Service `s`'s state now: up, degraded or down.
    pub fn state(&mut self, plan: &Plan, s: usize) -> ServiceState {
        self.trial.eval_service(plan, s)
    }

    /// Targets of reachability service `s` reached now (`None` for a logical service).
    pub fn reached(&mut self, plan: &Plan, s: usize) -> Option<usize> {
        let PlanService::Reach(rp) = &plan.services[s] else {
            return None;
        };
        let st = self.trial.reach[s]
            .as_mut()
            .expect("state of a reachability service");
        let el = &self.trial.el;
        rp.eval(st, &self.trial.func, |e| el[e as usize].nat);
        Some(rp.found(st))
    }
}
