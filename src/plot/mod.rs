//! Plots: outage durations, convergence of the estimate, sweep curves,
//! compare bars and the timeline of one trial, drawn with plotters as SVG
//! or PNG. Text is set in DejaVu Sans, embedded in the binary, so no
//! system font is needed and the output is the same on every machine.
//!
//! A [`Plot`] holds the data of one figure (built by the functions in
//! [`figures`] from summaries and tallies); [`Plot::svg`] and [`Plot::png`]
//! draw it.

pub mod figures;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::analysis::Estimate;

/// The result of drawing on a backend.
type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// The family every text is set in (registered from the embedded font).
const FONT: &str = "sans-serif";
/// Width of every figure \[px\].
const WIDTH: u32 = 960;
/// Characters of a title that fit across a figure.
const TITLE_CHARS: usize = 90;
/// Characters of a row label that fit left of a timeline.
const ROW_LABEL_CHARS: usize = 20;
/// Widest legend beside a panel \[px\].
const PANEL_LEGEND_MAX: u32 = 300;
/// Width of a character of the tick font, about \[px\].
const PX_PER_CHAR: u32 = 8;
/// Width of the legend beside a timeline \[px\].
const TIMELINE_LEGEND: u32 = 290;

/// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];
const DOWN: RGBColor = RGBColor(213, 94, 0);
const WAITING: RGBColor = RGBColor(240, 180, 140);
const DEGRADED: RGBColor = RGBColor(230, 159, 0);
const UP: RGBColor = RGBColor(0, 158, 115);
const PLANNED: RGBColor = RGBColor(0, 114, 178);

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Registers the embedded font once per process.
fn fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid TrueType font, compiled in: this cannot fail.
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| unreachable!("DejaVu Sans is a valid font"));
        plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
            .unwrap_or_else(|_| unreachable!("DejaVu Sans Bold is a valid font"));
    });
}

/// One figure, with its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    /// File stem, e.g. `durations-web` (the plot is written as `<name>.svg`/`.png`).
    pub name: String,
    /// Title at the top.
    pub title: String,
    /// The service it is about, if one.
    pub service: Option<String>,
    pub kind: Kind,
}

/// What a figure shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A histogram of outage durations on a log axis.
    Durations {
        /// `(low, high, outages)` per bin \[h\], ascending.
        bins: Vec<(f64, f64, u64)>,
        /// Outages of zero length (left out of the bars), if any.
        zero_length: u64,
        /// Median and 95th percentile \[h\], marked by lines.
        p50: f64,
        p95: f64,
    },
    /// The outage durations of a failure-biasing run on a log axis: each
    /// outage counts with the likelihood ratio at its end, so the bars are
    /// the design's distribution, not the biased trials'.
    WeightedDurations {
        /// `(low, high, weighted outages)` per bin \[h\], ascending: the sums
        /// of the likelihood ratios of the outages in each bin.
        bins: Vec<(f64, f64, f64)>,
        /// Weighted outages of zero length (left out of the bars).
        zero_length: f64,
        /// The weighted median and 95th percentile \[h\] (the report's), marked by lines.
        p50: f64,
        p95: f64,
        /// Outages the biased trials saw.
        seen: u64,
    },
    /// An estimate as trials accumulate, with its interval band.
    Convergence {
        y_label: String,
        /// `(trials, estimate)`, ascending in trials.
        points: Vec<(u64, Estimate)>,
        /// Horizontal reference lines: `(label, value)` (an exact value, a target).
        references: Vec<(String, f64)>,
        /// Show values as percentages.
        percent: bool,
    },
    /// Panels of estimates with intervals over categories: sweep curves
    /// (`lines`) or compare bars.
    Panels {
        panels: Vec<Panel>,
        /// Join points with lines (sweep curves) rather than draw bars.
        lines: bool,
    },
    /// What happened in one trial: one row per service and per element that changed state.
    Timeline {
        /// First hour shown (0: the mission's start).
        from: f64,
        /// Last hour shown (the mission's end unless zoomed).
        horizon: f64,
        rows: Vec<Row>,
        /// Rows left out to keep the figure readable.
        omitted: usize,
    },
}

/// One panel of a [`Kind::Panels`] figure: a metric, one series per legend entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// Category labels on the x axis (parameter values, designs).
    pub categories: Vec<String>,
    pub x_label: String,
    pub y_label: String,
    /// `(legend, one estimate per category)`; `None` where there is none.
    pub series: Vec<(String, Vec<Option<Estimate>>)>,
    /// Show values as percentages.
    pub percent: bool,
    /// Draw a line at zero (differences).
    pub zero_line: bool,
    /// `few[series][category]`: the estimate rests on too few outages to
    /// trust ([`too_few_outages`](crate::analysis::intervals::too_few_outages));
    /// drawn hollow. Empty when none does.
    pub few: Vec<Vec<bool>>,
    /// Draw bars on a log axis (whole decades around every positive value;
    /// a value of zero has no bar), so that values decades apart all show.
    pub log: bool,
}

/// A row of a timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub label: String,
    pub spans: Vec<(f64, f64, Span)>,
}

/// What a timeline span means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// A service up (drawn thin).
    Up,
    /// A service degraded.
    Degraded,
    /// A service down, or an element failed and being repaired.
    Down,
    /// An element failed, waiting for a crew or a spare.
    Waiting,
    /// An element out for maintenance.
    Planned,
}

impl Span {
    const ALL: [Self; 5] = [Self::Up, Self::Degraded, Self::Down, Self::Waiting, Self::Planned];

    fn colour(self) -> RGBColor {
        match self {
            Self::Up => UP,
            Self::Degraded => DEGRADED,
            Self::Down => DOWN,
            Self::Waiting => WAITING,
            Self::Planned => PLANNED,
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Self::Up => "service up",
            Self::Degraded => "service degraded",
            Self::Down => "service down / element under repair",
            Self::Waiting => "element failed, repair not started (waiting for a crew, a spare or logistics)",
            Self::Planned => "element out for maintenance",
        }
    }
}

/// Why a plot could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the plot `{name}`: {message}")]
pub struct PlotError {
    name: String,
    message: String,
}

impl Plot {
    /// Width and height \[px\].
    pub fn size(&self) -> (u32, u32) {
        let h = match &self.kind {
            Kind::Timeline { rows, .. } => 190 + 28 * rows.len().max(1) as u32,
            Kind::Panels { panels, .. } => 80 + 300 * panels.len().max(1) as u32,
            _ => 540,
        };
        (WIDTH, h)
    }

    /// The figure as an SVG document.
    ///
    /// # Errors
    /// When plotters fails to lay it out.
    pub fn svg(&self) -> Result<String, PlotError> {
        fonts();
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.size()).into_drawing_area();
            self.draw(&root).map_err(|e| self.error(&e))?;
            root.present().map_err(|e| self.error(&e))?;
        }
        Ok(out)
    }

    /// The figure as a PNG image.
    ///
    /// # Errors
    /// When plotters fails to lay it out, or the PNG cannot be encoded.
    pub fn png(&self) -> Result<Vec<u8>, PlotError> {
        fonts();
        let (w, h) = self.size();
        let mut pixels = vec![255u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
            self.draw(&root).map_err(|e| self.error(&e))?;
            root.present().map_err(|e| self.error(&e))?;
        }
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        // Plots are flat colours: the best compression and adaptive filtering
        // make them about three times smaller than the defaults.
        enc.set_compression(png::Compression::Best);
        enc.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        enc.write_header()
            .and_then(|mut wr| wr.write_image_data(&pixels))
            .map_err(|e| self.error(&e))?;
        Ok(out)
    }

    fn error(&self, e: &dyn std::fmt::Display) -> PlotError {
        PlotError {
            name: self.name.clone(),
            message: e.to_string(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        root.fill(&WHITE)?;
        let root = root.titled(
            &shorten(&self.title, TITLE_CHARS),
            (FONT, 22).into_font().style(FontStyle::Bold),
        )?;
        match &self.kind {
            Kind::Durations {
                bins,
                zero_length,
                p50,
                p95,
            } => {
                let total: u64 = bins.iter().map(|b| b.2).sum::<u64>() + zero_length;
                let bins: Vec<(f64, f64, f64)> = bins.iter().map(|&(a, b, c)| (a, b, c as f64)).collect();
                let legend = if *zero_length > 0 {
                    format!("outages ({total} in all; {zero_length} of zero length not shown)")
                } else {
                    format!("outages ({total} in all)")
                };
                draw_durations(
                    &root,
                    &bins,
                    *zero_length as f64,
                    legend,
                    "share of outages [%]",
                    *p50,
                    *p95,
                )
            }
            Kind::WeightedDurations {
                bins,
                zero_length,
                p50,
                p95,
                seen,
            } => {
                let mut legend =
                    format!("outages weighted by their likelihood ratios ({seen} seen in the biased trials)");
                if *zero_length > 0.0 {
                    let total = bins.iter().map(|b| b.2).sum::<f64>() + zero_length;
                    legend.push_str(&format!(
                        "; {:.1} % of the weight of zero length, not shown",
                        100.0 * zero_length / total
                    ));
                }
                draw_durations(
                    &root,
                    bins,
                    *zero_length,
                    legend,
                    "weighted share of outages [%]",
                    *p50,
                    *p95,
                )
            }
            Kind::Convergence {
                y_label,
                points,
                references,
                percent,
            } => draw_convergence(&root, y_label, points, references, *percent),
            Kind::Panels { panels, lines } => {
                // One legend width for all panels, so that their axes line up.
                let longest = panels
                    .iter()
                    .flat_map(|p| p.series.iter().map(|s| s.0.chars().count()))
                    .max()
                    .unwrap_or(0);
                let legend_w = (PX_PER_CHAR * longest as u32 + 50).min(PANEL_LEGEND_MAX);
                let areas = root.split_evenly((panels.len().max(1), 1));
                for (area, panel) in areas.iter().zip(panels) {
                    draw_panel(area, panel, *lines, legend_w)?;
                }
                Ok(())
            }
            Kind::Timeline {
                from,
                horizon,
                rows,
                omitted,
            } => draw_timeline(&root, *from, *horizon, rows, *omitted),
        }
    }
}

/// An axis of `n` categories: category `i` spans `[i, i + 1)`, with its
/// tick (and label) at the centre.
struct Centred(usize);

impl plotters::coord::ranged1d::Ranged for Centred {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = f64::from(limit.1 - limit.0);
        limit.0 + (v / self.0 as f64 * span).round() as i32
    }

    fn key_points<H: plotters::coord::ranged1d::KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        (0..self.0).map(|i| i as f64 + 0.5).collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        0.0..self.0 as f64
    }
}

fn label_font() -> TextStyle<'static> {
    (FONT, 15).into_font().into()
}

fn tick_font() -> TextStyle<'static> {
    (FONT, 13).into_font().into()
}

/// A duration \[h\] for an axis: `30s`, `5m`, `2h`, `3d`.
fn short_hours(h: f64) -> String {
    let trim = |x: f64| {
        let s = format!("{x:.1}");
        s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
    };
    if h <= 0.0 {
        "0".into()
    } else if h < 1.0 / 60.0 {
        format!("{}s", trim(h * 3600.0))
    } else if h < 1.0 {
        format!("{}m", trim(h * 60.0))
    } else if h < 48.0 {
        format!("{}h", trim(h))
    } else {
        format!("{}d", trim(h / 24.0))
    }
}

/// `s` cut to at most `max` characters, an ellipsis marking the cut, so that
/// a long id does not run off the figure.
pub(crate) fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// How a legend entry is marked.
#[derive(Debug, Clone, Copy)]
enum Swatch {
    /// A line, as of a curve or a reference.
    Line(RGBAColor),
    /// A filled block, as of a bar, a band or a span.
    Block(RGBAColor),
    /// An outline: a point or bar drawn hollow.
    Hollow(RGBAColor),
}

/// Width of the legend beside a single chart \[px\].
const SIDE_LEGEND: u32 = 240;

/// Words of `text` in lines of at most `width` characters (a longer word is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(shorten(word, width)),
        }
    }
    lines
}

/// Draws a legend in `area`, the column beside a chart: one entry after
/// another from `top` px down, each a swatch and its text, wrapped to the
/// column's width. Beside the chart, it can hide no data.
fn side_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    top: i32,
    entries: &[(Swatch, String)],
) -> Drawn<DB> {
    let fits = (area.dim_in_pixel().0.saturating_sub(40) / PX_PER_CHAR).max(8) as usize;
    let mut y = top;
    for (swatch, text) in entries {
        match *swatch {
            Swatch::Line(c) => area.draw(&PathElement::new(
                vec![(6, y + 7), (24, y + 7)],
                c.stroke_width(2),
            ))?,
            Swatch::Block(c) => area.draw(&Rectangle::new([(6, y), (24, y + 14)], c.filled()))?,
            Swatch::Hollow(c) => area.draw(&Circle::new((15, y + 7), 5, c.stroke_width(2)))?,
        }
        for line in wrap(text, fits) {
            area.draw(&Text::new(line, (32, y), tick_font()))?;
            y += 17;
        }
        y += 7;
    }
    Ok(())
}

/// Decimals that show differences of size `span` (at least one digit of it).
fn decimals(span: f64) -> usize {
    if span > 0.0 && span.is_finite() {
        (-(span.log10().floor()) + 1.0).clamp(0.0, 10.0) as usize
    } else {
        2
    }
}

/// A value for an axis, as a percentage or a plain number.
fn value_label(v: f64, percent: bool, digits: usize) -> String {
    if percent {
        format!("{:.*}%", digits.saturating_sub(2), v * 100.0)
    } else if v != 0.0 && (v.abs() >= 1e5 || v.abs() < 1e-3) {
        format!("{v:.2e}")
    } else {
        format!("{v:.*}", digits)
    }
}

/// Width \[px\] of a y label area wide enough for the tick labels of an axis
/// from `lo` to `hi` and, left of them, the rotated axis description.
fn y_label_area(lo: f64, hi: f64, percent: bool, digits: usize) -> u32 {
    let chars = [lo, (lo + hi) / 2.0, hi]
        .iter()
        .map(|&v| value_label(tick(v, lo, hi), percent, digits).chars().count())
        .max()
        .unwrap_or(0);
    // About 8 px a character at the tick font's 13 px, and 40 px for the description.
    (9 * chars as u32 + 40).max(100)
}

/// The range `[lo, hi]` widened by 8 % on each side (or around a single value).
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span > 0.0 {
        (lo - 0.08 * span, hi + 0.08 * span)
    } else if lo != 0.0 {
        (lo - 0.05 * lo.abs(), hi + 0.05 * hi.abs())
    } else {
        (-1.0, 1.0)
    }
}

/// A histogram of outage durations: `bins` are `(low, high, outages)`,
/// plain counts or weighted ones, drawn as shares of all outages
/// (`zero_length` included); `legend` describes the bars.
fn draw_durations<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    bins: &[(f64, f64, f64)],
    zero_length: f64,
    legend_text: String,
    y_desc: &str,
    p50: f64,
    p95: f64,
) -> Drawn<DB> {
    let total: f64 = bins.iter().map(|b| b.2).sum::<f64>() + zero_length;
    let lo = bins.first().map_or(1.0 / 60.0, |b| b.0);
    let hi = bins.last().map_or(1.0, |b| b.1).max(lo * 10.0);
    let share = |c: f64| if total > 0.0 { 100.0 * c / total } else { 0.0 };
    let top = bins.iter().map(|b| share(b.2)).fold(1.0, f64::max) * 1.08;
    let (root, legend) = root.split_horizontally(WIDTH - SIDE_LEGEND);
    let mut chart = ChartBuilder::on(&root)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d((lo..hi).log_scale(), 0f64..top)?;
    chart
        .configure_mesh()
        .x_desc("outage duration (log scale)")
        .y_desc(y_desc)
        .axis_desc_style(label_font())
        .label_style(tick_font())
        .x_label_formatter(&|h| short_hours(*h))
        // A share has no ticks past 100 % (the head room above a bar of 100 %).
        .y_label_formatter(&|v| {
            if *v > 100.0 + 1e-9 {
                String::new()
            } else {
                format!("{v:.0}")
            }
        })
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart.draw_series(
        bins.iter()
            .map(|&(a, b, c)| Rectangle::new([(a, 0.0), (b, share(c))], PALETTE[0].mix(0.75).filled())),
    )?;
    let mut entries = vec![(Swatch::Block(PALETTE[0].mix(0.75)), legend_text)];
    for (name, v, c) in [("median", p50, PALETTE[1]), ("95th percentile", p95, PALETTE[6])] {
        if v > 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(v.clamp(lo, hi), 0.0), (v.clamp(lo, hi), top)],
                c.stroke_width(2),
            )))?;
            entries.push((Swatch::Line(c.to_rgba()), format!("{name}: {}", short_hours(v))));
        }
    }
    side_legend(&legend, 40, &entries)
}

fn draw_convergence<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    y_label: &str,
    points: &[(u64, Estimate)],
    references: &[(String, f64)],
    percent: bool,
) -> Drawn<DB> {
    // A single point (a run of 10 trials or fewer) sits in the middle of the axis.
    let (first, last) = match (points.first(), points.last()) {
        (Some(a), Some(b)) if b.0 > a.0.max(1) => (a.0.max(1) as f64, b.0 as f64),
        (Some(a), _) => {
            let x = a.0.max(1) as f64;
            (x / 2.0, x * 2.0)
        }
        _ => (1.0, 10.0),
    };
    // The y range covers the later three quarters of the points (the first
    // few trials are too noisy to scale by) and the reference lines.
    let settled = &points[points.len() / 4..];
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (_, e) in settled {
        lo = lo.min(e.ci_low).min(e.point);
        hi = hi.max(e.ci_high).max(e.point);
    }
    for (_, v) in references {
        lo = lo.min(*v);
        hi = hi.max(*v);
    }
    if percent && lo > 1.0 - MANY_NINES {
        return draw_unavailability(root, points, references, (first, last));
    }
    let (mut lo, mut hi) = padded(lo, hi);
    if percent {
        hi = hi.min(1.0);
        lo = lo.min(hi - 1e-9);
    }
    let digits = decimals(hi - lo);
    let (root, legend) = root.split_horizontally(WIDTH - SIDE_LEGEND);
    let mut chart = ChartBuilder::on(&root)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(y_label_area(lo, hi, percent, digits))
        .build_cartesian_2d((first..last).log_scale(), lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("trials (log scale)")
        .y_desc(y_label)
        .axis_desc_style(label_font())
        .label_style(tick_font())
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|v| value_label(tick(*v, lo, hi), percent, digits))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let clamp = |v: f64| v.clamp(lo, hi);
    let mut band: Vec<(f64, f64)> = points
        .iter()
        .map(|(n, e)| (*n as f64, clamp(e.ci_high)))
        .collect();
    band.extend(points.iter().rev().map(|(n, e)| (*n as f64, clamp(e.ci_low))));
    let conf = points.last().map_or(0.95, |p| p.1.confidence);
    chart.draw_series(std::iter::once(Polygon::new(band, PALETTE[0].mix(0.2).filled())))?;
    chart.draw_series(LineSeries::new(
        points.iter().map(|(n, e)| (*n as f64, clamp(e.point))),
        PALETTE[0].stroke_width(2),
    ))?;
    let mut entries = vec![
        (Swatch::Line(PALETTE[0].to_rgba()), "estimate".to_string()),
        (
            Swatch::Block(PALETTE[0].mix(0.2)),
            format!("{:.0} % confidence interval", conf * 100.0),
        ),
    ];
    if let [(n, e)] = points {
        // One point makes no line and no band: mark it, with its interval.
        let x = *n as f64;
        chart.draw_series([
            ErrorBar::new_vertical(
                x,
                clamp(e.ci_low),
                clamp(e.point),
                clamp(e.ci_high),
                PALETTE[0].stroke_width(2),
                12,
            )
            .into_dyn(),
            Circle::new((x, clamp(e.point)), 5, PALETTE[0].filled()).into_dyn(),
        ])?;
    }
    for (i, (name, v)) in references.iter().enumerate() {
        let c = colour(i + 1);
        chart.draw_series(DashedLineSeries::new(
            vec![(first, *v), (last, *v)],
            8,
            5,
            c.stroke_width(2),
        ))?;
        entries.push((
            Swatch::Line(c.to_rgba()),
            format!("{name}: {}", value_label(*v, percent, digits + 1)),
        ));
    }
    side_legend(&legend, 40, &entries)
}

/// Past three nines (every settled estimate and bound above 99.9 %) an
/// availability axis in percent has nothing left to show: the convergence
/// plot draws the unavailability on a log axis instead.
const MANY_NINES: f64 = 1e-3;

/// The convergence of an availability at many nines, drawn as the
/// unavailability 1 − A on a log axis (whole decades around the settled
/// points, bounds and reference lines; a bound of zero sits at the bottom).
fn draw_unavailability<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    points: &[(u64, Estimate)],
    references: &[(String, f64)],
    (first, last): (f64, f64),
) -> Drawn<DB> {
    let u = |a: f64| 1.0 - a;
    let settled = &points[points.len() / 4..];
    let (lo, hi) = settled
        .iter()
        .flat_map(|(_, e)| [u(e.point), u(e.ci_low), u(e.ci_high)])
        .chain(references.iter().map(|r| u(r.1)))
        .filter(|&v| v > 0.0 && v.is_finite())
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if hi == 0.0 {
        (1e-9, 1e-3)
    } else {
        let lo = 10f64.powf(lo.log10().floor());
        (lo, 10f64.powf(hi.log10().ceil()).max(lo * 10.0))
    };
    let clamp = |v: f64| v.clamp(lo, hi);
    let (root, legend) = root.split_horizontally(WIDTH - SIDE_LEGEND);
    let mut chart = ChartBuilder::on(&root)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(100)
        .build_cartesian_2d((first..last).log_scale(), (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("trials (log scale)")
        .y_desc("unavailability, 1 − availability (log scale)")
        .axis_desc_style(label_font())
        .label_style(tick_font())
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|v| log_label(*v))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    // The availability's upper bound is the unavailability's lower one.
    let mut band: Vec<(f64, f64)> = points
        .iter()
        .map(|(n, e)| (*n as f64, clamp(u(e.ci_low))))
        .collect();
    band.extend(points.iter().rev().map(|(n, e)| (*n as f64, clamp(u(e.ci_high)))));
    let conf = points.last().map_or(0.95, |p| p.1.confidence);
    chart.draw_series(std::iter::once(Polygon::new(band, PALETTE[0].mix(0.2).filled())))?;
    chart.draw_series(LineSeries::new(
        points.iter().map(|(n, e)| (*n as f64, clamp(u(e.point)))),
        PALETTE[0].stroke_width(2),
    ))?;
    let mut entries = vec![
        (Swatch::Line(PALETTE[0].to_rgba()), "estimate".to_string()),
        (
            Swatch::Block(PALETTE[0].mix(0.2)),
            format!("{:.0} % confidence interval", conf * 100.0),
        ),
    ];
    if let [(n, e)] = points {
        let x = *n as f64;
        chart.draw_series([
            ErrorBar::new_vertical(
                x,
                clamp(u(e.ci_high)),
                clamp(u(e.point)),
                clamp(u(e.ci_low)),
                PALETTE[0].stroke_width(2),
                12,
            )
            .into_dyn(),
            Circle::new((x, clamp(u(e.point))), 5, PALETTE[0].filled()).into_dyn(),
        ])?;
    }
    for (i, (name, v)) in references.iter().enumerate() {
        let c = colour(i + 1);
        chart.draw_series(DashedLineSeries::new(
            vec![(first, clamp(u(*v))), (last, clamp(u(*v)))],
            8,
            5,
            c.stroke_width(2),
        ))?;
        entries.push((Swatch::Line(c.to_rgba()), format!("{name}: {:.2e}", u(*v))));
    }
    side_legend(&legend, 40, &entries)
}

/// The y range of a panel: its intervals (and zero, for bars and
/// differences), padded. A panel of values
/// that cannot be negative (no difference among them) starts at 0 at the
/// lowest, so that no axis shows negative downtime or outages.
fn panel_range(panel: &Panel, lines: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for e in panel.series.iter().flat_map(|s| s.1.iter().flatten()) {
        lo = lo.min(e.ci_low);
        hi = hi.max(e.ci_high);
    }
    let non_negative = !panel.zero_line && lo >= 0.0;
    if panel.zero_line || !lines {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let (mut lo, mut hi) = padded(lo, hi);
    if non_negative {
        lo = lo.max(0.0);
    }
    if panel.percent {
        hi = hi.min(1.0);
        lo = lo.min(hi - 1e-9);
    }
    (lo, hi)
}

/// A tick value with the rounding noise of the axis arithmetic removed:
/// a tick a billionth of the range from zero is zero (not `-2.22e-16`).
fn tick(v: f64, lo: f64, hi: f64) -> f64 {
    if v.abs() <= 1e-9 * (hi - lo).abs() { 0.0 } else { v }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    lines: bool,
    legend_w: u32,
) -> Drawn<DB> {
    if panel.log && !lines && !panel.zero_line {
        return draw_log_panel(area, panel, legend_w);
    }
    let (categories, x_label) = (&panel.categories, &panel.x_label);
    let n = categories.len().max(1);
    let (lo, hi) = panel_range(panel, lines);
    let digits = decimals(hi - lo);
    // The legend goes beside the chart, where it cannot hide a point.
    let (area, legend) = area.split_horizontally(area.dim_in_pixel().0.saturating_sub(legend_w));
    // Category i spans [i, i + 1) on the x axis; its label sits at the centre.
    let mut chart = ChartBuilder::on(&area)
        .margin(14)
        .x_label_area_size(50)
        .y_label_area_size(y_label_area(lo, hi, panel.percent, digits))
        .build_cartesian_2d(Centred(n), lo..hi)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(&panel.y_label)
        .axis_desc_style(label_font())
        .label_style(tick_font())
        .x_label_formatter(&|v| categories.get(v.floor() as usize).cloned().unwrap_or_default())
        .y_label_formatter(&|v| value_label(tick(*v, lo, hi), panel.percent, digits))
        .light_line_style(WHITE.mix(0.0))
        .disable_x_mesh()
        .draw()?;
    if panel.zero_line {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (n as f64, 0.0)],
            BLACK.stroke_width(1),
        )))?;
    }
    let k = panel.series.len().max(1);
    // Bars share 70 % of a category's width; points and lines sit at the centre.
    let width = 0.7 / k as f64;
    for (si, (_, values)) in panel.series.iter().enumerate() {
        let c = colour(si);
        let x = |i: usize| {
            if lines {
                i as f64 + 0.5
            } else {
                i as f64 + 0.15 + width * (si as f64 + 0.5)
            }
        };
        let known = || values.iter().enumerate().filter_map(|(i, e)| e.map(|e| (i, e)));
        // A point or bar on too few outages is drawn hollow: an outline on white.
        let few = |i: usize| panel.few.get(si).and_then(|f| f.get(i)).copied().unwrap_or(false);
        if lines {
            chart.draw_series(LineSeries::new(
                known().map(|(i, e)| (x(i), e.point.clamp(lo, hi))),
                c.stroke_width(2),
            ))?;
            chart.draw_series(known().map(|(i, e)| {
                let at = (x(i), e.point.clamp(lo, hi));
                if few(i) {
                    EmptyElement::at(at)
                        + Circle::new((0, 0), 5, WHITE.filled())
                        + Circle::new((0, 0), 5, c.stroke_width(2))
                } else {
                    EmptyElement::at(at)
                        + Circle::new((0, 0), 4, c.filled())
                        + Circle::new((0, 0), 4, c.stroke_width(1))
                }
            }))?;
        } else {
            let base = 0f64.clamp(lo, hi);
            chart.draw_series(known().map(|(i, e)| {
                let half = width * 0.45;
                let corners = [(x(i) - half, base), (x(i) + half, e.point.clamp(lo, hi))];
                if few(i) {
                    Rectangle::new(corners, c.stroke_width(2))
                } else {
                    Rectangle::new(corners, c.mix(0.7).filled())
                }
            }))?;
        }
        chart.draw_series(known().map(|(i, e)| {
            ErrorBar::new_vertical(
                x(i),
                e.ci_low.clamp(lo, hi),
                e.point.clamp(lo, hi),
                e.ci_high.clamp(lo, hi),
                if lines {
                    c.stroke_width(2)
                } else {
                    BLACK.stroke_width(1)
                },
                10,
            )
        }))?;
    }
    side_legend(&legend, 24, &panel_legend(panel, lines))
}

/// The legend of a panel: a swatch per series, and what hollow means.
fn panel_legend(panel: &Panel, lines: bool) -> Vec<(Swatch, String)> {
    let entries: Vec<(Swatch, String)> = panel
        .series
        .iter()
        .enumerate()
        .map(|(si, (name, _))| {
            let c = colour(si);
            let swatch = if lines {
                Swatch::Line(c.to_rgba())
            } else {
                Swatch::Block(c.mix(0.7))
            };
            (swatch, name.clone())
        })
        .collect();
    let mut entries = entries;
    if panel.few.iter().flatten().any(|&f| f) {
        entries.push((
            Swatch::Hollow(BLACK.to_rgba()),
            "hollow: effective outages, too few to trust".to_string(),
        ));
    }
    entries
}

/// Whole decades around every positive value and bound of a panel.
fn log_range(panel: &Panel) -> (f64, f64) {
    let (lo, hi) = panel
        .series
        .iter()
        .flat_map(|s| s.1.iter().flatten())
        .flat_map(|e| [e.point, e.ci_low, e.ci_high])
        .filter(|&v| v > 0.0 && v.is_finite())
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if hi == 0.0 {
        return (1e-3, 1.0);
    }
    let lo = 10f64.powf(lo.log10().floor());
    (lo, 10f64.powf(hi.log10().ceil()).max(lo * 10.0))
}

/// A panel of bars on a log axis (see [`Panel::log`]).
fn draw_log_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    legend_w: u32,
) -> Drawn<DB> {
    let categories = &panel.categories;
    let n = categories.len().max(1);
    let (lo, hi) = log_range(panel);
    let (area, legend) = area.split_horizontally(area.dim_in_pixel().0.saturating_sub(legend_w));
    let mut chart = ChartBuilder::on(&area)
        .margin(14)
        .x_label_area_size(50)
        .y_label_area_size(100)
        .build_cartesian_2d(Centred(n), (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc(&panel.x_label)
        .y_desc(format!("{} (log scale)", panel.y_label))
        .axis_desc_style(label_font())
        .label_style(tick_font())
        .x_label_formatter(&|v| categories.get(v.floor() as usize).cloned().unwrap_or_default())
        .y_label_formatter(&|v| log_label(*v))
        .light_line_style(WHITE.mix(0.0))
        .disable_x_mesh()
        .draw()?;
    let width = 0.7 / panel.series.len().max(1) as f64;
    for (si, (_, values)) in panel.series.iter().enumerate() {
        let c = colour(si);
        let x = |i: usize| i as f64 + 0.15 + width * (si as f64 + 0.5);
        let known = || values.iter().enumerate().filter_map(|(i, e)| e.map(|e| (i, e)));
        let few = |i: usize| panel.few.get(si).and_then(|f| f.get(i)).copied().unwrap_or(false);
        chart.draw_series(known().filter(|(_, e)| e.point > 0.0).map(|(i, e)| {
            let half = width * 0.45;
            let corners = [(x(i) - half, lo), (x(i) + half, e.point.clamp(lo, hi))];
            if few(i) {
                Rectangle::new(corners, c.stroke_width(2))
            } else {
                Rectangle::new(corners, c.mix(0.7).filled())
            }
        }))?;
        chart.draw_series(known().map(|(i, e)| {
            ErrorBar::new_vertical(
                x(i),
                e.ci_low.clamp(lo, hi),
                e.point.clamp(lo, hi),
                e.ci_high.clamp(lo, hi),
                BLACK.stroke_width(1),
                10,
            )
        }))?;
    }
    side_legend(&legend, 24, &panel_legend(panel, false))
}

/// A tick of a log axis: `1e-6`, `3e-4`, and plain numbers from 0.01 to 1,000.
fn log_label(v: f64) -> String {
    if (1e-2..1e4).contains(&v.abs()) {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.0e}")
    }
}

fn draw_timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    from: f64,
    horizon: f64,
    rows: &[Row],
    omitted: usize,
) -> Drawn<DB> {
    let n = rows.len().max(1);
    let horizon = if horizon > from { horizon } else { from + 1.0 };
    let (root, legend) = root.split_horizontally(WIDTH - TIMELINE_LEGEND);
    // Row r (from the top) spans [n - 1 - r, n - r) on the y axis.
    let mut chart = ChartBuilder::on(&root)
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(150)
        .build_cartesian_2d(from..horizon, Centred(n))?;
    let x_desc = if omitted > 0 {
        format!("time in the mission [h] ({omitted} more elements changed state: see `redsim trace`)")
    } else {
        "time in the mission [h]".to_string()
    };
    // A zoomed window keeps the digits that tell its ticks apart.
    let digits = if horizon - from >= 10.0 {
        0
    } else {
        decimals((horizon - from) / 10.0)
    };
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .axis_desc_style(label_font())
        .label_style(tick_font())
        .y_label_formatter(&|v| {
            let r = n as i64 - 1 - v.floor() as i64;
            usize::try_from(r)
                .ok()
                .and_then(|r| rows.get(r))
                .map(|row| shorten(&row.label, ROW_LABEL_CHARS))
                .unwrap_or_default()
        })
        .x_label_formatter(&|h| format!("{h:.digits$}"))
        .light_line_style(WHITE.mix(0.0))
        .disable_y_mesh()
        .draw()?;
    // The shortest span drawn is 2 px wide, so that brief outages show.
    let min_width = (horizon - from) * 2.0 / f64::from(WIDTH - TIMELINE_LEGEND - 180);
    for (r, row) in rows.iter().enumerate() {
        let y0 = (n - 1 - r) as f64;
        chart.draw_series(row.spans.iter().map(|&(a, b, kind)| {
            let (lo, hi) = if kind == Span::Up {
                (0.4, 0.6)
            } else {
                (0.15, 0.85)
            };
            let b = b.max(a + min_width).min(horizon);
            Rectangle::new([(a, y0 + lo), (b, y0 + hi)], kind.colour().filled())
        }))?;
    }
    // The legend, beside the chart: one entry per kind of span present.
    let entries: Vec<(Swatch, String)> = Span::ALL
        .into_iter()
        .filter(|k| rows.iter().any(|r| r.spans.iter().any(|s| s.2 == *k)))
        .map(|k| (Swatch::Block(k.colour().to_rgba()), k.legend().to_string()))
        .collect();
    side_legend(&legend, 40, &entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_text_wraps_at_words_and_cuts_what_cannot_wrap() {
        assert_eq!(
            wrap("exact steady state (no start-up transient): 99.98%", 20),
            ["exact steady state", "(no start-up", "transient): 99.98%"]
        );
        assert_eq!(wrap("abcdefghijkl", 6), ["abcde…"]);
        assert!(wrap("", 6).is_empty());
    }

    /// The text of an SVG's `<text>` elements.
    fn svg_texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")))
            .map(|(text, _)| text.trim().to_string())
            .collect()
    }

    #[test]
    fn bars_decades_apart_share_a_log_axis() {
        // N+1 down 0.5 h a year, 2N 2e-6 h: on a linear axis 2N is no bar at all.
        let mut p = panel(&[(0.5, 0.3, 0.7), (2e-6, 0.0, 5e-6)], false);
        p.log = true;
        let plot = Plot {
            name: "compare-web".into(),
            title: "web".into(),
            service: None,
            kind: Kind::Panels {
                panels: vec![p.clone()],
                lines: false,
            },
        };
        let texts = svg_texts(&plot.svg().unwrap());
        assert!(texts.contains(&"y (log scale)".to_string()), "{texts:?}");
        // Plotters leaves out the tick at the axis's very bottom (1e-6).
        for tick in ["1e-5", "1e-4", "1e-3", "0.01", "0.1", "1"] {
            assert!(texts.contains(&tick.to_string()), "no tick {tick}: {texts:?}");
        }
        assert_eq!(log_range(&p), (1e-6, 1.0));
        // Both bars are drawn, the 2N one at least 10 px tall (on a linear
        // axis of 380 px it would be a 0.001 px sliver): the series' filled
        // rectangles left of the legend.
        let svg = plot.svg().unwrap();
        let c = colour(0);
        let fill = format!("fill=\"#{:02X}{:02X}{:02X}\"", c.0, c.1, c.2);
        let attr = |r: &str, name: &str| -> f64 {
            let v = r
                .split(&format!(" {name}=\""))
                .nth(1)
                .and_then(|v| v.split('"').next());
            v.and_then(|v| v.parse().ok()).unwrap_or(f64::NAN)
        };
        let heights: Vec<f64> = svg
            .lines()
            .filter(|l| l.starts_with("<rect") && l.contains(&fill) && attr(l, "x") < 900.0)
            .map(|l| attr(l, "height"))
            .collect();
        assert_eq!(heights.len(), 2, "{svg}");
        assert!(heights.iter().all(|&h| h >= 10.0), "{heights:?}");
        assert_eq!(log_label(3e-4), "3e-4");
        assert_eq!(log_label(0.5), "0.5");
        assert_eq!(log_label(100.0), "100");
    }

    #[test]
    fn convergence_at_eight_nines_draws_the_unavailability_on_a_log_axis() {
        let a = |u: f64, lo: f64, hi: f64| Estimate {
            point: 1.0 - u,
            std_error: None,
            ci_low: 1.0 - hi,
            ci_high: 1.0 - lo,
            confidence: 0.95,
        };
        let points: Vec<(u64, Estimate)> = (1..=8)
            .map(|k| (10u64.pow(k / 2 + 1), a(3e-9, 0.0, 2e-8 / f64::from(k))))
            .collect();
        let plot = Plot {
            name: "convergence-web".into(),
            title: "web".into(),
            service: None,
            kind: Kind::Convergence {
                y_label: "availability".into(),
                points,
                references: vec![("target".into(), 1.0 - 1e-8)],
                percent: true,
            },
        };
        let texts = svg_texts(&plot.svg().unwrap());
        assert!(
            texts.contains(&"unavailability, 1 − availability (log scale)".to_string()),
            "{texts:?}"
        );
        for tick in ["1e-8", "5e-8"] {
            assert!(texts.contains(&tick.to_string()), "no tick {tick}: {texts:?}");
        }
        assert!(texts.iter().any(|t| t == "target: 1.00e-8"), "{texts:?}");
        // At two nines the axis stays availability in percent.
        let Kind::Convergence { points, .. } = &plot.kind else {
            unreachable!()
        };
        let low: Vec<(u64, Estimate)> = points.iter().map(|&(n, _)| (n, a(0.01, 0.005, 0.02))).collect();
        let plain = Plot {
            kind: Kind::Convergence {
                y_label: "availability".into(),
                points: low,
                references: vec![],
                percent: true,
            },
            ..plot.clone()
        };
        let texts = svg_texts(&plain.svg().unwrap());
        assert!(texts.contains(&"availability".to_string()), "{texts:?}");
        assert!(!texts.iter().any(|t| t.contains("unavailability")), "{texts:?}");
    }

    #[test]
    fn axis_durations_are_short_and_readable() {
        assert_eq!(short_hours(0.5 / 60.0), "30s");
        assert_eq!(short_hours(0.25), "15m");
        assert_eq!(short_hours(2.0), "2h");
        assert_eq!(short_hours(72.0), "3d");
        assert_eq!(short_hours(1.5), "1.5h");
    }

    fn panel(values: &[(f64, f64, f64)], zero_line: bool) -> Panel {
        let e = |&(point, ci_low, ci_high): &(f64, f64, f64)| {
            Some(Estimate {
                point,
                std_error: Some((ci_high - ci_low) / 4.0),
                ci_low,
                ci_high,
                confidence: 0.95,
            })
        };
        Panel {
            categories: (0..values.len()).map(|i| i.to_string()).collect(),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![("s".into(), values.iter().map(e).collect())],
            percent: false,
            log: false,
            zero_line,
            few: Vec::new(),
        }
    }

    #[test]
    fn axes_of_quantities_that_cannot_be_negative_start_at_zero() {
        // A sweep where no point saw downtime: a span of zero.
        for lines in [true, false] {
            let (lo, hi) = panel_range(&panel(&[(0.0, 0.0, 0.0), (0.0, 0.0, 0.0)], false), lines);
            assert!(lo == 0.0 && hi > 0.0, "{lo}..{hi}");
            let (lo, _) = panel_range(&panel(&[(0.5, 0.1, 0.9), (70.0, 60.0, 80.0)], false), lines);
            assert_eq!(lo, 0.0);
        }
        // Differences may be negative.
        let (lo, hi) = panel_range(&panel(&[(-0.8, -1.2, -0.4)], true), false);
        assert!(lo < -1.2 && hi >= 0.0, "{lo}..{hi}");
    }

    #[test]
    fn a_tick_at_zero_reads_zero() {
        let p = Plot {
            name: "d".into(),
            title: "differences".into(),
            service: None,
            kind: Kind::Panels {
                panels: vec![panel(&[(-0.78, -1.15, -0.42), (-0.78, -1.15, -0.42)], true)],
                lines: false,
            },
        };
        let svg = p.svg().unwrap();
        assert!(!svg.contains("e-1"), "a tick in rounding noise: {svg}");
        assert_eq!(tick(-2.22e-16, -1.3, 0.3), 0.0);
        assert_eq!(tick(-0.2, -1.3, 0.3), -0.2);
    }

    #[test]
    fn long_tick_labels_get_room_beside_the_axis_description() {
        // 99.99999988 % .. 100 %: ten-digit percentages.
        let (lo, hi) = (0.999_999_998_8, 1.0);
        let digits = decimals(hi - lo);
        let label = value_label(0.999_999_999, true, digits);
        assert!(label.len() >= 12, "{label}");
        assert!(y_label_area(lo, hi, true, digits) >= 9 * label.len() as u32 + 40);
        assert_eq!(y_label_area(0.0, 3.0, false, decimals(3.0)), 100);
    }

    #[test]
    fn long_ids_are_cut_with_an_ellipsis() {
        assert_eq!(shorten("web", 5), "web");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
        assert_eq!(shorten("ééééééé", 3), "éé…");
    }

    #[test]
    fn a_share_axis_stops_at_100_percent() {
        // One outage: one bar of 100 %, and head room above it for the legend.
        let p = Plot {
            name: "durations-s".into(),
            title: "s: outage durations".into(),
            service: None,
            kind: Kind::Durations {
                bins: vec![(3.98, 6.31, 1)],
                zero_length: 0,
                p50: 4.1,
                p95: 4.1,
            },
        };
        let svg = p.svg().unwrap();
        assert!(svg.contains("\n100\n"), "no 100 % tick");
        for past in ["\n120\n", "\n140\n"] {
            assert!(!svg.contains(past), "a share past 100 %: {past:?}");
        }
    }

    #[test]
    fn a_panel_legend_sits_beside_the_chart_not_on_the_data() {
        // Ten categories: the last point is near the right edge, at the top.
        let mut values = vec![(0.5, 0.4, 0.6); 9];
        values.push((0.99, 0.98, 1.0));
        let mut p = panel(&values, false);
        p.series.push(("second curve".into(), p.series[0].1.clone()));
        p.series[0].0 = "first curve".into();
        let plot = Plot {
            name: "sweep".into(),
            title: "sweep".into(),
            service: None,
            kind: Kind::Panels {
                panels: vec![p],
                lines: true,
            },
        };
        let svg = plot.svg().unwrap();
        // x of the text element holding `label`, and of every data point.
        let x_of = |tag: &str| -> f64 {
            let x = &tag[tag.find(" x=\"").unwrap() + 4..];
            x[..x.find('"').unwrap()].parse().unwrap()
        };
        let label_x = svg
            .split("<text")
            .find(|t| t.contains("first curve"))
            .map(x_of)
            .expect("the legend entry");
        let points: Vec<f64> = svg
            .split("<circle")
            .skip(1)
            .map(|c| {
                let cx = &c[c.find("cx=\"").unwrap() + 4..];
                cx[..cx.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert!(!points.is_empty());
        for x in points {
            assert!(
                x + 10.0 < label_x,
                "a point at x = {x} under the legend at {label_x}"
            );
        }
    }

    #[test]
    fn axis_values_keep_the_digits_that_differ() {
        // A range of 0.0001 (0.01 %) needs two decimals in percent.
        let d = decimals(0.0001);
        assert_eq!(value_label(0.99995, true, d), "99.995%");
        assert_eq!(value_label(1.5, false, decimals(1.0)), "1.5");
    }
}
