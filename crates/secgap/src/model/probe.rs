//! Level 1 probes as data: a question, its answer key, and the grade of
//! an answer. Making probes is the plan's job, grading them the score's.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeKind {
    Identify,
    Recognize,
    Explain,
}

impl ProbeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeKind::Identify => "identify",
            ProbeKind::Recognize => "recognize",
            ProbeKind::Explain => "explain",
        }
    }
}

/// One question, with its answer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// `KIND:TASK` (recognize: `recognize:TASK:N` for insecure reference N).
    pub id: String,
    pub kind: ProbeKind,
    pub task: String,
    pub prompt: String,
    pub key: Key,
}

/// What a correct answer is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Key {
    Identify {
        /// Principle ids in the order shown, lettered A, B, ...
        options: Vec<String>,
        correct: BTreeSet<char>,
    },
    Recognize {
        /// Which implementation is the insecure one: '1' or '2' (probes-v2;
        /// probes-v1 said 'A' or 'B').
        unsafe_label: char,
        options: Vec<String>,
        /// The principles the insecure implementation breaks.
        correct: BTreeSet<char>,
        /// The insecure reference's index in the task.
        insecure_ref: usize,
    },
    Explain {
        /// The principles a good answer names.
        principles: Vec<String>,
    },
}

impl Key {
    /// The principle ids a set of letters stands for.
    pub fn principles_of(&self, letters: &BTreeSet<char>) -> Vec<String> {
        let options = match self {
            Key::Identify { options, .. } | Key::Recognize { options, .. } => options,
            Key::Explain { .. } => return Vec::new(),
        };
        letters
            .iter()
            .filter_map(|c| options.get(letter_index(*c)?).cloned())
            .collect()
    }
}

/// The grade of one answer to an identify or recognize probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    /// False when the answer could not be read; the scores are then 0.
    pub parsed: bool,
    /// The letters read from the answer.
    pub chosen: BTreeSet<char>,
    /// Recognize: the implementation named unsafe.
    pub unsafe_label: Option<char>,
    /// Exact-set match of the principles (and, for recognize, the right implementation).
    pub exact: bool,
    /// |chosen ∩ correct| / |chosen ∪ correct|.
    pub jaccard: f64,
    /// The probe's score in [0, 1]: identify = Jaccard; recognize =
    /// Jaccard if the unsafe implementation is the right one, else 0.
    pub score: f64,
}

/// The version of the judge rubric; stored with every judgment.
pub const JUDGE_VERSION: &str = "judge-rubric-v1";

fn letter_index(c: char) -> Option<usize> {
    c.is_ascii_uppercase().then(|| (c as u8 - b'A') as usize)
}
