//! Engine speed: nanoseconds per event on the reference model, the leaf-spine
//! data centre, and scaling with threads. Results and the command are in
//! docs/performance.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use redsim::engine::{self, Plan, RunConfig, Tally, Trial};
use redsim::model::Model;

/// The reference model (`benches/reference.json`): two parallel branches of
/// ten components in series, exponential MTBF 50,000 h and MTTR 8 h, mission
/// 87,600 h (about 70 events a trial).
pub fn reference_model() -> Model {
    reference_with(serde_json::json!({}))
}

/// The reference model with extra top-level scenario keys (e.g. crews, shocks).
fn reference_with(extra: serde_json::Value) -> Model {
    let path = format!("{}/benches/reference.json", env!("CARGO_MANIFEST_DIR"));
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("benches/reference.json")).expect("JSON");
    let obj = doc.as_object_mut().expect("an object");
    obj.extend(extra.as_object().expect("an object").clone());
    redsim::scenario::parse(&doc.to_string()).expect("reference model is valid")
}

fn load(path: &str) -> Model {
    redsim::scenario::load(std::path::Path::new(&format!(
        "{}/{path}",
        env!("CARGO_MANIFEST_DIR")
    )))
    .expect("bundled scenario loads")
    .model
}

/// Runs `trials` trials on one thread with reused state; returns the events simulated.
fn one_core(plan: &Plan, trials: u64, trial: &mut Trial, seed: u64) -> u64 {
    let mut tally = Tally::new(plan.n_services());
    for i in 0..trials {
        engine::run_one(plan, seed, i, trial, &mut tally).expect("no runaway trial");
    }
    tally.events
}

fn per_event(c: &mut Criterion, name: &str, model: &Model, trials: u64) {
    let plan = Plan::new(model);
    let mut trial = Trial::new(&plan);
    let events = one_core(&plan, trials, &mut trial, 1);
    let mut g = c.benchmark_group("one-core");
    g.throughput(Throughput::Elements(events));
    g.bench_function(name, |b| {
        b.iter(|| black_box(one_core(&plan, trials, &mut trial, 1)))
    });
    g.finish();
}

fn reference(c: &mut Criterion) {
    per_event(c, "reference", &reference_model(), 1000);
}

/// The reference model with one repair crew and a common-cause shock on
/// each branch's first two components: the general engine's costs.
fn reference_general(c: &mut Criterion) {
    let extra = serde_json::json!({"repair": {"crews": 1}, "common_cause": [
        {"id": "shock-a", "members": ["a-1", "a-2"], "mtbf": "500000h"},
        {"id": "shock-b", "members": ["b-1", "b-2"], "mtbf": "500000h"}]});
    per_event(c, "reference-crew-shocks", &reference_with(extra), 1000);
}

/// `benches/reference-groups.json`: the reference hardware as ten
/// active-passive pairs in series (`a-k` active, `b-k` hot standby; 30 s
/// detection, 60 s switchover), one repair crew and the two shocks: groups,
/// crews and shocks together.
fn reference_groups_model() -> Model {
    load("benches/reference-groups.json")
}

fn reference_groups(c: &mut Criterion) {
    per_event(c, "reference-groups-crew", &reference_groups_model(), 1000);
}

fn data_centre(c: &mut Criterion) {
    per_event(c, "leaf-spine-dc", &load("scenarios/leaf-spine-dc.json"), 20);
}

/// The reference model written as a network: `src`, two chains of ten
/// components (`a-1`..`a-10`, `b-1`..`b-10`) and `dst`, joined by 22 perfect
/// links; one service from `src` to `dst`. The same failures and repairs as
/// `reference`, so the two ns/event figures compare the reachability engine
/// with the logical one.
fn reference_links_model() -> Model {
    let mut links = Vec::new();
    for branch in ["a", "b"] {
        links.push(serde_json::json!({"between": ["src", format!("{branch}-1")]}));
        for i in 1..10 {
            links.push(
                serde_json::json!({"between": [format!("{branch}-{i}"), format!("{branch}-{}", i + 1)]}),
            );
        }
        links.push(serde_json::json!({"between": [format!("{branch}-10"), "dst"]}));
    }
    let doc = serde_json::json!({
        "format": "redsim/1", "name": "reference model with links", "mission": "87600h",
        "templates": {"c": {"mtbf": "50000h", "mttr": "8h"}},
        "components": [
            {"id": "src", "kind": "external"}, {"id": "dst", "kind": "external"},
            {"id": "a", "count": 10, "template": "c"}, {"id": "b", "count": 10, "template": "c"}],
        "links": links,
        "services": [{"id": "s", "from": "src", "to": ["dst"]}]
    });
    redsim::scenario::parse(&doc.to_string()).expect("valid")
}

fn reference_links(c: &mut Criterion) {
    per_event(c, "reference-links", &reference_links_model(), 1000);
}

/// A storage cluster: 32 racks of 48 nodes (1,536), two switches per rack,
/// both uplinked to the core router; each node linked to both switches of its
/// rack (`dual`) or to the first only. Nodes, switches and node links fail;
/// the service needs 1,490 of the 1,536 nodes reachable from the router.
fn storage_model(dual: bool) -> Model {
    let mut components = vec![serde_json::json!({"id": "core", "kind": "external"})];
    let mut links = Vec::new();
    for r in 1..=32 {
        components.push(serde_json::json!({"id": format!("r{r}-sw"), "count": 2, "template": "switch"}));
        components.push(serde_json::json!({"id": format!("r{r}-node"), "count": 48, "template": "node"}));
        links.push(serde_json::json!({"between": ["core", format!("r{r}-sw-*")]}));
        let switches = if dual {
            format!("r{r}-sw-*")
        } else {
            format!("r{r}-sw-1")
        };
        links.push(serde_json::json!({"between": [switches, format!("r{r}-node-*")], "template": "nic"}));
    }
    let doc = serde_json::json!({
        "format": "redsim/1", "name": "storage cluster", "mission": "8760h",
        "templates": {
            "switch": {"kind": "switch", "mtbf": "150000h", "mttr": "6h"},
            "node": {"kind": "server", "mtbf": "50000h", "mttr": "8h"},
            "nic": {"kind": "nic", "mtbf": "200000h", "mttr": "4h"}},
        "components": components,
        "links": links,
        "services": [{"id": "storage", "from": "core", "to": ["r*-node-*"], "need": 1490}]
    });
    redsim::scenario::parse(&doc.to_string()).expect("valid")
}

fn storage(c: &mut Criterion) {
    per_event(c, "storage-dual-homed", &storage_model(true), 10);
    per_event(c, "storage-single-homed", &storage_model(false), 10);
}

/// The bundled generator's leaf-spine data centre with `leaves` leaves of 36 servers.
fn leaf_spine_model(leaves: u32) -> Model {
    let script = format!("{}/scenarios/gen_leaf_spine.py", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .args([
            script.as_str(),
            "--leaves",
            &leaves.to_string(),
            "--servers-per-leaf",
            "36",
            "-o",
            "-",
        ])
        .output()
        .expect("python3 runs the bundled generator");
    assert!(out.status.success(), "gen_leaf_spine.py failed");
    redsim::scenario::parse(std::str::from_utf8(&out.stdout).expect("UTF-8")).expect("valid")
}

/// ns/event against size: 288 to 18,432 servers.
fn leaf_spine(c: &mut Criterion) {
    for leaves in [8u32, 32, 128, 512] {
        let trials = u64::from((640 / leaves).max(1));
        per_event(
            c,
            &format!("leaf-spine-{leaves}"),
            &leaf_spine_model(leaves),
            trials,
        );
    }
}

fn threads(c: &mut Criterion) {
    let model = reference_model();
    let mut g = c.benchmark_group("threads");
    let trials = 20_000;
    for threads in [1usize, 2] {
        let cfg = RunConfig {
            seed: 1,
            first_trial: 0,
            trials,
            threads: Some(threads),
        };
        g.throughput(Throughput::Elements(trials));
        g.bench_function(format!("reference-{threads}"), |b| {
            b.iter(|| black_box(engine::run(&model, &cfg, &|_| {}).expect("pool")))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    reference,
    reference_general,
    reference_groups,
    data_centre,
    reference_links,
    storage,
    leaf_spine,
    threads
);
criterion_main!(benches);
