//! The file as a whole and phase `header`: a JSON object, its top-level
//! keys, `format`, `name`, `description` and `mission`.

use serde_json::{Map, Value};

use super::read::{read_json, take};
use super::suggest::did_you_mean;
use super::{MAX_MISSION, MIN_MISSION, Resolver};
use crate::model::HOURS_PER_YEAR;
use crate::scenario::wire::FORMAT;
use crate::scenario::{Problem, key_path, shown, units};

/// What the header says about the scenario as a whole.
pub(super) struct Header {
    pub(super) name: String,
    pub(super) description: Option<String>,
    /// [h]
    pub(super) mission: f64,
}

/// The file's JSON, or the one problem that stops the reading (an empty
/// file, or text that is not JSON).
pub(super) fn root(text: &str) -> Result<Value, Problem> {
    if text.trim().is_empty() {
        return Err(Problem {
            path: String::new(),
            id: None,
            message: "the file is empty".into(),
            hint: Some(format!(
                "a scenario is a JSON object: {{\"format\": \"{FORMAT}\", \"name\": ..., ...}}"
            )),
        });
    }
    read_json(text)
}

/// The file's top-level object, or the problem that it is something else.
pub(super) fn top_object(root: &Value) -> Result<&Map<String, Value>, Problem> {
    let got = match root {
        Value::Object(top) => return Ok(top),
        Value::Array(_) => "a list",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
    };
    Err(Problem {
        path: String::new(),
        id: None,
        message: format!("the scenario must be a JSON object, not {got}"),
        hint: Some(format!(
            "start from {{\"format\": \"{FORMAT}\", \"name\": ..., ...}}"
        )),
    })
}

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

impl Resolver<'_> {
    /// Checks the top-level keys, `format` and `name`, and reads
    /// `description` and `mission` (a year when absent or invalid).
    pub(super) fn header(&mut self) -> Header {
        let (top, probs) = (self.top, &mut self.probs);
        let known = TOP_KEYS;
        for k in top.keys() {
            if !known.contains(&k.as_str()) {
                let hint = did_you_mean(k, known.iter().copied(), "keys");
                probs.add(key_path("", k), None, format!("unknown key `{k}`"), hint);
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
            .and_then(|v| take::<String>(v, "description", None, probs));
        let mission = match top.get("mission").filter(|v| !v.is_null()) {
            None => HOURS_PER_YEAR,
            Some(v) => match take::<units::Duration>(v, "mission", None, probs) {
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
        Header {
            name,
            description,
            mission,
        }
    }
}
