//! The command line: parses arguments and calls the stages.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::suite::{self, Suite, Task};
use crate::validate;

#[derive(Parser)]
#[command(
    name = "secgap",
    version,
    about = "Measure how securely AI models and coding agents write code",
    long_about = "secgap asks a model or agent to write code for security-relevant tasks, runs the code against \
functional and security tests in a bubblewrap sandbox, and reports func@k, sec@k and func-sec@k. \
Every run lives in one SQLite database that survives a crash and can be resumed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check that every task's tests do their job, using its reference implementations.
    #[command(
        long_about = "Runs each task's references through the real sandbox: the secure reference must pass \
every test; each insecure reference must pass every functional test and fail a security test for its CWE; \
every security test must fail on some insecure reference; with --repeat N no verdict may flip. \
Exits with status 1 if any task is wrong, naming the test at fault."
    )]
    Validate(ValidateArgs),
    /// List tasks, principles or subjects.
    List(ListArgs),
    /// Print the JSON Schema of the suite files (suite.toml, principles.toml, task.toml).
    Schema,
}

#[derive(Args, Clone)]
pub struct SuiteArgs {
    /// Suite folder [default: $SECGAP_SUITE, else the built-in suite]
    #[arg(long, value_name = "DIR")]
    pub suite: Option<PathBuf>,
    /// Only these tasks (comma-separated ids or prefixes ending in '*')
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub tasks: Vec<String>,
    /// Only tasks in this language (python, c)
    #[arg(long, value_name = "LANG")]
    pub language: Option<crate::lang::Language>,
}

#[derive(Args)]
struct ValidateArgs {
    #[command(flatten)]
    suite: SuiteArgs,
    /// Run every reference N times and require identical verdicts
    #[arg(long, default_value_t = 1, value_name = "N")]
    repeat: u32,
    /// Tasks validated in parallel [default: number of CPUs]
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Print one JSON object instead of text
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ListArgs {
    /// What to list
    #[arg(value_enum)]
    what: ListWhat,
    #[command(flatten)]
    suite: SuiteArgs,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ListWhat {
    Tasks,
    Principles,
    Subjects,
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Validate(a) => cmd_validate(a),
        Command::List(a) => cmd_list(a),
        Command::Schema => {
            println!("{}", serde_json::to_string_pretty(&suite::schemas())?);
            Ok(0)
        }
    }
}

/// Where the built-in suite lives.
pub fn default_suite_dir() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("SECGAP_SUITE") {
        return Ok(PathBuf::from(p));
    }
    let mut candidates = vec![PathBuf::from("suites/builtin")];
    if let Ok(exe) = std::env::current_exe() {
        // target/<profile>/secgap -> repository root
        for anc in exe.ancestors().skip(1).take(4) {
            candidates.push(anc.join("suites/builtin"));
        }
    }
    candidates.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin"));
    for c in candidates {
        if c.join("suite.toml").is_file() {
            return Ok(c);
        }
    }
    bail!("cannot find the built-in suite; run from the secgap repository, or pass --suite DIR, or set SECGAP_SUITE")
}

pub fn load_suite(args: &SuiteArgs) -> Result<Suite> {
    let dir = match &args.suite {
        Some(d) => d.clone(),
        None => default_suite_dir()?,
    };
    let dir = dir
        .canonicalize()
        .with_context(|| format!("suite folder {}", dir.display()))?;
    Ok(suite::load(&dir)?)
}

pub fn select_tasks<'a>(suite: &'a Suite, args: &SuiteArgs) -> Result<Vec<&'a Task>> {
    let mut out = Vec::new();
    for t in &suite.tasks {
        if let Some(l) = args.language {
            if t.language != l {
                continue;
            }
        }
        if !args.tasks.is_empty()
            && !args.tasks.iter().any(|pat| match pat.strip_suffix('*') {
                Some(prefix) => t.id.starts_with(prefix),
                None => t.id == *pat,
            })
        {
            continue;
        }
        out.push(t);
    }
    for pat in &args.tasks {
        if !pat.ends_with('*') && suite.task(pat).is_none() {
            bail!("unknown task `{pat}` (see `secgap list tasks`)");
        }
    }
    if out.is_empty() {
        bail!("no task matches the selection");
    }
    Ok(out)
}

fn jobs_or_default(j: Option<usize>) -> usize {
    j.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    })
}

fn cmd_validate(a: ValidateArgs) -> Result<i32> {
    let suite = load_suite(&a.suite)?;
    let tasks = select_tasks(&suite, &a.suite)?;
    let jobs = jobs_or_default(a.jobs);
    let started = std::time::Instant::now();
    let json = a.json;
    if !json {
        eprintln!(
            "validating {} task(s) from {} with {} repeat(s) on {} job(s)",
            tasks.len(),
            suite.root.display(),
            a.repeat,
            jobs
        );
    }
    let results = validate::validate_all(&suite, &tasks, a.repeat, jobs, &|v| {
        if !json {
            let mark = if v.ok { "ok  " } else { "FAIL" };
            eprintln!(
                "{mark} {} ({} executions, {:.1} s)",
                v.task,
                v.executions,
                v.wall_ms as f64 / 1000.0
            );
            for p in &v.problems {
                eprintln!("     - {}", p.replace('\n', "\n       "));
            }
        }
    })?;
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| !r.ok)
        .map(|r| r.task.as_str())
        .collect();
    let wall = started.elapsed().as_secs_f64();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "ok": failed.is_empty(),
                "repeat": a.repeat,
                "wall_secs": wall,
                "tasks": results,
            }))?
        );
    } else {
        println!(
            "validated {} task(s), {} failed, {} repeat(s), {:.1} s wall",
            results.len(),
            failed.len(),
            a.repeat,
            wall
        );
        if !failed.is_empty() {
            println!("failed: {}", failed.join(", "));
        }
    }
    Ok(if failed.is_empty() { 0 } else { 1 })
}

fn cmd_list(a: ListArgs) -> Result<i32> {
    match a.what {
        ListWhat::Subjects => {
            let rows = crate_subject_kinds();
            if a.json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for (name, about) in rows {
                    println!("{name:<22} {about}");
                }
            }
            return Ok(0);
        }
        ListWhat::Principles => {
            let suite = load_suite(&a.suite)?;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&suite.principles)?);
            } else {
                for p in &suite.principles {
                    let cwes: Vec<String> = p.cwes.iter().map(|c| c.to_string()).collect();
                    println!("{:<30} {:<40} {}", p.id, p.title, cwes.join(", "));
                }
                println!("{} principles", suite.principles.len());
            }
        }
        ListWhat::Tasks => {
            let suite = load_suite(&a.suite)?;
            let tasks = select_tasks(&suite, &a.suite)?;
            if a.json {
                let rows: Vec<_> = tasks
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "id": t.id, "title": t.title, "language": t.language,
                            "cwes": t.cwes, "principles": t.principles,
                            "tests": t.tests.len(), "insecure_references": t.insecure_refs.len(),
                        })
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for t in &tasks {
                    let cwes: Vec<String> = t.cwes.iter().map(|c| c.to_string()).collect();
                    println!(
                        "{:<28} {:<7} {:<18} {}",
                        t.id,
                        t.language.name(),
                        cwes.join(","),
                        t.title
                    );
                }
                let langs: std::collections::BTreeSet<_> =
                    tasks.iter().map(|t| t.language).collect();
                let cwes: std::collections::BTreeSet<_> =
                    tasks.iter().flat_map(|t| t.cwes.iter()).collect();
                println!(
                    "{} tasks, {} languages, {} CWEs",
                    tasks.len(),
                    langs.len(),
                    cwes.len()
                );
            }
        }
    }
    Ok(0)
}

fn crate_subject_kinds() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "reference:secure",
            "answers with each task's secure reference (upper bound)",
        ),
        (
            "reference:insecure",
            "answers with each task's insecure references, in turn by sample index (lower bound)",
        ),
        (
            "replay:FILE",
            "answers from recorded responses: JSON lines {task, sample, response}",
        ),
    ]
}

#[allow(dead_code)]
fn _unused(_: &Path) {}
