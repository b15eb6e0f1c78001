//! Level 1 grading: answers to probes are read tolerantly (letters in
//! varied formats, principle ids, prose around them) and graded exactly;
//! an answer that cannot be read is recorded as unparsed and scored 0,
//! never guessed. Explain answers go to judges with a fixed rubric, and
//! their majority decides. The understanding scores of a task come from
//! these grades.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::model::{Grade, Key, Probe, JUDGE_VERSION};
use crate::plan::probe::{letter, letter_index};
use crate::suite::{Suite, Task};

/// One option of an identify or recognize probe as the reader sees it:
/// the principle's id and title (an answer may cite either, or both).
#[derive(Debug, Clone, Copy)]
pub struct Choice<'a> {
    pub id: &'a str,
    pub title: &'a str,
}

/// The options of `options` (principle ids), with their titles from the catalog.
pub fn choices<'a>(suite: &'a Suite, options: &'a [String]) -> Vec<Choice<'a>> {
    options
        .iter()
        .map(|id| Choice {
            id,
            title: suite.principle(id).map_or("", |p| p.title.as_str()),
        })
        .collect()
}

/// The labels answers are asked to write.
const LABELS: [&str; 2] = ["answer", "unsafe"];

/// Every value written after `LABEL:` in `text`, in order. The label may
/// start a line or follow a separator on it (`UNSAFE: 2 / ANSWER: A`),
/// with markdown around it (`**ANSWER:** A`, `### Answer: A`); a value
/// runs to the next label on the line or the line's end; an empty value
/// takes the lines below it up to a blank line (a list under `ANSWER:`).
fn fields(text: &str, label: &str) -> Vec<String> {
    // Markdown marks become spaces, byte for byte, so offsets stay put.
    let plain: String = text
        .chars()
        .map(|c| {
            if matches!(c, '*' | '`' | '#' | '_') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let lines: Vec<&str> = plain.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let lower = line.to_ascii_lowercase();
        for (at, _) in lower.match_indices(label) {
            // A word of its own ("final answer:" too, not "reanswer:").
            if lower[..at].ends_with(|c: char| c.is_ascii_alphanumeric()) {
                continue;
            }
            let rest = lower[at + label.len()..].trim_start();
            if !rest.starts_with(':') {
                continue;
            }
            let from = line.len() - rest.len() + 1;
            // The value ends where another label begins on the same line.
            let tail = &lower[from..];
            let stop = LABELS
                .iter()
                .filter(|l| **l != label)
                .filter_map(|l| {
                    tail.match_indices(l)
                        .map(|(k, _)| k)
                        .find(|&k| tail[k + l.len()..].trim_start().starts_with(':'))
                })
                .min()
                .unwrap_or(tail.len());
            let value = line[from..from + stop]
                .trim()
                .trim_end_matches(['/', '|', ',', ';'])
                .trim();
            if value.is_empty() {
                let below: Vec<&str> = lines[i + 1..]
                    .iter()
                    .take_while(|l| !l.trim().is_empty())
                    .copied()
                    .collect();
                out.push(below.join("\n"));
            } else {
                out.push(value.to_string());
            }
        }
    }
    out
}

/// The value that decides: the last one that is not the prompt's
/// placeholder echoed back (`<letters>`, `<1 or 2>`).
fn decisive(values: Vec<String>) -> Option<String> {
    values
        .into_iter()
        .rev()
        .find(|v| !(v.trim().is_empty() || v.contains('<') && v.contains('>')))
}

/// Split into alphanumeric words (ids keep their hyphens).
fn words(s: &str) -> Vec<&str> {
    s.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .map(|w| w.trim_matches('-'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Words that carry no choice in an answer line.
const FILLERS: [&str; 9] = [
    "and",
    "options",
    "option",
    "principles",
    "principle",
    "letters",
    "letter",
    "are",
    "is",
];

/// Words that say no principle applies.
const NONE_WORDS: [&str; 3] = ["none", "nothing", "neither"];

/// Content words of a title or a description, for matching one to the other.
fn content_words(s: &str) -> BTreeSet<String> {
    words(s)
        .into_iter()
        .filter(|w| w.len() >= 4)
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

/// Letters chosen in `text` among `options` (lettered A, B, ... in order).
///
/// With an `ANSWER:` field, its last value that is not the placeholder
/// decides, and nothing else of the text is read. The value is a list of
/// items separated by commas, semicolons, slashes, `&`, `and` or line
/// breaks; each item is
/// - a letter in either case (`B`, `b`, `(B)`, `B.`, `B)`), optionally
///   followed by its principle's text (`B. Bound parameters`,
///   `B (bound parameters)`, `B - ...`);
/// - letters run together (`ABC`);
/// - a principle id (`sql-bound-parameters`) or a principle's title;
/// - `none` (no principle applies), or filler (`options`, `and`).
///
/// The value is refused (None: unparsed, scored 0) when it cannot be read
/// that way or is ambiguous: `or` between choices, a letter out of range,
/// a letter inside prose (`A, maybe C`), a letter whose text is another
/// option's title, or `none` beside letters.
///
/// Without an `ANSWER:` field, letters written the way options are cited
/// (`(B)`, `B)`, `[B]`, `**B**`, `B.` at a line start, "option B") and
/// principle ids anywhere in the text are read. None if nothing could be.
pub fn parse_letters(text: &str, options: &[Choice]) -> Option<BTreeSet<char>> {
    let fields = fields(text, "answer");
    if !fields.is_empty() {
        return read_answer(&decisive(fields)?, options);
    }
    cited_letters(text, options)
}

/// Read the value of an `ANSWER:` field (see [`parse_letters`]).
fn read_answer(value: &str, options: &[Choice]) -> Option<BTreeSet<char>> {
    let n = options.len();
    let letter_of = |w: &str| -> Option<char> {
        let mut cs = w.chars();
        let c = cs.next()?.to_ascii_uppercase();
        (cs.next().is_none() && letter_index(c).is_some_and(|i| i < n)).then_some(c)
    };
    let id_of = |w: &str| -> Option<char> {
        options
            .iter()
            .position(|o| o.id.eq_ignore_ascii_case(w))
            .map(letter)
    };
    // A word that cites an option by letter: uppercase, or the whole item.
    let run_of = |w: &str| -> Option<Vec<char>> {
        let cs: Vec<char> = w.chars().collect();
        let distinct: BTreeSet<char> = cs.iter().copied().collect();
        (cs.len() >= 2
            && distinct.len() == cs.len()
            && cs
                .iter()
                .all(|c| c.is_ascii_uppercase() && letter_index(*c).is_some_and(|i| i < n)))
        .then_some(cs)
    };
    let lower = value.to_ascii_lowercase();
    if words(&lower).contains(&"or") {
        return None;
    }
    // Brackets only group; "and" and "&" separate like commas.
    let flat: String = value
        .chars()
        .map(|c| {
            if matches!(c, '(' | ')' | '[' | ']' | '{' | '}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let mut set = BTreeSet::new();
    let mut none = false;
    for item in flat
        .split([',', ';', '/', '&', '\n', '+'])
        .flat_map(|i| i.split(" and "))
    {
        let ws: Vec<&str> = words(item);
        let ws: Vec<&str> = ws
            .into_iter()
            .skip_while(|w| FILLERS.iter().any(|f| f.eq_ignore_ascii_case(w)))
            .collect();
        let Some(first) = ws.first() else {
            continue;
        };
        if NONE_WORDS.iter().any(|f| f.eq_ignore_ascii_case(first)) {
            none = true;
            continue;
        }
        // Letters apart from each other: `A C E`.
        if ws.len() > 1 && ws.iter().all(|w| letter_of(w).is_some() && w.len() == 1) {
            if ws.iter().any(|w| w.chars().all(|c| c.is_ascii_lowercase())) {
                // "a c" might be prose; only capitals are read this way.
                return None;
            }
            set.extend(ws.iter().filter_map(|w| letter_of(w)));
            continue;
        }
        let chosen: Vec<char> = if let Some(c) = letter_of(first).or_else(|| id_of(first)) {
            vec![c]
        } else if let Some(run) = run_of(first) {
            if ws.len() > 1 {
                return None;
            }
            run
        } else {
            // No letter first: a principle's title, else prose.
            let title = options
                .iter()
                .position(|o| !o.title.is_empty() && content_words(o.title) == content_words(item));
            match title {
                Some(i) => {
                    set.insert(letter(i));
                    continue;
                }
                None if ws.iter().any(|w| letter_of(w).is_some() && *w != "a") => return None,
                None if ws.iter().any(|w| id_of(w).is_some()) => return None,
                None => continue,
            }
        };
        // The rest is the chosen option's text: refuse it when it is
        // another option's title, or cites other letters.
        let rest = ws[1..].join(" ");
        if !rest.is_empty() {
            if ws[1..]
                .iter()
                .any(|w| w.len() == 1 && w.chars().all(|c| c.is_ascii_uppercase()))
            {
                return None;
            }
            let said = content_words(&rest);
            let overlap = |i: usize| content_words(options[i].title).intersection(&said).count();
            let own = letter_index(chosen[0]).map_or(0, overlap);
            if (0..n).any(|i| letter(i) != chosen[0] && overlap(i) > own) {
                return None;
            }
        }
        set.extend(chosen);
    }
    match (set.is_empty(), none) {
        (false, true) => None,
        (true, false) => None,
        _ => Some(set),
    }
}

/// Letters cited the way options are in prose, and principle ids (the
/// reader of answers without an `ANSWER:` field).
fn cited_letters(text: &str, options: &[Choice]) -> Option<BTreeSet<char>> {
    let n = options.len();
    let valid = |c: char| letter_index(c).is_some_and(|i| i < n);
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
    let lower = text.to_ascii_lowercase();
    let ws = words(&lower);
    set.extend(
        options
            .iter()
            .enumerate()
            .filter(|(_, o)| ws.contains(&o.id))
            .map(|(i, _)| letter(i)),
    );
    (!set.is_empty()).then_some(set)
}

/// The implementation named unsafe, '1' or '2'.
///
/// From the `UNSAFE:` field's last value that is not the placeholder:
/// `2`, `#2`, `Implementation 2`, `the second`, `two` (not "one", a pronoun too). A value naming both,
/// or a letter instead of a number (`UNSAFE: A`, the principles' labels),
/// is refused: None. Without the field, a sentence saying which one is
/// unsafe: "Implementation 2 is unsafe", "the second implementation is
/// vulnerable"; when sentences name both, None.
pub fn parse_unsafe(text: &str) -> Option<char> {
    let named = |w: &str| -> Option<char> {
        match w.to_ascii_lowercase().as_str() {
            "1" | "first" | "1st" => Some('1'),
            "2" | "two" | "second" | "2nd" => Some('2'),
            _ => None,
        }
    };
    if let Some(v) = decisive(fields(text, "unsafe")) {
        let ws = words(&v);
        let labels: BTreeSet<char> = ws.iter().filter_map(|w| named(w)).collect();
        let letters = ws
            .iter()
            .any(|w| w.len() == 1 && w.chars().all(|c| c.is_ascii_alphabetic()) && *w != "a");
        return (labels.len() == 1 && !letters).then(|| *labels.iter().next().unwrap());
    }
    let lower = text.to_ascii_lowercase();
    let mut found = BTreeSet::new();
    for sentence in lower.split(['.', ',', ';', '\n', '!']) {
        let ws = words(sentence);
        let says_unsafe = ws
            .iter()
            .any(|w| matches!(*w, "unsafe" | "insecure" | "vulnerable"));
        let denies = ws.iter().any(|w| matches!(*w, "not" | "isn" | "safe"));
        if !says_unsafe || denies {
            continue;
        }
        for (k, w) in ws.iter().enumerate() {
            let next = ws.get(k + 1).copied().unwrap_or("");
            let prev = if k > 0 { ws[k - 1] } else { "" };
            if *w == "implementation" {
                if let Some(l) = named(next).or_else(|| named(prev)) {
                    found.insert(l);
                }
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
pub fn grade(suite: &Suite, probe: &Probe, answer: &str) -> Option<Grade> {
    let unread = Grade {
        parsed: false,
        chosen: BTreeSet::new(),
        unsafe_label: None,
        exact: false,
        jaccard: 0.0,
        score: 0.0,
    };
    match &probe.key {
        Key::Identify { options, correct } => {
            Some(match parse_letters(answer, &choices(suite, options)) {
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
            })
        }
        Key::Recognize {
            unsafe_label,
            options,
            correct,
            ..
        } => {
            let named = parse_unsafe(answer);
            let chosen = parse_letters(answer, &choices(suite, options));
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
    use crate::model::ProbeKind;
    use crate::plan::probe::{probes, reference_answer, OPTIONS};

    fn opts(n: usize) -> Vec<Choice<'static>> {
        const IDS: [&str; 8] = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
        const TITLES: [&str; 8] = [
            "Bound SQL parameters",
            "Confine file paths to their root",
            "Limit sizes before allocating",
            "Check integer arithmetic for overflow",
            "Escape output for its context",
            "Hash passwords with a slow function",
            "Compare secrets in constant time",
            "Validate redirect targets",
        ];
        (0..n)
            .map(|i| Choice {
                id: IDS[i],
                title: TITLES[i],
            })
            .collect()
    }

    fn suite() -> Suite {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
        crate::suite::load(&root).unwrap()
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

    /// Answers in the shapes models give (the first three are replies of
    /// Qwen2.5-Coder 1.5B Instruct at temperature 0 to probes-v2 prompts),
    /// and answers that must stay unread because they are ambiguous.
    #[test]
    fn answers_as_models_write_them() {
        let o = opts(8);
        let read = |t: &str| parse_letters(t, &o);
        // Real replies.
        assert_eq!(read("ANSWER: B, C"), set("BC"));
        assert_eq!(read("UNSAFE: 2\nANSWER: B, D"), set("BD"));
        assert_eq!(read("ANSWER: B, C, D, E, F, G, H"), set("BCDEFGH"));
        assert_eq!(
            parse_unsafe("UNSAFE: 1\nANSWER: A, D, E, F, G, H"),
            Some('1')
        );
        // Letters run together, in any case, with markdown.
        assert_eq!(read("ANSWER: ABC"), set("ABC"));
        assert_eq!(read("**ANSWER:** A"), set("A"));
        assert_eq!(read("**ANSWER: A, C**"), set("AC"));
        assert_eq!(read("### Answer: A, C"), set("AC"));
        assert_eq!(read("answer: a, c"), set("AC"));
        assert_eq!(read("Final answer: A and C"), set("AC"));
        assert_eq!(read("ANSWER: A & C"), set("AC"));
        assert_eq!(read("ANSWER: A C E"), set("ACE"));
        assert_eq!(read("ANSWER: (A), (C)"), set("AC"));
        assert_eq!(read("ANSWER: Options B and E"), set("BE"));
        // Letters with their principle's text.
        assert_eq!(
            read("ANSWER: A (Bound SQL parameters), E (Escape output)"),
            set("AE")
        );
        assert_eq!(
            read("ANSWER: A. Bound SQL parameters; B. Confine file paths to their root"),
            set("AB")
        );
        assert_eq!(
            read("ANSWER:\n- A - Bound SQL parameters\n- C - Limit sizes before allocating\n\nThat is all."),
            set("AC")
        );
        // Titles or ids instead of letters.
        assert_eq!(
            read("ANSWER: Bound SQL parameters, Validate redirect targets"),
            set("AH")
        );
        assert_eq!(read("ANSWER: p1, p4"), set("BE"));
        // One line holding both fields, as models write them.
        assert_eq!(read("UNSAFE: 2 / ANSWER: A, D"), set("AD"));
        assert_eq!(parse_unsafe("UNSAFE: 2 / ANSWER: A, D"), Some('2'));
        // The prompt's placeholder echoed before the real answer.
        assert_eq!(
            read("I must end with `ANSWER: <letters>`.\n\nANSWER: D"),
            set("D")
        );
        // Ambiguous or unreadable: refused, never guessed.
        assert_eq!(read("ANSWER: A or C"), None);
        assert_eq!(read("ANSWER: A, maybe C"), None);
        assert_eq!(read("ANSWER: A, C (and possibly F)"), None);
        assert_eq!(read("ANSWER: none, A"), None);
        assert_eq!(
            read("ANSWER: A (Validate redirect targets)"),
            None,
            "A's text is H's title"
        );
        assert_eq!(read("ANSWER: <letters>"), None);
        assert_eq!(read("ANSWER: I think the answer is A"), None);
        assert_eq!(
            read("ANSWER: a c"),
            None,
            "lower-case letters apart read as prose"
        );
        // Implementations are numbers; principle letters there are refused.
        assert_eq!(parse_unsafe("UNSAFE: A\nANSWER: A"), None);
        assert_eq!(parse_unsafe("UNSAFE: C"), None);
        assert_eq!(parse_unsafe("UNSAFE: 1 or 2"), None);
        assert_eq!(parse_unsafe("UNSAFE: Implementation #2"), Some('2'));
        assert_eq!(parse_unsafe("UNSAFE: the second one"), Some('2'));
        assert_eq!(
            parse_unsafe("The first implementation is vulnerable to injection."),
            Some('1')
        );
        assert_eq!(parse_unsafe("Implementation 2 is not unsafe."), None);
    }

    /// probes-v1's failure: implementations lettered like the principles.
    /// In probes-v2 the question labels them 1 and 2, and the reply the
    /// model gave to v1 (`UNSAFE: A`) is unparsed instead of graded.
    #[test]
    fn recognize_questions_number_implementations_and_letter_principles() {
        let suite = suite();
        let task = suite.task("py-sql-user-lookup").unwrap();
        let all = probes(&suite, &[task], 3).unwrap();
        let p = all.iter().find(|p| p.kind == ProbeKind::Recognize).unwrap();
        assert!(p.prompt.contains("Implementation 1:") && p.prompt.contains("Implementation 2:"));
        assert!(!p.prompt.contains("Implementation A") && !p.prompt.contains("<A or B>"));
        assert!(p.prompt.contains("\nA. ") && p.prompt.contains("`UNSAFE: <"));
        let Key::Recognize { unsafe_label, .. } = &p.key else {
            panic!()
        };
        assert!(['1', '2'].contains(unsafe_label));
        let g = grade(&suite, p, "UNSAFE: A\nANSWER: A").unwrap();
        assert!(!g.parsed && g.score == 0.0, "{g:?}");
        let right = format!("UNSAFE: {unsafe_label}\nANSWER: ABC");
        assert!(grade(&suite, p, &right).unwrap().parsed);
    }

    #[test]
    fn unsafe_label_and_judgments() {
        assert_eq!(parse_unsafe("UNSAFE: 2\nANSWER: A"), Some('2'));
        assert_eq!(parse_unsafe("**Unsafe:** implementation 1"), Some('1'));
        assert_eq!(
            parse_unsafe("Implementation 2 is unsafe because..."),
            Some('2')
        );
        assert_eq!(
            parse_unsafe("Implementation 1 is fine, implementation 2 is vulnerable."),
            Some('2')
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
                options: (0..8).map(|i| format!("p{i}")).collect(),
                correct: "BD".chars().collect(),
            },
        };
        let g = grade(&suite(), &probe, "ANSWER: B, D").unwrap();
        assert!(g.exact && g.parsed && g.score == 1.0);
        let g = grade(&suite(), &probe, "ANSWER: B, C").unwrap();
        assert!(!g.exact);
        assert!((g.jaccard - 1.0 / 3.0).abs() < 1e-12);
        let g = grade(&suite(), &probe, "no idea").unwrap();
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
                    assert!(grade(&suite, p, "x").is_none());
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
                    let good = grade(&suite, p, &reference_answer(&suite, p, true)).unwrap();
                    let bad = grade(&suite, p, &reference_answer(&suite, p, false)).unwrap();
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
