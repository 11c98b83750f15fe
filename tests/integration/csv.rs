//! `--format csv`: every cell is the JSON report's value for the same run
//! (numbers at full precision), under a column named by the JSON's keys
//! joined with dots; a row per service, per service and design
//! (`compare`), per point and service (`sweep`), per target (`check`);
//! fields are quoted as CSV needs; shards refuse it as they refuse JSON.

use std::path::Path;

use serde_json::Value;

use super::shard::{ok, redsim_in};

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The header and records of a CSV text, parsed by the `csv` crate.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = ::csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

/// The JSON value at a dotted `path` of `v`.
fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

/// The JSON value the column `col` of `item`'s row holds: `item`'s, else
/// the report's (its settings), else nothing (`null`) where only other rows
/// have the key (a service without an RTO, a target without an estimate).
fn expected(items: &[Value], item: &Value, doc: &Value, col: &str) -> Value {
    match at(item, col).or_else(|| at(doc, col)) {
        Some(v) => v.clone(),
        None => {
            assert!(
                items.iter().any(|o| at(o, col).is_some()),
                "column `{col}` is no JSON key"
            );
            Value::Null
        }
    }
}

/// Checks that `cell` is the JSON value `want`: a number equal to it (the
/// same text as the JSON's, so the same `f64`), text, a list's items joined
/// by `; `, or empty for `null`.
#[track_caller]
fn same(what: &str, cell: &str, want: &Value) {
    match want {
        Value::Number(n) => {
            assert_eq!(cell, n.to_string(), "{what}");
            let x: f64 = cell
                .parse()
                .unwrap_or_else(|_| panic!("{what}: `{cell}` is not a number"));
            assert_eq!(x.to_bits(), n.as_f64().unwrap().to_bits(), "{what}");
        }
        Value::Null => assert_eq!(cell, "", "{what}"),
        Value::String(s) => assert_eq!(cell, s, "{what}"),
        Value::Bool(b) => assert_eq!(cell, b.to_string(), "{what}"),
        Value::Array(items) => {
            let joined: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            assert_eq!(cell, joined.join("; "), "{what}");
        }
        Value::Object(_) => panic!("{what}: an object is no cell"),
    }
}

/// The dotted paths of `v`'s scalars and lists of scalars, as the CSV
/// names its columns (lists of objects and the keys in `skip` left out).
fn leaves(v: &Value, prefix: &str, skip: &[&str], out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                if !skip.contains(&k.as_str()) {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    leaves(v, &p, skip, out);
                }
            }
        }
        Value::Array(a) if a.iter().any(|x| x.is_object()) => {}
        _ => out.push(prefix.to_string()),
    }
}

/// `redsim ARGS --format FORMAT` in the current directory's place.
fn report(dir: &Path, args: &[&str], format: &str) -> String {
    ok(dir, &[args, &["--format", format]].concat())
}

#[test]
fn run_rows_are_the_json_services_number_for_number() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // RTO, RPO and data loss in one; planned maintenance and two services in the other.
    for name in [
        "db-async-replication.json",
        "patching-rolling.json",
        "seed-network.json",
    ] {
        let s = scenario(name);
        let cmd = ["run", &s, "--trials", "1500", "--seed", "11", "-q"];
        let json: Value = serde_json::from_str(&report(d, &cmd, "json")).unwrap();
        let (header, rows) = parse(&report(d, &cmd, "csv"));
        let services = json["services"].as_array().unwrap();
        assert_eq!(rows.len(), services.len(), "{name}: a row per service");
        for (row, svc) in rows.iter().zip(services) {
            assert_eq!(row.len(), header.len());
            for (col, cell) in header.iter().zip(row) {
                // The run's settings first, then the service's keys.
                let want = expected(services, svc, &json, col);
                same(&format!("{name} {} {col}", svc["id"]), cell, &want);
            }
            // Every number of the service has its column (lists of causes aside).
            let mut want = Vec::new();
            leaves(svc, "", &["downtime_by_cause"], &mut want);
            for key in want {
                let null_object = at(svc, &key) == Some(&Value::Null)
                    && header.iter().any(|h| h.starts_with(&format!("{key}.")));
                assert!(header.contains(&key) || null_object, "{name}: no column `{key}`");
            }
        }
        for col in [
            "seed",
            "trials",
            "id",
            "availability.point",
            "availability.ci_low",
            "outages_per_mission.point",
        ] {
            assert!(header.iter().any(|h| h == col), "{name}: {header:?}");
        }
    }
}

#[test]
fn compare_rows_are_per_service_and_design() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (a, b) = (
        scenario("web-tier-active-passive.json"),
        scenario("web-tier-parallel.json"),
    );
    let cmd = [
        "compare", &a, &b, "--trials", "1500", "--seed", "5", "-q", "--rare", "off",
    ];
    let json: Value = serde_json::from_str(&report(d, &cmd, "json")).unwrap();
    let (header, rows) = parse(&report(d, &cmd, "csv"));
    let services = json["services"].as_array().unwrap();
    assert_eq!(rows.len(), services.len() * 2);
    let mut differences = 0;
    for (i, row) in rows.iter().enumerate() {
        let (svc, design) = (&services[i / 2], i % 2);
        for (col, cell) in header.iter().zip(row) {
            let what = format!("{} design {design} {col}", svc["service"]);
            let (head, rest) = col.split_once('.').unwrap_or((col, ""));
            let want = match head {
                "design" => Value::from(design),
                "scenario" => json["designs"][design][rest].clone(),
                "outages_observed" => svc["outages_observed"][design].clone(),
                "differences" => {
                    let (q, part) = rest.split_once('.').unwrap();
                    let diff = svc["differences"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|x| x["quantity"] == q && x["design"] == design);
                    match diff {
                        Some(diff) => {
                            differences += 1;
                            at(diff, part).unwrap_or_else(|| panic!("{what}")).clone()
                        }
                        // The baseline has no difference from itself.
                        None => Value::Null,
                    }
                }
                q if svc.get(q).is_none() && json.get(q).is_none() => {
                    let v = svc["designs"][design]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|v| v["quantity"] == q)
                        .unwrap_or_else(|| panic!("{what}: no such quantity"));
                    at(&v["estimate"], rest).unwrap().clone()
                }
                _ => expected(services, svc, &json, col),
            };
            same(&what, cell, &want);
        }
    }
    assert!(differences > 0, "B's differences are in its rows");
    for col in [
        "service",
        "design",
        "scenario.file",
        "availability.point",
        "differences.availability.paired.ci_low",
    ] {
        assert!(header.iter().any(|h| h == col), "{header:?}");
    }
}

#[test]
fn sweep_rows_are_per_point_and_service_with_the_swept_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    let cmd = [
        "sweep",
        &s,
        "--set",
        "components.a.mttr=4h,8h,16h",
        "--trials",
        "800",
        "-q",
    ];
    let json: Value = serde_json::from_str(&report(d, &cmd, "json")).unwrap();
    let (header, rows) = parse(&report(d, &cmd, "csv"));
    let points = json["points"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        points.len() * points[0]["services"].as_array().unwrap().len()
    );
    assert_eq!(rows.len(), 3);
    for ((row, point), value) in rows.iter().zip(points).zip(["4h", "8h", "16h"]) {
        let svc = &point["services"][0];
        for (col, cell) in header.iter().zip(row) {
            if col == "components.a.mttr" {
                assert_eq!(cell, value);
                continue;
            }
            let want = expected(std::slice::from_ref(svc), svc, &json, col);
            same(&format!("{value} {col}"), cell, &want);
        }
    }
}

#[test]
fn check_spof_and_exact_rows_are_their_json() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    let p = scenario("firewall-pair-failover.json");
    let cases: [(&[&str], &str, &str); 4] = [
        (
            &[
                "check",
                &s,
                "--target",
                "system=90%",
                "--target",
                "system.no_spof=true",
                "-q",
            ],
            "decisions",
            "service",
        ),
        (&["spof", &p], "services", "id"),
        (&["spof", &s], "services", "id"),
        (&["exact", &s], "services", "id"),
    ];
    for (cmd, list, id) in cases {
        let out = redsim_in(d, &[cmd, &["--format", "json"]].concat());
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let out = redsim_in(d, &[cmd, &["--format", "csv"]].concat());
        let (header, rows) = parse(std::str::from_utf8(&out.stdout).unwrap());
        let items = json[list].as_array().unwrap();
        assert_eq!(rows.len(), items.len(), "{cmd:?}");
        assert!(header.iter().any(|h| h == id), "{cmd:?}: {header:?}");
        for (row, item) in rows.iter().zip(items) {
            for (col, cell) in header.iter().zip(row) {
                let what = format!("{cmd:?} {col}");
                if cmd[0] == "spof" && col == "spofs" {
                    // The single points of failure by id.
                    let ids: Vec<Value> = item["spofs"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n["id"].clone())
                        .collect();
                    same(&what, cell, &Value::Array(ids));
                    continue;
                }
                same(&what, cell, &expected(items, item, &json, col));
            }
        }
    }
    // The series system's three components are its single points of failure.
    let out = redsim_in(d, &["spof", &s, "--format", "csv"]);
    let (header, rows) = parse(std::str::from_utf8(&out.stdout).unwrap());
    let spofs = header.iter().position(|h| h == "spofs").unwrap();
    assert_eq!(rows[0][spofs], "a; b; c");
}

#[test]
fn under_github_actions_check_csv_stays_csv() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario("series.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(["check", &s, "--target", "system=99%", "--format", "csv", "-q"])
        .env("GITHUB_ACTIONS", "true")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    // The annotations go to standard error, as beside JSON.
    assert!(String::from_utf8_lossy(&out.stderr).contains("::error"));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("::error"), "{text}");
    let (header, rows) = parse(&text);
    let verdict = header.iter().position(|h| h == "verdict").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][verdict], "missed");
}

#[test]
fn an_id_with_a_comma_or_a_quote_is_quoted() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("quoted.json");
    let id = "web,\"eu\"";
    std::fs::write(
        &file,
        serde_json::json!({"format": "redsim/1", "name": "a, \"quoted\" name",
            "components": [{"id": "a", "mtbf": "100h", "mttr": "1h"}],
            "services": [{"id": id, "requires": "a"}]})
        .to_string(),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let text = ok(
        dir.path(),
        &["run", f, "--trials", "200", "-q", "--format", "csv"],
    );
    assert!(text.contains(",\"web,\"\"eu\"\"\","), "{text}");
    let (header, rows) = parse(&text);
    let col = header.iter().position(|h| h == "id").unwrap();
    assert_eq!(rows[0][col], id);
    assert_eq!(rows[0].len(), header.len());
    // The comparison names the scenario too.
    let text = ok(
        dir.path(),
        &["compare", f, f, "--trials", "200", "-q", "--format", "csv"],
    );
    let (header, rows) = parse(&text);
    let name = header.iter().position(|h| h == "scenario.name").unwrap();
    let service = header.iter().position(|h| h == "service").unwrap();
    assert_eq!(
        (rows[1][name].as_str(), rows[1][service].as_str()),
        ("a, \"quoted\" name", id)
    );
}

#[test]
fn shards_refuse_csv_and_merged_results_report_it_as_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = scenario("series.json");
    let cmd = ["run", &s, "--trials", "600", "--seed", "3", "-q", "--rare", "off"];
    // As `--format json` is refused with `--shard`.
    for format in ["json", "csv"] {
        let out = redsim_in(d, &[&cmd[..], &["--shard", "0/2", "--format", format]].concat());
        assert_eq!(out.status.code(), Some(2), "{format}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--format") && err.contains("--shard"),
            "{format}: {err}"
        );
    }
    let csv = report(d, &cmd, "csv");
    let mut files = Vec::new();
    for k in 0..2 {
        let file = d.join(format!("s{k}.json")).display().to_string();
        ok(
            d,
            &[&cmd[..], &["--shard", &format!("{k}/2"), "-o", &file]].concat(),
        );
        files.push(file);
    }
    let result = d.join("result.json").display().to_string();
    let mut merge = vec!["merge"];
    merge.extend(files.iter().map(String::as_str));
    assert_eq!(ok(d, &[&merge[..], &["--format", "csv"]].concat()), csv);
    ok(d, &[&merge[..], &["--result", &result]].concat());
    assert_eq!(ok(d, &["report", &result, "--format", "csv"]), csv);
}
