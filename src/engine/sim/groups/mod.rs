//! Failover groups, standby ageing and planned maintenance.
//!
//! A group acts through its members' `carry` flags: a member that does not
//! carry traffic is not functional to the rest of the system, whatever its
//! own state. The group watches its members' *natural* state (up, not in
//! maintenance, requirement met) and moves `carry` as failover, failback and
//! reconvergence dictate; its delays are timers in event slots of their own.

use std::cmp::Reverse;

use super::{Event, Observer, Phase, Plan, PlanGroupKind, PlanService, Rows, ServiceState, Slot, Trial, rng};
use crate::model::{GroupMode, Model, direct_requirements};

mod active_active;
mod active_passive;

/// No member (a group's `active` or `target`).
const NONE: u32 = u32::MAX;

/// Where a group is in its cycle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Stage {
    /// The active member (active-passive) or every functional member
    /// (active-active) carries traffic.
    #[default]
    Normal,
    /// The active member was lost; detection is under way.
    Detecting,
    /// A switchover to `target` is under way.
    Switching { planned: bool },
    /// The switch failed; a manual failover to `target` is under way.
    Manual,
    /// A planned switch back to the higher-priority `target` is under way.
    Failback,
    /// No member could take over; the first to become functional will.
    Down,
    /// Active-active: traffic is reconverging after a member was lost.
    Reconverging,
}

/// The state of one group during a trial.
#[derive(Debug, Clone, Default)]
pub(super) struct GroupState {
    stage: Stage,
    /// The active member (active-passive; `NONE` when down).
    active: u32,
    /// The member holding the latest writes (the last one to carry).
    owner: u32,
    /// The member a switchover or manual failover is heading for.
    target: u32,
    /// Sequence number of the pending timer (0: none).
    pending_seq: u64,
    /// End of the reconvergence under way [h].
    until: f64,
    /// The group went down in a planned switch (a takeover then loses no writes).
    down_planned: bool,
    rng: Option<rng::StreamRng>,
}

/// The state of one maintenance schedule during a trial.
#[derive(Debug, Clone, Default)]
pub(super) struct MaintState {
    /// Rounds begun.
    round: u64,
    /// Rolling: index (in the member list) of the member whose slot is under way.
    pos: Option<usize>,
    /// Rolling: whether that member is out of service (it was up at its slot).
    taken: bool,
    /// All together: the members taken out in this round.
    out: Vec<u32>,
}

impl Trial {
    /// Ageing rate of element `e` at the start of a trial: 1, or its group's
    /// idle rate for a standby.
    pub(super) fn initial_rate(&self, plan: &Plan, e: usize) -> f64 {
        let g = &plan.groups[plan.group_of[e] as usize];
        match g.kind {
            PlanGroupKind::Passive { idle_rate, .. } if g.members[0] as usize != e => idle_rate,
            _ => 1.0,
        }
    }

    /// Sets up groups and maintenance for a new trial: the first member of
    /// each active-passive group is active, the others stand by.
    pub(super) fn start_groups(
        &mut self,
        plan: &Plan,
        seed: u64,
        trial: u64,
        mission: f64,
        obs: &mut impl Observer,
    ) {
        self.planned_open.fill(0);
        self.planned_closed.clear();
        self.planned_now.fill(false);
        self.planned_now_list.clear();
        self.instant_planned = false;
        self.planned_at.clear();
        self.instant_failed.clear();
        self.down_planned.fill(false);
        self.began_planned.fill(false);
        self.group_queue.clear();
        for (g, pg) in plan.groups.iter().enumerate() {
            let first = pg.members[0];
            self.gstate[g] = GroupState {
                stage: Stage::Normal,
                active: first,
                owner: first,
                target: NONE,
                pending_seq: 0,
                until: 0.0,
                down_planned: false,
                rng: Some(rng::stream(seed, trial, pg.key)),
            };
            if let PlanGroupKind::Passive { .. } = pg.kind {
                // A standby's not carrying may cut off another group's member:
                // that change is queued by propagation and settled below.
                for &m in &pg.members[1..] {
                    self.set_carry(plan, m as usize, false);
                }
            }
        }
        for (k, m) in plan.maint.iter().enumerate() {
            self.mstate[k].round = 0;
            self.mstate[k].pos = None;
            self.mstate[k].taken = false;
            self.mstate[k].out.clear();
            if m.start < mission {
                self.seq += 1;
                let slot = Slot::Maintenance(k as u32);
                self.queue.push(Reverse(Event::new(m.start, self.seq, slot)));
            }
        }
        if !self.group_queue.is_empty() {
            self.settle_groups(plan, 0.0, mission, obs);
        }
    }

    /// Member `m` of a group starts or stops carrying traffic.
    fn set_carry(&mut self, plan: &Plan, m: usize, carry: bool) {
        if self.el[m].carry != carry {
            self.el[m].carry = carry;
            self.propagate::<true>(plan, m);
        }
    }

    /// Element `e` now ages at `rate`: the age it has left is spent at the new
    /// rate from `t` on, so that non-exponential laws stay right.
    fn set_rate(&mut self, plan: &Plan, e: usize, rate: f64, t: f64, mission: f64) {
        if !plan.aging[e] || self.aging[e].rate == rate {
            return;
        }
        let up = self.el[e].phase == Phase::Up;
        let a = &mut self.aging[e];
        if up {
            a.left = (a.left - a.rate * (t - a.since)).max(0.0);
        }
        a.since = t;
        a.rate = rate;
        if up {
            if rate > 0.0 {
                let dt = a.left / rate;
                self.schedule(e, t, dt, mission);
            } else {
                self.el[e].pending_seq = 0;
            }
        }
    }

    /// Group `g`'s timer goes off `dt` after `t`, replacing any pending one.
    fn schedule_group(&mut self, g: usize, t: f64, dt: f64, mission: f64) {
        if t + dt < mission {
            self.seq += 1;
            self.gstate[g].pending_seq = self.seq;
            self.queue
                .push(Reverse(Event::new(t + dt, self.seq, Slot::Group(g as u32))));
        } else {
            self.gstate[g].pending_seq = 0;
        }
    }

    /// The first member of group `g`, in priority order, that is functional but for carrying.
    fn best_member(&self, plan: &Plan, g: usize) -> Option<u32> {
        plan.groups[g]
            .members
            .iter()
            .copied()
            .find(|&m| self.el[m as usize].nat)
    }

    /// Lets groups act on their members' changes of natural state, until
    /// nothing more changes.
    pub(super) fn settle_groups(&mut self, plan: &Plan, t: f64, mission: f64, obs: &mut impl Observer) {
        let mut i = 0;
        while i < self.group_queue.len() {
            let (m, nat) = self.group_queue[i];
            i += 1;
            self.member_changed(plan, m as usize, nat, t, mission, obs);
        }
        self.group_queue.clear();
    }

    /// Member `m`'s natural state became `nat` at `t`.
    fn member_changed(
        &mut self,
        plan: &Plan,
        m: usize,
        nat: bool,
        t: f64,
        mission: f64,
        obs: &mut impl Observer,
    ) {
        for &s in plan.member_leaves.row(m) {
            if let PlanService::Logic { .. } = plan.services[s as usize] {
                if nat {
                    self.nonfunc[s as usize] -= 1;
                } else {
                    self.nonfunc[s as usize] += 1;
                }
            }
            self.mark(s);
        }
        let g = plan.group_of[m] as usize;
        match &plan.groups[g].kind {
            PlanGroupKind::Passive {
                detection, failback, ..
            } => self.passive_member_changed(plan, g, m, nat, detection, *failback, t, mission, obs),
            PlanGroupKind::Active { reconvergence } => {
                self.active_member_changed(plan, g, m, nat, reconvergence.as_ref(), t, mission, obs);
            }
        }
    }

    fn group_rng(&mut self, g: usize) -> &mut rng::StreamRng {
        self.gstate[g]
            .rng
            .as_mut()
            .expect("seeded at the start of the trial")
    }

    /// Group `g`'s timer went off at `t` (the top event). Returns false when it was stale.
    pub(super) fn group_timer(
        &mut self,
        plan: &Plan,
        g: usize,
        t: f64,
        mission: f64,
        obs: &mut impl Observer,
    ) -> bool {
        let Some(Reverse(ev)) = self.queue.pop() else {
            unreachable!("the caller saw an event")
        };
        if ev.seq() != self.gstate[g].pending_seq {
            return false;
        }
        self.gstate[g].pending_seq = 0;
        match (&plan.groups[g].kind, self.gstate[g].stage) {
            (PlanGroupKind::Active { .. }, Stage::Reconverging) => self.reconverged(plan, g, t, obs),
            (PlanGroupKind::Passive { success, manual, .. }, stage) => {
                self.passive_timer(plan, g, stage, *success, manual, t, mission, obs);
            }
            (_, stage) => unreachable!("no timer runs in stage {stage:?}"),
        }
        if !self.group_queue.is_empty() {
            self.settle_groups(plan, t, mission, obs);
        }
        true
    }

    /// A planned activity on element `e` (its window, or its group's
    /// failback) begins: the services whose cone holds `e` see it.
    fn open_planned(&mut self, plan: &Plan, e: usize) {
        self.instant_planned = true;
        self.planned_at.push(e as u32);
        for &s in plan.planned_services.row(e) {
            let s = s as usize;
            self.planned_open[s] += 1;
            if !self.planned_now[s] {
                self.planned_now[s] = true;
                self.planned_now_list.push(s as u32);
            }
        }
    }

    /// A planned activity on element `e` ended.
    fn close_planned(&mut self, plan: &Plan, e: usize) {
        for &s in plan.planned_services.row(e) {
            self.planned_open[s as usize] -= 1;
            if self.planned_open[s as usize] == 0 {
                self.planned_closed.push(s);
            }
        }
    }

    /// Whether group member `m`, no longer functional, was taken out by a
    /// planned action: one began in this instant in what it depends on, and
    /// nothing there failed.
    #[cold]
    fn lost_to_planned(&self, plan: &Plan, m: usize) -> bool {
        let cone = plan.member_cone.row(m);
        let within = |e: &u32| cone.binary_search(e).is_ok();
        self.planned_at.iter().any(within) && !self.instant_failed.iter().any(within)
    }

    /// Whether an outage of service `s` that begins now is planned: a
    /// planned action began in its cone in this instant, and nothing in its
    /// cone failed.
    #[inline]
    pub(super) fn begins_planned(&self, plan: &Plan, s: usize) -> bool {
        self.planned_now[s] && {
            let cone = plan.cone.row(s);
            !self.instant_failed.iter().any(|e| cone.binary_search(e).is_ok())
        }
    }

    /// Maintenance schedule `k`'s timer went off at `t` (the top event): a
    /// window ends, and the next begins (or the round ends).
    pub(super) fn maintenance_event(
        &mut self,
        plan: &Plan,
        k: usize,
        t: f64,
        mission: f64,
        obs: &mut impl Observer,
    ) {
        self.queue.pop();
        let m = &plan.maint[k];
        let slot = Slot::Maintenance(k as u32);
        let eligible = |tr: &Self, i: usize| tr.el[m.members[i]].phase == Phase::Up;
        let next_window = if m.rolling {
            // Each member has its own slot in the round: one down for repair
            // at its slot is skipped, and the next still waits for its own.
            let next = match self.mstate[k].pos.take() {
                Some(i) => {
                    if self.mstate[k].taken {
                        self.end_window(plan, k, m.members[i], t, obs);
                    }
                    i + 1
                }
                None => 0,
            };
            let more = next < m.members.len();
            if more {
                let taken = eligible(self, next);
                self.mstate[k].pos = Some(next);
                self.mstate[k].taken = taken;
                if taken {
                    self.begin_window(plan, k, m.members[next], t, obs);
                }
            }
            more
        } else if self.mstate[k].out.is_empty() {
            let out: Vec<u32> = (0..m.members.len())
                .filter(|&i| eligible(self, i))
                .map(|i| m.members[i] as u32)
                .collect();
            for &e in &out {
                self.begin_window(plan, k, e as usize, t, obs);
            }
            self.mstate[k].out = out;
            !self.mstate[k].out.is_empty()
        } else {
            for e in std::mem::take(&mut self.mstate[k].out) {
                self.end_window(plan, k, e as usize, t, obs);
            }
            false
        };
        let at = if next_window {
            t + m.duration
        } else {
            self.mstate[k].round += 1;
            m.start + self.mstate[k].round as f64 * m.every
        };
        if at < mission {
            self.seq += 1;
            self.queue.push(Reverse(Event::new(at, self.seq, slot)));
        }
        if !self.group_queue.is_empty() {
            self.settle_groups(plan, t, mission, obs);
        }
    }

    fn begin_window(&mut self, plan: &Plan, k: usize, e: usize, t: f64, obs: &mut impl Observer) {
        self.open_planned(plan, e);
        self.el[e].maint += 1;
        obs.maintenance(t, k, e, true);
        self.propagate::<true>(plan, e);
    }

    fn end_window(&mut self, plan: &Plan, k: usize, e: usize, t: f64, obs: &mut impl Observer) {
        self.el[e].maint -= 1;
        obs.maintenance(t, k, e, false);
        self.propagate::<true>(plan, e);
        self.close_planned(plan, e);
    }

    /// Once the services of instant `t` are judged: an outage that began
    /// planned and outlasts every planned activity in its service's cone is
    /// unplanned from now on.
    /// Under failure biasing (`BIAS`) the planned part is weighted by the
    /// likelihood ratio at `t`, as every other increment is.
    #[inline]
    pub(super) fn end_instant<const BIAS: bool>(&mut self, plan: &Plan, t: f64) {
        self.instant_failed.clear();
        if self.instant_planned || !self.planned_closed.is_empty() {
            self.end_planned_instant::<BIAS>(plan, t);
        }
    }

    /// [`Self::end_instant`] when a planned activity began or ended in the instant.
    #[cold]
    fn end_planned_instant<const BIAS: bool>(&mut self, plan: &Plan, t: f64) {
        let mut l_at_t = false;
        while let Some(s) = self.planned_closed.pop() {
            let s = s as usize;
            // Another planned activity may have begun in the same instant.
            if self.planned_open[s] == 0 && self.down_planned[s] && self.state[s] == ServiceState::Down {
                let planned = t - self.planned_since[s];
                self.results[s].planned_down += planned;
                if BIAS {
                    if !l_at_t {
                        self.bias_update(plan, t);
                        l_at_t = true;
                    }
                    self.bias.w[s].planned_down += self.bias.l * planned;
                }
                self.down_planned[s] = false;
            }
        }
        while let Some(s) = self.planned_now_list.pop() {
            self.planned_now[s as usize] = false;
        }
        self.planned_at.clear();
        self.instant_planned = false;
    }
}

/// Priority rank of member `m` in its group (0: first).
fn rank(pg: &super::PlanGroup, m: u32) -> usize {
    pg.members.iter().position(|&x| x == m).unwrap_or(usize::MAX)
}

/// Dependency cones, for the planned/unplanned split, all empty when the
/// model plans nothing:
///
/// - per service of `wanted`: what [`Model::depends_on`] finds, closed over
///   group mates (a member carries traffic or not by what happens to its
///   mates) and their requirements, sorted;
/// - per element: the services whose cone holds it, for the members of
///   maintenance schedules and of groups that fail back;
/// - per member of an active-passive group: what its natural state depends
///   on (itself and the cone of what it requires), sorted.
pub(super) fn planned_cones(model: &Model, wanted: &[usize]) -> (Rows, Rows, Rows) {
    let n = model.elements.len();
    let mut cones = vec![Vec::new(); wanted.len()];
    let mut services_of = vec![Vec::new(); n];
    let mut member_cones = vec![Vec::new(); n];
    if model.has_planned() {
        let mut group_of = vec![usize::MAX; n];
        for (g, grp) in model.groups.iter().enumerate() {
            grp.members.iter().for_each(|&m| group_of[m] = g);
        }
        // Marks everything `seen` depends on, from the elements on `stack`.
        let close = |seen: &mut [bool], mut stack: Vec<usize>| {
            while let Some(e) = stack.pop() {
                let mates = match group_of[e] {
                    usize::MAX => &[][..],
                    g => &model.groups[g].members[..],
                };
                for d in direct_requirements(&model.elements[e])
                    .into_iter()
                    .chain(mates.iter().copied())
                {
                    if !seen[d] {
                        seen[d] = true;
                        stack.push(d);
                    }
                }
            }
        };
        let mut planned = vec![false; n];
        for m in &model.maintenance {
            m.members.iter().for_each(|&e| planned[e] = true);
        }
        for grp in &model.groups {
            if let GroupMode::ActivePassive { failback, .. } = grp.mode {
                for &m in &grp.members {
                    planned[m] |= failback;
                    let mut seen = vec![false; n];
                    let reqs = direct_requirements(&model.elements[m]);
                    reqs.iter().for_each(|&d| seen[d] = true);
                    close(&mut seen, reqs);
                    seen[m] = true;
                    member_cones[m] = (0..n).filter(|&e| seen[e]).map(|e| e as u32).collect();
                }
            }
        }
        for (si, &w) in wanted.iter().enumerate() {
            let mut seen = model.depends_on(w);
            let from = (0..n).filter(|&e| seen[e]).collect();
            close(&mut seen, from);
            for e in (0..n).filter(|&e| seen[e]) {
                cones[si].push(e as u32);
                if planned[e] {
                    services_of[e].push(si as u32);
                }
            }
        }
    }
    (
        Rows::from_lists(&cones),
        Rows::from_lists(&services_of),
        Rows::from_lists(&member_cones),
    )
}
