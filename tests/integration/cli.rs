//! The `redsim` binary end to end: exit codes, messages on standard error,
//! the JSON report and its independence from the thread count.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::common::{assert_exit, text};
use sha2::{Digest, Sha256};

/// A small valid scenario: a parallel pair behind a perfect source.
fn good() -> Value {
    json!({
        "format": "redsim/1",
        "name": "cli pair",
        "mission": "1y",
        "components": [
            {"id": "src"},
            {"id": "a", "mtbf": "1000h", "mttr": "10h"},
            {"id": "b", "mtbf": "1000h", "mttr": "10h"}
        ],
        "links": [{"between": ["src", "a"]}, {"between": ["src", "b"]}],
        "services": [
            {"id": "reach", "from": "src", "to": ["a", "b"]},
            {"id": "both", "requires": {"all": ["a", "b"]}}
        ]
    })
}

/// A scenario with three independent mistakes.
fn bad() -> Value {
    let mut v = good();
    v["components"][1]["mtbf"] = json!("4hh");
    v["components"][2]["mttrr"] = json!("1h");
    v["services"][0]["to"] = json!(["a", "c"]);
    v
}

fn write(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

fn redsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(args)
        .output()
        .expect("the redsim binary runs")
}

#[test]
fn validate_lists_every_problem_with_the_file_name_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "broken.json", &bad());
    let out = redsim(&["validate", file.to_str().unwrap()]);
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert!(err.contains("broken.json"), "no file name:\n{err}");
    assert!(err.contains("3 problems"), "{err}");
    for needle in [
        "components[1].mtbf (`a`): invalid duration \"4hh\"",
        "components[2].mttrr (`b`): unknown key `mttrr`",
        "did you mean `mttr`?",
        "services[0].to[1] (`reach`): unknown id `c`",
    ] {
        assert!(err.contains(needle), "missing {needle:?} in:\n{err}");
    }
    assert!(text(&out.stdout).is_empty(), "problems belong on stderr");
}

#[test]
fn validate_accepts_a_good_file_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "good.json", &good());
    let out = redsim(&["validate", file.to_str().unwrap()]);
    assert_exit(&out, 0);
    let said = text(&out.stdout);
    assert!(said.contains("good.json") && said.contains("ok"), "{said}");
}

#[test]
fn malformed_json_is_reported_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("syntax.json");
    std::fs::write(&file, "{\n  \"format\": \"redsim/1\"\n  \"name\": \"x\"\n}\n").unwrap();
    let out = redsim(&["validate", file.to_str().unwrap()]);
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("syntax.json") && err.contains("line 3, column 3"),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_utf8_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("latin1.json");
    std::fs::write(&file, b"{\"name\": \"caf\xe9\"}").unwrap();
    let out = redsim(&["validate", file.to_str().unwrap()]);
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("not UTF-8"), "{}", text(&out.stderr));
}

#[test]
fn run_refuses_an_invalid_scenario_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "broken.json", &bad());
    let out = redsim(&["run", file.to_str().unwrap(), "--trials", "100"]);
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert!(err.contains("broken.json") && err.contains("3 problems"), "{err}");
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn run_on_a_missing_file_says_so_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere.json");
    let out = redsim(&["run", missing.to_str().unwrap()]);
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot read") && err.contains("nowhere.json"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "good.json", &good());
    let f = file.to_str().unwrap();
    for args in [
        &["run", f, "--trials", "1"][..],
        &["run", f, "--trials", "many"],
        &["run", f, "--threads", "0"],
        &["run", f, "--format", "xml"],
        &["run", f, "--confidence", "95"],
        &["run"],
        &["frobnicate"],
    ] {
        let out = redsim(args);
        assert_exit(&out, 2);
        assert!(!text(&out.stderr).is_empty(), "no message for {args:?}");
    }
    let out = redsim(&["run", f, "--trials", "1"]);
    assert!(text(&out.stderr).contains("--trials"), "{}", text(&out.stderr));
}

#[test]
fn schema_prints_a_json_schema_with_a_title() {
    let out = redsim(&["schema"]);
    assert_exit(&out, 0);
    let schema: Value = serde_json::from_slice(&out.stdout).expect("the schema is JSON");
    let title = schema["title"].as_str().expect("a title");
    assert!(title.contains("redsim/1"), "{title}");
    assert!(schema["properties"]["components"].is_object(), "{schema}");
}

/// Runs a JSON report into `dir/name` and returns its bytes and the run's stderr.
fn json_report(dir: &Path, scenario: &Path, name: &str, extra: &[&str]) -> (Vec<u8>, String) {
    let output = dir.join(name);
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--trials",
        "3000",
        "--seed",
        "12345",
        "--format",
        "json",
        "--output",
        output.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = redsim(&args);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).is_empty(),
        "the report went to the file, not stdout"
    );
    (
        std::fs::read(&output).expect("the report file"),
        text(&out.stderr),
    )
}

#[test]
fn run_writes_a_versioned_json_report() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "pair.json", &good());
    let (bytes, _) = json_report(dir.path(), &scenario, "report.json", &["--quiet"]);
    let r: Value = serde_json::from_slice(&bytes).expect("the report is JSON");

    assert!(
        r["format"]
            .as_str()
            .is_some_and(|f| f.starts_with("redsim-report/")),
        "{r}"
    );
    assert_eq!(r["redsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["scenario"]["name"], "cli pair");
    let sha: String = Sha256::digest(std::fs::read(&scenario).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        r["scenario"]["sha256"],
        sha.as_str(),
        "the hash of the file's bytes"
    );
    assert_eq!(r["seed"], 12345);
    assert_eq!(r["trials"], 3000);
    assert_eq!(r["mission_hours"], 8760.0);

    let services = r["services"].as_array().expect("services[]");
    let ids: Vec<&str> = services.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids, ["reach", "both"]);
    for s in services {
        let a = &s["availability"];
        for key in ["point", "std_error", "ci_low", "ci_high", "confidence"] {
            assert!(a[key].is_number(), "availability.{key} missing in {s}");
        }
        let (p, lo, hi) = (
            a["point"].as_f64().unwrap(),
            a["ci_low"].as_f64().unwrap(),
            a["ci_high"].as_f64().unwrap(),
        );
        assert!(lo <= p && p <= hi && (0.0..=1.0).contains(&p), "{a}");
        assert_eq!(a["confidence"], 0.95);
        for key in [
            "downtime_hours_per_year",
            "outages_per_mission",
            "p_no_outage",
            "degraded_fraction",
        ] {
            assert!(
                s[key]["point"].is_number() && s[key]["ci_low"].is_number(),
                "{key} missing in {s}"
            );
        }
    }
    // a and b each down about 1 % of the time: the pair is far more available than both together.
    let point = |i: usize| services[i]["availability"]["point"].as_f64().unwrap();
    assert!(
        point(0) > point(1),
        "parallel {} <= series {}",
        point(0),
        point(1)
    );
}

#[test]
fn the_report_is_byte_identical_on_1_and_2_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "pair.json", &good());
    let (one, _) = json_report(
        dir.path(),
        &scenario,
        "report.json",
        &["--threads", "1", "--quiet"],
    );
    let (two, _) = json_report(
        dir.path(),
        &scenario,
        "report.json",
        &["--threads", "2", "--quiet"],
    );
    assert!(one == two, "reports differ between 1 and 2 threads");
    // And the same again, from the default thread count.
    let (any, _) = json_report(dir.path(), &scenario, "report.json", &["--quiet"]);
    assert!(one == any, "reports differ between 1 thread and the default");
}

#[test]
fn the_seed_is_printed_on_stderr_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(dir.path(), "pair.json", &good());
    let (_, err) = json_report(dir.path(), &scenario, "loud.json", &[]);
    assert!(err.contains("seed 12345"), "{err}");
    let (_, err) = json_report(dir.path(), &scenario, "quiet.json", &["--quiet"]);
    assert!(err.is_empty(), "--quiet printed:\n{err}");
    // Without --seed, the default seed is printed so the run can be repeated.
    let out = redsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--trials",
        "100",
        "--format",
        "json",
    ]);
    assert_exit(&out, 0);
    let err = text(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report on stdout");
    let seed = report["seed"].as_u64().expect("a seed in the report");
    assert!(err.contains(&format!("seed {seed}")), "{err}");
}

#[test]
fn completions_and_the_manual_page_name_every_subcommand() {
    let bin = env!("CARGO_BIN_EXE_redsim");
    let out = |args: &[&str]| {
        let o = std::process::Command::new(bin).args(args).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = out(&["completions", shell]);
        for sub in [
            "run", "check", "compare", "spof", "exact", "graph", "trace", "validate",
        ] {
            assert!(script.contains(sub), "{shell} completions lack `{sub}`");
        }
    }
    let man = out(&["man"]);
    assert!(man.contains(".TH redsim 1"), "{man}");
    assert!(
        man.contains("check") && man.contains("compare") && man.contains("spof"),
        "{man}"
    );
    let o = std::process::Command::new(bin)
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn set_changes_a_scenario_without_editing_it() {
    let bin = env!("CARGO_BIN_EXE_redsim");
    let file = format!("{}/scenarios/fleet-one-crew.json", env!("CARGO_MANIFEST_DIR"));
    let run = |extra: &[&str]| {
        let o = std::process::Command::new(bin)
            .args(["run", &file, "--trials", "500", "--format", "json", "-q"])
            .args(extra)
            .output()
            .unwrap();
        (
            o.status.code().unwrap(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    // A second crew, as in fleet-two-crews.json: the same report, but for the record of the change.
    let (code, one_more, _) = run(&["--set", "repair.crews=2"]);
    assert_eq!(code, 0);
    let two = std::process::Command::new(bin)
        .args([
            "run",
            &format!("{}/scenarios/fleet-two-crews.json", env!("CARGO_MANIFEST_DIR")),
        ])
        .args(["--trials", "500", "--format", "json", "-q"])
        .output()
        .unwrap();
    let a: serde_json::Value = serde_json::from_str(&one_more).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&two.stdout).unwrap();
    assert_eq!(a["services"], b["services"]);
    assert_eq!(a["scenario"]["set"], serde_json::json!(["repair.crews=2"]));
    // Entries by id, JSON values, templates; a path to nothing is an error naming it.
    let (code, _, _) = run(&[
        "--set",
        "templates.node.mttr=24h",
        "--set",
        "services.storage.rto=\"1h\"",
    ]);
    assert_eq!(code, 0);
    let (code, _, err) = run(&["--set", "components.nope.mttr=1h"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--set components.nope.mttr=1h") && err.contains("no entry of `components`"),
        "{err}"
    );
    let (code, _, err) = run(&["--set", "repair.crews=0"]);
    assert_eq!(code, 2, "the changed scenario is validated: {err}");
}

// Issue 11, points 15, 16 and 19: `--set` is checked like a file, names are
// escaped on the terminal, and command-line hints.

#[test]
fn a_set_scenario_goes_through_the_same_checks_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    // Two `mttr` keys: refused by validate, and so with a --set too.
    let dup = serde_json::to_string(&good())
        .unwrap()
        .replace("\"mttr\":\"10h\"", "\"mttr\":\"10h\",\"mttr\":\"20h\"");
    assert_eq!(dup.matches("\"mttr\"").count(), 4, "{dup}");
    let f = dir.path().join("dup.json");
    std::fs::write(&f, &dup).unwrap();
    let f = f.to_str().unwrap();
    let out = redsim(&["validate", f]);
    assert_exit(&out, 2);
    let out = redsim(&["run", f, "--trials", "10", "--set", "mission=1y"]);
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("duplicate key `mttr`"),
        "{}",
        text(&out.stderr)
    );
    // A value that is not JSON is a string; where a number is wanted, the
    // type error names the --set that gave it.
    let g = write(dir.path(), "good.json", &good());
    let g = g.to_str().unwrap();
    let out = redsim(&["run", g, "--trials", "10", "--set", "repair.crews=2x"]);
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("repair.crews") && err.contains("--set repair.crews=2x"),
        "{err}"
    );
    let out = redsim(&["run", g, "--trials", "10", "--set", "components.a.mtbf=1e400"]);
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("--set components.a.mtbf=1e400"),
        "{}",
        text(&out.stderr)
    );
    // A JSON object with a repeated key is refused, as in a file.
    let out = redsim(&[
        "run",
        g,
        "--set",
        r#"components.a.failure={"fixed": "1h", "fixed": "2h"}"#,
    ]);
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("duplicate key `fixed`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_list_of_values_given_to_run_points_to_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(dir.path(), "good.json", &good());
    let g = g.to_str().unwrap();
    let out = redsim(&["run", g, "--trials", "10", "--set", "mission=1h,2h"]);
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("--set mission=1h,2h") && err.contains("a list of values is for `redsim sweep`"),
        "{err}"
    );
    // A value that is one JSON list is no list of values.
    let out = redsim(&["run", g, "--trials", "10", "--set", "mission=[1,2]"]);
    assert_exit(&out, 2);
    assert!(!text(&out.stderr).contains("sweep"), "{}", text(&out.stderr));
}

#[test]
fn control_characters_in_a_name_are_escaped_on_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut v = good();
    v["name"] = json!("pair\u{1b}[2J\nerror: forged");
    let f = write(dir.path(), "esc.json", &v);
    let f = f.to_str().unwrap();
    for args in [
        vec!["validate", f],
        vec!["run", f, "--trials", "10", "-q"],
        vec!["spof", f],
    ] {
        let out = redsim(&args);
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            !all.contains('\u{1b}'),
            "{args:?}: a raw ESC reaches the terminal:\n{all}"
        );
        assert!(
            !all.contains("\nerror: forged"),
            "{args:?}: a forged line:\n{all}"
        );
        assert!(
            all.contains("\\u{1b}[2J\\nerror: forged"),
            "{args:?}: the name is shown escaped:\n{all}"
        );
    }
    // An id with a control character is refused, at its JSON path.
    let mut v = good();
    v["components"][1]["id"] = json!("a\u{0}");
    let f = write(dir.path(), "nul.json", &v);
    let out = redsim(&["validate", f.to_str().unwrap()]);
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("components[1].id"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn command_line_hints_say_what_is_meant() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(dir.path(), "good.json", &good());
    let g = g.to_str().unwrap();
    let out = redsim(&["check", g, "--target", "both=99.99"]);
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("did you mean 99.99%?"),
        "{}",
        text(&out.stderr)
    );
    let out = redsim(&["run", g, "--precision", "5"]);
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("did you mean 5%?"),
        "{}",
        text(&out.stderr)
    );
    let out = redsim(&["check", g, "--target", "both.max_downtime=1h"]);
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("unknown target key `max_downtime`")
            && err.contains("`max_downtime_per_year`")
            && err.contains("`no_spof`")
            && !err.contains("no service"),
        "{err}"
    );
    // The operating system's reason once, not twice.
    let missing = dir.path().join("missing.json");
    let out = redsim(&["report", missing.to_str().unwrap()]);
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn max_time_takes_seconds_or_a_duration() {
    let sc = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/seed-network.json");
    let sc = sc.to_str().unwrap();
    for t in ["20s", "300", "5m"] {
        let out = redsim(&[
            "check",
            sc,
            "--target",
            "app=50%",
            "--first-trials",
            "100",
            "--max-time",
            t,
        ]);
        assert_exit(&out, 0);
    }
    // Once "invalid float literal".
    let out = redsim(&["check", sc, "--target", "app=50%", "--max-time", "2x"]);
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("write seconds (e.g. 300) or a duration"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn trial_counts_take_an_exponent_or_separators_and_confidence_a_percentage() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(dir.path(), "good.json", &good());
    let g = g.to_str().unwrap();
    let json = |args: &[&str]| {
        let mut all = vec!["run", g, "--format", "json"];
        all.extend_from_slice(args);
        let out = redsim(&all);
        assert_exit(&out, 0);
        text(&out.stdout)
    };
    let plain = json(&["--trials", "1000", "--confidence", "0.9", "--seed", "1000"]);
    for trials in ["1e3", "1_000", "1,000", "1E3"] {
        assert_eq!(
            json(&[
                "--trials",
                trials,
                "--confidence",
                "90%",
                "--seed",
                "1e3",
                "--threads",
                "2"
            ]),
            plain,
            "--trials {trials}"
        );
    }
    for (args, says) in [
        (
            ["--trials", "1.5"],
            "`1.5` is not a number of trials: write a whole number such as 10000",
        ),
        (
            ["--trials", "1e30"],
            "`1e30` is too large for a number of trials: at most 18446744073709551615",
        ),
        (["--trials", "1,00"], "commas go between groups of three digits"),
        (
            ["--seed", "1.5"],
            "`1.5` is not a whole number: write a whole number such as 10000",
        ),
        (["--threads", "0"], "0 threads: give 1 to 1024"),
        (["--threads", "1.5"], "`1.5` is not a number of threads"),
        (["--trials", "10,0,0"], "commas go between groups of three digits"),
        (["--confidence", "0.95%"], "did you mean 95% (or 0.95)?"),
        (["--trials", "1"], "1 trials are too few: at least 2"),
        (["--confidence", "95"], "did you mean 95%?"),
        (["--confidence", "100%"], "between 0 and 1 (0 % and 100 %)"),
        (
            ["--confidence", "high"],
            "`high` is not a confidence: write 0.95 or 95%",
        ),
    ] {
        let mut all = vec!["run", g];
        all.extend_from_slice(&args);
        let out = redsim(&all);
        assert_exit(&out, 2);
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn json_reports_escape_what_could_drive_a_terminal_and_keep_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let name = "a\u{202e}b\u{9b}31mc\u{7f}d\u{fffe}";
    let mut s = good();
    s["name"] = json!(name);
    let g = write(dir.path(), "good.json", &s);
    let out = redsim(&["run", g.to_str().unwrap(), "--trials", "10", "--format", "json"]);
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    assert!(
        !stdout
            .chars()
            .any(|c| matches!(c, '\u{202e}' | '\u{9b}' | '\u{7f}' | '\u{fffe}')),
        "a raw control or bidi character in {stdout}"
    );
    assert!(stdout.contains(r"a\u202eb\u009b31mc\u007fd\ufffe"), "{stdout}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["scenario"]["name"], json!(name));
}
