//! What the run does for a strategy between its turns: take the code out
//! of a response, run it against the task's visible functional tests, and
//! grade an identify answer. The strategies see these through
//! `generate::strategy::Tools`, so the generate stage imports none of the
//! later stages.

use std::time::Duration;

use crate::execute::oracles::analyzers::{self, StaticPlan};
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
    /// Caps the visible-test runs in flight: they happen on the generation
    /// workers, which may be many more than the execution pool.
    pub slots: &'a Slots,
    /// The run's static analyzers (`--static`): their findings on the code
    /// are shown with the visible tests' output.
    pub statics: Option<&'a StaticPlan>,
}

/// A counting semaphore: at most `n` holders at a time.
pub struct Slots {
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

impl Slots {
    pub fn new(n: usize) -> Slots {
        Slots {
            free: std::sync::Mutex::new(n.max(1)),
            freed: std::sync::Condvar::new(),
        }
    }

    /// Run `f` once a slot is free.
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut free = self.free.lock().unwrap();
            while *free == 0 {
                free = self.freed.wait(free).unwrap();
            }
            *free -= 1;
        }
        // Give the slot back even if `f` panics.
        struct Release<'a>(&'a Slots);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                *self.0.free.lock().unwrap() += 1;
                self.0.freed.notify_one();
            }
        }
        let _release = Release(self);
        f()
    }
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
        let ex = self.slots.with(|| {
            execute::execute_visible(
                task,
                code,
                &ExecOptions {
                    runtime_dir: self.suite.runtime_dir(task.language),
                    build_timeout: Duration::from_secs(120),
                },
            )
        })?;
        // Passed: built, and every visible test ran and passed (a visible
        // run has no security verdict to count).
        let ran = ex.verdicts.iter().any(|v| v.kind == TestKind::Functional);
        let mut passed = ex.build.as_ref().is_none_or(|b| b.ok) && ran && ex.functional();
        let mut feedback = execute::feedback_text(task, &ex);
        if let Some(plan) = self.statics {
            let runs = self
                .slots
                .with(|| plan.analyze(task.language, &task.solution_file, code))?;
            if let Some(text) = analyzers::feedback_text(&runs) {
                // What the analyzers found is left to fix as well.
                passed = false;
                feedback.push_str("\n\n");
                feedback.push_str(&text);
            }
        }
        Ok(VisibleRun { passed, feedback })
    }

    fn grade_identify(&self, suite: &Suite, probe: &Probe, answer: &str) -> Option<Grade> {
        crate::score::probe::grade(suite, probe, answer)
    }
}

#[cfg(test)]
mod tests {
    use super::Slots;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn slots_hold_back_the_holder_past_the_limit() {
        let slots = Slots::new(2);
        let (now, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    slots.with(|| {
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(n, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(30));
                        now.fetch_sub(1, Ordering::SeqCst);
                    })
                });
            }
        });
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}
