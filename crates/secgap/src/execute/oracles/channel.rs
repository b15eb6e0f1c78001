//! The verdict channel: the check library's one line on the results
//! descriptor, carrying the harness's per-process nonce. A missing,
//! duplicated, forged or contradicted verdict is a failure. This oracle
//! always decides.

use secgap_sandbox::{self as sandbox, Exit};
use serde::Deserialize;

use super::{Judgment, Observation, Oracle};
use crate::model::{Cause, TestOutcome};

#[derive(Deserialize)]
struct ChannelLine {
    nonce: String,
    test: String,
    outcome: String,
    #[serde(default)]
    message: String,
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
        let text = String::from_utf8_lossy(&out.channel);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let genuine: Vec<ChannelLine> = lines
            .iter()
            .filter_map(|l| serde_json::from_str::<ChannelLine>(l).ok())
            .filter(|c| c.nonce == out.nonce && !out.nonce.is_empty())
            .collect();
        if lines.len() > 1 || genuine.len() != lines.len() {
            return Some(fail(
                Cause::ChannelTampered,
                format!(
                    "results channel tampered with: {} line(s) written, {} carrying the harness nonce; only the check library may report",
                    lines.len(),
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
