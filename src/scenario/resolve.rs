//! Validation: from wire types to a [`Model`], collecting every problem.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Problem;
use super::wire::{
    Capacity, ComponentEntry, DistSpec, FORMAT, LifeFields, LinkEntry, RepairSpec, Requirement, ServiceEntry,
    Template,
};
use crate::model::{
    Criterion, Distribution, Element, ElementId, ElementRole, Expr, Life, ModelBuilder, ModelError, Service,
    ServiceKind,
};
use crate::model::{HOURS_PER_YEAR, Model};

/// Largest `count` on one entry.
pub const MAX_COUNT: u64 = 100_000;
/// Largest number of elements (components plus links) in a scenario.
pub const MAX_ELEMENTS: usize = 2_000_000;

const TOP_KEYS: &[&str] = &[
    "format",
    "name",
    "description",
    "mission",
    "templates",
    "components",
    "links",
    "services",
];

#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    fn add(
        &mut self,
        path: impl Into<String>,
        id: Option<&str>,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.0.push(Problem {
            path: path.into(),
            id: id.map(str::to_string),
            message: message.into(),
            hint,
        });
    }
}

/// Turns serde's messages about unknown keys and variants into ours, with a suggestion.
fn explain_serde(msg: &str) -> (String, Option<String>) {
    for (lead, what) in [("unknown field `", "key"), ("unknown variant `", "distribution")] {
        if let Some(rest) = msg.strip_prefix(lead) {
            let name = rest.split('`').next().unwrap_or_default();
            let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
            let mut hint = suggest(name, expected.iter().copied()).map(|s| format!("did you mean `{s}`?"));
            if !expected.is_empty() {
                let allowed = format!("allowed: {}", expected.join(", "));
                hint = Some(match hint {
                    Some(h) => format!("{h} ({allowed})"),
                    None => allowed,
                });
            }
            return (format!("unknown {what} `{name}`"), hint);
        }
    }
    (msg.to_string(), None)
}

/// The closest candidate to `name`, when one is close enough to be a likely typo.
fn suggest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
        .map(|(_, c)| c)
}

/// Deserializes one piece of the file, recording a problem at its path on failure.
fn take<T: DeserializeOwned>(v: &Value, path: &str, id: Option<&str>, probs: &mut Problems) -> Option<T> {
    match serde_path_to_error::deserialize::<_, T>(v) {
        Ok(t) => Some(t),
        Err(e) => {
            let inner = e.path().to_string();
            let full = match inner.as_str() {
                "." => path.to_string(),
                p if p.starts_with('[') => format!("{path}{p}"),
                p => format!("{path}.{p}"),
            };
            let (message, hint) = explain_serde(&e.into_inner().to_string());
            probs.add(full, id, message, hint);
            None
        }
    }
}

fn is_glob(s: &str) -> bool {
    s.contains('*')
}

/// Matches `*` (any run of characters, possibly empty); every other character is literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// The element table being built: ids in order, and a lookup by id.
#[derive(Default)]
struct Ids {
    ids: Vec<String>,
    /// Where each element was declared (JSON path).
    paths: Vec<String>,
    index: HashMap<String, ElementId>,
    n_components: usize,
}

impl Ids {
    /// Resolves an id or glob to elements, in declaration order.
    /// `components_only` restricts matches to components.
    fn resolve(&self, r: &str, components_only: bool) -> Result<Vec<ElementId>, (String, Option<String>)> {
        let limit = if components_only {
            self.n_components
        } else {
            self.ids.len()
        };
        if is_glob(r) {
            let hits: Vec<ElementId> = (0..limit).filter(|&i| glob_match(r, &self.ids[i])).collect();
            if hits.is_empty() {
                let what = if components_only {
                    "component"
                } else {
                    "component or link"
                };
                return Err((format!("the glob `{r}` matches no {what}"), None));
            }
            return Ok(hits);
        }
        match self.index.get(r) {
            Some(&i) if i < limit => Ok(vec![i]),
            Some(_) => Err((format!("`{r}` is a link; only components can be used here"), None)),
            None => {
                let hint = suggest(r, self.ids[..limit].iter().map(String::as_str))
                    .map(|s| format!("did you mean `{s}`?"));
                Err((format!("unknown id `{r}`"), hint))
            }
        }
    }
}

/// A component or link after template and count expansion, before resolution.
struct Pending {
    id: String,
    path: String,
    kind: Option<String>,
    life: LifeFields,
    life_path: String,
    requires: Option<Requirement>,
    domains: Vec<String>,
    role: PendingRole,
}

enum PendingRole {
    Component,
    Link(ElementId, ElementId),
}

/// Merges a template's failure and repair fields under an entry's own: each
/// group (failure: mtbf/afr/failure; repair: mttr/repair) is taken whole from
/// the entry when it sets any field of it, else from the template.
fn merge_life(own: LifeFields, template: Option<&Template>) -> LifeFields {
    let Some(t) = template else { return own };
    let t = t.life();
    let own_failure = own.mtbf.is_some() || own.afr.is_some() || own.failure.is_some();
    let own_repair = own.mttr.is_some() || own.repair.is_some();
    LifeFields {
        mtbf: if own_failure { own.mtbf } else { t.mtbf },
        afr: if own_failure { own.afr } else { t.afr },
        failure: if own_failure { own.failure } else { t.failure },
        mttr: if own_repair { own.mttr } else { t.mttr },
        repair: if own_repair { own.repair } else { t.repair },
    }
}

fn dist(spec: &DistSpec, path: &str, id: &str, probs: &mut Problems) -> Option<Distribution> {
    let (res, family) = match spec {
        DistSpec::Exponential(s) => (Distribution::exponential(s.mean.0), "exponential"),
        DistSpec::Weibull(s) => match (s.scale, s.mean) {
            (Some(scale), None) => (Distribution::weibull_scale(s.shape, scale.0), "weibull"),
            (None, Some(mean)) => (Distribution::weibull_mean(s.shape, mean.0), "weibull"),
            _ => {
                probs.add(
                    format!("{path}.weibull"),
                    Some(id),
                    "weibull takes `shape` and exactly one of `scale` or `mean`",
                    None,
                );
                return None;
            }
        },
        DistSpec::Lognormal(s) => match (s.mean, s.sd, s.median, s.sigma) {
            (Some(m), Some(sd), None, None) => (Distribution::lognormal_mean_sd(m.0, sd.0), "lognormal"),
            (None, None, Some(md), Some(sg)) => (Distribution::lognormal_median_sigma(md.0, sg), "lognormal"),
            _ => {
                probs.add(
                    format!("{path}.lognormal"),
                    Some(id),
                    "lognormal takes either `mean` and `sd`, or `median` and `sigma`",
                    None,
                );
                return None;
            }
        },
        DistSpec::Gamma(s) => (Distribution::gamma_mean(s.shape, s.mean.0), "gamma"),
        DistSpec::Uniform(s) => (Distribution::uniform(s.min.0, s.max.0), "uniform"),
        DistSpec::Fixed(d) => (Distribution::fixed(d.0), "fixed"),
    };
    match res {
        Ok(d) if d.mean() > 0.0 && d.mean().is_finite() => Some(d),
        Ok(_) => {
            probs.add(
                format!("{path}.{family}"),
                Some(id),
                "the mean duration must be greater than 0",
                None,
            );
            None
        }
        Err(e) => {
            probs.add(format!("{path}.{family}"), Some(id), e.to_string(), None);
            None
        }
    }
}

/// Builds the failure/repair law from the merged fields. `Ok(None)`: never fails.
fn life(f: &LifeFields, path: &str, id: &str, probs: &mut Problems) -> Option<Option<Life>> {
    let before = probs.0.len();
    let set: Vec<&str> = [
        ("mtbf", f.mtbf.is_some()),
        ("afr", f.afr.is_some()),
        ("failure", f.failure.is_some()),
    ]
    .iter()
    .filter(|(_, s)| *s)
    .map(|(n, _)| *n)
    .collect();
    if set.len() > 1 {
        probs.add(
            path,
            Some(id),
            format!(
                "give only one of {} (they all set the failure law)",
                set.join(", ")
            ),
            None,
        );
    }
    if f.mttr.is_some() && f.repair.is_some() {
        probs.add(path, Some(id), "give only one of mttr and repair", None);
    }
    if probs.0.len() > before {
        return None;
    }
    let failure = if let Some(m) = f.mtbf {
        if m.0 > 0.0 {
            Distribution::exponential(m.0).ok()
        } else {
            probs.add(
                format!("{path}.mtbf"),
                Some(id),
                "mtbf must be greater than 0",
                None,
            );
            return None;
        }
    } else if let Some(a) = f.afr {
        Distribution::exponential(-HOURS_PER_YEAR / (1.0 - a.0).ln()).ok()
    } else if let Some(spec) = &f.failure {
        Some(dist(spec, &format!("{path}.failure"), id, probs)?)
    } else {
        None
    };
    let repair = if let Some(m) = f.mttr {
        if m.0 > 0.0 {
            Some(Distribution::exponential(m.0).ok())
        } else {
            probs.add(
                format!("{path}.mttr"),
                Some(id),
                "mttr must be greater than 0",
                None,
            );
            return None;
        }
    } else {
        match &f.repair {
            Some(RepairSpec::Never) => Some(None),
            Some(RepairSpec::Dist(spec)) => Some(Some(dist(spec, &format!("{path}.repair"), id, probs)?)),
            None => None,
        }
    };
    match (failure, repair) {
        (None, None) => Some(None),
        (Some(failure), Some(repair)) => Some(Some(Life { failure, repair })),
        (Some(_), None) => {
            probs.add(
                path,
                Some(id),
                "has a failure law but no repair",
                Some("add `mttr`, a `repair` distribution, or \"repair\": \"never\"".into()),
            );
            None
        }
        (None, Some(_)) => {
            probs.add(
                path,
                Some(id),
                "has a repair law but no failure law, so it would never fail",
                Some("add `mtbf`, `afr` or a `failure` distribution, or drop the repair".into()),
            );
            None
        }
    }
}

/// Resolves a requirement expression to element ids. Globs inside a list
/// become one operand per match; a glob standing alone means all matches.
fn requirement(
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
        for (i, x) in xs.iter().enumerate() {
            let p = format!("{path}[{i}]");
            match x {
                Requirement::Ref(r) => match ids.resolve(r, false) {
                    Ok(hits) => out.extend(hits.into_iter().map(Expr::Elem)),
                    Err((m, h)) => {
                        probs.add(p, id, m, h);
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
        Requirement::Ref(r) => match ids.resolve(r, false) {
            Ok(hits) if hits.len() == 1 => Some(Expr::Elem(hits[0])),
            Ok(hits) => Some(Expr::All(hits.into_iter().map(Expr::Elem).collect())),
            Err((m, h)) => {
                probs.add(path, id, m, h);
                None
            }
        },
        Requirement::All(xs) => operands(xs, ids, &format!("{path}.all"), id, probs).map(Expr::All),
        Requirement::Any(xs) => operands(xs, ids, &format!("{path}.any"), id, probs).map(Expr::Any),
        Requirement::AtLeast(k, xs) => {
            let ops = operands(xs, ids, &format!("{path}.of"), id, probs)?;
            if *k == 0 || *k as usize > ops.len() {
                probs.add(
                    format!("{path}.at_least"),
                    id,
                    format!("at_least is {k} but there are {} operands", ops.len()),
                    Some(format!("use a number from 1 to {}", ops.len())),
                );
                return None;
            }
            Some(Expr::AtLeast(*k as usize, ops))
        }
    }
}

/// Entries of a top-level list, each with its path and (when readable) its id.
fn entries<'a>(
    top: &'a serde_json::Map<String, Value>,
    key: &str,
    probs: &mut Problems,
) -> Vec<(String, &'a Value)> {
    match top.get(key) {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{key}[{i}]"), v))
            .collect(),
        Some(_) => {
            probs.add(key, None, format!("`{key}` must be a list"), None);
            Vec::new()
        }
    }
}

fn id_of(v: &Value) -> Option<&str> {
    v.get("id").and_then(Value::as_str)
}

pub fn resolve(text: &str) -> Result<Model, Vec<Problem>> {
    let mut probs = Problems::default();
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            probs.add(
                "",
                None,
                format!(
                    "not valid JSON at line {}, column {}: {}",
                    e.line(),
                    e.column(),
                    strip_position(&e.to_string())
                ),
                None,
            );
            return Err(probs.0);
        }
    };
    let Some(top) = root.as_object() else {
        probs.add(
            "",
            None,
            "the scenario must be a JSON object",
            Some(format!("start from {{\"format\": \"{FORMAT}\", ...}}")),
        );
        return Err(probs.0);
    };

    for k in top.keys() {
        if !TOP_KEYS.contains(&k.as_str()) {
            let hint = suggest(k, TOP_KEYS.iter().copied()).map(|s| format!("did you mean `{s}`?"));
            probs.add(k.as_str(), None, format!("unknown key `{k}`"), hint);
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
    let description = top
        .get("description")
        .and_then(|v| take::<String>(v, "description", None, &mut probs));
    let mission = match top.get("mission") {
        None => HOURS_PER_YEAR,
        Some(v) => match take::<super::units::Duration>(v, "mission", None, &mut probs) {
            Some(d) if d.0 > 0.0 => d.0,
            Some(_) => {
                probs.add("mission", None, "mission must be longer than 0", None);
                HOURS_PER_YEAR
            }
            None => HOURS_PER_YEAR,
        },
    };

    let mut templates: BTreeMap<String, Template> = BTreeMap::new();
    match top.get("templates") {
        None => {}
        Some(Value::Object(m)) => {
            for (k, v) in m {
                if let Some(t) = take::<Template>(v, &format!("templates.{k}"), None, &mut probs) {
                    templates.insert(k.clone(), t);
                }
            }
        }
        Some(_) => probs.add(
            "templates",
            None,
            "`templates` must be an object of named templates",
            None,
        ),
    }
    let template =
        |name: &Option<String>, path: &str, id: &str, probs: &mut Problems| -> Result<Option<Template>, ()> {
            match name {
                None => Ok(None),
                Some(n) => match templates.get(n) {
                    Some(t) => Ok(Some(t.clone())),
                    None => {
                        let hint = suggest(n, templates.keys().map(String::as_str))
                            .map(|s| format!("did you mean `{s}`?"));
                        probs.add(
                            format!("{path}.template"),
                            Some(id),
                            format!("unknown template `{n}`"),
                            hint,
                        );
                        Err(())
                    }
                },
            }
        };

    // Components, with templates and counts expanded.
    let mut pending: Vec<Pending> = Vec::new();
    if !top.contains_key("components") {
        probs.add(
            "components",
            None,
            "missing `components`",
            Some("list at least one component".into()),
        );
    }
    for (path, v) in entries(top, "components", &mut probs) {
        let Some(c) = take::<ComponentEntry>(v, &path, id_of(v), &mut probs) else {
            continue;
        };
        let Ok(t) = template(&c.template, &path, &c.id, &mut probs) else {
            continue;
        };
        if c.id.trim().is_empty() || is_glob(&c.id) || c.id.contains(char::is_whitespace) {
            probs.add(
                format!("{path}.id"),
                Some(&c.id),
                "an id must be non-empty, without spaces or `*`",
                None,
            );
            continue;
        }
        let count = c.count.unwrap_or(1);
        if count == 0 || count > MAX_COUNT {
            probs.add(
                format!("{path}.count"),
                Some(&c.id),
                format!("count {count} is out of range"),
                Some(format!("use a count from 1 to {MAX_COUNT}")),
            );
            continue;
        }
        let own_life = c.life();
        let life = merge_life(own_life, t.as_ref());
        let kind = c.kind.clone().or_else(|| t.as_ref().and_then(|t| t.kind.clone()));
        let requires = c
            .requires
            .clone()
            .or_else(|| t.as_ref().and_then(|t| t.requires.clone()));
        let domains = c
            .domains
            .clone()
            .or_else(|| t.as_ref().and_then(|t| t.domains.clone()))
            .unwrap_or_default();
        let ids: Vec<String> = if c.count.is_some() {
            (1..=count).map(|k| format!("{}-{k}", c.id)).collect()
        } else {
            vec![c.id.clone()]
        };
        if pending.len() + ids.len() > MAX_ELEMENTS {
            probs.add(
                &path,
                Some(&c.id),
                format!("the scenario would have more than {MAX_ELEMENTS} elements"),
                None,
            );
            return Err(probs.0);
        }
        for id in ids {
            pending.push(Pending {
                id,
                path: path.clone(),
                kind: kind.clone(),
                life: life.clone(),
                life_path: path.clone(),
                requires: requires.clone(),
                domains: domains.clone(),
                role: PendingRole::Component,
            });
        }
    }

    let mut ids = Ids::default();
    let register = |ids: &mut Ids, id: &str, path: &str, probs: &mut Problems| {
        if let Some(&first) = ids.index.get(id) {
            probs.add(
                path,
                Some(id),
                format!("duplicate id `{id}` (first declared at {})", ids.paths[first]),
                Some("every component and link needs its own id".into()),
            );
        } else {
            ids.index.insert(id.to_string(), ids.ids.len());
        }
        ids.ids.push(id.to_string());
        ids.paths.push(path.to_string());
    };
    for p in &pending {
        register(&mut ids, &p.id, &p.path, &mut probs);
    }
    ids.n_components = ids.ids.len();

    // Links: globs in `between` expand to every pair.
    for (path, v) in entries(top, "links", &mut probs) {
        let Some(l) = take::<LinkEntry>(v, &path, id_of(v), &mut probs) else {
            continue;
        };
        let label = l.id.clone().unwrap_or_else(|| l.between.join("--"));
        let Ok(t) = template(&l.template, &path, &label, &mut probs) else {
            continue;
        };
        if let Some(t) = &t
            && (t.requires.is_some() || t.domains.is_some())
        {
            {
                probs.add(
                    format!("{path}.template"),
                    Some(&label),
                    "this template sets `requires` or `domains`, which links cannot have",
                    None,
                );
                continue;
            }
        }
        if l.between.len() != 2 {
            probs.add(
                format!("{path}.between"),
                Some(&label),
                format!("`between` needs exactly two ends (got {})", l.between.len()),
                None,
            );
            continue;
        }
        let mut ends = Vec::new();
        for (i, r) in l.between.iter().enumerate() {
            match ids.resolve(r, true) {
                Ok(h) => ends.push(h),
                Err((m, h)) => probs.add(format!("{path}.between[{i}]"), Some(&label), m, h),
            }
        }
        if ends.len() != 2 {
            continue;
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
        if pairs.is_empty() {
            probs.add(
                format!("{path}.between"),
                Some(&label),
                "a link cannot connect a component to itself",
                None,
            );
            continue;
        }
        if pending.len() + pairs.len() > MAX_ELEMENTS {
            probs.add(
                &path,
                Some(&label),
                format!("the scenario would have more than {MAX_ELEMENTS} elements"),
                None,
            );
            return Err(probs.0);
        }
        let life = merge_life(l.life(), t.as_ref());
        let kind = l.kind.clone().or_else(|| t.as_ref().and_then(|t| t.kind.clone()));
        let many = pairs.len() > 1;
        for (k, (a, b)) in pairs.into_iter().enumerate() {
            let id = match (&l.id, many) {
                (Some(id), false) => id.clone(),
                (Some(id), true) => format!("{id}-{}", k + 1),
                (None, _) => format!("{}--{}", ids.ids[a], ids.ids[b]),
            };
            register(&mut ids, &id, &path, &mut probs);
            pending.push(Pending {
                id,
                path: path.clone(),
                kind: kind.clone(),
                life: life.clone(),
                life_path: path.clone(),
                requires: None,
                domains: Vec::new(),
                role: PendingRole::Link(a, b),
            });
        }
    }

    // Failure laws and requirements.
    let mut elements = Vec::with_capacity(pending.len());
    let mut laws_cache: HashMap<String, Option<Option<Life>>> = HashMap::new();
    for p in &pending {
        // Count-expanded copies share one entry: check it once, report once.
        let key = format!("{}#{:?}", p.life_path, p.role_is_link());
        let law = match laws_cache.get(&key) {
            Some(l) => l.clone(),
            None => {
                let l = life(&p.life, &p.life_path, &p.id, &mut probs);
                laws_cache.insert(key, l.clone());
                l
            }
        };
        let mut reqs = Vec::new();
        if let Some(r) = &p.requires
            && let Some(e) = requirement(r, &ids, &format!("{}.requires", p.path), Some(&p.id), &mut probs)
        {
            reqs.push(e);
        }
        for (i, d) in p.domains.iter().enumerate() {
            match ids.resolve(d, false) {
                Ok(h) => reqs.extend(h.into_iter().map(Expr::Elem)),
                Err((m, h)) => probs.add(format!("{}.domains[{i}]", p.path), Some(&p.id), m, h),
            }
        }
        let requires = match reqs.len() {
            0 => None,
            1 => reqs.pop(),
            _ => Some(Expr::All(reqs)),
        };
        let role = match p.role {
            PendingRole::Component => ElementRole::Component,
            PendingRole::Link(a, b) => ElementRole::Link { a, b },
        };
        elements.push(Element {
            id: p.id.clone(),
            kind: p.kind.clone(),
            role,
            life: law.flatten(),
            requires,
        });
    }

    let mut services = Vec::new();
    let mut service_ids: HashMap<String, String> = HashMap::new();
    if !top.contains_key("services") {
        probs.add(
            "services",
            None,
            "missing `services`",
            Some("add at least one service to measure".into()),
        );
    }
    for (path, v) in entries(top, "services", &mut probs) {
        let Some(s) = take::<ServiceEntry>(v, &path, id_of(v), &mut probs) else {
            continue;
        };
        if let Some(first) = service_ids.get(&s.id) {
            probs.add(
                &path,
                Some(&s.id),
                format!("duplicate service id `{}` (first declared at {first})", s.id),
                None,
            );
            continue;
        }
        service_ids.insert(s.id.clone(), path.clone());
        if let Some(kind) = service(&s, &ids, &path, &mut probs) {
            services.push(Service {
                id: s.id.clone(),
                kind,
            });
        }
    }
    if top
        .get("services")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        probs.add(
            "services",
            None,
            "no services: there is nothing to measure",
            Some("add at least one service".into()),
        );
    }

    if !probs.0.is_empty() {
        return Err(probs.0);
    }
    let builder = ModelBuilder {
        name,
        description,
        mission,
        elements,
        services,
    };
    builder.build().map_err(|e| {
        let p = match e {
            ModelError::Cycle(cycle) => {
                let first = ids.index.get(&cycle[0]).copied().unwrap_or(0);
                Problem {
                    path: format!("{}.requires", ids.paths[first]),
                    id: Some(cycle[0].clone()),
                    message: format!("requirements form a cycle: {}", cycle.join(" -> ")),
                    hint: Some("a component cannot depend, even indirectly, on itself".into()),
                }
            }
            other => Problem {
                path: String::new(),
                id: None,
                message: other.to_string(),
                hint: None,
            },
        };
        vec![p]
    })
}

impl Pending {
    fn role_is_link(&self) -> bool {
        matches!(self.role, PendingRole::Link(..))
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn service(s: &ServiceEntry, ids: &Ids, path: &str, probs: &mut Problems) -> Option<ServiceKind> {
    let id = Some(s.id.as_str());
    let reach_keys =
        s.from.is_some() || s.to.is_some() || s.need.is_some() || s.capacity.is_some() || s.demand.is_some();
    if let Some(r) = &s.requires {
        if reach_keys {
            probs.add(
                path,
                id,
                "a service is either reachability (`from`, `to`, ...) or logical (`requires`), not both",
                Some("split it into two services".into()),
            );
            return None;
        }
        return requirement(r, ids, &format!("{path}.requires"), id, probs)
            .map(|expr| ServiceKind::Logic { expr });
    }
    let (Some(from), Some(to)) = (&s.from, &s.to) else {
        probs.add(
            path,
            id,
            "a service needs `from` and `to` (reachability) or `requires` (logical)",
            Some("e.g. {\"id\": \"app\", \"from\": \"internet\", \"to\": [\"srv\"]}".into()),
        );
        return None;
    };
    let before = probs.0.len();
    let from_el = match ids.resolve(from, true) {
        Ok(h) if h.len() == 1 && !is_glob(from) => Some(h[0]),
        Ok(_) => {
            probs.add(
                format!("{path}.from"),
                id,
                "`from` must be one component id, not a glob",
                None,
            );
            None
        }
        Err((m, h)) => {
            probs.add(format!("{path}.from"), id, m, h);
            None
        }
    };
    let mut targets = Vec::new();
    let mut seen = HashSet::new();
    for (i, t) in to.iter().enumerate() {
        match ids.resolve(t, true) {
            Ok(h) => targets.extend(h.into_iter().filter(|x| seen.insert(*x))),
            Err((m, h)) => probs.add(format!("{path}.to[{i}]"), id, m, h),
        }
    }
    if to.is_empty() {
        probs.add(
            format!("{path}.to"),
            id,
            "`to` is empty",
            Some("list the target components".into()),
        );
    }
    if probs.0.len() > before {
        return None;
    }
    let from = from_el?;
    if targets.contains(&from) {
        probs.add(
            format!("{path}.to"),
            id,
            format!("`{}` is both `from` and a target", ids.ids[from]),
            None,
        );
        return None;
    }
    let n = targets.len();
    let criterion = match (s.need, &s.capacity, s.demand) {
        (Some(_), Some(_), _) | (Some(_), None, Some(_)) => {
            probs.add(path, id, "give `need` or `capacity`/`demand`, not both", None);
            return None;
        }
        (need, None, None) => {
            let k = need.unwrap_or(1);
            if k == 0 || k as usize > n {
                probs.add(
                    format!("{path}.need"),
                    id,
                    format!("need is {k} but `to` names {n} target(s)"),
                    Some(format!("use a number from 1 to {n}")),
                );
                return None;
            }
            Criterion::Need(k as usize)
        }
        (None, None, Some(_)) => {
            probs.add(format!("{path}.demand"), id, "`demand` needs `capacity`", None);
            return None;
        }
        (None, Some(_), None) => {
            probs.add(format!("{path}.capacity"), id, "`capacity` needs `demand`", None);
            return None;
        }
        (None, Some(cap), Some(demand)) => {
            let capacity = capacities(cap, &targets, ids, path, id, probs)?;
            let total: f64 = capacity.iter().sum();
            if !(demand.is_finite() && demand > 0.0) {
                probs.add(
                    format!("{path}.demand"),
                    id,
                    format!("demand must be greater than 0 (got {demand})"),
                    None,
                );
                return None;
            }
            if demand > total {
                probs.add(
                    format!("{path}.demand"),
                    id,
                    format!("demand {demand} exceeds the total capacity {total} of all targets: always down"),
                    None,
                );
                return None;
            }
            Criterion::Capacity { capacity, demand }
        }
    };
    Some(ServiceKind::Reach {
        from,
        targets,
        criterion,
    })
}

fn capacities(
    cap: &Capacity,
    targets: &[ElementId],
    ids: &Ids,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Vec<f64>> {
    let ok = |c: f64| c.is_finite() && c >= 0.0;
    match cap {
        Capacity::Each(c) if ok(*c) && *c > 0.0 => Some(vec![*c; targets.len()]),
        Capacity::Each(c) => {
            probs.add(
                format!("{path}.capacity"),
                id,
                format!("capacity must be greater than 0 (got {c})"),
                None,
            );
            None
        }
        Capacity::PerTarget(m) => {
            let mut out: Vec<Option<f64>> = vec![None; targets.len()];
            let before = probs.0.len();
            for (k, &c) in m {
                let p = format!("{path}.capacity.{k}");
                if !ok(c) {
                    probs.add(
                        &p,
                        id,
                        format!("capacity must be a number of at least 0 (got {c})"),
                        None,
                    );
                    continue;
                }
                match ids.resolve(k, true) {
                    Ok(hits) => {
                        for h in hits {
                            match targets.iter().position(|&t| t == h) {
                                Some(i) => out[i] = Some(c),
                                None => probs.add(
                                    &p,
                                    id,
                                    format!("`{}` is not a target of this service", ids.ids[h]),
                                    None,
                                ),
                            }
                        }
                    }
                    Err((m, h)) => probs.add(&p, id, m, h),
                }
            }
            let missing: Vec<&str> = targets
                .iter()
                .zip(&out)
                .filter(|(_, c)| c.is_none())
                .map(|(t, _)| ids.ids[*t].as_str())
                .collect();
            if !missing.is_empty() {
                probs.add(
                    format!("{path}.capacity"),
                    id,
                    format!("no capacity given for target(s) {}", missing.join(", ")),
                    None,
                );
            }
            (probs.0.len() == before).then(|| out.into_iter().map(|c| c.unwrap_or(0.0)).collect())
        }
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
    }

    #[test]
    fn suggestions_find_likely_typos() {
        assert_eq!(
            suggest("mtbff", ["mtbf", "mttr", "kind"].into_iter()),
            Some("mtbf")
        );
        assert_eq!(suggest("zzz", ["mtbf", "mttr"].into_iter()), None);
    }
}
