//! The report stage's own tests: the HTML page, the exports beside it and
//! their snapshots, and the highlighter.

use crate::analyze::gap::{Cell, GapReport, OutcomeRegression, PrincipleGap, SubjectGap};
use crate::analyze::metrics::{summarize, GroupMetrics, SampleOutcome};
use crate::execute::{TestOutcome, Verdict};
use crate::model::{ExportSample, SampleStatus};
use crate::plan::SampleKey;
use crate::report::html::highlight::highlight;
use crate::report::html::{render, ReportInput, PAGE_SIZE};
use crate::suite::{Cwe, Suite, TestKind};

fn suite() -> Suite {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
    crate::suite::load(&root).unwrap()
}

fn sample(subject: &str, task: &str, index: u32, code: &str, message: &str) -> ExportSample {
    ExportSample {
        key: SampleKey {
            subject: subject.into(),
            strategy: "baseline@1".into(),
            task: task.into(),
            index,
        },
        language: "python".into(),
        status: SampleStatus::Scored,
        functional: Some(true),
        secure: Some(false),
        func_sec: Some(false),
        failure: Some("security test failed".into()),
        error: None,
        code: Some(code.into()),
        gen_ms: 3,
        exec_ms: 40,
        finished_at: "2025-01-01T00:00:00Z".into(),
        prompt: "Write read_upload(base, name) <in Python>".into(),
        response: Some(format!("```python\n{code}\n```")),
        turns: Vec::new(),
        static_runs: Vec::new(),
        verdicts: vec![
            Verdict {
                test: "reads_file".into(),
                kind: TestKind::Functional,
                cwe: None,
                outcome: TestOutcome::Pass,
                message: "ok".into(),
                evidence: None,
                duration_ms: 5,
                cause: Default::default(),
            },
            Verdict {
                test: "path_traversal".into(),
                kind: TestKind::Security,
                cwe: Some(Cwe(22)),
                outcome: TestOutcome::Fail,
                message: message.into(),
                evidence: Some("read /etc/passwd <b>root</b>".into()),
                duration_ms: 7,
                cause: Default::default(),
            },
        ],
    }
}

/// A C sample that did not build: every test is `not_run`.
fn not_built(subject: &str, index: u32) -> ExportSample {
    let mut s = sample(
        subject,
        "c-copy-username",
        index,
        "int copy_username(char *d, const char *s) { return }",
        "",
    );
    s.language = "c".into();
    s.functional = Some(false);
    s.secure = Some(false);
    s.func_sec = Some(false);
    s.failure = Some("build_error".into());
    for v in &mut s.verdicts {
        v.outcome = TestOutcome::NotRun;
        v.message = "not run: the candidate did not build".into();
        v.evidence = None;
        v.duration_ms = 0;
    }
    s
}

fn groups() -> Vec<GroupMetrics> {
    let mut outs = Vec::new();
    for (subject, fs) in [("reference:secure", true), ("reference:insecure", false)] {
        for task in ["py-upload-read", "c-copy-username"] {
            for _ in 0..3 {
                outs.push(SampleOutcome {
                    subject: subject.into(),
                    strategy: "baseline@1".into(),
                    task: task.into(),
                    cwes: vec![Cwe(22), Cwe(120)],
                    functional: true,
                    secure: fs,
                    security: vec![(Some(Cwe(22)), fs), (Some(Cwe(120)), fs)],
                    not_run: false,
                    tampering: false,
                });
            }
        }
    }
    summarize(&outs)
}

fn gap() -> GapReport {
    let y: Vec<bool> = (0..40).map(|i| i % 3 != 0 || i > 30).collect();
    let u: Vec<f64> = (0..40).map(|i| i as f64 / 40.0).collect();
    let x = secgap_stats::Design::builder(40)
        .intercept()
        .continuous("understanding", &u)
        .build()
        .unwrap();
    let reg = secgap_stats::fit_logit_or_firth(&y, &x, None).unwrap();
    let cell = |a, b| Cell {
        knew_did: a,
        knew_failed: b,
        missed_did: 0,
        neither: 1,
    };
    let subject = |name: &str, a: u64, b: u64| SubjectGap {
        subject: name.into(),
        understanding: Some(0.8),
        samples: 6,
        func_sec_rate: a as f64 / 6.0,
        func_sec_bootstrap95: Some([0.1, 0.9]),
        cell: cell(a, b),
        gap_rate: Some(b as f64 / (a + b) as f64),
        gap_ci95: Some([0.05, 0.95]),
        tasks: Vec::new(),
        principles: vec![PrincipleGap {
            principle: "validate-paths <x>".into(),
            understanding: Some(0.75),
            cell: cell(a, b),
            gap_rate: Some(b as f64 / (a + b) as f64),
            gap_ci95: Some([0.05, 0.95]),
        }],
    };
    GapReport {
        understood_at: 0.5,
        subjects: vec![
            subject("reference:secure", 5, 0),
            subject("reference:insecure", 0, 5),
        ],
        regressions: vec![
            OutcomeRegression {
                outcome: "func_sec".into(),
                result: Ok(reg),
                notes: vec!["model: func_sec ~ understanding".into()],
            },
            OutcomeRegression {
                outcome: "secure".into(),
                result: Err("separated <badly>".into()),
                notes: Vec::new(),
            },
        ],
        by_strategy: Vec::new(),
        spearman: None,
        mcnemar: Vec::new(),
        judge_agreement: None,
    }
}

fn render_with(samples: &[ExportSample], gap: Option<&GapReport>) -> String {
    let suite = suite();
    let groups = groups();
    render(&ReportInput {
        suite: &suite,
        run: serde_json::json!({
            "config_hash": "abc123",
            "created_at": "2025-01-01T00:00:00Z",
            "config": {"subjects": ["reference:secure", "reference:insecure"], "strategies": ["baseline@1"], "n": 3, "tasks": ["py-upload-read", "c-copy-username"]},
            "model_calls": 0, "cached_calls": 0, "cost_usd": null,
        }),
        groups: &groups,
        gap,
        level1: None,
        strategies: None,
        samples,
        total_samples: samples.len() as u64,
        pages: &[],
        code_files: true,
        agreement: None,
    })
}

fn count(h: &str, s: &str) -> usize {
    h.matches(s).count()
}

fn assert_balanced(h: &str) {
    for tag in [
        "svg", "table", "details", "section", "g", "dl", "pre", "thead", "tbody",
    ] {
        let open = count(h, &format!("<{tag}>")) + count(h, &format!("<{tag} "));
        let close = count(h, &format!("</{tag}>"));
        assert_eq!(open, close, "<{tag}> opened {open} times, closed {close}");
    }
}

#[test]
fn hostile_code_and_messages_are_escaped() {
    let s = sample(
        "evil\"><script>alert(2)</script>",
        "py-upload-read",
        0,
        "x = '</script><script>alert(1)</script>'\n# <!-- comment </pre>\nprint(\"<b>\")",
        "<img src=x onerror=alert(3)>",
    );
    let h = render_with(&[s], None);
    assert!(!h.contains("<script"), "no script element at all");
    assert!(!h.contains("<img"), "no img element");
    assert!(h.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(h.contains("&lt;img src=x onerror=alert(3)&gt;"));
    assert!(h.contains("evil&quot;&gt;&lt;script&gt;"));
    assert!(h.contains("&lt;b&gt;root&lt;/b&gt;"), "evidence escaped");
    assert!(!h.contains("<b>"));
    assert!(h.contains("Content-Security-Policy"));
    assert!(h.contains("default-src 'none'"));
    assert_balanced(&h);
}

#[test]
fn sections_are_present_and_balanced() {
    let samples = vec![
        sample(
            "reference:secure",
            "py-upload-read",
            0,
            "def f():\n    return 1\n",
            "ok",
        ),
        ExportSample {
            language: "c".into(),
            ..sample(
                "reference:insecure",
                "c-copy-username",
                1,
                "int main(void) { /* c */ return 0; }",
                "overflow",
            )
        },
    ];
    let g = gap();
    let h = render_with(&samples, Some(&g));
    for needle in [
        "id=\"leaderboard\"",
        "class=\"chart bars\"",
        "class=\"chart heat\"",
        "id=\"understanding\"",
        "id=\"gap-matrix\"",
        "class=\"chart forest\"",
        "details class=\"sample\"",
        "CWE-22",
        "abc123",
        "insecure among functional",
        "<span class=\"kw\">def</span>",
        "<span class=\"com\">/* c */</span>",
        "validate-paths &lt;x&gt;",
        "separated &lt;badly&gt;",
    ] {
        assert!(h.contains(needle), "missing {needle}");
    }
    assert_eq!(
        count(&h, "<svg "),
        4,
        "bars, CWE heat map, gap matrix, forest"
    );
    assert!(!h.contains("<script"));
    assert_balanced(&h);
}

#[test]
fn without_gap_the_page_says_so_and_large_runs_get_drill_down_pages() {
    let suite = suite();
    let groups = groups();
    let total = PAGE_SIZE * 2 + 7;
    let samples: Vec<ExportSample> = (0..total as u32)
        .map(|i| sample("reference:secure", "py-upload-read", i, "pass", "m"))
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let written = crate::report::export::write_all(
        tmp.path(),
        &suite,
        serde_json::json!({}),
        &groups,
        None,
        None,
        None,
        &samples,
    )
    .unwrap();
    let h = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    assert!(h.contains("asked no"));
    // The report holds the first page and links the two others.
    assert_eq!(count(&h, "<details class=\"sample\""), PAGE_SIZE);
    assert!(
        h.contains("href=\"samples/page-0002.html\""),
        "page 2 linked"
    );
    assert!(
        h.contains("href=\"samples/page-0003.html\""),
        "page 3 linked"
    );
    assert!(h.contains("prompt</summary>") && h.contains("raw response</summary>"));
    assert_balanced(&h);
    let p2 = std::fs::read_to_string(tmp.path().join("samples/page-0002.html")).unwrap();
    assert_eq!(count(&p2, "<details class=\"sample\""), PAGE_SIZE);
    assert!(p2.contains("Samples 501–1000 of 1007"));
    assert!(
        p2.contains("href=\"page-0003.html\"") && p2.contains("href=\"../report.html#samples\"")
    );
    assert!(
        p2.contains("href=\"../code/"),
        "code links reach the files beside report.html"
    );
    assert_balanced(&p2);
    let p3 = std::fs::read_to_string(tmp.path().join("samples/page-0003.html")).unwrap();
    assert_eq!(count(&p3, "<details class=\"sample\""), 7);
    assert!(!p3.contains("Next page"));
    assert!(written
        .iter()
        .any(|p| p.ends_with("samples/page-0003.html")));
    // No part files are left behind.
    assert!(std::fs::read_dir(tmp.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with('.')));

    // A drill-down limit stops the pages and says so.
    let tmp = tempfile::tempdir().unwrap();
    let mut e = crate::report::export::Exporter::new(
        tmp.path(),
        &suite,
        crate::report::export::ExportOptions {
            formats: vec![crate::report::html::FORMAT],
            drill_down: PAGE_SIZE as u64 + 1,
        },
        total as u64,
        total as u64,
    )
    .unwrap();
    for s in &samples {
        e.add(s.clone()).unwrap();
    }
    let written = e
        .finish(serde_json::json!({}), &groups, None, None, None)
        .unwrap();
    assert_eq!(written.len(), 2, "{written:?}");
    let h = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    assert!(
        h.contains(&format!("stops after {} of {total}", PAGE_SIZE + 1)),
        "limit noted"
    );
    let p2 = std::fs::read_to_string(tmp.path().join("samples/page-0002.html")).unwrap();
    assert_eq!(count(&p2, "<details class=\"sample\""), 1);
    assert!(
        !tmp.path().join("samples.csv").exists(),
        "only the chosen format"
    );

    // A limit below one page trims the report page itself.
    let tmp = tempfile::tempdir().unwrap();
    let opts = crate::report::export::ExportOptions {
        formats: vec![crate::report::html::FORMAT],
        drill_down: 3,
    };
    let mut e = crate::report::export::Exporter::new(tmp.path(), &suite, opts, 10, 10).unwrap();
    for s in samples.iter().take(10) {
        e.add(s.clone()).unwrap();
    }
    e.finish(serde_json::json!({}), &groups, None, None, None)
        .unwrap();
    let h = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    assert_eq!(count(&h, "<details class=\"sample\""), 3);
    assert!(h.contains("stops after 3 of 10"));
    assert!(!tmp.path().join("samples").exists());
}

/// Compare `got` with the committed snapshot `name` under
/// tests/snapshots/; `SECGAP_UPDATE_SNAPSHOTS=1` rewrites it instead.
fn snapshot(name: &str, got: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("SECGAP_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with SECGAP_UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if want != got {
        let line = want
            .lines()
            .zip(got.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(want.lines().count().min(got.lines().count()));
        panic!(
            "{} differs from the output at line {}:\n  snapshot: {:?}\n  output:   {:?}\n\
             if the change is intended, rerun with SECGAP_UPDATE_SNAPSHOTS=1 and review the diff",
            path.display(),
            line + 1,
            want.lines().nth(line),
            got.lines().nth(line)
        );
    }
}

#[test]
fn markdown_and_json_match_their_snapshots() {
    let suite = suite();
    let groups = groups();
    let g = gap();
    let mut samples = vec![
        sample(
            "reference:secure",
            "py-upload-read",
            0,
            "def f(): pass",
            "ok",
        ),
        sample(
            "reference:insecure",
            "py-upload-read",
            0,
            "def f(): pass",
            "read the secret",
        ),
    ];
    samples[0].secure = Some(true);
    samples[0].func_sec = Some(true);
    samples[0].verdicts[1].outcome = TestOutcome::Pass;
    samples.push(not_built("reference:insecure", 1));
    let mut groups = groups;
    groups[1].not_run = 1;
    let tmp = tempfile::tempdir().unwrap();
    crate::report::export::write_all(
        tmp.path(),
        &suite,
        serde_json::json!({"config_hash": "0123456789abcdef", "created_at": "2026-01-01T00:00:00Z"}),
        &groups,
        Some(&g),
        Some(&level1()),
        None,
        &samples,
    )
    .unwrap();
    let read = |f: &str| std::fs::read_to_string(tmp.path().join(f)).unwrap();
    // The suite's version moves as tasks are added; the snapshot pins the rest.
    let version = &suite.manifest.version;
    snapshot(
        "summary.md",
        &read("summary.md").replace(version.as_str(), "VERSION"),
    );
    snapshot("results.json", &read("results.json"));
    snapshot("samples.jsonl", &read("samples.jsonl"));
    snapshot("verdicts.csv", &read("verdicts.csv"));
    snapshot("probes.jsonl", &read("probes.jsonl"));
}

/// Level 1 of a small run: one subject, an identify answer that was read,
/// a recognize answer that was not (hostile text in it), and an explain
/// answer graded by a judge that says YES to everything (flagged by its
/// calibration) and is the subject itself.
fn level1() -> crate::analyze::level1::Level1Report {
    use crate::model::{
        CalibrationRow, Exemplar, Grade, JudgeInfo, JudgmentExport, Level1Rows, ParseStatus,
        ProbeExport, ProbeKind,
    };
    let subject = "openai-compat:http://127.0.0.1:9/v1#m";
    let answer = |kind: ProbeKind, id: &str, text: &str, status: ParseStatus| ProbeExport {
        subject: subject.into(),
        probe_id: id.into(),
        kind,
        task: "py-upload-read".into(),
        question: format!("the {} question <q>", kind.as_str()),
        answer: Some(text.into()),
        error: None,
        status,
        grade: None,
        score: None,
        principles: Vec::new(),
        judgments: Vec::new(),
        gen_ms: 5,
    };
    let mut identify = answer(
        ProbeKind::Identify,
        "identify:py-upload-read",
        "ANSWER: A, C",
        ParseStatus::Parsed,
    );
    identify.grade = Some(Grade {
        parsed: true,
        chosen: "AC".chars().collect(),
        unsafe_label: None,
        exact: true,
        jaccard: 1.0,
        score: 1.0,
    });
    identify.score = Some(1.0);
    let mut recognize = answer(
        ProbeKind::Recognize,
        "recognize:py-upload-read:0",
        "UNSAFE: <script>alert(1)</script>",
        ParseStatus::Unparsed,
    );
    recognize.grade = Some(Grade {
        parsed: false,
        chosen: Default::default(),
        unsafe_label: None,
        exact: false,
        jaccard: 0.0,
        score: 0.0,
    });
    recognize.score = Some(0.0);
    let mut explain = answer(
        ProbeKind::Explain,
        "explain:py-upload-read",
        "Keep paths inside the folder.",
        ParseStatus::Judged,
    );
    explain.principles = vec!["confine-paths".into()];
    explain.score = Some(1.0);
    explain.judgments = vec![JudgmentExport {
        judge: subject.into(),
        reply: Some("1: YES".into()),
        verdicts: Some(vec![true]),
        error: None,
    }];
    let cal = |exemplar: Exemplar| CalibrationRow {
        judge: subject.into(),
        rubric: crate::model::JUDGE_VERSION.into(),
        probe_id: "explain:py-upload-read".into(),
        exemplar,
        expected: vec![exemplar.expected()],
        verdicts: Some(vec![true]),
        reply: Some("1: YES".into()),
        error: None,
    };
    crate::analyze::level1::analyze(Level1Rows {
        subjects: vec![subject.into()],
        answers: vec![identify, recognize, explain],
        calibrations: vec![cal(Exemplar::Key), cal(Exemplar::Naive)],
        judges: vec![JudgeInfo {
            judge: subject.into(),
            judges_itself: vec![subject.into()],
        }],
    })
}

#[test]
fn level1_is_in_the_html_report_and_its_page() {
    let suite = suite();
    let groups = groups();
    let l = level1();
    let tmp = tempfile::tempdir().unwrap();
    let written = crate::report::export::write_all(
        tmp.path(),
        &suite,
        serde_json::json!({}),
        &groups,
        None,
        Some(&l),
        None,
        &[],
    )
    .unwrap();
    assert!(
        written.iter().any(|p| p.ends_with("level1.html")),
        "{written:?}"
    );
    let h = std::fs::read_to_string(tmp.path().join("report.html")).unwrap();
    assert_balanced(&h);
    assert!(h.contains("id=\"level1\"") && h.contains("href=\"level1.html\""));
    assert!(
        h.contains("1/2 = 50 %") && h.contains("grades itself"),
        "judge flagged beside its score"
    );
    let p = std::fs::read_to_string(tmp.path().join("level1.html")).unwrap();
    assert_balanced(&p);
    assert!(p.contains("Content-Security-Policy") && !p.contains("http-equiv=\"refresh\""));
    assert!(!p.contains("<script>") && p.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!p.contains("<q>"), "questions are escaped");
    assert_eq!(count(&p, "<details class=\"sample\""), 3, "every answer");
    assert!(p.contains("unparsed") && p.contains("judges itself") && p.contains("1: YES"));
    // Unread answers come first within their kind; the summary counts them.
    assert!(
        p.contains("<strong>1</strong>"),
        "one unread answer stands out"
    );
    let md = std::fs::read_to_string(tmp.path().join("summary.md")).unwrap();
    assert!(
        md.contains("## Level 1") && md.contains("| recognize | 1 | 0 | 1 |"),
        "{md}"
    );
    assert!(md.contains("below the threshold; grades itself"), "{md}");
    let lines = std::fs::read_to_string(tmp.path().join("probes.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["status"], "unparsed");
    assert_eq!(rows[1]["parsed"], false);
    assert_eq!(rows[2]["judgments"][0]["calibration_accuracy"], 0.5);
    assert_eq!(rows[2]["judgments"][0]["judges_itself"], true);
    let cal = std::fs::read_to_string(tmp.path().join("calibration.jsonl")).unwrap();
    assert_eq!(cal.lines().count(), 2);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("results.json")).unwrap())
            .unwrap();
    assert_eq!(json["level1"]["judges"][0]["standing"], "below_threshold");
    assert_eq!(json["level1"]["summary"][1]["unparsed"], 1);
}

#[test]
fn tests_that_did_not_run_are_no_security_failures_in_any_format() {
    let suite = suite();
    let groups = groups();
    let samples = vec![
        not_built("reference:insecure", 0),
        sample(
            "reference:insecure",
            "py-upload-read",
            1,
            "x",
            "read the secret",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    crate::report::export::write_all(
        tmp.path(),
        &suite,
        serde_json::json!({}),
        &groups,
        None,
        None,
        None,
        &samples,
    )
    .unwrap();
    let read = |f: &str| std::fs::read_to_string(tmp.path().join(f)).unwrap();
    let md = read("summary.md");
    assert!(md.contains("## Failed security tests (1)"), "{md}");
    assert!(!md.contains("| c-copy-username |"), "{md}");
    assert!(
        md.contains("1 security test of 1 sample did not run")
            && md.contains(
                "- not run: the candidate did not build (`build_error`): 1 sample, 1 security test"
            ),
        "{md}"
    );
    let sarif: serde_json::Value = serde_json::from_str(&read("results.sarif")).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:?}");
    assert!(results[0]["ruleId"]
        .as_str()
        .unwrap()
        .starts_with("py-upload-read/"));
    let junit = read("junit.xml");
    assert_eq!(
        count(
            &junit,
            "<skipped message=\"not run: the candidate did not build\"/>"
        ),
        2,
        "{junit}"
    );
    assert!(
        junit.contains("failures=\"1\" errors=\"0\" skipped=\"2\""),
        "{junit}"
    );
    assert!(read("verdicts.csv").contains(",not_run,not run: the candidate did not build,"));
    assert!(read("verdicts.jsonl").contains("\"outcome\":\"not_run\""));
    let h = read("report.html");
    assert!(h.contains("did not build · tests not run"), "badge");
    assert_eq!(
        count(&h, "not functional, insecure"),
        0,
        "a sample that did not build is not called insecure"
    );
    assert_eq!(count(&h, "<td class=\"o-notrun\">not run</td>"), 2);
    assert_balanced(&h);
}

#[test]
fn long_subject_names_are_cut_on_the_right_with_the_full_name_in_a_title() {
    let long = "openai-compat:http://127.0.0.1:8080/v1#qwen2.5-coder-1.5b-instruct-q8_0-with-a-very-long-suffix";
    let mut outs = Vec::new();
    for subject in [long, "reference:secure"] {
        outs.push(SampleOutcome {
            subject: subject.into(),
            strategy: "baseline@1".into(),
            task: "py-upload-read".into(),
            cwes: vec![Cwe(22)],
            functional: true,
            secure: true,
            security: vec![(Some(Cwe(22)), true)],
            not_run: false,
            tampering: false,
        });
    }
    let suite = suite();
    let groups = summarize(&outs);
    let h = render(&ReportInput {
        suite: &suite,
        run: serde_json::json!({}),
        groups: &groups,
        gap: None,
        level1: None,
        strategies: None,
        samples: &[],
        total_samples: 0,
        pages: &[],
        code_files: false,
        agreement: None,
    });
    let full = format!("<title>{long}</title>");
    // The bar label and the heat map's column head keep the start of the
    // name, cut on the right, with the whole name in their tooltip.
    let cut: Vec<&str> = h
        .match_indices(&full)
        .filter_map(|(i, _)| {
            let rest = &h[i + full.len()..];
            let text = &rest[..rest.find('<').unwrap()];
            text.ends_with('…').then_some(text)
        })
        .collect();
    assert_eq!(cut.len(), 2, "bar label and heat map column: {cut:?}");
    for c in &cut {
        let kept = c.trim_end_matches('…');
        assert!(kept.len() > 10 && long.starts_with(kept), "{c}");
    }
    assert!(!h.contains(">…"), "never cut from the left");
    // A short name is written whole, with no tooltip of its own.
    assert!(h.contains(">reference:secure</text>"));
    assert_balanced(&h);
}

#[test]
fn highlighting_escapes_every_token() {
    let mut h = String::new();
    highlight(
        &mut h,
        "if (a<b && s == \"</x>\") { return 1; } // <end>",
        "c",
    );
    assert!(h.contains("<span class=\"kw\">if</span>"));
    assert!(h.contains("a&lt;b &amp;&amp;"));
    assert!(h.contains("<span class=\"str\">&quot;&lt;/x&gt;&quot;</span>"));
    assert!(h.contains("<span class=\"com\">// &lt;end&gt;</span>"));
    let mut p = String::new();
    highlight(&mut p, "s = '''a\n<b>'''\nx = 1 # hi", "python");
    assert!(p.contains("<span class=\"str\">&#39;&#39;&#39;a\n&lt;b&gt;&#39;&#39;&#39;</span>"));
    assert!(p.contains("<span class=\"numlit\">1</span>"));
}

#[test]
fn a_conversation_is_shown_turn_by_turn_and_exported_with_its_turns() {
    use crate::model::{Grade, TurnKind, TurnRecord};
    let turn = |kind, prompt: &str, response: Option<&str>, tool: Option<&str>| TurnRecord {
        kind,
        prompt: prompt.into(),
        response: response.map(Into::into),
        code: None,
        tool_output: tool.map(Into::into),
        calls: 1,
        grade: None,
    };
    let mut multi = sample("m", "py-upload-read", 0, "def f():\n    return 1\n", "ok");
    multi.turns = vec![
        TurnRecord {
            grade: Some(Grade {
                parsed: true,
                chosen: ['A'].into(),
                unsafe_label: None,
                exact: true,
                jaccard: 1.0,
                score: 1.0,
            }),
            ..turn(TurnKind::Identify, "Which apply?", Some("ANSWER: A"), None)
        },
        turn(
            TurnKind::Write,
            "Now <write> it",
            Some("```python\nx\n```"),
            Some("1 of 2 visible tests passed"),
        ),
        turn(TurnKind::Revise, "Fix it", None, None),
    ];
    let single = sample("s", "py-upload-read", 0, "def f():\n    return 1\n", "ok");
    let h = render_with(&[multi.clone(), single.clone()], None);
    assert_eq!(
        h.matches("conversation (3 turns)").count(),
        1,
        "only the multi-turn sample"
    );
    for want in [
        "turn 1 · identify",
        "graded 1.00 (exact)",
        "Now &lt;write&gt; it",
        "1 of 2 visible tests passed",
        "turn 3 · revise",
        "No answer.",
    ] {
        assert!(h.contains(want), "{want}");
    }
    let line = |s: &ExportSample| serde_json::to_value(s).unwrap();
    assert_eq!(line(&multi)["turns"].as_array().unwrap().len(), 3);
    assert_eq!(line(&multi)["turns"][0]["grade"]["score"], 1.0);
    assert!(line(&single).get("turns").is_none());
}
