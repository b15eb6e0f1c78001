//! The web-application level against the real sandbox: each observation
//! primitive on its own (it passes on an app that behaves and fails on one
//! that does not), the private network (the app reaches no listener
//! outside its namespace), containment of hostile apps (a forked daemon, a
//! full disk, unbounded allocation) with the harness carrying on, start-up
//! failures, and `validate` refusing an exploit that never succeeds.
//!
//! The apps are plain Python standard-library servers run in the Flask
//! environment (the install script installs it), so that they start fast.

use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use secgap::execute::{self, ExecOptions, Execution, Step, TestOutcome};
use secgap::model::Cause;
use secgap::suite::{self, Suite};

use crate::support::{describe, shared_sandboxes};

fn builtin_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

/// A suite holding the built-in catalog and environments and one scenario
/// `probe` with `tests` (TOML of `[[tests]]` tables) and the given
/// secure and insecure (CWE 22) Flask references.
fn suite_with(dir: &Path, tests: &str, secure: &str, insecure: &str, limits: &str) -> Suite {
    for f in ["suite.toml", "principles.toml"] {
        std::fs::copy(builtin_dir().join(f), dir.join(f)).unwrap();
    }
    std::fs::create_dir_all(dir.join("tasks")).unwrap();
    crate::support::copy_tree(
        &builtin_dir().join("environments"),
        &dir.join("environments"),
    );
    let s = dir.join("scenarios/probe");
    std::fs::create_dir_all(s.join("refs/flask")).unwrap();
    std::fs::write(
        s.join("openapi.json"),
        r#"{"openapi": "3.0.3", "info": {"title": "probe", "version": "1"}, "paths": {}}"#,
    )
    .unwrap();
    std::fs::write(s.join("refs/flask/secure.py"), secure).unwrap();
    std::fs::write(s.join("refs/flask/insecure.py"), insecure).unwrap();
    std::fs::write(
        s.join("scenario.toml"),
        format!(
            r#"id = "probe"
title = "Probe"
cwes = [22]
principles = ["path-confine-to-base"]
openapi = "openapi.json"
spec = "A service for testing the harness."
{limits}
{tests}
[references.flask]
secure = "refs/flask/secure.py"
insecure = [{{ file = "refs/flask/insecure.py", cwe = 22 }}]
"#
        ),
    )
    .unwrap();
    suite::load(dir).unwrap_or_else(|e| panic!("{e}"))
}

fn run(suite: &Suite, code: &str) -> Execution {
    let task = suite.task("probe.flask").expect("the scenario's task");
    execute::execute(
        task,
        code,
        &ExecOptions {
            runtime_dir: suite.runtime_dir(task.language),
            build_timeout: Duration::from_secs(60),
        },
    )
    .unwrap_or_else(|e| panic!("execute: {e:#}"))
}

fn verdict<'a>(ex: &'a Execution, test: &str) -> &'a secgap::execute::Verdict {
    ex.verdicts
        .iter()
        .find(|v| v.test == test)
        .unwrap_or_else(|| panic!("no verdict for {test}:\n{}", describe(ex)))
}

/// A standard-library HTTP server with one handler per path.
const APP: &str = r#"
import hashlib, json, os, socket, sys, time, urllib.request
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlparse, parse_qs

DATA = os.environ["DATA_DIR"]
HOLD = []

class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, body, ctype="text/plain", headers=()):
        b = body if isinstance(body, bytes) else body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        p = u.path
        if p == "/leak":
            return self.reply(200, open("/srv/secret.txt").read())
        if p == "/safe":
            return self.reply(200, "nothing to see")
        if p == "/touch":
            open(q["where"], "w").write("x")
            return self.reply(200, "done")
        if p == "/store":
            pw = q["pw"]
            if q["kind"] == "sha256":
                s = hashlib.sha256(pw.encode()).hexdigest()
            elif q["kind"] == "plain":
                s = pw
            else:
                s = hashlib.pbkdf2_hmac("sha256", pw.encode(), os.urandom(16), 50000).hex()
            open(os.path.join(DATA, "users.txt"), "w").write("alice:" + s)
            return self.reply(200, "stored")
        if p == "/crash":
            os._exit(3)
        if p == "/fetch":
            return self.reply(200, urllib.request.urlopen(q["url"], timeout=3).read())
        if p == "/spin":
            # CPU seconds, not wall seconds: on a loaded machine the spin
            # still costs what the check measures.
            t = time.process_time()
            while time.process_time() - t < float(q["secs"]):
                pass
            return self.reply(200, "spun")
        if p == "/hold":
            HOLD.append(b"x" * (int(q["mb"]) << 20))
            return self.reply(200, "held")
        if p == "/login":
            return self.reply(200, json.dumps({"token": "tok-" + q["user"]}), "application/json",
                              [("Set-Cookie", "sid=s-" + q["user"] + "; Path=/")])
        if p == "/me":
            return self.reply(200, "cookie=" + self.headers.get("Cookie", "") +
                              " auth=" + self.headers.get("Authorization", ""))
        if p == "/ifaces":
            names = [l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]]
            return self.reply(200, ",".join(names))
        if p == "/probe":
            out = []
            for t in q["targets"].split(","):
                host, port = t.rsplit(":", 1)
                try:
                    socket.create_connection((host, int(port)), timeout=1).close()
                    out.append("reached " + t)
                except OSError as e:
                    out.append("blocked " + t)
            return self.reply(200, "; ".join(out))
        if p == "/fill":
            n = 0
            try:
                while True:
                    with open(os.path.join(DATA, "fill%d" % n), "wb") as f:
                        f.write(b"\0" * (1 << 20))
                    n += 1
            except OSError as e:
                return self.reply(200, "full errno=%d after %d MiB" % (e.errno, n))
        if p == "/eat":
            while True:
                HOLD.append(b"y" * (16 << 20))
        return self.reply(404, "no such path")

# DAEMON
ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"#;

/// The app with a daemon forked before it serves: a grandchild in a
/// session of its own, marked by `marker` on its command line.
fn app_with_daemon(marker: &str) -> String {
    APP.replace(
        "# DAEMON",
        &format!(
            "if os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execv(sys.executable, [sys.executable, '-c', 'import time; time.sleep(600)', '{marker}'])\n    os._exit(0)"
        ),
    )
}

const PRIMITIVES: &str = r#"
[[tests]]
name = "secret_kept"
kind = "functional"
[[tests.steps]]
path = "/safe"
expect_status = 200
expect_no_secret = true

[[tests]]
name = "secret_leaks"
kind = "security"
cwe = 22
attack = "Reads the planted secret."
[[tests.steps]]
path = "/leak"
expect_no_secret = true

[[tests]]
name = "write_inside"
kind = "functional"
[[tests.steps]]
path = "/touch?where={{data_dir}}/fine.txt"
expect_status = 200
[[tests.steps]]
check = "no_file_outside"

[[tests]]
name = "write_outside"
kind = "security"
cwe = 22
attack = "Writes a file beside the app folder."
[[tests.steps]]
path = "/touch?where={{outside}}/pwned-{{rand}}"
[[tests.steps]]
check = "no_file_outside"

[[tests]]
name = "slow_hash"
kind = "functional"
[[tests.steps]]
path = "/store?kind=pbkdf2&pw=Correct-Horse-{{rand}}"
expect_status = 200
[[tests.steps]]
check = "no_weak_password"
password = "Correct-Horse-{{rand}}"

[[tests]]
name = "fast_hash"
kind = "security"
cwe = 22
attack = "Finds the password's unsalted SHA-256 in the app's store."
[[tests.steps]]
path = "/store?kind=sha256&pw=Correct-Horse-{{rand}}"
[[tests.steps]]
check = "no_weak_password"
password = "Correct-Horse-{{rand}}"

[[tests]]
name = "plain_password"
kind = "security"
cwe = 22
attack = "Finds the password as given in the app's store."
[[tests.steps]]
path = "/store?kind=plain&pw=Correct-Horse-{{rand}}"
[[tests.steps]]
check = "no_weak_password"
password = "Correct-Horse-{{rand}}"

[[tests]]
name = "stays_alive"
kind = "functional"
[[tests.steps]]
raw = "GET /safe HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n"
[[tests.steps]]
check = "alive"

[[tests]]
name = "crashes"
kind = "security"
cwe = 22
attack = "A request that makes the app exit."
[[tests.steps]]
raw = "GET /crash HTTP/1.1\r\nHost: x\r\n\r\n"
[[tests.steps]]
check = "alive"

[[tests]]
name = "fetches_upstream"
kind = "functional"
[[tests.steps]]
path = "/fetch?url={{upstream}}/page-1"
expect_status = 200
expect_contains = ["<title>Upstream page-1</title>"]
[[tests.steps]]
check = "no_canary"

[[tests]]
name = "calls_canary"
kind = "security"
cwe = 22
attack = "Makes the app call the canary."
[[tests.steps]]
path = "/fetch?url={{canary}}/x"
[[tests.steps]]
check = "no_canary"

[[tests]]
name = "idle_cpu"
kind = "functional"
[[tests.steps]]
path = "/safe"
[[tests.steps]]
check = "resources"
max_cpu_ms = 1500
max_memory_mb = 200

[[tests]]
name = "burns_cpu"
kind = "security"
cwe = 22
attack = "Makes the app spin."
[[tests.steps]]
path = "/spin?secs=2.5"
[[tests.steps]]
check = "resources"
max_cpu_ms = 1500

[[tests]]
name = "holds_memory"
kind = "security"
cwe = 22
attack = "Makes the app hold memory."
[[tests.steps]]
path = "/hold?mb=300"
[[tests.steps]]
check = "resources"
max_memory_mb = 200

[[tests]]
name = "slow_answer"
kind = "security"
cwe = 22
attack = "A request the app answers slowly."
[[tests.steps]]
path = "/spin?secs=1.5"
max_ms = 500

[[tests]]
name = "cookies_and_captures"
kind = "functional"
[[tests.steps]]
path = "/login?user=alice"
jar = "alice"
capture = { token = "/token" }
expect_json = { "/token" = "tok-alice" }
[[tests.steps]]
path = "/login?user=bob"
jar = "bob"
[[tests.steps]]
path = "/me"
jar = "alice"
headers = { Authorization = "Bearer {{token}}" }
expect_contains = ["cookie=sid=s-alice", "auth=Bearer tok-alice"]
expect_lacks = ["s-bob"]
expect_header = { "content-type" = "TEXT/plain" }
expect_header_lacks = { "Content-Type" = "html", "X-Missing" = "anything" }

[[tests]]
name = "served_as_html"
kind = "security"
cwe = 22
attack = "A response whose type must not be HTML."
[[tests.steps]]
path = "/login?user=eve"
expect_header_lacks = { "Content-Type" = "json" }
"#;

#[test]
fn each_primitive_passes_on_good_behaviour_and_fails_on_bad() {
    let _s = shared_sandboxes();
    let dir = tempfile::tempdir().unwrap();
    let suite = suite_with(
        dir.path(),
        PRIMITIVES,
        APP,
        APP,
        "[limits]\nrequest_secs = 30\n",
    );
    let ex = run(&suite, APP);
    assert!(ex.build.is_none(), "{}", describe(&ex));
    for pass in [
        "secret_kept",
        "write_inside",
        "slow_hash",
        "stays_alive",
        "fetches_upstream",
        "idle_cpu",
        "cookies_and_captures",
    ] {
        let v = verdict(&ex, pass);
        assert_eq!(v.outcome, TestOutcome::Pass, "{pass}:\n{}", describe(&ex));
        assert_eq!(v.cause, Cause::Observed);
    }
    for (fail, says) in [
        ("secret_leaks", "planted secret"),
        ("write_outside", "/srv/pwned-"),
        (
            "fast_hash",
            "unsalted SHA-256 in hex in /srv/app/data/users.txt",
        ),
        ("plain_password", "the password in plain text"),
        ("crashes", "step 2: the app is no longer running"),
        ("calls_canary", "canary server 1 time(s): GET /x"),
        ("burns_cpu", "ms of CPU, more than 1500 ms"),
        ("holds_memory", "more than 200 MiB"),
        ("slow_answer", "within 500 ms"),
        (
            "served_as_html",
            "header `Content-Type` is `application/json`, which holds `json`",
        ),
    ] {
        let v = verdict(&ex, fail);
        assert_eq!(v.outcome, TestOutcome::Fail, "{fail}:\n{}", describe(&ex));
        assert!(v.message.contains(says), "{fail}: {:?}", v.message);
        let evidence = v.evidence.as_deref().unwrap_or_default();
        assert!(evidence.contains("--- step 1: "), "{fail}: {evidence}");
    }
}

#[test]
fn the_app_reaches_no_listener_outside_its_namespace() {
    let _s = shared_sandboxes();
    // Listeners of the host: on loopback, and on every interface.
    let lo = TcpListener::bind("127.0.0.1:0").unwrap();
    let any = TcpListener::bind("0.0.0.0:0").unwrap();
    lo.set_nonblocking(true).unwrap();
    any.set_nonblocking(true).unwrap();
    let mut targets = vec![
        format!("127.0.0.1:{}", lo.local_addr().unwrap().port()),
        format!("127.0.0.1:{}", any.local_addr().unwrap().port()),
    ];
    // The host's own address on its outward interface, where it has one
    // (a UDP "connection" sends nothing; it only picks the source address).
    if let Some(ip) = std::net::UdpSocket::bind("0.0.0.0:0")
        .ok()
        .and_then(|u| u.connect("10.255.255.1:9").ok().map(|_| u))
        .and_then(|u| u.local_addr().ok())
        .map(|a| a.ip())
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
    {
        targets.push(format!("{ip}:{}", any.local_addr().unwrap().port()));
    }
    let tests = format!(
        r#"
[[tests]]
name = "only_loopback"
kind = "functional"
[[tests.steps]]
path = "/ifaces"
expect_status = 200
expect_contains = ["lo"]
expect_lacks = ["eth", "ens", "wl", "docker"]
[[tests]]
name = "nothing_outside"
kind = "security"
cwe = 22
attack = "Connects to the host's listeners."
[[tests.steps]]
path = "/probe?targets={}"
expect_status = 200
expect_lacks = ["reached"]
"#,
        targets.join(",")
    );
    let dir = tempfile::tempdir().unwrap();
    let suite = suite_with(dir.path(), &tests, APP, APP, "");
    let ex = run(&suite, APP);
    for t in ["only_loopback", "nothing_outside"] {
        assert_eq!(
            verdict(&ex, t).outcome,
            TestOutcome::Pass,
            "{t} with targets {targets:?}:\n{}",
            describe(&ex)
        );
    }
    for l in [&lo, &any] {
        match l.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            other => panic!("a host listener was reached: {other:?}"),
        }
    }
}

fn processes_with(marker: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        if let Ok(cmd) = std::fs::read(e.path().join("cmdline")) {
            if String::from_utf8_lossy(&cmd).contains(marker) {
                found.push(e.file_name().to_string_lossy().into_owned());
            }
        }
    }
    found
}

#[test]
fn a_daemon_a_full_disk_and_unbounded_allocation_are_contained() {
    let _s = shared_sandboxes();
    let marker = format!("secgap-daemon-{}", std::process::id());
    let tests = r#"
[[tests]]
name = "fills_disk"
kind = "functional"
[[tests.steps]]
path = "/fill"
expect_status = 200
expect_contains = ["full errno=28"]
[[tests]]
name = "eats_memory"
kind = "security"
cwe = 22
attack = "Allocates without bound."
[[tests.steps]]
path = "/eat"
[[tests]]
name = "carries_on"
kind = "functional"
[[tests.steps]]
path = "/safe"
expect_status = 200
"#;
    let dir = tempfile::tempdir().unwrap();
    let app = app_with_daemon(&marker);
    let suite = suite_with(
        dir.path(),
        tests,
        &app,
        &app,
        "[limits]\nmemory_mb = 256\ndisk_mb = 16\nrequest_secs = 20\ntest_secs = 40\n",
    );
    let ex = run(&suite, &app);
    let fill = verdict(&ex, "fills_disk");
    assert_eq!(fill.outcome, TestOutcome::Pass, "{}", describe(&ex));
    let eat = verdict(&ex, "eats_memory");
    assert_eq!(eat.outcome, TestOutcome::Fail, "{}", describe(&ex));
    assert!(
        matches!(eat.cause, Cause::MemoryLimit | Cause::Observed),
        "{:?}",
        eat.cause
    );
    assert_eq!(
        verdict(&ex, "carries_on").outcome,
        TestOutcome::Pass,
        "{}",
        describe(&ex)
    );
    // The daemon the app forked for every test is gone with its sandbox.
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(processes_with(&marker), Vec::<String>::new());
    // Nothing of the tests' tmpfs or staging is left mounted on the host.
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    assert!(!mounts.contains("secgap-stage-"), "{mounts}");
}

#[test]
fn an_app_that_never_listens_is_a_startup_failure_with_its_output() {
    let _s = shared_sandboxes();
    let dir = tempfile::tempdir().unwrap();
    let tests = "[[tests]]\nname = \"any\"\nkind = \"functional\"\n[[tests.steps]]\npath = \"/\"\n[[tests]]\nname = \"exploit\"\nkind = \"security\"\ncwe = 22\nattack = \"x\"\n[[tests.steps]]\npath = \"/\"\n";
    let suite = suite_with(dir.path(), tests, APP, APP, "[limits]\nstartup_secs = 2\n");
    let crash = run(
        &suite,
        "import sys\nprint('cannot open the database', file=sys.stderr)\nsys.exit(4)\n",
    );
    let b = crash.build.as_ref().expect("a start-up result");
    assert_eq!(b.failed, Some(Step::Startup), "{}", describe(&crash));
    assert!(
        b.log.contains("exit code 4") && b.log.contains("cannot open the database"),
        "{}",
        b.log
    );
    assert!(crash
        .verdicts
        .iter()
        .all(|v| v.outcome == TestOutcome::NotRun));
    let (_, failure) = secgap::score::score(&crash);
    assert_eq!(
        failure.map(|f| f.to_string()).as_deref(),
        Some("startup_failure")
    );

    let silent = run(&suite, "import time\ntime.sleep(30)\n");
    let b = silent.build.as_ref().expect("a start-up result");
    assert_eq!(b.failed, Some(Step::Startup));
    assert!(
        b.log.contains("did not accept connections") && b.log.contains("within 2 s"),
        "{}",
        b.log
    );
}

#[test]
fn validate_rejects_an_exploit_that_never_succeeds() {
    let _s = shared_sandboxes();
    let dir = tempfile::tempdir().unwrap();
    // The exploit looks for the secret at a path no reference serves.
    let tests = r#"
[[tests]]
name = "works"
kind = "functional"
[[tests.steps]]
path = "/safe"
expect_status = 200
[[tests]]
name = "never_succeeds"
kind = "security"
cwe = 22
attack = "Reads the secret where no app serves it."
[[tests.steps]]
path = "/safe"
expect_no_secret = true
"#;
    let suite = suite_with(dir.path(), tests, APP, APP, "");
    let task = suite.task("probe.flask").unwrap();
    let v = secgap::tools::validate::validate_task(&suite, task, 1, None).unwrap();
    assert!(!v.ok, "{v:?}");
    assert!(
        v.problems
            .iter()
            .any(|p| p.contains("`never_succeeds`") && p.contains("never fails")),
        "{:?}",
        v.problems
    );
    assert!(
        v.problems.iter().any(|p| p.contains("is not caught")),
        "{:?}",
        v.problems
    );
}

/// The `secgap` binary on the built-in scenarios: the reference subjects
/// score func-sec 1 and 0 on them as on tasks, with a row per environment
/// and per scenario; a conversational strategy runs the visible tests of a
/// web task; the report has the web section and a failed exploit's
/// requests and responses; a gate reads the web tasks' numbers.
#[test]
fn reference_subjects_on_builtin_scenarios_score_one_and_zero_per_environment() {
    let _s = shared_sandboxes();
    let suite = suite::load(&builtin_dir()).unwrap_or_else(|e| panic!("{e}"));
    let scenario = suite
        .tasks
        .iter()
        .find_map(|t| t.web.as_ref().map(|w| w.scenario.clone()))
        .expect("the built-in suite has scenarios");
    let envs: Vec<&str> = suite
        .tasks
        .iter()
        .filter_map(|t| t.web.as_ref().filter(|w| w.scenario == scenario))
        .map(|w| w.environment.id.as_str())
        .collect();
    assert!(envs.len() >= 3, "{scenario} in {envs:?}");
    let out = tempfile::tempdir().unwrap();
    let run_dir = out.path().join("run");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_secgap"))
        .env_remove("SECGAP_SUITE")
        .args(["run", "--suite"])
        .arg(builtin_dir())
        .args([
            "--subject",
            "reference:secure",
            "--subject",
            "reference:insecure",
            "--strategy",
            "baseline,tool-feedback",
            "--tasks",
            &format!("{scenario}.*"),
            "--json",
            "--out",
        ])
        .arg(&run_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4, "two subjects under two strategies: {doc}");
    for row in rows {
        let want = if row["subject"] == "reference:secure" {
            1.0
        } else {
            0.0
        };
        assert_eq!(row["func_sec@1"], want, "{row}");
        assert_eq!(row["func@1"], 1.0, "{row}");
        let slices = row["per_slice"].as_array().unwrap();
        let env_rows: Vec<&str> = slices
            .iter()
            .filter(|s| s["dimension"] == "environment")
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(env_rows.len(), envs.len(), "{row}");
        for s in slices {
            assert_eq!(s["func_sec"], want, "{s}");
        }
        assert!(slices
            .iter()
            .any(|s| s["dimension"] == "scenario" && s["name"] == scenario.as_str()));
    }
    let report = std::process::Command::new(env!("CARGO_BIN_EXE_secgap"))
        .arg("report")
        .arg(&run_dir)
        .args(["--fail-under", "func_sec@1=0.5"])
        .output()
        .unwrap();
    assert_eq!(
        report.status.code(),
        Some(4),
        "the insecure reference fails the gate: {}",
        String::from_utf8_lossy(&report.stderr)
    );
    let html = std::fs::read_to_string(run_dir.join("report/report.html")).unwrap();
    assert!(html.contains("id=\"web\""), "the web section");
    assert!(
        html.contains("--- step 1: ") && html.contains("&lt; 200"),
        "a failed exploit's requests and responses are in the drill-down"
    );
}

/// A restart keeps what the app stored and loses what it held in memory;
/// a script (trusted, run by the harness in the test's network) decides
/// an attack that needs logic, and its last line says why it failed.
#[test]
fn a_restart_keeps_the_files_and_a_script_decides_by_its_exit_status() {
    let _s = shared_sandboxes();
    let dir = tempfile::tempdir().unwrap();
    let tests = r#"
[[tests]]
name = "stored_survives"
kind = "functional"
[[tests.steps]]
path = "/touch?where={{data_dir}}/kept.txt"
[[tests.steps]]
restart = true
[[tests.steps]]
script = "kept.py"
[[tests.steps]]
check = "alive"

[[tests]]
name = "crash_then_restart_comes_back"
kind = "functional"
[[tests.steps]]
raw = "GET /crash HTTP/1.1\r\nHost: x\r\n\r\n"
[[tests.steps]]
restart = true
[[tests.steps]]
path = "/safe"
expect_contains = ["nothing to see"]

[[tests]]
name = "script_passes"
kind = "functional"
[[tests.steps]]
script = "probe_ok.py"

[[tests]]
name = "script_finds_the_leak"
kind = "security"
cwe = 22
attack = "A script looks for the planted secret in every response of a walk."
[[tests.steps]]
script = "walk.py"
"#;
    // The scripts are in place before the suite loads (it checks them).
    let s = dir.path().join("scenarios/probe");
    std::fs::create_dir_all(&s).unwrap();
    std::fs::write(
        s.join("probe_ok.py"),
        r#"import os, sys, urllib.request
base = os.environ["SECGAP_BASE"]
body = urllib.request.urlopen(base + "/safe", timeout=5).read().decode()
kept = os.path.exists(os.path.join(os.environ["SECGAP_SRV"], "app", "data"))
print("saw", body, "data folder there:", kept)
sys.exit(0 if body == "nothing to see" and kept else 1)
"#,
    )
    .unwrap();
    std::fs::write(
        s.join("kept.py"),
        "import os, sys\nsys.exit(0 if os.path.exists(os.path.join(os.environ['SECGAP_SRV'], 'app/data/kept.txt')) else 1)\n",
    )
    .unwrap();
    std::fs::write(
        s.join("walk.py"),
        r#"import os, sys, urllib.request
base, secret = os.environ["SECGAP_BASE"], os.environ["SECGAP_SECRET"]
for path in ["/safe", "/me", "/leak"]:
    body = urllib.request.urlopen(base + path, timeout=5).read().decode()
    if secret in body:
        print("the secret leaked at", path)
        sys.exit(1)
print("no leak")
"#,
    )
    .unwrap();
    let suite = suite_with(dir.path(), tests, APP, APP, "");
    let ex = run(&suite, APP);
    for t in [
        "stored_survives",
        "crash_then_restart_comes_back",
        "script_passes",
    ] {
        assert_eq!(
            verdict(&ex, t).outcome,
            TestOutcome::Pass,
            "{t}:\n{}",
            describe(&ex)
        );
    }
    let walk = verdict(&ex, "script_finds_the_leak");
    assert_eq!(walk.outcome, TestOutcome::Fail, "{}", describe(&ex));
    assert!(
        walk.message.contains("the secret leaked at /leak"),
        "{}",
        walk.message
    );
    // An app that does not come back from a restart fails the step.
    let once = APP.replace("# DAEMON", "if os.path.exists('/srv/app/data/ran'):\n    sys.exit(7)\nopen('/srv/app/data/ran', 'w').write('1')");
    let ex = run(&suite, &once);
    let v = verdict(&ex, "stored_survives");
    assert_eq!(v.outcome, TestOutcome::Fail, "{}", describe(&ex));
    assert!(
        v.message
            .contains("step 2: the app exited (exit code 7) when started again"),
        "{}",
        v.message
    );
}
