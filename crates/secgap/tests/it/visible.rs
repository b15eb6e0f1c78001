//! Visible runs, for the strategy that shows the subject its test results:
//! with the real sandbox and toolchains, a visible run starts only the
//! visible functional tests (held-back and security tests never start),
//! and what the subject is shown (`feedback_text`) names the visible tests
//! and their messages and nothing the harness keeps to itself.
//!
//! The sandbox runs cover one task per language, the four built-in tasks
//! that hold a functional test back; every built-in task is covered by
//! feedback on executions made up to carry everything that must not leak.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use secgap::execute::{
    self, feedback_text, BuildResult, ExecOptions, Execution, Step, TestOutcome, TestSelection,
    Verdict,
};
use secgap::model::Cause;
use secgap::suite::{self, Suite, Task, TestKind};

use crate::support::{copy_tree, describe};

/// The built-in tasks that hold back one functional test, one per language.
const HELD_BACK: [(&str, &str); 4] = [
    ("py-inflate-body", "size_limit_is_inclusive"),
    ("js-json-body", "multibyte_characters_split_across_chunks"),
    ("c-hex-decode", "odd_digit_count"),
    ("go-upload-limit", "body_at_limit_is_accepted"),
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn builtin() -> Suite {
    suite::load(&manifest_dir().join("../../suites/builtin")).unwrap_or_else(|e| panic!("{e}"))
}

fn opts(suite: &Suite, task: &Task) -> ExecOptions {
    ExecOptions {
        runtime_dir: suite.runtime_dir(task.language),
        build_timeout: Duration::from_secs(180),
    }
}

fn visible_run(suite: &Suite, task: &Task, code: &str) -> Execution {
    execute::execute_visible(task, code, &opts(suite, task))
        .unwrap_or_else(|e| panic!("execute_visible {}: {e:#}", task.id))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn names(ex: &Execution) -> Vec<&str> {
    ex.verdicts.iter().map(|v| v.test.as_str()).collect()
}

fn visible_names(task: &Task) -> Vec<&str> {
    task.visible_tests().map(|t| t.name.as_str()).collect()
}

/// Whether `text` holds `word` as a whole identifier (a visible test named
/// `size_limit_ok` does not hold a hidden `size_limit`).
fn has_identifier(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// What feedback on `task` must never hold: the name of a test that is
/// not visible, a security test's attack text, a CWE id, or the word
/// "security".
fn assert_withholds(task: &Task, feedback: &str) {
    for t in task.tests.iter().filter(|t| !t.visible) {
        assert!(
            !has_identifier(feedback, &t.name),
            "{}: feedback names the {:?} test `{}` that is not visible:\n{feedback}",
            task.id,
            t.kind,
            t.name
        );
        if let Some(a) = &t.attack {
            assert!(
                !feedback.contains(a.trim()),
                "{}: feedback quotes the attack of `{}`:\n{feedback}",
                task.id,
                t.name
            );
        }
    }
    let lower = feedback.to_lowercase();
    assert!(
        !lower.contains("cwe"),
        "{}: feedback mentions a CWE:\n{feedback}",
        task.id
    );
    assert!(
        !lower.contains("security"),
        "{}: feedback says `security`:\n{feedback}",
        task.id
    );
}

#[test]
fn secure_references_pass_every_visible_test_and_nothing_else_runs() {
    let _sandboxes = crate::support::shared_sandboxes();
    let suite = builtin();
    for (id, held) in HELD_BACK {
        let task = suite.task(id).unwrap();
        let ex = visible_run(&suite, task, &read(&task.secure_ref));
        let case = format!("{id}, secure reference:\n{}", describe(&ex));
        assert!(ex.build.as_ref().is_none_or(|b| b.ok), "{case}");
        assert_eq!(names(&ex), visible_names(task), "{case}");
        assert!(!names(&ex).contains(&held), "{case}");
        assert!(
            ex.verdicts
                .iter()
                .all(|v| v.kind == TestKind::Functional && v.outcome == TestOutcome::Pass),
            "{case}"
        );
        let feedback = feedback_text(task, &ex);
        let n = ex.verdicts.len();
        assert!(n >= 3, "{case}");
        assert!(
            feedback.ends_with(&format!("{n} of {n} visible tests passed.\n")),
            "{id}:\n{feedback}"
        );
        for v in &ex.verdicts {
            assert!(
                feedback.contains(&format!("test {}: passed\n", v.test)),
                "{id}:\n{feedback}"
            );
        }
        assert_withholds(task, &feedback);
    }
}

/// One task per language, every insecure reference (all 64 tasks took
/// four and a half minutes on two cores; every task's feedback is checked
/// on made-up executions below).
#[test]
fn insecure_references_visible_feedback_withholds_the_hidden_tests() {
    let _sandboxes = crate::support::shared_sandboxes();
    let suite = builtin();
    for (id, _) in HELD_BACK {
        let task = suite.task(id).unwrap();
        for r in &task.insecure_refs {
            let ex = visible_run(&suite, task, &read(&r.file));
            let case = format!("{id}, {}:\n{}", r.file.display(), describe(&ex));
            // An insecure reference is functional: every visible test
            // passes, and no security test ran to catch it.
            assert_eq!(names(&ex), visible_names(task), "{case}");
            assert!(
                ex.verdicts.iter().all(|v| v.outcome == TestOutcome::Pass),
                "{case}"
            );
            assert!(ex.secure(), "vacuously: nothing of security ran. {case}");
            assert_withholds(task, &feedback_text(task, &ex));
        }
    }
}

/// A copy of the escape fixture suite with a Python task whose held-back
/// and security tests sleep far past the task's time limit: had either
/// been started, the run would have waited for the sandbox to kill it.
fn sleepy_suite() -> (tempfile::TempDir, Suite) {
    let dir = tempfile::Builder::new()
        .prefix("secgap-visible-")
        .tempdir()
        .unwrap();
    copy_tree(
        &manifest_dir().join("tests/fixtures/escape-suite"),
        dir.path(),
    );
    copy_tree(
        &manifest_dir().join("../../suites/builtin/runtime"),
        &dir.path().join("runtime"),
    );
    let task = dir.path().join("tasks/py-add");
    let manifest = read(&task.join("task.toml"))
        .replace("timeout_secs = 2", "timeout_secs = 4")
        .replace(
            "[[tests]]\nname = \"adds_large_numbers\"\nkind = \"functional\"\n",
            "[[tests]]\nname = \"adds_large_numbers\"\nkind = \"functional\"\n\n\
             [[tests]]\nname = \"sleeps_held_back\"\nkind = \"functional\"\nvisible = false\n\n\
             [[tests]]\nname = \"sleeps_probing\"\nkind = \"security\"\ncwe = 20\n\
             attack = \"waits a minute\"\n",
        );
    assert!(manifest.contains("sleeps_probing"), "the fixture changed");
    std::fs::write(task.join("task.toml"), manifest).unwrap();
    let tests = task.join("tests/test_task.py");
    let mut text = read(&tests);
    text.push_str(
        "\n\ndef sleeps_held_back():\n    import time\n    time.sleep(60)\n\n\
         def sleeps_probing():\n    import time\n    time.sleep(60)\n",
    );
    std::fs::write(&tests, text).unwrap();
    let suite = suite::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, suite)
}

#[test]
fn held_back_and_security_tests_are_never_started() {
    let _sandboxes = crate::support::shared_sandboxes();
    let (_dir, suite) = sleepy_suite();
    let task = suite.task("py-add").unwrap();
    let code = read(&task.secure_ref);
    let o = opts(&suite, task);

    let started = Instant::now();
    let visible = execute::execute_visible(task, &code, &o).unwrap();
    let took = started.elapsed();
    let case = describe(&visible);
    assert_eq!(
        names(&visible),
        ["adds_small_numbers", "adds_large_numbers"],
        "{case}"
    );
    assert!(
        visible
            .verdicts
            .iter()
            .all(|v| v.outcome == TestOutcome::Pass),
        "{case}"
    );
    // Either sleeper alone would have held the run for the 4 s limit.
    assert!(
        took < Duration::from_secs(4),
        "the visible run took {took:?}: a sleeping test was started\n{case}"
    );

    // The sleepers are real: a full run starts them, and each is killed
    // at the limit. `execute` and `TestSelection::All` are one thing.
    let all = execute::execute_selected(task, &code, &o, TestSelection::All).unwrap();
    let case = describe(&all);
    assert_eq!(
        names(&all),
        [
            "adds_small_numbers",
            "adds_large_numbers",
            "sleeps_held_back",
            "sleeps_probing",
            "rejects_non_integers"
        ],
        "{case}"
    );
    for v in all
        .verdicts
        .iter()
        .filter(|v| v.test.starts_with("sleeps_"))
    {
        assert_eq!(v.outcome, TestOutcome::Fail, "{case}");
        assert!(v.duration_ms >= 3_900, "{case}");
    }
}

#[test]
fn a_failing_visible_test_is_named_with_its_message() {
    let _sandboxes = crate::support::shared_sandboxes();
    let suite = builtin();
    let task = suite.task("py-inflate-body").unwrap();
    let secure = read(&task.secure_ref);
    // Right everywhere but on an empty payload, where it answers b"?".
    let code = secure.replace(
        "    return bytes(out)\n",
        "    return bytes(out) or b\"?\"\n",
    );
    assert_ne!(code, secure, "the reference changed");
    let ex = visible_run(&suite, task, &code);
    let case = describe(&ex);
    let failed: Vec<&str> = ex
        .verdicts
        .iter()
        .filter(|v| v.outcome != TestOutcome::Pass)
        .map(|v| v.test.as_str())
        .collect();
    assert_eq!(failed, ["empty_payload"], "{case}");
    let feedback = feedback_text(task, &ex);
    let line = feedback
        .lines()
        .find(|l| l.starts_with("test empty_payload: failed: "))
        .unwrap_or_else(|| panic!("no line for the failing test:\n{feedback}"));
    assert!(line.contains("gzip of an empty payload"), "{feedback}");
    let n = ex.verdicts.len();
    assert!(
        feedback.ends_with(&format!("{} of {n} visible tests passed.\n", n - 1)),
        "{feedback}"
    );
    assert_withholds(task, &feedback);
}

#[test]
fn a_build_failure_shows_the_candidates_lines_but_not_the_tests() {
    let _sandboxes = crate::support::shared_sandboxes();
    let suite = builtin();

    // C: a syntax error in the candidate's own file.
    let task = suite.task("c-hex-decode").unwrap();
    let code = format!(
        "{}\nint broken(void) {{ return 1 }}\n",
        read(&task.secure_ref)
    );
    let ex = visible_run(&suite, task, &code);
    let case = describe(&ex);
    assert_eq!(
        ex.build.as_ref().and_then(|b| b.failed),
        Some(Step::Build),
        "{case}"
    );
    assert_eq!(
        names(&ex),
        visible_names(task),
        "not run, visible only: {case}"
    );
    assert!(ex.verdicts.iter().all(|v| v.outcome == TestOutcome::NotRun));
    let feedback = feedback_text(task, &ex);
    assert!(
        feedback.starts_with("Your code did not build, so no test ran.\n"),
        "{feedback}"
    );
    assert!(
        feedback.contains("solution.c") && feedback.contains("return 1 }"),
        "the compiler's complaint about the candidate's line is shown:\n{feedback}"
    );
    assert!(!feedback.contains("/tests/"), "{feedback}");
    assert_withholds(task, &feedback);

    // Go: a signature that differs from the interface, which the compiler
    // reports where the tests call it, quoting the tests' code.
    let task = suite.task("go-upload-limit").unwrap();
    let code = read(&task.secure_ref)
        .replace("limit int64) ([]byte", "limit int) ([]byte")
        .replace(
            "io.LimitReader(r, limit+1)",
            "io.LimitReader(r, int64(limit)+1)",
        )
        .replace("int64(len(data)) > limit", "len(data) > limit");
    let ex = visible_run(&suite, task, &code);
    let log = ex.build.as_ref().map(|b| b.log.clone()).unwrap_or_default();
    assert!(
        log.contains("main.go:"),
        "the raw log points into the tests:\n{}",
        describe(&ex)
    );
    let feedback = feedback_text(task, &ex);
    assert!(
        feedback.starts_with("Your code did not build, so no test ran.\n"),
        "{feedback}"
    );
    assert!(!feedback.contains("main.go"), "{feedback}");
    assert!(
        feedback.contains("log lines about the test program's own files are not shown"),
        "{feedback}"
    );
    assert_withholds(task, &feedback);
}

/// Everything that must not leak, planted in a made-up execution of
/// `task`: every test has a verdict (as if a full run were passed by
/// mistake), the visible ones fail with messages naming the hidden tests,
/// quoting the attacks and citing CWE ids.
fn poisoned(task: &Task) -> (Execution, String) {
    let hidden: Vec<&str> = task
        .tests
        .iter()
        .filter(|t| !t.visible)
        .map(|t| t.name.as_str())
        .collect();
    let attacks: Vec<&str> = task
        .tests
        .iter()
        .filter_map(|t| t.attack.as_deref())
        .collect();
    let poison = format!(
        "expected 3, got 4 (see {}; {}; CWE-{})",
        hidden.join(", "),
        attacks.join("; "),
        task.cwes[0].0
    );
    let verdicts = task
        .tests
        .iter()
        .map(|t| Verdict {
            test: t.name.clone(),
            kind: t.kind,
            cwe: t.cwe,
            outcome: if t.visible {
                TestOutcome::Fail
            } else {
                TestOutcome::Pass
            },
            message: if t.visible {
                poison.clone()
            } else {
                format!("{} probes {:?}", t.name, t.attack)
            },
            evidence: None,
            duration_ms: 1,
            cause: Cause::Reported,
        })
        .collect();
    (
        Execution {
            build: None,
            verdicts,
        },
        poison,
    )
}

#[test]
fn feedback_on_every_builtin_task_withholds_what_is_not_visible() {
    let suite = builtin();
    let function_tasks = suite.tasks.iter().filter(|t| t.web.is_none()).count();
    assert_eq!(function_tasks, 64, "the built-in suite changed size");
    assert!(
        suite.tasks.len() > function_tasks,
        "web tasks are covered too"
    );
    for task in &suite.tasks {
        let (ex, _) = poisoned(task);
        let feedback = feedback_text(task, &ex);
        assert_withholds(task, &feedback);
        let visible = visible_names(task);
        for name in &visible {
            assert!(
                feedback.contains(&format!("test {name}: failed: expected 3, got 4 (see ")),
                "{}: visible test `{name}` and its message are shown:\n{feedback}",
                task.id
            );
        }
        assert!(
            feedback.ends_with(&format!("0 of {} visible tests passed.\n", visible.len())),
            "{}:\n{feedback}",
            task.id
        );

        // A build failure whose log quotes the tests, then the candidate.
        let mut log = String::new();
        for t in &task.tests {
            log.push_str(&format!(
                "/tests/{}:12:5: error: in `{}`: {}\n    12 |     {}();\n",
                task.test_file_name,
                t.name,
                t.attack.as_deref().unwrap_or(""),
                t.name
            ));
            log.push_str(&format!(
                "./main.go:40:7: cannot use {} in argument\n\thave {}\n",
                t.name,
                t.attack.as_deref().unwrap_or("")
            ));
        }
        log.push_str(&format!(
            "/work/{}:3:1: error: expected ';' before '}}'\n",
            task.solution_file
        ));
        let ex = Execution {
            build: Some(BuildResult {
                ok: false,
                log,
                duration_ms: 1,
                failed: Some(Step::Build),
                tampering: None,
            }),
            verdicts: Vec::new(),
        };
        let feedback = feedback_text(task, &ex);
        assert_withholds(task, &feedback);
        assert!(
            feedback.contains(&format!("/work/{}:3:1: error", task.solution_file)),
            "{}:\n{feedback}",
            task.id
        );
        // Function tasks compile the tests with the candidate; a web app's
        // build sees only the app, whose every line is the candidate's.
        if task.web.is_none() {
            let dropped = task.tests.len() * 4;
            assert!(
                feedback.contains(&format!("[{dropped} log lines about the test program")),
                "{}:\n{feedback}",
                task.id
            );
        }
    }
}

#[test]
fn long_logs_and_messages_are_truncated_and_say_so() {
    let suite = builtin();
    let task = suite.task("py-inflate-body").unwrap();
    let first = visible_names(task)[0].to_string();
    let ex = Execution {
        build: None,
        verdicts: vec![Verdict {
            test: first.clone(),
            kind: TestKind::Functional,
            cwe: None,
            outcome: TestOutcome::Fail,
            message: "é".repeat(2000),
            evidence: None,
            duration_ms: 1,
            cause: Cause::Reported,
        }],
    };
    let feedback = feedback_text(task, &ex);
    let line = feedback.lines().next().unwrap();
    assert!(
        line.starts_with(&format!("test {first}: failed: ")),
        "{line}"
    );
    assert!(
        line.ends_with(" [message truncated: 2976 more bytes not shown]"),
        "{line}"
    );
    assert_eq!(
        line.matches('é').count(),
        512,
        "1 KiB of two-byte characters"
    );
    assert!(
        feedback.ends_with("0 of 1 visible test passed.\n"),
        "{feedback}"
    );

    let log = format!("/work/solution.py:1: {}\n", "x".repeat(10_000));
    let ex = Execution {
        build: Some(BuildResult {
            ok: false,
            log,
            duration_ms: 1,
            failed: Some(Step::Load),
            tampering: None,
        }),
        verdicts: Vec::new(),
    };
    let feedback = feedback_text(task, &ex);
    assert!(
        feedback.starts_with("Your code could not be loaded"),
        "{feedback}"
    );
    assert!(
        feedback.contains("[log truncated: 5925 more bytes not shown]"),
        "{feedback}"
    );
    assert!(
        feedback.len() < execute::BUILD_LOG_LIMIT + 400,
        "{}",
        feedback.len()
    );
}

/// Each byte of `text` plus one: how a candidate below carries the text
/// it looks for without holding it (its own literal would be found).
fn shifted(text: &str) -> String {
    text.bytes().map(|b| (b + 1) as char).collect()
}

/// The escape fixture with a held-back test added to `c-add` and to
/// `go-add`, each carrying [`MARKER`] in its body; go-add's table is
/// rewritten one entry per line, with named functions.
fn marked_suite() -> (tempfile::TempDir, Suite) {
    let dir = tempfile::Builder::new()
        .prefix("secgap-visible-")
        .tempdir()
        .unwrap();
    copy_tree(
        &manifest_dir().join("tests/fixtures/escape-suite"),
        dir.path(),
    );
    copy_tree(
        &manifest_dir().join("../../suites/builtin/runtime"),
        &dir.path().join("runtime"),
    );
    let held = "[[tests]]\nname = \"held_back_marked\"\nkind = \"functional\"\nvisible = false\n\n";
    for id in ["c-add", "go-add"] {
        let path = dir.path().join("tasks").join(id).join("task.toml");
        let text = read(&path).replace(
            "[[tests]]\nname = \"rejects_overflow\"",
            &format!("{held}[[tests]]\nname = \"rejects_overflow\""),
        );
        assert!(
            text.contains("held_back_marked"),
            "{id}: the fixture changed"
        );
        std::fs::write(&path, text).unwrap();
    }
    let c_tests = dir.path().join("tasks/c-add/tests/test_task.c");
    let mut text = read(&c_tests);
    text.push_str(&format!(
        "\nTEST(held_back_marked) {{\n    int r = 0;\n    CHECK_MSG(add_checked(1, 1, &r) == 0 && r == 2, \"{MARKER}\");\n}}\n"
    ));
    std::fs::write(&c_tests, text).unwrap();
    let go_tests = format!(
        r#"package main

import (
	c "secgaptask/secgapcheck"
	"secgaptask/solution"
)

func sum(a, b int32) int32 {{
	s, err := solution.Add(a, b)
	c.NoError(err, "Add")
	return s
}}

func addsSmallNumbers() {{
	c.Eq(sum(2, 3), int32(5), "Add(2, 3)")
}}

func addsLargeNumbers() {{
	c.Eq(sum(1<<30, 1), int32(1<<30+1), "Add(1<<30, 1)")
}}

func heldBackMarked() {{
	c.Eq(sum(1, 1), int32(2), "{MARKER}")
}}

func rejectsOverflow() {{
	_, err := solution.Add(1<<31-1, 1)
	c.IsError(err, "{GO_PROBE}")
}}

func main() {{
	c.Main(map[string]func(){{
		"adds_small_numbers": addsSmallNumbers,
		"adds_large_numbers": addsLargeNumbers,
		"held_back_marked":   heldBackMarked,
		"rejects_overflow":   rejectsOverflow,
	}})
}}
"#
    );
    std::fs::write(dir.path().join("tasks/go-add/tests/main.go"), go_tests).unwrap();
    let suite = suite::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    (dir, suite)
}

/// In the held-back test's body only.
const MARKER: &str = "zq-withheld-marker-81";
/// The message of go-add's security test, in its body only.
const GO_PROBE: &str = "Add(MaxInt32, 1) must be refused";
/// What C's `CHECK_EQ_INT` prints of c-add's security test, in its body only.
const C_PROBE: &str = "add_checked(INT_MAX, 1, &r)";

/// A C candidate that adds right unless its own test program holds one
/// of `texts`, in which case every sum is off by one.
fn c_prober(texts: &[&str]) -> String {
    let wanted: Vec<String> = texts
        .iter()
        .map(|t| format!("\"{}\"", shifted(t)))
        .collect();
    format!(
        r#"#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int holds(const char *shifted) {{
    char want[128];
    volatile int one = 1;
    size_t n = strlen(shifted);
    for (size_t i = 0; i < n; i++) want[i] = (char)(shifted[i] - one);
    FILE *f = fopen("/proc/self/exe", "rb");
    if (!f) f = fopen("/build/test_bin", "rb");
    if (!f) return 0;
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {{
        len += got;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }}
    fclose(f);
    int found = memmem(buf, len, want, n) != NULL;
    free(buf);
    return found;
}}

int add_checked(int a, int b, int *out) {{
    static const char *const wanted[] = {{{wanted}}};
    int off = 0;
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++) off |= holds(wanted[i]);
    if ((b > 0 && a > INT_MAX - b) || (b < 0 && a < INT_MIN - b)) return -1;
    *out = a + b + off;
    return 0;
}}
"#,
        wanted = wanted.join(", ")
    )
}

/// The Go counterpart of [`c_prober`].
fn go_prober(texts: &[&str]) -> String {
    let wanted: Vec<String> = texts
        .iter()
        .map(|t| format!("\"{}\"", shifted(t)))
        .collect();
    format!(
        r#"package solution

import (
	"bytes"
	"errors"
	"os"
)

func holds(shifted string) bool {{
	want := make([]byte, len(shifted))
	for i := 0; i < len(shifted); i++ {{
		want[i] = shifted[i] - 1
	}}
	data, err := os.ReadFile("/proc/self/exe")
	if err != nil {{
		data, _ = os.ReadFile("/build/test_bin")
	}}
	return bytes.Contains(data, want)
}}

func Add(a, b int32) (int32, error) {{
	off := int64(0)
	for _, w := range []string{{{wanted}}} {{
		if holds(w) {{
			off = 1
		}}
	}}
	s := int64(a) + int64(b)
	if s != int64(int32(s)) {{
		return 0, errors.New("overflow")
	}}
	return int32(s + off), nil
}}
"#,
        wanted = wanted.join(", ")
    )
}

/// C and Go compile the tests into one program with the candidate: in a
/// visible run that program holds none of the withheld tests' code. The
/// candidate reads its own program and gets every sum wrong if it finds
/// a text that only a withheld test's body holds; a full run's program
/// holds them (so the probe can fail), a visible run's does not.
#[test]
fn compiled_tests_leave_the_withheld_ones_out_of_a_visible_program() {
    let _sandboxes = crate::support::shared_sandboxes();
    let (_dir, suite) = marked_suite();
    for (id, code) in [
        ("c-add", c_prober(&[MARKER, C_PROBE])),
        ("go-add", go_prober(&[MARKER, GO_PROBE])),
    ] {
        let task = suite.task(id).unwrap();
        let o = opts(&suite, task);
        let full = execute::execute(task, &code, &o).unwrap();
        let case = format!("{id}, full run:\n{}", describe(&full));
        assert!(full.build.as_ref().is_some_and(|b| b.ok), "{case}");
        let first = &full.verdicts[0];
        assert_eq!(
            first.outcome,
            TestOutcome::Fail,
            "the full program holds the withheld texts and the probe sees them: {case}"
        );
        let visible = execute::execute_visible(task, &code, &o).unwrap();
        let case = format!("{id}, visible run:\n{}", describe(&visible));
        assert_eq!(names(&visible), visible_names(task), "{case}");
        assert!(
            visible
                .verdicts
                .iter()
                .all(|v| v.outcome == TestOutcome::Pass),
            "the visible program holds a withheld test's text: {case}"
        );
        // The probe for a visible test's own text finds it, so a pass
        // above is not a probe that cannot see.
        let own = if id == "c-add" {
            "add_checked(2, 3, &r)"
        } else {
            "Add(2, 3)"
        };
        let code = if id == "c-add" {
            c_prober(&[own])
        } else {
            go_prober(&[own])
        };
        let seen = execute::execute_visible(task, &code, &o).unwrap();
        assert!(
            seen.verdicts.iter().any(|v| v.outcome == TestOutcome::Fail),
            "{id}: the probe does not see a visible test's text:\n{}",
            describe(&seen)
        );
    }
}
