//! Integration tests: one binary, one module per concern.

mod browser;
mod check;
mod cli;
mod common;
mod compare;
mod crews;
mod determinism;
mod engine;
mod exact;
mod fuzz;
mod group_validation;
mod groups;
mod html;
mod limits;
mod maintenance;
mod outputs;
mod plots;
mod rare;
mod rto;
mod scenarios;
mod shard;
mod shocks;
mod spares;
mod structure;
mod trace;
mod validation;
