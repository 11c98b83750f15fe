//! The engine's incremental evaluation against a brute-force replay: on random
//! small topologies, every service state change the engine reports must be
//! exactly what recomputing everything from scratch after each event gives.

use proptest::prelude::*;
use redsim::analysis::structure::{Exact, Structure, long_run_availability};
use redsim::engine::{Observer, Plan, ServiceState, Trial};
use redsim::model::{
    Criterion, Distribution, ElementId, ElementRole, Expr, Life, Model, ModelBuilder, ServiceKind,
};

#[derive(Default)]
struct Record {
    elements: Vec<(f64, ElementId, bool)>,
    services: Vec<(f64, usize, ServiceState)>,
}

impl Observer for Record {
    fn element(&mut self, t: f64, e: ElementId, up: bool) {
        self.elements.push((t, e, up));
    }
    fn service(&mut self, t: f64, s: usize, state: ServiceState) {
        self.services.push((t, s, state));
    }
}

/// Functional states from scratch, in topological order.
fn functional(model: &Model, up: &[bool]) -> Vec<bool> {
    let mut func = vec![false; up.len()];
    for &e in &model.topo_order {
        let el = &model.elements[e];
        let req = el.requires.as_ref().is_none_or(|r| r.eval(&|x| func[x]));
        let ends = match el.role {
            ElementRole::Link { a, b } => func[a] && func[b],
            ElementRole::Component => true,
        };
        func[e] = up[e] && req && ends;
    }
    func
}

/// A service's state from scratch: reachability by a plain search of the model's adjacency list.
fn state(model: &Model, s: usize, func: &[bool]) -> ServiceState {
    match &model.services[s].kind {
        ServiceKind::Logic { expr } => {
            let mut leaves = Vec::new();
            expr.elements(&mut leaves);
            if !expr.eval(&|x| func[x]) {
                ServiceState::Down
            } else if leaves.iter().all(|&l| func[l]) {
                ServiceState::Up
            } else {
                ServiceState::Degraded
            }
        }
        ServiceKind::Reach {
            from,
            targets,
            criterion,
        } => {
            let mut reached = vec![false; func.len()];
            if func[*from] {
                let mut stack = vec![*from];
                reached[*from] = true;
                while let Some(n) = stack.pop() {
                    for (link, v) in model.links_at(n) {
                        if func[link] && func[v] && !reached[v] {
                            reached[v] = true;
                            stack.push(v);
                        }
                    }
                }
            }
            let (got, total, need) = match criterion {
                Criterion::Need(k) => (
                    targets.iter().filter(|&&t| reached[t]).count() as f64,
                    targets.len() as f64,
                    *k as f64,
                ),
                Criterion::Capacity { capacity, demand } => (
                    targets
                        .iter()
                        .zip(capacity)
                        .filter(|(t, _)| reached[**t])
                        .map(|(_, c)| c)
                        .sum(),
                    capacity.iter().sum(),
                    *demand,
                ),
                Criterion::NeedUnits { units, need } => {
                    let n_units = units.iter().max().map_or(0, |&u| u as usize + 1);
                    let mut hit = vec![false; n_units];
                    targets
                        .iter()
                        .zip(units)
                        .filter(|(t, _)| reached[**t])
                        .for_each(|(_, &u)| hit[u as usize] = true);
                    (
                        hit.iter().filter(|&&h| h).count() as f64,
                        n_units as f64,
                        *need as f64,
                    )
                }
            };
            if !func[*from] || got < need {
                ServiceState::Down
            } else if got < total {
                ServiceState::Degraded
            } else {
                ServiceState::Up
            }
        }
    }
}

/// A random expression over elements `0..limit` (non-empty).
fn expr(limit: usize, depth: u32) -> BoxedStrategy<Expr> {
    let leaf = (0..limit).prop_map(Expr::Elem);
    if depth == 0 {
        return leaf.boxed();
    }
    let list = prop::collection::vec(expr(limit, depth - 1), 1..4);
    prop_oneof![
        2 => leaf,
        1 => list.clone().prop_map(Expr::All),
        1 => list.clone().prop_map(Expr::Any),
        1 => (list, any::<prop::sample::Index>()).prop_map(|(xs, k)| Expr::AtLeast(k.index(xs.len()) + 1, xs)),
    ]
    .boxed()
}

/// Mean time to failure and to repair [h]; `None` never fails.
/// Fixed laws use whole hours, so that events often fall at the same instant.
type Law = Option<(f64, f64, bool)>;

#[derive(Debug, Clone)]
struct Spec {
    n: usize,
    lives: Vec<Law>,
    requires: Vec<Option<Expr>>,
    links: Vec<(usize, usize, Law)>,
    logic: Expr,
    targets: Vec<usize>,
    need: usize,
    capacity: Vec<f64>,
}

fn spec() -> impl Strategy<Value = Spec> {
    (3usize..8).prop_flat_map(|n| {
        let life = prop::option::weighted(0.8, (1.0f64..20.0, 0.5f64..5.0, prop::bool::weighted(0.3)));
        (
            prop::collection::vec(life.clone(), n),
            // Component i may only require components below i: no cycles.
            (0..n)
                .map(|i| {
                    if i == 0 {
                        Just(None).boxed()
                    } else {
                        prop::option::of(expr(i, 2)).boxed()
                    }
                })
                .collect::<Vec<_>>(),
            prop::collection::vec(
                (
                    0..n,
                    0..n,
                    prop::option::weighted(0.5, (1.0f64..20.0, 0.5f64..5.0, prop::bool::weighted(0.3))),
                ),
                1..10,
            ),
            expr(n, 2),
            prop::collection::vec(1..n, 1..4),
            any::<prop::sample::Index>(),
            prop::collection::vec(0.5f64..3.0, 3),
        )
            .prop_map(
                move |(lives, requires, links, logic, mut targets, need, capacity)| {
                    targets.sort_unstable();
                    targets.dedup();
                    let links = links.into_iter().filter(|(a, b, _)| a != b).collect();
                    let need = need.index(targets.len()) + 1;
                    Spec {
                        n,
                        lives,
                        requires,
                        links,
                        logic,
                        targets,
                        need,
                        capacity,
                    }
                },
            )
    })
}

fn build(spec: &Spec) -> Model {
    let life = |l: &Law| {
        l.map(|(f, r, fixed)| {
            if fixed {
                let whole = |x: f64| Distribution::fixed(x.round().max(1.0)).unwrap();
                Life::new(whole(f), Some(whole(r)))
            } else {
                Life::new(
                    Distribution::exponential(f).unwrap(),
                    Some(Distribution::exponential(r).unwrap()),
                )
            }
        })
    };
    let mut b = ModelBuilder::new("random", 60.0);
    for i in 0..spec.n {
        b.component(format!("c{i}"), life(&spec.lives[i]), spec.requires[i].clone());
    }
    for (k, (a, c, l)) in spec.links.iter().enumerate() {
        b.link(format!("l{k}"), *a, *c, life(l));
    }
    b.service(
        "logic",
        ServiceKind::Logic {
            expr: spec.logic.clone(),
        },
    );
    b.service(
        "reach",
        ServiceKind::Reach {
            from: 0,
            targets: spec.targets.clone(),
            criterion: Criterion::Need(spec.need),
        },
    );
    let capacity: Vec<f64> = spec
        .targets
        .iter()
        .enumerate()
        .map(|(i, _)| spec.capacity[i % 3])
        .collect();
    let demand = capacity.iter().sum::<f64>() * 0.6;
    b.service(
        "capacity",
        ServiceKind::Reach {
            from: 0,
            targets: spec.targets.clone(),
            criterion: Criterion::Capacity { capacity, demand },
        },
    );
    b.build().expect("random model is valid")
}

proptest! {
    // A fixed seed: the same cases on every run, so CI is reproducible.
    #![proptest_config(ProptestConfig { rng_seed: proptest::test_runner::RngSeed::Fixed(20261126), ..ProptestConfig::with_cases(300) })]

    #[test]
    fn incremental_states_equal_brute_force(spec in spec(), seed in any::<u64>()) {
        let model = build(&spec);
        let plan = Plan::new(&model);
        let mut trial = Trial::new(&plan);
        let mut rec = Record::default();
        trial.run(&plan, seed, 0, &mut rec, |_, _, _| {}).expect("a small model stays within the event budget");

        let mut up = vec![true; model.elements.len()];
        let func = functional(&model, &up);
        let mut current: Vec<ServiceState> = (0..model.services.len()).map(|s| state(&model, s, &func)).collect();
        let mut expected: Vec<(f64, usize, ServiceState)> =
            current.iter().enumerate().map(|(s, st)| (0.0, s, *st)).collect();
        // Services are judged once all events of an instant are in.
        for (i, &(t, e, u)) in rec.elements.iter().enumerate() {
            up[e] = u;
            if rec.elements.get(i + 1).is_some_and(|next| next.0 == t) {
                continue;
            }
            let func = functional(&model, &up);
            for (s, cur) in current.iter_mut().enumerate() {
                let st = state(&model, s, &func);
                if st != *cur {
                    *cur = st;
                    expected.push((t, s, st));
                }
            }
        }
        let key = |x: &(f64, usize, ServiceState)| (x.0.to_bits(), x.1);
        let mut got = rec.services.clone();
        got.sort_by_key(key);
        expected.sort_by_key(key);
        prop_assert_eq!(got, expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { rng_seed: proptest::test_runner::RngSeed::Fixed(20261126), ..ProptestConfig::with_cases(300) })]

    /// Single points of failure, minimal cut sets and exact availability
    /// against brute force: fail each set of elements and search from scratch;
    /// enumerate every state of the elements that can fail, weighted by their
    /// long-run availabilities.
    #[test]
    fn spofs_cut_sets_and_exact_availability_equal_brute_force(spec in spec()) {
        let model = build(&spec);
        let st = Structure::new(&model);
        let failable: Vec<usize> =
            (0..model.elements.len()).filter(|&e| model.elements[e].life.is_some()).collect();
        prop_assume!(failable.len() <= 14);
        for s in 0..model.services.len() {
            let mut up = vec![true; model.elements.len()];
            let mut brute = Vec::new();
            let down_anyway = state(&model, s, &functional(&model, &up)) == ServiceState::Down;
            for &e in failable.iter().filter(|_| !down_anyway) {
                up[e] = false;
                if state(&model, s, &functional(&model, &up)) == ServiceState::Down {
                    brute.push(e);
                }
                up[e] = true;
            }
            prop_assert_eq!(st.spofs(s), brute, "service {}", s);

            // The same structure with exponential laws (fixed ones would keep
            // elements in step, and exact refuses them).
            let exponential = Spec {
                lives: spec.lives.iter().map(|l| l.map(|(f, r, _)| (f, r, false))).collect(),
                links: spec.links.iter().map(|&(a, b, l)| (a, b, l.map(|(f, r, _)| (f, r, false)))).collect(),
                ..spec.clone()
            };
            let exp_model = build(&exponential);
            let (mut a, mut u) = (0.0, 0.0);
            for mask in 0u32..1 << failable.len() {
                let mut p = 1.0;
                for (i, &e) in failable.iter().enumerate() {
                    let ae = long_run_availability(&exp_model, e);
                    up[e] = mask >> i & 1 == 1;
                    p *= if up[e] { ae } else { 1.0 - ae };
                }
                if state(&model, s, &functional(&model, &up)) == ServiceState::Down {
                    u += p;
                } else {
                    a += p;
                }
            }
            // Minimal cut sets up to order 3: every set of failable elements
            // that takes the service down while none of its proper subsets does.
            let mut brute_cuts: Vec<Vec<String>> = Vec::new();
            if !down_anyway {
                let k = failable.len();
                let mut masks: Vec<u32> = (1u32..1 << k).filter(|m| m.count_ones() <= 3).collect();
                masks.sort_by_key(|m| m.count_ones());
                let mut cut_masks: Vec<u32> = Vec::new();
                for m in masks {
                    if cut_masks.iter().any(|c| c & m == *c) {
                        continue;
                    }
                    let mut up = vec![true; model.elements.len()];
                    for (i, &e) in failable.iter().enumerate() {
                        up[e] = m >> i & 1 == 0;
                    }
                    if state(&model, s, &functional(&model, &up)) == ServiceState::Down {
                        cut_masks.push(m);
                        let mut ids: Vec<String> = (0..k)
                            .filter(|i| m >> i & 1 == 1)
                            .map(|i| model.elements[failable[i]].id.clone())
                            .collect();
                        ids.sort();
                        brute_cuts.push(ids);
                    }
                }
            }
            brute_cuts.sort();
            let found = st.cut_sets(s, 3, redsim::analysis::structure::CUT_WORK);
            prop_assert_eq!(found.complete_to_order, 3);
            let mut got: Vec<Vec<String>> = found
                .sets
                .iter()
                .map(|c| {
                    let mut v = c.elements.clone();
                    v.sort();
                    v
                })
                .collect();
            got.sort();
            prop_assert_eq!(got, brute_cuts, "service {}", s);

            match Structure::new(&exp_model).exact(s, redsim::analysis::structure::EXACT_WORK) {
                Exact::Solved(x) => {
                    prop_assert!((x.availability - a).abs() < 1e-12, "service {}: {} vs {}", s, x.availability, a);
                    prop_assert!((x.unavailability - u).abs() < 1e-12, "service {}: {} vs {}", s, x.unavailability, u);
                }
                other => prop_assert!(false, "service {}: {:?}", s, other),
            }
        }
    }
}

#[test]
#[should_panic(expected = "a Trial runs only the plan it was created for")]
fn a_trial_refuses_another_plan() {
    let mut b = ModelBuilder::new("one", 10.0);
    let x = b.component("x", None, None);
    b.service("s", ServiceKind::Logic { expr: Expr::Elem(x) });
    let m = b.build().unwrap();
    let (p1, p2) = (Plan::new(&m), Plan::new(&m));
    let mut trial = Trial::new(&p1);
    let _ = trial.run(&p2, 1, 0, &mut Record::default(), |_, _, _| {});
}

#[test]
fn decimal_capacities_meet_a_demand_they_sum_to() {
    // 8 × 0.1 is 0.7999999999999999 in binary; it must still meet a demand of 0.8.
    let m = crate::common::model(
        r#"{"format": "redsim/1", "name": "cap", "mission": "1000h",
            "components": [{"id": "src"}, {"id": "t", "count": 10, "mtbf": "100h", "mttr": "10h"}],
            "links": [{"between": ["src", "t-*"]}],
            "services": [{"id": "cap", "from": "src", "to": ["t-*"], "capacity": 0.1, "demand": 0.8},
                         {"id": "need", "from": "src", "to": ["t-*"], "need": 8}]}"#,
    );
    let cfg = redsim::engine::RunConfig {
        seed: 4,
        first_trial: 0,
        trials: 500,
        threads: Some(1),
    };
    let tally = redsim::engine::run(&m, &cfg, &|_| {}).unwrap();
    assert_eq!(
        tally.services[0], tally.services[1],
        "capacity 0.1 × 8 ≥ 0.8 is the same as need 8"
    );
}
