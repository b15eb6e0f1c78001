//! Self-test of the provider fixture server (tests/it/support/fixture_server.rs),
//! driven by a raw HTTP/1.1 client over std's TcpStream.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use crate::support::fixture_server::*;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// A raw client

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    /// The decoded body.
    body: Vec<u8>,
    /// The HTTP chunks of a chunked body, as sent.
    chunks: Vec<Vec<u8>>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("body is JSON")
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("body is UTF-8")
    }
}

/// Send raw bytes, read until the server closes.
fn exchange(port: u16, request: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .expect("server closes the connection");
    raw
}

fn request_bytes(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut r = r.into_bytes();
    r.extend_from_slice(body);
    r
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse(raw: &[u8]) -> Resp {
    let end = find(raw, b"\r\n\r\n").expect("complete head");
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
    let status = status_line[9..12].parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let mut resp = Resp {
        status,
        headers,
        body: Vec::new(),
        chunks: Vec::new(),
    };
    if chunked {
        let mut pos = 0;
        loop {
            let eol = pos + find(&rest[pos..], b"\r\n").expect("chunk size line");
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[pos..eol]).unwrap(), 16).unwrap();
            pos = eol + 2;
            if size == 0 {
                assert_eq!(&rest[pos..], b"\r\n", "chunked body terminated");
                break;
            }
            let data = rest[pos..pos + size].to_vec();
            assert_eq!(&rest[pos + size..pos + size + 2], b"\r\n");
            pos += size + 2;
            resp.body.extend_from_slice(&data);
            resp.chunks.push(data);
        }
    } else {
        let n: usize = resp
            .header("content-length")
            .expect("content-length")
            .parse()
            .unwrap();
        assert_eq!(rest.len(), n, "body length matches Content-Length");
        resp.body = rest.to_vec();
    }
    resp
}

fn post(port: u16, path: &str, headers: &[(&str, &str)], body: &Value) -> Resp {
    let mut h = vec![("Content-Type", "application/json")];
    h.extend_from_slice(headers);
    parse(&exchange(
        port,
        &request_bytes("POST", path, &h, body.to_string().as_bytes()),
    ))
}

fn openai(port: u16, body: &Value) -> Resp {
    post(
        port,
        "/v1/chat/completions",
        &[("Authorization", "Bearer sk-test")],
        body,
    )
}

fn anthropic(port: u16, body: &Value) -> Resp {
    post(
        port,
        "/v1/messages",
        &[
            ("x-api-key", "sk-ant-test"),
            ("anthropic-version", "2023-06-01"),
        ],
        body,
    )
}

fn chat(prompt: &str) -> Value {
    json!({"model": "fixture-model", "messages": [{"role": "user", "content": prompt}]})
}

/// SSE events of a body: (event name, data).
fn sse_events(body: &str) -> Vec<(Option<String>, String)> {
    body.split("\n\n")
        .filter(|e| !e.is_empty())
        .map(|e| {
            let mut name = None;
            let mut data = String::new();
            for line in e.lines() {
                if let Some(n) = line.strip_prefix("event: ") {
                    name = Some(n.to_string());
                } else if let Some(d) = line.strip_prefix("data: ") {
                    data.push_str(d);
                }
            }
            (name, data)
        })
        .collect()
}

fn status(code: u16, headers: &[(&str, &str)], body: Option<&str>) -> Behaviour {
    Behaviour::Status {
        code,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body: body.map(str::to_string),
    }
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn openai_plain_answer_carries_usage_and_is_recorded() {
    let server = FixtureServer::start(Script::answering(|req| {
        format!("echo: {}", last_user_text(req))
    }));
    assert_eq!(
        server.base_url(),
        format!("http://127.0.0.1:{}", server.port())
    );
    let r = openai(server.port(), &chat("hello there world"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("connection"), Some("close"));
    let v = r.json();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["model"], "fixture-model");
    assert_eq!(v["choices"][0]["message"]["role"], "assistant");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "echo: hello there world"
    );
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let u = &v["usage"];
    assert_eq!(u["prompt_tokens"], 3);
    assert_eq!(u["completion_tokens"], 4);
    assert_eq!(u["total_tokens"], 7);
    assert_eq!(u["prompt_tokens_details"]["cached_tokens"], 0);
    assert_eq!(u["completion_tokens_details"]["reasoning_tokens"], 0);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(server.request_count(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(reqs[0].header("Authorization"), Some("Bearer sk-test"));
    assert!(reqs[0]
        .headers
        .iter()
        .all(|(k, _)| *k == k.to_ascii_lowercase()));
    assert_eq!(reqs[0].body["messages"][0]["content"], "hello there world");
}

#[test]
fn anthropic_plain_answer_carries_usage() {
    let server = FixtureServer::start(Script::default());
    let body = json!({
        "model": "claude-fixture",
        "max_tokens": 100,
        "system": "You write code.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Write a function please"}]}]
    });
    let r = anthropic(server.port(), &body);
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["type"], "message");
    assert_eq!(v["role"], "assistant");
    assert_eq!(v["model"], "claude-fixture");
    assert_eq!(v["stop_reason"], "end_turn");
    assert_eq!(v["content"][0]["type"], "text");
    let text = v["content"][0]["text"].as_str().unwrap();
    assert_eq!(text, DEFAULT_CODE_ANSWER);
    assert!(text.contains("```python\ndef f(): pass\n```"));
    assert_eq!(v["usage"]["input_tokens"], 7);
    assert_eq!(
        v["usage"]["output_tokens"],
        count_tokens(DEFAULT_CODE_ANSWER)
    );
    assert_eq!(v["usage"]["cache_read_input_tokens"], 0);
    let rec = &server.requests()[0];
    assert_eq!(rec.header("x-api-key"), Some("sk-ant-test"));
    assert_eq!(rec.header("anthropic-version"), Some("2023-06-01"));
}

#[test]
fn openai_stream_reassembles_with_split_utf8_and_usage() {
    let server = FixtureServer::start(Script::default());
    let mut body = chat("say something");
    body["stream"] = json!(true);
    body["stream_options"] = json!({"include_usage": true});
    let r = openai(server.port(), &body);
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("text/event-stream"));
    // Awkward splitting: small chunks, some of which cut a UTF-8 character.
    assert!(r.chunks.len() > 20);
    assert!(r.chunks.iter().all(|c| c.len() <= 7));
    assert!(r.chunks.iter().any(|c| std::str::from_utf8(c).is_err()));

    let events = sse_events(&r.text());
    assert_eq!(events.last().unwrap().1, "[DONE]");
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|(_, d)| serde_json::from_str(d).unwrap())
        .collect();
    assert_eq!(chunks[0]["object"], "chat.completion.chunk");
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, DEFAULT_TEXT_ANSWER);
    assert!(text.contains('é') && text.contains('—') && text.contains('✓'));
    assert!(chunks
        .iter()
        .any(|c| c["choices"][0]["finish_reason"] == "stop"));
    let last = chunks.last().unwrap();
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"]["prompt_tokens"], 2);
    assert_eq!(
        last["usage"]["completion_tokens"],
        count_tokens(DEFAULT_TEXT_ANSWER)
    );

    // Without include_usage there is no usage chunk.
    let mut body = chat("again");
    body["stream"] = json!(true);
    let r = openai(server.port(), &body);
    let events = sse_events(&r.text());
    assert_eq!(events.last().unwrap().1, "[DONE]");
    assert!(!r.text().contains("\"usage\""));
}

#[test]
fn anthropic_stream_reassembles_and_ends_with_message_stop() {
    let server = FixtureServer::start(Script::default());
    let body = json!({
        "model": "claude-fixture", "max_tokens": 64, "stream": true,
        "messages": [{"role": "user", "content": "Complete this function: ```def f```"}]
    });
    let r = anthropic(server.port(), &body);
    assert_eq!(r.status, 200);
    assert!(r.chunks.iter().any(|c| std::str::from_utf8(c).is_err()));
    let events = sse_events(&r.text());
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_deref().unwrap()).collect();
    assert_eq!(
        &names[..3],
        ["message_start", "content_block_start", "ping"]
    );
    assert_eq!(
        &names[names.len() - 3..],
        ["content_block_stop", "message_delta", "message_stop"]
    );
    let data: Vec<Value> = events
        .iter()
        .map(|(_, d)| serde_json::from_str(d).unwrap())
        .collect();
    for ((n, _), d) in events.iter().zip(&data) {
        assert_eq!(d["type"].as_str(), n.as_deref());
    }
    assert_eq!(data[0]["message"]["usage"]["input_tokens"], 5);
    let text: String = data
        .iter()
        .filter(|d| d["type"] == "content_block_delta")
        .map(|d| d["delta"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(text, DEFAULT_CODE_ANSWER);
    let delta = &data[data.len() - 2];
    assert_eq!(delta["delta"]["stop_reason"], "end_turn");
    assert_eq!(
        delta["usage"]["output_tokens"],
        count_tokens(DEFAULT_CODE_ANSWER)
    );
}

#[test]
fn status_is_returned_verbatim_with_headers() {
    let server = FixtureServer::start(Script {
        queue: vec![
            status(
                429,
                &[
                    ("retry-after", "1"),
                    ("x-ratelimit-remaining-requests", "0"),
                ],
                None,
            ),
            status(529, &[("retry-after-ms", "200")], None),
            status(500, &[], Some(r#"{"error":{"message":"custom"}}"#)),
            status(503, &[], Some("plain message")),
        ],
        ..Script::default()
    });
    let r = openai(server.port(), &chat("hi"));
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("0"));
    assert_eq!(r.json()["error"]["type"], "rate_limit_error");

    let r = anthropic(server.port(), &chat("hi"));
    assert_eq!(r.status, 529);
    assert_eq!(r.header("retry-after-ms"), Some("200"));
    assert_eq!(r.json()["type"], "error");
    assert_eq!(r.json()["error"]["type"], "overloaded_error");

    let r = openai(server.port(), &chat("hi"));
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), r#"{"error":{"message":"custom"}}"#);

    let r = anthropic(server.port(), &chat("hi"));
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["error"]["type"], "api_error");
    assert_eq!(r.json()["error"]["message"], "plain message");
}

#[test]
fn queue_is_consumed_in_order_then_default_applies() {
    let server = FixtureServer::start(Script {
        queue: vec![
            Behaviour::Text("one".into()),
            status(500, &[], None),
            Behaviour::Text("two".into()),
        ],
        default: Behaviour::Text("default".into()),
        ..Script::default()
    });
    let port = server.port();
    let content = |r: Resp| {
        r.json()["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(content(openai(port, &chat("a"))), "one");
    // Neither an unknown path nor a non-JSON body consumes the queue.
    let r = parse(&exchange(port, &request_bytes("GET", "/nowhere", &[], b"")));
    assert_eq!(r.status, 404);
    assert!(r.json()["error"]["message"].is_string());
    let r = parse(&exchange(
        port,
        &request_bytes("POST", "/v1/chat/completions", &[], b"not json"),
    ));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["type"], "invalid_request_error");
    assert_eq!(openai(port, &chat("b")).status, 500);
    assert_eq!(content(openai(port, &chat("c"))), "two");
    assert_eq!(content(openai(port, &chat("d"))), "default");
    assert_eq!(content(openai(port, &chat("e"))), "default");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 7);
    assert_eq!(reqs[1].path, "/nowhere");
    assert_eq!(reqs[2].body, json!("not json"));
    assert!(reqs.windows(2).all(|w| w[0].at <= w[1].at));
}

#[test]
fn max_concurrent_counts_overlapping_requests() {
    let server = FixtureServer::start(Script {
        latency: Duration::from_millis(300),
        ..Script::default()
    });
    let port = server.port();
    let started = Instant::now();
    let handles: Vec<_> = (0..6)
        .map(|i| thread::spawn(move || openai(port, &chat(&format!("req {i}"))).status))
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 200);
    }
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(300));
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");
    assert_eq!(server.max_concurrent(), 6);
    assert_eq!(server.request_count(), 6);
    // Sequential requests never overlap.
    let server = FixtureServer::start(Script::default());
    for _ in 0..3 {
        openai(server.port(), &chat("x"));
    }
    assert_eq!(server.max_concurrent(), 1);
}

#[test]
fn drop_closes_without_bytes_and_truncated_json_is_invalid() {
    let server = FixtureServer::start(Script {
        queue: vec![
            Behaviour::Drop,
            Behaviour::TruncatedJson,
            Behaviour::TruncatedJson,
        ],
        ..Script::default()
    });
    let port = server.port();
    let raw = exchange(
        port,
        &request_bytes(
            "POST",
            "/v1/chat/completions",
            &[],
            chat("x").to_string().as_bytes(),
        ),
    );
    assert!(raw.is_empty());

    let r = openai(port, &chat("x"));
    assert_eq!(r.status, 200);
    assert!(!r.body.is_empty());
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());

    let mut body = chat("x");
    body["stream"] = json!(true);
    let r = openai(port, &body);
    assert_eq!(r.status, 200);
    let events = sse_events(&r.text());
    assert_ne!(events.last().unwrap().1, "[DONE]");
    assert!(serde_json::from_str::<Value>(&events.last().unwrap().1).is_err());

    // The queue is exhausted: normal answers again.
    assert_eq!(openai(port, &chat("x")).json()["object"], "chat.completion");
    assert_eq!(server.request_count(), 4);
}

#[test]
fn no_usage_and_slow_behaviours() {
    let server = FixtureServer::start(Script {
        queue: vec![
            Behaviour::NoUsage,
            Behaviour::NoUsage,
            Behaviour::Slow(Duration::from_millis(300)),
        ],
        ..Script::default()
    });
    let port = server.port();
    let v = openai(port, &chat("x")).json();
    assert!(v.get("usage").is_none());
    assert!(v["choices"][0]["message"]["content"].is_string());
    let v = anthropic(port, &chat("x")).json();
    assert!(v.get("usage").is_none());
    let t = Instant::now();
    let r = openai(port, &chat("x"));
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 200);
    assert!(r.json()["usage"].is_object());
}

#[test]
fn keep_alive_and_chunked_requests_get_one_response_then_close() {
    let server = FixtureServer::start(Script::answering(|req| last_user_text(req).to_uppercase()));
    let port = server.port();
    // Keep-alive is answered once, with Connection: close, then EOF.
    let raw = exchange(
        port,
        &request_bytes(
            "POST",
            "/v1/chat/completions",
            &[("Connection", "keep-alive")],
            chat("ka").to_string().as_bytes(),
        ),
    );
    let r = parse(&raw);
    assert_eq!(r.header("connection"), Some("close"));
    assert_eq!(r.json()["choices"][0]["message"]["content"], "KA");

    // A chunked request body, split in two chunks.
    let body = chat("chunky").to_string();
    let (a, b) = body.split_at(10);
    let req = format!(
        "POST /v1/messages HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    let r = parse(&exchange(port, req.as_bytes()));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["content"][0]["text"], "CHUNKY");
}

#[test]
fn dropping_the_server_stops_it_quickly() {
    let t = Instant::now();
    let server = FixtureServer::start(Script::default());
    let port = server.port();
    assert_eq!(openai(port, &chat("x")).status, 200);
    drop(server);
    assert!(t.elapsed() < Duration::from_secs(1));
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}
