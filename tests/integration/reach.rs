//! Property test of the incremental reachability engine: on random graphs
//! (cycles, bridges, parallel links, single-homed targets and targets with
//! two to four uplinks (the engine's multi-homed leaves, which carry traffic
//! between their switches), targets that carry traffic for others, nodes that share a power supply, capacity,
//! an active-active group as one target, series chains of relays in
//! parallel between the same two nodes, links and nodes that never fail,
//! services from any node) and random failure/repair sequences applied in
//! batches of one to five changes (an element failed and repaired again
//! within one batch among them), after every batch each service's state and
//! reached-target count equal a plain search over the live graph.

use redsim::engine::{Plan, Probe, ServiceState};
use serde_json::{Value, json};

/// splitmix64: a small seeded generator, so each case is reproducible from its number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// A random topology as the test sees it, beside the scenario it is written as.
struct Case {
    /// Component ids; component `i`'s power supply (an index into `psus`), if any.
    nodes: Vec<(String, Option<usize>)>,
    psus: Vec<String>,
    /// Links: (id, end, end).
    links: Vec<(String, usize, usize)>,
    /// Nodes, then links, that never fail (no failure law).
    perfect: Vec<bool>,
    /// Services: (from, targets with capacity, criterion).
    services: Vec<(usize, Targets, Crit)>,
    /// Members of the active-active group `g` (empty: no group).
    group: Vec<usize>,
    /// Some two nodes have series chains in parallel between them.
    parallel: bool,
    /// Per node: it is a switch of a target with two to four uplinks, all
    /// to `src` or the core (the engine's multi-homed leaves, when nothing
    /// else makes them carry traffic for a pendant or another target).
    anchor: Vec<bool>,
}

/// A service's targets with their capacities.
type Targets = Vec<(usize, f64)>;

#[derive(Clone, Copy)]
enum Crit {
    Need(usize),
    /// Need this many units: the group counts once, reached through any member.
    Units(usize),
    Demand(f64),
}

fn random_case(rng: &mut Rng) -> Case {
    let mut nodes = Vec::new();
    let n_psu = 1 + rng.below(3);
    let psus: Vec<String> = (0..n_psu).map(|i| format!("psu-{i}")).collect();
    let power = |rng: &mut Rng| rng.chance(0.3).then(|| rng.below(n_psu));
    nodes.push(("src".to_string(), power(rng)));
    let n_core = 1 + rng.below(10);
    for i in 0..n_core {
        nodes.push((format!("c-{i}"), power(rng)));
    }
    let mut links = Vec::new();
    let link = |links: &mut Vec<(String, usize, usize)>, a: usize, b: usize| {
        let id = format!("l-{}", links.len());
        links.push((id, a, b));
    };
    // A random tree over src and the core (bridges), then extra edges (cycles,
    // parallel links).
    for i in 1..=n_core {
        let p = rng.below(i);
        link(&mut links, p, i);
    }
    for _ in 0..rng.below(2 * n_core + 1) {
        let (a, b) = (rng.below(n_core + 1), rng.below(n_core + 1));
        if a != b {
            link(&mut links, a, b);
        }
    }
    // Targets with 1 to 4 uplinks into the core (or to src), some chained to
    // an earlier target (which then carries traffic).
    let n_targets = 1 + rng.below(10);
    let mut targets = Vec::new();
    let mut anchor = vec![false; n_core + 1];
    for i in 0..n_targets {
        let t = nodes.len();
        nodes.push((format!("t-{i}"), power(rng)));
        let uplinks = match rng.below(20) {
            0..=7 => 1,
            8..=12 => 2,
            13..=16 => 3,
            _ => 4,
        };
        let mut ends = Vec::new();
        for _ in 0..uplinks {
            let a = if !targets.is_empty() && rng.chance(0.15) {
                targets[rng.below(targets.len())]
            } else {
                rng.below(n_core + 1)
            };
            link(&mut links, a, t);
            ends.push(a);
        }
        if uplinks > 1 && ends.iter().all(|&a| a <= n_core) {
            ends.iter().for_each(|&a| anchor[a] = true);
        }
        targets.push(t);
    }
    // Pendant nodes that are not targets.
    for i in 0..rng.below(3) {
        let v = nodes.len();
        nodes.push((format!("x-{i}"), power(rng)));
        link(&mut links, rng.below(n_core + 1), v);
    }
    // Series chains of 0 to 3 relays (one link, or relays and their links)
    // between two nodes of the core, often several between the same two:
    // the engine folds them into one core link, live while any chain is.
    let (mut relays, mut parallel, mut relay_nodes) = (0, false, Vec::new());
    for _ in 0..rng.below(4) {
        let (a, b) = (rng.below(n_core + 1), rng.below(n_core + 1));
        let n_chains = 1 + rng.below(3);
        parallel |= a != b && n_chains > 1;
        for _ in 0..n_chains {
            let mut at = a;
            for _ in 0..rng.below(4) {
                let r = nodes.len();
                relay_nodes.push(r);
                nodes.push((format!("r-{relays}"), power(rng)));
                relays += 1;
                link(&mut links, at, r);
                at = r;
            }
            if at != b {
                link(&mut links, at, b);
            }
        }
    }
    // Sometimes the first targets form a group, a target of the last service only.
    let group: Vec<usize> = if targets.len() >= 3 && rng.chance(0.5) {
        targets[..2 + rng.below(2)].to_vec()
    } else {
        Vec::new()
    };
    let mut pool: Vec<usize> = targets.iter().copied().filter(|t| !group.contains(t)).collect();
    // Core nodes as targets too, sometimes, and a relay now and then (which
    // then is no relay).
    for c in 1..=n_core {
        if rng.chance(0.2) {
            pool.push(c);
        }
    }
    pool.extend(relay_nodes.into_iter().filter(|_| rng.chance(0.1)));
    let mut services = Vec::new();
    for k in 0..3 {
        if pool.is_empty() {
            break;
        }
        let mut to: Vec<usize> = pool.iter().copied().filter(|_| rng.chance(0.7)).collect();
        if to.is_empty() {
            to.push(pool[0]);
        }
        // The root, or any node (a core node, a target, a relay, a pendant).
        let from = if k == 2 || rng.chance(0.2) {
            rng.below(nodes.len())
        } else {
            0
        };
        to.retain(|&t| t != from);
        if to.is_empty() {
            continue;
        }
        let caps = [0.0, 0.1, 0.1, 0.5, 1.0, 2.5];
        let (with, crit) = if k == 1 {
            let mut with: Vec<(usize, f64)> = to.iter().map(|&t| (t, caps[rng.below(caps.len())])).collect();
            if with.iter().all(|&(_, c)| c == 0.0) {
                with[0].1 = 0.1;
            }
            // A demand equal to the capacity of a random subset (at least one
            // target with capacity), so ties with the exact sum occur.
            let mut demand = 0.0;
            for &(_, c) in &with {
                if rng.chance(0.6) {
                    demand += c;
                }
            }
            if demand == 0.0 {
                demand = with.iter().map(|&(_, c)| c).fold(0.0, f64::max);
            }
            (with, Crit::Demand(demand))
        } else {
            let need = 1 + rng.below(to.len());
            (to.iter().map(|&t| (t, 1.0)).collect(), Crit::Need(need))
        };
        services.push((from, with, crit));
    }
    if !group.is_empty() {
        let others: Vec<usize> = pool.iter().copied().filter(|_| rng.chance(0.5)).collect();
        let need = 1 + rng.below(1 + others.len());
        let to = group.iter().chain(&others).map(|&t| (t, 1.0)).collect();
        services.push((0, to, Crit::Units(need)));
    }
    // Some nodes (not power supplies or group members) and links never fail.
    let mut perfect: Vec<bool> = (0..nodes.len() + links.len()).map(|_| rng.chance(0.15)).collect();
    for &m in &group {
        perfect[m] = false;
    }
    Case {
        nodes,
        psus,
        links,
        perfect,
        services,
        group,
        parallel,
        anchor,
    }
}

fn scenario(case: &Case) -> Value {
    let life = |v: &mut Value| {
        v["mtbf"] = json!("1000h");
        v["mttr"] = json!("10h");
    };
    let mut components = Vec::new();
    for p in &case.psus {
        let mut c = json!({"id": p, "kind": "psu"});
        life(&mut c);
        components.push(c);
    }
    for (i, (id, psu)) in case.nodes.iter().enumerate() {
        let mut c = json!({"id": id, "kind": "node"});
        if !case.perfect[i] {
            life(&mut c);
        }
        if let Some(p) = psu {
            c["requires"] = json!(case.psus[*p]);
        }
        components.push(c);
    }
    let links: Vec<Value> = case
        .links
        .iter()
        .enumerate()
        .map(|(i, (id, a, b))| {
            let mut l = json!({"id": id, "between": [case.nodes[*a].0, case.nodes[*b].0]});
            if !case.perfect[case.nodes.len() + i] {
                life(&mut l);
            }
            l
        })
        .collect();
    let services: Vec<Value> = case
        .services
        .iter()
        .enumerate()
        .map(|(i, (from, to, crit))| {
            let ids: Vec<&str> = to.iter().map(|&(t, _)| case.nodes[t].0.as_str()).collect();
            let mut s = json!({"id": format!("s-{i}"), "from": case.nodes[*from].0, "to": ids});
            match crit {
                Crit::Need(k) => s["need"] = json!(k),
                Crit::Units(k) => {
                    let mut ids = vec![json!("group:g")];
                    ids.extend(
                        to.iter()
                            .filter(|(t, _)| !case.group.contains(t))
                            .map(|&(t, _)| json!(case.nodes[t].0)),
                    );
                    s["to"] = Value::Array(ids);
                    s["need"] = json!(k);
                }
                Crit::Demand(d) => {
                    let caps: serde_json::Map<String, Value> = to
                        .iter()
                        .map(|&(t, c)| (case.nodes[t].0.clone(), json!(c)))
                        .collect();
                    s["capacity"] = Value::Object(caps);
                    s["demand"] = json!(d);
                }
            }
            s
        })
        .collect();
    let mut doc = json!({"format": "redsim/1", "name": "random graph", "mission": "1y",
        "components": components, "links": links, "services": services});
    if !case.group.is_empty() {
        let members: Vec<&str> = case.group.iter().map(|&m| case.nodes[m].0.as_str()).collect();
        doc["groups"] = json!([{"id": "g", "members": members, "mode": "active-active"}]);
    }
    doc
}

/// Plain search over the live graph: (state, targets reached) of service `s`.
fn reference(
    case: &Case,
    s: usize,
    node_up: &[bool],
    psu_up: &[bool],
    link_up: &[bool],
) -> (ServiceState, usize) {
    let func: Vec<bool> = case
        .nodes
        .iter()
        .enumerate()
        .map(|(i, (_, p))| node_up[i] && p.is_none_or(|p| psu_up[p]))
        .collect();
    let (from, to, crit) = &case.services[s];
    let mut reached = vec![false; case.nodes.len()];
    if func[*from] {
        reached[*from] = true;
        let mut stack = vec![*from];
        while let Some(v) = stack.pop() {
            for (l, &(_, a, b)) in case.links.iter().enumerate() {
                let w = if a == v {
                    b
                } else if b == v {
                    a
                } else {
                    continue;
                };
                if link_up[l] && func[w] && !reached[w] {
                    reached[w] = true;
                    stack.push(w);
                }
            }
        }
    }
    let found = to.iter().filter(|&&(t, _)| reached[t]).count();
    let mut all = found == to.len();
    let met = match crit {
        Crit::Need(k) => found >= *k,
        Crit::Units(k) => {
            let group = usize::from(case.group.iter().any(|&m| reached[m]));
            let others = to
                .iter()
                .filter(|&&(t, _)| !case.group.contains(&t) && reached[t])
                .count();
            let units = 1 + to.len() - case.group.len();
            all = group + others == units;
            group + others >= *k
        }
        Crit::Demand(d) => {
            let got: f64 = to.iter().filter(|&&(t, _)| reached[t]).map(|&(_, c)| c).sum();
            got >= d * (1.0 - 1e-9)
        }
    };
    let state = if !func[*from] || !met {
        ServiceState::Down
    } else if all {
        ServiceState::Up
    } else {
        ServiceState::Degraded
    };
    (state, if func[*from] { found } else { 0 })
}

#[test]
fn incremental_reachability_equals_a_plain_search_after_every_batch_of_changes() {
    let (mut checks, mut unit_checks, mut parallel) = (0u64, 0u64, 0u64);
    let (mut batched, mut flip_backs, mut off_root, mut perfect) = (0u64, 0u64, 0u64, 0u64);
    let mut anchor_changes = 0u64;
    for case_no in 0..1000u64 {
        let mut rng = Rng(case_no);
        let case = random_case(&mut rng);
        let doc = scenario(&case);
        parallel += u64::from(case.parallel);
        off_root += case.services.iter().filter(|(from, _, _)| *from != 0).count() as u64;
        perfect += case.perfect.iter().filter(|&&p| p).count() as u64;
        let model = redsim::scenario::parse(&doc.to_string())
            .unwrap_or_else(|e| panic!("case {case_no}: {e:?}\n{doc}"));
        let plan = Plan::new(&model);
        let mut probe = Probe::new(&plan);
        let id = |s: &str| model.element_by_id(s).expect("element");
        let node_el: Vec<usize> = case.nodes.iter().map(|(n, _)| id(n)).collect();
        let psu_el: Vec<usize> = case.psus.iter().map(|p| id(p)).collect();
        let link_el: Vec<usize> = case.links.iter().map(|(l, _, _)| id(l)).collect();
        // Nodes, then power supplies, then links; only those that can fail change.
        let els: Vec<usize> = node_el.iter().chain(&psu_el).chain(&link_el).copied().collect();
        let (n_nodes, n_psus) = (node_el.len(), psu_el.len());
        let fallible: Vec<usize> = (0..els.len())
            .filter(|&k| match k.checked_sub(n_nodes) {
                None => !case.perfect[k],
                Some(j) => j < n_psus || !case.perfect[n_nodes + j - n_psus],
            })
            .collect();
        let mut up = vec![true; els.len()];
        let mut down = 0usize;
        let mut batch = Vec::new();
        for step in 0..300 {
            // One to five changes before the services are evaluated: each
            // fails a random up element or repairs a random failed one (about
            // a fifth down at equilibrium, so searches meet both cuts and
            // detours; a power supply takes several nodes at once), or undoes
            // an earlier change of the batch (an element failed and repaired,
            // or repaired and failed, between two evaluations).
            batch.clear();
            for _ in 0..1 + rng.below(5) {
                let k = if !batch.is_empty() && rng.chance(0.25) {
                    flip_backs += 1;
                    batch[rng.below(batch.len())]
                } else {
                    let repair = down > 0 && rng.chance(down as f64 / (fallible.len() as f64 / 5.0 + 1.0));
                    loop {
                        let k = fallible[rng.below(fallible.len())];
                        if up[k] != repair {
                            break k;
                        }
                    }
                };
                up[k] = !up[k];
                anchor_changes += u64::from(case.anchor.get(k) == Some(&true));
                if up[k] {
                    down -= 1;
                } else {
                    down += 1;
                }
                probe.set(&plan, els[k], !up[k]);
                batch.push(k);
            }
            batched += u64::from(batch.len() > 1);
            let (node_up, rest) = up.split_at(n_nodes);
            let (psu_up, link_up) = rest.split_at(n_psus);
            for s in 0..case.services.len() {
                // Now and then a service is left unevaluated, so its changes
                // pile up over several batches.
                if rng.chance(0.2) {
                    continue;
                }
                let want = reference(&case, s, node_up, psu_up, link_up);
                let got = (
                    probe.state(&plan, s),
                    probe.reached(&plan, s).expect("reachability"),
                );
                assert_eq!(got, want, "case {case_no}, step {step}, service s-{s}\n{doc}");
                checks += 1;
                unit_checks += u64::from(matches!(case.services[s].2, Crit::Units(_)));
            }
        }
    }
    assert!(
        checks > 100_000
            && unit_checks > 10_000
            && parallel > 300
            && batched > 200_000
            && flip_backs > 100_000
            && off_root > 1_000
            && perfect > 2_000
            && anchor_changes > 40_000,
        "{checks} checks, {unit_checks} of units, {parallel} cases with parallel chains, \
         {batched} batches of several changes, {flip_backs} flip-backs, {off_root} services \
         not from the root, {perfect} elements that never fail, {anchor_changes} failures \
         and repairs of a multi-homed target's switch"
    );
}
