//! `redsim check`: decide whether each service meets its targets.

use std::path::PathBuf;

use anyhow::Context;
use clap::ValueEnum;

use crate::analysis;
use crate::analysis::adaptive::{AutoPilot, Batches, Ended};
use crate::engine::{self, DEFAULT_SEED, RunConfig};
use crate::report::export::{CheckExport, Exporter, Html, Junit};
use crate::report::{self};
use crate::scenario::{self};

use super::common::{commit_decided, load_set, provenance, put_plots, thousands};
use super::options::{
    Changes, Format, RunFlags, parse_confidence, parse_index, parse_seconds, parse_threads, parse_trials,
};
use super::output::Outputs;
use super::progress::Progress;
use super::rare::{RareRequest, pilot_progress, rare_request, settle_auto};
use super::{EXIT_CHECK_FAILED, EXIT_OK, EXIT_UNDECIDED, shard};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Undecided {
    /// Exit 3 when a target is undecided (and no target is missed).
    Report,
    /// Count an undecided target as missed (exit 1).
    Fail,
    /// Count an undecided target as met.
    Pass,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    /// A target, added to the scenario's: `SERVICE=99.95%` (availability) or
    /// `SERVICE.KEY=VALUE` with KEY one of availability, max_downtime_per_year
    /// (a duration), max_outages_per_year, max_p_outage_over_rto, no_spof.
    #[arg(long = "target", value_name = "SPEC")]
    pub targets: Vec<String>,
    /// Overall confidence of the verdicts.
    #[arg(long, default_value_t = 0.95, value_parser = parse_confidence)]
    pub confidence: f64,
    /// Trials of the first batch; each next batch doubles the total.
    #[arg(long, default_value_t = 2_000, value_parser = parse_trials)]
    pub first_trials: u64,
    /// Stop simulating after this many trials.
    #[arg(long, default_value_t = 1_024_000, value_parser = parse_trials)]
    pub max_trials: u64,
    /// Stop simulating after this many seconds, or a duration such as 20s,
    /// 5m or 1h (makes the stopping point depend on the machine).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub max_time: Option<f64>,
    /// What an undecided target does to the exit code.
    #[arg(long, value_enum, default_value_t = Undecided::Report)]
    pub undecided: Undecided,
    /// Master seed.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = parse_index)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<u64>,
    /// Report format on standard output.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write JUnit XML (one test case per service and target) to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Also write a self-contained HTML report (inline plots and styles, nothing fetched) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Also draw the plots of the last look (SVG and PNG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    #[command(flatten)]
    pub flags: RunFlags,
    #[command(flatten)]
    pub changes: Changes,
    /// Decide from this result file (`redsim merge --result`) instead of
    /// simulating: one look at the full confidence, at its trials and seed.
    /// It must come from FILE with the same `--set` changes.
    #[arg(
        long,
        value_name = "RESULT",
        conflicts_with_all = ["max_time", "first_trials", "max_trials", "seed", "threads", "rare", "rare_bias"]
    )]
    pub result: Option<PathBuf>,
}

/// Parses `SERVICE=VALUE` or `SERVICE.KEY=VALUE`.
pub(super) fn parse_target(
    model: &crate::model::Model,
    spec: &str,
) -> anyhow::Result<analysis::check::Target> {
    use crate::model::printable as p;
    use analysis::check::{Metric, Target};
    // A value from the command line may hold a newline or an ESC: it is
    // escaped here, where the message is built, so it cannot forge a line.
    let shown = p(spec);
    let (name, value) = spec
        .split_once('=')
        .with_context(|| format!("target `{shown}`: write SERVICE=99.95% or SERVICE.KEY=VALUE"))?;
    let metrics = [
        Metric::Availability,
        Metric::MaxDowntimePerYear,
        Metric::MaxOutagesPerYear,
        Metric::MaxPOutageOverRto,
        Metric::NoSpof,
    ];
    let find = |id: &str| model.services.iter().position(|x| x.id == id);
    let (service, metric) = match name.rsplit_once('.') {
        Some((s, k)) if Metric::from_key(k).is_some() => (s, Metric::from_key(k).expect("checked")),
        // `SERVICE.KEY` with a key that is not a target's: say which part is wrong.
        Some((s, k)) if find(name).is_none() && find(s).is_some() => {
            let keys: Vec<&str> = metrics.iter().map(|m| m.key()).collect();
            let close = scenario::suggest(k, keys.iter().copied())
                .map(|c| format!("did you mean `{}.{c}`? ", p(s)))
                .unwrap_or_default();
            anyhow::bail!(
                "target `{shown}`: unknown target key `{}` for service `{}`: {close}\
                 the keys are {}",
                p(k),
                p(s),
                keys.iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        _ => (name, Metric::Availability),
    };
    let s = find(service).with_context(|| {
        let ids: Vec<&str> = model.services.iter().map(|x| x.id.as_str()).collect();
        format!(
            "target `{shown}`: no service `{}` (services: {})",
            p(service),
            ids.join(", ")
        )
    })?;
    let value = value.trim();
    let bad = |what: &str| anyhow::anyhow!("target `{shown}`: {what}");
    let goal = match metric {
        Metric::Availability => {
            let v: f64 = match value.strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
                None => value.parse(),
            }
            .map_err(|_| bad("availability is a percentage such as 99.95% or a fraction such as 0.9995"))?;
            if !value.ends_with('%') && v > 1.0 && v < 100.0 {
                // 99.99 is a percentage without its sign: no fraction is above 1.
                return Err(bad(&format!(
                    "availability {v} is not a fraction between 0 and 1: did you mean {v}%?",
                    v = p(value)
                )));
            }
            if !(v > 0.0 && v < 1.0) {
                return Err(bad("availability must be strictly between 0 and 100 %"));
            }
            v
        }
        Metric::MaxDowntimePerYear => {
            let d: scenario::units::Duration =
                serde_json::from_value(serde_json::Value::String(value.into()))
                    .map_err(|_| bad("max_downtime_per_year is a duration such as 1h or 30m"))?;
            if d.0 <= 0.0 {
                return Err(bad("max_downtime_per_year must be longer than 0"));
            }
            d.0
        }
        Metric::MaxOutagesPerYear | Metric::MaxPOutageOverRto => {
            let v: f64 = value.parse().map_err(|_| bad("expected a number"))?;
            let ok = v > 0.0 && (metric == Metric::MaxOutagesPerYear || v < 1.0) && v.is_finite();
            if !ok {
                return Err(bad(
                    "out of range: outages > 0, probabilities strictly between 0 and 1",
                ));
            }
            if metric == Metric::MaxPOutageOverRto && model.services[s].rto.is_none() {
                return Err(bad("the service has no `rto` to measure outages against"));
            }
            v
        }
        Metric::NoSpof => match value {
            "true" => 0.0,
            _ => return Err(bad("no_spof takes `true`")),
        },
    };
    Ok(Target {
        service: s,
        metric,
        goal,
    })
}

pub(super) fn check(args: &CheckArgs) -> anyhow::Result<u8> {
    use analysis::check::{self as chk, Verdict};
    let sc = load_set(&args.file, &args.changes.set)?;
    let m = &sc.model;
    let given = args
        .targets
        .iter()
        .map(|spec| parse_target(m, spec))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let targets = chk::with_command_line(chk::scenario_targets(m), given);
    let req = rare_request(args.flags.rare, args.flags.rare_bias)?;
    if targets.is_empty() {
        anyhow::bail!(
            "{}: no targets: add \"targets\" to a service (e.g. {{\"availability\": \"99.95%\"}}) or pass --target SERVICE=99.95%",
            crate::model::shown_path(&args.file)
        );
    }
    let mut outs = Outputs::new(std::iter::once(args.file.as_path()).chain(args.result.as_deref()));
    let report = outs.stdout("the report");
    let junit = args.junit.as_deref().map(|p| outs.file("--junit", p));
    let html = args.html.as_deref().map(|p| outs.file("--html", p));
    let plot = args.plot.as_deref().map(|d| outs.dir("--plot", d));
    outs.check()?;
    let st = analysis::structure::Structure::new(m);
    let spofs = chk::spofs_for(m, &st, &targets);
    // From a result: one look, at the full confidence, at trials already run.
    let (looks_at, seed, from_result, mut pilot) = match &args.result {
        Some(path) => {
            let (seed, tally, pilot) = shard::result_tally(path, &args.file, &sc)?;
            (vec![tally.trials], seed, Some(tally), pilot)
        }
        None => (
            chk::schedule(args.first_trials, args.max_trials),
            args.seed,
            None,
            None,
        ),
    };
    let looks = looks_at.len() as u32;
    let per_look = chk::per_look_confidence(args.confidence, looks);
    let needs_simulation = from_result.is_none() && targets.iter().any(|t| t.metric.simulated());
    let mut tally = from_result.unwrap_or_else(|| engine::Tally::new(m.services.len()));
    // Kept for the convergence plot of the HTML report.
    let mut segments = Vec::new();
    let started = std::time::Instant::now();
    // Past --max-time the batch in flight is given up, and the last look
    // that ended is reported: its trials are on the fixed schedule, so the
    // report stays a pure function of (scenario, seed, trials, options).
    let deadline = args
        .max_time
        .map(|s| started + std::time::Duration::from_secs_f64(s));
    let out_of_time = || deadline.is_some_and(|d| std::time::Instant::now() >= d);
    let mut decisions = Vec::new();
    // The exact values do not change from look to look.
    let exact = analysis::structure::exact_all(m, analysis::structure::RUN_EXACT_WORK).0;
    let base = RunConfig {
        seed,
        first_trial: 0,
        trials: 0,
        threads: args.threads.map(|t| t as usize),
    };
    let ends = engine::checkpoints(args.max_trials);
    // Under --rare auto, a plain pilot (the start of the first look, kept
    // when the check stays plain) decides, for the services with a
    // simulated target, at the overall confidence (docs/methodology.md).
    let mut rare = None;
    let mut out_of_time_in_pilot = false;
    match req {
        _ if !needs_simulation => {}
        RareRequest::Off => {}
        RareRequest::On(opts) => rare = Some(opts),
        RareRequest::Auto { opts, bias } => {
            let mut services: Vec<usize> = targets
                .iter()
                .filter(|t| t.metric.simulated())
                .map(|t| t.service)
                .collect();
            services.sort_unstable();
            services.dedup();
            let pilot_bar = pilot_progress(args.flags.quiet, looks_at[0]);
            let piloted = AutoPilot {
                model: m,
                config: &base,
                opts: &opts,
                trials: looks_at[0],
                services: &services,
                confidence: args.confidence,
                ends: &ends,
            }
            .run(&|k| pilot_bar.inc(k), &out_of_time)?;
            pilot_bar.finish();
            match piloted {
                None => out_of_time_in_pilot = true,
                Some(p) => {
                    rare = settle_auto(&p.auto, opts, bias, args.flags.quiet);
                    if rare.is_none() {
                        tally = p.tally;
                        segments = p.segments;
                    }
                }
            }
        }
    }
    // The pilot's trials, when kept, are the first look's first.
    let bar = Progress::new(args.flags.quiet || !needs_simulation, looks_at[0]);
    bar.inc(tally.trials);
    let batches = Batches {
        model: m,
        config: &base,
        rare: rare.as_ref(),
        schedule: &looks_at,
        ends: &ends,
        simulate: needs_simulation,
    };
    let mut pilot_error = None;
    let ended = if out_of_time_in_pilot {
        Ended::Stopped
    } else {
        batches.run(
            &mut tally,
            &mut segments,
            &|upto| bar.set_length(upto),
            &|k| bar.inc(k),
            &out_of_time,
            |i, tally| {
                let mut summary = analysis::summarize_with(m, tally, per_look, &exact);
                // A service the biased trials never saw down is decided from
                // the plain pilot's figures, as `run` reports it: from the
                // result's pilot, or the pilot of a run of these trials.
                if analysis::rare::needs_pilot(m, tally) {
                    let want = analysis::rare::pilot_trials(tally.trials);
                    if pilot
                        .as_ref()
                        .is_none_or(|p| p.trials != want && args.result.is_none())
                    {
                        match analysis::rare::unseen_pilot_for(m, tally, &base, tally.trials) {
                            Ok(p) => pilot = p,
                            Err(e) => {
                                pilot_error = Some(e);
                                return true;
                            }
                        }
                    }
                    if let Some(p) = &pilot {
                        analysis::rare::bound_unseen(m, &mut summary, p);
                    }
                }
                decisions = chk::decide(m, &targets, &summary, &spofs);
                let open = decisions
                    .iter()
                    .filter(|d| d.verdict == Verdict::Undecided)
                    .count();
                if !needs_simulation || open == 0 {
                    return true;
                }
                // The first undecided target's estimate: what the next look may settle.
                let estimate = decisions
                    .iter()
                    .find(|d| d.verdict == Verdict::Undecided)
                    .and_then(|d| d.estimate.map(|e| (d, e)))
                    .map_or_else(String::new, |(d, e)| {
                        let v = |x: f64| match d.metric {
                            chk::Metric::Availability => format!("{:.4} %", 100.0 * x),
                            _ => format!("{x:.4}"),
                        };
                        format!(
                            " ({}: {} [{}, {}] against {})",
                            d.service,
                            v(e.point),
                            v(e.ci_low),
                            v(e.ci_high),
                            report::goal_text(d.metric, d.goal)
                        )
                    });
                bar.set_message(format!(
                    "look {} of {looks}: {open} of {} targets undecided{estimate}",
                    i + 1,
                    decisions.len()
                ));
                false
            },
        )?
    };
    if let Some(e) = pilot_error {
        return Err(e.into());
    }
    let mut stopped = match ended {
        Ended::Done => "decided",
        Ended::Budget => "max_trials",
        Ended::Stopped => "max_time",
    };
    bar.finish();
    if decisions.is_empty() {
        // Out of time before the first look ended: every target is
        // undecided, on no trials.
        decisions = chk::decide(
            m,
            &targets,
            &analysis::summarize_with(m, &tally, per_look, &exact),
            &spofs,
        );
        for d in &mut decisions {
            if d.metric.simulated() {
                d.verdict = Verdict::Undecided;
                d.estimate = None;
                d.reason = None;
            }
        }
    }
    if args.result.is_some() && decisions.iter().any(|d| d.verdict == Verdict::Undecided) {
        stopped = "result";
    }
    let budget = budget_spent(stopped, tally.trials, args);
    for d in decisions.iter_mut().filter(|d| d.verdict == Verdict::Undecided) {
        if let Some(b) = &budget {
            d.reason = Some(match d.reason.take() {
                Some(r) => format!("{r}; {b}"),
                None => b.clone(),
            });
        }
    }
    let prov = provenance(&args.file, &sc);
    let rep = report::CheckReport {
        format: report::CHECK_FORMAT,
        redsim_version: env!("CARGO_PKG_VERSION"),
        scenario: &prov,
        seed,
        trials: tally.trials,
        method: if rare.is_some() || tally.weighted.is_some() {
            analysis::Method::FailureBiasing
        } else {
            analysis::Method::Plain
        }
        .as_str(),
        confidence: args.confidence,
        confidence_per_look: per_look,
        looks,
        stopped,
        decisions,
    };
    let simulated = tally.trials >= 2;
    // Each service's results at the last look, at the overall confidence
    // (for the plots and the page).
    let summary = (plot.is_some() || html.is_some()).then(|| {
        let mut summary = analysis::summarize_with(m, &tally, args.confidence, &exact);
        if let Some(p) = pilot.as_ref().filter(|_| analysis::rare::needs_pilot(m, &tally)) {
            analysis::rare::bound_unseen(m, &mut summary, p);
        }
        summary
    });
    let export = CheckExport {
        report: &rep,
        model: m,
        summary: summary.as_ref().filter(|_| simulated),
    };
    let mut text = report::Format::from(args.format).exporter().check(&export)?;
    // Workflow commands go with the table; beside JSON or CSV, to standard
    // error, which GitHub reads too, so that the report stays parseable.
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        match args.format {
            Format::Table => text.push_str(&rep.to_github()),
            Format::Json | Format::Csv => note!("{}", rep.to_github().trim_end()),
        }
    }
    outs.put(report, text, "written to");
    if let Some(junit) = junit {
        let junit_xml = Junit {
            undecided_fails: args.undecided == Undecided::Fail,
        }
        .check(&export)?;
        outs.put(junit, junit_xml, "JUnit XML written to");
    }
    if let Some(summary) = &summary {
        let plots = || {
            let mut plots = if simulated {
                crate::plot::figures::run(m, summary, &tally, &segments)
            } else {
                Vec::new()
            };
            if segments.is_empty() {
                // Decided from a result: its trials were not run here in order.
                plots.retain(|p| !matches!(p.kind, crate::plot::Kind::Convergence { .. }));
            }
            plots
        };
        put_plots(&mut outs, plot, plots)?;
        if let Some(html) = html {
            let plots = plots();
            let page = Html { plots: &plots }.check(&export)?;
            outs.put(html, page, "HTML report written to");
        }
    }
    let missed = rep.decisions.iter().any(|d| d.verdict == Verdict::Missed);
    let undecided = rep.decisions.iter().any(|d| d.verdict == Verdict::Undecided);
    let code = match (missed, undecided, args.undecided) {
        (true, _, _) | (false, true, Undecided::Fail) => EXIT_CHECK_FAILED,
        (false, true, Undecided::Report) => EXIT_UNDECIDED,
        _ => EXIT_OK,
    };
    Ok(commit_decided(
        outs,
        code,
        args.flags.quiet || args.format != Format::Table,
    ))
}

/// The budget that ran out before every target was decided, in words, with
/// the flag that raises it (`stopped` as in the check report).
pub(super) fn budget_spent(stopped: &str, trials: u64, args: &CheckArgs) -> Option<String> {
    let n = thousands(trials);
    match stopped {
        "max_trials" => Some(format!(
            "undecided after {n} trials (the --max-trials budget): raise --max-trials (e.g. --max-trials {})",
            args.max_trials.saturating_mul(4)
        )),
        "max_time" => Some(format!(
            "undecided after {n} trials (the --max-time budget of {} s ran out first): raise --max-time",
            args.max_time.unwrap_or_default()
        )),
        "result" => Some(format!(
            "undecided on the {n} trials of the result file: merge shards of a run with more trials (--trials)"
        )),
        _ => None,
    }
}
