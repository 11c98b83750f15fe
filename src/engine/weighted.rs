//! Exact, mergeable sums of weighted per-trial values, for importance
//! sampling (`--rare on`).
//!
//! Under failure biasing a trial's contribution to an estimate is a weight
//! `w = L·X` (its likelihood ratio times what it measured), an `f64`. Any
//! finite `f64` is a dyadic rational `m·2^e` with `e ≥ −1074`, so `w·2^1074`
//! and `w²·2^2148` are integers: [`WeightedMoments`] sums them in big
//! integers, exactly. Sums are then associative and commutative, so the
//! result does not depend on the thread count or how trials are split,
//! exactly as the integer [`Tally`](super::Tally) of a plain run.

use std::collections::BTreeMap;

use num_bigint::BigUint;

/// Fixed-point scale of [`WeightedMoments::sum`]: `2^SUM_SHIFT`.
pub const SUM_SHIFT: u32 = 1074;
/// Fixed-point scale of [`WeightedMoments::sum_sq`]: `2^SQ_SHIFT`.
pub const SQ_SHIFT: u32 = 2 * SUM_SHIFT;

/// Exact sum and sum of squares of non-negative per-trial `f64` values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeightedMoments {
    /// `Σ w · 2^1074`, exactly.
    pub sum: BigUint,
    /// `Σ w² · 2^2148`, exactly.
    pub sum_sq: BigUint,
    /// The largest value added, as the bits of its `f64` (for non-negative
    /// values the bits order as the values do, so the maximum is exact and
    /// order-free); 0 when nothing was added.
    pub max_bits: u64,
}

/// `w = m · 2^e` with `m` an integer below `2^53`: the exact value of a finite `f64`.
fn decompose(w: f64) -> (u64, i32) {
    let bits = w.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    }
}

impl WeightedMoments {
    /// Adds one trial's value `w` (finite, not negative; a negative zero is zero).
    ///
    /// # Panics
    /// When `w` is negative, infinite or NaN: weights are products of
    /// likelihood ratios and non-negative measurements.
    pub fn add(&mut self, w: f64) {
        assert!(
            w.is_finite() && w >= 0.0,
            "a weighted value must be finite and non-negative, not {w}"
        );
        if w == 0.0 {
            return;
        }
        self.max_bits = self.max_bits.max(w.to_bits());
        let (m, e) = decompose(w);
        // Both shifts are non-negative because e ≥ −1074.
        self.sum += BigUint::from(m) << (e + SUM_SHIFT as i32) as u32;
        let m2 = u128::from(m) * u128::from(m);
        self.sum_sq += BigUint::from(m2) << (2 * e + SQ_SHIFT as i32) as u32;
    }

    /// Adds another batch's sums.
    pub fn merge(&mut self, o: &Self) {
        self.sum += &o.sum;
        self.sum_sq += &o.sum_sq;
        self.max_bits = self.max_bits.max(o.max_bits);
    }

    /// The largest value added (0 when none was).
    pub fn max(&self) -> f64 {
        f64::from_bits(self.max_bits)
    }

    /// The largest value times `2^1074`, exactly, as [`Self::sum`] holds
    /// values; `None` when `max_bits` is not a finite non-negative `f64`
    /// (a tally read from a damaged file).
    pub fn max_fixed(&self) -> Option<BigUint> {
        let w = self.max();
        if !(w.is_finite() && w.is_sign_positive()) {
            return None;
        }
        if w == 0.0 {
            return Some(BigUint::default());
        }
        let (m, e) = decompose(w);
        Some(BigUint::from(m) << (e + SUM_SHIFT as i32) as u32)
    }

    /// The sum of squares `Σ w²`, rounded to an `f64`.
    pub fn total_sq(&self) -> f64 {
        scaled_to_f64(&self.sum_sq, SQ_SHIFT)
    }

    /// The sum `Σ w`, rounded to an `f64`.
    pub fn total(&self) -> f64 {
        scaled_to_f64(&self.sum, SUM_SHIFT)
    }

    /// Mean and unbiased sample variance of the values of `n` trials (the
    /// trials that added nothing count as zeros). The variance's numerator
    /// `n·Σw² − (Σw)²` is computed exactly; NaN for fewer than two trials.
    pub fn mean_var(&self, n: u64) -> (f64, f64) {
        let nf = n as f64;
        let mean = self.total() / nf;
        if n < 2 {
            return (mean, f64::NAN);
        }
        let a = &self.sum_sq * BigUint::from(n);
        let b = &self.sum * &self.sum;
        // Never negative by Cauchy-Schwarz; a tally that says otherwise gives 0.
        let num = if a >= b {
            scaled_to_f64(&(a - b), SQ_SHIFT)
        } else {
            0.0
        };
        (mean, num / (nf * (nf - 1.0)))
    }
}

/// `x · 2^-shift`, rounded to an `f64` (to within one unit in the last place).
pub fn scaled_to_f64(x: &BigUint, shift: u32) -> f64 {
    let bits = x.bits();
    if bits == 0 {
        return 0.0;
    }
    // The top 64 bits carry every bit an f64 can hold.
    let drop = bits.saturating_sub(64);
    let top = (x >> drop).iter_u64_digits().next().unwrap_or(0);
    ldexp(top as f64, drop as i64 - i64::from(shift))
}

/// `x · 2^k` without overflowing the intermediate power of two.
fn ldexp(mut x: f64, mut k: i64) -> f64 {
    while k > 1000 {
        x *= 2f64.powi(1000);
        k -= 1000;
    }
    while k < -1000 {
        x *= 2f64.powi(-1000);
        k += 1000;
    }
    x * 2f64.powi(k as i32)
}

/// Weighted per-trial sums of one service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeightedService {
    /// Counted down time per trial \[h\], weighted.
    pub down: WeightedMoments,
    /// Degraded time per trial \[h\], weighted.
    pub degraded: WeightedMoments,
    /// Counted outages per trial, weighted.
    pub outages: WeightedMoments,
    /// The indicator "had at least one counted outage", weighted.
    pub had_outage: WeightedMoments,
    /// Planned down time per trial \[h\], weighted.
    pub planned_down: WeightedMoments,
    /// Unplanned down time per trial \[h\], weighted.
    pub unplanned_down: WeightedMoments,
    /// Counted down time per trial \[h\], weighted, by the failure that began
    /// each outage (as in [`ServiceTally::by_cause`](super::ServiceTally::by_cause)).
    pub by_cause: BTreeMap<Option<u32>, WeightedMoments>,
    /// Counted outages per trial by the bin of their duration (as in
    /// [`DurationHist`](super::DurationHist)), each weighted by the
    /// likelihood ratio at its end.
    pub durations: BTreeMap<u32, WeightedMoments>,
    /// Counted outages longer than the RTO per trial, each weighted by the
    /// likelihood ratio at its end.
    pub over_rto: WeightedMoments,
    /// The indicator "had a counted outage longer than the RTO", weighted by
    /// the likelihood ratio at the first one's end.
    pub had_over_rto: WeightedMoments,
    /// Data losses per trial, weighted by the trial's likelihood ratio.
    pub data_losses: WeightedMoments,
    /// Writes lost per trial \[h\], weighted by the trial's likelihood ratio.
    pub lost_writes: WeightedMoments,
    /// Data losses larger than the RPO per trial, weighted by the trial's
    /// likelihood ratio.
    pub over_rpo: WeightedMoments,
    /// The indicator "lost more than the RPO at least once", weighted by the
    /// trial's likelihood ratio.
    pub had_over_rpo: WeightedMoments,
}

impl WeightedService {
    /// Adds another batch's sums.
    pub fn merge(&mut self, o: &Self) {
        self.down.merge(&o.down);
        self.degraded.merge(&o.degraded);
        self.outages.merge(&o.outages);
        self.had_outage.merge(&o.had_outage);
        self.planned_down.merge(&o.planned_down);
        self.unplanned_down.merge(&o.unplanned_down);
        for (k, m) in &o.by_cause {
            self.by_cause.entry(*k).or_default().merge(m);
        }
        for (k, m) in &o.durations {
            self.durations.entry(*k).or_default().merge(m);
        }
        self.over_rto.merge(&o.over_rto);
        self.had_over_rto.merge(&o.had_over_rto);
        self.data_losses.merge(&o.data_losses);
        self.lost_writes.merge(&o.lost_writes);
        self.over_rpo.merge(&o.over_rpo);
        self.had_over_rpo.merge(&o.had_over_rpo);
    }
}

/// The weighted part of a [`Tally`](super::Tally) of a failure-biasing run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeightedTally {
    /// Each trial's likelihood ratio at the mission's end: a diagnostic
    /// (its mean is 1 under a sound change of measure).
    pub likelihood: WeightedMoments,
    /// Per service.
    pub services: Vec<WeightedService>,
}

impl WeightedTally {
    /// An empty weighted tally of `services` services.
    pub fn new(services: usize) -> Self {
        Self {
            likelihood: WeightedMoments::default(),
            services: vec![WeightedService::default(); services],
        }
    }

    /// Adds another batch's sums.
    pub fn merge(&mut self, o: &Self) {
        self.likelihood.merge(&o.likelihood);
        for (a, b) in self.services.iter_mut().zip(&o.services) {
            a.merge(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_exact_whatever_the_order() {
        // Values over 600 orders of magnitude: a float sum would lose the small ones.
        let xs = [1e300, 3.0, 1e-300, 5e-324, 0.1, 2.5e-7, 0.0, 1e-310];
        let mut fwd = WeightedMoments::default();
        xs.iter().for_each(|&x| fwd.add(x));
        let mut back = WeightedMoments::default();
        xs.iter().rev().for_each(|&x| back.add(x));
        assert_eq!(fwd, back);
        // Split and merged in another order, still the same bits.
        let (mut a, mut b) = (WeightedMoments::default(), WeightedMoments::default());
        xs[..3].iter().for_each(|&x| a.add(x));
        xs[3..].iter().for_each(|&x| b.add(x));
        b.merge(&a);
        assert_eq!(b, fwd);
        assert_eq!(fwd.max(), 1e300);
        // The smallest subnormal is one unit of the fixed point.
        let mut tiny = WeightedMoments::default();
        tiny.add(5e-324);
        assert_eq!(tiny.sum, BigUint::from(1u8));
        assert_eq!(tiny.sum_sq, BigUint::from(1u8));
    }

    #[test]
    fn mean_and_variance_match_direct_computation() {
        let xs = [0.25, 1.5, 3.0, 1e-9, 0.0];
        let mut m = WeightedMoments::default();
        xs.iter().for_each(|&x| m.add(x));
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let (gm, gv) = m.mean_var(xs.len() as u64);
        assert!((gm / mean - 1.0).abs() < 1e-15, "{gm} {mean}");
        assert!((gv / var - 1.0).abs() < 1e-14, "{gv} {var}");
        // Tiny values keep their relative precision (no cancellation).
        let mut t = WeightedMoments::default();
        [1e-150, 3e-150].iter().for_each(|&x| t.add(x));
        let (tm, tv) = t.mean_var(2);
        assert!((tm / 2e-150 - 1.0).abs() < 1e-15, "{tm}");
        assert!((tv / 2e-300 - 1.0).abs() < 1e-14, "{tv}");
    }

    #[test]
    #[should_panic(expected = "non-negative")]
    fn negative_values_are_refused() {
        WeightedMoments::default().add(-1.0);
    }
}
