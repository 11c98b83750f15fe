//! Spare pools against an exact Markov chain.

use serde_json::json;

use crate::common::{assert_close, mission_averages, model, simulate};

#[test]
fn one_spare_with_exponential_restock_matches_its_chain() {
    // One component (failure λ, repair μ) whose repair needs a spare from a
    // pool of one, restocked base-stock style: every demand orders a spare,
    // each order arriving independently at rate ρ. States (on hand, orders out):
    // 0 up (1, 0), 1 up (0, 1), 2 repairing (0, 1), 3 repairing (1, 0),
    // 4 down awaiting a spare (0, 2).
    let (t, l, mu, rho) = (5000.0, 1.0 / 50.0, 1.0 / 5.0, 1.0 / 80.0);
    let mut q = vec![vec![0.0; 5]; 5];
    q[0][2] = l;
    q[1][4] = l;
    q[1][0] = rho;
    q[2][1] = mu;
    q[2][3] = rho;
    q[3][0] = mu;
    q[4][2] = 2.0 * rho;
    for (i, row) in q.iter_mut().enumerate() {
        row[i] = -row.iter().sum::<f64>();
    }
    let exact = mission_averages(&q, &[true, true, false, false, false], t);
    let text = json!({
        "format": "redsim/1", "name": "spares", "mission": t,
        "spare_pools": [{"id": "parts", "size": 1, "restock": {"exponential": {"mean": "80h"}}}],
        "components": [{"id": "x", "mtbf": 50, "mttr": 5, "spares": {"pool": "parts"}}],
        "services": [{"id": "s", "requires": "x"}]
    })
    .to_string();
    let run = simulate(&model(&text), 20_000, 31);
    let s = &run.services[0];
    assert!(s.outages_observed > 10_000);
    assert_close(
        "one spare: availability",
        &s.availability,
        exact.availability,
        4.0,
    );
    assert_close("one spare: outages", &s.outages_per_mission, exact.outages, 4.0);
    // Without the pool it is a plain two-state element: far better.
    let plain = 50.0 / 55.0;
    assert!(plain - exact.availability > 10.0 * s.availability.std_error.unwrap());
}

#[test]
fn a_pool_shared_by_a_pair_never_lends_one_spare_twice() {
    // Two components share a pool of one spare restocked after a year: within
    // a year, at most one repair can happen, so at most one of them comes back.
    let text = json!({
        "format": "redsim/1", "name": "shared", "mission": "1y",
        "spare_pools": [{"id": "one", "size": 1, "restock": "2y"}],
        "components": [{"id": "x", "count": 2, "mtbf": "1000h", "mttr": "1h", "spares": {"pool": "one"}}],
        "services": [{"id": "both", "requires": {"all": ["x-*"]}}]
    })
    .to_string();
    let m = model(&text);
    for trial in 0..50 {
        let events = redsim::engine::trace(&m, 5, trial).unwrap();
        let repairs = events
            .iter()
            .filter(|e| matches!(e, redsim::engine::TraceEvent::Element { up: true, .. }))
            .count();
        assert!(repairs <= 1, "trial {trial}: {repairs} repairs from one spare");
    }
}
