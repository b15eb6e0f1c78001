//! Bandit (PyCQA), Python's security linter: its JSON report, where each
//! result names its test id, line, column, severity and the CWE Bandit
//! maps the test to.

use std::path::Path;

use serde_json::Value;

use super::{
    dist_info_version, is_our_file, Analyzer, Command, Report, Tool, INSTALL_HINT, OUT_DIR,
    TOOL_DIR, WORK_DIR,
};
use crate::model::{Cwe, Finding, Severity};

pub struct Bandit;

impl Analyzer for Bandit {
    fn id(&self) -> &'static str {
        "bandit"
    }

    fn languages(&self) -> &'static [&'static str] {
        &["python"]
    }

    fn locate(&self, root: &Path) -> Result<Tool, String> {
        let dir = root.join("bandit");
        let site = dir.join("site");
        if !site.join("bandit").is_dir() {
            return Err(format!(
                "Bandit is not installed (no {}); {INSTALL_HINT}",
                site.join("bandit").display()
            ));
        }
        Ok(Tool {
            version: dist_info_version(&site, "bandit").unwrap_or_else(|| "unknown".into()),
            dir: Some(dir),
        })
    }

    fn command(&self, file: &str) -> Command {
        Command {
            argv: [
                "/usr/bin/python3",
                "-m",
                "bandit",
                "--format",
                "json",
                "--quiet",
                "--output",
                &format!("{OUT_DIR}/report.json"),
                &format!("{WORK_DIR}/{file}"),
            ]
            .map(String::from)
            .to_vec(),
            env: vec![
                ("PYTHONPATH".into(), format!("{TOOL_DIR}/site")),
                ("PYTHONDONTWRITEBYTECODE".into(), "1".into()),
            ],
            report: Report::File("report.json"),
        }
    }

    fn parse(&self, report: &str, file: &str, _exit: i32) -> Result<Vec<Finding>, String> {
        parse(report, file)
    }
}

/// Bandit's JSON report on `file`. A file Bandit could not parse is in
/// `errors`: then it has no verdict.
fn parse(report: &str, file: &str) -> Result<Vec<Finding>, String> {
    let v: Value =
        serde_json::from_str(report).map_err(|e| format!("Bandit's report is not JSON ({e})"))?;
    if let Some(err) = v.get("errors").and_then(Value::as_array).and_then(|errs| {
        errs.iter().find(|e| {
            e.get("filename")
                .and_then(Value::as_str)
                .is_none_or(|f| is_our_file(f, file))
        })
    }) {
        let why = err
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or("an error");
        return Err(format!("Bandit could not analyze the file: {why}"));
    }
    let results = v
        .get("results")
        .and_then(Value::as_array)
        .ok_or("Bandit's report has no `results`")?;
    let mut out = Vec::new();
    for r in results {
        if r.get("filename")
            .and_then(Value::as_str)
            .is_some_and(|f| !is_our_file(f, file))
        {
            continue;
        }
        let text = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let num = |k: &str| r.get(k).and_then(Value::as_u64).map(|n| n as u32);
        out.push(Finding {
            rule: text("test_id"),
            message: text("issue_text"),
            line: num("line_number"),
            // Bandit's column is 0-based.
            column: num("col_offset").map(|c| c + 1),
            severity: match r.get("issue_severity").and_then(Value::as_str) {
                Some("HIGH") => Severity::Error,
                Some("MEDIUM") => Severity::Warning,
                _ => Severity::Note,
            },
            cwes: r
                .pointer("/issue_cwe/id")
                .and_then(Value::as_u64)
                .filter(|id| *id > 0)
                .map(|id| vec![Cwe(id as u32)])
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_in_the_file_with_their_cwe_and_errors_fail() {
        let report = r#"{"errors": [], "results": [
            {"filename": "/work/app.py", "test_id": "B602", "issue_text": "shell", "line_number": 5,
             "col_offset": 4, "issue_severity": "HIGH", "issue_cwe": {"id": 78, "link": "x"}},
            {"filename": "/work/other.py", "test_id": "B101", "issue_text": "assert", "line_number": 1,
             "col_offset": 0, "issue_severity": "LOW", "issue_cwe": {"id": 703}}]}"#;
        let f = super::parse(report, "app.py").unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].rule.as_str(), f[0].line, f[0].column),
            ("B602", Some(5), Some(5))
        );
        assert_eq!(f[0].cwes, vec![crate::model::Cwe(78)]);
        let broken = r#"{"errors": [{"filename": "/work/app.py", "reason": "syntax error while parsing AST from file"}], "results": []}"#;
        assert!(super::parse(broken, "app.py")
            .unwrap_err()
            .contains("syntax error"));
    }
}
