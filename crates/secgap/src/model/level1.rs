//! Level 1 as the reports read it: every probe answer with its question,
//! how it was read and graded, the judges' replies; and each judge's
//! calibration on the suite's reference explanations. The store fills
//! these rows, the run layer adds what only the config knows (which
//! judge is which subject), and analysis and reports take them as plain
//! data.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::model::call::ModelCall;
use crate::model::probe::{Grade, ProbeKind};

/// A reference explanation a judge is calibrated on: the key (states every
/// principle of the task, so a correct judge says YES to each) or a naive
/// one (states none, so a correct judge says NO to each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exemplar {
    Key,
    Naive,
}

impl Exemplar {
    pub const ALL: [Exemplar; 2] = [Exemplar::Key, Exemplar::Naive];

    pub fn as_str(self) -> &'static str {
        match self {
            Exemplar::Key => "key",
            Exemplar::Naive => "naive",
        }
    }

    /// The verdict a correct judge gives this explanation on every principle.
    pub fn expected(self) -> bool {
        self == Exemplar::Key
    }
}

impl fmt::Display for Exemplar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Exemplar {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Exemplar::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("unknown reference explanation `{s}` (key or naive)"))
    }
}

/// One judge's grading of one reference explanation, ready to commit.
#[derive(Debug, Clone)]
pub struct CalibrationRecord {
    pub judge: String,
    /// The explain probe whose question the explanation answers.
    pub probe_id: String,
    pub exemplar: Exemplar,
    pub prompt: String,
    /// One verdict per principle of the probe, as a correct judge gives them.
    pub expected: Vec<bool>,
    pub reply: Option<String>,
    /// None when the reply could not be read (or there was none).
    pub verdicts: Option<Vec<bool>>,
    pub error: Option<String>,
    pub calls: Vec<ModelCall>,
}

/// A stored calibration grading, as reports read it back.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationRow {
    pub judge: String,
    /// The rubric version it was graded under.
    pub rubric: String,
    pub probe_id: String,
    pub exemplar: Exemplar,
    pub expected: Vec<bool>,
    pub verdicts: Option<Vec<bool>>,
    pub reply: Option<String>,
    pub error: Option<String>,
}

/// How an answer to a probe was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParseStatus {
    /// Identify or recognize: the answer was read and graded.
    Parsed,
    /// Identify or recognize: the answer could not be read; scored 0.
    Unparsed,
    /// Explain: at least one judge's reply was read, so it has a score.
    Judged,
    /// Explain: judges were asked, but no reply could be read.
    Unjudged,
    /// Explain: the run has no judge, so the answer is stored unscored.
    NoJudge,
    /// The subject gave no answer (left out of the scores).
    NoAnswer,
}

impl ParseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ParseStatus::Parsed => "parsed",
            ParseStatus::Unparsed => "unparsed",
            ParseStatus::Judged => "judged",
            ParseStatus::Unjudged => "unjudged",
            ParseStatus::NoJudge => "no_judge",
            ParseStatus::NoAnswer => "no_answer",
        }
    }
}

impl fmt::Display for ParseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One judge's reply on an explain answer, for reports.
#[derive(Debug, Clone, Serialize)]
pub struct JudgmentExport {
    pub judge: String,
    pub reply: Option<String>,
    /// One verdict per principle of the probe; None if the reply could not be read.
    pub verdicts: Option<Vec<bool>>,
    pub error: Option<String>,
}

/// One stored answer to one probe, with everything a report shows.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeExport {
    pub subject: String,
    pub probe_id: String,
    pub kind: ProbeKind,
    pub task: String,
    /// The question as the subject was asked it.
    pub question: String,
    /// The subject's raw answer (None when it gave none).
    pub answer: Option<String>,
    /// Why there is no answer.
    pub error: Option<String>,
    pub status: ParseStatus,
    /// Identify and recognize: the exact grade.
    pub grade: Option<Grade>,
    /// The probe's score in [0, 1] (None if not graded).
    pub score: Option<f64>,
    /// Explain: the principles the judges were asked about, in order.
    pub principles: Vec<String>,
    /// Explain: each judge's reply.
    pub judgments: Vec<JudgmentExport>,
    pub gen_ms: u64,
}

/// What the config says about a judge: the run's subjects that are the
/// same model (so the judge grades its own answers).
#[derive(Debug, Clone, Serialize)]
pub struct JudgeInfo {
    pub judge: String,
    pub judges_itself: Vec<String>,
}

/// Everything Level 1 holds of a run, for analysis and reports.
#[derive(Debug, Clone, Default)]
pub struct Level1Rows {
    pub subjects: Vec<String>,
    pub answers: Vec<ProbeExport>,
    pub calibrations: Vec<CalibrationRow>,
    pub judges: Vec<JudgeInfo>,
}
