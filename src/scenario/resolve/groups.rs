//! Phase `groups`: active-passive and active-active groups, and the
//! `group:ID` references that the later phases resolve through them.

use std::collections::{BTreeMap, HashMap};

use super::ids::{Ids, Unresolved, bad_id, bad_id_message};
use super::laws::{dist, fixed_delay};
use super::read::{entries, id_of, take_partial};
use super::suggest::suggest;
use super::{Problems, Resolver};
use crate::model::{Distribution, ElementId, Failover, Group, GroupMode, Replication, Standby};
use crate::scenario::shown;
use crate::scenario::wire::{DelaySpec, GroupModeSpec, GroupSpec, ReplicationModeSpec, StandbySpec};

/// Prefix that names a group where an id is expected: `group:web`.
pub(super) const GROUP_PREFIX: &str = "group:";

/// A delay: `Ok(None)` when not given, `Err` when given but invalid (reported).
pub(super) fn delay(
    spec: Option<&DelaySpec>,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Result<Option<Distribution>, ()> {
    match spec {
        None => Ok(None),
        Some(DelaySpec::Fixed(d)) => fixed_delay(d.0, path, id, probs).map(Some).ok_or(()),
        Some(DelaySpec::Dist(spec)) => dist(spec, path, id, probs).map(Some).ok_or(()),
    }
}

/// Resolves a member list: component ids or globs, each named once.
pub(super) fn members(
    list: &[String],
    ids: &Ids,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Vec<ElementId>> {
    let mut out: Vec<ElementId> = Vec::new();
    let mut ok = true;
    for (i, m) in list.iter().enumerate() {
        match ids.resolve(m, true) {
            Ok(hits) => {
                for h in hits {
                    if out.contains(&h) {
                        probs.add(
                            format!("{path}.members[{i}]"),
                            id,
                            format!("`{}` is a member twice", ids.ids[h]),
                            None,
                        );
                        ok = false;
                    } else {
                        out.push(h);
                    }
                }
            }
            Err(u) => {
                probs.unresolved(format!("{path}.members[{i}]"), id, u);
                ok = false;
            }
        }
    }
    if list.is_empty() {
        probs.add(format!("{path}.members"), id, "`members` is empty", None);
        ok = false;
    }
    ok.then_some(out)
}

impl Resolver<'_> {
    /// Reads `groups`. Returns the valid groups. Every group whose id and
    /// members resolve goes to the ids with its members, built or not, so
    /// that `group:ID` elsewhere is checked against them whatever else is
    /// wrong with the group (a bad `failover.detection` hides nothing); the
    /// ids of the others go to the broken groups, so that references to them
    /// are not reported twice.
    pub(super) fn groups(&mut self) -> Vec<Group> {
        let (top, ids, probs) = (self.top, &mut self.ids, &mut self.probs);
        let mut out: Vec<Group> = Vec::new();
        let mut known: BTreeMap<String, Vec<ElementId>> = BTreeMap::new();
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut member_of: HashMap<ElementId, String> = HashMap::new();
        for (path, v) in entries(top, "groups", probs) {
            // Read without its bad keys (a bad `failover.detection` hides no bad
            // `failover.success`); a group with a key left unread is not built.
            let Some((g, unread)) = take_partial::<GroupSpec>(v, &path, id_of(v), probs) else {
                if let Some(id) = id_of(v) {
                    ids.broken_groups.push(id.to_string());
                }
                // The members do not depend on what else is wrong with the group.
                if let Some(list) = v
                    .get("members")
                    .and_then(|m| serde_json::from_value::<Vec<String>>(m.clone()).ok())
                    && let Some(mem) = members(&list, ids, &path, id_of(v), probs)
                    && let Some(id) = id_of(v).filter(|id| !bad_id(id))
                    && !seen.contains_key(id)
                {
                    seen.insert(id.to_string(), path.clone());
                    known.insert(id.to_string(), mem);
                }
                continue;
            };
            let id = Some(g.id.as_str());
            let before = probs.0.len();
            if bad_id(&g.id) {
                probs.add(format!("{path}.id"), id, bad_id_message(&g.id), None);
            } else if let Some(first) = seen.get(&g.id) {
                probs.add(
                    &path,
                    id,
                    format!("duplicate group id `{}` (first declared at {first})", g.id),
                    None,
                );
            }
            seen.entry(g.id.clone()).or_insert_with(|| path.clone());
            let mem = members(&g.members, ids, &path, id, probs);
            if let Some(mem) = &mem {
                for &m in mem {
                    if let Some(other) = member_of.get(&m) {
                        probs.add(
                            format!("{path}.members"),
                            id,
                            format!("`{}` is already a member of group `{other}`", ids.ids[m]),
                            Some("a component belongs to one group at most".into()),
                        );
                    }
                }
                for &m in mem {
                    member_of.entry(m).or_insert_with(|| g.id.clone());
                }
            }
            if let Some(mem) = &mem
                && !bad_id(&g.id)
            {
                known.entry(g.id.clone()).or_insert_with(|| mem.clone());
            }
            let mode = mode(&g, mem.as_ref().map(Vec::len), &path, id, &unread, probs);
            match (mem, mode) {
                (Some(members), Some(mode)) if probs.0.len() == before && unread.is_empty() => {
                    out.push(Group {
                        id: g.id.clone(),
                        members,
                        mode,
                    })
                }
                _ => ids.broken_groups.push(g.id.clone()),
            }
        }
        ids.groups = known;
        out
    }
}

/// The mode-specific part of a group (`n_members`: how many members it
/// resolved to, when they did).
///
/// `unread` are the keys of the group that could not be read (and are
/// reported already): checks that tie two keys together are left out when
/// one of them is unread, as its absence is no mistake of the file.
fn mode(
    g: &GroupSpec,
    n_members: Option<usize>,
    path: &str,
    id: Option<&str>,
    unread: &[String],
    probs: &mut Problems,
) -> Option<GroupMode> {
    match g.mode {
        GroupModeSpec::ActiveActive => active_active(g, path, id, probs),
        GroupModeSpec::ActivePassive => active_passive(g, n_members, path, id, unread, probs),
    }
}

/// Reports `key`, which only groups of `mode` may have.
fn misplaced(probs: &mut Problems, path: &str, id: Option<&str>, key: &str, mode: &str) {
    probs.add(
        format!("{path}.{key}"),
        id,
        format!("`{key}` applies only to {mode} groups"),
        Some(format!("drop it, or make the group {mode}")),
    );
}

/// An active-active group: its reconvergence delay.
fn active_active(g: &GroupSpec, path: &str, id: Option<&str>, probs: &mut Problems) -> Option<GroupMode> {
    let before = probs.0.len();
    if g.standby.is_some() {
        misplaced(probs, path, id, "standby", "active-passive");
    }
    if g.standby_aging.is_some() {
        misplaced(probs, path, id, "standby_aging", "active-passive");
    }
    if g.failover.is_some() {
        misplaced(probs, path, id, "failover", "active-passive");
    }
    if g.failback.is_some() {
        misplaced(probs, path, id, "failback", "active-passive");
    }
    if g.replication.is_some() {
        misplaced(probs, path, id, "replication", "active-passive");
    }
    let reconvergence = delay(
        g.reconvergence.as_ref(),
        &format!("{path}.reconvergence"),
        id,
        probs,
    );
    match reconvergence {
        Ok(reconvergence) if probs.0.len() == before => Some(GroupMode::ActiveActive { reconvergence }),
        _ => None,
    }
}

/// An active-passive group: standby, failover, failback and replication (see [`mode`]).
fn active_passive(
    g: &GroupSpec,
    n_members: Option<usize>,
    path: &str,
    id: Option<&str>,
    unread: &[String],
    probs: &mut Problems,
) -> Option<GroupMode> {
    let gone = |key: &str| unread.iter().any(|u| u == key);
    let before = probs.0.len();
    if g.reconvergence.is_some() {
        misplaced(probs, path, id, "reconvergence", "active-active");
    }
    // Counted after glob expansion: `db-*` may match a single component.
    if n_members == Some(1) {
        probs.add(
            format!("{path}.members"),
            id,
            "an active-passive group needs at least two members",
            Some("add a standby, or drop the group".into()),
        );
    }
    let standby = standby(g, path, id, unread, probs);
    let f = g.failover.as_ref();
    let fp = format!("{path}.failover");
    let detection = delay(
        f.and_then(|f| f.detection.as_ref()),
        &format!("{fp}.detection"),
        id,
        probs,
    );
    let switchover = delay(
        f.and_then(|f| f.switchover.as_ref()),
        &format!("{fp}.switchover"),
        id,
        probs,
    );
    let manual = delay(
        f.and_then(|f| f.manual.as_ref()),
        &format!("{fp}.manual"),
        id,
        probs,
    );
    let success = f.and_then(|f| f.success).unwrap_or(1.0);
    if !(0.0..=1.0).contains(&success) {
        probs.add(
            format!("{fp}.success"),
            id,
            format!(
                "success must be a probability between 0 and 1 (got {})",
                shown(success)
            ),
            None,
        );
    }
    // An out-of-range `success` is reported above, once.
    if (0.0..1.0).contains(&success) && matches!(manual, Ok(None)) && !gone("failover") {
        probs.add(
            &fp,
            id,
            "a switch that can fail (success < 1) needs `manual`: the delay of the manual failover",
            Some("e.g. \"manual\": {\"lognormal\": {\"mean\": \"45m\", \"sd\": \"20m\"}}".into()),
        );
    }
    let replication = replication(g, path, id, gone("replication"), probs);
    let zero = || Distribution::fixed(0.0).expect("zero is a valid duration");
    match (detection, switchover, manual, replication) {
        (Ok(detection), Ok(switchover), Ok(manual), Ok(replication)) if probs.0.len() == before => {
            Some(GroupMode::ActivePassive {
                standby,
                failover: Failover {
                    detection: detection.unwrap_or_else(zero),
                    switchover: switchover.unwrap_or_else(zero),
                    success,
                    manual: manual.unwrap_or_else(zero),
                },
                failback: g.failback.unwrap_or(false),
                replication,
            })
        }
        _ => None,
    }
}

/// The standby of an active-passive group (hot when invalid, reported).
fn standby(g: &GroupSpec, path: &str, id: Option<&str>, unread: &[String], probs: &mut Problems) -> Standby {
    let gone = |key: &str| unread.iter().any(|u| u == key);
    match (g.standby, g.standby_aging) {
        _ if gone("standby") || gone("standby_aging") => Standby::Hot,
        (None | Some(StandbySpec::Hot), None) => Standby::Hot,
        (Some(StandbySpec::Cold), None) => Standby::Cold,
        (Some(StandbySpec::Warm), Some(f)) if f > 0.0 && f < 1.0 => Standby::Warm(f),
        (Some(StandbySpec::Warm), Some(f)) => {
            probs.add(
                format!("{path}.standby_aging"),
                id,
                format!(
                    "standby_aging must be strictly between 0 and 1 (got {})",
                    shown(f)
                ),
                Some("0 is a cold standby, 1 a hot one".into()),
            );
            Standby::Hot
        }
        (Some(StandbySpec::Warm), None) => {
            probs.add(
                path,
                id,
                "a warm standby needs `standby_aging`",
                Some("e.g. \"standby_aging\": 0.2 (ages at a fifth of the active rate)".into()),
            );
            Standby::Hot
        }
        (_, Some(_)) => {
            probs.add(
                format!("{path}.standby_aging"),
                id,
                "`standby_aging` applies only to a warm standby",
                Some("set \"standby\": \"warm\", or drop it".into()),
            );
            Standby::Hot
        }
    }
}

/// The replication of an active-passive group: `Ok(None)` when not given,
/// `Err` when invalid (reported). `partial`: part of it could not be read
/// (and is reported), so a missing `lag` may be the part that was left out.
fn replication(
    g: &GroupSpec,
    path: &str,
    id: Option<&str>,
    partial: bool,
    probs: &mut Problems,
) -> Result<Option<Replication>, ()> {
    match &g.replication {
        None => Ok(None),
        Some(r) => {
            let rp = format!("{path}.replication");
            match (r.mode, &r.lag) {
                (ReplicationModeSpec::Sync, None) => Ok(Some(Replication::Sync)),
                (ReplicationModeSpec::Sync, Some(_)) => {
                    probs.add(
                        format!("{rp}.lag"),
                        id,
                        "synchronous replication has no lag",
                        Some("drop `lag`, or use \"mode\": \"async\"".into()),
                    );
                    Err(())
                }
                (ReplicationModeSpec::Async, None) if partial => Err(()),
                (ReplicationModeSpec::Async, None) => {
                    probs.add(
                        &rp,
                        id,
                        "asynchronous replication needs `lag`",
                        Some("e.g. \"lag\": \"5s\"".into()),
                    );
                    Err(())
                }
                (ReplicationModeSpec::Async, Some(l)) => {
                    delay(Some(l), &format!("{rp}.lag"), id, probs).map(|lag| {
                        Some(Replication::Async {
                            lag: lag.expect("given"),
                        })
                    })
                }
            }
        }
    }
}

/// `Some(result)` when `r` names a group (`group:ID`): its members, or why not.
pub(super) fn group_ref(ids: &Ids, r: &str) -> Option<Result<Vec<ElementId>, Unresolved>> {
    let name = r.strip_prefix(GROUP_PREFIX)?;
    Some(match ids.groups.get(name) {
        Some(m) => Ok(m.clone()),
        None => {
            let hint = suggest(name, ids.groups.keys().map(String::as_str))
                .map(|s| format!("did you mean `{GROUP_PREFIX}{s}`?"))
                .or_else(|| Some("declare it in `groups`".into()));
            Err(Unresolved {
                message: format!("unknown group `{name}`"),
                hint,
                // A group (or component) given the invalid id `group:NAME` is
                // what `group:NAME` was meant to name: already reported.
                derived: ids.unknowable
                    || ids.broken_groups.iter().any(|b| b == name || b == r)
                    || ids.names_broken(r),
            })
        }
    })
}
