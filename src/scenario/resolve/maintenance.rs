//! Phase `maintenance`: planned maintenance schedules (rolling or all at
//! once) over their members.

use std::collections::HashSet;

use super::Resolver;
use super::groups::members;
use super::ids::{bad_id, bad_id_message};
use super::laws::below_step;
use super::read::{entries, id_of, take};
use crate::model::Maintenance;
use crate::scenario::shown;
use crate::scenario::wire::MaintenanceSpec;

impl Resolver<'_> {
    /// Reads `maintenance`: schedules over members, checked against the
    /// mission [h].
    pub(super) fn maintenance(&mut self, mission: f64) -> Vec<Maintenance> {
        let (top, ids, probs) = (self.top, &self.ids, &mut self.probs);
        let mut out: Vec<Maintenance> = Vec::new();
        // Every id declared, valid schedule or not, so that a duplicate is
        // reported together with the first schedule's own problems.
        let mut seen: HashSet<String> = HashSet::new();
        for (path, v) in entries(top, "maintenance", probs) {
            let Some(m) = take::<MaintenanceSpec>(v, &path, id_of(v), probs) else {
                // The members do not depend on what else is wrong with the schedule.
                if let Some(list) = v
                    .get("members")
                    .and_then(|m| serde_json::from_value::<Vec<String>>(m.clone()).ok())
                {
                    members(&list, ids, &path, id_of(v), probs);
                }
                continue;
            };
            let id = Some(m.id.as_str());
            let before = probs.0.len();
            if bad_id(&m.id) {
                probs.add(format!("{path}.id"), id, bad_id_message(&m.id), None);
            } else if !seen.insert(m.id.clone()) {
                probs.add(&path, id, format!("duplicate maintenance id `{}`", m.id), None);
            }
            let mem = members(&m.members, ids, &path, id, probs);
            let rolling = m.rolling.unwrap_or(true);
            let (every, duration) = (m.every.0, m.duration.0);
            if every <= 0.0 {
                probs.add(format!("{path}.every"), id, "`every` must be longer than 0", None);
            }
            let every_short = below_step(every, "`every`", &format!("{path}.every"), id, probs);
            let duration_short = below_step(duration, "`duration`", &format!("{path}.duration"), id, probs);
            if let Some(s) = m.start {
                below_step(s.0, "`start`", &format!("{path}.start"), id, probs);
            }
            if duration <= 0.0 {
                probs.add(
                    format!("{path}.duration"),
                    id,
                    "`duration` must be longer than 0",
                    None,
                );
            }
            let start = m.start.map_or(every, |s| s.0);
            if let Some(mem) = &mem
                && every > 0.0
                && duration > 0.0
                && !every_short
                && !duration_short
            {
                let round = if rolling {
                    duration * mem.len() as f64
                } else {
                    duration
                };
                if round >= every {
                    let what = if rolling {
                        format!(
                            "a rolling round takes {} × {} h = {} h",
                            mem.len(),
                            shown(duration),
                            shown(round)
                        )
                    } else {
                        format!("a round takes {} h", shown(duration))
                    };
                    probs.add(
                        &path,
                        id,
                        format!(
                            "{what}, not less than `every` ({} h): rounds would overlap",
                            shown(every)
                        ),
                        Some("shorten `duration`, lengthen `every`, or split the members".into()),
                    );
                }
            }
            if start >= mission && probs.0.len() == before {
                // Without `start`, the first round starts one `every` in: blame the key that is there.
                let (key, hint) = match m.start {
                    Some(_) => ("start", "start earlier, or lengthen `mission`"),
                    None => (
                        "every",
                        "without `start` the first round starts one `every` in: \
                         give an earlier `start`, shorten `every`, or lengthen `mission`",
                    ),
                };
                probs.add(
                    format!("{path}.{key}"),
                    id,
                    format!(
                        "the first round starts at {} h, after the mission ({} h) ends",
                        shown(start),
                        shown(mission)
                    ),
                    Some(hint.into()),
                );
            }
            if let Some(members) = mem
                && probs.0.len() == before
            {
                out.push(Maintenance {
                    id: m.id,
                    members,
                    every,
                    duration,
                    start,
                    rolling,
                });
            }
        }
        out
    }
}
