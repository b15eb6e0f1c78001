//! The plan: a frozen run configuration and the samples it implies.
//!
//! The config is stored in the run database with a hash of its canonical
//! JSON; `resume` rebuilds exactly the same plan from it and refuses to
//! continue if the suite on disk no longer matches.

pub mod agents;
pub mod config;
pub mod endpoint;
pub mod probe;
pub mod request;

pub use request::{build, select_tasks, RunRequest, TaskKind, TaskSelection};

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use anyhow::{Context, Result};

use crate::model::StrategyRef;
use crate::store::Store;
use crate::suite::{hex, Suite, Task};

/// Everything that determines a run's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub secgap_version: String,
    pub suite_dir: PathBuf,
    pub suite_name: String,
    pub suite_version: String,
    /// SHA-256 over every file of the suite.
    pub suite_hash: String,
    pub subjects: Vec<String>,
    /// Strategy names with their versions, stored as `baseline@1`.
    pub strategies: Vec<StrategyRef>,
    /// Samples per (subject, strategy, task).
    pub n: u32,
    /// Selected task ids, in suite order.
    pub tasks: Vec<String>,
    /// Model subjects are asked for streamed responses.
    #[serde(default)]
    pub stream: bool,
    /// Definitions (from secgap.toml) of the subjects that use one; no API keys.
    #[serde(default)]
    pub subject_defs: std::collections::BTreeMap<String, crate::plan::config::SubjectDef>,
    /// Definitions (from secgap.toml) of the coding agents the run uses
    /// (`agent:NAME`); left out of the JSON when empty, so the configs (and
    /// hashes) of runs without agents are what they were.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub agent_defs: std::collections::BTreeMap<String, crate::plan::agents::AgentDef>,
    /// What each coding agent among the subjects (`agent:...`) could reach:
    /// sandboxed or not, the proxy only or the host's network. Derived from
    /// the definitions, kept so a reader of the run sees it at once; left
    /// out of the JSON when there is no agent.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub agent_access: std::collections::BTreeMap<String, crate::plan::agents::AgentAccess>,
    /// Definitions (from secgap.toml) of the user strategies the run uses,
    /// so that `resume` sends the same prompts whatever the file says now;
    /// left out of the JSON when empty, so the configs (and hashes) of runs
    /// without them are what they were.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub strategy_defs: std::collections::BTreeMap<String, crate::plan::config::StrategyDef>,
    /// Level 1: ask the probes too (left out of the JSON when off, so the
    /// configs of code-only runs keep their hashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<ProbeConfig>,
    /// `--temperature`, sent to every model subject and judge in place of
    /// their own (left out of the JSON when unset, so older configs keep
    /// their hashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// `--static`: run static analyzers on every sample's code too (left
    /// out of the JSON when off, so other configs keep their hashes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_analysis: Option<StaticConfig>,
}

/// Which static analyzers a run asks, and with which rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticConfig {
    /// Analyzer ids; empty: every analyzer secgap knows.
    pub analyzers: Vec<String>,
    /// The user's Semgrep rules folder; None: secgap's own pack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semgrep_rules: Option<PathBuf>,
}

/// How a run asks Level 1 probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeConfig {
    /// Seed of the probes' shuffles.
    pub seed: u64,
    /// `probe::PROBE_VERSION` the probes were made with.
    pub version: String,
    /// Subjects that grade explain answers (majority when several).
    pub judges: Vec<String>,
}

impl RunConfig {
    pub fn new(
        suite: &Suite,
        tasks: &[&Task],
        subjects: Vec<String>,
        strategies: &[StrategyRef],
        n: u32,
        stream: bool,
        defs: &std::collections::BTreeMap<String, crate::plan::config::SubjectDef>,
    ) -> RunConfig {
        RunConfig {
            secgap_version: env!("CARGO_PKG_VERSION").into(),
            suite_dir: suite.root.clone(),
            suite_name: suite.manifest.name.clone(),
            suite_version: suite.manifest.version.clone(),
            suite_hash: suite.content_hash.clone(),
            strategies: strategies.to_vec(),
            n,
            tasks: tasks.iter().map(|t| t.id.clone()).collect(),
            stream,
            subject_defs: defs
                .iter()
                .filter(|(name, _)| subjects.contains(name))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            agent_defs: Default::default(),
            agent_access: Default::default(),
            strategy_defs: Default::default(),
            probes: None,
            temperature: None,
            static_analysis: None,
            subjects,
        }
    }

    /// Freeze the definitions of the coding agents among the subjects
    /// (`agent:NAME` with NAME in `agents`) and of the `[subjects]` entries
    /// they name as their upstream.
    pub fn with_agents(
        mut self,
        agents: &std::collections::BTreeMap<String, crate::plan::agents::AgentDef>,
        defs: &std::collections::BTreeMap<String, crate::plan::config::SubjectDef>,
    ) -> RunConfig {
        use crate::plan::agents::{AgentDef, Preset};
        for s in &self.subjects {
            let Some(name) = s.strip_prefix("agent:") else {
                continue;
            };
            let known = agents
                .get(name)
                .cloned()
                .or_else(|| Preset::parse(name).map(AgentDef::from_preset));
            if let Some(def) = &known {
                self.agent_access.insert(s.clone(), def.access());
            }
            let Some(def) = agents.get(name) else {
                continue;
            };
            if let Some(up) = def.upstream.as_ref().and_then(|u| defs.get_key_value(u)) {
                self.subject_defs.insert(up.0.clone(), up.1.clone());
            }
            self.agent_defs
                .insert(s["agent:".len()..].to_string(), def.clone());
        }
        self
    }

    /// Freeze the definitions of the user strategies (`[strategies.NAME]`
    /// in `defs`) among the run's strategies.
    pub fn with_strategies(
        mut self,
        defs: &std::collections::BTreeMap<String, crate::plan::config::StrategyDef>,
    ) -> RunConfig {
        for s in &self.strategies {
            if let Some(def) = defs.get(&s.name) {
                self.strategy_defs.insert(s.name.clone(), def.clone());
            }
        }
        self
    }

    /// Canonical JSON (struct field order is fixed) and its SHA-256.
    /// The config a run database holds.
    pub fn load(store: &Store) -> Result<RunConfig> {
        serde_json::from_str(&store.config_json()?).context("stored config does not parse")
    }

    /// A new run database at `path` holding this config.
    pub fn create_store(&self, path: &std::path::Path) -> Result<Store> {
        Store::create(path, &self.canonical_json(), &self.hash())
    }

    pub fn canonical_json(&self) -> String {
        serde_json::to_string(self).expect("config serializes")
    }

    pub fn hash(&self) -> String {
        hex(&Sha256::digest(self.canonical_json().as_bytes()))
    }

    /// Differences from another config, for a clear refusal message.
    pub fn differences(&self, other: &RunConfig) -> Vec<String> {
        let a = serde_json::to_value(self).expect("serializes");
        let b = serde_json::to_value(other).expect("serializes");
        let mut out = Vec::new();
        if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
            for (k, va) in a {
                let vb = b.get(k).unwrap_or(&serde_json::Value::Null);
                if va != vb {
                    out.push(format!("{k}: run has {va}, now {vb}"));
                }
            }
        }
        out
    }
}

pub use crate::model::SampleKey;

/// Every sample of the run, in a fixed order: task-major, so that an
/// interrupted run has partial results spread over subjects.
pub fn samples(config: &RunConfig) -> Vec<SampleKey> {
    let mut out = Vec::new();
    for task in &config.tasks {
        for index in 0..config.n {
            for subject in &config.subjects {
                for strategy in &config.strategies {
                    out.push(SampleKey {
                        subject: subject.as_str().into(),
                        strategy: strategy.name.as_str().into(),
                        task: task.as_str().into(),
                        index,
                    });
                }
            }
        }
    }
    out
}

/// The model a subject spec reaches, as `BASE_URL#MODEL` (None for
/// subjects that are no model behind an API: references, replays,
/// agents). Two specs with the same identity are the same model, whatever
/// they are called: a judge with its subject's identity grades itself.
pub fn model_identity(
    spec: &str,
    defs: &std::collections::BTreeMap<String, crate::plan::config::SubjectDef>,
) -> Option<String> {
    let def = match defs.get(spec) {
        Some(d) => d.clone(),
        None => crate::plan::config::SubjectDef::from_spec(spec).ok()??,
    };
    let base = def
        .base_url
        .as_deref()
        .or(def.provider.info().base_url)?
        .trim_end_matches('/')
        .to_ascii_lowercase();
    Some(format!("{base}#{}", def.model))
}

#[cfg(test)]
mod identity_tests {
    #[test]
    fn specs_of_the_same_model_have_one_identity() {
        let defs = Default::default();
        let id = |s: &str| super::model_identity(s, &defs);
        assert_eq!(
            id("openai-compat:http://127.0.0.1:8080/v1#m"),
            id("openai-compat:http://127.0.0.1:8080/v1/#m")
        );
        assert_ne!(
            id("openai-compat:http://127.0.0.1:8080/v1#m"),
            id("openai-compat:http://127.0.0.1:8080/v1#other")
        );
        assert_eq!(id("reference:secure"), None);
    }
}
