//! Mergeable sufficient statistics of a batch of trials.
//!
//! Everything is an integer: times are counted in whole microseconds
//! ([`TICKS_PER_HOUR`] per hour, rounded to nearest per trial), so sums are
//! exact, associative and commutative. Merging tallies of any split of the
//! trials, in any order, gives the same bits as one run over all of them.

use std::collections::BTreeMap;

/// Time quantum of the tallies: one microsecond.
pub const TICKS_PER_HOUR: f64 = 3.6e9;

/// Converts hours to ticks, rounding to nearest.
#[inline]
pub fn ticks(hours: f64) -> u64 {
    (hours * TICKS_PER_HOUR).round() as u64
}

/// Sum and sum of squares of a per-trial non-negative integer quantity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moments {
    pub sum: u128,
    pub sum_sq: Wide,
}

/// A 256-bit unsigned accumulator (`hi · 2^128 + lo`): sums of squares of
/// 64-bit values cannot overflow it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Wide {
    pub hi: u128,
    pub lo: u128,
}

impl Wide {
    #[inline]
    pub fn add(&mut self, x: u128) {
        let (lo, carry) = self.lo.overflowing_add(x);
        self.lo = lo;
        self.hi += u128::from(carry);
    }

    pub fn merge(&mut self, o: &Self) {
        self.add(o.lo);
        self.hi += o.hi;
    }

    /// The value when it fits in 128 bits.
    pub fn to_u128(self) -> Option<u128> {
        (self.hi == 0).then_some(self.lo)
    }

    /// The value, rounded to the nearest `f64`.
    pub fn to_f64(self) -> f64 {
        self.hi as f64 * 2f64.powi(128) + self.lo as f64
    }

    /// The full product `a · b`, exactly.
    pub fn product(a: u128, b: u128) -> Self {
        const MASK: u128 = u64::MAX as u128;
        let (a1, a0) = (a >> 64, a & MASK);
        let (b1, b0) = (b >> 64, b & MASK);
        let (p00, p01, p10, p11) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
        // The middle terms are worth 2^64 each; their sum may carry 2^128 (2^192 in all).
        let (mid, mid_carry) = p01.overflowing_add(p10);
        let (lo, lo_carry) = p00.overflowing_add(mid << 64);
        let hi = p11 + (mid >> 64) + (u128::from(mid_carry) << 64) + u128::from(lo_carry);
        Self { hi, lo }
    }

    /// `self · k`, or `None` past 256 bits.
    pub fn checked_mul(self, k: u64) -> Option<Self> {
        let low = Self::product(self.lo, u128::from(k));
        let hi = self.hi.checked_mul(u128::from(k))?.checked_add(low.hi)?;
        Some(Self { hi, lo: low.lo })
    }

    /// `self − o`, or `None` below zero.
    pub fn checked_sub(self, o: Self) -> Option<Self> {
        let (lo, borrow) = self.lo.overflowing_sub(o.lo);
        let hi = self.hi.checked_sub(o.hi)?.checked_sub(u128::from(borrow))?;
        Some(Self { hi, lo })
    }
}

/// Whether a sum of `n` values below 2^64 (`sum`, or `abs` for a signed
/// sum) and of their squares can be these. Any tallies that pass, merged,
/// cannot overflow their accumulators while the trials fit in 64 bits.
pub fn sums_fit(abs: u128, sum_sq: Wide, n: u64) -> bool {
    let most = u128::from(u64::MAX);
    abs <= most * u128::from(n) && sum_sq <= Wide::product(most * most, u128::from(n))
}

impl Moments {
    /// Whether these could be the moments of `n` trials.
    pub fn fits(&self, n: u64) -> bool {
        sums_fit(self.sum, self.sum_sq, n)
    }

    #[inline]
    pub fn add(&mut self, x: u64) {
        let x = u128::from(x);
        self.sum += x;
        self.sum_sq.add(x * x);
    }

    pub fn merge(&mut self, o: &Self) {
        self.sum += o.sum;
        self.sum_sq.merge(&o.sum_sq);
    }
}

/// Relative width of a histogram bin: bins are `[1.01^(i-1), 1.01^i)` ticks.
pub const BIN_GROWTH: f64 = 1.01;

/// A log-binned histogram of outage durations in ticks, with exact count, sum and max.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DurationHist {
    pub count: u64,
    pub sum: u128,
    pub max: u64,
    /// Bin index -> count; bin 0 holds zero-length outages.
    pub bins: BTreeMap<u32, u64>,
}

impl DurationHist {
    /// The bin of a duration [ticks].
    pub fn bin(t: u64) -> u32 {
        if t == 0 {
            0
        } else {
            ((t as f64).ln() / BIN_GROWTH.ln()).floor() as u32 + 1
        }
    }

    /// Lower and upper edge of a bin [ticks].
    pub fn bin_edges(b: u32) -> (f64, f64) {
        if b == 0 {
            (0.0, 0.0)
        } else {
            (BIN_GROWTH.powi(b as i32 - 1), BIN_GROWTH.powi(b as i32))
        }
    }

    #[inline]
    pub fn add(&mut self, t: u64) {
        self.count += 1;
        self.sum += u128::from(t);
        self.max = self.max.max(t);
        *self.bins.entry(Self::bin(t)).or_insert(0) += 1;
    }

    pub fn merge(&mut self, o: &Self) {
        self.count += o.count;
        self.sum += o.sum;
        self.max = self.max.max(o.max);
        for (b, c) in &o.bins {
            *self.bins.entry(*b).or_insert(0) += c;
        }
    }

    /// The `q`-quantile [ticks] by nearest rank: the geometric middle of the
    /// bin holding it, clamped to the exact maximum. `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (&b, &c) in &self.bins {
            seen += c;
            if seen >= rank {
                let (lo, hi) = Self::bin_edges(b);
                return Some(((lo * hi).sqrt()).min(self.max as f64));
            }
        }
        Some(self.max as f64)
    }
}

/// Statistics of one service over a batch of trials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceTally {
    /// Down time per trial [ticks].
    pub down: Moments,
    /// Degraded (up, but not at full strength) time per trial [ticks].
    pub degraded: Moments,
    /// Outages per trial.
    pub outages: Moments,
    /// Trials with no outage at all.
    pub no_outage: u64,
    /// Outages longer than the service's RTO, over all trials.
    pub over_rto: u64,
    /// Trials with at least one outage longer than the RTO.
    pub trials_over_rto: u64,
    /// Durations of all outages (one still open at the mission's end is cut there).
    pub durations: DurationHist,
    /// Planned down time per trial [ticks], counted in `down` or not as the
    /// service says.
    pub planned_down: Moments,
    /// Unplanned down time per trial [ticks].
    pub unplanned_down: Moments,
    /// Outages that began with a planned action, over all trials (counted in
    /// `outages` or not as the service says).
    pub planned_outages: u64,
    /// Failovers that lost writes, per trial.
    pub data_losses: Moments,
    /// Writes lost per trial [ticks of writes].
    pub lost_writes: Moments,
    /// Data losses larger than the RPO, over all trials.
    pub over_rpo: u64,
    /// Trials with at least one data loss larger than the RPO.
    pub trials_over_rpo: u64,
    /// Counted down time [ticks] and outages by the failure that began the
    /// outage: an element, or shock `k` as `n_elements + k` (`None`: begun by
    /// a planned action, or at the start).
    pub by_cause: BTreeMap<Option<u32>, CauseTally>,
}

/// Outages begun by one cause, and their down time per trial [ticks].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CauseTally {
    pub outages: u64,
    pub down: Moments,
}

impl ServiceTally {
    pub fn merge(&mut self, o: &Self) {
        self.down.merge(&o.down);
        self.degraded.merge(&o.degraded);
        self.outages.merge(&o.outages);
        self.no_outage += o.no_outage;
        self.over_rto += o.over_rto;
        self.trials_over_rto += o.trials_over_rto;
        self.durations.merge(&o.durations);
        self.planned_down.merge(&o.planned_down);
        self.unplanned_down.merge(&o.unplanned_down);
        self.planned_outages += o.planned_outages;
        self.data_losses.merge(&o.data_losses);
        self.lost_writes.merge(&o.lost_writes);
        self.over_rpo += o.over_rpo;
        self.trials_over_rpo += o.trials_over_rpo;
        for (k, c) in &o.by_cause {
            let e = self.by_cause.entry(*k).or_default();
            e.outages += c.outages;
            e.down.merge(&c.down);
        }
    }

    /// Records one trial's `outages` begun by `cause`, `ticks` of down time in all.
    pub fn add_cause(&mut self, cause: Option<u32>, outages: u64, ticks: u64) {
        let e = self.by_cause.entry(cause).or_default();
        e.outages += outages;
        e.down.add(ticks);
    }
}

/// Statistics of all services over a batch of trials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub trials: u64,
    /// Total number of events processed (for speed reports).
    pub events: u64,
    pub services: Vec<ServiceTally>,
    /// The weighted sums of a failure-biasing run (`None` in a plain run,
    /// whose tallies are then exactly what they always were).
    pub weighted: Option<Box<super::weighted::WeightedTally>>,
}

impl Tally {
    pub fn new(services: usize) -> Self {
        Self {
            trials: 0,
            events: 0,
            services: vec![ServiceTally::default(); services],
            weighted: None,
        }
    }

    /// An empty tally of a failure-biasing run: plain sums of what the
    /// biased trials saw, and the weighted sums that estimate the design.
    pub fn new_weighted(services: usize) -> Self {
        Self {
            weighted: Some(Box::new(super::weighted::WeightedTally::new(services))),
            ..Self::new(services)
        }
    }

    /// Adds another batch's tally (both plain, or both weighted; an empty
    /// tally takes on the other's kind).
    ///
    /// # Panics
    /// When one tally is weighted and the other is not, and neither is
    /// empty: a plain and a biased run cannot be pooled.
    pub fn merge(&mut self, o: &Self) {
        if self.trials == 0 {
            match (&self.weighted, &o.weighted) {
                (None, Some(_)) => {
                    self.weighted = Some(Box::new(super::weighted::WeightedTally::new(o.services.len())));
                }
                (Some(_), None) if o.trials > 0 => self.weighted = None,
                _ => {}
            }
        }
        self.trials += o.trials;
        self.events += o.events;
        for (a, b) in self.services.iter_mut().zip(&o.services) {
            a.merge(b);
        }
        match (&mut self.weighted, &o.weighted) {
            (Some(a), Some(b)) => a.merge(b),
            (None, None) => {}
            // An empty tally adds nothing to one of the other kind.
            (Some(_), None) | (None, Some(_)) if o.trials == 0 => {}
            _ => panic!("a plain tally cannot be merged with a weighted one"),
        }
    }
}

/// Sum and sum of squares of a per-trial signed integer quantity (a paired
/// difference of two designs' non-negative 64-bit values), and the moments
/// of its positive part `max(x, 0)`: those of the negative part
/// `max(−x, 0)` follow ([`negative`](Self::negative)), as a trial's value is
/// one or the other. Each part is a rare, heavy-tailed non-negative value
/// like a design's own down time, which the difference's interval needs
/// when few trials differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignedMoments {
    pub sum: i128,
    pub sum_sq: Wide,
    /// Moments of the positive part `max(x, 0)`.
    pub pos: Moments,
}

impl SignedMoments {
    /// Whether these could be the moments of `n` trials.
    pub fn fits(&self, n: u64) -> bool {
        sums_fit(self.sum.unsigned_abs(), self.sum_sq, n)
    }

    /// Adds `x`, whose magnitude is below 2^64 (so that its square fits in 128 bits).
    #[inline]
    pub fn add(&mut self, x: i128) {
        let a = x.unsigned_abs();
        self.sum += x;
        self.sum_sq.add(a * a);
        if x > 0 {
            self.pos.sum += a;
            self.pos.sum_sq.add(a * a);
        }
    }

    pub fn merge(&mut self, o: &Self) {
        self.sum += o.sum;
        self.sum_sq.merge(&o.sum_sq);
        self.pos.merge(&o.pos);
    }

    /// Moments of the negative part `max(−x, 0)`: the positive part's less
    /// the whole's. `None` when they do not fit together (a file's tally
    /// whose positive part exceeds the whole).
    pub fn negative(&self) -> Option<Moments> {
        let sum = i128::try_from(self.pos.sum).ok()?.checked_sub(self.sum)?;
        Some(Moments {
            sum: u128::try_from(sum).ok()?,
            sum_sq: self.sum_sq.checked_sub(self.pos.sum_sq)?,
        })
    }
}

/// What a comparison of designs counts per trial: down time [ticks] and outages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes<M> {
    pub down: M,
    pub outages: M,
}

/// One compared service: each design's moments, and each design's paired
/// difference from the first (design `d` minus design 0, at `differences[d - 1]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairedService {
    pub designs: Vec<Outcomes<Moments>>,
    pub differences: Vec<Outcomes<SignedMoments>>,
    /// Per design: its longest outage [ticks] over all trials (as a run's
    /// `durations.max`), which its down-time intervals allow one more of.
    pub longest: Vec<u64>,
}

impl PairedService {
    /// Adds one trial: `row[d]` is design `d`'s outcome.
    pub fn add(&mut self, row: &[super::TrialOutcome]) {
        for (m, o) in self.designs.iter_mut().zip(row) {
            m.down.add(o.down);
            m.outages.add(o.outages);
        }
        for (m, o) in self.differences.iter_mut().zip(&row[1..]) {
            m.down.add(i128::from(o.down) - i128::from(row[0].down));
            m.outages.add(i128::from(o.outages) - i128::from(row[0].outages));
        }
    }

    pub fn merge(&mut self, o: &Self) {
        for (a, b) in self.designs.iter_mut().zip(&o.designs) {
            a.down.merge(&b.down);
            a.outages.merge(&b.outages);
        }
        for (a, b) in self.differences.iter_mut().zip(&o.differences) {
            a.down.merge(&b.down);
            a.outages.merge(&b.outages);
        }
        if self.longest.len() < o.longest.len() {
            self.longest.resize(o.longest.len(), 0);
        }
        for (a, &b) in self.longest.iter_mut().zip(&o.longest) {
            *a = (*a).max(b);
        }
    }
}

/// Paired statistics of designs run on the same trials, per compared service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PairedTally {
    pub trials: u64,
    pub services: Vec<PairedService>,
}

impl PairedTally {
    /// An empty tally of `services` services in `designs` designs.
    pub fn new(services: usize, designs: usize) -> Self {
        let service = PairedService {
            designs: vec![Outcomes::default(); designs],
            differences: vec![Outcomes::default(); designs.saturating_sub(1)],
            longest: vec![0; designs],
        };
        Self {
            trials: 0,
            services: vec![service; services],
        }
    }

    pub fn merge(&mut self, o: &Self) {
        self.trials += o.trials;
        for (a, b) in self.services.iter_mut().zip(&o.services) {
            a.merge(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_tally_merges_with_either_kind() {
        let mut full_plain = Tally::new(1);
        full_plain.trials = 3;
        let mut full_weighted = Tally::new_weighted(1);
        full_weighted.trials = 3;
        for (a, b) in [
            (Tally::new(1), &full_weighted),
            (Tally::new_weighted(1), &full_plain),
            (full_plain.clone(), &Tally::new_weighted(1)),
            (full_weighted.clone(), &Tally::new(1)),
        ] {
            let kind = if a.trials > 0 {
                a.weighted.is_some()
            } else {
                b.weighted.is_some()
            };
            let mut a = a;
            a.merge(b);
            assert_eq!(a.trials, 3);
            assert_eq!(a.weighted.is_some(), kind, "the non-empty tally's kind");
        }
    }

    #[test]
    fn quantiles_are_within_a_bin_of_the_truth() {
        let mut h = DurationHist::default();
        for t in 1..=1000u64 {
            h.add(t * 1_000_000);
        }
        let p50 = h.quantile(0.5).unwrap();
        assert!((p50 / 500e6 - 1.0).abs() < 0.011, "{p50}");
        let top = h.quantile(1.0).unwrap();
        assert!(top <= 1000e6 && top > 1000e6 / BIN_GROWTH, "{top}");
        assert_eq!(h.max, 1_000_000_000);
    }

    #[test]
    fn squares_carry_into_the_high_word() {
        let mut m = Moments::default();
        for _ in 0..3 {
            m.add(u64::MAX);
        }
        let sq = u128::from(u64::MAX).pow(2);
        let mut expect = Wide::default();
        expect.add(sq);
        expect.add(sq);
        expect.add(sq);
        assert_eq!(m.sum_sq, expect);
        assert_eq!(m.sum_sq.hi, 2, "three squares of 2^64-1 are just under 3·2^128");
        assert!((m.sum_sq.to_f64() / (3.0 * (u64::MAX as f64).powi(2)) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn wide_products_and_differences_are_exact() {
        let m = u128::MAX;
        // (2^128 − 1)² = 2^256 − 2^129 + 1.
        assert_eq!(Wide::product(m, m), Wide { hi: m - 1, lo: 1 });
        assert_eq!(Wide::product(1 << 64, 1 << 64), Wide { hi: 1, lo: 0 });
        assert_eq!(
            Wide::product(12345, 678),
            Wide {
                hi: 0,
                lo: 12345 * 678
            }
        );
        let x = Wide::product(m, 3);
        assert_eq!(x, Wide { hi: 2, lo: m - 2 });
        assert_eq!(Wide { hi: 0, lo: m }.checked_mul(3), Some(x));
        assert_eq!(Wide { hi: m, lo: 0 }.checked_mul(2), None);
        assert_eq!(
            x.checked_sub(Wide { hi: 0, lo: m }),
            Some(Wide { hi: 1, lo: m - 1 })
        );
        assert_eq!(Wide { hi: 0, lo: 1 }.checked_sub(Wide { hi: 0, lo: 2 }), None);
    }

    #[test]
    fn a_difference_keeps_its_positive_and_negative_parts_exactly() {
        let mut a = SignedMoments::default();
        let mut b = SignedMoments::default();
        for x in [3i128, -5, 0, 7] {
            a.add(x);
        }
        b.add(-2);
        a.merge(&b);
        assert_eq!(a.sum, 3);
        assert_eq!(a.pos.sum, 10);
        assert_eq!(a.pos.sum_sq.to_u128(), Some(9 + 49));
        let neg = a.negative().expect("parts that fit");
        assert_eq!(neg.sum, 7);
        assert_eq!(neg.sum_sq.to_u128(), Some(25 + 4));
        // A positive part larger than the whole's squares cannot be.
        a.pos.sum_sq.add(1000);
        assert_eq!(a.negative(), None);
    }

    #[test]
    fn merge_is_order_free() {
        let mut a = Tally::new(1);
        let mut b = Tally::new(1);
        a.services[0].down.add(5);
        a.services[0].durations.add(5);
        b.services[0].down.add(7);
        b.services[0].durations.add(0);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab, ba);
        assert_eq!(
            ab.services[0].down,
            Moments {
                sum: 12,
                sum_sq: Wide { hi: 0, lo: 74 }
            }
        );
    }
}
