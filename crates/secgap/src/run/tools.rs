//! What the run does for a strategy between its turns: take the code out
//! of a response, run it against the task's visible functional tests, and
//! grade an identify answer. The strategies see these through
//! `generate::strategy::Tools`, so the generate stage imports none of the
//! later stages.

use std::time::Duration;

use crate::execute::{self, ExecOptions};
use crate::extract::{self, Extraction};
use crate::generate::strategy::{Tools, VisibleRun};
use crate::lang;
use crate::model::{Grade, TestKind};
use crate::plan::probe::Probe;
use crate::suite::{Suite, Task};

/// The tools of one run, over its suite.
pub struct RunTools<'a> {
    pub suite: &'a Suite,
}

impl Tools for RunTools<'_> {
    fn extract(&self, task: &Task, response: &str) -> Result<String, String> {
        let names = lang::interface_names(task.language, &task.interface);
        match extract::extract(response, task.language, &names) {
            Extraction::Code { code, .. } => Ok(code),
            Extraction::Empty => Err("the reply was empty".into()),
            Extraction::TooLarge { bytes } => Err(format!(
                "the reply was {bytes} bytes, more than secgap reads"
            )),
            Extraction::Refusal => Err("the reply declined the task".into()),
            Extraction::NoCode => Err(format!(
                "it holds no {} code block",
                task.language.prompt_title()
            )),
        }
    }

    fn run_visible(&self, task: &Task, code: &str) -> anyhow::Result<VisibleRun> {
        let ex = execute::execute_visible(
            task,
            code,
            &ExecOptions {
                runtime_dir: self.suite.runtime_dir(task.language),
                build_timeout: Duration::from_secs(120),
            },
        )?;
        // Passed: built, and every visible test ran and passed (a visible
        // run has no security verdict to count).
        let ran = ex.verdicts.iter().any(|v| v.kind == TestKind::Functional);
        let passed = ex.build.as_ref().is_none_or(|b| b.ok) && ran && ex.functional();
        Ok(VisibleRun {
            passed,
            feedback: execute::feedback_text(task, &ex),
        })
    }

    fn grade_identify(&self, suite: &Suite, probe: &Probe, answer: &str) -> Option<Grade> {
        crate::score::probe::grade(suite, probe, answer)
    }
}
