//! `--set PATH=VALUE`: changes to a scenario given on the command line,
//! applied to the file's JSON before it is validated, or, for one copy of
//! an entry with `count`, handed to validation to apply after expansion.

use serde_json::Value;

use super::{Problem, key_path, resolve};

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

/// Where a `--set` change went.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    /// Into the document, at this JSON path (`components[2].mttr`), where
    /// validation reports a problem with it.
    At(String),
    /// To one copy of a component entry with `count`: applied by validation
    /// when it expands the entry.
    Copy(CopyChange),
}

/// A change to one copy (`web-3`) of a component entry with `count`
/// (`web`): the copy is made from the entry with `keys` set to `value`.
/// It applies on top of every change to the entry itself.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyChange {
    /// The `--set PATH=VALUE` it comes from, for messages.
    pub(crate) spec: String,
    /// The entry's id.
    pub(crate) base: String,
    /// Which copy, from 1.
    pub(crate) copy: u64,
    /// Keys within the entry, outermost first.
    pub(crate) keys: Vec<String>,
    pub(crate) value: Value,
    /// The JSON path of the value in the file (`components[2].mttr`).
    pub(crate) at: String,
}

impl CopyChange {
    /// The copy's id, as the model and every report name it.
    pub(crate) fn id(&self) -> String {
        format!("{}-{}", self.base, self.copy)
    }

    /// Sets the change's value in `entry` (the entry's JSON object),
    /// creating missing keys; a key that is not an object on the way is
    /// replaced by one.
    pub(crate) fn apply_to(&self, entry: &mut Value) {
        let mut node = entry;
        for (j, key) in self.keys.iter().enumerate() {
            if !node.is_object() {
                *node = Value::Object(Default::default());
            }
            let obj = node.as_object_mut().expect("made an object above");
            if j + 1 == self.keys.len() {
                obj.insert(key.clone(), self.value.clone());
                return;
            }
            node = obj
                .entry(key.clone())
                .or_insert_with(|| Value::Object(Default::default()));
        }
    }
}

/// One part of a `--set` path: its text, and whether it was written
/// quoted (`"db.primary"`), which makes it one part whatever it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Part {
    text: String,
    quoted: bool,
}

/// Splits `PATH=VALUE` at the first `=` outside a quoted part of the path.
/// `None` when there is no such `=`.
pub fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in spec.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '=' if !quoted => return Some((&spec[..i], &spec[i + 1..])),
            _ => {}
        }
    }
    None
}

/// The parts of a dotted path: split at each `.` outside quotes; a part
/// written in double quotes is a JSON string (`"db.primary"`, with `\"`
/// for a quote) and is taken whole.
fn parts(path: &str) -> Result<Vec<Part>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    loop {
        let (part, after) = if rest.starts_with('"') {
            let mut escaped = false;
            let end = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let close = c == '"' && !escaped;
                    escaped = !escaped && c == '\\';
                    close
                })
                .map(|(i, _)| i)
                .ok_or_else(|| format!("`{path}` has a quote that is not closed"))?;
            let text: String = serde_json::from_str(&rest[..=end])
                .map_err(|e| format!("`{}` is not a JSON string: {e}", &rest[..=end]))?;
            let after = &rest[end + 1..];
            if !(after.is_empty() || after.starts_with('.')) {
                return Err(format!(
                    "`{path}`: a quoted part must be followed by `.` or `=`, not `{}`",
                    after.chars().next().unwrap_or_default()
                ));
            }
            (Part { text, quoted: true }, after)
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            let text = &rest[..end];
            if text.contains('"') {
                return Err(format!(
                    "`{path}`: a quote must open a whole part (`components.\"db.primary\".mttr`)"
                ));
            }
            (
                Part {
                    text: text.to_string(),
                    quoted: false,
                },
                &rest[end..],
            )
        };
        if part.text.is_empty() {
            return Err(format!("`{path}` has an empty part"));
        }
        out.push(part);
        match after.strip_prefix('.') {
            Some(next) => rest = next,
            None => return Ok(out),
        }
    }
}

/// The number of copies an entry's `count` makes, when it is a valid count.
fn count_of(entry: &Value) -> Option<u64> {
    let c = entry.get("count")?;
    c.as_u64().or_else(|| {
        c.as_f64()
            .filter(|x| x.fract() == 0.0 && *x >= 1.0 && *x <= resolve::MAX_COUNT as f64)
            .map(|x| x as u64)
    })
}

/// What a component id that names no entry says as a copy's id (`web-3`).
enum CopyOf {
    /// Copy `copy` of the entry `base`, at index `entry` of the list.
    Copy { entry: usize, base: String, copy: u64 },
    /// The entry `base` has fewer copies: `count`.
    TooFew { base: String, count: u64 },
}

/// The entry of `list` (a `components` list) whose copy `id` is, and the
/// copy's number: `web-3` is copy 3 of an entry `web` with `count` 3 or
/// more. `None` when `id` is no copy's name.
fn copy_of(list: &[Value], id: &str) -> Option<CopyOf> {
    let (base, n) = id.rsplit_once('-')?;
    let copy: u64 = n.parse().ok().filter(|c: &u64| c.to_string() == n && *c >= 1)?;
    let entry = list
        .iter()
        .position(|e| e.get("id").and_then(Value::as_str) == Some(base))?;
    let count = count_of(&list[entry])?;
    let base = base.to_string();
    Some(if copy <= count {
        CopyOf::Copy { entry, base, copy }
    } else {
        CopyOf::TooFew { base, count }
    })
}

/// Applies one `PATH=VALUE` change to a scenario document. `PATH` is dotted:
/// a top-level key (`mission`, `repair.crews`), or a list and an entry's id
/// then keys within it (`components.srv.mttr`, `groups.fw.failover.switchover`),
/// or `templates.NAME.KEY`. A component's id may name one copy of an
/// entry with `count` (`components.web-3.mttr`): that copy alone changes.
/// Ids may contain dots: the longest that names an entry wins, and a part
/// in double quotes is taken whole (`components."db.primary".mttr`).
/// `VALUE` is JSON when it parses as JSON (`3`, `true`,
/// `{"exponential": {"mean": "4h"}}`), a string otherwise (`4h`). Missing
/// keys are created.
///
/// # Errors
/// A problem at `--set PATH` when the path addresses no entry, or when the
/// value is meant as a JSON list or object but is not valid JSON (with
/// the same rules as a file: no repeated keys).
///
/// Returns where the value went: its JSON path in the document, or the
/// change of one copy, which validation applies ([`super::from_source`]).
pub fn set_value(doc: &mut Value, spec: &str) -> Result<Applied, Problem> {
    let bad = |message: String, hint: Option<String>| Problem {
        path: format!("--set {spec}"),
        id: None,
        message,
        hint,
    };
    let (path, value) = split_spec(spec).ok_or_else(|| {
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
    if let Some((design, _)) = path.split_once(':')
        && !design.is_empty()
        && design.chars().all(|c| c.is_ascii_uppercase())
    {
        return Err(bad(
            format!("`{design}:` names a design of a comparison"),
            Some(format!(
                "a change to one design is for `redsim compare` (`--set {design}:PATH=VALUE`); here write PATH=VALUE"
            )),
        ));
    }
    let segs = parts(path).map_err(|m| bad(m, None))?;
    let Some(top) = doc.as_object_mut() else {
        return Err(bad("the scenario is not a JSON object".into(), None));
    };
    // A key of a crew pool the file does not declare would make a pool that
    // nothing names, silently: a typo, as for `components`. (A pool set whole,
    // `repair.pools.NAME={"crews": 1}`, declares one.)
    if segs.len() > 3 && segs[0].text == "repair" && segs[1].text == "pools" {
        let pool = segs[2].text.as_str();
        let mut declared: Vec<&str> = top
            .get("repair")
            .and_then(|r| r.get("pools"))
            .and_then(Value::as_object)
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        declared.sort_unstable();
        if !declared.contains(&pool) {
            let listed = if declared.is_empty() {
                "the scenario declares none".to_string()
            } else {
                let names: Vec<String> = declared.iter().map(|k| format!("`{k}`")).collect();
                format!("the pools are {}", names.join(", "))
            };
            let hint = match resolve::suggest(pool, declared.iter().copied()) {
                Some(close) => format!("did you mean `{close}`?"),
                None => format!(
                    "write repair.pools.NAME.KEY=VALUE with a pool of the file, or declare one whole: --set 'repair.pools.{pool}={{\"crews\": 1}}'"
                ),
            };
            return Err(bad(
                format!("no pool of `repair.pools` is named `{pool}`: {listed}"),
                Some(hint),
            ));
        }
    }
    let section = segs[0].text.as_str();
    let (node, rest, at): (&mut Value, &[Part], String) = if !segs[0].quoted
        && (BY_ID.contains(&section) || section == "templates")
    {
        let entries = top
            .get_mut(section)
            .ok_or_else(|| bad(format!("the scenario has no `{section}`"), None))?;
        // The longest run of unquoted parts that names an entry (a quoted
        // part is an id alone).
        let longest = if segs.len() > 1 && segs[1].quoted {
            2
        } else {
            1 + segs[1..].iter().take_while(|s| !s.quoted).count()
        };
        let name = |k: usize| {
            let texts: Vec<&str> = segs[1..k].iter().map(|s| s.text.as_str()).collect();
            texts.join(".")
        };
        let mut found = None;
        let mut too_few = None;
        for k in (2..=longest).rev() {
            let id = name(k);
            let hit = match &*entries {
                Value::Array(list) if section != "templates" => list
                    .iter()
                    .position(|e| e.get("id").and_then(Value::as_str) == Some(id.as_str())),
                Value::Object(map) if section == "templates" => map.contains_key(&id).then_some(0),
                _ => None,
            };
            if let Some(i) = hit {
                found = Some((i, id, k, None));
                break;
            }
            if let (Value::Array(list), "components") = (&*entries, section) {
                match copy_of(list, &id) {
                    Some(CopyOf::Copy { entry, base, copy }) => {
                        found = Some((entry, id, k, Some((base, copy))));
                        break;
                    }
                    Some(CopyOf::TooFew { base, count }) => {
                        too_few.get_or_insert((id, base, count));
                    }
                    None => {}
                }
            }
        }
        let Some((i, id, k, copy)) = found else {
            if let Some((id, base, count)) = too_few {
                return Err(bad(
                    format!(
                        "no component is named `{id}`: `{base}` has `count` {count} (`{base}-1` to `{base}-{count}`)"
                    ),
                    None,
                ));
            }
            return Err(bad(
                format!("no entry of `{section}` is named by `{}`", name(segs.len())),
                Some(format!(
                    "write {section}.ID.KEY=VALUE with an entry's id, or a copy's (`components.web-3.mttr` for copy 3 of an entry `web` with `count`); quote an id holding a dot: {section}.\"a.b\".KEY"
                )),
            ));
        };
        if k == segs.len() {
            return Err(bad(
                format!("`{path}` names an entry, not one of its keys"),
                Some(format!("e.g. {path}.mttr=8h")),
            ));
        }
        let (entry, at) = match entries {
            Value::Array(list) => (&mut list[i], format!("{section}[{i}]")),
            Value::Object(map) => (map.get_mut(&id).expect("found above"), key_path(section, &id)),
            _ => unreachable!("matched above"),
        };
        if let Some((base, copy)) = copy {
            let keys: Vec<String> = segs[k..].iter().map(|s| s.text.clone()).collect();
            if keys.len() == 1 && (keys[0] == "id" || keys[0] == "count") {
                return Err(bad(
                    format!("the `{}` of one copy cannot be changed", keys[0]),
                    Some(format!("change the entry's: components.{base}.{}", keys[0])),
                ));
            }
            // The path must lead through objects, as in the entry itself.
            let mut probe = entry.clone();
            let at = walk(&mut probe, &keys, &value, at).map_err(|m| bad(m, None))?;
            return Ok(Applied::Copy(CopyChange {
                spec: spec.to_string(),
                base,
                copy,
                keys,
                value,
                at,
            }));
        }
        (entry, &segs[k..], at)
    } else {
        (doc, &segs[..], String::new())
    };
    let keys: Vec<String> = rest.iter().map(|s| s.text.clone()).collect();
    let at = walk(node, &keys, &value, at).map_err(|m| bad(m, None))?;
    Ok(Applied::At(at))
}

/// Sets `value` at `keys` below `node`, creating missing objects; returns
/// the JSON path of the value (`at` extended by the keys).
fn walk(mut node: &mut Value, keys: &[String], value: &Value, mut at: String) -> Result<String, String> {
    for (j, key) in keys.iter().enumerate() {
        let Some(obj) = node.as_object_mut() else {
            return Err(format!("`{}` is not an object", keys[..j].join(".")));
        };
        at = key_path(&at, key);
        if j + 1 == keys.len() {
            obj.insert(key.clone(), value.clone());
            return Ok(at);
        }
        node = obj
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    unreachable!("the path has at least one key")
}

/// Says in `p`'s hint which `--set` gave the value it is about, when one
/// did: `set_at` holds each change's JSON path and its `PATH=VALUE`.
pub(super) fn blame_set(p: &mut Problem, set_at: &[(String, &str)]) {
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
    let value = split_spec(spec).map_or("", |(_, v)| v);
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
            Applied::At("repair.pools.east.crews".into())
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
    fn a_quoted_part_is_one_part_whatever_it_holds() {
        let mut doc = serde_json::json!({"components": [
            {"id": "db", "mttr": "1h"}, {"id": "db.primary", "mttr": "1h"}, {"id": "a=b", "mttr": "1h"}
        ]});
        assert_eq!(
            set_value(&mut doc, r#"components."db.primary".mttr=2h"#).unwrap(),
            Applied::At("components[1].mttr".into())
        );
        assert_eq!(doc["components"][1]["mttr"], "2h");
        assert_eq!(doc["components"][0]["mttr"], "1h");
        // Unquoted, the longest id still wins; quoted, `db` is `db` alone.
        set_value(&mut doc, "components.db.primary.mttr=3h").unwrap();
        assert_eq!(doc["components"][1]["mttr"], "3h");
        let p = set_value(&mut doc, r#"components."db".primary.mttr=4h"#).unwrap();
        assert_eq!(p, Applied::At("components[0].primary.mttr".into()));
        // An `=` inside quotes is part of the path.
        set_value(&mut doc, r#"components."a=b".mttr=5h"#).unwrap();
        assert_eq!(doc["components"][2]["mttr"], "5h");
        assert_eq!(split_spec(r#"a."b=c".d=e=f"#), Some((r#"a."b=c".d"#, "e=f")));
        for bad in [
            r#"components."db.mttr=1h"#,
            r#"components."db"x.mttr=1h"#,
            r#"components.d"b.mttr=1h"#,
            r#"components."".mttr=1h"#,
        ] {
            let p = set_value(&mut doc, bad).unwrap_err();
            assert_eq!(p.path, format!("--set {bad}"), "{p}");
        }
    }

    #[test]
    fn a_copy_made_by_count_is_changed_alone() {
        let file = serde_json::json!({"components": [{"id": "web", "count": 4, "mttr": "1h"}]});
        let mut doc = file.clone();
        let Applied::Copy(c) = set_value(&mut doc, "components.web-3.repair.fixed=2h").unwrap() else {
            panic!("a copy's change is applied after expansion");
        };
        assert_eq!(doc, file, "the entry is left as it is");
        assert_eq!((c.base.as_str(), c.copy, c.id()), ("web", 3, "web-3".to_string()));
        assert_eq!(c.at, "components[0].repair.fixed");
        let mut entry = file["components"][0].clone();
        c.apply_to(&mut entry);
        assert_eq!(entry["repair"]["fixed"], "2h");
        // No fifth copy, no `web-03`, and no copy's own id or count.
        let p = set_value(&mut doc, "components.web-5.mttr=2h").unwrap_err();
        assert!(
            p.message.contains("`web` has `count` 4 (`web-1` to `web-4`)"),
            "{p}"
        );
        assert!(set_value(&mut doc, "components.web-03.mttr=2h").is_err());
        let p = set_value(&mut doc, "components.web-2.count=2").unwrap_err();
        assert!(p.message.contains("the `count` of one copy"), "{p}");
        assert_eq!(
            p.hint.as_deref(),
            Some("change the entry's: components.web.count")
        );
    }

    #[test]
    fn a_design_letter_is_for_compare() {
        let mut doc = serde_json::json!({"repair": {"crews": 1}});
        let p = set_value(&mut doc, "B:repair.crews=2").unwrap_err();
        assert!(p.message.contains("`B:` names a design"), "{p}");
        assert!(p.hint.unwrap().contains("redsim compare"));
    }

    /// The mean of element `i`'s repair law.
    fn mean_repair(m: &crate::model::Model, i: usize) -> f64 {
        let life = m.elements[i].life.as_ref().unwrap();
        life.repair.as_ref().unwrap().mean()
    }

    fn scenario(sets: &[&str]) -> Result<crate::model::Model, String> {
        let text = serde_json::json!({
            "format": "redsim/1", "name": "copies", "mission": "1y",
            "components": [
                {"id": "lb", "mtbf": "1000h", "mttr": "1h"},
                {"id": "web", "count": 3, "mtbf": "1000h", "mttr": "1h", "requires": "lb"},
                {"id": "db", "mtbf": "1000h", "mttr": "1h"}
            ],
            "services": [{"id": "app", "requires": {"all": [{"at_least": 2, "of": ["web-*"]}, "db"]}}]
        });
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        super::super::from_source(std::path::Path::new("t.json"), text.to_string(), &sets)
            .map(|s| s.model)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn validation_makes_a_changed_copy_from_its_own_entry_in_its_place() {
        let m = scenario(&["components.web-2.mttr=5h", "components.web-2.requires=db"]).unwrap();
        let ids: Vec<&str> = m.elements.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["lb", "web-1", "web-2", "web-3", "db"]);
        let repair = |i: usize| mean_repair(&m, i);
        assert_eq!([repair(1), repair(2), repair(3)], [1.0, 5.0, 1.0]);
        assert_eq!(m.elements[1].requires, m.elements[3].requires);
        assert_ne!(m.elements[2].requires, m.elements[1].requires);
        // A change to the entry reaches the other copies; the copy's own stays on top.
        let m = scenario(&["components.web-2.mttr=5h", "components.web.mttr=2h"]).unwrap();
        let repair = |i: usize| mean_repair(&m, i);
        assert_eq!([repair(1), repair(2), repair(3)], [2.0, 5.0, 2.0]);
        // A bad value is told at the entry's path, with the --set that gave it.
        let e = scenario(&["components.web-2.mttr=-5h"]).unwrap_err();
        assert!(
            e.contains("components[1].mttr") && e.contains("--set components.web-2.mttr=-5h"),
            "{e}"
        );
        // A copy that a later change of `count` takes away.
        let e = scenario(&["components.web-3.mttr=5h", "components.web.count=2"]).unwrap_err();
        assert!(
            e.contains("no component is named `web-3`: `web` has `count` 2"),
            "{e}"
        );
    }
}
