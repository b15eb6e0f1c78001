//! SARIF 2.1.0 logs (OASIS's Static Analysis Results Interchange Format)
//! into findings. Semgrep and gocheck write SARIF; so does any analyzer a
//! user adds that speaks it.
//!
//! A result's rule is `ruleId` (or the rule at `ruleIndex`); its CWEs are
//! every `CWE-<n>` named in the rule's `properties` (Semgrep and gocheck
//! put them in `tags`; CodeQL writes `external/cwe/cwe-089`) or in the
//! result's own `properties`; its level is the result's, else the rule's
//! default, else SARIF's default `warning`.

use serde_json::Value;

use super::is_our_file;
use crate::model::{Cwe, Finding, Severity};

/// The findings of a SARIF log on `file`; results in other files are left
/// out. An error when the text is not a SARIF log.
pub fn parse(text: &str, file: &str) -> Result<Vec<Finding>, String> {
    let log: Value =
        serde_json::from_str(text).map_err(|e| format!("the report is not JSON ({e})"))?;
    let runs = log
        .get("runs")
        .and_then(Value::as_array)
        .ok_or("the report is not a SARIF log (it has no `runs`)")?;
    let mut out = Vec::new();
    for run in runs {
        let rules: &[Value] = run
            .pointer("/tool/driver/rules")
            .and_then(Value::as_array)
            .map_or(&[], |v| v.as_slice());
        let results: &[Value] = run
            .get("results")
            .and_then(Value::as_array)
            .map_or(&[], |v| v.as_slice());
        for r in results {
            let rule_id = r.get("ruleId").and_then(Value::as_str);
            let rule = rule_id
                .and_then(|id| {
                    rules
                        .iter()
                        .find(|d| d.get("id").and_then(Value::as_str) == Some(id))
                })
                .or_else(|| {
                    r.get("ruleIndex")
                        .and_then(Value::as_u64)
                        .and_then(|i| rules.get(i as usize))
                });
            let Some(id) = rule_id.or_else(|| rule.and_then(|d| d.get("id")?.as_str())) else {
                continue;
            };
            let loc = r.pointer("/locations/0/physicalLocation");
            let uri = loc
                .and_then(|l| l.pointer("/artifactLocation/uri"))
                .and_then(Value::as_str);
            if uri.is_some_and(|u| !is_our_file(u, file)) {
                continue;
            }
            let region = loc.and_then(|l| l.get("region"));
            let num = |k: &str| {
                region
                    .and_then(|g| g.get(k))
                    .and_then(Value::as_u64)
                    .map(|n| n as u32)
            };
            let level = r
                .get("level")
                .or_else(|| rule.and_then(|d| d.pointer("/defaultConfiguration/level")))
                .and_then(Value::as_str);
            let mut cwes = Vec::new();
            for props in [rule.and_then(|d| d.get("properties")), r.get("properties")]
                .into_iter()
                .flatten()
            {
                collect_cwes(props, &mut cwes);
            }
            let message = r
                .pointer("/message/text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string();
            out.push(Finding {
                rule: id.to_string(),
                message,
                line: num("startLine"),
                column: num("startColumn"),
                severity: level_of(level),
                cwes,
            });
        }
    }
    Ok(out)
}

/// SARIF's level as a severity; `none` and missing are SARIF's default,
/// `warning`, except `note`.
pub fn level_of(level: Option<&str>) -> Severity {
    match level {
        Some("error") => Severity::Error,
        Some("note") | Some("none") => Severity::Note,
        _ => Severity::Warning,
    }
}

/// Every `CWE-<n>` in the strings under `v`, in order, once each.
pub fn collect_cwes(v: &Value, into: &mut Vec<Cwe>) {
    match v {
        Value::String(s) => {
            for id in cwe_ids(s) {
                if !into.contains(&Cwe(id)) {
                    into.push(Cwe(id));
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_cwes(i, into)),
        Value::Object(map) => map.values().for_each(|i| collect_cwes(i, into)),
        _ => {}
    }
}

/// The CWE ids named in `s`: `CWE-89`, `cwe-089`, `CWE 78` and `CWE:78`,
/// in any case.
pub fn cwe_ids(s: &str) -> Vec<u32> {
    let lower = s.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = lower[i..].find("cwe") {
        let mut j = i + at + 3;
        // Part of a longer word ("cwes") is not a mention.
        let starts_word = i + at == 0 || !b[i + at - 1].is_ascii_alphabetic();
        if j < b.len() && matches!(b[j], b'-' | b' ' | b':' | b'_') {
            j += 1;
        }
        let digits_from = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if starts_word && j > digits_from {
            if let Ok(n) = lower[digits_from..j].parse::<u32>() {
                if n > 0 && !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        i = (i + at + 3).max(j);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cwe_mentions_in_every_spelling() {
        assert_eq!(cwe_ids("CWE-89: SQL Injection"), vec![89]);
        assert_eq!(cwe_ids("external/cwe/cwe-089"), vec![89]);
        assert_eq!(cwe_ids("cwe 78, CWE:77 and CWE-78"), vec![78, 77]);
        assert_eq!(cwe_ids("cwes: none"), Vec::<u32>::new());
        assert_eq!(cwe_ids("CWE-"), Vec::<u32>::new());
    }

    #[test]
    fn a_log_with_rules_results_and_other_files() {
        let log = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t","rules":[
            {"id":"r1","properties":{"tags":["security","CWE-78: OS Command Injection"]},
             "defaultConfiguration":{"level":"error"}},
            {"id":"r2"}]}},
          "results":[
            {"ruleId":"r1","message":{"text":"shell"},"locations":[{"physicalLocation":
              {"artifactLocation":{"uri":"/work/app.py"},"region":{"startLine":7,"startColumn":3}}}]},
            {"ruleIndex":1,"level":"note","message":{"text":"n"},"locations":[{"physicalLocation":
              {"artifactLocation":{"uri":"app.py"},"region":{"startLine":9}}}],
             "properties":{"cwe":"CWE-338"}},
            {"ruleId":"r1","message":{"text":"elsewhere"},"locations":[{"physicalLocation":
              {"artifactLocation":{"uri":"/opt/lib.py"},"region":{"startLine":1}}}]}]}]}"#;
        let f = parse(log, "app.py").unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(
            (f[0].rule.as_str(), f[0].line, f[0].column, f[0].severity),
            ("r1", Some(7), Some(3), Severity::Error)
        );
        assert_eq!(f[0].cwes, vec![Cwe(78)]);
        assert_eq!((f[1].rule.as_str(), f[1].severity), ("r2", Severity::Note));
        assert_eq!(f[1].cwes, vec![Cwe(338)]);
        assert!(parse("[]", "app.py").is_err());
        assert!(parse("not json", "app.py").is_err());
    }
}
