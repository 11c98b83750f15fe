//! Common-cause shocks against exact answers: a beta-factor pair, solved as
//! a four-state Markov chain in the test.

use serde_json::json;

use crate::common::{assert_close, mission_averages, model, simulate};

/// Mission-average availability and expected outages of a chain started in state 0.
fn solve(q: &[Vec<f64>], up: &[bool], t: f64) -> (f64, f64) {
    let r = mission_averages(q, up, t);
    (r.availability, r.outages)
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
