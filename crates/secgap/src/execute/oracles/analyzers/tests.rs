//! The registry, and each analyzer's parser on a real report: what the
//! installed analyzer printed for a small sample of ours with known
//! weaknesses (`tests/fixtures/static/<analyzer>/`), parsed into the rules,
//! lines and CWEs that `expected.txt` lists.

use std::path::PathBuf;

use super::*;

#[test]
fn ids_are_unique_and_every_language_has_an_analyzer_of_its_own() {
    let ids = ids();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len());
    for lang in Language::ALL {
        assert!(
            ANALYZERS
                .iter()
                .any(|a| a.id() != "semgrep" && a.applies_to(lang)),
            "{} has no analyzer but Semgrep",
            lang.name()
        );
    }
}

/// A fixture: the sample's file name, the analyzer's raw report on it,
/// and the (rule, line, CWE) it holds, as `expected.txt` lists them.
pub struct Fixture {
    pub dir: PathBuf,
    pub file: String,
    pub report: String,
    pub expected: Vec<(String, u32, Option<u32>)>,
}

pub fn fixture(id: &str) -> Fixture {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/static")
        .join(id);
    let mut file = None;
    let mut report = None;
    for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("sample.") {
            file = Some(name);
        } else if name.starts_with("output.") {
            report = Some(std::fs::read_to_string(dir.join(&name)).unwrap());
        }
    }
    let expected = std::fs::read_to_string(dir.join("expected.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 3, "{}: bad line {l:?}", dir.display());
            (
                cols[0].to_string(),
                cols[1].parse().unwrap(),
                cols[2].strip_prefix("CWE-").map(|c| c.parse().unwrap()),
            )
        })
        .collect();
    Fixture {
        file: file.expect("a sample.* file"),
        report: report.expect("an output.* file"),
        expected,
        dir,
    }
}

/// Whether `findings` hold what the fixture expects, as the analyzer
/// reports it: every expected (rule, line) with its CWE, and nothing else.
/// GCC's non-analyzer warnings (`-Wstringop-overflow=`) are not the
/// analyzer's and are left out of both.
pub fn check(id: &str, fx: &Fixture, findings: &[Finding]) {
    let expected: Vec<&(String, u32, Option<u32>)> = fx
        .expected
        .iter()
        .filter(|(rule, _, _)| id != "gcc-analyzer" || rule.starts_with("-Wanalyzer-"))
        .collect();
    let got: Vec<(String, u32)> = findings
        .iter()
        .map(|f| (f.rule.clone(), f.line.unwrap_or(0)))
        .collect();
    for (rule, line, cwe) in &expected {
        let f = findings
            .iter()
            .find(|f| &f.rule == rule && f.line == Some(*line))
            .unwrap_or_else(|| panic!("{id}: no finding {rule} at line {line}; got {got:?}"));
        match cwe {
            Some(c) => assert!(
                f.cwes.contains(&crate::model::Cwe(*c)),
                "{id}: {rule} at line {line} maps to {:?}, not CWE-{c}",
                f.cwes
            ),
            // ESLint prints no CWE: secgap's table gives the rule's.
            None if id == "eslint" => assert_eq!(
                f.cwes,
                eslint::RULE_CWES
                    .iter()
                    .filter(|(r, _)| r == rule)
                    .map(|(_, c)| crate::model::Cwe(*c))
                    .collect::<Vec<_>>(),
                "{id}: {rule}"
            ),
            None => assert!(f.cwes.is_empty(), "{id}: {rule} has {:?}", f.cwes),
        }
    }
    assert_eq!(
        findings.len(),
        expected.len(),
        "{id}: findings beyond the expected ones: {got:?}"
    );
}

#[test]
fn every_analyzer_reads_its_real_report_into_rules_lines_and_cwes() {
    for a in ANALYZERS {
        let fx = fixture(a.id());
        let findings = a
            .parse(&fx.report, &fx.file, 0)
            .unwrap_or_else(|e| panic!("{}: {e}", a.id()));
        check(a.id(), &fx, &findings);
    }
}

#[test]
fn installed_analyzers_find_what_their_fixtures_hold() {
    // The real analyzers, in their sandboxes, on the fixtures' samples:
    // scripts/install-analyzers.sh (which the test command runs) installs
    // them, so a missing one fails here rather than passing unseen.
    for a in ANALYZERS {
        let fx = fixture(a.id());
        let rules = a.takes_rules().then_some(fx.dir.as_path());
        let plan = StaticPlan::resolve(&[a.id().to_string()], rules).unwrap();
        if let Some((id, why)) = plan.missing().first() {
            panic!("{id} is not installed: {why}");
        }
        let code = std::fs::read_to_string(fx.dir.join(&fx.file)).unwrap();
        let lang = Language::named(a.languages()[0]).unwrap();
        let runs = plan.analyze(lang, &fx.file, &code).unwrap();
        assert_eq!(runs.len(), 1, "{}", a.id());
        assert_eq!(
            runs[0].status,
            StaticStatus::Ran,
            "{}: {:?}",
            a.id(),
            runs[0].message
        );
        check(a.id(), &fx, &runs[0].findings);
    }
}

#[test]
fn code_an_analyzer_cannot_parse_is_no_verdict_not_a_clean_one() {
    let plan = StaticPlan::resolve(&["bandit".to_string()], None).unwrap();
    if !plan.missing().is_empty() {
        panic!("bandit is not installed: {:?}", plan.missing());
    }
    let python = Language::named("python").unwrap();
    let runs = plan
        .analyze(python, "solution.py", "def broken(:\n    return\n")
        .unwrap();
    assert_eq!(runs[0].status, StaticStatus::Failed, "{:?}", runs[0]);
    assert_eq!(runs[0].static_clean(), None);
    // An analyzer that does not apply to the language is not run at all.
    let c = Language::named("c").unwrap();
    assert!(plan.analyze(c, "solution.c", "int x;").unwrap().is_empty());
}

#[test]
fn feedback_shows_rule_line_and_message_but_no_cwe() {
    let runs = vec![StaticRun {
        analyzer: "bandit".into(),
        version: Some("1".into()),
        status: StaticStatus::Ran,
        message: None,
        duration_ms: 5,
        findings: vec![Finding {
            rule: "B602".into(),
            message: "subprocess call with shell=True identified, security issue.".into(),
            line: Some(12),
            column: Some(5),
            severity: crate::model::Severity::Error,
            cwes: vec![crate::model::Cwe(78)],
        }],
    }];
    let text = feedback_text(&runs).unwrap();
    assert!(text.contains("bandit B602 at line 12: subprocess call with shell=True"));
    assert!(!text.contains("CWE") && !text.contains("78"), "{text}");
    let clean = StaticRun {
        findings: Vec::new(),
        ..runs[0].clone()
    };
    assert_eq!(feedback_text(&[clean]), None);
}
