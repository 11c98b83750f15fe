//! Zero outages under failure biasing: a service the biased trials never
//! saw down is reported from the plain pilot's trials (a one-sided bound),
//! never as a point, the same from a single run and from merged shards
//! (which carry the pilot: `merge` and `report` simulate nothing), and
//! so are a compare design's and a sweep point's.

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
            "failure biasing saw no outage in 3000 trials: these figures are from the run's first 2000 trials \
             run plain (unavailability less than"
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
        single_table.contains("from the run's first 2000 trials run plain"),
        "{single_table}"
    );
    // Merged shards carry the same pilot: the same bytes.
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

/// Writes the uniform pair to `DIR/pair.json` and returns its path.
fn pair_file(d: &std::path::Path) -> String {
    let file = d.join("pair.json").display().to_string();
    std::fs::write(&file, UNIFORM_PAIR).unwrap();
    file
}

/// Rewrites the shard file at `path` with `change` and a checksum that matches again.
fn rewrite(path: &str, change: impl FnOnce(&mut serde_json::Value)) {
    let mut doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut doc);
    doc["checksum"] = serde_json::Value::String(redsim::shard::checksum(&doc));
    std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

#[test]
fn a_biased_shard_carries_the_runs_pilot_and_report_only_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = pair_file(d);
    let cmd = ["run", &file, "--rare", "on", "--trials", "3000", "-q"];
    let single: serde_json::Value =
        serde_json::from_str(&ok(d, &[&cmd[..], &["--format", "json"]].concat())).unwrap();
    let files = shards(d, &cmd, 2, "pair");
    // Each shard carries the whole run's pilot (trials 0..2000), the same in both.
    let pilots: Vec<serde_json::Value> = files
        .iter()
        .map(|f| {
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            assert_eq!(v["format"], "redsim-shard/5");
            let pilot = v["pilot"].clone();
            assert_eq!(pilot.as_array().unwrap().last().unwrap()["end"], 2000, "{pilot}");
            pilot
        })
        .collect();
    assert_eq!(pilots[0], pilots[1]);
    // The report of shard 1 (trials 1500..3000) gives `s` the run's pilot
    // figures, said plainly: not a pilot of its own 1,500 trials.
    let report: serde_json::Value =
        serde_json::from_str(&ok(d, &["report", &files[1], "-q", "--format", "json"])).unwrap();
    let s = &report["services"][0];
    assert_eq!(s["plain_trials"], 2000, "{s}");
    assert_eq!(s["availability"], single["services"][0]["availability"], "{s}");
    assert!(
        s["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with(
                "failure biasing saw no outage in 1500 trials: these figures are from the run's first 2000 trials run plain"
            )),
        "{s}"
    );
    let out = redsim(d, &["report", &files[1]]);
    let err = crate::common::text(&out.stderr);
    assert!(
        err.contains("given the run's plain pilot figures (trials 0..2000, carried in the file)"),
        "{err}"
    );
    // Reading only: without its pilot the file is refused, not re-simulated.
    rewrite(&files[1], |doc| {
        doc.as_object_mut().unwrap().remove("pilot");
    });
    let out = redsim(d, &["report", &files[1], "-q"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = crate::common::text(&out.stderr);
    assert!(err.contains("`pilot` is missing"), "{err}");
    // A failure-biasing file of the format before the pilot is refused as older.
    rewrite(&files[0], |doc| doc["format"] = "redsim-shard/4".into());
    let out = redsim(d, &["report", &files[0], "-q"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = crate::common::text(&out.stderr);
    assert!(
        err.contains("written by an older redsim (format `redsim-shard/4`, its failure-biasing files without the plain pilot"),
        "{err}"
    );
}

#[test]
fn merge_refuses_shards_that_carry_different_pilots() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = pair_file(d);
    let cmd = |seed: &'static str| {
        [
            "run",
            "pair.json",
            "--rare",
            "on",
            "--trials",
            "3000",
            "--seed",
            seed,
            "-q",
        ]
    };
    let ours = shards(
        d,
        &cmd("1").map(|a| if a == "pair.json" { file.as_str() } else { a }),
        2,
        "one",
    );
    let theirs = shards(
        d,
        &cmd("2").map(|a| if a == "pair.json" { file.as_str() } else { a }),
        2,
        "two",
    );
    // Each file alone stays sound (its pilot fits its run), but shard 1 now
    // carries another seed's pilot under this run's seed.
    let other: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&theirs[1]).unwrap()).unwrap();
    rewrite(&ours[1], |doc| doc["pilot"] = other["pilot"].clone());
    let out = redsim(d, &["report", &ours[1], "-q"]);
    assert!(out.status.success(), "{out:?}");
    let out = redsim(d, &["merge", &ours[0], &ours[1], "-q"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = crate::common::text(&out.stderr);
    assert!(err.contains("the shards disagree on the plain pilot"), "{err}");
}

#[test]
fn a_plain_shard_of_the_format_before_the_pilot_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = pair_file(d);
    let cmd = ["run", &file, "--trials", "300", "-q"];
    let files = shards(d, &cmd, 1, "plain");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert!(v.get("pilot").is_none(), "{v}");
    let before = ok(d, &["report", &files[0], "-q"]);
    rewrite(&files[0], |doc| doc["format"] = "redsim-shard/4".into());
    assert_eq!(ok(d, &["report", &files[0], "-q"]), before);
}

#[test]
fn compare_under_biasing_gives_a_design_biasing_never_saw_down_its_run_figures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = pair_file(d);
    let seed = 7u64;
    let seed_s = seed.to_string();
    let cmd = [
        "compare", &file, &file, "--rare", "on", "--trials", "3000", "--seed", &seed_s, "-q", "--format",
        "json",
    ];
    let single = ok(d, &cmd);
    let v: serde_json::Value = serde_json::from_str(&single).unwrap();
    let s = &v["services"][0];
    assert_eq!(s["service"], "s");
    // Each design's row is what `run --rare on` prints for it, on the design's own seed.
    for design in 0..2 {
        let own = redsim::engine::rng::design_seed(seed, design).to_string();
        let run: serde_json::Value = serde_json::from_str(&ok(
            d,
            &[
                "run", &file, "--rare", "on", "--trials", "3000", "--seed", &own, "-q", "--format", "json",
            ],
        ))
        .unwrap();
        let r = &run["services"][0];
        assert_eq!(r["plain_trials"], 2000, "{r}");
        let row = &s["designs"][design];
        assert_eq!(row[0]["estimate"], r["availability"], "design {design}: {row}");
        assert_eq!(
            row[1]["estimate"], r["downtime_hours_per_year"],
            "design {design}: {row}"
        );
        assert_eq!(
            row[2]["estimate"], r["outages_per_year"],
            "design {design}: {row}"
        );
    }
    let a = &s["designs"][0][0]["estimate"];
    assert!(a["ci_low"].as_f64().unwrap() < 1.0, "{a}");
    // The difference rests on the pilots: not a point, and at least as wide as a design's own interval.
    let diff = &s["differences"][0]["independent"];
    let width = 1.0 - a["ci_low"].as_f64().unwrap();
    assert!(diff["ci_high"].as_f64().unwrap() >= width, "{diff}");
    assert!(diff["ci_low"].as_f64().unwrap() <= -width, "{diff}");
    let warnings = s["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .starts_with("design A: failure biasing saw no outage in 3000 trials: its figures, and its differences, are from its first 2000 trials run plain")),
        "{warnings:?}"
    );
    // Merged compare shards carry each design's pilot: the same bytes.
    let unflagged = &cmd[..cmd.len() - 3];
    let files = shards(d, unflagged, 2, "cmp");
    let f: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(f["pilots"].as_array().unwrap().len(), 2, "{f}");
    assert_eq!(merge(d, &files, &["--format", "json"]), single);
    // `report` on one shard says whose figures those are.
    let err = crate::common::text(&redsim(d, &["report", &files[0]]).stderr);
    assert!(
        err.contains("is given, for it, the design's plain pilot figures"),
        "{err}"
    );
}

#[test]
fn sweep_under_biasing_gives_a_point_biasing_never_saw_down_its_run_figures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = pair_file(d);
    let cmd = [
        "sweep",
        &file,
        "--set",
        "components.g.mttr=1h,3h",
        "--rare",
        "on",
        "--trials",
        "3000",
        "-q",
    ];
    let json = [&cmd[..], &["--format", "json"]].concat();
    let single = ok(d, &json);
    let v: serde_json::Value = serde_json::from_str(&single).unwrap();
    for (k, mttr) in ["1h", "3h"].into_iter().enumerate() {
        let set = format!("components.g.mttr={mttr}");
        let run: serde_json::Value = serde_json::from_str(&ok(
            d,
            &[
                "run", &file, "--set", &set, "--rare", "on", "--trials", "3000", "-q", "--format", "json",
            ],
        ))
        .unwrap();
        assert_eq!(run["services"][0]["plain_trials"], 2000);
        assert_eq!(v["points"][k]["services"], run["services"], "point {k}");
    }
    let files = shards(d, &cmd, 2, "sweep");
    assert_eq!(merge(d, &files, &["--format", "json"]), single);
    // `report` on one shard says whose figures those are.
    let err = crate::common::text(&redsim(d, &["report", &files[0]]).stderr);
    assert!(
        err.contains("that service is given the point's plain pilot figures"),
        "{err}"
    );
    let html = d.join("sweep.html").display().to_string();
    ok(d, &[&cmd[..], &["--html", &html]].concat());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(
            "but those of `s` at components.g.mttr=1h; `s` at components.g.mttr=3h: the point's biased trials \
             never saw the service down, and its figures are the point's plain pilot's"
        ),
        "{page}"
    );
}

#[test]
fn html_and_plots_say_which_services_are_the_plain_pilots() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = pair_file(d);
    let html = d.join("r.html").display().to_string();
    let plots = d.join("plots").display().to_string();
    ok(
        d,
        &[
            "run", &file, "--rare", "on", "--trials", "3000", "-q", "--html", &html, "--plot", &plots,
        ],
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains(
            "importance sampling: every estimate from the weighted trials but those of `s` (no outage seen: plain \
             pilot figures, its first 2000 trials)"
        ),
        "{page}"
    );
    let svg = std::fs::read_to_string(d.join("plots").join("convergence-s.svg")).unwrap();
    assert!(svg.contains("plain pilot"), "{svg}");
    let svg = std::fs::read_to_string(d.join("plots").join("convergence-t.svg")).unwrap();
    assert!(!svg.contains("plain pilot"), "{svg}");
    // Every service unseen: the method row says what the table says.
    let pair_only = TESTER.replace(r#"{"all": ["x", {"any": ["g-*"]}]}"#, r#"{"all": ["g-*"]}"#);
    std::fs::write(d.join("only.json"), pair_only).unwrap();
    ok(
        d,
        &[
            "run",
            "only.json",
            "--rare",
            "on",
            "--trials",
            "3000",
            "-q",
            "--html",
            &html,
        ],
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("failure-biasing (no outage seen: plain pilot figures)"),
        "{page}"
    );
    assert!(
        !page.contains("every estimate from the weighted trials"),
        "{page}"
    );
}

#[test]
fn the_convergence_of_a_service_from_the_pilot_is_the_pilots() {
    use redsim::plot::Kind;
    let m = crate::common::model(UNIFORM_PAIR);
    let trials = 3000;
    let cfg = redsim::engine::RunConfig {
        seed: 3,
        first_trial: 0,
        trials,
        threads: None,
    };
    let ends = redsim::engine::checkpoints(trials);
    let segments =
        redsim::engine::run_rare(&m, &cfg, &redsim::engine::RareOptions::default(), &ends, &|_| {}).unwrap();
    let mut tally = redsim::engine::Tally::new(m.services.len());
    segments.iter().for_each(|t| tally.merge(t));
    assert!(redsim::analysis::rare::needs_pilot(&m, &tally));
    let pilot = redsim::analysis::rare::run_unseen_pilot(&m, &cfg, trials).unwrap();
    let mut whole = redsim::engine::Tally::new(m.services.len());
    pilot.iter().for_each(|t| whole.merge(t));
    assert_eq!(whole.trials, 2000);
    let mut summary = redsim::analysis::summarize(&m, &tally, 0.95);
    redsim::analysis::rare::bound_unseen(&m, &mut summary, &whole);
    let plots = redsim::plot::figures::run_with_pilot(&m, &summary, &tally, &segments, Some(&pilot));
    let conv = |id: &str| {
        let p = plots
            .iter()
            .find(|p| p.name == format!("convergence-{id}"))
            .unwrap();
        let Kind::Convergence { points, .. } = &p.kind else {
            unreachable!()
        };
        (p.title.clone(), points.clone())
    };
    // `s`: the pilot's running plain estimate, ending at its 2,000 trials on the reported figure.
    let (title, points) = conv("s");
    assert!(title.contains("plain pilot"), "{title}");
    let (n, last) = points.last().unwrap();
    assert_eq!(*n, 2000);
    assert_eq!(*last, summary.services[0].availability);
    // `t`: the weighted estimate over all 3,000 trials.
    let (_, points) = conv("t");
    let (n, last) = points.last().unwrap();
    assert_eq!(*n, 3000);
    assert_eq!(*last, summary.services[1].availability);
}

/// The tester's mix: a pair of units, a never-repaired disk and a power
/// supply of uniform life (which failure biasing leaves alone); `psu`'s
/// life is set per file.
fn mix_file(d: &std::path::Path, name: &str, min: &str, max: &str) -> String {
    let file = d.join(name).display().to_string();
    let text = format!(
        r#"{{"format":"redsim/1","name":"mix","mission":"1y",
 "components":[
   {{"id":"unit","count":2,"mtbf":"20000h","mttr":"8h"}},
   {{"id":"disk","afr":"0.05%","repair":"never"}},
   {{"id":"psu","failure":{{"uniform":{{"min":"{min}","max":"{max}"}}}},"repair":{{"fixed":"4h"}}}}
 ],
 "services":[
   {{"id":"web","requires":{{"any":["unit-1","unit-2"]}}}},
   {{"id":"vault","requires":"disk"}},
   {{"id":"power","requires":"psu"}}
 ]}}"#
    );
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn a_difference_with_a_pilot_side_that_saw_nothing_has_its_bound_as_room() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let often = mix_file(d, "mix30.json", "1h", "30y");
    let never = mix_file(d, "mix.json", "30000h", "90000h");
    for (a, b, pilot) in [(&often, &never, 1), (&never, &often, 0)] {
        let out = ok(
            d,
            &[
                "compare", a, b, "--rare", "on", "--trials", "6000", "-q", "--format", "json",
            ],
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let s = v["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service"] == "power")
            .unwrap();
        let end = |k: usize, e: &str| s["designs"][k][2]["estimate"][e].as_f64().unwrap();
        // The pilot side saw no outage: 0 with a one-sided bound.
        assert_eq!(end(pilot, "point"), 0.0, "{s}");
        assert!(end(pilot, "ci_high") > 0.0, "{s}");
        let diff = s["differences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["quantity"] == "outages_per_year")
            .unwrap();
        let (low, high) = (
            diff["independent"]["ci_low"].as_f64().unwrap(),
            diff["independent"]["ci_high"].as_f64().unwrap(),
        );
        // B − A reaches at least from A's high end to B's high end apart
        // and from B's low end to A's high end: the pilot's bound is room
        // on top of the other design's spread.
        if pilot == 1 {
            assert!(high >= end(1, "ci_high") - end(0, "ci_low"), "{diff} {s}");
        } else {
            assert!(low <= end(1, "ci_low") - end(0, "ci_high"), "{diff} {s}");
        }
    }
}

#[test]
fn a_warning_about_unscaled_laws_is_given_where_the_service_depends_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let never = mix_file(d, "mix.json", "30000h", "90000h");
    let out = ok(
        d,
        &[
            "run", &never, "--rare", "on", "--trials", "2000", "-q", "--format", "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for s in v["services"].as_array().unwrap() {
        let unscaled = s["warnings"].as_array().unwrap().iter().any(|w| {
            w.as_str()
                .unwrap()
                .starts_with("failure biasing does not scale uniform or fixed laws")
        });
        assert_eq!(unscaled, s["id"] == "power", "{s}");
    }
}

#[test]
fn a_sweep_flags_the_points_with_too_few_outages_not_those_with_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = mix_file(d, "mix2.json", "1h", "3000y");
    let table = ok(
        d,
        &[
            "sweep",
            &file,
            "--set",
            "components.psu.failure.uniform.min=1h,10000h",
            "--set",
            "components.psu.failure.uniform.max=3000y,30y",
            "--rare",
            "on",
            "--trials",
            "6000",
            "-q",
        ],
    );
    let power = table.split("service power").nth(1).unwrap();
    let line = |set: &str| power.lines().find(|l| l.trim_start().starts_with(set)).unwrap();
    // psu failing about every 15 years: ~200 outages in 6000 trials, a
    // tight interval; it carries the unscaled-laws warning but is no `*`.
    let many = line("components.psu.failure.uniform.min=1h  components.psu.failure.uniform.max=30y");
    assert!(many.contains("0.0340 [0.0281, 0.0405]"), "{table}");
    assert!(!many.ends_with('*'), "{table}");
    // Points whose pilot saw nothing are.
    let none = line("components.psu.failure.uniform.min=10000h  components.psu.failure.uniform.max=3000y");
    assert!(none.ends_with('*'), "{table}");
}

#[test]
fn sweep_and_compare_pages_name_the_figures_that_are_a_pilots() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = mix_file(d, "mix2.json", "1h", "3000y");
    let html = d.join("x.html").display().to_string();
    ok(
        d,
        &[
            "sweep",
            &file,
            "--set",
            "components.psu.failure.uniform.min=1h,10000h",
            "--set",
            "components.psu.failure.uniform.max=3000y,30y",
            "--rare",
            "on",
            "--trials",
            "6000",
            "-q",
            "--html",
            &html,
        ],
    );
    let page = std::fs::read_to_string(&html).unwrap();
    // The method row names each point and service whose figures are its pilot's.
    let at = "`power` at components.psu.failure.uniform.min=10000h, components.psu.failure.uniform.max=3000y";
    assert!(page.contains(at), "{page}");
    assert!(!page.contains("(see its warnings)"), "{page}");
    assert!(!page.contains("every estimate is a weighted one,"), "{page}");
    // The service's section has the warning the row points to, and the
    // count says whose it is.
    let power = page.split("Service power").nth(1).unwrap();
    assert!(
        power.contains(
            "Warning: at components.psu.failure.uniform.min=10000h, components.psu.failure.uniform.max=3000y: \
             failure biasing saw no outage in 6000 trials"
        ),
        "{power}"
    );
    assert!(power.contains("0 (plain pilot, 2000 trials)"), "{power}");
    // A comparison with a pilot side does not say every estimate is weighted.
    let never = mix_file(d, "mix.json", "30000h", "90000h");
    let often = mix_file(d, "mix30.json", "1h", "30y");
    ok(
        d,
        &[
            "compare", &often, &never, "--rare", "on", "--trials", "6000", "-q", "--html", &html,
        ],
    );
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(!page.contains("every estimate is a weighted one,"), "{page}");
    assert!(page.contains("design B: failure biasing saw no outage"), "{page}");
}

#[test]
fn check_from_a_biased_result_decides_with_the_pilot_figures_run_printed() {
    // `s` is never down under biasing: `run --rare on` gives it the plain
    // pilot's figures (availability above 99.85 % at 95 %). `check` decides
    // it from those figures, whether from the run's result file or run
    // directly on the same scenario, seed and trials.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("pair.json"), UNIFORM_PAIR).unwrap();
    let run = ["run", "pair.json", "--rare", "on", "--trials", "3000", "-q"];
    ok(d, &[&run[..], &["--shard", "0/1", "-o", "r.json"]].concat());
    let verdicts = |extra: &[&str]| -> (Option<i32>, serde_json::Value) {
        let mut args = vec![
            "check",
            "pair.json",
            "--target",
            "s=99%",
            "--target",
            "t=99%",
            "--format",
            "json",
            "-q",
        ];
        args.extend_from_slice(extra);
        let out = redsim(d, &args);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let decided: Vec<(String, String)> = v["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["service"].as_str().unwrap().to_string(),
                    x["verdict"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (out.status.code(), serde_json::json!(decided))
    };
    let from_result = verdicts(&["--result", "r.json"]);
    let direct = verdicts(&["--rare", "on", "--first-trials", "3000", "--max-trials", "3000"]);
    assert_eq!(from_result, direct);
    assert_eq!(from_result.0, Some(0), "{:?}", from_result.1);
    assert_eq!(from_result.1, serde_json::json!([["s", "met"], ["t", "met"]]));
}

/// `safe` needs only elements without a failure law: it cannot fail.
const CANNOT_FAIL: &str = r#"{"format": "redsim/1", "name": "cannot fail", "mission": "1y",
    "components": [{"id": "p"}, {"id": "q"}, {"id": "x", "mtbf": "1000h", "mttr": "1h"}],
    "services": [{"id": "safe", "requires": {"all": ["p", "q"]}}, {"id": "t", "requires": "x"}]}"#;

/// A service that cannot fail in a model with maintenance elsewhere and a
/// replicated group whose members never fail.
const CANNOT_FAIL_PLANNED: &str = r#"{"format": "redsim/1", "name": "cannot fail, planned", "mission": "1y",
 "components": [{"id": "p"}, {"id": "d1"}, {"id": "d2"}, {"id": "x", "mtbf": "1000h", "mttr": "1h"}],
 "groups": [{"id": "db", "members": ["d1", "d2"], "mode": "active-passive", "failover": {"switchover": "1m"},
   "replication": {"mode": "async", "lag": {"exponential": {"mean": "3s"}}}}],
 "maintenance": [{"id": "patch", "members": ["x"], "every": "200h", "duration": "2h", "start": "24h"}],
 "services": [{"id": "safe", "requires": {"all": ["p", "group:db"]}, "rpo": "5s"}, {"id": "t", "requires": "x"}]}"#;

#[test]
fn a_failure_biased_run_needs_no_pilot_for_a_service_that_cannot_fail() {
    let m = crate::common::model(CANNOT_FAIL);
    let cfg = redsim::engine::RunConfig {
        seed: 3,
        first_trial: 0,
        trials: 2000,
        threads: None,
    };
    let ends = redsim::engine::checkpoints(2000);
    let segments =
        redsim::engine::run_rare(&m, &cfg, &redsim::engine::RareOptions::default(), &ends, &|_| {}).unwrap();
    let mut tally = redsim::engine::Tally::new(m.services.len());
    segments.iter().for_each(|t| tally.merge(t));
    // `safe` saw no outage, `t` did: nothing needs the plain pilot.
    assert_eq!(tally.services[0].outages.sum, 0);
    assert!(tally.services[1].outages.sum > 0);
    assert!(!redsim::analysis::rare::needs_pilot(&m, &tally));
}

#[test]
fn a_service_that_cannot_fail_says_so_in_every_mode() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("cf.json"), CANNOT_FAIL).unwrap();
    std::fs::write(d.join("cf2.json"), CANNOT_FAIL_PLANNED).unwrap();
    for rare in ["off", "on", "auto"] {
        let run = ["run", "cf.json", "--rare", rare, "--trials", "3000", "-q"];
        let v: serde_json::Value =
            serde_json::from_str(&ok(d, &[&run[..], &["--format", "json"]].concat())).unwrap();
        let s = &v["services"][0];
        assert_eq!(s["cannot_fail"], true, "--rare {rare}: {s}");
        assert_eq!(
            s["availability"],
            serde_json::json!({"point": 1.0, "std_error": 0.0, "ci_low": 1.0, "ci_high": 1.0, "confidence": 0.95}),
            "--rare {rare}"
        );
        assert_eq!(s["downtime_hours_per_year"]["ci_high"], 0.0, "--rare {rare}");
        assert!(s["plain_trials"].is_null(), "--rare {rare}: {s}");
        let warnings = s["warnings"].to_string();
        assert!(
            warnings.contains("this service cannot fail"),
            "--rare {rare}: {warnings}"
        );
        assert!(
            !warnings.contains("--trials") && !warnings.contains("--rare off"),
            "--rare {rare}: {warnings}"
        );
        assert!(
            v["services"][1]["cannot_fail"].is_null(),
            "only the one that cannot"
        );
        let table = ok(d, &run);
        assert!(
            table.contains("this service cannot fail"),
            "--rare {rare}: {table}"
        );
        assert!(!table.contains("95% bound > 99"), "--rare {rare}: {table}");
        // Exact figures are not labelled as a confidence interval.
        let safe = table
            .split("service safe")
            .nth(1)
            .unwrap()
            .split("service t")
            .next()
            .unwrap();
        assert!(
            safe.contains("exact [0, 0]") && safe.contains("(cannot fail)") && !safe.contains("95% CI"),
            "--rare {rare}: {safe}"
        );
        // compare: exact figures for it, no pilot bound or advice.
        let cmp = [
            "compare", "cf.json", "cf.json", "--rare", rare, "--trials", "3000", "-q",
        ];
        let table = ok(d, &cmp);
        let safe = table.split("service t").next().unwrap();
        assert!(
            safe.contains("design A: the service cannot fail") && safe.contains("    A          0 [0, 0]"),
            "--rare {rare}: {safe}"
        );
        assert!(
            !safe.contains("less than") && !safe.contains("--rare off") && !safe.contains("run more trials"),
            "--rare {rare}: {safe}"
        );
        let v: serde_json::Value =
            serde_json::from_str(&ok(d, &[&cmp[..], &["--format", "json"]].concat())).unwrap();
        let a = &v["services"][0]["designs"][0][0]["estimate"];
        assert_eq!(
            (a["ci_low"].as_f64(), a["ci_high"].as_f64()),
            (Some(1.0), Some(1.0)),
            "--rare {rare}: {a}"
        );
        // sweep: each point says it.
        let sw = [
            "sweep",
            "cf.json",
            "--set",
            "components.x.mttr=1h,2h",
            "--rare",
            rare,
            "--trials",
            "2000",
            "-q",
        ];
        let table = ok(d, &sw);
        let safe = table.split("service t").next().unwrap();
        assert_eq!(
            safe.matches("exact: cannot fail").count(),
            2,
            "--rare {rare}: {safe}"
        );
        assert!(safe.contains("this service cannot fail"), "--rare {rare}: {safe}");
        // Planned downtime and data loss: exact zeros too.
        let run2 = [
            "run", "cf2.json", "--rare", rare, "--trials", "2000", "-q", "--format", "json",
        ];
        let v: serde_json::Value = serde_json::from_str(&ok(d, &run2)).unwrap();
        let s = &v["services"][0];
        assert_eq!(s["cannot_fail"], true, "--rare {rare}: {s}");
        for e in [
            &s["planned"]["planned_downtime_hours_per_year"],
            &s["planned"]["unplanned_downtime_hours_per_year"],
            &s["data_loss"]["events_per_year"],
            &s["data_loss"]["lost_write_seconds_per_year"],
            &s["data_loss"]["rpo"]["p_loss_over_rpo"],
        ] {
            assert_eq!(
                (e["ci_low"].as_f64(), e["ci_high"].as_f64()),
                (Some(0.0), Some(0.0)),
                "--rare {rare}: {e}"
            );
        }
        // check: met against any goal, and says why.
        let out = redsim(
            d,
            &[
                "check",
                "cf.json",
                "--rare",
                rare,
                "--target",
                "safe=99.9999999%",
                "--format",
                "json",
                "-q",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "--rare {rare}");
        let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(c["decisions"][0]["verdict"], "met");
        assert!(
            c["decisions"][0]["reason"]
                .as_str()
                .unwrap()
                .contains("cannot fail"),
            "{c}"
        );
    }
}

/// Lifeless elements, but `b` is the passive member of an active-passive
/// group: a service that needs `b` itself (by name, or on the only path
/// to its target) is down the whole mission, as the trace shows. A
/// reviewer found it reported as unable to fail, availability exactly 1.
const PASSIVE_MEMBER: &str = r#"{"format": "redsim/1", "name": "passive member", "mission": "1y",
 "components": [{"id": "a"}, {"id": "b"}, {"id": "src"}, {"id": "t"}, {"id": "x", "mtbf": "1000h", "mttr": "1h"}],
 "links": [{"between": ["src", "b"]}, {"between": ["b", "t"]}, {"between": ["src", "a"]}],
 "groups": [{"id": "g", "members": ["a", "b"], "mode": "active-passive", "standby": "hot",
   "failover": {"detection": "30s", "switchover": "2m", "success": 0.98, "manual": "30m"}}],
 "services": [{"id": "onlyb", "requires": "b"}, {"id": "r", "from": "src", "to": ["t"]},
              {"id": "grp", "requires": "group:g"}, {"id": "tx", "requires": "x"}]}"#;

#[test]
fn a_passive_group_member_without_a_law_can_still_leave_a_service_down() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("pm.json"), PASSIVE_MEMBER).unwrap();
    for rare in ["off", "on"] {
        let v: serde_json::Value = serde_json::from_str(&ok(
            d,
            &[
                "run", "pm.json", "--rare", rare, "--trials", "200", "-q", "--format", "json",
            ],
        ))
        .unwrap();
        for (i, id) in [(0, "onlyb"), (1, "r")] {
            let s = &v["services"][i];
            assert_eq!(s["id"], id);
            assert!(s["cannot_fail"].is_null(), "--rare {rare}: {s}");
            assert!(
                s["availability"]["point"].as_f64().unwrap() < 1e-6,
                "--rare {rare}: {id} is down all the time: {s}"
            );
        }
    }
    let out = redsim(
        d,
        &["check", "pm.json", "--target", "onlyb=99%", "--rare", "off", "-q"],
    );
    assert_ne!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
