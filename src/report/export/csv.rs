//! CSV for spreadsheets and pandas: one row per service (per service and
//! design for `compare`, per point and service for `sweep`, per target for
//! `check`), its columns the JSON report's keys flattened with dots
//! (`availability.ci_low`). Every cell is cut from the JSON report itself
//! (`serde_json::Value`), so each number is the JSON's, at full precision.
//!
//! Flattening: an object's keys join its parent's with a dot; a list of
//! numbers or strings is one cell, its items joined by `; `; a list of
//! objects (causes of downtime, cut sets, importance) has no column (the
//! JSON has it); `null`, and a key a row lacks, is an empty cell. The
//! columns are those of every row, in the JSON's order; a key that is
//! `null` in every row is one empty column of its own name, but no column
//! where other rows have its parts (`rto` beside `rto.rto_hours`).
//! Text reaches the file as [`printable`](crate::model::printable) writes
//! it, so no cell can drive a terminal.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{CheckExport, ExactReport, ExportError, Exporter, RunExport};
use crate::report::{CompareReport, SpofReport, SweepReport};

/// Comma-separated values, one row per service (and design or point).
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

/// One row: (column, cell) in the JSON's order.
type Row = Vec<(String, String)>;

impl Exporter for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn run(&self, run: &RunExport<'_>) -> Result<String, ExportError> {
        let doc = json(run.report);
        let head = settings(
            &doc,
            &[
                "seed",
                "trials",
                "mission_hours",
                "confidence",
                "method",
                "likelihood_ratio",
            ],
        );
        let rows = items(&doc, "services")
            .map(|s| {
                let mut row = head.clone();
                flatten("", &without(s, &["downtime_by_cause"]), &mut row);
                row
            })
            .collect();
        write(rows)
    }

    fn compare(&self, report: &CompareReport<'_>) -> Result<String, ExportError> {
        let doc = json(report);
        let head = settings(&doc, &["seed", "trials", "confidence", "method"]);
        let designs: Vec<&Value> = items(&doc, "designs").collect();
        let mut rows = Vec::new();
        for s in items(&doc, "services") {
            for (d, values) in s["designs"].as_array().into_iter().flatten().enumerate() {
                // One design's side of the service, keyed as the JSON keys its parts.
                let mut obj = Map::new();
                obj.insert("service".into(), s["service"].clone());
                obj.insert("design".into(), d.into());
                obj.insert(
                    "scenario".into(),
                    designs.get(d).copied().cloned().unwrap_or_default(),
                );
                for v in values.as_array().into_iter().flatten() {
                    if let Some(q) = v["quantity"].as_str() {
                        obj.insert(q.into(), v["estimate"].clone());
                    }
                }
                obj.insert("outages_observed".into(), s["outages_observed"][d].clone());
                let mut differences = Map::new();
                for diff in s["differences"].as_array().into_iter().flatten() {
                    if diff["design"].as_u64() == Some(d as u64)
                        && let Some(q) = diff["quantity"].as_str()
                    {
                        differences.insert(q.into(), without(diff, &["quantity", "design"]));
                    }
                }
                if !differences.is_empty() {
                    obj.insert("differences".into(), Value::Object(differences));
                }
                obj.insert("warnings".into(), s["warnings"].clone());
                let mut row = head.clone();
                flatten("", &Value::Object(obj), &mut row);
                rows.push(row);
            }
        }
        write(rows)
    }

    fn sweep(&self, report: &SweepReport<'_>) -> Result<String, ExportError> {
        let doc = json(report);
        let head = settings(&doc, &["seed", "trials", "confidence", "method"]);
        let mut rows = Vec::new();
        for point in items(&doc, "points") {
            let mut at = head.clone();
            // Each swept path is a column holding the point's value of it.
            for (path, set) in report
                .parameters
                .iter()
                .zip(point["set"].as_array().into_iter().flatten())
            {
                let set = set.as_str().unwrap_or_default();
                let value = set
                    .strip_prefix(path.as_str())
                    .and_then(|v| v.strip_prefix('='))
                    .unwrap_or(set);
                at.push((path.clone(), cell(&Value::String(value.into()))));
            }
            for s in items(point, "services") {
                let mut row = at.clone();
                flatten("", &without(s, &["downtime_by_cause"]), &mut row);
                rows.push(row);
            }
        }
        write(rows)
    }

    fn check(&self, check: &CheckExport<'_>) -> Result<String, ExportError> {
        let doc = json(check.report);
        let head = settings(
            &doc,
            &[
                "seed",
                "trials",
                "method",
                "confidence",
                "confidence_per_look",
                "looks",
                "stopped",
            ],
        );
        let rows = items(&doc, "decisions")
            .map(|d| {
                let mut row = head.clone();
                flatten("", d, &mut row);
                row
            })
            .collect();
        write(rows)
    }

    fn spof(&self, report: &SpofReport<'_>) -> Result<String, ExportError> {
        let doc = json(report);
        let rows = items(&doc, "services")
            .map(|s| {
                let mut s = without(s, &["failover_exposure", "importance"]);
                // The single points of failure by id; the cut sets by count per order.
                let ids: Vec<Value> = s["spofs"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|n| n["id"].clone())
                    .collect();
                s["spofs"] = Value::Array(ids);
                if let Some(c) = s["cut_sets"].as_object_mut() {
                    c.shift_remove("sets");
                }
                let mut row = Row::new();
                flatten("", &s, &mut row);
                row
            })
            .collect();
        write(rows)
    }

    fn exact(&self, report: &ExactReport<'_>) -> Result<String, ExportError> {
        let doc = json(report);
        let rows = items(&doc, "services")
            .map(|s| {
                let mut row = Row::new();
                flatten("", s, &mut row);
                row
            })
            .collect();
        write(rows)
    }
}

/// The JSON report as a value: the numbers the JSON output prints.
fn json(report: &impl Serialize) -> Value {
    serde_json::to_value(report).expect("a report is plain data")
}

/// The items of the list `key` of `doc`.
fn items<'v>(doc: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    doc[key].as_array().into_iter().flatten()
}

/// The report-wide `keys` of `doc` that it has, flattened: the first
/// columns of every row.
fn settings(doc: &Value, keys: &[&str]) -> Row {
    let mut row = Row::new();
    for &k in keys {
        if let Some(v) = doc.get(k) {
            flatten(k, v, &mut row);
        }
    }
    row
}

/// `v` without the keys `drop`.
fn without(v: &Value, drop: &[&str]) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for k in drop {
            o.shift_remove(*k);
        }
    }
    v
}

/// Appends the cells of `v` under `prefix` to `row` (the module doc's rules).
fn flatten(prefix: &str, v: &Value, row: &mut Row) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(o) => o.iter().for_each(|(k, v)| flatten(&key(k), v, row)),
        Value::Array(a) if a.iter().any(|x| x.is_object() || x.is_array()) => {}
        Value::Array(a) => row.push((
            prefix.to_string(),
            a.iter().map(cell).collect::<Vec<_>>().join("; "),
        )),
        scalar => row.push((prefix.to_string(), cell(scalar))),
    }
}

/// One scalar's cell: a number as the JSON writes it, text made printable.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => crate::model::printable(s).into_owned(),
        other => other.to_string(),
    }
}

/// The columns of `rows`: every row's, each new one placed after the
/// column it follows in its row, so the order is the JSON's; a column
/// whose parts are columns too (`rto` and `rto.rto_hours`) is dropped.
fn columns(rows: &[Row]) -> Vec<String> {
    let mut cols: Vec<String> = Vec::new();
    for row in rows {
        let mut at = 0;
        for (k, _) in row {
            at = match cols.iter().position(|c| c == k) {
                Some(i) => i + 1,
                None => {
                    cols.insert(at, k.clone());
                    at + 1
                }
            };
        }
    }
    let parents: Vec<bool> = cols
        .iter()
        .map(|c| {
            let dotted = format!("{c}.");
            cols.iter().any(|d| d.starts_with(&dotted))
        })
        .collect();
    cols.into_iter()
        .zip(parents)
        .filter_map(|(c, parent)| (!parent).then_some(c))
        .collect()
}

/// The CSV text of `rows`: a header, then a record per row (`\n` ends each).
fn write(rows: Vec<Row>) -> Result<String, ExportError> {
    let cols = columns(&rows);
    let mut w = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(&cols)?;
    for row in &rows {
        let cells: HashMap<&str, &str> = row.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        w.write_record(cols.iter().map(|c| cells.get(c.as_str()).copied().unwrap_or("")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ExportError::Csv(e.into_error().into()))?;
    Ok(String::from_utf8(bytes).expect("CSV of UTF-8 cells is UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[(&str, &str)]) -> Row {
        cells
            .iter()
            .map(|&(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn columns_follow_every_row_in_the_json_order() {
        // The second row has `rto`'s parts where the first had a null `rto`.
        let rows = [
            row(&[("id", "a"), ("rto", ""), ("planned", "")]),
            row(&[
                ("id", "b"),
                ("rto.rto_hours", "1"),
                ("rto.p", "0.5"),
                ("planned", ""),
            ]),
        ];
        assert_eq!(columns(&rows), ["id", "rto.rto_hours", "rto.p", "planned"]);
    }

    #[test]
    fn lists_of_scalars_are_one_cell_and_lists_of_objects_none() {
        let v = serde_json::json!({
            "id": "x", "warnings": ["w1", "w2"], "none": [], "causes": [{"a": 1}],
            "e": {"point": 0.1, "hi": null}, "ok": true
        });
        let mut r = Row::new();
        flatten("", &v, &mut r);
        assert_eq!(
            r,
            row(&[
                ("id", "x"),
                ("warnings", "w1; w2"),
                ("none", ""),
                ("e.point", "0.1"),
                ("e.hi", ""),
                ("ok", "true")
            ])
        );
    }
}
