//! The programs in `examples/`, called from here (their files are compiled
//! into this binary too): `run_scenario` gives the numbers of `redsim run
//! --rare off`, and `compare_designs` the paired difference of `redsim
//! compare --rare off` on the same designs written as scenario files, which
//! its interval holds the exact value of.

use std::process::Command;

use super::common::{assert_close, assert_exit};

#[allow(dead_code)]
#[path = "../../examples/run_scenario.rs"]
mod run_scenario;

#[allow(dead_code)]
#[path = "../../examples/compare_designs.rs"]
mod compare_designs;

use redsim::analysis::Estimate;
use redsim::analysis::compare::Quantity;

/// Runs the binary and parses its JSON report.
fn cli_json(args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(args)
        .args(["--rare", "off", "--format", "json", "-q"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Asserts that an estimate is, number for number, the JSON's.
#[track_caller]
fn assert_same(what: &str, est: &Estimate, json: &serde_json::Value) {
    let got = [
        Some(est.point),
        est.std_error,
        Some(est.ci_low),
        Some(est.ci_high),
    ];
    let want = ["point", "std_error", "ci_low", "ci_high"].map(|k| json[k].as_f64());
    assert_eq!(got, want, "{what}: the example's {est:?}, the CLI's {json}");
}

#[test]
fn run_scenario_prints_what_redsim_run_reports() {
    for name in ["web-tier-parallel.json", "power-ab-feeds.json"] {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(name);
        let summary = run_scenario::simulate(&file, 11, 1500).unwrap();
        let json = cli_json(&["run", file.to_str().unwrap(), "--trials", "1500", "--seed", "11"]);
        let services = json["services"].as_array().unwrap();
        assert_eq!(summary.services.len(), services.len(), "{name}");
        let lines = run_scenario::availability_lines(&summary);
        assert_eq!(lines.len(), services.len(), "{name}: one line per service");
        for ((s, j), line) in summary.services.iter().zip(services).zip(&lines) {
            assert_eq!(j["id"], s.id.as_str(), "{name}");
            assert_same(&format!("{name} {}", s.id), &s.availability, &j["availability"]);
            let a = &j["availability"];
            let percent = |k: &str| format!("{:.6} %", 100.0 * a[k].as_f64().unwrap());
            let want = format!(
                "{}: availability {} [{}, {}] (95 % confidence)",
                s.id,
                percent("point"),
                percent("ci_low"),
                percent("ci_high")
            );
            assert_eq!(line, &want, "{name}");
        }
    }
}

/// A server of MTBF 4,000 h and MTTR 12 h (both exponential, its own
/// repair), up at the start, is down at `t` with probability
/// `u(t) = λ/s·(1 − e^{−st})`, `s = λ + μ`. Returns the mission averages of
/// `u` and `u²` over a year: the single server's unavailability and the
/// pair's (its two servers are independent).
fn exact_unavailability() -> (f64, f64) {
    let (l, m, t): (f64, f64, f64) = (1.0 / 4000.0, 1.0 / 12.0, 8760.0);
    let s = l + m;
    let p = l / s;
    let e1 = (1.0 - (-s * t).exp()) / (s * t);
    let e2 = (1.0 - (-2.0 * s * t).exp()) / (2.0 * s * t);
    (p * (1.0 - e1), p * p * (1.0 - 2.0 * e1 + e2))
}

#[test]
fn compare_designs_holds_the_exact_gain_and_matches_redsim_compare() {
    let (trials, seed) = (20_000, 5);
    let (single, pair) = (
        compare_designs::web_tier(1).unwrap(),
        compare_designs::web_tier(2).unwrap(),
    );
    let comparisons = compare_designs::compare_designs(&[&single, &pair], seed, trials).unwrap();
    assert_eq!(comparisons.len(), 1);
    let c = &comparisons[0];
    assert_eq!(c.service, "web");
    let availability = |d: usize| {
        let v = c.designs[d].iter().find(|v| v.quantity == Quantity::Availability);
        v.unwrap().estimate
    };
    let gain = c
        .differences
        .iter()
        .find(|d| d.quantity == Quantity::Availability)
        .unwrap();
    let (u1, u2) = exact_unavailability();
    assert_close("single server's availability", &availability(0), 1.0 - u1, 4.0);
    assert_close("pair's availability", &availability(1), 1.0 - u2, 4.0);
    assert_close("the pair's gain", gain.estimate(), u1 - u2, 4.0);
    assert!(
        gain.paired.is_some() && gain.narrowing.is_some_and(|k| k > 1.0),
        "common random numbers narrow the interval: {gain:?}"
    );

    // The same designs as scenario files, compared by the binary.
    let dir = tempfile::tempdir().unwrap();
    let write = |servers: usize| {
        let ids: Vec<String> = (1..=servers).map(|i| format!("\"web-{i}\"")).collect();
        let components: Vec<String> = (1..=servers)
            .map(|i| format!(r#"{{"id": "web-{i}", "mtbf": "4000h", "mttr": "12h"}}"#))
            .collect();
        let text = format!(
            r#"{{"format": "redsim/1", "name": "{servers} web server(s)", "mission": "8760h",
                "components": [{}], "services": [{{"id": "web", "requires": {{"any": [{}]}}}}]}}"#,
            components.join(", "),
            ids.join(", ")
        );
        let path = dir.path().join(format!("web-{servers}.json"));
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let (a, b) = (write(1), write(2));
    let json = cli_json(&["compare", &a, &b, "--trials", "20000", "--seed", "5"]);
    let service = &json["services"][0];
    let cli_gain = service["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["quantity"] == "availability")
        .unwrap();
    assert_same("the pair's gain", gain.estimate(), &cli_gain["paired"]);
}
