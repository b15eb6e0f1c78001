//! Extracting the candidate's code from a subject's response.
//!
//! Handles fenced blocks with or without a language tag (indented, with
//! file names in the info string, unclosed), several blocks (chosen and
//! joined by what defines the task's interface, see [`extract`] and
//! docs/extraction.md), diffs, reasoning before the answer, responses with
//! no block at all, refusals, and empty or oversized responses. What code
//! defines and uses is the language's to say
//! ([`crate::lang::LanguageSupport::code_facts`]). Every response yields
//! an `Extraction`; nothing here can fail.

use crate::model::Failure;
use serde::{Deserialize, Serialize};

use crate::lang::{CodeFacts, Language};

/// Responses larger than this are not executed.
pub const MAX_RESPONSE_BYTES: usize = 512 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Extraction {
    /// Code to execute, and how it was found.
    Code { code: String, how: String },
    /// The response is empty or only whitespace.
    Empty,
    /// The response is larger than MAX_RESPONSE_BYTES.
    TooLarge { bytes: usize },
    /// The subject declined the task.
    Refusal,
    /// The response holds no code in the task's language.
    NoCode,
}

impl Extraction {
    /// The failure recorded for a sample that has no code.
    pub fn failure(&self) -> Option<Failure> {
        match self {
            Extraction::Code { .. } => None,
            Extraction::Empty => Some(Failure::EmptyResponse),
            Extraction::TooLarge { .. } => Some(Failure::ResponseTooLarge),
            Extraction::Refusal => Some(Failure::Refusal),
            Extraction::NoCode => Some(Failure::NoCode),
        }
    }
}

/// A fenced block of a response, or the new side of a diff.
#[derive(Debug, Clone)]
struct Block {
    /// The info string's language word, lowercased (`python` for
    /// `python:solution.py`, `py` for `solution.py`).
    tag: String,
    body: String,
    /// The prose between the previous block and this one.
    lead: String,
}

/// An opening or closing fence: its character, its length, its
/// indentation and its info string.
fn fence_of(line: &str) -> Option<(char, usize, usize, &str)> {
    let t = line.trim_start_matches([' ', '\t']);
    let indent = line.len() - t.len();
    let c = t.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = t.chars().take_while(|&x| x == c).count();
    let info = t[n..].trim();
    if n < 3 || (c == '`' && info.contains('`')) {
        return None;
    }
    Some((c, n, indent, info))
}

/// The language word of an info string: `python`, `{.python}`,
/// `python:solution.py`, `c title="x.c"`, `js filename=a.js`,
/// `language-go`, or a bare file name (`solution.py` gives `py`).
fn tag_of(info: &str) -> String {
    let word = info
        .split(|ch: char| ch.is_whitespace() || ch == ',' || ch == '}')
        .next()
        .unwrap_or("")
        .trim_start_matches(['{', '.']);
    let word = word.strip_prefix("language-").unwrap_or(word);
    let word = word.split(':').next().unwrap_or(word);
    let word = match word.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && !ext.is_empty() => ext,
        _ => word,
    };
    word.to_ascii_lowercase()
}

/// Every fenced block, in order. Fences may be indented (inside a list);
/// the body loses the opening fence's indentation. An unclosed fence (a
/// truncated response) runs to the end.
fn blocks(text: &str) -> (Vec<Block>, String) {
    struct Open<'a> {
        c: char,
        n: usize,
        indent: usize,
        tag: String,
        body: Vec<&'a str>,
    }
    let mut out = Vec::new();
    let mut prose = String::new();
    let mut lead = String::new();
    let mut open: Option<Open> = None;
    let dedent = |line: &'_ str, indent: usize| -> String {
        let strip = line
            .char_indices()
            .take_while(|&(i, c)| i < indent && (c == ' ' || c == '\t'))
            .count();
        line[strip..].to_string()
    };
    for line in text.split('\n') {
        match &mut open {
            None => match fence_of(line) {
                Some((c, n, indent, info)) => {
                    open = Some(Open {
                        c,
                        n,
                        indent,
                        tag: tag_of(info),
                        body: Vec::new(),
                    });
                }
                None => {
                    lead.push_str(line);
                    lead.push('\n');
                    prose.push_str(line);
                    prose.push('\n');
                }
            },
            Some(o) => match fence_of(line) {
                Some((c2, n2, _, info)) if c2 == o.c && n2 >= o.n && info.is_empty() => {
                    let o = open.take().expect("open");
                    out.push(Block {
                        tag: o.tag,
                        body: o
                            .body
                            .iter()
                            .map(|l| dedent(l, o.indent))
                            .collect::<Vec<_>>()
                            .join("\n"),
                        lead: std::mem::take(&mut lead),
                    });
                }
                _ => o.body.push(line),
            },
        }
    }
    if let Some(o) = open {
        if o.body.iter().any(|l| !l.trim().is_empty()) {
            let body: Vec<String> = o.body.iter().map(|l| dedent(l, o.indent)).collect();
            out.push(Block {
                tag: o.tag,
                body: body.join("\n").trim_end().to_string(),
                lead,
            });
        }
    }
    (out, prose)
}

/// The new side of a unified diff (`+` and context lines), if `body` is one.
fn new_side(body: &str, tagged_diff: bool) -> Option<String> {
    let headed = body
        .lines()
        .any(|l| l.starts_with("@@") || l.starts_with("+++ "));
    if !tagged_diff && !headed {
        return None;
    }
    let mut out = Vec::new();
    for l in body.lines() {
        if l.starts_with("+++ ")
            || l.starts_with("--- ")
            || l.starts_with("@@")
            || l.starts_with("diff ")
            || l.starts_with("index ")
            || l.starts_with('\\')
            || l.starts_with('-')
        {
            continue;
        }
        out.push(l.strip_prefix(['+', ' ']).unwrap_or(l));
    }
    Some(out.join("\n"))
}

const REFUSALS: &[&str] = &[
    "i can't help",
    "i cannot help",
    "i can't assist",
    "i cannot assist",
    "i won't",
    "i will not",
    "i'm not able to",
    "i am not able to",
    "i'm unable to",
    "i am unable to",
    "i must decline",
    "i can't provide",
    "i cannot provide",
    "i'm sorry, but",
];

/// Whether prose (never code: callers pass text outside code) opens
/// with a refusal.
fn is_refusal(prose: &str) -> bool {
    let head: String = prose
        .trim_start()
        .chars()
        .take(400)
        .collect::<String>()
        .to_lowercase();
    let head = head.replace('\u{2019}', "'");
    REFUSALS.iter().any(|r| head.contains(r))
}

/// Phrases in the prose before a block that mark it as not the answer.
const NOT_THE_ANSWER: &[&str] = &[
    "do not use",
    "don't use",
    "never use",
    "bad example",
    "bad:",
    "insecure version",
    "insecure example",
    "insecure implementation",
    "insecure code",
    "insecure (",
    "(insecure)",
    "vulnerable version",
    "vulnerable example",
    "vulnerable implementation",
    "vulnerable code",
    "(vulnerable)",
    "what not to do",
    "don't do this",
    "do not do this",
    "wrong way",
    "incorrect version",
    "anti-pattern",
    "\u{274c}",
];

/// Phrases that, in the same prose, say the block is the answer after all
/// ("don't use concatenation; here is the secure version").
const THE_ANSWER: &[&str] = &[
    "secure version",
    "safe version",
    "secure implementation",
    "safe implementation",
    "fixed version",
    "correct version",
    "improved version",
    "use this",
    "recommended",
    "\u{2705}",
];

/// Whether the prose before a block marks it as not the answer: a marker
/// of [`NOT_THE_ANSWER`] and, once those are removed, none of [`THE_ANSWER`].
fn marked_not_the_answer(lead: &str) -> bool {
    let tail: String = {
        let chars: Vec<char> = lead.chars().collect();
        chars[chars.len().saturating_sub(600)..].iter().collect()
    };
    let mut text = tail.to_lowercase().replace('\u{2019}', "'");
    let mut marked = false;
    for m in NOT_THE_ANSWER {
        if text.contains(m) {
            marked = true;
            text = text.replace(m, " ");
        }
    }
    marked && !THE_ANSWER.iter().any(|m| text.contains(m))
}

/// Whether a line of an unfenced response is prose: a sentence, not code.
fn is_prose_line(line: &str) -> bool {
    let t = line.trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    if !t.starts_with(|c: char| c.is_uppercase()) || words.len() < 4 {
        return false;
    }
    if t.ends_with(['{', ';', '(', ',', '=']) || t.contains(" = ") {
        return false;
    }
    let plain = words
        .iter()
        .filter(|w| {
            w.trim_end_matches(['.', ',', ':', '!', '?', ';'])
                .chars()
                .all(|c| c.is_alphabetic() || c == '\'' || c == '\u{2019}' || c == '-')
        })
        .count();
    plain * 4 >= words.len() * 3
}

/// An unfenced response without its leading and trailing sentences.
fn trim_prose(text: &str) -> &str {
    let lines: Vec<&str> = text.split('\n').collect();
    let is_code = |l: &&str| !l.trim().is_empty() && !is_prose_line(l);
    let Some(first) = lines.iter().position(is_code) else {
        return "";
    };
    let last = lines.iter().rposition(is_code).unwrap_or(first);
    let start: usize = lines[..first].iter().map(|l| l.len() + 1).sum();
    let end: usize = start
        + lines[first..=last]
            .iter()
            .map(|l| l.len() + 1)
            .sum::<usize>()
        - 1;
    &text[start..end.min(text.len())]
}

/// The response as extraction reads it: no byte-order mark, LF line
/// endings, and only what follows the model's reasoning (`</think>`).
/// None: the reasoning never ended, so there is no answer.
fn answer_of(response: &str) -> Option<String> {
    let text = response
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n");
    const CLOSE: &str = "</think>";
    if let Some(i) = text.rfind(CLOSE) {
        return Some(text[i + CLOSE.len()..].to_string());
    }
    if text.trim_start().starts_with("<think>") {
        return None;
    }
    Some(text)
}

/// One candidate block and what its language says about it.
struct Candidate {
    /// 1-based position among the response's fenced blocks.
    number: usize,
    body: String,
    facts: CodeFacts,
    /// The interface names it defines.
    defines: Vec<String>,
    rejected: bool,
}

/// Find the candidate's code for a task in `lang` whose interface defines
/// `names`. The policy is docs/extraction.md's:
///
/// 1. Blocks in the task's language (by tag, or untagged and looking like
///    it; diffs give their new side) are the candidates.
/// 2. The answer is the last block that defines the most interface names,
///    among the blocks the prose before them does not mark as not the
///    answer ("do not use", "insecure version", ...); names it lacks come
///    from the last other block defining them.
/// 3. Blocks that only test or demonstrate (they run code when loaded, or
///    define only `main`/test functions) are dropped; blocks that define
///    what the answer uses and does not define (helpers, imports), and
///    blocks of bare includes, are joined in front of it.
/// 4. No block: the unfenced response, without its leading and trailing
///    sentences, if it defines the interface. A refusal is read from the
///    prose only, never from code or its comments.
pub fn extract(response: &str, lang: Language, names: &[String]) -> Extraction {
    if response
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Extraction::Empty;
    }
    if response.len() > MAX_RESPONSE_BYTES {
        return Extraction::TooLarge {
            bytes: response.len(),
        };
    }
    let Some(answer) = answer_of(response) else {
        return Extraction::NoCode;
    };
    let (all, prose) = blocks(&answer);
    let defines_any = |facts: &CodeFacts| -> Vec<String> {
        names
            .iter()
            .filter(|n| facts.functions.contains(n) && !facts.entry_points.contains(n))
            .cloned()
            .collect()
    };
    let mut pool: Vec<Candidate> = Vec::new();
    for (i, b) in all.iter().enumerate() {
        let diff = b.tag == "diff" || b.tag == "patch";
        let body = if diff || b.tag.is_empty() || lang.fence_tags().contains(&b.tag.as_str()) {
            new_side(&b.body, diff).unwrap_or_else(|| b.body.clone())
        } else {
            continue;
        };
        let tagged = lang.fence_tags().contains(&b.tag.as_str());
        if !tagged && !lang.looks_like(&body) {
            continue;
        }
        let facts = lang.code_facts(&body);
        pool.push(Candidate {
            number: i + 1,
            defines: defines_any(&facts),
            facts,
            body,
            rejected: marked_not_the_answer(&b.lead),
        });
    }
    if pool.is_empty() {
        if all.is_empty() {
            let code = trim_prose(&answer);
            if lang.looks_like(code)
                && (names.is_empty() || !defines_any(&lang.code_facts(code)).is_empty())
            {
                return Extraction::Code {
                    code: lang.join_code(&[code.trim_matches('\n')]),
                    how: "whole response (no fence)".into(),
                };
            }
            let sentences: String = answer
                .lines()
                .filter(|l| is_prose_line(l) || !lang.looks_like(l))
                .collect::<Vec<_>>()
                .join("\n");
            if is_refusal(&sentences) {
                return Extraction::Refusal;
            }
            return Extraction::NoCode;
        }
        return if is_refusal(&prose) {
            Extraction::Refusal
        } else {
            Extraction::NoCode
        };
    }
    let of = all.len();
    if pool.iter().all(|c| c.defines.is_empty()) {
        if !names.is_empty() && is_refusal(&prose) {
            return Extraction::Refusal;
        }
        // Nothing defines the interface: the longest block that is not a
        // test or demo is the best guess (it will fail to build or load,
        // which is what the response deserves). A task with no interface
        // (a web application) asks for a whole program, which runs code
        // by nature: there the longest block is the answer.
        let whole_program = names.is_empty();
        let best = pool
            .iter()
            .max_by_key(|c| (whole_program || !c.facts.is_test_or_demo(), c.body.len()))
            .expect("non-empty pool");
        return Extraction::Code {
            code: lang.join_code(&[best.body.as_str()]),
            how: if pool.len() == 1 && of == 1 {
                "fenced block".into()
            } else {
                format!(
                    "fenced block {} of {of} (defines no interface name)",
                    best.number
                )
            },
        };
    }
    select(&pool, names, lang, of)
}

/// Rules 2 and 3 of [`extract`] over candidates of which at least one
/// defines an interface name.
fn select(pool: &[Candidate], names: &[String], lang: Language, of: usize) -> Extraction {
    let eligible: Vec<usize> = {
        let fine: Vec<usize> = (0..pool.len())
            .filter(|&i| !pool[i].defines.is_empty() && !pool[i].rejected)
            .collect();
        if fine.is_empty() {
            // Every definition is marked: the response has no other answer.
            (0..pool.len())
                .filter(|&i| !pool[i].defines.is_empty())
                .collect()
        } else {
            fine
        }
    };
    let primary = *eligible
        .iter()
        .max_by_key(|&&i| (pool[i].defines.len(), i))
        .expect("a defining block");
    let mut chosen = vec![primary];
    let defined_by = |chosen: &[usize]| -> std::collections::BTreeSet<&String> {
        chosen
            .iter()
            .flat_map(|&i| pool[i].facts.defined())
            .collect()
    };
    let conflicts = |i: usize, chosen: &[usize]| {
        let have: std::collections::BTreeSet<&String> = chosen
            .iter()
            .flat_map(|&i| pool[i].facts.definitions())
            .collect();
        pool[i].facts.definitions().any(|n| have.contains(n))
    };
    for name in names {
        if chosen.iter().any(|&i| pool[i].defines.contains(name)) {
            continue;
        }
        if let Some(&j) = eligible
            .iter()
            .rev()
            .find(|&&j| pool[j].defines.contains(name) && !conflicts(j, &chosen))
        {
            chosen.push(j);
        }
    }
    let interface_blocks = chosen.clone();
    // Helpers: blocks that define what the chosen code uses and lacks.
    let mut helpers: Vec<usize> = Vec::new();
    loop {
        let all: Vec<usize> = interface_blocks.iter().chain(&helpers).copied().collect();
        let have = defined_by(&all);
        let needed: std::collections::BTreeSet<&String> = all
            .iter()
            .flat_map(|&i| &pool[i].facts.mentions)
            .filter(|m| !have.contains(m))
            .collect();
        let next = (0..pool.len()).find(|&k| {
            let c = &pool[k];
            !all.contains(&k)
                && !c.rejected
                && !c.facts.is_test_or_demo()
                && !conflicts(k, &all)
                && ((c.facts.preamble_only && c.facts.imports.is_empty())
                    || c.facts.defined().any(|n| needed.contains(n)))
        });
        match next {
            Some(k) => helpers.push(k),
            None => break,
        }
    }
    let mut order: Vec<usize> = Vec::new();
    let mut preamble: Vec<usize> = helpers
        .iter()
        .copied()
        .filter(|&k| pool[k].facts.preamble_only)
        .collect();
    preamble.sort_unstable();
    let mut rest: Vec<usize> = helpers
        .iter()
        .copied()
        .filter(|&k| !pool[k].facts.preamble_only)
        .collect();
    rest.sort_unstable();
    let mut main = interface_blocks.clone();
    main.sort_unstable();
    order.extend(preamble);
    order.extend(rest);
    order.extend(main);
    let parts: Vec<&str> = order.iter().map(|&i| pool[i].body.as_str()).collect();
    let code = lang.join_code(&parts);
    let numbers = |list: &[usize]| {
        list.iter()
            .map(|&i| pool[i].number.to_string())
            .collect::<Vec<_>>()
            .join("+")
    };
    let mut how = if order.len() == 1 {
        if of == 1 {
            "fenced block".to_string()
        } else {
            format!("fenced block {} of {of}", pool[primary].number)
        }
    } else {
        format!(
            "fenced blocks {} of {of} joined (interface in {})",
            numbers(&order),
            numbers(&interface_blocks)
        )
    };
    let skipped: Vec<usize> = (0..pool.len())
        .filter(|&i| pool[i].rejected && !order.contains(&i))
        .collect();
    if !skipped.is_empty() {
        how.push_str(&format!("; {} marked as not the answer", numbers(&skipped)));
    }
    Extraction::Code { code, how }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn lang(name: &str) -> Language {
        Language::named(name).unwrap()
    }

    fn code(e: Extraction) -> String {
        match e {
            Extraction::Code { code, .. } => code,
            other => panic!("expected code, got {other:?}"),
        }
    }

    #[test]
    fn a_task_without_an_interface_takes_the_whole_program() {
        // A web app: the server (which runs code) over a shorter helper
        // block that only defines something.
        let r = "Models:\n```python\ndef note(t):\n    return {'t': t}\n```\nThe app:\n```python\nimport os\nfrom flask import Flask\napp = Flask(__name__)\n@app.get('/')\ndef home():\n    return 'hi'\napp.run(port=int(os.environ['PORT']))\n```";
        assert!(code(extract(r, lang("python"), &[])).contains("app.run("));
    }

    #[test]
    fn tagged_block() {
        let r = "Here you go:\n```python\ndef f(x):\n    return x\n```\nDone.";
        assert_eq!(
            code(extract(r, lang("python"), &names(&["f"]))),
            "def f(x):\n    return x"
        );
    }

    #[test]
    fn untagged_block_that_looks_like_the_language() {
        let r = "```\nimport os\ndef f():\n    pass\n```";
        assert!(code(extract(r, lang("python"), &names(&["f"]))).starts_with("import os"));
    }

    #[test]
    fn picks_block_defining_the_interface() {
        let r = "Usage:\n```python\nprint(f(1))\n```\nImplementation:\n```python\ndef f(x):\n    return x + 1\n```\nTest:\n```python\nassert f(1) == 2\n```";
        assert_eq!(
            code(extract(r, lang("python"), &names(&["f"]))),
            "def f(x):\n    return x + 1"
        );
    }

    #[test]
    fn joins_blocks_that_together_define_the_interface() {
        let r = "```c\nint a(void) { return 1; }\n```\nand\n```c\nint b(void) { return 2; }\n```";
        let c = code(extract(r, lang("c"), &names(&["a", "b"])));
        assert!(c.contains("int a(void)") && c.contains("int b(void)"));
    }

    #[test]
    fn ignores_blocks_in_other_languages() {
        let r =
            "```bash\npip install x\n```\n```c\n#include <stdio.h>\nint g(void) { return 0; }\n```";
        assert!(code(extract(r, lang("c"), &names(&["g"]))).contains("#include"));
    }

    #[test]
    fn tilde_fences_and_longer_fences() {
        let r = "~~~python\ndef f():\n    s = '```'\n    return s\n~~~";
        assert!(code(extract(r, lang("python"), &names(&["f"]))).contains("'```'"));
        let r = "````python\ndef f():\n```\nnot a close\n```\n````";
        assert!(code(extract(r, lang("python"), &names(&["f"]))).contains("not a close"));
    }

    #[test]
    fn unclosed_fence_runs_to_end() {
        let r = "```python\ndef f():\n    return 1";
        assert_eq!(
            code(extract(r, lang("python"), &names(&["f"]))),
            "def f():\n    return 1"
        );
    }

    #[test]
    fn bare_code_without_fence() {
        let r = "def f(x):\n    return 2 * x\n";
        assert!(code(extract(r, lang("python"), &names(&["f"]))).contains("return 2 * x"));
    }

    #[test]
    fn refusal_empty_huge_and_prose() {
        assert_eq!(
            extract(
                "I'm sorry, but I can't help with that request.",
                lang("python"),
                &names(&["f"])
            ),
            Extraction::Refusal
        );
        assert_eq!(extract("  \n\t", lang("c"), &[]), Extraction::Empty);
        let huge = "x".repeat(MAX_RESPONSE_BYTES + 1);
        assert!(matches!(
            extract(&huge, lang("c"), &[]),
            Extraction::TooLarge { .. }
        ));
        assert_eq!(
            extract(
                "You should validate the path first.",
                lang("python"),
                &names(&["f"])
            ),
            Extraction::NoCode
        );
    }

    #[test]
    fn refusal_with_code_still_gives_code() {
        let r = "I won't add logging, but here is the function:\n```python\ndef f():\n    return 1\n```";
        assert!(matches!(
            extract(r, lang("python"), &names(&["f"])),
            Extraction::Code { .. }
        ));
    }
}
