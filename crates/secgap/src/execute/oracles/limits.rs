//! The sandbox's own limits: a test the sandbox had to kill (wall clock
//! or output flood) fails, whatever it managed to report before.

use secgap_sandbox::Killed;

use super::{Judgment, Observation, Oracle};
use crate::model::{Cause, TestOutcome};

pub struct SandboxLimits;

impl Oracle for SandboxLimits {
    fn name(&self) -> &'static str {
        "sandbox-limits"
    }

    fn judge(&self, obs: &Observation) -> Option<Judgment> {
        let killed = obs.run.killed?;
        let (cause, message) = match killed {
            Killed::WallClock => (
                Cause::Timeout,
                format!(
                    "did not finish within {} s (hang or resource exhaustion); the process tree was killed",
                    obs.timeout_secs
                ),
            ),
            Killed::Output => (
                Cause::OutputLimit,
                format!(
                    "printed more than the output limit ({} bytes); the process tree was killed",
                    obs.run.stdout.total + obs.run.stderr.total
                ),
            ),
        };
        Some(Judgment {
            outcome: TestOutcome::Fail,
            cause,
            message,
            evidence: obs.stderr_tail(),
        })
    }
}
