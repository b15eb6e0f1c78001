//! Running a plan: generate → extract → execute → commit, per sample, on
//! a pool of workers with the store's single writer on the calling thread.

pub mod dir;
pub mod level1;
pub mod progress;
pub mod tools;

pub use level1::level1_of;

pub use dir::RunDir;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::analyze::metrics;
use crate::execute::oracles::analyzers::StaticPlan;
use crate::execute::{self, ExecOptions};
use crate::extract::{self, Extraction};
use crate::generate::strategy::{self, Strategy};
use crate::generate::{self, Subject};
use crate::lang;
use crate::model::Failure;
use crate::plan::{self, RunConfig, SampleKey};
use crate::run::progress::Progress;
use crate::score;
use crate::store::{SampleRecord, Store, DB_FILE};
use crate::suite::{self, Suite};

pub struct RunOptions {
    /// Execution workers (sandboxed tests).
    pub jobs: usize,
    /// Generation workers (concurrent subject requests).
    pub gen_jobs: usize,
    /// Stop starting model calls once this many US dollars are spent.
    pub budget_usd: Option<f64>,
    /// The response cache for model subjects (None: no cache).
    pub cache: Option<crate::generate::provider::Cache>,
    /// Show progress bars on stderr (only drawn when it is a terminal).
    pub progress: bool,
    /// Wall-clock limit for one sample's generation, retries and waits included.
    pub sample_timeout: Duration,
    /// Ceiling on one model request, in place of each endpoint's default.
    pub request_timeout: Option<Duration>,
    /// Longest silence between two bytes of a model response, in place of
    /// each endpoint's default.
    pub idle_timeout: Option<Duration>,
}

pub struct RunSummary {
    pub dir: PathBuf,
    pub planned: usize,
    pub skipped: usize,
    pub executed: usize,
    pub generation_errors: u64,
    /// Level 1 probes that got no answer (asked again on resume).
    pub probe_errors: u64,
}

/// Store (in the run's `sampling` meta entry) and print what each model
/// subject and judge sends: a run without a temperature says the server's
/// default applied, so a reader of the run knows its answers are not
/// repeatable.
fn record_sampling(
    store: &Store,
    config: &RunConfig,
    subjects: &HashMap<String, Box<dyn Subject>>,
    judges: &HashMap<String, Box<dyn Subject>>,
    print: bool,
) -> Result<()> {
    let judge_names = config.probes.iter().flat_map(|pc| &pc.judges);
    let mut all = std::collections::BTreeMap::new();
    for name in config.subjects.iter().chain(judge_names) {
        let subject = subjects.get(name).or_else(|| judges.get(name));
        if let Some(s) = subject.and_then(|s| s.sampling()) {
            all.insert(name.clone(), s);
        }
    }
    if all.is_empty() {
        return Ok(());
    }
    if print {
        for (name, s) in &all {
            eprintln!("sampling: {name}: {}", s.describe());
        }
        if all.values().any(|s| s.temperature.is_none()) {
            eprintln!(
                "note: without a temperature the server's default applies (0.8 for llama.cpp, 1 for OpenAI); set --temperature 0 or `temperature` in secgap.toml for repeatable answers"
            );
        }
    }
    store.set_meta("sampling", &serde_json::to_string(&all)?)
}

/// Make a fresh run folder name under `runs/`.
pub fn default_run_dir() -> PathBuf {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    // The suffix only keeps two runs started in the same second apart.
    PathBuf::from("runs").join(format!(
        "{}-{:06x}",
        format_utc(secs),
        fastrand::u32(..1 << 24)
    ))
}

fn format_utc(secs: u64) -> String {
    // Civil date from days since the epoch (proleptic Gregorian).
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Open the run in `dir` for `config`: create it, or continue it if it
/// holds the same config. A different config is refused unless `force`.
pub fn open_run(dir: &Path, config: &RunConfig, force: bool) -> Result<Store> {
    let db = dir.join(DB_FILE);
    if db.exists() {
        let store = Store::open(&db)?;
        let old = RunConfig::load(&store)?;
        if old.hash() != config.hash() {
            let diffs = old.differences(config);
            if !force {
                bail!(
                    "{} holds a run with a different config:\n  {}\nuse another --out folder, or pass --force to continue it with the new config",
                    dir.display(),
                    diffs.join("\n  ")
                );
            }
            store.set_meta("config", &config.canonical_json())?;
            store.set_meta("config_hash", &config.hash())?;
        }
        return Ok(store);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    config.create_store(&db)
}

/// Re-open a run for `resume`: reload its suite and check it is unchanged.
pub fn reopen(dir: &Path, force: bool) -> Result<(Store, RunConfig, Suite)> {
    let run = RunDir::open(dir)?.for_resume(force)?;
    Ok((run.store, run.config, run.suite))
}

/// Execute every sample of the plan that the store does not hold yet.
pub fn execute_plan(
    store: &mut Store,
    config: &RunConfig,
    suite: &Suite,
    dir: &Path,
    opts: &RunOptions,
) -> Result<RunSummary> {
    let strategies: HashMap<String, Box<dyn Strategy>> = config
        .strategies
        .iter()
        .map(|r| strategy::resolve(r, &config.strategy_defs).map(|s| (s.name().to_string(), s)))
        .collect::<Result<_, String>>()
        .map_err(anyhow::Error::msg)?;
    let limiters = std::sync::Arc::new(crate::generate::limiter::Limiters::new(opts.gen_jobs));
    let subject_opts = generate::SubjectOptions {
        defs: config.subject_defs.clone(),
        agents: config.agent_defs.clone(),
        stream: config.stream,
        cache: opts.cache.clone(),
        limiters: limiters.clone(),
        temperature: config.temperature,
        request_timeout: opts.request_timeout,
        idle_timeout: opts.idle_timeout,
        replay_scope: Some(std::sync::Arc::new(generate::ReplayScope {
            suite_tasks: suite.tasks.iter().map(|t| t.id.clone()).collect(),
            run_tasks: config.tasks.iter().cloned().collect(),
            n: config.n,
        })),
    };
    let mut subjects: HashMap<String, Box<dyn Subject>> = HashMap::new();
    for s in &config.subjects {
        subjects.insert(s.clone(), generate::from_spec(s, &subject_opts)?);
    }
    let mut judges: HashMap<String, Box<dyn Subject>> = HashMap::new();
    for j in config.probes.iter().flat_map(|pc| &pc.judges) {
        judges.insert(j.clone(), generate::from_spec(j, &subject_opts)?);
    }
    for subject in subjects.values() {
        for st in strategies.values() {
            strategy::check_support(subject.as_ref(), st.as_ref()).map_err(anyhow::Error::msg)?;
        }
    }
    record_sampling(store, config, &subjects, &judges, opts.progress)?;
    for t in &config.tasks {
        if suite.task(t).is_none() {
            bail!(
                "the run's task `{t}` is not in the suite {}",
                suite.root.display()
            );
        }
    }
    let budget = Budget {
        limit: opts.budget_usd,
        spent: Mutex::new(store.call_totals()?.cost_usd),
    };
    let probe_errors = match &config.probes {
        Some(pc) => ask_probes(store, config, pc, suite, &subjects, &judges, &budget, opts)?,
        None => 0,
    };
    execute::sweep_stale_stages();
    let statics = match &config.static_analysis {
        Some(c) => Some(StaticPlan::resolve(
            &c.analyzers,
            c.semgrep_rules.as_deref(),
        )?),
        None => None,
    };
    for (id, why) in statics.iter().flat_map(|p| p.missing()) {
        eprintln!("warning: --static: skipping {id}: {why}");
    }
    let statics = statics.as_ref();
    let cleared = store.clear_generation_errors()?;
    let done = store.done()?;
    let all = plan::samples(config);
    let todo: Vec<SampleKey> = all.iter().filter(|k| !done.contains(k)).cloned().collect();
    let skipped = all.len() - todo.len();
    if opts.progress {
        eprintln!(
            "run {}: {} samples planned, {} already done{}, {} to go on {} job(s)",
            dir.display(),
            all.len(),
            skipped,
            if cleared > 0 {
                format!(" ({cleared} failed generations retried)")
            } else {
                String::new()
            },
            todo.len(),
            opts.jobs
        );
    }

    let queue = Mutex::new(todo.iter());
    // tool-feedback's visible-test runs: no more at once than executions.
    let visible_slots = tools::Slots::new(opts.jobs);
    let stop = AtomicBool::new(false);
    let total = todo.len();
    let mut executed = 0usize;
    let mut first_err: Option<anyhow::Error> = None;
    let progress = Progress::new(total as u64, opts.progress);
    let finished = AtomicBool::new(false);
    // Two pools: many generation workers (model calls wait on the network)
    // feed a few execution workers (sandboxed tests use the CPU), which feed
    // the single writer on this thread.
    let (gen_tx, gen_rx) = mpsc::sync_channel::<Generated>(opts.jobs.max(1) * 2);
    let gen_rx = Mutex::new(gen_rx);
    let (tx, rx) = mpsc::channel::<Result<SampleRecord>>();
    std::thread::scope(|scope| {
        for _ in 0..opts.gen_jobs.max(1).min(total.max(1)) {
            let gen_tx = gen_tx.clone();
            let (queue, stop, budget, progress) = (&queue, &stop, &budget, &progress);
            let (subjects, strategies, slots) = (&subjects, &strategies, &visible_slots);
            let timeout = opts.sample_timeout;
            scope.spawn(move || loop {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let key = match queue.lock().unwrap().next() {
                    Some(k) => k.clone(),
                    None => break,
                };
                let tools = tools::RunTools {
                    suite,
                    slots,
                    statics,
                };
                let g = generate_sample(suite, subjects, strategies, &key, budget, timeout, &tools);
                progress.generated();
                if gen_tx.send(g).is_err() {
                    break;
                }
            });
        }
        drop(gen_tx);
        for _ in 0..opts.jobs.max(1).min(total.max(1)) {
            let tx = tx.clone();
            let gen_rx = &gen_rx;
            scope.spawn(move || loop {
                let next = gen_rx.lock().unwrap().recv();
                let Ok(g) = next else { break };
                let r = g.and_then(|(rec, response)| match response {
                    Some(resp) => process_sample(suite, statics, rec, resp),
                    None => Ok(rec),
                });
                if tx.send(r).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        {
            let (progress, finished, budget, limiters) = (&progress, &finished, &budget, &limiters);
            scope.spawn(move || {
                while !finished.load(Ordering::SeqCst) {
                    let spent = *budget.spent.lock().unwrap();
                    let shown = (spent > 0.0 || budget.limit.is_some()).then_some(spent);
                    progress.set_status(crate::run::progress::status_line(
                        shown,
                        budget.limit,
                        &limiters.views(),
                    ));
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
        for r in rx {
            match r.and_then(|rec| store.insert(&rec).map(|_| rec)) {
                Ok(rec) => {
                    executed += 1;
                    progress.executed(&sample_line(&rec));
                }
                Err(e) => {
                    if first_err.is_none() {
                        first_err = Some(e);
                    }
                    // Stop starting work; samples in flight still finish.
                    stop.store(true, Ordering::SeqCst);
                }
            }
        }
        finished.store(true, Ordering::SeqCst);
    });
    progress.finish();
    if let Some(e) = first_err {
        return Err(
            e.context("the run stopped; finished samples are saved, `secgap resume` continues it")
        );
    }
    Ok(RunSummary {
        dir: dir.to_path_buf(),
        planned: all.len(),
        skipped,
        executed,
        generation_errors: store.count(crate::model::SampleStatus::GenerationError)?,
        probe_errors,
    })
}

/// Level 1: ask every subject every probe it has not answered yet, grade
/// the answers (judges grade explain answers) and commit each at once.
/// Returns how many probes got no answer.
#[allow(clippy::too_many_arguments)]
fn ask_probes(
    store: &mut Store,
    config: &RunConfig,
    pc: &crate::plan::ProbeConfig,
    suite: &Suite,
    subjects: &HashMap<String, Box<dyn Subject>>,
    judges: &HashMap<String, Box<dyn Subject>>,
    budget: &Budget,
    opts: &RunOptions,
) -> Result<u64> {
    use crate::plan::probe;
    use crate::score::probe as grading;
    use crate::store::{JudgmentRecord, ProbeAnswerRecord};
    if pc.version != probe::PROBE_VERSION {
        bail!(
            "the run's probes were made by {} and this secgap makes {}; its stored answers would be \
             graded by the wrong reader: continue it with the secgap that started it, or start a new run",
            pc.version,
            probe::PROBE_VERSION
        );
    }
    let tasks: Vec<&suite::Task> = config.tasks.iter().filter_map(|t| suite.task(t)).collect();
    let probes = probe::probes(suite, &tasks, pc.seed)?;
    store.insert_probes(&probes)?;
    store.clear_probe_errors()?;
    let done = store.probes_done()?;
    let todo: Vec<(&String, &probe::Probe)> = config
        .subjects
        .iter()
        .flat_map(|s| probes.iter().map(move |p| (s, p)))
        .filter(|(s, p)| !done.contains(&((*s).clone(), p.id.clone())))
        .collect();
    if todo.is_empty() {
        return Ok(0);
    }
    // A judge grades the reference explanations before any answer.
    if !judges.is_empty()
        && todo
            .iter()
            .any(|(_, p)| p.kind == probe::ProbeKind::Explain)
    {
        level1::calibrate_judges(store, suite, &probes, judges, budget, opts)?;
    }
    if opts.progress {
        eprintln!(
            "level 1: {} probe answers to get ({} probes x {} subjects, {} judge(s))",
            todo.len(),
            probes.len(),
            config.subjects.len(),
            pc.judges.len()
        );
    }
    let progress = Progress::probes(todo.len() as u64, opts.progress);
    let queue = Mutex::new(todo.into_iter());
    let (tx, rx) = mpsc::channel::<ProbeAnswerRecord>();
    let mut errors = 0u64;
    let mut first_err: Option<anyhow::Error> = None;
    std::thread::scope(|scope| {
        for _ in 0..opts.gen_jobs.max(1) {
            let tx = tx.clone();
            let (queue, progress) = (&queue, &progress);
            scope.spawn(move || loop {
                let Some((subject, p)) = queue.lock().unwrap().next() else {
                    break;
                };
                let t0 = Instant::now();
                let deadline = Some(t0 + opts.sample_timeout);
                let mut rec = ProbeAnswerRecord {
                    subject: subject.clone(),
                    probe_id: p.id.clone(),
                    response: None,
                    error: None,
                    grade: None,
                    score: None,
                    calls: Vec::new(),
                    judgments: Vec::new(),
                    gen_ms: 0,
                };
                let over = budget
                    .limit
                    .filter(|l| *budget.spent.lock().unwrap() >= *l);
                if let Some(limit) = over {
                    rec.error = Some(format!(
                        "not asked: the budget of ${limit:.2} is spent; resume with a larger --budget"
                    ));
                } else {
                    let answer = subjects[subject].answer_probe(&generate::ProbeRequest {
                        suite,
                        probe: p,
                        deadline,
                    });
                    rec.gen_ms = t0.elapsed().as_millis() as u64;
                    match answer {
                        Ok(g) => {
                            rec.calls = g.calls;
                            rec.grade = grading::grade(suite, p, &g.response);
                            rec.score = rec.grade.as_ref().map(|g| g.score);
                            rec.response = Some(g.response);
                        }
                        Err(e) => {
                            rec.error = Some(e.message);
                            rec.calls = e.calls;
                        }
                    }
                }
                if let (probe::Key::Explain { principles }, Some(answer)) = (&p.key, &rec.response) {
                    let prompt = grading::judge_prompt(suite, p, answer)
                        .expect("explain probes name catalog principles");
                    let mut names: Vec<&String> = judges.keys().collect();
                    names.sort();
                    for name in names {
                        let got = judges[name].ask(&prompt, deadline);
                        let (reply, error, calls) = match got {
                            Ok(g) => (Some(g.response), None, g.calls),
                            Err(e) => (None, Some(e.message), e.calls),
                        };
                        let verdicts = reply
                            .as_deref()
                            .and_then(|r| grading::parse_judgment(r, principles.len()));
                        rec.judgments.push(JudgmentRecord {
                            judge: name.clone(),
                            prompt: prompt.clone(),
                            reply,
                            verdicts,
                            error,
                            calls,
                        });
                    }
                    let verdicts: Vec<Option<Vec<bool>>> =
                        rec.judgments.iter().map(|j| j.verdicts.clone()).collect();
                    rec.score = grading::majority(&verdicts, principles.len()).map(|m| {
                        m.iter().filter(|v| **v).count() as f64 / m.len().max(1) as f64
                    });
                }
                let cost: f64 = rec
                    .calls
                    .iter()
                    .chain(rec.judgments.iter().flat_map(|j| j.calls.iter()))
                    .filter_map(|c| c.cost_usd)
                    .sum();
                *budget.spent.lock().unwrap() += cost;
                progress.generated();
                if tx.send(rec).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for rec in rx {
            if rec.response.is_none() {
                errors += 1;
            }
            if let Err(e) = store.insert_probe_answer(&rec) {
                first_err.get_or_insert(e);
            }
        }
    });
    progress.finish();
    if let Some(e) = first_err {
        return Err(e.context("storing probe answers failed; `secgap resume` continues"));
    }
    Ok(errors)
}

/// What became of one sample, in a few words.
fn sample_line(rec: &SampleRecord) -> String {
    let verdict = match (&rec.scores, &rec.failure) {
        (None, _) => "generation error".to_string(),
        (Some(s), _) if s.functional && s.secure => "func-sec".to_string(),
        (Some(_), Some(f)) => f.to_string(),
        (Some(_), None) => "failed".to_string(),
    };
    format!(
        "{} {} #{}: {verdict}",
        rec.key.subject, rec.key.task, rec.key.index
    )
}

/// Spend on model calls so far, and the cap given with --budget.
struct Budget {
    limit: Option<f64>,
    spent: Mutex<f64>,
}

/// A sample with its generation done: the record so far and the response
/// (None when the subject gave none; the record then says why).
type Generated = Result<(SampleRecord, Option<String>)>;

fn generate_sample(
    suite: &Suite,
    subjects: &HashMap<String, Box<dyn Subject>>,
    strategies: &HashMap<String, Box<dyn Strategy>>,
    key: &SampleKey,
    budget: &Budget,
    timeout: Duration,
    tools: &tools::RunTools,
) -> Generated {
    let task = suite.task(&key.task).context("task vanished from suite")?;
    let strategy = strategies[key.strategy.as_str()].as_ref();
    let subject = &subjects[key.subject.as_str()];
    let prompt = strategy.prompt(suite, task);
    let subject: &dyn Subject = subject.as_ref();
    let mut rec = SampleRecord {
        key: key.clone(),
        language: task.language.name().into(),
        prompt: prompt.clone(),
        response: None,
        extraction: None,
        code: None,
        build_log: None,
        scores: None,
        failure: None,
        error: None,
        verdicts: Vec::new(),
        calls: Vec::new(),
        transcript: None,
        turns: Vec::new(),
        static_runs: Vec::new(),
        gen_ms: 0,
        exec_ms: 0,
    };
    if let Some(limit) = budget.limit {
        let spent = *budget.spent.lock().unwrap();
        if spent >= limit {
            rec.failure = Some(Failure::GenerationError);
            rec.error = Some(format!(
                "not started: the budget of ${limit:.2} is spent (${spent:.4}); resume with a larger --budget"
            ));
            return Ok((rec, None));
        }
    }
    let t0 = Instant::now();
    let answer = strategy.run(&strategy::Context {
        suite,
        task,
        subject,
        tools,
        sample: key.index,
        deadline: Some(t0 + timeout),
    });
    rec.gen_ms = t0.elapsed().as_millis() as u64;
    rec.calls = answer.calls;
    rec.transcript = answer.transcript;
    rec.turns = answer.turns;
    let response = match answer.result {
        Ok(response) => Some(response),
        Err(message) => {
            rec.failure = Some(Failure::GenerationError);
            rec.error = Some(message);
            None
        }
    };
    let cost: f64 = rec.calls.iter().filter_map(|c| c.cost_usd).sum();
    *budget.spent.lock().unwrap() += cost;
    Ok((rec, response))
}

/// Extract the code from a response, execute it and score it; with
/// `statics`, run the static analyzers on it too (their findings are
/// stored beside the verdicts and change no score).
fn process_sample(
    suite: &Suite,
    statics: Option<&StaticPlan>,
    mut rec: SampleRecord,
    response: String,
) -> Result<SampleRecord> {
    let task = suite
        .task(&rec.key.task)
        .context("task vanished from suite")?;
    let names = lang::interface_names(task.language, &task.interface);
    let extraction = extract::extract(&response, task.language, &names);
    rec.response = Some(response);
    rec.extraction = Some(serde_json::to_string(&match &extraction {
        Extraction::Code { how, .. } => serde_json::json!({"kind": "code", "how": how}),
        other => serde_json::to_value(other)?,
    })?);
    let code = match extraction {
        Extraction::Code { code, .. } => code,
        other => {
            let (scores, failure) = score::no_code(&other);
            rec.scores = Some(scores);
            rec.failure = failure;
            return Ok(rec);
        }
    };
    let t1 = Instant::now();
    let ex = execute::execute(
        task,
        &code,
        &ExecOptions {
            runtime_dir: suite.runtime_dir(task.language),
            build_timeout: Duration::from_secs(120),
        },
    )?;
    rec.exec_ms = t1.elapsed().as_millis() as u64;
    if let Some(plan) = statics {
        rec.static_runs = plan.analyze(task.language, &task.solution_file, &code)?;
    }
    rec.code = Some(code);
    let (scores, failure) = score::score(&ex);
    rec.scores = Some(scores);
    rec.failure = failure;
    rec.build_log = ex.build.as_ref().map(|b| b.log.clone());
    rec.verdicts = ex.verdicts;
    Ok(rec)
}

/// Level 3 for a run that asked probes (None when it did not).
pub fn gap_of(
    store: &Store,
    config: &RunConfig,
    suite: &Suite,
) -> Result<Option<crate::analyze::gap::GapReport>> {
    let Some(pc) = &config.probes else {
        return Ok(None);
    };
    if pc.version != crate::plan::probe::PROBE_VERSION {
        bail!(
            "the run's probes were made by {} and this secgap makes {}; analyse it with the secgap that ran it",
            pc.version,
            crate::plan::probe::PROBE_VERSION
        );
    }
    let tasks: Vec<&suite::Task> = config.tasks.iter().filter_map(|t| suite.task(t)).collect();
    let probes = crate::plan::probe::probes(suite, &tasks, pc.seed)?;
    Ok(Some(crate::analyze::gap::analyze(
        suite,
        &config.subjects,
        &probes,
        &store.probe_answers()?,
        &store.scored()?,
    )))
}

/// The metrics of everything scored in `store`.
pub fn metrics_of(store: &Store, suite: &Suite) -> Result<Vec<metrics::GroupMetrics>> {
    let mut tally = metrics::Tally::new();
    store.for_each_scored(|r| {
        tally.add_sample(suite, &r);
        Ok(())
    })?;
    Ok(tally.finish())
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formatting() {
        assert_eq!(super::format_utc(0), "19700101-000000");
        assert_eq!(super::format_utc(1_700_000_000), "20231114-221320");
        assert_eq!(super::format_utc(951_782_400), "20000229-000000");
    }
}
