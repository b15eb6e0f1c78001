//! Oracles: what decides a test's verdict from what its execution left
//! behind. Each oracle is one file; the registry below says in which order
//! they are asked, and the first one with something to say decides. An
//! oracle sees only what the harness observed outside the candidate's
//! process (exit status, the sandbox's kill reason, stderr, the results
//! channel and its nonce), never what the candidate says about itself on
//! stdout.
//!
//! Adding an oracle (a static analyzer, an exploit) is one new file here
//! plus one line in [`ORACLES`].

use secgap_sandbox as sandbox;

use crate::lang::Sources;
use crate::model::{Cause, TestKind, TestOutcome};

pub mod analyzers;
mod attribution;
mod channel;
mod limits;
mod race;
mod sanitizer;

/// What one test's run left behind, as the harness saw it.
pub struct Observation<'a> {
    /// The test that was run.
    pub test: &'a str,
    pub kind: TestKind,
    /// The sandbox's account of the process: exit, kill reason, captured
    /// output, the results channel and the nonce it expected there.
    pub run: &'a sandbox::Outcome,
    /// The test's wall-clock limit, for messages.
    pub timeout_secs: u32,
    /// The process was built with AddressSanitizer/UBSan.
    pub sanitizer: bool,
    /// The process was built with Go's race detector.
    pub race_detector: bool,
    /// The captured stderr, decoded once for every oracle. Evidence only:
    /// no oracle decides from what the candidate can print there.
    pub stderr: &'a str,
    /// The results channel, parsed once for every oracle.
    pub channel: &'a Channel,
    /// Where the candidate's and the harness's code live, for attributing
    /// sanitizer and race reports.
    pub sources: &'a Sources,
}

impl Observation<'_> {
    /// The end of stderr as evidence, or None when it is blank.
    pub fn stderr_tail(&self) -> Option<String> {
        Some(tail_of(self.stderr, 4000)).filter(|s| !s.trim().is_empty())
    }
}

/// An oracle's decision about one test.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgment {
    pub outcome: TestOutcome,
    /// Which oracle decided, and on what ground.
    pub cause: Cause,
    pub message: String,
    /// Sanitizer report, stderr tail or other evidence.
    pub evidence: Option<String>,
}

/// Turns an observation into a verdict, or passes (None) when what it
/// checks for is absent.
pub trait Oracle: Sync {
    /// A short name, for documentation and errors.
    fn name(&self) -> &'static str;
    fn judge(&self, obs: &Observation) -> Option<Judgment>;
}

/// The oracles in the order they are asked. A kill by the sandbox comes
/// first (nothing after it can be trusted), then reports of the tools the
/// build was instrumented with, and last the verdict channel, which always
/// decides.
pub static ORACLES: &[&dyn Oracle] = &[
    &limits::SandboxLimits,
    &sanitizer::Sanitizer,
    &race::RaceDetector,
    &channel::VerdictChannel,
];

/// The verdict for one test: the first oracle that has something to say.
pub fn decide(obs: &Observation) -> Judgment {
    ORACLES
        .iter()
        .find_map(|o| o.judge(obs))
        .expect("the verdict channel oracle always decides")
}

pub use channel::Channel;

/// A relayed tool report, cut to size, and its headline: the first line
/// holding one of `markers` (or the first non-blank line).
fn headline(report: &str, markers: &[&str]) -> (String, String) {
    let report = super::truncate(report, 12 * 1024);
    let first = report
        .lines()
        .find(|l| markers.iter().any(|m| l.contains(m)))
        .or_else(|| report.lines().find(|l| !l.trim().is_empty()))
        .unwrap_or("report")
        .trim()
        .to_string();
    (report, first)
}

/// The judgment on a tool report that attribution gave to the harness:
/// an error of ours, not a verdict on the candidate.
fn harness_error(tool: &str, frame: &str, report: String) -> Judgment {
    Judgment {
        outcome: TestOutcome::Error,
        cause: Cause::HarnessError,
        message: format!(
            "harness error: {tool} report in the harness's own code (the check library or the task's tests), at `{frame}`; not a finding against the candidate"
        ),
        evidence: Some(report),
    }
}

fn tail_of(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut cut = s.len() - n;
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    format!("[...]{}", &s[cut..])
}
