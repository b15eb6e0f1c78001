//! Judge calibration: a judge is trusted only as far as it is checked.
//! Before a judge grades any answer of a run, it grades the suite's
//! reference explanations of (up to [`CALIBRATION_TASKS`] of) the run's
//! explain probes with the same rubric and prompt as a real answer: the
//! key, which states every principle of the task (a correct judge says YES
//! to each), and a naive explanation, which states none (a correct judge
//! says NO to each); see `plan::probe::reference_explanation`.
//!
//! Its **accuracy** is the share of those per-principle verdicts it got
//! right; a reply that cannot be read counts as wrong on every principle
//! it should have judged. A judge whose accuracy is below
//! [`CALIBRATION_MIN`] (or that could not be calibrated) is flagged
//! wherever its scores are shown. A judge that always says YES, or always
//! NO, gets about half right.

use crate::model::{Exemplar, Probe, ProbeKind};
use crate::plan::probe::{rank, reference_explanation};
use crate::score::probe::judge_prompt;
use crate::suite::Suite;

/// A judge below this accuracy on the reference explanations is flagged.
pub const CALIBRATION_MIN: f64 = 0.8;

/// At most this many of the run's explain probes are used for
/// calibration (two gradings each), chosen by a fixed hash of the probe's
/// id, so that every run over the same tasks calibrates on the same ones
/// and the calls are cached across runs.
pub const CALIBRATION_TASKS: usize = 8;

/// One reference explanation to grade, with the verdicts a correct judge gives.
#[derive(Debug, Clone)]
pub struct CalibrationItem<'a> {
    pub probe: &'a Probe,
    pub exemplar: Exemplar,
    /// The judge prompt, built exactly as for a subject's answer.
    pub prompt: String,
    pub expected: Vec<bool>,
}

/// The calibration items for a run's probes, in a fixed order.
pub fn items<'a>(suite: &Suite, probes: &'a [Probe]) -> Vec<CalibrationItem<'a>> {
    let mut explain: Vec<&Probe> = probes
        .iter()
        .filter(|p| p.kind == ProbeKind::Explain)
        .collect();
    explain.sort_by_key(|p| rank(0, "calibration", &p.id));
    explain.truncate(CALIBRATION_TASKS);
    let mut out = Vec::new();
    for probe in explain {
        let count = match &probe.key {
            crate::model::Key::Explain { principles } => principles.len(),
            _ => continue,
        };
        for exemplar in Exemplar::ALL {
            let Some(text) = reference_explanation(suite, probe, exemplar) else {
                continue;
            };
            let Some(prompt) = judge_prompt(suite, probe, &text) else {
                continue;
            };
            out.push(CalibrationItem {
                probe,
                exemplar,
                prompt,
                expected: vec![exemplar.expected(); count],
            });
        }
    }
    out
}

/// How a judge did on its calibration gradings.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Accuracy {
    /// Reference explanations graded (replies received).
    pub gradings: u64,
    /// Per-principle verdicts that matched the expected ones.
    pub right: u64,
    /// Per-principle verdicts expected.
    pub total: u64,
    /// Replies that could not be read (all their verdicts count as wrong).
    pub unreadable: u64,
}

impl Accuracy {
    /// Add one grading: the expected verdicts and what the judge said
    /// (None when its reply could not be read).
    pub fn add(&mut self, expected: &[bool], got: Option<&[bool]>) {
        self.gradings += 1;
        self.total += expected.len() as u64;
        match got {
            Some(v) if v.len() == expected.len() => {
                self.right += expected.iter().zip(v).filter(|(a, b)| a == b).count() as u64;
            }
            _ => self.unreadable += 1,
        }
    }

    /// right / total; None before any grading.
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.right as f64 / self.total as f64)
    }

    /// Below [`CALIBRATION_MIN`], or not calibrated at all.
    pub fn flagged(&self) -> bool {
        self.rate().is_none_or(|r| r < CALIBRATION_MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_the_key_and_a_naive_explanation_of_each_chosen_probe() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
        let suite = crate::suite::load(&root).unwrap();
        let tasks: Vec<&crate::suite::Task> = suite.tasks.iter().collect();
        let probes = crate::plan::probe::probes(&suite, &tasks, 0).unwrap();
        let a = items(&suite, &probes);
        assert_eq!(a.len(), 2 * CALIBRATION_TASKS.min(tasks.len()));
        // The same items under another probe seed: the calls are cached across runs.
        let other = crate::plan::probe::probes(&suite, &tasks, 9).unwrap();
        let b = items(&suite, &other);
        let ids =
            |v: &[CalibrationItem]| -> Vec<String> { v.iter().map(|i| i.prompt.clone()).collect() };
        assert_eq!(ids(&a), ids(&b));
        for i in &a {
            let task = suite.task(&i.probe.task).unwrap();
            assert_eq!(i.expected.len(), task.principles.len());
            let named = task
                .principles
                .iter()
                .all(|p| i.prompt.contains(&suite.principle(p).unwrap().statement));
            assert!(named, "the rubric lists every principle");
            let answer = i.prompt.split("<answer>").nth(1).unwrap();
            let answer = answer.split("</answer>").next().unwrap();
            let states = task
                .principles
                .iter()
                .all(|p| answer.contains(&suite.principle(p).unwrap().statement));
            assert_eq!(states, i.exemplar == Exemplar::Key, "{}", i.prompt);
            assert!(i
                .expected
                .iter()
                .all(|v| *v == (i.exemplar == Exemplar::Key)));
        }
    }

    #[test]
    fn a_judge_that_always_says_yes_gets_half() {
        let mut yes = Accuracy::default();
        let mut right = Accuracy::default();
        for expected in [vec![true, true], vec![false, false]] {
            yes.add(&expected, Some(&[true, true]));
            right.add(&expected, Some(&expected));
        }
        assert_eq!(yes.rate(), Some(0.5));
        assert!(yes.flagged());
        assert_eq!((right.right, right.total), (4, 4));
        assert!(!right.flagged());
        let mut unread = Accuracy::default();
        unread.add(&[true, true, true], None);
        assert_eq!((unread.right, unread.total, unread.unreadable), (0, 3, 1));
        assert!(Accuracy::default().flagged(), "not calibrated is flagged");
    }
}
