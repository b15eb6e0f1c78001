//! Outcomes: what a test is about (its kind and CWE), how it ended, and
//! the verdict the execution stage records for it.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A CWE identifier (the number after `CWE-`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct Cwe(pub u32);

impl fmt::Display for Cwe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CWE-{}", self.0)
    }
}

/// Whether a test checks behaviour or probes a weakness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TestKind {
    Functional,
    Security,
}

impl TestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TestKind::Functional => "functional",
            TestKind::Security => "security",
        }
    }
}

/// How one test ended. `NotRun` is not a result of the test: the test
/// never ran (the candidate did not build), so it is neither a pass nor a
/// security failure, and reports show it on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    Pass,
    Fail,
    Error,
    /// The test did not run: the candidate did not build.
    NotRun,
}

impl TestOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            TestOutcome::Pass => "pass",
            TestOutcome::Fail => "fail",
            TestOutcome::Error => "error",
            TestOutcome::NotRun => "not_run",
        }
    }
    /// An outcome a check library may report on the results channel:
    /// `pass`, `fail` or `error`. Only the harness decides that a test did
    /// not run, so `not_run` is not one of them.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pass" => Some(TestOutcome::Pass),
            "fail" => Some(TestOutcome::Fail),
            "error" => Some(TestOutcome::Error),
            _ => None,
        }
    }
    /// An outcome as the store keeps it (its `as_str`), `not_run` included.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "not_run" => Some(TestOutcome::NotRun),
            _ => TestOutcome::parse(s),
        }
    }
    /// Whether the test ran and so has a verdict of its own.
    pub fn ran(self) -> bool {
        self != TestOutcome::NotRun
    }
    /// Whether this is a test that ran and did not pass.
    pub fn failed(self) -> bool {
        matches!(self, TestOutcome::Fail | TestOutcome::Error)
    }
}

/// One test's verdict, as stored and reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    pub test: String,
    pub kind: TestKind,
    pub cwe: Option<Cwe>,
    pub outcome: TestOutcome,
    pub message: String,
    /// Sanitizer report, stderr tail or other evidence.
    pub evidence: Option<String>,
    pub duration_ms: u64,
    /// The oracle's ground for the verdict. Known to the run that executed
    /// the test, which scores from it; the store and the exports keep the
    /// outcome and the message, so a verdict read back says `Reported`.
    #[serde(skip)]
    pub cause: Cause,
}

/// Why a verdict is what it is: set by the oracle that decided it, so that
/// scoring never reads a verdict's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Cause {
    /// The check library's own verdict, read from the results channel.
    #[default]
    Reported,
    /// Not run: the candidate did not build.
    NotRun,
    /// Not run: the candidate was rejected as tampering with the harness
    /// before any test ran ([`Failure::Tampering`]).
    Tampering,
    /// Killed by the sandbox at the wall-clock limit.
    Timeout,
    /// Killed by the sandbox for printing more than the output limit.
    OutputLimit,
    /// A web app reached the memory limit of its whole process tree and
    /// the kernel killed a process of it.
    MemoryLimit,
    /// The harness's own test runner decided, from what it observed of a
    /// web app from outside (responses, files, the process's health).
    Observed,
    /// A sanitizer (ASan, LSan, UBSan) reported an error.
    Sanitizer,
    /// The race detector reported a data race.
    DataRace,
    /// The results channel held lines the check library did not write.
    ChannelTampered,
    /// The process ended without reporting a verdict.
    NoVerdict,
    /// The verdict named another test than the one run.
    WrongTest,
    /// The verdict's outcome was not pass, fail or error.
    UnknownOutcome,
    /// A pass was reported but the process then failed.
    CrashedAfterPass,
    /// A sanitizer or race-detector report whose code is the harness's
    /// (the check library or the task's test file), not the candidate's:
    /// no verdict on the candidate either way.
    HarnessError,
}

/// Whether a stored sample got a response to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleStatus {
    /// It was extracted, executed (or found to hold no code) and scored.
    Scored,
    /// The subject gave no response; `secgap resume` asks again.
    GenerationError,
}

impl SampleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SampleStatus::Scored => "scored",
            SampleStatus::GenerationError => "generation_error",
        }
    }
}

impl fmt::Display for SampleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for SampleStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "scored" => Ok(SampleStatus::Scored),
            "generation_error" => Ok(SampleStatus::GenerationError),
            _ => Err(format!("unknown sample status `{s}`")),
        }
    }
}

impl Serialize for SampleStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Why a sample is not func-sec, as the score stage decides it and the
/// store keeps it (through `Display` and `FromStr`, e.g. `no_code` or
/// `test_failure:attack_traversal`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Failure {
    /// The subject gave no response (API error, budget spent, agent failure).
    GenerationError,
    /// The response was empty.
    EmptyResponse,
    /// The response was larger than the extraction limit.
    ResponseTooLarge,
    /// The subject declined to write the code.
    Refusal,
    /// The response held no code block in the task's language.
    NoCode,
    /// The code did not build, or could not even be loaded by any test.
    BuildError,
    /// A web app built but never accepted connections on its port.
    StartupFailure,
    /// The code built (or needs no build) but could not be loaded, or does
    /// not define the task's interface; the build log says which.
    LoadError,
    /// A test ran out of time (named).
    Timeout { test: String },
    /// A test hit a sandbox limit (named).
    SandboxLimit { test: String },
    /// A test failed (named): the first one that did not pass.
    TestFailure { test: String },
    /// A test (named) hit an error of the harness's own code, such as a
    /// sanitizer report in the check library: no verdict on the candidate.
    HarnessError { test: String },
    /// The code was rejected before any test ran because it reaches for
    /// the harness (defines a sanitizer hook or a function the check
    /// library relies on, calls the check library, imports `unsafe`, ...):
    /// `found` says what was found, as the store keeps it after the colon.
    Tampering { found: String },
}

impl Failure {
    /// The test the failure names, if any.
    pub fn test(&self) -> Option<&str> {
        match self {
            Failure::Timeout { test }
            | Failure::SandboxLimit { test }
            | Failure::TestFailure { test }
            | Failure::HarnessError { test } => Some(test),
            _ => None,
        }
    }

    /// The failure's kind, without the test: `timeout`, `no_code`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::GenerationError => "generation_error",
            Failure::EmptyResponse => "empty_response",
            Failure::ResponseTooLarge => "response_too_large",
            Failure::Refusal => "refusal",
            Failure::NoCode => "no_code",
            Failure::BuildError => "build_error",
            Failure::StartupFailure => "startup_failure",
            Failure::LoadError => "load_error",
            Failure::Timeout { .. } => "timeout",
            Failure::SandboxLimit { .. } => "sandbox_limit",
            Failure::TestFailure { .. } => "test_failure",
            Failure::HarnessError { .. } => "harness_error",
            Failure::Tampering { .. } => "tampering",
        }
    }

    /// What the failure says beyond its kind: the test it names, or what
    /// a tampering check found.
    fn detail(&self) -> Option<&str> {
        match self {
            Failure::Tampering { found } => Some(found),
            other => other.test(),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.detail() {
            Some(detail) => write!(f, "{}:{detail}", self.kind()),
            None => f.write_str(self.kind()),
        }
    }
}

impl std::str::FromStr for Failure {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, test) = match s.split_once(':') {
            Some((k, t)) => (k, Some(t.to_string())),
            None => (s, None),
        };
        let failure = match (kind, test) {
            ("generation_error", None) => Failure::GenerationError,
            ("empty_response", None) => Failure::EmptyResponse,
            ("response_too_large", None) => Failure::ResponseTooLarge,
            ("refusal", None) => Failure::Refusal,
            ("no_code", None) => Failure::NoCode,
            ("build_error", None) => Failure::BuildError,
            ("startup_failure", None) => Failure::StartupFailure,
            ("load_error", None) => Failure::LoadError,
            ("timeout", Some(test)) => Failure::Timeout { test },
            ("sandbox_limit", Some(test)) => Failure::SandboxLimit { test },
            ("test_failure", Some(test)) => Failure::TestFailure { test },
            ("harness_error", Some(test)) => Failure::HarnessError { test },
            ("tampering", Some(found)) => Failure::Tampering { found },
            _ => return Err(format!("unknown failure `{s}`")),
        };
        Ok(failure)
    }
}

impl Serialize for Failure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_round_trip_through_their_stored_text() {
        let all = [
            Failure::GenerationError,
            Failure::EmptyResponse,
            Failure::ResponseTooLarge,
            Failure::Refusal,
            Failure::NoCode,
            Failure::BuildError,
            Failure::StartupFailure,
            Failure::LoadError,
            Failure::Timeout { test: "t1".into() },
            Failure::SandboxLimit { test: "t2".into() },
            Failure::TestFailure {
                test: "attack_x".into(),
            },
            Failure::HarnessError { test: "t3".into() },
            Failure::Tampering {
                found: "defines `write`: a function the check library relies on".into(),
            },
        ];
        for f in all {
            let text = f.to_string();
            assert_eq!(text.parse::<Failure>().unwrap(), f, "{text}");
        }
        assert_eq!(
            Failure::TestFailure { test: "a".into() }.to_string(),
            "test_failure:a"
        );
        assert!("test_failure".parse::<Failure>().is_err());
        assert!(
            "tampering".parse::<Failure>().is_err(),
            "says what was found"
        );
        assert_eq!(
            Failure::Tampering {
                found: "imports unsafe".into()
            }
            .test(),
            None
        );
        assert!("no_code:x".parse::<Failure>().is_err());
        assert!("bogus".parse::<Failure>().is_err());
    }

    #[test]
    fn not_run_is_stored_as_its_own_text_and_never_read_from_a_check_library() {
        for o in [
            TestOutcome::Pass,
            TestOutcome::Fail,
            TestOutcome::Error,
            TestOutcome::NotRun,
        ] {
            assert_eq!(TestOutcome::from_stored(o.as_str()), Some(o));
            assert_eq!(
                serde_json::to_value(o).unwrap(),
                serde_json::json!(o.as_str())
            );
        }
        assert_eq!(TestOutcome::NotRun.as_str(), "not_run");
        // A candidate that forges `not_run` on the results channel gets nothing.
        assert_eq!(TestOutcome::parse("not_run"), None);
        assert!(!TestOutcome::NotRun.ran() && !TestOutcome::NotRun.failed());
        assert!(TestOutcome::Error.failed() && TestOutcome::Fail.failed());
        assert!(!TestOutcome::Pass.failed());
    }
}
