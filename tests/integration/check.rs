//! `redsim check`: verdicts, exit codes, the scenario's targets, JUnit XML
//! and GitHub Actions annotations.

use std::process::Command;

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs `redsim check` with `args`; returns (exit code, stdout).
fn check(args: &[&str], github: bool) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_redsim"));
    cmd.arg("check").args(args);
    if github {
        cmd.env("GITHUB_ACTIONS", "true");
    } else {
        cmd.env_remove("GITHUB_ACTIONS");
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn verdicts_set_the_exit_code() {
    // Series: availability 96.5 %, far from both goals.
    let (code, text) = check(&[&scenario("series.json"), "--target", "system=90%"], false);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("met        system"), "{text}");
    let (code, text) = check(&[&scenario("series.json"), "--target", "system=99%"], false);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("MISSED     system"), "{text}");
    // A goal at the true value cannot be decided: exit 3, or as asked.
    let at = ["--target", "system=96.5349%", "--max-trials", "8000"];
    let series = scenario("series.json");
    let args: Vec<&str> = std::iter::once(series.as_str()).chain(at).collect();
    let (code, text) = check(&args, false);
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("undecided") && text.contains("straddles"), "{text}");
    assert!(
        text.contains("trials 8000") && text.contains("stopped: max_trials"),
        "{text}"
    );
    let fail: Vec<&str> = args.iter().copied().chain(["--undecided", "fail"]).collect();
    assert_eq!(check(&fail, false).0, 1);
    let pass: Vec<&str> = args.iter().copied().chain(["--undecided", "pass"]).collect();
    assert_eq!(check(&pass, false).0, 0);
}

#[test]
fn no_spof_is_decided_on_the_structure_and_other_metrics_by_simulation() {
    let (code, text) = check(
        &[
            &scenario("seed-network-one-firewall.json"),
            "--target",
            "app.no_spof=true",
            "--target",
            "app.max_downtime_per_year=1d",
            "--format",
            "json",
        ],
        false,
    );
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["format"], "redsim-check/1");
    let d = json["decisions"].as_array().unwrap();
    assert_eq!(d[0]["metric"], "no_spof");
    assert_eq!(d[0]["verdict"], "missed");
    assert_eq!(d[0]["spofs"], serde_json::json!(["fw-a", "srv"]));
    assert_eq!(d[1]["metric"], "max_downtime_per_year");
    assert_eq!(d[1]["verdict"], "met");
    assert!(d[1]["estimate"]["ci_high"].as_f64().unwrap() < 24.0);
}

#[test]
fn a_design_that_is_essentially_never_down_is_met_from_its_upper_bound() {
    // Two feeds: seconds of downtime a year, a handful of outages in 16,000
    // trials. The intervals allow for an unseen outage as long as the
    // mission, so their upper bound is valid on few outages (or none), and
    // it lies below the goal: met, with no minimum number of outages.
    let (code, text) = check(
        &[
            &scenario("power-ab-feeds.json"),
            "--target",
            "app=99.9%",
            "--max-trials",
            "16000",
        ],
        false,
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("met        app"), "{text}");
    // A miss still needs the whole interval on the bad side: a goal above
    // what a few thousand trials can show stays undecided.
    let (code, text) = check(
        &[
            &scenario("power-ab-feeds.json"),
            "--target",
            "app=99.99999%",
            "--max-trials",
            "4000",
        ],
        false,
    );
    assert_eq!(code, 3, "{text}");
    assert!(text.contains("straddles"), "{text}");
}

#[test]
fn targets_in_the_scenario_are_checked_and_reported_for_ci() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.json");
    std::fs::write(
        &file,
        serde_json::json!({"format": "redsim/1", "name": "pair & co",
            "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}, {"id": "b", "mtbf": "100h", "mttr": "1h"}],
            "services": [{"id": "s", "requires": {"all": ["a", "b"]}, "rto": "30m",
                          "targets": {"availability": "99%", "max_outages_per_year": 1,
                                      "max_p_outage_over_rto": 0.5, "no_spof": true}}]})
        .to_string(),
    )
    .unwrap();
    let junit = dir.path().join("junit.xml");
    let (code, text) = check(
        &[file.to_str().unwrap(), "--junit", junit.to_str().unwrap()],
        true,
    );
    // Availability 1 - 2/101 ≈ 98 %: missed; ~173 outages a year: missed;
    // every outage lasts over 30 min more often than not: undecided or missed; two SPOFs.
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("MISSED     s                availability >= 99 %"),
        "{text}"
    );
    assert!(text.contains("::error file="), "GitHub annotations:\n{text}");
    assert!(
        text.contains("title=redsim check::service s: no single point of failure is MISSED (a, b)"),
        "{text}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuite name=\"pair &amp; co\" tests=\"4\""),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
    assert!(
        xml.contains("<testcase classname=\"redsim.s\" name=\"availability &gt;= 99 %\">"),
        "{xml}"
    );
    assert!(xml.matches("<failure ").count() >= 3, "{xml}");
    assert!(xml.trim_end().ends_with("</testsuites>"));
    // The same verdicts on one thread.
    let (code1, text1) = check(
        &[file.to_str().unwrap(), "--threads", "1", "--format", "json"],
        false,
    );
    let (code2, text2) = check(
        &[file.to_str().unwrap(), "--threads", "2", "--format", "json"],
        false,
    );
    assert_eq!((code1, &text1), (code2, &text2));
}

// Issue 13 (tester), point 5.
#[test]
fn a_command_line_target_replaces_the_files_for_the_same_service_and_metric() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.json");
    std::fs::write(
        &file,
        serde_json::json!({"format": "redsim/1", "name": "pair",
            "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}, {"id": "b", "mtbf": "100h", "mttr": "1h"}],
            "services": [{"id": "s", "requires": {"all": ["a", "b"]},
                          "targets": {"availability": "99%", "no_spof": true}}]})
        .to_string(),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    for (goal, shown) in [("99%", "99 %"), ("90%", "90 %")] {
        let junit = dir.path().join("junit.xml");
        let target = format!("s={goal}");
        let (_, text) = check(
            &[f, "--target", &target, "-q", "--junit", junit.to_str().unwrap()],
            false,
        );
        assert_eq!(text.matches("availability >=").count(), 1, "one verdict:\n{text}");
        assert!(text.contains(&format!("availability >= {shown}")), "{text}");
        let xml = std::fs::read_to_string(&junit).unwrap();
        assert_eq!(xml.matches("<testcase ").count(), 2, "{xml}");
    }
}

#[test]
fn bad_targets_are_refused() {
    let (code, _) = check(&[&scenario("series.json"), "--target", "nope=99%"], false);
    assert_eq!(code, 2);
    let (code, _) = check(&[&scenario("series.json"), "--target", "system=120%"], false);
    assert_eq!(code, 2);
    let (code, _) = check(
        &[
            &scenario("series.json"),
            "--target",
            "system.max_p_outage_over_rto=0.1",
        ],
        false,
    );
    assert_eq!(code, 2, "series.json has no rto");
    // No targets at all is an error, not a pass.
    let (code, _) = check(&[&scenario("series.json")], false);
    assert_eq!(code, 2);
}

#[test]
fn targets_in_a_scenario_are_validated_with_the_rest() {
    let text = serde_json::json!({"format": "redsim/1", "name": "t",
        "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}],
        "services": [{"id": "s", "requires": "a",
                      "targets": {"availability": "120%", "max_downtime_per_year": "0h",
                                  "max_outages_per_year": -1, "max_p_outage_over_rto": 0.1,
                                  "no_spof": true, "colour": "red"}}]})
    .to_string();
    let problems = redsim::scenario::parse(&text).unwrap_err();
    // Reading the entry stops at its first unreadable value.
    assert_eq!(
        problems[0].path, "services[0].targets.availability",
        "{problems:?}"
    );
    assert!(problems[0].message.contains("120%"));
    let text = serde_json::json!({"format": "redsim/1", "name": "t",
        "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}],
        "services": [{"id": "s", "requires": "a",
                      "targets": {"max_downtime_per_year": "0h", "max_outages_per_year": -1,
                                  "max_p_outage_over_rto": 0.1}}]})
    .to_string();
    let problems = redsim::scenario::parse(&text).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "services[0].targets.max_downtime_per_year",
            "services[0].targets.max_outages_per_year",
            "services[0].targets.max_p_outage_over_rto"
        ],
        "{problems:?}"
    );
    assert!(problems[2].message.contains("needs the service's `rto`"));
}

#[test]
fn run_with_a_precision_stops_when_every_interval_is_tight_enough() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
            .arg("run")
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let file = scenario("parallel.json");
    let json = run(&[
        &file,
        "--precision",
        "5%",
        "--trials",
        "1000",
        "--format",
        "json",
        "-q",
    ]);
    let trials = json["trials"].as_u64().unwrap();
    assert!(trials > 1000 && (trials / 1000).is_power_of_two(), "{trials}");
    let a = &json["services"][0]["availability"];
    let (lo, hi, pt) = (
        a["ci_low"].as_f64().unwrap(),
        a["ci_high"].as_f64().unwrap(),
        a["point"].as_f64().unwrap(),
    );
    assert!((hi - lo) / 2.0 <= 0.05 * (1.0 - pt), "{a}");
    // The batches add up to one run of as many trials: the same report.
    let plain = run(&[&file, "--trials", &trials.to_string(), "--format", "json", "-q"]);
    assert_eq!(json, plain);
    // The cap holds when the precision cannot be reached.
    let capped = run(&[
        &file,
        "--precision",
        "0.1%",
        "--trials",
        "1000",
        "--max-trials",
        "4000",
        "--format",
        "json",
        "-q",
    ]);
    assert_eq!(capped["trials"], 4000);
}

#[test]
fn ci_outputs_stay_well_formed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ctl.json");
    std::fs::write(
        &file,
        serde_json::json!({"format": "redsim/1", "name": "bell\u{7} & <co>\u{fffe}",
            "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}],
            // Ids cannot hold control characters (issue 11, point 16); names can.
            "services": [{"id": "s-t", "requires": "a"}]})
        .to_string(),
    )
    .unwrap();
    let junit = dir.path().join("j.xml");
    let f = file.to_str().unwrap();
    // Under GitHub Actions, JSON on standard output stays JSON.
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(["check", f, "--target", "s-t=99.999%", "--format", "json"])
        .args(["--junit", junit.to_str().unwrap()])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON alone on standard output");
    assert!(String::from_utf8_lossy(&out.stderr).contains("::error"));
    // No control character reaches the XML.
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(!xml.chars().any(|c| (c as u32) < 0x20 && c != '\n'), "{xml:?}");
    assert!(xml.contains("bell\u{FFFD} &amp; &lt;co&gt;\u{FFFD}"), "{xml}");
}

#[test]
fn a_service_that_cannot_go_down_does_not_hold_a_precise_run_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("solid.json");
    std::fs::write(
        &file,
        serde_json::json!({"format": "redsim/1", "name": "t",
            "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}, {"id": "d"}],
            "services": [{"id": "s", "requires": "a"}, {"id": "solid", "requires": "d"}]})
        .to_string(),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--precision",
            "10%",
            "--trials",
            "1000",
        ])
        .args(["--max-trials", "64000", "--format", "json"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("precision 10 % reached"));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["trials"].as_u64().unwrap() < 64_000);
}

// Issue 12, points 3 and 4: --max-time is honoured within a batch, an
// undecided verdict names the budget that ran out, and progress goes to
// standard error only.

/// Runs redsim with `args` and the environment `env`; returns (exit code,
/// stdout, stderr, seconds taken).
fn redsim_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String, f64) {
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(args)
        .envs(env.iter().copied())
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        started.elapsed().as_secs_f64(),
    )
}

/// A slow model (60 nodes, one crew, a 200-year mission: milliseconds a
/// trial) and a goal at its availability, which no number of trials decides.
fn slow_undecided() -> Vec<String> {
    [
        "check",
        &scenario("fleet-one-crew.json"),
        "--set",
        "mission=200y",
        "--target",
        "storage=99.6565%",
        "--format",
        "json",
        "-q",
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn max_time_gives_up_the_batch_in_flight_and_reports_the_last_look() {
    // A first batch of 200,000 slow trials (minutes) and a budget of
    // 1 s: the batch is given up, no look ended, every target undecided on
    // 0 trials. (Before, the batch ran to its end: the limit was asked only
    // between batches.) The wall-clock bound is far above the second it
    // takes and far below the batch.
    let mut args = slow_undecided();
    args.extend(
        [
            "--first-trials",
            "200000",
            "--max-trials",
            "800000",
            "--max-time",
            "1",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err, took) = redsim_env(&args, &[]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(took < 120.0, "took {took} s");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["trials"], 0, "{out}");
    assert_eq!(json["stopped"], "max_time");
    let d = &json["decisions"][0];
    assert_eq!(d["verdict"], "undecided");
    let reason = d["reason"].as_str().unwrap();
    assert!(
        reason.contains(
            "undecided after 0 trials (the --max-time budget of 1 s ran out first): raise --max-time"
        ),
        "{reason}"
    );
    // Small batches: the trials reported are a look's, on the schedule
    // (64, 128, 256, ...), whatever the batch in flight held when time ran out.
    let mut args = slow_undecided();
    args.extend(
        [
            "--first-trials",
            "64",
            "--max-trials",
            "67108864",
            "--max-time",
            "1.5",
        ]
        .map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, _, took) = redsim_env(&args, &[]);
    assert_eq!(code, 3, "{out}");
    assert!(took < 120.0, "took {took} s");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let trials = json["trials"].as_u64().unwrap();
    assert!(
        trials == 0 || (trials.is_multiple_of(64) && (trials / 64).is_power_of_two()),
        "{trials} trials is not a look of the schedule"
    );
    assert_eq!(json["stopped"], "max_time");
}

#[test]
fn an_undecided_verdict_names_the_budget_and_the_flag_that_raises_it() {
    let (code, text) = check(
        &[
            &scenario("series.json"),
            "--target",
            "system=96.5349%",
            "--max-trials",
            "8000",
        ],
        false,
    );
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains("undecided after 8,000 trials (the --max-trials budget): raise --max-trials (e.g. --max-trials 32000)"),
        "{text}"
    );
}

#[test]
fn progress_lines_go_to_standard_error_unless_quiet() {
    // Standard error is a pipe here, so progress comes as plain lines, at
    // the interval the hidden REDSIM_PROGRESS_INTERVAL sets (10 s by
    // default; 0.05 s keeps the test short).
    let fast = [("REDSIM_PROGRESS_INTERVAL", "0.05s")];
    let mut args = slow_undecided();
    args.retain(|a| a != "-q");
    args.extend(
        [
            "--first-trials",
            "64",
            "--max-trials",
            "67108864",
            "--max-time",
            "1",
        ]
        .map(String::from),
    );
    let check: Vec<&str> = args.iter().map(String::as_str).collect();
    let fleet = scenario("fleet-one-crew.json");
    let slow = ["--set", "mission=100y", "--trials", "600"];
    let run: Vec<&str> = ["run", fleet.as_str()].into_iter().chain(slow).collect();
    let sweep: Vec<&str> = ["sweep", fleet.as_str(), "--set", "repair.crews=1,2"]
        .into_iter()
        .chain(["--set", "mission=100y", "--trials", "300"])
        .collect();
    let two = scenario("fleet-two-crews.json");
    let compare = vec!["compare", fleet.as_str(), two.as_str(), "--trials", "40000"];
    for cmd in [check, run, sweep, compare] {
        let (_, out, err, _) = redsim_env(&cmd, &fast);
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.contains(" trials (") && l.contains("elapsed"))
            .collect();
        assert!(
            !lines.is_empty(),
            "{cmd:?}: no progress line on standard error:\n{err}"
        );
        assert!(
            lines[0].starts_with("redsim: ") && lines[0].contains(" of ") && lines[0].contains(" left"),
            "{}",
            lines[0]
        );
        assert!(!out.contains("elapsed"), "{cmd:?}: progress on standard output");
        // The same with --quiet: nothing on standard error, the same report.
        let quiet: Vec<&str> = cmd.iter().copied().chain(["--quiet"]).collect();
        let (_, quiet_out, quiet_err, _) = redsim_env(&quiet, &fast);
        assert!(!quiet_err.contains("elapsed"), "{cmd:?} --quiet: {quiet_err}");
        if cmd[0] != "check" {
            // (check stops at a time: its report may differ from run to run.)
            assert_eq!(out, quiet_out, "{cmd:?}: progress changed the report");
        }
    }
}

#[test]
fn annotations_and_junit_hold_no_raw_control_or_bidi_characters() {
    let dir = tempfile::tempdir().unwrap();
    let name = "ev\u{1b}[31mil\nerror: forged\t\u{202e}x\u{fffe}\u{fdd0}";
    let file = dir.path().join(if cfg!(unix) { name } else { "plain.json" });
    std::fs::write(
        &file,
        serde_json::json!({"format": "redsim/1", "name": name,
            "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}],
            "services": [{"id": "s", "requires": "a"}]})
        .to_string(),
    )
    .unwrap();
    let junit = dir.path().join("j.xml");
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .arg("check")
        .arg(&file)
        .args(["--target", "s=99.999%", "-q", "--junit", junit.to_str().unwrap()])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for stream in [&stderr, &stdout] {
        assert!(!stream.contains('\u{1b}'), "a raw ESC in {stream:?}");
        assert!(
            !stream.lines().any(|l| l.starts_with("error: forged")),
            "{stream:?}"
        );
    }
    let annotation = stdout
        .lines()
        .chain(stderr.lines())
        .find(|l| l.starts_with("::error"))
        .expect("an annotation");
    if cfg!(unix) {
        assert!(
            annotation.contains(r"ev\u{1b}[31mil%0Aerror%3A forged"),
            "{annotation}"
        );
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    // Only the XML's own line ends are raw; everything else is a reference.
    for c in xml.chars() {
        let bad = (c.is_control() && c != '\n') || matches!(c, '\u{202e}' | '\u{fffe}' | '\u{fdd0}');
        assert!(!bad, "{c:?} raw in {xml}");
    }
    assert!(
        xml.contains("name=\"ev\u{FFFD}[31mil&#10;error: forged&#9;&#x202E;x\u{FFFD}\u{FFFD}\""),
        "{xml}"
    );
    assert_eq!(xml.lines().filter(|l| l.starts_with("error")).count(), 0, "{xml}");
}
