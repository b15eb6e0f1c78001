//! The sandbox escape corpus.
//!
//! Every case here is a hostile candidate run through the real bubblewrap
//! sandbox, either through `execute::execute` (one sandbox per declared test,
//! verdicts from the results channel) or through `sandbox::run` directly.
//! Each case checks that the abuse is contained, that the candidate earns no
//! pass it did not earn, and that the harness finishes in bounded time and
//! keeps working afterwards.
//!
//! The fixture suite (`tests/fixtures/escape-suite`) holds four tiny tasks,
//! `py-add`, `c-add`, `js-add` and `go-add`, with a 2 s time limit (10 s for
//! `js-add`, whose interpreter starts slowly on a loaded machine). Each test copies it, plus
//! the built-in check libraries, into a fresh temporary folder.
//!
//! All tests in this file take one lock around their sandbox work (the
//! write side of the lock every sandbox-running test of the binary shares), so the
//! CPU-heavy cases (fork bombs, busy loops) cannot starve another case into
//! a spurious timeout, and so that "no sandbox process of ours is still
//! running" is a meaningful check at the end of each case. Other programs
//! on the machine may run sandboxes as uid 65534 at the same time, so leak
//! checks only count processes that are provably ours: those in a PID
//! namespace we saw one of our sandboxes use, those that descend from this
//! test process, and those carrying the case's random marker in their name
//! or command line.

use std::collections::{BTreeMap, BTreeSet};
use std::io::ErrorKind;
use std::net::{Ipv6Addr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use secgap::execute::{self, ExecOptions, Execution, TestOutcome};
use secgap::suite::{self, Suite, Task};
use secgap_sandbox::{self as sandbox, Killed, Limits, Mount, Spec, SANDBOX_UID};

use crate::support::copy_tree;

// ---------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------

/// Run one case at a time (see the module comment), and none while any
/// other test of this binary runs sandboxes: the watch below counts every
/// sandbox process descended from the test binary.
fn serial() -> std::sync::RwLockWriteGuard<'static, ()> {
    crate::support::exclusive_sandboxes()
}

const PY: &str = "py-add";
const C: &str = "c-add";
const JS: &str = "js-add";
const GO: &str = "go-add";
/// The fixture tasks' `[limits] timeout_secs`.
const TASK_TIMEOUT: Duration = Duration::from_secs(2);

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn builtin_runtime() -> PathBuf {
    manifest_dir().join("../../suites/builtin/runtime")
}

struct Fixture {
    dir: tempfile::TempDir,
    suite: Suite,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::with(|_| {})
    }

    /// Build the suite in a temporary folder; `plant` may add files before it loads.
    fn with(plant: impl FnOnce(&Path)) -> Fixture {
        assert!(
            sandbox::bwrap_path().is_some(),
            "bubblewrap is required for the escape corpus (apt-get install bubblewrap)"
        );
        let dir = tempfile::Builder::new()
            .prefix("secgap-escape-suite-")
            .tempdir()
            .unwrap();
        copy_tree(
            &manifest_dir().join("tests/fixtures/escape-suite"),
            dir.path(),
        );
        copy_tree(&builtin_runtime(), &dir.path().join("runtime"));
        plant(dir.path());
        let suite = suite::load(dir.path()).unwrap_or_else(|e| panic!("fixture suite: {e:?}"));
        Fixture { dir, suite }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn task(&self, id: &str) -> &Task {
        self.suite.task(id).expect("fixture task")
    }

    fn reference(&self, id: &str, secure: bool) -> String {
        let t = self.task(id);
        let p = if secure {
            t.secure_ref.clone()
        } else {
            t.insecure_refs[0].file.clone()
        };
        std::fs::read_to_string(p).unwrap()
    }

    /// Run `code` for task `id` through `execute::execute`, failing the test if
    /// the harness does not come back in bounded time.
    fn run(&self, id: &str, code: &str) -> (Execution, Duration) {
        let task = self.task(id).clone();
        let opts = ExecOptions {
            runtime_dir: self.suite.runtime_dir(task.language),
            build_timeout: Duration::from_secs(60),
        };
        // Builds, plus each test's limit, plus generous slack for a loaded machine.
        let bound = Duration::from_secs(90)
            + Duration::from_secs(task.limits.timeout_secs as u64 * 3 * task.tests.len() as u64);
        let code = code.to_string();
        let started = Instant::now();
        let ex = bounded(bound, &format!("execute {id}"), move || {
            execute::execute(&task, &code, &opts)
        })
        .unwrap_or_else(|e| panic!("the harness could not run the sandbox: {e:#}"));
        (ex, started.elapsed())
    }

    /// The sandbox still works: the secure reference passes every test.
    fn assert_still_works(&self, id: &str) {
        let (ex, _) = self.run(id, &self.reference(id, true));
        assert_all_pass(self.task(id), &ex, "secure reference after the abuse");
    }
}

/// Run `f` on its own thread and fail if it takes longer than `limit`.
fn bounded<T: Send + 'static>(
    limit: Duration,
    what: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => v,
        Err(_) => panic!("{what} did not return within {limit:?}: the harness hung"),
    }
}

fn describe(ex: &Execution) -> String {
    let mut s = String::new();
    if let Some(b) = &ex.build {
        s.push_str(&format!(
            "build ok={} log={:?}\n",
            b.ok,
            execute::truncate(&b.log, 600)
        ));
    }
    for v in &ex.verdicts {
        s.push_str(&format!(
            "  {} [{}] {:?} ({} ms): {:?} evidence={:?}\n",
            v.test,
            v.kind.as_str(),
            v.outcome,
            v.duration_ms,
            execute::truncate(&v.message, 600),
            v.evidence.as_deref().map(|e| execute::truncate(e, 600)),
        ));
    }
    s
}

/// Every declared test has exactly one verdict, in order.
fn assert_every_test_judged(task: &Task, ex: &Execution, case: &str) {
    let declared: Vec<&str> = task.tests.iter().map(|t| t.name.as_str()).collect();
    let judged: Vec<&str> = ex.verdicts.iter().map(|v| v.test.as_str()).collect();
    assert_eq!(
        judged,
        declared,
        "{case}: every declared test needs a verdict\n{}",
        describe(ex)
    );
}

/// The candidate earned nothing: no declared test passed.
fn assert_nothing_passes(task: &Task, ex: &Execution, case: &str) {
    assert_every_test_judged(task, ex, case);
    let passed: Vec<&str> = ex
        .verdicts
        .iter()
        .filter(|v| v.outcome == TestOutcome::Pass)
        .map(|v| v.test.as_str())
        .collect();
    assert!(
        passed.is_empty(),
        "{case}: hostile candidate earned a pass on {passed:?}\n{}",
        describe(ex)
    );
    assert!(
        !ex.functional() && !ex.secure(),
        "{case}: functional()/secure() must both be false\n{}",
        describe(ex)
    );
}

fn assert_all_pass(task: &Task, ex: &Execution, case: &str) {
    assert_every_test_judged(task, ex, case);
    assert!(
        ex.functional()
            && ex.secure()
            && ex.verdicts.iter().all(|v| v.outcome == TestOutcome::Pass),
        "{case}: expected every test to pass\n{}",
        describe(ex)
    );
}

/// What the harness said about each test, or, when loading the candidate
/// failed and no test ran, what the load step said (the build log).
fn outcome_texts(ex: &Execution) -> Vec<String> {
    match &ex.build {
        Some(b) if b.failed == Some(execute::Step::Load) => vec![b.log.clone()],
        _ => ex.verdicts.iter().map(|v| v.message.clone()).collect(),
    }
}

/// Everything the harness reports about the candidate, for leak checks.
fn all_reported_text(ex: &Execution) -> String {
    let mut s = String::new();
    if let Some(b) = &ex.build {
        s.push_str(&b.log);
    }
    for v in &ex.verdicts {
        s.push_str(&v.message);
        s.push('\n');
        s.push_str(v.evidence.as_deref().unwrap_or(""));
        s.push('\n');
    }
    s
}

/// The last `ESCAPE-REPORT {json}` line a candidate printed on stderr, as
/// seen in a verdict's evidence.
fn report_in(evidence: &str) -> Option<serde_json::Value> {
    evidence
        .lines()
        .rev()
        .find_map(|l| l.split_once("ESCAPE-REPORT ").map(|(_, j)| j))
        .and_then(|j| serde_json::from_str(j).ok())
}

fn marker() -> String {
    format!("sgx{}", sandbox::try_random_hex(4).unwrap())
}

/// A Python candidate whose `add` is wrong, with `prelude` run at import.
fn wrong_py(prelude: &str) -> String {
    format!("{prelude}\n\ndef add(a, b):\n    return a - b\n")
}

const WRONG_C_FN: &str = "int add_checked(int a, int b, int *out) { *out = a - b; return 0; }\n";

fn sandbox_env() -> Vec<(String, String)> {
    [
        ("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"),
        ("HOME", "/work"),
        ("LANG", "C.UTF-8"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Run a Python script directly in the sandbox (no task, no channel).
fn run_python(script: &str, mounts: Vec<Mount>, wall: Duration) -> sandbox::Outcome {
    let spec = Spec {
        argv: vec![
            "/usr/bin/python3".into(),
            "-I".into(),
            "-c".into(),
            script.into(),
        ],
        env: sandbox_env(),
        mounts,
        workdir: "/work".into(),
        limits: Limits {
            wall,
            cpu_secs: wall.as_secs().max(1),
            ..Limits::default()
        },
        channel: false,
        after_nonce: None,
        worker: None,
        network: Default::default(),
        cgroup: None,
    };
    bounded(
        wall * 3 + Duration::from_secs(30),
        "sandbox::run",
        move || sandbox::run(&spec),
    )
    .unwrap_or_else(|e| panic!("sandbox::run failed: {e:#}"))
}

/// The JSON object a direct-run script printed as its last stdout line.
fn script_json(out: &sandbox::Outcome) -> serde_json::Value {
    let text = out.stdout.text();
    let last = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| {
            panic!(
                "script printed no JSON ({}, killed {:?})\nstdout: {text}\nstderr: {}",
                out.exit,
                out.killed,
                out.stderr.text()
            )
        });
    serde_json::from_str(last).unwrap_or_else(|e| panic!("bad JSON {last:?}: {e}"))
}

// ---------------------------------------------------------------------------
// Host process inspection (leak checks)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Proc {
    pid: i32,
    ppid: i32,
    uid: u32,
    state: char,
    name: String,
}

/// Every process on the host, from the Name, State, PPid and Uid lines of
/// /proc/*/status.
fn host_procs() -> Vec<Proc> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(status) = std::fs::read_to_string(e.path().join("status")) else {
            continue;
        };
        let mut p = Proc {
            pid,
            ppid: 0,
            uid: u32::MAX,
            state: '?',
            name: String::new(),
        };
        for line in status.lines() {
            if let Some(v) = line.strip_prefix("Name:") {
                p.name = v.trim().to_string();
            } else if let Some(v) = line.strip_prefix("State:") {
                p.state = v.trim().chars().next().unwrap_or('?');
            } else if let Some(v) = line.strip_prefix("PPid:") {
                p.ppid = v.trim().parse().unwrap_or(0);
            } else if let Some(v) = line.strip_prefix("Uid:") {
                p.uid = v
                    .split_whitespace()
                    .next()
                    .and_then(|u| u.parse().ok())
                    .unwrap_or(u32::MAX);
            }
        }
        out.push(p);
    }
    out
}

fn cmdline(pid: i32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

fn pid_ns(pid: &str) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/ns/pid"))
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
}

/// Zombies hold no memory and run nothing; bwrap's namespace init is
/// reparented to the host's init when the sandbox ends and waits there to
/// be reaped, which is the host init's job.
fn alive(p: &Proc) -> bool {
    p.state != 'Z' && p.state != 'X'
}

fn descends_from(p: &Proc, ancestor: i32, parents: &BTreeMap<i32, i32>) -> bool {
    let mut cur = p.ppid;
    for _ in 0..128 {
        if cur == ancestor {
            return true;
        }
        match parents.get(&cur) {
            Some(&next) if next != cur && cur > 1 => cur = next,
            _ => return false,
        }
    }
    false
}

fn is_marked(p: &Proc, mark: &str) -> bool {
    p.name.contains(mark) || cmdline(p.pid).contains(mark)
}

#[derive(Debug, Default)]
struct Seen {
    /// PID namespaces our sandboxes used.
    namespaces: BTreeSet<String>,
    /// Distinct pids that carried the case's marker.
    marked: BTreeSet<i32>,
    /// Most live sandbox processes seen at once in one namespace.
    max_in_one_ns: usize,
    samples: usize,
}

/// Polls /proc while a case runs, recording which PID namespaces our
/// sandboxes use and which processes carry the case's marker.
struct Watch {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<Seen>,
}

impl Watch {
    fn start(mark: &str) -> Watch {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let mark = mark.to_string();
        let me = std::process::id() as i32;
        let host_ns = pid_ns("self");
        let handle = std::thread::spawn(move || {
            let mut seen = Seen::default();
            loop {
                let procs = host_procs();
                let parents: BTreeMap<i32, i32> = procs.iter().map(|p| (p.pid, p.ppid)).collect();
                let mut per_ns: BTreeMap<String, usize> = BTreeMap::new();
                for p in procs.iter().filter(|p| p.uid == SANDBOX_UID && alive(p)) {
                    let ours = descends_from(p, me, &parents);
                    if ours {
                        if let Some(ns) = pid_ns(&p.pid.to_string()) {
                            if Some(&ns) != host_ns.as_ref() {
                                *per_ns.entry(ns.clone()).or_default() += 1;
                                seen.namespaces.insert(ns);
                            }
                        }
                    }
                    if is_marked(p, &mark) {
                        seen.marked.insert(p.pid);
                    }
                }
                seen.max_in_one_ns = seen
                    .max_in_one_ns
                    .max(per_ns.values().copied().max().unwrap_or(0));
                seen.samples += 1;
                if flag.load(Ordering::SeqCst) {
                    return seen;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Watch { stop, handle }
    }

    fn finish(self) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().expect("watch thread")
    }
}

/// Live uid-65534 processes that are ours: in one of our sandboxes' PID
/// namespaces, descended from this test process, or carrying the marker.
fn our_sandbox_procs(seen: &Seen, mark: &str) -> Vec<String> {
    let me = std::process::id() as i32;
    let procs = host_procs();
    let parents: BTreeMap<i32, i32> = procs.iter().map(|p| (p.pid, p.ppid)).collect();
    procs
        .iter()
        .filter(|p| p.uid == SANDBOX_UID && alive(p))
        .filter(|p| {
            descends_from(p, me, &parents)
                || is_marked(p, mark)
                || pid_ns(&p.pid.to_string()).is_some_and(|ns| seen.namespaces.contains(&ns))
        })
        .map(|p| {
            format!(
                "pid {} ({}) state {} cmd {:?}",
                p.pid,
                p.name,
                p.state,
                cmdline(p.pid)
            )
        })
        .collect()
}

/// After a case: give the kernel a moment, then require that nothing of ours survives.
fn assert_no_leftovers(seen: &Seen, mark: &str, case: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let left = our_sandbox_procs(seen, mark);
        if left.is_empty() {
            return;
        }
        if Instant::now() > deadline {
            panic!(
                "{case}: sandbox processes outlived the sandbox:\n{}",
                left.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------
// 0. The fixture works, so "nothing passes" below means something
// ---------------------------------------------------------------------------

#[test]
fn baseline_references_behave_as_declared() {
    let _g = serial();
    let fx = Fixture::new();
    for id in [PY, C] {
        let task = fx.task(id);
        let (ex, _) = fx.run(id, &fx.reference(id, true));
        assert_all_pass(task, &ex, &format!("{id} secure reference"));

        let (ex, _) = fx.run(id, &fx.reference(id, false));
        assert_every_test_judged(task, &ex, "insecure reference");
        assert!(
            ex.functional() && !ex.secure(),
            "{id} insecure reference: expected functional but not secure\n{}",
            describe(&ex)
        );
    }
    // A merely wrong candidate fails every test, security included, so the
    // hostile cases below cannot pass the security test by being wrong.
    let (ex, _) = fx.run(PY, &wrong_py(""));
    assert_nothing_passes(fx.task(PY), &ex, "wrong python candidate");
    let (ex, _) = fx.run(C, WRONG_C_FN);
    assert_nothing_passes(fx.task(C), &ex, "wrong C candidate");
}

// ---------------------------------------------------------------------------
// 1, 8. Fork bombs and daemons leave no process behind
// ---------------------------------------------------------------------------

const PY_FORK_BOMB: &str = r#"
import os
try:
    with open("/proc/self/comm", "w") as f:
        f.write("@MARK@")
except OSError:
    pass
while True:
    try:
        os.fork()
    except OSError:
        pass
"#;

const C_FORK_BOMB: &str = r#"
#include <sys/prctl.h>
#include <unistd.h>

static void bomb(void) {
    prctl(PR_SET_NAME, "@MARK@", 0, 0, 0);
    for (;;) fork();
}

int add_checked(int a, int b, int *out) {
    bomb();
    *out = a - b;
    return 0;
}
"#;

const PY_DAEMON: &str = r#"
import os, signal, time
HEARTBEAT = "@HOSTDIR@/heartbeat"
pid = os.fork()
if pid == 0:
    os.setsid()
    if os.fork() == 0:
        for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGPIPE):
            signal.signal(s, signal.SIG_IGN)
        with open("/proc/self/comm", "w") as f:
            f.write("@MARK@")
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        with open("/work/daemon.pid", "w") as f:
            f.write(str(os.getpid()))
        end = time.time() + 60
        while time.time() < end:
            for target in (HEARTBEAT, "/work/heartbeat", "/tmp/heartbeat"):
                try:
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "a") as f:
                        f.write("%f\n" % time.time())
                except OSError:
                    pass
            time.sleep(0.05)
        os._exit(0)
    os._exit(0)
os.waitpid(pid, 0)
for _ in range(200):
    if os.path.exists("/work/daemon.pid"):
        break
    time.sleep(0.01)
# Stay around long enough for the host to see the daemon running.
time.sleep(0.3)
"#;

#[test]
fn process_abuse_leaves_no_process_behind() {
    let _g = serial();
    let fx = Fixture::new();
    let limit = Limits::default().processes as usize;

    // 1a. Python fork bomb at import, ignoring fork failures.
    let mark = marker();
    let watch = Watch::start(&mark);
    let (ex, took) = fx.run(PY, &wrong_py(&PY_FORK_BOMB.replace("@MARK@", &mark)));
    let seen = watch.finish();
    assert_nothing_passes(fx.task(PY), &ex, "python fork bomb");
    assert!(
        seen.marked.len() > 8,
        "python fork bomb: expected to watch the bomb multiply, saw {} marked processes",
        seen.marked.len()
    );
    assert!(
        seen.max_in_one_ns <= limit + 3,
        "python fork bomb: {} processes in one sandbox, limit {limit}",
        seen.max_in_one_ns
    );
    assert!(
        took < TASK_TIMEOUT * 3 * 3,
        "python fork bomb took {took:?}"
    );
    assert_no_leftovers(&seen, &mark, "python fork bomb");
    eprintln!(
        "python fork bomb: {took:?}, {} marked pids, at most {} in one sandbox",
        seen.marked.len(),
        seen.max_in_one_ns
    );

    // 1b. C fork bomb, from the candidate's function (a constructor would
    // be rejected as tampering before it ran).
    let mark = marker();
    let watch = Watch::start(&mark);
    let code = C_FORK_BOMB.replace("@MARK@", &mark);
    let (ex, took) = fx.run(C, &code);
    let seen = watch.finish();
    assert!(
        ex.build.as_ref().is_some_and(|b| b.ok),
        "C fork bomb must build\n{}",
        describe(&ex)
    );
    assert_nothing_passes(fx.task(C), &ex, "C fork bomb");
    assert!(
        seen.marked.len() > 8,
        "C fork bomb: expected to watch the bomb multiply, saw {} marked processes",
        seen.marked.len()
    );
    assert!(
        seen.max_in_one_ns <= limit + 3,
        "C fork bomb: {} processes in one sandbox, limit {limit}",
        seen.max_in_one_ns
    );
    assert_no_leftovers(&seen, &mark, "C fork bomb");
    eprintln!(
        "C fork bomb: {took:?}, {} marked pids, at most {} in one sandbox",
        seen.marked.len(),
        seen.max_in_one_ns
    );

    // 8. A double-forked, setsid daemon that ignores SIGTERM/SIGHUP.
    let mark = marker();
    let host_dir = tempfile::Builder::new()
        .prefix("secgap-escape-host-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(host_dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let code = PY_DAEMON
        .replace("@MARK@", &mark)
        .replace("@HOSTDIR@", &host_dir.path().to_string_lossy());
    let watch = Watch::start(&mark);
    let (ex, took) = fx.run(PY, &wrong_py(&code));
    let seen = watch.finish();
    assert_nothing_passes(fx.task(PY), &ex, "daemon");
    assert!(
        !seen.marked.is_empty(),
        "daemon: the watch never saw the daemon running, so the leak check would prove nothing\n{}",
        describe(&ex)
    );
    assert_no_leftovers(&seen, &mark, "daemon");
    // Even long after, the daemon writes no heartbeat on the host.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        std::fs::read_dir(host_dir.path()).unwrap().next().is_none(),
        "daemon: something appeared in the host folder"
    );
    eprintln!(
        "daemon: {took:?}, {} daemon pids seen in {} samples",
        seen.marked.len(),
        seen.samples
    );

    fx.assert_still_works(PY);
    fx.assert_still_works(C);
}

// ---------------------------------------------------------------------------
// 2. Memory bomb
// ---------------------------------------------------------------------------

#[test]
fn memory_bomb_fails_and_the_harness_survives() {
    let _g = serial();
    let fx = Fixture::new();
    let bomb = "hog = []\nwhile True:\n    hog.append(bytes(16 << 20))\n";

    // At import.
    let (ex, _) = fx.run(PY, &wrong_py(bomb));
    assert_nothing_passes(fx.task(PY), &ex, "memory bomb at import");
    for m in outcome_texts(&ex) {
        assert!(
            m.contains("MemoryError") || m.contains("memory"),
            "memory bomb at import: expected the memory limit to stop it\n{}",
            describe(&ex)
        );
    }

    // Inside the function under test.
    let code = format!(
        "def add(a, b):\n{}\n    return a + b\n",
        bomb.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let (ex, _) = fx.run(PY, &code);
    assert_nothing_passes(fx.task(PY), &ex, "memory bomb in add()");
    for v in &ex.verdicts {
        assert!(
            v.message.contains("memory exhausted"),
            "memory bomb in add(): expected `memory exhausted`\n{}",
            describe(&ex)
        );
    }
    fx.assert_still_works(PY);
}

// ---------------------------------------------------------------------------
// 3. Disk fill
// ---------------------------------------------------------------------------

const PY_DISK_FILL: &str = r#"
import json, os, sys
def fill(d):
    total, err, i = 0, None, 0
    chunk = b"\0" * (1 << 20)
    while err is None and i < 1000:
        try:
            fd = os.open(os.path.join(d, "fill-@MARK@-%d" % i), os.O_WRONLY | os.O_CREAT, 0o644)
        except OSError as e:
            err = e.errno
            break
        try:
            for _ in range(8):
                total += os.write(fd, chunk)
        except OSError as e:
            err = e.errno
        finally:
            os.close(fd)
        i += 1
    return {"bytes": total, "errno": err}
def fstype(path):
    best = ("", "")
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            mnt = parts[4]
            fs = parts[parts.index("-") + 1]
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best[0]):
                best = (mnt, fs)
    return best[1]
report = {d: fill(d) for d in ("/work", "/tmp")}
report["fstype"] = {d: fstype(d) for d in ("/work", "/tmp")}
sys.stderr.write("ESCAPE-REPORT " + json.dumps(report) + "\n")
sys.stderr.flush()
"#;

/// Files whose name contains `mark` under `root`, down to `depth` levels.
fn find_named(root: &Path, mark: &str, depth: u32, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(root) else {
        return;
    };
    for e in rd.flatten() {
        if e.file_name().to_string_lossy().contains(mark) {
            out.push(e.path());
        }
        if depth > 0 && e.file_type().is_ok_and(|t| t.is_dir()) {
            find_named(&e.path(), mark, depth - 1, out);
        }
    }
}

const PY_WRITABLE_DIRS: &str = r#"
import json, os
mounts = []
with open("/proc/self/mountinfo") as f:
    for line in f:
        parts = line.split()
        sep = parts.index("-")
        mounts.append((parts[4], parts[5], parts[sep + 1], parts[sep + 3]))
def mount_of(path):
    best = None
    for m in mounts:
        mnt = m[0]
        if path == mnt or path.startswith(mnt.rstrip("/") + "/"):
            if best is None or len(mnt) >= len(best[0]):
                best = m
    return best
writable, tried = {}, 0
for dirpath, dirnames, filenames in os.walk("/"):
    if dirpath in ("/proc", "/sys"):
        dirnames[:] = []
        continue
    tried += 1
    probe = os.path.join(dirpath, ".secgap-probe")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        continue
    os.close(fd)
    os.unlink(probe)
    m = mount_of(dirpath)
    writable[dirpath] = {"mount": m[0], "fstype": m[2], "options": m[3]}
print(json.dumps({"writable": writable, "tried": tried}))
"#;

/// Every folder the sandbox can create files in lies on a tmpfs with a size
/// cap no larger than the configured one; nothing else (the root of the
/// sandbox, /dev, /etc, the system folders) takes a write.
#[test]
fn every_writable_place_is_a_capped_tmpfs() {
    let _g = serial();
    let cap_kib = Limits::default().tmpfs_mb * 1024;
    let out = run_python(PY_WRITABLE_DIRS, vec![], Duration::from_secs(30));
    let r = script_json(&out);
    assert!(
        r["tried"].as_u64().unwrap() > 1000,
        "writable dirs: walked too few folders: {}",
        r["tried"]
    );
    let writable = r["writable"].as_object().unwrap();
    assert!(
        writable.contains_key("/work") && writable.contains_key("/tmp"),
        "writable dirs: the workspace and /tmp must be writable: {r}"
    );
    let mut bad = Vec::new();
    for (dir, m) in writable {
        let size_kib = m["options"]
            .as_str()
            .unwrap_or("")
            .split(',')
            .find_map(|o| o.strip_prefix("size="))
            .and_then(|s| s.strip_suffix('k'))
            .and_then(|s| s.parse::<u64>().ok());
        let capped = m["fstype"] == "tmpfs" && size_kib.is_some_and(|k| k <= cap_kib);
        if !capped {
            bad.push(format!("{dir} on {m}"));
        }
    }
    assert!(
        bad.is_empty(),
        "writable dirs: the sandbox can write where no size cap holds (host RAM or disk):\n{}",
        bad.join("\n")
    );
    eprintln!("writable dirs: {:?}", writable.keys().collect::<Vec<_>>());
}

#[test]
fn disk_fill_stays_in_the_capped_tmpfs() {
    let _g = serial();
    let fx = Fixture::new();
    let mark = marker();
    let cap = Limits::default().tmpfs_mb * 1024 * 1024;
    let before = suite::hash_tree(fx.root()).unwrap();

    let (ex, took) = fx.run(PY, &wrong_py(&PY_DISK_FILL.replace("@MARK@", &mark)));
    assert_nothing_passes(fx.task(PY), &ex, "disk fill");
    assert!(
        took < TASK_TIMEOUT * 3 * 3 + Duration::from_secs(5),
        "disk fill took {took:?}"
    );
    for v in &ex.verdicts {
        let evidence = v.evidence.as_deref().unwrap_or("");
        let r = report_in(evidence)
            .unwrap_or_else(|| panic!("disk fill: no report in the evidence\n{}", describe(&ex)));
        for d in ["/work", "/tmp"] {
            let bytes = r[d]["bytes"].as_u64().unwrap();
            let errno = r[d]["errno"].as_i64();
            assert!(
                bytes <= cap,
                "disk fill: wrote {bytes} bytes to {d}, more than the {cap}-byte tmpfs"
            );
            assert!(
                bytes >= cap / 2,
                "disk fill: wrote only {bytes} bytes to {d}; the fill did not run"
            );
            assert!(
                errno == Some(libc::ENOSPC as i64) || errno == Some(libc::EFBIG as i64),
                "disk fill: {d} stopped with errno {errno:?}, expected ENOSPC or EFBIG"
            );
            assert_eq!(r["fstype"][d], "tmpfs", "disk fill: {d} must be a tmpfs");
        }
    }
    // Nothing of it is on the host: not in the stage folders, not in /tmp,
    // not in the suite.
    let mut found = Vec::new();
    find_named(&std::env::temp_dir(), &mark, 3, &mut found);
    find_named(Path::new("/tmp"), &mark, 3, &mut found);
    find_named(fx.root(), &mark, 6, &mut found);
    assert!(
        found.is_empty(),
        "disk fill: files reached the host: {found:?}"
    );
    assert_eq!(
        before,
        suite::hash_tree(fx.root()).unwrap(),
        "disk fill changed the suite"
    );
    fx.assert_still_works(PY);
}

// ---------------------------------------------------------------------------
// 4. Infinite loop
// ---------------------------------------------------------------------------

#[test]
fn infinite_loop_is_killed_at_the_time_limit() {
    let _g = serial();
    let fx = Fixture::new();
    // Ignore the signals a polite limit would send, then spin.
    let code = r#"
import signal
for s in (signal.SIGXCPU, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, signal.SIG_IGN)

def add(a, b):
    while True:
        pass
"#;
    let task = fx.task(PY);
    let (ex, took) = fx.run(PY, code);
    assert_nothing_passes(task, &ex, "infinite loop");
    for v in &ex.verdicts {
        assert_eq!(
            v.outcome,
            TestOutcome::Fail,
            "infinite loop\n{}",
            describe(&ex)
        );
        assert!(
            v.message.contains("did not finish within 2 s"),
            "infinite loop: expected a time-limit message\n{}",
            describe(&ex)
        );
        let d = Duration::from_millis(v.duration_ms);
        assert!(
            d >= TASK_TIMEOUT - Duration::from_millis(100) && d < TASK_TIMEOUT * 3,
            "infinite loop: test {} took {d:?}, expected about {TASK_TIMEOUT:?}",
            v.test
        );
    }
    let bound = TASK_TIMEOUT * 3 * task.tests.len() as u32;
    assert!(
        took < bound,
        "infinite loop: execute took {took:?}, bound {bound:?}"
    );
    eprintln!("infinite loop: {took:?} for {} tests", task.tests.len());
    fx.assert_still_works(PY);
}

// ---------------------------------------------------------------------------
// 5. Output flood
// ---------------------------------------------------------------------------

const PY_FLOOD: &str = r#"
import sys
block = b"A" * (1 << 20)
for _ in range(50):
    sys.stdout.buffer.write(block)
sys.stdout.buffer.flush()
"#;

#[test]
fn output_flood_is_cut_at_the_cap() {
    let _g = serial();
    let fx = Fixture::new();
    let cap = Limits::default().output_bytes;

    let (ex, took) = fx.run(PY, &wrong_py(PY_FLOOD));
    assert_nothing_passes(fx.task(PY), &ex, "output flood");
    for m in outcome_texts(&ex) {
        assert!(
            m.contains("output limit"),
            "output flood: expected the output limit to stop it\n{}",
            describe(&ex)
        );
    }
    for v in &ex.verdicts {
        let kept = v.message.len() + v.evidence.as_ref().map_or(0, |e| e.len());
        assert!(kept < 16 * 1024, "output flood: verdict keeps {kept} bytes");
    }
    if let Some(b) = &ex.build {
        assert!(
            b.log.len() < 17 * 1024,
            "output flood: build log keeps {} bytes",
            b.log.len()
        );
    }
    assert!(took < TASK_TIMEOUT * 3 * 3, "output flood took {took:?}");

    // Directly: the harness keeps at most its capture cap, and the tree is
    // killed soon after the limit instead of after all 50 MB.
    let script = format!("{PY_FLOOD}\nprint('finished')\n");
    let out = run_python(&script, vec![], Duration::from_secs(20));
    assert_eq!(
        out.killed,
        Some(Killed::Output),
        "output flood: not killed at the cap"
    );
    assert!(
        out.stdout.bytes.len() <= 64 * 1024 && out.stderr.bytes.len() <= 64 * 1024,
        "output flood: harness kept {} + {} bytes",
        out.stdout.bytes.len(),
        out.stderr.bytes.len()
    );
    let total = out.stdout.total + out.stderr.total;
    assert!(
        total > cap && total < cap + 4 * 1024 * 1024,
        "output flood: {total} bytes read, cap {cap}"
    );
    assert!(!out.stdout.text().contains("finished"));
    assert!(
        out.wall < Duration::from_secs(10),
        "output flood ran {:?}",
        out.wall
    );
    fx.assert_still_works(PY);
}

// ---------------------------------------------------------------------------
// 6. Canary files outside the workspace
// ---------------------------------------------------------------------------

const PY_CANARY: &str = r#"
import json, os, re, sys
PATHS = @PATHS@
PREFIX = "SECGAP-CANARY-"
SCAN_USR_NAMES = @SCAN_USR@
found, direct, exists = set(), {}, {}
pattern = re.compile(re.escape(PREFIX) + r"[A-Za-z0-9-]+")
def grab(path, limit=65536):
    try:
        with open(path, "rb") as f:
            data = f.read(limit)
    except OSError as e:
        return "errno %d" % e.errno
    for m in pattern.findall(data.decode("latin-1")):
        found.add(m)
    return "read"
for p in PATHS:
    exists[p] = os.path.exists(p)
    direct[p] = grab(p)
    try:
        for name in os.listdir(os.path.dirname(p)):
            grab(os.path.join(os.path.dirname(p), name))
    except OSError:
        pass
scanned = 0
for top in sorted(os.listdir("/")):
    root = "/" + top
    if top in ("proc", "sys", "dev") or (top == "usr" and not SCAN_USR_NAMES):
        continue
    if os.path.islink(root):
        continue
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames:
            scanned += 1
            path = os.path.join(dirpath, name)
            low = name.lower()
            if not dirpath.startswith("/usr") or "canary" in low or "secret" in low:
                grab(path)
for pid in os.listdir("/proc"):
    if pid.isdigit():
        for what in ("environ", "cmdline"):
            grab("/proc/%s/%s" % (pid, what))
for extra in ("/proc/self/mountinfo", "/etc/passwd"):
    grab(extra)
found = sorted(found)
try:
    with open("/work/found.txt", "w") as f:
        f.write("\n".join(found))
except OSError:
    pass
report = {"found": found, "direct": direct, "exists": exists, "scanned": scanned}
print(json.dumps(report))
sys.stdout.flush()
sys.stderr.write("stolen: %s\n" % " ".join(found))
sys.stderr.flush()
"#;

struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn plant(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    // World-readable: only the sandbox's mount namespace keeps it out.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn canaries_outside_the_workspace_stay_unreadable() {
    let _g = serial();
    let secret = format!("SECGAP-CANARY-{}", sandbox::try_random_hex(16).unwrap());
    let decoy = format!(
        "SECGAP-CANARY-DECOY-{}",
        sandbox::try_random_hex(8).unwrap()
    );

    // Planted on the host: in /tmp, in /root, in the suite's task folder
    // (next to, not inside, the tests folder that is copied in).
    let host_tmp = tempfile::Builder::new()
        .prefix("secgap-canary-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(host_tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let tmp_canary = host_tmp.path().join("secret.txt");
    plant(&tmp_canary, &secret);
    let root_canary = PathBuf::from(format!(
        "/root/.secgap-canary-{}.txt",
        sandbox::try_random_hex(6).unwrap()
    ));
    plant(&root_canary, &secret);
    let _cleanup = RemoveOnDrop(root_canary.clone());
    let fx = Fixture::with(|root| {
        plant(&root.join("tasks").join(PY).join("canary.txt"), &secret);
        // The decoy is inside the tests folder, which the sandbox may read,
        // and the check library's folder, which a worker (the candidate's
        // own process, which never sees the tests) may read: finding it
        // proves the search and the way out both work.
        plant(
            &root.join("tasks").join(PY).join("tests").join("decoy.txt"),
            &decoy,
        );
        plant(
            &root.join("runtime").join("python").join("decoy.txt"),
            &decoy,
        );
    });
    let suite_canary = fx.root().join("tasks").join(PY).join("canary.txt");
    let paths = [&tmp_canary, &root_canary, &suite_canary];
    let paths_py = format!(
        "[{}]",
        paths
            .iter()
            .map(|p| format!("{:?}", p.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // Through execute: the candidate raises with whatever it found, so the
    // verdict message and the evidence would carry the secret out.
    let prelude = format!(
        "{}\nraise RuntimeError('found: ' + ' '.join(found))\n",
        PY_CANARY
            .replace("@PATHS@", &paths_py)
            .replace("@SCAN_USR@", "False")
    );
    let (ex, _) = fx.run(PY, &wrong_py(&prelude));
    assert_nothing_passes(fx.task(PY), &ex, "canary");
    let reported = all_reported_text(&ex);
    assert!(
        !reported.contains(&secret),
        "canary: the secret reached the verdicts\n{}",
        describe(&ex)
    );
    assert!(
        outcome_texts(&ex).iter().all(|m| m.contains(&decoy)),
        "canary: the decoy the sandbox may see was not reported, so the search proves nothing\n{}",
        describe(&ex)
    );

    // Directly, with a full scan of the file system and all output visible.
    let decoy_host = fx
        .root()
        .join("tasks")
        .join(PY)
        .join("tests")
        .join("decoy.txt");
    let script = PY_CANARY
        .replace("@PATHS@", &paths_py)
        .replace("@SCAN_USR@", "True");
    let out = run_python(
        &script,
        vec![Mount {
            host: decoy_host,
            dest: "/data/decoy.txt".into(),
            writable: false,
        }],
        Duration::from_secs(180),
    );
    let everything = format!("{}{}", out.stdout.text(), out.stderr.text());
    assert!(
        !everything.contains(&secret),
        "canary: the secret was printed inside"
    );
    let r = script_json(&out);
    for p in &paths {
        let p = p.to_string_lossy();
        assert_eq!(r["exists"][p.as_ref()], false, "canary: {p} exists inside");
        assert_eq!(
            r["direct"][p.as_ref()],
            format!("errno {}", libc::ENOENT),
            "canary: {p} must not exist inside"
        );
    }
    let found: Vec<&str> = r["found"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(found, vec![decoy.as_str()], "canary: found {found:?}");
    assert!(
        r["scanned"].as_u64().unwrap() > 1000,
        "canary: the scan looked at too few files: {}",
        r["scanned"]
    );
    eprintln!("canary: scanned {} files inside", r["scanned"]);
    fx.assert_still_works(PY);
}

// ---------------------------------------------------------------------------
// 7, 9. Writes outside the workspace; overwriting the tests
// ---------------------------------------------------------------------------

const PY_WRITER: &str = r#"
import json, os, sys
TARGETS = @TARGETS@
PASSING_TESTS = (
    "def adds_small_numbers():\n    pass\n\n"
    "def adds_large_numbers():\n    pass\n\n"
    "def rejects_non_integers():\n    pass\n"
)
result = {}
def attempt(label, fn):
    try:
        fn()
        result[label] = "ok"
    except OSError as e:
        result[label] = "errno %d" % e.errno
def write(path, data):
    d = os.path.dirname(path)
    if d and not os.path.isdir(d):
        os.makedirs(d, exist_ok=True)
    with open(path, "w") as f:
        f.write(data)
for path in TARGETS:
    attempt("write " + path, lambda p=path: write(p, "@MARK@"))
# Make every test pass: rewrite, replace, unlink, chmod the test file.
attempt("overwrite /tests/test_task.py", lambda: write("/tests/test_task.py", PASSING_TESTS))
def replace_tests():
    write("/work/fake_tests.py", PASSING_TESTS)
    os.replace("/work/fake_tests.py", "/tests/test_task.py")
attempt("replace /tests/test_task.py", replace_tests)
attempt("unlink /tests/test_task.py", lambda: os.unlink("/tests/test_task.py"))
attempt("chmod /tests/test_task.py", lambda: os.chmod("/tests/test_task.py", 0o777))
attempt("overwrite runner", lambda: write("/runtime/secgap_runner.py", "import os\nos._exit(0)\n"))
attempt("overwrite check lib", lambda: write("/runtime/secgap_check.py", "def check_eq(*a, **k):\n    pass\n"))
attempt("overwrite solution", lambda: write("/work/solution.py", "def add(a, b):\n    return a + b\n"))
def via_symlink():
    os.symlink("/tests/test_task.py", "/work/link.py")
    write("/work/link.py", PASSING_TESTS)
attempt("write through symlink", via_symlink)
sys.stderr.write("ESCAPE-REPORT " + json.dumps(result) + "\n")
sys.stderr.flush()
"#;

fn file_state(p: &Path) -> Option<Vec<u8>> {
    std::fs::read(p).ok()
}

#[test]
fn writes_outside_the_workspace_do_not_reach_the_host() {
    let _g = serial();
    let fx = Fixture::new();
    let mark = marker();
    let host_dir = tempfile::Builder::new()
        .prefix("secgap-escape-host-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(host_dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let host_tests = fx
        .root()
        .join("tasks")
        .join(PY)
        .join("tests")
        .join("test_task.py");
    let host_runtime = fx
        .root()
        .join("runtime")
        .join("python")
        .join("secgap_runner.py");
    let repo_runtime = builtin_runtime().join("python").join("secgap_runner.py");
    let usr = PathBuf::from(format!("/usr/secgap-x-{mark}"));
    let etc = PathBuf::from(format!("/etc/secgap-x-{mark}"));
    let slash = PathBuf::from(format!("/secgap-x-{mark}"));
    let in_host_dir = host_dir.path().join("x");
    let must_fail_inside = [
        usr.to_string_lossy().into_owned(),
        etc.to_string_lossy().into_owned(),
        slash.to_string_lossy().into_owned(),
        "/tests/x".to_string(),
        "/runtime/x".to_string(),
        "/build/x".to_string(),
        "/work/solution.py".to_string(),
    ];
    let host_paths = [
        in_host_dir.clone(),
        host_tests.clone(),
        host_runtime.clone(),
        repo_runtime.clone(),
    ];
    let targets: Vec<String> = must_fail_inside
        .iter()
        .cloned()
        .chain(host_paths.iter().map(|p| p.to_string_lossy().into_owned()))
        .collect();
    let targets_py = format!(
        "[{}]",
        targets
            .iter()
            .map(|t| format!("{t:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let suite_before = suite::hash_tree(fx.root()).unwrap();
    let repo_runtime_before = suite::hash_tree(&builtin_runtime()).unwrap();
    let host_before: Vec<Option<Vec<u8>>> = host_paths.iter().map(|p| file_state(p)).collect();

    let code = wrong_py(
        &PY_WRITER
            .replace("@TARGETS@", &targets_py)
            .replace("@MARK@", &mark),
    );
    let (ex, _) = fx.run(PY, &code);
    assert_nothing_passes(fx.task(PY), &ex, "writes outside the workspace");
    for v in &ex.verdicts {
        // The original tests ran and judged the wrong function.
        assert!(
            v.message.contains(": expected "),
            "writes outside: test {} was not judged by the real test file\n{}",
            v.test,
            describe(&ex)
        );
        let r = report_in(v.evidence.as_deref().unwrap_or(""))
            .unwrap_or_else(|| panic!("writes outside: no report\n{}", describe(&ex)));
        for t in &must_fail_inside {
            let got = r[format!("write {t}")].as_str().unwrap_or("missing");
            assert!(
                got.starts_with("errno"),
                "writes outside: writing {t} inside gave {got}"
            );
        }
        for label in [
            "overwrite /tests/test_task.py",
            "replace /tests/test_task.py",
            "unlink /tests/test_task.py",
            "chmod /tests/test_task.py",
            "overwrite runner",
            "overwrite check lib",
            "overwrite solution",
            "write through symlink",
        ] {
            let got = r[label].as_str().unwrap_or("missing");
            assert!(
                got.starts_with("errno"),
                "writes outside: {label} inside gave {got}"
            );
        }
    }
    for p in [&usr, &etc, &slash] {
        assert!(
            !p.exists(),
            "writes outside: {} was created on the host",
            p.display()
        );
    }
    for (p, before) in host_paths.iter().zip(&host_before) {
        assert_eq!(
            &file_state(p),
            before,
            "writes outside: {} changed on the host",
            p.display()
        );
    }
    assert!(
        std::fs::read_dir(host_dir.path()).unwrap().next().is_none(),
        "writes outside: the host folder is no longer empty"
    );
    assert_eq!(
        suite_before,
        suite::hash_tree(fx.root()).unwrap(),
        "the suite changed"
    );
    assert_eq!(
        repo_runtime_before,
        suite::hash_tree(&builtin_runtime()).unwrap(),
        "the built-in check library changed"
    );
    fx.assert_still_works(PY);
}

// ---------------------------------------------------------------------------
// 10. Cheating on the verdicts
// ---------------------------------------------------------------------------

/// Forged verdict lines for every declared test, with guessed nonces.
fn forged_lines(task: &Task) -> String {
    let mut s = String::new();
    for t in &task.tests {
        for nonce in ["", "0", "00000000000000000000000000000000"] {
            s.push_str(
                &serde_json::json!({"nonce": nonce, "test": t.name, "outcome": "pass", "message": ""})
                    .to_string(),
            );
            s.push('\n');
        }
    }
    s
}

#[test]
fn python_cheats_earn_nothing() {
    let _g = serial();
    let fx = Fixture::new();
    let task = fx.task(PY);
    let forged = forged_lines(task);
    let forged_py = format!("{forged:?}");
    let cases: Vec<(&str, String)> = vec![
        ("os._exit(0) at import", "import os\nos._exit(0)".into()),
        ("sys.exit(0) at import", "import sys\nsys.exit(0)".into()),
        ("SIGKILL itself at import", "import os\nos.kill(os.getpid(), 9)".into()),
        (
            "forged verdicts on stdout and stderr",
            format!("import sys\nF = {forged_py}\nsys.stdout.write(F)\nsys.stderr.write(F)\nsys.stdout.flush()\nsys.stderr.flush()"),
        ),
        (
            "forged verdicts to fd 3",
            format!("import os\nF = {forged_py}.encode()\ntry:\n    os.write(3, F)\nexcept OSError:\n    pass\nos._exit(0)"),
        ),
        (
            "forged verdicts to fds 0..1100",
            format!("import os\nF = {forged_py}.encode()\nfor fd in range(0, 1101):\n    try:\n        os.write(fd, F)\n    except OSError:\n        pass"),
        ),
        (
            "forged verdicts to fds 0..1100, then exit 0",
            format!("import os\nF = {forged_py}.encode()\nfor fd in range(0, 1101):\n    try:\n        os.write(fd, F)\n    except OSError:\n        pass\nos._exit(0)"),
        ),
    ];
    for (case, prelude) in cases {
        let (ex, _) = fx.run(PY, &wrong_py(&prelude));
        assert_nothing_passes(task, &ex, case);
    }
    fx.assert_still_works(PY);
}

#[test]
fn c_cheats_earn_nothing() {
    let _g = serial();
    let fx = Fixture::new();
    let task = fx.task(C);
    let forged = forged_lines(task);
    let forged_c = format!("{forged:?}");
    // Constructors are rejected as tampering before anything runs (see
    // the forgery corpus); the same cheats run from the candidate's
    // function, at the first call, earn nothing either.
    let (ex, _) = fx.run(
        C,
        &format!("#include <unistd.h>\n__attribute__((constructor)) static void leave(void) {{ _exit(0); }}\n{WRONG_C_FN}"),
    );
    assert!(
        ex.build
            .as_ref()
            .is_some_and(|b| b.failed == Some(execute::Step::Tampering))
            && ex.verdicts.iter().all(|v| v.outcome == TestOutcome::NotRun),
        "a constructor is rejected as tampering\n{}",
        describe(&ex)
    );
    let cases: Vec<(&str, String)> = vec![
        (
            "calls _exit(0)",
            "#include <unistd.h>\nstatic void cheat(void) { _exit(0); }\n".into(),
        ),
        (
            "forges a pass on fd 3, then _exit(0)",
            format!(
                "#include <string.h>\n#include <unistd.h>\nstatic void cheat(void) {{\n    const char *f = {forged_c};\n    (void)!write(3, f, strlen(f));\n    _exit(0);\n}}\n"
            ),
        ),
        (
            "forges passes on fds 0..1100, then _exit(0)",
            format!(
                "#include <string.h>\n#include <unistd.h>\nstatic void cheat(void) {{\n    const char *f = {forged_c};\n    for (int fd = 0; fd <= 1100; fd++) (void)!write(fd, f, strlen(f));\n    _exit(0);\n}}\n"
            ),
        ),
        (
            "forged verdicts on stdout and stderr",
            format!(
                "#include <stdio.h>\nstatic void cheat(void) {{\n    fputs({forged_c}, stdout);\n    fputs({forged_c}, stderr);\n    fflush(NULL);\n}}\n"
            ),
        ),
    ];
    for (case, prelude) in cases {
        let (ex, _) = fx.run(
            C,
            &format!(
                "{prelude}\nint add_checked(int a, int b, int *out) {{ cheat(); *out = a - b; return 0; }}\n"
            ),
        );
        assert!(
            ex.build.as_ref().is_some_and(|b| b.ok),
            "{case}: must build, so the cheat itself is what runs\n{}",
            describe(&ex)
        );
        assert_nothing_passes(task, &ex, case);
    }
    fx.assert_still_works(C);
}

// ---------------------------------------------------------------------------
// 11. Network isolation
// ---------------------------------------------------------------------------

const PY_NET: &str = r#"
import json, os, socket
result = {}
def try_connect(label, family, addr):
    s = None
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.settimeout(1.0)
        s.connect(addr)
        result[label] = "connected"
    except OSError as e:
        result[label] = "errno %s" % e.errno
    finally:
        if s is not None:
            s.close()
try_connect("host listener v4", socket.AF_INET, ("127.0.0.1", @PORT4@))
try_connect("host listener v6", socket.AF_INET6, ("::1", @PORT6@, 0, 0))
try_connect("ssh v4", socket.AF_INET, ("127.0.0.1", 22))
try_connect("ssh v6", socket.AF_INET6, ("::1", 22, 0, 0))
# Control: the sandbox's own loopback works, so refusals above are isolation.
own = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
own.bind(("127.0.0.1", 0))
own.listen(1)
try_connect("own listener", socket.AF_INET, own.getsockname())
own.close()
with open("/proc/net/dev") as f:
    result["ifaces"] = sorted(l.split(":")[0].strip() for l in f.readlines()[2:] if ":" in l)
if os.path.exists("/usr/sbin/ip") or os.path.exists("/usr/bin/ip"):
    out = os.popen("ip -o link 2>&1").read()
    result["ip"] = sorted(l.split(":")[1].strip().split("@")[0] for l in out.splitlines() if l.count(":") >= 2)
print(json.dumps(result))
"#;

#[test]
fn network_is_isolated_to_a_private_loopback() {
    let _g = serial();
    let v4 = TcpListener::bind("127.0.0.1:0").unwrap();
    v4.set_nonblocking(true).unwrap();
    let port4 = v4.local_addr().unwrap().port();
    // Bind ::1 too when the host has IPv6 loopback; otherwise the inside
    // still tries ::1 (with the v4 port) and must fail.
    let v6 = TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).ok();
    if let Some(l) = &v6 {
        l.set_nonblocking(true).unwrap();
    }
    let port6 = v6
        .as_ref()
        .map_or(port4, |l| l.local_addr().unwrap().port());

    let script = PY_NET
        .replace("@PORT4@", &port4.to_string())
        .replace("@PORT6@", &port6.to_string());
    let out = run_python(&script, vec![], Duration::from_secs(20));
    let r = script_json(&out);
    for label in ["host listener v4", "host listener v6", "ssh v4", "ssh v6"] {
        let got = r[label].as_str().unwrap_or("missing");
        assert!(
            got.starts_with("errno"),
            "network: {label} from inside gave {got}"
        );
    }
    assert_eq!(
        r["own listener"], "connected",
        "network: the sandbox's own loopback is broken: {r}"
    );
    assert_eq!(
        r["ifaces"],
        serde_json::json!(["lo"]),
        "network: interfaces inside: {r}"
    );
    if Path::new("/usr/sbin/ip").exists() || Path::new("/usr/bin/ip").exists() {
        assert_eq!(
            r["ip"],
            serde_json::json!(["lo"]),
            "network: `ip -o link` inside: {r}"
        );
    }

    // The host listeners accepted nothing.
    for (name, l) in std::iter::once(("v4", &v4)).chain(v6.iter().map(|l| ("v6", l))) {
        match l.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Ok((_, from)) => {
                panic!("network: host {name} listener accepted a connection from {from}")
            }
            Err(e) => panic!("network: accept on {name}: {e}"),
        }
    }
    // Control: the listener does work from the host side.
    let _c = TcpStream::connect(("127.0.0.1", port4)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match v4.accept() {
            Ok(_) => break,
            Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10))
            }
            Err(e) => panic!("network: control connection not accepted: {e}"),
        }
    }
}

// ---------------------------------------------------------------------------
// JavaScript (Node): cheats, crashes and child-process bombs
// ---------------------------------------------------------------------------

/// A JavaScript candidate whose `add` is wrong, with `prelude` run at load.
fn wrong_js(prelude: &str) -> String {
    format!("{prelude}\n\nmodule.exports = {{ add: (a, b) => a - b }};\n")
}

/// A JavaScript candidate whose `add` is right for numbers, with `on_bad`
/// run when it is given something else.
fn crashing_js(on_bad: &str) -> String {
    format!(
        "module.exports = {{ add(a, b) {{\n  if (typeof a !== 'number' || typeof b !== 'number') {{ {on_bad} }}\n  return a + b;\n}} }};\n"
    )
}

#[test]
fn javascript_cheats_crashes_and_bombs_are_contained() {
    let _g = serial();
    let fx = Fixture::new();
    let task = fx.task(JS);

    // The references behave as declared under the task's 256 MiB limit
    // (V8 reserves more address space than that up front).
    let (ex, _) = fx.run(JS, &fx.reference(JS, true));
    assert_all_pass(task, &ex, "js secure reference");
    let (ex, _) = fx.run(JS, &fx.reference(JS, false));
    assert_every_test_judged(task, &ex, "js insecure reference");
    assert!(
        ex.functional() && !ex.secure(),
        "js insecure reference: expected functional but not secure\n{}",
        describe(&ex)
    );

    // Cheats at load time earn nothing.
    let forged = forged_lines(task);
    let forged_js = serde_json::to_string(&forged).unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("process.exit(0) at load", "process.exit(0);".into()),
        ("throw at load", "throw new Error('boom');".into()),
        ("SIGKILL itself at load", "process.kill(process.pid, 'SIGKILL');".into()),
        (
            "forged verdicts on stdout, stderr and fds 0..1100, then exit 0",
            format!(
                "const fs = require('fs');\nconst F = {forged_js};\nfor (let fd = 0; fd <= 1100; fd++) {{ try {{ fs.writeSync(fd, F); }} catch (_) {{}} }}\nprocess.exit(0);"
            ),
        ),
        (
            "patched fs.writeSync and process.exit",
            "const fs = require('fs');\nconst w = fs.writeSync;\nfs.writeSync = (fd, d, ...r) => w(fd, String(d).replace('\"fail\"', '\"pass\"'), ...r);\nprocess.exit = () => {};".into(),
        ),
    ];
    for (case, prelude) in cases {
        let (ex, _) = fx.run(JS, &wrong_js(&prelude));
        assert_nothing_passes(task, &ex, case);
    }

    // A crash or an escaping exception in the candidate during the security
    // test is a failure of that test, never a pass.
    for (case, on_bad) in [
        ("abort on bad input", "process.abort();"),
        ("exit 0 on bad input", "process.exit(0);"),
        (
            "exception thrown later from a timer",
            "setTimeout(() => { throw new Error('late'); }, 0); while (true) {}",
        ),
        (
            "unbounded recursion",
            "const f = (n) => f(n + 1) + 1; return f(0);",
        ),
    ] {
        let (ex, _) = fx.run(JS, &crashing_js(on_bad));
        assert_every_test_judged(task, &ex, case);
        assert!(
            ex.functional() && !ex.secure(),
            "{case}: expected the functional tests to pass and the security test to fail\n{}",
            describe(&ex)
        );
    }

    // A child-process fork bomb started at load is contained and leaves
    // nothing behind.
    let limit = Limits::default().processes as usize;
    let mark = marker();
    let bomb = format!(
        "const cp = require('child_process');\nfor (let i = 0; i < 200; i++) {{\n  try {{ cp.spawn('/bin/sh', ['-c', ': {mark}; b() {{ b | b & }}; b'], {{ detached: true, stdio: 'ignore' }}).unref(); }} catch (_) {{}}\n}}\nconst end = Date.now() + 500; while (Date.now() < end) {{}}"
    );
    let watch = Watch::start(&mark);
    let (ex, took) = fx.run(JS, &wrong_js(&bomb));
    let seen = watch.finish();
    assert_nothing_passes(task, &ex, "node child-process bomb");
    assert!(
        !seen.marked.is_empty(),
        "node child-process bomb: the watch never saw the bomb running\n{}",
        describe(&ex)
    );
    assert!(
        seen.max_in_one_ns <= limit + 3,
        "node child-process bomb: {} processes in one sandbox, limit {limit}",
        seen.max_in_one_ns
    );
    assert_no_leftovers(&seen, &mark, "node child-process bomb");
    eprintln!(
        "node child-process bomb: {took:?}, {} marked pids, at most {} in one sandbox",
        seen.marked.len(),
        seen.max_in_one_ns
    );

    fx.assert_still_works(JS);
}

// ---------------------------------------------------------------------------
// Go: cheats in init and crashes earn nothing
// ---------------------------------------------------------------------------

/// A Go candidate whose `Add` is wrong, with `extra` beside it (imports
/// first, then declarations).
fn wrong_go(imports: &str, extra: &str) -> String {
    format!("package solution\n\nimport (\n{imports}\n)\n\n{extra}\n\nfunc Add(a, b int32) (int32, error) {{ return a - b, nil }}\n")
}

#[test]
fn go_cheats_and_crashes_earn_nothing() {
    let _g = serial();
    let fx = Fixture::new();
    let task = fx.task(GO);

    let (ex, _) = fx.run(GO, &fx.reference(GO, true));
    assert_all_pass(task, &ex, "go secure reference");
    let (ex, _) = fx.run(GO, &fx.reference(GO, false));
    assert_every_test_judged(task, &ex, "go insecure reference");
    assert!(
        ex.functional() && !ex.secure(),
        "go insecure reference: expected functional but not secure\n{}",
        describe(&ex)
    );

    let forged = forged_lines(task);
    let forged_go = serde_json::to_string(&forged).unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("os.Exit(0) in init", wrong_go("\"os\"", "func init() { os.Exit(0) }")),
        (
            "forged verdicts to fds 0..1100 in a package variable, then exit 0",
            wrong_go(
                "\"os\"\n\"syscall\"",
                &format!("var _ = func() int {{\n\tfor fd := 0; fd <= 1100; fd++ {{ syscall.Write(fd, []byte({forged_go})) }}\n\tos.Exit(0)\n\treturn 0\n}}()"),
            ),
        ),
        (
            "panic in a goroutine",
            wrong_go("\"time\"", "func init() { go func() { panic(\"boom\") }(); time.Sleep(time.Second) }"),
        ),
        ("does not compile", "package solution\n\nfunc Add(a, b int32) (int32, error) { return a + }\n".into()),
    ];
    for (case, code) in cases {
        let (ex, _) = fx.run(GO, &code);
        assert_nothing_passes(task, &ex, case);
    }
    fx.assert_still_works(GO);
}
