//! `secgap bench sandbox`: the cost of the sandbox per execution.
//!
//! Runs the same command bare and inside the sandbox, interleaved so that
//! machine noise hits both alike, and reports medians and their ratio.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde::Serialize;

use secgap_sandbox::{self as sandbox, Exit, Limits, Spec};

#[derive(Debug, Serialize)]
pub struct SandboxBench {
    pub command: Vec<String>,
    pub iterations: usize,
    pub bare_median_ms: f64,
    pub sandbox_median_ms: f64,
    pub overhead_median_ms: f64,
    pub ratio: f64,
}

/// The median of `v` (sorted in place); 0 for no values.
pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

pub fn sandbox(iterations: usize, argv: Vec<String>) -> Result<SandboxBench> {
    if argv.is_empty() {
        bail!("no command to benchmark");
    }
    let spec = Spec {
        argv: argv.clone(),
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        mounts: vec![],
        workdir: "/work".into(),
        limits: Limits {
            wall: Duration::from_secs(30),
            ..Limits::default()
        },
        channel: true,
        after_nonce: None,
        worker: None,
        network: Default::default(),
        cgroup: None,
    };
    let mut bare = Vec::with_capacity(iterations);
    let mut boxed = Vec::with_capacity(iterations);
    for i in 0..iterations + 2 {
        let t = Instant::now();
        let st = Command::new(&argv[0])
            .args(&argv[1..])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()?;
        let b = t.elapsed().as_secs_f64() * 1e3;
        if !st.status.success() {
            bail!("`{}` failed outside the sandbox", argv.join(" "));
        }
        let t = Instant::now();
        let o = sandbox::run(&spec)?;
        let s = t.elapsed().as_secs_f64() * 1e3;
        if o.exit != Exit::Code(0) {
            bail!(
                "`{}` failed in the sandbox: {}",
                argv.join(" "),
                o.stderr.text()
            );
        }
        if i >= 2 {
            // the first two rounds warm caches
            bare.push(b);
            boxed.push(s);
        }
    }
    let mut diffs: Vec<f64> = boxed.iter().zip(&bare).map(|(s, b)| s - b).collect();
    let bm = median(&mut bare);
    let sm = median(&mut boxed);
    Ok(SandboxBench {
        command: argv,
        iterations,
        bare_median_ms: bm,
        sandbox_median_ms: sm,
        overhead_median_ms: median(&mut diffs),
        ratio: sm / bm,
    })
}

/// `secgap bench report`: a synthetic run of `samples` scored samples over
/// the suite's tasks (2 subjects × 2 strategies, baseline and
/// generic-reminder, paired on every task and sample index; 4 verdicts
/// each), then `secgap report` on it in a child process, timed, with the
/// child's peak resident memory from wait4(2): once for the analysis and
/// the HTML report (with the JSON and Markdown summaries, the strategy
/// comparison included), once for every format, and once for the paths
/// analysis alone (`secgap compare --strategies`). The synthetic run is
/// built first and not timed.
#[derive(Debug, Serialize)]
pub struct ReportBench {
    pub samples: u64,
    pub verdicts: u64,
    pub build_db_s: f64,
    pub db_bytes: u64,
    /// `secgap report --formats html,json,md`.
    pub html: ChildRun,
    /// `secgap report` with every format (CSV, JSON lines, SARIF, JUnit too).
    pub all_formats: ChildRun,
    /// `secgap compare --strategies generic-reminder,baseline --json`: the
    /// strategies' pairing and paired tests on their own.
    pub paths: ChildRun,
}

impl ReportBench {
    /// Seconds per million samples of a child run.
    pub fn per_million(&self, c: &ChildRun) -> f64 {
        c.secs * 1e6 / self.samples.max(1) as f64
    }
}

/// One timed `secgap report` child.
#[derive(Debug, Serialize)]
pub struct ChildRun {
    pub secs: f64,
    pub peak_rss_mib: f64,
    pub exit: i32,
}

fn time_child(args: &[&std::ffi::OsStr]) -> Result<ChildRun> {
    let exe = std::env::current_exe()?;
    let t = Instant::now();
    let child = Command::new(exe)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 on our own child with valid out-pointers.
    let rc = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    if rc < 0 {
        bail!("wait4: {}", std::io::Error::last_os_error());
    }
    let secs = t.elapsed().as_secs_f64();
    Ok(ChildRun {
        secs,
        // ru_maxrss is in KiB on Linux.
        peak_rss_mib: usage.ru_maxrss as f64 / 1024.0,
        exit: if libc::WIFEXITED(status) {
            libc::WEXITSTATUS(status)
        } else {
            -1
        },
    })
}

pub fn report(
    suite: &crate::suite::Suite,
    samples: u64,
    keep: Option<&std::path::Path>,
) -> Result<ReportBench> {
    use crate::execute::{TestOutcome, Verdict};
    use crate::model::Failure;
    use crate::store::{SampleRecord, Scores, DB_FILE};
    let tmp = tempfile::tempdir()?;
    let dir = keep.map_or_else(|| tmp.path().join("run"), |k| k.to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let tasks: Vec<&crate::suite::Task> = suite.tasks.iter().collect();
    if tasks.is_empty() {
        bail!("the suite has no tasks");
    }
    let subjects: Vec<String> = (0..2).map(|i| format!("synthetic:model-{i}")).collect();
    let reminder = crate::model::StrategyRef {
        name: "generic-reminder".into(),
        version: 1,
    };
    let strategies = [crate::generate::strategy::default_strategy(), reminder];
    // (subject, strategy) arms, 4 as before: each a group of the metrics.
    let arms: Vec<(usize, &str)> = (0..subjects.len())
        .flat_map(|s| strategies.iter().map(move |st| (s, st.name.as_str())))
        .collect();
    let per = (samples as usize).div_ceil(arms.len() * tasks.len()) as u32;
    let config = crate::plan::RunConfig::new(
        suite,
        &tasks,
        subjects.clone(),
        &strategies,
        per,
        false,
        &Default::default(),
    );
    let t0 = Instant::now();
    let mut store = config.create_store(&dir.join(DB_FILE))?;
    let mut made = 0u64;
    let mut verdicts = 0u64;
    let mut batch = Vec::with_capacity(10_000);
    // A fixed pseudo-random pattern, so results vary by subject and task.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    'fill: for index in 0..per {
        for task in &tasks {
            for (ai, &(si, strategy)) in arms.iter().enumerate() {
                let subject = &subjects[si];
                if made == samples {
                    break 'fill;
                }
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let functional = (x % 100) < 70 + 5 * ai as u64;
                let secure = ((x >> 8) % 100) < 40 + 10 * ai as u64;
                let verdict = |test: &str, kind, cwe, pass: bool| Verdict {
                    test: test.to_string(),
                    kind,
                    cwe,
                    outcome: if pass {
                        TestOutcome::Pass
                    } else {
                        TestOutcome::Fail
                    },
                    message: if pass {
                        String::new()
                    } else {
                        format!("{test} failed")
                    },
                    evidence: None,
                    duration_ms: 12,
                    cause: Default::default(),
                };
                let cwe = task.cwes.first().copied();
                let vs = vec![
                    verdict(
                        "works",
                        crate::suite::TestKind::Functional,
                        None,
                        functional,
                    ),
                    verdict(
                        "edge_case",
                        crate::suite::TestKind::Functional,
                        None,
                        functional,
                    ),
                    verdict("attack_one", crate::suite::TestKind::Security, cwe, secure),
                    verdict("attack_two", crate::suite::TestKind::Security, cwe, secure),
                ];
                verdicts += vs.len() as u64;
                batch.push(SampleRecord {
                    key: crate::plan::SampleKey {
                        subject: subject.as_str().into(),
                        strategy: strategy.into(),
                        task: task.id.as_str().into(),
                        index,
                    },
                    language: task.language.name().into(),
                    prompt: String::new(),
                    response: Some(String::new()),
                    extraction: None,
                    code: Some(format!("def f(x):\n    return x  # {index}\n")),
                    build_log: None,
                    scores: Some(Scores { functional, secure }),
                    failure: (!(functional && secure)).then(|| Failure::TestFailure {
                        test: "attack_one".into(),
                    }),
                    error: None,
                    verdicts: vs,
                    calls: Vec::new(),
                    transcript: None,
                    turns: Vec::new(),
                    static_runs: Vec::new(),
                    gen_ms: 1,
                    exec_ms: 50,
                });
                made += 1;
                if batch.len() == batch.capacity() {
                    store.insert_many(&batch)?;
                    batch.clear();
                }
            }
        }
    }
    store.insert_many(&batch)?;
    drop(store);
    let build_db_s = t0.elapsed().as_secs_f64();
    let db_bytes = std::fs::metadata(dir.join(DB_FILE))?.len();

    let report = dir.join("report");
    let html = time_child(&[
        "report".as_ref(),
        dir.as_os_str(),
        "--formats".as_ref(),
        "html,json,md".as_ref(),
        "--out".as_ref(),
        report.as_os_str(),
    ])?;
    let all_formats = time_child(&[
        "report".as_ref(),
        dir.as_os_str(),
        "--out".as_ref(),
        report.as_os_str(),
    ])?;
    let paths = time_child(&[
        "compare".as_ref(),
        dir.as_os_str(),
        "--strategies".as_ref(),
        "generic-reminder,baseline".as_ref(),
        "--json".as_ref(),
    ])?;
    Ok(ReportBench {
        samples: made,
        verdicts,
        build_db_s,
        db_bytes,
        html,
        all_formats,
        paths,
    })
}
