//! The CI gate's numbers (issue 12): the bundled two-region designs estimated
//! with failure biasing to a 95 % relative half-width of 10 %, through the
//! full parallel runner, as `redsim run FILE --rare on --trials N` does.
//! Results and the command are in docs/performance.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use redsim::analysis;
use redsim::engine::{self, RareOptions, RunConfig};
use redsim::model::Model;

fn load(name: &str) -> Model {
    let path = format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"));
    redsim::scenario::load(std::path::Path::new(&path))
        .expect("bundled scenario loads")
        .model
}

/// Trials for a 10 % relative half-width at the default seed and options
/// (tests/integration/two_region.rs asserts it).
const DESIGNS: [(&str, u64); 2] = [("two-region.json", 400_000), ("two-region-lean.json", 40_000)];

fn rare_to_ten_percent(c: &mut Criterion) {
    let mut g = c.benchmark_group("ci-gate");
    for (name, trials) in DESIGNS {
        let model = load(name);
        let cfg = RunConfig {
            seed: engine::DEFAULT_SEED,
            first_trial: 0,
            trials,
            threads: None,
        };
        let run = || {
            let parts =
                engine::run_rare(&model, &cfg, &RareOptions::default(), &[], &|_| {}).expect("thread pool");
            analysis::summarize(&model, &parts[0], 0.95)
        };
        let rel = run().services[0].relative_error.expect("a relative error");
        assert!(
            rel <= 0.10,
            "{name}: relative half-width {rel} at {trials} trials"
        );
        g.bench_function(format!("{name} --rare on, {trials} trials"), |b| {
            b.iter(|| black_box(run()))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    // Runs of a second or more: ten samples are enough, and criterion's
    // plots are left out (they need a system font, which CI machines lack).
    config = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .without_plots();
    targets = rare_to_ten_percent
}
criterion_main!(benches);
