//! Build two designs in code, a single web server and a parallel pair of
//! them, and compare them on common random numbers: trial `i` of both
//! designs draws the same failure and repair times for `web-1`, so the
//! per-trial differences vary far less than two independent runs would.
//! Prints each design's availability and the pair's gain with its interval.
//!
//! ```text
//! cargo run --release --example compare_designs -- [TRIALS] [SEED]
//! ```
//!
//! Its functions are `pub(crate)` because `tests/integration/examples.rs`
//! calls them.

use std::error::Error;

use redsim::analysis::compare::{self, CompareTally, Quantity, ServiceComparison};
use redsim::engine::{self, DEFAULT_SEED, RunConfig};
use redsim::model::{Distribution, Expr, Life, Model, ModelBuilder, ServiceKind};

/// Mission: one year [h].
const MISSION: f64 = 8760.0;
/// Mean time between failures of a server [h] (exponential).
const MTBF: f64 = 4000.0;
/// Mean time to repair a server [h] (exponential; every repair starts at once).
const MTTR: f64 = 12.0;
/// Confidence level of the intervals.
const CONFIDENCE: f64 = 0.95;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let trials = args.next().map_or(Ok(10_000), |t| t.parse())?;
    let seed = args.next().map_or(Ok(DEFAULT_SEED), |s| s.parse())?;
    let (single, pair) = (web_tier(1)?, web_tier(2)?);
    for c in compare_designs(&[&single, &pair], seed, trials)? {
        let availability = |design: usize| {
            let v = c.designs[design]
                .iter()
                .find(|v| v.quantity == Quantity::Availability);
            v.expect("every design has its availability").estimate.point
        };
        let gain = c
            .differences
            .iter()
            .find(|d| d.quantity == Quantity::Availability)
            .expect("the pair's difference from the single server")
            .estimate();
        println!(
            "{}: {:.6} % with one server, {:.6} % with two; the pair gains {:.6} points [{:.6}, {:.6}] \
             ({} % confidence, {trials} paired trials, seed {seed})",
            c.service,
            100.0 * availability(0),
            100.0 * availability(1),
            100.0 * gain.point,
            100.0 * gain.ci_low,
            100.0 * gain.ci_high,
            100.0 * gain.confidence,
        );
    }
    Ok(())
}

/// A web tier of `servers` servers `web-1`, `web-2`, ... in parallel: the
/// service `web` is up while any server is.
///
/// # Errors
/// None with these constants: a distribution refuses a mean that is not
/// positive and finite, and `build` a model that breaks an invariant.
pub(crate) fn web_tier(servers: usize) -> Result<Model, Box<dyn Error>> {
    let mut tier = ModelBuilder::new(format!("{servers} web server(s)"), MISSION);
    let mut any = Vec::new();
    for i in 1..=servers {
        let life = Life::new(
            Distribution::exponential(MTBF)?,
            Some(Distribution::exponential(MTTR)?),
        );
        // An element's random stream is keyed by its id: `web-1` fails at
        // the same times in both designs.
        let server = tier.component(format!("web-{i}"), Some(life), None);
        any.push(Expr::Elem(server));
    }
    tier.service("web", ServiceKind::Logic { expr: Expr::Any(any) });
    Ok(tier.build()?)
}

/// Runs trials `0 .. trials` from `seed` on every design and compares the
/// services they share (by id), each design against the first.
pub(crate) fn compare_designs(
    designs: &[&Model],
    seed: u64,
    trials: u64,
) -> Result<Vec<ServiceComparison>, Box<dyn Error>> {
    // For each shared service, its index in every design.
    let matched: Vec<Vec<usize>> = compare::shared_services(designs)
        .into_iter()
        .map(|(_, index)| index)
        .collect();
    let config = RunConfig::new(seed, trials);
    let tally = engine::run_paired(designs, &matched, &config, &|_| {})?;
    Ok(compare::compare(
        designs,
        &CompareTally::Paired(tally),
        CONFIDENCE,
    ))
}
