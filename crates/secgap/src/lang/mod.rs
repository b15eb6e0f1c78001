//! Languages: how a task's candidate code is built and how one test runs.
//!
//! Each language is one module here plus its check library under the
//! suite's `runtime/<language>/` folder. The execution stage asks a
//! language for a build command (if any) and for the command line of one
//! test; it never needs to know more about the language than that.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

mod c;
mod go;
mod javascript;
mod python;

/// Where the execution stage mounts things inside the sandbox.
pub mod layout {
    /// The language's check library (read-only).
    pub const RUNTIME: &str = "/runtime";
    /// The task's test folder (read-only).
    pub const TESTS: &str = "/tests";
    /// Build output (writable during the build, read-only during tests).
    pub const BUILD: &str = "/build";
    /// The private, writable workspace; the candidate's file sits here read-only.
    pub const WORK: &str = "/work";
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    C,
    JavaScript,
    Go,
}

/// A command to run inside the sandbox.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The process is built with sanitizers (ASan/UBSan, or Go's race
    /// detector), which need a large address space: no RLIMIT_AS, memory is
    /// bounded through the sanitizer, and stderr is searched for reports.
    pub sanitized: bool,
    /// The runtime reserves this much address space up front (V8): the
    /// address-space limit is raised to at least this.
    pub min_address_space_mb: Option<u64>,
}

/// What a build or test invocation needs to know about a task.
#[derive(Debug, Clone)]
pub struct TaskFiles<'a> {
    pub solution_file: &'a str,
    pub test_file_name: &'a str,
    /// Build with the race detector (Go only; other languages ignore it).
    pub race_detector: bool,
}

impl Language {
    pub const ALL: [Language; 4] = [
        Language::Python,
        Language::C,
        Language::JavaScript,
        Language::Go,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::C => "c",
            Language::JavaScript => "javascript",
            Language::Go => "go",
        }
    }

    pub fn runtime_dir_name(self) -> &'static str {
        self.name()
    }

    pub fn default_solution_file(self) -> &'static str {
        match self {
            Language::Python => python::SOLUTION_FILE,
            Language::C => c::SOLUTION_FILE,
            Language::JavaScript => javascript::SOLUTION_FILE,
            Language::Go => go::SOLUTION_FILE,
        }
    }

    /// Info strings of fenced code blocks that hold code in this language.
    pub fn fence_tags(self) -> &'static [&'static str] {
        match self {
            Language::Python => python::FENCE_TAGS,
            Language::C => c::FENCE_TAGS,
            Language::JavaScript => javascript::FENCE_TAGS,
            Language::Go => go::FENCE_TAGS,
        }
    }

    /// Build step, run once per sample before the tests (None: nothing to build).
    pub fn build(self, files: &TaskFiles) -> Option<Invocation> {
        match self {
            Language::Python => None,
            Language::C => Some(c::build(files)),
            Language::JavaScript => None,
            Language::Go => Some(go::build(files)),
        }
    }

    /// Command line that runs one test and reports on the results channel.
    pub fn test(self, files: &TaskFiles, test_name: &str) -> Invocation {
        match self {
            Language::Python => python::test(files, test_name),
            Language::C => c::test(test_name),
            Language::JavaScript => javascript::test(files, test_name),
            Language::Go => go::test(files, test_name),
        }
    }

    /// Host programs this language needs, with the Debian package that has each.
    pub fn toolchain(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Language::Python => python::TOOLCHAIN,
            Language::C => c::TOOLCHAIN,
            Language::JavaScript => javascript::TOOLCHAIN,
            Language::Go => go::TOOLCHAIN,
        }
    }

    /// A cheap guess whether `code` is written in this language.
    pub fn looks_like(self, code: &str) -> bool {
        match self {
            Language::Python => python::looks_like(code),
            Language::C => c::looks_like(code),
            Language::JavaScript => javascript::looks_like(code),
            Language::Go => go::looks_like(code),
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Language {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "python" | "py" => Ok(Language::Python),
            "c" => Ok(Language::C),
            "javascript" | "js" | "node" => Ok(Language::JavaScript),
            "go" | "golang" => Ok(Language::Go),
            other => Err(format!(
                "unknown language `{other}` (known: python, c, javascript, go)"
            )),
        }
    }
}

pub(crate) fn base_env() -> Vec<(String, String)> {
    [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", layout::WORK),
        ("TMPDIR", "/tmp"),
        ("LANG", "C.UTF-8"),
        ("LC_ALL", "C.UTF-8"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Names of the functions a task's interface declares (what the candidate must define).
pub fn interface_names(lang: Language, interface: &str) -> Vec<String> {
    let mut names = Vec::new();
    match lang {
        Language::Python => {
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
        }
        Language::C => {
            let code = strip_c_comments(interface);
            let code: String = code
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n");
            for stmt in code.split([';', '{', '}']) {
                let s = stmt.trim();
                if s.starts_with("typedef") || s.starts_with("struct") && !s.contains('(') {
                    continue;
                }
                if let Some(i) = s.find('(') {
                    let before = s[..i].trim_end();
                    let n: String = before
                        .chars()
                        .rev()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    if !n.is_empty() && !n.chars().next().unwrap().is_ascii_digit() {
                        names.push(n);
                    }
                }
            }
        }
        Language::JavaScript => {
            for line in interface.lines() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    continue; // methods and nested functions
                }
                let l = line.trim_start_matches("export ");
                let rest = l
                    .strip_prefix("async function ")
                    .or_else(|| l.strip_prefix("function "))
                    .map(|r| r.trim_start_matches('*').trim_start());
                if let Some(rest) = rest {
                    let n: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                        .collect();
                    if !n.is_empty() {
                        names.push(n);
                    }
                }
            }
        }
        Language::Go => {
            for line in interface.lines() {
                // Top-level functions only: methods have a receiver.
                if let Some(rest) = line.strip_prefix("func ") {
                    let n: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !n.is_empty() {
                        names.push(n);
                    }
                }
            }
        }
    }
    names.dedup();
    names
}

fn strip_c_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_interface_names() {
        let i = "import os\n\ndef read_upload(base: str, name: str) -> bytes:\n    ...\n\nclass X:\n    def method(self): ...\n";
        assert_eq!(interface_names(Language::Python, i), vec!["read_upload"]);
    }

    #[test]
    fn javascript_interface_names() {
        let i = "'use strict';\n/** Docs: function notMe(x) */\nfunction renderComment(author, text) {\n  function inner() {}\n}\nasync function fetchIt(u) {}\nmodule.exports = { renderComment, fetchIt };\n";
        assert_eq!(
            interface_names(Language::JavaScript, i),
            vec!["renderComment", "fetchIt"]
        );
    }

    #[test]
    fn go_interface_names() {
        let i = "package solution\n\n// ParseRange docs: func notMe()\nfunc ParseRange(s string) (int, int, error) {\n\treturn 0, 0, nil\n}\n\nfunc (r *Reader) Method() {}\nfunc Other() {}\n";
        assert_eq!(
            interface_names(Language::Go, i),
            vec!["ParseRange", "Other"]
        );
    }

    #[test]
    fn language_names_round_trip() {
        for l in Language::ALL {
            assert_eq!(l.name().parse::<Language>().unwrap(), l);
            let json = serde_json::to_string(&l).unwrap();
            assert_eq!(json, format!("\"{}\"", l.name()));
        }
        assert_eq!("js".parse::<Language>().unwrap(), Language::JavaScript);
    }

    #[test]
    fn c_interface_names() {
        let i = "#include <stddef.h>\n/* f(x) in a comment */\ntypedef int (*cb)(int);\nint format_greeting(char *out, size_t n, const char *u);\nstruct rec *parse_rec(const unsigned char *b,\n  size_t len); // trailing ( comment\n";
        assert_eq!(
            interface_names(Language::C, i),
            vec!["format_greeting", "parse_rec"]
        );
    }
}
