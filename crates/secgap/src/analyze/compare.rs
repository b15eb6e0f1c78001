//! Paired comparison of two subjects (in one run or in two runs) on the
//! same samples: matched on (strategy, task, sample index), scored samples
//! only. For functional, secure and func-sec: both rates, the paired
//! difference with Newcombe's interval, and McNemar's exact and
//! chi-squared tests.

use std::collections::HashMap;

use serde::Serialize;

use crate::model::{ExportSample, SampleStatus};
use secgap_stats as stats;

#[derive(Debug, Clone, Serialize)]
pub struct OutcomeComparison {
    pub outcome: String,
    pub rate_a: f64,
    pub rate_b: f64,
    pub result: Result<stats::McNemar, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub pairs: usize,
    pub unmatched_a: usize,
    pub unmatched_b: usize,
    pub outcomes: Vec<OutcomeComparison>,
    /// Tasks where func-sec differs in at least one pair: (task, a wins, b wins).
    pub tasks: Vec<(String, u64, u64)>,
}

type Key<'a> = (&'a str, &'a str, u32);

fn scored<'a>(samples: &'a [ExportSample], subject: &str) -> HashMap<Key<'a>, &'a ExportSample> {
    samples
        .iter()
        .filter(|s| s.key.subject == subject && s.status == SampleStatus::Scored)
        .map(|s| {
            (
                (s.key.strategy.as_str(), s.key.task.as_str(), s.key.index),
                s,
            )
        })
        .collect()
}

/// Compare subject `a` of `samples_a` with subject `b` of `samples_b`.
pub fn compare(
    samples_a: &[ExportSample],
    a: &str,
    samples_b: &[ExportSample],
    b: &str,
) -> Comparison {
    let left = scored(samples_a, a);
    let right = scored(samples_b, b);
    let mut keys: Vec<&Key> = left.keys().filter(|k| right.contains_key(*k)).collect();
    keys.sort();
    let pairs: Vec<(&ExportSample, &ExportSample)> =
        keys.iter().map(|k| (left[*k], right[*k])).collect();
    type Pick = fn(&ExportSample) -> bool;
    let outcomes: [(&str, Pick); 3] = [
        ("functional", |s| s.functional == Some(true)),
        ("secure", |s| s.secure == Some(true)),
        ("func_sec", |s| s.func_sec == Some(true)),
    ];
    let rate = |xs: &[bool]| {
        if xs.is_empty() {
            0.0
        } else {
            xs.iter().filter(|x| **x).count() as f64 / xs.len() as f64
        }
    };
    let outcomes = outcomes
        .iter()
        .map(|(name, pick)| {
            let xa: Vec<bool> = pairs.iter().map(|(l, _)| pick(l)).collect();
            let xb: Vec<bool> = pairs.iter().map(|(_, r)| pick(r)).collect();
            OutcomeComparison {
                outcome: name.to_string(),
                rate_a: rate(&xa),
                rate_b: rate(&xb),
                result: stats::PairedTable::from_pairs(&xa, &xb)
                    .and_then(|t| stats::mcnemar(&t))
                    .map_err(|e| e.to_string()),
            }
        })
        .collect();
    let mut tasks: Vec<(String, u64, u64)> = Vec::new();
    for (l, r) in &pairs {
        let (fa, fb) = (l.func_sec == Some(true), r.func_sec == Some(true));
        if fa == fb {
            continue;
        }
        let t = match tasks.iter_mut().find(|t| t.0 == l.key.task) {
            Some(t) => t,
            None => {
                tasks.push((l.key.task.to_string(), 0, 0));
                tasks.last_mut().expect("just pushed")
            }
        };
        if fa {
            t.1 += 1;
        } else {
            t.2 += 1;
        }
    }
    Comparison {
        a: a.to_string(),
        b: b.to_string(),
        pairs: pairs.len(),
        unmatched_a: left.len() - pairs.len(),
        unmatched_b: right.len() - pairs.len(),
        outcomes,
        tasks,
    }
}

/// The comparison for a terminal.
pub fn table(c: &Comparison) -> String {
    let pct = |x: f64| format!("{:5.1}", 100.0 * x);
    let mut s = format!(
        "A = {}\nB = {}\n{} paired samples (matched on strategy, task and sample index; {} of A and {} of B unmatched)\n\n{:<11} {:>6} {:>6} {:>7} {:>17} {:>5} {:>5} {:>11}\n",
        c.a, c.b, c.pairs, c.unmatched_a, c.unmatched_b, "outcome", "A", "B", "A - B", "95% CI", "b", "c", "McNemar p"
    );
    for o in &c.outcomes {
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
    s.push_str("(percent; b = pairs where only A succeeds, c = only B; exact two-sided McNemar test; Newcombe interval for the paired difference)\n");
    if !c.tasks.is_empty() {
        s.push_str("\nfunc-sec differs on:\n");
        for (t, wa, wb) in &c.tasks {
            s.push_str(&format!("  {t:<28} A better in {wa}, B better in {wb}\n"));
        }
    }
    s
}
