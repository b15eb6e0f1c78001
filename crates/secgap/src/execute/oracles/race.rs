//! Go's race detector: a data race relayed on the results channel by the
//! check library (read from the detector's log file, never from stderr)
//! fails the test, with the report as evidence, unless neither racing
//! access is in the candidate's code (a harness error).

use super::attribution::{self, Origin};
use super::{harness_error, headline, Judgment, Observation, Oracle};
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
        let relayed = obs.channel.sole(obs.test)?.race.as_deref()?;
        let (report, first) = headline(relayed, MARKERS);
        if let Origin::Harness { frame } = attribution::race(relayed, obs.sources) {
            return Some(harness_error("race detector", &frame, report));
        }
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
