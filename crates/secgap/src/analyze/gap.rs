//! Level 3: the knowledge–actuation gap. Joins each subject's
//! understanding of a task (Level 1, [`crate::plan::probe::task_understanding`])
//! with its code samples on that task (Level 2) and computes:
//!
//! - per subject: mean understanding, and the gap rate P(not func-sec |
//!   understood) over its samples of tasks it understood (task score at
//!   least 0.5), with a Wilson 95 % interval, and a task-clustered
//!   bootstrap interval of its func-sec rate;
//! - per subject and principle: the 2×2 of understood (the principle's
//!   score at least 0.5) × func-sec over the samples of tasks with that
//!   principle, and its gap rate;
//! - logistic regressions of functional, secure and func-sec on the
//!   understanding score with subject terms, standard errors clustered by
//!   task (Firth when the data are separated; without subject terms when
//!   they are collinear with understanding, said in the notes);
//! - Spearman's rank correlation of understanding and func-sec rate across
//!   subjects (3 or more subjects);
//! - McNemar's test of func-sec for each pair of subjects on the same
//!   (strategy, task, sample index).
//!
//! Plain inputs and outputs: the caller reads the store.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::analyze::metrics::{wilson, Z95};
use crate::analyze::text;
use crate::model::{ProbeAnswerRow, ScoredRow, SubjectId, TaskId};
use crate::plan::probe::Probe;
use crate::score::probe::{self, Answer, TaskUnderstanding};
use crate::suite::Suite;
use secgap_stats as stats;

/// A subject counts as understanding a task (or a principle) at this score.
pub const UNDERSTOOD: f64 = 0.5;
/// Seed of the bootstrap intervals.
pub const BOOTSTRAP_SEED: u64 = 20_261_123;

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub knew_did: u64,
    pub knew_failed: u64,
    pub missed_did: u64,
    pub neither: u64,
}

impl Cell {
    fn add(&mut self, understood: bool, func_sec: bool) {
        match (understood, func_sec) {
            (true, true) => self.knew_did += 1,
            (true, false) => self.knew_failed += 1,
            (false, true) => self.missed_did += 1,
            (false, false) => self.neither += 1,
        }
    }

    /// P(not func-sec | understood) and its Wilson 95 % interval.
    pub fn gap_rate(&self) -> Option<(f64, [f64; 2])> {
        let n = self.knew_did + self.knew_failed;
        (n > 0).then(|| {
            let ci = wilson(self.knew_failed, n, Z95);
            (self.knew_failed as f64 / n as f64, [ci.lo, ci.hi])
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PrincipleGap {
    pub principle: String,
    /// Mean over the subject's tasks with this principle of its understanding score.
    pub understanding: Option<f64>,
    pub cell: Cell,
    pub gap_rate: Option<f64>,
    pub gap_ci95: Option<[f64; 2]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubjectGap {
    pub subject: String,
    /// Mean over tasks of the task understanding score.
    pub understanding: Option<f64>,
    pub samples: u64,
    pub func_sec_rate: f64,
    /// Percentile interval of the func-sec rate, resampling tasks.
    pub func_sec_bootstrap95: Option<[f64; 2]>,
    pub cell: Cell,
    pub gap_rate: Option<f64>,
    pub gap_ci95: Option<[f64; 2]>,
    pub tasks: Vec<TaskUnderstanding>,
    pub principles: Vec<PrincipleGap>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRegression {
    /// functional, secure or func_sec.
    pub outcome: String,
    /// The fit, or why there is no estimate to report (no fit, a fit that
    /// did not converge, an odds ratio that is not a finite number).
    pub result: Result<stats::Regression, String>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairTest {
    pub first: String,
    pub second: String,
    pub pairs: u64,
    pub result: Result<stats::McNemar, String>,
}

/// One subject's gap under one strategy.
#[derive(Debug, Clone, Serialize)]
pub struct StrategySubjectGap {
    pub subject: String,
    pub samples: u64,
    pub func_sec_rate: f64,
    pub cell: Cell,
    pub gap_rate: Option<f64>,
    pub gap_ci95: Option<[f64; 2]>,
}

/// The gap of one strategy: its samples only, never pooled with another
/// strategy's. Understanding is the subject's Level 1 score (the same
/// under every strategy); the outcomes are the strategy's.
#[derive(Debug, Clone, Serialize)]
pub struct StrategyGap {
    pub strategy: String,
    pub subjects: Vec<StrategySubjectGap>,
    pub regressions: Vec<OutcomeRegression>,
}

/// Whether principle-self's own first answer (its named principles,
/// graded like an identify probe) predicts the func-sec outcome of the
/// code it then wrote.
#[derive(Debug, Clone, Serialize)]
pub struct SelfIdentifiedGap {
    pub strategy: String,
    /// Scored samples with a graded first answer.
    pub samples: u64,
    /// Of those, answers that could not be read (scored 0).
    pub unparsed: u64,
    /// Answers naming exactly the task's principles.
    pub exact: u64,
    /// Mean Jaccard score of the answers.
    pub mean_score: Option<f64>,
    /// The 2×2 of named (Jaccard at least [`UNDERSTOOD`]) × func-sec.
    pub cell: Cell,
    pub gap_rate: Option<f64>,
    pub gap_ci95: Option<[f64; 2]>,
    /// func-sec on the Jaccard score (the coefficient keeps the name
    /// `understanding`), subject terms where supported, clustered by task.
    pub regression: OutcomeRegression,
    /// Said when the samples are too few for an odds ratio.
    pub note: Option<String>,
}

/// One principle-self sample: its outcome with the grade of its first answer.
#[derive(Debug, Clone)]
pub struct SelfObservation<'a> {
    /// `score` is the answer's Jaccard score.
    pub obs: Observation<'a>,
    pub parsed: bool,
    pub exact: bool,
}

/// principle-self's first answers against its outcomes.
pub fn self_identified_gap(strategy: &str, rows: &[SelfObservation]) -> SelfIdentifiedGap {
    let mut cell = Cell {
        knew_did: 0,
        knew_failed: 0,
        missed_did: 0,
        neither: 0,
    };
    for r in rows {
        cell.add(r.obs.score >= UNDERSTOOD, r.obs.functional && r.obs.secure);
    }
    let obs: Vec<Observation> = rows.iter().map(|r| r.obs.clone()).collect();
    let regression = fit_outcomes(&obs, &["func_sec"])
        .pop()
        .expect("one outcome asked, one fitted");
    let n = rows.len();
    let gap = cell.gap_rate();
    SelfIdentifiedGap {
        strategy: strategy.to_string(),
        samples: n as u64,
        unparsed: rows.iter().filter(|r| !r.parsed).count() as u64,
        exact: rows.iter().filter(|r| r.exact).count() as u64,
        mean_score: (n > 0).then(|| rows.iter().map(|r| r.obs.score).sum::<f64>() / n as f64),
        gap_rate: gap.map(|g| g.0),
        gap_ci95: gap.map(|g| g.1),
        cell,
        regression,
        note: (n < MIN_OBSERVATIONS).then(|| {
            format!(
                "only {n} scored {strategy} sample{} with a graded first answer; whether the answer predicts the outcome needs at least {MIN_OBSERVATIONS}",
                if n == 1 { "" } else { "s" }
            )
        }),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GapReport {
    pub understood_at: f64,
    pub subjects: Vec<SubjectGap>,
    pub regressions: Vec<OutcomeRegression>,
    /// Per strategy, when the run has more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_strategy: Vec<StrategyGap>,
    pub spearman: Option<Result<stats::Spearman, String>>,
    pub mcnemar: Vec<PairTest>,
    /// Agreement of the judges (two or more) on explain answers: Fleiss'
    /// kappa over (answer, principle) items every judge gave a verdict on.
    pub judge_agreement: Option<Result<stats::FleissKappa, String>>,
}

/// Analyse a run: its probes, the stored answers and the scored samples.
pub fn analyze(
    suite: &Suite,
    subjects: &[String],
    probes: &[Probe],
    answers: &[ProbeAnswerRow],
    samples: &[ScoredRow],
) -> GapReport {
    let by_id: HashMap<&str, &Probe> = probes.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut out = Vec::new();
    // (subject, task) -> understanding, for the regressions.
    let mut score_of: HashMap<(SubjectId, TaskId), f64> = HashMap::new();
    for subject in subjects {
        let mine: Vec<&ProbeAnswerRow> = answers
            .iter()
            .filter(|a| &a.subject == subject && a.answered)
            .collect();
        let judged: Vec<Answer> = mine
            .iter()
            .filter_map(|a| {
                Some(Answer {
                    probe: by_id.get(a.probe_id.as_str())?,
                    grade: a.grade.as_ref(),
                    judgments: a.judgments.iter().map(|(_, v)| v.clone()).collect(),
                })
            })
            .collect();
        let mut task_ids: Vec<&str> = probes.iter().map(|p| p.task.as_str()).collect();
        task_ids.dedup();
        let tasks: Vec<TaskUnderstanding> = task_ids
            .iter()
            .filter_map(|t| suite.task(t))
            .map(|t| probe::task_understanding(t, &judged))
            .collect();
        let scores: Vec<f64> = tasks.iter().filter_map(|t| t.score).collect();
        for t in &tasks {
            if let Some(s) = t.score {
                score_of.insert((subject.as_str().into(), t.task.as_str().into()), s);
            }
        }
        let rows: Vec<&ScoredRow> = samples
            .iter()
            .filter(|r| &r.key.subject == subject)
            .collect();
        let mut cell = Cell {
            knew_did: 0,
            knew_failed: 0,
            missed_did: 0,
            neither: 0,
        };
        let mut principles: BTreeMap<String, Cell> = BTreeMap::new();
        let mut principle_scores: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for t in &tasks {
            for (p, v) in &t.principles {
                if let Some(v) = v {
                    principle_scores.entry(p.clone()).or_default().push(*v);
                }
            }
        }
        for r in &rows {
            let fs = r.functional && r.secure;
            let Some(t) = tasks.iter().find(|t| t.task == r.key.task) else {
                continue;
            };
            if let Some(s) = t.score {
                cell.add(s >= UNDERSTOOD, fs);
            }
            for (p, v) in &t.principles {
                if let Some(v) = v {
                    principles
                        .entry(p.clone())
                        .or_insert(Cell {
                            knew_did: 0,
                            knew_failed: 0,
                            missed_did: 0,
                            neither: 0,
                        })
                        .add(*v >= UNDERSTOOD, fs);
                }
            }
        }
        let fs: Vec<bool> = rows.iter().map(|r| r.functional && r.secure).collect();
        let task_labels: Vec<&str> = rows.iter().map(|r| r.key.task.as_str()).collect();
        let boot = (!fs.is_empty())
            .then(|| {
                stats::bootstrap_rate(
                    &fs,
                    &stats::Clusters::from_labels(&task_labels),
                    stats::DEFAULT_REPLICATES,
                    BOOTSTRAP_SEED,
                )
                .ok()
            })
            .flatten();
        let gap = cell.gap_rate();
        out.push(SubjectGap {
            subject: subject.clone(),
            understanding: (!scores.is_empty())
                .then(|| scores.iter().sum::<f64>() / scores.len() as f64),
            samples: rows.len() as u64,
            func_sec_rate: if fs.is_empty() {
                0.0
            } else {
                fs.iter().filter(|x| **x).count() as f64 / fs.len() as f64
            },
            func_sec_bootstrap95: boot.map(|b| [b.lo, b.hi]),
            gap_rate: gap.map(|g| g.0),
            gap_ci95: gap.map(|g| g.1),
            cell,
            tasks,
            principles: principles
                .into_iter()
                .map(|(principle, cell)| {
                    let g = cell.gap_rate();
                    let u = principle_scores.get(&principle);
                    PrincipleGap {
                        understanding: u.map(|v| v.iter().sum::<f64>() / v.len() as f64),
                        principle,
                        gap_rate: g.map(|g| g.0),
                        gap_ci95: g.map(|g| g.1),
                        cell,
                    }
                })
                .collect(),
        });
    }
    let all: Vec<&ScoredRow> = samples.iter().collect();
    GapReport {
        understood_at: UNDERSTOOD,
        regressions: regressions(&all, &score_of, suite),
        by_strategy: by_strategy(subjects, samples, &score_of, suite),
        spearman: spearman_across(&out),
        mcnemar: pair_tests(subjects, samples),
        judge_agreement: judge_agreement(answers),
        subjects: out,
    }
}

/// The gap per strategy (none when the run has one strategy).
fn by_strategy(
    subjects: &[String],
    samples: &[ScoredRow],
    score_of: &HashMap<(SubjectId, TaskId), f64>,
    suite: &Suite,
) -> Vec<StrategyGap> {
    let mut strategies: Vec<&str> = Vec::new();
    for r in samples {
        if !strategies.contains(&r.key.strategy.as_str()) {
            strategies.push(r.key.strategy.as_str());
        }
    }
    if strategies.len() < 2 {
        return Vec::new();
    }
    strategies
        .into_iter()
        .map(|strategy| {
            let mine: Vec<&ScoredRow> = samples
                .iter()
                .filter(|r| r.key.strategy == strategy)
                .collect();
            let per_subject = subjects
                .iter()
                .map(|subject| {
                    let mut cell = Cell {
                        knew_did: 0,
                        knew_failed: 0,
                        missed_did: 0,
                        neither: 0,
                    };
                    let (mut n, mut fs) = (0u64, 0u64);
                    for r in mine.iter().filter(|r| &r.key.subject == subject) {
                        let ok = r.functional && r.secure;
                        n += 1;
                        fs += ok as u64;
                        if let Some(s) = score_of.get(&(r.key.subject.clone(), r.key.task.clone()))
                        {
                            cell.add(*s >= UNDERSTOOD, ok);
                        }
                    }
                    let gap = cell.gap_rate();
                    StrategySubjectGap {
                        subject: subject.clone(),
                        samples: n,
                        func_sec_rate: if n == 0 { 0.0 } else { fs as f64 / n as f64 },
                        gap_rate: gap.map(|g| g.0),
                        gap_ci95: gap.map(|g| g.1),
                        cell,
                    }
                })
                .filter(|g| g.samples > 0)
                .collect();
            StrategyGap {
                strategy: strategy.to_string(),
                subjects: per_subject,
                regressions: regressions(&mine, score_of, suite),
            }
        })
        .collect()
}

fn judge_agreement(answers: &[ProbeAnswerRow]) -> Option<Result<stats::FleissKappa, String>> {
    let judges = answers.iter().map(|a| a.judgments.len()).max().unwrap_or(0);
    if judges < 2 {
        return None;
    }
    let mut items: Vec<Vec<bool>> = Vec::new();
    for a in answers {
        let read: Vec<&Vec<bool>> = a.judgments.iter().filter_map(|(_, v)| v.as_ref()).collect();
        if read.len() != judges || read.iter().any(|v| v.len() != read[0].len()) {
            continue;
        }
        for i in 0..read[0].len() {
            items.push(read.iter().map(|v| v[i]).collect());
        }
    }
    Some(stats::fleiss_kappa_from_ratings(&items).map_err(|e| e.to_string()))
}

/// One sample as a regression of its outcomes on a score sees it.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    pub subject: &'a str,
    pub language: &'a str,
    /// The cluster of its standard errors.
    pub task: &'a str,
    /// The predictor (named `understanding` in the fit).
    pub score: f64,
    pub functional: bool,
    pub secure: bool,
}

fn regressions(
    samples: &[&ScoredRow],
    score_of: &HashMap<(SubjectId, TaskId), f64>,
    suite: &Suite,
) -> Vec<OutcomeRegression> {
    let obs: Vec<Observation> = samples
        .iter()
        .filter_map(|r| {
            let s = score_of.get(&(r.key.subject.clone(), r.key.task.clone()))?;
            Some(Observation {
                subject: r.key.subject.as_str(),
                language: suite.task(&r.key.task).map_or("?", |t| t.language.name()),
                task: r.key.task.as_str(),
                score: *s,
                functional: r.functional,
                secure: r.secure,
            })
        })
        .collect();
    fit_outcomes(&obs, &OUTCOME_NAMES)
}

const OUTCOME_NAMES: [&str; 3] = ["functional", "secure", "func_sec"];

/// Logistic regressions of each named outcome (`functional`, `secure`,
/// `func_sec`) on the score, with subject and language terms where the
/// data support them, standard errors clustered by task; Firth's fit
/// under separation. Shared by the gap (the score is Level 1
/// understanding) and principle-self (the grade of its own first answer).
pub fn fit_outcomes(obs: &[Observation], outcomes: &[&str]) -> Vec<OutcomeRegression> {
    let understanding: Vec<f64> = obs.iter().map(|o| o.score).collect();
    let subject: Vec<&str> = obs.iter().map(|o| o.subject).collect();
    let language: Vec<&str> = obs.iter().map(|o| o.language).collect();
    let tasks: Vec<&str> = obs.iter().map(|o| o.task).collect();
    let clusters = stats::Clusters::from_labels(&tasks);
    outcomes
        .iter()
        .map(|name| {
            let y: Vec<bool> = obs
                .iter()
                .map(|o| match *name {
                    "functional" => o.functional,
                    "secure" => o.secure,
                    _ => o.functional && o.secure,
                })
                .collect();
            let mut notes = Vec::new();
            // Richest model first; drop terms the data cannot support.
            let attempts: [(&str, bool, bool); 3] = [
                ("understanding + subject + language", true, true),
                ("understanding + subject", true, false),
                ("understanding", false, false),
            ];
            let mut result = Err("no observations with both levels".to_string());
            for (label, with_subject, with_language) in attempts {
                let mut b = stats::Design::builder(y.len())
                    .intercept()
                    .continuous("understanding", &understanding);
                if with_subject {
                    b = b.categorical("subject", &subject, None);
                }
                if with_language {
                    b = b.categorical("language", &language, None);
                }
                let fitted = b
                    .build()
                    .and_then(|x| stats::fit_logit_or_firth(&y, &x, Some(&clusters)))
                    .map_err(|e| e.to_string())
                    .and_then(estimable);
                match fitted {
                    Ok(reg) => {
                        notes.push(format!("model: {name} ~ {label}"));
                        result = Ok(reg);
                        break;
                    }
                    Err(e) => {
                        notes.push(format!("{name} ~ {label}: {e}"));
                        result = Err(e.to_string());
                    }
                }
            }
            OutcomeRegression {
                outcome: name.to_string(),
                result,
                notes,
            }
        })
        .collect()
}

/// Below this many observations no odds ratio is reported.
pub const MIN_OBSERVATIONS: usize = 10;

/// An interval whose upper end is more than this many times its lower end
/// says nothing about the odds ratio, however it was computed.
const MAX_CI_RATIO: f64 = 1e6;

/// A fit whose numbers can be reported: it converged on at least
/// [`MIN_OBSERVATIONS`], and the odds ratio of understanding and its
/// interval are finite and narrower than [`MAX_CI_RATIO`]. Otherwise the reason,
/// for the reports to print as "not estimable (reason)" instead of the
/// last iterate's numbers.
fn estimable(reg: stats::Regression) -> Result<stats::Regression, String> {
    let estimator = match reg.fit.estimator {
        stats::Estimator::Firth => "Firth's penalised fit",
        stats::Estimator::MaximumLikelihood => "the maximum-likelihood fit",
    };
    let separated = reg
        .separation
        .as_ref()
        .map_or(String::new(), |s| format!(" ({})", s.message));
    if !reg.fit.converged {
        return Err(format!(
            "{estimator} did not converge in {} iterations on {} observations{separated}",
            reg.fit.iterations, reg.fit.observations
        ));
    }
    if let Some(c) = reg.fit.coefficient("understanding") {
        if ![c.odds_ratio, c.or_ci_low, c.or_ci_high, c.p_value]
            .iter()
            .all(|v| v.is_finite())
        {
            return Err(format!(
                "{estimator} gave no finite odds ratio for understanding on {} observations{separated}",
                reg.fit.observations
            ));
        }
        if reg.fit.observations < MIN_OBSERVATIONS {
            return Err(format!(
                "only {} observations; an odds ratio needs at least {MIN_OBSERVATIONS}",
                reg.fit.observations
            ));
        }
        if c.or_ci_low <= 0.0 || c.or_ci_high / c.or_ci_low > MAX_CI_RATIO {
            return Err(format!(
                "{estimator}'s 95 % interval for the odds ratio spans more than six orders of magnitude on {} observations: the data cannot say{separated}",
                reg.fit.observations
            ));
        }
    }
    Ok(reg)
}

fn spearman_across(subjects: &[SubjectGap]) -> Option<Result<stats::Spearman, String>> {
    let pairs: Vec<(f64, f64)> = subjects
        .iter()
        .filter_map(|s| Some((s.understanding?, s.func_sec_rate)))
        .collect();
    (pairs.len() >= 3).then(|| {
        let (u, f): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        stats::spearman(&u, &f).map_err(|e| e.to_string())
    })
}

fn pair_tests(subjects: &[String], samples: &[ScoredRow]) -> Vec<PairTest> {
    let mut by_key: HashMap<(&str, &str, u32, &str), bool> = HashMap::new();
    for r in samples {
        by_key.insert(
            (
                r.key.strategy.as_str(),
                r.key.task.as_str(),
                r.key.index,
                r.key.subject.as_str(),
            ),
            r.functional && r.secure,
        );
    }
    let mut out = Vec::new();
    for (i, a) in subjects.iter().enumerate() {
        for b in &subjects[i + 1..] {
            let mut first = Vec::new();
            let mut second = Vec::new();
            for r in samples.iter().filter(|r| &r.key.subject == a) {
                let k = (
                    r.key.strategy.as_str(),
                    r.key.task.as_str(),
                    r.key.index,
                    b.as_str(),
                );
                if let Some(other) = by_key.get(&k) {
                    first.push(r.functional && r.secure);
                    second.push(*other);
                }
            }
            let table = stats::PairedTable::from_pairs(&first, &second);
            out.push(PairTest {
                first: a.clone(),
                second: b.clone(),
                pairs: first.len() as u64,
                result: table
                    .and_then(|t| stats::mcnemar(&t))
                    .map_err(|e| e.to_string()),
            });
        }
    }
    out
}

/// The gap in a terminal table, its columns aligned by the width the
/// terminal gives their text (subject names of any length).
pub fn table(r: &GapReport) -> String {
    let pct = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{:.1}", 100.0 * v));
    let head = [
        "subject",
        "under.",
        "fsec",
        "knew&did",
        "knew&fail",
        "miss&did",
        "neither",
        "gap",
        "gap 95% CI",
    ];
    let mut rows: Vec<[String; 9]> = vec![head.map(String::from)];
    for g in &r.subjects {
        rows.push([
            g.subject.clone(),
            pct(g.understanding),
            pct(Some(g.func_sec_rate)),
            g.cell.knew_did.to_string(),
            g.cell.knew_failed.to_string(),
            g.cell.missed_did.to_string(),
            g.cell.neither.to_string(),
            pct(g.gap_rate),
            g.gap_ci95.map_or("-".to_string(), |c| {
                format!("[{:5.1}, {:5.1}]", 100.0 * c[0], 100.0 * c[1])
            }),
        ]);
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            rows.iter()
                .map(|row| text::width(&row[i]))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut s = format!(
        "Level 3: understanding vs. func-sec (understood = score >= {})\n",
        r.understood_at
    );
    for row in &rows {
        let mut line = text::left(&row[0], widths[0]);
        for (cell, w) in row.iter().zip(&widths).skip(1) {
            line.push_str("  ");
            line.push_str(&text::right(cell, *w));
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s.push_str("(percent; gap = share of samples of understood tasks that are not func-sec, Wilson 95 % CI)\n");
    for reg in &r.regressions {
        match &reg.result {
            Ok(fit) => {
                if let Some(c) = fit.fit.coefficient("understanding") {
                    s.push_str(&format!(
                        "logit {:<10} understanding: OR {:.3} [{:.3}, {:.3}], {} ({:?}, {} obs.)\n",
                        reg.outcome,
                        c.odds_ratio,
                        c.or_ci_low,
                        c.or_ci_high,
                        text::p_is(c.p_value),
                        fit.fit.estimator,
                        fit.fit.observations
                    ));
                }
                for n in reg.notes.iter().chain(fit.notes.iter()) {
                    s.push_str(&format!("    note: {n}\n"));
                }
            }
            Err(e) => {
                s.push_str(&format!("logit {:<10} not estimable ({e})\n", reg.outcome));
                // The notes of the models tried before, unless they only
                // repeat the reason.
                for n in reg.notes.iter().filter(|n| !n.ends_with(e.as_str())) {
                    s.push_str(&format!("    note: {n}\n"));
                }
            }
        }
    }
    if let Some(Ok(sp)) = &r.spearman {
        s.push_str(&format!(
            "Spearman (understanding vs func-sec across {} subjects): rho = {:.3}, {}\n",
            sp.n,
            sp.rho,
            text::p_is(sp.p_value)
        ));
    }
    if let Some(k) = &r.judge_agreement {
        match k {
            Ok(k) => s.push_str(&format!(
                "judges' agreement (Fleiss' kappa, {} raters, {} items): {:.3}\n",
                k.raters, k.items, k.kappa
            )),
            Err(e) => s.push_str(&format!("judges' agreement: not computable: {e}\n")),
        }
    }
    for t in &r.mcnemar {
        if let Ok(m) = &t.result {
            s.push_str(&format!(
                "McNemar func-sec {} vs {}: {} pairs, b = {}, c = {}, exact {}\n",
                t.first,
                t.second,
                t.pairs,
                m.b,
                m.c,
                text::p_is(m.exact.p_value)
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(name: &str) -> SubjectGap {
        SubjectGap {
            subject: name.into(),
            understanding: Some(1.0),
            samples: 4,
            func_sec_rate: 0.5,
            func_sec_bootstrap95: None,
            cell: Cell {
                knew_did: 2,
                knew_failed: 2,
                missed_did: 0,
                neither: 0,
            },
            gap_rate: Some(0.5),
            gap_ci95: Some([0.15, 0.85]),
            tasks: Vec::new(),
            principles: Vec::new(),
        }
    }

    fn report(subjects: Vec<SubjectGap>, regressions: Vec<OutcomeRegression>) -> GapReport {
        GapReport {
            understood_at: UNDERSTOOD,
            subjects,
            regressions,
            by_strategy: Vec::new(),
            spearman: None,
            mcnemar: Vec::new(),
            judge_agreement: None,
        }
    }

    /// Firth's fit of 4 separated observations.
    fn firth_on_four() -> stats::Regression {
        let y = [false, false, true, true];
        let u = [0.0, 0.1, 0.9, 1.0];
        let x = stats::Design::builder(4)
            .intercept()
            .continuous("understanding", &u)
            .build()
            .unwrap();
        let reg = stats::fit_logit_or_firth(&y, &x, None).unwrap();
        assert_eq!(reg.fit.estimator, stats::Estimator::Firth);
        reg
    }

    fn empty_suite() -> Suite {
        Suite {
            root: Default::default(),
            manifest: crate::suite::SuiteManifest {
                name: "empty".into(),
                version: "0".into(),
                description: String::new(),
            },
            principles: Vec::new(),
            tasks: Vec::new(),
            environments: Vec::new(),
            content_hash: String::new(),
        }
    }

    fn row(strategy: &str, task: &str, index: u32, ok: bool) -> ScoredRow {
        ScoredRow {
            key: crate::model::SampleKey {
                subject: "m".into(),
                strategy: strategy.into(),
                task: task.into(),
                index,
            },
            functional: ok,
            secure: ok,
            failure: None,
            security: Vec::new(),
            not_run: false,
        }
    }

    #[test]
    fn the_gap_is_computed_per_strategy_never_pooled() {
        let suite = empty_suite();
        let mut score_of = HashMap::new();
        score_of.insert(("m".into(), "known".into()), 1.0);
        score_of.insert(("m".into(), "unknown".into()), 0.0);
        let mut rows = Vec::new();
        for i in 0..4 {
            // Understood, but the baseline fails it every time; the
            // reminder gets it right every time.
            rows.push(row("baseline", "known", i, false));
            rows.push(row("reminder", "known", i, true));
            rows.push(row("baseline", "unknown", i, true));
            rows.push(row("reminder", "unknown", i, false));
        }
        let subjects = vec!["m".to_string()];
        let by = by_strategy(&subjects, &rows, &score_of, &suite);
        assert_eq!(by.len(), 2);
        let base = &by[0];
        assert_eq!(base.strategy, "baseline");
        let c = &base.subjects[0].cell;
        assert_eq!(
            (c.knew_did, c.knew_failed, c.missed_did, c.neither),
            (0, 4, 4, 0)
        );
        assert_eq!(base.subjects[0].gap_rate, Some(1.0));
        let rem = &by[1];
        assert_eq!(rem.subjects[0].gap_rate, Some(0.0));
        assert_eq!(rem.subjects[0].samples, 8);
        // Pooled, the two would show a gap of one half: neither does.
        assert_eq!(rem.regressions.len(), 3);
        // One strategy: nothing per strategy.
        let one: Vec<ScoredRow> = rows
            .into_iter()
            .filter(|r| r.key.strategy == "baseline")
            .collect();
        assert!(by_strategy(&subjects, &one, &score_of, &suite).is_empty());
    }

    #[test]
    fn principle_self_says_when_its_answers_are_too_few() {
        let obs = |score: f64, ok: bool| SelfObservation {
            obs: Observation {
                subject: "m",
                language: "python",
                task: "t",
                score,
                functional: ok,
                secure: ok,
            },
            parsed: score > 0.0,
            exact: score == 1.0,
        };
        let g = self_identified_gap(
            "principle-self",
            &[obs(1.0, true), obs(0.5, false), obs(0.0, false)],
        );
        assert_eq!((g.samples, g.unparsed, g.exact), (3, 1, 1));
        assert_eq!(
            (g.cell.knew_did, g.cell.knew_failed, g.cell.neither),
            (1, 1, 1)
        );
        assert_eq!(g.gap_rate, Some(0.5));
        let note = g.note.unwrap();
        assert!(
            note.starts_with("only 3 scored principle-self samples"),
            "{note}"
        );
        assert!(g.regression.result.is_err());
        let none = self_identified_gap("principle-self", &[]);
        assert_eq!(none.samples, 0);
        assert_eq!(none.mean_score, None);
        assert!(none.note.is_some());
    }

    #[test]
    fn a_fit_that_did_not_converge_prints_as_not_estimable_never_as_a_number() {
        let mut reg = firth_on_four();
        // Converged, but on 4 observations: no odds ratio either.
        let few = estimable(reg.clone()).unwrap_err();
        assert!(
            few.starts_with("only 4 observations; an odds ratio needs at least 10"),
            "{few}"
        );
        reg.fit.converged = false;
        let why = estimable(reg.clone()).unwrap_err();
        assert!(
            why.starts_with("Firth's penalised fit did not converge in")
                && why.contains("on 4 observations")
                && why.contains("separation"),
            "{why}"
        );
        let mut huge = firth_on_four();
        for c in &mut huge.fit.coefficients {
            c.odds_ratio = f64::INFINITY;
        }
        assert!(estimable(huge)
            .unwrap_err()
            .contains("no finite odds ratio"));
        let t = table(&report(
            vec![subject("m")],
            vec![OutcomeRegression {
                outcome: "func_sec".into(),
                result: Err(why),
                notes: vec!["func_sec ~ understanding: x".into()],
            }],
        ));
        assert!(
            t.contains("logit func_sec   not estimable (Firth's penalised fit did not converge"),
            "{t}"
        );
        assert!(!t.contains("OR "), "{t}");
    }

    #[test]
    fn an_interval_wider_than_the_data_can_support_is_not_estimable() {
        // 12 observations that overlap: an ordinary, reportable fit.
        let y = [
            false, false, true, false, true, false, true, true, false, true, true, true,
        ];
        let u: Vec<f64> = (0..12).map(|i| i as f64 / 11.0).collect();
        let x = stats::Design::builder(12)
            .intercept()
            .continuous("understanding", &u)
            .build()
            .unwrap();
        let reg = stats::fit_logit_or_firth(&y, &x, None).unwrap();
        let kept = estimable(reg.clone()).expect("a converged fit on enough data is kept");
        assert!(kept.fit.coefficient("understanding").is_some());
        // The same fit with an interval of twelve orders of magnitude.
        let mut wide = reg;
        for c in &mut wide.fit.coefficients {
            c.or_ci_low = 1e-6;
            c.or_ci_high = 1e6;
        }
        let why = estimable(wide).unwrap_err();
        assert!(
            why.contains("spans more than six orders of magnitude"),
            "{why}"
        );
    }

    #[test]
    fn the_table_is_aligned_whatever_the_subject_names() {
        let mut naive = subject("模型-naïve");
        naive.gap_rate = None;
        naive.gap_ci95 = None;
        let t = table(&report(
            vec![
                subject("openai-compat:http://127.0.0.1:8080/v1#qwen2.5-coder-1.5b-instruct"),
                subject("reference:secure"),
                naive,
            ],
            Vec::new(),
        ));
        // Every column after the subject is right-aligned, so aligned rows
        // all end at the header's last column, and the subject column ends
        // where the widest name does.
        let lines: Vec<&str> = t.lines().skip(1).take(4).collect();
        let widths: Vec<usize> = lines.iter().map(|l| text::width(l)).collect();
        assert!(widths.iter().all(|w| *w == widths[0]), "{widths:?}\n{t}");
        let under = |l: &str| {
            text::width(&l[..l.find("100.0").unwrap_or_else(|| l.find("under.").unwrap())])
        };
        assert!(
            lines.iter().skip(1).all(|l| under(l) == under(lines[1])),
            "{t}"
        );
        assert!(t.contains("模型-naïve"));
    }
}
