//! Metrics: func@k, sec@k and func-sec@k with the unbiased pass@k
//! estimator, pass^k, insecure-among-functional, per-CWE rates and Wilson
//! 95 % intervals. Pure functions over plain data; nothing here knows
//! where the data came from.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::suite::Cwe;

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Unbiased estimator of pass@k from n samples of which c passed:
/// 1 - C(n-c, k) / C(n, k), computed as a stable product.
pub fn pass_at_k(n: u32, c: u32, k: u32) -> f64 {
    assert!(
        k >= 1 && k <= n && c <= n,
        "pass_at_k needs 1 <= k <= n and c <= n"
    );
    if n - c < k {
        return 1.0;
    }
    let mut miss = 1.0;
    for i in (n - c + 1)..=n {
        miss *= 1.0 - k as f64 / i as f64;
    }
    1.0 - miss
}

/// pass^k: the chance that k samples drawn without replacement all pass,
/// C(c, k) / C(n, k).
pub fn pass_hat_k(n: u32, c: u32, k: u32) -> f64 {
    assert!(
        k >= 1 && k <= n && c <= n,
        "pass_hat_k needs 1 <= k <= n and c <= n"
    );
    if c < k {
        return 0.0;
    }
    (0..k).map(|i| (c - i) as f64 / (n - i) as f64).product()
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

/// Wilson score interval for a binomial proportion.
pub fn wilson(successes: u64, trials: u64, z: f64) -> Interval {
    if trials == 0 {
        return Interval { lo: 0.0, hi: 1.0 };
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Interval {
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
    }
}

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
}

#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    pub successes: u64,
    pub trials: u64,
    pub rate: f64,
    pub ci95: Interval,
}

impl Rate {
    fn new(successes: u64, trials: u64) -> Rate {
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
    pub per_cwe: Vec<CweRate>,
}

/// The k values reported: these, up to the smallest n.
pub const KS: &[u32] = &[1, 2, 3, 5, 10, 25, 50, 100];

#[derive(Default)]
struct Count {
    n: u32,
    func: u32,
    sec: u32,
    fs: u32,
}

/// Aggregate samples into one row per (subject, strategy), in first-seen order.
pub fn summarize(samples: &[SampleOutcome]) -> Vec<GroupMetrics> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<&SampleOutcome>> = BTreeMap::new();
    for s in samples {
        let key = (s.subject.clone(), s.strategy.clone());
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(s);
    }
    order
        .into_iter()
        .map(|key| {
            let rows = &groups[&key];
            group(key.0, key.1, rows)
        })
        .collect()
}

fn group(subject: String, strategy: String, rows: &[&SampleOutcome]) -> GroupMetrics {
    let mut per_task: BTreeMap<&str, Count> = BTreeMap::new();
    for r in rows {
        let c = per_task.entry(r.task.as_str()).or_default();
        c.n += 1;
        c.func += r.functional as u32;
        c.sec += r.secure as u32;
        c.fs += (r.functional && r.secure) as u32;
    }
    let n = per_task.values().map(|c| c.n).min().unwrap_or(0);
    let tasks = per_task.len();
    let mean = |f: &dyn Fn(&Count) -> f64| per_task.values().map(f).sum::<f64>() / tasks as f64;
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
    let total = rows.len() as u64;
    let func = rows.iter().filter(|r| r.functional).count() as u64;
    let sec = rows.iter().filter(|r| r.secure).count() as u64;
    let fs = rows.iter().filter(|r| r.functional && r.secure).count() as u64;

    let mut cwe_rows: BTreeMap<Cwe, (std::collections::BTreeSet<&str>, u64, u64, u64)> =
        BTreeMap::new();
    for r in rows {
        for &cwe in &r.cwes {
            let e = cwe_rows.entry(cwe).or_default();
            e.0.insert(r.task.as_str());
            e.1 += 1;
            e.2 += (r.functional && r.secure) as u64;
            let ok = r
                .security
                .iter()
                .filter(|(c, _)| *c == Some(cwe))
                .all(|(_, pass)| *pass);
            e.3 += ok as u64;
        }
    }
    GroupMetrics {
        subject,
        strategy,
        n,
        tasks,
        samples: total,
        at_k,
        functional: Rate::new(func, total),
        secure: Rate::new(sec, total),
        func_sec: Rate::new(fs, total),
        insecure_among_functional: Rate::new(func - fs, func),
        per_cwe: cwe_rows
            .into_iter()
            .map(|(cwe, (ts, trials, fs, sec))| CweRate {
                cwe,
                tasks: ts.len(),
                func_sec: Rate::new(fs, trials),
                sec: Rate::new(sec, trials),
            })
            .collect(),
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
        }
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
