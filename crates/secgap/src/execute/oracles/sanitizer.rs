//! AddressSanitizer and UBSan: a report relayed on the results channel by
//! the check library fails the test, with the report as evidence, when it
//! happened in the candidate's code; in the harness's own code it is a
//! harness error (see `attribution.rs`). The report is read from the
//! sanitizer's own log file, never from stderr, so that a program
//! printing "runtime error:" itself is not mistaken for one.

use super::attribution::{self, Origin};
use super::{harness_error, headline, Judgment, Observation, Oracle};
use crate::model::{Cause, TestKind, TestOutcome};

/// Lines a sanitizer report's headline holds.
const MARKERS: &[&str] = &[
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
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
        let relayed = obs.channel.sole(obs.test)?.sanitizer.as_deref()?;
        let (report, first) = headline(relayed, MARKERS);
        if let Origin::Harness { frame } = attribution::sanitizer(relayed, obs.sources) {
            return Some(harness_error("sanitizer", &frame, report));
        }
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
