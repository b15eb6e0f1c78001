//! Where and how to reach a model, as a run config holds it: the wire
//! protocol's id, the table of providers behind the subject shorthands and
//! the `provider` of a config entry, an endpoint with its sampling
//! parameters, and a price table. Plain data: speaking a protocol is the
//! generate stage's business (one file per protocol in `generate/wire/`).

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::Usage;

/// The wire protocol an endpoint speaks.
///
/// The serialized names (`open_ai`, `anthropic`) are part of every response
/// cache key, so renaming a variant would orphan the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    OpenAi,
    Anthropic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// api.openai.com (key: OPENAI_API_KEY)
    Openai,
    /// api.anthropic.com (key: ANTHROPIC_API_KEY)
    Anthropic,
    /// A local Ollama server (OpenAI protocol, no key)
    Ollama,
    /// Any OpenAI-compatible server; needs base_url
    OpenaiCompat,
    /// Any server speaking the Anthropic Messages API; needs base_url
    AnthropicCompat,
}

/// What a provider name stands for, both as the `provider` of a
/// `[subjects.NAME]` entry and as the prefix of a shorthand (`NAME:MODEL`).
#[derive(Debug)]
pub struct Provider {
    pub kind: ProviderKind,
    /// The name users write; the same as the kind's serialized form.
    pub name: &'static str,
    pub protocol: Protocol,
    /// The default base URL; None when the user must give one (`base_url`
    /// in the config, `URL#MODEL` in the shorthand).
    pub base_url: Option<&'static str>,
    /// The environment variable holding the API key, unless the config's
    /// `api_key_env` names another.
    pub key_env: &'static str,
    /// Whether the endpoint refuses to be built without a key.
    pub key_required: bool,
    /// The shorthand's form and one line about it, for `secgap list subjects`.
    pub syntax: &'static str,
    pub about: &'static str,
    /// Default time limits of one request to this kind of server.
    pub timeouts: Timeouts,
}

/// How long one request may take: `idle` between two received bytes (a
/// streamed answer resets it with every chunk; a plain one only sends
/// bytes when it is done), and `ceiling` for the whole request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub idle: Duration,
    pub ceiling: Duration,
}

/// Hosted APIs answer or stream within seconds; a silent minute means
/// trouble.
const HOSTED: Timeouts = Timeouts {
    idle: Duration::from_secs(120),
    ceiling: Duration::from_secs(600),
};

/// Servers users run themselves (llama.cpp, Ollama, vLLM on a workstation)
/// may need minutes to read a long prompt and write a long answer on a CPU;
/// a plain (unstreamed) answer is one long silence.
const SELF_HOSTED: Timeouts = Timeouts {
    idle: Duration::from_secs(600),
    ceiling: Duration::from_secs(1800),
};

/// Every provider; one line adds one.
pub const PROVIDERS: &[Provider] = &[
    Provider {
        kind: ProviderKind::Openai,
        name: "openai",
        protocol: Protocol::OpenAi,
        base_url: Some("https://api.openai.com/v1"),
        key_env: "OPENAI_API_KEY",
        key_required: true,
        syntax: "openai:MODEL",
        about: "OpenAI Chat Completions; key in OPENAI_API_KEY",
        timeouts: HOSTED,
    },
    Provider {
        kind: ProviderKind::Anthropic,
        name: "anthropic",
        protocol: Protocol::Anthropic,
        base_url: Some("https://api.anthropic.com/v1"),
        key_env: "ANTHROPIC_API_KEY",
        key_required: true,
        syntax: "anthropic:MODEL",
        about: "Anthropic Messages API; key in ANTHROPIC_API_KEY",
        timeouts: HOSTED,
    },
    Provider {
        kind: ProviderKind::Ollama,
        name: "ollama",
        protocol: Protocol::OpenAi,
        base_url: Some("http://127.0.0.1:11434/v1"),
        key_env: "OLLAMA_API_KEY",
        key_required: false,
        syntax: "ollama:MODEL",
        about: "a local Ollama server at http://127.0.0.1:11434/v1 (OpenAI protocol)",
        timeouts: SELF_HOSTED,
    },
    Provider {
        kind: ProviderKind::OpenaiCompat,
        name: "openai-compat",
        protocol: Protocol::OpenAi,
        base_url: None,
        key_env: "OPENAI_API_KEY",
        key_required: false,
        syntax: "openai-compat:BASE_URL#MODEL",
        about: "any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, gateways); OPENAI_API_KEY if set",
        timeouts: SELF_HOSTED,
    },
    Provider {
        kind: ProviderKind::AnthropicCompat,
        name: "anthropic-compat",
        protocol: Protocol::Anthropic,
        base_url: None,
        key_env: "ANTHROPIC_API_KEY",
        key_required: false,
        syntax: "anthropic-compat:BASE_URL#MODEL",
        about: "any server speaking the Anthropic Messages API; ANTHROPIC_API_KEY if set",
        timeouts: SELF_HOSTED,
    },
];

impl Provider {
    /// The provider a shorthand prefix or config value names.
    pub fn named(name: &str) -> Option<&'static Provider> {
        PROVIDERS.iter().find(|p| p.name == name)
    }

    /// The shorthand in the short form error messages list:
    /// `openai:MODEL`, `openai-compat:URL#MODEL`.
    pub fn shorthand(&self) -> String {
        match self.base_url {
            Some(_) => format!("{}:MODEL", self.name),
            None => format!("{}:URL#MODEL", self.name),
        }
    }
}

/// Every shorthand, comma-separated, for error messages.
pub fn shorthands() -> String {
    PROVIDERS
        .iter()
        .map(Provider::shorthand)
        .collect::<Vec<_>>()
        .join(", ")
}

impl ProviderKind {
    /// This kind's row of [`PROVIDERS`].
    pub fn info(self) -> &'static Provider {
        PROVIDERS
            .iter()
            .find(|p| p.kind == self)
            .expect("every ProviderKind has a row in PROVIDERS")
    }

    /// The wire protocol the provider speaks.
    pub fn protocol(self) -> Protocol {
        self.info().protocol
    }
}

/// Where and how to reach a model.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub protocol: Protocol,
    /// Base URL up to and including the version, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// Extra HTTP headers sent with every request.
    pub headers: Vec<(String, String)>,
    pub stream: bool,
    pub max_tokens: u32,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    /// Base seed (OpenAI-style servers); the sample index is added to it.
    pub seed: Option<u64>,
    pub stop: Vec<String>,
    /// `reasoning_effort` for OpenAI-style reasoning models.
    pub reasoning_effort: Option<String>,
    /// Ceiling on one request, from sending it to the last byte.
    pub request_timeout: Duration,
    /// Longest silence between two received bytes.
    pub idle_timeout: Duration,
    pub max_attempts: u32,
    pub price: Option<Price>,
}

impl Endpoint {
    /// An endpoint with default parameters.
    pub fn new(protocol: Protocol, base_url: &str, model: &str) -> Endpoint {
        Endpoint {
            protocol,
            base_url: base_url.to_string(),
            model: model.to_string(),
            api_key: None,
            headers: Vec::new(),
            stream: false,
            max_tokens: 4096,
            temperature: None,
            top_p: None,
            seed: Some(0),
            stop: Vec::new(),
            reasoning_effort: None,
            request_timeout: HOSTED.ceiling,
            idle_timeout: HOSTED.idle,
            max_attempts: 6,
            price: None,
        }
    }
}

/// Prices in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens (reasoning tokens included).
    pub output: f64,
    /// Input tokens served from the provider's prompt cache [default: the input price].
    #[serde(default)]
    pub cached_input: Option<f64>,
}

impl Price {
    /// Cost of one call's usage; None when the server reported no usage.
    pub fn cost(&self, u: &Usage) -> Option<f64> {
        let input = u.input?;
        let output = u.output?;
        let cached = u.cached.unwrap_or(0).min(input);
        Some(
            ((input - cached) as f64 * self.input
                + cached as f64 * self.cached_input.unwrap_or(self.input)
                + output as f64 * self.output)
                / 1e6,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_kind_has_one_row_under_its_serialized_name() {
        for name in [
            "openai",
            "anthropic",
            "ollama",
            "openai-compat",
            "anthropic-compat",
        ] {
            let kind: ProviderKind = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(kind.info().name, name);
            assert_eq!(Provider::named(name).unwrap().kind, kind);
            assert_eq!(PROVIDERS.iter().filter(|p| p.kind == kind).count(), 1);
        }
        assert_eq!(PROVIDERS.len(), 5);
        assert_eq!(
            shorthands(),
            "openai:MODEL, anthropic:MODEL, ollama:MODEL, openai-compat:URL#MODEL, anthropic-compat:URL#MODEL"
        );
    }

    #[test]
    fn protocol_ids_keep_their_serialized_names() {
        // Response cache keys contain these names.
        assert_eq!(serde_json::json!(Protocol::OpenAi), "open_ai");
        assert_eq!(serde_json::json!(Protocol::Anthropic), "anthropic");
    }
}
