//! The file as a whole and phase `header`: a JSON object, its top-level
//! keys (known from the wire type [`ScenarioFile`]), `format`, `name`,
//! `description` and `mission`.

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::{Map, Value};

use super::read::{read_json, take};
use super::suggest::did_you_mean;
use super::{MAX_MISSION, MIN_MISSION, Resolver};
use crate::model::HOURS_PER_YEAR;
use crate::scenario::wire::{FORMAT, ScenarioFile};
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

/// The keys a scenario file may have at its top level: the fields of
/// [`ScenarioFile`], as its derived `Deserialize` lists them.
pub(super) fn top_keys() -> &'static [&'static str] {
    struct_fields::<ScenarioFile>()
}

/// The field names that `T`'s `Deserialize` passes to `deserialize_struct`
/// (serde's own list, the one `deny_unknown_fields` checks against).
fn struct_fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    /// A deserializer that only records the fields it is asked for.
    struct Fields<'f>(&'f mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for Fields<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    // The error is the point: the fields are recorded before it.
    let _ = T::deserialize(Fields(&mut fields));
    fields
}

impl Resolver<'_> {
    /// Checks the top-level keys, `format` and `name`, and reads
    /// `description` and `mission` (a year when absent or invalid).
    pub(super) fn header(&mut self) -> Header {
        let (top, probs) = (self.top, &mut self.probs);
        let known = top_keys();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_level_keys_are_the_wire_types_fields() {
        // The JSON Schema is derived from the same type by schemars, on its own.
        let schema = crate::scenario::wire::schema();
        let mut from_schema: Vec<&str> = schema["properties"]
            .as_object()
            .expect("the schema lists the top-level properties")
            .keys()
            .map(String::as_str)
            .collect();
        from_schema.sort_unstable();
        let mut keys = top_keys().to_vec();
        keys.sort_unstable();
        assert_eq!(keys, from_schema);
        for k in [
            "format",
            "name",
            "components",
            "links",
            "services",
            "repair",
            "spare_pools",
        ] {
            assert!(keys.contains(&k), "{k}");
        }
    }
}
