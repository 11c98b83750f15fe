//! Failover groups and standby ageing against exact answers: continuous-time
//! Markov chains built and solved in the test (exponential laws and delays),
//! and a convolution integral for standbys with an ageing (Weibull) law.

use serde_json::{Value, json};

use crate::common::{assert_close, assert_in_ci, mission_averages as solve, model, simulate};

/// A generator matrix from transitions `(from, to, rate)` over `n` states.
pub(crate) fn generator(n: usize, moves: &[(usize, usize, f64)]) -> Vec<Vec<f64>> {
    let mut q = vec![vec![0.0; n]; n];
    for &(i, j, r) in moves {
        q[i][j] += r;
        q[i][i] -= r;
    }
    q
}

/// Mission-average occupation of each state (a fraction of the mission),
/// from the availability solver run with one state marked up at a time.
fn occupation(q: &[Vec<f64>], t: f64) -> Vec<f64> {
    (0..q.len())
        .map(|j| {
            let up: Vec<bool> = (0..q.len()).map(|i| i == j).collect();
            solve(q, &up, t).availability
        })
        .collect()
}

/// A pair `a` (active at the start) and `b` in one active-passive group,
/// both exponential, under a service that requires the group.
fn pair(mission: f64, mtbf: f64, mttr: f64, crews: Option<u32>, group: Value, rpo: Option<&str>) -> String {
    let mut service = json!({"id": "s", "requires": "group:p"});
    if let Some(r) = rpo {
        service["rpo"] = json!(r);
    }
    let repair = match crews {
        Some(c) => json!({"crews": c}),
        None => json!({}),
    };
    let mut group = group;
    group["id"] = json!("p");
    group["members"] = json!(["a", "b"]);
    group["mode"] = json!("active-passive");
    json!({
        "format": "redsim/1", "name": "pair", "mission": mission,
        "repair": repair,
        "components": [
            {"id": "a", "mtbf": mtbf, "mttr": mttr},
            {"id": "b", "mtbf": mtbf, "mttr": mttr}
        ],
        "groups": [group],
        "services": [service]
    })
    .to_string()
}

/// Standby pair with one repair crew and instant failover: states are the
/// number of failed members. Only the active member fails at rate λ; the
/// idle standby fails at `aging`·λ (1 hot, in (0, 1) warm, 0 cold).
fn standby_chain(lambda: f64, mu: f64, aging: f64) -> (Vec<Vec<f64>>, Vec<bool>) {
    let q = generator(
        3,
        &[
            (0, 1, lambda * (1.0 + aging)),
            (1, 2, lambda),
            (1, 0, mu),
            (2, 1, mu),
        ],
    );
    (q, vec![true, true, false])
}

#[test]
fn hot_warm_and_cold_standby_pairs_with_one_crew_match_their_chains() {
    let (t, mtbf, mttr) = (1000.0, 50.0, 10.0);
    let mut availability = Vec::new();
    for (standby, aging) in [("hot", 1.0), ("warm", 0.2), ("cold", 0.0)] {
        let mut g = json!({"standby": standby});
        if standby == "warm" {
            g["standby_aging"] = json!(aging);
        }
        let (q, up) = standby_chain(1.0 / mtbf, 1.0 / mttr, aging);
        let exact = solve(&q, &up, t);
        let run = simulate(&model(&pair(t, mtbf, mttr, Some(1), g, None)), 20_000, 3);
        let s = &run.services[0];
        assert!(s.outages_observed > 1000, "{standby}: {}", s.outages_observed);
        assert_close(
            &format!("{standby} standby: availability"),
            &s.availability,
            exact.availability,
            4.0,
        );
        assert_close(
            &format!("{standby} standby: outages"),
            &s.outages_per_mission,
            exact.outages,
            4.0,
        );
        availability.push((s.availability, exact.availability));
    }
    // The three differ by far more than the noise: a model that let idle
    // standbys age like active ones (or not at all) would fail above.
    for w in availability.windows(2) {
        let se = w[0].0.std_error.unwrap().max(w[1].0.std_error.unwrap());
        assert!(w[1].1 - w[0].1 > 10.0 * se, "{:?}", w);
    }
}

/// Reliability of a standby pair of non-repairable units with survival
/// function `surv` and density `dens`: the system survives the mission if
/// the active unit does, or if it fails at `x` and the standby, which aged
/// `aging·x` while idle, has age `T - x` more to go:
/// `S(T) + ∫_0^T f(x) S(T - (1 - aging)·x) dx`.
fn standby_reliability(surv: impl Fn(f64) -> f64, dens: impl Fn(f64) -> f64, aging: f64, t: f64) -> f64 {
    let n = 20_000;
    let h = t / n as f64;
    let g = |x: f64| dens(x) * surv(t - (1.0 - aging) * x);
    let mut sum = g(0.0) + g(t);
    for i in 1..n {
        sum += g(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    surv(t) + sum * h / 3.0
}

#[test]
fn ageing_standbys_are_right_for_a_weibull_law() {
    // Wear-out (shape 3): a standby's age matters, so counting idle time as
    // age (or ignoring the age already gained) gives a different answer.
    let (shape, scale, t) = (3.0, 1000.0, 1200.0);
    let surv = |x: f64| (-(x / scale).powf(shape)).exp();
    let dens = |x: f64| shape / scale * (x / scale).powf(shape - 1.0) * surv(x);
    let mut seen = Vec::new();
    for (standby, aging) in [("cold", 0.0), ("warm", 0.3), ("hot", 1.0)] {
        let exact = standby_reliability(surv, dens, aging, t);
        let mut g = json!({"standby": standby});
        if standby == "warm" {
            g["standby_aging"] = json!(aging);
        }
        g["id"] = json!("p");
        g["members"] = json!(["a", "b"]);
        g["mode"] = json!("active-passive");
        let law = json!({"weibull": {"shape": shape, "scale": scale}});
        let text = json!({
            "format": "redsim/1", "name": "standby", "mission": t,
            "components": [
                {"id": "a", "failure": law, "repair": "never"},
                {"id": "b", "failure": law, "repair": "never"}
            ],
            "groups": [g],
            "services": [{"id": "s", "requires": "group:p"}]
        })
        .to_string();
        let run = simulate(&model(&text), 20_000, 5);
        let p = &run.services[0].p_no_outage;
        assert_in_ci(&format!("{standby} Weibull standby: reliability"), p, exact);
        seen.push((*p, exact));
    }
    // Cold beats warm beats hot, each well outside the others' intervals.
    for w in seen.windows(2) {
        assert!(w[0].1 > w[1].0.ci_high && w[1].1 < w[0].0.ci_low, "{w:?}");
    }
}

/// The active-passive pair (hot standby, unlimited repair) with exponential
/// detection (rate `delta`), switchover (`sigma`) and manual failover
/// (`nu`), switch success `p`, under the documented rule. States (the
/// "target" is the member switched to):
///
/// | state | stage      | active / old | standby / target | service |
/// |-------|------------|--------------|------------------|---------|
/// | 0     | normal     | up           | up               | up      |
/// | 1     | normal     | up           | down             | up      |
/// | 2     | switching  | down         | up               | down    |
/// | 3     | no member  | down         | down             | down    |
/// | 4     | switching  | up           | up               | down    |
/// | 5     | manual     | down         | up               | down    |
/// | 6     | manual     | up           | up               | down    |
/// | 7     | manual     | down         | down             | down    |
/// | 8     | manual     | up           | down             | down    |
/// | 9     | detecting  | down         | up               | down    |
/// | 10    | detecting  | down         | down             | down    |
///
/// A target lost during a switchover makes the group switch at once to the
/// other member if it is functional (a new switchover, 2 or 4 → 2) and
/// otherwise go down until the first member recovers (2 → 3): no switching
/// state has a lost target. A manual failover ends with its target or, if
/// that was lost, the other member if functional (8 → 1), else none (7 → 3).
pub(crate) fn failover_chain(
    lambda: f64,
    mu: f64,
    delta: f64,
    sigma: f64,
    p: f64,
    nu: f64,
) -> (Vec<Vec<f64>>, Vec<bool>) {
    let (l, m) = (lambda, mu);
    let q = generator(
        11,
        &[
            (0, 9, l),
            (0, 1, l),
            (1, 10, l),
            (1, 0, m),
            (9, 2, delta),
            (9, 0, m),
            (9, 10, l),
            (10, 3, delta),
            (10, 1, m),
            (10, 9, m),
            (2, 1, p * sigma),
            (2, 5, (1.0 - p) * sigma),
            (2, 4, m),
            (2, 3, l),
            (3, 1, 2.0 * m),
            // The old member fails, or the target does and the old one,
            // functional, becomes the target of a new switchover.
            (4, 2, 2.0 * l),
            (4, 0, p * sigma),
            (4, 6, (1.0 - p) * sigma),
            (5, 1, nu),
            (5, 6, m),
            (5, 7, l),
            (6, 0, nu),
            (6, 5, l),
            (6, 8, l),
            (7, 3, nu),
            (7, 5, m),
            (7, 8, m),
            (8, 1, nu),
            (8, 6, m),
            (8, 7, l),
        ],
    );
    let up = (0..11).map(|s| s <= 1).collect();
    (q, up)
}

#[test]
fn active_passive_pair_with_a_15_minute_switchover_matches_its_chain() {
    let (t, mtbf, mttr) = (2000.0, 200.0, 10.0);
    let (delta, sigma, nu) = (1.0 / (5.0 / 60.0), 1.0 / 0.25, 1.0 / 1.0);
    let exp = |h: f64| json!({"exponential": {"mean": format!("{}m", h * 60.0)}});
    for p in [1.0, 0.8] {
        let g = json!({"failover": {
            "detection": exp(1.0 / delta), "switchover": exp(1.0 / sigma),
            "success": p, "manual": exp(1.0 / nu)
        }});
        let (q, up) = failover_chain(1.0 / mtbf, 1.0 / mttr, delta, sigma, p, nu);
        let exact = solve(&q, &up, t);
        let run = simulate(&model(&pair(t, mtbf, mttr, None, g, None)), 20_000, 7);
        let s = &run.services[0];
        assert!(s.outages_observed > 10_000, "{}", s.outages_observed);
        assert_close(
            &format!("active-passive, success {p}: availability"),
            &s.availability,
            exact.availability,
            4.0,
        );
        assert_close(
            &format!("active-passive, success {p}: outages"),
            &s.outages_per_mission,
            exact.outages,
            4.0,
        );
        // The failover delays are most of the downtime: instant failover is
        // a different answer, far outside the noise.
        let (l, m) = (1.0 / mtbf, 1.0 / mttr);
        let q0 = generator(3, &[(0, 1, 2.0 * l), (1, 2, l), (1, 0, m), (2, 1, 2.0 * m)]);
        let instant = solve(&q0, &[true, true, false], t);
        let se = s.availability.std_error.unwrap();
        assert!(instant.availability - exact.availability > 20.0 * se);
    }
}

#[test]
fn a_target_lost_during_the_switchover_is_replaced_at_once() {
    // Issue 12's model: repairs shorter than a switchover and its delays. The
    // documented rule switches at once to the other member, or goes down until
    // one recovers. Looking at the target only when the switchover ends is
    // 1.8e-6 below the chain at MTBF 100 h (0.1 standard error here: that case
    // checks the model) and 1.7e-4 below at MTBF 10 h, 8 standard errors at
    // 6,000 trials: that case tells the two rules apart.
    let t = 8760.0;
    let (mttr, detection, switchover, p, manual) = (0.25, 5.0 / 60.0, 10.0 / 60.0, 0.9, 1.0);
    let exp = |h: f64| json!({"exponential": {"mean": format!("{}m", h * 60.0)}});
    for (mtbf, trials) in [(100.0, 4_000), (10.0, 6_000)] {
        let g = json!({"failover": {
            "detection": exp(detection), "switchover": exp(switchover),
            "success": p, "manual": exp(manual)
        }});
        let (q, up) = failover_chain(
            1.0 / mtbf,
            1.0 / mttr,
            1.0 / detection,
            1.0 / switchover,
            p,
            1.0 / manual,
        );
        let exact = solve(&q, &up, t);
        let run = simulate(&model(&pair(t, mtbf, mttr, None, g, None)), trials, 17);
        let s = &run.services[0];
        assert_close(
            &format!("MTBF {mtbf} h: availability"),
            &s.availability,
            exact.availability,
            4.0,
        );
        assert_close(
            &format!("MTBF {mtbf} h: outages"),
            &s.outages_per_mission,
            exact.outages,
            4.0,
        );
    }
}

#[test]
fn asynchronous_replication_loses_the_lag_of_each_unplanned_failover() {
    // Instant failover, unlimited repair: with both up, the active member
    // fails at λ and the standby takes over (a loss); with one up, it fails
    // at λ and the group is down until a member is repaired: a loss if the
    // other one comes back first (rate μ), none if the owner of the data does.
    let (t, mtbf, mttr, lag, rpo) = (2000.0, 100.0, 20.0, 4.0 / 3600.0, 6.0 / 3600.0);
    let (l, m) = (1.0 / mtbf, 1.0 / mttr);
    let q = generator(3, &[(0, 1, 2.0 * l), (1, 2, l), (1, 0, m), (2, 1, 2.0 * m)]);
    let occ = occupation(&q, t);
    let losses = t * (l * occ[0] + m * occ[2]);
    let g = json!({"replication": {"mode": "async", "lag": {"exponential": {"mean": "4s"}}}});
    let run = simulate(&model(&pair(t, mtbf, mttr, None, g, Some("6s"))), 20_000, 13);
    let d = run.services[0].data_loss.as_ref().expect("an async group");
    let per_year = 8760.0 / t;
    assert_close("data losses per year", &d.events_per_year, losses * per_year, 4.0);
    assert_close(
        "lost write seconds per year",
        &d.lost_write_seconds_per_year,
        losses * per_year * lag * 3600.0,
        4.0,
    );
    let over = d.rpo.as_ref().expect("an rpo");
    let share = (-rpo / lag).exp();
    assert_in_ci(
        "share of losses over the RPO",
        over.fraction_of_losses.as_ref().unwrap(),
        share,
    );

    // Synchronous replication loses nothing; the report says so.
    let g = json!({"replication": {"mode": "sync"}});
    let run = simulate(&model(&pair(t, mtbf, mttr, None, g, Some("6s"))), 2_000, 13);
    let d = run.services[0].data_loss.as_ref().expect("a replicated group");
    assert_eq!(d.events_observed, 0);
    assert_eq!(d.lost_write_seconds_per_year.ci_high, 0.0);
}

/// Runs a scenario given as JSON and returns its summary.
fn run(doc: Value, trials: u64) -> redsim::analysis::RunSummary {
    simulate(&model(&doc.to_string()), trials, 1)
}

#[test]
fn planned_switches_in_back_to_back_windows_stay_planned() {
    // Rolling maintenance of an active-passive pair that never fails: each
    // window of the active member is a planned one-hour switchover, and the
    // next window opens as the previous closes. All of it is planned.
    let doc = json!({"format": "redsim/1", "name": "t", "mission": "1000h",
        "components": [{"id": "a"}, {"id": "b"}],
        "groups": [{"id": "g", "members": ["a", "b"], "mode": "active-passive", "failover": {"switchover": "1h"}}],
        "maintenance": [{"id": "m", "members": ["a", "b"], "every": "100h", "duration": "4h", "start": "50h"}],
        "services": [{"id": "s", "requires": "group:g"}, {"id": "u", "requires": "group:g", "planned_counts": false}]});
    let r = run(doc, 10);
    let (s, u) = (&r.services[0], &r.services[1]);
    let p = s.planned.as_ref().unwrap();
    // Two switchovers of 1 h per round (to b, then back to a), ten rounds.
    assert!(
        (p.planned_downtime_hours_per_year.point - 20.0 * 8.76).abs() < 1e-9,
        "{p:?}"
    );
    assert_eq!(p.unplanned_downtime_hours_per_year.point, 0.0);
    assert_eq!(u.availability.point, 1.0);
    assert_eq!(u.outages_observed, 0);
}

#[test]
fn a_member_that_never_fails_may_stand_by_warm() {
    // Virtual machines have no failure law of their own: only their hosts fail.
    let doc = json!({"format": "redsim/1", "name": "t", "mission": "1y",
        "components": [{"id": "h1", "mtbf": "1000h", "mttr": "10h"}, {"id": "h2", "mtbf": "1000h", "mttr": "10h"},
                       {"id": "vm1", "requires": "h1"}, {"id": "vm2", "requires": "h2"}],
        "groups": [{"id": "g", "members": ["vm1", "vm2"], "mode": "active-passive",
                    "standby": "warm", "standby_aging": 0.1}],
        "services": [{"id": "s", "requires": "group:g"}]});
    let r = run(doc, 2_000);
    assert!(r.services[0].outages_observed > 100);
}

#[test]
fn a_primary_back_during_the_switch_fails_back_once_it_ends() {
    // `a` fails at 10 h (fixed), is repaired at 11 h; the switch to `b` ends at 12 h.
    let doc = json!({"format": "redsim/1", "name": "t", "mission": "20h",
        "components": [{"id": "a", "failure": {"fixed": "10h"}, "repair": {"fixed": "1h"}}, {"id": "b"}],
        "groups": [{"id": "g", "members": ["a", "b"], "mode": "active-passive",
                    "failover": {"switchover": "2h"}, "failback": true}],
        "services": [{"id": "s", "requires": "group:g"}, {"id": "on-b", "requires": "b"}]});
    let m = model(&doc.to_string());
    let events = redsim::engine::trace(&m, 1, 0).unwrap();
    let took: Vec<(f64, &str)> = events
        .iter()
        .filter_map(|e| match *e {
            redsim::engine::TraceEvent::Group {
                t,
                event: redsim::engine::GroupEvent::TookOver { member, .. },
                ..
            } => Some((t, m.elements[member].id.as_str())),
            _ => None,
        })
        .collect();
    // b at 12 h, then straight back to a after a 2 h failback switchover.
    assert_eq!(took, [(12.0, "b"), (14.0, "a")]);
}

/// The group events of trial 0 of a scenario, as (time [h], what, member id).
fn group_events(doc: &Value) -> Vec<(f64, &'static str, String)> {
    use redsim::engine::{GroupEvent as G, TraceEvent};
    let m = model(&doc.to_string());
    let id = |e: usize| m.elements[e].id.clone();
    redsim::engine::trace(&m, 1, 0)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            TraceEvent::Group { t, event, .. } => Some(match event {
                G::Switching { to, .. } => (t, "switching", id(to)),
                G::TookOver { member, .. } => (t, "took over", id(member)),
                G::NoMember => (t, "no member", String::new()),
                G::Lost { member } => (t, "lost", id(member)),
                _ => (t, "other", String::new()),
            }),
            _ => None,
        })
        .collect()
}

#[test]
fn a_target_lost_during_the_switchover_is_replaced_at_once_by_the_next_member() {
    // `a` fails at 10 h for 5 h; the one-hour switchover to `b` would end at
    // 11 h, but `b` fails at 10.5 h for 12 minutes.
    let doc = |members: Value| {
        json!({"format": "redsim/1", "name": "t", "mission": "20h",
            "components": [{"id": "a", "failure": {"fixed": "10h"}, "repair": {"fixed": "5h"}},
                           {"id": "b", "failure": {"fixed": "10.5h"}, "repair": {"fixed": "12m"}},
                           {"id": "c"}],
            "groups": [{"id": "g", "members": members, "mode": "active-passive",
                        "failover": {"switchover": "1h"}}],
            "services": [{"id": "s", "requires": "group:g"}]})
    };
    let e = |t: f64, what: &'static str, m: &str| (t, what, m.to_string());
    // With a third member, a new switchover to it begins at once; `b`'s
    // return at 10.7 h does not interrupt it.
    assert_eq!(
        group_events(&doc(json!(["a", "b", "c"]))),
        [
            e(10.0, "lost", "a"),
            e(10.0, "switching", "b"),
            e(10.5, "switching", "c"),
            e(11.5, "took over", "c")
        ]
    );
    // With none functional, the group is down and the first member back
    // takes over at once.
    let got = group_events(&doc(json!(["a", "b"])));
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(
        got[..3],
        [
            e(10.0, "lost", "a"),
            e(10.0, "switching", "b"),
            e(10.5, "no member", "")
        ]
    );
    assert_eq!((got[3].1, got[3].2.as_str()), ("took over", "b"));
    assert!((got[3].0 - 10.7).abs() < 1e-9, "{got:?}");
}

#[test]
fn a_failure_elsewhere_does_not_make_a_planned_switch_unplanned() {
    // `x` needs `r`, patched at 10 h: a planned switch to `y`, no detection.
    // `u`, which nothing in the group needs, fails at that very instant.
    let doc = json!({"format": "redsim/1", "name": "t", "mission": "20h",
        "components": [{"id": "r"}, {"id": "x", "requires": "r"}, {"id": "y"},
                       {"id": "u", "failure": {"fixed": "10h"}, "repair": {"fixed": "1h"}}],
        "groups": [{"id": "g", "members": ["x", "y"], "mode": "active-passive",
                    "failover": {"detection": "1h", "switchover": "30m"}}],
        "maintenance": [{"id": "m", "members": ["r"], "every": "100h", "duration": "2h", "start": "10h"}],
        "services": [{"id": "s", "requires": "group:g"}, {"id": "on-u", "requires": "u"}]});
    let e = |t: f64, what: &'static str, m: &str| (t, what, m.to_string());
    assert_eq!(
        group_events(&doc),
        [e(10.0, "switching", "y"), e(10.5, "took over", "y")]
    );
}

#[test]
fn the_order_of_a_maintenance_list_does_not_cost_data() {
    // Both members out together: the group is down for a planned window and
    // the first member back takes over; a planned outage loses no writes,
    // whichever member comes back first.
    for members in [json!(["a", "b"]), json!(["b", "a"])] {
        let doc = json!({"format": "redsim/1", "name": "t", "mission": "1000h",
            "components": [{"id": "a"}, {"id": "b"}],
            "groups": [{"id": "g", "members": ["a", "b"], "mode": "active-passive",
                        "failover": {"switchover": "10m"}, "replication": {"mode": "async", "lag": "60s"}}],
            "maintenance": [{"id": "m", "members": members, "every": "100h", "duration": "4h",
                             "start": "50h", "rolling": false}],
            "services": [{"id": "s", "requires": "group:g"}]});
        let r = run(doc, 10);
        assert_eq!(r.services[0].data_loss.as_ref().unwrap().events_observed, 0);
    }
}

#[test]
fn degraded_time_is_the_same_however_the_group_is_named() {
    // The same pair measured through a group target, its members as targets,
    // and a logical requirement: an idle standby is not missing, a failed one is.
    let doc = json!({"format": "redsim/1", "name": "t", "mission": "1000h",
        "components": [{"id": "sw"}, {"id": "db-1", "mtbf": "1000h", "mttr": "10h"},
                       {"id": "db-2", "mtbf": "1000h", "mttr": "10h"}],
        "links": [{"between": ["sw", "db-*"]}],
        "groups": [{"id": "g", "members": ["db-1", "db-2"], "mode": "active-passive"}],
        "services": [{"id": "group", "from": "sw", "to": ["group:g"]},
                     {"id": "members", "from": "sw", "to": ["db-*"]},
                     {"id": "logic", "requires": "group:g"}]});
    let r = run(doc, 2_000);
    let d: Vec<f64> = r.services.iter().map(|s| s.degraded_fraction.point).collect();
    assert!(d[0] > 0.01 && d[0] < 0.03, "{d:?}");
    assert_eq!(d[0], d[1]);
    assert_eq!(d[0], d[2]);
}

#[test]
fn active_active_reconvergence_matches_its_chain() {
    // Two members, unlimited repair, exponential reconvergence (rate ρ). A
    // loss during a reconvergence extends it to the later of the two ends:
    // with exponential delays that is one more clock running, and the
    // reconvergence ends when every clock has. States: (members up n, clocks
    // c); up when n ≥ 1 and c = 0. Clocks beyond C are lumped into C: reaching
    // C = 6 takes six losses inside one reconvergence, each a chance of about
    // λ/ρ = 0.005, so the error is far below the noise.
    const C: usize = 6;
    let (t, mtbf, mttr, reconv) = (1000.0, 100.0, 5.0, 0.5);
    let (l, m, r) = (1.0 / mtbf, 1.0 / mttr, 1.0 / reconv);
    let id = |n: usize, c: usize| n * (C + 1) + c;
    let mut moves = Vec::new();
    for n in 0..=2 {
        for c in 0..=C {
            if n > 0 {
                moves.push((id(n, c), id(n - 1, (c + 1).min(C)), n as f64 * l));
            }
            if n < 2 {
                moves.push((id(n, c), id(n + 1, c), (2 - n) as f64 * m));
            }
            if c > 0 {
                moves.push((id(n, c), id(n, c - 1), c as f64 * r));
            }
        }
    }
    let q = generator(3 * (C + 1), &moves);
    let up: Vec<bool> = (0..3 * (C + 1))
        .map(|s| s / (C + 1) >= 1 && s % (C + 1) == 0)
        .collect();
    // Start: both up, no clock, which is state id(2, 0); the solver starts in state 0.
    let order: Vec<usize> = std::iter::once(id(2, 0))
        .chain((0..3 * (C + 1)).filter(|&s| s != id(2, 0)))
        .collect();
    let q: Vec<Vec<f64>> = order
        .iter()
        .map(|&i| order.iter().map(|&j| q[i][j]).collect())
        .collect();
    let up: Vec<bool> = order.iter().map(|&i| up[i]).collect();
    let exact = solve(&q, &up, t);
    let doc = json!({"format": "redsim/1", "name": "aa", "mission": t,
        "components": [{"id": "w-1", "mtbf": mtbf, "mttr": mttr}, {"id": "w-2", "mtbf": mtbf, "mttr": mttr}],
        "groups": [{"id": "w", "members": ["w-*"], "mode": "active-active",
                    "reconvergence": {"exponential": {"mean": "30m"}}}],
        "services": [{"id": "s", "requires": "group:w"}]});
    let run = simulate(&model(&doc.to_string()), 20_000, 29);
    let s = &run.services[0];
    assert_close(
        "active-active: availability",
        &s.availability,
        exact.availability,
        4.0,
    );
    assert_close(
        "active-active: outages",
        &s.outages_per_mission,
        exact.outages,
        4.0,
    );
    // Without reconvergence it is the plain parallel pair, far off.
    let q0 = generator(3, &[(0, 1, 2.0 * l), (1, 2, l), (1, 0, m), (2, 1, 2.0 * m)]);
    let plain = solve(&q0, &[true, true, false], t);
    assert!(plain.availability - exact.availability > 20.0 * s.availability.std_error.unwrap());
}
