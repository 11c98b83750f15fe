//! Results depend on (model, seed, trial indices) and nothing else: not on the
//! thread count, not on how the trials were split into runs.

use redsim::analysis::{self, RunSummary};
use redsim::engine::{self, RunConfig, Tally};
use redsim::model::Model;
use redsim::report::{Provenance, RunReport};

use crate::common;

/// A small network with every kind of element and service, and failure laws
/// of every family, with missions long enough for plenty of events per
/// trial. Two switches fail at the same fixed instant, so ties in the event
/// queue are exercised too.
const SCENARIO: &str = r#"{
  "format": "redsim/1",
  "name": "determinism",
  "mission": "2000h",
  "templates": {
    "switch": {"kind": "switch", "failure": {"fixed": "300h"}, "repair": {"uniform": {"min": "1h", "max": "9h"}}},
    "psu": {"kind": "psu", "mtbf": "900h", "mttr": "24h"},
    "web": {"kind": "server", "failure": {"gamma": {"shape": 2, "mean": "700h"}}, "mttr": "8h"}
  },
  "components": [
    {"id": "internet", "kind": "external"},
    {"id": "isp-a", "kind": "isp", "mtbf": "438h", "mttr": "4h"},
    {"id": "isp-b", "kind": "isp", "mtbf": "500h", "mttr": "6h"},
    {"id": "acc-a", "template": "switch"},
    {"id": "acc-b", "template": "switch"},
    {"id": "feed-a", "kind": "feed", "afr": "99%", "mttr": "2h"},
    {"id": "feed-b", "kind": "feed", "afr": "99%", "mttr": "2h"},
    {"id": "psu-1", "template": "psu", "requires": "feed-a"},
    {"id": "psu-2", "template": "psu", "requires": "feed-b"},
    {"id": "srv", "kind": "server",
     "failure": {"weibull": {"shape": 1.3, "mean": "600h"}},
     "repair": {"lognormal": {"mean": "12h", "sd": "6h"}},
     "requires": {"any": ["psu-1", "psu-2"]}},
    {"id": "web", "count": 4, "template": "web", "domains": ["feed-a"]}
  ],
  "links": [
    {"between": ["internet", "isp-a"]},
    {"between": ["internet", "isp-b"]},
    {"between": ["isp-a", "acc-a"]},
    {"between": ["isp-b", "acc-b"]},
    {"id": "nic-a", "between": ["acc-a", "srv"], "mtbf": "2000h", "mttr": "2h"},
    {"id": "nic-b", "between": ["acc-b", "srv"], "mtbf": "2000h", "mttr": "2h"},
    {"between": ["acc-a", "web-*"]},
    {"between": ["acc-b", "web-*"], "mtbf": "1500h", "mttr": "3h"}
  ],
  "services": [
    {"id": "app", "from": "internet", "to": ["srv"]},
    {"id": "web-tier", "from": "internet", "to": ["web-*"], "need": 3},
    {"id": "web-capacity", "from": "internet", "to": ["web-*"], "capacity": 100, "demand": 250},
    {"id": "power", "requires": {"at_least": 1, "of": ["psu-1", "psu-2"]}}
  ]
}"#;

/// Trials in the runs below: many work units of the engine, and not a multiple of one.
const TRIALS: u64 = 3_001;

fn tally(model: &Model, seed: u64, first_trial: u64, trials: u64, threads: Option<usize>) -> Tally {
    let cfg = RunConfig {
        seed,
        first_trial,
        trials,
        threads,
    };
    engine::run(model, &cfg, &|_| {}).expect("thread pool")
}

fn report(model: &Model, seed: u64, run: &RunSummary) -> String {
    let provenance = Provenance {
        name: model.name.clone(),
        file: "determinism.json".into(),
        sha256: "0".repeat(64),
        set: Vec::new(),
    };
    RunReport::new(&provenance, seed, run).to_json()
}

#[test]
fn report_is_identical_on_one_and_four_threads() {
    let model = common::model(SCENARIO);
    let seed = 42;
    let one = tally(&model, seed, 0, TRIALS, Some(1));
    let four = tally(&model, seed, 0, TRIALS, Some(4));
    let default = tally(&model, seed, 0, TRIALS, None);
    assert_eq!(one.trials, TRIALS);
    assert!(
        one.services.iter().all(|s| s.outages.sum > 100),
        "every service should see outages, or the comparison proves little: {one:?}"
    );
    assert_eq!(one, four, "tallies differ between 1 and 4 threads");
    assert_eq!(
        one, default,
        "tallies differ between 1 thread and the default pool"
    );

    let s1 = analysis::summarize(&model, &one, 0.95);
    let s4 = analysis::summarize(&model, &four, 0.95);
    assert_eq!(s1, s4);
    let (r1, r4) = (report(&model, seed, &s1), report(&model, seed, &s4));
    assert_eq!(r1, r4, "JSON reports differ between 1 and 4 threads");
    assert!(r1.contains("\"seed\": 42"), "the report records its seed:\n{r1}");
}

#[test]
fn split_runs_merge_to_the_whole_run() {
    let model = common::model(SCENARIO);
    let seed = 7;
    let whole = tally(&model, seed, 0, TRIALS, Some(2));

    // Split points that do not fall on the engine's work-unit boundaries.
    let k = 700;
    let head = tally(&model, seed, 0, k, Some(1));
    let tail = tally(&model, seed, k, TRIALS - k, Some(3));
    let mut merged = head.clone();
    merged.merge(&tail);
    assert_eq!(merged, whole, "head + tail differs from the whole run");
    let mut reversed = tail.clone();
    reversed.merge(&head);
    assert_eq!(reversed, whole, "tail + head differs from the whole run");

    // Three shards, one of a single trial, merged in a scrambled order.
    let cuts = [0, 1_234, 1_235, TRIALS];
    let shards: Vec<Tally> = cuts
        .windows(2)
        .map(|w| tally(&model, seed, w[0], w[1] - w[0], None))
        .collect();
    let mut merged = Tally::new(model.services.len());
    for i in [2, 0, 1] {
        merged.merge(&shards[i]);
    }
    assert_eq!(merged, whole, "three shards differ from the whole run");
    assert_eq!(
        analysis::summarize(&model, &merged, 0.95),
        analysis::summarize(&model, &whole, 0.95)
    );
}

#[test]
fn same_seed_repeats_and_different_seeds_differ() {
    let model = common::model(SCENARIO);
    let trials = 1_000;
    let a = tally(&model, 1, 0, trials, None);
    assert_eq!(
        a,
        tally(&model, 1, 0, trials, None),
        "the same seed must repeat exactly"
    );

    let b = tally(&model, 2, 0, trials, None);
    assert_ne!(
        a.events, b.events,
        "seeds 1 and 2 simulated the same number of events"
    );
    let (sa, sb) = (
        analysis::summarize(&model, &a, 0.95),
        analysis::summarize(&model, &b, 0.95),
    );
    for (x, y) in sa.services.iter().zip(&sb.services) {
        assert_ne!(
            x.availability.point, y.availability.point,
            "{}: seeds 1 and 2 gave the same availability",
            x.id
        );
        assert_ne!(
            x.outages_observed, 0,
            "{}: no outages, the comparison proves little",
            x.id
        );
    }

    // Shifting the trial indices is a different sample too.
    let shifted = tally(&model, 1, trials, trials, None);
    assert_ne!(a, shifted, "trials 0..n and n..2n gave the same results");
}

/// Groups of both modes, a warm standby, replication, maintenance, one crew
/// and a shock: the general engine's state that must also reset between trials.
const GROUPS: &str = r#"{
  "format": "redsim/1",
  "name": "determinism with groups",
  "mission": "2000h",
  "repair": {"crews": 1, "discipline": "random"},
  "components": [
    {"id": "fw-a", "failure": {"weibull": {"shape": 2, "mean": "400h"}}, "mttr": "6h"},
    {"id": "fw-b", "failure": {"weibull": {"shape": 2, "mean": "400h"}}, "mttr": "6h"},
    {"id": "web", "count": 3, "mtbf": "300h", "mttr": "5h"},
    {"id": "db-a", "mtbf": "500h", "mttr": "8h"},
    {"id": "db-b", "mtbf": "500h", "mttr": "8h"}
  ],
  "common_cause": [{"id": "bug", "members": ["fw-a", "fw-b"], "mtbf": "3000h", "probability": 0.5}],
  "groups": [
    {"id": "fw", "members": ["fw-a", "fw-b"], "mode": "active-passive", "standby": "warm", "standby_aging": 0.3,
     "failover": {"detection": "30s", "switchover": {"exponential": {"mean": "2m"}}, "success": 0.9,
                  "manual": {"lognormal": {"mean": "40m", "sd": "20m"}}}, "failback": true},
    {"id": "web", "members": ["web-*"], "mode": "active-active", "reconvergence": {"uniform": {"min": "5s", "max": "20s"}}},
    {"id": "db", "members": ["db-a", "db-b"], "mode": "active-passive", "failover": {"switchover": "1m"},
     "replication": {"mode": "async", "lag": {"exponential": {"mean": "3s"}}}}
  ],
  "maintenance": [{"id": "patch", "members": ["web-*", "db-*"], "every": "200h", "duration": "2h", "start": "24h"}],
  "services": [
    {"id": "site", "requires": {"all": ["group:fw", "group:web", "group:db"]}, "rto": "10m", "rpo": "5s"},
    {"id": "web-only", "requires": {"at_least": 2, "of": ["web-*"]}, "planned_counts": false}
  ]
}"#;

#[test]
fn groups_and_maintenance_give_the_same_tallies_on_any_threads_and_split() {
    let model = common::model(GROUPS);
    let seed = 11;
    let one = tally(&model, seed, 0, TRIALS, Some(1));
    let four = tally(&model, seed, 0, TRIALS, Some(4));
    assert!(
        one.services.iter().all(|s| s.outages.sum > 100),
        "every service should see outages: {one:?}"
    );
    assert!(one.services[0].data_losses.sum > 100 && one.services[0].planned_outages > 0);
    assert_eq!(one, four, "tallies differ between 1 and 4 threads");
    let k = 1_111;
    let mut merged = tally(&model, seed, k, TRIALS - k, Some(2));
    merged.merge(&tally(&model, seed, 0, k, Some(3)));
    assert_eq!(merged, one, "a split run differs from the whole run");
    let (s1, s4) = (
        analysis::summarize(&model, &one, 0.95),
        analysis::summarize(&model, &four, 0.95),
    );
    assert_eq!(report(&model, seed, &s1), report(&model, seed, &s4));
}

#[test]
fn segments_merge_to_the_whole_run_and_split_where_asked() {
    let m = common::model(SCENARIO);
    let whole = tally(&m, 7, 0, TRIALS, Some(2));
    let cfg = RunConfig {
        seed: 7,
        first_trial: 0,
        trials: TRIALS,
        threads: Some(2),
    };
    let ends = engine::checkpoints(TRIALS);
    let parts = engine::run_segmented(&m, &cfg, &ends, &|_| {}).expect("thread pool");
    assert_eq!(parts.len(), ends.len(), "one segment per checkpoint");
    let mut merged = Tally::new(m.services.len());
    let mut upto = 0;
    for (part, &end) in parts.iter().zip(&ends) {
        assert_eq!(part.trials, end - upto, "segment ending at {end}");
        // Each segment is exactly the run of its own range.
        if end - upto < 200 {
            assert_eq!(*part, tally(&m, 7, upto, end - upto, Some(1)));
        }
        merged.merge(part);
        upto = end;
    }
    assert_eq!(merged, whole);
}

#[test]
fn checkpoints_rise_on_a_log_scale_to_the_total() {
    for total in [1u64, 2, 9, 10, 11, 1000, 3_001, 1_000_000] {
        let c = engine::checkpoints(total);
        assert_eq!(*c.last().unwrap(), total);
        assert!(c.windows(2).all(|w| w[0] < w[1]), "{total}: {c:?}");
        assert!(c[0] >= 1 && c[0] <= 10);
        assert!(c.len() <= 50);
    }
    let c = engine::checkpoints(1_000_000);
    assert_eq!(c.len(), 49);
    // Evenly spaced in log: the ratio of neighbours is (10^5)^(1/48).
    let r = 1e5f64.powf(1.0 / 48.0);
    for w in c.windows(2) {
        assert!((w[1] as f64 / w[0] as f64 / r - 1.0).abs() < 0.05, "{w:?}");
    }
}

/// Two sites with a crew pool each (one at random, one by priority) beside
/// scenario-wide crews at random: three dispatch streams.
const POOLS: &str = r#"{
  "format": "redsim/1", "name": "pools", "mission": "2000h",
  "repair": {"crews": 1, "discipline": "random", "pools": {
    "east": {"crews": 1, "discipline": "random"},
    "west": {"crews": 1, "discipline": "priority"}
  }},
  "components": [
    {"id": "e", "count": 3, "mtbf": "80h", "mttr": "20h", "repair_pool": "east"},
    {"id": "w", "count": 3, "mtbf": "90h", "mttr": "15h", "repair_pool": "west", "repair_priority": 1},
    {"id": "core", "count": 2, "mtbf": "70h", "mttr": "25h"}
  ],
  "services": [
    {"id": "s", "requires": {"all": [{"any": [{"at_least": 2, "of": ["e-*"]}, {"at_least": 2, "of": ["w-*"]}]}, {"any": ["core-*"]}]}}
  ]
}"#;

#[test]
fn crew_pools_give_the_same_tallies_on_any_threads_and_split() {
    let model = common::model(POOLS);
    let seed = 12;
    let one = tally(&model, seed, 0, TRIALS, Some(1));
    let four = tally(&model, seed, 0, TRIALS, Some(4));
    assert!(one.services[0].outages.sum > 1000, "{one:?}");
    assert_eq!(one, four, "tallies differ between 1 and 4 threads");
    let k = 1_234;
    let mut merged = tally(&model, seed, k, TRIALS - k, Some(2));
    merged.merge(&tally(&model, seed, 0, k, Some(3)));
    assert_eq!(merged, one, "a split run differs from the whole run");
    let (s1, s4) = (
        analysis::summarize(&model, &one, 0.95),
        analysis::summarize(&model, &four, 0.95),
    );
    assert_eq!(report(&model, seed, &s1), report(&model, seed, &s4));
}
