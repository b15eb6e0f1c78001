//! Cppcheck: its XML report (version 2), where each error carries its id,
//! severity, message, CWE and locations. `information` messages (missing
//! include files, checker statistics) are not findings.

use std::path::Path;

use super::{first_line_of, is_our_file, Analyzer, Command, Report, Tool, OUT_DIR, WORK_DIR};
use crate::model::{Cwe, Finding, Severity};

pub struct Cppcheck;

impl Analyzer for Cppcheck {
    fn id(&self) -> &'static str {
        "cppcheck"
    }

    fn languages(&self) -> &'static [&'static str] {
        &["c"]
    }

    fn locate(&self, _root: &Path) -> Result<Tool, String> {
        if !Path::new("/usr/bin/cppcheck").is_file() {
            return Err(
                "cppcheck is not installed (no /usr/bin/cppcheck); run scripts/install-deps.sh"
                    .into(),
            );
        }
        Ok(Tool {
            version: first_line_of("/usr/bin/cppcheck", &["--version"])
                .map(|l| l.trim_start_matches("Cppcheck").trim().to_string())
                .unwrap_or_else(|| "unknown".into()),
            dir: None,
        })
    }

    fn command(&self, file: &str) -> Command {
        Command {
            argv: [
                "/usr/bin/cppcheck",
                "--enable=warning,style,portability",
                "--inconclusive",
                "--xml",
                "--xml-version=2",
                "--quiet",
                &format!("--output-file={OUT_DIR}/report.xml"),
                &format!("{WORK_DIR}/{file}"),
            ]
            .map(String::from)
            .to_vec(),
            env: Vec::new(),
            report: Report::File("report.xml"),
        }
    }

    fn parse(&self, report: &str, file: &str, _exit: i32) -> Result<Vec<Finding>, String> {
        parse(report, file)
    }
}

fn parse(report: &str, file: &str) -> Result<Vec<Finding>, String> {
    let doc = roxmltree::Document::parse(report)
        .map_err(|e| format!("cppcheck's report is not XML ({e})"))?;
    let errors = doc
        .descendants()
        .find(|n| n.has_tag_name("errors"))
        .ok_or("cppcheck's report has no <errors>")?;
    let mut out = Vec::new();
    for e in errors.children().filter(|n| n.has_tag_name("error")) {
        let severity = match e.attribute("severity") {
            Some("error") => Severity::Error,
            Some("warning") => Severity::Warning,
            Some("information") | None => continue,
            Some(_) => Severity::Note,
        };
        let id = e.attribute("id").unwrap_or("");
        if id == "syntaxError" {
            return Err(format!(
                "cppcheck could not parse the file: {}",
                e.attribute("msg").unwrap_or("")
            ));
        }
        // The first location is where the error is; later ones trace it.
        let loc = e.children().find(|n| n.has_tag_name("location"));
        if loc
            .and_then(|l| l.attribute("file"))
            .is_some_and(|f| !is_our_file(f, file))
        {
            continue;
        }
        let num = |k: &str| loc.and_then(|l| l.attribute(k)?.parse::<u32>().ok());
        out.push(Finding {
            rule: id.to_string(),
            message: e
                .attribute("verbose")
                .or(e.attribute("msg"))
                .unwrap_or("")
                .to_string(),
            line: num("line"),
            column: num("column"),
            severity,
            cwes: e
                .attribute("cwe")
                .and_then(|c| c.parse::<u32>().ok())
                .filter(|c| *c > 0)
                .map(|c| vec![Cwe(c)])
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn errors_with_their_cwe_and_no_information() {
        let report = r#"<?xml version="1.0" encoding="UTF-8"?>
<results version="2"><cppcheck version="2.10"/><errors>
<error id="doubleFree" severity="error" msg="Memory pointed to by 'p' is freed twice." verbose="Memory pointed to by 'p' is freed twice." cwe="415" file0="/work/s.c">
  <location file="/work/s.c" line="7" column="5"/><location file="/work/s.c" line="6" column="5"/></error>
<error id="missingIncludeSystem" severity="information" msg="Include file not found"/>
</errors></results>"#;
        let f = super::parse(report, "s.c").unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(
            (
                f[0].rule.as_str(),
                f[0].line,
                f[0].column,
                f[0].cwes.clone()
            ),
            ("doubleFree", Some(7), Some(5), vec![crate::model::Cwe(415)])
        );
        assert!(super::parse("<results/>", "s.c").is_err());
    }
}
