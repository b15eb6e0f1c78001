//! How far the static analyzers agree with the executed tests.
//!
//! The executed tests are the truth here; an analyzer is a second opinion
//! measured against them, never a substitute. The unit is a (sample, CWE)
//! pair, for each CWE the sample's task is about:
//! - *executed positive*: a security test for that CWE failed;
//!   *executed negative*: every security test for it passed. A pair whose
//!   tests did not run, or only errored, or that has no test for the CWE,
//!   has no truth and is left out;
//! - *flagged*: the analyzer ran on the sample and reported a finding
//!   mapped to that CWE or to its direct parent or child in CWE's research
//!   view ([`crate::model::cwe::flags`]). A sample the analyzer did not
//!   run on (missing, failed) is left out of its counts.
//!
//! From the 2×2 table of flagged × executed: precision (flagged pairs that
//! were exploitable), recall (exploitable pairs flagged) with Wilson 95 %
//! intervals, and Cohen's κ; per analyzer, per language and per CWE, and
//! for "any analyzer" (a pair flagged by at least one that ran). Per
//! sample, regardless of CWE: the share of func-sec samples an analyzer
//! would have called insecure (any finding), and of the samples an
//! executed attack broke that it reported nothing on.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::analyze::metrics::Rate;
use crate::model::{
    Cwe, ExportSample, SampleStatus, StaticRow, StaticRun, StaticStatus, TestKind, TestOutcome,
};
use crate::suite::Suite;

/// The union of every analyzer that ran, as one more row.
pub const ANY: &str = "any";

/// A 2×2 table of the analyzer's flags against the executed verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Flagged, and an executed test for the CWE failed.
    pub tp: u64,
    /// Flagged, but every executed test for the CWE passed.
    pub fp: u64,
    /// Not flagged, but an executed test for the CWE failed.
    #[serde(rename = "fn")]
    pub fn_: u64,
    /// Not flagged, and every executed test passed.
    pub tn: u64,
}

impl Confusion {
    fn add(&mut self, flagged: bool, exploited: bool) {
        match (flagged, exploited) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => self.tn += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.fn_ + self.tn
    }
}

/// What scope a row of the table covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum Scope {
    All,
    Language(String),
    Cwe(Cwe),
}

/// One row: an analyzer (or [`ANY`]) over one scope.
#[derive(Debug, Clone, Serialize)]
pub struct AgreementRow {
    pub analyzer: String,
    pub scope: Scope,
    pub counts: Confusion,
    /// tp / (tp + fp); None with nothing flagged.
    pub precision: Option<Rate>,
    /// tp / (tp + fn); None with nothing exploited.
    pub recall: Option<Rate>,
    /// Cohen's κ; None where it is undefined (one answer throughout).
    pub kappa: Option<f64>,
}

impl AgreementRow {
    fn new(analyzer: &str, scope: Scope, c: Confusion) -> AgreementRow {
        AgreementRow {
            analyzer: analyzer.to_string(),
            scope,
            counts: c,
            precision: (c.tp + c.fp > 0).then(|| Rate::new(c.tp, c.tp + c.fp)),
            recall: (c.tp + c.fn_ > 0).then(|| Rate::new(c.tp, c.tp + c.fn_)),
            kappa: secgap_stats::cohen_kappa(c.tp, c.fp, c.fn_, c.tn),
        }
    }
}

/// Per analyzer: how it ran, what it cost, and its sample-level calls.
#[derive(Debug, Clone, Serialize)]
pub struct AnalyzerSummary {
    pub analyzer: String,
    /// The versions it reported (one, unless the run was resumed on
    /// another machine).
    pub versions: Vec<String>,
    /// Samples it was asked to analyze (its languages' samples).
    pub samples: u64,
    pub ran: u64,
    pub failed: u64,
    pub skipped: u64,
    /// Findings over every sample it ran on.
    pub findings: u64,
    /// Samples it ran on with no finding (`static_clean`).
    pub clean: u64,
    /// Wall time per sample it ran on: mean and median, in milliseconds.
    pub mean_ms: Option<f64>,
    pub median_ms: Option<u64>,
    /// Func-sec samples (by the executed tests) it ran on that it would
    /// have called insecure: any finding.
    pub func_sec_flagged: Option<Rate>,
    /// Samples an executed security test broke that it ran on and
    /// reported nothing on at all.
    pub insecure_missed: Option<Rate>,
}

/// The whole comparison for a run.
#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    /// What a unit is and when it counts, for readers of the JSON.
    pub definition: &'static str,
    pub analyzers: Vec<AnalyzerSummary>,
    /// Per analyzer (then [`ANY`]): all, each language, each CWE.
    pub rows: Vec<AgreementRow>,
}

pub const DEFINITION: &str = "unit = (sample, CWE of its task); executed positive = a security test for that CWE failed, negative = all of them passed (pairs whose tests did not run or only errored are left out); flagged = the analyzer ran and reported a finding mapped to that CWE or its direct parent or child in CWE-1000; precision = tp/(tp+fp), recall = tp/(tp+fn), Wilson 95 % intervals, Cohen's kappa; 'any' flags a pair when at least one analyzer that ran did";

/// The executed truth of each CWE of the sample's task: Some(true) when a
/// security test for it failed, Some(false) when all passed, None when
/// there is none that reached a verdict.
fn truth(row: &StaticRow, cwes: &[Cwe]) -> Vec<(Cwe, bool)> {
    if row.not_run {
        return Vec::new();
    }
    cwes.iter()
        .filter_map(|c| {
            let tests: Vec<TestOutcome> = row
                .security
                .iter()
                .filter(|(t, _)| *t == Some(*c))
                .map(|(_, o)| *o)
                .collect();
            if tests.contains(&TestOutcome::Fail) {
                Some((*c, true))
            } else if !tests.is_empty() && tests.iter().all(|o| *o == TestOutcome::Pass) {
                Some((*c, false))
            } else {
                None
            }
        })
        .collect()
}

#[derive(Default)]
struct Acc {
    versions: BTreeSet<String>,
    samples: u64,
    ran: u64,
    failed: u64,
    skipped: u64,
    findings: u64,
    clean: u64,
    ms: Vec<u64>,
    func_sec: u64,
    func_sec_flagged: u64,
    insecure: u64,
    insecure_missed: u64,
    all: Confusion,
    by_language: BTreeMap<String, Confusion>,
    by_cwe: BTreeMap<Cwe, Confusion>,
}

impl Acc {
    /// One sample this analyzer (or the union) ran on, clean or not, with
    /// the flags it raised for each CWE that has an executed truth.
    fn ran_on(&mut self, row: &StaticRow, clean: bool, ms: u64, flags: &[(Cwe, bool, bool)]) {
        self.ms.push(ms);
        self.clean += clean as u64;
        if !row.not_run && row.functional && row.secure {
            self.func_sec += 1;
            self.func_sec_flagged += !clean as u64;
        }
        if !row.not_run && row.security.iter().any(|(_, o)| *o == TestOutcome::Fail) {
            self.insecure += 1;
            self.insecure_missed += clean as u64;
        }
        for (c, flagged, exploited) in flags {
            self.all.add(*flagged, *exploited);
            self.by_language
                .entry(row.language.clone())
                .or_default()
                .add(*flagged, *exploited);
            self.by_cwe.entry(*c).or_default().add(*flagged, *exploited);
        }
    }
}

/// Gathers the agreement one sample at a time (the report's single pass).
#[derive(Default)]
pub struct AgreementTally {
    order: Vec<String>,
    acc: BTreeMap<String, Acc>,
}

impl AgreementTally {
    pub fn new() -> AgreementTally {
        AgreementTally::default()
    }

    /// Count one analyzed sample. Tasks no longer in `suite` are left out
    /// (their CWEs are unknown).
    pub fn add(&mut self, suite: &Suite, row: &StaticRow) {
        let Some(task) = suite.task(&row.key.task) else {
            return;
        };
        let truth = truth(row, &task.cwes);
        let mut ran: Vec<&StaticRun> = Vec::new();
        for run in &row.runs {
            if !self.order.contains(&run.analyzer) {
                self.order.push(run.analyzer.clone());
            }
            let a = self.acc.entry(run.analyzer.clone()).or_default();
            a.samples += 1;
            if let Some(v) = &run.version {
                a.versions.insert(v.clone());
            }
            match run.status {
                StaticStatus::Ran => a.ran += 1,
                StaticStatus::Failed => a.failed += 1,
                StaticStatus::Skipped => a.skipped += 1,
            }
            if run.status != StaticStatus::Ran {
                continue;
            }
            ran.push(run);
            a.findings += run.findings.len() as u64;
            let flags: Vec<(Cwe, bool, bool)> = truth
                .iter()
                .map(|(c, exploited)| (*c, run.flags(*c), *exploited))
                .collect();
            a.ran_on(row, run.findings.is_empty(), run.duration_ms, &flags);
        }
        if ran.is_empty() {
            return;
        }
        let a = self.acc.entry(ANY.to_string()).or_default();
        a.samples += 1;
        a.ran += 1;
        a.findings += ran.iter().map(|r| r.findings.len() as u64).sum::<u64>();
        let flags: Vec<(Cwe, bool, bool)> = truth
            .iter()
            .map(|(c, exploited)| (*c, ran.iter().any(|r| r.flags(*c)), *exploited))
            .collect();
        let clean = ran.iter().all(|r| r.findings.is_empty());
        let ms = ran.iter().map(|r| r.duration_ms).sum();
        a.ran_on(row, clean, ms, &flags);
    }

    /// Count one exported sample, if it was analyzed.
    pub fn add_sample(&mut self, suite: &Suite, s: &ExportSample) {
        if s.static_runs.is_empty() || s.status != SampleStatus::Scored {
            return;
        }
        let security: Vec<(Option<Cwe>, TestOutcome)> = s
            .verdicts
            .iter()
            .filter(|v| v.kind == TestKind::Security)
            .map(|v| (v.cwe, v.outcome))
            .collect();
        let row = StaticRow {
            key: s.key.clone(),
            language: s.language.clone(),
            functional: s.functional.unwrap_or(false),
            secure: s.secure.unwrap_or(false),
            not_run: StaticRow::untested(&security),
            security,
            runs: s.static_runs.clone(),
        };
        self.add(suite, &row);
    }

    /// The comparison, or None when no sample was analyzed.
    pub fn finish(mut self) -> Option<Agreement> {
        if self.order.is_empty() {
            return None;
        }
        if self.acc.contains_key(ANY) {
            self.order.push(ANY.to_string());
        }
        let mut analyzers = Vec::new();
        let mut table = Vec::new();
        for name in self.order {
            let mut a = self.acc.remove(&name).unwrap_or_default();
            a.ms.sort_unstable();
            analyzers.push(AnalyzerSummary {
                analyzer: name.clone(),
                versions: a.versions.into_iter().collect(),
                samples: a.samples,
                ran: a.ran,
                failed: a.failed,
                skipped: a.skipped,
                findings: a.findings,
                clean: a.clean,
                mean_ms: (!a.ms.is_empty())
                    .then(|| a.ms.iter().sum::<u64>() as f64 / a.ms.len() as f64),
                median_ms: (!a.ms.is_empty()).then(|| a.ms[a.ms.len() / 2]),
                func_sec_flagged: (a.func_sec > 0)
                    .then(|| Rate::new(a.func_sec_flagged, a.func_sec)),
                insecure_missed: (a.insecure > 0).then(|| Rate::new(a.insecure_missed, a.insecure)),
            });
            if a.all.total() == 0 {
                continue;
            }
            table.push(AgreementRow::new(&name, Scope::All, a.all));
            for (l, c) in a.by_language {
                table.push(AgreementRow::new(&name, Scope::Language(l), c));
            }
            for (cwe, c) in a.by_cwe {
                table.push(AgreementRow::new(&name, Scope::Cwe(cwe), c));
            }
        }
        Some(Agreement {
            definition: DEFINITION,
            analyzers,
            rows: table,
        })
    }
}

/// Measure every analyzer in `rows` against the executed verdicts.
pub fn analyze(suite: &Suite, rows: &[StaticRow]) -> Option<Agreement> {
    let mut t = AgreementTally::new();
    for r in rows {
        t.add(suite, r);
    }
    t.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Finding, SampleKey, Severity};

    fn suite() -> Suite {
        let root =
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
        crate::suite::load(&root).unwrap()
    }

    fn finding(rule: &str, cwe: u32) -> Finding {
        Finding {
            rule: rule.into(),
            message: "m".into(),
            line: Some(1),
            column: None,
            severity: Severity::Warning,
            cwes: vec![Cwe(cwe)],
        }
    }

    fn run(analyzer: &str, status: StaticStatus, findings: Vec<Finding>) -> StaticRun {
        StaticRun {
            analyzer: analyzer.into(),
            version: Some("1".into()),
            status,
            message: None,
            duration_ms: 100,
            findings,
        }
    }

    fn row(
        task: &str,
        index: u32,
        security: &[(u32, TestOutcome)],
        functional: bool,
        runs: Vec<StaticRun>,
    ) -> StaticRow {
        StaticRow {
            key: SampleKey {
                subject: "s".into(),
                strategy: "baseline".into(),
                task: task.into(),
                index,
            },
            language: "python".into(),
            functional,
            secure: security.iter().all(|(_, o)| *o == TestOutcome::Pass),
            not_run: security.iter().any(|(_, o)| !o.ran()),
            security: security.iter().map(|(c, o)| (Some(Cwe(*c)), *o)).collect(),
            runs,
        }
    }

    #[test]
    fn counts_precision_recall_and_kappa_against_the_executed_verdicts() {
        use StaticStatus::*;
        use TestOutcome::*;
        let sql = "py-sql-user-lookup";
        let b608 = || vec![finding("B608", 89)];
        let rows = vec![
            // Flags safe code: a false positive.
            row(
                sql,
                0,
                &[(89, Pass)],
                true,
                vec![run("bandit", Ran, b608())],
            ),
            // Flags exploitable code: a true positive.
            row(
                sql,
                1,
                &[(89, Fail)],
                true,
                vec![run("bandit", Ran, b608())],
            ),
            // Silent on exploitable code, while Semgrep ran and caught it.
            row(
                sql,
                2,
                &[(89, Fail)],
                true,
                vec![run("bandit", Ran, vec![]), run("semgrep", Ran, b608())],
            ),
            // Silent on safe code.
            row(
                sql,
                3,
                &[(89, Pass)],
                true,
                vec![run("bandit", Ran, vec![])],
            ),
            // The tests did not run: no truth, left out.
            row(
                sql,
                4,
                &[(89, NotRun)],
                false,
                vec![run("bandit", Ran, b608())],
            ),
            // Bandit failed: left out of its counts.
            row(
                sql,
                5,
                &[(89, Fail)],
                true,
                vec![run("bandit", Failed, vec![])],
            ),
            // A weak-PRNG task: B311's CWE-330 flags CWE-338 (its child,
            // exploited) and CWE-330 (safe here).
            row(
                "py-reset-token",
                0,
                &[(338, Fail), (330, Pass), (330, Pass)],
                true,
                vec![run("bandit", Ran, vec![finding("B311", 330)])],
            ),
        ];
        let a = analyze(&suite(), &rows).unwrap();
        let all = |name: &str| {
            a.rows
                .iter()
                .find(|r| r.analyzer == name && r.scope == Scope::All)
                .unwrap()
                .clone()
        };
        let b = all("bandit");
        assert_eq!(
            b.counts,
            Confusion {
                tp: 2,
                fp: 2,
                fn_: 1,
                tn: 1
            }
        );
        assert_eq!(
            b.precision.as_ref().map(|r| (r.successes, r.trials)),
            Some((2, 4))
        );
        assert_eq!(
            b.recall.as_ref().map(|r| (r.successes, r.trials)),
            Some((2, 3))
        );
        // p_o = 3/6, p_e = 4/6 * 3/6 + 2/6 * 3/6 = 1/2: no agreement beyond chance.
        assert!(b.kappa.unwrap().abs() < 1e-12);
        // "any" joins bandit and semgrep on sample 2: a true positive there.
        let any = all(ANY);
        assert_eq!((any.counts.tp, any.counts.fn_), (3, 0));
        let cwe338 = a
            .rows
            .iter()
            .find(|r| r.analyzer == "bandit" && r.scope == Scope::Cwe(Cwe(338)))
            .unwrap();
        assert_eq!(cwe338.counts.tp, 1);
        let summary = a.analyzers.iter().find(|s| s.analyzer == "bandit").unwrap();
        assert_eq!((summary.ran, summary.failed, summary.samples), (6, 1, 7));
        // Func-sec samples 0 and 3: bandit flags one of them.
        let fs = summary.func_sec_flagged.as_ref().unwrap();
        assert_eq!((fs.successes, fs.trials), (1, 2));
        // Broken samples 1, 2 and the token one: silent on sample 2 only.
        let missed = summary.insecure_missed.as_ref().unwrap();
        assert_eq!((missed.successes, missed.trials), (1, 3));
        assert_eq!(a.analyzers.last().unwrap().analyzer, ANY);
    }

    #[test]
    fn nothing_analyzed_is_no_report() {
        assert!(analyze(&suite(), &[]).is_none());
    }
}
