//! CI gates: `--fail-under METRIC=MIN` (every subject) or
//! `--fail-under METRIC[SUBJECT]=MIN` (one subject) turn a run or a report
//! into a non-zero exit with a one-line reason per failed gate.

use anyhow::{bail, Result};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Gate {
    pub metric: String,
    pub subject: Option<String>,
    pub min: f64,
}

/// Metric names a gate may use (k is any number the run reports).
const FAMILIES: &[&str] = &[
    "func@",
    "sec@",
    "func_sec@",
    "func_sec^",
    "understanding",
    "insecure_among_functional",
];

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
        let known = FAMILIES.iter().any(|f| {
            metric == *f
                || metric.strip_prefix(f).is_some_and(|k| {
                    f.ends_with(['@', '^']) && k.parse::<u32>().is_ok_and(|k| k > 0)
                })
        });
        if !known {
            bail!(
                "`{s}`: unknown metric `{metric}`; use func@K, sec@K, func_sec@K, func_sec^K, understanding or insecure_among_functional"
            );
        }
        Ok(Gate {
            metric: metric.to_string(),
            subject,
            min,
        })
    }
}

/// Check `gates` against the `--json` rows; returns one line per failure.
/// A gate whose metric or subject is not in the results is an error.
pub fn check(gates: &[Gate], rows: &Value) -> Result<Vec<String>> {
    let rows = rows["rows"].as_array().cloned().unwrap_or_default();
    let mut failures = Vec::new();
    for g in gates {
        let mine: Vec<&Value> = rows
            .iter()
            .filter(|r| g.subject.as_deref().is_none_or(|s| r["subject"] == s))
            .collect();
        if mine.is_empty() {
            bail!(
                "gate `{}`: the run has no subject `{}`",
                g.metric,
                g.subject.as_deref().unwrap_or("")
            );
        }
        for r in mine {
            let who = format!(
                "{} / {}",
                r["subject"].as_str().unwrap_or("?"),
                r["strategy"].as_str().unwrap_or("?")
            );
            let Some(v) = r.get(&g.metric) else {
                bail!(
                    "gate `{}`: {who} has no such metric (@k needs at least k samples; understanding needs --levels 1,2,3)",
                    g.metric
                );
            };
            match v.as_f64() {
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

    #[test]
    fn gates_parse_and_check() {
        let g: Gate = "func_sec@1=0.6".parse().unwrap();
        assert_eq!(
            (g.metric.as_str(), g.subject, g.min),
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
        let rows = serde_json::json!({"rows": [
            {"subject": "a", "strategy": "baseline", "func_sec@1": 0.8},
            {"subject": "b", "strategy": "baseline", "func_sec@1": 0.2},
        ]});
        let all: Gate = "func_sec@1=0.6".parse().unwrap();
        let f = check(&[all], &rows).unwrap();
        assert_eq!(
            f,
            vec!["gate failed: b / baseline func_sec@1 = 0.200 < 0.6"]
        );
        let only_a: Gate = "func_sec@1[a]=0.6".parse().unwrap();
        assert!(check(&[only_a], &rows).unwrap().is_empty());
        let missing: Gate = "func_sec@5=0.1".parse().unwrap();
        assert!(check(&[missing], &rows).is_err());
        let nobody: Gate = "func_sec@1[c]=0.1".parse().unwrap();
        assert!(check(&[nobody], &rows).is_err());
    }
}
