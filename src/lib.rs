//! redsim: a discrete-event Monte Carlo simulator for redundancy topologies.
//!
//! The crate is layered, dependencies pointing one way:
//!
//! - [`model`]: the validated system (elements, distributions, requirement
//!   expressions, topology, services). No I/O.
//! - [`scenario`]: the versioned JSON file format, loading and validation into a model.
//! - [`engine`]: the event-driven simulation of one trial and the parallel Monte
//!   Carlo runner, returning mergeable integer statistics.
//! - [`analysis`]: estimators and confidence intervals computed from those statistics.
//! - [`plot`]: figures of finished results (durations, convergence, sweeps,
//!   comparisons, a trial's timeline) drawn as SVG or PNG with an embedded font.
//! - [`report`]: text tables, JSON reports and self-contained HTML pages of finished results.
//! - [`shard`]: sharded runs: shard files (`redsim-shard/5`) and their exact merge.
//! - [`cli`]: the command-line interface (the `redsim` binary is a thin shell over it).
//!
//! # Using the library
//!
//! Load a scenario (or build a [`model::Model`] in code with
//! [`model::ModelBuilder`]), run trials with [`engine::run`] and summarise
//! the tally with [`analysis::summarize`]: every estimate carries its
//! interval. The results are a pure function of (model, seed, trials),
//! whatever the thread count, and equal `redsim run --rare off`'s (the
//! command's default, `--rare auto`, may switch to failure biasing:
//! [`engine::run_rare`] and [`analysis::adaptive::AutoPilot`]).
//!
//! ```
//! use redsim::{analysis, engine, scenario};
//!
//! // `scenario::load(path)` reads a file; `parse` takes its text.
//! let model = scenario::parse(
//!     r#"{"format": "redsim/1", "name": "one server", "mission": "1y",
//!         "components": [{"id": "srv", "mtbf": "4000h", "mttr": "12h"}],
//!         "services": [{"id": "web", "requires": "srv"}]}"#,
//! )
//! .expect("a valid scenario");
//! let config = engine::RunConfig::new(1, 300); // seed 1, trials 0 .. 300
//! let tally = engine::run(&model, &config, &|_| {}).expect("a thread pool");
//! let summary = analysis::summarize(&model, &tally, 0.95);
//! let a = &summary.services[0].availability;
//! assert!(a.ci_low <= a.point && a.point <= a.ci_high && a.ci_high <= 1.0);
//! ```
//!
//! Two programs in `examples/` show the rest: `run_scenario.rs` loads a
//! bundled scenario file and prints each service's availability with its
//! interval; `compare_designs.rs` builds a single server and a parallel
//! pair in code and compares them on common random numbers
//! ([`engine::run_paired`], [`analysis::compare::compare`]), printing the
//! paired difference with its interval.

pub mod analysis;
pub mod cli;
pub mod engine;
pub mod model;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod shard;
