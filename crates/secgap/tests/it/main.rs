//! The integration tests: one binary, so that the crate is linked once.
//! Each module is one area (providers, agents, escapes, ...); `support`
//! holds the fixture server and the scripted answers they share.

mod agent_sandbox;
mod agents;
mod candidates;
mod cli;
mod descriptors;
mod escape;
mod extract_corpus;
mod fixture_selftest;
mod forgery;
mod html_report;
mod layering;
mod levels;
mod paths;
mod providers;
mod statics;
mod strategies;
mod support;
mod user_strategy;
mod visible;
mod web;
mod worker_sandbox;
