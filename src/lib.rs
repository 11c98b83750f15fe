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

pub mod analysis;
pub mod cli;
pub mod engine;
pub mod model;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod shard;
