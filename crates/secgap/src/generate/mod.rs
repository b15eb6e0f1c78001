//! The generate stage: subjects (the `Subject` trait in `subject.rs`; the
//! references and model subjects here; replays in `replay.rs`; coding agents in
//! `agent.rs`), the model client and its wire protocols, the agents'
//! recording proxy, the rate limiter, and the strategies that ask a
//! subject for code. `from_spec` is the registry of subject kinds.

pub mod agent;
pub mod limiter;
pub mod provider;
pub mod proxy;
pub mod replay;
pub mod strategy;
pub mod subject;
pub mod wire;

pub use replay::ReplayScope;
pub use subject::{Ask, GenError, GenRequest, Generation, ProbeRequest, Subject};

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::generate::provider::Cache;
use crate::model::Message;
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
        "answers from recorded responses: JSON lines {\"task\": ID, \"sample\": N, \"response\": TEXT}; single-prompt strategies only",
    ),
];

/// The subject kinds after the model providers.
const KINDS_AFTER: &[(&str, &str)] = &[
    (
        "agent:PRESET",
        "a coding agent run in a scratch workspace: claude-code, codex, aider or gemini-cli; it uses its own credentials, so its usage and cost are not recorded; single-prompt strategies only",
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
            Ok(Box::new(replay::Replay::load(
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

    fn converses(&self) -> bool {
        true
    }

    fn generate(&self, req: &GenRequest) -> Result<Generation, GenError> {
        let t = req.task;
        let plain = |response: String| Generation {
            response,
            calls: Vec::new(),
            transcript: None,
        };
        match req.ask {
            Ask::Code => {}
            Ask::Principles { suite, probe } => {
                return Ok(plain(crate::plan::probe::reference_answer(
                    suite, probe, self.knows,
                )))
            }
            // A reference stands by its code: the secure one has nothing to
            // fix, and the insecure ones keep their flaw on purpose.
            Ask::Critique => {
                return Ok(plain(
                    "I found no problems to fix in this code.".to_string(),
                ))
            }
        }
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

    fn converses(&self) -> bool {
        true
    }

    fn generate(&self, req: &GenRequest) -> Result<Generation, GenError> {
        let mut messages = req.history.to_vec();
        messages.push(Message::user(req.prompt));
        self.complete(&messages, req.sample, req.deadline)
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
        self.complete(&[Message::user(prompt)], 0, deadline)
    }
}

impl Model {
    fn complete(
        &self,
        messages: &[Message],
        sample: u32,
        deadline: Option<std::time::Instant>,
    ) -> Result<Generation, GenError> {
        match provider::complete_with(
            &self.endpoint,
            self.cache.as_ref(),
            messages,
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
