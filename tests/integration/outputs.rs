//! Where outputs go: never over an input, never replacing a device, a FIFO
//! or a link, checked before the work, all or nothing, cleaned up on a
//! signal; a closed standard output is a quiet success, a full one a clean
//! error.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{self, text};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_redsim")
}

/// A copy of a bundled scenario in a fresh directory.
fn setup(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    let dst = dir.path().join(name);
    std::fs::copy(src, &dst).unwrap();
    (dir, dst)
}

fn redsim_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(bin())
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the redsim binary runs")
}

/// Asserts the exit code, and that nothing panicked.
#[track_caller]
fn assert_exit(out: &Output, code: i32) {
    common::assert_exit(out, code);
    assert!(
        !text(&out.stderr).contains("panicked"),
        "a panic:\n{}",
        text(&out.stderr)
    );
}

/// The names of the temporary files left in `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".redsim-"))
        .collect()
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

#[cfg(unix)]
fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(path).unwrap().file_type().is_fifo()
}

#[test]
fn an_output_that_is_an_input_is_refused_before_any_work() {
    let (dir, sc) = setup("seed-network.json");
    let d = dir.path();
    let before = std::fs::read(&sc).unwrap();
    std::fs::hard_link(&sc, d.join("alias.json")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("seed-network.json", d.join("link.json")).unwrap();
    let f = "seed-network.json";
    let mut cases: Vec<Vec<&str>> = vec![
        vec!["run", f, "--trials", "50", "-o", f],
        vec!["run", f, "--trials", "50", "--html", f],
        vec!["run", f, "--trials", "50", "-o", "./alias.json"],
        vec!["spof", f, "-o", f],
        vec!["trace", f, "-o", "alias.json"],
        vec!["graph", f, "-o", "alias.json"],
        vec!["check", f, "--target", "app=50%", "--junit", f],
        vec![
            "sweep",
            f,
            "--set",
            "mission=1y,2y",
            "--trials",
            "50",
            "--html",
            f,
        ],
        vec!["compare", f, f, "--trials", "50", "-o", f],
    ];
    #[cfg(unix)]
    cases.push(vec!["run", f, "--trials", "50", "-o", "link.json"]);
    for args in &cases {
        let out = redsim_in(d, args);
        assert_exit(&out, 2);
        let err = text(&out.stderr);
        assert!(
            err.contains("is the input") && err.contains("seed-network.json"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("events in"), "{args:?} simulated first: {err}");
        assert_eq!(std::fs::read(&sc).unwrap(), before, "{args:?} changed the input");
    }
    assert!(temporaries(d).is_empty());
}

#[test]
fn merge_and_report_refuse_to_overwrite_a_shard() {
    let (dir, _) = setup("seed-network.json");
    let d = dir.path();
    for k in 0..2 {
        let spec = format!("{k}/2");
        let out = redsim_in(
            d,
            &[
                "run",
                "seed-network.json",
                "--trials",
                "40",
                "--shard",
                &spec,
                "-q",
            ],
        );
        assert_exit(&out, 0);
    }
    let a = "seed-network.shard-0-of-2.json";
    let b = "seed-network.shard-1-of-2.json";
    let before = (
        std::fs::read(d.join(a)).unwrap(),
        std::fs::read(d.join(b)).unwrap(),
    );
    for args in [
        vec!["merge", a, b, "-o", a],
        vec!["merge", a, b, "--result", b],
        vec!["merge", a, b, "--html", b],
        vec!["report", a, "-o", a],
    ] {
        let out = redsim_in(d, &args);
        assert_exit(&out, 2);
        assert!(text(&out.stderr).contains("is the input"), "{args:?}");
    }
    let after = (
        std::fs::read(d.join(a)).unwrap(),
        std::fs::read(d.join(b)).unwrap(),
    );
    assert!(before == after, "a shard was overwritten");
}

#[test]
fn every_output_is_checked_before_the_simulation() {
    let (dir, _) = setup("seed-network.json");
    let d = dir.path();
    std::fs::write(d.join("plain"), "x").unwrap();
    // Ten million trials would take minutes: the refusal must come first.
    let out = redsim_in(
        d,
        &[
            "run",
            "seed-network.json",
            "--trials",
            "10000000",
            "-o",
            "missing/report.txt",
            "--html",
            "plain/x.html",
            "--plot",
            "plain",
        ],
    );
    assert_exit(&out, 2);
    let err = text(&out.stderr);
    assert!(err.contains("3 problems"), "{err}");
    assert!(err.contains("the directory missing does not exist"), "{err}");
    assert!(err.contains("--plot plain: is not a directory"), "{err}");
    assert!(!err.contains("events in"), "simulated before refusing: {err}");
}

#[test]
fn two_outputs_in_one_place_are_refused() {
    let (dir, _) = setup("seed-network.json");
    let d = dir.path();
    let f = "seed-network.json";
    let out = redsim_in(
        d,
        &["run", f, "--trials", "50", "-o", "r.html", "--html", "./r.html"],
    );
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("are the same file"));
    let out = redsim_in(d, &["run", f, "--trials", "50", "--html", "-"]);
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("standard output"));
    let out = redsim_in(d, &["run", f, "--trials", "50", "--plot", "-"]);
    assert_exit(&out, 2);
    assert!(!d.join("r.html").exists());
    // A plot file is known only once drawn: it may not land on another output.
    std::fs::create_dir(d.join("pl")).unwrap();
    let out = redsim_in(
        d,
        &[
            "run",
            f,
            "--trials",
            "50",
            "-q",
            "--plot",
            "pl",
            "-o",
            "pl/convergence-app.png",
        ],
    );
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("are the same file"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_dir(d.join("pl")).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn dash_and_dev_stdout_are_standard_output() {
    let (dir, _) = setup("seed-network.json");
    let d = dir.path();
    let f = "seed-network.json";
    // Plain: with --html, --rare auto would stay plain where the others bias.
    let plain = redsim_in(d, &["run", f, "--trials", "50", "-q", "--rare", "off"]);
    assert_exit(&plain, 0);
    for o in ["-", "/dev/stdout"] {
        let out = redsim_in(d, &["run", f, "--trials", "50", "-q", "-o", o, "--rare", "off"]);
        assert_exit(&out, 0);
        assert_eq!(out.stdout, plain.stdout, "-o {o}");
    }
    // The HTML page on standard output, the table in a file.
    let out = redsim_in(
        d,
        &[
            "run", f, "--trials", "50", "-q", "-o", "t.txt", "--html", "-", "--rare", "off",
        ],
    );
    assert_exit(&out, 0);
    assert!(text(&out.stdout).starts_with("<!DOCTYPE html>"));
    assert_eq!(std::fs::read(d.join("t.txt")).unwrap(), plain.stdout);
}

#[cfg(target_os = "linux")]
#[test]
fn standard_streams_are_written_through_their_descriptors_and_never_into_an_input() {
    let (dir, sc) = setup("seed-network.json");
    let d = dir.path();
    let f = "seed-network.json";
    let before = std::fs::read(&sc).unwrap();
    // Two outputs on standard error are refused like two on standard output.
    let out = redsim_in(
        d,
        &[
            "run",
            f,
            "--trials",
            "50",
            "-q",
            "-o",
            "/dev/stderr",
            "--html",
            "/dev/fd/2",
        ],
    );
    assert_exit(&out, 2);
    assert!(
        text(&out.stderr).contains("standard error"),
        "{}",
        text(&out.stderr)
    );
    // `-o /dev/stderr` writes through descriptor 2: what was there stays.
    let log = std::fs::File::create(d.join("log")).unwrap();
    let out = Command::new("sh")
        .current_dir(d)
        .arg("-c")
        .arg("echo BEFORE >&2; exec \"$0\" run seed-network.json --trials 50 -q -o /dev/stderr")
        .arg(bin())
        .stderr(log)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let log = text(&std::fs::read(d.join("log")).unwrap());
    assert!(
        log.starts_with("BEFORE\n") && log.contains("availability"),
        "{log}"
    );
    // Standard output appended to the scenario itself.
    for o in [vec![], vec!["-o", "/dev/stdout"]] {
        let input = std::fs::OpenOptions::new().append(true).open(&sc).unwrap();
        let mut args = vec!["run", f, "--trials", "50", "-q"];
        args.extend(o);
        let out = Command::new(bin())
            .current_dir(d)
            .args(&args)
            .stdout(input)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_exit(&out, 2);
        assert!(
            text(&out.stderr).contains("is the input"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(
            std::fs::read(&sc).unwrap(),
            before,
            "{args:?} appended to the input"
        );
    }
}

#[cfg(unix)]
#[test]
fn links_fifos_and_devices_are_written_through_not_replaced() {
    let (dir, _) = setup("seed-network.json");
    let d = dir.path();
    let f = "seed-network.json";
    // A link: the file it leads to is replaced, the link stays.
    std::fs::create_dir(d.join("real")).unwrap();
    std::fs::write(d.join("real/report.txt"), "old").unwrap();
    std::os::unix::fs::symlink("real/report.txt", d.join("report.txt")).unwrap();
    let out = redsim_in(d, &["run", f, "--trials", "50", "-q", "-o", "report.txt"]);
    assert_exit(&out, 0);
    assert!(
        std::fs::symlink_metadata(d.join("report.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(text(&std::fs::read(d.join("real/report.txt")).unwrap()).contains("availability"));
    // A dangling link: the file is made where it points.
    std::os::unix::fs::symlink("real/new.html", d.join("new.html")).unwrap();
    let out = redsim_in(d, &["run", f, "--trials", "50", "-q", "--html", "new.html"]);
    assert_exit(&out, 0);
    assert!(
        std::fs::symlink_metadata(d.join("new.html"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(d.join("real/new.html").is_file());
    // A FIFO: written into, still a FIFO afterwards.
    let fifo = d.join("pipe");
    mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = redsim_in(d, &["run", f, "--trials", "50", "-q", "-o", "pipe"]);
    assert_exit(&out, 0);
    assert!(text(&reader.join().unwrap()).contains("availability"));
    assert!(is_fifo(&fifo), "the FIFO was replaced by a regular file");
    // A device.
    let out = redsim_in(d, &["run", f, "--trials", "50", "-q", "-o", "/dev/null"]);
    assert_exit(&out, 0);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    assert!(temporaries(d).is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_output_replaces_no_other() {
    let (dir, _) = setup("seed-network.json");
    let d = dir.path();
    let f = "seed-network.json";
    std::fs::write(d.join("page.html"), "old page").unwrap();
    std::fs::create_dir(d.join("plots")).unwrap();
    // The report cannot be written (a full device), found only at the end.
    let out = redsim_in(
        d,
        &[
            "run",
            f,
            "--trials",
            "50",
            "-q",
            "-o",
            "/dev/full",
            "--html",
            "page.html",
            "--plot",
            "plots",
        ],
    );
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("/dev/full"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(d.join("page.html")).unwrap(), b"old page");
    assert_eq!(std::fs::read_dir(d.join("plots")).unwrap().count(), 0);
    assert!(temporaries(d).is_empty());
    assert!(temporaries(&d.join("plots")).is_empty());
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_junit_keeps_the_decision_in_the_exit_code() {
    let (dir, _) = setup("seed-network.json");
    let d = dir.path();
    let f = "seed-network.json";
    let common = [
        "--first-trials",
        "200",
        "--max-trials",
        "400",
        "--junit",
        "/dev/full",
    ];
    // Missed stays 1, even though the JUnit file could not be written.
    let mut args = vec!["check", f, "--target", "app=99.99999999%"];
    args.extend(common);
    let out = redsim_in(d, &args);
    assert_exit(&out, 1);
    assert!(text(&out.stderr).contains("--junit /dev/full"));
    // Met, but the JUnit file is missing: 2, not 0.
    let mut args = vec!["check", f, "--target", "app=50%"];
    args.extend(common);
    let out = redsim_in(d, &args);
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("--junit /dev/full"));
}

/// Starts `redsim` writing into a FIFO nobody reads, so that it blocks at
/// the end with its other outputs staged as temporaries; then sends
/// `signal` and returns the exit status.
#[cfg(target_os = "linux")]
fn interrupt_while_writing(signal: &str) -> (tempfile::TempDir, std::process::ExitStatus) {
    let (dir, _) = setup("seed-network.json");
    let d = dir.path();
    std::fs::write(d.join("page.html"), "old page").unwrap();
    mkfifo(&d.join("pipe"));
    let mut child = Command::new(bin())
        .current_dir(d)
        .args([
            "run",
            "seed-network.json",
            "--trials",
            "50",
            "-q",
            "-o",
            "pipe",
            "--html",
            "page.html",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    // The staged page, not the empty temporary that checked the directory
    // before the work: only then is redsim blocked on the FIFO.
    let staged = |d: &Path| {
        temporaries(d)
            .iter()
            .any(|n| std::fs::metadata(d.join(n)).is_ok_and(|m| m.len() > 0))
    };
    while !staged(d) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no temporary file appeared"
        );
        assert!(child.try_wait().unwrap().is_none(), "redsim ended before writing");
        std::thread::sleep(Duration::from_millis(20));
    }
    let ok = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(std::fs::read(d.join("page.html")).unwrap(), b"old page");
    assert!(temporaries(d).is_empty(), "left behind: {:?}", temporaries(d));
    (dir, status)
}

#[cfg(target_os = "linux")]
#[test]
fn a_signal_removes_the_temporaries_and_sets_the_exit_code() {
    assert_eq!(interrupt_while_writing("-TERM").1.code(), Some(143));
    assert_eq!(interrupt_while_writing("-INT").1.code(), Some(130));
}

/// Runs `args` with standard output read for `keep` bytes, then closed.
fn with_stdout_closed_after(args: &[&str], keep: usize) -> Output {
    let mut child = Command::new(bin())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = vec![0; keep];
    out.read_exact(&mut buf).unwrap();
    drop(out);
    child.wait_with_output().unwrap()
}

/// Runs `args` with standard output a pipe whose reading end is closed
/// before it starts, so that its first write fails.
fn with_stdout_closed(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(bin())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn a_closed_pipe_is_a_quiet_success() {
    // `redsim graph ... | head -c 100`: the graph is far larger than a pipe holds.
    let out = with_stdout_closed_after(&["graph", "scenarios/leaf-spine-dc.json"], 100);
    assert_exit(&out, 0);
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    for args in [
        vec!["run", "scenarios/seed-network.json", "--trials", "50", "-q"],
        vec!["graph", "scenarios/seed-network.json"],
        vec!["validate", "scenarios/seed-network.json"],
        vec!["exact", "scenarios/bridge.json"],
        vec!["spof", "scenarios/seed-network.json"],
        vec!["trace", "scenarios/seed-network.json"],
        vec![
            "check",
            "scenarios/seed-network.json",
            "--target",
            "app=50%",
            "--first-trials",
            "100",
            // Plain: --rare auto would say on standard error that it biases.
            "--rare",
            "off",
        ],
        vec!["schema"],
        vec!["man"],
        vec!["completions", "bash"],
        vec!["--help"],
        vec!["--version"],
    ] {
        let out = with_stdout_closed(&args);
        assert_exit(&out, 0);
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_standard_output_is_a_clean_error() {
    let full = || std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (
            vec!["run", "scenarios/seed-network.json", "--trials", "50", "-q"],
            2,
        ),
        (vec!["graph", "scenarios/seed-network.json"], 2),
        (vec!["validate", "scenarios/seed-network.json"], 2),
        (vec!["exact", "scenarios/bridge.json"], 2),
        (vec!["spof", "scenarios/seed-network.json"], 2),
        (vec!["trace", "scenarios/seed-network.json"], 2),
        (vec!["schema"], 2),
        (vec!["man"], 2),
        (vec!["completions", "zsh"], 2),
        (vec!["--help"], 2),
        (vec!["run", "--help"], 2),
        (vec!["--version"], 2),
        // A missed check says so first.
        (
            vec![
                "check",
                "scenarios/seed-network.json",
                "--target",
                "app=99.99999999%",
                "--first-trials",
                "200",
                "--max-trials",
                "400",
            ],
            1,
        ),
    ];
    for (args, code) in cases {
        let out = Command::new(bin())
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(full())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_exit(&out, code);
        let err = text(&out.stderr);
        assert!(err.contains("No space left on device"), "{args:?}: {err}");
    }
}

#[cfg(unix)]
#[test]
fn file_names_with_control_characters_are_escaped_wherever_they_are_printed() {
    let (dir, sc) = setup("seed-network.json");
    let d = dir.path();
    let evil = "evil\u{1b}[31m\nerror: forged.json";
    std::fs::copy(&sc, d.join(evil)).unwrap();
    for args in [
        vec!["run", evil, "--trials", "20", "-q"],
        vec!["validate", "missing\nerror: forged.json"],
        vec![
            "run",
            evil,
            "--trials",
            "20",
            "-q",
            "-o",
            "no-such-dir/\u{1b}[31m\nerror: forged",
        ],
        vec!["spof", evil],
    ] {
        let out = redsim_in(d, &args);
        for stream in [text(&out.stdout), text(&out.stderr)] {
            assert!(!stream.contains('\u{1b}'), "{args:?}: a raw ESC in {stream:?}");
            assert!(
                !stream.lines().any(|l| l.starts_with("error: forged")),
                "{args:?}: a forged line in {stream:?}"
            );
        }
    }
}

/// Asserts that neither stream of `out` holds a raw ESC or a line that starts
/// with `error: forged`.
#[track_caller]
fn assert_no_forgery(args: &[&str], out: &Output) {
    for stream in [text(&out.stdout), text(&out.stderr)] {
        assert!(!stream.contains('\u{1b}'), "{args:?}: a raw ESC in {stream:?}");
        assert!(
            !stream.lines().any(|l| l.starts_with("error: forged")),
            "{args:?}: a forged line in {stream:?}"
        );
    }
}

#[test]
fn command_line_values_with_control_characters_are_escaped_in_messages() {
    let (dir, _) = setup("series.json");
    let d = dir.path();
    let evil = "\u{1b}[31m\nerror: forged";
    let v = |s: &str| s.replace('@', evil);
    let cases: Vec<Vec<String>> = vec![
        vec![
            "check".into(),
            "series.json".into(),
            "--target".into(),
            v("sys@=99%"),
        ],
        vec![
            "check".into(),
            "series.json".into(),
            "--target".into(),
            v("system=9@"),
        ],
        vec![
            "check".into(),
            "series.json".into(),
            "--target".into(),
            v("system.x@=9"),
        ],
        vec!["check".into(), "series.json".into(), "--target".into(), v("sys@")],
        vec!["check".into(), "series.json".into(), "--max-time".into(), v("1@")],
        vec!["sweep".into(), "series.json".into(), "--set".into(), v("a@=")],
        vec!["sweep".into(), "series.json".into(), "--set".into(), v("a@")],
        vec!["run".into(), "series.json".into(), "--seed".into(), v("1@")],
        vec!["run".into(), "series.json".into(), "--precision".into(), v("1@")],
        vec!["run".into(), "series.json".into(), "--format".into(), v("j@")],
        vec!["run".into(), "series.json".into(), "--shard".into(), v("1@")],
    ];
    for args in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = redsim_in(d, &[&args[..], &["-q"]].concat());
        assert_exit(&out, 2);
        assert_no_forgery(&args, &out);
        assert!(
            text(&out.stderr).contains(r"\u{1b}[31m\nerror: forged"),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[cfg(unix)]
#[test]
fn a_merge_note_escapes_the_scenario_file_names() {
    let (dir, _) = setup("series.json");
    let d = dir.path();
    let evil = "ev\u{1b}[31mil\nerror: forged.json";
    std::fs::copy(d.join("series.json"), d.join(evil)).unwrap();
    for (k, file) in [evil, "series.json"].iter().enumerate() {
        let spec = format!("{k}/2");
        let shard = format!("s{k}.json");
        let args = [
            "run", file, "--trials", "40", "-q", "--shard", &spec, "-o", &shard,
        ];
        assert_exit(&redsim_in(d, &args), 0);
    }
    let args = ["merge", "s0.json", "s1.json", "-o", "m.json"];
    let out = redsim_in(d, &args);
    assert_exit(&out, 0);
    assert!(
        text(&out.stderr).contains(r"ev\u{1b}[31mil\nerror: forged.json"),
        "{}",
        text(&out.stderr)
    );
    assert_no_forgery(&args, &out);
}
