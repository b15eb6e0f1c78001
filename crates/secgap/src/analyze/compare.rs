//! Paired comparison of two *arms* on the same samples. An arm is one
//! value of one dimension of the sample key: a subject (`secgap compare
//! --subjects`, in one run or across two runs) or a strategy (`secgap
//! compare --strategies`, and the paths analysis of [`crate::analyze::paths`]).
//! Two scored samples pair when their keys agree on everything but the
//! arm: for subjects on (strategy, task, sample index), for strategies on
//! (subject, task, sample index).
//!
//! The core is shared by both: [`pair_up`] matches two arms' samples on a
//! key, [`PairedCounts`] tallies the matched pairs for functional, secure
//! and func-sec, and [`PairedCounts::outcomes`] turns each 2×2 into both
//! rates, the paired difference A − B with Newcombe's 95 % interval, and
//! McNemar's exact (and continuity-corrected) test, discordant counts
//! included. A sample counts as the leaderboard counts it
//! ([`Outcomes::of`]): one whose tests did not run is neither functional
//! nor secure.

use std::collections::HashMap;

use serde::Serialize;

use crate::analyze::metrics::SampleView;
use crate::model::SampleKey;
use secgap_stats as stats;

/// What one scored sample achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcomes {
    pub functional: bool,
    pub secure: bool,
}

impl Outcomes {
    /// The outcomes of a scored sample, None for a generation error. A
    /// sample whose tests did not run is neither functional nor secure,
    /// whatever its stored flags say (as in the metrics).
    pub fn of(s: &impl SampleView) -> Option<Outcomes> {
        let (functional, secure) = s.scores()?;
        let ran = !s.not_run();
        Some(Outcomes {
            functional: functional && ran,
            secure: secure && ran,
        })
    }

    pub fn func_sec(self) -> bool {
        self.functional && self.secure
    }

    pub fn get(self, o: Outcome) -> bool {
        match o {
            Outcome::Functional => self.functional,
            Outcome::Secure => self.secure,
            Outcome::FuncSec => self.func_sec(),
        }
    }
}

/// One of the three code outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Functional,
    Secure,
    FuncSec,
}

/// The outcomes in the order every table prints them.
pub const OUTCOMES: [Outcome; 3] = [Outcome::Functional, Outcome::Secure, Outcome::FuncSec];

impl Outcome {
    /// The name the JSON and the tables use.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Functional => "functional",
            Outcome::Secure => "secure",
            Outcome::FuncSec => "func_sec",
        }
    }
}

/// The dimension of the sample key that tells two arms apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    Subject,
    Strategy,
}

impl Arm {
    /// The arm `key` belongs to.
    pub fn of(self, key: &SampleKey) -> &str {
        match self {
            Arm::Subject => key.subject.as_str(),
            Arm::Strategy => key.strategy.as_str(),
        }
    }

    /// The key without the arm: (the other of subject and strategy, task,
    /// sample index). Two samples of different arms pair when it is equal.
    pub fn rest(self, key: &SampleKey) -> (&str, &str, u32) {
        let other = match self {
            Arm::Subject => key.strategy.as_str(),
            Arm::Strategy => key.subject.as_str(),
        };
        (other, key.task.as_str(), key.index)
    }

    /// What the pairs agree on, in words.
    pub fn matched_on(self) -> &'static str {
        match self {
            Arm::Subject => "strategy, task and sample index",
            Arm::Strategy => "subject, task and sample index",
        }
    }
}

/// How two arms' samples matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Matched {
    pub pairs: u64,
    /// Samples of A with no sample of B on the same key.
    pub unmatched_a: u64,
    pub unmatched_b: u64,
}

/// Match two arms' scored samples on their key and hand each pair, A
/// first, to `f` in key order. Each slice is sorted in place. A key names
/// one sample of an arm; should it repeat, its samples pair in order and
/// the surplus counts as unmatched.
pub fn pair_up<K: Ord, T: Copy>(
    a: &mut [(K, T)],
    b: &mut [(K, T)],
    mut f: impl FnMut(&K, T, T),
) -> Matched {
    a.sort_by(|x, y| x.0.cmp(&y.0));
    b.sort_by(|x, y| x.0.cmp(&y.0));
    let (mut i, mut j) = (0, 0);
    let mut m = Matched::default();
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => {
                m.unmatched_a += 1;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                m.unmatched_b += 1;
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                f(&a[i].0, a[i].1, b[j].1);
                m.pairs += 1;
                i += 1;
                j += 1;
            }
        }
    }
    m.unmatched_a += (a.len() - i) as u64;
    m.unmatched_b += (b.len() - j) as u64;
    m
}

/// The paired 2×2 tables of functional, secure and func-sec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PairedCounts {
    pub tables: [stats::PairedTable; 3],
}

impl Default for PairedCounts {
    fn default() -> Self {
        let empty = stats::PairedTable {
            both: 0,
            first_only: 0,
            second_only: 0,
            neither: 0,
        };
        PairedCounts { tables: [empty; 3] }
    }
}

impl PairedCounts {
    /// Count one pair: A's outcomes and B's.
    pub fn add(&mut self, a: Outcomes, b: Outcomes) {
        for (t, o) in self.tables.iter_mut().zip(OUTCOMES) {
            match (a.get(o), b.get(o)) {
                (true, true) => t.both += 1,
                (true, false) => t.first_only += 1,
                (false, true) => t.second_only += 1,
                (false, false) => t.neither += 1,
            }
        }
    }

    pub fn pairs(&self) -> u64 {
        self.tables[0].total()
    }

    /// The table of one outcome.
    pub fn table(&self, o: Outcome) -> &stats::PairedTable {
        &self.tables[OUTCOMES
            .iter()
            .position(|x| *x == o)
            .expect("every outcome")]
    }

    /// Per outcome: both rates, A − B with Newcombe's 95 % interval and
    /// McNemar's tests (an error when there is no pair).
    pub fn outcomes(&self) -> Vec<OutcomeComparison> {
        OUTCOMES
            .iter()
            .zip(&self.tables)
            .map(|(o, t)| {
                let n = t.total();
                let rate = |x: u64| if n == 0 { 0.0 } else { x as f64 / n as f64 };
                OutcomeComparison {
                    outcome: o.name().to_string(),
                    rate_a: rate(t.both + t.first_only),
                    rate_b: rate(t.both + t.second_only),
                    result: stats::mcnemar(t).map_err(|e| e.to_string()),
                }
            })
            .collect()
    }
}

/// One outcome of a paired comparison.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeComparison {
    pub outcome: String,
    pub rate_a: f64,
    pub rate_b: f64,
    /// McNemar's tests with b (only A succeeds), c (only B succeeds) and
    /// the difference A − B with its interval.
    pub result: Result<stats::McNemar, String>,
}

impl OutcomeComparison {
    /// The difference A − B and its 95 % interval, when computable.
    pub fn difference(&self) -> Option<(f64, stats::Interval)> {
        self.result
            .as_ref()
            .ok()
            .map(|m| (m.difference, m.difference_ci))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// What A and B are: two subjects or two strategies.
    pub arm: Arm,
    pub a: String,
    pub b: String,
    /// What the pairs agree on, in words.
    pub matched_on: String,
    pub pairs: usize,
    pub unmatched_a: usize,
    pub unmatched_b: usize,
    pub outcomes: Vec<OutcomeComparison>,
    /// Tasks where func-sec differs in at least one pair: (task, a wins, b wins).
    pub tasks: Vec<(String, u64, u64)>,
}

type Rest<'a> = (&'a str, &'a str, u32);

fn scored<'a, S: SampleView>(samples: &'a [S], arm: Arm, name: &str) -> Vec<(Rest<'a>, Outcomes)> {
    samples
        .iter()
        .filter(|s| arm.of(s.key()) == name)
        .filter_map(|s| Some((arm.rest(s.key()), Outcomes::of(s)?)))
        .collect()
}

/// Compare arm `a` of `samples_a` with arm `b` of `samples_b` (the same
/// slice for two arms of one run): subjects or strategies, by `arm`.
pub fn compare<S: SampleView>(
    arm: Arm,
    samples_a: &[S],
    a: &str,
    samples_b: &[S],
    b: &str,
) -> Comparison {
    let mut left = scored(samples_a, arm, a);
    let mut right = scored(samples_b, arm, b);
    let mut counts = PairedCounts::default();
    let mut tasks: Vec<(String, u64, u64)> = Vec::new();
    let mut task_at: HashMap<&str, usize> = HashMap::new();
    let matched = pair_up(&mut left, &mut right, |k, x, y| {
        counts.add(x, y);
        if x.func_sec() == y.func_sec() {
            return;
        }
        let i = *task_at.entry(k.1).or_insert_with(|| {
            tasks.push((k.1.to_string(), 0, 0));
            tasks.len() - 1
        });
        if x.func_sec() {
            tasks[i].1 += 1;
        } else {
            tasks[i].2 += 1;
        }
    });
    Comparison {
        arm,
        a: a.to_string(),
        b: b.to_string(),
        matched_on: arm.matched_on().to_string(),
        pairs: matched.pairs as usize,
        unmatched_a: matched.unmatched_a as usize,
        unmatched_b: matched.unmatched_b as usize,
        outcomes: counts.outcomes(),
        tasks,
    }
}

/// The outcomes of a paired comparison for a terminal: a header line,
/// then one line per outcome.
pub fn outcome_lines(outcomes: &[OutcomeComparison]) -> String {
    let pct = |x: f64| format!("{:5.1}", 100.0 * x);
    let mut s = format!(
        "{:<11} {:>6} {:>6} {:>7} {:>17} {:>5} {:>5} {:>11}\n",
        "outcome", "A", "B", "A - B", "95% CI", "b", "c", "McNemar p"
    );
    for o in outcomes {
        match &o.result {
            Ok(m) => s.push_str(&format!(
                "{:<11} {:>6} {:>6} {:>7} {:>17} {:>5} {:>5} {:>11}\n",
                o.outcome,
                pct(o.rate_a),
                pct(o.rate_b),
                pct(m.difference),
                format!(
                    "[{}, {}]",
                    pct(m.difference_ci.lo).trim(),
                    pct(m.difference_ci.hi).trim()
                ),
                m.b,
                m.c,
                crate::analyze::text::p_value(m.exact.p_value)
            )),
            Err(e) => s.push_str(&format!("{:<11} not computable: {e}\n", o.outcome)),
        }
    }
    s
}

/// The comparison for a terminal.
pub fn table(c: &Comparison) -> String {
    let mut s = format!(
        "A = {}\nB = {}\n{} paired samples (matched on {}; {} of A and {} of B unmatched)\n\n",
        c.a, c.b, c.pairs, c.matched_on, c.unmatched_a, c.unmatched_b
    );
    s.push_str(&outcome_lines(&c.outcomes));
    s.push_str("(percent; b = pairs where only A succeeds, c = only B; exact two-sided McNemar test; Newcombe interval for the paired difference)\n");
    if !c.tasks.is_empty() {
        s.push_str("\nfunc-sec differs on:\n");
        for (t, wa, wb) in &c.tasks {
            s.push_str(&format!("  {t:<28} A better in {wa}, B better in {wb}\n"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScoredRow;

    fn row(subject: &str, strategy: &str, task: &str, index: u32, f: bool, s: bool) -> ScoredRow {
        ScoredRow {
            key: SampleKey {
                subject: subject.into(),
                strategy: strategy.into(),
                task: task.into(),
                index,
            },
            functional: f,
            secure: s,
            failure: None,
            security: Vec::new(),
            not_run: false,
        }
    }

    #[test]
    fn pair_up_matches_equal_keys_and_counts_the_rest() {
        let mut a = vec![(3, 'x'), (1, 'a'), (2, 'b'), (5, 'e')];
        let mut b = vec![(2, 'B'), (4, 'D'), (1, 'A'), (6, 'F'), (7, 'G')];
        let mut seen = Vec::new();
        let m = pair_up(&mut a, &mut b, |k, x, y| seen.push((*k, x, y)));
        assert_eq!(seen, vec![(1, 'a', 'A'), (2, 'b', 'B')]);
        assert_eq!(
            m,
            Matched {
                pairs: 2,
                unmatched_a: 2,
                unmatched_b: 3
            }
        );
        // A repeated key pairs once; its second sample is unmatched.
        let mut a = vec![(1, 0), (1, 1)];
        let mut b = vec![(1, 9)];
        let m = pair_up(&mut a, &mut b, |_, _, _| {});
        assert_eq!((m.pairs, m.unmatched_a, m.unmatched_b), (1, 1, 0));
    }

    #[test]
    fn strategies_pair_on_subject_task_and_index_never_across_subjects() {
        let rows = vec![
            // m1/t/0: baseline fails security, reminder fixes it.
            row("m1", "baseline", "t", 0, true, false),
            row("m1", "reminder", "t", 0, true, true),
            // m1/t/1: reminder breaks functionality.
            row("m1", "baseline", "t", 1, true, true),
            row("m1", "reminder", "t", 1, false, true),
            // m2's samples share task and index with m1's but never pair with them.
            row("m2", "reminder", "t", 2, true, true),
            row("m1", "baseline", "t", 2, false, false),
            // A different subject, same strategy: irrelevant to this pair.
            row("m2", "baseline", "t", 0, false, false),
        ];
        let c = compare(Arm::Strategy, &rows, "reminder", &rows, "baseline");
        // Pairs: m1/t/0 and m1/t/1. Unmatched: m2/t/2 of the reminder;
        // m1/t/2 and m2/t/0 of the baseline.
        assert_eq!(c.pairs, 2);
        assert_eq!((c.unmatched_a, c.unmatched_b), (1, 2));
        let get = |name: &str| c.outcomes.iter().find(|o| o.outcome == name).unwrap();
        let f = get("functional").result.as_ref().unwrap();
        assert_eq!((f.b, f.c), (0, 1));
        assert_eq!(f.difference, -0.5);
        let s = get("secure").result.as_ref().unwrap();
        assert_eq!((s.b, s.c), (1, 0));
        assert_eq!(s.difference, 0.5);
        let fs = get("func_sec").result.as_ref().unwrap();
        assert_eq!((fs.b, fs.c), (1, 1));
        assert_eq!(fs.exact.p_value, 1.0);
        assert_eq!(c.tasks, vec![("t".to_string(), 1, 1)]);
        assert_eq!(c.matched_on, "subject, task and sample index");
    }

    #[test]
    fn subjects_pair_on_strategy_task_and_index() {
        let rows = vec![
            row("a", "baseline", "t", 0, true, true),
            row("b", "baseline", "t", 0, true, false),
            row("a", "reminder", "t", 0, true, true),
            row("b", "reminder", "t", 0, true, true),
            row("b", "reminder", "u", 0, true, true),
        ];
        let c = compare(Arm::Subject, &rows, "a", &rows, "b");
        assert_eq!((c.pairs, c.unmatched_a, c.unmatched_b), (2, 0, 1));
        let fs = c.outcomes[2].result.as_ref().unwrap();
        assert_eq!((fs.b, fs.c, fs.pairs), (1, 0, 2));
        assert_eq!((c.outcomes[2].rate_a, c.outcomes[2].rate_b), (1.0, 0.5));
    }

    #[test]
    fn a_sample_whose_tests_did_not_run_counts_as_neither() {
        let mut broken = row("m", "reminder", "t", 0, true, true);
        broken.not_run = true;
        let rows = vec![row("m", "baseline", "t", 0, true, true), broken];
        let c = compare(Arm::Strategy, &rows, "reminder", &rows, "baseline");
        let f = c.outcomes[0].result.as_ref().unwrap();
        assert_eq!((f.b, f.c), (0, 1));
    }

    #[test]
    fn no_pairs_is_not_computable() {
        let c = compare::<ScoredRow>(Arm::Strategy, &[], "x", &[], "baseline");
        assert_eq!(c.pairs, 0);
        assert!(c.outcomes.iter().all(|o| o.result.is_err()));
    }
}
