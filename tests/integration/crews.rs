//! Repair crews, disciplines and logistics against exact answers: small
//! continuous-time Markov chains built and solved in the test.
//!
//! With exponential failures and repairs and one crew, the state of a system
//! is the line of failed components: the one under repair first, then those
//! waiting, in arrival order. The chain over all such lines is generated here
//! for any discipline, and its mission-average availability and expected
//! number of outages come from one matrix exponential (occupation integrals).

use serde_json::json;

use redsim::engine::TraceEvent;

use crate::common::{assert_close, mission_averages as solve, model, simulate};

#[derive(Clone, Copy)]
enum Disc {
    Fifo,
    Priority,
    Random,
}

/// The chain of one crew serving components with failure rates `lambda`,
/// repair rates `mu` and priorities `prio`, under a discipline. States are
/// lines of failed components (in repair first). Returns (generator, up flags).
fn one_crew_chain(
    lambda: &[f64],
    mu: &[f64],
    prio: &[i64],
    disc: Disc,
    works: impl Fn(&[bool]) -> bool,
) -> (Vec<Vec<f64>>, Vec<bool>) {
    let n = lambda.len();
    let mut states: Vec<Vec<usize>> = vec![vec![]];
    let mut edges: Vec<(usize, Vec<usize>, f64)> = Vec::new();
    let mut i = 0;
    while i < states.len() {
        let line = states[i].clone();
        for (c, &rate) in lambda.iter().enumerate() {
            if !line.contains(&c) {
                let mut next = line.clone();
                next.push(c);
                edges.push((i, next, rate));
            }
        }
        if let Some(&fixing) = line.first() {
            let queue: Vec<usize> = line[1..].to_vec();
            let choices: Vec<(usize, f64)> = match (disc, queue.is_empty()) {
                (_, true) => vec![],
                (Disc::Fifo, false) => vec![(0, 1.0)],
                (Disc::Priority, false) => {
                    let best = (0..queue.len())
                        .max_by_key(|&k| (prio[queue[k]], std::cmp::Reverse(k)))
                        .unwrap();
                    vec![(best, 1.0)]
                }
                (Disc::Random, false) => (0..queue.len()).map(|k| (k, 1.0 / queue.len() as f64)).collect(),
            };
            if choices.is_empty() {
                edges.push((i, vec![], mu[fixing]));
            }
            for (k, p) in choices {
                let mut next = vec![queue[k]];
                next.extend(queue.iter().enumerate().filter(|&(j, _)| j != k).map(|(_, &c)| c));
                edges.push((i, next, mu[fixing] * p));
            }
        }
        for (_, next, _) in edges.iter().filter(|e| e.0 == i) {
            if !states.contains(next) {
                states.push(next.clone());
            }
        }
        i += 1;
    }
    let m = states.len();
    let mut q = vec![vec![0.0; m]; m];
    for (from, to, rate) in edges {
        let j = states.iter().position(|s| *s == to).unwrap();
        q[from][j] += rate;
        q[from][from] -= rate;
    }
    let up = states
        .iter()
        .map(|line| works(&(0..n).map(|c| !line.contains(&c)).collect::<Vec<_>>()))
        .collect();
    (q, up)
}

/// A scenario of exponential components under one logical service.
fn scenario(
    mission: f64,
    comps: &[(&str, f64, f64, i64)],
    repair: serde_json::Value,
    requires: serde_json::Value,
) -> String {
    let components: Vec<_> = comps
        .iter()
        .map(|(id, mtbf, mttr, p)| json!({"id": id, "mtbf": mtbf, "mttr": mttr, "repair_priority": p}))
        .collect();
    json!({
        "format": "redsim/1", "name": "crews", "mission": mission,
        "repair": repair,
        "components": components,
        "services": [{"id": "s", "requires": requires}]
    })
    .to_string()
}

#[test]
fn two_of_three_with_one_crew_matches_its_chain() {
    let t = 2000.0;
    let (mtbf, mttr) = (100.0, 20.0);
    let comps = [("a", mtbf, mttr, 0), ("b", mtbf, mttr, 0), ("c", mtbf, mttr, 0)];
    let (q, up) = one_crew_chain(&[1.0 / mtbf; 3], &[1.0 / mttr; 3], &[0; 3], Disc::Fifo, |w| {
        w.iter().filter(|&&x| x).count() >= 2
    });
    let exact = solve(&q, &up, t);
    let text = scenario(
        t,
        &comps,
        json!({"crews": 1}),
        json!({"at_least": 2, "of": ["a", "b", "c"]}),
    );
    let run = simulate(&model(&text), 20_000, 11);
    let s = &run.services[0];
    assert!(s.outages_observed > 1000);
    assert_close(
        "2-of-3, one crew: availability",
        &s.availability,
        exact.availability,
        4.0,
    );
    assert_close(
        "2-of-3, one crew: outages",
        &s.outages_per_mission,
        exact.outages,
        4.0,
    );

    // Unlimited crews is a different answer, and the simulation tells them apart.
    let (q3, up3) = unlimited_chain(3, 1.0 / mtbf, 1.0 / mttr, 2);
    let unlimited = solve(&q3, &up3, t);
    assert!(unlimited.availability - exact.availability > 20.0 * s.availability.std_error.unwrap());
    let text = scenario(
        t,
        &comps,
        json!({}),
        json!({"at_least": 2, "of": ["a", "b", "c"]}),
    );
    let run = simulate(&model(&text), 20_000, 11);
    assert_close(
        "2-of-3, unlimited crews",
        &run.services[0].availability,
        unlimited.availability,
        4.0,
    );
}

/// k-of-n identical components with unlimited repair: states = number failed.
fn unlimited_chain(n: usize, lambda: f64, mu: f64, k: usize) -> (Vec<Vec<f64>>, Vec<bool>) {
    let mut q = vec![vec![0.0; n + 1]; n + 1];
    for f in 0..=n {
        if f < n {
            q[f][f + 1] = (n - f) as f64 * lambda;
        }
        if f > 0 {
            q[f][f - 1] = f as f64 * mu;
        }
        q[f][f] = -q[f].iter().sum::<f64>();
    }
    (q, (0..=n).map(|f| n - f >= k).collect())
}

#[test]
fn the_repair_discipline_changes_the_answer_as_its_chain_says() {
    // `a` is in series with the pair `b`/`c`: repairing it first shortens outages.
    let t = 3000.0;
    let comps = [("a", 150.0, 15.0, 10), ("b", 60.0, 25.0, 0), ("c", 60.0, 25.0, 0)];
    let lambda = [1.0 / 150.0, 1.0 / 60.0, 1.0 / 60.0];
    let mu = [1.0 / 15.0, 1.0 / 25.0, 1.0 / 25.0];
    let works = |w: &[bool]| w[0] && (w[1] || w[2]);
    let req = json!({"all": ["a", {"any": ["b", "c"]}]});
    let mut results = Vec::new();
    for (disc, name) in [
        (Disc::Fifo, "fifo"),
        (Disc::Priority, "priority"),
        (Disc::Random, "random"),
    ] {
        let (q, up) = one_crew_chain(&lambda, &mu, &[10, 0, 0], disc, works);
        let exact = solve(&q, &up, t);
        let text = scenario(t, &comps, json!({"crews": 1, "discipline": name}), req.clone());
        let run = simulate(&model(&text), 20_000, 5);
        let s = run.services[0].clone();
        assert_close(
            &format!("{name}: availability"),
            &s.availability,
            exact.availability,
            4.0,
        );
        assert_close(
            &format!("{name}: outages"),
            &s.outages_per_mission,
            exact.outages,
            4.0,
        );
        results.push((exact, s));
    }
    // Priority to `a` beats first-come by far more than the noise.
    let (fifo, prio) = (&results[0], &results[1]);
    let se = fifo
        .1
        .availability
        .std_error
        .unwrap()
        .max(prio.1.availability.std_error.unwrap());
    assert!(
        prio.0.availability - fifo.0.availability > 10.0 * se,
        "the exact gap is large enough to see"
    );
    assert!(
        prio.1.availability.ci_low > fifo.1.availability.ci_high,
        "and the simulation sees it"
    );
}

#[test]
fn logistics_delay_holds_no_crew_and_matches_its_chain() {
    // One component: up -> logistics (mean 6 h) -> repair (mean 10 h) -> up.
    let t = 4000.0;
    let (l, d, r) = (1.0 / 80.0, 1.0 / 6.0, 1.0 / 10.0);
    let q = vec![vec![-l, l, 0.0], vec![0.0, -d, d], vec![r, 0.0, -r]];
    let exact = solve(&q, &[true, false, false], t);
    let text = json!({
        "format": "redsim/1", "name": "logistics", "mission": t,
        "repair": {"crews": 1},
        "components": [{"id": "x", "mtbf": 80, "mttr": 10, "logistics": {"exponential": {"mean": "6h"}}}],
        "services": [{"id": "s", "requires": "x"}]
    })
    .to_string();
    let run = simulate(&model(&text), 20_000, 8);
    let s = &run.services[0];
    assert_close(
        "logistics: availability",
        &s.availability,
        exact.availability,
        4.0,
    );
    assert_close("logistics: outages", &s.outages_per_mission, exact.outages, 4.0);
    // Steady state for reference: MTTF / (MTTF + logistics + MTTR).
    assert!((exact.availability - 80.0 / 96.0).abs() < 0.01);
}

/// The generator of two independent chains side by side (their Kronecker
/// sum): joint state `i * m2 + j` is `i` in the first and `j` in the second.
fn side_by_side(q1: &[Vec<f64>], q2: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let (m1, m2) = (q1.len(), q2.len());
    let mut q = vec![vec![0.0; m1 * m2]; m1 * m2];
    for i in 0..m1 {
        for j in 0..m2 {
            for k in 0..m1 {
                q[i * m2 + j][k * m2 + j] += q1[i][k];
            }
            for k in 0..m2 {
                q[i * m2 + j][i * m2 + k] += q2[j][k];
            }
        }
    }
    q
}

/// Two sites, each repaired by its own pool of one crew: east has three
/// components (2 of 3 needed), west two (both needed); the service needs
/// either site. Components are listed east first.
fn two_sites(mission: f64, east: &str, west: &str, discipline: Option<&str>) -> String {
    let comp = |id: &str, mtbf: f64, mttr: f64, prio: i64, pool: &str| json!({"id": id, "mtbf": mtbf, "mttr": mttr, "repair_priority": prio, "repair_pool": pool});
    let mut repair = json!({"pools": {
        "east": {"crews": 1, "discipline": east},
        "west": {"crews": 1, "discipline": west},
    }});
    if let Some(d) = discipline {
        // West takes the scenario-wide discipline.
        repair["discipline"] = json!(d);
        repair["pools"]["west"]
            .as_object_mut()
            .unwrap()
            .remove("discipline");
    }
    json!({
        "format": "redsim/1", "name": "two sites", "mission": mission,
        "repair": repair,
        "components": [
            comp("e1", 40.0, 12.0, 5, "east"),
            comp("e2", 50.0, 10.0, 0, "east"),
            comp("e3", 60.0, 15.0, 0, "east"),
            comp("w1", 30.0, 10.0, 0, "west"),
            comp("w2", 45.0, 12.0, 0, "west"),
        ],
        "services": [{"id": "s", "requires": {"any": [
            {"at_least": 2, "of": ["e1", "e2", "e3"]},
            {"all": ["w1", "w2"]}
        ]}}]
    })
    .to_string()
}

const EAST: ([f64; 3], [f64; 3], [i64; 3]) = (
    [1.0 / 40.0, 1.0 / 50.0, 1.0 / 60.0],
    [1.0 / 12.0, 1.0 / 10.0, 1.0 / 15.0],
    [5, 0, 0],
);
const WEST: ([f64; 2], [f64; 2]) = ([1.0 / 30.0, 1.0 / 45.0], [1.0 / 10.0, 1.0 / 12.0]);

/// The exact chain of [`two_sites`]: each site's own one-crew chain, side by side.
fn two_sites_chain(east: Disc, west: Disc) -> (Vec<Vec<f64>>, Vec<bool>) {
    let (qe, upe) = one_crew_chain(&EAST.0, &EAST.1, &EAST.2, east, |w| {
        w.iter().filter(|&&x| x).count() >= 2
    });
    let (qw, upw) = one_crew_chain(&WEST.0, &WEST.1, &[0, 0], west, |w| w[0] && w[1]);
    let up = upe
        .iter()
        .flat_map(|&e| upw.iter().map(move |&w| e || w))
        .collect();
    (side_by_side(&qe, &qw), up)
}

#[test]
fn a_crew_pool_per_site_matches_the_sites_chains_side_by_side() {
    let t = 2000.0;
    let (q, up) = two_sites_chain(Disc::Fifo, Disc::Fifo);
    let exact = solve(&q, &up, t);
    let run = simulate(&model(&two_sites(t, "fifo", "fifo", None)), 20_000, 21);
    let s = &run.services[0];
    assert!(s.outages_observed > 1000, "{} outages", s.outages_observed);
    assert_close("pools: availability", &s.availability, exact.availability, 4.0);
    // No product form: the exact solution names both pools as the reason.
    let why = redsim::analysis::structure::disqualifications(&model(&two_sites(t, "fifo", "fifo", None)), 0);
    assert!(
        why.iter().any(|w| w.contains("crew pool `east` has 1 crew"))
            && why.iter().any(|w| w.contains("crew pool `west` has 1 crew")),
        "{why:?}"
    );
    assert_close("pools: outages", &s.outages_per_mission, exact.outages, 4.0);

    // One crew shared by both sites is another answer, far outside the noise:
    // the simulation above did not share its crews.
    let lambda: Vec<f64> = EAST.0.iter().chain(&WEST.0).copied().collect();
    let mu: Vec<f64> = EAST.1.iter().chain(&WEST.1).copied().collect();
    let (q1, up1) = one_crew_chain(&lambda, &mu, &[0; 5], Disc::Fifo, |w| {
        w[..3].iter().filter(|&&x| x).count() >= 2 || (w[3] && w[4])
    });
    let shared = solve(&q1, &up1, t);
    assert!(
        exact.availability - shared.availability > 10.0 * s.availability.std_error.unwrap(),
        "pooled {} vs one shared crew {}",
        exact.availability,
        shared.availability
    );
    // And two pools are not unlimited crews either.
    let (qe, upe) = unlimited_site(&EAST.0, &EAST.1, 2);
    let (qw, upw) = unlimited_site(&WEST.0, &WEST.1, 2);
    let up_inf: Vec<bool> = upe
        .iter()
        .flat_map(|&e| upw.iter().map(move |&w| e || w))
        .collect();
    let unlimited = solve(&side_by_side(&qe, &qw), &up_inf, t);
    assert!(
        unlimited.availability - exact.availability > 10.0 * s.availability.std_error.unwrap(),
        "pooled {} vs unlimited {}",
        exact.availability,
        unlimited.availability
    );
}

/// Components with their own repairs (unlimited crews): states are the
/// failed sets as bit masks; up when at least `k` work.
fn unlimited_site(lambda: &[f64], mu: &[f64], k: usize) -> (Vec<Vec<f64>>, Vec<bool>) {
    let n = lambda.len();
    let m = 1 << n;
    let mut q = vec![vec![0.0; m]; m];
    for (s, row) in q.iter_mut().enumerate() {
        for c in 0..n {
            let (to, rate) = if s & (1 << c) == 0 {
                (s | (1 << c), lambda[c])
            } else {
                (s & !(1 << c), mu[c])
            };
            row[to] += rate;
            row[s] -= rate;
        }
    }
    let up = (0..m).map(|s: usize| n - s.count_ones() as usize >= k).collect();
    (q, up)
}

#[test]
fn each_pool_keeps_its_own_discipline() {
    // East by priority (e1 first), west at random, taken from `repair.discipline`.
    let t = 2000.0;
    let (q, up) = two_sites_chain(Disc::Priority, Disc::Random);
    let exact = solve(&q, &up, t);
    let run = simulate(&model(&two_sites(t, "priority", "", Some("random"))), 20_000, 22);
    let s = &run.services[0];
    assert_close(
        "pools, own disciplines: availability",
        &s.availability,
        exact.availability,
        4.0,
    );
    assert_close(
        "pools, own disciplines: outages",
        &s.outages_per_mission,
        exact.outages,
        4.0,
    );
}

#[test]
fn an_element_never_waits_for_a_crew_busy_in_another_pool() {
    // Per trace: at every failure, the element's repair starts at once
    // unless a crew of its own pool is busy, whatever the other pool does.
    let m = model(&two_sites(2000.0, "fifo", "fifo", None));
    let pool_of = |e: usize| usize::from(e >= 3);
    let mut started_while_other_busy = 0;
    let mut waited = 0;
    for trial in 0..20 {
        let events = redsim::engine::trace(&m, 5, trial).unwrap();
        // Element under repair in each pool, if any.
        let mut fixing: [Option<usize>; 2] = [None, None];
        for (i, ev) in events.iter().enumerate() {
            match *ev {
                TraceEvent::Element {
                    t,
                    element,
                    up: false,
                } => {
                    let p = pool_of(element);
                    let starts_now = events[i + 1..]
                        .iter()
                        .take_while(|e| e.time() == t)
                        .any(|e| matches!(*e, TraceEvent::RepairStarted { element: f, .. } if f == element));
                    assert_eq!(
                        starts_now,
                        fixing[p].is_none(),
                        "trial {trial}, t = {t}: element {element} failed with its pool's crew {:?}",
                        fixing[p]
                    );
                    if starts_now && fixing[1 - p].is_some() {
                        started_while_other_busy += 1;
                    }
                    if !starts_now {
                        waited += 1;
                    }
                }
                TraceEvent::RepairStarted { element, .. } => {
                    let p = pool_of(element);
                    assert!(fixing[p].is_none(), "one crew per pool");
                    fixing[p] = Some(element);
                }
                TraceEvent::Element {
                    element, up: true, ..
                } => {
                    let p = pool_of(element);
                    assert_eq!(fixing[p], Some(element), "the crew's repair ended");
                    fixing[p] = None;
                }
                _ => {}
            }
        }
    }
    // The check saw both cases many times.
    assert!(started_while_other_busy > 50, "{started_while_other_busy}");
    assert!(waited > 50, "{waited}");
}

#[test]
fn a_pool_nobody_names_makes_no_repair_wait() {
    // A declared pool that no element names repairs nothing: the model's
    // repairs start at once, as without it (the engine keeps its fast path).
    let base = r#"{"format": "redsim/1", "name": "p", "mission": "1y",
        "repair": {"pools": {"idle": {"crews": 1}}},
        "components": [{"id": "a", "mtbf": "100h", "mttr": "1h" REPLACE}],
        "services": [{"id": "s", "requires": "a"}]}"#;
    assert!(!crate::common::model(&base.replace("REPLACE", "")).repairs_may_wait());
    assert!(crate::common::model(&base.replace("REPLACE", r#", "repair_pool": "idle""#)).repairs_may_wait());
}

// A tester: crews that can never make a repair wait are
// no reason against the exact answer, and a service is told only of the
// crews of elements it depends on.
#[test]
fn crews_as_many_as_their_elements_are_no_reason_against_the_exact_answer() {
    use redsim::analysis::structure::disqualifications;
    let mut v: serde_json::Value = serde_json::from_str(&two_sites(2000.0, "fifo", "fifo", None)).unwrap();
    // Three crews for east's three elements; west keeps one for two.
    v["repair"]["pools"]["east"]["crews"] = json!(3);
    // A second service on east alone.
    v["services"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "east-only", "requires": {"at_least": 2, "of": ["e1", "e2", "e3"]}}));
    let m = model(&v.to_string());
    let why = disqualifications(&m, 0);
    assert!(
        why.len() == 1 && why[0].contains("crew pool `west` has 1 crew"),
        "{why:?}"
    );
    assert_eq!(
        disqualifications(&m, 1),
        Vec::<String>::new(),
        "east-only depends on no short pool"
    );
    // With east short of crews, east-only is told of east, not west.
    v["repair"]["pools"]["east"]["crews"] = json!(2);
    let why = disqualifications(&model(&v.to_string()), 1);
    assert!(
        why.len() == 1 && why[0].contains("crew pool `east` has 2 crews"),
        "{why:?}"
    );
    // Scenario-wide crews: 5 for 5 elements is unlimited, 4 is not.
    for e in v["components"].as_array_mut().unwrap() {
        e.as_object_mut().unwrap().remove("repair_pool");
    }
    v["repair"] = json!({"crews": 5});
    assert_eq!(disqualifications(&model(&v.to_string()), 0), Vec::<String>::new());
    v["repair"] = json!({"crews": 4});
    let why = disqualifications(&model(&v.to_string()), 0);
    assert!(
        why.len() == 1 && why[0].contains("repair crews are limited (4)"),
        "{why:?}"
    );
}
