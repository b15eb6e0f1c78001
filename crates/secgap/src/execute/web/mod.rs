//! Execution of a web-application task: build the app once, then for each
//! test start a fresh copy of it in a fresh sandbox inside a private
//! network, wait until it answers, run the test from the trusted runner
//! on the harness's side, and tear everything down.
//!
//! Per test, on a thread of its own, the harness makes a network namespace
//! holding only loopback and a private mount namespace
//! ([`secgap_sandbox::netns`]), mounts a size-limited tmpfs for the app's
//! `/srv` (the app folder, its data folder and a planted secret), starts
//! the harness servers (upstream and canary) on that loopback, and starts
//! the app in bubblewrap sharing that network
//! ([`secgap_sandbox::Network::Caller`]) and, where the machine allows it,
//! in a memory cgroup that bounds the whole app. The runner's requests go
//! out from the same thread, so they reach only that app; the app reaches
//! nothing but that loopback. When the test ends the app is killed, the
//! thread ends and both namespaces, the tmpfs and everything in them are
//! gone.

pub mod http;
mod observe;
pub mod servers;
mod steps;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::{set_mode, truncate, BuildResult, ExecOptions, Execution, Step, TestSelection};
use crate::model::{Cause, TestOutcome, Verdict};
use crate::suite::web::{Action, Check, Environment, InstallKind, WebTask, WebTest};
use crate::suite::Task;
use secgap_sandbox::cgroup::Cgroup;
use secgap_sandbox::{self as sandbox, netns, tree, Exit, Killed, Limits, Mount, Network};

/// Where the app sees its surroundings.
pub mod layout {
    pub const SRV: &str = "/srv";
    pub const APP: &str = "/srv/app";
    pub const DATA: &str = "/srv/app/data";
    pub const SECRET: &str = "/srv/secret.txt";
    /// The environment's installed dependencies (read-only).
    pub const ENV: &str = "/env";
}

/// Where `scripts/install-envs.sh` installs environments: `$SECGAP_ENVS`,
/// else `/var/lib/secgap/envs` for root (the sandbox then runs as
/// `nobody`, who cannot enter root's home), else
/// `~/.local/share/secgap/envs`.
pub fn envs_root() -> PathBuf {
    crate::execute::install_root("SECGAP_ENVS", "envs")
}

/// The installed dependencies of `env`, or why they are missing.
pub fn installed(env: &Environment) -> Result<Option<PathBuf>> {
    let dir = envs_root().join(&env.id);
    let marker = match env.install {
        InstallKind::None => return Ok(dir.is_dir().then_some(dir)),
        InstallKind::Pip => dir.join("site"),
        InstallKind::Npm => dir.join("node_modules"),
    };
    if !marker.is_dir() {
        bail!(
            "the {} environment `{}` is not installed (no {}); run scripts/install-envs.sh (the set-up command does), or point SECGAP_ENVS at where it is installed",
            env.title,
            env.id,
            marker.display()
        );
    }
    Ok(Some(dir))
}

/// Run `code` as the app for `task` against the tests `selection` picks.
pub fn execute(
    task: &Task,
    web: &WebTask,
    code: &str,
    opts: &ExecOptions,
    selection: TestSelection,
) -> Result<Execution> {
    let env = &web.environment;
    let deps = installed(env)?;
    let stage = Stage::new(code, env)?;
    let selected: Vec<(&crate::suite::TestDecl, &WebTest)> = task
        .tests
        .iter()
        .zip(web.tests.iter())
        .filter(|(d, _)| selection.includes(d))
        .collect();
    let mut build = None;
    if !env.build.is_empty() {
        let b = run_build(&stage, env, deps.as_deref(), opts)?;
        let ok = b.ok;
        build = Some(b);
        if !ok {
            return Ok(not_run(build, &selected, "not run: the app did not build"));
        }
    }
    let mut verdicts = Vec::with_capacity(selected.len());
    for (i, (decl, test)) in selected.iter().enumerate() {
        let started = Instant::now();
        let run = std::thread::scope(|s| {
            s.spawn(|| run_test(&stage, web, test, deps.as_deref(), i))
                .join()
                .map_err(|_| anyhow::anyhow!("the test runner's thread panicked"))?
        })?;
        match run {
            // The first test's app never came up: the sample's start-up
            // failure (after the build's log, if there was a build).
            TestRun::Startup(log) if i == 0 => {
                let (earlier, build_ms) =
                    build.map_or((String::new(), 0), |b| (b.log, b.duration_ms));
                let startup = BuildResult {
                    ok: false,
                    log: truncate(&format!("{earlier}{log}"), 16 * 1024),
                    duration_ms: build_ms + started.elapsed().as_millis() as u64,
                    failed: Some(Step::Startup),
                    tampering: None,
                };
                return Ok(not_run(
                    Some(startup),
                    &selected,
                    "not run: the app did not start",
                ));
            }
            TestRun::Startup(log) => verdicts.push(Verdict {
                test: decl.name.clone(),
                kind: decl.kind,
                cwe: decl.cwe,
                outcome: TestOutcome::Error,
                message: "the app did not start for this test".into(),
                evidence: Some(truncate(&log, 16 * 1024)),
                duration_ms: started.elapsed().as_millis() as u64,
                cause: Cause::NoVerdict,
            }),
            TestRun::Done {
                result,
                evidence,
                cause,
            } => verdicts.push(Verdict {
                test: decl.name.clone(),
                kind: decl.kind,
                cwe: decl.cwe,
                outcome: if result.is_ok() {
                    TestOutcome::Pass
                } else {
                    TestOutcome::Fail
                },
                message: match &result {
                    Ok(()) => "passed".into(),
                    Err(m) => m.clone(),
                },
                evidence: result.is_err().then_some(evidence),
                duration_ms: started.elapsed().as_millis() as u64,
                cause,
            }),
        }
    }
    Ok(Execution { build, verdicts })
}

fn not_run(
    build: Option<BuildResult>,
    selected: &[(&crate::suite::TestDecl, &WebTest)],
    why: &str,
) -> Execution {
    let verdicts = selected
        .iter()
        .map(|(d, _)| Verdict {
            test: d.name.clone(),
            kind: d.kind,
            cwe: d.cwe,
            outcome: TestOutcome::NotRun,
            message: why.into(),
            evidence: None,
            duration_ms: 0,
            cause: Cause::NotRun,
        })
        .collect();
    Execution { build, verdicts }
}

/// How one test went.
enum TestRun {
    /// The app never accepted connections: its output and why.
    Startup(String),
    Done {
        /// Err: why the test failed.
        result: Result<(), String>,
        /// The requests and responses, the checks, the app's output.
        evidence: String,
        cause: Cause,
    },
}

/// The sample's staging folder: the built app folder, and one empty
/// folder per test that the test's tmpfs is mounted on.
struct Stage {
    root: tempfile::TempDir,
}

impl Stage {
    fn new(code: &str, env: &Environment) -> Result<Stage> {
        let prefix = format!("{}{}-", super::STAGE_PREFIX, std::process::id());
        let root = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir()
            .context("create a staging folder")?;
        set_mode(root.path(), 0o755)?;
        let app = root.path().join("app");
        std::fs::create_dir(&app).context("create the app folder")?;
        std::fs::write(app.join(&env.solution_file), code).context("write the app")?;
        set_mode(&app.join(&env.solution_file), 0o644)?;
        set_mode(&app, 0o755)?;
        sandbox::hand_over(&app)?;
        Ok(Stage { root })
    }

    fn app(&self) -> PathBuf {
        self.root.path().join("app")
    }
}

/// The environment's installed dependencies, read-only at `/env`.
fn env_mount(deps: Option<&Path>) -> Option<Mount> {
    deps.map(|d| Mount {
        host: d.to_path_buf(),
        dest: layout::ENV.into(),
        writable: false,
    })
}

/// The environment every build and app gets.
fn base_env(env: &Environment) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = vec![
        ("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into()),
        ("HOME".into(), "/tmp".into()),
        ("LANG".into(), "C.UTF-8".into()),
        ("DATA_DIR".into(), layout::DATA.into()),
    ];
    for (k, val) in &env.env {
        v.retain(|(n, _)| n != k);
        v.push((k.clone(), val.clone()));
    }
    v
}

fn run_build(
    stage: &Stage,
    env: &Environment,
    deps: Option<&Path>,
    opts: &ExecOptions,
) -> Result<BuildResult> {
    let mut mounts = vec![Mount {
        host: stage.app(),
        dest: layout::APP.into(),
        writable: true,
    }];
    mounts.extend(env_mount(deps));
    let spec = sandbox::Spec {
        argv: env.build.clone(),
        env: base_env(env),
        mounts,
        workdir: layout::APP.into(),
        limits: Limits {
            cpu_secs: opts.build_timeout.as_secs().max(1),
            address_space_mb: Some(4096),
            file_size_mb: 256,
            tmpfs_mb: 512,
            wall: opts.build_timeout,
            ..Limits::default()
        },
        channel: false,
        after_nonce: None,
        worker: None,
        network: Network::Isolated,
        cgroup: None,
    };
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
        failed: (!ok).then_some(Step::Build),
        tampering: None,
    })
}

/// Copy the built app folder to `to`, keeping each file's executable bit.
fn copy_app(from: &Path, to: &Path) -> Result<Vec<PathBuf>> {
    use std::os::unix::fs::PermissionsExt;
    let mut staged = Vec::new();
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from).with_context(|| format!("read {}", from.display()))? {
        let e = e?;
        let ft = e.file_type()?;
        let dst = to.join(e.file_name());
        if ft.is_dir() {
            staged.extend(copy_app(&e.path(), &dst)?);
        } else if ft.is_file() {
            std::fs::copy(e.path(), &dst)
                .with_context(|| format!("copy {}", e.path().display()))?;
            let exec = e.metadata()?.permissions().mode() & 0o111 != 0;
            set_mode(&dst, if exec { 0o755 } else { 0o644 })?;
            staged.push(dst);
        }
    }
    Ok(staged)
}

/// Ports the app may be told to listen on: below Linux's range of
/// ephemeral ports (32768 and up by default), so that no client socket of
/// the runner can have the app's port as its own (a connect to a port
/// nobody listens on can otherwise reach the connecting socket itself).
fn pick_port() -> u16 {
    fastrand::u16(10000..32000)
}

/// Whether `s` is a socket that connected to itself (TCP's simultaneous
/// open, which Linux allows when source and destination are the same).
fn connected_to_itself(s: &TcpStream) -> bool {
    matches!((s.local_addr(), s.peer_addr()), (Ok(a), Ok(b)) if a == b)
}

/// A connection to the app that really reached a listener: not a socket
/// that connected to itself (see [`pick_port`]).
pub(crate) fn connect(addr: &SocketAddr, timeout: Duration) -> std::io::Result<TcpStream> {
    let s = TcpStream::connect_timeout(addr, timeout)?;
    if connected_to_itself(&s) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "the socket connected to itself: nothing listens there",
        ));
    }
    Ok(s)
}

/// One test, on the calling thread (which it moves into a private network
/// and mount namespace for good: call it on a thread of its own).
fn run_test(
    stage: &Stage,
    web: &WebTask,
    test: &WebTest,
    deps: Option<&Path>,
    index: usize,
) -> Result<TestRun> {
    netns::enter_private()?;
    let srv = stage.root.path().join(format!("t{index}"));
    std::fs::create_dir(&srv).with_context(|| format!("mkdir {}", srv.display()))?;
    netns::mount_tmpfs(&srv, web.limits.disk_mb as u64)?;
    let app_dir = srv.join("app");
    let staged = copy_app(&stage.app(), &app_dir)?;
    let data = app_dir.join("data");
    std::fs::create_dir(&data)?;
    let secret = format!("SECGAP-SECRET-{}", sandbox::try_random_hex(16)?);
    std::fs::write(srv.join("secret.txt"), format!("{secret}\n"))?;
    set_mode(&srv.join("secret.txt"), 0o644)?;
    for d in [&srv, &app_dir, &data] {
        set_mode(d, 0o755)?;
        sandbox::hand_over(d)?;
    }
    let upstream = servers::Server::start(servers::Role::Upstream)?;
    let canary = servers::Server::start(servers::Role::Canary)?;
    let mut port = pick_port();
    while port == upstream.addr.port() || port == canary.addr.port() {
        port = pick_port();
    }
    let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
    let before = observe::snapshot(&srv, &app_dir);

    let env = &web.environment;
    let mut vars = base_env(env);
    vars.push(("PORT".into(), port.to_string()));
    vars.push(("UPSTREAM_URL".into(), upstream.base_url()));
    let mut mounts = vec![Mount {
        host: srv.clone(),
        dest: layout::SRV.into(),
        writable: true,
    }];
    mounts.extend(env_mount(deps));
    // A cgroup bounds the memory of the whole app; where the machine has
    // none to give, each process is bounded instead (see `secgap doctor`).
    let cgroup = Cgroup::create(web.limits.memory_mb as u64).ok();
    let wall = Duration::from_secs(web.limits.test_secs as u64);
    let spec = sandbox::Spec {
        argv: env.start.clone(),
        env: vars,
        mounts,
        workdir: layout::APP.into(),
        limits: Limits {
            cpu_secs: web.limits.test_secs as u64,
            address_space_mb: if cgroup.is_some() {
                None
            } else {
                Some((web.limits.memory_mb as u64).max(8192))
            },
            processes: 64,
            file_size_mb: web.limits.disk_mb as u64,
            open_files: 256,
            tmpfs_mb: 64,
            output_bytes: 1 << 20,
            wall,
        },
        channel: false,
        after_nonce: None,
        worker: None,
        network: Network::Caller,
        cgroup: cgroup.as_ref().map(Cgroup::procs_file),
    };
    let mut app = sandbox::spawn(&spec)?;
    match wait_ready(&mut app, &addr, web.limits.startup_secs) {
        Ok(()) => {}
        Err(NotReady::Exited) => {
            let out = app.finish()?;
            return Ok(TestRun::Startup(format!(
                "[secgap] the app exited ({}) before it accepted connections on port {port}\n{}",
                describe_exit(&out),
                output_of(&out)
            )));
        }
        Err(NotReady::Silent) => {
            let out = app.stop()?;
            return Ok(TestRun::Startup(format!(
                "[secgap] the app did not accept connections on 127.0.0.1:{port} within {} s\n{}",
                web.limits.startup_secs,
                output_of(&out)
            )));
        }
    }

    // What the app uses is sampled only for a test that checks it: the
    // sampler reads every process's status in /proc.
    let pid = Arc::new(AtomicI32::new(app.pid()));
    let measures = test
        .steps
        .iter()
        .any(|s| matches!(s.action, Action::Check(Check::Resources { .. })));
    let cpu_base_ms = if measures {
        tree::usage(app.pid()).cpu_ms
    } else {
        0
    };
    let peak = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let sampler = measures.then(|| {
        let (peak, pid) = (peak.clone(), pid.clone());
        std::thread::spawn(move || loop {
            let now = tree::usage(pid.load(Ordering::SeqCst)).rss_bytes;
            peak.fetch_max(now, Ordering::SeqCst);
            match stopped.recv_timeout(Duration::from_millis(25)) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                _ => break,
            }
        })
    });
    let mut vars = std::collections::HashMap::new();
    for (k, v) in [
        ("port", port.to_string()),
        ("base", format!("http://{addr}")),
        ("rand", sandbox::try_random_hex(6)?),
        ("secret", secret.clone()),
        ("secret_path", layout::SECRET.to_string()),
        ("outside", layout::SRV.to_string()),
        ("data_dir", layout::DATA.to_string()),
        ("upstream", upstream.base_url()),
        ("canary", canary.base_url()),
        ("upstream_addr", upstream.addr.to_string()),
        ("canary_addr", canary.addr.to_string()),
    ] {
        vars.insert(k.to_string(), v);
    }
    let mut live = steps::Live {
        addr,
        vars,
        jars: Default::default(),
        secret,
        srv: srv.clone(),
        app_dir: app_dir.clone(),
        staged,
        before,
        canary: &canary,
        app: Some(app),
        spec: &spec,
        startup_secs: web.limits.startup_secs,
        pid,
        cpu_base_ms,
        peak_rss: peak,
        request_timeout: Duration::from_secs(web.limits.request_secs as u64),
        script_timeout: wall,
        log: String::new(),
        earlier_output: String::new(),
    };
    let result = steps::run(&mut live, &test.steps);
    let mut evidence = std::mem::take(&mut live.log);
    evidence.push_str(&live.earlier_output);
    let app = live.app.take();
    drop(stop);
    if let Some(t) = sampler {
        let _ = t.join();
    }
    let Some(app) = app else {
        // A restart found the app gone for good: nothing is left to stop.
        drop(cgroup);
        return Ok(TestRun::Done {
            result,
            evidence,
            cause: Cause::Observed,
        });
    };
    let out = app.stop()?;
    let oom = cgroup.as_ref().is_some_and(Cgroup::oom_killed);
    let cause = match out.killed {
        Some(Killed::WallClock) if result.is_err() => Cause::Timeout,
        Some(Killed::Output) if result.is_err() => Cause::OutputLimit,
        _ if oom && result.is_err() => Cause::MemoryLimit,
        _ => Cause::Observed,
    };
    if result.is_err() {
        if oom {
            evidence.push_str(&format!(
                "[secgap] the app reached its memory limit ({} MiB) and the kernel killed a process of it\n",
                web.limits.memory_mb
            ));
        }
        evidence.push_str(&output_of(&out));
    }
    drop(cgroup);
    Ok(TestRun::Done {
        result,
        evidence,
        cause,
    })
}

/// Why an app never became ready.
pub(crate) enum NotReady {
    /// It exited first.
    Exited,
    /// It ran but did not accept a connection within the wait.
    Silent,
}

/// Wait until the app accepts a connection on `addr`, at most `secs`.
pub(crate) fn wait_ready(
    app: &mut sandbox::Sandboxed,
    addr: &SocketAddr,
    secs: u32,
) -> std::result::Result<(), NotReady> {
    let ready_by = Instant::now() + Duration::from_secs(secs as u64);
    loop {
        if app.has_exited() {
            return Err(NotReady::Exited);
        }
        if connect(addr, Duration::from_millis(100)).is_ok() {
            return Ok(());
        }
        if Instant::now() >= ready_by {
            return Err(NotReady::Silent);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

pub(crate) fn describe_exit(out: &sandbox::Outcome) -> String {
    match out.exit {
        Exit::Code(c) => format!("exit code {c}"),
        Exit::Signal(s) => format!("signal {}", sandbox::signal_name(s)),
    }
}

/// The app's own output, for evidence.
pub(crate) fn output_of(out: &sandbox::Outcome) -> String {
    let mut s = String::new();
    let err = out.stderr.text();
    let std = out.stdout.text();
    if !err.trim().is_empty() {
        s.push_str("--- the app's stderr ---\n");
        s.push_str(&tail(&err, 4096));
        s.push('\n');
    }
    if !std.trim().is_empty() {
        s.push_str("--- the app's stdout ---\n");
        s.push_str(&tail(&std, 2048));
        s.push('\n');
    }
    s
}

fn tail(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut cut = s.len() - n;
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    format!("[... {cut} bytes before]\n{}", &s[cut..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::FromRawFd;

    /// A socket bound to a port nobody listens on and connected to that
    /// same port reaches itself: what a readiness probe could mistake for
    /// an app that is up.
    #[test]
    fn a_socket_connected_to_itself_is_not_a_listener() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        // SAFETY: plain socket calls on a fresh descriptor, owned by the
        // TcpStream made from it.
        let s = unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0);
            let mut a: libc::sockaddr_in = std::mem::zeroed();
            a.sin_family = libc::AF_INET as libc::sa_family_t;
            a.sin_port = port.to_be();
            a.sin_addr.s_addr = u32::from(Ipv4Addr::LOCALHOST).to_be();
            let p = &a as *const libc::sockaddr_in as *const libc::sockaddr;
            let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            assert_eq!(libc::bind(fd, p, len), 0);
            assert_eq!(
                libc::connect(fd, p, len),
                0,
                "{}",
                std::io::Error::last_os_error()
            );
            TcpStream::from_raw_fd(fd)
        };
        assert!(connected_to_itself(&s));
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let ok = connect(&l.local_addr().unwrap(), Duration::from_secs(1)).unwrap();
        assert!(!connected_to_itself(&ok));
        assert!((10000..32000).contains(&pick_port()));
    }
}
