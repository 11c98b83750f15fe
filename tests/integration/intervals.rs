//! Intervals valid with few or no outages: the key formulas against
//! reference values, the one-sided bound when nothing was seen (in the
//! summary, the text table and JSON), and a small fixed-seed coverage run.
//! The full coverage study is `examples/coverage.rs`.

use std::process::Command;

use redsim::analysis::{self, intervals};
use redsim::engine::{self, Moments, RunConfig, TICKS_PER_HOUR};

use crate::common::{self, assert_rel};

#[test]
fn garwood_clopper_pearson_and_the_zero_outage_bound_match_references() {
    // Garwood at 95 % (half chi-square quantiles; Ulm 1990, Am J Epidemiol 131:373).
    assert_eq!(intervals::garwood(0, 0.95).0, 0.0);
    assert_rel("garwood 0 high", intervals::garwood(0, 0.95).1, 2.995_732_3, 1e-7);
    let (lo, hi) = intervals::garwood(5, 0.95);
    assert_rel("garwood 5 low", lo, 1.623_486_4, 1e-7);
    assert_rel("garwood 5 high", hi, 11.668_332, 1e-7);
    // Clopper–Pearson: 1 of 29 (Newcombe 1998, Stat Med 17:857: 0.0009, 0.1776).
    let e = analysis::clopper_pearson(1, 29, 0.95);
    assert_rel("cp 1/29 low", e.ci_low, 0.000_872_646_9, 1e-6);
    assert_rel("cp 1/29 high", e.ci_high, 0.177_644_30, 1e-6);
    // Nothing in a million trials: 1 − 0.05^(1e-6) = 2.9957278e-6, one-sided.
    let n = 1_000_000;
    let e = analysis::clopper_pearson(0, n, 0.95);
    assert_eq!((e.point, e.ci_low), (0.0, 0.0));
    assert_rel("cp 0/1e6", e.ci_high, 2.995_727_8e-6, 1e-7);
    // No down time in a million one-year missions: unavailability below the
    // same 2.9957e-6, downtime per year below 8760 h times it (26.2 h).
    let mission = 8760.0 * TICKS_PER_HOUR;
    let u = analysis::bounded_mean(&Moments::default(), n, mission, 1.0 / mission, 0.95);
    assert_eq!((u.point, u.ci_low, u.std_error), (0.0, 0.0, Some(0.0)));
    assert_rel("zero-outage bound", u.ci_high, 2.995_727_8e-6, 1e-7);
    // No outage: below −ln 0.05 / n outages per mission.
    let c = analysis::count_mean(&Moments::default(), n, 1.0, 0.95);
    assert_rel("zero-outage count", c.ci_high, 2.995_732_3e-6, 1e-7);
}

/// One component of MTBF `mtbf` [h] (a JSON number), one-year missions.
fn rare(mtbf: &str) -> String {
    format!(
        r#"{{"format": "redsim/1", "name": "rare", "mission": "1y",
            "components": [{{"id": "a", "mtbf": {mtbf}, "mttr": "4h"}}],
            "services": [{{"id": "s", "requires": "a"}}]}}"#
    )
}

#[test]
fn no_outage_gives_a_one_sided_bound_never_a_point() {
    let model = common::model(&rare("1e12"));
    let run = common::simulate(&model, 2000, 1);
    let s = &run.services[0];
    assert_eq!(s.outages_observed, 0);
    let bound = -(0.05f64.ln() / 2000.0).exp_m1();
    assert_eq!(s.availability.point, 1.0);
    assert_eq!(s.availability.ci_high, 1.0);
    assert_rel("availability low", 1.0 - s.availability.ci_low, bound, 1e-9);
    assert_rel(
        "downtime high",
        s.downtime_hours_per_year.ci_high,
        bound * 8760.0,
        1e-9,
    );
    assert!(s.outages_per_mission.ci_high > 0.0);
    // Nines from the bound: −log10(1.5e-3) = 2.82, rounded down.
    assert_eq!(s.nines, Some(2.8));
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    let w = &s.warnings[0];
    assert!(w.contains("unavailability is below 1.50e-3 at 95%"), "{w}");
    assert!(!w.contains("collapse"), "{w}");
}

#[test]
fn the_table_prints_a_one_sided_bound_and_json_keeps_its_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rare.json");
    std::fs::write(&file, rare("1e12")).unwrap();
    let run = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
            .args([
                "run",
                file.to_str().unwrap(),
                "--trials",
                "2000",
                "--rare",
                "off",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        common::assert_exit(&out, 0);
        common::text(&out.stdout)
    };
    let text = run("table");
    assert!(text.contains("95% bound > 99.85"), "{text}");
    assert!(text.contains("95% bound < 13.1 h"), "{text}");
    assert!(text.contains("95% bound < 0.0015"), "{text}");
    assert!(!text.contains("[0, "), "{text}");
    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let s = &json["services"][0];
    assert_eq!(s["downtime_hours_per_year"]["ci_low"], 0.0);
    assert!(s["downtime_hours_per_year"]["ci_high"].as_f64().unwrap() > 13.0);
    assert_eq!(s["availability"]["ci_high"], 1.0);
    assert!(s["nines"].as_f64().is_some());
}

#[test]
fn few_outages_are_covered_at_the_nominal_rate_where_the_t_interval_is_not() {
    // About two outages per run of 200 one-year trials (MTBF 876,000 h), 200
    // seeds. With a true coverage of 0.95 or more, 200 runs cover fewer than
    // 180 times with probability about 0.001 (binomial, 3.2 standard
    // deviations), so 180 is the bar. The Student-t interval used before
    // covers about 0.66 here, far below it.
    let model = common::model(&rare("876000"));
    let lambda = 1.0 / 876_000.0;
    let (mu, t): (f64, f64) = (0.25, 8760.0);
    let s = lambda + mu;
    let exact = lambda / s * (1.0 - -(-s * t).exp_m1() / (s * t));
    let (mut now, mut before, mut outages) = (0, 0, 0);
    for seed in 0..200 {
        let cfg = RunConfig {
            seed,
            first_trial: 0,
            trials: 200,
            threads: None,
        };
        let tally = engine::run(&model, &cfg, &|_| {}).unwrap();
        let sv = &tally.services[0];
        outages += sv.outages.sum;
        let u = analysis::unavailability(sv, 200, t, 0.95);
        now += u32::from(u.ci_low <= exact && exact <= u.ci_high);
        let old = analysis::t_mean(&sv.down, 200, 1.0 / (TICKS_PER_HOUR * t), 0.95);
        before += u32::from(old.ci_low <= exact && exact <= old.ci_high);
    }
    assert!(
        (300..500).contains(&outages),
        "{outages} outages: not the regime meant"
    );
    assert!(now >= 180, "covered {now} of 200");
    assert!(
        before < 180,
        "the t interval covered {before} of 200: the test has no power"
    );
}
