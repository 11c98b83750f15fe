//! Active-passive groups: one member carries traffic; losing it starts
//! detection, then a switchover to the best functional member (which may
//! fail, then a manual failover), with failback to a higher-priority
//! member and, under asynchronous replication, the writes a failover loses.

use rand::RngExt;

use super::super::{GroupEvent, Observer, Plan, PlanGroupKind, Trial};
use super::{NONE, Stage, rank};
use crate::model::Sampler;

impl Trial {
    /// Member `m` of active-passive group `g` changed its natural state to `nat` at `t`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn passive_member_changed(
        &mut self,
        plan: &Plan,
        g: usize,
        m: usize,
        nat: bool,
        detection: &Sampler,
        failback: bool,
        t: f64,
        mission: f64,
        obs: &mut impl Observer,
    ) {
        let pg = &plan.groups[g];
        let m32 = m as u32;
        let (stage, active) = (self.gstate[g].stage, self.gstate[g].active);
        match stage {
            Stage::Normal if m32 == active && !nat => {
                // Taken out for maintenance, its own or that of something it
                // needs: a planned switch, no detection.
                if self.el[m].maint > 0 || (self.instant_planned && self.lost_to_planned(plan, m)) {
                    self.begin_switch(plan, g, t, mission, true, obs);
                } else {
                    self.gstate[g].stage = Stage::Detecting;
                    let dt = detection.sample(self.group_rng(g));
                    self.schedule_group(g, t, dt, mission);
                    obs.group(t, g, GroupEvent::Lost { member: m });
                }
            }
            Stage::Normal if nat && failback && rank(pg, m32) < rank(pg, active) => {
                self.begin_failback(plan, g, m32, t, mission, obs);
            }
            Stage::Switching { planned } if m32 == self.gstate[g].target && !nat => {
                // The target was lost during the switch: the next functional
                // member at once (a new switchover), or none.
                self.begin_switch(plan, g, t, mission, planned, obs);
            }
            Stage::Detecting if m32 == active && nat => {
                self.gstate[g].stage = Stage::Normal;
                self.gstate[g].pending_seq = 0;
                obs.group(t, g, GroupEvent::Resumed { member: m });
            }
            Stage::Down if nat => {
                // The best member functional now: several may have come back at once.
                let c = self.best_member(plan, g).unwrap_or(m32);
                let planned = self.gstate[g].down_planned;
                self.take_over(plan, g, c, t, mission, planned, false, obs);
            }
            _ => {}
        }
    }

    /// Active-passive group `g`'s timer went off at `t` in `stage`: detection,
    /// a switchover, a manual failover or a failback ended.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn passive_timer(
        &mut self,
        plan: &Plan,
        g: usize,
        stage: Stage,
        success: f64,
        manual: &Sampler,
        t: f64,
        mission: f64,
        obs: &mut impl Observer,
    ) {
        let target = self.gstate[g].target;
        match stage {
            Stage::Detecting => self.begin_switch(plan, g, t, mission, false, obs),
            Stage::Switching { planned } => {
                // A target lost during the switch was replaced at once (`member_changed`).
                debug_assert!(self.el[target as usize].nat, "switching to a lost target");
                if planned || self.group_rng(g).random::<f64>() < success {
                    self.take_over(plan, g, target, t, mission, planned, false, obs);
                } else {
                    self.gstate[g].stage = Stage::Manual;
                    let dt = manual.sample(self.group_rng(g));
                    self.schedule_group(g, t, dt, mission);
                    obs.group(t, g, GroupEvent::SwitchFailed { to: target as usize });
                }
            }
            Stage::Manual => {
                let c = if self.el[target as usize].nat {
                    Some(target)
                } else {
                    self.best_member(plan, g)
                };
                match c {
                    Some(c) => self.take_over(plan, g, c, t, mission, false, true, obs),
                    None => self.begin_switch(plan, g, t, mission, false, obs),
                }
            }
            Stage::Failback => {
                self.close_planned(plan, plan.groups[g].members[0] as usize);
                match self.best_member(plan, g) {
                    Some(c) => self.take_over(plan, g, c, t, mission, true, false, obs),
                    None => self.begin_switch(plan, g, t, mission, false, obs),
                }
            }
            stage => unreachable!("no active-passive timer runs in stage {stage:?}"),
        }
    }

    /// Starts a switchover of group `g` to its best functional member (or
    /// marks it down when there is none).
    pub(super) fn begin_switch(
        &mut self,
        plan: &Plan,
        g: usize,
        t: f64,
        mission: f64,
        planned: bool,
        obs: &mut impl Observer,
    ) {
        let PlanGroupKind::Passive { switchover, .. } = &plan.groups[g].kind else {
            unreachable!("only active-passive groups switch")
        };
        let active = self.gstate[g].active;
        if active != NONE {
            self.set_carry(plan, active as usize, false);
        }
        match self.best_member(plan, g) {
            None => {
                self.gstate[g].stage = Stage::Down;
                self.gstate[g].active = NONE;
                self.gstate[g].pending_seq = 0;
                self.gstate[g].down_planned = planned;
                obs.group(t, g, GroupEvent::NoMember);
            }
            Some(c) => {
                self.gstate[g].stage = Stage::Switching { planned };
                self.gstate[g].target = c;
                let dt = switchover.sample(self.group_rng(g));
                self.schedule_group(g, t, dt, mission);
                obs.group(
                    t,
                    g,
                    GroupEvent::Switching {
                        to: c as usize,
                        planned,
                    },
                );
            }
        }
    }

    /// A planned switch of group `g` back to its higher-priority member `to`.
    fn begin_failback(
        &mut self,
        plan: &Plan,
        g: usize,
        to: u32,
        t: f64,
        mission: f64,
        obs: &mut impl Observer,
    ) {
        let PlanGroupKind::Passive { switchover, .. } = &plan.groups[g].kind else {
            unreachable!("only active-passive groups fail back")
        };
        self.gstate[g].stage = Stage::Failback;
        self.gstate[g].target = to;
        let active = self.gstate[g].active;
        self.set_carry(plan, active as usize, false);
        // Every member of a group is in the same services' cones.
        self.open_planned(plan, plan.groups[g].members[0] as usize);
        let dt = switchover.sample(self.group_rng(g));
        self.schedule_group(g, t, dt, mission);
        obs.group(t, g, GroupEvent::Failback { to: to as usize });
    }

    /// Member `c` of group `g` takes over at `t`.
    #[allow(clippy::too_many_arguments)]
    fn take_over(
        &mut self,
        plan: &Plan,
        g: usize,
        c: u32,
        t: f64,
        mission: f64,
        planned: bool,
        manual: bool,
        obs: &mut impl Observer,
    ) {
        let PlanGroupKind::Passive { idle_rate, lag, .. } = &plan.groups[g].kind else {
            unreachable!("only active-passive groups take over")
        };
        let owner = self.gstate[g].owner;
        let gs = &mut self.gstate[g];
        gs.stage = Stage::Normal;
        gs.active = c;
        gs.owner = c;
        gs.target = NONE;
        gs.pending_seq = 0;
        obs.group(
            t,
            g,
            GroupEvent::TookOver {
                member: c as usize,
                manual,
            },
        );
        for &x in &plan.groups[g].members {
            self.set_rate(
                plan,
                x as usize,
                if x == c { 1.0 } else { *idle_rate },
                t,
                mission,
            );
            self.set_carry(plan, x as usize, x == c);
        }
        // The new active member lacks the writes its predecessor had not yet sent.
        if let Some(lag) = lag
            && !planned
            && owner != c
        {
            let lost = lag.sample(self.group_rng(g));
            obs.group(t, g, GroupEvent::DataLoss { lost });
            for &s in &plan.group_services[g] {
                let r = &mut self.results[s as usize];
                r.data_losses += 1;
                r.lost_writes += lost;
                r.over_rpo += u64::from(plan.rpo[s as usize].is_some_and(|rpo| lost > rpo));
            }
        }
        // A higher-priority member may have come back while the switch ran.
        if let PlanGroupKind::Passive { failback: true, .. } = plan.groups[g].kind
            && let Some(b) = self.best_member(plan, g)
            && rank(&plan.groups[g], b) < rank(&plan.groups[g], c)
        {
            self.begin_failback(plan, g, b, t, mission, obs);
        }
    }
}
