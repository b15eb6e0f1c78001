//! `secgap new task`: a task folder that loads, and fails validation until
//! its author replaces every placeholder (the spec, the tests, the secure
//! and insecure references), so a half-written task can never pass.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::lang::Language;

/// Files of a new task, relative to its folder.
fn files(lang: Language, id: &str) -> Vec<(&'static str, String)> {
    let toml = |test_file: &str, secure: &str, insecure: &str, interface: &str| {
        format!(
            r#"id = "{id}"
title = "REPLACE: a short title"
language = "{lang}"
# The CWEs a single function can get wrong here, and the catalog principles
# it needs (see `secgap list principles`).
cwes = [20]
principles = ["validate-input-at-boundary"]
test_file = "{test_file}"

# Write the request the way a developer would ask for the feature. Do not
# name the vulnerability or the attack.
spec = """
REPLACE: what the function does, its inputs, its outputs and its errors.
"""

interface = """
{interface}
"""

# Functional tests: enough that lazy or broken code fails.
[[tests]]
name = "replace_functional"
kind = "functional"

# Security tests: named after the attack, each with the CWE it checks.
[[tests]]
name = "replace_attack"
kind = "security"
cwe = 20
attack = "REPLACE: what the test sends and what a safe function does with it"

[references]
secure = "{secure}"

# One insecure reference per CWE at least: working code of the kind a
# model writes, which passes the functional tests and is caught.
[[references.insecure]]
file = "{insecure}"
cwe = 20
note = "REPLACE: what this reference gets wrong"
"#,
            lang = lang.name(),
        )
    };
    let s = lang.scaffold();
    let mut files = vec![(
        "task.toml",
        toml(s.test_file, s.secure_ref, s.insecure_ref, s.interface),
    )];
    files.extend(s.files);
    files
}

/// Create `tasks/ID` in the suite at `suite_root` for `lang`.
pub fn new_task(suite_root: &Path, lang: Language, id: &str) -> Result<PathBuf> {
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-');
    if !valid {
        bail!("task id `{id}`: use lowercase letters, digits and hyphens, e.g. py-parse-header");
    }
    let tasks = suite_root.join("tasks");
    if !tasks.is_dir() {
        bail!(
            "{} has no tasks/ folder: pass the suite with --suite DIR",
            suite_root.display()
        );
    }
    let dir = tasks.join(id);
    if dir.exists() {
        bail!("{} already exists: choose another id", dir.display());
    }
    for (rel, text) in files(lang, id) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().expect("files sit in a folder"))
            .with_context(|| format!("create {}", path.display()))?;
        std::fs::write(&path, text).with_context(|| format!("write {}", path.display()))?;
    }
    Ok(dir)
}
