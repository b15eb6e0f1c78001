//! Model subjects against a local fixture server that speaks the OpenAI
//! and Anthropic wire protocols: whole runs, streaming, the cache, and
//! fault injection (rate limits with Retry-After, 5xx, 529, timeouts,
//! truncated JSON, dropped connections, missing usage).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::fixture_server::{Behaviour, FixtureServer, Script};
use secgap::generate::provider::{self, Cache};
use secgap::plan::endpoint::{Endpoint, Protocol};
use serde_json::Value;

fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

fn secure_answers() -> Script {
    crate::support::answers::secure_answers("Voilà — the code ✓")
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
    // Answers from the cache cost nothing new and carry no price: the run
    // is not priced, not "$0".
    assert_eq!(v["run"]["cost_usd"], Value::Null, "{}", v["run"]);
    assert_eq!(v["run"]["priced_calls"], 0);
}

#[test]
fn openai_compatible_run_end_to_end() {
    let _sandboxes = crate::support::shared_sandboxes();
    run_against("openai-compat", false);
}

#[test]
fn openai_compatible_streaming_run() {
    let _sandboxes = crate::support::shared_sandboxes();
    run_against("openai-compat", true);
}

#[test]
fn anthropic_run_end_to_end() {
    let _sandboxes = crate::support::shared_sandboxes();
    run_against("anthropic-compat", false);
}

#[test]
fn anthropic_streaming_run() {
    let _sandboxes = crate::support::shared_sandboxes();
    run_against("anthropic-compat", true);
}

fn endpoint(server: &FixtureServer, protocol: Protocol, stream: bool) -> Endpoint {
    let mut ep = Endpoint::new(
        protocol,
        &format!("{}/v1", server.base_url()),
        "fixture-model",
    );
    ep.api_key = Some("test-key".into());
    ep.stream = stream;
    ep.max_tokens = 256;
    ep.request_timeout = Duration::from_millis(1500);
    ep
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
    let _sandboxes = crate::support::shared_sandboxes();
    for protocol in [Protocol::OpenAi, Protocol::Anthropic] {
        let server = FixtureServer::start(Script::default().with_queue(vec![
            status(429, &[("retry-after", "1")]),
            status(500, &[("retry-after-ms", "50")]),
            status(529, &[("retry-after-ms", "50")]),
            Behaviour::Answer,
        ]));
        let ep = endpoint(&server, protocol, false);
        let started = Instant::now();
        let c = provider::complete(&ep, None, "hello", 0).unwrap();
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
fn idle_timeout_and_ceiling_are_separate_limits() {
    let _sandboxes = crate::support::shared_sandboxes();
    // A slow but steady stream outlasts the idle timeout several times over
    // and still succeeds: every event resets it.
    let server = FixtureServer::start(
        Script::default().with_queue(vec![Behaviour::Trickle(Duration::from_millis(400))]),
    );
    let mut ep = endpoint(&server, Protocol::OpenAi, true);
    ep.idle_timeout = Duration::from_millis(900);
    ep.request_timeout = Duration::from_secs(30);
    ep.max_attempts = 1;
    let started = Instant::now();
    let c = provider::complete(&ep, None, "hello", 0).unwrap();
    let took = started.elapsed();
    assert!(!c.text.is_empty());
    assert!(took > Duration::from_millis(1600), "{took:?}");

    // The same stream against a ceiling shorter than it is cut at the ceiling.
    let server = FixtureServer::start(
        Script::default().with_queue(vec![Behaviour::Trickle(Duration::from_millis(400))]),
    );
    let mut ep = endpoint(&server, Protocol::Anthropic, true);
    ep.idle_timeout = Duration::from_secs(30);
    ep.request_timeout = Duration::from_millis(1000);
    ep.max_attempts = 1;
    let e = provider::complete(&ep, None, "hello", 0).unwrap_err();
    let error = e.calls[0].error.clone().unwrap();
    assert!(error.contains("passed its 1.0 s ceiling"), "{error}");

    // A plain request is one long silence: the idle timeout cuts it and
    // says what to raise.
    let server = FixtureServer::start(
        Script::default().with_queue(vec![Behaviour::Slow(Duration::from_secs(3))]),
    );
    let mut ep = endpoint(&server, Protocol::OpenAi, false);
    ep.idle_timeout = Duration::from_millis(500);
    ep.request_timeout = Duration::from_secs(30);
    ep.max_attempts = 1;
    let started = Instant::now();
    let e = provider::complete(&ep, None, "hello", 0).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let error = e.calls[0].error.clone().unwrap();
    assert!(
        error.contains("no byte from the server for 0.5 s") && error.contains("--idle-timeout"),
        "{error}"
    );
}

#[test]
fn timeouts_truncation_drops_and_missing_usage() {
    let _sandboxes = crate::support::shared_sandboxes();
    for stream in [false, true] {
        let server = FixtureServer::start(Script::default().with_queue(vec![
            Behaviour::Slow(Duration::from_secs(3)),
            Behaviour::TruncatedJson,
            Behaviour::Drop,
            Behaviour::NoUsage,
        ]));
        let mut ep = endpoint(&server, Protocol::OpenAi, stream);
        ep.request_timeout = Duration::from_millis(700);
        let c = provider::complete(&ep, None, "hello", 0).unwrap();
        assert_eq!(c.calls.len(), 4, "{:?}", c.calls);
        assert!(c.calls[..3].iter().all(|c| c.error.is_some()));
        assert!(
            c.calls[0]
                .error
                .as_deref()
                .unwrap()
                .contains("no answer within the time left for this request (0.7 s"),
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
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(Script::default().with_queue(vec![
        status(400, &[]),
        status(503, &[("retry-after-ms", "10")]),
    ]));
    let tmp = tempfile::tempdir().unwrap();
    let cache = Cache {
        dir: tmp.path().to_path_buf(),
    };
    let ep = endpoint(&server, Protocol::OpenAi, false);
    let e = provider::complete(&ep, Some(&cache), "x", 0).unwrap_err();
    assert_eq!(e.calls.len(), 1);
    assert!(e.message.contains("HTTP 400"));
    assert_eq!(cache.stats().0, 0, "an error was cached");
    // Next: 503 then an answer, which is cached; the same request again is a hit.
    let c = provider::complete(&ep, Some(&cache), "x", 0).unwrap();
    assert_eq!(c.calls.len(), 2);
    assert_eq!(cache.stats().0, 1);
    let hit = provider::complete(&ep, Some(&cache), "x", 0).unwrap();
    assert!(hit.calls[0].cached);
    assert_eq!(hit.text, c.text);
    // Another sample index is another sample: a new request.
    let before = server.request_count();
    provider::complete(&ep, Some(&cache), "x", 1).unwrap();
    assert_eq!(server.request_count(), before + 1);
}

#[test]
fn a_failing_sample_leaves_the_others_and_resume_finishes_it() {
    let _sandboxes = crate::support::shared_sandboxes();
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
    let _sandboxes = crate::support::shared_sandboxes();
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

#[test]
fn config_file_subject_parameters_headers_and_cost() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("secgap.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"
[subjects.fixture]
provider = "openai-compat"
base_url = "{}/v1"
model = "fixture-model"
api_key_env = "SECGAP_TEST_KEY"
temperature = 0.25
top_p = 0.9
max_tokens = 512
seed = 100
stop = ["<END>"]
reasoning_effort = "low"
headers = {{ "x-team" = "appsec" }}

[subjects.fixture.price]
input = 2.0
output = 8.0
cached_input = 1.0
"#,
            server.base_url()
        ),
    )
    .unwrap();
    // The key variable named in the config is required before any work.
    let out = secgap(&tmp.path().join("cache"))
        .args(["--subject", "fixture", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(tmp.path().join("nokey"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SECGAP_TEST_KEY"));
    assert_eq!(server.request_count(), 0);

    let out = secgap(&tmp.path().join("cache"))
        .env("SECGAP_TEST_KEY", "sk-test")
        .args(["-n", "2", "--subject", "fixture", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(tmp.path().join("run"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["rows"][0]["func_sec@1"], 1.0);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    let mut seeds: Vec<u64> = reqs
        .iter()
        .map(|r| r.body["seed"].as_u64().unwrap())
        .collect();
    seeds.sort();
    assert_eq!(seeds, vec![100, 100, 101, 101]);
    for r in &reqs {
        assert_eq!(r.body["temperature"], 0.25);
        assert_eq!(r.body["top_p"], 0.9);
        assert_eq!(r.body["max_tokens"], 512);
        assert_eq!(r.body["stop"], serde_json::json!(["<END>"]));
        assert_eq!(r.body["reasoning_effort"], "low");
        assert_eq!(r.header("x-team"), Some("appsec"));
        assert_eq!(r.header("authorization"), Some("Bearer sk-test"));
    }
    // Cost: the fixture reports no cached tokens, so input * 2 + output * 8 per million.
    let db = rusqlite::Connection::open(tmp.path().join("run/run.sqlite")).unwrap();
    let (expected, stored): (f64, f64) = db
        .query_row(
            "SELECT SUM((input_tokens * 2.0 + output_tokens * 8.0) / 1e6), SUM(cost_usd) FROM model_calls",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        expected > 0.0 && (expected - stored).abs() < 1e-12,
        "{expected} vs {stored}"
    );
    assert!((v["run"]["cost_usd"].as_f64().unwrap() - stored).abs() < 1e-12);
    // The key never reaches the run database.
    let leaked: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM meta WHERE value LIKE '%sk-test%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaked, 0);
}

#[test]
fn bad_config_names_file_and_line() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("secgap.toml");
    std::fs::write(
        &cfg,
        "[subjects.a]\nprovider = \"openai-compat\"\nmodel = \"m\"\nbase_url = \"http://127.0.0.1:9/v1\"\ntemprature = 0.3\n",
    )
    .unwrap();
    let out = secgap(&tmp.path().join("cache"))
        .args(["--subject", "a", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("secgap.toml:5") && err.contains("temprature"),
        "{err}"
    );
}

#[test]
fn price_cost_counts_cached_input() {
    let _sandboxes = crate::support::shared_sandboxes();
    let p = secgap::plan::endpoint::Price {
        input: 3.0,
        output: 15.0,
        cached_input: Some(0.3),
    };
    let u = secgap::generate::provider::Usage {
        input: Some(1_000_000),
        output: Some(100_000),
        cached: Some(500_000),
        reasoning: None,
    };
    assert!((p.cost(&u).unwrap() - (1.5 + 0.15 + 1.5)).abs() < 1e-12);
    assert_eq!(p.cost(&secgap::generate::provider::Usage::default()), None);
}

fn priced_config(dir: &Path, server: &FixtureServer) -> PathBuf {
    let cfg = dir.join("secgap.toml");
    std::fs::write(
        &cfg,
        format!(
            "[subjects.fixture]\nprovider = \"openai-compat\"\nbase_url = \"{}/v1\"\nmodel = \"fixture-model\"\n\n[subjects.fixture.price]\ninput = 1.0\noutput = 1.0\n",
            server.base_url()
        ),
    )
    .unwrap();
    cfg
}

#[test]
fn budget_stops_new_calls_and_the_run_resumes() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let cfg = priced_config(tmp.path(), &server);
    let run = tmp.path().join("run");
    // Any answered call costs more than a millionth of a dollar.
    let out = secgap(&tmp.path().join("cache"))
        .args([
            "-n",
            "2",
            "--gen-jobs",
            "1",
            "--budget",
            "0.000001",
            "--subject",
            "fixture",
            "--config",
        ])
        .arg(&cfg)
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(
        server.request_count(),
        1,
        "calls were started past the budget"
    );
    assert_eq!(v["run"]["generation_errors"], 3);
    assert_eq!(v["rows"][0]["samples"], 1);
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .env("SECGAP_CACHE_DIR", tmp.path().join("cache"))
        .args(["resume", "--json", "--budget", "100"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out);
    assert_eq!(v["rows"][0]["samples"], 4);
    assert_eq!(v["rows"][0]["func_sec@1"], 1.0);
    assert_eq!(server.request_count(), 4);
}

#[test]
fn concurrent_requests_stay_within_gen_jobs() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers().with_latency(Duration::from_millis(250)));
    let tmp = tempfile::tempdir().unwrap();
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let started = Instant::now();
    let out = secgap(&tmp.path().join("cache"))
        .args(["-n", "6", "--gen-jobs", "3", "--subject", &subject, "--out"])
        .arg(tmp.path().join("run"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.request_count(), 12);
    let peak = server.max_concurrent();
    assert!((2..=3).contains(&peak), "peak concurrency {peak}");
    // 12 requests of 250 ms, 3 at a time, cannot take less than 1 s.
    assert!(started.elapsed() >= Duration::from_secs(1));
}

/// An OpenAI answer body, for fixture responses that need headers.
fn openai_answer() -> String {
    serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "fixture-model",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    })
    .to_string()
}

#[test]
fn a_burst_of_429s_halves_concurrency_once_and_holds_every_worker() {
    let _sandboxes = crate::support::shared_sandboxes();
    use secgap::generate::limiter::Limiter;
    let mut queue = vec![status(429, &[("retry-after", "1")]); 16];
    queue.push(Behaviour::Answer);
    let server = FixtureServer::start(
        Script::default()
            .with_queue(queue)
            .with_latency(Duration::from_millis(100)),
    );
    let ep = endpoint(&server, Protocol::OpenAi, false);
    let limiter = Limiter::new(&server.base_url(), 16);
    std::thread::scope(|s| {
        for i in 0..16 {
            let (ep, limiter) = (&ep, &limiter);
            s.spawn(move || {
                let ctx = provider::CallCtx {
                    limiter: Some(limiter),
                    deadline: None,
                };
                let c = provider::complete_with(ep, None, &[provider::Message::user("hi")], i, ctx)
                    .unwrap();
                assert_eq!(c.calls.len(), 2, "{:?}", c.calls);
                assert_eq!(c.calls[0].status, Some(429));
            });
        }
    });
    let view = limiter.view();
    assert_eq!(view.cuts, 1, "one round trip of 429s is one cut: {view:?}");
    assert!(view.limit < 16, "{view:?}");
    assert_eq!(view.retries, 16);
    let mut at: Vec<Instant> = server.requests().iter().map(|r| r.at).collect();
    at.sort();
    assert_eq!(at.len(), 32);
    // No retry went out before the Retry-After of the first 429 had passed.
    let first_answer = at[0] + Duration::from_millis(100);
    assert!(at[16] >= first_answer + Duration::from_millis(990));
    // The retries ran at most 8 at a time: the 9th waited for a slot.
    assert!(
        at[24].duration_since(at[16]) >= Duration::from_millis(90),
        "retries were not limited: {:?}",
        at[24].duration_since(at[16])
    );
}

#[test]
fn exhausted_rate_limit_headers_hold_the_next_request() {
    let _sandboxes = crate::support::shared_sandboxes();
    // OpenAI style: a good answer that says no requests are left for 800 ms.
    let server = FixtureServer::start(Script::default().with_queue(vec![Behaviour::Status {
        code: 200,
        headers: vec![
            ("x-ratelimit-remaining-requests".into(), "0".into()),
            ("x-ratelimit-reset-requests".into(), "800ms".into()),
        ],
        body: Some(openai_answer()),
    }]));
    let ep = endpoint(&server, Protocol::OpenAi, false);
    let limiter = secgap::generate::limiter::Limiter::new("x", 4);
    let ctx = provider::CallCtx {
        limiter: Some(&limiter),
        deadline: None,
    };
    assert_eq!(
        provider::complete_with(&ep, None, &[provider::Message::user("a")], 0, ctx)
            .unwrap()
            .text,
        "ok"
    );
    provider::complete_with(&ep, None, &[provider::Message::user("b")], 0, ctx).unwrap();
    let reqs = server.requests();
    assert!(reqs[1].at.duration_since(reqs[0].at) >= Duration::from_millis(790));

    // Anthropic style: a 429 without Retry-After whose reset time is an RFC 3339 stamp.
    let reset = humantime::format_rfc3339_millis(
        std::time::SystemTime::now() + Duration::from_millis(1500),
    )
    .to_string();
    let server = FixtureServer::start(Script::default().with_queue(vec![status(
        429,
        &[
            ("anthropic-ratelimit-requests-remaining", "0"),
            ("anthropic-ratelimit-requests-reset", &reset),
        ],
    )]));
    let ep = endpoint(&server, Protocol::Anthropic, false);
    let limiter = secgap::generate::limiter::Limiter::new("y", 4);
    let ctx = provider::CallCtx {
        limiter: Some(&limiter),
        deadline: None,
    };
    let started = Instant::now();
    let c = provider::complete_with(&ep, None, &[provider::Message::user("a")], 0, ctx).unwrap();
    assert_eq!(c.calls.len(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(1300),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn the_per_sample_time_limit_stops_retrying() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(
        Script::default().with_default(status(503, &[("retry-after-ms", "300")])),
    );
    let ep = endpoint(&server, Protocol::OpenAi, false);
    let started = Instant::now();
    let ctx = provider::CallCtx {
        limiter: None,
        deadline: Some(started + Duration::from_secs(1)),
    };
    let e =
        provider::complete_with(&ep, None, &[provider::Message::user("a")], 0, ctx).unwrap_err();
    assert!(started.elapsed() < Duration::from_millis(1400));
    assert!(e.message.contains("per-sample time limit"), "{}", e.message);
    assert!(
        e.calls.len() >= 2 && e.calls.len() <= 4,
        "{:?}",
        e.calls.len()
    );
    assert!(e.calls.iter().all(|c| c.status == Some(503)));

    // Through the command line: a model slower than --sample-timeout is a
    // generation error, and the run says how to retry it.
    let server = FixtureServer::start(
        secure_answers().with_default(Behaviour::Slow(Duration::from_secs(10))),
    );
    let tmp = tempfile::tempdir().unwrap();
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let started = Instant::now();
    let out = secgap(&tmp.path().join("cache"))
        .args(["--tasks", "py-upload-read", "--sample-timeout", "1"])
        .args(["--subject", &subject, "--out"])
        .arg(tmp.path().join("run"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(started.elapsed() < Duration::from_secs(8));
    let db = rusqlite::Connection::open(tmp.path().join("run/run.sqlite")).unwrap();
    let err: String = db
        .query_row("SELECT error FROM samples", [], |r| r.get(0))
        .unwrap();
    assert!(err.contains("per-sample time limit"), "{err}");
}

/// The request bodies the fixture server received, parsed.
fn bodies(server: &FixtureServer) -> Vec<Value> {
    server
        .requests()
        .iter()
        .filter(|r| r.body.is_object())
        .map(|r| r.body.clone())
        .collect()
}

#[test]
fn temperature_is_sent_and_recorded_and_its_absence_is_said() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers());
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());

    // No temperature anywhere: none is sent, and the run says so.
    let out = secgap(&cache)
        .args(["--no-cache", "--subject", &subject, "--out"])
        .arg(tmp.path().join("plain"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no temperature sent (the server's default applies)"),
        "{stderr}"
    );
    assert!(bodies(&server)
        .iter()
        .all(|b| b.get("temperature").is_none()));

    // --temperature 0: sent with every request, stored with the run and
    // shown in its report.
    let before = server.request_count();
    let out = secgap(&cache)
        .args([
            "--no-cache",
            "--temperature",
            "0",
            "--subject",
            &subject,
            "--out",
        ])
        .arg(tmp.path().join("cold"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sent = &bodies(&server)[before..];
    assert!(!sent.is_empty());
    assert!(sent.iter().all(|b| b["temperature"] == 0.0), "{sent:?}");
    let store = secgap::store::Store::open(&tmp.path().join("cold").join("run.sqlite")).unwrap();
    let sampling: Value = serde_json::from_str(&store.meta("sampling").unwrap().unwrap()).unwrap();
    assert_eq!(sampling[&subject]["temperature"], 0.0);
    let report = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .arg("report")
        .arg(tmp.path().join("cold"))
        .output()
        .unwrap();
    assert!(
        report.status.success(),
        "{}",
        String::from_utf8_lossy(&report.stderr)
    );
    let summary =
        std::fs::read_to_string(tmp.path().join("cold").join("report").join("summary.md")).unwrap();
    assert!(
        summary.contains(&format!(
            "Sampling of `{subject}`: temperature 0, max_tokens"
        )),
        "{summary}"
    );

    // Out of range: refused before any work.
    let out = secgap(&cache)
        .args(["--temperature", "7", "--subject", &subject, "--out"])
        .arg(tmp.path().join("hot"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--temperature 7: use a value from 0 to 2")
    );
}

#[test]
fn idle_timeout_flag_cuts_a_silent_server_and_each_retry_is_logged() {
    let _sandboxes = crate::support::shared_sandboxes();
    // The first answer takes 4 s of silence, the rest come at once.
    let server = FixtureServer::start(
        secure_answers().with_queue(vec![Behaviour::Slow(Duration::from_secs(4))]),
    );
    let tmp = tempfile::tempdir().unwrap();
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let out = secgap(&tmp.path().join("cache"))
        .args([
            "--jobs",
            "1",
            "--gen-jobs",
            "1",
            "--idle-timeout",
            "1",
            "--subject",
            &subject,
            "--out",
        ])
        .arg(tmp.path().join("run"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // stderr is a pipe here, as in CI: the retry is a line of its own.
    assert!(
        stderr.contains("attempt 1 of 6 failed (no byte from the server for 1.0 s"),
        "{stderr}"
    );
    let store = secgap::store::Store::open(&tmp.path().join("run").join("run.sqlite")).unwrap();
    let calls = store.call_totals().unwrap();
    assert_eq!(calls.failed_attempts, 1);
}

#[test]
fn resume_keeps_the_runs_no_cache() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(secure_answers().with_queue(vec![status(400, &[])]));
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let out = secgap(&cache)
        .args(["--no-cache", "--jobs", "1", "--subject", &subject, "--out"])
        .arg(tmp.path().join("run"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .env("SECGAP_CACHE_DIR", &cache)
        .arg("resume")
        .arg(tmp.path().join("run"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("started with --no-cache"), "{stderr}");
    let cached = std::fs::read_dir(&cache).map(|d| d.count()).unwrap_or(0);
    assert_eq!(cached, 0, "resume wrote to the cache of a --no-cache run");
}
