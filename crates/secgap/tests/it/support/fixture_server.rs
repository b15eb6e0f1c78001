//! A local HTTP/1.1 server that speaks the OpenAI Chat Completions and
//! Anthropic Messages wire protocols with scripted behaviour. It is a test
//! fixture only: it listens on 127.0.0.1 with an ephemeral port, runs one
//! thread per connection, answers exactly one request per connection and
//! then closes it (`Connection: close`).
//!
//! Routing (on the path, query string ignored):
//! - `POST …/chat/completions` — OpenAI Chat Completions;
//! - `POST …/messages` — Anthropic Messages;
//! - other methods on those paths — 405; any other path — 404;
//! - a protocol request whose body is not a JSON object — 400.
//!
//! Only requests that reach a protocol handler with a JSON body consume a
//! [`Behaviour`] from the script's queue; 404/405/400 answers do not.
//! Every request is recorded (see [`FixtureServer::requests`]).
//!
//! Streamed bodies (`"stream": true`) are sent with `Transfer-Encoding:
//! chunked`, one HTTP chunk per write, split at awkward byte positions:
//! at most 7 bytes per piece, a cut inside every multi-byte UTF-8
//! character, and a cut between the two newlines that end each event.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// Computes the assistant text from the request JSON.
pub type AnswerFn = Arc<dyn Fn(&Value) -> String + Send + Sync + 'static>;

/// What the server does with one protocol request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// A normal answer whose text is produced by the script's answer function.
    Answer,
    /// A normal answer with this fixed text.
    Text(String),
    /// This HTTP status with these headers (sent verbatim) and a body in the
    /// provider's error format. `body`: `None` generates a provider-style
    /// error for the code; `Some(s)` sends `s` verbatim when it is valid
    /// JSON, otherwise uses `s` as the message of a provider-style error.
    Status {
        code: u16,
        headers: Vec<(String, String)>,
        body: Option<String>,
    },
    /// Sleep this long (on top of the script's latency), then answer normally.
    Slow(Duration),
    /// A 200 whose JSON body is cut off in the middle (Content-Length matches
    /// the truncated body). For streamed requests: the first events, then a
    /// `data:` event with cut-off JSON, then the end of the body — no
    /// `[DONE]` / `message_stop`.
    TruncatedJson,
    /// A normal answer with no usage anywhere (no `usage` object; for
    /// Anthropic streams, no usage in message_start / message_delta; for
    /// OpenAI streams, no usage chunk even with `include_usage`).
    NoUsage,
    /// Close the connection without sending any byte.
    Drop,
    /// A normal answer paced like a slow model: a streamed answer waits this
    /// long before each of its events; a plain one waits it once before the
    /// whole body.
    Trickle(Duration),
}

/// The server's script: behaviours consumed in order, one per protocol
/// request; `default` once the queue is empty; `latency` slept before every
/// response (and before a `Drop`).
#[derive(Clone)]
pub struct Script {
    pub queue: Vec<Behaviour>,
    pub default: Behaviour,
    pub latency: Duration,
    /// Used by `Behaviour::Answer`, `Slow`, `TruncatedJson` and `NoUsage`.
    pub answer: AnswerFn,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            queue: Vec::new(),
            default: Behaviour::Answer,
            latency: Duration::ZERO,
            answer: Arc::new(default_answer),
        }
    }
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Script")
            .field("queue", &self.queue)
            .field("default", &self.default)
            .field("latency", &self.latency)
            .finish_non_exhaustive()
    }
}

impl Script {
    /// A default script whose answers are computed from the request JSON.
    pub fn answering(f: impl Fn(&Value) -> String + Send + Sync + 'static) -> Script {
        Script {
            answer: Arc::new(f),
            ..Script::default()
        }
    }

    /// Replace the queue.
    pub fn with_queue(mut self, queue: Vec<Behaviour>) -> Script {
        self.queue = queue;
        self
    }

    /// Replace the default behaviour.
    pub fn with_default(mut self, default: Behaviour) -> Script {
        self.default = default;
        self
    }

    /// Replace the latency.
    pub fn with_latency(mut self, latency: Duration) -> Script {
        self.latency = latency;
        self
    }
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The request target as sent (including any query string).
    pub path: String,
    /// Header names in lower case, values trimmed, in the order received.
    pub headers: Vec<(String, String)>,
    /// The parsed JSON body; `Value::Null` when empty, `Value::String`
    /// holding the (lossy UTF-8) text when it is not JSON.
    pub body: Value,
    /// When the request had been fully read.
    pub at: Instant,
}

impl Recorded {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A running fixture server; stops when dropped.
pub struct FixtureServer {
    port: u16,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

struct Shared {
    queue: Mutex<VecDeque<Behaviour>>,
    default: Behaviour,
    latency: Duration,
    answer: AnswerFn,
    requests: Mutex<Vec<Recorded>>,
    in_flight: AtomicUsize,
    max_concurrent: AtomicUsize,
    next_id: AtomicUsize,
    stop: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl FixtureServer {
    /// Start on 127.0.0.1 with an ephemeral port.
    pub fn start(script: Script) -> FixtureServer {
        let listener =
            TcpListener::bind(("127.0.0.1", 0)).expect("fixture server: bind 127.0.0.1:0");
        let port = listener
            .local_addr()
            .expect("fixture server: local addr")
            .port();
        let shared = Arc::new(Shared {
            queue: Mutex::new(script.queue.into_iter().collect()),
            default: script.default,
            latency: script.latency,
            answer: script.answer,
            requests: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            max_concurrent: AtomicUsize::new(0),
            next_id: AtomicUsize::new(1),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let accept = thread::Builder::new()
            .name("fixture-accept".into())
            .spawn(move || accept_loop(listener, s))
            .expect("fixture server: spawn accept thread");
        FixtureServer {
            port,
            shared,
            accept: Some(accept),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request received, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// The highest number of requests being handled at once.
    pub fn max_concurrent(&self) -> usize {
        self.shared.max_concurrent.load(Ordering::SeqCst)
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept with a connection of our own.
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        for _ in 0..50 {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                break;
            }
            thread::sleep(Duration::from_millis(10));
        }
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        match conn {
            Ok(stream) => {
                let s = shared.clone();
                // Connection threads are detached; their sleeps end early
                // once the server stops.
                let spawned = thread::Builder::new()
                    .name("fixture-conn".into())
                    .spawn(move || handle_connection(stream, s));
                if spawned.is_err() {
                    thread::sleep(Duration::from_millis(1));
                }
            }
            Err(_) => thread::sleep(Duration::from_millis(1)),
        }
    }
}

/// Sleep, waking early (returning false) if the server stops.
fn sleep_unless_stopped(shared: &Shared, d: Duration) -> bool {
    let end = Instant::now() + d;
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        thread::sleep((end - now).min(Duration::from_millis(20)));
    }
}

struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> InFlight<'a> {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_concurrent.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------------------
// HTTP request parsing

struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

enum ReadError {
    /// The peer closed (or timed out) before sending a request.
    Closed,
    /// A malformed request: answer with this status and message.
    Bad(u16, String),
}

const MAX_LINE: u64 = 64 * 1024;
const MAX_HEADERS: usize = 200;
const MAX_BODY: usize = 64 * 1024 * 1024;

fn read_line(reader: &mut impl BufRead) -> Result<Option<Vec<u8>>, ReadError> {
    let mut buf = Vec::new();
    match reader.by_ref().take(MAX_LINE).read_until(b'\n', &mut buf) {
        Ok(0) => Ok(None),
        Ok(_) => {
            if buf.last() != Some(&b'\n') {
                return Err(ReadError::Bad(
                    431,
                    "header line too long or truncated".into(),
                ));
            }
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            Ok(Some(buf))
        }
        Err(_) => Err(ReadError::Closed),
    }
}

fn read_request(
    reader: &mut BufReader<&TcpStream>,
    stream: &TcpStream,
) -> Result<Request, ReadError> {
    // Request line (skipping stray empty lines before it).
    let line = loop {
        match read_line(reader)? {
            None => return Err(ReadError::Closed),
            Some(l) if l.is_empty() => continue,
            Some(l) => break l,
        }
    };
    let line = String::from_utf8_lossy(&line).into_owned();
    let mut parts = line.split_whitespace();
    let (method, target, version) = match (parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v)) => (m.to_string(), t.to_string(), v.to_string()),
        _ => {
            return Err(ReadError::Bad(
                400,
                format!("malformed request line: {line:?}"),
            ))
        }
    };
    if !version.starts_with("HTTP/1.") {
        return Err(ReadError::Bad(
            505,
            format!("unsupported version {version}"),
        ));
    }

    let mut headers = Vec::new();
    loop {
        let l = match read_line(reader)? {
            None => return Err(ReadError::Closed),
            Some(l) => l,
        };
        if l.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(ReadError::Bad(431, "too many headers".into()));
        }
        let l = String::from_utf8_lossy(&l).into_owned();
        let Some((name, value)) = l.split_once(':') else {
            return Err(ReadError::Bad(400, format!("malformed header line: {l:?}")));
        };
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let header = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());

    let chunked = header("transfer-encoding")
        .map(|v| v.to_ascii_lowercase().contains("chunked"))
        .unwrap_or(false);
    let length = match header("content-length") {
        Some(v) if !chunked => Some(
            v.parse::<usize>()
                .map_err(|_| ReadError::Bad(400, format!("bad content-length {v:?}")))?,
        ),
        _ => None,
    };
    if length.is_some_and(|n| n > MAX_BODY) {
        return Err(ReadError::Bad(413, "body too large".into()));
    }
    let expects_body = chunked || length.is_some_and(|n| n > 0);
    if expects_body
        && header("expect")
            .map(|v| v.eq_ignore_ascii_case("100-continue"))
            .unwrap_or(false)
    {
        let _ = (&*stream).write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }

    let body = if chunked {
        read_chunked(reader)?
    } else if let Some(n) = length {
        let mut body = vec![0u8; n];
        reader
            .read_exact(&mut body)
            .map_err(|_| ReadError::Bad(400, "body shorter than content-length".into()))?;
        body
    } else {
        Vec::new()
    };

    Ok(Request {
        method,
        target,
        headers,
        body,
    })
}

fn read_chunked(reader: &mut BufReader<&TcpStream>) -> Result<Vec<u8>, ReadError> {
    let bad = |m: &str| ReadError::Bad(400, format!("bad chunked body: {m}"));
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or_else(|| bad("eof in size line"))?;
        let line = String::from_utf8_lossy(&line).into_owned();
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            loop {
                match read_line(reader)? {
                    None => break,
                    Some(l) if l.is_empty() => break,
                    Some(_) => {}
                }
            }
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(ReadError::Bad(413, "body too large".into()));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader
            .read_exact(&mut body[start..])
            .map_err(|_| bad("eof in chunk"))?;
        let end = read_line(reader)?.ok_or_else(|| bad("eof after chunk"))?;
        if !end.is_empty() {
            return Err(bad("missing CRLF after chunk"));
        }
    }
}

// ---------------------------------------------------------------------------
// Connection handling

#[derive(Clone, Copy, PartialEq, Eq)]
enum Proto {
    OpenAi,
    Anthropic,
}

fn handle_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(&stream);
    let req = match read_request(&mut reader, &stream) {
        Ok(r) => r,
        Err(ReadError::Closed) => return,
        Err(ReadError::Bad(code, msg)) => {
            let body = generic_error(code, &msg);
            let _ = write_json(&stream, code, &[], &body);
            linger_close(&stream);
            return;
        }
    };
    drop(reader);

    let parsed: Option<Value> = serde_json::from_slice(&req.body).ok();
    let body = match (&parsed, req.body.is_empty()) {
        (Some(v), _) => v.clone(),
        (None, true) => Value::Null,
        (None, false) => Value::String(String::from_utf8_lossy(&req.body).into_owned()),
    };
    lock(&shared.requests).push(Recorded {
        method: req.method.clone(),
        path: req.target.clone(),
        headers: req.headers.clone(),
        body,
        at: Instant::now(),
    });

    let guard = InFlight::enter(&shared);
    let sent = respond(&stream, &shared, &req, parsed, guard);
    if sent {
        linger_close(&stream);
    }
}

/// Answer one request. Returns false when the connection was dropped
/// without a response.
///
/// `in_flight` counts the request as being served from its arrival until
/// its answer starts (latency and `Slow` waits included): the client
/// cannot send its next request before that, so the peak concurrency the
/// server reports is exact, with no overlap from connections still closing.
fn respond(
    stream: &TcpStream,
    shared: &Shared,
    req: &Request,
    parsed: Option<Value>,
    in_flight: InFlight,
) -> bool {
    if !sleep_unless_stopped(shared, shared.latency) {
        return false;
    }
    let path = req.target.split(['?', '#']).next().unwrap_or("");
    let path = path.trim_end_matches('/');
    let proto = if path.ends_with("/chat/completions") {
        Proto::OpenAi
    } else if path.ends_with("/messages") {
        Proto::Anthropic
    } else {
        let body = generic_error(
            404,
            &format!("fixture server: no route for {} {}", req.method, req.target),
        );
        let _ = write_json(stream, 404, &[], &body);
        return true;
    };
    if req.method != "POST" {
        let body = error_body(
            proto,
            405,
            &format!("method {} not allowed; use POST", req.method),
        );
        let _ = write_json(stream, 405, &[("Allow".into(), "POST".into())], &body);
        return true;
    }
    let request = match parsed {
        Some(v) if v.is_object() => v,
        _ => {
            let body = error_body(proto, 400, "request body is not a JSON object");
            let _ = write_json(stream, 400, &[], &body);
            return true;
        }
    };

    let behaviour = lock(&shared.queue)
        .pop_front()
        .unwrap_or_else(|| shared.default.clone());
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    if let Behaviour::Slow(d) = behaviour {
        if !sleep_unless_stopped(shared, d) {
            return false;
        }
    }
    drop(in_flight);

    match behaviour {
        Behaviour::Drop => {
            let _ = stream.shutdown(Shutdown::Both);
            false
        }
        Behaviour::Status {
            code,
            headers,
            body,
        } => {
            let body = match body {
                Some(s) if serde_json::from_str::<Value>(&s).is_ok() => s,
                Some(s) => error_body(proto, code, &s),
                None => error_body(proto, code, &default_error_message(code)),
            };
            let _ = write_json(stream, code, &headers, &body);
            true
        }
        Behaviour::Slow(_) => {
            answer(stream, shared, proto, &request, id, None, Mode::Normal);
            true
        }
        Behaviour::Text(t) => {
            answer(stream, shared, proto, &request, id, Some(t), Mode::Normal);
            true
        }
        Behaviour::Answer => {
            answer(stream, shared, proto, &request, id, None, Mode::Normal);
            true
        }
        Behaviour::NoUsage => {
            answer(stream, shared, proto, &request, id, None, Mode::NoUsage);
            true
        }
        Behaviour::TruncatedJson => {
            answer(stream, shared, proto, &request, id, None, Mode::Truncated);
            true
        }
        Behaviour::Trickle(d) => {
            answer(stream, shared, proto, &request, id, None, Mode::Paced(d));
            true
        }
    }
}

/// Half-close, then read and discard what the client still sends until it
/// closes (bounded), so that closing never resets the connection under a
/// response the client has not read yet.
fn linger_close(stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let end = Instant::now() + Duration::from_secs(1);
    let mut buf = [0u8; 4096];
    while Instant::now() < end {
        match (&*stream).read(&mut buf) {
            Ok(0) => break,
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => break,
        }
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        529 => "Overloaded",
        _ => "Status",
    }
}

fn has_header(headers: &[(String, String)], name: &str) -> bool {
    headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// Write a complete response with a Content-Length body. `extra` headers
/// are sent verbatim; Content-Type and Connection are added unless present.
fn write_json(
    stream: &TcpStream,
    code: u16,
    extra: &[(String, String)],
    body: &str,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {code} {}\r\n", reason(code));
    for (k, v) in extra {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !has_header(extra, "content-type") {
        head.push_str("Content-Type: application/json\r\n");
    }
    if !has_header(extra, "connection") {
        head.push_str("Connection: close\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    let mut s = stream;
    s.write_all(&out)?;
    s.flush()
}

fn default_error_message(code: u16) -> String {
    match code {
        429 => "Rate limit reached for requests (fixture)".into(),
        529 => "Overloaded (fixture)".into(),
        500..=599 => "The server had an error while processing your request (fixture)".into(),
        401 => "Invalid API key (fixture)".into(),
        _ => format!("fixture error {code}"),
    }
}

/// An error both OpenAI- and Anthropic-style parsers can read.
fn generic_error(code: u16, message: &str) -> String {
    let ty = match code {
        404 => "not_found_error",
        413 => "request_too_large",
        _ => "invalid_request_error",
    };
    json!({"type": "error", "error": {"type": ty, "message": message, "code": code}}).to_string()
}

/// The provider's error body for this status.
fn error_body(proto: Proto, code: u16, message: &str) -> String {
    match proto {
        Proto::OpenAi => {
            let (ty, c) = match code {
                429 => ("rate_limit_error", json!("rate_limit_exceeded")),
                401 => ("invalid_request_error", json!("invalid_api_key")),
                403 => (
                    "invalid_request_error",
                    json!("unsupported_country_region_territory"),
                ),
                404 => ("invalid_request_error", json!("model_not_found")),
                500..=599 => ("server_error", Value::Null),
                _ => ("invalid_request_error", Value::Null),
            };
            json!({"error": {"message": message, "type": ty, "param": null, "code": c}}).to_string()
        }
        Proto::Anthropic => {
            let ty = match code {
                400 => "invalid_request_error",
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                500..=599 => "api_error",
                _ => "invalid_request_error",
            };
            json!({"type": "error", "error": {"type": ty, "message": message}}).to_string()
        }
    }
}

// ---------------------------------------------------------------------------
// Answers

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Normal,
    NoUsage,
    Truncated,
    Paced(Duration),
}

/// Text of a message `content`: a string, or a list of parts/blocks whose
/// `text` fields are concatenated.
pub fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| match p {
                Value::String(s) => Some(s.as_str()),
                _ => p.get("text").and_then(Value::as_str),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

/// The text of the last `user` message of an OpenAI or Anthropic request.
pub fn last_user_text(request: &Value) -> String {
    request
        .get("messages")
        .and_then(Value::as_array)
        .and_then(|ms| {
            ms.iter()
                .rev()
                .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        })
        .and_then(|m| m.get("content"))
        .map(content_text)
        .unwrap_or_default()
}

/// All prompt text: the Anthropic `system` field and every message.
pub fn prompt_text(request: &Value) -> String {
    let mut out = Vec::new();
    if let Some(system) = request.get("system") {
        out.push(content_text(system));
    }
    if let Some(ms) = request.get("messages").and_then(Value::as_array) {
        for m in ms {
            if let Some(c) = m.get("content") {
                out.push(content_text(c));
            }
        }
    }
    out.join("\n")
}

/// The fixture's rough token count: whitespace-separated words.
pub fn count_tokens(text: &str) -> u64 {
    text.split_whitespace().count() as u64
}

/// The default answer (`DEFAULT_CODE_ANSWER` when the last user message
/// contains a code fence or mentions a function, else `DEFAULT_TEXT_ANSWER`).
pub fn default_answer(request: &Value) -> String {
    let last = last_user_text(request);
    let lower = last.to_lowercase();
    if last.contains("```")
        || lower.contains("function")
        || lower.contains("def ")
        || lower.contains("func ")
    {
        DEFAULT_CODE_ANSWER.to_string()
    } else {
        DEFAULT_TEXT_ANSWER.to_string()
    }
}

/// Non-ASCII on purpose, so that split streams cut UTF-8 characters.
pub const DEFAULT_CODE_ANSWER: &str =
    "Voilà — here is the function ✓\n\n```python\ndef f(): pass\n```\n";
pub const DEFAULT_TEXT_ANSWER: &str = "Réponse du serveur de test — tout va bien ✓";

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn answer(
    stream: &TcpStream,
    shared: &Shared,
    proto: Proto,
    request: &Value,
    id: usize,
    fixed: Option<String>,
    mode: Mode,
) {
    let model = request
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or("fixture-model")
        .to_string();
    let streaming = request
        .get("stream")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let n = match proto {
        Proto::OpenAi => request
            .get("n")
            .and_then(Value::as_u64)
            .unwrap_or(1)
            .clamp(1, 64) as usize,
        Proto::Anthropic => 1,
    };
    let texts: Vec<String> = (0..n)
        .map(|_| fixed.clone().unwrap_or_else(|| (shared.answer)(request)))
        .collect();
    let prompt_tokens = count_tokens(&prompt_text(request));
    let completion_tokens: u64 = texts.iter().map(|t| count_tokens(t)).sum();
    let a = Answer {
        id,
        model,
        texts,
        prompt_tokens,
        completion_tokens,
        usage: mode != Mode::NoUsage,
        truncated: mode == Mode::Truncated,
    };
    let pace = match mode {
        Mode::Paced(d) => d,
        _ => Duration::ZERO,
    };
    if !streaming && !pace.is_zero() {
        std::thread::sleep(pace);
    }
    let _ = match (proto, streaming) {
        (Proto::OpenAi, false) => write_whole(stream, proto, id, &a, openai_body(&a)),
        (Proto::Anthropic, false) => write_whole(stream, proto, id, &a, anthropic_body(&a)),
        (Proto::OpenAi, true) => {
            let include_usage = request
                .pointer("/stream_options/include_usage")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            write_stream(stream, proto, id, &openai_stream(&a, include_usage), pace)
        }
        (Proto::Anthropic, true) => write_stream(stream, proto, id, &anthropic_stream(&a), pace),
    };
}

struct Answer {
    id: usize,
    model: String,
    texts: Vec<String>,
    prompt_tokens: u64,
    completion_tokens: u64,
    usage: bool,
    truncated: bool,
}

fn request_id_header(proto: Proto, id: usize) -> (String, String) {
    match proto {
        Proto::OpenAi => ("x-request-id".into(), format!("req_fixture{id}")),
        Proto::Anthropic => ("request-id".into(), format!("req_fixture{id}")),
    }
}

fn write_whole(
    stream: &TcpStream,
    proto: Proto,
    id: usize,
    a: &Answer,
    body: Value,
) -> io::Result<()> {
    let mut body = body.to_string();
    if a.truncated {
        let mut cut = body.len() / 2;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
    }
    write_json(stream, 200, &[request_id_header(proto, id)], &body)
}

fn openai_usage(a: &Answer) -> Value {
    json!({
        "prompt_tokens": a.prompt_tokens,
        "completion_tokens": a.completion_tokens,
        "total_tokens": a.prompt_tokens + a.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0}
    })
}

fn openai_body(a: &Answer) -> Value {
    let choices: Vec<Value> = a
        .texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            json!({
                "index": i,
                "message": {"role": "assistant", "content": t, "refusal": null},
                "logprobs": null,
                "finish_reason": "stop"
            })
        })
        .collect();
    let mut body = json!({
        "id": format!("chatcmpl-fixture{}", a.id),
        "object": "chat.completion",
        "created": unix_now(),
        "model": a.model,
        "choices": choices,
        "system_fingerprint": "fp_fixture",
    });
    if a.usage {
        body["usage"] = openai_usage(a);
    }
    body
}

fn anthropic_usage(input: u64, output: u64) -> Value {
    json!({
        "input_tokens": input,
        "output_tokens": output,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0
    })
}

fn anthropic_body(a: &Answer) -> Value {
    let mut body = json!({
        "id": format!("msg_fixture{}", a.id),
        "type": "message",
        "role": "assistant",
        "model": a.model,
        "content": [{"type": "text", "text": a.texts[0]}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
    });
    if a.usage {
        body["usage"] = anthropic_usage(a.prompt_tokens, a.completion_tokens);
    }
    body
}

/// Small content pieces (a few characters each) for delta events.
fn pieces(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect()).collect()
}

/// Serialise the truncated form of an event's JSON: its first half.
fn cut_json(v: &Value) -> String {
    let s = v.to_string();
    let mut cut = s.len() / 2;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s[..cut].to_string()
}

fn openai_stream(a: &Answer, include_usage: bool) -> Vec<u8> {
    let created = unix_now();
    let id = format!("chatcmpl-fixture{}", a.id);
    let chunk = |choices: Value| -> Value {
        let mut c = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": a.model,
            "system_fingerprint": "fp_fixture",
            "choices": choices,
        });
        if include_usage && a.usage {
            // As OpenAI does: `usage: null` on every chunk but the last.
            c["usage"] = Value::Null;
        }
        c
    };
    let mut events: Vec<String> = Vec::new();
    for (i, text) in a.texts.iter().enumerate() {
        events.push(chunk(json!([{"index": i, "delta": {"role": "assistant"}, "logprobs": null, "finish_reason": null}])).to_string());
        for p in pieces(text) {
            events.push(chunk(json!([{"index": i, "delta": {"content": p}, "logprobs": null, "finish_reason": null}])).to_string());
        }
        if a.truncated && i == 0 {
            let tail = chunk(
                json!([{"index": i, "delta": {"content": "tronqué…"}, "finish_reason": null}]),
            );
            events.push(cut_json(&tail));
            return sse(events.into_iter().map(|d| (None, d)));
        }
        events.push(
            chunk(json!([{"index": i, "delta": {}, "logprobs": null, "finish_reason": "stop"}]))
                .to_string(),
        );
    }
    if include_usage && a.usage {
        let mut last = chunk(json!([]));
        last["usage"] = openai_usage(a);
        events.push(last.to_string());
    }
    events.push("[DONE]".to_string());
    sse(events.into_iter().map(|d| (None, d)))
}

fn anthropic_stream(a: &Answer) -> Vec<u8> {
    let mut message = json!({
        "id": format!("msg_fixture{}", a.id),
        "type": "message",
        "role": "assistant",
        "model": a.model,
        "content": [],
        "stop_reason": null,
        "stop_sequence": null,
    });
    if a.usage {
        message["usage"] = anthropic_usage(a.prompt_tokens, 1);
    }
    let mut events: Vec<(Option<&str>, String)> = vec![
        (Some("message_start"), json!({"type": "message_start", "message": message}).to_string()),
        (
            Some("content_block_start"),
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}).to_string(),
        ),
        (Some("ping"), json!({"type": "ping"}).to_string()),
    ];
    for p in pieces(&a.texts[0]) {
        events.push((
            Some("content_block_delta"),
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}}).to_string(),
        ));
    }
    if a.truncated {
        let tail = json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "tronqué…"}});
        events.push((Some("content_block_delta"), cut_json(&tail)));
        return sse(events.into_iter());
    }
    events.push((
        Some("content_block_stop"),
        json!({"type": "content_block_stop", "index": 0}).to_string(),
    ));
    let mut delta = json!({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": null}});
    if a.usage {
        delta["usage"] = json!({"output_tokens": a.completion_tokens});
    }
    events.push((Some("message_delta"), delta.to_string()));
    events.push((
        Some("message_stop"),
        json!({"type": "message_stop"}).to_string(),
    ));
    sse(events.into_iter())
}

fn sse<'a>(events: impl Iterator<Item = (Option<&'a str>, String)>) -> Vec<u8> {
    let mut out = String::new();
    for (name, data) in events {
        if let Some(name) = name {
            out.push_str(&format!("event: {name}\n"));
        }
        out.push_str(&format!("data: {data}\n\n"));
    }
    out.into_bytes()
}

/// Cut positions: at most 7 bytes per piece, a cut inside every multi-byte
/// UTF-8 character, and a cut between consecutive newlines.
pub fn awkward_pieces(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..bytes.len() {
        let inside_char = bytes[i] & 0xC0 == 0x80;
        let between_newlines = bytes[i - 1] == b'\n' && bytes[i] == b'\n';
        if inside_char || between_newlines || i - start >= 7 {
            out.push(&bytes[start..i]);
            start = i;
        }
    }
    if start < bytes.len() {
        out.push(&bytes[start..]);
    }
    out
}

/// A chunked event stream; with a `pace`, the server sleeps that long
/// before each event (a piece that starts a new event).
fn write_stream(
    stream: &TcpStream,
    proto: Proto,
    id: usize,
    body: &[u8],
    pace: Duration,
) -> io::Result<()> {
    let (rk, rv) = request_id_header(proto, id);
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n{rk}: {rv}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut s = stream;
    s.write_all(head.as_bytes())?;
    let pieces = if pace.is_zero() {
        awkward_pieces(body)
    } else {
        body.split_inclusive(|b| *b == b'\n')
            .fold(Vec::<&[u8]>::new(), |mut events, line| {
                // Whole events: lines up to and including the blank line.
                match events.last_mut() {
                    Some(last) if !last.ends_with(b"\n\n") => {
                        let start = last.as_ptr() as usize - body.as_ptr() as usize;
                        *last = &body[start..start + last.len() + line.len()];
                    }
                    _ => events.push(line),
                }
                events
            })
    };
    for piece in pieces {
        if !pace.is_zero() {
            s.flush()?;
            std::thread::sleep(pace);
        }
        let mut chunk = format!("{:x}\r\n", piece.len()).into_bytes();
        chunk.extend_from_slice(piece);
        chunk.extend_from_slice(b"\r\n");
        s.write_all(&chunk)?;
    }
    s.write_all(b"0\r\n\r\n")?;
    s.flush()
}
