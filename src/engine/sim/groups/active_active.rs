//! Active-active groups: every functional member carries traffic; losing
//! one (not drained for maintenance) makes every member stop carrying
//! while traffic reconverges.

use super::super::{GroupEvent, Observer, Plan, Trial};
use super::Stage;
use crate::model::Sampler;

impl Trial {
    /// Member `m` of active-active group `g` changed its natural state to `nat` at `t`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn active_member_changed(
        &mut self,
        plan: &Plan,
        g: usize,
        m: usize,
        nat: bool,
        reconvergence: Option<&Sampler>,
        t: f64,
        mission: f64,
        obs: &mut impl Observer,
    ) {
        // A member taken out for maintenance is drained first: no interruption.
        if nat || self.el[m].maint > 0 {
            return;
        }
        let Some(r) = reconvergence else { return };
        let until = t + r.sample(self.group_rng(g));
        obs.group(t, g, GroupEvent::Reconverging { member: m });
        if self.gstate[g].stage == Stage::Reconverging {
            if until <= self.gstate[g].until {
                return;
            }
        } else {
            self.gstate[g].stage = Stage::Reconverging;
            for &x in &plan.groups[g].members {
                self.set_carry(plan, x as usize, false);
            }
        }
        self.gstate[g].until = until;
        self.schedule_group(g, t, until - t, mission);
    }

    /// Active-active group `g`'s reconvergence ended at `t`: every member carries again.
    pub(super) fn reconverged(&mut self, plan: &Plan, g: usize, t: f64, obs: &mut impl Observer) {
        self.gstate[g].stage = Stage::Normal;
        for &x in &plan.groups[g].members {
            self.set_carry(plan, x as usize, true);
        }
        obs.group(t, g, GroupEvent::Reconverged);
    }
}
