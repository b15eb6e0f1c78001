//! GCC's static analyzer (`-fanalyzer`): path-sensitive checks for double
//! free, use after free, NULL dereference, leaks and more, each with the
//! CWE GCC gives it, read from GCC's JSON diagnostics. Only the
//! analyzer's own diagnostics (`-Wanalyzer-*`) are findings.

use std::path::Path;

use serde_json::Value;

use super::{first_line_of, is_our_file, Analyzer, Command, Report, Tool, WORK_DIR};
use crate::model::{Cwe, Finding, Severity};

pub struct GccAnalyzer;

impl Analyzer for GccAnalyzer {
    fn id(&self) -> &'static str {
        "gcc-analyzer"
    }

    fn languages(&self) -> &'static [&'static str] {
        &["c"]
    }

    fn locate(&self, _root: &Path) -> Result<Tool, String> {
        if !Path::new("/usr/bin/gcc").is_file() {
            return Err("gcc is not installed; run scripts/install-deps.sh".into());
        }
        Ok(Tool {
            version: first_line_of("/usr/bin/gcc", &["-dumpfullversion"])
                .unwrap_or_else(|| "unknown".into()),
            dir: None,
        })
    }

    fn command(&self, file: &str) -> Command {
        Command {
            argv: [
                "/usr/bin/gcc",
                "-std=gnu11",
                "-fanalyzer",
                "-fdiagnostics-format=json",
                "-c",
                &format!("{WORK_DIR}/{file}"),
                "-o",
                "/dev/null",
            ]
            .map(String::from)
            .to_vec(),
            env: Vec::new(),
            report: Report::Stderr,
        }
    }

    fn parse(&self, report: &str, file: &str, exit: i32) -> Result<Vec<Finding>, String> {
        parse(report, file, exit)
    }
}

/// GCC's JSON diagnostics: an array, one line per compilation. A file that
/// does not compile has no verdict.
fn parse(report: &str, file: &str, exit: i32) -> Result<Vec<Finding>, String> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for line in report.lines().filter(|l| l.trim_start().starts_with('[')) {
        let diags: Vec<Value> = serde_json::from_str(line)
            .map_err(|e| format!("GCC's diagnostics are not JSON ({e})"))?;
        for d in &diags {
            let text = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("");
            if text("kind") == "error" {
                errors.push(text("message").to_string());
                continue;
            }
            // GCC's own name for the check, as it prints it.
            let rule = text("option");
            if !rule.starts_with("-Wanalyzer-") {
                continue;
            }
            let caret = d.pointer("/locations/0/caret");
            if caret
                .and_then(|c| c.get("file"))
                .and_then(Value::as_str)
                .is_some_and(|f| !is_our_file(f, file))
            {
                continue;
            }
            let num = |k: &str| {
                caret
                    .and_then(|c| c.get(k))
                    .and_then(Value::as_u64)
                    .map(|n| n as u32)
            };
            out.push(Finding {
                rule: rule.to_string(),
                message: text("message").to_string(),
                line: num("line"),
                column: num("column"),
                severity: Severity::Warning,
                cwes: d
                    .pointer("/metadata/cwe")
                    .and_then(Value::as_u64)
                    .map(|c| vec![Cwe(c as u32)])
                    .unwrap_or_default(),
            });
        }
    }
    if exit != 0 {
        return Err(match errors.first() {
            Some(e) => format!("the code does not compile: {e}"),
            None => format!("gcc exited with status {exit}"),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn analyzer_diagnostics_only_and_compile_errors_fail() {
        let report = r#"[{"kind": "warning", "message": "double-'free' of 'p'", "option": "-Wanalyzer-double-free", "locations": [{"caret": {"file": "/work/s.c", "line": 6, "column": 5}}], "metadata": {"cwe": 415}, "children": []}, {"kind": "warning", "message": "unused", "option": "-Wunused-variable", "locations": [{"caret": {"file": "/work/s.c", "line": 2, "column": 9}}], "children": []}]"#;
        let f = super::parse(report, "s.c", 0).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(
            (f[0].rule.as_str(), f[0].line, f[0].cwes.clone()),
            (
                "-Wanalyzer-double-free",
                Some(6),
                vec![crate::model::Cwe(415)]
            )
        );
        let broken =
            r#"[{"kind": "error", "message": "expected ';'", "locations": [], "children": []}]"#;
        assert!(super::parse(broken, "s.c", 1)
            .unwrap_err()
            .contains("expected ';'"));
    }
}
