//! `secgap.toml`: named subjects with their provider, endpoint, sampling
//! parameters, API-key variable, extra headers and price table, coding
//! agents (see [`crate::generate::agent`]) and strategies of the user's
//! own (see [`crate::generate::strategy::user`]).
//!
//! ```toml
//! [subjects.small]
//! provider = "openai-compat"
//! base_url = "http://127.0.0.1:8000/v1"
//! model = "qwen2.5-coder-7b"
//! temperature = 0.2
//! [subjects.small.price]
//! input = 0.15
//! output = 0.60
//!
//! [agents.aider-small]
//! preset = "aider"
//! upstream = "small"
//!
//! [strategies.plan-first]
//! about = "asks for a plan, then the code"
//! version = 1
//! [[strategies.plan-first.turns]]
//! kind = "review"
//! template = "{{ description }}\n\nDo not write code yet: list the risks."
//! [[strategies.plan-first.turns]]
//! kind = "write"
//! template = "Now write it, avoiding each risk you listed. {{ reply }}"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::endpoint::{Endpoint, Price, Provider, ProviderKind};

pub const DEFAULT_FILE: &str = "secgap.toml";

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Subjects by name; use the name with `--subject NAME`.
    #[serde(default)]
    pub subjects: BTreeMap<String, SubjectDef>,
    /// Coding agents by name; use the name with `--subject agent:NAME`.
    #[serde(default)]
    pub agents: BTreeMap<String, crate::plan::agents::AgentDef>,
    /// Strategies of your own by name, each a list of turns whose prompts
    /// are templates; use the name with `--strategy NAME`.
    #[serde(default)]
    pub strategies: BTreeMap<String, StrategyDef>,
    /// Where the file's strategies are written, for messages; set by [`load`].
    #[serde(skip)]
    pub origin: Option<Origin>,
}

/// A strategy of the user's, `[strategies.NAME]`: the subject is sent each
/// turn's prompt in order, with the turns before it as history.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StrategyDef {
    /// What it does, in a line, for `secgap list strategies`.
    #[serde(default)]
    pub about: String,
    /// Its version, recorded with every result (`NAME@VERSION`). Bump it
    /// whenever a template changes, so that answers to old and new prompts
    /// are never mixed: a run refuses to go on with a definition that
    /// changed under the same version.
    #[schemars(range(min = 1))]
    pub version: u32,
    /// The turns, in order; the last must ask for code (`write` or `revise`).
    pub turns: Vec<TurnDef>,
}

/// One turn of a user strategy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TurnDef {
    pub kind: TurnAsk,
    /// The prompt, a minijinja template. Variables: `task` (id, title, spec,
    /// interface, language, language_title, solution_file, request,
    /// description, reply, cwes: [{id, name}], principles: [{id, title,
    /// statement, rationale}]); `request` (the baseline prompt),
    /// `description` (spec, language and interface) and `reply` (how to
    /// reply with code), as in `task`; `previous` (the turn before, from
    /// turn 2 on: kind, prompt, response, code, code_error, and with
    /// `run_visible` also tool_output and passed); `turns` (the turns
    /// before, oldest first, each with kind, prompt, response, code,
    /// code_error, tool_output). An unknown variable is an error.
    pub template: String,
    /// Before this turn, build the previous turn's code and run the task's
    /// visible functional tests on it (never its security tests), and show
    /// what they printed as `previous.tool_output` (`previous.passed`:
    /// whether all passed).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub run_visible: bool,
}

/// What a turn of a user strategy asks the subject for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TurnAsk {
    /// Code, from the task.
    Write,
    /// Words, not code: a plan, a list of risks, a critique of the code so far.
    Review,
    /// Code again, after a review or the visible tests' output.
    Revise,
}

impl TurnAsk {
    /// Whether the subject is asked for code.
    pub fn wants_code(self) -> bool {
        matches!(self, TurnAsk::Write | TurnAsk::Revise)
    }

    /// How the turn is recorded.
    pub fn turn_kind(self) -> crate::model::TurnKind {
        use crate::model::TurnKind;
        match self {
            TurnAsk::Write => TurnKind::Write,
            TurnAsk::Review => TurnKind::Review,
            TurnAsk::Revise => TurnKind::Revise,
        }
    }
}

/// Where the strategies of a config file are written, for messages that
/// name a line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub path: PathBuf,
    /// Each strategy's place, by name.
    pub strategies: BTreeMap<String, StrategyAt>,
}

/// Where a strategy is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrategyAt {
    /// The line of its `[strategies.NAME]` table.
    pub line: usize,
    pub turns: Vec<TurnAt>,
}

/// Where a turn is written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TurnAt {
    /// The line its table starts on.
    pub line: usize,
    /// The file line of each line of the template's value, first to last.
    pub template_lines: Vec<usize>,
}

impl Origin {
    /// `PATH:LINE` of strategy `name`'s table.
    pub fn strategy(&self, name: &str) -> String {
        let line = self.strategies.get(name).map_or(0, |s| s.line);
        format!("{}:{line}", self.path.display())
    }

    /// `PATH:LINE` of turn `turn` (0-based) of strategy `name`: the line of
    /// the template's line `template_line` (1-based, as minijinja counts)
    /// when it is given, else the line the turn starts on.
    pub fn turn(&self, name: &str, turn: usize, template_line: Option<usize>) -> String {
        let st = self.strategies.get(name);
        let at = st.and_then(|s| s.turns.get(turn));
        let line = match (at, template_line) {
            (Some(t), Some(n)) => t
                .template_lines
                .get(n.max(1) - 1)
                .or(t.template_lines.last())
                .copied()
                .unwrap_or(t.line),
            (Some(t), None) => t.line,
            (None, _) => st.map_or(0, |s| s.line),
        };
        format!("{}:{line}", self.path.display())
    }
}

/// One named subject.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectDef {
    pub provider: ProviderKind,
    pub model: String,
    /// Base URL up to the API version, e.g. `http://127.0.0.1:8000/v1`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Environment variable holding the API key [default: OPENAI_API_KEY or ANTHROPIC_API_KEY].
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// Extra HTTP headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default)]
    pub top_p: Option<f64>,
    /// Maximum output tokens [default: 4096].
    #[serde(default)]
    pub max_tokens: Option<u32>,
    /// Base seed; the sample index is added [default: 0]. OpenAI-style servers only.
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub stop: Vec<String>,
    /// `reasoning_effort` (low, medium, high) for OpenAI-style reasoning models.
    #[serde(default)]
    pub reasoning_effort: Option<String>,
    /// Ask for streamed responses.
    #[serde(default)]
    pub stream: Option<bool>,
    /// Ceiling on one request, in seconds [default: 600 for openai and
    /// anthropic, 1800 for ollama and the -compat kinds].
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Longest silence between two received bytes, in seconds; a streamed
    /// answer resets it with every chunk [default: 120 for openai and
    /// anthropic, 600 for ollama and the -compat kinds]. Left out of a run's
    /// stored config when unset, so older configs keep their hashes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_secs: Option<u64>,
    /// Attempts per request, retries included [default: 6].
    #[serde(default)]
    pub max_attempts: Option<u32>,
    /// Prices in USD per million tokens.
    #[serde(default)]
    pub price: Option<Price>,
}

/// Find and load the config: `--config FILE`, else `./secgap.toml` if present.
pub fn load(explicit: Option<&Path>) -> Result<(Option<PathBuf>, ConfigFile)> {
    let path = match explicit {
        Some(p) => p.to_path_buf(),
        None => {
            let p = PathBuf::from(DEFAULT_FILE);
            if !p.is_file() {
                return Ok((None, ConfigFile::default()));
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("read config {}", path.display()))?;
    Ok((Some(path.clone()), parse(&path, &text)?))
}

/// The config file `path` holding `text`, checked as far as this stage can.
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile> {
    let mut file: ConfigFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| crate::suite::line_at(text, s.start));
        let at = match line {
            Some(l) => format!("{}:{l}", path.display()),
            None => path.display().to_string(),
        };
        anyhow::anyhow!(
            "{at}: {} (see `secgap schema config` for the format)",
            e.message().trim()
        )
    })?;
    for (name, def) in &file.subjects {
        if name.contains(':') {
            bail!(
                "{}: subject name `{name}` must not contain ':'",
                path.display()
            );
        }
        if def.provider.info().base_url.is_none() && def.base_url.is_none() {
            bail!(
                "{}: subject `{name}` uses provider {:?} and needs `base_url = \"http://HOST:PORT/v1\"`",
                path.display(),
                def.provider
            );
        }
    }
    // What each agent's command and upstream mean is checked by the
    // generate stage, which knows the templates and presets
    // (`generate::agent::check_config`).
    for name in file.agents.keys() {
        if name.contains(':') || name.is_empty() {
            bail!(
                "{}: agent name `{name}` must be non-empty and must not contain ':'",
                path.display()
            );
        }
    }
    if !file.strategies.is_empty() {
        let origin = strategy_origin(path, text);
        check_strategies(&file.strategies, &origin)?;
        file.origin = Some(origin);
    }
    Ok(file)
}

/// The shape of `[strategies]` with the places of its parts, read from the
/// text a second time (the first read has checked it).
mod spans {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use toml::Spanned;

    #[derive(Deserialize)]
    pub struct Doc {
        #[serde(default)]
        pub strategies: BTreeMap<String, Spanned<Strategy>>,
    }

    #[derive(Deserialize)]
    pub struct Strategy {
        #[serde(default)]
        pub turns: Vec<Spanned<Turn>>,
    }

    #[derive(Deserialize)]
    pub struct Turn {
        pub template: Spanned<String>,
    }
}

/// Where each strategy of the config file `text` is written.
fn strategy_origin(path: &Path, text: &str) -> Origin {
    let line = |offset: usize| crate::suite::line_at(text, offset);
    let doc: Option<spans::Doc> = toml::from_str(text).ok();
    let strategies = doc
        .map(|d| d.strategies)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, st)| {
            let turns = st
                .get_ref()
                .turns
                .iter()
                .map(|t| {
                    let span = t.get_ref().template.span();
                    TurnAt {
                        line: line(t.span().start),
                        template_lines: value_lines(&text[span.clone()], line(span.start)),
                    }
                })
                .collect();
            let at = StrategyAt {
                line: line(st.span().start),
                turns,
            };
            (name, at)
        })
        .collect();
    Origin {
        path: path.to_path_buf(),
        strategies,
    }
}

/// The file line on which each line of a TOML string's value starts, given
/// the string as written (`raw`, quotes included) and the line it starts
/// on. A multi-line string drops a line break right after its opening
/// quotes; in a basic string an escaped `n` starts a line of the value but
/// not of the file, and a backslash ending a line swallows the line breaks
/// after it.
fn value_lines(raw: &str, first: usize) -> Vec<usize> {
    let triple = raw.starts_with("\"\"\"") || raw.starts_with("'''");
    let basic = raw.starts_with('"');
    let quotes = if triple { 3 } else { 1 };
    let body = raw
        .get(quotes..raw.len().saturating_sub(quotes))
        .unwrap_or_default();
    let mut line = first;
    let body = match body.strip_prefix("\r\n").or(body.strip_prefix('\n')) {
        Some(rest) if triple => {
            line += 1;
            rest
        }
        _ => body,
    };
    let mut out = vec![line];
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                line += 1;
                out.push(line);
            }
            '\\' if basic => match chars.next() {
                Some('n') => out.push(line),
                Some(w) if w.is_whitespace() => {
                    line += usize::from(w == '\n');
                    while let Some(w) = chars.next_if(|w| w.is_whitespace()) {
                        line += usize::from(w == '\n');
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    out
}

/// What the config reader can check of the strategies by itself: names,
/// versions and turns. Their templates and the built-in strategies' names
/// are the generate stage's (`generate::strategy::user::check_config`).
fn check_strategies(defs: &BTreeMap<String, StrategyDef>, origin: &Origin) -> Result<()> {
    for (name, def) in defs {
        let at = origin.strategy(name);
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bail!("{at}: strategy name `{name}` may hold only letters, digits, `-` and `_`");
        }
        if def.version == 0 {
            bail!("{at}: strategy `{name}`: `version` starts at 1");
        }
        let Some(last) = def.turns.last() else {
            bail!(
                "{at}: strategy `{name}` has no turns: add a [[strategies.{name}.turns]] table with `kind` and `template`"
            );
        };
        if !last.kind.wants_code() {
            bail!(
                "{}: strategy `{name}`, turn {}: the last turn must ask for code (kind = \"write\" or \"revise\"), not `{}`",
                origin.turn(name, def.turns.len() - 1, None),
                def.turns.len(),
                last.kind.turn_kind().as_str(),
            );
        }
        if def.turns[0].run_visible {
            bail!(
                "{}: strategy `{name}`, turn 1: `run_visible` tests the previous turn's code, and the first turn has none before it",
                origin.turn(name, 0, None)
            );
        }
    }
    Ok(())
}

impl SubjectDef {
    /// The definition a command-line shorthand stands for (`openai:MODEL`,
    /// `anthropic:MODEL`, `ollama:MODEL`, `openai-compat:URL#MODEL`,
    /// `anthropic-compat:URL#MODEL`); None if `spec` is no model subject.
    pub fn from_spec(spec: &str) -> Result<Option<SubjectDef>> {
        let (kind, arg) = spec.split_once(':').unwrap_or((spec, ""));
        let Some(provider) = Provider::named(kind) else {
            return Ok(None);
        };
        let (base_url, model) = match provider.base_url {
            // No default URL: the shorthand carries one.
            None => match arg.rsplit_once('#') {
                Some((base, model)) if !base.is_empty() && !model.is_empty() => {
                    (Some(base.to_string()), model.to_string())
                }
                _ => bail!(
                    "`{spec}` needs BASE_URL#MODEL, e.g. {kind}:http://127.0.0.1:8000/v1#my-model"
                ),
            },
            Some(_) => (None, arg.to_string()),
        };
        if model.is_empty() {
            bail!("`{spec}` names no model: use {kind}:MODEL");
        }
        Ok(Some(SubjectDef {
            provider: provider.kind,
            model,
            base_url,
            api_key_env: None,
            headers: BTreeMap::new(),
            temperature: None,
            top_p: None,
            max_tokens: None,
            seed: None,
            stop: Vec::new(),
            reasoning_effort: None,
            stream: None,
            timeout_secs: None,
            idle_timeout_secs: None,
            max_attempts: None,
            price: None,
        }))
    }

    /// The endpoint this definition names; reads the API key from the environment.
    pub fn endpoint(&self, name: &str) -> Result<Endpoint> {
        let provider = self.provider.info();
        let base = self
            .base_url
            .as_deref()
            .or(provider.base_url)
            .with_context(|| format!("subject `{name}` needs a base_url"))?;
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            bail!("subject `{name}`: the base URL must start with http:// or https://");
        }
        let var = self.api_key_env.as_deref().unwrap_or(provider.key_env);
        let api_key = std::env::var(var).ok().filter(|k| !k.is_empty());
        if api_key.is_none() && (provider.key_required || self.api_key_env.is_some()) {
            bail!("subject `{name}` needs an API key: set the environment variable {var}");
        }
        let mut ep = Endpoint::new(provider.protocol, base, &self.model);
        ep.api_key = api_key;
        ep.headers = self
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        ep.temperature = self.temperature;
        ep.top_p = self.top_p;
        if let Some(m) = self.max_tokens {
            ep.max_tokens = m;
        }
        if self.seed.is_some() {
            ep.seed = self.seed;
        }
        ep.stop = self.stop.clone();
        ep.reasoning_effort = self.reasoning_effort.clone();
        ep.stream = self.stream.unwrap_or(false);
        ep.request_timeout = provider.timeouts.ceiling;
        ep.idle_timeout = provider.timeouts.idle;
        if let Some(t) = self.timeout_secs {
            ep.request_timeout = std::time::Duration::from_secs(t.max(1));
        }
        if let Some(t) = self.idle_timeout_secs {
            ep.idle_timeout = std::time::Duration::from_secs(t.max(1));
        }
        if let Some(a) = self.max_attempts {
            ep.max_attempts = a.max(1);
        }
        ep.price = self.price;
        Ok(ep)
    }
}

pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ConfigFile)).expect("schema serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::endpoint::Protocol;

    #[test]
    fn template_lines_follow_the_file() {
        // Escaped line breaks stay on the string's line.
        assert_eq!(value_lines(r#""a\nb\nc""#, 5), [5, 5, 5]);
        // A multi-line string drops the line break after its quotes.
        assert_eq!(value_lines("\"\"\"\na\nb\"\"\"", 5), [6, 7]);
        assert_eq!(value_lines("\"\"\"\r\na\r\nb\"\"\"", 5), [6, 7]);
        // A backslash ending a line joins it to the next.
        assert_eq!(value_lines("\"\"\"a\\\n   b\nc\"\"\"", 5), [5, 7]);
        assert_eq!(value_lines("\"\"\"a\\\n\n  b\\nc\"\"\"", 1), [1, 3]);
        // An escaped backslash escapes nothing after it.
        assert_eq!(value_lines(r#""a\\nb""#, 1), [1]);
        // Literal strings have no escapes.
        assert_eq!(value_lines("'''\nx\\n\ny'''", 2), [3, 4]);
        assert_eq!(value_lines(r"'a\nb'", 1), [1]);
    }

    #[test]
    fn strategies_are_found_where_they_are_written() {
        let text = "[subjects.s]\nprovider = \"openai\"\nmodel = \"m\"\n\n[strategies.two]\nversion = 1\nturns = [\n  { kind = \"review\", template = \"x\" },\n  { kind = \"write\", template = \"\"\"\ny\n{{ z }}\"\"\" },\n]\n";
        let file = parse(Path::new("my.toml"), text).unwrap();
        let o = file.origin.unwrap();
        assert_eq!(o.strategy("two"), "my.toml:5");
        assert_eq!(o.turn("two", 0, None), "my.toml:8");
        assert_eq!(o.turn("two", 1, None), "my.toml:9");
        assert_eq!(o.turn("two", 1, Some(2)), "my.toml:11");
        // A line past the template's end is its last.
        assert_eq!(o.turn("two", 1, Some(9)), "my.toml:11");
        assert_eq!(file.strategies["two"].turns[1].template, "y\n{{ z }}");
        // Without strategies there is nothing to place.
        assert!(parse(Path::new("my.toml"), "").unwrap().origin.is_none());
    }

    #[test]
    fn shorthand_subject_names() {
        let ep = SubjectDef::from_spec("openai-compat:http://127.0.0.1:9/v1#m")
            .unwrap()
            .unwrap()
            .endpoint("x")
            .unwrap();
        assert_eq!(
            (ep.protocol, ep.base_url.as_str(), ep.model.as_str()),
            (Protocol::OpenAi, "http://127.0.0.1:9/v1", "m")
        );
        assert!(SubjectDef::from_spec("openai-compat:http://x/v1").is_err());
        assert!(SubjectDef::from_spec("ollama:").is_err());
        assert!(SubjectDef::from_spec("reference:secure").unwrap().is_none());
        let ep = SubjectDef::from_spec("ollama:llama3")
            .unwrap()
            .unwrap()
            .endpoint("o")
            .unwrap();
        assert!(ep.base_url.ends_with(":11434/v1") && !ep.stream);
        let bad = SubjectDef::from_spec("anthropic-compat:ftp://h/v1#m")
            .unwrap()
            .unwrap();
        assert!(bad.endpoint("a").is_err());
    }
}
