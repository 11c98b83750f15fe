//! `redsim compare`: paired differences on common random numbers.

use std::process::Command;

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn compare(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .arg("compare")
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, text) = compare(&a);
    assert_eq!(code, 0, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn diff<'a>(j: &'a serde_json::Value, quantity: &str) -> &'a serde_json::Value {
    j["services"][0]["differences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["quantity"] == quantity)
        .unwrap()
}

#[test]
fn removing_a_firewall_costs_downtime_and_pairing_narrows_the_interval() {
    let j = json(&[
        &scenario("seed-network.json"),
        &scenario("seed-network-one-firewall.json"),
        "--trials",
        "4000",
    ]);
    assert_eq!(j["format"], "redsim-compare/1");
    let d = diff(&j, "downtime_hours_per_year");
    assert!(d["paired"]["ci_low"].as_f64().unwrap() > 0.0, "{d}");
    // The paired interval is narrower than two independent runs would give.
    let half = d["paired"]["ci_high"].as_f64().unwrap() - d["paired"]["point"].as_f64().unwrap();
    let independent = d["independent_half_width"].as_f64().unwrap();
    assert!(independent > 1.3 * half, "{independent} vs {half}");
    assert!((d["narrowing"].as_f64().unwrap() - independent / half).abs() < 1e-9);
    // The mean difference is the difference of the means.
    let means: Vec<f64> = (0..2)
        .map(|k| {
            j["services"][0]["designs"][k][1]["estimate"]["point"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert!((d["paired"]["point"].as_f64().unwrap() - (means[1] - means[0])).abs() < 1e-9);
}

#[test]
fn a_design_against_itself_differs_in_no_trial() {
    let f = scenario("bridge.json");
    let j = json(&[&f, &f, "--trials", "500"]);
    for q in ["availability", "downtime_hours_per_year", "outages_per_year"] {
        let d = diff(&j, q);
        assert_eq!(d["paired"]["point"], 0.0);
        assert_eq!(d["paired"]["ci_low"], 0.0);
        assert!(d["narrowing"].is_null());
    }
    let (_, text) = compare(&[&f, &f, "--trials", "500"]);
    assert!(text.contains("the same difference in every trial"), "{text}");
}

#[test]
fn comparisons_do_not_depend_on_threads_and_need_shared_services() {
    let (a, b) = (scenario("power-ab-feeds.json"), scenario("power-one-feed.json"));
    let one = json(&[&a, &b, "--trials", "600", "--threads", "1"]);
    let two = json(&[&a, &b, "--trials", "600", "--threads", "2"]);
    assert_eq!(one, two);
    let (code, _) = compare(&[&scenario("series.json"), &scenario("bridge.json")]);
    assert_eq!(code, 2, "no shared service id");
}

#[test]
fn a_sweep_point_is_the_run_with_its_changes() {
    let file = scenario("fleet-one-crew.json");
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(["sweep", &file, "--set", "repair.crews=1,2", "--set"])
        .arg(r#"templates.node.logistics={"exponential": {"mean": "4h"}},12h"#)
        .args(["--trials", "300", "--format", "json", "--rare", "off"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sweep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sweep["format"], "redsim-sweep/1");
    let points = sweep["points"].as_array().unwrap();
    assert_eq!(points.len(), 4, "a 2 × 2 grid");
    let last = &points[3];
    assert_eq!(
        last["set"],
        serde_json::json!(["repair.crews=2", "templates.node.logistics=12h"])
    );
    // The same numbers as `run --set` with that point's changes.
    let run = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(["run", &file, "--set", "repair.crews=2", "--set"])
        .arg("templates.node.logistics=12h")
        .args(["--trials", "300", "--format", "json", "-q", "--rare", "off"])
        .output()
        .unwrap();
    let run: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(last["services"], run["services"]);
    // A path to nothing is bad input.
    let bad = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args([
            "sweep",
            &file,
            "--set",
            "components.nope.mttr=1h,2h",
            "--trials",
            "10",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_sweep_grid_past_its_limit_is_refused_before_anything_else() {
    // 7 parameters of 60 values: 2.8 · 10^12 points, refused before the
    // scenario is even read (the file does not exist) and before any point
    // is made.
    let values: Vec<String> = (1..=60).map(|v| v.to_string()).collect();
    let mut args = vec!["sweep".to_string(), "no-such-file.json".into()];
    for p in 0..7 {
        args.push("--set".into());
        args.push(format!("components.c{p}.count={}", values.join(",")));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(&args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("2799360000000 points") && err.contains("at most 10000"),
        "{err}"
    );
    assert!(!err.contains("no-such-file"), "the grid comes first: {err}");
    // Too many parameters, and a parameter with one value too many on its own.
    let mut args = vec!["sweep".to_string(), "no-such-file.json".into()];
    for p in 0..17 {
        args.push("--set".into());
        args.push(format!("components.c{p}.count=1"));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(&args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("17 parameters") && err.contains("at most 16"),
        "{err}"
    );
}

#[test]
fn a_27th_design_is_named_aa() {
    let s = scenario("series.json");
    let mut args: Vec<&str> = vec![&s; 27];
    args.extend(["--trials", "20"]);
    let (code, text) = compare(&args);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("  AA  "), "{text}");
    assert!(text.contains("    AA - A"), "{text}");
    assert!(!text.contains("  [  "), "a design named `[`: {text}");
}

/// `redsim run FILE --format json` with `args`, parsed.
fn run_json(file: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .arg("run")
        .arg(file)
        .args(args)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn each_designs_intervals_are_those_run_prints() {
    // Design A sees 5 outages in 10,000 trials: its interval must allow for
    // an unseen outage as `run`'s does, not be a t interval of width ~0.
    // Design B sees ~80, a busier network ~thousands: the same numbers too.
    for (a, b, trials) in [
        ("two-region.json", "two-region-lean.json", "10000"),
        ("seed-network.json", "seed-network-one-firewall.json", "2000"),
    ] {
        let flags = ["--trials", trials, "--rare", "off"];
        let mut args = vec![scenario(a), scenario(b)];
        args.extend(flags.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let j = json(&args);
        for (k, file) in [a, b].into_iter().enumerate() {
            let run = run_json(&scenario(file), &flags);
            for (s, svc) in j["services"].as_array().unwrap().iter().enumerate() {
                let id = &svc["service"];
                let r = run["services"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| &r["id"] == id)
                    .unwrap();
                let values = svc["designs"][k].as_array().unwrap();
                for v in values {
                    let q = v["quantity"].as_str().unwrap();
                    assert_eq!(v["estimate"], r[q], "{file} service {s} {q}");
                }
            }
        }
    }
}

#[test]
fn designs_that_differ_keep_room_even_where_no_trial_differed() {
    // B needs a part A does not: a rare failure (MTBF 5,000,000 h, 500 h to
    // repair) that 1,000 trials of 30 days almost never see. Both designs
    // share every outage of `unit`, so no trial differs; yet an unseen
    // outage of `z` would be B's alone, and B is worse (0.87 h a year, from
    // `exact`). The difference must not collapse to the point 0.
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, requires: &str| {
        let path = dir.path().join(name);
        let text = format!(
            r#"{{"format":"redsim/1","name":"{name}","mission":"30d",
             "components":[{{"id":"unit","mtbf":"2000h","mttr":"10h"}},{{"id":"z","mtbf":"5000000h","mttr":"500h"}}],
             "services":[{{"id":"system","requires":{requires}}}]}}"#
        );
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let (a, b) = (
        write("a.json", r#""unit""#),
        write("b.json", r#"{"all":["unit","z"]}"#),
    );
    let j = json(&[&a, &b, "--trials", "1000", "--seed", "1"]);
    let d = diff(&j, "downtime_hours_per_year");
    assert_eq!(d["paired"]["point"], 0.0, "{d}");
    assert!(d["paired"]["ci_high"].as_f64().unwrap() > 0.0, "{d}");
    let d = diff(&j, "availability");
    assert!(d["paired"]["ci_low"].as_f64().unwrap() < 0.0, "{d}");
    // A design against itself still differs by exactly nothing.
    let j = json(&[&a, &a, "--trials", "1000", "--seed", "1"]);
    let d = diff(&j, "downtime_hours_per_year");
    assert_eq!(d["paired"]["ci_high"], 0.0, "{d}");
}

#[test]
fn a_paired_interval_wider_than_independent_runs_says_wider() {
    // A single unit against a pair of it over three days: few outages, and
    // the paired interval (room for one more outage) is wider than Welch's.
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("s3.json"), dir.path().join("p3.json"));
    let head = r#"{"format":"redsim/1","name":"x","mission":"3d",
 "components":[{"id":"unit","count":2,"mtbf":"5000h","mttr":"10h"}],
 "services":[{"id":"system","requires":"#;
    std::fs::write(&a, format!("{head}\"unit-1\"}}]}}")).unwrap();
    std::fs::write(&b, format!("{head}{{\"any\":[\"unit-1\",\"unit-2\"]}}}}]}}")).unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let args = [a, b, "--rare", "off", "--trials", "1000"];
    let j = json(&args);
    let (code, text) = compare(&args);
    assert_eq!(code, 0, "{text}");
    let mut seen = 0;
    for d in j["services"][0]["differences"].as_array().unwrap() {
        let x = d["narrowing"].as_f64().unwrap();
        let line = format!("({x:.1}x narrower than independent runs)");
        let wide = format!("({:.1}x wider than independent runs)", 1.0 / x);
        if format!("{x:.1}") == "1.0" || format!("{:.1}", 1.0 / x) == "1.0" {
            assert!(text.contains("(about as wide as independent runs)"), "{text}");
        } else if x < 1.0 {
            seen += 1;
            assert!(!text.contains(&line), "{text}");
            assert!(text.contains(&wide), "{wide} in {text}");
        } else {
            assert!(text.contains(&line), "{line} in {text}");
        }
    }
    assert!(seen > 0, "no difference wider than independent runs: {j}");
}
