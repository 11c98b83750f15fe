//! Sharded runs: shards of `run`, `sweep` and `compare`, merged, give the
//! single command's report byte for byte; merge refuses incomplete,
//! duplicated, overlapping and foreign sets of shards; the shard index
//! comes from the schedulers' variables; GNU parallel runs the shards.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// `redsim ARGS` in `dir`, with no scheduler variables in its environment.
pub(crate) fn redsim_in(dir: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_redsim"));
    c.current_dir(dir).args(args);
    for v in redsim::shard::INDEX_VARIABLES {
        c.env_remove(v);
    }
    c.output().unwrap()
}

/// Standard output of a command that must succeed.
#[track_caller]
pub(crate) fn ok(dir: &Path, args: &[&str]) -> String {
    let out = redsim_in(dir, args);
    assert!(
        out.status.success(),
        "redsim {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Standard error of a command that must fail with exit code 2.
#[track_caller]
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = redsim_in(dir, args);
    assert_eq!(out.status.code(), Some(2), "redsim {args:?}: {out:?}");
    String::from_utf8(out.stderr).unwrap()
}

/// Runs the `count` shards of `cmd` (a command and its arguments, without
/// `--shard`) into `dir`, and returns their paths in index order.
fn shards(dir: &Path, cmd: &[&str], count: u64) -> Vec<String> {
    (0..count)
        .map(|k| {
            let file = dir.join(format!("s{k}-of-{count}.json")).display().to_string();
            let spec = format!("{k}/{count}");
            // Plain shards: what these tests check (failure-biased shards
            // are tests/integration/rare_scale.rs's).
            let mut args = cmd.to_vec();
            if !args.contains(&"--rare") {
                args.extend(["--rare", "off"]);
            }
            args.extend(["--shard", &spec, "-o", &file]);
            ok(dir, &args);
            file
        })
        .collect()
}

/// `redsim merge FILES EXTRA...`.
fn merge(dir: &Path, files: &[String], extra: &[&str]) -> String {
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(extra);
    ok(dir, &args)
}

#[test]
fn run_shards_merge_to_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("seed-network.json");
    // Plain (failure-biased shards are rare_scale.rs's).
    let cmd = [
        "run", &s, "--trials", "1001", "--seed", "7", "-q", "--rare", "off",
    ];
    let table = ok(d, &cmd);
    let json = ok(d, &[&cmd[..], &["--format", "json"]].concat());
    let whole = d.join("whole.json").display().to_string();
    ok(d, &[&cmd[..], &["--shard", "0/1", "-o", &whole]].concat());
    // 7 does not divide 1001; 40 shards are shorter than the engine's work units.
    for count in [1, 3, 7, 40] {
        let files = shards(d, &cmd, count);
        let result = d.join(format!("result-{count}.json")).display().to_string();
        assert_eq!(merge(d, &files, &["--result", &result]), table, "{count} shards");
        assert_eq!(merge(d, &files, &["--format", "json"]), json, "{count} shards");
        // The result keeps every segment: it is the file one shard of all the trials writes.
        assert_eq!(std::fs::read(&result).unwrap(), std::fs::read(&whole).unwrap());
        assert_eq!(ok(d, &["report", &result]), table);
    }
    // More shards than trials: some shards hold none.
    let small = ["run", &s, "--trials", "5", "--seed", "7", "-q", "--rare", "off"];
    let files = shards(d, &small, 8);
    assert_eq!(merge(d, &files, &[]), ok(d, &small));
    let empty = &files[0];
    let e = fails(d, &["report", empty]);
    assert!(e.contains("holds no trials"), "{e}");
}

#[test]
fn every_statistic_survives_the_file() {
    // Shocks (causes past the elements), planned downtime, replication and RPO.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in [
        "firewall-pair-common-cause.json",
        "patching-rolling.json",
        "db-async-replication.json",
    ] {
        let s = scenario(name);
        let cmd = ["run", &s, "--trials", "600", "--seed", "3", "-q", "--rare", "off"];
        let files = shards(d, &cmd, 3);
        let json = ok(d, &[&cmd[..], &["--format", "json"]].concat());
        assert_eq!(merge(d, &files, &["--format", "json"]), json, "{name}");
    }
}

#[test]
fn crew_pools_shards_merge_to_the_single_run() {
    // Crew pools per region (plain and biased), and pools that pick at random.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let random = d.join("random-pools.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scenario("two-region-lean.json")).unwrap()).unwrap();
    v["repair"]["pools"]["east"] = serde_json::json!({"crews": 1, "discipline": "random"});
    v["repair"]["pools"]["west"] = serde_json::json!({"crews": 1, "discipline": "random"});
    v["mission"] = serde_json::json!("20y");
    std::fs::write(&random, v.to_string()).unwrap();
    let random = random.display().to_string();
    for (s, rare) in [
        (scenario("two-region.json"), "on"),
        (scenario("two-region-lean.json"), "off"),
        (random, "off"),
    ] {
        let cmd = ["run", &s, "--trials", "900", "--seed", "5", "-q", "--rare", rare];
        let files = shards(d, &cmd, 3);
        let json = ok(d, &[&cmd[..], &["--format", "json"]].concat());
        assert_eq!(merge(d, &files, &["--format", "json"]), json, "{s}");
    }
}

#[test]
fn sweep_and_compare_shards_merge_to_the_single_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = scenario("fleet-one-crew.json");
    let sweep = [
        "sweep",
        &f,
        "--set",
        "repair.crews=1,2",
        "--trials",
        "301",
        "--seed",
        "5",
        "--rare",
        "off",
    ];
    for count in [2, 4] {
        let files = shards(d, &sweep, count);
        assert_eq!(merge(d, &files, &[]), ok(d, &sweep), "sweep, {count} shards");
        let json = ok(d, &[&sweep[..], &["--format", "json"]].concat());
        assert_eq!(merge(d, &files, &["--format", "json"]), json);
    }
    let (a, b) = (
        scenario("seed-network.json"),
        scenario("seed-network-one-firewall.json"),
    );
    let compare = [
        "compare", &a, &b, "--trials", "500", "--seed", "5", "--rare", "off",
    ];
    let files = shards(d, &compare, 3);
    assert_eq!(merge(d, &files, &[]), ok(d, &compare));
    let json = ok(d, &[&compare[..], &["--format", "json"]].concat());
    let result = d.join("cmp-result.json").display().to_string();
    assert_eq!(merge(d, &files, &["--format", "json", "--result", &result]), json);
    assert_eq!(ok(d, &["report", &result, "--format", "json"]), json);
    // Shards of different kinds do not merge.
    let sweeps = shards(d, &sweep, 2);
    let e = fails(d, &["merge", &files[0], &files[1], &files[2], &sweeps[0]]);
    assert!(e.contains("kind sweep (the others: compare)"), "{e}");
}

#[test]
fn a_shard_run_again_is_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("seed-network.json");
    let args = [
        "run", &s, "--trials", "900", "--seed", "2", "-q", "--shard", "1/3",
    ];
    ok(d, &[&args[..], &["--threads", "1"]].concat());
    // The default name, in the working directory.
    let file = d.join("seed-network.shard-1-of-3.json");
    let first = std::fs::read(&file).unwrap();
    ok(d, &[&args[..], &["--threads", "2"]].concat());
    assert_eq!(
        std::fs::read(&file).unwrap(),
        first,
        "a retried shard writes the same bytes"
    );
    let names: Vec<PathBuf> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(names, vec![file], "no temporary file left behind");
    let head: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(head["format"], "redsim-shard/5");
    assert_eq!(head["method"], "plain");
    assert!(head.get("rare").is_none());
    let sum = head["checksum"].as_str().unwrap();
    assert_eq!(sum, redsim::shard::checksum(&head));
    assert!(
        sum.len() == 64 && sum.bytes().all(|b| b.is_ascii_hexdigit()),
        "{sum}"
    );
    assert_eq!(head["kind"], "run");
    assert_eq!(head["range"], serde_json::json!({"first": 300, "end": 600}));
    assert_eq!(head["shard"], serde_json::json!({"index": 1, "count": 3}));
    assert_eq!(head["seed"], 2);
    assert_eq!(head["trials"], 900);
    // Sums are decimal strings, exact for any reader.
    assert!(head["segments"][0]["tally"]["services"][0]["down"]["sum_sq"].is_string());
}

#[test]
fn the_shard_index_comes_from_each_scheduler() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    let base = ["run", &s, "--trials", "40", "--seed", "1", "-q"];
    let fixed = d.join("fixed.json").display().to_string();
    ok(d, &[&base[..], &["--shard", "2/4", "-o", &fixed]].concat());
    let auto = |vars: &[(&str, &str)], out: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_redsim"));
        c.current_dir(d).args(base).args(["--shard", "auto/4", "-o", out]);
        for v in redsim::shard::INDEX_VARIABLES {
            c.env_remove(v);
        }
        c.envs(vars.iter().copied()).output().unwrap()
    };
    for var in redsim::shard::INDEX_VARIABLES {
        let out = d.join(format!("{var}.json")).display().to_string();
        let o = auto(&[(var, "2")], &out);
        assert!(
            o.status.success(),
            "{var}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            std::fs::read(&out).unwrap(),
            std::fs::read(&fixed).unwrap(),
            "{var}"
        );
    }
    let err = |vars: &[(&str, &str)]| {
        let o = auto(vars, "x.json");
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8(o.stderr).unwrap()
    };
    let e = err(&[]);
    assert!(
        e.contains("no shard index in the environment") && e.contains("JOB_COMPLETION_INDEX"),
        "{e}"
    );
    let e = err(&[("SLURM_ARRAY_TASK_ID", "4")]);
    assert!(
        e.contains("SLURM_ARRAY_TASK_ID=4 is out of range for 4 shards"),
        "{e}"
    );
    let e = err(&[("SLURM_ARRAY_TASK_ID", "1"), ("JOB_COMPLETION_INDEX", "2")]);
    assert!(e.contains("disagrees"), "{e}");
    let e = err(&[("AWS_BATCH_JOB_ARRAY_INDEX", "one")]);
    assert!(e.contains("not a shard index"), "{e}");
    // Usage errors.
    let e = fails(d, &[&base[..], &["--shard", "4/4"]].concat());
    assert!(e.contains("out of range"), "{e}");
    let e = fails(d, &[&base[..], &["--shard", "1/4", "--precision", "5%"]].concat());
    assert!(e.contains("--precision cannot be used with --shard"), "{e}");
}

#[test]
fn merge_refuses_missing_duplicated_overlapping_and_foreign_shards() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    let cmd = ["run", &s, "--trials", "100", "--seed", "7", "-q"];
    let files = shards(d, &cmd, 4);
    let e = fails(d, &["merge", &files[0], &files[2], &files[3]]);
    assert!(
        e.contains("trials 25..50 of 100 are in no file: shard is 1/4 missing"),
        "{e}"
    );
    let e = fails(d, &["merge", &files[0], &files[3]]);
    assert!(
        e.contains("trials 25..75 of 100 are in no file: shards are 1/4, 2/4 missing"),
        "{e}"
    );
    let copy = d.join("copy.json").display().to_string();
    std::fs::copy(&files[1], &copy).unwrap();
    let e = fails(d, &["merge", &files[0], &files[1], &files[2], &files[3], &copy]);
    assert!(
        e.contains("hold the same trials (trials 25..50, shard 1 of 4): a shard given twice"),
        "{e}"
    );
    let thirds = shards(d, &cmd, 3);
    let e = fails(
        d,
        &["merge", &files[0], &files[1], &thirds[1], &files[2], &files[3]],
    );
    assert!(
        e.contains("(trials 33..66, shard 1 of 3) overlaps ")
            && e.contains("(trials 25..50, shard 1 of 4) in trials 33..50")
            && e.contains("(trials 50..75, shard 2 of 4) in trials 50..66"),
        "{e}"
    );
    // Another seed, another trial count, another scenario, another --set: all
    // listed at once, with what differs.
    let other = |extra: &[&str], name: &str| {
        let out = d.join(name).display().to_string();
        let mut args = vec!["run", "--shard", "1/4", "-q", "-o", &out];
        args.extend(extra);
        ok(d, &args);
        out
    };
    let seed = other(&[&s, "--trials", "100", "--seed", "8"], "seed.json");
    let trials = other(&[&s, "--trials", "104", "--seed", "7"], "trials.json");
    let bridge = scenario("bridge.json");
    let scen = other(&[&bridge, "--trials", "100", "--seed", "7"], "scenario.json");
    let set = other(
        &[&s, "--trials", "100", "--seed", "7", "--set", "mission=100h"],
        "set.json",
    );
    let e = fails(
        d,
        &[
            "merge", &files[0], &files[1], &files[2], &files[3], &seed, &trials, &scen, &set,
        ],
    );
    assert!(e.contains("4 problems"), "{e}");
    assert!(
        e.contains("seed.json is from another run: seed 8 (the others: 7)"),
        "{e}"
    );
    assert!(
        e.contains("trials.json is from another run: trials 104 (the others: 100)"),
        "{e}"
    );
    assert!(
        e.contains("scenario.json is from another run: scenario") && e.contains("bridge.json"),
        "{e}"
    );
    assert!(e.contains("set.json is from another run: scenario"), "{e}");
    // Not a shard at all, and a shard altered by hand.
    let e = fails(d, &["merge", &s]);
    assert!(
        e.contains("not a redsim shard or result file (its format is `redsim/1`"),
        "{e}"
    );
    let altered = d.join("altered.json");
    let text = std::fs::read_to_string(&files[0]).unwrap();
    std::fs::write(&altered, text.replacen("\\\"mission\\\"", "\\\"mission \\\"", 1)).unwrap();
    let e = fails(d, &["merge", &altered.display().to_string()]);
    assert!(e.contains("does not match its sha256"), "{e}");
    let truncated = d.join("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let e = fails(d, &["report", &truncated.display().to_string()]);
    assert!(e.contains("not JSON"), "{e}");
}

#[test]
fn check_decides_from_a_merged_result() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("web-tier-active-passive.json");
    let cmd = ["run", &s, "--trials", "3000", "--seed", "4", "-q"];
    let files = shards(d, &cmd, 2);
    let result = d.join("result.json").display().to_string();
    merge(d, &files, &["--result", &result]);
    let out = redsim_in(
        d,
        &[
            "check",
            &s,
            "--result",
            &result,
            "--target",
            "web=99.9%",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["trials"], 3000);
    assert_eq!(j["seed"], 4);
    assert_eq!(j["looks"], 1);
    assert_eq!(j["decisions"][0]["verdict"], "met");
    let out = redsim_in(
        d,
        &["check", &s, "--result", &result, "--target", "web=99.99999%"],
    );
    assert_eq!(out.status.code(), Some(1), "missed");
    // Only the result of this very scenario, and only a whole one.
    let e = fails(
        d,
        &[
            "check",
            &s,
            "--set",
            "mission=100h",
            "--result",
            &result,
            "--target",
            "web=99%",
        ],
    );
    assert!(e.contains("made from another scenario"), "{e}");
    let e = fails(d, &["check", &s, "--result", &files[0], "--target", "web=99%"]);
    assert!(e.contains("holds trials 0..1500 of 3000 only"), "{e}");
}

/// Installs GNU parallel with apt-get when it is missing.
fn ensure_parallel() {
    let have = || {
        Command::new("parallel")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if have() {
        return;
    }
    let run = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .map(|o| o.status.success())
    };
    let installed = run(&["update", "-qq"]).is_ok_and(|ok| ok)
        && run(&["install", "-y", "-qq", "parallel"]).is_ok_and(|ok| ok);
    assert!(
        installed && have(),
        "GNU parallel is needed by this test and could not be installed with apt-get \
         (apt-get update && apt-get install -y parallel): install it and run the tests again"
    );
}

#[test]
fn gnu_parallel_runs_the_shards_and_merge_equals_the_single_run() {
    ensure_parallel();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("two-of-three.json");
    let bin = env!("CARGO_BIN_EXE_redsim");
    let out = Command::new("parallel")
        .current_dir(d)
        .args(["--will-cite", "--halt", "now,fail=1", "-j", "2"])
        .arg(format!(
            "{bin} run {s} --trials 2000 --seed 11 --shard {{}}/5 -q -o part-{{}}.json"
        ))
        .args([":::", "0", "1", "2", "3", "4"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "parallel: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = (0..5).map(|k| format!("part-{k}.json")).collect();
    let single = ok(d, &["run", &s, "--trials", "2000", "--seed", "11", "-q"]);
    assert_eq!(merge(d, &files, &[]), single);
}

/// Every file in `dir`, by name, with its bytes.
fn files_in(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn merged_results_draw_the_same_plots_and_html_as_the_single_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("seed-network.json");
    let (a, b) = (
        scenario("web-tier-parallel.json"),
        scenario("web-tier-active-passive.json"),
    );
    // Plain runs (failure-biased ones: rare_scale.rs): --rare auto would
    // bias the comparison of these designs, with plots as without.
    let cases: [(&str, Vec<&str>); 3] = [
        (
            "run",
            vec![
                "run", &s, "--trials", "1001", "--seed", "7", "-q", "--rare", "off",
            ],
        ),
        (
            "compare",
            vec![
                "compare", &a, &b, "--trials", "400", "--seed", "7", "--rare", "off",
            ],
        ),
        (
            "sweep",
            vec![
                "sweep",
                &a,
                "--set",
                "repair.crews=1,2",
                "--trials",
                "400",
                "--seed",
                "7",
                "--rare",
                "off",
            ],
        ),
    ];
    for (name, cmd) in cases {
        let single = d.join(format!("{name}-single"));
        let merged = d.join(format!("{name}-merged"));
        let (sp, mp) = (single.join("plots"), merged.join("plots"));
        let (sh, mh) = (single.join("page.html"), merged.join("page.html"));
        std::fs::create_dir_all(&single).unwrap();
        std::fs::create_dir_all(&merged).unwrap();
        let mut args = cmd.clone();
        args.extend(["--plot", sp.to_str().unwrap(), "--html", sh.to_str().unwrap()]);
        let table = ok(d, &args);
        let files = shards(d, &cmd, 3);
        let out = merge(
            d,
            &files,
            &["--plot", mp.to_str().unwrap(), "--html", mh.to_str().unwrap()],
        );
        assert_eq!(out, table, "{name}");
        let plots = files_in(&sp);
        assert!(plots.len() >= 2, "{name}: {plots:?}");
        assert!(plots == files_in(&mp), "{name}: the merged plots differ");
        assert!(
            std::fs::read(&sh).unwrap() == std::fs::read(&mh).unwrap(),
            "{name}: the merged HTML report differs"
        );
    }
}

#[test]
fn a_damaged_duration_histogram_is_refused_not_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    let file = shards(d, &["run", &s, "--trials", "20", "-q"], 1).remove(0);
    let good: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let plots = d.join("plots").display().to_string();
    let bins = |j: &mut serde_json::Value| -> serde_json::Map<String, serde_json::Value> {
        let b = &mut j["segments"][0]["tally"]["services"][0]["durations"]["bins"];
        std::mem::take(b.as_object_mut().unwrap())
    };
    // A bin past any 64-bit duration, and bins that do not hold the count.
    let mut far = good.clone();
    let mut b = bins(&mut far);
    let k = b.keys().next().unwrap().clone();
    let v = b.remove(&k).unwrap();
    b.insert("4000000000".into(), v);
    far["segments"][0]["tally"]["services"][0]["durations"]["bins"] = b.into();
    let mut short = good.clone();
    let mut b = bins(&mut short);
    b.remove(&k);
    short["segments"][0]["tally"]["services"][0]["durations"]["bins"] = b.into();
    for (name, doc, says) in [
        ("far.json", far, "past the last one"),
        ("short.json", short, "its bins hold"),
    ] {
        let path = d.join(name);
        std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
        let p = path.display().to_string();
        let err = fails(d, &["report", &p, "--plot", &plots]);
        assert!(err.contains(says), "{name}: {err}");
    }
}

#[test]
fn sums_larger_than_the_trials_can_give_are_refused() {
    // Merged, such sums would overflow their accumulators (wrapping silently
    // in a release build): a file that holds them was altered.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    let file = shards(d, &["run", &s, "--trials", "20", "-q"], 1).remove(0);
    let good: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let mut big = good.clone();
    big["segments"][0]["tally"]["services"][0]["down"]["sum"] = u128::MAX.to_string().into();
    let mut square = good;
    // 2^200, past 20 · (2^64 − 1)².
    square["segments"][0]["tally"]["services"][0]["outages"]["sum_sq"] =
        "1606938044258990275541962092341162602522202993782792835301376".into();
    for (name, doc, what) in [("big.json", big, "`down`"), ("square.json", square, "`outages`")] {
        let path = d.join(name);
        std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
        let p = path.display().to_string();
        let err = fails(d, &["report", &p]);
        assert!(
            err.contains(&format!("{what} sums are larger than")),
            "{name}: {err}"
        );
    }
}

#[test]
fn a_shard_file_with_a_grid_past_its_limit_is_refused_before_it_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let f = scenario("fleet-one-crew.json");
    let cmd = ["sweep", &f, "--set", "repair.crews=1,2", "--trials", "20"];
    let file = shards(d, &cmd, 1).remove(0);
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    // 7 parameters of 60 values: 2.8 · 10^12 points, which must not be made.
    let values: Vec<String> = (1..=60).map(|v| v.to_string()).collect();
    doc["parameters"] = (0..7)
        .map(|p| serde_json::json!({"path": format!("components.c{p}.count"), "values": values}))
        .collect();
    let path = d.join("huge.json");
    std::fs::write(&path, serde_json::to_string(&doc).unwrap()).unwrap();
    let p = path.display().to_string();
    for cmd in ["merge", "report"] {
        let e = fails(d, &[cmd, &p]);
        assert!(
            e.contains("`parameters`: the grid has") && e.contains("2799360000000 points"),
            "{cmd}: {e}"
        );
    }
}

/// A small run shard (4 trials, one segment, three causes) and its file's document.
fn small_shard(d: &Path) -> (String, serde_json::Value) {
    let s = scenario("series.json");
    let cmd = ["run", &s, "--trials", "4", "--set", "mission=2000h", "-q"];
    let file = shards(d, &cmd, 1).remove(0);
    let doc = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    (file, doc)
}

/// Writes `doc` to `dir/name`, its checksum made to match its content
/// again when `seal` (as a tool that edits shard files would), and returns its path.
fn write_doc(dir: &Path, name: &str, doc: &serde_json::Value, seal: bool) -> String {
    let mut doc = doc.clone();
    if seal {
        doc["checksum"] = redsim::shard::checksum(&doc).into();
    }
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn an_altered_shard_is_refused_by_its_checksum_and_counts_by_what_the_trials_can_give() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, good) = small_shard(d);
    let service = "/segments/0/tally/services/0";
    let max = serde_json::json!(u64::MAX);
    let edits: Vec<(String, serde_json::Value, &str)> = vec![
        // Once "P(no outage) 3.3225" for 10 trials.
        (
            format!("{service}/no_outage"),
            1000.into(),
            "`no_outage` is 1000, more than its 4 trials",
        ),
        (
            format!("{service}/no_outage"),
            max.clone(),
            "more than its 4 trials",
        ),
        (
            format!("{service}/trials_over_rto"),
            5.into(),
            "`trials_over_rto` is 5",
        ),
        (
            format!("{service}/over_rto"),
            max.clone(),
            "`over_rto` is 18446744073709551615, more than the 30 outages",
        ),
        (
            format!("{service}/over_rpo"),
            1.into(),
            "`over_rpo` is 1, more than the 0 data losses",
        ),
        (
            format!("{service}/planned_outages"),
            2.into(),
            "no planned activities",
        ),
        (
            format!("{service}/durations/count"),
            31.into(),
            "counts 31 outage durations but 30 outages",
        ),
        (
            format!("{service}/durations/max"),
            max.clone(),
            "longer than the mission",
        ),
        ("/segments/0/tally/events".into(), max.clone(), "`events`"),
        // With nothing planned, the unplanned down time is the down time.
        (
            format!("{service}/unplanned_down"),
            serde_json::json!({"sum": "0", "sum_sq": "0"}),
            "`down` differs from `unplanned_down`",
        ),
        (
            format!("{service}/by_cause/1/cause"),
            0.into(),
            "cause 0 is listed twice",
        ),
        (
            format!("{service}/by_cause/1/outages"),
            7.into(),
            "its causes hold 31 outages",
        ),
        (
            format!("{service}/by_cause/0/outages"),
            0.into(),
            "cause 0 with no outage",
        ),
        (
            format!("{service}/outages/sum_sq"),
            "29".into(),
            "`outages`: its sums cannot come from 4 trials",
        ),
        (
            format!("{service}/down/sum"),
            "999999999999999999".into(),
            "`down`: its sums cannot come from 4 trials",
        ),
        // The title printed on the report is the scenario's own.
        (
            "/scenarios/0/name".into(),
            "a forged title".into(),
            "`name` \"a forged title\"",
        ),
        // 4 · 10^13 ticks of down time, all in one trial: 11,111 h in 4 trials of 2000 h.
        (
            format!("{service}/down/sum"),
            "40000000000000".into(),
            "`down` is longer than the mission in 4 trials",
        ),
    ];
    for (i, (ptr, value, says)) in edits.iter().enumerate() {
        let mut doc = good.clone();
        *doc.pointer_mut(ptr).unwrap_or_else(|| panic!("{ptr}")) = value.clone();
        if value == "40000000000000" {
            // Its square, as one trial would give.
            *doc.pointer_mut(&format!("{service}/down/sum_sq")).unwrap() =
                "1600000000000000000000000000".into();
        }
        let unsealed = write_doc(d, &format!("u{i}.json"), &doc, false);
        let e = fails(d, &["merge", &unsealed]);
        assert!(
            e.contains(&format!("{unsealed}: "))
                && e.contains("does not match its `checksum`: the file was altered or damaged"),
            "{ptr}: {e}"
        );
        let sealed = write_doc(d, &format!("s{i}.json"), &doc, true);
        for cmd in ["merge", "report"] {
            let e = fails(d, &[cmd, &sealed]);
            assert!(e.contains(says), "{ptr} = {value}, {cmd}: {e}");
            assert!(!e.contains("checksum"), "{ptr}: {e}");
        }
    }
    // The file as written passes, sealed again or not.
    ok(d, &["report", &write_doc(d, "again.json", &good, true)]);
    // A file without a checksum, or of the format before it.
    let mut doc = good.clone();
    doc.as_object_mut().unwrap().remove("checksum");
    let e = fails(d, &["merge", &write_doc(d, "none.json", &doc, false)]);
    assert!(e.contains("has no `checksum`"), "{e}");
    let mut doc = good.clone();
    doc["format"] = "redsim-shard/1".into();
    let e = fails(d, &["merge", &write_doc(d, "old.json", &doc, true)]);
    assert!(
        e.contains("written by an older redsim (format `redsim-shard/1`") && e.contains("regenerate"),
        "{e}"
    );
}

#[test]
fn planned_outages_and_downtime_are_checked_against_the_outages_and_down_time() {
    // Every server patched at once, monthly, for an hour: 12 planned outages
    // a year, 48 in 4 trials, each begun by no failure, all of the down time
    // planned and counted.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("patching-simultaneous.json");
    let cmd = ["run", &s, "--trials", "4", "-q"];
    let file = shards(d, &cmd, 1).remove(0);
    let good: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let service = "/segments/0/tally/services/0";
    assert_eq!(
        good.pointer(&format!("{service}/planned_outages")),
        Some(&48.into())
    );
    // 48 one-hour outages in ticks, and its square as one trial would give.
    let all = serde_json::json!({"sum": "172800000000", "sum_sq": "29859840000000000000000"});
    let edits: Vec<(String, serde_json::Value, &str)> = vec![
        (
            format!("{service}/planned_outages"),
            49.into(),
            "`planned_outages` is 49, more than the 48 outages",
        ),
        (
            format!("{service}/by_cause/0/cause"),
            0.into(),
            "`planned_outages` is 48, more than the 0 outages begun by no failure",
        ),
        (
            format!("{service}/down"),
            serde_json::json!({"sum": "0", "sum_sq": "0"}),
            "`planned_down` (172800000000) or `unplanned_down` (0) is longer than `down` (0)",
        ),
        (
            format!("{service}/unplanned_down"),
            all.clone(),
            "`planned_down` (172800000000) and `unplanned_down` (172800000000) do not add up to `down` (172800000000)",
        ),
        (
            format!("{service}/planned_down"),
            serde_json::json!({"sum": "0", "sum_sq": "0"}),
            "`planned_down` (0) and `unplanned_down` (0) do not add up to `down` (172800000000)",
        ),
    ];
    for (i, (ptr, value, says)) in edits.iter().enumerate() {
        let mut doc = good.clone();
        *doc.pointer_mut(ptr).unwrap_or_else(|| panic!("{ptr}")) = value.clone();
        let sealed = write_doc(d, &format!("p{i}.json"), &doc, true);
        for cmd in ["merge", "report"] {
            let e = fails(d, &[cmd, &sealed]);
            assert!(e.contains(says), "{ptr} = {value}, {cmd}: {e}");
        }
    }
    // Where planned downtime does not count, the down time is the unplanned
    // (none here), and the planned outages are not among the outages.
    let quiet = d.join("quiet.json").display().to_string();
    ok(
        d,
        &[
            "run",
            &s,
            "--trials",
            "4",
            "-q",
            "--rare",
            "off",
            "--shard",
            "0/1",
            "-o",
            &quiet,
            "--set",
            "services.site.planned_counts=false",
        ],
    );
    let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&quiet).unwrap()).unwrap();
    assert_eq!(
        doc.pointer(&format!("{service}/planned_outages")),
        Some(&48.into())
    );
    assert_eq!(
        doc.pointer(&format!("{service}/durations/count")),
        Some(&0.into())
    );
    ok(d, &["report", &quiet]);
    let mut doc = doc;
    *doc.pointer_mut(&format!("{service}/down")).unwrap() = serde_json::json!({"sum": "0", "sum_sq": "0"});
    *doc.pointer_mut(&format!("{service}/unplanned_down")).unwrap() = all.clone();
    let e = fails(d, &["report", &write_doc(d, "quiet-altered.json", &doc, true)]);
    assert!(e.contains("`down` differs from `unplanned_down`"), "{e}");
}

#[test]
fn counts_that_would_wrap_when_merged_are_refused() {
    // Two shards whose outage counts each fit but add up past 2^64 − 1.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    // An RPO, so that data losses over it are possible.
    let cmd = [
        "run",
        &s,
        "--trials",
        "4",
        "--set",
        "mission=2000h",
        "--set",
        "services.system.rpo=1h",
        "-q",
    ];
    let files = shards(d, &cmd, 2);
    let mut sealed = Vec::new();
    // 2^63 + 1 data losses in one of a shard's 2 trials, all over the RPO:
    // what 2 trials can give, but twice that is past 2^64 − 1.
    let many = u64::MAX / 2 + 2;
    for (k, f) in files.iter().enumerate() {
        let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let seg = doc["segments"].as_array_mut().unwrap().last_mut().unwrap();
        let service = &mut seg["tally"]["services"][0];
        service["data_losses"]["sum"] = many.to_string().into();
        service["data_losses"]["sum_sq"] = (u128::from(many) * u128::from(many)).to_string().into();
        service["over_rpo"] = many.into();
        service["trials_over_rpo"] = 1.into();
        sealed.push(write_doc(d, &format!("w{k}.json"), &doc, true));
    }
    ok(d, &["report", &sealed[0]]);
    let e = fails(d, &["merge", &sealed[0], &sealed[1]]);
    assert!(
        e.contains("the shards' service 0's `over_rpo` add up past 18446744073709551615"),
        "{e}"
    );
}

#[test]
fn a_merged_result_given_with_its_own_shards_is_named_as_the_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    let cmd = ["run", &s, "--trials", "100", "--seed", "7", "-q"];
    let files = shards(d, &cmd, 4);
    let result = d.join("result.json").display().to_string();
    merge(d, &files, &["--result", &result]);
    let mut all = vec!["merge"];
    all.extend(files.iter().map(String::as_str));
    all.push(&result);
    let e = fails(d, &all);
    assert!(
        e.contains(&format!("{result} (trials 0..100, shard 0 of 1) overlaps ")),
        "{e}"
    );
    for f in &files {
        assert!(e.contains(f.as_str()), "{f}: {e}");
    }
    assert_eq!(
        e.matches("overlap").count(),
        1,
        "one problem, naming the result: {e}"
    );
    assert!(e.contains("a merged result"), "{e}");
}

/// The files a failed merge names as overlapping others, in order, each as
/// `K/N` with how many files it is named with.
fn named_overlaps(e: &str) -> Vec<(String, usize)> {
    e.lines()
        .filter_map(|l| {
            let (file, rest) = l.strip_prefix("  - ")?.split_once(" (trials ")?;
            rest.contains(") overlaps ").then_some(())?;
            let name = Path::new(file).file_stem()?.to_str()?;
            let (k, n) = name.strip_prefix('s')?.split_once("-of-")?;
            Some((format!("{k}/{n}"), rest.matches(" in trials ").count()))
        })
        .collect()
}

#[test]
fn many_overlapping_shards_are_named_as_before() {
    // Shards of four splits of one run; the names, their order and what
    // each is named with are those the merge gave when it counted every
    // overlap again for each name.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    let cmd = ["run", &s, "--trials", "1640", "--seed", "7", "-q"];
    let forty = shards(d, &cmd, 40);
    let forty_one = shards(d, &cmd, 41);
    let two_splits: Vec<String> = forty.iter().chain(&forty_one).cloned().collect();
    let e = fails(
        d,
        &[
            &["merge"],
            &two_splits.iter().map(String::as_str).collect::<Vec<_>>()[..],
        ]
        .concat(),
    );
    assert!(e.contains("40 problems"), "{e}");
    let each_40th: Vec<(String, usize)> = (0..40).map(|k| (format!("{k}/40"), 2)).collect();
    assert_eq!(named_overlaps(&e), each_40th, "{e}");
    let mut four_splits = two_splits;
    four_splits.extend(shards(d, &cmd, 7));
    four_splits.extend(shards(d, &cmd, 3));
    let e = fails(
        d,
        &[
            &["merge"],
            &four_splits.iter().map(String::as_str).collect::<Vec<_>>()[..],
        ]
        .concat(),
    );
    assert!(e.contains("6 problems"), "{e}");
    let expected = [
        ("2/3", 29),
        ("0/3", 25),
        ("1/3", 22),
        ("4/7", 8),
        ("2/7", 4),
        ("0/40", 2),
    ];
    let expected: Vec<(String, usize)> = expected.iter().map(|&(f, n)| (f.to_string(), n)).collect();
    assert_eq!(named_overlaps(&e), expected, "{e}");
}

/// Every JSON pointer into `v`, with the value there.
fn pointers(v: &serde_json::Value, at: String, out: &mut Vec<(String, serde_json::Value)>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                pointers(
                    x,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push((at, v.clone()));
}

/// Single edits of a value: numbers, strings, booleans and nulls changed, and keys deleted.
fn mutations(v: &serde_json::Value) -> Vec<Option<serde_json::Value>> {
    use serde_json::json;
    let mut out: Vec<Option<serde_json::Value>> = vec![None];
    match v {
        serde_json::Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.extend(
                    [
                        json!(u + 1),
                        json!(u.saturating_sub(1)),
                        json!(0),
                        json!(u64::MAX),
                        json!(-1),
                    ]
                    .map(Some),
                );
            } else {
                out.extend([json!(0.5), json!(2.0)].map(Some));
            }
        }
        serde_json::Value::String(s) => {
            let bumped = match s.parse::<u128>() {
                Ok(n) => (n + 1).to_string(),
                Err(_) => format!("{s}x"),
            };
            out.extend([json!(bumped), json!(""), json!(u128::MAX.to_string())].map(Some));
        }
        serde_json::Value::Null => out.push(Some(json!(0))),
        _ => {}
    }
    out
}

#[test]
fn any_single_edit_of_a_shard_file_is_refused_or_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (file, good) = small_shard(d);
    let baseline = merge(d, &[file], &[]);
    let mut at = Vec::new();
    pointers(&good, String::new(), &mut at);
    let path = d.join("edited.json");
    let p = path.display().to_string();
    let (mut refused, mut tried) = (0, 0);
    for (ptr, value) in at.iter().filter(|(ptr, _)| !ptr.is_empty()) {
        for m in mutations(value) {
            let mut doc = good.clone();
            match m {
                // Deleted: from its object or its array.
                None => {
                    let (parent, key) = ptr.rsplit_once('/').unwrap();
                    match doc.pointer_mut(parent).unwrap() {
                        serde_json::Value::Object(o) => {
                            o.shift_remove(&key.replace("~1", "/").replace("~0", "~"));
                        }
                        serde_json::Value::Array(a) => {
                            a.remove(key.parse().unwrap());
                        }
                        _ => unreachable!(),
                    }
                }
                Some(x) => *doc.pointer_mut(ptr).unwrap() = x,
            }
            std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
            tried += 1;
            let out = redsim_in(d, &["merge", &p]);
            let err = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(2) => {
                    assert!(
                        err.contains(&format!("{p}: ")),
                        "{ptr}: the message names the file: {err}"
                    );
                    refused += 1;
                }
                Some(0) => assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    baseline,
                    "{ptr}: changed the report"
                ),
                code => panic!("{ptr}: exit {code:?}: {err}"),
            }
            // With its checksum made right again the edit may change the
            // report, but it is read without a panic or a silent wrap.
            let sealed = write_doc(d, "sealed.json", &doc, true);
            let out = redsim_in(d, &["merge", &sealed]);
            let err = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(2) => assert!(err.contains(&format!("{sealed}: ")), "{ptr} sealed: {err}"),
                Some(0) => {}
                code => panic!("{ptr} sealed: exit {code:?}: {err}"),
            }
        }
    }
    assert!(tried > 300 && refused > 0, "{refused} of {tried} edits refused");
}

#[test]
fn every_tie_the_engine_keeps_between_a_services_counts_is_checked() {
    // Re-sealed files whose counts each pass alone but break a relation the
    // engine keeps between them (series.json: no planned activity, no RTO or
    // RPO, never degraded; 30 outages in 4 trials of 2000 h).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_, good) = small_shard(d);
    let service = "/segments/0/tally/services/0";
    let zero = serde_json::json!({"sum": "0", "sum_sq": "0"});
    let h = good
        .pointer(&format!("{service}/durations/sum"))
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    // 4 whole missions of 2000 h in ticks, one per trial.
    let full = serde_json::json!({"sum": "28800000000000", "sum_sq": "207360000000000000000000000"});
    let edits: Vec<(Vec<(String, serde_json::Value)>, String)> = vec![
        // The down time zeroed while the outages and their durations stay.
        (
            vec![
                (format!("{service}/down"), zero.clone()),
                (format!("{service}/unplanned_down"), zero.clone()),
            ],
            format!("`down` is 0 ticks, but its 30 outages last {h} ticks"),
        ),
        // 30 outages, at most 302 as a sum of squares, cannot all fall in one trial.
        (
            vec![(format!("{service}/no_outage"), 3.into())],
            "`no_outage` is 3 of 4 trials, but `outages` cannot come from the other 1".into(),
        ),
        (
            vec![
                (format!("{service}/over_rto"), 1.into()),
                (format!("{service}/trials_over_rto"), 1.into()),
            ],
            "`over_rto` is 1, but the service has no RTO".into(),
        ),
        (
            vec![(format!("{service}/degraded"), full)],
            "`down` and `degraded` together are longer than the mission in 4 trials".into(),
        ),
        (
            vec![(
                format!("{service}/lost_writes"),
                serde_json::json!({"sum": "5", "sum_sq": "25"}),
            )],
            "`lost_writes` is 5 ticks, but there is no data loss".into(),
        ),
    ];
    for (i, (changes, says)) in edits.iter().enumerate() {
        let mut doc = good.clone();
        for (ptr, value) in changes {
            *doc.pointer_mut(ptr).unwrap_or_else(|| panic!("{ptr}")) = value.clone();
        }
        let sealed = write_doc(d, &format!("t{i}.json"), &doc, true);
        for cmd in ["merge", "report"] {
            let e = fails(d, &[cmd, &sealed]);
            assert!(
                e.contains(&format!("{sealed}: "))
                    && e.contains("service 0 (`system`)")
                    && e.contains(says.as_str()),
                "{changes:?}, {cmd}: {e}"
            );
        }
    }
}

#[test]
fn a_compare_file_whose_difference_parts_cannot_be_is_refused() {
    // Sealed edits (checksum made to match) of a difference's positive
    // part: one that exceeds the whole difference's squares, and one more
    // than the design's own down time (trial by trial it is at most that).
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (a, b) = (
        scenario("seed-network.json"),
        scenario("seed-network-one-firewall.json"),
    );
    let cmd = [
        "compare", &a, &b, "--trials", "300", "--seed", "5", "--rare", "off",
    ];
    let file = shards(d, &cmd, 1).remove(0);
    let good: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(good["format"], "redsim-shard/5");
    let diff = "/paired/services/0/differences/0/down";
    let design = good
        .pointer("/paired/services/0/designs/1/down/sum")
        .and_then(serde_json::Value::as_str)
        .unwrap()
        .parse::<u128>()
        .unwrap();
    let mut squares = good.clone();
    *squares.pointer_mut(&format!("{diff}/pos/sum_sq")).unwrap() =
        "1000000000000000000000000000000000000000000000000000000".into();
    let mut more = good.clone();
    *more.pointer_mut(&format!("{diff}/pos/sum")).unwrap() = (design + 1).to_string().into();
    for (name, doc, says) in [
        ("squares.json", squares, "its sums cannot come from 300 trials"),
        ("more.json", more, "positive part is more than its design's sum"),
    ] {
        let p = write_doc(d, name, &doc, true);
        let err = fails(d, &["merge", &p]);
        assert!(err.contains(says), "{name}: {err}");
    }
}
