//! The HTML report end to end: a run of the three reference subjects at
//! all levels, `secgap report`, then the page as a person sees it in
//! headless Chromium (when Chromium is installed: scripts/install-deps.sh).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

fn secgap() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secgap"));
    c.env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY");
    c
}

use crate::support::ok;

/// Run the three references at levels 1-3 and report; returns report.html.
fn report(tmp: &Path) -> PathBuf {
    let dir = tmp.join("run");
    ok(secgap()
        .arg("run")
        .arg("--suite")
        .arg(builtin())
        .args(["--levels", "1,2,3"])
        .args(["--subject", "reference:secure"])
        .args(["--subject", "reference:insecure"])
        .args(["--subject", "reference:naive"])
        // Two samples each: 12 observations, enough for the odds ratios
        // (and the forest plot) the analysis reports only from 10 on.
        .args(["-n", "2"])
        .args(["--tasks", "py-upload-read,c-copy-username", "--out"])
        .arg(&dir)
        .output()
        .unwrap());
    ok(secgap().arg("report").arg(&dir).output().unwrap());
    let page = dir.join("report").join("report.html");
    assert!(page.is_file(), "{} was not written", page.display());
    page
}

fn count(h: &str, s: &str) -> usize {
    h.matches(s).count()
}

#[test]
fn report_html_has_leaderboard_charts_and_drill_down() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let h = std::fs::read_to_string(report(tmp.path())).unwrap();
    assert!(h.starts_with("<!DOCTYPE html>"));
    assert!(
        h.contains("default-src 'none'"),
        "a CSP that forbids scripts"
    );
    assert!(!h.contains("<script"), "no scripts");
    assert!(
        !h.contains("src=\"http") && !h.contains("href=\"http"),
        "nothing remote"
    );
    for needle in [
        "id=\"leaderboard\"",
        "reference:secure",
        "reference:insecure",
        "reference:naive",
        "class=\"chart bars\"",
        "class=\"chart heat\"",
        "id=\"gap-matrix\"",
        "class=\"chart forest\"",
        "<details class=\"sample\"",
        "c-copy-username",
        "CWE-22",
    ] {
        assert!(h.contains(needle), "report.html lacks {needle}");
    }
    assert_eq!(count(&h, "<details class=\"sample\""), 12, "one per sample");
    for tag in ["svg", "table", "details", "section", "pre", "dl"] {
        let open = count(&h, &format!("<{tag}>")) + count(&h, &format!("<{tag} "));
        let close = count(&h, &format!("</{tag}>"));
        assert_eq!(open, close, "<{tag}> opened {open} times, closed {close}");
    }
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.is_file())
        })
    })
}

/// Run a command to its end, killing it after `limit`.
fn run_with_limit(mut cmd: Command, limit: Duration) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let success = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.success();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    (
        success,
        std::fs::read_to_string(out).unwrap_or_default(),
        std::fs::read_to_string(err).unwrap_or_default(),
    )
}

fn headless(chrome: &Path, profile: &Path) -> Command {
    let mut c = Command::new(chrome);
    c.arg("--headless")
        // Root in containers has no user namespaces for Chromium's own
        // sandbox; the page is ours and runs no script.
        .arg("--no-sandbox")
        .arg("--disable-gpu")
        .arg("--no-first-run")
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--enable-logging=stderr")
        .arg("--v=0");
    c
}

#[test]
fn chromium_renders_the_report_without_console_errors() {
    let _sandboxes = crate::support::shared_sandboxes();
    let chrome = chromium().expect(
        "no chromium on PATH: run scripts/install-deps.sh (scripts/test.sh does) to install it",
    );
    let tmp = tempfile::tempdir().unwrap();
    let page = report(tmp.path());
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let shot = tmp.path().join("report.png");

    let mut cmd = headless(&chrome, &tmp.path().join("profile-shot"));
    cmd.arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2000")
        .arg(&url);
    let (success, _, log) = run_with_limit(cmd, Duration::from_secs(120));
    assert!(success, "chromium failed:\n{log}");
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    assert!(png.len() > 10_000, "a screenshot with content");
    // Console messages (script errors, CSP violations, failed loads) are
    // logged as `...:CONSOLE...`; the page has no script, so expect none.
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(
        console.is_empty(),
        "console messages:\n{}",
        console.join("\n")
    );

    // The DOM Chromium built: the leaderboard, the charts and the drill-down.
    let mut cmd = headless(&chrome, &tmp.path().join("profile-dom"));
    cmd.arg("--dump-dom").arg(&url);
    let (success, dom, log) = run_with_limit(cmd, Duration::from_secs(120));
    assert!(success, "chromium --dump-dom failed:\n{log}");
    for needle in [
        "id=\"leaderboard\"",
        "class=\"chart bars\"",
        "class=\"chart heat\"",
        "class=\"chart forest\"",
        "class=\"sample\"",
    ] {
        assert!(dom.contains(needle), "rendered DOM lacks {needle}");
    }
    assert_eq!(count(&dom, "<svg"), 4, "four charts rendered");
}
