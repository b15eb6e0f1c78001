//! Strategies of the user's own (`[strategies.NAME]` in secgap.toml)
//! through the binary: a two-turn strategy run against the fixture server,
//! the second request carrying the first answer, every turn stored; a
//! resume refused once the file changes the strategy under the same
//! version; a template typo reported with its line before anything runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use secgap::model::TurnKind;
use secgap::plan::SampleKey;
use secgap::store::Store;
use serde_json::Value;

use crate::support::answers::builtin;
use crate::support::fixture_server::{content_text, last_user_text, FixtureServer, Script};

/// Two turns: the risks first, then the code with the list in the prompt.
/// Lines 12 (turn 2's template) and 1 (the table) are named by messages.
const PLAN_FIRST: &str = r#"[strategies.plan-first]
about = "asks for the risks, then the code"
version = 1
[[strategies.plan-first.turns]]
kind = "review"
template = """
{{ description }}

Do not write code yet: list the risks of this task, one a line."""
[[strategies.plan-first.turns]]
kind = "write"
template = "Your list:\n{{ previous.response }}\nNow write it, guarding against each. {{ reply }}"
"#;

/// The first answer, a text the second request must carry back.
const RISKS: &str = "RISK-LIST-7f3: a name could climb out of the upload folder.";

fn secgap(tmp: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_secgap"));
    c.current_dir(tmp)
        .env("SECGAP_CACHE_DIR", tmp.join("cache"))
        .env_remove("SECGAP_SUITE")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY");
    c
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The risks for the first turn, py-upload-read's secure reference for
/// any other.
fn answers() -> Script {
    let code =
        std::fs::read_to_string(builtin().join("tasks/py-upload-read/refs/secure.py")).unwrap();
    Script::answering(move |req: &Value| {
        if last_user_text(req).contains("Do not write code yet") {
            RISKS.to_string()
        } else {
            format!("Here it is.\n\n```python\n{code}\n```\n")
        }
    })
}

fn run_args(c: &mut Command, subject: &str, out: &Path) {
    c.arg("run")
        .arg("--suite")
        .arg(builtin())
        .args(["--tasks", "py-upload-read", "--strategy", "plan-first"])
        .args(["--subject", subject, "--jobs", "1", "--json", "--out"])
        .arg(out);
}

fn messages(body: &Value) -> Vec<(String, String)> {
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_string(),
                content_text(&m["content"]),
            )
        })
        .collect()
}

#[test]
fn a_two_turn_strategy_runs_is_stored_and_is_frozen_for_resume() {
    let _sandboxes = crate::support::shared_sandboxes();
    let server = FixtureServer::start(answers());
    let tmp = tempfile::tempdir().unwrap();
    let toml = tmp.path().join("secgap.toml");
    std::fs::write(&toml, PLAN_FIRST).unwrap();
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let run: PathBuf = tmp.path().join("run");

    let mut c = secgap(tmp.path());
    run_args(&mut c, &subject, &run);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = &v["rows"][0];
    assert_eq!(row["subject"], subject.as_str(), "{v}");
    // The code of the second turn is the one scored.
    assert_eq!(row["func_sec@1"], 1.0, "{v}");

    // The second request holds the first turn and its answer, and its own
    // prompt quotes that answer through `previous.response`.
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let first = messages(&requests[0].body);
    let second = messages(&requests[1].body);
    assert_eq!(first.len(), 1);
    assert!(first[0].1.contains("def read_upload") && first[0].1.ends_with("one a line."));
    assert_eq!(second.len(), 3);
    assert_eq!(second[0], first[0]);
    assert_eq!(second[1], ("assistant".to_string(), RISKS.to_string()));
    assert_eq!(second[2].0, "user");
    assert!(
        second[2]
            .1
            .starts_with(&format!("Your list:\n{RISKS}\nNow write it, guarding against each. Reply with the complete contents of")),
        "{}",
        second[2].1
    );

    // Every turn is stored, with what was sent and answered.
    let store = Store::open(&run.join("run.sqlite")).unwrap();
    let key = SampleKey {
        subject: subject.as_str().into(),
        strategy: "plan-first".into(),
        task: "py-upload-read".into(),
        index: 0,
    };
    let turns = store.turns(&key).unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[0].kind, TurnKind::Review);
    assert_eq!(turns[1].kind, TurnKind::Write);
    assert_eq!(turns[0].prompt, first[0].1);
    assert_eq!(turns[0].response.as_deref(), Some(RISKS));
    assert_eq!(turns[1].prompt, second[2].1);
    assert!(turns[1].response.as_deref().unwrap().contains("```python"));
    assert!(turns.iter().all(|t| t.calls == 1));
    let config: Value = serde_json::from_str(&store.config_json().unwrap()).unwrap();
    assert_eq!(config["strategies"][0], "plan-first@1");
    assert_eq!(
        config["strategy_defs"]["plan-first"]["turns"][1]["kind"],
        "write"
    );
    drop(store);

    // Changed under the same version: resume (reading ./secgap.toml) and
    // a run into the same folder are refused, saying what to do.
    let edited = PLAN_FIRST.replace("guarding against each", "guarding against every one");
    std::fs::write(&toml, &edited).unwrap();
    let out = secgap(tmp.path()).arg("resume").arg(&run).output().unwrap();
    assert!(!out.status.success());
    let expected = "secgap.toml:1: strategy `plan-first` has changed since the run froze it (turn 2's template differs) but is still version 1: bump its `version`";
    assert!(stderr(&out).contains(expected), "{}", stderr(&out));
    let mut c = secgap(tmp.path());
    run_args(&mut c, &subject, &run);
    let out = c.output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains(expected), "{}", stderr(&out));

    // Bumped, the file no longer speaks for the run: resume goes on with
    // the definition it froze, and asks nothing again.
    std::fs::write(&toml, edited.replace("version = 1", "version = 2")).unwrap();
    let out = secgap(tmp.path()).arg("resume").arg(&run).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.request_count(), 2);
    let store = Store::open(&run.join("run.sqlite")).unwrap();
    assert!(store
        .config_json()
        .unwrap()
        .contains("guarding against each."));
}

#[test]
fn a_template_typo_is_reported_with_its_line_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("secgap.toml"),
        PLAN_FIRST.replace("previous.response", "previous.respnse"),
    )
    .unwrap();
    let mut c = secgap(tmp.path());
    run_args(&mut c, "reference:secure", &tmp.path().join("run"));
    let out = c.output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(
            "secgap.toml:12: strategy `plan-first`, turn 2: `previous.respnse` is undefined"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!tmp.path().join("run").exists(), "no run was started");
    // `list strategies` checks the file too.
    let out = secgap(tmp.path())
        .args(["list", "strategies", "--suite"])
        .arg(builtin())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("secgap.toml:12:"), "{}", stderr(&out));
}

#[test]
fn user_strategies_are_listed_and_in_the_config_schema() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secgap.toml"), PLAN_FIRST).unwrap();
    let out = secgap(tmp.path())
        .args(["list", "strategies", "--suite"])
        .arg(builtin())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("baseline "), "{text}");
    assert!(
        text.contains("plan-first         asks for the risks, then the code [secgap.toml, version 1; turns: review, write]"),
        "{text}"
    );
    let out = secgap(tmp.path())
        .args(["list", "strategies", "--json", "--suite"])
        .arg(builtin())
        .output()
        .unwrap();
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mine = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "plan-first")
        .unwrap();
    assert_eq!(mine["version"], 1);
    assert_eq!(mine["turns"], serde_json::json!(["review", "write"]));

    let out = secgap(tmp.path())
        .args(["schema", "config"])
        .output()
        .unwrap();
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(schema["properties"]["strategies"].is_object(), "{schema}");
    let def = &schema["definitions"]["StrategyDef"];
    assert_eq!(
        def["required"],
        serde_json::json!(["turns", "version"]),
        "{def}"
    );
    let turn = &schema["definitions"]["TurnDef"];
    for key in ["kind", "template", "run_visible"] {
        assert!(turn["properties"][key].is_object(), "{turn}");
    }
    assert!(schema["definitions"]["TurnAsk"]
        .to_string()
        .contains("revise"));
    // An unknown strategy names the config file's.
    let mut c = secgap(tmp.path());
    c.arg("run")
        .arg("--suite")
        .arg(builtin())
        .args(["--tasks", "py-upload-read", "--strategy", "plan-frist"])
        .args(["--subject", "reference:secure", "--out"])
        .arg(tmp.path().join("run"));
    let out = c.output().unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--strategy: unknown strategy `plan-frist`")
            && stderr(&out).contains("from the config file: plan-first"),
        "{}",
        stderr(&out)
    );
}

/// A user strategy is compared with the baseline like a built-in one: the
/// fixture writes the insecure reference when asked plainly and the secure
/// one after its own list of risks.
#[test]
fn a_user_strategy_is_compared_with_the_baseline_pair_by_pair() {
    let _sandboxes = crate::support::shared_sandboxes();
    let read = |f: &str| {
        std::fs::read_to_string(builtin().join("tasks/py-upload-read/refs").join(f)).unwrap()
    };
    let (secure, insecure) = (read("secure.py"), read("insecure_join.py"));
    let server = FixtureServer::start(Script::answering(move |req: &Value| {
        let last = last_user_text(req);
        if last.contains("Do not write code yet") {
            RISKS.to_string()
        } else if last.starts_with("Your list:") {
            format!("```python\n{secure}\n```\n")
        } else {
            format!("```python\n{insecure}\n```\n")
        }
    }));
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("secgap.toml"), PLAN_FIRST).unwrap();
    let subject = format!("openai-compat:{}/v1#fixture-model", server.base_url());
    let run = tmp.path().join("run");
    let out = secgap(tmp.path())
        .arg("run")
        .arg("--suite")
        .arg(builtin())
        .args([
            "--tasks",
            "py-upload-read",
            "--strategy",
            "baseline,plan-first",
        ])
        .args(["--subject", &subject, "--json", "--out"])
        .arg(&run)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = &v["strategies"]["comparisons"][0];
    assert_eq!(c["strategy"], "plan-first", "{v}");
    assert_eq!(c["baseline"], "baseline");
    let fs = c["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["outcome"] == "func_sec")
        .unwrap();
    assert_eq!(
        (fs["rate_a"].as_f64(), fs["rate_b"].as_f64()),
        (Some(1.0), Some(0.0))
    );
    assert_eq!(fs["result"]["Ok"]["b"], 1);
    assert_eq!(fs["result"]["Ok"]["c"], 0);
    let out = secgap(tmp.path())
        .args(["compare"])
        .arg(&run)
        .args(["--strategies", "plan-first,baseline"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("A = plan-first") && text.contains("B = baseline"),
        "{text}"
    );
}
