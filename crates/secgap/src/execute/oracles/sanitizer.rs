//! AddressSanitizer, LeakSanitizer and UBSan: a report on stderr of a
//! sanitizer build fails the test, with the report as evidence. Only
//! sanitizer builds are searched, so that a program printing
//! "runtime error:" itself is not mistaken for one.

use super::{report_from, Judgment, Observation, Oracle};
use crate::model::{Cause, TestKind, TestOutcome};

/// Lines a sanitizer report starts with.
const MARKERS: &[&str] = &[
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "AddressSanitizer:DEADLYSIGNAL",
    "ERROR: UndefinedBehaviorSanitizer",
];

pub struct Sanitizer;

impl Oracle for Sanitizer {
    fn name(&self) -> &'static str {
        "sanitizer"
    }

    fn judge(&self, obs: &Observation) -> Option<Judgment> {
        if !obs.sanitizer {
            return None;
        }
        let (report, first) = report_from(obs.stderr, MARKERS)?;
        let what = match obs.kind {
            TestKind::Security => {
                "memory-safety or undefined-behaviour error caught by the sanitizer"
            }
            TestKind::Functional => "sanitizer error during a functional test",
        };
        Some(Judgment {
            outcome: TestOutcome::Fail,
            cause: Cause::Sanitizer,
            message: format!("{what}: {first}"),
            evidence: Some(report),
        })
    }
}
