//! The shard file format `redsim-shard/5`: serde wire types, kept apart from
//! the engine's tallies (the file is a public interface; the tallies are
//! not). Integers that may pass 2^53 (sums in ticks, sums of squares, the
//! big-integer weighted sums of a failure-biasing run) are decimal strings,
//! so that every reader gets them exactly; histogram bins are an object
//! from bin index to count. The `checksum` covers the rest of the file (see
//! [`checksum`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use num_bigint::BigUint;

use crate::engine::{
    CauseTally, DurationHist, Moments, Outcomes, PairedService, PairedTally, RareOptions, ServiceTally,
    SignedMoments, Tally, WeightedMoments, WeightedService, WeightedTally, Weighting, Wide,
};

/// Format tag of shard and result files (documented in `docs/report-format.md`).
pub const FORMAT: &str = "redsim-shard/5";

/// The format before failure-biasing files carried the plain pilot their
/// report needs (`pilot`, `points[].pilot`, `pilots`) and compare files kept
/// the positive part of each paired difference (`differences[].down.pos`):
/// its plain run and sweep files are read, being those of this format; its
/// failure-biasing files and its compare files are refused as older.
pub const PRE_PILOT_FORMAT: &str = "redsim-shard/4";

/// The format before compare files kept each design's longest outage
/// (`paired.services[].longest`): its run and sweep files are read, being
/// those of this format; its compare files are refused as older.
pub const PRE_LONGEST_FORMAT: &str = "redsim-shard/3";

/// The format before failure biasing (`method`, `rare` and weighted sums):
/// its run and sweep files still read, being plain runs of this one's
/// layout; its compare files are refused as older (no `longest`).
pub const PLAIN_FORMAT: &str = "redsim-shard/2";

/// Format tags of shard files written by older redsim versions (without a checksum).
pub const OLDER_FORMATS: [&str; 1] = ["redsim-shard/1"];

/// The checksum of a shard file's document: SHA-256 (hex) of its canonical
/// text without its top-level `checksum` key. The canonical text is the
/// document written compactly (no whitespace) with every object's keys in
/// sorted order, strings and numbers as `serde_json` writes them.
pub fn checksum(doc: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    canonical(doc, true, &mut h);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Feeds the canonical text of `v` to `h`, leaving out `checksum` at the top.
fn canonical(v: &serde_json::Value, top: bool, h: &mut sha2::Sha256) {
    use serde_json::Value;
    use sha2::Digest;
    match v {
        Value::Array(items) => {
            h.update(b"[");
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    h.update(b",");
                }
                canonical(x, false, h);
            }
            h.update(b"]");
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().filter(|k| !(top && *k == "checksum")).collect();
            keys.sort();
            h.update(b"{");
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    h.update(b",");
                }
                h.update(Value::String(k.clone()).to_string().as_bytes());
                h.update(b":");
                canonical(&map[k], false, h);
            }
            h.update(b"}");
        }
        scalar => h.update(scalar.to_string().as_bytes()),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardFile {
    pub format: String,
    pub kind: Kind,
    pub redsim_version: String,
    /// What identifies the resolved scenario(s) and, for a sweep, the grid.
    pub scenario_sha256: String,
    pub seed: u64,
    /// Trials of the whole run.
    pub trials: u64,
    /// The trials this file holds: `first .. end`.
    pub range: Range,
    pub shard: Part,
    pub confidence: f64,
    pub generator: String,
    /// `plain` or `failure-biasing` (absent in `redsim-shard/2`: plain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Failure biasing: the settings that shaped the change of measure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rare: Option<RareW>,
    /// The scenario (run, sweep) or the designs (compare), each with its text.
    pub scenarios: Vec<Source>,
    /// Sweep: the swept paths and their values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// Run: the tally split at the run's checkpoints that fall in the range, and at its end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<Segment>>,
    /// Run under failure biasing whose trials saw no outage of a service:
    /// the plain pilot (trials `0 .. min(trials, 2000)` of the whole run),
    /// split at the run's checkpoints, which the report gives that service's
    /// figures from. The same in every shard of a run that has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pilot: Option<Vec<Segment>>,
    /// Sweep: one tally per point of the grid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<Point>>,
    /// Compare: the designs' paired statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired: Option<Paired>,
    /// Compare under failure biasing: each design's own tally (independent runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub designs: Option<Vec<TallyW>>,
    /// Compare under failure biasing: per design, its plain pilot (on its
    /// own seed) where its trials saw no outage of a service, else `null`;
    /// absent when no design needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pilots: Option<Vec<Option<TallyW>>>,
    /// SHA-256 of the rest of the file: see [`checksum`] (checked before
    /// the file is deserialized, so a missing one is reported there).
    #[serde(default)]
    pub checksum: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Run,
    Sweep,
    Compare,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub first: u64,
    pub end: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub index: u64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub name: String,
    /// The path as given on the command line.
    pub file: String,
    /// SHA-256 of the file's bytes (= of `text`).
    pub sha256: String,
    #[serde(default)]
    pub set: Vec<String>,
    pub mission_hours: f64,
    /// The file's text.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    pub path: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    /// The trial count this segment ends at (its trials end just before it).
    pub end: u64,
    pub tally: TallyW,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub set: Vec<String>,
    pub tally: TallyW,
    /// Under failure biasing, where the point's trials saw no outage of a
    /// service: its plain pilot (as `pilot` of a run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pilot: Option<TallyW>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TallyW {
    pub trials: u64,
    pub events: u64,
    pub services: Vec<ServiceW>,
    /// Failure biasing: the exact weighted sums.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted: Option<WeightedW>,
}

/// The settings of a failure-biasing run ([`RareOptions`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RareW {
    pub p_bias: f64,
    pub mixture: f64,
    pub weighting: WeightingW,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightingW {
    Incremental,
    Final,
}

impl From<&RareOptions> for RareW {
    fn from(o: &RareOptions) -> Self {
        Self {
            p_bias: o.p_bias,
            mixture: o.mixture,
            weighting: match o.weighting {
                Weighting::Incremental => WeightingW::Incremental,
                Weighting::Final => WeightingW::Final,
            },
        }
    }
}

impl From<&RareW> for RareOptions {
    fn from(o: &RareW) -> Self {
        Self {
            p_bias: o.p_bias,
            mixture: o.mixture,
            weighting: match o.weighting {
                WeightingW::Incremental => Weighting::Incremental,
                WeightingW::Final => Weighting::Final,
            },
        }
    }
}

/// The weighted part of a tally ([`WeightedTally`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedW {
    pub likelihood: BigMomentsW,
    pub services: Vec<WeightedServiceW>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedServiceW {
    pub down: BigMomentsW,
    pub degraded: BigMomentsW,
    pub outages: BigMomentsW,
    pub had_outage: BigMomentsW,
    pub planned_down: BigMomentsW,
    pub unplanned_down: BigMomentsW,
    pub by_cause: Vec<WeightedCauseW>,
    /// Weighted outages by duration bin, ascending.
    pub durations: Vec<WeightedBinW>,
    pub over_rto: BigMomentsW,
    pub had_over_rto: BigMomentsW,
    pub data_losses: BigMomentsW,
    pub lost_writes: BigMomentsW,
    pub over_rpo: BigMomentsW,
    pub had_over_rpo: BigMomentsW,
}

/// One bin of [`WeightedService::durations`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedBinW {
    /// As [`DurationHist::bin`](crate::engine::DurationHist::bin).
    pub bin: u32,
    pub count: BigMomentsW,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedCauseW {
    /// As [`CauseW::cause`].
    pub cause: Option<u32>,
    pub down: BigMomentsW,
}

/// [`WeightedMoments`]: `Σw·2^1074` and `Σw²·2^2148`, decimal strings, and
/// the largest value (a JSON number, which reads back to the same bits).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BigMomentsW {
    pub sum: BigDec,
    pub sum_sq: BigDec,
    pub max: f64,
}

/// Most decimal digits of a weighted sum: `Σw²·2^2148` of 2^64 trials of
/// the largest `f64` has 1,283; past this a number is refused before it is
/// converted (so that a huge one costs nothing).
const BIG_DIGITS: usize = 1_300;

/// A big non-negative integer written as a decimal string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigDec(pub BigUint);

impl Serialize for BigDec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_str_radix(10))
    }
}

impl<'de> Deserialize<'de> for BigDec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() > BIG_DIGITS {
            return Err(serde::de::Error::custom(format!(
                "a number of {} digits: no weighted sum has more than {BIG_DIGITS}",
                s.len()
            )));
        }
        digits_only(&s)
            .then(|| BigUint::parse_bytes(s.as_bytes(), 10))
            .flatten()
            .map(BigDec)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{}` is not a whole number in decimal digits",
                    crate::model::printable(&s)
                ))
            })
    }
}

impl From<&WeightedMoments> for BigMomentsW {
    fn from(m: &WeightedMoments) -> Self {
        Self {
            sum: BigDec(m.sum.clone()),
            sum_sq: BigDec(m.sum_sq.clone()),
            max: m.max(),
        }
    }
}

impl From<&BigMomentsW> for WeightedMoments {
    fn from(m: &BigMomentsW) -> Self {
        Self {
            sum: m.sum.0.clone(),
            sum_sq: m.sum_sq.0.clone(),
            // A zero of either sign is no value; anything else keeps its
            // bits, a negative one included, for the reader to refuse.
            max_bits: if m.max == 0.0 { 0 } else { m.max.to_bits() },
        }
    }
}

impl From<&WeightedTally> for WeightedW {
    fn from(w: &WeightedTally) -> Self {
        Self {
            likelihood: (&w.likelihood).into(),
            services: w
                .services
                .iter()
                .map(|s| WeightedServiceW {
                    down: (&s.down).into(),
                    degraded: (&s.degraded).into(),
                    outages: (&s.outages).into(),
                    had_outage: (&s.had_outage).into(),
                    planned_down: (&s.planned_down).into(),
                    unplanned_down: (&s.unplanned_down).into(),
                    by_cause: s
                        .by_cause
                        .iter()
                        .map(|(cause, m)| WeightedCauseW {
                            cause: *cause,
                            down: m.into(),
                        })
                        .collect(),
                    durations: s
                        .durations
                        .iter()
                        .map(|(&bin, m)| WeightedBinW { bin, count: m.into() })
                        .collect(),
                    over_rto: (&s.over_rto).into(),
                    had_over_rto: (&s.had_over_rto).into(),
                    data_losses: (&s.data_losses).into(),
                    lost_writes: (&s.lost_writes).into(),
                    over_rpo: (&s.over_rpo).into(),
                    had_over_rpo: (&s.had_over_rpo).into(),
                })
                .collect(),
        }
    }
}

impl From<&WeightedW> for WeightedTally {
    fn from(w: &WeightedW) -> Self {
        Self {
            likelihood: (&w.likelihood).into(),
            services: w
                .services
                .iter()
                .map(|s| WeightedService {
                    down: (&s.down).into(),
                    degraded: (&s.degraded).into(),
                    outages: (&s.outages).into(),
                    had_outage: (&s.had_outage).into(),
                    planned_down: (&s.planned_down).into(),
                    unplanned_down: (&s.unplanned_down).into(),
                    by_cause: s.by_cause.iter().map(|c| (c.cause, (&c.down).into())).collect(),
                    durations: s.durations.iter().map(|b| (b.bin, (&b.count).into())).collect(),
                    over_rto: (&s.over_rto).into(),
                    had_over_rto: (&s.had_over_rto).into(),
                    data_losses: (&s.data_losses).into(),
                    lost_writes: (&s.lost_writes).into(),
                    over_rpo: (&s.over_rpo).into(),
                    had_over_rpo: (&s.had_over_rpo).into(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceW {
    pub down: MomentsW,
    pub degraded: MomentsW,
    pub outages: MomentsW,
    pub no_outage: u64,
    pub over_rto: u64,
    pub trials_over_rto: u64,
    pub durations: HistW,
    pub planned_down: MomentsW,
    pub unplanned_down: MomentsW,
    pub planned_outages: u64,
    pub data_losses: MomentsW,
    pub lost_writes: MomentsW,
    pub over_rpo: u64,
    pub trials_over_rpo: u64,
    pub by_cause: Vec<CauseW>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MomentsW {
    pub sum: Dec<u128>,
    pub sum_sq: Dec<Wide>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedMomentsW {
    pub sum: Dec<i128>,
    pub sum_sq: Dec<Wide>,
    /// Sum and sum of squares of the positive part `max(x, 0)`.
    pub pos: MomentsW,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistW {
    pub count: u64,
    pub sum: Dec<u128>,
    pub max: u64,
    pub bins: BTreeMap<u32, u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CauseW {
    /// Index of the element in the resolved model; shock `k` is
    /// `elements + k`; `null`: a planned action, or down at the start.
    pub cause: Option<u32>,
    pub outages: u64,
    pub down: MomentsW,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paired {
    pub trials: u64,
    pub services: Vec<PairedServiceW>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairedServiceW {
    /// The service id (shared by every design).
    pub service: String,
    /// Per design: down time [ticks] and outages per trial.
    pub designs: Vec<OutcomesW<MomentsW>>,
    /// Per design after the first: its per-trial difference from the first.
    pub differences: Vec<OutcomesW<SignedMomentsW>>,
    /// Per design: its longest outage [ticks].
    pub longest: Vec<u64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomesW<M> {
    pub down: M,
    pub outages: M,
}

/// An integer written as a decimal string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dec<T>(pub T);

/// Conversion of wide integers to and from decimal text.
pub trait Decimal: Sized {
    fn to_decimal(&self) -> String;
    fn from_decimal(s: &str) -> Option<Self>;
}

impl Decimal for u128 {
    fn to_decimal(&self) -> String {
        self.to_string()
    }
    fn from_decimal(s: &str) -> Option<Self> {
        digits_only(s).then(|| s.parse().ok()).flatten()
    }
}

impl Decimal for i128 {
    fn to_decimal(&self) -> String {
        self.to_string()
    }
    fn from_decimal(s: &str) -> Option<Self> {
        digits_only(s.strip_prefix('-').unwrap_or(s))
            .then(|| s.parse().ok())
            .flatten()
    }
}

fn digits_only(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// 10^19, the largest power of ten in a `u64`.
const TEN19: u128 = 10_000_000_000_000_000_000;

impl Decimal for Wide {
    fn to_decimal(&self) -> String {
        if self.hi == 0 {
            return self.lo.to_string();
        }
        // Four 64-bit limbs, most significant first, divided by 10^19 until zero.
        let mut limbs = [
            (self.hi >> 64) as u64,
            self.hi as u64,
            (self.lo >> 64) as u64,
            self.lo as u64,
        ];
        let mut chunks = Vec::new();
        while limbs.iter().any(|&l| l != 0) {
            let mut rem: u128 = 0;
            for l in &mut limbs {
                let cur = (rem << 64) | u128::from(*l);
                *l = (cur / TEN19) as u64;
                rem = cur % TEN19;
            }
            chunks.push(rem as u64);
        }
        let mut out = chunks.pop().map_or_else(String::new, |c| c.to_string());
        for c in chunks.iter().rev() {
            out.push_str(&format!("{c:019}"));
        }
        out
    }

    fn from_decimal(s: &str) -> Option<Self> {
        if !digits_only(s) {
            return None;
        }
        // Limbs least significant first; each digit multiplies by ten and adds.
        let mut limbs = [0u64; 4];
        for b in s.bytes() {
            let mut carry = u128::from(b - b'0');
            for l in &mut limbs {
                let cur = u128::from(*l) * 10 + carry;
                *l = cur as u64;
                carry = cur >> 64;
            }
            if carry != 0 {
                return None;
            }
        }
        Some(Wide {
            hi: (u128::from(limbs[3]) << 64) | u128::from(limbs[2]),
            lo: (u128::from(limbs[1]) << 64) | u128::from(limbs[0]),
        })
    }
}

impl<T: Decimal> Serialize for Dec<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_decimal())
    }
}

impl<'de, T: Decimal> Deserialize<'de> for Dec<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        T::from_decimal(&s).map(Dec).ok_or_else(|| {
            serde::de::Error::custom(format!("`{s}` is not a whole number in decimal digits, in range"))
        })
    }
}

impl From<&Moments> for MomentsW {
    fn from(m: &Moments) -> Self {
        Self {
            sum: Dec(m.sum),
            sum_sq: Dec(m.sum_sq),
        }
    }
}

impl From<&MomentsW> for Moments {
    fn from(m: &MomentsW) -> Self {
        Self {
            sum: m.sum.0,
            sum_sq: m.sum_sq.0,
        }
    }
}

impl From<&SignedMoments> for SignedMomentsW {
    fn from(m: &SignedMoments) -> Self {
        Self {
            sum: Dec(m.sum),
            sum_sq: Dec(m.sum_sq),
            pos: (&m.pos).into(),
        }
    }
}

impl From<&SignedMomentsW> for SignedMoments {
    fn from(m: &SignedMomentsW) -> Self {
        Self {
            sum: m.sum.0,
            sum_sq: m.sum_sq.0,
            pos: (&m.pos).into(),
        }
    }
}

impl<'a, A, B: From<&'a A>> From<&'a Outcomes<A>> for OutcomesW<B> {
    fn from(o: &'a Outcomes<A>) -> Self {
        Self {
            down: (&o.down).into(),
            outages: (&o.outages).into(),
        }
    }
}

impl<'a, A, B: From<&'a A>> From<&'a OutcomesW<A>> for Outcomes<B> {
    fn from(o: &'a OutcomesW<A>) -> Self {
        Self {
            down: (&o.down).into(),
            outages: (&o.outages).into(),
        }
    }
}

impl From<&Tally> for TallyW {
    fn from(t: &Tally) -> Self {
        Self {
            trials: t.trials,
            events: t.events,
            services: t
                .services
                .iter()
                .map(|s| ServiceW {
                    down: (&s.down).into(),
                    degraded: (&s.degraded).into(),
                    outages: (&s.outages).into(),
                    no_outage: s.no_outage,
                    over_rto: s.over_rto,
                    trials_over_rto: s.trials_over_rto,
                    durations: HistW {
                        count: s.durations.count,
                        sum: Dec(s.durations.sum),
                        max: s.durations.max,
                        bins: s.durations.bins.clone(),
                    },
                    planned_down: (&s.planned_down).into(),
                    unplanned_down: (&s.unplanned_down).into(),
                    planned_outages: s.planned_outages,
                    data_losses: (&s.data_losses).into(),
                    lost_writes: (&s.lost_writes).into(),
                    over_rpo: s.over_rpo,
                    trials_over_rpo: s.trials_over_rpo,
                    by_cause: s
                        .by_cause
                        .iter()
                        .map(|(cause, c)| CauseW {
                            cause: *cause,
                            outages: c.outages,
                            down: (&c.down).into(),
                        })
                        .collect(),
                })
                .collect(),
            weighted: t.weighted.as_deref().map(Into::into),
        }
    }
}

impl TallyW {
    /// Causes listed out of order or twice, per service: `(service, cause)`,
    /// in the plain sums and then the weighted ones. A tally lists each
    /// cause once, in order (`null` first), so a file that does not was
    /// altered; read into a map, the repeats would vanish.
    pub fn repeated_causes(&self) -> Vec<(usize, Option<u32>)> {
        let mut out = Vec::new();
        for (s, st) in self.services.iter().enumerate() {
            for w in st.by_cause.windows(2) {
                if w[0].cause >= w[1].cause {
                    out.push((s, w[1].cause));
                }
            }
        }
        for (s, st) in self.weighted.iter().flat_map(|w| w.services.iter().enumerate()) {
            for w in st.by_cause.windows(2) {
                if w[0].cause >= w[1].cause {
                    out.push((s, w[1].cause));
                }
            }
        }
        out
    }
}

impl From<&TallyW> for Tally {
    fn from(t: &TallyW) -> Self {
        Self {
            trials: t.trials,
            events: t.events,
            services: t
                .services
                .iter()
                .map(|s| ServiceTally {
                    down: (&s.down).into(),
                    degraded: (&s.degraded).into(),
                    outages: (&s.outages).into(),
                    no_outage: s.no_outage,
                    over_rto: s.over_rto,
                    trials_over_rto: s.trials_over_rto,
                    durations: DurationHist {
                        count: s.durations.count,
                        sum: s.durations.sum.0,
                        max: s.durations.max,
                        bins: s.durations.bins.clone(),
                    },
                    planned_down: (&s.planned_down).into(),
                    unplanned_down: (&s.unplanned_down).into(),
                    planned_outages: s.planned_outages,
                    data_losses: (&s.data_losses).into(),
                    lost_writes: (&s.lost_writes).into(),
                    over_rpo: s.over_rpo,
                    trials_over_rpo: s.trials_over_rpo,
                    by_cause: s
                        .by_cause
                        .iter()
                        .map(|c| {
                            (
                                c.cause,
                                CauseTally {
                                    outages: c.outages,
                                    down: (&c.down).into(),
                                },
                            )
                        })
                        .collect(),
                })
                .collect(),
            weighted: t.weighted.as_ref().map(|w| Box::new(w.into())),
        }
    }
}

impl Paired {
    /// The wire form of `t`, its services named by `ids`.
    pub fn new(t: &PairedTally, ids: &[String]) -> Self {
        Self {
            trials: t.trials,
            services: t
                .services
                .iter()
                .zip(ids)
                .map(|(s, id)| PairedServiceW {
                    service: id.clone(),
                    designs: s.designs.iter().map(Into::into).collect(),
                    differences: s.differences.iter().map(Into::into).collect(),
                    longest: s.longest.clone(),
                })
                .collect(),
        }
    }

    pub fn tally(&self) -> PairedTally {
        PairedTally {
            trials: self.trials,
            services: self
                .services
                .iter()
                .map(|s| PairedService {
                    designs: s.designs.iter().map(Into::into).collect(),
                    differences: s.differences.iter().map(Into::into).collect(),
                    longest: s.longest.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_sums_round_trip_through_decimal_text() {
        let cases = [
            Wide { hi: 0, lo: 0 },
            Wide { hi: 0, lo: u128::MAX },
            Wide { hi: 1, lo: 0 },
            Wide {
                hi: u128::MAX,
                lo: u128::MAX,
            },
            Wide {
                hi: 12_345,
                lo: 6_789_012_345_678_901_234_567_890,
            },
        ];
        for w in cases {
            let s = w.to_decimal();
            assert_eq!(Wide::from_decimal(&s), Some(w), "{s}");
        }
        assert_eq!(
            Wide { hi: 1, lo: 0 }.to_decimal(),
            "340282366920938463463374607431768211456"
        );
        assert_eq!(
            Wide {
                hi: u128::MAX,
                lo: u128::MAX
            }
            .to_decimal(),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        );
        // 2^256 does not fit; neither do signs, spaces or nothing.
        assert_eq!(
            Wide::from_decimal(
                "115792089237316195423570985008687907853269984665640564039457584007913129639936"
            ),
            None
        );
        for bad in ["", "-1", "+1", "1 ", "1e3", "0x10"] {
            assert_eq!(Wide::from_decimal(bad), None, "{bad:?}");
            assert_eq!(u128::from_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(i128::from_decimal("-17"), Some(-17));
        assert_eq!(i128::from_decimal("--17"), None);
    }
}
