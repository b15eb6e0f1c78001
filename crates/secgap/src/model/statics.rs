//! Static analysis: what an analyzer said about a sample's code. A second,
//! weaker oracle: its findings are stored beside the executed verdicts and
//! measured against them, and never change whether a sample is functional
//! or secure.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::model::ids::SampleKey;
use crate::model::outcome::{Cwe, TestOutcome};

/// How serious the analyzer says a finding is, in SARIF's three levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [Severity::Note, Severity::Warning, Severity::Error]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown severity `{s}` (note, warning or error)"))
    }
}

/// One finding of one analyzer on a sample's code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The analyzer's own rule id (`B602`, `nullPointer`,
    /// `-Wanalyzer-double-free`, `secgap.python.sql-built-by-formatting`).
    pub rule: String,
    /// The analyzer's message, as it printed it.
    pub message: String,
    /// 1-based line in the sample's file, when the analyzer gave one.
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub severity: Severity,
    /// The CWEs the analyzer (or, where it names none, secgap's table for
    /// its rule) maps the finding to; may be empty.
    pub cwes: Vec<Cwe>,
}

/// How one analyzer's run on one sample went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaticStatus {
    /// It ran and its report was read: the findings are all it found.
    Ran,
    /// It ran but did not finish or its report could not be read: no
    /// verdict (the message says why).
    Failed,
    /// It is not installed, or does not apply: never started.
    Skipped,
}

impl StaticStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StaticStatus::Ran => "ran",
            StaticStatus::Failed => "failed",
            StaticStatus::Skipped => "skipped",
        }
    }
}

impl FromStr for StaticStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        [
            StaticStatus::Ran,
            StaticStatus::Failed,
            StaticStatus::Skipped,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("unknown static analysis status `{s}`"))
    }
}

/// One analyzer's run on one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaticRun {
    /// The analyzer's id (`bandit`, `semgrep`, `cppcheck`...).
    pub analyzer: String,
    /// Its version as it reported it, when it ran.
    pub version: Option<String>,
    pub status: StaticStatus,
    /// Why it failed or was skipped.
    pub message: Option<String>,
    /// Wall time of the analyzer's sandbox.
    pub duration_ms: u64,
    pub findings: Vec<Finding>,
}

impl StaticRun {
    /// The analyzer's verdict: it ran and found nothing. None when it has
    /// no verdict (it failed or was skipped).
    pub fn static_clean(&self) -> Option<bool> {
        (self.status == StaticStatus::Ran).then_some(self.findings.is_empty())
    }

    /// Whether a finding flags CWE `target`: its CWE, or a direct parent
    /// or child of it ([`crate::model::cwe::flags`]).
    pub fn flags(&self, target: Cwe) -> bool {
        self.findings.iter().any(|f| {
            f.cwes
                .iter()
                .any(|c| crate::model::cwe::flags(c.0, target.0))
        })
    }
}

/// One scored sample with its analyzers' runs, as the agreement analysis
/// needs it.
#[derive(Debug, Clone)]
pub struct StaticRow {
    pub key: SampleKey,
    pub language: String,
    pub functional: bool,
    pub secure: bool,
    /// Its tests did not run (the candidate did not build or load): no
    /// executed truth to measure an analyzer against.
    pub not_run: bool,
    /// Security verdicts: (cwe, outcome).
    pub security: Vec<(Option<Cwe>, TestOutcome)>,
    pub runs: Vec<StaticRun>,
}

impl StaticRow {
    /// Whether security verdicts give no executed truth: there are none,
    /// or one of the tests did not run.
    pub fn untested(security: &[(Option<Cwe>, TestOutcome)]) -> bool {
        security.is_empty() || security.iter().any(|(_, o)| !o.ran())
    }
}
