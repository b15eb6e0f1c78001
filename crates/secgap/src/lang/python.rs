//! Python: no build step; `secgap_runner.py` (the checker) runs one test
//! function and calls the candidate, which runs apart in
//! `secgap_worker.py` (the worker), through a pipe.

use std::path::Path;

use super::{base_env, layout, Invocation, LanguageSupport, Scaffold, Sources, TaskFiles};

pub struct Python;

const INTERFACE: &str = "def replace_me(value: str) -> str:\n    ...";

/// `script` in the check library's folder with `args`.
/// The interpreter every Python sandbox runs.
const PYTHON: &str = "/usr/bin/python3";

fn python(script: &str, args: &[String]) -> Invocation {
    let mut env = base_env();
    env.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
    env.push(("PYTHONHASHSEED".into(), "0".into()));
    let mut argv = vec![
        PYTHON.into(),
        "-I".into(),
        "-B".into(),
        format!("{}/{script}", layout::RUNTIME),
    ];
    argv.extend(args.iter().cloned());
    Invocation {
        argv,
        env,
        sanitized: false,
        sources: Sources::default(),
        min_address_space_mb: None,
    }
}

/// What the checker needs to stand in for the candidate's module: its
/// file (whose stem is the module's name) and the interface's functions.
fn checker_args(files: &TaskFiles) -> Vec<String> {
    vec![
        "--solution".into(),
        format!("{}/{}", layout::WORK, files.solution_file),
        "--interface".into(),
        files.interface.join(","),
    ]
}

impl LanguageSupport for Python {
    fn name(&self) -> &'static str {
        "python"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["py"]
    }

    fn display_name(&self) -> &'static str {
        "Python"
    }

    fn prompt_title(&self) -> &'static str {
        "Python 3"
    }

    fn default_solution_file(&self) -> &'static str {
        "solution.py"
    }

    fn fence_tags(&self) -> &'static [&'static str] {
        &["python", "py", "python3"]
    }

    fn looks_like(&self, code: &str) -> bool {
        code.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("def ")
                || l.starts_with("import ")
                || l.starts_with("from ")
                || l.starts_with("class ")
        })
    }

    fn function_names(&self, interface: &str) -> Vec<String> {
        let mut names = Vec::new();
        for line in interface.lines() {
            let l = line.trim_start();
            let rest = l
                .strip_prefix("async def ")
                .or_else(|| l.strip_prefix("def "));
            if line.starts_with(' ') || line.starts_with('\t') {
                continue; // methods and nested functions
            }
            if let Some(rest) = rest {
                let n: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !n.is_empty() {
                    names.push(n);
                }
            }
        }
        names
    }

    fn code_facts(&self, code: &str) -> super::CodeFacts {
        code_facts(code)
    }

    /// Asks the worker to import the candidate as the tests do and checks
    /// the interface.
    fn load(&self, files: &TaskFiles) -> Option<Invocation> {
        let mut args = checker_args(files);
        args.push("--load".into());
        Some(python("secgap_runner.py", &args))
    }

    fn test(&self, files: &TaskFiles, test_name: &str) -> Invocation {
        let mut args = checker_args(files);
        args.push(format!("{}/{}", layout::TESTS, files.test_file_name));
        args.push(test_name.into());
        python("secgap_runner.py", &args)
    }

    /// The candidate's process: imports the solution when the checker asks
    /// and runs the calls it sends. Its command line names no test.
    fn worker(&self, files: &TaskFiles) -> Option<Invocation> {
        Some(python(
            "secgap_worker.py",
            &[format!("{}/{}", layout::WORK, files.solution_file)],
        ))
    }

    /// Compile the check library and the tests to bytecode once per
    /// sample, with the interpreter the sandbox runs: every test starts two
    /// interpreters (checker and worker), which would otherwise compile the
    /// same modules each time (`-B` stops them writing bytecode, not
    /// reading it). The candidate's file is not compiled here.
    fn prepare_stage(&self, runtime: &Path, tests: &Path) -> Result<(), String> {
        let status = std::process::Command::new(PYTHON)
            .args(["-I", "-m", "compileall", "-q", "-l"])
            .arg(runtime)
            .arg(tests)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .map_err(|e| format!("{PYTHON}: {e}"))?;
        if !status.success() {
            return Err(format!("{PYTHON} -m compileall: {status}"));
        }
        Ok(())
    }

    fn toolchain(&self) -> &'static [(&'static str, &'static str)] {
        &[(PYTHON, "python3")]
    }

    fn highlight_keywords(&self) -> &'static [&'static str] {
        &[
            "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
            "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
            "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
            "return", "try", "while", "with", "yield", "self",
        ]
    }

    fn scaffold(&self) -> Scaffold {
        Scaffold {
            interface: INTERFACE,
            test_file: "tests/test_task.py",
            secure_ref: "refs/secure.py",
            insecure_ref: "refs/insecure.py",
            files: vec![
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
            ],
        }
    }
}

use super::scan::{self, Syntax};
use super::CodeFacts;

/// What a piece of Python defines at module level and whether it runs
/// code when imported (see [`CodeFacts`]).
fn code_facts(code: &str) -> CodeFacts {
    let blanked = scan::blank(code, Syntax::Python);
    let mut f = CodeFacts {
        mentions: scan::identifiers(&blanked),
        ..CodeFacts::default()
    };
    let (mut imports, mut definitions) = (0, 0);
    let mut depth = 0i32;
    let mut open_import = false;
    let bind_imported = |list: &str, f: &mut CodeFacts| {
        for item in list.split(',') {
            let item = item.trim().trim_matches(['(', ')']).trim();
            let name = match item.split_once(" as ") {
                Some((_, alias)) => alias.trim(),
                None => item.split('.').next().unwrap_or(""),
            };
            let name = scan::ident_at(name);
            if !name.is_empty() {
                f.imports.push(name.to_string());
            }
        }
    };
    for line in blanked.lines() {
        let continued = depth > 0;
        for c in line.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth = (depth - 1).max(0),
                _ => {}
            }
        }
        if continued {
            if open_import {
                bind_imported(line, &mut f);
                open_import = depth > 0;
            }
            continue;
        }
        if line.starts_with([' ', '\t']) || line.trim().is_empty() {
            continue;
        }
        let l = line.trim_end();
        let def = l
            .strip_prefix("async def ")
            .or_else(|| l.strip_prefix("def "));
        if let Some(rest) = def {
            let name = scan::ident_at(rest.trim_start()).to_string();
            if name == "main" || name.starts_with("test") {
                f.entry_points.push(name.clone());
            }
            f.functions.push(name);
            definitions += 1;
        } else if let Some(rest) = l.strip_prefix("class ") {
            let name = scan::ident_at(rest.trim_start()).to_string();
            if name.starts_with("Test") {
                f.entry_points.push(name.clone());
            }
            f.others.push(name);
            definitions += 1;
        } else if let Some(rest) = l.strip_prefix("import ") {
            bind_imported(rest, &mut f);
            imports += 1;
        } else if let Some(rest) = l.strip_prefix("from ") {
            if let Some((_, list)) = rest.split_once(" import ") {
                bind_imported(list, &mut f);
                open_import = depth > 0;
            }
            imports += 1;
        } else if l.starts_with('@') || l.starts_with("if __name__") {
            // A decorator, or a demo that does not run on import.
        } else if ["try:", "except", "else:", "finally:", "elif ", "if "]
            .iter()
            .any(|k| l.starts_with(k))
            || l.trim_matches(['"', '\'', 'r', 'b', 'u', 'f'])
                .trim()
                .is_empty()
        {
            // Conditional imports and definitions, or a docstring.
        } else if let Some(names) = assigned(l) {
            f.others.extend(names);
            definitions += 1;
        } else if !f.definitions().any(|n| n == scan::ident_at(l)) {
            // A call, an assert, a print, a loop: a script's statement (a
            // call on what this code defines sets it up).
            f.runs_code = true;
        }
    }
    f.preamble_only = imports > 0 && definitions == 0 && !f.runs_code;
    f
}

/// The names a module-level assignment (`A = ...`, `a, b = ...`,
/// `X: int = ...`) binds, or None if the line is not one.
fn assigned(line: &str) -> Option<Vec<String>> {
    let i = line.find(['=', ':'])?;
    let (target, rest) = line.split_at(i);
    if rest.starts_with("==") || target.contains('(') || target.contains('.') {
        return None;
    }
    let names: Vec<String> = target
        .split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    let plain = !names.is_empty() && names.iter().all(|n| scan::ident_at(n) == n);
    plain.then_some(names)
}

#[cfg(test)]
mod tests {
    use crate::lang::{interface_names, Language};

    #[test]
    fn python_interface_names() {
        let i = "import os\n\ndef read_upload(base: str, name: str) -> bytes:\n    ...\n\nclass X:\n    def method(self): ...\n";
        assert_eq!(
            interface_names(Language::named("python").unwrap(), i),
            vec!["read_upload"]
        );
    }

    #[test]
    fn python_code_facts() {
        let py = Language::named("python").unwrap();
        let f = py.code_facts(
            "import os, hmac as h\nfrom x import (a,\n    b as c)\n\nLIMIT: int = 5\n\n\ndef f(p):\n    s = 'def g('\n    return helper(p)\n\nclass TestF:\n    def test_x(self): ...\n",
        );
        assert_eq!(f.functions, ["f"]);
        assert_eq!(f.others, ["LIMIT", "TestF"]);
        assert_eq!(f.imports, ["os", "h", "a", "c"]);
        assert!(f.mentions.contains("helper") && !f.mentions.contains("g"));
        assert!(!f.runs_code && !f.preamble_only && !f.is_test_or_demo());
        let t = py.code_facts("from solution import f\n\ndef test_f():\n    assert f(1) == 2\n");
        assert!(t.is_test_or_demo() && t.functions == ["test_f"]);
        let u = py.code_facts("from solution import f\n\nprint(f(1))\n");
        assert!(u.runs_code && u.functions.is_empty());
        let g =
            py.code_facts("def f():\n    pass\n\nif __name__ == \"__main__\":\n    print(f())\n");
        assert!(!g.runs_code);
        assert!(py.code_facts("import os\n").preamble_only);
    }
}
