//! Failure forcing (`--rare on` over missions short against the elements'
//! lives): the 1-of-3 hot-standby set over a day, a week and a month
//! against its exact transient chain, with a relative error that stays
//! bounded as the mission shrinks, and `--rare auto` choosing it.

use std::process::Command;

use redsim::analysis::{Method, RunSummary};
use redsim::engine;

use crate::common::{assert_exit, model, text};
use crate::rare::{one_of_three_exact, one_of_three_over, within_4_se};

fn rel(run: &RunSummary) -> f64 {
    run.services[0].relative_error.unwrap_or(f64::INFINITY)
}

#[test]
fn short_missions_within_4_standard_errors_with_bounded_relative_error() {
    // Λ·T = 0.072, 0.5 and 2.2 (the month is not forced): without forcing
    // most trials of the day and the week never leave the all-up state, and
    // the day's relative half-width at these trials is about 1.6.
    let mttr = 5.5;
    let mut rels = Vec::new();
    for hours in [24.0, 168.0, 720.0] {
        let m = model(&one_of_three_over(mttr, hours));
        let (u, outages) = one_of_three_exact(mttr, hours);
        let run = crate::common::simulate_rare(&m, 10_000, engine::DEFAULT_SEED);
        assert_eq!(run.method, Method::FailureBiasing);
        let s = &run.services[0];
        let what = format!("1-of-3 over {hours} h");
        within_4_se(
            &format!("{what}: unavailability"),
            &s.availability.complement(),
            u,
        );
        within_4_se(
            &format!("{what}: outages per mission"),
            &s.outages_per_mission,
            outages,
        );
        let l = run.likelihood_ratio.expect("a biased run's likelihood ratio");
        within_4_se(&format!("{what}: mean likelihood ratio"), &l, 1.0);
        eprintln!(
            "{what}: exact {u:.4e}, biased {:.4e} ± {:.1} %",
            1.0 - s.availability.point,
            100.0 * rel(&run)
        );
        rels.push(rel(&run));
    }
    // Bounded relative error: the day and the week are estimated about as
    // well as the month.
    for (r, hours) in rels.iter().zip([24, 168, 720]) {
        assert!(*r < 0.4, "{hours} h: relative half-width {r}");
        assert!(
            *r < 2.5 * rels[2],
            "{hours} h: relative half-width {r}, the month's {}",
            rels[2]
        );
    }
}

#[test]
fn a_weibull_element_over_two_days_within_4_standard_errors() {
    // One wear-out element (Weibull shape 2, scale 2000 h: H(48 h) = 5.8e-4)
    // repaired in 10 h on average, over 48 h: the service is down from its
    // failure at s to the end of the repair or of the mission. Failing again
    // after a repair within the mission (probability below 6e-4 of the
    // cases) is left out of the exact value. Balanced biasing alone never
    // leaves the all-up state here: 10,000 trials see about 6 failures.
    let (shape, scale, mttr, t) = (2.0f64, 2000.0f64, 10.0f64, 48.0f64);
    let m = model(&format!(
        r#"{{"format": "redsim/1", "name": "wear-out", "mission": "{t}h",
            "components": [{{"id": "w", "failure": {{"weibull": {{"shape": {shape}, "scale": "{scale}h"}}}}, "mttr": "{mttr}h"}}],
            "services": [{{"id": "s", "requires": "w"}}]}}"#
    ));
    // E[down] = ∫_0^T f(s)·mttr·(1 − e^(−(T − s)/mttr)) ds, by Simpson's rule.
    let f = |s: f64| shape / scale * (s / scale).powf(shape - 1.0) * (-(s / scale).powf(shape)).exp();
    let g = |s: f64| f(s) * mttr * (1.0 - (-(t - s) / mttr).exp());
    let n = 2000;
    let h = t / f64::from(n);
    let mut down = g(0.0) + g(t);
    for i in 1..n {
        down += if i % 2 == 1 { 4.0 } else { 2.0 } * g(h * f64::from(i));
    }
    let u = down * h / 3.0 / t;
    let outages = 1.0 - (-(t / scale).powf(shape)).exp();
    let run = crate::common::simulate_rare(&m, 10_000, engine::DEFAULT_SEED);
    assert_eq!(run.method, Method::FailureBiasing);
    let s = &run.services[0];
    within_4_se("wear-out: unavailability", &s.availability.complement(), u);
    within_4_se("wear-out: outages per mission", &s.outages_per_mission, outages);
    eprintln!(
        "wear-out: exact {u:.4e}, biased {:.4e} ± {:.1} %",
        1.0 - s.availability.point,
        100.0 * rel(&run)
    );
    assert!(rel(&run) < 0.1, "relative half-width {}", rel(&run));
}

#[test]
fn rare_auto_forces_a_one_day_mission_whose_pilot_sees_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("day.json");
    std::fs::write(&file, one_of_three_over(5.5, 24.0)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--trials",
            "10000",
            "--format",
            "json",
        ])
        .output()
        .expect("run redsim");
    assert_exit(&out, 0);
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).unwrap();
    assert_eq!(v["method"], "failure-biasing", "{}", text(&out.stderr));
    let (u, _) = one_of_three_exact(5.5, 24.0);
    let s = &v["services"][0];
    let rel = s["relative_error"].as_f64().expect("a relative error");
    assert!(rel < 0.4, "relative half-width {rel}");
    let point = 1.0 - s["availability"]["point"].as_f64().unwrap();
    let se = s["availability"]["std_error"].as_f64().unwrap();
    assert!(
        (point - u).abs() <= 4.0 * se,
        "{point} ± {se} against the exact {u}"
    );
}

#[test]
fn forcing_a_law_whose_hazard_left_underflows_keeps_the_weights_sound() {
    // An element that essentially never fails (MTBF 1.5e308 h, the largest
    // duration the format reads) over an hour: the hazard left, 6.7e-309,
    // is below the smallest normal number, and forcing it by c/ΔH would
    // scale its hazard by infinity (every trial's ratio 0, failures at
    // dt = 0 over and over). Such a stretch is left unforced.
    let m = model(
        r#"{"format": "redsim/1", "name": "never", "mission": "1h",
            "components": [{"id": "a", "mtbf": "1.5e308h", "mttr": "1h"}],
            "services": [{"id": "s", "requires": "a"}]}"#,
    );
    let run = crate::common::simulate_rare(&m, 2_000, engine::DEFAULT_SEED);
    let l = run.likelihood_ratio.expect("a biased run's likelihood ratio");
    assert!(
        l.point.is_finite() && (l.point - 1.0).abs() < 1e-9,
        "mean likelihood ratio {l:?}"
    );
    assert_eq!(run.services[0].outages_observed, 0);
}
