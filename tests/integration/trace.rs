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
