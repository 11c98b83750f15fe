//! Failure biasing (`--rare on`) against exact answers: small Markov chains
//! solved here, plain simulation where it still works, the likelihood
//! ratio's mean, and determinism across threads.

use std::process::Command;

use redsim::analysis::{self, Method, RunSummary};
use redsim::engine::{self, RareOptions, RunConfig};
use redsim::model::Model;

use redsim::analysis::Estimate;

use crate::common::{assert_exit, expm, model, text};

/// Asserts that `exact` lies within 4 standard errors of the estimate.
#[track_caller]
pub(crate) fn within_4_se(what: &str, est: &Estimate, exact: f64) {
    let se = est.std_error.expect("a standard error");
    assert!(se > 0.0, "{what}: no spread, the test can tell nothing ({est:?})");
    let z = (est.point - exact) / se;
    assert!(
        z.abs() <= 4.0,
        "{what}: estimate {} is {z:.2} standard errors from the exact {exact}",
        est.point
    );
}

/// A 1-of-3 hot-standby set of exponential elements (MTBF 1000 h, the given
/// MTTR) with one repair crew, over a 2000 h mission.
pub(crate) fn one_of_three(mttr: f64) -> String {
    one_of_three_over(mttr, 2000.0)
}

/// The 1-of-3 set of [`one_of_three`] over a mission of `hours`.
pub(crate) fn one_of_three_over(mttr: f64, hours: f64) -> String {
    format!(
        r#"{{"format": "redsim/1", "name": "1-of-3", "mission": "{hours}h", "repair": {{"crews": 1}},
            "components": [{{"id": "c", "count": 3, "mtbf": "1000h", "mttr": {mttr}}}],
            "services": [{{"id": "s", "requires": {{"at_least": 1, "of": ["c-1", "c-2", "c-3"]}}}}]}}"#
    )
}

/// Exact mission-average unavailability and expected outages of the 1-of-3
/// set: a birth-death chain on the number failed (failures at `(3 − k)·λ`,
/// one crew repairing at `μ`), started all up. The occupation integrals are
/// the top-right block of `exp([[Q, I], [0, 0]]·T)`; the down state's is
/// read directly, not as one minus the others, to keep its digits.
pub(crate) fn one_of_three_exact(mttr: f64, mission: f64) -> (f64, f64) {
    let (l, mu) = (1.0 / 1000.0, 1.0 / mttr);
    let n = 4;
    let mut m = vec![vec![0.0; 2 * n]; 2 * n];
    for k in 0..n {
        let up = if k < 3 { (3 - k) as f64 * l } else { 0.0 };
        let down = if k > 0 { mu } else { 0.0 };
        if k < 3 {
            m[k][k + 1] = up * mission;
        }
        if k > 0 {
            m[k][k - 1] = down * mission;
        }
        m[k][k] = -(up + down) * mission;
        m[k][n + k] = mission;
    }
    let e = expm(&m);
    let occupation = |j: usize| e[0][n + j];
    (occupation(3) / mission, occupation(2) * l)
}

fn cfg(trials: u64, threads: Option<usize>) -> RunConfig {
    RunConfig {
        seed: engine::DEFAULT_SEED,
        first_trial: 0,
        trials,
        threads,
    }
}

/// Simulates with failure biasing (default settings) and summarises at 95 %.
fn rare(m: &Model, trials: u64) -> RunSummary {
    crate::common::simulate_rare(m, trials, engine::DEFAULT_SEED)
}

/// The relative half-width of the unavailability interval (infinite when
/// nothing was seen: the interval says nothing relative to the value).
fn rel(run: &RunSummary) -> f64 {
    run.services[0].relative_error.unwrap_or(f64::INFINITY)
}

#[test]
fn hot_standby_unavailability_from_1e_6_to_1e_10_within_4_standard_errors() {
    for (mttr, about, trials) in [(5.5, 1e-6, 10_000), (1.2, 1e-8, 10_000), (0.255, 1e-10, 10_000)] {
        let m = model(&one_of_three(mttr));
        let (u, outages) = one_of_three_exact(mttr, 2000.0);
        assert!(
            u > about / 3.0 && u < about * 3.0,
            "exact unavailability {u}, meant about {about}"
        );
        let run = rare(&m, trials);
        assert_eq!(run.method, Method::FailureBiasing);
        let s = &run.services[0];
        let what = format!("1-of-3, MTTR {mttr} h");
        within_4_se(
            &format!("{what}: unavailability"),
            &s.availability.complement(),
            u,
        );
        within_4_se(
            &format!("{what}: outages per mission"),
            &s.outages_per_mission,
            outages,
        );
        eprintln!(
            "{what}: exact {u:.4e}, biased {:.4e} ± {:.1} %",
            1.0 - s.availability.point,
            100.0 * rel(&run)
        );
        assert!(rel(&run) < 0.2, "{what}: relative half-width {}", rel(&run));
        // Plain simulation at the same trials cannot do as well: at 1e-6 it
        // sees a handful of outages, below that none.
        let plain = crate::common::simulate(&m, trials, engine::DEFAULT_SEED);
        assert_eq!(plain.method, Method::Plain);
        assert!(
            rel(&plain) > 3.0 * rel(&run),
            "{what}: plain {} against biased {}",
            rel(&plain),
            rel(&run)
        );
        // Downtime by cause, weighted, adds up to the weighted downtime.
        let causes: f64 = s
            .downtime_by_cause
            .iter()
            .map(|c| c.downtime_hours_per_year.point)
            .sum();
        let down = s.downtime_hours_per_year.point;
        assert!(
            (causes / down - 1.0).abs() < 1e-9,
            "{what}: causes {causes} against {down}"
        );
        assert!(s.downtime_by_cause.iter().all(|c| c.element.is_some()));
        // The likelihood ratio averages 1 under a sound change of measure.
        let l = run.likelihood_ratio.expect("a biased run's likelihood ratio");
        assert!(
            l.ci_low <= 1.0 && 1.0 <= l.ci_high,
            "{what}: mean likelihood ratio {l:?}"
        );
    }
}

#[test]
fn weibull_elements_agree_with_plain_simulation() {
    // Wear-out (shape 2) and infant mortality (shape 0.7), one crew, at a
    // rarity where plain simulation still sees thousands of outages.
    let m = model(
        r#"{"format": "redsim/1", "name": "weibull pair", "mission": "1000h", "repair": {"crews": 1},
            "components": [
              {"id": "a", "failure": {"weibull": {"shape": 2, "mean": "200h"}}, "mttr": "8h"},
              {"id": "b", "failure": {"weibull": {"shape": 0.7, "mean": "300h"}}, "mttr": "8h"}],
            "services": [{"id": "s", "requires": {"any": ["a", "b"]}}]}"#,
    );
    let biased = rare(&m, 4_000);
    let plain = crate::common::simulate(&m, 40_000, 7);
    let (b, p) = (&biased.services[0], &plain.services[0]);
    for (what, x, y) in [
        (
            "unavailability",
            b.availability.complement(),
            p.availability.complement(),
        ),
        (
            "outages per mission",
            b.outages_per_mission,
            p.outages_per_mission,
        ),
        ("degraded fraction", b.degraded_fraction, p.degraded_fraction),
    ] {
        let se = x.std_error.unwrap().hypot(y.std_error.unwrap());
        assert!(se > 0.0, "{what}: no spread");
        let z = (x.point - y.point) / se;
        assert!(
            z.abs() <= 4.0,
            "{what}: biased {} and plain {} are {z:.2} combined standard errors apart",
            x.point,
            y.point
        );
    }
    // P(no outage): the plain one is a Wilson interval; compare with its half-width.
    let half = (p.p_no_outage.ci_high - p.p_no_outage.ci_low) / 2.0 / 1.96;
    let se = b.p_no_outage.std_error.unwrap().hypot(half);
    assert!((b.p_no_outage.point - p.p_no_outage.point).abs() <= 4.0 * se);
    let l = biased.likelihood_ratio.unwrap();
    assert!(l.ci_low <= 1.0 && 1.0 <= l.ci_high, "mean likelihood ratio {l:?}");
}

/// Asserts that a biased and a plain run of a model with a shock `surge`
/// agree on the unavailability, the outages per mission, the degraded
/// fraction and the downtime the shock began, each within 4 combined
/// standard errors.
#[track_caller]
fn agree_with_plain(b: &redsim::analysis::ServiceSummary, p: &redsim::analysis::ServiceSummary) {
    agree(
        "unavailability",
        &b.availability.complement(),
        &p.availability.complement(),
    );
    agree(
        "outages per mission",
        &b.outages_per_mission,
        &p.outages_per_mission,
    );
    agree("degraded fraction", &b.degraded_fraction, &p.degraded_fraction);
    let surge = |s: &redsim::analysis::ServiceSummary| {
        s.downtime_by_cause
            .iter()
            .find(|c| c.shock.as_deref() == Some("surge"))
            .map(|c| c.downtime_hours_per_year)
            .expect("outages begun by the shock")
    };
    agree("downtime begun by the shock", &surge(b), &surge(p));
}

/// Asserts that a biased and a plain estimate agree within 4 combined standard errors.
#[track_caller]
fn agree(what: &str, biased: &Estimate, plain: &Estimate) {
    let se = biased.std_error.unwrap().hypot(plain.std_error.unwrap());
    assert!(se > 0.0, "{what}: no spread");
    let z = (biased.point - plain.point) / se;
    assert!(
        z.abs() <= 4.0,
        "{what}: biased {} and plain {} are {z:.2} combined standard errors apart",
        biased.point,
        plain.point
    );
}

#[test]
fn an_outage_that_outlasts_its_window_keeps_its_planned_part_under_the_weights() {
    // `c` is patched 2 h every 100 h; failing in its window, it stays down
    // for its 5 h repair and the outage turns unplanned when the window
    // ends. `x` is there to be biased while `c` is down.
    let m = model(
        r#"{"format": "redsim/1", "name": "patched", "mission": "1000h",
            "components": [{"id": "c", "mtbf": "20h", "mttr": "5h"}, {"id": "x", "mtbf": "100h", "mttr": "5h"}],
            "maintenance": [{"id": "patch", "members": ["c"], "every": "100h", "duration": "2h", "start": "50h"}],
            "services": [{"id": "counted", "requires": {"all": ["c", "x"]}},
                         {"id": "uncounted", "requires": {"all": ["c", "x"]}, "planned_counts": false}]}"#,
    );
    let biased = rare(&m, 20_000);
    assert_eq!(biased.method, Method::FailureBiasing);
    let plain = crate::common::simulate(&m, 20_000, 7);
    for s in 0..2 {
        let (b, p) = (&biased.services[s], &plain.services[s]);
        let (bp, pp) = (b.planned.as_ref().unwrap(), p.planned.as_ref().unwrap());
        agree(
            "planned",
            &bp.planned_downtime_hours_per_year,
            &pp.planned_downtime_hours_per_year,
        );
        agree(
            "unplanned",
            &bp.unplanned_downtime_hours_per_year,
            &pp.unplanned_downtime_hours_per_year,
        );
        agree("unavailability", &b.availability, &p.availability);
    }
}

#[test]
fn crews_logistics_shocks_and_an_ageing_standby_keep_their_laws() {
    // Biased: a Weibull active member, an exponential warm standby that
    // ages at 0.3 (its age at failure re-derived as its rate and its bias
    // change), a gamma element and the shock that strikes two of them,
    // with logistics and one crew. Everything but the biased hazards keeps
    // its law, so the estimates must agree with plain simulation.
    let m = model(
        r#"{"format": "redsim/1", "name": "mixed", "mission": "1000h", "repair": {"crews": 1},
            "components": [
              {"id": "a", "failure": {"weibull": {"shape": 1.5, "mean": "300h"}}, "mttr": "10h",
               "logistics": {"exponential": {"mean": "2h"}}},
              {"id": "b", "mtbf": "400h", "mttr": "8h"},
              {"id": "c", "failure": {"gamma": {"shape": 2, "mean": "500h"}}, "mttr": "6h"}],
            "common_cause": [{"id": "surge", "members": ["b", "c"], "mtbf": "3000h", "probability": 0.5}],
            "groups": [{"id": "g", "members": ["a", "b"], "mode": "active-passive",
                        "standby": "warm", "standby_aging": 0.3, "failover": {"switchover": "0.1h"}}],
            "services": [{"id": "s", "requires": {"any": ["group:g", "c"]}}]}"#,
    );
    let biased = rare(&m, 20_000);
    let plain = crate::common::simulate(&m, 100_000, 11);
    let (b, p) = (&biased.services[0], &plain.services[0]);
    assert!(
        p.outages_observed > 300,
        "plain saw {} outages",
        p.outages_observed
    );
    // Downtime by cause too: the shock's share agrees with plain simulation's.
    agree_with_plain(b, p);
    let l = biased.likelihood_ratio.unwrap();
    assert!(l.ci_low <= 1.0 && 1.0 <= l.ci_high, "mean likelihood ratio {l:?}");
}

#[test]
fn plain_tallies_have_no_weighted_part_and_biased_ones_do() {
    let m = model(&one_of_three(1.2));
    let plain = engine::run(&m, &cfg(300, Some(1)), &|_| {}).unwrap();
    assert!(plain.weighted.is_none());
    let biased = engine::run_rare(&m, &cfg(300, Some(1)), &RareOptions::default(), &[], &|_| {}).unwrap();
    let w = biased[0].weighted.as_ref().expect("weighted sums");
    assert_eq!(w.services.len(), 1);
    // Split in two and merged, the sums are the very same bits.
    let halves = engine::run_rare(&m, &cfg(300, Some(2)), &RareOptions::default(), &[100], &|_| {}).unwrap();
    let mut merged = halves[0].clone();
    merged.merge(&halves[1]);
    assert_eq!(merged, biased[0]);
}

fn redsim(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(args)
        .output()
        .expect("run redsim")
}

#[test]
fn rare_reports_are_the_same_bytes_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    std::fs::write(&file, one_of_three(1.2)).unwrap();
    let f = file.to_str().unwrap();
    let run = |threads: &str| {
        let out = redsim(&[
            "run",
            f,
            "--rare",
            "on",
            "--trials",
            "3000",
            "--threads",
            threads,
            "--format",
            "json",
            "-q",
        ]);
        assert_exit(&out, 0);
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let json: serde_json::Value = serde_json::from_slice(&one).unwrap();
    assert_eq!(json["method"], "failure-biasing");
    assert!(json["services"][0]["relative_error"].as_f64().unwrap() > 0.0);
    assert!(json["likelihood_ratio"]["point"].as_f64().is_some());
    // Durations are estimated under the weights.
    assert!(json["services"][0]["outage_hours"]["p95"].as_f64().unwrap() > 0.0);
    // A plain run says so too.
    let out = redsim(&[
        "run", f, "--trials", "100", "--rare", "off", "--format", "json", "-q",
    ]);
    assert_exit(&out, 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["method"], "plain");
    assert!(json.get("likelihood_ratio").is_none());
}

#[test]
fn rare_bias_is_refused_without_biasing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    std::fs::write(&file, one_of_three(1.2)).unwrap();
    let f = file.to_str().unwrap();
    let out = redsim(&["run", f, "--rare", "off", "--rare-bias", "0.3", "--trials", "10"]);
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("--rare on"));
}

/// The SVG files in `dir`, sorted by name, with their contents.
fn svgs(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn check_compare_and_sweep_draw_plots_and_html_from_weighted_estimates() {
    // MTTR 1.2 h: the plain pilot of --rare auto sees too few outages, so
    // auto biases as --rare on does, with --plot and --html as without.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("s.json");
    std::fs::write(&file, one_of_three(1.2)).unwrap();
    let f = file.to_str().unwrap();
    let commands: [(&str, Vec<&str>, &[&str]); 3] = [
        (
            "check",
            vec!["check", f, "--target", "s=99%"],
            &["convergence-s", "durations-s"],
        ),
        (
            "compare",
            vec!["compare", f, f, "--trials", "2000"],
            &["compare-s"],
        ),
        (
            "sweep",
            vec!["sweep", f, "--set", "mission=1000h,2000h", "--trials", "2000"],
            &["sweep-s"],
        ),
    ];
    for (name, args, plots) in commands {
        for rare in ["on", "auto"] {
            let (fig, page) = (
                d.join(format!("{name}-{rare}")),
                d.join(format!("{name}-{rare}.html")),
            );
            let mut all = args.clone();
            all.extend([
                "--rare",
                rare,
                "--format",
                "json",
                "-q",
                "--plot",
                fig.to_str().unwrap(),
                "--html",
                page.to_str().unwrap(),
            ]);
            let out = redsim(&all);
            assert_exit(&out, 0);
            let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(report["method"], "failure-biasing", "{name} --rare {rare}");
            // Every figure is there and names the method in its title.
            let drawn = svgs(&fig);
            let names: Vec<&str> = drawn.iter().map(|(n, _)| n.trim_end_matches(".svg")).collect();
            assert_eq!(names, plots, "{name} --rare {rare}");
            for (n, svg) in &drawn {
                assert!(
                    svg.contains("failure biasing"),
                    "{name}: {n} does not name the method"
                );
            }
            // The page names the method and holds the same figures.
            let html = std::fs::read_to_string(&page).unwrap();
            assert!(
                html.contains("failure-biasing (importance sampling"),
                "{name} --rare {rare}: the page does not name the method"
            );
            for p in plots {
                assert!(
                    html.contains(&format!("id=\"plot-{p}\"")),
                    "{name}: no {p} on the page"
                );
            }
            if name != "check" {
                assert!(
                    html.contains("relative error"),
                    "{name}: no relative error on the page"
                );
            }
        }
        // Outputs stay atomic: a --plot that cannot be a directory is
        // refused before any work, and the page is not written either.
        let (blocker, page) = (
            d.join(format!("{name}-blocker")),
            d.join(format!("{name}-refused.html")),
        );
        std::fs::write(&blocker, "a file").unwrap();
        let mut all = args.clone();
        all.extend([
            "--rare",
            "on",
            "-q",
            "--plot",
            blocker.to_str().unwrap(),
            "--html",
            page.to_str().unwrap(),
        ]);
        let out = redsim(&all);
        assert_exit(&out, 2);
        assert!(text(&out.stderr).contains("--plot"), "{}", text(&out.stderr));
        assert!(
            out.stdout.is_empty() && !page.exists(),
            "{name}: something was written"
        );
        assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "a file");
    }
}

#[test]
fn a_degenerate_likelihood_ratio_is_flagged() {
    // Every degraded period biased at p = 1/2 over a year (about 26
    // periods): the product of the periods' ratios degenerates, its mean
    // falls far below 1, and the report must say its intervals cannot be
    // trusted rather than print them as if they could.
    let m = model(&one_of_three(1.2).replace("2000h", "8760h"));
    let opts = RareOptions {
        p_bias: 0.5,
        mixture: 1.0,
        ..RareOptions::default()
    };
    let parts = engine::run_rare(&m, &cfg(3_000, None), &opts, &[], &|_| {}).unwrap();
    let run = analysis::summarize(&m, &parts[0], 0.95);
    let l = run.likelihood_ratio.unwrap();
    assert!(l.ci_high < 1.0, "mean likelihood ratio {l:?}");
    let w = &run.services[0].warnings;
    assert!(w.iter().any(|w| w.contains("degenerated")), "{w:?}");
    // The defaults hold up over the same year.
    let run = rare(&m, 3_000);
    let l = run.likelihood_ratio.unwrap();
    assert!(l.ci_low <= 1.0 && 1.0 <= l.ci_high, "mean likelihood ratio {l:?}");
    assert!(!run.services[0].warnings.iter().any(|w| w.contains("degenerated")));
}

#[test]
fn a_model_with_nothing_to_bias_says_its_run_was_plain() {
    // Uniform failure laws are not biased: the run is a plain one in effect,
    // and its estimates equal a plain run's weighted by 1.
    let m = model(
        r#"{"format": "redsim/1", "name": "uniform pair", "mission": "1000h",
            "components": [{"id": "g", "count": 2, "failure": {"uniform": {"min": "100h", "max": "500h"}}, "mttr": "10h"}],
            "services": [{"id": "s", "requires": {"any": ["g-*"]}}]}"#,
    );
    let run = rare(&m, 2_000);
    let l = run.likelihood_ratio.unwrap();
    assert_eq!((l.point, l.ci_low, l.ci_high), (1.0, 1.0, 1.0));
    assert!(
        run.services[0]
            .warnings
            .iter()
            .any(|w| w.contains("nothing was biased")),
        "{:?}",
        run.services[0].warnings
    );
    let plain = crate::common::simulate(&m, 2_000, engine::DEFAULT_SEED);
    let (b, p) = (&run.services[0], &plain.services[0]);
    assert!((b.availability.point - p.availability.point).abs() < 1e-12);
    assert_eq!(b.outages_observed, p.outages_observed);
}

/// A 1-of-3 set whose members live a gamma law of shape 2 (mean 1000 h),
/// one crew, the given MTTR, over a 2000 h mission.
fn one_of_three_gamma(mttr: f64) -> String {
    one_of_three(mttr).replace(
        r#""mtbf": "1000h""#,
        r#""failure": {"gamma": {"shape": 2, "mean": "1000h"}}"#,
    )
}

/// Exact unavailability and expected outages of [`one_of_three_gamma`]: a
/// gamma life of shape 2 is two exponential phases of rate 2/mean each
/// (Erlang), so the set is a chain on (members in phase 1, members in
/// phase 2); the rest are failed, one at a time under repair at `μ`, and a
/// repaired member starts again in phase 1.
fn one_of_three_gamma_exact(mttr: f64, mission: f64) -> (f64, f64) {
    let (r, mu) = (2.0 / 1000.0, 1.0 / mttr);
    // All up first: (3, 0).
    let mut states = vec![(3usize, 0usize)];
    for a in 0..=3 {
        for b in 0..=3 - a {
            if (a, b) != (3, 0) {
                states.push((a, b));
            }
        }
    }
    let at = |s: (usize, usize)| states.iter().position(|&x| x == s).unwrap();
    let n = states.len();
    let mut q = vec![vec![0.0; n]; n];
    for (i, &(a, b)) in states.iter().enumerate() {
        let mut to = |j: usize, rate: f64| {
            q[i][j] += rate;
            q[i][i] -= rate;
        };
        if a > 0 {
            to(at((a - 1, b + 1)), a as f64 * r);
        }
        if b > 0 {
            to(at((a, b - 1)), b as f64 * r);
        }
        if a + b < 3 {
            to(at((a + 1, b)), mu);
        }
    }
    let occ = crate::common::occupations(&q, mission);
    (occ[at((0, 0))] / mission, occ[at((0, 1))] * r)
}

#[test]
fn gamma_lives_at_1e_8_within_4_standard_errors_of_their_erlang_chain() {
    // Gamma lives are biased by scaling their hazard: without it a 1e-8
    // design sees no outage in these trials and there is nothing to test.
    let mttr = 1.3;
    let m = model(&one_of_three_gamma(mttr));
    let (u, outages) = one_of_three_gamma_exact(mttr, 2000.0);
    assert!(u > 3e-9 && u < 3e-8, "exact unavailability {u}, meant about 1e-8");
    let run = rare(&m, 20_000);
    let s = &run.services[0];
    within_4_se("gamma 1-of-3: unavailability", &s.availability.complement(), u);
    within_4_se(
        "gamma 1-of-3: outages per mission",
        &s.outages_per_mission,
        outages,
    );
    eprintln!(
        "gamma 1-of-3: exact {u:.4e}, biased {:.4e} ± {:.1} %",
        1.0 - s.availability.point,
        100.0 * rel(&run)
    );
    assert!(rel(&run) < 0.2, "relative half-width {}", rel(&run));
    let l = run.likelihood_ratio.unwrap();
    assert!(l.ci_low <= 1.0 && 1.0 <= l.ci_high, "mean likelihood ratio {l:?}");
    assert!(
        !s.warnings.iter().any(|w| w.contains("nothing was biased")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn lognormal_and_gamma_lives_agree_with_plain_simulation() {
    // Two designs, each a pair that needs one member up, one crew:
    // lognormal lives (median 400 h, σ 1: a hazard that rises, then
    // falls) and gamma lives of shape 0.5 (a hazard that falls), rare
    // enough that biasing matters yet within reach of a long plain run.
    for (what, law) in [
        ("lognormal", r#"{"lognormal": {"median": "400h", "sigma": 1}}"#),
        ("gamma", r#"{"gamma": {"shape": 0.5, "mean": "800h"}}"#),
    ] {
        let m = model(&format!(
            r#"{{"format": "redsim/1", "name": "{what} pair", "mission": "2000h", "repair": {{"crews": 1}},
                "components": [{{"id": "c", "count": 2, "failure": {law}, "mttr": "6h"}}],
                "services": [{{"id": "s", "requires": {{"any": ["c-1", "c-2"]}}}}]}}"#
        ));
        let biased = rare(&m, 20_000);
        let plain = crate::common::simulate(&m, 400_000, 7);
        let (b, p) = (&biased.services[0], &plain.services[0]);
        assert!(
            p.outages_observed > 1_000,
            "{what}: plain saw {} outages",
            p.outages_observed
        );
        eprintln!(
            "{what} pair: plain {:.4e} ± {:.1} %, biased {:.4e} ± {:.1} %",
            1.0 - p.availability.point,
            100.0 * rel(&plain),
            1.0 - b.availability.point,
            100.0 * rel(&biased)
        );
        agree(
            &format!("{what}: unavailability"),
            &b.availability.complement(),
            &p.availability.complement(),
        );
        agree(
            &format!("{what}: outages per mission"),
            &b.outages_per_mission,
            &p.outages_per_mission,
        );
        agree(
            &format!("{what}: degraded fraction"),
            &b.degraded_fraction,
            &p.degraded_fraction,
        );
        let l = biased.likelihood_ratio.unwrap();
        assert!(
            l.ci_low <= 1.0 && 1.0 <= l.ci_high,
            "{what}: mean likelihood ratio {l:?}"
        );
    }
}

/// Four members (MTBF 1000 h, the given MTTR) of which the service needs 2
/// up, one crew, and a shock every 2000 h on average (exponential) that
/// fails `c-1` and `c-2` at once, over a 2000 h mission. A shock alone
/// leaves the service up; an outage takes a shock and an independent
/// failure (in either order) or three independent failures.
fn two_of_four_shock(mttr: f64) -> String {
    format!(
        r#"{{"format": "redsim/1", "name": "2-of-4 + shock", "mission": "2000h", "repair": {{"crews": 1}},
            "components": [{{"id": "c", "count": 4, "mtbf": "1000h", "mttr": {mttr}}}],
            "common_cause": [{{"id": "surge", "members": ["c-1", "c-2"], "mtbf": "2000h", "probability": 1}}],
            "services": [{{"id": "s", "requires": {{"at_least": 2, "of": ["c-1", "c-2", "c-3", "c-4"]}}}}]}}"#
    )
}

/// Exact unavailability and expected outages of [`two_of_four_shock`]. The
/// members struck by the shock (class A: `c-1`, `c-2`) and the others
/// (class B) are each exchangeable, and the crew repairs in order of
/// failure (FIFO), so a state is the line of failed members' classes, the
/// first under repair: up members fail at `λ` each, joining the line; the
/// shock (rate `λ_s`) appends every A member that is up; a repair (`μ`)
/// takes the first off. The service is down with 3 or more in line.
fn two_of_four_shock_exact(mttr: f64, mission: f64) -> (f64, f64) {
    let (l, ls, mu) = (1.0 / 1000.0, 1.0 / 2000.0, 1.0 / mttr);
    let mut states: Vec<Vec<bool>> = vec![vec![]]; // true: class A
    for len in 1..=4usize {
        for bits in 0..1u32 << len {
            let line: Vec<bool> = (0..len).map(|i| bits >> i & 1 == 1).collect();
            let a = line.iter().filter(|&&x| x).count();
            if a <= 2 && len - a <= 2 {
                states.push(line);
            }
        }
    }
    let at = |s: &[bool]| states.iter().position(|x| x == s).unwrap();
    let n = states.len();
    let mut q = vec![vec![0.0; n]; n];
    for (i, line) in states.iter().enumerate() {
        let a = line.iter().filter(|&&x| x).count();
        let (up_a, up_b) = (2 - a, 2 - (line.len() - a));
        let mut to = |line: Vec<bool>, rate: f64| {
            let j = at(&line);
            q[i][j] += rate;
            q[i][i] -= rate;
        };
        let with = |extra: &[bool]| [line.as_slice(), extra].concat();
        if up_a > 0 {
            to(with(&[true]), up_a as f64 * l);
            to(with(&vec![true; up_a]), ls);
        }
        if up_b > 0 {
            to(with(&[false]), up_b as f64 * l);
        }
        if !line.is_empty() {
            to(line[1..].to_vec(), mu);
        }
    }
    let occ = crate::common::occupations(&q, mission);
    let mut down = 0.0;
    let mut outages = 0.0;
    for (i, line) in states.iter().enumerate() {
        if line.len() >= 3 {
            down += occ[i];
        } else {
            for (j, other) in states.iter().enumerate() {
                if other.len() >= 3 {
                    outages += occ[i] * q[i][j];
                }
            }
        }
    }
    (down / mission, outages)
}

#[test]
fn two_of_four_with_a_shock_from_1e_6_to_1e_10_within_4_standard_errors() {
    // Half the outages begin with an independent failure that the shock
    // completes: unless the shock is biased too, those paths are never
    // seen at 1e-10 and the estimate is about half the exact value.
    for (mttr, about, trials) in [
        (0.7, 1e-6, 100_000),
        (0.07, 1e-8, 100_000),
        (0.007, 1e-10, 100_000),
    ] {
        let m = model(&two_of_four_shock(mttr));
        let (u, outages) = two_of_four_shock_exact(mttr, 2000.0);
        assert!(
            u > about / 3.0 && u < about * 3.0,
            "exact unavailability {u}, meant about {about}"
        );
        let run = rare(&m, trials);
        let s = &run.services[0];
        let what = format!("2-of-4 + shock, MTTR {mttr} h");
        within_4_se(
            &format!("{what}: unavailability"),
            &s.availability.complement(),
            u,
        );
        within_4_se(
            &format!("{what}: outages per mission"),
            &s.outages_per_mission,
            outages,
        );
        eprintln!(
            "{what}: exact {u:.4e}, biased {:.4e} ± {:.1} %",
            1.0 - s.availability.point,
            100.0 * rel(&run)
        );
        assert!(rel(&run) < 0.15, "{what}: relative half-width {}", rel(&run));
        // Its mean is 1 under a sound change of measure (held to the same
        // 4 standard errors: a 95 % interval misses 1 in one run of 20).
        let l = run.likelihood_ratio.expect("a biased run's likelihood ratio");
        within_4_se(&format!("{what}: mean likelihood ratio"), &l, 1.0);
    }
}

#[test]
fn two_of_four_with_a_shock_agrees_with_plain_simulation_where_plain_can_measure() {
    // At MTTR 5 h (about 5e-5) a long plain run sees thousands of outages.
    let mttr = 5.0;
    let m = model(&two_of_four_shock(mttr));
    let biased = rare(&m, 20_000);
    let plain = crate::common::simulate(&m, 200_000, 7);
    let (b, p) = (&biased.services[0], &plain.services[0]);
    assert!(
        p.outages_observed > 1_000,
        "plain saw {} outages",
        p.outages_observed
    );
    agree_with_plain(b, p);
    let (u, _) = two_of_four_shock_exact(mttr, 2000.0);
    within_4_se("biased", &b.availability.complement(), u);
    within_4_se("plain", &p.availability.complement(), u);
}

#[test]
fn lognormal_lives_that_make_the_design_rare_agree_with_a_long_plain_run() {
    // A 1-of-3 set of lognormal lives (median 800 h, σ 0.6), one crew, at
    // about 2.7e-6: 20,000 biased trials against a million plain ones
    // (about 700 outages), the most plain simulation affords here.
    let m = model(
        r#"{"format": "redsim/1", "name": "1-of-3 lognormal", "mission": "2000h", "repair": {"crews": 1},
            "components": [{"id": "c", "count": 3, "failure": {"lognormal": {"median": "800h", "sigma": 0.6}}, "mttr": 8}],
            "services": [{"id": "s", "requires": {"at_least": 1, "of": ["c-1", "c-2", "c-3"]}}]}"#,
    );
    let biased = rare(&m, 20_000);
    let plain = crate::common::simulate(&m, 1_000_000, 7);
    let (b, p) = (&biased.services[0], &plain.services[0]);
    assert!(
        p.outages_observed > 300,
        "plain saw {} outages",
        p.outages_observed
    );
    eprintln!(
        "lognormal 1-of-3: plain {:.4e} ± {:.1} %, biased {:.4e} ± {:.1} %",
        1.0 - p.availability.point,
        100.0 * rel(&plain),
        1.0 - b.availability.point,
        100.0 * rel(&biased)
    );
    assert!(rel(&biased) < 0.15, "relative half-width {}", rel(&biased));
    agree(
        "unavailability",
        &b.availability.complement(),
        &p.availability.complement(),
    );
    agree(
        "outages per mission",
        &b.outages_per_mission,
        &p.outages_per_mission,
    );
    let l = biased.likelihood_ratio.unwrap();
    within_4_se("mean likelihood ratio", &l, 1.0);
}

#[test]
fn lives_failure_biasing_does_not_scale_are_named_in_a_warning() {
    // Uniform and fixed laws keep their law under biasing (sound, not
    // accelerated): the report names the elements and shocks that have one.
    let m = model(
        r#"{"format": "redsim/1", "name": "mixed laws", "mission": "1000h",
            "components": [{"id": "a", "mtbf": "500h", "mttr": "5h"}, {"id": "b", "mtbf": "500h", "mttr": "5h"},
                           {"id": "u", "failure": {"uniform": {"min": "100h", "max": "900h"}}, "mttr": "5h"}],
            "common_cause": [{"id": "tick", "members": ["a"], "failure": {"fixed": "700h"}, "probability": 0.5}],
            "services": [{"id": "s", "requires": {"any": ["a", "b", "u"]}}]}"#,
    );
    let run = rare(&m, 200);
    let w = &run.services[0].warnings;
    let named: Vec<&String> = w.iter().filter(|w| w.contains("does not scale")).collect();
    assert_eq!(named.len(), 1, "{w:?}");
    assert!(
        named[0].contains("`u`") && named[0].contains("`tick`"),
        "{named:?}"
    );
    assert!(
        !named[0].contains("`a`") && !named[0].contains("`b`"),
        "{named:?}"
    );
    // Nothing of the kind where every law is scaled.
    let run = rare(&model(&one_of_three(1.2)), 200);
    assert!(
        !run.services[0]
            .warnings
            .iter()
            .any(|w| w.contains("does not scale")),
        "{:?}",
        run.services[0].warnings
    );
}

#[test]
fn biased_shocks_and_gamma_lives_give_the_same_sums_on_any_threads_and_split() {
    // Rescheduled shocks (a lognormal time between strikes) and gamma
    // lives re-derived from their budgets: a trial is still a pure function
    // of (plan, seed, trial), so the exact sums are the same bits on one
    // thread, on two, and split at a checkpoint and merged.
    let json = two_of_four_shock(0.07)
        .replace(
            r#""mtbf": "1000h""#,
            r#""failure": {"gamma": {"shape": 2, "mean": "1000h"}}"#,
        )
        .replace(
            r#""mtbf": "2000h""#,
            r#""failure": {"lognormal": {"median": "1500h", "sigma": 0.8}}"#,
        );
    let m = model(&json);
    let opts = RareOptions::default();
    let one = engine::run_rare(&m, &cfg(3_000, Some(1)), &opts, &[], &|_| {}).unwrap();
    let two = engine::run_rare(&m, &cfg(3_000, Some(2)), &opts, &[], &|_| {}).unwrap();
    assert_eq!(one, two);
    let halves = engine::run_rare(&m, &cfg(3_000, Some(2)), &opts, &[1_000], &|_| {}).unwrap();
    let mut merged = halves[0].clone();
    merged.merge(&halves[1]);
    assert_eq!(merged, one[0]);
    let w = one[0].weighted.as_ref().expect("weighted sums");
    assert!(
        one[0].services[0].outages.sum > 0,
        "the biased trials saw outages"
    );
    assert!(!w.services.is_empty());
}

#[test]
fn rare_bias_is_bounded_and_noted_when_auto_stays_plain() {
    let file = format!("{}/scenarios/seed-network.json", env!("CARGO_MANIFEST_DIR"));
    // Past 0.9 trials run far longer for nothing: bad input, exit 2, with why.
    for p in ["0.95", "0.999999"] {
        let out = redsim(&["run", &file, "--rare-bias", p, "--trials", "10"]);
        assert_exit(&out, 2);
        let e = text(&out.stderr);
        assert!(
            e.contains("is above 0.9") && e.contains("give at most 0.9"),
            "{e}"
        );
    }
    let out = redsim(&[
        "run",
        &file,
        "--rare",
        "on",
        "--rare-bias",
        "0.9",
        "--trials",
        "10",
        "-q",
    ]);
    assert_exit(&out, 0);
    // seed-network sees thousands of outages in 5,000 trials: auto stays
    // plain, and says that the bias given did nothing (run and compare).
    let said = "--rare auto stayed plain: --rare-bias 0.3 has no effect";
    let out = redsim(&["run", &file, "--rare-bias", "0.3", "--trials", "5000"]);
    assert_exit(&out, 0);
    assert!(text(&out.stderr).contains(said), "{}", text(&out.stderr));
    let out = redsim(&["compare", &file, &file, "--rare-bias", "0.3", "--trials", "5000"]);
    assert_exit(&out, 0);
    assert!(text(&out.stderr).contains(said), "{}", text(&out.stderr));
    // Without --rare-bias, no such note.
    let out = redsim(&["run", &file, "--trials", "5000"]);
    assert!(
        !text(&out.stderr).contains("--rare-bias"),
        "{}",
        text(&out.stderr)
    );
}
