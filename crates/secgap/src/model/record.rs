//! Records: what a finished sample or probe answer holds, as the run
//! commits it and as analysis and reports read it back.

use crate::model::call::ModelCall;
use crate::model::ids::SampleKey;
use crate::model::outcome::{Cwe, Failure, SampleStatus, Verdict};
use crate::model::probe::Grade;
use crate::model::statics::StaticRun;

/// A finished sample, ready to commit.
#[derive(Debug, Clone)]
pub struct SampleRecord {
    pub key: SampleKey,
    pub language: String,
    pub prompt: String,
    /// None when the subject gave no response (generation error).
    pub response: Option<String>,
    pub extraction: Option<String>,
    pub code: Option<String>,
    pub build_log: Option<String>,
    /// None for generation errors; otherwise the scores.
    pub scores: Option<Scores>,
    /// Why the sample is not func-sec.
    pub failure: Option<Failure>,
    /// Generation error text.
    pub error: Option<String>,
    pub verdicts: Vec<Verdict>,
    /// Every model call made for this sample (none for references and replays).
    pub calls: Vec<ModelCall>,
    /// A coding agent's captured stdout and stderr.
    pub transcript: Option<String>,
    /// The strategy's exchanges with the subject, in order; their calls
    /// are `calls`, in the same order.
    pub turns: Vec<TurnRecord>,
    /// The static analyzers' runs on the scored code (empty when the run
    /// does not analyze, or there was no code).
    pub static_runs: Vec<StaticRun>,
    pub gen_ms: u64,
    pub exec_ms: u64,
}

/// What a strategy asked for in one turn.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum TurnKind {
    /// Code, from the task (the first or only turn of most strategies).
    Write,
    /// The principles the subject thinks apply (principle-self's first turn).
    Identify,
    /// A critique of the subject's own code (self-review).
    Review,
    /// Code again, after a critique or after the visible tests' output.
    Revise,
}

impl TurnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TurnKind::Write => "write",
            TurnKind::Identify => "identify",
            TurnKind::Review => "review",
            TurnKind::Revise => "revise",
        }
    }

    pub fn parse(s: &str) -> Option<TurnKind> {
        [
            TurnKind::Write,
            TurnKind::Identify,
            TurnKind::Review,
            TurnKind::Revise,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One turn of a strategy's conversation with the subject, as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TurnRecord {
    pub kind: TurnKind,
    pub prompt: String,
    /// None when the subject gave no answer on this turn.
    pub response: Option<String>,
    /// The code extracted from the response, where the strategy looked.
    pub code: Option<String>,
    /// What the harness ran on this turn's code and showed the subject
    /// next (tool-feedback: the visible tests' output).
    pub tool_output: Option<String>,
    /// How many of the sample's model calls, in order, this turn made.
    pub calls: u32,
    /// An identify turn's answer graded like an identify probe.
    pub grade: Option<Grade>,
}

/// What one stored sample took: turns and model calls, tokens and cost.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SampleUsage {
    pub key: SampleKey,
    pub turns: u32,
    /// Calls that reached a provider or the cache (failed attempts included).
    pub calls: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// None when no call of the sample carries a cost.
    pub cost_usd: Option<f64>,
    /// Calls answered from the response cache (they cost nothing new).
    pub cached_calls: u32,
    /// Calls that reached a provider and were answered but carry no cost
    /// (no price table, or no usage reported): the sample's spend is
    /// unknown while there is one.
    pub unpriced_calls: u32,
}

/// principle-self's first answer, graded like an identify probe.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SelfIdentified {
    pub key: SampleKey,
    /// False when the answer could not be read (scores are then 0).
    pub parsed: bool,
    pub exact: bool,
    pub jaccard: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scores {
    pub functional: bool,
    pub secure: bool,
}

/// One scored sample, as the metrics stage needs it.
#[derive(Debug, Clone)]
pub struct ScoredRow {
    pub key: SampleKey,
    pub functional: bool,
    pub secure: bool,
    pub failure: Option<Failure>,
    /// Security verdicts: (cwe, passed).
    pub security: Vec<(Option<Cwe>, bool)>,
    /// Whether its tests did not run (the candidate did not build).
    pub not_run: bool,
}

/// One subject's finished answer to one probe, ready to commit.
#[derive(Debug, Clone)]
pub struct ProbeAnswerRecord {
    pub subject: String,
    pub probe_id: String,
    /// None when the subject gave no answer (generation error).
    pub response: Option<String>,
    pub error: Option<String>,
    /// Exact grade (identify, recognize).
    pub grade: Option<Grade>,
    /// The probe's score in [0, 1]; explain: the share of principles the
    /// judges' majority found named; None if not graded.
    pub score: Option<f64>,
    pub calls: Vec<ModelCall>,
    pub judgments: Vec<JudgmentRecord>,
    pub gen_ms: u64,
}

/// One judge's grading of an explain answer.
#[derive(Debug, Clone)]
pub struct JudgmentRecord {
    pub judge: String,
    pub prompt: String,
    pub reply: Option<String>,
    /// One verdict per principle of the probe; None if the reply could not be read.
    pub verdicts: Option<Vec<bool>>,
    pub error: Option<String>,
    pub calls: Vec<ModelCall>,
}

/// A stored answer, as the analysis needs it.
#[derive(Debug, Clone)]
pub struct ProbeAnswerRow {
    pub subject: String,
    pub probe_id: String,
    pub answered: bool,
    pub grade: Option<Grade>,
    pub score: Option<f64>,
    /// (judge, verdicts) for explain answers.
    pub judgments: Vec<Judged>,
}

/// A stored sample with its verdicts, for exports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExportSample {
    #[serde(flatten)]
    pub key: SampleKey,
    pub language: String,
    pub status: SampleStatus,
    pub functional: Option<bool>,
    pub secure: Option<bool>,
    pub func_sec: Option<bool>,
    /// The failure as stored (`Failure`'s text): exports print it and
    /// nothing branches on it, so it is kept as written.
    pub failure: Option<String>,
    pub error: Option<String>,
    pub code: Option<String>,
    pub gen_ms: u64,
    pub exec_ms: u64,
    pub finished_at: String,
    /// What the subject was asked.
    pub prompt: String,
    /// Its raw reply (None after a generation error).
    pub response: Option<String>,
    pub verdicts: Vec<Verdict>,
    /// The strategy's turns, in order; exports write them only for
    /// strategies that took more than one (a single turn is the prompt
    /// and response above).
    #[serde(skip_serializing_if = "one_turn_at_most")]
    pub turns: Vec<TurnRecord>,
    /// The static analyzers' runs on its code, with their findings (only
    /// in runs made with `--static`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub static_runs: Vec<StaticRun>,
}

fn one_turn_at_most(turns: &[TurnRecord]) -> bool {
    turns.len() <= 1
}

/// A judge's name and its verdicts (None when its reply could not be read).
pub type Judged = (String, Option<Vec<bool>>);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallTotals {
    pub calls: u64,
    pub cached: u64,
    pub failed_attempts: u64,
    /// The sum of the costs of the calls that reached a provider; cache
    /// hits cost nothing new and are not in it.
    pub cost_usd: f64,
    /// Calls that reached a provider and carry a cost (a price table and
    /// reported usage).
    pub priced: u64,
    /// Calls that reached a provider and were answered but carry no cost
    /// (no price table, or no usage reported).
    pub unpriced: u64,
}
