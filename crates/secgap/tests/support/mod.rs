//! Shared test support. Each test binary that declares `mod support;`
//! compiles this module, and not every binary uses every item.
#![allow(dead_code)]

pub mod answers;
pub mod fixture_server;
