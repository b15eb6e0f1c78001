//! Shared test support for the integration tests: the provider fixture
//! server and scripted answers. Not every module uses every item.
#![allow(dead_code)]

pub mod answers;
pub mod fixture_server;

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// The machine's sandboxes, as the tests in this binary share them. The
/// escape tests count every sandbox process on the machine to prove that
/// none outlives its sandbox, so while one runs no other test may start
/// sandboxes: they take [`exclusive_sandboxes`], every other test that
/// runs candidates (directly or through the `secgap` binary) takes
/// [`shared_sandboxes`]. A test that panics poisons nothing that matters,
/// so poisoning is ignored.
static SANDBOXES: RwLock<()> = RwLock::new(());

pub fn shared_sandboxes() -> RwLockReadGuard<'static, ()> {
    SANDBOXES.read().unwrap_or_else(|e| e.into_inner())
}

pub fn exclusive_sandboxes() -> RwLockWriteGuard<'static, ()> {
    SANDBOXES.write().unwrap_or_else(|e| e.into_inner())
}
