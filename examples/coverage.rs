//! Coverage study of redsim's confidence intervals.
//!
//! For each regime (a model and a failure rate chosen for an expected number
//! of outages per run), runs `--seeds` independent runs of `--trials`
//! trials, and counts how often each printed interval contains the exact
//! answer, computed here in closed form. It prints, per regime and
//! quantity, the coverage of redsim's intervals, the coverage of the
//! Student-t / Wilson intervals redsim printed before (`today`), and the
//! mean width relative to those.
//!
//! ```text
//! cargo run --release --example coverage -- [--seeds 1000] [--first-seed 0] [--trials 1000] [--confidence 0.95]
//!     [--regimes exp,heavy,check,rare,compare]
//! ```
//!
//! Groups of regimes (all by default, a few minutes on two cores): `exp`, the
//! exponential models below; `heavy`, heavy-tailed repairs (`lognormal`,
//! `mixed`) around the allowance's switch; `check`, `check`'s own decision
//! (doubling looks, Bonferroni) against goals near the exact value, counting
//! wrong verdicts; `rare`, failure biasing on a 1-of-3 hot standby with one
//! crew, exact from its Markov chain; `compare`, the interval of the
//! difference between two designs: plain and paired (one component, MTTR
//! 4 h against 8 h, and one component against a pair of it, on common
//! random numbers) and under failure biasing
//! (two 1-of-3 sets, independent runs, Welch's interval).
//!
//! Models (mission one year, MTTR 4 h, exponential laws, all up at the start):
//! `single`, one component; `pair`, two components in parallel
//! (`{"any": [a, b]}`), each with its own repair. With `λ` the failure rate,
//! `μ` the repair rate and `s = λ + μ`, a component is down at `t` with
//! probability `u(t) = λ/s·(1 − e^{−st})`; the mission averages of `u` and
//! `u²` and the pair's two-state chain give every exact answer below.

use std::time::Instant;

use rayon::prelude::*;
use redsim::analysis::check::{self, Metric, Target, Verdict};
use redsim::analysis::{self, Estimate, structure};
use redsim::engine::{self, RunConfig, TICKS_PER_HOUR};
use redsim::model::{HOURS_PER_YEAR, Model};

const MISSION: f64 = 8760.0;
const MTTR: f64 = 4.0;

/// σ of the heavy-tailed repair law (lognormal, mean `MTTR`).
const SIGMA: f64 = 1.5;
/// The mixed model's rare long outages: mean repair [h] and how many times
/// rarer than the short ones.
const LONG_MTTR: f64 = 200.0;
const LONG_RARER: f64 = 20.0;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Single,
    Pair,
    /// One component, exponential failures, lognormal repair (σ = `SIGMA`).
    Lognormal,
    /// Two components in series: `a` (MTTR 4 h) and `b`, `LONG_RARER` times
    /// rarer with MTTR `LONG_MTTR` (a manual failover or a logistics delay):
    /// about 5 % of the outages, and most of the down time.
    Mixed,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Pair => "pair",
            Kind::Lognormal => "lognormal",
            Kind::Mixed => "mixed",
        }
    }
}

/// Exact answers for one regime.
struct Exact {
    unavailability: f64,
    outages_per_mission: f64,
    p_no_outage: f64,
    degraded: f64,
    mtbo: f64,
    /// Down time per year of outages begun by component `a` (NaN where not
    /// computed: the mixed model, where `b` can lengthen `a`'s outages).
    cause_a: f64,
    /// Half-width [h] of the bracket that holds the exact mean down time per
    /// mission (0 where it is known exactly): an interval counts as covering
    /// only if it contains the whole bracket.
    bracket: f64,
}

/// (1 − e^{−x})/x, accurate for small x.
fn g(x: f64) -> f64 {
    if x < 1e-8 {
        1.0 - x / 2.0
    } else {
        -(-x).exp_m1() / x
    }
}

/// Mission average of `u(t)` and of `u(t)²` over `[0, T]` (MTTR 4 h).
fn averages(lambda: f64, t: f64) -> (f64, f64) {
    averages_with(lambda, MTTR, t)
}

/// Mission average of `u(t)` and of `u(t)²` over `[0, T]` for a component
/// with exponential laws of rate `lambda` and mean repair `mttr` [h].
fn averages_with(lambda: f64, mttr: f64, t: f64) -> (f64, f64) {
    let mu = 1.0 / mttr;
    let s = lambda + mu;
    let q = lambda / s;
    let u1 = q * (1.0 - g(s * t));
    let u2 = q * q * (1.0 - 2.0 * g(s * t) + g(2.0 * s * t));
    (u1, u2)
}

fn exact(kind: Kind, lambda: f64) -> Exact {
    let t = MISSION;
    let (u1, u2) = averages(lambda, t);
    match kind {
        Kind::Single => Exact {
            unavailability: u1,
            // Outages begin at failures, which happen while up.
            outages_per_mission: lambda * t * (1.0 - u1),
            p_no_outage: (-lambda * t).exp(),
            degraded: 0.0,
            mtbo: 1.0 / lambda,
            cause_a: u1 * HOURS_PER_YEAR,
            bracket: 0.0,
        },
        Kind::Pair => {
            let mu = 1.0 / MTTR;
            // Exactly one down: 2u(1 − u); an outage begins when the other fails.
            let degraded = 2.0 * u1 - 2.0 * u2;
            let outages = lambda * t * degraded;
            // Survival of the chain {both up, one up} before both are down:
            // generator [[−2λ, 2λ], [μ, −(λ+μ)]], S(0) = 1, S'(0) = 0.
            let tr = -(3.0 * lambda + mu);
            let det = 2.0 * lambda * lambda;
            let disc = (tr * tr - 4.0 * det).sqrt();
            let (r1, r2) = ((tr + disc) / 2.0, (tr - disc) / 2.0);
            let p_no = (r2 * (r1 * t).exp() - r1 * (r2 * t).exp()) / (r2 - r1);
            Exact {
                unavailability: u2,
                outages_per_mission: outages,
                p_no_outage: p_no,
                degraded,
                mtbo: (1.0 - u2) * t / outages,
                // By symmetry each component begins half the outages.
                cause_a: u2 / 2.0 * HOURS_PER_YEAR,
                bracket: 0.0,
            }
        }
        Kind::Lognormal => {
            // Long-run unavailability of an alternating renewal process,
            // E[R]/(MTBF + E[R]). From an all-up start the mean down time
            // D(T) is below U∞·T by at most U∞·E[Rₑ], with E[Rₑ] = E[R²]/(2E[R])
            // = MTTR·e^{σ²}/2 the mean residual repair: failures are
            // exponential, so a stationary start is an all-up start delayed,
            // with probability U∞, by a residual repair Rₑ, and
            // D(T) − D(T − r) is between 0 and r. The bracket is
            // [U∞(T − E[Rₑ]), U∞·T], 0.22 % of U∞·T at σ = 1.5.
            let u_inf = lambda * MTTR / (1.0 + lambda * MTTR);
            let residual = MTTR * (SIGMA * SIGMA).exp() / 2.0;
            let down = u_inf * (t - residual / 2.0);
            let half = u_inf * residual / 2.0;
            Exact {
                unavailability: down / t,
                outages_per_mission: lambda * (t - down),
                p_no_outage: (-lambda * t).exp(),
                degraded: 0.0,
                mtbo: 1.0 / lambda,
                cause_a: down / t * HOURS_PER_YEAR,
                bracket: half,
            }
        }
        Kind::Mixed => {
            let lb = lambda / LONG_RARER;
            let (ua, _) = averages_with(lambda, MTTR, t);
            let (ub, _) = averages_with(lb, LONG_MTTR, t);
            // Mission average of u_a·u_b for independent components.
            let (sa, sb) = (lambda + 1.0 / MTTR, lb + 1.0 / LONG_MTTR);
            let (qa, qb) = (lambda / sa, lb / sb);
            let uab = qa * qb * (1.0 - g(sa * t) - g(sb * t) + g((sa + sb) * t));
            let unavailability = ua + ub - uab;
            let rate = lambda + lb;
            Exact {
                unavailability,
                // An outage begins at a failure of either while both are up.
                outages_per_mission: rate * t * (1.0 - unavailability),
                p_no_outage: (-rate * t).exp(),
                degraded: 0.0,
                mtbo: 1.0 / rate,
                cause_a: f64::NAN,
                bracket: 0.0,
            }
        }
    }
}

fn model(kind: Kind, lambda: f64) -> Model {
    let comp = |id: &str| format!(r#"{{"id": "{id}", "mtbf": {}, "mttr": {MTTR}}}"#, 1.0 / lambda);
    let (components, requires) = match kind {
        Kind::Single => (comp("a"), r#""a""#.to_string()),
        Kind::Lognormal => {
            // sd of a lognormal of mean MTTR and σ = SIGMA.
            let sd = MTTR * ((SIGMA * SIGMA).exp() - 1.0).sqrt();
            (
                format!(
                    r#"{{"id": "a", "mtbf": {}, "repair": {{"lognormal": {{"mean": {MTTR}, "sd": {sd}}}}}}}"#,
                    1.0 / lambda
                ),
                r#""a""#.to_string(),
            )
        }
        Kind::Mixed => (
            format!(
                r#"{}, {{"id": "b", "mtbf": {}, "mttr": {LONG_MTTR}}}"#,
                comp("a"),
                LONG_RARER / lambda
            ),
            r#"{"all": ["a", "b"]}"#.to_string(),
        ),
        Kind::Pair => (
            format!("{}, {}", comp("a"), comp("b")),
            r#"{"any": ["a", "b"]}"#.to_string(),
        ),
    };
    let text = format!(
        r#"{{"format": "redsim/1", "name": "coverage", "mission": {MISSION},
            "components": [{components}], "services": [{{"id": "s", "requires": {requires}}}]}}"#
    );
    redsim::scenario::parse(&text).unwrap_or_else(|p| panic!("{p:?}"))
}

/// The quantities whose intervals are checked.
const QUANTITIES: [&str; 9] = [
    "availability",
    "downtime per year",
    "outages per mission",
    "outages per year",
    "P(no outage)",
    "degraded fraction",
    "MTBO",
    "downtime by cause (a)",
    "unavailability (check)",
];

/// Index of MTBO in `QUANTITIES`: printed only when the run saw an outage.
const MTBO: usize = 6;

/// Per quantity: (covered now, covered by today's interval, width now,
/// width today); and the MTBO point estimates now and today over the exact
/// value (`None` without outages, where none is printed). A run without
/// outages prints no MTBO: its MTBO cell is all zeros and the MTBO column's
/// coverage is over the runs with `mtbo` only.
struct Row {
    cells: [(u32, u32, f64, f64); QUANTITIES.len()],
    mtbo: Option<(f64, f64)>,
}

fn covers(e: &Estimate, x: f64) -> bool {
    // A relative slack of 1e-12 for rounding at exact boundaries (an exact 0 or 1).
    let slack = 1e-12 * x.abs().max(1e-300);
    e.ci_low - slack <= x && x <= e.ci_high + slack
}

/// The intervals redsim printed before: Student-t on the per-trial sums,
/// Wilson for proportions, the ratio for MTBO.
fn today(t: &engine::ServiceTally, n: u64, confidence: f64) -> [Estimate; 6] {
    let per_mission = 1.0 / (TICKS_PER_HOUR * MISSION);
    let unavail = analysis::t_mean(&t.down, n, per_mission, confidence).clamped(0.0, 1.0);
    let outages = analysis::t_mean(&t.outages, n, 1.0, confidence);
    let outages = Estimate {
        ci_low: outages.ci_low.max(0.0),
        ..outages
    };
    let up = (1.0 - unavail.point) * MISSION;
    let mtbo = Estimate {
        point: up / outages.point,
        std_error: None,
        ci_low: up / outages.ci_high,
        ci_high: if outages.ci_low > 0.0 {
            up / outages.ci_low
        } else {
            f64::INFINITY
        },
        confidence,
    };
    let cause = t
        .by_cause
        .get(&Some(0))
        .map(|c| {
            analysis::t_mean(&c.down, n, per_mission * HOURS_PER_YEAR, confidence).clamped(0.0, f64::INFINITY)
        })
        .unwrap_or(Estimate {
            point: 0.0,
            std_error: Some(0.0),
            ci_low: 0.0,
            ci_high: 0.0,
            confidence,
        });
    [
        unavail,
        outages,
        analysis::wilson(t.no_outage, n, confidence),
        analysis::t_mean(&t.degraded, n, per_mission, confidence).clamped(0.0, 1.0),
        mtbo,
        cause,
    ]
}

fn width(e: &Estimate) -> f64 {
    e.ci_high - e.ci_low
}

/// One run at `seed`: whether each interval covers, and its width, now and today.
fn one(
    model: &Model,
    ex: &Exact,
    exact_values: &[structure::Exact],
    seed: u64,
    n: u64,
    confidence: f64,
) -> Row {
    let cfg = RunConfig {
        seed,
        first_trial: 0,
        trials: n,
        // The global pool: a pool of its own per run, built inside a worker
        // of the outer loop, nests waits until the stack overflows.
        threads: None,
    };
    let tally = engine::run(model, &cfg, &|_| {}).expect("a run");
    let sum = analysis::summarize_with(model, &tally, confidence, exact_values);
    let s = &sum.services[0];
    let t = &tally.services[0];
    let [u_t, o_t, p_t, d_t, m_t, c_t] = today(t, n, confidence);
    let per_year = HOURS_PER_YEAR / MISSION;
    let none = Estimate {
        point: 0.0,
        std_error: None,
        ci_low: 0.0,
        ci_high: 0.0,
        confidence,
    };
    let cause = s
        .downtime_by_cause
        .iter()
        .find(|c| c.element.as_deref() == Some("a"))
        .map(|c| c.downtime_hours_per_year)
        // No outage begun by `a`: the bound of a cause with none, as redsim
        // would print it had it listed the cause.
        .unwrap_or_else(|| {
            analysis::bounded_mean(
                &Default::default(),
                n,
                TICKS_PER_HOUR * MISSION,
                HOURS_PER_YEAR / MISSION / TICKS_PER_HOUR,
                confidence,
            )
        });
    // MTBO is printed only with outages; without, the run is left out of
    // the MTBO column (its cell stays empty), so the coverage is that of the
    // intervals a user is shown.
    let mtbo_now = s.mean_time_between_outages_hours;
    let unavail_now = analysis::unavailability(t, n, MISSION, confidence);
    // Each exact value as a bracket [low, high]: `ex.bracket` [h] of down
    // time per mission moves the down-time quantities one way and the
    // outages (which begin only while up) the other.
    let d = ex.bracket / MISSION;
    let r = ex.outages_per_mission / (MISSION * (1.0 - ex.unavailability));
    let around = |x: f64, h: f64| (x - h, x + h);
    let cells: [(Estimate, Estimate, (f64, f64)); QUANTITIES.len()] = [
        (
            s.availability,
            u_t.complement(),
            around(1.0 - ex.unavailability, d),
        ),
        (
            s.downtime_hours_per_year,
            u_t.scaled(HOURS_PER_YEAR),
            around(ex.unavailability * HOURS_PER_YEAR, d * HOURS_PER_YEAR),
        ),
        (
            s.outages_per_mission,
            o_t,
            around(ex.outages_per_mission, r * ex.bracket),
        ),
        (
            s.outages_per_year,
            o_t.scaled(per_year),
            around(ex.outages_per_mission * per_year, r * ex.bracket * per_year),
        ),
        (s.p_no_outage, p_t, around(ex.p_no_outage, 0.0)),
        (s.degraded_fraction, d_t, around(ex.degraded, 0.0)),
        (
            mtbo_now.unwrap_or(none),
            if t.outages.sum > 0 { m_t } else { none },
            around(ex.mtbo, 0.0),
        ),
        (cause, c_t, around(ex.cause_a, d * HOURS_PER_YEAR)),
        (unavail_now, u_t, around(ex.unavailability, d)),
    ];
    let mut row = Row {
        cells: [(0, 0, 0.0, 0.0); QUANTITIES.len()],
        mtbo: mtbo_now.map(|m| (m.point / ex.mtbo, m_t.point / ex.mtbo)),
    };
    for (i, (now, before, (lo, hi))) in cells.into_iter().enumerate() {
        if (i == MTBO && mtbo_now.is_none()) || lo.is_nan() {
            continue;
        }
        // Widths are compared where both are finite (MTBO's high end is
        // unbounded when the outages' low end is 0).
        let finite = width(&now).is_finite() && width(&before).is_finite();
        row.cells[i] = (
            u32::from(covers(&now, lo) && covers(&now, hi)),
            u32::from(covers(&before, lo) && covers(&before, hi)),
            if finite { width(&now) } else { 0.0 },
            if finite { width(&before) } else { 0.0 },
        );
    }
    row
}

struct Args {
    seeds: u64,
    first_seed: u64,
    trials: u64,
    confidence: f64,
    /// Which groups of regimes to run (`--regimes exp,heavy`).
    regimes: Vec<String>,
}

/// The groups of regimes `--regimes` selects from.
const GROUPS: [&str; 5] = ["exp", "heavy", "check", "rare", "compare"];

fn args() -> Args {
    let mut a = Args {
        seeds: 1000,
        first_seed: 0,
        trials: 1000,
        confidence: 0.95,
        regimes: GROUPS.iter().map(|g| g.to_string()).collect(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--seeds" => a.seeds = value.parse().expect("--seeds: a whole number"),
            "--first-seed" => a.first_seed = value.parse().expect("--first-seed: a whole number"),
            "--trials" => a.trials = value.parse().expect("--trials: a whole number"),
            "--confidence" => a.confidence = value.parse().expect("--confidence: a number"),
            "--regimes" => {
                a.regimes = value.split(',').map(str::to_string).collect();
                if let Some(g) = a.regimes.iter().find(|g| !GROUPS.contains(&g.as_str())) {
                    panic!("--regimes: unknown group {g} (known: {})", GROUPS.join(", "));
                }
            }
            _ => panic!("unknown flag {flag} (--seeds, --first-seed, --trials, --confidence, --regimes)"),
        }
    }
    a
}

/// The failure rate giving `outages` expected outages in `n` trials.
fn rate_for(kind: Kind, outages: f64, n: u64) -> f64 {
    // Expected outages rise with the rate: bisect on a log scale.
    let (mut lo, mut hi) = (1e-16f64, 1.0f64);
    for _ in 0..200 {
        let mid = (lo * hi).sqrt();
        if exact(kind, mid).outages_per_mission * n as f64 <= outages {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// First look and trial cap of the `check` regimes (five doubling looks).
const CHECK_FIRST: u64 = 1000;
const CHECK_MAX: u64 = 16_000;

/// `check`'s decision, as `cli` makes it: looks at `analysis::check::schedule`,
/// each at `per_look_confidence` (Bonferroni), the trials of each look
/// added to the last's, stopping at the first look that decides.
fn check_once(
    model: &Model,
    exact_values: &[structure::Exact],
    goal: f64,
    seed: u64,
    confidence: f64,
) -> Verdict {
    let looks = check::schedule(CHECK_FIRST, CHECK_MAX);
    let per_look = check::per_look_confidence(confidence, looks.len() as u32);
    let targets = [Target {
        service: 0,
        metric: Metric::Availability,
        goal,
    }];
    let mut tally = engine::Tally::new(model.services.len());
    let mut verdict = Verdict::Undecided;
    for upto in looks {
        let cfg = RunConfig {
            seed,
            first_trial: tally.trials,
            trials: upto - tally.trials,
            threads: None,
        };
        tally.merge(&engine::run(model, &cfg, &|_| {}).expect("a run"));
        let summary = analysis::summarize_with(model, &tally, per_look, exact_values);
        verdict = check::decide(model, &targets, &summary, &[Vec::new()])[0].verdict;
        if verdict != Verdict::Undecided {
            break;
        }
    }
    verdict
}

/// Runs `check` on designs whose exact unavailability is near the goal's,
/// and counts wrong verdicts (met when the design misses, missed when it
/// meets): at most `1 − confidence` of them may be wrong.
fn check_regimes(a: &Args) -> f64 {
    println!(
        "\n`check` against an availability goal near the exact value: {} seeds, looks at {:?} trials.\n",
        a.seeds,
        check::schedule(CHECK_FIRST, CHECK_MAX)
    );
    println!(
        "| model | outages per 1,000 trials | exact unavailability / goal's | met | missed | undecided | wrong |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut worst = 0.0f64;
    for kind in [Kind::Single, Kind::Mixed] {
        for outages in [40.0, 400.0, 2000.0] {
            let lambda = rate_for(kind, outages, 1000);
            let m = model(kind, lambda);
            let ex = exact(kind, lambda);
            let exact_values = structure::exact_all(&m, structure::RUN_EXACT_WORK).0;
            for ratio in [0.8, 0.9, 0.95, 0.98, 1.02, 1.05, 1.1, 1.25] {
                let goal = 1.0 - ex.unavailability / ratio;
                let verdicts: Vec<Verdict> = (a.first_seed..a.first_seed + a.seeds)
                    .into_par_iter()
                    .map(|seed| check_once(&m, &exact_values, goal, seed, a.confidence))
                    .collect();
                let count = |v: Verdict| verdicts.iter().filter(|&&x| x == v).count();
                // The design meets the goal when its unavailability is below the goal's.
                let wrong = if ratio < 1.0 {
                    Verdict::Missed
                } else {
                    Verdict::Met
                };
                let share = count(wrong) as f64 / a.seeds as f64;
                worst = worst.max(share);
                println!(
                    "| {} | {outages} | {ratio} | {} | {} | {} | {share:.3} |",
                    kind.name(),
                    count(Verdict::Met),
                    count(Verdict::Missed),
                    count(Verdict::Undecided)
                );
            }
        }
    }
    println!(
        "\nLargest share of wrong verdicts: {worst:.3} (at most {:.3} allowed).",
        1.0 - a.confidence
    );
    worst
}

/// `e^A` by scaling and squaring a 30-term Taylor series (the small chains
/// here need nothing better).
fn expm(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mul = |x: &[Vec<f64>], y: &[Vec<f64>]| -> Vec<Vec<f64>> {
        (0..n)
            .map(|i| (0..n).map(|j| (0..n).map(|k| x[i][k] * y[k][j]).sum()).collect())
            .collect()
    };
    let norm = a
        .iter()
        .map(|r| r.iter().map(|x| x.abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let s = (norm / 0.5).log2().ceil().max(0.0) as i32;
    let a: Vec<Vec<f64>> = a
        .iter()
        .map(|r| r.iter().map(|x| x * 2f64.powi(-s)).collect())
        .collect();
    let mut result: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    let mut term = result.clone();
    for k in 1..=30 {
        term = mul(&term, &a)
            .into_iter()
            .map(|r| r.into_iter().map(|x| x / f64::from(k)).collect())
            .collect();
        for (ri, ti) in result.iter_mut().zip(&term) {
            for (r, t) in ri.iter_mut().zip(ti) {
                *r += t;
            }
        }
    }
    for _ in 0..s {
        result = mul(&result, &result);
    }
    result
}

/// Mission of the failure-biasing regimes [h], and the MTBF of each of the
/// three hot-standby elements [h].
const RARE_MISSION: f64 = 2000.0;
const RARE_MTBF: f64 = 1000.0;

/// The 1-of-3 hot-standby set with one repair crew.
fn one_of_three(mttr: f64) -> Model {
    let text = format!(
        r#"{{"format": "redsim/1", "name": "1-of-3", "mission": {RARE_MISSION}, "repair": {{"crews": 1}},
            "components": [{{"id": "c", "count": 3, "mtbf": {RARE_MTBF}, "mttr": {mttr}}}],
            "services": [{{"id": "s", "requires": {{"at_least": 1, "of": ["c-1", "c-2", "c-3"]}}}}]}}"#
    );
    redsim::scenario::parse(&text).unwrap_or_else(|p| panic!("{p:?}"))
}

/// Exact mission-average unavailability of the 1-of-3 set, started all up:
/// a birth-death chain on the number failed (failures at `(3 − k)·λ`, one
/// crew repairing at `μ`). The occupation integrals are the top-right block
/// of `exp([[Q, I], [0, 0]]·T)`; the down state's is read directly.
fn one_of_three_unavailability(mttr: f64) -> f64 {
    let (l, mu, t) = (1.0 / RARE_MTBF, 1.0 / mttr, RARE_MISSION);
    let n = 4;
    let mut m = vec![vec![0.0; 2 * n]; 2 * n];
    for k in 0..n {
        let up = if k < 3 { (3 - k) as f64 * l } else { 0.0 };
        let down = if k > 0 { mu } else { 0.0 };
        if k < 3 {
            m[k][k + 1] = up * t;
        }
        if k > 0 {
            m[k][k - 1] = down * t;
        }
        m[k][k] = -(up + down) * t;
        m[k][n + k] = t;
    }
    expm(&m)[0][n + 3] / t
}

/// Coverage of the unavailability interval of failure-biased runs
/// (`engine::run_rare`, default options) on the 1-of-3 set.
fn rare_regimes(a: &Args) -> f64 {
    println!(
        "\nFailure biasing (`run --rare on`) on a 1-of-3 hot-standby set, one crew, {RARE_MISSION} h mission: {} seeds.\n",
        a.seeds
    );
    println!(
        "| MTTR [h] | exact unavailability | trials | coverage | misses below | mean relative half-width |"
    );
    println!("|---|---|---|---|---|---|");
    let mut lowest = 1.0f64;
    for (mttr, trials) in [
        (1.2, 300),
        (1.2, 1000),
        (1.2, 4000),
        (1.2, 11_000),
        (0.255, 1000),
        (0.255, 4000),
    ] {
        let m = one_of_three(mttr);
        let u = one_of_three_unavailability(mttr);
        let runs: Vec<(bool, bool, f64)> = (a.first_seed..a.first_seed + a.seeds)
            .into_par_iter()
            .map(|seed| {
                let cfg = RunConfig {
                    seed,
                    first_trial: 0,
                    trials,
                    threads: None,
                };
                let parts =
                    engine::run_rare(&m, &cfg, &engine::RareOptions::default(), &[], &|_| {}).expect("a run");
                let sum = analysis::summarize(&m, &parts[0], a.confidence);
                let s = &sum.services[0];
                let unavail = s.availability.complement();
                let rel = s.relative_error.unwrap_or(f64::INFINITY);
                (covers(&unavail, u), unavail.ci_high < u, rel)
            })
            .collect();
        let k = runs.len() as f64;
        let cov = runs.iter().filter(|r| r.0).count() as f64 / k;
        let below = runs.iter().filter(|r| r.1).count();
        let rel = runs.iter().map(|r| r.2).sum::<f64>() / k;
        lowest = lowest.min(cov);
        println!("| {mttr} | {u:.2e} | {trials} | {cov:.3} | {below} | {rel:.3} |");
    }
    println!("\nLowest coverage under failure biasing: {lowest:.3}.");
    lowest
}

/// One component of failure rate `lambda` and mean repair `mttr` [h].
fn single_with(lambda: f64, mttr: f64) -> Model {
    let text = format!(
        r#"{{"format": "redsim/1", "name": "coverage", "mission": {MISSION},
            "components": [{{"id": "a", "mtbf": {}, "mttr": {mttr}}}], "services": [{{"id": "s", "requires": "a"}}]}}"#,
        1.0 / lambda
    );
    redsim::scenario::parse(&text).unwrap_or_else(|p| panic!("{p:?}"))
}

/// The availability difference `B − A` of a comparison, with its interval.
fn availability_difference(
    models: &[&Model],
    tally: &analysis::compare::CompareTally,
    confidence: f64,
) -> analysis::compare::Difference {
    let c = analysis::compare::compare(models, tally, confidence);
    c[0].differences
        .iter()
        .find(|d| d.quantity == analysis::compare::Quantity::Availability)
        .expect("an availability difference")
        .clone()
}

/// One run's difference against the exact one: whether it covers, whether
/// it misses above, its width over the exact difference's size, and its
/// narrowing (where it has one).
type DifferenceRun = (bool, bool, f64, Option<f64>);

fn difference_run(d: &analysis::compare::Difference, want: f64) -> DifferenceRun {
    let e = d.estimate();
    (
        covers(e, want),
        e.ci_low > want,
        (e.ci_high - e.ci_low) / want.abs(),
        d.narrowing,
    )
}

/// Coverage of compare's difference intervals: plain paired (one
/// component, MTTR 4 h against 8 h, few to many outages per run) and
/// failure-biased Welch (1-of-3 sets of MTTR 1.2 h against 2 h).
fn compare_regimes(a: &Args) -> f64 {
    println!(
        "\nDifferences between two designs (`compare`), availability B − A: {} seeds per regime.\n",
        a.seeds
    );
    println!(
        "| designs | outages per run (A) | trials | coverage | misses above (B − A larger than the truth) | median width / |B − A| | mean narrowing |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut lowest = 1.0f64;
    let report = |name: &str, outages: String, trials: u64, runs: &[DifferenceRun], lowest: &mut f64| {
        let k = runs.len() as f64;
        let cov = runs.iter().filter(|r| r.0).count() as f64 / k;
        let above = runs.iter().filter(|r| r.1).count();
        // The median: a run without outages has room for a whole mission.
        let mut widths: Vec<f64> = runs.iter().map(|r| r.2).collect();
        widths.sort_by(f64::total_cmp);
        let width = widths[widths.len() / 2];
        let narrowings: Vec<f64> = runs.iter().filter_map(|r| r.3).collect();
        let narrowing = if narrowings.is_empty() {
            "-".to_string()
        } else {
            format!("{:.3}", narrowings.iter().sum::<f64>() / narrowings.len() as f64)
        };
        *lowest = lowest.min(cov);
        println!("| {name} | {outages} | {trials} | {cov:.3} | {above} | {width:.3} | {narrowing} |");
    };
    // Every seed's paired run of the two designs, with its interval of the
    // availability difference against `want`.
    let paired_runs = |models: &[&Model; 2], want: f64| -> Vec<DifferenceRun> {
        (a.first_seed..a.first_seed + a.seeds)
            .into_par_iter()
            .map(|seed| {
                let cfg = RunConfig {
                    seed,
                    first_trial: 0,
                    trials: a.trials,
                    threads: Some(1),
                };
                let paired = engine::run_paired(models, &[vec![0, 0]], &cfg, &|_| {}).expect("a run");
                let d = availability_difference(
                    models,
                    &analysis::compare::CompareTally::Paired(paired),
                    a.confidence,
                );
                difference_run(&d, want)
            })
            .collect()
    };
    for outages in [2.0, 7.0, 40.0, 400.0] {
        let lambda = rate_for(Kind::Single, outages, a.trials);
        let (ma, mb) = (single_with(lambda, MTTR), single_with(lambda, 2.0 * MTTR));
        let want = averages_with(lambda, MTTR, MISSION).0 - averages_with(lambda, 2.0 * MTTR, MISSION).0;
        let models = [&ma, &mb];
        let runs = paired_runs(&models, want);
        report(
            "single, MTTR 4 h / 8 h, plain paired",
            outages.to_string(),
            a.trials,
            &runs,
            &mut lowest,
        );
    }
    // Designs that differ by whole outages rather than their lengths: the
    // single component against a pair of them (`a` shared), where B is
    // down only when both are, so most trials that differ lose one of A's
    // outages and the longest outage seen is A's, no longer than the
    // largest difference.
    for outages in [2.0, 7.0, 40.0, 400.0] {
        let lambda = rate_for(Kind::Single, outages, a.trials);
        let (ma, mb) = (model(Kind::Single, lambda), model(Kind::Pair, lambda));
        let (u1, u2) = averages(lambda, MISSION);
        let want = u1 - u2;
        let models = [&ma, &mb];
        let runs = paired_runs(&models, want);
        report(
            "single against a pair of it, plain paired",
            outages.to_string(),
            a.trials,
            &runs,
            &mut lowest,
        );
    }
    for trials in [300u64, 1000, 4000] {
        let (ma, mb) = (one_of_three(1.2), one_of_three(2.0));
        let want = one_of_three_unavailability(1.2) - one_of_three_unavailability(2.0);
        let models = [&ma, &mb];
        let runs: Vec<DifferenceRun> = (a.first_seed..a.first_seed + a.seeds)
            .into_par_iter()
            .map(|seed| {
                let tallies: Vec<engine::Tally> = models
                    .iter()
                    .enumerate()
                    .map(|(d, m)| {
                        let cfg = RunConfig {
                            seed: seed + d as u64 * 1_000_000_007,
                            first_trial: 0,
                            trials,
                            threads: Some(1),
                        };
                        engine::run_rare(m, &cfg, &engine::RareOptions::default(), &[], &|_| {})
                            .expect("a run")
                            .swap_remove(0)
                    })
                    .collect();
                let d = availability_difference(
                    &models,
                    &analysis::compare::CompareTally::Independent(tallies),
                    a.confidence,
                );
                difference_run(&d, want)
            })
            .collect();
        report(
            "1-of-3, MTTR 1.2 h / 2 h, biased Welch",
            "-".into(),
            trials,
            &runs,
            &mut lowest,
        );
    }
    println!("\nLowest coverage of a difference: {lowest:.3}.");
    lowest
}

fn main() {
    let a = args();
    let started = Instant::now();
    let mut regimes: Vec<(Kind, f64)> = Vec::new();
    if a.regimes.iter().any(|g| g == "exp") {
        regimes.extend(
            [
                0.03, 0.6, 1.0, 2.0, 5.0, 7.0, 20.0, 40.0, 80.0, 160.0, 400.0, 1000.0, 5000.0,
            ]
            .map(|o| (Kind::Single, o)),
        );
        regimes.extend([0.6, 7.0, 40.0, 80.0, 160.0, 400.0, 5000.0].map(|o| (Kind::Pair, o)));
    }
    if a.regimes.iter().any(|g| g == "heavy") {
        // Heavy-tailed durations keep the effective number of outages
        // K = (Σy)²/Σy² well below the outages seen (about N/9.5 for the
        // lognormal, N/21 for the mixture), so the allowance switch K₀ = 39
        // at 95 % falls near 370 and 830 outages per run.
        let around_switch = [
            7.0, 40.0, 160.0, 300.0, 400.0, 600.0, 1000.0, 2000.0, 5000.0, 20000.0,
        ];
        regimes.extend(around_switch.map(|o| (Kind::Lognormal, o)));
        regimes.extend(around_switch.map(|o| (Kind::Mixed, o)));
    }
    if !regimes.is_empty() {
        println!(
            "Coverage of {}% intervals: {} seeds per regime, {} trials of one year per run.",
            a.confidence * 100.0,
            a.seeds,
            a.trials
        );
        println!("Coverage now (today's), and mean width now over today's.\n");
        print!("| model | outages per run | ");
        print!("{} |", QUANTITIES.join(" | "));
        println!(" runs with an MTBO interval |");
        println!("|---|---|{}---|", "---|".repeat(QUANTITIES.len()));
        let mut lowest = 1.0f64;
        let mut bias = Vec::new();
        for (kind, outages) in regimes {
            let lambda = rate_for(kind, outages, a.trials);
            let m = model(kind, lambda);
            let ex = exact(kind, lambda);
            let exact_values = structure::exact_all(&m, structure::RUN_EXACT_WORK).0;
            let rows: Vec<Row> = (a.first_seed..a.first_seed + a.seeds)
                .into_par_iter()
                .map(|seed| one(&m, &ex, &exact_values, seed, a.trials, a.confidence))
                .collect();
            let name = kind.name();
            let with_mtbo = rows.iter().filter(|r| r.mtbo.is_some()).count();
            print!("| {name} | {} |", outages);
            for q in 0..QUANTITIES.len() {
                let (c, ct, w, wt) = rows.iter().fold((0, 0, 0.0, 0.0), |acc, r| {
                    let c = r.cells[q];
                    (acc.0 + c.0, acc.1 + c.1, acc.2 + c.2, acc.3 + c.3)
                });
                let runs = if q == MTBO {
                    with_mtbo
                } else if q == 7 && ex.cause_a.is_nan() {
                    0
                } else {
                    rows.len()
                };
                if runs == 0 {
                    print!(" - |");
                    continue;
                }
                let cov = f64::from(c) / runs as f64;
                let cov_t = f64::from(ct) / runs as f64;
                if !(kind != Kind::Pair && q == 5) {
                    lowest = lowest.min(cov);
                }
                let ratio = if wt > 0.0 {
                    let r = w / wt;
                    if r < 10.0 {
                        format!("{r:.3}")
                    } else if r < 1e4 {
                        format!("{r:.0}")
                    } else {
                        format!("{r:.1e}")
                    }
                } else if w > 0.0 {
                    "∞".into()
                } else {
                    "-".into()
                };
                print!(" {cov:.3} ({cov_t:.3}) ×{ratio} |");
            }
            println!(" {with_mtbo} |");
            let with: Vec<(f64, f64)> = rows.iter().filter_map(|r| r.mtbo).collect();
            if !with.is_empty() {
                let k = with.len() as f64;
                let (now, before) = with.iter().fold((0.0, 0.0), |a, m| (a.0 + m.0, a.1 + m.1));
                bias.push(format!(
                    "| {name} | {outages} | {} | {:.3} | {:.3} |",
                    with.len(),
                    now / k,
                    before / k
                ));
            }
        }
        println!(
            "\nMean MTBO estimate over the exact MTBO, over the runs that saw an outage (MTBO is printed only then):\n"
        );
        println!(
            "| model | outages per run | runs with outages | now: up time / (outages + 1) | today: up time / outages |"
        );
        println!("|---|---|---|---|---|");
        for line in bias {
            println!("{line}");
        }
        println!(
            "\nLowest coverage now: {lowest:.3} (only the pair can be degraded: the others' degraded fraction is not counted). {:.0} s.",
            started.elapsed().as_secs_f64()
        );
    }
    if a.regimes.iter().any(|g| g == "check") {
        check_regimes(&a);
    }
    if a.regimes.iter().any(|g| g == "rare") {
        rare_regimes(&a);
    }
    if a.regimes.iter().any(|g| g == "compare") {
        compare_regimes(&a);
    }
}
