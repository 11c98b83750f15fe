//! Structural analysis on the bundled scenarios: single points of failure
//! named exactly, exact availability against closed forms and against the
//! simulation, and the `spof` and `exact` commands.

use std::path::Path;

use redsim::analysis::structure::{self, Exact, Structure};
use redsim::model::Model;

use crate::common::{assert_close, simulate};

fn load(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    redsim::scenario::load(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .model
}

fn spof_ids(model: &Model, s: usize) -> Vec<String> {
    Structure::new(model)
        .spofs(s)
        .into_iter()
        .map(|e| model.elements[e].id.clone())
        .collect()
}

fn exact(model: &Model, s: usize) -> f64 {
    match Structure::new(model).exact(s, structure::EXACT_WORK) {
        Exact::Solved(x) => {
            assert!((x.availability + x.unavailability - 1.0).abs() < 1e-12);
            x.availability
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_seed_network_has_no_spof_but_its_server_and_one_firewall_is_one() {
    assert_eq!(spof_ids(&load("seed-network.json"), 0), ["srv"]);
    assert_eq!(
        spof_ids(&load("seed-network-one-firewall.json"), 0),
        ["fw-a", "srv"]
    );
}

#[test]
fn a_feed_that_every_psu_shares_is_named_as_a_spof() {
    let one = load("power-one-feed.json");
    for s in 0..one.services.len() {
        assert_eq!(spof_ids(&one, s), ["feed-a"], "service {}", one.services[s].id);
    }
    let ab = load("power-ab-feeds.json");
    for s in 0..ab.services.len() {
        assert!(spof_ids(&ab, s).is_empty());
    }
}

#[test]
fn exact_availability_matches_closed_forms() {
    let a = |mtbf: f64, mttr: f64| mtbf / (mtbf + mttr);
    // series.json: 0.99 × 0.995 × 0.98.
    assert!((exact(&load("series.json"), 0) - 0.99 * 0.995 * 0.98).abs() < 1e-12);
    // parallel.json: 1 - 0.01².
    let p = a(990.0, 10.0);
    assert!((exact(&load("parallel.json"), 0) - (1.0 - (1.0 - p).powi(2))).abs() < 1e-12);
    // two-of-three.json: 3A² - 2A³.
    let m = load("two-of-three.json");
    let l = m.elements[0].life.as_ref().unwrap();
    let p = a(l.failure.mean(), l.repair.as_ref().unwrap().mean());
    assert!((exact(&m, 0) - (3.0 * p * p - 2.0 * p.powi(3))).abs() < 1e-12);
    // bridge.json: 2p² + 2p³ - 5p⁴ + 2p⁵ with every element at p.
    let m = load("bridge.json");
    let l = m.elements.iter().find_map(|e| e.life.as_ref()).unwrap();
    let p = a(l.failure.mean(), l.repair.as_ref().unwrap().mean());
    let bridge = 2.0 * p.powi(2) + 2.0 * p.powi(3) - 5.0 * p.powi(4) + 2.0 * p.powi(5);
    assert!((exact(&m, 0) - bridge).abs() < 1e-12);
}

#[test]
fn exact_availability_agrees_with_long_simulations_of_the_bundled_scenarios() {
    // Long missions make the start-up transient negligible, so the mission
    // average is the long-run availability the structure gives. These are
    // every bundled scenario that qualifies for an exact value.
    let qualifying = [
        ("series.json", 400),
        ("parallel.json", 2_000),
        ("two-of-three.json", 2_000),
        ("bridge.json", 2_000),
        ("seed-network.json", 1_000),
        ("seed-network-one-firewall.json", 1_000),
        ("power-one-feed.json", 1_000),
        ("power-ab-feeds.json", 2_000),
        ("web-tier-parallel.json", 2_000),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for f in std::fs::read_dir(&dir).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".json") {
            continue;
        }
        let m = load(&name);
        let st = Structure::new(&m);
        if (0..m.services.len()).any(|s| matches!(st.exact(s, structure::RUN_EXACT_WORK), Exact::Solved(_))) {
            assert!(
                qualifying.iter().any(|(n, _)| *n == name),
                "{name} qualifies: add it here"
            );
        }
    }
    for (name, trials) in qualifying {
        let mut m = load(name);
        m.mission = 100.0 * 8760.0;
        let run = simulate(&m, trials, 5);
        for s in 0..m.services.len() {
            assert_close(
                &format!("{name}: {}", m.services[s].id),
                &run.services[s].availability,
                exact(&m, s),
                4.0,
            );
        }
    }
}

#[test]
fn models_that_do_not_qualify_say_why() {
    let crews = load("fleet-one-crew.json");
    match Structure::new(&crews).exact(0, structure::EXACT_WORK) {
        Exact::NotApplicable { reasons } => assert!(reasons[0].contains("crews are limited")),
        other => panic!("{other:?}"),
    }
    let fw = load("firewall-pair-failover.json");
    let why = Structure::new(&fw)
        .exact(0, structure::EXACT_WORK)
        .explanation()
        .unwrap();
    assert!(why.contains("group `fw` has failover delays"), "{why}");
    // The data centre is too large to solve exactly, and says so quickly.
    let dc = load("leaf-spine-dc.json");
    let e = Structure::new(&dc).exact(0, structure::RUN_EXACT_WORK);
    assert!(matches!(e, Exact::TooLarge { .. }), "{e:?}");
    assert!(e.explanation().unwrap().contains("2610 elements"));
}

#[test]
fn failover_exposure_names_the_members_of_a_group_with_failover_delays() {
    let fw = load("firewall-pair-failover.json");
    assert!(spof_ids(&fw, 0).is_empty(), "a pair is redundant");
    let x = structure::failover_exposure(&fw, 0);
    let ids: Vec<&str> = x.iter().map(|e| e.element.as_str()).collect();
    assert_eq!(ids, ["fw-a", "fw-b"]);
    assert!((x[0].mean_outage_hours - 55.0 / 3600.0).abs() < 1e-12);
    assert!((x[0].failed_switch_probability - 0.05).abs() < 1e-12);
    // The instant, perfect parallel pair has no exposure.
    assert!(structure::failover_exposure(&load("web-tier-parallel.json"), 0).is_empty());
}

#[test]
fn the_spof_command_fails_ci_on_a_spof_and_prints_json() {
    let bin = env!("CARGO_BIN_EXE_redsim");
    let scenario = |n: &str| format!("{}/scenarios/{n}", env!("CARGO_MANIFEST_DIR"));
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).output().unwrap();
    let out = run(&[
        "spof",
        &scenario("seed-network-one-firewall.json"),
        "--fail-on-spof",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fw-a (firewall)"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("app: fw-a, srv"));
    let out = run(&[
        "spof",
        &scenario("power-ab-feeds.json"),
        "--fail-on-spof",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["format"], "redsim-spof/1");
    assert_eq!(json["services"][0]["spofs"], serde_json::json!([]));
    assert_eq!(json["services"][0]["exact"]["status"], "solved");
    // Without --fail-on-spof a SPOF is a finding, not a failure.
    let out = run(&["spof", &scenario("seed-network.json")]);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&["exact", &scenario("series.json")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("system: availability 0.965349000000"));
}

#[test]
fn importance_measures_match_their_closed_forms() {
    use redsim::analysis::structure::Ratio;
    let doc = |requires: serde_json::Value| {
        serde_json::json!({"format": "redsim/1", "name": "t",
            "components": [{"id": "a", "mtbf": "90h", "mttr": "10h"}, {"id": "b", "mtbf": "80h", "mttr": "20h"}],
            "services": [{"id": "s", "requires": requires}]})
        .to_string()
    };
    let (qa, qb) = (0.1, 0.2);
    let finite = |r: Ratio| match r {
        Ratio::Finite(x) => x,
        other => panic!("{other:?}"),
    };
    let close = |x: f64, y: f64| assert!((x - y).abs() < 1e-12, "{x} vs {y}");

    // Series: Q = 1 - (1-qa)(1-qb); for a: Q1 = 1, Q0 = qb.
    let m = crate::common::model(&doc(serde_json::json!({"all": ["a", "b"]})));
    let imp = Structure::new(&m).importance(0, structure::EXACT_WORK).unwrap();
    let q = 1.0 - (1.0 - qa) * (1.0 - qb);
    let a = imp.iter().find(|i| i.element == "a").unwrap();
    close(a.unavailability, qa);
    close(a.birnbaum, 1.0 - qb);
    close(finite(a.criticality), (1.0 - qb) * qa / q);
    close(finite(a.risk_achievement_worth), 1.0 / q);
    close(finite(a.risk_reduction_worth), q / qb);
    close(finite(a.fussell_vesely), (q - qb) / q);

    // Parallel: Q = qa·qb; a perfect `a` makes the service perfect: RRW is
    // infinite, not 0, and F-V is 1.
    let m = crate::common::model(&doc(serde_json::json!({"any": ["a", "b"]})));
    let imp = Structure::new(&m).importance(0, structure::EXACT_WORK).unwrap();
    let a = imp.iter().find(|i| i.element == "a").unwrap();
    close(a.birnbaum, qb);
    close(finite(a.risk_achievement_worth), 1.0 / qa);
    assert_eq!(a.risk_reduction_worth, Ratio::Infinite);
    close(finite(a.fussell_vesely), 1.0);
    // Each is critical to every outage of the pair; ties rank by id.
    close(finite(imp[1].criticality), 1.0);
    assert_eq!((imp[0].element.as_str(), imp[1].element.as_str()), ("a", "b"));
    let json = serde_json::to_value(a).unwrap();
    assert_eq!(json["risk_reduction_worth"], "infinite");
}

#[test]
fn the_bridge_has_exactly_its_four_minimal_cut_sets() {
    let m = load("bridge.json");
    let c = Structure::new(&m).cut_sets(0, 3, structure::CUT_WORK);
    assert_eq!(c.complete_to_order, 3);
    assert_eq!(c.count_by_order, [0, 2, 2]);
    let mut sets: Vec<Vec<&str>> = c
        .sets
        .iter()
        .map(|s| {
            let mut v: Vec<&str> = s.elements.iter().map(String::as_str).collect();
            v.sort_unstable();
            v
        })
        .collect();
    sets.sort();
    assert_eq!(
        sets,
        [
            vec!["a-b", "a-t", "s-b"],
            vec!["a-b", "b-t", "s-a"],
            vec!["a-t", "b-t"],
            vec!["s-a", "s-b"]
        ]
    );
    // Ranked by probability: the pairs (0.01²) before the triples (0.01³).
    assert!((c.sets[0].probability - 1e-4).abs() < 1e-15);
    assert_eq!(c.sets[3].elements.len(), 3);
}

#[test]
fn the_data_centre_cut_sets_are_complete_to_order_three_and_a_small_budget_says_how_far_it_got() {
    let dc = load("leaf-spine-dc.json");
    let st = Structure::new(&dc);
    let c = st.cut_sets(0, 3, structure::CUT_WORK);
    assert_eq!(c.complete_to_order, 3);
    // Each leaf carries 36 servers, more than the 35 the web tier can spare.
    assert_eq!(c.count_by_order[0], 32);
    assert_eq!(c.count_by_order.len(), 3);
    assert!(c.sets.iter().all(|s| s.elements.len() <= 3));
    let small = st.cut_sets(0, 3, structure::CUT_WORK / 1000);
    assert!(small.complete_to_order < 3);
    assert_eq!(small.count_by_order.len(), small.complete_to_order);
}

#[test]
fn the_graph_command_writes_dot_with_spofs_groups_and_requirements() {
    let bin = env!("CARGO_BIN_EXE_redsim");
    let scenario = |n: &str| format!("{}/scenarios/{n}", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(bin)
        .args(["graph", &scenario("seed-network-one-firewall.json")])
        .output()
        .unwrap();
    assert!(out.status.success());
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(
        dot.starts_with("graph \"Seed network with a single firewall\" {"),
        "{dot}"
    );
    assert!(
        dot.contains("\"fw-a\" [label=\"fw-a\\n(firewall)\", color=red"),
        "the SPOF is red:\n{dot}"
    );
    assert!(!dot.contains("\"rtr-a\" [label=\"rtr-a\\n(router)\", color=red"));
    assert!(
        dot.contains("\"psu-1\" -- \"feed-a\" [style=dashed, dir=forward"),
        "{dot}"
    );
    // The feeds are failure domains: required by others, in no traffic path.
    assert!(
        dot.contains(r#""feed-a" [label="feed-a\n(feed)", shape=tab"#),
        "{dot}"
    );
    assert!(
        !dot.contains(r#""srv" [label="srv\n(server)", shape=tab"#),
        "{dot}"
    );
    assert!(dot.contains("\"acc-a\" -- \"srv\" [tooltip=\"nic-a\"]"), "{dot}");
    assert!(dot.trim_end().ends_with('}'));

    // A domain is a cluster with what needs it alone: on one feed, every PSU.
    let out = std::process::Command::new(bin)
        .args(["graph", &scenario("power-one-feed.json")])
        .output()
        .unwrap();
    let dot = String::from_utf8(out.stdout).unwrap();
    let cluster = &dot[dot.find("subgraph cluster_domain_0 {").expect("a domain cluster")..];
    let cluster = &cluster[..cluster.find("  }").unwrap()];
    assert!(cluster.contains("label=\"domain feed-a\""), "{dot}");
    assert!(cluster.contains("\"psu-b-1\" ["), "{dot}");
    assert!(
        !cluster.contains("\"srv-1\" ["),
        "a server on two PSUs stays outside:\n{dot}"
    );

    // Groups are clusters.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fw.dot");
    let out = std::process::Command::new(bin)
        .args([
            "graph",
            &scenario("firewall-pair-failover.json"),
            "-o",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let dot = std::fs::read_to_string(&file).unwrap();
    assert!(dot.contains("subgraph cluster_group_0 {"), "{dot}");
    assert!(dot.contains("label=\"group fw (active-passive)\""), "{dot}");

    // An extension that says nothing is refused, with the ones that work.
    let out = std::process::Command::new(bin)
        .args([
            "graph",
            &scenario("series.json"),
            "-o",
            dir.path().join("x.txt").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".svg, .png or .pdf"));
}

/// The exact value of service `s` of a scenario given as JSON.
fn exact_of(doc: serde_json::Value, s: usize) -> Exact {
    let m = crate::common::model(&doc.to_string());
    Structure::new(&m).exact(s, structure::EXACT_WORK)
}

#[test]
fn exact_is_refused_where_the_product_form_does_not_hold() {
    // A member of an active-passive pair named on its own: which member
    // carries depends on history, which the structure does not know.
    let pair = |requires: serde_json::Value| {
        serde_json::json!({"format": "redsim/1", "name": "t",
            "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}, {"id": "b", "mtbf": "100h", "mttr": "1h"}],
            "groups": [{"id": "g", "members": ["a", "b"], "mode": "active-passive"}],
            "services": [{"id": "s", "requires": requires}]})
    };
    let e = exact_of(pair(serde_json::json!("a")), 0);
    let why = e.explanation().unwrap_or_default();
    assert!(
        why.contains("names `a` on its own") && why.contains("group `g`"),
        "{why}"
    );
    // Through the group it is the plain parallel pair.
    assert!(matches!(
        exact_of(pair(serde_json::json!("group:g")), 0),
        Exact::Solved(_)
    ));

    // Fixed failure and repair times keep a pair in step for ever.
    let fixed = serde_json::json!({"format": "redsim/1", "name": "t",
        "components": [{"id": "a", "failure": {"fixed": "100h"}, "repair": {"fixed": "10h"}},
                       {"id": "b", "failure": {"fixed": "100h"}, "repair": {"fixed": "10h"}}],
        "services": [{"id": "s", "requires": {"any": ["a", "b"]}}]});
    let why = exact_of(fixed, 0).explanation().unwrap_or_default();
    assert!(why.contains("fixed failure and repair times"), "{why}");

    // A shock elsewhere in the model does not block a service that does not depend on it.
    let elsewhere = serde_json::json!({"format": "redsim/1", "name": "t",
        "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}, {"id": "x", "mtbf": "100h", "mttr": "1h"},
                       {"id": "y", "mtbf": "100h", "mttr": "1h"}],
        "common_cause": [{"id": "bug", "members": ["x", "y"], "mtbf": "1000h"}],
        "services": [{"id": "s", "requires": "a"}, {"id": "t", "requires": "x"}]});
    assert!(matches!(exact_of(elsewhere.clone(), 0), Exact::Solved(_)));
    assert!(matches!(exact_of(elsewhere, 1), Exact::NotApplicable { .. }));
}

#[test]
fn nines_of_an_exact_power_of_ten_are_not_rounded_down_a_step() {
    // MTBF 999 h, MTTR 1 h: unavailability exactly 0.001, three nines.
    let doc = serde_json::json!({"format": "redsim/1", "name": "t",
        "components": [{"id": "a", "mtbf": "999h", "mttr": "1h"}],
        "services": [{"id": "s", "requires": "a"}]});
    match exact_of(doc, 0) {
        Exact::Solved(x) => {
            assert_eq!(x.unavailability, 0.001);
            assert_eq!(x.nines, Some(3.0));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn outages_begun_by_a_shock_are_charged_to_the_shock() {
    let doc = serde_json::json!({"format": "redsim/1", "name": "t", "mission": "1000h",
        "components": [{"id": "x", "mtbf": "1000000h", "mttr": "1h"}, {"id": "y", "mtbf": "1000000h", "mttr": "1h"}],
        "common_cause": [{"id": "bug", "members": ["x", "y"], "mtbf": "200h"}],
        "services": [{"id": "s", "requires": "y"}]});
    let run = simulate(&crate::common::model(&doc.to_string()), 500, 1);
    let top = &run.services[0].downtime_by_cause[0];
    assert_eq!(top.shock.as_deref(), Some("bug"));
    assert!(top.element.is_none() && top.share > 0.99, "{top:?}");
}

/// `services` services over `n` components `n-1 .. n-N`, each `{"at_least": k, "of": ["n-*"]}`
/// with the `k` given for it: a structure far too large to solve exactly.
fn k_of_n_services(n: usize, ks: &[usize]) -> Model {
    let services: Vec<serde_json::Value> = ks
        .iter()
        .enumerate()
        .map(|(i, k)| serde_json::json!({"id": format!("s{i}"), "requires": {"at_least": k, "of": ["n-*"]}}))
        .collect();
    let doc = serde_json::json!({"format": "redsim/1", "name": "many", "mission": "1y",
        "components": [{"id": "n", "count": n, "mtbf": "1000h", "mttr": "10h"}],
        "services": services});
    crate::common::model(&doc.to_string())
}

#[test]
fn identical_heavy_services_are_analysed_once_within_one_budget() {
    // 300 copies of one structure that no budget solves: the work of one.
    let m = k_of_n_services(60, &[30; 300]);
    let per_service = structure::EXACT_WORK / 100;
    let (exact, work) = structure::exact_all(&m, per_service);
    assert!(work.exact <= per_service, "{work:?}");
    assert!(work.exact > 0, "{work:?}");
    assert!(
        exact
            .iter()
            .all(|e| *e == exact[0] && matches!(e, Exact::TooLarge { .. }))
    );

    let (analysed, work) = structure::analyse_counted(&m, 2, per_service);
    assert!(work.exact <= per_service, "{work:?}");
    assert!(work.cut_sets <= structure::CUT_WORK, "{work:?}");
    assert_eq!(analysed.len(), 300);
    assert!(analysed.iter().enumerate().all(|(i, s)| s.id == format!("s{i}")));
    assert!(
        analysed
            .iter()
            .all(|s| s.exact == analysed[0].exact && s.cut_sets == analysed[0].cut_sets)
    );
}

#[test]
fn distinct_heavy_services_share_one_budget_for_the_command() {
    // Ten different structures, none solvable: together no more than the
    // command's budget, where each used to spend a whole service's.
    let ks: Vec<usize> = (25..35).collect();
    let m = k_of_n_services(60, &ks);
    let per_service = structure::EXACT_WORK / 100;
    let command = per_service * structure::FULL_BUDGET_SERVICES;
    let (_, work) = structure::exact_all(&m, per_service);
    assert!(work.exact <= command, "{work:?}");
    let (_, work) = structure::analyse_counted(&m, 2, per_service);
    assert!(work.exact <= 2 * command, "{work:?}");
    assert!(
        work.cut_sets <= structure::CUT_WORK * structure::FULL_BUDGET_SERVICES,
        "{work:?}"
    );
}

#[test]
fn the_shared_analysis_equals_the_per_service_computation() {
    // Services that repeat one structure, also with operands in another
    // order, and others: each result is the one computed for it alone.
    let doc = serde_json::json!({"format": "redsim/1", "name": "t", "mission": "1y",
        "components": [{"id": "a", "mtbf": "1000h", "mttr": "10h"}, {"id": "b", "mtbf": "2000h", "mttr": "5h"},
                       {"id": "c", "mtbf": "3000h", "mttr": "8h"}, {"id": "d", "mtbf": "500h", "mttr": "1h"},
                       {"id": "n", "count": 6, "mtbf": "800h", "mttr": "4h"}],
        "links": [{"between": ["a", "b"]}, {"between": ["b", "c"]}, {"between": ["a", "d"]}, {"between": ["d", "c"]}],
        "services": [
            {"id": "s0", "requires": {"all": ["a", {"any": ["b", "c"]}]}},
            {"id": "s1", "requires": {"all": [{"any": ["c", "b"]}, "a"]}},
            {"id": "s2", "requires": {"at_least": 2, "of": ["a", "b", "d"]}},
            {"id": "s3", "requires": {"all": ["a", {"any": ["b", "c"]}]}},
            {"id": "s4", "from": "a", "to": ["c"], "need": 1},
            {"id": "s5", "requires": {"at_least": 4, "of": ["n-*"]}},
            {"id": "s6", "from": "a", "to": ["c"], "need": 1},
            {"id": "s7", "requires": "d"}]});
    let m = crate::common::model(&doc.to_string());
    let st = Structure::new(&m);
    let (analysed, _) = structure::analyse_counted(&m, 3, structure::EXACT_WORK);
    let (exact, _) = structure::exact_all(&m, structure::EXACT_WORK);
    for (s, got) in analysed.iter().enumerate() {
        assert_eq!(got.id, m.services[s].id);
        let alone = st.exact(s, structure::EXACT_WORK);
        assert!(matches!(alone, Exact::Solved(_)), "{alone:?}");
        assert_eq!(got.exact, alone, "service {s}");
        assert_eq!(exact[s], alone, "service {s}");
        let spofs: Vec<&str> = st
            .spofs(s)
            .into_iter()
            .map(|e| m.elements[e].id.as_str())
            .collect();
        assert_eq!(
            got.spofs.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(),
            spofs,
            "service {s}"
        );
        assert_eq!(
            got.cut_sets,
            st.cut_sets(s, 3, structure::CUT_WORK),
            "service {s}"
        );
        assert_eq!(
            got.importance,
            st.importance(s, structure::EXACT_WORK).unwrap(),
            "service {s}"
        );
    }
}

#[test]
fn the_incremental_spof_search_agrees_with_removal_on_every_bundled_scenario() {
    // Groups, maintenance, units, capacities and requirements included
    // (the random models of the brute-force property test have none of the first).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for f in std::fs::read_dir(&dir).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        if !name.ends_with(".json") {
            continue;
        }
        let m = load(&name);
        let st = Structure::new(&m);
        for s in 0..m.services.len() {
            assert_eq!(
                st.spofs(s),
                st.spofs_by_removal(s),
                "{name}: {}",
                m.services[s].id
            );
        }
    }
}

#[test]
fn the_spof_search_pays_once_per_distinct_structure_and_never_for_other_services() {
    // The data centre's two services (distinct structures) copied 40 times
    // under new ids: 80 services, 2 structures.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/leaf-spine-dc.json");
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let base = v["services"].as_array().unwrap().clone();
    let copies: Vec<serde_json::Value> = (0..40)
        .flat_map(|i| {
            base.iter().map(move |s| {
                let mut s = s.clone();
                s["id"] = format!("{}-{i}", s["id"].as_str().unwrap()).into();
                s
            })
        })
        .collect();
    v["services"] = copies.into();
    let many = crate::common::model(&v.to_string());
    let two = load("leaf-spine-dc.json");
    let expected: Vec<Vec<usize>> = (0..2).map(|s| Structure::new(&two).spofs(s)).collect();
    assert!(!expected[0].is_empty(), "the search has something to find");

    let st = Structure::new(&many);
    let all = st.spofs_all();
    assert_eq!(all.len(), 80);
    for (s, found) in all.iter().enumerate() {
        assert_eq!(found, &expected[s % 2], "{}", many.services[s].id);
    }
    // One probe per distinct structure, each evaluating its service alone.
    assert_eq!(st.probed_services(), 2);

    // One service asked about: one service evaluated, not 80.
    let st = Structure::new(&many);
    assert_eq!(st.spofs(79), expected[1]);
    assert_eq!(st.probed_services(), 1);

    // Only the services wanted are searched.
    let st = Structure::new(&many);
    let mut wanted = vec![false; 80];
    wanted[3] = true;
    wanted[41] = true;
    let some = st.spofs_where(&wanted);
    assert_eq!(some[3], expected[1]);
    assert_eq!(some[41], expected[1]);
    assert!(some[0].is_empty() && some[2].is_empty());
    assert_eq!(st.probed_services(), 1);
}

#[test]
fn graph_service_draws_only_what_that_service_depends_on_and_its_own_spofs() {
    // `web` needs lb and one of two servers; `db` needs its own disk. Both
    // sit on feed `pwr` (a requirement). lb is web's SPOF, disk is db's.
    let doc = r#"{"format": "redsim/1", "name": "two", "mission": "1y",
      "components": [
        {"id": "pwr", "kind": "feed", "mtbf": "10000h", "mttr": "4h"},
        {"id": "lb", "mtbf": "10000h", "mttr": "4h", "requires": "pwr"},
        {"id": "web", "count": 2, "mtbf": "10000h", "mttr": "4h", "requires": "pwr"},
        {"id": "disk", "mtbf": "10000h", "mttr": "4h", "requires": "pwr"}
      ],
      "services": [
        {"id": "shop", "requires": {"all": ["lb", {"any": ["web-1", "web-2"]}]}},
        {"id": "db", "requires": "disk"}
      ]}"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.json");
    std::fs::write(&file, doc).unwrap();
    let graph = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
            .arg("graph")
            .arg(&file)
            .args(args)
            .output()
            .unwrap();
        crate::common::assert_exit(&out, 0);
        String::from_utf8(out.stdout).unwrap()
    };
    let red = |dot: &str, id: &str| dot.contains(&format!("\"{id}\" [label=\"{id}\", color=red"));
    let all = graph(&[]);
    assert!(red(&all, "lb") && red(&all, "disk"), "{all}");
    let shop = graph(&["--service", "shop"]);
    assert!(shop.starts_with("graph \"two: service shop\" {"), "{shop}");
    for id in ["lb", "web-1", "web-2"] {
        assert!(shop.contains(&format!("\"{id}\" [")), "{id} missing:\n{shop}");
    }
    assert!(red(&shop, "lb"), "{shop}");
    assert!(!shop.contains("\"disk\""), "db's disk is not shop's:\n{shop}");
    // The feed both need is shop's too (and its single point of failure).
    assert!(
        shop.contains("\"lb\" -- \"pwr\" [style=dashed, dir=forward"),
        "{shop}"
    );
    let db = graph(&["--service", "db"]);
    assert!(
        red(&db, "disk") && !db.contains("\"lb\"") && !db.contains("\"web-1\""),
        "{db}"
    );
    // Without requirement arrows, nothing is dashed and directed.
    let bare = graph(&["--hide-requirements"]);
    assert!(!bare.contains("dir=forward"), "{bare}");
    assert!(bare.contains("\"lb\" [") && bare.contains("\"disk\" ["), "{bare}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
        .arg("graph")
        .arg(&file)
        .args(["--service", "nope"])
        .output()
        .unwrap();
    crate::common::assert_exit(&out, 2);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no service `nope` in the scenario (services: shop, db)")
    );
}

/// A reachability service from `r` to `t` over a loop (r-a-s and r-s), with
/// a branch off `s` (to `u`, then a loop u-v-w) that no path to `t` uses,
/// and a second service, `perfect`, whose path never fails while the
/// branch does.
const BRANCH: &str = r#"{"format": "redsim/1", "name": "branch", "mission": "1y",
    "components": [{"id": "r"}, {"id": "a", "mtbf": "900h", "mttr": "4h"},
                   {"id": "s", "mtbf": "1000h", "mttr": "4h"}, {"id": "t", "mtbf": "2000h", "mttr": "4h"},
                   {"id": "u", "mtbf": "500h", "mttr": "4h"}, {"id": "v", "mtbf": "500h", "mttr": "4h"},
                   {"id": "w", "mtbf": "500h", "mttr": "4h", "requires": "pdu"},
                   {"id": "pdu", "mtbf": "800h", "mttr": "4h"}, {"id": "p"}, {"id": "q"}],
    "links": [{"between": ["r", "a"], "mtbf": "5000h", "mttr": "2h"},
              {"between": ["a", "s"], "mtbf": "5000h", "mttr": "2h"},
              {"between": ["r", "s"], "mtbf": "5000h", "mttr": "2h"},
              {"between": ["s", "t"]},
              {"between": ["s", "u"], "mtbf": "5000h", "mttr": "2h"},
              {"between": ["u", "v"]}, {"between": ["v", "w"]}, {"between": ["w", "u"]},
              {"between": ["p", "q"]}, {"between": ["q", "u"], "mtbf": "5000h", "mttr": "2h"}],
    "services": [{"id": "st", "from": "r", "to": ["t"]},
                 {"id": "perfect", "from": "p", "to": ["q"]}]}"#;

#[test]
fn spof_lists_only_what_lies_on_some_path_of_a_reachability_service() {
    let model = crate::common::model(BRANCH);
    let st = Structure::new(&model);
    let ids = |s: usize| -> Vec<String> {
        st.relevant(s)
            .into_iter()
            .map(|e| model.elements[e].id.clone())
            .collect()
    };
    let mut on_path = ids(0);
    on_path.sort();
    assert_eq!(on_path, ["a", "a--s", "r--a", "r--s", "s", "t"]);
    assert!(ids(1).is_empty(), "{:?}", ids(1));
    // The exact value is the same with the branch left out.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("branch.json");
    std::fs::write(&file, BRANCH).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(["spof", file.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = |s: usize| -> Vec<String> {
        let mut v: Vec<String> = json["services"][s]["importance"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["element"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(rows(0), on_path);
    assert!(rows(1).is_empty(), "{}", json["services"][1]);
    assert_eq!(json["services"][1]["exact"]["availability"], 1.0);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(["spof", file.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("undefined"), "{text}");
    assert!(!text.contains("\n    u "), "{text}");
}
