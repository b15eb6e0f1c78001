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
    match lang {
        Language::Python => {
            let interface = "def replace_me(value: str) -> str:\n    ...";
            vec![
                (
                    "task.toml",
                    toml(
                        "tests/test_task.py",
                        "refs/secure.py",
                        "refs/insecure.py",
                        interface,
                    ),
                ),
                (
                    "tests/test_task.py",
                    "from secgap_check import check\n\nfrom solution import replace_me\n\n\n\
                     def replace_functional():\n    \
                     check(False, \"REPLACE: write the functional tests\")\n\n\n\
                     def replace_attack():\n    \
                     check(False, \"REPLACE: write the security tests\")\n"
                        .to_string(),
                ),
                (
                    "refs/secure.py",
                    "def replace_me(value: str) -> str:\n    \
                     raise NotImplementedError(\"REPLACE: the secure reference\")\n"
                        .to_string(),
                ),
                (
                    "refs/insecure.py",
                    "def replace_me(value: str) -> str:\n    \
                     raise NotImplementedError(\"REPLACE: an insecure reference\")\n"
                        .to_string(),
                ),
            ]
        }
        Language::C => {
            let interface = "#include <stddef.h>\n\n/* REPLACE: what it returns. */\nint replace_me(const char *value, size_t len);";
            vec![
                (
                    "task.toml",
                    toml(
                        "tests/test_task.c",
                        "refs/secure.c",
                        "refs/insecure.c",
                        interface,
                    ),
                ),
                ("tests/task.h", format!("{interface}\n")),
                (
                    "tests/test_task.c",
                    "#include \"secgap_check.h\"\n#include \"task.h\"\n\n\
                     TEST(replace_functional) {\n    \
                     CHECK_MSG(0, \"REPLACE: write the functional tests\");\n}\n\n\
                     TEST(replace_attack) {\n    \
                     CHECK_MSG(0, \"REPLACE: write the security tests\");\n}\n"
                        .to_string(),
                ),
                (
                    "refs/secure.c",
                    "#include <stdlib.h>\n#include <stddef.h>\n\n\
                     /* REPLACE: the secure reference. */\n\
                     int replace_me(const char *value, size_t len) {\n    \
                     (void)value;\n    (void)len;\n    abort();\n}\n"
                        .to_string(),
                ),
                (
                    "refs/insecure.c",
                    "#include <stdlib.h>\n#include <stddef.h>\n\n\
                     /* REPLACE: an insecure reference. */\n\
                     int replace_me(const char *value, size_t len) {\n    \
                     (void)value;\n    (void)len;\n    abort();\n}\n"
                        .to_string(),
                ),
            ]
        }
        Language::JavaScript => {
            let interface = "// REPLACE: what it returns and what it throws.\nfunction replaceMe(value) { ... }\nmodule.exports = { replaceMe };";
            let reference = |which: &str| {
                format!(
                    "'use strict';\n\n// REPLACE: {which}.\nfunction replaceMe(value) {{\n  throw new Error('REPLACE: {which}');\n}}\n\nmodule.exports = {{ replaceMe }};\n"
                )
            };
            vec![
                (
                    "task.toml",
                    toml(
                        "tests/test_task.js",
                        "refs/secure.js",
                        "refs/insecure.js",
                        interface,
                    ),
                ),
                (
                    "tests/test_task.js",
                    "'use strict';\nconst { check } = require('secgap_check');\n\
                     const { replaceMe } = require('solution');\n\n\
                     module.exports = {\n  \
                     replace_functional() {\n    \
                     check(false, 'REPLACE: write the functional tests');\n  },\n  \
                     replace_attack() {\n    \
                     check(false, 'REPLACE: write the security tests');\n  },\n};\n"
                        .to_string(),
                ),
                ("refs/secure.js", reference("the secure reference")),
                ("refs/insecure.js", reference("an insecure reference")),
            ]
        }
        Language::Go => {
            let interface = "package solution\n\n// ReplaceMe REPLACE: what it returns and its errors.\nfunc ReplaceMe(value string) (string, error)";
            let reference = |which: &str| {
                format!(
                    "package solution\n\n// ReplaceMe is {which} (REPLACE).\nfunc ReplaceMe(value string) (string, error) {{\n\tpanic(\"REPLACE: {which}\")\n}}\n"
                )
            };
            vec![
                (
                    "task.toml",
                    toml(
                        "tests/main.go",
                        "refs/secure.go",
                        "refs/insecure.go",
                        interface,
                    ),
                ),
                (
                    "tests/main.go",
                    "package main\n\nimport (\n\tc \"secgaptask/secgapcheck\"\n\
                     \t\"secgaptask/solution\"\n)\n\n\
                     func replace_functional() {\n\
                     \t_, _ = solution.ReplaceMe(\"\")\n\
                     \tc.Check(false, \"REPLACE: write the functional tests\")\n}\n\n\
                     func replace_attack() {\n\
                     \tc.Check(false, \"REPLACE: write the security tests\")\n}\n\n\
                     func main() {\n\
                     \tc.Main(map[string]func(){\n\
                     \t\t\"replace_functional\": replace_functional,\n\
                     \t\t\"replace_attack\":     replace_attack,\n\
                     \t})\n}\n"
                        .to_string(),
                ),
                ("refs/secure.go", reference("the secure reference")),
                ("refs/insecure.go", reference("an insecure reference")),
            ]
        }
    }
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
