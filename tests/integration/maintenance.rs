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

/// The maintenance events of trial 0 of a scenario: (time [h], member id, begins).
fn windows(text: &str) -> Vec<(f64, String, bool)> {
    let m = model(text);
    redsim::engine::trace(&m, 1, 0)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            redsim::engine::TraceEvent::Maintenance {
                t, element, begin, ..
            } => Some((t, m.elements[element].id.clone(), begin)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_rolling_member_after_one_skipped_keeps_its_own_slot() {
    // `a` is down for repair from 5 h to 15 h, so its window at 10 h is
    // skipped; `b` is taken out at its own slot, 12 h, not at once.
    let text = scenario(
        20.0,
        json!([{"id": "a", "failure": {"fixed": "5h"}, "repair": {"fixed": "10h"}}, {"id": "b"}, {"id": "c"}]),
        json!({"id": "patch", "members": ["a", "b", "c"], "every": "100h", "duration": "2h", "start": "10h"}),
        json!([{"id": "s", "requires": "b"}]),
    );
    let w = |t: f64, m: &str, begin: bool| (t, m.to_string(), begin);
    assert_eq!(
        windows(&text),
        [
            w(12.0, "b", true),
            w(14.0, "b", false),
            w(14.0, "c", true),
            w(16.0, "c", false)
        ]
    );
}

#[test]
fn rolling_maintenance_with_a_member_down_at_its_turn_matches_exact_values() {
    // `a` (exponential) and `b` (never fails), rolling from s_r = 10 + 20r h,
    // windows of d = 4 h: `a` at [s_r, s_r + d) when it is up at s_r, `b` at
    // its own slot [s_r + d, s_r + 2d) always. Maintenance leaves `a`'s
    // failures and repairs alone, so `a` is failed at x with probability
    // q(x) = π(1 - e^{-κx}), π = λ/κ, κ = λ + μ. The service `any(a, b)` is
    // down exactly when `a` is failed during `b`'s window: planned when `a`
    // was failed as the window opened (until `a` is repaired or the window
    // ends), unplanned when `a` fails within it.
    let (t, mtbf, mttr, d) = (1000.0, 10.0, 1.0, 4.0);
    let (l, m) = (1.0 / mtbf, 1.0 / mttr);
    let (k, pi) = (l + m, l / (l + m));
    let q = |x: f64| pi * (1.0 - (-k * x).exp());
    // ∫_u^{u+d} q(x) dx.
    let int_q = |u: f64| pi * (d - ((-k * u).exp() - (-k * (u + d)).exp()) / k);
    let opens: Vec<f64> = (0..50).map(|r| 10.0 + 20.0 * r as f64 + d).collect();
    let down: f64 = opens.iter().map(|&u| int_q(u)).sum();
    let planned_outages: f64 = opens.iter().map(|&u| q(u)).sum();
    let planned = planned_outages * (1.0 - (-m * d).exp()) / m;
    let unplanned_outages: f64 = opens.iter().map(|&u| l * (d - int_q(u))).sum();

    let text = scenario(
        t,
        json!([{"id": "a", "mtbf": mtbf, "mttr": mttr}, {"id": "b"}]),
        json!({"id": "patch", "members": ["a", "b"], "every": "20h", "duration": "4h", "start": "10h"}),
        json!([{"id": "s", "requires": {"any": ["a", "b"]}}]),
    );
    let run = simulate(&model(&text), 20_000, 2);
    let s = &run.services[0];
    let per_year = 8760.0 / t;
    let p = s.planned.as_ref().unwrap();
    assert_close("availability", &s.availability, 1.0 - down / t, 4.0);
    assert_close(
        "outages",
        &s.outages_per_mission,
        planned_outages + unplanned_outages,
        4.0,
    );
    assert_close(
        "planned downtime",
        &p.planned_downtime_hours_per_year,
        planned * per_year,
        4.0,
    );
    assert_close(
        "unplanned downtime",
        &p.unplanned_downtime_hours_per_year,
        (down - planned) * per_year,
        4.0,
    );
}

/// Simpson's rule for `f` over `[a, b]` with `n` (even) intervals.
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let inner: f64 = (1..n)
        .map(|i| f(a + i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (f(a) + inner + f(b)) * h / 3.0
}

/// A pair `a`, `b` (MTBF 20 h, MTTR 10 h) patched rolling for 2 h each from
/// 50 h every 100 h, a component `u` that never fails, and optionally a 10 h
/// window on `u` from 49 h every 100 h, over all of the pair's windows.
fn pair_and_unrelated_window(unrelated: bool) -> String {
    let mut maintenance = vec![json!({"id": "patch", "members": ["a", "b"], "every": "100h",
                                      "duration": "2h", "start": "50h"})];
    if unrelated {
        maintenance.push(json!({"id": "other", "members": ["u"], "every": "100h",
                                "duration": "10h", "start": "49h"}));
    }
    json!({
        "format": "redsim/1", "name": "cone", "mission": 1000,
        "components": [{"id": "a", "mtbf": 20, "mttr": 10}, {"id": "b", "mtbf": 20, "mttr": 10},
                       {"id": "u"}],
        "maintenance": maintenance,
        "services": [
            {"id": "s", "requires": {"any": ["a", "b"]}},
            {"id": "s-uncounted", "requires": {"any": ["a", "b"]}, "planned_counts": false},
            {"id": "on-u", "requires": "u"}
        ]
    })
    .to_string()
}

#[test]
fn maintenance_of_an_unrelated_component_leaves_a_service_unchanged() {
    // A member failing during its partner's window, with the partner already
    // down when the window opened, turns the planned outage unplanned when
    // the window ends: `u`'s window, open the whole time, must not keep it
    // planned, nor change anything else of `s`.
    let without = simulate(&model(&pair_and_unrelated_window(false)), 2_000, 5);
    let with = simulate(&model(&pair_and_unrelated_window(true)), 2_000, 5);
    for s in 0..2 {
        assert_eq!(
            format!("{:?}", without.services[s]),
            format!("{:?}", with.services[s]),
            "service {}",
            without.services[s].id
        );
    }
}

#[test]
fn the_planned_split_of_a_patched_pair_matches_exact_values_beside_an_unrelated_window() {
    // The pair's members fail and are repaired independently of the windows,
    // so each is failed at x with probability q(x) = π(1 - e^{-κx}) (π = λ/κ,
    // κ = λ + μ), and the two are independent. In a member's window (taken
    // when it is up as the window opens) it is out; the other is out only
    // when failed. A planned outage begins when a window opens with the
    // other member failed, and stays planned until that member is repaired
    // or the window ends: E[min(R, d)] = (1 - e^{-μd})/μ. Down time in all is
    // ∫ P(a out)·P(b out).
    let (t, d, l, m) = (1000.0, 2.0, 1.0 / 20.0, 1.0 / 10.0);
    let (k, pi) = (l + m, l / (l + m));
    let q = |x: f64| pi * (1.0 - (-k * x).exp());
    // P(down at x | down at y), x ≥ y.
    let stay = |x: f64, y: f64| pi + (1.0 - pi) * (-k * (x - y)).exp();
    let mean_left = (1.0 - (-m * d).exp()) / m;
    let mut planned = 0.0;
    let mut down = 0.0;
    let mut from = 0.0;
    for r in 0..10 {
        let s = 50.0 + 100.0 * r as f64;
        down += simpson(|x| q(x) * q(x), from, s, 2_000);
        for w in [s, s + d] {
            planned += (1.0 - q(w)) * q(w) * mean_left;
            let out = |x: f64| (1.0 - q(w)) + q(w) * stay(x, w);
            down += simpson(|x| out(x) * q(x), w, w + d, 2_000);
        }
        from = s + 2.0 * d;
    }
    down += simpson(|x| q(x) * q(x), from, t, 2_000);

    let run = simulate(&model(&pair_and_unrelated_window(true)), 20_000, 3);
    let (s, uncounted) = (&run.services[0], &run.services[1]);
    let per_year = 8760.0 / t;
    let p = s.planned.as_ref().unwrap();
    assert_close(
        "planned downtime",
        &p.planned_downtime_hours_per_year,
        planned * per_year,
        4.0,
    );
    assert_close(
        "unplanned downtime",
        &p.unplanned_downtime_hours_per_year,
        (down - planned) * per_year,
        4.0,
    );
    assert_close("availability", &s.availability, 1.0 - down / t, 4.0);
    assert_close(
        "availability, planned not counted",
        &uncounted.availability,
        1.0 - (down - planned) / t,
        4.0,
    );
}
