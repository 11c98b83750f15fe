//! Failure biasing (`run --rare on`) to a 10 % relative half-width: the
//! 1-of-3 hot-standby set and the 2-of-4 group with a shock of
//! `tests/integration/rare.rs`, each at unavailabilities of about 1e-6,
//! 1e-8 and 1e-10, and the 1-of-3 set over one day (failure forcing), on
//! all cores. Each benchmark times one whole run
//! (`engine::run_rare` and its summary) at the trial count that reaches
//! the precision, and prints the relative half-width it reached. Results
//! and the command are in docs/performance.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use redsim::analysis::{self, RunSummary};
use redsim::engine::{self, RareOptions, RunConfig};
use redsim::model::Model;

/// The 1-of-3 hot-standby set: three exponential elements (MTBF 1000 h),
/// one crew, up while one is, 2000 h mission.
fn one_of_three(mttr: f64) -> Model {
    parse(&format!(
        r#"{{"format": "redsim/1", "name": "1-of-3", "mission": "2000h", "repair": {{"crews": 1}},
            "components": [{{"id": "c", "count": 3, "mtbf": "1000h", "mttr": {mttr}}}],
            "services": [{{"id": "s", "requires": {{"at_least": 1, "of": ["c-1", "c-2", "c-3"]}}}}]}}"#
    ))
}

/// The 2-of-4 group with a shock: four exponential members (MTBF 1000 h),
/// one crew, up while two are, and a shock every 2000 h on average that
/// fails `c-1` and `c-2`; 2000 h mission.
fn two_of_four_shock(mttr: f64) -> Model {
    parse(&format!(
        r#"{{"format": "redsim/1", "name": "2-of-4 + shock", "mission": "2000h", "repair": {{"crews": 1}},
            "components": [{{"id": "c", "count": 4, "mtbf": "1000h", "mttr": {mttr}}}],
            "common_cause": [{{"id": "surge", "members": ["c-1", "c-2"], "mtbf": "2000h", "probability": 1}}],
            "services": [{{"id": "s", "requires": {{"at_least": 2, "of": ["c-1", "c-2", "c-3", "c-4"]}}}}]}}"#
    ))
}

/// The 1-of-3 set (MTTR 5.5 h) over a one-day mission: failure forcing's
/// regime, where plain trials and balanced biasing alone almost never
/// leave the all-up state.
fn one_of_three_one_day() -> Model {
    parse(
        r#"{"format": "redsim/1", "name": "1-of-3, 1 day", "mission": "24h", "repair": {"crews": 1},
            "components": [{"id": "c", "count": 3, "mtbf": "1000h", "mttr": 5.5}],
            "services": [{"id": "s", "requires": {"at_least": 1, "of": ["c-1", "c-2", "c-3"]}}]}"#,
    )
}

fn parse(json: &str) -> Model {
    redsim::scenario::parse(json).expect("a valid scenario")
}

/// One `--rare on` run with the default settings, summarised at 95 %.
fn rare(model: &Model, trials: u64) -> RunSummary {
    let cfg = RunConfig {
        seed: engine::DEFAULT_SEED,
        first_trial: 0,
        trials,
        threads: None,
    };
    let parts = engine::run_rare(model, &cfg, &RareOptions::default(), &[], &|_| {}).expect("thread pool");
    analysis::summarize(model, &parts[0], 0.95)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("rare");
    // A run takes up to a few seconds: ten of them are enough to time it.
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let cases = [
        ("1-of-3-1e-6", one_of_three(5.5), 11_000),
        ("1-of-3-1e-8", one_of_three(1.2), 11_000),
        ("1-of-3-1e-10", one_of_three(0.255), 11_000),
        ("2-of-4-shock-1e-6", two_of_four_shock(0.7), 170_000),
        ("2-of-4-shock-1e-8", two_of_four_shock(0.07), 170_000),
        ("2-of-4-shock-1e-10", two_of_four_shock(0.007), 170_000),
        ("1-of-3-1-day", one_of_three_one_day(), 70_000),
    ];
    for (name, model, trials) in &cases {
        let run = rare(model, *trials);
        let s = &run.services[0];
        eprintln!(
            "{name}: {trials} trials, unavailability {:.3e}, relative half-width {:.1} %",
            1.0 - s.availability.point,
            100.0 * s.relative_error.unwrap_or(f64::INFINITY)
        );
        g.bench_function(*name, |b| b.iter(|| black_box(rare(model, *trials))));
    }
    g.finish();
}

criterion_group! {
    name = benches;
    // Criterion's plots need a system font this machine may not have; the
    // numbers are what docs/performance.md records.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
