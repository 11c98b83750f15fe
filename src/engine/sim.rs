//! One trial: a discrete-event simulation of element failures and repairs
//! over the mission, with the services re-evaluated after every change.
//!
//! Requirement expressions are compiled into a network of threshold gates
//! (`all` = n of n, `any` = 1 of n, `at_least` = k of n), each keeping a count
//! of its true inputs. A state change propagates as ±1 deltas through the
//! gates it feeds, so an event costs time in proportion to what it actually
//! changes, not to the size of the expressions.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;

use super::reach::{ReachPlan, ReachState, Role};
use rand::{RngExt, SeedableRng};

use super::rng::{self, StreamRng};

mod bias;
mod groups;
use crate::model::{
    Criterion, Discipline, Distribution, ElementId, ElementRole, Expr, GroupMode, Model, Replication,
    Sampler, ServiceKind,
};
pub use bias::{
    DEFAULT_MIXTURE, DEFAULT_P_BIAS, RareOptions, WeightedTrialService, Weighting, biases_anything,
    scales_hazard,
};

/// A service's state at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ServiceState {
    /// Fully up: every target reachable / every requirement met.
    Up,
    /// Up, but some target unreachable or some required element not functional.
    Degraded,
    /// Down: an outage.
    Down,
}

/// Receives what happens in a trial, in time order.
pub trait Observer {
    /// An element failed (`up == false`) or was repaired.
    fn element(&mut self, _t: f64, _e: ElementId, _up: bool) {}
    /// A service changed state (also called once at `t = 0` with its initial state).
    fn service(&mut self, _t: f64, _s: usize, _state: ServiceState) {}
    /// A crew started repairing a failed element (at its failure when a crew
    /// was free and no logistics delay applies, later otherwise).
    fn repair_started(&mut self, _t: f64, _e: ElementId) {}
    /// Common-cause shock `k` (index in the model's list) struck; the members
    /// it failed follow as element events at the same time.
    fn shock(&mut self, _t: f64, _k: usize) {}
    /// Something happened to group `g` (index in the model's list).
    fn group(&mut self, _t: f64, _g: usize, _ev: GroupEvent) {}
    /// Maintenance schedule `k` took element `e` out of service (`begin`) or returned it.
    fn maintenance(&mut self, _t: f64, _k: usize, _e: ElementId, _begin: bool) {}
    /// Whether the observer can take no more: the trial then stops before
    /// its next event with [`Runaway`], as if it had reached
    /// [`MAX_EVENTS_PER_TRIAL`] (checked once per event: keep it cheap).
    #[inline]
    fn full(&self) -> bool {
        false
    }
}

/// What happened to a group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GroupEvent {
    /// Its active member stopped being functional; detection is under way.
    Lost { member: ElementId },
    /// The lost active member came back before detection ended: it carries on.
    Resumed { member: ElementId },
    /// A switchover to `to` began (`planned`: for maintenance, no detection and no failed switch).
    Switching { to: ElementId, planned: bool },
    /// The automatic switch to `to` failed; a manual failover is under way.
    SwitchFailed { to: ElementId },
    /// `member` took over and carries traffic (`manual`: after a failed switch).
    TookOver { member: ElementId, manual: bool },
    /// No member can take over: the group is down until one is functional again.
    NoMember,
    /// Failback: a planned switch back to the higher-priority member `to` began.
    Failback { to: ElementId },
    /// Active-active: `member` was lost and traffic is reconverging.
    Reconverging { member: ElementId },
    /// Active-active: reconvergence ended.
    Reconverged,
    /// Asynchronous replication: the failover lost this much of the latest writes [h].
    DataLoss { lost: f64 },
}

/// Where an element is in its failure and repair cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Up,
    /// Failed; logistics (travel, parts) under way.
    Logistics,
    /// Failed; waiting for a crew.
    Queued,
    /// Failed; waiting for a spare from its pool.
    AwaitingSpare,
    Repairing,
    /// Failed for good (not repairable).
    Dead,
}

/// The state of one element during a trial.
#[derive(Debug, Clone)]
struct ElemState {
    rng: StreamRng,
    /// Sequence number of its pending event (0: none); an event with another
    /// number is stale.
    pending_seq: u64,
    phase: Phase,
    up: bool,
    /// Maintenance windows it is in (0: in service).
    maint: u16,
    /// Carries traffic (false for an idle standby, or a group in failover).
    carry: bool,
    /// Functional but for `carry`: up, not in maintenance, requirement met.
    nat: bool,
}

/// Age of an element whose ageing rate changes (a warm or cold standby):
/// it fails when its age reaches the sampled age at failure.
#[derive(Debug, Clone, Copy, Default)]
struct Aging {
    /// Age still to go before it fails, as of `since` [h].
    left: f64,
    since: f64,
    /// Age gained per hour now.
    rate: f64,
}

/// What one event did to its element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// It failed.
    Failed,
    /// Its logistics delay ended (it now repairs, or waits for a spare or a crew).
    LogisticsDone,
    Repaired,
}

/// Key of the random stream that picks among waiting repairs of the
/// scenario-wide crews; a named pool's is this, a space and its name. It
/// contains a space, which no element id can, so it never collides with an
/// element's stream.
const DISPATCH_KEY: &str = "repair dispatch";

/// Most element state changes one trial may simulate. A trial that needs
/// more almost always has a distribution with near-zero durations (a tiny
/// Weibull shape, say); stopping with an error beats running for hours.
pub const MAX_EVENTS_PER_TRIAL: u64 = 100_000_000;

/// A trial that exceeded [`MAX_EVENTS_PER_TRIAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("trial {trial} exceeded {MAX_EVENTS_PER_TRIAL} events (the last one at element index {element})")]
pub struct Runaway {
    pub trial: u64,
    /// The element of the last event simulated.
    pub element: ElementId,
}

/// An observer that ignores everything.
pub struct NoObserver;
impl Observer for NoObserver {}

/// Compressed rows: `items[start[i]..start[i + 1]]` belong to row `i`.
#[derive(Debug, Clone, Default)]
struct Rows {
    start: Vec<u32>,
    items: Vec<u32>,
}

impl Rows {
    fn from_lists(lists: &[Vec<u32>]) -> Self {
        let mut start = Vec::with_capacity(lists.len() + 1);
        let mut items = Vec::new();
        for l in lists {
            start.push(items.len() as u32);
            items.extend_from_slice(l);
        }
        start.push(items.len() as u32);
        Self { start, items }
    }

    #[inline]
    fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.start[i] as usize..self.start[i + 1] as usize
    }

    #[inline]
    fn row(&self, i: usize) -> &[u32] {
        &self.items[self.range(i)]
    }
}

/// A spare pool compiled for the engine.
#[derive(Debug)]
struct PlanPool {
    size: u32,
    restock: Sampler,
    /// Random-stream key (FNV-1a of its id).
    key: u64,
}

/// A common-cause shock compiled for the engine.
#[derive(Debug)]
struct PlanShock {
    interval: Sampler,
    members: Vec<u32>,
    probability: f64,
    /// Random-stream key (FNV-1a of its id).
    key: u64,
}

#[derive(Debug)]
enum PlanService {
    Reach(Box<ReachPlan>),
    Logic {
        /// Gate whose output is the service's expression.
        root: usize,
    },
}

/// The model compiled for fast simulation. Built once, shared by all trials.
#[derive(Debug)]
pub struct Plan {
    /// Unique per plan, so that a [`Trial`] can check it runs the plan it was sized for.
    id: u64,
    pub mission: f64,
    n_elements: usize,
    /// Failure and repair samplers of elements that can fail.
    life: Vec<Option<(Sampler, Option<Sampler>)>>,
    /// Logistics delay of each element, if any.
    logistics: Vec<Option<Sampler>>,
    /// Repair priority of each element.
    priority: Vec<i64>,
    /// Crew pools: 0 is the scenario-wide crews, `1 + i` the named pool `i`.
    crew_pools: Vec<PlanCrews>,
    /// Crew pool of each element (an index in `crew_pools`).
    crew_pool: Vec<u32>,
    /// Whether some repair may wait for a crew (else a repair that ends
    /// frees no crew anyone waits for).
    limited: bool,
    /// Common-cause shocks; shock `k` is event slot `n_elements + k`.
    shocks: Vec<PlanShock>,
    /// Each service's RTO [h], if it has one.
    rto: Vec<Option<f64>>,
    /// Spare pool of each element, if it draws on one.
    spare_pool: Vec<Option<u32>>,
    /// Spare pools; pool `p` is event slot `n_elements + shocks + p`.
    pools: Vec<PlanPool>,
    /// Whether crews, logistics, shocks, groups or maintenance are in play
    /// (else the engine runs a leaner loop).
    full: bool,
    /// Group of each element (`u32::MAX`: none).
    group_of: Vec<u32>,
    /// Failover groups; group `g` is event slot `group_slot + g`.
    groups: Vec<PlanGroup>,
    group_slot: usize,
    /// Whether each element's ageing rate can change (an idle warm or cold standby).
    aging: Vec<bool>,
    /// Services whose "degraded" follows each group member's natural state
    /// (not whether it carries): logical services it is a leaf of, and
    /// reachability services it is a target of.
    member_leaves: Rows,
    /// Maintenance schedules; schedule `k` is event slot `group_slot + groups + k`.
    maint: Vec<crate::model::Maintenance>,
    /// Per group: the services that depend on it (they lose writes when it does).
    group_services: Vec<Vec<u32>>,
    /// Each service's RPO [h], if it has one.
    rpo: Vec<Option<f64>>,
    /// Whether each service counts planned downtime.
    planned_counts: Vec<bool>,
    /// Per service: the elements its state can depend on (its dependency
    /// cone, closed over group mates), sorted; empty rows when nothing is
    /// ever planned.
    cone: Rows,
    /// Per element: the services whose cone holds it, for members of a
    /// maintenance schedule or of a group that fails back (whose planned
    /// activities those services, and only those, see).
    planned_services: Rows,
    /// Per member of an active-passive group: the elements its natural
    /// state depends on, sorted (a loss is planned by what happens there).
    member_cone: Rows,
    /// Random-stream key of each element (FNV-1a of its id).
    keys: Vec<u64>,
    /// Root gate of each element's requirement (`u32::MAX`: none).
    req_gate: Vec<u32>,
    /// What a change of each node sets off (elements are nodes `0..n`, gate
    /// `g` is node `n + g`): tagged [`Action`]s, one row per node, so that
    /// propagation reads one contiguous list per node.
    actions: Rows,
    /// Targets of [`Action::Reach`]: a reachability service and the node's role in it.
    reach_entries: Vec<(u32, Role)>,
    services: Vec<PlanService>,
    /// State of a trial at t = 0 (everything up), computed once.
    init: InitState,
    /// The change of measure of a failure-biasing run (`None`: plain).
    bias: Option<bias::BiasPlan>,
}

/// A pool of repair crews compiled for the engine.
#[derive(Debug)]
struct PlanCrews {
    /// Number of crews (`None`: unlimited).
    crews: Option<u32>,
    discipline: Discipline,
    /// Key of the random stream that picks among its waiting repairs.
    key: u64,
}

/// A failover group compiled for the engine.
#[derive(Debug)]
struct PlanGroup {
    members: Vec<u32>,
    /// Random-stream key (FNV-1a of "group ID").
    key: u64,
    kind: PlanGroupKind,
}

#[derive(Debug)]
enum PlanGroupKind {
    Passive {
        /// Ageing rate of an idle standby (1 hot, 0 cold).
        idle_rate: f64,
        detection: Sampler,
        switchover: Sampler,
        success: f64,
        manual: Sampler,
        failback: bool,
        /// Replication lag, for asynchronous replication.
        lag: Option<Sampler>,
    },
    Active {
        reconvergence: Option<Sampler>,
    },
}

/// A threshold gate: on while at least `k` of its inputs are on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Gate {
    /// Inputs on now.
    count: u32,
    k: u32,
}

impl Gate {
    #[inline]
    fn on(self) -> bool {
        self.count >= self.k
    }
}

#[derive(Debug, Clone, Default)]
struct InitState {
    func: Vec<bool>,
    gates: Vec<Gate>,
    nonfunc: Vec<u32>,
}

/// What a node's change sets off, packed in a `u32`: a 3-bit tag and a 29-bit index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Feeds this gate.
    Gate(u32),
    /// Is a leaf of this logical service.
    Leaf(u32),
    /// Matters to a reachability service: index into `reach_entries`.
    Reach(u32),
    /// (Gates only) is the requirement of this element.
    Owner(u32),
    /// Is a leaf of this logical service, as a group member: the service is
    /// re-evaluated, but whether it is degraded follows the member's natural
    /// state (see `Plan::member_leaves`).
    Mark(u32),
}

impl Action {
    const SHIFT: u32 = 29;
    const MASK: u32 = (1 << Self::SHIFT) - 1;

    fn pack(self) -> u32 {
        let (tag, i) = match self {
            Self::Gate(i) => (0, i),
            Self::Leaf(i) => (1, i),
            Self::Reach(i) => (2, i),
            Self::Owner(i) => (3, i),
            Self::Mark(i) => (4, i),
        };
        assert!(i <= Self::MASK, "more than 2^29 actions of one kind");
        (tag << Self::SHIFT) | i
    }

    #[inline]
    fn unpack(x: u32) -> Self {
        let i = x & Self::MASK;
        match x >> Self::SHIFT {
            0 => Self::Gate(i),
            1 => Self::Leaf(i),
            2 => Self::Reach(i),
            3 => Self::Owner(i),
            _ => Self::Mark(i),
        }
    }
}

/// Compiles expressions into gates, children before parents.
struct GateBuilder {
    n_elements: usize,
    k: Vec<u32>,
    children: Vec<Vec<u32>>,
}

impl GateBuilder {
    /// Adds the gates of `expr`; returns the root gate index.
    fn add(&mut self, expr: &Expr) -> u32 {
        let (k, xs): (Option<usize>, &[Expr]) = match expr {
            Expr::Elem(_) => (Some(1), std::slice::from_ref(expr)),
            Expr::All(xs) => (None, xs),
            Expr::Any(xs) => (Some(1), xs),
            Expr::AtLeast(k, xs) => (Some(*k), xs),
        };
        let children: Vec<u32> = xs
            .iter()
            .map(|x| match x {
                Expr::Elem(e) => *e as u32,
                nested => self.n_elements as u32 + self.add(nested),
            })
            .collect();
        self.k.push(k.unwrap_or(children.len()) as u32);
        self.children.push(children);
        (self.k.len() - 1) as u32
    }
}

impl Plan {
    /// Compiles a validated model.
    pub fn new(model: &Model) -> Self {
        let all: Vec<usize> = (0..model.services.len()).collect();
        Self::for_services(model, &all)
    }

    /// Compiles a validated model with only the services `wanted` (service
    /// `i` of the plan is `wanted[i]` of the model): what it costs to build,
    /// to reset and to propagate through does not grow with the services
    /// left out. Structural analysis probes one service at a time this way.
    pub fn for_services(model: &Model, wanted: &[usize]) -> Self {
        let n = model.elements.len();
        let life = model
            .elements
            .iter()
            .map(|e| {
                e.life
                    .as_ref()
                    .map(|l| (l.failure.sampler(), l.repair.as_ref().map(|r| r.sampler())))
            })
            .collect();
        let keys = model.elements.iter().map(|e| rng::fnv1a64(&e.id)).collect();
        let logistics = model
            .elements
            .iter()
            .map(|e| {
                e.life
                    .as_ref()
                    .and_then(|l| l.logistics.as_ref())
                    .map(|d| d.sampler())
            })
            .collect();
        let priority = model
            .elements
            .iter()
            .map(|e| e.life.as_ref().map_or(0, |l| l.priority))
            .collect();

        // Gates of element requirements, in topological order of the elements,
        // so that at t = 0 they can be evaluated in index order.
        let mut gb = GateBuilder {
            n_elements: n,
            k: Vec::new(),
            children: Vec::new(),
        };
        let mut req_gate = vec![u32::MAX; n];
        let mut order: Vec<(u32, u32)> = Vec::new(); // (element, last gate + 1) in evaluation order
        for &e in &model.topo_order {
            let el = &model.elements[e];
            let expr = match (el.role, &el.requires) {
                (ElementRole::Link { a, b }, Some(r)) => {
                    Some(Expr::All(vec![Expr::Elem(a), Expr::Elem(b), r.clone()]))
                }
                (ElementRole::Link { a, b }, None) => Some(Expr::All(vec![Expr::Elem(a), Expr::Elem(b)])),
                (ElementRole::Component, r) => r.clone(),
            };
            if let Some(expr) = expr {
                req_gate[e] = gb.add(&expr);
            }
            order.push((e as u32, gb.k.len() as u32));
        }

        let mut adj_lists: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
        for (i, e) in model.elements.iter().enumerate() {
            if let ElementRole::Link { a, b } = e.role {
                adj_lists[a].push((b as u32, i as u32));
                adj_lists[b].push((a as u32, i as u32));
            }
        }
        let adj_of = |c: usize| adj_lists[c].clone();
        // Elements whose functional state follows from their ends' (a link)
        // or never changes (a component): they never fail, require nothing
        // more and are in no group or maintenance schedule.
        let mut passive: Vec<bool> = model
            .elements
            .iter()
            .map(|e| e.life.is_none() && e.requires.is_none())
            .collect();
        for &m in model.groups.iter().flat_map(|g| &g.members) {
            passive[m] = false;
        }
        for &m in model.maintenance.iter().flat_map(|k| &k.members) {
            passive[m] = false;
        }

        let mut services = Vec::new();
        let mut reach_readers: Vec<Vec<(u32, Role)>> = vec![Vec::new(); n];
        let mut leaf_of: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (si, s) in wanted.iter().map(|&w| &model.services[w]).enumerate() {
            let plan = match &s.kind {
                ServiceKind::Reach {
                    from,
                    targets,
                    criterion,
                } => {
                    let mut weight = vec![0.0; n];
                    let mut is_target = vec![false; n];
                    targets.iter().for_each(|&t| is_target[t] = true);
                    let mut units = None;
                    let need = match criterion {
                        Criterion::Need(k) => {
                            targets.iter().for_each(|&t| weight[t] = 1.0);
                            *k as f64
                        }
                        Criterion::Capacity { capacity, demand } => {
                            targets.iter().zip(capacity).for_each(|(&t, &c)| weight[t] = c);
                            *demand
                        }
                        Criterion::NeedUnits { units: u, need } => {
                            let mut of = vec![u32::MAX; n];
                            targets.iter().zip(u).for_each(|(&t, &x)| of[t] = x);
                            units = Some(of);
                            *need as f64
                        }
                    };
                    let (plan, roles) =
                        ReachPlan::new(n, *from, &adj_of, &weight, &is_target, &passive, need, units);
                    for (e, role) in roles {
                        reach_readers[e].push((si as u32, role));
                    }
                    PlanService::Reach(Box::new(plan))
                }
                ServiceKind::Logic { expr } => {
                    let mut leaves = Vec::new();
                    expr.elements(&mut leaves);
                    leaves.sort_unstable();
                    leaves.dedup();
                    for l in leaves {
                        leaf_of[l].push(si as u32);
                    }
                    PlanService::Logic {
                        root: gb.add(expr) as usize,
                    }
                }
            };
            services.push(plan);
        }

        let g = gb.k.len();
        let mut actions: Vec<Vec<u32>> = vec![Vec::new(); n + g];
        for (gi, ch) in gb.children.iter().enumerate() {
            for &c in ch {
                actions[c as usize].push(Action::Gate(gi as u32).pack());
            }
        }
        let mut reach_entries = Vec::new();
        for (e, readers) in reach_readers.iter().enumerate() {
            for &entry in readers {
                actions[e].push(Action::Reach(reach_entries.len() as u32).pack());
                reach_entries.push(entry);
            }
        }
        let mut group_of = vec![u32::MAX; n];
        for (g, grp) in model.groups.iter().enumerate() {
            grp.members.iter().for_each(|&m| group_of[m] = g as u32);
        }
        // A member's leaves follow its natural state (see `member_leaves`).
        let mut member_leaves: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (e, svcs) in leaf_of.iter().enumerate() {
            if group_of[e] == u32::MAX {
                actions[e].extend(svcs.iter().map(|&s| Action::Leaf(s).pack()));
            } else {
                member_leaves[e].clone_from(svcs);
                actions[e].extend(svcs.iter().map(|&s| Action::Mark(s).pack()));
            }
        }
        for (e, &r) in req_gate.iter().enumerate() {
            if r != u32::MAX {
                actions[n + r as usize].push(Action::Owner(e as u32).pack());
            }
        }
        // A passive link that nothing reads (a reachability service has no
        // role for it) need not follow its ends: its gate is left out of
        // propagation, and its functional state stays as it was at t = 0.
        for (e, el) in model.elements.iter().enumerate() {
            if let ElementRole::Link { a, b } = el.role
                && passive[e]
                && actions[e].is_empty()
            {
                let gate = Action::Gate(req_gate[e]).pack();
                for end in [a, b] {
                    actions[end].retain(|&x| x != gate);
                }
            }
        }

        // The all-up state at t = 0: gates and elements in dependency order.
        let mut init = InitState {
            func: vec![true; n],
            gates: gb.k.iter().map(|&k| Gate { count: 0, k }).collect(),
            nonfunc: vec![0; services.len()],
        };
        let eval_gate = |init: &mut InitState, gi: usize| {
            let count = gb.children[gi]
                .iter()
                .filter(|&&c| {
                    if (c as usize) < n {
                        init.func[c as usize]
                    } else {
                        init.gates[c as usize - n].on()
                    }
                })
                .count() as u32;
            init.gates[gi].count = count;
        };
        let mut next_gate = 0usize;
        for &(e, gates_end) in &order {
            while next_gate < gates_end as usize {
                eval_gate(&mut init, next_gate);
                next_gate += 1;
            }
            let r = req_gate[e as usize];
            init.func[e as usize] = r == u32::MAX || init.gates[r as usize].on();
        }
        while next_gate < g {
            eval_gate(&mut init, next_gate);
            next_gate += 1;
        }
        for (e, svcs) in leaf_of.iter().enumerate() {
            if !init.func[e] {
                svcs.iter().for_each(|&s| init.nonfunc[s as usize] += 1);
            }
        }

        // Which services depend on each group: needed to charge them its data losses.
        let mut group_services: Vec<Vec<u32>> = vec![Vec::new(); model.groups.len()];
        if !model.groups.is_empty() {
            for (si, &w) in wanted.iter().enumerate() {
                let deps = model.depends_on(w);
                for (g, grp) in model.groups.iter().enumerate() {
                    if grp.members.iter().any(|&m| deps[m]) {
                        group_services[g].push(si as u32);
                    }
                }
            }
        }
        let groups: Vec<PlanGroup> = model
            .groups
            .iter()
            .map(|g| PlanGroup {
                members: g.members.iter().map(|&m| m as u32).collect(),
                key: rng::fnv1a64(&format!("group {}", g.id)),
                kind: match &g.mode {
                    GroupMode::ActivePassive {
                        standby,
                        failover,
                        failback,
                        replication,
                    } => PlanGroupKind::Passive {
                        idle_rate: standby.idle_rate(),
                        detection: failover.detection.sampler(),
                        switchover: failover.switchover.sampler(),
                        success: failover.success,
                        manual: failover.manual.sampler(),
                        failback: *failback,
                        lag: match replication {
                            Some(Replication::Async { lag }) => Some(lag.sampler()),
                            Some(Replication::Sync) | None => None,
                        },
                    },
                    GroupMode::ActiveActive { reconvergence } => PlanGroupKind::Active {
                        reconvergence: reconvergence.as_ref().map(Distribution::sampler),
                    },
                },
            })
            .collect();
        for (si, (sv, ms)) in services
            .iter_mut()
            .zip(wanted.iter().map(|&w| &model.services[w]))
            .enumerate()
        {
            if let (PlanService::Reach(rp), ServiceKind::Reach { targets, .. }) = (sv, &ms.kind) {
                rp.members = targets
                    .iter()
                    .filter(|&&e| group_of[e] != u32::MAX)
                    .map(|&e| e as u32)
                    .collect();
                // Their natural state decides "degraded": re-evaluate when it changes.
                rp.members
                    .iter()
                    .for_each(|&m| member_leaves[m as usize].push(si as u32));
            }
        }
        let mut aging = vec![false; n];
        for g in &groups {
            // Only members that can fail have an age to keep.
            if let PlanGroupKind::Passive { idle_rate, .. } = g.kind
                && idle_rate != 1.0
            {
                for &m in &g.members {
                    aging[m as usize] = model.elements[m as usize].life.is_some();
                }
            }
        }

        let (cone, planned_services, member_cone) = groups::planned_cones(model, wanted);

        static NEXT_PLAN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let full = model.repairs_may_wait()
            || !model.common_cause.is_empty()
            || !model.spare_pools.is_empty()
            || !model.groups.is_empty()
            || !model.maintenance.is_empty()
            || model
                .elements
                .iter()
                .any(|e| e.life.as_ref().is_some_and(|l| l.logistics.is_some()));
        Self {
            id: NEXT_PLAN.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            mission: model.mission,
            n_elements: n,
            life,
            logistics,
            priority,
            crew_pools: std::iter::once(PlanCrews {
                crews: model.repair.crews,
                discipline: model.repair.discipline,
                key: rng::fnv1a64(DISPATCH_KEY),
            })
            .chain(model.repair.pools.iter().map(|p| PlanCrews {
                crews: Some(p.crews),
                discipline: p.discipline,
                key: rng::fnv1a64(&format!("{DISPATCH_KEY} {}", p.name)),
            }))
            .collect(),
            crew_pool: model
                .elements
                .iter()
                .map(|e| {
                    e.life
                        .as_ref()
                        .and_then(|l| l.crew_pool)
                        .map_or(0, |p| p as u32 + 1)
                })
                .collect(),
            limited: model.repairs_may_wait(),
            shocks: model
                .common_cause
                .iter()
                .map(|c| PlanShock {
                    interval: c.interval.sampler(),
                    members: c.members.iter().map(|&m| m as u32).collect(),
                    probability: c.probability,
                    key: rng::fnv1a64(&c.id),
                })
                .collect(),
            full,
            group_of,
            group_slot: n + model.common_cause.len() + model.spare_pools.len(),
            groups,
            aging,
            member_leaves: Rows::from_lists(&member_leaves),
            maint: model.maintenance.clone(),
            group_services,
            rpo: wanted.iter().map(|&w| model.services[w].rpo).collect(),
            planned_counts: wanted.iter().map(|&w| model.services[w].planned_counts).collect(),
            cone,
            planned_services,
            member_cone,
            rto: wanted.iter().map(|&w| model.services[w].rto).collect(),
            spare_pool: model
                .elements
                .iter()
                .map(|e| e.life.as_ref().and_then(|l| l.spare_pool).map(|p| p as u32))
                .collect(),
            pools: model
                .spare_pools
                .iter()
                .map(|p| PlanPool {
                    size: p.size,
                    restock: p.restock.sampler(),
                    key: rng::fnv1a64(&p.id),
                })
                .collect(),
            keys,
            req_gate,
            actions: Rows::from_lists(&actions),
            reach_entries,
            services,
            init,
            bias: None,
        }
    }

    /// The same plan, simulated under failure biasing (see
    /// [`RareOptions`]): trials record weighted results and their
    /// likelihood ratio.
    ///
    /// # Panics
    /// When `model` is not the model the plan was compiled from (its
    /// element count differs), `p_bias` is not strictly between 0 and 1, or
    /// `mixture` is not in (0, 1].
    pub fn with_bias(mut self, model: &Model, opts: &RareOptions) -> Self {
        assert_eq!(model.elements.len(), self.n_elements, "the plan's own model");
        assert!(
            opts.p_bias > 0.0 && opts.p_bias < 1.0,
            "p_bias must be strictly between 0 and 1"
        );
        assert!(
            opts.mixture > 0.0 && opts.mixture <= 1.0,
            "the mixture share must be in (0, 1]"
        );
        self.bias = Some(bias::BiasPlan::new(model, opts));
        self
    }

    /// Whether trials of this plan run under failure biasing.
    pub fn biased(&self) -> bool {
        self.bias.is_some()
    }

    /// How a biased plan weights increments (`None` for a plain plan).
    pub fn weighting(&self) -> Option<Weighting> {
        self.bias.as_ref().map(bias::BiasPlan::weighting)
    }

    pub fn n_services(&self) -> usize {
        self.services.len()
    }

    /// Whether planned downtime counts against service `s`'s availability.
    pub fn planned_counts(&self, s: usize) -> bool {
        self.planned_counts[s]
    }
}

/// The services as functions of which elements are failed, evaluated with
/// the engine's incremental propagation and no clock: the structure
/// function, with every group member carrying traffic and nothing in
/// maintenance. Set elements down and up in any order and read the services.
///
/// A probe resets and propagates through every service of its plan: build
/// it on a plan of the services of interest ([`Plan::for_services`]) for
/// its cost not to grow with the others.
pub struct Probe {
    trial: Trial,
}

impl Probe {
    /// Everything up.
    pub fn new(plan: &Plan) -> Self {
        let mut trial = Trial::new(plan);
        for (p, st) in plan.services.iter().zip(&mut trial.reach) {
            if let (PlanService::Reach(rp), Some(st)) = (p, st) {
                rp.reset(st, &trial.func);
            }
        }
        Self { trial }
    }

    /// Fails element `e` (`down`) or repairs it. `e` is an element that can
    /// fail (has a failure law): one that cannot may be compiled out of the
    /// services (a perfect link is, see `ReachPlan::new`'s passive elements).
    pub fn set(&mut self, plan: &Plan, e: usize, down: bool) {
        self.trial.el[e].up = !down;
        self.trial.propagate::<false>(plan, e);
        while let Some(s) = self.trial.dirty_list.pop() {
            self.trial.dirty[s as usize] = false;
        }
    }

    /// Whether service `s` is up now.
    pub fn up(&mut self, plan: &Plan, s: usize) -> bool {
        self.trial.eval_service(plan, s) != ServiceState::Down
    }

    /// Service `s`'s state now: up, degraded or down.
    pub fn state(&mut self, plan: &Plan, s: usize) -> ServiceState {
        self.trial.eval_service(plan, s)
    }

    /// Targets of reachability service `s` reached now (`None` for a logical service).
    pub fn reached(&mut self, plan: &Plan, s: usize) -> Option<usize> {
        let PlanService::Reach(rp) = &plan.services[s] else {
            return None;
        };
        let st = self.trial.reach[s]
            .as_mut()
            .expect("state of a reachability service");
        let el = &self.trial.el;
        rp.eval(st, &self.trial.func, |e| el[e as usize].nat);
        Some(rp.found(st))
    }
}

/// A pending event, ordered by time, then by the order it was scheduled in.
/// Packs time (bits of a non-negative `f64`, which order like the numbers),
/// a sequence number (40 bits) and the element (24 bits) into one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event(u128);

const ELEM_BITS: u32 = 24;

impl Event {
    #[inline]
    fn new(time: f64, seq: u64, elem: usize) -> Self {
        Self((u128::from(time.to_bits()) << 64) | (u128::from(seq) << ELEM_BITS) | elem as u128)
    }
    #[inline]
    fn time(self) -> f64 {
        f64::from_bits((self.0 >> 64) as u64)
    }
    #[inline]
    fn elem(self) -> usize {
        (self.0 as usize) & ((1 << ELEM_BITS) - 1)
    }
    #[inline]
    fn seq(self) -> u64 {
        (self.0 as u64) >> ELEM_BITS
    }
}

/// Per-trial results of one service.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrialService {
    /// Down time [h].
    pub down: f64,
    /// Degraded time [h].
    pub degraded: f64,
    /// Outages begun in the trial (one in progress at t = 0 counts).
    pub outages: u64,
    /// Outages that lasted longer than the service's RTO (one still under
    /// way at the mission's end counts if it already has).
    pub over_rto: u64,
    /// Part of `down` that was planned [h].
    pub planned_down: f64,
    /// Outages (of `outages`) that began with a planned action.
    pub planned_outages: u64,
    /// Failovers that lost writes (asynchronous replication).
    pub data_losses: u64,
    /// Writes lost [h of writes].
    pub lost_writes: f64,
    /// Data losses larger than the service's RPO.
    pub over_rpo: u64,
}

/// Reusable per-thread state of a trial. Create once for a plan, run many
/// trials of that plan.
pub struct Trial {
    /// The plan this state was sized for.
    plan_id: u64,
    /// Per element: its hot state, together so that an event touches one place.
    el: Vec<ElemState>,
    /// Per element: its age, for elements whose ageing rate changes.
    aging: Vec<Aging>,
    gstate: Vec<groups::GroupState>,
    /// Members whose natural state changed (with the new state), for their groups to act on.
    group_queue: Vec<(u32, bool)>,
    mstate: Vec<groups::MaintState>,
    /// Per service: planned activities under way in its cone (maintenance
    /// windows, failback switchovers).
    planned_open: Vec<u32>,
    /// Services whose last planned activity ended in this instant.
    planned_closed: Vec<u32>,
    /// Per service: a planned action began in its cone in this instant.
    planned_now: Vec<bool>,
    /// The services with `planned_now` set.
    planned_now_list: Vec<u32>,
    /// This instant holds a planned action (a maintenance window or failback begins).
    instant_planned: bool,
    /// Elements on which a planned action began in this instant (a group's
    /// first member for its failback).
    planned_at: Vec<u32>,
    /// Elements that failed in this instant.
    instant_failed: Vec<u32>,
    /// Per service: the outage under way began with a planned action and one is still under way.
    down_planned: Vec<bool>,
    /// Per service: since when the outage under way has been planned [h].
    planned_since: Vec<f64>,
    /// Per service: the outage under way began with a planned action.
    began_planned: Vec<bool>,
    /// The first failure of this instant: an element, or shock `k` as
    /// `n_elements + k` (`u32::MAX`: none yet).
    instant_cause: u32,
    /// Per service: the failure that began the outage under way, as in
    /// `instant_cause` (`u32::MAX`: none).
    cause: Vec<u32>,
    /// Per element: functional now. A passive link that nothing reads is
    /// not kept up to date (its gate is out of propagation, see `Plan::new`).
    func: Vec<bool>,
    gates: Vec<Gate>,
    nonfunc: Vec<u32>,
    shock_rngs: Vec<StreamRng>,
    /// Sequence number of each shock's pending event (0: none); only
    /// failure biasing reschedules a shock, and only it checks this.
    shock_seq: Vec<u64>,
    /// Spares on hand in each pool.
    on_hand: Vec<u32>,
    /// Elements waiting for a spare, per pool, first come first served.
    spare_waiters: Vec<std::collections::VecDeque<u32>>,
    pool_rngs: Vec<StreamRng>,
    /// Crews at work, per crew pool (as [`Plan::crew_pools`]).
    busy: Vec<u32>,
    /// Elements waiting for a crew, per crew pool, best first: (-priority
    /// or 0, arrival order, element).
    waiting: Vec<BinaryHeap<Reverse<(i64, u64, u32)>>>,
    /// Elements waiting for a crew, per crew pool under the random discipline.
    waiting_random: Vec<Vec<u32>>,
    /// Per crew pool: the stream that picks among its waiting repairs.
    dispatcher: Vec<StreamRng>,
    /// Per element: the trial-independent part of its stream seed, for `seeded_for`.
    key_seeds: Vec<u64>,
    seeded_for: Option<u64>,
    queue: BinaryHeap<Reverse<Event>>,
    seq: u64,
    /// Pending (node, new value) changes during propagation.
    pending: Vec<(u32, bool)>,
    dirty: Vec<bool>,
    dirty_list: Vec<u32>,
    /// State of each reachability service (`None` for logical ones).
    reach: Vec<Option<ReachState>>,
    state: Vec<ServiceState>,
    /// When each service entered its current state [h].
    since: Vec<f64>,
    /// Results of the last trial, per service.
    pub results: Vec<TrialService>,
    /// Events processed in the last trial (failures, repairs, logistics ends,
    /// shocks, spare arrivals).
    pub events: u64,
    /// Failure biasing's state (empty for a plain plan).
    bias: bias::BiasState,
}

impl Trial {
    pub fn new(plan: &Plan) -> Self {
        let n = plan.n_elements;
        let s = plan.services.len();
        Self {
            plan_id: plan.id,
            el: (0..n)
                .map(|_| ElemState {
                    rng: rng::stream(0, 0, 0),
                    pending_seq: 0,
                    phase: Phase::Up,
                    up: true,
                    maint: 0,
                    carry: true,
                    nat: true,
                })
                .collect(),
            aging: vec![Aging::default(); n],
            gstate: plan
                .groups
                .iter()
                .map(|_| groups::GroupState::default())
                .collect(),
            group_queue: Vec::new(),
            mstate: plan.maint.iter().map(|_| groups::MaintState::default()).collect(),
            planned_open: vec![0; s],
            planned_closed: Vec::new(),
            planned_now: vec![false; s],
            planned_now_list: Vec::new(),
            instant_planned: false,
            planned_at: Vec::new(),
            instant_failed: Vec::with_capacity(n),
            down_planned: vec![false; s],
            planned_since: vec![0.0; s],
            began_planned: vec![false; s],
            instant_cause: u32::MAX,
            cause: vec![u32::MAX; s],
            func: plan.init.func.clone(),
            gates: plan.init.gates.clone(),
            nonfunc: plan.init.nonfunc.clone(),
            shock_rngs: plan.shocks.iter().map(|_| rng::stream(0, 0, 0)).collect(),
            shock_seq: vec![0; plan.shocks.len()],
            on_hand: plan.pools.iter().map(|p| p.size).collect(),
            spare_waiters: plan
                .pools
                .iter()
                .map(|_| std::collections::VecDeque::new())
                .collect(),
            pool_rngs: plan.pools.iter().map(|_| rng::stream(0, 0, 0)).collect(),
            busy: vec![0; plan.crew_pools.len()],
            waiting: plan.crew_pools.iter().map(|_| BinaryHeap::new()).collect(),
            waiting_random: plan.crew_pools.iter().map(|_| Vec::new()).collect(),
            dispatcher: plan.crew_pools.iter().map(|_| rng::stream(0, 0, 0)).collect(),
            key_seeds: vec![0; n],
            seeded_for: None,
            queue: BinaryHeap::with_capacity(n),
            seq: 0,
            pending: Vec::new(),
            dirty: vec![false; s],
            dirty_list: Vec::with_capacity(s),
            reach: plan
                .services
                .iter()
                .map(|s| match s {
                    PlanService::Reach(r) => Some(r.new_state()),
                    PlanService::Logic { .. } => None,
                })
                .collect(),
            state: vec![ServiceState::Up; s],
            since: vec![0.0; s],
            results: vec![TrialService::default(); s],
            events: 0,
            bias: bias::BiasState::new(plan),
        }
    }

    /// The weighted results of the last trial of a biased plan, per service
    /// (empty for a plain plan).
    pub fn weighted(&self) -> &[WeightedTrialService] {
        &self.bias.w
    }

    /// The counted outages of the last trial of a biased plan by (service,
    /// cause), cause as in [`Trial::run`] (`u32::MAX`: none), each with
    /// its down time [h] weighted by the likelihood ratio at the outage's
    /// end and unweighted; one entry per pair, in order (empty for a plain
    /// plan).
    pub fn weighted_causes(&self) -> &[(u32, u32, f64, f64)] {
        &self.bias.causes
    }

    /// The counted outages of the last trial of a biased plan by (service,
    /// bin of their duration as in [`DurationHist::bin`](crate::engine::DurationHist::bin)),
    /// each pair with the likelihood ratios at the outages' ends summed and
    /// the number of outages; one entry per pair, in order (empty for a
    /// plain plan).
    pub fn weighted_ends(&self) -> &[(u32, u32, f64, f64)] {
        &self.bias.ends
    }

    /// The likelihood ratio of the last trial of a biased plan at the
    /// mission's end (1 for a plain plan).
    pub fn likelihood(&self) -> f64 {
        if self.bias.w.is_empty() { 1.0 } else { self.bias.l }
    }

    #[inline]
    fn mark(&mut self, s: u32) {
        if !self.dirty[s as usize] {
            self.dirty[s as usize] = true;
            self.dirty_list.push(s);
        }
    }

    /// Element `e`'s up state changed: propagate functional states through
    /// the gates and mark the services that must be re-evaluated.
    #[inline(always)]
    fn propagate<const FULL: bool>(&mut self, plan: &Plan, e: usize) {
        let r = plan.req_gate[e];
        let met = r == u32::MAX || self.gates[r as usize].on();
        let f = if FULL {
            self.settle_nat(plan, e, met)
        } else {
            self.el[e].up && met
        };
        if f == self.func[e] {
            return;
        }
        self.func[e] = f;
        let n = plan.n_elements;
        // The changed element first, then whatever its change sets off.
        let (mut node, mut v) = (e as u32, f);
        loop {
            for &act in plan.actions.row(node as usize) {
                match Action::unpack(act) {
                    Action::Gate(g) => {
                        // The gate turns on when the count reaches k, off when it leaves k.
                        let gate = &mut self.gates[g as usize];
                        let flip = if v {
                            gate.count += 1;
                            gate.count == gate.k
                        } else {
                            gate.count -= 1;
                            gate.count + 1 == gate.k
                        };
                        if flip {
                            self.pending.push((n as u32 + g, v));
                        }
                    }
                    Action::Leaf(s) => {
                        if v {
                            self.nonfunc[s as usize] -= 1;
                        } else {
                            self.nonfunc[s as usize] += 1;
                        }
                        self.mark(s);
                    }
                    Action::Mark(s) => self.mark(s),
                    Action::Reach(i) => {
                        let (s, role) = plan.reach_entries[i as usize];
                        let (PlanService::Reach(rp), Some(st)) =
                            (&plan.services[s as usize], &mut self.reach[s as usize])
                        else {
                            unreachable!("reach entries name reachability services")
                        };
                        rp.changed(st, role, v, &self.func);
                        self.mark(s);
                    }
                    Action::Owner(x) => {
                        let x = x as usize;
                        let fx = if FULL {
                            self.settle_nat(plan, x, v)
                        } else {
                            self.el[x].up && v
                        };
                        if fx != self.func[x] {
                            self.func[x] = fx;
                            self.pending.push((x as u32, fx));
                        }
                    }
                }
            }
            match self.pending.pop() {
                Some((n, x)) => (node, v) = (n, x),
                None => break,
            }
        }
    }

    /// Element `e`'s functional state given whether its requirement is `met`:
    /// records its natural state (queueing the change for its group) and
    /// returns whether it is functional, carrying included.
    #[inline(always)]
    fn settle_nat(&mut self, plan: &Plan, e: usize, met: bool) -> bool {
        let el = &mut self.el[e];
        let nat = el.up && el.maint == 0 && met;
        if nat != el.nat {
            el.nat = nat;
            if plan.group_of[e] != u32::MAX {
                self.group_queue.push((e as u32, nat));
            }
        }
        nat && el.carry
    }

    #[inline(always)]
    fn eval_service(&mut self, plan: &Plan, s: usize) -> ServiceState {
        match &plan.services[s] {
            PlanService::Logic { root } => {
                if !self.gates[*root].on() {
                    ServiceState::Down
                } else if self.nonfunc[s] == 0 {
                    ServiceState::Up
                } else {
                    ServiceState::Degraded
                }
            }
            PlanService::Reach(rp) => {
                let st = self.reach[s].as_mut().expect("state of a reachability service");
                let el = &self.el;
                rp.eval(st, &self.func, |e| el[e as usize].nat)
            }
        }
    }

    /// The top event is element `e`'s at `t`: applies it and schedules the
    /// element's next one (replacing the top of the heap). `None` when the
    /// event is stale (the element was rescheduled since).
    #[inline(always)]
    fn element_event<const FULL: bool, const BIAS: bool>(
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
                *top = Reverse(Event::new(t + dt, self.seq, e));
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
    fn fail_now(&mut self, plan: &Plan, e: usize, t: f64, mission: f64) -> Option<f64> {
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

    /// Element `e` is ready for repair at `t`: it takes a spare from its pool
    /// (or waits for one), then a crew (or waits in line). Returns the delay
    /// [h] to the end of its repair when the repair starts now.
    fn request_repair(&mut self, plan: &Plan, e: usize, t: f64, mission: f64) -> Option<f64> {
        if let Some(p) = plan.spare_pool[e] {
            // Base stock: every demand orders a replacement at once.
            let p = p as usize;
            self.order_spare(plan, p, t, mission);
            if self.on_hand[p] == 0 {
                self.el[e].phase = Phase::AwaitingSpare;
                self.spare_waiters[p].push_back(e as u32);
                return None;
            }
            self.on_hand[p] -= 1;
        }
        self.take_crew(plan, e)
    }

    /// Element `e` takes a free crew (returns its repair time [h]) or joins the line.
    fn take_crew(&mut self, plan: &Plan, e: usize) -> Option<f64> {
        let p = plan.crew_pool[e] as usize;
        if plan.crew_pools[p].crews.is_none_or(|c| self.busy[p] < c) {
            Some(self.start_repair(plan, e))
        } else {
            self.wait_for_crew(plan, e);
            None
        }
    }

    /// A crew of its pool starts repairing element `e`; returns the repair time [h].
    fn start_repair(&mut self, plan: &Plan, e: usize) -> f64 {
        self.busy[plan.crew_pool[e] as usize] += 1;
        let el = &mut self.el[e];
        el.phase = Phase::Repairing;
        let repair = plan.life[e]
            .as_ref()
            .and_then(|l| l.1.as_ref())
            .expect("only repairable elements repair");
        repair.sample(&mut el.rng)
    }

    /// A spare was asked of pool `p` at `t`: its replacement arrives after the restock time.
    fn order_spare(&mut self, plan: &Plan, p: usize, t: f64, mission: f64) {
        let dt = plan.pools[p].restock.sample(&mut self.pool_rngs[p]);
        if t + dt < mission {
            self.seq += 1;
            self.queue.push(Reverse(Event::new(
                t + dt,
                self.seq,
                plan.n_elements + plan.shocks.len() + p,
            )));
        }
    }

    /// A spare ordered for pool `p` arrives at `t` (the top event): the first
    /// element waiting for one takes it and goes on to a crew.
    fn spare_arrives(&mut self, plan: &Plan, p: usize, t: f64, mission: f64, obs: &mut impl Observer) {
        self.queue.pop();
        self.on_hand[p] += 1;
        let Some(e) = self.spare_waiters[p].pop_front() else {
            return;
        };
        let e = e as usize;
        // Its replacement was ordered when it asked.
        self.on_hand[p] -= 1;
        if let Some(dt) = self.take_crew(plan, e) {
            self.schedule(e, t, dt, mission);
            obs.repair_started(t, e);
        }
    }

    /// Schedules element `e`'s next event `dt` after `t`, replacing any pending one.
    fn schedule(&mut self, e: usize, t: f64, dt: f64, mission: f64) {
        if t + dt < mission {
            self.seq += 1;
            self.el[e].pending_seq = self.seq;
            self.queue.push(Reverse(Event::new(t + dt, self.seq, e)));
        } else {
            self.el[e].pending_seq = 0;
        }
    }

    /// Shock `k` strikes at `t`: each member that is up fails with the
    /// shock's probability. One draw per member, up or not, so that the
    /// shock's stream stays aligned across designs.
    fn shock(&mut self, plan: &Plan, k: usize, t: f64, mission: f64, obs: &mut impl Observer) {
        let shock = &plan.shocks[k];
        let dt = shock.interval.sample(&mut self.shock_rngs[k]);
        {
            let mut top = self.queue.peek_mut().expect("the caller saw an event");
            if t + dt < mission {
                self.seq += 1;
                self.shock_seq[k] = self.seq;
                *top = Reverse(Event::new(t + dt, self.seq, plan.n_elements + k));
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
            }
            self.propagate::<true>(plan, m);
        }
    }

    /// Schedules shock `k`'s next strike `dt` after `t` in place of the one
    /// pending, which becomes stale (failure biasing changed its hazard).
    fn schedule_shock(&mut self, plan: &Plan, k: usize, t: f64, dt: f64, mission: f64) {
        if t + dt < mission {
            self.seq += 1;
            self.shock_seq[k] = self.seq;
            self.queue
                .push(Reverse(Event::new(t + dt, self.seq, plan.n_elements + k)));
        } else {
            self.shock_seq[k] = 0;
        }
    }

    /// Puts failed element `e` in line for a crew of its pool.
    fn wait_for_crew(&mut self, plan: &Plan, e: usize) {
        self.el[e].phase = Phase::Queued;
        self.seq += 1;
        let p = plan.crew_pool[e] as usize;
        match plan.crew_pools[p].discipline {
            Discipline::Random => self.waiting_random[p].push(e as u32),
            Discipline::Fifo => self.waiting[p].push(Reverse((0, self.seq, e as u32))),
            Discipline::Priority => {
                self.waiting[p].push(Reverse((-plan.priority[e], self.seq, e as u32)));
            }
        }
    }

    /// A crew of pool `p` came free at `t`: it starts on the pool's next
    /// waiting repair, if any.
    fn dispatch(&mut self, plan: &Plan, p: usize, t: f64, mission: f64, obs: &mut impl Observer) {
        let next = match plan.crew_pools[p].discipline {
            Discipline::Random if !self.waiting_random[p].is_empty() => {
                let i = self.dispatcher[p].random_range(0..self.waiting_random[p].len());
                Some(self.waiting_random[p].swap_remove(i))
            }
            Discipline::Random => None,
            Discipline::Fifo | Discipline::Priority => self.waiting[p].pop().map(|Reverse((_, _, e))| e),
        };
        let Some(f) = next else { return };
        let f = f as usize;
        let dt = self.start_repair(plan, f);
        self.schedule(f, t, dt, mission);
        obs.repair_started(t, f);
    }

    /// Moves service `s` to state `new` at time `t`; returns the length [h]
    /// of the outage this ends, if it ends one, and whether it began planned.
    #[inline(always)]
    fn set_service<const FULL: bool, const BIAS: bool>(
        &mut self,
        plan: &Plan,
        s: usize,
        t: f64,
        new: ServiceState,
        obs: &mut impl Observer,
    ) -> Option<(f64, bool)> {
        let old = self.state[s];
        if old == new {
            return None;
        }
        let r = &mut self.results[s];
        let span = t - self.since[s];
        let ended = match old {
            ServiceState::Down => {
                r.down += span;
                if BIAS {
                    self.bias.w[s].down += self.bias.l * span;
                }
                // Without planned activities nothing is ever planned.
                if FULL && self.down_planned[s] {
                    r.planned_down += t - self.planned_since[s];
                    if BIAS {
                        self.bias.w[s].planned_down += self.bias.l * (t - self.planned_since[s]);
                    }
                    self.down_planned[s] = false;
                }
                Some((span, FULL && self.began_planned[s]))
            }
            ServiceState::Degraded => {
                r.degraded += span;
                if BIAS {
                    self.bias.w[s].degraded += self.bias.l * span;
                }
                None
            }
            ServiceState::Up => None,
        };
        if new == ServiceState::Down {
            r.outages += 1;
            self.cause[s] = self.instant_cause;
            let planned = FULL && self.begins_planned(plan, s);
            if FULL {
                self.results[s].planned_outages += u64::from(planned);
                self.began_planned[s] = planned;
                self.down_planned[s] = planned;
                self.planned_since[s] = t;
            }
            if BIAS {
                let (l, w) = (self.bias.l, &mut self.bias.w[s]);
                w.outages += l;
                w.first_outage.get_or_insert(l);
                if planned {
                    w.planned_outages += l;
                } else {
                    w.first_unplanned.get_or_insert(l);
                }
            }
        }
        self.state[s] = new;
        self.since[s] = t;
        obs.service(t, s, new);
        ended
    }

    /// The failure that began service `s`'s outage under way, if one did: an
    /// element, or shock `k` as `n_elements + k`.
    #[inline]
    fn outage_cause(&self, s: usize) -> Option<ElementId> {
        (self.cause[s] != u32::MAX).then_some(self.cause[s] as ElementId)
    }

    /// Whether an outage of service `s` counts (a planned one counts only
    /// where the service says planned downtime does).
    #[inline]
    fn counts(plan: &Plan, s: usize, planned: bool) -> bool {
        !planned || plan.planned_counts[s]
    }

    /// Runs trial `trial` with master seed `seed`. Results land in
    /// [`Trial::results`]; each finished outage goes to `outage(s, duration
    /// [h], cause)`, the cause being the element whose failure began it, or
    /// shock `k` as `n_elements + k` (none for an outage begun by a planned
    /// action or under way at the start).
    ///
    /// # Errors
    /// [`Runaway`] when the trial needs more than [`MAX_EVENTS_PER_TRIAL`]
    /// events, or the observer is [full](Observer::full).
    ///
    /// # Panics
    /// When `plan` is not the plan this `Trial` was created for.
    #[inline(never)]
    pub fn run(
        &mut self,
        plan: &Plan,
        seed: u64,
        trial: u64,
        obs: &mut impl Observer,
        outage: impl FnMut(usize, f64, Option<ElementId>),
    ) -> Result<(), Runaway> {
        // The common case compiles without the bookkeeping of crews and
        // shocks; failure biasing needs the general loop (it reschedules).
        if plan.bias.is_some() {
            self.run_impl::<true, true>(plan, seed, trial, obs, outage)
        } else if plan.full {
            self.run_impl::<true, false>(plan, seed, trial, obs, outage)
        } else {
            self.run_impl::<false, false>(plan, seed, trial, obs, outage)
        }
    }

    fn run_impl<const FULL: bool, const BIAS: bool>(
        &mut self,
        plan: &Plan,
        seed: u64,
        trial: u64,
        obs: &mut impl Observer,
        mut outage: impl FnMut(usize, f64, Option<ElementId>),
    ) -> Result<(), Runaway> {
        assert_eq!(
            self.plan_id, plan.id,
            "a Trial runs only the plan it was created for"
        );
        let mission = plan.mission;
        let mut initial = std::mem::take(&mut self.queue).into_vec();
        initial.clear();
        self.seq = 0;
        self.events = 0;
        self.instant_cause = u32::MAX;
        self.cause.fill(u32::MAX);
        for (el, &f) in self.el.iter_mut().zip(&plan.init.func) {
            el.up = true;
            el.phase = Phase::Up;
            el.pending_seq = 0;
            el.maint = 0;
            el.carry = true;
            el.nat = f;
        }
        self.busy.fill(0);
        for (p, c) in plan.crew_pools.iter().enumerate() {
            self.waiting[p].clear();
            self.waiting_random[p].clear();
            if c.discipline == Discipline::Random {
                self.dispatcher[p] = rng::stream(seed, trial, c.key);
            }
        }
        if BIAS {
            self.bias_start(seed, trial);
        }
        self.func.copy_from_slice(&plan.init.func);
        self.gates.copy_from_slice(&plan.init.gates);
        self.nonfunc.copy_from_slice(&plan.init.nonfunc);
        if self.seeded_for != Some(seed) {
            for (k, &key) in self.key_seeds.iter_mut().zip(&plan.keys) {
                *k = rng::key_seed(seed, key);
            }
            self.seeded_for = Some(seed);
        }
        for (e, life) in plan.life.iter().enumerate() {
            if let Some((fail, _)) = life {
                self.el[e].rng = StreamRng::seed_from_u64(rng::trial_stream_seed(self.key_seeds[e], trial));
                let mut t = fail.sample(&mut self.el[e].rng);
                if BIAS {
                    self.bias.renew(plan, e, t, 0.0);
                }
                if FULL && plan.aging[e] {
                    let rate = self.initial_rate(plan, e);
                    self.aging[e] = Aging {
                        left: t,
                        since: 0.0,
                        rate,
                    };
                    t = if rate > 0.0 { t / rate } else { f64::INFINITY };
                }
                if t < mission {
                    self.seq += 1;
                    self.el[e].pending_seq = self.seq;
                    initial.push(Reverse(Event::new(t, self.seq, e)));
                }
            }
        }
        for (p, pool) in plan.pools.iter().enumerate() {
            self.on_hand[p] = pool.size;
            self.spare_waiters[p].clear();
            self.pool_rngs[p] = rng::stream(seed, trial, pool.key);
        }
        for (k, shock) in plan.shocks.iter().enumerate() {
            self.shock_rngs[k] = rng::stream(seed, trial, shock.key);
            let t = shock.interval.sample(&mut self.shock_rngs[k]);
            if BIAS {
                self.bias.renew(plan, plan.n_elements + k, t, 0.0);
            }
            if t < mission {
                self.seq += 1;
                self.shock_seq[k] = self.seq;
                initial.push(Reverse(Event::new(t, self.seq, plan.n_elements + k)));
            } else {
                self.shock_seq[k] = 0;
            }
        }
        // Heapify in linear time rather than pushing one by one.
        self.queue = BinaryHeap::from(initial);
        if FULL {
            self.start_groups(plan, seed, trial, mission, obs);
            // Zero-delay failovers at t = 0 (a group whose first member starts
            // cut off) settle before the services are first judged.
            while let Some(&Reverse(ev)) = self.queue.peek() {
                let g = ev.elem().wrapping_sub(plan.group_slot);
                if ev.time() != 0.0 || g >= plan.groups.len() {
                    break;
                }
                self.group_timer(plan, g, 0.0, mission, obs);
            }
        }
        if BIAS {
            self.bias_force_start(plan, mission);
        }
        for (p, st) in plan.services.iter().zip(&mut self.reach) {
            if let (PlanService::Reach(rp), Some(st)) = (p, st) {
                rp.reset(st, &self.func);
            }
        }
        // Every service is evaluated below.
        while let Some(s) = self.dirty_list.pop() {
            self.dirty[s as usize] = false;
        }
        for s in 0..plan.services.len() {
            let st = self.eval_service(plan, s);
            self.results[s] = TrialService {
                outages: u64::from(st == ServiceState::Down),
                ..Default::default()
            };
            self.state[s] = st;
            self.since[s] = 0.0;
            if BIAS && st == ServiceState::Down {
                // Down from the start: an outage, unplanned, with L = 1.
                let w = &mut self.bias.w[s];
                w.outages = 1.0;
                w.first_outage = Some(1.0);
                w.first_unplanned = Some(1.0);
            }
            obs.service(0.0, s, st);
        }

        loop {
            let (t, slot) = {
                let Some(Reverse(ev)) = self.queue.peek() else {
                    break;
                };
                (ev.time(), ev.elem())
            };
            self.events += 1;
            if self.events > MAX_EVENTS_PER_TRIAL || obs.full() {
                return Err(Runaway {
                    trial,
                    element: slot.min(plan.n_elements - 1),
                });
            }
            if FULL && slot >= plan.group_slot + plan.groups.len() {
                self.maintenance_event(plan, slot - plan.group_slot - plan.groups.len(), t, mission, obs);
            } else if FULL && slot >= plan.group_slot {
                if !self.group_timer(plan, slot - plan.group_slot, t, mission, obs) {
                    self.events -= 1;
                }
            } else if slot >= plan.n_elements + plan.shocks.len() {
                self.spare_arrives(plan, slot - plan.n_elements - plan.shocks.len(), t, mission, obs);
            } else if slot >= plan.n_elements {
                let k = slot - plan.n_elements;
                let stale = BIAS && {
                    let Reverse(ev) = self.queue.peek().expect("the loop saw an event");
                    ev.seq() != self.shock_seq[k]
                };
                if stale {
                    // Failure biasing rescheduled this shock since.
                    self.queue.pop();
                    self.events -= 1;
                } else {
                    self.shock(plan, k, t, mission, obs);
                }
            } else if let Some(step) = self.element_event::<FULL, BIAS>(plan, slot, t, mission) {
                let e = slot;
                if step == Step::Failed && self.instant_cause == u32::MAX {
                    self.instant_cause = e as u32;
                }
                if FULL && step == Step::Failed {
                    self.instant_failed.push(e as u32);
                }
                if step != Step::LogisticsDone {
                    obs.element(t, e, step == Step::Repaired);
                }
                if step != Step::Repaired && self.el[e].phase == Phase::Repairing {
                    obs.repair_started(t, e);
                }
                if step != Step::LogisticsDone {
                    self.propagate::<FULL>(plan, e);
                }
                // With unlimited crews nobody ever waits: skip the bookkeeping.
                if step == Step::Repaired && plan.limited {
                    let p = plan.crew_pool[e] as usize;
                    if plan.crew_pools[p].crews.is_some() {
                        self.busy[p] -= 1;
                        self.dispatch(plan, p, t, mission, obs);
                    }
                }
            } else {
                // A stale event: its element was failed by a shock, or its
                // ageing rate changed, and it was rescheduled.
                self.events -= 1;
            }
            if FULL && !self.group_queue.is_empty() {
                self.settle_groups(plan, t, mission, obs);
            }
            // Services are judged once every event of this instant is in:
            // a repair and a failure at the same time are no outage of zero length.
            let instant_done = self.queue.peek().is_none_or(|Reverse(ev)| ev.time() != t);
            if instant_done {
                if BIAS && !self.dirty_list.is_empty() {
                    self.bias_update(plan, t);
                }
                while let Some(s) = self.dirty_list.pop() {
                    let s = s as usize;
                    self.dirty[s] = false;
                    let st = self.eval_service(plan, s);
                    if let Some((d, planned)) = self.set_service::<FULL, BIAS>(plan, s, t, st, obs)
                        && Self::counts(plan, s, planned)
                    {
                        let over = plan.rto[s].is_some_and(|r| d > r);
                        self.results[s].over_rto += u64::from(over);
                        outage(s, d, self.outage_cause(s));
                        if BIAS {
                            self.bias.caused(s, self.cause[s], d, over);
                        }
                    }
                }
                self.instant_cause = u32::MAX;
                if FULL {
                    self.end_instant::<BIAS>(plan, t);
                }
                if BIAS {
                    self.bias_rebalance(plan, t, mission);
                }
            }
        }

        if BIAS {
            self.bias_update(plan, mission);
        }

        for s in 0..plan.services.len() {
            let since = self.since[s];
            let r = &mut self.results[s];
            if BIAS {
                let (l, w) = (self.bias.l, &mut self.bias.w[s]);
                match self.state[s] {
                    ServiceState::Down => {
                        w.down += l * (mission - since);
                        if self.down_planned[s] {
                            w.planned_down += l * (mission - self.planned_since[s]);
                        }
                    }
                    ServiceState::Degraded => w.degraded += l * (mission - since),
                    ServiceState::Up => {}
                }
            }
            match self.state[s] {
                ServiceState::Down => {
                    r.down += mission - since;
                    if self.down_planned[s] {
                        r.planned_down += mission - self.planned_since[s];
                    }
                    if Self::counts(plan, s, self.began_planned[s]) {
                        let over = plan.rto[s].is_some_and(|rto| mission - since > rto);
                        r.over_rto += u64::from(over);
                        outage(s, mission - since, self.outage_cause(s));
                        if BIAS {
                            self.bias.caused(s, self.cause[s], mission - since, over);
                        }
                    }
                }
                ServiceState::Degraded => r.degraded += mission - since,
                ServiceState::Up => {}
            }
        }
        if BIAS {
            self.bias.fold_causes();
            self.bias.fold_ends();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(doc: serde_json::Value) -> Model {
        crate::scenario::parse(&doc.to_string()).expect("a valid scenario")
    }

    /// `src - a-1 - a-2 - dst` over perfect links, and `extra` services.
    fn chain(extra: serde_json::Value) -> Model {
        let mut services = vec![serde_json::json!({"id": "s", "from": "src", "to": ["dst"]})];
        services.extend(extra.as_array().expect("services").iter().cloned());
        parse(serde_json::json!({
            "format": "redsim/1", "name": "chain", "mission": "1000h",
            "components": [{"id": "src", "kind": "external"}, {"id": "dst", "kind": "external"},
                {"id": "a", "count": 2, "mtbf": "100h", "mttr": "1h"}],
            "links": [{"id": "l-1", "between": ["src", "a-1"]}, {"id": "l-2", "between": ["a-1", "a-2"]},
                {"id": "l-3", "between": ["a-2", "dst"]}],
            "services": services
        }))
    }

    #[test]
    fn a_failure_on_a_chain_of_perfect_links_sets_off_only_its_reachability_entry() {
        // The links never fail and nothing reads them: the reachability
        // service needs both ends of a link anyway, so the links' gates are
        // left out of propagation and a failure is one action, as under
        // `requires`. Each used to flip two link gates, and each link then
        // changed the chain too.
        let model = chain(serde_json::json!([]));
        let plan = Plan::new(&model);
        let id = |s: &str| model.element_by_id(s).expect("element");
        for c in ["a-1", "a-2"] {
            let row: Vec<Action> = plan
                .actions
                .row(id(c))
                .iter()
                .map(|&x| Action::unpack(x))
                .collect();
            assert!(matches!(row[..], [Action::Reach(_)]), "{c}: {row:?}");
        }
        let mut probe = Probe::new(&plan);
        probe.set(&plan, id("a-2"), true);
        assert_eq!(probe.state(&plan, 0), ServiceState::Down);
        probe.set(&plan, id("a-2"), false);
        assert_eq!(probe.state(&plan, 0), ServiceState::Up);
    }

    #[test]
    fn a_perfect_link_that_a_logical_service_reads_still_follows_its_ends() {
        let model = chain(serde_json::json!([{"id": "t", "requires": "l-2"}]));
        let plan = Plan::new(&model);
        let id = |s: &str| model.element_by_id(s).expect("element");
        let mut probe = Probe::new(&plan);
        assert_eq!(probe.state(&plan, 1), ServiceState::Up);
        probe.set(&plan, id("a-1"), true);
        assert_eq!(probe.state(&plan, 0), ServiceState::Down);
        assert_eq!(probe.state(&plan, 1), ServiceState::Down);
        probe.set(&plan, id("a-1"), false);
        assert_eq!(probe.state(&plan, 1), ServiceState::Up);
    }
}
