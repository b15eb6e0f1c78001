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
use crate::suite::Task;

mod baseline;

pub use baseline::task_request;

/// Every strategy, in the order `secgap list strategies` shows them.
pub static STRATEGIES: &[&dyn Strategy] = &[&baseline::Baseline];

/// What a strategy works with for one sample.
pub struct Context<'a> {
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

    /// The opening request for `task`, the one recorded as the sample's
    /// prompt.
    fn prompt(&self, task: &Task) -> String;

    /// Ask the subject. The default is one turn with [`Strategy::prompt`];
    /// a strategy that talks several times overrides it.
    fn run(&self, cx: &Context) -> Result<Answer, GenError> {
        let prompt = self.prompt(cx.task);
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
