//! Phase `components`: component entries with their templates applied and
//! `count` expanded into copies `ID-1`, `ID-2`, ..., then each copy's id.

use serde_json::Value;

use super::ids::{bad_id, bad_id_message};
use super::read::{element_unread, entries, forget_partial_laws, id_of, law_unread, take_partial};
use super::{Entry, MAX_COUNT, MAX_ELEMENTS, Pending, PendingRole, Resolver, Stop};
use crate::scenario::key_path;
use crate::scenario::wire::ComponentEntry;

impl Resolver<'_> {
    /// Reads `components`, then gives every copy its id. Stops when the
    /// copies would pass [`MAX_ELEMENTS`].
    pub(super) fn components(&mut self) -> Result<(), Stop> {
        let (top, ids, probs) = (self.top, &mut self.ids, &mut self.probs);
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
        for (path, v) in entries(top, "components", probs) {
            self.component(path, v)?;
        }
        self.register_components();
        Ok(())
    }

    /// One component entry: its copies join the elements to be, unless
    /// something in it is wrong.
    fn component(&mut self, path: String, v: &Value) -> Result<(), Stop> {
        let (ids, probs) = (&mut self.ids, &mut self.probs);
        let Some((mut c, unread)) = take_partial::<ComponentEntry>(v, &path, id_of(v), probs) else {
            // A bare string was most likely meant as the id.
            ids.broken.extend(id_of(v).or(v.as_str()).map(str::to_string));
            return Ok(());
        };
        forget_partial_laws(&unread, &mut c.failure, &mut c.repair, &mut c.logistics);
        let template_known = self.templates.named(c.template.as_deref(), &path, &c.id, probs);
        // An entry whose id, count, template or any field but its law is
        // wrong makes no element, but what it does hold is still checked
        // below. One with a bad law value is made, its law unknown.
        let mut copies = !element_unread(&unread) && template_known.is_ok();
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
        if copies && self.pending.len() + count as usize > MAX_ELEMENTS {
            probs.add(
                format!("{path}.count"),
                Some(&c.id),
                format!("the scenario would have more than {MAX_ELEMENTS} components and links (the limit)"),
                Some("model a representative slice, or fewer, larger components".into()),
            );
            return Err(Stop);
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
                            .map(|r| (r, format!("{}.requires", key_path("templates", n)), false))
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
                            .map(|d| (d, format!("{}.domains", key_path("templates", n)), false))
                    })
                }),
            ..entry
        };
        let k = self.entries.len();
        self.entries.push(entry);
        if !copies {
            return Ok(());
        }
        if c.count.is_some() {
            self.pending.extend((1..=count).map(|i| Pending {
                id: format!("{}-{i}", c.id),
                entry: k,
                role: PendingRole::Component,
            }));
        } else {
            self.pending.push(Pending {
                id: c.id.clone(),
                entry: k,
                role: PendingRole::Component,
            });
        }
        Ok(())
    }

    /// Gives each copy its id (a duplicate is reported where it is
    /// declared), and records the links' ids, known before the links are
    /// read.
    fn register_components(&mut self) {
        for p in &self.pending {
            let e = &self.entries[p.entry];
            let made = (p.id != e.id).then_some("this entry's `count`");
            self.ids.register(&p.id, &e.path, made, &mut self.probs);
        }
        if let Some(Value::Array(links)) = self.top.get("links") {
            self.ids.link_names = links.iter().filter_map(id_of).map(str::to_string).collect();
        }
        self.ids.n_components = self.ids.ids.len();
    }
}
