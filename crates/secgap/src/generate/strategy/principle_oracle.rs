//! `principle-oracle`: the task plus its secure-coding principles from the
//! suite's catalog, each with its statement and rationale.

use super::{task_request, Strategy};
use crate::suite::{Suite, Task};

pub struct PrincipleOracle;

impl Strategy for PrincipleOracle {
    fn name(&self) -> &'static str {
        "principle-oracle"
    }

    fn version(&self) -> u32 {
        1
    }

    fn prompt(&self, suite: &Suite, task: &Task) -> String {
        let mut out = task_request(task);
        out.push_str("\n\nFollow these secure-coding principles in your code:\n");
        for id in &task.principles {
            match suite.principles.iter().find(|p| &p.id == id) {
                Some(p) => {
                    out.push_str(&format!("\n- {}: {} {}", p.title, p.statement, p.rationale))
                }
                // The suite loader refuses unknown principle ids, so this
                // only names one a hand-built task made up.
                None => out.push_str(&format!("\n- {id}")),
            }
        }
        out
    }
}
