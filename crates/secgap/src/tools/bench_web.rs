//! `secgap bench web`: what the web-application level costs.
//!
//! Per environment, with the secure reference of the first scenario that
//! has one there: the median time from starting the app bare (the same
//! start command, outside any sandbox and namespace) until it accepts
//! connections, against the median time of one sandboxed test (a fresh
//! private network, tmpfs and sandbox, the start-up, the readiness wait,
//! one test's steps and the teardown); then the wall time of validating
//! every web task of the suite once.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde::Serialize;

use crate::execute::{self, ExecOptions};
use crate::suite::{Suite, Task};
use crate::tools::bench::median;

#[derive(Debug, Serialize)]
pub struct EnvBench {
    pub environment: String,
    pub task: String,
    /// Bare start-ups timed (and sandboxed tests).
    pub iterations: usize,
    pub bare_startup_median_ms: f64,
    pub sandboxed_test_median_ms: f64,
    pub ratio: f64,
}

#[derive(Debug, Serialize)]
pub struct WebBench {
    pub environments: Vec<EnvBench>,
    pub validated_tasks: usize,
    pub validate_wall_ms: u64,
    pub validate_ok: bool,
}

/// The app's environment outside the sandbox: `/env` and `/srv/app` are
/// replaced by where they are on the host.
fn host_env(
    task: &Task,
    app: &Path,
    data: &Path,
    deps: Option<&Path>,
    port: u16,
) -> Vec<(String, String)> {
    let web = task.web.as_ref().expect("a web task");
    let env_dir = deps.map(|d| d.display().to_string()).unwrap_or_default();
    let mut v: Vec<(String, String)> = vec![
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
        ("HOME".into(), std::env::temp_dir().display().to_string()),
        ("LANG".into(), "C.UTF-8".into()),
        ("DATA_DIR".into(), data.display().to_string()),
        ("PORT".into(), port.to_string()),
        ("UPSTREAM_URL".into(), "http://127.0.0.1:9".into()),
    ];
    for (k, val) in &web.environment.env {
        let val = val
            .replace(execute::web::layout::ENV, &env_dir)
            .replace("/tmp/", &format!("{}/", app.display()));
        v.retain(|(n, _)| n != k);
        v.push((k.clone(), val));
    }
    v
}

fn wait_ready(addr: SocketAddr, child: &mut std::process::Child, limit: Duration) -> Result<()> {
    let until = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait()? {
            bail!("the app exited ({status}) before it accepted connections");
        }
        if execute::web::connect(&addr, Duration::from_millis(100)).is_ok() {
            return Ok(());
        }
        if Instant::now() > until {
            bail!("the app did not accept connections within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Bare start-up times of `task`'s secure reference, `n` times.
fn bare(task: &Task, n: usize) -> Result<Vec<f64>> {
    let web = task.web.as_ref().expect("a web task");
    let env = &web.environment;
    let deps = execute::web::installed(env)?;
    let dir = tempfile::tempdir()?;
    let app = dir.path().join("app");
    let data = app.join("data");
    std::fs::create_dir_all(&data)?;
    std::fs::copy(&task.secure_ref, app.join(&env.solution_file))
        .with_context(|| format!("copy {}", task.secure_ref.display()))?;
    if !env.build.is_empty() {
        let st = Command::new(&env.build[0])
            .args(&env.build[1..])
            .current_dir(&app)
            .env_clear()
            .envs(host_env(task, &app, &data, deps.as_deref(), 0))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .with_context(|| format!("run {}", env.build[0]))?;
        if !st.success() {
            bail!("building {} outside the sandbox failed ({st})", task.id);
        }
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0")?;
            l.local_addr()?.port()
        };
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let started = Instant::now();
        let mut child = Command::new(&env.start[0])
            .args(&env.start[1..])
            .current_dir(&app)
            .env_clear()
            .envs(host_env(task, &app, &data, deps.as_deref(), port))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("start {}", env.start[0]))?;
        let ready = wait_ready(
            addr,
            &mut child,
            Duration::from_secs(web.limits.startup_secs as u64),
        );
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        let _ = child.kill();
        let _ = child.wait();
        ready?;
    }
    Ok(times)
}

/// Per-test times (start-up, one test, teardown) of `task`'s secure
/// reference in the sandbox, over enough executions for `n` tests.
fn sandboxed(suite: &Suite, task: &Task, n: usize) -> Result<Vec<f64>> {
    let code = std::fs::read_to_string(&task.secure_ref)?;
    let opts = ExecOptions {
        runtime_dir: suite.runtime_dir(task.language),
        build_timeout: Duration::from_secs(120),
    };
    let mut times = Vec::new();
    while times.len() < n {
        let ex = execute::execute(task, &code, &opts)?;
        if ex.verdicts.is_empty() || ex.build.as_ref().is_some_and(|b| !b.ok) {
            bail!("the secure reference of {} did not run", task.id);
        }
        times.extend(ex.verdicts.iter().map(|v| v.duration_ms as f64));
    }
    times.truncate(n);
    Ok(times)
}

pub fn web(suite: &Suite, iterations: usize, jobs: usize) -> Result<WebBench> {
    let web_tasks: Vec<&Task> = suite.tasks.iter().filter(|t| t.web.is_some()).collect();
    if web_tasks.is_empty() {
        bail!("the suite has no web-application scenarios");
    }
    let mut environments = Vec::new();
    for env in &suite.environments {
        let Some(task) = web_tasks
            .iter()
            .find(|t| t.web.as_ref().is_some_and(|w| w.environment.id == env.id))
        else {
            continue;
        };
        let mut b = bare(task, iterations)?;
        let mut s = sandboxed(suite, task, iterations)?;
        let bm = median(&mut b);
        let sm = median(&mut s);
        environments.push(EnvBench {
            environment: env.id.clone(),
            task: task.id.clone(),
            iterations,
            bare_startup_median_ms: bm,
            sandboxed_test_median_ms: sm,
            ratio: if bm > 0.0 { sm / bm } else { 0.0 },
        });
    }
    let started = Instant::now();
    let results = crate::tools::validate::validate_all(suite, &web_tasks, 1, None, jobs, &|_| {})?;
    Ok(WebBench {
        environments,
        validated_tasks: web_tasks.len(),
        validate_wall_ms: started.elapsed().as_millis() as u64,
        validate_ok: results.iter().all(|r| r.ok),
    })
}
