//! Phase `shocks`: the common-cause shocks of `common_cause`, checked
//! against the elements.

use std::collections::HashMap;

use super::Resolver;
use super::ids::{bad_id, bad_id_message};
use super::laws::failure_law;
use super::read::{entries, id_of, take_partial};
use crate::model::{CommonCause, Element};
use crate::scenario::shown;
use crate::scenario::wire::CommonCauseSpec;

impl Resolver<'_> {
    /// Reads `common_cause`: the shocks, checked against the elements.
    pub(super) fn shocks(&mut self, elements: &[Element]) -> Vec<CommonCause> {
        let (top, ids, probs) = (self.top, &self.ids, &mut self.probs);
        let law_unknown = &self.law_unknown;
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
                            } else if elements.get(h).is_some_and(|e| e.life.is_none())
                                && !law_unknown.contains(&h)
                            {
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
}
