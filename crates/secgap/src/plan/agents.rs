//! Coding-agent definitions, `[agents.NAME]` in secgap.toml, as a run
//! config freezes them: which built-in agent, which command line and
//! environment, which upstream model. Running one, and the checks that need
//! the subjects, the command templates and the presets' command lines, are
//! [`crate::generate::agent`]'s business.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Result};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::endpoint::Price;

/// The built-in agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// Anthropic's Claude Code (`claude`); upstream: an Anthropic-protocol subject
    ClaudeCode,
    /// OpenAI's Codex CLI (`codex exec`); upstream: an OpenAI-protocol subject serving the Responses API
    Codex,
    /// Aider (`aider`); upstream: either protocol
    Aider,
    /// Google's Gemini CLI (`gemini`); speaks Google's API, so it cannot have an upstream
    GeminiCli,
}

impl Preset {
    pub const ALL: [Preset; 4] = [
        Preset::ClaudeCode,
        Preset::Codex,
        Preset::Aider,
        Preset::GeminiCli,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Preset::ClaudeCode => "claude-code",
            Preset::Codex => "codex",
            Preset::Aider => "aider",
            Preset::GeminiCli => "gemini-cli",
        }
    }

    /// The product's name, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Preset::ClaudeCode => "Claude Code",
            Preset::Codex => "Codex CLI",
            Preset::Aider => "Aider",
            Preset::GeminiCli => "Gemini CLI",
        }
    }

    pub fn parse(s: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// One coding agent, `[agents.NAME]` in secgap.toml; run it with
/// `--subject agent:NAME`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentDef {
    /// A built-in agent whose command line and environment are used;
    /// `command` replaces the command line, `env` adds to the environment.
    #[serde(default)]
    pub preset: Option<Preset>,
    /// The command line, one argument per item (no shell). Placeholders:
    /// {prompt}, {prompt_file}, {workspace}, {solution_file}, {model},
    /// {proxy_origin}, {openai_base_url}, {anthropic_base_url}; `{{` and `}}`
    /// stand for literal braces. The command runs in the workspace.
    #[serde(default)]
    pub command: Option<Vec<String>>,
    /// Environment variables for the agent (values may use the placeholders),
    /// on top of secgap's own environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Wall-clock limit per sample in seconds [default: 900]; the agent's
    /// whole process group is killed when it is reached.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// The model the agent's traffic goes to: the name of a `[subjects.X]`
    /// entry or a model shorthand (`anthropic:MODEL`,
    /// `openai-compat:URL#MODEL`...). secgap then runs a loopback proxy per
    /// sample, points the agent at it and records every call's usage and
    /// cost. Without it the agent uses its own credentials, unrecorded.
    #[serde(default)]
    pub upstream: Option<String>,
    /// The model name given to the agent ({model}) [default: the upstream's model].
    #[serde(default)]
    pub model: Option<String>,
    /// Prices in USD per million tokens for the calls through the proxy
    /// [default: the upstream subject's price].
    #[serde(default)]
    pub price: Option<Price>,
    /// Host files or folders the agent needs (its settings, a script its
    /// command runs), mounted read-only in its sandbox: `~/...` under the
    /// sandbox's home (`~/.config/foo` appears at `$HOME/.config/foo`),
    /// absolute paths at the same path. Each must exist; `/` and the home
    /// folder itself are refused; a folder's own `.git` is hidden.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub read_only: Vec<String>,
    /// Run the agent in its bubblewrap sandbox [default: true]. `false`
    /// runs it as you, with your whole file system (the suite's tests and
    /// references included) and the network in reach; the run records it
    /// and warns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<bool>,
}

/// What an agent could reach, as the run records it (`agent_access` in
/// the run's config), so a reader of the results knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentAccess {
    /// It ran in its bubblewrap sandbox (no suite, run folder, home or
    /// version history in reach).
    pub sandboxed: bool,
    pub network: AgentNetwork,
}

/// The network an agent had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AgentNetwork {
    /// Only the recording proxy (its sandbox holds nothing but loopback).
    ProxyOnly,
    /// The host's network: its vendor's API, and any other address.
    Host,
}

const DEFAULT_TIMEOUT_SECS: u64 = 900;

impl AgentDef {
    /// The definition `agent:PRESET` stands for.
    pub fn from_preset(p: Preset) -> AgentDef {
        AgentDef {
            preset: Some(p),
            ..AgentDef::default()
        }
    }

    /// Whether the agent runs in its sandbox.
    pub fn sandboxed(&self) -> bool {
        self.sandbox != Some(false)
    }

    /// What the agent can reach when it runs.
    pub fn access(&self) -> AgentAccess {
        let sandboxed = self.sandboxed();
        AgentAccess {
            sandboxed,
            network: if sandboxed && self.upstream.is_some() {
                AgentNetwork::ProxyOnly
            } else {
                AgentNetwork::Host
            },
        }
    }

    /// The wall-clock limit per sample.
    pub fn timeout(&self, name: &str) -> Result<Duration> {
        match self.timeout_secs {
            Some(0) => bail!("agent `{name}`: timeout_secs must be at least 1"),
            Some(t) => Ok(Duration::from_secs(t)),
            None => Ok(Duration::from_secs(DEFAULT_TIMEOUT_SECS)),
        }
    }
}
