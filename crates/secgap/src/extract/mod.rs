//! Extracting the candidate's code from a subject's response.
//!
//! Handles fenced blocks with or without a language tag, several blocks
//! (chosen by language and by which defines the interface), responses
//! with no block at all, refusals, and empty or oversized responses.
//! Every response yields an `Extraction`; nothing here can fail.

use crate::model::Failure;
use serde::{Deserialize, Serialize};

use crate::lang::Language;

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

#[derive(Debug, Clone)]
struct Block {
    tag: String,
    body: String,
}

fn fence_of(line: &str) -> Option<(char, usize, &str)> {
    let t = line.trim_start();
    if line.len() - t.len() > 3 {
        return None;
    }
    let c = t.chars().next()?;
    if c != '`' && c != '~' {
        return None;
    }
    let n = t.chars().take_while(|&x| x == c).count();
    if n < 3 {
        return None;
    }
    Some((c, n, t[n..].trim()))
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize, String, Vec<&str>)> = None;
    for line in text.lines() {
        match &mut open {
            None => {
                if let Some((c, n, info)) = fence_of(line) {
                    let tag = info
                        .split(|ch: char| ch.is_whitespace() || ch == '{' || ch == ',')
                        .next()
                        .unwrap_or("")
                        .trim_start_matches('.')
                        .to_ascii_lowercase();
                    open = Some((c, n, tag, Vec::new()));
                }
            }
            Some((c, n, tag, body)) => match fence_of(line) {
                Some((c2, n2, info)) if c2 == *c && n2 >= *n && info.is_empty() => {
                    out.push(Block {
                        tag: std::mem::take(tag),
                        body: body.join("\n"),
                    });
                    open = None;
                }
                _ => body.push(line),
            },
        }
    }
    // An unclosed fence (a truncated response) runs to the end.
    if let Some((_, _, tag, body)) = open {
        if !body.is_empty() {
            out.push(Block {
                tag,
                body: body.join("\n"),
            });
        }
    }
    out
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

fn is_refusal(text: &str) -> bool {
    let head: String = text.chars().take(400).collect::<String>().to_lowercase();
    let head = head.replace('\u{2019}', "'");
    REFUSALS.iter().any(|r| head.contains(r))
}

fn defines(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + name.len()..].trim_start().chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_') && after == Some('(')
    })
}

/// Find the candidate's code for a task in `lang` whose interface defines `names`.
pub fn extract(response: &str, lang: Language, names: &[String]) -> Extraction {
    if response.trim().is_empty() {
        return Extraction::Empty;
    }
    if response.len() > MAX_RESPONSE_BYTES {
        return Extraction::TooLarge {
            bytes: response.len(),
        };
    }
    let all = blocks(response);
    let tagged: Vec<&Block> = all
        .iter()
        .filter(|b| lang.fence_tags().contains(&b.tag.as_str()))
        .collect();
    let untagged: Vec<&Block> = all
        .iter()
        .filter(|b| b.tag.is_empty() && lang.looks_like(&b.body))
        .collect();
    let pool = if !tagged.is_empty() { tagged } else { untagged };
    let score = |code: &str| names.iter().filter(|n| defines(code, n)).count();
    if !pool.is_empty() {
        let best = pool
            .iter()
            .max_by_key(|b| (score(&b.body), b.body.len()))
            .expect("non-empty pool");
        let best_score = score(&best.body);
        if best_score < names.len() && pool.len() > 1 {
            let joined = pool
                .iter()
                .map(|b| b.body.as_str())
                .collect::<Vec<_>>()
                .join("\n\n");
            if score(&joined) > best_score {
                return Extraction::Code {
                    code: joined,
                    how: format!("{} fenced blocks joined", pool.len()),
                };
            }
        }
        let how = if pool.len() == 1 {
            "fenced block".to_string()
        } else {
            format!("best of {} fenced blocks", pool.len())
        };
        return Extraction::Code {
            code: best.body.clone(),
            how,
        };
    }
    if is_refusal(response) {
        return Extraction::Refusal;
    }
    if all.is_empty() && lang.looks_like(response) && (names.is_empty() || score(response) > 0) {
        return Extraction::Code {
            code: response.trim().to_string(),
            how: "whole response (no fence)".into(),
        };
    }
    Extraction::NoCode
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
