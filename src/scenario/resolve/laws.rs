//! Failure, repair and logistics laws: distributions with their parameters
//! checked where they are written, and the law an entry gets from its own
//! fields and its template's.

use super::repair::Pools;
use super::{MIN_SHAPE, Problems};
use crate::model::{Distribution, HOURS_PER_YEAR, Life, ParamError};
use crate::scenario::wire::{DelaySpec, DistSpec, LifeFields, RepairSpec, Template};
use crate::scenario::{MIN_DURATION, shown};

/// Merges a template's failure and repair fields under an entry's own: each
/// group (failure: mtbf/afr/failure; repair: mttr/repair) is taken whole from
/// the entry when it sets any field of it, else from the template.
pub(super) fn merge_life(
    own: LifeFields,
    template: Option<(&str, &Template)>,
    path: &str,
    id: &str,
) -> (LifeFields, LifeSource) {
    let mut src = LifeSource {
        entry: (path.to_string(), id.to_string()),
        failure: path.to_string(),
        repair: path.to_string(),
        unread: false,
    };
    let Some((name, t)) = template else {
        return (own, src);
    };
    let t = t.life();
    let own_failure = own.mtbf.is_some() || own.afr.is_some() || own.failure.is_some();
    let own_repair = own.mttr.is_some() || own.repair.is_some();
    if !own_failure {
        src.failure = crate::scenario::key_path("templates", name);
    }
    if !own_repair {
        src.repair = crate::scenario::key_path("templates", name);
    }
    let life = LifeFields {
        mtbf: if own_failure { own.mtbf } else { t.mtbf },
        afr: if own_failure { own.afr } else { t.afr },
        failure: if own_failure { own.failure } else { t.failure },
        mttr: if own_repair { own.mttr } else { t.mttr },
        repair: if own_repair { own.repair } else { t.repair },
        logistics: own.logistics.or(t.logistics),
        repair_priority: own.repair_priority.or(t.repair_priority),
        spares: own.spares.or(t.spares),
        repair_pool: own.repair_pool.or(t.repair_pool),
    };
    (life, src)
}

/// Whether `h` [h] is shorter than [`MIN_DURATION`] but not 0, after
/// reporting it at `path` as `what` ("mttr", "a fixed duration", "the mean
/// duration") with its value and the shortest accepted. 0 and negative
/// values are for the caller to judge.
pub(super) fn below_step(h: f64, what: &str, path: &str, id: Option<&str>, probs: &mut Problems) -> bool {
    let below = h > 0.0 && h < MIN_DURATION;
    if below {
        probs.add(
            path,
            id,
            format!(
                "{what} of {h:e} h is shorter than the simulation's time step (one microsecond), \
                 so it cannot be simulated"
            ),
            Some(format!(
                "use at least {MIN_DURATION:.4e} h (one microsecond, \"0.000001s\")"
            )),
        );
    }
    below
}

/// A fixed delay [h], where 0 means none: 0, or at least [`MIN_DURATION`].
pub(super) fn fixed_delay(
    h: f64,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Distribution> {
    if below_step(h, "a delay", path, id, probs) {
        return None;
    }
    Some(Distribution::fixed(h).expect("durations are finite and not negative"))
}

/// Builds a distribution, reporting bad parameters at the path of the
/// parameter (`...failure.weibull.shape`) with the value given.
pub(super) fn dist(
    spec: &DistSpec,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Distribution> {
    let (res, family) = construct(spec, path, id, probs)?;
    checked(res, family, spec, path, id, probs)
}

/// The distribution `spec` asks for and its family, its parameters not yet
/// judged; `None` after reporting a shape too small to simulate or
/// parameters that do not go together.
fn construct(
    spec: &DistSpec,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<(Result<Distribution, ParamError>, &'static str)> {
    let given = |keys: &[(&str, bool)]| -> String {
        let set: Vec<String> = keys
            .iter()
            .filter(|(_, s)| *s)
            .map(|(k, _)| format!("`{k}`"))
            .collect();
        if set.is_empty() {
            "none of them".into()
        } else {
            set.join(", ")
        }
    };
    // Shapes this small put nearly every draw at practically zero: a trial
    // would need billions of events. Refuse them with a clear message.
    let tiny_shape = match spec {
        DistSpec::Weibull(s) => Some(("weibull", s.shape)),
        DistSpec::Gamma(s) => Some(("gamma", s.shape)),
        _ => None,
    };
    if let Some((family, shape)) = tiny_shape
        && shape.is_finite()
        && shape > 0.0
        && shape < MIN_SHAPE
    {
        probs.add(
            format!("{path}.{family}.shape"),
            id,
            format!("a {family} shape of {shape:e} puts nearly every duration at practically zero, which cannot be simulated"),
            Some(format!("use a shape of at least {MIN_SHAPE}")),
        );
        return None;
    }
    let (res, family) = match spec {
        DistSpec::Exponential(s) => (Distribution::exponential(s.mean.0), "exponential"),
        DistSpec::Weibull(s) => match (s.scale, s.mean) {
            (Some(scale), None) => (Distribution::weibull_scale(s.shape, scale.0), "weibull"),
            (None, Some(mean)) => (Distribution::weibull_mean(s.shape, mean.0), "weibull"),
            (scale, mean) => {
                probs.add(
                    format!("{path}.weibull"),
                    id,
                    format!(
                        "weibull takes `shape` and exactly one of `scale` or `mean` (got {})",
                        given(&[("scale", scale.is_some()), ("mean", mean.is_some())])
                    ),
                    Some("e.g. {\"weibull\": {\"shape\": 1.5, \"mean\": \"30000h\"}}".into()),
                );
                // The shape stands on its own: the clash hides no bad shape.
                if !(s.shape.is_finite() && s.shape > 0.0) {
                    probs.add(
                        format!("{path}.weibull.shape"),
                        id,
                        format!("shape must be finite and greater than 0 (got {})", shown(s.shape)),
                        None,
                    );
                }
                return None;
            }
        },
        DistSpec::Lognormal(s) => match (s.mean, s.sd, s.median, s.sigma) {
            (Some(m), Some(sd), None, None) => (Distribution::lognormal_mean_sd(m.0, sd.0), "lognormal"),
            (None, None, Some(md), Some(sg)) => (Distribution::lognormal_median_sigma(md.0, sg), "lognormal"),
            (mean, sd, median, sigma) => {
                probs.add(
                    format!("{path}.lognormal"),
                    id,
                    format!(
                        "lognormal takes either `mean` and `sd`, or `median` and `sigma` (got {})",
                        given(&[
                            ("mean", mean.is_some()),
                            ("sd", sd.is_some()),
                            ("median", median.is_some()),
                            ("sigma", sigma.is_some()),
                        ])
                    ),
                    Some("e.g. {\"lognormal\": {\"mean\": \"12h\", \"sd\": \"6h\"}}".into()),
                );
                return None;
            }
        },
        DistSpec::Gamma(s) => (Distribution::gamma_mean(s.shape, s.mean.0), "gamma"),
        DistSpec::Uniform(s) => (Distribution::uniform(s.min.0, s.max.0), "uniform"),
        DistSpec::Fixed(d) => (Distribution::fixed(d.0), "fixed"),
    };
    Some((res, family))
}

/// The distribution built by [`construct`], or a problem at the parameter
/// that is out of range (at the family for a fixed duration), with its value.
fn checked(
    res: Result<Distribution, ParamError>,
    family: &str,
    spec: &DistSpec,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Distribution> {
    let at = format!("{path}.{family}");
    // Parameters that are durations get their unit in messages; `shape` and `sigma` have none.
    let unit = |name: &str| {
        if matches!(name, "shape" | "sigma") {
            ""
        } else {
            " h"
        }
    };
    match res {
        Ok(d) if d.mean() > 0.0 && d.mean() < MIN_DURATION => {
            let what = if family == "fixed" {
                "a fixed duration"
            } else {
                "a mean duration"
            };
            below_step(d.mean(), what, &at, id, probs);
            None
        }
        Ok(d) if d.mean() > 0.0 && d.mean().is_finite() => Some(d),
        Ok(d) if family == "fixed" => {
            probs.add(
                at,
                id,
                format!(
                    "a fixed duration must be greater than 0 (got {} h)",
                    shown(d.mean())
                ),
                None,
            );
            None
        }
        Ok(d) => {
            probs.add(
                at,
                id,
                format!(
                    "the mean duration must be finite and greater than 0 (got {} h)",
                    d.mean()
                ),
                Some("check the shape and spread parameters".into()),
            );
            None
        }
        // The scale is derived from `shape` and `mean`: only an extreme shape makes it 0.
        Err(ParamError::NotPositive { name: "scale", value }) if matches!(spec, DistSpec::Weibull(w) if w.mean.is_some()) =>
        {
            probs.add(
                format!("{at}.shape"),
                id,
                format!(
                    "this shape gives a Weibull scale of {} h, which cannot be simulated",
                    shown(value)
                ),
                Some("use a shape of at least 0.05 or so".into()),
            );
            None
        }
        // A gamma's scale (`mean / shape`) or a lognormal's sigma from `mean`
        // and `sd` is derived: only values far apart make it 0 or infinite.
        Err(ParamError::NotPositive { name, value })
            if matches!(
                (spec, name),
                (DistSpec::Gamma(_), "scale") | (DistSpec::Lognormal(_), "sigma")
            ) && !matches!(spec, DistSpec::Lognormal(l) if l.sigma.is_some()) =>
        {
            probs.add(
                at,
                id,
                format!(
                    "these parameters give a {family} {name} of {}, which cannot be simulated",
                    shown(value)
                ),
                Some("check the shape and spread parameters: they are too far apart".into()),
            );
            None
        }
        Err(ref e @ (ParamError::NotPositive { name, value } | ParamError::Negative { name, value })) => {
            let sub = if family == "fixed" {
                at
            } else {
                format!("{at}.{name}")
            };
            let bound = match e {
                ParamError::NotPositive { .. } => "greater than 0",
                _ => "at least 0",
            };
            probs.add(
                sub,
                id,
                format!(
                    "{name} must be finite and {bound} (got {}{})",
                    shown(value),
                    unit(name)
                ),
                None,
            );
            None
        }
        // Only a lognormal's `mu` can be infinite without being negative; the file gives none.
        Err(e @ ParamError::NotFinite { .. }) => {
            probs.add(at, id, e.to_string(), None);
            None
        }
        Err(ParamError::EmptyRange { min, max }) => {
            probs.add(
                at,
                id,
                format!("min ({min} h) must be smaller than max ({max} h)"),
                Some("for a constant duration use {\"fixed\": DURATION}".into()),
            );
            None
        }
    }
}

/// Where an entry's failure and repair fields come from: the entry itself or
/// its template. Problems with a template's values are reported at the
/// template, once, and not against every entry using it.
pub(super) struct LifeSource {
    /// The entry: its path and id.
    entry: (String, String),
    /// Path of the failure fields (`mtbf`, `afr`, `failure`).
    failure: String,
    /// Path of the repair fields (`mttr`, `repair`).
    repair: String,
    /// Some of the law could not be read (a bad field, an unknown
    /// template): that a part of it is absent is not reported again.
    pub(super) unread: bool,
}

impl LifeSource {
    /// The id to report with a problem found in fields at `path`: none for a template's.
    fn id_at(&self, path: &str) -> Option<&str> {
        (path == self.entry.0).then_some(self.entry.1.as_str())
    }
}

/// A positive mean [h] for the shorthand fields, or a problem at `path`.
fn mean_hours(
    h: f64,
    name: &str,
    path: &str,
    id: Option<&str>,
    probs: &mut Problems,
) -> Option<Distribution> {
    if below_step(h, name, &format!("{path}.{name}"), id, probs) {
        return None;
    }
    let d = Distribution::exponential(h).ok();
    if d.is_none() {
        probs.add(
            format!("{path}.{name}"),
            id,
            format!("{name} must be greater than 0 (got {} h)", shown(h)),
            None,
        );
    }
    d
}

/// The failure law from its three ways of being written (at most one):
/// `Ok(None)` when none is given, `Err(())` after reporting a problem at `fp`.
pub(super) fn failure_law(
    mtbf: Option<crate::scenario::units::Duration>,
    afr: Option<crate::scenario::units::Fraction>,
    failure: Option<&DistSpec>,
    fp: &str,
    fid: Option<&str>,
    probs: &mut Problems,
) -> Result<Option<Distribution>, ()> {
    let set: Vec<&str> = [
        ("mtbf", mtbf.is_some()),
        ("afr", afr.is_some()),
        ("failure", failure.is_some()),
    ]
    .iter()
    .filter(|(_, s)| *s)
    .map(|(n, _)| *n)
    .collect();
    if set.len() > 1 {
        probs.add(
            fp,
            fid,
            format!(
                "give only one of {} (each sets the failure law)",
                set.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("an afr is converted to an mtbf: keep whichever you trust".into()),
        );
        Err(())
    } else if let Some(m) = mtbf {
        mean_hours(m.0, "mtbf", fp, fid, probs).map(Some).ok_or(())
    } else if let Some(a) = afr {
        // AFR = 1 - exp(-1 y / MTBF); ln_1p keeps tiny rates from rounding to "never fails".
        let mtbf = -HOURS_PER_YEAR / (-a.0).ln_1p();
        match Distribution::exponential(mtbf) {
            Ok(d) => Ok(Some(d)),
            Err(_) => {
                probs.add(
                    format!("{fp}.afr"),
                    fid,
                    format!(
                        "afr {} is too small to simulate (an mtbf of {} h)",
                        shown(a.0),
                        shown(mtbf)
                    ),
                    Some("leave out the failure law for an element that never fails".into()),
                );
                Err(())
            }
        }
    } else if let Some(spec) = failure {
        dist(spec, &format!("{fp}.failure"), fid, probs)
            .map(Some)
            .ok_or(())
    } else {
        Ok(None)
    }
}

/// Builds the failure/repair law from the merged fields. `Some(None)`: never fails.
pub(super) fn life(
    f: &LifeFields,
    src: &LifeSource,
    pools: &Pools,
    probs: &mut Problems,
) -> Option<Option<Life>> {
    let (fp, rp) = (src.failure.as_str(), src.repair.as_str());
    let (fid, rid) = (src.id_at(fp), src.id_at(rp));
    let failure = failure_law(f.mtbf, f.afr, f.failure.as_ref(), fp, fid, probs);
    let repair = if f.mttr.is_some() && f.repair.is_some() {
        probs.add(
            rp,
            rid,
            "give only one of `mttr` and `repair` (each sets the repair law)",
            None,
        );
        Err(())
    } else if let Some(m) = f.mttr {
        mean_hours(m.0, "mttr", rp, rid, probs)
            .map(|d| Some(Some(d)))
            .ok_or(())
    } else {
        match &f.repair {
            Some(RepairSpec::Never) => Ok(Some(None)),
            Some(RepairSpec::Dist(spec)) => dist(spec, &format!("{rp}.repair"), rid, probs)
                .map(|d| Some(Some(d)))
                .ok_or(()),
            None => Ok(None),
        }
    };
    // Logistics and priority are reported at the entry (they may come from its template).
    let (path, id) = (&src.entry.0, Some(src.entry.1.as_str()));
    let logistics = match &f.logistics {
        None => Ok(None),
        Some(DelaySpec::Fixed(d)) => fixed_delay(d.0, &format!("{path}.logistics"), id, probs)
            .map(Some)
            .ok_or(()),
        Some(DelaySpec::Dist(spec)) => dist(spec, &format!("{path}.logistics"), id, probs)
            .map(Some)
            .ok_or(()),
    };
    let spare_pool = pools.spare_pool(f.spares.as_ref(), path, id, probs);
    let crew_pool = pools.crew_pool(f.repair_pool.as_deref(), path, id, probs);
    let (Ok(failure), Ok(repair), Ok(logistics), Ok(spare_pool), Ok(crew_pool)) =
        (failure, repair, logistics, spare_pool, crew_pool)
    else {
        return None;
    };
    match (failure, repair) {
        (None, None) if f.repair_pool.is_some() && !src.unread => {
            probs.add(
                format!("{path}.repair_pool"),
                id,
                "has a `repair_pool` but never fails (no failure law), so no crew ever repairs it",
                Some("leave `repair_pool` out, or give it a failure and repair law".into()),
            );
            None
        }
        // A law of which a key could not be read is unknown, not "never fails".
        (None, None) if src.unread => None,
        (None, None) => Some(None),
        (Some(failure), Some(repair)) => Some(Some(Life {
            logistics,
            priority: f.repair_priority.unwrap_or(0),
            spare_pool,
            crew_pool,
            ..Life::new(failure, repair)
        })),
        (Some(_), None) | (None, Some(_)) if src.unread => None,
        (Some(_), None) => {
            probs.add(
                path,
                id,
                format!(
                    "has a failure law (`{}`) but no repair law",
                    if f.mtbf.is_some() {
                        "mtbf"
                    } else if f.afr.is_some() {
                        "afr"
                    } else {
                        "failure"
                    }
                ),
                Some("add `mttr`, a `repair` distribution, or \"repair\": \"never\"".into()),
            );
            None
        }
        (None, Some(_)) => {
            let given = if f.mttr.is_some() { "mttr" } else { "repair" };
            probs.add(
                path,
                id,
                format!("has a repair law (`{given}`) but no failure law, so it would never fail"),
                Some("add `mtbf`, `afr` or a `failure` distribution, or drop the repair".into()),
            );
            None
        }
    }
}
