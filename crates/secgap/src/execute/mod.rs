//! Execution: run a candidate against a task's tests in the sandbox.
//!
//! Per sample: stage the candidate, the task's tests and the language's
//! check library into a private folder; build once (C); then run every
//! declared test in its own fresh sandbox, so a crash or hang is charged
//! to the test that caused it and cannot hide the others. Verdicts come
//! only from the results channel, checked against a per-process nonce;
//! a missing, duplicated or forged verdict is a failure.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::lang::{layout, Invocation, TaskFiles};
pub mod oracles;

use oracles::Observation;

use crate::model::Cause;
pub use crate::model::{TestOutcome, Verdict};
use crate::suite::{Task, TestKind};
use secgap_sandbox::{self as sandbox, Exit, Limits, Mount};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildResult {
    pub ok: bool,
    pub log: String,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Execution {
    pub build: Option<BuildResult>,
    pub verdicts: Vec<Verdict>,
}

impl Execution {
    pub fn functional(&self) -> bool {
        self.all_pass(TestKind::Functional)
    }
    /// Secure: every security test passed. A test that could not reach a
    /// verdict counts against the candidate, never for it.
    pub fn secure(&self) -> bool {
        self.all_pass(TestKind::Security)
    }
    fn all_pass(&self, kind: TestKind) -> bool {
        self.verdicts
            .iter()
            .filter(|v| v.kind == kind)
            .all(|v| v.outcome == TestOutcome::Pass)
    }
    pub fn first_failure(&self) -> Option<&Verdict> {
        self.verdicts
            .iter()
            .find(|v| v.outcome != TestOutcome::Pass)
    }
}

/// Harness-side options for execution.
#[derive(Debug, Clone)]
pub struct ExecOptions {
    pub runtime_dir: PathBuf,
    pub build_timeout: Duration,
}

/// Run `code` as the candidate for `task`.
pub fn execute(task: &Task, code: &str, opts: &ExecOptions) -> Result<Execution> {
    let stage = Stage::new(task, code, &opts.runtime_dir)?;
    let files = TaskFiles {
        solution_file: &task.solution_file,
        test_file_name: &task.test_file_name,
        race_detector: task.race_detector,
    };
    let mut build = None;
    if let Some(inv) = task.language.build(&files) {
        let b = run_build(&stage, &inv, opts)?;
        let ok = b.ok;
        build = Some(b);
        if !ok {
            let verdicts = task
                .tests
                .iter()
                .map(|t| Verdict {
                    test: t.name.clone(),
                    kind: t.kind,
                    cwe: t.cwe,
                    outcome: TestOutcome::NotRun,
                    message: "not run: the candidate did not build".into(),
                    evidence: None,
                    duration_ms: 0,
                    cause: Cause::NotRun,
                })
                .collect();
            return Ok(Execution { build, verdicts });
        }
    }
    let mut verdicts = Vec::with_capacity(task.tests.len());
    for t in &task.tests {
        let inv = task.language.test(&files, &t.name);
        let started = Instant::now();
        let out = sandbox::run(&stage.spec(task, &inv, false))?;
        let stderr = out.stderr.text();
        let judgment = oracles::decide(&Observation {
            test: &t.name,
            kind: t.kind,
            run: &out,
            timeout_secs: task.limits.timeout_secs,
            sanitizer: inv.sanitized && !task.race_detector,
            race_detector: inv.sanitized && task.race_detector,
            stderr: &stderr,
        });
        verdicts.push(Verdict {
            test: t.name.clone(),
            kind: t.kind,
            cwe: t.cwe,
            outcome: judgment.outcome,
            message: judgment.message,
            evidence: judgment.evidence,
            duration_ms: started.elapsed().as_millis() as u64,
            cause: judgment.cause,
        });
    }
    Ok(Execution { build, verdicts })
}

fn run_build(stage: &Stage, inv: &Invocation, opts: &ExecOptions) -> Result<BuildResult> {
    let mut spec = stage.spec_raw(inv, true);
    spec.limits.wall = opts.build_timeout;
    spec.limits.cpu_secs = opts.build_timeout.as_secs().max(1);
    spec.limits.file_size_mb = 256;
    spec.limits.address_space_mb = Some(4096);
    spec.channel = false;
    let started = Instant::now();
    let out = sandbox::run(&spec)?;
    let mut log = out.stderr.text();
    log.push_str(&out.stdout.text());
    let ok = out.exit == Exit::Code(0) && out.killed.is_none();
    if let Some(k) = out.killed {
        log.push_str(&format!("\n[secgap] build killed: {k:?}"));
    }
    Ok(BuildResult {
        ok,
        log: truncate(&log, 16 * 1024),
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

pub fn truncate(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut cut = n;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n[... {} more bytes]", &s[..cut], s.len() - cut)
}

const STAGE_PREFIX: &str = "secgap-stage-";

/// Remove staging folders left by secgap processes that no longer exist
/// (a harness killed with SIGKILL cannot clean up after itself). Returns
/// how many were removed.
pub fn sweep_stale_stages() -> usize {
    let Ok(rd) = std::fs::read_dir(std::env::temp_dir()) else {
        return 0;
    };
    let mut removed = 0;
    for e in rd.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(STAGE_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() && std::fs::remove_dir_all(e.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

/// A private staging folder for one sample: candidate, tests, runtime,
/// build output. Removed when dropped; nothing the sandbox writes to its
/// tmpfs ever reaches it.
struct Stage {
    root: tempfile::TempDir,
    solution_file: String,
}

impl Stage {
    fn new(task: &Task, code: &str, runtime_dir: &Path) -> Result<Stage> {
        let prefix = format!("{STAGE_PREFIX}{}-", std::process::id());
        let root = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir()
            .context("create a staging folder")?;
        // The sandbox runs as another user when the harness is root.
        set_mode(root.path(), 0o755)?;
        let src = root.path().join("src");
        let tests = root.path().join("tests");
        let runtime = root.path().join("runtime");
        let build = root.path().join("build");
        for d in [&src, &tests, &runtime, &build] {
            std::fs::create_dir(d).with_context(|| format!("mkdir {}", d.display()))?;
            set_mode(d, 0o755)?;
        }
        let solution = src.join(&task.solution_file);
        std::fs::write(&solution, code)?;
        set_mode(&solution, 0o644)?;
        copy_dir(&task.tests_dir, &tests)?;
        copy_dir(runtime_dir, &runtime)
            .with_context(|| format!("copy check library {}", runtime_dir.display()))?;
        sandbox::hand_over(&build)?;
        Ok(Stage {
            root,
            solution_file: task.solution_file.clone(),
        })
    }

    fn mounts(&self, build_writable: bool) -> Vec<Mount> {
        let p = self.root.path();
        vec![
            Mount {
                host: p.join("runtime"),
                dest: layout::RUNTIME.into(),
                writable: false,
            },
            Mount {
                host: p.join("tests"),
                dest: layout::TESTS.into(),
                writable: false,
            },
            Mount {
                host: p.join("build"),
                dest: layout::BUILD.into(),
                writable: build_writable,
            },
            Mount {
                host: p.join("src").join(&self.solution_file),
                dest: format!("{}/{}", layout::WORK, self.solution_file),
                writable: false,
            },
        ]
    }

    fn spec_raw(&self, inv: &Invocation, build_writable: bool) -> sandbox::Spec {
        sandbox::Spec {
            argv: inv.argv.clone(),
            env: inv.env.clone(),
            mounts: self.mounts(build_writable),
            workdir: layout::WORK.into(),
            limits: Limits::default(),
            channel: true,
        }
    }

    fn spec(&self, task: &Task, inv: &Invocation, build_writable: bool) -> sandbox::Spec {
        let mut spec = self.spec_raw(inv, build_writable);
        spec.limits.wall = Duration::from_secs(task.limits.timeout_secs as u64);
        spec.limits.cpu_secs = task.limits.timeout_secs as u64;
        spec.limits.address_space_mb = if inv.sanitized {
            None
        } else {
            Some((task.limits.memory_mb as u64).max(inv.min_address_space_mb.unwrap_or(0)))
        };
        spec
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for e in std::fs::read_dir(from).with_context(|| format!("read {}", from.display()))? {
        let e = e?;
        let ft = e.file_type()?;
        let name = e.file_name();
        if name == "__pycache__" {
            continue;
        }
        let dst = to.join(&name);
        if ft.is_dir() {
            std::fs::create_dir(&dst)?;
            set_mode(&dst, 0o755)?;
            copy_dir(&e.path(), &dst)?;
        } else if ft.is_file() {
            std::fs::copy(e.path(), &dst)
                .with_context(|| format!("copy {}", e.path().display()))?;
            set_mode(&dst, 0o644)?;
        }
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("chmod {}", path.display()))
}
