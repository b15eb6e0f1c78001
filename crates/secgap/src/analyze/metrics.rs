//! Metrics: func@k, sec@k and func-sec@k with the unbiased pass@k
//! estimator, pass^k, insecure-among-functional, per-CWE rates and Wilson
//! 95 % intervals. Pure functions over plain data; nothing here knows
//! where the data came from.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{
    Cwe, ExportSample, Failure, SampleKey, SampleStatus, ScoredRow, TestKind, TestOutcome,
};
use crate::suite::Suite;

pub use secgap_stats::{pass_at_k, pass_hat_k, wilson, Interval, Z95};

/// One scored sample.
#[derive(Debug, Clone)]
pub struct SampleOutcome {
    pub subject: String,
    pub strategy: String,
    pub task: String,
    pub cwes: Vec<Cwe>,
    pub functional: bool,
    pub secure: bool,
    /// Per security test: the CWE it probes and whether it passed.
    pub security: Vec<(Option<Cwe>, bool)>,
    /// Its tests did not run (the candidate did not build).
    pub not_run: bool,
    /// It was rejected as tampering with the harness (so none of its
    /// tests ran either).
    pub tampering: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    pub successes: u64,
    pub trials: u64,
    pub rate: f64,
    pub ci95: Interval,
}

impl Rate {
    pub fn new(successes: u64, trials: u64) -> Rate {
        Rate {
            successes,
            trials,
            rate: if trials == 0 {
                0.0
            } else {
                successes as f64 / trials as f64
            },
            ci95: wilson(successes, trials, Z95),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AtK {
    pub k: u32,
    pub func: f64,
    pub sec: f64,
    pub func_sec: f64,
    /// pass^k for func-sec: all k samples functional and secure.
    pub func_sec_all: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CweRate {
    pub cwe: Cwe,
    pub tasks: usize,
    /// Samples of tasks carrying this CWE that are functional and secure.
    pub func_sec: Rate,
    /// Samples that pass every security test probing this CWE.
    pub sec: Rate,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupMetrics {
    pub subject: String,
    pub strategy: String,
    /// Smallest number of samples of any task in the group (k runs up to it).
    pub n: u32,
    pub tasks: usize,
    pub samples: u64,
    pub at_k: Vec<AtK>,
    /// Sample-level rates with Wilson intervals (func@1 etc. pooled over samples).
    pub functional: Rate,
    pub secure: Rate,
    pub func_sec: Rate,
    /// Among functional samples, the share that is not secure.
    pub insecure_among_functional: Rate,
    /// Samples whose tests did not run (the candidate did not build): they
    /// count as neither functional nor secure, and no security test of
    /// theirs failed.
    pub not_run: u64,
    /// Of those, the samples rejected as tampering with the harness
    /// (failure `tampering`) rather than ones that did not build or load.
    pub tampering: u64,
    pub per_cwe: Vec<CweRate>,
    /// The same rates within each environment and each scenario of the
    /// web-application level (empty for a run of function tasks only).
    pub per_slice: Vec<SliceMetrics>,
}

/// The group's rates within one slice of its tasks: the tasks of one
/// environment (`dimension` = "environment") or of one scenario
/// (`dimension` = "scenario").
#[derive(Debug, Clone, Serialize)]
pub struct SliceMetrics {
    pub dimension: &'static str,
    pub name: String,
    pub tasks: usize,
    pub samples: u64,
    pub at_k: Vec<AtK>,
    pub functional: Rate,
    pub secure: Rate,
    pub func_sec: Rate,
}

/// The k values reported: these, up to the smallest n.
pub const KS: &[u32] = &[1, 2, 3, 5, 10, 25, 50, 100];

#[derive(Default)]
struct Count {
    n: u32,
    func: u32,
    sec: u32,
    fs: u32,
    not_run: u32,
    tampering: u32,
}

/// One task's samples within a group: counts, and per CWE of the task the
/// samples that pass every security test probing that CWE.
struct TaskTally {
    count: Count,
    cwes: Vec<(Cwe, u64)>,
    /// The slices (dimension, name) the task belongs to.
    slices: Vec<(&'static str, String)>,
}

#[derive(Default)]
struct GroupTally {
    subject: String,
    strategy: String,
    tasks: Vec<(String, TaskTally)>,
    task_index: std::collections::HashMap<String, usize>,
}

/// Metrics folded one sample at a time, so that a run of any size is
/// summarised in memory proportional to its groups and tasks.
#[derive(Default)]
pub struct Tally {
    groups: Vec<GroupTally>,
    last: usize,
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }

    /// Count one stored sample of a run of `suite`, if it was scored: the
    /// one feed from stored rows to the metrics, whichever row carries the
    /// sample.
    pub fn add_sample(&mut self, suite: &Suite, s: &impl SampleView) {
        let Some((functional, secure)) = s.scores() else {
            return;
        };
        let key = s.key();
        let task = suite.task(&key.task);
        let cwes = task.map_or(&[][..], |t| &t.cwes[..]);
        let slices: Vec<(&'static str, String)> = task
            .and_then(|t| t.web.as_ref())
            .map(|w| {
                vec![
                    ("environment", w.environment.id.clone()),
                    ("scenario", w.scenario.clone()),
                ]
            })
            .unwrap_or_default();
        self.count(
            (&key.subject, &key.strategy, &key.task),
            cwes,
            slices,
            (functional, secure, s.not_run(), s.tampering()),
            |cwe| s.secure_against(cwe),
        );
    }

    /// Count one scored sample. `cwes` are its task's CWEs; `security`
    /// holds each security test's CWE and whether it passed.
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &mut self,
        subject: &str,
        strategy: &str,
        task: &str,
        cwes: &[Cwe],
        functional: bool,
        secure: bool,
        (not_run, tampering): (bool, bool),
        security: &[(Option<Cwe>, bool)],
    ) {
        self.count(
            (subject, strategy, task),
            cwes,
            Vec::new(),
            (functional, secure, not_run, tampering),
            |cwe| passes(security.iter().copied(), cwe),
        );
    }

    /// Count one scored sample of (subject, strategy, task);
    /// `secure_against(cwe)` says whether it passed every security test
    /// probing that CWE of its task. A sample whose tests did not run is
    /// neither functional nor secure, whatever its flags say: it showed
    /// neither.
    fn count(
        &mut self,
        (subject, strategy, task): (&str, &str, &str),
        cwes: &[Cwe],
        slices: Vec<(&'static str, String)>,
        (functional, secure, not_run, tampering): (bool, bool, bool, bool),
        secure_against: impl Fn(Cwe) -> bool,
    ) {
        let functional = functional && !not_run;
        let secure = secure && !not_run;
        let hit = |g: &GroupTally| g.subject == subject && g.strategy == strategy;
        let gi = if self.groups.get(self.last).is_some_and(hit) {
            self.last
        } else if let Some(i) = self.groups.iter().position(hit) {
            i
        } else {
            self.groups.push(GroupTally {
                subject: subject.to_string(),
                strategy: strategy.to_string(),
                ..Default::default()
            });
            self.groups.len() - 1
        };
        self.last = gi;
        let g = &mut self.groups[gi];
        let ti = match g.task_index.get(task) {
            Some(&i) => i,
            None => {
                g.tasks.push((
                    task.to_string(),
                    TaskTally {
                        count: Count::default(),
                        cwes: cwes.iter().map(|&c| (c, 0)).collect(),
                        slices,
                    },
                ));
                g.task_index.insert(task.to_string(), g.tasks.len() - 1);
                g.tasks.len() - 1
            }
        };
        let t = &mut g.tasks[ti].1;
        t.count.n += 1;
        t.count.func += functional as u32;
        t.count.sec += secure as u32;
        t.count.fs += (functional && secure) as u32;
        t.count.not_run += not_run as u32;
        t.count.tampering += tampering as u32;
        for (cwe, ok) in t.cwes.iter_mut() {
            *ok += (!not_run && secure_against(*cwe)) as u64;
        }
    }

    /// One row per (subject, strategy), in first-seen order.
    pub fn finish(self) -> Vec<GroupMetrics> {
        self.groups.into_iter().map(group).collect()
    }
}

/// What the metrics read of one stored sample. Both read-side rows carry
/// it: the light [`ScoredRow`] that the gap analysis holds for every sample
/// at once, and the full [`ExportSample`] that the reports stream.
pub trait SampleView {
    fn key(&self) -> &SampleKey;
    /// (functional, secure) of a scored sample; None after a generation error.
    fn scores(&self) -> Option<(bool, bool)>;
    /// Whether every security test of the sample that probes `cwe` passed
    /// (true when none does).
    fn secure_against(&self, cwe: Cwe) -> bool;
    /// Whether its tests did not run (the candidate did not build).
    fn not_run(&self) -> bool;
    /// Whether it was rejected as tampering with the harness.
    fn tampering(&self) -> bool;
}

/// Whether every (cwe, passed) security result for `cwe` passed.
fn passes(security: impl Iterator<Item = (Option<Cwe>, bool)>, cwe: Cwe) -> bool {
    security
        .filter(|(c, _)| *c == Some(cwe))
        .all(|(_, pass)| pass)
}

impl SampleView for ScoredRow {
    fn key(&self) -> &SampleKey {
        &self.key
    }
    fn scores(&self) -> Option<(bool, bool)> {
        Some((self.functional, self.secure))
    }
    fn secure_against(&self, cwe: Cwe) -> bool {
        passes(self.security.iter().copied(), cwe)
    }
    fn not_run(&self) -> bool {
        self.not_run
    }
    fn tampering(&self) -> bool {
        matches!(self.failure, Some(Failure::Tampering { .. }))
    }
}

impl SampleView for ExportSample {
    fn key(&self) -> &SampleKey {
        &self.key
    }
    fn scores(&self) -> Option<(bool, bool)> {
        if self.status == SampleStatus::Scored {
            self.functional.zip(self.secure)
        } else {
            None
        }
    }
    fn secure_against(&self, cwe: Cwe) -> bool {
        passes(
            self.verdicts
                .iter()
                .filter(|v| v.kind == TestKind::Security)
                .map(|v| (v.cwe, v.outcome == TestOutcome::Pass)),
            cwe,
        )
    }
    fn not_run(&self) -> bool {
        self.verdicts.iter().any(|v| !v.outcome.ran())
    }
    fn tampering(&self) -> bool {
        self.failure
            .as_deref()
            .and_then(|f| f.parse::<Failure>().ok())
            .is_some_and(|f| matches!(f, Failure::Tampering { .. }))
    }
}

/// Aggregate samples into one row per (subject, strategy), in first-seen order.
pub fn summarize(samples: &[SampleOutcome]) -> Vec<GroupMetrics> {
    let mut t = Tally::new();
    for s in samples {
        t.add(
            &s.subject,
            &s.strategy,
            &s.task,
            &s.cwes,
            s.functional,
            s.secure,
            (s.not_run, s.tampering),
            &s.security,
        );
    }
    t.finish()
}

/// pass@k (and pass^k) over tasks, each task's estimate from its own
/// samples, averaged over the tasks; k up to the smallest n.
fn at_k_of(per_task: &[&Count]) -> (u32, Vec<AtK>) {
    let n = per_task.iter().map(|c| c.n).min().unwrap_or(0);
    let tasks = per_task.len();
    let mean =
        |f: &dyn Fn(&Count) -> f64| per_task.iter().map(|c| f(c)).sum::<f64>() / tasks as f64;
    let at_k = KS
        .iter()
        .copied()
        .filter(|&k| k <= n)
        .map(|k| AtK {
            k,
            func: mean(&|c| pass_at_k(c.n, c.func, k)),
            sec: mean(&|c| pass_at_k(c.n, c.sec, k)),
            func_sec: mean(&|c| pass_at_k(c.n, c.fs, k)),
            func_sec_all: mean(&|c| pass_hat_k(c.n, c.fs, k)),
        })
        .collect();
    (n, at_k)
}

/// The rates of the tasks of each slice, slices in name order per dimension.
fn slices_of(tasks: &[(String, TaskTally)]) -> Vec<SliceMetrics> {
    let mut by: BTreeMap<(&'static str, &str), Vec<&Count>> = BTreeMap::new();
    for (_, t) in tasks {
        for (dim, name) in &t.slices {
            by.entry((dim, name)).or_default().push(&t.count);
        }
    }
    let mut out: Vec<SliceMetrics> = by
        .into_iter()
        .map(|((dimension, name), counts)| {
            let (_, at_k) = at_k_of(&counts);
            let sum = |f: &dyn Fn(&Count) -> u32| counts.iter().map(|c| f(c) as u64).sum::<u64>();
            let samples = sum(&|c| c.n);
            SliceMetrics {
                dimension,
                name: name.to_string(),
                tasks: counts.len(),
                samples,
                at_k,
                functional: Rate::new(sum(&|c| c.func), samples),
                secure: Rate::new(sum(&|c| c.sec), samples),
                func_sec: Rate::new(sum(&|c| c.fs), samples),
            }
        })
        .collect();
    // Environments first, then scenarios.
    out.sort_by_key(|s| (s.dimension != "environment", s.name.clone()));
    out
}

fn group(g: GroupTally) -> GroupMetrics {
    let mut tasks_sorted = g.tasks;
    tasks_sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let per_task: Vec<&Count> = tasks_sorted.iter().map(|(_, t)| &t.count).collect();
    let tasks = per_task.len();
    let (n, at_k) = at_k_of(&per_task);
    let total: u64 = per_task.iter().map(|c| c.n as u64).sum();
    let func: u64 = per_task.iter().map(|c| c.func as u64).sum();
    let sec: u64 = per_task.iter().map(|c| c.sec as u64).sum();
    let fs: u64 = per_task.iter().map(|c| c.fs as u64).sum();
    let not_run: u64 = per_task.iter().map(|c| c.not_run as u64).sum();
    let tampering: u64 = per_task.iter().map(|c| c.tampering as u64).sum();

    // Per CWE: (tasks, samples, func-sec samples, samples passing the CWE's tests).
    let mut cwe_rows: BTreeMap<Cwe, (usize, u64, u64, u64)> = BTreeMap::new();
    for (_, t) in &tasks_sorted {
        for &(cwe, ok) in &t.cwes {
            let e = cwe_rows.entry(cwe).or_default();
            e.0 += 1;
            e.1 += t.count.n as u64;
            e.2 += t.count.fs as u64;
            e.3 += ok;
        }
    }
    GroupMetrics {
        subject: g.subject,
        strategy: g.strategy,
        n,
        tasks,
        samples: total,
        at_k,
        functional: Rate::new(func, total),
        secure: Rate::new(sec, total),
        func_sec: Rate::new(fs, total),
        insecure_among_functional: Rate::new(func - fs, func),
        not_run,
        tampering,
        per_cwe: cwe_rows
            .into_iter()
            .map(|(cwe, (tasks, trials, fs, sec))| CweRate {
                cwe,
                tasks,
                func_sec: Rate::new(fs, trials),
                sec: Rate::new(sec, trials),
            })
            .collect(),
        per_slice: slices_of(&tasks_sorted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    fn binom(n: u64, k: u64) -> f64 {
        (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
    }

    #[test]
    fn pass_at_k_matches_the_closed_form() {
        for n in 1..=12u32 {
            for c in 0..=n {
                for k in 1..=n {
                    let direct = if n - c < k {
                        1.0
                    } else {
                        1.0 - binom((n - c) as u64, k as u64) / binom(n as u64, k as u64)
                    };
                    assert!(close(pass_at_k(n, c, k), direct), "n={n} c={c} k={k}");
                }
            }
        }
        assert!(close(pass_at_k(10, 0, 1), 0.0));
        assert!(close(pass_at_k(10, 3, 1), 0.3));
        assert!(close(pass_at_k(5, 5, 5), 1.0));
    }

    #[test]
    fn pass_hat_k_matches_the_closed_form() {
        assert!(close(pass_hat_k(10, 3, 1), 0.3));
        assert!(close(pass_hat_k(4, 2, 2), 1.0 / 6.0));
        assert!(close(pass_hat_k(4, 1, 2), 0.0));
        assert!(close(pass_hat_k(3, 3, 3), 1.0));
    }

    #[test]
    fn wilson_known_values() {
        // 8 of 10: the Wilson 95 % interval is about [0.490, 0.943].
        let i = wilson(8, 10, Z95);
        assert!(
            (i.lo - 0.4902).abs() < 1e-3 && (i.hi - 0.9433).abs() < 1e-3,
            "{i:?}"
        );
        let i = wilson(0, 20, Z95);
        assert_eq!(i.lo, 0.0);
        assert!((i.hi - 0.1611).abs() < 1e-3, "{i:?}");
        let i = wilson(20, 20, Z95);
        assert_eq!(i.hi, 1.0);
        assert_eq!(wilson(0, 0, Z95), Interval { lo: 0.0, hi: 1.0 });
    }

    fn s(task: &str, f: bool, sec: bool) -> SampleOutcome {
        SampleOutcome {
            subject: "x".into(),
            strategy: "baseline".into(),
            task: task.into(),
            cwes: vec![Cwe(22)],
            functional: f,
            secure: sec,
            security: vec![(Some(Cwe(22)), sec)],
            not_run: false,
            tampering: false,
        }
    }

    #[test]
    fn a_sample_whose_tests_did_not_run_is_neither_functional_nor_secure() {
        // Flags that claim otherwise (no security test failed) do not count.
        let rows = vec![
            s("a", true, true),
            SampleOutcome {
                not_run: true,
                security: vec![(Some(Cwe(22)), true)],
                ..s("a", true, true)
            },
        ];
        let g = &summarize(&rows)[0];
        assert_eq!(g.not_run, 1);
        assert_eq!((g.functional.successes, g.secure.successes), (1, 1));
        assert_eq!(g.func_sec.successes, 1);
        assert!(close(g.at_k[0].sec, 0.5));
        assert_eq!(g.per_cwe[0].sec.successes, 1);
        assert_eq!(g.insecure_among_functional.trials, 1);
    }

    #[test]
    fn summarize_averages_over_tasks() {
        let rows = vec![
            s("a", true, true),
            s("a", true, false),
            s("b", true, false),
            s("b", false, true),
        ];
        let g = &summarize(&rows)[0];
        assert_eq!((g.n, g.tasks, g.samples), (2, 2, 4));
        let k1 = &g.at_k[0];
        assert!(close(k1.func, (1.0 + 0.5) / 2.0));
        assert!(close(k1.func_sec, (0.5 + 0.0) / 2.0));
        let k2 = &g.at_k[1];
        assert_eq!(k2.k, 2);
        assert!(close(k2.func_sec, (1.0 + 0.0) / 2.0));
        assert!(close(k2.func_sec_all, 0.0));
        // 3 functional samples, 2 of them insecure.
        assert_eq!(g.insecure_among_functional.successes, 2);
        assert_eq!(g.insecure_among_functional.trials, 3);
        assert_eq!(g.per_cwe[0].sec.successes, 2);
    }
}
