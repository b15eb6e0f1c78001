//! The loopback model proxy: a small HTTP/1.1 server on 127.0.0.1 that a
//! coding agent is pointed at instead of its model provider. It forwards
//! every request to the configured upstream, streams the answer back as it
//! arrives, and records each call (raw request and response, status,
//! latency, token usage, cost) so an agent's model traffic is accounted
//! like a model subject's.
//!
//! Paths: the proxy's `/v1` stands for the upstream's base URL, so an agent
//! told `OPENAI_BASE_URL=http://127.0.0.1:P/v1` or
//! `ANTHROPIC_BASE_URL=http://127.0.0.1:P` reaches the same path upstream
//! (`/v1/chat/completions` → `{base_url}/chat/completions`); any other path
//! is forwarded verbatim to the upstream's origin.
//!
//! Credentials: when the upstream endpoint has an API key, the agent's own
//! `authorization` / `x-api-key` headers are dropped and the upstream's key
//! is sent instead, so the agent can be given a placeholder key.
//!
//! A sandboxed agent has no way to 127.0.0.1 of the host: there the proxy
//! listens on a Unix socket instead ([`Proxy::start_unix`]), which a relay
//! inside the agent's sandbox connects its own loopback port to.
//!
//! Each connection carries one request and is answered with
//! `Connection: close`; the body goes back chunked (HTTP/1.1 clients) or
//! delimited by the close (HTTP/1.0 clients), one write per upstream read,
//! so server-sent events reach the agent as they arrive.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::generate::wire;
use crate::model::{ModelCall, Usage};
use crate::plan::endpoint::Endpoint;
use crate::suite::hex;

/// Longest request line plus headers accepted from an agent.
const MAX_HEAD: u64 = 64 * 1024;
/// Largest request body accepted from an agent.
const MAX_BODY: u64 = 64 << 20;
/// How much of each response is kept in the record (all of it is forwarded).
const MAX_RECORDED: usize = 32 << 20;
/// How long an idle agent connection may take to send its request.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `finish` waits for calls still in flight.
const FINISH_GRACE: Duration = Duration::from_secs(5);

/// Request headers passed from the agent to the upstream (besides credentials).
const FORWARDED_REQUEST_HEADERS: &[&str] = &[
    "content-type",
    "accept",
    "anthropic-version",
    "anthropic-beta",
    "openai-beta",
];

/// Response headers that describe one hop only and are never passed on.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "content-encoding",
];

/// A running proxy; see the module documentation.
pub struct Proxy {
    addr: Addr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

struct Shared {
    upstream: Endpoint,
    /// When the upstream has a key, requests must carry this per-proxy key
    /// (as a bearer token or `x-api-key`), so no other local process can
    /// spend the real key through the proxy.
    access_key: Option<String>,
    http: ureq::Agent,
    stop: AtomicBool,
    next: AtomicU64,
    /// One lock for both, so a call is always in exactly one of them.
    log: Mutex<CallLog>,
    handlers: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Default)]
struct CallLog {
    /// Finished calls, with their arrival numbers.
    done: Vec<(u64, ModelCall)>,
    /// Calls whose answer has not been fully forwarded yet.
    in_flight: BTreeMap<u64, Pending>,
}

struct Pending {
    url: String,
    request: String,
    started: Instant,
}

/// Where the proxy listens.
#[derive(Debug, Clone)]
enum Addr {
    Tcp(SocketAddr),
    Unix(PathBuf),
}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

impl Listener {
    fn accept(&self) -> io::Result<Conn> {
        match self {
            Listener::Tcp(l) => l.accept().map(|(s, _)| Conn::Tcp(s)),
            Listener::Unix(l) => l.accept().map(|(s, _)| Conn::Unix(s)),
        }
    }
}

/// One agent connection.
enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    fn shutdown(&self) {
        let _ = match self {
            Conn::Tcp(s) => s.shutdown(Shutdown::Both),
            Conn::Unix(s) => s.shutdown(Shutdown::Both),
        };
    }

    fn prepare(&self) {
        match self {
            Conn::Tcp(s) => {
                let _ = s.set_nodelay(true);
                let _ = s.set_read_timeout(Some(REQUEST_READ_TIMEOUT));
            }
            Conn::Unix(s) => {
                let _ = s.set_read_timeout(Some(REQUEST_READ_TIMEOUT));
            }
        }
    }
}

impl Read for &Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match *self {
            Conn::Tcp(s) => (&*s).read(buf),
            Conn::Unix(s) => (&*s).read(buf),
        }
    }
}

impl Write for &Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match *self {
            Conn::Tcp(s) => (&*s).write(buf),
            Conn::Unix(s) => (&*s).write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match *self {
            Conn::Tcp(s) => (&*s).flush(),
            Conn::Unix(s) => (&*s).flush(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Proxy {
    /// Listen on 127.0.0.1 with an ephemeral port and forward to `upstream`.
    pub fn start(upstream: Endpoint) -> Result<Proxy> {
        let listener =
            TcpListener::bind(("127.0.0.1", 0)).context("model proxy: bind 127.0.0.1:0")?;
        let addr = listener
            .local_addr()
            .context("model proxy: local address")?;
        Proxy::serve(upstream, Listener::Tcp(listener), Addr::Tcp(addr))
    }

    /// Listen on a Unix socket at `path` (which must not exist yet) and
    /// forward to `upstream`: the proxy of a sandboxed agent, reached
    /// through its relay.
    pub fn start_unix(upstream: Endpoint, path: &Path) -> Result<Proxy> {
        let listener = UnixListener::bind(path)
            .with_context(|| format!("model proxy: listen on {}", path.display()))?;
        Proxy::serve(
            upstream,
            Listener::Unix(listener),
            Addr::Unix(path.to_path_buf()),
        )
    }

    fn serve(upstream: Endpoint, listener: Listener, addr: Addr) -> Result<Proxy> {
        // Reads time out per read (the upstream's idle timeout), not per
        // request, so a long stream that keeps flowing is never cut.
        let http = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            .timeout_read(upstream.idle_timeout)
            .timeout_write(upstream.idle_timeout)
            .redirects(0)
            .user_agent(concat!("secgap-proxy/", env!("CARGO_PKG_VERSION")))
            .build();
        let access_key = match upstream.api_key {
            Some(_) => Some(new_access_key()?),
            None => None,
        };
        let shared = Arc::new(Shared {
            upstream,
            access_key,
            http,
            stop: AtomicBool::new(false),
            next: AtomicU64::new(0),
            log: Mutex::new(CallLog::default()),
            handlers: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        let accept = std::thread::Builder::new()
            .name("secgap-proxy".into())
            .spawn(move || accept_loop(listener, s))
            .context("model proxy: start the accept thread")?;
        Ok(Proxy {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// The key an agent must present (bearer token or `x-api-key`) when
    /// the upstream has a real key; None when the upstream needs none.
    pub fn access_key(&self) -> Option<&str> {
        self.shared.access_key.as_deref()
    }

    /// `http://127.0.0.1:PORT` for a proxy on TCP; None for one on a Unix
    /// socket, whose origin is that of the relay in front of it.
    pub fn origin(&self) -> Option<String> {
        match &self.addr {
            Addr::Tcp(a) => Some(format!("http://{a}")),
            Addr::Unix(_) => None,
        }
    }

    /// Stop accepting, wait briefly for calls in flight, and return every
    /// call recorded, in arrival order. Calls still unfinished after the
    /// grace period are recorded with an error (their usage is unknown).
    pub fn finish(mut self) -> Vec<ModelCall> {
        self.stop_accepting();
        let deadline = Instant::now() + FINISH_GRACE;
        loop {
            let done = lock(&self.shared.handlers).iter().all(|h| h.is_finished());
            if done || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let finished: Vec<JoinHandle<()>> = {
            let mut hs = lock(&self.shared.handlers);
            let (done, running): (Vec<_>, Vec<_>) = hs.drain(..).partition(|h| h.is_finished());
            *hs = running;
            done
        };
        for h in finished {
            let _ = h.join();
        }
        let CallLog {
            done: mut calls,
            in_flight: unfinished,
        } = std::mem::take(&mut *lock(&self.shared.log));
        for (seq, p) in unfinished {
            calls.push((
                seq,
                ModelCall {
                    attempt: 1,
                    url: p.url,
                    request: p.request,
                    status: None,
                    response: String::new(),
                    latency_ms: p.started.elapsed().as_millis() as u64,
                    usage: Usage::default(),
                    cost_usd: None,
                    cached: false,
                    error: Some(
                        "unfinished: the agent was stopped while this call was in flight".into(),
                    ),
                    retry_after_ms: None,
                },
            ));
        }
        calls.sort_by_key(|(seq, _)| *seq);
        calls.into_iter().map(|(_, c)| c).collect()
    }

    fn stop_accepting(&mut self) {
        if let Some(h) = self.accept.take() {
            self.shared.stop.store(true, Ordering::SeqCst);
            // Wake the blocking accept.
            match &self.addr {
                Addr::Tcp(a) => {
                    let _ = TcpStream::connect_timeout(a, Duration::from_secs(1));
                }
                Addr::Unix(p) => {
                    let _ = UnixStream::connect(p);
                }
            }
            let _ = h.join();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop_accepting();
    }
}

/// A fresh per-proxy key from the operating system's random source. It
/// guards a real API key, so without randomness the proxy does not start.
fn new_access_key() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| anyhow::anyhow!("model proxy: no random bytes for the access key: {e}"))?;
    Ok(format!("secgap-{}", hex(&bytes)))
}

fn accept_loop(listener: Listener, shared: Arc<Shared>) {
    loop {
        let conn = listener.accept();
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match conn {
            Ok(s) => s,
            Err(_) => {
                // Out of descriptors and the like: do not spin.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let s = shared.clone();
        if let Ok(h) = std::thread::Builder::new()
            .name("secgap-proxy-conn".into())
            .spawn(move || handle(stream, &s))
        {
            let mut hs = lock(&shared.handlers);
            hs.retain(|h| !h.is_finished());
            hs.push(h);
        }
    }
}

/// A request as read from the agent.
struct Incoming {
    method: String,
    /// Origin-form target: path and query.
    target: String,
    http10: bool,
    /// Names in lower case.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

enum BadRequest {
    /// The connection ended before a request: nothing to answer.
    Closed,
    Status(u16, String),
}

fn handle(stream: Conn, shared: &Shared) {
    stream.prepare();
    let mut reader = BufReader::new(&stream);
    let req = match read_request(&mut reader, &stream) {
        Ok(r) => r,
        Err(BadRequest::Closed) => return,
        Err(BadRequest::Status(code, msg)) => {
            let _ = reply_error(&stream, code, &msg);
            stream.shutdown();
            return;
        }
    };
    forward(&stream, shared, req);
    stream.shutdown();
}

/// Read one line (ending in LF) of at most `*budget` bytes, without the line end.
fn read_line(r: &mut impl BufRead, budget: &mut u64) -> Result<Option<String>, BadRequest> {
    let mut line = Vec::new();
    let n = r
        .take(*budget)
        .read_until(b'\n', &mut line)
        .map_err(|e| BadRequest::Status(400, format!("reading the request: {e}")))?;
    if n == 0 {
        return Ok(None);
    }
    *budget -= n as u64;
    if line.last() != Some(&b'\n') {
        return Err(if *budget == 0 {
            BadRequest::Status(431, "request head too large".into())
        } else {
            BadRequest::Status(400, "request ended inside a line".into())
        });
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| BadRequest::Status(400, "request head is not UTF-8".into()))
}

fn read_request(r: &mut impl BufRead, mut w: impl Write) -> Result<Incoming, BadRequest> {
    let mut budget = MAX_HEAD;
    let mut first = None;
    // Tolerate empty lines before the request line (RFC 9112, 2.2).
    for _ in 0..4 {
        match read_line(r, &mut budget)? {
            None => return Err(BadRequest::Closed),
            Some(l) if l.is_empty() => continue,
            Some(l) => {
                first = Some(l);
                break;
            }
        }
    }
    let first = first.ok_or(BadRequest::Closed)?;
    let mut parts = first.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && v.starts_with("HTTP/1.") => {
            (m.to_string(), t.to_string(), v)
        }
        _ => return Err(BadRequest::Status(400, "malformed request line".into())),
    };
    let http10 = version == "HTTP/1.0";
    let mut headers = Vec::new();
    loop {
        let line = read_line(r, &mut budget)?
            .ok_or_else(|| BadRequest::Status(400, "request ended inside the headers".into()))?;
        if line.is_empty() {
            break;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| BadRequest::Status(400, format!("malformed header line `{line}`")))?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let mut req = Incoming {
        method,
        target: origin_form(&target)
            .ok_or_else(|| BadRequest::Status(400, format!("bad request target `{target}`")))?,
        http10,
        headers,
        body: Vec::new(),
    };
    if req
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        let _ = w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    let chunked = req
        .header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    if chunked {
        req.body = read_chunked(r)?;
    } else if let Some(len) = req.header("content-length") {
        let len: u64 = len
            .parse()
            .map_err(|_| BadRequest::Status(400, "bad content-length".into()))?;
        if len > MAX_BODY {
            return Err(BadRequest::Status(413, "request body too large".into()));
        }
        let mut body = Vec::with_capacity(len as usize);
        r.take(len)
            .read_to_end(&mut body)
            .map_err(|e| BadRequest::Status(400, format!("reading the request body: {e}")))?;
        if body.len() as u64 != len {
            return Err(BadRequest::Status(
                400,
                "request body shorter than content-length".into(),
            ));
        }
        req.body = body;
    }
    Ok(req)
}

fn read_chunked(r: &mut impl BufRead) -> Result<Vec<u8>, BadRequest> {
    let mut body = Vec::new();
    loop {
        let mut budget = 1024;
        let line = read_line(r, &mut budget)?
            .ok_or_else(|| BadRequest::Status(400, "chunked body ended early".into()))?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = u64::from_str_radix(size, 16)
            .map_err(|_| BadRequest::Status(400, format!("bad chunk size `{size}`")))?;
        if size == 0 {
            // Trailer section, up to the empty line.
            let mut budget = MAX_HEAD;
            while let Some(l) = read_line(r, &mut budget)? {
                if l.is_empty() {
                    break;
                }
            }
            return Ok(body);
        }
        if body.len() as u64 + size > MAX_BODY {
            return Err(BadRequest::Status(413, "request body too large".into()));
        }
        let start = body.len();
        r.take(size)
            .read_to_end(&mut body)
            .map_err(|e| BadRequest::Status(400, format!("reading a chunk: {e}")))?;
        if (body.len() - start) as u64 != size {
            return Err(BadRequest::Status(
                400,
                "chunk shorter than its size".into(),
            ));
        }
        let mut crlf = [0u8; 2];
        r.read_exact(&mut crlf)
            .map_err(|_| BadRequest::Status(400, "chunk not followed by CRLF".into()))?;
    }
}

/// `/path?q` as is; an absolute-form `http://host/path?q` reduced to `/path?q`.
fn origin_form(target: &str) -> Option<String> {
    if target.starts_with('/') {
        return Some(target.to_string());
    }
    let rest = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))?;
    Some(match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => rest[i..].to_string(),
        Some(i) => format!("/{}", &rest[i..]),
        None => "/".to_string(),
    })
}

/// Where a request for `target` goes: the proxy's `/v1` is the upstream's
/// base URL; other paths go to the upstream's origin unchanged.
pub fn upstream_url(base_url: &str, target: &str) -> String {
    let base = base_url.trim_end_matches('/');
    let authority_start = base.find("://").map(|i| i + 3).unwrap_or(0);
    let origin_end = base[authority_start..]
        .find('/')
        .map(|i| i + authority_start)
        .unwrap_or(base.len());
    match target.strip_prefix("/v1") {
        Some(rest) if rest.is_empty() || rest.starts_with(['/', '?']) => format!("{base}{rest}"),
        _ => format!("{}{target}", &base[..origin_end]),
    }
}

fn reason(code: u16) -> &'static str {
    match code {
        400 => "Bad Request",
        401 => "Unauthorized",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        502 => "Bad Gateway",
        _ => "Error",
    }
}

fn error_json(message: &str) -> String {
    // Both OpenAI- and Anthropic-style clients can read this shape.
    serde_json::json!({
        "type": "error",
        "error": {"type": "proxy_error", "message": format!("secgap proxy: {message}")}
    })
    .to_string()
}

fn reply_error(mut w: impl Write, code: u16, message: &str) -> io::Result<()> {
    let body = error_json(message);
    let head = format!(
        "HTTP/1.1 {code} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reason(code),
        body.len()
    );
    w.write_all(head.as_bytes())?;
    w.write_all(body.as_bytes())?;
    w.flush()
}

/// The response body going back to the agent.
struct BodyOut<'a> {
    w: &'a Conn,
    chunked: bool,
}

impl BodyOut<'_> {
    fn send(&mut self, data: &[u8]) -> io::Result<()> {
        let mut w = self.w;
        if self.chunked {
            let mut chunk = format!("{:x}\r\n", data.len()).into_bytes();
            chunk.extend_from_slice(data);
            chunk.extend_from_slice(b"\r\n");
            w.write_all(&chunk)?;
        } else {
            w.write_all(data)?;
        }
        w.flush()
    }

    fn end(&mut self) -> io::Result<()> {
        let mut w = self.w;
        if self.chunked {
            w.write_all(b"0\r\n\r\n")?;
        }
        w.flush()
    }
}

fn forward(client: &Conn, shared: &Shared, req: Incoming) {
    let ep = &shared.upstream;
    let url = upstream_url(&ep.base_url, &req.target);
    let request_text = String::from_utf8_lossy(&req.body).into_owned();
    let seq = shared.next.fetch_add(1, Ordering::SeqCst);
    let started = Instant::now();
    lock(&shared.log).in_flight.insert(
        seq,
        Pending {
            url: url.clone(),
            request: request_text.clone(),
            started,
        },
    );

    if let Some(key) = &shared.access_key {
        let bearer = req
            .header("authorization")
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if bearer != Some(key.as_str()) && req.header("x-api-key") != Some(key.as_str()) {
            let error = "refused: the request does not carry this sample's proxy key".to_string();
            let _ = reply_error(client, 401, &error);
            record(
                shared,
                seq,
                failed_call(url, request_text, Some(401), started, error),
            );
            return;
        }
    }
    let mut up = shared.http.request(&req.method, &url);
    for name in FORWARDED_REQUEST_HEADERS {
        if let Some(v) = req.header(name) {
            up = up.set(name, v);
        }
    }
    let w = wire::of(ep.protocol);
    match &ep.api_key {
        Some(key) => {
            for (k, v) in w.auth_headers(key) {
                up = up.set(k, &v);
            }
        }
        None => {
            for name in ["authorization", "x-api-key"] {
                if let Some(v) = req.header(name) {
                    up = up.set(name, v);
                }
            }
        }
    }
    for (k, v) in w.version_headers() {
        if req.header(k).is_none() {
            up = up.set(k, v);
        }
    }
    for (k, v) in &ep.headers {
        up = up.set(k, v);
    }
    let bodiless = req.body.is_empty() && matches!(req.method.as_str(), "GET" | "HEAD" | "DELETE");
    let result = if bodiless {
        up.call()
    } else {
        up.send_bytes(&req.body)
    };
    let resp = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(ureq::Error::Transport(t)) => {
            let error = format!("upstream unreachable: {t}");
            let _ = reply_error(client, 502, &error);
            record(
                shared,
                seq,
                failed_call(url, request_text, None, started, error),
            );
            return;
        }
    };

    let status = resp.status();
    let mut head = format!("HTTP/1.1 {status} {}\r\n", resp.status_text());
    for name in resp.headers_names() {
        if HOP_BY_HOP.contains(&name.to_ascii_lowercase().as_str()) {
            continue;
        }
        for v in resp.all(&name) {
            head.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    // Responses that never have a body get no body framing either.
    let bodiless = req.method == "HEAD" || status == 204 || status == 304 || status < 200;
    let chunked = !req.http10 && !bodiless;
    if chunked {
        head.push_str("Transfer-Encoding: chunked\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    let gone = "the agent closed the connection before the answer ended";
    let mut client_ok = {
        let mut w = client;
        w.write_all(head.as_bytes()).and_then(|_| w.flush()).is_ok()
    };
    let mut out = BodyOut { w: client, chunked };
    let mut raw = Vec::new();
    let mut stream_error = (!client_ok).then(|| gone.to_string());
    let mut upstream = resp.into_reader();
    let mut buf = vec![0u8; 16 * 1024];
    // Nobody is listening: stop reading, which ends the upstream stream.
    while client_ok {
        let n = match upstream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                stream_error = Some(format!("upstream stream broke off: {e}"));
                break;
            }
        };
        if raw.len() < MAX_RECORDED {
            let keep = n.min(MAX_RECORDED - raw.len());
            raw.extend_from_slice(&buf[..keep]);
        }
        if out.send(&buf[..n]).is_err() {
            client_ok = false;
            // An agent may stop reading once it has what it needs (an
            // event stream's `[DONE]`): if all that was left is blank, the
            // answer did reach it.
            let rest_blank = is_blank(&buf[..n]) && blank_to_the_end(&mut upstream, &mut raw);
            if !rest_blank {
                stream_error = Some(gone.to_string());
            }
        }
    }
    // A body cut off upstream must look cut off to the agent: no final chunk.
    if client_ok && stream_error.is_none() {
        let _ = out.end();
    }
    let response = String::from_utf8_lossy(&raw).into_owned();
    let usage = usage_of(&response);
    let error = if status >= 400 {
        Some(format!("HTTP {status}: {}", w.error_message(&response)))
    } else {
        stream_error
    };
    record(
        shared,
        seq,
        ModelCall {
            attempt: 1,
            url,
            request: request_text,
            status: Some(status),
            response,
            latency_ms: started.elapsed().as_millis() as u64,
            usage,
            cost_usd: ep.price.and_then(|p| p.cost(&usage)),
            cached: false,
            error,
            retry_after_ms: None,
        },
    );
}

/// A call that got no answer from the upstream (refused here, or unreachable).
fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Read what is left of an upstream answer nobody listens to any more,
/// while it is blank and short (a stream's last line ends): true if it
/// ends that way. What is read is kept with the record.
fn blank_to_the_end(upstream: &mut impl Read, raw: &mut Vec<u8>) -> bool {
    let mut left = 4096usize;
    let mut buf = [0u8; 512];
    loop {
        match upstream.read(&mut buf) {
            Ok(0) => return true,
            Ok(n) if n <= left && is_blank(&buf[..n]) => {
                left -= n;
                if raw.len() + n <= MAX_RECORDED {
                    raw.extend_from_slice(&buf[..n]);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            _ => return false,
        }
    }
}

fn failed_call(
    url: String,
    request: String,
    status: Option<u16>,
    started: Instant,
    error: String,
) -> ModelCall {
    ModelCall {
        attempt: 1,
        url,
        request,
        status,
        response: String::new(),
        latency_ms: started.elapsed().as_millis() as u64,
        usage: Usage::default(),
        cost_usd: None,
        cached: false,
        error: Some(error),
        retry_after_ms: None,
    }
}

fn record(shared: &Shared, seq: u64, call: ModelCall) {
    let mut log = lock(&shared.log);
    log.in_flight.remove(&seq);
    log.done.push((seq, call));
}

/// Token usage from a response body: a JSON object, or a server-sent event
/// stream, in any registered wire protocol (the OpenAI Chat Completions
/// and Responses APIs, Anthropic Messages). Unknown shapes give empty
/// usage; a stream cut short still counts what it carried.
pub fn usage_of(body: &str) -> Usage {
    let mut usage = wire::any_usage();
    if let Ok(v) = serde_json::from_str::<Value>(body) {
        usage.take(&v);
        return usage.usage();
    }
    for data in wire::sse::events(body) {
        if let Ok(v) = serde_json::from_str::<Value>(&data) {
            usage.take(&v);
        }
    }
    usage.usage()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::endpoint::{Price, Protocol};

    #[test]
    fn paths_map_onto_the_upstream_base_url() {
        let a = "https://api.anthropic.com/v1";
        assert_eq!(
            upstream_url(a, "/v1/messages?beta=true"),
            "https://api.anthropic.com/v1/messages?beta=true"
        );
        assert_eq!(
            upstream_url("http://127.0.0.1:9/v1/", "/v1/chat/completions"),
            "http://127.0.0.1:9/v1/chat/completions"
        );
        // A gateway with a path prefix keeps it.
        assert_eq!(
            upstream_url("https://gw.example/acct/openai/v1", "/v1/responses"),
            "https://gw.example/acct/openai/v1/responses"
        );
        // Paths outside /v1 go to the origin.
        assert_eq!(
            upstream_url("https://gw.example/acct/v1", "/health"),
            "https://gw.example/health"
        );
        assert_eq!(
            upstream_url("https://h.example/v1", "/v10/x"),
            "https://h.example/v10/x"
        );
        assert_eq!(
            origin_form("http://127.0.0.1:5/v1/messages?x=1").as_deref(),
            Some("/v1/messages?x=1")
        );
        assert_eq!(origin_form("*"), None);
    }

    #[test]
    fn usage_from_chat_completions_body_and_stream() {
        let body = r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,
            "prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}}"#;
        let u = usage_of(body);
        assert_eq!(
            (u.input, u.output, u.cached, u.reasoning),
            (Some(12), Some(5), Some(4), Some(2))
        );
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n\
                      data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3}}\n\n\
                      data: [DONE]\n\n";
        let u = usage_of(stream);
        assert_eq!((u.input, u.output, u.cached), (Some(7), Some(3), None));
    }

    #[test]
    fn usage_from_responses_api_body_and_stream() {
        let body = r#"{"object":"response","status":"completed","output":[],
            "usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":60},
            "output_tokens":40,"output_tokens_details":{"reasoning_tokens":25},"total_tokens":140}}"#;
        let u = usage_of(body);
        assert_eq!(
            (u.input, u.output, u.cached, u.reasoning),
            (Some(100), Some(40), Some(60), Some(25))
        );
        let stream = "event: response.created\r\n\
            data: {\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"usage\":null}}\r\n\r\n\
            event: response.output_text.delta\r\n\
            data: {\"type\":\"response.output_text.delta\",\"delta\":\"hi\"}\r\n\r\n\
            event: response.completed\r\n\
            data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"usage\":{\"input_tokens\":9,\
            \"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":4,\
            \"output_tokens_details\":{\"reasoning_tokens\":1}}}}\r\n\r\n";
        let u = usage_of(stream);
        assert_eq!(
            (u.input, u.output, u.cached, u.reasoning),
            (Some(9), Some(4), Some(0), Some(1))
        );
    }

    #[test]
    fn usage_from_anthropic_body_and_stream_counts_cache_in_input() {
        let body = r#"{"type":"message","content":[],"usage":{"input_tokens":10,
            "cache_read_input_tokens":30,"cache_creation_input_tokens":5,"output_tokens":8}}"#;
        let u = usage_of(body);
        assert_eq!((u.input, u.output, u.cached), (Some(45), Some(8), Some(30)));
        let stream = "event: message_start\n\
            data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":20,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n\
            event: content_block_delta\n\
            data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"x\"}}\n\n\
            event: message_delta\n\
            data: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":17}}\n\n\
            event: message_stop\n\
            data: {\"type\":\"message_stop\"}\n\n";
        let u = usage_of(stream);
        assert_eq!((u.input, u.output, u.cached), (Some(20), Some(17), Some(0)));
        assert_eq!(usage_of("not json at all"), Usage::default());
    }

    /// A one-shot upstream on a real socket: answers each request with a
    /// Responses-API event stream in several writes, recording what it got.
    /// What the canned upstream got: target, headers, body.
    type Seen = (String, Vec<(String, String)>, String);

    fn canned_upstream(answer: &'static str) -> (String, std::sync::mpsc::Receiver<Seen>) {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(s) = conn else { continue };
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let mut r = BufReader::new(&s);
                    let Ok(req) = read_request(&mut r, &s) else {
                        return;
                    };
                    let _ = tx.send((
                        req.target.clone(),
                        req.headers.clone(),
                        String::from_utf8_lossy(&req.body).into_owned(),
                    ));
                    let mut w = &s;
                    let _ = w.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nx-request-id: up-1\r\nConnection: close\r\n\r\n",
                    );
                    for piece in answer.as_bytes().chunks(11) {
                        let _ = w.write_all(piece);
                        let _ = w.flush();
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    let _ = s.shutdown(Shutdown::Both);
                });
            }
        });
        (format!("http://{addr}/v1"), rx)
    }

    #[test]
    fn proxy_streams_responses_api_and_records_the_call() {
        let stream = "event: response.created\n\
            data: {\"type\":\"response.created\",\"response\":{\"usage\":null}}\n\n\
            event: response.completed\n\
            data: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":1000,\
            \"input_tokens_details\":{\"cached_tokens\":400},\"output_tokens\":200,\
            \"output_tokens_details\":{\"reasoning_tokens\":50}}}}\n\n";
        let (base, seen) = canned_upstream(stream);
        let mut ep = Endpoint::new(Protocol::OpenAi, &base, "m");
        ep.api_key = Some("sk-real".into());
        ep.headers = vec![("x-team".into(), "appsec".into())];
        ep.price = Some(Price {
            input: 2.0,
            output: 8.0,
            cached_input: Some(1.0),
        });
        let proxy = Proxy::start(ep).unwrap();
        let body = r#"{"model":"m","input":"hi","stream":true}"#;
        // Without this proxy's key (say, another local process), refused.
        for wrong in ["Bearer placeholder", "Bearer ", "sk-real"] {
            let err = ureq::post(&format!("{}/v1/responses", proxy.origin().unwrap()))
                .set("authorization", wrong)
                .send_string(body)
                .unwrap_err();
            assert!(matches!(err, ureq::Error::Status(401, _)), "{err:?}");
        }
        let key = proxy.access_key().unwrap().to_string();
        assert!(key.starts_with("secgap-") && key.len() == 39);
        let resp = ureq::post(&format!("{}/v1/responses", proxy.origin().unwrap()))
            .set("authorization", &format!("Bearer {key}"))
            .set("content-type", "application/json")
            .set("accept", "text/event-stream")
            .set("x-unrelated", "dropped")
            .send_string(body)
            .unwrap();
        assert_eq!(resp.header("x-request-id"), Some("up-1"));
        assert_eq!(resp.header("content-type"), Some("text/event-stream"));
        assert_eq!(resp.into_string().unwrap(), stream);
        let (target, headers, got) = seen.recv().unwrap();
        assert_eq!(target, "/v1/responses");
        assert_eq!(got, body);
        let h = |k: &str| {
            headers
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(h("authorization"), Some("Bearer sk-real"));
        assert_eq!(h("x-team"), Some("appsec"));
        assert_eq!(h("accept"), Some("text/event-stream"));
        assert_eq!(h("x-unrelated"), None);

        let calls = proxy.finish();
        assert_eq!(calls.len(), 4);
        assert!(calls[..3]
            .iter()
            .all(|c| c.status == Some(401) && c.error.is_some()));
        let c = &calls[3];
        assert_eq!(c.url, format!("{base}/responses"));
        assert_eq!(c.request, body);
        assert_eq!(c.response, stream);
        assert_eq!(c.status, Some(200));
        assert!(c.error.is_none());
        assert_eq!(
            (
                c.usage.input,
                c.usage.output,
                c.usage.cached,
                c.usage.reasoning
            ),
            (Some(1000), Some(200), Some(400), Some(50))
        );
        // 600 uncached * 2 + 400 cached * 1 + 200 output * 8, per million.
        let cost = c.cost_usd.unwrap();
        assert!((cost - 3200.0 / 1e6).abs() < 1e-12, "{cost}");
    }

    #[test]
    fn unreachable_upstream_is_a_502_and_a_recorded_error() {
        // A port nobody listens on: bind, note it, close.
        let port = TcpListener::bind(("127.0.0.1", 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let ep = Endpoint::new(
            Protocol::Anthropic,
            &format!("http://127.0.0.1:{port}/v1"),
            "m",
        );
        let proxy = Proxy::start(ep).unwrap();
        let err = ureq::post(&format!("{}/v1/messages", proxy.origin().unwrap()))
            .send_string("{}")
            .unwrap_err();
        match err {
            ureq::Error::Status(code, r) => {
                assert_eq!(code, 502);
                assert!(r.into_string().unwrap().contains("upstream unreachable"));
            }
            other => panic!("{other:?}"),
        }
        let calls = proxy.finish();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].status, None);
        assert!(calls[0].error.as_deref().unwrap().contains("unreachable"));
    }

    #[test]
    fn chunked_request_bodies_and_http10_clients() {
        let (base, seen) =
            canned_upstream("data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n");
        let proxy = Proxy::start(Endpoint::new(Protocol::OpenAi, &base, "m")).unwrap();
        let Addr::Tcp(addr) = proxy.addr.clone() else {
            panic!("a TCP proxy")
        };
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(
            b"POST /v1/chat/completions HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nAuthorization: Bearer own\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n",
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let (target, headers, body) = seen.recv().unwrap();
        assert_eq!(target, "/v1/chat/completions");
        assert_eq!(body, "{\"a\":1}");
        // No upstream key: the agent's own credentials pass through.
        assert!(headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "Bearer own"));
        // HTTP/1.0: the body is delimited by the close, not chunked.
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        assert!(!out.to_ascii_lowercase().contains("transfer-encoding"));
        assert!(out.ends_with("\"completion_tokens\":1}}\n\n"), "{out}");
        let calls = proxy.finish();
        assert_eq!(calls[0].usage.input, Some(1));
        assert_eq!(calls[0].cost_usd, None);
    }

    #[test]
    fn a_proxy_on_a_unix_socket_forwards_and_records() {
        let (base, seen) =
            canned_upstream("data: {\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n");
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("proxy.sock");
        let mut ep = Endpoint::new(Protocol::OpenAi, &base, "m");
        ep.api_key = Some("sk-real".into());
        let proxy = Proxy::start_unix(ep, &sock).unwrap();
        assert_eq!(proxy.origin(), None);
        let key = proxy.access_key().unwrap().to_string();
        let mut s = UnixStream::connect(&sock).unwrap();
        s.write_all(
            format!(
                "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:47011\r\nAuthorization: Bearer {key}\r\nContent-Length: 2\r\n\r\n{{}}"
            )
            .as_bytes(),
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        let (target, headers, _) = seen.recv().unwrap();
        assert_eq!(target, "/v1/chat/completions");
        assert!(headers
            .iter()
            .any(|(k, v)| k == "authorization" && v == "Bearer sk-real"));
        let calls = proxy.finish();
        assert_eq!(calls.len(), 1);
        assert_eq!(
            (calls[0].status, calls[0].usage.input, calls[0].usage.output),
            (Some(200), Some(3), Some(2))
        );
    }

    /// An upstream that sends `first`, waits, then `rest`, then closes.
    fn two_part_upstream(first: &'static str, rest: &'static str) -> String {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(s) = conn else { continue };
                let mut r = BufReader::new(&s);
                let _ = read_request(&mut r, &s);
                let mut w = &s;
                let _ = w.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n",
                );
                let _ = w.write_all(first.as_bytes());
                let _ = w.flush();
                std::thread::sleep(Duration::from_millis(300));
                let _ = w.write_all(rest.as_bytes());
                let _ = w.flush();
                std::thread::sleep(Duration::from_millis(300));
                let _ = w.write_all(rest.as_bytes());
                let _ = s.shutdown(Shutdown::Both);
            }
        });
        format!("http://{addr}/v1")
    }

    /// Send a request over a Unix socket and close as soon as `until`
    /// has arrived.
    fn ask_until(sock: &Path, until: &str) {
        let mut s = UnixStream::connect(sock).unwrap();
        s.write_all(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
            .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while !String::from_utf8_lossy(&got).contains(until) {
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "ended before {until}");
            got.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn an_agent_leaving_after_the_last_event_is_no_error_but_one_leaving_early_is() {
        let dir = tempfile::tempdir().unwrap();
        let done =
            "data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\ndata: [DONE]\n";
        let sock = dir.path().join("a.sock");
        let proxy = Proxy::start_unix(
            Endpoint::new(Protocol::OpenAi, &two_part_upstream(done, "\n"), "m"),
            &sock,
        )
        .unwrap();
        ask_until(&sock, "[DONE]");
        let calls = proxy.finish();
        assert_eq!(calls[0].error, None, "{:?}", calls[0]);
        assert_eq!(calls[0].usage.input, Some(1));

        let sock = dir.path().join("b.sock");
        let proxy = Proxy::start_unix(
            Endpoint::new(
                Protocol::OpenAi,
                &two_part_upstream("data: {\"a\":1}\n\n", "data: {\"b\":2}\n\n"),
                "m",
            ),
            &sock,
        )
        .unwrap();
        ask_until(&sock, "{\"a\":1}");
        let calls = proxy.finish();
        assert!(
            calls[0]
                .error
                .as_deref()
                .unwrap_or("")
                .contains("closed the connection"),
            "{:?}",
            calls[0]
        );
    }
}
