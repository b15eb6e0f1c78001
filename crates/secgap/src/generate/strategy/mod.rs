//! Strategies: how a subject is asked for code. A strategy is a pipeline:
//! it gets the task, the subject and the sample's deadline, and may talk
//! to the subject several times (a reminder, a plan first, a critique and
//! a revision); every turn it takes is returned with the final answer.
//! Each is named and versioned; the version goes into the run's config
//! (`name@version`) so that a changed prompt is never mixed with old
//! results.
//!
//! Adding a strategy is one new file here plus one line in [`STRATEGIES`].

use std::time::Instant;

use crate::generate::subject::{GenError, GenRequest, Generation, Subject};
use crate::model::StrategyRef;
use crate::suite::{Suite, Task};

mod baseline;
mod cwe_reminder;
mod generic_reminder;
mod principle_oracle;

pub use baseline::task_request;

/// Every strategy, in the order `secgap list strategies` shows them.
pub static STRATEGIES: &[&dyn Strategy] = &[
    &baseline::Baseline,
    &generic_reminder::GenericReminder,
    &cwe_reminder::CweReminder,
    &principle_oracle::PrincipleOracle,
];

/// What a strategy works with for one sample.
pub struct Context<'a> {
    pub suite: &'a Suite,
    pub task: &'a Task,
    pub subject: &'a dyn Subject,
    pub sample: u32,
    /// The sample's wall-clock limit for generation, every turn included.
    pub deadline: Option<Instant>,
}

/// One exchange with the subject.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub prompt: String,
    pub response: String,
}

/// A strategy's result: the answer that is scored (the last turn's
/// response), the turns that led to it and every model call made.
#[derive(Debug, Clone)]
pub struct Answer {
    pub turns: Vec<Turn>,
    pub generation: Generation,
}

pub trait Strategy: Sync {
    fn name(&self) -> &'static str;
    fn version(&self) -> u32;
    /// One line for `secgap list strategies`.
    fn about(&self) -> &'static str;

    /// The opening request for `task` of `suite` (whose principle catalog
    /// a strategy may quote), the one recorded as the sample's prompt.
    fn prompt(&self, suite: &Suite, task: &Task) -> String;

    /// Ask the subject. The default is one turn with [`Strategy::prompt`];
    /// a strategy that talks several times overrides it.
    fn run(&self, cx: &Context) -> Result<Answer, GenError> {
        let prompt = self.prompt(cx.suite, cx.task);
        let generation = cx.subject.generate(&GenRequest {
            task: cx.task,
            strategy: self.name(),
            prompt: &prompt,
            sample: cx.sample,
            deadline: cx.deadline,
        })?;
        Ok(Answer {
            turns: vec![Turn {
                prompt,
                response: generation.response.clone(),
            }],
            generation,
        })
    }

    /// How a run names this strategy.
    fn id(&self) -> StrategyRef {
        StrategyRef {
            name: self.name().to_string(),
            version: self.version(),
        }
    }
}

/// The strategy called `name`, or an error listing the known ones.
pub fn by_name(name: &str) -> Result<&'static dyn Strategy, String> {
    STRATEGIES
        .iter()
        .copied()
        .find(|s| s.name() == name)
        .ok_or_else(|| {
            let known: Vec<&str> = STRATEGIES.iter().map(|s| s.name()).collect();
            format!("unknown strategy `{name}` (known: {})", known.join(", "))
        })
}

/// The strategy a run recorded, refused if its version has changed since.
pub fn resolve(r: &StrategyRef) -> Result<&'static dyn Strategy, String> {
    let st = by_name(&r.name)?;
    if st.version() != r.version {
        return Err(format!(
            "strategy `{}` was version {} in this run but is version {} now",
            r.name,
            r.version,
            st.version()
        ));
    }
    Ok(st)
}

/// Parse a `--strategy` argument: a known strategy's name.
pub fn parse_arg(name: &str) -> Result<StrategyRef, String> {
    by_name(name).map(|s| s.id())
}

/// The strategy runs use when none is named.
pub fn default_strategy() -> StrategyRef {
    baseline::Baseline.id()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TestKind;

    fn builtin() -> Suite {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
        crate::suite::load(&root).expect("the built-in suite loads")
    }

    /// No strategy's prompt hands the subject a security test: not its
    /// name, not its attack, not its code.
    #[test]
    fn no_prompt_names_or_quotes_a_security_test() {
        let suite = builtin();
        for task in &suite.tasks {
            let test_source =
                std::fs::read_to_string(task.tests_dir.join(&task.test_file_name)).unwrap();
            for st in STRATEGIES {
                let prompt = st.prompt(&suite, task);
                for t in task.tests.iter().filter(|t| t.kind == TestKind::Security) {
                    assert!(
                        !prompt.contains(&t.name),
                        "{} prompt for {} names security test {}",
                        st.name(),
                        task.id,
                        t.name
                    );
                    if let Some(a) = &t.attack {
                        assert!(
                            !prompt.contains(a.as_str()),
                            "{} quotes an attack",
                            st.name()
                        );
                    }
                }
                // What a strategy adds to the task's own request quotes no
                // line of the test file (the spec's examples may recur in
                // the functional tests, and the request holds those).
                let base = task_request(task);
                for line in test_source.lines().map(str::trim).filter(|l| l.len() > 40) {
                    assert!(
                        !prompt.contains(line) || base.contains(line),
                        "{} prompt for {} quotes the tests: {line}",
                        st.name(),
                        task.id
                    );
                }
            }
        }
    }

    #[test]
    fn each_hint_says_what_its_name_promises() {
        let suite = builtin();
        let task = suite.task("py-sql-lookup").or(suite.tasks.first()).unwrap();
        let base = baseline::Baseline.prompt(&suite, task);
        let generic = by_name("generic-reminder").unwrap().prompt(&suite, task);
        assert!(generic.starts_with(&base) && generic.contains("secure"));
        assert!(!generic.contains("CWE"));
        let cwe = by_name("cwe-reminder").unwrap().prompt(&suite, task);
        for c in &task.cwes {
            assert!(cwe.contains(&format!("CWE-{}: ", c.0)), "{cwe}");
        }
        let oracle = by_name("principle-oracle").unwrap().prompt(&suite, task);
        for id in &task.principles {
            let p = suite.principles.iter().find(|p| &p.id == id).unwrap();
            assert!(oracle.contains(&p.statement) && oracle.contains(&p.rationale));
        }
        assert!(!oracle.contains("CWE"));
    }

    #[test]
    fn every_cwe_of_the_builtin_suite_has_its_name() {
        let suite = builtin();
        for task in &suite.tasks {
            for c in &task.cwes {
                assert!(
                    crate::model::cwe::name(c.0).is_some(),
                    "CWE-{} has no name",
                    c.0
                );
            }
        }
    }
}
