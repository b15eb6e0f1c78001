//! The paths forward: every strategy of a run against the baseline, on the
//! same samples. Per subject and non-baseline strategy, the samples pair
//! with the baseline's on (subject, task, sample index) through the shared
//! core of [`crate::analyze::compare`]; each pair of arms gets Δfunc, Δsec
//! and Δfunc-sec (strategy − baseline) with Newcombe's 95 % interval and
//! McNemar's exact test, discordant counts shown, the functional cost
//! always beside the security gain, and the same per CWE where there are
//! at least [`MIN_CWE_PAIRS`] pairs. Per (subject, strategy): the rates and
//! what a sample took (turns, calls, tokens, dollars). And principle-self's
//! own first answer against its outcomes ([`gap::self_identified_gap`]).
//!
//! Fed one sample at a time ([`PathsTally`]), in memory proportional to
//! the scored samples (a few bytes each) and the names.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::analyze::compare::{self, OutcomeComparison, Outcomes, PairedCounts};
use crate::analyze::gap::{self, Observation, SelfIdentifiedGap, SelfObservation};
use crate::analyze::metrics::{Rate, SampleView};
use crate::model::{Cwe, SampleKey, SampleUsage, SelfIdentified};
use crate::suite::Suite;

/// The reference arm every other strategy is compared with.
pub const BASELINE: &str = "baseline";
/// The strategy whose first turn is its own Level 1 answer.
pub const PRINCIPLE_SELF: &str = "principle-self";
/// A CWE's paired comparison is reported from this many pairs on.
pub const MIN_CWE_PAIRS: u64 = 10;

/// Whether a strategy buys security with functionality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TradeOff {
    /// Security rises and functionality falls, and both 95 % intervals
    /// exclude zero.
    Shown,
    /// The point estimates say so (Δsec > 0, Δfunc < 0), but at least one
    /// interval includes zero.
    PointEstimate,
    /// Not a trade-off: security does not rise, or functionality does not fall.
    None,
}

impl TradeOff {
    /// Decide from the Δsec and Δfunc of a comparison.
    pub fn of(outcomes: &[OutcomeComparison]) -> TradeOff {
        let d = |name: &str| {
            outcomes
                .iter()
                .find(|o| o.outcome == name)
                .and_then(OutcomeComparison::difference)
        };
        match (d("secure"), d("functional")) {
            (Some((sec, sec_ci)), Some((func, func_ci))) if sec > 0.0 && func < 0.0 => {
                if sec_ci.lo > 0.0 && func_ci.hi < 0.0 {
                    TradeOff::Shown
                } else {
                    TradeOff::PointEstimate
                }
            }
            _ => TradeOff::None,
        }
    }

    /// In words, for the reports; empty for [`TradeOff::None`].
    pub fn describe(self) -> &'static str {
        match self {
            TradeOff::Shown => "trade-off: security rises and functionality falls (both 95 % intervals exclude 0)",
            TradeOff::PointEstimate => "possible trade-off: security rises and functionality falls in the point estimates only (an interval includes 0)",
            TradeOff::None => "",
        }
    }
}

/// One CWE's paired comparison: over the pairs on tasks carrying the CWE,
/// the samples' own outcomes.
#[derive(Debug, Clone, Serialize)]
pub struct CwePaired {
    /// Written `CWE-22`, as the metrics' per-CWE rows.
    #[serde(serialize_with = "cwe_text")]
    pub cwe: Cwe,
    pub pairs: u64,
    /// The outcomes, or why not (too few pairs).
    pub outcomes: Result<Vec<OutcomeComparison>, String>,
}

fn cwe_text<S: serde::Serializer>(c: &Cwe, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(c)
}

/// One subject: a strategy (A) against the baseline (B).
#[derive(Debug, Clone, Serialize)]
pub struct PathComparison {
    pub subject: String,
    /// A.
    pub strategy: String,
    /// B.
    pub baseline: String,
    pub pairs: u64,
    pub unmatched_strategy: u64,
    pub unmatched_baseline: u64,
    /// functional, secure, func_sec: `rate_a` is the strategy's, `rate_b`
    /// the baseline's, the difference is strategy − baseline; b counts
    /// pairs where only the strategy succeeds, c only the baseline.
    pub outcomes: Vec<OutcomeComparison>,
    pub trade_off: TradeOff,
    pub per_cwe: Vec<CwePaired>,
}

/// One (subject, strategy): its rates and what a sample took.
#[derive(Debug, Clone, Serialize)]
pub struct StrategyRow {
    pub subject: String,
    pub strategy: String,
    /// Stored samples (scored and generation errors).
    pub samples: u64,
    /// Scored samples: the rates are over these.
    pub scored: u64,
    pub functional: Rate,
    pub secure: Rate,
    pub func_sec: Rate,
    /// Means over the stored samples (None without usage rows).
    pub turns_per_sample: Option<f64>,
    pub calls_per_sample: Option<f64>,
    pub input_tokens_per_sample: Option<f64>,
    pub output_tokens_per_sample: Option<f64>,
    /// New spend per stored sample; None when unknown (see `cost_unknown`).
    pub usd_per_sample: Option<f64>,
    pub usd_total: Option<f64>,
    /// Why the cost is unknown.
    pub cost_unknown: Option<String>,
    pub cached_calls: u64,
}

/// The strategy comparison of a run.
#[derive(Debug, Clone, Serialize)]
pub struct PathsReport {
    pub baseline: String,
    pub matched_on: String,
    pub min_cwe_pairs: u64,
    /// In first-seen order.
    pub strategies: Vec<String>,
    pub rows: Vec<StrategyRow>,
    pub comparisons: Vec<PathComparison>,
    /// When the run has principle-self.
    pub principle_self: Option<SelfIdentifiedGap>,
    pub notes: Vec<String>,
}

/// Names interned to small numbers, so that a sample costs a few bytes.
#[derive(Default)]
struct Names {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Names {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

#[derive(Default)]
struct UsageSum {
    samples: u64,
    turns: u64,
    calls: u64,
    input: u64,
    output: u64,
    cost: f64,
    cached: u64,
    unpriced: u64,
}

#[derive(Default)]
struct Group {
    stored: u64,
    /// ((task, sample index), outcomes) of the scored samples.
    scored: Vec<((u32, u32), Outcomes)>,
    usage: UsageSum,
}

/// The strategy comparison, folded one sample at a time: feed every
/// stored sample ([`PathsTally::add_sample`]) and every usage row
/// ([`PathsTally::add_usage`]), then [`PathsTally::finish`].
pub struct PathsTally {
    subjects: Names,
    strategies: Names,
    tasks: Names,
    groups: HashMap<(u32, u32), Group>,
    /// Groups in first-seen order.
    order: Vec<(u32, u32)>,
    graded: HashMap<SampleKey, SelfIdentified>,
    /// principle-self samples with a graded first answer:
    /// (subject, task, answer, outcomes).
    selfs: Vec<(u32, u32, SelfIdentified, Outcomes)>,
}

impl PathsTally {
    /// `graded`: principle-self's graded first answers
    /// ([`crate::model::SampleSource::self_identified`]).
    pub fn new(graded: Vec<SelfIdentified>) -> PathsTally {
        PathsTally {
            subjects: Names::default(),
            strategies: Names::default(),
            tasks: Names::default(),
            groups: HashMap::new(),
            order: Vec::new(),
            graded: graded.into_iter().map(|g| (g.key.clone(), g)).collect(),
            selfs: Vec::new(),
        }
    }

    fn group(&mut self, key: &SampleKey) -> &mut Group {
        let g = (
            self.subjects.id(&key.subject),
            self.strategies.id(&key.strategy),
        );
        if !self.groups.contains_key(&g) {
            self.order.push(g);
        }
        self.groups.entry(g).or_default()
    }

    /// Count one stored sample (scored or not; a caller that feeds only
    /// the scored ones gets the other samples counted from their usage).
    pub fn add_sample(&mut self, s: &impl SampleView) {
        let key = s.key();
        let task = self.tasks.id(&key.task);
        let outcomes = Outcomes::of(s);
        let g = self.group(key);
        g.stored += 1;
        let Some(o) = outcomes else {
            return;
        };
        g.scored.push(((task, key.index), o));
        if key.strategy == PRINCIPLE_SELF {
            if let Some(answer) = self.graded.get(key) {
                let subject = self.subjects.id(&key.subject);
                self.selfs.push((subject, task, answer.clone(), o));
            }
        }
    }

    /// Count what one stored sample took.
    pub fn add_usage(&mut self, u: &SampleUsage) {
        let g = &mut self.group(&u.key).usage;
        g.samples += 1;
        g.turns += u.turns as u64;
        g.calls += u.calls as u64;
        g.input += u.input_tokens;
        g.output += u.output_tokens;
        g.cost += u.cost_usd.unwrap_or(0.0);
        g.cached += u.cached_calls as u64;
        g.unpriced += u.unpriced_calls as u64;
    }

    /// The comparison, or None when the run has one strategy.
    pub fn finish(mut self, suite: &Suite) -> Option<PathsReport> {
        let mut strategies: Vec<u32> = Vec::new();
        let mut subjects: Vec<u32> = Vec::new();
        for (subj, st) in &self.order {
            if !strategies.contains(st) {
                strategies.push(*st);
            }
            if !subjects.contains(subj) {
                subjects.push(*subj);
            }
        }
        if strategies.len() < 2 {
            return None;
        }
        // The baseline first, the others in first-seen order.
        if let Some(&b) = self.strategies.index.get(BASELINE) {
            strategies.retain(|s| *s != b);
            strategies.insert(0, b);
        }
        // Rows by subject, then strategy, each in first-seen order.
        let rank = |k: &(u32, u32)| {
            (
                subjects.iter().position(|s| *s == k.0),
                strategies.iter().position(|s| *s == k.1),
            )
        };
        self.order.sort_by_key(rank);
        let name = |names: &Names, i: u32| names.names[i as usize].clone();
        let rows: Vec<StrategyRow> = self
            .order
            .iter()
            .map(|k| {
                row(
                    name(&self.subjects, k.0),
                    name(&self.strategies, k.1),
                    &self.groups[k],
                )
            })
            .collect();
        let cwes_of: Vec<Vec<Cwe>> = self
            .tasks
            .names
            .iter()
            .map(|t| suite.task(t).map_or_else(Vec::new, |t| t.cwes.clone()))
            .collect();
        let mut notes = Vec::new();
        let baseline = self.strategies.index.get(BASELINE).copied();
        let mut comparisons = Vec::new();
        match baseline {
            None => notes.push(format!(
                "the run has no `{BASELINE}` strategy, so no strategy is compared with it"
            )),
            Some(base) => {
                for &subj in &subjects {
                    let Some(mut b) = self
                        .groups
                        .get_mut(&(subj, base))
                        .map(|g| std::mem::take(&mut g.scored))
                    else {
                        notes.push(format!(
                            "{} has no {BASELINE} samples, so its strategies are not compared",
                            name(&self.subjects, subj)
                        ));
                        continue;
                    };
                    for &st in strategies.iter().filter(|s| **s != base) {
                        let Some(g) = self.groups.get_mut(&(subj, st)) else {
                            continue;
                        };
                        let mut counts = PairedCounts::default();
                        let mut per_cwe: BTreeMap<Cwe, PairedCounts> = BTreeMap::new();
                        let m = compare::pair_up(&mut g.scored, &mut b, |k, x, y| {
                            counts.add(x, y);
                            for c in &cwes_of[k.0 as usize] {
                                per_cwe.entry(*c).or_default().add(x, y);
                            }
                        });
                        let outcomes = counts.outcomes();
                        comparisons.push(PathComparison {
                            subject: name(&self.subjects, subj),
                            strategy: name(&self.strategies, st),
                            baseline: BASELINE.to_string(),
                            pairs: m.pairs,
                            unmatched_strategy: m.unmatched_a,
                            unmatched_baseline: m.unmatched_b,
                            trade_off: TradeOff::of(&outcomes),
                            outcomes,
                            per_cwe: per_cwe
                                .into_iter()
                                .map(|(cwe, c)| CwePaired {
                                    cwe,
                                    pairs: c.pairs(),
                                    outcomes: if c.pairs() >= MIN_CWE_PAIRS {
                                        Ok(c.outcomes())
                                    } else {
                                        Err(format!(
                                            "too few pairs ({} < {MIN_CWE_PAIRS})",
                                            c.pairs()
                                        ))
                                    },
                                })
                                .collect(),
                        });
                    }
                }
            }
        }
        let principle_self = self.strategies.index.contains_key(PRINCIPLE_SELF).then(|| {
            let selfs = std::mem::take(&mut self.selfs);
            let obs: Vec<SelfObservation> = selfs
                .iter()
                .map(|(subj, task, answer, o)| {
                    let task = self.tasks.names[*task as usize].as_str();
                    SelfObservation {
                        obs: Observation {
                            subject: self.subjects.names[*subj as usize].as_str(),
                            language: suite.task(task).map_or("?", |t| t.language.name()),
                            task,
                            score: answer.jaccard,
                            functional: o.functional,
                            secure: o.secure,
                        },
                        parsed: answer.parsed,
                        exact: answer.exact,
                    }
                })
                .collect();
            gap::self_identified_gap(PRINCIPLE_SELF, &obs)
        });
        Some(PathsReport {
            baseline: BASELINE.to_string(),
            matched_on: compare::Arm::Strategy.matched_on().to_string(),
            min_cwe_pairs: MIN_CWE_PAIRS,
            strategies: strategies
                .iter()
                .map(|s| name(&self.strategies, *s))
                .collect(),
            rows,
            comparisons,
            principle_self,
            notes,
        })
    }
}

fn row(subject: String, strategy: String, g: &Group) -> StrategyRow {
    let n = g.scored.len() as u64;
    let count = |f: fn(Outcomes) -> bool| g.scored.iter().filter(|(_, o)| f(*o)).count() as u64;
    let u = &g.usage;
    let per = |x: u64| (u.samples > 0).then(|| x as f64 / u.samples as f64);
    let cost_unknown = if u.samples == 0 {
        Some("no usage recorded".to_string())
    } else if u.calls == 0 {
        Some("no model calls recorded (a reference or replay subject, or an agent whose traffic was not recorded)".to_string())
    } else if u.unpriced > 0 {
        Some(format!(
            "{} call{} without a price: no price table or no reported usage",
            u.unpriced,
            if u.unpriced == 1 { "" } else { "s" }
        ))
    } else {
        None
    };
    let known = cost_unknown.is_none();
    StrategyRow {
        subject,
        strategy,
        // A feed of scored samples only still has every stored sample's usage.
        samples: g.stored.max(u.samples),
        scored: n,
        functional: Rate::new(count(|o| o.functional), n),
        secure: Rate::new(count(|o| o.secure), n),
        func_sec: Rate::new(count(Outcomes::func_sec), n),
        turns_per_sample: per(u.turns),
        calls_per_sample: per(u.calls),
        input_tokens_per_sample: per(u.input),
        output_tokens_per_sample: per(u.output),
        usd_per_sample: known.then(|| u.cost / u.samples as f64),
        usd_total: known.then_some(u.cost),
        cost_unknown,
        cached_calls: u.cached,
    }
}

/// The comparison for a terminal: rates and cost per (subject,
/// strategy), then each strategy against the baseline.
pub fn table(p: &PathsReport) -> String {
    use crate::analyze::text;
    let pct = |x: f64| format!("{:.1}", 100.0 * x);
    let num = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.1}"));
    let head = [
        "subject / strategy",
        "samples",
        "func",
        "sec",
        "fsec",
        "turns/s",
        "calls/s",
        "USD/s",
    ];
    let mut rows: Vec<[String; 8]> = vec![head.map(String::from)];
    for r in &p.rows {
        rows.push([
            format!("{} / {}", r.subject, r.strategy),
            r.samples.to_string(),
            pct(r.functional.rate),
            pct(r.secure.rate),
            pct(r.func_sec.rate),
            num(r.turns_per_sample),
            num(r.calls_per_sample),
            r.usd_per_sample.map_or("unknown".into(), usd),
        ]);
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|i| rows.iter().map(|r| text::width(&r[i])).max().unwrap_or(0))
        .collect();
    let mut s = format!(
        "Strategies against {} (paired on {})
",
        p.baseline, p.matched_on
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
    for c in &p.comparisons {
        let d = |name: &str| {
            c.outcomes
                .iter()
                .find(|o| o.outcome == name)
                .and_then(|o| o.result.as_ref().ok())
                .map_or("-".to_string(), |m| {
                    format!(
                        "{:+.1} [{:+.1}, {:+.1}] b {} c {} {}",
                        100.0 * m.difference,
                        100.0 * m.difference_ci.lo,
                        100.0 * m.difference_ci.hi,
                        m.b,
                        m.c,
                        text::p_is(m.exact.p_value)
                    )
                })
        };
        s.push_str(&format!(
            "{} / {} vs {} ({} pairs): func {}; sec {}; func-sec {}\n",
            c.subject,
            c.strategy,
            c.baseline,
            c.pairs,
            d("functional"),
            d("secure"),
            d("func_sec")
        ));
        if c.trade_off != TradeOff::None {
            s.push_str(&format!("    {}\n", c.trade_off.describe()));
        }
    }
    for n in &p.notes {
        s.push_str(&format!("note: {n}\n"));
    }
    s.push_str("(percent; per sample; Δ = strategy - baseline in points, Newcombe 95 % CI; b/c = pairs only the strategy / only the baseline got right; exact McNemar p)\n");
    s
}

/// Dollars per sample as the reports print them.
pub fn usd(v: f64) -> String {
    if v == 0.0 {
        "$0".into()
    } else if v < 0.01 {
        format!("${v:.5}")
    } else {
        format!("${v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ScoredRow;

    fn scored(strategy: &str, task: &str, index: u32, f: bool, s: bool) -> ScoredRow {
        ScoredRow {
            key: SampleKey {
                subject: "m".into(),
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

    fn comparison(sec: (f64, f64, f64), func: (f64, f64, f64)) -> Vec<OutcomeComparison> {
        let one = |name: &str, (d, lo, hi): (f64, f64, f64)| OutcomeComparison {
            outcome: name.into(),
            rate_a: 0.0,
            rate_b: 0.0,
            result: Ok(secgap_stats::McNemar {
                pairs: 10,
                b: 0,
                c: 0,
                exact: secgap_stats::TestResult {
                    statistic: 0.0,
                    p_value: 1.0,
                },
                chi2: None,
                difference: d,
                difference_ci: secgap_stats::Interval { lo, hi },
            }),
        };
        vec![one("functional", func), one("secure", sec)]
    }

    #[test]
    fn a_trade_off_is_decided_by_the_intervals_or_called_a_point_estimate() {
        let t = TradeOff::of(&comparison((0.3, 0.1, 0.5), (-0.2, -0.4, -0.05)));
        assert_eq!(t, TradeOff::Shown);
        let t = TradeOff::of(&comparison((0.3, 0.1, 0.5), (-0.2, -0.4, 0.05)));
        assert_eq!(t, TradeOff::PointEstimate);
        let t = TradeOff::of(&comparison((0.3, 0.1, 0.5), (0.0, -0.1, 0.1)));
        assert_eq!(t, TradeOff::None);
        let t = TradeOff::of(&comparison((-0.1, -0.3, 0.1), (-0.2, -0.4, -0.05)));
        assert_eq!(t, TradeOff::None);
    }

    #[test]
    fn one_strategy_is_no_comparison_and_a_missing_baseline_is_said() {
        let suite = crate::suite::Suite {
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
        };
        let mut t = PathsTally::new(Vec::new());
        t.add_sample(&scored("baseline", "t", 0, true, true));
        assert!(t.finish(&suite).is_none());
        let mut t = PathsTally::new(Vec::new());
        t.add_sample(&scored("a", "t", 0, true, true));
        t.add_sample(&scored("b", "t", 0, true, true));
        let r = t.finish(&suite).unwrap();
        assert!(r.comparisons.is_empty());
        assert!(
            r.notes[0].contains("no `baseline` strategy"),
            "{:?}",
            r.notes
        );
    }
}
