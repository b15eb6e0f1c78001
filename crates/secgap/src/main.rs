//! secgap: measures how securely AI models and coding agents write code.
//!
//! Data flows one way: suite → plan → generate (subject) → extract →
//! execute (sandbox) → score (metrics) → report, with the run store
//! underneath. Each stage is its own module with a narrow interface.

mod cli;
mod exec;
mod lang;
mod sandbox;
mod suite;
mod validate;

fn main() {
    std::process::exit(cli::main());
}
