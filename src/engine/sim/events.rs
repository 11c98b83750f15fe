//! The event queue and the events of an element's life: a failure, the end
//! of its logistics delay, its repair, and common-cause shocks.

use std::cmp::Reverse;
use std::collections::binary_heap::PeekMut;

use rand::RngExt;

use super::{Observer, Phase, Plan, Step, Trial};

/// What a pending event is addressed to. Each kind has its own index
/// space: an element's index in the model, a shock's, a spare pool's, a
/// group's or a maintenance schedule's index in its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    /// The element's next failure, end of logistics or end of repair.
    Element(u32),
    /// The common-cause shock's next strike.
    Shock(u32),
    /// A spare ordered for the pool arrives.
    Spare(u32),
    /// The group's timer (detection, switchover, reconvergence, failback).
    Group(u32),
    /// The maintenance schedule's next window begins or ends.
    Maintenance(u32),
}

/// A pending event, ordered by time, then by the order it was scheduled in.
/// Packs time (bits of a non-negative `f64`, which order like the numbers),
/// a sequence number (37 bits: unique within a trial, so the slot never
/// decides the order), the slot's kind (3 bits) and its index (24 bits)
/// into one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Event(u128);

// The typed slot costs nothing: an event is still one 128-bit key.
const _: () = assert!(std::mem::size_of::<Event>() == 16);

/// Bits of a slot's index.
const INDEX_BITS: u32 = 24;
/// Bits of a slot: its kind above its index.
const SLOT_BITS: u32 = INDEX_BITS + 3;

impl Event {
    #[inline]
    pub(super) fn new(time: f64, seq: u64, slot: Slot) -> Self {
        let (kind, i) = match slot {
            Slot::Element(i) => (0, i),
            Slot::Shock(i) => (1, i),
            Slot::Spare(i) => (2, i),
            Slot::Group(i) => (3, i),
            Slot::Maintenance(i) => (4, i),
        };
        debug_assert!(i < 1 << INDEX_BITS && seq < 1 << (64 - SLOT_BITS));
        Self(
            (u128::from(time.to_bits()) << 64)
                | (u128::from(seq) << SLOT_BITS)
                | u128::from(kind << INDEX_BITS | i),
        )
    }
    #[inline]
    pub(super) fn time(self) -> f64 {
        f64::from_bits((self.0 >> 64) as u64)
    }
    #[inline]
    pub(super) fn slot(self) -> Slot {
        let i = (self.0 as u32) & ((1 << INDEX_BITS) - 1);
        match (self.0 as u32 >> INDEX_BITS) & 7 {
            0 => Slot::Element(i),
            1 => Slot::Shock(i),
            2 => Slot::Spare(i),
            3 => Slot::Group(i),
            _ => Slot::Maintenance(i),
        }
    }
    #[inline]
    pub(super) fn seq(self) -> u64 {
        (self.0 as u64) >> SLOT_BITS
    }
}

impl Trial {
    /// The top event is element `e`'s at `t`: applies it and schedules the
    /// element's next one (replacing the top of the heap). `None` when the
    /// event is stale (the element was rescheduled since).
    #[inline(always)]
    pub(super) fn element_event<const FULL: bool, const BIAS: bool>(
        &mut self,
        plan: &Plan,
        e: usize,
        t: f64,
        mission: f64,
    ) -> Option<Step> {
        let mut top = self.queue.peek_mut().expect("the caller saw an event");
        if FULL && top.0.seq() != self.el[e].pending_seq {
            PeekMut::pop(top);
            return None;
        }
        let (fail, repair) = plan.life[e]
            .as_ref()
            .expect("only elements with a life have events");
        let (step, next) = match self.el[e].phase {
            // Without crews, logistics or shocks a failed element goes straight to repair.
            Phase::Up if !FULL => {
                self.el[e].up = false;
                match repair {
                    Some(r) => {
                        self.el[e].phase = Phase::Repairing;
                        (Step::Failed, Some(r.sample(&mut self.el[e].rng)))
                    }
                    None => {
                        self.el[e].phase = Phase::Dead;
                        (Step::Failed, None)
                    }
                }
            }
            Phase::Up => {
                drop(top);
                if BIAS {
                    self.bias_failed(plan, e, t, true);
                }
                let next = self.fail_now(plan, e, t, mission);
                top = self.queue.peek_mut().expect("still there");
                (Step::Failed, next)
            }
            Phase::Logistics => {
                drop(top);
                let next = self.request_repair(plan, e, t, mission);
                top = self.queue.peek_mut().expect("still there");
                (Step::LogisticsDone, next)
            }
            Phase::Repairing => {
                self.el[e].up = true;
                self.el[e].phase = Phase::Up;
                let age = fail.sample(&mut self.el[e].rng);
                if BIAS {
                    self.bias.renew(plan, e, age, t);
                }
                if FULL && plan.aging[e] {
                    // The age at failure is spent at the element's current ageing rate.
                    let a = &mut self.aging[e];
                    (a.left, a.since) = (age, t);
                    (Step::Repaired, (a.rate > 0.0).then(|| age / a.rate))
                } else {
                    (Step::Repaired, Some(age))
                }
            }
            Phase::Queued | Phase::AwaitingSpare | Phase::Dead => {
                unreachable!("waiting and dead elements have no event")
            }
        };
        match next {
            Some(dt) if t + dt < mission => {
                self.seq += 1;
                if FULL {
                    self.el[e].pending_seq = self.seq;
                }
                *top = Reverse(Event::new(t + dt, self.seq, Slot::Element(e as u32)));
            }
            _ => {
                if FULL {
                    self.el[e].pending_seq = 0;
                }
                PeekMut::pop(top);
            }
        }
        Some(step)
    }

    /// Element `e`, up, fails now: it goes into logistics, or on to repair,
    /// or is gone for good. Returns the delay [h] to its next event.
    #[inline(always)]
    pub(super) fn fail_now(&mut self, plan: &Plan, e: usize, t: f64, mission: f64) -> Option<f64> {
        let el = &mut self.el[e];
        el.up = false;
        if plan.life[e].as_ref().is_some_and(|l| l.1.is_none()) {
            el.phase = Phase::Dead;
            return None;
        }
        match &plan.logistics[e] {
            Some(l) => {
                el.phase = Phase::Logistics;
                Some(l.sample(&mut el.rng))
            }
            None => self.request_repair(plan, e, t, mission),
        }
    }

    /// Schedules element `e`'s next event `dt` after `t`, replacing any pending one.
    pub(super) fn schedule(&mut self, e: usize, t: f64, dt: f64, mission: f64) {
        if t + dt < mission {
            self.seq += 1;
            self.el[e].pending_seq = self.seq;
            self.queue
                .push(Reverse(Event::new(t + dt, self.seq, Slot::Element(e as u32))));
        } else {
            self.el[e].pending_seq = 0;
        }
    }

    /// Shock `k` strikes at `t`: each member that is up fails with the
    /// shock's probability. One draw per member, up or not, so that the
    /// shock's stream stays aligned across designs.
    pub(super) fn shock(&mut self, plan: &Plan, k: usize, t: f64, mission: f64, obs: &mut impl Observer) {
        let shock = &plan.shocks[k];
        let dt = shock.interval.sample(&mut self.shock_rngs[k]);
        {
            let mut top = self.queue.peek_mut().expect("the caller saw an event");
            if t + dt < mission {
                self.seq += 1;
                self.shock_seq[k] = self.seq;
                *top = Reverse(Event::new(t + dt, self.seq, Slot::Shock(k as u32)));
            } else {
                self.shock_seq[k] = 0;
                PeekMut::pop(top);
            }
        }
        if plan.bias.is_some() {
            self.bias_shock(plan, k, t, dt);
        }
        obs.shock(t, k);
        // Outages it begins are charged to the shock (slot `n + k`), not to a member.
        if self.instant_cause == u32::MAX {
            self.instant_cause = (plan.n_elements + k) as u32;
        }
        for &m in &shock.members {
            let m = m as usize;
            let u: f64 = self.shock_rngs[k].random();
            if self.el[m].phase != Phase::Up || u >= shock.probability {
                continue;
            }
            if plan.bias.is_some() {
                self.bias_failed(plan, m, t, false);
            }
            match self.fail_now(plan, m, t, mission) {
                Some(dt) => self.schedule(m, t, dt, mission),
                None => self.el[m].pending_seq = 0,
            }
            self.instant_failed.push(m as u32);
            obs.element(t, m, false);
            if self.el[m].phase == Phase::Repairing {
                obs.repair_started(t, m);
            } else if obs.records_waits() {
                self.report_wait(plan, m, t, obs);
            }
            self.propagate::<true>(plan, m);
        }
    }

    /// Schedules shock `k`'s next strike `dt` after `t` in place of the one
    /// pending, which becomes stale (failure biasing changed its hazard).
    pub(super) fn schedule_shock(&mut self, k: usize, t: f64, dt: f64, mission: f64) {
        if t + dt < mission {
            self.seq += 1;
            self.shock_seq[k] = self.seq;
            self.queue
                .push(Reverse(Event::new(t + dt, self.seq, Slot::Shock(k as u32))));
        } else {
            self.shock_seq[k] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_keeps_its_slot_and_orders_by_time_then_sequence() {
        let slots = [
            Slot::Element(0),
            Slot::Element((1 << INDEX_BITS) - 1),
            Slot::Shock(3),
            Slot::Spare(4),
            Slot::Group(5),
            Slot::Maintenance(6),
        ];
        let last_seq = (1 << (64 - SLOT_BITS)) - 1;
        for (i, &slot) in slots.iter().enumerate() {
            for seq in [1, i as u64 + 7, last_seq] {
                let ev = Event::new(2.5, seq, slot);
                assert_eq!((ev.time(), ev.seq(), ev.slot()), (2.5, seq, slot));
            }
        }
        // The slot never decides the order: a later sequence number comes
        // later whatever it is addressed to, and an earlier time first.
        let a = Event::new(1.0, 2, Slot::Maintenance(9));
        let b = Event::new(1.0, 3, Slot::Element(0));
        let c = Event::new(0.5, last_seq, Slot::Maintenance((1 << INDEX_BITS) - 1));
        assert!(c < a && a < b);
    }
}
