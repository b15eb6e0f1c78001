//! Execution: run a candidate against a task's tests in the sandbox.
//!
//! Per sample: stage the candidate, the task's tests and the language's
//! check library into a private folder; build once (C, Go), or load the
//! candidate once (Python, JavaScript); either step checks that the
//! candidate defines the task's interface, and when it fails no test runs
//! and its log says why. Then run every declared test in its own fresh
//! sandbox, so a crash or hang is charged
//! to the test that caused it and cannot hide the others. Verdicts come
//! only from the results channel, checked against a per-process nonce;
//! a missing, duplicated or forged verdict is a failure.
//!
//! [`execute`] runs every declared test (what scoring needs);
//! [`execute_visible`] runs only the tests the subject may see, for a
//! strategy that shows the subject its results ([`feedback_text`]).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::lang::{self, layout, Invocation, TaskFiles, INTERFACE_MISSING, LOAD_CHECK};
mod feedback;
pub mod oracles;
pub mod web;

pub use feedback::{feedback_text, BUILD_LOG_LIMIT, MESSAGE_LIMIT};

use oracles::{Channel, Observation};

use crate::model::Cause;
pub use crate::model::{TestOutcome, Verdict};
use crate::suite::{Task, TestDecl, TestKind};
use secgap_sandbox::{self as sandbox, Exit, Limits, Mount};

/// The step before the tests: a build, or loading the candidate (Python,
/// JavaScript: then `build` is None unless loading failed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildResult {
    pub ok: bool,
    /// What the compiler or the loader said; a load failure's own error.
    pub log: String,
    pub duration_ms: u64,
    /// Which step failed, when one did.
    #[serde(default)]
    pub failed: Option<Step>,
    /// What the language's tampering check found, when it rejected the
    /// candidate ([`Step::Tampering`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tampering: Option<String>,
}

/// What failed before any test could run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// The code did not compile or link.
    Build,
    /// The code built (or needs no build) but did not load, or does not
    /// define a function of the task's interface.
    Load,
    /// The code built but reaches for the harness (see
    /// [`lang::LanguageSupport::tampering`]): rejected before it ran.
    Tampering,
    /// A web app built (or needs no build) but never accepted connections
    /// on its port within the readiness wait: a start-up failure.
    Startup,
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

/// Which of a task's tests a run executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestSelection {
    /// Every declared test, functional and security: what is scored.
    All,
    /// Only the functional tests the subject may see ([`TestDecl::visible`]):
    /// no security test and no held-back functional test is started.
    Visible,
}

impl TestSelection {
    /// Whether a run with this selection starts `test`.
    pub fn includes(self, test: &TestDecl) -> bool {
        match self {
            TestSelection::All => true,
            TestSelection::Visible => test.visible,
        }
    }
}

/// Run `code` as the candidate for `task`, against every declared test.
pub fn execute(task: &Task, code: &str, opts: &ExecOptions) -> Result<Execution> {
    execute_selected(task, code, opts, TestSelection::All)
}

/// Run `code` as the candidate for `task` against its visible functional
/// tests only, for a strategy that shows the subject the results (see
/// [`feedback_text`]).
///
/// No security test and no held-back functional test is started: their
/// test processes never exist, so none of their code runs, and they have
/// no verdict (not even `not_run`). The build and load steps are the same
/// as [`execute`]'s. Where the language compiles the tests into one
/// program with the candidate (C, Go), the build leaves the unselected
/// tests' functions out of that program (see
/// [`lang::LanguageSupport::withhold_tests`] and [`TaskFiles::withheld`]);
/// what cannot be left out (C file-scope data the sanitizer keeps, a Go
/// test table in a shape the rewrite does not know) is compiled in but
/// never called.
///
/// A visible run is never scored: its verdicts lack the security tests,
/// so [`Execution::secure`] would be vacuously true and
/// [`Execution::functional`] would ignore the held-back tests. Callers
/// feed it back to the subject and score only an [`execute`] run.
pub fn execute_visible(task: &Task, code: &str, opts: &ExecOptions) -> Result<Execution> {
    execute_selected(task, code, opts, TestSelection::Visible)
}

/// Run `code` as the candidate for `task` against the tests `selection`
/// picks, in declaration order; the other tests are not started and get
/// no verdict. Only an [`TestSelection::All`] run may be scored.
pub fn execute_selected(
    task: &Task,
    code: &str,
    opts: &ExecOptions,
    selection: TestSelection,
) -> Result<Execution> {
    if let Some(w) = &task.web {
        return web::execute(task, w, code, opts, selection);
    }
    let selected: Vec<&TestDecl> = task
        .tests
        .iter()
        .filter(|t| selection.includes(t))
        .collect();
    let withheld: Vec<String> = task
        .tests
        .iter()
        .filter(|t| !selection.includes(t))
        .map(|t| t.name.clone())
        .collect();
    let stage = Stage::new(task, code, &opts.runtime_dir, &withheld)?;
    let interface = lang::interface_names(task.language, &task.interface);
    let secret =
        sandbox::try_random_hex(16).context("cannot make the sample's secret file names")?;
    let files = TaskFiles {
        solution_file: &task.solution_file,
        test_file_name: &task.test_file_name,
        race_detector: task.race_detector,
        interface: &interface,
        secret: &secret,
        withheld: &withheld,
    };
    let mut build = None;
    if let Some(inv) = task.language.build(&files) {
        build = Some(run_build(&stage, &inv, opts)?);
    }
    if build.as_ref().is_none_or(|b| b.ok) {
        if let Some(found) = task.language.tampering(code, &stage.build_dir())? {
            build = Some(tampering(build, found));
        }
    }
    if build.as_ref().is_none_or(|b| b.ok) {
        if let Some(inv) = task.language.load(&files) {
            let worker = task.language.worker(&files);
            let loaded = run_load(&stage, task, &inv, worker.as_ref())?;
            if !loaded.ok {
                build = Some(loaded);
            }
        }
    }
    if let Some(b) = build.as_ref().filter(|b| !b.ok) {
        let (why, cause) = match b.failed {
            Some(Step::Load) => (
                "not run: the candidate did not load or does not define the task's interface",
                Cause::NotRun,
            ),
            Some(Step::Tampering) => (
                "not run: the candidate was rejected as tampering with the harness",
                Cause::Tampering,
            ),
            Some(Step::Startup) => ("not run: the app did not start", Cause::NotRun),
            _ => ("not run: the candidate did not build", Cause::NotRun),
        };
        let verdicts = selected
            .iter()
            .map(|t| Verdict {
                test: t.name.clone(),
                kind: t.kind,
                cwe: t.cwe,
                outcome: TestOutcome::NotRun,
                message: why.into(),
                evidence: None,
                duration_ms: 0,
                cause,
            })
            .collect();
        return Ok(Execution { build, verdicts });
    }
    let worker = task.language.worker(&files);
    let mut verdicts = Vec::with_capacity(selected.len());
    for t in selected {
        let inv = task.language.test(&files, &t.name);
        let started = Instant::now();
        let mut spec = stage.spec(task, &inv, worker.as_ref());
        if task.language.test_name_on_channel() {
            spec.after_nonce = Some(t.name.clone());
        }
        if !task.language.tests_mounted_for_tests() {
            spec.mounts.retain(|m| m.dest != layout::TESTS);
        }
        let out = sandbox::run(&spec)?;
        let judgment = judge(task, &inv, &t.name, t.kind, &out);
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

/// The oracles' judgment on one run of the test (or load) process.
fn judge(
    task: &Task,
    inv: &Invocation,
    test: &str,
    kind: TestKind,
    out: &sandbox::Outcome,
) -> oracles::Judgment {
    let stderr = out.stderr.text();
    let channel = Channel::read(out);
    oracles::decide(&Observation {
        test,
        kind,
        run: out,
        timeout_secs: task.limits.timeout_secs,
        sanitizer: inv.sanitized && !task.race_detector,
        race_detector: inv.sanitized && task.race_detector,
        stderr: &stderr,
        channel: &channel,
        sources: &inv.sources,
    })
}

/// Load the candidate once, under a test's sandbox and limits, and judge
/// the loader's report like a test's: anything but a pass (an import
/// error, a missing function, a crash or exit while loading, a hang) is a
/// load failure whose log holds the loader's own error and what the
/// process printed.
fn run_load(
    stage: &Stage,
    task: &Task,
    inv: &Invocation,
    worker: Option<&Invocation>,
) -> Result<BuildResult> {
    let started = Instant::now();
    let out = sandbox::run(&stage.spec(task, inv, worker))?;
    let j = judge(task, inv, LOAD_CHECK, TestKind::Functional, &out);
    let ok = j.outcome == TestOutcome::Pass;
    let mut log = String::new();
    if !ok {
        log = format!(
            "[secgap] the candidate could not be loaded: {}\n",
            j.message
        );
        if let Some(e) = j.evidence.filter(|e| !j.message.contains(e.trim())) {
            log.push_str(&format!("[secgap] what it printed:\n{e}\n"));
        }
    }
    Ok(BuildResult {
        ok,
        log: truncate(&log, 16 * 1024),
        duration_ms: started.elapsed().as_millis() as u64,
        failed: (!ok).then_some(Step::Load),
        tampering: None,
    })
}

/// The build's result once the tampering check rejected what it built.
fn tampering(build: Option<BuildResult>, found: String) -> BuildResult {
    let (mut log, duration_ms) = build.map_or((String::new(), 0), |b| (b.log, b.duration_ms));
    log.push_str(&format!(
        "[secgap] rejected as tampering with the harness, before any test ran: {found}\n"
    ));
    BuildResult {
        ok: false,
        log: truncate(&log, 16 * 1024),
        duration_ms,
        failed: Some(Step::Tampering),
        tampering: Some(found),
    }
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
    // The build runs only the toolchain on the candidate's source, never
    // its code, so its status is the harness's word.
    let failed = match out.exit {
        _ if ok => None,
        Exit::Code(INTERFACE_MISSING) if out.killed.is_none() => Some(Step::Load),
        _ => Some(Step::Build),
    };
    Ok(BuildResult {
        ok,
        log: truncate(&log, 16 * 1024),
        duration_ms: started.elapsed().as_millis() as u64,
        failed,
        tampering: None,
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

pub(crate) const STAGE_PREFIX: &str = "secgap-stage-";

/// Where an install script put what the sandbox mounts read-only (web
/// environments, static analyzers): `$VAR`, else `/var/lib/secgap/LEAF`
/// for root (whose sandboxes run as `nobody`, who cannot enter root's
/// home), else `~/.local/share/secgap/LEAF`.
pub fn install_root(var: &str, leaf: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return PathBuf::from("/var/lib/secgap").join(leaf);
    }
    let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/root"), PathBuf::from);
    home.join(".local/share/secgap").join(leaf)
}

/// Remove staging folders left by secgap processes that no longer exist
/// (a harness killed with SIGKILL cannot clean up after itself). Returns
/// how many were removed.
pub fn sweep_stale_stages() -> usize {
    // And the memory cgroups web tests made.
    let mut removed = secgap_sandbox::cgroup::sweep_stale();
    let Ok(rd) = std::fs::read_dir(std::env::temp_dir()) else {
        return removed;
    };
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
    /// `withheld`: the declared tests the run does not start, which the
    /// language may leave out of the staged tests
    /// ([`lang::LanguageSupport::withhold_tests`]).
    fn new(task: &Task, code: &str, runtime_dir: &Path, withheld: &[String]) -> Result<Stage> {
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
        // Only saves time (each test would otherwise do the same work), so a
        // failure changes no verdict.
        if !withheld.is_empty() {
            // A failure keeps the tests as they are: the withheld ones are
            // then compiled in but still never started.
            let _ = task.language.withhold_tests(&tests, withheld);
        }
        let _ = task.language.prepare_stage(&runtime, &tests);
        open_up(&runtime)?;
        open_up(&tests)?;
        sandbox::hand_over(&build)?;
        Ok(Stage {
            root,
            solution_file: task.solution_file.clone(),
        })
    }

    /// The build folder on the host: what the build left there.
    fn build_dir(&self) -> PathBuf {
        self.root.path().join("build")
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
            after_nonce: None,
            worker: None,
            network: Default::default(),
            cgroup: None,
        }
    }

    /// A load check's or a test's sandbox; with a worker, the candidate
    /// runs there and this sandbox's command is the checker.
    fn spec(&self, task: &Task, inv: &Invocation, worker: Option<&Invocation>) -> sandbox::Spec {
        let mut spec = self.spec_raw(inv, false);
        spec.worker = worker.map(|w| sandbox::Worker {
            argv: w.argv.clone(),
            env: w.env.clone(),
            binds: vec![
                (layout::WORK.to_string(), true),
                (layout::RUNTIME.to_string(), false),
            ],
            workdir: layout::WORK.into(),
        });
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

/// Make everything under `dir` readable to the sandbox's user (it may run
/// as another user than the harness): folders 0755, files 0644.
fn open_up(dir: &Path) -> Result<()> {
    for e in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let e = e?;
        let ft = e.file_type()?;
        if ft.is_dir() {
            set_mode(&e.path(), 0o755)?;
            open_up(&e.path())?;
        } else if ft.is_file() {
            set_mode(&e.path(), 0o644)?;
        }
    }
    Ok(())
}

pub(crate) fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("chmod {}", path.display()))
}
