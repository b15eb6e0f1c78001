//! Coding-agent subjects, end to end: the `secgap` binary runs a real
//! agent process (a scripted Python stand-in, also installed under the
//! names of the real agents to check the presets' command lines) in a
//! scratch workspace; its model traffic goes through secgap's loopback
//! proxy to the fixture server, and the run database must hold each
//! sample's calls, usage, cost and transcript. Also: timeouts that kill
//! the agent's whole process group, leftover children, failing agents and
//! resume, and configuration errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::fixture_server::{FixtureServer, Script};
use serde_json::Value;

const TASKS: &str = "py-upload-read,c-copy-username";

fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

fn agent_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scripted-agent/agent.py")
}

fn secure_answers() -> Script {
    crate::support::answers::secure_answers("Here it is ✓")
}

/// `secgap` with a private cache and none of the host's model settings.
fn secgap(tmp: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secgap"));
    c.env("SECGAP_CACHE_DIR", tmp.join("cache"))
        .env_remove("SECGAP_SUITE")
        .env_remove("SCRIPTED_AGENT_MODE");
    for var in [
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "CODEX_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_BASE",
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_API_BASE",
        "SCRIPTED_AGENT_DIRECT_URL",
    ] {
        c.env_remove(var);
    }
    c
}

fn run_cmd(
    tmp: &Path,
    config: &Path,
    subjects: &[&str],
    tasks: &str,
    n: u32,
    out: &Path,
) -> Command {
    let mut c = secgap(tmp);
    c.arg("run")
        .arg("--suite")
        .arg(builtin())
        .args(["--tasks", tasks, "-n", &n.to_string(), "--json", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out);
    for s in subjects {
        c.args(["--subject", s]);
    }
    c
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr:\n{}", stderr(out)))
}

fn db(run: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(run.join("run.sqlite")).unwrap()
}

/// The command template running the scripted agent, whose script is
/// mounted read-only in its sandbox.
fn scripted_command() -> String {
    format!(
        "command = [\"python3\", \"{0}\", \"--prompt-file\", \"{{prompt_file}}\", \"--solution\", \"{{solution_file}}\"]\nread_only = [\"{0}\"]",
        agent_script().display()
    )
}

/// Every sample scored func-sec, each with `calls` proxy calls that carry
/// usage and a cost, a stored transcript, and the cost equal to the price
/// table applied to the usage.
fn assert_recorded(run: &Path, calls: i64, input_price: f64, output_price: f64, path: &str) {
    let conn = db(run);
    let mut stmt = conn
        .prepare(
            "SELECT s.subject, s.task, s.sample_index, s.status, s.func_sec, s.transcript,
                    (SELECT COUNT(*) FROM model_calls m WHERE m.sample_id = s.id
                       AND m.status = 200 AND m.error IS NULL AND m.input_tokens > 0
                       AND m.output_tokens > 0 AND m.cost_usd > 0 AND m.url LIKE ?1
                       AND length(m.request) > 0 AND length(m.response) > 0)
             FROM samples s",
        )
        .unwrap();
    type Row = (
        String,
        String,
        i64,
        String,
        Option<i64>,
        Option<String>,
        i64,
    );
    let rows: Vec<Row> = stmt
        .query_map([format!("%{path}")], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(!rows.is_empty());
    for (subject, task, i, status, func_sec, transcript, good_calls) in &rows {
        let what = format!("{subject} {task} #{i}");
        assert_eq!(status, "scored", "{what}");
        assert_eq!(*func_sec, Some(1), "{what}");
        assert_eq!(
            *good_calls, calls,
            "{what}: proxy calls with usage and cost"
        );
        let t = transcript.as_deref().unwrap_or_default();
        assert!(
            t.contains("scripted agent: wrote"),
            "{what}: transcript {t}"
        );
        assert!(t.contains("--- stderr ---"), "{what}");
    }
    let (expected, stored): (f64, f64) = conn
        .query_row(
            "SELECT SUM((input_tokens * ?1 + output_tokens * ?2) / 1e6), SUM(cost_usd) FROM model_calls",
            [input_price, output_price],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        expected > 0.0 && (expected - stored).abs() < 1e-12,
        "{expected} vs {stored}"
    );
}

#[test]
fn scripted_agent_through_the_proxy_to_an_openai_upstream() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("secgap.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[agents.scripted]
{}
upstream = "openai-compat:{}/v1#fixture-model"
timeout_secs = 120

[agents.scripted.env]
OPENAI_BASE_URL = "{{openai_base_url}}"
OPENAI_API_KEY = "{{proxy_key}}"
SCRIPTED_AGENT_MODEL = "{{model}}"

[agents.scripted.price]
input = 2.0
output = 8.0
"#,
            scripted_command(),
            server.base_url()
        ),
    )
    .unwrap();
    let run = tmp.path().join("run");
    let out = run_cmd(tmp.path(), &cfg, &["agent:scripted"], TASKS, 2, &run)
        .env("OPENAI_API_KEY", "sk-upstream")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["rows"][0]["subject"], "agent:scripted");
    assert_eq!(v["rows"][0]["func_sec@1"], 1.0, "{v}");
    // 2 tasks x 2 samples, one plain and one streamed call each.
    assert_eq!(v["run"]["model_calls"], 8);
    assert!(v["run"]["cost_usd"].as_f64().unwrap() > 0.0);
    assert_recorded(&run, 2, 2.0, 8.0, "/v1/chat/completions");

    let reqs = server.requests();
    assert_eq!(reqs.len(), 8);
    for r in &reqs {
        assert_eq!(r.path, "/v1/chat/completions");
        assert_eq!(r.body["model"], "fixture-model");
        // The proxy put the upstream's key in place of the agent's.
        assert_eq!(r.header("authorization"), Some("Bearer sk-upstream"));
    }
    let streamed = reqs.iter().filter(|r| r.body["stream"] == true).count();
    assert_eq!(streamed, 4);
    // The upstream key never reaches the run database.
    let leaked: i64 = db(&run)
        .query_row(
            "SELECT (SELECT COUNT(*) FROM meta WHERE value LIKE '%sk-upstream%')
                  + (SELECT COUNT(*) FROM model_calls WHERE request LIKE '%sk-upstream%')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaked, 0);
}

#[test]
fn scripted_agent_through_the_proxy_to_an_anthropic_upstream() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("secgap.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[subjects.claude-fixture]
provider = "anthropic-compat"
base_url = "{}/v1"
model = "fixture-model"
api_key_env = "SECGAP_TEST_ANTHROPIC_KEY"

[subjects.claude-fixture.price]
input = 3.0
output = 15.0

[agents.scripted]
{}
upstream = "claude-fixture"

[agents.scripted.env]
ANTHROPIC_BASE_URL = "{{anthropic_base_url}}"
ANTHROPIC_API_KEY = "{{proxy_key}}"
"#,
            server.base_url(),
            scripted_command()
        ),
    )
    .unwrap();
    let run = tmp.path().join("run");
    let out = run_cmd(tmp.path(), &cfg, &["agent:scripted"], TASKS, 1, &run)
        .env("SECGAP_TEST_ANTHROPIC_KEY", "sk-ant-upstream")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["rows"][0]["func_sec@1"], 1.0, "{v}");
    assert_recorded(&run, 2, 3.0, 15.0, "/v1/messages");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    for r in &reqs {
        assert_eq!(r.path, "/v1/messages");
        assert_eq!(r.header("x-api-key"), Some("sk-ant-upstream"));
        assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    }
    // The upstream's definition is frozen in the run's config.
    let config: String = db(&run)
        .query_row("SELECT value FROM meta WHERE key = 'config'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let config: Value = serde_json::from_str(&config).unwrap();
    assert_eq!(
        config["agent_defs"]["scripted"]["upstream"],
        "claude-fixture"
    );
    assert_eq!(
        config["subject_defs"]["claude-fixture"]["provider"],
        "anthropic-compat"
    );
}

/// A folder holding the scripted agent under the real agents' names.
fn fake_agents(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["claude", "codex", "aider", "gemini"] {
        let p = bin.join(name);
        std::fs::copy(agent_script(), &p).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[test]
fn presets_run_the_real_agents_command_lines() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let bin = fake_agents(tmp.path());
    // secgap's temporary folder, where the agents' scratch folders go.
    let scratch = tmp.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let cfg = tmp.path().join("secgap.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[subjects.fx-openai]
provider = "openai-compat"
base_url = "{url}/v1"
model = "fixture-model"
api_key_env = "SECGAP_TEST_OPENAI_KEY"
price = {{ input = 1.0, output = 2.0 }}

[subjects.fx-anthropic]
provider = "anthropic-compat"
base_url = "{url}/v1"
model = "fixture-model"
api_key_env = "SECGAP_TEST_ANTHROPIC_KEY"
price = {{ input = 1.0, output = 2.0 }}

[agents.cc]
preset = "claude-code"
upstream = "fx-anthropic"

[agents.cx]
preset = "codex"
upstream = "fx-openai"

[agents.ai]
preset = "aider"
upstream = "fx-openai"

[agents.aa]
preset = "aider"
upstream = "fx-anthropic"
model = "fixture-model-2"
"#,
            url = server.base_url()
        ),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = tmp.path().join("run");
    let subjects = [
        "agent:cc",
        "agent:cx",
        "agent:ai",
        "agent:aa",
        "agent:gemini-cli",
    ];
    let out = run_cmd(tmp.path(), &cfg, &subjects, "py-upload-read", 1, &run)
        .env("PATH", &path)
        .env("SECGAP_TEST_OPENAI_KEY", "sk-upstream")
        .env("SECGAP_TEST_ANTHROPIC_KEY", "sk-ant-upstream")
        .env("TMPDIR", &scratch)
        // Gemini CLI talks to its own provider: here, the fixture directly.
        .env(
            "SCRIPTED_AGENT_DIRECT_URL",
            format!("{}/v1", server.base_url()),
        )
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    for row in v["rows"].as_array().unwrap() {
        assert_eq!(row["func_sec@1"], 1.0, "{row}");
    }

    let conn = db(&run);
    let prompt: String = conn
        .query_row("SELECT DISTINCT prompt FROM samples", [], |r| r.get(0))
        .unwrap();
    let calls = |subject: &str| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM model_calls m JOIN samples s ON s.id = m.sample_id
             WHERE s.subject = ?1 AND m.input_tokens > 0 AND m.cost_usd > 0",
            [subject],
            |r| r.get(0),
        )
        .unwrap()
    };
    // Each stand-in printed how it was started (see agent.py).
    let mut logs: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT transcript FROM samples").unwrap();
    let transcripts: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in &transcripts {
        for line in t.lines() {
            if let Some(j) = line.strip_prefix("scripted agent: invocation: ") {
                let v: Value = serde_json::from_str(j).unwrap();
                logs.entry(v["program"].as_str().unwrap().to_string())
                    .or_default()
                    .push(v);
            }
        }
    }
    let argv = |v: &Value| -> Vec<String> {
        v["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    };
    let env = |v: &Value, k: &str| v["env"][k].as_str().map(String::from);
    // Each ran in its own sandboxed workspace; the scratch folders are gone.
    for v in logs.values().flatten() {
        let ws = env(v, "SECGAP_WORKSPACE").unwrap();
        assert_eq!(ws, "/workspace");
        assert_eq!(v["cwd"].as_str().unwrap(), ws);
        assert_eq!(
            env(v, "SECGAP_PROMPT_FILE").as_deref(),
            Some("/workspace/PROMPT.md")
        );
        assert_eq!(
            env(v, "SECGAP_SOLUTION_FILE").as_deref(),
            Some("solution.py")
        );
    }
    let left: Vec<_> = std::fs::read_dir(&scratch).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    let cc = &logs["claude"];
    assert_eq!(cc.len(), 1);
    assert_eq!(
        argv(&cc[0]),
        [
            s(&["-p"]),
            vec![prompt.clone()],
            s(&[
                "--permission-mode",
                "acceptEdits",
                "--model",
                "fixture-model"
            ])
        ]
        .concat()
    );
    let origin = env(&cc[0], "SECGAP_PROXY_ORIGIN").unwrap();
    assert!(origin.starts_with("http://127.0.0.1:"), "{origin}");
    assert_eq!(env(&cc[0], "ANTHROPIC_BASE_URL"), Some(origin));
    // A fresh per-sample proxy key, never the real one.
    let key = env(&cc[0], "ANTHROPIC_API_KEY").unwrap();
    assert!(key.starts_with("secgap-") && key.len() == 39, "{key}");
    assert_eq!(calls("agent:cc"), 2);

    let cx = &logs["codex"];
    assert_eq!(cx.len(), 1);
    assert_eq!(
        argv(&cx[0]),
        [
            s(&[
                "exec",
                "--sandbox",
                "workspace-write",
                "--skip-git-repo-check",
                "-m",
                "fixture-model"
            ]),
            vec![prompt.clone()]
        ]
        .concat()
    );
    let origin = env(&cx[0], "SECGAP_PROXY_ORIGIN").unwrap();
    assert_eq!(env(&cx[0], "OPENAI_BASE_URL"), Some(format!("{origin}/v1")));
    let key = env(&cx[0], "CODEX_API_KEY").unwrap();
    assert!(key.starts_with("secgap-") && key.len() == 39, "{key}");
    assert_eq!(calls("agent:cx"), 2);

    let aider = &logs["aider"];
    assert_eq!(aider.len(), 2);
    let aider_flags = s(&[
        "--yes-always",
        "--no-git",
        "--no-pretty",
        "--no-check-update",
        "--no-analytics",
        "--no-show-model-warnings",
    ]);
    let openai_one = aider
        .iter()
        .find(|v| env(v, "OPENAI_API_BASE").is_some())
        .unwrap();
    assert_eq!(
        argv(openai_one),
        [
            s(&["--message"]),
            vec![prompt.clone()],
            aider_flags.clone(),
            s(&["--model", "openai/fixture-model", "solution.py"])
        ]
        .concat()
    );
    let origin = env(openai_one, "SECGAP_PROXY_ORIGIN").unwrap();
    assert_eq!(
        env(openai_one, "OPENAI_API_BASE"),
        Some(format!("{origin}/v1"))
    );
    let anthropic_one = aider
        .iter()
        .find(|v| env(v, "ANTHROPIC_API_BASE").is_some())
        .unwrap();
    assert_eq!(
        argv(anthropic_one),
        [
            s(&["--message"]),
            vec![prompt.clone()],
            aider_flags,
            s(&["--model", "anthropic/fixture-model-2", "solution.py"])
        ]
        .concat()
    );
    let origin = env(anthropic_one, "SECGAP_PROXY_ORIGIN").unwrap();
    assert_eq!(env(anthropic_one, "ANTHROPIC_API_BASE"), Some(origin));
    assert_eq!(calls("agent:ai"), 2);
    assert_eq!(calls("agent:aa"), 2);

    // Gemini CLI: no proxy, its own credentials, nothing recorded.
    let gm = &logs["gemini"];
    assert_eq!(gm.len(), 1);
    assert_eq!(
        argv(&gm[0]),
        [s(&["-p"]), vec![prompt], s(&["--yolo"])].concat()
    );
    assert_eq!(env(&gm[0], "SECGAP_PROXY_ORIGIN"), None);
    let gemini_calls: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM model_calls m JOIN samples s ON s.id = m.sample_id WHERE s.subject = 'agent:gemini-cli'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(gemini_calls, 0);
    // It had the network, and the run says so, on the terminal and in its config.
    let err = stderr(&out);
    assert!(
        err.contains("warning: agent `gemini-cli` has the network"),
        "{err}"
    );
    assert!(!err.contains("agent `cc` has the network"), "{err}");
    let config: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'config'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let access = &serde_json::from_str::<Value>(&config).unwrap()["agent_access"];
    assert_eq!(
        access["agent:gemini-cli"],
        serde_json::json!({"sandboxed": true, "network": "host"})
    );
    for a in ["agent:cc", "agent:cx", "agent:ai", "agent:aa"] {
        assert_eq!(
            access[a],
            serde_json::json!({"sandboxed": true, "network": "proxy-only"}),
            "{a}"
        );
    }

    // The upstream saw the real keys only.
    for r in server.requests() {
        let a = r.header("authorization").unwrap_or("");
        let k = r.header("x-api-key").unwrap_or("");
        assert!(!a.contains("secgap-") && !k.contains("secgap-"), "{r:?}");
    }
}

/// A token no other process carries: the scripted agent's children get it
/// as their last argument (SCRIPTED_AGENT_MARK), so they can be found in
/// the host's process list though they run in a PID namespace of their own.
fn new_mark() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("secgap-test-child-{}-{nanos}", std::process::id())
}

/// Host pids of the running processes whose command line holds `mark`.
fn marked(mark: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(mark) && running(pid) {
            out.push(pid);
        }
    }
    out
}

/// Run `cmd` to the end, watching the host's process list meanwhile:
/// its output, and whether a process holding `mark` was seen.
fn watch(mut cmd: Command, mark: &str) -> (Output, bool) {
    use std::process::Stdio;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = false;
    while child.try_wait().unwrap().is_none() {
        seen |= !marked(mark).is_empty();
        std::thread::sleep(Duration::from_millis(20));
    }
    (child.wait_with_output().unwrap(), seen)
}

/// Running, and not a zombie waiting to be reaped.
fn running(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s
            .rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with(['Z', 'X']),
        Err(_) => false,
    }
}

/// A config with the scripted agent twice: `scripted` through the proxy to
/// the fixture, and `bare` with no upstream and a short timeout.
fn two_agents(tmp: &Path, server: &FixtureServer) -> PathBuf {
    let cfg = tmp.join("secgap.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[agents.scripted]
{cmd}
upstream = "openai-compat:{url}/v1#fixture-model"
env = {{ OPENAI_BASE_URL = "{{openai_base_url}}" }}
price = {{ input = 1.0, output = 1.0 }}

[agents.bare]
{cmd}
timeout_secs = 2
"#,
            cmd = scripted_command(),
            url = server.base_url()
        ),
    )
    .unwrap();
    cfg
}

#[test]
fn the_timeout_kills_the_agent_and_its_children() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let cfg = two_agents(tmp.path(), &server);
    let mark = new_mark();
    let run = tmp.path().join("run");
    let started = Instant::now();
    let mut cmd = run_cmd(tmp.path(), &cfg, &["agent:bare"], "py-upload-read", 1, &run);
    cmd.env("SCRIPTED_AGENT_MODE", "hang")
        .env("SCRIPTED_AGENT_MARK", &mark);
    let (out, seen) = watch(cmd, &mark);
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(seen, "the agent's child never showed up");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(json(&out)["run"]["generation_errors"], 1);
    let (status, error, transcript): (String, String, String) = db(&run)
        .query_row("SELECT status, error, transcript FROM samples", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(status, "generation_error");
    assert!(error.contains("did not finish within 2 s"), "{error}");
    assert!(error.contains("the stub unchanged"), "{error}");
    assert!(
        transcript.contains("scripted agent: hanging"),
        "{transcript}"
    );
    let left = marked(&mark);
    assert!(left.is_empty(), "still running: {left:?}");
}

#[test]
fn a_failing_agent_is_a_generation_error_and_the_run_resumes() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let cfg = two_agents(tmp.path(), &server);
    let run = tmp.path().join("run");
    let out = run_cmd(tmp.path(), &cfg, &["agent:scripted"], TASKS, 1, &run)
        .env("SCRIPTED_AGENT_MODE", "fail")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(json(&out)["run"]["generation_errors"], 2);
    let conn = db(&run);
    let mut stmt = conn
        .prepare("SELECT status, error, transcript FROM samples")
        .unwrap();
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 2);
    for (status, error, transcript) in &rows {
        assert_eq!(status, "generation_error");
        assert!(error.contains("exited with status 3"), "{error}");
        assert!(
            transcript.contains("giving up on this task"),
            "{transcript}"
        );
        assert!(transcript.contains("no model could help"), "{transcript}");
    }
    drop(stmt);
    drop(conn);
    // The run's config holds the agent: resume works without the file.
    std::fs::remove_file(&cfg).unwrap();
    let out = secgap(tmp.path())
        .arg("resume")
        .arg(&run)
        .arg("--json")
        .env("SCRIPTED_AGENT_MODE", "normal")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["run"]["generation_errors"], 0);
    assert_eq!(v["run"]["executed_now"], 2);
    assert_eq!(v["rows"][0]["func_sec@1"], 1.0);
    assert_recorded(&run, 2, 1.0, 1.0, "/v1/chat/completions");
}

#[test]
fn leftover_children_die_and_printed_answers_are_used() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("secgap.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[agents.orphan]
{cmd}
upstream = "openai-compat:{url}/v1#fixture-model"
env = {{ OPENAI_BASE_URL = "{{openai_base_url}}", SCRIPTED_AGENT_MODE = "orphan" }}

[agents.printer]
{cmd}
upstream = "openai-compat:{url}/v1#fixture-model"
env = {{ OPENAI_BASE_URL = "{{openai_base_url}}", SCRIPTED_AGENT_MODE = "print-only" }}
"#,
            cmd = scripted_command(),
            url = server.base_url()
        ),
    )
    .unwrap();
    let mark = new_mark();
    let run = tmp.path().join("run");
    let out = run_cmd(
        tmp.path(),
        &cfg,
        &["agent:orphan", "agent:printer"],
        "py-upload-read",
        1,
        &run,
    )
    .env("SCRIPTED_AGENT_MARK", &mark)
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    for row in v["rows"].as_array().unwrap() {
        assert_eq!(row["func_sec@1"], 1.0, "{row}");
    }
    let left = marked(&mark);
    assert!(
        left.is_empty(),
        "the agent's background child survived: {left:?}"
    );
    let orphan: String = db(&run)
        .query_row(
            "SELECT transcript FROM samples WHERE subject = 'agent:orphan'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(orphan.contains("left a child running"), "{orphan}");
    // The printer left the stub alone: its stdout was the answer.
    let (response, transcript): (String, String) = db(&run)
        .query_row(
            "SELECT response, transcript FROM samples WHERE subject = 'agent:printer'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(response.starts_with("Here it is"), "{response}");
    assert!(transcript.contains("the stub unchanged"), "{transcript}");
}

#[test]
fn bad_agent_configs_fail_before_any_work() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("secgap.toml");
    let check = |body: &str, expect: &[&str]| {
        std::fs::write(&cfg, body).unwrap();
        let run = tmp.path().join("never");
        let out = run_cmd(tmp.path(), &cfg, &["agent:bad"], "py-upload-read", 1, &run)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        for e in expect {
            assert!(err.contains(e), "`{e}` not in: {err}");
        }
        assert!(!run.exists(), "work started");
    };
    check(
        "[agents.bad]\ncommand = [\"x\", \"{prompt_fiel}\"]\n",
        &[
            "secgap.toml",
            "agent `bad`",
            "unknown placeholder {prompt_fiel}",
        ],
    );
    check(
        "[agents.bad]\npreset = \"gemini-cli\"\nupstream = \"openai:gpt-x\"\n",
        &["agent `bad`", "Gemini API"],
    );
    check(
        "[agents.bad]\npreset = \"codex\"\nupstream = \"openai:gpt-x\"\n",
        &["set the environment variable OPENAI_API_KEY"],
    );
    check(
        "[agents.bad]\npreset = \"aider\"\ntimeout = 3\n",
        &["secgap.toml:3", "timeout"],
    );
    check("", &["unknown agent `bad`", "claude-code"]);
    check(
        "[agents.bad]\ncommand = [\"secgap-no-such-agent\", \"{prompt}\"]\n",
        &["agent `bad`", "`secgap-no-such-agent` is not on PATH"],
    );
}

#[test]
fn subjects_list_and_config_schema_know_agents() {
    let _sandboxes = crate::support::shared_sandboxes();
    let out = secgap(Path::new("/nonexistent"))
        .args(["list", "subjects"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("agent:PRESET") && text.contains("agent:NAME"),
        "{text}"
    );
    let out = secgap(Path::new("/nonexistent"))
        .args(["schema", "config"])
        .output()
        .unwrap();
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema["properties"]["agents"].is_object(), "{schema}");
    let text = schema.to_string();
    for key in [
        "timeout_secs",
        "upstream",
        "claude-code",
        "gemini-cli",
        "read_only",
        "sandbox",
    ] {
        assert!(text.contains(key), "schema lacks {key}");
    }
}

#[test]
fn agents_answer_probes_through_the_proxy() {
    let _sandboxes = crate::support::shared_sandboxes();
    // Code prompts get the secure reference; probe prompts (they ask for an
    // `ANSWER:` line) get a letter answer.
    let code = crate::support::answers::secure_answers("Here it is");
    let server = FixtureServer::start(Script::answering(move |req: &Value| {
        let prompt = crate::support::fixture_server::prompt_text(req);
        if prompt.contains("ANSWER:") {
            "UNSAFE: 2\nANSWER: A, B".to_string()
        } else if prompt.contains("must an implementation of this get right") {
            "Keep every path inside the upload folder.".to_string()
        } else {
            (code.answer)(req)
        }
    }));
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("secgap.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[agents.scripted]
{}
upstream = "openai-compat:{}/v1#fixture-model"

[agents.scripted.env]
OPENAI_BASE_URL = "{{openai_base_url}}"
OPENAI_API_KEY = "{{proxy_key}}"
SCRIPTED_AGENT_MODE = "print-only"
"#,
            scripted_command(),
            server.base_url()
        ),
    )
    .unwrap();
    let run = tmp.path().join("run");
    let out = run_cmd(
        tmp.path(),
        &cfg,
        &["agent:scripted"],
        "py-upload-read",
        1,
        &run,
    )
    .args(["--levels", "1,2,3"])
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v = json(&out);
    // The code came back on stdout (the stub was left as it was) and passed.
    assert_eq!(v["rows"][0]["func_sec@1"], 1.0, "{v}");
    assert!(v["rows"][0]["understanding"].is_number(), "{v}");
    // identify, recognize and explain: each answered, each through the proxy
    // (one plain and one streamed call), graded where it can be.
    let conn = db(&run);
    let (answered, graded, calls): (i64, i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), COUNT(grade),
                    (SELECT COUNT(*) FROM probe_calls WHERE status = 200 AND judge IS NULL)
             FROM probe_answers WHERE status = 'answered' AND subject = 'agent:scripted'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((answered, graded, calls), (3, 2, 6));
}
