//! Argument groups and value parsers shared by several commands: the
//! simulation options, the report outputs, `--rare`, and the parsers of
//! trial counts, seeds, thread counts, confidence levels and times.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::engine::{DEFAULT_SEED, RunConfig};
use crate::scenario::{self};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// The versioned JSON report (docs/report-format.md).
    Json,
    /// Comma-separated values, a row per service: the JSON report's numbers
    /// under its keys joined with dots (docs/report-format.md).
    Csv,
}

impl From<Format> for crate::report::Format {
    fn from(f: Format) -> Self {
        match f {
            Format::Table => Self::Table,
            Format::Json => Self::Json,
            Format::Csv => Self::Csv,
        }
    }
}

/// How a simulation runs.
#[derive(Debug, clap::Args)]
pub struct SimOptions {
    /// Number of Monte Carlo trials (each one mission long).
    #[arg(long, default_value_t = 10_000, value_parser = parse_trials)]
    pub trials: u64,
    /// Master seed: the same seed, scenario and trial count give the same report.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = parse_index)]
    pub seed: u64,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_parser = parse_threads)]
    pub threads: Option<u64>,
    /// Confidence level of the intervals.
    #[arg(long, default_value_t = 0.95, value_parser = parse_confidence)]
    pub confidence: f64,
}

impl SimOptions {
    /// The engine's configuration for trials `0 .. trials`.
    pub(super) fn config(&self) -> RunConfig {
        RunConfig {
            seed: self.seed,
            first_trial: 0,
            trials: self.trials,
            threads: self.threads.map(|t| t as usize),
        }
    }
}

/// How a report is written: shared by `run`, `compare`, `sweep`, `merge` and `report`.
#[derive(Debug, clap::Args)]
pub struct RunOutput {
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report (with `--shard`: the shard file) to this file
    /// (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Also draw the plots (SVG and PNG) into this directory.
    #[arg(long, value_name = "DIR")]
    pub plot: Option<PathBuf>,
    /// Also write a self-contained HTML report (inline plots and styles, nothing fetched) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// `--set PATH=VALUE`: changes to the scenario, on every command that
/// reads one scenario (`compare` and `sweep` have their own forms).
#[derive(Debug, clap::Args)]
pub struct Changes {
    /// Change the scenario without editing the file: `PATH=VALUE`, e.g.
    /// `components.srv.mttr=8h`, `repair.crews=2`, `groups.fw.failover.switchover=30s`,
    /// one copy made by `count`: `components.web-3.mttr=8h`, an id holding a
    /// dot: `components."db.primary".mttr=8h` (repeatable, applied in order;
    /// reports record them).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// How a simulating command (`run`, `check`, `compare`, `sweep`) runs:
/// quietly or not, and with failure biasing or not.
#[derive(Debug, clap::Args)]
pub struct RunFlags {
    /// No progress and no notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Rare-event simulation: `on` draws failures from accelerated laws
    /// while the system is degraded (failure biasing) and weights every
    /// trial by its likelihood ratio, for designs whose outages plain
    /// simulation almost never sees (docs/methodology.md); `off` is plain
    /// Monte Carlo; `auto` runs a plain pilot of the first trials (at most
    /// 2,000, the same for every shard; one per design or sweep point) and
    /// switches to biasing when it projects too few outages for the
    /// intervals (every design or point when one does). Biased, `compare`
    /// runs its designs apart (each trial carries its own likelihood ratio)
    /// and gives each difference the interval of two independent means.
    #[arg(long, value_enum, default_value_t = Rare::Auto)]
    pub rare: Rare,
    /// With `--rare on` or `auto`: the probability, aimed for, that the next
    /// event of a biased degraded system is a failure (above 0, at most 0.9;
    /// default 0.2).
    #[arg(long, value_name = "P", value_parser = parse_p_bias)]
    pub rare_bias: Option<f64>,
}

/// Whether a command simulates rare events by failure biasing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Rare {
    /// Plain, unless a plain pilot sees too few outages: then failure biasing.
    Auto,
    /// Failure biasing (importance sampling).
    On,
    /// Plain Monte Carlo.
    Off,
}

/// The largest `--rare-bias`: a failure 9 times as likely as a repair in a
/// biased degraded state. Past it trials grow long fast (0.8 already costs
/// hundreds of times 0.2's events on `two-region.json`) for no gain.
pub(super) const MAX_P_BIAS: f64 = 0.9;

pub(super) fn parse_p_bias(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p <= MAX_P_BIAS => Ok(p),
        Ok(p) if p > MAX_P_BIAS && p < 1.0 => Err(format!(
            "`{s}` is above {MAX_P_BIAS}: a biased degraded system would fail again {:.0} times as often as \
             it is repaired, so trials run far longer (0.999999 runs hundreds of millions of events) and \
             the weights degenerate; give at most {MAX_P_BIAS} (0.2, the default, to 0.5 serves most models)",
            p / (1.0 - p)
        )),
        _ => Err(format!(
            "`{s}` is not a bias probability: give a number above 0 and at most {MAX_P_BIAS}, e.g. 0.33"
        )),
    }
}

/// Seconds, as a number (`300`) or a duration (`20s`, `5m`, `1h`).
pub(super) fn parse_seconds(s: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "`{}` is not a time: write seconds (e.g. 300) or a duration such as 20s, 5m or 1h",
            crate::model::printable(s)
        )
    };
    let secs = match s.trim().parse::<f64>() {
        Ok(v) => v,
        Err(_) => {
            let d: scenario::units::Duration =
                serde_json::from_value(serde_json::Value::String(s.trim().into())).map_err(|_| bad())?;
            d.0 * 3600.0
        }
    };
    if secs.is_finite() && secs > 0.0 {
        Ok(secs)
    } else {
        Err(format!(
            "`{}`: the time must be longer than 0",
            crate::model::printable(s)
        ))
    }
}

/// A confidence level: a fraction (0.95) or a percentage (95%).
pub(super) fn parse_confidence(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    }
    .map_err(|_| {
        format!(
            "`{}` is not a confidence: write 0.95 or 95%",
            crate::model::printable(s)
        )
    })?;
    if t.contains('%') && v > 0.0 && v < 0.01 {
        // 0.95% is a 0.95 % confidence level: surely meant as 95 % or 0.95.
        Err(format!(
            "a confidence of {} is almost no confidence: did you mean {}% (or {})?",
            crate::model::printable(t),
            v * 1e4,
            v * 100.0
        ))
    } else if v > 0.0 && v < 1.0 {
        Ok(v)
    } else if !t.contains('%') && v > 1.0 && v < 100.0 {
        Err(format!(
            "the confidence {t} is not a fraction between 0 and 1: did you mean {t}%?",
            t = crate::model::printable(t)
        ))
    } else {
        Err("the confidence must be between 0 and 1 (0 % and 100 %), e.g. 0.95 or 95%".into())
    }
}

/// A whole number as users write it: digits with `_` or `,` between groups
/// if wanted (1_000_000, 1,000,000), or with an exponent (1e6). `what` names
/// it in messages ("trials", "a seed").
pub(super) fn whole_number(s: &str, what: &str) -> Result<u64, String> {
    let t = s.trim();
    // Commas only as thousands separators: 1,000,000 (1,00 is a mistake).
    let grouped = |t: &str| {
        let mut groups = t.split(',');
        let first = groups.next().unwrap_or("");
        (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3)
    };
    if t.contains(',') && !grouped(t) {
        return Err(format!(
            "`{}` is not {what}: commas go between groups of three digits (1,000,000)",
            crate::model::printable(s)
        ));
    }
    let digits: String = t.chars().filter(|&c| c != '_' && c != ',').collect();
    if let Ok(n) = digits.parse::<u64>() {
        return Ok(n);
    }
    match digits.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() == 0.0 && v >= 18_446_744_073_709_551_616.0 => Err(format!(
            "`{}` is too large for {what}: at most {} fits",
            crate::model::printable(s),
            u64::MAX
        )),
        Ok(v) if v.is_finite() && v >= 0.0 && v.fract() == 0.0 => Ok(v as u64),
        _ => Err(format!(
            "`{}` is not {what}: write a whole number such as 10000, 1_000_000 or 1e6",
            crate::model::printable(s)
        )),
    }
}

/// A number of trials: a [`whole_number`] of at least 2.
pub(super) fn parse_trials(s: &str) -> Result<u64, String> {
    match whole_number(s, "a number of trials")? {
        n if n >= 2 => Ok(n),
        n => Err(format!(
            "{n} trials are too few: at least 2 are needed for an interval"
        )),
    }
}

/// A seed or a trial index: any [`whole_number`].
pub(super) fn parse_index(s: &str) -> Result<u64, String> {
    whole_number(s, "a whole number")
}

/// A thread count: a [`whole_number`] from 1 to 1024.
pub(super) fn parse_threads(s: &str) -> Result<u64, String> {
    match whole_number(s, "a number of threads")? {
        n @ 1..=1024 => Ok(n),
        n => Err(format!("{n} threads: give 1 to 1024")),
    }
}
