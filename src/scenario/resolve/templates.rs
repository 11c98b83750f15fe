//! Phase `templates`: reusable defaults for components and links, by name.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::read::take;
use super::suggest::did_you_mean;
use super::{Problems, Resolver};
use crate::scenario::key_path;
use crate::scenario::wire::Template;

/// The templates that read, by name.
#[derive(Default)]
pub(super) struct Templates {
    by_name: BTreeMap<String, Template>,
    /// Templates already reported as invalid: entries naming them are left out quietly.
    broken: HashSet<String>,
}

impl Resolver<'_> {
    /// Reads `templates`.
    pub(super) fn templates(&mut self) {
        let (top, templates, probs) = (self.top, &mut self.templates, &mut self.probs);
        match top.get("templates") {
            None => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    match take::<Template>(v, &key_path("templates", k), None, probs) {
                        Some(t) => {
                            templates.by_name.insert(k.clone(), t);
                        }
                        None => {
                            templates.broken.insert(k.clone());
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
    }
}

impl Templates {
    /// The template that the entry `id` at `path` names, with its name:
    /// `Ok(None)` when it names none, `Err` when the name is unknown
    /// (reported here) or names a template reported as invalid.
    pub(super) fn named(
        &self,
        name: Option<&str>,
        path: &str,
        id: &str,
        probs: &mut Problems,
    ) -> Result<Option<(String, Template)>, ()> {
        let Some(n) = name else { return Ok(None) };
        if let Some(t) = self.by_name.get(n) {
            return Ok(Some((n.to_string(), t.clone())));
        }
        if !self.broken.contains(n) {
            let hint = did_you_mean(n, self.by_name.keys().map(String::as_str), "template names");
            probs.add(
                format!("{path}.template"),
                Some(id),
                format!("unknown template `{n}`"),
                hint,
            );
        }
        Err(())
    }
}
