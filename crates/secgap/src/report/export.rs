//! Exports of a finished run for re-analysis and CI: a Markdown summary,
//! versioned JSON, CSV and JSON lines per sample and per test verdict,
//! SARIF 2.1.0 and JUnit XML. Plain inputs (metrics rows, samples with
//! verdicts); the caller reads the store and chooses the folder.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{json, Value};

use crate::execute::TestOutcome;
// XML text and attributes need the same escaping as HTML's.
use crate::analyze::metrics::GroupMetrics;
use crate::model::ExportSample;
use crate::report::html::{esc, DrillPage, PAGE_SIZE};
use crate::suite::{Suite, TestKind};

/// Version of the `results.json` layout; bumped on any incompatible change.
pub const RESULTS_SCHEMA: &str = "secgap-results/1";

/// Above this many samples with code, the code is not written out as files
/// (samples.jsonl still holds it) and SARIF results carry no file location.
pub const CODE_FILES_MAX: u64 = 20_000;

/// Samples shown in the HTML drill-down unless `--drill-down` says otherwise.
pub const DRILL_DOWN_DEFAULT: u64 = 20_000;

/// What the report page is made from.
pub struct ReportInput<'a> {
    pub suite: &'a Suite,
    /// The run's `meta`: config hash, created_at, schema version...
    pub run: Value,
    pub groups: &'a [GroupMetrics],
    pub gap: Option<&'a crate::analyze::gap::GapReport>,
    /// The samples shown on the report page itself (the first page).
    pub samples: &'a [ExportSample],
    /// All samples of the run.
    pub total_samples: u64,
    /// The further drill-down pages.
    pub pages: &'a [DrillPage],
    /// Whether the code is written out under code/ (so pages can link it).
    pub code_files: bool,
}

/// The export formats `secgap report --formats` can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// report.html and its drill-down pages
    Html,
    /// summary.md
    Md,
    /// results.json
    Json,
    /// samples.csv and verdicts.csv
    Csv,
    /// samples.jsonl and verdicts.jsonl
    Jsonl,
    /// results.sarif
    Sarif,
    /// junit.xml
    Junit,
    /// the generated code as files under code/
    Code,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Html,
        Format::Md,
        Format::Json,
        Format::Csv,
        Format::Jsonl,
        Format::Sarif,
        Format::Junit,
        Format::Code,
    ];
}

/// How a report is written.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub formats: Vec<Format>,
    /// Samples in the HTML drill-down (pages of [`PAGE_SIZE`]).
    pub drill_down: u64,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            formats: Format::ALL.to_vec(),
            drill_down: DRILL_DOWN_DEFAULT,
        }
    }
}

type Out = BufWriter<File>;

fn create(path: &Path) -> Result<Out> {
    Ok(BufWriter::with_capacity(
        1 << 16,
        File::create(path).with_context(|| format!("create {}", path.display()))?,
    ))
}

/// A failed security test listed in summary.md.
struct FailedRow {
    subject: String,
    task: String,
    index: u32,
    test: String,
    cwe: Option<crate::suite::Cwe>,
}

/// SARIF in progress: rules in memory (one per task test), results
/// streamed to a part file and spliced in at the end.
struct SarifPart {
    rules: Vec<Value>,
    rule_index: HashMap<String, usize>,
    results: Out,
    count: u64,
}

/// JUnit in progress: one part file of test cases per (subject, strategy),
/// with its counts, spliced under a `<testsuite>` element at the end.
struct JunitPart {
    subject: String,
    strategy: String,
    cases: Out,
    tests: u64,
    failures: u64,
    errors: u64,
}

/// An open drill-down page.
struct OpenPage {
    number: usize,
    out: Out,
    block: String,
}

/// Writes every export of a run while the samples stream past, one at a
/// time, so that memory stays flat however large the run: call
/// [`Exporter::add`] for each sample in run order, then [`Exporter::finish`].
pub struct Exporter<'a> {
    dir: PathBuf,
    suite: &'a Suite,
    opts: ExportOptions,
    total: u64,
    seen: u64,
    code_files: bool,
    samples_csv: Option<csv::Writer<Out>>,
    verdicts_csv: Option<csv::Writer<Out>>,
    samples_jsonl: Option<Out>,
    verdicts_jsonl: Option<Out>,
    sarif: Option<SarifPart>,
    junit: Vec<JunitPart>,
    failed: Vec<FailedRow>,
    failed_count: u64,
    first_page: Vec<ExportSample>,
    page: Option<OpenPage>,
    pages: Vec<DrillPage>,
    written: Vec<PathBuf>,
}

impl<'a> Exporter<'a> {
    /// Start the exports of a run of `total` samples, `with_code` of them
    /// holding code, into `dir`.
    pub fn new(
        dir: &Path,
        suite: &'a Suite,
        opts: ExportOptions,
        total: u64,
        with_code: u64,
    ) -> Result<Exporter<'a>> {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        let on = |f: Format| opts.formats.contains(&f);
        let mut written = Vec::new();
        let mut open = |name: &str| -> Result<Out> {
            let path = dir.join(name);
            let out = create(&path)?;
            written.push(path);
            Ok(out)
        };
        let (samples_csv, verdicts_csv) = if on(Format::Csv) {
            let mut s = csv::Writer::from_writer(open("samples.csv")?);
            s.write_record(SAMPLE_COLUMNS)?;
            let mut v = csv::Writer::from_writer(open("verdicts.csv")?);
            v.write_record(VERDICT_COLUMNS)?;
            (Some(s), Some(v))
        } else {
            (None, None)
        };
        let (samples_jsonl, verdicts_jsonl) = if on(Format::Jsonl) {
            (Some(open("samples.jsonl")?), Some(open("verdicts.jsonl")?))
        } else {
            (None, None)
        };
        let sarif = if on(Format::Sarif) {
            Some(SarifPart {
                rules: Vec::new(),
                rule_index: HashMap::new(),
                results: create(&dir.join(".results.sarif.part"))?,
                count: 0,
            })
        } else {
            None
        };
        let code_files = on(Format::Code) && with_code <= CODE_FILES_MAX;
        Ok(Exporter {
            dir: dir.to_path_buf(),
            suite,
            total,
            seen: 0,
            code_files,
            samples_csv,
            verdicts_csv,
            samples_jsonl,
            verdicts_jsonl,
            sarif,
            junit: Vec::new(),
            failed: Vec::new(),
            failed_count: 0,
            first_page: Vec::new(),
            page: None,
            pages: Vec::new(),
            written,
            opts,
        })
    }

    fn on(&self, f: Format) -> bool {
        self.opts.formats.contains(&f)
    }

    /// Whether the generated code is written out as files.
    pub fn code_files(&self) -> bool {
        self.code_files
    }

    /// Export one sample (call in run order).
    pub fn add(&mut self, s: ExportSample) -> Result<()> {
        self.seen += 1;
        if let Some(w) = &mut self.samples_csv {
            w.write_record(sample_record(&s))?;
        }
        if let Some(w) = &mut self.verdicts_csv {
            for v in &s.verdicts {
                w.write_record(verdict_record(&s, v))?;
            }
        }
        if let Some(w) = &mut self.samples_jsonl {
            serde_json::to_writer(&mut *w, &SampleLine(&s))?;
            w.write_all(b"\n")?;
        }
        if let Some(w) = &mut self.verdicts_jsonl {
            for v in &s.verdicts {
                serde_json::to_writer(&mut *w, &verdict_json(&s, v))?;
                w.write_all(b"\n")?;
            }
        }
        for v in &s.verdicts {
            if v.kind == TestKind::Security && v.outcome != TestOutcome::Pass {
                self.failed_count += 1;
                if self.failed.len() < MD_FAILED_MAX {
                    self.failed.push(FailedRow {
                        subject: s.key.subject.clone(),
                        task: s.key.task.clone(),
                        index: s.key.index,
                        test: v.test.clone(),
                        cwe: v.cwe,
                    });
                }
            }
        }
        if self.sarif.is_some() {
            self.sarif_add(&s)?;
        }
        if self.on(Format::Junit) {
            self.junit_add(&s)?;
        }
        if self.code_files {
            if let Some(code) = &s.code {
                let path = self.dir.join(code_path(self.suite, &s));
                std::fs::create_dir_all(path.parent().expect("code sits in a folder"))?;
                std::fs::write(&path, code).with_context(|| format!("write {}", path.display()))?;
            }
        }
        if self.on(Format::Html) {
            self.drill_add(s)?;
        }
        Ok(())
    }

    fn drill_add(&mut self, s: ExportSample) -> Result<()> {
        let ordinal = self.seen;
        let shown = self.opts.drill_down.min(self.total);
        if ordinal > shown {
            return Ok(());
        }
        if ordinal <= PAGE_SIZE as u64 {
            self.first_page.push(s);
            return Ok(());
        }
        let pages = shown.div_ceil(PAGE_SIZE as u64) as usize;
        let number = (ordinal - 1) as usize / PAGE_SIZE + 1;
        if self.page.as_ref().is_none_or(|p| p.number != number) {
            self.close_page()?;
            let first = (number as u64 - 1) * PAGE_SIZE as u64 + 1;
            let last = (number as u64 * PAGE_SIZE as u64).min(shown);
            std::fs::create_dir_all(self.dir.join("samples"))?;
            let file = crate::report::html::page_file(number);
            let mut out = create(&self.dir.join(&file))?;
            out.write_all(
                crate::report::html::page_start(number, pages, first, last, self.total).as_bytes(),
            )?;
            self.pages.push(DrillPage { file, first, last });
            self.page = Some(OpenPage {
                number,
                out,
                block: String::new(),
            });
        }
        let code_files = self.code_files;
        let p = self.page.as_mut().expect("opened above");
        p.block.clear();
        crate::report::html::sample_block(
            &mut p.block,
            self.suite,
            &s,
            code_files.then_some("../"),
        );
        p.out.write_all(p.block.as_bytes())?;
        Ok(())
    }

    fn close_page(&mut self) -> Result<()> {
        if let Some(mut p) = self.page.take() {
            let pages = self
                .opts
                .drill_down
                .min(self.total)
                .div_ceil(PAGE_SIZE as u64) as usize;
            p.out
                .write_all(crate::report::html::page_end(p.number, pages).as_bytes())?;
            p.out.flush()?;
            self.written
                .push(self.dir.join(crate::report::html::page_file(p.number)));
        }
        Ok(())
    }

    fn sarif_add(&mut self, s: &ExportSample) -> Result<()> {
        let located = self.code_files && s.code.is_some();
        let sp = self.sarif.as_mut().expect("checked by the caller");
        let task = self.suite.task(&s.key.task);
        for v in &s.verdicts {
            if v.kind != TestKind::Security || v.outcome == TestOutcome::Pass {
                continue;
            }
            let rule_id = format!("{}/{}", s.key.task, v.test);
            let index = match sp.rule_index.get(&rule_id) {
                Some(&i) => i,
                None => {
                    let attack = task
                        .and_then(|t| t.test(&v.test))
                        .and_then(|d| d.attack.clone())
                        .unwrap_or_else(|| v.test.clone());
                    let mut rule = json!({
                        "id": rule_id,
                        "name": v.test,
                        "shortDescription": {"text": format!("{}: {attack}", s.key.task)},
                        "defaultConfiguration": {"level": "error"},
                    });
                    if let Some(c) = v.cwe {
                        rule["properties"] = json!({"tags": ["security", c.to_string()]});
                        rule["helpUri"] = json!(format!(
                            "https://cwe.mitre.org/data/definitions/{}.html",
                            c.0
                        ));
                    }
                    sp.rules.push(rule);
                    sp.rule_index.insert(rule_id.clone(), sp.rules.len() - 1);
                    sp.rules.len() - 1
                }
            };
            let mut result = json!({
                "ruleId": rule_id,
                "ruleIndex": index,
                "level": "error",
                "message": {"text": format!(
                    "{} (sample {} of {}, strategy {}): security test `{}` {}: {}",
                    s.key.subject, s.key.index, s.key.task, s.key.strategy, v.test,
                    v.outcome.as_str(), v.message
                )},
                "properties": {"subject": s.key.subject, "strategy": s.key.strategy, "sample": s.key.index},
            });
            if located {
                result["locations"] = json!([{"physicalLocation": {
                    "artifactLocation": {"uri": code_path(self.suite, s)}
                }}]);
            }
            if let Some(c) = v.cwe {
                result["taxa"] = json!([{"id": c.0.to_string(), "toolComponent": {"name": "CWE"}}]);
            }
            if sp.count > 0 {
                sp.results.write_all(b",\n")?;
            }
            sp.results.write_all(b"        ")?;
            serde_json::to_writer(&mut sp.results, &result)?;
            sp.count += 1;
        }
        Ok(())
    }

    fn junit_add(&mut self, s: &ExportSample) -> Result<()> {
        let i = match self
            .junit
            .iter()
            .position(|g| g.subject == s.key.subject && g.strategy == s.key.strategy)
        {
            Some(i) => i,
            None => {
                let n = self.junit.len();
                self.junit.push(JunitPart {
                    subject: s.key.subject.clone(),
                    strategy: s.key.strategy.clone(),
                    cases: create(&self.dir.join(format!(".junit-{n}.part")))?,
                    tests: 0,
                    failures: 0,
                    errors: 0,
                });
                n
            }
        };
        let g = &mut self.junit[i];
        let class = format!("{}.{}.sample{}", g.subject, s.key.task, s.key.index);
        if s.verdicts.is_empty() {
            g.tests += 1;
            g.errors += 1;
            let why = s
                .error
                .as_deref()
                .or(s.failure.as_deref())
                .unwrap_or("no tests ran");
            writeln!(
                g.cases,
                "    <testcase classname=\"{}\" name=\"generate\"><error message=\"{}\"/></testcase>",
                esc(&class),
                esc(why)
            )?;
            return Ok(());
        }
        for v in &s.verdicts {
            g.tests += 1;
            let name = format!(
                "{} [{}{}]",
                v.test,
                v.kind.as_str(),
                v.cwe.map_or(String::new(), |c| format!(", {c}"))
            );
            let body = match v.outcome {
                TestOutcome::Pass => String::new(),
                TestOutcome::Fail => {
                    g.failures += 1;
                    format!("<failure message=\"{}\"/>", esc(&v.message))
                }
                TestOutcome::Error => {
                    g.errors += 1;
                    format!("<error message=\"{}\"/>", esc(&v.message))
                }
            };
            writeln!(
                g.cases,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">{body}</testcase>",
                esc(&class),
                esc(&name),
                v.duration_ms as f64 / 1000.0
            )?;
        }
        Ok(())
    }

    /// Write the summaries (which need the metrics and the gap) and close
    /// every file; returns the files written.
    pub fn finish(
        mut self,
        run: Value,
        groups: &[GroupMetrics],
        gap: Option<&crate::analyze::gap::GapReport>,
    ) -> Result<Vec<PathBuf>> {
        self.close_page()?;
        for w in [self.samples_csv.take(), self.verdicts_csv.take()]
            .into_iter()
            .flatten()
        {
            w.into_inner()
                .map_err(|e| anyhow::anyhow!("write CSV: {}", e.error()))?
                .flush()?;
        }
        for mut w in [self.samples_jsonl.take(), self.verdicts_jsonl.take()]
            .into_iter()
            .flatten()
        {
            w.flush()?;
        }
        if let Some(sp) = self.sarif.take() {
            self.finish_sarif(sp)?;
        }
        if self.on(Format::Junit) {
            self.finish_junit()?;
        }
        let input = ReportInput {
            suite: self.suite,
            run,
            groups,
            gap,
            samples: &self.first_page,
            total_samples: self.total,
            pages: &self.pages,
            code_files: self.code_files,
        };
        let mut put = |name: &str, text: String| -> Result<()> {
            let path = self.dir.join(name);
            std::fs::write(&path, text).with_context(|| format!("write {}", path.display()))?;
            self.written.push(path);
            Ok(())
        };
        if self.opts.formats.contains(&Format::Json) {
            put(
                "results.json",
                serde_json::to_string_pretty(&results_json(&input))?,
            )?;
        }
        if self.opts.formats.contains(&Format::Md) {
            put(
                "summary.md",
                markdown(&input, &self.failed, self.failed_count),
            )?;
        }
        if self.opts.formats.contains(&Format::Html) {
            put("report.html", crate::report::html::render(&input))?;
        }
        let mut written = std::mem::take(&mut self.written);
        written.sort();
        written.dedup();
        Ok(written)
    }

    fn finish_sarif(&mut self, mut sp: SarifPart) -> Result<()> {
        sp.results.flush()?;
        drop(sp.results);
        let part = self.dir.join(".results.sarif.part");
        let path = self.dir.join("results.sarif");
        let mut out = create(&path)?;
        // The document is written by hand around the streamed results.
        out.write_all(
            b"{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\"",
        )?;
        out.write_all(b",\n  \"runs\": [\n    {\n      \"tool\": {\"driver\": ")?;
        serde_json::to_writer(
            &mut out,
            &json!({"name": "secgap", "version": env!("CARGO_PKG_VERSION"), "rules": sp.rules}),
        )?;
        out.write_all(
            b"},\n      \"taxonomies\": [{\"name\": \"CWE\", \"organization\": \"MITRE\"}],\n      \"results\": [\n",
        )?;
        std::io::copy(&mut File::open(&part)?, &mut out)?;
        out.write_all(b"\n      ]\n    }\n  ]\n}\n")?;
        out.flush()?;
        std::fs::remove_file(&part)?;
        self.written.push(path);
        Ok(())
    }

    fn finish_junit(&mut self) -> Result<()> {
        let path = self.dir.join("junit.xml");
        let mut out = create(&path)?;
        out.write_all(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"secgap\">\n",
        )?;
        for (n, g) in std::mem::take(&mut self.junit).into_iter().enumerate() {
            let JunitPart {
                subject,
                strategy,
                mut cases,
                tests,
                failures,
                errors,
            } = g;
            cases.flush()?;
            drop(cases);
            writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">",
                esc(&format!("{subject} / {strategy}"))
            )?;
            let part = self.dir.join(format!(".junit-{n}.part"));
            std::io::copy(&mut File::open(&part)?, &mut out)?;
            std::fs::remove_file(&part)?;
            out.write_all(b"  </testsuite>\n")?;
        }
        out.write_all(b"</testsuites>\n")?;
        out.flush()?;
        self.written.push(path);
        Ok(())
    }
}

/// Write every export of `samples` into `dir` (small runs and tests; the
/// report command streams from the store instead).
pub fn write_all(
    dir: &Path,
    suite: &Suite,
    run: Value,
    groups: &[GroupMetrics],
    gap: Option<&crate::analyze::gap::GapReport>,
    samples: &[ExportSample],
) -> Result<Vec<PathBuf>> {
    let with_code = samples.iter().filter(|s| s.code.is_some()).count() as u64;
    let mut e = Exporter::new(
        dir,
        suite,
        ExportOptions::default(),
        samples.len() as u64,
        with_code,
    )?;
    for s in samples {
        e.add(s.clone())?;
    }
    e.finish(run, groups, gap)
}

/// Where a sample's code is written, relative to the report folder.
pub fn code_path(suite: &Suite, s: &ExportSample) -> String {
    let safe = |x: &str| {
        x.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    let file = suite
        .task(&s.key.task)
        .map_or("solution.txt".to_string(), |t| t.solution_file.clone());
    format!(
        "code/{}/{}/{}/{}/{}",
        safe(&s.key.subject),
        safe(&s.key.strategy),
        safe(&s.key.task),
        s.key.index,
        safe(&file)
    )
}

fn results_json(input: &ReportInput) -> Value {
    json!({
        "schema": RESULTS_SCHEMA,
        "run": input.run,
        "rows": crate::report::terminal::json_rows(input.groups)["rows"],
        "gap": input.gap,
        "samples": input.total_samples,
    })
}

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// summary.md lists at most this many failed security tests.
const MD_FAILED_MAX: usize = 200;

fn markdown(input: &ReportInput, failed: &[FailedRow], failed_count: u64) -> String {
    let mut s = String::from("# secgap results\n\n");
    if let Some(h) = input.run.get("config_hash").and_then(Value::as_str) {
        s.push_str(&format!(
            "Suite `{}` {}, config `{}`.\n\n",
            input.suite.manifest.name,
            input.suite.manifest.version,
            &h[..h.len().min(12)]
        ));
    }
    s.push_str("| subject | strategy | tasks | n | func@1 | sec@1 | func-sec@1 | func-sec 95% CI | insecure among functional |\n");
    s.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n");
    for g in input.groups {
        let at1 = g.at_k.iter().find(|a| a.k == 1);
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | [{}, {}] | {} |\n",
            g.subject,
            g.strategy,
            g.tasks,
            g.n,
            at1.map_or("-".into(), |a| pct(a.func)),
            at1.map_or("-".into(), |a| pct(a.sec)),
            at1.map_or("-".into(), |a| pct(a.func_sec)),
            pct(g.func_sec.ci95.lo),
            pct(g.func_sec.ci95.hi),
            pct(g.insecure_among_functional.rate),
        ));
    }
    s.push_str(
        "\nPercent. @1 from the unbiased pass@k estimator averaged over tasks; the interval is \
         Wilson's over samples; *insecure among functional* is the share of functional samples \
         that fail at least one security test.\n",
    );
    if let Some(gap) = input.gap {
        s.push_str("\n## Understanding and the gap\n\n| subject | understanding | func-sec | gap rate | gap 95% CI |\n| --- | ---: | ---: | ---: | --- |\n");
        for g in &gap.subjects {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                g.subject,
                g.understanding.map_or("-".into(), pct),
                pct(g.func_sec_rate),
                g.gap_rate.map_or("-".into(), pct),
                g.gap_ci95
                    .map_or("-".into(), |c| format!("[{}, {}]", pct(c[0]), pct(c[1]))),
            ));
        }
        s.push_str("\nGap rate: share of samples on tasks the subject understood (score at least 0.5) that are not func-sec.\n");
    }
    s.push_str(&format!("\n## Failed security tests ({failed_count})\n\n"));
    if !failed.is_empty() {
        s.push_str("| subject | task | sample | test | CWE |\n| --- | --- | ---: | --- | --- |\n");
        for f in failed {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                f.subject,
                f.task,
                f.index,
                f.test,
                f.cwe.map_or("-".into(), |c| c.to_string())
            ));
        }
        if failed_count > failed.len() as u64 {
            s.push_str(&format!(
                "\n… and {} more in verdicts.csv.\n",
                failed_count - failed.len() as u64
            ));
        }
    }
    s
}

fn opt_bool(b: Option<bool>) -> String {
    b.map_or(String::new(), |b| b.to_string())
}

const SAMPLE_COLUMNS: [&str; 14] = [
    "subject",
    "strategy",
    "task",
    "sample",
    "language",
    "status",
    "functional",
    "secure",
    "func_sec",
    "failure",
    "error",
    "gen_ms",
    "exec_ms",
    "finished_at",
];

fn sample_record(s: &ExportSample) -> [String; 14] {
    [
        s.key.subject.clone(),
        s.key.strategy.clone(),
        s.key.task.clone(),
        s.key.index.to_string(),
        s.language.clone(),
        s.status.clone(),
        opt_bool(s.functional),
        opt_bool(s.secure),
        opt_bool(s.func_sec),
        s.failure.clone().unwrap_or_default(),
        s.error.clone().unwrap_or_default(),
        s.gen_ms.to_string(),
        s.exec_ms.to_string(),
        s.finished_at.clone(),
    ]
}

const VERDICT_COLUMNS: [&str; 10] = [
    "subject",
    "strategy",
    "task",
    "sample",
    "test",
    "kind",
    "cwe",
    "outcome",
    "message",
    "duration_ms",
];

fn verdict_record<'s>(s: &'s ExportSample, v: &'s crate::execute::Verdict) -> [Field<'s>; 10] {
    use Field::{Borrowed, Owned};
    [
        Borrowed(&s.key.subject),
        Borrowed(&s.key.strategy),
        Borrowed(&s.key.task),
        Owned(s.key.index.to_string()),
        Borrowed(&v.test),
        Borrowed(v.kind.as_str()),
        Owned(v.cwe.map_or(String::new(), |c| c.0.to_string())),
        Borrowed(v.outcome.as_str()),
        Borrowed(&v.message),
        Owned(v.duration_ms.to_string()),
    ]
}

/// A CSV field, borrowed where the sample already holds the text.
enum Field<'s> {
    Borrowed(&'s str),
    Owned(String),
}

impl AsRef<[u8]> for Field<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Field::Borrowed(s) => s.as_bytes(),
            Field::Owned(s) => s.as_bytes(),
        }
    }
}

/// A samples.jsonl line: the sample without its verdicts (they are in
/// verdicts.jsonl).
struct SampleLine<'a>(&'a ExportSample);

impl serde::Serialize for SampleLine<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let s = self.0;
        let mut m = ser.serialize_map(Some(18))?;
        m.serialize_entry("subject", &s.key.subject)?;
        m.serialize_entry("strategy", &s.key.strategy)?;
        m.serialize_entry("task", &s.key.task)?;
        m.serialize_entry("index", &s.key.index)?;
        m.serialize_entry("language", &s.language)?;
        m.serialize_entry("status", &s.status)?;
        m.serialize_entry("functional", &s.functional)?;
        m.serialize_entry("secure", &s.secure)?;
        m.serialize_entry("func_sec", &s.func_sec)?;
        m.serialize_entry("failure", &s.failure)?;
        m.serialize_entry("error", &s.error)?;
        m.serialize_entry("code", &s.code)?;
        m.serialize_entry("gen_ms", &s.gen_ms)?;
        m.serialize_entry("exec_ms", &s.exec_ms)?;
        m.serialize_entry("finished_at", &s.finished_at)?;
        m.serialize_entry("prompt", &s.prompt)?;
        m.serialize_entry("response", &s.response)?;
        m.end()
    }
}

/// A verdicts.jsonl line.
#[derive(serde::Serialize)]
struct VerdictLine<'a> {
    subject: &'a str,
    strategy: &'a str,
    task: &'a str,
    sample: u32,
    test: &'a str,
    kind: &'a str,
    cwe: Option<u32>,
    outcome: &'a str,
    message: &'a str,
    evidence: Option<&'a str>,
    duration_ms: u64,
}

fn verdict_json<'a>(s: &'a ExportSample, v: &'a crate::execute::Verdict) -> VerdictLine<'a> {
    VerdictLine {
        subject: &s.key.subject,
        strategy: &s.key.strategy,
        task: &s.key.task,
        sample: s.key.index,
        test: &v.test,
        kind: v.kind.as_str(),
        cwe: v.cwe.map(|c| c.0),
        outcome: v.outcome.as_str(),
        message: &v.message,
        evidence: v.evidence.as_deref(),
        duration_ms: v.duration_ms,
    }
}
