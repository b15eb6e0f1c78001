//! results.sarif: every failed security test as a SARIF 2.1.0 result, with
//! one rule per task test and the CWE as a taxon, for code-scanning views.
//! A test that did not run (the candidate did not build) is no finding.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use serde_json::{json, Value};

use crate::model::{ExportSample, TestKind};
use crate::report::code::code_path;
use crate::report::sink::{create, Finished, Format, Out, ReportSink, Setup};
use crate::suite::Suite;

pub const FORMAT: Format = Format {
    name: "sarif",
    help: "results.sarif",
    make: sink,
};

/// The results stream into this file beside the report and are spliced
/// into the document at the end, once the rules are known.
const PART: &str = ".results.sarif.part";

fn sink<'a>(setup: &Setup<'a>) -> Result<Box<dyn ReportSink + 'a>> {
    Ok(Box::new(Sarif {
        dir: setup.dir.to_path_buf(),
        suite: setup.suite,
        code_files: setup.code_files,
        rules: Vec::new(),
        rule_index: HashMap::new(),
        results: create(&setup.dir.join(PART))?,
        count: 0,
    }))
}

/// SARIF in progress: rules in memory (one per task test), results
/// streamed to a part file.
struct Sarif<'a> {
    dir: PathBuf,
    suite: &'a Suite,
    /// Whether results can point at the code files.
    code_files: bool,
    rules: Vec<Value>,
    rule_index: HashMap<String, usize>,
    results: Out,
    count: u64,
}

impl ReportSink for Sarif<'_> {
    fn add(&mut self, s: &ExportSample) -> Result<()> {
        let located = self.code_files && s.code.is_some();
        let task = self.suite.task(&s.key.task);
        for v in &s.verdicts {
            // A test that did not run found nothing: no result for it.
            if v.kind != TestKind::Security || !v.outcome.failed() {
                continue;
            }
            let rule_id = format!("{}/{}", s.key.task, v.test);
            let index = match self.rule_index.get(&rule_id) {
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
                    self.rules.push(rule);
                    self.rule_index
                        .insert(rule_id.clone(), self.rules.len() - 1);
                    self.rules.len() - 1
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
            if self.count > 0 {
                self.results.write_all(b",\n")?;
            }
            self.results.write_all(b"        ")?;
            serde_json::to_writer(&mut self.results, &result)?;
            self.count += 1;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _: &Finished) -> Result<Vec<PathBuf>> {
        let Sarif {
            dir,
            rules,
            mut results,
            ..
        } = *self;
        results.flush()?;
        drop(results);
        let part = dir.join(PART);
        let path = dir.join("results.sarif");
        let mut out = create(&path)?;
        // The document is written by hand around the streamed results.
        out.write_all(
            b"{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\"",
        )?;
        out.write_all(b",\n  \"runs\": [\n    {\n      \"tool\": {\"driver\": ")?;
        serde_json::to_writer(
            &mut out,
            &json!({"name": "secgap", "version": env!("CARGO_PKG_VERSION"), "rules": rules}),
        )?;
        out.write_all(
            b"},\n      \"taxonomies\": [{\"name\": \"CWE\", \"organization\": \"MITRE\"}],\n      \"results\": [\n",
        )?;
        std::io::copy(&mut File::open(&part)?, &mut out)?;
        out.write_all(b"\n      ]\n    }\n  ]\n}\n")?;
        out.flush()?;
        std::fs::remove_file(&part)?;
        Ok(vec![path])
    }
}
