//! `--set` on every command that reads a scenario (issue 14, point 8): the
//! change has its effect and is recorded; per design on `compare`; one copy
//! made by `count`; ids holding a dot; errors that name the path.

use std::process::Command;

use serde_json::Value;

/// A bundled scenario's path.
fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs redsim: exit code, standard output, standard error.
fn redsim(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// Runs redsim, which must succeed, and reads its JSON output.
#[track_caller]
fn json(args: &[&str]) -> Value {
    let (code, out, err) = redsim(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

/// `exact`'s unavailability of the one service of `parallel.json` (two
/// units of MTBF 990 h and MTTR 10 h in parallel) with `sets`.
fn parallel_unavailability(sets: &[&str]) -> f64 {
    let file = scenario("parallel.json");
    let mut args = vec!["exact", file.as_str(), "--format", "json"];
    for s in sets {
        args.extend(["--set", s]);
    }
    let v = json(&args);
    if !sets.is_empty() {
        assert_eq!(
            v["scenario"]["set"],
            serde_json::json!(sets),
            "exact records its changes"
        );
    }
    v["services"][0]["exact"]["unavailability"].as_f64().unwrap()
}

#[track_caller]
fn assert_rel(what: &str, got: f64, want: f64) {
    assert!(((got - want) / want).abs() < 1e-9, "{what}: {got} vs {want}");
}

#[test]
fn exact_with_a_changed_repair_gives_the_closed_form() {
    // A unit is down a fraction MTTR / (MTBF + MTTR) of the time; the pair when both are.
    assert_rel("as written", parallel_unavailability(&[]), 0.01 * 0.01);
    assert_rel(
        "both units (the template)",
        parallel_unavailability(&["templates.unit.mttr=90h"]),
        (90.0 / 1080.0_f64).powi(2),
    );
}

#[test]
fn one_copy_made_by_count_is_changed_alone() {
    // Only unit-2 repairs in 90 h: 0.01 × 90/1080, not (90/1080)² nor 0.01².
    assert_rel(
        "unit-2 alone",
        parallel_unavailability(&["components.unit-2.mttr=90h"]),
        0.01 * 90.0 / 1080.0,
    );
    // The copy keeps its id and place, and its own random stream: unit-1's
    // events are those of the unchanged trial, unit-2 fails 100 h after
    // the start and after each repair.
    let file = scenario("parallel.json");
    let trace = |sets: &[&str]| {
        let mut args = vec!["trace", file.as_str(), "--format", "json"];
        for s in sets {
            args.extend(["--set", s]);
        }
        json(&args)
    };
    let of = |v: &Value, id: &str| -> Vec<Value> {
        let events = v["events"].as_array().unwrap();
        events.iter().filter(|e| e["element"] == id).cloned().collect()
    };
    let plain = trace(&[]);
    let fixed = r#"components.unit-2.failure={"fixed": "100h"}"#;
    let changed = trace(&[fixed]);
    assert_eq!(changed["scenario"]["set"], serde_json::json!([fixed]));
    assert!(!of(&plain, "unit-1").is_empty());
    assert_eq!(of(&changed, "unit-1"), of(&plain, "unit-1"));
    let unit2 = of(&changed, "unit-2");
    assert!(unit2.len() >= 4, "{unit2:?}");
    let mut up_since = 0.0;
    for e in &unit2 {
        let t = e["t"].as_f64().unwrap();
        match e["event"].as_str().unwrap() {
            "failed" => assert!((t - up_since - 100.0).abs() < 1e-6, "{e} after {up_since}"),
            "repaired" => up_since = t,
            other => panic!("unexpected event {other}"),
        }
    }
    // The text trace says what was changed.
    let (code, text, err) = redsim(&["trace", &file, "--set", "components.unit-2.mttr=90h"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("\nset        components.unit-2.mttr=90h\n"),
        "{text}"
    );
}

#[test]
fn spof_and_graph_follow_a_change_of_structure() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pair.json");
    let pair = serde_json::json!({
        "format": "redsim/1", "name": "pair", "mission": "1y",
        "components": [
            {"id": "db.primary", "mtbf": "1000h", "mttr": "1h"},
            {"id": "db.replica", "mtbf": "1000h", "mttr": "1h"}
        ],
        "services": [{"id": "app", "requires": "db.primary"}]
    });
    std::fs::write(&file, pair.to_string()).unwrap();
    let file = file.to_str().unwrap();
    let spofs = |sets: &[&str]| {
        let mut args = vec!["spof", file, "--format", "json"];
        for s in sets {
            args.extend(["--set", s]);
        }
        let v = json(&args);
        assert_eq!(v["scenario"]["set"].as_array().map_or(0, Vec::len), sets.len());
        let list = v["services"][0]["spofs"].as_array().unwrap().clone();
        list.iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(spofs(&[]), ["db.primary"]);
    let redundant = r#"services.app.requires={"any": ["db.primary", "db.replica"]}"#;
    assert_eq!(
        spofs(&[redundant]),
        Vec::<String>::new(),
        "a redundant part is no SPOF"
    );
    let (code, dot, err) = redsim(&["graph", file]);
    assert_eq!(code, 0, "{err}");
    assert!(
        dot.contains(r#""db.primary" [label="db.primary", color=red"#),
        "{dot}"
    );
    let (code, dot, err) = redsim(&["graph", file, "--set", redundant]);
    assert_eq!(code, 0, "{err}");
    assert!(!dot.contains("color=red"), "{dot}");
    // An id holding a dot is reached quoted; unquoted, the longest id that
    // names an entry wins.
    let u = |sets: &[&str]| {
        let mut args = vec!["exact", file, "--format", "json"];
        for s in sets {
            args.extend(["--set", s]);
        }
        json(&args)["services"][0]["exact"]["unavailability"]
            .as_f64()
            .unwrap()
    };
    assert_rel("as written", u(&[]), 1.0 / 1001.0);
    assert_rel("quoted", u(&[r#"components."db.primary".mttr=9h"#]), 9.0 / 1009.0);
    assert_rel("longest id", u(&["components.db.primary.mttr=9h"]), 9.0 / 1009.0);
    // validate checks the changed scenario and says so.
    let (code, out, err) = redsim(&["validate", file, "--set", "components.db.replica.mttr=2h"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("--set components.db.replica.mttr=2h: ok"), "{out}");
}

#[test]
fn every_command_that_reads_a_scenario_refuses_a_path_to_nothing() {
    let file = scenario("parallel.json");
    let bad = "components.unit-3.mttr=1h";
    for cmd in [
        "run", "check", "trace", "spof", "exact", "graph", "validate", "compare", "sweep",
    ] {
        let mut args = vec![cmd, file.as_str()];
        if cmd == "compare" {
            args.push(&file);
        }
        args.extend(["--set", bad]);
        let (code, _, err) = redsim(&args);
        assert_eq!(code, 2, "{cmd}: {err}");
        assert!(
            err.contains(&format!("--set {bad}"))
                && err.contains("`unit` has `count` 2 (`unit-1` to `unit-2`)"),
            "{cmd}: {err}"
        );
    }
    let (code, _, err) = redsim(&["exact", &file, "--set", "components.nope.mttr=1h"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--set components.nope.mttr=1h") && err.contains("no entry of `components`"),
        "{err}"
    );
    // A design's letter is for compare.
    let (code, _, err) = redsim(&["spof", &file, "--set", "B:mission=2y"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("`B:` names a design") && err.contains("redsim compare"),
        "{err}"
    );
}

/// `compare` of the one-crew fleet against itself at 1,000 plain trials, as JSON.
fn fleet_compare(sets: &[&str]) -> Value {
    let file = scenario("fleet-one-crew.json");
    let mut args = vec![
        "compare", &file, &file, "--trials", "1000", "--rare", "off", "--format", "json", "-q",
    ];
    for s in sets {
        args.extend(["--set", s]);
    }
    json(&args)
}

/// Each service's estimates of design `d` in a compare report.
fn design_rows(v: &Value, d: usize) -> Vec<Value> {
    let services = v["services"].as_array().unwrap();
    services.iter().map(|s| s["designs"][d].clone()).collect()
}

#[test]
fn a_change_to_one_design_moves_its_row_alone() {
    let same = fleet_compare(&[]);
    let b = fleet_compare(&["B:repair.crews=2"]);
    assert_eq!(design_rows(&b, 0), design_rows(&same, 0), "design A is untouched");
    assert_ne!(design_rows(&b, 1), design_rows(&same, 1), "design B moved");
    assert_eq!(b["designs"][0].get("set"), None);
    assert_eq!(b["designs"][1]["set"], serde_json::json!(["repair.crews=2"]));
    // Design B is what `run --set` gives, and a plain --set reaches every design.
    let file = scenario("fleet-one-crew.json");
    let run = json(&[
        "run",
        &file,
        "--set",
        "repair.crews=2",
        "--trials",
        "1000",
        "--rare",
        "off",
        "--format",
        "json",
        "-q",
    ]);
    let run_rows: Vec<Value> = run["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["availability"].clone())
        .collect();
    let b_rows: Vec<Value> = design_rows(&b, 1)
        .iter()
        .map(|d| {
            d.as_array()
                .unwrap()
                .iter()
                .find(|q| q["quantity"] == "availability")
                .unwrap()["estimate"]
                .clone()
        })
        .collect();
    assert_eq!(b_rows, run_rows);
    let both = fleet_compare(&["repair.crews=2"]);
    assert_eq!(design_rows(&both, 0), design_rows(&b, 1));
    assert_eq!(design_rows(&both, 1), design_rows(&b, 1));
    // The same through shards: the shard file records each design's changes.
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("c.json");
    let shard = shard.to_str().unwrap();
    let (code, _, err) = redsim(&[
        "compare",
        &file,
        &file,
        "--trials",
        "1000",
        "--rare",
        "off",
        "-q",
        "--set",
        "B:repair.crews=2",
        "--shard",
        "0/1",
        "-o",
        shard,
    ]);
    assert_eq!(code, 0, "{err}");
    let merged = json(&["merge", shard, "--format", "json", "-q"]);
    assert_eq!(merged["services"], b["services"]);
    assert_eq!(merged["designs"], b["designs"]);
}

#[test]
fn an_unknown_or_lower_case_design_is_refused_naming_the_designs() {
    let file = scenario("fleet-one-crew.json");
    let (code, _, err) = redsim(&[
        "compare",
        &file,
        &file,
        "--trials",
        "100",
        "--set",
        "C:repair.crews=2",
        "--set",
        "b:repair.crews=2",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--set C:repair.crews=2: there is no design C: the designs are A (")
            && err.contains("), B ("),
        "{err}"
    );
    assert!(
        err.contains("write B:repair.crews=2"),
        "every problem at once: {err}"
    );
    // A design's bad value names its file and the change.
    let (code, _, err) = redsim(&[
        "compare",
        &file,
        &file,
        "--trials",
        "100",
        "--set",
        "B:repair.crews=0",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("repair.crews") && err.contains("--set repair.crews=0"),
        "{err}"
    );
}
