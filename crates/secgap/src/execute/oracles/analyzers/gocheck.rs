//! gocheck: secgap's own security analyzer for Go (`analyzers/gocheck`,
//! standard library only, so it builds offline where gosec cannot be
//! fetched). It writes SARIF with each rule's CWE in its tags.

use std::path::Path;

use super::{
    first_line_of, sarif, Analyzer, Command, Report, Tool, INSTALL_HINT, TOOL_DIR, WORK_DIR,
};
use crate::model::Finding;

pub struct Gocheck;

impl Analyzer for Gocheck {
    fn id(&self) -> &'static str {
        "gocheck"
    }

    fn languages(&self) -> &'static [&'static str] {
        &["go"]
    }

    fn locate(&self, root: &Path) -> Result<Tool, String> {
        let dir = root.join("gocheck");
        let bin = dir.join("gocheck");
        if !bin.is_file() {
            return Err(format!(
                "gocheck is not installed (no {}); {INSTALL_HINT}",
                bin.display()
            ));
        }
        let version = first_line_of(&bin.to_string_lossy(), &["--version"])
            .map(|l| l.trim_start_matches("gocheck").trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(Tool {
            version,
            dir: Some(dir),
        })
    }

    fn command(&self, file: &str) -> Command {
        Command {
            argv: vec![format!("{TOOL_DIR}/gocheck"), format!("{WORK_DIR}/{file}")],
            env: Vec::new(),
            report: Report::Stdout,
        }
    }

    fn parse(&self, report: &str, file: &str, exit: i32) -> Result<Vec<Finding>, String> {
        if exit == 2 {
            return Err("gocheck could not parse the file".into());
        }
        sarif::parse(report, file)
    }
}
