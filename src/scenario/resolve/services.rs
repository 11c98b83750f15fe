//! Phase `services`: what is measured, each service checked against the
//! elements (and, when all else is sound, against the topology with
//! everything up), with its `check` targets.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::groups;
use super::ids::{Ids, bad_id, bad_id_message, is_glob};
use super::laws::below_step;
use super::read::{entries, id_of, take_partial};
use super::requirements::{expr_size, requirement};
use super::{MAX_REQUIREMENT_TERMS, MAX_SERVICES, PendingRole, Problems, Resolver, Stop};
use crate::model::{Criterion, ElementId, Service, ServiceKind};
use crate::scenario::shown;
use crate::scenario::wire::{Capacity, ServiceEntry};

impl Resolver<'_> {
    /// Reads `services`. Stops when their targets and the elements'
    /// requirements pass [`MAX_REQUIREMENT_TERMS`] in all.
    pub(super) fn services(&mut self) -> Result<Vec<Service>, Stop> {
        let (top, ids, probs) = (self.top, &self.ids, &mut self.probs);
        let mut services = Vec::new();
        let mut service_ids: HashMap<String, String> = HashMap::new();
        if !top.contains_key("services") {
            probs.add(
                "services",
                None,
                "missing `services`",
                Some("add at least one service to measure".into()),
            );
        }
        // The topology with everything up, to find targets no path leads to.
        // Only checked when everything so far is sound: a broken link entry would
        // otherwise cut off targets that the file does connect.
        let topology_sound = probs.0.is_empty();
        let mut neighbours: Vec<Vec<ElementId>> = vec![Vec::new(); ids.n_components];
        for p in &self.pending {
            if let PendingRole::Link(a, b) = p.role {
                neighbours[a].push(b);
                neighbours[b].push(a);
            }
        }
        let mut service_entries = entries(top, "services", probs);
        if service_entries.len() > MAX_SERVICES {
            probs.add(
                "services",
                None,
                format!(
                    "{} services, more than the limit of {MAX_SERVICES}",
                    service_entries.len()
                ),
                Some("measure fewer services per scenario, or split the scenario".into()),
            );
            service_entries.clear();
        }
        for (path, v) in service_entries {
            let Some((s, unread)) = take_partial::<ServiceEntry>(v, &path, id_of(v), probs) else {
                continue;
            };
            let unread_key = |k: &str| unread.iter().any(|u| u == k);
            // A service with a bad or duplicate id is not measured, but the
            // rest of it is still checked.
            let mut keep = true;
            if bad_id(&s.id) {
                probs.add(format!("{path}.id"), Some(&s.id), bad_id_message(&s.id), None);
                keep = false;
            } else if let Some(first) = service_ids.get(&s.id) {
                probs.add(
                    &path,
                    Some(&s.id),
                    format!("duplicate service id `{}` (first declared at {first})", s.id),
                    Some("every service needs its own id".into()),
                );
                keep = false;
            } else {
                service_ids.insert(s.id.clone(), path.clone());
            }
            // Checked whatever the rest of the service holds, so that they are
            // reported together with its other problems.
            let rto = longer_than_zero(s.rto, "rto", &path, &s.id, probs);
            let rpo = longer_than_zero(s.rpo, "rpo", &path, &s.id, probs);
            // What the service measures is checked only when all of it was read:
            // without a bad `to` or `requires`, it would be another service.
            let shape = ["from", "to", "need", "capacity", "demand", "requires"];
            let kind = if shape.iter().any(|k| unread_key(k)) {
                None
            } else {
                service(&s, ids, &path, probs)
            };
            // Each service may expand a glob over every element: 10,000 of them
            // over 1,000,000 elements would be 10^10 terms. Counted with the
            // elements' requirements, against the same limit.
            self.terms = self.terms.saturating_add(kind.as_ref().map_or(0, service_size));
            if self.terms > MAX_REQUIREMENT_TERMS {
                probs.add(
                    &path,
                    Some(&s.id),
                    format!(
                        "requirements and service targets would have more than {MAX_REQUIREMENT_TERMS} \
                         terms in all (the limit)"
                    ),
                    Some("measure a few services over shared components rather than globs over many".into()),
                );
                return Err(Stop);
            }
            if let Some(kind) = kind
                && keep
                && (!topology_sound || connected(&kind, &neighbours, ids, &path, &s.id, probs))
            {
                let rto_given = rto.is_some() || unread_key("rto");
                let targets = targets(s.targets.as_ref(), rto_given, &path, &s.id, probs);
                services.push(Service {
                    id: s.id.clone(),
                    kind,
                    rto,
                    rpo,
                    planned_counts: s.planned_counts.unwrap_or(true),
                    targets,
                });
            }
        }
        if top
            .get("services")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            probs.add(
                "services",
                None,
                "no services: there is nothing to measure",
                Some("add at least one service".into()),
            );
        }
        Ok(services)
    }
}

/// `rto` or `rpo` [h] when given and longer than 0; a problem when given otherwise.
fn longer_than_zero(
    d: Option<crate::scenario::units::Duration>,
    key: &str,
    path: &str,
    id: &str,
    probs: &mut Problems,
) -> Option<f64> {
    match d {
        Some(d) if below_step(d.0, key, &format!("{path}.{key}"), Some(id), probs) => None,
        Some(d) if d.0 > 0.0 => Some(d.0),
        Some(_) => {
            probs.add(
                format!("{path}.{key}"),
                Some(id),
                format!("{key} must be longer than 0"),
                None,
            );
            None
        }
        None => None,
    }
}

/// Number of terms a service holds: its expression's nodes, or its targets.
fn service_size(kind: &ServiceKind) -> usize {
    match kind {
        ServiceKind::Logic { expr } => expr_size(expr),
        ServiceKind::Reach { targets, .. } => targets.len(),
    }
}

/// What a service measures: a logical expression, or reachability from
/// `from` to its targets with a criterion.
fn service(s: &ServiceEntry, ids: &Ids, path: &str, probs: &mut Problems) -> Option<ServiceKind> {
    let id = Some(s.id.as_str());
    let reach_keys =
        s.from.is_some() || s.to.is_some() || s.need.is_some() || s.capacity.is_some() || s.demand.is_some();
    if let Some(r) = &s.requires {
        if reach_keys {
            probs.add(
                path,
                id,
                "a service is either reachability (`from`, `to`, ...) or logical (`requires`), not both",
                Some("split it into two services".into()),
            );
            return None;
        }
        return requirement(r, ids, &format!("{path}.requires"), id, probs)
            .map(|expr| ServiceKind::Logic { expr });
    }
    let (Some(from), Some(to)) = (&s.from, &s.to) else {
        probs.add(
            path,
            id,
            "a service needs `from` and `to` (reachability) or `requires` (logical)",
            Some("e.g. {\"id\": \"app\", \"from\": \"internet\", \"to\": [\"srv\"]}".into()),
        );
        return None;
    };
    let from_el = match ids.resolve(from, true) {
        Ok(h) if h.len() == 1 && !is_glob(from) => Some(h[0]),
        Ok(h) => {
            probs.add(
                format!("{path}.from"),
                id,
                format!(
                    "`from` must be one component id, not a glob (`{from}` matches {})",
                    h.len()
                ),
                Some("make one service per entry point".into()),
            );
            None
        }
        Err(u) => {
            probs.unresolved(format!("{path}.from"), id, u);
            None
        }
    };
    let t = reach_targets(to, ids, path, id, probs);
    if !t.ok {
        // `need` is checked against what is known without the broken targets:
        // 0 is always wrong, and plain ids are one target each.
        let plain = to
            .iter()
            .all(|t| !is_glob(t) && !t.starts_with(groups::GROUP_PREFIX));
        if let Some(k) = s.need
            && !to.is_empty()
            && (k == 0 || (plain && k > to.len() as u64))
        {
            probs.add(
                format!("{path}.need"),
                id,
                format!("need is {k} but `to` names {} target(s)", to.len()),
                Some(format!("use a number from 1 to {}", to.len())),
            );
        }
        return None;
    }
    let from = from_el?;
    if t.targets.contains(&from) {
        probs.add(
            format!("{path}.to"),
            id,
            format!("`{}` is both `from` and a target", ids.ids[from]),
            None,
        );
        return None;
    }
    if t.has_group && s.capacity.is_some() {
        probs.add(
            format!("{path}.capacity"),
            id,
            "`capacity` cannot be given to a group target",
            Some("list the group's members as targets (e.g. \"web-*\") to give each its capacity".into()),
        );
        return None;
    }
    let criterion = criterion(s, &t, ids, path, id, probs)?;
    Some(ServiceKind::Reach {
        from,
        targets: t.targets,
        criterion,
    })
}

/// A reachability service's targets as `to` names them.
struct ReachTargets {
    targets: Vec<ElementId>,
    /// Each target's unit: a group counts as one target, reached through any carrying member.
    units: Vec<u32>,
    n_units: u32,
    has_group: bool,
    /// Every entry of `to` resolved, and no target named twice.
    ok: bool,
}

/// Resolves `to`: ids, globs and groups (`group:ID`, whose members are one unit).
fn reach_targets(
    to: &[String],
    ids: &Ids,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> ReachTargets {
    let mut ok = true;
    let mut targets = Vec::new();
    let mut units: Vec<u32> = Vec::new();
    let mut n_units = 0u32;
    let mut has_group = false;
    let mut via_group = HashSet::new();
    let mut seen = HashSet::new();
    for (i, t) in to.iter().enumerate() {
        if let Some(g) = groups::group_ref(ids, t) {
            match g {
                Ok(members) => {
                    has_group = true;
                    for m in members {
                        via_group.insert(m);
                        if seen.insert(m) {
                            targets.push(m);
                            units.push(n_units);
                        } else {
                            probs.add(
                                format!("{path}.to[{i}]"),
                                id,
                                format!("`{}` is a target twice (as a member of `{t}` too)", ids.ids[m]),
                                Some("name a group's members through the group only".into()),
                            );
                            ok = false;
                        }
                    }
                    n_units += 1;
                }
                Err(u) => {
                    probs.unresolved(format!("{path}.to[{i}]"), id, u);
                    ok = false;
                }
            }
            continue;
        }
        match ids.resolve(t, true) {
            Ok(h) => {
                for x in h {
                    if seen.insert(x) {
                        targets.push(x);
                        units.push(n_units);
                        n_units += 1;
                    } else if via_group.contains(&x) {
                        probs.add(
                            format!("{path}.to[{i}]"),
                            id,
                            format!("`{}` is a target twice (also as a group member)", ids.ids[x]),
                            Some("name a group's members through the group only".into()),
                        );
                        ok = false;
                    }
                }
            }
            Err(u) => {
                probs.unresolved(format!("{path}.to[{i}]"), id, u);
                ok = false;
            }
        }
    }
    if to.is_empty() {
        probs.add(
            format!("{path}.to"),
            id,
            "`to` is empty",
            Some("list the target components".into()),
        );
        ok = false;
    }
    ReachTargets {
        targets,
        units,
        n_units,
        has_group,
        ok,
    }
}

/// What a reachability service asks of its targets: how many (`need`), or
/// capacity against `demand`.
fn criterion(
    s: &ServiceEntry,
    t: &ReachTargets,
    ids: &Ids,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Criterion> {
    let n = t.n_units as usize;
    Some(match (s.need, &s.capacity, s.demand) {
        (Some(_), Some(_), _) | (Some(_), None, Some(_)) => {
            probs.add(
                path,
                id,
                "give `need` (how many targets) or `capacity` and `demand`, not both",
                Some("make two services to measure both".into()),
            );
            return None;
        }
        (need, None, None) => {
            let k = need.unwrap_or(1);
            if k == 0 || k as usize > n {
                probs.add(
                    format!("{path}.need"),
                    id,
                    format!("need is {k} but `to` names {n} target(s)"),
                    Some(format!("use a number from 1 to {n}")),
                );
                return None;
            }
            if t.has_group {
                Criterion::NeedUnits {
                    units: t.units.clone(),
                    need: k as usize,
                }
            } else {
                Criterion::Need(k as usize)
            }
        }
        (None, None, Some(_)) => {
            probs.add(format!("{path}.demand"), id, "`demand` needs `capacity`", None);
            return None;
        }
        (None, Some(_), None) => {
            probs.add(format!("{path}.capacity"), id, "`capacity` needs `demand`", None);
            return None;
        }
        (None, Some(cap), Some(demand)) => {
            let capacity = capacities(cap, &t.targets, ids, path, id, probs)?;
            let total: f64 = capacity.iter().sum();
            if !(demand.is_finite() && demand > 0.0) {
                probs.add(
                    format!("{path}.demand"),
                    id,
                    format!("demand must be greater than 0 (got {})", shown(demand)),
                    None,
                );
                return None;
            }
            if demand > total * (1.0 + crate::model::CAPACITY_TOLERANCE) {
                probs.add(
                    format!("{path}.demand"),
                    id,
                    format!(
                        "demand {} exceeds the total capacity {} of all {n} targets, \
                         so the service could never be up",
                        shown(demand),
                        shown(total)
                    ),
                    Some("lower `demand`, raise `capacity` or add targets".into()),
                );
                return None;
            }
            Criterion::Capacity { capacity, demand }
        }
    })
}

/// A service's targets for `redsim check`.
fn targets(
    t: Option<&crate::scenario::wire::TargetsSpec>,
    has_rto: bool,
    path: &str,
    id: &str,
    probs: &mut Problems,
) -> crate::model::Targets {
    let Some(t) = t else {
        return crate::model::Targets::default();
    };
    let p = format!("{path}.targets");
    let id = Some(id);
    if let Some(d) = t.max_downtime_per_year
        && d.0 <= 0.0
    {
        probs.add(
            format!("{p}.max_downtime_per_year"),
            id,
            "max_downtime_per_year must be longer than 0",
            Some("a service with no downtime at all cannot be shown by sampling; ask for a small one".into()),
        );
    }
    if let Some(x) = t.max_outages_per_year
        && !(x.is_finite() && x > 0.0)
    {
        probs.add(
            format!("{p}.max_outages_per_year"),
            id,
            format!(
                "max_outages_per_year must be a number greater than 0 (got {})",
                shown(x)
            ),
            None,
        );
    }
    if let Some(x) = t.max_p_outage_over_rto {
        if !(x > 0.0 && x < 1.0) {
            probs.add(
                format!("{p}.max_p_outage_over_rto"),
                id,
                format!(
                    "max_p_outage_over_rto must be strictly between 0 and 1 (got {})",
                    shown(x)
                ),
                None,
            );
        } else if !has_rto {
            probs.add(
                format!("{p}.max_p_outage_over_rto"),
                id,
                "max_p_outage_over_rto needs the service's `rto`",
                Some("add \"rto\": \"15m\" (say) to the service".into()),
            );
        }
    }
    crate::model::Targets {
        availability: t.availability.map(|f| f.0),
        max_downtime_per_year: t.max_downtime_per_year.map(|d| d.0),
        max_outages_per_year: t.max_outages_per_year,
        max_p_outage_over_rto: t.max_p_outage_over_rto,
        no_spof: t.no_spof.unwrap_or(false),
    }
}

/// Whether every target of a reachability service has a path from `from`
/// when everything is up; a target with none can never count.
fn connected(
    kind: &ServiceKind,
    neighbours: &[Vec<ElementId>],
    ids: &Ids,
    path: &str,
    id: &str,
    probs: &mut Problems,
) -> bool {
    let ServiceKind::Reach { from, targets, .. } = kind else {
        return true;
    };
    let mut seen = vec![false; neighbours.len()];
    let mut stack = vec![*from];
    seen[*from] = true;
    while let Some(c) = stack.pop() {
        for &n in &neighbours[c] {
            if !seen[n] {
                seen[n] = true;
                stack.push(n);
            }
        }
    }
    let cut_off: Vec<&str> = targets
        .iter()
        .filter(|&&t| !seen[t])
        .map(|&t| ids.ids[t].as_str())
        .collect();
    if cut_off.is_empty() {
        return true;
    }
    probs.add(
        format!("{path}.to"),
        Some(id),
        format!(
            "{} no path from `{}` even with everything up",
            few(&cut_off, "has", "have"),
            ids.ids[*from]
        ),
        Some("add the missing links, or drop the target".into()),
    );
    false
}

fn capacities(
    cap: &Capacity,
    targets: &[ElementId],
    ids: &Ids,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Vec<f64>> {
    let ok = |c: f64| c.is_finite() && c >= 0.0;
    match cap {
        Capacity::Each(c) if ok(*c) && *c > 0.0 => Some(vec![*c; targets.len()]),
        Capacity::Each(c) => {
            probs.add(
                format!("{path}.capacity"),
                id,
                format!("capacity must be greater than 0 (got {})", shown(*c)),
                None,
            );
            None
        }
        Capacity::PerTarget(m) => {
            let position: HashMap<ElementId, usize> =
                targets.iter().enumerate().map(|(i, &t)| (t, i)).collect();
            let mut out: Vec<Option<f64>> = vec![None; targets.len()];
            // Which key set each target's capacity: two keys for one target is ambiguous.
            let mut set_by: Vec<Option<&str>> = vec![None; targets.len()];
            let mut good = true;
            for (k, &c) in m {
                let p = format!("{path}.capacity.{k}");
                if !ok(c) {
                    probs.add(
                        &p,
                        id,
                        format!("capacity must be a number of at least 0 (got {})", shown(c)),
                        None,
                    );
                    good = false;
                    continue;
                }
                match ids.resolve(k, true) {
                    Ok(hits) => {
                        let strays: Vec<&str> = hits
                            .into_iter()
                            .filter(|h| match position.get(h) {
                                Some(&i) => {
                                    if let Some(first) = set_by[i] {
                                        probs.add(
                                            &p,
                                            id,
                                            format!(
                                                "`{}` gets a capacity from both `{first}` and `{k}`",
                                                ids.ids[*h]
                                            ),
                                            Some("give each target exactly one capacity".into()),
                                        );
                                        good = false;
                                    }
                                    set_by[i] = Some(k.as_str());
                                    out[i] = Some(c);
                                    false
                                }
                                None => true,
                            })
                            .map(|h| ids.ids[h].as_str())
                            .collect();
                        if !strays.is_empty() {
                            probs.add(
                                &p,
                                id,
                                format!("{} not a target of this service", few(&strays, "is", "are")),
                                Some("capacities are given for targets listed in `to`".into()),
                            );
                            good = false;
                        }
                    }
                    Err(u) => {
                        probs.unresolved(&p, id, u);
                        good = false;
                    }
                }
            }
            let missing: Vec<&str> = targets
                .iter()
                .zip(&out)
                .filter(|(_, c)| c.is_none())
                .map(|(t, _)| ids.ids[*t].as_str())
                .collect();
            if good && !missing.is_empty() {
                probs.add(
                    format!("{path}.capacity"),
                    id,
                    format!(
                        "no capacity given for target(s) {}",
                        few(&missing, "", "").trim_end()
                    ),
                    Some("give every target a capacity (0 is allowed), or one number for all".into()),
                );
                good = false;
            }
            good.then(|| out.into_iter().map(|c| c.unwrap_or(0.0)).collect())
        }
    }
}

/// Up to five ids in backticks, then how many more, then `one` or `many` as the verb.
fn few(ids: &[&str], one: &str, many: &str) -> String {
    let mut s: Vec<String> = ids.iter().take(5).map(|i| format!("`{i}`")).collect();
    if ids.len() > 5 {
        s.push(format!("and {} more", ids.len() - 5));
    }
    let verb = if ids.len() == 1 { one } else { many };
    format!("{} {verb}", s.join(", "))
}
