//! Load a scenario file, simulate it and print each service's availability
//! with its confidence interval: the library calls behind `redsim run
//! --rare off`, which prints the same numbers for the same seed and trials.
//!
//! ```text
//! cargo run --release --example run_scenario -- [FILE] [TRIALS] [SEED]
//! ```
//!
//! `FILE` defaults to the bundled `scenarios/web-tier-parallel.json`.
//!
//! Its functions are `pub(crate)` because `tests/integration/examples.rs`
//! calls them.

use std::error::Error;
use std::path::{Path, PathBuf};

use redsim::analysis::{self, RunSummary};
use redsim::engine::{self, DEFAULT_SEED, RunConfig};

/// Confidence level of the intervals.
const CONFIDENCE: f64 = 0.95;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let file = args.next().map_or_else(bundled_scenario, PathBuf::from);
    let trials = args.next().map_or(Ok(10_000), |t| t.parse())?;
    let seed = args.next().map_or(Ok(DEFAULT_SEED), |s| s.parse())?;
    let summary = simulate(&file, seed, trials)?;
    println!("{} trials, seed {seed}", summary.trials);
    for line in availability_lines(&summary) {
        println!("{line}");
    }
    Ok(())
}

/// The bundled 1+1 parallel web tier.
fn bundled_scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/web-tier-parallel.json")
}

/// Loads and validates `file`, runs trials `0 .. trials` from `seed` (on
/// every core: the result does not depend on the thread count) and
/// summarises them.
pub(crate) fn simulate(file: &Path, seed: u64, trials: u64) -> Result<RunSummary, Box<dyn Error>> {
    // A `ScenarioError` lists every problem in the file, each at its JSON path.
    let scenario = redsim::scenario::load(file)?;
    let config = RunConfig::new(seed, trials);
    // The closure hears of progress (trials done); nothing to show here.
    let tally = engine::run(&scenario.model, &config, &|_| {})?;
    Ok(analysis::summarize(&scenario.model, &tally, CONFIDENCE))
}

/// One line per service: its availability and interval, in percent.
pub(crate) fn availability_lines(summary: &RunSummary) -> Vec<String> {
    summary
        .services
        .iter()
        .map(|s| {
            let a = &s.availability;
            format!(
                "{}: availability {:.6} % [{:.6} %, {:.6} %] ({} % confidence)",
                s.id,
                100.0 * a.point,
                100.0 * a.ci_low,
                100.0 * a.ci_high,
                100.0 * a.confidence
            )
        })
        .collect()
}
