//! Shared test support for the integration tests: the provider fixture
//! server and scripted answers. Not every module uses every item.
#![allow(dead_code)]

pub mod answers;
pub mod fixture_server;
