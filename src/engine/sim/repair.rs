//! Repairs: spare pools (base stock, restocking), crews and their lines per
//! crew pool, and the dispatch of a crew that comes free.

use std::cmp::Reverse;

use rand::RngExt;

use super::{Event, Observer, Phase, Plan, Slot, Trial};
use crate::model::Discipline;

/// Why a failed element's repair did not start: the engine's own decision,
/// read from the phase it put the element in (see [`Observer::repair_waits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairWait {
    /// Its logistics delay (travel, parts) runs first.
    Logistics,
    /// Every crew of crew pool `pool` is busy (0: the scenario-wide
    /// `repair.crews`, `1 + i`: `repair.pools[i]`): `busy` crews at work,
    /// `in_line` repairs waiting for one, this one included.
    Crew { pool: u32, busy: u32, in_line: u32 },
    /// Spare pool `pool` (index in the model's list) has no spare on hand:
    /// the element waits for a restocked one, `in_line` elements waiting,
    /// this one included (the replacement it ordered is on its way).
    Spare { pool: u32, in_line: u32 },
    /// It cannot be repaired (no repair law): it stays down to the end.
    Never,
}

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
        obs.spare_taken(t, p, e);
        if let Some(dt) = self.take_crew(plan, e) {
            self.schedule(e, t, dt, mission);
            obs.repair_started(t, e);
        } else if obs.records_waits() {
            self.report_wait(plan, e, t, obs);
        }
    }

    /// Tells `obs` why failed element `e` has not started its repair at
    /// `t`, from the phase the engine just put it in (nothing when it is
    /// being repaired).
    pub(super) fn report_wait(&self, plan: &Plan, e: usize, t: f64, obs: &mut impl Observer) {
        let why = match self.el[e].phase {
            Phase::Logistics => RepairWait::Logistics,
            Phase::Queued => {
                let p = plan.crew_pool[e] as usize;
                RepairWait::Crew {
                    pool: p as u32,
                    busy: self.busy[p],
                    in_line: (self.waiting[p].len() + self.waiting_random[p].len()) as u32,
                }
            }
            Phase::AwaitingSpare => {
                let p = plan.spare_pool[e].expect("an element awaiting a spare has a pool");
                RepairWait::Spare {
                    pool: p,
                    in_line: self.spare_waiters[p as usize].len() as u32,
                }
            }
            Phase::Dead => RepairWait::Never,
            Phase::Up | Phase::Repairing => return,
        };
        obs.repair_waits(t, e, why);
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
