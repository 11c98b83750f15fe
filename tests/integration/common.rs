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

/// Simulates `trials` trials at `seed` with failure biasing (default
/// settings) and summarises at 95 %.
pub fn simulate_rare(model: &Model, trials: u64, seed: u64) -> RunSummary {
    let cfg = RunConfig {
        seed,
        first_trial: 0,
        trials,
        threads: None,
    };
    let parts =
        engine::run_rare(model, &cfg, &engine::RareOptions::default(), &[], &|_| {}).expect("thread pool");
    analysis::summarize(model, &parts[0], 0.95)
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

/// Asserts that `got` is within relative `tol` of `want`.
#[track_caller]
pub fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        ((got - want) / want).abs() < tol,
        "{what}: {got} vs {want} (relative {:e})",
        (got - want) / want
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

/// `e^A` for a square matrix: scaling and squaring with a 30-term Taylor
/// series (Moler & Van Loan, "Nineteen dubious ways to compute the
/// exponential of a matrix", SIAM Rev. 45:3, 2003, method 3).
pub fn expm(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mul = |x: &[Vec<f64>], y: &[Vec<f64>]| -> Vec<Vec<f64>> {
        (0..n)
            .map(|i| (0..n).map(|j| (0..n).map(|k| x[i][k] * y[k][j]).sum()).collect())
            .collect()
    };
    let norm = a
        .iter()
        .map(|r| r.iter().map(|x| x.abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let s = (norm / 0.5).log2().ceil().max(0.0) as i32;
    let a: Vec<Vec<f64>> = a
        .iter()
        .map(|r| r.iter().map(|x| x * 2f64.powi(-s)).collect())
        .collect();
    let mut result: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let mut term = result.clone();
    for k in 1..=30 {
        term = mul(&term, &a)
            .into_iter()
            .map(|r| r.into_iter().map(|x| x / k as f64).collect())
            .collect();
        for (ri, ti) in result.iter_mut().zip(&term) {
            for (r, t) in ri.iter_mut().zip(ti) {
                *r += t;
            }
        }
    }
    for _ in 0..s {
        result = mul(&result, &result);
    }
    result
}

/// Exact mission averages of a continuous-time Markov chain started in state 0.
pub struct ChainAverages {
    /// Mean fraction of the mission spent in up states.
    pub availability: f64,
    /// Expected number of entries into down states (plus one if state 0 is down).
    pub outages: f64,
}

/// The occupation integrals `∫_0^t p_j(s) ds` of a chain with generator `q`
/// started in state 0, each read directly (the top-right block of
/// `exp([[Q, I], [0, 0]]·t)`), so that a rare state's keeps its digits.
pub fn occupations<R: AsRef<[f64]>>(q: &[R], t: f64) -> Vec<f64> {
    let n = q.len();
    let mut m = vec![vec![0.0; 2 * n]; 2 * n];
    for (i, (row, qi)) in m.iter_mut().zip(q).enumerate() {
        for (x, &r) in row.iter_mut().zip(qi.as_ref()) {
            *x = r * t;
        }
        row[n + i] = t;
    }
    let e = expm(&m);
    (0..n).map(|j| e[0][n + j]).collect()
}

/// Solves the chain with generator `q` over a mission of `t` hours:
/// the occupation integrals `∫_0^t p(s) ds` are the top-right block of
/// `exp([[Q, I], [0, 0]] t)`.
pub fn mission_averages(q: &[Vec<f64>], up: &[bool], t: f64) -> ChainAverages {
    let n = q.len();
    let occupation = occupations(q, t);
    let availability = (0..n).filter(|&j| up[j]).map(|j| occupation[j]).sum::<f64>() / t;
    let mut outages = if up[0] { 0.0 } else { 1.0 };
    for i in (0..n).filter(|&i| up[i]) {
        for j in (0..n).filter(|&j| !up[j]) {
            outages += occupation[i] * q[i][j];
        }
    }
    ChainAverages {
        availability,
        outages,
    }
}

/// Problems as a bulleted list, for assertion messages.
pub fn listing(ps: &[redsim::scenario::Problem]) -> String {
    ps.iter().map(|p| format!("  - {p}\n")).collect()
}

/// The problems found in a scenario that must be invalid.
#[track_caller]
pub fn problems_in(text: &str) -> Vec<redsim::scenario::Problem> {
    match redsim::scenario::parse(text) {
        Ok(_) => panic!("accepted an invalid scenario:\n{text}"),
        Err(ps) => {
            assert!(!ps.is_empty(), "rejected with no problem listed");
            ps
        }
    }
}

/// Sets the value at a JSON pointer, creating the last key (or appending to a
/// list, for the index just past its end) if needed.
pub fn set(v: &mut serde_json::Value, ptr: &str, to: serde_json::Value) {
    if let Some(x) = v.pointer_mut(ptr) {
        *x = to;
        return;
    }
    let (parent, key) = ptr.rsplit_once('/').expect("a JSON pointer");
    match v.pointer_mut(parent) {
        Some(serde_json::Value::Object(o)) => {
            o.insert(key.to_string(), to);
        }
        Some(serde_json::Value::Array(a)) if key.parse() == Ok(a.len()) => a.push(to),
        _ => panic!("cannot set {ptr}"),
    }
}

/// Removes the key at a JSON pointer.
pub fn remove(v: &mut serde_json::Value, ptr: &str) {
    let (parent, key) = ptr.rsplit_once('/').expect("a JSON pointer");
    let removed = v
        .pointer_mut(parent)
        .and_then(serde_json::Value::as_object_mut)
        .and_then(|o| o.remove(key));
    assert!(removed.is_some(), "nothing at {ptr}");
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts a command's exit code, showing both its outputs when it differs.
#[track_caller]
pub fn assert_exit(out: &std::process::Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "exit status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
}
