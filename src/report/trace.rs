//! A trial's timeline, as text for people and JSON for programs.

use std::fmt::Write as _;

use serde::Serialize;

use super::{Provenance, hours, pretty_json};
use crate::engine::{GroupEvent, RepairWait, ServiceState, TraceEvent};
use crate::model::Model;

/// Format tag of JSON traces.
pub const TRACE_FORMAT: &str = "redsim-trace/1";

fn state_name(s: ServiceState) -> &'static str {
    match s {
        ServiceState::Up => "up",
        ServiceState::Degraded => "degraded",
        ServiceState::Down => "down",
    }
}

/// One line of a JSON trace.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
enum Line<'a> {
    Element {
        t: f64,
        element: &'a str,
        kind: Option<&'a str>,
        event: &'static str,
    },
    Waits {
        t: f64,
        element: &'a str,
        kind: Option<&'a str>,
        event: &'static str,
        wait: Wait<'a>,
    },
    Spare {
        t: f64,
        element: &'a str,
        kind: Option<&'a str>,
        event: &'static str,
        spare_pool: &'a str,
    },
    Service {
        t: f64,
        service: &'a str,
        state: &'static str,
        cause: Option<String>,
    },
    Group {
        t: f64,
        group: &'a str,
        event: String,
    },
    Maintenance {
        t: f64,
        maintenance: &'a str,
        element: &'a str,
        event: &'static str,
    },
}

/// Why a repair waits, as the JSON trace gives it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
enum Wait<'a> {
    /// Its logistics delay runs first.
    Logistics,
    /// Every crew of its crew pool is busy.
    CrewBusy {
        /// The pool's name in `repair.pools`; `None` for the scenario-wide `repair.crews`.
        crew_pool: Option<&'a str>,
        crews: u32,
        busy: u32,
        in_line: u32,
    },
    /// Its spare pool has none on hand.
    NoSpare {
        spare_pool: &'a str,
        size: u32,
        in_line: u32,
    },
    /// It has no repair law.
    NotRepairable,
}

impl<'a> Wait<'a> {
    fn new(model: &'a Model, why: RepairWait) -> Self {
        match why {
            RepairWait::Logistics => Self::Logistics,
            RepairWait::Crew { pool, busy, in_line } => {
                let (crew_pool, crews) = match pool.checked_sub(1) {
                    None => (None, model.repair.crews.unwrap_or(busy)),
                    Some(i) => {
                        let p = &model.repair.pools[i as usize];
                        (Some(p.name.as_str()), p.crews)
                    }
                };
                Self::CrewBusy {
                    crew_pool,
                    crews,
                    busy,
                    in_line,
                }
            }
            RepairWait::Spare { pool, in_line } => {
                let p = &model.spare_pools[pool as usize];
                Self::NoSpare {
                    spare_pool: &p.id,
                    size: p.size,
                    in_line,
                }
            }
            RepairWait::Never => Self::NotRepairable,
        }
    }

    /// In words, after the element's id.
    fn text(&self) -> String {
        let waits = match self {
            Self::NotRepairable => return "cannot be repaired (no repair law): down to the end".into(),
            Self::Logistics => "logistics delay (travel, parts)".into(),
            Self::CrewBusy {
                crew_pool,
                crews,
                busy,
                in_line,
            } => {
                let pool = match crew_pool {
                    None => "the scenario-wide crews (repair.crews)".to_string(),
                    Some(name) => format!("crew pool {}", crate::model::printable(name)),
                };
                format!("crew busy: {busy} of {crews} crew(s) of {pool} at work, {in_line} in line")
            }
            Self::NoSpare {
                spare_pool,
                size,
                in_line,
            } => format!(
                "no spare on hand in pool {} (size {size}): a restocked one is on order, {in_line} in line",
                crate::model::printable(spare_pool)
            ),
        };
        format!("repair waits: {waits}")
    }
}

/// What a group event says, in words.
fn group_text(model: &Model, ev: GroupEvent) -> String {
    let id = |e: usize| model.elements[e].id.as_str();
    match ev {
        GroupEvent::Lost { member } => format!("lost its active member {}: detecting", id(member)),
        GroupEvent::Resumed { member } => {
            format!("{} is back before detection ended: it carries on", id(member))
        }
        GroupEvent::Switching { to, planned: false } => format!("switching over to {}", id(to)),
        GroupEvent::Switching { to, planned: true } => format!("planned switchover to {}", id(to)),
        GroupEvent::SwitchFailed { to } => format!("switch to {} failed: manual failover", id(to)),
        GroupEvent::TookOver {
            member,
            manual: false,
        } => format!("{} took over", id(member)),
        GroupEvent::TookOver { member, manual: true } => {
            format!("{} took over (manual failover)", id(member))
        }
        GroupEvent::NoMember => "no member can take over: group down".into(),
        GroupEvent::Failback { to } => format!("failing back to {} (planned switchover)", id(to)),
        GroupEvent::Reconverging { member } => format!("lost {}: reconverging", id(member)),
        GroupEvent::Reconverged => "reconverged".into(),
        GroupEvent::DataLoss { lost } => {
            format!("lost {} of writes (asynchronous replication)", super::hours(lost))
        }
    }
}

/// Element events as shown: a repair that starts the moment its element
/// fails (a crew was free, no logistics) is part of the failure and not shown.
fn shown(events: &[TraceEvent]) -> Vec<TraceEvent> {
    let mut failed_at: std::collections::HashMap<usize, f64> = std::collections::HashMap::new();
    events
        .iter()
        .filter(|ev| match **ev {
            TraceEvent::Element {
                t,
                element,
                up: false,
            } => {
                failed_at.insert(element, t);
                true
            }
            TraceEvent::RepairStarted { t, element } => failed_at.get(&element) != Some(&t),
            _ => true,
        })
        .copied()
        .collect()
}

/// How `trace --first-outage` found the trial: the first, from trial
/// `from` on, with an outage of `service` (`None`: of any service).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FirstOutage<'a> {
    /// The service id asked for, if any.
    pub service: Option<&'a str>,
    /// The first trial searched.
    pub from: u64,
}

/// A trace of one trial, ready to print.
#[derive(Debug, Clone, Serialize)]
pub struct TraceReport<'a> {
    format: &'static str,
    redsim_version: &'static str,
    scenario: &'a Provenance,
    seed: u64,
    trial: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_outage: Option<FirstOutage<'a>>,
    mission_hours: f64,
    events: Vec<Line<'a>>,
}

/// What set off a service change: the element events at the same instant.
fn causes(model: &Model, events: &[TraceEvent], i: usize) -> Option<String> {
    let t = events[i].time();
    let mut found: Vec<String> = Vec::new();
    for ev in events[..i].iter().rev() {
        match *ev {
            TraceEvent::Element { t: te, element, up } if te == t => {
                found.push(format!(
                    "{} {}",
                    model.elements[element].id,
                    if up { "repaired" } else { "failed" }
                ));
            }
            TraceEvent::Shock { t: te, shock } if te == t => {
                found.push(format!("shock {}", model.common_cause[shock].id));
            }
            TraceEvent::Group { t: te, group, event } if te == t => {
                found.push(format!(
                    "{}: {}",
                    model.groups[group].id,
                    group_text(model, event)
                ));
            }
            TraceEvent::Maintenance {
                t: te,
                schedule,
                element,
                begin,
            } if te == t => {
                found.push(format!(
                    "{} {} {}",
                    model.maintenance[schedule].id,
                    model.elements[element].id,
                    if begin { "out" } else { "back" }
                ));
            }
            TraceEvent::Service { t: ts, .. }
            | TraceEvent::RepairStarted { t: ts, .. }
            | TraceEvent::RepairWaits { t: ts, .. }
            | TraceEvent::SpareTaken { t: ts, .. }
                if ts == t => {}
            _ => break,
        }
    }
    found.reverse();
    (!found.is_empty()).then(|| found.join(", "))
}

impl<'a> TraceReport<'a> {
    pub fn new(
        model: &'a Model,
        scenario: &'a Provenance,
        seed: u64,
        trial: u64,
        events: &[TraceEvent],
    ) -> Self {
        let events = &shown(events);
        let lines = events
            .iter()
            .enumerate()
            .map(|(i, ev)| match *ev {
                TraceEvent::Element { t, element, up } => Line::Element {
                    t,
                    element: &model.elements[element].id,
                    kind: model.elements[element].kind.as_deref(),
                    event: if up { "repaired" } else { "failed" },
                },
                TraceEvent::Shock { t, shock } => Line::Element {
                    t,
                    element: &model.common_cause[shock].id,
                    kind: Some("common cause"),
                    event: "struck",
                },
                TraceEvent::RepairStarted { t, element } => Line::Element {
                    t,
                    element: &model.elements[element].id,
                    kind: model.elements[element].kind.as_deref(),
                    event: "repair started",
                },
                TraceEvent::RepairWaits { t, element, why } => Line::Waits {
                    t,
                    element: &model.elements[element].id,
                    kind: model.elements[element].kind.as_deref(),
                    event: "repair waits",
                    wait: Wait::new(model, why),
                },
                TraceEvent::SpareTaken { t, pool, element } => Line::Spare {
                    t,
                    element: &model.elements[element].id,
                    kind: model.elements[element].kind.as_deref(),
                    event: "took a restocked spare",
                    spare_pool: &model.spare_pools[pool].id,
                },
                TraceEvent::Group { t, group, event } => Line::Group {
                    t,
                    group: &model.groups[group].id,
                    event: group_text(model, event),
                },
                TraceEvent::Maintenance {
                    t,
                    schedule,
                    element,
                    begin,
                } => Line::Maintenance {
                    t,
                    maintenance: &model.maintenance[schedule].id,
                    element: &model.elements[element].id,
                    event: if begin {
                        "out of service"
                    } else {
                        "back in service"
                    },
                },
                TraceEvent::Service { t, service, state } => Line::Service {
                    t,
                    service: &model.services[service].id,
                    state: state_name(state),
                    cause: causes(model, events, i),
                },
            })
            .collect();
        Self {
            format: TRACE_FORMAT,
            redsim_version: env!("CARGO_PKG_VERSION"),
            scenario,
            seed,
            trial,
            first_outage: None,
            mission_hours: model.mission,
            events: lines,
        }
    }

    /// The same report, saying how `--first-outage` found its trial.
    pub fn found_by(mut self, found: Option<FirstOutage<'a>>) -> Self {
        self.first_outage = found;
        self
    }

    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        pretty_json(self)
    }

    /// A readable timeline with a per-service summary.
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "redsim {}  ·  trace of {}",
            self.redsim_version,
            crate::model::printable(&self.scenario.name)
        );
        let _ = writeln!(
            o,
            "scenario   {}   seed {}   trial {}   mission {}",
            crate::model::printable(&self.scenario.file),
            self.seed,
            self.trial,
            hours(self.mission_hours)
        );
        super::set_line(&mut o, "set        ", &self.scenario.set);
        if let Some(f) = &self.first_outage {
            let what = match f.service {
                Some(id) => format!("service {}", crate::model::printable(id)),
                None => "any service".into(),
            };
            let _ = writeln!(
                o,
                "(trial {}: the first from trial {} with an outage of {what})",
                self.trial, f.from
            );
        }
        let _ = writeln!(
            o,
            "(the same trial as trial {} of a plain `redsim run --rare off` with this seed)\n",
            self.trial
        );
        let _ = writeln!(o, "{:>14}  {:<14}  event", "time [h]", "day hh:mm:ss");
        // Per service: (outages, down time, when the current outage began).
        let mut tally: Vec<(&str, u64, f64, Option<f64>)> = Vec::new();
        for line in &self.events {
            let (t, text) = match line {
                Line::Element {
                    t,
                    element,
                    kind,
                    event,
                } => {
                    let kind = kind
                        .map(|k| format!(" ({})", crate::model::printable(k)))
                        .unwrap_or_default();
                    (*t, format!("{element}{kind} {event}"))
                }
                Line::Waits {
                    t,
                    element,
                    kind,
                    wait,
                    ..
                } => (*t, format!("{element}{} {}", kind_text(*kind), wait.text())),
                Line::Spare {
                    t,
                    element,
                    kind,
                    event,
                    spare_pool,
                } => (
                    *t,
                    format!(
                        "{element}{} {event} from pool {}",
                        kind_text(*kind),
                        crate::model::printable(spare_pool)
                    ),
                ),
                Line::Group { t, group, event } => (*t, format!("group {group}: {event}")),
                Line::Maintenance {
                    t,
                    maintenance,
                    element,
                    event,
                } => (*t, format!("{element} {event} ({maintenance})")),
                Line::Service {
                    t,
                    service,
                    state,
                    cause,
                } => {
                    let entry = match tally.iter_mut().find(|x| x.0 == *service) {
                        Some(e) => e,
                        None => {
                            tally.push((service, 0, 0.0, None));
                            tally.last_mut().expect("just pushed")
                        }
                    };
                    if let Some(since) = entry.3.take() {
                        entry.2 += t - since;
                    }
                    if *state == "down" {
                        entry.1 += 1;
                        entry.3 = Some(*t);
                    }
                    let why = match cause {
                        Some(c) => format!("   <- {c}"),
                        None if *t == 0.0 => "   (at the start)".into(),
                        None => String::new(),
                    };
                    let loud = if *state == "down" {
                        "DOWN".to_string()
                    } else {
                        state.to_string()
                    };
                    (*t, format!("service {service}: {loud}{why}"))
                }
            };
            let _ = writeln!(o, "{t:>14.3}  {:<14}  {text}", clock(t));
        }
        let _ = writeln!(
            o,
            "{:>14.3}  {:<14}  end of mission",
            self.mission_hours,
            clock(self.mission_hours)
        );
        o.push('\n');
        for (service, outages, mut down, open) in tally {
            if let Some(since) = open {
                down += self.mission_hours - since;
            }
            let _ = writeln!(
                o,
                "service {service}: {outages} outage(s), {} down in this trial",
                hours(down)
            );
        }
        o
    }
}

/// ` (kind)` after an element's id, or nothing.
fn kind_text(kind: Option<&str>) -> String {
    kind.map(|k| format!(" ({})", crate::model::printable(k)))
        .unwrap_or_default()
}

/// `d<day> hh:mm:ss` of a time in hours.
fn clock(h: f64) -> String {
    let secs = (h * 3600.0).round() as u64;
    format!(
        "d{} {:02}:{:02}:{:02}",
        secs / 86_400,
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_days_and_time() {
        assert_eq!(clock(0.0), "d0 00:00:00");
        assert_eq!(clock(25.5 + 1.0 / 3600.0), "d1 01:30:01");
    }
}
