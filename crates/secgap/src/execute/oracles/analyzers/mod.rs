//! Static analyzers: the second, weaker oracle. Each analyzer runs on a
//! sample's code in a sandbox of its own (no network, the code and the
//! analyzer read-only, a writable folder for its report), and its report
//! is parsed into [`Finding`]s with the CWEs its rules map to. Findings
//! never change whether a sample is functional or secure; the analyze
//! stage measures how far they agree with the executed tests.
//!
//! Adding an analyzer is one new file here, implementing [`Analyzer`],
//! plus one line in [`ANALYZERS`]. `scripts/install-analyzers.sh` installs
//! the pinned ones into [`analyzers_root`]; one that is missing is skipped
//! with a warning, never an error.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::execute::set_mode;
use secgap_sandbox::{self as sandbox, Exit, Limits, Mount};

use crate::lang::Language;
use crate::model::{Finding, StaticRun, StaticStatus};

mod bandit;
mod cppcheck;
mod eslint;
mod gcc;
mod gocheck;
pub mod sarif;
mod semgrep;

/// Every analyzer secgap knows, in the order they run and are reported.
pub static ANALYZERS: &[&dyn Analyzer] = &[
    &bandit::Bandit,
    &cppcheck::Cppcheck,
    &gcc::GccAnalyzer,
    &eslint::Eslint,
    &gocheck::Gocheck,
    &semgrep::Semgrep,
];

/// The analyzer called `id`.
pub fn named(id: &str) -> Option<&'static dyn Analyzer> {
    ANALYZERS.iter().copied().find(|a| a.id() == id)
}

/// Every analyzer's id, for messages.
pub fn ids() -> Vec<&'static str> {
    ANALYZERS.iter().map(|a| a.id()).collect()
}

/// Where the analyzer's installed folder is mounted in its sandbox.
pub const TOOL_DIR: &str = "/opt/analyzer";
/// Where the sample's code is (read-only); also the working directory.
pub const WORK_DIR: &str = "/work";
/// Where the analyzer writes its report (the only writable mount).
pub const OUT_DIR: &str = "/out";
/// Memory for one analyzer's process tree, in MiB.
pub const MEMORY_MB: u64 = 2048;
/// Where the rule files are mounted, for analyzers that take rules.
pub const RULES_DIR: &str = "/rules";

/// Where `scripts/install-analyzers.sh` installs analyzers:
/// `$SECGAP_ANALYZERS`, else `/var/lib/secgap/analyzers` for root (the
/// sandbox then runs as `nobody`), else `~/.local/share/secgap/analyzers`.
pub fn analyzers_root() -> PathBuf {
    crate::execute::install_root("SECGAP_ANALYZERS", "analyzers")
}

/// An installed analyzer, found on this machine.
#[derive(Debug, Clone)]
pub struct Tool {
    /// The installed folder, mounted read-only at [`TOOL_DIR`] (None for
    /// programs in the system folders every sandbox sees).
    pub dir: Option<PathBuf>,
    /// The version it reports.
    pub version: String,
}

/// Where the analyzer's report is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    Stdout,
    Stderr,
    /// A file the analyzer writes under [`OUT_DIR`] (by this name).
    File(&'static str),
}

/// How to run the analyzer on one file.
#[derive(Debug, Clone)]
pub struct Command {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    pub report: Report,
}

/// One static analyzer.
pub trait Analyzer: Sync {
    /// Its id in configs, flags, the store and reports.
    fn id(&self) -> &'static str;

    /// The names of the languages it analyzes.
    fn languages(&self) -> &'static [&'static str];

    /// The installed analyzer under `root` (or the system's), or what is
    /// missing and how to install it.
    fn locate(&self, root: &Path) -> Result<Tool, String>;

    /// The command that analyzes `WORK_DIR/file`; `rules` is the rules
    /// folder mounted at [`RULES_DIR`], for analyzers that take one.
    fn command(&self, file: &str) -> Command;

    /// Its report on `file` as findings, or why the report cannot be read.
    /// `exit` is its exit status (some exit non-zero when they find
    /// something, which is not a failure).
    fn parse(&self, report: &str, file: &str, exit: i32) -> Result<Vec<Finding>, String>;

    /// Whether it needs a rules folder at [`RULES_DIR`].
    fn takes_rules(&self) -> bool {
        false
    }

    fn applies_to(&self, language: Language) -> bool {
        self.languages().contains(&language.name())
    }
}

/// The analyzers a run uses, resolved on this machine once.
#[derive(Debug)]
pub struct StaticPlan {
    /// Each requested analyzer with its installed tool, or why it is
    /// missing (then every sample records it as skipped).
    pub analyzers: Vec<(&'static str, Result<Tool, String>)>,
    /// The rules folder for analyzers that take one.
    pub rules: PathBuf,
    /// Wall-clock limit per analyzer and sample.
    pub timeout: Duration,
    /// Holds the built-in rule pack while the plan lives.
    _scratch: Option<tempfile::TempDir>,
}

impl StaticPlan {
    /// Resolve `ids` (all analyzers when empty) on this machine; `rules`:
    /// the user's rules folder for Semgrep, else the pack built into
    /// secgap, written to a folder of its own.
    pub fn resolve(ids: &[String], rules: Option<&Path>) -> Result<StaticPlan> {
        let root = analyzers_root();
        let mut analyzers = Vec::new();
        let wanted: Vec<&'static dyn Analyzer> = if ids.is_empty() {
            ANALYZERS.to_vec()
        } else {
            ids.iter()
                .map(|id| {
                    named(id).with_context(|| {
                        format!(
                            "unknown analyzer `{id}`; secgap knows {}",
                            crate::lang::join_list(&self::ids(), " and ")
                        )
                    })
                })
                .collect::<Result<_>>()?
        };
        for a in wanted {
            analyzers.push((a.id(), a.locate(&root)));
        }
        let mut scratch = None;
        let rules = match rules {
            Some(dir) => {
                if !dir.is_dir() {
                    anyhow::bail!(
                        "the Semgrep rules folder {} does not exist; give a folder of rule files (.yaml)",
                        dir.display()
                    );
                }
                dir.to_path_buf()
            }
            None => {
                let dir = tempfile::Builder::new()
                    .prefix(&format!(
                        "{}{}-rules-",
                        crate::execute::STAGE_PREFIX,
                        std::process::id()
                    ))
                    .tempdir()
                    .context("create a folder for the Semgrep rules")?;
                let rules = semgrep::write_builtin_rules(dir.path())?;
                scratch = Some(dir);
                rules
            }
        };
        Ok(StaticPlan {
            analyzers,
            rules,
            timeout: Duration::from_secs(120),
            _scratch: scratch,
        })
    }

    /// The analyzers that are missing, with why: the run warns once.
    pub fn missing(&self) -> Vec<(&'static str, &str)> {
        self.analyzers
            .iter()
            .filter_map(|(id, t)| t.as_ref().err().map(|e| (*id, e.as_str())))
            .collect()
    }

    /// Every requested analyzer that applies to `language` on `code`
    /// (saved as `file`), each in its own sandbox, in registry order.
    /// Missing analyzers are recorded as skipped. An error is the
    /// harness's (it could not make a sandbox), never the code's.
    pub fn analyze(&self, language: Language, file: &str, code: &str) -> Result<Vec<StaticRun>> {
        let mut runs = Vec::new();
        for (id, tool) in &self.analyzers {
            let a = named(id).expect("resolved analyzers are registered");
            if !a.applies_to(language) {
                continue;
            }
            runs.push(match tool {
                Err(why) => StaticRun {
                    analyzer: id.to_string(),
                    version: None,
                    status: StaticStatus::Skipped,
                    message: Some(why.clone()),
                    duration_ms: 0,
                    findings: Vec::new(),
                },
                Ok(tool) => run_one(a, tool, &self.rules, self.timeout, file, code)?,
            });
        }
        Ok(runs)
    }
}

/// Run analyzer `a` on `code` saved as `file`, in a fresh sandbox.
fn run_one(
    a: &dyn Analyzer,
    tool: &Tool,
    rules: &Path,
    timeout: Duration,
    file: &str,
    code: &str,
) -> Result<StaticRun> {
    let stage = tempfile::Builder::new()
        .prefix(&format!(
            "{}{}-static-",
            crate::execute::STAGE_PREFIX,
            std::process::id()
        ))
        .tempdir()
        .context("create a folder for the analyzer")?;
    let src = stage.path().join("src");
    let out = stage.path().join("out");
    std::fs::create_dir(&src).context("mkdir src")?;
    std::fs::create_dir(&out).context("mkdir out")?;
    set_mode(stage.path(), 0o755)?;
    set_mode(&src, 0o755)?;
    let path = src.join(file);
    std::fs::write(&path, code).with_context(|| format!("write {}", path.display()))?;
    set_mode(&path, 0o644)?;
    sandbox::hand_over(&out)?;
    let cmd = a.command(file);
    let mut mounts = vec![
        Mount {
            host: path.clone(),
            dest: format!("{WORK_DIR}/{file}"),
            writable: false,
        },
        Mount {
            host: out.clone(),
            dest: OUT_DIR.into(),
            writable: true,
        },
    ];
    if let Some(dir) = &tool.dir {
        mounts.push(Mount {
            host: dir.clone(),
            dest: TOOL_DIR.into(),
            writable: false,
        });
    }
    if a.takes_rules() {
        mounts.push(Mount {
            host: rules.to_path_buf(),
            dest: RULES_DIR.into(),
            writable: false,
        });
    }
    let mut env = vec![
        ("PATH".to_string(), "/usr/bin:/bin".to_string()),
        ("HOME".to_string(), "/tmp".to_string()),
        ("LANG".to_string(), "C.UTF-8".to_string()),
    ];
    env.extend(cmd.env.iter().cloned());
    // A memory cgroup binds the analyzer's whole process tree where one can
    // be made (root); elsewhere each process gets a generous address space.
    let cgroup = sandbox::cgroup::Cgroup::create(MEMORY_MB).ok();
    let spec = sandbox::Spec {
        argv: cmd.argv.clone(),
        env,
        mounts,
        workdir: WORK_DIR.into(),
        limits: Limits {
            cpu_secs: timeout.as_secs().max(1),
            // Semgrep's engine and Node reserve far more address space
            // than they use: the cgroup, when there is one, bounds memory.
            address_space_mb: cgroup.is_none().then_some(4 * MEMORY_MB),
            processes: 64,
            file_size_mb: 64,
            open_files: 1024,
            tmpfs_mb: 256,
            output_bytes: 16 << 20,
            wall: timeout,
        },
        channel: false,
        after_nonce: None,
        worker: None,
        network: Default::default(),
        cgroup: cgroup.as_ref().map(sandbox::cgroup::Cgroup::procs_file),
    };
    let started = Instant::now();
    let outcome = sandbox::run(&spec)?;
    let duration_ms = started.elapsed().as_millis() as u64;
    let ran = |status, message: Option<String>, findings| StaticRun {
        analyzer: a.id().to_string(),
        version: Some(tool.version.clone()),
        status,
        message,
        duration_ms,
        findings,
    };
    if cgroup.as_ref().is_some_and(|c| c.oom_killed()) {
        return Ok(ran(
            StaticStatus::Failed,
            Some(format!(
                "stopped at its memory limit of {MEMORY_MB} MiB after {duration_ms} ms"
            )),
            Vec::new(),
        ));
    }
    if let Some(k) = outcome.killed {
        return Ok(ran(
            StaticStatus::Failed,
            Some(format!(
                "stopped by the sandbox ({k:?}) after {} ms",
                duration_ms
            )),
            Vec::new(),
        ));
    }
    let exit = match outcome.exit {
        Exit::Code(c) => c,
        other => {
            return Ok(ran(
                StaticStatus::Failed,
                Some(format!(
                    "ended by {other:?}: {}",
                    super::tail_of(outcome.stderr.text().trim(), 600)
                )),
                Vec::new(),
            ))
        }
    };
    let report = match &cmd.report {
        Report::Stdout => Ok(outcome.stdout.text()),
        Report::Stderr => Ok(outcome.stderr.text()),
        Report::File(name) => std::fs::read_to_string(out.join(name))
            .map_err(|e| format!("it wrote no report ({e}), exit status {exit}")),
    };
    let parsed = report.and_then(|r| a.parse(&r, file, exit));
    Ok(match parsed {
        Ok(findings) => ran(StaticStatus::Ran, None, findings),
        Err(why) => ran(
            StaticStatus::Failed,
            Some(format!(
                "{why}; what it printed: {}",
                super::tail_of(
                    format!("{}{}", outcome.stderr.text(), outcome.stdout.text()).trim(),
                    600
                )
            )),
            Vec::new(),
        ),
    })
}

/// At most this many findings are shown to a subject after a visible run.
pub const FEEDBACK_FINDINGS: usize = 20;

/// What a subject is shown of the analyzers' findings on its code (the
/// tool-feedback strategy): each finding's analyzer, rule, line and
/// message as the analyzer printed it, and nothing of secgap's own (no
/// CWE the analyzer did not print). None when nothing was found.
pub fn feedback_text(runs: &[StaticRun]) -> Option<String> {
    let findings: Vec<(&str, &Finding)> = runs
        .iter()
        .flat_map(|r| r.findings.iter().map(move |f| (r.analyzer.as_str(), f)))
        .collect();
    if findings.is_empty() {
        return None;
    }
    let mut out = String::from("Static analyzers looked at your code and reported:\n");
    for (analyzer, f) in findings.iter().take(FEEDBACK_FINDINGS) {
        let at = f.line.map_or(String::new(), |l| format!(" at line {l}"));
        let message: String = f.message.split_whitespace().collect::<Vec<_>>().join(" ");
        let message = crate::execute::truncate(&message, 300);
        out.push_str(&format!("- {analyzer} {}{at}: {message}\n", f.rule));
    }
    if findings.len() > FEEDBACK_FINDINGS {
        out.push_str(&format!(
            "- and {} more findings\n",
            findings.len() - FEEDBACK_FINDINGS
        ));
    }
    out.push_str(
        "Fix what they found where it applies to your code; a finding that does not apply can be left as it is.",
    );
    Some(out)
}

/// The version in a pip package's `dist-info` folder name under `site`
/// (`bandit-1.9.4.dist-info` → `1.9.4`).
fn dist_info_version(site: &Path, package: &str) -> Option<String> {
    let prefix = format!("{package}-");
    std::fs::read_dir(site).ok()?.flatten().find_map(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name.strip_prefix(&prefix)?
            .strip_suffix(".dist-info")
            .map(str::to_string)
    })
}

/// What `program args` prints on its first line, run on the host (for a
/// system tool's version: the program is trusted, the sample not involved).
fn first_line_of(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_string)
}

/// The hint every "not installed" message ends with.
const INSTALL_HINT: &str = "run scripts/install-analyzers.sh (the set-up command does), or point SECGAP_ANALYZERS at where they are installed";

/// The findings of a line-oriented report for `file` only, 1-based lines.
/// Analyzers print paths as they were given (`/work/x.py`) or relative to
/// the working directory (`x.py`).
fn is_our_file(reported: &str, file: &str) -> bool {
    let reported = reported.strip_prefix("file://").unwrap_or(reported);
    reported == file
        || reported == format!("{WORK_DIR}/{file}")
        || reported == format!("./{file}")
        || reported.ends_with(&format!("/{file}"))
}

#[cfg(test)]
mod tests;
