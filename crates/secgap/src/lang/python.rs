//! Python: no build step; `secgap_runner.py` runs one test function.

use super::{base_env, layout, Invocation, LanguageSupport, Scaffold, Sources, TaskFiles};

pub struct Python;

const INTERFACE: &str = "def replace_me(value: str) -> str:\n    ...";

/// The runner with `args` (see `secgap_runner.py`).
fn python(_files: &TaskFiles, args: &[String]) -> Invocation {
    let mut env = base_env();
    env.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
    env.push(("PYTHONHASHSEED".into(), "0".into()));
    let mut argv = vec![
        "/usr/bin/python3".into(),
        "-I".into(),
        "-B".into(),
        format!("{}/secgap_runner.py", layout::RUNTIME),
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

    /// Imports the candidate as the tests do and checks the interface.
    fn load(&self, files: &TaskFiles) -> Option<Invocation> {
        Some(python(
            files,
            &[
                "--load".into(),
                format!("{}/{}", layout::WORK, files.solution_file),
                files.interface.join(","),
            ],
        ))
    }

    fn test(&self, files: &TaskFiles, test_name: &str) -> Invocation {
        python(
            files,
            &[
                format!("{}/{}", layout::TESTS, files.test_file_name),
                test_name.into(),
            ],
        )
    }

    fn toolchain(&self) -> &'static [(&'static str, &'static str)] {
        &[("/usr/bin/python3", "python3")]
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
}
