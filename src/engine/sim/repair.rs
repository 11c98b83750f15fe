//! Repairs: spare pools (base stock, restocking), crews and their lines per
//! crew pool, and the dispatch of a crew that comes free.

use std::cmp::Reverse;

use rand::RngExt;

use super::{Event, Observer, Phase, Plan, Slot, Trial};
use crate::model::Discipline;

impl Trial {
    /// Element `e` is ready for repair at `t`: it takes a spare from its pool
    /// (or waits for one), then a crew (or waits in line). Returns the delay
    /// [h] to the end of its repair when the repair starts now.
    pub(super) fn request_repair(&mut self, plan: &Plan, e: usize, t: f64, mission: f64) -> Option<f64> {
        if let Some(p) = plan.spare_pool[e] {
            // Base stock: every demand orders a replacement at once.
            let p = p as usize;
            self.order_spare(plan, p, t, mission);
            if self.on_hand[p] == 0 {
                self.el[e].phase = Phase::AwaitingSpare;
                self.spare_waiters[p].push_back(e as u32);
                return None;
            }
            self.on_hand[p] -= 1;
        }
        self.take_crew(plan, e)
    }

    /// Element `e` takes a free crew (returns its repair time [h]) or joins the line.
    pub(super) fn take_crew(&mut self, plan: &Plan, e: usize) -> Option<f64> {
        let p = plan.crew_pool[e] as usize;
        if plan.crew_pools[p].crews.is_none_or(|c| self.busy[p] < c) {
            Some(self.start_repair(plan, e))
        } else {
            self.wait_for_crew(plan, e);
            None
        }
    }

    /// A crew of its pool starts repairing element `e`; returns the repair time [h].
    pub(super) fn start_repair(&mut self, plan: &Plan, e: usize) -> f64 {
        self.busy[plan.crew_pool[e] as usize] += 1;
        let el = &mut self.el[e];
        el.phase = Phase::Repairing;
        let repair = plan.life[e]
            .as_ref()
            .and_then(|l| l.1.as_ref())
            .expect("only repairable elements repair");
        repair.sample(&mut el.rng)
    }

    /// A spare was asked of pool `p` at `t`: its replacement arrives after the restock time.
    pub(super) fn order_spare(&mut self, plan: &Plan, p: usize, t: f64, mission: f64) {
        let dt = plan.pools[p].restock.sample(&mut self.pool_rngs[p]);
        if t + dt < mission {
            self.seq += 1;
            self.queue
                .push(Reverse(Event::new(t + dt, self.seq, Slot::Spare(p as u32))));
        }
    }

    /// A spare ordered for pool `p` arrives at `t` (the top event): the first
    /// element waiting for one takes it and goes on to a crew.
    pub(super) fn spare_arrives(
        &mut self,
        plan: &Plan,
        p: usize,
        t: f64,
        mission: f64,
        obs: &mut impl Observer,
    ) {
        self.queue.pop();
        self.on_hand[p] += 1;
        let Some(e) = self.spare_waiters[p].pop_front() else {
            return;
        };
        let e = e as usize;
        // Its replacement was ordered when it asked.
        self.on_hand[p] -= 1;
        if let Some(dt) = self.take_crew(plan, e) {
            self.schedule(e, t, dt, mission);
            obs.repair_started(t, e);
        }
    }

    /// Puts failed element `e` in line for a crew of its pool.
    pub(super) fn wait_for_crew(&mut self, plan: &Plan, e: usize) {
        self.el[e].phase = Phase::Queued;
        self.seq += 1;
        let p = plan.crew_pool[e] as usize;
        match plan.crew_pools[p].discipline {
            Discipline::Random => self.waiting_random[p].push(e as u32),
            Discipline::Fifo => self.waiting[p].push(Reverse((0, self.seq, e as u32))),
            Discipline::Priority => {
                self.waiting[p].push(Reverse((-plan.priority[e], self.seq, e as u32)));
            }
        }
    }

    /// A crew of pool `p` came free at `t`: it starts on the pool's next
    /// waiting repair, if any.
    pub(super) fn dispatch(&mut self, plan: &Plan, p: usize, t: f64, mission: f64, obs: &mut impl Observer) {
        let next = match plan.crew_pools[p].discipline {
            Discipline::Random if !self.waiting_random[p].is_empty() => {
                let i = self.dispatcher[p].random_range(0..self.waiting_random[p].len());
                Some(self.waiting_random[p].swap_remove(i))
            }
            Discipline::Random => None,
            Discipline::Fifo | Discipline::Priority => self.waiting[p].pop().map(|Reverse((_, _, e))| e),
        };
        let Some(f) = next else { return };
        let f = f as usize;
        let dt = self.start_repair(plan, f);
        self.schedule(f, t, dt, mission);
        obs.repair_started(t, f);
    }
}
