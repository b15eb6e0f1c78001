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
# The candidate is package solution whatever it called itself. Only the
# first package line is its clause: later ones are inside raw strings.
if grep -q '^package ' {work}/{sol}; then
  sed '0,/^package /s/^package [A-Za-z_][A-Za-z0-9_]*/package solution/' {work}/{sol} > {src}/solution/solution.go
else
  {{ printf 'package solution\n\n'; cat {work}/{sol}; }} > {src}/solution/solution.go
fi
printf 'module {module}\n\ngo 1.19\n' > {src}/go.mod
# The interface, as the compiler checks it: a missing or misnamed function
# is an error in this file alone. A candidate's `func main` or `package
# main` is harmless: the package is renamed above, and main is then an
# ordinary unexported function nothing calls.
{{ printf 'package solution\n\n// Written by secgap: the functions of the task interface.\n'; for f in {names}; do printf 'var _ = %s\n' "$f"; done; }} > {src}/solution/secgap_interface.go
# The check library is initialized before the candidate's package (an
# import is initialized before its importer), so that it has taken the
# nonce and the test's name off fd 4 before any of the candidate's
# package-level code or init runs. The import is this file's alone: the
# candidate's file cannot name the package.
printf 'package solution\n\n// Written by secgap: initialize the check library first.\nimport _ "{module}/secgapcheck"\n' > {src}/solution/secgap_order.go
cd {src}
if ! /usr/bin/go build {race}-o {b}/{bin} . > {b}/build.log 2>&1; then
  cat {b}/build.log >&2
  if grep -q '^solution/secgap_interface\.go:' {b}/build.log && ! grep '^solution/' {b}/build.log | grep -qv '^solution/secgap_interface\.go:'; then
    echo "secgap: the candidate does not define these functions of the task's interface:{names_spaced}" >&2
    exit {missing_code}
  fi
  exit 1
fi
# The tests are compiled in: their sources stay out of the tests' reach.
rm -rf {b}/cache {b}/gopath {b}/tmp {b}/build.log {src}
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

/// The test's name comes after the nonce on fd 4 (see
/// [`LanguageSupport::test_name_on_channel`]), never in argv.
fn test(files: &TaskFiles) -> Invocation {
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
        argv: vec![format!("{}/{}", layout::BUILD, TEST_BINARY)],
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

    fn code_facts(&self, code: &str) -> super::CodeFacts {
        code_facts(code)
    }

    fn join_code(&self, parts: &[&str]) -> String {
        join_code(parts)
    }

    fn build(&self, files: &TaskFiles) -> Option<Invocation> {
        Some(build(files))
    }

    fn test(&self, files: &TaskFiles, _test_name: &str) -> Invocation {
        test(files)
    }

    fn test_name_on_channel(&self) -> bool {
        true
    }

    /// The tests are compiled into the test binary.
    fn tests_mounted_for_tests(&self) -> bool {
        false
    }

    /// Drops the withheld tests' entries from the map the test file hands
    /// to `secgapcheck.Main`; nothing then refers to their functions, and
    /// the linker leaves those out of the test binary with their literals.
    fn withhold_tests(&self, tests: &std::path::Path, withheld: &[String]) -> Result<(), String> {
        withhold_tests(tests, withheld)
    }

    /// Reads the candidate's source: see `tamper.rs` for what is rejected.
    fn tampering(&self, source: &str, _build: &std::path::Path) -> anyhow::Result<Option<String>> {
        Ok(super::tamper::go(source))
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

use super::scan::{self, Syntax};
use super::CodeFacts;

/// One top-level line of Go: the original text, its blanked text (no
/// comments or literals) and whether it is at depth 0.
struct GoLine<'a> {
    text: &'a str,
    blanked: &'a str,
    depth: i32,
    top: bool,
}

fn go_lines<'a>(code: &'a str, blanked: &'a str) -> Vec<GoLine<'a>> {
    code.split('\n')
        .zip(blanked.split('\n'))
        .zip(scan::depths(blanked))
        .map(|((text, blanked), depth)| GoLine {
            text,
            blanked,
            depth,
            top: depth == 0,
        })
        .collect()
}

/// A Go file's parts: its package clause (the first, outside literals
/// and comments), its import specs, and the rest.
struct GoParts {
    package: Option<String>,
    imports: Vec<String>,
    rest: String,
}

fn go_parts(code: &str) -> GoParts {
    let blanked = scan::blank(code, Syntax::Go);
    let mut parts = GoParts {
        package: None,
        imports: Vec::new(),
        rest: String::new(),
    };
    let mut rest = Vec::new();
    let mut in_block = false;
    for l in go_lines(code, &blanked) {
        let b = l.blanked.trim();
        if in_block {
            if b.starts_with(')') {
                in_block = false;
            } else if !b.is_empty() {
                parts.imports.push(l.text.trim().to_string());
            }
            continue;
        }
        if l.top && parts.package.is_none() && b.starts_with("package ") {
            parts.package = Some(l.text.trim().to_string());
            continue;
        }
        if l.top {
            let spec = b
                .strip_prefix("import")
                .filter(|r| r.starts_with([' ', '\t', '(', '"']));
            if let Some(spec) = spec {
                let spec = spec.trim();
                if spec.starts_with('(') {
                    in_block = !spec.contains(')');
                    let inner = l.text.trim()["import".len()..]
                        .trim()
                        .trim_start_matches('(');
                    let inner = inner.trim_end().trim_end_matches(')').trim();
                    parts.imports.extend(
                        inner
                            .split(';')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string),
                    );
                } else {
                    parts
                        .imports
                        .push(l.text.trim()["import".len()..].trim().to_string());
                }
                continue;
            }
        }
        rest.push(l.text);
    }
    parts.rest = rest.join("\n").trim_matches('\n').to_string();
    parts
}

/// The name an import spec binds: its alias, else the last element of
/// the path that is not a major version (`math/rand/v2` binds `rand`).
fn import_name(spec: &str) -> Option<String> {
    let (alias, path) = spec.split_once('"')?;
    let alias = alias.trim();
    if !alias.is_empty() {
        return (alias != "_" && alias != ".").then(|| alias.to_string());
    }
    let path = path.trim_end_matches('"');
    let mut segs = path.rsplit('/');
    let last = segs.next()?;
    let is_version =
        last.len() > 1 && last.starts_with('v') && last[1..].chars().all(|c| c.is_ascii_digit());
    let name = if is_version { segs.next()? } else { last };
    Some(name.replace(['-', '.'], "_"))
}

/// What a piece of Go defines at top level (see [`CodeFacts`]). Go runs
/// nothing at top level: `main`, `init`-less demos and `TestX`,
/// `BenchmarkX`, `ExampleX`, `FuzzX` functions are its tests and demos.
fn code_facts(code: &str) -> CodeFacts {
    let blanked = scan::blank(code, Syntax::Go);
    let mut f = CodeFacts {
        mentions: scan::identifiers(&blanked),
        ..CodeFacts::default()
    };
    let parts = go_parts(code);
    f.imports
        .extend(parts.imports.iter().filter_map(|s| import_name(s)));
    let mut group = false;
    let mut definitions = 0;
    for l in go_lines(code, &blanked) {
        let b = l.blanked.trim_end();
        if group {
            // Inside `var (`, `const (` or `type (`: one name per line.
            if l.depth == 1 && b.trim_start().starts_with(')') {
                group = false;
            } else if l.depth == 1 {
                let name = scan::ident_at(b.trim_start());
                if !name.is_empty() {
                    f.others.push(name.to_string());
                }
            }
            continue;
        }
        if !l.top {
            continue;
        }
        if let Some(rest) = b.strip_prefix("func ") {
            let rest = rest.trim_start();
            if let Some(recv) = rest.strip_prefix('(') {
                // A method: `func (r *T) Name(`.
                let after = recv.split_once(')').map_or("", |(_, a)| a).trim_start();
                let name = scan::ident_at(after);
                if !name.is_empty() {
                    f.others.push(name.to_string());
                }
            } else {
                let name = scan::ident_at(rest).to_string();
                let entry = name == "main"
                    || ["Test", "Benchmark", "Example", "Fuzz"].iter().any(|p| {
                        name.strip_prefix(p)
                            .is_some_and(|r| r.is_empty() || !r.starts_with(char::is_lowercase))
                    });
                if entry {
                    f.entry_points.push(name.clone());
                }
                f.functions.push(name);
            }
            definitions += 1;
        } else if let Some(rest) = ["var ", "const ", "type "]
            .iter()
            .find_map(|k| b.strip_prefix(k))
        {
            let rest = rest.trim_start();
            if rest.starts_with('(') {
                group = !rest.contains(')');
            } else {
                let name = scan::ident_at(rest);
                if !name.is_empty() {
                    f.others.push(name.to_string());
                }
            }
            definitions += 1;
        }
    }
    f.preamble_only = definitions == 0 && (parts.package.is_some() || !parts.imports.is_empty());
    f
}

/// Pieces of Go as one file: one package clause first (the first piece's,
/// else `package solution`), then every import once, then the rest of each
/// piece. A single piece with a package clause is left as it is; one
/// without gets `package solution` in front, so that no later step can
/// take a line of a raw string for its package clause.
fn join_code(parts: &[&str]) -> String {
    let split: Vec<GoParts> = parts.iter().map(|p| go_parts(p)).collect();
    if let [only] = parts {
        if split[0].package.is_some() {
            return only.to_string();
        }
        return format!("package solution\n\n{}", only.trim_start_matches('\n'));
    }
    let package = split
        .iter()
        .find_map(|p| p.package.clone())
        .unwrap_or_else(|| "package solution".to_string());
    let mut imports: Vec<&str> = Vec::new();
    for spec in split.iter().flat_map(|p| &p.imports) {
        if !imports.contains(&spec.as_str()) {
            imports.push(spec);
        }
    }
    let mut out = package;
    out.push_str("\n\n");
    if !imports.is_empty() {
        for spec in &imports {
            out.push_str("import ");
            out.push_str(spec);
            out.push('\n');
        }
        out.push('\n');
    }
    let rests: Vec<&str> = split
        .iter()
        .map(|p| p.rest.as_str())
        .filter(|r| !r.trim().is_empty())
        .collect();
    out.push_str(&rests.join("\n\n"));
    out
}

/// The opening of the tests' table in a test file: `c.Main(map[string]func(){`
/// (the check library imported under any name).
const MAIN_TABLE: &str = ".Main(map[string]func(){";

/// See [`Go::withhold_tests`]. Every `*.go` file of the tests' folder that
/// calls `Main` with a table written one entry per line (`"name": fn,`, as
/// the scaffold and every built-in task write it) loses the lines of the
/// withheld tests. A table in any other shape is an error and nothing is
/// written, so the caller keeps the tests as they were.
fn withhold_tests(tests: &std::path::Path, withheld: &[String]) -> Result<(), String> {
    let rd = std::fs::read_dir(tests).map_err(|e| format!("read {}: {e}", tests.display()))?;
    let mut rewritten = Vec::new();
    for e in rd.flatten() {
        let path = e.path();
        if path.extension().is_none_or(|x| x != "go") {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
        if let Some(new) =
            without_entries(&text, withheld).map_err(|e| format!("{}: {e}", path.display()))?
        {
            rewritten.push((path, new));
        }
    }
    for (path, text) in rewritten {
        std::fs::write(&path, text).map_err(|e| format!("write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// `text` without the table entries of `withheld` (None: no table here).
fn without_entries(text: &str, withheld: &[String]) -> Result<Option<String>, String> {
    let Some(open) = text.find(MAIN_TABLE) else {
        return Ok(None);
    };
    let body_start = open + MAIN_TABLE.len();
    if !text[body_start..].starts_with('\n') {
        return Err("the tests' table does not start its entries on a new line".into());
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..body_start]);
    let mut rest = &text[body_start..];
    let mut closed = false;
    while let Some(nl) = rest.find('\n') {
        out.push('\n');
        rest = &rest[nl + 1..];
        let line_end = rest.find('\n').unwrap_or(rest.len());
        let line = &rest[..line_end];
        let t = line.trim();
        if t.starts_with('}') {
            closed = true;
            break;
        }
        if !(t.is_empty() || t.starts_with("//")) {
            let name = table_key(t).ok_or_else(|| {
                format!("a line of the tests' table is not `\"name\": function,`: {t}")
            })?;
            if withheld.iter().any(|w| w == name) {
                // Drop the line and its newline.
                rest = &rest[line_end..];
                out.pop();
                continue;
            }
        }
        out.push_str(line);
        rest = &rest[line_end..];
    }
    if !closed {
        return Err("the tests' table has no closing brace".into());
    }
    out.push_str(rest);
    Ok(Some(out))
}

/// The test name of one table line `"name": function,`, if it is one.
fn table_key(line: &str) -> Option<&str> {
    let rest = line.strip_prefix('"')?;
    let (name, rest) = rest.split_once('"')?;
    let value = rest.trim_start().strip_prefix(':')?.trim();
    let value = value.strip_suffix(',')?.trim_end();
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (ident(name) && value.split('.').all(ident)).then_some(name)
}

#[cfg(test)]
mod tests {
    use crate::lang::{interface_names, Language};

    #[test]
    fn withheld_entries_leave_the_tests_table_and_nothing_else_changes() {
        let text = "package main\n\nfunc a() {}\n\nfunc main() {\n\tc.Main(map[string]func(){\n\t\t\"shown\":  a,\n\t\t// a comment\n\t\t\"held\":   held,\n\t\t\"probe\":  pkg.Probe,\n\t})\n}\n";
        let out = super::without_entries(text, &["held".into(), "probe".into()])
            .unwrap()
            .unwrap();
        assert_eq!(
            out,
            "package main\n\nfunc a() {}\n\nfunc main() {\n\tc.Main(map[string]func(){\n\t\t\"shown\":  a,\n\t\t// a comment\n\t})\n}\n"
        );
        assert_eq!(super::without_entries(text, &[]).unwrap().unwrap(), text);
        assert_eq!(
            super::without_entries("package x\n", &["a".into()]).unwrap(),
            None
        );
        let inline = "c.Main(map[string]func(){\n\t\"a\": func() { x() },\n})\n";
        assert!(super::without_entries(inline, &["a".into()]).is_err());
        let open = "c.Main(map[string]func(){\n\t\"a\": a,\n";
        assert!(super::without_entries(open, &["a".into()]).is_err());
    }

    #[test]
    fn every_builtin_go_test_table_can_be_rewritten() {
        let tasks =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin/tasks");
        let mut seen = 0;
        for e in std::fs::read_dir(tasks).unwrap().flatten() {
            let main = e.path().join("tests/main.go");
            let Ok(text) = std::fs::read_to_string(&main) else {
                continue;
            };
            let out = super::without_entries(&text, &["no_such_test".into()])
                .unwrap_or_else(|err| panic!("{}: {err}", main.display()));
            assert_eq!(out.as_deref(), Some(text.as_str()), "{}", main.display());
            seen += 1;
        }
        assert!(seen >= 10, "{seen} Go tasks");
    }

    #[test]
    fn go_interface_names() {
        let i = "package solution\n\n// ParseRange docs: func notMe()\nfunc ParseRange(s string) (int, int, error) {\n\treturn 0, 0, nil\n}\n\nfunc (r *Reader) Method() {}\nfunc Other() {}\n";
        assert_eq!(
            interface_names(Language::named("go").unwrap(), i),
            vec!["ParseRange", "Other"]
        );
    }

    #[test]
    fn go_code_facts() {
        let go = Language::named("go").unwrap();
        let f = go.code_facts(
            "package solution\n\nimport (\n\t\"crypto/rand\"\n\tmr \"math/rand/v2\"\n)\n\nconst tmpl = `\npackage other\nfunc Fake() {}\n`\n\nvar (\n\tlimit = 3\n\tcount int\n)\n\ntype Box struct{ n int }\n\nfunc (b *Box) Size() int { return helper(b.n) }\n\nfunc Token() string { return \"\" }\n",
        );
        assert_eq!(f.functions, ["Token"]);
        assert_eq!(f.others, ["tmpl", "limit", "count", "Box", "Size"]);
        assert_eq!(f.imports, ["rand", "mr"]);
        assert!(f.mentions.contains("helper") && !f.mentions.contains("Fake"));
        assert!(!f.is_test_or_demo());
        let t = go.code_facts(
            "package solution\n\nimport \"testing\"\n\nfunc TestToken(t *testing.T) { Token() }\n",
        );
        assert!(t.is_test_or_demo());
        assert!(
            go.code_facts("package main\n\nimport \"fmt\"\n")
                .preamble_only
        );
    }

    #[test]
    fn go_join_keeps_one_package_clause_and_hoists_imports() {
        let go = Language::named("go").unwrap();
        let raw = "import \"strings\"\n\nconst t = `\npackage x\n`\n";
        assert_eq!(go.join_code(&[raw]), format!("package solution\n\n{raw}"));
        let with = "// Doc.\npackage main\n\nconst t = `\npackage x\n`\n";
        assert_eq!(go.join_code(&[with]), with);
        let a = "package main\n\nimport \"fmt\"\n\nfunc a() { fmt.Println() }\n";
        let b = "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc b() { fmt.Println(os.Args) }\n";
        assert_eq!(
            go.join_code(&[a, b]),
            "package main\n\nimport \"fmt\"\nimport \"os\"\n\nfunc a() { fmt.Println() }\n\nfunc b() { fmt.Println(os.Args) }"
        );
    }
}
