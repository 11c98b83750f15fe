//! The topology as a Graphviz DOT graph.

use std::fmt::Write as _;

use crate::model::escape::dot;
use crate::model::{ElementRole, GroupMode, Model};

/// Quotes a string for DOT.
fn q(s: &str) -> String {
    format!("\"{}\"", dot(s))
}

/// DOT text of the topology: components as nodes, links as solid edges,
/// requirements (power, racks, sites and other failure domains) as dashed
/// arrows to what is required, failure domains as tab-shaped nodes in
/// clusters with what needs them alone, each group as a cluster, and the
/// elements in `spofs` in red.
pub fn to_dot(model: &Model, spofs: &[bool]) -> String {
    to_dot_view(model, spofs, &DotView::default())
}

/// What part of the topology [`to_dot_view`] draws.
#[derive(Debug, Clone, Default)]
pub struct DotView {
    /// Only the elements with `only[e]` (and the ends of the links among
    /// them), titled with `service`: what one service depends on.
    pub only: Option<(Vec<bool>, String)>,
    /// Leave out the dashed requirement arrows.
    pub hide_requirements: bool,
}

/// [`to_dot`] of the part of the topology `view` keeps: only one service's
/// elements, and with or without requirement arrows.
pub fn to_dot_view(model: &Model, spofs: &[bool], view: &DotView) -> String {
    let mut keep = vec![true; model.elements.len()];
    let mut title = model.name.clone();
    if let Some((only, service)) = &view.only {
        keep.clone_from(only);
        // A link drawn needs both its ends.
        for (e, el) in model.elements.iter().enumerate() {
            if let ElementRole::Link { a, b } = el.role
                && only[e]
            {
                keep[a] = true;
                keep[b] = true;
            }
        }
        title = format!("{}: service {service}", model.name);
    }
    let keep = &keep;
    let mut o = String::new();
    let _ = writeln!(o, "graph {} {{", q(&title));
    let _ = writeln!(
        o,
        "  graph [rankdir=LR, fontname=\"Helvetica\", label={}];",
        q(&title)
    );
    let _ = writeln!(o, "  node [shape=box, style=rounded, fontname=\"Helvetica\"];");
    let _ = writeln!(o, "  edge [fontname=\"Helvetica\"];");
    let node = |o: &mut String, e: usize, indent: &str, domain: &[bool]| {
        let el = &model.elements[e];
        // `\n` is DOT's line break inside a label.
        let label = match &el.kind {
            Some(k) => format!("\"{}\\n({})\"", dot(&el.id), dot(k)),
            None => q(&el.id),
        };
        let mut attrs = vec![format!("label={label}")];
        if domain[e] {
            attrs.push("shape=tab".into());
        }
        if el.life.is_none() {
            attrs.push("style=\"rounded,dashed\"".into());
        }
        if spofs[e] {
            attrs.push("color=red, fontcolor=red, penwidth=2.5".into());
        }
        let _ = writeln!(o, "{indent}{} [{}];", q(&el.id), attrs.join(", "));
    };
    // A failure domain (feed, rack, site): required by others, in no traffic
    // path; drawn as a tab-shaped node.
    let mut required = vec![false; model.elements.len()];
    for el in &model.elements {
        if let Some(r) = &el.requires {
            let mut xs = Vec::new();
            r.elements(&mut xs);
            xs.into_iter().for_each(|x| required[x] = true);
        }
    }
    let domain: Vec<bool> = (0..model.elements.len())
        .map(|e| {
            required[e] && model.links_at(e).is_empty() && model.elements[e].role == ElementRole::Component
        })
        .collect();
    let mut in_group = vec![false; model.elements.len()];
    for (gi, g) in model.groups.iter().enumerate() {
        let mode = match g.mode {
            GroupMode::ActivePassive { .. } => "active-passive",
            GroupMode::ActiveActive { .. } => "active-active",
        };
        for &m in &g.members {
            in_group[m] = true;
        }
        if !g.members.iter().any(|&m| keep[m]) {
            continue;
        }
        let _ = writeln!(o, "  subgraph cluster_group_{gi} {{");
        let _ = writeln!(
            o,
            "    label={}; style=dashed; color=blue;",
            q(&format!("group {} ({mode})", g.id))
        );
        for &m in g.members.iter().filter(|&&m| keep[m]) {
            node(&mut o, m, "    ", &domain);
        }
        let _ = writeln!(o, "  }}");
    }
    // A domain is drawn as a cluster with the components that need it and
    // no other domain; a component on several domains (a server on feeds A
    // and B) stays outside, its dashed arrows showing where it belongs.
    // Each component's one domain, if it needs exactly one, found in one
    // pass (not one pass over all elements per domain).
    let mut needing: Vec<Vec<usize>> = vec![Vec::new(); model.elements.len()];
    for (e, el) in model.elements.iter().enumerate() {
        let Some(r) = &el.requires else { continue };
        if el.role != ElementRole::Component {
            continue;
        }
        let mut deps = Vec::new();
        r.elements(&mut deps);
        deps.retain(|&x| domain[x]);
        deps.sort_unstable();
        deps.dedup();
        if let [d] = deps[..] {
            needing[d].push(e);
        }
    }
    let mut placed = in_group.clone();
    let mut k = 0;
    for (d, &is_domain) in domain.iter().enumerate() {
        if !is_domain || placed[d] || !keep[d] {
            continue;
        }
        let members: Vec<usize> = needing[d]
            .iter()
            .copied()
            .filter(|&e| !placed[e] && e != d && keep[e])
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(o, "  subgraph cluster_domain_{k} {{");
        let _ = writeln!(
            o,
            "    label={}; style=dotted; color=gray40;",
            q(&format!("domain {}", model.elements[d].id))
        );
        for &e in std::iter::once(&d).chain(&members) {
            placed[e] = true;
            node(&mut o, e, "    ", &domain);
        }
        let _ = writeln!(o, "  }}");
        k += 1;
    }
    for (e, el) in model.elements.iter().enumerate() {
        if el.role == ElementRole::Component && !placed[e] && keep[e] {
            node(&mut o, e, "  ", &domain);
        }
    }
    for (e, el) in model.elements.iter().enumerate() {
        if let ElementRole::Link { a, b } = el.role
            && keep[e]
        {
            let mut attrs = vec![format!("tooltip={}", q(&el.id))];
            if el.life.is_none() {
                attrs.push("style=dotted".into());
            }
            if spofs[e] {
                attrs.push(format!("color=red, penwidth=2.5, label={}", q(&el.id)));
            }
            let _ = writeln!(
                o,
                "  {} -- {} [{}];",
                q(&model.elements[a].id),
                q(&model.elements[b].id),
                attrs.join(", ")
            );
        }
    }
    for (e, el) in model.elements.iter().enumerate() {
        if el.role != ElementRole::Component || view.hide_requirements || !keep[e] {
            continue;
        }
        let Some(r) = &el.requires else { continue };
        let mut deps = Vec::new();
        r.elements(&mut deps);
        deps.sort_unstable();
        deps.dedup();
        for d in deps.into_iter().filter(|&d| keep[d]) {
            // A link is an edge, not a node: point at its ends, labelled with it.
            let (targets, label) = match model.elements[d].role {
                ElementRole::Link { a, b } => (vec![a, b], format!(", label={}", q(&model.elements[d].id))),
                ElementRole::Component => (vec![d], String::new()),
            };
            for t in targets {
                let _ = writeln!(
                    o,
                    "  {} -- {} [style=dashed, dir=forward, arrowsize=0.6, color=gray40, constraint=false{label}];",
                    q(&el.id),
                    q(&model.elements[t].id)
                );
            }
        }
    }
    let _ = writeln!(o, "}}");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_domains_cluster_as_before_the_one_pass_placement() {
        // `feed-a` is a domain that needs domain `room` alone: it joins
        // room's cluster, and the PSUs that need it alone are then drawn
        // outside; `srv` needs two domains and stays outside. The expected
        // text is what the per-domain scan over every element wrote.
        let m = crate::scenario::parse(
            r#"{"format": "redsim/1", "name": "nested", "mission": "1y",
             "components": [{"id": "room", "mtbf": "1000h", "mttr": "1h"},
                {"id": "feed-a", "mtbf": "1000h", "mttr": "1h", "requires": "room"},
                {"id": "psu", "count": 2, "mtbf": "1000h", "mttr": "1h", "requires": "feed-a"},
                {"id": "rack", "mtbf": "1000h", "mttr": "1h"},
                {"id": "sw", "mtbf": "1000h", "mttr": "1h", "requires": "rack"},
                {"id": "srv", "mtbf": "1000h", "mttr": "1h",
                 "requires": {"all": [{"any": ["psu-1", "psu-2"]}, "rack"]}}],
             "links": [{"between": ["sw", "srv"]}],
             "services": [{"id": "s", "from": "sw", "to": ["srv"]}]}"#,
        )
        .unwrap();
        let dot = to_dot(&m, &vec![false; m.elements.len()]);
        let clusters: Vec<&str> = dot
            .lines()
            .filter(|l| l.starts_with("  subgraph") || l.starts_with("    \"") || l.starts_with("  \"psu"))
            .collect();
        assert_eq!(
            clusters,
            [
                "  subgraph cluster_domain_0 {",
                "    \"room\" [label=\"room\", shape=tab];",
                "    \"feed-a\" [label=\"feed-a\", shape=tab];",
                "  subgraph cluster_domain_1 {",
                "    \"rack\" [label=\"rack\", shape=tab];",
                "    \"sw\" [label=\"sw\"];",
                "  \"psu-1\" [label=\"psu-1\", shape=tab];",
                "  \"psu-2\" [label=\"psu-2\", shape=tab];",
                "  \"psu-1\" -- \"feed-a\" [style=dashed, dir=forward, arrowsize=0.6, color=gray40, constraint=false];",
                "  \"psu-2\" -- \"feed-a\" [style=dashed, dir=forward, arrowsize=0.6, color=gray40, constraint=false];",
            ]
        );
    }
}
