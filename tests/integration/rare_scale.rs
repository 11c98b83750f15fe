//! Failure biasing at scale: `run --rare on` in shards merged byte for byte,
//! the weighted part of a shard file checked on reading, and `compare` and
//! `sweep` under failure biasing against the exact 1-of-3 chain.

use std::path::Path;

use crate::common::{set, text};
use crate::rare::{one_of_three, one_of_three_exact};
use crate::shard::{ok, redsim_in};

/// Standard error of a command that must fail with exit code 2, and write nothing.
#[track_caller]
fn fails(dir: &Path, args: &[&str]) -> String {
    let out = redsim_in(dir, args);
    assert_eq!(out.status.code(), Some(2), "redsim {args:?}: {out:?}");
    assert!(out.stdout.is_empty(), "redsim {args:?} wrote a report");
    text(&out.stderr)
}

/// Writes the 1-of-3 set with MTTR `mttr` h to `dir/name` and returns its path.
fn design(dir: &Path, name: &str, mttr: f64) -> String {
    let path = dir.join(name);
    std::fs::write(&path, one_of_three(mttr)).unwrap();
    path.display().to_string()
}

/// Runs the `count` shards of `cmd` (without `--shard`) into `dir`, and
/// returns their paths in index order.
pub(crate) fn shards(dir: &Path, cmd: &[&str], count: u64, tag: &str) -> Vec<String> {
    (0..count)
        .map(|k| {
            let file = dir
                .join(format!("{tag}{k}-of-{count}.json"))
                .display()
                .to_string();
            let spec = format!("{k}/{count}");
            let mut args = cmd.to_vec();
            args.extend(["--shard", &spec, "-o", &file]);
            ok(dir, &args);
            file
        })
        .collect()
}

/// `redsim merge FILES EXTRA...`.
pub(crate) fn merge(dir: &Path, files: &[String], extra: &[&str]) -> String {
    let mut args = vec!["merge", "-q"];
    args.extend(files.iter().map(String::as_str));
    args.extend(extra);
    ok(dir, &args)
}

#[test]
fn biased_run_shards_merge_to_the_single_run_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = design(d, "s.json", 1.2);
    for bias in [None, Some("0.3")] {
        let mut cmd = vec!["run", &s, "--rare", "on", "--trials", "3000", "--seed", "5", "-q"];
        cmd.extend(bias.iter().flat_map(|b| ["--rare-bias", *b]));
        let json = [&cmd[..], &["--format", "json"]].concat();
        let single_json = ok(d, &json);
        let single_table = ok(d, &cmd);
        let report: serde_json::Value = serde_json::from_str(&single_json).unwrap();
        assert_eq!(report["method"], "failure-biasing");
        for count in 1..=3 {
            let files = shards(d, &cmd, count, "run");
            assert_eq!(
                merge(d, &files, &["--format", "json"]),
                single_json,
                "{count} shard(s), bias {bias:?}"
            );
            assert_eq!(
                merge(d, &files, &[]),
                single_table,
                "{count} shard(s), bias {bias:?}"
            );
        }
        // The file says how it was made.
        let files = shards(d, &cmd, 2, "head");
        let head: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
        assert_eq!(head["format"], "redsim-shard/5");
        assert_eq!(head["method"], "failure-biasing");
        assert_eq!(head["rare"]["p_bias"], bias.map_or(0.2, |b| b.parse().unwrap()));
        let weighted = &head["segments"][0]["tally"]["weighted"];
        assert!(weighted["likelihood"]["sum"].is_string(), "{weighted}");
        assert!(
            weighted["services"][0]["down"]["sum_sq"].is_string(),
            "{weighted}"
        );
        // A merged result reports the same, and check decides from its weighted sums.
        let result = d.join("result.json").display().to_string();
        merge(d, &files, &["--result", &result]);
        assert_eq!(ok(d, &["report", &result, "--format", "json"]), single_json);
        let check: serde_json::Value = serde_json::from_str(&ok(
            d,
            &[
                "check",
                &s,
                "--result",
                &result,
                "--target",
                "s=99.999%",
                "--format",
                "json",
            ],
        ))
        .unwrap();
        let decision = &check["decisions"][0];
        assert_eq!(decision["verdict"], "met", "{check}");
        assert_eq!(
            decision["estimate"]["point"], report["services"][0]["availability"]["point"],
            "check --result decides on the weighted estimate"
        );
    }
}

#[test]
fn under_rare_auto_every_shard_makes_the_single_runs_choice() {
    // The pilot is the run's first trials whatever the shard's range, so
    // the shards of a rare design are biased as the single run is, and
    // merge to its report byte for byte.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = design(d, "s.json", 1.2);
    let base = ["run", &s, "--trials", "3000", "--format", "json"];
    let single = ok(d, &[&base[..], &["-q"]].concat());
    let json: serde_json::Value = serde_json::from_str(&single).unwrap();
    assert_eq!(json["method"], "failure-biasing", "auto biases this design");
    let files = shards(d, &["run", &s, "--trials", "3000", "-q"], 3, "auto");
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--format", "json"]);
    assert_eq!(ok(d, &args), single);
}

#[test]
fn shards_of_different_methods_or_bias_settings_are_not_merged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = design(d, "s.json", 1.2);
    let base = ["run", &s, "--trials", "200", "-q"];
    let plain = shards(d, &[&base[..], &["--rare", "off"]].concat(), 2, "plain");
    let biased = shards(d, &[&base[..], &["--rare", "on"]].concat(), 2, "biased");
    let other = shards(
        d,
        &[&base[..], &["--rare", "on", "--rare-bias", "0.3"]].concat(),
        2,
        "other",
    );
    let e = fails(d, &["merge", &plain[0], &biased[1]]);
    assert!(
        e.contains("is from another run: method") && e.contains("plain") && e.contains("failure-biasing"),
        "{e}"
    );
    let e = fails(d, &["merge", &biased[0], &other[1]]);
    assert!(
        e.contains("is from another run: method failure-biasing (--rare-bias 0.3"),
        "{e}"
    );
    // Each set alone merges.
    for set in [&plain, &biased, &other] {
        merge(d, set, &[]);
    }
}

#[test]
fn a_biased_run_plots_its_weighted_estimates_and_nothing_of_the_biased_trials() {
    use redsim::analysis::{self, Method};
    use redsim::engine::{self, RareOptions, RunConfig};
    use redsim::plot::Kind;
    let m = crate::common::model(&one_of_three(50.0));
    let cfg = RunConfig {
        seed: 3,
        first_trial: 0,
        trials: 2_000,
        threads: None,
    };
    let segments = engine::run_rare(
        &m,
        &cfg,
        &RareOptions::default(),
        &engine::checkpoints(2_000),
        &|_| {},
    )
    .unwrap();
    let mut tally = engine::Tally::new(1);
    segments.iter().for_each(|t| tally.merge(t));
    let summary = analysis::summarize(&m, &tally, 0.95);
    assert_eq!(summary.method, Method::FailureBiasing);
    assert!(
        tally.services[0].durations.count > 0,
        "the biased trials saw outages"
    );
    let plots = redsim::plot::figures::run(&m, &summary, &tally, &segments);
    // The outage durations under the weights (the biased trials' own are
    // not the design's), then the convergence, ending at the report's
    // weighted availability.
    assert!(
        matches!(plots[0].kind, Kind::WeightedDurations { .. }),
        "{:?}",
        plots.iter().map(|p| &p.name).collect::<Vec<_>>()
    );
    assert!(plots.iter().all(|p| !matches!(p.kind, Kind::Durations { .. })));
    let Some(Kind::Convergence { points, .. }) = plots.get(1).map(|p| &p.kind) else {
        panic!("a convergence plot")
    };
    let last = points.last().unwrap();
    assert_eq!(last.0, 2_000);
    assert_eq!(last.1, summary.services[0].availability);
    let plain = analysis::unavailability(&tally.services[0], 2_000, m.mission, 0.95).complement();
    assert_ne!(last.1.point, plain.point, "not the biased trials' own figure");
    for p in &plots {
        assert!(p.title.contains("failure biasing"), "{}", p.title);
    }
}

#[test]
fn merged_biased_runs_draw_the_same_plots_and_html_as_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = design(d, "s.json", 50.0);
    let cmd = ["run", &s, "--rare", "on", "--trials", "1001", "--seed", "7", "-q"];
    let files_in = |dir: &Path| {
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
    };
    let (sp, sh) = (d.join("single-plots"), d.join("single.html"));
    let table = ok(
        d,
        &[
            &cmd[..],
            &["--plot", sp.to_str().unwrap(), "--html", sh.to_str().unwrap()],
        ]
        .concat(),
    );
    let plots = files_in(&sp);
    let names: Vec<&str> = plots.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "convergence-s.png",
            "convergence-s.svg",
            "durations-s.png",
            "durations-s.svg"
        ]
    );
    let page = std::fs::read_to_string(&sh).unwrap();
    assert!(
        page.contains("failure-biasing (importance sampling"),
        "the page names the method"
    );
    for count in [2, 3] {
        let files = shards(d, &cmd, count, &format!("p{count}-"));
        let (mp, mh) = (
            d.join(format!("plots-{count}")),
            d.join(format!("page-{count}.html")),
        );
        let out = merge(
            d,
            &files,
            &["--plot", mp.to_str().unwrap(), "--html", mh.to_str().unwrap()],
        );
        assert_eq!(out, table, "{count} shards");
        assert!(plots == files_in(&mp), "{count} shards: the merged plots differ");
        assert!(
            page == std::fs::read_to_string(&mh).unwrap(),
            "{count} shards: the merged page differs"
        );
    }
}

/// Writes `doc` to `dir/name` with its checksum made to match again (as a
/// tool that edits shard files would), and returns its path.
fn sealed(dir: &Path, name: &str, doc: &serde_json::Value) -> String {
    let mut doc = doc.clone();
    doc["checksum"] = redsim::shard::checksum(&doc).into();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn the_weighted_part_of_a_shard_file_is_checked_on_reading() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // MTTR 50 h: the set is down now and then, so trials see outages.
    let s = design(d, "s.json", 50.0);
    let file = shards(d, &["run", &s, "--rare", "on", "--trials", "4", "-q"], 1, "w").remove(0);
    let good: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let w = "/segments/0/tally/weighted";
    let big = "9".repeat(2_000);
    let edits: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            w,
            serde_json::Value::Null,
            "no `weighted` sums in a failure-biasing shard",
        ),
        (
            "/method",
            "plain".into(),
            "`rare` (failure-biasing settings) in a plain shard",
        ),
        ("/method", "magic".into(), "`method` is \"magic\""),
        ("/rare/p_bias", 1.5.into(), "`rare.p_bias` is 1.5"),
        ("/rare/mixture", 0.0.into(), "`rare.mixture` is 0"),
        (
            "/rare/weighting",
            "sometimes".into(),
            "unknown variant `sometimes`",
        ),
        (
            "/segments/0/tally/weighted/services/0/down/sum",
            "1".into(),
            "weighted `down`: weighted sums that cannot come from its trials",
        ),
        (
            "/segments/0/tally/weighted/likelihood/sum_sq",
            "0".into(),
            "`weighted.likelihood`: weighted sums that cannot come from its trials",
        ),
        (
            "/segments/0/tally/weighted/services/0/outages/sum",
            big.as_str().into(),
            "no weighted sum has more than 1300",
        ),
        (
            "/segments/0/tally/weighted/services/0/down/sum",
            "-3".into(),
            "is not a whole number in decimal digits",
        ),
        (
            "/segments/0/tally/weighted/services",
            serde_json::json!([]),
            "`weighted` has 0 services where the scenario has 1",
        ),
        (
            "/segments/0/tally/weighted/likelihood/max",
            (-1.0).into(),
            "`weighted.likelihood`: a largest weighted value that is not a finite non-negative number",
        ),
        (
            "/segments/0/tally/weighted/likelihood/max",
            1e300.into(),
            "`weighted.likelihood`: a largest weighted value that does not fit its sums",
        ),
        (
            "/segments/0/tally/weighted/services/0/data_losses/sum",
            "1".into(),
            "weighted `data_losses`",
        ),
    ];
    for (i, (at, value, want)) in edits.iter().enumerate() {
        let mut doc = good.clone();
        if value.is_null() {
            crate::common::remove(&mut doc, at);
        } else {
            set(&mut doc, at, value.clone());
        }
        let path = sealed(d, &format!("edit{i}.json"), &doc);
        let e = fails(d, &["report", &path]);
        assert!(e.contains(want), "{at} = {value}: {e}");
    }
    // Weighted outage durations in bins no trial's outage fell in.
    let mut doc = good.clone();
    let last = doc["segments"].as_array().unwrap().len() - 1;
    let bins = format!("/segments/{last}/tally/weighted/services/0/durations");
    assert!(
        !doc.pointer(&bins).unwrap().as_array().unwrap().is_empty(),
        "the last segment saw outages"
    );
    set(&mut doc, &bins, serde_json::json!([]));
    let path = sealed(d, "bins.json", &doc);
    let e = fails(d, &["report", &path]);
    assert!(
        e.contains("weighted outage durations in other bins than the outages its trials saw"),
        "{e}"
    );
    // A weighted outage where no trial saw one.
    let mut doc = good.clone();
    let svc = "/segments/0/tally/services/0";
    set(&mut doc, &format!("{svc}/no_outage"), 4.into());
    let path = sealed(d, "no-outage.json", &doc);
    let e = fails(d, &["report", &path]);
    assert!(
        e.contains("a weighted outage, but none of its 4 trials saw one"),
        "{e}"
    );
    // Weighted sums in a plain shard, and the keys of this format in the previous one.
    let plain = shards(d, &["run", &s, "--trials", "4", "-q", "--rare", "off"], 1, "p").remove(0);
    let plain: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&plain).unwrap()).unwrap();
    let mut doc = plain.clone();
    doc["segments"][0]["tally"]["weighted"] = good["segments"][0]["tally"]["weighted"].clone();
    let e = fails(d, &["report", &sealed(d, "mixed.json", &doc)]);
    assert!(e.contains("weighted sums in a plain shard"), "{e}");
    let mut old = plain.clone();
    old["format"] = "redsim-shard/2".into();
    let e = fails(d, &["report", &sealed(d, "old-method.json", &old)]);
    assert!(e.contains("`method` is not part of `redsim-shard/2`"), "{e}");
    // A plain file of the previous format, as redsim wrote it, is still read.
    old.as_object_mut().unwrap().remove("method");
    let report = ok(d, &["report", &sealed(d, "old.json", &old), "-q"]);
    let now = ok(d, &["report", &sealed(d, "now.json", &plain), "-q"]);
    assert_eq!(report, now);
}

/// The estimate of `quantity` of design `d` in a comparison's service.
fn value<'a>(service: &'a serde_json::Value, d: usize, quantity: &str) -> &'a serde_json::Value {
    &service["designs"][d]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["quantity"] == quantity)
        .unwrap()["estimate"]
}

/// Asserts that `exact` lies within 4 standard errors of a JSON estimate.
#[track_caller]
fn within_4_se(what: &str, e: &serde_json::Value, exact: f64) {
    let (point, se) = (e["point"].as_f64().unwrap(), e["std_error"].as_f64().unwrap());
    assert!(se > 0.0, "{what}: no spread ({e})");
    let z = (point - exact) / se;
    assert!(
        z.abs() <= 4.0,
        "{what}: {point} is {z:.2} standard errors from the exact {exact}"
    );
}

#[test]
fn compare_under_failure_biasing_against_the_exact_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Unavailability about 1e-8 and 1e-6: plain simulation sees nothing of A.
    let (a, b) = (design(d, "a.json", 1.2), design(d, "b.json", 5.5));
    let (ua, _) = one_of_three_exact(1.2, 2000.0);
    let (ub, _) = one_of_three_exact(5.5, 2000.0);
    let cmd = [
        "compare", &a, &b, "--rare", "on", "--trials", "10000", "-q", "--format", "json",
    ];
    let one = ok(d, &[&cmd[..], &["--threads", "1"]].concat());
    assert_eq!(one, ok(d, &[&cmd[..], &["--threads", "2"]].concat()), "threads");
    let rep: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(rep["method"], "failure-biasing");
    let s = &rep["services"][0];
    let per_year = redsim::model::HOURS_PER_YEAR;
    for (k, u) in [(0, ua), (1, ub)] {
        within_4_se(
            &format!("design {k}: downtime"),
            value(s, k, "downtime_hours_per_year"),
            u * per_year,
        );
    }
    let diffs: Vec<&serde_json::Value> = s["differences"].as_array().unwrap().iter().collect();
    let down = diffs
        .iter()
        .find(|x| x["quantity"] == "downtime_hours_per_year")
        .unwrap();
    // Independent runs: no paired interval, and the difference is B's less A's.
    assert!(down.get("paired").is_none(), "{down}");
    let e = &down["independent"];
    within_4_se("B - A: downtime", e, (ub - ua) * per_year);
    let (pa, pb) = (
        value(s, 0, "downtime_hours_per_year")["point"].as_f64().unwrap(),
        value(s, 1, "downtime_hours_per_year")["point"].as_f64().unwrap(),
    );
    assert!((e["point"].as_f64().unwrap() - (pb - pa)).abs() <= 1e-12 * pb);
    // Its standard error is that of two independent means.
    let se = |k: usize| {
        value(s, k, "downtime_hours_per_year")["std_error"]
            .as_f64()
            .unwrap()
    };
    let want = se(0).hypot(se(1));
    assert!((e["std_error"].as_f64().unwrap() / want - 1.0).abs() < 1e-12);
    assert!(e["ci_low"].as_f64().unwrap() > 0.0, "B is clearly worse: {e}");
    // The baseline is the run of A with the same seed.
    let run: serde_json::Value = serde_json::from_str(&ok(
        d,
        &[
            "run", &a, "--rare", "on", "--trials", "10000", "-q", "--format", "json",
        ],
    ))
    .unwrap();
    assert_eq!(value(s, 0, "availability"), &run["services"][0]["availability"]);
    // The table says the runs are independent.
    let table = ok(d, &cmd[..cmd.len() - 2]);
    assert!(
        table.contains("independent runs") && table.contains("failure-biasing"),
        "{table}"
    );
    // Shards merge to the same report.
    let shard_cmd = &cmd[..cmd.len() - 2];
    for count in [1, 3] {
        let files = shards(d, shard_cmd, count, "cmp");
        assert_eq!(merge(d, &files, &["--format", "json"]), one, "{count} shard(s)");
    }
    // Plots and HTML are drawn from the weighted estimates, and merged
    // shards draw the same ones as the single command.
    let (fig, page) = (d.join("figs"), d.join("page.html"));
    ok(
        d,
        &[
            &cmd[..],
            &["--plot", fig.to_str().unwrap(), "--html", page.to_str().unwrap()],
        ]
        .concat(),
    );
    let files = shards(d, shard_cmd, 2, "fig");
    let (mfig, mpage) = (d.join("merged-figs"), d.join("merged.html"));
    merge(
        d,
        &files,
        &[
            "--plot",
            mfig.to_str().unwrap(),
            "--html",
            mpage.to_str().unwrap(),
        ],
    );
    let read = |p: &Path| std::fs::read(p).unwrap();
    for name in ["compare-s.svg", "compare-s.png"] {
        assert!(read(&fig.join(name)) == read(&mfig.join(name)), "{name} differs");
    }
    assert!(read(&page) == read(&mpage), "the merged page differs");
    let svg = String::from_utf8(read(&fig.join("compare-s.svg"))).unwrap();
    assert!(svg.contains("failure biasing"), "the figure names the method");
    let rpage = d.join("report.html");
    ok(d, &["report", &files[0], "--html", rpage.to_str().unwrap(), "-q"]);
    assert!(
        std::fs::read_to_string(&rpage)
            .unwrap()
            .contains("failure-biasing (importance sampling")
    );
}

#[test]
fn sweep_under_failure_biasing_against_the_exact_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = design(d, "s.json", 1.2);
    let cmd = [
        "sweep",
        &s,
        "--set",
        "components.c.mttr=1.2,5.5",
        "--rare",
        "on",
        "--trials",
        "10000",
        "-q",
        "--format",
        "json",
    ];
    let one = ok(d, &[&cmd[..], &["--threads", "1"]].concat());
    assert_eq!(one, ok(d, &[&cmd[..], &["--threads", "2"]].concat()), "threads");
    let rep: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(rep["method"], "failure-biasing");
    for (k, mttr) in [(0, 1.2), (1, 5.5)] {
        let (u, outages) = one_of_three_exact(mttr, 2000.0);
        let svc = &rep["points"][k]["services"][0];
        within_4_se(
            &format!("MTTR {mttr}: downtime"),
            &svc["downtime_hours_per_year"],
            u * redsim::model::HOURS_PER_YEAR,
        );
        within_4_se(
            &format!("MTTR {mttr}: outages"),
            &svc["outages_per_mission"],
            outages,
        );
        // Each point is the run with its change.
        let set = format!("components.c.mttr={mttr}");
        let run: serde_json::Value = serde_json::from_str(&ok(
            d,
            &[
                "run", &s, "--set", &set, "--rare", "on", "--trials", "10000", "-q", "--format", "json",
            ],
        ))
        .unwrap();
        assert_eq!(svc, &run["services"][0], "MTTR {mttr}");
    }
    let shard_cmd = &cmd[..cmd.len() - 2];
    for count in [2, 3] {
        let files = shards(d, shard_cmd, count, "sweep");
        assert_eq!(merge(d, &files, &["--format", "json"]), one, "{count} shards");
    }
}
