//! The worker sandbox nested in a test's sandbox: what the process the
//! candidate runs in can and cannot reach. A trusted checker (a Python
//! script standing in for a check library) starts the worker from
//! `SECGAP_WORKER` with a call pipe on fd 3 and a reply pipe on fd 4, as
//! the check libraries do; the worker probes its surroundings and answers
//! on fd 4 with what it found.

use std::time::Duration;

use secgap_sandbox::{self as sandbox, Limits, Mount, Spec, Worker};

/// The checker: plants a secret among the tests and in its own /tmp, starts
/// the worker with exactly fds 0-4, sends it one call, and prints the
/// worker's reply and exit status as JSON.
const CHECKER: &str = r#"
import json, os, subprocess, sys
with open("/tmp/checker-secret", "w") as f:
    f.write("checker-tmp")
with open("/work/shared.txt", "w") as f:
    f.write("from the checker")
argv = json.loads(os.environ.pop("SECGAP_WORKER"))
calls_r, calls_w = os.pipe()
replies_r, replies_w = os.pipe()
def place():
    os.dup2(calls_r, 3)
    os.dup2(replies_w, 4)
p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, preexec_fn=place, pass_fds=(3, 4), close_fds=True)
os.close(calls_r); os.close(replies_w)
os.write(calls_w, b"probe\n"); os.close(calls_w)
reply = b""
while True:
    b = os.read(replies_r, 65536)
    if not b:
        break
    reply += b
rc = p.wait()
print(json.dumps({"reply": json.loads(reply or b"null"), "rc": rc,
                  "left": open("/work/left.txt").read() if os.path.exists("/work/left.txt") else None}))
"#;

/// The worker: reads its call, then reports what it can see.
const WORKER: &str = r#"
import json, os, subprocess
call = os.read(3, 100).decode().strip()
def can_read(p):
    try:
        with open(p) as f:
            return f.read()
    except OSError as e:
        return None
out = {
    "call": call,
    "fds": sorted(int(n) for n in os.listdir("/proc/self/fd")),
    "tests": os.path.exists("/tests"),
    "test_secret": can_read("/tests/secret.txt"),
    "checker_tmp": can_read("/tmp/checker-secret"),
    "shared": can_read("/work/shared.txt"),
    "pids": sorted(int(n) for n in os.listdir("/proc") if n.isdigit()),
    "env": sorted(os.environ),
    "userns": subprocess.run(["unshare", "-U", "true"], capture_output=True).returncode,
    "hostname": os.uname().nodename,
}
with open("/work/left.txt", "w") as f:
    f.write("from the worker")
os.write(4, json.dumps(out).encode())
"#;

fn env() -> Vec<(String, String)> {
    [("PATH", "/usr/bin:/bin"), ("LANG", "C.UTF-8")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn the_worker_sees_the_workspace_and_nothing_of_the_checker() {
    let dir = tempfile::tempdir().unwrap();
    let tests = dir.path().join("tests");
    std::fs::create_dir(&tests).unwrap();
    std::fs::write(tests.join("secret.txt"), "expected-values").unwrap();
    let runtime = dir.path().join("runtime");
    std::fs::create_dir(&runtime).unwrap();
    std::fs::write(runtime.join("worker.py"), WORKER).unwrap();
    for d in [dir.path(), &tests, &runtime] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for f in [tests.join("secret.txt"), runtime.join("worker.py")] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let spec = Spec {
        argv: vec![
            "/usr/bin/python3".into(),
            "-I".into(),
            "-c".into(),
            CHECKER.into(),
        ],
        env: env(),
        mounts: vec![
            Mount {
                host: tests.clone(),
                dest: "/tests".into(),
                writable: false,
            },
            Mount {
                host: runtime.clone(),
                dest: "/runtime".into(),
                writable: false,
            },
        ],
        workdir: "/work".into(),
        limits: Limits {
            wall: Duration::from_secs(20),
            ..Limits::default()
        },
        channel: true,
        after_nonce: None,
        worker: Some(Worker {
            argv: vec![
                "/usr/bin/python3".into(),
                "-I".into(),
                "/runtime/worker.py".into(),
            ],
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            binds: vec![("/work".into(), true), ("/runtime".into(), false)],
            workdir: "/work".into(),
        }),
        network: Default::default(),
        cgroup: None,
    };
    let out = sandbox::run(&spec).expect("run the pair");
    let text = out.stdout.text();
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no report; stdout {text:?} stderr {:?}", out.stderr.text()));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    let r = &v["reply"];
    assert_eq!(
        v["rc"],
        0,
        "worker failed: {v} stderr {}",
        out.stderr.text()
    );
    assert_eq!(r["call"], "probe", "{v}");
    // Only its stdio and the two pipes: not the results channel, not the nonce.
    assert_eq!(r["fds"], serde_json::json!([0, 1, 2, 3, 4, 5]), "{v}");
    assert_eq!(r["tests"], false, "the worker sees /tests: {v}");
    assert!(r["test_secret"].is_null(), "{v}");
    assert!(
        r["checker_tmp"].is_null(),
        "the worker sees the checker's /tmp: {v}"
    );
    assert_eq!(r["shared"], "from the checker", "{v}");
    assert_eq!(
        v["left"], "from the worker",
        "the checker must see what the worker left in /work: {v}"
    );
    // Its own PID namespace: bwrap's init and itself, not the checker.
    let pids = r["pids"].as_array().unwrap();
    assert!(pids.len() <= 2, "the worker sees other processes: {v}");
    // Only what the worker's invocation sets (bwrap adds PWD, Python's
    // locale coercion LC_CTYPE): nothing of the checker's (LANG,
    // SECGAP_WORKER).
    let env: Vec<&str> = r["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        env.contains(&"PATH") && env.iter().all(|e| ["PATH", "PWD", "LC_CTYPE"].contains(e)),
        "the worker's environment: {v}"
    );
    assert_ne!(
        r["userns"], 0,
        "the worker could make a user namespace: {v}"
    );
    assert_eq!(r["hostname"], "worker", "{v}");
}
