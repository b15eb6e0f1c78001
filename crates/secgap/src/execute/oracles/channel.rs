//! The verdict channel: the check library's one line on the results
//! descriptor, carrying the harness's per-process nonce. A missing,
//! duplicated, forged or contradicted verdict is a failure. This oracle
//! always decides.

use secgap_sandbox::{self as sandbox, Exit};
use serde::Deserialize;

use super::{Judgment, Observation, Oracle};
use crate::model::{Cause, TestOutcome};

/// One line the check library wrote on the results channel.
#[derive(Deserialize)]
pub struct ChannelLine {
    nonce: String,
    pub test: String,
    pub outcome: String,
    #[serde(default)]
    pub message: String,
    /// A sanitizer's report, relayed by the C check library from the log
    /// file the sanitizer wrote.
    #[serde(default)]
    pub sanitizer: Option<String>,
    /// A race-detector report, relayed by the Go check library likewise.
    #[serde(default)]
    pub race: Option<String>,
}

/// The results channel as the harness read it, parsed once for every oracle.
pub struct Channel {
    /// Non-blank lines written, genuine or not.
    pub lines: usize,
    /// The lines that parse and carry the harness's nonce.
    pub genuine: Vec<ChannelLine>,
}

impl Channel {
    pub fn read(out: &sandbox::Outcome) -> Channel {
        let text = String::from_utf8_lossy(&out.channel);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let genuine = lines
            .iter()
            .filter_map(|l| serde_json::from_str::<ChannelLine>(l).ok())
            .filter(|c| c.nonce == out.nonce && !out.nonce.is_empty())
            .collect();
        Channel {
            lines: lines.len(),
            genuine,
        }
    }

    /// The one genuine line, when it is the only line and names `test`:
    /// what other oracles may trust (the verdict channel judges the rest).
    pub fn sole(&self, test: &str) -> Option<&ChannelLine> {
        match self.genuine.as_slice() {
            [one] if self.lines == 1 && one.test == test => Some(one),
            _ => None,
        }
    }
}

pub struct VerdictChannel;

impl Oracle for VerdictChannel {
    fn name(&self) -> &'static str {
        "verdict-channel"
    }

    fn judge(&self, obs: &Observation) -> Option<Judgment> {
        let out = obs.run;
        let fail = |cause, message: String| Judgment {
            outcome: TestOutcome::Fail,
            cause,
            message,
            evidence: obs.stderr_tail(),
        };
        let (lines, genuine) = (obs.channel.lines, &obs.channel.genuine);
        if lines > 1 || genuine.len() != lines {
            return Some(fail(
                Cause::ChannelTampered,
                format!(
                    "results channel tampered with: {} line(s) written, {} carrying the harness nonce; only the check library may report",
                    lines,
                    genuine.len()
                ),
            ));
        }
        let Some(v) = genuine.first() else {
            let how = match out.exit {
                Exit::Code(c) => format!("exited with code {c}"),
                Exit::Signal(s) => format!("was killed by {}", sandbox::signal_name(s)),
            };
            return Some(fail(
                Cause::NoVerdict,
                format!("no verdict: the test process {how} before reporting"),
            ));
        };
        if v.test != obs.test {
            return Some(fail(
                Cause::WrongTest,
                format!("verdict names test `{}` but `{}` was run", v.test, obs.test),
            ));
        }
        let Some(outcome) = TestOutcome::parse(&v.outcome) else {
            return Some(fail(
                Cause::UnknownOutcome,
                format!("verdict has unknown outcome `{}`", v.outcome),
            ));
        };
        if outcome == TestOutcome::Pass && out.exit != Exit::Code(0) {
            return Some(fail(
                Cause::CrashedAfterPass,
                format!("reported a pass but then ended with {}", out.exit),
            ));
        }
        Some(Judgment {
            outcome,
            cause: Cause::Reported,
            message: v.message.clone(),
            evidence: if outcome == TestOutcome::Pass {
                None
            } else {
                obs.stderr_tail()
            },
        })
    }
}
