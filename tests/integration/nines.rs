//! Tables at many nines on real runs: unavailabilities where percentages
//! stop carrying information, one unit per interval, and every quantity a
//! sweep's points differ in (issue 14, points 9 and 10).

use std::process::Command;

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn redsim(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The numbers of `P [L, H]` or `P 95% CI [L, H]` after `label`.
fn numbers_after<'a>(text: &'a str, label: &str) -> (&'a str, Vec<f64>) {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` line in\n{text}"));
    let rest = &line.trim_start()[label.len()..];
    let numbers = rest
        .split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == ',')
        .filter_map(|w| w.parse::<f64>().ok())
        .collect();
    (line, numbers)
}

#[test]
fn a_run_at_seven_nines_reads_as_unavailability_and_so_does_its_exact_line() {
    let f = scenario("power-ab-feeds.json");
    let args = ["run", &f, "--seed", "1", "--trials", "2000"];
    let table = redsim(&args);
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&redsim(&json_args)).unwrap();
    let s = &json["services"][0];
    assert_eq!(s["id"], "app");
    let a = |k: &str| s["availability"][k].as_f64().unwrap();
    let block = table.split("service app").nth(1).unwrap();
    let (line, n) = numbers_after(block, "unavailability");
    // Point, then the interval (the `95` of `95% CI` is not a number: `95%`).
    let (point, low, high) = (n[0], n[1], n[2]);
    assert!(line.contains("95% CI [") && line.contains("e-"), "{line}");
    assert!(!line.contains(" %"), "no percentage: {line}");
    // Each end rounded outwards, the point to its last digit.
    assert!(
        low <= 1.0 - a("ci_high") && 1.0 - a("ci_high") < low * 1.1,
        "{line}"
    );
    assert!(
        high >= 1.0 - a("ci_low") && 1.0 - a("ci_low") > high / 1.1,
        "{line}"
    );
    assert!((point - (1.0 - a("point"))).abs() <= point * 0.05, "{line}");
    // The exact value: 8.63e-8, not `100.0000 %`.
    let (exact, n) = numbers_after(block, "exact long-run unavail.");
    assert_eq!(n[0], 8.63e-8, "{exact}");
    assert!(!block.contains("100.0000"), "{block}");
}

#[test]
fn compare_at_many_nines_shows_unavailabilities_and_their_differences() {
    let (a, b) = (scenario("two-region.json"), scenario("two-region-lean.json"));
    let table = redsim(&["compare", &a, &b, "--seed", "1", "--trials", "4000"]);
    let block: Vec<&str> = table
        .lines()
        .skip_while(|l| l.trim() != "unavailability")
        .take(4)
        .collect();
    assert_eq!(block.len(), 4, "an unavailability block:\n{table}");
    for l in &block[1..] {
        assert!(!l.contains('%') && l.contains("e-"), "{l}");
    }
    // The lean design is less available: its unavailability is larger, a `+` difference.
    assert!(block[3].trim_start().starts_with("B - A      +"), "{}", block[3]);
    assert!(!table.contains("-0.00000"), "{table}");
}

#[test]
fn compare_durations_keep_one_unit_per_interval() {
    // Design A saw no outage in 3,000 plain trials: its downtime is `0 h [0 h, 8.74 h]`;
    // B's point of 51 s and upper end of hours were `51.0 s [19.5 s, 10.8 h]`.
    let (a, b) = (scenario("two-region.json"), scenario("two-region-lean.json"));
    let table = redsim(&[
        "compare", &a, &b, "--seed", "1", "--trials", "3000", "--rare", "off",
    ]);
    let block: Vec<&str> = table
        .lines()
        .skip_while(|l| l.trim() != "downtime per year")
        .skip(1)
        .take(3)
        .collect();
    assert_eq!(block.len(), 3, "{table}");
    for l in block {
        let units: Vec<&str> = l
            .split(['[', ']', ',', '('])
            .take(3)
            .filter_map(|part| part.split_whitespace().last())
            .collect();
        assert_eq!(units.len(), 3, "{l}");
        assert!(units.iter().all(|u| *u == units[0]), "one unit: {l}");
    }
}

#[test]
fn a_sync_against_async_sweep_shows_its_data_loss() {
    let f = scenario("db-async-replication.json");
    let table = redsim(&[
        "sweep",
        &f,
        "--set",
        r#"groups.db.replication={"mode":"sync"},{"mode":"async","lag":"2s"}"#,
        "--seed",
        "1",
        "--trials",
        "2000",
    ]);
    // Availability, downtime and outages are the same at both points...
    let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("  groups.db")).collect();
    assert_eq!(rows.len(), 2, "{table}");
    let tail = |r: &str| r.split_once("}  ").map(|(_, t)| t.trim().to_string()).unwrap();
    assert_eq!(tail(rows[0]), tail(rows[1]), "{table}");
    // ...but not what is lost: every quantity the points differ in follows.
    for label in [
        "data losses per year",
        "lost writes per year",
        "losses over RPO 5.00 s",
        "P(loss over RPO)",
    ] {
        let at: Vec<&str> = table
            .lines()
            .skip_while(|l| l.trim() != label)
            .skip(1)
            .take(2)
            .collect();
        assert_eq!(at.len(), 2, "`{label}` at both points:\n{table}");
        assert_ne!(tail(at[0]), tail(at[1]), "{label}: {at:?}");
    }
    let (sync, n) = numbers_after(&table, r#"groups.db.replication={"mode":"sync"}              0 "#);
    assert_eq!(n.first(), Some(&0.0), "{sync}");
    let losses: Vec<&str> = table
        .lines()
        .skip_while(|l| l.trim() != "data losses per year")
        .skip(1)
        .take(2)
        .collect();
    let async_losses: f64 = losses[1].split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(async_losses > 1.0, "{}", losses[1]);
    // A quantity the points share (outages per mission, as outages per year) is not repeated.
    assert!(!table.contains("outages per mission"), "{table}");
}
