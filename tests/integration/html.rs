//! The HTML reports load in headless Chromium with no error, fetch nothing,
//! and show the numbers of the JSON reports of the same runs.

use std::process::Command;

use serde_json::Value;

use crate::browser;

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs redsim with `args`, and returns its standard output as JSON.
fn json_of(args: &[&str]) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_redsim"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("a JSON report on standard output")
}

/// Asserts that the page is self-contained: no attribute or style that
/// fetches anything (the only URLs are SVG namespace names).
#[track_caller]
fn assert_self_contained(html: &str) {
    for needle in ["src=", "href=", "url(", "@import", "<script", "<link"] {
        assert!(!html.contains(needle), "the page has `{needle}`");
    }
    let without_ns = html
        .replace("xmlns=\"http://www.w3.org/2000/svg\"", "")
        .replace("xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "");
    assert!(!without_ns.contains("http"), "the page names a URL");
}

/// Loads a page written by redsim: it must be self-contained and load with
/// no error in the browser.
#[track_caller]
fn load_cleanly(html: &std::path::Path) -> browser::Loaded {
    assert_self_contained(&std::fs::read_to_string(html).unwrap());
    let loaded = browser::load(html);
    assert!(
        loaded.errors.is_empty(),
        "errors while loading: {:?}",
        loaded.errors
    );
    loaded
}

/// The cells of the first row of the page's text that starts with `label`
/// (table cells are separated by tabs in `innerText`).
fn row<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    text.lines()
        .find(|l| l.split('\t').next() == Some(label))
        .unwrap_or_else(|| panic!("no row `{label}` in the page:\n{text}"))
        .split('\t')
        .collect()
}

/// The numbers in a piece of text, in order.
fn numbers(s: &str) -> Vec<f64> {
    s.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// Decimals of a number as printed.
fn decimals(s: &str) -> i32 {
    s.trim().split_once('.').map_or(0, |(_, d)| {
        d.chars().take_while(char::is_ascii_digit).count() as i32
    })
}

#[test]
fn the_browser_check_sees_console_errors_and_failed_loads() {
    // The detector must be able to fail: a page with a console error and a
    // missing image is reported with both.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("bad.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>shown text</p><script>console.error('boom-error')</script>\
         <img src=\"missing-picture.png\"></body></html>",
    )
    .unwrap();
    let loaded = browser::load(&page);
    assert!(loaded.text.contains("shown text"), "{loaded:?}");
    assert!(
        loaded.errors.iter().any(|e| e.contains("boom-error")),
        "{loaded:?}"
    );
    assert!(
        loaded.errors.iter().any(|e| e.contains("missing-picture.png")),
        "{loaded:?}"
    );
}

#[test]
fn the_run_page_loads_cleanly_and_shows_the_reported_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("run.html");
    let rep = json_of(&[
        "run",
        &scenario("seed-network.json"),
        "--trials",
        "4000",
        "-q",
        "--format",
        "json",
        "--html",
        html.to_str().unwrap(),
        "--set",
        r#"services.app.targets={"availability": "99.9%", "no_spof": true}"#,
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    let loaded = load_cleanly(&html);
    let text = &loaded.text;
    assert_eq!(row(text, "seed")[1], rep["seed"].to_string());
    assert_eq!(row(text, "trials")[1], rep["trials"].to_string());
    assert_eq!(
        row(text, "sha256")[1],
        rep["scenario"]["sha256"].as_str().unwrap()
    );
    let svc = &rep["services"][0];
    assert!(text.contains(&format!("Service {}", svc["id"].as_str().unwrap())));
    // Availability: the point rounded to its decimals, the interval's ends
    // rounded outwards, and the nines.
    let a = row(text, "availability");
    let d = decimals(a[1]);
    let unit = 10f64.powi(-d);
    let shown = numbers(a[1])[0];
    let point = svc["availability"]["point"].as_f64().unwrap() * 100.0;
    assert!((shown - point).abs() <= unit / 2.0 + 1e-9, "{shown} vs {point}");
    let ends = numbers(a[2]);
    let (low, high) = (
        svc["availability"]["ci_low"].as_f64().unwrap() * 100.0,
        svc["availability"]["ci_high"].as_f64().unwrap() * 100.0,
    );
    assert_eq!(ends[0], 95.0, "the confidence level: {:?}", a);
    assert!(
        ends[1] <= low + 1e-9 && low - ends[1] < unit,
        "{} vs {low}",
        ends[1]
    );
    assert!(
        ends[2] >= high - 1e-9 && ends[2] - high < unit,
        "{} vs {high}",
        ends[2]
    );
    assert_eq!(ends[3], svc["nines"].as_f64().unwrap(), "nines");
    // Outages per year to three significant digits.
    let o = numbers(row(text, "outages per year")[1])[0];
    let want = svc["outages_per_year"]["point"].as_f64().unwrap();
    assert!((o / want - 1.0).abs() < 0.005, "{o} vs {want}");
    assert_eq!(
        numbers(row(text, "outages observed")[1])[0],
        svc["outages_observed"].as_f64().unwrap()
    );
    // Targets judged on this run, the single point of failure, cut sets, importance, plots.
    assert!(row(text, "availability >= 99.9 %")[1] == "met", "{text}");
    assert!(row(text, "no single point of failure")[1] == "MISSED");
    assert!(
        text.contains("Single points of failure (1): srv (server)"),
        "{text}"
    );
    // The exact value once, in the structure section (the larger budget).
    assert!(!text.contains("exact long-run avail."), "{text}");
    assert_eq!(text.matches("Exact long-run availability").count(), 1, "{text}");
    assert!(text.contains("cut set (top by probability)"));
    assert!(text.contains("Fussell-Vesely"));
    for plot in ["plot-durations-app", "plot-convergence-app"] {
        assert!(page.contains(&format!("<figure id=\"{plot}\"")), "{plot}");
    }
}

#[test]
fn the_compare_and_check_pages_load_cleanly_and_show_the_reported_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("compare.html");
    let (a, b) = (
        scenario("web-tier-parallel.json"),
        scenario("web-tier-active-passive.json"),
    );
    let rep = json_of(&[
        "compare",
        &a,
        &b,
        "--trials",
        "2000",
        // The paired comparison's page (--rare auto would bias these designs).
        "--rare",
        "off",
        "--format",
        "json",
        "--html",
        html.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    let loaded = load_cleanly(&html);
    for svc in rep["services"].as_array().unwrap() {
        for design in svc["designs"].as_array().unwrap() {
            let avail = design
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["quantity"] == "availability")
                .unwrap();
            let shown = format!("{:.5} %", avail["estimate"]["point"].as_f64().unwrap() * 100.0);
            assert!(loaded.text.contains(&shown), "no `{shown}` in:\n{}", loaded.text);
        }
        let diff = &svc["differences"][0];
        let narrowing = format!("{:.1}x narrower", diff["narrowing"].as_f64().unwrap());
        assert!(loaded.text.contains(&narrowing), "no `{narrowing}`");
    }
    assert!(page.contains("<figure id=\"plot-compare-web\""));

    let html = dir.path().join("check.html");
    let rep = json_of(&[
        "check",
        &scenario("seed-network.json"),
        "--target",
        "app=99.9%",
        "--target",
        "app.max_outages_per_year=0.05",
        "--format",
        "json",
        "--html",
        html.to_str().unwrap(),
    ]);
    let loaded = load_cleanly(&html);
    let text = &loaded.text;
    assert_eq!(row(text, "trials")[1], rep["trials"].to_string());
    let verdicts: Vec<(String, String)> = text
        .lines()
        .filter(|l| l.starts_with("app\t"))
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c[1].to_string(), c[2].to_string())
        })
        .collect();
    assert_eq!(verdicts.len(), 2, "{text}");
    for (d, (goal, verdict)) in rep["decisions"].as_array().unwrap().iter().zip(&verdicts) {
        let want = match d["verdict"].as_str().unwrap() {
            "met" => "met",
            "missed" => "MISSED",
            _ => "undecided",
        };
        assert_eq!(verdict, want, "{goal}");
    }
    assert_eq!(verdicts[0].1, "met");
    assert_eq!(verdicts[1].1, "MISSED", "0.15 outages a year is over 0.05");
    assert!(text.contains("Service app") && text.contains("Single points of failure"));
}

#[test]
fn the_sweep_page_loads_cleanly_and_shows_each_point() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("sweep.html");
    let rep = json_of(&[
        "sweep",
        &scenario("fleet-one-crew.json"),
        "--set",
        "repair.crews=1,2",
        "--trials",
        "1000",
        "--format",
        "json",
        "--html",
        html.to_str().unwrap(),
    ]);
    let loaded = load_cleanly(&html);
    for point in rep["points"].as_array().unwrap() {
        let set = point["set"][0].as_str().unwrap();
        let cells = row(&loaded.text, set);
        let a = point["services"][0]["availability"]["point"].as_f64().unwrap();
        assert_eq!(
            numbers(cells[1])[0],
            format!("{:.5}", a * 100.0).parse::<f64>().unwrap(),
            "{set}"
        );
        assert_eq!(
            cells[4],
            point["services"][0]["outages_observed"].to_string(),
            "{set}"
        );
    }
}

#[test]
fn ids_with_markup_or_that_sanitise_alike_are_escaped_and_anchor_distinct_elements() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("odd.json");
    std::fs::write(
        &file,
        r#"{"format": "redsim/1", "name": "odd <b>ids</b>", "mission": "1y",
            "components": [{"id": "a<i>&", "mtbf": "500h", "mttr": "10h"}],
            "services": [
                {"id": "web/a", "requires": {"all": ["a<i>&"]}},
                {"id": "web:a", "requires": {"all": ["a<i>&"]}},
                {"id": "x<script>\"'&amp;", "requires": {"all": ["a<i>&"]}}
            ]}"#,
    )
    .unwrap();
    let page = dir.path().join("odd.html");
    json_of(&[
        "run",
        file.to_str().unwrap(),
        "--trials",
        "50",
        "-q",
        "--rare",
        "off",
        "--format",
        "json",
        "--html",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    assert_self_contained(&html);
    for raw in ["<b>", "<i>", "<script>"] {
        assert!(!html.contains(raw), "`{raw}` from an id is not escaped");
    }
    let ids: Vec<&str> = html
        .split(" id=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicated ids: {ids:?}");
    assert_eq!(
        ids.iter().filter(|i| i.starts_with("plot-")).count(),
        6,
        "{ids:?}"
    );
}

#[test]
fn control_characters_in_names_are_escaped_on_the_page() {
    // An ESC sequence, a bell, a carriage return and a DEL in the name, a
    // kind and the file's own name reach the page only as escapes, as on a
    // terminal.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("odd\u{1b}[2J.json");
    let doc = serde_json::json!({
        "format": "redsim/1",
        "name": "red \u{1b}[31mtitle\u{7}\r\nerror: forged\u{7f}",
        "description": "a \u{1b}]0;title\u{7} description",
        "mission": "1y",
        "components": [{"id": "a", "kind": "k\u{1b}[1m", "mtbf": "500h", "mttr": "10h"}],
        "services": [{"id": "s", "requires": "a"}]
    });
    std::fs::write(&file, doc.to_string()).unwrap();
    let page = dir.path().join("odd.html");
    json_of(&[
        "run",
        file.to_str().unwrap(),
        "--trials",
        "50",
        "-q",
        "--format",
        "json",
        "--html",
        page.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    let raw: Vec<char> = html
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || c == '\u{7f}')
        .collect();
    assert!(raw.is_empty(), "raw control characters on the page: {raw:?}");
    assert!(
        html.contains(r"red \u{1b}[31mtitle\u{7}\r\nerror: forged\u{7f}"),
        "the name is not shown escaped"
    );
}
