//! secgap: measures how securely AI models and coding agents write code.
//!
//! The data flows one way, and the modules are its stages in that order:
//! suite → plan → generate → extract → execute → score → analyze →
//! report, with the run store and the shared vocabulary (`model`)
//! underneath, and the conveyor (`run`), the tools and the command line
//! on top. A stage imports only the stages before it; `tests/it/layering.rs`
//! checks that. The statistics and the sandbox are crates of their own
//! (`secgap-stats`, `secgap-sandbox`) that know nothing of secgap.
//! docs/architecture.md describes each stage and how to extend it.

pub mod model;

pub mod store;

pub mod lang;

pub mod suite;

pub mod plan;

pub mod generate;

pub mod extract;

pub mod execute;

pub mod score;

pub mod analyze;

pub mod report;

pub mod run;

pub mod tools;

pub mod cli;
