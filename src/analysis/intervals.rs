//! Confidence intervals that stay valid when outages are few or absent.
//!
//! The per-trial values redsim averages are rare and heavy-tailed: most
//! trials see no outage at all, a few see one. A Student-t interval on such
//! values is far too narrow on a handful of outages (coverage 0.84 on seven,
//! 0.37 on 0.6 on average, a point on none). The intervals here follow Fay
//! and Feuer's gamma interval for weighted sums of Poisson counts (Fay &
//! Feuer 1997, "Confidence intervals for directly standardized rates: a
//! method based on the gamma distribution", Stat Med 16:791): the sum of the
//! per-trial values is treated as a gamma variable with the observed mean
//! and variance, and the upper end adds one more event of the largest
//! weight the data cannot rule out. With unit weights it is exactly
//! Garwood's interval for a Poisson count; with many events it is the
//! normal (t) interval. `docs/methodology.md` explains the choices and shows
//! the coverage study (`examples/coverage.rs`) that backs them.

use statrs::distribution::{ContinuousCDF, Gamma, Normal};
use statrs::function::beta::beta_reg;

use super::{Estimate, mean_var};
use crate::engine::Moments;

/// Shapes past which [`gamma_quantile`] uses the Wilson–Hilferty cube-root
/// approximation (relative error below 10^-9 there) instead of inverting the
/// incomplete gamma function, which slows down with the shape.
const WILSON_HILFERTY_FROM: f64 = 1e6;

/// The `p` quantile of a gamma distribution of shape `k` and scale 1.
///
/// # Panics
///
/// If `p` is not in `[0, 1]` or `k` is not positive.
pub fn gamma_quantile(p: f64, k: f64) -> f64 {
    assert!((0.0..=1.0).contains(&p) && k > 0.0, "gamma_quantile({p}, {k})");
    if k >= WILSON_HILFERTY_FROM {
        // Wilson & Hilferty 1931: (X/k)^(1/3) is nearly normal.
        let z = Normal::standard().inverse_cdf(p);
        let c = 1.0 / (9.0 * k);
        return k * (1.0 - c + z * c.sqrt()).powi(3);
    }
    Gamma::new(k, 1.0).map_or(f64::NAN, |g| g.inverse_cdf(p))
}

/// The `p` quantile of a gamma distribution with mean `mean > 0` and
/// variance `var >= 0` (the mean itself when the variance is 0).
fn gamma_by_moments(p: f64, mean: f64, var: f64) -> f64 {
    if var <= 0.0 {
        return mean;
    }
    let k = mean * mean / var;
    gamma_quantile(p, k) * (var / mean)
}

/// Least number of effective outages (see [`bounded_mean`]) from which the
/// allowance for an unseen outage is the size of a typical observed one
/// instead of a whole mission: `⌈2/α⌉ − 1` for `α = 1 − confidence`, 39 at
/// 95 %. Among `k + 1` exchangeable outages, the chance that the last is the
/// longest is `1/(k + 1)`; below this many the data cannot say, at the
/// `α/2` level, that a further outage would be no longer than those seen.
pub fn allowance_threshold(confidence: f64) -> f64 {
    (2.0 / (1.0 - confidence)).ceil() - 1.0
}

/// Whether intervals rest on too few outages to be narrow, the one rule
/// behind every few-outages warning, plot flag and hollow bar: fewer
/// `effective` outages (Kish's, of the down time per trial, weighted under
/// failure biasing; 0 when none was seen) than [`allowance_threshold`], the
/// count below which the intervals allow for an unseen outage as long as
/// the mission.
pub fn too_few_outages(effective: f64, confidence: f64) -> bool {
    // A NaN count is too few.
    effective.is_nan() || effective < allowance_threshold(confidence)
}

/// How many times [`allowance_threshold`] effective outages it takes for
/// the allowance to shrink from a whole mission to the faded typical share.
/// Heavy-tailed durations (a lognormal repair of σ 1.5, or a few very long
/// outages among many short ones) often look well sampled before their long
/// outages are seen: the observed effective count overstates the true one,
/// and an allowance that dropped at the threshold at once undercovered there
/// (0.91 in the coverage study, docs/methodology.md).
const ALLOWANCE_FADE: f64 = 4.0;

/// The allowance for an unseen outage, from the effective number of
/// outages `effective`, the size-biased mean value `typical` (`Σy²/Σy`),
/// the threshold `k0` and `largest`, the largest value the data cannot rule
/// out (a whole mission for a share of it): `largest` below `k0`, the
/// typical value times `k0/K` from `ALLOWANCE_FADE · k0` on, and between
/// them geometric in `K` (its logarithm linear in `ln K`), so that one more
/// effective outage never changes it by much.
pub(crate) fn allowance(effective: f64, typical: f64, k0: f64, largest: f64) -> f64 {
    if effective < k0 || largest <= 0.0 {
        return largest;
    }
    let faded = (typical * k0 / effective).min(largest);
    let t = ((effective / k0).ln() / ALLOWANCE_FADE.ln()).min(1.0);
    largest * (faded / largest).powf(t)
}

/// Kish's effective number of events of per-trial values: `(Σx)²/Σx²`, the
/// number of equal values with the same sum and spread (at most the number
/// of trials with a non-zero value; 0 when all are 0).
pub fn effective_events(m: &Moments) -> f64 {
    let sum_sq = m.sum_sq.to_f64();
    if sum_sq > 0.0 {
        (m.sum as f64).powi(2) / sum_sq
    } else {
        0.0
    }
}

/// The gamma interval of a mean over `n` trials: `sum` of the per-trial
/// values, `centred` sum of their squared deviations from the mean, and
/// `allowance`, the weight of one further event the upper end allows for.
/// Returns `(low, high)` for the mean, two-sided at `confidence`; with a
/// zero sum, a one-sided upper bound (`low` = 0) at `confidence`, whose
/// value the caller gives as `zero_high`.
pub(crate) fn fay_feuer(
    sum: f64,
    centred: f64,
    allowance: f64,
    n: u64,
    confidence: f64,
    zero_high: f64,
) -> (f64, f64) {
    let alpha = 1.0 - confidence;
    let nf = n as f64;
    if sum <= 0.0 {
        return (0.0, zero_high);
    }
    let low = gamma_by_moments(alpha / 2.0, sum, centred);
    let high = gamma_by_moments(
        1.0 - alpha / 2.0,
        sum + allowance,
        centred + allowance * allowance,
    );
    (low / nf, high / nf)
}

/// The sum, the sum of squares and the centred sum of squares of per-trial
/// values `x / unit`.
fn sums(m: &Moments, n: u64, unit: f64) -> (f64, f64, f64) {
    let (_, var) = mean_var(m, n);
    let centred = if n >= 2 && var.is_finite() {
        var * (n - 1) as f64
    } else {
        0.0
    };
    let u2 = unit * unit;
    (m.sum as f64 / unit, m.sum_sq.to_f64() / u2, centred / u2)
}

/// The standard error of the mean of the per-trial values (0 for fewer
/// than two trials, where it is not defined).
fn std_error(m: &Moments, n: u64) -> f64 {
    let (_, var) = mean_var(m, n);
    if n >= 2 && var.is_finite() {
        (var / n as f64).sqrt()
    } else {
        0.0
    }
}

/// The mean of per-trial values that lie in `[0, bound]` (down time in a
/// mission, with `bound` the mission's length), times `scale`, with an
/// interval valid however few trials saw anything.
///
/// On the shares `y_i = x_i / bound` in `[0, 1]`, with `S = Σ y_i` and `C`
/// the centred sum of squares, the interval is the gamma interval of
/// `fay_feuer`: low end the `α/2` quantile of a gamma of mean `S` and
/// variance `C`; high end the `1 − α/2` quantile of one of mean `S + a` and
/// variance `C + a²`, over `n`. The allowance `a` for an outage not seen is 1
/// (an outage as long as the mission) while the effective number of
/// outages `K = S²/Σy_i²` (Kish's effective sample size: the number of
/// equal shares giving the same spread) is below [`allowance_threshold`]
/// `K₀`, and the size-biased mean share `Σy_i²/S` times `K₀/K` from
/// `4·K₀` on, which fades out as outages accumulate, leaving the t interval;
/// between `K₀` and `4·K₀` it moves from the one to the other geometrically
/// in `K`. With nothing observed the
/// bound is one-sided: the mean is at most the chance that a trial sees
/// anything, whose exact bound with zero events in `n` trials is
/// `1 − α^(1/n)` (Clopper–Pearson).
pub fn bounded_mean(m: &Moments, n: u64, bound: f64, scale: f64, confidence: f64) -> Estimate {
    bounded_mean_floored(m, n, bound, scale, confidence, 0.0)
}

/// Down time per trial in `[0, bound]`, as [`bounded_mean`], given
/// `longest`, the longest single outage the trials saw (in the values'
/// unit): the allowance is never less than one more outage as long as the
/// longest seen (Fay and Feuer's own allowance, one more event of the
/// largest weight). Past `4·K₀` effective outages the faded allowance
/// vanishes, and with heavy-tailed durations the t interval it leaves
/// undercovers (a lognormal repair of σ = 1.5: 0.929 at 2,000 outages per
/// run); the longest outage keeps room for the tail the sample has shown.
pub fn down_time_mean(
    m: &Moments,
    n: u64,
    bound: f64,
    scale: f64,
    confidence: f64,
    longest: f64,
) -> Estimate {
    bounded_mean_floored(m, n, bound, scale, confidence, (longest / bound).min(1.0))
}

fn bounded_mean_floored(
    m: &Moments,
    n: u64,
    bound: f64,
    scale: f64,
    confidence: f64,
    floor: f64,
) -> Estimate {
    let nf = n as f64;
    let (sum, sum_sq, centred) = sums(m, n, bound);
    let alpha = 1.0 - confidence;
    let (effective, threshold) = (effective_events(m), allowance_threshold(confidence));
    let allowance = allowance(effective, sum_sq / sum, threshold, 1.0).max(floor);
    let zero_high = -(alpha.ln() / nf).exp_m1();
    let (low, high) = fay_feuer(sum, centred, allowance, n, confidence, zero_high);
    let k = bound * scale;
    Estimate {
        // As the t interval's mean, to the last bit.
        point: m.sum as f64 / nf * scale,
        std_error: Some(std_error(m, n) * scale),
        ci_low: low.clamp(0.0, 1.0) * k,
        ci_high: (high.clamp(0.0, 1.0) * k).max(m.sum as f64 / nf * scale),
        confidence,
    }
}

/// The mean of per-trial counts (outages, data losses), times `scale`, with
/// an interval valid on few events: the gamma interval of `fay_feuer` on
/// the counts, whose allowance is always one more event. For counts of 0
/// and 1 with few events it is Garwood's exact Poisson interval; for
/// clustered counts it widens with their spread; with many events it is the
/// t interval. Nothing observed gives the one-sided Poisson bound
/// `−ln α / n`.
pub fn count_mean(m: &Moments, n: u64, scale: f64, confidence: f64) -> Estimate {
    let nf = n as f64;
    let (sum, _, centred) = sums(m, n, 1.0);
    let zero_high = -(1.0 - confidence).ln() / nf;
    let (low, high) = fay_feuer(sum, centred, 1.0, n, confidence, zero_high);
    Estimate {
        point: m.sum as f64 / nf * scale,
        std_error: Some(std_error(m, n) * scale),
        ci_low: low * scale,
        ci_high: high * scale,
        confidence,
    }
}

/// The gamma interval of `fay_feuer` for the mean over `n` trials of a
/// non-negative per-trial value (a part of a paired difference, in its own
/// unit), with `allowance` for one more unseen value; when no trial had any,
/// `[0, allowance/n]`: room for exactly one, as the difference of designs
/// that saw nothing has.
pub(crate) fn part_interval(m: &Moments, n: u64, allowance: f64, confidence: f64) -> (f64, f64) {
    let (sum, _, centred) = sums(m, n, 1.0);
    let nf = n as f64;
    fay_feuer(sum, centred, allowance, n, confidence, allowance / nf)
}

/// Garwood's exact interval for the mean of a Poisson count `k` (Garwood
/// 1936, Biometrika 28:437): chi-square quantiles, two-sided at
/// `confidence`; one-sided (`[0, −ln α]`) for `k = 0`.
pub fn garwood(k: u64, confidence: f64) -> (f64, f64) {
    let alpha = 1.0 - confidence;
    if k == 0 {
        return (0.0, -alpha.ln());
    }
    let k = k as f64;
    (
        gamma_quantile(alpha / 2.0, k),
        gamma_quantile(1.0 - alpha / 2.0, k + 1.0),
    )
}

/// The `p` quantile of a beta distribution `Beta(a, b)`, by bisection on
/// the regularised incomplete beta function (on a log scale below 10^-3, so
/// that tiny quantiles keep their relative precision).
fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..200 {
        let mid = if hi < 1e-3 && lo > 0.0 {
            (lo * hi).sqrt()
        } else if hi < 1e-3 {
            hi / 1024.0
        } else {
            (lo + hi) / 2.0
        };
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_reg(a, b, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
    }
    (lo + hi) / 2.0
}

/// A proportion `successes / n` with the Clopper–Pearson interval
/// (Clopper & Pearson 1934, Biometrika 26:404), exact and never below its
/// level, unlike Wilson's, which dips below it near 0 and 1. At 0 or `n`
/// successes the interval is one-sided at `confidence` (`1 − α^(1/n)` from
/// the boundary), as the other end is certain.
pub fn clopper_pearson(successes: u64, n: u64, confidence: f64) -> Estimate {
    let alpha = 1.0 - confidence;
    let (k, nf) = (successes as f64, n as f64);
    let point = if n == 0 { f64::NAN } else { k / nf };
    let edge = -(alpha.ln() / nf).exp_m1();
    let (ci_low, ci_high) = if n == 0 {
        (0.0, 1.0)
    } else if successes == 0 {
        (0.0, edge)
    } else if successes >= n {
        (1.0 - edge, 1.0)
    } else {
        (
            beta_quantile(alpha / 2.0, k, nf - k + 1.0),
            1.0 - beta_quantile(alpha / 2.0, nf - k, k + 1.0),
        )
    };
    Estimate {
        point,
        std_error: None,
        ci_low,
        ci_high,
        confidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::assert_rel;

    #[test]
    fn garwood_matches_the_tables() {
        // 95 %: chi-square quantiles by bisection on the incomplete gamma
        // function's series, in double precision, independently of statrs
        // (they agree with the tables of Ulm 1990, Am J Epidemiol 131:373).
        let table = [
            (1, 0.025_317_808, 5.571_643_39),
            (5, 1.623_486_39, 11.668_332_1),
            (10, 4.795_388_7, 18.390_356),
            (50, 37.110_963_7, 65.918_766_7),
        ];
        for (k, lo, hi) in table {
            let (l, h) = garwood(k, 0.95);
            assert_rel(&format!("low {k}"), l, lo, 2e-6);
            assert_rel(&format!("high {k}"), h, hi, 2e-6);
        }
        let (l, h) = garwood(0, 0.95);
        assert_eq!(l, 0.0);
        assert_rel("zero", h, 2.995_732, 1e-6);
    }

    #[test]
    fn clopper_pearson_matches_references() {
        // References by bisection on exact binomial sums (double precision,
        // independently of statrs); Newcombe 1998 (Stat Med 17:857, table I)
        // gives the same to its four decimals for 1 of 29.
        let e = clopper_pearson(81, 263, 0.95);
        assert_rel("81 of 263 low", e.ci_low, 0.252_736_745_6, 1e-8);
        assert_rel("81 of 263 high", e.ci_high, 0.367_621_922_6, 1e-8);
        let e = clopper_pearson(1, 29, 0.95);
        assert_rel("1 of 29 low", e.ci_low, 0.000_872_646_88, 1e-7);
        assert_rel("1 of 29 high", e.ci_high, 0.177_644_295_5, 1e-8);
        // None of a million: one-sided, 1 − 0.05^(1e-6) ≈ 2.9957e-6.
        let e = clopper_pearson(0, 1_000_000, 0.95);
        assert_eq!((e.point, e.ci_low), (0.0, 0.0));
        assert_rel("zero of 1e6", e.ci_high, 2.995_727e-6, 1e-5);
        let all = clopper_pearson(10, 10, 0.95);
        assert_eq!(all.ci_high, 1.0);
        assert_rel("all of 10", all.ci_low, 0.05f64.powf(0.1), 1e-12);
        // Tiny proportions keep their precision: 2 of 10^9.
        let e = clopper_pearson(2, 1_000_000_000, 0.95);
        assert_rel("2 of 1e9 low", e.ci_low, 0.242_209e-9, 1e-4);
        assert_rel("2 of 1e9 high", e.ci_high, 7.224_687e-9, 1e-4);
    }

    #[test]
    fn gamma_quantiles_agree_across_the_switch() {
        for p in [0.025, 0.5, 0.975] {
            let below = Gamma::new(WILSON_HILFERTY_FROM, 1.0).unwrap().inverse_cdf(p);
            assert_rel(
                &format!("p {p}"),
                gamma_quantile(p, WILSON_HILFERTY_FROM),
                below,
                1e-9,
            );
        }
    }

    fn moments(values: &[u64]) -> Moments {
        let mut m = Moments::default();
        for &v in values {
            m.add(v);
        }
        m
    }

    #[test]
    fn unit_counts_give_garwood() {
        // Five trials of 10^6 with one outage each: Garwood's interval, over n.
        let n = 1_000_000u64;
        let m = moments(&[1; 5]);
        let e = count_mean(&m, n, 1.0, 0.95);
        // The centred sum of squares is 5 − 25/n rather than 5: the same to 1e-5.
        assert_rel("low", e.ci_low * n as f64, 1.623_486, 1e-5);
        assert_rel("high", e.ci_high * n as f64, 11.668_332, 1e-5);
        let none = count_mean(&Moments::default(), n, 1.0, 0.95);
        assert_eq!((none.point, none.ci_low), (0.0, 0.0));
        assert_rel("zero", none.ci_high * n as f64, 2.995_732, 1e-6);
    }

    #[test]
    fn no_downtime_gives_the_one_sided_binomial_bound() {
        let n = 1_000_000u64;
        let e = bounded_mean(&Moments::default(), n, 100.0, 0.01, 0.95);
        assert_eq!((e.point, e.ci_low), (0.0, 0.0));
        // 1 − 0.05^(1/n), as a share of the mission.
        assert_rel("zero", e.ci_high, 2.995_727e-6, 1e-5);
        assert!(e.ci_high > 0.0);
    }

    #[test]
    fn a_few_short_outages_allow_for_a_mission_long_one() {
        // Five trials of 10^6 each down for 10^-4 of the mission: the upper
        // end allows one more outage as long as the mission, so it lies
        // above the zero-outage bound, not near 5·10^-4/n.
        let n = 1_000_000u64;
        let m = moments(&[100; 5]);
        let e = bounded_mean(&m, n, 1e6, 1e-6, 0.95);
        assert!(e.ci_high > 3.0e-6 && e.ci_high < 6.0e-6, "{e:?}");
        assert!(e.ci_low > 0.0 && e.ci_low < e.point, "{e:?}");
    }

    #[test]
    fn the_allowance_shrinks_smoothly_past_the_threshold() {
        // 38 and 39 equal outages of 10^-3 of the mission in 10^3 trials:
        // one more effective outage must not take the allowance from a
        // whole mission to one outage's share (heavy-tailed samples that
        // have not yet seen their long outages look like this).
        let n = 1000u64;
        let high = |k: usize| bounded_mean(&moments(&vec![1000; k]), n, 1e6, 1e-6, 0.95).ci_high;
        let (below, above) = (high(38), high(39));
        assert!(above > 0.8 * below, "{below} then {above}");
    }

    #[test]
    fn down_time_keeps_room_for_one_more_outage_as_long_as_the_longest() {
        // 5,000 outages of 10^-4 of the mission in 10^6 trials, one of them
        // of 10^-2: far past 4·K₀ the faded allowance is nothing, and the
        // upper end allows for one more outage as long as the longest.
        let n = 1_000_000u64;
        let mut values = vec![100u64; 4999];
        values.push(10_000);
        let m = moments(&values);
        let e = down_time_mean(&m, n, 1e6, 1e-6, 0.95, 10_000.0);
        let (sum, _, centred) = sums(&m, n, 1e6);
        assert!(effective_events(&m) > 4.0 * allowance_threshold(0.95));
        let want = gamma_by_moments(0.975, sum + 1e-2, centred + 1e-4) / n as f64;
        assert_rel("high", e.ci_high, want, 1e-12);
        assert!(e.ci_high > bounded_mean(&m, n, 1e6, 1e-6, 0.95).ci_high);
        // Where the fade allows more, the fade stands.
        let few = moments(&[100; 50]);
        assert_eq!(
            down_time_mean(&few, n, 1e6, 1e-6, 0.95, 100.0),
            bounded_mean(&few, n, 1e6, 1e-6, 0.95)
        );
    }

    #[test]
    fn many_outages_give_the_t_interval() {
        // 5,000 of 10^6 trials down for 10^-4 of the mission, a tenth of
        // them for 3·10^-4: the gamma interval is the t interval to a few
        // per cent of its half-width.
        let n = 1_000_000u64;
        let mut m = Moments::default();
        for i in 0..5000u64 {
            m.add(if i % 10 == 0 { 300 } else { 100 });
        }
        let e = bounded_mean(&m, n, 1e6, 1e-6, 0.95);
        let t = super::super::t_mean(&m, n, 1e-6, 0.95);
        let half = t.ci_high - t.point;
        assert!((e.ci_high - t.ci_high).abs() < 0.05 * half, "{e:?} vs {t:?}");
        assert!((e.ci_low - t.ci_low).abs() < 0.05 * half, "{e:?} vs {t:?}");
    }
}
