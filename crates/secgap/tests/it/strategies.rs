//! Every built-in strategy run end to end against a model subject: a
//! local server speaking the OpenAI protocol answers by what the
//! conversation holds (secure code only after a hint, a review, its own
//! named principles, or a failing visible test), so each strategy's turns,
//! what each turn saw, the recorded calls and the paired comparison with
//! the baseline are asserted exactly.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use secgap::model::TurnKind;
use secgap::store::Store;
use secgap::suite::Suite;

use crate::support::fixture_server::{last_user_text, FixtureServer, Script};

/// Two tasks per language; py-inflate-body, js-json-body, c-hex-decode and
/// go-upload-limit hold a functional test back from the visible set.
/// `SECGAP_STRATEGY_TASKS=all` runs the whole built-in suite instead
/// (448 samples, several minutes: the figures in the README come from it).
const SUBSET: &[&str] = &[
    "py-inflate-body",
    "py-upload-read",
    "js-json-body",
    "js-static-file",
    "c-hex-decode",
    "c-copy-username",
    "go-upload-limit",
    "go-save-config",
];

const ALL: &str = "baseline,generic-reminder,cwe-reminder,principle-oracle,principle-self,self-review,tool-feedback";

fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

/// What the fixture knows of a task: how to spot it and what to answer.
struct Known {
    spec: String,
    language: String,
    tag: String,
    secure: String,
    insecure: String,
    /// A Python draft whose interface function raises: it builds, and
    /// fails every visible test.
    draft: Option<String>,
    principle_titles: Vec<String>,
}

fn task_ids(suite: &Suite) -> Vec<String> {
    match std::env::var("SECGAP_STRATEGY_TASKS").as_deref() {
        Ok("all") => suite.tasks.iter().map(|t| t.id.clone()).collect(),
        _ => SUBSET.iter().map(|t| t.to_string()).collect(),
    }
}

fn known(suite: &Suite) -> Vec<Known> {
    task_ids(suite)
        .iter()
        .map(|id| {
            let t = suite.task(id).unwrap();
            let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
            let secure = read(&t.secure_ref);
            let draft = (t.language.name() == "python").then(|| {
                let names = secgap::lang::interface_names(t.language, &t.interface);
                format!(
                    "{secure}\n\ndef {}(*args, **kwargs):\n    raise RuntimeError(\"draft: not written yet\")\n",
                    names[0]
                )
            });
            Known {
                spec: t.spec.trim().to_string(),
                language: t.language.name().to_string(),
                tag: t.language.fence_tags()[0].to_string(),
                secure,
                insecure: read(&t.insecure_refs[0].file),
                draft,
                principle_titles: t
                    .principles
                    .iter()
                    .map(|p| suite.principle(p).unwrap().title.clone())
                    .collect(),
            }
        })
        .collect()
}

/// The fixture's answer to one request, by what its messages hold.
fn answer(tasks: &[Known], req: &Value) -> String {
    let messages = req["messages"].as_array().unwrap();
    let first = messages[0]["content"].as_str().unwrap();
    let last = last_user_text(req);
    let Some(k) = tasks.iter().find(|k| first.contains(&k.spec)) else {
        return "I do not know this task.".into();
    };
    let block = |code: &str| format!("Here it is.\n\n```{}\n{}\n```\n", k.tag, code.trim_end());
    // principle-self's first turn: the letters of the task's own principles.
    if messages.len() == 1 && last.contains("Do not write any code yet") {
        let letters: Vec<String> = last
            .lines()
            .filter_map(|l| {
                let (letter, rest) = l.split_once(". ")?;
                let title = rest.split(" — ").next()?;
                (letter.len() == 1 && k.principle_titles.iter().any(|t| t == title))
                    .then(|| letter.to_string())
            })
            .collect();
        return format!("Those apply.\nANSWER: {}", letters.join(", "));
    }
    if last.starts_with("Review the code you just wrote") {
        return "The code trusts its input: it sets no limit on what a caller sends.".into();
    }
    if last.contains("following the principles you chose")
        || last.starts_with("Now fix every problem")
    {
        return block(&k.secure);
    }
    if last.contains("This is what happened") {
        // tool-feedback, after a failing test's output: the secure code.
        return block(&k.secure);
    }
    if first.contains("CWE-") {
        return block(&k.secure);
    }
    if first.contains("Follow these secure-coding principles") {
        // The principles make this subject refuse C: a functional cost.
        return if k.language == "c" {
            "I would rather not write this in C.".into()
        } else {
            block(&k.secure)
        };
    }
    // The plain request, with or without a reminder: a Python draft that
    // fails its tests, the insecure code elsewhere.
    match &k.draft {
        Some(draft) => block(draft),
        None => block(&k.insecure),
    }
}

fn secgap() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secgap"));
    c.env_remove("OPENAI_API_KEY").env_remove("SECGAP_SUITE");
    c
}

#[test]
fn every_strategy_takes_its_turns_and_is_compared_with_the_baseline() {
    let _sandboxes = crate::support::shared_sandboxes();
    let suite = secgap::suite::load(&builtin()).unwrap();
    let ids = task_ids(&suite);
    let tasks = known(&suite);
    let server = FixtureServer::start(Script::answering(move |req: &Value| answer(&tasks, req)));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let out = secgap()
        .env("SECGAP_CACHE_DIR", tmp.path().join("cache"))
        .args(["run", "--suite"])
        .arg(builtin())
        .args(["--tasks", &ids.join(","), "--strategy", ALL, "--json"])
        .args(["--subject", &subject, "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();

    let store = Store::open(&dir.join(secgap::store::DB_FILE)).unwrap();
    let keys = store.done().unwrap();
    assert_eq!(keys.len(), ids.len() * 7);
    let mut kinds_by_strategy: BTreeMap<String, Vec<Vec<TurnKind>>> = BTreeMap::new();
    for key in &keys {
        let turns = store.turns(key).unwrap();
        assert!(
            turns.iter().all(|t| t.calls == 1),
            "{key:?}: one call per turn"
        );
        kinds_by_strategy
            .entry(key.strategy.to_string())
            .or_default()
            .push(turns.iter().map(|t| t.kind).collect());
        let task = suite.task(&key.task).unwrap();
        for t in &turns {
            let seen = format!(
                "{}\n{}",
                t.prompt,
                t.tool_output.as_deref().unwrap_or_default()
            );
            for s in task
                .tests
                .iter()
                .filter(|s| s.kind == secgap::model::TestKind::Security)
            {
                assert!(!seen.contains(&s.name), "{key:?} saw {}", s.name);
                if let Some(a) = &s.attack {
                    assert!(!seen.contains(a.as_str()), "{key:?} saw an attack");
                }
            }
            assert!(!seen.contains("CWE") || key.strategy.as_str() == "cwe-reminder");
        }
    }
    use TurnKind::*;
    let expect: &[(&str, &[TurnKind])] = &[
        ("baseline", &[Write]),
        ("generic-reminder", &[Write]),
        ("cwe-reminder", &[Write]),
        ("principle-oracle", &[Write]),
        ("principle-self", &[Identify, Write]),
        ("self-review", &[Write, Review, Revise]),
    ];
    for (st, kinds) in expect {
        for got in &kinds_by_strategy[*st] {
            assert_eq!(got, kinds, "{st}");
        }
    }
    // tool-feedback revises the Python drafts once, after their visible
    // tests fail, and stops at once where the first code passes them.
    let mut tool: Vec<&Vec<TurnKind>> = kinds_by_strategy["tool-feedback"].iter().collect();
    tool.sort();
    let python = ids
        .iter()
        .filter(|t| suite.task(t).unwrap().language.name() == "python")
        .count();
    let mut want = vec![vec![Write]; ids.len() - python];
    want.extend(vec![vec![Write, Revise]; python]);
    assert_eq!(tool, want.iter().collect::<Vec<_>>());

    // What each sample scored, as the fixture was scripted: (functional,
    // functional and secure) by strategy and language.
    let expected = |strategy: &str, lang: &str| -> (bool, bool) {
        let py = lang == "python";
        match strategy {
            "baseline" | "generic-reminder" => (!py, false),
            "principle-oracle" if lang == "c" => (false, false),
            "tool-feedback" => (true, py),
            _ => (true, true),
        }
    };
    let scored = store.scored().unwrap();
    assert_eq!(scored.len(), keys.len());
    for r in &scored {
        let lang = suite.task(&r.key.task).unwrap().language.name();
        assert_eq!(
            (r.functional, r.functional && r.secure),
            expected(r.key.strategy.as_str(), lang),
            "{:?}",
            r.key
        );
    }

    // The paired comparison with the baseline shows what the fixture was
    // scripted to do: (b, c) = pairs only the strategy / only the baseline
    // got right, and McNemar's exact two-sided p = min(1, 2 P(X <= min(b, c)))
    // for X ~ Binomial(b + c, 1/2).
    let n = ids.len() as u64;
    let c_tasks = ids
        .iter()
        .filter(|t| suite.task(t).unwrap().language.name() == "c")
        .count() as u64;
    let p = python as u64;
    let mcnemar = |b: u64, c: u64| -> f64 {
        let m = b + c;
        if m == 0 {
            return 1.0;
        }
        let k = b.min(c);
        let choose =
            |m: u64, i: u64| (0..i).fold(1.0, |acc, j| acc * (m - j) as f64 / (j + 1) as f64);
        let tail: f64 = (0..=k).map(|i| choose(m, i)).sum::<f64>() / 2f64.powi(m as i32);
        (2.0 * tail).min(1.0)
    };
    // (strategy, functional (b, c), func-sec (b, c))
    type Discordant = (u64, u64);
    let scripted: &[(&str, Discordant, Discordant)] = &[
        ("generic-reminder", (0, 0), (0, 0)),
        ("cwe-reminder", (p, 0), (n, 0)),
        ("principle-oracle", (p, c_tasks), (n - c_tasks, 0)),
        ("principle-self", (p, 0), (n, 0)),
        ("self-review", (p, 0), (n, 0)),
        ("tool-feedback", (p, 0), (p, 0)),
    ];
    let comparisons = v["strategies"]["comparisons"].as_array().unwrap();
    assert_eq!(comparisons.len(), scripted.len(), "{:#}", v["strategies"]);
    for (st, func, fsec) in scripted {
        let c = comparisons
            .iter()
            .find(|c| c["strategy"] == *st)
            .unwrap_or_else(|| panic!("no comparison for {st}"));
        assert_eq!(c["baseline"], "baseline");
        assert_eq!(c["pairs"], n, "{st}");
        for (outcome, (b, cc)) in [("functional", func), ("func_sec", fsec)] {
            let o = c["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["outcome"] == outcome)
                .unwrap();
            let m = &o["result"]["Ok"];
            assert_eq!(
                (m["b"].as_u64().unwrap(), m["c"].as_u64().unwrap()),
                (*b, *cc),
                "{st} {outcome}: {o}"
            );
            let want = mcnemar(*b, *cc);
            let got = m["exact"]["p_value"].as_f64().unwrap();
            assert!(
                (got - want).abs() < 1e-9,
                "{st} {outcome}: p {got} != {want}"
            );
            let diff = m["difference"].as_f64().unwrap();
            assert!(
                (diff - (*b as f64 - *cc as f64) / n as f64).abs() < 1e-9,
                "{st} {outcome}"
            );
        }
    }
    // Turns per sample in the cost rows: principle-self two, self-review three.
    let rows = v["strategies"]["rows"].as_array().unwrap();
    let turns = |st: &str| {
        rows.iter().find(|r| r["strategy"] == st).unwrap()["turns_per_sample"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(turns("baseline"), 1.0);
    assert_eq!(turns("principle-self"), 2.0);
    assert_eq!(turns("self-review"), 3.0);
    assert_eq!(turns("tool-feedback"), (n + p) as f64 / n as f64);

    // The report's strategy section shows the same comparisons.
    let out = secgap().arg("report").arg(&dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(dir.join("report/report.html")).unwrap();
    assert!(page.contains("<section id=\"strategies\">"));
    let md = std::fs::read_to_string(dir.join("report/summary.md")).unwrap();
    assert!(md.contains("## Strategies against the baseline"), "{md}");
    for (st, ..) in scripted {
        assert!(page.contains(st) && md.contains(st), "{st}");
    }
}

/// A run killed in the middle of a pipeline resumes by restarting the
/// sample: its finished turns come from the cache (no new request, no new
/// cost), and only the turn that never answered is asked again.
#[test]
fn a_pipeline_cut_off_mid_sample_resumes_from_the_cache() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let _sandboxes = crate::support::shared_sandboxes();
    let suite = secgap::suite::load(&builtin()).unwrap();
    let tasks = known(&suite);
    let hold = Arc::new(AtomicBool::new(true));
    let held = hold.clone();
    let server = FixtureServer::start(Script::answering(move |req: &Value| {
        // The revision waits while the test holds it, so the run can be
        // killed with the write and review turns answered.
        while held.load(Ordering::SeqCst)
            && last_user_text(req).starts_with("Now fix every problem")
        {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        answer(&tasks, req)
    }));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let mut child = secgap()
        .env("SECGAP_CACHE_DIR", tmp.path().join("cache"))
        .args(["run", "--suite"])
        .arg(builtin())
        .args([
            "--tasks",
            "py-upload-read",
            "--strategy",
            "self-review",
            "--subject",
            &subject,
        ])
        .arg("--out")
        .arg(&dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let asked = |server: &FixtureServer, start: &str| {
        server
            .requests()
            .iter()
            .filter(|r| last_user_text(&r.body).starts_with(start))
            .count()
    };
    let t0 = std::time::Instant::now();
    while asked(&server, "Now fix every problem") == 0 {
        assert!(t0.elapsed().as_secs() < 60, "the revision was never asked");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    hold.store(false, Ordering::SeqCst);
    let out = secgap()
        .env("SECGAP_CACHE_DIR", tmp.path().join("cache"))
        .arg("resume")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Each turn reached the server once, except the revision that was cut
    // off (asked again, now answered).
    assert_eq!(asked(&server, "Review the code you just wrote"), 1);
    assert_eq!(asked(&server, "Now fix every problem"), 2);
    let db = rusqlite::Connection::open(dir.join(secgap::store::DB_FILE)).unwrap();
    let calls: Vec<(i64, bool)> = db
        .prepare("SELECT turn, cached FROM model_calls ORDER BY rowid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(calls, [(0, true), (1, true), (2, false)]);
    let store = Store::open(&dir.join(secgap::store::DB_FILE)).unwrap();
    let key = store.done().unwrap().into_iter().next().unwrap();
    let turns = store.turns(&key).unwrap();
    assert_eq!(turns.len(), 3);
    assert!(turns[2].response.as_deref().unwrap().contains("```python"));
}

#[test]
fn a_replay_cannot_hold_a_conversation_and_says_so_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("answers.jsonl");
    std::fs::write(
        &file,
        "{\"task\": \"py-upload-read\", \"sample\": 0, \"response\": \"no\"}\n",
    )
    .unwrap();
    let dir = tmp.path().join("run");
    let out = secgap()
        .args(["run", "--suite"])
        .arg(builtin())
        .args([
            "--tasks",
            "py-upload-read",
            "--strategy",
            "baseline,tool-feedback",
        ])
        .arg("--subject")
        .arg(format!("replay:{}", file.display()))
        .arg("--out")
        .arg(&dir)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("answers one prompt per sample")
            && err.contains("strategy `tool-feedback`")
            && err
                .contains("run it with baseline, generic-reminder, cwe-reminder, principle-oracle"),
        "{err}"
    );
    let samples = rusqlite::Connection::open(dir.join(secgap::store::DB_FILE))
        .map(|db| db.query_row("SELECT COUNT(*) FROM samples", [], |r| r.get::<_, i64>(0)))
        .ok()
        .and_then(|r| r.ok())
        .unwrap_or(0);
    assert_eq!(samples, 0, "no sample was started");
}
