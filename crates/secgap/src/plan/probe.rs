//! Level 1: understanding probes, made deterministically from the suite
//! (their grading is the score stage's: `score::probe`).
//!
//! Three kinds per task:
//! - **identify**: the task's spec and a shuffled list of principles (the
//!   task's own plus distractors from the catalog that share none of the
//!   task's CWEs); the subject names every principle that applies.
//!   Graded by exact-set match and Jaccard similarity.
//! - **recognize**: the task's secure reference and one insecure reference
//!   in shuffled order, with the same kind of principle list; the subject
//!   says which implementation is unsafe and which principles it breaks.
//!   One probe per insecure reference. The implementations are numbered
//!   (1 and 2) and the principles lettered (A, B, ...), so that no answer
//!   can name one where it means the other.
//! - **explain**: an open question about what an implementation must get
//!   right; graded by judge subjects (`score::probe::judge_prompt`).
//!
//! Shuffles come from SHA-256 of (seed, probe id, item), so the same seed
//! gives every subject the same questions on every machine.

use std::collections::BTreeSet;

use anyhow::{Context, Result};

use sha2::{Digest, Sha256};

use crate::model::Exemplar;
use crate::suite::{Principle, Suite, Task};

/// Principles offered per identify or recognize question.
pub const OPTIONS: usize = 8;
/// The version of the probe prompts and grading; stored with every run.
/// v2: recognize numbers its implementations 1 and 2 (v1 lettered them A
/// and B, like the principles); the answers' reader accepts more shapes.
pub const PROBE_VERSION: &str = "probes-v2";

/// The labels of a recognize probe's two implementations, in the order shown.
pub const IMPLEMENTATIONS: [char; 2] = ['1', '2'];

pub use crate::model::probe::{Grade, Key, Probe, ProbeKind, JUDGE_VERSION};

pub(crate) fn letter(i: usize) -> char {
    (b'A' + i as u8) as char
}

pub(crate) fn letter_index(c: char) -> Option<usize> {
    c.is_ascii_uppercase().then(|| (c as u8 - b'A') as usize)
}

/// A deterministic rank for `item` within probe `id` under `seed`.
pub(crate) fn rank(seed: u64, id: &str, item: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(id.as_bytes());
    h.update([0]);
    h.update(item.as_bytes());
    h.finalize().into()
}

/// Distractors for a task: catalog principles that are not the task's and
/// share none of its CWEs (so none of them also applies), in seeded order.
fn distractors<'a>(suite: &'a Suite, task: &Task, seed: u64, id: &str) -> Vec<&'a Principle> {
    let mut d: Vec<&Principle> = suite
        .principles
        .iter()
        .filter(|p| !task.principles.contains(&p.id))
        .filter(|p| !p.cwes.iter().any(|c| task.cwes.contains(c)))
        .collect();
    d.sort_by_key(|p| rank(seed, id, &p.id));
    d
}

/// The task's principles plus distractors up to [`OPTIONS`], shuffled.
fn option_list(suite: &Suite, task: &Task, seed: u64, id: &str) -> Vec<String> {
    let mut options: Vec<String> = task.principles.clone();
    let want = OPTIONS.max(task.principles.len() + 2);
    for p in distractors(suite, task, seed, id) {
        if options.len() >= want {
            break;
        }
        options.push(p.id.clone());
    }
    options.sort_by_key(|p| rank(seed, id, p));
    options
}

fn describe_options(suite: &Suite, options: &[String]) -> String {
    let mut s = String::new();
    for (i, id) in options.iter().enumerate() {
        let p = suite.principle(id).expect("options come from the catalog");
        s.push_str(&format!("{}. {} — {}\n", letter(i), p.title, p.statement));
    }
    s
}

fn letters_of(options: &[String], wanted: &[String]) -> BTreeSet<char> {
    options
        .iter()
        .enumerate()
        .filter(|(_, id)| wanted.contains(id))
        .map(|(i, _)| letter(i))
        .collect()
}

/// The principles of `task` that an insecure reference for `cwe` breaks:
/// those that list the CWE, or all the task's principles if none does.
pub fn broken_principles(suite: &Suite, task: &Task, cwe: crate::suite::Cwe) -> Vec<String> {
    let hit: Vec<String> = task
        .principles
        .iter()
        .filter(|id| suite.principle(id).is_some_and(|p| p.cwes.contains(&cwe)))
        .cloned()
        .collect();
    if hit.is_empty() {
        task.principles.clone()
    } else {
        hit
    }
}

/// The identify probe of `task`: its principles among distractors from
/// the catalog, lettered in an order `seed` decides.
pub fn identify(suite: &Suite, task: &Task, seed: u64) -> Probe {
    let lang = task.language.display_name();
    let id = format!("identify:{}", task.id);
    let options = option_list(suite, task, seed, &id);
    let correct = letters_of(&options, &task.principles);
    let prompt = format!(
        "Here is a feature request for a {lang} function.\n\n{}\n\n\
         Below is a list of secure-coding principles. Which of them must an \
         implementation of this feature follow to be secure? Several may \
         apply. Do not write any code.\n\n{}\n\
         End your reply with one line of the form `ANSWER: <letters>`, for \
         example `ANSWER: B, E`.",
        task.spec.trim(),
        describe_options(suite, &options)
    );
    Probe {
        id,
        kind: ProbeKind::Identify,
        task: task.id.clone(),
        prompt,
        key: Key::Identify { options, correct },
    }
}

/// The lettered principle list of an identify or recognize probe, one
/// line each, as its prompt shows it.
pub fn option_lines(suite: &Suite, probe: &Probe) -> String {
    match &probe.key {
        Key::Identify { options, .. } | Key::Recognize { options, .. } => {
            describe_options(suite, options)
        }
        Key::Explain { .. } => String::new(),
    }
}

/// Every probe for `tasks`, in a stable order.
pub fn probes(suite: &Suite, tasks: &[&Task], seed: u64) -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    for task in tasks {
        let lang = task.language.display_name();
        out.push(identify(suite, task, seed));
        // recognize, one per insecure reference
        let secure = std::fs::read_to_string(&task.secure_ref)
            .with_context(|| format!("read {}", task.secure_ref.display()))?;
        for (n, r) in task.insecure_refs.iter().enumerate() {
            let id = format!("recognize:{}:{n}", task.id);
            let insecure = std::fs::read_to_string(&r.file)
                .with_context(|| format!("read {}", r.file.display()))?;
            let insecure_first = rank(seed, &id, "order")[0] & 1 == 1;
            let (a, b, unsafe_label) = if insecure_first {
                (&insecure, &secure, IMPLEMENTATIONS[0])
            } else {
                (&secure, &insecure, IMPLEMENTATIONS[1])
            };
            let options = option_list(suite, task, seed, &id);
            let correct = letters_of(&options, &broken_principles(suite, task, r.cwe));
            let tag = task.language.fence_tags()[0];
            let prompt = format!(
                "Two {lang} implementations of the same feature follow. The feature:\n\n{}\n\n\
                 Implementation 1:\n```{tag}\n{}\n```\n\nImplementation 2:\n```{tag}\n{}\n```\n\n\
                 One of them is unsafe. Which one, and which of the lettered principles \
                 below does it break? Several principles may apply.\n\n{}\n\
                 End your reply with these two lines, filled in:\n\
                 `UNSAFE: <the number of the unsafe implementation, 1 or 2>`\n\
                 `ANSWER: <the letters of the principles it breaks, separated by commas>`",
                task.spec.trim(),
                a.trim_end(),
                b.trim_end(),
                describe_options(suite, &options)
            );
            out.push(Probe {
                id,
                kind: ProbeKind::Recognize,
                task: task.id.clone(),
                prompt,
                key: Key::Recognize {
                    unsafe_label,
                    options,
                    correct,
                    insecure_ref: n,
                },
            });
        }
        // explain
        let id = format!("explain:{}", task.id);
        let prompt = format!(
            "Here is a feature request for a {lang} function.\n\n{}\n\n\
             Before anyone writes it: what must an implementation of this get right \
             to be secure? Name each concern and say briefly why it matters. Do not \
             write the implementation.",
            task.spec.trim()
        );
        out.push(Probe {
            id,
            kind: ProbeKind::Explain,
            task: task.id.clone(),
            prompt,
            key: Key::Explain {
                principles: task.principles.clone(),
            },
        });
    }
    Ok(out)
}

/// The answer a reference subject gives: right from the key, or (naive)
/// wrong on purpose.
pub fn reference_answer(suite: &Suite, probe: &Probe, knows: bool) -> String {
    let list = |letters: &BTreeSet<char>| {
        letters
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match &probe.key {
        Key::Identify { options, correct } => {
            let chosen = if knows {
                correct.clone()
            } else {
                wrong_letters(options.len(), correct)
            };
            format!("ANSWER: {}", list(&chosen))
        }
        Key::Recognize {
            unsafe_label,
            options,
            correct,
            ..
        } => {
            let (label, chosen) = if knows {
                (*unsafe_label, correct.clone())
            } else {
                (
                    other_implementation(*unsafe_label),
                    wrong_letters(options.len(), correct),
                )
            };
            format!("UNSAFE: {label}\nANSWER: {}", list(&chosen))
        }
        Key::Explain { .. } => {
            let which = if knows {
                Exemplar::Key
            } else {
                Exemplar::Naive
            };
            reference_explanation(suite, probe, which).unwrap_or_default()
        }
    }
}

/// Explanations that name no security concern at all, in our own words; a
/// task's naive explanation is one of them, chosen by the task's id.
const NAIVE_EXPLANATIONS: [&str; 3] = [
    "It should be fast and the code should be easy to read; security needs nothing special here.",
    "Mostly correctness: handle the inputs the feature describes, return clear error messages, \
     and cover the common cases with unit tests. Nothing in this feature is sensitive beyond that.",
    "Keep the function short, document its parameters and log what it does, so that problems are \
     easy to debug later. For code like this, speed matters more than anything else.",
];

/// A reference explanation for an explain probe (None for other kinds):
/// the key states each of the task's principles (title and statement), so
/// a correct judge finds every one named; the naive one states none, so a
/// correct judge finds none named. Judges are calibrated on both before
/// they grade (`score::calibrate`), and the reference subjects answer
/// explain probes with them.
pub fn reference_explanation(suite: &Suite, probe: &Probe, which: Exemplar) -> Option<String> {
    let Key::Explain { principles } = &probe.key else {
        return None;
    };
    Some(match which {
        Exemplar::Key => principles
            .iter()
            .filter_map(|id| suite.principle(id))
            .map(|p| format!("- {}: {}", p.title, p.statement))
            .collect::<Vec<_>>()
            .join("\n"),
        Exemplar::Naive => {
            let pick = rank(0, "naive-explanation", &probe.task)[0] as usize;
            NAIVE_EXPLANATIONS[pick % NAIVE_EXPLANATIONS.len()].to_string()
        }
    })
}

/// The implementation a recognize probe did not mark unsafe.
pub fn other_implementation(label: char) -> char {
    if label == IMPLEMENTATIONS[0] {
        IMPLEMENTATIONS[1]
    } else {
        IMPLEMENTATIONS[0]
    }
}

/// One wrong option (never an empty set, which some keys may equal).
fn wrong_letters(n: usize, correct: &BTreeSet<char>) -> BTreeSet<char> {
    (0..n)
        .map(letter)
        .find(|c| !correct.contains(c))
        .into_iter()
        .collect()
}
