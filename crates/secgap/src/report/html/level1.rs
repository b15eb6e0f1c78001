//! Level 1 in HTML: a section of report.html (per subject and probe kind:
//! answers read and unread, scores with intervals; the judges with their
//! calibration and flags) and the page level1.html, which shows every
//! question with each subject's answer, whether it was read, its grade,
//! and for explain answers each judge's reply and whether they agree.
//! Self-contained like every page (the shared head forbids scripts and
//! anything remote); everything from the run is escaped.

use std::fmt::Write as _;

use crate::analyze::level1::{agreement, Level1Report};
use crate::model::{ParseStatus, ProbeExport, ProbeKind};
use crate::report::escape::esc;
use crate::report::html::page::{page_head, pct};
use crate::report::level1::judge_note;

/// The file of the Level 1 page, beside report.html.
pub const LEVEL1_PAGE: &str = "level1.html";

fn opt_pct(x: Option<f64>) -> String {
    x.map_or("–".into(), pct)
}

fn ci(c: Option<[f64; 2]>) -> String {
    c.map_or(String::new(), |c| {
        format!(
            " <span class=\"ci\">[{:.1}, {:.1}]</span>",
            100.0 * c[0],
            100.0 * c[1]
        )
    })
}

fn status_badge(s: ParseStatus) -> &'static str {
    match s {
        ParseStatus::Parsed => "<span class=\"badge b-good\">parsed</span>",
        ParseStatus::Judged => "<span class=\"badge b-good\">judged</span>",
        ParseStatus::Unparsed => "<span class=\"badge b-bad\">unparsed</span>",
        ParseStatus::Unjudged => "<span class=\"badge b-warn\">unjudged</span>",
        ParseStatus::NoAnswer => "<span class=\"badge b-none\">no answer</span>",
        ParseStatus::NoJudge => "<span class=\"badge b-none\">no judge</span>",
    }
}

/// The summary table and the judges, shared by report.html and level1.html.
fn summary(h: &mut String, r: &Level1Report) {
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>subject</th><th>kind</th><th class=\"num\">asked</th><th class=\"num\">read</th><th class=\"num\">unread</th><th class=\"num\">no answer</th><th class=\"num\">score</th><th class=\"num\">exact</th><th>judged by</th></tr></thead><tbody>\n");
    for k in &r.summary {
        let (read, unread) = match k.kind {
            ProbeKind::Explain => (k.judged, k.unjudged),
            _ => (k.parsed, k.unparsed),
        };
        let judges = k
            .judges
            .iter()
            .map(|j| {
                let flagged = r.judge(j).is_some_and(|c| c.flagged());
                format!(
                    "{}{} <span class=\"ci\">({})</span>",
                    esc(j),
                    if flagged {
                        " <span class=\"badge b-bad\">flagged</span>"
                    } else {
                        ""
                    },
                    esc(&judge_note(r, j))
                )
            })
            .collect::<Vec<_>>()
            .join("<br>");
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{read}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}{}</td><td>{}</td></tr>",
            esc(&k.subject),
            k.kind.as_str(),
            k.probes,
            if unread > 0 {
                format!("<strong>{unread}</strong>")
            } else {
                "0".into()
            },
            k.no_answer,
            opt_pct(k.score),
            ci(k.score_ci95),
            opt_pct(k.exact_rate),
            ci(k.exact_ci95),
            if judges.is_empty() { "–".into() } else { judges },
        );
    }
    h.push_str("</tbody></table></div>\n<p class=\"note\"><em>Read</em>: answers parsed (identify, recognize) or with a readable judgment (explain). Unread identify and recognize answers score 0; unjudged explain answers are left out. Score intervals: task-clustered bootstrap; exact-match intervals: Wilson.</p>\n");
    if r.judges.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<h3 id=\"judges\">Judges</h3>\n<p class=\"note\">Before grading, each judge graded the suite's reference explanations: the key (every principle stated, so YES to each) and a naive one (none stated, so NO to each). Below {:.0} % it is flagged, and so is a judge that is the same model as a subject it grades.</p>",
        100.0 * r.calibration_min
    );
    h.push_str("<table><thead><tr><th>judge</th><th class=\"num\">calibration</th><th class=\"num\">answers graded</th><th class=\"num\">replies read</th><th>flags</th></tr></thead><tbody>\n");
    for j in &r.judges {
        let flags = j.flags();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&j.judge),
            esc(&j.accuracy_text()),
            j.answers_judged,
            j.replies_read,
            if flags.is_empty() {
                "–".to_string()
            } else {
                format!("<span class=\"badge b-bad\">flagged</span> {}", esc(&flags.join("; ")))
            }
        );
    }
    h.push_str("</tbody></table>\n");
}

/// The Level 1 section of report.html.
pub fn section(h: &mut String, r: &Level1Report) {
    h.push_str("<section id=\"level1\">\n<h2>Level 1: understanding probes</h2>\n");
    summary(h, r);
    let _ = writeln!(
        h,
        "<p>Every question, answer, parse status, grade and judge reply: <a href=\"{LEVEL1_PAGE}\">{LEVEL1_PAGE}</a> ({} answers).</p>\n</section>",
        r.answers.len()
    );
}

/// What a graded answer chose, in words.
fn grade_line(a: &ProbeExport) -> String {
    let Some(g) = &a.grade else {
        return String::new();
    };
    if !g.parsed {
        return "<p><strong>Could not be read</strong>: scored 0.</p>".into();
    }
    let letters: String = g
        .chosen
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut s = format!(
        "<p>Read as: principles <code>{}</code>",
        if letters.is_empty() {
            "none".into()
        } else {
            esc(&letters)
        }
    );
    if let Some(u) = g.unsafe_label {
        let _ = write!(
            s,
            ", unsafe implementation <code>{}</code>",
            esc(&u.to_string())
        );
    }
    let _ = write!(
        s,
        "; exact: {}, Jaccard {:.2}, score {:.2}.</p>",
        if g.exact { "yes" } else { "no" },
        g.jaccard,
        g.score
    );
    s
}

fn answer_block(h: &mut String, r: &Level1Report, a: &ProbeExport) {
    let _ = write!(
        h,
        "<details class=\"sample\"><summary>{} <strong>{}</strong> · {} · score {}</summary>\n<div>\n",
        status_badge(a.status),
        esc(&a.probe_id),
        esc(&a.subject),
        a.score.map_or("–".into(), |s| format!("{s:.2}")),
    );
    let _ = writeln!(
        h,
        "<details class=\"ev\"><summary>question</summary><pre class=\"wrap\">{}</pre></details>",
        esc(&a.question)
    );
    match &a.answer {
        Some(t) => {
            let _ = writeln!(h, "<h4>answer</h4><pre class=\"wrap\">{}</pre>", esc(t));
        }
        None => {
            let _ = writeln!(
                h,
                "<p><strong>No answer</strong>: {}</p>",
                esc(a.error.as_deref().unwrap_or("no reason recorded"))
            );
        }
    }
    h.push_str(&grade_line(a));
    if a.kind == ProbeKind::Explain {
        if a.judgments.is_empty() && a.answer.is_some() {
            h.push_str("<p class=\"note\">No judge was asked, so this answer is not scored.</p>\n");
        }
        for j in &a.judgments {
            let itself = r
                .judge(&j.judge)
                .is_some_and(|c| c.judges_itself.contains(&a.subject));
            let verdicts = match &j.verdicts {
                Some(v) => a
                    .principles
                    .iter()
                    .zip(v)
                    .map(|(p, ok)| format!("{}: {}", esc(p), if *ok { "YES" } else { "NO" }))
                    .collect::<Vec<_>>()
                    .join(", "),
                None => "<strong>reply not readable</strong>".into(),
            };
            let _ = writeln!(
                h,
                "<h4>judge {}{} <span class=\"ci\">({})</span></h4><p>{verdicts}</p><pre class=\"wrap\">{}</pre>",
                esc(&j.judge),
                if itself {
                    " <span class=\"badge b-bad\">judges itself</span>"
                } else {
                    ""
                },
                esc(&judge_note(r, &j.judge)),
                esc(j
                    .reply
                    .as_deref()
                    .or(j.error.as_deref())
                    .unwrap_or("(no reply)")),
            );
        }
        if let Some(agree) = agreement(a) {
            let _ = writeln!(
                h,
                "<p>Judges {}.</p>",
                if agree {
                    "agree on every principle"
                } else {
                    "<strong>disagree</strong>"
                }
            );
        }
    }
    h.push_str("</div></details>\n");
}

/// The page level1.html.
pub fn page(r: &Level1Report, title: &str) -> String {
    let mut h = String::with_capacity(32 * 1024 + r.answers.len() * 4000);
    page_head(&mut h, &format!("{title}: Level 1"));
    let _ = writeln!(
        h,
        "<header><h1>Level 1: understanding probes</h1>\n<nav class=\"toc\"><a href=\"report.html\">Report</a><a href=\"#answers\">Answers</a></nav></header>\n<section id=\"summary\">"
    );
    summary(&mut h, r);
    h.push_str("</section>\n<section id=\"answers\">\n");
    let _ = writeln!(
        h,
        "<h2>Answers ({})</h2>\n<p class=\"note\">Unread ones first within each kind. Open an answer to see its question, the raw answer, how it was read and graded, and each judge's reply.</p>",
        r.answers.len()
    );
    for kind in [
        ProbeKind::Identify,
        ProbeKind::Recognize,
        ProbeKind::Explain,
    ] {
        let mut mine: Vec<&ProbeExport> = r.answers.iter().filter(|a| a.kind == kind).collect();
        if mine.is_empty() {
            continue;
        }
        mine.sort_by_key(|a| {
            !matches!(
                a.status,
                ParseStatus::Unparsed | ParseStatus::Unjudged | ParseStatus::NoAnswer
            )
        });
        let _ = writeln!(h, "<h3>{} ({})</h3>", kind.as_str(), mine.len());
        for a in mine {
            answer_block(&mut h, r, a);
        }
    }
    h.push_str("</section>\n</body>\n</html>\n");
    h
}
