//! Common-cause shocks against exact answers: a beta-factor pair, solved as
//! a four-state Markov chain in the test.

use serde_json::json;

use crate::common::{assert_close, model, simulate};

/// `e^A` by scaling and squaring with a Taylor series (Moler & Van Loan 2003).
fn expm(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
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

/// Mission-average availability and expected outages of a chain started in state 0.
fn solve(q: &[Vec<f64>], up: &[bool], t: f64) -> (f64, f64) {
    let n = q.len();
    let mut m = vec![vec![0.0; 2 * n]; 2 * n];
    for i in 0..n {
        for j in 0..n {
            m[i][j] = q[i][j] * t;
        }
        m[i][n + i] = t;
    }
    let e = expm(&m);
    let occ: Vec<f64> = (0..n).map(|j| e[0][n + j]).collect();
    let availability = (0..n).filter(|&j| up[j]).map(|j| occ[j]).sum::<f64>() / t;
    let mut outages = 0.0;
    for i in (0..n).filter(|&i| up[i]) {
        for j in (0..n).filter(|&j| !up[j]) {
            outages += occ[i] * q[i][j];
        }
    }
    (availability, outages)
}

/// A pair under the beta-factor model: each member fails alone at rate
/// (1 - β)λ, and a shock at rate βλ fails every member that is up. States:
/// 0 both up, 1 only a up, 2 only b up, 3 both down. Unlimited repair at rate μ.
fn beta_pair(lambda: f64, mu: f64, beta: f64) -> Vec<Vec<f64>> {
    let (ind, sh) = ((1.0 - beta) * lambda, beta * lambda);
    let mut q = vec![
        vec![0.0, ind, ind, sh],
        vec![mu, 0.0, 0.0, ind + sh],
        vec![mu, 0.0, 0.0, ind + sh],
        vec![0.0, mu, mu, 0.0],
    ];
    for (i, row) in q.iter_mut().enumerate() {
        row[i] = -row.iter().sum::<f64>();
    }
    q
}

fn pair_scenario(t: f64, mtbf_alone: f64, mttr: f64, shock: Option<(f64, f64)>) -> String {
    let common = match shock {
        Some((mtbf, p)) => {
            json!([{"id": "firmware-bug", "members": ["fw-*"], "mtbf": mtbf, "probability": p}])
        }
        None => json!([]),
    };
    json!({
        "format": "redsim/1", "name": "beta pair", "mission": t,
        "components": [{"id": "fw", "count": 2, "mtbf": mtbf_alone, "mttr": mttr}],
        "common_cause": common,
        "services": [{"id": "pair", "requires": {"any": ["fw-*"]}}]
    })
    .to_string()
}

#[test]
fn a_beta_factor_pair_matches_its_chain() {
    let (t, lambda, mu, beta) = (3000.0, 1.0 / 200.0, 1.0 / 20.0, 0.1);
    let (a, n) = solve(&beta_pair(lambda, mu, beta), &[true, true, true, false], t);
    let text = pair_scenario(
        t,
        1.0 / ((1.0 - beta) * lambda),
        20.0,
        Some((1.0 / (beta * lambda), 1.0)),
    );
    let run = simulate(&model(&text), 20_000, 21);
    let s = &run.services[0];
    assert!(s.outages_observed > 1000);
    assert_close("beta pair: availability", &s.availability, a, 4.0);
    assert_close("beta pair: outages", &s.outages_per_mission, n, 4.0);

    // The shock matters: without it (same total rate per member) the pair is far better.
    let (a0, _) = solve(&beta_pair(lambda, mu, 0.0), &[true, true, true, false], t);
    assert!(a0 - a > 10.0 * s.availability.std_error.unwrap());
    let run0 = simulate(&model(&pair_scenario(t, 200.0, 20.0, None)), 20_000, 21);
    assert_close("independent pair", &run0.services[0].availability, a0, 4.0);
}

#[test]
fn a_shock_that_fails_each_member_half_the_time_matches_its_chain() {
    // p = 0.5: from "both up" a shock fails both (1/4), one of them (1/4 each) or none.
    let (t, lambda, mu, rate, p) = (3000.0, 1.0 / 150.0, 1.0 / 15.0, 1.0 / 100.0, 0.5);
    let mut q = vec![
        vec![
            0.0,
            lambda + rate * p * (1.0 - p),
            lambda + rate * p * (1.0 - p),
            rate * p * p,
        ],
        vec![mu, 0.0, 0.0, lambda + rate * p],
        vec![mu, 0.0, 0.0, lambda + rate * p],
        vec![0.0, mu, mu, 0.0],
    ];
    for (i, row) in q.iter_mut().enumerate() {
        row[i] = -row.iter().sum::<f64>();
    }
    let (a, n) = solve(&q, &[true, true, true, false], t);
    let run = simulate(
        &model(&pair_scenario(t, 150.0, 15.0, Some((100.0, p)))),
        20_000,
        22,
    );
    let s = &run.services[0];
    assert_close("p = 0.5: availability", &s.availability, a, 4.0);
    assert_close("p = 0.5: outages", &s.outages_per_mission, n, 4.0);
}
