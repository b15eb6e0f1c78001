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

    fn prompt(&self, _suite: &Suite, task: &Task) -> String {
        task_request(task)
    }
}

/// The task's request in the form every strategy starts from: what to
/// write, then how to reply.
pub fn task_request(task: &Task) -> String {
    format!("{}\n\n{}", task_description(task), reply_instruction(task))
}

/// What to write: the spec, the language and the interface; for a web
/// application, the spec, the API document and the environment's rules.
pub fn task_description(task: &Task) -> String {
    if let Some(web) = &task.web {
        return format!(
            "{spec}\n\nThe API, as an OpenAPI 3 document:\n\n```json\n{api}\n```\n\n{rules}",
            spec = task.spec,
            api = web.openapi.trim(),
            rules = web.environment.prompt,
        );
    }
    let lang = task.language;
    format!(
        "{spec}\n\nWrite it in {lang_title}, implementing exactly this interface:\n\n```{tag}\n{interface}\n```",
        spec = task.spec,
        lang_title = lang.prompt_title(),
        tag = lang.fence_tags()[0],
        interface = task.interface,
    )
}

/// How to reply with code: the whole solution file in one fenced block.
pub fn reply_instruction(task: &Task) -> String {
    if task.web.is_some() {
        return format!(
            "Reply with the complete contents of `{}` in a single fenced code block.",
            task.solution_file
        );
    }
    format!(
        "Reply with the complete contents of `{}` in a single fenced code block. Use only the standard library.",
        task.solution_file
    )
}
