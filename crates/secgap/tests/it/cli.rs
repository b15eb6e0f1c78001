//! End-to-end tests of the `secgap` binary on the built-in suite: the
//! run's headline numbers, validation (and rejection of a broken task),
//! kill -9 and resume, config-change refusal, replay and extraction
//! outcomes, and located loading errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use secgap::plan::SampleKey;
use secgap::store::Store;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secgap"));
    c.env_remove("SECGAP_SUITE");
    c
}

fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

fn run_ok(c: &mut Command) -> Output {
    let out = c.output().expect("spawn secgap");
    assert!(
        out.status.success(),
        "secgap failed ({}):\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn row<'a>(v: &'a serde_json::Value, subject: &str) -> &'a serde_json::Value {
    v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["subject"] == subject)
        .unwrap_or_else(|| panic!("no row for {subject} in {v}"))
}

#[test]
fn references_give_the_bounds_on_the_builtin_suite() {
    let _sandboxes = crate::support::shared_sandboxes();
    let dir = tempfile::tempdir().unwrap();
    let out = run_ok(
        bin()
            .args([
                "run",
                "--subject",
                "reference:secure",
                "--subject",
                "reference:insecure",
            ])
            // The function tasks; the web scenarios have their own run
            // (web::reference_subjects_on_builtin_scenarios_...).
            .args(["-n", "3", "--kind", "function", "--json", "--out"])
            .arg(dir.path().join("run"))
            .arg("--suite")
            .arg(builtin()),
    );
    let v = json(&out);
    let secure = row(&v, "reference:secure");
    let insecure = row(&v, "reference:insecure");
    assert_eq!(secure["func@1"], 1.0);
    assert_eq!(insecure["func@1"], 1.0);
    assert_eq!(secure["func_sec@1"], 1.0);
    assert_eq!(insecure["func_sec@1"], 0.0);
    assert_eq!(secure["sec@3"], 1.0);
    assert_eq!(insecure["func_sec@3"], 0.0);
    assert_eq!(secure["n"], 3);
    assert!(secure["tasks"].as_u64().unwrap() >= 12);
    assert_eq!(insecure["insecure_among_functional"], 1.0);
    // Every sample and verdict is in the database.
    let store = Store::open(&dir.path().join("run/run.sqlite")).unwrap();
    let scored = store.scored().unwrap();
    assert_eq!(
        scored.len() as u64,
        2 * 3 * secure["tasks"].as_u64().unwrap()
    );
}

// `secgap validate --repeat 3` over the whole built-in suite runs in
// scripts/test.sh after the tests, where its wall time is printed.

#[test]
fn builtin_suite_meets_its_coverage_floor() {
    let _sandboxes = crate::support::shared_sandboxes();
    let out = run_ok(
        bin()
            .args(["list", "tasks", "--json", "--suite"])
            .arg(builtin()),
    );
    let tasks = json(&out);
    let tasks = tasks.as_array().unwrap();
    let count = |lang: &str| tasks.iter().filter(|t| t["language"] == lang).count();
    let cwes: std::collections::BTreeSet<u64> = tasks
        .iter()
        .flat_map(|t| {
            t["cwes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_u64().unwrap())
        })
        .collect();
    assert!(tasks.len() >= 60, "{} tasks", tasks.len());
    assert!(
        count("python") >= 20 && count("c") >= 16 && count("javascript") >= 12 && count("go") >= 12,
        "per language: {} python, {} c, {} javascript, {} go",
        count("python"),
        count("c"),
        count("javascript"),
        count("go")
    );
    for cwe in [
        22, 78, 79, 89, 94, 502, 611, 918, 20, 787, 125, 119, 190, 476, 416, 134, 327, 338, 798,
        208, 1333, 400, 377, 117, 601, 732, 367,
    ] {
        assert!(cwes.contains(&cwe), "no task covers CWE-{cwe}");
    }
}

/// A suite copy holding only `py-upload-read`, for tests that break it.
fn small_suite(root: &Path) -> PathBuf {
    let s = root.join("suite");
    std::fs::create_dir_all(s.join("tasks")).unwrap();
    for f in ["suite.toml", "principles.toml"] {
        std::fs::copy(builtin().join(f), s.join(f)).unwrap();
    }
    copy_dir(&builtin().join("runtime"), &s.join("runtime"));
    for t in ["py-upload-read", "c-copy-username"] {
        copy_dir(&builtin().join("tasks").join(t), &s.join("tasks").join(t));
    }
    s
}

#[test]
fn validate_rejects_a_security_test_that_never_fails() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let s = small_suite(tmp.path());
    // Break one security test so that it can never fail.
    let test = s.join("tasks/py-upload-read/tests/test_task.py");
    let text = std::fs::read_to_string(&test).unwrap();
    let broken = text.replace(
        "def absolute_path_escape():\n",
        "def absolute_path_escape():\n    return\n",
    );
    assert_ne!(text, broken);
    std::fs::write(&test, broken).unwrap();
    let out = bin()
        .args(["validate", "--suite"])
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("FAIL py-upload-read")
            && err.contains("security test `absolute_path_escape` (CWE-22) never fails"),
        "{err}"
    );
    assert!(err.contains("ok   c-copy-username"), "{err}");

    // A secure reference that is actually insecure is caught too.
    std::fs::copy(
        s.join("tasks/py-upload-read/refs/insecure_join.py"),
        s.join("tasks/py-upload-read/refs/secure.py"),
    )
    .unwrap();
    let out = bin()
        .args(["validate", "--tasks", "py-upload-read", "--suite"])
        .arg(&s)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("secure reference refs/secure.py fails security test `dotdot_escape`"),
        "{err}"
    );
}

#[test]
fn loading_errors_name_file_and_line() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let s = small_suite(tmp.path());
    let manifest = s.join("tasks/py-upload-read/task.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("\"validate-input-at-boundary\"", "\"no-such-principle\""),
    )
    .unwrap();
    let out = bin()
        .args(["list", "tasks", "--suite"])
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tasks/py-upload-read/task.toml:5: unknown principle id `no-such-principle`"),
        "{err}"
    );

    std::fs::write(
        &manifest,
        text.replace("kind = \"functional\"", "kind = \"functionl\""),
    )
    .unwrap();
    let out = bin()
        .args(["list", "tasks", "--suite"])
        .arg(&s)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("task.toml:") && err.contains("functionl"),
        "{err}"
    );

    // The race detector exists for Go only; a Python task asking for it
    // is refused at the line that asks.
    std::fs::write(
        &manifest,
        text.replace("test_file = ", "race_detector = true\ntest_file = "),
    )
    .unwrap();
    let out = bin()
        .args(["list", "tasks", "--suite"])
        .arg(&s)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tasks/py-upload-read/task.toml:6: `race_detector` is only available for Go tasks, not python"),
        "{err}"
    );
}

fn outcomes(store: &Store) -> BTreeMap<SampleKey, (bool, bool, Option<String>, Vec<String>)> {
    store
        .scored()
        .unwrap()
        .into_iter()
        .map(|r| {
            let verdicts = store
                .verdicts(&r.key)
                .unwrap()
                .into_iter()
                .map(|v| format!("{}={}", v.test, v.outcome.as_str()))
                .collect();
            (
                r.key,
                (
                    r.functional,
                    r.secure,
                    r.failure.map(|f| f.to_string()),
                    verdicts,
                ),
            )
        })
        .collect()
}

#[test]
fn kill_9_then_resume_matches_an_uninterrupted_run() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let suite = builtin();
    let tasks = "py-upload-read,py-sql-user-lookup,c-copy-username,py-calc-expression";
    let args = |out: &Path| {
        let mut c = bin();
        c.args([
            "run",
            "--subject",
            "reference:secure",
            "--subject",
            "reference:insecure",
        ])
        .args(["-n", "2", "--jobs", "1", "--tasks", tasks, "--suite"])
        .arg(&suite)
        .arg("--out")
        .arg(out);
        c
    };

    // Uninterrupted.
    let full = tmp.path().join("full");
    run_ok(args(&full).arg("--json"));

    // Interrupted: kill -9 once a few samples are committed.
    let cut = tmp.path().join("cut");
    let mut child = args(&cut)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = cut.join("run.sqlite");
    let deadline = Instant::now() + Duration::from_secs(120);
    let at_kill = loop {
        assert!(Instant::now() < deadline, "run made no progress");
        if let Ok(s) = Store::open(&db) {
            let n = s.count(secgap::model::SampleStatus::Scored).unwrap_or(0);
            if n >= 4 {
                break n;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "run ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let after_kill = Store::open(&db)
        .unwrap()
        .count(secgap::model::SampleStatus::Scored)
        .unwrap();
    assert!(
        after_kill >= at_kill && after_kill < 16,
        "killed too late: {after_kill}"
    );

    let out = run_ok(bin().arg("resume").arg(&cut).arg("--json"));
    let v = json(&out);
    assert_eq!(v["run"]["planned"], 16);
    assert_eq!(v["run"]["already_done"].as_u64().unwrap(), after_kill);
    assert_eq!(v["run"]["executed_now"].as_u64().unwrap(), 16 - after_kill);

    let a = outcomes(&Store::open(&full.join("run.sqlite")).unwrap());
    let b = outcomes(&Store::open(&db).unwrap());
    assert_eq!(a.len(), 16);
    assert_eq!(a, b);

    // A second resume has nothing left to do.
    let v = json(&run_ok(bin().arg("resume").arg(&cut).arg("--json")));
    assert_eq!(v["run"]["executed_now"], 0);
}

#[test]
fn resume_refuses_a_changed_suite_unless_forced() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let s = small_suite(tmp.path());
    let out_dir = tmp.path().join("run");
    run_ok(
        bin()
            .args([
                "run",
                "--subject",
                "reference:secure",
                "--tasks",
                "py-upload-read",
                "--suite",
            ])
            .arg(&s)
            .arg("--out")
            .arg(&out_dir),
    );
    let t = s.join("tasks/py-upload-read/tests/test_task.py");
    let mut text = std::fs::read_to_string(&t).unwrap();
    text.push_str("\n# changed\n");
    std::fs::write(&t, text).unwrap();
    let out = bin().arg("resume").arg(&out_dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("suite_hash") && err.contains("--force"),
        "{err}"
    );
    run_ok(bin().arg("resume").arg(&out_dir).arg("--force"));

    // `run` into the same folder with another config is refused too.
    let out = bin()
        .args([
            "run",
            "--subject",
            "reference:insecure",
            "--tasks",
            "py-upload-read",
            "--suite",
        ])
        .arg(&s)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("different config"));
}

#[test]
fn replay_records_extraction_outcomes() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let secure =
        std::fs::read_to_string(builtin().join("tasks/py-upload-read/refs/secure.py")).unwrap();
    let lines = [
        (0, format!("Sure!\n```python\n{secure}\n```\nHope it helps.")),
        (1, "I'm sorry, but I can't help with that.".to_string()),
        (2, "   ".to_string()),
        (3, "Just resolve the path and check the prefix.".to_string()),
        (
            4,
            format!("Usage:\n```python\nprint(read_upload('a', 'b'))\n```\nCode:\n```python\n{secure}\n```"),
        ),
        (5, "```python\ndef read_upload(base_dir, name):\n    return b''\n```".to_string()),
        (6, "```python\ndef read_upload(base_dir, name):\n    return (\n```".to_string()),
    ];
    let file = tmp.path().join("replay.jsonl");
    let text: String = lines
        .iter()
        .map(|(i, r)| {
            serde_json::json!({"task": "py-upload-read", "sample": i, "response": r}).to_string()
                + "\n"
        })
        .collect();
    std::fs::write(&file, text).unwrap();
    let out_dir = tmp.path().join("run");
    let out = bin()
        .args([
            "run",
            "--tasks",
            "py-upload-read",
            "-n",
            "8",
            "--json",
            "--subject",
        ])
        .arg(format!("replay:{}", file.display()))
        .arg("--suite")
        .arg(builtin())
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    // Sample 7 has no recorded response: a generation error, exit status 3.
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = Store::open(&out_dir.join("run.sqlite")).unwrap();
    assert_eq!(
        store
            .count(secgap::model::SampleStatus::GenerationError)
            .unwrap(),
        1
    );
    let rows = store.scored().unwrap();
    let failure = |i: u32| {
        rows.iter()
            .find(|r| r.key.index == i)
            .map(|r| {
                (
                    r.functional && r.secure,
                    r.failure.as_ref().map(|f| f.to_string()),
                )
            })
            .unwrap()
    };
    assert_eq!(failure(0), (true, None));
    assert_eq!(failure(1), (false, Some("refusal".into())));
    assert_eq!(failure(2), (false, Some("empty_response".into())));
    assert_eq!(failure(3), (false, Some("no_code".into())));
    assert_eq!(failure(4), (true, None));
    let (ok5, f5) = failure(5);
    assert!(!ok5 && f5.unwrap().starts_with("test_failure:"));
    // A syntax error: the load step fails and no test runs.
    assert_eq!(failure(6), (false, Some("load_error".into())));

    // A malformed replay file is refused with its path and line.
    std::fs::write(
        &file,
        "{\"task\": \"py-upload-read\", \"sample\": 0, \"response\": \"a\"}\nnot json\n",
    )
    .unwrap();
    let out = bin()
        .args(["run", "--tasks", "py-upload-read", "--subject"])
        .arg(format!("replay:{}", file.display()))
        .arg("--suite")
        .arg(builtin())
        .arg("--out")
        .arg(tmp.path().join("run2"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("replay.jsonl:2:"));
}

#[test]
fn a_candidate_that_does_not_build_is_no_security_failure_in_any_report() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("replay.jsonl");
    let broken = "```c\n#include <stddef.h>\nint copy_username(char *dst, size_t n, const char *src) { return\n```";
    std::fs::write(
        &file,
        serde_json::json!({"task": "c-copy-username", "sample": 0, "response": broken}).to_string()
            + "\n",
    )
    .unwrap();
    let run_dir = tmp.path().join("run");
    let out = run_ok(
        bin()
            .args(["run", "--tasks", "c-copy-username", "--subject"])
            .arg(format!("replay:{}", file.display()))
            .arg("--suite")
            .arg(builtin())
            .arg("--out")
            .arg(&run_dir),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("the tests of 1 of 1 samples did not run"),
        "{stdout}"
    );
    let store = Store::open(&run_dir.join("run.sqlite")).unwrap();
    let rows = store.scored().unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].not_run && !rows[0].functional && !rows[0].secure);
    assert_eq!(
        rows[0].failure.as_ref().map(|f| f.to_string()).as_deref(),
        Some("build_error")
    );
    drop(store);
    let report = tmp.path().join("report");
    run_ok(bin().arg("report").arg(&run_dir).arg("--out").arg(&report));
    let read = |f: &str| std::fs::read_to_string(report.join(f)).unwrap();
    let md = read("summary.md");
    assert!(md.contains("## Failed security tests (0)"), "{md}");
    assert!(
        md.contains("did not run") && md.contains("the candidate did not build (`build_error`)"),
        "{md}"
    );
    let sarif: serde_json::Value = serde_json::from_str(&read("results.sarif")).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"],
        serde_json::json!([]),
        "{sarif}"
    );
    let junit = read("junit.xml");
    assert!(
        junit.contains("<skipped message=\"not run: the candidate did not build\"/>")
            && junit.contains("failures=\"0\" errors=\"0\"")
            && !junit.contains("<failure"),
        "{junit}"
    );
    assert!(read("verdicts.csv").contains(",not_run,"));
    let html = read("report.html");
    assert!(html.contains("did not build · tests not run"), "badge");
    assert!(!html.contains("insecure</span>"), "called insecure");
}

#[test]
fn setup_script_ends_by_writing_the_html_report_and_printing_its_path() {
    let _sandboxes = crate::support::shared_sandboxes();
    // The main job's last steps, from the run on, as scripts/setup.sh has
    // them; the install, build and validation before are left out, and the
    // suite is cut to one task so that the run is short.
    let script = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/setup.sh"),
    )
    .unwrap();
    let tail = &script[script
        .find("run_dir=")
        .expect("setup.sh names its run folder")..];
    let tmp = tempfile::tempdir().unwrap();
    let suite = tmp.path().join("suite");
    std::fs::create_dir_all(suite.join("tasks")).unwrap();
    for f in ["suite.toml", "principles.toml"] {
        std::fs::copy(builtin().join(f), suite.join(f)).unwrap();
    }
    copy_dir(&builtin().join("runtime"), &suite.join("runtime"));
    copy_dir(
        &builtin().join("tasks/py-upload-read"),
        &suite.join("tasks/py-upload-read"),
    );
    let out = run_ok(
        Command::new("bash")
            .arg("-euo")
            .arg("pipefail")
            .arg("-c")
            .arg(tail)
            .env("bin", env!("CARGO_BIN_EXE_secgap"))
            .env("SECGAP_SUITE", &suite)
            .current_dir(tmp.path()),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    let path = last
        .strip_prefix("HTML report: ")
        .unwrap_or_else(|| panic!("the job ends without the report's path:\n{stdout}"));
    let html = std::fs::read_to_string(path).unwrap();
    assert!(html.contains("id=\"leaderboard\"") && html.contains("id=\"gap\""));
    assert!(stdout.contains("summary.md"), "{stdout}");
}

#[test]
fn schema_and_lists() {
    let _sandboxes = crate::support::shared_sandboxes();
    let v = json(&run_ok(bin().arg("schema")));
    assert!(v["task.toml"]["properties"]["tests"].is_object(), "{v}");
    let v = json(&run_ok(
        bin()
            .args(["list", "principles", "--json", "--suite"])
            .arg(builtin()),
    ));
    assert!(v.as_array().unwrap().len() >= 25);
    let v = json(&run_ok(
        bin()
            .args(["list", "tasks", "--json", "--suite"])
            .arg(builtin()),
    ));
    let tasks = v.as_array().unwrap();
    let py = tasks.iter().filter(|t| t["language"] == "python").count();
    let c = tasks.iter().filter(|t| t["language"] == "c").count();
    let cwes: std::collections::BTreeSet<String> = tasks
        .iter()
        .flat_map(|t| t["cwes"].as_array().unwrap().iter().map(|c| c.to_string()))
        .collect();
    assert!(
        py >= 6 && c >= 6 && cwes.len() >= 8,
        "{py} python, {c} c, {} cwes",
        cwes.len()
    );
}

#[test]
fn new_task_scaffold_loads_and_fails_validation_until_filled_in() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let suite = tmp.path().join("suite");
    std::fs::create_dir_all(suite.join("tasks")).unwrap();
    for f in ["suite.toml", "principles.toml"] {
        std::fs::copy(builtin().join(f), suite.join(f)).unwrap();
    }
    copy_dir(&builtin().join("runtime"), &suite.join("runtime"));
    let made = [
        ("python", "py-new"),
        ("c", "c-new"),
        ("javascript", "js-new"),
        ("go", "go-new"),
    ];
    for (lang, id) in made {
        let out = run_ok(
            bin()
                .args(["new", "task", "--lang", lang, id, "--suite"])
                .arg(&suite),
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("created"));
    }
    // It loads: listed with its language and placeholder CWE.
    let out = run_ok(
        bin()
            .args(["list", "tasks", "--json", "--suite"])
            .arg(&suite),
    );
    let v = json(&out);
    assert_eq!(v.as_array().unwrap().len(), made.len());
    // It does not validate until written, and validate says what to fix.
    let out = bin()
        .args(["validate", "--suite"])
        .arg(&suite)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Per-task results go to stderr, the summary to stdout.
    let text = String::from_utf8_lossy(&out.stderr);
    for (_, id) in made {
        assert!(text.contains(&format!("FAIL {id}")), "{text}");
    }
    assert!(
        text.contains("REPLACE: write the functional tests"),
        "{text}"
    );
    // Bad requests are refused without touching anything.
    for (args, says) in [
        (vec!["--lang", "cobol", "x-new"], "not a language"),
        (vec!["--lang", "python", "py-new"], "already exists"),
        (vec!["--lang", "python", "Bad_Id"], "lowercase"),
    ] {
        let out = bin()
            .args(["new", "task"])
            .args(&args)
            .arg("--suite")
            .arg(&suite)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{args:?}"
        );
    }
}

#[test]
fn coverage_tables_count_tasks_per_language() {
    let _sandboxes = crate::support::shared_sandboxes();
    let out = run_ok(
        bin()
            .args(["list", "tasks", "--by", "cwe", "--json", "--suite"])
            .arg(builtin()),
    );
    let rows = json(&out);
    let row = |k: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == k)
            .unwrap_or_else(|| panic!("no row {k}: {rows}"))
            .clone()
    };
    // CWE-78 has (at least) a Python and a C task; the suite keeps growing,
    // so totals are checked against the per-language counts.
    let total = row("CWE-78")["total"].as_u64().unwrap();
    let per_lang: u64 = row("CWE-78")["by_language"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert!(total >= 2 && total == per_lang, "{rows}");
    assert_eq!(row("CWE-78")["by_language"]["c"], 1);
    assert!(row("CWE-22")["by_language"]["python"].as_u64().unwrap() >= 1);
    let out = run_ok(
        bin()
            .args(["list", "tasks", "--by", "language", "--suite"])
            .arg(builtin()),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().next().unwrap().starts_with("language"),
        "{text}"
    );
    let out = run_ok(
        bin()
            .args(["list", "tasks", "--by", "principle", "--json", "--suite"])
            .arg(builtin()),
    );
    let rows = json(&out);
    let total: u64 = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["total"].as_u64().unwrap())
        .sum();
    assert!(total >= 16, "every task has at least one principle");
}

#[test]
fn fail_under_gates_set_the_exit_status() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let run = |extra: &[&str], out: &Path| {
        bin()
            .args(["run", "--suite"])
            .arg(builtin())
            .args(["--tasks", "py-upload-read"])
            .args([
                "--subject",
                "reference:secure",
                "--subject",
                "reference:insecure",
            ])
            .args(extra)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let out = run(&["--fail-under", "func_sec@1=0.5"], &dir);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gate failed: reference:insecure / baseline func_sec@1 = 0.000 < 0.5"),
        "{err}"
    );
    assert!(
        !err.contains("reference:secure / baseline func_sec@1"),
        "{err}"
    );
    // A gate on the subject that passes; the same gates on `report`.
    let out = run(&["--fail-under", "func_sec@1[reference:secure]=0.9"], &dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = |gate: &str| {
        bin()
            .arg("report")
            .arg(&dir)
            .args(["--fail-under", gate])
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(report("func@1=1"), Some(0));
    assert_eq!(report("sec@1=0.5"), Some(4));
    // Mistakes are refused before any work.
    for gate in ["fsec=0.5", "func_sec@1[nobody]=0.5", "func_sec@1=75"] {
        let out = run(&["--fail-under", gate], &tmp.path().join("never"));
        assert_eq!(out.status.code(), Some(2), "{gate}");
        assert!(!tmp.path().join("never").exists(), "{gate}");
    }
}

/// `secgap list principles --json | head -1`: the reader goes away after
/// one line and secgap ends quietly, by SIGPIPE like other Unix tools,
/// instead of panicking on the failed print.
#[test]
fn a_closed_stdout_ends_a_listing_quietly() {
    use std::io::BufRead;
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::ExitStatusExt;
    // A pipe of one page, so that secgap's 30 KiB of output must wait for
    // the reader and is still being written when the reader leaves.
    let mut fds = [0; 2];
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    assert!(unsafe { libc::fcntl(fds[0], libc::F_SETPIPE_SZ, 4096) } >= 4096);
    let child = bin()
        .args(["list", "principles", "--json", "--suite"])
        .arg(builtin())
        .stdout(Stdio::from(write_end))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(std::fs::File::from(read_end));
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    assert_eq!(first.trim(), "[");
    drop(out);
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        done.status.signal(),
        Some(libc::SIGPIPE),
        "{:?}: {err}",
        done.status
    );
}
