//! Estimates of a failure-biasing run, from the exact weighted sums of its
//! tally ([`WeightedTally`]).
//!
//! Each estimate is the mean of the per-trial weighted values `w = L·X`
//! over the `n` trials, with a Student-t interval from their exact sums
//! `Σw`, `Σw²` (the weighted values of independent trials are independent
//! and identically distributed, and their mean is unbiased for `E[X]` under
//! the plain measure). `relative_error` is the interval's half-width over
//! the point. Quantities not yet estimated under the weights (outage
//! duration quantiles, RTO and data-loss figures, mean time between
//! outages) are left out, and a warning says so: a plain
//! number computed from biased trials would describe the biased system.

use super::{
    CauseShare, Estimate, Method, PlannedSummary, RunSummary, ServiceSummary, cause_share, largest_first,
    nines, structure, t_interval,
};
use crate::engine::{ServiceTally, Tally, WeightedMoments, WeightedService, WeightedTally};
use crate::model::{HOURS_PER_YEAR, Model};

/// What a failure-biasing report leaves out for now, in one sentence.
pub const NOT_YET_WEIGHTED: &str = "estimated with failure biasing (importance sampling): outage \
     durations, the mean time between outages and the RTO and data-loss figures are not yet \
     estimated under the weights and are left out; run without --rare for them";

/// The mean of weighted per-trial values (`w · scale`) with a Student-t
/// interval over the `n` independent trials.
pub fn weighted_mean(m: &WeightedMoments, n: u64, scale: f64, confidence: f64) -> Estimate {
    let (mean, var) = m.mean_var(n);
    t_interval(mean, var, n, scale, confidence)
}

/// Confidence of the check that the mean likelihood ratio is 1 (two-sided):
/// a sound run is flagged as degenerate with probability about 0.002.
pub const DEGENERACY_CONFIDENCE: f64 = 0.998;

/// Half-width over point of an estimate's interval (the larger of its two
/// sides, so a clamped interval is not flattered); `None` at a point of 0.
pub fn relative_error(e: &Estimate) -> Option<f64> {
    let half = (e.ci_high - e.point).max(e.point - e.ci_low);
    (e.point > 0.0 && half.is_finite()).then(|| half / e.point)
}

/// Summarises a failure-biasing run's tally (`tally.weighted` must be
/// present), with each service's exact values already computed.
///
/// # Panics
/// When the tally has no weighted part, or `exact` does not have one value per service.
pub fn summarize(model: &Model, tally: &Tally, confidence: f64, exact: &[structure::Exact]) -> RunSummary {
    let w: &WeightedTally = tally
        .weighted
        .as_deref()
        .expect("a failure-biasing tally has weighted sums");
    assert_eq!(exact.len(), model.services.len(), "one exact value per service");
    let n = tally.trials;
    let mission = model.mission;
    let likelihood = weighted_mean(&w.likelihood, n, 1.0, confidence);
    let biasable = crate::engine::biases_anything(model);
    // Lives failure biasing leaves alone while it scales others: sound, but
    // a rare path through them is sampled no faster than plain.
    let unscaled: Vec<String> = model
        .elements
        .iter()
        .filter(|e| {
            e.life
                .as_ref()
                .is_some_and(|l| !crate::engine::scales_hazard(&l.failure))
        })
        .map(|e| e.id.as_str())
        .chain(
            model
                .common_cause
                .iter()
                .filter(|c| !crate::engine::scales_hazard(&c.interval))
                .map(|c| c.id.as_str()),
        )
        .map(|id| format!("`{}`", crate::model::printable(id)))
        .collect();
    let unscaled = (biasable && !unscaled.is_empty()).then(|| {
        const SHOWN: usize = 5;
        let more = unscaled.len().saturating_sub(SHOWN);
        let mut list = unscaled[..unscaled.len().min(SHOWN)].join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        format!(
            "failure biasing does not scale uniform or fixed laws: {list} keep their law (sound, but \
             outages that need their failures are sampled no faster than in a plain run)"
        )
    });
    // E[L] = 1: a mean far from 1 shows the likelihood ratio has
    // degenerated (a few trials carry all the weight), and the other
    // intervals cannot be trusted either. The test is at a strict level of
    // its own, so that a sound run is flagged about once in 500, not once
    // in 20 as at the report's 95 %.
    let strict = weighted_mean(&w.likelihood, n, 1.0, DEGENERACY_CONFIDENCE);
    let degenerate = (strict.ci_low > 1.0 || strict.ci_high < 1.0).then(|| {
        format!(
            "the mean likelihood ratio is {:.3} [{:.3}, {:.3}], not 1 as it must be on average: the weights \
             have degenerated (typically a mission with many degraded periods) and these intervals \
             cannot be trusted; shorten the mission, or run plain (--rare off)",
            likelihood.point, likelihood.ci_low, likelihood.ci_high
        )
    });
    let services = model
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let ws = &w.services[i];
            let unavail = weighted_mean(&ws.down, n, 1.0 / mission, confidence);
            let rel = relative_error(&unavail);
            let unavail = unavail.clamped(0.0, 1.0);
            let availability = unavail.complement();
            let outages = weighted_mean(&ws.outages, n, 1.0, confidence).clamped(0.0, f64::INFINITY);
            let per_year = |m: &WeightedMoments| {
                weighted_mean(m, n, HOURS_PER_YEAR / mission, confidence).clamped(0.0, f64::INFINITY)
            };
            let observed = tally.services[i].outages.sum as u64;
            let mut warnings = vec![NOT_YET_WEIGHTED.to_string()];
            warnings.extend(degenerate.clone());
            warnings.extend(unscaled.clone());
            if !biasable {
                warnings.push(
                    "no failure law or time between shocks is one that failure biasing scales \
                     (exponential, Weibull, lognormal, gamma): nothing was biased and these are plain estimates (run with --rare off for \
                     the figures left out)"
                        .to_string(),
                );
            }
            if observed == 0 {
                warnings.push(format!(
                    "no outage was observed in {n} biased trials: the interval collapses to a point; \
                     run more trials (e.g. --trials {})",
                    n.saturating_mul(10)
                ));
            }
            ServiceSummary {
                id: s.id.clone(),
                nines: nines(&availability),
                availability,
                relative_error: rel,
                downtime_hours_per_year: unavail.scaled(HOURS_PER_YEAR),
                outages_per_year: outages.scaled(HOURS_PER_YEAR / mission),
                outages_per_mission: outages,
                p_no_outage: weighted_mean(&ws.had_outage, n, 1.0, confidence)
                    .clamped(0.0, 1.0)
                    .complement(),
                outage_hours: None,
                degraded_fraction: weighted_mean(&ws.degraded, n, 1.0 / mission, confidence)
                    .clamped(0.0, 1.0),
                mean_time_between_outages_hours: None,
                outages_observed: observed,
                rto: None,
                planned: model.has_planned().then(|| PlannedSummary {
                    counts_against_availability: s.planned_counts,
                    planned_downtime_hours_per_year: per_year(&ws.planned_down),
                    unplanned_downtime_hours_per_year: per_year(&ws.unplanned_down),
                    planned_outages_observed: tally.services[i].planned_outages,
                }),
                data_loss: None,
                exact: exact[i].clone(),
                downtime_by_cause: by_cause(model, ws, &tally.services[i], n, confidence),
                warnings,
            }
        })
        .collect();
    RunSummary {
        trials: n,
        mission_hours: mission,
        confidence,
        events: tally.events,
        method: Method::FailureBiasing,
        likelihood_ratio: Some(likelihood),
        services,
    }
}

/// Weighted outage time by the failure that began each outage, largest
/// first; `outages` counts what the biased trials saw.
fn by_cause(
    model: &Model,
    w: &WeightedService,
    t: &ServiceTally,
    n: u64,
    confidence: f64,
) -> Vec<CauseShare> {
    let total: f64 = w.by_cause.values().map(WeightedMoments::total).sum();
    let mut out: Vec<CauseShare> = w
        .by_cause
        .iter()
        .map(|(&e, m)| {
            cause_share(
                model,
                e,
                t.by_cause.get(&e).map_or(0, |c| c.outages),
                weighted_mean(m, n, HOURS_PER_YEAR / model.mission, confidence).clamped(0.0, f64::INFINITY),
                if total > 0.0 { m.total() / total } else { 0.0 },
            )
        })
        .collect();
    largest_first(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::t_critical;

    #[test]
    fn weighted_mean_is_the_t_interval_of_the_values() {
        let xs = [0.5, 1.5, 2.0, 0.0];
        let mut m = WeightedMoments::default();
        xs.iter().for_each(|&x| m.add(x));
        let e = weighted_mean(&m, 4, 2.0, 0.95);
        assert!((e.point - 2.0).abs() < 1e-15);
        let sd = (xs.iter().map(|x| (x - 1.0f64).powi(2)).sum::<f64>() / 3.0).sqrt();
        let se = sd / 2.0 * 2.0;
        assert!((e.std_error.unwrap() - se).abs() < 1e-12);
        assert!((e.ci_high - e.point - t_critical(4, 0.95) * se).abs() < 1e-12);
        assert!((relative_error(&e).unwrap() - t_critical(4, 0.95) * se / 2.0).abs() < 1e-12);
        let zero = Estimate {
            point: 0.0,
            std_error: Some(0.0),
            ci_low: 0.0,
            ci_high: 0.0,
            confidence: 0.95,
        };
        assert_eq!(relative_error(&zero), None);
    }
}
