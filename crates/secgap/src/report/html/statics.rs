//! The static analyzers against the executed tests, on report.html: how
//! each analyzer ran and what it cost per sample, its sample-level calls,
//! and the agreement table (precision, recall, κ and the counts behind
//! them) overall, per language and per CWE. Beside the executed numbers,
//! never in their place.

use std::fmt::Write as _;

use crate::analyze::agreement::{Agreement, AgreementRow, Scope, ANY};
use crate::analyze::metrics::Rate;
use crate::report::escape::esc;
use crate::report::html::page::pct;

fn rate_cell(r: Option<&Rate>) -> String {
    match r {
        None => "<td class=\"num\">–</td>".into(),
        Some(r) => format!(
            "<td class=\"num\">{}<br><span class=\"ci\">{}/{} [{:.1}, {:.1}]</span></td>",
            pct(r.rate),
            r.successes,
            r.trials,
            100.0 * r.ci95.lo,
            100.0 * r.ci95.hi
        ),
    }
}

fn row(h: &mut String, r: &AgreementRow) {
    let scope = match &r.scope {
        Scope::All => "all".to_string(),
        Scope::Language(l) => esc(l),
        Scope::Cwe(c) => c.to_string(),
    };
    let c = r.counts;
    let _ = writeln!(
        h,
        "<tr><td>{}</td><td>{scope}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}{}<td class=\"num\">{}</td></tr>",
        esc(&r.analyzer),
        c.tp,
        c.fp,
        c.fn_,
        c.tn,
        rate_cell(r.precision.as_ref()),
        rate_cell(r.recall.as_ref()),
        r.kappa.map_or("–".into(), crate::report::numbers::kappa),
    );
}

/// The section; nothing when the run ran no analyzer.
pub fn section(h: &mut String, a: Option<&Agreement>) {
    let Some(a) = a else {
        return;
    };
    h.push_str("<section id=\"static\">\n<h2>Static analyzers against the executed tests</h2>\n");
    h.push_str(
        "<p class=\"note\">A second, weaker oracle: the analyzers' findings are stored beside each sample and \
         change no score above. The executed security tests are the truth they are measured against.</p>\n",
    );
    h.push_str("<div class=\"scroll\"><table class=\"leaderboard\"><thead><tr><th>analyzer</th><th>version</th><th class=\"num\">samples</th><th class=\"num\">ran</th><th class=\"num\">failed</th><th class=\"num\">skipped</th><th class=\"num\">findings</th><th class=\"num\">clean</th><th class=\"num\">ms per sample<br>(mean / median)</th><th>func-sec samples it calls insecure</th><th>broken samples it is silent on</th></tr></thead><tbody>\n");
    for s in &a.analyzers {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}{}</tr>",
            esc(&s.analyzer),
            if s.analyzer == ANY { "every analyzer that ran".into() } else { esc(&s.versions.join(", ")) },
            s.samples,
            s.ran,
            s.failed,
            s.skipped,
            s.findings,
            s.clean,
            match (s.mean_ms, s.median_ms) {
                (Some(m), Some(md)) => format!("{m:.0} / {md}"),
                _ => "–".into(),
            },
            rate_cell(s.func_sec_flagged.as_ref()),
            rate_cell(s.insecure_missed.as_ref()),
        );
    }
    h.push_str("</tbody></table></div>\n");
    h.push_str(
        "<p class=\"note\">A sample counts as called insecure when the analyzer reported any finding on it; \
         broken = an executed security test failed. The <code>any</code> row joins every analyzer that ran \
         on a sample, and its time is their sum.</p>\n",
    );
    if a.rows.is_empty() {
        h.push_str("<p class=\"note\">No (sample, CWE) pair had both an analyzer verdict and an executed one.</p>\n</section>\n");
        return;
    }
    h.push_str("<h3 id=\"static-agreement\">Agreement per analyzer, language and CWE</h3>\n");
    h.push_str("<div class=\"scroll\"><table class=\"leaderboard\"><thead><tr><th>analyzer</th><th>scope</th><th class=\"num\">tp</th><th class=\"num\">fp</th><th class=\"num\">fn</th><th class=\"num\">tn</th><th>precision</th><th>recall</th><th class=\"num\">κ</th></tr></thead><tbody>\n");
    for r in &a.rows {
        row(h, r);
    }
    h.push_str("</tbody></table></div>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">{}.</p>\n</section>",
        esc(a.definition)
    );
}
