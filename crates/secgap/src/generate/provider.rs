//! Model providers: OpenAI Chat Completions (and compatible servers) and
//! the Anthropic Messages API, non-streaming and streaming (server-sent
//! events), with bounded retries that honour the server's Retry-After,
//! and a response cache shared across runs.
//!
//! A provider knows nothing of tasks or tests: it turns a prompt into a
//! text and a record of every HTTP call made for it.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::generate::limiter::Limiter;
use crate::suite::hex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    OpenAi,
    Anthropic,
}

/// Where and how to reach a model.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub protocol: Protocol,
    /// Base URL up to and including the version, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    /// Extra HTTP headers sent with every request.
    pub headers: Vec<(String, String)>,
    pub stream: bool,
    pub max_tokens: u32,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    /// Base seed (OpenAI-style servers); the sample index is added to it.
    pub seed: Option<u64>,
    pub stop: Vec<String>,
    /// `reasoning_effort` for OpenAI-style reasoning models.
    pub reasoning_effort: Option<String>,
    pub request_timeout: Duration,
    pub max_attempts: u32,
    pub price: Option<Price>,
}

impl Endpoint {
    /// An endpoint with default parameters.
    pub fn new(protocol: Protocol, base_url: &str, model: &str) -> Endpoint {
        Endpoint {
            protocol,
            base_url: base_url.to_string(),
            model: model.to_string(),
            api_key: None,
            headers: Vec::new(),
            stream: false,
            max_tokens: 4096,
            temperature: None,
            top_p: None,
            seed: Some(0),
            stop: Vec::new(),
            reasoning_effort: None,
            request_timeout: Duration::from_secs(120),
            max_attempts: 6,
            price: None,
        }
    }
}

/// Prices in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Uncached input tokens.
    pub input: f64,
    /// Output tokens (reasoning tokens included).
    pub output: f64,
    /// Input tokens served from the provider's prompt cache [default: the input price].
    #[serde(default)]
    pub cached_input: Option<f64>,
}

impl Price {
    /// Cost of one call's usage; None when the server reported no usage.
    pub fn cost(&self, u: &Usage) -> Option<f64> {
        let input = u.input?;
        let output = u.output?;
        let cached = u.cached.unwrap_or(0).min(input);
        Some(
            ((input - cached) as f64 * self.input
                + cached as f64 * self.cached_input.unwrap_or(self.input)
                + output as f64 * self.output)
                / 1e6,
        )
    }
}

pub use crate::model::{ModelCall, Usage};

/// The outcome of asking for one completion.
#[derive(Debug, Clone)]
pub struct Completion {
    pub text: String,
    pub finish_reason: Option<String>,
    pub calls: Vec<ModelCall>,
}

/// A failure after all retries; carries the calls made on the way.
#[derive(Debug)]
pub struct CallFailed {
    pub message: String,
    pub calls: Vec<ModelCall>,
}

impl std::fmt::Display for CallFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CallFailed {}

/// The request body for `prompt`, in the endpoint's protocol.
pub fn request_body(ep: &Endpoint, prompt: &str, sample: u32) -> Value {
    let mut body = match ep.protocol {
        Protocol::OpenAi => json!({
            "model": ep.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": ep.max_tokens,
        }),
        Protocol::Anthropic => json!({
            "model": ep.model,
            "max_tokens": ep.max_tokens,
            "messages": [{"role": "user", "content": prompt}],
        }),
    };
    if let Some(t) = ep.temperature {
        body["temperature"] = json!(t);
    }
    if let Some(p) = ep.top_p {
        body["top_p"] = json!(p);
    }
    if !ep.stop.is_empty() {
        match ep.protocol {
            Protocol::OpenAi => body["stop"] = json!(ep.stop),
            Protocol::Anthropic => body["stop_sequences"] = json!(ep.stop),
        }
    }
    if ep.protocol == Protocol::OpenAi {
        // A per-sample seed keeps n samples distinct where servers honour it.
        if let Some(seed) = ep.seed {
            body["seed"] = json!(seed + sample as u64);
        }
        if let Some(effort) = &ep.reasoning_effort {
            body["reasoning_effort"] = json!(effort);
        }
    }
    if ep.stream {
        body["stream"] = json!(true);
        if ep.protocol == Protocol::OpenAi {
            body["stream_options"] = json!({"include_usage": true});
        }
    }
    body
}

fn url(ep: &Endpoint) -> String {
    let base = ep.base_url.trim_end_matches('/');
    match ep.protocol {
        Protocol::OpenAi => format!("{base}/chat/completions"),
        Protocol::Anthropic => format!("{base}/messages"),
    }
}

/// The response cache: one JSON file per (canonical request, sample index).
#[derive(Debug, Clone)]
pub struct Cache {
    pub dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct CacheEntry {
    text: String,
    finish_reason: Option<String>,
    usage: Usage,
}

impl Cache {
    /// `$SECGAP_CACHE_DIR`, else `$XDG_CACHE_HOME/secgap/responses`, else `~/.cache/secgap/responses`.
    pub fn default_dir() -> PathBuf {
        if let Some(d) = std::env::var_os("SECGAP_CACHE_DIR") {
            return PathBuf::from(d);
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        base.join("secgap").join("responses")
    }

    pub fn key(ep: &Endpoint, body: &Value, sample: u32) -> String {
        let canonical = json!({
            "protocol": ep.protocol,
            "url": url(ep),
            "body": body,
            "sample": sample,
        });
        hex(&Sha256::digest(canonical.to_string().as_bytes()))
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    fn get(&self, key: &str) -> Option<CacheEntry> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        serde_json::from_str(&text).ok()
    }

    fn put(&self, key: &str, entry: &CacheEntry) -> Result<()> {
        let path = self.path(key);
        let dir = path.parent().expect("cache path has a parent");
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        // Write then rename, so a killed process never leaves half an entry.
        let tmp = dir.join(format!(".{key}.{}", std::process::id()));
        std::fs::write(&tmp, serde_json::to_vec(entry)?)?;
        std::fs::rename(&tmp, &path)?;
        Ok(())
    }

    /// (entries, bytes)
    pub fn stats(&self) -> (u64, u64) {
        let mut n = 0;
        let mut bytes = 0;
        if let Ok(rd) = std::fs::read_dir(&self.dir) {
            for sub in rd.flatten() {
                if let Ok(files) = std::fs::read_dir(sub.path()) {
                    for f in files.flatten() {
                        if f.file_name().to_string_lossy().ends_with(".json") {
                            n += 1;
                            bytes += f.metadata().map(|m| m.len()).unwrap_or(0);
                        }
                    }
                }
            }
        }
        (n, bytes)
    }

    pub fn clear(&self) -> Result<()> {
        if self.dir.exists() {
            std::fs::remove_dir_all(&self.dir)
                .with_context(|| format!("remove {}", self.dir.display()))?;
        }
        Ok(())
    }
}

/// What one attempt produced.
enum Attempt {
    Done {
        text: String,
        finish_reason: Option<String>,
        usage: Usage,
        raw: String,
        status: u16,
    },
    Retry {
        status: Option<u16>,
        raw: String,
        error: String,
        wait: Option<Duration>,
    },
    Fatal {
        status: Option<u16>,
        raw: String,
        error: String,
    },
}

/// What a call runs under: the provider's adaptive limiter and the
/// sample's wall-clock deadline (both optional).
#[derive(Default, Clone, Copy)]
pub struct CallCtx<'a> {
    pub limiter: Option<&'a Limiter>,
    pub deadline: Option<Instant>,
}

/// Ask for one completion, with retries and the cache.
pub fn complete(
    agent: &ureq::Agent,
    ep: &Endpoint,
    cache: Option<&Cache>,
    prompt: &str,
    sample: u32,
) -> std::result::Result<Completion, CallFailed> {
    complete_with(agent, ep, cache, prompt, sample, CallCtx::default())
}

/// [`complete`] under a limiter and a deadline.
pub fn complete_with(
    agent: &ureq::Agent,
    ep: &Endpoint,
    cache: Option<&Cache>,
    prompt: &str,
    sample: u32,
    ctx: CallCtx,
) -> std::result::Result<Completion, CallFailed> {
    let body = request_body(ep, prompt, sample);
    let request = body.to_string();
    let target = url(ep);
    let key = Cache::key(ep, &body, sample);
    if let Some(hit) = cache.and_then(|c| c.get(&key)) {
        return Ok(Completion {
            text: hit.text,
            finish_reason: hit.finish_reason,
            calls: vec![ModelCall {
                attempt: 0,
                url: target,
                request,
                status: None,
                response: String::new(),
                latency_ms: 0,
                usage: hit.usage,
                cost_usd: Some(0.0),
                cached: true,
                error: None,
                retry_after_ms: None,
            }],
        });
    }
    let mut calls = Vec::new();
    let attempts = ep.max_attempts.max(1);
    let out_of_time = |calls: Vec<ModelCall>| CallFailed {
        message: format!(
            "{} gave no answer within the per-sample time limit ({} attempt(s) made)",
            ep.model,
            calls.len()
        ),
        calls,
    };
    for attempt in 1..=attempts {
        let permit = match ctx.limiter {
            Some(l) => match l.acquire(ctx.deadline) {
                Some(p) => Some(p),
                None => return Err(out_of_time(calls)),
            },
            None => None,
        };
        let mut timeout = ep.request_timeout;
        if let Some(d) = ctx.deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(out_of_time(calls));
            }
            timeout = timeout.min(left);
        }
        let started = Instant::now();
        let (outcome, hold) = attempt_once(agent, ep, &target, &request, timeout);
        let latency_ms = started.elapsed().as_millis() as u64;
        if let (Some(l), Some((wait, why))) = (ctx.limiter, &hold) {
            l.hold(*wait, why);
        }
        if let Some(p) = &permit {
            match &outcome {
                Attempt::Done { .. } => p.success(),
                Attempt::Retry {
                    status: Some(code @ (429 | 503 | 529)),
                    wait,
                    ..
                } => p.overloaded(*wait, &format!("HTTP {code}")),
                _ => {}
            }
        }
        drop(permit);
        match outcome {
            Attempt::Done {
                text,
                finish_reason,
                usage,
                raw,
                status,
            } => {
                calls.push(ModelCall {
                    attempt,
                    url: target.clone(),
                    request: request.clone(),
                    status: Some(status),
                    response: raw,
                    latency_ms,
                    usage,
                    cost_usd: ep.price.and_then(|p| p.cost(&usage)),
                    cached: false,
                    error: None,
                    retry_after_ms: None,
                });
                let filtered = finish_reason
                    .as_deref()
                    .is_some_and(|r| r == "content_filter" || r == "refusal");
                if let (Some(c), false) = (cache, filtered) {
                    // A cache that cannot be written costs money later, not correctness now.
                    if let Err(e) = c.put(
                        &key,
                        &CacheEntry {
                            text: text.clone(),
                            finish_reason: finish_reason.clone(),
                            usage,
                        },
                    ) {
                        eprintln!("warning: response cache: {e:#}");
                    }
                }
                return Ok(Completion {
                    text,
                    finish_reason,
                    calls,
                });
            }
            Attempt::Retry {
                status,
                raw,
                error,
                wait,
            } => {
                // Honour the server's wait, but never park a worker for more than 5 minutes.
                let wait = wait.unwrap_or_else(|| backoff(attempt)).min(MAX_WAIT);
                let past_deadline = ctx.deadline.is_some_and(|d| Instant::now() + wait >= d);
                let last = attempt == attempts || past_deadline;
                calls.push(ModelCall {
                    attempt,
                    url: target.clone(),
                    request: request.clone(),
                    status,
                    response: raw,
                    latency_ms,
                    usage: Usage::default(),
                    cost_usd: None,
                    cached: false,
                    error: Some(error.clone()),
                    retry_after_ms: (!last).then_some(wait.as_millis() as u64),
                });
                if past_deadline && attempt < attempts {
                    let mut f = out_of_time(calls);
                    f.message.push_str(&format!("; last error: {error}"));
                    return Err(f);
                }
                if last {
                    return Err(CallFailed {
                        message: format!(
                            "{} gave no answer after {attempts} attempts: {error}",
                            ep.model
                        ),
                        calls,
                    });
                }
                let reason = match status {
                    Some(code) => format!("HTTP {code}"),
                    None => "a transport error".to_string(),
                };
                match ctx.limiter {
                    Some(l) => l.retry_wait(wait, &reason),
                    None => std::thread::sleep(wait),
                }
            }
            Attempt::Fatal { status, raw, error } => {
                calls.push(ModelCall {
                    attempt,
                    url: target.clone(),
                    request: request.clone(),
                    status,
                    response: raw,
                    latency_ms,
                    usage: Usage::default(),
                    cost_usd: None,
                    cached: false,
                    error: Some(error.clone()),
                    retry_after_ms: None,
                });
                return Err(CallFailed {
                    message: error,
                    calls,
                });
            }
        }
    }
    unreachable!("the loop returns on its last attempt")
}

/// The longest wait a server can impose on one worker.
const MAX_WAIT: Duration = Duration::from_secs(300);

/// Exponential backoff with jitter: about 0.5 s, 1 s, 2 s ... capped at 30 s.
fn backoff(attempt: u32) -> Duration {
    let base = 500u64.saturating_mul(1 << attempt.min(6).saturating_sub(1));
    let jitter =
        u64::from_str_radix(&secgap_sandbox::random_hex(2), 16).unwrap_or(0) % (base / 2 + 1);
    Duration::from_millis((base / 2 + jitter + base / 4).min(30_000))
}

/// The wait a response asks for: `retry-after-ms`, else `Retry-After` in
/// seconds or as an HTTP date.
fn retry_after(resp: &ureq::Response) -> Option<Duration> {
    if let Some(ms) = resp
        .header("retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        return Some(Duration::from_millis(ms.max(0.0) as u64));
    }
    let v = resp.header("retry-after")?.trim();
    if let Ok(s) = v.parse::<f64>() {
        return Some(Duration::from_millis((s.max(0.0) * 1000.0) as u64));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// Rate-limit headers that say nothing is left until a reset: OpenAI's
/// `x-ratelimit-remaining-*` with `x-ratelimit-reset-*` (durations such
/// as `6m0s` or `120ms`) and Anthropic's `anthropic-ratelimit-*-remaining`
/// with `-reset` (RFC 3339 times). Returns the longest such wait.
fn rate_limit_hold(resp: &ureq::Response) -> Option<(Duration, String)> {
    const PAIRS: &[(&str, &str)] = &[
        (
            "x-ratelimit-remaining-requests",
            "x-ratelimit-reset-requests",
        ),
        ("x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"),
        (
            "anthropic-ratelimit-requests-remaining",
            "anthropic-ratelimit-requests-reset",
        ),
        (
            "anthropic-ratelimit-tokens-remaining",
            "anthropic-ratelimit-tokens-reset",
        ),
        (
            "anthropic-ratelimit-input-tokens-remaining",
            "anthropic-ratelimit-input-tokens-reset",
        ),
        (
            "anthropic-ratelimit-output-tokens-remaining",
            "anthropic-ratelimit-output-tokens-reset",
        ),
    ];
    let mut best: Option<(Duration, String)> = None;
    for (remaining, reset) in PAIRS {
        let left = resp
            .header(remaining)
            .and_then(|v| v.trim().parse::<u64>().ok());
        if left != Some(0) {
            continue;
        }
        let Some(wait) = resp.header(reset).and_then(parse_reset) else {
            continue;
        };
        let wait = wait.min(MAX_WAIT);
        if best.as_ref().is_none_or(|(w, _)| wait > *w) {
            best = Some((wait, format!("{remaining}: 0")));
        }
    }
    best
}

/// A reset given as a duration (`1s`, `6m0s`, `1.5s`, `20ms`, `1h2m`), a
/// number of seconds, or an RFC 3339 time.
pub fn parse_reset(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(s) = v.parse::<f64>() {
        return (s >= 0.0).then(|| Duration::from_secs_f64(s));
    }
    if let Some(d) = parse_go_duration(v) {
        return Some(d);
    }
    let when = humantime::parse_rfc3339_weak(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

fn parse_go_duration(v: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut rest = v;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "\u{b5}s" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += num * scale;
        rest = &rest[u..];
    }
    Some(Duration::from_secs_f64(total))
}

/// One HTTP attempt, and any provider-wide hold its headers ask for.
fn attempt_once(
    agent: &ureq::Agent,
    ep: &Endpoint,
    target: &str,
    request: &str,
    timeout: Duration,
) -> (Attempt, Option<(Duration, String)>) {
    let mut req = agent
        .post(target)
        .timeout(timeout)
        .set("content-type", "application/json");
    for (k, v) in &ep.headers {
        req = req.set(k, v);
    }
    match ep.protocol {
        Protocol::OpenAi => {
            if let Some(k) = &ep.api_key {
                req = req.set("authorization", &format!("Bearer {k}"));
            }
        }
        Protocol::Anthropic => {
            req = req.set("anthropic-version", "2023-06-01");
            if let Some(k) = &ep.api_key {
                req = req.set("x-api-key", k);
            }
        }
    }
    let resp = match req.send_string(request) {
        Ok(r) => r,
        Err(ureq::Error::Status(code, resp)) => {
            let wait = retry_after(&resp);
            let hold = rate_limit_hold(&resp);
            let raw = resp.into_string().unwrap_or_default();
            let error = format!("HTTP {code}: {}", error_message(&raw));
            let attempt = if code == 429 || code == 408 || code >= 500 {
                Attempt::Retry {
                    status: Some(code),
                    raw,
                    error,
                    wait,
                }
            } else {
                Attempt::Fatal {
                    status: Some(code),
                    raw,
                    error,
                }
            };
            return (attempt, hold);
        }
        Err(ureq::Error::Transport(t)) => {
            let attempt = Attempt::Retry {
                status: None,
                raw: String::new(),
                error: format!("transport: {t}"),
                wait: None,
            };
            return (attempt, None);
        }
    };
    let status = resp.status();
    let hold = rate_limit_hold(&resp);
    let parsed = if ep.stream {
        read_stream(ep.protocol, resp.into_reader())
    } else {
        let mut raw = String::new();
        match resp.into_reader().take(32 << 20).read_to_string(&mut raw) {
            Ok(_) => parse_body(ep.protocol, &raw)
                .map(|(t, f, u)| (t, f, u, raw.clone()))
                .map_err(|e| (e, raw)),
            Err(e) => Err((format!("reading the response: {e}"), raw)),
        }
    };
    let attempt = match parsed {
        Ok((text, finish_reason, usage, raw)) => Attempt::Done {
            text,
            finish_reason,
            usage,
            raw,
            status,
        },
        Err((error, raw)) => Attempt::Retry {
            status: Some(status),
            raw,
            error,
            wait: None,
        },
    };
    (attempt, hold)
}

fn error_message(raw: &str) -> String {
    serde_json::from_str::<Value>(raw)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(String::from))
        .unwrap_or_else(|| raw.chars().take(300).collect())
}

fn u(v: &Value) -> Option<u64> {
    v.as_u64()
}

fn openai_usage(v: &Value) -> Usage {
    Usage {
        input: u(&v["prompt_tokens"]),
        output: u(&v["completion_tokens"]),
        cached: u(&v["prompt_tokens_details"]["cached_tokens"]),
        reasoning: u(&v["completion_tokens_details"]["reasoning_tokens"]),
    }
}

/// Anthropic reports prompt-cache reads and writes apart from
/// `input_tokens`; our `input` is all three together, `cached` the reads.
fn anthropic_usage(v: &Value) -> Usage {
    let read = u(&v["cache_read_input_tokens"]);
    let written = u(&v["cache_creation_input_tokens"]);
    Usage {
        input: u(&v["input_tokens"]).map(|i| i + read.unwrap_or(0) + written.unwrap_or(0)),
        output: u(&v["output_tokens"]),
        cached: read,
        reasoning: None,
    }
}

type Parsed = (String, Option<String>, Usage);

fn parse_body(protocol: Protocol, raw: &str) -> std::result::Result<Parsed, String> {
    let v: Value =
        serde_json::from_str(raw).map_err(|e| format!("malformed JSON response: {e}"))?;
    match protocol {
        Protocol::OpenAi => {
            let choice = &v["choices"][0];
            let msg = &choice["message"];
            let text = msg["content"]
                .as_str()
                .ok_or("response has no choices[0].message.content")?;
            Ok((
                text.to_string(),
                choice["finish_reason"].as_str().map(String::from),
                openai_usage(&v["usage"]),
            ))
        }
        Protocol::Anthropic => {
            let blocks = v["content"]
                .as_array()
                .ok_or("response has no content array")?;
            let text: String = blocks
                .iter()
                .filter(|b| b["type"] == "text")
                .filter_map(|b| b["text"].as_str())
                .collect();
            Ok((
                text,
                v["stop_reason"].as_str().map(String::from),
                anthropic_usage(&v["usage"]),
            ))
        }
    }
}

type StreamResult = std::result::Result<(String, Option<String>, Usage, String), (String, String)>;

/// Read a server-sent event stream to its end and assemble the answer.
fn read_stream(protocol: Protocol, reader: impl Read) -> StreamResult {
    let mut r = BufReader::new(reader.take(32 << 20));
    let mut raw = Vec::new();
    let mut text = String::new();
    let mut finish = None;
    let mut usage = Usage::default();
    let mut data = Vec::<u8>::new();
    let mut finished = false;
    let mut line = Vec::new();
    loop {
        line.clear();
        match r.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                return Err((
                    format!("stream broke off: {e}"),
                    String::from_utf8_lossy(&raw).into_owned(),
                ))
            }
        }
        raw.extend_from_slice(&line);
        let l = line.strip_suffix(b"\n").unwrap_or(&line);
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        if l.is_empty() {
            // End of one event.
            if !data.is_empty() {
                let payload = String::from_utf8_lossy(&data).into_owned();
                data.clear();
                if payload.trim() == "[DONE]" {
                    finished = true;
                    continue;
                }
                let v: Value = match serde_json::from_str(&payload) {
                    Ok(v) => v,
                    Err(e) => {
                        return Err((
                            format!("malformed event in stream: {e}"),
                            String::from_utf8_lossy(&raw).into_owned(),
                        ))
                    }
                };
                match protocol {
                    Protocol::OpenAi => {
                        if let Some(c) = v["choices"][0]["delta"]["content"].as_str() {
                            text.push_str(c);
                        }
                        if let Some(f) = v["choices"][0]["finish_reason"].as_str() {
                            finish = Some(f.to_string());
                        }
                        if v["usage"].is_object() {
                            usage = openai_usage(&v["usage"]);
                        }
                    }
                    Protocol::Anthropic => match v["type"].as_str().unwrap_or("") {
                        "message_start" => {
                            let mu = anthropic_usage(&v["message"]["usage"]);
                            usage.input = mu.input;
                            usage.cached = mu.cached;
                        }
                        "content_block_delta" => {
                            if let Some(t) = v["delta"]["text"].as_str() {
                                text.push_str(t);
                            }
                        }
                        "message_delta" => {
                            if let Some(s) = v["delta"]["stop_reason"].as_str() {
                                finish = Some(s.to_string());
                            }
                            if let Some(o) = u(&v["usage"]["output_tokens"]) {
                                usage.output = Some(o);
                            }
                        }
                        "message_stop" => finished = true,
                        "error" => {
                            return Err((
                                format!(
                                    "error event in stream: {}",
                                    v["error"]["message"].as_str().unwrap_or("")
                                ),
                                String::from_utf8_lossy(&raw).into_owned(),
                            ))
                        }
                        _ => {}
                    },
                }
            }
            continue;
        }
        if let Some(d) = l.strip_prefix(b"data:") {
            let d = d.strip_prefix(b" ").unwrap_or(d);
            if !data.is_empty() {
                data.push(b'\n');
            }
            data.extend_from_slice(d);
        }
    }
    let raw = String::from_utf8_lossy(&raw).into_owned();
    // OpenAI-compatible servers end with [DONE]; some omit it but send a finish reason.
    if !finished && finish.is_none() {
        return Err(("stream ended before the answer was complete".into(), raw));
    }
    Ok((text, finish, usage, raw))
}

/// Build an HTTP agent for model calls.
pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(10))
        .user_agent(concat!("secgap/", env!("CARGO_PKG_VERSION")))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_split_across_reads_and_utf8() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"caf\u{e9} \"}}]}\n\n\
                      data: {\"choices\":[{\"delta\":{\"content\":\"\u{2713}\"},\"finish_reason\":\"stop\"}]}\n\n\
                      data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n\
                      data: [DONE]\n\n";
        // A reader that hands out 3 bytes at a time, splitting UTF-8 sequences.
        struct Drip<'a>(&'a [u8]);
        impl Read for Drip<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(3).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (text, finish, usage, _) =
            read_stream(Protocol::OpenAi, Drip(stream.as_bytes())).unwrap();
        assert_eq!(text, "caf\u{e9} \u{2713}");
        assert_eq!(finish.as_deref(), Some("stop"));
        assert_eq!((usage.input, usage.output), (Some(3), Some(2)));
    }

    #[test]
    fn anthropic_cache_reads_count_as_input() {
        let v: Value = serde_json::from_str(
            r#"{"input_tokens": 10, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 5, "output_tokens": 20}"#,
        )
        .unwrap();
        let usage = anthropic_usage(&v);
        assert_eq!((usage.input, usage.cached), (Some(1015), Some(1000)));
        let price = Price {
            input: 3.0,
            output: 15.0,
            cached_input: Some(0.3),
        };
        let cost = price.cost(&usage).unwrap();
        assert!((cost - (15.0 * 3.0 + 1000.0 * 0.3 + 20.0 * 15.0) / 1e6).abs() < 1e-12);
    }

    #[test]
    fn reset_headers_in_every_format() {
        let ms = |v: &str| parse_reset(v).map(|d| d.as_millis());
        assert_eq!(ms("1s"), Some(1000));
        assert_eq!(ms("6m0s"), Some(360_000));
        assert_eq!(ms("1.5s"), Some(1500));
        assert_eq!(ms("120ms"), Some(120));
        assert_eq!(ms("1h2m"), Some(3_720_000));
        assert_eq!(ms("2"), Some(2000));
        assert_eq!(ms("soon"), None);
        assert_eq!(ms("5x"), None);
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        let stamp = humantime::format_rfc3339_seconds(later).to_string();
        let d = parse_reset(&stamp).unwrap();
        assert!(
            d > Duration::from_secs(28) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        // A reset in the past means no wait.
        assert_eq!(ms("2001-01-01T00:00:00Z"), Some(0));
    }

    #[test]
    fn truncated_stream_is_an_error() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n";
        assert!(read_stream(Protocol::OpenAi, stream.as_bytes()).is_err());
    }
}
