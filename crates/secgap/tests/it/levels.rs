//! Levels 1 and 3 through the command line: the reference subjects answer
//! the probes, a judge behind the fixture server grades explain answers,
//! and the gap analysis comes out of the run database.

use std::path::PathBuf;
use std::process::Command;

use crate::support::fixture_server::{FixtureServer, Script};
use serde_json::Value;

fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

fn secgap() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secgap"));
    c.env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .arg("run")
        .arg("--suite")
        .arg(builtin());
    c
}

fn run_json(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn three_references_show_knowing_doing_and_neither() {
    let _sandboxes = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let v = run_json(
        secgap()
            .args([
                "--tasks",
                "py-*,c-alloc-matrix",
                "--levels",
                "1,2,3",
                "--json",
            ])
            .args([
                "--subject",
                "reference:secure",
                "--subject",
                "reference:insecure",
            ])
            .args(["--subject", "reference:naive", "--out"])
            .arg(&dir),
    );
    let row = |s: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["subject"] == s)
            .unwrap()
            .clone()
    };
    let (secure, insecure, naive) = (
        row("reference:secure"),
        row("reference:insecure"),
        row("reference:naive"),
    );
    assert_eq!(secure["understanding"], 1.0);
    assert_eq!(insecure["understanding"], 1.0);
    assert!(naive["understanding"].as_f64().unwrap() < 0.5, "{naive}");
    assert_eq!(secure["gap_rate"], 0.0);
    assert_eq!(insecure["gap_rate"], 1.0);
    assert!(
        naive["gap_rate"].is_null(),
        "the naive subject understood nothing"
    );
    assert_eq!(naive["func@1"], 1.0);
    assert_eq!(naive["func_sec@1"], 0.0);
    // Per principle: the insecure reference knew every principle and failed.
    let gap = &v["gap"];
    let insecure_gap = gap["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subject"] == "reference:insecure")
        .unwrap();
    for p in insecure_gap["principles"].as_array().unwrap() {
        assert_eq!(p["understanding"], 1.0, "{p}");
        assert_eq!(p["gap_rate"], 1.0, "{p}");
        assert_eq!(p["cell"]["knew_did"], 0, "{p}");
    }
    // The paired test finds the secure reference better than the insecure one.
    let pair = gap["mcnemar"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["first"] == "reference:secure" && t["second"] == "reference:insecure")
        .unwrap();
    assert!(
        pair["result"]["Ok"]["exact"]["p_value"].as_f64().unwrap() < 0.01,
        "{pair}"
    );
    // Separated data: the fit says so and falls back to Firth, never a silent huge number.
    let fs = gap["regressions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["outcome"] == "func_sec")
        .unwrap();
    assert_eq!(fs["result"]["Ok"]["fit"]["estimator"], "firth", "{fs}");
    assert!(fs["result"]["Ok"]["separation"].is_object());
    assert!(gap["judge_agreement"].is_null(), "no judges, no agreement");

    // Every probe answer is in the database, graded; resume asks nothing again.
    let db = rusqlite::Connection::open(dir.join("run.sqlite")).unwrap();
    let probes: i64 = db
        .query_row("SELECT COUNT(*) FROM probes", [], |r| r.get(0))
        .unwrap();
    let answers: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM probe_answers WHERE status = 'answered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(answers, 3 * probes);
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .arg("resume")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("probe answers to get"));
    let again: i64 = db
        .query_row("SELECT COUNT(*) FROM probe_answers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(again, answers);

    // `secgap analyze` reads the same run.
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .args(["analyze", "--json"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let a: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(a["subjects"], gap["subjects"]);

    // `secgap compare`: within the run, and across two run folders.
    for args in [vec![dir.clone()], vec![dir.clone(), dir.clone()]] {
        let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
            .arg("compare")
            .args(&args)
            .args([
                "--subjects",
                "reference:secure,reference:insecure",
                "--json",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let c: Value = serde_json::from_slice(&out.stdout).unwrap();
        let fs = c["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["outcome"] == "func_sec")
            .unwrap();
        assert_eq!(fs["rate_a"], 1.0);
        assert_eq!(fs["rate_b"], 0.0);
        assert!(
            fs["result"]["Ok"]["exact"]["p_value"].as_f64().unwrap() < 0.01,
            "{fs}"
        );
        assert!(fs["result"]["Ok"]["difference_ci"]["lo"].as_f64().unwrap() > 0.5);
    }
    // The same comparison as a page: rates, interval plot, per-task table.
    let page = dir.join("compare.html");
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .arg("compare")
        .arg(&dir)
        .args([
            "--subjects",
            "reference:secure,reference:insecure",
            "--html",
        ])
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("McNemar"));
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("A = <strong>reference:secure</strong>"));
    assert!(
        html.contains("<svg class=\"chart diff\""),
        "difference plot"
    );
    assert!(
        html.contains("<td>func_sec</td><td class=\"num\">100.0%</td><td class=\"num\">0.0%</td>")
    );
    assert!(html.contains("Tasks where func-sec differs") && html.contains("py-upload-read"));
    assert!(!html.contains("<script"));
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .arg("compare")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "three subjects: which two?");

    // `secgap report` writes every export, consistent with the database.
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .arg("report")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rep = dir.join("report");
    let failed: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM verdicts WHERE kind = 'security' AND outcome != 'pass'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let samples: i64 = db
        .query_row("SELECT COUNT(*) FROM samples", [], |r| r.get(0))
        .unwrap();
    let verdicts: i64 = db
        .query_row("SELECT COUNT(*) FROM verdicts", [], |r| r.get(0))
        .unwrap();
    assert!(failed > 0);
    let read = |f: &str| std::fs::read_to_string(rep.join(f)).unwrap();
    let results: Value = serde_json::from_str(&read("results.json")).unwrap();
    assert_eq!(results["schema"], secgap::report::export::RESULTS_SCHEMA);
    assert_eq!(results["rows"].as_array().unwrap().len(), 3);
    assert_eq!(results["gap"]["subjects"], gap["subjects"]);
    let sarif: Value = serde_json::from_str(&read("results.sarif")).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len() as i64, failed);
    // Every SARIF location is a file the report wrote.
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(rep.join(uri).is_file(), "{uri}");
        assert!(r["taxa"][0]["id"].is_string());
    }
    assert_eq!(read("samples.csv").lines().count() as i64, samples + 1);
    assert_eq!(read("samples.jsonl").lines().count() as i64, samples);
    assert_eq!(read("verdicts.csv").lines().count() as i64, verdicts + 1);
    assert_eq!(read("verdicts.jsonl").lines().count() as i64, verdicts);
    let junit = read("junit.xml");
    assert_eq!(junit.matches("<testsuite ").count(), 3);
    assert_eq!(junit.matches("<testcase ").count() as i64, verdicts);
    assert_eq!(junit.matches("<failure ").count() as i64, failed);
    let md = read("summary.md");
    assert!(
        md.contains("| reference:insecure | baseline |")
            && md.contains("## Understanding and the gap")
    );
}

#[test]
fn judges_behind_the_fixture_grade_explain_answers() {
    let _sandboxes = crate::support::shared_sandboxes();
    // Judge "yes" says every principle is named; judge "no" says none is.
    let yes = FixtureServer::start(Script::answering(|_| {
        "1: YES\n2: YES\n3: YES\n4: YES\n5: YES".to_string()
    }));
    let no = FixtureServer::start(Script::answering(|_| {
        "**1.** No\n2) NO\n3: no\n4: NO\n5: NO".to_string()
    }));
    let judge = |s: &FixtureServer| format!("openai-compat:{}/v1#judge-model", s.base_url());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let v = run_json(
        secgap()
            .env("SECGAP_CACHE_DIR", tmp.path().join("cache"))
            .args(["--tasks", "py-sql-user-lookup,py-upload-read"])
            .args([
                "--levels",
                "1,2,3",
                "--json",
                "--subject",
                "reference:secure",
            ])
            .args(["--judge", &judge(&yes), "--out"])
            .arg(&dir),
    );
    let s = &v["gap"]["subjects"][0];
    for t in s["tasks"].as_array().unwrap() {
        assert_eq!(t["explain"], 1.0, "{t}");
    }
    // Calibration first: the key and a naive explanation of each task (4
    // requests); then one judgment per explain answer, whose prompts are the
    // key's (reference:secure answers with the key), so they come from the cache.
    assert_eq!(yes.request_count(), 4);
    let db = rusqlite::Connection::open(dir.join("run.sqlite")).unwrap();
    let (n, rubric, verdicts): (i64, String, String) = db
        .query_row(
            "SELECT COUNT(*), MIN(rubric), MIN(verdicts) FROM judgments WHERE prompt LIKE '%<answer>%' AND reply LIKE '1: YES%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(rubric, secgap::plan::probe::JUDGE_VERSION);
    assert!(verdicts.starts_with("[true"), "{verdicts}");
    let judge_calls: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM probe_calls WHERE judge IS NOT NULL AND cached = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(judge_calls, 2);
    // An always-YES judge is right on the keys only: flagged at 50 %.
    assert_eq!(v["level1"]["judges"][0]["accuracy"], 0.5, "{}", v["level1"]);
    assert_eq!(v["level1"]["judges"][0]["standing"], "below_threshold");

    // Two judges that disagree: a tie is not a majority, so nothing counts as named.
    let v = run_json(
        secgap()
            .env("SECGAP_CACHE_DIR", tmp.path().join("cache"))
            .args([
                "--tasks",
                "py-sql-user-lookup",
                "--levels",
                "1,2,3",
                "--json",
            ])
            .args(["--subject", "reference:secure"])
            .args(["--judge", &judge(&yes), "--judge", &judge(&no), "--out"])
            .arg(tmp.path().join("two")),
    );
    let t = &v["gap"]["subjects"][0]["tasks"][0];
    assert_eq!(t["explain"], 0.0, "{t}");
    // Two judges that always disagree: kappa is undefined or below chance, and said so.
    let k = &v["gap"]["judge_agreement"];
    assert!(
        k["Err"].is_string() || k["Ok"]["kappa"].as_f64().unwrap() < 0.0,
        "{k}"
    );
    // The "no" judge: calibrated on the task's key and naive explanation;
    // the answer it then grades is the key, so its judgment is cached.
    assert_eq!(no.request_count(), 2);
}

/// A judge that reads the rubric and the answer and says YES exactly for
/// the principles whose statement the answer contains.
fn correct_judge(prompt: &str) -> String {
    let answer = prompt
        .split("<answer>")
        .nth(1)
        .and_then(|a| a.split("</answer>").next())
        .unwrap_or("");
    let rubric = prompt.rsplit("</answer>").next().unwrap_or("");
    rubric
        .lines()
        .filter_map(|l| {
            let (n, rest) = l.split_once(". ")?;
            let n: usize = n.trim().parse().ok()?;
            let statement = rest.split_once(" — ")?.1.trim();
            Some(format!(
                "{n}: {}",
                if answer.contains(statement) {
                    "YES"
                } else {
                    "NO"
                }
            ))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn run_out(cmd: &mut Command) -> (Value, String) {
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
    (serde_json::from_slice(&out.stdout).unwrap(), err)
}

#[test]
fn judges_are_calibrated_before_grading_and_flagged_when_wrong() {
    let _sandboxes = crate::support::shared_sandboxes();
    let yes = FixtureServer::start(Script::answering(|_| "1: YES\n2: YES\n3: YES".to_string()));
    let right = FixtureServer::start(Script::answering(|req: &Value| {
        correct_judge(&crate::support::fixture_server::prompt_text(req))
    }));
    let judge = |s: &FixtureServer| format!("openai-compat:{}/v1#judge-model", s.base_url());
    let tmp = tempfile::tempdir().unwrap();
    let run = |judge: &str, out: &str| {
        run_out(
            secgap()
                .env("SECGAP_CACHE_DIR", tmp.path().join("cache"))
                .args(["--tasks", "py-sql-user-lookup,py-upload-read"])
                .args([
                    "--levels",
                    "1,2,3",
                    "--json",
                    "--subject",
                    "reference:naive",
                ])
                .args(["--judge", judge, "--out"])
                .arg(tmp.path().join(out)),
        )
    };
    // Always YES: right on the keys, wrong on the naive explanations.
    let (v, err) = run(&judge(&yes), "yes");
    let j = &v["level1"]["judges"][0];
    assert_eq!(j["standing"], "below_threshold", "{j}");
    assert_eq!(j["accuracy"], 0.5, "{j}");
    assert!(
        err.contains("below the calibration threshold") && err.contains("= 50 %"),
        "{err}"
    );
    // The calibration went through the recorded calls, before any grading.
    let db = rusqlite::Connection::open(tmp.path().join("yes/run.sqlite")).unwrap();
    let (rows, calls, first): (i64, i64, i64) = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM judge_calibrations WHERE reply IS NOT NULL),
                    (SELECT COUNT(*) FROM calibration_calls WHERE status = 200),
                    (SELECT COUNT(*) FROM judge_calibrations
                     WHERE finished_at <= (SELECT MIN(finished_at) FROM probe_answers))",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((rows, calls, first), (4, 4, 4));
    // A judge that reads the answers: trusted, no warning.
    let (v, err) = run(&judge(&right), "right");
    let j = &v["level1"]["judges"][0];
    assert_eq!(j["standing"], "trusted", "{j}");
    assert_eq!(j["accuracy"], 1.0, "{j}");
    assert!(j["judges_itself"].as_array().unwrap().is_empty());
    assert!(!err.contains("judge "), "{err}");
    // The naive subject's explain answers are graded NO by the right judge.
    for k in v["level1"]["summary"].as_array().unwrap() {
        if k["kind"] == "explain" {
            assert_eq!(k["score"], 0.0, "{k}");
            assert_eq!(k["judged"], 2, "{k}");
        }
    }
}

#[test]
fn a_judge_grading_its_own_subject_is_flagged_in_every_report() {
    let _sandboxes = crate::support::shared_sandboxes();
    let code = crate::support::answers::secure_answers("Here it is");
    let server = FixtureServer::start(Script::answering(move |req: &Value| {
        let prompt = crate::support::fixture_server::prompt_text(req);
        if prompt.contains("You grade answers") {
            correct_judge(&prompt)
        } else if prompt.contains("ANSWER:") {
            "UNSAFE: 2\nANSWER: ABC".to_string()
        } else if prompt.contains("must an implementation of this get right") {
            "Keep every path inside the upload folder.".to_string()
        } else {
            (code.answer)(req)
        }
    }));
    // The same model under two spellings of its URL.
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let judge = format!("openai-compat:{}/v1/#fixture-model", server.base_url());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let (v, err) = run_out(
        secgap()
            .env("SECGAP_CACHE_DIR", tmp.path().join("cache"))
            .args(["--tasks", "py-upload-read", "--levels", "1,2,3", "--json"])
            .args(["--subject", &subject, "--judge", &judge, "--out"])
            .arg(&dir),
    );
    assert_eq!(
        v["level1"]["judges"][0]["judges_itself"][0],
        subject.as_str()
    );
    assert!(err.contains("grades its own answers"), "{err}");
    // Letters run together are read: every identify and recognize answer parsed.
    for k in v["level1"]["summary"].as_array().unwrap() {
        assert_eq!(k["no_answer"], 0, "{k}");
        assert_eq!(k["unparsed"], 0, "{k}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .arg("report")
        .arg(&dir)
        .output()
        .unwrap();
    let rerr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{rerr}");
    assert!(rerr.contains("grades its own answers"), "{rerr}");
    let read = |f: &str| std::fs::read_to_string(dir.join("report").join(f)).unwrap();
    assert!(read("summary.md").contains("grades itself"));
    let page = read("level1.html");
    assert!(page.contains("judges itself") && page.contains("Keep every path inside"));
    assert!(read("report.html").contains("grades itself"));
    let lines = read("probes.jsonl");
    let explain: Value = lines
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["kind"] == "explain")
        .unwrap();
    assert_eq!(explain["judgments"][0]["judges_itself"], true, "{explain}");
    assert_eq!(
        explain["judgments"][0]["calibration_accuracy"], 1.0,
        "{explain}"
    );
    assert!(explain["question"].as_str().unwrap().contains("get right"));
    assert_eq!(read("calibration.jsonl").lines().count(), 2);
    let results: Value = serde_json::from_str(&read("results.json")).unwrap();
    assert_eq!(
        results["level1"]["judges"][0]["judges_itself"][0],
        subject.as_str()
    );
}

#[test]
fn level_flags_are_checked_before_any_work() {
    let _sandboxes = crate::support::shared_sandboxes();
    for (args, says) in [
        (vec!["--levels", "1,3"], "must include 2"),
        (vec!["--levels", "2,3"], "needs level 1"),
        (vec!["--levels", "1,2,4"], "no level 4"),
        (vec!["--judge", "reference:secure"], "only level 1 asks"),
    ] {
        let out = secgap()
            .args(["--subject", "reference:secure"])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
