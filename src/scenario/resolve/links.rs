//! Phase `links`: link entries with their templates applied; globs in
//! `between` expand to every pair of distinct components.

use std::collections::HashSet;

use serde_json::Value;

use super::ids::{bad_id, bad_id_message};
use super::read::{element_unread, entries, forget_partial_laws, id_of, law_unread, take_partial};
use super::{Entry, MAX_ELEMENTS, Pending, PendingRole, Resolver, Stop};
use crate::model::ElementId;
use crate::scenario::wire::LinkEntry;

impl Resolver<'_> {
    /// Reads `links`. Stops when the links would pass [`MAX_ELEMENTS`]
    /// elements in all.
    pub(super) fn links(&mut self) -> Result<(), Stop> {
        for (path, v) in entries(self.top, "links", &mut self.probs) {
            self.link(path, v)?;
        }
        Ok(())
    }

    /// One link entry: a link per pair of ends, unless something in it is wrong.
    fn link(&mut self, path: String, v: &Value) -> Result<(), Stop> {
        let (ids, probs) = (&mut self.ids, &mut self.probs);
        let Some((mut l, unread)) = take_partial::<LinkEntry>(v, &path, id_of(v), probs) else {
            ids.broken.extend(id_of(v).map(str::to_string));
            return Ok(());
        };
        forget_partial_laws(&unread, &mut l.failure, &mut l.repair, &mut l.logistics);
        let label = l.id.clone().unwrap_or_else(|| l.between.join("--"));
        let template_known = self.templates.named(l.template.as_deref(), &path, &label, probs);
        // An entry with a bad field (but for a bad law value: see
        // `element_unread`) or an unknown template makes no link, but its
        // ends and its law are still checked.
        let whole = !element_unread(&unread) && template_known.is_ok();
        let t = template_known.unwrap_or(None);
        if let Some(id) = &l.id
            && bad_id(id)
        {
            probs.add(format!("{path}.id"), Some(id), bad_id_message(id), None);
            ids.broken.push(label);
            return Ok(());
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
            return Ok(());
        }
        if l.between.len() != 2 {
            probs.add(
                format!("{path}.between"),
                Some(&label),
                format!("`between` needs exactly two ends (got {})", l.between.len()),
                Some("e.g. \"between\": [\"acc-a\", \"srv\"]".into()),
            );
            ids.broken.push(label);
            return Ok(());
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
            return Ok(());
        }
        if !whole {
            let t = t.as_ref().map(|(n, t)| (n.as_str(), t));
            let mut entry = Entry::new(&path, &label, l.kind.clone(), l.life(), t);
            entry.life_src.unread = (l.template.is_some() && t.is_none()) || law_unread(&unread);
            self.entries.push(entry);
            ids.broken.push(label);
            return Ok(());
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
            return Ok(());
        }
        if self.pending.len() as u128 + n_pairs > MAX_ELEMENTS as u128 {
            probs.add(
                format!("{path}.between"),
                Some(&label),
                format!(
                    "this entry makes {n_pairs} links: the scenario would have more than {MAX_ELEMENTS} \
                     components and links (the limit)"
                ),
                Some("narrow the globs in `between`".into()),
            );
            return Err(Stop);
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
        let k = self.entries.len();
        let mut entry = Entry::new(&path, &label, l.kind.clone(), l.life(), t);
        entry.life_src.unread = law_unread(&unread);
        self.entries.push(entry);
        let many = pairs.len() > 1;
        for (i, (a, b)) in pairs.into_iter().enumerate() {
            let id = match (&l.id, many) {
                (Some(id), false) => id.clone(),
                (Some(id), true) => format!("{id}-{}", i + 1),
                (None, _) => format!("{}--{}", ids.ids[a], ids.ids[b]),
            };
            let made = many.then_some("the globs in `between`");
            ids.register(&id, &path, made, probs);
            self.pending.push(Pending {
                id,
                own: None,
                entry: k,
                role: PendingRole::Link(a, b),
            });
        }
        Ok(())
    }
}
