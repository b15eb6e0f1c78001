//! The `replay:FILE` subject: recorded responses, one JSON line per
//! (task, sample), re-scored as if a subject had just given them. Every
//! problem with the file names its `file:line`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::generate::subject::{GenError, GenRequest, Generation, Subject};

/// Recorded responses, keyed by (task, sample).
#[derive(Debug)]
pub(super) struct Replay {
    name: String,
    file: PathBuf,
    responses: HashMap<(String, u32), String>,
    /// `file:line` of each line the run will not use (reported as a warning).
    #[cfg_attr(not(test), allow(dead_code))]
    unused: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayLine {
    task: String,
    sample: u32,
    response: String,
    /// Optional: which strategy the response was recorded under (informational).
    #[serde(default)]
    #[allow(dead_code)]
    strategy: Option<String>,
}

/// Which (task, sample) pairs a run asks a replay for, so that its file's
/// other lines are reported instead of silently ignored.
#[derive(Debug, Clone, Default)]
pub struct ReplayScope {
    /// Every task of the suite.
    pub suite_tasks: std::collections::BTreeSet<String>,
    /// The run's tasks.
    pub run_tasks: std::collections::BTreeSet<String>,
    /// The run's samples per task (indices 0..n).
    pub n: u32,
}

const REPLAY_SHAPE: &str = "{\"task\": ID, \"sample\": N, \"response\": TEXT}";

impl Replay {
    /// Read a replay file: UTF-8 JSON lines, one object per line, a
    /// leading byte-order mark allowed. Every mistake names `file:line`
    /// (and the column where there is one). With a scope, a line naming a
    /// task the suite does not have is an error, and lines the run will
    /// not use (another task of the suite, a sample outside 0..n) are
    /// counted in one warning on stderr.
    pub(super) fn load(name: &str, file: &Path, scope: Option<&ReplayScope>) -> Result<Replay> {
        let bytes =
            std::fs::read(file).with_context(|| format!("read replay file {}", file.display()))?;
        let at = |line: usize| format!("{}:{}", file.display(), line);
        let mut responses = HashMap::new();
        let mut unused: Vec<String> = Vec::new();
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let raw = if i == 0 {
                raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw)
            } else {
                raw
            };
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let line = std::str::from_utf8(raw).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}: not UTF-8 (byte 0x{:02x}); a replay file is UTF-8 JSON lines",
                    at(i + 1),
                    e.valid_up_to() + 1,
                    raw[e.valid_up_to()]
                )
            })?;
            if line.trim().is_empty() {
                continue;
            }
            let rec = parse_replay_line(line).map_err(|(col, why)| match col {
                Some(c) => anyhow::anyhow!("{}:{c}: {why}", at(i + 1)),
                None => anyhow::anyhow!("{}: {why}", at(i + 1)),
            })?;
            if let Some(scope) = scope {
                if !scope.suite_tasks.contains(&rec.task) {
                    bail!(
                        "{}: task `{}` is not in the suite; `secgap list tasks` shows its tasks",
                        at(i + 1),
                        rec.task
                    );
                }
                if !scope.run_tasks.contains(&rec.task) || rec.sample >= scope.n {
                    unused.push(format!(
                        "{}: task `{}` sample {}",
                        at(i + 1),
                        rec.task,
                        rec.sample
                    ));
                }
            }
            if responses
                .insert((rec.task.clone(), rec.sample), rec.response)
                .is_some()
            {
                bail!(
                    "{}: a second response for task `{}` sample {}; keep one per (task, sample)",
                    at(i + 1),
                    rec.task,
                    rec.sample
                );
            }
        }
        if let (Some(scope), Some(first)) = (scope, unused.first()) {
            eprintln!(
                "warning: {} line(s) of {} are not used by this run, which asks for samples 0..{} of {} task(s) (first: {first}); select them with --tasks and -n",
                unused.len(),
                file.display(),
                scope.n,
                scope.run_tasks.len(),
            );
        }
        Ok(Replay {
            name: name.into(),
            file: file.to_path_buf(),
            responses,
            unused,
        })
    }
}

/// One replay line as a record, or (column, what is wrong).
fn parse_replay_line(line: &str) -> Result<ReplayLine, (Option<usize>, String)> {
    let value: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        let col = e.column();
        if let Some((c, esc)) = lone_surrogate(line) {
            return (
                Some(c),
                format!(
                    "`{esc}` is half of a UTF-16 surrogate pair, alone, which is no character; write the character itself, or both halves (`\\ud83d\\ude00`)"
                ),
            );
        }
        let msg = e.to_string();
        let msg = msg
            .strip_suffix(&format!(" at line {} column {}", e.line(), col))
            .unwrap_or(&msg)
            .to_string();
        let hint = if e.is_eof() {
            " (the object must be on one line: write a newline inside a response as \\n)"
        } else {
            ""
        };
        (
            Some(col.max(1)),
            format!("{msg}{hint}; expected a JSON object {REPLAY_SHAPE}"),
        )
    })?;
    if !value.is_object() {
        let found = match &value {
            serde_json::Value::Array(_) => "an array",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::Bool(_) => "a boolean",
            _ => "null",
        };
        return Err((
            None,
            format!("expected a JSON object {REPLAY_SHAPE}, found {found}"),
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| (None, format!("{e}; expected a JSON object {REPLAY_SHAPE}")))
}

/// The first `\u` escape (four hex digits) in a line that is a lone UTF-16 surrogate:
/// its 1-based column and its text.
fn lone_surrogate(line: &str) -> Option<(usize, String)> {
    let b = line.as_bytes();
    let hex = |at: usize| -> Option<u32> {
        let digits = line.get(at..at + 4)?;
        u32::from_str_radix(digits, 16).ok()
    };
    let mut i = 0;
    let mut in_string = false;
    while i < b.len() {
        match b[i] {
            b'"' => in_string = !in_string,
            b'\\' if in_string => {
                if b.get(i + 1) == Some(&b'u') {
                    if let Some(u) = hex(i + 2) {
                        let high = (0xD800..0xDC00).contains(&u);
                        let low = (0xDC00..0xE000).contains(&u);
                        let paired = high
                            && line.get(i + 6..i + 8) == Some("\\u")
                            && hex(i + 8).is_some_and(|v| (0xDC00..0xE000).contains(&v));
                        if low || (high && !paired) {
                            return Some((
                                line[..i].chars().count() + 1,
                                line[i..i + 6].to_string(),
                            ));
                        }
                        i += if paired { 12 } else { 6 };
                        continue;
                    }
                }
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

impl Subject for Replay {
    fn name(&self) -> &str {
        &self.name
    }

    fn generate(&self, req: &GenRequest) -> Result<Generation, GenError> {
        match self.responses.get(&(req.task.id.clone(), req.sample)) {
            Some(r) => Ok(Generation {
                response: r.clone(),
                calls: Vec::new(),
                transcript: None,
            }),
            None => Err(anyhow::anyhow!(
                "{} has no response for task `{}` sample {}",
                self.file.display(),
                req.task.id,
                req.sample
            )
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> ReplayScope {
        ReplayScope {
            suite_tasks: ["a", "b"].iter().map(|s| s.to_string()).collect(),
            run_tasks: ["a"].iter().map(|s| s.to_string()).collect(),
            n: 2,
        }
    }

    /// Load `bytes` as a replay file; the error's text, or the replay.
    fn load(bytes: &[u8]) -> Result<Replay, String> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.jsonl");
        std::fs::write(&file, bytes).unwrap();
        Replay::load("replay:r", &file, Some(&scope()))
            .map_err(|e| format!("{e:#}").replace(&dir.path().display().to_string(), "DIR"))
    }

    const OK: &str = r#"{"task": "a", "sample": 0, "response": "x"}"#;

    #[test]
    fn an_array_line_is_refused_with_the_expected_shape() {
        let e = load(format!("{OK}\n[\"a\", 1, \"x\"]\n").as_bytes()).unwrap_err();
        assert_eq!(
            e,
            "DIR/r.jsonl:2: expected a JSON object {\"task\": ID, \"sample\": N, \"response\": TEXT}, found an array"
        );
    }

    #[test]
    fn a_leading_byte_order_mark_is_accepted() {
        let r = load(format!("\u{feff}{OK}\r\n").as_bytes()).unwrap();
        assert_eq!(r.responses.len(), 1);
        // Elsewhere it is not a line's start: an error naming the line.
        assert!(load(format!("{OK}\n\u{feff}{OK}\n").as_bytes())
            .unwrap_err()
            .starts_with("DIR/r.jsonl:2:1: "));
    }

    #[test]
    fn a_lone_surrogate_is_named_with_its_line_and_column() {
        let line = r#"{"task": "a", "sample": 1, "response": "ok \ud83d\ude00 \ud800 x"}"#;
        let e = load(format!("{OK}\n{line}\n").as_bytes()).unwrap_err();
        assert!(
            e.starts_with("DIR/r.jsonl:2:57: `\\ud800` is half of a UTF-16 surrogate pair, alone"),
            "{e}"
        );
        let low = r#"{"task": "a", "sample": 1, "response": "\udc00"}"#;
        assert!(load(low.as_bytes()).unwrap_err().contains("`\\udc00`"));
        // A pair is a character.
        let pair = r#"{"task": "a", "sample": 1, "response": "\ud83d\ude00"}"#;
        assert_eq!(
            load(pair.as_bytes()).unwrap().responses[&("a".to_string(), 1)],
            "\u{1f600}"
        );
    }

    #[test]
    fn non_utf8_is_named_with_its_line() {
        let mut bytes = format!("{OK}\n").into_bytes();
        bytes.extend_from_slice(b"{\"task\": \"a\", \"sample\": 1, \"response\": \"\xff\"}\n");
        assert_eq!(
            load(&bytes).unwrap_err(),
            "DIR/r.jsonl:2:41: not UTF-8 (byte 0xff); a replay file is UTF-8 JSON lines"
        );
    }

    #[test]
    fn syntax_errors_name_the_line_they_are_on() {
        let e = load(
            format!("{OK}\n{{\"task\": \"a\", \"sample\": 1, \"response\": \"x}}\n{OK}\n")
                .as_bytes(),
        )
        .unwrap_err();
        assert!(e.starts_with("DIR/r.jsonl:2:"), "{e}");
        let e = load(b"\n\n{\"task\": \"a\" \"sample\": 1}\n").unwrap_err();
        assert!(
            e.starts_with("DIR/r.jsonl:3:14: expected `,` or `}`"),
            "{e}"
        );
        let e = load(br#"{"task": "a", "sample": -1, "response": "x"}"#).unwrap_err();
        assert!(
            e.starts_with("DIR/r.jsonl:1: invalid value: integer `-1`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_tasks_are_errors_and_unused_lines_are_reported() {
        let e = load(br#"{"task": "zz", "sample": 0, "response": "x"}"#).unwrap_err();
        assert_eq!(
            e,
            "DIR/r.jsonl:1: task `zz` is not in the suite; `secgap list tasks` shows its tasks"
        );
        let lines = [
            OK,
            r#"{"task": "a", "sample": 2, "response": "x"}"#,
            r#"{"task": "b", "sample": 0, "response": "x"}"#,
        ];
        let r = load(lines.join("\n").as_bytes()).unwrap();
        assert_eq!(
            r.unused,
            [
                "DIR/r.jsonl:2: task `a` sample 2",
                "DIR/r.jsonl:3: task `b` sample 0"
            ]
            .map(|s| s.replace("DIR", &r.file.parent().unwrap().display().to_string()))
        );
    }
}
