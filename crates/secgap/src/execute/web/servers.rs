//! The harness's own servers inside a test's private network: the
//! upstream an app may be told to fetch from, and the canary it must never
//! be made to call (SSRF). Both listen on the namespace's loopback, on
//! ports the app is not told about in advance (the upstream's comes in
//! `UPSTREAM_URL`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};

/// What a harness server answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Every `GET /PATH`: a small HTML page titled `Upstream PATH`.
    Upstream,
    /// Everything: `canary`; each connection is counted.
    Canary,
}

/// A harness server on the calling thread's loopback; stopped on drop.
pub struct Server {
    pub addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    /// Request lines it was sent, for evidence.
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// The page the upstream serves for `path` (without its leading `/`).
pub fn upstream_page(path: &str) -> String {
    format!(
        "<html><head><title>Upstream {path}</title></head><body><p>upstream page {path}</p></body></html>"
    )
}

impl Server {
    /// Listen on 127.0.0.1 (of the calling thread's network namespace).
    pub fn start(role: Role) -> Result<Server> {
        let listener = TcpListener::bind("127.0.0.1:0").context("bind a harness server")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let hits = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s, st) = (hits.clone(), seen.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        h.fetch_add(1, Ordering::SeqCst);
                        serve(conn, role, &s);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Ok(Server {
            addr,
            hits,
            seen,
            stop,
            thread: Some(thread),
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// The request lines received so far.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(mut conn: TcpStream, role: Role, seen: &Mutex<Vec<String>>) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = conn.set_write_timeout(Some(Duration::from_secs(2)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next().unwrap_or_default().to_string();
    if let Ok(mut s) = seen.lock() {
        if s.len() < 32 {
            s.push(line.chars().take(300).collect());
        }
    }
    let (ctype, body) = match role {
        Role::Canary => ("text/plain", "canary".to_string()),
        Role::Upstream => {
            let target = line.split_whitespace().nth(1).unwrap_or("/");
            let path = target.strip_prefix('/').unwrap_or(target);
            ("text/html; charset=utf-8", upstream_page(path))
        }
    };
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = conn.write_all(reply.as_bytes());
}
