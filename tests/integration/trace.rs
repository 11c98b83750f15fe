//! `redsim trace`: the timeline of one trial is the same trial as in a run,
//! and reads back to the run's numbers.

use redsim::engine::{self, RunConfig, ServiceState, TICKS_PER_HOUR, TraceEvent};

use crate::common::model;

const PAIR: &str = r#"{
  "format": "redsim/1", "name": "pair", "mission": "2000h",
  "components": [
    {"id": "src"},
    {"id": "a", "mtbf": "300h", "mttr": "40h"},
    {"id": "b", "mtbf": "300h", "mttr": "40h"}
  ],
  "links": [{"between": ["src", "a"]}, {"between": ["src", "b"]}],
  "services": [
    {"id": "reach", "from": "src", "to": ["a", "b"]},
    {"id": "both", "requires": {"all": ["a", "b"]}}
  ]
}"#;

/// Down time and outages of service `s` read off a trace.
fn from_trace(events: &[TraceEvent], s: usize, mission: f64) -> (f64, u64) {
    let (mut down, mut outages, mut since) = (0.0, 0, None);
    for ev in events {
        if let TraceEvent::Service { t, service, state } = *ev
            && service == s
        {
            if let Some(t0) = since.take() {
                down += t - t0;
            }
            if state == ServiceState::Down {
                outages += 1;
                since = Some(t);
            }
        }
    }
    if let Some(t0) = since {
        down += mission - t0;
    }
    (down, outages)
}

#[test]
fn a_trace_is_the_same_trial_as_in_a_run() {
    let m = model(PAIR);
    let seed = 99;
    for trial in [0u64, 7, 1234] {
        let events = engine::trace(&m, seed, trial).unwrap();
        assert!(
            events.windows(2).all(|w| w[0].time() <= w[1].time()),
            "events in time order"
        );
        let cfg = RunConfig {
            seed,
            first_trial: trial,
            trials: 1,
            threads: Some(1),
        };
        let tally = engine::run(&m, &cfg, &|_| {}).unwrap();
        for s in 0..m.services.len() {
            let (down, outages) = from_trace(&events, s, m.mission);
            let t = &tally.services[s];
            assert_eq!(
                t.outages.sum,
                u128::from(outages),
                "trial {trial}, service {s}: outages"
            );
            let ticks = (down * TICKS_PER_HOUR).round() as i128;
            assert!(
                (t.down.sum as i128 - ticks).abs() <= 1,
                "trial {trial}, service {s}: {} ticks down in the run, {ticks} in the trace",
                t.down.sum
            );
        }
        let failures = events
            .iter()
            .filter(|e| matches!(e, TraceEvent::Element { up: false, .. }))
            .count();
        assert!(
            failures > 0,
            "trial {trial}: with MTBF 300 h over 2000 h something fails"
        );
    }
}

#[test]
fn the_trace_command_prints_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pair.json");
    std::fs::write(&file, PAIR).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let f = file.to_str().unwrap();
    let text = run(&["trace", f, "--trial", "7", "--seed", "99"]);
    assert!(text.contains("trial 7") && text.contains("seed 99"), "{text}");
    // A trace is a plain trial: under failure biasing a run's trial 7 is
    // another one.
    assert!(
        text.contains("(the same trial as trial 7 of a plain `redsim run --rare off` with this seed)"),
        "{text}"
    );
    assert!(
        text.contains("service both: DOWN   <- "),
        "an outage names its cause:\n{text}"
    );
    assert!(text.contains("end of mission"), "{text}");
    let json: serde_json::Value = serde_json::from_str(&run(&[
        "trace", f, "--trial", "7", "--seed", "99", "--format", "json",
    ]))
    .unwrap();
    assert_eq!(json["format"], "redsim-trace/1");
    let events = json["events"].as_array().unwrap();
    assert!(
        events
            .iter()
            .any(|e| e["state"] == "down" && e["cause"].is_string())
    );
    assert!(events.iter().any(|e| e["event"] == "failed"));
}

#[test]
fn a_trace_shows_failover_and_maintenance_steps_with_their_causes() {
    // `a` fails at 10 h for 5 h; the switch to `b` fails, so a manual failover
    // follows; `b` is patched at 20 h and the group switches back to `a`.
    let doc = r#"{
      "format": "redsim/1", "name": "steps", "mission": "40h",
      "components": [{"id": "a", "failure": {"fixed": "10h"}, "repair": {"fixed": "5h"}}, {"id": "b"}],
      "groups": [{"id": "g", "members": ["a", "b"], "mode": "active-passive",
                  "failover": {"detection": "30s", "switchover": "1m", "success": 0.0, "manual": "20m"}}],
      "maintenance": [{"id": "patch", "members": ["b"], "every": "100h", "duration": "1h", "start": "20h"}],
      "services": [{"id": "s", "requires": "group:g"}]
    }"#;
    let m = model(doc);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("steps.json");
    std::fs::write(&file, doc).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(["trace", file.to_str().unwrap(), "--trial", "0"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "group g: lost its active member a: detecting",
        "group g: switching over to b",
        "group g: switch to b failed: manual failover",
        "group g: b took over (manual failover)",
        "b out of service (patch)",
        "group g: planned switchover to a",
        "service s: DOWN   <- patch b out, g: planned switchover to a",
        "b back in service (patch)",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    // The outage of the failover lasts detection + switchover + manual failover.
    let events = engine::trace(&m, 1, 0).unwrap();
    let downs: Vec<f64> = events
        .iter()
        .filter_map(|e| match *e {
            TraceEvent::Service { t, state, .. } if state != ServiceState::Down => Some(t),
            _ => None,
        })
        .collect();
    let back = 10.0 + (30.0 + 60.0 + 1200.0) / 3600.0;
    assert!(downs.iter().any(|&t| (t - back).abs() < 1e-9), "{downs:?}");
}

#[test]
fn a_trace_says_why_a_repair_waited() {
    // One crew: `a` is repaired from 10 h to 15 h; `b` fails at 12 h, waits
    // out 1 h of logistics, then for the crew. `x` finds its pool of one
    // spare empty at 25 h and takes the restocked one at 110 h.
    let doc = r#"{
      "format": "redsim/1", "name": "waits", "mission": "130h",
      "repair": {"crews": 1},
      "spare_pools": [{"id": "parts", "size": 1, "restock": {"fixed": "100h"}}],
      "components": [
        {"id": "a", "failure": {"fixed": "10h"}, "repair": {"fixed": "5h"}},
        {"id": "b", "failure": {"fixed": "12h"}, "repair": {"fixed": "50h"}, "logistics": {"fixed": "1h"}},
        {"id": "x", "failure": {"fixed": "16h"}, "repair": {"fixed": "4h"}, "spares": {"pool": "parts"}}
      ],
      "services": [{"id": "s", "requires": {"all": ["a", "b", "x"]}}]
    }"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("waits.json");
    std::fs::write(&file, doc).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
            .arg("trace")
            .arg(&file)
            .args(args)
            .output()
            .unwrap();
        crate::common::assert_exit(&out, 0);
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(&[]);
    for line in [
        "12.000  d0 12:00:00     b repair waits: logistics delay (travel, parts)",
        "13.000  d0 13:00:00     b repair waits: crew busy: 1 of 1 crew(s) of the scenario-wide crews (repair.crews) at work, 1 in line",
        "15.000  d0 15:00:00     b repair started",
        // x fails at 16 h while b holds the crew (15 h to 65 h).
        "16.000  d0 16:00:00     x repair waits: crew busy: 1 of 1 crew(s)",
        "65.000  d2 17:00:00     x repair started",
        "69.000  d2 21:00:00     x repaired",
        // At 85 h the pool's one spare is in x; the restock ordered at 16 h arrives at 116 h.
        "85.000  d3 13:00:00     x repair waits: no spare on hand in pool parts (size 1): a restocked one is on order, 1 in line",
        // It takes it with `a` in line for the crew, which b holds from 78 h to 128 h.
        "116.000  d4 20:00:00     x took a restocked spare from pool parts",
        "116.000  d4 20:00:00     x repair waits: crew busy: 1 of 1 crew(s) of the scenario-wide crews (repair.crews) at work, 2 in line",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    let wait = |element: &str, t: f64| {
        let found = json["events"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["event"] == "repair waits" && e["element"] == element && e["t"] == t);
        found.unwrap_or_else(|| panic!("no wait of {element} at {t} h"))["wait"].clone()
    };
    assert_eq!(wait("b", 12.0), serde_json::json!({"reason": "logistics"}));
    assert_eq!(
        wait("b", 13.0),
        serde_json::json!({"reason": "crew_busy", "crew_pool": null, "crews": 1, "busy": 1, "in_line": 1})
    );
    assert_eq!(
        wait("x", 85.0),
        serde_json::json!({"reason": "no_spare", "spare_pool": "parts", "size": 1, "in_line": 1})
    );
    assert!(
        json["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "took a restocked spare" && e["spare_pool"] == "parts" && e["t"] == 116.0)
    );
}

#[test]
fn first_outage_traces_the_first_trial_a_run_sees_down_and_replays_with_trial() {
    // `one` is down in about one trial in 30; `both` needs a and b down at once.
    let doc = r#"{"format": "redsim/1", "name": "rare", "mission": "10h",
      "components": [{"id": "a", "mtbf": "300h", "mttr": "1h"}, {"id": "b", "mtbf": "300h", "mttr": "1h"}],
      "services": [{"id": "one", "requires": "a"}, {"id": "both", "requires": {"any": ["a", "b"]}}]}"#;
    let m = model(doc);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rare.json");
    std::fs::write(&file, doc).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
            .arg("trace")
            .arg(&file)
            .args(["--seed", "5"])
            .args(args)
            .output()
            .unwrap();
        crate::common::assert_exit(&out, 0);
        (text_of(&out.stdout), text_of(&out.stderr))
    };
    let outages_before = |k: u64, s: usize| {
        let cfg = RunConfig {
            seed: 5,
            first_trial: 0,
            trials: k,
            threads: Some(1),
        };
        engine::run(&m, &cfg, &|_| {}).unwrap().services[s].outages.sum
    };
    let (found, note) = run(&["--first-outage", "--service", "both", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&found).unwrap();
    let k = json["trial"].as_u64().unwrap();
    assert_eq!(
        json["first_outage"],
        serde_json::json!({"service": "both", "from": 0})
    );
    assert!(
        note.contains(&format!(
            "trial {k} is the first of trials 0..=99999 (seed 5) with an outage of service `both`"
        )),
        "{note}"
    );
    // A run of k trials never sees `both` down; its trial k does.
    assert_eq!(outages_before(k, 1), 0);
    assert!(outages_before(k + 1, 1) > 0);
    // The trial found replays identically with --trial k.
    let (replay, _) = run(&["--trial", &k.to_string(), "--format", "json"]);
    let mut replay: serde_json::Value = serde_json::from_str(&replay).unwrap();
    replay["first_outage"] = json["first_outage"].clone();
    assert_eq!(replay, json, "the same events, the same report");
    // Text: the same timeline, with a line saying how it was found.
    let (text, _) = run(&["--first-outage", "--service", "both"]);
    let (plain, _) = run(&["--trial", &k.to_string()]);
    let said = format!("(trial {k}: the first from trial 0 with an outage of service both)\n");
    assert!(text.contains(&said), "{text}");
    assert_eq!(text.replace(&said, ""), plain);
    // From further on: the next such trial.
    let (next, _) = run(&[
        "--first-outage",
        "--service",
        "both",
        "--trial",
        &(k + 1).to_string(),
        "--format",
        "json",
    ]);
    let next: serde_json::Value = serde_json::from_str(&next).unwrap();
    let next = next["trial"].as_u64().unwrap();
    assert!(next > k && outages_before(next, 1) == outages_before(k + 1, 1));
    // None within the bound: said, exit 0, nothing on standard output.
    let (none, why) = run(&["--first-outage", "--service", "both", "--within", &k.to_string()]);
    assert_eq!(none, "");
    assert!(
        why.contains(&format!(
            "no outage of service `both` in trials 0..={} (seed 5",
            k - 1
        )) && why.contains("search more with --within N"),
        "{why}"
    );
    // An unknown service is bad input.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
        .arg("trace")
        .arg(&file)
        .args(["--first-outage", "--service", "nope"])
        .output()
        .unwrap();
    crate::common::assert_exit(&out, 2);
    assert!(text_of(&out.stderr).contains("no service `nope` in the scenario (services: one, both)"));
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn first_outage_refuses_an_empty_or_overflowing_search() {
    let doc = r#"{"format": "redsim/1", "name": "w", "mission": "10h",
      "components": [{"id": "a", "mtbf": "300h", "mttr": "1h"}],
      "services": [{"id": "one", "requires": "a"}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.json");
    std::fs::write(&file, doc).unwrap();
    for (args, said) in [
        (&["--within", "0"][..], "--within 0"),
        (
            &["--trial", "18446744073709551615", "--within", "10"][..],
            "past the last trial index",
        ),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
            .arg("trace")
            .arg(&file)
            .arg("--first-outage")
            .args(args)
            .output()
            .unwrap();
        crate::common::assert_exit(&out, 2);
        let err = text_of(&out.stderr);
        assert!(err.contains(said), "{args:?}: {err}");
        assert!(!err.contains("trials searched"), "{err}");
    }
}
