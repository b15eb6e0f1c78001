//! Level 1 in the text exports: the summary.md section (per subject and
//! probe kind: counts read and unread, scores with intervals; the judges
//! with their calibration and flags), and the JSON lines of every probe
//! answer (probes.jsonl) and of every calibration grading
//! (calibration.jsonl). The HTML pages are `report::html::level1`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::{json, Value};

use crate::analyze::level1::{agreement, Level1Report};
use crate::model::{ProbeExport, ProbeKind};
use crate::report::numbers::percent as pct;
use crate::report::sink::create;

/// Files the JSON-lines format adds for Level 1.
pub const PROBES_JSONL: &str = "probes.jsonl";
pub const CALIBRATION_JSONL: &str = "calibration.jsonl";

/// "[lo, hi]" in percent, or "-".
fn interval(ci: Option<[f64; 2]>) -> String {
    ci.map_or("-".into(), |c| format!("[{}, {}]", pct(c[0]), pct(c[1])))
}

/// What a report says beside a judge's name: its calibration and flags.
pub fn judge_note(r: &Level1Report, judge: &str) -> String {
    let Some(j) = r.judge(judge) else {
        return "not one of the run's judges".into();
    };
    let mut s = format!("calibration {}", j.accuracy_text());
    for f in j.flags() {
        s.push_str(&format!(", FLAGGED: {f}"));
    }
    s
}

/// The summary.md section.
pub fn markdown(r: &Level1Report) -> String {
    let mut s = String::from(
        "\n## Level 1: understanding probes\n\n\
         | subject | kind | asked | read | unread | no answer | score | score 95% CI | exact | exact 95% CI | judged by |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |\n",
    );
    for k in &r.summary {
        let (read, unread) = match k.kind {
            ProbeKind::Explain => (k.judged, k.unjudged),
            _ => (k.parsed, k.unparsed),
        };
        let judges = k
            .judges
            .iter()
            .map(|j| format!("{j} ({})", judge_note(r, j)))
            .collect::<Vec<_>>()
            .join("; ");
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            k.subject,
            k.kind.as_str(),
            k.probes,
            read,
            unread,
            k.no_answer,
            k.score.map_or("-".into(), pct),
            interval(k.score_ci95),
            k.exact_rate.map_or("-".into(), pct),
            interval(k.exact_ci95),
            if judges.is_empty() {
                "-".into()
            } else {
                judges
            },
        ));
    }
    s.push_str(&format!(
        "\nPercent. *Read*: answers parsed (identify, recognize) or with a readable judgment (explain); \
         unread identify and recognize answers score 0, unjudged explain answers are left out. {} unread \
         in all. The score interval is a task-clustered bootstrap, the exact-match interval Wilson's. \
         Every question and answer is in probes.jsonl and on level1.html.\n",
        r.unread()
    ));
    let no_judge: u64 = r.summary.iter().map(|k| k.no_judge).sum();
    if no_judge > 0 {
        s.push_str(&format!(
            "\n{no_judge} explain answer(s) are stored but not scored: the run has no judge.\n"
        ));
    }
    if !r.judges.is_empty() {
        s.push_str(&format!(
            "\n### Judges\n\nBefore grading, each judge graded the suite's reference explanations (the key should get YES \
             on every principle, a naive one NO); below {:.0} % it is flagged.\n\n\
             | judge | calibration | explain answers graded | replies read | flags |\n| --- | --- | ---: | ---: | --- |\n",
            100.0 * r.calibration_min
        ));
        for j in &r.judges {
            let flags = j.flags();
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                j.judge,
                j.accuracy_text(),
                j.answers_judged,
                j.replies_read,
                if flags.is_empty() {
                    "-".into()
                } else {
                    format!("**{}**", flags.join("; "))
                }
            ));
        }
    }
    s
}

/// One probes.jsonl line.
pub fn answer_line(r: &Level1Report, a: &ProbeExport) -> Value {
    let judgments: Vec<Value> = a
        .judgments
        .iter()
        .map(|j| {
            let check = r.judge(&j.judge);
            json!({
                "judge": j.judge,
                "reply": j.reply,
                "verdicts": j.verdicts,
                "read": j.verdicts.is_some(),
                "error": j.error,
                "calibration_accuracy": check.and_then(|c| c.accuracy),
                "calibration_right": check.map(|c| c.calibration.right),
                "calibration_total": check.map(|c| c.calibration.total),
                "calibration_standing": check.map(|c| c.standing),
                "judges_itself": check.is_some_and(|c| c.judges_itself.contains(&a.subject)),
            })
        })
        .collect();
    json!({
        "subject": a.subject,
        "probe": a.probe_id,
        "kind": a.kind,
        "task": a.task,
        "question": a.question,
        "answer": a.answer,
        "error": a.error,
        "status": a.status,
        "parsed": match a.kind {
            ProbeKind::Explain => None,
            _ => a.grade.as_ref().map(|g| g.parsed),
        },
        "grade": a.grade,
        "score": a.score,
        "principles": a.principles,
        "judgments": judgments,
        "judges_agree": agreement(a),
        "gen_ms": a.gen_ms,
    })
}

/// Write probes.jsonl and calibration.jsonl into `dir`.
pub fn write_jsonl(dir: &Path, r: &Level1Report) -> Result<Vec<PathBuf>> {
    let probes = dir.join(PROBES_JSONL);
    let mut out = create(&probes)?;
    for a in &r.answers {
        serde_json::to_writer(&mut out, &answer_line(r, a))?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    let calibration = dir.join(CALIBRATION_JSONL);
    let mut out = create(&calibration)?;
    for c in &r.calibrations {
        serde_json::to_writer(&mut out, c)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(vec![probes, calibration])
}
