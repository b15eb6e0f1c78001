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

/// `out` of a finished `secgap` command, after asserting it succeeded
/// (the failure shows its stdout and stderr).
pub fn ok(out: std::process::Output) -> std::process::Output {
    assert!(
        out.status.success(),
        "secgap failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Copy a folder tree (files and folders only, without `__pycache__`):
/// how the tests make private copies of fixture suites and check libraries.
pub fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let e = e.unwrap();
        if e.file_name() == "__pycache__" {
            continue;
        }
        let dst = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_tree(&e.path(), &dst);
        } else if ft.is_file() {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// An execution's build result and verdicts, for a failing assertion's message.
pub fn describe(ex: &secgap::execute::Execution) -> String {
    let mut s = String::new();
    if let Some(b) = &ex.build {
        s.push_str(&format!(
            "build ok={} failed={:?} log={:?}\n",
            b.ok, b.failed, b.log
        ));
    }
    for v in &ex.verdicts {
        s.push_str(&format!(
            "  {} {:?} {:?}: {:?} evidence={:?}\n",
            v.test,
            v.outcome,
            v.cause,
            v.message,
            v.evidence
                .as_deref()
                .map(|e| secgap::execute::truncate(e, 800))
        ));
    }
    s
}
