//! The model client: one completion from an endpoint in any wire protocol
//! (`generate/wire/`), non-streaming or streaming (server-sent events),
//! with bounded retries that honour the server's Retry-After, and a
//! response cache shared across runs.
//!
//! A provider knows nothing of tasks or tests: it turns a conversation
//! (most often one prompt) into a text and a record of every HTTP call
//! made for it.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::generate::limiter::Limiter;
use crate::generate::wire::{self, Reply};
use crate::plan::endpoint::Endpoint;
use crate::suite::hex;

pub use crate::model::{Message, ModelCall, Usage};

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
            "url": wire::url(ep),
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

/// Ask for one completion of a single prompt, with retries and the cache.
pub fn complete(
    ep: &Endpoint,
    cache: Option<&Cache>,
    prompt: &str,
    sample: u32,
) -> std::result::Result<Completion, CallFailed> {
    complete_with(
        ep,
        cache,
        &[Message::user(prompt)],
        sample,
        CallCtx::default(),
    )
}

/// The next message of the conversation `messages` (earlier turns and
/// the new prompt, last), under a limiter and a deadline. The whole
/// conversation is part of the cache key, so a replayed pipeline finds
/// each of its turns again.
pub fn complete_with(
    ep: &Endpoint,
    cache: Option<&Cache>,
    messages: &[Message],
    sample: u32,
    ctx: CallCtx,
) -> std::result::Result<Completion, CallFailed> {
    let body = wire::of(ep.protocol).request_body(ep, messages, sample);
    let request = body.to_string();
    let target = wire::url(ep);
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
                // Nothing new was spent, and what the original call cost
                // is not this call's: no cost, so that a run answered from
                // the cache is not reported as priced at $0.
                cost_usd: None,
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
        let mut ceiling = ep.request_timeout;
        if let Some(d) = ctx.deadline {
            let left = d.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(out_of_time(calls));
            }
            ceiling = ceiling.min(left);
        }
        let started = Instant::now();
        let (outcome, hold) = attempt_once(ep, &target, &request, ceiling);
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
                // On a terminal the progress line counts retries; in a log
                // (CI, nohup, a pipe) each one gets a line, so a slow server
                // does not look like a hung run.
                if !std::io::stderr().is_terminal() {
                    eprintln!(
                        "secgap: {}: attempt {attempt} of {attempts} failed ({error}); retrying in {}",
                        ep.model,
                        secs(wait)
                    );
                }
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
    // Not secret, only spread out: a fast generator that cannot fail.
    let jitter = fastrand::u64(0..=base / 2);
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

/// Rate-limit headers that say nothing is left until a reset, as the
/// wire protocols name them (durations such as `6m0s` or `120ms`, or RFC
/// 3339 times). Every protocol's headers are looked at, since gateways
/// pass on their upstream's. Returns the longest such wait.
fn rate_limit_hold(resp: &ureq::Response) -> Option<(Duration, String)> {
    let pairs = wire::REGISTRY.iter().flat_map(|w| w.rate_limit_headers());
    let mut best: Option<(Duration, String)> = None;
    for (remaining, reset) in pairs {
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
///
/// Two limits apply: no read waits longer than the endpoint's idle timeout
/// for a byte, and no byte is taken after `ceiling` has passed. (ureq's own
/// whole-request timeout replaces its read timeout rather than adding to it,
/// so the ceiling is kept by [`Ceiling`] around the body instead.)
fn attempt_once(
    ep: &Endpoint,
    target: &str,
    request: &str,
    ceiling: Duration,
) -> (Attempt, Option<(Duration, String)>) {
    let started = Instant::now();
    let idle = ep.idle_timeout.min(ceiling);
    let mut req = agent_with(idle)
        .post(target)
        .set("content-type", "application/json");
    for (k, v) in &ep.headers {
        req = req.set(k, v);
    }
    let w = wire::of(ep.protocol);
    for (k, v) in w.version_headers() {
        req = req.set(k, v);
    }
    if let Some(key) = &ep.api_key {
        for (k, v) in w.auth_headers(key) {
            req = req.set(k, &v);
        }
    }
    let resp = match req.send_string(request) {
        Ok(r) => r,
        Err(ureq::Error::Status(code, resp)) => {
            let wait = retry_after(&resp);
            let hold = rate_limit_hold(&resp);
            let raw = resp.into_string().unwrap_or_default();
            let error = format!("HTTP {code}: {}", w.error_message(&raw));
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
            let error = if timed_out(&t) {
                silence(idle, ep, started.elapsed())
            } else {
                format!("transport: {t}")
            };
            let attempt = Attempt::Retry {
                status: None,
                raw: String::new(),
                error,
                wait: None,
            };
            return (attempt, None);
        }
    };
    let status = resp.status();
    let hold = rate_limit_hold(&resp);
    let body = Ceiling {
        inner: resp.into_reader(),
        at: started + ceiling,
        ceiling,
        idle,
    };
    let parsed = if ep.stream {
        wire::read_stream(w, body)
    } else {
        let mut raw = String::new();
        match body.take(32 << 20).read_to_string(&mut raw) {
            Ok(_) => match wire::read_response(w, &raw) {
                Ok(reply) => Ok((reply, raw)),
                Err(e) => Err((e, raw)),
            },
            Err(e) => Err((format!("reading the response: {e}"), raw)),
        }
    };
    let attempt = match parsed {
        Ok((
            Reply {
                text,
                finish_reason,
                usage,
            },
            raw,
        )) => Attempt::Done {
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

/// An HTTP agent whose reads and writes give up after `idle` without a byte.
fn agent_with(idle: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(10).min(idle))
        .timeout_read(idle)
        .timeout_write(idle)
        .user_agent(concat!("secgap/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Whether a transport error is a read or write that waited out its timeout.
fn timed_out(t: &ureq::Transport) -> bool {
    use std::error::Error;
    let mut source = t.source();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            );
        }
        source = e.source();
    }
    false
}

/// The error of a request cut for silence.
fn silence(idle: Duration, ep: &Endpoint, elapsed: Duration) -> String {
    if idle < ep.idle_timeout {
        format!(
            "no answer within the time left for this request ({}, the request or sample limit)",
            secs(idle)
        )
    } else {
        format!(
            "no byte from the server for {} after {} (the idle timeout; raise it with --idle-timeout or idle_timeout_secs, or ask for a stream with --stream)",
            secs(idle),
            secs(elapsed)
        )
    }
}

/// A duration for a message: whole seconds, or tenths below ten seconds.
fn secs(d: Duration) -> String {
    if d < Duration::from_secs(10) {
        format!("{:.1} s", d.as_secs_f64())
    } else {
        format!("{} s", d.as_secs())
    }
}

/// A response body that refuses to be read past a deadline: the ceiling
/// on a whole request, which a server trickling bytes would otherwise
/// escape. Each read still waits at most the idle timeout for its byte.
struct Ceiling<R> {
    inner: R,
    at: Instant,
    ceiling: Duration,
    idle: Duration,
}

impl<R: Read> Read for Ceiling<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if Instant::now() >= self.at {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "the request passed its {} ceiling (raise it with --request-timeout or timeout_secs)",
                    secs(self.ceiling)
                ),
            ));
        }
        self.inner.read(buf).map_err(|e| {
            if matches!(
                e.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) {
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "no byte from the server for {} (the idle timeout; raise it with --idle-timeout or idle_timeout_secs)",
                        secs(self.idle)
                    ),
                )
            } else {
                e
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::endpoint::Protocol;

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
    fn cache_keys_do_not_change() {
        // Keys of entries written before the wire protocols had files of
        // their own; a change here orphans every cached response.
        let mut ep = Endpoint::new(Protocol::OpenAi, "http://h.example/v1/", "m");
        ep.temperature = Some(0.2);
        ep.top_p = Some(0.9);
        ep.stop = vec!["END".into()];
        ep.seed = Some(7);
        ep.reasoning_effort = Some("low".into());
        ep.stream = true;
        let key = |ep: &Endpoint, sample| {
            let body = wire::of(ep.protocol).request_body(ep, &[Message::user("hi")], sample);
            Cache::key(ep, &body, sample)
        };
        assert_eq!(
            key(&ep, 3),
            "d6c18829b9a989209e5183bb4b5b36ac3d080a8aafbe0ccbb83f3b4a6ebb857f"
        );
        ep.protocol = Protocol::Anthropic;
        assert_eq!(
            key(&ep, 3),
            "87253f3bb2bd46420f9b749891ff75bd33c45df3f0560e00785c363359b1ddda"
        );
        let ep = Endpoint::new(Protocol::OpenAi, "http://h.example/v1", "m");
        assert_eq!(
            key(&ep, 0),
            "cf8f312832197b75c5a67cd01f1c1b27c2a01179e4193ca754656085cd7a9fd9"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        for _ in 0..200 {
            let ms = |a| backoff(a).as_millis() as u64;
            assert!((375..=625).contains(&ms(1)), "{}", ms(1));
            assert!((750..=1250).contains(&ms(2)), "{}", ms(2));
            assert!((12_000..=20_000).contains(&ms(9)), "{}", ms(9));
        }
    }
}
