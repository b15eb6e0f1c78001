//! The `Subject` trait: what is evaluated. A subject turns a prompt for a
//! task and a sample index into a response; it knows nothing of tests or
//! sandboxes. References, replays, model APIs and coding agents implement
//! it (their registry is `generate::from_spec`).

use crate::model::{Message, ModelCall};
use crate::plan::probe::Probe;
use crate::suite::{Suite, Task};

/// What a turn of a strategy asks the subject for. Models read only the
/// prompt; references use it to answer each turn in kind.
#[derive(Clone, Copy)]
pub enum Ask<'a> {
    /// The code (the first request, or a revision).
    Code,
    /// The principles that apply, as the lettered list of `probe` (an
    /// identify probe) offers them.
    Principles { suite: &'a Suite, probe: &'a Probe },
    /// A critique of the code the subject wrote in the previous turn.
    Critique,
}

/// One request to a subject.
pub struct GenRequest<'a> {
    pub task: &'a Task,
    pub strategy: &'a str,
    /// The new message to the subject.
    pub prompt: &'a str,
    /// The sample's conversation so far, oldest first (empty on a first
    /// turn); only subjects that [`Subject::converses`] get one.
    pub history: &'a [Message],
    pub ask: Ask<'a>,
    pub sample: u32,
    /// The sample's wall-clock limit for generation, retries included.
    pub deadline: Option<std::time::Instant>,
}

/// A subject's answer, with every model call made for it.
#[derive(Debug, Clone)]
pub struct Generation {
    pub response: String,
    pub calls: Vec<ModelCall>,
    /// What a coding agent printed while it worked (None for models).
    pub transcript: Option<String>,
}

/// No response could be had; the calls made on the way are kept.
#[derive(Debug)]
pub struct GenError {
    pub message: String,
    pub calls: Vec<ModelCall>,
    pub transcript: Option<String>,
}

impl From<anyhow::Error> for GenError {
    fn from(e: anyhow::Error) -> Self {
        GenError {
            message: format!("{e:#}"),
            calls: Vec::new(),
            transcript: None,
        }
    }
}

/// A Level 1 question to a subject.
pub struct ProbeRequest<'a> {
    pub suite: &'a crate::suite::Suite,
    pub probe: &'a crate::plan::probe::Probe,
    pub deadline: Option<std::time::Instant>,
}

pub trait Subject: Send + Sync {
    /// The stable name the subject was given on the command line.
    fn name(&self) -> &str;
    /// Produce one response. An error means no response could be had
    /// (recorded as a generation error and retried on resume), not that
    /// the response was bad.
    fn generate(&self, req: &GenRequest) -> Result<Generation, GenError>;

    /// Whether the subject can hold a conversation: answer a request with
    /// earlier turns in its context (models and references). Replays and
    /// coding agents answer one prompt per sample, so only single-prompt
    /// strategies can run them.
    fn converses(&self) -> bool {
        false
    }

    /// Answer a free-form question (a probe's prompt, a judge's rubric).
    fn ask(
        &self,
        _prompt: &str,
        _deadline: Option<std::time::Instant>,
    ) -> Result<Generation, GenError> {
        Err(anyhow::anyhow!("{} does not answer free-form questions", self.name()).into())
    }

    /// The sampling parameters a model subject sends; None for subjects
    /// that do not sample (references, replays, agents).
    fn sampling(&self) -> Option<crate::model::Sampling> {
        None
    }

    /// Answer a Level 1 probe: by default its prompt is asked like any
    /// other question; references answer from the key.
    fn answer_probe(&self, req: &ProbeRequest) -> Result<Generation, GenError> {
        self.ask(&req.probe.prompt, req.deadline)
    }
}
