//! Shared helpers: build a model from JSON text, simulate it, and compare
//! estimates with exact values.

use redsim::analysis::{self, Estimate, RunSummary};
use redsim::engine::{self, RunConfig};
use redsim::model::Model;

/// Parses scenario JSON text, panicking with every problem if it is invalid.
pub fn model(json: &str) -> Model {
    match redsim::scenario::parse(json) {
        Ok(m) => m,
        Err(problems) => {
            let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
            panic!("invalid test scenario:\n{}", list.join("\n"))
        }
    }
}

/// Simulates `trials` trials at `seed` and summarises at 95 %.
pub fn simulate(model: &Model, trials: u64, seed: u64) -> RunSummary {
    let cfg = RunConfig {
        seed,
        first_trial: 0,
        trials,
        threads: None,
    };
    let tally = engine::run(model, &cfg, &|_| {}).expect("thread pool");
    analysis::summarize(model, &tally, 0.95)
}

/// Asserts that `exact` lies within `k` standard errors of the estimate and
/// inside its confidence interval.
#[track_caller]
pub fn assert_close(what: &str, est: &Estimate, exact: f64, k: f64) {
    let se = est.std_error.expect("an estimate with a standard error");
    assert!(
        se > 0.0,
        "{what}: zero standard error, the test cannot tell anything ({est:?})"
    );
    let z = (est.point - exact) / se;
    assert!(
        z.abs() <= k,
        "{what}: estimate {} is {z:.2} standard errors from the exact {exact} (se {se})",
        est.point
    );
    assert!(
        est.ci_low <= exact && exact <= est.ci_high,
        "{what}: exact {exact} outside the {} CI [{}, {}]",
        est.confidence,
        est.ci_low,
        est.ci_high
    );
}

/// Asserts that `exact` lies inside the interval of an estimate without a standard error (Wilson).
#[track_caller]
pub fn assert_in_ci(what: &str, est: &Estimate, exact: f64) {
    assert!(
        est.ci_low <= exact && exact <= est.ci_high,
        "{what}: exact {exact} outside the {} CI [{}, {}] (point {})",
        est.confidence,
        est.ci_low,
        est.ci_high,
        est.point
    );
}
