//! C: compiled with AddressSanitizer and UBSan beside the check library;
//! the test binary runs one test per process.

use std::path::Path;

use anyhow::Context as _;

use super::{
    base_env, layout, HostCheck, Invocation, LanguageSupport, Scaffold, Sources, TaskFiles,
    INTERFACE_MISSING,
};

pub struct C;

pub const TEST_BINARY: &str = "test_bin";

/// The environment variable that tells the check library where the
/// sanitizers write their reports (see `secgap_check.c`).
pub const SANITIZER_LOG_ENV: &str = "SECGAP_SANITIZER_LOG";

/// What the candidate's `main`, if any, is renamed to.
pub const RENAMED_MAIN: &str = "secgap_candidate_main";

const CFLAGS: &[&str] = &[
    "-std=gnu11",
    "-g",
    "-O1",
    "-fno-omit-frame-pointer",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-w",
];

fn sanitizer_log_prefix(files: &TaskFiles) -> String {
    format!("/tmp/secgap-sanitizer-{}", files.secret)
}

/// Flags of the compile that is inspected for tampering: the sanitized
/// compile's dialect and optimisation, without the instrumentation (whose
/// own references to the sanitizer runtime and constructors would hide
/// the candidate's).
const PLAIN_CFLAGS: &[&str] = &["-std=gnu11", "-O1", "-w"];

/// Where the build leaves what [`C::tampering`] reads, under the build
/// folder; removed once read, so that no test sees it.
pub const INSPECT_DIR: &str = "inspect";

/// The build script; see [`C::build`]. Every name in it comes from the
/// suite (file names) or is a C identifier (the interface).
fn build_script(files: &TaskFiles) -> String {
    let flags = format!(
        "{} -I{} -I{}",
        CFLAGS.join(" "),
        layout::TESTS,
        layout::RUNTIME
    );
    let object = format!("{}/candidate.o", layout::BUILD);
    let names: Vec<&str> = files
        .interface
        .iter()
        .map(String::as_str)
        .filter(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .collect();
    format!(
        r#"gcc() {{ /usr/bin/gcc {flags} "$@"; }}
i={build}/{inspect}
mkdir -p $i || exit 1
printf '%s\n' {names} > $i/interface || exit 1
# Preprocessed once, so that the compile that is linked and the one that
# is inspected see the very same translation unit (the sanitizers' macros
# included).
gcc -E -o $i/candidate.i {work}/{sol} || exit 1
gcc -c -o {object} $i/candidate.i || exit 1
/usr/bin/gcc {plain} -c -o $i/candidate.o $i/candidate.i || exit 1
/usr/bin/nm -P $i/candidate.o > $i/candidate.nm || exit 1
/usr/bin/readelf -SW $i/candidate.o > $i/candidate.sections || exit 1
/usr/bin/objdump -d --no-show-raw-insn $i/candidate.o > $i/candidate.dis || exit 1
/usr/bin/objcopy --redefine-sym main={renamed} {object} || exit 1
defined=$(/usr/bin/nm --defined-only -g {object}) || exit 1
missing=""
for f in {names}; do
  printf '%s
' "$defined" | grep -Eq " [TW] $f\$" || missing="$missing $f"
done
if [ -n "$missing" ]; then
  echo "secgap: the candidate does not define these functions of the task's interface (with external linkage):$missing" >&2
  exit {missing_code}
fi
gcc -c -o {build}/check.o {rt}/secgap_check.c || exit 1
gcc{select} -c -o {build}/tests.o {tests}/{test} || exit 1
# What the check library and the tests call: the candidate must not define it.
{{ /usr/bin/nm -P -u {build}/check.o && /usr/bin/nm -P -u {build}/tests.o; }} > $i/harness.nm || exit 1
# The check library comes first so its .preinit_array entry runs first.
gcc -o {build}/{bin} {build}/check.o {build}/tests.o {object} -lm -ldl || exit 1
rm -f {build}/check.o {build}/tests.o {object}
"#,
        build = layout::BUILD,
        inspect = INSPECT_DIR,
        work = layout::WORK,
        sol = files.solution_file,
        plain = PLAIN_CFLAGS.join(" "),
        renamed = RENAMED_MAIN,
        names = names.join(" "),
        missing_code = INTERFACE_MISSING,
        bin = TEST_BINARY,
        rt = layout::RUNTIME,
        tests = layout::TESTS,
        test = files.test_file_name,
        select = selection_flags(files),
    )
}

/// For a run that does not start every test: the flags that make `TEST`
/// (in `secgap_check.h`) compile each withheld test as a static function
/// nothing calls, which the compiler drops with the code and literals only
/// it uses, so that the program holds only the tests the run starts.
/// Empty for a run of every test.
fn selection_flags(files: &TaskFiles) -> String {
    files
        .withheld
        .iter()
        .filter(|n| n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .map(|n| format!(" -DSECGAP_WITHHOLD_{n}=1"))
        .collect()
}

const INTERFACE: &str = "#include <stddef.h>\n\n/* REPLACE: what it returns. */\nint replace_me(const char *value, size_t len);";

impl LanguageSupport for C {
    fn name(&self) -> &'static str {
        "c"
    }

    fn display_name(&self) -> &'static str {
        "C"
    }

    fn prompt_title(&self) -> &'static str {
        "C (C11 with POSIX)"
    }

    fn default_solution_file(&self) -> &'static str {
        "solution.c"
    }

    fn fence_tags(&self) -> &'static [&'static str] {
        &["c", "h"]
    }

    fn looks_like(&self, code: &str) -> bool {
        code.contains("#include")
            || (code.contains('{') && code.contains(';') && code.contains('('))
    }

    fn function_names(&self, interface: &str) -> Vec<String> {
        let mut names = Vec::new();
        let code = strip_comments(interface);
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
        names
    }

    fn code_facts(&self, code: &str) -> super::CodeFacts {
        code_facts(code)
    }

    /// Two steps in one shell script: the candidate's translation unit is
    /// compiled alone, its `main` (a demo or self-test the model wrote, in
    /// any form: `int main(void)`, `static int main`, `main` behind a
    /// macro) renamed at the symbol level so that it never collides with
    /// the check library's and is never called, and its symbols checked
    /// for the interface; then the test binary is linked.
    fn build(&self, files: &TaskFiles) -> Option<Invocation> {
        Some(Invocation {
            argv: vec!["/bin/sh".into(), "-c".into(), build_script(files)],
            env: base_env(),
            sanitized: false,
            sources: Sources::default(),
            min_address_space_mb: None,
        })
    }

    fn test(&self, files: &TaskFiles, _test_name: &str) -> Invocation {
        let mut env = base_env();
        env.push((
            "ASAN_OPTIONS".into(),
            "detect_leaks=0:abort_on_error=0:exitcode=86:allocator_may_return_null=1:hard_rss_limit_mb=768:malloc_limit_mb=768:handle_abort=1:symbolize=1".into(),
        ));
        env.push((
            "UBSAN_OPTIONS".into(),
            "halt_on_error=1:print_stacktrace=1:exitcode=87".into(),
        ));
        // The check library sends the sanitizers' reports to files named
        // from this prefix (in the sandbox's private /tmp) and relays them
        // on the results channel; what the candidate prints is never read.
        env.push((SANITIZER_LOG_ENV.into(), sanitizer_log_prefix(files)));
        // The test's name comes after the nonce on fd 4 (see
        // `test_name_on_channel`), never in argv.
        Invocation {
            argv: vec![format!("{}/{}", layout::BUILD, TEST_BINARY)],
            env,
            sanitized: true,
            sources: Sources {
                candidate: vec![format!("{}/", layout::WORK)],
                harness: vec![
                    format!("{}/", layout::RUNTIME),
                    format!("{}/", layout::TESTS),
                ],
            },
            min_address_space_mb: None,
        }
    }

    fn test_name_on_channel(&self) -> bool {
        true
    }

    /// The tests are compiled into the test binary.
    fn tests_mounted_for_tests(&self) -> bool {
        false
    }

    /// Reads what the build left in [`INSPECT_DIR`] (the candidate's
    /// symbols, sections and code compiled without instrumentation, its
    /// preprocessed text, what the harness calls) and removes it, so that
    /// no test can read it; see `tamper.rs` for what is rejected.
    fn tampering(&self, source: &str, build: &Path) -> anyhow::Result<Option<String>> {
        let dir = build.join(INSPECT_DIR);
        let inspected = super::tamper::CBuild::read(&dir)?;
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("remove the build's inspection folder {}", dir.display()))?;
        Ok(super::tamper::c(source, &inspected))
    }

    fn toolchain(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("/usr/bin/gcc", "gcc"),
            ("/usr/bin/readelf", "binutils"),
            ("/usr/bin/objdump", "binutils"),
            ("/usr/bin/ld", "binutils"),
            ("/usr/bin/objcopy", "binutils"),
            ("/usr/bin/nm", "binutils"),
            ("/bin/sh", "dash"),
        ]
    }

    /// AddressSanitizer needs its runtime library, which a bare gcc lacks.
    fn host_checks(&self) -> Vec<HostCheck> {
        if !Path::new("/usr/bin/gcc").is_file() {
            return Vec::new();
        }
        // A fresh folder of its own (removed on drop), so that concurrent
        // doctors never share one.
        let dir = tempfile::Builder::new().prefix("secgap-doctor-").tempdir();
        let ok = dir.is_ok_and(|dir| {
            std::fs::write(dir.path().join("a.c"), "int main(void){return 0;}\n").is_ok()
                && std::process::Command::new("/usr/bin/gcc")
                    .args(["-fsanitize=address,undefined", "a.c", "-o", "a"])
                    .current_dir(dir.path())
                    .output()
                    .map(|o| o.status.success())
                    .unwrap_or(false)
        });
        vec![HostCheck {
            name: "c: sanitizers".into(),
            ok,
            detail: "gcc -fsanitize=address,undefined".into(),
            fix: "apt-get install gcc libasan8 libubsan1".into(),
        }]
    }

    fn highlight_keywords(&self) -> &'static [&'static str] {
        &[
            "auto", "break", "case", "char", "const", "continue", "default", "do", "double",
            "else", "enum", "extern", "float", "for", "goto", "if", "int", "long", "register",
            "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
            "union", "unsigned", "void", "volatile", "while", "bool", "true", "false", "NULL",
            "size_t", "uint8_t", "uint32_t", "int64_t", "uint64_t", "include", "define",
        ]
    }

    fn scaffold(&self) -> Scaffold {
        let reference = |which: &str| {
            format!(
                "#include <stdlib.h>\n#include <stddef.h>\n\n\
                 /* REPLACE: {which}. */\n\
                 int replace_me(const char *value, size_t len) {{\n    \
                 (void)value;\n    (void)len;\n    abort();\n}}\n"
            )
        };
        Scaffold {
            interface: INTERFACE,
            test_file: "tests/test_task.c",
            secure_ref: "refs/secure.c",
            insecure_ref: "refs/insecure.c",
            files: vec![
                ("tests/task.h", format!("{INTERFACE}\n")),
                (
                    "tests/test_task.c",
                    "#include \"secgap_check.h\"\n#include \"task.h\"\n\n\
                     TEST(replace_functional) {\n    \
                     CHECK_MSG(0, \"REPLACE: write the functional tests\");\n}\n\n\
                     TEST(replace_attack) {\n    \
                     CHECK_MSG(0, \"REPLACE: write the security tests\");\n}\n"
                        .to_string(),
                ),
                ("refs/secure.c", reference("the secure reference")),
                ("refs/insecure.c", reference("an insecure reference")),
            ],
        }
    }
}

fn strip_comments(s: &str) -> String {
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

use super::scan::{self, Syntax};
use super::CodeFacts;

/// What a piece of C defines at file scope (see [`CodeFacts`]). C runs
/// nothing at file scope, so only a `main` or `test_*` functions make a
/// piece a demo or a test.
fn code_facts(code: &str) -> CodeFacts {
    let blanked = scan::blank(code, Syntax::C);
    let mut f = CodeFacts {
        mentions: scan::identifiers(&blanked),
        ..CodeFacts::default()
    };
    let mut includes = 0;
    let mut body = String::with_capacity(blanked.len());
    for line in blanked.lines() {
        let l = line.trim_start();
        if let Some(d) = l.strip_prefix('#') {
            let d = d.trim_start();
            if d.starts_with("include") {
                includes += 1;
            } else if let Some(rest) = d.strip_prefix("define") {
                let name = scan::ident_at(rest.trim_start());
                if !name.is_empty() {
                    f.others.push(name.to_string());
                }
            }
            body.push('\n');
            continue;
        }
        body.push_str(line);
        body.push('\n');
    }
    // File-scope chunks: text between `;` or a closing `}` at depth 0.
    let mut depth = 0i32;
    let mut chunk = String::new();
    let mut kind = Chunk::Open;
    for c in body.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    kind = classify(&chunk);
                    if let Chunk::Function(name) | Chunk::Type(name) = &kind {
                        let list = if matches!(kind, Chunk::Function(_)) {
                            &mut f.functions
                        } else {
                            &mut f.others
                        };
                        list.push(name.clone());
                    }
                    chunk.push('{');
                }
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    if matches!(kind, Chunk::Function(_)) {
                        chunk.clear();
                        kind = Chunk::Open;
                    } else {
                        chunk.push('}');
                    }
                }
            }
            ';' if depth == 0 => {
                if let Some(name) = declared(&chunk, &kind) {
                    f.others.push(name);
                }
                chunk.clear();
                kind = Chunk::Open;
            }
            _ if depth == 0 => chunk.push(c),
            _ => {}
        }
    }
    f.entry_points = f
        .functions
        .iter()
        .filter(|n| *n == "main" || n.starts_with("test_"))
        .cloned()
        .collect();
    // Bare includes (and macros): nothing else outside the preprocessor.
    f.preamble_only = includes > 0 && body.trim().is_empty();
    f
}

/// What a file-scope chunk ending at `{` is.
enum Chunk {
    Open,
    Function(String),
    /// A struct, union or enum definition (its tag), or an initializer.
    Type(String),
    Other,
}

fn classify(chunk: &str) -> Chunk {
    let t = chunk.trim();
    let first = scan::ident_at(t);
    if first != "typedef" && (t.ends_with(')') || t.ends_with("const")) {
        if let Some(i) = t.find('(') {
            let before = t[..i].trim_end();
            let name: String = before
                .chars()
                .rev()
                .take_while(|&c| scan::ident_char(c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
                return Chunk::Function(name);
            }
        }
    }
    if ["struct", "union", "enum", "typedef"].contains(&first) {
        let after = t[first.len()..].trim_start();
        let after = after
            .strip_prefix("struct")
            .or_else(|| after.strip_prefix("union"))
            .or_else(|| after.strip_prefix("enum"))
            .unwrap_or(after)
            .trim_start();
        let tag = scan::ident_at(after);
        return if tag.is_empty() {
            Chunk::Other
        } else {
            Chunk::Type(tag.to_string())
        };
    }
    Chunk::Other
}

/// The name a file-scope declaration ending at `;` defines: a typedef's
/// name, a variable's; None for prototypes and bare struct declarations.
fn declared(chunk: &str, kind: &Chunk) -> Option<String> {
    let t = chunk.trim();
    let typedef = t.starts_with("typedef");
    if t.is_empty() || (!typedef && matches!(kind, Chunk::Type(_)) && !t.contains('=')) {
        // `struct s { ... };` already recorded its tag; a variable after
        // the closing brace is named by the text after it.
        let tail = t.rsplit('}').next().unwrap_or("").trim();
        return (!tail.is_empty()).then(|| scan::ident_at(tail).to_string());
    }
    let decl = t.split('=').next().unwrap_or(t);
    if !typedef && decl.contains('(') && !decl.contains("(*") {
        return None; // a prototype
    }
    let decl = decl.split('[').next().unwrap_or(decl);
    let decl = decl.rsplit('}').next().unwrap_or(decl);
    let name: String = decl
        .trim_end_matches(|c: char| c == ')' || c.is_whitespace())
        .chars()
        .rev()
        .take_while(|&c| scan::ident_char(c))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!name.is_empty() && scan::ident_at(&name) == name).then_some(name)
}

#[cfg(test)]
mod tests {
    use crate::lang::{interface_names, Language};

    #[test]
    fn c_interface_names() {
        let i = "#include <stddef.h>\n/* f(x) in a comment */\ntypedef int (*cb)(int);\nint format_greeting(char *out, size_t n, const char *u);\nstruct rec *parse_rec(const unsigned char *b,\n  size_t len); // trailing ( comment\n";
        assert_eq!(
            interface_names(Language::named("c").unwrap(), i),
            vec!["format_greeting", "parse_rec"]
        );
    }

    #[test]
    fn c_code_facts() {
        let c = Language::named("c").unwrap();
        let f = c.code_facts(
            "#include <string.h>\n#define MAX 4\nstruct pt { int x; };\ntypedef struct { int y; } box;\nstatic const char *names[] = { \"a\", \"b\" };\nlong decode(const char *s);\n/* int fake(void) { } */\nstatic int hexval(char c)\n{\n    return c == '{' ? 1 : helper(c);\n}\nstruct pt *mk(void) { return 0; }\nint main(void) { return decode(\"x\"); }\n",
        );
        assert_eq!(f.functions, ["hexval", "mk", "main"]);
        assert_eq!(f.others, ["MAX", "pt", "box", "names"]);
        assert_eq!(f.entry_points, ["main"]);
        assert!(f.mentions.contains("helper") && !f.mentions.contains("fake"));
        assert!(!f.is_test_or_demo());
        assert!(c
            .code_facts("#include <stdio.h>\nint main(void) { return f(1); }")
            .is_test_or_demo());
        assert!(
            c.code_facts("#include <stdio.h>\n#include <string.h>\n")
                .preamble_only
        );
    }

    #[test]
    fn c_build_renames_the_candidates_main_and_checks_the_interface() {
        let c = Language::named("c").unwrap();
        let names = vec!["format_greeting".to_string(), "bad name;".to_string()];
        let files = crate::lang::TaskFiles {
            solution_file: "solution.c",
            test_file_name: "test_task.c",
            race_detector: false,
            interface: &names,
            secret: "s3cr3t",
            withheld: &[],
        };
        let script = c.build(&files).unwrap().argv.join(" ");
        assert!(script.contains("--redefine-sym main=secgap_candidate_main /build/candidate.o"));
        assert!(script.contains("for f in format_greeting; do"), "{script}");
        assert!(
            !script.contains("bad name"),
            "only identifiers reach the shell"
        );
        let test = c.test(&files, "t");
        assert!(test.env.contains(&(
            super::SANITIZER_LOG_ENV.into(),
            "/tmp/secgap-sanitizer-s3cr3t".into()
        )));
        assert_eq!(test.sources.candidate, vec!["/work/"]);
        assert!(!script.contains("SECGAP_WITHHOLD"), "{script}");

        let held = vec![
            "dotdot_escape".to_string(),
            "odd".to_string(),
            "x; rm -rf /".to_string(),
        ];
        let files = crate::lang::TaskFiles {
            withheld: &held,
            ..files
        };
        let script = c.build(&files).unwrap().argv.join(" ");
        assert!(
            script.contains(
                "gcc -DSECGAP_WITHHOLD_dotdot_escape=1 -DSECGAP_WITHHOLD_odd=1 -c -o /build/tests.o"
            ),
            "{script}"
        );
        assert!(
            !script.contains("rm -rf"),
            "only identifiers reach the shell"
        );
    }
}
