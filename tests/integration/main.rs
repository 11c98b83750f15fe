//! Integration tests: one binary, one module per concern.

mod check;
mod cli;
mod common;
mod compare;
mod crews;
mod determinism;
mod engine;
mod exact;
mod group_validation;
mod groups;
mod maintenance;
mod rto;
mod scenarios;
mod shard;
mod shocks;
mod spares;
mod structure;
mod trace;
mod validation;
