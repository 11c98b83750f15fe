//! Reachability services, evaluated incrementally.
//!
//! The part of the graph connected to `from` is split into a *core* and
//! *pendant targets*: targets with a single link (a server on its access
//! switch). A pendant target never carries traffic to anything else, so its
//! reachability is "its anchor is reached, and it and its link are
//! functional": a change to one is O(1). Pendant nodes that are not targets
//! cannot affect the service at all.
//!
//! The core keeps the set of reached nodes with a spanning tree of it (parent
//! pointers and child lists, grown breadth-first from `from`), and running
//! totals of the targets, capacity and units reached. Changes are queued as
//! they happen and settled when the service is evaluated, failures first:
//!
//! - a failure off the tree (an unreached node, a link no node hangs from)
//!   changes nothing; a failed tree leaf is just unreached;
//! - a failure on the tree detaches the subtree below it; each detached node
//!   that still has a live link to a reached node is re-attached and the
//!   search grows from it, so the cost is the detached subtree's, not the
//!   core's;
//! - a repair that joins a reached node to an unreached live one grows the
//!   search from there; any other repair changes nothing.
//!
//! A series chain of relays (core nodes that are not targets and have two
//! core links) is one core link, live while all of its elements are: the
//! core sees a chain's change only when the chain goes down or comes back.
//! Chains (or single links) in parallel between the same two core nodes are
//! one core link, live while any of them is: losing one of two parallel
//! paths changes nothing in the core.
//!
//! A multi-homed leaf (a target such as a server on two switches, with two
//! to [`MAX_UPLINKS`] links into the core and nothing hanging from it) is
//! not a core node: between every two of its uplinks it is a chain (uplink,
//! leaf, uplink), which keeps the traffic it carries between its switches,
//! and the state counts its functional uplinks whose core node is reached.
//! It is reached while it is functional and the count is above 0, so its
//! events, and its uplinks', cost a few counter updates, never a search.
//! Totals are kept in fixed point ([`Fixed`]), so they are exact and do not
//! depend on the order of events.

use super::sim::ServiceState;
use crate::model::CAPACITY_TOLERANCE;

const NONE: u32 = u32::MAX;

/// What an element is to a reachability service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// A core node: its core index.
    Node(u32),
    /// A member of a chain between core nodes (a link, or a relay and its
    /// links): the chain's index.
    Link(u32),
    /// A pendant target or its link: the pendant's index.
    Pendant(u32),
    /// A multi-homed leaf (a target with two or more links into the core
    /// that carries traffic only between them): the leaf's index.
    Leaf(u32),
    /// The link from a multi-homed leaf to the core: the uplink's index.
    Uplink(u32),
}

/// Capacities in fixed point: `value × 2^scale` as an integer, so sums are
/// exact and independent of the order they are made in.
#[derive(Debug, Clone, Copy)]
struct Fixed {
    scale: i32,
}

impl Fixed {
    /// The finest scale at which every weight is an integer, as long as the
    /// sum of all of them fits in an `i128` (otherwise the finest that fits:
    /// the rounding is then below 2^-100 of the largest weight).
    fn for_weights(weights: &[f64]) -> Self {
        let (mut need, mut top) = (0i32, i32::MIN);
        for &w in weights.iter().filter(|&&w| w > 0.0 && w.is_finite()) {
            let (m, e) = mantissa(w);
            need = need.max(-e);
            top = top.max(64 - m.leading_zeros() as i32 + e);
        }
        let room = 124 - (64 - (weights.len() as u64).leading_zeros() as i32);
        let scale = if top == i32::MIN { 0 } else { need.min(room - top) };
        Self { scale }
    }

    fn of(self, w: f64) -> i128 {
        if w <= 0.0 || !w.is_finite() {
            return 0;
        }
        let (m, e) = mantissa(w);
        let shift = e + self.scale;
        if shift >= 0 {
            i128::from(m) << shift
        } else if shift > -64 {
            i128::from(m >> -shift)
        } else {
            0
        }
    }

    fn value(self, x: i128) -> f64 {
        let half = self.scale / 2;
        x as f64 * 2f64.powi(-half) * 2f64.powi(-(self.scale - half))
    }
}

/// `w = m × 2^e` with `m` odd (`w` > 0, finite).
fn mantissa(w: f64) -> (u64, i32) {
    let bits = w.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1 << 52), exp - 1075)
    };
    let tz = m.trailing_zeros();
    (m >> tz, e + tz as i32)
}

/// A pendant target.
#[derive(Debug, Clone, Copy)]
struct Pendant {
    node: u32,
    /// Its link, or `node` again when the link is passive.
    link: u32,
    weight: i128,
    anchor: u32,
}

/// The most links into the core a multi-homed leaf may have: it carries
/// traffic between every two of them, one chain each, so its events cost
/// about as many chain updates as it has pairs of uplinks.
const MAX_UPLINKS: usize = 4;

/// A multi-homed leaf: a target with 2 to [`MAX_UPLINKS`] links into the
/// core, whose core neighbours are core nodes proper (neither relays nor
/// leaves) and which has no pendant target.
#[derive(Debug, Clone, Copy)]
struct Leaf {
    node: u32,
    weight: i128,
}

/// A link from a multi-homed leaf to a core node.
#[derive(Debug, Clone, Copy)]
struct Uplink {
    leaf: u32,
    /// Core index of the node at its core end.
    anchor: u32,
}

/// A reachability service compiled for incremental evaluation.
#[derive(Debug)]
pub(super) struct ReachPlan {
    /// Core index of `from`.
    from: u32,
    /// Element id of each core node.
    core: Vec<u32>,
    /// Per core node: capacity it contributes as a target (0 if not one).
    core_weight: Vec<i128>,
    core_target: Vec<bool>,
    /// Core adjacency: `adj[adj_start[i]..adj_start[i + 1]]` = (neighbour core index, core link index).
    adj_start: Vec<u32>,
    adj: Vec<(u32, u32)>,
    /// Core links: (end, end) core indices. A core link is the chains in
    /// parallel between its two ends, live while any of them is.
    links: Vec<(u32, u32)>,
    /// Chains: one link element, or a series chain of relays (non-target
    /// nodes with two core links) and their links,
    /// `link_members[link_members_start[i]..link_members_start[i + 1]]`,
    /// live while all of them are functional; `chain_link[i]` is its core link.
    chain_link: Vec<u32>,
    link_members_start: Vec<u32>,
    link_members: Vec<u32>,
    /// Pendant targets, grouped by anchor: `pendants[pend_start[a]..pend_start[a + 1]]`.
    pend_start: Vec<u32>,
    pendants: Vec<Pendant>,
    /// Multi-homed leaves; a leaf's chains (one per two uplinks to
    /// different core nodes: uplink, leaf, uplink) are
    /// `leaf_chains[leaf_chain_start[m]..leaf_chain_start[m + 1]]`.
    leaves: Vec<Leaf>,
    leaf_chain_start: Vec<u32>,
    leaf_chains: Vec<u32>,
    /// Uplinks; the chains an uplink is a member of are
    /// `uplink_chains[uplink_chain_start[u]..uplink_chain_start[u + 1]]`.
    uplinks: Vec<Uplink>,
    /// Per uplink: its link, or `NONE` when the link is passive.
    uplink_link: Vec<u32>,
    uplink_chain_start: Vec<u32>,
    uplink_chains: Vec<u32>,
    /// Uplinks by the core node at their core end:
    /// `anchor_ups[anchor_up_start[c]..anchor_up_start[c + 1]]`.
    anchor_up_start: Vec<u32>,
    anchor_ups: Vec<u32>,
    /// The least reached capacity (fixed point) that meets the demand:
    /// capacities are decimal numbers summed in binary, so 8 × 0.1 must meet
    /// a demand of 0.8: the demand is lowered by a relative 1e-9.
    need_fixed: i128,
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
///
/// Invariants once settled: `reached` is the set of core nodes connected to
/// `from` through functional nodes and links; every reached node but `from`
/// has a parent, reached, through a functional link (`parent`, `plink`), and
/// is in its parent's child list; `got`, `found` and `unit_count` sum the
/// reached targets (core targets, live pendants of reached anchors, and
/// functional leaves with a live uplink). A leaf's `leaf_count` is, at all
/// times, the number of its uplinks that are functional (`uplink_live`) and
/// whose anchor is in `reached` (settled or not), so the leaf is reached
/// exactly when it is functional and the count is above 0. Between
/// settlements, `pending` lists the core nodes and links whose functional
/// state changed.
#[derive(Debug, Clone)]
pub(super) struct ReachState {
    reached: Vec<bool>,
    parent: Vec<u32>,
    plink: Vec<u32>,
    first_child: Vec<u32>,
    next_sib: Vec<u32>,
    prev_sib: Vec<u32>,
    /// Per chain: its elements that are not functional (live at 0).
    link_down: Vec<u32>,
    /// Per core link: its live chains (live above 0).
    link_live: Vec<u32>,
    /// Per pendant: it and its link are functional.
    live: Vec<bool>,
    /// Per core node: capacity and count of its live pendant targets.
    live_weight: Vec<i128>,
    live_count: Vec<u32>,
    /// Per leaf: it is functional; its live uplinks to reached anchors.
    leaf_func: Vec<bool>,
    leaf_count: Vec<u32>,
    /// Per uplink: its link is functional.
    uplink_live: Vec<bool>,
    got: i128,
    found: usize,
    /// Per unit: its reached targets; units with at least one.
    unit_count: Vec<u32>,
    units_found: usize,
    /// Changed core elements: a node's core index, or a link's index | `LINK`.
    pending: Vec<u32>,
    /// Everything is to be searched anew.
    full: bool,
    queue: Vec<u32>,
    detached: Vec<u32>,
}

const LINK: u32 = 1 << 31;
/// A chain that loops back to where it started: no part of the service.
const SKIP: u32 = u32::MAX - 1;

/// Core links' ends, each chain's core link, `adj_start`, `adj`.
type CoreLinks = (Vec<(u32, u32)>, Vec<u32>, Vec<u32>, Vec<(u32, u32)>);

/// Groups `chains` (end, end) between the same two of `k` core nodes into
/// core links: returns the core links' ends, each chain's core link, and the
/// core adjacency (`adj_start`, `adj`: neighbour, core link).
fn parallel_links(k: usize, chains: &[(u32, u32)]) -> CoreLinks {
    let mut index = std::collections::HashMap::new();
    let mut links = Vec::new();
    let chain_link: Vec<u32> = chains
        .iter()
        .map(|&(a, b)| {
            *index.entry((a.min(b), a.max(b))).or_insert_with(|| {
                links.push((a, b));
                links.len() as u32 - 1
            })
        })
        .collect();
    let mut adj_start = vec![0u32; k + 1];
    for &(a, b) in &links {
        adj_start[a as usize + 1] += 1;
        adj_start[b as usize + 1] += 1;
    }
    for i in 0..k {
        adj_start[i + 1] += adj_start[i];
    }
    let mut fill = adj_start.clone();
    let mut adj = vec![(0, 0); adj_start[k] as usize];
    for (li, &(a, b)) in links.iter().enumerate() {
        for (x, y) in [(a, b), (b, a)] {
            adj[fill[x as usize] as usize] = (y, li as u32);
            fill[x as usize] += 1;
        }
    }
    (links, chain_link, adj_start, adj)
}

/// The least fixed-point capacity in `0..=total` whose value is at least
/// `need` (`total + 1` if none): [`Fixed::value`] is non-decreasing, so a
/// reached capacity meets `need` exactly when it is at least this.
fn least_meeting(fixed: Fixed, total: i128, need: f64) -> i128 {
    let (mut lo, mut hi) = (0i128, total + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fixed.value(mid) >= need {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    lo
}

/// The multi-homed leaves of a service as they are compiled, with the
/// chains (core links' parts) they add to those between core nodes.
#[derive(Debug)]
struct LeafCompiler {
    chains: Vec<(u32, u32)>,
    link_members_start: Vec<u32>,
    link_members: Vec<u32>,
    leaves: Vec<Leaf>,
    leaf_chain_start: Vec<u32>,
    leaf_chains: Vec<u32>,
    uplinks: Vec<Uplink>,
    uplink_link: Vec<u32>,
    uplink_chain_start: Vec<u32>,
    uplink_chains: Vec<u32>,
}

impl Default for LeafCompiler {
    fn default() -> Self {
        Self {
            chains: Vec::new(),
            link_members_start: vec![0],
            link_members: Vec::new(),
            leaves: Vec::new(),
            leaf_chain_start: vec![0],
            leaf_chains: Vec::new(),
            uplinks: Vec::new(),
            uplink_link: Vec::new(),
            uplink_chain_start: vec![0],
            uplink_chains: Vec::new(),
        }
    }
}

impl LeafCompiler {
    /// Adds leaf `t` (element) of capacity `weight` with its uplinks `ups`
    /// (anchor's core index, link), and the roles of its elements that are
    /// not passive.
    fn add(
        &mut self,
        t: usize,
        weight: i128,
        ups: &[(u32, u32)],
        passive: &[bool],
        roles: &mut Vec<(usize, Role)>,
    ) {
        let m = self.leaves.len() as u32;
        let first = self.uplinks.len() as u32;
        let mut of_uplink: Vec<Vec<u32>> = vec![Vec::new(); ups.len()];
        for i in 0..ups.len() {
            for j in i + 1..ups.len() {
                // Two links to the same core node make no path between two.
                if ups[i].0 == ups[j].0 {
                    continue;
                }
                let chain = self.chains.len() as u32;
                self.chains.push((ups[i].0, ups[j].0));
                self.link_members.extend(
                    [ups[i].1, t as u32, ups[j].1]
                        .into_iter()
                        .filter(|&e| !passive[e as usize]),
                );
                self.link_members_start.push(self.link_members.len() as u32);
                self.leaf_chains.push(chain);
                of_uplink[i].push(chain);
                of_uplink[j].push(chain);
            }
        }
        self.leaf_chain_start.push(self.leaf_chains.len() as u32);
        for (i, (&(anchor, l), chains)) in ups.iter().zip(of_uplink).enumerate() {
            self.uplinks.push(Uplink { leaf: m, anchor });
            self.uplink_link.push(if passive[l as usize] { NONE } else { l });
            self.uplink_chains.extend(chains);
            self.uplink_chain_start.push(self.uplink_chains.len() as u32);
            if !passive[l as usize] {
                roles.push((l as usize, Role::Uplink(first + i as u32)));
            }
        }
        if !passive[t] {
            roles.push((t, Role::Leaf(m)));
        }
        self.leaves.push(Leaf {
            node: t as u32,
            weight,
        });
    }
}

impl ReachPlan {
    /// Compiles a reachability service. `adj_of(c)` lists (neighbour, link)
    /// of component `c`; `weight[e]`/`is_target[e]` describe the targets;
    /// `passive[e]` says that element `e` never changes the service by
    /// itself: a component that is always functional, or a link that is
    /// functional exactly when both of its ends are (a path over it needs
    /// both anyway). Passive elements get no role and are never read.
    /// Returns the plan and the role of every element that can affect it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        n: usize,
        from: usize,
        adj_of: &dyn Fn(usize) -> Vec<(u32, u32)>,
        weight: &[f64],
        is_target: &[bool],
        passive: &[bool],
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
        let mut in_core = vec![false; n];
        order
            .iter()
            .filter(|&&v| !pendant(v))
            .for_each(|&v| in_core[v] = true);
        // A relay is a core node that only passes traffic along a series
        // chain: not `from`, not a target, exactly two links into the core and
        // no pendant target. A chain of relays between two other core nodes
        // becomes one core link, up while all of its elements are.
        let relay = |v: usize| {
            let a = adj_of(v);
            v != from
                && !is_target[v]
                && a.iter().filter(|&&(w, _)| in_core[w as usize]).count() == 2
                && a.iter()
                    .all(|&(w, _)| in_core[w as usize] || !is_target[w as usize])
        };
        let is_relay: Vec<bool> = (0..n).map(|v| in_core[v] && relay(v)).collect();
        // A multi-homed leaf is a target that only carries traffic between
        // core nodes proper: not `from`, 2 to MAX_UPLINKS links into the
        // core, no pendant target, no relay or other candidate for a
        // neighbour. Between two of its uplinks it is a chain (uplink, leaf,
        // uplink), and it is reached when a live uplink's anchor is.
        let candidate = |v: usize| {
            let a = adj_of(v);
            let up = a.iter().filter(|&&(w, _)| in_core[w as usize]).count();
            v != from
                && is_target[v]
                && in_core[v]
                && (2..=MAX_UPLINKS).contains(&up)
                && a.iter().all(|&(w, _)| {
                    if in_core[w as usize] {
                        !is_relay[w as usize]
                    } else {
                        !is_target[w as usize]
                    }
                })
        };
        let is_candidate: Vec<bool> = (0..n).map(candidate).collect();
        let is_leaf: Vec<bool> = (0..n)
            .map(|v| is_candidate[v] && adj_of(v).iter().all(|&(w, _)| !is_candidate[w as usize]))
            .collect();
        let mut core_index = vec![NONE; n];
        let core: Vec<u32> = order
            .iter()
            .filter(|&&v| in_core[v] && !is_relay[v] && !is_leaf[v])
            .map(|&v| v as u32)
            .collect();
        for (ci, &v) in core.iter().enumerate() {
            core_index[v as usize] = ci as u32;
        }
        let target_weights: Vec<f64> = (0..n).filter(|&e| is_target[e]).map(|e| weight[e]).collect();
        let fixed = Fixed::for_weights(&target_weights);
        let mut roles = Vec::new();
        let mut link_index = vec![NONE; n];
        let (mut chains, mut pend_start, mut pendants) = (Vec::new(), vec![0], Vec::new());
        let mut link_members_start = vec![0u32];
        let mut link_members = Vec::new();
        for (ci, &v) in core.iter().enumerate() {
            if !passive[v as usize] {
                roles.push((v as usize, Role::Node(ci as u32)));
            }
            for (w, l) in adj_of(v as usize) {
                if is_leaf[w as usize] {
                    // An uplink: numbered with its leaf below.
                } else if in_core[w as usize] {
                    // Each chain is seen from both ends; number it at the first.
                    if link_index[l as usize] == NONE {
                        let mut end = w;
                        // Follow a chain of relays to the next core node.
                        let mut members = vec![l];
                        let mut last = l;
                        while is_relay[end as usize] {
                            members.push(end);
                            let (next, l2) = adj_of(end as usize)
                                .into_iter()
                                .find(|&(x, l2)| l2 != last && in_core[x as usize])
                                .expect("a relay has two core links");
                            members.push(l2);
                            (end, last) = (next, l2);
                        }
                        if end == v {
                            // A loop back to `v` carries nothing.
                            link_index[l as usize] = SKIP;
                            link_index[last as usize] = SKIP;
                            continue;
                        }
                        let chain = chains.len() as u32;
                        chains.push((ci as u32, core_index[end as usize]));
                        link_index[l as usize] = chain;
                        link_index[last as usize] = chain;
                        members.retain(|&m| !passive[m as usize]);
                        for &m in &members {
                            roles.push((m as usize, Role::Link(chain)));
                        }
                        link_members.extend_from_slice(&members);
                        link_members_start.push(link_members.len() as u32);
                    }
                } else if is_target[w as usize] {
                    let p = pendants.len() as u32;
                    pendants.push(Pendant {
                        node: w,
                        // A passive link is functional whenever its anchor
                        // is reached and the target is functional.
                        link: if passive[l as usize] { w } else { l },
                        weight: fixed.of(weight[w as usize]),
                        anchor: ci as u32,
                    });
                    for e in [w, l] {
                        if !passive[e as usize] {
                            roles.push((e as usize, Role::Pendant(p)));
                        }
                    }
                }
            }
            pend_start.push(pendants.len() as u32);
        }
        let mut lc = LeafCompiler {
            chains,
            link_members_start,
            link_members,
            ..LeafCompiler::default()
        };
        for &t in order.iter().filter(|&&v| is_leaf[v]) {
            let ups: Vec<(u32, u32)> = adj_of(t)
                .into_iter()
                .filter(|&(w, _)| in_core[w as usize])
                .map(|(w, l)| (core_index[w as usize], l))
                .collect();
            lc.add(t, fixed.of(weight[t]), &ups, passive, &mut roles);
        }
        let LeafCompiler {
            chains,
            link_members_start,
            link_members,
            leaves,
            leaf_chain_start,
            leaf_chains,
            uplinks,
            uplink_link,
            uplink_chain_start,
            uplink_chains,
        } = lc;
        let mut anchor_up_start = vec![0u32; core.len() + 1];
        for u in &uplinks {
            anchor_up_start[u.anchor as usize + 1] += 1;
        }
        for i in 0..core.len() {
            anchor_up_start[i + 1] += anchor_up_start[i];
        }
        let mut fill = anchor_up_start.clone();
        let mut anchor_ups = vec![0u32; uplinks.len()];
        for (ui, u) in uplinks.iter().enumerate() {
            anchor_ups[fill[u.anchor as usize] as usize] = ui as u32;
            fill[u.anchor as usize] += 1;
        }
        let (links, chain_link, adj_start, adj) = parallel_links(core.len(), &chains);
        let total: i128 = (0..n)
            .filter(|&e| is_target[e])
            .map(|e| fixed.of(weight[e]))
            .sum();
        let need_fixed = least_meeting(fixed, total, need * (1.0 - CAPACITY_TOLERANCE));
        let plan = Self {
            from: core_index[from],
            core_weight: core
                .iter()
                .map(|&v| {
                    if is_target[v as usize] {
                        fixed.of(weight[v as usize])
                    } else {
                        0
                    }
                })
                .collect(),
            core_target: core.iter().map(|&v| is_target[v as usize]).collect(),
            core,
            adj_start,
            adj,
            links,
            chain_link,
            link_members_start,
            link_members,
            pend_start,
            pendants,
            leaves,
            leaf_chain_start,
            leaf_chains,
            uplinks,
            uplink_link,
            uplink_chain_start,
            uplink_chains,
            anchor_up_start,
            anchor_ups,
            need_fixed,
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
            parent: vec![NONE; k],
            plink: vec![NONE; k],
            first_child: vec![NONE; k],
            next_sib: vec![NONE; k],
            prev_sib: vec![NONE; k],
            link_down: vec![0; self.chain_link.len()],
            link_live: vec![0; self.links.len()],
            live: vec![false; self.pendants.len()],
            live_weight: vec![0; k],
            live_count: vec![0; k],
            leaf_func: vec![false; self.leaves.len()],
            leaf_count: vec![0; self.leaves.len()],
            uplink_live: vec![false; self.uplinks.len()],
            got: 0,
            found: 0,
            unit_count: vec![0; if self.units.is_some() { self.n_targets } else { 0 }],
            units_found: 0,
            pending: Vec::new(),
            full: true,
            queue: Vec::with_capacity(k),
            detached: Vec::new(),
        }
    }

    /// An element of `role` became functional (`up`) or stopped being so
    /// (`func` is up to date for it).
    #[inline(always)]
    pub(super) fn changed(&self, st: &mut ReachState, role: Role, up: bool, func: &[bool]) {
        match role {
            Role::Pendant(p) => self.pendant_changed(st, p, func),
            Role::Node(c) => self.queue_change(st, c),
            Role::Link(c) => self.chain_changed(st, c, up),
            // A wildcard, not the two roles by name: three cases and a
            // default compile to compares, five to a jump table, which cost
            // every change about three more instructions.
            _ => self.leaf_role_changed(st, role, up),
        }
    }

    /// A multi-homed leaf or one of its uplinks changed. One call out of
    /// line for both roles, so that propagation's loop (into which
    /// [`Self::changed`] is inlined) stays small: with a call per role
    /// inlined there, leaf-spine-32 (no leaves) took 3 % more instructions.
    #[inline(never)]
    fn leaf_role_changed(&self, st: &mut ReachState, role: Role, up: bool) {
        match role {
            Role::Leaf(m) => self.leaf_changed(st, m, up),
            Role::Uplink(u) => self.uplink_changed(st, u, up),
            Role::Pendant(_) | Role::Node(_) | Role::Link(_) => {
                unreachable!("only leaves and uplinks are changed out of line")
            }
        }
    }

    /// A member of chain `c` became functional (`up`) or stopped being so.
    #[inline(always)]
    fn chain_changed(&self, st: &mut ReachState, c: u32, up: bool) {
        let down = &mut st.link_down[c as usize];
        let was = *down == 0;
        if up {
            *down -= 1;
        } else {
            *down += 1;
        }
        if (*down == 0) != was {
            // The chain went down or came back: its core link does
            // so when it was the last live chain, or the first.
            let li = self.chain_link[c as usize];
            let live = &mut st.link_live[li as usize];
            if was {
                *live -= 1;
            } else {
                *live += 1;
            }
            if *live == u32::from(!was) {
                self.queue_change(st, li | LINK);
            }
        }
    }

    /// Leaf `m` became functional (`up`) or stopped being so: its chains
    /// change, and it is found or lost if it has a live uplink to a reached
    /// anchor. O(its pairs of uplinks), never a search.
    #[inline]
    fn leaf_changed(&self, st: &mut ReachState, m: u32, up: bool) {
        let mi = m as usize;
        for &c in
            &self.leaf_chains[self.leaf_chain_start[mi] as usize..self.leaf_chain_start[mi + 1] as usize]
        {
            self.chain_changed(st, c, up);
        }
        st.leaf_func[mi] = up;
        if st.leaf_count[mi] > 0 {
            self.leaf_step(st, m, up);
        }
    }

    /// Uplink `u`'s link became functional (`up`) or stopped being so: its
    /// chains change, and its leaf's count if its anchor is reached.
    #[inline]
    fn uplink_changed(&self, st: &mut ReachState, u: u32, up: bool) {
        let ui = u as usize;
        for &c in &self.uplink_chains
            [self.uplink_chain_start[ui] as usize..self.uplink_chain_start[ui + 1] as usize]
        {
            self.chain_changed(st, c, up);
        }
        st.uplink_live[ui] = up;
        let ul = self.uplinks[ui];
        if st.reached[ul.anchor as usize] {
            self.uplink_step(st, ul.leaf, up);
        }
    }

    /// A live uplink of leaf `m` to a reached anchor appeared (`on`) or went:
    /// the leaf is found or lost when its count leaves or reaches 0.
    #[inline]
    fn uplink_step(&self, st: &mut ReachState, m: u32, on: bool) {
        let mi = m as usize;
        let count = &mut st.leaf_count[mi];
        if on {
            *count += 1;
            if *count == 1 && st.leaf_func[mi] {
                self.leaf_step(st, m, true);
            }
        } else {
            *count -= 1;
            if *count == 0 && st.leaf_func[mi] {
                self.leaf_step(st, m, false);
            }
        }
    }

    /// Adds (`on`) or removes leaf `m` to or from the totals.
    fn leaf_step(&self, st: &mut ReachState, m: u32, on: bool) {
        let leaf = self.leaves[m as usize];
        if on {
            st.got += leaf.weight;
            st.found += 1;
        } else {
            st.got -= leaf.weight;
            st.found -= 1;
        }
        if let Some(units) = &self.units {
            unit_step(st, units[leaf.node as usize], on);
        }
    }

    #[inline]
    fn queue_change(&self, st: &mut ReachState, x: u32) {
        if st.full {
            return;
        }
        if st.pending.len() > self.core.len() + self.links.len() {
            // Cheaper to search anew than to replay.
            st.full = true;
            st.pending.clear();
        } else {
            st.pending.push(x);
        }
    }

    fn pendant_changed(&self, st: &mut ReachState, p: u32, func: &[bool]) {
        let pd = self.pendants[p as usize];
        let live = func[pd.node as usize] && func[pd.link as usize];
        if live == st.live[p as usize] {
            return;
        }
        st.live[p as usize] = live;
        let a = pd.anchor as usize;
        let sign = if live { 1 } else { -1 };
        st.live_weight[a] += sign * pd.weight;
        if live {
            st.live_count[a] += 1;
        } else {
            st.live_count[a] -= 1;
        }
        if st.reached[a] {
            st.got += sign * pd.weight;
            if live {
                st.found += 1;
            } else {
                st.found -= 1;
            }
            if let Some(units) = &self.units {
                unit_step(st, units[pd.node as usize], live);
            }
        }
    }

    /// Resets the state for a new trial.
    pub(super) fn reset(&self, st: &mut ReachState, func: &[bool]) {
        st.live_weight.fill(0);
        st.live_count.fill(0);
        for (p, pd) in self.pendants.iter().enumerate() {
            let live = func[pd.node as usize] && func[pd.link as usize];
            st.live[p] = live;
            if live {
                st.live_weight[pd.anchor as usize] += pd.weight;
                st.live_count[pd.anchor as usize] += 1;
            }
        }
        st.link_live.fill(0);
        for (c, down) in st.link_down.iter_mut().enumerate() {
            let m = &self.link_members
                [self.link_members_start[c] as usize..self.link_members_start[c + 1] as usize];
            *down = m.iter().filter(|&&e| !func[e as usize]).count() as u32;
            if *down == 0 {
                st.link_live[self.chain_link[c] as usize] += 1;
            }
        }
        for (m, leaf) in self.leaves.iter().enumerate() {
            st.leaf_func[m] = func[leaf.node as usize];
        }
        for (u, &l) in self.uplink_link.iter().enumerate() {
            st.uplink_live[u] = l == NONE || func[l as usize];
        }
        st.full = true;
        st.pending.clear();
    }

    /// Brings `reached`, the tree and the totals up to date with `func`.
    fn settle(&self, st: &mut ReachState, func: &[bool]) {
        if st.full {
            self.search_all(st, func);
            return;
        }
        let from = self.from as usize;
        // Failures first: afterwards every reached node and tree link is functional.
        for i in 0..st.pending.len() {
            let x = st.pending[i];
            if x & LINK != 0 {
                let (a, b) = self.links[(x & !LINK) as usize];
                if st.link_live[(x & !LINK) as usize] == 0 {
                    for c in [a, b] {
                        if st.reached[c as usize] && st.plink[c as usize] == x & !LINK {
                            self.cut(st, c, func);
                        }
                    }
                }
            } else if st.reached[x as usize] && !func[self.core[x as usize] as usize] {
                if x as usize == from {
                    self.search_all(st, func);
                    return;
                }
                self.cut(st, x, func);
            }
        }
        // Then repairs that join an unreached live node to a reached one.
        for i in 0..st.pending.len() {
            let x = st.pending[i];
            if x & LINK != 0 {
                let li = x & !LINK;
                let (a, b) = self.links[li as usize];
                if st.link_live[li as usize] == 0 || st.reached[a as usize] == st.reached[b as usize] {
                    continue;
                }
                let (r, u) = if st.reached[a as usize] { (a, b) } else { (b, a) };
                if func[self.core[u as usize] as usize] {
                    self.attach(st, u, r, li);
                    self.grow(st, func);
                }
            } else if !st.reached[x as usize] && func[self.core[x as usize] as usize] {
                if x as usize == from {
                    self.attach(st, x, NONE, NONE);
                    self.grow(st, func);
                } else if let Some((w, li)) = self.reached_neighbour(st, x) {
                    self.attach(st, x, w, li);
                    self.grow(st, func);
                }
            }
        }
        st.pending.clear();
    }

    /// A reached neighbour of `v` over a functional link.
    fn reached_neighbour(&self, st: &ReachState, v: u32) -> Option<(u32, u32)> {
        let v = v as usize;
        self.adj[self.adj_start[v] as usize..self.adj_start[v + 1] as usize]
            .iter()
            .copied()
            .find(|&(w, li)| st.reached[w as usize] && st.link_live[li as usize] != 0)
    }

    /// A new search from `from` over the whole core.
    fn search_all(&self, st: &mut ReachState, func: &[bool]) {
        st.full = false;
        st.pending.clear();
        st.reached.fill(false);
        st.parent.fill(NONE);
        st.plink.fill(NONE);
        st.first_child.fill(NONE);
        st.next_sib.fill(NONE);
        st.prev_sib.fill(NONE);
        st.got = 0;
        st.found = 0;
        st.unit_count.fill(0);
        st.units_found = 0;
        st.leaf_count.fill(0);
        if func[self.core[self.from as usize] as usize] {
            self.attach(st, self.from, NONE, NONE);
            self.grow(st, func);
        }
    }

    /// Breadth-first from the nodes in `st.queue`, attaching every unreached
    /// live node found over a live link.
    fn grow(&self, st: &mut ReachState, func: &[bool]) {
        let mut i = 0;
        while i < st.queue.len() {
            let v = st.queue[i] as usize;
            i += 1;
            for &(w, li) in &self.adj[self.adj_start[v] as usize..self.adj_start[v + 1] as usize] {
                let wi = w as usize;
                if !st.reached[wi] && st.link_live[li as usize] != 0 && func[self.core[wi] as usize] {
                    self.attach(st, w, v as u32, li);
                }
            }
        }
        st.queue.clear();
    }

    /// Marks `v` reached, hanging from `parent` over link `li` (`NONE` for
    /// `from`), counts its targets, and queues it for [`Self::grow`].
    fn attach(&self, st: &mut ReachState, v: u32, parent: u32, li: u32) {
        let vi = v as usize;
        st.reached[vi] = true;
        st.parent[vi] = parent;
        st.plink[vi] = li;
        if parent != NONE {
            let head = st.first_child[parent as usize];
            st.next_sib[vi] = head;
            st.prev_sib[vi] = NONE;
            if head != NONE {
                st.prev_sib[head as usize] = v;
            }
            st.first_child[parent as usize] = v;
        }
        self.count(st, v, true);
        st.queue.push(v);
    }

    /// Adds (`on`) or removes core node `v`'s targets to or from the totals.
    fn count(&self, st: &mut ReachState, v: u32, on: bool) {
        let vi = v as usize;
        let w = self.core_weight[vi] + st.live_weight[vi];
        let n = usize::from(self.core_target[vi]) + st.live_count[vi] as usize;
        if on {
            st.got += w;
            st.found += n;
        } else {
            st.got -= w;
            st.found -= n;
        }
        if let Some(units) = &self.units {
            if self.core_target[vi] {
                unit_step(st, units[self.core[vi] as usize], on);
            }
            for p in self.pend_start[vi]..self.pend_start[vi + 1] {
                if st.live[p as usize] {
                    unit_step(st, units[self.pendants[p as usize].node as usize], on);
                }
            }
        }
        // Most services have no multi-homed leaf: one test of the plan keeps
        // their attach and detach as cheap as before leaves existed.
        if !self.anchor_ups.is_empty() {
            self.step_leaves_of(st, vi, on);
        }
    }

    /// Core node `vi` was reached (`on`) or lost: steps the counts of the
    /// leaves with a functional uplink to it.
    #[inline(never)]
    fn step_leaves_of(&self, st: &mut ReachState, vi: usize, on: bool) {
        for &u in &self.anchor_ups[self.anchor_up_start[vi] as usize..self.anchor_up_start[vi + 1] as usize] {
            if st.uplink_live[u as usize] {
                self.uplink_step(st, self.uplinks[u as usize].leaf, on);
            }
        }
    }

    /// `c` lost its way to `from` (it failed, or the link to its parent did):
    /// unreaches its subtree, then re-attaches what still has a live link to
    /// a reached node and grows the search from there.
    fn cut(&self, st: &mut ReachState, c: u32, func: &[bool]) {
        // Off its parent's child list.
        let ci = c as usize;
        let (p, prev, next) = (st.parent[ci], st.prev_sib[ci], st.next_sib[ci]);
        if prev != NONE {
            st.next_sib[prev as usize] = next;
        } else if p != NONE {
            st.first_child[p as usize] = next;
        }
        if next != NONE {
            st.prev_sib[next as usize] = prev;
        }
        // The subtree, top first.
        st.detached.clear();
        st.detached.push(c);
        let mut i = 0;
        while i < st.detached.len() {
            let mut ch = st.first_child[st.detached[i] as usize];
            while ch != NONE {
                st.detached.push(ch);
                ch = st.next_sib[ch as usize];
            }
            i += 1;
        }
        for j in 0..st.detached.len() {
            let v = st.detached[j];
            let vi = v as usize;
            st.reached[vi] = false;
            st.parent[vi] = NONE;
            st.plink[vi] = NONE;
            st.first_child[vi] = NONE;
            st.next_sib[vi] = NONE;
            st.prev_sib[vi] = NONE;
            self.count(st, v, false);
        }
        for j in 0..st.detached.len() {
            let v = st.detached[j];
            if st.reached[v as usize] || !func[self.core[v as usize] as usize] {
                continue;
            }
            if let Some((w, li)) = self.reached_neighbour(st, v) {
                self.attach(st, v, w, li);
                self.grow(st, func);
            }
        }
    }

    /// The service's state now; `nat(e)` is group member `e`'s natural state
    /// (up, in service, requirement met, carrying or not).
    #[inline]
    pub(super) fn eval(&self, st: &mut ReachState, func: &[bool], nat: impl Fn(u32) -> bool) -> ServiceState {
        // Most events change no core link (one of two parallel paths, a pendant).
        if st.full || !st.pending.is_empty() {
            self.settle(st, func);
        }
        if !st.reached[self.from as usize] {
            return ServiceState::Down;
        }
        if self.units.is_some() {
            // A group is at full strength when every member is up and in service.
            let found = st.units_found;
            return if (found as f64) < self.need {
                ServiceState::Down
            } else if found < self.n_targets || self.members.iter().any(|&m| !nat(m)) {
                ServiceState::Degraded
            } else {
                ServiceState::Up
            };
        }
        let mut found = st.found;
        // An idle standby is not a missing target.
        if found < self.n_targets {
            found += self
                .members
                .iter()
                .filter(|&&m| nat(m) && !func[m as usize])
                .count();
        }
        if st.got < self.need_fixed {
            ServiceState::Down
        } else if found < self.n_targets {
            ServiceState::Degraded
        } else {
            ServiceState::Up
        }
    }

    /// Targets reached at the last evaluation.
    pub(super) fn found(&self, st: &ReachState) -> usize {
        st.found
    }
}

/// A target of unit `u` was reached (`on`) or lost.
fn unit_step(st: &mut ReachState, u: u32, on: bool) {
    let c = &mut st.unit_count[u as usize];
    if on {
        *c += 1;
        if *c == 1 {
            st.units_found += 1;
        }
    } else {
        *c -= 1;
        if *c == 0 {
            st.units_found -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two switches (1, 2) under `from` (0), two storage nodes (3, 4) on
    /// both, and a single-homed node (5) on switch 1; links 6 to 12.
    const LINKS: [(u32, u32); 7] = [(0, 1), (0, 2), (1, 3), (2, 3), (1, 4), (2, 4), (1, 5)];

    fn storage() -> (ReachPlan, Vec<(usize, Role)>) {
        let mut adj = vec![Vec::new(); 13];
        for (i, &(a, b)) in LINKS.iter().enumerate() {
            adj[a as usize].push((b, 6 + i as u32));
            adj[b as usize].push((a, 6 + i as u32));
        }
        let is_target: Vec<bool> = (0..13).map(|e| (3..=5).contains(&e)).collect();
        let weight: Vec<f64> = is_target.iter().map(|&t| f64::from(u8::from(t))).collect();
        let adj_of = |c: usize| adj[c].clone();
        ReachPlan::new(13, 0, &adj_of, &weight, &is_target, &[false; 13], 2.0, None)
    }

    #[test]
    fn a_dual_homed_target_is_a_leaf_whose_uplinks_are_counted() {
        let (plan, roles) = storage();
        let role = |e: usize| roles.iter().find(|r| r.0 == e).map(|r| r.1);
        assert_eq!((role(3), role(4)), (Some(Role::Leaf(0)), Some(Role::Leaf(1))));
        assert!((8..=11).all(|l| matches!(role(l), Some(Role::Uplink(_)))));
        assert_eq!(
            (role(5), role(12)),
            (Some(Role::Pendant(0)), Some(Role::Pendant(0)))
        );
        assert_eq!(plan.core.len(), 3, "from and the two switches");
        let mut func = vec![true; 13];
        let mut st = plan.new_state();
        plan.reset(&mut st, &func);
        let mut step = |e: usize, up: bool| {
            func[e] = up;
            for &(x, r) in &roles {
                if x == e {
                    plan.changed(&mut st, r, up, &func);
                }
            }
            let state = plan.eval(&mut st, &func, |_| true);
            (state, plan.found(&st))
        };
        // Switch 1's own uplink fails: it is reached through either storage
        // node, which carries traffic between its two switches.
        assert_eq!(step(6, false), (ServiceState::Up, 3));
        assert_eq!(step(3, false), (ServiceState::Degraded, 2));
        // Node 4's uplink to switch 2 goes too: switch 1, node 4 and node 5
        // are cut off.
        assert_eq!(step(11, false), (ServiceState::Down, 0));
        assert_eq!(step(6, true), (ServiceState::Degraded, 2));
        // Switch 1 fails: node 4's last live uplink is to it.
        assert_eq!(step(1, false), (ServiceState::Down, 0));
        assert_eq!(step(3, true), (ServiceState::Down, 1));
        assert_eq!(step(11, true), (ServiceState::Degraded, 2));
    }
}
