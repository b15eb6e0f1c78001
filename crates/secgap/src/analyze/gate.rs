//! CI gates: `--fail-under METRIC=MIN` (every subject) or
//! `--fail-under METRIC[SUBJECT]=MIN` (one subject) turn a run or a report
//! into a non-zero exit with a one-line reason per failed gate. A gate
//! names a typed [`Metric`] and reads it from the metrics themselves, not
//! from their JSON.

use std::fmt;

use anyhow::{bail, Result};

use crate::analyze::metrics::GroupMetrics;

/// A metric a gate can hold a run to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// func@k
    Func(u32),
    /// sec@k
    Sec(u32),
    /// func_sec@k
    FuncSec(u32),
    /// func_sec^k (pass^k)
    FuncSecAll(u32),
    /// The subject's mean understanding (Level 1).
    Understanding,
    InsecureAmongFunctional,
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Metric::Func(k) => write!(f, "func@{k}"),
            Metric::Sec(k) => write!(f, "sec@{k}"),
            Metric::FuncSec(k) => write!(f, "func_sec@{k}"),
            Metric::FuncSecAll(k) => write!(f, "func_sec^{k}"),
            Metric::Understanding => f.write_str("understanding"),
            Metric::InsecureAmongFunctional => f.write_str("insecure_among_functional"),
        }
    }
}

impl std::str::FromStr for Metric {
    type Err = ();
    fn from_str(s: &str) -> Result<Metric, ()> {
        let k = |rest: &str| rest.parse::<u32>().ok().filter(|k| *k > 0).ok_or(());
        if let Some(rest) = s.strip_prefix("func_sec@") {
            return k(rest).map(Metric::FuncSec);
        }
        if let Some(rest) = s.strip_prefix("func_sec^") {
            return k(rest).map(Metric::FuncSecAll);
        }
        if let Some(rest) = s.strip_prefix("func@") {
            return k(rest).map(Metric::Func);
        }
        if let Some(rest) = s.strip_prefix("sec@") {
            return k(rest).map(Metric::Sec);
        }
        match s {
            "understanding" => Ok(Metric::Understanding),
            "insecure_among_functional" => Ok(Metric::InsecureAmongFunctional),
            _ => Err(()),
        }
    }
}

impl Metric {
    /// The metric's value for one (subject, strategy): None when the run
    /// does not report it (k above the samples, or no probes); Some(None)
    /// when it is reported but undefined for lack of data.
    fn value(self, g: &GroupMetrics, understanding: Option<Option<f64>>) -> Option<Option<f64>> {
        let at = |k: u32| g.at_k.iter().find(|a| a.k == k);
        match self {
            Metric::Func(k) => at(k).map(|a| Some(a.func)),
            Metric::Sec(k) => at(k).map(|a| Some(a.sec)),
            Metric::FuncSec(k) => at(k).map(|a| Some(a.func_sec)),
            Metric::FuncSecAll(k) => at(k).map(|a| Some(a.func_sec_all)),
            Metric::Understanding => understanding,
            Metric::InsecureAmongFunctional => Some(Some(g.insecure_among_functional.rate)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub metric: Metric,
    pub subject: Option<String>,
    pub min: f64,
}

impl std::str::FromStr for Gate {
    type Err = anyhow::Error;

    fn from_str(s: &str) -> Result<Gate> {
        let Some((lhs, min)) = s.rsplit_once('=') else {
            bail!("`{s}`: write METRIC=MIN, e.g. func_sec@1=0.6, or METRIC[SUBJECT]=MIN");
        };
        let min: f64 = min
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("`{s}`: `{min}` is not a number"))?;
        if !(0.0..=1.0).contains(&min) {
            bail!("`{s}`: rates run from 0 to 1, so the minimum must too (0.6 means 60 %)");
        }
        let (metric, subject) = match lhs.split_once('[') {
            Some((m, rest)) => match rest.strip_suffix(']') {
                Some(subj) if !subj.is_empty() => (m.trim(), Some(subj.to_string())),
                _ => bail!("`{s}`: close the subject with `]`, e.g. func_sec@1[openai:gpt-4o]=0.6"),
            },
            None => (lhs.trim(), None),
        };
        let Ok(metric) = metric.parse::<Metric>() else {
            bail!(
                "`{s}`: unknown metric `{metric}`; use func@K, sec@K, func_sec@K, func_sec^K, understanding or insecure_among_functional"
            );
        };
        Ok(Gate {
            metric,
            subject,
            min,
        })
    }
}

/// Check `gates` against the metrics of each (subject, strategy);
/// `understanding` gives a subject's understanding (None when the run
/// asked no probes). Returns one line per failure. A gate whose metric or
/// subject is not in the results is an error.
pub fn check(
    gates: &[Gate],
    groups: &[GroupMetrics],
    understanding: &dyn Fn(&str) -> Option<Option<f64>>,
) -> Result<Vec<String>> {
    let mut failures = Vec::new();
    for g in gates {
        let mine: Vec<&GroupMetrics> = groups
            .iter()
            .filter(|r| g.subject.as_deref().is_none_or(|s| r.subject == s))
            .collect();
        if mine.is_empty() {
            bail!(
                "gate `{}`: the run has no subject `{}`",
                g.metric,
                g.subject.as_deref().unwrap_or("")
            );
        }
        for r in mine {
            let who = format!("{} / {}", r.subject, r.strategy);
            let Some(v) = g.metric.value(r, understanding(&r.subject)) else {
                bail!(
                    "gate `{}`: {who} has no such metric (@k needs at least k samples; understanding needs --levels 1,2,3)",
                    g.metric
                );
            };
            match v {
                Some(x) if x >= g.min => {}
                Some(x) => failures.push(format!(
                    "gate failed: {who} {} = {x:.3} < {}",
                    g.metric, g.min
                )),
                None => failures.push(format!(
                    "gate failed: {who} {} is undefined (no data)",
                    g.metric
                )),
            }
        }
    }
    Ok(failures)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::metrics::{summarize, SampleOutcome};

    /// The metrics of one subject whose samples are func-sec at `rate`
    /// (over ten samples of one task).
    fn group(subject: &str, rate: f64) -> Vec<GroupMetrics> {
        let passes = (rate * 10.0).round() as usize;
        let samples: Vec<SampleOutcome> = (0..10)
            .map(|i| SampleOutcome {
                subject: subject.into(),
                strategy: "baseline".into(),
                task: "t".into(),
                cwes: Vec::new(),
                functional: i < passes,
                secure: i < passes,
                security: Vec::new(),
                not_run: false,
                tampering: false,
            })
            .collect();
        summarize(&samples)
    }

    #[test]
    fn gates_parse_and_check() {
        let g: Gate = "func_sec@1=0.6".parse().unwrap();
        assert_eq!(
            (g.metric.to_string().as_str(), g.subject, g.min),
            ("func_sec@1", None, 0.6)
        );
        let g: Gate = "sec@5[openai-compat:http://h:1/v1#m]=0.5".parse().unwrap();
        assert_eq!(g.subject.as_deref(), Some("openai-compat:http://h:1/v1#m"));
        for bad in [
            "func_sec@1",
            "func_sec@1=x",
            "func_sec@1=60",
            "speed=0.5",
            "func@0=0.1",
            "sec@1[=0.1",
        ] {
            assert!(bad.parse::<Gate>().is_err(), "{bad}");
        }
        let mut rows = group("a", 0.8);
        rows.extend(group("b", 0.2));
        let no_probes = |_: &str| None;
        let all: Gate = "func_sec@1=0.6".parse().unwrap();
        let f = check(&[all], &rows, &no_probes).unwrap();
        assert_eq!(
            f,
            vec!["gate failed: b / baseline func_sec@1 = 0.200 < 0.6"]
        );
        let only_a: Gate = "func_sec@1[a]=0.6".parse().unwrap();
        assert!(check(&[only_a], &rows, &no_probes).unwrap().is_empty());
        let missing: Gate = "func_sec@25=0.1".parse().unwrap();
        assert!(check(&[missing], &rows, &no_probes).is_err());
        let nobody: Gate = "func_sec@1[c]=0.1".parse().unwrap();
        assert!(check(&[nobody], &rows, &no_probes).is_err());
        // Understanding: absent without probes, undefined without data.
        let u: Gate = "understanding=0.5".parse().unwrap();
        assert!(check(std::slice::from_ref(&u), &rows, &no_probes).is_err());
        let f = check(&[u], &rows, &|s: &str| Some((s == "a").then_some(0.9))).unwrap();
        assert_eq!(
            f,
            vec!["gate failed: b / baseline understanding is undefined (no data)"]
        );
    }

    #[test]
    fn metric_names_round_trip() {
        for name in [
            "func@1",
            "sec@10",
            "func_sec@3",
            "func_sec^2",
            "understanding",
            "insecure_among_functional",
        ] {
            assert_eq!(name.parse::<Metric>().unwrap().to_string(), name);
        }
    }
}
