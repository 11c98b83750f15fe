//! One trial: a discrete-event simulation of element failures and repairs
//! over the mission, with the services re-evaluated after every change.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::rng::{self, StreamRng};
use crate::model::{Criterion, ElementId, ElementRole, Expr, Model, Sampler, ServiceKind};

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
}

/// An observer that ignores everything.
pub struct NoObserver;
impl Observer for NoObserver {}

/// The model compiled for fast simulation. Built once, shared by all trials.
#[derive(Debug)]
pub struct Plan {
    pub mission: f64,
    n_elements: usize,
    /// Failure and repair samplers of elements that can fail.
    life: Vec<Option<(Sampler, Option<Sampler>)>>,
    /// Random-stream key of each element (FNV-1a of its id).
    keys: Vec<u64>,
    /// Requirement of each element (links: both ends, added here).
    requires: Vec<Option<Expr>>,
    /// Transitive dependents of each element, in topological order.
    dependents: Vec<Vec<ElementId>>,
    /// Services to re-evaluate when an element's functional state changes.
    affects: Vec<Vec<usize>>,
    /// Topological order of all elements.
    topo: Vec<ElementId>,
    /// Adjacency of components: `adj[adj_start[c]..adj_start[c+1]]` = (neighbour, link).
    adj_start: Vec<usize>,
    adj: Vec<(u32, u32)>,
    services: Vec<PlanService>,
}

#[derive(Debug)]
enum PlanService {
    Reach {
        from: ElementId,
        /// Per element: capacity it contributes as a target (0 when not a target).
        weight: Vec<f64>,
        n_targets: usize,
        total: f64,
        need: f64,
    },
    Logic {
        expr: Expr,
        leaves: Vec<ElementId>,
    },
}

impl Plan {
    /// Compiles a validated model.
    pub fn new(model: &Model) -> Self {
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
        let requires: Vec<Option<Expr>> = model
            .elements
            .iter()
            .map(|e| match (e.role, &e.requires) {
                (ElementRole::Link { a, b }, Some(r)) => {
                    Some(Expr::All(vec![Expr::Elem(a), Expr::Elem(b), r.clone()]))
                }
                (ElementRole::Link { a, b }, None) => Some(Expr::All(vec![Expr::Elem(a), Expr::Elem(b)])),
                (ElementRole::Component, r) => r.clone(),
            })
            .collect();

        // Direct dependents, then transitive closure ordered topologically.
        let mut direct: Vec<Vec<ElementId>> = vec![Vec::new(); n];
        for (i, r) in requires.iter().enumerate() {
            if let Some(r) = r {
                let mut leaves = Vec::new();
                r.elements(&mut leaves);
                leaves.sort_unstable();
                leaves.dedup();
                for l in leaves {
                    direct[l].push(i);
                }
            }
        }
        let mut topo_pos = vec![0usize; n];
        for (p, &e) in model.topo_order.iter().enumerate() {
            topo_pos[e] = p;
        }
        let mut mark = vec![usize::MAX; n];
        let dependents: Vec<Vec<ElementId>> = (0..n)
            .map(|e| {
                let mut out = Vec::new();
                let mut stack = vec![e];
                while let Some(x) = stack.pop() {
                    for &d in &direct[x] {
                        if mark[d] != e {
                            mark[d] = e;
                            out.push(d);
                            stack.push(d);
                        }
                    }
                }
                out.sort_unstable_by_key(|&d| topo_pos[d]);
                out
            })
            .collect();

        // Adjacency in compressed rows.
        let mut rows: Vec<Vec<(u32, u32)>> = vec![Vec::new(); n];
        for (i, e) in model.elements.iter().enumerate() {
            if let ElementRole::Link { a, b } = e.role {
                rows[a].push((b as u32, i as u32));
                rows[b].push((a as u32, i as u32));
            }
        }
        let mut adj_start = Vec::with_capacity(n + 1);
        let mut adj = Vec::new();
        for r in &rows {
            adj_start.push(adj.len());
            adj.extend_from_slice(r);
        }
        adj_start.push(adj.len());

        // What each service reads: for reachability, every element of the
        // connected part of the graph around `from`; for logic, the expression's leaves.
        let mut affects: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut services = Vec::new();
        for (si, s) in model.services.iter().enumerate() {
            let mut reads = vec![false; n];
            let plan = match &s.kind {
                ServiceKind::Reach {
                    from,
                    targets,
                    criterion,
                } => {
                    let mut stack = vec![*from];
                    reads[*from] = true;
                    while let Some(c) = stack.pop() {
                        for &(v, l) in &adj[adj_start[c]..adj_start[c + 1]] {
                            reads[l as usize] = true;
                            if !reads[v as usize] {
                                reads[v as usize] = true;
                                stack.push(v as usize);
                            }
                        }
                    }
                    let mut weight = vec![0.0; n];
                    let (total, need) = match criterion {
                        Criterion::Need(k) => {
                            targets.iter().for_each(|&t| weight[t] = 1.0);
                            (targets.len() as f64, *k as f64)
                        }
                        Criterion::Capacity { capacity, demand } => {
                            targets.iter().zip(capacity).for_each(|(&t, &c)| weight[t] = c);
                            (capacity.iter().sum(), *demand)
                        }
                    };
                    PlanService::Reach {
                        from: *from,
                        weight,
                        n_targets: targets.len(),
                        total,
                        need,
                    }
                }
                ServiceKind::Logic { expr } => {
                    let mut leaves = Vec::new();
                    expr.elements(&mut leaves);
                    leaves.sort_unstable();
                    leaves.dedup();
                    leaves.iter().for_each(|&l| reads[l] = true);
                    PlanService::Logic {
                        expr: expr.clone(),
                        leaves,
                    }
                }
            };
            for e in 0..n {
                if reads[e] || dependents[e].iter().any(|&d| reads[d]) {
                    affects[e].push(si);
                }
            }
            services.push(plan);
        }

        Self {
            mission: model.mission,
            n_elements: n,
            life,
            keys,
            requires,
            dependents,
            affects,
            topo: model.topo_order.clone(),
            adj_start,
            adj,
            services,
        }
    }

    pub fn n_services(&self) -> usize {
        self.services.len()
    }
}

/// A pending event: element `elem` changes state at `time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    /// Bits of a non-negative `f64`: they order like the numbers.
    time: u64,
    /// Insertion order breaks ties between events at the same instant.
    seq: u64,
    elem: u32,
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
}

/// Reusable per-thread state of a trial. Create once, run many trials.
pub struct Trial {
    up: Vec<bool>,
    func: Vec<bool>,
    rngs: Vec<StreamRng>,
    queue: BinaryHeap<Reverse<Event>>,
    seq: u64,
    seen: Vec<u32>,
    epoch: u32,
    stack: Vec<u32>,
    state: Vec<ServiceState>,
    /// When each service entered its current state [h].
    since: Vec<f64>,
    /// Results of the last trial, per service.
    pub results: Vec<TrialService>,
    /// Element state changes in the last trial.
    pub events: u64,
}

impl Trial {
    pub fn new(plan: &Plan) -> Self {
        let n = plan.n_elements;
        let s = plan.services.len();
        Self {
            up: vec![true; n],
            func: vec![true; n],
            rngs: (0..n).map(|_| rng::stream(0, 0, 0)).collect(),
            queue: BinaryHeap::with_capacity(n),
            seq: 0,
            seen: vec![0; n],
            epoch: 0,
            stack: Vec::with_capacity(n),
            state: vec![ServiceState::Up; s],
            since: vec![0.0; s],
            results: vec![TrialService::default(); s],
            events: 0,
        }
    }

    #[inline]
    fn push(&mut self, time: f64, elem: usize) {
        self.seq += 1;
        self.queue.push(Reverse(Event {
            time: time.to_bits(),
            seq: self.seq,
            elem: elem as u32,
        }));
    }

    #[inline]
    fn eval_func(&self, plan: &Plan, e: usize) -> bool {
        self.up[e]
            && plan.requires[e]
                .as_ref()
                .is_none_or(|r| r.eval(&|x| self.func[x]))
    }

    fn eval_service(&mut self, plan: &Plan, s: usize) -> ServiceState {
        match &plan.services[s] {
            PlanService::Logic { expr, leaves } => {
                if !expr.eval(&|x| self.func[x]) {
                    ServiceState::Down
                } else if leaves.iter().all(|&l| self.func[l]) {
                    ServiceState::Up
                } else {
                    ServiceState::Degraded
                }
            }
            PlanService::Reach {
                from,
                weight,
                n_targets,
                total,
                need,
            } => {
                if !self.func[*from] {
                    return ServiceState::Down;
                }
                self.epoch = self.epoch.wrapping_add(1);
                if self.epoch == 0 {
                    self.seen.iter_mut().for_each(|x| *x = 0);
                    self.epoch = 1;
                }
                let epoch = self.epoch;
                self.seen[*from] = epoch;
                self.stack.clear();
                self.stack.push(*from as u32);
                let mut got = weight[*from];
                let mut found = usize::from(weight[*from] > 0.0);
                while let Some(c) = self.stack.pop() {
                    let c = c as usize;
                    for &(v, l) in &plan.adj[plan.adj_start[c]..plan.adj_start[c + 1]] {
                        let (v, l) = (v as usize, l as usize);
                        if self.seen[v] != epoch && self.func[l] && self.func[v] {
                            self.seen[v] = epoch;
                            if weight[v] > 0.0 {
                                got += weight[v];
                                found += 1;
                            }
                            self.stack.push(v as u32);
                        }
                    }
                    if found == *n_targets {
                        break;
                    }
                }
                if got < *need {
                    ServiceState::Down
                } else if got < *total {
                    ServiceState::Degraded
                } else {
                    ServiceState::Up
                }
            }
        }
    }

    /// Moves service `s` to state `new` at time `t`; returns the length [h]
    /// of the outage this ends, if it ends one.
    fn set_service(&mut self, s: usize, t: f64, new: ServiceState, obs: &mut impl Observer) -> Option<f64> {
        let old = self.state[s];
        if old == new {
            return None;
        }
        let r = &mut self.results[s];
        let span = t - self.since[s];
        let ended = match old {
            ServiceState::Down => {
                r.down += span;
                Some(span)
            }
            ServiceState::Degraded => {
                r.degraded += span;
                None
            }
            ServiceState::Up => None,
        };
        if new == ServiceState::Down {
            r.outages += 1;
        }
        self.state[s] = new;
        self.since[s] = t;
        obs.service(t, s, new);
        ended
    }

    /// Runs trial `trial` with master seed `seed`. Results land in
    /// [`Trial::results`]; each finished outage [h] goes to `outage(s, duration)`.
    pub fn run(
        &mut self,
        plan: &Plan,
        seed: u64,
        trial: u64,
        obs: &mut impl Observer,
        mut outage: impl FnMut(usize, f64),
    ) {
        let mission = plan.mission;
        self.queue.clear();
        self.seq = 0;
        self.events = 0;
        self.up.iter_mut().for_each(|u| *u = true);
        for &e in &plan.topo {
            self.func[e] = self.eval_func(plan, e);
        }
        for (e, life) in plan.life.iter().enumerate() {
            if let Some((fail, _)) = life {
                self.rngs[e] = rng::stream(seed, trial, plan.keys[e]);
                let t = fail.sample(&mut self.rngs[e]);
                if t < mission {
                    self.push(t, e);
                }
            }
        }
        for s in 0..plan.services.len() {
            let st = self.eval_service(plan, s);
            self.results[s] = TrialService {
                outages: u64::from(st == ServiceState::Down),
                ..Default::default()
            };
            self.state[s] = st;
            self.since[s] = 0.0;
            obs.service(0.0, s, st);
        }

        while let Some(Reverse(ev)) = self.queue.pop() {
            let t = f64::from_bits(ev.time);
            let e = ev.elem as usize;
            self.events += 1;
            let (fail, repair) = plan.life[e]
                .as_ref()
                .expect("only elements with a life have events");
            let now_up = !self.up[e];
            self.up[e] = now_up;
            let next = if now_up {
                Some(fail.sample(&mut self.rngs[e]))
            } else {
                repair.as_ref().map(|r| r.sample(&mut self.rngs[e]))
            };
            if let Some(dt) = next
                && t + dt < mission
            {
                self.push(t + dt, e);
            }
            obs.element(t, e, now_up);

            let f = self.eval_func(plan, e);
            if f == self.func[e] {
                continue;
            }
            self.func[e] = f;
            for &d in &plan.dependents[e] {
                self.func[d] = self.eval_func(plan, d);
            }
            for &s in &plan.affects[e] {
                let st = self.eval_service(plan, s);
                if let Some(d) = self.set_service(s, t, st, obs) {
                    outage(s, d);
                }
            }
        }

        for s in 0..plan.services.len() {
            let since = self.since[s];
            let r = &mut self.results[s];
            match self.state[s] {
                ServiceState::Down => {
                    r.down += mission - since;
                    outage(s, mission - since);
                }
                ServiceState::Degraded => r.degraded += mission - since,
                ServiceState::Up => {}
            }
        }
    }
}
