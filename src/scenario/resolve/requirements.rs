//! Phase `elements`: each entry's law and requirements (once per entry,
//! shared by its `count` copies), the elements themselves, and the check
//! that requirements form no cycle.

use std::collections::HashMap;

use super::groups;
use super::ids::{Ids, Unresolved, is_glob};
use super::laws::life;
use super::repair::Pools;
use super::{Entry, MAX_REQUIREMENT_TERMS, PendingRole, Problems, Resolver, Stop};
use crate::model::{Element, ElementId, ElementRole, Expr, Life, ModelError};
use crate::scenario::wire::Requirement;

impl Resolver<'_> {
    /// Builds the elements: failure laws and requirements once per entry
    /// (count copies share them), then one element per copy. Stops when
    /// the requirements pass [`MAX_REQUIREMENT_TERMS`] in all.
    pub(super) fn elements(&mut self) -> Result<Vec<Element>, Stop> {
        let (ids, probs) = (&self.ids, &mut self.probs);
        let (entries_, pending) = (&self.entries, &self.pending);
        let mut elements = Vec::with_capacity(pending.len());
        let mut next = 0;
        for (k, e) in entries_.iter().enumerate() {
            let shared = made_of(e, ids, &self.pools, probs);
            while next < pending.len() && pending[next].entry == k {
                let p = &pending[next];
                next += 1;
                // A copy changed by a `--set` of its own is made from its own entry.
                let own = p
                    .own
                    .map(|j| made_of(&self.copy_entries[j], ids, &self.pools, probs));
                let (known, law, requires, size) = own.as_ref().unwrap_or(&shared);
                self.terms = self.terms.saturating_add(*size);
                if self.terms > MAX_REQUIREMENT_TERMS {
                    probs.add(
                        format!("{}.requires", e.path),
                        Some(&e.id),
                        format!(
                            "requirements would have more than {MAX_REQUIREMENT_TERMS} terms in all \
                             ({size} for each copy of this entry)"
                        ),
                        Some(
                            "require a few shared components (a rack, a feed) rather than globs over many"
                                .into(),
                        ),
                    );
                    return Err(Stop);
                }
                if !known {
                    self.law_unknown.insert(elements.len());
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
        self.cycle(&elements);
        Ok(elements)
    }

    /// Reports a cycle of requirements. Checked here rather than left to
    /// the model builder, so that a cycle is listed together with every
    /// other problem.
    fn cycle(&mut self, elements: &[Element]) {
        let Err(ModelError::Cycle(cycle)) = crate::model::topo_order(elements) else {
            return;
        };
        let ids = &self.ids;
        let first = ids.index.get(&cycle[0]).copied().unwrap_or(0);
        let e = self.pending.get(first).map(|p| &self.entries[p.entry]);
        let path = e
            .and_then(|e| {
                let r = e.requires.as_ref().map(|(_, p, _)| p);
                r.or(e.domains.as_ref().map(|(_, p, _)| p))
            })
            .or_else(|| ids.paths.get(first))
            .cloned()
            .unwrap_or_default();
        self.probs.add(
            path,
            Some(&cycle[0]),
            format!("requirements form a cycle: {}", cycle.join(" -> ")),
            Some(
                "a component cannot require itself, even indirectly: break one of these requirements".into(),
            ),
        );
    }
}

/// What an entry's elements are made of: whether its law is known, the
/// law, the requirement (its own, its domains), and the requirement's size.
fn made_of(
    e: &Entry,
    ids: &Ids,
    pools: &Pools,
    probs: &mut Problems,
) -> (bool, Option<Life>, Option<Expr>, usize) {
    let law = life(&e.life, &e.life_src, pools, probs);
    let known = law.is_some();
    let law = law.flatten();
    let mut reqs = Vec::new();
    if let Some((r, path, own)) = &e.requires {
        let id = own.then_some(e.id.as_str());
        reqs.extend(requirement(r, ids, path, id, probs));
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
    (known, law, requires, size)
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
pub(super) fn requirement(
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

/// Number of nodes in an expression.
pub(super) fn expr_size(e: &Expr) -> usize {
    match e {
        Expr::Elem(_) => 1,
        Expr::All(xs) | Expr::Any(xs) | Expr::AtLeast(_, xs) => 1 + xs.iter().map(expr_size).sum::<usize>(),
    }
}
