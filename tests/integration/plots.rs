//! Plots show the numbers of the reports they go with: the data of each
//! figure is checked against the tally, summary or trace it was drawn from,
//! and the drawings are checked to be real SVG and PNG images.

use std::process::Command;

use redsim::analysis;
use redsim::engine::{self, RunConfig, TICKS_PER_HOUR};
use redsim::plot::{Kind, Plot, Span, figures};

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> redsim::model::Model {
    redsim::scenario::load(std::path::Path::new(&scenario(name)))
        .expect("a bundled scenario")
        .model
}

fn cfg(trials: u64) -> RunConfig {
    RunConfig {
        seed: 11,
        first_trial: 0,
        trials,
        threads: Some(2),
    }
}

/// Decodes a PNG and returns its size and the number of distinct colours.
fn png_info(bytes: &[u8]) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    let px = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    (info.width, info.height, colours.len())
}

#[track_caller]
fn assert_drawn(p: &Plot, texts: &[&str]) {
    let svg = p.svg().expect("drawn as SVG");
    assert!(svg.contains("<svg"), "{}: not SVG", p.name);
    for t in texts {
        assert!(svg.contains(t), "{}: no `{t}` in the SVG", p.name);
    }
    assert_eq!(svg, p.svg().unwrap(), "{}: the SVG is not reproducible", p.name);
    let (w, h, colours) = png_info(&p.png().expect("drawn as PNG"));
    assert_eq!((w, h), p.size());
    // Text (antialiased), axes and data: a blank or one-colour image would fail.
    assert!(colours > 20, "{}: only {colours} colours in the PNG", p.name);
}

#[test]
fn run_plots_show_the_tally_durations_and_the_running_estimate() {
    let m = load("seed-network.json");
    let trials = 3_000;
    let ends = engine::checkpoints(trials);
    let segments = engine::run_segmented(&m, &cfg(trials), &ends, &|_| {}).unwrap();
    let tally = engine::run(&m, &cfg(trials), &|_| {}).unwrap();
    let summary = analysis::summarize(&m, &tally, 0.95);
    let plots = figures::run(&m, &summary, &tally, &segments);
    assert_eq!(plots.len(), 2, "durations and convergence of `app`");
    let durations = &plots[0];
    let Kind::Durations {
        bins,
        zero_length,
        p50,
        ..
    } = &durations.kind
    else {
        panic!("a duration histogram first: {:?}", durations.kind)
    };
    let counted: u64 = bins.iter().map(|b| b.2).sum::<u64>() + zero_length;
    assert_eq!(
        counted, tally.services[0].durations.count,
        "every outage is in a bar"
    );
    assert!(
        bins.windows(2).all(|w| (w[0].1 - w[1].0).abs() < 1e-9 * w[1].0),
        "contiguous bins"
    );
    let median = summary.services[0].outage_hours.unwrap().p50;
    assert!(
        (p50 - median).abs() < 1e-9 * median,
        "the median line is the report's p50"
    );
    assert_drawn(
        durations,
        &[
            "outage duration (log scale)",
            "share of outages [%]",
            "app: outage durations",
        ],
    );

    let conv = &plots[1];
    let Kind::Convergence {
        points, references, ..
    } = &conv.kind
    else {
        panic!("convergence second: {:?}", conv.kind)
    };
    let trials_at: Vec<u64> = points.iter().map(|p| p.0).collect();
    assert_eq!(
        trials_at,
        ends.iter().copied().filter(|&e| e >= 2).collect::<Vec<_>>()
    );
    assert_eq!(
        points.last().unwrap().1,
        summary.services[0].availability,
        "ends at the report's estimate"
    );
    // Each point is the estimate from the trials so far.
    let (k, part) = (points.len() / 2, points[points.len() / 2].0);
    let first = engine::run(&m, &cfg(part), &|_| {}).unwrap();
    assert_eq!(
        points[k].1,
        analysis::summarize(&m, &first, 0.95).services[0].availability
    );
    let analysis::structure::Exact::Solved(x) = &summary.services[0].exact else {
        panic!("the seed network has an exact value")
    };
    assert_eq!(references[0].1, x.availability);
    assert_drawn(
        conv,
        &[
            "trials (log scale)",
            "availability",
            "95 % confidence interval",
            "estimate",
        ],
    );
}

#[test]
fn the_timeline_is_the_trace_of_the_trial() {
    let m = load("firewall-pair-failover.json");
    // Trial 8 has a failed switch: `app` goes down with no element down.
    let trial = 8;
    let seed = engine::DEFAULT_SEED;
    let events = engine::trace(&m, seed, trial).unwrap();
    let plot = figures::timeline(&m, &events, trial);
    let Kind::Timeline {
        from,
        rows,
        horizon,
        omitted,
    } = &plot.kind
    else {
        panic!("a timeline: {:?}", plot.kind)
    };
    assert_eq!((*from, *horizon), (0.0, m.mission));
    assert_eq!(*omitted, 0);
    assert_eq!(rows[0].label, "app", "services on top");
    // The service's down spans add up to the trial's down time in the tally.
    let alone = engine::run(
        &m,
        &RunConfig {
            seed,
            first_trial: trial,
            trials: 1,
            threads: Some(1),
        },
        &|_| {},
    )
    .unwrap();
    let down_ticks = alone.services[0].down.sum as u64;
    let down: f64 = rows[0]
        .spans
        .iter()
        .filter(|s| s.2 == Span::Down)
        .map(|s| s.1 - s.0)
        .sum();
    assert!(
        (down * TICKS_PER_HOUR - down_ticks as f64).abs() <= 1.0,
        "down {down} h in the timeline, {down_ticks} ticks in the tally"
    );
    assert!(down > 0.0, "trial 8 has outages");
    let covered: f64 = rows[0].spans.iter().map(|s| s.1 - s.0).sum();
    assert!(
        (covered - m.mission).abs() < 1e-6,
        "the service row covers the mission"
    );
    // Every element row is an element that failed in the trace.
    for row in &rows[1..] {
        let e = m
            .elements
            .iter()
            .position(|e| e.id == row.label)
            .expect("an element");
        let failures = events
            .iter()
            .filter(
                |ev| matches!(ev, engine::TraceEvent::Element { element, up: false, .. } if *element == e),
            )
            .count();
        let spans = row.spans.iter().filter(|s| s.2 == Span::Down).count();
        assert_eq!(spans, failures, "{}: one repair span per failure", row.label);
    }
    assert_drawn(
        &plot,
        &["time in the mission [h]", "app", "service down / element under"],
    );
}

#[test]
fn sweep_and_compare_plots_carry_the_reported_estimates() {
    let m = load("fleet-one-crew.json");
    let base = scenario("fleet-one-crew.json");
    let mut points = Vec::new();
    for crews in ["1", "2"] {
        let set = vec![format!("repair.crews={crews}")];
        let sc = redsim::scenario::load_with(std::path::Path::new(&base), &set).unwrap();
        let tally = engine::run(&sc.model, &cfg(1_000), &|_| {}).unwrap();
        points.push((set, analysis::summarize(&sc.model, &tally, 0.95).services));
    }
    let rows: Vec<(Vec<String>, &[analysis::ServiceSummary])> =
        points.iter().map(|(s, v)| (s.clone(), v.as_slice())).collect();
    let plots = figures::sweep(&["repair.crews".into()], &rows, analysis::Method::Plain);
    assert_eq!(plots.len(), m.services.len());
    let Kind::Panels { panels, lines } = &plots[0].kind else {
        panic!("panels")
    };
    assert!(*lines);
    assert_eq!(panels.len(), 3, "availability, downtime, outages");
    assert_eq!(panels[0].categories, vec!["1", "2"]);
    for (i, (_, services)) in points.iter().enumerate() {
        assert_eq!(panels[0].series[0].1[i], Some(services[0].availability));
        assert_eq!(
            panels[1].series[0].1[i],
            Some(services[0].downtime_hours_per_year)
        );
        assert_eq!(panels[2].series[0].1[i], Some(services[0].outages_per_year));
    }
    // A point on too few effective outages (the one whose run warns so) is
    // flagged (drawn hollow), the others not.
    for (i, (_, services)) in points.iter().enumerate() {
        let few = services[0].few_outages;
        assert_eq!(few, !services[0].warnings.is_empty(), "point {i}");
        assert!(panels.iter().all(|p| p.few[0][i] == few), "point {i}");
    }
    assert_drawn(
        &plots[0],
        &["repair.crews", "downtime per year [h]", "outages per year"],
    );

    let a = load("web-tier-parallel.json");
    let b = load("web-tier-active-passive.json");
    let models = [&a, &b];
    let matched: Vec<Vec<usize>> = analysis::compare::shared_services(&models)
        .into_iter()
        .map(|(_, idx)| idx)
        .collect();
    let paired = engine::run_paired(&models, &matched, &cfg(1_000), &|_| {}).unwrap();
    let paired = analysis::compare::CompareTally::Paired(paired);
    let services = analysis::compare::compare(&models, &paired, 0.95);
    let plots = figures::compare(
        &["A: parallel".into(), "B: active-passive".into()],
        &services,
        analysis::Method::Plain,
    );
    let Kind::Panels { panels, lines } = &plots[0].kind else {
        panic!("panels")
    };
    assert!(!lines, "bars");
    assert_eq!(panels.len(), 4, "two quantities, then their differences");
    let paired = services[0]
        .differences
        .iter()
        .find(|d| d.quantity == analysis::compare::Quantity::DowntimeHoursPerYear)
        .unwrap()
        .paired;
    assert_eq!(panels[2].series[0].1, vec![paired]);
    assert!(panels[2].zero_line);
    // The parallel design sees almost no outages in 1000 trials: its bars,
    // and the differences from it, are flagged as too few to trust.
    assert_eq!(services[0].few_outages, vec![true, false]);
    assert_eq!(services[0].warnings.len(), 1, "{:?}", services[0].warnings);
    assert!(services[0].warnings[0].starts_with("design A saw only"));
    assert_eq!(panels[0].few, vec![vec![true, false]]);
    assert_eq!(
        panels[2].few,
        vec![vec![true]],
        "a difference from a flagged baseline"
    );
    assert_drawn(
        &plots[0],
        &[
            "A: parallel",
            "B: active-passive",
            "difference from the baseline",
            "too few to",
        ],
    );
}

/// The names of the files in `dir`, sorted.
fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn plot_dir_holds_an_svg_and_a_png_of_each_figure() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_redsim");
    let out = |args: &[&str]| {
        let o = Command::new(bin).args(args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let d = dir.path().join("plots");
    let ds = d.to_str().unwrap();
    out(&[
        "run",
        &scenario("seed-network.json"),
        "--trials",
        "500",
        "-q",
        "--rare",
        "off",
        "--plot",
        ds,
    ]);
    out(&[
        "trace",
        &scenario("seed-network.json"),
        "--trial",
        "3",
        "--plot",
        ds,
    ]);
    let (a, b) = (
        scenario("web-tier-parallel.json"),
        scenario("web-tier-active-active.json"),
    );
    out(&["compare", &a, &b, "--trials", "200", "--plot", ds]);
    out(&[
        "sweep",
        &a,
        "--set",
        "repair.crews=1,2",
        "--trials",
        "200",
        "--plot",
        ds,
    ]);
    assert_eq!(
        names_in(&d),
        [
            "compare-web.png",
            "compare-web.svg",
            "convergence-app.png",
            "convergence-app.svg",
            "durations-app.png",
            "durations-app.svg",
            "sweep-web.png",
            "sweep-web.svg",
            "timeline-trial-3.png",
            "timeline-trial-3.svg",
        ]
    );
    // check draws the plots of its last look.
    let c = dir.path().join("check-plots");
    let o = Command::new(bin)
        .args([
            "check",
            &scenario("seed-network.json"),
            "--target",
            "app=99.9%",
            "--plot",
        ])
        .arg(&c)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        names_in(&c),
        [
            "convergence-app.png",
            "convergence-app.svg",
            "durations-app.png",
            "durations-app.svg"
        ]
    );
    // A path that cannot be a directory is a clear error, not a panic.
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let o = Command::new(bin)
        .args([
            "trace",
            &scenario("seed-network.json"),
            "--plot",
            file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--plot") && err.contains("is not a directory"),
        "{err}"
    );
}

#[test]
fn services_whose_ids_sanitise_alike_or_are_very_long_get_their_own_plot_files() {
    let dir = tempfile::tempdir().unwrap();
    // 232 characters: long for a file name, within the 256 allowed for an id.
    let long = "very-long-service-identifier-".repeat(8);
    let file = dir.path().join("odd.json");
    std::fs::write(
        &file,
        format!(
            r#"{{"format": "redsim/1", "name": "odd ids", "mission": "1y",
                "components": [{{"id": "a", "mtbf": "500h", "mttr": "10h"}}],
                "services": [
                    {{"id": "web/a", "requires": {{"all": ["a"]}}}},
                    {{"id": "web:a", "requires": {{"all": ["a"]}}}},
                    {{"id": "web_a-66769e2e096203a1", "requires": {{"all": ["a"]}}}},
                    {{"id": "{long}", "requires": {{"all": ["a"]}}}}
                ]}}"#
        ),
    )
    .unwrap();
    let d = dir.path().join("plots");
    let o = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--trials",
            "50",
            "-q",
            "--rare",
            "off",
            "--plot",
        ])
        .arg(&d)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let names: std::collections::BTreeSet<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // Durations and convergence of four services, as SVG and PNG: none
    // overwritten (`web_a-66769e2e096203a1` was once the name `web/a` was given).
    assert_eq!(names.len(), 16, "{names:?}");
    for name in ["durations-web~2Fa.svg", "convergence-web_a-66769e2e096203a1.png"] {
        assert!(names.contains(name), "{name} is not in {names:?}");
    }
}

#[test]
fn a_run_of_few_trials_marks_its_one_estimate() {
    // Up to 10 trials the running estimate has one point: no line, no band.
    let m = load("series.json");
    let trials = 2;
    let segments = engine::run_segmented(&m, &cfg(trials), &engine::checkpoints(trials), &|_| {}).unwrap();
    let tally = engine::run(&m, &cfg(trials), &|_| {}).unwrap();
    let summary = analysis::summarize(&m, &tally, 0.95);
    let plots = figures::run(&m, &summary, &tally, &segments);
    let conv = plots
        .iter()
        .find(|p| matches!(p.kind, Kind::Convergence { .. }))
        .expect("a convergence plot");
    let Kind::Convergence { points, .. } = &conv.kind else {
        unreachable!()
    };
    assert_eq!(points.len(), 1);
    let svg = conv.svg().unwrap();
    assert!(svg.contains("<circle"), "the estimate is not drawn: {svg}");
    assert_drawn(conv, &["estimate"]);
}

#[test]
fn a_zoomed_timeline_shows_a_50_minute_outage_in_a_year() {
    // `a` fails at 4000 h and is back 50 minutes later; the mission is a year.
    let doc = r#"{"format": "redsim/1", "name": "blip", "mission": "1y",
      "components": [{"id": "a", "failure": {"fixed": "4000h"}, "repair": {"fixed": "50m"}},
                     {"id": "b", "failure": {"fixed": "8000h"}, "repair": {"fixed": "1h"}}],
      "services": [{"id": "s", "requires": "a"}, {"id": "t", "requires": "b"}]}"#;
    let m = crate::common::model(doc);
    let events = engine::trace(&m, 1, 0).unwrap();
    let plot = figures::timeline_between(&m, &events, 0, 3999.0, 4001.0);
    let Kind::Timeline {
        from,
        horizon,
        rows,
        omitted,
    } = &plot.kind
    else {
        panic!("a timeline: {:?}", plot.kind)
    };
    assert_eq!((*from, *horizon, *omitted), (3999.0, 4001.0, 0));
    // Both services have rows, cut to the window; only `a` changed in it.
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(labels, ["s", "t", "a"]);
    let down: Vec<(f64, f64)> = rows[0]
        .spans
        .iter()
        .filter(|s| s.2 == Span::Down)
        .map(|s| (s.0, s.1))
        .collect();
    assert_eq!(down.len(), 1);
    assert!((down[0].0 - 4000.0).abs() < 1e-9 && (down[0].1 - (4000.0 + 50.0 / 60.0)).abs() < 1e-9);
    assert!(
        rows.iter()
            .flat_map(|r| &r.spans)
            .all(|s| s.0 >= 3999.0 && s.1 <= 4001.0)
    );
    let svg = plot.svg().unwrap();
    assert!(
        svg.contains("Trial 0 from 3999 h to 4001 h"),
        "the title names the window"
    );
    // Ticks carry the decimals a two-hour window needs.
    assert!(svg.contains("\n4000.20\n"), "tick labels with decimals:\n{svg}");

    // The CLI: --from/--to with --plot, in durations or hours; a window outside the mission is refused.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("blip.json");
    std::fs::write(&file, doc).unwrap();
    let plots = dir.path().join("p");
    let trace = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_redsim"))
            .arg("trace")
            .arg(&file)
            .args(["--seed", "1", "--plot"])
            .arg(&plots)
            .args(args)
            .output()
            .unwrap()
    };
    let out = trace(&["--from", "3999", "--to", "4001h"]);
    crate::common::assert_exit(&out, 0);
    let svg = std::fs::read_to_string(plots.join("timeline-trial-0.svg")).unwrap();
    assert_eq!(svg, plot.svg().unwrap(), "the CLI draws the same zoomed figure");
    for bad in [["--from", "2y", "--to", "3y"], ["--from", "10h", "--to", "5h"]] {
        let out = trace(&bad);
        crate::common::assert_exit(&out, 2);
        assert!(String::from_utf8_lossy(&out.stderr).contains("the window must start before it ends"));
    }
}
