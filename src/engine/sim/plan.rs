//! The plan: a validated model compiled for the engine, built once and
//! shared by every trial. Requirement expressions become threshold gates
//! (`all` = n of n, `any` = 1 of n, `at_least` = k of n) and every node gets
//! the list of what its change sets off ([`Action`]s), so that propagation
//! reads one contiguous row per node.

use super::super::reach::{ReachPlan, Role};
use super::super::rng;
use super::{DISPATCH_KEY, RareOptions, Weighting};
use super::{bias, groups};
use crate::model::{
    Criterion, Discipline, Distribution, ElementRole, Expr, GroupMode, Model, Replication, Sampler,
    ServiceKind,
};

/// Compressed rows: `items[start[i]..start[i + 1]]` belong to row `i`.
#[derive(Debug, Clone, Default)]
pub(super) struct Rows {
    pub(super) start: Vec<u32>,
    pub(super) items: Vec<u32>,
}

impl Rows {
    pub(super) fn from_lists(lists: &[Vec<u32>]) -> Self {
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
    pub(super) fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.start[i] as usize..self.start[i + 1] as usize
    }

    #[inline]
    pub(super) fn row(&self, i: usize) -> &[u32] {
        &self.items[self.range(i)]
    }
}

/// A spare pool compiled for the engine.
#[derive(Debug)]
pub(super) struct PlanPool {
    pub(super) size: u32,
    pub(super) restock: Sampler,
    /// Random-stream key (FNV-1a of its id).
    pub(super) key: u64,
}

/// A common-cause shock compiled for the engine.
#[derive(Debug)]
pub(super) struct PlanShock {
    pub(super) interval: Sampler,
    pub(super) members: Vec<u32>,
    pub(super) probability: f64,
    /// Random-stream key (FNV-1a of its id).
    pub(super) key: u64,
}

#[derive(Debug)]
pub(super) enum PlanService {
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
    pub(super) id: u64,
    pub mission: f64,
    pub(super) n_elements: usize,
    /// Failure and repair samplers of elements that can fail.
    pub(super) life: Vec<Option<(Sampler, Option<Sampler>)>>,
    /// Logistics delay of each element, if any.
    pub(super) logistics: Vec<Option<Sampler>>,
    /// Repair priority of each element.
    pub(super) priority: Vec<i64>,
    /// Crew pools: 0 is the scenario-wide crews, `1 + i` the named pool `i`.
    pub(super) crew_pools: Vec<PlanCrews>,
    /// Crew pool of each element (an index in `crew_pools`).
    pub(super) crew_pool: Vec<u32>,
    /// Whether some repair may wait for a crew (else a repair that ends
    /// frees no crew anyone waits for).
    pub(super) limited: bool,
    /// Common-cause shocks (events: `Slot::Shock`).
    pub(super) shocks: Vec<PlanShock>,
    /// Each service's RTO [h], if it has one.
    pub(super) rto: Vec<Option<f64>>,
    /// Spare pool of each element, if it draws on one.
    pub(super) spare_pool: Vec<Option<u32>>,
    /// Spare pools (events: `Slot::Spare`).
    pub(super) pools: Vec<PlanPool>,
    /// Whether crews, logistics, shocks, groups or maintenance are in play
    /// (else the engine runs a leaner loop).
    pub(super) full: bool,
    /// Group of each element (`u32::MAX`: none).
    pub(super) group_of: Vec<u32>,
    /// Failover groups (events: `Slot::Group`).
    pub(super) groups: Vec<PlanGroup>,
    /// Whether each element's ageing rate can change (an idle warm or cold standby).
    pub(super) aging: Vec<bool>,
    /// Services whose "degraded" follows each group member's natural state
    /// (not whether it carries): logical services it is a leaf of, and
    /// reachability services it is a target of.
    pub(super) member_leaves: Rows,
    /// Maintenance schedules (events: `Slot::Maintenance`).
    pub(super) maint: Vec<crate::model::Maintenance>,
    /// Per group: the services that depend on it (they lose writes when it does).
    pub(super) group_services: Vec<Vec<u32>>,
    /// Each service's RPO [h], if it has one.
    pub(super) rpo: Vec<Option<f64>>,
    /// Whether each service counts planned downtime.
    pub(super) planned_counts: Vec<bool>,
    /// Per service: the elements its state can depend on (its dependency
    /// cone, closed over group mates), sorted; empty rows when nothing is
    /// ever planned.
    pub(super) cone: Rows,
    /// Per element: the services whose cone holds it, for members of a
    /// maintenance schedule or of a group that fails back (whose planned
    /// activities those services, and only those, see).
    pub(super) planned_services: Rows,
    /// Per member of an active-passive group: the elements its natural
    /// state depends on, sorted (a loss is planned by what happens there).
    pub(super) member_cone: Rows,
    /// Random-stream key of each element (FNV-1a of its id).
    pub(super) keys: Vec<u64>,
    /// Root gate of each element's requirement (`u32::MAX`: none).
    pub(super) req_gate: Vec<u32>,
    /// What a change of each node sets off (elements are nodes `0..n`, gate
    /// `g` is node `n + g`): tagged [`Action`]s, one row per node, so that
    /// propagation reads one contiguous list per node.
    pub(super) actions: Rows,
    /// Targets of [`Action::Reach`]: a reachability service and the node's role in it.
    pub(super) reach_entries: Vec<(u32, Role)>,
    pub(super) services: Vec<PlanService>,
    /// State of a trial at t = 0 (everything up), computed once.
    pub(super) init: InitState,
    /// The change of measure of a failure-biasing run (`None`: plain).
    pub(super) bias: Option<bias::BiasPlan>,
}

/// A pool of repair crews compiled for the engine.
#[derive(Debug)]
pub(super) struct PlanCrews {
    /// Number of crews (`None`: unlimited).
    pub(super) crews: Option<u32>,
    pub(super) discipline: Discipline,
    /// Key of the random stream that picks among its waiting repairs.
    pub(super) key: u64,
}

/// A failover group compiled for the engine.
#[derive(Debug)]
pub(super) struct PlanGroup {
    pub(super) members: Vec<u32>,
    /// Random-stream key (FNV-1a of "group ID").
    pub(super) key: u64,
    pub(super) kind: PlanGroupKind,
}

#[derive(Debug)]
pub(super) enum PlanGroupKind {
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
pub(super) struct Gate {
    /// Inputs on now.
    pub(super) count: u32,
    pub(super) k: u32,
}

impl Gate {
    #[inline]
    pub(super) fn on(self) -> bool {
        self.count >= self.k
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct InitState {
    pub(super) func: Vec<bool>,
    pub(super) gates: Vec<Gate>,
    pub(super) nonfunc: Vec<u32>,
}

/// What a node's change sets off, packed in a `u32`: a 3-bit tag and a 29-bit index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
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
    pub(super) const SHIFT: u32 = 29;
    pub(super) const MASK: u32 = (1 << Self::SHIFT) - 1;

    pub(super) fn pack(self) -> u32 {
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
    pub(super) fn unpack(x: u32) -> Self {
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

/// The services compiled by [`Plan::compile_services`], with who reads each element.
struct Compiled {
    services: Vec<PlanService>,
    /// Per element: the reachability services it matters to, and its role in each.
    reach_readers: Vec<Vec<(u32, Role)>>,
    /// Per element: the logical services it is a leaf of.
    leaf_of: Vec<Vec<u32>>,
}

/// Compiles expressions into gates, children before parents.
pub(super) struct GateBuilder {
    pub(super) n_elements: usize,
    pub(super) k: Vec<u32>,
    pub(super) children: Vec<Vec<u32>>,
}

impl GateBuilder {
    /// Adds the gates of `expr`; returns the root gate index.
    pub(super) fn add(&mut self, expr: &Expr) -> u32 {
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
        let mut gb = GateBuilder {
            n_elements: n,
            k: Vec::new(),
            children: Vec::new(),
        };
        let (req_gate, order) = Self::requirement_gates(model, &mut gb);
        let passive = Self::passive_elements(model);
        let mut compiled = Self::compile_services(model, wanted, &mut gb, &passive);
        let group_of = Self::group_of(model);
        let (actions, reach_entries, mut member_leaves) =
            Self::action_rows(model, &gb, &req_gate, &passive, &group_of, &compiled);
        let init = Self::initial_state(&gb, &order, &req_gate, &compiled.leaf_of, compiled.services.len());
        Self::mark_reach_members(
            model,
            wanted,
            &group_of,
            &mut compiled.services,
            &mut member_leaves,
        );
        let groups = Self::compile_groups(model);
        let aging = Self::aging(model, &groups);
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
            life: model
                .elements
                .iter()
                .map(|e| {
                    e.life
                        .as_ref()
                        .map(|l| (l.failure.sampler(), l.repair.as_ref().map(|r| r.sampler())))
                })
                .collect(),
            logistics: model
                .elements
                .iter()
                .map(|e| {
                    e.life
                        .as_ref()
                        .and_then(|l| l.logistics.as_ref())
                        .map(|d| d.sampler())
                })
                .collect(),
            priority: model
                .elements
                .iter()
                .map(|e| e.life.as_ref().map_or(0, |l| l.priority))
                .collect(),
            crew_pools: Self::crew_pools(model),
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
            groups,
            aging,
            member_leaves: Rows::from_lists(&member_leaves),
            maint: model.maintenance.clone(),
            group_services: Self::group_services(model, wanted),
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
            keys: model.elements.iter().map(|e| rng::fnv1a64(&e.id)).collect(),
            req_gate,
            actions,
            reach_entries,
            services: compiled.services,
            init,
            bias: None,
        }
    }

    /// Phase 1: the gates of element requirements (a link requires both of
    /// its ends), in topological order of the elements, so that at t = 0
    /// they can be evaluated in index order. Returns each element's root
    /// gate (`u32::MAX`: none) and the evaluation order: (element, last
    /// gate + 1).
    fn requirement_gates(model: &Model, gb: &mut GateBuilder) -> (Vec<u32>, Vec<(u32, u32)>) {
        let mut req_gate = vec![u32::MAX; model.elements.len()];
        let mut order = Vec::with_capacity(model.topo_order.len());
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
        (req_gate, order)
    }

    /// Phase 2: the passive elements, whose functional state follows from
    /// their ends' (a link) or never changes (a component): they never
    /// fail, require nothing more and are in no group or maintenance
    /// schedule.
    fn passive_elements(model: &Model) -> Vec<bool> {
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
        passive
    }

    /// Phase 3: the services `wanted`, a reachability service compiled by
    /// [`ReachPlan::new`] and a logical one into gates.
    fn compile_services(model: &Model, wanted: &[usize], gb: &mut GateBuilder, passive: &[bool]) -> Compiled {
        let n = model.elements.len();
        let mut adj_lists: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
        for (i, e) in model.elements.iter().enumerate() {
            if let ElementRole::Link { a, b } = e.role {
                adj_lists[a].push((b as u32, i as u32));
                adj_lists[b].push((a as u32, i as u32));
            }
        }
        let adj_of = |c: usize| adj_lists[c].clone();
        let mut out = Compiled {
            services: Vec::with_capacity(wanted.len()),
            reach_readers: vec![Vec::new(); n],
            leaf_of: vec![Vec::new(); n],
        };
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
                        ReachPlan::new(n, *from, &adj_of, &weight, &is_target, passive, need, units);
                    for (e, role) in roles {
                        out.reach_readers[e].push((si as u32, role));
                    }
                    PlanService::Reach(Box::new(plan))
                }
                ServiceKind::Logic { expr } => {
                    let mut leaves = Vec::new();
                    expr.elements(&mut leaves);
                    leaves.sort_unstable();
                    leaves.dedup();
                    for l in leaves {
                        out.leaf_of[l].push(si as u32);
                    }
                    PlanService::Logic {
                        root: gb.add(expr) as usize,
                    }
                }
            };
            out.services.push(plan);
        }
        out
    }

    /// Each element's group (`u32::MAX`: none).
    fn group_of(model: &Model) -> Vec<u32> {
        let mut group_of = vec![u32::MAX; model.elements.len()];
        for (g, grp) in model.groups.iter().enumerate() {
            grp.members.iter().for_each(|&m| group_of[m] = g as u32);
        }
        group_of
    }

    /// Phase 4: what a change of each node sets off (elements are nodes
    /// `0..n`, gate `g` is node `n + g`), the targets of its
    /// [`Action::Reach`]es, and each group member's leaves (see
    /// `member_leaves`).
    fn action_rows(
        model: &Model,
        gb: &GateBuilder,
        req_gate: &[u32],
        passive: &[bool],
        group_of: &[u32],
        compiled: &Compiled,
    ) -> (Rows, Vec<(u32, Role)>, Vec<Vec<u32>>) {
        let n = model.elements.len();
        let mut actions: Vec<Vec<u32>> = vec![Vec::new(); n + gb.k.len()];
        for (gi, ch) in gb.children.iter().enumerate() {
            for &c in ch {
                actions[c as usize].push(Action::Gate(gi as u32).pack());
            }
        }
        let mut reach_entries = Vec::new();
        for (e, readers) in compiled.reach_readers.iter().enumerate() {
            for &entry in readers {
                actions[e].push(Action::Reach(reach_entries.len() as u32).pack());
                reach_entries.push(entry);
            }
        }
        // A member's leaves follow its natural state (see `member_leaves`).
        let mut member_leaves: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (e, svcs) in compiled.leaf_of.iter().enumerate() {
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
        (Rows::from_lists(&actions), reach_entries, member_leaves)
    }

    /// Phase 5: the all-up state at t = 0, gates and elements in dependency order.
    fn initial_state(
        gb: &GateBuilder,
        order: &[(u32, u32)],
        req_gate: &[u32],
        leaf_of: &[Vec<u32>],
        n_services: usize,
    ) -> InitState {
        let n = req_gate.len();
        let mut init = InitState {
            func: vec![true; n],
            gates: gb.k.iter().map(|&k| Gate { count: 0, k }).collect(),
            nonfunc: vec![0; n_services],
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
        for &(e, gates_end) in order {
            while next_gate < gates_end as usize {
                eval_gate(&mut init, next_gate);
                next_gate += 1;
            }
            let r = req_gate[e as usize];
            init.func[e as usize] = r == u32::MAX || init.gates[r as usize].on();
        }
        while next_gate < gb.k.len() {
            eval_gate(&mut init, next_gate);
            next_gate += 1;
        }
        for (e, svcs) in leaf_of.iter().enumerate() {
            if !init.func[e] {
                svcs.iter().for_each(|&s| init.nonfunc[s as usize] += 1);
            }
        }
        init
    }

    /// Phase 6: the group members among each reachability service's targets,
    /// whose natural state decides "degraded": the service is re-evaluated
    /// when it changes.
    fn mark_reach_members(
        model: &Model,
        wanted: &[usize],
        group_of: &[u32],
        services: &mut [PlanService],
        member_leaves: &mut [Vec<u32>],
    ) {
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
                rp.members
                    .iter()
                    .for_each(|&m| member_leaves[m as usize].push(si as u32));
            }
        }
    }

    /// Phase 7: the failover groups, each with its mode's parameters.
    fn compile_groups(model: &Model) -> Vec<PlanGroup> {
        model
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
            .collect()
    }

    /// Per group: the services that depend on it, charged its data losses.
    fn group_services(model: &Model, wanted: &[usize]) -> Vec<Vec<u32>> {
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
        group_services
    }

    /// Whether each element's ageing rate can change: a member that can
    /// fail of a group whose idle standbys age at a rate other than 1.
    fn aging(model: &Model, groups: &[PlanGroup]) -> Vec<bool> {
        let mut aging = vec![false; model.elements.len()];
        for g in groups {
            if let PlanGroupKind::Passive { idle_rate, .. } = g.kind
                && idle_rate != 1.0
            {
                for &m in &g.members {
                    aging[m as usize] = model.elements[m as usize].life.is_some();
                }
            }
        }
        aging
    }

    /// The crew pools: 0 the scenario-wide crews, then `repair.pools`.
    fn crew_pools(model: &Model) -> Vec<PlanCrews> {
        std::iter::once(PlanCrews {
            crews: model.repair.crews,
            discipline: model.repair.discipline,
            key: rng::fnv1a64(DISPATCH_KEY),
        })
        .chain(model.repair.pools.iter().map(|p| PlanCrews {
            crews: Some(p.crews),
            discipline: p.discipline,
            key: rng::fnv1a64(&format!("{DISPATCH_KEY} {}", p.name)),
        }))
        .collect()
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

#[cfg(test)]
mod tests {
    use super::super::{Probe, ServiceState};
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
