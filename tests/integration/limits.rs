//! Huge trial counts and runaway trials: every trial count that fits in a
//! `u64` reports in time proportional to the work, and a runaway trial stops
//! with a clean error in bounded memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use redsim::engine::{self, RunConfig, ServiceTally, Tally};
use redsim::model::Model;
use redsim::shard::{Data, Part, Settings, Shard, Source};

/// Nothing can fail: every trial is the same, with no outage.
const FREE: &str = r#"{
  "format": "redsim/1", "name": "free", "mission": "1h",
  "components": [{"id": "a"}, {"id": "b"}],
  "services": [{"id": "s", "requires": {"all": ["a", "b"]}}]
}"#;

/// Nearly free trials: a 1-hour mission in which one component fails with
/// probability 10^-4 (about 2,000 outages in 20 million trials, so every
/// interval has a width).
const NEARLY_FREE: &str = r#"{
  "format": "redsim/1", "name": "nearly free", "mission": "1h",
  "components": [{"id": "a", "mtbf": "10000h", "mttr": "2h"}, {"id": "b"}],
  "services": [{"id": "s", "requires": {"all": ["a", "b"]}}]
}"#;

/// One element failing and repaired about every second for 1000 years: a
/// runaway trial.
const FLAPPING: &str = r#"{
  "format": "redsim/1", "name": "flapping", "mission": "1000y",
  "components": [{"id": "a", "mtbf": "1s", "mttr": "1s"}],
  "services": [{"id": "s", "requires": "a"}]
}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `redsim ARGS` in `dir`, its address space limited to `memory` bytes when
/// given (a process that needs more aborts), killed if it has not finished
/// after `limit`: a guard against a hang, far above the time the work takes.
fn redsim(dir: &Path, args: &[&str], memory: Option<u64>, limit: Duration) -> Output {
    let mut c = match memory {
        Some(bytes) => {
            let mut c = Command::new("prlimit");
            c.arg(format!("--as={bytes}")).arg(env!("CARGO_BIN_EXE_redsim"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_redsim")),
    };
    c.current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for v in redsim::shard::INDEX_VARIABLES {
        c.env_remove(v);
    }
    let mut child = c
        .spawn()
        .expect("redsim (and prlimit, from util-linux) can start");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            panic!("redsim {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[track_caller]
fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

const GUARD: Duration = Duration::from_secs(120);

/// The JSON report's `trials` and the first service's availability interval.
fn trials_and_interval(json: &str) -> (u64, f64, f64, f64) {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let a = &v["services"][0]["availability"];
    (
        v["trials"].as_u64().unwrap(),
        a["ci_low"].as_f64().unwrap(),
        a["point"].as_f64().unwrap(),
        a["ci_high"].as_f64().unwrap(),
    )
}

#[test]
fn twenty_million_nearly_free_trials_report() {
    // Past about 15 million trials the Student-t quantile of `statrs` never
    // returned, so any report hung. A plain trial of this model costs about
    // 60 ns (plain: under `--rare auto` its 1 h mission is failure-biased and
    // forced, a failure in most trials, about 50 times the cost).
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "nearly-free.json", NEARLY_FREE);
    let file = file.to_str().unwrap();
    let out = ok(&redsim(
        dir.path(),
        &[
            "run", file, "--trials", "20000000", "--rare", "off", "-q", "--format", "json", "--html",
            "r.html",
        ],
        None,
        GUARD,
    ));
    let (trials, low, point, high) = trials_and_interval(&out);
    assert_eq!(trials, 20_000_000);
    assert!(low < point && point < high && high < 1.0, "{low} {point} {high}");
    assert!(dir.path().join("r.html").exists());
    // --precision decides after each batch: one batch of 20 million here.
    let out = redsim(
        dir.path(),
        &[
            "run",
            file,
            "--trials",
            "20000000",
            "--rare",
            "off",
            "--max-trials",
            "20000000",
            "--precision",
            "0.1%",
        ],
        None,
        GUARD,
    );
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not reached") && err.contains("after 20000000 trials"),
        "{err}"
    );
}

/// The tallies `engine::run_segmented` gives for trials `first .. end` of a
/// run of `total` trials of [`FREE`], split at the run's checkpoints: every
/// trial alike, no event, no outage. Worked out rather than simulated
/// (checked against the engine on small runs below).
fn free_segments(first: u64, end: u64, total: u64) -> Vec<Tally> {
    let mut bounds: Vec<u64> = engine::checkpoints(total)
        .into_iter()
        .filter(|&c| c > first && c < end)
        .collect();
    bounds.push(end);
    let mut start = first;
    bounds
        .into_iter()
        .map(|b| {
            let n = b - start;
            start = b;
            Tally {
                trials: n,
                events: 0,
                services: vec![ServiceTally {
                    no_outage: n,
                    ..ServiceTally::default()
                }],
                weighted: None,
            }
        })
        .collect()
}

/// Shard `index` of `count` of a run of `total` trials of [`FREE`] (read from
/// `file`), as `run --shard` writes it, built through the library's shard API.
fn free_shard(file: &Path, model: &Model, total: u64, index: u64, count: u64) -> String {
    let sc = redsim::scenario::load(file).unwrap();
    let part = Part { index, count };
    let (first, end) = part.range(total);
    let settings = Settings {
        seed: engine::DEFAULT_SEED,
        trials: total,
        confidence: 0.95,
        rare: None,
    };
    let data = Data::Run {
        model: Box::new(model.clone()),
        segments: free_segments(first, end, total),
        pilot: None,
    };
    Shard::new(settings, part, vec![Source::of(file, &sc)], data).to_json()
}

#[test]
fn a_merge_of_shards_holding_a_billion_trials_reports() {
    // Simulating 10^9 trials, even of a model where nothing can fail (about
    // 60 ns a trial), would take a minute of CPU; the tallies of such trials
    // are known exactly, so the shard files are built through the library's
    // shard API, checked first to be the files `run --shard` writes.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "free.json", FREE);
    let model = redsim::scenario::load(&file).unwrap().model;
    for (first, end, total) in [(0, 1000, 1000), (250, 500, 1000), (0, 7, 7)] {
        let cfg = RunConfig {
            seed: engine::DEFAULT_SEED,
            first_trial: first,
            trials: end - first,
            threads: Some(1),
        };
        let simulated = engine::run_segmented(&model, &cfg, &engine::checkpoints(total), &|_| {}).unwrap();
        assert_eq!(
            free_segments(first, end, total),
            simulated,
            "{first}..{end} of {total}"
        );
    }
    let name = file.to_str().unwrap();
    let small = dir.path().join("small-1-of-4.json");
    ok(&redsim(
        dir.path(),
        &[
            "run",
            name,
            "--trials",
            "1000",
            "--shard",
            "1/4",
            "-q",
            "-o",
            small.to_str().unwrap(),
        ],
        None,
        GUARD,
    ));
    assert_eq!(
        std::fs::read_to_string(&small).unwrap(),
        free_shard(&file, &model, 1000, 1, 4)
    );

    let total = 1_000_000_000;
    let shards: Vec<String> = (0..4)
        .map(|k| {
            let path = dir.path().join(format!("big-{k}-of-4.json"));
            std::fs::write(&path, free_shard(&file, &model, total, k, 4)).unwrap();
            path.display().to_string()
        })
        .collect();
    let mut args = vec!["merge", "--format", "json", "--result", "result.json"];
    args.extend(shards.iter().map(String::as_str));
    let merged = ok(&redsim(dir.path(), &args, None, GUARD));
    let (trials, low, point, high) = trials_and_interval(&merged);
    assert_eq!(trials, total);
    assert_eq!(point, 1.0);
    assert!(low <= point && point <= high, "{low} {point} {high}");
    let reported = ok(&redsim(
        dir.path(),
        &["report", "result.json", "--format", "json"],
        None,
        GUARD,
    ));
    assert_eq!(reported, merged);
    let checked = redsim(
        dir.path(),
        &["check", name, "--result", "result.json", "--target", "s=99%"],
        None,
        GUARD,
    );
    // Met (exit 0): `s` needs only elements that never fail, so it
    // cannot fail, and says so (it was met by its bound below 3.0e-9).
    assert_eq!(checked.status.code(), Some(0), "{checked:?}");
    let out = String::from_utf8_lossy(&checked.stdout);
    assert!(out.contains("trials 1000000000"), "{out}");
    assert!(out.contains("met") && out.contains("cannot fail"), "{out}");
}

#[test]
fn trace_of_a_runaway_trial_stops_with_a_clean_error_in_bounded_memory() {
    // The trial would need 10^8 events before the engine's guard stops it;
    // `trace` used to keep them all (about 10 GB). It keeps at most
    // MAX_TRACE_EVENTS (40 MB) and stops there.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "flapping.json", FLAPPING);
    let out = redsim(
        dir.path(),
        &["trace", file.to_str().unwrap()],
        Some(1 << 30),
        GUARD,
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("more than {} events", engine::MAX_TRACE_EVENTS)) && err.contains("trial 0"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}
