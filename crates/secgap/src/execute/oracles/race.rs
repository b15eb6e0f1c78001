//! Go's race detector: a data race reported by a `-race` build fails the
//! test, with the report as evidence.

use super::{report_from, Judgment, Observation, Oracle};
use crate::model::{Cause, TestKind, TestOutcome};

/// The line a race report starts with.
const MARKERS: &[&str] = &["WARNING: DATA RACE"];

pub struct RaceDetector;

impl Oracle for RaceDetector {
    fn name(&self) -> &'static str {
        "race-detector"
    }

    fn judge(&self, obs: &Observation) -> Option<Judgment> {
        if !obs.race_detector {
            return None;
        }
        let (report, first) = report_from(obs.stderr, MARKERS)?;
        let what = match obs.kind {
            TestKind::Security => "data race caught by the race detector",
            TestKind::Functional => "race detector report during a functional test",
        };
        Some(Judgment {
            outcome: TestOutcome::Fail,
            cause: Cause::DataRace,
            message: format!("{what}: {first}"),
            evidence: Some(report),
        })
    }
}
