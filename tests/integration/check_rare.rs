//! Issue 12, points 2 and 3: `check` decides rare designs under failure
//! biasing, and `--rare auto` (the default) picks the method from a plain
//! pilot, on `run` and `check` alike.

use std::process::{Command, Output};

use redsim::analysis::rare::{PILOT_TRIALS, run_pilot};
use redsim::engine::{self, RunConfig};

use crate::common::{assert_exit, model, text};
use crate::rare::{one_of_three, one_of_three_exact};

fn redsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run redsim")
}

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The 1-of-3 hot standby with one crew (MTBF 1000 h, the given MTTR, a
/// 2000 h mission), written to a file in `dir`.
fn standby(dir: &tempfile::TempDir, mttr: f64) -> String {
    let file = dir.path().join(format!("standby-{mttr}.json"));
    std::fs::write(&file, one_of_three(mttr)).unwrap();
    file.to_str().unwrap().to_string()
}

/// Runs `check` with `args` and `--format json`; returns the exit code,
/// the report and standard error.
fn check_json(args: &[&str]) -> (i32, serde_json::Value, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let out = redsim(&all);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code().unwrap(), json, text(&out.stderr))
}

#[test]
fn a_1e_8_design_is_met_against_five_nines_with_the_default_options() {
    let dir = tempfile::tempdir().unwrap();
    let f = standby(&dir, 1.2);
    let (u, _) = one_of_three_exact(1.2, 2000.0);
    assert!(u > 5e-9 && u < 2e-8, "exact {u}");
    // Default options: --rare auto sees no outage in its pilot and biases;
    // the first look decides.
    let started = std::time::Instant::now();
    let (code, json, err) = check_json(&[&f, "--target", "s=99.999%"]);
    assert_eq!(code, 0, "{json}{err}");
    assert!(started.elapsed().as_secs_f64() < 30.0);
    assert_eq!(json["method"], "failure-biasing");
    assert_eq!(json["stopped"], "decided");
    assert_eq!(json["trials"], 2000);
    assert_eq!(json["decisions"][0]["verdict"], "met");
    assert!(
        err.contains("--rare auto") && err.contains("failure biasing"),
        "{err}"
    );
    // At a CI budget of 64,000 trials plain simulation sees no outage, and
    // its bound cannot clear the goal: undecided, exit 3.
    let budget = ["--max-trials", "64000"];
    let (code, json, _) = check_json(&[&f, "--target", "s=99.999%", budget[0], budget[1]]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["method"], "failure-biasing");
    let (code, json, _) = check_json(&[&f, "--target", "s=99.999%", budget[0], budget[1], "--rare", "off"]);
    assert_eq!(code, 3, "{json}");
    assert_eq!(json["method"], "plain");
    assert_eq!(json["stopped"], "max_trials");
    assert_eq!(json["decisions"][0]["verdict"], "undecided");
}

#[test]
fn a_1e_6_design_is_decided_both_ways_with_the_exact_value_inside_its_interval() {
    let dir = tempfile::tempdir().unwrap();
    let f = standby(&dir, 5.5);
    let (u, _) = one_of_three_exact(5.5, 2000.0);
    // Between the two goals: 2e-6 and 5e-7.
    assert!(u > 6e-7 && u < 1.8e-6, "exact {u}");
    for (goal, code, verdict) in [("s=99.9998%", 0, "met"), ("s=99.99995%", 1, "missed")] {
        let started = std::time::Instant::now();
        let (got, json, err) = check_json(&[&f, "--target", goal]);
        assert_eq!(got, code, "{goal}: {json}{err}");
        assert!(started.elapsed().as_secs_f64() < 30.0);
        assert_eq!(json["method"], "failure-biasing");
        let d = &json["decisions"][0];
        assert_eq!(d["verdict"], verdict, "{goal}: {json}");
        let e = &d["estimate"];
        let (low, high) = (e["ci_low"].as_f64().unwrap(), e["ci_high"].as_f64().unwrap());
        assert!(
            low <= 1.0 - u && 1.0 - u <= high,
            "{goal}: exact availability {} outside [{low}, {high}]",
            1.0 - u
        );
        assert_eq!(e["confidence"], json["confidence_per_look"]);
    }
    // Plain simulation cannot decide the met case within the default
    // budget: it is what failure biasing is for.
    let (code, json, _) = check_json(&[&f, "--target", "s=99.9998%", "--rare", "off"]);
    assert_eq!(code, 3, "{json}");
}

#[test]
fn max_time_is_honoured_under_failure_biasing() {
    // As `check::max_time_gives_up_the_batch_in_flight_and_reports_the_last_look`,
    // biased: a slow model (60 nodes, one crew, a 200-year mission) at its
    // availability, a first batch of minutes and a budget of 1 s.
    let fleet = scenario("fleet-one-crew.json");
    let slow = [
        fleet.as_str(),
        "--set",
        "mission=200y",
        "--target",
        "storage=99.6565%",
        "--rare",
        "on",
        "-q",
    ];
    let mut args = slow.to_vec();
    args.extend([
        "--first-trials",
        "200000",
        "--max-trials",
        "800000",
        "--max-time",
        "1",
    ]);
    let started = std::time::Instant::now();
    let (code, json, err) = check_json(&args);
    let took = started.elapsed().as_secs_f64();
    assert_eq!(code, 3, "{json}{err}");
    assert!(took < 120.0, "took {took} s");
    assert_eq!(json["trials"], 0, "{json}");
    assert_eq!(json["stopped"], "max_time");
    assert_eq!(json["method"], "failure-biasing");
    let reason = json["decisions"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("the --max-time budget of 1 s ran out first"),
        "{reason}"
    );
    // Small batches: the trials reported are a look's, on the schedule.
    let mut args = slow.to_vec();
    args.extend([
        "--first-trials",
        "64",
        "--max-trials",
        "67108864",
        "--max-time",
        "1.5",
    ]);
    let (code, json, _) = check_json(&args);
    assert_eq!(code, 3, "{json}");
    let trials = json["trials"].as_u64().unwrap();
    assert!(
        trials == 0 || (trials.is_multiple_of(64) && (trials / 64).is_power_of_two()),
        "{trials} trials is not a look of the schedule"
    );
    assert_eq!(json["stopped"], "max_time");
}

#[test]
fn a_biased_check_that_saw_no_outage_decides_nothing() {
    // 100 biased trials of this pair of uniform lives see no outage of `s`
    // (a 100 h mission, lives of 500 to 1500 h, which biasing leaves
    // alone; the exponential `x` gives it something to bias): the weighted
    // interval is a point at 100 %, which says nothing about the design
    // (plain simulation's bound, 97 %, cannot clear 99 % either). It was
    // met. (A pair of gamma lives served here until failure forcing made
    // their outages over 100 h visible to 100 biased trials.)
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gamma.json");
    std::fs::write(
        &file,
        r#"{"format": "redsim/1", "name": "uniform pair", "mission": "100h",
            "components": [{"id": "g", "count": 2, "failure": {"uniform": {"min": "500h", "max": "1500h"}}, "mttr": "1h"},
                           {"id": "x", "mtbf": "1000h", "mttr": "1h"}],
            "services": [{"id": "s", "requires": {"any": ["g-*"]}}, {"id": "t", "requires": "x"}]}"#,
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let budget = [
        "--target",
        "s=99%",
        "--first-trials",
        "100",
        "--max-trials",
        "100",
    ];
    let mut args = vec![f, "--rare", "on"];
    args.extend(budget);
    let (code, json, _) = check_json(&args);
    assert_eq!(code, 3, "{json}");
    assert_eq!(json["method"], "failure-biasing");
    // It is decided from the plain pilot's figures, as `run --rare on`
    // reports it (its 100 trials' bound, 97 %, straddles 99 %), never
    // from the weighted point.
    let d = &json["decisions"][0];
    assert_eq!(d["verdict"], "undecided");
    let low = d["estimate"]["ci_low"].as_f64().unwrap();
    assert!(low > 0.96 && low < 0.99, "{json}");
    assert!(
        d["reason"]
            .as_str()
            .unwrap()
            .contains("the interval straddles the goal"),
        "{json}"
    );
    // Auto does not bias a model with nothing to bias (uniform lives).
    std::fs::write(
        &file,
        r#"{"format": "redsim/1", "name": "uniform pair", "mission": "100h",
            "components": [{"id": "g", "count": 2, "failure": {"uniform": {"min": "500h", "max": "1500h"}}, "mttr": "1h"}],
            "services": [{"id": "s", "requires": {"any": ["g-*"]}}]}"#,
    )
    .unwrap();
    let mut args = vec![f];
    args.extend(budget);
    let (code, json, _) = check_json(&args);
    assert_eq!(code, 3, "{json}");
    assert_eq!(json["method"], "plain");
}

#[test]
fn auto_biases_a_rare_design_and_leaves_one_with_many_outages_plain() {
    let dir = tempfile::tempdir().unwrap();
    let f = standby(&dir, 1.2);
    let json = |args: &[&str]| {
        let mut all = vec!["run"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--format", "json", "-q"]);
        let out = redsim(&all);
        assert_exit(&out, 0);
        out.stdout
    };
    let rare = |threads: &str| json(&[&f, "--trials", "3000", "--threads", threads]);
    let one = rare("1");
    assert_eq!(one, rare("2"), "auto is not the same on 1 and 2 threads");
    let report: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(report["method"], "failure-biasing");
    // The same bytes as asking for biasing outright.
    assert_eq!(one, json(&[&f, "--trials", "3000", "--rare", "on"]));
    // Series sees thousands of outages: plain, and the pilot is the start
    // of the run, so the report is that of --rare off, byte for byte, on 1
    // and 2 threads (3000 trials: the pilot ends inside a segment).
    let series = scenario("series.json");
    let plain = |threads: &str| json(&[&series, "--trials", "3000", "--threads", threads]);
    let one = plain("1");
    assert_eq!(one, plain("2"));
    let report: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(report["method"], "plain");
    assert_eq!(one, json(&[&series, "--trials", "3000", "--rare", "off"]));
}

#[test]
fn the_pilot_keeps_the_convergence_plot_and_precision_runs_of_a_plain_run() {
    // The pilot's segments are joined to the rest of the run: the plots
    // (the convergence plot draws every segment's running sums) and a run
    // to a precision are those of --rare off.
    let dir = tempfile::tempdir().unwrap();
    let series = scenario("series.json");
    let run = |sub: &str, extra: &[&str]| {
        let plots = dir.path().join(sub);
        let mut args = vec![
            "run",
            &series,
            "--trials",
            "3000",
            "--plot",
            plots.to_str().unwrap(),
            "-q",
        ];
        args.extend_from_slice(extra);
        let out = redsim(&args);
        assert_exit(&out, 0);
        let mut files: Vec<_> = std::fs::read_dir(&plots)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "svg"))
            .collect();
        files.sort();
        let svgs: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
        (out.stdout, svgs)
    };
    let auto = run("auto", &[]);
    assert!(!auto.1.is_empty());
    assert_eq!(auto, run("off", &["--rare", "off"]));
    let precise = |extra: &[&str]| {
        let mut args = vec!["run", &series, "--trials", "1500", "--precision", "2%", "-q"];
        args.extend_from_slice(extra);
        let out = redsim(&args);
        assert_exit(&out, 0);
        out.stdout
    };
    assert_eq!(precise(&[]), precise(&["--rare", "off"]));
}

#[test]
fn auto_biases_with_html_as_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let f = standby(&dir, 1.2);
    // run, compare and check: with an HTML page, auto chooses failure
    // biasing as it does without one, and says so once; quiet says nothing.
    for (args, quiet) in [
        (vec!["run", &f, "--trials", "2000"], true),
        (vec!["compare", &f, &f, "--trials", "2000"], false),
        (vec!["check", &f, "--target", "s=99%"], false),
        (vec!["check", &f, "--target", "s=99%"], true),
    ] {
        let html = dir.path().join("page.html");
        let mut all = args.clone();
        all.extend(["--html", html.to_str().unwrap(), "--format", "json"]);
        if quiet {
            all.push("-q");
        }
        let out = redsim(&all);
        assert_exit(&out, 0);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["method"], "failure-biasing", "{args:?}");
        let without = {
            let mut all = all.clone();
            let at = all.iter().position(|a| *a == "--html").unwrap();
            all.drain(at..at + 2);
            redsim(&all)
        };
        assert_eq!(
            out.stdout, without.stdout,
            "{args:?}: the report changed with --html"
        );
        let err = text(&out.stderr);
        let note: Vec<&str> = err.lines().filter(|l| l.contains("--rare auto")).collect();
        if quiet {
            assert!(note.is_empty(), "{err}");
        } else {
            assert_eq!(note.len(), 1, "{err}");
            assert!(note[0].ends_with("failure biasing"), "{err}");
        }
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.contains("failure-biasing (importance sampling"), "{args:?}");
    }
}

#[test]
fn the_pilot_is_the_same_trials_whatever_part_of_the_run_is_asked_for() {
    // A shard of a run starts elsewhere; its pilot does not.
    let m = model(&one_of_three(1.2));
    let cfg = |first_trial, threads| RunConfig {
        seed: engine::DEFAULT_SEED,
        first_trial,
        trials: 5_000,
        threads: Some(threads),
    };
    let never = || false;
    let pilot = |first, threads| {
        run_pilot(&m, &cfg(first, threads), 10_000, &[], &|_| {}, &never)
            .unwrap()
            .unwrap()
    };
    let at_zero = pilot(0, 1);
    assert_eq!(at_zero[0].trials, PILOT_TRIALS);
    assert_eq!(at_zero, pilot(5_000, 2));
}

#[test]
fn a_biased_check_whose_weights_degenerated_decides_nothing() {
    // Sixty nodes over 50 years: thousands of degraded periods a trial,
    // and the likelihood ratio, a product over them, collapses to 0. The
    // weighted interval is then narrow and far off: it met a goal at the
    // design's plain availability (about 99.66 %).
    let fleet = scenario("fleet-one-crew.json");
    let (code, json, _) = check_json(&[
        &fleet,
        "--set",
        "mission=50y",
        "--target",
        "storage=99.6565%",
        "--rare",
        "on",
        "--first-trials",
        "64",
        "--max-trials",
        "64",
        "-q",
    ]);
    assert_eq!(code, 3, "{json}");
    let d = &json["decisions"][0];
    assert_eq!(d["verdict"], "undecided", "{json}");
    assert!(d["reason"].as_str().unwrap().contains("degenerated"), "{json}");
}

#[test]
fn check_leaves_a_design_with_many_outages_plain() {
    // The seed network shows 274 outages in its first 2,000 trials: plain,
    // decided as before (the threshold is at the overall confidence; at one
    // look's 99.5 % it was biased).
    let (code, json, err) = check_json(&[&scenario("seed-network.json"), "--target", "app=99.95%"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["method"], "plain");
    assert_eq!(json["trials"], 8000);
    assert!(!err.contains("--rare auto"), "{err}");
}

#[test]
fn a_biased_run_doubles_its_trials_until_the_weighted_precision_is_reached() {
    // Issue 12, point 3: --precision under failure biasing (it was refused).
    // The 1e-8 standby to ±10 %: 10,000 trials give about 11 %, so one
    // doubling; the run is the one of that many trials, and auto does the same.
    let dir = tempfile::tempdir().unwrap();
    let f = standby(&dir, 1.2);
    let run = |args: &[&str]| {
        let mut all = vec!["run", f.as_str(), "--format", "json"];
        all.extend_from_slice(args);
        let out = redsim(&all);
        assert_exit(&out, 0);
        (out.stdout, text(&out.stderr))
    };
    let (precise, err) = run(&["--rare", "on", "--precision", "10%"]);
    assert!(err.contains("precision 10 % reached"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&precise).unwrap();
    assert_eq!(report["method"], "failure-biasing");
    let trials = report["trials"].as_u64().unwrap();
    assert!(
        trials > 10_000 && (trials / 10_000).is_power_of_two() && trials.is_multiple_of(10_000),
        "{trials} trials"
    );
    let rel = report["services"][0]["relative_error"].as_f64().unwrap();
    assert!(rel <= 0.10, "relative half-width {rel}");
    let (u, _) = one_of_three_exact(1.2, 2000.0);
    let a = &report["services"][0]["availability"];
    assert!(a["ci_low"].as_f64().unwrap() <= 1.0 - u && 1.0 - u <= a["ci_high"].as_f64().unwrap());
    // The same bytes as a fixed run of that many trials, and as auto's.
    let n = trials.to_string();
    assert_eq!(precise, run(&["--rare", "on", "--trials", &n, "-q"]).0);
    assert_eq!(precise, run(&["--precision", "10%", "-q"]).0);
}

#[test]
fn an_rto_target_is_decided_under_failure_biasing() {
    // The 1-of-3 set is down once all three are: the outage lasts the
    // residual repair of the member in repair, exponential with the MTTR,
    // so P(an outage over the RTO in a mission) is about the expected
    // outages times e^(−RTO/MTTR) (they are far below one per mission).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rto.json");
    let text_of = one_of_three(1.2).replace(r#"{"id": "s","#, r#"{"id": "s", "rto": "1h","#);
    assert!(text_of.contains("\"rto\""));
    std::fs::write(&file, text_of).unwrap();
    let f = file.to_str().unwrap();
    let (_, outages) = one_of_three_exact(1.2, 2000.0);
    let over = outages * (-1.0f64 / 1.2).exp();
    let decide = |goal: f64| {
        let target = format!("s.max_p_outage_over_rto={goal:e}");
        let (code, json, err) = check_json(&[f, "--target", &target]);
        assert_eq!(json["method"], "failure-biasing", "{json}{err}");
        let d = &json["decisions"][0];
        (code, d["verdict"].as_str().unwrap().to_string(), d.clone())
    };
    let (code, verdict, d) = decide(10.0 * over);
    assert_eq!((code, verdict.as_str()), (0, "met"), "{d}");
    let (code, verdict, d) = decide(over / 10.0);
    assert_eq!((code, verdict.as_str()), (1, "missed"), "{d}");
    let (lo, hi) = (
        d["estimate"]["ci_low"].as_f64().unwrap(),
        d["estimate"]["ci_high"].as_f64().unwrap(),
    );
    assert!(lo <= over && over <= hi, "exact {over} outside [{lo}, {hi}]");
}

#[test]
fn auto_does_not_trust_a_pilot_that_saw_a_handful_of_outages() {
    // The eight-nines two-region design: the pilot's 2,000 trials see one
    // outage. Scaled to 100,000 trials that "projects" 50 effective
    // outages, past the threshold, but one outage is as consistent with a
    // rate forty times lower; a plain run there rests on a handful of
    // outages of very different lengths (4.4 nines where the design has
    // eight). The low end of the pilot's Garwood interval keeps it biased.
    let f = scenario("two-region.json");
    let out = redsim(&["run", &f, "--trials", "100000", "--format", "json"]);
    assert_exit(&out, 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["method"], "failure-biasing", "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("low end"), "{}", text(&out.stderr));
}

#[test]
fn auto_biases_lognormal_lives() {
    // Lognormal lives are scaled by failure biasing: auto must not call a
    // model with nothing else "nothing to bias".
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("logn.json");
    std::fs::write(
        &file,
        r#"{"format": "redsim/1", "name": "lognormal 1-of-3", "mission": "2000h", "repair": {"crews": 1},
            "components": [{"id": "c", "count": 3, "failure": {"lognormal": {"mean": "1000h", "sd": "800h"}}, "mttr": "1.2h"}],
            "services": [{"id": "s", "requires": {"at_least": 1, "of": ["c-1", "c-2", "c-3"]}}]}"#,
    )
    .unwrap();
    let out = redsim(&[
        "run",
        file.to_str().unwrap(),
        "--trials",
        "2000",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["method"], "failure-biasing", "{}", text(&out.stderr));
}
