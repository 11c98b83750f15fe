//! Outages against a recovery time objective.

use redsim::engine::{self, RunConfig};
use serde_json::json;

use crate::common::{assert_in_ci, model, simulate};

fn single(mission: f64, rto: &str) -> String {
    json!({
        "format": "redsim/1", "name": "rto", "mission": mission,
        "components": [{"id": "x", "mtbf": 10, "mttr": 2}],
        "services": [{"id": "s", "requires": "x", "rto": rto}]
    })
    .to_string()
}

#[test]
fn the_share_of_outages_over_the_rto_is_the_repair_tail() {
    // Each outage is one exponential repair (mean 2 h): P(longer than 3 h) = e^{-3/2}.
    // With about 830 outages a trial, the one cut off at the mission's end
    // biases the share by about 2e-4, a fifth of its standard error here.
    let run = simulate(&model(&single(10_000.0, "3h")), 200, 9);
    let r = run.services[0].rto.as_ref().expect("the service has an RTO");
    assert_eq!(r.rto_hours, 3.0);
    assert!(r.outages_over_rto > 10_000);
    let f = r.fraction_of_outages.as_ref().unwrap();
    assert_in_ci("share over RTO", f, (-1.5f64).exp());
    assert!(
        (f.point - (-1.5f64).exp()).abs()
            < 4.0 * (f.point * (1.0 - f.point) / run.services[0].outages_observed as f64).sqrt()
    );
}

#[test]
fn p_outage_over_rto_spans_never_to_every_outage() {
    let m = model(&single(20.0, "1e-9h"));
    let cfg = RunConfig {
        seed: 3,
        first_trial: 0,
        trials: 5000,
        threads: None,
    };
    let tally = engine::run(&m, &cfg, &|_| {}).unwrap();
    let t = &tally.services[0];
    // With a negligible RTO every outage counts, so P(over RTO) is P(any outage).
    assert_eq!(t.trials_over_rto, tally.trials - t.no_outage);
    assert_eq!(t.over_rto, t.outages.sum as u64);
    let run = simulate(&model(&single(20.0, "1000h")), 5000, 3);
    let r = run.services[0].rto.as_ref().unwrap();
    assert_eq!(
        r.outages_over_rto, 0,
        "no outage outlasts a 20 h mission by 1000 h"
    );
    assert_eq!(r.p_outage_over_rto.point, 0.0);
    assert!(
        r.p_outage_over_rto.ci_high > 0.0,
        "zero seen is not zero possible"
    );
}
