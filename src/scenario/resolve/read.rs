//! Reading the file: strict JSON (no repeated keys, limits told at their
//! path), serde's errors as problems at their JSON path, and objects read
//! without their bad keys so that one bad key hides no other.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Problems;
use super::ids::{bad_id, bad_id_message};
use super::locate;
use super::suggest::{did_you_mean, synonym};
use crate::scenario::Problem;
use crate::scenario::wire::{DelaySpec, DistSpec, RepairSpec};

/// Turns serde's messages into ours: unknown keys and variants get a
/// suggestion and the allowed names, and Rust type names become JSON words.
fn explain_serde(msg: &str) -> (String, Option<String>) {
    for (lead, what) in [("unknown field `", "key"), ("unknown variant `", "distribution")] {
        if let Some(rest) = msg.strip_prefix(lead) {
            // `rest` is "name`, expected one of `a`, `b`" (or "... there are no fields").
            let mut parts = rest.split('`');
            let name = parts.next().unwrap_or_default();
            let expected: Vec<&str> = parts.skip(1).step_by(2).collect();
            // Distributions are not the only enums: modes, standbys, disciplines...
            let what = if what == "distribution" && !expected.contains(&"exponential") {
                "value"
            } else {
                what
            };
            let mut hint = synonym(name, &expected)
                .map(|s| format!("did you mean `{s}`?"))
                .or_else(|| did_you_mean(name, expected.iter().copied(), &format!("{what}s")));
            if !expected.is_empty() {
                let allowed: Vec<String> = expected.iter().map(|e| format!("`{e}`")).collect();
                let allowed = format!("allowed: {}", allowed.join(", "));
                hint = Some(match hint {
                    Some(h) => format!("{h} ({allowed})"),
                    None => allowed,
                });
            }
            return (format!("unknown {what} `{name}`"), hint);
        }
    }
    if msg.starts_with("data did not match any variant of untagged enum Capacity") {
        return (
            "capacity must be a number, or an object from target id (or glob) to a number".into(),
            Some("e.g. \"capacity\": 100 or \"capacity\": {\"web-1\": 100, \"web-2\": 50}".into()),
        );
    }
    if let Some((what, how)) = msg.split_once("; a requirement is ") {
        return (what.to_string(), Some(format!("a requirement is {how}")));
    }
    if [
        "expected map with a single key",
        "expected newtype variant",
        "expected string or map",
        "expected enum DistSpec",
    ]
    .iter()
    .any(|m| msg.contains(m))
    {
        return (
            "a distribution is an object with exactly one key naming its family".into(),
            Some("e.g. {\"weibull\": {\"shape\": 1.5, \"mean\": \"30000h\"}}".into()),
        );
    }
    let mut out = msg.replace("missing field `", "missing key `");
    for (rust, json) in [
        ("expected u64", "expected a whole number of at least 0"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected a list"),
        ("expected a map", "expected an object"),
        ("invalid type: map", "invalid type: object"),
        ("invalid type: sequence", "invalid type: list"),
    ] {
        out = out.replace(rust, json);
    }
    if let Some(i) = out.find("expected struct ") {
        out.replace_range(i.., "expected an object");
    }
    (out, None)
}

/// Deserializes one piece of the file, recording a problem at its path on
/// failure. Serde stops at the first bad key of an object; the other keys
/// are read again without it (and so on), so that every bad key is reported
/// in one run: a bad `count` must not hide a bad `mtbf`.
///
/// An entry read with a problem is not used (what it meant is unknown, and
/// using part of it would raise problems that follow from the first), but
/// its `id`, the one thing the rest of the file refers to it by, is still
/// checked here: an unknown key must not hide a bad id. [`take_partial`]
/// keeps what could be read, for entries whose other fields are checked.
pub(super) fn take<T: DeserializeOwned>(
    v: &Value,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<T> {
    match take_partial(v, path, id, probs) {
        Some((t, unread)) if unread.is_empty() => Some(t),
        Some(_) => {
            if let Some(id) = id
                && bad_id(id)
            {
                probs.add(format!("{path}.id"), Some(id), bad_id_message(id), None);
            }
            None
        }
        None => None,
    }
}

/// [`take`], but an object whose bad keys were all optional is still read
/// without them: the value and the keys left unread (empty when it read
/// whole). Every problem is recorded; the caller checks the fields that
/// were read, and must not build anything from the entry when a key was
/// left unread, nor report what follows from its absence.
pub(super) fn take_partial<T: DeserializeOwned>(
    v: &Value,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<(T, Vec<String>)> {
    let t = read_all_keys(v, path, id, probs);
    if t.is_none()
        && let Some(id) = id
        && bad_id(id)
    {
        probs.add(format!("{path}.id"), Some(id), bad_id_message(id), None);
    }
    t
}

/// The keys of an error's path, outermost first, up to its first list index.
fn error_keys(e: &serde_path_to_error::Error<serde_json::Error>) -> Vec<String> {
    e.path()
        .iter()
        .map_while(|seg| match seg {
            serde_path_to_error::Segment::Map { key } => Some(key.clone()),
            _ => None,
        })
        .collect()
}

/// Takes out of `obj` the deepest value on the path `keys` that is there
/// (a nested key rather than its whole object, so that the object's other
/// keys are still read); returns the path of what was taken out.
fn take_out(obj: &mut serde_json::Map<String, Value>, keys: &[String]) -> Option<Vec<String>> {
    let (first, rest) = keys.split_first()?;
    let inner = match obj.get_mut(first) {
        None => return None,
        Some(Value::Object(inner)) => take_out(inner, rest),
        Some(_) => None,
    };
    match inner {
        Some(mut deeper) => {
            deeper.insert(0, first.clone());
            Some(deeper)
        }
        None => {
            obj.remove(first);
            Some(vec![first.clone()])
        }
    }
}

/// [`take_partial`] but for the id.
fn read_all_keys<T: DeserializeOwned>(
    v: &Value,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<(T, Vec<String>)> {
    let e = match serde_path_to_error::deserialize::<_, T>(v) {
        Ok(t) => return Some((t, Vec::new())),
        Err(e) => e,
    };
    let Value::Object(map) = v else {
        report_serde(e, path, id, probs);
        return None;
    };
    let mut rest = map.clone();
    let mut removed: Vec<Vec<String>> = Vec::new();
    let mut e = e;
    // Each round takes one key out; past this many, the rest is noise.
    for _ in 0..MAX_PROBLEMS_PER_OBJECT {
        let keys = error_keys(&e);
        let msg = e.inner().to_string();
        // A key taken out here leaves its object without it ("missing
        // field"), and a nested object it was taken from may no longer
        // read: not the file's mistake, unless that object holds a key it
        // does not know.
        let ours = removed.iter().any(|r| {
            let inner = r.last().expect("a path");
            msg.starts_with(&format!("missing field `{inner}`"))
                || (!keys.is_empty()
                    && r.len() > keys.len()
                    && r.starts_with(&keys)
                    && !msg.starts_with("unknown field"))
        });
        if !ours {
            report_serde(e, path, id, probs);
        }
        let taken = take_out(&mut rest, &keys)?;
        removed.push(taken);
        match serde_path_to_error::deserialize::<_, T>(&Value::Object(rest.clone())) {
            Ok(t) => {
                let mut unread: Vec<String> = removed.iter().map(|r| r[0].clone()).collect();
                unread.sort_unstable();
                unread.dedup();
                return Some((t, unread));
            }
            Err(next) => e = next,
        }
    }
    None
}

/// Whether keys left unread (see [`take_partial`]) of a component or link
/// may have been part of its failure and repair law: any key but those
/// known to be about something else (an unknown key may be a misspelt
/// `mtbf`).
pub(super) fn law_unread(unread: &[String]) -> bool {
    const OTHER: [&str; 7] = [
        "id", "kind", "template", "count", "requires", "domains", "between",
    ];
    unread.iter().any(|k| !OTHER.contains(&k.as_str()))
}

/// Whether keys left unread (see [`take_partial`]) of a component or link
/// leave its element unknown: any key but the known keys of its law. A law
/// key is unread because its value was bad (a duration that does not parse,
/// an afr of "150%", an unknown distribution): the element is still made,
/// its law unknown, so that a bad value hides no problem of the topology
/// or the services. An unknown key may be a misspelt `count`, `id` or
/// `between`: the entry then makes no element.
pub(super) fn element_unread(unread: &[String]) -> bool {
    const LAW: [&str; 9] = [
        "mtbf",
        "afr",
        "mttr",
        "failure",
        "repair",
        "logistics",
        "repair_priority",
        "spares",
        "repair_pool",
    ];
    unread.iter().any(|k| !LAW.contains(&k.as_str()))
}

/// Drops a law of which a key was left unread (see [`take_partial`]): what
/// was read of it, `{"lognormal": {"sd": "1h"}}` without its bad `mean`,
/// would raise a second problem ("takes mean and sd") that only follows
/// from the first. The law counts as unread (no "half a law" either).
pub(super) fn forget_partial_laws(
    unread: &[String],
    failure: &mut Option<DistSpec>,
    repair: &mut Option<RepairSpec>,
    logistics: &mut Option<DelaySpec>,
) {
    let gone = |k: &str| unread.iter().any(|u| u == k);
    if gone("failure") {
        *failure = None;
    }
    if gone("repair") {
        *repair = None;
    }
    if gone("logistics") {
        *logistics = None;
    }
}

/// Most problems reported in one object of the file.
const MAX_PROBLEMS_PER_OBJECT: usize = 32;

/// Records a serde error as a problem at its path under `path`.
fn report_serde(
    e: serde_path_to_error::Error<serde_json::Error>,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) {
    let mut full = path.to_string();
    for seg in e.path().iter() {
        use serde_path_to_error::Segment;
        match seg {
            Segment::Seq { index } => full.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                full = crate::scenario::key_path(&full, key)
            }
            Segment::Unknown => full = crate::scenario::key_path(&full, "?"),
        }
    }
    let msg = e.into_inner().to_string();
    // A requirement's own errors start with their path inside it: "at any[1]: ...".
    let (full, msg) = match msg.strip_prefix("at ").and_then(|m| m.split_once(": ")) {
        Some((inner, rest)) if !inner.contains(' ') => {
            let sep = if inner.starts_with('[') { "" } else { "." };
            (format!("{full}{sep}{inner}"), rest.to_string())
        }
        _ => (full, msg),
    };
    let (message, hint) = explain_serde(&msg);
    probs.add(full, id, message, hint);
}

const DUPLICATE_KEY: &str = "duplicate key";

/// A JSON value read with one rule more than `serde_json::Value`: an object
/// may not repeat a key (serde_json would keep the last copy silently).
struct StrictValue(Value);

impl<'de> serde::Deserialize<'de> for StrictValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, MapAccess, SeqAccess, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
                Ok(v.into())
            }
            fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
                Ok(v.into())
            }
            fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
                Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::String(v.to_string()))
            }
            fn visit_unit<E: Error>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut out = Vec::new();
                while let Some(StrictValue(v)) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Value::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
                let mut out = serde_json::Map::new();
                while let Some(k) = map.next_key::<String>()? {
                    if out.contains_key(&k) {
                        return Err(A::Error::custom(format!("{DUPLICATE_KEY} `{k}`")));
                    }
                    let StrictValue(v) = map.next_value()?;
                    out.insert(k, v);
                }
                Ok(Value::Object(out))
            }
        }
        d.deserialize_any(V).map(StrictValue)
    }
}

/// Entries of a top-level list, each with its path and (when readable) its id.
pub(super) fn entries<'a>(
    top: &'a serde_json::Map<String, Value>,
    key: &str,
    probs: &mut Problems,
) -> Vec<(String, &'a Value)> {
    match top.get(key) {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{key}[{i}]"), v))
            .collect(),
        Some(_) => {
            probs.add(key, None, format!("`{key}` must be a list"), None);
            Vec::new()
        }
    }
}

pub(super) fn id_of(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

/// Reads JSON text with every check `resolve` makes on the syntax: no
/// repeated keys, limits on nesting and numbers told at their path.
///
/// # Errors
/// The one problem that stops the reading.
pub(crate) fn read_json(text: &str) -> Result<Value, Problem> {
    match serde_json::from_str::<StrictValue>(text) {
        Ok(v) => Ok(v.0),
        Err(e) => {
            let what = strip_position(&e.to_string());
            if let Some(p) = beyond_json_limits(text, &what, e.line(), e.column()) {
                return Err(p);
            }
            let (message, hint) = if what.starts_with(DUPLICATE_KEY) {
                (
                    format!("{what} at line {}, column {}", e.line(), e.column()),
                    "a key may appear once in an object: JSON readers disagree on which copy wins",
                )
            } else {
                (
                    format!(
                        "not valid JSON at line {}, column {}: {what}",
                        e.line(),
                        e.column()
                    ),
                    "check for a missing or extra comma, quote or bracket there, or just before",
                )
            };
            Err(Problem {
                path: String::new(),
                id: None,
                message,
                hint: Some(hint.into()),
            })
        }
    }
}

/// Deepest nesting of arrays and objects that serde_json reads.
const JSON_DEPTH: usize = 128;

/// The problem for a JSON text that is well-formed but past what can be
/// read: nested too deeply, or a number too large for a 64-bit float. These
/// are not syntax mistakes, so they are told at their JSON path, not as
/// "not valid JSON" with a hint about commas.
fn beyond_json_limits(text: &str, what: &str, line: usize, column: usize) -> Option<Problem> {
    let deep = what.starts_with("recursion limit exceeded");
    if !deep && !what.starts_with("number out of range") {
        return None;
    }
    let spot = locate::spot(text, line, column);
    let place = format!("line {line}, column {column}");
    Some(if deep {
        // Deep nesting is almost always a requirement: report it at the requirement.
        match spot.path.find(".requires") {
            Some(i) => Problem {
                path: spot.path[..i + ".requires".len()].to_string(),
                id: None,
                message: format!(
                    "requirements nest at most {} levels deep (the limit), and this one goes \
                     deeper (at {place})",
                    crate::scenario::wire::MAX_REQUIREMENT_DEPTH
                ),
                hint: None,
            },
            None => Problem {
                path: crate::scenario::quoted(&spot.path, 120),
                id: None,
                message: format!(
                    "lists and objects nest more than {JSON_DEPTH} levels deep here (at {place}), \
                     deeper than redsim reads"
                ),
                hint: None,
            },
        }
    } else {
        let shown = spot.number.as_deref().map_or_else(
            || "a number".to_string(),
            |n| format!("the number {}", locate::short_number(n)),
        );
        Problem {
            path: spot.path,
            id: None,
            message: format!(
                "{shown} is out of range (at {place}): numbers must be below about 1.8e308 in size"
            ),
            hint: None,
        }
    })
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
