//! ESLint with `eslint-plugin-security` and the core rules against
//! dynamic code: its JSON report. ESLint names no CWEs, so the table below
//! (secgap's reading of what each rule looks for) maps its rules to them.

use std::path::Path;

use serde_json::Value;

use super::{
    is_our_file, Analyzer, Command, Report, Tool, INSTALL_HINT, OUT_DIR, TOOL_DIR, WORK_DIR,
};
use crate::model::{Cwe, Finding, Severity};

pub struct Eslint;

/// ESLint rule → the CWE of the weakness it looks for (analyzers/README.md
/// gives the reason for each). `detect-object-injection` fires on every
/// `obj[variable]` and the Trojan Source rules are about review, not the
/// program: they map to none.
pub const RULE_CWES: &[(&str, u32)] = &[
    ("no-eval", 95),
    ("no-implied-eval", 95),
    ("no-new-func", 95),
    // Buffer reads and writes with bounds checks turned off.
    ("security/detect-buffer-noassert", 119),
    ("security/detect-child-process", 78),
    ("security/detect-disable-mustache-escape", 79),
    ("security/detect-eval-with-expression", 95),
    // `new Buffer(n)` hands out uninitialized memory.
    ("security/detect-new-buffer", 908),
    ("security/detect-no-csrf-before-method-override", 352),
    ("security/detect-non-literal-fs-filename", 22),
    // A pattern built from input: catastrophic backtracking.
    ("security/detect-non-literal-regexp", 1333),
    // Loads and runs code chosen at run time.
    ("security/detect-non-literal-require", 95),
    ("security/detect-possible-timing-attacks", 208),
    ("security/detect-pseudoRandomBytes", 338),
    ("security/detect-unsafe-regex", 1333),
];

impl Analyzer for Eslint {
    fn id(&self) -> &'static str {
        "eslint"
    }

    fn languages(&self) -> &'static [&'static str] {
        &["javascript"]
    }

    fn locate(&self, root: &Path) -> Result<Tool, String> {
        let dir = root.join("eslint");
        let pkg = dir.join("node_modules/eslint/package.json");
        let plugin = dir.join("node_modules/eslint-plugin-security/package.json");
        let config = dir.join("eslint.config.mjs");
        for need in [&pkg, &plugin, &config] {
            if !need.is_file() {
                return Err(format!(
                    "ESLint is not installed (no {}); {INSTALL_HINT}",
                    need.display()
                ));
            }
        }
        let version_of = |p: &Path| {
            std::fs::read_to_string(p)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|v| v.get("version")?.as_str().map(str::to_string))
                .unwrap_or_else(|| "unknown".into())
        };
        Ok(Tool {
            version: format!(
                "{} (eslint-plugin-security {})",
                version_of(&pkg),
                version_of(&plugin)
            ),
            dir: Some(dir),
        })
    }

    fn command(&self, file: &str) -> Command {
        Command {
            argv: [
                "/usr/bin/node",
                &format!("{TOOL_DIR}/node_modules/eslint/bin/eslint.js"),
                "--config",
                &format!("{TOOL_DIR}/eslint.config.mjs"),
                "--no-config-lookup",
                "--format",
                "json",
                "--output-file",
                &format!("{OUT_DIR}/report.json"),
                &format!("{WORK_DIR}/{file}"),
            ]
            .map(String::from)
            .to_vec(),
            env: Vec::new(),
            report: Report::File("report.json"),
        }
    }

    fn parse(&self, report: &str, file: &str, _exit: i32) -> Result<Vec<Finding>, String> {
        parse(report, file)
    }
}

/// ESLint's JSON report: one entry per file, each with its messages. A
/// fatal message is a file ESLint could not parse: no verdict.
fn parse(report: &str, file: &str) -> Result<Vec<Finding>, String> {
    let v: Value =
        serde_json::from_str(report).map_err(|e| format!("ESLint's report is not JSON ({e})"))?;
    let entries = v
        .as_array()
        .ok_or("ESLint's report is not a list of files")?;
    let mut out = Vec::new();
    let mut seen = false;
    for e in entries {
        let path = e.get("filePath").and_then(Value::as_str).unwrap_or("");
        if !is_our_file(path, file) {
            continue;
        }
        seen = true;
        for m in e
            .get("messages")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let text = m.get("message").and_then(Value::as_str).unwrap_or("");
            if m.get("fatal").and_then(Value::as_bool) == Some(true) {
                return Err(format!("ESLint could not parse the file: {text}"));
            }
            let Some(rule) = m.get("ruleId").and_then(Value::as_str) else {
                continue;
            };
            let num = |k: &str| m.get(k).and_then(Value::as_u64).map(|n| n as u32);
            out.push(Finding {
                rule: rule.to_string(),
                message: text.to_string(),
                line: num("line"),
                column: num("column"),
                severity: if m.get("severity").and_then(Value::as_u64) == Some(2) {
                    Severity::Error
                } else {
                    Severity::Warning
                },
                cwes: RULE_CWES
                    .iter()
                    .filter(|(r, _)| *r == rule)
                    .map(|(_, c)| Cwe(*c))
                    .collect(),
            });
        }
    }
    if !seen {
        return Err("ESLint's report does not cover the file (was it ignored?)".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn messages_get_the_cwe_of_their_rule_and_fatal_ones_fail() {
        let report = r#"[{"filePath": "/work/solution.js", "messages": [
            {"ruleId": "security/detect-child-process", "severity": 1, "message": "Found child_process", "line": 3, "column": 7},
            {"ruleId": "no-eval", "severity": 2, "message": "eval can be harmful.", "line": 9, "column": 12}]}]"#;
        let f = super::parse(report, "solution.js").unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].cwes, vec![crate::model::Cwe(78)]);
        assert_eq!((f[1].rule.as_str(), f[1].line), ("no-eval", Some(9)));
        let fatal = r#"[{"filePath": "/work/solution.js", "messages": [{"ruleId": null, "fatal": true, "severity": 2, "message": "Parsing error: Unexpected token", "line": 1}]}]"#;
        assert!(super::parse(fatal, "solution.js").is_err());
        assert!(super::parse("[]", "solution.js").is_err());
    }
}
