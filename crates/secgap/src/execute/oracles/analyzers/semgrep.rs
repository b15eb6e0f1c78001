//! Semgrep with a rule pack of secgap's own (`analyzers/semgrep/rules`,
//! built into the binary) or the user's rules folder: its SARIF report,
//! where each rule's CWE is in its tags (from the rule's `metadata.cwe`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{
    dist_info_version, sarif, Analyzer, Command, Report, Tool, INSTALL_HINT, OUT_DIR, RULES_DIR,
    TOOL_DIR, WORK_DIR,
};
use crate::model::Finding;

pub struct Semgrep;

/// secgap's rule pack, one file per language.
pub const BUILTIN_RULES: &[(&str, &str)] = &[
    (
        "python.yaml",
        include_str!("../../../../../../analyzers/semgrep/rules/python.yaml"),
    ),
    (
        "c.yaml",
        include_str!("../../../../../../analyzers/semgrep/rules/c.yaml"),
    ),
    (
        "javascript.yaml",
        include_str!("../../../../../../analyzers/semgrep/rules/javascript.yaml"),
    ),
    (
        "go.yaml",
        include_str!("../../../../../../analyzers/semgrep/rules/go.yaml"),
    ),
];

/// Write the built-in rule pack into a folder under `scratch`.
pub fn write_builtin_rules(scratch: &Path) -> Result<PathBuf> {
    let dir = scratch.join("semgrep-rules");
    std::fs::create_dir_all(&dir).with_context(|| format!("mkdir {}", dir.display()))?;
    for (name, text) in BUILTIN_RULES {
        let p = dir.join(name);
        std::fs::write(&p, text).with_context(|| format!("write {}", p.display()))?;
    }
    crate::execute::set_mode(scratch, 0o755)?;
    crate::execute::set_mode(&dir, 0o755)?;
    for (name, _) in BUILTIN_RULES {
        crate::execute::set_mode(&dir.join(name), 0o644)?;
    }
    Ok(dir)
}

impl Analyzer for Semgrep {
    fn id(&self) -> &'static str {
        "semgrep"
    }

    fn languages(&self) -> &'static [&'static str] {
        &["python", "c", "javascript", "go"]
    }

    fn takes_rules(&self) -> bool {
        true
    }

    fn locate(&self, root: &Path) -> Result<Tool, String> {
        let dir = root.join("semgrep");
        let site = dir.join("site");
        let core = dir.join("bin/osemgrep");
        if !core.is_file() {
            return Err(format!(
                "Semgrep is not installed (no {}); {INSTALL_HINT}",
                core.display()
            ));
        }
        Ok(Tool {
            version: dist_info_version(&site, "semgrep").unwrap_or_else(|| "unknown".into()),
            dir: Some(dir),
        })
    }

    fn command(&self, file: &str) -> Command {
        // semgrep-core under the name osemgrep: Semgrep's command line in
        // OCaml, without the Python front end's start-up of several
        // seconds (the same findings on every reference of the suite). It
        // writes its report only to stdout (`--output` hands the scan
        // back to the Python front end), so a shell sends stdout to the
        // report file: the report is larger than the sandbox keeps of
        // stdout.
        let scan = [
            &format!("{TOOL_DIR}/bin/osemgrep"),
            "scan",
            "--experimental",
            "--config",
            RULES_DIR,
            "--sarif",
            "--metrics=off",
            "--disable-version-check",
            "--quiet",
            "--jobs",
            "1",
            &format!("{WORK_DIR}/{file}"),
        ]
        .map(String::from);
        let mut argv = vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            format!("exec \"$0\" \"$@\" > {OUT_DIR}/report.sarif"),
        ];
        argv.extend(scan);
        Command {
            argv,
            env: [
                // semgrep-core will not start without a certificate bundle,
                // even offline; its own certifi wheel has one.
                (
                    "SSL_CERT_FILE",
                    format!("{TOOL_DIR}/site/certifi/cacert.pem"),
                ),
                ("SEMGREP_ENABLE_VERSION_CHECK", "0".into()),
                ("SEMGREP_SEND_METRICS", "off".into()),
                ("SEMGREP_SETTINGS_FILE", "/tmp/semgrep-settings.yml".into()),
                ("SEMGREP_LOG_FILE", "/tmp/semgrep.log".into()),
                ("SEMGREP_VERSION_CACHE_PATH", "/tmp/semgrep-version".into()),
                ("XDG_CONFIG_HOME", "/tmp".into()),
                ("XDG_CACHE_HOME", "/tmp".into()),
            ]
            .map(|(k, v)| (k.to_string(), v))
            .to_vec(),
            report: Report::File("report.sarif"),
        }
    }

    fn parse(&self, report: &str, file: &str, _exit: i32) -> Result<Vec<Finding>, String> {
        sarif::parse(report, file)
    }
}
