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
    threads
);
criterion_main!(benches);
