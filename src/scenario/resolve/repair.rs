//! Phase `pools`: the repair policy (scenario-wide crews and the crew pools
//! of `repair.pools`) and the spare pools, which elements' laws name; and
//! the check, once elements and shocks are known, that no spare pool takes
//! one of their ids.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

use super::ids::{bad_id, bad_id_message, id_problem};
use super::laws::{dist, fixed_delay};
use super::read::{entries, id_of, take, take_partial};
use super::suggest::did_you_mean;
use super::{Problems, Resolver};
use crate::model::{CommonCause, CrewPool, Discipline, RepairPolicy, SparePool};
use crate::scenario::wire::{DelaySpec, DisciplineSpec, RepairPolicySpec, SparePoolSpec, SpareRef};

impl Resolver<'_> {
    /// Reads `spare_pools` and `repair`, and keeps their pools by name for
    /// the elements' laws.
    pub(super) fn pools(&mut self) -> (Vec<SparePool>, RepairPolicy) {
        let (spare_pools, broken) = spare_pools(self.top, &mut self.probs);
        let (repair, (crews, broken_crews)) = repair_policy(self.top, &mut self.probs);
        self.pools = Pools {
            index: spare_pools
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.clone(), i))
                .collect(),
            broken,
            crews,
            broken_crews,
        };
        (spare_pools, repair)
    }

    /// Pools key random streams by id too: no sharing an id with an element
    /// or a shock.
    pub(super) fn spare_pool_ids(&mut self, spare_pools: &[SparePool], common_cause: &[CommonCause]) {
        for (i, pool) in spare_pools.iter().enumerate() {
            if self.ids.index.contains_key(&pool.id) || common_cause.iter().any(|c| c.id == pool.id) {
                self.probs.add(
                    format!("spare_pools[{i}].id"),
                    Some(&pool.id),
                    format!("`{}` is already the id of an element or a shock", pool.id),
                    Some("give the pool an id of its own".into()),
                );
            }
        }
    }
}

/// The spare pools and crew pools by id, and the ids of pools already reported as invalid.
#[derive(Default)]
pub(super) struct Pools {
    index: HashMap<String, usize>,
    /// A reference to one of these is not reported again: one mistake, one problem.
    broken: HashSet<String>,
    /// The crew pools of `repair.pools`, by name.
    crews: BTreeMap<String, usize>,
    /// Crew pools reported as invalid (not reported again where named);
    /// `*` (which no pool name holds): `repair.pools` could not be read as a
    /// whole, so no name is reported as unknown.
    broken_crews: HashSet<String>,
}

impl Pools {
    /// The index of the spare pool an element's `spares` names: `Ok(None)`
    /// without `spares`, `Err` when the pool is unknown (reported here) or
    /// invalid (reported where declared).
    pub(super) fn spare_pool(
        &self,
        spares: Option<&SpareRef>,
        path: &str,
        id: Option<&str>,
        probs: &mut Problems,
    ) -> Result<Option<usize>, ()> {
        match spares {
            None => Ok(None),
            Some(r) => match self.index.get(&r.pool) {
                Some(&i) => Ok(Some(i)),
                None if self.broken.contains(&r.pool) => Err(()),
                None => {
                    let hint = did_you_mean(&r.pool, self.index.keys().map(String::as_str), "ids");
                    probs.add(
                        format!("{path}.spares.pool"),
                        id,
                        format!("unknown spare pool `{}`", r.pool),
                        hint.or_else(|| Some("declare it in `spare_pools`".into())),
                    );
                    Err(())
                }
            },
        }
    }

    /// The index of the crew pool an element's `repair_pool` names, as
    /// [`Pools::spare_pool`] for spares.
    pub(super) fn crew_pool(
        &self,
        repair_pool: Option<&str>,
        path: &str,
        id: Option<&str>,
        probs: &mut Problems,
    ) -> Result<Option<usize>, ()> {
        match repair_pool {
            None => Ok(None),
            Some(name) => match self.crews.get(name) {
                Some(&i) => Ok(Some(i)),
                None if self.broken_crews.contains(name) || self.broken_crews.contains("*") => Err(()),
                None => {
                    // Every declared pool, the invalid ones too (reported where declared).
                    let mut declared: Vec<&str> = self
                        .crews
                        .keys()
                        .chain(self.broken_crews.iter().filter(|k| *k != "*"))
                        .map(String::as_str)
                        .collect();
                    declared.sort_unstable();
                    let hint = did_you_mean(name, declared.iter().copied(), "pool names");
                    let listed = if declared.is_empty() {
                        "the scenario declares none".to_string()
                    } else {
                        let names: Vec<String> = declared.iter().map(|k| format!("`{k}`")).collect();
                        format!("the pools are {}", names.join(", "))
                    };
                    probs.add(
                        format!("{path}.repair_pool"),
                        id,
                        format!("unknown crew pool `{name}`: {listed}"),
                        hint.or_else(|| {
                            Some(format!(
                                "declare it in `repair.pools` (e.g. \"repair\": {{\"pools\": {{\"{name}\": {{\"crews\": 1}}}}}}), or leave `repair_pool` out for the scenario-wide crews"
                            ))
                        }),
                    );
                    Err(())
                }
            },
        }
    }
}

/// The repair policy of `repair`: the scenario-wide crews and the named
/// crew pools (their index by name, and the names of those that are invalid,
/// already reported).
fn repair_policy(
    top: &serde_json::Map<String, Value>,
    probs: &mut Problems,
) -> (RepairPolicy, (BTreeMap<String, usize>, HashSet<String>)) {
    let mut index = BTreeMap::new();
    let mut broken = HashSet::new();
    let Some((r, _)) = top
        .get("repair")
        .filter(|v| !v.is_null())
        // Read without its bad keys (a bad `discipline` hides no bad `crews`);
        // the file is refused then, so what the policy would be is moot.
        .and_then(|v| take_partial::<RepairPolicySpec>(v, "repair", None, probs))
    else {
        // A `repair` that could not be read at all (already reported): no
        // pool name is reported again where elements name one.
        if top.get("repair").is_some_and(|v| !v.is_null()) {
            broken.insert("*".to_string());
        }
        return (RepairPolicy::default(), (index, broken));
    };
    let discipline_of = |d: DisciplineSpec| match d {
        DisciplineSpec::Fifo => Discipline::Fifo,
        DisciplineSpec::Priority => Discipline::Priority,
        DisciplineSpec::Random => Discipline::Random,
    };
    let crews_in = |c: u64, path: &str, hint: &str, probs: &mut Problems| {
        if (1..=u64::from(u32::MAX)).contains(&c) {
            Some(c as u32)
        } else {
            probs.add(
                path,
                None,
                format!("crews must be from 1 to {} (got {c})", u32::MAX),
                Some(hint.into()),
            );
            None
        }
    };
    let crews = r.crews.and_then(|c| {
        crews_in(
            c,
            "repair.crews",
            "leave `crews` out for as many crews as needed",
            probs,
        )
    });
    let discipline = discipline_of(r.discipline.unwrap_or(DisciplineSpec::Fifo));
    // Pools whose entry lost a key to a problem already reported (it does
    // not read on its own).
    let raw_pools = top.get("repair").and_then(|r| r.get("pools"));
    let spoilt = |name: &str| {
        raw_pools
            .and_then(|p| p.get(name))
            .is_none_or(|v| serde_json::from_value::<crate::scenario::wire::CrewPoolSpec>(v.clone()).is_err())
    };
    match raw_pools {
        // Pools taken out whole (not an object, a bad key): reported already.
        Some(Value::Object(given)) => {
            broken.extend(given.keys().filter(|k| !r.pools.contains_key(*k)).cloned());
        }
        // `pools` itself is not an object (reported already).
        Some(v) if !v.is_null() => {
            broken.insert("*".to_string());
        }
        _ => {}
    }
    let mut pools = Vec::new();
    for (name, p) in &r.pools {
        let at = crate::scenario::key_path("repair.pools", name);
        let before = probs.0.len();
        if let Some(why) = id_problem(name) {
            probs.add(&at, None, format!("crew pool name: {why}"), None);
        }
        let crews = match p.crews {
            Some(c) => crews_in(
                c,
                &format!("{at}.crews"),
                "a pool has at least one crew; elements without a `repair_pool` use the scenario-wide crews",
                probs,
            ),
            None if spoilt(name) => None,
            None => {
                probs.add(
                    &at,
                    None,
                    "missing `crews`: how many crews the pool has",
                    Some(format!("e.g. {at}.crews = 1")),
                );
                None
            }
        };
        match crews {
            Some(crews) if probs.0.len() == before && !spoilt(name) => {
                index.insert(name.clone(), pools.len());
                pools.push(CrewPool {
                    name: name.clone(),
                    crews,
                    discipline: discipline_of(p.discipline.or(r.discipline).unwrap_or(DisciplineSpec::Fifo)),
                });
            }
            _ => {
                broken.insert(name.clone());
            }
        }
    }
    (
        RepairPolicy {
            crews,
            discipline,
            pools,
        },
        (index, broken),
    )
}

/// The spare pools, and the ids of those that are invalid (already reported).
fn spare_pools(
    top: &serde_json::Map<String, Value>,
    probs: &mut Problems,
) -> (Vec<SparePool>, HashSet<String>) {
    let mut out: Vec<SparePool> = Vec::new();
    let mut broken = HashSet::new();
    for (path, v) in entries(top, "spare_pools", probs) {
        let size_fits = |size: u64, id: Option<&str>, probs: &mut Problems| {
            if size > u64::from(u32::MAX) {
                probs.add(
                    format!("{path}.size"),
                    id,
                    format!("size {size} is out of range: at most {}", u32::MAX),
                    None,
                );
            }
        };
        let Some(p) = take::<SparePoolSpec>(v, &path, id_of(v), probs) else {
            broken.extend(id_of(v).map(str::to_string));
            // The size does not depend on what else is wrong with the pool.
            if let Some(size) = v.get("size").and_then(Value::as_u64) {
                size_fits(size, id_of(v), probs);
            }
            continue;
        };
        let id = Some(p.id.as_str());
        let before = probs.0.len();
        if bad_id(&p.id) {
            probs.add(format!("{path}.id"), id, bad_id_message(&p.id), None);
        } else if out.iter().any(|q| q.id == p.id) {
            probs.add(&path, id, format!("duplicate spare pool id `{}`", p.id), None);
        }
        size_fits(p.size, id, probs);
        let restock = match &p.restock {
            DelaySpec::Fixed(d) if d.0 > 0.0 => fixed_delay(d.0, &format!("{path}.restock"), id, probs),
            DelaySpec::Fixed(_) => {
                probs.add(
                    format!("{path}.restock"),
                    id,
                    "restock must be longer than 0",
                    None,
                );
                None
            }
            DelaySpec::Dist(spec) => dist(spec, &format!("{path}.restock"), id, probs),
        };
        match restock {
            Some(restock) if probs.0.len() == before => out.push(SparePool {
                id: p.id,
                size: p.size as u32,
                restock,
            }),
            _ => {
                broken.insert(p.id);
            }
        }
    }
    (out, broken)
}
