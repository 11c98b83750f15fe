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
