//! The coding agents' sandbox, end to end with real bubblewrap and real
//! processes: a stand-in agent that spies (the scripted agent's `spy`
//! mode) tries to read the task's secure reference and tests from the
//! suite folder, a file planted in the home directory, the run folder and a
//! `.git` above its workspace, to connect to a loopback listener on the
//! host and to the model server directly, and to find any file holding the
//! planted secrets anywhere in reach. Sandboxed, every attempt fails, no
//! secret reaches the sample's response, transcript or any stored row, and
//! the same agent still gets its answer through the recording proxy. The
//! same spy with `sandbox = false` gets the secrets, which shows the
//! attempts are real. Also: without bubblewrap an agent run fails at once,
//! naming the fix.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::fixture_server::FixtureServer;
use serde_json::Value;

fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

fn agent_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scripted-agent/agent.py")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Everything stored in a run database, as text: every value of every
/// row of every table.
fn db_text(run: &Path) -> String {
    let conn = rusqlite::Connection::open(run.join("run.sqlite")).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut all = String::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let cols = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..cols {
                match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        all.push_str(&String::from_utf8_lossy(b));
                        all.push('\n');
                    }
                    _ => {}
                }
            }
        }
    }
    all
}

/// What the spy must not get, planted under a fresh temporary folder.
struct Planted {
    tmp: tempfile::TempDir,
    /// The prefix every secret starts with (the spy looks for it).
    pattern: String,
    /// (what, secret)
    secrets: Vec<(&'static str, String)>,
    suite: PathBuf,
    home: PathBuf,
    run: PathBuf,
    /// secgap's temporary folder, inside a git checkout.
    scratch: PathBuf,
    listener: u16,
    spy_env: Vec<(String, String)>,
}

fn plant() -> Planted {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let pattern = format!("SECRET-{}-{nanos:x}", std::process::id());
    let secret = |what: &str| format!("{pattern}-{what}-{:x}", nanos.rotate_left(7));
    let mut secrets = Vec::new();

    // The suite, with a secret in the task's secure reference and tests.
    let suite = t.join("suite");
    crate::support::copy_tree(&builtin(), &suite);
    let task = suite.join("tasks/py-upload-read");
    let reference = task.join("refs/secure.py");
    let tests = task.join("tests/test_task.py");
    for (what, file) in [("REF", &reference), ("TESTS", &tests)] {
        let s = secret(what);
        let mut text = std::fs::read_to_string(file).unwrap();
        text.push_str(&format!("\n# {s}\n"));
        std::fs::write(file, text).unwrap();
        secrets.push((what, s));
    }
    // The user's home.
    let home = t.join("home");
    std::fs::create_dir_all(home.join(".config")).unwrap();
    let home_secret = home.join(".config/secret.txt");
    std::fs::write(&home_secret, secret("HOME")).unwrap();
    secrets.push(("HOME", secret("HOME")));
    // Beside it, a file the agent's definition lets it read (`read_only`),
    // which its search of / must find.
    std::fs::write(
        home.join(".config/allowed.txt"),
        format!("{pattern}-ALLOWED"),
    )
    .unwrap();
    // The run folder, with a file of its own.
    let run = t.join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("notes.txt"), secret("RUN")).unwrap();
    secrets.push(("RUN", secret("RUN")));
    // A git checkout holding secgap's temporary folder (and so the
    // agent's workspace on the host).
    let checkout = t.join("checkout");
    std::fs::create_dir_all(checkout.join(".git")).unwrap();
    std::fs::write(checkout.join(".git/HEAD"), secret("GIT")).unwrap();
    secrets.push(("GIT", secret("GIT")));
    let scratch = checkout.join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    // A listener on the host's loopback that is not the proxy.
    let l = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let listener = l.local_addr().unwrap().port();
    let net_secret = secret("NET");
    secrets.push(("NET", net_secret.clone()));
    std::thread::spawn(move || {
        use std::io::Write;
        for mut c in l.incoming().flatten() {
            let _ = c.write_all(format!("HTTP/1.0 200 OK\r\n\r\n{net_secret}").as_bytes());
        }
    });

    let join = |ps: &[&Path]| {
        ps.iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(":")
    };
    // This checkout's own version history, as the agent's command names it.
    let repo_git = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.git");
    let spy_env = vec![
        (
            "SPY_READ".to_string(),
            join(&[
                &reference,
                &tests,
                &home_secret,
                &run.join("notes.txt"),
                &run.join("run.sqlite"),
                &checkout.join(".git/HEAD"),
                &repo_git,
            ]),
        ),
        (
            "SPY_LIST".to_string(),
            join(&[&suite, &task, &home, &run, &checkout, &scratch, &repo_git]),
        ),
        ("SPY_CONNECT".to_string(), format!("127.0.0.1:{listener}")),
    ];
    Planted {
        tmp,
        pattern,
        secrets,
        suite,
        home,
        run,
        scratch,
        listener,
        spy_env,
    }
}

/// `secgap run` of the spy on py-upload-read, through the proxy to
/// `server`; `sandbox` as given; `walk`: let it search all of / too.
fn run_spy(p: &Planted, server: &FixtureServer, sandbox: bool, walk: bool) -> Output {
    let cfg = p.tmp.path().join("secgap.toml");
    let script = agent_script();
    std::fs::write(
        &cfg,
        format!(
            r#"
[agents.spy]
command = ["python3", "{script}", "--prompt-file", "{{prompt_file}}", "--solution", "{{solution_file}}"]
read_only = ["{script}", "~/.config/allowed.txt"]
upstream = "openai-compat:{url}/v1#fixture-model"
sandbox = {sandbox}
timeout_secs = 120
price = {{ input = 1.0, output = 1.0 }}

[agents.spy.env]
OPENAI_BASE_URL = "{{openai_base_url}}"
OPENAI_API_KEY = "{{proxy_key}}"
SCRIPTED_AGENT_MODE = "spy"
"#,
            script = script.display(),
            url = server.base_url()
        ),
    )
    .unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_secgap"));
    c.env("SECGAP_CACHE_DIR", p.tmp.path().join("cache"))
        .env("HOME", &p.home)
        .env("TMPDIR", &p.scratch)
        // The upstream's key, read by secgap (the agent gets the proxy's).
        .env("OPENAI_API_KEY", "sk-upstream")
        .env_remove("SECGAP_SUITE")
        .env_remove("SCRIPTED_AGENT_MODE")
        .env_remove("OPENAI_BASE_URL")
        .envs(p.spy_env.iter().cloned());
    // The model server right there on the host's loopback: the spy tries
    // it directly too.
    c.env(
        "SPY_CONNECT",
        format!("127.0.0.1:{},127.0.0.1:{}", p.listener, server.port()),
    );
    if walk {
        c.env("SPY_PATTERN", &p.pattern);
    }
    c.arg("run")
        .arg("--suite")
        .arg(&p.suite)
        .args([
            "--tasks",
            "py-upload-read",
            "-n",
            "1",
            "--json",
            "--subject",
            "agent:spy",
        ])
        .arg("--config")
        .arg(&cfg)
        .arg("--out")
        .arg(&p.run)
        .output()
        .unwrap()
}

fn sample(run: &Path) -> (String, Option<i64>, String, String) {
    rusqlite::Connection::open(run.join("run.sqlite"))
        .unwrap()
        .query_row(
            "SELECT status, func_sec, response, transcript FROM samples",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

fn access(run: &Path) -> Value {
    let config: String = rusqlite::Connection::open(run.join("run.sqlite"))
        .unwrap()
        .query_row("SELECT value FROM meta WHERE key = 'config'", [], |r| {
            r.get(0)
        })
        .unwrap();
    serde_json::from_str::<Value>(&config).unwrap()["agent_access"]["agent:spy"].clone()
}

#[test]
fn a_sandboxed_agent_reaches_nothing_but_its_workspace_and_the_proxy() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(crate::support::answers::secure_answers("Here it is"));
    let p = plant();
    let out = run_spy(&p, &server, true, true);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");

    // The agent still did its job through the proxy: scored, and both its
    // model calls recorded with usage and cost.
    let (status, func_sec, response, transcript) = sample(&p.run);
    assert_eq!(status, "scored", "{transcript}");
    assert_eq!(func_sec, Some(1), "{response}\n{transcript}");
    let conn = rusqlite::Connection::open(p.run.join("run.sqlite")).unwrap();
    let good: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM model_calls WHERE status = 200 AND error IS NULL
             AND input_tokens > 0 AND output_tokens > 0 AND cost_usd > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(good, 2, "{transcript}");
    // The model server saw those two calls only, with the real key: the
    // spy's direct connection never arrived.
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    for r in &reqs {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/v1/chat/completions")
        );
        assert_eq!(r.header("authorization"), Some("Bearer sk-upstream"));
    }

    // Every attempt was made, and failed.
    let attempts: Vec<&str> = transcript
        .lines()
        .filter(|l| l.starts_with("spy: ") && !l.starts_with("spy: walked"))
        .collect();
    // 7 reads, 7 listings, 2 connections, and .git at /workspace and /.
    assert_eq!(attempts.len(), 7 + 7 + 2 + 2, "{transcript}");
    for a in &attempts {
        assert!(a.contains(": failed ("), "not contained: {a}");
    }
    // Its search of / found the one file it may read, where its home is.
    assert!(
        transcript.contains("spy: walked /: 1 file(s) holding the pattern"),
        "{transcript}"
    );
    assert!(
        response.contains("/home/agent/.config/allowed.txt: b'SECRET-"),
        "{response}"
    );
    // No secret anywhere: response, transcript, every stored row, the
    // files secgap wrote, what it printed.
    let stored = db_text(&p.run);
    let printed = format!("{}{err}", String::from_utf8_lossy(&out.stdout));
    for (what, s) in &p.secrets {
        assert!(!response.contains(s), "{what} in the response");
        assert!(!transcript.contains(s), "{what} in the transcript");
        assert!(!stored.contains(s), "{what} in the run database");
        assert!(!printed.contains(s), "{what} in secgap's output");
    }
    for e in walk(&p.run) {
        if e.file_name().is_some_and(|n| n == "notes.txt") {
            continue;
        }
        let bytes = std::fs::read(&e).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for (what, s) in &p.secrets {
            assert!(!text.contains(s), "{what} in {}", e.display());
        }
    }
    // The run says what the agent could reach, and nothing was left behind.
    assert_eq!(
        access(&p.run),
        serde_json::json!({"sandboxed": true, "network": "proxy-only"})
    );
    assert!(!err.contains("WITHOUT a sandbox"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&p.scratch).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_same_spy_unsandboxed_gets_the_secrets_and_the_run_says_so() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(crate::support::answers::secure_answers("Here it is"));
    let p = plant();
    // No walk of / here: unsandboxed, that is the whole host.
    let out = run_spy(&p, &server, false, false);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("agent `spy` runs WITHOUT a sandbox"), "{err}");
    let (status, _, response, transcript) = sample(&p.run);
    assert_eq!(status, "scored", "{transcript}");
    // What the sandbox keeps from it, unsandboxed it gets.
    for (what, s) in &p.secrets {
        assert!(
            transcript.contains(s) && response.contains(s),
            "{what} not got unsandboxed:\n{transcript}"
        );
    }
    assert_eq!(
        access(&p.run),
        serde_json::json!({"sandboxed": false, "network": "host"})
    );
}

#[test]
fn without_bubblewrap_an_agent_run_fails_at_once_naming_the_fix() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("secgap.toml");
    std::fs::write(
        &cfg,
        "[agents.a]\ncommand = [\"/bin/true\"]\nupstream = \"openai-compat:http://127.0.0.1:9/v1#m\"\n",
    )
    .unwrap();
    let run = tmp.path().join("run");
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .env("SECGAP_CACHE_DIR", tmp.path().join("cache"))
        .env("SECGAP_BWRAP", tmp.path().join("no-bwrap-here"))
        .arg("run")
        .arg("--suite")
        .arg(builtin())
        .args([
            "--tasks",
            "py-upload-read",
            "--subject",
            "agent:a",
            "--config",
        ])
        .arg(&cfg)
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for want in [
        "agent `a` runs in a bubblewrap sandbox",
        "apt-get install bubblewrap",
        "`sandbox = false` in [agents.a]",
    ] {
        assert!(err.contains(want), "`{want}` not in: {err}");
    }
    assert!(!run.join("run.sqlite").exists());
}
