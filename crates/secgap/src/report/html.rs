//! The self-contained HTML report: one file, no scripts, no network. The
//! charts are inline SVG drawn here; the drill-down uses `<details>` so
//! the page needs no JavaScript, and a Content-Security-Policy forbids
//! scripts outright. Everything that comes from a run (generated code,
//! test messages, names) is HTML-escaped: the page shows hostile code.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::Value;

use crate::analyze::gap::GapReport;
use crate::analyze::metrics::{GroupMetrics, Interval};
use crate::execute::TestOutcome;
use crate::model::ExportSample;
use crate::report::export::ReportInput;

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

/// No scripts, no remote anything; inline styles only.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                   base-uri 'none'; form-action 'none'";

const STYLE: &str = r#"
:root { --ink: #1d2330; --muted: #5b6475; --rule: #d5dae3; --band: #f3f5f9;
        --good: #23804a; --bad: #b3261e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .25rem;
     border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.lead { color: var(--muted); margin-top: 0; }
.note { color: var(--muted); font-size: .88rem; max-width: 62rem; }
nav.toc { margin: .8rem 0 0; font-size: .9rem; }
nav.toc a { margin-right: 1rem; color: #2454a6; text-decoration: none; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.2rem; margin: .6rem 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: .4rem 0 .8rem; font-size: .9rem; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ci { color: var(--muted); font-size: .8rem; }
.scroll { overflow-x: auto; }
svg { display: block; max-width: 100%; height: auto; margin: .4rem 0 .8rem; }
svg text { font-family: system-ui, sans-serif; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .78rem;
         font-weight: 600; color: #fff; vertical-align: 1px; }
.b-good { background: var(--good); } .b-bad { background: var(--bad); }
.b-warn { background: var(--warn); } .b-none { background: #6b7280; }
details.sample { border: 1px solid var(--rule); border-radius: 6px; margin: .35rem 0; }
details.sample > summary { cursor: pointer; padding: .35rem .6rem; list-style-position: inside; }
details.sample[open] > summary { background: var(--band); border-bottom: 1px solid var(--rule); }
details.sample > div { padding: .5rem .8rem .8rem; }
details.ev > summary { cursor: pointer; color: #2454a6; font-size: .82rem; }
pre { background: #f7f8fb; border: 1px solid var(--rule); border-radius: 4px; padding: .6rem .7rem;
      overflow-x: auto; font: 12.5px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
      white-space: pre; margin: .3rem 0 .6rem; }
pre.wrap { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 24rem; overflow-y: auto; }
.kw { color: #7a2fb0; font-weight: 600; } .str { color: #1f7a3a; } .com { color: #7b8494; font-style: italic; }
.numlit { color: #a14a00; }
td.msg { max-width: 36rem; overflow-wrap: anywhere; }
.o-pass { color: var(--good); font-weight: 600; } .o-fail { color: var(--bad); font-weight: 600; }
.o-error { color: var(--warn); font-weight: 600; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav.toc { display: none; }
  h2 { break-after: avoid; }
  svg, table, tr, details.sample { break-inside: avoid; }
  .scroll { overflow: visible; }
  pre { white-space: pre-wrap; max-height: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

/// HTML-escape text for element content and quoted attribute values.
/// Control characters other than tab and newline become U+FFFD.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            '\u{7f}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1}%", 100.0 * x)
    } else {
        "–".into()
    }
}

fn pct_ci(i: &Interval) -> String {
    format!("[{:.1}, {:.1}]", 100.0 * i.lo, 100.0 * i.hi)
}

/// The document head every page shares: CSP, styles, title.
fn page_head(h: &mut String, title: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"secgap {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title)
    );
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

/// The report page.
pub fn render(input: &ReportInput) -> String {
    let mut h = String::with_capacity(64 * 1024 + input.samples.len().min(PAGE_SIZE) * 3000);
    let title = format!(
        "secgap report: {} {}",
        input.suite.manifest.name, input.suite.manifest.version
    );
    page_head(&mut h, &title);
    header(&mut h, input);
    leaderboard(&mut h, input.groups);
    strategies(&mut h, input.groups);
    cwe_heat_map(&mut h, input.groups);
    match input.gap {
        Some(gap) => gap_sections(&mut h, gap),
        None => h.push_str(
            "<section id=\"gap\"><h2>Understanding and the gap</h2>\n<p class=\"note\">This run asked no \
             Level 1 probes (or its suite changed since the run), so there is no understanding or gap \
             analysis. Run with <code>--levels 1,2,3</code> to get one.</p></section>\n",
        ),
    }
    drill_down(&mut h, input);
    h.push_str("</body>\n</html>\n");
    h
}

fn run_str(run: &Value, path: &[&str]) -> Option<String> {
    let mut v = run;
    for p in path {
        v = v.get(p)?;
    }
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn run_list(run: &Value, key: &str) -> Vec<String> {
    run.get("config")
        .and_then(|c| c.get(key))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn header(h: &mut String, input: &ReportInput) {
    let run = &input.run;
    let m = &input.suite.manifest;
    let _ = write!(
        h,
        "<header>\n<h1>secgap report</h1>\n<p class=\"lead\">How securely the subjects wrote code for suite \
         <strong>{}</strong> {}{}.</p>\n",
        esc(&m.name),
        esc(&m.version),
        if m.description.is_empty() {
            String::new()
        } else {
            format!(" — {}", esc(&m.description))
        }
    );
    h.push_str("<nav class=\"toc\"><a href=\"#leaderboard\">Leaderboard</a><a href=\"#strategies\">Strategies</a><a href=\"#cwe\">CWE heat map</a><a href=\"#gap\">Understanding &amp; gap</a><a href=\"#samples\">Samples</a></nav>\n");
    let mut subjects = run_list(run, "subjects");
    if subjects.is_empty() {
        subjects = unique(input.groups.iter().map(|g| g.subject.clone()));
    }
    let mut strategies = run_list(run, "strategies");
    if strategies.is_empty() {
        strategies = unique(input.groups.iter().map(|g| g.strategy.clone()));
    }
    let tasks = run_list(run, "tasks");
    let mut rows: Vec<(&str, String)> = vec![
        ("Subjects", esc(&subjects.join(", "))),
        ("Strategies", esc(&strategies.join(", "))),
        (
            "Suite",
            format!(
                "{} {} <span class=\"ci\">(hash {})</span>",
                esc(&m.name),
                esc(&m.version),
                esc(&short(&input.suite.content_hash))
            ),
        ),
    ];
    if !tasks.is_empty() {
        rows.push(("Tasks", format!("{}", tasks.len())));
    }
    if let Some(n) = run_str(run, &["config", "n"]) {
        rows.push(("Samples per task", esc(&n)));
    }
    rows.push(("Samples in the run", format!("{}", input.total_samples)));
    if let Some(hash) = run_str(run, &["config_hash"]) {
        rows.push(("Config hash", format!("<code>{}</code>", esc(&hash))));
    }
    if let Some(c) = run_str(run, &["created_at"]) {
        rows.push(("Created", esc(&c)));
    }
    if let Some(v) = run_str(run, &["config", "secgap_version"]) {
        rows.push(("secgap version (run)", esc(&v)));
    }
    let calls = run_str(run, &["model_calls"]).unwrap_or_else(|| "–".into());
    let cached = run_str(run, &["cached_calls"]);
    rows.push((
        "Model calls",
        format!(
            "{}{}",
            esc(&calls),
            cached.map_or(String::new(), |c| format!(" ({} from cache)", esc(&c)))
        ),
    ));
    let spend = run.get("cost_usd").and_then(Value::as_f64).map_or(
        "not priced (no price table or usage reported)".to_string(),
        |c| format!("${c:.4}"),
    );
    rows.push(("Spend", esc(&spend)));
    h.push_str("<dl class=\"meta\">\n");
    for (k, v) in rows {
        let _ = writeln!(h, "<dt>{k}</dt><dd>{v}</dd>");
    }
    h.push_str("</dl>\n</header>\n");
}

fn short(hash: &str) -> String {
    hash.chars().take(12).collect()
}

fn unique(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in it {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

fn group_label(g: &GroupMetrics, many_strategies: bool) -> String {
    if many_strategies {
        format!("{} / {}", g.subject, g.strategy)
    } else {
        g.subject.clone()
    }
}

fn leaderboard(h: &mut String, groups: &[GroupMetrics]) {
    h.push_str("<section id=\"leaderboard\">\n<h2>Leaderboard</h2>\n");
    if groups.is_empty() {
        h.push_str("<p class=\"note\">No scored samples yet.</p>\n</section>\n");
        return;
    }
    let ks: BTreeSet<u32> = groups
        .iter()
        .flat_map(|g| g.at_k.iter().map(|a| a.k))
        .filter(|k| *k > 1)
        .collect();
    h.push_str("<div class=\"scroll\"><table class=\"leaderboard\">\n<thead><tr><th>subject</th><th>strategy</th><th class=\"num\">tasks</th><th class=\"num\">n</th><th class=\"num\">func@1</th><th class=\"num\">sec@1</th><th class=\"num\">func-sec@1</th>");
    for k in &ks {
        let _ = write!(h, "<th class=\"num\">func-sec@{k}</th>");
    }
    h.push_str("<th class=\"num\">insecure among functional</th></tr></thead>\n<tbody>\n");
    for g in groups {
        let at1 = g.at_k.iter().find(|a| a.k == 1);
        let cell = |v: Option<f64>, i: &Interval| {
            format!(
                "<td class=\"num\">{}<br><span class=\"ci\">{}</span></td>",
                v.map_or("–".into(), pct),
                pct_ci(i)
            )
        };
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}{}{}",
            esc(&g.subject),
            esc(&g.strategy),
            g.tasks,
            g.n,
            cell(at1.map(|a| a.func), &g.functional.ci95),
            cell(at1.map(|a| a.sec), &g.secure.ci95),
            cell(at1.map(|a| a.func_sec), &g.func_sec.ci95),
        );
        for k in &ks {
            match g.at_k.iter().find(|a| a.k == *k) {
                Some(a) => {
                    let _ = write!(
                        h,
                        "<td class=\"num\">{}<br><span class=\"ci\">all {k}: {}</span></td>",
                        pct(a.func_sec),
                        pct(a.func_sec_all)
                    );
                }
                None => h.push_str("<td class=\"num\">–</td>"),
            }
        }
        let _ = writeln!(
            h,
            "<td class=\"num\">{} <span class=\"ci\">({} of {})</span><br><span class=\"ci\">{}</span></td></tr>",
            pct(g.insecure_among_functional.rate),
            g.insecure_among_functional.successes,
            g.insecure_among_functional.trials,
            pct_ci(&g.insecure_among_functional.ci95)
        );
    }
    h.push_str("</tbody></table></div>\n");
    h.push_str(
        "<p class=\"note\"><strong>func@1</strong>: the sample passes every functional test; \
         <strong>sec@1</strong>: it passes every security test; <strong>func-sec@1</strong>: both. \
         @k values come from the unbiased pass@k estimator averaged over tasks (k up to the smallest \
         number of samples per task); under func-sec@k, <em>all k</em> is pass^k, the chance that k \
         samples are all functional and secure. The bracket under each @1 value is the Wilson 95 % \
         interval over the pooled samples. <strong>Insecure among functional</strong>: the share of \
         functional samples that fail at least one security test.</p>\n",
    );
    bar_chart(h, groups);
    h.push_str("</section>\n");
}

/// Horizontal bars of the pooled func-sec rate with Wilson whiskers.
fn bar_chart(h: &mut String, groups: &[GroupMetrics]) {
    let many = unique(groups.iter().map(|g| g.strategy.clone())).len() > 1;
    let labels: Vec<String> = groups.iter().map(|g| group_label(g, many)).collect();
    let label_w = (labels.iter().map(|l| l.chars().count()).max().unwrap_or(8) as f64 * 7.2)
        .clamp(90.0, 320.0);
    let (plot_w, row_h, top) = (620.0, 30.0, 34.0);
    let width = label_w + plot_w + 80.0;
    let height = top + row_h * groups.len() as f64 + 36.0;
    let x = |v: f64| label_w + 10.0 + plot_w * v.clamp(0.0, 1.0);
    let _ = writeln!(
        h,
        "<h3>func-sec rate by subject</h3>\n<svg class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" \
         aria-label=\"Bar chart of the func-sec rate per subject with 95 % intervals\">\n\
         <title>func-sec rate per subject with Wilson 95 % intervals</title>"
    );
    for t in 0..=4 {
        let v = t as f64 / 4.0;
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"#d5dae3\"/>\
             <text x=\"{0:.1}\" y=\"{3:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6475\">{4}%</text>",
            x(v),
            top - 6.0,
            top + row_h * groups.len() as f64,
            top + row_h * groups.len() as f64 + 16.0,
            t * 25
        );
    }
    for (i, (g, label)) in groups.iter().zip(&labels).enumerate() {
        let y = top + row_h * i as f64;
        let r = &g.func_sec;
        let _ = writeln!(
            h,
            "<g><title>{}: {} ({} of {}), 95 % CI {}</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2330\">{}</text>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#3a6fc4\"/>\
             <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#1d2330\" stroke-width=\"1.5\"/>\
             <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#1d2330\" stroke-width=\"1.5\"/>\
             <line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#1d2330\" stroke-width=\"1.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#1d2330\">{}</text></g>",
            esc(label),
            pct(r.rate),
            r.successes,
            r.trials,
            pct_ci(&r.ci95),
            label_w,
            y + row_h / 2.0 + 4.0,
            esc(label),
            x(0.0),
            y + 6.0,
            x(r.rate) - x(0.0),
            row_h - 12.0,
            // whisker: the interval, with caps
            x(r.ci95.lo),
            y + row_h / 2.0,
            x(r.ci95.hi),
            y + row_h / 2.0,
            x(r.ci95.lo),
            y + 9.0,
            x(r.ci95.lo),
            y + row_h - 9.0,
            x(r.ci95.hi),
            y + 9.0,
            x(r.ci95.hi),
            y + row_h - 9.0,
            x(r.ci95.hi) + 6.0,
            y + row_h / 2.0 + 4.0,
            pct(r.rate)
        );
    }
    h.push_str("</svg>\n<p class=\"note\">Bars: the share of all samples that are functional and secure; whiskers: Wilson 95 % interval. With the same number of samples on every task this equals func-sec@1.</p>\n");
}

fn strategies(h: &mut String, groups: &[GroupMetrics]) {
    h.push_str("<section id=\"strategies\">\n<h2>Strategy comparison</h2>\n");
    let strategies = unique(groups.iter().map(|g| g.strategy.clone()));
    if strategies.len() < 2 {
        let _ = writeln!(
            h,
            "<p class=\"note\">This run used one strategy ({}), so there is nothing to compare.</p>",
            esc(strategies.first().map_or("none", String::as_str))
        );
        h.push_str("</section>\n");
        return;
    }
    let subjects = unique(groups.iter().map(|g| g.subject.clone()));
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>subject</th>");
    for s in &strategies {
        let _ = write!(h, "<th class=\"num\">{}</th>", esc(s));
    }
    h.push_str("</tr></thead><tbody>\n");
    for subj in &subjects {
        let _ = write!(h, "<tr><td>{}</td>", esc(subj));
        for st in &strategies {
            match groups
                .iter()
                .find(|g| &g.subject == subj && &g.strategy == st)
            {
                Some(g) => {
                    let _ = write!(
                        h,
                        "<td class=\"num\">{}<br><span class=\"ci\">{}</span></td>",
                        pct(g.func_sec.rate),
                        pct_ci(&g.func_sec.ci95)
                    );
                }
                None => h.push_str("<td class=\"num\">–</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n<p class=\"note\">func-sec rate with its Wilson 95 % interval per subject and strategy.</p>\n</section>\n");
}

/// A colour from red (0) through pale yellow to green (1).
fn heat(v: f64) -> String {
    let v = v.clamp(0.0, 1.0);
    let (a, b, t) = if v < 0.5 {
        ((228.0, 120.0, 110.0), (250.0, 230.0, 160.0), v / 0.5)
    } else {
        (
            (250.0, 230.0, 160.0),
            (112.0, 196.0, 136.0),
            (v - 0.5) / 0.5,
        )
    };
    let mix = |p: f64, q: f64| (p + (q - p) * t).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// One cell of a heat map: its value (0..1, where higher is better for the
/// colour), its label and a tooltip.
struct HeatCell {
    good: Option<f64>,
    label: String,
    tip: String,
}

fn heat_map(
    h: &mut String,
    title: &str,
    rows: &[String],
    cols: &[String],
    cells: &[Vec<HeatCell>],
) {
    let row_w =
        (rows.iter().map(|l| l.chars().count()).max().unwrap_or(6) as f64 * 7.0).clamp(70.0, 300.0);
    let col_w =
        (cols.iter().map(|l| l.chars().count()).max().unwrap_or(6) as f64 * 6.6).clamp(78.0, 150.0);
    let (cell_h, top) = (28.0, 34.0);
    let width = row_w + 12.0 + col_w * cols.len() as f64 + 4.0;
    let height = top + cell_h * rows.len() as f64 + 6.0;
    let _ = writeln!(
        h,
        "<svg class=\"chart heat\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" \
         width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"{0}\"><title>{0}</title>",
        esc(title)
    );
    for (j, c) in cols.iter().enumerate() {
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1d2330\">{}</text>",
            row_w + 12.0 + col_w * (j as f64 + 0.5),
            top - 10.0,
            esc(c)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + cell_h * i as f64;
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2330\">{}</text>",
            row_w + 4.0,
            y + cell_h / 2.0 + 4.0,
            esc(r)
        );
        for (j, cell) in cells[i].iter().enumerate() {
            let x = row_w + 12.0 + col_w * j as f64;
            let fill = cell.good.map_or("#eceff4".to_string(), heat);
            let _ = writeln!(
                h,
                "<g><title>{}</title><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"2\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1d2330\">{}</text></g>",
                esc(&cell.tip),
                x,
                y,
                col_w,
                cell_h,
                fill,
                x + col_w / 2.0,
                y + cell_h / 2.0 + 4.0,
                esc(&cell.label)
            );
        }
    }
    h.push_str("</svg>\n");
}

fn cwe_heat_map(h: &mut String, groups: &[GroupMetrics]) {
    h.push_str("<section id=\"cwe\">\n<h2>CWE × subject</h2>\n");
    let cwes: BTreeSet<u32> = groups
        .iter()
        .flat_map(|g| g.per_cwe.iter().map(|c| c.cwe.0))
        .collect();
    if cwes.is_empty() {
        h.push_str("<p class=\"note\">No task of this run carries a CWE.</p>\n</section>\n");
        return;
    }
    let many = unique(groups.iter().map(|g| g.strategy.clone())).len() > 1;
    let cols: Vec<String> = groups.iter().map(|g| group_label(g, many)).collect();
    let rows: Vec<String> = cwes.iter().map(|c| format!("CWE-{c}")).collect();
    let cells: Vec<Vec<HeatCell>> = cwes
        .iter()
        .map(|c| {
            groups
                .iter()
                .zip(&cols)
                .map(|(g, col)| match g.per_cwe.iter().find(|r| r.cwe.0 == *c) {
                    Some(r) => HeatCell {
                        good: Some(r.func_sec.rate),
                        label: format!("{} (n={})", pct(r.func_sec.rate), r.func_sec.trials),
                        tip: format!(
                            "CWE-{c}, {col}: func-sec {} {} over {} samples of {} tasks; secure on this CWE's tests {}",
                            pct(r.func_sec.rate),
                            pct_ci(&r.func_sec.ci95),
                            r.func_sec.trials,
                            r.tasks,
                            pct(r.sec.rate)
                        ),
                    },
                    None => HeatCell {
                        good: None,
                        label: "–".into(),
                        tip: format!("CWE-{c}, {col}: no samples"),
                    },
                })
                .collect()
        })
        .collect();
    heat_map(h, "func-sec rate by CWE and subject", &rows, &cols, &cells);
    h.push_str("<p class=\"note\">Each cell: the func-sec rate of the subject's samples on tasks carrying the CWE (n samples); red is low, green high, grey means no samples. Hover a cell for the interval and the rate of passing that CWE's security tests.</p>\n</section>\n");
}

fn opt_pct(x: Option<f64>) -> String {
    x.map_or("–".into(), pct)
}

fn gap_sections(h: &mut String, gap: &GapReport) {
    h.push_str("<section id=\"gap\">\n<h2>Understanding and the gap</h2>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">A subject <em>understands</em> a task or principle when its Level 1 score is at least {}. \
         The <em>gap rate</em> is the share of its samples on understood tasks that are not func-sec: it knew, but did not do.</p>",
        gap.understood_at
    );
    // Per subject.
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>subject</th><th class=\"num\">understanding</th><th class=\"num\">func-sec</th><th class=\"num\">knew &amp; did</th><th class=\"num\">knew &amp; failed</th><th class=\"num\">missed &amp; did</th><th class=\"num\">neither</th><th class=\"num\">gap rate</th></tr></thead><tbody>\n");
    for s in &gap.subjects {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}{}</td></tr>",
            esc(&s.subject),
            opt_pct(s.understanding),
            pct(s.func_sec_rate),
            s.func_sec_bootstrap95.map_or(String::new(), |c| format!(
                "<br><span class=\"ci\">[{:.1}, {:.1}] bootstrap</span>",
                100.0 * c[0],
                100.0 * c[1]
            )),
            s.cell.knew_did,
            s.cell.knew_failed,
            s.cell.missed_did,
            s.cell.neither,
            opt_pct(s.gap_rate),
            s.gap_ci95.map_or(String::new(), |c| format!(
                "<br><span class=\"ci\">[{:.1}, {:.1}]</span>",
                100.0 * c[0],
                100.0 * c[1]
            )),
        );
    }
    h.push_str("</tbody></table></div>\n");

    // Level 1 by principle.
    let subjects: Vec<String> = gap.subjects.iter().map(|s| s.subject.clone()).collect();
    let principles: Vec<String> = gap
        .subjects
        .iter()
        .flat_map(|s| s.principles.iter().map(|p| p.principle.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    h.push_str("<h3 id=\"understanding\">Level 1: understanding by principle</h3>\n");
    if principles.is_empty() {
        h.push_str("<p class=\"note\">No principle was scored.</p>\n");
    } else {
        h.push_str(
            "<div class=\"scroll\"><table class=\"understanding\"><thead><tr><th>principle</th>",
        );
        for s in &subjects {
            let _ = write!(h, "<th class=\"num\">{}</th>", esc(s));
        }
        h.push_str("</tr></thead><tbody>\n");
        for p in &principles {
            let _ = write!(h, "<tr><td>{}</td>", esc(p));
            for s in &gap.subjects {
                let v = s
                    .principles
                    .iter()
                    .find(|x| &x.principle == p)
                    .and_then(|x| x.understanding);
                let _ = write!(h, "<td class=\"num\">{}</td>", opt_pct(v));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</tbody></table></div>\n<p class=\"note\">Mean Level 1 score (identify, recognize, explain) over the subject's tasks with the principle.</p>\n");

        h.push_str("<h3 id=\"gap-matrix\">Gap matrix: principle × subject</h3>\n");
        let cells: Vec<Vec<HeatCell>> = principles
            .iter()
            .map(|p| {
                gap.subjects
                    .iter()
                    .map(|s| {
                        let pg = s.principles.iter().find(|x| &x.principle == p);
                        match pg.and_then(|x| x.gap_rate.map(|r| (x, r))) {
                            Some((x, r)) => {
                                let n = x.cell.knew_did + x.cell.knew_failed;
                                HeatCell {
                                    good: Some(1.0 - r),
                                    label: format!("{} (n={n})", pct(r)),
                                    tip: format!(
                                        "{p}, {}: gap {} {} over {n} samples where understood; knew&did {}, knew&failed {}, missed&did {}, neither {}",
                                        s.subject,
                                        pct(r),
                                        x.gap_ci95.map_or(String::new(), |c| format!("[{:.1}, {:.1}]", 100.0 * c[0], 100.0 * c[1])),
                                        x.cell.knew_did,
                                        x.cell.knew_failed,
                                        x.cell.missed_did,
                                        x.cell.neither
                                    ),
                                }
                            }
                            None => HeatCell {
                                good: None,
                                label: "–".into(),
                                tip: format!("{p}, {}: not understood on any sample", s.subject),
                            },
                        }
                    })
                    .collect()
            })
            .collect();
        heat_map(
            h,
            "gap rate by principle and subject",
            &principles,
            &subjects,
            &cells,
        );
        h.push_str("<p class=\"note\">Each cell: the gap rate P(not func-sec | principle understood) with the number of samples behind it; green is a small gap, red a large one, grey means the subject understood the principle on no sample.</p>\n");
    }

    forest_plot(h, gap);

    // The other tests, briefly.
    let mut extra = Vec::new();
    if let Some(sp) = &gap.spearman {
        extra.push(match sp {
            Ok(sp) => format!(
                "Spearman's rank correlation of understanding and func-sec across {} subjects: ρ = {:.3}, p = {:.4}.",
                sp.n, sp.rho, sp.p_value
            ),
            Err(e) => format!("Spearman's correlation not computable: {e}."),
        });
    }
    if let Some(k) = &gap.judge_agreement {
        extra.push(match k {
            Ok(k) => format!(
                "Judges' agreement on explain answers (Fleiss' κ, {} raters, {} items): {:.3}.",
                k.raters, k.items, k.kappa
            ),
            Err(e) => format!("Judges' agreement not computable: {e}."),
        });
    }
    for t in &gap.mcnemar {
        extra.push(match &t.result {
            Ok(m) => format!(
                "McNemar, func-sec of {} vs {} on {} paired samples: b = {}, c = {}, exact p = {:.3e}.",
                t.first, t.second, t.pairs, m.b, m.c, m.exact.p_value
            ),
            Err(e) => format!("McNemar {} vs {}: {e}.", t.first, t.second),
        });
    }
    if !extra.is_empty() {
        h.push_str("<h3>Other tests</h3>\n<ul class=\"note\">\n");
        for e in extra {
            let _ = writeln!(h, "<li>{}</li>", esc(&e));
        }
        h.push_str("</ul>\n");
    }
    h.push_str("</section>\n");
}

/// Odds ratios of the `understanding` coefficient per outcome, log scale.
fn forest_plot(h: &mut String, gap: &GapReport) {
    h.push_str("<h3 id=\"forest\">Does understanding predict the outcome? Odds ratios</h3>\n");
    struct Row {
        outcome: String,
        or: f64,
        lo: f64,
        hi: f64,
        text: String,
    }
    let mut rows = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    for reg in &gap.regressions {
        match &reg.result {
            Ok(fit) => {
                if let Some(c) = fit.fit.coefficient("understanding") {
                    rows.push(Row {
                        outcome: reg.outcome.clone(),
                        or: c.odds_ratio,
                        lo: c.or_ci_low,
                        hi: c.or_ci_high,
                        text: format!(
                            "OR {} [{}, {}], p = {:.4}, {:?}, {} obs.",
                            num3(c.odds_ratio),
                            num3(c.or_ci_low),
                            num3(c.or_ci_high),
                            c.p_value,
                            fit.fit.estimator,
                            fit.fit.observations
                        ),
                    });
                } else {
                    notes.push(format!(
                        "{}: the model has no understanding term",
                        reg.outcome
                    ));
                }
                for n in reg.notes.iter().chain(fit.notes.iter()) {
                    notes.push(format!("{}: {n}", reg.outcome));
                }
            }
            Err(e) => {
                notes.push(format!("{}: not estimable: {e}", reg.outcome));
                for n in &reg.notes {
                    notes.push(format!("{}: {n}", reg.outcome));
                }
            }
        }
    }
    if rows.is_empty() {
        h.push_str("<p class=\"note\">No regression could be estimated.</p>\n");
    } else {
        // Log10 axis over the finite ends, always including OR = 1.
        let (lim_lo, lim_hi) = (-3.0_f64, 3.0_f64);
        let l = |v: f64| {
            if v.is_nan() {
                0.0
            } else if v <= 0.0 {
                lim_lo
            } else {
                v.log10().clamp(lim_lo, lim_hi)
            }
        };
        let mut a = 0.0_f64;
        let mut b = 0.0_f64;
        for r in &rows {
            for v in [r.lo, r.hi, r.or] {
                a = a.min(l(v));
                b = b.max(l(v));
            }
        }
        let (a, b) = (a.floor(), b.ceil().max(a.floor() + 1.0));
        let (label_w, plot_w, text_w, row_h, top) = (110.0, 420.0, 330.0, 30.0, 16.0);
        let width = label_w + plot_w + text_w + 30.0;
        let height = top + row_h * rows.len() as f64 + 34.0;
        let x = |v: f64| label_w + 10.0 + plot_w * (l(v) - a) / (b - a);
        let _ = writeln!(
            h,
            "<svg class=\"chart forest\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" \
             width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"Forest plot of odds ratios of understanding\">\
             <title>Odds ratio of each outcome per unit of understanding score, 95 % interval, log scale</title>"
        );
        let bottom = top + row_h * rows.len() as f64;
        let mut e = a as i32;
        while e <= b as i32 {
            let v = 10f64.powi(e);
            let label = if e >= 0 {
                format!("{}", 10u64.pow(e as u32))
            } else {
                format!("{v}")
            };
            let _ = writeln!(
                h,
                "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{3}\" {4}/>\
                 <text x=\"{0:.1}\" y=\"{5:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6475\">{6}</text>",
                x(v),
                top - 6.0,
                bottom,
                if e == 0 { "#1d2330" } else { "#d5dae3" },
                if e == 0 { "stroke-dasharray=\"4 3\"" } else { "" },
                bottom + 16.0,
                esc(&label)
            );
            e += 1;
        }
        for (i, r) in rows.iter().enumerate() {
            let y = top + row_h * i as f64 + row_h / 2.0;
            let _ = writeln!(
                h,
                "<g><title>{0}: {1}</title>\
                 <text x=\"{2:.1}\" y=\"{3:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2330\">{0}</text>\
                 <line x1=\"{4:.1}\" y1=\"{5:.1}\" x2=\"{6:.1}\" y2=\"{5:.1}\" stroke=\"#1d2330\" stroke-width=\"1.5\"/>\
                 <rect x=\"{7:.1}\" y=\"{8:.1}\" width=\"10\" height=\"10\" fill=\"#3a6fc4\"/>\
                 <text x=\"{9:.1}\" y=\"{3:.1}\" font-size=\"11\" fill=\"#1d2330\">{1}</text></g>",
                esc(&r.outcome),
                esc(&r.text),
                label_w,
                y + 4.0,
                x(r.lo),
                y,
                x(r.hi),
                x(r.or) - 5.0,
                y - 5.0,
                label_w + plot_w + 24.0,
            );
        }
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6475\">odds ratio (log scale; ends beyond 10^±3 are cut)</text></svg>",
            label_w + 10.0 + plot_w / 2.0,
            bottom + 30.0
        );
        h.push_str("<p class=\"note\">Logistic regressions of each outcome on the understanding score (0–1) with subject and language terms where the data support them, standard errors clustered by task; Firth's estimator when the data are separated. An odds ratio above 1 means subjects that understand more also do better; the dashed line is no effect.</p>\n");
    }
    if !notes.is_empty() {
        h.push_str("<ul class=\"note\">\n");
        for n in notes {
            let _ = writeln!(h, "<li>{}</li>", esc(&n));
        }
        h.push_str("</ul>\n");
    }
}

fn num3(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else if v > 0.0 {
        "∞".into()
    } else {
        "–".into()
    }
}

fn outcome_badge(s: &ExportSample) -> (&'static str, &'static str) {
    if s.status != "scored" {
        return ("b-none", "generation error");
    }
    match (s.functional, s.secure) {
        (Some(true), Some(true)) => ("b-good", "func-sec"),
        (Some(true), Some(false)) => ("b-bad", "functional, insecure"),
        (Some(false), Some(true)) => ("b-warn", "not functional"),
        (Some(false), Some(false)) => ("b-bad", "not functional, insecure"),
        _ => ("b-none", "unscored"),
    }
}

fn drill_down(h: &mut String, input: &ReportInput) {
    let total = input.total_samples;
    let _ = writeln!(
        h,
        "<section id=\"samples\">\n<h2>Samples ({total})</h2>\n<p class=\"note\">Open a sample to see the prompt, the raw \
         response, the extracted code, each test's verdict with its message, and the evidence (failed assertion, sanitizer \
         report, exploit transcript). The code is shown as text and never run by this page.</p>"
    );
    let shown = input.samples.len() as u64
        + input
            .pages
            .iter()
            .map(|p| p.last + 1 - p.first)
            .sum::<u64>();
    if !input.pages.is_empty() {
        let _ = write!(
            h,
            "<p class=\"note\">This page shows samples 1–{} in run order; the others are on {} more pages of {PAGE_SIZE}:</p>\n<nav class=\"toc pages\">",
            input.samples.len(),
            input.pages.len()
        );
        for p in input.pages {
            let _ = write!(
                h,
                "<a href=\"{}\">{}–{}</a> ",
                esc(&p.file),
                p.first,
                p.last
            );
        }
        h.push_str("</nav>\n");
    }
    if shown < total {
        let _ = writeln!(
            h,
            "<p class=\"note\"><strong>The drill-down stops after {shown} of {total} samples</strong> (raise it with \
             <code>secgap report --drill-down N</code>); every sample is in <code>samples.jsonl</code> (and \
             <code>samples.csv</code>) and every verdict in <code>verdicts.jsonl</code> next to this file.</p>"
        );
    }
    for s in input.samples {
        sample_block(h, input.suite, s, input.code_files.then_some(""));
    }
    h.push_str("</section>\n");
}

/// One sample's collapsible block. `up` prefixes links to the code files
/// beside ("../" on pages under samples/), None when the code is not
/// written out as files.
pub fn sample_block(
    h: &mut String,
    suite: &crate::suite::Suite,
    s: &ExportSample,
    up: Option<&str>,
) {
    let (class, what) = outcome_badge(s);
    let _ = writeln!(
        h,
        "<details class=\"sample\"><summary><span class=\"badge {class}\">{what}</span> {} · {} · {} · sample {}</summary><div>",
        esc(&s.key.subject),
        esc(&s.key.strategy),
        esc(&s.key.task),
        s.key.index
    );
    let yn = |b: Option<bool>| b.map_or("–", |b| if b { "yes" } else { "no" });
    let _ = writeln!(
        h,
        "<dl class=\"meta\"><dt>language</dt><dd>{}</dd><dt>status</dt><dd>{}</dd>\
         <dt>functional / secure / func-sec</dt><dd>{} / {} / {}</dd><dt>time</dt><dd>generation {} ms, execution {} ms, finished {}</dd>",
        esc(&s.language),
        esc(&s.status),
        yn(s.functional),
        yn(s.secure),
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
        let path = crate::report::export::code_path(suite, s);
        let _ = write!(
            h,
            "<dt>code file</dt><dd><a href=\"{up}{0}\">{0}</a></dd>",
            esc(&path)
        );
    }
    h.push_str("</dl>\n");
    if !s.prompt.is_empty() {
        let _ = writeln!(
            h,
            "<details class=\"ev\"><summary>prompt</summary><pre class=\"wrap\">{}</pre></details>",
            esc(&s.prompt)
        );
    }
    match s.response.as_deref() {
        Some(r) if !r.is_empty() => {
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
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{oc}\">{}</td><td class=\"msg\">{}",
                esc(&v.test),
                v.kind.as_str(),
                v.cwe.map_or("–".into(), |c| c.to_string()),
                v.outcome.as_str(),
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
    h.push_str("</div></details>\n");
}

/// A self-contained page for `secgap compare --html`: both rates, the
/// paired difference with its interval drawn on a shared axis, McNemar's
/// tests, and the tasks where the two differ.
pub fn render_comparison(c: &crate::analyze::compare::Comparison) -> String {
    let mut h = String::with_capacity(32 * 1024);
    page_head(&mut h, &format!("secgap compare: {} vs {}", c.a, c.b));
    let _ = writeln!(
        h,
        "<header><h1>Paired comparison</h1>\n<p class=\"lead\">A = <strong>{}</strong>, B = <strong>{}</strong></p>\n\
         <dl class=\"meta\"><dt>Paired samples</dt><dd>{} (matched on strategy, task and sample index)</dd>\
         <dt>Unmatched</dt><dd>{} of A, {} of B (left out)</dd></dl></header>",
        esc(&c.a),
        esc(&c.b),
        c.pairs,
        c.unmatched_a,
        c.unmatched_b
    );
    h.push_str("<section id=\"outcomes\"><h2>Outcomes</h2>\n<div class=\"scroll\"><table><thead><tr><th>outcome</th>\
                <th class=\"num\">A</th><th class=\"num\">B</th><th class=\"num\">A − B</th><th>95 % CI</th>\
                <th class=\"num\">b</th><th class=\"num\">c</th><th class=\"num\">exact p</th><th class=\"num\">χ² p</th></tr></thead><tbody>\n");
    for o in &c.outcomes {
        match &o.result {
            Ok(m) => {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"ci\">[{}, {}]</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(&o.outcome),
                    pct(o.rate_a),
                    pct(o.rate_b),
                    pct(m.difference),
                    pct(m.difference_ci.lo),
                    pct(m.difference_ci.hi),
                    m.b,
                    m.c,
                    num3(m.exact.p_value),
                    m.chi2.as_ref().map_or("–".into(), |t| num3(t.p_value))
                );
            }
            Err(e) => {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td colspan=\"6\">not computable: {}</td></tr>",
                    esc(&o.outcome),
                    pct(o.rate_a),
                    pct(o.rate_b),
                    esc(e)
                );
            }
        }
    }
    h.push_str("</tbody></table></div>\n<p class=\"note\">Rates in percent over the paired samples. b: pairs where only A \
                succeeds; c: pairs where only B does. The exact McNemar test takes min(b, c) as Binomial(b + c, ½); the \
                χ² test has the continuity correction. The interval for A − B is Newcombe's score interval for paired \
                proportions.</p>\n");
    difference_plot(&mut h, c);
    h.push_str("</section>\n<section id=\"tasks\"><h2>Tasks where func-sec differs</h2>\n");
    if c.tasks.is_empty() {
        h.push_str(
            "<p class=\"note\">On every paired sample A and B are both func-sec or both not.</p>\n",
        );
    } else {
        h.push_str("<table><thead><tr><th>task</th><th class=\"num\">A better</th><th class=\"num\">B better</th></tr></thead><tbody>\n");
        for (t, wa, wb) in &c.tasks {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{wa}</td><td class=\"num\">{wb}</td></tr>",
                esc(t)
            );
        }
        h.push_str("</tbody></table>\n<p class=\"note\">Counts of paired samples where only one of the two is func-sec.</p>\n");
    }
    h.push_str("</section>\n</body>\n</html>\n");
    h
}

/// A − B per outcome with its interval, on an axis from −100 % to +100 %.
fn difference_plot(h: &mut String, c: &crate::analyze::compare::Comparison) {
    let rows: Vec<(&str, &secgap_stats::McNemar)> = c
        .outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok().map(|m| (o.outcome.as_str(), m)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let (left, width, row_h) = (110.0, 520.0, 34.0);
    let height = 40.0 + row_h * rows.len() as f64;
    let x = |v: f64| left + (v.clamp(-1.0, 1.0) + 1.0) / 2.0 * width;
    let _ = writeln!(
        h,
        "<svg class=\"chart diff\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"Paired difference A minus B with 95% intervals\">",
        left + width + 30.0
    );
    for t in [-1.0, -0.5, 0.0, 0.5, 1.0] {
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"10\" y2=\"{1:.1}\" stroke=\"{2}\" stroke-width=\"1\"/>\
             <text x=\"{0:.1}\" y=\"{3:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6475\">{4:+.0} %</text>",
            x(t),
            height - 22.0,
            if t == 0.0 { "#5b6475" } else { "#d5dae3" },
            height - 8.0,
            100.0 * t
        );
    }
    for (i, (name, m)) in rows.iter().enumerate() {
        let y = 24.0 + row_h * i as f64;
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#1d2330\" stroke-width=\"2\"/>\
             <circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"{}\"><title>{}: A − B = {} [{}, {}], exact p = {}</title></circle>",
            left - 8.0,
            y + 4.0,
            esc(name),
            x(m.difference_ci.lo),
            x(m.difference_ci.hi),
            x(m.difference),
            if m.exact.p_value < 0.05 { "#b3261e" } else { "#5b6475" },
            esc(name),
            pct(m.difference),
            pct(m.difference_ci.lo),
            pct(m.difference_ci.hi),
            num3(m.exact.p_value)
        );
    }
    h.push_str("</svg>\n<p class=\"note\">Dots: A − B; bars: 95 % interval; red when the exact McNemar p is below 0.05.</p>\n");
}

fn span(h: &mut String, class: &str, text: &str) {
    let _ = write!(h, "<span class=\"{class}\">{}</span>", esc(text));
}

/// Keyword, string, number and comment highlighting, all text escaped.
/// A plain scanner, not a parser: good enough to read code by.
fn highlight(h: &mut String, code: &str, language: &str) {
    let lang = language.to_ascii_lowercase();
    let python = lang.starts_with("py");
    let shell = matches!(lang.as_str(), "sh" | "bash" | "shell");
    let keywords = language
        .parse::<crate::lang::Language>()
        .map_or(&[][..], |l| l.highlight_keywords());
    let hash_comments = python || shell;
    let chars: Vec<char> = code.chars().collect();
    let text = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let mut i = 0;
    let mut plain_start = 0;
    let flush = |h: &mut String, a: usize, b: usize| {
        if a < b {
            h.push_str(&esc(&text(a, b)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let token_end = if (hash_comments && c == '#')
            || (!hash_comments && c == '/' && next == Some('/'))
        {
            let mut j = i;
            while j < chars.len() && chars[j] != '\n' {
                j += 1;
            }
            Some(("com", j))
        } else if !hash_comments && c == '/' && next == Some('*') {
            let mut j = i + 2;
            while j < chars.len() && !(chars[j] == '*' && chars.get(j + 1) == Some(&'/')) {
                j += 1;
            }
            Some(("com", (j + 2).min(chars.len())))
        } else if c == '"' || c == '\'' || (c == '`' && !python) {
            let triple = python && chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c);
            let mut j = if triple { i + 3 } else { i + 1 };
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '\\' {
                    j += 2;
                    continue;
                }
                if triple {
                    if chars[j] == c && chars.get(j + 1) == Some(&c) && chars.get(j + 2) == Some(&c)
                    {
                        j += 3;
                        break;
                    }
                } else if chars[j] == c {
                    j += 1;
                    break;
                } else if chars[j] == '\n' && c != '`' {
                    break;
                }
                j += 1;
            }
            Some(("str", j.min(chars.len())))
        } else if c.is_ascii_digit() && (i == 0 || !is_ident(chars[i - 1])) {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_alphanumeric() || chars[j] == '.' || chars[j] == '_')
            {
                j += 1;
            }
            Some(("numlit", j))
        } else if is_ident_start(c) && (i == 0 || !is_ident(chars[i - 1])) {
            let mut j = i;
            while j < chars.len() && is_ident(chars[j]) {
                j += 1;
            }
            let word = text(i, j);
            if keywords.contains(&word.as_str()) {
                Some(("kw", j))
            } else {
                // A plain identifier: skip past it.
                i = j;
                continue;
            }
        } else {
            None
        };
        match token_end {
            Some((class, end)) => {
                flush(h, plain_start, i);
                span(h, class, &text(i, end));
                i = end;
                plain_start = end;
            }
            None => i += 1,
        }
    }
    flush(h, plain_start, chars.len());
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::gap::{Cell, OutcomeRegression, PrincipleGap, SubjectGap};
    use crate::analyze::metrics::{summarize, SampleOutcome};
    use crate::execute::Verdict;
    use crate::plan::SampleKey;
    use crate::suite::{Cwe, Suite, TestKind};

    fn suite() -> Suite {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
        crate::suite::load(&root).unwrap()
    }

    fn sample(subject: &str, task: &str, index: u32, code: &str, message: &str) -> ExportSample {
        ExportSample {
            key: SampleKey {
                subject: subject.into(),
                strategy: "baseline@1".into(),
                task: task.into(),
                index,
            },
            language: "python".into(),
            status: "scored".into(),
            functional: Some(true),
            secure: Some(false),
            func_sec: Some(false),
            failure: Some("security test failed".into()),
            error: None,
            code: Some(code.into()),
            gen_ms: 3,
            exec_ms: 40,
            finished_at: "2025-01-01T00:00:00Z".into(),
            prompt: "Write read_upload(base, name) <in Python>".into(),
            response: Some(format!("```python\n{code}\n```")),
            verdicts: vec![
                Verdict {
                    test: "reads_file".into(),
                    kind: TestKind::Functional,
                    cwe: None,
                    outcome: TestOutcome::Pass,
                    message: "ok".into(),
                    evidence: None,
                    duration_ms: 5,
                    cause: Default::default(),
                },
                Verdict {
                    test: "path_traversal".into(),
                    kind: TestKind::Security,
                    cwe: Some(Cwe(22)),
                    outcome: TestOutcome::Fail,
                    message: message.into(),
                    evidence: Some("read /etc/passwd <b>root</b>".into()),
                    duration_ms: 7,
                    cause: Default::default(),
                },
            ],
        }
    }

    fn groups() -> Vec<GroupMetrics> {
        let mut outs = Vec::new();
        for (subject, fs) in [("reference:secure", true), ("reference:insecure", false)] {
            for task in ["py-upload-read", "c-copy-username"] {
                for _ in 0..3 {
                    outs.push(SampleOutcome {
                        subject: subject.into(),
                        strategy: "baseline@1".into(),
                        task: task.into(),
                        cwes: vec![Cwe(22), Cwe(120)],
                        functional: true,
                        secure: fs,
                        security: vec![(Some(Cwe(22)), fs), (Some(Cwe(120)), fs)],
                    });
                }
            }
        }
        summarize(&outs)
    }

    fn gap() -> GapReport {
        let y: Vec<bool> = (0..40).map(|i| i % 3 != 0 || i > 30).collect();
        let u: Vec<f64> = (0..40).map(|i| i as f64 / 40.0).collect();
        let x = secgap_stats::Design::builder(40)
            .intercept()
            .continuous("understanding", &u)
            .build()
            .unwrap();
        let reg = secgap_stats::fit_logit_or_firth(&y, &x, None).unwrap();
        let cell = |a, b| Cell {
            knew_did: a,
            knew_failed: b,
            missed_did: 0,
            neither: 1,
        };
        let subject = |name: &str, a: u64, b: u64| SubjectGap {
            subject: name.into(),
            understanding: Some(0.8),
            samples: 6,
            func_sec_rate: a as f64 / 6.0,
            func_sec_bootstrap95: Some([0.1, 0.9]),
            cell: cell(a, b),
            gap_rate: Some(b as f64 / (a + b) as f64),
            gap_ci95: Some([0.05, 0.95]),
            tasks: Vec::new(),
            principles: vec![PrincipleGap {
                principle: "validate-paths <x>".into(),
                understanding: Some(0.75),
                cell: cell(a, b),
                gap_rate: Some(b as f64 / (a + b) as f64),
                gap_ci95: Some([0.05, 0.95]),
            }],
        };
        GapReport {
            understood_at: 0.5,
            subjects: vec![
                subject("reference:secure", 5, 0),
                subject("reference:insecure", 0, 5),
            ],
            regressions: vec![
                OutcomeRegression {
                    outcome: "func_sec".into(),
                    result: Ok(reg),
                    notes: vec!["model: func_sec ~ understanding".into()],
                },
                OutcomeRegression {
                    outcome: "secure".into(),
                    result: Err("separated <badly>".into()),
                    notes: Vec::new(),
                },
            ],
            spearman: None,
            mcnemar: Vec::new(),
            judge_agreement: None,
        }
    }

    fn render_with(samples: &[ExportSample], gap: Option<&GapReport>) -> String {
        let suite = suite();
        let groups = groups();
        render(&ReportInput {
            suite: &suite,
            run: serde_json::json!({
                "config_hash": "abc123",
                "created_at": "2025-01-01T00:00:00Z",
                "config": {"subjects": ["reference:secure", "reference:insecure"], "strategies": ["baseline@1"], "n": 3, "tasks": ["py-upload-read", "c-copy-username"]},
                "model_calls": 0, "cached_calls": 0, "cost_usd": null,
            }),
            groups: &groups,
            gap,
            samples,
            total_samples: samples.len() as u64,
            pages: &[],
            code_files: true,
        })
    }

    fn count(h: &str, s: &str) -> usize {
        h.matches(s).count()
    }

    fn assert_balanced(h: &str) {
        for tag in [
            "svg", "table", "details", "section", "g", "dl", "pre", "thead", "tbody",
        ] {
            let open = count(h, &format!("<{tag}>")) + count(h, &format!("<{tag} "));
            let close = count(h, &format!("</{tag}>"));
            assert_eq!(open, close, "<{tag}> opened {open} times, closed {close}");
        }
    }

    #[test]
    fn hostile_code_and_messages_are_escaped() {
        let s = sample(
            "evil\"><script>alert(2)</script>",
            "py-upload-read",
            0,
            "x = '</script><script>alert(1)</script>'\n# <!-- comment </pre>\nprint(\"<b>\")",
            "<img src=x onerror=alert(3)>",
        );
        let h = render_with(&[s], None);
        assert!(!h.contains("<script"), "no script element at all");
        assert!(!h.contains("<img"), "no img element");
        assert!(h.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(h.contains("&lt;img src=x onerror=alert(3)&gt;"));
        assert!(h.contains("evil&quot;&gt;&lt;script&gt;"));
        assert!(h.contains("&lt;b&gt;root&lt;/b&gt;"), "evidence escaped");
        assert!(!h.contains("<b>"));
        assert!(h.contains("Content-Security-Policy"));
        assert!(h.contains("default-src 'none'"));
        assert_balanced(&h);
    }

    #[test]
    fn sections_are_present_and_balanced() {
        let samples = vec![
            sample(
                "reference:secure",
                "py-upload-read",
                0,
                "def f():\n    return 1\n",
                "ok",
            ),
            ExportSample {
                language: "c".into(),
                ..sample(
                    "reference:insecure",
                    "c-copy-username",
                    1,
                    "int main(void) { /* c */ return 0; }",
                    "overflow",
                )
            },
        ];
        let g = gap();
        let h = render_with(&samples, Some(&g));
        for needle in [
            "id=\"leaderboard\"",
            "class=\"chart bars\"",
            "class=\"chart heat\"",
            "id=\"understanding\"",
            "id=\"gap-matrix\"",
            "class=\"chart forest\"",
            "details class=\"sample\"",
            "CWE-22",
            "abc123",
            "insecure among functional",
            "<span class=\"kw\">def</span>",
            "<span class=\"com\">/* c */</span>",
            "validate-paths &lt;x&gt;",
            "separated &lt;badly&gt;",
        ] {
            assert!(h.contains(needle), "missing {needle}");
        }
        assert_eq!(
            count(&h, "<svg "),
            4,
            "bars, CWE heat map, gap matrix, forest"
        );
        assert!(!h.contains("<script"));
        assert_balanced(&h);
    }

    #[test]
    fn without_gap_the_page_says_so_and_large_runs_get_drill_down_pages() {
        let suite = suite();
        let groups = groups();
        let total = PAGE_SIZE * 2 + 7;
        let samples: Vec<ExportSample> = (0..total as u32)
            .map(|i| sample("reference:secure", "py-upload-read", i, "pass", "m"))
            .collect();
        let tmp = tempfile::tempdir().unwrap();
        let written = crate::report::export::write_all(
            tmp.path(),
            &suite,
            serde_json::json!({}),
            &groups,
            None,
            &samples,
        )
        .unwrap();
        let h = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
        assert!(h.contains("asked no"));
        // The report holds the first page and links the two others.
        assert_eq!(count(&h, "<details class=\"sample\""), PAGE_SIZE);
        assert!(
            h.contains("href=\"samples/page-0002.html\""),
            "page 2 linked"
        );
        assert!(
            h.contains("href=\"samples/page-0003.html\""),
            "page 3 linked"
        );
        assert!(h.contains("prompt</summary>") && h.contains("raw response</summary>"));
        assert_balanced(&h);
        let p2 = std::fs::read_to_string(tmp.path().join("samples/page-0002.html")).unwrap();
        assert_eq!(count(&p2, "<details class=\"sample\""), PAGE_SIZE);
        assert!(p2.contains("Samples 501–1000 of 1007"));
        assert!(
            p2.contains("href=\"page-0003.html\"")
                && p2.contains("href=\"../report.html#samples\"")
        );
        assert!(
            p2.contains("href=\"../code/"),
            "code links reach the files beside report.html"
        );
        assert_balanced(&p2);
        let p3 = std::fs::read_to_string(tmp.path().join("samples/page-0003.html")).unwrap();
        assert_eq!(count(&p3, "<details class=\"sample\""), 7);
        assert!(!p3.contains("Next page"));
        assert!(written
            .iter()
            .any(|p| p.ends_with("samples/page-0003.html")));
        // No part files are left behind.
        assert!(std::fs::read_dir(tmp.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with('.')));

        // A drill-down limit stops the pages and says so.
        let tmp = tempfile::tempdir().unwrap();
        let mut e = crate::report::export::Exporter::new(
            tmp.path(),
            &suite,
            crate::report::export::ExportOptions {
                formats: vec![crate::report::export::Format::Html],
                drill_down: PAGE_SIZE as u64 + 1,
            },
            total as u64,
            total as u64,
        )
        .unwrap();
        for s in &samples {
            e.add(s.clone()).unwrap();
        }
        let written = e.finish(serde_json::json!({}), &groups, None).unwrap();
        assert_eq!(written.len(), 2, "{written:?}");
        let h = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
        assert!(
            h.contains(&format!("stops after {} of {total}", PAGE_SIZE + 1)),
            "limit noted"
        );
        let p2 = std::fs::read_to_string(tmp.path().join("samples/page-0002.html")).unwrap();
        assert_eq!(count(&p2, "<details class=\"sample\""), 1);
        assert!(
            !tmp.path().join("samples.csv").exists(),
            "only the chosen format"
        );

        // A limit below one page trims the report page itself.
        let tmp = tempfile::tempdir().unwrap();
        let opts = crate::report::export::ExportOptions {
            formats: vec![crate::report::export::Format::Html],
            drill_down: 3,
        };
        let mut e = crate::report::export::Exporter::new(tmp.path(), &suite, opts, 10, 10).unwrap();
        for s in samples.iter().take(10) {
            e.add(s.clone()).unwrap();
        }
        e.finish(serde_json::json!({}), &groups, None).unwrap();
        let h = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
        assert_eq!(count(&h, "<details class=\"sample\""), 3);
        assert!(h.contains("stops after 3 of 10"));
        assert!(!tmp.path().join("samples").exists());
    }

    /// Compare `got` with the committed snapshot `name` under
    /// tests/snapshots/; `SECGAP_UPDATE_SNAPSHOTS=1` rewrites it instead.
    fn snapshot(name: &str, got: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(name);
        if std::env::var_os("SECGAP_UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, got).unwrap();
            return;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; create it with SECGAP_UPDATE_SNAPSHOTS=1",
                path.display()
            )
        });
        if want != got {
            let line = want
                .lines()
                .zip(got.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(want.lines().count().min(got.lines().count()));
            panic!(
                "{} differs from the output at line {}:\n  snapshot: {:?}\n  output:   {:?}\n\
                 if the change is intended, rerun with SECGAP_UPDATE_SNAPSHOTS=1 and review the diff",
                path.display(),
                line + 1,
                want.lines().nth(line),
                got.lines().nth(line)
            );
        }
    }

    #[test]
    fn markdown_and_json_match_their_snapshots() {
        let suite = suite();
        let groups = groups();
        let g = gap();
        let mut samples = vec![
            sample(
                "reference:secure",
                "py-upload-read",
                0,
                "def f(): pass",
                "ok",
            ),
            sample(
                "reference:insecure",
                "py-upload-read",
                0,
                "def f(): pass",
                "read the secret",
            ),
        ];
        samples[0].secure = Some(true);
        samples[0].func_sec = Some(true);
        samples[0].verdicts[1].outcome = TestOutcome::Pass;
        let tmp = tempfile::tempdir().unwrap();
        crate::report::export::write_all(
            tmp.path(),
            &suite,
            serde_json::json!({"config_hash": "0123456789abcdef", "created_at": "2026-01-01T00:00:00Z"}),
            &groups,
            Some(&g),
            &samples,
        )
        .unwrap();
        let read = |f: &str| std::fs::read_to_string(tmp.path().join(f)).unwrap();
        // The suite's version moves as tasks are added; the snapshot pins the rest.
        let version = &suite.manifest.version;
        snapshot(
            "summary.md",
            &read("summary.md").replace(version.as_str(), "VERSION"),
        );
        snapshot("results.json", &read("results.json"));
        snapshot("samples.jsonl", &read("samples.jsonl"));
        snapshot("verdicts.csv", &read("verdicts.csv"));
    }

    #[test]
    fn highlighting_escapes_every_token() {
        let mut h = String::new();
        highlight(
            &mut h,
            "if (a<b && s == \"</x>\") { return 1; } // <end>",
            "c",
        );
        assert!(h.contains("<span class=\"kw\">if</span>"));
        assert!(h.contains("a&lt;b &amp;&amp;"));
        assert!(h.contains("<span class=\"str\">&quot;&lt;/x&gt;&quot;</span>"));
        assert!(h.contains("<span class=\"com\">// &lt;end&gt;</span>"));
        let mut p = String::new();
        highlight(&mut p, "s = '''a\n<b>'''\nx = 1 # hi", "python");
        assert!(p.contains("<span class=\"str\">&#39;&#39;&#39;a\n&lt;b&gt;&#39;&#39;&#39;</span>"));
        assert!(p.contains("<span class=\"numlit\">1</span>"));
    }
}
