//! Level 1: understanding probes, made deterministically from the suite,
//! and their exact grading.
//!
//! Three kinds per task:
//! - **identify**: the task's spec and a shuffled list of principles (the
//!   task's own plus distractors from the catalog that share none of the
//!   task's CWEs); the subject names every principle that applies.
//!   Graded by exact-set match and Jaccard similarity.
//! - **recognize**: the task's secure reference and one insecure reference
//!   in shuffled order, with the same kind of principle list; the subject
//!   says which implementation is unsafe and which principles it breaks.
//!   One probe per insecure reference.
//! - **explain**: an open question about what an implementation must get
//!   right; graded by judge subjects (see [`judge_prompt`]).
//!
//! Shuffles come from SHA-256 of (seed, probe id, item), so the same seed
//! gives every subject the same questions on every machine.
//!
//! Answers are parsed tolerantly (letters in varied formats, principle
//! ids, prose around them), but an answer that cannot be read is recorded
//! as unparsed and scored 0, never guessed.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::suite::{Principle, Suite, Task};

/// Principles offered per identify or recognize question.
pub const OPTIONS: usize = 8;
/// The version of the probe prompts and grading; stored with every run.
pub const PROBE_VERSION: &str = "probes-v1";

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
        /// Which implementation is the insecure one: 'A' or 'B'.
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

fn letter(i: usize) -> char {
    (b'A' + i as u8) as char
}

fn letter_index(c: char) -> Option<usize> {
    c.is_ascii_uppercase().then(|| (c as u8 - b'A') as usize)
}

/// A deterministic rank for `item` within probe `id` under `seed`.
fn rank(seed: u64, id: &str, item: &str) -> [u8; 32] {
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

/// Every probe for `tasks`, in a stable order.
pub fn probes(suite: &Suite, tasks: &[&Task], seed: u64) -> Result<Vec<Probe>> {
    let mut out = Vec::new();
    for task in tasks {
        let lang = task.language.display_name();
        // identify
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
        out.push(Probe {
            id,
            kind: ProbeKind::Identify,
            task: task.id.clone(),
            prompt,
            key: Key::Identify { options, correct },
        });
        // recognize, one per insecure reference
        let secure = std::fs::read_to_string(&task.secure_ref)
            .with_context(|| format!("read {}", task.secure_ref.display()))?;
        for (n, r) in task.insecure_refs.iter().enumerate() {
            let id = format!("recognize:{}:{n}", task.id);
            let insecure = std::fs::read_to_string(&r.file)
                .with_context(|| format!("read {}", r.file.display()))?;
            let insecure_first = rank(seed, &id, "order")[0] & 1 == 1;
            let (a, b, unsafe_label) = if insecure_first {
                (&insecure, &secure, 'A')
            } else {
                (&secure, &insecure, 'B')
            };
            let options = option_list(suite, task, seed, &id);
            let correct = letters_of(&options, &broken_principles(suite, task, r.cwe));
            let tag = task.language.fence_tags()[0];
            let prompt = format!(
                "Two {lang} implementations of the same feature follow. The feature:\n\n{}\n\n\
                 Implementation A:\n```{tag}\n{}\n```\n\nImplementation B:\n```{tag}\n{}\n```\n\n\
                 One of them is unsafe. Which one, and which of the principles below \
                 does it break? Several principles may apply.\n\n{}\n\
                 End your reply with two lines:\n`UNSAFE: <A or B>`\n`ANSWER: <letters>`",
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

/// The value after a `LABEL:` line (markdown emphasis and backticks
/// allowed around it); the last such line wins.
fn labelled<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines().rev().find_map(|line| {
        let l = line
            .trim()
            .trim_matches(|c| c == '*' || c == '`' || c == '_');
        let (head, rest) = l.split_once(':')?;
        let head = head
            .trim()
            .trim_matches(|c| c == '*' || c == '`' || c == '_');
        head.eq_ignore_ascii_case(label).then_some(
            rest.trim()
                .trim_matches(|c| c == '*' || c == '`' || c == '_'),
        )
    })
}

/// Split into alphanumeric words (ids keep their hyphens).
fn words(s: &str) -> Vec<&str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Letters chosen in `text` among the first `n` letters, read from an
/// `ANSWER:` line if there is one, else from letters written as options
/// (`(B)`, `B)`, `[B]`, `**B**`, `B.` at a line start, "option B") or
/// principle ids in the text. None if nothing could be read.
pub fn parse_letters(text: &str, options: &[String]) -> Option<BTreeSet<char>> {
    let n = options.len();
    let valid = |c: char| letter_index(c.to_ascii_uppercase()).is_some_and(|i| i < n);
    let ids = |s: &str| -> BTreeSet<char> {
        let lower = s.to_ascii_lowercase();
        let ws = words(&lower);
        options
            .iter()
            .enumerate()
            .filter(|(_, id)| ws.contains(&id.as_str()))
            .map(|(i, _)| letter(i))
            .collect()
    };
    if let Some(line) = labelled(text, "answer") {
        let ws = words(line);
        let none = ws.iter().any(|w| w.eq_ignore_ascii_case("none"));
        let mut set: BTreeSet<char> = ws
            .iter()
            .filter(|w| w.len() == 1)
            .filter_map(|w| w.chars().next())
            .filter(|c| valid(*c))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        set.extend(ids(line));
        // Every word must be a letter, an id, a filler word or "none".
        let fillers = [
            "and",
            "or",
            "options",
            "option",
            "principles",
            "principle",
            "none",
        ];
        let clean = ws.iter().all(|w| {
            (w.len() == 1 && w.chars().next().is_some_and(valid))
                || options.iter().any(|id| id.eq_ignore_ascii_case(w))
                || fillers.iter().any(|f| f.eq_ignore_ascii_case(w))
        });
        if clean && (!set.is_empty() || none) {
            return Some(set);
        }
    }
    // No usable ANSWER line: letters written the way options are cited.
    let mut set = BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_uppercase() || !valid(c) {
            continue;
        }
        let before = if i > 0 { chars[i - 1] } else { '\n' };
        let after = chars.get(i + 1).copied().unwrap_or('\n');
        let line_start = chars[..i]
            .iter()
            .rev()
            .take_while(|c| **c != '\n')
            .all(|c| c.is_whitespace() || *c == '-' || *c == '*');
        let cited = (before == '(' && after == ')')
            || (before == '[' && after == ']')
            || (before == '*' && after == '*')
            || (line_start && (after == ')' || after == '.' || after == ':'))
            || {
                // "option B", "options A, C and F"
                let prefix: String = chars[..i].iter().collect::<String>().to_ascii_lowercase();
                let p = prefix.trim_end();
                let standalone = !before.is_ascii_alphanumeric() && !after.is_ascii_alphanumeric();
                let listed = p.ends_with("option") || p.ends_with("options");
                let continued = !set.is_empty()
                    && (p.ends_with(',') || p.ends_with(" and") || p.ends_with(" or"));
                standalone && (listed || continued)
            };
        if cited {
            set.insert(c);
        }
    }
    set.extend(ids(text));
    (!set.is_empty()).then_some(set)
}

/// The implementation named unsafe: an `UNSAFE:` line, else a sentence
/// such as "Implementation B is unsafe".
pub fn parse_unsafe(text: &str) -> Option<char> {
    if let Some(v) = labelled(text, "unsafe") {
        let ws = words(v);
        let labels: BTreeSet<char> = ws
            .iter()
            .filter(|w| w.len() == 1)
            .filter_map(|w| w.chars().next())
            .map(|c| c.to_ascii_uppercase())
            .filter(|c| *c == 'A' || *c == 'B')
            .collect();
        if labels.len() == 1 {
            return labels.into_iter().next();
        }
    }
    let lower = text.to_ascii_lowercase();
    let mut found = BTreeSet::new();
    for (label, name) in [('A', "implementation a"), ('B', "implementation b")] {
        for (pos, _) in lower.match_indices(name) {
            let tail = &lower[pos + name.len()..];
            let next = tail.chars().next().unwrap_or(' ');
            if next.is_ascii_alphanumeric() {
                continue;
            }
            let clause = tail
                .split([',', '.', ';', '\n'])
                .next()
                .unwrap_or("")
                .trim_start_matches(['*', '`', ' ', ')']);
            let says_unsafe = ["unsafe", "insecure", "vulnerable"].iter().any(|w| {
                clause.starts_with(&format!("is {w}")) || clause.starts_with(&format!("is the {w}"))
            });
            if says_unsafe {
                found.insert(label);
            }
        }
    }
    (found.len() == 1).then(|| *found.iter().next().unwrap())
}

fn jaccard(a: &BTreeSet<char>, b: &BTreeSet<char>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 1.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

/// Grade an answer to an identify or recognize probe; None for explain
/// (judged separately).
pub fn grade(probe: &Probe, answer: &str) -> Option<Grade> {
    let unread = Grade {
        parsed: false,
        chosen: BTreeSet::new(),
        unsafe_label: None,
        exact: false,
        jaccard: 0.0,
        score: 0.0,
    };
    match &probe.key {
        Key::Identify { options, correct } => Some(match parse_letters(answer, options) {
            Some(chosen) => {
                let j = jaccard(&chosen, correct);
                Grade {
                    parsed: true,
                    exact: &chosen == correct,
                    chosen,
                    unsafe_label: None,
                    jaccard: j,
                    score: j,
                }
            }
            None => unread,
        }),
        Key::Recognize {
            unsafe_label,
            options,
            correct,
            ..
        } => {
            let named = parse_unsafe(answer);
            let chosen = parse_letters(answer, options);
            Some(match (named, chosen) {
                (Some(named), Some(chosen)) => {
                    let j = jaccard(&chosen, correct);
                    let right = named == *unsafe_label;
                    Grade {
                        parsed: true,
                        exact: right && &chosen == correct,
                        chosen,
                        unsafe_label: Some(named),
                        jaccard: j,
                        score: if right { j } else { 0.0 },
                    }
                }
                _ => unread,
            })
        }
        Key::Explain { .. } => None,
    }
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
                    if *unsafe_label == 'A' { 'B' } else { 'A' },
                    wrong_letters(options.len(), correct),
                )
            };
            format!("UNSAFE: {label}\nANSWER: {}", list(&chosen))
        }
        Key::Explain { principles } => {
            if knows {
                principles
                    .iter()
                    .filter_map(|id| suite.principle(id))
                    .map(|p| format!("- {}: {}", p.title, p.statement))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                "It should be fast and the code should be easy to read; security needs nothing special here.".to_string()
            }
        }
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

/// The judge's rubric prompt for an explain answer, asking principle by
/// principle whether the answer names it.
pub fn judge_prompt(suite: &Suite, probe: &Probe, answer: &str) -> Option<String> {
    let Key::Explain { principles } = &probe.key else {
        return None;
    };
    let mut rubric = String::new();
    for (i, id) in principles.iter().enumerate() {
        let p = suite.principle(id)?;
        rubric.push_str(&format!("{}. {} — {}\n", i + 1, p.title, p.statement));
    }
    Some(format!(
        "You grade answers to a security question ({JUDGE_VERSION}).\n\n\
         The question was:\n<question>\n{}\n</question>\n\n\
         The answer to grade:\n<answer>\n{}\n</answer>\n\n\
         For each numbered principle below, decide whether the answer states it \
         correctly: it must name the concern and the right way to handle it, in any \
         words. Mentioning a topic without the right handling does not count.\n\n{}\n\
         Reply with one line per principle, in order, of the form `N: YES` or `N: NO`, \
         and nothing else.",
        probe.prompt.trim(),
        answer.trim(),
        rubric
    ))
}

/// The version of the judge rubric; stored with every judgment.
pub const JUDGE_VERSION: &str = "judge-rubric-v1";

/// A judge's verdicts, one per principle in the probe's order; None if the
/// reply does not give a verdict for every principle.
pub fn parse_judgment(reply: &str, count: usize) -> Option<Vec<bool>> {
    let mut verdicts = vec![None; count];
    for line in reply.lines() {
        let l = line.trim().trim_matches(|c| c == '*' || c == '`');
        let Some((num, rest)) = l.split_once([':', '.', ')']) else {
            continue;
        };
        let Ok(n) = num
            .trim()
            .trim_matches(|c| c == '*' || c == '#')
            .parse::<usize>()
        else {
            continue;
        };
        let word = words(rest)
            .first()
            .map(|w| w.to_ascii_lowercase())
            .unwrap_or_default();
        let v = match word.as_str() {
            "yes" => true,
            "no" => false,
            _ => continue,
        };
        if (1..=count).contains(&n) {
            verdicts[n - 1] = Some(v);
        }
    }
    verdicts.into_iter().collect()
}

/// The majority verdict per principle over the judges whose reply could
/// be read (a tie counts as not named); None if no judge's reply could.
pub fn majority(judgments: &[Option<Vec<bool>>], count: usize) -> Option<Vec<bool>> {
    let read: Vec<&Vec<bool>> = judgments
        .iter()
        .flatten()
        .filter(|v| v.len() == count)
        .collect();
    if read.is_empty() {
        return None;
    }
    Some(
        (0..count)
            .map(|i| 2 * read.iter().filter(|v| v[i]).count() > read.len())
            .collect(),
    )
}

/// One subject's answer to one probe, as scoring needs it.
pub struct Answer<'a> {
    pub probe: &'a Probe,
    /// None when no answer could be had (left out, not scored 0).
    pub grade: Option<&'a Grade>,
    /// Explain: the judges' verdicts, one list per judge.
    pub judgments: Vec<Option<Vec<bool>>>,
}

/// How well a subject understood one task.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskUnderstanding {
    pub task: String,
    /// Identify score (Jaccard), if answered.
    pub identify: Option<f64>,
    /// Mean recognize score over the task's insecure references, if answered.
    pub recognize: Option<f64>,
    /// Share of the task's principles the judges' majority found named, if judged.
    pub explain: Option<f64>,
    /// Mean of the available probe scores above; None if none is available.
    pub score: Option<f64>,
    /// Per principle of the task: the mean of the available signals (chosen
    /// in identify; chosen with the right implementation in recognize, for
    /// the probes where the principle is broken; named in explain).
    pub principles: Vec<(String, Option<f64>)>,
}

fn mean(xs: &[f64]) -> Option<f64> {
    (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Score a subject's understanding of `task` from its answers to the
/// task's probes.
pub fn task_understanding(task: &Task, answers: &[Answer]) -> TaskUnderstanding {
    let mine: Vec<&Answer> = answers.iter().filter(|a| a.probe.task == task.id).collect();
    let mut identify = Vec::new();
    let mut recognize = Vec::new();
    let mut explain = Vec::new();
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); task.principles.len()];
    for a in &mine {
        match (&a.probe.key, a.grade) {
            (Key::Identify { options, .. }, Some(g)) => {
                identify.push(g.score);
                for (i, p) in task.principles.iter().enumerate() {
                    let chosen = options
                        .iter()
                        .position(|o| o == p)
                        .is_some_and(|k| g.chosen.contains(&letter(k)));
                    per[i].push(if g.parsed && chosen { 1.0 } else { 0.0 });
                }
            }
            (
                Key::Recognize {
                    options,
                    correct,
                    unsafe_label,
                    ..
                },
                Some(g),
            ) => {
                recognize.push(g.score);
                let right = g.parsed && g.unsafe_label == Some(*unsafe_label);
                for (i, p) in task.principles.iter().enumerate() {
                    let Some(k) = options.iter().position(|o| o == p) else {
                        continue;
                    };
                    if correct.contains(&letter(k)) {
                        let chosen = g.chosen.contains(&letter(k));
                        per[i].push(if right && chosen { 1.0 } else { 0.0 });
                    }
                }
            }
            (Key::Explain { principles }, _) => {
                if let Some(m) = majority(&a.judgments, principles.len()) {
                    explain.push(m.iter().filter(|v| **v).count() as f64 / m.len().max(1) as f64);
                    for (i, p) in task.principles.iter().enumerate() {
                        if let Some(k) = principles.iter().position(|o| o == p) {
                            per[i].push(if m[k] { 1.0 } else { 0.0 });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let identify = mean(&identify);
    let recognize = mean(&recognize);
    let explain = mean(&explain);
    let parts: Vec<f64> = [identify, recognize, explain]
        .into_iter()
        .flatten()
        .collect();
    TaskUnderstanding {
        task: task.id.clone(),
        identify,
        recognize,
        explain,
        score: mean(&parts),
        principles: task
            .principles
            .iter()
            .cloned()
            .zip(per.iter().map(|v| mean(v)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("p{i}")).collect()
    }

    fn set(s: &str) -> Option<BTreeSet<char>> {
        Some(s.chars().collect())
    }

    #[test]
    fn letters_in_many_formats() {
        let o = opts(8);
        assert_eq!(parse_letters("ANSWER: B, E", &o), set("BE"));
        assert_eq!(
            parse_letters("Reasoning...\n**Answer:** b and e", &o),
            set("BE")
        );
        assert_eq!(parse_letters("`ANSWER: A,C,H`", &o), set("ACH"));
        assert_eq!(parse_letters("ANSWER: none", &o), Some(BTreeSet::new()));
        assert_eq!(
            parse_letters("The relevant ones are (B) and (D).", &o),
            set("BD")
        );
        assert_eq!(
            parse_letters("- B. confine paths\n- D. check input", &o),
            set("BD")
        );
        assert_eq!(
            parse_letters("I would pick options A, C and F.", &o),
            set("ACF")
        );
        assert_eq!(parse_letters("p3 and p5 apply here", &o), set("DF"));
        // Out of range, prose without cited letters, and a stray article: unread.
        assert_eq!(parse_letters("ANSWER: Z", &o), None);
        assert_eq!(
            parse_letters("A function like this must be careful.", &o),
            None
        );
        assert_eq!(parse_letters("", &o), None);
    }

    #[test]
    fn unsafe_label_and_judgments() {
        assert_eq!(parse_unsafe("UNSAFE: B\nANSWER: A"), Some('B'));
        assert_eq!(parse_unsafe("**Unsafe:** a"), Some('A'));
        assert_eq!(
            parse_unsafe("Implementation B is unsafe because..."),
            Some('B')
        );
        assert_eq!(
            parse_unsafe("Implementation A is fine, implementation B is vulnerable."),
            Some('B')
        );
        assert_eq!(parse_unsafe("Both could be unsafe."), None);
        assert_eq!(parse_judgment("1: YES\n2: no", 2), Some(vec![true, false]));
        assert_eq!(
            parse_judgment("**1.** Yes\n2) NO — missing", 2),
            Some(vec![true, false])
        );
        assert_eq!(parse_judgment("1: YES", 2), None);
    }

    #[test]
    fn jaccard_and_exact() {
        let probe = Probe {
            id: "identify:t".into(),
            kind: ProbeKind::Identify,
            task: "t".into(),
            prompt: String::new(),
            key: Key::Identify {
                options: opts(8),
                correct: "BD".chars().collect(),
            },
        };
        let g = grade(&probe, "ANSWER: B, D").unwrap();
        assert!(g.exact && g.parsed && g.score == 1.0);
        let g = grade(&probe, "ANSWER: B, C").unwrap();
        assert!(!g.exact);
        assert!((g.jaccard - 1.0 / 3.0).abs() < 1e-12);
        let g = grade(&probe, "no idea").unwrap();
        assert!(!g.parsed && g.score == 0.0);
    }

    #[test]
    fn builtin_probes_are_deterministic_and_references_grade_as_expected() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
        let suite = crate::suite::load(&root).unwrap();
        let tasks: Vec<&Task> = suite.tasks.iter().collect();
        let a = probes(&suite, &tasks, 7).unwrap();
        assert_eq!(a, probes(&suite, &tasks, 7).unwrap());
        let other = probes(&suite, &tasks, 8).unwrap();
        assert_ne!(a, other, "another seed shuffles differently");
        let recognize: usize = tasks.iter().map(|t| t.insecure_refs.len()).sum();
        let mut graded = Vec::new();
        assert_eq!(a.len(), 2 * tasks.len() + recognize);
        for p in &a {
            let task = suite.task(&p.task).unwrap();
            if let Key::Identify { options, correct }
            | Key::Recognize {
                options, correct, ..
            } = &p.key
            {
                assert!(options.len() >= OPTIONS && !correct.is_empty(), "{}", p.id);
                for id in options.iter().filter(|id| !task.principles.contains(id)) {
                    let d = suite.principle(id).unwrap();
                    assert!(
                        !d.cwes.iter().any(|c| task.cwes.contains(c)),
                        "{}: distractor {id} shares a CWE with the task",
                        p.id
                    );
                }
            }
            match p.kind {
                ProbeKind::Explain => {
                    assert!(grade(p, "x").is_none());
                    let reply: String = (1..=task.principles.len())
                        .map(|i| format!("{i}: YES\n"))
                        .collect();
                    assert!(judge_prompt(&suite, p, "answer").is_some());
                    assert_eq!(
                        parse_judgment(&reply, task.principles.len()),
                        Some(vec![true; task.principles.len()])
                    );
                }
                _ => {
                    let good = grade(p, &reference_answer(&suite, p, true)).unwrap();
                    let bad = grade(p, &reference_answer(&suite, p, false)).unwrap();
                    graded.push((p, good.clone(), bad.clone()));
                    assert!(good.exact && good.score == 1.0, "{}: {good:?}", p.id);
                    assert!(bad.parsed && bad.score < 0.5, "{}: {bad:?}", p.id);
                }
            }
        }
        // Understanding: the key's answers score 1 everywhere; the naive
        // answers score below 0.5 on every task and principle.
        for task in &tasks {
            for knows in [true, false] {
                let answers: Vec<Answer> = graded
                    .iter()
                    .filter(|(p, _, _)| p.task == task.id)
                    .map(|(p, good, bad)| Answer {
                        probe: p,
                        grade: Some(if knows { good } else { bad }),
                        judgments: Vec::new(),
                    })
                    .collect();
                let u = task_understanding(task, &answers);
                assert!(u.explain.is_none());
                let score = u.score.unwrap();
                if knows {
                    assert_eq!(score, 1.0, "{}", task.id);
                    assert!(u.principles.iter().all(|(_, v)| *v == Some(1.0)));
                } else {
                    assert!(score < 0.5, "{}: {u:?}", task.id);
                    assert!(u.principles.iter().all(|(_, v)| v.unwrap() < 0.5), "{u:?}");
                }
            }
        }
    }

    #[test]
    fn judges_majority_and_explain_scores() {
        assert_eq!(
            majority(&[Some(vec![true, false]), Some(vec![true, true]), None], 2),
            Some(vec![true, false]),
            "a tie is not named"
        );
        assert_eq!(majority(&[None, Some(vec![true])], 2), None);
    }
}
