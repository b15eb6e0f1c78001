//! `secgap.toml`: named subjects with their provider, endpoint, sampling
//! parameters, API-key variable, extra headers and price table, and coding
//! agents (see [`crate::generate::agent`]).
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
    let file: ConfigFile = toml::from_str(&text).map_err(|e| {
        let line = e.span().map(|s| crate::suite::line_at(&text, s.start));
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
    Ok((Some(path), file))
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
