//! The extraction corpus: responses shaped the way real models answer,
//! one case per pair of files in `tests/fixtures/extract/`:
//!
//! - `NNN-name.md` is the response, byte for byte (byte-order marks, CRLF
//!   line endings and missing final fences are part of the case);
//! - `NNN-name.toml` says what extraction must find: `language`, the
//!   interface's `names`, `expect` (`code`, `refusal`, `no_code` or
//!   `empty`) and for code the exact `code` and/or strings it must
//!   (`contains`) or must not (`excludes`) hold, and `about`, the shape.
//!
//! Adding a shape is adding two files. Every case is checked and every
//! mismatch reported, so one run shows how many cases an extractor gets
//! wrong.

use std::path::{Path, PathBuf};

use secgap::extract::{extract, Extraction};
use secgap::lang::Language;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    language: String,
    names: Vec<String>,
    expect: String,
    code: Option<String>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    excludes: Vec<String>,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extract")
}

/// What is wrong with the extraction of one case (None: it is right).
fn check(case: &Case, response: &str) -> Option<String> {
    let lang = Language::named(&case.language).expect("a known language");
    let got = extract(response, lang, &case.names);
    let kind = match &got {
        Extraction::Code { .. } => "code",
        Extraction::Refusal => "refusal",
        Extraction::NoCode => "no_code",
        Extraction::Empty => "empty",
        Extraction::TooLarge { .. } => "too_large",
    };
    if kind != case.expect {
        return Some(format!("expected {}, got {got:?}", case.expect));
    }
    let Extraction::Code { code, how } = got else {
        return None;
    };
    if let Some(want) = &case.code {
        if code.trim() != want.trim() {
            return Some(format!(
                "wrong code ({how}):\n--- expected\n{}\n--- got\n{}\n---",
                want.trim(),
                code.trim()
            ));
        }
    }
    for c in &case.contains {
        if !code.contains(c.as_str()) {
            return Some(format!("code ({how}) lacks {c:?}:\n{code}"));
        }
    }
    for c in &case.excludes {
        if code.contains(c.as_str()) {
            return Some(format!("code ({how}) holds {c:?}:\n{code}"));
        }
    }
    None
}

#[test]
fn every_corpus_case_extracts_as_expected() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    cases.sort();
    let mut wrong = Vec::new();
    let mut languages = std::collections::BTreeSet::new();
    for path in &cases {
        let case: Case = toml::from_str(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let response_file = path.with_extension("md");
        let response = std::fs::read_to_string(&response_file)
            .unwrap_or_else(|e| panic!("{}: {e}", response_file.display()));
        languages.insert(case.language.clone());
        assert!(
            case.expect != "code"
                || case.code.is_some()
                || !case.contains.is_empty()
                || !case.excludes.is_empty(),
            "{}: a code case must say what the code is",
            path.display()
        );
        if let Some(why) = check(&case, &response) {
            let name = path.file_stem().unwrap().to_string_lossy().to_string();
            wrong.push(format!("{name} ({}): {why}", case.about));
        }
    }
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    assert_eq!(
        languages.len(),
        Language::ALL.len(),
        "every language has cases"
    );
    assert!(
        wrong.is_empty(),
        "{} of {} corpus cases extract wrongly:\n\n{}",
        wrong.len(),
        cases.len(),
        wrong.join("\n\n")
    );
}

/// A Go answer without a package clause whose raw string holds a line
/// starting with `package `: the build took that line for the clause,
/// added none, and the sample was a build error.
#[test]
fn go_raw_string_package_line_builds_end_to_end() {
    let _sandboxes = crate::support::shared_sandboxes();
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
    let secure =
        std::fs::read_to_string(builtin.join("tasks/go-session-token/refs/secure.go")).unwrap();
    let without_clause = secure.replacen("package solution\n", "", 1);
    let code = format!("{without_clause}\nconst banner = `generated\npackage sessions\n`\n");
    let response = format!("Here it is:\n\n```go\n{code}```\n");
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("replay.jsonl");
    let line = serde_json::json!({"task": "go-session-token", "sample": 0, "response": response});
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let out_dir = tmp.path().join("run");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_secgap"))
        .env_remove("SECGAP_SUITE")
        .args(["run", "--tasks", "go-session-token", "-n", "1", "--subject"])
        .arg(format!("replay:{}", file.display()))
        .arg("--suite")
        .arg(&builtin)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let store = secgap::store::Store::open(&out_dir.join("run.sqlite")).unwrap();
    let rows = store.scored().unwrap();
    assert_eq!(rows.len(), 1, "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        rows[0].functional && rows[0].secure,
        "{:?}: {}",
        rows[0].failure,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every reference of the built-in suite, answered the way the reference
/// subjects answer, extracts as itself, and its language sees it define
/// the interface.
#[test]
fn every_builtin_reference_extracts_as_itself() {
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
    let suite = secgap::suite::load(&builtin).unwrap();
    for task in &suite.tasks {
        let names = secgap::lang::interface_names(task.language, &task.interface);
        let refs =
            std::iter::once(&task.secure_ref).chain(task.insecure_refs.iter().map(|r| &r.file));
        for path in refs {
            let code = std::fs::read_to_string(path).unwrap();
            let facts = task.language.code_facts(&code);
            for n in &names {
                assert!(
                    facts.functions.contains(n),
                    "{}: {n} not seen as defined in {facts:?}",
                    path.display()
                );
            }
            // A web app is a whole program: it runs code by nature.
            if task.web.is_none() {
                assert!(!facts.is_test_or_demo(), "{}: {facts:?}", path.display());
            }
            let tag = task.language.fence_tags()[0];
            let response = format!("Here is `x`:\n\n```{tag}\n{}\n```\n", code.trim_end());
            match extract(&response, task.language, &names) {
                Extraction::Code { code: got, .. } => {
                    assert_eq!(got.trim_end(), code.trim_end(), "{}", path.display())
                }
                other => panic!("{}: {other:?}", path.display()),
            }
        }
    }
}
