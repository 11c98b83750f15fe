//! Reachability services, evaluated incrementally.
//!
//! The part of the graph connected to `from` is split into a *core* and
//! *pendant targets*: targets with a single link (a server on its access
//! switch). A pendant target never carries traffic to anything else, so its
//! reachability is "its anchor is reached, and it and its link are
//! functional". A change to a pendant target or its link only recounts the
//! targets hanging off its anchor; only a change in the core needs a new
//! search, and that search covers the core alone. Pendant nodes that are not
//! targets cannot affect the service at all.

use super::sim::ServiceState;
use crate::model::CAPACITY_TOLERANCE;

const NONE: u32 = u32::MAX;

/// A pendant target: (node, link, capacity).
type Pendant = (u32, u32, f64);

/// What an element is to a reachability service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A core node or a link between core nodes: a change needs a new search.
    Core,
    /// A pendant target or its link, hanging off this core index.
    Pendant(u32),
}

/// A reachability service compiled for incremental evaluation.
#[derive(Debug)]
pub(super) struct ReachPlan {
    /// Core index of `from`.
    from: u32,
    /// Element id of each core node.
    core: Vec<u32>,
    /// Per core node: capacity it contributes as a target (0 if not one).
    core_weight: Vec<f64>,
    core_target: Vec<bool>,
    /// Core adjacency: `adj[adj_start[i]..adj_start[i + 1]]` = (neighbour core index, link element).
    adj_start: Vec<u32>,
    adj: Vec<(u32, u32)>,
    /// Pendant targets of each core node, same layout.
    pend_start: Vec<u32>,
    pendants: Vec<Pendant>,
    n_targets: usize,
    need: f64,
    /// Unit of each element that is a target (`NONE` otherwise), when targets
    /// form units; then `need` and `n_targets` count units.
    units: Option<Vec<u32>>,
    /// Targets that are group members: whether one counts as missing (for
    /// "degraded") follows its natural state, not whether it carries traffic.
    pub(super) members: Vec<u32>,
}

/// Per-trial state of one reachability service.
#[derive(Debug, Clone)]
pub(super) struct ReachState {
    reached: Vec<bool>,
    /// Per core node: capacity and count of its live pendant targets.
    live_weight: Vec<f64>,
    live_count: Vec<u32>,
    /// The core changed since the last search.
    pub stale: bool,
    stack: Vec<u32>,
    /// Units reached in this evaluation (targets in units only).
    unit_hit: Vec<bool>,
}

impl ReachPlan {
    /// Compiles a reachability service. `adj_of(c)` lists (neighbour, link)
    /// of component `c`; `weight[e]`/`is_target[e]` describe the targets.
    /// Returns the plan and the role of every element that can affect it.
    pub(super) fn new(
        n: usize,
        from: usize,
        adj_of: &dyn Fn(usize) -> Vec<(u32, u32)>,
        weight: &[f64],
        is_target: &[bool],
        need: f64,
        units: Option<Vec<u32>>,
    ) -> (Self, Vec<(usize, Role)>) {
        // The connected part around `from`.
        let mut seen = vec![false; n];
        let mut order = vec![from];
        seen[from] = true;
        let mut i = 0;
        while i < order.len() {
            for (v, _) in adj_of(order[i]) {
                if !seen[v as usize] {
                    seen[v as usize] = true;
                    order.push(v as usize);
                }
            }
            i += 1;
        }
        order.sort_unstable();
        let pendant = |v: usize| v != from && adj_of(v).len() == 1;
        let mut core_index = vec![NONE; n];
        let core: Vec<u32> = order
            .iter()
            .filter(|&&v| !pendant(v))
            .map(|&v| v as u32)
            .collect();
        for (ci, &v) in core.iter().enumerate() {
            core_index[v as usize] = ci as u32;
        }
        let mut roles = Vec::new();
        let (mut adj_start, mut adj, mut pend_start, mut pendants) =
            (vec![0], Vec::new(), vec![0], Vec::new());
        for &v in &core {
            roles.push((v as usize, Role::Core));
            for (w, l) in adj_of(v as usize) {
                let cw = core_index[w as usize];
                if cw != NONE {
                    adj.push((cw, l));
                    // Each core link is seen from both ends; record it once.
                    if v < w {
                        roles.push((l as usize, Role::Core));
                    }
                } else if is_target[w as usize] {
                    let anchor = core_index[v as usize];
                    pendants.push((w, l, weight[w as usize]));
                    roles.push((w as usize, Role::Pendant(anchor)));
                    roles.push((l as usize, Role::Pendant(anchor)));
                }
            }
            adj_start.push(adj.len() as u32);
            pend_start.push(pendants.len() as u32);
        }
        let plan = Self {
            from: core_index[from],
            core_weight: core
                .iter()
                .map(|&v| {
                    if is_target[v as usize] {
                        weight[v as usize]
                    } else {
                        0.0
                    }
                })
                .collect(),
            core_target: core.iter().map(|&v| is_target[v as usize]).collect(),
            core,
            adj_start,
            adj,
            pend_start,
            pendants,
            n_targets: match &units {
                Some(u) => u
                    .iter()
                    .filter(|&&x| x != NONE)
                    .max()
                    .map_or(0, |&m| m as usize + 1),
                None => is_target.iter().filter(|&&t| t).count(),
            },
            need,
            units,
            members: Vec::new(),
        };
        (plan, roles)
    }

    pub(super) fn new_state(&self) -> ReachState {
        let k = self.core.len();
        ReachState {
            reached: vec![false; k],
            live_weight: vec![0.0; k],
            live_count: vec![0; k],
            stale: true,
            stack: Vec::with_capacity(k),
            unit_hit: vec![false; if self.units.is_some() { self.n_targets } else { 0 }],
        }
    }

    /// Recounts the live pendant targets of core node `a`.
    pub(super) fn recount(&self, st: &mut ReachState, a: u32, func: &[bool]) {
        let a = a as usize;
        let (mut w, mut c) = (0.0, 0);
        for &(v, l, cap) in &self.pendants[self.pend_start[a] as usize..self.pend_start[a + 1] as usize] {
            if func[v as usize] && func[l as usize] {
                w += cap;
                c += 1;
            }
        }
        st.live_weight[a] = w;
        st.live_count[a] = c;
    }

    /// Resets the state for a new trial.
    pub(super) fn reset(&self, st: &mut ReachState, func: &[bool]) {
        for a in 0..self.core.len() {
            self.recount(st, a as u32, func);
        }
        st.stale = true;
    }

    /// The service's state now; `nat(e)` is group member `e`'s natural state
    /// (up, in service, requirement met, carrying or not).
    pub(super) fn eval(&self, st: &mut ReachState, func: &[bool], nat: impl Fn(u32) -> bool) -> ServiceState {
        if st.stale {
            st.stale = false;
            st.reached.fill(false);
            let from = self.from as usize;
            if func[self.core[from] as usize] {
                st.reached[from] = true;
                st.stack.clear();
                st.stack.push(self.from);
                while let Some(c) = st.stack.pop() {
                    let c = c as usize;
                    for &(w, l) in &self.adj[self.adj_start[c] as usize..self.adj_start[c + 1] as usize] {
                        let wi = w as usize;
                        if !st.reached[wi] && func[l as usize] && func[self.core[wi] as usize] {
                            st.reached[wi] = true;
                            st.stack.push(w);
                        }
                    }
                }
            }
        }
        if !st.reached[self.from as usize] {
            return ServiceState::Down;
        }
        if let Some(units) = &self.units {
            return self.eval_units(st, func, units, nat);
        }
        // Summed in core order, so the total depends only on the state.
        let (mut got, mut found) = (0.0, 0usize);
        for (i, &r) in st.reached.iter().enumerate() {
            if r {
                got += self.core_weight[i] + st.live_weight[i];
                found += usize::from(self.core_target[i]) + st.live_count[i] as usize;
            }
        }
        // Capacities are decimal numbers summed in binary: 8 × 0.1 must meet a
        // demand of 0.8, so the comparison allows a relative 1e-9.
        // An idle standby is not a missing target.
        if found < self.n_targets {
            found += self
                .members
                .iter()
                .filter(|&&m| nat(m) && !func[m as usize])
                .count();
        }
        if got < self.need * (1.0 - CAPACITY_TOLERANCE) {
            ServiceState::Down
        } else if found < self.n_targets {
            ServiceState::Degraded
        } else {
            ServiceState::Up
        }
    }

    /// Targets reached at the last evaluation.
    pub(super) fn found(&self, st: &ReachState) -> usize {
        st.reached
            .iter()
            .enumerate()
            .filter(|&(_, &r)| r)
            .map(|(i, _)| usize::from(self.core_target[i]) + st.live_count[i] as usize)
            .sum()
    }

    /// The service's state when targets form units: counts the units with a
    /// reached target (after the search, which `eval` has done).
    fn eval_units(
        &self,
        st: &mut ReachState,
        func: &[bool],
        units: &[u32],
        nat: impl Fn(u32) -> bool,
    ) -> ServiceState {
        st.unit_hit.fill(false);
        let mut found = 0usize;
        let mut hit = |u: u32, hits: &mut Vec<bool>| {
            if !hits[u as usize] {
                hits[u as usize] = true;
                found += 1;
            }
        };
        for (i, &r) in st.reached.iter().enumerate() {
            if !r {
                continue;
            }
            if self.core_target[i] {
                hit(units[self.core[i] as usize], &mut st.unit_hit);
            }
            let pend = &self.pendants[self.pend_start[i] as usize..self.pend_start[i + 1] as usize];
            for &(v, l, _) in pend {
                if func[v as usize] && func[l as usize] {
                    hit(units[v as usize], &mut st.unit_hit);
                }
            }
        }
        // A group is at full strength when every member is up and in service.
        if (found as f64) < self.need {
            ServiceState::Down
        } else if found < self.n_targets || self.members.iter().any(|&m| !nat(m)) {
            ServiceState::Degraded
        } else {
            ServiceState::Up
        }
    }
}
