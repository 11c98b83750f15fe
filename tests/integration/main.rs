//! Integration tests: one binary, one module per concern.

mod common;
mod determinism;
mod exact;
mod validation;
