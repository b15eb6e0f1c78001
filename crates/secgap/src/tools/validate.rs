//! `secgap validate`: prove that each task's tests do their job.
//!
//! For every task, in the real sandbox: the secure reference passes every
//! test; each insecure reference passes every functional test and fails at
//! least one security test for the CWE it declares; every security test
//! fails on at least one insecure reference (a test that can never fail
//! proves nothing); and, with `--repeat N`, no verdict flips between runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::execute::oracles::analyzers::StaticPlan;
use crate::execute::{self, ExecOptions, Execution, TestOutcome};
use crate::model::{Cwe, StaticRun, StaticStatus};
use crate::suite::{Suite, Task, TestKind};

#[derive(Debug, Clone, Serialize)]
pub struct TaskValidation {
    pub task: String,
    pub ok: bool,
    pub problems: Vec<String>,
    pub executions: usize,
    pub wall_ms: u64,
    /// With `--static`: each analyzer's verdict on each reference. Never
    /// a problem: an analyzer that misses is information, not a failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub static_checks: Vec<StaticCheck>,
}

/// One analyzer on one reference of a task.
#[derive(Debug, Clone, Serialize)]
pub struct StaticCheck {
    pub reference: String,
    /// The insecure reference's CWE; None for the secure one.
    pub cwe: Option<Cwe>,
    pub analyzer: String,
    pub status: StaticStatus,
    /// Why it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The rules that fired, in order, each once.
    pub rules: Vec<String>,
    /// Insecure reference: a finding flags its CWE (or a direct parent or
    /// child of it). None for the secure reference or without a verdict.
    pub caught: Option<bool>,
    pub duration_ms: u64,
}

impl StaticCheck {
    fn of(reference: &str, cwe: Option<Cwe>, run: &StaticRun) -> StaticCheck {
        let mut rules: Vec<String> = Vec::new();
        for f in &run.findings {
            if !rules.contains(&f.rule) {
                rules.push(f.rule.clone());
            }
        }
        StaticCheck {
            reference: reference.to_string(),
            cwe,
            analyzer: run.analyzer.clone(),
            status: run.status,
            message: run.message.clone(),
            rules,
            caught: cwe
                .filter(|_| run.status == StaticStatus::Ran)
                .map(|c| run.flags(c)),
            duration_ms: run.duration_ms,
        }
    }

    /// `clean`, `3 findings (B602, B404)`, `caught (B608)`, `missed`, or
    /// why there is no verdict.
    pub fn verdict(&self) -> String {
        let rules = || self.rules.join(", ");
        match (self.status, self.caught) {
            (StaticStatus::Skipped, _) => "skipped".into(),
            (StaticStatus::Failed, _) => format!(
                "no verdict ({})",
                first_line(self.message.as_deref().unwrap_or("failed"))
            ),
            (_, Some(true)) => format!("caught ({})", rules()),
            (_, Some(false)) if self.rules.is_empty() => "missed".into(),
            (_, Some(false)) => format!("missed; found {}", rules()),
            (_, None) if self.rules.is_empty() => "clean".into(),
            (_, None) => format!("flags safe code ({})", rules()),
        }
    }
}

fn rel(task: &Task, p: &Path) -> String {
    p.strip_prefix(&task.dir).unwrap_or(p).display().to_string()
}

fn read(p: &Path) -> Result<String> {
    std::fs::read_to_string(p).with_context(|| format!("read {}", p.display()))
}

fn outcome_list(exec: &Execution, kind: TestKind) -> String {
    exec.verdicts
        .iter()
        .filter(|v| v.kind == kind)
        .map(|v| format!("{}={}", v.test, v.outcome.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Validate one task, running each reference `repeat` times; with
/// `statics`, also run the static analyzers once on each reference.
pub fn validate_task(
    suite: &Suite,
    task: &Task,
    repeat: u32,
    statics: Option<&StaticPlan>,
) -> Result<TaskValidation> {
    let started = Instant::now();
    let opts = ExecOptions {
        runtime_dir: suite.runtime_dir(task.language),
        build_timeout: Duration::from_secs(120),
    };
    let mut problems = Vec::new();
    let mut refs = vec![(rel(task, &task.secure_ref), read(&task.secure_ref)?, None)];
    for r in &task.insecure_refs {
        refs.push((rel(task, &r.file), read(&r.file)?, Some(r.cwe)));
    }
    // (reference, test) -> outcomes across repeats
    let mut history: BTreeMap<(String, String), Vec<TestOutcome>> = BTreeMap::new();
    let mut caught_by: BTreeMap<String, usize> = BTreeMap::new();
    // (reference, test) -> what each round's verdict said, to explain a flip.
    let mut said: BTreeMap<(String, String), Vec<execute::Verdict>> = BTreeMap::new();
    let mut executions = 0;
    for round in 0..repeat.max(1) {
        for (name, code, cwe) in &refs {
            let ex = execute::execute(task, code, &opts)?;
            executions += 1;
            for v in &ex.verdicts {
                history
                    .entry((name.clone(), v.test.clone()))
                    .or_default()
                    .push(v.outcome);
                said.entry((name.clone(), v.test.clone()))
                    .or_default()
                    .push(v.clone());
            }
            if round > 0 {
                continue;
            }
            if let Some(b) = &ex.build {
                if !b.ok {
                    let what = match b.failed {
                        Some(execute::Step::Startup) => "does not start",
                        _ => "does not build",
                    };
                    problems.push(format!(
                        "{name} {what}:\n{}",
                        indent(&execute::truncate(&b.log, 2000))
                    ));
                    continue;
                }
            }
            match cwe {
                None => {
                    for v in ex
                        .verdicts
                        .iter()
                        .filter(|v| v.outcome != TestOutcome::Pass)
                    {
                        problems.push(format!(
                            "secure reference {name} fails {} test `{}`: {}{}{}",
                            v.kind.as_str(),
                            v.test,
                            first_line(&v.message),
                            match v.kind {
                                TestKind::Security => " (the test flags safe code: fix the test)",
                                TestKind::Functional => " (fix the test or the reference)",
                            },
                            web_evidence(task, v)
                        ));
                    }
                }
                Some(cwe) => {
                    for v in ex.verdicts.iter().filter(|v| {
                        v.kind == TestKind::Functional && v.outcome != TestOutcome::Pass
                    }) {
                        problems.push(format!(
                            "insecure reference {name} fails functional test `{}`: {} (an insecure reference must work for ordinary use, so the security tests are what catch it){}",
                            v.test,
                            first_line(&v.message),
                            web_evidence(task, v)
                        ));
                    }
                    let caught: Vec<&str> = ex
                        .verdicts
                        .iter()
                        .filter(|v| {
                            v.kind == TestKind::Security
                                && v.cwe == Some(*cwe)
                                && v.outcome == TestOutcome::Fail
                        })
                        .map(|v| v.test.as_str())
                        .collect();
                    if caught.is_empty() {
                        problems.push(format!(
                            "insecure reference {name} ({cwe}) is not caught: no security test for {cwe} fails on it ({})",
                            outcome_list(&ex, TestKind::Security)
                        ));
                    }
                    for v in ex
                        .verdicts
                        .iter()
                        .filter(|v| v.kind == TestKind::Security && v.outcome == TestOutcome::Fail)
                    {
                        *caught_by.entry(v.test.clone()).or_default() += 1;
                    }
                }
            }
        }
    }
    for t in task.tests.iter().filter(|t| t.kind == TestKind::Security) {
        if !caught_by.contains_key(&t.name) {
            problems.push(format!(
                "security test `{}` ({}) never fails: no insecure reference trips it, so it proves nothing; add an insecure reference it catches or fix the test",
                t.name,
                t.cwe.map(|c| c.to_string()).unwrap_or_default()
            ));
        }
    }
    for ((r, test), outcomes) in &history {
        if outcomes.windows(2).any(|w| w[0] != w[1]) {
            let seq: Vec<&str> = outcomes.iter().map(|o| o.as_str()).collect();
            // What the rounds that did not pass said, so the flip can be traced.
            let mut why = String::new();
            let rounds = said.get(&(r.clone(), test.clone()));
            for (i, o) in outcomes.iter().enumerate() {
                if *o == TestOutcome::Pass {
                    continue;
                }
                if let Some(v) = rounds.and_then(|s| s.get(i)) {
                    why.push_str(&format!(
                        "\n     round {}: {}",
                        i + 1,
                        first_line(&v.message)
                    ));
                    if let Some(e) = &v.evidence {
                        why.push_str(&format!("\n{}", indent(&execute::truncate(e, 1500))));
                    }
                }
            }
            problems.push(format!(
                "verdict of test `{test}` on {r} flips across runs: {}{why}",
                seq.join(", ")
            ));
        }
    }
    let mut static_checks = Vec::new();
    if let Some(plan) = statics {
        for (name, code, cwe) in &refs {
            for run in plan.analyze(task.language, &task.solution_file, code)? {
                static_checks.push(StaticCheck::of(name, *cwe, &run));
            }
        }
    }
    Ok(TaskValidation {
        task: task.id.clone(),
        ok: problems.is_empty(),
        problems,
        executions,
        wall_ms: started.elapsed().as_millis() as u64,
        static_checks,
    })
}

/// `validate --static`'s table: per task and reference, each analyzer's
/// verdict; then per analyzer, the insecure references it caught and the
/// secure ones it flagged.
pub fn static_table(results: &[TaskValidation]) -> String {
    let mut out = String::from(
        "\nstatic analyzers on the references (information: a miss does not fail validation)\n",
    );
    // analyzer -> (caught, insecure with a verdict, secure flagged, secure with a verdict, ms)
    let mut per: BTreeMap<String, (u64, u64, u64, u64, u64)> = BTreeMap::new();
    for r in results {
        let mut refs: Vec<(&str, Option<Cwe>)> = Vec::new();
        for c in &r.static_checks {
            if !refs.contains(&(c.reference.as_str(), c.cwe)) {
                refs.push((c.reference.as_str(), c.cwe));
            }
        }
        for (reference, cwe) in refs {
            let verdicts: Vec<String> = r
                .static_checks
                .iter()
                .filter(|c| c.reference == reference && c.cwe == cwe)
                .map(|c| {
                    let e = per.entry(c.analyzer.clone()).or_default();
                    e.4 += c.duration_ms;
                    if c.status == StaticStatus::Ran {
                        match c.caught {
                            Some(caught) => {
                                e.0 += caught as u64;
                                e.1 += 1;
                            }
                            None => {
                                e.2 += !c.rules.is_empty() as u64;
                                e.3 += 1;
                            }
                        }
                    }
                    format!("{}: {}", c.analyzer, c.verdict())
                })
                .collect();
            let what = match cwe {
                Some(c) => format!("{reference} ({c})"),
                None => reference.to_string(),
            };
            out.push_str(&format!(
                "{:<26} {:<44} {}\n",
                r.task,
                what,
                verdicts.join(" · ")
            ));
        }
    }
    out.push_str(&format!(
        "\n{:<14} {:>22} {:>22} {:>12}\n",
        "analyzer", "insecure refs caught", "secure refs flagged", "ms per ref"
    ));
    for (a, (caught, insecure, flagged, secure, ms)) in &per {
        let refs = results
            .iter()
            .flat_map(|r| &r.static_checks)
            .filter(|c| &c.analyzer == a)
            .count()
            .max(1) as u64;
        out.push_str(&format!(
            "{:<14} {:>22} {:>22} {:>12}\n",
            a,
            format!("{caught}/{insecure}"),
            format!("{flagged}/{secure}"),
            ms / refs
        ));
    }
    out
}

/// A web test's requests and responses, which say why it failed.
fn web_evidence(task: &Task, v: &execute::Verdict) -> String {
    match (&task.web, &v.evidence) {
        (Some(_), Some(e)) => format!("\n{}", indent(&execute::truncate(e, 3000))),
        _ => String::new(),
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Validate many tasks on `jobs` threads; results come back in task order.
/// `on_done` is called as each task finishes (for progress output).
pub fn validate_all(
    suite: &Suite,
    tasks: &[&Task],
    repeat: u32,
    statics: Option<&StaticPlan>,
    jobs: usize,
    on_done: &(dyn Fn(&TaskValidation) + Sync),
) -> Result<Vec<TaskValidation>> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<Result<TaskValidation>>>> =
        Mutex::new((0..tasks.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1).min(tasks.len().max(1)) {
            s.spawn(|| loop {
                let i = {
                    let mut n = next.lock().unwrap();
                    let i = *n;
                    *n += 1;
                    i
                };
                if i >= tasks.len() {
                    break;
                }
                let r = validate_task(suite, tasks[i], repeat, statics);
                if let Ok(v) = &r {
                    on_done(v);
                }
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every task validated"))
        .collect()
}
