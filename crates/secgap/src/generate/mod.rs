//! The generate stage: subjects (the `Subject` trait in `subject.rs`; the
//! references, replays and model subjects here; coding agents in
//! `agent.rs`), the model client and its wire protocols, the agents'
//! recording proxy, the rate limiter, and the strategies that ask a
//! subject for code. `from_spec` is the registry of subject kinds.

pub mod agent;
pub mod limiter;
pub mod provider;
pub mod proxy;
pub mod strategy;
pub mod subject;
pub mod wire;

pub use subject::{GenError, GenRequest, Generation, ProbeRequest, Subject};

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::generate::provider::Cache;
use crate::plan::endpoint::{Endpoint, PROVIDERS};

/// Options that apply to model subjects.
#[derive(Debug, Clone, Default)]
pub struct SubjectOptions {
    /// Subjects defined in the config file, by name.
    pub defs: std::collections::BTreeMap<String, crate::plan::config::SubjectDef>,
    /// Ask for server-sent event streams.
    pub stream: bool,
    /// Where responses are cached; None disables the cache.
    pub cache: Option<Cache>,
    /// Coding agents defined in the config file (or frozen in the run), by name.
    pub agents: std::collections::BTreeMap<String, crate::plan::agents::AgentDef>,
    /// Adaptive concurrency, one limiter per provider, shared by all subjects.
    pub limiters: std::sync::Arc<crate::generate::limiter::Limiters>,
    /// Sampling temperature for every model subject, in place of its own.
    pub temperature: Option<f64>,
    /// Ceiling on one request, in place of each endpoint's.
    pub request_timeout: Option<std::time::Duration>,
    /// Longest silence between two bytes, in place of each endpoint's.
    pub idle_timeout: Option<std::time::Duration>,
    /// What the run asks replays for (None: their lines are not checked
    /// against the suite).
    pub replay_scope: Option<std::sync::Arc<ReplayScope>>,
}

/// The subject kinds before the model providers in `secgap list subjects`.
const KINDS_BEFORE: &[(&str, &str)] = &[
    (
        "reference:secure",
        "answers with each task's secure reference: the upper bound, and the pipeline's self-test",
    ),
    (
        "reference:insecure",
        "answers with each task's insecure references, taken in turn by sample index: the lower bound; answers probes from the key (knows but does not do)",
    ),
    (
        "reference:naive",
        "writes the insecure references and answers probes wrongly (neither knows nor does)",
    ),
    (
        "replay:FILE",
        "answers from recorded responses: JSON lines {\"task\": ID, \"sample\": N, \"response\": TEXT}",
    ),
];

/// The subject kinds after the model providers.
const KINDS_AFTER: &[(&str, &str)] = &[
    (
        "agent:PRESET",
        "a coding agent run in a scratch workspace: claude-code, codex, aider or gemini-cli; it uses its own credentials, so its usage and cost are not recorded",
    ),
    (
        "agent:NAME",
        "an [agents.NAME] entry of secgap.toml (preset or command template); with `upstream` its model traffic goes through secgap's loopback proxy, which records every call's usage and cost",
    ),
];

const KIND_COUNT: usize = KINDS_BEFORE.len() + PROVIDERS.len() + KINDS_AFTER.len();

/// What the built-in subject kinds are, for `secgap list subjects`; the
/// model providers come from their table (`plan::endpoint::PROVIDERS`).
pub const KINDS: &[(&str, &str)] = &kinds();

const fn kinds() -> [(&'static str, &'static str); KIND_COUNT] {
    let mut out = [("", ""); KIND_COUNT];
    let mut n = 0;
    let mut i = 0;
    while i < KINDS_BEFORE.len() {
        out[n] = KINDS_BEFORE[i];
        n += 1;
        i += 1;
    }
    i = 0;
    while i < PROVIDERS.len() {
        out[n] = (PROVIDERS[i].syntax, PROVIDERS[i].about);
        n += 1;
        i += 1;
    }
    i = 0;
    while i < KINDS_AFTER.len() {
        out[n] = KINDS_AFTER[i];
        n += 1;
        i += 1;
    }
    out
}

/// Build a subject from its command-line name.
/// Build every subject and judge a run names once, so that an unknown
/// kind or a missing API key fails before any work starts.
pub fn check_subjects(
    subjects: &[String],
    judges: &[String],
    cfg: &crate::plan::config::ConfigFile,
) -> Result<()> {
    let check = SubjectOptions {
        defs: cfg.subjects.clone(),
        agents: cfg.agents.clone(),
        ..Default::default()
    };
    for s in subjects {
        from_spec(s, &check)?;
    }
    for j in judges {
        from_spec(j, &check).with_context(|| format!("judge `{j}`"))?;
    }
    Ok(())
}

pub fn from_spec(spec: &str, opts: &SubjectOptions) -> Result<Box<dyn Subject>> {
    let def = match opts.defs.get(spec) {
        Some(d) => Some(d.clone()),
        None => crate::plan::config::SubjectDef::from_spec(spec)?,
    };
    if let Some(def) = def {
        let mut endpoint = def.endpoint(spec)?;
        endpoint.stream |= opts.stream;
        if let Some(t) = opts.temperature {
            endpoint.temperature = Some(t);
        }
        if let Some(t) = opts.request_timeout {
            endpoint.request_timeout = t;
        }
        if let Some(t) = opts.idle_timeout {
            endpoint.idle_timeout = t;
        }
        return Ok(Box::new(Model {
            name: spec.into(),
            limiter: opts.limiters.for_url(&endpoint.base_url),
            endpoint,
            cache: opts.cache.clone(),
        }));
    }
    let (kind, arg) = spec.split_once(':').unwrap_or((spec, ""));
    match kind {
        "reference" => {
            let (secure, knows) = match arg {
                "secure" => (true, true),
                "insecure" => (false, true),
                "naive" => (false, false),
                _ => bail!("unknown reference subject `{spec}`: use reference:secure, reference:insecure or reference:naive"),
            };
            Ok(Box::new(Reference {
                name: spec.into(),
                secure,
                knows,
            }))
        }
        "replay" => {
            if arg.is_empty() {
                bail!("replay needs a file: replay:PATH (JSON lines with task, sample, response)");
            }
            Ok(Box::new(Replay::load(
                spec,
                Path::new(arg),
                opts.replay_scope.as_deref(),
            )?))
        }
        "agent" => crate::generate::agent::from_spec(spec, &opts.defs, &opts.agents),
        _ => bail!(
            "unknown subject `{spec}`; known kinds: reference:secure, reference:insecure, reference:naive, replay:FILE, {}, agent:PRESET, agent:NAME (see `secgap list subjects`)",
            crate::plan::endpoint::shorthands()
        ),
    }
}

/// The suite's own references. `knows`: answers probes from the key
/// (else wrongly on purpose).
struct Reference {
    name: String,
    secure: bool,
    knows: bool,
}

impl Subject for Reference {
    fn name(&self) -> &str {
        &self.name
    }

    fn generate(&self, req: &GenRequest) -> Result<Generation, GenError> {
        let t = req.task;
        let path = if self.secure {
            &t.secure_ref
        } else {
            let refs = &t.insecure_refs;
            &refs[req.sample as usize % refs.len()].file
        };
        let code = std::fs::read_to_string(path)
            .with_context(|| format!("read reference {}", path.display()))?;
        let tag = t.language.fence_tags()[0];
        Ok(Generation {
            response: format!(
                "Here is `{}`:\n\n```{tag}\n{}\n```\n",
                t.solution_file,
                code.trim_end()
            ),
            calls: Vec::new(),
            transcript: None,
        })
    }

    fn answer_probe(&self, req: &ProbeRequest) -> Result<Generation, GenError> {
        Ok(Generation {
            response: crate::plan::probe::reference_answer(req.suite, req.probe, self.knows),
            calls: Vec::new(),
            transcript: None,
        })
    }
}

/// Recorded responses, keyed by (task, sample).
#[derive(Debug)]
struct Replay {
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
    fn load(name: &str, file: &Path, scope: Option<&ReplayScope>) -> Result<Replay> {
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

/// The first `\uXXXX` escape in a line that is a lone UTF-16 surrogate:
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

/// A model behind an HTTP API.
struct Model {
    name: String,
    endpoint: Endpoint,
    cache: Option<Cache>,
    limiter: std::sync::Arc<crate::generate::limiter::Limiter>,
}

impl Subject for Model {
    fn name(&self) -> &str {
        &self.name
    }

    fn generate(&self, req: &GenRequest) -> Result<Generation, GenError> {
        self.complete(req.prompt, req.sample, req.deadline)
    }

    fn sampling(&self) -> Option<crate::model::Sampling> {
        let ep = &self.endpoint;
        Some(crate::model::Sampling {
            temperature: ep.temperature,
            top_p: ep.top_p,
            max_tokens: ep.max_tokens,
            seed: ep.seed,
            stream: ep.stream,
        })
    }

    fn ask(
        &self,
        prompt: &str,
        deadline: Option<std::time::Instant>,
    ) -> Result<Generation, GenError> {
        self.complete(prompt, 0, deadline)
    }
}

impl Model {
    fn complete(
        &self,
        prompt: &str,
        sample: u32,
        deadline: Option<std::time::Instant>,
    ) -> Result<Generation, GenError> {
        match provider::complete_with(
            &self.endpoint,
            self.cache.as_ref(),
            prompt,
            sample,
            provider::CallCtx {
                limiter: Some(&self.limiter),
                deadline,
            },
        ) {
            Ok(c) => Ok(Generation {
                response: c.text,
                calls: c.calls,
                transcript: None,
            }),
            Err(f) => Err(GenError {
                message: f.message,
                calls: f.calls,
                transcript: None,
            }),
        }
    }
}

#[cfg(test)]
mod replay_tests {
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
