//! The bundled scenarios: they load, agree with the published JSON Schema,
//! teach what their descriptions say, and their report format is pinned.

use std::path::{Path, PathBuf};

use redsim::analysis::{Estimate, RunSummary};
use redsim::report::{Provenance, RunReport};
use serde_json::Value;

use crate::common::simulate;

fn bundled() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn load(name: &str) -> redsim::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios").join(name);
    redsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn service<'a>(run: &'a RunSummary, id: &str) -> &'a redsim::analysis::ServiceSummary {
    run.services
        .iter()
        .find(|s| s.id == id)
        .unwrap_or_else(|| panic!("no service {id}"))
}

/// Asserts `better` is higher than `worse` with non-overlapping intervals.
#[track_caller]
fn clearly_above(what: &str, better: &Estimate, worse: &Estimate) {
    assert!(
        better.ci_low > worse.ci_high,
        "{what}: expected [{}, {}] wholly above [{}, {}]",
        better.ci_low,
        better.ci_high,
        worse.ci_low,
        worse.ci_high
    );
}

#[test]
fn every_bundled_scenario_loads_has_a_description_and_fits_the_schema() {
    let schema = redsim::scenario::schema();
    let validator = jsonschema::validator_for(&schema).expect("the published schema is a valid JSON Schema");
    let files = bundled();
    assert!(
        files.len() >= 9,
        "expected the bundled scenarios, found {files:?}"
    );
    for f in files {
        let sc = redsim::scenario::load(&f).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            sc.model.description.as_deref().is_some_and(|d| d.len() > 40),
            "{} needs a description saying what it teaches",
            f.display()
        );
        let doc: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{} fails the schema: {errors:?}", f.display());
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects() {
    let schema = redsim::scenario::schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let good = serde_json::json!({
        "format": "redsim/1", "name": "s",
        "components": [{"id": "a", "mtbf": "10h", "mttr": "1h"}],
        "services": [{"id": "s", "requires": "a"}]
    });
    assert!(validator.is_valid(&good));
    for (what, bad) in [
        ("unknown key", serde_json::json!({"mtbff": "10h"})),
        ("bad duration", serde_json::json!({"mtbf": "10 hours"})),
        ("zero count", serde_json::json!({"count": 0})),
    ] {
        let mut doc = good.clone();
        let c = doc["components"][0].as_object_mut().unwrap();
        c.extend(bad.as_object().unwrap().clone());
        assert!(
            !validator.is_valid(&doc),
            "the schema accepts a scenario with a {what}"
        );
        assert!(
            redsim::scenario::parse(&doc.to_string()).is_err(),
            "the loader accepts a {what}"
        );
    }
}

#[test]
fn a_second_firewall_removes_a_single_point_of_failure() {
    let two = simulate(&load("seed-network.json").model, 20_000, 3);
    let one = simulate(&load("seed-network-one-firewall.json").model, 20_000, 3);
    clearly_above(
        "app availability",
        &service(&two, "app").availability,
        &service(&one, "app").availability,
    );
}

#[test]
fn psus_on_separate_feeds_beat_psus_on_one_feed() {
    // The A/B design sees a handful of outages: its interval allows for an
    // unseen mission-long one, about 4/n, which 100,000 trials bring below
    // the one-feed design's 10^-4.
    let ab = simulate(&load("power-ab-feeds.json").model, 100_000, 3);
    let one = simulate(&load("power-one-feed.json").model, 100_000, 3);
    for s in ["app", "power-srv-1"] {
        clearly_above(s, &service(&ab, s).availability, &service(&one, s).availability);
    }
}

#[test]
fn redundancy_ranks_parallel_above_two_of_three_above_series() {
    let run = |f| simulate(&load(f).model, 20_000, 3);
    let (series, k_of_n, parallel) = (run("series.json"), run("two-of-three.json"), run("parallel.json"));
    let a = |r: &RunSummary| service(r, "system").availability;
    clearly_above("2-of-3 over series", &a(&k_of_n), &a(&series));
    assert!(a(&parallel).point > a(&series).point);
}

#[test]
fn the_data_centre_runs_and_its_weaker_service_is_the_demanding_one() {
    let run = simulate(&load("leaf-spine-dc.json").model, 400, 3);
    let web = service(&run, "web");
    let any = service(&run, "any-server");
    assert!(
        web.outages_observed > 0,
        "web needs 97 % of servers: rack outages must show"
    );
    assert!(any.availability.point >= web.availability.point);
    assert!(
        web.degraded_fraction.point > 0.0,
        "with 1,152 servers some are always being repaired"
    );
}

#[test]
fn the_series_report_is_pinned() {
    let sc = load("series.json");
    let run = simulate(&sc.model, 2_000, 1);
    let prov = Provenance {
        name: sc.model.name.clone(),
        file: "scenarios/series.json".into(),
        sha256: sc.sha256,
        set: Vec::new(),
    };
    let report = RunReport::new(&prov, 1, &run);
    insta::assert_snapshot!("series_table", report.to_table());
    insta::assert_snapshot!("series_json", report.to_json());
}

#[test]
fn the_schema_and_the_loader_read_durations_alike() {
    let schema = redsim::scenario::schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for (mtbf, ok) in [
        ("4.h", true),
        ("+1e0h", true),
        ("1e3h", true),
        (".5d", true),
        ("4hh", false),
        ("h", false),
    ] {
        let doc = serde_json::json!({
            "format": "redsim/1", "name": "s",
            "components": [{"id": "a", "mtbf": mtbf, "mttr": "1h"}, {"id": "b", "afr": "1.5e0%", "mttr": "1h"}],
            "services": [{"id": "s", "requires": "a"}]
        });
        assert_eq!(validator.is_valid(&doc), ok, "schema on {mtbf}");
        assert_eq!(
            redsim::scenario::parse(&doc.to_string()).is_ok(),
            ok,
            "loader on {mtbf}"
        );
    }
}

#[test]
fn a_second_repair_crew_shortens_the_queue() {
    let one = simulate(&load("fleet-one-crew.json").model, 5_000, 3);
    let two = simulate(&load("fleet-two-crews.json").model, 5_000, 3);
    clearly_above(
        "storage availability",
        &service(&two, "storage").availability,
        &service(&one, "storage").availability,
    );
}

#[test]
fn a_shared_firmware_bug_dominates_a_redundant_pair() {
    let sc = load("firewall-pair-common-cause.json");
    let with = simulate(&sc.model, 20_000, 3);
    let mut without = sc.model.clone();
    without.common_cause.clear();
    let without = simulate(&without, 20_000, 3);
    let (w, wo) = (service(&with, "perimeter"), service(&without, "perimeter"));
    clearly_above(
        "outages per year with the shared bug",
        &w.outages_per_year,
        &wo.outages_per_year,
    );
    assert!(
        w.outages_per_year.point > 5.0 * wo.outages_per_year.point,
        "the common cause is most of the outages"
    );
}

#[test]
fn a_spare_on_site_beats_waiting_for_the_depot() {
    let sc = load("disk-shelf-spares.json");
    // With a spare the shelf sees few outages, whose interval allows for an
    // unseen mission-long one: 40,000 trials bring it above the other's.
    let one = simulate(&sc.model, 40_000, 3);
    let mut none = sc.model.clone();
    none.spare_pools[0].size = 0;
    let none = simulate(&none, 40_000, 3);
    clearly_above(
        "shelf availability",
        &service(&one, "shelf").availability,
        &service(&none, "shelf").availability,
    );
}

#[test]
fn failover_models_of_the_same_web_tier_rank_as_their_descriptions_say() {
    let run = |name: &str, trials: u64| simulate(&load(name).model, trials, 3);
    // The parallel tier's outages are few (its effective count lies where
    // the interval's allowance for an unseen outage is still shrinking
    // towards the t interval's): 40,000 trials make its interval narrow.
    let (parallel, aa, ap) = (
        run("web-tier-parallel.json", 40_000),
        run("web-tier-active-active.json", 10_000),
        run("web-tier-active-passive.json", 10_000),
    );
    let (p, a, s) = (
        service(&parallel, "web"),
        service(&aa, "web"),
        service(&ap, "web"),
    );
    // Every failover is an outage in the other two: many more outages.
    clearly_above("outages, active-active", &a.outages_per_year, &p.outages_per_year);
    clearly_above(
        "outages, active-passive",
        &s.outages_per_year,
        &p.outages_per_year,
    );
    // Detection, switchover and failed switches cost more than 15 s of reconvergence.
    clearly_above("availability", &a.availability, &s.availability);
    clearly_above("availability", &p.availability, &s.availability);
}

#[test]
fn rolling_patching_beats_patching_everything_at_once() {
    let rolling = simulate(&load("patching-rolling.json").model, 5_000, 3);
    let together = simulate(&load("patching-simultaneous.json").model, 5_000, 3);
    let (r, t) = (service(&rolling, "site"), service(&together, "site"));
    clearly_above("availability", &r.availability, &t.availability);
    let (rp, tp) = (r.planned.as_ref().unwrap(), t.planned.as_ref().unwrap());
    clearly_above(
        "planned downtime",
        &tp.planned_downtime_hours_per_year,
        &rp.planned_downtime_hours_per_year,
    );
    // Twelve windows of an hour a year (days 7, 37, ..., 337), each an
    // outage unless the site is already down for another reason.
    let planned = tp.planned_downtime_hours_per_year.point;
    assert!(planned > 11.9 && planned <= 12.0, "{planned}");
}

#[test]
fn asynchronous_replication_loses_writes_and_synchronous_does_not() {
    let async_ = simulate(&load("db-async-replication.json").model, 5_000, 3);
    let sync = simulate(&load("db-sync-replication.json").model, 5_000, 3);
    let a = service(&async_, "orders").data_loss.as_ref().unwrap();
    let s = service(&sync, "orders").data_loss.as_ref().unwrap();
    assert!(a.events_per_year.ci_low > 1.0, "{:?}", a.events_per_year);
    assert!(a.rpo.as_ref().unwrap().losses_over_rpo > 0);
    assert_eq!(s.events_observed, 0);
    // The same failures and failovers: availability does not depend on the mode.
    assert_eq!(
        service(&async_, "orders").availability,
        service(&sync, "orders").availability
    );
}

#[test]
fn failed_switches_cost_the_firewall_pair_most_of_its_downtime() {
    let sc = load("firewall-pair-failover.json");
    let with = simulate(&sc.model, 10_000, 3);
    let mut perfect = sc.model.clone();
    if let redsim::model::GroupMode::ActivePassive { failover, .. } = &mut perfect.groups[0].mode {
        failover.success = 1.0;
    }
    let perfect = simulate(&perfect, 10_000, 3);
    clearly_above(
        "availability with perfect switches",
        &service(&perfect, "app").availability,
        &service(&with, "app").availability,
    );
}
