//! Exports of a finished run for re-analysis and CI: a Markdown summary,
//! versioned JSON, CSV and JSON lines per sample and per test verdict,
//! SARIF 2.1.0 and JUnit XML. Plain inputs (metrics rows, samples with
//! verdicts); the caller reads the store and chooses the folder.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::{json, Value};

use crate::exec::TestOutcome;
// XML text and attributes need the same escaping as HTML's.
use crate::html::esc;
use crate::metrics::GroupMetrics;
use crate::store::ExportSample;
use crate::suite::{Suite, TestKind};

/// Version of the `results.json` layout; bumped on any incompatible change.
pub const RESULTS_SCHEMA: &str = "secgap-results/1";

/// Above this many samples with code, the code is not written out as files
/// (samples.jsonl still holds it) and SARIF results carry no file location.
pub const CODE_FILES_MAX: usize = 20_000;

fn code_files(input: &ReportInput) -> bool {
    input.samples.iter().filter(|s| s.code.is_some()).count() <= CODE_FILES_MAX
}

/// What a report is made from.
pub struct ReportInput<'a> {
    pub suite: &'a Suite,
    /// The run's `meta`: config hash, created_at, schema version...
    pub run: Value,
    pub groups: &'a [GroupMetrics],
    pub gap: Option<&'a crate::gap::GapReport>,
    pub samples: &'a [ExportSample],
}

/// Write every export into `dir`; returns the files written.
pub fn write_all(dir: &Path, input: &ReportInput) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let mut written = Vec::new();
    let mut put = |name: &str, text: String| -> Result<()> {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("write {}", path.display()))?;
        written.push(path);
        Ok(())
    };
    put(
        "results.json",
        serde_json::to_string_pretty(&results_json(input))?,
    )?;
    put("summary.md", markdown(input))?;
    put("samples.csv", samples_csv(input.samples)?)?;
    put(
        "samples.jsonl",
        jsonl(input.samples.iter().map(sample_json))?,
    )?;
    put("verdicts.csv", verdicts_csv(input.samples)?)?;
    put(
        "verdicts.jsonl",
        jsonl(
            input
                .samples
                .iter()
                .flat_map(|s| s.verdicts.iter().map(move |v| verdict_json(s, v))),
        )?,
    )?;
    put(
        "results.sarif",
        serde_json::to_string_pretty(&sarif(input))?,
    )?;
    put("junit.xml", junit(input.samples))?;
    put("report.html", crate::html::render(input))?;
    // The generated code, so SARIF locations resolve to real files.
    if !code_files(input) {
        return Ok(written);
    }
    for s in input.samples {
        if let Some(code) = &s.code {
            let path = dir.join(code_path(input.suite, s));
            std::fs::create_dir_all(path.parent().expect("code sits in a folder"))?;
            std::fs::write(&path, code).with_context(|| format!("write {}", path.display()))?;
        }
    }
    Ok(written)
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
        "rows": crate::report::json_rows(input.groups)["rows"],
        "gap": input.gap,
        "samples": input.samples.len(),
    })
}

fn pct(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

fn markdown(input: &ReportInput) -> String {
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
    let failed: Vec<(&ExportSample, &crate::exec::Verdict)> = input
        .samples
        .iter()
        .flat_map(|s| s.verdicts.iter().map(move |v| (s, v)))
        .filter(|(_, v)| v.kind == TestKind::Security && v.outcome != TestOutcome::Pass)
        .collect();
    s.push_str(&format!(
        "\n## Failed security tests ({})\n\n",
        failed.len()
    ));
    if !failed.is_empty() {
        s.push_str("| subject | task | sample | test | CWE |\n| --- | --- | ---: | --- | --- |\n");
        for (smp, v) in failed.iter().take(200) {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                smp.key.subject,
                smp.key.task,
                smp.key.index,
                v.test,
                v.cwe.map_or("-".into(), |c| c.to_string())
            ));
        }
        if failed.len() > 200 {
            s.push_str(&format!(
                "\n… and {} more in verdicts.csv.\n",
                failed.len() - 200
            ));
        }
    }
    s
}

fn opt_bool(b: Option<bool>) -> String {
    b.map_or(String::new(), |b| b.to_string())
}

fn samples_csv(samples: &[ExportSample]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
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
    ])?;
    for s in samples {
        w.write_record([
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
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn verdicts_csv(samples: &[ExportSample]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
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
    ])?;
    for s in samples {
        for v in &s.verdicts {
            w.write_record([
                s.key.subject.clone(),
                s.key.strategy.clone(),
                s.key.task.clone(),
                s.key.index.to_string(),
                v.test.clone(),
                v.kind.as_str().to_string(),
                v.cwe.map_or(String::new(), |c| c.0.to_string()),
                v.outcome.as_str().to_string(),
                v.message.clone(),
                v.duration_ms.to_string(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn sample_json(s: &ExportSample) -> Value {
    let mut v = serde_json::to_value(s).expect("samples serialize");
    v.as_object_mut().expect("an object").remove("verdicts");
    v
}

fn verdict_json(s: &ExportSample, v: &crate::exec::Verdict) -> Value {
    json!({
        "subject": s.key.subject, "strategy": s.key.strategy, "task": s.key.task,
        "sample": s.key.index, "test": v.test, "kind": v.kind.as_str(),
        "cwe": v.cwe.map(|c| c.0), "outcome": v.outcome.as_str(), "message": v.message,
        "evidence": v.evidence, "duration_ms": v.duration_ms,
    })
}

fn jsonl(rows: impl Iterator<Item = Value>) -> Result<String> {
    let mut out = String::new();
    for r in rows {
        out.push_str(&serde_json::to_string(&r)?);
        out.push('\n');
    }
    Ok(out)
}

/// SARIF 2.1.0: one run, one rule per security test, one result per
/// failed security test, located in the sample's code file (whole file:
/// the tests observe behaviour, so no line is known).
fn sarif(input: &ReportInput) -> Value {
    let mut rules: Vec<Value> = Vec::new();
    let mut rule_ids: Vec<String> = Vec::new();
    let mut results = Vec::new();
    let located = code_files(input);
    for s in input.samples {
        let task = input.suite.task(&s.key.task);
        for v in &s.verdicts {
            if v.kind != TestKind::Security || v.outcome == TestOutcome::Pass {
                continue;
            }
            let rule_id = format!("{}/{}", s.key.task, v.test);
            let index = match rule_ids.iter().position(|r| *r == rule_id) {
                Some(i) => i,
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
                    rules.push(rule);
                    rule_ids.push(rule_id.clone());
                    rules.len() - 1
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
            if located && s.code.is_some() {
                result["locations"] = json!([{"physicalLocation": {
                    "artifactLocation": {"uri": code_path(input.suite, s)}
                }}]);
            }
            if let Some(c) = v.cwe {
                result["taxa"] = json!([{"id": c.0.to_string(), "toolComponent": {"name": "CWE"}}]);
            }
            results.push(result);
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "secgap",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "taxonomies": [{"name": "CWE", "organization": "MITRE"}],
            "results": results,
        }],
    })
}

/// JUnit XML: a test suite per (subject, strategy), a test case per
/// (task, sample, test); a generation error is one errored case.
fn junit(samples: &[ExportSample]) -> String {
    let mut groups: Vec<((String, String), Vec<&ExportSample>)> = Vec::new();
    for s in samples {
        let key = (s.key.subject.clone(), s.key.strategy.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(s),
            None => groups.push((key, vec![s])),
        }
    }
    let mut out =
        String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"secgap\">\n");
    for ((subject, strategy), list) in groups {
        let mut cases = String::new();
        let (mut tests, mut failures, mut errors) = (0, 0, 0);
        for s in list {
            let class = format!("{}.{}.sample{}", subject, s.key.task, s.key.index);
            if s.verdicts.is_empty() {
                tests += 1;
                errors += 1;
                let why = s
                    .error
                    .clone()
                    .or_else(|| s.failure.clone())
                    .unwrap_or_else(|| "no tests ran".into());
                cases.push_str(&format!(
                    "    <testcase classname=\"{}\" name=\"generate\"><error message=\"{}\"/></testcase>\n",
                    esc(&class),
                    esc(&why)
                ));
                continue;
            }
            for v in &s.verdicts {
                tests += 1;
                let name = format!(
                    "{} [{}{}]",
                    v.test,
                    v.kind.as_str(),
                    v.cwe.map_or(String::new(), |c| format!(", {c}"))
                );
                let body = match v.outcome {
                    TestOutcome::Pass => String::new(),
                    TestOutcome::Fail => {
                        failures += 1;
                        format!("<failure message=\"{}\"/>", esc(&v.message))
                    }
                    TestOutcome::Error => {
                        errors += 1;
                        format!("<error message=\"{}\"/>", esc(&v.message))
                    }
                };
                cases.push_str(&format!(
                    "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">{body}</testcase>\n",
                    esc(&class),
                    esc(&name),
                    v.duration_ms as f64 / 1000.0
                ));
            }
        }
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n{cases}  </testsuite>\n",
            esc(&format!("{subject} / {strategy}"))
        ));
    }
    out.push_str("</testsuites>\n");
    out
}
