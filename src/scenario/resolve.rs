//! Validation: from wire types to a [`Model`], collecting every problem.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::wire::{
    Capacity, CommonCauseSpec, ComponentEntry, DelaySpec, DisciplineSpec, DistSpec, FORMAT, LifeFields,
    LinkEntry, RepairPolicySpec, RepairSpec, Requirement, ServiceEntry, SparePoolSpec, Template,
};
use super::{Problem, shown};
use crate::model::{
    CommonCause, CrewPool, Criterion, Discipline, Distribution, Element, ElementId, ElementRole, Expr, Life,
    ModelBuilder, ModelError, ParamError, RepairPolicy, Service, ServiceKind, SparePool,
};
use crate::model::{HOURS_PER_YEAR, Model};

mod groups;
mod locate;

/// Smallest Weibull or gamma shape accepted.
pub const MIN_SHAPE: f64 = 0.05;

/// Shortest mission [h]: one second.
pub const MIN_MISSION: f64 = 1.0 / 3600.0;
/// Longest mission [h]: 1000 years, so that a trial's down time in
/// microseconds always fits in 64 bits.
pub const MAX_MISSION: f64 = 1000.0 * HOURS_PER_YEAR;

/// Longest id [characters], of every kind (components, links, services,
/// groups, pools, shocks, maintenance schedules).
pub const MAX_ID_LEN: usize = 256;
/// Largest `count` on one entry.
pub const MAX_COUNT: u64 = 100_000;
/// Largest number of elements (components plus links, after `count` and
/// glob expansion) in a scenario: 20 times the bundled generator's
/// 20,000-server data centre (about 45,000).
pub const MAX_ELEMENTS: usize = 1_000_000;
/// Largest number of services in a scenario.
pub const MAX_SERVICES: usize = 10_000;

/// Largest total size of all elements' requirement expressions, after glob
/// and `count` expansion (a glob over N ids required by N copies is N² terms).
pub const MAX_REQUIREMENT_TERMS: usize = 5_000_000;

const TOP_KEYS: &[&str] = &[
    "repair",
    "groups",
    "maintenance",
    "spare_pools",
    "common_cause",
    "format",
    "name",
    "description",
    "mission",
    "templates",
    "components",
    "links",
    "services",
];

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    /// The problems in the order found, each once: a problem in a template
    /// is found again for every entry using it.
    fn finish(self) -> Vec<Problem> {
        let mut seen = HashSet::new();
        self.0.into_iter().filter(|p| seen.insert(p.clone())).collect()
    }

    fn add(
        &mut self,
        path: impl Into<String>,
        id: Option<&str>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.0.push(Problem {
            path: path.into(),
            id: id.map(str::to_string),
            message: message.into(),
            hint,
        });
    }
}

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

/// "did you mean `x`?" for the closest candidate to `name`, saying that
/// `what` (keys, ids...) are case-sensitive when only letter case differs.
fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>, what: &str) -> Option<String> {
    suggest(name, candidates).map(|s| {
        if s.eq_ignore_ascii_case(name) {
            format!("{what} are case-sensitive: did you mean `{s}`?")
        } else {
            format!("did you mean `{s}`?")
        }
    })
}

/// Words people use for the same thing as one of the format's values, in
/// the order they are tried: `active-standby` means `active-passive`.
const SYNONYMS: &[(&str, &str)] = &[
    ("standby", "passive"),
    ("backup", "passive"),
    ("secondary", "passive"),
    ("slave", "passive"),
    ("replica", "passive"),
    ("primary", "active"),
    ("master", "active"),
    ("live", "hot"),
    ("idle", "cold"),
    ("offline", "cold"),
    ("online", "hot"),
    ("synchronous", "sync"),
    ("asynchronous", "async"),
    ("fcfs", "fifo"),
    ("first-come", "fifo"),
    ("priorities", "priority"),
    ("prioritized", "priority"),
    ("prioritised", "priority"),
    ("randomly", "random"),
    ("shuffle", "random"),
];

/// Phrases that mean one of the format's values as a whole.
const SYNONYM_PHRASES: &[(&str, &str)] = &[
    ("failover", "active-passive"),
    ("hot-standby", "active-passive"),
    ("cold-standby", "active-passive"),
    ("warm-standby", "active-passive"),
    ("load-balanced", "active-active"),
    ("load-balancing", "active-active"),
    ("parallel", "active-active"),
    ("n+1", "active-active"),
    ("exp", "exponential"),
    ("constant", "fixed"),
    ("deterministic", "fixed"),
    ("log-normal", "lognormal"),
];

/// The allowed value that `name` means, when it is written with other words
/// (`active-standby`, `primary-backup`, `Synchronous`): matched on meaning,
/// not spelling, so that a near-miss in letters does not win over the sense.
fn synonym<'a>(name: &str, expected: &[&'a str]) -> Option<&'a str> {
    let norm = name.trim().to_lowercase().replace(['_', ' '], "-");
    let find = |s: &str| expected.iter().copied().find(|e| *e == s);
    if let Some(&(_, to)) = SYNONYM_PHRASES.iter().find(|(from, _)| *from == norm) {
        return find(to);
    }
    let words: Vec<&str> = norm
        .split('-')
        .map(|w| {
            SYNONYMS
                .iter()
                .find(|(from, _)| *from == w)
                .map_or(w, |&(_, to)| to)
        })
        .collect();
    let mapped = words.join("-");
    if mapped == norm {
        // No word had a synonym: spelling and letter case are for `did_you_mean`.
        return None;
    }
    // `primary-backup` becomes `active-passive`; a lone `standby` becomes `passive`,
    // which names no mode: try the pair form too.
    find(&mapped)
        .or_else(|| find(&format!("active-{mapped}")))
        .filter(|s| *s != name)
}

/// The closest candidate to `name`, when one is close enough to be a likely
/// typo. A candidate equal to `name` but for letter case always wins.
pub(crate) fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let candidates: Vec<&'a str> = candidates.collect();
    if let Some(c) = candidates.iter().find(|c| c.eq_ignore_ascii_case(name)) {
        return Some(c);
    }
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
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
fn take<T: DeserializeOwned>(v: &Value, path: &str, id: Option<&str>, probs: &mut Problems) -> Option<T> {
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
fn take_partial<T: DeserializeOwned>(
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
fn law_unread(unread: &[String]) -> bool {
    const OTHER: [&str; 7] = [
        "id", "kind", "template", "count", "requires", "domains", "between",
    ];
    unread.iter().any(|k| !OTHER.contains(&k.as_str()))
}

/// Drops a law of which a key was left unread (see [`take_partial`]): what
/// was read of it, `{"lognormal": {"sd": "1h"}}` without its bad `mean`,
/// would raise a second problem ("takes mean and sd") that only follows
/// from the first. The law counts as unread (no "half a law" either).
fn forget_partial_laws(
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
            Segment::Map { key } | Segment::Enum { variant: key } => full = super::key_path(&full, key),
            Segment::Unknown => full = super::key_path(&full, "?"),
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

/// What is wrong with `id` as an id, if anything: empty, too long, with
/// white space, `*` (globs), control characters or Unicode non-characters
/// (they would reach terminals, file names and XML), or the group prefix.
fn id_problem(id: &str) -> Option<String> {
    let rule = format!(
        "an id must be non-empty, at most {MAX_ID_LEN} characters, without spaces or `*`, without \
         control characters, and not start with `{}`",
        groups::GROUP_PREFIX
    );
    let n = id.chars().count();
    let what = if id.is_empty() {
        "it is empty".to_string()
    } else if n > MAX_ID_LEN {
        format!("it has {n} characters, more than the limit of {MAX_ID_LEN}")
    } else if let Some(c) = id.chars().find(|&c| crate::model::unprintable(c)) {
        format!("it holds the control or non-character {}", c.escape_unicode())
    } else if id.contains(char::is_whitespace) {
        "it holds white space".to_string()
    } else if is_glob(id) {
        "it holds `*`".to_string()
    } else if id.starts_with(groups::GROUP_PREFIX) {
        format!("it starts with `{}`", groups::GROUP_PREFIX)
    } else {
        return None;
    };
    Some(format!(
        "invalid id \"{}\": {what}; {rule}",
        super::quoted(id, 40)
    ))
}

/// Whether `id` cannot be an id (see [`id_problem`]).
fn bad_id(id: &str) -> bool {
    id_problem(id).is_some()
}

fn bad_id_message(id: &str) -> String {
    id_problem(id).unwrap_or_default()
}

fn is_glob(s: &str) -> bool {
    s.contains('*')
}

/// Matches `*` (any run of characters, possibly empty); every other character is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let Some((first, after)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let (mids, last) = after.rsplit_once('*').map_or(("", after), |(m, l)| (m, l));
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    if after.contains('*') {
        for mid in mids.split('*') {
            match rest.find(mid) {
                Some(i) => rest = &rest[i + mid.len()..],
                None => return false,
            }
        }
    }
    true
}

/// The element table being built: ids in order, and a lookup by id.
#[derive(Default)]
struct Ids {
    ids: Vec<String>,
    /// Where each element was declared (JSON path).
    paths: Vec<String>,
    index: HashMap<String, ElementId>,
    n_components: usize,
    /// Ids of entries that were already reported as invalid and left out.
    /// References to them are not reported again: one mistake, one problem.
    broken: Vec<String>,
    /// The component list itself is missing or unreadable: no reference can be checked.
    unknowable: bool,
    /// Ids given to links, known before the links are read, to explain a
    /// link used where a component is needed.
    link_names: HashSet<String>,
    /// Members of each valid group, by group id.
    groups: BTreeMap<String, Vec<ElementId>>,
    /// The components sorted by id, built when a glob is first resolved:
    /// a glob's matches start with its literal prefix, so a glob is matched
    /// against the ids that share that prefix, not against every id.
    by_id: std::cell::RefCell<Vec<u32>>,
    /// Ids of groups already reported as invalid.
    broken_groups: Vec<String>,
}

/// Why a reference did not resolve.
struct Unresolved {
    message: String,
    hint: Option<String>,
    /// The reference names an entry already reported as invalid; saying so
    /// again would only bury the real problem.
    derived: bool,
}

impl Problems {
    fn unresolved(&mut self, path: impl Into<String>, id: Option<&str>, u: Unresolved) {
        if !u.derived {
            self.add(path, id, u.message, u.hint);
        }
    }
}

impl Ids {
    /// Resolves an id or glob to elements, in declaration order.
    /// `components_only` restricts matches to components.
    fn resolve(&self, r: &str, components_only: bool) -> Result<Vec<ElementId>, Unresolved> {
        let limit = if components_only {
            self.n_components
        } else {
            self.ids.len()
        };
        let fail = |message: String, hint: Option<String>| Unresolved {
            message,
            hint,
            derived: self.unknowable || self.names_broken(r),
        };
        if is_glob(r) {
            // A duplicated id is reported where it is declared; match it once.
            let matching = |range: std::ops::Range<usize>| -> Vec<ElementId> {
                range
                    .filter(|&i| glob_match(r, &self.ids[i]) && self.index.get(&self.ids[i]) == Some(&i))
                    .collect()
            };
            // A glob names components; only when it matches none may it name
            // links. Otherwise `srv-*` would also pick up the default link ids
            // `srv-1--sw`, silently changing an `at_least` count.
            let mut hits = self.matching_components(r);
            if hits.is_empty() {
                hits = matching(self.n_components..limit);
            }
            if hits.is_empty() {
                let what = if components_only {
                    "component"
                } else {
                    "component or link"
                };
                return Err(fail(format!("the glob `{r}` matches no {what}"), None));
            }
            return Ok(hits);
        }
        match self.index.get(r) {
            Some(&i) if i < limit => Ok(vec![i]),
            Some(_) => Err(fail(
                format!("`{r}` is a link; only components can be used here"),
                None,
            )),
            None if components_only && self.link_names.contains(r) => Err(fail(
                format!("`{r}` is a link; only components can be used here"),
                None,
            )),
            None => {
                let hint = if self.groups.contains_key(r) {
                    Some(format!("`{r}` is a group: write `{}{r}`", groups::GROUP_PREFIX))
                } else {
                    did_you_mean(r, self.ids[..limit].iter().map(String::as_str), "ids")
                };
                Err(fail(format!("unknown id `{r}`"), hint))
            }
        }
    }

    /// The components that glob `r` matches, in declaration order (a
    /// duplicated id once, where it was first declared).
    fn matching_components(&self, r: &str) -> Vec<ElementId> {
        let mut by_id = self.by_id.borrow_mut();
        if by_id.len() != self.n_components {
            *by_id = (0..self.n_components as u32).collect();
            by_id.sort_by(|&a, &b| self.ids[a as usize].cmp(&self.ids[b as usize]));
        }
        let prefix = r.split('*').next().unwrap_or("");
        let start = by_id.partition_point(|&i| self.ids[i as usize].as_str() < prefix);
        let mut hits: Vec<ElementId> = by_id[start..]
            .iter()
            .map(|&i| i as usize)
            .take_while(|&i| self.ids[i].starts_with(prefix))
            .filter(|&i| glob_match(r, &self.ids[i]) && self.index.get(&self.ids[i]) == Some(&i))
            .collect();
        hits.sort_unstable();
        hits
    }

    /// Whether `r` (an id or glob) could name an entry that was left out as
    /// invalid, itself or one of its `count` copies.
    fn names_broken(&self, r: &str) -> bool {
        self.broken.iter().any(|b| {
            let copy = r
                .strip_prefix(b.as_str())
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()));
            r == b || copy || (is_glob(r) && (glob_match(r, b) || glob_match(r, &format!("{b}-1"))))
        })
    }
}

/// A component or link entry with its template applied.
struct Entry {
    /// Where it is declared.
    path: String,
    /// Its id as written (for a link without one, `a--b`).
    id: String,
    kind: Option<String>,
    life: LifeFields,
    life_src: LifeSource,
    /// The requirement, the path it was read from, and whether that is the entry's own.
    requires: Option<(Requirement, String, bool)>,
    /// The domains, the path they were read from, and whether that is the entry's own.
    domains: Option<(Vec<String>, String, bool)>,
}

impl Entry {
    fn new(
        path: &str,
        id: &str,
        kind: Option<String>,
        own: LifeFields,
        t: Option<(&str, &Template)>,
    ) -> Self {
        let (life, life_src) = merge_life(own, t, path, id);
        Self {
            path: path.to_string(),
            id: id.to_string(),
            kind: kind.or_else(|| t.and_then(|(_, t)| t.kind.clone())),
            life,
            life_src,
            requires: None,
            domains: None,
        }
    }
}

/// An element to be: one copy of an entry.
struct Pending {
    id: String,
    /// Index of its entry.
    entry: usize,
    role: PendingRole,
}

enum PendingRole {
    Component,
    Link(ElementId, ElementId),
}

/// Merges a template's failure and repair fields under an entry's own: each
/// group (failure: mtbf/afr/failure; repair: mttr/repair) is taken whole from
/// the entry when it sets any field of it, else from the template.
fn merge_life(
    own: LifeFields,
    template: Option<(&str, &Template)>,
    path: &str,
    id: &str,
) -> (LifeFields, LifeSource) {
    let mut src = LifeSource {
        entry: (path.to_string(), id.to_string()),
        failure: path.to_string(),
        repair: path.to_string(),
        unread: false,
    };
    let Some((name, t)) = template else {
        return (own, src);
    };
    let t = t.life();
    let own_failure = own.mtbf.is_some() || own.afr.is_some() || own.failure.is_some();
    let own_repair = own.mttr.is_some() || own.repair.is_some();
    if !own_failure {
        src.failure = super::key_path("templates", name);
    }
    if !own_repair {
        src.repair = super::key_path("templates", name);
    }
    let life = LifeFields {
        mtbf: if own_failure { own.mtbf } else { t.mtbf },
        afr: if own_failure { own.afr } else { t.afr },
        failure: if own_failure { own.failure } else { t.failure },
        mttr: if own_repair { own.mttr } else { t.mttr },
        repair: if own_repair { own.repair } else { t.repair },
        logistics: own.logistics.or(t.logistics),
        repair_priority: own.repair_priority.or(t.repair_priority),
        spares: own.spares.or(t.spares),
        repair_pool: own.repair_pool.or(t.repair_pool),
    };
    (life, src)
}

/// Builds a distribution, reporting bad parameters at the path of the
/// parameter (`...failure.weibull.shape`) with the value given.
fn dist(spec: &DistSpec, path: &str, id: Option<&str>, probs: &mut Problems) -> Option<Distribution> {
    let given = |keys: &[(&str, bool)]| -> String {
        let set: Vec<String> = keys
            .iter()
            .filter(|(_, s)| *s)
            .map(|(k, _)| format!("`{k}`"))
            .collect();
        if set.is_empty() {
            "none of them".into()
        } else {
            set.join(", ")
        }
    };
    // Shapes this small put nearly every draw at practically zero: a trial
    // would need billions of events. Refuse them with a clear message.
    let tiny_shape = match spec {
        DistSpec::Weibull(s) => Some(("weibull", s.shape)),
        DistSpec::Gamma(s) => Some(("gamma", s.shape)),
        _ => None,
    };
    if let Some((family, shape)) = tiny_shape
        && shape.is_finite()
        && shape > 0.0
        && shape < MIN_SHAPE
    {
        probs.add(
            format!("{path}.{family}.shape"),
            id,
            format!("a {family} shape of {shape:e} puts nearly every duration at practically zero, which cannot be simulated"),
            Some(format!("use a shape of at least {MIN_SHAPE}")),
        );
        return None;
    }
    let (res, family) = match spec {
        DistSpec::Exponential(s) => (Distribution::exponential(s.mean.0), "exponential"),
        DistSpec::Weibull(s) => match (s.scale, s.mean) {
            (Some(scale), None) => (Distribution::weibull_scale(s.shape, scale.0), "weibull"),
            (None, Some(mean)) => (Distribution::weibull_mean(s.shape, mean.0), "weibull"),
            (scale, mean) => {
                probs.add(
                    format!("{path}.weibull"),
                    id,
                    format!(
                        "weibull takes `shape` and exactly one of `scale` or `mean` (got {})",
                        given(&[("scale", scale.is_some()), ("mean", mean.is_some())])
                    ),
                    Some("e.g. {\"weibull\": {\"shape\": 1.5, \"mean\": \"30000h\"}}".into()),
                );
                // The shape stands on its own: the clash hides no bad shape.
                if !(s.shape.is_finite() && s.shape > 0.0) {
                    probs.add(
                        format!("{path}.weibull.shape"),
                        id,
                        format!("shape must be finite and greater than 0 (got {})", shown(s.shape)),
                        None,
                    );
                }
                return None;
            }
        },
        DistSpec::Lognormal(s) => match (s.mean, s.sd, s.median, s.sigma) {
            (Some(m), Some(sd), None, None) => (Distribution::lognormal_mean_sd(m.0, sd.0), "lognormal"),
            (None, None, Some(md), Some(sg)) => (Distribution::lognormal_median_sigma(md.0, sg), "lognormal"),
            (mean, sd, median, sigma) => {
                probs.add(
                    format!("{path}.lognormal"),
                    id,
                    format!(
                        "lognormal takes either `mean` and `sd`, or `median` and `sigma` (got {})",
                        given(&[
                            ("mean", mean.is_some()),
                            ("sd", sd.is_some()),
                            ("median", median.is_some()),
                            ("sigma", sigma.is_some()),
                        ])
                    ),
                    Some("e.g. {\"lognormal\": {\"mean\": \"12h\", \"sd\": \"6h\"}}".into()),
                );
                return None;
            }
        },
        DistSpec::Gamma(s) => (Distribution::gamma_mean(s.shape, s.mean.0), "gamma"),
        DistSpec::Uniform(s) => (Distribution::uniform(s.min.0, s.max.0), "uniform"),
        DistSpec::Fixed(d) => (Distribution::fixed(d.0), "fixed"),
    };
    let at = format!("{path}.{family}");
    // Parameters that are durations get their unit in messages; `shape` and `sigma` have none.
    let unit = |name: &str| {
        if matches!(name, "shape" | "sigma") {
            ""
        } else {
            " h"
        }
    };
    match res {
        Ok(d) if d.mean() > 0.0 && d.mean().is_finite() => Some(d),
        Ok(d) if family == "fixed" => {
            probs.add(
                at,
                id,
                format!(
                    "a fixed duration must be greater than 0 (got {} h)",
                    shown(d.mean())
                ),
                None,
            );
            None
        }
        Ok(d) => {
            probs.add(
                at,
                id,
                format!(
                    "the mean duration must be finite and greater than 0 (got {} h)",
                    d.mean()
                ),
                Some("check the shape and spread parameters".into()),
            );
            None
        }
        // The scale is derived from `shape` and `mean`: only an extreme shape makes it 0.
        Err(ParamError::NotPositive { name: "scale", value }) if matches!(spec, DistSpec::Weibull(w) if w.mean.is_some()) =>
        {
            probs.add(
                format!("{at}.shape"),
                id,
                format!(
                    "this shape gives a Weibull scale of {} h, which cannot be simulated",
                    shown(value)
                ),
                Some("use a shape of at least 0.05 or so".into()),
            );
            None
        }
        // A gamma's scale (`mean / shape`) or a lognormal's sigma from `mean`
        // and `sd` is derived: only values far apart make it 0 or infinite.
        Err(ParamError::NotPositive { name, value })
            if matches!(
                (spec, name),
                (DistSpec::Gamma(_), "scale") | (DistSpec::Lognormal(_), "sigma")
            ) && !matches!(spec, DistSpec::Lognormal(l) if l.sigma.is_some()) =>
        {
            probs.add(
                at,
                id,
                format!(
                    "these parameters give a {family} {name} of {}, which cannot be simulated",
                    shown(value)
                ),
                Some("check the shape and spread parameters: they are too far apart".into()),
            );
            None
        }
        Err(ref e @ (ParamError::NotPositive { name, value } | ParamError::Negative { name, value })) => {
            let sub = if family == "fixed" {
                at
            } else {
                format!("{at}.{name}")
            };
            let bound = match e {
                ParamError::NotPositive { .. } => "greater than 0",
                _ => "at least 0",
            };
            probs.add(
                sub,
                id,
                format!(
                    "{name} must be finite and {bound} (got {}{})",
                    shown(value),
                    unit(name)
                ),
                None,
            );
            None
        }
        // Only a lognormal's `mu` can be infinite without being negative; the file gives none.
        Err(e @ ParamError::NotFinite { .. }) => {
            probs.add(at, id, e.to_string(), None);
            None
        }
        Err(ParamError::EmptyRange { min, max }) => {
            probs.add(
                at,
                id,
                format!("min ({min} h) must be smaller than max ({max} h)"),
                Some("for a constant duration use {\"fixed\": DURATION}".into()),
            );
            None
        }
    }
}

/// Where an entry's failure and repair fields come from: the entry itself or
/// its template. Problems with a template's values are reported at the
/// template, once, and not against every entry using it.
struct LifeSource {
    /// The entry: its path and id.
    entry: (String, String),
    /// Path of the failure fields (`mtbf`, `afr`, `failure`).
    failure: String,
    /// Path of the repair fields (`mttr`, `repair`).
    repair: String,
    /// Some of the law could not be read (a bad field, an unknown
    /// template): that a part of it is absent is not reported again.
    unread: bool,
}

impl LifeSource {
    /// The id to report with a problem found in fields at `path`: none for a template's.
    fn id_at(&self, path: &str) -> Option<&str> {
        (path == self.entry.0).then_some(self.entry.1.as_str())
    }
}

/// A positive mean [h] for the shorthand fields, or a problem at `path`.
fn mean_hours(
    h: f64,
    name: &str,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Distribution> {
    let d = Distribution::exponential(h).ok();
    if d.is_none() {
        probs.add(
            format!("{path}.{name}"),
            id,
            format!("{name} must be greater than 0 (got {} h)", shown(h)),
            None,
        );
    }
    d
}

/// The failure law from its three ways of being written (at most one):
/// `Ok(None)` when none is given, `Err(())` after reporting a problem at `fp`.
fn failure_law(
    mtbf: Option<super::units::Duration>,
    afr: Option<super::units::Fraction>,
    failure: Option<&DistSpec>,
    fp: &str,
    fid: Option<&str>,
    probs: &mut Problems,
) -> Result<Option<Distribution>, ()> {
    let set: Vec<&str> = [
        ("mtbf", mtbf.is_some()),
        ("afr", afr.is_some()),
        ("failure", failure.is_some()),
    ]
    .iter()
    .filter(|(_, s)| *s)
    .map(|(n, _)| *n)
    .collect();
    if set.len() > 1 {
        probs.add(
            fp,
            fid,
            format!(
                "give only one of {} (each sets the failure law)",
                set.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("an afr is converted to an mtbf: keep whichever you trust".into()),
        );
        Err(())
    } else if let Some(m) = mtbf {
        mean_hours(m.0, "mtbf", fp, fid, probs).map(Some).ok_or(())
    } else if let Some(a) = afr {
        // AFR = 1 - exp(-1 y / MTBF); ln_1p keeps tiny rates from rounding to "never fails".
        let mtbf = -HOURS_PER_YEAR / (-a.0).ln_1p();
        match Distribution::exponential(mtbf) {
            Ok(d) => Ok(Some(d)),
            Err(_) => {
                probs.add(
                    format!("{fp}.afr"),
                    fid,
                    format!(
                        "afr {} is too small to simulate (an mtbf of {} h)",
                        shown(a.0),
                        shown(mtbf)
                    ),
                    Some("leave out the failure law for an element that never fails".into()),
                );
                Err(())
            }
        }
    } else if let Some(spec) = failure {
        dist(spec, &format!("{fp}.failure"), fid, probs)
            .map(Some)
            .ok_or(())
    } else {
        Ok(None)
    }
}

/// Builds the failure/repair law from the merged fields. `Some(None)`: never fails.
/// The spare pools and crew pools by id, and the ids of pools already reported as invalid.
struct Pools {
    index: HashMap<String, usize>,
    /// A reference to one of these is not reported again: one mistake, one problem.
    broken: HashSet<String>,
    /// The crew pools of `repair.pools`, by name.
    crews: BTreeMap<String, usize>,
    /// Crew pools reported as invalid (not reported again where named);
    /// `*` (which no pool name holds): `repair.pools` could not be read as a
    /// whole, so no name is reported as unknown.
    broken_crews: HashSet<String>,
}

fn life(f: &LifeFields, src: &LifeSource, pools: &Pools, probs: &mut Problems) -> Option<Option<Life>> {
    let (fp, rp) = (src.failure.as_str(), src.repair.as_str());
    let (fid, rid) = (src.id_at(fp), src.id_at(rp));
    let failure = failure_law(f.mtbf, f.afr, f.failure.as_ref(), fp, fid, probs);
    let repair = if f.mttr.is_some() && f.repair.is_some() {
        probs.add(
            rp,
            rid,
            "give only one of `mttr` and `repair` (each sets the repair law)",
            None,
        );
        Err(())
    } else if let Some(m) = f.mttr {
        mean_hours(m.0, "mttr", rp, rid, probs)
            .map(|d| Some(Some(d)))
            .ok_or(())
    } else {
        match &f.repair {
            Some(RepairSpec::Never) => Ok(Some(None)),
            Some(RepairSpec::Dist(spec)) => dist(spec, &format!("{rp}.repair"), rid, probs)
                .map(|d| Some(Some(d)))
                .ok_or(()),
            None => Ok(None),
        }
    };
    // Logistics and priority are reported at the entry (they may come from its template).
    let (path, id) = (&src.entry.0, Some(src.entry.1.as_str()));
    let logistics = match &f.logistics {
        None => Ok(None),
        Some(DelaySpec::Fixed(d)) => Ok(Some(
            Distribution::fixed(d.0).expect("durations are finite and not negative"),
        )),
        Some(DelaySpec::Dist(spec)) => dist(spec, &format!("{path}.logistics"), id, probs)
            .map(Some)
            .ok_or(()),
    };
    let spare_pool = match &f.spares {
        None => Ok(None),
        Some(r) => match pools.index.get(&r.pool) {
            Some(&i) => Ok(Some(i)),
            None if pools.broken.contains(&r.pool) => Err(()),
            None => {
                let hint = did_you_mean(&r.pool, pools.index.keys().map(String::as_str), "ids");
                probs.add(
                    format!("{path}.spares.pool"),
                    id,
                    format!("unknown spare pool `{}`", r.pool),
                    hint.or_else(|| Some("declare it in `spare_pools`".into())),
                );
                Err(())
            }
        },
    };
    let crew_pool = match &f.repair_pool {
        None => Ok(None),
        Some(name) => match pools.crews.get(name) {
            Some(&i) => Ok(Some(i)),
            None if pools.broken_crews.contains(name) || pools.broken_crews.contains("*") => Err(()),
            None => {
                // Every declared pool, the invalid ones too (reported where declared).
                let mut declared: Vec<&str> = pools
                    .crews
                    .keys()
                    .chain(pools.broken_crews.iter().filter(|k| *k != "*"))
                    .map(String::as_str)
                    .collect();
                declared.sort_unstable();
                let hint = did_you_mean(name, declared.iter().copied(), "pool names");
                let listed = if declared.is_empty() {
                    "the scenario declares none".to_string()
                } else {
                    let names: Vec<String> = declared.iter().map(|k| format!("`{k}`")).collect();
                    format!("the pools are {}", names.join(", "))
                };
                probs.add(
                    format!("{path}.repair_pool"),
                    id,
                    format!("unknown crew pool `{name}`: {listed}"),
                    hint.or_else(|| {
                        Some(format!(
                            "declare it in `repair.pools` (e.g. \"repair\": {{\"pools\": {{\"{name}\": {{\"crews\": 1}}}}}}), or leave `repair_pool` out for the scenario-wide crews"
                        ))
                    }),
                );
                Err(())
            }
        },
    };
    let (Ok(failure), Ok(repair), Ok(logistics), Ok(spare_pool), Ok(crew_pool)) =
        (failure, repair, logistics, spare_pool, crew_pool)
    else {
        return None;
    };
    match (failure, repair) {
        (None, None) if f.repair_pool.is_some() && !src.unread => {
            probs.add(
                format!("{path}.repair_pool"),
                id,
                "has a `repair_pool` but never fails (no failure law), so no crew ever repairs it",
                Some("leave `repair_pool` out, or give it a failure and repair law".into()),
            );
            None
        }
        (None, None) => Some(None),
        (Some(failure), Some(repair)) => Some(Some(Life {
            logistics,
            priority: f.repair_priority.unwrap_or(0),
            spare_pool,
            crew_pool,
            ..Life::new(failure, repair)
        })),
        (Some(_), None) | (None, Some(_)) if src.unread => None,
        (Some(_), None) => {
            probs.add(
                path,
                id,
                format!(
                    "has a failure law (`{}`) but no repair law",
                    if f.mtbf.is_some() {
                        "mtbf"
                    } else if f.afr.is_some() {
                        "afr"
                    } else {
                        "failure"
                    }
                ),
                Some("add `mttr`, a `repair` distribution, or \"repair\": \"never\"".into()),
            );
            None
        }
        (None, Some(_)) => {
            let given = if f.mttr.is_some() { "mttr" } else { "repair" };
            probs.add(
                path,
                id,
                format!("has a repair law (`{given}`) but no failure law, so it would never fail"),
                Some("add `mtbf`, `afr` or a `failure` distribution, or drop the repair".into()),
            );
            None
        }
    }
}

/// A group named in a requirement: functional while any member carries traffic.
fn group_expr(ids: &Ids, r: &str) -> Result<Expr, Unresolved> {
    let members = groups::group_ref(ids, r).expect("called with a group reference")?;
    Ok(match members.as_slice() {
        [m] => Expr::Elem(*m),
        _ => Expr::Any(members.into_iter().map(Expr::Elem).collect()),
    })
}

/// Resolves a requirement expression to element ids. Globs inside a list
/// become one operand per match; a glob standing alone means all matches.
fn requirement(
    r: &Requirement,
    ids: &Ids,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Expr> {
    fn operands(
        xs: &[Requirement],
        ids: &Ids,
        path: &str,
        id: Option<&str>,
        probs: &mut Problems,
    ) -> Option<Vec<Expr>> {
        let mut out = Vec::new();
        let mut ok = true;
        // Where each element was named in this list: naming one twice would
        // count it twice towards an `at_least`.
        let mut named: HashMap<ElementId, usize> = HashMap::new();
        let is_group =
            |k: usize| matches!(&xs[k], Requirement::Ref(r) if r.starts_with(groups::GROUP_PREFIX));
        let twice = |probs: &mut Problems, p: &str, h: ElementId, first: usize, at: usize| {
            let (how, hint) = if is_group(first) || is_group(at) {
                (
                    ", directly or as a group member",
                    "name a group's members through the group only",
                )
            } else {
                (
                    "",
                    "name each element once; a glob counts every element it matches",
                )
            };
            probs.add(
                p,
                id,
                format!(
                    "`{}` is named twice in this list{how} (also at {path}[{first}])",
                    ids.ids[h]
                ),
                Some(hint.into()),
            );
        };
        for (i, x) in xs.iter().enumerate() {
            let p = format!("{path}[{i}]");
            match x {
                Requirement::Ref(r) if r.starts_with(groups::GROUP_PREFIX) => match group_expr(ids, r) {
                    Ok(e) => {
                        // A member also named on its own would count twice, like a repeated id.
                        let mut members = Vec::new();
                        e.elements(&mut members);
                        for h in members {
                            if let Some(first) = named.insert(h, i) {
                                twice(probs, &p, h, first, i);
                                ok = false;
                            }
                        }
                        out.push(e);
                    }
                    Err(u) => {
                        probs.unresolved(p, id, u);
                        ok = false;
                    }
                },
                Requirement::Ref(r) => match ids.resolve(r, false) {
                    Ok(hits) => {
                        for h in hits {
                            if let Some(first) = named.insert(h, i) {
                                twice(probs, &p, h, first, i);
                                ok = false;
                            }
                            out.push(Expr::Elem(h));
                        }
                    }
                    Err(u) => {
                        probs.unresolved(p, id, u);
                        ok = false;
                    }
                },
                other => match requirement(other, ids, &p, id, probs) {
                    Some(e) => out.push(e),
                    None => ok = false,
                },
            }
        }
        ok.then_some(out)
    }
    match r {
        Requirement::Ref(r) if r.starts_with(groups::GROUP_PREFIX) => match group_expr(ids, r) {
            Ok(e) => Some(e),
            Err(u) => {
                probs.unresolved(path, id, u);
                None
            }
        },
        Requirement::Ref(r) => match ids.resolve(r, false) {
            Ok(hits) if hits.len() == 1 => Some(Expr::Elem(hits[0])),
            Ok(hits) => Some(Expr::All(hits.into_iter().map(Expr::Elem).collect())),
            Err(u) => {
                probs.unresolved(path, id, u);
                None
            }
        },
        Requirement::All(xs) => operands(xs, ids, &format!("{path}.all"), id, probs).map(Expr::All),
        Requirement::Any(xs) => operands(xs, ids, &format!("{path}.any"), id, probs).map(Expr::Any),
        Requirement::AtLeast(k, xs) => {
            let ops = operands(xs, ids, &format!("{path}.of"), id, probs)?;
            let n = ops.len();
            if *k == 0 || *k > n as u64 {
                let globs = if xs.iter().any(|x| matches!(x, Requirement::Ref(r) if is_glob(r))) {
                    " (after expanding globs)"
                } else {
                    ""
                };
                probs.add(
                    format!("{path}.at_least"),
                    id,
                    format!("at_least is {k} but `of` has {n} operand(s){globs}"),
                    Some(format!("use a number from 1 to {n}")),
                );
                return None;
            }
            Some(Expr::AtLeast(*k as usize, ops))
        }
    }
}

/// Entries of a top-level list, each with its path and (when readable) its id.
fn entries<'a>(
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

fn id_of(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

/// Reads JSON text with every check `resolve` makes on the syntax: no
/// repeated keys, limits on nesting and numbers told at their path.
///
/// # Errors
/// The one problem that stops the reading.
pub fn read_json(text: &str) -> Result<Value, Problem> {
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

pub fn resolve(text: &str) -> Result<Model, Vec<Problem>> {
    let mut probs = Problems::default();
    if text.trim().is_empty() {
        probs.add(
            "",
            None,
            "the file is empty",
            Some(format!(
                "a scenario is a JSON object: {{\"format\": \"{FORMAT}\", \"name\": ..., ...}}"
            )),
        );
        return Err(probs.finish());
    }
    let root = match read_json(text) {
        Ok(v) => v,
        Err(p) => {
            probs.0.push(p);
            return Err(probs.finish());
        }
    };
    let Some(top) = root.as_object() else {
        let got = match &root {
            Value::Array(_) => "a list",
            Value::String(_) => "a string",
            Value::Number(_) => "a number",
            Value::Bool(_) => "a boolean",
            Value::Null => "null",
            Value::Object(_) => "an object",
        };
        probs.add(
            "",
            None,
            format!("the scenario must be a JSON object, not {got}"),
            Some(format!(
                "start from {{\"format\": \"{FORMAT}\", \"name\": ..., ...}}"
            )),
        );
        return Err(probs.finish());
    };

    for k in top.keys() {
        if !TOP_KEYS.contains(&k.as_str()) {
            let hint = did_you_mean(k, TOP_KEYS.iter().copied(), "keys");
            probs.add(super::key_path("", k), None, format!("unknown key `{k}`"), hint);
        }
    }
    match top.get("format").map(|v| (v, v.as_str())) {
        None => probs.add(
            "format",
            None,
            "missing `format`",
            Some(format!("add \"format\": \"{FORMAT}\"")),
        ),
        Some((_, Some(FORMAT))) => {}
        Some((v, _)) => probs.add(
            "format",
            None,
            format!("unknown format version {v}"),
            Some(format!("this redsim reads \"{FORMAT}\"")),
        ),
    }
    let name = match top.get("name") {
        Some(Value::String(s)) if s.trim().is_empty() => {
            probs.add(
                "name",
                None,
                "`name` is empty",
                Some("give the scenario a short title".into()),
            );
            String::new()
        }
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            probs.add("name", None, "`name` must be a string", None);
            String::new()
        }
        None => {
            probs.add(
                "name",
                None,
                "missing `name`",
                Some("add \"name\": \"a short title\"".into()),
            );
            String::new()
        }
    };
    // `null` means absent, as it does inside entries.
    let description = top
        .get("description")
        .filter(|v| !v.is_null())
        .and_then(|v| take::<String>(v, "description", None, &mut probs));
    let mission = match top.get("mission").filter(|v| !v.is_null()) {
        None => HOURS_PER_YEAR,
        Some(v) => match take::<super::units::Duration>(v, "mission", None, &mut probs) {
            Some(d) if (MIN_MISSION..=MAX_MISSION).contains(&d.0) => d.0,
            Some(d) => {
                probs.add(
                    "mission",
                    None,
                    format!("mission must be between 1 s and 1000 y (got {} h)", shown(d.0)),
                    Some("a trial is one mission; run more trials rather than one longer mission".into()),
                );
                HOURS_PER_YEAR
            }
            None => HOURS_PER_YEAR,
        },
    };

    let (spare_pools, broken_pools) = spare_pools(top, &mut probs);
    let pools = Pools {
        index: spare_pools
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect(),
        broken: broken_pools,
        crews: BTreeMap::new(),
        broken_crews: HashSet::new(),
    };
    let (repair, crew_pools) = repair_policy(top, &mut probs);
    let pools = Pools {
        crews: crew_pools.0,
        broken_crews: crew_pools.1,
        ..pools
    };

    let mut templates: BTreeMap<String, Template> = BTreeMap::new();
    // Templates already reported as invalid: entries naming them are left out quietly.
    let mut broken_templates: HashSet<String> = HashSet::new();
    match top.get("templates") {
        None => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                match take::<Template>(v, &super::key_path("templates", k), None, &mut probs) {
                    Some(t) => {
                        templates.insert(k.clone(), t);
                    }
                    None => {
                        broken_templates.insert(k.clone());
                    }
                }
            }
        }
        Some(_) => probs.add(
            "templates",
            None,
            "`templates` must be an object of named templates",
            Some("e.g. \"templates\": {\"switch\": {\"mtbf\": \"150000h\", \"mttr\": \"6h\"}}".into()),
        ),
    }
    let template = |name: &Option<String>,
                    path: &str,
                    id: &str,
                    probs: &mut Problems|
     -> Result<Option<(String, Template)>, ()> {
        let Some(n) = name else { return Ok(None) };
        if let Some(t) = templates.get(n) {
            return Ok(Some((n.clone(), t.clone())));
        }
        if !broken_templates.contains(n) {
            let hint = did_you_mean(n, templates.keys().map(String::as_str), "template names");
            probs.add(
                format!("{path}.template"),
                Some(id),
                format!("unknown template `{n}`"),
                hint,
            );
        }
        Err(())
    };

    // Components, with templates and counts expanded.
    let mut entries_: Vec<Entry> = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let mut ids = Ids::default();
    match top.get("components") {
        None => {
            probs.add(
                "components",
                None,
                "missing `components`",
                Some("list at least one component".into()),
            );
            ids.unknowable = true;
        }
        Some(Value::Array(a)) if a.is_empty() => {
            probs.add(
                "components",
                None,
                "`components` is empty",
                Some("list at least one component".into()),
            );
            ids.unknowable = true;
        }
        Some(Value::Array(_)) => {}
        Some(_) => ids.unknowable = true,
    }
    for (path, v) in entries(top, "components", &mut probs) {
        let Some((mut c, unread)) = take_partial::<ComponentEntry>(v, &path, id_of(v), &mut probs) else {
            // A bare string was most likely meant as the id.
            ids.broken.extend(id_of(v).or(v.as_str()).map(str::to_string));
            continue;
        };
        forget_partial_laws(&unread, &mut c.failure, &mut c.repair, &mut c.logistics);
        let template_known = template(&c.template, &path, &c.id, &mut probs);
        // An entry whose id, count, template or any field is wrong makes no
        // element, but what it does hold is still checked below.
        let mut copies = unread.is_empty() && template_known.is_ok();
        let t = template_known.unwrap_or(None);
        if bad_id(&c.id) {
            probs.add(format!("{path}.id"), Some(&c.id), bad_id_message(&c.id), None);
            copies = false;
        }
        let count = c.count.unwrap_or(1);
        if count == 0 || count > MAX_COUNT {
            probs.add(
                format!("{path}.count"),
                Some(&c.id),
                format!("count {count} is out of range (from 1 to {MAX_COUNT}, the limit)"),
                Some(format!(
                    "use a count from 1 to {MAX_COUNT}, or leave `count` out for a single component"
                )),
            );
            copies = false;
        }
        if !copies {
            ids.broken.push(c.id.clone());
        }
        // `count` is at most MAX_COUNT here, so this bounds the allocation below.
        if copies && pending.len() + count as usize > MAX_ELEMENTS {
            probs.add(
                format!("{path}.count"),
                Some(&c.id),
                format!("the scenario would have more than {MAX_ELEMENTS} components and links (the limit)"),
                Some("model a representative slice, or fewer, larger components".into()),
            );
            return Err(probs.finish());
        }
        let t = t.as_ref().map(|(n, t)| (n.as_str(), t));
        let mut entry = Entry::new(&path, &c.id, c.kind.clone(), c.life(), t);
        entry.life_src.unread = (c.template.is_some() && t.is_none()) || law_unread(&unread);
        let entry = Entry {
            requires: c
                .requires
                .clone()
                .map(|r| (r, format!("{path}.requires"), true))
                .or_else(|| {
                    t.and_then(|(n, t)| {
                        t.requires
                            .clone()
                            .map(|r| (r, format!("{}.requires", super::key_path("templates", n)), false))
                    })
                }),
            domains: c
                .domains
                .clone()
                .map(|d| (d, format!("{path}.domains"), true))
                .or_else(|| {
                    t.and_then(|(n, t)| {
                        t.domains
                            .clone()
                            .map(|d| (d, format!("{}.domains", super::key_path("templates", n)), false))
                    })
                }),
            ..entry
        };
        let k = entries_.len();
        entries_.push(entry);
        if !copies {
            continue;
        }
        if c.count.is_some() {
            pending.extend((1..=count).map(|i| Pending {
                id: format!("{}-{i}", c.id),
                entry: k,
                role: PendingRole::Component,
            }));
        } else {
            pending.push(Pending {
                id: c.id.clone(),
                entry: k,
                role: PendingRole::Component,
            });
        }
    }

    // `made`: how the entry made this id, when it is not the id as written.
    let register = |ids: &mut Ids, id: &str, path: &str, made: Option<&str>, probs: &mut Problems| {
        if let Some(&first) = ids.index.get(id) {
            let (made, hint) = match made {
                Some(how) => (
                    format!(", made by {how}"),
                    "copies are named id-1, id-2, ...: rename this entry or the other one",
                ),
                None => (String::new(), "every component and link needs its own id"),
            };
            probs.add(
                path,
                Some(id),
                format!(
                    "duplicate id `{id}`{made} (first declared at {})",
                    ids.paths[first]
                ),
                Some(hint.into()),
            );
        } else {
            ids.index.insert(id.to_string(), ids.ids.len());
        }
        ids.ids.push(id.to_string());
        ids.paths.push(path.to_string());
    };
    for p in &pending {
        let e = &entries_[p.entry];
        let made = (p.id != e.id).then_some("this entry's `count`");
        register(&mut ids, &p.id, &e.path, made, &mut probs);
    }
    if let Some(Value::Array(links)) = top.get("links") {
        ids.link_names = links.iter().filter_map(id_of).map(str::to_string).collect();
    }
    ids.n_components = ids.ids.len();

    // Links: globs in `between` expand to every pair.
    for (path, v) in entries(top, "links", &mut probs) {
        let Some((mut l, unread)) = take_partial::<LinkEntry>(v, &path, id_of(v), &mut probs) else {
            ids.broken.extend(id_of(v).map(str::to_string));
            continue;
        };
        forget_partial_laws(&unread, &mut l.failure, &mut l.repair, &mut l.logistics);
        let label = l.id.clone().unwrap_or_else(|| l.between.join("--"));
        let template_known = template(&l.template, &path, &label, &mut probs);
        // An entry with a bad field or an unknown template makes no link,
        // but its ends and its law are still checked.
        let whole = unread.is_empty() && template_known.is_ok();
        let t = template_known.unwrap_or(None);
        if let Some(id) = &l.id
            && bad_id(id)
        {
            probs.add(format!("{path}.id"), Some(id), bad_id_message(id), None);
            ids.broken.push(label);
            continue;
        }
        if let Some((n, t)) = &t
            && (t.requires.is_some() || t.domains.is_some())
        {
            probs.add(
                format!("{path}.template"),
                Some(&label),
                format!("template `{n}` sets `requires` or `domains`, which links cannot have"),
                Some("give links a template of their own".into()),
            );
            ids.broken.push(label);
            continue;
        }
        if l.between.len() != 2 {
            probs.add(
                format!("{path}.between"),
                Some(&label),
                format!("`between` needs exactly two ends (got {})", l.between.len()),
                Some("e.g. \"between\": [\"acc-a\", \"srv\"]".into()),
            );
            ids.broken.push(label);
            continue;
        }
        let mut ends = Vec::new();
        for (i, r) in l.between.iter().enumerate() {
            match ids.resolve(r, true) {
                Ok(h) => ends.push(h),
                Err(u) => probs.unresolved(format!("{path}.between[{i}]"), Some(&label), u),
            }
        }
        if ends.len() != 2 {
            ids.broken.push(label);
            continue;
        }
        if !whole {
            let t = t.as_ref().map(|(n, t)| (n.as_str(), t));
            let mut entry = Entry::new(&path, &label, l.kind.clone(), l.life(), t);
            entry.life_src.unread = (l.template.is_some() && t.is_none()) || law_unread(&unread);
            entries_.push(entry);
            ids.broken.push(label);
            continue;
        }
        // Count the distinct pairs before making them: two large globs can ask for billions.
        let shared = {
            let a: HashSet<ElementId> = ends[0].iter().copied().collect();
            ends[1].iter().filter(|b| a.contains(b)).count() as u128
        };
        let n_pairs =
            ends[0].len() as u128 * ends[1].len() as u128 - shared - shared * shared.saturating_sub(1) / 2;
        if n_pairs == 0 {
            probs.add(
                format!("{path}.between"),
                Some(&label),
                format!(
                    "a link cannot connect a component to itself (`{}` and `{}`)",
                    l.between[0], l.between[1]
                ),
                None,
            );
            ids.broken.push(label);
            continue;
        }
        if pending.len() as u128 + n_pairs > MAX_ELEMENTS as u128 {
            probs.add(
                format!("{path}.between"),
                Some(&label),
                format!(
                    "this entry makes {n_pairs} links: the scenario would have more than {MAX_ELEMENTS} \
                     components and links (the limit)"
                ),
                Some("narrow the globs in `between`".into()),
            );
            return Err(probs.finish());
        }
        let mut pairs = Vec::new();
        let mut seen = HashSet::new();
        for &a in &ends[0] {
            for &b in &ends[1] {
                if a != b && seen.insert((a.min(b), a.max(b))) {
                    pairs.push((a, b));
                }
            }
        }
        let t = t.as_ref().map(|(n, t)| (n.as_str(), t));
        let k = entries_.len();
        entries_.push(Entry::new(&path, &label, l.kind.clone(), l.life(), t));
        let many = pairs.len() > 1;
        for (i, (a, b)) in pairs.into_iter().enumerate() {
            let id = match (&l.id, many) {
                (Some(id), false) => id.clone(),
                (Some(id), true) => format!("{id}-{}", i + 1),
                (None, _) => format!("{}--{}", ids.ids[a], ids.ids[b]),
            };
            let made = many.then_some("the globs in `between`");
            register(&mut ids, &id, &path, made, &mut probs);
            pending.push(Pending {
                id,
                entry: k,
                role: PendingRole::Link(a, b),
            });
        }
    }

    let groups = groups::groups(top, &mut ids, &mut probs);

    // Failure laws and requirements: once per entry (count copies share them), then per element.
    let mut elements = Vec::with_capacity(pending.len());
    let mut terms = 0usize;
    let mut next = 0;
    for (k, e) in entries_.iter().enumerate() {
        let law = life(&e.life, &e.life_src, &pools, &mut probs).flatten();
        let mut reqs = Vec::new();
        if let Some((r, path, own)) = &e.requires {
            let id = own.then_some(e.id.as_str());
            reqs.extend(requirement(r, &ids, path, id, &mut probs));
        }
        if let Some((domains, path, own)) = &e.domains {
            let id = own.then_some(e.id.as_str());
            for (i, d) in domains.iter().enumerate() {
                match ids.resolve(d, false) {
                    Ok(h) => reqs.extend(h.into_iter().map(Expr::Elem)),
                    Err(u) => probs.unresolved(format!("{path}[{i}]"), id, u),
                }
            }
        }
        let requires = match reqs.len() {
            0 => None,
            1 => reqs.pop(),
            _ => Some(Expr::All(reqs)),
        };
        let size = requires.as_ref().map_or(0, expr_size);
        while next < pending.len() && pending[next].entry == k {
            let p = &pending[next];
            next += 1;
            terms = terms.saturating_add(size);
            if terms > MAX_REQUIREMENT_TERMS {
                probs.add(
                    format!("{}.requires", e.path),
                    Some(&e.id),
                    format!(
                        "requirements would have more than {MAX_REQUIREMENT_TERMS} terms in all \
                         ({size} for each copy of this entry)"
                    ),
                    Some(
                        "require a few shared components (a rack, a feed) rather than globs over many".into(),
                    ),
                );
                return Err(probs.finish());
            }
            let role = match p.role {
                PendingRole::Component => ElementRole::Component,
                PendingRole::Link(a, b) => ElementRole::Link { a, b },
            };
            elements.push(Element {
                id: p.id.clone(),
                kind: e.kind.clone(),
                role,
                life: law.clone(),
                requires: requires.clone(),
            });
        }
    }
    // Checked here rather than left to the model builder, so that a cycle is
    // listed together with every other problem.
    if let Err(ModelError::Cycle(cycle)) = crate::model::topo_order(&elements) {
        let first = ids.index.get(&cycle[0]).copied().unwrap_or(0);
        let e = pending.get(first).map(|p| &entries_[p.entry]);
        let path = e
            .and_then(|e| {
                let r = e.requires.as_ref().map(|(_, p, _)| p);
                r.or(e.domains.as_ref().map(|(_, p, _)| p))
            })
            .or_else(|| ids.paths.get(first))
            .cloned()
            .unwrap_or_default();
        probs.add(
            path,
            Some(&cycle[0]),
            format!("requirements form a cycle: {}", cycle.join(" -> ")),
            Some(
                "a component cannot require itself, even indirectly: break one of these requirements".into(),
            ),
        );
    }

    let common_cause = common_causes(top, &ids, &elements, &mut probs);
    let maintenance = groups::maintenance(top, &ids, mission, &mut probs);
    // Pools key random streams by id too: no sharing an id with an element or a shock.
    for (i, pool) in spare_pools.iter().enumerate() {
        if ids.index.contains_key(&pool.id) || common_cause.iter().any(|c| c.id == pool.id) {
            probs.add(
                format!("spare_pools[{i}].id"),
                Some(&pool.id),
                format!("`{}` is already the id of an element or a shock", pool.id),
                Some("give the pool an id of its own".into()),
            );
        }
    }

    let mut services = Vec::new();
    let mut service_ids: HashMap<String, String> = HashMap::new();
    if !top.contains_key("services") {
        probs.add(
            "services",
            None,
            "missing `services`",
            Some("add at least one service to measure".into()),
        );
    }
    // The topology with everything up, to find targets no path leads to.
    // Only checked when everything so far is sound: a broken link entry would
    // otherwise cut off targets that the file does connect.
    let topology_sound = probs.0.is_empty();
    let mut neighbours: Vec<Vec<ElementId>> = vec![Vec::new(); ids.n_components];
    for p in &pending {
        if let PendingRole::Link(a, b) = p.role {
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
    }
    let mut service_entries = entries(top, "services", &mut probs);
    if service_entries.len() > MAX_SERVICES {
        probs.add(
            "services",
            None,
            format!(
                "{} services, more than the limit of {MAX_SERVICES}",
                service_entries.len()
            ),
            Some("measure fewer services per scenario, or split the scenario".into()),
        );
        service_entries.clear();
    }
    for (path, v) in service_entries {
        let Some((s, unread)) = take_partial::<ServiceEntry>(v, &path, id_of(v), &mut probs) else {
            continue;
        };
        let unread_key = |k: &str| unread.iter().any(|u| u == k);
        if bad_id(&s.id) {
            probs.add(format!("{path}.id"), Some(&s.id), bad_id_message(&s.id), None);
            continue;
        }
        if let Some(first) = service_ids.get(&s.id) {
            probs.add(
                &path,
                Some(&s.id),
                format!("duplicate service id `{}` (first declared at {first})", s.id),
                Some("every service needs its own id".into()),
            );
            continue;
        }
        service_ids.insert(s.id.clone(), path.clone());
        // Checked whatever the rest of the service holds, so that they are
        // reported together with its other problems.
        let rto = match s.rto {
            Some(d) if d.0 > 0.0 => Some(d.0),
            Some(_) => {
                probs.add(
                    format!("{path}.rto"),
                    Some(&s.id),
                    "rto must be longer than 0",
                    None,
                );
                None
            }
            None => None,
        };
        let rpo = match s.rpo {
            Some(d) if d.0 > 0.0 => Some(d.0),
            Some(_) => {
                probs.add(
                    format!("{path}.rpo"),
                    Some(&s.id),
                    "rpo must be longer than 0",
                    None,
                );
                None
            }
            None => None,
        };
        // What the service measures is checked only when all of it was read:
        // without a bad `to` or `requires`, it would be another service.
        let shape = ["from", "to", "need", "capacity", "demand", "requires"];
        let kind = if shape.iter().any(|k| unread_key(k)) {
            None
        } else {
            service(&s, &ids, &path, &mut probs)
        };
        // Each service may expand a glob over every element: 10,000 of them
        // over 1,000,000 elements would be 10^10 terms. Counted with the
        // elements' requirements, against the same limit.
        terms = terms.saturating_add(kind.as_ref().map_or(0, service_size));
        if terms > MAX_REQUIREMENT_TERMS {
            probs.add(
                &path,
                Some(&s.id),
                format!(
                    "requirements and service targets would have more than {MAX_REQUIREMENT_TERMS} \
                     terms in all (the limit)"
                ),
                Some("measure a few services over shared components rather than globs over many".into()),
            );
            return Err(probs.finish());
        }
        if let Some(kind) = kind
            && (!topology_sound || connected(&kind, &neighbours, &ids, &path, &s.id, &mut probs))
        {
            let rto_given = rto.is_some() || unread_key("rto");
            let targets = targets(s.targets.as_ref(), rto_given, &path, &s.id, &mut probs);
            services.push(Service {
                id: s.id.clone(),
                kind,
                rto,
                rpo,
                planned_counts: s.planned_counts.unwrap_or(true),
                targets,
            });
        }
    }
    if top
        .get("services")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        probs.add(
            "services",
            None,
            "no services: there is nothing to measure",
            Some("add at least one service".into()),
        );
    }

    if !probs.0.is_empty() {
        return Err(probs.finish());
    }
    let builder = ModelBuilder {
        name,
        description,
        mission,
        elements,
        services,
        repair,
        common_cause,
        spare_pools,
        groups,
        maintenance,
    };
    // Everything the builder checks was checked above; this is a safety net.
    builder.build().map_err(|e| {
        vec![Problem {
            path: String::new(),
            id: None,
            message: e.to_string(),
            hint: None,
        }]
    })
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
                    super::wire::MAX_REQUIREMENT_DEPTH
                ),
                hint: None,
            },
            None => Problem {
                path: super::quoted(&spot.path, 120),
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

/// Number of terms a service holds: its expression's nodes, or its targets.
fn service_size(kind: &ServiceKind) -> usize {
    match kind {
        ServiceKind::Logic { expr } => expr_size(expr),
        ServiceKind::Reach { targets, .. } => targets.len(),
    }
}

/// Number of nodes in an expression.
fn expr_size(e: &Expr) -> usize {
    match e {
        Expr::Elem(_) => 1,
        Expr::All(xs) | Expr::Any(xs) | Expr::AtLeast(_, xs) => 1 + xs.iter().map(expr_size).sum::<usize>(),
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn service(s: &ServiceEntry, ids: &Ids, path: &str, probs: &mut Problems) -> Option<ServiceKind> {
    let id = Some(s.id.as_str());
    let reach_keys =
        s.from.is_some() || s.to.is_some() || s.need.is_some() || s.capacity.is_some() || s.demand.is_some();
    if let Some(r) = &s.requires {
        if reach_keys {
            probs.add(
                path,
                id,
                "a service is either reachability (`from`, `to`, ...) or logical (`requires`), not both",
                Some("split it into two services".into()),
            );
            return None;
        }
        return requirement(r, ids, &format!("{path}.requires"), id, probs)
            .map(|expr| ServiceKind::Logic { expr });
    }
    let (Some(from), Some(to)) = (&s.from, &s.to) else {
        probs.add(
            path,
            id,
            "a service needs `from` and `to` (reachability) or `requires` (logical)",
            Some("e.g. {\"id\": \"app\", \"from\": \"internet\", \"to\": [\"srv\"]}".into()),
        );
        return None;
    };
    let mut ok = true;
    let from_el = match ids.resolve(from, true) {
        Ok(h) if h.len() == 1 && !is_glob(from) => Some(h[0]),
        Ok(h) => {
            probs.add(
                format!("{path}.from"),
                id,
                format!(
                    "`from` must be one component id, not a glob (`{from}` matches {})",
                    h.len()
                ),
                Some("make one service per entry point".into()),
            );
            None
        }
        Err(u) => {
            probs.unresolved(format!("{path}.from"), id, u);
            None
        }
    };
    let mut targets = Vec::new();
    // Each target's unit: a group counts as one target, reached through any carrying member.
    let mut units: Vec<u32> = Vec::new();
    let mut n_units = 0u32;
    let mut has_group = false;
    let mut via_group = HashSet::new();
    let mut seen = HashSet::new();
    for (i, t) in to.iter().enumerate() {
        if let Some(g) = groups::group_ref(ids, t) {
            match g {
                Ok(members) => {
                    has_group = true;
                    for m in members {
                        via_group.insert(m);
                        if seen.insert(m) {
                            targets.push(m);
                            units.push(n_units);
                        } else {
                            probs.add(
                                format!("{path}.to[{i}]"),
                                id,
                                format!("`{}` is a target twice (as a member of `{t}` too)", ids.ids[m]),
                                Some("name a group's members through the group only".into()),
                            );
                            ok = false;
                        }
                    }
                    n_units += 1;
                }
                Err(u) => {
                    probs.unresolved(format!("{path}.to[{i}]"), id, u);
                    ok = false;
                }
            }
            continue;
        }
        match ids.resolve(t, true) {
            Ok(h) => {
                for x in h {
                    if seen.insert(x) {
                        targets.push(x);
                        units.push(n_units);
                        n_units += 1;
                    } else if via_group.contains(&x) {
                        probs.add(
                            format!("{path}.to[{i}]"),
                            id,
                            format!("`{}` is a target twice (also as a group member)", ids.ids[x]),
                            Some("name a group's members through the group only".into()),
                        );
                        ok = false;
                    }
                }
            }
            Err(u) => {
                probs.unresolved(format!("{path}.to[{i}]"), id, u);
                ok = false;
            }
        }
    }
    if to.is_empty() {
        probs.add(
            format!("{path}.to"),
            id,
            "`to` is empty",
            Some("list the target components".into()),
        );
        ok = false;
    }
    if !ok {
        // `need` is checked against what is known without the broken targets:
        // 0 is always wrong, and plain ids are one target each.
        let plain = to
            .iter()
            .all(|t| !is_glob(t) && !t.starts_with(groups::GROUP_PREFIX));
        if let Some(k) = s.need
            && !to.is_empty()
            && (k == 0 || (plain && k > to.len() as u64))
        {
            probs.add(
                format!("{path}.need"),
                id,
                format!("need is {k} but `to` names {} target(s)", to.len()),
                Some(format!("use a number from 1 to {}", to.len())),
            );
        }
        return None;
    }
    let from = from_el?;
    if targets.contains(&from) {
        probs.add(
            format!("{path}.to"),
            id,
            format!("`{}` is both `from` and a target", ids.ids[from]),
            None,
        );
        return None;
    }
    if has_group && s.capacity.is_some() {
        probs.add(
            format!("{path}.capacity"),
            id,
            "`capacity` cannot be given to a group target",
            Some("list the group's members as targets (e.g. \"web-*\") to give each its capacity".into()),
        );
        return None;
    }
    let n = n_units as usize;
    let criterion = match (s.need, &s.capacity, s.demand) {
        (Some(_), Some(_), _) | (Some(_), None, Some(_)) => {
            probs.add(
                path,
                id,
                "give `need` (how many targets) or `capacity` and `demand`, not both",
                Some("make two services to measure both".into()),
            );
            return None;
        }
        (need, None, None) => {
            let k = need.unwrap_or(1);
            if k == 0 || k as usize > n {
                probs.add(
                    format!("{path}.need"),
                    id,
                    format!("need is {k} but `to` names {n} target(s)"),
                    Some(format!("use a number from 1 to {n}")),
                );
                return None;
            }
            if has_group {
                Criterion::NeedUnits {
                    units,
                    need: k as usize,
                }
            } else {
                Criterion::Need(k as usize)
            }
        }
        (None, None, Some(_)) => {
            probs.add(format!("{path}.demand"), id, "`demand` needs `capacity`", None);
            return None;
        }
        (None, Some(_), None) => {
            probs.add(format!("{path}.capacity"), id, "`capacity` needs `demand`", None);
            return None;
        }
        (None, Some(cap), Some(demand)) => {
            let capacity = capacities(cap, &targets, ids, path, id, probs)?;
            let total: f64 = capacity.iter().sum();
            if !(demand.is_finite() && demand > 0.0) {
                probs.add(
                    format!("{path}.demand"),
                    id,
                    format!("demand must be greater than 0 (got {})", shown(demand)),
                    None,
                );
                return None;
            }
            if demand > total * (1.0 + crate::model::CAPACITY_TOLERANCE) {
                probs.add(
                    format!("{path}.demand"),
                    id,
                    format!(
                        "demand {} exceeds the total capacity {} of all {n} targets, \
                         so the service could never be up",
                        shown(demand),
                        shown(total)
                    ),
                    Some("lower `demand`, raise `capacity` or add targets".into()),
                );
                return None;
            }
            Criterion::Capacity { capacity, demand }
        }
    };
    Some(ServiceKind::Reach {
        from,
        targets,
        criterion,
    })
}

/// A service's targets for `redsim check`.
fn targets(
    t: Option<&super::wire::TargetsSpec>,
    has_rto: bool,
    path: &str,
    id: &str,
    probs: &mut Problems,
) -> crate::model::Targets {
    let Some(t) = t else {
        return crate::model::Targets::default();
    };
    let p = format!("{path}.targets");
    let id = Some(id);
    if let Some(d) = t.max_downtime_per_year
        && d.0 <= 0.0
    {
        probs.add(
            format!("{p}.max_downtime_per_year"),
            id,
            "max_downtime_per_year must be longer than 0",
            Some("a service with no downtime at all cannot be shown by sampling; ask for a small one".into()),
        );
    }
    if let Some(x) = t.max_outages_per_year
        && !(x.is_finite() && x > 0.0)
    {
        probs.add(
            format!("{p}.max_outages_per_year"),
            id,
            format!(
                "max_outages_per_year must be a number greater than 0 (got {})",
                shown(x)
            ),
            None,
        );
    }
    if let Some(x) = t.max_p_outage_over_rto {
        if !(x > 0.0 && x < 1.0) {
            probs.add(
                format!("{p}.max_p_outage_over_rto"),
                id,
                format!(
                    "max_p_outage_over_rto must be strictly between 0 and 1 (got {})",
                    shown(x)
                ),
                None,
            );
        } else if !has_rto {
            probs.add(
                format!("{p}.max_p_outage_over_rto"),
                id,
                "max_p_outage_over_rto needs the service's `rto`",
                Some("add \"rto\": \"15m\" (say) to the service".into()),
            );
        }
    }
    crate::model::Targets {
        availability: t.availability.map(|f| f.0),
        max_downtime_per_year: t.max_downtime_per_year.map(|d| d.0),
        max_outages_per_year: t.max_outages_per_year,
        max_p_outage_over_rto: t.max_p_outage_over_rto,
        no_spof: t.no_spof.unwrap_or(false),
    }
}

/// The repair policy of `repair`: the scenario-wide crews and the named
/// crew pools (their index by name, and the names of those that are invalid,
/// already reported).
fn repair_policy(
    top: &serde_json::Map<String, Value>,
    probs: &mut Problems,
) -> (RepairPolicy, (BTreeMap<String, usize>, HashSet<String>)) {
    let mut index = BTreeMap::new();
    let mut broken = HashSet::new();
    let Some((r, _)) = top
        .get("repair")
        .filter(|v| !v.is_null())
        // Read without its bad keys (a bad `discipline` hides no bad `crews`);
        // the file is refused then, so what the policy would be is moot.
        .and_then(|v| take_partial::<RepairPolicySpec>(v, "repair", None, probs))
    else {
        // A `repair` that could not be read at all (already reported): no
        // pool name is reported again where elements name one.
        if top.get("repair").is_some_and(|v| !v.is_null()) {
            broken.insert("*".to_string());
        }
        return (RepairPolicy::default(), (index, broken));
    };
    let discipline_of = |d: DisciplineSpec| match d {
        DisciplineSpec::Fifo => Discipline::Fifo,
        DisciplineSpec::Priority => Discipline::Priority,
        DisciplineSpec::Random => Discipline::Random,
    };
    let crews_in = |c: u64, path: &str, hint: &str, probs: &mut Problems| {
        if (1..=u64::from(u32::MAX)).contains(&c) {
            Some(c as u32)
        } else {
            probs.add(
                path,
                None,
                format!("crews must be from 1 to {} (got {c})", u32::MAX),
                Some(hint.into()),
            );
            None
        }
    };
    let crews = r.crews.and_then(|c| {
        crews_in(
            c,
            "repair.crews",
            "leave `crews` out for as many crews as needed",
            probs,
        )
    });
    let discipline = discipline_of(r.discipline.unwrap_or(DisciplineSpec::Fifo));
    // Pools whose entry lost a key to a problem already reported (it does
    // not read on its own).
    let raw_pools = top.get("repair").and_then(|r| r.get("pools"));
    let spoilt = |name: &str| {
        raw_pools
            .and_then(|p| p.get(name))
            .is_none_or(|v| serde_json::from_value::<super::wire::CrewPoolSpec>(v.clone()).is_err())
    };
    match raw_pools {
        // Pools taken out whole (not an object, a bad key): reported already.
        Some(Value::Object(given)) => {
            broken.extend(given.keys().filter(|k| !r.pools.contains_key(*k)).cloned());
        }
        // `pools` itself is not an object (reported already).
        Some(v) if !v.is_null() => {
            broken.insert("*".to_string());
        }
        _ => {}
    }
    let mut pools = Vec::new();
    for (name, p) in &r.pools {
        let at = super::key_path("repair.pools", name);
        let before = probs.0.len();
        if let Some(why) = id_problem(name) {
            probs.add(&at, None, format!("crew pool name: {why}"), None);
        }
        let crews = match p.crews {
            Some(c) => crews_in(
                c,
                &format!("{at}.crews"),
                "a pool has at least one crew; elements without a `repair_pool` use the scenario-wide crews",
                probs,
            ),
            None if spoilt(name) => None,
            None => {
                probs.add(
                    &at,
                    None,
                    "missing `crews`: how many crews the pool has",
                    Some(format!("e.g. {at}.crews = 1")),
                );
                None
            }
        };
        match crews {
            Some(crews) if probs.0.len() == before && !spoilt(name) => {
                index.insert(name.clone(), pools.len());
                pools.push(CrewPool {
                    name: name.clone(),
                    crews,
                    discipline: discipline_of(p.discipline.or(r.discipline).unwrap_or(DisciplineSpec::Fifo)),
                });
            }
            _ => {
                broken.insert(name.clone());
            }
        }
    }
    (
        RepairPolicy {
            crews,
            discipline,
            pools,
        },
        (index, broken),
    )
}

/// The spare pools, and the ids of those that are invalid (already reported).
fn spare_pools(
    top: &serde_json::Map<String, Value>,
    probs: &mut Problems,
) -> (Vec<SparePool>, HashSet<String>) {
    let mut out: Vec<SparePool> = Vec::new();
    let mut broken = HashSet::new();
    for (path, v) in entries(top, "spare_pools", probs) {
        let size_fits = |size: u64, id: Option<&str>, probs: &mut Problems| {
            if size > u64::from(u32::MAX) {
                probs.add(
                    format!("{path}.size"),
                    id,
                    format!("size {size} is out of range: at most {}", u32::MAX),
                    None,
                );
            }
        };
        let Some(p) = take::<SparePoolSpec>(v, &path, id_of(v), probs) else {
            broken.extend(id_of(v).map(str::to_string));
            // The size does not depend on what else is wrong with the pool.
            if let Some(size) = v.get("size").and_then(Value::as_u64) {
                size_fits(size, id_of(v), probs);
            }
            continue;
        };
        let id = Some(p.id.as_str());
        let before = probs.0.len();
        if bad_id(&p.id) {
            probs.add(format!("{path}.id"), id, bad_id_message(&p.id), None);
        } else if out.iter().any(|q| q.id == p.id) {
            probs.add(&path, id, format!("duplicate spare pool id `{}`", p.id), None);
        }
        size_fits(p.size, id, probs);
        let restock = match &p.restock {
            DelaySpec::Fixed(d) if d.0 > 0.0 => Distribution::fixed(d.0).ok(),
            DelaySpec::Fixed(_) => {
                probs.add(
                    format!("{path}.restock"),
                    id,
                    "restock must be longer than 0",
                    None,
                );
                None
            }
            DelaySpec::Dist(spec) => dist(spec, &format!("{path}.restock"), id, probs),
        };
        match restock {
            Some(restock) if probs.0.len() == before => out.push(SparePool {
                id: p.id,
                size: p.size as u32,
                restock,
            }),
            _ => {
                broken.insert(p.id);
            }
        }
    }
    (out, broken)
}

/// The common-cause shocks, checked against the elements.
fn common_causes(
    top: &serde_json::Map<String, Value>,
    ids: &Ids,
    elements: &[Element],
    probs: &mut Problems,
) -> Vec<CommonCause> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for (path, v) in entries(top, "common_cause", probs) {
        // Read without its bad keys, so that they hide none of its other problems.
        let Some((c, unread)) = take_partial::<CommonCauseSpec>(v, &path, id_of(v), probs) else {
            continue;
        };
        let id = Some(c.id.as_str());
        let before = probs.0.len();
        let rate_unread = unread
            .iter()
            .any(|k| ["mtbf", "afr", "failure"].contains(&k.as_str()));
        if bad_id(&c.id) {
            probs.add(format!("{path}.id"), id, bad_id_message(&c.id), None);
        } else if let Some(first) = seen.get(&c.id) {
            probs.add(
                &path,
                id,
                format!("duplicate shock id `{}` (first declared at {first})", c.id),
                None,
            );
        } else if let Some(&e) = ids.index.get(&c.id) {
            probs.add(
                format!("{path}.id"),
                id,
                format!(
                    "`{}` is already the id of an element (declared at {})",
                    c.id, ids.paths[e]
                ),
                Some("shocks have random streams of their own, keyed by id: give it another".into()),
            );
        }
        seen.insert(c.id.clone(), path.clone());
        let mut members = Vec::new();
        for (i, m) in c.members.iter().enumerate() {
            match ids.resolve(m, false) {
                Ok(hits) => {
                    for h in hits {
                        if members.contains(&h) {
                            probs.add(
                                format!("{path}.members[{i}]"),
                                id,
                                format!("`{}` is a member twice", ids.ids[h]),
                                None,
                            );
                        } else if elements.get(h).is_some_and(|e| e.life.is_none()) {
                            probs.add(
                                format!("{path}.members[{i}]"),
                                id,
                                format!("`{}` never fails, so a shock cannot fail it", ids.ids[h]),
                                Some("give it a failure and repair law, or leave it out".into()),
                            );
                        } else {
                            members.push(h);
                        }
                    }
                }
                Err(u) => probs.unresolved(format!("{path}.members[{i}]"), id, u),
            }
        }
        if c.members.is_empty() {
            probs.add(format!("{path}.members"), id, "`members` is empty", None);
        }
        let interval = match failure_law(c.mtbf, c.afr, c.failure.as_ref(), &path, id, probs) {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                if !rate_unread {
                    probs.add(
                        &path,
                        id,
                        "a shock needs its rate: `mtbf`, `afr` or `failure`",
                        None,
                    );
                }
                None
            }
            Err(()) => None,
        };
        let probability = c.probability.unwrap_or(1.0);
        if !(probability > 0.0 && probability <= 1.0) {
            probs.add(
                format!("{path}.probability"),
                id,
                format!("probability must be in (0, 1] (got {})", shown(probability)),
                None,
            );
        }
        if let Some(interval) = interval
            && probs.0.len() == before
            && unread.is_empty()
        {
            out.push(CommonCause {
                id: c.id,
                interval,
                members,
                probability,
            });
        }
    }
    out
}

/// Whether every target of a reachability service has a path from `from`
/// when everything is up; a target with none can never count.
fn connected(
    kind: &ServiceKind,
    neighbours: &[Vec<ElementId>],
    ids: &Ids,
    path: &str,
    id: &str,
    probs: &mut Problems,
) -> bool {
    let ServiceKind::Reach { from, targets, .. } = kind else {
        return true;
    };
    let mut seen = vec![false; neighbours.len()];
    let mut stack = vec![*from];
    seen[*from] = true;
    while let Some(c) = stack.pop() {
        for &n in &neighbours[c] {
            if !seen[n] {
                seen[n] = true;
                stack.push(n);
            }
        }
    }
    let cut_off: Vec<&str> = targets
        .iter()
        .filter(|&&t| !seen[t])
        .map(|&t| ids.ids[t].as_str())
        .collect();
    if cut_off.is_empty() {
        return true;
    }
    probs.add(
        format!("{path}.to"),
        Some(id),
        format!(
            "{} no path from `{}` even with everything up",
            few(&cut_off, "has", "have"),
            ids.ids[*from]
        ),
        Some("add the missing links, or drop the target".into()),
    );
    false
}

fn capacities(
    cap: &Capacity,
    targets: &[ElementId],
    ids: &Ids,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Vec<f64>> {
    let ok = |c: f64| c.is_finite() && c >= 0.0;
    match cap {
        Capacity::Each(c) if ok(*c) && *c > 0.0 => Some(vec![*c; targets.len()]),
        Capacity::Each(c) => {
            probs.add(
                format!("{path}.capacity"),
                id,
                format!("capacity must be greater than 0 (got {})", shown(*c)),
                None,
            );
            None
        }
        Capacity::PerTarget(m) => {
            let position: HashMap<ElementId, usize> =
                targets.iter().enumerate().map(|(i, &t)| (t, i)).collect();
            let mut out: Vec<Option<f64>> = vec![None; targets.len()];
            // Which key set each target's capacity: two keys for one target is ambiguous.
            let mut set_by: Vec<Option<&str>> = vec![None; targets.len()];
            let mut good = true;
            for (k, &c) in m {
                let p = format!("{path}.capacity.{k}");
                if !ok(c) {
                    probs.add(
                        &p,
                        id,
                        format!("capacity must be a number of at least 0 (got {})", shown(c)),
                        None,
                    );
                    good = false;
                    continue;
                }
                match ids.resolve(k, true) {
                    Ok(hits) => {
                        let strays: Vec<&str> = hits
                            .into_iter()
                            .filter(|h| match position.get(h) {
                                Some(&i) => {
                                    if let Some(first) = set_by[i] {
                                        probs.add(
                                            &p,
                                            id,
                                            format!(
                                                "`{}` gets a capacity from both `{first}` and `{k}`",
                                                ids.ids[*h]
                                            ),
                                            Some("give each target exactly one capacity".into()),
                                        );
                                        good = false;
                                    }
                                    set_by[i] = Some(k.as_str());
                                    out[i] = Some(c);
                                    false
                                }
                                None => true,
                            })
                            .map(|h| ids.ids[h].as_str())
                            .collect();
                        if !strays.is_empty() {
                            probs.add(
                                &p,
                                id,
                                format!("{} not a target of this service", few(&strays, "is", "are")),
                                Some("capacities are given for targets listed in `to`".into()),
                            );
                            good = false;
                        }
                    }
                    Err(u) => {
                        probs.unresolved(&p, id, u);
                        good = false;
                    }
                }
            }
            let missing: Vec<&str> = targets
                .iter()
                .zip(&out)
                .filter(|(_, c)| c.is_none())
                .map(|(t, _)| ids.ids[*t].as_str())
                .collect();
            if good && !missing.is_empty() {
                probs.add(
                    format!("{path}.capacity"),
                    id,
                    format!(
                        "no capacity given for target(s) {}",
                        few(&missing, "", "").trim_end()
                    ),
                    Some("give every target a capacity (0 is allowed), or one number for all".into()),
                );
                good = false;
            }
            good.then(|| out.into_iter().map(|c| c.unwrap_or(0.0)).collect())
        }
    }
}

/// Up to five ids in backticks, then how many more, then `one` or `many` as the verb.
fn few(ids: &[&str], one: &str, many: &str) -> String {
    let mut s: Vec<String> = ids.iter().take(5).map(|i| format!("`{i}`")).collect();
    if ids.len() > 5 {
        s.push(format!("and {} more", ids.len() - 5));
    }
    let verb = if ids.len() == 1 { one } else { many };
    format!("{} {verb}", s.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_stars_only() {
        assert!(glob_match("web-*", "web-1"));
        assert!(glob_match("*", "x"));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(glob_match("a*b", "ab"));
        assert!(!glob_match("a*b", "a"));
        assert!(!glob_match("web-*", "db-1"));
        assert!(!glob_match("web", "web-1"));
        assert!(glob_match("a*b*c*d", "abcd"));
        assert!(glob_match("a**b", "ab"));
        assert!(!glob_match("a*b*c*d", "abdc"));
        assert!(!glob_match("a*bc*c", "abc"));
        assert!(glob_match("*-srv-*", "rack-1-srv-2"));
    }

    #[test]
    fn globs_resolve_in_declaration_order_through_the_prefix_index() {
        let mut ids = Ids::default();
        for id in ["b-2", "a-1", "b-10", "c", "b-1", "ab-1"] {
            ids.index.insert(id.to_string(), ids.ids.len());
            ids.ids.push(id.to_string());
        }
        ids.n_components = ids.ids.len();
        fn names(ids: &Ids, r: &str) -> Vec<String> {
            let hits = ids.resolve(r, true).ok().unwrap_or_default();
            hits.into_iter().map(|i| ids.ids[i].clone()).collect()
        }
        assert_eq!(names(&ids, "b-*"), ["b-2", "b-10", "b-1"]);
        assert_eq!(names(&ids, "*-1"), ["a-1", "b-1", "ab-1"]);
        assert_eq!(names(&ids, "a*"), ["a-1", "ab-1"]);
        assert_eq!(names(&ids, "*"), ["b-2", "a-1", "b-10", "c", "b-1", "ab-1"]);
        assert!(names(&ids, "d*").is_empty());
        // A component added later (the index is rebuilt for it).
        ids.index.insert("b-3".to_string(), ids.ids.len());
        ids.ids.push("b-3".to_string());
        ids.n_components = ids.ids.len();
        assert_eq!(names(&ids, "b-*"), ["b-2", "b-10", "b-1", "b-3"]);
    }

    #[test]
    fn suggestions_find_likely_typos() {
        assert_eq!(
            suggest("mtbff", ["mtbf", "mttr", "kind"].into_iter()),
            Some("mtbf")
        );
        assert_eq!(suggest("zzz", ["mtbf", "mttr"].into_iter()), None);
    }
}
