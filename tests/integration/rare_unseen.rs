//! Zero outages under failure biasing: a service the biased trials never
//! saw down is reported from the plain pilot's trials (a one-sided bound),
//! never as a point, the same from a single run and from merged shards.

use crate::rare_scale::{merge, shards};
use crate::shard::ok;

/// A pair of uniform lives (500 to 1500 h, which failure biasing leaves
/// alone) behind `s`, never down in a 100 h mission, and an exponential
/// element behind `t`, which gives biasing something to do.
const UNIFORM_PAIR: &str = r#"{"format": "redsim/1", "name": "uniform pair", "mission": "100h",
    "components": [{"id": "g", "count": 2, "failure": {"uniform": {"min": "500h", "max": "1500h"}}, "mttr": "1h"},
                   {"id": "x", "mtbf": "1000h", "mttr": "1h"}],
    "services": [{"id": "s", "requires": {"any": ["g-*"]}}, {"id": "t", "requires": "x"}]}"#;

#[test]
fn a_biased_run_that_saw_no_outage_reports_the_plain_pilots_bound() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("pair.json").display().to_string();
    std::fs::write(&file, UNIFORM_PAIR).unwrap();
    let cmd = ["run", &file, "--rare", "on", "--trials", "3000", "-q"];
    let single_json = ok(d, &[&cmd[..], &["--format", "json"]].concat());
    let single_table = ok(d, &cmd);
    let v: serde_json::Value = serde_json::from_str(&single_json).unwrap();
    assert_eq!(v["method"], "failure-biasing");
    let s = &v["services"][0];
    assert_eq!(s["plain_trials"], 2000, "{s}");
    // A one-sided bound, not a point: the availability is more than the
    // low end, with a width.
    let a = &s["availability"];
    let low = a["ci_low"].as_f64().unwrap();
    assert_eq!(a["point"], 1.0);
    assert_eq!(a["ci_high"], 1.0);
    assert!(low < 1.0 && low > 0.99, "{a}");
    assert!(
        s["downtime_hours_per_year"]["ci_high"].as_f64().unwrap() > 0.0,
        "{s}"
    );
    let warnings: Vec<&str> = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "failure biasing saw no outage in 3000 trials: these figures are from the first 2000 trials run \
             plain (unavailability less than"
        )),
        "{warnings:?}"
    );
    assert!(
        !warnings.iter().any(|w| w.contains("collapses to a point")),
        "{warnings:?}"
    );
    // The service the biased trials saw down keeps its weighted estimates.
    let t = &v["services"][1];
    assert!(t["plain_trials"].is_null(), "{t}");
    assert!(t["outages_observed"].as_u64().unwrap() > 0);
    assert!(single_table.contains("95% bound <"), "{single_table}");
    assert!(
        single_table.contains("from the first 2000 trials run plain"),
        "{single_table}"
    );
    // Merged shards recompute the same pilot: the same bytes.
    for count in [2, 3] {
        let files = shards(d, &cmd, count, "pair");
        assert_eq!(
            merge(d, &files, &["--format", "json"]),
            single_json,
            "{count} shards"
        );
        assert_eq!(merge(d, &files, &[]), single_table, "{count} shards");
    }
}

/// The tester's design: a pair of uniform lives (which failure biasing
/// leaves alone) never down in a 100 h mission, and a trio that also
/// needs an exponential element, which gives biasing something to do.
const TESTER: &str = r#"{"format": "redsim/1", "name": "tester", "mission": "100h",
    "components": [{"id": "g", "count": 2, "failure": {"uniform": {"min": "500h", "max": "1500h"}}, "mttr": "1h"},
                   {"id": "x", "mtbf": "1000h", "mttr": "6m"}],
    "services": [{"id": "pair", "requires": {"any": ["g-*"]}},
                 {"id": "trio", "requires": {"all": ["x", {"any": ["g-*"]}]}}]}"#;

fn redsim(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
        .current_dir(dir)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run redsim")
}

#[test]
fn auto_stays_plain_where_biasing_does_not_reach_the_outages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("tester.json"), TESTER).unwrap();
    // check: the pair is never down, biased or not; plain decides "met"
    // within a few thousand trials, where biasing never decided.
    let out = redsim(
        d,
        &[
            "check",
            "tester.json",
            "--target",
            "pair=99.9%",
            "--target",
            "trio=99.9%",
            "--format",
            "json",
        ],
    );
    let err = crate::common::text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{err}{}",
        crate::common::text(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["method"], "plain", "{v}");
    assert!(v["trials"].as_u64().unwrap() <= 16_000, "{v}");
    for d in v["decisions"].as_array().unwrap() {
        assert_eq!(d["verdict"], "met", "{v}");
    }
    assert!(
        err.contains("failure biasing did not reach the outages: a failure-biased pilot of the same 2000 trials saw 0.0 effective outages of `pair`"),
        "{err}"
    );
    assert!(err.contains(": plain simulation"), "{err}");
    // run: plain, so more trials tighten the pair's bound (biased, it
    // stayed the pilot's whatever --trials was).
    let bound = |trials: &str| {
        let out = redsim(
            d,
            &["run", "tester.json", "--trials", trials, "--format", "json", "-q"],
        );
        assert!(out.status.success(), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["method"], "plain", "{v}");
        assert!(v["services"][0]["plain_trials"].is_null(), "{v}");
        v["services"][0]["availability"]["ci_low"].as_f64().unwrap()
    };
    assert!(bound("20000") > bound("4000"));
}

#[test]
fn a_biased_run_that_saw_nothing_says_so_and_advises_plain_simulation() {
    // Only the pair of uniform lives behind both services: the biased trials see no outage of
    // any service, so every figure is the plain pilot's.
    let pair_only = TESTER.replace(r#"{"all": ["x", {"any": ["g-*"]}]}"#, r#"{"all": ["g-*"]}"#);
    assert_ne!(pair_only, TESTER);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("pair.json"), pair_only).unwrap();
    let out = redsim(d, &["run", "pair.json", "--rare", "on", "--trials", "5000", "-q"]);
    assert!(out.status.success(), "{out:?}");
    let table = crate::common::text(&out.stdout);
    assert!(
        table.contains("method     failure-biasing (no outage seen: plain pilot figures)\n"),
        "{table}"
    );
    // More trials cannot help what biasing does not reach: --rare off can.
    assert!(!table.contains("--trials"), "{table}");
    assert!(table.contains("--rare off"), "{table}");
    // The JSON key keeps its meaning: the run was biased.
    let out = redsim(
        d,
        &[
            "run",
            "pair.json",
            "--rare",
            "on",
            "--trials",
            "5000",
            "-q",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["method"], "failure-biasing");
}
