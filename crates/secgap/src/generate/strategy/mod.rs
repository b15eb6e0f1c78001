//! Strategies: how a subject is asked for code. Each is named and
//! versioned; the version goes into the run's config hash so that a
//! changed prompt is never mixed with old results.

use std::fmt;

use crate::suite::Task;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// The task as given.
    Baseline,
}

impl Strategy {
    pub const ALL: [Strategy; 1] = [Strategy::Baseline];

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Baseline => "baseline",
        }
    }

    pub fn version(self) -> u32 {
        match self {
            Strategy::Baseline => 1,
        }
    }

    pub fn about(self) -> &'static str {
        match self {
            Strategy::Baseline => "the task's request and interface, nothing more",
        }
    }

    /// The prompt sent to the subject for `task`.
    pub fn prompt(self, task: &Task) -> String {
        match self {
            Strategy::Baseline => baseline_prompt(task),
        }
    }
}

fn baseline_prompt(task: &Task) -> String {
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

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Strategy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Strategy::ALL
            .into_iter()
            .find(|st| st.name() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Strategy::ALL.iter().map(|s| s.name()).collect();
                format!("unknown strategy `{s}` (known: {})", known.join(", "))
            })
    }
}
