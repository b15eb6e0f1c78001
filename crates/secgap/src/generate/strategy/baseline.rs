//! `baseline`: the task as given — its request, the interface to
//! implement and the file to reply with, nothing about security.

use super::Strategy;
use crate::suite::{Suite, Task};

pub struct Baseline;

impl Strategy for Baseline {
    fn name(&self) -> &'static str {
        "baseline"
    }

    fn version(&self) -> u32 {
        1
    }

    fn about(&self) -> &'static str {
        "the task's request and interface, nothing more"
    }

    fn prompt(&self, _suite: &Suite, task: &Task) -> String {
        task_request(task)
    }
}

/// The task's request in the form every strategy starts from.
pub fn task_request(task: &Task) -> String {
    let lang = task.language;
    let tag = lang.fence_tags()[0];
    format!(
        "{spec}\n\nWrite it in {lang_title}, implementing exactly this interface:\n\n```{tag}\n{interface}\n```\n\n\
Reply with the complete contents of `{file}` in a single fenced code block. Use only the standard library.",
        spec = task.spec,
        lang_title = lang.prompt_title(),
        interface = task.interface,
        file = task.solution_file,
    )
}
