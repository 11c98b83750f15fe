//! Planned maintenance: schedules, rolling against simultaneous windows, and
//! the split of planned from unplanned downtime, against exact answers.

use serde_json::{Value, json};

use crate::common::{assert_close, model, simulate};

/// A scenario with the given components, one maintenance schedule and services.
fn scenario(mission: f64, components: Value, maintenance: Value, services: Value) -> String {
    json!({
        "format": "redsim/1", "name": "maintenance", "mission": mission,
        "components": components,
        "maintenance": [maintenance],
        "services": services
    })
    .to_string()
}

#[test]
fn windows_of_a_component_that_never_fails_are_planned_downtime() {
    // Windows at 50, 150, ..., 950 h: ten of 2 h in a 1000 h mission.
    let text = scenario(
        1000.0,
        json!([{"id": "c"}]),
        json!({"id": "patch", "members": ["c"], "every": "100h", "duration": "2h", "start": "50h"}),
        json!([
            {"id": "counted", "requires": "c"},
            {"id": "uncounted", "requires": "c", "planned_counts": false}
        ]),
    );
    let run = simulate(&model(&text), 50, 1);
    let per_year = 8760.0 / 1000.0;
    let (counted, uncounted) = (&run.services[0], &run.services[1]);
    assert!(
        (counted.availability.point - 0.98).abs() < 1e-12,
        "{:?}",
        counted.availability
    );
    assert!((counted.outages_per_mission.point - 10.0).abs() < 1e-12);
    let p = counted.planned.as_ref().expect("a model with maintenance");
    assert!((p.planned_downtime_hours_per_year.point - 20.0 * per_year).abs() < 1e-9);
    assert_eq!(p.unplanned_downtime_hours_per_year.point, 0.0);
    assert_eq!(p.planned_outages_observed, 500);
    assert!(p.counts_against_availability);
    // Not counted: the same downtime is reported, but availability is whole.
    assert_eq!(uncounted.availability.point, 1.0);
    assert_eq!(uncounted.outages_observed, 0);
    let p = uncounted.planned.as_ref().unwrap();
    assert!(!p.counts_against_availability);
    assert!((p.planned_downtime_hours_per_year.point - 20.0 * per_year).abs() < 1e-9);
}

#[test]
fn rolling_windows_keep_a_pair_up_and_simultaneous_ones_do_not() {
    let pair = json!([{"id": "a"}, {"id": "b"}]);
    let services = json!([{"id": "s", "requires": {"any": ["a", "b"]}}]);
    let window = |rolling: bool| {
        json!({"id": "patch", "members": ["a", "b"], "every": "100h", "duration": "2h",
               "start": "50h", "rolling": rolling})
    };
    let rolling = simulate(
        &model(&scenario(1000.0, pair.clone(), window(true), services.clone())),
        20,
        1,
    );
    assert_eq!(rolling.services[0].availability.point, 1.0);
    assert_eq!(rolling.services[0].outages_observed, 0);
    // Each member was out in turn: the service was degraded 2 × 2 h per round.
    assert!((rolling.services[0].degraded_fraction.point - 40.0 / 1000.0).abs() < 1e-12);
    let together = simulate(&model(&scenario(1000.0, pair, window(false), services)), 20, 1);
    assert!((together.services[0].availability.point - 0.98).abs() < 1e-12);
    assert_eq!(together.services[0].outages_observed, 200);
}

#[test]
fn planned_and_unplanned_downtime_of_a_failing_component_match_exact_values() {
    // One exponential component, windows of d at s_k = 50 + 100k. A member
    // down for repair at s_k is skipped; one up is out for the whole window
    // (failing in it or not): planned downtime is Σ p_up(s_k)·d. Down time in
    // all is ∫ P(failed) + Σ p_up(s_k)·(1 - e^{-λd})/λ, the windows' time
    // before any failure in them.
    let (t, mtbf, mttr, d) = (1000.0, 100.0, 5.0, 2.0);
    let (l, m) = (1.0 / mtbf, 1.0 / mttr);
    let a = m / (l + m);
    let p_up = |x: f64| a + (1.0 - a) * (-(l + m) * x).exp();
    // ∫_0^T p_up, in closed form.
    let int_up = a * t + (1.0 - a) * (1.0 - (-(l + m) * t).exp()) / (l + m);
    let starts: Vec<f64> = (0..10).map(|k| 50.0 + 100.0 * k as f64).collect();
    let up_at_starts: f64 = starts.iter().map(|&s| p_up(s)).sum();
    let in_window_up = up_at_starts * (1.0 - (-l * d).exp()) / l;
    let planned = up_at_starts * d;
    let down = (t - int_up) + in_window_up;
    let unplanned = down - planned;
    // Outages begin at a failure while up and in service, or at a window's start.
    let outages = l * (int_up - in_window_up) + up_at_starts;

    let text = scenario(
        t,
        json!([{"id": "c", "mtbf": mtbf, "mttr": mttr}]),
        json!({"id": "patch", "members": ["c"], "every": "100h", "duration": "2h", "start": "50h"}),
        json!([
            {"id": "counted", "requires": "c"},
            {"id": "uncounted", "requires": "c", "planned_counts": false}
        ]),
    );
    let run = simulate(&model(&text), 40_000, 23);
    let per_year = 8760.0 / t;
    let (counted, uncounted) = (&run.services[0], &run.services[1]);
    let p = counted.planned.as_ref().unwrap();
    assert_close(
        "planned downtime",
        &p.planned_downtime_hours_per_year,
        planned * per_year,
        4.0,
    );
    assert_close(
        "unplanned downtime",
        &p.unplanned_downtime_hours_per_year,
        unplanned * per_year,
        4.0,
    );
    assert_close(
        "availability, planned counted",
        &counted.availability,
        1.0 - down / t,
        4.0,
    );
    assert_close(
        "outages, planned counted",
        &counted.outages_per_mission,
        outages,
        4.0,
    );
    assert_close(
        "availability, planned not counted",
        &uncounted.availability,
        1.0 - unplanned / t,
        4.0,
    );
    assert_close(
        "outages, planned not counted",
        &uncounted.outages_per_mission,
        outages - up_at_starts,
        4.0,
    );
    // Skipping members under repair matters: windows taken regardless would
    // give 20 h of planned downtime per mission, far outside the interval.
    assert!(p.planned_downtime_hours_per_year.ci_high < 20.0 * per_year * 0.99);
}
