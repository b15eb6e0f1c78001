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
}

/// A command to run inside the sandbox.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The process is built with sanitizers, which need a large address
    /// space: limit resident memory through the sanitizer instead of RLIMIT_AS.
    pub sanitized: bool,
}

/// What a build or test invocation needs to know about a task.
#[derive(Debug, Clone)]
pub struct TaskFiles<'a> {
    pub solution_file: &'a str,
    pub test_file_name: &'a str,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Python, Language::C];

    pub fn name(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::C => "c",
        }
    }

    pub fn runtime_dir_name(self) -> &'static str {
        self.name()
    }

    pub fn default_solution_file(self) -> &'static str {
        match self {
            Language::Python => python::SOLUTION_FILE,
            Language::C => c::SOLUTION_FILE,
        }
    }

    /// Info strings of fenced code blocks that hold code in this language.
    pub fn fence_tags(self) -> &'static [&'static str] {
        match self {
            Language::Python => python::FENCE_TAGS,
            Language::C => c::FENCE_TAGS,
        }
    }

    /// Build step, run once per sample before the tests (None: nothing to build).
    pub fn build(self, files: &TaskFiles) -> Option<Invocation> {
        match self {
            Language::Python => None,
            Language::C => Some(c::build(files)),
        }
    }

    /// Command line that runs one test and reports on the results channel.
    pub fn test(self, files: &TaskFiles, test_name: &str) -> Invocation {
        match self {
            Language::Python => python::test(files, test_name),
            Language::C => c::test(test_name),
        }
    }

    /// Host programs this language needs, with the Debian package that has each.
    pub fn toolchain(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Language::Python => python::TOOLCHAIN,
            Language::C => c::TOOLCHAIN,
        }
    }

    /// A cheap guess whether `code` is written in this language.
    pub fn looks_like(self, code: &str) -> bool {
        match self {
            Language::Python => python::looks_like(code),
            Language::C => c::looks_like(code),
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
            other => Err(format!("unknown language `{other}` (known: python, c)")),
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
