//! The forgery corpus: candidates written by an attacker who knows how the
//! harness works, each scored through the real sandbox and toolchains and
//! required to get exactly the verdict its real behaviour deserves.
//!
//! A case is a folder `tests/fixtures/forgery/<language>/<case>/` holding
//! the candidate (`candidate.<ext>`) and `case.toml`:
//!
//! ```toml
//! task = "py-sql-user-lookup"   # a built-in task
//! class = "patch-builtins"      # one of CLASSES
//! attempt = "what it tries, in one sentence"
//! # either the failure it must be given (it runs no test) ...
//! failure = "tampering"
//! # ... or the scores its real behaviour deserves
//! functional = true
//! secure = false
//! ```
//!
//! One test per language runs that language's cases; a failing case
//! prints its verdicts. A last test holds the corpus to its size and
//! breadth: at least 30 cases, every language, every class.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secgap::execute::{self, ExecOptions};
use secgap::suite::{self, Suite};
use serde::Deserialize;

use crate::support::describe;

/// The kinds of forgery the corpus must cover.
const CLASSES: &[&str] = &[
    // find the code or descriptor that reports verdicts, and use it
    "reach-reporter",
    // change how a verdict is serialised on its way out
    "patch-serialisation",
    // patch built-ins, the standard library or the check helpers
    "patch-builtins",
    // register, replace or skip the tests
    "replace-tests",
    // hook or silence the sanitizer
    "hook-sanitizer",
    // return a value whose equality always agrees
    "lie-equality",
    // learn which test runs and behave only under it
    "detect-test",
    // read the test sources or the references
    "read-tests",
    // use a descriptor the candidate should not have
    "descriptor",
];

const LANGUAGES: &[&str] = &["python", "javascript", "c", "go"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    task: String,
    class: String,
    attempt: String,
    #[serde(default)]
    failure: Option<String>,
    #[serde(default)]
    functional: Option<bool>,
    #[serde(default)]
    secure: Option<bool>,
}

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/forgery")
}

fn builtin() -> Suite {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
    suite::load(&dir).unwrap_or_else(|e| panic!("built-in suite: {e:?}"))
}

/// Every case of one language: (folder, case, candidate's code).
fn cases(language: &str) -> Vec<(PathBuf, Case, String)> {
    let dir = corpus_dir().join(language);
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut folders: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    folders
        .into_iter()
        .map(|folder| {
            let manifest = folder.join("case.toml");
            let text = std::fs::read_to_string(&manifest)
                .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
            let case: Case =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
            let code = candidate(&folder);
            (folder, case, code)
        })
        .collect()
}

fn candidate(folder: &Path) -> String {
    let found = std::fs::read_dir(folder).unwrap().flatten().find(|e| {
        e.file_name()
            .to_str()
            .is_some_and(|n| n.starts_with("candidate."))
    });
    let path = found
        .unwrap_or_else(|| panic!("{}: no candidate.<ext>", folder.display()))
        .path();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Run every case of `language`; panic listing each that was scored
/// otherwise than it deserves.
fn run_language(language: &str) {
    let suite = builtin();
    let all = cases(language);
    assert!(!all.is_empty(), "no forgery cases for {language}");
    let mut wrong = Vec::new();
    for (folder, case, code) in &all {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let task = suite
            .task(&case.task)
            .unwrap_or_else(|| panic!("{name}: no built-in task {}", case.task));
        assert_eq!(
            task.language.name(),
            language,
            "{name}: task {} is not a {language} task",
            case.task
        );
        let opts = ExecOptions {
            runtime_dir: suite.runtime_dir(task.language),
            build_timeout: Duration::from_secs(180),
        };
        let ex = execute::execute(task, code, &opts)
            .unwrap_or_else(|e| panic!("{name}: execute: {e:#}"));
        let (scores, failure) = secgap::score::score(&ex);
        let got_failure = failure.as_ref().map(|f| f.kind().to_string());
        let ok = match &case.failure {
            Some(want) => got_failure.as_deref() == Some(want.as_str()),
            None => {
                case.functional == Some(scores.functional) && case.secure == Some(scores.secure)
            }
        };
        eprintln!(
            "forgery {language}/{name} [{}]: functional={} secure={} failure={:?} {}",
            case.class,
            scores.functional,
            scores.secure,
            got_failure,
            if ok { "as deserved" } else { "WRONG" }
        );
        if !ok {
            wrong.push(format!(
                "{name} ({}): {}\n  expected failure={:?} functional={:?} secure={:?}; got failure={:?} functional={} secure={}\n{}",
                case.class,
                case.attempt,
                case.failure,
                case.functional,
                case.secure,
                got_failure,
                scores.functional,
                scores.secure,
                describe(&ex)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} {language} forgeries were not scored as their real behaviour deserves:\n{}",
        wrong.len(),
        all.len(),
        wrong.join("\n")
    );
}

#[test]
fn python() {
    run_language("python");
}

#[test]
fn javascript() {
    run_language("javascript");
}

#[test]
fn c() {
    run_language("c");
}

#[test]
fn go() {
    run_language("go");
}

/// The corpus is as large and as broad as the threat model needs, and
/// every case is well formed (a known class, an attempt, exactly one kind
/// of expectation).
#[test]
fn corpus_covers_every_class_and_language() {
    let mut total = 0;
    let mut classes = BTreeSet::new();
    for language in LANGUAGES {
        let all = cases(language);
        assert!(!all.is_empty(), "no forgery cases for {language}");
        for (folder, case, _) in &all {
            let name = folder.display();
            assert!(
                CLASSES.contains(&case.class.as_str()),
                "{name}: unknown class {:?} (known: {CLASSES:?})",
                case.class
            );
            assert!(!case.attempt.trim().is_empty(), "{name}: no attempt");
            let scored = case.functional.is_some() && case.secure.is_some();
            let neither = case.functional.is_none() && case.secure.is_none();
            assert!(
                case.failure.is_some() != scored && (scored || neither),
                "{name}: give either `failure` or both `functional` and `secure`"
            );
            classes.insert(case.class.clone());
        }
        total += all.len();
    }
    assert!(
        total >= 30,
        "the forgery corpus has {total} cases; it needs at least 30"
    );
    let missing: Vec<&&str> = CLASSES.iter().filter(|c| !classes.contains(**c)).collect();
    assert!(missing.is_empty(), "no forgery case of class {missing:?}");
}
