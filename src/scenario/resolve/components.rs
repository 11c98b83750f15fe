//! Phase `components`: component entries with their templates applied and
//! `count` expanded into copies `ID-1`, `ID-2`, ..., then each copy's id.

use std::collections::BTreeMap;

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
        // A change to a copy whose entry a later `--set` took away.
        for (ch, found) in self.copies.iter().zip(&self.copy_found) {
            if !found {
                self.probs.add(
                    format!("--set {}", ch.spec),
                    None,
                    format!("no component entry is named `{}`", ch.base),
                    Some(format!(
                        "`{}` was a copy of it before another --set changed `components`",
                        ch.id()
                    )),
                );
            }
        }
        self.register_components();
        Ok(())
    }

    /// One component entry: its copies join the elements to be, unless
    /// something in it is wrong.
    fn component(&mut self, path: String, v: &Value) -> Result<(), Stop> {
        let Some((mut c, unread)) = take_partial::<ComponentEntry>(v, &path, id_of(v), &mut self.probs)
        else {
            // A bare string was most likely meant as the id.
            self.ids
                .broken
                .extend(id_of(v).or(v.as_str()).map(str::to_string));
            return Ok(());
        };
        forget_partial_laws(&unread, &mut c.failure, &mut c.repair, &mut c.logistics);
        // An entry whose id, count, template or any field but its law is
        // wrong makes no element, but what it does hold is still checked
        // below. One with a bad law value is made, its law unknown.
        let (entry, mut copies) = self.entry(&path, &c, &unread);
        let (ids, probs) = (&mut self.ids, &mut self.probs);
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
        let k = self.entries.len();
        self.entries.push(entry);
        let own = if c.count.is_some() {
            self.changed_copies(&path, v, &c.id, count, copies)
        } else {
            BTreeMap::new()
        };
        if !copies {
            return Ok(());
        }
        if c.count.is_some() {
            self.pending.extend((1..=count).map(|i| Pending {
                id: format!("{}-{i}", c.id),
                entry: k,
                own: own.get(&i).copied(),
                role: PendingRole::Component,
            }));
        } else {
            self.pending.push(Pending {
                id: c.id.clone(),
                entry: k,
                own: None,
                role: PendingRole::Component,
            });
        }
        Ok(())
    }

    /// The entry `c`, read at `path`, with its template applied, and
    /// whether it can make elements: its template is known and nothing but
    /// a law was left unread.
    fn entry(&mut self, path: &str, c: &ComponentEntry, unread: &[String]) -> (Entry, bool) {
        let template_known = self
            .templates
            .named(c.template.as_deref(), path, &c.id, &mut self.probs);
        let usable = !element_unread(unread) && template_known.is_ok();
        let t = template_known.unwrap_or(None);
        let t = t.as_ref().map(|(n, t)| (n.as_str(), t));
        let mut entry = Entry::new(path, &c.id, c.kind.clone(), c.life(), t);
        entry.life_src.unread = (c.template.is_some() && t.is_none()) || law_unread(unread);
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
        (entry, usable)
    }

    /// The copies of the entry `id` (read from `v` at `path`, with `count`
    /// copies) that a `--set` of their own changes, each with the index of
    /// the entry it is made from (in `copy_entries`): the entry's JSON with
    /// the changes applied, read as the entry is. `make` is false when the
    /// entry makes no element: the changes are then only marked as found.
    fn changed_copies(
        &mut self,
        path: &str,
        v: &Value,
        id: &str,
        count: u64,
        make: bool,
    ) -> BTreeMap<u64, usize> {
        let mut changed: BTreeMap<u64, Value> = BTreeMap::new();
        for (j, ch) in self.copies.iter().enumerate() {
            if ch.base != id {
                continue;
            }
            self.copy_found[j] = true;
            if ch.copy > count {
                self.probs.add(
                    format!("--set {}", ch.spec),
                    None,
                    format!("no component is named `{}`: `{id}` has `count` {count}", ch.id()),
                    Some(format!("its copies are `{id}-1` to `{id}-{count}`")),
                );
            } else if make {
                ch.apply_to(changed.entry(ch.copy).or_insert_with(|| v.clone()));
            }
        }
        let mut own = BTreeMap::new();
        for (copy, patched) in changed {
            let Some((mut c, unread)) =
                take_partial::<ComponentEntry>(&patched, path, id_of(&patched), &mut self.probs)
            else {
                continue;
            };
            forget_partial_laws(&unread, &mut c.failure, &mut c.repair, &mut c.logistics);
            // A copy whose entry cannot be read has its problems told; it
            // stays as its entry makes it.
            let (entry, usable) = self.entry(path, &c, &unread);
            if usable {
                own.insert(copy, self.copy_entries.len());
                self.copy_entries.push(entry);
            }
        }
        own
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
