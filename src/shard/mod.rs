//! Sharded runs: a run, sweep or comparison split into contiguous ranges of
//! its trials, each range run anywhere and written to a shard file
//! (`redsim-shard/5`), the files merged exactly into the result of one run.
//!
//! Trial `i` depends only on (seed, i, element ids, the failure-biasing
//! settings), and every statistic is an integer sum (under failure biasing
//! the weighted sums too, in big integers), so the merged tallies are those
//! of a single run, bit for bit. A shard file carries what a merge must check and what a report
//! needs: the settings, the scenario text (hashed), the tallies, and a
//! checksum of all of it, so that an altered or damaged file is refused
//! (its counts are also checked against what its trials can give); a run's
//! tally is split at [`engine::checkpoints`] of the whole run, so that a
//! merged result keeps the running estimates of a single run.
//!
//! Nothing here prints or reads the environment: the caller passes a lookup
//! for the scheduler's index variables.

mod wire;

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use wire::{
    FORMAT, Kind, OLDER_FORMATS, PLAIN_FORMAT, PRE_LONGEST_FORMAT, PRE_PILOT_FORMAT, Part, Source, checksum,
};

use num_bigint::BigUint;

use crate::analysis::compare::{CompareTally, shared_services};
use crate::analysis::rare::{needs_pilot, pilot_trials};
use crate::engine::{
    self, DurationHist, PairedTally, RareOptions, ServiceTally, Tally, WeightedMoments, Wide,
};
use crate::model::Model;
use crate::scenario::{self, Scenario};

/// Environment variables that hold a job's index in an array, in the order
/// they are read: Slurm job arrays, Kubernetes Indexed Jobs, AWS Batch array jobs.
pub const INDEX_VARIABLES: [&str; 3] = [
    "SLURM_ARRAY_TASK_ID",
    "JOB_COMPLETION_INDEX",
    "AWS_BATCH_JOB_ARRAY_INDEX",
];

/// Why a shard could not be chosen, read or merged.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("--shard `{spec}`: {message}")]
    Spec { spec: String, message: String },
    // Not `#[source]`: the message says it already, and a chain would say it twice.
    #[error("cannot read {}: {error}", crate::model::shown_path(file))]
    Read { file: PathBuf, error: std::io::Error },
    #[error(
        "{}: not a redsim shard or result file ({found}); pass the files written by \
         `redsim run|sweep|compare --shard K/N` or `redsim merge --result`",
        crate::model::shown_path(file)
    )]
    NotShard { file: PathBuf, found: String },
    #[error(
        "{}: written by an older redsim (format `{found}`, {lacks}); this redsim reads \
         `{FORMAT}`: regenerate it by running its shards again with this redsim (and merging them again)",
        crate::model::shown_path(file)
    )]
    Older {
        file: PathBuf,
        found: String,
        /// What the older format lacks.
        lacks: &'static str,
    },
    #[error("{}: {}", crate::model::shown_path(file), list(problems))]
    Invalid { file: PathBuf, problems: Vec<String> },
    #[error("cannot merge the shards: {}", list(problems))]
    Merge { problems: Vec<String> },
}

fn list(problems: &[String]) -> String {
    match problems {
        [one] => one.clone(),
        _ => {
            let body: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
            format!("{} problems\n{}", problems.len(), body.join("\n"))
        }
    }
}

/// `--shard K/N` or `--shard auto/N` as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartSpec {
    Fixed(Part),
    /// The index from a scheduler's environment ([`INDEX_VARIABLES`]).
    Auto {
        count: u64,
    },
}

impl FromStr for PartSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let usage = || {
            format!(
                "`{}` is not a shard: write K/N (0-based, e.g. 0/8) or auto/N",
                crate::model::printable(s)
            )
        };
        let (k, n) = s.split_once('/').ok_or_else(usage)?;
        let count: u64 = n.trim().parse().map_err(|_| usage())?;
        if count == 0 {
            return Err("the number of shards N must be at least 1".into());
        }
        if k.trim() == "auto" {
            return Ok(Self::Auto { count });
        }
        let index: u64 = k.trim().parse().map_err(|_| usage())?;
        if index >= count {
            return Err(format!(
                "shard index {index} is out of range for {count} shards: indexes are 0 to {} (0-based)",
                count - 1
            ));
        }
        Ok(Self::Fixed(Part { index, count }))
    }
}

impl fmt::Display for PartSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(p) => write!(f, "{}/{}", p.index, p.count),
            Self::Auto { count } => write!(f, "auto/{count}"),
        }
    }
}

impl PartSpec {
    /// The shard, its index read with `var` from the scheduler's variable
    /// for `auto`.
    ///
    /// # Errors
    /// For `auto`: when no index variable is set, one is not a number or
    /// out of range, or two disagree.
    pub fn resolve(self, var: impl Fn(&str) -> Option<String>) -> Result<Part, ShardError> {
        let count = match self {
            Self::Fixed(p) => return Ok(p),
            Self::Auto { count } => count,
        };
        let bad = |message: String| ShardError::Spec {
            spec: self.to_string(),
            message,
        };
        let set: Vec<(&str, String)> = INDEX_VARIABLES
            .iter()
            .filter_map(|&v| var(v).map(|x| (v, x.trim().to_string())))
            .filter(|(_, x)| !x.is_empty())
            .collect();
        let Some((name, value)) = set.first() else {
            return Err(bad(format!(
                "no shard index in the environment: none of {} is set; run under a job array or give the index, --shard K/{count}",
                INDEX_VARIABLES.join(", ")
            )));
        };
        if let Some((other, v)) = set.iter().find(|(_, v)| v != value) {
            return Err(bad(format!(
                "the environment disagrees on the shard index: {name}={} but {other}={}; give it as --shard K/{count}",
                crate::model::printable(value),
                crate::model::printable(v)
            )));
        }
        let index: u64 = value.parse().map_err(|_| {
            bad(format!(
                "{name}={} is not a shard index (a whole number)",
                crate::model::printable(value)
            ))
        })?;
        if index >= count {
            return Err(bad(format!(
                "{name}={index} is out of range for {count} shards (0 to {}): number the array's tasks from 0, e.g. Slurm --array=0-{}",
                count - 1,
                count - 1
            )));
        }
        Ok(Part { index, count })
    }
}

impl Part {
    /// The trials of this shard of a run of `total`: `K·T/N .. (K+1)·T/N`,
    /// contiguous ranges that tile `0 .. total` and differ in size by at most one.
    pub fn range(self, total: u64) -> (u64, u64) {
        let at = |k: u64| (u128::from(k) * u128::from(total) / u128::from(self.count)) as u64;
        (at(self.index), at(self.index + 1))
    }
}

/// The settings of a sharded run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub seed: u64,
    /// Trials of the whole run.
    pub trials: u64,
    pub confidence: f64,
    /// Failure biasing (`--rare on`) and its settings; `None`: plain Monte Carlo.
    pub rare: Option<RareOptions>,
}

/// The method's name, as in the file and the reports.
fn method_name(rare: Option<&RareOptions>) -> &'static str {
    if rare.is_some() {
        "failure-biasing"
    } else {
        "plain"
    }
}

/// A shard (or, covering every trial, a result) in memory, checked.
#[derive(Debug, Clone)]
pub struct Shard {
    pub redsim_version: String,
    pub scenario_sha256: String,
    pub settings: Settings,
    pub part: Part,
    /// The trials held: `first .. end`.
    pub first: u64,
    pub end: u64,
    pub generator: String,
    /// The scenario (run, sweep) or the designs (compare).
    pub scenarios: Vec<Source>,
    pub data: Data,
}

/// What a shard holds, by kind.
#[derive(Debug, Clone)]
pub enum Data {
    Run {
        model: Box<Model>,
        /// Split at the run's checkpoints within the range, and at its end (none when empty).
        segments: Vec<Tally>,
        /// Under failure biasing, when the segments saw no outage of a
        /// service ([`needs_pilot`]): the plain pilot of the whole run
        /// ([`crate::analysis::rare::run_unseen_pilot`]), which the report
        /// gives that service's figures from.
        pilot: Option<Vec<Tally>>,
    },
    Sweep {
        parameters: Vec<(String, Vec<String>)>,
        points: Vec<SweepPoint>,
    },
    Compare {
        models: Vec<Model>,
        /// Paired on common random numbers (plain), or each design's own
        /// tally (failure biasing: independent runs).
        tally: CompareTally,
        /// Under failure biasing, per design: its plain pilot where its
        /// tally saw no outage of a service ([`needs_pilot`]); empty when
        /// paired.
        pilots: Vec<Option<Tally>>,
    },
}

/// One point of a sweep: its changes, its model and its tally.
#[derive(Debug, Clone)]
pub struct SweepPoint {
    pub set: Vec<String>,
    pub model: Model,
    pub tally: Tally,
    /// Under failure biasing, when the tally saw no outage of a service
    /// ([`needs_pilot`]): the point's plain pilot.
    pub pilot: Option<Tally>,
}

impl Source {
    /// The source of a loaded scenario, read from `file` as given.
    pub fn of(file: &Path, sc: &Scenario) -> Self {
        Self {
            name: sc.model.name.clone(),
            file: file.display().to_string(),
            sha256: sc.sha256.clone(),
            set: sc.set.clone(),
            mission_hours: sc.model.mission,
            text: sc.source.clone(),
        }
    }

    /// The scenario again, with `extra` changes after its own.
    fn resolve(&self, extra: &[String]) -> Result<Scenario, scenario::ScenarioError> {
        let sets: Vec<String> = self.set.iter().chain(extra).cloned().collect();
        scenario::from_source(Path::new(&self.file), self.text.clone(), &sets)
    }
}

impl Data {
    pub fn kind(&self) -> Kind {
        match self {
            Self::Run { .. } => Kind::Run,
            Self::Sweep { .. } => Kind::Sweep,
            Self::Compare { .. } => Kind::Compare,
        }
    }
}

/// The kind's name, as in the file.
pub fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Run => "run",
        Kind::Sweep => "sweep",
        Kind::Compare => "compare",
    }
}

/// What identifies the resolved scenario(s) of a shard: for a run the
/// scenario's [`scenario::resolved_sha256`]; for a sweep that and the grid;
/// for a comparison every design's, in order.
fn identity(scenarios: &[Source], data: &Data) -> String {
    let resolved: Vec<String> = scenarios
        .iter()
        .map(|s| scenario::resolved_sha256(&s.sha256, &s.set))
        .collect();
    match data {
        Data::Run { .. } => resolved.first().cloned().unwrap_or_default(),
        Data::Sweep { parameters, .. } => {
            let mut parts: Vec<String> = vec!["redsim-sweep/1".into()];
            parts.extend(resolved);
            for (path, values) in parameters {
                parts.push(path.clone());
                parts.push(values.len().to_string());
                parts.extend(values.iter().cloned());
            }
            scenario::sha256_parts(parts.iter().map(String::as_str))
        }
        Data::Compare { .. } => {
            let parts = std::iter::once("redsim-compare/1").chain(resolved.iter().map(String::as_str));
            scenario::sha256_parts(parts)
        }
    }
}

impl Shard {
    /// A shard of this redsim version and generator.
    pub fn new(settings: Settings, part: Part, scenarios: Vec<Source>, data: Data) -> Self {
        let (first, end) = part.range(settings.trials);
        Self {
            redsim_version: env!("CARGO_PKG_VERSION").into(),
            scenario_sha256: identity(&scenarios, &data),
            settings,
            part,
            first,
            end,
            generator: engine::rng::GENERATOR.into(),
            scenarios,
            data,
        }
    }

    pub fn kind(&self) -> Kind {
        self.data.kind()
    }

    /// Whether it holds every trial of its run.
    pub fn is_complete(&self) -> bool {
        self.first == 0 && self.end == self.settings.trials
    }

    /// The file's text: pretty JSON ending with a newline. The same shard
    /// gives the same bytes (no time, host or path of its own in it).
    pub fn to_json(&self) -> String {
        use wire::{Point, Segment, ShardFile};
        let mut file = ShardFile {
            format: FORMAT.into(),
            kind: self.kind(),
            redsim_version: self.redsim_version.clone(),
            scenario_sha256: self.scenario_sha256.clone(),
            seed: self.settings.seed,
            trials: self.settings.trials,
            range: wire::Range {
                first: self.first,
                end: self.end,
            },
            shard: self.part,
            confidence: self.settings.confidence,
            generator: self.generator.clone(),
            method: Some(method_name(self.settings.rare.as_ref()).into()),
            rare: self.settings.rare.as_ref().map(Into::into),
            scenarios: self.scenarios.clone(),
            parameters: Vec::new(),
            segments: None,
            pilot: None,
            points: None,
            paired: None,
            designs: None,
            pilots: None,
            checksum: String::new(),
        };
        match &self.data {
            Data::Run { segments, pilot, .. } => {
                let split = |first: u64, segments: &[Tally]| -> Vec<Segment> {
                    let mut end = first;
                    segments
                        .iter()
                        .map(|t| {
                            end += t.trials;
                            Segment { end, tally: t.into() }
                        })
                        .collect()
                };
                file.segments = Some(split(self.first, segments));
                file.pilot = pilot.as_deref().map(|p| split(0, p));
            }
            Data::Sweep { parameters, points } => {
                file.parameters = parameters
                    .iter()
                    .map(|(path, values)| wire::Parameter {
                        path: path.clone(),
                        values: values.clone(),
                    })
                    .collect();
                file.points = Some(
                    points
                        .iter()
                        .map(|p| Point {
                            set: p.set.clone(),
                            tally: (&p.tally).into(),
                            pilot: p.pilot.as_ref().map(Into::into),
                        })
                        .collect(),
                );
            }
            Data::Compare {
                models,
                tally,
                pilots,
            } => match tally {
                CompareTally::Paired(paired) => {
                    let refs: Vec<&Model> = models.iter().collect();
                    let ids: Vec<String> = shared_services(&refs).into_iter().map(|(id, _)| id).collect();
                    file.paired = Some(wire::Paired::new(paired, &ids));
                }
                CompareTally::Independent(tallies) => {
                    file.designs = Some(tallies.iter().map(Into::into).collect());
                    file.pilots = pilots
                        .iter()
                        .any(Option::is_some)
                        .then(|| pilots.iter().map(|p| p.as_ref().map(Into::into)).collect());
                }
            },
        }
        let doc = serde_json::to_value(&file).expect("a shard is plain data");
        file.checksum = checksum(&doc);
        let mut s = serde_json::to_string_pretty(&file).expect("a shard is plain data");
        s.push('\n');
        s
    }

    /// Reads and checks a shard or result file.
    ///
    /// # Errors
    /// When it cannot be read, is not a shard file, or is inconsistent
    /// (every problem found is listed).
    pub fn read(path: &Path) -> Result<Self, ShardError> {
        let bytes = std::fs::read(path).map_err(|error| ShardError::Read {
            file: path.into(),
            error,
        })?;
        Self::parse(path, &bytes)
    }

    /// Parses and checks the bytes of a shard file read from `path`.
    ///
    /// # Errors
    /// As [`Shard::read`].
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self, ShardError> {
        let not_shard = |found: String| ShardError::NotShard {
            file: path.into(),
            found,
        };
        let doc: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| not_shard(format!("not JSON: {e}")))?;
        match doc.get("format").and_then(serde_json::Value::as_str) {
            Some(old @ (PLAIN_FORMAT | PRE_LONGEST_FORMAT))
                if doc.get("kind").and_then(serde_json::Value::as_str) == Some("compare") =>
            {
                return Err(ShardError::Older {
                    file: path.into(),
                    found: old.into(),
                    lacks: "its compare files without each design's `longest` outage",
                });
            }
            Some(old @ (PRE_PILOT_FORMAT | PRE_LONGEST_FORMAT))
                if doc.get("method").and_then(serde_json::Value::as_str) == Some("failure-biasing") =>
            {
                return Err(ShardError::Older {
                    file: path.into(),
                    found: old.into(),
                    lacks: "its failure-biasing files without the plain pilot that a service the biased \
                            trials never saw down is reported from",
                });
            }
            Some(old @ PRE_PILOT_FORMAT)
                if doc.get("kind").and_then(serde_json::Value::as_str) == Some("compare") =>
            {
                return Err(ShardError::Older {
                    file: path.into(),
                    found: old.into(),
                    lacks: "its compare files without the positive part of each difference",
                });
            }
            Some(FORMAT | PRE_PILOT_FORMAT | PRE_LONGEST_FORMAT | PLAIN_FORMAT) => {}
            Some(old) if OLDER_FORMATS.contains(&old) => {
                return Err(ShardError::Older {
                    file: path.into(),
                    found: old.into(),
                    lacks: "without a checksum",
                });
            }
            Some(other) => return Err(not_shard(format!("its format is `{other}`, not `{FORMAT}`"))),
            None => return Err(not_shard("no `format` key".into())),
        }
        let invalid = |problems: Vec<String>| ShardError::Invalid {
            file: path.into(),
            problems,
        };
        // An altered file is refused whatever else is wrong with it; what
        // else is wrong is listed too, as a clue to what happened.
        let mut problems = Vec::new();
        match doc.get("checksum") {
            Some(serde_json::Value::String(c)) if *c == checksum(&doc) => {}
            Some(_) => problems.push(
                "its content does not match its `checksum`: the file was altered or damaged after redsim \
                 wrote it; regenerate it (run its shard again, or merge its shards again)"
                    .to_string(),
            ),
            None => problems.push(
                "it has no `checksum`: it was not written by redsim as it is; regenerate it (run its shard \
                 again, or merge its shards again)"
                    .to_string(),
            ),
        }
        let checked = serde_path_to_error::deserialize(doc)
            .map_err(|e| vec![format!("at `{}`: {}", e.path(), e.inner())])
            .and_then(check);
        match checked {
            Ok(shard) if problems.is_empty() => Ok(shard),
            Ok(_) => Err(invalid(problems)),
            Err(more) => {
                problems.extend(more);
                Err(invalid(problems))
            }
        }
    }
}

/// Checks a shard file's consistency and builds the shard: every problem found.
fn check(f: wire::ShardFile) -> Result<Shard, Vec<String>> {
    let mut problems = Vec::new();
    let rare = rare_settings(&f, &mut problems);
    let settings = Settings {
        seed: f.seed,
        trials: f.trials,
        confidence: f.confidence,
        rare,
    };
    let biased = rare.is_some();
    let part = f.shard;
    if part.count == 0 || part.index >= part.count {
        return Err(vec![format!(
            "`shard` says index {} of {}: the index must be below the count",
            part.index, part.count
        )]);
    }
    let (first, end) = part.range(f.trials);
    if (f.range.first, f.range.end) != (first, end) {
        problems.push(format!(
            "`range` is {}..{} but shard {} of {} of {} trials is {first}..{end}",
            f.range.first, f.range.end, part.index, part.count, f.trials
        ));
    }
    if f.trials < 2 {
        problems.push(format!("`trials` is {}: a run has at least 2", f.trials));
    }
    if !(f.confidence > 0.0 && f.confidence < 1.0) {
        problems.push(format!("`confidence` {} is not between 0 and 1", f.confidence));
    }
    // The scenarios: their text matches its hash and still validates.
    let mut scenarios_ok = true;
    let mut resolved = Vec::new();
    for (i, s) in f.scenarios.iter().enumerate() {
        if scenario::sha256_hex(s.text.as_bytes()) != s.sha256 {
            problems.push(format!(
                "scenarios[{i}] ({}): its text does not match its sha256: the file was altered",
                s.file
            ));
            scenarios_ok = false;
            continue;
        }
        match s.resolve(&[]) {
            Ok(sc) => {
                if sc.model.mission != s.mission_hours {
                    problems.push(format!(
                        "scenarios[{i}] ({}): `mission_hours` {} but the scenario says {}",
                        crate::model::printable(&s.file),
                        s.mission_hours,
                        sc.model.mission
                    ));
                }
                if sc.model.name != s.name {
                    problems.push(format!(
                        "scenarios[{i}] ({}): `name` \"{}\" but the scenario says \"{}\"",
                        crate::model::printable(&s.file),
                        scenario::quoted(&s.name, 80),
                        scenario::quoted(&sc.model.name, 80)
                    ));
                }
                resolved.push(sc.model);
            }
            Err(e) => {
                problems.push(format!("scenarios[{i}]: {e}"));
                scenarios_ok = false;
            }
        }
    }
    let expect = |what: &str, ok: bool, problems: &mut Vec<String>| {
        if !ok {
            problems.push(format!("a {} shard must have {what}", kind_name(f.kind)));
        }
    };
    let only = |name: &str, present: bool, problems: &mut Vec<String>| {
        if present {
            problems.push(format!(
                "`{name}` does not belong in a {} shard",
                kind_name(f.kind)
            ));
        }
    };
    let n = end - first;
    let data = match f.kind {
        Kind::Run => {
            expect("exactly one scenario", f.scenarios.len() == 1, &mut problems);
            only("parameters", !f.parameters.is_empty(), &mut problems);
            only("points", f.points.is_some(), &mut problems);
            only("paired", f.paired.is_some(), &mut problems);
            only("pilots", f.pilots.is_some(), &mut problems);
            let segments = f.segments.clone().unwrap_or_default();
            let tallies: Vec<Tally> = segments.iter().map(|s| Tally::from(&s.tally)).collect();
            // The segments end at the run's checkpoints inside the range, then at its end.
            let mut ends: Vec<u64> = engine::checkpoints(f.trials)
                .into_iter()
                .filter(|&c| c > first && c < end)
                .collect();
            if end > first {
                ends.push(end);
            }
            let got: Vec<u64> = segments.iter().map(|s| s.end).collect();
            if got != ends {
                problems.push(format!(
                    "`segments` end at {got:?}, but trials {first}..{end} of a run of {} split at {ends:?}",
                    f.trials
                ));
            }
            if let (true, Some(model)) = (scenarios_ok, resolved.first()) {
                let mut from = first;
                for (i, (s, t)) in segments.iter().zip(&tallies).enumerate() {
                    let at = format!("segments[{i}]");
                    repeated_causes(&s.tally, &at, &mut problems);
                    check_tally(t, model, s.end.saturating_sub(from), &at, &mut problems);
                    check_weighted(t, biased, model, &at, &mut problems);
                    from = s.end;
                }
                // The report adds the segments up.
                let refs: Vec<&Tally> = tallies.iter().collect();
                counts_add_up(&refs, "the segments' ", &mut problems);
            }
            let mut pilot = None;
            if let (true, Some(model)) = (scenarios_ok, resolved.first()) {
                let mut total = Tally::new(model.services.len());
                tallies.iter().for_each(|t| total.merge(t));
                pilot_present(
                    needs_pilot(model, &total),
                    f.pilot.is_some(),
                    "pilot",
                    &mut problems,
                );
                if let Some(segs) = &f.pilot {
                    let p = pilot_trials(f.trials);
                    let mut ends: Vec<u64> = engine::checkpoints(f.trials)
                        .into_iter()
                        .filter(|&c| c < p)
                        .collect();
                    ends.push(p);
                    let got: Vec<u64> = segs.iter().map(|s| s.end).collect();
                    if got != ends {
                        problems.push(format!(
                            "`pilot` segments end at {got:?}, but the pilot's trials 0..{p} of a run of {} split \
                             at {ends:?}",
                            f.trials
                        ));
                    }
                    let mut from = 0;
                    let mut out = Vec::new();
                    for (i, s) in segs.iter().enumerate() {
                        let at = format!("pilot[{i}]");
                        out.push(check_pilot(
                            &s.tally,
                            model,
                            s.end.saturating_sub(from),
                            &at,
                            &mut problems,
                        ));
                        from = s.end;
                    }
                    let refs: Vec<&Tally> = out.iter().collect();
                    counts_add_up(&refs, "the pilot's ", &mut problems);
                    pilot = Some(out);
                }
            }
            resolved.first().cloned().map(|model| Data::Run {
                model: Box::new(model),
                segments: tallies,
                pilot,
            })
        }
        Kind::Sweep => {
            expect("exactly one scenario", f.scenarios.len() == 1, &mut problems);
            expect("parameters", !f.parameters.is_empty(), &mut problems);
            only("segments", f.segments.is_some(), &mut problems);
            only("pilot", f.pilot.is_some(), &mut problems);
            only("pilots", f.pilots.is_some(), &mut problems);
            only("paired", f.paired.is_some(), &mut problems);
            let parameters: Vec<(String, Vec<String>)> = f
                .parameters
                .iter()
                .map(|p| (p.path.clone(), p.values.clone()))
                .collect();
            // The grid's size is checked before its points are made.
            let grid_problems = scenario::grid_problems(&parameters);
            problems.extend(grid_problems.iter().map(|p| format!("`parameters`: {p}")));
            let grid = if grid_problems.is_empty() {
                scenario::grid(&parameters).ok()
            } else {
                None
            };
            let points = f.points.unwrap_or_default();
            let sets: Vec<Vec<String>> = points.iter().map(|p| p.set.clone()).collect();
            if let Some(grid) = &grid
                && sets != *grid
            {
                problems.push(format!(
                    "`points` are not the grid of `parameters`: {} point(s) where the grid has {}",
                    points.len(),
                    grid.len()
                ));
            }
            let mut out = Vec::new();
            if scenarios_ok && f.scenarios.len() == 1 && grid.as_ref() == Some(&sets) {
                for (i, p) in points.iter().enumerate() {
                    match f.scenarios[0].resolve(&p.set) {
                        Ok(sc) => {
                            let tally = Tally::from(&p.tally);
                            let at = format!("points[{i}]");
                            repeated_causes(&p.tally, &at, &mut problems);
                            check_tally(&tally, &sc.model, n, &at, &mut problems);
                            check_weighted(&tally, biased, &sc.model, &at, &mut problems);
                            pilot_present(
                                needs_pilot(&sc.model, &tally),
                                p.pilot.is_some(),
                                &format!("{at}.pilot"),
                                &mut problems,
                            );
                            let pilot = p.pilot.as_ref().map(|w| {
                                check_pilot(
                                    w,
                                    &sc.model,
                                    pilot_trials(f.trials),
                                    &format!("{at}.pilot"),
                                    &mut problems,
                                )
                            });
                            out.push(SweepPoint {
                                set: p.set.clone(),
                                model: sc.model,
                                tally,
                                pilot,
                            });
                        }
                        Err(e) => problems.push(format!("points[{i}]: {e}")),
                    }
                }
            }
            Some(Data::Sweep {
                parameters,
                points: out,
            })
        }
        Kind::Compare => {
            expect(
                "at least two designs in `scenarios`",
                f.scenarios.len() >= 2,
                &mut problems,
            );
            only("parameters", !f.parameters.is_empty(), &mut problems);
            only("segments", f.segments.is_some(), &mut problems);
            only("pilot", f.pilot.is_some(), &mut problems);
            only("points", f.points.is_some(), &mut problems);
            if biased {
                // Independent runs: each design's own tally.
                only("paired", f.paired.is_some(), &mut problems);
                let designs = f.designs.as_deref().unwrap_or_default();
                if f.designs.is_none() {
                    problems.push("a compare shard under failure biasing must have `designs`".into());
                } else if designs.len() != f.scenarios.len() {
                    problems.push(format!(
                        "`designs` holds {} tallies for {} designs",
                        designs.len(),
                        f.scenarios.len()
                    ));
                }
                let tallies: Vec<Tally> = designs.iter().map(Tally::from).collect();
                let mut pilots = Vec::new();
                if let Some(p) = &f.pilots
                    && p.len() != designs.len()
                {
                    problems.push(format!(
                        "`pilots` holds {} entries for {} designs",
                        p.len(),
                        designs.len()
                    ));
                }
                if scenarios_ok && tallies.len() == resolved.len() {
                    for (d, ((w, t), m)) in designs.iter().zip(&tallies).zip(&resolved).enumerate() {
                        let at = format!("designs[{d}]");
                        repeated_causes(w, &at, &mut problems);
                        check_tally(t, m, n, &at, &mut problems);
                        check_weighted(t, true, m, &at, &mut problems);
                        let w = f.pilots.as_ref().and_then(|p| p.get(d)).and_then(Option::as_ref);
                        let at = format!("pilots[{d}]");
                        pilot_present(needs_pilot(m, t), w.is_some(), &at, &mut problems);
                        pilots.push(w.map(|w| check_pilot(w, m, pilot_trials(f.trials), &at, &mut problems)));
                    }
                }
                f.designs.is_some().then_some(Data::Compare {
                    models: resolved,
                    tally: CompareTally::Independent(tallies),
                    pilots,
                })
            } else {
                only("designs", f.designs.is_some(), &mut problems);
                only("pilots", f.pilots.is_some(), &mut problems);
                match (&f.paired, scenarios_ok) {
                    (Some(p), true) => {
                        let refs: Vec<&Model> = resolved.iter().collect();
                        let ids: Vec<String> = shared_services(&refs).into_iter().map(|(id, _)| id).collect();
                        let got: Vec<String> = p.services.iter().map(|s| s.service.clone()).collect();
                        if got != ids {
                            problems.push(format!(
                                "`paired` has services {got:?} but the designs share {ids:?}"
                            ));
                        }
                        let d = resolved.len();
                        if p.services.iter().any(|s| {
                            s.designs.len() != d || s.differences.len() + 1 != d || s.longest.len() != d
                        }) {
                            problems.push(format!(
                                "`paired`: every service needs {d} designs, {} differences and {d} longest outages",
                                d.saturating_sub(1)
                            ));
                        }
                        if p.trials != n {
                            problems.push(format!(
                                "`paired` holds {} trials, not the {n} of its range",
                                p.trials
                            ));
                        }
                        let fits = p.tally().services.iter().all(|s| {
                            s.designs
                                .iter()
                                .all(|o| o.down.fits(p.trials) && o.outages.fits(p.trials))
                                && s.differences
                                    .iter()
                                    .all(|o| o.down.fits(p.trials) && o.outages.fits(p.trials))
                        });
                        if !fits {
                            problems.push(format!(
                                "`paired` has sums larger than {} trials can give: the file was altered",
                                p.trials
                            ));
                        } else {
                            check_paired(&p.tally(), &ids, &resolved, &mut problems);
                        }
                    }
                    (None, _) => problems.push("a compare shard must have `paired`".into()),
                    _ => {}
                }
                f.paired.as_ref().map(|p| Data::Compare {
                    models: resolved,
                    tally: CompareTally::Paired(p.tally()),
                    pilots: Vec::new(),
                })
            }
        }
    };
    match data {
        Some(data) if problems.is_empty() => {
            let shard = Shard {
                redsim_version: f.redsim_version,
                scenario_sha256: f.scenario_sha256,
                settings,
                part,
                first,
                end,
                generator: f.generator,
                scenarios: f.scenarios,
                data,
            };
            let id = identity(&shard.scenarios, &shard.data);
            if id != shard.scenario_sha256 {
                return Err(vec![format!(
                    "`scenario_sha256` is {} but its scenarios and settings hash to {id}: the file was altered",
                    shard.scenario_sha256
                )]);
            }
            Ok(shard)
        }
        _ => Err(problems),
    }
}

/// Checks that a plain pilot (at `at`) is present exactly when the tally
/// it serves needs one ([`needs_pilot`]): a failure-biased tally that saw no
/// outage of a service.
fn pilot_present(needed: bool, present: bool, at: &str, problems: &mut Vec<String>) {
    match (needed, present) {
        (true, false) => problems.push(format!(
            "`{at}` is missing: a failure-biased tally that saw no outage of a service carries the plain pilot \
             its report takes that service's figures from; regenerate the file"
        )),
        (false, true) => problems.push(format!(
            "`{at}` does not belong here: only a failure-biased tally that saw no outage of a service carries \
             a plain pilot"
        )),
        _ => {}
    }
}

/// A plain pilot's tally read from `w` (at `at`): `trials` plain trials of `model`.
fn check_pilot(w: &wire::TallyW, model: &Model, trials: u64, at: &str, problems: &mut Vec<String>) -> Tally {
    let t = Tally::from(w);
    repeated_causes(w, at, problems);
    check_tally(&t, model, trials, at, problems);
    check_weighted(&t, false, model, at, problems);
    t
}

/// The failure-biasing settings of a file, checked: `method` and `rare`
/// agree and hold settings the engine accepts. A `redsim-shard/2` file is
/// plain and has neither.
fn rare_settings(f: &wire::ShardFile, problems: &mut Vec<String>) -> Option<RareOptions> {
    if f.format == PLAIN_FORMAT {
        for (key, present) in [
            ("method", f.method.is_some()),
            ("rare", f.rare.is_some()),
            ("designs", f.designs.is_some()),
        ] {
            if present {
                problems.push(format!(
                    "`{key}` is not part of `{PLAIN_FORMAT}` (plain runs only): the file was altered"
                ));
            }
        }
        return None;
    }
    let biased = match f.method.as_deref() {
        Some("plain") => false,
        Some("failure-biasing") => true,
        Some(other) => {
            problems.push(format!(
                "`method` is \"{}\": it is \"plain\" or \"failure-biasing\"",
                scenario::quoted(other, 40)
            ));
            return None;
        }
        None => {
            problems.push("it has no `method` (\"plain\" or \"failure-biasing\")".into());
            return None;
        }
    };
    match (&f.rare, biased) {
        (None, false) => None,
        (Some(_), false) => {
            problems.push("`rare` (failure-biasing settings) in a plain shard".into());
            None
        }
        (None, true) => {
            problems.push("a failure-biasing shard must have `rare`, its settings".into());
            None
        }
        (Some(r), true) => {
            if !(r.p_bias > 0.0 && r.p_bias < 1.0) {
                problems.push(format!(
                    "`rare.p_bias` is {}: it is strictly between 0 and 1",
                    r.p_bias
                ));
            }
            if !(r.mixture > 0.0 && r.mixture <= 1.0) {
                problems.push(format!(
                    "`rare.mixture` is {}: it is above 0 and at most 1",
                    r.mixture
                ));
            }
            Some(r.into())
        }
    }
}

/// Checks the weighted part of a tally read from a file: present exactly
/// in a failure-biasing shard (`biased`), one entry per service, causes
/// in range, and each pair of sums what non-negative values of its trials
/// can give: nothing without trials, and `sum_sq ≤ sum² ≤ n · sum_sq`
/// (Cauchy–Schwarz) with `sum < n · 2^(1024+1074)` (no finite `f64` is
/// larger). A weighted trial had an outage only if it saw one, so the
/// weighted `had_outage` is zero where no trial saw an outage.
fn check_weighted(t: &Tally, biased: bool, model: &Model, at: &str, problems: &mut Vec<String>) {
    let w = match (&t.weighted, biased) {
        (None, false) => return,
        (Some(_), false) => {
            problems.push(format!("{at}: weighted sums in a plain shard"));
            return;
        }
        (None, true) => {
            problems.push(format!("{at}: no `weighted` sums in a failure-biasing shard"));
            return;
        }
        (Some(w), true) => w,
    };
    let n = t.trials;
    if w.services.len() != model.services.len() {
        problems.push(format!(
            "{at}: `weighted` has {} services where the scenario has {}",
            w.services.len(),
            model.services.len()
        ));
    }
    let fits = |m: &WeightedMoments| -> Option<&'static str> {
        let nb = BigUint::from(n);
        if n == 0 {
            return (m.sum.bits() > 0 || m.sum_sq.bits() > 0).then_some("a weighted sum without trials");
        }
        if m.sum >= &nb << (1024 + engine::weighted::SUM_SHIFT) {
            return Some("a weighted sum larger than its trials can give");
        }
        let square = &m.sum * &m.sum;
        if m.sum_sq > square || square > &m.sum_sq * &nb {
            return Some("weighted sums that cannot come from its trials");
        }
        // The largest value: none without a sum; else at most the sum, its
        // square at most the sum of squares, and no value above it.
        let Some(max) = m.max_fixed() else {
            return Some("a largest weighted value that is not a finite non-negative number");
        };
        let none = m.sum.bits() == 0;
        ((none && max.bits() > 0)
            || (!none && (max.bits() == 0 || max > m.sum || &max * &max > m.sum_sq || m.sum > &max * &nb)))
            .then_some("a largest weighted value that does not fit its sums")
    };
    let mut bad = |what: String| problems.push(format!("{at}: {what}"));
    if let Some(e) = fits(&w.likelihood) {
        bad(format!("`weighted.likelihood`: {e}"));
    }
    let causes = model.elements.len() + model.common_cause.len();
    for (s, (ws, st)) in w.services.iter().zip(&t.services).enumerate() {
        let id = model.services.get(s).map_or("?", |x| x.id.as_str());
        let moments = [
            ("down", &ws.down),
            ("degraded", &ws.degraded),
            ("outages", &ws.outages),
            ("had_outage", &ws.had_outage),
            ("planned_down", &ws.planned_down),
            ("unplanned_down", &ws.unplanned_down),
        ];
        let by_cause = ws.by_cause.values().map(|m| ("by_cause", m));
        let durations = ws.durations.values().map(|m| ("durations", m));
        let more = [
            ("over_rto", &ws.over_rto),
            ("had_over_rto", &ws.had_over_rto),
            ("data_losses", &ws.data_losses),
            ("lost_writes", &ws.lost_writes),
            ("over_rpo", &ws.over_rpo),
            ("had_over_rpo", &ws.had_over_rpo),
        ];
        for (name, m) in moments.into_iter().chain(more).chain(by_cause).chain(durations) {
            if let Some(e) = fits(m) {
                bad(format!("service {s} (`{id}`): weighted `{name}`: {e}"));
            }
        }
        if let Some(c) = ws.by_cause.keys().flatten().find(|&&c| c as usize >= causes) {
            bad(format!(
                "service {s} (`{id}`): weighted cause {c}, but the scenario has only {causes} elements and shocks"
            ));
        }
        if st.no_outage == n && ws.had_outage.sum.bits() > 0 {
            bad(format!(
                "service {s} (`{id}`): a weighted outage, but none of its {n} trials saw one"
            ));
        }
        // Each outage a trial saw is weighted in its duration's bin: the
        // same bins, whatever the weights.
        if !ws.durations.keys().eq(st.durations.bins.keys()) {
            bad(format!(
                "service {s} (`{id}`): weighted outage durations in other bins than the outages its trials saw"
            ));
        }
        let saw = [
            ("over_rto", &ws.over_rto, st.over_rto),
            ("had_over_rto", &ws.had_over_rto, st.over_rto),
            ("data_losses", &ws.data_losses, st.data_losses.sum as u64),
            ("lost_writes", &ws.lost_writes, st.data_losses.sum as u64),
            ("over_rpo", &ws.over_rpo, st.over_rpo),
            ("had_over_rpo", &ws.had_over_rpo, st.over_rpo),
        ];
        for (name, m, seen) in saw {
            if seen == 0 && m.sum.bits() > 0 {
                bad(format!(
                    "service {s} (`{id}`): weighted `{name}`, but none of its {n} trials saw one"
                ));
            }
        }
    }
}

/// Checks a comparison's sums against each other and against the designs'
/// missions: each design's down time within its mission, and each
/// difference's sum equal to its design's less the first design's (the
/// differences are taken trial by trial).
fn check_paired(t: &PairedTally, ids: &[String], models: &[Model], problems: &mut Vec<String>) {
    let n = t.trials;
    let signed = |a: u128| i128::try_from(a).ok();
    for (s, id) in t.services.iter().zip(ids) {
        let mut bad = |message: &str| problems.push(format!("`paired` service `{id}`: {message}"));
        let agree = s.designs.iter().all(|o| {
            moments_agree(o.down.sum, o.down.sum_sq, n, false)
                && moments_agree(o.outages.sum, o.outages.sum_sq, n, false)
        }) && s.differences.iter().all(|o| {
            [&o.down, &o.outages].iter().all(|m| {
                // Each part is a non-negative per-trial value of its own.
                let parts = m.negative().is_some_and(|neg| {
                    moments_agree(m.pos.sum, m.pos.sum_sq, n, false)
                        && moments_agree(neg.sum, neg.sum_sq, n, false)
                });
                parts && moments_agree(m.sum.unsigned_abs(), m.sum_sq, n, true)
            })
        });
        if !agree {
            bad(&format!("its sums cannot come from {n} trials"));
        }
        if s.designs
            .iter()
            .zip(models)
            .any(|(o, m)| o.down.sum > most_per_trial(m) * u128::from(n))
        {
            bad(&format!(
                "a design's down time is longer than its mission in {n} trials"
            ));
        }
        let Some(first) = s.designs.first() else {
            continue;
        };
        let differences_hold = s.designs[1..].iter().zip(&s.differences).all(|(o, d)| {
            let less = |a: u128, b: u128| signed(a).zip(signed(b)).map(|(a, b)| a - b);
            less(o.down.sum, first.down.sum) == Some(d.down.sum)
                && less(o.outages.sum, first.outages.sum) == Some(d.outages.sum)
        });
        if !differences_hold {
            bad("a difference's sum is not its design's less the first design's");
        }
        // Trial by trial the positive part is at most the design's value and
        // the negative part at most the first design's.
        let parts_hold = s.designs[1..].iter().zip(&s.differences).all(|(o, d)| {
            let within = |m: &engine::SignedMoments, mine: &engine::Moments, first: &engine::Moments| {
                m.negative()
                    .is_some_and(|neg| m.pos.sum <= mine.sum && neg.sum <= first.sum)
            };
            within(&d.down, &o.down, &first.down) && within(&d.outages, &o.outages, &first.outages)
        });
        if !parts_hold {
            bad(
                "a difference's positive part is more than its design's sum, or its negative part more than the first design's",
            );
        }
    }
}

/// The longest time one trial of `model` can count [ticks]: its mission,
/// with room for the rounding of a sum of many spans.
fn most_per_trial(model: &Model) -> u128 {
    let mission = engine::tally::ticks(model.mission);
    u128::from(mission) + u128::from(mission / 1_000_000) + 1
}

/// Causes listed twice or out of order in a tally as written.
fn repeated_causes(t: &wire::TallyW, at: &str, problems: &mut Vec<String>) {
    for (s, c) in t.repeated_causes() {
        problems.push(format!(
            "{at}: service {s}: cause {} is listed twice or out of order",
            cause_name(c)
        ));
    }
}

/// Whether a sum and a sum of squares of non-negative integers (`abs`: the
/// sum's magnitude, for signed ones) can come from `n` of them: `abs ≤
/// sum_sq` (x ≤ x² for whole x), `sum² ≤ n · sum_sq` (Cauchy–Schwarz) and,
/// unsigned, `sum_sq ≤ sum²`.
fn moments_agree(abs: u128, sum_sq: Wide, n: u64, signed: bool) -> bool {
    let square = Wide::product(abs, abs);
    Wide { hi: 0, lo: abs } <= sum_sq
        && sum_sq.checked_mul(n).is_none_or(|bound| square <= bound)
        && (signed || sum_sq <= square)
}

/// Checks that a tally read from a file fits its model and its trials:
/// every count against what `trials` trials of the model can give, and
/// the counts against each other where the engine ties them.
fn check_tally(t: &Tally, model: &Model, trials: u64, at: &str, problems: &mut Vec<String>) {
    let n = trials;
    if t.trials != n {
        problems.push(format!("{at}: {} trials where its range has {n}", t.trials));
    }
    if t.services.len() != model.services.len() {
        problems.push(format!(
            "{at}: {} services where the scenario has {}",
            t.services.len(),
            model.services.len()
        ));
    }
    if u128::from(t.events) > u128::from(n) * u128::from(engine::MAX_EVENTS_PER_TRIAL) {
        problems.push(format!(
            "{at}: `events` is {}, more than {n} trials can give (at most {} each)",
            t.events,
            engine::MAX_EVENTS_PER_TRIAL
        ));
    }
    let causes = model.elements.len() + model.common_cause.len();
    // No duration in ticks (a u64) falls in a bin past this one.
    let top_bin = DurationHist::bin(u64::MAX);
    let per_trial = most_per_trial(model);
    let slack = rounding_per_trial(model);
    let planned = model.has_planned();
    for (s, st) in t.services.iter().enumerate() {
        let id = model.services.get(s).map_or("?", |x| x.id.as_str());
        let mut bad = |message: String| problems.push(format!("{at}: service {s} (`{id}`): {message}"));
        let moments = [
            ("down", &st.down, true),
            ("degraded", &st.degraded, true),
            ("outages", &st.outages, false),
            ("planned_down", &st.planned_down, true),
            ("unplanned_down", &st.unplanned_down, true),
            ("data_losses", &st.data_losses, false),
            ("lost_writes", &st.lost_writes, false),
        ];
        for (name, m, timed) in moments {
            if !m.fits(n) {
                bad(format!("`{name}` sums are larger than {n} trials can give"));
            } else if !moments_agree(m.sum, m.sum_sq, n, false) {
                bad(format!("`{name}`: its sums cannot come from {n} trials"));
            } else if timed && m.sum > per_trial * u128::from(n) {
                bad(format!("`{name}` is longer than the mission in {n} trials"));
            }
        }
        if st.by_cause.values().any(|c| !c.down.fits(n)) {
            bad(format!(
                "a cause's down-time sums are larger than {n} trials can give"
            ));
        } else if st
            .by_cause
            .values()
            .any(|c| !moments_agree(c.down.sum, c.down.sum_sq, n, false))
        {
            bad(format!("a cause's down-time sums cannot come from {n} trials"));
        }
        let outages = st.outages.sum;
        if st.no_outage > n {
            bad(format!(
                "`no_outage` is {}, more than its {n} trials",
                st.no_outage
            ));
        } else if u128::from(n - st.no_outage) > outages {
            bad(format!(
                "`no_outage` is {} of {n} trials, but the other trials hold only {outages} outages",
                st.no_outage
            ));
        }
        let h = &st.durations;
        if u128::from(h.count) != outages {
            bad(format!(
                "it counts {} outage durations but {outages} outages",
                h.count
            ));
        }
        if st.over_rto > h.count {
            bad(format!(
                "`over_rto` is {}, more than the {} outages",
                st.over_rto, h.count
            ));
        }
        if st.trials_over_rto > n.min(st.over_rto) || (st.over_rto > 0 && st.trials_over_rto == 0) {
            bad(format!(
                "`trials_over_rto` is {} with {} outages over the RTO in {n} trials",
                st.trials_over_rto, st.over_rto
            ));
        }
        if u128::from(st.over_rpo) > st.data_losses.sum {
            bad(format!(
                "`over_rpo` is {}, more than the {} data losses",
                st.over_rpo, st.data_losses.sum
            ));
        }
        if st.trials_over_rpo > n.min(st.over_rpo) || (st.over_rpo > 0 && st.trials_over_rpo == 0) {
            bad(format!(
                "`trials_over_rpo` is {} with {} data losses over the RPO in {n} trials",
                st.trials_over_rpo, st.over_rpo
            ));
        }
        if !planned && (st.planned_outages > 0 || st.planned_down.sum > 0) {
            bad(
                "planned outages or downtime, but the scenario has no planned activities (maintenance or failback)"
                    .into(),
            );
        }
        let service = model.services.get(s);
        let counts = service.is_some_and(|x| x.planned_counts);
        planned_agrees(st, counts, planned, n, slack, &mut bad);
        ties_agree(st, service, counts || !planned, n, per_trial, slack, &mut bad);
        let longest_ok = if h.count == 0 {
            h.sum == 0 && h.max == 0
        } else {
            u128::from(h.max) <= h.sum && h.sum <= u128::from(h.max) * u128::from(h.count)
        };
        if !longest_ok {
            bad(format!(
                "its {} outage durations cannot sum to {} with the longest {}",
                h.count, h.sum, h.max
            ));
        }
        if u128::from(h.max) > per_trial {
            bad(format!("an outage of {} ticks is longer than the mission", h.max));
        }
        if let Some(b) = h.bins.keys().find(|&&b| b > top_bin) {
            bad(format!(
                "outage-duration bin {b} is past the last one ({top_bin})"
            ));
        } else if h.count > 0 && h.bins.keys().next_back() != Some(&DurationHist::bin(h.max)) {
            bad("the longest outage is not in the last outage-duration bin".into());
        }
        let binned: u128 = h.bins.values().map(|&c| u128::from(c)).sum();
        if binned != u128::from(h.count) {
            bad(format!(
                "it counts {} outage durations but its bins hold {binned}",
                h.count
            ));
        }
        if let Some(c) = st.by_cause.keys().flatten().find(|&&c| c as usize >= causes) {
            bad(format!(
                "cause {c}, but the scenario has only {causes} elements and shocks"
            ));
        }
        if let Some((c, _)) = st.by_cause.iter().find(|(_, c)| c.outages == 0) {
            bad(format!("cause {} with no outage", cause_name(*c)));
        }
        let caused: u128 = st.by_cause.values().map(|c| u128::from(c.outages)).sum();
        if caused != u128::from(h.count) {
            bad(format!("its causes hold {caused} outages, not its {}", h.count));
        }
        let caused_down: u128 = st.by_cause.values().map(|c| c.down.sum).sum();
        if caused_down != h.sum {
            bad(format!(
                "its causes hold {caused_down} ticks of outages, not its {}",
                h.sum
            ));
        }
    }
}

/// Checks a service's planned outages and down time against its outages
/// and down time, as the engine ties them. Per trial it keeps the planned
/// down time within the down time and takes the unplanned as the one less
/// the other (in hours, each then rounded to ticks). Where planned downtime
/// counts (`counts`), `down` is the whole down time and every planned
/// outage is in `outages`, begun by no failure (a failure in the same
/// instant makes an outage unplanned). Where it does not, or nothing is
/// planned (`any`: the scenario has planned activities), `down` is the
/// unplanned down time exactly.
fn planned_agrees(
    st: &ServiceTally,
    counts: bool,
    any: bool,
    n: u64,
    slack: u128,
    bad: &mut impl FnMut(String),
) {
    let (down, planned, unplanned) = (st.down.sum, st.planned_down.sum, st.unplanned_down.sum);
    if !counts || !any {
        if st.down != st.unplanned_down {
            bad("`down` differs from `unplanned_down`, which it equals where planned downtime does not count or there is none".into());
        }
        return;
    }
    let h = &st.durations;
    let unfailed = st.by_cause.get(&None).map_or(0, |c| c.outages);
    if st.planned_outages > h.count {
        bad(format!(
            "`planned_outages` is {}, more than the {} outages",
            st.planned_outages, h.count
        ));
    } else if st.planned_outages > unfailed {
        bad(format!(
            "`planned_outages` is {}, more than the {unfailed} outages begun by no failure",
            st.planned_outages
        ));
    }
    if planned > down || unplanned > down {
        bad(format!(
            "`planned_down` ({planned}) or `unplanned_down` ({unplanned}) is longer than `down` ({down})"
        ));
    } else if planned.saturating_add(unplanned).abs_diff(down) > slack * u128::from(n) {
        bad(format!(
            "`planned_down` ({planned}) and `unplanned_down` ({unplanned}) do not add up to `down` ({down})"
        ));
    }
}

/// Checks the ties the engine keeps between a service's counts that
/// [`check_tally`] and [`planned_agrees`] do not: each holds exactly, or
/// within the stated rounding bound, for every file the engine writes.
///
/// - Down time is the sum of the outages' durations, cut at the mission's
///   end, where `whole` (every outage counts: planned downtime counts or
///   there is none); otherwise it is the unplanned down time, which holds
///   at least the outages begun unplanned (the only ones counted). A
///   trial's down time and each duration are rounded to ticks apart, so
///   they may differ by `slack` per trial and per outage.
/// - Outages fall only in the `n − no_outage` trials with one, and so
///   (where `whole`) does down time: their sums must come from that many
///   trials (Cauchy–Schwarz, as [`moments_agree`]).
/// - Down and degraded time are disjoint spans of the mission.
/// - Outages over the RTO or data losses over the RPO exist only where the
///   service has one; an outage over the RTO lasts about as long as it.
/// - Lost writes come only with data losses.
fn ties_agree(
    st: &ServiceTally,
    service: Option<&crate::model::Service>,
    whole: bool,
    n: u64,
    per_trial: u128,
    slack: u128,
    bad: &mut impl FnMut(String),
) {
    let h = &st.durations;
    let (down, outages) = (st.down.sum, st.outages.sum);
    let bound = slack.saturating_mul(u128::from(n).saturating_add(outages));
    if (whole && down.abs_diff(h.sum) > bound) || (!whole && h.sum > down.saturating_add(bound)) {
        bad(format!(
            "`down` is {down} ticks, but its {outages} outages last {} ticks",
            h.sum
        ));
    }
    if let Some(with) = n.checked_sub(st.no_outage) {
        let spread = |m: &engine::Moments| moments_agree(m.sum, m.sum_sq, with, false);
        if !spread(&st.outages) {
            bad(format!(
                "`no_outage` is {} of {n} trials, but `outages` cannot come from the other {with}",
                st.no_outage
            ));
        } else if whole && !spread(&st.down) {
            bad(format!(
                "`no_outage` is {} of {n} trials, but `down` cannot come from the other {with}",
                st.no_outage
            ));
        }
    }
    if st.down.sum.saturating_add(st.degraded.sum) > per_trial.saturating_add(1).saturating_mul(u128::from(n))
    {
        bad(format!(
            "`down` and `degraded` together are longer than the mission in {n} trials"
        ));
    }
    match service.map(|x| x.rto) {
        Some(None) if st.over_rto > 0 || st.trials_over_rto > 0 => {
            bad(format!(
                "`over_rto` is {}, but the service has no RTO",
                st.over_rto
            ));
        }
        Some(Some(rto)) => {
            // An outage over the RTO lasts longer than it, so its duration
            // (rounded to ticks) is in the RTO's bin or a later one.
            let from = DurationHist::bin(engine::tally::ticks(rto).saturating_sub(1));
            let longer: u128 = h.bins.range(from..).map(|(_, &c)| u128::from(c)).sum();
            if u128::from(st.over_rto) > longer {
                bad(format!(
                    "`over_rto` is {}, but only {longer} outages last about as long as the RTO or longer",
                    st.over_rto
                ));
            }
        }
        _ => {}
    }
    if service.is_some_and(|x| x.rpo.is_none()) && (st.over_rpo > 0 || st.trials_over_rpo > 0) {
        bad(format!(
            "`over_rpo` is {}, but the service has no RPO",
            st.over_rpo
        ));
    }
    if st.data_losses.sum == 0 && st.lost_writes.sum > 0 {
        bad(format!(
            "`lost_writes` is {} ticks, but there is no data loss",
            st.lost_writes.sum
        ));
    }
}

/// How far [ticks] one trial's planned and unplanned down time, each
/// rounded to ticks, can add up away from its down time rounded: 1 for
/// the roundings, and room for the rounding of the hours as in
/// [`most_per_trial`].
fn rounding_per_trial(model: &Model) -> u128 {
    u128::from(engine::tally::ticks(model.mission) / 1_000_000) + 2
}

/// Whom to blame for `overlaps` (pairs of distinct files of `0..files`):
/// each file named once, in order, with the overlaps it is in that no file
/// named before it is (indices into `overlaps`, in order). The file named
/// next is the one in most of the overlaps left (a merged result given
/// with its own shards overlaps every one), then the one of the longest
/// `span`, then the first.
///
/// Each file's count of overlaps left is kept up to date as overlaps are
/// named, and the next file taken from a heap whose outdated entries are
/// skipped: O(m log m) for m overlaps, where counting them again for each
/// name took O(m³) (minutes for 10,000 files).
fn blame(overlaps: &[(usize, usize)], span: impl Fn(usize) -> u64, files: usize) -> Vec<(usize, Vec<usize>)> {
    let mut of: Vec<Vec<usize>> = vec![Vec::new(); files];
    for (k, &(a, b)) in overlaps.iter().enumerate() {
        of[a].push(k);
        of[b].push(k);
    }
    let mut left: Vec<usize> = of.iter().map(Vec::len).collect();
    let mut named_yet = vec![false; overlaps.len()];
    // (overlaps left, span, the first file first): an entry is current
    // while its count is the file's; counts only fall, so each file has
    // at most one current entry.
    let mut heap: BinaryHeap<(usize, u64, Reverse<usize>)> = (0..files)
        .filter(|&f| left[f] > 0)
        .map(|f| (left[f], span(f), Reverse(f)))
        .collect();
    let mut named = Vec::new();
    while let Some((count, _, Reverse(f))) = heap.pop() {
        if count != left[f] {
            continue;
        }
        let theirs: Vec<usize> = of[f].iter().copied().filter(|&k| !named_yet[k]).collect();
        for &k in &theirs {
            named_yet[k] = true;
            let (a, b) = overlaps[k];
            let other = if a == f { b } else { a };
            left[other] -= 1;
            if left[other] > 0 {
                heap.push((left[other], span(other), Reverse(other)));
            }
        }
        left[f] = 0;
        named.push((f, theirs));
    }
    named
}

fn cause_name(c: Option<u32>) -> String {
    c.map_or_else(|| "null".into(), |c| c.to_string())
}

/// Checks that the counts of `tallies`, added up, fit their 64 bits: each
/// file's counts fit what its trials can give, but counts such as outages
/// can each be near 2^64 − 1 in a file that was altered and re-sealed.
fn counts_add_up(tallies: &[&Tally], at: &str, problems: &mut Vec<String>) {
    type Field = (&'static str, fn(&ServiceTally) -> u64);
    const FIELDS: [Field; 7] = [
        ("no_outage", |s| s.no_outage),
        ("over_rto", |s| s.over_rto),
        ("trials_over_rto", |s| s.trials_over_rto),
        ("durations.count", |s| s.durations.count),
        ("planned_outages", |s| s.planned_outages),
        ("over_rpo", |s| s.over_rpo),
        ("trials_over_rpo", |s| s.trials_over_rpo),
    ];
    let past = |total: u128| total > u128::from(u64::MAX);
    let mut over: Vec<String> = Vec::new();
    for (name, get) in [
        ("trials", (|t| t.trials) as fn(&Tally) -> u64),
        ("events", |t| t.events),
    ] {
        if past(tallies.iter().map(|t| u128::from(get(t))).sum()) {
            over.push(format!("`{name}`"));
        }
    }
    let services = tallies.iter().map(|t| t.services.len()).max().unwrap_or(0);
    for s in 0..services {
        for (name, get) in FIELDS {
            let total: u128 = tallies
                .iter()
                .filter_map(|t| t.services.get(s))
                .map(|x| u128::from(get(x)))
                .sum();
            if past(total) {
                over.push(format!("service {s}'s `{name}`"));
            }
        }
    }
    if !over.is_empty() {
        problems.push(format!(
            "{at}{} add up past {}: no run counts that far; a file was altered",
            over.join(", "),
            u64::MAX
        ));
    }
}

/// A merge's result, and remarks for the user.
#[derive(Debug)]
pub struct Merged {
    pub shard: Shard,
    pub notes: Vec<String>,
}

/// What must agree between the shards of one run.
#[derive(Debug, Clone, PartialEq)]
struct Identity<'a> {
    kind: Kind,
    version: &'a str,
    hash: &'a str,
    seed: u64,
    trials: u64,
    confidence: f64,
    generator: &'a str,
    /// The method and the settings of its change of measure.
    rare: Option<RareOptions>,
}

impl<'a> Identity<'a> {
    fn of(s: &'a Shard) -> Self {
        Self {
            kind: s.kind(),
            version: &s.redsim_version,
            hash: &s.scenario_sha256,
            seed: s.settings.seed,
            trials: s.settings.trials,
            confidence: s.settings.confidence,
            generator: &s.generator,
            rare: s.settings.rare,
        }
    }

    /// How `self` (of shard `a`) differs from `other` (of shard `b`), in words.
    fn differences(&self, a: &Shard, other: &Self, b: &Shard) -> Vec<String> {
        let mut out = Vec::new();
        let mut diff = |what: &str, mine: String, theirs: String| {
            if mine != theirs {
                // Text read from the file: escaped, so that it cannot forge a line.
                out.push(format!(
                    "{what} {} (the others: {})",
                    crate::model::printable(&mine),
                    crate::model::printable(&theirs)
                ));
            }
        };
        diff("kind", kind_name(self.kind).into(), kind_name(other.kind).into());
        diff("redsim version", self.version.into(), other.version.into());
        if self.kind == other.kind {
            let names = |s: &Shard| {
                let files: Vec<&str> = s.scenarios.iter().map(|x| x.file.as_str()).collect();
                format!(
                    "{} of {}",
                    &s.scenario_sha256[..12.min(s.scenario_sha256.len())],
                    files.join(", ")
                )
            };
            diff("scenario", names(a), names(b));
        }
        diff("seed", self.seed.to_string(), other.seed.to_string());
        diff("trials", self.trials.to_string(), other.trials.to_string());
        diff(
            "confidence",
            self.confidence.to_string(),
            other.confidence.to_string(),
        );
        diff("generator", self.generator.into(), other.generator.into());
        let method = |r: &Option<RareOptions>| match r {
            None => "plain".to_string(),
            Some(o) => format!(
                "failure-biasing (--rare-bias {}, mixture {}, {:?} weighting)",
                o.p_bias, o.mixture, o.weighting
            ),
        };
        diff("method", method(&self.rare), method(&other.rare));
        out
    }
}

/// Which shards of `count` hold trials `a .. b` of `total`, said in a few
/// words whatever `count` is: up to 8 listed, else the first and last.
fn missing_shards(count: u64, total: u64, a: u64, b: u64) -> String {
    let range = |k: u64| Part { index: k, count }.range(total);
    // The shard ranges are in order: the first shard ending after `a` and
    // the first starting at or after `b` bound the missing ones.
    let first = |pred: &dyn Fn(u64) -> bool| {
        let (mut lo, mut hi) = (0u64, count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(mid) { hi = mid } else { lo = mid + 1 }
        }
        lo
    };
    let from = first(&|k| range(k).1 > a);
    let to = first(&|k| range(k).0 >= b);
    // Shards past the trials' number are empty; the others hold one or
    // more trials each, so past `total` shards each holds one.
    let n = if count >= total { b - a } else { to - from };
    let mut ks = Vec::new();
    let mut k = from;
    while k < to && ks.len() < 9 {
        ks.push(k);
        // The next shard that holds a trial: the first ending past this one.
        let end = range(k).1;
        k = first(&|j| range(j).1 > end);
    }
    let named: Vec<String> = ks.iter().map(|k| format!("{k}/{count}")).collect();
    match n {
        0 => String::new(),
        1..=8 => format!(
            ": shard{} {} missing",
            if n == 1 { " is" } else { "s are" },
            named.join(", ")
        ),
        _ => format!(
            ": {n} shards from {from}/{count} to {}/{count} are missing",
            first(&|j| range(j).1 >= b)
        ),
    }
}

/// Reads shard files and merges them into one result covering every
/// trial, as a single run would have made it.
///
/// # Errors
/// [`ShardError::Merge`] listing every problem: unreadable files, files
/// from another run (kind, scenario, seed, trials, confidence, version,
/// generator, or method and failure-biasing settings), duplicated or overlapping ranges, and missing trials with
/// the shards that would cover them.
pub fn merge(files: &[PathBuf]) -> Result<Merged, ShardError> {
    let mut problems = Vec::new();
    let mut shards: Vec<(&Path, Shard)> = Vec::new();
    for f in files {
        match Shard::read(f) {
            Ok(s) => shards.push((f, s)),
            Err(e) => problems.push(e.to_string()),
        }
    }
    // The run most files belong to (the first one's on a tie); the others are foreign.
    let ids: Vec<Identity> = shards.iter().map(|(_, s)| Identity::of(s)).collect();
    let best = (0..ids.len()).max_by_key(|&i| (ids.iter().filter(|x| **x == ids[i]).count(), usize::MAX - i));
    let mut mine: Vec<&(&Path, Shard)> = Vec::new();
    if let Some(b) = best {
        for (i, sh) in shards.iter().enumerate() {
            if ids[i] == ids[b] {
                mine.push(sh);
            } else {
                problems.push(format!(
                    "{} is from another run: {}",
                    crate::model::shown_path(sh.0),
                    ids[i].differences(&sh.1, &ids[b], &shards[b].1).join("; ")
                ));
            }
        }
    }
    let Some(&(_, reference)) = mine.first() else {
        return Err(ShardError::Merge { problems });
    };
    let total = reference.settings.trials;
    mine.sort_by_key(|(p, s)| (s.first, s.end, p.to_path_buf()));
    let counts: BTreeSet<u64> = mine.iter().map(|(_, s)| s.part.count).collect();
    let describe = |s: &Shard| {
        format!(
            "trials {}..{}, shard {} of {}",
            s.first, s.end, s.part.index, s.part.count
        )
    };
    // Ranges in order: duplicates, overlaps, gaps. Empty shards hold no trials and are skipped.
    let ranged: Vec<&(&Path, Shard)> = mine.iter().copied().filter(|(_, s)| s.end > s.first).collect();
    let mut covered = 0u64;
    // The file that reaches `covered`: what a range starting before it overlaps.
    let mut widest: Option<usize> = None;
    let mut overlaps: Vec<(usize, usize, u64, u64)> = Vec::new();
    let mut missing = Vec::new();
    for (i, &(path, s)) in ranged.iter().enumerate() {
        if let Some((lp, l)) = i.checked_sub(1).map(|j| ranged[j])
            && (l.first, l.end) == (s.first, s.end)
        {
            problems.push(format!(
                "{} and {} hold the same trials ({}): a shard given twice; keep one",
                crate::model::shown_path(lp),
                crate::model::shown_path(path),
                describe(s)
            ));
            continue;
        }
        if let Some(w) = widest
            && s.first < covered
        {
            overlaps.push((w, i, s.first, covered.min(s.end)));
        }
        if s.first > covered {
            missing.push((covered, s.first));
        }
        if s.end > covered {
            covered = s.end;
            widest = Some(i);
        }
    }
    let pairs: Vec<(usize, usize)> = overlaps.iter().map(|o| (o.0, o.1)).collect();
    for (worst, theirs) in blame(&pairs, |f| ranged[f].1.end - ranged[f].1.first, ranged.len()) {
        let (path, s) = ranged[worst];
        let theirs: Vec<String> = theirs
            .into_iter()
            .map(|k| {
                let (a, b, from, to) = overlaps[k];
                let (p, o) = ranged[if a == worst { b } else { a }];
                format!(
                    "{} ({}) in trials {from}..{to}",
                    crate::model::shown_path(p),
                    describe(o)
                )
            })
            .collect();
        let hint = if s.is_complete() {
            "it is a merged result (every trial of the run): merge either it or its shards, not both"
        } else {
            "shards of different splits; keep one split"
        };
        problems.push(format!(
            "{} ({}) overlaps {}: {hint}",
            crate::model::shown_path(path),
            describe(s),
            theirs.join(", ")
        ));
    }
    if covered < total {
        missing.push((covered, total));
    }
    for (a, b) in missing {
        let which = match counts.iter().collect::<Vec<_>>()[..] {
            [&count] => missing_shards(count, total, a, b),
            _ => String::new(),
        };
        problems.push(format!("trials {a}..{b} of {total} are in no file{which}"));
    }
    if problems.is_empty() {
        counts_fit_merged(&mine, &mut problems);
        pilots_agree(&mine, &mut problems);
    }
    if !problems.is_empty() {
        return Err(ShardError::Merge { problems });
    }
    let mut notes = Vec::new();
    let first_files: Vec<&str> = reference.scenarios.iter().map(|s| s.file.as_str()).collect();
    let shown: Vec<_> = first_files.iter().map(|f| crate::model::printable(f)).collect();
    if mine.iter().any(|(_, s)| {
        s.scenarios
            .iter()
            .map(|x| x.file.as_str())
            .ne(first_files.iter().copied())
    }) {
        notes.push(format!(
            "the shards name their scenario files differently (same contents); the result names {}, as the first shard does",
            shown.join(", ")
        ));
    }
    let shards: Vec<&Shard> = mine.iter().map(|(_, s)| s).collect();
    let data = merge_data(&shards);
    Ok(Merged {
        shard: Shard {
            part: Part { index: 0, count: 1 },
            first: 0,
            end: total,
            data,
            ..shards[0].clone()
        },
        notes,
    })
}

/// Checks that the shards of one run that carry a plain pilot carry the
/// same one: it is a pure function of the scenario, seed and total trials,
/// so two that differ mean a file was altered or written by another run
/// (each is checked only against its own file when read).
fn pilots_agree(mine: &[&(&Path, Shard)], problems: &mut Vec<String>) {
    fn first_mismatch<'a, T: PartialEq + 'a>(
        carried: impl Iterator<Item = (&'a Path, Option<&'a T>)>,
    ) -> Option<(&'a Path, &'a Path)> {
        let mut first: Option<(&Path, &T)> = None;
        for (file, pilot) in carried {
            let Some(pilot) = pilot else { continue };
            match first {
                None => first = Some((file, pilot)),
                Some((f, p)) if p != pilot => return Some((f, file)),
                Some(_) => {}
            }
        }
        None
    }
    let mut disagree = |what: String, (a, b): (&Path, &Path)| {
        problems.push(format!(
            "{what}the shards disagree on the plain pilot: {} and {} carry different ones (regenerate them from one \
             scenario, seed and trial count)",
            crate::model::shown_path(a),
            crate::model::shown_path(b)
        ));
    };
    let width = match mine.first().map(|(_, s)| &s.data) {
        Some(Data::Sweep { points, .. }) => points.len(),
        Some(Data::Compare { pilots, .. }) => pilots.len(),
        _ => 1,
    };
    for i in 0..width {
        let run = first_mismatch(mine.iter().map(|(f, s)| match &s.data {
            Data::Run { pilot, .. } if i == 0 => (*f, pilot.as_ref()),
            _ => (*f, None),
        }));
        if let Some(pair) = run {
            disagree(String::new(), pair);
        }
        let point = first_mismatch(mine.iter().map(|(f, s)| match &s.data {
            Data::Sweep { points, .. } => (*f, points.get(i).and_then(|p| p.pilot.as_ref())),
            _ => (*f, None),
        }));
        if let Some(pair) = point {
            disagree(format!("points[{i}]: "), pair);
        }
        let design = first_mismatch(mine.iter().map(|(f, s)| match &s.data {
            Data::Compare { pilots, .. } => (*f, pilots.get(i).and_then(Option::as_ref)),
            _ => (*f, None),
        }));
        if let Some(pair) = design {
            disagree(
                format!("design {}: ", crate::analysis::compare::design_tag(i)),
                pair,
            );
        }
    }
}

/// Checks that the counts of shards of one run, added up, fit their 64 bits.
fn counts_fit_merged(mine: &[&(&Path, Shard)], problems: &mut Vec<String>) {
    match mine.first().map(|(_, s)| &s.data) {
        Some(Data::Run { .. }) => {
            let tallies: Vec<&Tally> = mine
                .iter()
                .flat_map(|(_, s)| match &s.data {
                    Data::Run { segments, .. } => segments.iter().collect(),
                    _ => Vec::new(),
                })
                .collect();
            counts_add_up(&tallies, "the shards' ", problems);
        }
        Some(Data::Sweep { points, .. }) => {
            for i in 0..points.len() {
                let tallies: Vec<&Tally> = mine
                    .iter()
                    .filter_map(|(_, s)| match &s.data {
                        Data::Sweep { points, .. } => points.get(i).map(|p| &p.tally),
                        _ => None,
                    })
                    .collect();
                counts_add_up(&tallies, &format!("points[{i}]: the shards' "), problems);
            }
        }
        Some(Data::Compare {
            tally: CompareTally::Independent(designs),
            ..
        }) => {
            for d in 0..designs.len() {
                let tallies: Vec<&Tally> = mine
                    .iter()
                    .filter_map(|(_, s)| match &s.data {
                        Data::Compare {
                            tally: CompareTally::Independent(t),
                            ..
                        } => t.get(d),
                        _ => None,
                    })
                    .collect();
                counts_add_up(&tallies, &format!("designs[{d}]: the shards' "), problems);
            }
        }
        // A comparison's paired sums are 128-bit and within what its trials can give.
        Some(Data::Compare { .. }) | None => {}
    }
}

/// Merges the data of shards of one run, in range order, covering it all.
fn merge_data(shards: &[&Shard]) -> Data {
    let first = shards[0];
    match &first.data {
        Data::Run { model, .. } => {
            // Segments end at the run's checkpoints and at shard ends; those
            // that end elsewhere merge into the next, so that the result is
            // split exactly as a single run's.
            let stops: BTreeSet<u64> = engine::checkpoints(first.settings.trials).into_iter().collect();
            let mut segments = Vec::new();
            let mut cur = Tally::new(model.services.len());
            for s in shards {
                if let Data::Run { segments: segs, .. } = &s.data {
                    let mut end = s.first;
                    for t in segs {
                        end += t.trials;
                        cur.merge(t);
                        if stops.contains(&end) {
                            segments.push(std::mem::replace(&mut cur, Tally::new(model.services.len())));
                        }
                    }
                }
            }
            // Every shard of a run that needs the pilot carries the same one;
            // the merged tally needs it only if each of them did.
            let mut total = Tally::new(model.services.len());
            segments.iter().for_each(|t| total.merge(t));
            let pilot = needs_pilot(model, &total)
                .then(|| {
                    shards.iter().find_map(|s| match &s.data {
                        Data::Run { pilot, .. } => pilot.clone(),
                        _ => None,
                    })
                })
                .flatten();
            Data::Run {
                model: model.clone(),
                segments,
                pilot,
            }
        }
        Data::Sweep { parameters, points } => {
            let mut points = points.clone();
            for s in &shards[1..] {
                if let Data::Sweep { points: theirs, .. } = &s.data {
                    for (p, q) in points.iter_mut().zip(theirs) {
                        p.tally.merge(&q.tally);
                        if p.pilot.is_none() {
                            p.pilot.clone_from(&q.pilot);
                        }
                    }
                }
            }
            for p in &mut points {
                if !needs_pilot(&p.model, &p.tally) {
                    p.pilot = None;
                }
            }
            Data::Sweep {
                parameters: parameters.clone(),
                points,
            }
        }
        Data::Compare {
            models,
            tally,
            pilots,
        } => {
            let mut tally = tally.clone();
            let mut pilots = pilots.clone();
            for s in &shards[1..] {
                if let Data::Compare {
                    tally: t, pilots: p, ..
                } = &s.data
                {
                    tally.merge(t);
                    pilots.resize(p.len().max(pilots.len()), None);
                    for (mine, theirs) in pilots.iter_mut().zip(p) {
                        if mine.is_none() {
                            mine.clone_from(theirs);
                        }
                    }
                }
            }
            if let CompareTally::Independent(designs) = &tally {
                for ((p, t), m) in pilots.iter_mut().zip(designs).zip(models) {
                    if !needs_pilot(m, t) {
                        *p = None;
                    }
                }
            }
            Data::Compare {
                models: models.clone(),
                tally,
                pilots,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_shards_are_named_in_few_words_whatever_their_number() {
        assert_eq!(missing_shards(5, 10, 0, 6), ": shards are 0/5, 1/5, 2/5 missing");
        assert_eq!(missing_shards(5, 10, 8, 10), ": shard is 4/5 missing");
        let m = u64::MAX;
        assert_eq!(
            missing_shards(m, m, 1, m),
            format!(": {} shards from 1/{m} to {}/{m} are missing", m - 1, m - 1)
        );
        // More shards than trials: the empty ones are not named.
        assert_eq!(
            missing_shards(20, 4, 0, 4),
            ": shards are 4/20, 9/20, 14/20, 19/20 missing"
        );
        assert_eq!(
            missing_shards(m, 10, 0, 10),
            format!(": 10 shards from {}/{m} to {}/{m} are missing", m / 10, m - 1)
        );
        assert_eq!(missing_shards(20, 4, 1, 2), ": shard is 9/20 missing");
    }

    /// `blame` as it was first written: each overlap counted again for
    /// every name (O(m³)); the names and their order are the reference.
    fn blame_by_recounting(
        overlaps: &[(usize, usize)],
        span: impl Fn(usize) -> u64,
    ) -> Vec<(usize, Vec<usize>)> {
        let mut left: Vec<(usize, (usize, usize))> = overlaps.iter().copied().enumerate().collect();
        let mut named = Vec::new();
        while !left.is_empty() {
            let blamed = |f: usize| left.iter().filter(|o| o.1.0 == f || o.1.1 == f).count();
            let worst = left
                .iter()
                .flat_map(|o| [o.1.0, o.1.1])
                .max_by_key(|&f| (blamed(f), span(f), usize::MAX - f))
                .unwrap();
            let theirs = left
                .iter()
                .filter(|o| o.1.0 == worst || o.1.1 == worst)
                .map(|o| o.0)
                .collect();
            left.retain(|o| o.1.0 != worst && o.1.1 != worst);
            named.push((worst, theirs));
        }
        named
    }

    #[test]
    fn overlaps_are_blamed_as_by_recounting_them() {
        // Random overlaps among few files (many ties) and many, with spans
        // that tie too, from a fixed xorshift stream.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for case in 0..300 {
            let files = 2 + next(if case < 150 { 8 } else { 120 }) as usize;
            let spans: Vec<u64> = (0..files).map(|_| 1 + next(4)).collect();
            let mut overlaps = Vec::new();
            for _ in 0..next(3 * files as u64) {
                let a = next(files as u64) as usize;
                let b = next(files as u64 - 1) as usize;
                // Two distinct files, the earlier first, as merge finds them.
                let b = if b >= a { b + 1 } else { b };
                overlaps.push((a.min(b), a.max(b)));
            }
            let span = |f: usize| spans[f];
            assert_eq!(
                blame(&overlaps, span, files),
                blame_by_recounting(&overlaps, span),
                "{overlaps:?} {spans:?}"
            );
        }
    }

    #[test]
    fn shards_tile_the_trials() {
        for (total, count) in [(10u64, 3u64), (1000, 7), (5, 8), (0, 2), (u64::MAX, 3)] {
            let mut next = 0;
            for index in 0..count {
                let (f, e) = Part { index, count }.range(total);
                assert_eq!(f, next, "{total} {count} {index}");
                assert!(e >= f && e - f <= total / count + 1);
                next = e;
            }
            assert_eq!(next, total);
        }
    }

    #[test]
    fn inconsistent_files_are_refused_not_panicked_on() {
        let head = r#""format": "redsim-shard/5", "redsim_version": "0.1.0", "scenario_sha256": "x",
            "seed": 1, "trials": 10, "range": {"first": 0, "end": 10}, "shard": {"index": 0, "count": 1},
            "confidence": 0.95, "generator": "g", "scenarios": []"#;
        for body in [
            r#""kind": "sweep", "parameters": [{"path": "mission", "values": ["1h"]}], "points": [{"set": ["mission=1h"], "tally": {"trials": 10, "events": 0, "services": []}}]"#,
            r#""kind": "run", "segments": []"#,
            r#""kind": "compare", "paired": {"trials": 10, "services": []}"#,
        ] {
            let mut doc: serde_json::Value = serde_json::from_str(&format!("{{{head}, {body}}}")).unwrap();
            doc["checksum"] = checksum(&doc).into();
            let e = Shard::parse(Path::new("f.json"), doc.to_string().as_bytes())
                .unwrap_err()
                .to_string();
            assert!(e.contains("must have") && !e.contains("checksum"), "{e}");
        }
        let e = Shard::parse(
            Path::new("f.json"),
            br#"{"format": "redsim-shard/2", "kind": "run"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("missing field") && e.contains("no `checksum`"), "{e}");
        let e = Shard::parse(
            Path::new("f.json"),
            br#"{"format": "redsim-shard/1", "kind": "run"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("written by an older redsim"), "{e}");
    }

    #[test]
    fn compare_files_before_the_longest_outage_are_refused_as_older_and_run_files_read() {
        // `redsim-shard/2` and `/3` compare files lack each design's
        // `longest`: the clear "older redsim" error, not a missing field.
        for old in ["redsim-shard/2", "redsim-shard/3"] {
            let mut doc = serde_json::json!({"format": old, "kind": "compare", "paired": {"trials": 1, "services": []}});
            doc["checksum"] = checksum(&doc).into();
            let e = Shard::parse(Path::new("f.json"), doc.to_string().as_bytes())
                .unwrap_err()
                .to_string();
            assert!(
                e.contains(&format!("written by an older redsim (format `{old}`"))
                    && e.contains("longest")
                    && e.contains("regenerate")
                    && e.contains(FORMAT),
                "{e}"
            );
        }
        assert_eq!(FORMAT, "redsim-shard/5");
        // `redsim-shard/4` compare files lack each difference's positive
        // part: refused as older too.
        let mut doc = serde_json::json!({"format": "redsim-shard/4", "kind": "compare", "paired": {"trials": 1, "services": []}});
        doc["checksum"] = checksum(&doc).into();
        let e = Shard::parse(Path::new("f.json"), doc.to_string().as_bytes())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("written by an older redsim (format `redsim-shard/4`")
                && e.contains("positive part")
                && e.contains(FORMAT),
            "{e}"
        );
        // Their run and sweep files are those of this format: read.
        for old in ["redsim-shard/3", "redsim-shard/4"] {
            let text = format!(r#"{{"format": "{old}", "kind": "run"}}"#);
            let e = Shard::parse(Path::new("f.json"), text.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(e.contains("missing field") && !e.contains("older"), "{e}");
        }
    }

    #[test]
    fn the_checksum_ignores_layout_and_key_order_but_not_content() {
        let a: serde_json::Value =
            serde_json::from_str(r#"{"b": [1, "x"], "a": {"d": 0.5, "c": null}}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str("{\"a\":{\"c\":null,\n \"d\":0.5},\"b\":[1,\"x\"],\"checksum\":\"z\"}")
                .unwrap();
        assert_eq!(checksum(&a), checksum(&b));
        // SHA-256 of the canonical text `{"a":{"c":null,"d":0.5},"b":[1,"x"]}`.
        assert_eq!(
            checksum(&a),
            crate::scenario::sha256_hex(br#"{"a":{"c":null,"d":0.5},"b":[1,"x"]}"#)
        );
        for other in [
            r#"{"b": [1, "y"], "a": {"d": 0.5, "c": null}}"#,
            r#"{"b": ["x", 1], "a": {"d": 0.5, "c": null}}"#,
        ] {
            let o: serde_json::Value = serde_json::from_str(other).unwrap();
            assert_ne!(checksum(&a), checksum(&o), "{other}");
        }
    }

    #[test]
    fn shard_specs_parse_and_read_the_scheduler() {
        assert_eq!(
            "2/5".parse::<PartSpec>(),
            Ok(PartSpec::Fixed(Part { index: 2, count: 5 }))
        );
        assert!("5/5".parse::<PartSpec>().unwrap_err().contains("out of range"));
        assert!("1/0".parse::<PartSpec>().is_err());
        assert!("x".parse::<PartSpec>().is_err());
        let auto: PartSpec = "auto/4".parse().unwrap();
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(
            auto.resolve(env(&[("JOB_COMPLETION_INDEX", "3")])).unwrap(),
            Part { index: 3, count: 4 }
        );
        let e = auto.resolve(env(&[])).unwrap_err().to_string();
        assert!(e.contains("SLURM_ARRAY_TASK_ID"), "{e}");
        let e = auto
            .resolve(env(&[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("AWS_BATCH_JOB_ARRAY_INDEX", "2"),
            ]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("disagrees"), "{e}");
        let e = auto
            .resolve(env(&[("SLURM_ARRAY_TASK_ID", "4")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("out of range") && e.contains("--array=0-3"), "{e}");
    }
}
