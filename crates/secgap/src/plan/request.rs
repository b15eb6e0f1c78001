//! From what a user asked for to a checked run: the command line's raw
//! arguments come in as a [`RunRequest`]; [`build`] checks them against
//! each other and the suite and freezes the run's [`RunConfig`]. Nothing
//! here starts work, so every mistake is reported before the first call.

use anyhow::{bail, Result};

use crate::lang::Language;
use crate::model::StrategyRef;
use crate::plan::config::ConfigFile;
use crate::plan::{probe, ProbeConfig, RunConfig};
use crate::suite::{Suite, Task};

/// A run as asked for, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    pub subjects: Vec<String>,
    /// Judges of explain answers (level 1).
    pub judges: Vec<String>,
    /// Empty: the default strategy.
    pub strategies: Vec<StrategyRef>,
    pub default_strategy: Option<StrategyRef>,
    /// Samples per (subject, strategy, task).
    pub n: u32,
    pub stream: bool,
    /// 1 = probes, 2 = code, 3 = the gap.
    pub levels: Vec<u8>,
    pub probe_seed: u64,
    /// `--temperature`: sent to every model subject and judge, above what
    /// the config file says.
    pub temperature: Option<f64>,
    /// Subjects named by `--fail-under METRIC[SUBJECT]=MIN`, with the metric.
    pub gated_subjects: Vec<(String, String)>,
    /// `--static`: the analyzers to run beside the tests.
    pub static_analysis: Option<crate::plan::StaticConfig>,
}

/// Which tasks of a suite a run takes.
#[derive(Debug, Clone, Default)]
pub struct TaskSelection {
    /// Task ids, or prefixes ending in `*`; empty: every task.
    pub patterns: Vec<String>,
    pub language: Option<Language>,
    /// Only function-level tasks, or only web-application tasks.
    pub kind: Option<TaskKind>,
    /// Only web tasks built in these environments (ids).
    pub environments: Vec<String>,
}

/// The two levels of code a task asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TaskKind {
    /// Function-level tasks (`tasks/`).
    Function,
    /// Web-application scenarios in their environments (`scenarios/`).
    Web,
}

/// The tasks `sel` picks, in suite order; an unknown id or an empty
/// selection is an error.
pub fn select_tasks<'a>(suite: &'a Suite, sel: &TaskSelection) -> Result<Vec<&'a Task>> {
    let mut out = Vec::new();
    for t in &suite.tasks {
        if let Some(l) = sel.language {
            if t.language != l {
                continue;
            }
        }
        match sel.kind {
            Some(TaskKind::Function) if t.web.is_some() => continue,
            Some(TaskKind::Web) if t.web.is_none() => continue,
            _ => {}
        }
        if !sel.environments.is_empty()
            && !t
                .web
                .as_ref()
                .is_some_and(|w| sel.environments.contains(&w.environment.id))
        {
            continue;
        }
        if !sel.patterns.is_empty()
            && !sel.patterns.iter().any(|pat| match pat.strip_suffix('*') {
                Some(prefix) => t.id.starts_with(prefix),
                None => t.id == *pat,
            })
        {
            continue;
        }
        out.push(t);
    }
    for env in &sel.environments {
        if !suite.environments.iter().any(|e| e.id == *env) {
            bail!(
                "unknown environment `{env}`; the suite has: {}",
                suite
                    .environments
                    .iter()
                    .map(|e| e.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    for pat in &sel.patterns {
        if !pat.ends_with('*') && suite.task(pat).is_none() {
            bail!("unknown task `{pat}` (see `secgap list tasks`)");
        }
    }
    if out.is_empty() {
        bail!("no task matches the selection");
    }
    Ok(out)
}

/// Check a request and freeze it into the run's config. Whether each
/// subject can be built (a known kind, its API key present) is for the
/// generate stage to say; see `generate::check_subjects`.
pub fn build(
    suite: &Suite,
    tasks: &[&Task],
    cfg: &ConfigFile,
    req: &RunRequest,
) -> Result<RunConfig> {
    if req.n == 0 {
        bail!("-n must be at least 1");
    }
    let mut levels = req.levels.clone();
    levels.sort();
    levels.dedup();
    if let Some(l) = levels.iter().find(|l| !(1..=3).contains(*l)) {
        bail!("--levels: there is no level {l}; use 1 (probes), 2 (code) and 3 (gap), e.g. --levels 1,2,3");
    }
    if !levels.contains(&2) {
        bail!("--levels must include 2: a run always writes and tests code (use --levels 1,2,3)");
    }
    if levels.contains(&3) && !levels.contains(&1) {
        bail!("level 3 (the gap) needs level 1 (the probes): use --levels 1,2,3");
    }
    if !req.judges.is_empty() && !levels.contains(&1) {
        bail!("--judge grades probe answers, which only level 1 asks: add --levels 1,2,3");
    }
    let mut seen = std::collections::BTreeSet::new();
    for s in &req.subjects {
        if !seen.insert(s) {
            bail!("subject `{s}` is given twice");
        }
    }
    for (metric, s) in &req.gated_subjects {
        if !req.subjects.contains(s) {
            bail!("--fail-under {metric}[{s}]: `{s}` is not one of the run's subjects");
        }
    }
    let strategies = if req.strategies.is_empty() {
        req.default_strategy.iter().cloned().collect()
    } else {
        req.strategies.clone()
    };
    if strategies.is_empty() {
        bail!("no strategy: name one with --strategy");
    }
    if let Some(t) = req.temperature {
        if !(0.0..=2.0).contains(&t) {
            bail!("--temperature {t}: use a value from 0 to 2 (0 for repeatable answers)");
        }
    }
    let mut config = RunConfig::new(
        suite,
        tasks,
        req.subjects.clone(),
        &strategies,
        req.n,
        req.stream,
        &cfg.subjects,
    )
    .with_agents(&cfg.agents, &cfg.subjects)
    .with_strategies(&cfg.strategies);
    config.temperature = req.temperature;
    config.static_analysis = req.static_analysis.clone();
    if levels.contains(&1) {
        config.probes = Some(ProbeConfig {
            seed: req.probe_seed,
            version: probe::PROBE_VERSION.into(),
            judges: req.judges.clone(),
        });
        // Judges defined in the config file are frozen with the run too.
        for j in &req.judges {
            if let Some(d) = cfg.subjects.get(j) {
                config.subject_defs.insert(j.clone(), d.clone());
            }
        }
    }
    Ok(config)
}
