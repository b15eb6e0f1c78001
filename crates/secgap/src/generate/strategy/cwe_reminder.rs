//! `cwe-reminder`: the task plus the CWE ids and names it is exposed to.
//! It tells the subject what the security tests look for, so it is an
//! oracle hint: an upper bound on what a hint can do, not a fair prompt.

use super::{task_request, Strategy};
use crate::suite::{Suite, Task};

pub struct CweReminder;

impl Strategy for CweReminder {
    fn name(&self) -> &'static str {
        "cwe-reminder"
    }

    fn version(&self) -> u32 {
        1
    }

    fn prompt(&self, _suite: &Suite, task: &Task) -> String {
        let mut out = task_request(task);
        out.push_str(
            "\n\nCode for this task is prone to the weaknesses below. Make sure yours has none of them:\n",
        );
        for c in &task.cwes {
            match crate::model::cwe::name(c.0) {
                Some(name) => out.push_str(&format!("\n- CWE-{}: {name}", c.0)),
                None => out.push_str(&format!("\n- CWE-{}", c.0)),
            }
        }
        out
    }
}
