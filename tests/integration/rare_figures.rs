//! What a failure-biasing run estimates beside availability (outage
//! durations, RTO figures, the mean time between outages, data losses),
//! against exact answers: each outage or loss counts with its likelihood
//! ratio, so these describe the design, not the biased trials.

use redsim::analysis::Estimate;
use redsim::model::Model;
use serde_json::json;

use crate::common::{expm, mission_averages, model, simulate_rare};
use crate::rare::within_4_se;

#[track_caller]
fn inside(what: &str, est: &Estimate, exact: f64) {
    assert!(
        est.ci_low <= exact && exact <= est.ci_high,
        "{what}: the exact {exact} is outside [{}, {}] (point {})",
        est.ci_low,
        est.ci_high,
        est.point
    );
}

/// Two of three exponential elements needed, two crews: an outage begins
/// when a second element fails and ends when one of the two is repaired,
/// unless the third fails first (rare in the real system, common under
/// biasing), which makes the outage longer. Its duration is phase-type:
/// from "two down" (repairs at 2μ, third failure at λ) and "three down"
/// (repairs at 2μ, back to two down).
const MTBF: f64 = 1000.0;
const MTTR: f64 = 2.0;
const MISSION: f64 = 2000.0;
const RTO: f64 = 3.0;

fn two_of_three() -> Model {
    model(
        &json!({
            "format": "redsim/1", "name": "2-of-3", "mission": MISSION, "repair": {"crews": 2},
            "components": [{"id": "c", "count": 3, "mtbf": MTBF, "mttr": MTTR}],
            "services": [{"id": "s", "requires": {"at_least": 2, "of": ["c-1", "c-2", "c-3"]}, "rto": RTO}]
        })
        .to_string(),
    )
}

/// P(an outage lasts longer than `x` hours): `(1, 0)·exp(T x)·1` for the
/// sub-generator `T` of the two down states.
fn longer_than(x: f64) -> f64 {
    let (l, m) = (1.0 / MTBF, 1.0 / MTTR);
    let t = vec![vec![-(2.0 * m + l) * x, l * x], vec![2.0 * m * x, -2.0 * m * x]];
    let e = expm(&t);
    e[0][0] + e[0][1]
}

/// The 2-of-3 design's chain on the number failed (failures at `(3 − k)·λ`,
/// repairs by its two crews), started all up; the service is up in states
/// 0 and 1.
fn two_of_three_chain() -> Vec<Vec<f64>> {
    let (l, m) = (1.0 / MTBF, 1.0 / MTTR);
    vec![
        vec![-3.0 * l, 3.0 * l, 0.0, 0.0],
        vec![m, -(m + 2.0 * l), 2.0 * l, 0.0],
        vec![0.0, 2.0 * m, -(2.0 * m + l), l],
        vec![0.0, 0.0, 2.0 * m, -2.0 * m],
    ]
}

#[test]
fn outage_durations_rto_and_mtbo_are_estimated_under_the_weights() {
    let (l, m) = (1.0 / MTBF, 1.0 / MTTR);
    let q = two_of_three_chain();
    let exact = mission_averages(&q, &[true, true, false, false], MISSION);
    let run = simulate_rare(&two_of_three(), 40_000, 7);
    let s = &run.services[0];
    // The outages per mission (the ones cut by the mission's end included).
    within_4_se("outages per mission", &s.outages_per_mission, exact.outages);
    // Mean time between outages: up time over outages, with their interval.
    let mtbo = s.mean_time_between_outages_hours.as_ref().expect("an MTBO");
    inside(
        "mean time between outages",
        mtbo,
        exact.availability * MISSION / exact.outages,
    );
    // Durations: a few outages per thousand are cut short by the mission's
    // end (an outage lasts about 2 h of 2,000), too few to show here.
    let rto = s.rto.as_ref().expect("an RTO");
    let over = longer_than(RTO);
    inside(
        "share of outages over the RTO",
        rto.fraction_of_outages.as_ref().unwrap(),
        over,
    );
    within_4_se("P(an outage over the RTO)", &rto.p_outage_over_rto, {
        // Outages over the RTO are rare enough that P(at least one) is
        // about their expected number per mission.
        exact.outages * over
    });
    let d = s.outage_hours.as_ref().expect("durations");
    // The mean: 1/(2μ) plus, with probability λ/(2μ+λ), another 1/(2μ) and
    // the mean again: (2μ + λ)/(4μ²).
    let mean = (2.0 * m + l) / (4.0 * m * m);
    assert!(
        (d.mean / mean - 1.0).abs() < 0.05,
        "mean duration {} against {mean}",
        d.mean
    );
    // Quantiles to within the 1 % bins and the sampling error of a few
    // thousand weighted outages: the exact tail beyond each must be near its level.
    for (q, got) in [(0.50, d.p50), (0.95, d.p95), (0.99, d.p99)] {
        let tail = longer_than(got);
        assert!(
            (tail - (1.0 - q)).abs() < 0.2 * (1.0 - q),
            "p{}: {got} h leaves {tail} beyond it, not {}",
            q * 100.0,
            1.0 - q
        );
    }
    // Unweighted, the biased trials' outages would be far longer (the third
    // failure is common under biasing: mean about 1.3 h, not 1.0 h, and a
    // p95 leaving 2 % beyond it): the weights undo it.
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

#[test]
fn data_losses_of_asynchronous_replication_are_estimated_under_the_weights() {
    // As groups::asynchronous_replication_loses_the_lag_of_each_unplanned_failover:
    // instant failover, unlimited repair, states by the number failed; a
    // loss at each failover from both up (λ from state 0), and when the
    // member that does not own the data comes back first (μ from state 2).
    let (t, mtbf, mttr) = (2000.0, 100.0, 20.0);
    let (lag, rpo) = (4.0 / 3600.0, 6.0 / 3600.0);
    let (l, m) = (1.0 / mtbf, 1.0 / mttr);
    let q = [
        [-2.0 * l, 2.0 * l, 0.0],
        [m, -(m + l), l],
        [0.0, 2.0 * m, -2.0 * m],
    ];
    let occ = crate::common::occupations(&q, t);
    let losses = l * occ[0] + m * occ[2];
    let doc = json!({
        "format": "redsim/1", "name": "pair", "mission": t,
        "components": [{"id": "a", "mtbf": mtbf, "mttr": mttr}, {"id": "b", "mtbf": mtbf, "mttr": mttr}],
        "groups": [{"id": "p", "members": ["a", "b"], "mode": "active-passive",
                    "replication": {"mode": "async", "lag": {"exponential": {"mean": "4s"}}}}],
        "services": [{"id": "s", "requires": "group:p", "rpo": "6s"}]
    });
    let run = simulate_rare(&model(&doc.to_string()), 20_000, 13);
    let d = run.services[0].data_loss.as_ref().expect("an async group");
    let per_year = 8760.0 / t;
    within_4_se("data losses per year", &d.events_per_year, losses * per_year);
    within_4_se(
        "lost write seconds per year",
        &d.lost_write_seconds_per_year,
        losses * per_year * lag * 3600.0,
    );
    let over = d.rpo.as_ref().expect("an rpo");
    inside(
        "share of losses over the RPO",
        over.fraction_of_losses.as_ref().unwrap(),
        (-rpo / lag).exp(),
    );
}

#[test]
fn a_biased_runs_duration_histogram_is_the_designs_distribution() {
    use redsim::analysis;
    use redsim::engine::{self, RareOptions, RunConfig};
    use redsim::plot::{Kind, figures};
    let m = two_of_three();
    let cfg = RunConfig {
        seed: 7,
        first_trial: 0,
        trials: 40_000,
        threads: None,
    };
    let parts = engine::run_rare(&m, &cfg, &RareOptions::default(), &[], &|_| {}).unwrap();
    let tally = &parts[0];
    let summary = analysis::summarize(&m, tally, 0.95);
    let s = &summary.services[0];
    let plots = figures::run(&m, &summary, tally, &parts);
    let p = plots
        .iter()
        .find(|p| p.name == "durations-s")
        .expect("a duration histogram");
    let Kind::WeightedDurations {
        bins,
        zero_length,
        p50,
        p95,
        seen,
    } = &p.kind
    else {
        panic!("weighted durations: {:?}", p.kind)
    };
    // Every weighted outage is in a bar: the bars sum to the likelihood
    // ratios of all counted outages.
    let w = &tally.weighted.as_ref().unwrap().services[0];
    let total: f64 = analysis::weighted::duration_bins(w).iter().map(|b| b.1).sum();
    let drawn = bins.iter().map(|b| b.2).sum::<f64>() + zero_length;
    assert!((drawn - total).abs() <= 1e-12 * total, "{drawn} against {total}");
    assert_eq!(*seen, s.outages_observed);
    // Over the trials, the weighted outages estimate the outages per
    // mission (each weighted at its end rather than its start: the same
    // expectation, a similar spread).
    let q = two_of_three_chain();
    let exact = mission_averages(&q, &[true, true, false, false], MISSION);
    let per_mission = total / 40_000.0;
    let se = s.outages_per_mission.std_error.unwrap();
    assert!(
        (per_mission - exact.outages).abs() < 4.0 * se,
        "{per_mission} weighted outages per mission against {} (se {se})",
        exact.outages
    );
    // The bars are the phase-type distribution of the design's outages: at
    // each bar's upper edge the weighted share below it is the exact
    // P(duration <= edge), to within the Dvoretzky-Kiefer-Wolfowitz band at
    // 99.9 % for the effective number of weighted values (Kish, counting
    // each trial's weight in each tally bin as one value, which only
    // lowers it), plus the few per thousand outages cut short by the
    // mission's end.
    let squares: f64 = w.durations.values().map(|m| m.total_sq()).sum();
    let effective = total * total / squares;
    let band = (2.0f64 / 0.001).ln() / (2.0 * effective);
    let band = band.sqrt() + 0.003;
    let mut below = zero_length / total;
    for &(_, hi, c) in bins {
        below += c / total;
        let exact = 1.0 - longer_than(hi);
        assert!(
            (below - exact).abs() < band,
            "share below {hi} h: {below}, exact {exact} (band {band}, {effective} effective values)"
        );
    }
    assert!(band < 0.05, "a band too wide to tell anything: {band}");
    // The lines are the report's weighted quantiles.
    let d = s.outage_hours.as_ref().unwrap();
    assert_eq!((*p50, *p95), (d.p50, d.p95));
    let svg = p.svg().unwrap();
    assert!(
        svg.contains("s: weighted outage durations (failure biasing;")
            && svg.contains("weighted share of outages"),
        "the figure says it is weighted"
    );
}

#[test]
fn the_weighted_mean_time_between_outages_is_not_overstated_on_few_outages() {
    // Runs of 40 biased trials see a handful of effective outages each
    // (Kish's count of the weighted down time): the ratio of up time to
    // weighted outages overstates the mean time between outages there
    // (E[1/N] > 1/E[N]), as the plain ratio does. Over 400 seeds its
    // estimator's mean must lie near the exact value, not above it.
    let q = two_of_three_chain();
    let exact = mission_averages(&q, &[true, true, false, false], MISSION);
    let mtbo = exact.availability * MISSION / exact.outages;
    let model = two_of_three();
    let seeds = 400;
    let (mut sum, mut runs, mut few) = (0.0, 0, 0);
    for seed in 0..seeds {
        let run = simulate_rare(&model, 40, 1000 + seed);
        let s = &run.services[0];
        few += usize::from(s.few_outages);
        // A run that saw no outage has no estimate.
        if let Some(e) = &s.mean_time_between_outages_hours {
            sum += e.point;
            runs += 1;
        }
    }
    let mean = sum / f64::from(runs);
    assert!(runs > 390, "{runs} of {seeds} runs saw an outage");
    assert_eq!(few, seeds as usize, "every run rests on few outages");
    assert!(
        (mean / mtbo - 1.0).abs() < 0.05,
        "mean estimate {mean} against the exact {mtbo}"
    );
}
