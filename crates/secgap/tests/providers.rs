//! Model subjects against a local fixture server that speaks the OpenAI
//! and Anthropic wire protocols: whole runs, streaming, the cache, and
//! fault injection (rate limits with Retry-After, 5xx, 529, timeouts,
//! truncated JSON, dropped connections, missing usage).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use secgap::provider::{self, Cache, Endpoint, Protocol};
use serde_json::Value;
use support::fixture_server::{prompt_text, Behaviour, FixtureServer, Script};

fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

/// Answers every prompt with the secure reference of the task it asks for.
fn secure_answers() -> Script {
    let refs: Vec<(&str, &str, String)> = [
        ("read_upload", "python", "py-upload-read/refs/secure.py"),
        ("format_greeting", "c", "c-copy-username/refs/secure.c"),
    ]
    .iter()
    .map(|(name, tag, path)| {
        (
            *name,
            *tag,
            std::fs::read_to_string(builtin().join("tasks").join(path)).unwrap(),
        )
    })
    .collect();
    Script::answering(move |req: &Value| {
        let prompt = prompt_text(req);
        for (name, tag, code) in &refs {
            if prompt.contains(name) {
                return format!("Voilà — the code ✓\n\n```{tag}\n{code}\n```\n");
            }
        }
        "I do not know this task.".to_string()
    })
}

fn secgap(cache: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secgap"));
    c.env("SECGAP_CACHE_DIR", cache)
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .arg("run")
        .arg("--suite")
        .arg(builtin())
        .args(["--tasks", "py-upload-read,c-copy-username", "--json"]);
    c
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn run_against(kind: &str, stream: bool) {
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let subject = format!("{kind}:{}/v1#fixture-model", server.base_url());
    let mut cmd = secgap(&cache);
    cmd.args(["-n", "2", "--subject", &subject, "--out"])
        .arg(tmp.path().join("a"));
    if stream {
        cmd.arg("--stream");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    let row = &v["rows"][0];
    assert_eq!(row["func_sec@1"], 1.0, "{v}");
    assert_eq!(v["run"]["model_calls"], 4);
    assert_eq!(v["run"]["cached_calls"], 0);
    assert_eq!(server.request_count(), 4);
    // Each request went to the right path with the model name and the prompt.
    for r in server.requests() {
        assert_eq!(r.body["model"], "fixture-model");
        assert_eq!(r.body["stream"].as_bool().unwrap_or(false), stream);
        if kind.starts_with("anthropic") {
            assert!(r.path.ends_with("/v1/messages"), "{}", r.path);
            assert!(r.header("anthropic-version").is_some());
        } else {
            assert!(r.path.ends_with("/v1/chat/completions"), "{}", r.path);
        }
    }
    // The run database holds every call with its request, response and usage.
    let db = rusqlite::Connection::open(tmp.path().join("a/run.sqlite")).unwrap();
    let (calls, with_usage, with_request): (i64, i64, i64) = db
        .query_row(
            "SELECT COUNT(*), SUM(input_tokens > 0 AND output_tokens > 0), SUM(request LIKE '%fixture-model%' AND length(response) > 0) FROM model_calls",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((calls, with_usage, with_request), (4, 4, 4));
    // The same plan again: every answer from the cache, no request.
    let mut cmd = secgap(&cache);
    cmd.args(["-n", "2", "--subject", &subject, "--out"])
        .arg(tmp.path().join("b"));
    if stream {
        cmd.arg("--stream");
    }
    let v = json(&cmd.output().unwrap());
    assert_eq!(v["rows"][0]["func_sec@1"], 1.0);
    assert_eq!(v["run"]["cached_calls"], 4);
    assert_eq!(server.request_count(), 4, "a cached re-run made requests");
}

#[test]
fn openai_compatible_run_end_to_end() {
    run_against("openai-compat", false);
}

#[test]
fn openai_compatible_streaming_run() {
    run_against("openai-compat", true);
}

#[test]
fn anthropic_run_end_to_end() {
    run_against("anthropic-compat", false);
}

#[test]
fn anthropic_streaming_run() {
    run_against("anthropic-compat", true);
}

fn endpoint(server: &FixtureServer, protocol: Protocol, stream: bool) -> Endpoint {
    Endpoint {
        protocol,
        base_url: format!("{}/v1", server.base_url()),
        model: "fixture-model".into(),
        api_key: Some("test-key".into()),
        stream,
        max_tokens: 256,
        temperature: None,
        request_timeout: Duration::from_millis(1500),
        max_attempts: 6,
    }
}

fn status(code: u16, headers: &[(&str, &str)]) -> Behaviour {
    Behaviour::Status {
        code,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: None,
    }
}

#[test]
fn retries_honour_retry_after_and_are_recorded() {
    for protocol in [Protocol::OpenAi, Protocol::Anthropic] {
        let server = FixtureServer::start(Script::default().with_queue(vec![
            status(429, &[("retry-after", "1")]),
            status(500, &[("retry-after-ms", "50")]),
            status(529, &[("retry-after-ms", "50")]),
            Behaviour::Answer,
        ]));
        let ep = endpoint(&server, protocol, false);
        let started = Instant::now();
        let c = provider::complete(&provider::agent(), &ep, None, "hello", 0).unwrap();
        let took = started.elapsed();
        assert!(!c.text.is_empty());
        assert_eq!(server.request_count(), 4);
        let statuses: Vec<Option<u16>> = c.calls.iter().map(|c| c.status).collect();
        assert_eq!(statuses, vec![Some(429), Some(500), Some(529), Some(200)]);
        let waits: Vec<Option<u64>> = c.calls.iter().map(|c| c.retry_after_ms).collect();
        assert_eq!(waits, vec![Some(1000), Some(50), Some(50), None]);
        // The second request came no sooner than Retry-After allowed.
        let reqs = server.requests();
        assert!(reqs[1].at.duration_since(reqs[0].at) >= Duration::from_millis(1000));
        assert!(took >= Duration::from_millis(1100), "{took:?}");
    }
}

#[test]
fn timeouts_truncation_drops_and_missing_usage() {
    for stream in [false, true] {
        let server = FixtureServer::start(Script::default().with_queue(vec![
            Behaviour::Slow(Duration::from_secs(3)),
            Behaviour::TruncatedJson,
            Behaviour::Drop,
            Behaviour::NoUsage,
        ]));
        let mut ep = endpoint(&server, Protocol::OpenAi, stream);
        ep.request_timeout = Duration::from_millis(700);
        let c = provider::complete(&provider::agent(), &ep, None, "hello", 0).unwrap();
        assert_eq!(c.calls.len(), 4, "{:?}", c.calls);
        assert!(c.calls[..3].iter().all(|c| c.error.is_some()));
        assert!(
            c.calls[0].error.as_deref().unwrap().contains("transport"),
            "{:?}",
            c.calls[0]
        );
        let last = &c.calls[3];
        assert!(last.error.is_none());
        assert_eq!(last.usage.input, None);
        assert_eq!(last.usage.output, None);
        assert!(!c.text.is_empty());
    }
}

#[test]
fn client_errors_are_not_retried_and_errors_are_not_cached() {
    let server = FixtureServer::start(Script::default().with_queue(vec![
        status(400, &[]),
        status(503, &[("retry-after-ms", "10")]),
    ]));
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache {
        dir: tmp.path().to_path_buf(),
    };
    let ep = endpoint(&server, Protocol::OpenAi, false);
    let e = provider::complete(&provider::agent(), &ep, Some(&cache), "x", 0).unwrap_err();
    assert_eq!(e.calls.len(), 1);
    assert!(e.message.contains("HTTP 400"));
    assert_eq!(cache.stats().0, 0, "an error was cached");
    // Next: 503 then an answer, which is cached; the same request again is a hit.
    let c = provider::complete(&provider::agent(), &ep, Some(&cache), "x", 0).unwrap();
    assert_eq!(c.calls.len(), 2);
    assert_eq!(cache.stats().0, 1);
    let hit = provider::complete(&provider::agent(), &ep, Some(&cache), "x", 0).unwrap();
    assert!(hit.calls[0].cached);
    assert_eq!(hit.text, c.text);
    // Another sample index is another sample: a new request.
    let before = server.request_count();
    provider::complete(&provider::agent(), &ep, Some(&cache), "x", 1).unwrap();
    assert_eq!(server.request_count(), before + 1);
}

#[test]
fn a_failing_sample_leaves_the_others_and_resume_finishes_it() {
    // The first request gets a 400 (not retried): that sample has no answer.
    let server = FixtureServer::start(secure_answers().with_queue(vec![status(400, &[])]));
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let out = secgap(&cache)
        .args(["-n", "2", "--jobs", "1", "--subject", &subject, "--out"])
        .arg(tmp.path().join("run"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["run"]["generation_errors"], 1);
    assert_eq!(v["rows"][0]["samples"], 3);
    assert_eq!(v["rows"][0]["func_sec@1"], 1.0);
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .env("SECGAP_CACHE_DIR", &cache)
        .arg("resume")
        .arg(tmp.path().join("run"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["run"]["generation_errors"], 0);
    assert_eq!(v["run"]["executed_now"], 1);
    assert_eq!(v["rows"][0]["samples"], 4);
    // 4 answered requests in all, plus the one that failed.
    assert_eq!(server.request_count(), 5);
}

#[test]
fn missing_api_key_fails_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let out = secgap(&tmp.path().join("cache"))
        .args(["--subject", "openai:gpt-test", "--out"])
        .arg(tmp.path().join("run"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("set the environment variable OPENAI_API_KEY"));
    assert!(
        !tmp.path().join("run").exists(),
        "work started despite the missing key"
    );
}
