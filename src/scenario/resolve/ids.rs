//! Ids: what makes a valid id, globs, and the element table that
//! references are resolved against.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::groups;
use super::suggest::did_you_mean;
use super::{MAX_ID_LEN, Problems};
use crate::model::ElementId;

/// What is wrong with `id` as an id, if anything: empty, too long, with
/// white space, `*` (globs), control characters or Unicode non-characters
/// (they would reach terminals, file names and XML), or the group prefix.
pub(super) fn id_problem(id: &str) -> Option<String> {
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
        crate::scenario::quoted(id, 40)
    ))
}

/// Whether `id` cannot be an id (see [`id_problem`]).
pub(super) fn bad_id(id: &str) -> bool {
    id_problem(id).is_some()
}

pub(super) fn bad_id_message(id: &str) -> String {
    id_problem(id).unwrap_or_default()
}

pub(super) fn is_glob(s: &str) -> bool {
    s.contains('*')
}

/// Matches `*` (any run of characters, possibly empty); every other character is literal.
fn glob_match(pattern: &str, text: &str) -> bool {
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
pub(super) struct Ids {
    pub(super) ids: Vec<String>,
    /// Where each element was declared (JSON path).
    pub(super) paths: Vec<String>,
    pub(super) index: HashMap<String, ElementId>,
    pub(super) n_components: usize,
    /// Ids of entries that were already reported as invalid and left out.
    /// References to them are not reported again: one mistake, one problem.
    pub(super) broken: Vec<String>,
    /// The component list itself is missing or unreadable: no reference can be checked.
    pub(super) unknowable: bool,
    /// Ids given to links, known before the links are read, to explain a
    /// link used where a component is needed.
    pub(super) link_names: HashSet<String>,
    /// Members of each valid group, by group id.
    pub(super) groups: BTreeMap<String, Vec<ElementId>>,
    /// The components sorted by id, built when a glob is first resolved:
    /// a glob's matches start with its literal prefix, so a glob is matched
    /// against the ids that share that prefix, not against every id.
    by_id: std::cell::RefCell<Vec<u32>>,
    /// Ids of groups already reported as invalid.
    pub(super) broken_groups: Vec<String>,
}

/// Why a reference did not resolve.
pub(super) struct Unresolved {
    pub(super) message: String,
    pub(super) hint: Option<String>,
    /// The reference names an entry already reported as invalid; saying so
    /// again would only bury the real problem.
    pub(super) derived: bool,
}

impl Problems {
    pub(super) fn unresolved(&mut self, path: impl Into<String>, id: Option<&str>, u: Unresolved) {
        if !u.derived {
            self.add(path, id, u.message, u.hint);
        }
    }
}

impl Ids {
    /// Resolves an id or glob to elements, in declaration order.
    /// `components_only` restricts matches to components.
    pub(super) fn resolve(&self, r: &str, components_only: bool) -> Result<Vec<ElementId>, Unresolved> {
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
    pub(super) fn names_broken(&self, r: &str) -> bool {
        self.broken.iter().any(|b| {
            let copy = r
                .strip_prefix(b.as_str())
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()));
            r == b || copy || (is_glob(r) && (glob_match(r, b) || glob_match(r, &format!("{b}-1"))))
        })
    }

    /// Adds the next element's id, declared at `path`, reporting it when it
    /// is taken. `made`: how the entry made this id, when it is not the id
    /// as written.
    pub(super) fn register(&mut self, id: &str, path: &str, made: Option<&str>, probs: &mut Problems) {
        if let Some(&first) = self.index.get(id) {
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
                    self.paths[first]
                ),
                Some(hint.into()),
            );
        } else {
            self.index.insert(id.to_string(), self.ids.len());
        }
        self.ids.push(id.to_string());
        self.paths.push(path.to_string());
    }
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
}
