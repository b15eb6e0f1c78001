//! The test runner's HTTP/1.1 client: exact bytes out, one connection per
//! request, the response read back as the app sent it.
//!
//! Written here rather than taken from a client crate because exploits
//! need what clients refuse to do (malformed request lines, lying
//! `Content-Length`, raw traversal sequences in the path), and because the
//! evidence must show the bytes that went out. Sockets are opened on the
//! calling thread, so they live in that thread's network namespace.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

/// The most of a response the runner reads.
pub const RESPONSE_LIMIT: usize = 4 << 20;

/// What came back for one request.
#[derive(Debug, Clone, Default)]
pub struct Response {
    pub status: u16,
    pub reason: String,
    /// Header names lower-cased, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Everything read, as sent (capped at [`RESPONSE_LIMIT`]).
    pub raw: Vec<u8>,
    pub elapsed: Duration,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(move |(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Why no response could be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum HttpError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("cannot send the request: {0}")]
    Send(String),
    #[error("no response within {0} ms")]
    Timeout(u64),
    #[error("the connection closed before a response ({0} bytes read)")]
    Closed(usize),
    #[error("the connection broke before a response: {0}")]
    Broken(String),
    #[error("the response is not HTTP: {0}")]
    Malformed(String),
}

/// Send `request` (complete bytes) to `addr` on a fresh connection and
/// read one response, within `timeout` overall.
pub fn exchange(
    addr: SocketAddr,
    request: &[u8],
    timeout: Duration,
) -> Result<Response, HttpError> {
    let started = Instant::now();
    let mut s = super::connect(&addr, timeout.min(Duration::from_secs(2)))
        .map_err(|e| HttpError::Connect(e.to_string()))?;
    let _ = s.set_nodelay(true);
    s.set_write_timeout(Some(timeout))
        .map_err(|e| HttpError::Send(e.to_string()))?;
    s.write_all(request)
        .map_err(|e| HttpError::Send(e.to_string()))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    let deadline = started + timeout;
    loop {
        if let Some(done) = complete(&raw) {
            let mut r = parse(&raw[..done]).map_err(HttpError::Malformed)?;
            r.elapsed = started.elapsed();
            let _ = s.shutdown(Shutdown::Both);
            return Ok(r);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HttpError::Timeout(timeout.as_millis() as u64));
        }
        let _ = s.set_read_timeout(Some(left));
        match s.read(&mut buf) {
            Ok(0) => {
                // Closed: a response without a length ends here.
                if raw.is_empty() {
                    return Err(HttpError::Closed(0));
                }
                let mut r = parse(&raw).map_err(|e| {
                    if head_end(&raw).is_none() {
                        HttpError::Closed(raw.len())
                    } else {
                        HttpError::Malformed(e)
                    }
                })?;
                r.elapsed = started.elapsed();
                return Ok(r);
            }
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() >= RESPONSE_LIMIT {
                    raw.truncate(RESPONSE_LIMIT);
                    let mut r = parse(&raw).map_err(HttpError::Malformed)?;
                    r.elapsed = started.elapsed();
                    return Ok(r);
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Err(HttpError::Timeout(timeout.as_millis() as u64));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if raw.is_empty() => return Err(HttpError::Broken(e.to_string())),
            Err(_) => {
                let mut r = parse(&raw).map_err(HttpError::Malformed)?;
                r.elapsed = started.elapsed();
                return Ok(r);
            }
        }
    }
}

fn head_end(raw: &[u8]) -> Option<usize> {
    raw.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// The length of the first complete response in `raw`, when its framing
/// (Content-Length or chunked) says it is complete; None while more is
/// needed or when only the close can end it.
fn complete(raw: &[u8]) -> Option<usize> {
    let end = head_end(raw)?;
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if status / 100 == 1 || status == 204 || status == 304 {
        return Some(end);
    }
    for line in head.lines() {
        if let Some(v) = line.strip_prefix("content-length:") {
            let n: usize = v.trim().parse().ok()?;
            return (raw.len() >= end + n).then_some(end + n);
        }
        if line.starts_with("transfer-encoding:") && line.contains("chunked") {
            return chunked_len(&raw[end..]).map(|n| end + n);
        }
    }
    None
}

/// The length of a complete chunked body at the start of `b`.
fn chunked_len(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        let line_end = b[i..].windows(2).position(|w| w == b"\r\n")? + i;
        let size_text = String::from_utf8_lossy(&b[i..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        i = line_end + 2;
        if size == 0 {
            // Trailers end with an empty line.
            let rest = &b[i..];
            if rest.starts_with(b"\r\n") {
                return Some(i + 2);
            }
            return rest
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|p| i + p + 4);
        }
        if b.len() < i + size + 2 {
            return None;
        }
        i += size + 2;
    }
}

fn dechunk(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = b[i..].windows(2).position(|w| w == b"\r\n") {
        let line_end = i + p;
        let text = String::from_utf8_lossy(&b[i..line_end]);
        let Ok(size) = usize::from_str_radix(text.split(';').next().unwrap_or("").trim(), 16)
        else {
            break;
        };
        i = line_end + 2;
        if size == 0 || b.len() < i + size {
            out.extend_from_slice(&b[i..b.len().min(i + size)]);
            break;
        }
        out.extend_from_slice(&b[i..i + size]);
        i += size + 2;
        if i > b.len() {
            break;
        }
    }
    out
}

/// Parse one response (head and whatever body `raw` holds).
pub fn parse(raw: &[u8]) -> Result<Response, String> {
    let end = head_end(raw).ok_or_else(|| "no end of headers".to_string())?;
    let head = String::from_utf8_lossy(&raw[..end - 4]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(format!(
            "status line `{}`",
            status_line.chars().take(80).collect::<String>()
        ));
    }
    let status: u16 = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("status line `{status_line}`"))?;
    let reason = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let rest = &raw[end..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else if let Some(n) = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        rest[..n.min(rest.len())].to_vec()
    } else {
        rest.to_vec()
    };
    Ok(Response {
        status,
        reason,
        headers,
        body,
        raw: raw.to_vec(),
        elapsed: Duration::ZERO,
    })
}

/// The bytes of a request: request line, `Host`, the given headers,
/// `Content-Length` when there is a body, `Connection: close`.
pub fn request_bytes(
    method: &str,
    path: &str,
    port: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    if (!body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH")) && !has("content-length") {
        out.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if !has("connection") {
        out.push_str("Connection: close\r\n");
    }
    out.push_str("\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_by_length_chunks_and_close() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello";
        assert_eq!(complete(r), Some(r.len()));
        assert_eq!(complete(&r[..r.len() - 1]), None);
        let p = parse(r).unwrap();
        assert_eq!((p.status, p.body_text().as_str()), (200, "hello"));
        assert_eq!(p.header("x-a"), Some("b"));

        let c = b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(complete(c), Some(c.len()));
        assert_eq!(parse(c).unwrap().body_text(), "abcde");
        assert_eq!(complete(&c[..c.len() - 2]), None);

        let open = b"HTTP/1.0 200 OK\r\n\r\nuntil close";
        assert_eq!(complete(open), None);
        assert_eq!(parse(open).unwrap().body_text(), "until close");
        assert!(parse(b"SSH-2.0-x\r\n\r\n").is_err());
    }

    #[test]
    fn a_request_carries_its_length_and_asks_to_close() {
        let b = request_bytes("POST", "/x?y=1", 8080, &[("A".into(), "b".into())], b"{}");
        let t = String::from_utf8(b).unwrap();
        assert!(t.starts_with("POST /x?y=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nA: b\r\n"));
        assert!(t.contains("Content-Length: 2\r\n") && t.contains("Connection: close\r\n"));
        assert!(t.ends_with("\r\n\r\n{}"));
    }
}
