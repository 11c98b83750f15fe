//! The scenario file format (`redsim/1`): loading, and validation into a
//! [`Model`].
//!
//! Loading never panics on bad input. Every problem found is collected and
//! reported together, each with its JSON path, the component id where there is
//! one, what is wrong and, where possible, how to fix it.

mod resolve;
mod set;

pub(crate) use resolve::suggest;
pub use set::{Applied, CopyChange, set_value, split_spec};
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
        let mut copies = Vec::new();
        let mut problems = Vec::new();
        for s in sets {
            match set_value(&mut doc, s) {
                Ok(Applied::At(at)) => set_at.push((at, s.as_str())),
                Ok(Applied::Copy(c)) => {
                    set_at.push((c.at.clone(), s.as_str()));
                    copies.push(c);
                }
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        resolve::resolve(&doc.to_string(), &copies).map_err(|mut problems| {
            for p in &mut problems {
                set::blame_set(p, &set_at);
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

/// Parses and validates scenario text.
///
/// # Errors
/// Every problem found, each once, in the order the checks find them (syntax
/// and ids first, then links, laws, requirements and services).
pub fn parse(text: &str) -> Result<Model, Vec<Problem>> {
    // Some editors start UTF-8 files with a byte-order mark; JSON allows a
    // reader to ignore it (RFC 8259, section 8.1).
    resolve::resolve(text.strip_prefix('\u{feff}').unwrap_or(text), &[])
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

#[cfg(test)]
mod tests {
    use super::*;

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
