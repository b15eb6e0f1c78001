//! `generic-reminder`: the task as given plus one sentence asking for
//! secure code, naming no weakness and no principle.

use super::{task_request, Strategy};
use crate::suite::{Suite, Task};

pub struct GenericReminder;

/// The sentence added to the task's request.
const REMINDER: &str =
    "The code will handle untrusted input in production, so make it secure as well as correct.";

impl Strategy for GenericReminder {
    fn name(&self) -> &'static str {
        "generic-reminder"
    }

    fn version(&self) -> u32 {
        1
    }

    fn prompt(&self, _suite: &Suite, task: &Task) -> String {
        format!("{}\n\n{REMINDER}", task_request(task))
    }
}
