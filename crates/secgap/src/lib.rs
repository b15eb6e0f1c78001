//! secgap: measures how securely AI models and coding agents write code.
//!
//! Data flows one way: suite → plan → generate (subject) → extract →
//! execute (sandbox) → score (metrics) → report, with the run store
//! underneath. Each stage is its own module with a narrow interface:
//! the sandbox knows nothing of tasks, subjects know nothing of tests,
//! metrics know nothing of SQLite.

pub mod agent;
pub mod bench;
pub mod cli;
pub mod compare;
pub mod config;
pub mod doctor;
pub mod exec;
pub mod export;
pub mod extract;
pub mod gap;
pub mod gate;
pub mod html;
pub mod lang;
pub mod limiter;
pub mod metrics;
pub mod plan;
pub mod probe;
pub mod progress;
pub mod provider;
pub mod proxy;
pub mod report;
pub mod run;
pub mod sandbox;
pub mod scaffold;
pub mod stats;
pub mod store;
pub mod strategy;
pub mod subject;
pub mod suite;
pub mod validate;
