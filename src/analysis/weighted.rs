//! Estimates of a failure-biasing run, from the exact weighted sums of its
//! tally ([`WeightedTally`]).
//!
//! Each estimate is the mean of the per-trial weighted values `w = L·X`
//! over the `n` trials (the weighted values of independent trials are
//! independent and identically distributed, and their mean is unbiased for
//! `E[X]` under the plain measure), with a gamma interval from their exact
//! sums `Σw`, `Σw²` and largest value ([`weighted_mean`]). `relative_error`
//! is the interval's half-width over the point. Outage durations, the RTO
//! figures and the mean time between outages weight each outage by the
//! likelihood ratio at its end; data losses by the trial's final ratio.
//! Counts of what the biased trials saw (`outages_observed`, the longest
//! outage) are reported as seen.

use super::{
    CauseShare, DataLossSummary, Durations, Estimate, Method, PlannedSummary, RpoSummary, RtoSummary,
    RunSummary, ServiceSummary, cause_share, intervals, largest_first, nines, structure, t_interval,
};
use crate::engine::{
    DurationHist, ServiceTally, TICKS_PER_HOUR, Tally, WeightedMoments, WeightedService, WeightedTally,
};
use crate::model::{HOURS_PER_YEAR, Model};

/// The mean of weighted per-trial values (`w · scale`) over the `n`
/// independent trials, with the gamma interval of
/// `fay_feuer` whose upper end allows for one
/// more trial as heavy as the heaviest seen (Fay and Feuer's own allowance,
/// one more event of the largest weight) while the effective number of
/// weighted values (Kish, `(Σw)²/Σw²`) is below
/// [`allowance_threshold`](super::intervals::allowance_threshold), fading to
/// the t interval after it as the down-time intervals of plain runs do.
/// The likelihood ratio makes the weighted values heavy tailed: on few
/// effective values a t interval misses, nearly always below (coverage 0.91
/// at 1,000 trials of the coverage study's failure-biasing regime); this one
/// covers (docs/methodology.md). With every value zero the interval is the
/// point 0: no bound can be drawn from weighted values that are all zero.
pub fn weighted_mean(m: &WeightedMoments, n: u64, scale: f64, confidence: f64) -> Estimate {
    let (mean, var) = m.mean_var(n);
    let nf = n as f64;
    let (sum, sum_sq) = (m.total(), m.total_sq());
    let centred = if var.is_finite() { var * (nf - 1.0) } else { 0.0 };
    let effective = effective_weighted(m);
    let typical = if sum > 0.0 { sum_sq / sum } else { 0.0 };
    let allowance = intervals::allowance(
        effective,
        typical,
        intervals::allowance_threshold(confidence),
        m.max(),
    );
    let (low, high) = intervals::fay_feuer(sum, centred, allowance, n, confidence, 0.0);
    Estimate {
        point: mean * scale,
        std_error: Some(if var.is_finite() {
            (var / nf).sqrt() * scale
        } else {
            0.0
        }),
        ci_low: low.min(mean) * scale,
        ci_high: high.max(mean) * scale,
        confidence,
    }
}

/// Kish's effective number of weighted per-trial values, `(Σw)²/Σw²` (0
/// when all are 0): the count [`intervals::too_few_outages`] judges.
pub fn effective_weighted(m: &WeightedMoments) -> f64 {
    let (sum, sum_sq) = (m.total(), m.total_sq());
    if sum_sq > 0.0 { sum * sum / sum_sq } else { 0.0 }
}

/// The mean of weighted per-trial values with a Student-t interval: for
/// the likelihood ratio, whose mean is 1 whatever the run and whose check
/// (is it 1?) is two-sided.
pub fn t_weighted_mean(m: &WeightedMoments, n: u64, scale: f64, confidence: f64) -> Estimate {
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

/// The warning of a service that `n` biased trials saw no outage of (its
/// weighted interval is a point, which [`super::rare::bound_unseen`]
/// replaces with the plain pilot's bound where it can).
pub(crate) fn unseen_warning(n: u64) -> String {
    format!(
        "no outage was observed in {n} biased trials: the interval collapses to a point; \
         run more trials (e.g. --trials {})",
        n.saturating_mul(10)
    )
}

/// The warning that failure biasing leaves the laws of `unscaled` (ids,
/// quoted) alone while it scales others; `None` when it biases nothing or
/// there are none.
fn unscaled_warning(biasable: bool, unscaled: &[String]) -> Option<String> {
    (biasable && !unscaled.is_empty()).then(|| {
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
    })
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
    let likelihood = t_weighted_mean(&w.likelihood, n, 1.0, confidence);
    let biasable = crate::engine::biases_anything(model);
    // Lives failure biasing leaves alone while it scales others: sound, but
    // a rare path through them is sampled no faster than plain. Said only
    // of a service that depends on them (an element, or a shock hitting one).
    let unscaled_for = |deps: &[bool]| -> Option<String> {
        let unscaled: Vec<String> = model
            .elements
            .iter()
            .zip(deps)
            .filter(|&(e, &dep)| {
                dep && e
                    .life
                    .as_ref()
                    .is_some_and(|l| !crate::engine::scales_hazard(&l.failure))
            })
            .map(|(e, _)| e.id.as_str())
            .chain(
                model
                    .common_cause
                    .iter()
                    .filter(|c| {
                        !crate::engine::scales_hazard(&c.interval) && c.members.iter().any(|&m| deps[m])
                    })
                    .map(|c| c.id.as_str()),
            )
            .map(|id| format!("`{}`", crate::model::printable(id)))
            .collect();
        unscaled_warning(biasable, &unscaled)
    };
    // E[L] = 1: a mean far from 1 shows the likelihood ratio has
    // degenerated (a few trials carry all the weight), and the other
    // intervals cannot be trusted either. The test is at a strict level of
    // its own, so that a sound run is flagged about once in 500, not once
    // in 20 as at the report's 95 %.
    let strict = t_weighted_mean(&w.likelihood, n, 1.0, DEGENERACY_CONFIDENCE);
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
            let t = &tally.services[i];
            let observed = t.outages.sum as u64;
            let mut warnings = Vec::new();
            warnings.extend(degenerate.clone());
            warnings.extend(unscaled_for(&model.depends_on(i)));
            if !biasable {
                warnings.push(
                    "no failure law or time between shocks is one that failure biasing scales \
                     (exponential, Weibull, lognormal, gamma): nothing was biased and these are plain estimates (run with --rare off for \
                     the figures left out)"
                        .to_string(),
                );
            }
            let effective = effective_weighted(&ws.down);
            let few_outages = intervals::too_few_outages(effective, confidence);
            if observed == 0 {
                warnings.push(unseen_warning(n));
            } else if few_outages {
                let threshold = intervals::allowance_threshold(confidence);
                warnings.push(format!(
                    "the weighted outages of {n} biased trials count as only {effective:.1} effective ones (fewer \
                     than {threshold}): the intervals allow for one more trial as heavy as the heaviest seen, and \
                     the mean time between outages rests on these few; more trials tighten them (e.g. --trials {})",
                    n.saturating_mul((threshold / effective.max(1.0)).ceil() as u64)
                ));
            }
            ServiceSummary {
                cannot_fail: false,
                few_outages,
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
                outage_hours: durations(ws, t),
                degraded_fraction: weighted_mean(&ws.degraded, n, 1.0 / mission, confidence)
                    .clamped(0.0, 1.0),
                mean_time_between_outages_hours: mtbo(availability.point * mission, &outages, &ws.outages, n),
                outages_observed: observed,
                rto: s.rto.map(|rto_hours| RtoSummary {
                    rto_hours,
                    outages_over_rto: t.over_rto,
                    fraction_of_outages: ratio(&ws.over_rto, &ws.outages, n, confidence),
                    p_outage_over_rto: weighted_mean(&ws.had_over_rto, n, 1.0, confidence).clamped(0.0, 1.0),
                }),
                planned: model.has_planned().then(|| PlannedSummary {
                    counts_against_availability: s.planned_counts,
                    planned_downtime_hours_per_year: per_year(&ws.planned_down),
                    unplanned_downtime_hours_per_year: per_year(&ws.unplanned_down),
                    planned_outages_observed: tally.services[i].planned_outages,
                }),
                data_loss: data_loss(model, i, ws, t, n, confidence),
                exact: exact[i].clone(),
                downtime_by_cause: by_cause(model, ws, &tally.services[i], n, confidence),
                warnings,
                plain_trials: None,
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
        degenerate_likelihood: (strict.ci_low > 1.0 || strict.ci_high < 1.0).then_some(strict),
        services,
    }
}

/// The weighted outages of a service by the bin of their duration (the
/// bins of [`DurationHist`], ascending; bin 0 holds outages of zero
/// length): per bin, the sum over the counted outages in it of the
/// likelihood ratio at each one's end. Over `n` trials, a bin's sum over
/// `n` estimates the outages per mission with a duration in the bin; the
/// shares of the bins are the design's duration distribution, from which
/// the report's weighted quantiles are taken.
pub fn duration_bins(w: &WeightedService) -> Vec<(u32, f64)> {
    w.durations.iter().map(|(&b, m)| (b, m.total())).collect()
}

/// Outage durations under the weights: each counted outage counts with
/// the likelihood ratio at its end. Quantiles by weighted nearest rank over
/// the duration bins of [`DurationHist`] (the geometric middle of the bin,
/// clamped to the longest outage seen), the mean as the weighted down time
/// of the outages over their weighted count, and `max` the longest outage
/// the biased trials saw. `None` without a counted outage.
fn durations(w: &WeightedService, t: &ServiceTally) -> Option<Durations> {
    let mass = duration_bins(w);
    let total: f64 = mass.iter().map(|m| m.1).sum();
    if t.durations.count == 0 || total <= 0.0 {
        return None;
    }
    let longest = t.durations.max as f64;
    let quantile = |q: f64| {
        let mut seen = 0.0;
        for &(b, m) in &mass {
            seen += m;
            if seen >= q * total {
                let (lo, hi) = DurationHist::bin_edges(b);
                return (lo * hi).sqrt().min(longest) / TICKS_PER_HOUR;
            }
        }
        longest / TICKS_PER_HOUR
    };
    let down: f64 = w.by_cause.values().map(WeightedMoments::total).sum();
    Some(Durations {
        mean: down / total,
        p50: quantile(0.50),
        p95: quantile(0.95),
        p99: quantile(0.99),
        max: longest / TICKS_PER_HOUR,
    })
}

/// Mean time between outages under the weights: up time per mission over
/// the outages per mission, with the interval of the outages (the up time
/// is known far better than the outages); `None` when no outage was seen.
/// As the plain ratio divides by one outage more than were seen (`N + 1`),
/// this one divides by one typical weighted outage more: `Σw + Σw²/Σw` over
/// the `n` trials (`Σw²/Σw` is what each of Kish's `K = (Σw)²/Σw²`
/// effective outages weighs, so the divisor is `Σw·(K + 1)/K`; with unit
/// weights, one outage a trial, it is `N + 1`). The ratio alone overstated
/// the mean by about 9 % on the few effective outages of 40 biased trials (its estimator's mean
/// over 400 seeds, `tests/integration/rare_figures.rs`).
fn mtbo(up_per_mission: f64, outages: &Estimate, weighted: &WeightedMoments, n: u64) -> Option<Estimate> {
    let (sum, sum_sq) = (weighted.total(), weighted.total_sq());
    (outages.point > 0.0 && sum > 0.0).then(|| {
        let per_mission = (sum + sum_sq / sum) / n as f64;
        super::mtbo_estimate(up_per_mission / per_mission, up_per_mission, outages)
    })
}

/// The ratio of two weighted means, `part` of `whole` (outages over the RTO
/// of all outages), in `[0, 1]`: the point is the ratio of the sums; the
/// interval joins the two means' intervals, each at `1 − α/2`, so that both
/// hold together at `confidence` (Bonferroni): conservative, never below its
/// level. `None` when `whole` is zero.
fn ratio(part: &WeightedMoments, whole: &WeightedMoments, n: u64, confidence: f64) -> Option<Estimate> {
    let each = 1.0 - (1.0 - confidence) / 2.0;
    let (p, w) = (
        weighted_mean(part, n, 1.0, each),
        weighted_mean(whole, n, 1.0, each),
    );
    (w.point > 0.0).then(|| Estimate {
        point: (p.point / w.point).min(1.0),
        std_error: None,
        ci_low: if w.ci_high > 0.0 {
            (p.ci_low / w.ci_high).min(1.0)
        } else {
            0.0
        },
        ci_high: if w.ci_low > 0.0 {
            (p.ci_high / w.ci_low).min(1.0)
        } else {
            1.0
        },
        confidence,
    })
}

/// Data losses under the weights, for a service that depends on a
/// replicated group (as in a plain run's summary).
fn data_loss(
    model: &Model,
    s: usize,
    w: &WeightedService,
    t: &ServiceTally,
    n: u64,
    confidence: f64,
) -> Option<DataLossSummary> {
    let replicated = model.replicated_groups_of(s);
    if replicated.is_empty() {
        return None;
    }
    let per_year = HOURS_PER_YEAR / model.mission;
    let loss = |e: Estimate| super::loss_estimate(model, &replicated, e.clamped(0.0, f64::INFINITY));
    Some(DataLossSummary {
        events_per_year: loss(weighted_mean(&w.data_losses, n, per_year, confidence)),
        lost_write_seconds_per_year: loss(weighted_mean(&w.lost_writes, n, per_year * 3600.0, confidence)),
        events_observed: t.data_losses.sum as u64,
        rpo: model.services[s].rpo.map(|rpo_hours| RpoSummary {
            rpo_hours,
            losses_over_rpo: t.over_rpo,
            fraction_of_losses: ratio(&w.over_rpo, &w.data_losses, n, confidence),
            p_loss_over_rpo: loss(weighted_mean(&w.had_over_rpo, n, 1.0, confidence).clamped(0.0, 1.0)),
        }),
    })
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
    fn the_likelihood_ratio_has_the_t_interval_of_its_values() {
        let xs = [0.5, 1.5, 2.0, 0.0];
        let mut m = WeightedMoments::default();
        xs.iter().for_each(|&x| m.add(x));
        let e = t_weighted_mean(&m, 4, 2.0, 0.95);
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

    fn moments(xs: impl IntoIterator<Item = f64>) -> WeightedMoments {
        let mut m = WeightedMoments::default();
        xs.into_iter().for_each(|x| m.add(x));
        m
    }

    #[test]
    fn few_weighted_values_allow_for_one_more_as_heavy_as_the_heaviest() {
        // 1,000 trials, five with weighted values: the upper end is the
        // gamma quantile of mean Σw + max and variance C + max², over n;
        // the lower end that of mean Σw and variance C.
        let xs = [1e-9, 3e-9, 2e-10, 4e-9, 1e-9];
        let (n, nf) = (1000u64, 1000.0);
        let e = weighted_mean(&moments(xs), n, 1.0, 0.95);
        let sum: f64 = xs.iter().sum();
        let mean = sum / nf;
        let centred: f64 = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() + (nf - 5.0) * mean * mean;
        let q = |p: f64, mu: f64, v: f64| intervals::gamma_quantile(p, mu * mu / v) * v / mu;
        let (a, big) = (4e-9, 1e-9);
        assert!(
            (e.ci_high / (q(0.975, sum + a, centred + a * a) / nf) - 1.0).abs() < 1e-9,
            "{e:?}"
        );
        assert!(
            (e.ci_low / (q(0.025, sum, centred) / nf) - 1.0).abs() < 1e-9,
            "{e:?}"
        );
        // The allowance makes the upper end higher than without it.
        assert!(e.ci_high * nf > q(0.975, sum, centred) + 0.5 * big, "{e:?}");
    }

    #[test]
    fn many_weighted_values_give_the_t_interval() {
        // 2,000 of 10^5 trials with values spread over two orders of
        // magnitude: far past the threshold, the gamma interval is the t
        // interval to a few per cent of its half-width.
        let n = 100_000u64;
        let m = moments((0..2000).map(|i| 1e-10 * f64::from(1 + i % 100)));
        let e = weighted_mean(&m, n, 1.0, 0.95);
        let t = t_weighted_mean(&m, n, 1.0, 0.95);
        let half = t.ci_high - t.point;
        assert_eq!(e.point, t.point);
        assert!((e.ci_high - t.ci_high).abs() < 0.05 * half, "{e:?} vs {t:?}");
        assert!((e.ci_low - t.ci_low).abs() < 0.05 * half, "{e:?} vs {t:?}");
    }

    #[test]
    fn all_zero_weighted_values_give_the_point_zero() {
        let e = weighted_mean(&WeightedMoments::default(), 1000, 1.0, 0.95);
        assert_eq!((e.point, e.ci_low, e.ci_high), (0.0, 0.0, 0.0));
    }
}
