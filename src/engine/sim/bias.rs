//! Failure biasing: the change of measure of `--rare on`.
//!
//! While the system is degraded (at least one element that can fail is not
//! up: failed, in logistics, waiting for a spare or a crew, under repair,
//! or dead), the failure hazard of every up element whose failure law is
//! exponential, Weibull, lognormal or gamma is multiplied by `θ_e ≥ 1`, and
//! so is the hazard of the time to the next strike of every common-cause
//! shock that would find a member up. The factors are chosen so that a
//! failure is about `p_bias / (1 − p_bias)` times as likely as a repair to
//! come next, spread evenly over these failure transitions ("balanced
//! failure biasing", Shahabuddin 1994). When every element is up, hazards
//! are left alone, except under failure forcing (below). Everything else
//! (repairs, crews, logistics, spares, groups, maintenance, a shock's
//! chance of failing each member, uniform and fixed laws) keeps its own law.
//!
//! Failure forcing (Nakayama & Shahabuddin 2004): a trial whose all-up
//! cumulative hazard over the whole mission is below [`FORCING`] (`c`)
//! scales, each time every element is up, every up element's and live
//! shock's hazard by `θ0 = c / ΔH`, `ΔH` the all-up cumulative hazard left
//! to the mission's end, until something goes down. Its ratio is bounded
//! (`e^c` at most for a stretch that reaches the end), so it is not mixed
//! with the plain measure; a trial whose all-up hazard over the mission
//! is at least `c` is never forced, and runs as before bit for bit.
//!
//! Each biased element (and shock) carries its cumulative-hazard budget:
//! the plain engine samples its age at failure `A` (a shock: the time to
//! its next strike), whose cumulative hazard `E = H(A)` is a unit
//! exponential; under hazard `θ·h` it fails when `Σ θ·ΔH` over its life
//! reaches `E`. When `θ` changes, the budget left is spent at the new rate,
//! so the age at failure is re-derived with `H⁻¹` and no extra random draw
//! is needed (hazard in real time is `rate·h(age)` for a standby that ages
//! at a rate, so ageing standbys are covered). `H = −ln S` is computed from
//! statrs' `erfc` and regularized incomplete gamma functions in whichever
//! tail keeps its digits; `H⁻¹` from `erfc⁻¹` with Newton steps for the
//! lognormal and by safeguarded Newton for the gamma.
//!
//! A degraded period's likelihood ratio (plain over biased) is
//! `ℓ = Π_failures 1/θ_e · exp(Σ (θ_e − 1)·ΔH_e)`, the product over the
//! hazard-driven failures and shock strikes and the sum over the cumulative
//! hazard they accrued while biased (Glynn & Iglehart 1989; Nakayama &
//! Shahabuddin 2004 for non-exponential laws). A member a shock fails adds
//! nothing: the shock's chance per member is not changed. Each period is
//! biased only with probability `q` (a coin per period, from its own
//! stream), and its factor is that of the mixture, `1/(q/ℓ + 1 − q) ≤
//! 1/(1 − q)` (defensive importance sampling, Hesterberg 1995), so that the
//! product over a long mission's many periods does not degenerate; `ℓ` is
//! computed along the path whichever measure drew it. The trial's `L` is
//! the product of its periods' factors. Its logarithm is kept, and it is
//! brought up to date at every instant where something is tallied, so that
//! each increment can be weighted by `L` at the moment it accrues
//! (docs/methodology.md).

use std::f64::consts::{LN_2, PI, SQRT_2};

use rand::RngExt;
use statrs::function::erf::{erfc, erfc_inv};
use statrs::function::gamma::{gamma_lr, gamma_ur, ln_gamma};

use super::super::rng::{self, StreamRng};
use super::{Phase, Plan, Trial};
use crate::model::{Distribution, Model, Parameters};

/// Key of the random stream that decides which degraded periods are
/// biased. It contains spaces, which no element id can.
const COIN_KEY: &str = "failure bias coin";

/// A failure law whose hazard can be scaled exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Law {
    /// Not biased (uniform, fixed, or no failure law).
    None,
    /// `H(a) = a / mean`.
    Exponential { mean: f64 },
    /// `H(a) = (a / scale)^shape`.
    Weibull { shape: f64, scale: f64 },
    /// `H(a) = −ln Φ̄((ln a − mu) / sigma)`.
    LogNormal { mu: f64, sigma: f64 },
    /// `H(a) = −ln Q(shape, a / scale)`, `Q` the regularized upper
    /// incomplete gamma function.
    Gamma { shape: f64, scale: f64 },
}

impl Law {
    /// The law of `d` as far as biasing goes.
    fn of(d: &Distribution) -> Self {
        match *d.parameters() {
            Parameters::Exponential { mean } => Self::Exponential { mean },
            Parameters::Weibull { shape, scale } => Self::Weibull { shape, scale },
            Parameters::LogNormal { mu, sigma } => Self::LogNormal { mu, sigma },
            Parameters::Gamma { shape, scale } => Self::Gamma { shape, scale },
            Parameters::Uniform { .. } | Parameters::Fixed { .. } => Self::None,
        }
    }

    /// The cumulative hazard `H(age) = −ln S(age)`, accurate in both tails
    /// (relative to `H` where it is tiny, and to `ln S` where `S` is).
    #[inline]
    fn h(self, age: f64) -> f64 {
        match self {
            Self::None => 0.0,
            Self::Exponential { mean } => age / mean,
            Self::Weibull { shape, scale } => (age / scale).powf(shape),
            Self::LogNormal { mu, sigma } => {
                if age <= 0.0 {
                    return 0.0;
                }
                normal_h((age.ln() - mu) / sigma)
            }
            Self::Gamma { shape, scale } => {
                if age <= 0.0 {
                    return 0.0;
                }
                let x = age / scale;
                if x < shape {
                    // P(shape, x) is below about one half: ln(1 − P) from P.
                    -(-gamma_lr(shape, x)).ln_1p()
                } else {
                    -gamma_ur(shape, x).ln()
                }
            }
        }
    }

    /// The age at which the cumulative hazard reaches `x ≥ 0`: `H⁻¹(x)`.
    fn h_inv(self, x: f64) -> f64 {
        match self {
            Self::None => f64::INFINITY,
            Self::Exponential { mean } => x * mean,
            Self::Weibull { shape, scale } => scale * x.powf(1.0 / shape),
            Self::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    return 0.0;
                }
                (mu + sigma * normal_h_inv(x)).exp()
            }
            Self::Gamma { shape, scale } => {
                if x <= 0.0 {
                    return 0.0;
                }
                scale * gamma_h_inv(shape, x)
            }
        }
    }
}

/// The standard normal's cumulative hazard at `z`: `−ln Φ̄(z)`, with
/// `Φ̄(z) = erfc(z/√2)/2` (accurate far into the upper tail) and, below
/// the median, `−ln(1 − Φ(z))` from `Φ(z) = erfc(−z/√2)/2`.
#[inline]
fn normal_h(z: f64) -> f64 {
    if z > 0.0 {
        -(0.5 * erfc(z / SQRT_2)).ln()
    } else {
        -(-0.5 * erfc(-z / SQRT_2)).ln_1p()
    }
}

/// `z` with `normal_h(z) = x > 0`: from `erfc⁻¹` (of the survival above the
/// median, of the distribution function below it, so that neither loses
/// digits), polished by Newton steps on `normal_h`, whose derivative is the
/// hazard `φ(z)/Φ̄(z)`.
fn normal_h_inv(x: f64) -> f64 {
    let mut z = if x > LN_2 {
        SQRT_2 * erfc_inv(2.0 * (-x).exp())
    } else {
        -SQRT_2 * erfc_inv(-2.0 * (-x).exp_m1())
    };
    for _ in 0..2 {
        let hz = normal_h(z);
        let slope = (hz - 0.5 * z * z - 0.5 * (2.0 * PI).ln()).exp();
        let step = (hz - x) / slope;
        if !step.is_finite() || step == 0.0 {
            break;
        }
        z -= step;
    }
    z
}

/// `y` with `H(y) = x > 0` for the unit-scale gamma law of shape `k`
/// (`H(y) = −ln Q(k, y)`): a safeguarded Newton iteration on `u = ln y`
/// (the derivative is `y · hazard(y)`), kept inside a bracket that is
/// bisected whenever a Newton step would leave it or stall.
fn gamma_h_inv(k: f64, x: f64) -> f64 {
    let law = Law::Gamma { shape: k, scale: 1.0 };
    let g = |u: f64| law.h(u.exp()) - x;
    let ln_gamma_k = ln_gamma(k);
    // H(y) ≈ y^k / Γ(k + 1) near 0 and ≈ y far out: a start close to either.
    let small = (x.ln() + ln_gamma(k + 1.0)) / k;
    let mut u = if small < k.ln() { small } else { (x + k).ln() };
    let (mut lo, mut hi) = (u, u);
    let mut step = 1.0;
    while g(lo) > 0.0 {
        lo -= step;
        step *= 2.0;
    }
    step = 1.0;
    while g(hi) < 0.0 {
        hi += step;
        step *= 2.0;
    }
    u = u.clamp(lo, hi);
    for _ in 0..200 {
        let y = u.exp();
        let hy = law.h(y);
        let f = hy - x;
        if f == 0.0 {
            break;
        }
        if f < 0.0 {
            lo = u;
        } else {
            hi = u;
        }
        let slope = (k * u - y - ln_gamma_k + hy).exp();
        let newton = u - f / slope;
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - u).abs() <= 4.0 * f64::EPSILON * u.abs().max(1.0)
            || hi - lo <= f64::EPSILON * u.abs().max(1.0)
        {
            u = next;
            break;
        }
        u = next;
    }
    u.exp()
}

/// How a weighted increment is weighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Weighting {
    /// Each increment by the likelihood ratio at the instant it accrues (a
    /// martingale: unbiased by optional stopping; lower variance over long
    /// missions).
    #[default]
    Incremental,
    /// The whole trial's measurement by its final likelihood ratio.
    Final,
}

/// Settings of a failure-biasing run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RareOptions {
    /// Probability that the next event of a degraded system is a failure,
    /// aimed for when choosing the biased hazards (0 < p < 1).
    pub p_bias: f64,
    /// How increments are weighted.
    pub weighting: Weighting,
    /// Share of degraded periods that are biased (0 < q ≤ 1): each period
    /// is biased or left plain at random, and its likelihood ratio is that
    /// of the mixture (defensive importance sampling, Hesterberg 1995), at
    /// most `1/(1 − q)` per period, which keeps long missions from
    /// degenerating. 1 biases every period.
    pub mixture: f64,
}

/// Default [`RareOptions::p_bias`]: 0.2. At 1/2 a degraded period that
/// ends in a repair has a likelihood ratio of (nearly) infinite variance
/// in continuous time; 0.2 with [`DEFAULT_MIXTURE`] kept the relative
/// error flat from 1e-6 to 1e-10 and over missions of up to a year of
/// degraded periods (docs/methodology.md, "Rare events").
pub const DEFAULT_P_BIAS: f64 = 0.2;

/// Default [`RareOptions::mixture`]: one degraded period in four is biased.
pub const DEFAULT_MIXTURE: f64 = 0.25;

/// Failure forcing's `c`: a trial whose all-up cumulative hazard over the
/// whole mission is below it scales every up element's hazard while all is
/// up so that `c` of it is left to spend before the mission ends
/// (docs/methodology.md, "Failure forcing").
pub const FORCING: f64 = 2.0;

impl Default for RareOptions {
    fn default() -> Self {
        Self {
            p_bias: DEFAULT_P_BIAS,
            weighting: Weighting::Incremental,
            mixture: DEFAULT_MIXTURE,
        }
    }
}

/// Whether failure biasing scales the hazard of a life drawn from `d`
/// (exponential, Weibull, lognormal, gamma); uniform and fixed lives keep
/// their law.
pub fn scales_hazard(d: &Distribution) -> bool {
    Law::of(d) != Law::None
}

/// Whether failure biasing changes anything in `model`: whether some
/// element's failure law, or some shock's law of the time between shocks,
/// is one whose hazard it scales ([`scales_hazard`]).
pub fn biases_anything(model: &Model) -> bool {
    let scaled = scales_hazard;
    model
        .elements
        .iter()
        .any(|e| e.life.as_ref().is_some_and(|l| scaled(&l.failure)))
        || model
            .common_cause
            .iter()
            .any(|c| !c.members.is_empty() && scaled(&c.interval))
}

/// The change of measure compiled for a plan.
#[derive(Debug, Clone)]
pub(crate) struct BiasPlan {
    /// `p / (1 − p)`.
    odds: f64,
    weighting: Weighting,
    /// [`RareOptions::mixture`].
    mixture: f64,
    /// Each slot's failure law as far as biasing goes: the elements', then
    /// each shock's law of the time between shocks (shock `k` is slot
    /// `n_elements + k`, as in an outage's cause).
    law: Vec<Law>,
    /// Each slot's mean failure (or shock) rate [1/h] (0 when not biased).
    rate: Vec<f64>,
    /// Each element's repair rate [1/h] while down: one over its mean
    /// logistics delay plus repair time (0 when not repairable).
    repair_rate: Vec<f64>,
    /// Whether each element can fail at all.
    can_fail: Vec<bool>,
    /// The elements with a biasable law.
    biased: Vec<u32>,
    /// The elements (not shocks) in `law`.
    n_elements: usize,
    /// The shocks with a biasable law, and their members.
    shocks: Vec<(u32, Vec<u32>)>,
    /// [`FORCING`]: the cumulative hazard a forced all-up stretch spends,
    /// in expectation, before the mission ends.
    force: f64,
}

impl BiasPlan {
    pub(crate) fn new(model: &Model, opts: &RareOptions) -> Self {
        let n = model.elements.len();
        let mut law = vec![Law::None; n];
        let mut rate = vec![0.0; n];
        let mut repair_rate = vec![0.0; n];
        let mut can_fail = vec![false; n];
        for (e, el) in model.elements.iter().enumerate() {
            let Some(life) = &el.life else { continue };
            can_fail[e] = true;
            law[e] = Law::of(&life.failure);
            if law[e] != Law::None {
                rate[e] = 1.0 / life.failure.mean();
            }
            if let Some(r) = &life.repair {
                let delay = life.logistics.as_ref().map_or(0.0, Distribution::mean) + r.mean();
                repair_rate[e] = if delay > 0.0 { 1.0 / delay } else { 0.0 };
            }
        }
        let biased = (0..n)
            .filter(|&e| law[e] != Law::None)
            .map(|e| e as u32)
            .collect();
        let mut shocks = Vec::new();
        for (k, c) in model.common_cause.iter().enumerate() {
            let l = Law::of(&c.interval);
            law.push(l);
            rate.push(if l == Law::None {
                0.0
            } else {
                1.0 / c.interval.mean()
            });
            if l != Law::None && !c.members.is_empty() {
                shocks.push((k as u32, c.members.iter().map(|&m| m as u32).collect()));
            }
        }
        Self {
            odds: opts.p_bias / (1.0 - opts.p_bias),
            weighting: opts.weighting,
            mixture: opts.mixture,
            law,
            rate,
            repair_rate,
            can_fail,
            biased,
            n_elements: n,
            shocks,
            force: FORCING,
        }
    }

    pub(crate) fn weighting(&self) -> Weighting {
        self.weighting
    }
}

/// One element's (or shock's) biasing state.
#[derive(Debug, Clone, Copy, Default)]
struct BiasEl {
    /// Hazard multiplier of the biased measure in the current state (in
    /// force only while the degraded period is biased).
    theta: f64,
    /// Age at failure under the current `theta` \[h\].
    target: f64,
    /// Cumulative hazard still to spend, as of the last update.
    budget: f64,
    /// Cumulative hazard at the last update.
    h_last: f64,
    /// When its current life began (elements that age at rate 1) \[h\].
    born: f64,
}

/// What a biased trial accrues for one service, each increment weighted by
/// the likelihood ratio at the instant it accrues.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WeightedTrialService {
    /// Down time \[h\].
    pub down: f64,
    /// Degraded time \[h\].
    pub degraded: f64,
    /// Outages.
    pub outages: f64,
    /// Planned down time \[h\].
    pub planned_down: f64,
    /// Outages begun by a planned action.
    pub planned_outages: f64,
    /// The likelihood ratio at the first outage, if there was one.
    pub first_outage: Option<f64>,
    /// The likelihood ratio at the first outage not begun by a planned action.
    pub first_unplanned: Option<f64>,
    /// Counted outages longer than the service's RTO, each weighted by the
    /// likelihood ratio at its end.
    pub over_rto: f64,
    /// The likelihood ratio at the end of the first counted outage longer
    /// than the RTO, if there was one.
    pub first_over_rto: Option<f64>,
}

/// Per-trial state of failure biasing (empty in a plain run).
#[derive(Debug, Clone)]
pub(crate) struct BiasState {
    el: Vec<BiasEl>,
    /// Decides which degraded periods are biased.
    coin: StreamRng,
    /// A degraded period is under way.
    in_period: bool,
    /// The period under way is biased (its hazards are scaled).
    on: bool,
    /// This trial forces failures from the all-up state (its all-up
    /// cumulative hazard over the whole mission is below [`FORCING`]).
    forcing: bool,
    /// A forced all-up stretch is under way, every up element's (and live
    /// shock's) hazard scaled by `theta0`.
    forced: bool,
    /// The hazard multiplier of the forced stretch under way (1 when none).
    theta0: f64,
    /// `ln ℓ` of the period under way: plain over fully biased, along the path.
    log_ell: f64,
    /// `ln L` of the periods that ended.
    log_done: f64,
    /// `L` now, as of the last update.
    pub(crate) l: f64,
    /// An element that can fail went down or came back since the last rebalance.
    changed: bool,
    /// Per service, the weighted results of the last trial.
    pub(crate) w: Vec<WeightedTrialService>,
    /// Counted outages by (service, cause): weighted and plain down time \[h\].
    pub(crate) causes: Vec<(u32, u32, f64, f64)>,
    /// The length at which `causes` is folded next.
    fold_at: usize,
    /// Counted outages by (service, duration bin of
    /// [`DurationHist`](crate::engine::DurationHist)): the likelihood ratios
    /// at their ends, summed, and how many there were.
    pub(crate) ends: Vec<(u32, u32, f64, f64)>,
    /// The length at which `ends` is folded next.
    ends_fold_at: usize,
}

/// Sums the two values of the entries with the same two keys, in key order.
fn fold(list: &mut Vec<(u32, u32, f64, f64)>) {
    if list.len() < 2 {
        return;
    }
    list.sort_by_key(|&(a, b, _, _)| (a, b));
    list.dedup_by(|later, kept| {
        let same = (later.0, later.1) == (kept.0, kept.1);
        if same {
            kept.2 += later.2;
            kept.3 += later.3;
        }
        same
    });
}

/// `causes` is folded from this length on, so that a runaway trial's list
/// stays about twice the distinct (service, cause) pairs.
const FOLD_FROM: usize = 1024;

impl BiasState {
    pub(crate) fn new(plan: &Plan) -> Self {
        match &plan.bias {
            None => Self {
                el: Vec::new(),
                coin: rng::stream(0, 0, 0),
                in_period: false,
                on: false,
                forcing: false,
                forced: false,
                theta0: 1.0,
                log_ell: 0.0,
                log_done: 0.0,
                l: 1.0,
                changed: false,
                w: Vec::new(),
                causes: Vec::new(),
                fold_at: FOLD_FROM,
                ends: Vec::new(),
                ends_fold_at: FOLD_FROM,
            },
            Some(b) => Self {
                el: vec![BiasEl::default(); b.law.len()],
                coin: rng::stream(0, 0, 0),
                in_period: false,
                on: false,
                forcing: false,
                forced: false,
                theta0: 1.0,
                log_ell: 0.0,
                log_done: 0.0,
                l: 1.0,
                changed: false,
                w: vec![WeightedTrialService::default(); plan.n_services()],
                causes: Vec::new(),
                fold_at: FOLD_FROM,
                ends: Vec::new(),
                ends_fold_at: FOLD_FROM,
            },
        }
    }
}

impl BiasState {
    /// A counted outage of service `s` begun by `cause` (`u32::MAX`: none)
    /// ended, `d` hours long, longer than the service's RTO or not: its down
    /// time, its duration's bin and whether it outlasted the RTO are
    /// weighted by `L` now.
    pub(super) fn caused(&mut self, s: usize, cause: u32, d: f64, over_rto: bool) {
        self.causes.push((s as u32, cause, self.l * d, d));
        if self.causes.len() >= self.fold_at {
            self.fold_causes();
            self.fold_at = (2 * self.causes.len()).max(FOLD_FROM);
        }
        let bin = crate::engine::DurationHist::bin(crate::engine::tally::ticks(d));
        self.ends.push((s as u32, bin, self.l, 1.0));
        if self.ends.len() >= self.ends_fold_at {
            self.fold_ends();
            self.ends_fold_at = (2 * self.ends.len()).max(FOLD_FROM);
        }
        if over_rto {
            let w = &mut self.w[s];
            w.over_rto += self.l;
            w.first_over_rto.get_or_insert(self.l);
        }
    }

    /// Sums the entries of each (service, cause) pair, in order.
    pub(super) fn fold_causes(&mut self) {
        fold(&mut self.causes);
    }

    /// Sums the entries of each (service, bin) pair, in order.
    pub(super) fn fold_ends(&mut self) {
        fold(&mut self.ends);
    }

    /// Element `e` begins a new life at `t` with sampled age at failure `age`.
    pub(super) fn renew(&mut self, plan: &Plan, e: usize, age: f64, t: f64) {
        let b = bias_plan(plan);
        self.changed |= t > 0.0;
        let law = b.law[e];
        if law == Law::None {
            return;
        }
        self.el[e] = BiasEl {
            theta: 1.0,
            target: age,
            budget: law.h(age),
            h_last: 0.0,
            born: t,
        };
    }
}

/// `ln L` of a degraded period biased with probability `q`, given `x =
/// ln ℓ`, the log of its fully biased likelihood ratio: `−ln(q·e^(−x) + 1 −
/// q)`, computed without overflow. At most `−ln(1 − q)`.
fn mixture_log_l(q: f64, x: f64) -> f64 {
    if q >= 1.0 {
        return x;
    }
    if x > -700.0 {
        // ln(1 + q·(e^(−x) − 1)): exactly 0 for a period the bias did not touch.
        return -(q * (-x).exp_m1()).ln_1p();
    }
    let (a, b) = (q.ln() - x, (1.0 - q).ln());
    let (hi, lo) = if a > b { (a, b) } else { (b, a) };
    -(hi + (lo - hi).exp().ln_1p())
}

#[inline]
fn bias_plan(plan: &Plan) -> &BiasPlan {
    plan.bias.as_ref().expect("a biased trial runs a biased plan")
}

impl Trial {
    /// Trial `trial` of seed `seed` begins: `L = 1`.
    pub(super) fn bias_start(&mut self, seed: u64, trial: u64) {
        let st = &mut self.bias;
        st.coin = rng::stream(seed, trial, rng::fnv1a64(COIN_KEY));
        (st.in_period, st.on) = (false, false);
        (st.forcing, st.forced, st.theta0) = (false, false, 1.0);
        (st.log_ell, st.log_done) = (0.0, 0.0);
        self.bias.l = 1.0;
        self.bias.changed = false;
        self.bias.w.fill(WeightedTrialService::default());
        self.bias.causes.clear();
        self.bias.fold_at = FOLD_FROM;
        self.bias.ends.clear();
        self.bias.ends_fold_at = FOLD_FROM;
    }

    /// Element `e`'s age at `t` \[h\], given that it is up (for shock slot
    /// `e`, the time since it last struck).
    #[inline]
    fn bias_age(&self, plan: &Plan, e: usize, t: f64) -> f64 {
        let b = &self.bias.el[e];
        if e < plan.n_elements && plan.aging[e] {
            let a = &self.aging[e];
            b.target - (a.left - a.rate * (t - a.since))
        } else {
            t - b.born
        }
    }

    /// Charges element `e`'s hazard accrued up to `t` at its current `theta`.
    #[inline]
    fn bias_advance(&mut self, plan: &Plan, e: usize, t: f64) {
        let law = bias_plan(plan).law[e];
        let age = self.bias_age(plan, e, t);
        let h = law.h(age.max(0.0));
        let on = self.bias.on;
        let b = &mut self.bias.el[e];
        let dh = (h - b.h_last).max(0.0);
        self.bias.log_ell += (b.theta - 1.0) * dh;
        let in_force = if on { b.theta } else { 1.0 };
        b.budget = (b.budget - in_force * dh).max(0.0);
        b.h_last = h;
    }

    /// Element `e`, up, failed at `t`: by its own hazard (`own`), which puts
    /// `1/θ` in the likelihood ratio, or by a shock, which does not.
    pub(super) fn bias_failed(&mut self, plan: &Plan, e: usize, t: f64, own: bool) {
        self.bias.changed = true;
        if bias_plan(plan).law[e] == Law::None {
            return;
        }
        self.bias_advance(plan, e, t);
        let b = &mut self.bias.el[e];
        if own {
            self.bias.log_ell -= b.theta.ln();
        }
        b.theta = 1.0;
    }

    /// Shock `k` struck at `t` by its own hazard, which puts `1/θ` in the
    /// likelihood ratio, and drew `dt` \[h\] as the time to its next strike.
    pub(super) fn bias_shock(&mut self, plan: &Plan, k: usize, t: f64, dt: f64) {
        let slot = plan.n_elements + k;
        if bias_plan(plan).law[slot] == Law::None {
            return;
        }
        self.bias_advance(plan, slot, t);
        self.bias.log_ell -= self.bias.el[slot].theta.ln();
        self.bias.renew(plan, slot, dt, t);
        // Its next strike is due under the factor of the state it struck in.
        self.bias.changed = true;
    }

    /// Brings `L` up to `t`: every biased up element's (and every shock's)
    /// accrued hazard is charged.
    pub(super) fn bias_update(&mut self, plan: &Plan, t: f64) {
        let b = bias_plan(plan);
        for &e in &b.biased {
            let e = e as usize;
            if self.el[e].phase == Phase::Up && self.bias.el[e].theta != 1.0 {
                self.bias_advance(plan, e, t);
            }
        }
        for (k, _) in &b.shocks {
            let slot = b.n_elements + *k as usize;
            if self.bias.el[slot].theta != 1.0 {
                self.bias_advance(plan, slot, t);
            }
        }
        self.bias.l = (self.bias.log_done + self.period_log_l(plan)).exp();
    }

    /// `ln L` of the degraded period under way: that of the mixture of the
    /// biased measure (weight `q`) and the plain one, `−ln(q/ℓ + 1 − q)`.
    fn period_log_l(&self, plan: &Plan) -> f64 {
        if self.bias.forced {
            // A forced stretch is always forced: its ratio is bounded without a mixture.
            return self.bias.log_ell;
        }
        mixture_log_l(bias_plan(plan).mixture, self.bias.log_ell)
    }

    /// Whether a shock on `members` would find one of them up.
    fn strikes_any(&self, members: &[u32]) -> bool {
        members.iter().any(|&m| self.el[m as usize].phase == Phase::Up)
    }

    /// Puts `θ` of slot `e` (an element, or a shock after the elements) to
    /// `theta` at `t`: the hazard accrued so far is charged at the old one,
    /// and in a biased period the age at failure is re-derived from the
    /// budget left. The age left to failure when it was re-derived; `None`
    /// when `θ` does not change or the period is plain (the hazards in
    /// force do not change).
    fn bias_retarget(&mut self, plan: &Plan, e: usize, t: f64, theta: f64) -> Option<f64> {
        if theta == self.bias.el[e].theta {
            return None;
        }
        self.bias_advance(plan, e, t);
        self.bias.el[e].theta = theta;
        if !self.bias.on {
            return None;
        }
        let law = bias_plan(plan).law[e];
        let age = self.bias_age(plan, e, t);
        let st = &mut self.bias.el[e];
        st.target = law.h_inv(st.h_last + st.budget / theta).max(age);
        Some(st.target - age)
    }

    /// After an instant in which an element went down or came back: each
    /// up element's `θ` is chosen again for the new state, and those whose
    /// `θ` changes are rescheduled from the hazard budget they have left.
    pub(super) fn bias_rebalance(&mut self, plan: &Plan, t: f64, mission: f64) {
        if !self.bias.changed {
            return;
        }
        self.bias.changed = false;
        let b = bias_plan(plan);
        let mut down = 0usize;
        let mut repair = 0.0;
        for e in 0..b.can_fail.len() {
            if b.can_fail[e] && self.el[e].phase != Phase::Up {
                down += 1;
                repair += b.repair_rate[e];
            }
        }
        let up = b
            .biased
            .iter()
            .filter(|&&e| self.el[e as usize].phase == Phase::Up)
            .count();
        // A shock is one more failure transition while it can strike a
        // member that is up; with none up its strikes change nothing, and
        // biasing them would only add to the variance of the ratio.
        let shocks_live = b.shocks.iter().filter(|(_, ms)| self.strikes_any(ms)).count();
        let transitions = (up + shocks_live) as f64;
        if down > 0 && !self.bias.in_period {
            // A degraded period begins: biased or plain, at random.
            let on = b.mixture >= 1.0 || self.bias.coin.random::<f64>() < b.mixture;
            if self.bias.forced {
                self.bias_force_end(plan, t, mission, on);
            }
            self.bias.in_period = true;
            self.bias.on = on;
        }
        let all_up = self.bias.theta0;
        for &e in &b.biased {
            let e = e as usize;
            if self.el[e].phase != Phase::Up {
                continue;
            }
            let theta = if down > 0 {
                (b.odds * repair / (transitions * b.rate[e])).max(1.0)
            } else {
                all_up
            };
            self.bias_set_element(plan, e, t, theta, mission);
        }
        for (k, members) in &b.shocks {
            let k = *k as usize;
            let slot = b.n_elements + k;
            let live = self.strikes_any(members);
            let theta = if down > 0 && live {
                (b.odds * repair / (transitions * b.rate[slot])).max(1.0)
            } else if down == 0 && live {
                all_up
            } else {
                1.0
            };
            self.bias_set_shock(plan, k, t, theta, mission);
        }
        if down == 0 && self.bias.in_period {
            // The period ended (every element up, every theta back to 1):
            // its likelihood ratio is settled.
            self.bias.log_done += self.period_log_l(plan);
            (self.bias.log_ell, self.bias.in_period, self.bias.on) = (0.0, false, false);
            if self.bias.forcing {
                self.bias_force_begin(plan, t, mission);
            }
        }
    }

    /// Puts element `e`'s (up) `θ` to `theta` at `t` and reschedules its
    /// failure when the hazard in force changes.
    fn bias_set_element(&mut self, plan: &Plan, e: usize, t: f64, theta: f64, mission: f64) {
        let Some(left) = self.bias_retarget(plan, e, t, theta) else {
            return;
        };
        let dt = if plan.aging[e] {
            let a = &mut self.aging[e];
            (a.left, a.since) = (left, t);
            if a.rate > 0.0 {
                left / a.rate
            } else {
                f64::INFINITY
            }
        } else {
            left
        };
        if dt.is_finite() {
            self.schedule(e, t, dt, mission);
        } else {
            self.el[e].pending_seq = 0;
        }
    }

    /// Puts shock `k`'s `θ` to `theta` at `t` and reschedules its next
    /// strike when the hazard in force changes.
    fn bias_set_shock(&mut self, plan: &Plan, k: usize, t: f64, theta: f64, mission: f64) {
        let slot = plan.n_elements + k;
        if let Some(dt) = self.bias_retarget(plan, slot, t, theta) {
            self.schedule_shock(k, t, dt, mission);
        }
    }

    /// The trial begins (every element up, at `t = 0`): it forces failures
    /// from the all-up state when the cumulative hazard of its whole
    /// mission is below [`FORCING`], and then begins its first forced stretch.
    pub(super) fn bias_force_start(&mut self, plan: &Plan, mission: f64) {
        self.bias.forcing = self.bias_force_begin(plan, 0.0, mission);
    }

    /// Every element is up at `t`: when the cumulative hazard left to the
    /// mission's end, `ΔH`, summed over the up elements and live shocks,
    /// is below `c` ([`FORCING`]), a forced stretch begins with every such
    /// hazard scaled by `θ0 = c / ΔH`, so that about `1 − e^−c` of trials
    /// see a failure before the end. Whether it began.
    fn bias_force_begin(&mut self, plan: &Plan, t: f64, mission: f64) -> bool {
        let b = bias_plan(plan);
        let mut left = 0.0;
        for &e in &b.biased {
            let e = e as usize;
            if self.el[e].phase != Phase::Up {
                return false;
            }
            let law = b.law[e];
            let now = self.bias_age(plan, e, t).max(0.0);
            let end = self.bias_age(plan, e, mission).max(now);
            left += law.h(end) - law.h(now);
        }
        for (k, members) in &b.shocks {
            if self.strikes_any(members) {
                let slot = b.n_elements + *k as usize;
                let law = b.law[slot];
                let now = self.bias_age(plan, slot, t).max(0.0);
                let end = self.bias_age(plan, slot, mission).max(now);
                left += law.h(end) - law.h(now);
            }
        }
        if !(left > 0.0 && left < b.force) {
            return false;
        }
        let theta = b.force / left;
        if !theta.is_finite() {
            // A hazard left below c/f64::MAX (subnormal): no finite scale
            // forces it, and an infinite one would fail at once with ratio
            // 0. Left alone: a failure this unlikely weighs nothing.
            return false;
        }
        (self.bias.forced, self.bias.on, self.bias.theta0) = (true, true, theta);
        for &e in &b.biased {
            self.bias_set_element(plan, e as usize, t, theta, mission);
        }
        for (k, members) in &b.shocks {
            if self.strikes_any(members) {
                self.bias_set_shock(plan, *k as usize, t, theta, mission);
            }
        }
        true
    }

    /// The forced stretch under way ends at `t` (something went down),
    /// and a degraded period begins, biased (`on`) or plain: the hazards
    /// in force go from `θ0` to the period's, and the stretch's ratio,
    /// `Π 1/θ0 · exp((θ0 − 1)·ΔH)`, is settled.
    fn bias_force_end(&mut self, plan: &Plan, t: f64, mission: f64, on: bool) {
        let b = bias_plan(plan);
        for &e in &b.biased {
            let e = e as usize;
            if self.el[e].phase != Phase::Up || self.bias.el[e].theta == 1.0 {
                continue;
            }
            if on {
                // The period's own factors are put in force from here.
                self.bias_advance(plan, e, t);
            } else {
                self.bias_set_element(plan, e, t, 1.0, mission);
            }
        }
        for (k, _) in &b.shocks {
            let k = *k as usize;
            let slot = b.n_elements + k;
            if self.bias.el[slot].theta == 1.0 {
                continue;
            }
            if on {
                self.bias_advance(plan, slot, t);
            } else {
                self.bias_set_shock(plan, k, t, 1.0, mission);
            }
        }
        self.bias.log_done += self.bias.log_ell;
        self.bias.log_ell = 0.0;
        (self.bias.forced, self.bias.theta0) = (false, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hazard_inverses_round_trip() {
        for law in [
            Law::Exponential { mean: 250.0 },
            Law::Weibull {
                shape: 0.7,
                scale: 90.0,
            },
            Law::Weibull {
                shape: 3.0,
                scale: 1e5,
            },
        ] {
            for a in [1e-3, 1.0, 37.5, 4e4] {
                let back = law.h_inv(law.h(a));
                assert!((back / a - 1.0).abs() < 1e-12, "{law:?} at {a}: {back}");
            }
        }
        assert_eq!(Law::None.h(5.0), 0.0);
    }

    /// Lognormal and gamma laws whose tails reach far past any age a trial meets.
    const HEAVY: [Law; 5] = [
        Law::LogNormal { mu: 3.0, sigma: 0.4 },
        Law::LogNormal { mu: 9.0, sigma: 2.5 },
        Law::Gamma {
            shape: 0.3,
            scale: 700.0,
        },
        Law::Gamma {
            shape: 3.0,
            scale: 50.0,
        },
        Law::Gamma {
            shape: 40.0,
            scale: 2.0,
        },
    ];

    #[test]
    fn lognormal_and_gamma_hazards_invert_in_both_tails() {
        // From a cumulative hazard of 1e-12 (far below the median) to 600
        // (a survival of e^-600): the age found gives back the hazard asked for.
        for law in HEAVY {
            for x in [
                1e-12, 1e-6, 0.01, 0.5, 0.69, 0.7, 1.0, 3.0, 20.0, 45.0, 200.0, 600.0,
            ] {
                let age = law.h_inv(x);
                assert!(age > 0.0 && age.is_finite(), "{law:?} at {x}: age {age}");
                let back = law.h(age);
                assert!((back / x - 1.0).abs() < 1e-9, "{law:?}: H(H⁻¹({x})) = {back}");
            }
            assert_eq!(law.h(0.0), 0.0);
            assert_eq!(law.h_inv(0.0), 0.0);
        }
    }

    #[test]
    fn gamma_hazard_matches_its_closed_form_for_whole_shapes() {
        // Q(k, y) = e^-y Σ_{j<k} y^j/j! for whole k: H = y − ln Σ, exact
        // far into the tail, where 1 − P would have lost every digit; near
        // 0, H = −ln(1 − P) from P = e^-y Σ_{j≥k} y^j/j!, which does not cancel.
        for k in [1u32, 2, 3, 7] {
            let law = Law::Gamma {
                shape: f64::from(k),
                scale: 10.0,
            };
            for y in [1e-8, 1e-3, 0.5, 2.0, 9.0, 60.0, 400.0] {
                let mut term = 1.0;
                let mut below = 1.0;
                for j in 1..k {
                    term *= y / f64::from(j);
                    below += term;
                }
                let exact = if y <= 2.0 {
                    let mut above = 0.0;
                    for j in k..k + 60 {
                        term *= y / f64::from(j);
                        above += term;
                    }
                    -(-(-y).exp() * above).ln_1p()
                } else {
                    y - below.ln()
                };
                let got = law.h(10.0 * y);
                assert!(
                    (got / exact - 1.0).abs() < 1e-9,
                    "gamma k {k} at {y}: {got} against {exact}"
                );
            }
        }
    }

    #[test]
    fn lognormal_hazard_matches_the_normal_tail_expansion() {
        // Φ̄(z) = φ(z)/z · (1 − 1/z² + 3/z⁴ − 15/z⁶ + 105/z⁸ − …) for large z
        // (Abramowitz & Stegun 26.2.12); at z ≥ 20 five terms give 1e-12.
        let (mu, sigma) = (2.0, 0.8);
        let law = Law::LogNormal { mu, sigma };
        for z in [20.0f64, 25.0, 35.0] {
            let z2 = z * z;
            let series = 1.0 - 1.0 / z2 + 3.0 / z2.powi(2) - 15.0 / z2.powi(3) + 105.0 / z2.powi(4);
            let exact = 0.5 * z2 + (2.0 * PI).sqrt().ln() + z.ln() - series.ln();
            let got = law.h((mu + sigma * z).exp());
            assert!((got / exact - 1.0).abs() < 1e-10, "z {z}: {got} against {exact}");
        }
        // Below the median: H = Φ(z) (1 + Φ(z)/2 + …) with Φ(−8) = 6.22096057427178e-16.
        let got = law.h((mu - 8.0 * sigma).exp());
        assert!((got / 6.220_960_574_271_78e-16 - 1.0).abs() < 1e-9, "{got}");
    }

    #[test]
    fn the_hazard_of_a_sampled_age_is_a_unit_exponential() {
        // The budget E = H(A) of an age drawn by the engine's own sampler
        // must be a unit exponential for the change of measure to be exact:
        // its mean, and its tail P(E > 4) = e^-4.
        use rand::SeedableRng;
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let n = 100_000;
        for d in [
            Distribution::lognormal_median_sigma(30.0, 1.2).unwrap(),
            Distribution::gamma_mean(0.5, 400.0).unwrap(),
            Distribution::gamma_mean(4.0, 90.0).unwrap(),
        ] {
            let (law, s) = (Law::of(&d), d.sampler());
            let es: Vec<f64> = (0..n).map(|_| law.h(s.sample(&mut rng))).collect();
            let mean = es.iter().sum::<f64>() / n as f64;
            assert!((mean - 1.0).abs() < 4.0 / (n as f64).sqrt(), "{d:?}: mean {mean}");
            let tail = es.iter().filter(|&&e| e > 4.0).count() as f64 / n as f64;
            let p = (-4.0f64).exp();
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((tail - p).abs() < 4.0 * se, "{d:?}: P(E > 4) = {tail}");
        }
    }

    #[test]
    fn the_mixture_ratio_is_bounded_and_exact_at_its_ends() {
        // q = 1: the fully biased ratio itself.
        assert_eq!(mixture_log_l(1.0, -3.0), -3.0);
        for q in [0.1f64, 0.25, 0.5, 0.9] {
            let cap = -(1.0 - q).ln();
            for x in [-800.0, -20.0, -1.0, 0.0, 1.0, 20.0, 800.0] {
                let l = mixture_log_l(q, x);
                let direct = -(q * (-x).exp() + 1.0 - q).ln();
                assert!(l <= cap + 1e-15, "q {q}, x {x}: {l} above {cap}");
                if direct.is_finite() {
                    assert!((l - direct).abs() < 1e-12, "q {q}, x {x}: {l} against {direct}");
                }
            }
            // A path as likely under both measures weighs exactly 1.
            assert_eq!(mixture_log_l(q, 0.0), 0.0);
            // A path the bias made far likelier weighs about ℓ/q.
            assert!((mixture_log_l(q, -700.0) - (-700.0 - q.ln())).abs() < 1e-9);
        }
    }
}
