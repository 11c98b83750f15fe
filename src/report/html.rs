//! Self-contained HTML reports (`--html FILE` on `run`, `compare` and
//! `check`): one file with inline CSS and inline SVG plots, no script and
//! nothing fetched from the network. The numbers are those of the text
//! table, formatted by the same functions.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::check::{evidence, verdict_word};
use super::compare::{availability_form, design_tag, name as quantity_name, show};
use super::{
    CheckReport, CompareReport, EXACT_LABEL, EXACT_UNAVAILABILITY_LABEL, Line, Provenance, RunReport,
    SweepReport, goal_text, hours, level, service_lines, sig,
};
use crate::analysis::check::{Decision, Verdict};
use crate::analysis::structure::{Exact, ServiceStructure};
use crate::analysis::{RunSummary, ServiceSummary, compare::Quantity};
use crate::model::escape::html as esc;
use crate::plot::{Plot, PlotError};

/// Cut sets and importance rows shown per service.
const TOP: usize = 10;

const STYLE: &str = "
body { font-family: system-ui, 'DejaVu Sans', sans-serif; margin: 2rem auto; max-width: 1000px; color: #1a1a1a; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid #0072b2; padding-bottom: 0.2rem; margin-top: 2.5rem; }
h3 { font-size: 1.05rem; margin-top: 1.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.92rem; }
th, td { text-align: left; padding: 0.25rem 0.8rem 0.25rem 0; vertical-align: top; }
tr + tr td, tr + tr th { border-top: 1px solid #e4e4e4; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.meta th { color: #555; font-weight: normal; }
.warning { background: #fff4e0; border-left: 4px solid #e69f00; padding: 0.4rem 0.8rem; margin: 0.4rem 0; }
.met { color: #007a55; font-weight: bold; }
.missed { color: #c04000; font-weight: bold; }
.undecided { color: #8a6d00; font-weight: bold; }
.spof { color: #c04000; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
code { background: #f2f2f2; padding: 0 0.2rem; }
";

/// A page under construction.
struct Page {
    body: String,
}

impl Page {
    fn new(heading: &str, subtitle: &str) -> Self {
        let mut body = String::new();
        let _ = writeln!(body, "<h1>{}</h1>\n<p>{}</p>", esc(heading), esc(subtitle));
        Self { body }
    }

    /// A two-column table of settings.
    fn meta(&mut self, rows: &[(&str, String)]) {
        self.body.push_str("<table class=\"meta\">\n");
        for (k, v) in rows {
            let _ = writeln!(self.body, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
        }
        self.body.push_str("</table>\n");
    }

    fn h(&mut self, level: u8, text: &str, id: Option<&str>) {
        let id = id.map(|i| format!(" id=\"{}\"", esc(i))).unwrap_or_default();
        let _ = writeln!(self.body, "<h{level}{id}>{}</h{level}>", esc(text));
    }

    fn p(&mut self, text: &str, class: Option<&str>) {
        let class = class.map(|c| format!(" class=\"{c}\"")).unwrap_or_default();
        let _ = writeln!(self.body, "<p{class}>{}</p>", esc(text));
    }

    /// A table with a header row; cells are text, escaped here.
    fn table(&mut self, class: &str, head: &[&str], rows: &[Vec<String>]) {
        let _ = writeln!(self.body, "<table class=\"{class}\">");
        self.body.push_str("<tr>");
        for h in head {
            let _ = write!(self.body, "<th>{}</th>", esc(h));
        }
        self.body.push_str("</tr>\n");
        for r in rows {
            self.body.push_str("<tr>");
            for c in r {
                let _ = write!(self.body, "<td class=\"num\">{}</td>", esc(c));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    fn figure(&mut self, plot: &Plot) -> Result<(), PlotError> {
        let svg = plot.svg()?;
        // Inline SVG needs no XML declaration.
        let svg = match svg.find("<svg") {
            Some(i) => &svg[i..],
            None => &svg[..],
        };
        let _ = writeln!(
            self.body,
            "<figure id=\"plot-{}\" role=\"img\" aria-label=\"{}\">\n{svg}\n</figure>",
            esc(&plot.name),
            esc(&plot.title)
        );
        Ok(())
    }

    fn finish(self, title: &str) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{}\
             <p><small>Made by redsim {}. Formats and methods: docs/report-format.md, docs/methodology.md.</small></p>\n\
             </body>\n</html>\n",
            esc(title),
            self.body,
            env!("CARGO_PKG_VERSION")
        )
    }
}

fn scenario_rows(sc: &Provenance) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("scenario", sc.name.clone()),
        ("file", sc.file.clone()),
        ("sha256", sc.sha256.clone()),
    ];
    if !sc.set.is_empty() {
        rows.push(("changes (--set)", sc.set.join("   ")));
    }
    rows
}

/// A service's results: the table's lines as an HTML table, causes and
/// warnings. Without the exact value when `exact_below`: the structure
/// section shows it, computed with the larger budget of `redsim spof`.
fn results(page: &mut Page, run: &RunSummary, s: usize, exact_below: bool) {
    let summary = &run.services[s];
    let mut rows = String::from("<table class=\"results\">\n");
    let mut causes = Vec::new();
    let mut warnings = Vec::new();
    for line in service_lines(summary, run.confidence) {
        match line {
            Line::Row(label, ..) | Line::Text(label, _)
                if exact_below && (label == EXACT_LABEL || label == EXACT_UNAVAILABILITY_LABEL) => {}
            Line::Row(label, value, interval) => {
                let _ = writeln!(
                    rows,
                    "<tr><th>{}</th><td class=\"num\" data-quantity=\"{}\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(&label),
                    esc(&label),
                    esc(&value),
                    esc(&interval)
                );
            }
            // The causes get a table of their own below.
            Line::Text(label, _) if label == "downtime by cause" => {}
            Line::Text(label, text) => {
                let _ = writeln!(
                    rows,
                    "<tr><th>{}</th><td colspan=\"2\">{}</td></tr>",
                    esc(&label),
                    esc(&text)
                );
            }
            Line::Cause(who, share, text) => causes.push(vec![who, format!("{share:.1} %"), text]),
            Line::Warning(w) => warnings.push(w),
        }
    }
    rows.push_str("</table>\n");
    page.body.push_str(&rows);
    if !causes.is_empty() {
        page.h(3, "Downtime by cause (the failure that began each outage)", None);
        page.table(
            "causes",
            &["cause", "share", "downtime per year and outages"],
            &causes,
        );
    }
    for w in warnings {
        page.p(&format!("Warning: {w}"), Some("warning"));
    }
}

/// A table of verdicts (with the service's column when `with_service`).
fn verdict_table(page: &mut Page, decisions: &[&Decision], with_service: bool) {
    let service = if with_service { "<th>service</th>" } else { "" };
    let _ = writeln!(
        page.body,
        "<table class=\"targets\">\n<tr>{service}<th>target</th><th>verdict</th><th>evidence</th></tr>"
    );
    for d in decisions {
        let class = match d.verdict {
            Verdict::Met => "met",
            Verdict::Missed => "missed",
            Verdict::Undecided => "undecided",
        };
        let service = if with_service {
            format!("<td>{}</td>", esc(&d.service))
        } else {
            String::new()
        };
        let _ = writeln!(
            page.body,
            "<tr>{service}<td>{}</td><td class=\"{class}\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&goal_text(d.metric, d.goal)),
            verdict_word(d.verdict),
            esc(&evidence(d))
        );
    }
    page.body.push_str("</table>\n");
}

fn verdicts(page: &mut Page, decisions: &[&Decision], note: &str) {
    if decisions.is_empty() {
        return;
    }
    page.h(3, "Targets", None);
    page.p(note, None);
    verdict_table(page, decisions, false);
}

fn structure(page: &mut Page, st: &ServiceStructure) {
    page.h(3, "Structure", None);
    if st.down_with_everything_up {
        page.p(
            "Down even with everything up: it can never be up.",
            Some("warning"),
        );
    }
    if st.spofs.is_empty() {
        page.p("Single points of failure: none.", None);
    } else {
        let names: Vec<String> = st
            .spofs
            .iter()
            .map(|n| match &n.kind {
                Some(k) => format!("{} ({k})", n.id),
                None => n.id.clone(),
            })
            .collect();
        let _ = writeln!(
            page.body,
            "<p>Single points of failure ({}): <span class=\"spof\">{}</span></p>",
            names.len(),
            esc(&names.join(", "))
        );
    }
    if !st.failover_exposure.is_empty() {
        let rows: Vec<Vec<String>> = st
            .failover_exposure
            .iter()
            .map(|x| vec![x.element.clone(), x.group.clone(), hours(x.mean_outage_hours)])
            .collect();
        page.p(
            "Failover exposure: redundant members whose loss, while carrying traffic, costs an outage.",
            None,
        );
        page.table("exposure", &["member", "group", "mean outage per loss"], &rows);
    }
    if let Exact::Solved(x) = &st.exact {
        page.p(
            &format!(
                "Exact long-run availability {:.10} % ({} downtime per year; steady state, no start-up transient).",
                x.availability * 100.0,
                hours(x.downtime_hours_per_year)
            ),
            None,
        );
    } else if let Some(why) = st.exact.explanation() {
        page.p(&format!("Exact long-run availability: {why}"), None);
    }
    let c = &st.cut_sets;
    let mut text = format!("Minimal cut sets: {}", c.counts_text());
    if c.complete_to_order < c.max_order {
        let _ = write!(text, " (complete to order {} only)", c.complete_to_order);
    }
    page.p(&format!("{text}."), None);
    if !c.sets.is_empty() {
        let rows: Vec<Vec<String>> = c
            .sets
            .iter()
            .take(TOP)
            .map(|s| vec![s.elements.join(", "), format!("{:.3e}", s.probability)])
            .collect();
        page.table(
            "cut-sets",
            &["cut set (top by probability)", "long-run probability"],
            &rows,
        );
    }
    if let Some(why) = &st.importance_note {
        page.p(&format!("Importance: {why}"), None);
    }
    if !st.importance.is_empty() {
        page.p(
            &format!(
                "Importance of the elements (top {} of {}, by criticality; from the exact long-run probabilities):",
                st.importance.len().min(TOP),
                st.importance.len()
            ),
            None,
        );
        let rows: Vec<Vec<String>> = st
            .importance
            .iter()
            .take(TOP)
            .map(|i| {
                vec![
                    i.element.clone(),
                    format!("{:.3e}", i.unavailability),
                    format!("{:.3e}", i.birnbaum),
                    i.criticality.to_string(),
                    i.fussell_vesely.to_string(),
                    i.risk_achievement_worth.to_string(),
                    i.risk_reduction_worth.to_string(),
                ]
            })
            .collect();
        page.table(
            "importance",
            &[
                "element",
                "q",
                "Birnbaum",
                "criticality",
                "Fussell-Vesely",
                "RAW",
                "RRW",
            ],
            &rows,
        );
    }
}

/// Every service of a run: results, targets, structure and its plots.
fn services(
    page: &mut Page,
    run: &RunSummary,
    decisions: &[Decision],
    targets_note: &str,
    st: &[ServiceStructure],
    plots: &[Plot],
) -> Result<(), PlotError> {
    // Each service's structure, verdicts and plots, looked up by id (not
    // searched for each service: many services would make that quadratic).
    let mut structures: HashMap<&str, &ServiceStructure> = HashMap::new();
    for x in st {
        structures.entry(x.id.as_str()).or_insert(x);
    }
    let mut verdicts_of: HashMap<&str, Vec<&Decision>> = HashMap::new();
    for d in decisions {
        verdicts_of.entry(d.service.as_str()).or_default().push(d);
    }
    let mut plots_of: HashMap<&str, Vec<&Plot>> = HashMap::new();
    for p in plots {
        if let Some(s) = p.service.as_deref() {
            plots_of.entry(s).or_default().push(p);
        }
    }
    for (s, summary) in run.services.iter().enumerate() {
        page.h(
            2,
            &format!("Service {}", summary.id),
            Some(&format!("service-{}", summary.id)),
        );
        let st = structures.get(summary.id.as_str());
        results(page, run, s, st.is_some());
        let mine = verdicts_of.remove(summary.id.as_str()).unwrap_or_default();
        verdicts(page, &mine, targets_note);
        if let Some(x) = st {
            structure(page, x);
        }
        for p in plots_of.remove(summary.id.as_str()).unwrap_or_default() {
            page.figure(p)?;
        }
    }
    Ok(())
}

fn run_meta(rep: &RunReport) -> Vec<(&'static str, String)> {
    let mut rows = scenario_rows(rep.scenario);
    rows.extend([
        ("seed", rep.seed.to_string()),
        ("trials", rep.trials.to_string()),
        ("mission", hours(rep.mission_hours)),
        ("confidence", format!("{} %", level(rep.confidence))),
        ("generator", rep.generator.to_string()),
    ]);
    if let Some(l) = &rep.likelihood_ratio {
        // Services failure biasing saw no outage of are the plain pilot's
        // (`bound_unseen`), as the table says.
        let pilot: Vec<&ServiceSummary> = rep.services.iter().filter(|s| s.plain_trials.is_some()).collect();
        let method = if !pilot.is_empty() && pilot.len() == rep.services.len() {
            format!("{} (no outage seen: plain pilot figures)", rep.method)
        } else {
            let which = if pilot.is_empty() {
                "every estimate from the weighted trials".to_string()
            } else {
                let ids: Vec<String> = pilot.iter().map(|s| format!("`{}`", s.id)).collect();
                format!(
                    "every estimate from the weighted trials but those of {} (no outage seen: plain pilot \
                     figures, its first {} trials)",
                    ids.join(", "),
                    pilot[0].plain_trials.unwrap_or_default()
                )
            };
            format!(
                "{} (importance sampling: {which}; mean likelihood ratio {} [{}, {}], 1 expected)",
                rep.method,
                sig(l.point),
                sig(l.ci_low),
                sig(l.ci_high)
            )
        };
        rows.push(("method", method));
    }
    rows
}

/// The HTML page of a run: `decisions` are the scenario's targets judged on
/// this run's sample (at the run's confidence), `st` the structural analysis.
///
/// # Errors
/// When a plot cannot be drawn.
pub fn run_page(
    rep: &RunReport,
    run: &RunSummary,
    decisions: &[Decision],
    st: &[ServiceStructure],
    plots: &[Plot],
) -> Result<String, PlotError> {
    let mut page = Page::new(
        &format!("redsim report: {}", rep.scenario.name),
        "Availability, downtime and outages per service, estimated by Monte Carlo simulation, each with its confidence interval.",
    );
    page.meta(&run_meta(rep));
    services(
        &mut page,
        run,
        decisions,
        &format!(
            "Judged on this run's {} trials at {} % confidence (one look; `redsim check` decides sequentially).",
            rep.trials,
            level(rep.confidence)
        ),
        st,
        plots,
    )?;
    Ok(page.finish(&format!("redsim: {}", rep.scenario.name)))
}

/// The HTML page of a check: verdicts first, then each service's results at
/// the last look, structure and plots.
///
/// # Errors
/// When a plot cannot be drawn.
pub fn check_page(
    rep: &CheckReport,
    run: Option<&RunSummary>,
    st: &[ServiceStructure],
    plots: &[Plot],
) -> Result<String, PlotError> {
    let missed = rep
        .decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Missed)
        .count();
    let undecided = rep
        .decisions
        .iter()
        .filter(|d| d.verdict == Verdict::Undecided)
        .count();
    let outcome = match (missed, undecided) {
        (0, 0) => "All targets met.".to_string(),
        (0, u) => format!("No target missed; {u} undecided at the budget."),
        (m, _) => format!("{m} target(s) missed."),
    };
    let mut page = Page::new(&format!("redsim check: {}", rep.scenario.name), &outcome);
    let mut meta = scenario_rows(rep.scenario);
    meta.extend([
        ("seed", rep.seed.to_string()),
        ("trials", rep.trials.to_string()),
        (
            "confidence",
            format!(
                "{} % overall ({} % per look, {} looks planned)",
                level(rep.confidence),
                level(rep.confidence_per_look),
                rep.looks
            ),
        ),
        ("stopped", rep.stopped.to_string()),
    ]);
    if rep.method != crate::analysis::Method::Plain.as_str() {
        meta.push((
            "method",
            format!(
                "{} (importance sampling: every verdict, estimate and plot from the weighted trials)",
                rep.method
            ),
        ));
    }
    page.meta(&meta);
    page.h(2, "Verdicts", Some("verdicts"));
    let all: Vec<&Decision> = rep.decisions.iter().collect();
    verdict_table(&mut page, &all, true);
    if let Some(run) = run {
        services(&mut page, run, &[], "", st, plots)?;
    }
    Ok(page.finish(&format!("redsim check: {}", rep.scenario.name)))
}

/// The HTML page of a comparison.
///
/// # Errors
/// When a plot cannot be drawn.
pub fn compare_page(rep: &CompareReport, plots: &[Plot]) -> Result<String, PlotError> {
    let plain = rep.method == crate::analysis::Method::Plain.as_str();
    let mut page = Page::new(
        "redsim comparison",
        if plain {
            "Designs side by side on common random numbers: each difference from the baseline (A) has an interval from the paired trials."
        } else {
            "Designs side by side, each simulated on its own with failure biasing (importance sampling): every estimate is a weighted one but a design's whose biased trials never saw a service down (its plain pilot's figures, as that service's warning says), and each difference from the baseline (A) has the interval of two independent estimates (Welch)."
        },
    );
    let designs: Vec<Vec<String>> = rep
        .designs
        .iter()
        .enumerate()
        .map(|(i, d)| vec![design_tag(i), d.file.clone(), d.name.clone(), d.sha256.clone()])
        .collect();
    page.table("designs", &["design", "file", "scenario", "sha256"], &designs);
    let mut meta = vec![
        (
            "trials",
            format!(
                "{} per design, {}",
                rep.trials,
                if plain { "paired" } else { "independent runs" }
            ),
        ),
        ("confidence", format!("{} %", level(rep.confidence))),
    ];
    meta.insert(0, ("seed", rep.seed.to_string()));
    if !plain {
        meta.push((
            "method",
            format!("{} (importance sampling: independent weighted runs)", rep.method),
        ));
    }
    page.meta(&meta);
    for s in rep.services {
        page.h(
            2,
            &format!("Service {}", s.service),
            Some(&format!("service-{}", s.service)),
        );
        for w in &s.warnings {
            page.p(&format!("Warning: {w}"), Some("warning"));
        }
        let mut rows = Vec::new();
        let form = availability_form(s);
        for q in Quantity::ALL {
            for (i, vals) in s.designs.iter().enumerate() {
                if let Some(v) = vals.iter().find(|v| v.quantity == q) {
                    let tag = design_tag(i);
                    // Under failure biasing, each design's relative error (half-width over point).
                    let note = match crate::analysis::weighted::relative_error(&v.estimate) {
                        Some(r) if !plain && q != Quantity::Availability => {
                            format!("relative error {}", pct(r))
                        }
                        _ => String::new(),
                    };
                    rows.push(vec![
                        quantity_name(q, form).to_string(),
                        tag,
                        show(q, &v.estimate, false, form),
                        note,
                    ]);
                }
            }
            for d in s.differences.iter().filter(|d| d.quantity == q) {
                let narrow = if plain {
                    super::compare::paired_note(d.narrowing, d.estimate())
                } else {
                    "independent runs (Welch)".into()
                };
                rows.push(vec![
                    quantity_name(q, form).to_string(),
                    format!("{} - A", design_tag(d.design)),
                    show(q, d.estimate(), true, form),
                    narrow,
                ]);
            }
        }
        page.table(
            "comparison",
            &[
                "quantity",
                "design",
                "estimate [interval]",
                if plain { "pairing" } else { "relative error, runs" },
            ],
            &rows,
        );
        for p in plots
            .iter()
            .filter(|p| p.service.as_deref() == Some(s.service.as_str()))
        {
            page.figure(p)?;
        }
    }
    Ok(page.finish("redsim comparison"))
}

/// The HTML page of a sweep: per service, each point's estimates and the curves.
///
/// # Errors
/// When a plot cannot be drawn.
pub fn sweep_page(rep: &SweepReport, plots: &[Plot]) -> Result<String, PlotError> {
    let plain = rep.method == crate::analysis::Method::Plain.as_str();
    // Services a point's biased trials never saw down are that point's
    // plain pilot's (`bound_unseen`): named, each with its point.
    let pilot: Vec<String> = rep
        .points
        .iter()
        .flat_map(|p| {
            p.services
                .iter()
                .filter(|s| s.plain_trials.is_some())
                .map(move |s| format!("`{}` at {}", s.id, p.set.join(", ")))
        })
        .collect();
    let mut page = Page::new(
        &format!("redsim sweep: {}", rep.scenario.name),
        if plain {
            "Each point of the grid simulated on common random numbers (the same trials at every point), with its confidence intervals."
        } else if pilot.is_empty() {
            "Each point of the grid simulated with failure biasing (importance sampling) on the same seeds: every estimate is a weighted one, with its confidence interval and relative error."
        } else {
            "Each point of the grid simulated with failure biasing (importance sampling) on the same seeds: every estimate is a weighted one but those the method row names (its plain pilot's, where a point's biased trials never saw a service down), with its confidence interval and relative error."
        },
    );
    let mut meta = scenario_rows(rep.scenario);
    meta.extend([
        ("parameters", rep.parameters.join(", ")),
        ("seed", rep.seed.to_string()),
        ("trials", format!("{} per point", rep.trials)),
        ("confidence", format!("{} %", level(rep.confidence))),
    ]);
    if !plain {
        let but = if pilot.is_empty() {
            String::new()
        } else {
            format!(
                ", but those of {}: the point's biased trials never saw the service down, and its figures are \
                 the point's plain pilot's (see the service's warnings)",
                pilot.join("; ")
            )
        };
        meta.push((
            "method",
            format!(
                "{} (importance sampling at every point: every estimate from the weighted trials{but})",
                rep.method
            ),
        ));
    }
    page.meta(&meta);
    let ids: Vec<&str> = rep
        .points
        .first()
        .map(|p| p.services.iter().map(|s| s.id.as_str()).collect())
        .unwrap_or_default();
    for (k, id) in ids.iter().enumerate() {
        page.h(2, &format!("Service {id}"), Some(&format!("service-{id}")));
        for p in rep.points.iter().filter(|p| p.services[k].plain_trials.is_some()) {
            for w in &p.services[k].warnings {
                page.p(&format!("Warning: at {}: {w}", p.set.join(", ")), Some("warning"));
            }
        }
        let form = super::sweep::availability_form(&rep.points, k);
        let rows: Vec<Vec<String>> = rep
            .points
            .iter()
            .map(|p| {
                let s = &p.services[k];
                let mut row = vec![
                    p.set.join(", "),
                    show(Quantity::Availability, &s.availability, false, form),
                    show(
                        Quantity::DowntimeHoursPerYear,
                        &s.downtime_hours_per_year,
                        false,
                        form,
                    ),
                    show(Quantity::OutagesPerYear, &s.outages_per_year, false, form),
                    match s.plain_trials {
                        // The count is the pilot's, not the biased trials'.
                        Some(n) => format!("{} (plain pilot, {n} trials)", s.outages_observed),
                        None => s.outages_observed.to_string(),
                    },
                ];
                if !plain {
                    row.push(s.relative_error.map_or_else(|| "none".into(), pct));
                }
                row
            })
            .collect();
        let mut head = vec![
            "point",
            form.name(),
            "downtime per year",
            "outages per year",
            "outages observed",
        ];
        if !plain {
            head[4] = "outages seen (biased trials)";
            head.push("relative error");
        }
        page.table("sweep", &head, &rows);
        let others = super::sweep::other_quantities(&rep.points, k, rep.confidence);
        if !others.is_empty() {
            let rows: Vec<Vec<String>> = others
                .iter()
                .flat_map(|q| {
                    rep.points
                        .iter()
                        .zip(&q.cells)
                        .map(|(p, cell)| vec![q.label.clone(), p.set.join(", "), cell.clone()])
                })
                .collect();
            page.table(
                "sweep-others",
                &["quantity", "point", "estimate [interval]"],
                &rows,
            );
        }
        for p in plots.iter().filter(|p| p.service.as_deref() == Some(*id)) {
            page.figure(p)?;
        }
    }
    Ok(page.finish(&format!("redsim sweep: {}", rep.scenario.name)))
}

/// A relative error as a percentage, to three significant digits.
fn pct(r: f64) -> String {
    format!("{} %", sig(100.0 * r))
}
