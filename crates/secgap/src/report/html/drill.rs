//! The drill-down: one collapsible block per sample (prompt, raw response,
//! highlighted code, each verdict with its evidence), on report.html for
//! the first page of samples and on pages under samples/ for the rest.

use std::fmt::Write as _;

use crate::model::{ExportSample, SampleStatus, TestOutcome};
use crate::report::code::code_path;
use crate::report::escape::esc;
use crate::report::html::highlight::highlight;
use crate::report::html::page::page_head;
use crate::suite::Suite;

/// Samples per drill-down page: the report shows the first page and links
/// the others (`samples/page-0002.html`...), so no page grows huge.
pub const PAGE_SIZE: usize = 500;

/// One extra drill-down page: its file (relative to the report folder) and
/// the 1-based numbers of the first and last sample on it.
#[derive(Debug, Clone)]
pub struct DrillPage {
    pub file: String,
    pub first: u64,
    pub last: u64,
}

/// The opening of drill-down page `number` of `pages`, holding samples
/// `first..=last` of `total`; sample blocks follow, then [`page_end`].
pub fn page_start(number: usize, pages: usize, first: u64, last: u64, total: u64) -> String {
    let mut h = String::with_capacity(16 * 1024);
    page_head(&mut h, &format!("secgap samples {first}–{last} of {total}"));
    let _ = writeln!(
        h,
        "<header><h1>Samples {first}–{last} of {total}</h1>\n{}</header>\n<section id=\"samples\">",
        page_nav(number, pages)
    );
    h
}

/// The close of a drill-down page opened by [`page_start`].
pub fn page_end(number: usize, pages: usize) -> String {
    format!("</section>\n{}</body>\n</html>\n", page_nav(number, pages))
}

/// File name of drill-down page `number` (page 1 is report.html itself).
pub fn page_file(number: usize) -> String {
    if number <= 1 {
        "report.html#samples".into()
    } else {
        format!("samples/page-{number:04}.html")
    }
}

fn page_nav(number: usize, pages: usize) -> String {
    // Extra pages live in samples/, one level below report.html.
    let link = |n: usize, label: &str| {
        let href = if n <= 1 {
            "../report.html#samples".to_string()
        } else {
            format!("page-{n:04}.html")
        };
        format!("<a href=\"{href}\">{label}</a>")
    };
    let mut nav = String::from("<nav class=\"toc\">");
    nav.push_str(&link(1, "Report"));
    if number > 1 {
        nav.push_str(&link(number - 1, "← Previous page"));
    }
    if number < pages {
        nav.push_str(&link(number + 1, "Next page →"));
    }
    let _ = writeln!(
        nav,
        "<span class=\"ci\">page {number} of {pages}</span></nav>"
    );
    nav
}

/// Whether the sample's tests did not run (the candidate did not build).
fn tests_not_run(s: &ExportSample) -> bool {
    s.verdicts.iter().any(|v| !v.outcome.ran())
}

/// The badge of a sample: insecure only when a security test ran and
/// failed; a sample with no test run says why, never "insecure".
fn outcome_badge(s: &ExportSample) -> (&'static str, String) {
    if s.status != SampleStatus::Scored {
        return ("b-none", "generation error".into());
    }
    if tests_not_run(s) {
        if crate::analyze::metrics::SampleView::tampering(s) {
            return ("b-bad", "rejected as tampering · tests not run".into());
        }
        return ("b-none", "did not build · tests not run".into());
    }
    if s.verdicts.is_empty() {
        let why = s.failure.as_deref().unwrap_or("no code");
        return ("b-none", format!("not run: {why}"));
    }
    let what = match (s.functional, s.secure) {
        (Some(true), Some(true)) => ("b-good", "func-sec"),
        (Some(true), Some(false)) => ("b-bad", "functional, insecure"),
        (Some(false), Some(true)) => ("b-warn", "not functional"),
        (Some(false), Some(false)) => ("b-bad", "not functional, insecure"),
        _ => ("b-none", "unscored"),
    };
    (what.0, what.1.into())
}

/// One sample's collapsible block. `up` prefixes links to the code files
/// beside ("../" on pages under samples/), None when the code is not
/// written out as files.
pub fn sample_block(h: &mut String, suite: &Suite, s: &ExportSample, up: Option<&str>) {
    let (class, what) = outcome_badge(s);
    let _ = writeln!(
        h,
        "<details class=\"sample\"><summary><span class=\"badge {class}\">{}</span> {} · {} · {} · sample {}</summary><div>",
        esc(&what),
        esc(&s.key.subject),
        esc(&s.key.strategy),
        esc(&s.key.task),
        s.key.index
    );
    let yn = |b: Option<bool>| b.map_or("–", |b| if b { "yes" } else { "no" });
    let untested = tests_not_run(s) || s.verdicts.is_empty();
    let _ = writeln!(
        h,
        "<dl class=\"meta\"><dt>language</dt><dd>{}</dd><dt>status</dt><dd>{}</dd>\
         <dt>functional / secure / func-sec</dt><dd>{} / {} / {}</dd><dt>time</dt><dd>generation {} ms, execution {} ms, finished {}</dd>",
        esc(&s.language),
        esc(s.status.as_str()),
        yn(s.functional),
        if untested && s.status == SampleStatus::Scored {
            "not tested"
        } else {
            yn(s.secure)
        },
        yn(s.func_sec),
        s.gen_ms,
        s.exec_ms,
        esc(&s.finished_at)
    );
    if let Some(f) = &s.failure {
        let _ = write!(h, "<dt>failure</dt><dd>{}</dd>", esc(f));
    }
    if let Some(e) = &s.error {
        let _ = write!(h, "<dt>error</dt><dd>{}</dd>", esc(e));
    }
    if let (Some(up), true) = (up, s.code.is_some()) {
        let path = code_path(suite, s);
        let _ = write!(
            h,
            "<dt>code file</dt><dd><a href=\"{up}{0}\">{0}</a></dd>",
            esc(&path)
        );
    }
    h.push_str("</dl>\n");
    if s.turns.len() > 1 {
        conversation(h, &s.turns);
    } else if !s.prompt.is_empty() {
        let _ = writeln!(
            h,
            "<details class=\"ev\"><summary>prompt</summary><pre class=\"wrap\">{}</pre></details>",
            esc(&s.prompt)
        );
    }
    match s.response.as_deref() {
        Some(r) if !r.is_empty() && s.turns.len() <= 1 => {
            let _ = writeln!(
                h,
                "<details class=\"ev\"><summary>raw response</summary><pre class=\"wrap\">{}</pre></details>",
                esc(r)
            );
        }
        _ => {}
    }
    match &s.code {
        Some(code) => {
            h.push_str("<pre class=\"code\"><code>");
            highlight(h, code, &s.language);
            h.push_str("</code></pre>\n");
        }
        None => h.push_str("<p class=\"note\">No code was extracted.</p>\n"),
    }
    if s.verdicts.is_empty() {
        h.push_str("<p class=\"note\">No tests ran.</p>\n");
    } else {
        h.push_str("<table class=\"verdicts\"><thead><tr><th>test</th><th>kind</th><th>CWE</th><th>verdict</th><th>message and evidence</th><th class=\"num\">ms</th></tr></thead><tbody>\n");
        for v in &s.verdicts {
            let oc = match v.outcome {
                TestOutcome::Pass => "o-pass",
                TestOutcome::Fail => "o-fail",
                TestOutcome::Error => "o-error",
                TestOutcome::NotRun => "o-notrun",
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{oc}\">{}</td><td class=\"msg\">{}",
                esc(&v.test),
                v.kind.as_str(),
                v.cwe.map_or("–".into(), |c| c.to_string()),
                if v.outcome.ran() {
                    v.outcome.as_str()
                } else {
                    "not run"
                },
                esc(&v.message)
            );
            if let Some(ev) = v.evidence.as_deref().filter(|e| !e.trim().is_empty()) {
                let _ = write!(
                    h,
                    "<details class=\"ev\"{}><summary>evidence</summary><pre class=\"wrap\">{}</pre></details>",
                    if v.outcome == TestOutcome::Pass { "" } else { " open" },
                    esc(ev)
                );
            }
            let _ = writeln!(h, "</td><td class=\"num\">{}</td></tr>", v.duration_ms);
        }
        h.push_str("</tbody></table>\n");
    }
    static_findings(h, s);
    h.push_str("</div></details>\n");
}

/// What the static analyzers said about the sample's code (none of it
/// changes the verdicts above).
fn static_findings(h: &mut String, s: &ExportSample) {
    use crate::model::StaticStatus;
    if s.static_runs.is_empty() {
        return;
    }
    h.push_str("<table class=\"verdicts static\"><thead><tr><th>analyzer</th><th>rule</th><th>line</th><th>CWE</th><th>severity</th><th>message</th></tr></thead><tbody>\n");
    for r in &s.static_runs {
        if r.status != StaticStatus::Ran || r.findings.is_empty() {
            let what = match r.status {
                StaticStatus::Ran => "no finding".to_string(),
                StaticStatus::Failed => format!(
                    "no verdict: {}",
                    r.message.as_deref().unwrap_or("it failed")
                ),
                StaticStatus::Skipped => format!(
                    "skipped: {}",
                    r.message.as_deref().unwrap_or("not installed")
                ),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td colspan=\"5\" class=\"msg\">{} ({} ms)</td></tr>",
                esc(&r.analyzer),
                esc(&what),
                r.duration_ms
            );
            continue;
        }
        for f in &r.findings {
            let cwes: Vec<String> = f.cwes.iter().map(|c| c.to_string()).collect();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"msg\">{}</td></tr>",
                esc(&r.analyzer),
                esc(&f.rule),
                f.line.map_or("–".into(), |l| l.to_string()),
                if cwes.is_empty() { "–".into() } else { cwes.join(", ") },
                f.severity,
                esc(&f.message)
            );
        }
    }
    h.push_str("</tbody></table>\n<p class=\"note\">Static analyzers' findings: a second opinion, not a verdict.</p>\n");
}

/// A multi-turn strategy's conversation, turn by turn: what the subject
/// was asked, what it answered, what the harness showed it next, and an
/// identify turn's grade.
fn conversation(h: &mut String, turns: &[crate::model::TurnRecord]) {
    let _ = writeln!(
        h,
        "<details class=\"ev\"><summary>conversation ({} turns)</summary>",
        turns.len()
    );
    for (i, t) in turns.iter().enumerate() {
        let grade = t.grade.as_ref().map_or(String::new(), |g| {
            format!(
                ", graded {:.2}{}",
                g.score,
                if g.exact { " (exact)" } else { "" }
            )
        });
        let _ = writeln!(
            h,
            "<p><b>turn {} · {}</b> · {} call(s){}</p><pre class=\"wrap\">{}</pre>",
            i + 1,
            t.kind.as_str(),
            t.calls,
            esc(&grade),
            esc(&t.prompt)
        );
        match &t.response {
            Some(r) => {
                let _ = writeln!(h, "<p>answer</p><pre class=\"wrap\">{}</pre>", esc(r));
            }
            None => h.push_str("<p class=\"note\">No answer.</p>\n"),
        }
        if let Some(out) = &t.tool_output {
            let _ = writeln!(
                h,
                "<p>shown to the subject next</p><pre class=\"wrap\">{}</pre>",
                esc(out)
            );
        }
    }
    h.push_str("</details>\n");
}
