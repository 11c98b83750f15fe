//! A mutation fuzzer that stays in the suite: bundled scenarios and shard
//! files edited at random, fed to the commands, which must never panic,
//! hang or use unbounded memory, and must refuse bad input with exit 2 and
//! a message that names the file and where in it the problem is.
//!
//! CI runs a few dozen cases at a fixed seed. To run longer, or at another
//! seed (README, "Development"):
//!
//! ```sh
//! REDSIM_FUZZ_CASES=5000 REDSIM_FUZZ_SEED=7 cargo test --release --test integration fuzz::
//! ```
//!
//! Every failure proptest finds is shrunk and its seed kept in
//! `tests/proptest-regressions/fuzz.txt`, which is replayed first on every run.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

/// Virtual memory a command may use [KiB]: far above what any bundled
/// scenario needs, far below what a runaway allocation asks for.
const MEMORY_KIB: u64 = 2 * 1024 * 1024;
/// The longest a command may take on a mutated input [s].
const TIMEOUT: Duration = Duration::from_secs(60);

fn cases() -> u32 {
    std::env::var("REDSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(40)
}

fn seed() -> u64 {
    std::env::var("REDSIM_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_261_207)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed()),
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::Direct(
            "tests/proptest-regressions/fuzz.txt",
        ))),
        ..ProptestConfig::with_cases(cases())
    }
}

/// What one command did.
#[derive(Debug)]
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `redsim args` in `dir` under the memory limit, killed at the timeout.
fn redsim(dir: &Path, args: &[&str]) -> Ran {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("ulimit -v {MEMORY_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_redsim"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("sh runs");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        out.read_to_end(&mut s).ok();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        err.read_to_end(&mut s).ok();
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            panic!("redsim {args:?} did not finish within {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Ran {
        code: status.code(),
        stdout: String::from_utf8_lossy(&reader.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
    }
}

/// Asserts that a command either succeeded or refused its input cleanly,
/// naming `file`.
fn assert_clean(ran: &Ran, args: &[&str], file: &str, input: &str) -> Result<(), TestCaseError> {
    let show = || {
        let cut: String = input.chars().take(4000).collect();
        format!("redsim {args:?}: {ran:?}\ninput (cut to 4000 characters):\n{cut}")
    };
    prop_assert!(!ran.stderr.contains("panicked"), "a panic: {}", show());
    prop_assert!(
        matches!(ran.code, Some(0 | 2)),
        "exit {:?} (a signal, an abort on allocation or a wrong code): {}",
        ran.code,
        show()
    );
    if ran.code == Some(2) {
        prop_assert!(ran.stderr.starts_with("error: "), "{}", show());
        prop_assert!(
            ran.stderr.contains(file),
            "the message does not name {file}: {}",
            show()
        );
    }
    Ok(())
}

/// Values that break things: wrong types, extremes, odd text.
fn nasty(k: usize) -> Value {
    let long: String = "x".repeat(10_000);
    let pool = [
        json!(0),
        json!(-1),
        json!(1),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e300),
        json!(-1e300),
        json!(0.5),
        json!(f64::MIN_POSITIVE),
        json!(""),
        json!("x"),
        json!("1y"),
        json!("-1h"),
        json!("0s"),
        json!("1e9y"),
        json!("1s"),
        json!("99.9999999999%"),
        json!("NaN"),
        json!("inf"),
        json!("\u{1b}[31mred"),
        json!("a\nerror: forged"),
        json!("nul\u{0}"),
        json!("\u{fffe}"),
        json!(long),
        json!(true),
        Value::Null,
        json!([]),
        json!({}),
        json!([1, 2]),
        json!({"all": []}),
        json!({"at_least": 1_000_000_000u64, "of": ["*"]}),
        json!("*"),
        json!(100_000),
        json!("group:x"),
    ];
    pool[k % pool.len()].clone()
}

/// Every node of `v`, as JSON pointers.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let k = k.replace('~', "~0").replace('/', "~1");
                pointers(x, format!("{here}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                pointers(x, format!("{here}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// One edit of a JSON document.
#[derive(Debug, Clone)]
enum Edit {
    /// Replace the node with a nasty value.
    Replace(Index, usize),
    /// Remove the node (a key or an element).
    Delete(Index),
    /// Repeat an array's element, or a key under another spelling.
    Duplicate(Index),
    /// Upper-case an object's keys.
    Shout(Index),
    /// Wrap the node in 100 levels of `{"all": [...]}`.
    Deepen(Index),
    /// Change a number by a little or a lot.
    Nudge(Index, i8),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<Index>(), 0usize..64).prop_map(|(i, k)| Edit::Replace(i, k)),
        2 => any::<Index>().prop_map(Edit::Delete),
        1 => any::<Index>().prop_map(Edit::Duplicate),
        1 => any::<Index>().prop_map(Edit::Shout),
        1 => any::<Index>().prop_map(Edit::Deepen),
        3 => (any::<Index>(), any::<i8>()).prop_map(|(i, d)| Edit::Nudge(i, d)),
    ]
}

fn apply(doc: &mut Value, edit: &Edit) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let pick = |i: &Index| all[i.index(all.len())].clone();
    match edit {
        Edit::Replace(i, k) => {
            if let Some(v) = doc.pointer_mut(&pick(i)) {
                *v = nasty(*k);
            }
        }
        Edit::Delete(i) => {
            let p = pick(i);
            if let Some((parent, last)) = p.rsplit_once('/')
                && let Some(v) = doc.pointer_mut(parent)
            {
                let last = last.replace("~1", "/").replace("~0", "~");
                match v {
                    Value::Object(m) => {
                        m.remove(&last);
                    }
                    Value::Array(a) => {
                        if let Ok(n) = last.parse::<usize>()
                            && n < a.len()
                        {
                            a.remove(n);
                        }
                    }
                    _ => {}
                }
            }
        }
        Edit::Duplicate(i) => match doc.pointer_mut(&pick(i)) {
            Some(Value::Array(a)) if !a.is_empty() => {
                let x = a[0].clone();
                a.push(x);
            }
            Some(Value::Object(m)) => {
                if let Some((k, v)) = m.iter().next().map(|(k, v)| (k.clone(), v.clone())) {
                    m.insert(format!("{k} "), v);
                }
            }
            _ => {}
        },
        Edit::Shout(i) => {
            if let Some(Value::Object(m)) = doc.pointer_mut(&pick(i)) {
                let old = std::mem::take(m);
                for (k, v) in old {
                    m.insert(k.to_uppercase(), v);
                }
            }
        }
        Edit::Deepen(i) => {
            if let Some(v) = doc.pointer_mut(&pick(i)) {
                let mut x = v.take();
                for _ in 0..100 {
                    x = json!({"all": [x]});
                }
                *v = x;
            }
        }
        Edit::Nudge(i, d) => {
            if let Some(v) = doc.pointer_mut(&pick(i)) {
                if let Some(n) = v.as_f64() {
                    *v = match d % 4 {
                        0 => json!(-n),
                        1 => json!(n * 1e6),
                        2 => json!(n + f64::from(*d)),
                        _ => json!((n / 1e6).max(f64::MIN_POSITIVE)),
                    };
                } else if let Some(s) = v.as_str() {
                    // "4h" -> "4000000h": a duration or percentage blown up.
                    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
                    if !digits.is_empty() {
                        *v = json!(format!("{digits}000000{}", &s[digits.len()..]));
                    }
                }
            }
        }
    }
}

/// A text-level damage after the edits: none, a cut, a number too large
/// for any type, or a duplicated key.
#[derive(Debug, Clone)]
enum Damage {
    None,
    Truncate(Index),
    HugeNumber(Index, bool),
    DuplicateKey(Index),
}

fn damage_strategy() -> impl Strategy<Value = Damage> {
    prop_oneof![
        6 => Just(Damage::None),
        1 => any::<Index>().prop_map(Damage::Truncate),
        1 => (any::<Index>(), any::<bool>()).prop_map(|(i, e)| Damage::HugeNumber(i, e)),
        1 => any::<Index>().prop_map(Damage::DuplicateKey),
    ]
}

fn damage(text: &str, d: &Damage) -> String {
    match d {
        Damage::None => text.to_string(),
        Damage::Truncate(i) => {
            let mut cut = i.index(text.len().max(1));
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text[..cut].to_string()
        }
        Damage::HugeNumber(i, exponent) => {
            let spots: Vec<usize> = text.match_indices(": ").map(|(k, _)| k + 2).collect();
            if spots.is_empty() {
                return text.to_string();
            }
            let at = spots[i.index(spots.len())];
            let huge = if *exponent {
                "1e400".to_string()
            } else {
                "9".repeat(400)
            };
            // Put the number in place of the value's first token.
            let rest = &text[at..];
            let end = rest.find([',', '\n', '}', ']']).unwrap_or(rest.len());
            format!("{}{huge}{}", &text[..at], &rest[end..])
        }
        Damage::DuplicateKey(i) => {
            let lines: Vec<&str> = text.lines().collect();
            let keyed: Vec<usize> = (0..lines.len())
                .filter(|&k| lines[k].trim_start().starts_with('"') && lines[k].trim_end().ends_with(','))
                .collect();
            if keyed.is_empty() {
                return text.to_string();
            }
            let k = keyed[i.index(keyed.len())];
            let mut out: Vec<&str> = lines.clone();
            out.insert(k, lines[k]);
            out.join("\n")
        }
    }
}

/// The bundled scenarios small enough to run many times.
fn scenarios() -> &'static [(String, Value)] {
    static ALL: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    ALL.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter(|p| std::fs::metadata(p).unwrap().len() < 16_000)
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                (p.file_name().unwrap().to_string_lossy().into_owned(), v)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_scenarios_are_refused_cleanly_or_run(
        which in any::<Index>(),
        edits in prop::collection::vec(edit_strategy(), 1..4),
        dmg in damage_strategy(),
    ) {
        let all = scenarios();
        let (name, doc) = &all[which.index(all.len())];
        let mut doc = doc.clone();
        for e in &edits {
            apply(&mut doc, e);
        }
        let input = damage(&serde_json::to_string_pretty(&doc).unwrap(), &dmg);
        let dir = tempfile::tempdir().unwrap();
        let file = format!("fuzzed-{name}");
        std::fs::write(dir.path().join(&file), &input).unwrap();
        let v = redsim(dir.path(), &["validate", &file]);
        assert_clean(&v, &["validate"], &file, &input)?;
        if v.code == Some(2) {
            // Every problem names where it is: a JSON path, an id or a line.
            for line in v.stderr.lines().filter(|l| l.starts_with("  - ")) {
                let body = &line[4..];
                // `PATH: what`, `PATH (`ID`): what` (a key with a space is
                // quoted: `repair["crews "]`), JSON syntax at a line,
                // or the document as a whole.
                let place = body.split(": ").next().unwrap_or_default();
                let located = body.contains("at line ")
                    || body.starts_with("the scenario ")
                    || (body.contains(": ")
                        && (!place.contains(' ')
                            || place.contains("[\"")
                            || (place.contains(" (`") && place.ends_with("`)"))));
                prop_assert!(located, "a problem that says not where it is: {line}\n{}", v.stderr);
            }
            // The other commands refuse it the same way.
            let r = redsim(dir.path(), &["run", &file, "--trials", "10", "-q"]);
            assert_clean(&r, &["run"], &file, &input)?;
            prop_assert_eq!(r.code, Some(2));
        } else {
            for args in [
                vec!["run", file.as_str(), "--trials", "20", "-q", "--threads", "1"],
                vec!["spof", file.as_str()],
                vec!["exact", file.as_str()],
                vec!["graph", file.as_str(), "-o", "g.dot"],
                vec!["trace", file.as_str(), "--trial", "3"],
            ] {
                let r = redsim(dir.path(), &args);
                assert_clean(&r, &args, &file, &input)?;
            }
        }
    }
}

/// Shard files of a small run, sweep and comparison, and their merged reports.
struct Shards {
    dir: tempfile::TempDir,
    /// (kind, shard 0, shard 1, the merged report).
    sets: Vec<(&'static str, String, String, String)>,
}

fn shards() -> &'static Shards {
    static SHARDS: OnceLock<Shards> = OnceLock::new();
    SHARDS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        for f in ["seed-network.json", "seed-network-one-firewall.json"] {
            std::fs::copy(root.join(f), d.join(f)).unwrap();
        }
        let mut sets = Vec::new();
        let kinds: [(&str, Vec<&str>); 3] = [
            ("run", vec!["run", "seed-network.json", "--trials", "30", "-q"]),
            (
                "sweep",
                vec![
                    "sweep",
                    "seed-network.json",
                    "--set",
                    "mission=1y,2y",
                    "--trials",
                    "30",
                ],
            ),
            (
                "compare",
                vec![
                    "compare",
                    "seed-network.json",
                    "seed-network-one-firewall.json",
                    "--trials",
                    "30",
                ],
            ),
        ];
        for (kind, base) in kinds {
            let mut files = Vec::new();
            for k in 0..2 {
                let out = format!("{kind}-{k}.json");
                let spec = format!("{k}/2");
                let mut args = base.clone();
                args.extend(["--shard", &spec, "-o", &out]);
                let r = redsim(d, &args);
                assert_eq!(r.code, Some(0), "{args:?}: {r:?}");
                files.push(out);
            }
            let r = redsim(d, &["merge", &files[0], &files[1], "-q"]);
            assert_eq!(r.code, Some(0), "{r:?}");
            sets.push((kind, files[0].clone(), files[1].clone(), r.stdout));
        }
        Shards { dir, sets }
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_shard_files_are_refused_or_change_nothing(
        which in 0usize..3,
        second in any::<bool>(),
        edits in prop::collection::vec(edit_strategy(), 1..3),
        dmg in damage_strategy(),
    ) {
        let s = shards();
        let (kind, a, b, merged) = &s.sets[which];
        let (target, other) = if second { (b, a) } else { (a, b) };
        let text = std::fs::read_to_string(s.dir.path().join(target)).unwrap();
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        for e in &edits {
            apply(&mut doc, e);
        }
        let input = damage(&serde_json::to_string_pretty(&doc).unwrap(), &dmg);
        let dir = tempfile::tempdir().unwrap();
        let file = format!("fuzzed-{kind}.json");
        std::fs::write(dir.path().join(&file), &input).unwrap();
        std::fs::copy(s.dir.path().join(other), dir.path().join(other)).unwrap();
        let (first, last) = if second { (other.as_str(), file.as_str()) } else { (file.as_str(), other.as_str()) };
        let args = ["merge", first, last, "-q"];
        let r = redsim(dir.path(), &args);
        assert_clean(&r, &args, &file, &input)?;
        if r.code == Some(0) {
            prop_assert_eq!(&r.stdout, merged, "an edit changed the merged report with no warning");
        }
        let args = ["report", file.as_str(), "-q"];
        let r = redsim(dir.path(), &args);
        assert_clean(&r, &args, &file, &input)?;
    }
}
