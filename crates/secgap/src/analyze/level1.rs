//! Level 1 on its own: per subject and probe kind, how many answers there
//! are, how many were read (parsed, or judged for explain), their mean
//! score with a task-clustered bootstrap 95 % interval, and (identify and
//! recognize) the exact-match rate with a Wilson 95 % interval; per
//! judge, its calibration on the suite's reference explanations
//! (`score::calibrate`), whether it is flagged, and which subjects it
//! grades that are the same model as itself.
//!
//! Plain inputs and outputs: the caller reads the store.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analyze::gap::BOOTSTRAP_SEED;
use crate::analyze::metrics::{wilson, Z95};
use crate::model::{CalibrationRow, Level1Rows, ParseStatus, ProbeExport, ProbeKind};
use crate::score::calibrate::{Accuracy, CALIBRATION_MIN};
use secgap_stats as stats;

/// One subject's answers to one kind of probe.
#[derive(Debug, Clone, Serialize)]
pub struct KindSummary {
    pub subject: String,
    pub kind: ProbeKind,
    /// Answers stored (including those that got no answer).
    pub probes: u64,
    pub no_answer: u64,
    /// Identify and recognize: answers read and graded.
    pub parsed: u64,
    /// Identify and recognize: answers that could not be read (scored 0).
    pub unparsed: u64,
    /// Explain: answers with a readable judgment (scored).
    pub judged: u64,
    /// Explain: answers no judge's reply could be read for (not scored).
    pub unjudged: u64,
    /// Explain: answers stored unscored because the run has no judge.
    pub no_judge: u64,
    /// Mean score of the scored answers (unparsed ones count 0).
    pub score: Option<f64>,
    /// Percentile bootstrap interval of the mean, resampling tasks.
    pub score_ci95: Option<[f64; 2]>,
    /// Identify and recognize: answers exactly right.
    pub exact: Option<u64>,
    pub exact_rate: Option<f64>,
    /// Wilson interval of the exact-match rate.
    pub exact_ci95: Option<[f64; 2]>,
    /// Explain: the judges whose verdicts the score rests on.
    pub judges: Vec<String>,
}

/// Why a judge's scores should be read with care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JudgeStanding {
    /// Calibrated at or above the threshold.
    Trusted,
    /// Calibrated below the threshold.
    BelowThreshold,
    /// No calibration grading got a reply (or the run predates calibration).
    NotCalibrated,
}

/// One judge's calibration and what the report must say about it.
#[derive(Debug, Clone, Serialize)]
pub struct JudgeCheck {
    pub judge: String,
    pub calibration: Accuracy,
    pub accuracy: Option<f64>,
    pub standing: JudgeStanding,
    /// The run's subjects that are the same model as this judge: it grades
    /// its own answers.
    pub judges_itself: Vec<String>,
    /// Explain answers it was asked to grade, and how many replies were read.
    pub answers_judged: u64,
    pub replies_read: u64,
}

impl JudgeCheck {
    /// Anything a reader must be warned of.
    pub fn flagged(&self) -> bool {
        self.standing != JudgeStanding::Trusted || !self.judges_itself.is_empty()
    }

    /// What a reader must be warned of, one phrase per flag, in the words
    /// every report uses: "below the threshold", "not calibrated",
    /// "grades itself (SUBJECTS)".
    pub fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        match self.standing {
            JudgeStanding::Trusted => {}
            JudgeStanding::BelowThreshold => flags.push("below the threshold".to_string()),
            JudgeStanding::NotCalibrated => flags.push("not calibrated".to_string()),
        }
        if !self.judges_itself.is_empty() {
            flags.push(format!("grades itself ({})", self.judges_itself.join(", ")));
        }
        flags
    }

    /// "18/20 = 90 %" or "not calibrated", for tables.
    pub fn accuracy_text(&self) -> String {
        match self.accuracy {
            Some(a) => format!(
                "{}/{} = {:.0} %",
                self.calibration.right,
                self.calibration.total,
                100.0 * a
            ),
            None => "not calibrated".into(),
        }
    }
}

/// Level 1 of a run, for the terminal and every report.
#[derive(Debug, Clone, Serialize)]
pub struct Level1Report {
    /// A judge below this calibration accuracy is flagged.
    pub calibration_min: f64,
    pub summary: Vec<KindSummary>,
    pub judges: Vec<JudgeCheck>,
    /// Every answer stored, with its question (exported one per line, not
    /// inside the summary).
    #[serde(skip)]
    pub answers: Vec<ProbeExport>,
    #[serde(skip)]
    pub calibrations: Vec<CalibrationRow>,
}

impl Level1Report {
    /// The check of `judge`, if it is one of the run's judges.
    pub fn judge(&self, judge: &str) -> Option<&JudgeCheck> {
        self.judges.iter().find(|j| j.judge == judge)
    }

    /// Unparsed and unjudged answers, over every subject and kind.
    pub fn unread(&self) -> u64 {
        self.summary.iter().map(|s| s.unparsed + s.unjudged).sum()
    }

    /// The warnings a run or report prints about Level 1.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        for j in &self.judges {
            match j.standing {
                JudgeStanding::BelowThreshold => out.push(format!(
                    "judge {} is below the calibration threshold: it graded the suite's reference \
                     explanations {} right (threshold {:.0} %), so its explain scores are doubtful",
                    j.judge,
                    j.accuracy_text(),
                    100.0 * self.calibration_min
                )),
                JudgeStanding::NotCalibrated => out.push(format!(
                    "judge {} is not calibrated (no reply to the reference explanations could be had), \
                     so nothing vouches for its explain scores",
                    j.judge
                )),
                JudgeStanding::Trusted => {}
            }
            if !j.judges_itself.is_empty() {
                out.push(format!(
                    "judge {} grades its own answers: it is the same model as subject {}",
                    j.judge,
                    j.judges_itself.join(", ")
                ));
            }
        }
        let unread = self.unread();
        if unread > 0 {
            out.push(format!(
                "{unread} probe answer(s) could not be read (unparsed, or no judge's reply readable); \
                 see the Level 1 section of the report"
            ));
        }
        out
    }
}

/// Whether the judges that could be read agree on every principle of an
/// explain answer (None with fewer than two readable judgments).
pub fn agreement(a: &ProbeExport) -> Option<bool> {
    let read: Vec<&Vec<bool>> = a
        .judgments
        .iter()
        .filter_map(|j| j.verdicts.as_ref())
        .collect();
    (read.len() >= 2).then(|| read.iter().all(|v| *v == read[0]))
}

/// Summarise a run's Level 1 rows.
pub fn analyze(rows: Level1Rows) -> Level1Report {
    let mut summary = Vec::new();
    for subject in &rows.subjects {
        for kind in [
            ProbeKind::Identify,
            ProbeKind::Recognize,
            ProbeKind::Explain,
        ] {
            let mine: Vec<&ProbeExport> = rows
                .answers
                .iter()
                .filter(|a| &a.subject == subject && a.kind == kind)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let count = |s: ParseStatus| mine.iter().filter(|a| a.status == s).count() as u64;
            let scored: Vec<&&ProbeExport> = mine
                .iter()
                .filter(|a| matches!(a.status, ParseStatus::Parsed | ParseStatus::Unparsed))
                .chain(mine.iter().filter(|a| a.status == ParseStatus::Judged))
                .collect();
            let scores: Vec<f64> = scored.iter().map(|a| a.score.unwrap_or(0.0)).collect();
            let tasks: Vec<&str> = scored.iter().map(|a| a.task.as_str()).collect();
            let mean =
                (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
            let ci = (scores.len() >= 2)
                .then(|| {
                    stats::cluster_bootstrap(
                        &stats::Clusters::from_labels(&tasks),
                        stats::DEFAULT_REPLICATES,
                        BOOTSTRAP_SEED,
                        |ix| {
                            (!ix.is_empty()).then(|| {
                                ix.iter().map(|&i| scores[i]).sum::<f64>() / ix.len() as f64
                            })
                        },
                    )
                    .ok()
                })
                .flatten();
            let graded: Vec<bool> = scored
                .iter()
                .filter_map(|a| a.grade.as_ref().map(|g| g.exact))
                .collect();
            let exact = (kind != ProbeKind::Explain && !graded.is_empty())
                .then(|| graded.iter().filter(|x| **x).count() as u64);
            let mut judges: Vec<String> = mine
                .iter()
                .flat_map(|a| a.judgments.iter().map(|j| j.judge.clone()))
                .collect();
            judges.sort();
            judges.dedup();
            summary.push(KindSummary {
                subject: subject.clone(),
                kind,
                probes: mine.len() as u64,
                no_answer: count(ParseStatus::NoAnswer),
                parsed: count(ParseStatus::Parsed),
                unparsed: count(ParseStatus::Unparsed),
                judged: count(ParseStatus::Judged),
                unjudged: count(ParseStatus::Unjudged),
                no_judge: count(ParseStatus::NoJudge),
                score: mean,
                score_ci95: ci.map(|b| [b.lo, b.hi]),
                exact,
                exact_rate: exact.map(|e| e as f64 / graded.len() as f64),
                exact_ci95: exact.map(|e| {
                    let w = wilson(e, graded.len() as u64, Z95);
                    [w.lo, w.hi]
                }),
                judges,
            });
        }
    }
    let mut by_judge: BTreeMap<&str, Accuracy> = BTreeMap::new();
    for c in &rows.calibrations {
        if c.reply.is_none() {
            continue;
        }
        by_judge
            .entry(c.judge.as_str())
            .or_default()
            .add(&c.expected, c.verdicts.as_deref());
    }
    let judges = rows
        .judges
        .iter()
        .map(|info| {
            let calibration = by_judge
                .get(info.judge.as_str())
                .copied()
                .unwrap_or_default();
            let accuracy = calibration.rate();
            let judged: Vec<_> = rows
                .answers
                .iter()
                .flat_map(|a| a.judgments.iter())
                .filter(|j| j.judge == info.judge)
                .collect();
            JudgeCheck {
                judge: info.judge.clone(),
                calibration,
                accuracy,
                standing: match accuracy {
                    None => JudgeStanding::NotCalibrated,
                    Some(a) if a < CALIBRATION_MIN => JudgeStanding::BelowThreshold,
                    Some(_) => JudgeStanding::Trusted,
                },
                judges_itself: info.judges_itself.clone(),
                answers_judged: judged.len() as u64,
                replies_read: judged.iter().filter(|j| j.verdicts.is_some()).count() as u64,
            }
        })
        .collect();
    Level1Report {
        calibration_min: CALIBRATION_MIN,
        summary,
        judges,
        answers: rows.answers,
        calibrations: rows.calibrations,
    }
}

/// Level 1 in a terminal table, with the judges' calibration below it.
pub fn table(r: &Level1Report) -> String {
    let pct = |x: Option<f64>| x.map_or("    -".to_string(), |v| format!("{:5.1}", 100.0 * v));
    use crate::analyze::text::{left, width};
    let name_w = r
        .summary
        .iter()
        .map(|k| width(&k.subject))
        .chain([width("subject")])
        .max()
        .unwrap_or(7);
    let mut s = format!(
        "Level 1: understanding probes\n{} {:<9} {:>6} {:>6} {:>8} {:>9} {:>6} {:>16} {:>6}\n",
        left("subject", name_w),
        "kind",
        "asked",
        "read",
        "unread",
        "no answer",
        "score",
        "score 95% CI",
        "exact"
    );
    for k in &r.summary {
        let (read, unread) = match k.kind {
            ProbeKind::Explain => (k.judged, k.unjudged),
            _ => (k.parsed, k.unparsed),
        };
        let ci = k.score_ci95.map_or(String::new(), |c| {
            format!("[{:5.1}, {:5.1}]", 100.0 * c[0], 100.0 * c[1])
        });
        s.push_str(&format!(
            "{} {:<9} {:>6} {:>6} {:>8} {:>9} {:>6} {:>16} {:>6}\n",
            left(&k.subject, name_w),
            k.kind.as_str(),
            k.probes,
            read,
            unread,
            k.no_answer,
            pct(k.score),
            ci,
            pct(k.exact_rate)
        ));
    }
    s.push_str("(percent; read = parsed, or judged for explain; unread answers score 0, unjudged ones are left out)\n");
    let no_judge: u64 = r.summary.iter().map(|k| k.no_judge).sum();
    if no_judge > 0 {
        s.push_str(&format!(
            "{no_judge} explain answer(s) are stored but not scored: the run has no --judge\n"
        ));
    }
    for j in &r.judges {
        let flags: String = j
            .flags()
            .iter()
            .map(|f| format!("  FLAGGED: {f}"))
            .collect();
        s.push_str(&format!(
            "judge {}: calibration {}{flags}\n",
            j.judge,
            j.accuracy_text(),
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(subject: &str, kind: ProbeKind) -> KindSummary {
        KindSummary {
            subject: subject.into(),
            kind,
            probes: 4,
            no_answer: 0,
            parsed: 4,
            unparsed: 0,
            judged: 0,
            unjudged: 0,
            no_judge: 0,
            score: Some(0.5),
            score_ci95: Some([0.25, 0.75]),
            exact: Some(1),
            exact_rate: Some(0.25),
            exact_ci95: None,
            judges: Vec::new(),
        }
    }

    #[test]
    fn the_table_fits_its_longest_subject_name() {
        let long = "openai-compat:http://127.0.0.1:8080/v1#qwen2.5-coder-1.5b-instruct";
        let r = Level1Report {
            calibration_min: 0.8,
            summary: vec![
                row(long, ProbeKind::Identify),
                row("m", ProbeKind::Recognize),
            ],
            judges: Vec::new(),
            answers: Vec::new(),
            calibrations: Vec::new(),
        };
        let t = table(&r);
        let lines: Vec<&str> = t.lines().skip(1).take(3).collect();
        // The kind column starts at the same place on every line.
        let at: Vec<usize> = lines
            .iter()
            .zip(["kind", "identify", "recognize"])
            .map(|(l, w)| l.find(w).unwrap())
            .collect();
        assert!(at.iter().all(|&a| a == long.len() + 1), "{t}");
    }
}
