//! The scenario file format (`redsim/1`): loading, and validation into a
//! [`Model`].
//!
//! Loading never panics on bad input. Every problem found is collected and
//! reported together, each with its JSON path, the component id where there is
//! one, what is wrong and, where possible, how to fix it.

mod resolve;

pub(crate) use resolve::suggest;
pub mod units;
pub mod wire;

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::{Model, printable};

pub use wire::{FORMAT, schema};

/// Shortest duration a scenario may give \[h\]: the engine's clock tick, one
/// microsecond (`engine::TICKS_PER_HOUR` per hour). A time, delay or law's
/// mean below it would be simulated as 0 or rounded away (a repair of
/// 1e-12 h counts outages without down time): validation refuses it, and 0
/// is accepted only where the format gives it a meaning (no delay).
pub const MIN_DURATION: f64 = 1.0 / 3.6e9;

/// One thing wrong with a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Where: a JSON path such as `components[3].mtbf` (empty for the whole file).
    pub path: String,
    /// The component, link or service id concerned, when known.
    pub id: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub hint: Option<String>,
}

/// Text from the file as shown in a message: control characters and the
/// like escaped (see [`printable`]), and cut short past `max` characters.
pub(crate) fn quoted(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n <= max {
        return printable(text).into_owned();
    }
    let head: String = text.chars().take(max.saturating_sub(16)).collect();
    format!("{}… ({n} characters)", printable(&head))
}

/// The JSON path of `key` inside the object at `path`: `path.key` for a
/// key of letters, digits, `_` and `-`, else `path["key"]` (JSON-quoted),
/// so that a key with a space, a dot or a bracket cannot be misread.
pub(crate) fn key_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (plain, path.is_empty()) {
        (true, true) => key.to_string(),
        (true, false) => format!("{path}.{key}"),
        (false, _) => format!("{path}[{}]", serde_json::Value::from(key)),
    }
}

/// Longest id shown whole in a message.
const SHOWN_ID: usize = 64;

/// Shows the problem on one line (two with its hint). Everything from the
/// file is escaped, so that a name or id holding an ESC sequence or a
/// newline cannot colour the terminal or forge a line of output.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.id.as_deref().map(|id| quoted(id, SHOWN_ID));
        let path = printable(&self.path);
        match (path.is_empty(), id) {
            (true, None) => {}
            (true, Some(id)) => write!(f, "`{id}`: ")?,
            (false, None) => write!(f, "{path}: ")?,
            (false, Some(id)) => write!(f, "{path} (`{id}`): ")?,
        }
        f.write_str(&printable(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, "\n    hint: {}", printable(h))?;
        }
        Ok(())
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {}", crate::model::shown_path(file))]
    Read { file: PathBuf, source: std::io::Error },
    #[error("{}: {}", crate::model::shown_path(file), list(problems))]
    Invalid { file: PathBuf, problems: Vec<Problem> },
    #[error("--set: {}", problems.join("; "))]
    Grid { problems: Vec<String> },
}

fn list(problems: &[Problem]) -> String {
    let head = match problems.len() {
        1 => "1 problem".to_string(),
        n => format!("{n} problems"),
    };
    let body: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
    format!("{head}\n{}", body.join("\n"))
}

impl ScenarioError {
    /// The problems found (empty for a read error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Read { .. } | Self::Grid { .. } => &[],
            Self::Invalid { problems, .. } => problems,
        }
    }
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it was read from.
    pub file: PathBuf,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// The `--set PATH=VALUE` changes applied to the file, in order.
    pub set: Vec<String>,
    /// The file's text, as read (before the changes).
    pub source: String,
    pub model: Model,
}

impl Scenario {
    /// What identifies the resolved scenario: see [`resolved_sha256`].
    pub fn resolved_sha256(&self) -> String {
        resolved_sha256(&self.sha256, &self.set)
    }
}

/// The SHA-256 (hex) that identifies a resolved scenario: the file's bytes
/// (by their SHA-256, hex) and the `--set` changes applied to them, in order.
/// Two scenarios with the same hash simulate alike.
pub fn resolved_sha256(file_sha256: &str, sets: &[String]) -> String {
    let head = ["redsim-resolved/1", file_sha256];
    sha256_parts(head.into_iter().chain(sets.iter().map(String::as_str)))
}

/// SHA-256 (hex) of a list of strings, each hashed with its length first,
/// so that no two lists give the same input.
pub fn sha256_parts<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex(&h.finalize())
}

/// Points of a sweep grid at most: the product of its parameters' numbers
/// of values (documented in `docs/cookbook.md` and `redsim sweep --help`).
pub const MAX_GRID_POINTS: u64 = 10_000;

/// Parameters of a sweep grid at most.
pub const MAX_GRID_PARAMETERS: usize = 16;

/// What is wrong with a grid of `--set` values, every problem at once;
/// nothing in proportion to the grid's size is allocated.
pub fn grid_problems(params: &[(String, Vec<String>)]) -> Vec<String> {
    let mut problems = Vec::new();
    if params.len() > MAX_GRID_PARAMETERS {
        problems.push(format!(
            "{} parameters: a sweep has at most {MAX_GRID_PARAMETERS}; sweep fewer paths at once",
            params.len()
        ));
    }
    for (i, (path, values)) in params.iter().enumerate() {
        if values.is_empty() {
            problems.push(format!("parameter `{path}` has no values: give it at least one"));
        }
        if params[..i].iter().any(|(p, _)| p == path) {
            problems.push(format!(
                "parameter `{path}` is given twice: list all its values once"
            ));
        }
    }
    let points = params
        .iter()
        .try_fold(1u128, |n, (_, v)| n.checked_mul(v.len() as u128));
    if points.is_none_or(|n| n > u128::from(MAX_GRID_POINTS)) {
        let counts: Vec<String> = params.iter().map(|(_, v)| v.len().to_string()).collect();
        let size = points.map_or_else(|| "more than 10^38".to_string(), |n| n.to_string());
        problems.push(format!(
            "the grid has {} = {size} points; a sweep has at most {MAX_GRID_POINTS}: give fewer values, \
             or split it into several sweeps",
            counts.join(" × ")
        ));
    }
    problems
}

/// Every point of a grid of `--set` values: for each combination of one
/// value per parameter (the last parameter varying fastest), its
/// `PATH=VALUE` changes, one per parameter.
///
/// # Errors
/// [`ScenarioError::Grid`] when the grid is past its limits
/// ([`MAX_GRID_POINTS`], [`MAX_GRID_PARAMETERS`]) or a parameter has no
/// value or is given twice: checked before the points are made.
pub fn grid(params: &[(String, Vec<String>)]) -> Result<Vec<Vec<String>>, ScenarioError> {
    let problems = grid_problems(params);
    if !problems.is_empty() {
        return Err(ScenarioError::Grid { problems });
    }
    let mut points: Vec<Vec<String>> = vec![Vec::new()];
    for (path, values) in params {
        points = points
            .into_iter()
            .flat_map(|p| {
                values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(format!("{path}={v}"));
                    q
                })
            })
            .collect();
    }
    Ok(points)
}

/// SHA-256 of `bytes`, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Reads and validates a scenario file.
///
/// # Errors
/// [`ScenarioError::Read`] when the file cannot be read;
/// [`ScenarioError::Invalid`] listing every problem found in it.
pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    load_with(file, &[])
}

/// Reads a scenario file, applies `PATH=VALUE` changes to it (see
/// [`set_value`]), and validates the result.
///
/// # Errors
/// As [`load`]; a change that addresses nothing is reported as a problem at
/// `--set PATH`.
pub fn load_with(file: &Path, sets: &[String]) -> Result<Scenario, ScenarioError> {
    let bytes = std::fs::read(file).map_err(|source| ScenarioError::Read {
        file: file.into(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ScenarioError::Invalid {
        file: file.into(),
        problems: vec![Problem {
            path: String::new(),
            id: None,
            message: format!(
                "the file is not UTF-8 text (bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            hint: Some("save the scenario as UTF-8 JSON".into()),
        }],
    })?;
    from_source(file, text, sets)
}

/// Validates scenario text read from `file` (a name for messages), with
/// `PATH=VALUE` changes applied, as [`load_with`] does with a file's bytes.
///
/// # Errors
/// [`ScenarioError::Invalid`] listing every problem found.
pub fn from_source(file: &Path, source: String, sets: &[String]) -> Result<Scenario, ScenarioError> {
    let invalid = |problems| ScenarioError::Invalid {
        file: file.into(),
        problems,
    };
    let model = if sets.is_empty() {
        parse(&source)
    } else {
        // Read with the same rules as a file (duplicate keys, limits), so that
        // a change cannot smuggle in what `validate` refuses.
        let mut doc = match resolve::read_json(source.strip_prefix('\u{feff}').unwrap_or(&source)) {
            Ok(v) => v,
            // The validation says what is wrong, exactly as for the file alone.
            Err(_) => return Err(invalid(parse(&source).err().unwrap_or_default())),
        };
        let mut set_at = Vec::new();
        let mut problems = Vec::new();
        for s in sets {
            match set_value(&mut doc, s) {
                Ok(at) => set_at.push((at, s)),
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        parse(&doc.to_string()).map_err(|mut problems| {
            for p in &mut problems {
                blame_set(p, &set_at);
            }
            problems
        })
    }
    .map_err(invalid)?;
    Ok(Scenario {
        file: file.into(),
        sha256: sha256_hex(source.as_bytes()),
        set: sets.to_vec(),
        source,
        model,
    })
}

/// Says in `p`'s hint which `--set` gave the value it is about, when one
/// did: `set_at` holds each change's JSON path and its `PATH=VALUE`.
fn blame_set(p: &mut Problem, set_at: &[(String, &String)]) {
    let under = |at: &str| {
        p.path == at
            || p.path
                .strip_prefix(at)
                .is_some_and(|rest| rest.starts_with(['.', '[']))
    };
    // The last change to a path is the one that holds.
    if let Some((_, spec)) = set_at.iter().rev().find(|(at, _)| under(at)) {
        let mut from = format!("the value comes from `--set {spec}`");
        if looks_like_a_list(spec) {
            from.push_str("; a list of values is for `redsim sweep`, which runs the scenario once for each");
        }
        p.hint = Some(match p.hint.take() {
            Some(h) => format!("{h}; {from}"),
            None => from,
        });
    }
}

/// Whether a `--set PATH=VALUE` holds values separated by commas outside
/// brackets, braces and quotes, as `redsim sweep` takes them (`1h,2h`).
fn looks_like_a_list(spec: &str) -> bool {
    let value = spec.split_once('=').map_or("", |(_, v)| v);
    let (mut depth, mut quoted, mut escaped) = (0i64, false, false);
    for c in value.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '[' | '{' if !quoted => depth += 1,
            ']' | '}' if !quoted => depth -= 1,
            ',' if !quoted && depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Parses and validates scenario text.
///
/// # Errors
/// Every problem found, each once, in the order the checks find them (syntax
/// and ids first, then links, laws, requirements and services).
pub fn parse(text: &str) -> Result<Model, Vec<Problem>> {
    // Some editors start UTF-8 files with a byte-order mark; JSON allows a
    // reader to ignore it (RFC 8259, section 8.1).
    resolve::resolve(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// A number from a scenario as shown in a message: the shortest text that
/// reads back as the same `f64` (so 0.9999999999999999 is not shown as 1),
/// with an exponent when it is very large or very small (so 1e300 is not
/// shown as 301 digits).
pub(crate) fn shown(x: f64) -> String {
    let a = x.abs();
    if a == 0.0 || (1e-4..1e15).contains(&a) || !a.is_finite() {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lists of entries addressed by their `id` in a `--set` path.
const BY_ID: &[&str] = &[
    "components",
    "links",
    "services",
    "groups",
    "maintenance",
    "spare_pools",
    "common_cause",
];

/// Applies one `PATH=VALUE` change to a scenario document. `PATH` is dotted:
/// a top-level key (`mission`, `repair.crews`), or a list and an entry's id
/// then keys within it (`components.srv.mttr`, `groups.fw.failover.switchover`),
/// or `templates.NAME.KEY`. Ids may contain dots: the longest that names an
/// entry wins. `VALUE` is JSON when it parses as JSON (`3`, `true`,
/// `{"exponential": {"mean": "4h"}}`), a string otherwise (`4h`). Missing
/// keys are created.
///
/// # Errors
/// A problem at `--set PATH` when the path addresses no entry, or when the
/// value is meant as a JSON list or object but is not valid JSON (with
/// the same rules as a file: no repeated keys).
///
/// Returns the JSON path of the value set (`components[2].mttr`), where
/// validation reports a problem with it.
pub fn set_value(doc: &mut serde_json::Value, spec: &str) -> Result<String, Problem> {
    use serde_json::Value;
    let bad = |message: String, hint: Option<String>| Problem {
        path: format!("--set {spec}"),
        id: None,
        message,
        hint,
    };
    let (path, value) = spec.split_once('=').ok_or_else(|| {
        bad(
            "expected PATH=VALUE".into(),
            Some("e.g. --set components.srv.mttr=8h".into()),
        )
    })?;
    let value: Value = match resolve::read_json(value) {
        Ok(v) => v,
        // A list or an object must be JSON; anything else that is not is a string (`8h`).
        Err(p) if value.trim_start().starts_with(['{', '[']) => {
            return Err(bad(format!("the value is not valid JSON: {}", p.message), p.hint));
        }
        Err(_) => Value::String(value.to_string()),
    };
    let segs: Vec<&str> = path.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return Err(bad(format!("`{path}` has an empty part"), None));
    }
    let Some(top) = doc.as_object_mut() else {
        return Err(bad("the scenario is not a JSON object".into(), None));
    };
    // A key of a crew pool the file does not declare would make a pool that
    // nothing names, silently: a typo, as for `components`. (A pool set whole,
    // `repair.pools.NAME={"crews": 1}`, declares one.)
    if segs.len() > 3 && segs[..2] == ["repair", "pools"] {
        let mut declared: Vec<&str> = top
            .get("repair")
            .and_then(|r| r.get("pools"))
            .and_then(Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        declared.sort_unstable();
        if !declared.contains(&segs[2]) {
            let listed = if declared.is_empty() {
                "the scenario declares none".to_string()
            } else {
                let names: Vec<String> = declared.iter().map(|k| format!("`{k}`")).collect();
                format!("the pools are {}", names.join(", "))
            };
            let hint = match resolve::suggest(segs[2], declared.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "write repair.pools.NAME.KEY=VALUE with a pool of the file, or declare one whole: --set 'repair.pools.{}={{\"crews\": 1}}'",
                    segs[2]
                ),
            };
            return Err(bad(
                format!("no pool of `repair.pools` is named `{}`: {listed}", segs[2]),
                Some(hint),
            ));
        }
    }
    let (mut node, rest, mut at): (&mut Value, &[&str], String) = if BY_ID.contains(&segs[0])
        || segs[0] == "templates"
    {
        let section = segs[0];
        let entries = top
            .get_mut(section)
            .ok_or_else(|| bad(format!("the scenario has no `{section}`"), None))?;
        // The longest run of parts that names an entry.
        let mut found = None;
        for k in (2..=segs.len()).rev() {
            let id = segs[1..k].join(".");
            let hit = match entries {
                Value::Array(list) if section != "templates" => list
                    .iter()
                    .position(|e| e.get("id").and_then(Value::as_str) == Some(id.as_str())),
                Value::Object(map) if section == "templates" => map.contains_key(&id).then_some(0),
                _ => None,
            };
            if let Some(i) = hit {
                found = Some((i, id, k));
                break;
            }
        }
        let Some((i, id, k)) = found else {
            return Err(bad(
                format!("no entry of `{section}` is named by `{}`", segs[1..].join(".")),
                Some(format!(
                    "write {section}.ID.KEY=VALUE with the id as written in the file (entries with `count` by their entry id)"
                )),
            ));
        };
        let (entry, at) = match entries {
            Value::Array(list) => (&mut list[i], format!("{section}[{i}]")),
            Value::Object(map) => (map.get_mut(&id).expect("found above"), format!("{section}.{id}")),
            _ => unreachable!("matched above"),
        };
        if k == segs.len() {
            return Err(bad(
                format!("`{path}` names an entry, not one of its keys"),
                Some(format!("e.g. {path}.mttr=8h")),
            ));
        }
        (entry, &segs[k..], at)
    } else {
        (doc, &segs[..], String::new())
    };
    for (j, key) in rest.iter().enumerate() {
        let Some(obj) = node.as_object_mut() else {
            return Err(bad(format!("`{}` is not an object", rest[..j].join(".")), None));
        };
        if !at.is_empty() {
            at.push('.');
        }
        at.push_str(key);
        if j + 1 == rest.len() {
            obj.insert((*key).to_string(), value);
            return Ok(at);
        }
        node = obj
            .entry(*key)
            .or_insert_with(|| Value::Object(Default::default()));
    }
    unreachable!("the path has at least one key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_refuses_a_key_of_a_crew_pool_the_file_does_not_declare() {
        let file = serde_json::json!({"repair": {"pools": {"east": {"crews": 1}, "west": {"crews": 1}}}});
        let mut doc = file.clone();
        let p = set_value(&mut doc, "repair.pools.esat.crews=2").unwrap_err();
        assert_eq!(p.path, "--set repair.pools.esat.crews=2");
        assert!(
            p.message.contains("no pool of `repair.pools` is named `esat`")
                && p.message.contains("the pools are `east`, `west`"),
            "{p}"
        );
        assert_eq!(p.hint.as_deref(), Some("did you mean `east`?"));
        assert_eq!(doc, file, "nothing is created");
        // A declared pool, and a pool set whole, are fine.
        assert_eq!(
            set_value(&mut doc, "repair.pools.east.crews=2").unwrap(),
            "repair.pools.east.crews"
        );
        assert_eq!(doc["repair"]["pools"]["east"]["crews"], 2);
        assert!(set_value(&mut doc, r#"repair.pools.north={"crews": 1}"#).is_ok());
        assert!(set_value(&mut doc, "repair.pools.north.discipline=fifo").is_ok());
        // No pools at all.
        let mut doc = serde_json::json!({"repair": {"crews": 2}});
        let p = set_value(&mut doc, "repair.pools.east.crews=2").unwrap_err();
        assert!(p.message.contains("the scenario declares none"), "{p}");
        assert!(p.hint.unwrap().contains("repair.pools.east="));
    }

    #[test]
    fn keys_that_are_not_plain_are_quoted_in_paths() {
        assert_eq!(key_path("", "format"), "format");
        assert_eq!(key_path("templates", "web-1_a"), "templates.web-1_a");
        assert_eq!(key_path("repair", "crews "), "repair[\"crews \"]");
        assert_eq!(key_path("", "a.b"), "[\"a.b\"]");
        assert_eq!(key_path("t", "\"]"), "t[\"\\\"]\"]");
    }

    #[test]
    fn numbers_in_messages_are_exact_and_short() {
        assert_eq!(shown(0.9999999999999999), "0.9999999999999999");
        assert_eq!(shown(1e300), "1e300");
        assert_eq!(shown(-2.0), "-2");
        assert_eq!(shown(1.5e-7), "1.5e-7");
        assert_eq!(shown(8760.0), "8760");
    }

    #[test]
    fn problems_are_shown_escaped() {
        let p = Problem {
            path: "components[0].id".into(),
            id: Some("a\u{1b}[31m".into()),
            message: "x\nerror: forged".into(),
            hint: None,
        };
        let s = p.to_string();
        assert_eq!(s, "components[0].id (`a\\u{1b}[31m`): x\\nerror: forged");
    }

    fn param(path: &str, n: usize) -> (String, Vec<String>) {
        (path.into(), (0..n).map(|v| v.to_string()).collect())
    }

    #[test]
    fn grids_are_checked_before_their_points_are_made() {
        let ok = [param("a", 100), param("b", 100)];
        assert_eq!(grid(&ok).unwrap().len(), 10_000, "the limit itself is allowed");
        let e = grid(&[param("a", 100), param("b", 101)]).unwrap_err().to_string();
        assert!(
            e.contains("100 × 101 = 10100 points") && e.contains("at most 10000"),
            "{e}"
        );
        // Far past any memory: refused without making a point.
        let huge: Vec<_> = (0..16).map(|p| param(&format!("p{p}"), 1000)).collect();
        let e = grid(&huge).unwrap_err().to_string();
        assert!(e.contains("more than 10^38 points"), "{e}");
        let e = grid(&[param("a", 0), param("a", 2)]).unwrap_err().to_string();
        assert!(
            e.contains("`a` has no values") && e.contains("`a` is given twice"),
            "{e}"
        );
        assert_eq!(
            grid_problems(&[param("a", 2), param("b", 3)]),
            Vec::<String>::new()
        );
    }
}
