//! Go: the candidate is package `solution` of a throw-away module; the
//! test file (package main) and the check library `secgapcheck` are built
//! beside it with the standard library only, offline, into one binary
//! that runs one test per process.

use super::{
    base_env, layout, Invocation, LanguageSupport, Scaffold, Sources, TaskFiles, INTERFACE_MISSING,
};

pub struct Go;

pub const TEST_BINARY: &str = "test_bin";
/// The Go runtime reserves its page-allocator summaries up front: below
/// roughly 600 MiB of address space a Go program dies before `main`.
pub const MIN_ADDRESS_SPACE_MB: u64 = 1024;

/// The module the build assembles: `secgaptask/solution` is the candidate,
/// `secgaptask/secgapcheck` the check library, the root the tests.
pub const MODULE: &str = "secgaptask";

fn build(files: &TaskFiles) -> Invocation {
    let src = format!("{}/src", layout::BUILD);
    let names: Vec<&str> = files
        .interface
        .iter()
        .map(String::as_str)
        .filter(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .collect();
    let script = format!(
        r#"set -e
mkdir -p {src}/solution {src}/secgapcheck {b}/cache {b}/gopath {b}/tmp
cp {rt}/secgapcheck/*.go {src}/secgapcheck/
cp {tests}/*.go {src}/
# The candidate is package solution whatever it called itself.
if grep -q '^package ' {work}/{sol}; then
  sed 's/^package [A-Za-z_][A-Za-z0-9_]*/package solution/' {work}/{sol} > {src}/solution/solution.go
else
  {{ printf 'package solution\n\n'; cat {work}/{sol}; }} > {src}/solution/solution.go
fi
printf 'module {module}\n\ngo 1.19\n' > {src}/go.mod
# The interface, as the compiler checks it: a missing or misnamed function
# is an error in this file alone. A candidate's `func main` or `package
# main` is harmless: the package is renamed above, and main is then an
# ordinary unexported function nothing calls.
{{ printf 'package solution\n\n// Written by secgap: the functions of the task interface.\n'; for f in {names}; do printf 'var _ = %s\n' "$f"; done; }} > {src}/solution/secgap_interface.go
cd {src}
if ! /usr/bin/go build {race}-o {b}/{bin} . > {b}/build.log 2>&1; then
  cat {b}/build.log >&2
  if grep -q '^solution/secgap_interface\.go:' {b}/build.log && ! grep '^solution/' {b}/build.log | grep -qv '^solution/secgap_interface\.go:'; then
    echo "secgap: the candidate does not define these functions of the task's interface:{names_spaced}" >&2
    exit {missing_code}
  fi
  exit 1
fi
rm -rf {b}/cache {b}/gopath {b}/tmp {b}/build.log
"#,
        b = layout::BUILD,
        rt = layout::RUNTIME,
        tests = layout::TESTS,
        work = layout::WORK,
        sol = files.solution_file,
        module = MODULE,
        bin = TEST_BINARY,
        race = if files.race_detector { "-race " } else { "" },
        names = names.join(" "),
        names_spaced = names.iter().map(|n| format!(" {n}")).collect::<String>(),
        missing_code = INTERFACE_MISSING,
    );
    let mut env = base_env();
    for (k, v) in [
        ("GOCACHE", format!("{}/cache", layout::BUILD)),
        ("GOPATH", format!("{}/gopath", layout::BUILD)),
        ("GOTMPDIR", format!("{}/tmp", layout::BUILD)),
        ("GOFLAGS", "-mod=mod".into()),
        ("GOPROXY", "off".into()),
        ("GOSUMDB", "off".into()),
        ("GO111MODULE", "on".into()),
        // The race detector's runtime is linked through cgo.
        (
            "CGO_ENABLED",
            if files.race_detector { "1" } else { "0" }.into(),
        ),
        ("GOMAXPROCS", "2".into()),
    ] {
        env.push((k.into(), v));
    }
    Invocation {
        argv: vec!["/bin/sh".into(), "-c".into(), script],
        env,
        sanitized: false,
        sources: Sources::default(),
        min_address_space_mb: None,
    }
}

fn test(files: &TaskFiles, test_name: &str) -> Invocation {
    let mut env = base_env();
    env.push(("GOMAXPROCS".into(), "2".into()));
    env.push(("GOTRACEBACK".into(), "single".into()));
    if files.race_detector {
        // Race reports go to a file named from the sample's secret in the
        // sandbox's private /tmp; the check library reads it when the test
        // ends and relays it on the results channel, so nothing the
        // candidate prints on stderr is taken for a report. The process
        // carries on after a race so that the library gets to relay it; a
        // race found later still ends it with RACE_EXIT_CODE. The race
        // runtime maps terabytes of shadow memory, so RLIMIT_AS cannot
        // apply; the Go heap gets a soft limit instead.
        env.push((
            "GORACE".into(),
            format!(
                "log_path={} halt_on_error=0 exitcode={RACE_EXIT_CODE}",
                race_log_prefix(files)
            ),
        ));
        env.push(("GOMEMLIMIT".into(), "768MiB".into()));
    }
    Invocation {
        argv: vec![
            format!("{}/{}", layout::BUILD, TEST_BINARY),
            test_name.into(),
        ],
        env,
        sanitized: files.race_detector,
        sources: if files.race_detector {
            Sources {
                candidate: vec![format!("{}/src/solution/", layout::BUILD)],
                harness: vec![format!("{}/src/", layout::BUILD)],
            }
        } else {
            Sources::default()
        },
        min_address_space_mb: Some(MIN_ADDRESS_SPACE_MB),
    }
}

/// Where the race detector writes its reports (it appends `.PID`).
fn race_log_prefix(files: &TaskFiles) -> String {
    format!("/tmp/secgap-race-{}", files.secret)
}

/// Exit status of a test process stopped by the race detector.
pub const RACE_EXIT_CODE: i32 = 66;

const INTERFACE: &str = "package solution\n\n// ReplaceMe REPLACE: what it returns and its errors.\nfunc ReplaceMe(value string) (string, error)";

impl LanguageSupport for Go {
    fn name(&self) -> &'static str {
        "go"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["golang"]
    }

    fn display_name(&self) -> &'static str {
        "Go"
    }

    fn prompt_title(&self) -> &'static str {
        "Go 1.19 (package solution, no main function)"
    }

    fn default_solution_file(&self) -> &'static str {
        "solution.go"
    }

    fn fence_tags(&self) -> &'static [&'static str] {
        &["go", "golang"]
    }

    fn looks_like(&self, code: &str) -> bool {
        code.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("package ") || l.starts_with("func ") || l.starts_with("import (")
        })
    }

    fn function_names(&self, interface: &str) -> Vec<String> {
        let mut names = Vec::new();
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
        names
    }

    fn build(&self, files: &TaskFiles) -> Option<Invocation> {
        Some(build(files))
    }

    fn test(&self, files: &TaskFiles, test_name: &str) -> Invocation {
        test(files, test_name)
    }

    fn race_detector(&self) -> bool {
        true
    }

    fn toolchain(&self) -> &'static [(&'static str, &'static str)] {
        &[("/usr/bin/go", "golang-go")]
    }

    /// The list the report has always used for Go: before languages were
    /// plug-ins Go code fell back to the JavaScript list (which carries a
    /// few Go words); it stays so that reports do not change.
    fn highlight_keywords(&self) -> &'static [&'static str] {
        super::javascript::KEYWORDS
    }

    fn scaffold(&self) -> Scaffold {
        let reference = |which: &str| {
            format!(
                "package solution\n\n// ReplaceMe is {which} (REPLACE).\nfunc ReplaceMe(value string) (string, error) {{\n\tpanic(\"REPLACE: {which}\")\n}}\n"
            )
        };
        Scaffold {
            interface: INTERFACE,
            test_file: "tests/main.go",
            secure_ref: "refs/secure.go",
            insecure_ref: "refs/insecure.go",
            files: vec![
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
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lang::{interface_names, Language};

    #[test]
    fn go_interface_names() {
        let i = "package solution\n\n// ParseRange docs: func notMe()\nfunc ParseRange(s string) (int, int, error) {\n\treturn 0, 0, nil\n}\n\nfunc (r *Reader) Method() {}\nfunc Other() {}\n";
        assert_eq!(
            interface_names(Language::named("go").unwrap(), i),
            vec!["ParseRange", "Other"]
        );
    }
}
