//! The validated, in-memory system: elements (components and links), their
//! failure and repair laws, requirement expressions, the topology graph and
//! the services whose availability is measured.
//!
//! Invariants kept by every [`Model`] (established by `scenario` validation or
//! by [`ModelBuilder::build`]):
//! - element ids are unique; components come first, then links;
//! - every element index in an expression, link or service is in range;
//! - the `requires` relation is acyclic, and `topo_order` lists every
//!   element after everything it requires;
//! - `need` and `at_least` thresholds are between 1 and the number of operands.
//!
//! No I/O and no serde here: the file format lives in `scenario`.

mod dist;
pub mod escape;

pub use dist::{Distribution, ParamError, Parameters, Sampler};
// The terminal and JSON escapers under their long-standing paths.
pub use escape::{json_escaped, printable, shown_path, unprintable};

use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::visit::{Dfs, EdgeFiltered, EdgeRef};

/// Relative tolerance when a reachable capacity is compared with a demand:
/// capacities are decimal numbers summed in binary, and 8 × 0.1 must meet 0.8.
pub const CAPACITY_TOLERANCE: f64 = 1e-9;

/// Hours in a (365-day) year.
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// Index of an element (component or link) in [`Model::elements`].
pub type ElementId = usize;

/// How an element fails and is repaired.
#[derive(Debug, Clone, PartialEq)]
pub struct Life {
    /// Time to failure, age counted from the last repair \[h\].
    pub failure: Distribution,
    /// Time to repair \[h\], once a crew has started; `None` for a non-repairable element.
    pub repair: Option<Distribution>,
    /// Delay between the failure and the moment the element can be repaired
    /// (travel, parts) \[h\]; it does not hold a crew.
    pub logistics: Option<Distribution>,
    /// Repair priority under [`Discipline::Priority`]: higher goes first.
    pub priority: i64,
    /// Index of the spare pool a repair takes a spare from, if any.
    pub spare_pool: Option<usize>,
    /// Index in [`RepairPolicy::pools`] of the crew pool that repairs it;
    /// `None`: the scenario-wide crews.
    pub crew_pool: Option<usize>,
}

impl Life {
    /// A failure and repair law with no logistics delay and priority 0.
    pub fn new(failure: Distribution, repair: Option<Distribution>) -> Self {
        Self {
            failure,
            repair,
            logistics: None,
            priority: 0,
            spare_pool: None,
            crew_pool: None,
        }
    }
}

/// The order in which waiting repairs get a free crew.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Discipline {
    /// First failed (or first through logistics), first repaired.
    #[default]
    Fifo,
    /// Highest `priority` first, then first come.
    Priority,
    /// A waiting element chosen uniformly at random.
    Random,
}

/// A pool of spares: a repair takes one; each one taken is reordered and
/// arrives after the restock time. A repair with none on hand waits.
#[derive(Debug, Clone, PartialEq)]
pub struct SparePool {
    /// Unique among pools, shocks and elements (it keys the pool's random stream).
    pub id: String,
    /// Spares on hand at the start.
    pub size: u32,
    /// Time for an ordered spare to arrive \[h\].
    pub restock: Distribution,
}

/// A common-cause shock: events at random times, each failing every member
/// that is up with probability `probability` (beta-factor model with 1.0).
#[derive(Debug, Clone, PartialEq)]
pub struct CommonCause {
    /// Unique among shocks and elements (it keys the shock's random stream).
    pub id: String,
    /// Time between shocks \[h\].
    pub interval: Distribution,
    /// Elements it can fail; every one has a failure law.
    pub members: Vec<ElementId>,
    /// Chance that a shock fails a member that is up, in (0, 1].
    pub probability: f64,
}

/// How an idle standby ages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Standby {
    /// Ages as if active: fails at its normal rate while idle.
    Hot,
    /// Ages at this fraction of the active rate while idle, in (0, 1).
    Warm(f64),
    /// Does not age while idle.
    Cold,
}

impl Standby {
    /// Rate [active age per hour] at which an idle member ages.
    pub fn idle_rate(self) -> f64 {
        match self {
            Self::Hot => 1.0,
            Self::Warm(f) => f,
            Self::Cold => 0.0,
        }
    }
}

/// What happens when the active member of an active-passive group is lost.
#[derive(Debug, Clone, PartialEq)]
pub struct Failover {
    /// Time to notice the loss \[h\].
    pub detection: Distribution,
    /// Time to switch to the standby \[h\]; also the length of a planned switch.
    pub switchover: Distribution,
    /// Chance that an automatic switch works, in [0, 1].
    pub success: f64,
    /// Delay of the manual failover after a failed switch \[h\].
    pub manual: Distribution,
}

/// How an active-passive group copies its data to its standbys.
#[derive(Debug, Clone, PartialEq)]
pub enum Replication {
    /// Every write reaches a standby before it is acknowledged: no loss.
    Sync,
    /// Writes reach the standbys after a lag \[h\]: an unplanned failover loses the lag window.
    Async { lag: Distribution },
}

/// How the members of a group share the work.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupMode {
    /// One member (the active one) carries traffic; the others wait.
    ActivePassive {
        standby: Standby,
        failover: Failover,
        /// Whether a recovered higher-priority member takes over again (after a switchover).
        failback: bool,
        replication: Option<Replication>,
    },
    /// Every functional member carries traffic.
    ActiveActive {
        /// Interruption of the group's traffic after a member is lost \[h\], if any.
        reconvergence: Option<Distribution>,
    },
}

/// Components that act together: only carrying members are functional to
/// the rest of the system.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Unique among groups.
    pub id: String,
    /// Components, in priority order (the first is active at the start);
    /// a component is a member of one group at most.
    pub members: Vec<ElementId>,
    pub mode: GroupMode,
}

/// Planned maintenance: members taken out of service on a schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Maintenance {
    /// Unique among maintenance schedules.
    pub id: String,
    /// Components maintained, in order (the rolling order).
    pub members: Vec<ElementId>,
    /// Time between the starts of two rounds \[h\].
    pub every: f64,
    /// Time each member is out of service \[h\].
    pub duration: f64,
    /// Start of the first round \[h\].
    pub start: f64,
    /// One member at a time (back to back) rather than all together.
    pub rolling: bool,
}

/// Who repairs failed elements: the scenario-wide crews, and named pools
/// of crews (one per site, say) for the elements that name one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RepairPolicy {
    /// Number of scenario-wide repair crews; `None`: as many as needed
    /// (every repair starts at once).
    pub crews: Option<u32>,
    /// Discipline of the scenario-wide crews.
    pub discipline: Discipline,
    /// Named crew pools, sorted by name; [`Life::crew_pool`] indexes them.
    pub pools: Vec<CrewPool>,
}

/// A named pool of repair crews: only the elements that name it use its
/// crews, and they use no other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrewPool {
    /// Its name in `repair.pools` (it keys the pool's random stream).
    pub name: String,
    /// Number of crews, at least 1.
    pub crews: u32,
    /// Who gets the pool's next free crew.
    pub discipline: Discipline,
}

/// Whether an element is a node of the topology or a link between two nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementRole {
    /// A component: a node of the topology graph.
    Component,
    /// A link between two components (element ids of its ends).
    Link { a: ElementId, b: ElementId },
}

/// Anything that can fail and be repaired, or that others depend on.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// Unique id, as written in the scenario (after `count` expansion).
    pub id: String,
    /// Free-form kind (switch, psu, feed...), for reports.
    pub kind: Option<String>,
    pub role: ElementRole,
    /// `None`: the element never fails.
    pub life: Option<Life>,
    /// What must be functional for this element to be functional. A link
    /// always requires both of its ends (that is added by the builder).
    pub requires: Option<Expr>,
}

/// A requirement expression over elements' functional states.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// The element is functional.
    Elem(ElementId),
    /// Every operand holds.
    All(Vec<Expr>),
    /// At least one operand holds.
    Any(Vec<Expr>),
    /// At least `k` operands hold.
    AtLeast(usize, Vec<Expr>),
}

impl Expr {
    /// Evaluates the expression with `state(e)` telling whether element `e` is functional.
    #[inline]
    pub fn eval(&self, state: &impl Fn(ElementId) -> bool) -> bool {
        match self {
            Self::Elem(e) => state(*e),
            Self::All(xs) => xs.iter().all(|x| x.eval(state)),
            Self::Any(xs) => xs.iter().any(|x| x.eval(state)),
            Self::AtLeast(k, xs) => {
                let mut hits = 0;
                for (i, x) in xs.iter().enumerate() {
                    if x.eval(state) {
                        hits += 1;
                        if hits >= *k {
                            return true;
                        }
                    }
                    // Not enough operands left to reach k.
                    if hits + (xs.len() - i - 1) < *k {
                        return false;
                    }
                }
                false
            }
        }
    }

    /// Every element the expression mentions, in order of appearance (may repeat).
    pub fn elements(&self, out: &mut Vec<ElementId>) {
        match self {
            Self::Elem(e) => out.push(*e),
            Self::All(xs) | Self::Any(xs) | Self::AtLeast(_, xs) => xs.iter().for_each(|x| x.elements(out)),
        }
    }
}

/// When a reachability service counts as up.
#[derive(Debug, Clone, PartialEq)]
pub enum Criterion {
    /// At least this many targets reachable.
    Need(usize),
    /// The summed capacity of reachable targets (one number per target) is at least `demand`.
    Capacity { capacity: Vec<f64>, demand: f64 },
    /// Targets fall into units (`units[i]` is the unit of target `i`, numbered
    /// from 0 in order): a unit is reached when any of its targets is, and at
    /// least `need` units must be. A group named as a target is one unit.
    NeedUnits { units: Vec<u32>, need: usize },
}

/// What a service needs to be up.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceKind {
    /// Network reachability from one component to targets, through
    /// functional components and functional links.
    Reach {
        from: ElementId,
        targets: Vec<ElementId>,
        criterion: Criterion,
    },
    /// A logical requirement expression (reliability-block style).
    Logic { expr: Expr },
}

/// Something whose availability is measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: String,
    pub kind: ServiceKind,
    /// Recovery time objective \[h\]: outages longer than this are counted apart.
    pub rto: Option<f64>,
    /// Recovery point objective \[h\]: data losses larger than this are counted apart.
    pub rpo: Option<f64>,
    /// Whether planned downtime counts against availability.
    pub planned_counts: bool,
    /// What `redsim check` holds the service to.
    pub targets: Targets,
}

/// Targets of a service (each optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    /// Least availability, in (0, 1).
    pub availability: Option<f64>,
    /// Most downtime per year \[h\].
    pub max_downtime_per_year: Option<f64>,
    /// Most outages per year.
    pub max_outages_per_year: Option<f64>,
    /// Most probability of an outage longer than the RTO in a mission.
    pub max_p_outage_over_rto: Option<f64>,
    /// No single point of failure.
    pub no_spof: bool,
}

impl Targets {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The validated system. See the module docs for its invariants.
#[derive(Debug, Clone)]
pub struct Model {
    pub name: String,
    pub description: Option<String>,
    /// Length of one trial \[h\].
    pub mission: f64,
    pub elements: Vec<Element>,
    pub services: Vec<Service>,
    /// Repair crews and their discipline.
    pub repair: RepairPolicy,
    /// Common-cause shocks.
    pub common_cause: Vec<CommonCause>,
    /// Spare pools.
    pub spare_pools: Vec<SparePool>,
    /// Failover groups.
    pub groups: Vec<Group>,
    /// Maintenance schedules.
    pub maintenance: Vec<Maintenance>,
    /// Elements ordered so that each comes after everything it requires.
    pub topo_order: Vec<ElementId>,
    /// The topology, the crate's one adjacency structure: a petgraph graph
    /// with one node per element (node index = element id; links are
    /// isolated nodes) and one edge per link between its two ends (weight:
    /// the link's id). Built once by [`ModelBuilder::build`]; read through
    /// [`Model::links_at`] and [`Model::connected_to`].
    graph: UnGraph<(), ElementId>,
}

impl Model {
    /// Element index by id.
    pub fn element_by_id(&self, id: &str) -> Option<ElementId> {
        self.elements.iter().position(|e| e.id == id)
    }

    /// Whether `other` is the same system: the same mission, elements,
    /// services, repair policy, shocks, spare pools, groups and
    /// maintenance (names and descriptions aside; the topology and the
    /// order are built from the elements). Two such models give the same
    /// trials from the same seed.
    pub fn same_system(&self, other: &Model) -> bool {
        self.mission == other.mission
            && self.elements == other.elements
            && self.services == other.services
            && self.repair == other.repair
            && self.common_cause == other.common_cause
            && self.spare_pools == other.spare_pools
            && self.groups == other.groups
            && self.maintenance == other.maintenance
    }

    /// The links at component `c`, each as `(link, other end)`, in the
    /// order of the links' indices; empty for a link.
    pub fn links_at(&self, c: ElementId) -> Vec<(ElementId, ElementId)> {
        let mut at: Vec<_> = self
            .graph
            .edges(NodeIndex::new(c))
            .map(|e| {
                let other = if e.source().index() == c {
                    e.target()
                } else {
                    e.source()
                };
                (*e.weight(), other.index())
            })
            .collect();
        at.sort_unstable();
        at
    }

    /// Which components are connected to component `from` by links,
    /// whatever their state (`from` included): its connected component of
    /// the topology. All `false` when `from` is a link.
    pub fn connected_to(&self, from: ElementId) -> Vec<bool> {
        self.reached_from(from, |_| true)
    }

    /// Which components component `from` reaches over links for which
    /// `up` holds of the link and of both its ends (`from` included when
    /// `up(from)`). All `false` when `from` is a link or not up.
    pub fn reached_from(&self, from: ElementId, up: impl Fn(ElementId) -> bool) -> Vec<bool> {
        let mut seen = vec![false; self.elements.len()];
        if self.elements[from].role != ElementRole::Component || !up(from) {
            return seen;
        }
        let live = EdgeFiltered::from_fn(&self.graph, |e| {
            up(*e.weight()) && up(e.source().index()) && up(e.target().index())
        });
        let mut dfs = Dfs::new(&live, NodeIndex::new(from));
        while let Some(c) = dfs.next(&live) {
            seen[c.index()] = true;
        }
        seen
    }

    /// Whether some repair may wait for a crew: the scenario-wide crews are
    /// limited, or some element names a crew pool (a pool nobody names
    /// repairs nothing).
    pub fn repairs_may_wait(&self) -> bool {
        self.repair.crews.is_some()
            || self
                .elements
                .iter()
                .any(|e| e.life.as_ref().is_some_and(|l| l.crew_pool.is_some()))
    }

    /// Which elements service `s` can depend on: those its expression names,
    /// or the components and links connected to its entry point, and
    /// everything these require, directly or not.
    pub fn depends_on(&self, s: usize) -> Vec<bool> {
        let n = self.elements.len();
        let mut seen = vec![false; n];
        let mut stack = Vec::new();
        match &self.services[s].kind {
            ServiceKind::Logic { expr } => expr.elements(&mut stack),
            ServiceKind::Reach { from, .. } => {
                let reached = self.connected_to(*from);
                for c in (0..n).filter(|&c| reached[c]) {
                    stack.push(c);
                    stack.extend(self.links_at(c).into_iter().map(|(l, _)| l));
                }
            }
        }
        stack.retain(|&e| !std::mem::replace(&mut seen[e], true));
        while let Some(e) = stack.pop() {
            for d in direct_requirements(&self.elements[e]) {
                if !seen[d] {
                    seen[d] = true;
                    stack.push(d);
                }
            }
        }
        seen
    }

    /// Whether the model has planned activities (maintenance, or failback,
    /// whose switchover is a planned outage).
    pub fn has_planned(&self) -> bool {
        !self.maintenance.is_empty()
            || self
                .groups
                .iter()
                .any(|g| matches!(g.mode, GroupMode::ActivePassive { failback: true, .. }))
    }

    /// Groups with replication (synchronous or not) that service `s` depends on.
    pub fn replicated_groups_of(&self, s: usize) -> Vec<usize> {
        let deps = self.depends_on(s);
        self.groups
            .iter()
            .enumerate()
            .filter(|(_, g)| {
                matches!(
                    g.mode,
                    GroupMode::ActivePassive {
                        replication: Some(_),
                        ..
                    }
                ) && g.members.iter().any(|&m| deps[m])
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// Why a model could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("the `requires` relation has a cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    #[error("duplicate element id `{0}`")]
    DuplicateId(String),
    #[error("mission must be a finite positive number of hours (got {0})")]
    Mission(f64),
    #[error("service `{service}`: {message}")]
    Service { service: String, message: String },
    /// An element, group, shock, maintenance schedule or pool that breaks an
    /// invariant (an index past the model's, a shock on an element without a
    /// failure law, a link between non-components).
    #[error("`{id}`: {message}")]
    Element { id: String, message: String },
}

/// Assembles a [`Model`] and checks its invariants.
#[derive(Debug, Clone, Default)]
pub struct ModelBuilder {
    pub name: String,
    pub description: Option<String>,
    pub mission: f64,
    pub elements: Vec<Element>,
    pub services: Vec<Service>,
    pub repair: RepairPolicy,
    pub common_cause: Vec<CommonCause>,
    pub spare_pools: Vec<SparePool>,
    pub groups: Vec<Group>,
    pub maintenance: Vec<Maintenance>,
}

impl ModelBuilder {
    pub fn new(name: impl Into<String>, mission: f64) -> Self {
        Self {
            name: name.into(),
            mission,
            ..Self::default()
        }
    }

    /// Adds a component and returns its element id.
    pub fn component(
        &mut self,
        id: impl Into<String>,
        life: Option<Life>,
        requires: Option<Expr>,
    ) -> ElementId {
        self.elements.push(Element {
            id: id.into(),
            kind: None,
            role: ElementRole::Component,
            life,
            requires,
        });
        self.elements.len() - 1
    }

    /// Adds a link between two components and returns its element id.
    pub fn link(
        &mut self,
        id: impl Into<String>,
        a: ElementId,
        b: ElementId,
        life: Option<Life>,
    ) -> ElementId {
        self.elements.push(Element {
            id: id.into(),
            kind: None,
            role: ElementRole::Link { a, b },
            life,
            requires: None,
        });
        self.elements.len() - 1
    }

    pub fn service(&mut self, id: impl Into<String>, kind: ServiceKind) {
        self.services.push(Service {
            id: id.into(),
            kind,
            rto: None,
            rpo: None,
            planned_counts: true,
            targets: Targets::default(),
        });
    }

    /// Every index the model names is in range: each element's
    /// requirements and link ends, each service's elements, each group's,
    /// shock's and maintenance schedule's members, each element's spare and
    /// crew pool; and every shock member has a failure law (a shock fails
    /// it, and only what fails is repaired). A library caller's model is
    /// checked here rather than left to panic in the engine.
    fn check_indices(&self) -> Result<(), ModelError> {
        let n = self.elements.len();
        let past = |what: &str, id: &str, bad: usize, len: usize| ModelError::Element {
            id: id.to_string(),
            message: format!("names {what} index {bad}, but the model has {len}"),
        };
        let first_past = |xs: &[ElementId], len: usize| xs.iter().copied().find(|&x| x >= len);
        for e in &self.elements {
            if let Some(bad) = first_past(&direct_requirements(e), n) {
                return Err(past("element", &e.id, bad, n));
            }
            if let Some(life) = &e.life {
                if let Some(p) = life.spare_pool.filter(|&p| p >= self.spare_pools.len()) {
                    return Err(past("spare pool", &e.id, p, self.spare_pools.len()));
                }
                if let Some(p) = life.crew_pool.filter(|&p| p >= self.repair.pools.len()) {
                    return Err(past("crew pool", &e.id, p, self.repair.pools.len()));
                }
            }
        }
        for s in &self.services {
            let mut named = Vec::new();
            match &s.kind {
                ServiceKind::Logic { expr } => expr.elements(&mut named),
                ServiceKind::Reach { from, targets, .. } => {
                    named.push(*from);
                    named.extend(targets);
                }
            }
            if let Some(bad) = first_past(&named, n) {
                return Err(ModelError::Service {
                    service: s.id.clone(),
                    message: format!("names element index {bad}, but the model has {n} elements"),
                });
            }
        }
        for g in &self.groups {
            if let Some(bad) = first_past(&g.members, n) {
                return Err(past("element", &g.id, bad, n));
            }
        }
        for m in &self.maintenance {
            if let Some(bad) = first_past(&m.members, n) {
                return Err(past("element", &m.id, bad, n));
            }
        }
        for c in &self.common_cause {
            if let Some(bad) = first_past(&c.members, n) {
                return Err(past("element", &c.id, bad, n));
            }
            if let Some(&m) = c.members.iter().find(|&&m| self.elements[m].life.is_none()) {
                return Err(ModelError::Element {
                    id: c.id.clone(),
                    message: format!(
                        "strikes `{}`, which has no failure law: a shock may strike only what fails and is repaired",
                        self.elements[m].id
                    ),
                });
            }
        }
        Ok(())
    }

    /// Checks the invariants and builds the topology's adjacency list.
    ///
    /// # Errors
    /// Duplicate ids, a `requires` cycle, a bad mission, or an impossible
    /// service threshold.
    pub fn build(self) -> Result<Model, ModelError> {
        if !(self.mission.is_finite() && self.mission > 0.0) {
            return Err(ModelError::Mission(self.mission));
        }
        let mut seen = std::collections::HashSet::new();
        for e in &self.elements {
            if !seen.insert(e.id.as_str()) {
                return Err(ModelError::DuplicateId(e.id.clone()));
            }
        }
        self.check_indices()?;
        for s in &self.services {
            let bad = |message: String| ModelError::Service {
                service: s.id.clone(),
                message,
            };
            match &s.kind {
                ServiceKind::Reach {
                    targets,
                    criterion: Criterion::Need(k),
                    ..
                } => {
                    if *k == 0 || *k > targets.len() {
                        return Err(bad(format!("need {k} of {} targets", targets.len())));
                    }
                }
                ServiceKind::Reach {
                    targets,
                    criterion: Criterion::Capacity { capacity, demand },
                    ..
                } => {
                    if capacity.len() != targets.len() || demand.is_nan() || *demand <= 0.0 {
                        return Err(bad(
                            "capacity needs one number per target and a positive demand".into()
                        ));
                    }
                }
                ServiceKind::Reach {
                    targets,
                    criterion: Criterion::NeedUnits { units, need },
                    ..
                } => {
                    let n_units = units.iter().max().map_or(0, |&u| u as usize + 1);
                    let numbered = units.first().is_none_or(|&u| u == 0)
                        && units.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1);
                    if units.len() != targets.len() || !numbered || *need == 0 || *need > n_units {
                        return Err(bad(format!(
                            "need {need} of {n_units} target units ({} targets, units {units:?})",
                            targets.len()
                        )));
                    }
                }
                ServiceKind::Logic { .. } => {}
            }
        }
        let mut graph = UnGraph::with_capacity(self.elements.len(), 0);
        for _ in &self.elements {
            graph.add_node(());
        }
        for (i, e) in self.elements.iter().enumerate() {
            if let ElementRole::Link { a, b } = e.role {
                let component = |x: ElementId| {
                    self.elements
                        .get(x)
                        .is_some_and(|e| e.role == ElementRole::Component)
                };
                if !(component(a) && component(b)) {
                    return Err(ModelError::Element {
                        id: e.id.clone(),
                        message: "a link must connect two components".into(),
                    });
                }
                graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), i);
            }
        }
        let topo_order = topo_order(&self.elements)?;
        Ok(Model {
            name: self.name,
            description: self.description,
            mission: self.mission,
            elements: self.elements,
            services: self.services,
            repair: self.repair,
            common_cause: self.common_cause,
            spare_pools: self.spare_pools,
            groups: self.groups,
            maintenance: self.maintenance,
            topo_order,
            graph,
        })
    }
}

/// What each element directly requires: its `requires` expression, plus both
/// ends for a link.
pub fn direct_requirements(e: &Element) -> Vec<ElementId> {
    let mut out = Vec::new();
    if let Some(r) = &e.requires {
        r.elements(&mut out);
    }
    if let ElementRole::Link { a, b } = e.role {
        out.push(a);
        out.push(b);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Orders elements so that each comes after what it requires; on a cycle,
/// returns the ids along one cycle.
pub fn topo_order(elements: &[Element]) -> Result<Vec<ElementId>, ModelError> {
    // Iterative DFS with colours: 0 unvisited, 1 on the stack, 2 done.
    let deps: Vec<Vec<ElementId>> = elements.iter().map(direct_requirements).collect();
    let mut colour = vec![0u8; elements.len()];
    let mut order = Vec::with_capacity(elements.len());
    for root in 0..elements.len() {
        if colour[root] != 0 {
            continue;
        }
        let mut stack: Vec<(ElementId, usize)> = vec![(root, 0)];
        colour[root] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&dep) = deps[node].get(*next) {
                *next += 1;
                match colour[dep] {
                    0 => {
                        colour[dep] = 1;
                        stack.push((dep, 0));
                    }
                    1 => {
                        let start = stack.iter().position(|(n, _)| *n == dep).unwrap_or(0);
                        let mut cycle: Vec<String> = stack[start..]
                            .iter()
                            .map(|(n, _)| elements[*n].id.clone())
                            .collect();
                        cycle.push(elements[dep].id.clone());
                        return Err(ModelError::Cycle(cycle));
                    }
                    _ => {}
                }
            } else {
                colour[node] = 2;
                order.push(node);
                stack.pop();
            }
        }
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_counts_operands() {
        let e = Expr::AtLeast(2, vec![Expr::Elem(0), Expr::Elem(1), Expr::Elem(2)]);
        for mask in 0u32..8 {
            let up = |i: usize| mask & (1 << i) != 0;
            assert_eq!(e.eval(&up), mask.count_ones() >= 2, "mask {mask:b}");
        }
    }

    #[test]
    fn the_adjacency_list_holds_each_link_at_both_ends() {
        let mut b = ModelBuilder::new("t", 10.0);
        let [x, y, z, w] = ["x", "y", "z", "w"].map(|id| b.component(id, None, None));
        let xy = b.link("xy", x, y, None);
        let yz = b.link("yz", y, z, None);
        let xz = b.link("xz", x, z, None);
        let m = b.build().unwrap();
        assert_eq!(m.links_at(x), [(xy, y), (xz, z)]);
        assert_eq!(m.links_at(y), [(xy, x), (yz, z)]);
        assert_eq!(m.links_at(z), [(yz, y), (xz, x)]);
        assert!(m.links_at(w).is_empty() && m.links_at(xy).is_empty());
        let on = |v: Vec<bool>| (0..v.len()).filter(|&i| v[i]).collect::<Vec<_>>();
        assert_eq!(on(m.connected_to(y)), [x, y, z]);
        assert_eq!(on(m.connected_to(w)), [w]);
        assert_eq!(on(m.connected_to(xy)), Vec::<usize>::new());
    }

    #[test]
    fn an_index_past_the_elements_is_an_error_not_a_panic() {
        let mut b = ModelBuilder::new("t", 10.0);
        let x = b.component("x", None, None);
        b.link("l", x, 99, None);
        let got = b.build();
        assert!(
            matches!(got, Err(ModelError::Element { ref id, .. }) if id == "l"),
            "{got:?}"
        );
        let mut b = ModelBuilder::new("t", 10.0);
        b.component("x", None, Some(Expr::Elem(7)));
        let got = b.build();
        assert!(
            matches!(got, Err(ModelError::Element { ref id, .. }) if id == "x"),
            "{got:?}"
        );
    }

    #[test]
    fn members_and_pools_past_the_model_and_shocks_on_what_never_fails_are_errors() {
        let base = || {
            let mut b = ModelBuilder::new("t", 10.0);
            b.component("x", None, None);
            b
        };
        let shock = |members: Vec<ElementId>| CommonCause {
            id: "s".into(),
            interval: Distribution::exponential(100.0).unwrap(),
            members,
            probability: 1.0,
        };
        let named = |got: Result<Model, ModelError>, who: &str| {
            assert!(
                matches!(got, Err(ModelError::Element { ref id, .. }) if id == who),
                "{got:?}"
            );
        };
        let mut b = base();
        b.maintenance.push(Maintenance {
            id: "m".into(),
            members: vec![99],
            every: 100.0,
            duration: 1.0,
            start: 0.0,
            rolling: false,
        });
        named(b.build(), "m");
        let mut b = base();
        b.common_cause.push(shock(vec![99]));
        named(b.build(), "s");
        // `x` has no failure law: a shock cannot fail it.
        let mut b = base();
        b.common_cause.push(shock(vec![0]));
        let got = b.build();
        assert!(format!("{:?}", got).contains("no failure law"), "{got:?}");
        named(got, "s");
    }

    #[test]
    fn a_link_must_join_two_components() {
        let mut b = ModelBuilder::new("t", 10.0);
        let [x, y] = ["x", "y"].map(|id| b.component(id, None, None));
        let xy = b.link("xy", x, y, None);
        b.link("l", x, xy, None);
        let got = b.build();
        assert!(
            matches!(got, Err(ModelError::Element { ref id, .. }) if id == "l"),
            "{got:?}"
        );
    }

    #[test]
    fn cycles_are_found_and_named() {
        let mut b = ModelBuilder::new("t", 10.0);
        b.component("a", None, Some(Expr::Elem(1)));
        b.component("b", None, Some(Expr::Any(vec![Expr::Elem(2)])));
        b.component("c", None, Some(Expr::Elem(0)));
        match b.build() {
            Err(ModelError::Cycle(ids)) => assert_eq!(ids, ["a", "b", "c", "a"]),
            other => panic!("expected a cycle, got {other:?}"),
        }
    }

    #[test]
    fn topo_order_puts_requirements_first() {
        let mut b = ModelBuilder::new("t", 10.0);
        let x = b.component("x", None, Some(Expr::Elem(1)));
        let y = b.component("y", None, None);
        let l = b.link("x--y", x, y, None);
        let m = b.build().unwrap();
        let pos = |e| m.topo_order.iter().position(|&o| o == e).unwrap();
        assert!(pos(y) < pos(x));
        assert!(pos(x) < pos(l));
    }
}
