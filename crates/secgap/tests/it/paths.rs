//! The paths forward end to end: a real run database (the store's own
//! insert of scripted samples, for three strategies and two subjects),
//! then `secgap report` and `secgap compare --strategies` on it, with the
//! numbers worked out by hand below.
//!
//! The scripted run, on the built-in tasks py-upload-read (CWE-22, sample
//! indices 0..12) and c-copy-username (CWE-787, indices 0..4):
//!
//! subject m1 (every call priced):
//! - baseline: py functional on all 12, secure only on 9..12; c
//!   functional and secure on all 4. One call of $0.001 each.
//! - cwe-reminder: py secure on all 12, functional except on 0..3; c as
//!   the baseline. One call of $0.002 each, plus a generation error on
//!   py index 12 (one call of $0.002): 17 stored samples, 16 scored.
//! - principle-self: py secure on all 12, functional only on 8..12; c as
//!   the baseline. Two turns (identify, write), two calls of $0.0015 each.
//!   Its graded first answers: exact (Jaccard 1) on py 8..12 and on c,
//!   Jaccard 0.5 on py 4..8, unreadable (0) on py 0..4.
//!
//! subject m2 (calls without a price): baseline neither functional nor
//! secure on c 0..2; cwe-reminder both there.
//!
//! m1, cwe-reminder (A) vs baseline (B), 16 pairs:
//! - functional: b = 0, c = 3 (py 0..3); Δ = −3/16 = −0.1875; exact
//!   p = min(1, 2·P(X ≤ 0)), X ~ Bin(3, ½) = 2 · 1/8 = 0.25.
//! - secure: b = 9 (py 0..9), c = 0; Δ = 9/16 = 0.5625; p = 2/2⁹ = 0.00390625.
//! - func-sec: A is func-sec on py 3..12 and c, B on py 9..12 and c:
//!   b = 6 (py 3..9), c = 0; Δ = 6/16 = 0.375; p = 2/2⁶ = 0.03125.
//! - CWE-22: the 12 py pairs (≥ 10: compared), CWE-787: 4 pairs (too few).
//!
//! m1, principle-self vs baseline, 16 pairs:
//! - functional: b = 0, c = 8 (py 0..8); Δ = −0.5; p = 2/2⁸ = 0.0078125.
//! - secure: b = 9, c = 0 as above.
//! - func-sec: A on py 8..12 and c, B on py 9..12 and c: b = 1 (py 8),
//!   c = 0; p = 2 · ½ = 1.
//!
//! `compare --strategies cwe-reminder,baseline` pools m1's 16 pairs and
//! m2's 2: functional b = 2, c = 3, p = 2·P(X ≤ 2 | Bin(5, ½)) =
//! 2·16/32 = 1; secure b = 11, c = 0, p = 2/2¹¹ = 0.0009765625; func-sec
//! b = 8, c = 0, p = 2/2⁸ = 0.0078125.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use secgap::model::{
    Grade, ModelCall, SampleKey, SampleRecord, Scores, TurnKind, TurnRecord, Usage,
};

fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

fn call(cost: Option<f64>) -> ModelCall {
    ModelCall {
        attempt: 1,
        url: "http://127.0.0.1:1/v1/chat/completions".into(),
        request: "{}".into(),
        status: Some(200),
        response: "{}".into(),
        latency_ms: 5,
        usage: Usage {
            input: Some(100),
            output: Some(50),
            ..Default::default()
        },
        cost_usd: cost,
        cached: false,
        error: None,
        retry_after_ms: None,
    }
}

fn grade(jaccard: f64) -> Grade {
    Grade {
        parsed: jaccard > 0.0,
        chosen: Default::default(),
        unsafe_label: None,
        exact: jaccard == 1.0,
        jaccard,
        score: jaccard,
    }
}

struct Sample {
    subject: &'static str,
    strategy: &'static str,
    task: &'static str,
    index: u32,
    /// None: a generation error.
    scores: Option<(bool, bool)>,
    calls: Vec<ModelCall>,
    /// principle-self's first answer.
    identified: Option<f64>,
}

fn record(s: Sample) -> SampleRecord {
    let turns = match s.identified {
        Some(j) => vec![
            TurnRecord {
                kind: TurnKind::Identify,
                prompt: "which principles apply?".into(),
                response: Some("A, C".into()),
                code: None,
                tool_output: None,
                calls: 1,
                grade: Some(grade(j)),
            },
            TurnRecord {
                kind: TurnKind::Write,
                prompt: "now write it".into(),
                response: Some("code".into()),
                code: Some("code".into()),
                tool_output: None,
                calls: (s.calls.len() - 1) as u32,
                grade: None,
            },
        ],
        None => Vec::new(),
    };
    SampleRecord {
        key: SampleKey {
            subject: s.subject.into(),
            strategy: s.strategy.into(),
            task: s.task.into(),
            index: s.index,
        },
        language: if s.task.starts_with("py") {
            "python"
        } else {
            "c"
        }
        .into(),
        prompt: "write it".into(),
        response: s.scores.map(|_| "code".to_string()),
        extraction: None,
        code: s.scores.map(|_| "code".to_string()),
        build_log: None,
        scores: s
            .scores
            .map(|(functional, secure)| Scores { functional, secure }),
        failure: None,
        error: s
            .scores
            .is_none()
            .then(|| "the provider failed".to_string()),
        verdicts: Vec::new(),
        calls: s.calls,
        transcript: None,
        turns,
        static_runs: Vec::new(),
        gen_ms: 1,
        exec_ms: 1,
    }
}

/// The scripted run of the module comment, or a one-strategy run.
fn build(dir: &Path, strategies: &[&str]) {
    let suite = secgap::suite::load(&builtin()).unwrap();
    let tasks: Vec<&secgap::suite::Task> = ["py-upload-read", "c-copy-username"]
        .iter()
        .map(|t| suite.task(t).unwrap())
        .collect();
    let refs: Vec<secgap::model::StrategyRef> = strategies
        .iter()
        .map(|s| format!("{s}@1").parse().unwrap())
        .collect();
    let config = secgap::plan::RunConfig::new(
        &suite,
        &tasks,
        vec!["m1".into(), "m2".into()],
        &refs,
        12,
        false,
        &Default::default(),
    );
    std::fs::create_dir_all(dir).unwrap();
    let mut store = config
        .create_store(&dir.join(secgap::store::DB_FILE))
        .unwrap();
    let mut rows = Vec::new();
    let m1 = |strategy, task, index, scores, calls, identified| Sample {
        subject: "m1",
        strategy,
        task,
        index,
        scores,
        calls,
        identified,
    };
    for i in 0..12 {
        rows.push(m1(
            "baseline",
            "py-upload-read",
            i,
            Some((true, i >= 9)),
            vec![call(Some(0.001))],
            None,
        ));
    }
    for i in 0..4 {
        rows.push(m1(
            "baseline",
            "c-copy-username",
            i,
            Some((true, true)),
            vec![call(Some(0.001))],
            None,
        ));
    }
    if strategies.contains(&"cwe-reminder") {
        for i in 0..12 {
            rows.push(m1(
                "cwe-reminder",
                "py-upload-read",
                i,
                Some((i >= 3, true)),
                vec![call(Some(0.002))],
                None,
            ));
        }
        for i in 0..4 {
            rows.push(m1(
                "cwe-reminder",
                "c-copy-username",
                i,
                Some((true, true)),
                vec![call(Some(0.002))],
                None,
            ));
        }
        rows.push(m1(
            "cwe-reminder",
            "py-upload-read",
            12,
            None,
            vec![call(Some(0.002))],
            None,
        ));
        for i in 0..2 {
            for (strategy, ok) in [("baseline", false), ("cwe-reminder", true)] {
                rows.push(Sample {
                    subject: "m2",
                    strategy,
                    task: "c-copy-username",
                    index: i,
                    scores: Some((ok, ok)),
                    calls: vec![call(None)],
                    identified: None,
                });
            }
        }
    }
    if strategies.contains(&"principle-self") {
        for i in 0..12 {
            let j = if i >= 8 {
                1.0
            } else if i >= 4 {
                0.5
            } else {
                0.0
            };
            rows.push(m1(
                "principle-self",
                "py-upload-read",
                i,
                Some((i >= 8, true)),
                vec![call(Some(0.0015)), call(Some(0.0015))],
                Some(j),
            ));
        }
        for i in 0..4 {
            rows.push(m1(
                "principle-self",
                "c-copy-username",
                i,
                Some((true, true)),
                vec![call(Some(0.0015)), call(Some(0.0015))],
                Some(1.0),
            ));
        }
    }
    let recs: Vec<SampleRecord> = rows.into_iter().map(record).collect();
    store.insert_many(&recs).unwrap();
}

fn secgap(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .args(args)
        .env_remove("SECGAP_SUITE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "secgap {args:?}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn report(dir: &Path) -> (Value, String, String) {
    secgap(&[
        "report".as_ref(),
        dir.as_os_str(),
        "--formats".as_ref(),
        "html,json,md".as_ref(),
    ]);
    let rep = dir.join("report");
    let read = |f: &str| std::fs::read_to_string(rep.join(f)).unwrap();
    (
        serde_json::from_str(&read("results.json")).unwrap(),
        read("summary.md"),
        read("report.html"),
    )
}

fn outcome<'a>(outcomes: &'a Value, name: &str) -> &'a Value {
    let o = outcomes
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["outcome"] == name)
        .unwrap_or_else(|| panic!("no {name} in {outcomes}"));
    &o["result"]["Ok"]
}

/// (b, c, difference, exact p).
fn numbers(o: &Value) -> (u64, u64, f64, f64) {
    (
        o["b"].as_u64().unwrap(),
        o["c"].as_u64().unwrap(),
        o["difference"].as_f64().unwrap(),
        o["exact"]["p_value"].as_f64().unwrap(),
    )
}

/// Equal up to the binomial CDF's rounding (statrs gives 0.2499999999999988 for ¼).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn the_report_compares_every_strategy_with_the_baseline_on_paired_samples() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    build(&dir, &["baseline", "cwe-reminder", "principle-self"]);
    let (json, md, html) = report(&dir);
    let p = &json["strategies"];
    assert_eq!(p["baseline"], "baseline");
    assert_eq!(
        p["strategies"],
        serde_json::json!(["baseline", "cwe-reminder", "principle-self"])
    );
    let cmp = |subject: &str, strategy: &str| -> &Value {
        p["comparisons"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["subject"] == subject && c["strategy"] == strategy)
            .unwrap_or_else(|| panic!("no {subject}/{strategy}"))
    };

    let r = cmp("m1", "cwe-reminder");
    assert_eq!(r["pairs"], 16);
    // The generation error pairs with nothing and is not a scored sample.
    assert_eq!(
        (
            r["unmatched_strategy"].as_u64(),
            r["unmatched_baseline"].as_u64()
        ),
        (Some(0), Some(0))
    );
    let (b, c, d, pv) = numbers(outcome(&r["outcomes"], "functional"));
    assert_eq!((b, c), (0, 3));
    assert!(close(d, -0.1875) && close(pv, 0.25), "{d} {pv}");
    let (b, c, d, pv) = numbers(outcome(&r["outcomes"], "secure"));
    assert_eq!((b, c), (9, 0));
    assert!(close(d, 0.5625) && close(pv, 0.00390625), "{d} {pv}");
    let (b, c, d, pv) = numbers(outcome(&r["outcomes"], "func_sec"));
    assert_eq!((b, c), (6, 0));
    assert!(close(d, 0.375) && close(pv, 0.03125), "{d} {pv}");
    // Security up, functionality down: the functional interval decides
    // whether it is shown or a point estimate only.
    let func_hi = outcome(&r["outcomes"], "functional")["difference_ci"]["hi"]
        .as_f64()
        .unwrap();
    let sec_lo = outcome(&r["outcomes"], "secure")["difference_ci"]["lo"]
        .as_f64()
        .unwrap();
    assert!(sec_lo > 0.0, "{sec_lo}");
    assert!(func_hi > 0.0, "3 of 16 pairs lost is no proof: {func_hi}");
    assert_eq!(r["trade_off"], "point_estimate");
    // Per CWE: CWE-22 has its 12 pairs, CWE-787 only 4.
    let cwe = |c: &Value, id: &str| -> Value {
        c["per_cwe"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["cwe"] == id)
            .unwrap_or_else(|| panic!("no {id} in {}", c["per_cwe"]))
            .clone()
    };
    let w22 = cwe(r, "CWE-22");
    assert_eq!(w22["pairs"], 12);
    let (b, c, d, _) = numbers(outcome(&w22["outcomes"]["Ok"], "secure"));
    assert_eq!((b, c), (9, 0));
    assert!(close(d, 0.75));
    let w787 = cwe(r, "CWE-787");
    assert_eq!(w787["pairs"], 4);
    assert_eq!(w787["outcomes"]["Err"], "too few pairs (4 < 10)");

    let s = cmp("m1", "principle-self");
    let (b, c, d, pv) = numbers(outcome(&s["outcomes"], "functional"));
    assert_eq!((b, c), (0, 8));
    assert!(close(d, -0.5) && close(pv, 0.0078125), "{d} {pv}");
    let (b, c, _, pv) = numbers(outcome(&s["outcomes"], "func_sec"));
    assert_eq!((b, c), (1, 0));
    assert!(close(pv, 1.0));
    assert!(
        outcome(&s["outcomes"], "functional")["difference_ci"]["hi"]
            .as_f64()
            .unwrap()
            < 0.0
    );
    assert_eq!(s["trade_off"], "shown");

    // m2 pairs with its own baseline only.
    let m2 = cmp("m2", "cwe-reminder");
    assert_eq!(m2["pairs"], 2);
    assert_eq!(numbers(outcome(&m2["outcomes"], "secure")).0, 2);
    assert!(
        p["notes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| !n.as_str().unwrap().contains("m2")),
        "{}",
        p["notes"]
    );

    // Rates and cost per (subject, strategy).
    let row = |subject: &str, strategy: &str| -> &Value {
        p["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["subject"] == subject && r["strategy"] == strategy)
            .unwrap()
    };
    let base = row("m1", "baseline");
    assert_eq!(
        (base["samples"].as_u64(), base["scored"].as_u64()),
        (Some(16), Some(16))
    );
    assert!(close(base["usd_per_sample"].as_f64().unwrap(), 0.001));
    assert!(close(base["turns_per_sample"].as_f64().unwrap(), 1.0));
    // 13 of 16 functional.
    let rem = row("m1", "cwe-reminder");
    assert_eq!(
        (rem["samples"].as_u64(), rem["scored"].as_u64()),
        (Some(17), Some(16))
    );
    assert!(close(
        rem["functional"]["rate"].as_f64().unwrap(),
        13.0 / 16.0
    ));
    assert!(close(rem["usd_per_sample"].as_f64().unwrap(), 0.002));
    let ps = row("m1", "principle-self");
    assert!(close(ps["turns_per_sample"].as_f64().unwrap(), 2.0));
    assert!(close(ps["calls_per_sample"].as_f64().unwrap(), 2.0));
    assert!(close(
        ps["input_tokens_per_sample"].as_f64().unwrap(),
        200.0
    ));
    assert!(close(
        ps["output_tokens_per_sample"].as_f64().unwrap(),
        100.0
    ));
    assert!(close(ps["usd_per_sample"].as_f64().unwrap(), 0.003));
    // m2's calls carry no price: unknown, not $0.
    let unpriced = row("m2", "baseline");
    assert!(unpriced["usd_per_sample"].is_null());
    assert!(unpriced["cost_unknown"]
        .as_str()
        .unwrap()
        .starts_with("2 calls without a price"));

    // principle-self's own first answer against its code.
    let g = &p["principle_self"];
    assert_eq!(g["samples"], 16);
    assert_eq!(
        (g["unparsed"].as_u64(), g["exact"].as_u64()),
        (Some(4), Some(8))
    );
    assert!(close(g["mean_score"].as_f64().unwrap(), 10.0 / 16.0));
    assert_eq!(
        g["cell"],
        serde_json::json!({"knew_did": 8, "knew_failed": 4, "missed_did": 0, "neither": 4})
    );
    assert!(close(g["gap_rate"].as_f64().unwrap(), 4.0 / 12.0));
    assert!(g["note"].is_null(), "16 samples are enough: {}", g["note"]);
    assert_eq!(g["regression"]["outcome"], "func_sec");
    // Every exact answer came with func-sec code and no unreadable one
    // did: separated data, so no odds ratio is claimed.
    let why = g["regression"]["result"]["Err"].as_str().unwrap();
    assert!(why.contains("separation"), "{why}");

    // The same in Markdown and HTML.
    assert!(md.contains("## Strategies against the baseline"), "{md}");
    assert!(md.contains("| m1 | cwe-reminder | 16 | −18.8 ["), "{md}");
    assert!(md.contains("(b 0 / c 3, p 0.25)"), "{md}");
    assert!(md.contains("(b 9 / c 0, p 0.004)"), "{md}");
    assert!(
        md.contains("| m1 | cwe-reminder | CWE-787 | 4 | too few pairs (4 < 10) |"),
        "{md}"
    );
    assert!(
        md.contains("possible (point estimates only)") && md.contains("**trade-off** (intervals)")
    );
    assert!(md.contains("| m1 | principle-self | 16 | 50.0 | 100.0 | 50.0 | 2.0 | 2.0 | 200.0 | 100.0 | $0.00300 |"), "{md}");
    assert!(md.contains("| m2 | baseline | 2 | 0.0 | 0.0 | 0.0 | 1.0 | 1.0 | 100.0 | 50.0 | unknown (2 calls without a price"), "{md}");
    assert!(md.contains("principle-self: 16 scored samples with a graded first answer (4 unreadable, 8 naming exactly"));
    assert!(html.contains("<section id=\"strategies\">"));
    assert!(html.contains("<table class=\"paths\">"));
    assert!(html.contains("<svg class=\"chart paths\""));
    assert!(
        html.contains("b 6 / c 0, p 0.031"),
        "func-sec of m1/cwe-reminder"
    );
    assert!(html.contains("too few pairs (4 &lt; 10)"));
    assert!(html.contains("id=\"principle-self\""));
    assert!(html.contains("unknown (2 calls without a price"));
}

#[test]
fn compare_strategies_prints_one_pair_pooled_over_subjects() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    build(&dir, &["baseline", "cwe-reminder"]);
    let out = secgap(&[
        "compare".as_ref(),
        dir.as_os_str(),
        "--strategies".as_ref(),
        "cwe-reminder,baseline".as_ref(),
        "--json".as_ref(),
    ]);
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(c["arm"], "strategy");
    assert_eq!(
        (c["a"].as_str(), c["b"].as_str()),
        (Some("cwe-reminder"), Some("baseline"))
    );
    assert_eq!(c["pairs"], 18);
    let (b, cc, _, pv) = numbers(outcome(&c["outcomes"], "functional"));
    assert_eq!((b, cc), (2, 3));
    assert!(close(pv, 1.0), "{pv}");
    let (b, cc, _, pv) = numbers(outcome(&c["outcomes"], "secure"));
    assert_eq!((b, cc), (11, 0));
    assert!(close(pv, 0.0009765625), "{pv}");
    let (b, cc, d, pv) = numbers(outcome(&c["outcomes"], "func_sec"));
    assert_eq!((b, cc), (8, 0));
    assert!(close(d, 8.0 / 18.0) && close(pv, 0.0078125), "{d} {pv}");

    // One subject only: m1's 16 pairs.
    let out = secgap(&[
        "compare".as_ref(),
        dir.as_os_str(),
        "--strategies".as_ref(),
        "cwe-reminder,baseline".as_ref(),
        "--subjects".as_ref(),
        "m1".as_ref(),
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("A = cwe-reminder\nB = baseline\n16 paired samples (matched on subject, task and sample index; 0 of A and 0 of B unmatched)"), "{text}");
    let line: Vec<&str> = text
        .lines()
        .find(|l| l.starts_with("func_sec"))
        .unwrap()
        .split_whitespace()
        .collect();
    // outcome, A, B, A - B, [lo,, hi], b, c, p
    assert_eq!(line[3], "37.5", "{text}");
    assert_eq!(line[line.len() - 3..], ["6", "0", "0.031"], "{text}");

    // A strategy the run does not have is refused, naming those it has.
    let out = Command::new(env!("CARGO_BIN_EXE_secgap"))
        .arg("compare")
        .arg(&dir)
        .args(["--strategies", "self-review,baseline"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no strategy `self-review` (it has: baseline, cwe-reminder)"),
        "{err}"
    );
}

#[test]
fn a_run_of_one_strategy_has_no_strategy_section() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    build(&dir, &["baseline"]);
    let (json, md, html) = report(&dir);
    assert!(json.get("strategies").is_none(), "{}", json["strategies"]);
    assert!(!md.contains("Strategies against"), "{md}");
    assert!(html.contains("This run used one strategy (baseline)"));
    assert!(!html.contains("<table class=\"paths\">"));
}
