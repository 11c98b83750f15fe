//! Validation: from the file's JSON to a [`Model`], collecting every problem.
//!
//! A [`Resolver`] holds what the phases share (the file's top-level object,
//! the problems found so far, the templates, the entries and the element
//! ids, the pools, the running count of requirement terms) and runs them in
//! order, each in its own file:
//!
//! 1. `header.rs`: the file is a JSON object with known top-level keys,
//!    `format`, `name`, `description`, `mission`;
//! 2. `repair.rs`: `spare_pools` and `repair` (scenario-wide crews, crew pools);
//! 3. `templates.rs`: `templates`;
//! 4. `components.rs`: components, templates applied, `count` expanded, ids given;
//! 5. `links.rs`: links, globs in `between` expanded to every pair;
//! 6. `groups.rs`: `groups` (after which `group:ID` resolves);
//! 7. `requirements.rs`: each element's law (`laws.rs`) and requirements,
//!    and no cycle among them;
//! 8. `shocks.rs`: `common_cause`;
//! 9. `maintenance.rs`: `maintenance`; then `repair.rs` again: no spare pool
//!    takes an element's or a shock's id;
//! 10. `services.rs`: `services` and their `check` targets.
//!
//! A phase records problems and goes on, so that one run reports them all;
//! only a size limit stops the run ([`Stop`]), before what it bounds is built.
//! Reading helpers are in `read.rs` (strict JSON, serde errors as problems),
//! `suggest.rs` (did you mean) and `ids.rs` (ids, globs, references).

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::wire::{LifeFields, Requirement, Template};
use super::{CopyChange, Problem};
use crate::model::HOURS_PER_YEAR;
use crate::model::{ElementId, Model, ModelBuilder};
use ids::Ids;
use laws::{LifeSource, merge_life};
use repair::Pools;
use templates::Templates;

mod components;
mod groups;
mod header;
mod ids;
mod laws;
mod links;
mod locate;
mod maintenance;
mod read;
mod repair;
mod requirements;
mod services;
mod shocks;
mod suggest;
mod templates;

pub(crate) use read::read_json;
pub(crate) use suggest::suggest;

/// Smallest Weibull or gamma shape accepted.
pub const MIN_SHAPE: f64 = 0.05;

/// Shortest mission [h]: one second.
pub const MIN_MISSION: f64 = 1.0 / 3600.0;
/// Longest mission [h]: 1000 years, so that a trial's down time in
/// microseconds always fits in 64 bits.
pub const MAX_MISSION: f64 = 1000.0 * HOURS_PER_YEAR;

/// Longest id [characters], of every kind (components, links, services,
/// groups, pools, shocks, maintenance schedules).
pub const MAX_ID_LEN: usize = 256;
/// Largest `count` on one entry.
pub const MAX_COUNT: u64 = 100_000;
/// Largest number of elements (components plus links, after `count` and
/// glob expansion) in a scenario: 20 times the bundled generator's
/// 20,000-server data centre (about 45,000).
pub const MAX_ELEMENTS: usize = 1_000_000;
/// Largest number of services in a scenario.
pub const MAX_SERVICES: usize = 10_000;

/// Largest total size of all elements' requirement expressions, after glob
/// and `count` expansion (a glob over N ids required by N copies is N² terms).
pub const MAX_REQUIREMENT_TERMS: usize = 5_000_000;

/// The problems found so far, in the order found.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    /// The problems in the order found, each once: a problem in a template
    /// is found again for every entry using it.
    fn finish(self) -> Vec<Problem> {
        let mut seen = HashSet::new();
        self.0.into_iter().filter(|p| seen.insert(p.clone())).collect()
    }

    fn add(
        &mut self,
        path: impl Into<String>,
        id: Option<&str>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.0.push(Problem {
            path: path.into(),
            id: id.map(str::to_string),
            message: message.into(),
            hint,
        });
    }
}

/// A size limit was passed: the problems so far are the answer, and nothing
/// after is checked.
struct Stop;

/// The state that the phases of one validation share.
struct Resolver<'a> {
    /// The file's top-level object.
    top: &'a Map<String, Value>,
    probs: Problems,
    /// The spare pools and crew pools (phase `pools`), which laws name.
    pools: Pools,
    templates: Templates,
    /// Component and link entries with their templates applied.
    entries: Vec<Entry>,
    /// `--set` changes to one copy of a component entry with `count`, and
    /// whether each found its entry.
    copies: &'a [CopyChange],
    copy_found: Vec<bool>,
    /// The entries of copies changed by `copies`: each such copy is made
    /// from its own entry (see [`Pending::own`]).
    copy_entries: Vec<Entry>,
    /// The elements to be, in order: the components' copies, then the links.
    pending: Vec<Pending>,
    ids: Ids,
    /// Terms of requirements and service targets so far, against
    /// [`MAX_REQUIREMENT_TERMS`].
    terms: usize,
    /// The elements whose law has a problem (already reported): they are
    /// made without a law, which does not mean that they never fail.
    law_unknown: HashSet<ElementId>,
}

/// Validates a scenario file's text into a [`Model`], with `copies`
/// applied to the copies they name as `count` is expanded.
///
/// # Errors
/// Every problem found, in the order found.
pub(crate) fn resolve(text: &str, copies: &[CopyChange]) -> Result<Model, Vec<Problem>> {
    let root = header::root(text).map_err(|p| vec![p])?;
    let top = header::top_object(&root).map_err(|p| vec![p])?;
    let mut r = Resolver {
        top,
        probs: Problems::default(),
        pools: Pools::default(),
        templates: Templates::default(),
        entries: Vec::new(),
        copies,
        copy_found: vec![false; copies.len()],
        copy_entries: Vec::new(),
        pending: Vec::new(),
        ids: Ids::default(),
        terms: 0,
        law_unknown: HashSet::new(),
    };
    match r.phases() {
        Ok(builder) if r.probs.0.is_empty() => {
            // Everything the builder checks was checked above; this is a safety net.
            builder.build().map_err(|e| {
                vec![Problem {
                    path: String::new(),
                    id: None,
                    message: e.to_string(),
                    hint: None,
                }]
            })
        }
        _ => Err(r.probs.finish()),
    }
}

impl Resolver<'_> {
    /// The phases in order; later phases resolve references against what
    /// earlier ones read.
    fn phases(&mut self) -> Result<ModelBuilder, Stop> {
        let header = self.header();
        let (spare_pools, repair) = self.pools();
        self.templates();
        self.components()?;
        self.links()?;
        let groups = self.groups();
        let elements = self.elements()?;
        let common_cause = self.shocks(&elements);
        let maintenance = self.maintenance(header.mission);
        self.spare_pool_ids(&spare_pools, &common_cause);
        let services = self.services()?;
        Ok(ModelBuilder {
            name: header.name,
            description: header.description,
            mission: header.mission,
            elements,
            services,
            repair,
            common_cause,
            spare_pools,
            groups,
            maintenance,
        })
    }
}

/// A component or link entry with its template applied.
struct Entry {
    /// Where it is declared.
    path: String,
    /// Its id as written (for a link without one, `a--b`).
    id: String,
    kind: Option<String>,
    life: LifeFields,
    life_src: LifeSource,
    /// The requirement, the path it was read from, and whether that is the entry's own.
    requires: Option<(Requirement, String, bool)>,
    /// The domains, the path they were read from, and whether that is the entry's own.
    domains: Option<(Vec<String>, String, bool)>,
}

impl Entry {
    fn new(
        path: &str,
        id: &str,
        kind: Option<String>,
        own: LifeFields,
        t: Option<(&str, &Template)>,
    ) -> Self {
        let (life, life_src) = merge_life(own, t, path, id);
        Self {
            path: path.to_string(),
            id: id.to_string(),
            kind: kind.or_else(|| t.and_then(|(_, t)| t.kind.clone())),
            life,
            life_src,
            requires: None,
            domains: None,
        }
    }
}

/// An element to be: one copy of an entry.
struct Pending {
    id: String,
    /// Index of its entry.
    entry: usize,
    /// For a copy changed by a `--set` of its own, the index of the entry
    /// it is made from instead (in `Resolver::copy_entries`); its id,
    /// place and the messages about its entry are still `entry`'s.
    own: Option<usize>,
    role: PendingRole,
}

enum PendingRole {
    Component,
    Link(ElementId, ElementId),
}
