//! The self-contained HTML report: one file, no scripts, no network. The
//! charts are inline SVG drawn here; the drill-down uses `<details>` so
//! the page needs no JavaScript, and a Content-Security-Policy forbids
//! scripts outright. Everything that comes from a run (generated code,
//! test messages, names) is HTML-escaped: the page shows hostile code.
//!
//! This file is the format's sink and the report page; `page` is the shell
//! every page shares, `drill` the drill-down pages, `highlight` the code
//! highlighter, and `compare` the page of `secgap compare --html`.

pub mod compare;
pub mod drill;
pub mod highlight;
pub mod level1;
pub mod page;
pub mod statics;
pub mod strategies;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use serde_json::Value;

use crate::analyze::agreement::Agreement;
use crate::analyze::gap::GapReport;
use crate::analyze::level1::Level1Report;
use crate::analyze::metrics::{GroupMetrics, Interval};
use crate::analyze::paths::PathsReport;
use crate::analyze::text::p_is;
use crate::model::ExportSample;
use crate::report::escape::esc;
use crate::report::html::drill::{page_end, page_file, page_start, sample_block};
use crate::report::html::page::{num3, page_head, pct};
use crate::report::sink::{create, put, Finished, Format, Out, ReportSink, Setup};
use crate::suite::Suite;

pub use crate::report::html::drill::{DrillPage, PAGE_SIZE};

pub const FORMAT: Format = Format {
    name: "html",
    help: "report.html and its drill-down pages",
    make: sink,
};

/// What the report page is made from.
pub struct ReportInput<'a> {
    pub suite: &'a Suite,
    /// The run's `meta`: config hash, created_at, schema version...
    pub run: Value,
    pub groups: &'a [GroupMetrics],
    pub gap: Option<&'a GapReport>,
    /// Level 1, if the run asked probes (a section here, and level1.html).
    pub level1: Option<&'a Level1Report>,
    /// The strategy comparison, when the run has more than one strategy.
    pub strategies: Option<&'a PathsReport>,
    /// The samples shown on the report page itself (the first page).
    pub samples: &'a [ExportSample],
    /// All samples of the run.
    pub total_samples: u64,
    /// The further drill-down pages.
    pub pages: &'a [DrillPage],
    /// Whether the code is written out under code/ (so pages can link it).
    pub code_files: bool,
    /// The static analyzers against the executed tests (`--static` runs).
    pub agreement: Option<&'a Agreement>,
}

fn sink<'a>(setup: &Setup<'a>) -> Result<Box<dyn ReportSink + 'a>> {
    let shown = setup.drill_down.min(setup.total);
    Ok(Box::new(Html {
        dir: setup.dir.to_path_buf(),
        suite: setup.suite,
        total: setup.total,
        shown,
        page_count: shown.div_ceil(PAGE_SIZE as u64) as usize,
        code_files: setup.code_files,
        seen: 0,
        first_page: Vec::new(),
        page: None,
        pages: Vec::new(),
        written: Vec::new(),
    }))
}

/// The HTML report in progress: the first page's samples are kept for
/// report.html, which needs the metrics and is written last; the samples
/// after them stream onto the drill-down pages under samples/.
struct Html<'a> {
    dir: PathBuf,
    suite: &'a Suite,
    total: u64,
    /// Samples in the drill-down, on all pages.
    shown: u64,
    /// Drill-down pages, report.html included.
    page_count: usize,
    code_files: bool,
    seen: u64,
    first_page: Vec<ExportSample>,
    page: Option<OpenPage>,
    pages: Vec<DrillPage>,
    written: Vec<PathBuf>,
}

/// An open drill-down page.
struct OpenPage {
    number: usize,
    out: Out,
    block: String,
}

impl ReportSink for Html<'_> {
    fn add(&mut self, s: &ExportSample) -> Result<()> {
        self.seen += 1;
        let ordinal = self.seen;
        if ordinal > self.shown {
            return Ok(());
        }
        if ordinal <= PAGE_SIZE as u64 {
            self.first_page.push(s.clone());
            return Ok(());
        }
        let number = (ordinal - 1) as usize / PAGE_SIZE + 1;
        if self.page.as_ref().is_none_or(|p| p.number != number) {
            self.close_page()?;
            let first = (number as u64 - 1) * PAGE_SIZE as u64 + 1;
            let last = (number as u64 * PAGE_SIZE as u64).min(self.shown);
            std::fs::create_dir_all(self.dir.join("samples"))?;
            let file = page_file(number);
            let mut out = create(&self.dir.join(&file))?;
            out.write_all(page_start(number, self.page_count, first, last, self.total).as_bytes())?;
            self.pages.push(DrillPage { file, first, last });
            self.page = Some(OpenPage {
                number,
                out,
                block: String::new(),
            });
        }
        let p = self.page.as_mut().expect("opened above");
        p.block.clear();
        sample_block(
            &mut p.block,
            self.suite,
            s,
            self.code_files.then_some("../"),
        );
        p.out.write_all(p.block.as_bytes())?;
        Ok(())
    }

    fn finish(mut self: Box<Self>, done: &Finished) -> Result<Vec<PathBuf>> {
        self.close_page()?;
        let page = render(&ReportInput {
            suite: self.suite,
            run: done.run.clone(),
            groups: done.groups,
            gap: done.gap,
            level1: done.level1,
            strategies: done.strategies,
            samples: &self.first_page,
            total_samples: self.total,
            pages: &self.pages,
            code_files: self.code_files,
            agreement: done.agreement,
        });
        let mut written = std::mem::take(&mut self.written);
        written.push(put(&self.dir, "report.html", &page)?);
        if let Some(l) = done.level1 {
            let title = format!(
                "secgap report: {} {}",
                self.suite.manifest.name, self.suite.manifest.version
            );
            written.push(put(
                &self.dir,
                level1::LEVEL1_PAGE,
                &level1::page(l, &title),
            )?);
        }
        Ok(written)
    }
}

impl Html<'_> {
    fn close_page(&mut self) -> Result<()> {
        if let Some(mut p) = self.page.take() {
            p.out
                .write_all(page_end(p.number, self.page_count).as_bytes())?;
            p.out.flush()?;
            self.written.push(self.dir.join(page_file(p.number)));
        }
        Ok(())
    }
}

fn pct_ci(i: &Interval) -> String {
    format!("[{:.1}, {:.1}]", 100.0 * i.lo, 100.0 * i.hi)
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
    strategies::section(
        &mut h,
        input.strategies,
        input.gap,
        &unique(input.groups.iter().map(|g| g.strategy.clone())).join(", "),
    );
    web_slices(&mut h, input.groups);
    cwe_heat_map(&mut h, input.groups);
    statics::section(&mut h, input.agreement);
    match input.gap {
        Some(gap) => gap_sections(&mut h, gap),
        None => h.push_str(
            "<section id=\"gap\"><h2>Understanding and the gap</h2>\n<p class=\"note\">This run asked no \
             Level 1 probes (or its suite changed since the run), so there is no understanding or gap \
             analysis. Run with <code>--levels 1,2,3</code> to get one.</p></section>\n",
        ),
    }
    match input.level1 {
        Some(l) => level1::section(&mut h, l),
        None => h.push_str(
            "<section id=\"level1\"><h2>Level 1: understanding probes</h2>\n<p class=\"note\">This run \
             asked no Level 1 probes; run with <code>--levels 1,2,3</code> to ask them.</p></section>\n",
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
    h.push_str("<nav class=\"toc\"><a href=\"#leaderboard\">Leaderboard</a><a href=\"#strategies\">Strategies</a><a href=\"#cwe\">CWE heat map</a><a href=\"#gap\">Understanding &amp; gap</a><a href=\"#level1\">Level 1</a><a href=\"#samples\">Samples</a></nav>\n");
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
    for (name, s) in super::sampling_of(run) {
        rows.push((
            "Sampling",
            format!("{}: {}", esc(&name), esc(&s.describe())),
        ));
    }
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
    let count = |key: &str| run.get(key).and_then(Value::as_u64).unwrap_or(0);
    let spend = crate::report::numbers::spend(
        run.get("cost_usd").and_then(Value::as_f64),
        count("unpriced_calls"),
        count("cached_calls"),
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

/// An SVG text label in `px` of width at `per_char` pixels a character:
/// cut on the right with an ellipsis when it does not fit, the full text
/// then kept in a `<title>` (the tooltip), so a long subject name keeps its
/// start and is never clipped by the chart's edge. Escaped.
fn svg_label(label: &str, px: f64, per_char: f64) -> String {
    let max = ((px / per_char).floor() as usize).max(4);
    if label.chars().count() <= max {
        return esc(label);
    }
    let short: String = label.chars().take(max - 1).collect();
    format!("<title>{}</title>{}…", esc(label), esc(short.trim_end()))
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
    for g in groups.iter().filter(|g| g.not_run > 0) {
        let _ = writeln!(
            h,
            "<p class=\"note not-run\">{} / {}: the tests of {} of {} samples did not run ({}); \
             they count as neither functional nor secure, and none of their tests is a security failure.</p>",
            esc(&g.subject),
            esc(&g.strategy),
            g.not_run,
            g.samples,
            esc(&crate::report::numbers::not_run_reason(g))
        );
    }
    h.push_str(
        "<p class=\"note\"><strong>func@1</strong>: the sample passes every functional test; \
         <strong>sec@1</strong>: every security test ran and it passed them all (a sample that did not build is not secure); <strong>func-sec@1</strong>: both. \
         @k values come from the unbiased pass@k estimator averaged over tasks (k up to the smallest \
         number of samples per task); under func-sec@k, <em>all k</em> is pass^k, the chance that k \
         samples are all functional and secure. The bracket under each @1 value is the Wilson 95 % \
         interval over the pooled samples. <strong>Insecure among functional</strong>: the share of \
         functional samples that fail at least one security test.</p>\n",
    );
    bar_chart(h, groups);
    h.push_str("</section>\n");
}

/// The web-application level per environment and per scenario.
fn web_slices(h: &mut String, groups: &[GroupMetrics]) {
    if groups.iter().all(|g| g.per_slice.is_empty()) {
        return;
    }
    h.push_str(
        "<section id=\"web\">\n<h2>Web applications: per environment and per scenario</h2>\n",
    );
    h.push_str("<div class=\"scroll\"><table class=\"leaderboard\">\n<thead><tr><th>subject</th><th>strategy</th><th>environment / scenario</th><th class=\"num\">tasks</th><th class=\"num\">samples</th><th class=\"num\">func@1</th><th class=\"num\">sec@1</th><th class=\"num\">func-sec@1</th></tr></thead>\n<tbody>\n");
    for g in groups {
        for sl in &g.per_slice {
            let at1 = sl.at_k.iter().find(|a| a.k == 1);
            let cell = |v: Option<f64>, i: &Interval| {
                format!(
                    "<td class=\"num\">{}<br><span class=\"ci\">{}</span></td>",
                    v.map_or("–".into(), pct),
                    pct_ci(i)
                )
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{} <code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td>{}{}{}</tr>",
                esc(&g.subject),
                esc(&g.strategy),
                sl.dimension,
                esc(&sl.name),
                sl.tasks,
                sl.samples,
                cell(at1.map(|a| a.func), &sl.functional.ci95),
                cell(at1.map(|a| a.sec), &sl.secure.ci95),
                cell(at1.map(|a| a.func_sec), &sl.func_sec.ci95),
            );
        }
    }
    h.push_str("</tbody></table></div>\n<p class=\"note\">A web task is one scenario built in one environment; each test started a fresh copy of the app in a private network. Rows per environment pool that environment's scenarios; rows per scenario pool its environments. @1 values are the unbiased estimator averaged over tasks, brackets the Wilson 95 % interval over samples.</p>\n</section>\n");
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
            svg_label(label, label_w - 4.0, 7.2),
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
            svg_label(c, col_w - 6.0, 6.6)
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + cell_h * i as f64;
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\" fill=\"#1d2330\">{}</text>",
            row_w + 4.0,
            y + cell_h / 2.0 + 4.0,
            svg_label(r, row_w - 2.0, 7.0)
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
                "Spearman's rank correlation of understanding and func-sec across {} subjects: ρ = {:.3}, {}.",
                sp.n,
                sp.rho,
                p_is(sp.p_value)
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
                "McNemar, func-sec of {} vs {} on {} paired samples: b = {}, c = {}, exact {}.",
                t.first,
                t.second,
                t.pairs,
                m.b,
                m.c,
                p_is(m.exact.p_value)
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
                            "OR {} [{}, {}], {}, {:?}, {} obs.",
                            num3(c.odds_ratio),
                            num3(c.or_ci_low),
                            num3(c.or_ci_high),
                            p_is(c.p_value),
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
                notes.push(format!("{}: not estimable ({e})", reg.outcome));
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
