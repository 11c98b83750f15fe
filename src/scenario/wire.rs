//! Wire types of scenario format `redsim/1`: exactly what the file may say.
//!
//! These types are the public file format. They are kept apart from
//! `model` and only converted by validation (`super::resolve`). Every struct
//! denies unknown keys, so a typo is an error, never silently ignored.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;

use super::units::{Duration, Fraction};

/// The format tag this version reads.
pub const FORMAT: &str = "redsim/1";

macro_rules! life_fields {
    ($($t:ty),*) => {$(
        impl $t {
            /// The failure and repair fields of this entry.
            pub fn life(&self) -> LifeFields {
                LifeFields {
                    mtbf: self.mtbf,
                    afr: self.afr,
                    mttr: self.mttr,
                    failure: self.failure.clone(),
                    repair: self.repair.clone(),
                    logistics: self.logistics.clone(),
                                        repair_priority: self.repair_priority,
                    spares: self.spares.clone(),
                    repair_pool: self.repair_pool.clone(),
                }
            }
        }
    )*};
}
life_fields!(Template, ComponentEntry, LinkEntry);

/// A count that must be at least 1 (`count`, `need`, `crews`), or absent.
/// Its own reader so that a negative or fractional value is told the real
/// lower bound (serde would say "at least 0", and 0 is refused anyway), and
/// a whole number written with an exponent or a fraction (`1e5`, `3.0`) is
/// read as the number it is: JSON has one kind of number. `most` is the
/// largest value the field takes, told when a number is past every whole
/// number redsim reads (2^64 and more), which is shown as written.
fn positive<'de, D: Deserializer<'de>>(d: D, most: u64) -> Result<Option<u64>, D::Error> {
    struct V(u64);
    impl de::Visitor<'_> for V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a whole number of at least 1")
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map(Some)
                .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // 2^64 as a float: every whole float below it fits a u64.
            const PAST_U64: f64 = 18_446_744_073_709_551_616.0;
            if v.is_finite() && v.fract() == 0.0 && (1.0..PAST_U64).contains(&v) {
                return Ok(Some(v as u64));
            }
            // A whole number too large for 64 bits arrives as a float, and
            // its first digits (all a float keeps) are as written.
            let (shown, what) = if v.fract() != 0.0 || !v.is_finite() {
                (crate::scenario::shown(v), "not a whole number")
            } else if v < 1.0 {
                (crate::scenario::shown(v), "less than 1")
            } else {
                let digits = format!("{v:.0}");
                let shown = if digits.len() <= 24 {
                    digits
                } else {
                    format!("{}… ({} digits)", &digits[..12], digits.len())
                };
                (shown, "too large")
            };
            Err(E::custom(format!(
                "{shown} is {what}: expected a whole number from 1 to {}",
                self.0
            )))
        }
    }
    d.deserialize_any(V(most))
}

/// `count`: [`positive`], up to [`super::resolve::MAX_COUNT`].
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    positive(d, super::resolve::MAX_COUNT)
}

/// `crews` (scenario-wide and of a pool): [`positive`], up to `u32::MAX`
/// (the limit validation holds them to, so that every message tells the same one).
fn crews<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    positive(d, u64::from(u32::MAX))
}

/// `need`: [`positive`], any whole number of 64 bits.
fn positive_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    positive(d, u64::MAX)
}

/// A scenario file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "redsim scenario, format redsim/1")]
pub struct ScenarioFile {
    /// Format version; must be "redsim/1".
    pub format: String,
    /// A short name, shown in reports.
    pub name: String,
    /// Free text: what this scenario models or teaches.
    #[serde(default)]
    pub description: Option<String>,
    /// Length of one simulated trial (default "1y").
    #[serde(default)]
    pub mission: Option<Duration>,
    /// Repair crews (default: unlimited, every repair starts at once).
    #[serde(default)]
    pub repair: Option<RepairPolicySpec>,
    /// Common-cause shocks that fail several elements at once.
    #[serde(default)]
    pub common_cause: Vec<CommonCauseSpec>,
    /// Pools of spares that repairs draw on.
    #[serde(default)]
    pub spare_pools: Vec<SparePoolSpec>,
    /// Components that act together: active-passive or active-active.
    #[serde(default)]
    pub groups: Vec<GroupSpec>,
    /// Planned maintenance schedules.
    #[serde(default)]
    pub maintenance: Vec<MaintenanceSpec>,
    /// Reusable defaults for components and links, by name.
    #[serde(default)]
    pub templates: BTreeMap<String, Template>,
    /// Everything that can fail (and things that never fail but others reach or require).
    pub components: Vec<ComponentEntry>,
    /// Traffic links between components.
    #[serde(default)]
    pub links: Vec<LinkEntry>,
    /// What availability is measured for.
    pub services: Vec<ServiceEntry>,
}

/// Reusable defaults; a component's own fields override them.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub kind: Option<String>,
    /// Mean time between failures (exponential failures).
    pub mtbf: Option<Duration>,
    /// Annualised failure rate instead of mtbf: AFR = 1 - exp(-8760 h / MTBF).
    pub afr: Option<Fraction>,
    /// Mean time to repair (exponential repairs).
    pub mttr: Option<Duration>,
    /// Full form of the time-to-failure distribution.
    pub failure: Option<DistSpec>,
    /// Full form of the time-to-repair distribution, or "never".
    pub repair: Option<RepairSpec>,
    /// Delay from failure until a repair can start (travel, parts): a duration or a distribution.
    pub logistics: Option<DelaySpec>,
    /// Repair priority under the `priority` discipline: higher goes first (default 0).
    pub repair_priority: Option<i64>,
    /// The spare pool a repair takes a spare from.
    pub spares: Option<SpareRef>,
    /// The crew pool (a name in `repair.pools`) that repairs it (default: the scenario-wide crews).
    pub repair_pool: Option<String>,
    pub requires: Option<Requirement>,
    pub domains: Option<Vec<String>>,
}

/// Failure and repair fields shared by components, links and templates.
/// (Serde cannot flatten a struct into one that denies unknown keys, so each
/// wire struct repeats these fields and [`LifeFields`] gathers them.)
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LifeFields {
    /// Mean time between failures (exponential failures).
    pub mtbf: Option<Duration>,
    /// Annualised failure rate instead of mtbf: AFR = 1 - exp(-8760 h / MTBF).
    pub afr: Option<Fraction>,
    /// Mean time to repair (exponential repairs).
    pub mttr: Option<Duration>,
    /// Full form of the time-to-failure distribution.
    pub failure: Option<DistSpec>,
    /// Full form of the time-to-repair distribution, or "never".
    pub repair: Option<RepairSpec>,
    /// Delay from failure until a repair can start (travel, parts): a duration or a distribution.
    pub logistics: Option<DelaySpec>,
    /// Repair priority under the `priority` discipline: higher goes first (default 0).
    pub repair_priority: Option<i64>,
    /// The spare pool a repair takes a spare from.
    pub spares: Option<SpareRef>,
    /// The crew pool (a name in `repair.pools`) that repairs it (default: the scenario-wide crews).
    pub repair_pool: Option<String>,
}

/// One component, or `count` numbered copies of it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ComponentEntry {
    /// Unique id; with `count`, the copies are `id-1` .. `id-N`.
    pub id: String,
    /// Free-form kind: switch, router, firewall, server, psu, feed, ...
    pub kind: Option<String>,
    /// Name of a template to take defaults from.
    pub template: Option<String>,
    /// Expands this entry into `count` components.
    #[schemars(range(min = 1))]
    #[serde(default, deserialize_with = "count")]
    pub count: Option<u64>,
    /// Mean time between failures (exponential failures).
    pub mtbf: Option<Duration>,
    /// Annualised failure rate instead of mtbf: AFR = 1 - exp(-8760 h / MTBF).
    pub afr: Option<Fraction>,
    /// Mean time to repair (exponential repairs).
    pub mttr: Option<Duration>,
    /// Full form of the time-to-failure distribution.
    pub failure: Option<DistSpec>,
    /// Full form of the time-to-repair distribution, or "never".
    pub repair: Option<RepairSpec>,
    /// Delay from failure until a repair can start (travel, parts): a duration or a distribution.
    pub logistics: Option<DelaySpec>,
    /// Repair priority under the `priority` discipline: higher goes first (default 0).
    pub repair_priority: Option<i64>,
    /// The spare pool a repair takes a spare from.
    pub spares: Option<SpareRef>,
    /// The crew pool (a name in `repair.pools`) that repairs it (default: the scenario-wide crews).
    pub repair_pool: Option<String>,
    /// What must be functional for this component to be functional.
    pub requires: Option<Requirement>,
    /// Failure domains (rack, feed, site): sugar for also requiring each.
    pub domains: Option<Vec<String>>,
}

/// A traffic link between two components (globs expand to every pair).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkEntry {
    /// Id; defaults to "a--b".
    pub id: Option<String>,
    /// The two ends: component ids or globs.
    pub between: Vec<String>,
    pub kind: Option<String>,
    pub template: Option<String>,
    /// Mean time between failures (exponential failures).
    pub mtbf: Option<Duration>,
    /// Annualised failure rate instead of mtbf: AFR = 1 - exp(-8760 h / MTBF).
    pub afr: Option<Fraction>,
    /// Mean time to repair (exponential repairs).
    pub mttr: Option<Duration>,
    /// Full form of the time-to-failure distribution.
    pub failure: Option<DistSpec>,
    /// Full form of the time-to-repair distribution, or "never".
    pub repair: Option<RepairSpec>,
    /// Delay from failure until a repair can start (travel, parts): a duration or a distribution.
    pub logistics: Option<DelaySpec>,
    /// Repair priority under the `priority` discipline: higher goes first (default 0).
    pub repair_priority: Option<i64>,
    /// The spare pool a repair takes a spare from.
    pub spares: Option<SpareRef>,
    /// The crew pool (a name in `repair.pools`) that repairs it (default: the scenario-wide crews).
    pub repair_pool: Option<String>,
}

/// What availability is measured for: reachability (`from`/`to`) or a
/// logical `requires` expression.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub id: String,
    /// Where traffic enters: a component id.
    pub from: Option<String>,
    /// Targets: component ids or globs.
    pub to: Option<Vec<String>>,
    /// How many targets must be reachable (default 1).
    #[schemars(range(min = 1))]
    #[serde(default, deserialize_with = "positive_u64")]
    pub need: Option<u64>,
    /// Capacity of each target: one number for all, or a map from target id.
    pub capacity: Option<Capacity>,
    /// Reachable capacity needed, with `capacity`.
    pub demand: Option<f64>,
    /// A logical requirement instead of reachability.
    pub requires: Option<Requirement>,
    /// Recovery time objective: report how often an outage lasts longer.
    pub rto: Option<Duration>,
    /// Recovery point objective: report how often a failover loses more
    /// writes than this (with asynchronous replication).
    pub rpo: Option<Duration>,
    /// Whether planned downtime (maintenance, planned switchovers) counts
    /// against availability (default true).
    pub planned_counts: Option<bool>,
    /// What `redsim check` holds the service to.
    pub targets: Option<TargetsSpec>,
}

/// Targets of a service, for `redsim check`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetsSpec {
    /// Least availability, e.g. "99.99%".
    pub availability: Option<Fraction>,
    /// Most downtime per year, e.g. "1h".
    pub max_downtime_per_year: Option<Duration>,
    /// Most outages per year.
    pub max_outages_per_year: Option<f64>,
    /// Most probability of an outage longer than the RTO in a mission (needs `rto`).
    pub max_p_outage_over_rto: Option<f64>,
    /// No single point of failure (checked on the structure).
    pub no_spof: Option<bool>,
}

/// Capacity of targets.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Capacity {
    /// The same capacity for every target.
    Each(f64),
    /// Capacity per target id (or glob).
    PerTarget(BTreeMap<String, f64>),
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeanOnly {
    pub mean: Duration,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeibullSpec {
    pub shape: f64,
    pub scale: Option<Duration>,
    pub mean: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LognormalSpec {
    pub mean: Option<Duration>,
    pub sd: Option<Duration>,
    pub median: Option<Duration>,
    pub sigma: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GammaSpec {
    pub shape: f64,
    pub mean: Duration,
}

#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UniformSpec {
    pub min: Duration,
    pub max: Duration,
}

/// A duration distribution: an object with exactly one key naming the family.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase", deny_unknown_fields)]
pub enum DistSpec {
    Exponential(MeanOnly),
    /// `shape` with `scale` or `mean`.
    Weibull(WeibullSpec),
    /// `mean` and `sd`, or `median` and `sigma` (of ln T).
    Lognormal(LognormalSpec),
    Gamma(GammaSpec),
    Uniform(UniformSpec),
    Fixed(Duration),
}

/// Which spare pool a repair draws on.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpareRef {
    /// Id of a pool in `spare_pools`.
    pub pool: String,
}

/// A pool of spares: each one taken is reordered and arrives after `restock`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SparePoolSpec {
    /// Unique among pools, shocks, components and links.
    pub id: String,
    /// Spares on hand at the start.
    pub size: u64,
    /// Time for a reordered spare to arrive: a duration or a distribution.
    pub restock: DelaySpec,
}

/// A common-cause shock: at random times it fails each member that is up
/// with probability `probability`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CommonCauseSpec {
    /// Unique among shocks, components and links.
    pub id: String,
    /// The elements it can fail: ids or globs (each must have a failure law).
    pub members: Vec<String>,
    /// Mean time between shocks (exponential).
    pub mtbf: Option<Duration>,
    /// Annualised rate of shocks, instead of mtbf.
    pub afr: Option<Fraction>,
    /// Full form of the time between shocks.
    pub failure: Option<DistSpec>,
    /// Chance that one shock fails a member that is up (default 1).
    pub probability: Option<f64>,
}

/// How a group's members share the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum GroupModeSpec {
    /// One member carries traffic; the others stand by.
    ActivePassive,
    /// Every functional member carries traffic.
    ActiveActive,
}

/// How an idle standby ages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StandbySpec {
    /// Fails as if active.
    Hot,
    /// Ages at `standby_aging` of the active rate.
    Warm,
    /// Does not age while idle.
    Cold,
}

/// What an active-passive group does when its active member is lost.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FailoverSpec {
    /// Time to notice the loss (default 0).
    pub detection: Option<DelaySpec>,
    /// Time to switch to the standby (default 0).
    pub switchover: Option<DelaySpec>,
    /// Chance that the switch works (default 1).
    pub success: Option<f64>,
    /// Delay of the manual failover after a failed switch (needed when success < 1).
    pub manual: Option<DelaySpec>,
}

/// Replication mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReplicationModeSpec {
    Sync,
    Async,
}

/// How an active-passive group copies writes to its standbys.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplicationSpec {
    pub mode: ReplicationModeSpec,
    /// Replication lag (async only): the writes an unplanned failover loses.
    pub lag: Option<DelaySpec>,
}

/// A group of components that act together.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// Unique among groups; services and requirements name it as `group:ID`.
    pub id: String,
    /// Component ids or globs, in priority order (the first is active at the start).
    pub members: Vec<String>,
    pub mode: GroupModeSpec,
    /// Active-passive: how idle standbys age (default "hot").
    pub standby: Option<StandbySpec>,
    /// Warm standby: the fraction of the active ageing rate, between 0 and 1.
    pub standby_aging: Option<f64>,
    /// Active-passive: detection, switchover, success and manual failover.
    pub failover: Option<FailoverSpec>,
    /// Active-passive: whether a recovered higher-priority member takes over again (default false).
    pub failback: Option<bool>,
    /// Active-passive: data replication to the standbys.
    pub replication: Option<ReplicationSpec>,
    /// Active-active: interruption after a member is lost (default none).
    pub reconvergence: Option<DelaySpec>,
}

/// A planned maintenance schedule.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceSpec {
    /// Unique among maintenance schedules.
    pub id: String,
    /// Component ids or globs, in the rolling order.
    pub members: Vec<String>,
    /// Time between the starts of two rounds.
    pub every: Duration,
    /// Time each member is out of service.
    pub duration: Duration,
    /// Start of the first round (default: one `every` in).
    pub start: Option<Duration>,
    /// One member at a time, back to back (default), or all together.
    pub rolling: Option<bool>,
}

/// Repair crews and the order they take waiting repairs in.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepairPolicySpec {
    /// Number of crews (default: unlimited).
    #[schemars(range(min = 1, max = u32::MAX))]
    #[serde(default, deserialize_with = "crews")]
    pub crews: Option<u64>,
    /// Who gets the next free crew (default "fifo").
    pub discipline: Option<DisciplineSpec>,
    /// Named pools of crews (one per site, say), by name: an element that
    /// names one in `repair_pool` is repaired by its crews only; the others
    /// by the scenario-wide `crews`.
    #[serde(default)]
    pub pools: BTreeMap<String, CrewPoolSpec>,
}

/// A named pool of repair crews.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CrewPoolSpec {
    /// Number of crews in the pool (required, at least 1).
    #[schemars(range(min = 1, max = u32::MAX))]
    #[serde(default, deserialize_with = "crews")]
    pub crews: Option<u64>,
    /// Who gets the pool's next free crew (default: `repair.discipline`, else "fifo").
    pub discipline: Option<DisciplineSpec>,
}

/// The order of waiting repairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DisciplineSpec {
    /// First come, first served.
    Fifo,
    /// Highest `repair_priority` first, then first come.
    Priority,
    /// Uniformly at random among those waiting.
    Random,
}

/// A delay: a fixed duration, or a distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum DelaySpec {
    Fixed(Duration),
    Dist(DistSpec),
}

impl<'de> Deserialize<'de> for DelaySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match v {
            Value::Object(_) => DistSpec::deserialize(v)
                .map(Self::Dist)
                .map_err(de::Error::custom),
            v => Duration::deserialize(v)
                .map(Self::Fixed)
                .map_err(de::Error::custom),
        }
    }
}

impl JsonSchema for DelaySpec {
    fn schema_name() -> Cow<'static, str> {
        "Delay".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let duration = g.subschema_for::<Duration>();
        let dist = g.subschema_for::<DistSpec>();
        json_schema!({
            "description": "A fixed duration, or a distribution of durations.",
            "oneOf": [duration, dist]
        })
    }
}

/// A repair distribution, or "never" for a non-repairable element.
#[derive(Debug, Clone, PartialEq)]
pub enum RepairSpec {
    Never,
    Dist(DistSpec),
}

impl<'de> Deserialize<'de> for RepairSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor rather than a detour through `Value`, so that errors inside
        // the distribution keep their path (`repair.uniform.min`).
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = RepairSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("\"never\" or a distribution such as {\"exponential\": {\"mean\": \"4h\"}}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RepairSpec, E> {
                if s == "never" {
                    Ok(RepairSpec::Never)
                } else {
                    Err(E::custom(format!(
                        "invalid repair \"{s}\": write \"never\" or a distribution such as {{\"exponential\": {{\"mean\": \"4h\"}}}}"
                    )))
                }
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RepairSpec, A::Error> {
                DistSpec::deserialize(de::value::MapAccessDeserializer::new(map)).map(RepairSpec::Dist)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for RepairSpec {
    fn schema_name() -> Cow<'static, str> {
        "Repair".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let dist = g.subschema_for::<DistSpec>();
        json_schema!({
            "description": "A repair-time distribution, or \"never\" (not repairable).",
            "oneOf": [{"const": "never"}, dist]
        })
    }
}

/// A requirement expression: an id (or glob), `{"all": [...]}`,
/// `{"any": [...]}` or `{"at_least": K, "of": [...]}`, nested freely.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    /// An id or a glob; a glob standing alone means all of its matches.
    Ref(String),
    All(Vec<Requirement>),
    Any(Vec<Requirement>),
    AtLeast(u64, Vec<Requirement>),
}

const REQUIREMENT_HINT: &str =
    "a requirement is an id, {\"all\": [...]}, {\"any\": [...]} or {\"at_least\": K, \"of\": [...]}";

/// Deepest nesting of a requirement expression: `all`, `any` and
/// `at_least` within one another, this many levels at most.
pub const MAX_REQUIREMENT_DEPTH: usize = 32;

impl Requirement {
    /// Parses a requirement from JSON; errors name the path inside it.
    /// `depth` is how many expressions enclose this one.
    fn from_value(v: &Value, path: &str, depth: usize) -> Result<Self, String> {
        let at = |p: &str| {
            if p.is_empty() {
                String::new()
            } else {
                format!("at {p}: ")
            }
        };
        let list = |v: &Value, p: String| -> Result<Vec<Self>, String> {
            let arr = v
                .as_array()
                .ok_or_else(|| format!("{}expected a list of requirements", at(&p)))?;
            if arr.is_empty() {
                return Err(format!("{}the list is empty", at(&p)));
            }
            arr.iter()
                .enumerate()
                .map(|(i, x)| Self::from_value(x, &format!("{p}[{i}]"), depth + 1))
                .collect()
        };
        if depth >= MAX_REQUIREMENT_DEPTH && v.is_object() {
            return Err(format!(
                "{}requirements nest at most {MAX_REQUIREMENT_DEPTH} levels deep (the limit), and this \
                 one goes deeper",
                at(path)
            ));
        }
        match v {
            Value::String(s) if !s.trim().is_empty() => Ok(Self::Ref(s.clone())),
            Value::Object(m) => {
                let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
                keys.sort_unstable();
                let join = |k: &str| {
                    if path.is_empty() {
                        k.to_string()
                    } else {
                        format!("{path}.{k}")
                    }
                };
                match keys.as_slice() {
                    ["all"] => Ok(Self::All(list(&m["all"], join("all"))?)),
                    ["any"] => Ok(Self::Any(list(&m["any"], join("any"))?)),
                    ["at_least", "of"] => {
                        let k = m["at_least"].as_u64().ok_or_else(|| {
                            format!(
                                "{}at_least must be a whole number of at least 1 (got {})",
                                at(&join("at_least")),
                                m["at_least"]
                            )
                        })?;
                        Ok(Self::AtLeast(k, list(&m["of"], join("of"))?))
                    }
                    _ => Err(format!(
                        "{}unexpected keys {}; {REQUIREMENT_HINT}",
                        at(path),
                        keys.iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                }
            }
            _ => Err(format!("{}{REQUIREMENT_HINT}", at(path))),
        }
    }
}

impl<'de> Deserialize<'de> for Requirement {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Self::from_value(&v, "", 0).map_err(de::Error::custom)
    }
}

impl JsonSchema for Requirement {
    fn schema_name() -> Cow<'static, str> {
        "Requirement".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let me = g.subschema_for::<Requirement>();
        json_schema!({
            "description": "An id or glob, {\"all\": [...]}, {\"any\": [...]} or {\"at_least\": K, \"of\": [...]}.",
            "oneOf": [
                {"type": "string", "minLength": 1},
                {"type": "object", "properties": {"all": {"type": "array", "items": me, "minItems": 1}},
                 "required": ["all"], "additionalProperties": false},
                {"type": "object", "properties": {"any": {"type": "array", "items": me, "minItems": 1}},
                 "required": ["any"], "additionalProperties": false},
                {"type": "object", "properties": {
                    "at_least": {"type": "integer", "minimum": 1},
                    "of": {"type": "array", "items": me, "minItems": 1}},
                 "required": ["at_least", "of"], "additionalProperties": false}
            ]
        })
    }
}

/// The JSON Schema of format `redsim/1`.
pub fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(ScenarioFile)).expect("a schema is plain JSON")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_parse_nested_forms() {
        let r: Requirement =
            serde_json::from_str(r#"{"at_least": 2, "of": ["a", {"any": ["b", "c"]}, "d-*"]}"#).unwrap();
        assert_eq!(
            r,
            Requirement::AtLeast(
                2,
                vec![
                    Requirement::Ref("a".into()),
                    Requirement::Any(vec![Requirement::Ref("b".into()), Requirement::Ref("c".into())]),
                    Requirement::Ref("d-*".into()),
                ]
            )
        );
    }

    #[test]
    fn bad_requirements_name_the_inner_path() {
        let e = serde_json::from_str::<Requirement>(r#"{"all": ["a", {"some": ["b"]}]}"#).unwrap_err();
        assert!(e.to_string().contains("at all[1]: unexpected keys `some`"), "{e}");
    }

    #[test]
    fn repair_never_or_distribution() {
        assert_eq!(
            serde_json::from_str::<RepairSpec>("\"never\"").unwrap(),
            RepairSpec::Never
        );
        assert!(matches!(
            serde_json::from_str::<RepairSpec>(r#"{"fixed": "2h"}"#).unwrap(),
            RepairSpec::Dist(DistSpec::Fixed(_))
        ));
        assert!(serde_json::from_str::<RepairSpec>("\"sometimes\"").is_err());
    }
}
