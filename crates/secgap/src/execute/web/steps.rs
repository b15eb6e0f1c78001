//! The trusted test runner: one test's steps against a running app, and
//! the evidence of what was sent and what came back.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::http::{self, Response};
use super::observe;
use super::servers::Server;
use crate::suite::web::{Action, Body, Capture, Check, Expect, Request, Step};
use secgap_sandbox::tree;
use secgap_sandbox::Sandboxed;

/// Bytes of request or response body shown per step in the evidence.
const SHOWN: usize = 1024;
/// Bytes of evidence kept per test.
const EVIDENCE_LIMIT: usize = 24 * 1024;

/// A running app and what the runner knows of its surroundings.
pub struct Live<'a> {
    pub addr: SocketAddr,
    pub vars: HashMap<String, String>,
    pub jars: HashMap<String, Vec<(String, String)>>,
    pub secret: String,
    /// `/srv` on the harness's side.
    pub srv: PathBuf,
    /// `/srv/app` on the harness's side.
    pub app_dir: PathBuf,
    /// Files the harness put in the app folder (not the app's store).
    pub staged: Vec<PathBuf>,
    pub before: std::collections::BTreeMap<PathBuf, observe::Entry>,
    pub canary: &'a Server,
    /// The running app; None once a restart could not bring it back.
    pub app: Option<Sandboxed>,
    /// How the app is started (again, by a restart).
    pub spec: &'a secgap_sandbox::Spec,
    pub startup_secs: u32,
    /// The app sandbox's pid, for the resource sampler (it changes on a restart).
    pub pid: Arc<AtomicI32>,
    pub cpu_base_ms: u64,
    pub peak_rss: Arc<AtomicU64>,
    pub request_timeout: Duration,
    pub script_timeout: Duration,
    pub log: String,
    /// What the app printed before a restart, for evidence.
    pub earlier_output: String,
}

impl Live<'_> {
    fn note(&mut self, text: &str) {
        if self.log.len() < EVIDENCE_LIMIT {
            self.log.push_str(text);
            if !text.ends_with('\n') {
                self.log.push('\n');
            }
        }
    }
}

/// Put the variables' values into `s` (`{{name}}`); an unset one stays as written.
pub fn fill(s: &str, vars: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after.find("}}") {
            Some(j) => {
                let name = after[..j].trim();
                match vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[i..i + 2 + j + 2]),
                }
                rest = &after[j + 2..];
            }
            None => {
                out.push_str(&rest[i..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn fill_json(v: &serde_json::Value, vars: &HashMap<String, String>) -> serde_json::Value {
    match v {
        serde_json::Value::String(s) => serde_json::Value::String(fill(s, vars)),
        serde_json::Value::Array(a) => a.iter().map(|x| fill_json(x, vars)).collect(),
        serde_json::Value::Object(o) => o
            .iter()
            .map(|(k, x)| (k.clone(), fill_json(x, vars)))
            .collect(),
        other => other.clone(),
    }
}

/// Percent-encode for a form body: everything but unreserved characters.
pub fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn shown(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN)]).into_owned();
    if bytes.len() > SHOWN {
        format!("{text}[... {} more bytes]", bytes.len() - SHOWN)
    } else {
        text
    }
}

/// Run `steps` in order; Err says why the test failed (the first step
/// whose expectations did not hold).
pub fn run(live: &mut Live, steps: &[Step]) -> Result<(), String> {
    for step in steps {
        if step.wait_ms > 0 {
            std::thread::sleep(Duration::from_millis(step.wait_ms));
        }
        let result = match &step.action {
            Action::Request(r) => request(live, &step.label, r),
            Action::Raw { bytes, expect } => raw(live, &step.label, bytes, expect),
            Action::Check(c) => check(live, &step.label, c),
            Action::Restart => restart(live, &step.label),
            Action::Script(path) => script(live, &step.label, path),
        };
        if let Err(why) = result {
            let message = format!("{}: {why}", step.label);
            live.note(&format!("FAILED: {message}"));
            return Err(message);
        }
    }
    Ok(())
}

fn request(live: &mut Live, label: &str, r: &Request) -> Result<(), String> {
    let vars = live.vars.clone();
    let path = fill(&r.path, &vars);
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), fill(v, &vars)))
        .collect();
    let has = |h: &[(String, String)], n: &str| h.iter().any(|(k, _)| k.eq_ignore_ascii_case(n));
    let body: Vec<u8> = match &r.body {
        Body::None => Vec::new(),
        Body::Json(v) => {
            if !has(&headers, "content-type") {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            serde_json::to_vec(&fill_json(v, &vars)).unwrap_or_default()
        }
        Body::Text {
            content,
            content_type,
        } => {
            if let Some(ct) = content_type
                .as_ref()
                .filter(|_| !has(&headers, "content-type"))
            {
                headers.push(("Content-Type".into(), ct.clone()));
            }
            fill(content, &vars).into_bytes()
        }
        Body::Form(fields) => {
            if !has(&headers, "content-type") {
                headers.push((
                    "Content-Type".into(),
                    "application/x-www-form-urlencoded".into(),
                ));
            }
            fields
                .iter()
                .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(&fill(v, &vars))))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        }
        Body::Multipart(parts) => {
            let boundary = format!("secgap{}", vars.get("rand").cloned().unwrap_or_default());
            headers.push((
                "Content-Type".into(),
                format!("multipart/form-data; boundary={boundary}"),
            ));
            let mut b = Vec::new();
            for p in parts {
                b.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                let mut disp = format!("Content-Disposition: form-data; name=\"{}\"", p.name);
                if let Some(f) = &p.filename {
                    disp.push_str(&format!("; filename=\"{}\"", fill(f, &vars)));
                }
                b.extend_from_slice(format!("{disp}\r\n").as_bytes());
                if let Some(ct) = &p.content_type {
                    b.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
                }
                b.extend_from_slice(b"\r\n");
                b.extend_from_slice(fill(&p.content, &vars).as_bytes());
                b.extend_from_slice(b"\r\n");
            }
            b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            b
        }
    };
    if !has(&headers, "cookie") {
        if let Some(jar) = live.jars.get(&r.jar).filter(|j| !j.is_empty()) {
            let cookie = jar
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            headers.push(("Cookie".into(), cookie));
        }
    }
    let bytes = http::request_bytes(&r.method, &path, live.addr.port(), &headers, &body);
    live.note(&format!("--- {label}: {} {path}", r.method));
    for (k, v) in &headers {
        live.note(&format!("> {k}: {v}"));
    }
    if !body.is_empty() {
        live.note(&format!("> {}", shown(&body)));
    }
    // A response later than `max_ms` fails the step whatever it says, so
    // the runner waits only a little longer than that.
    let wait = r.expect.max_ms.map_or(live.request_timeout, |ms| {
        live.request_timeout.min(Duration::from_millis(ms + 250))
    });
    let resp = match http::exchange(live.addr, &bytes, wait) {
        Ok(resp) => resp,
        Err(http::HttpError::Timeout(waited)) if r.expect.max_ms.is_some() => {
            live.note(&format!("< (no response within {waited} ms)"));
            return Err(format!(
                "expected a response within {} ms, none came in {waited} ms",
                r.expect.max_ms.unwrap_or_default()
            ));
        }
        Err(e) => {
            live.note(&format!("< (no response: {e})"));
            return Err(format!("no response: {e}"));
        }
    };
    show_response(live, &resp);
    for set in resp.headers_named("set-cookie") {
        if let Some((k, v)) = set.split(';').next().and_then(|kv| kv.split_once('=')) {
            let jar = live.jars.entry(r.jar.clone()).or_default();
            jar.retain(|(n, _)| n != k.trim());
            jar.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    expect(live, &r.expect, &resp)?;
    for (var, from) in &r.capture {
        let value = match from {
            Capture::Header(h) => resp
                .header(h)
                .map(str::to_string)
                .ok_or_else(|| format!("cannot capture `{var}`: no `{h}` header"))?,
            Capture::Json(ptr) => {
                let doc: serde_json::Value = serde_json::from_slice(&resp.body)
                    .map_err(|e| format!("cannot capture `{var}`: the body is not JSON ({e})"))?;
                match doc.pointer(ptr) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(serde_json::Value::Null) | None => {
                        return Err(format!("cannot capture `{var}`: the body has no `{ptr}`"))
                    }
                    Some(other) => other.to_string(),
                }
            }
        };
        live.vars.insert(var.clone(), value);
    }
    Ok(())
}

fn show_response(live: &mut Live, resp: &Response) {
    live.note(&format!(
        "< {} {} ({} ms)",
        resp.status,
        resp.reason,
        resp.elapsed.as_millis()
    ));
    let headers: Vec<String> = resp
        .headers
        .iter()
        .map(|(k, v)| format!("< {k}: {v}"))
        .collect();
    for h in headers {
        live.note(&h);
    }
    if !resp.body.is_empty() {
        live.note(&format!("< {}", shown(&resp.body)));
    }
}

fn raw(live: &mut Live, label: &str, bytes: &str, want: &Expect) -> Result<(), String> {
    let data = fill(bytes, &live.vars);
    live.note(&format!("--- {label}: raw bytes"));
    live.note(&format!("> {}", shown(data.as_bytes()).escape_debug()));
    match http::exchange(live.addr, data.as_bytes(), live.request_timeout) {
        Ok(resp) => {
            show_response(live, &resp);
            expect(live, want, &resp)
        }
        // The bytes must go out: a step that could not send them tested nothing.
        Err(e @ (http::HttpError::Connect(_) | http::HttpError::Send(_))) => {
            live.note(&format!("< ({e})"));
            Err(e.to_string())
        }
        Err(e) => {
            live.note(&format!("< (no response: {e})"));
            let wants_response = want.status.is_some()
                || !want.json.is_empty()
                || !want.contains.is_empty()
                || !want.headers.is_empty();
            if wants_response {
                Err(format!("no response: {e}"))
            } else {
                Ok(())
            }
        }
    }
}

fn expect(live: &Live, want: &Expect, resp: &Response) -> Result<(), String> {
    if let Some(codes) = &want.status {
        if !codes.contains(&resp.status) {
            let list = codes.iter().map(u16::to_string).collect::<Vec<_>>();
            return Err(format!(
                "expected status {}, got {}",
                list.join(" or "),
                resp.status
            ));
        }
    }
    if let Some(ms) = want.max_ms {
        if resp.elapsed > Duration::from_millis(ms) {
            return Err(format!(
                "expected a response within {ms} ms, it took {} ms",
                resp.elapsed.as_millis()
            ));
        }
    }
    if !want.json.is_empty() {
        let doc: serde_json::Value =
            serde_json::from_slice(&resp.body).map_err(|e| format!("expected a JSON body: {e}"))?;
        for (ptr, value) in &want.json {
            let value = fill_json(value, &live.vars);
            match doc.pointer(ptr) {
                Some(got) if json_equal(got, &value) => {}
                Some(got) => {
                    return Err(format!(
                        "expected `{ptr}` to be {value}, got {}",
                        shown(got.to_string().as_bytes())
                    ))
                }
                None => return Err(format!("expected `{ptr}` in the JSON body, it is missing")),
            }
        }
    }
    let body = resp.body_text();
    for s in &want.contains {
        let s = fill(s, &live.vars);
        if !body.contains(&s) {
            return Err(format!("expected the body to contain `{s}`"));
        }
    }
    for s in &want.lacks {
        let s = fill(s, &live.vars);
        if body.contains(&s) {
            return Err(format!("the body contains `{s}`"));
        }
    }
    for (name, sub) in &want.headers {
        let sub = fill(sub, &live.vars);
        match resp.header(name) {
            Some(v) if v.to_ascii_lowercase().contains(&sub.to_ascii_lowercase()) => {}
            Some(v) => {
                return Err(format!(
                    "expected header `{name}` to contain `{sub}`, got `{v}`"
                ))
            }
            None => return Err(format!("expected a `{name}` header")),
        }
    }
    for (name, sub) in &want.headers_lack {
        let sub = fill(sub, &live.vars);
        if let Some(v) = resp
            .headers_named(name)
            .find(|v| v.to_ascii_lowercase().contains(&sub.to_ascii_lowercase()))
        {
            return Err(format!("header `{name}` is `{v}`, which holds `{sub}`"));
        }
    }
    if want.no_secret && contains(&resp.raw, live.secret.as_bytes()) {
        return Err("the response holds the planted secret from /srv/secret.txt".into());
    }
    Ok(())
}

/// Numbers compare by value (1 and 1.0 are the same), everything else exactly.
fn json_equal(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a, b) {
        (serde_json::Value::Number(x), serde_json::Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Stop the app and start it again on the same files.
fn restart(live: &mut Live, label: &str) -> Result<(), String> {
    live.note(&format!("--- {label}: restart the app"));
    if let Some(app) = live.app.take() {
        let out = app
            .stop()
            .map_err(|e| format!("cannot stop the app: {e:#}"))?;
        live.earlier_output.push_str(&format!(
            "[secgap] before the restart:\n{}",
            super::output_of(&out)
        ));
    }
    let mut app = secgap_sandbox::spawn(live.spec)
        .map_err(|e| format!("cannot start the app again: {e:#}"))?;
    match super::wait_ready(&mut app, &live.addr, live.startup_secs) {
        Ok(()) => {
            live.pid.store(app.pid(), Ordering::SeqCst);
            // CPU is counted from the new process's readiness on.
            live.cpu_base_ms = tree::usage(app.pid()).cpu_ms;
            live.app = Some(app);
            Ok(())
        }
        Err(why) => {
            let exited = matches!(why, super::NotReady::Exited);
            let out = app
                .stop()
                .map_err(|e| format!("cannot stop the app: {e:#}"))?;
            live.earlier_output.push_str(&super::output_of(&out));
            Err(if exited {
                format!(
                    "the app exited ({}) when started again",
                    super::describe_exit(&out)
                )
            } else {
                format!(
                    "the app did not accept connections within {} s when started again",
                    live.startup_secs
                )
            })
        }
    }
}

/// Run a trusted script against the app: exit status 0 passes; its last
/// line of output says why it failed.
fn script(live: &mut Live, label: &str, path: &std::path::Path) -> Result<(), String> {
    live.note(&format!("--- {label}: script {}", path.display()));
    let mut cmd = std::process::Command::new("/usr/bin/python3");
    cmd.arg("-I").arg(path).env_clear();
    cmd.env("PATH", "/usr/bin:/bin");
    cmd.env("SECGAP_BASE", format!("http://{}", live.addr));
    cmd.env("SECGAP_SRV", &live.srv);
    cmd.env("SECGAP_CANARY_HITS", live.canary.hits().to_string());
    for (k, v) in &live.vars {
        cmd.env(format!("SECGAP_{}", k.to_ascii_uppercase()), v);
    }
    // The script's sockets live in this thread's private network.
    let done = secgap_sandbox::supervise::run(
        cmd,
        secgap_sandbox::supervise::Options {
            wall: live.script_timeout,
            keep: 16 * 1024,
            output_limit: Some(1 << 20),
            drain: secgap_sandbox::supervise::Drain::AtMost(Duration::from_secs(1)),
        },
    )
    .map_err(|e| format!("cannot run the script: {e}"))?;
    let out = done.stdout.text();
    let err = done.stderr.text();
    if !out.trim().is_empty() {
        live.note(&format!("< {}", out.trim_end()));
    }
    if !err.trim().is_empty() {
        live.note(&format!("< stderr: {}", err.trim_end()));
    }
    if done.killed.is_some() {
        return Err(format!(
            "the script did not finish within {} s",
            live.script_timeout.as_secs()
        ));
    }
    match done.exit {
        secgap_sandbox::Exit::Code(0) => Ok(()),
        e => {
            let why = out
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("(it printed nothing)")
                .trim()
                .to_string();
            Err(format!("the script failed ({e:?}): {why}"))
        }
    }
}

/// How long an app must still be running after it accepted a connection.
const SETTLE: Duration = Duration::from_millis(300);

/// Whether the app still runs and accepts a connection. An app that a
/// request made crash can still accept one while it exits (its listening
/// socket outlives the step's exchange by some milliseconds, more on a
/// loaded machine), so it must also still be running [`SETTLE`] later.
pub fn alive(live: &mut Live) -> bool {
    for _ in 0..5 {
        let Some(app) = live.app.as_mut() else {
            return false;
        };
        if app.has_exited() {
            return false;
        }
        if super::connect(&live.addr, Duration::from_millis(300)).is_ok() {
            std::thread::sleep(SETTLE);
            return live.app.as_mut().is_some_and(|a| !a.has_exited());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn check(live: &mut Live, label: &str, c: &Check) -> Result<(), String> {
    live.note(&format!("--- {label}: check {c:?}"));
    match c {
        Check::NoFileOutside => {
            let after = observe::snapshot(&live.srv, &live.app_dir);
            match observe::difference(&live.before, &after) {
                Some(d) => Err(format!("outside the app folder, {d}")),
                None => Ok(()),
            }
        }
        Check::NoWeakPassword(pw) => {
            let pw = fill(pw, &live.vars);
            match observe::find_weak_password(&live.app_dir, &live.staged, &pw) {
                Some((file, form)) => Err(format!(
                    "the app stored {form} in /srv/app/{}",
                    file.display()
                )),
                None => Ok(()),
            }
        }
        Check::Alive => {
            if alive(live) {
                Ok(())
            } else {
                Err("the app is no longer running or accepting connections".into())
            }
        }
        Check::NoCanary => {
            let hits = live.canary.hits();
            if hits == 0 {
                Ok(())
            } else {
                Err(format!(
                    "the app connected to the canary server {hits} time(s): {}",
                    live.canary.seen().join(" | ")
                ))
            }
        }
        Check::Resources {
            max_cpu_ms,
            max_memory_mb,
        } => {
            let now = tree::usage(live.pid.load(Ordering::SeqCst));
            let cpu = now.cpu_ms.saturating_sub(live.cpu_base_ms);
            let peak = live.peak_rss.load(Ordering::SeqCst).max(now.rss_bytes);
            live.note(&format!(
                "cpu since ready: {cpu} ms; peak resident memory: {} MiB",
                peak >> 20
            ));
            if let Some(max) = max_cpu_ms.filter(|m| cpu > *m) {
                return Err(format!("the app used {cpu} ms of CPU, more than {max} ms"));
            }
            if let Some(max) = max_memory_mb.filter(|m| (peak >> 20) > *m) {
                return Err(format!(
                    "the app's processes held {} MiB of memory, more than {max} MiB",
                    peak >> 20
                ));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_fill_in_and_unknown_ones_stay() {
        let vars: HashMap<String, String> = [("a".to_string(), "1".to_string())].into();
        assert_eq!(fill("x{{a}}y{{ a }}z{{b}}", &vars), "x1y1z{{b}}");
        assert_eq!(fill("open {{a", &vars), "open {{a");
        assert_eq!(form_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
