//! The command line: parses arguments and calls the stages.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use crate::suite::{self, Suite, Task};
use crate::tools::validate;

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
    /// Evaluate subjects on the suite: generate, execute in the sandbox, score, report.
    #[command(
        long_about = "Evaluates every subject × strategy × task × sample. Each sample's response is \
extracted, executed against the task's tests in a fresh bubblewrap sandbox, scored and committed to \
DIR/run.sqlite at once, so a killed run can be finished with `secgap resume DIR`. Prints a table, or with \
--json one JSON object with a row per (subject, strategy)."
    )]
    Run(Box<RunArgs>),
    /// Finish an interrupted run: nothing finished is redone, nothing is lost.
    Resume(ResumeArgs),
    /// Write a run's exports: the HTML report, Markdown summary, versioned JSON, CSV and
    /// JSON lines per sample and per verdict, SARIF 2.1.0, JUnit XML, and the generated code.
    Report {
        /// The run folder (holding run.sqlite)
        dir: PathBuf,
        /// Where to write [default: DIR/report]
        #[arg(long, value_name = "OUT")]
        out: Option<PathBuf>,
        /// CI gate (repeatable), as for `run`: exit 4 if METRIC[SUBJECT] is below MIN
        #[arg(long, value_name = "METRIC=MIN")]
        fail_under: Vec<crate::analyze::gate::Gate>,
        /// Only these formats [default: all]
        #[arg(long, value_enum, value_delimiter = ',', value_name = "LIST")]
        formats: Vec<crate::report::export::Format>,
        /// Samples in the HTML drill-down, 500 per page
        #[arg(long, value_name = "N", default_value_t = crate::report::export::DRILL_DOWN_DEFAULT)]
        drill_down: u64,
    },
    /// Paired comparison of two subjects or two strategies on the same samples
    /// (McNemar, paired difference with an interval): `compare RUN --subjects A,B`,
    /// `compare RUN_A RUN_B` or `compare RUN --strategies A,B`.
    Compare {
        /// The run folder of A (and of B, unless RUN_B is given)
        run_a: PathBuf,
        /// The run folder of B
        run_b: Option<PathBuf>,
        /// Subjects A and B [default: each run's only subject]; with
        /// --strategies, the subjects whose samples are compared [default: all]
        #[arg(long, value_delimiter = ',', value_name = "A,B")]
        subjects: Vec<String>,
        /// Compare two strategies of one run instead, each sample paired with
        /// the other strategy's on the same subject, task and sample index
        #[arg(long, value_delimiter = ',', value_name = "A,B")]
        strategies: Vec<String>,
        /// Also write the comparison as a self-contained HTML page to FILE
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Level 3: the knowledge–actuation gap of a run that asked probes (--levels 1,2,3).
    Analyze {
        /// The run folder (holding run.sqlite)
        dir: PathBuf,
        /// Print the analysis as JSON
        #[arg(long)]
        json: bool,
    },
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
    /// Print a JSON Schema: of the suite files (suite.toml, principles.toml, task.toml, environment.toml, scenario.toml) or of secgap.toml.
    Schema {
        /// Which schema
        #[arg(value_enum, default_value = "suite")]
        what: SchemaWhat,
    },
    /// Check the sandbox, compilers and interpreters, and say how to install what is missing.
    Doctor,
    /// Measure performance figures.
    Bench(BenchArgs),
    /// Create something new: `secgap new task --lang LANG ID` scaffolds a task folder.
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
    /// Inspect or clear the model response cache shared by all runs.
    Cache {
        #[command(subcommand)]
        what: CacheWhat,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SchemaWhat {
    /// suite.toml, principles.toml, task.toml, environment.toml and scenario.toml
    Suite,
    /// secgap.toml, the config file naming subjects
    Config,
}

#[derive(Subcommand)]
enum CacheWhat {
    /// Where the cache is, how many responses it holds and their size.
    Stats,
    /// Delete every cached response.
    Clear,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    suite: SuiteArgs,
    /// Subject to evaluate (repeatable): reference:secure, reference:insecure, reference:naive, replay:FILE,
    /// openai:MODEL, anthropic:MODEL, ollama:MODEL, openai-compat:URL#MODEL, anthropic-compat:URL#MODEL,
    /// agent:PRESET (claude-code, codex, aider, gemini-cli), agent:NAME ([agents.NAME] in the config)
    #[arg(long = "subject", short = 's', required = true, value_name = "SUBJECT")]
    subjects: Vec<String>,
    /// Ask model subjects for streamed (server-sent event) responses
    #[arg(long)]
    stream: bool,
    /// Config file naming subjects [default: ./secgap.toml if present]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Strategies, comma-separated or repeated: baseline, generic-reminder, cwe-reminder,
    /// principle-oracle, principle-self, self-review, tool-feedback; parameters after a colon,
    /// e.g. self-review:rounds=2; or NAME of a [strategies.NAME] in the config
    /// (see `secgap list strategies`) [default: baseline]
    #[arg(long = "strategy", value_name = "NAME", value_delimiter = ',')]
    strategies: Vec<String>,
    /// Samples per (subject, strategy, task)
    #[arg(short = 'n', long = "samples", default_value_t = 1, value_name = "N")]
    n: u32,
    /// Levels: 1 = understanding probes, 2 = code (always on), 3 = the gap
    /// analysis (needs 1), e.g. --levels 1,2,3
    #[arg(long, value_delimiter = ',', default_value = "2", value_name = "LIST")]
    levels: Vec<u8>,
    /// Subject that grades `explain` probe answers (repeatable; majority vote)
    #[arg(long = "judge", value_name = "SUBJECT")]
    judges: Vec<String>,
    /// Seed of the probes' shuffles (the same seed gives every subject the same questions)
    #[arg(long, default_value_t = 0, value_name = "N")]
    probe_seed: u64,
    /// Sampling temperature sent to every model subject and judge, above the
    /// config's [default: each subject's `temperature`, else none is sent and
    /// the server's default applies]
    #[arg(long, value_name = "T")]
    temperature: Option<f64>,
    /// Run folder (holds run.sqlite) [default: runs/<UTC time>-<id>]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Continue a run in --out even if its config differs
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    statics: StaticArgs,
    #[command(flatten)]
    exec: ExecArgs,
}

/// The static analyzers; shared by `run` and `validate`.
#[derive(Args)]
struct StaticArgs {
    /// Also run the static analyzers (Bandit, cppcheck, GCC -fanalyzer,
    /// ESLint, gocheck, Semgrep) on the code: `run` stores their findings
    /// and measures them against the executed tests, never scoring them;
    /// `validate` shows their verdict on every reference, never failing
    #[arg(long = "static")]
    static_analysis: bool,
    /// With --static: only these analyzers (repeatable or comma-separated)
    /// [default: all; see `secgap doctor`]
    #[arg(
        long = "analyzer",
        value_name = "ID",
        value_delimiter = ',',
        requires = "static_analysis"
    )]
    analyzers: Vec<String>,
    /// With --static: Semgrep rules from this folder instead of secgap's own pack
    #[arg(long, value_name = "DIR", requires = "static_analysis")]
    semgrep_rules: Option<PathBuf>,
}

/// How a run executes and prints; shared by `run` and `resume`.
#[derive(Args)]
struct ExecArgs {
    /// Most requests in flight to one provider; secgap starts at 16 (or N if
    /// lower), grows while calls succeed and halves on 429/503/529
    #[arg(long, default_value_t = 32, value_name = "N")]
    gen_jobs: usize,
    /// Wall-clock limit for one sample's generation, retries and waits included
    #[arg(long, default_value_t = 900, value_name = "SECS")]
    sample_timeout: u64,
    /// Stop starting model calls once the run has spent this many US dollars
    /// (needs prices in secgap.toml); calls in flight finish and the run stays resumable
    #[arg(long, value_name = "USD")]
    budget: Option<f64>,
    /// Do not read or write the response cache ($SECGAP_CACHE_DIR, else ~/.cache/secgap/responses);
    /// a run started with it keeps it on resume
    #[arg(long)]
    no_cache: bool,
    /// Ceiling on one model request, in seconds [default: 600 for openai and
    /// anthropic, 1800 for ollama and the -compat kinds, or the config's timeout_secs]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    request_timeout: Option<u64>,
    /// Longest silence between two bytes of a model response, in seconds; every
    /// streamed chunk resets it [default: 120 for openai and anthropic, 600 for
    /// ollama and the -compat kinds, or the config's idle_timeout_secs]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout: Option<u64>,
    /// Samples executed in parallel [default: number of CPUs]
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Print one JSON object with a row per (subject, strategy) on stdout
    #[arg(long)]
    json: bool,
    /// CI gate (repeatable): exit with status 4 if METRIC is below MIN for any
    /// subject, or for one with METRIC[SUBJECT]=MIN; e.g. func_sec@1=0.6
    #[arg(long, value_name = "METRIC=MIN")]
    fail_under: Vec<crate::analyze::gate::Gate>,
}

#[derive(Args)]
struct ResumeArgs {
    /// The run folder (holding run.sqlite)
    dir: PathBuf,
    /// Config file whose [strategies] must not have changed one of the run's
    /// under the same version (the run keeps the definitions it froze)
    /// [default: ./secgap.toml if present]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Resume even if the suite changed since the run started
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    exec: ExecArgs,
}

#[derive(Args)]
struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Per-execution overhead of the sandbox: the same command bare and sandboxed.
    Sandbox {
        /// Executions of each kind
        #[arg(long, default_value_t = 50)]
        iterations: usize,
        /// Print JSON
        #[arg(long)]
        json: bool,
        /// The command to time [default: /usr/bin/python3 -c pass]
        #[arg(last = true)]
        command: Vec<String>,
    },
    /// The web-application level: per environment, a bare app start-up
    /// against a sandboxed start-up plus one test (medians), then the wall
    /// time of validating every web scenario once.
    Web {
        #[command(flatten)]
        suite: SuiteArgs,
        /// Start-ups (and sandboxed tests) timed per environment
        #[arg(long, default_value_t = 10)]
        iterations: usize,
        /// Tasks validated in parallel [default: number of CPUs]
        #[arg(long, short = 'j')]
        jobs: Option<usize>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
    /// Time `secgap report` on a synthetic run of two strategies (analysis + HTML,
    /// every format, the paths analysis alone), with peak memory.
    Report {
        /// Sample rows in the synthetic run
        #[arg(long, default_value_t = 1_000_000)]
        samples: u64,
        /// Keep the synthetic run (and its report) in this folder
        #[arg(long, value_name = "DIR")]
        keep: Option<PathBuf>,
        /// Print JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Clone)]
pub struct SuiteArgs {
    /// Suite folder [default: $SECGAP_SUITE, else the built-in suite]
    #[arg(long, value_name = "DIR")]
    pub suite: Option<PathBuf>,
    /// Only these tasks (comma-separated ids or prefixes ending in '*')
    #[arg(long, alias = "task", value_name = "IDS", value_delimiter = ',')]
    pub tasks: Vec<String>,
    #[arg(long, value_name = "LANG", help = format!(
        "Only tasks in this language ({})", crate::lang::Language::listed(", ")
    ))]
    pub language: Option<crate::lang::Language>,
    /// Only function-level tasks, or only web-application scenarios
    #[arg(long, value_name = "KIND")]
    pub kind: Option<crate::plan::TaskKind>,
    /// Only web-application tasks in these environments (comma-separated ids)
    #[arg(long, value_name = "ENVS", value_delimiter = ',')]
    pub environment: Vec<String>,
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
    #[command(flatten)]
    statics: StaticArgs,
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
    /// Tasks: print a coverage table (task counts per language) by CWE, principle or language
    #[arg(long, value_enum, value_name = "WHAT")]
    by: Option<crate::report::terminal::CoverBy>,
    /// Strategies: the config file whose [strategies] are listed too (and
    /// checked) [default: ./secgap.toml if present]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum NewWhat {
    /// A task folder under the suite's tasks/ that loads and fails validation
    /// until every REPLACE placeholder is filled in (see docs/authoring.md)
    Task {
        #[arg(long = "lang", value_name = "LANG", help = format!(
            "Language of the task: {}", crate::lang::Language::listed(" or ")
        ))]
        lang: String,
        /// Task id, e.g. py-parse-header (lowercase letters, digits, hyphens)
        id: String,
        /// Suite folder [default: $SECGAP_SUITE, else suites/builtin]
        #[arg(long, value_name = "DIR")]
        suite: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ListWhat {
    Tasks,
    Principles,
    Subjects,
    Strategies,
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    if only_prints(&cli.command) {
        die_on_closed_stdout();
    }
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

/// Commands that read and print and talk to no process or server, so a
/// closed stdout (`secgap list tasks | head`) may end them quietly.
fn only_prints(c: &Command) -> bool {
    matches!(
        c,
        Command::List(_)
            | Command::Schema { .. }
            | Command::Compare { .. }
            | Command::Analyze { .. }
    )
}

/// Let SIGPIPE end the process, as it ends other Unix tools, instead of
/// the print panicking on EPIPE. Only for [`only_prints`] commands: a run
/// must survive a model connection or a sandboxed child that goes away.
fn die_on_closed_stdout() {
    // SAFETY: restores the default action of one signal before any thread
    // starts; nothing else in the process handles SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Validate(a) => cmd_validate(a),
        Command::List(a) => cmd_list(a),
        Command::Run(a) => cmd_run(*a),
        Command::Resume(a) => cmd_resume(a),
        Command::Analyze { dir, json } => cmd_analyze(&dir, json),
        Command::Compare {
            run_a,
            run_b,
            subjects,
            strategies,
            json,
            html,
        } => {
            if strategies.is_empty() {
                cmd_compare(&run_a, run_b.as_deref(), &subjects, json, html.as_deref())
            } else {
                cmd_compare_strategies(
                    &run_a,
                    run_b.as_deref(),
                    &strategies,
                    &subjects,
                    json,
                    html.as_deref(),
                )
            }
        }
        Command::Report {
            dir,
            out,
            fail_under,
            formats,
            drill_down,
        } => cmd_report(
            &dir,
            out,
            &fail_under,
            &crate::report::export::ExportOptions {
                formats: if formats.is_empty() {
                    crate::report::export::FORMATS.to_vec()
                } else {
                    formats
                },
                drill_down,
            },
        ),
        Command::New {
            what: NewWhat::Task { lang, id, suite },
        } => {
            let root = match suite {
                Some(s) => s,
                None => default_suite_dir()?,
            };
            let lang = crate::lang::Language::named(&lang).ok_or_else(|| {
                anyhow::anyhow!(
                    "--lang {lang}: not a language; use one of {}",
                    crate::lang::Language::listed(", ")
                )
            })?;
            let dir = crate::tools::scaffold::new_task(&root, lang, &id)?;
            println!("created {}", dir.display());
            println!(
                "fill in every REPLACE in it, then prove it: secgap validate --suite {} --tasks {id} --repeat 3",
                root.display()
            );
            Ok(0)
        }
        Command::Doctor => cmd_doctor(),
        Command::Bench(a) => cmd_bench(a),
        Command::Cache { what } => {
            let cache = crate::generate::provider::Cache {
                dir: crate::generate::provider::Cache::default_dir(),
            };
            match what {
                CacheWhat::Stats => {
                    let (n, bytes) = cache.stats();
                    println!("{}: {n} responses, {bytes} bytes", cache.dir.display());
                }
                CacheWhat::Clear => {
                    let (n, _) = cache.stats();
                    cache.clear()?;
                    println!("removed {n} cached responses from {}", cache.dir.display());
                }
            }
            Ok(0)
        }
        Command::Schema { what } => {
            let v = match what {
                SchemaWhat::Suite => suite::schemas(),
                SchemaWhat::Config => crate::plan::config::schema(),
            };
            println!("{}", serde_json::to_string_pretty(&v)?);
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
    crate::plan::select_tasks(
        suite,
        &crate::plan::TaskSelection {
            patterns: args.tasks.clone(),
            language: args.language,
            kind: args.kind,
            environments: args.environment.clone(),
        },
    )
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
    crate::execute::sweep_stale_stages();
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
    let statics = if let Some(c) = static_config(&a.statics)? {
        let plan = crate::execute::oracles::analyzers::StaticPlan::resolve(
            &c.analyzers,
            c.semgrep_rules.as_deref(),
        )?;
        for (id, why) in plan.missing() {
            eprintln!("warning: --static: skipping {id}: {why}");
        }
        Some(plan)
    } else {
        None
    };
    let results = validate::validate_all(&suite, &tasks, a.repeat, statics.as_ref(), jobs, &|v| {
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
        if statics.is_some() {
            print!("{}", validate::static_table(&results));
        }
    }
    Ok(if failed.is_empty() { 0 } else { 1 })
}

fn cmd_list(a: ListArgs) -> Result<i32> {
    match a.what {
        ListWhat::Strategies => {
            let kinds = crate::generate::strategy::KINDS;
            let (cfg_path, cfg) = crate::plan::config::load(a.config.as_deref())?;
            if !cfg.strategies.is_empty() {
                let suite = load_suite(&a.suite)?;
                crate::generate::strategy::user::check_config(&cfg, &suite)
                    .map_err(anyhow::Error::msg)?;
            }
            let from = cfg_path
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let turn_kinds = |def: &crate::plan::config::StrategyDef| -> Vec<&'static str> {
                def.turns
                    .iter()
                    .map(|t| t.kind.turn_kind().as_str())
                    .collect()
            };
            if a.json {
                let mut rows: Vec<serde_json::Value> = kinds
                    .iter()
                    .map(|k| {
                        let params: Vec<serde_json::Value> = k
                            .params
                            .iter()
                            .map(|p| {
                                serde_json::json!({"name": p.name, "default": p.default,
                                    "min": p.min, "max": p.max, "about": p.about})
                            })
                            .collect();
                        serde_json::json!({"name": k.name, "about": k.about, "params": params})
                    })
                    .collect();
                for (name, def) in &cfg.strategies {
                    rows.push(serde_json::json!({
                        "name": name, "about": def.about, "params": [],
                        "version": def.version, "turns": turn_kinds(def), "config": from,
                    }));
                }
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for k in kinds {
                    println!("{:<18} {}", k.name, k.about);
                    for p in k.params {
                        println!(
                            "{:<18}   :{}=N  {} ({}..{}, default {})",
                            "", p.name, p.about, p.min, p.max, p.default
                        );
                    }
                }
                for (name, def) in &cfg.strategies {
                    println!(
                        "{name:<18} {} [{from}, version {}; turns: {}]",
                        if def.about.is_empty() {
                            "(no about)"
                        } else {
                            &def.about
                        },
                        def.version,
                        turn_kinds(def).join(", ")
                    );
                }
            }
            return Ok(0);
        }
        ListWhat::Subjects => {
            let rows = crate::generate::KINDS;
            if a.json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                for (name, about) in rows.iter() {
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
            if let Some(by) = a.by {
                let rows = crate::report::terminal::coverage(&tasks, by);
                if a.json {
                    println!("{}", serde_json::to_string_pretty(&rows)?);
                } else {
                    let langs: std::collections::BTreeSet<&str> =
                        tasks.iter().map(|t| t.language.name()).collect();
                    let langs: Vec<&str> = langs.into_iter().collect();
                    print!(
                        "{}",
                        crate::report::terminal::coverage_table(&rows, by, &langs)
                    );
                    println!("{} rows over {} tasks", rows.len(), tasks.len());
                }
                return Ok(0);
            }
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

/// `--static` and its options, checked: known analyzer ids, an existing
/// rules folder (stored absolute, so a resume from elsewhere finds it).
fn static_config(a: &StaticArgs) -> Result<Option<crate::plan::StaticConfig>> {
    if !a.static_analysis {
        return Ok(None);
    }
    use crate::execute::oracles::analyzers;
    for id in &a.analyzers {
        if analyzers::named(id).is_none() {
            bail!(
                "--analyzer {id}: unknown analyzer; secgap knows {}",
                analyzers::ids().join(", ")
            );
        }
    }
    let semgrep_rules = match &a.semgrep_rules {
        Some(dir) => Some(std::fs::canonicalize(dir).with_context(|| {
            format!(
                "--semgrep-rules {}: no such folder; give a folder of Semgrep rule files (.yaml)",
                dir.display()
            )
        })?),
        None => None,
    };
    Ok(Some(crate::plan::StaticConfig {
        analyzers: a.analyzers.clone(),
        semgrep_rules,
    }))
}

fn cmd_run(a: RunArgs) -> Result<i32> {
    let suite = load_suite(&a.suite)?;
    let tasks = select_tasks(&suite, &a.suite)?;
    let (cfg_path, cfg) = crate::plan::config::load(a.config.as_deref())?;
    crate::generate::agent::check_config(cfg_path.as_deref(), &cfg)?;
    crate::generate::strategy::user::check_config(&cfg, &suite).map_err(anyhow::Error::msg)?;
    let strategies = a
        .strategies
        .iter()
        .map(|s| crate::generate::strategy::parse_arg(s, &cfg.strategies))
        .collect::<Result<Vec<_>, String>>()
        .map_err(|e| anyhow::anyhow!("--strategy: {e}"))?;
    let request = crate::plan::RunRequest {
        subjects: a.subjects.clone(),
        judges: a.judges.clone(),
        strategies,
        default_strategy: Some(crate::generate::strategy::default_strategy()),
        n: a.n,
        stream: a.stream,
        levels: a.levels.clone(),
        probe_seed: a.probe_seed,
        temperature: a.temperature,
        gated_subjects: a
            .exec
            .fail_under
            .iter()
            .filter_map(|g| Some((g.metric.to_string(), g.subject.clone()?)))
            .collect(),
        static_analysis: static_config(&a.statics)?,
    };
    let config = crate::plan::build(&suite, &tasks, &cfg, &request)?;
    crate::generate::check_subjects(&config.subjects, &a.judges, &cfg)?;
    let dir = a.out.clone().unwrap_or_else(crate::run::default_run_dir);
    let db = dir.join(crate::store::DB_FILE);
    if db.exists() {
        // Going on with a run whose strategy changed under its version is
        // refused with what to do about it, before the run's own check.
        let old = crate::plan::RunConfig::load(&crate::store::Store::open(&db)?)?;
        crate::generate::strategy::user::check_frozen(&old.strategy_defs, &cfg)
            .map_err(anyhow::Error::msg)?;
    }
    let mut store = crate::run::open_run(&dir, &config, a.force)?;
    if a.exec.no_cache {
        // Kept with the run, so that `resume` does not read cached answers
        // into a run meant to have fresh ones.
        store.set_meta("no_cache", "true")?;
    }
    finish(&mut store, &config, &suite, &dir, &a.exec)
}

fn cmd_report(
    dir: &Path,
    out: Option<PathBuf>,
    gates: &[crate::analyze::gate::Gate],
    opts: &crate::report::export::ExportOptions,
) -> Result<i32> {
    let crate::run::RunDir {
        store,
        config,
        suite,
        ..
    } = crate::run::RunDir::open(dir)?;
    let gap = if suite.content_hash == config.suite_hash {
        crate::run::gap_of(&store, &config, &suite)?
    } else {
        eprintln!("warning: the suite changed since the run, so the gap analysis is left out");
        None
    };
    let level1 = crate::run::level1_of(&store, &config)?;
    for w in level1.iter().flat_map(|l| l.warnings()) {
        eprintln!("warning: {w}");
    }
    let calls = store.call_totals()?;
    let run = serde_json::json!({
        "dir": dir, "config_hash": config.hash(), "config": config,
        "created_at": store.meta("created_at")?,
        "sampling": store.meta("sampling")?.and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok()),
        "schema_version": store.meta("schema_version")?,
        "model_calls": calls.calls, "cached_calls": calls.cached,
        "cost_usd": (calls.priced > 0).then_some(calls.cost_usd),
        "priced_calls": calls.priced, "unpriced_calls": calls.unpriced,
    });
    let out = out.unwrap_or_else(|| dir.join("report"));
    let crate::report::Written {
        groups,
        files: written,
        code_files,
        ..
    } = crate::report::write(
        &store,
        &suite,
        &out,
        run,
        gap.as_ref(),
        level1.as_ref(),
        opts,
    )?;
    let pages = written
        .iter()
        .filter(|p| p.parent().is_some_and(|d| d.ends_with("samples")))
        .count();
    for p in written
        .iter()
        .filter(|p| !p.parent().is_some_and(|d| d.ends_with("samples")))
    {
        println!("wrote {}", p.display());
    }
    if pages > 0 {
        println!(
            "wrote {} more drill-down page(s) under {}",
            pages,
            out.join("samples").display()
        );
    }
    if code_files {
        println!("wrote {} (the generated code)", out.join("code").display());
    } else if opts.formats.contains(&crate::report::code::FORMAT) {
        println!(
            "the code of more than {} samples is not written as files (it is in samples.jsonl); SARIF results carry no file locations",
            crate::report::code::CODE_FILES_MAX
        );
    }
    let failures = crate::analyze::gate::check(gates, &groups, &understanding_of(gap.as_ref()))?;
    Ok(exit_code(&failures, 0))
}

fn cmd_compare(
    a: &Path,
    b: Option<&Path>,
    subjects: &[String],
    json: bool,
    html: Option<&Path>,
) -> Result<i32> {
    let open = |d: &Path| -> Result<(Vec<String>, Vec<crate::model::ScoredRow>)> {
        let store = crate::store::Store::open(&d.join(crate::store::DB_FILE))?;
        Ok((
            crate::plan::RunConfig::load(&store)?.subjects,
            store.scored()?,
        ))
    };
    let (subjects_a, samples_a) = open(a)?;
    let other = b.map(open).transpose()?;
    let (subjects_b, samples_b) = match &other {
        Some((s, r)) => (s, r),
        None => (&subjects_a, &samples_a),
    };
    let pick = |i: usize, of: &[String], run: &Path| -> Result<String> {
        match subjects.get(i) {
            Some(s) if of.contains(s) => Ok(s.clone()),
            Some(s) => bail!(
                "{} has no subject `{s}` (it has: {})",
                run.display(),
                of.join(", ")
            ),
            None if b.is_some() && of.len() == 1 => Ok(of[0].clone()),
            None => bail!(
                "name the subjects to compare: --subjects A,B (the run has: {})",
                of.join(", ")
            ),
        }
    };
    if subjects.len() > 2 {
        bail!("--subjects takes two subjects, A and B");
    }
    let sa = pick(0, &subjects_a, a)?;
    let sb = pick(1, subjects_b, b.unwrap_or(a))?;
    if b.is_none() && sa == sb {
        bail!("compare two different subjects of the run: --subjects A,B");
    }
    let c = crate::analyze::compare::compare(
        crate::analyze::compare::Arm::Subject,
        &samples_a,
        &sa,
        samples_b,
        &sb,
    );
    if c.pairs == 0 {
        bail!("`{sa}` and `{sb}` have no scored samples in common (same strategy, task and sample index)");
    }
    print_comparison(&c, json, html)
}

/// `secgap compare RUN --strategies A,B`: strategy A against B, each
/// sample paired with B's on the same subject, task and sample index.
fn cmd_compare_strategies(
    dir: &Path,
    other: Option<&Path>,
    strategies: &[String],
    subjects: &[String],
    json: bool,
    html: Option<&Path>,
) -> Result<i32> {
    if other.is_some() {
        bail!("--strategies compares two strategies of one run: give one run folder");
    }
    let [sa, sb] = strategies else {
        bail!(
            "--strategies takes two strategies, A and B (e.g. --strategies cwe-reminder,baseline)"
        );
    };
    if sa == sb {
        bail!("compare two different strategies: --strategies A,B");
    }
    let store = crate::store::Store::open(&dir.join(crate::store::DB_FILE))?;
    let config = crate::plan::RunConfig::load(&store)?;
    let names: Vec<&str> = config.strategies.iter().map(|s| s.name.as_str()).collect();
    for s in [sa, sb] {
        if !names.contains(&s.as_str()) {
            bail!(
                "{} has no strategy `{s}` (it has: {})",
                dir.display(),
                names.join(", ")
            );
        }
    }
    for s in subjects {
        if !config.subjects.contains(s) {
            bail!(
                "{} has no subject `{s}` (it has: {})",
                dir.display(),
                config.subjects.join(", ")
            );
        }
    }
    let mut rows = store.scored()?;
    if !subjects.is_empty() {
        rows.retain(|r| subjects.iter().any(|s| r.key.subject == *s));
    }
    let c = crate::analyze::compare::compare(
        crate::analyze::compare::Arm::Strategy,
        &rows,
        sa,
        &rows,
        sb,
    );
    if c.pairs == 0 {
        bail!("`{sa}` and `{sb}` have no scored samples in common (same subject, task and sample index)");
    }
    print_comparison(&c, json, html)
}

fn print_comparison(
    c: &crate::analyze::compare::Comparison,
    json: bool,
    html: Option<&Path>,
) -> Result<i32> {
    if json {
        println!("{}", serde_json::to_string_pretty(c)?);
    } else {
        print!("{}", crate::analyze::compare::table(c));
    }
    if let Some(path) = html {
        std::fs::write(path, crate::report::html::compare::render_comparison(c))
            .with_context(|| format!("write {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(0)
}

fn cmd_analyze(dir: &Path, json: bool) -> Result<i32> {
    let run = crate::run::RunDir::open(dir)?;
    run.require_unchanged_suite(
        "its probes cannot be rebuilt exactly; analyse with the suite the run used",
    )?;
    let Some(gap) = crate::run::gap_of(&run.store, &run.config, &run.suite)? else {
        bail!(
            "{} asked no probes, so there is no gap to analyse: run with --levels 1,2,3",
            dir.display()
        );
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&gap)?);
    } else {
        print!("{}", crate::analyze::gap::table(&gap));
    }
    Ok(0)
}

fn cmd_resume(a: ResumeArgs) -> Result<i32> {
    let (mut store, config, suite) = crate::run::reopen(&a.dir, a.force)?;
    if !config.strategy_defs.is_empty() {
        // The run sends the prompts it froze; a config file that changed
        // one of them under the same version would give two strategies one
        // name in results, so it is refused.
        match crate::plan::config::load(a.config.as_deref()) {
            Ok((_, cfg)) => {
                crate::generate::strategy::user::check_frozen(&config.strategy_defs, &cfg)
                    .map_err(anyhow::Error::msg)?
            }
            Err(e) if a.config.is_some() => return Err(e),
            Err(e) => eprintln!(
                "warning: the run's strategies were not compared with {}, which does not load: {e:#}",
                crate::plan::config::DEFAULT_FILE
            ),
        }
    }
    finish(&mut store, &config, &suite, &a.dir, &a.exec)
}

fn finish(
    store: &mut crate::store::Store,
    config: &crate::plan::RunConfig,
    suite: &Suite,
    dir: &Path,
    exec: &ExecArgs,
) -> Result<i32> {
    let json = exec.json;
    let run_no_cache = store.meta("no_cache")?.as_deref() == Some("true");
    if run_no_cache && !exec.no_cache {
        eprintln!("the run was started with --no-cache, so the response cache stays off");
    }
    let secs = |s: Option<u64>| s.map(std::time::Duration::from_secs);
    let opts = crate::run::RunOptions {
        cache: (!exec.no_cache && !run_no_cache).then(|| crate::generate::provider::Cache {
            dir: crate::generate::provider::Cache::default_dir(),
        }),
        jobs: jobs_or_default(exec.jobs),
        gen_jobs: exec.gen_jobs,
        budget_usd: exec.budget,
        progress: true,
        sample_timeout: std::time::Duration::from_secs(exec.sample_timeout.max(1)),
        request_timeout: secs(exec.request_timeout),
        idle_timeout: secs(exec.idle_timeout),
    };
    let summary = crate::run::execute_plan(store, config, suite, dir, &opts)?;
    let groups = crate::run::metrics_of(store, suite)?;
    let calls = store.call_totals()?;
    let gap = crate::run::gap_of(store, config, suite)?;
    let level1 = crate::run::level1_of(store, config)?;
    let paths = strategies_of(store, suite)?;
    let mut agreement = crate::analyze::agreement::AgreementTally::new();
    store.for_each_static_row(|r| {
        agreement.add(suite, &r);
        Ok(())
    })?;
    let agreement = agreement.finish();
    let mut v = rows_with_gap(&groups, gap.as_ref());
    let gate_failures =
        crate::analyze::gate::check(&exec.fail_under, &groups, &understanding_of(gap.as_ref()))?;
    if json {
        if let Some(g) = &gap {
            v["gap"] = serde_json::to_value(g)?;
        }
        if let Some(l) = &level1 {
            v["level1"] = serde_json::to_value(l)?;
        }
        if let Some(p) = &paths {
            v["strategies"] = serde_json::to_value(p)?;
        }
        if let Some(a) = &agreement {
            v["static_analysis"] = serde_json::to_value(a)?;
        }
        v["run"] = serde_json::json!({
            "dir": summary.dir, "config_hash": config.hash(), "planned": summary.planned,
            "executed_now": summary.executed, "already_done": summary.skipped,
            "generation_errors": summary.generation_errors,
            "model_calls": calls.calls, "cached_calls": calls.cached,
            "failed_attempts": calls.failed_attempts,
            "cost_usd": (calls.priced > 0).then_some(calls.cost_usd),
            "priced_calls": calls.priced, "unpriced_calls": calls.unpriced,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("{}", crate::report::terminal::table(&groups));
        if let Some(l) = &level1 {
            println!("{}", crate::analyze::level1::table(l));
        }
        if let Some(g) = &gap {
            println!("{}", crate::analyze::gap::table(g));
        }
        if let Some(p) = &paths {
            println!("{}", crate::analyze::paths::table(p));
        }
        if let Some(a) = &agreement {
            println!("{}", crate::report::terminal::static_table(a));
        }
        println!(
            "run stored in {} ({} samples; {} executed now, {} already done)",
            summary.dir.join(crate::store::DB_FILE).display(),
            summary.planned,
            summary.executed,
            summary.skipped
        );
        if calls.calls > 0 {
            println!(
                "model calls: {} ({} from the cache, {} failed attempts retried or given up); spent: {}",
                calls.calls,
                calls.cached,
                calls.failed_attempts,
                crate::report::numbers::spend(
                    (calls.priced > 0).then_some(calls.cost_usd),
                    calls.unpriced,
                    calls.cached
                )
            );
        }
    }
    for w in level1.iter().flat_map(|l| l.warnings()) {
        eprintln!("warning: {w}");
    }
    if summary.probe_errors > 0 {
        eprintln!(
            "warning: {} probe(s) got no answer and are left out of the understanding scores; `secgap resume {}` asks again",
            summary.probe_errors,
            dir.display()
        );
    }
    if summary.generation_errors > 0 || summary.probe_errors > 0 {
        eprintln!(
            "warning: {} sample(s) got no response and are left out of the metrics; `secgap resume {}` retries them",
            summary.generation_errors,
            dir.display()
        );
    }
    Ok(exit_code(
        &gate_failures,
        summary.generation_errors + summary.probe_errors,
    ))
}

/// The strategy comparison of a run, for the summary after it (None with
/// one strategy): its scored samples, their usage and principle-self's
/// graded answers, read one at a time.
fn strategies_of(
    store: &crate::store::Store,
    suite: &Suite,
) -> Result<Option<crate::analyze::paths::PathsReport>> {
    let mut t = crate::analyze::paths::PathsTally::new(store.self_identified()?);
    store.for_each_scored(|s| {
        t.add_sample(&s);
        Ok(())
    })?;
    store.for_each_usage(|u| {
        t.add_usage(&u);
        Ok(())
    })?;
    Ok(t.finish(suite))
}

/// Each subject's understanding for the gates: None when the run asked
/// no probes.
fn understanding_of(
    gap: Option<&crate::analyze::gap::GapReport>,
) -> impl Fn(&str) -> Option<Option<f64>> + '_ {
    move |subject| {
        let g = gap?;
        Some(
            g.subjects
                .iter()
                .find(|s| s.subject == subject)
                .and_then(|s| s.understanding),
        )
    }
}

/// The `--json` rows, with `understanding` and `gap_rate` when the run asked probes.
fn rows_with_gap(
    groups: &[crate::analyze::metrics::GroupMetrics],
    gap: Option<&crate::analyze::gap::GapReport>,
) -> serde_json::Value {
    let mut v = crate::report::terminal::json_rows(groups);
    if let (Some(g), Some(rows)) = (gap, v["rows"].as_array_mut()) {
        for row in rows {
            let s = g
                .subjects
                .iter()
                .find(|s| row["subject"] == s.subject.as_str());
            row["understanding"] = serde_json::json!(s.and_then(|s| s.understanding));
            row["gap_rate"] = serde_json::json!(s.and_then(|s| s.gap_rate));
        }
    }
    v
}

/// 4 when a --fail-under gate failed (each printed on stderr), else 3
/// when some samples or probes got no answer, else 0.
fn exit_code(gate_failures: &[String], missing: u64) -> i32 {
    for f in gate_failures {
        eprintln!("{f}");
    }
    if !gate_failures.is_empty() {
        4
    } else if missing > 0 {
        3
    } else {
        0
    }
}

fn cmd_doctor() -> Result<i32> {
    let mut checks = crate::tools::doctor::run_checks();
    // The web-application level's checks, for the environments of the
    // default suite (when it loads; a broken suite is `secgap list`'s to report).
    if let Ok(suite) =
        default_suite_dir().and_then(|d| crate::suite::load(&d).map_err(|e| anyhow::anyhow!("{e}")))
    {
        checks.extend(crate::tools::doctor::web_checks(&suite));
    }
    checks.extend(crate::tools::doctor::analyzer_checks());
    let mut bad = 0;
    for c in &checks {
        println!(
            "{} {:<24} {}",
            match (c.ok, c.optional) {
                (true, _) => "ok     ",
                (false, true) => "warning",
                (false, false) => "MISSING",
            },
            c.name,
            c.detail
        );
        if let Some(f) = &c.fix {
            bad += !c.optional as usize;
            println!("        fix: {f}");
        }
    }
    if bad == 0 {
        println!("everything secgap needs is here");
        Ok(0)
    } else {
        println!("{bad} problem(s); run the fixes above (the project's scripts/setup.sh installs all of them on Debian)");
        Ok(1)
    }
}

fn cmd_bench(a: BenchArgs) -> Result<i32> {
    match a.what {
        BenchWhat::Report {
            samples,
            keep,
            json,
        } => {
            let dir = default_suite_dir()?;
            let suite = crate::suite::load(
                &dir.canonicalize()
                    .with_context(|| format!("suite folder {}", dir.display()))?,
            )?;
            let b = crate::tools::bench::report(&suite, samples.max(1), keep.as_deref())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&b)?);
            } else {
                let line = |what: &str, c: &crate::tools::bench::ChildRun| {
                    println!(
                        "  {what}: {:.2} s ({:.2} s per million samples), peak RSS {:.0} MiB{}",
                        c.secs,
                        b.per_million(c),
                        c.peak_rss_mib,
                        if c.exit == 0 {
                            String::new()
                        } else {
                            format!(" (exited with {})", c.exit)
                        }
                    )
                };
                println!(
                    "report/{} samples ({} verdicts, {:.0} MiB database built in {:.1} s, not timed):",
                    b.samples,
                    b.verdicts,
                    b.db_bytes as f64 / (1 << 20) as f64,
                    b.build_db_s,
                );
                line(
                    "analysis + HTML report (--formats html,json,md; targets < 10 s, < 1024 MiB)",
                    &b.html,
                );
                line(
                    "every format (adds CSV, JSON lines, SARIF, JUnit, code files)",
                    &b.all_formats,
                );
                line(
                    "paths analysis alone (compare --strategies generic-reminder,baseline)",
                    &b.paths,
                );
            }
            Ok(
                if b.html.exit == 0 && b.all_formats.exit == 0 && b.paths.exit == 0 {
                    0
                } else {
                    2
                },
            )
        }
        BenchWhat::Web {
            suite,
            iterations,
            jobs,
            json,
        } => {
            let suite = load_suite(&suite)?;
            let jobs =
                jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
            let b = crate::tools::bench_web::web(&suite, iterations.max(1), jobs)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&b)?);
            } else {
                println!(
                    "{:<12} {:<22} {:>10} {:>18} {:>22} {:>7}",
                    "environment",
                    "task",
                    "timed",
                    "bare start (ms)",
                    "sandboxed test (ms)",
                    "ratio"
                );
                for e in &b.environments {
                    println!(
                        "{:<12} {:<22} {:>10} {:>18.1} {:>22.1} {:>7.2}",
                        e.environment,
                        e.task,
                        e.iterations,
                        e.bare_startup_median_ms,
                        e.sandboxed_test_median_ms,
                        e.ratio
                    );
                }
                println!("(medians; a sandboxed test is a fresh private network, tmpfs and sandbox, the app's start-up, the readiness wait, one test and the teardown)");
                println!(
                    "validate: {} web task(s) in {:.1} s on {jobs} job(s), {}",
                    b.validated_tasks,
                    b.validate_wall_ms as f64 / 1000.0,
                    if b.validate_ok {
                        "all proven"
                    } else {
                        "SOME FAILED (run secgap validate)"
                    }
                );
            }
            Ok(0)
        }
        BenchWhat::Sandbox {
            iterations,
            json,
            command,
        } => {
            let argv = if command.is_empty() {
                vec!["/usr/bin/python3".to_string(), "-c".into(), "pass".into()]
            } else {
                command
            };
            let b = crate::tools::bench::sandbox(iterations.max(1), argv)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&b)?);
            } else {
                println!("command: {}", b.command.join(" "));
                println!("iterations: {} of each, interleaved", b.iterations);
                println!("bare median:      {:8.2} ms", b.bare_median_ms);
                println!("sandboxed median: {:8.2} ms", b.sandbox_median_ms);
                println!(
                    "median overhead:  {:8.2} ms per execution",
                    b.overhead_median_ms
                );
                println!("ratio sandboxed/bare: {:.2}", b.ratio);
            }
            Ok(0)
        }
    }
}
