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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestOutcome {
    Pass,
    Fail,
    Error,
}

impl TestOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            TestOutcome::Pass => "pass",
            TestOutcome::Fail => "fail",
            TestOutcome::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pass" => Some(TestOutcome::Pass),
            "fail" => Some(TestOutcome::Fail),
            "error" => Some(TestOutcome::Error),
            _ => None,
        }
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
}
