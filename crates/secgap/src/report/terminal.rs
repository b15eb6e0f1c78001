//! Reports: the terminal table at the end of a run and the `--json` rows.

use serde_json::{json, Map, Value};

use crate::analyze::metrics::GroupMetrics;

/// One JSON row per (subject, strategy).
pub fn json_rows(groups: &[GroupMetrics]) -> Value {
    let rows: Vec<Value> = groups
        .iter()
        .map(|g| {
            let mut m = Map::new();
            m.insert("subject".into(), json!(g.subject));
            m.insert("strategy".into(), json!(g.strategy));
            m.insert("n".into(), json!(g.n));
            m.insert("tasks".into(), json!(g.tasks));
            m.insert("samples".into(), json!(g.samples));
            for a in &g.at_k {
                m.insert(format!("func@{}", a.k), json!(a.func));
                m.insert(format!("sec@{}", a.k), json!(a.sec));
                m.insert(format!("func_sec@{}", a.k), json!(a.func_sec));
                m.insert(format!("func_sec^{}", a.k), json!(a.func_sec_all));
            }
            m.insert("func_sec_ci95".into(), json!([g.func_sec.ci95.lo, g.func_sec.ci95.hi]));
            m.insert("func_ci95".into(), json!([g.functional.ci95.lo, g.functional.ci95.hi]));
            m.insert("sec_ci95".into(), json!([g.secure.ci95.lo, g.secure.ci95.hi]));
            m.insert(
                "insecure_among_functional".into(),
                json!(g.insecure_among_functional.rate),
            );
            m.insert("not_run".into(), json!(g.not_run));
            m.insert("tampering".into(), json!(g.tampering));
            m.insert(
                "per_cwe".into(),
                Value::Array(
                    g.per_cwe
                        .iter()
                        .map(|c| {
                            json!({
                                "cwe": c.cwe.to_string(), "tasks": c.tasks, "samples": c.func_sec.trials,
                                "func_sec": c.func_sec.rate, "func_sec_ci95": [c.func_sec.ci95.lo, c.func_sec.ci95.hi],
                                "sec": c.sec.rate, "sec_ci95": [c.sec.ci95.lo, c.sec.ci95.hi],
                            })
                        })
                        .collect(),
                ),
            );
            if !g.per_slice.is_empty() {
                m.insert(
                    "per_slice".into(),
                    Value::Array(
                        g.per_slice
                            .iter()
                            .map(|s| {
                                json!({
                                    "dimension": s.dimension, "name": s.name, "tasks": s.tasks,
                                    "samples": s.samples,
                                    "func": s.functional.rate, "sec": s.secure.rate,
                                    "func_sec": s.func_sec.rate,
                                    "func_sec_ci95": [s.func_sec.ci95.lo, s.func_sec.ci95.hi],
                                })
                            })
                            .collect(),
                    ),
                );
            }
            Value::Object(m)
        })
        .collect();
    json!({ "rows": rows })
}

fn pct(x: f64) -> String {
    format!("{:>5}", crate::report::numbers::percent(x))
}

/// The terminal summary: a leaderboard and the per-CWE table.
pub fn table(groups: &[GroupMetrics]) -> String {
    let mut out = String::new();
    let w = groups
        .iter()
        .map(|g| g.subject.len() + g.strategy.len() + 3)
        .max()
        .unwrap_or(10)
        .max(18);
    out.push_str(&format!(
        "{:<w$} {:>5} {:>6} {:>7} {:>7} {:>8}  {:<15} {:>7}\n",
        "subject / strategy", "tasks", "n", "func@1", "sec@1", "fsec@1", "fsec@1 95% CI", "insec|f"
    ));
    for g in groups {
        let a1 = g.at_k.first();
        out.push_str(&format!(
            "{:<w$} {:>5} {:>6} {:>7} {:>7} {:>8}  [{}, {}] {:>7}\n",
            format!("{} / {}", g.subject, g.strategy),
            g.tasks,
            g.n,
            a1.map(|a| pct(a.func)).unwrap_or_default(),
            a1.map(|a| pct(a.sec)).unwrap_or_default(),
            a1.map(|a| pct(a.func_sec)).unwrap_or_default(),
            pct(g.func_sec.ci95.lo),
            pct(g.func_sec.ci95.hi),
            pct(g.insecure_among_functional.rate),
        ));
        for a in g.at_k.iter().skip(1) {
            out.push_str(&format!(
                "{:<w$} {:>5} {:>6} {:>7} {:>7} {:>8}   func-sec^{}: {}\n",
                format!("  @{}", a.k),
                "",
                "",
                pct(a.func),
                pct(a.sec),
                pct(a.func_sec),
                a.k,
                pct(a.func_sec_all)
            ));
        }
    }
    out.push_str("(percent; @k uses the unbiased pass@k estimator averaged over tasks; CI is Wilson 95 % over samples;\n insec|f = share of functional samples that fail a security test)\n");
    for g in groups.iter().filter(|g| g.not_run > 0) {
        out.push_str(&format!(
            "{} / {}: the tests of {} of {} samples did not run ({}); \
             they count as neither functional nor secure\n",
            g.subject,
            g.strategy,
            g.not_run,
            g.samples,
            super::numbers::not_run_reason(g)
        ));
    }
    slices(&mut out, groups);
    let cwes: std::collections::BTreeSet<_> = groups
        .iter()
        .flat_map(|g| g.per_cwe.iter().map(|c| c.cwe))
        .collect();
    if !cwes.is_empty() {
        out.push_str("\nfunc-sec rate by CWE (percent of samples)\n");
        out.push_str(&format!("{:<10}", "CWE"));
        for g in groups {
            out.push_str(&format!(" {:>20}", truncate_left(&g.subject, 20)));
        }
        out.push('\n');
        for cwe in cwes {
            out.push_str(&format!("{:<10}", cwe.to_string()));
            for g in groups {
                let cell = g
                    .per_cwe
                    .iter()
                    .find(|c| c.cwe == cwe)
                    .map(|c| format!("{} (n={})", pct(c.func_sec.rate), c.func_sec.trials))
                    .unwrap_or_else(|| "-".into());
                out.push_str(&format!(" {:>20}", cell));
            }
            out.push('\n');
        }
    }
    out
}

/// The web-application rows: each group's rates per environment and per
/// scenario.
fn slices(out: &mut String, groups: &[GroupMetrics]) {
    if groups.iter().all(|g| g.per_slice.is_empty()) {
        return;
    }
    out.push_str(
        "\nweb applications: rates per environment and per scenario (percent of samples)\n",
    );
    let w = groups
        .iter()
        .map(|g| g.subject.len() + g.strategy.len() + 3)
        .max()
        .unwrap_or(10)
        .max(18);
    out.push_str(&format!(
        "{:<w$} {:<24} {:>5} {:>7} {:>7} {:>7} {:>8}  {}\n",
        "subject / strategy",
        "environment / scenario",
        "tasks",
        "samples",
        "func",
        "sec",
        "fsec",
        "fsec 95% CI"
    ));
    for g in groups {
        for sl in &g.per_slice {
            let label = match sl.dimension {
                "environment" => format!("env {}", sl.name),
                _ => format!("scenario {}", sl.name),
            };
            out.push_str(&format!(
                "{:<w$} {:<24} {:>5} {:>7} {:>7} {:>7} {:>8}  [{}, {}]\n",
                format!("{} / {}", g.subject, g.strategy),
                label,
                sl.tasks,
                sl.samples,
                pct(sl.functional.rate),
                pct(sl.secure.rate),
                pct(sl.func_sec.rate),
                pct(sl.func_sec.ci95.lo),
                pct(sl.func_sec.ci95.hi),
            ));
        }
    }
}

fn truncate_left(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let tail: String = s
            .chars()
            .rev()
            .take(n - 1)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    }
}

/// What `secgap list tasks --by` groups the tasks by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CoverBy {
    Cwe,
    Principle,
    Language,
}

/// One row of the coverage table: a CWE, principle or language, and how
/// many tasks it has in each language.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CoverRow {
    pub key: String,
    pub total: usize,
    pub by_language: std::collections::BTreeMap<String, usize>,
}

/// Count tasks per CWE, principle or language (a task with two CWEs counts
/// once under each).
pub fn coverage(tasks: &[&crate::suite::Task], by: CoverBy) -> Vec<CoverRow> {
    use std::collections::BTreeMap;
    let mut rows: BTreeMap<(u32, String), BTreeMap<String, usize>> = BTreeMap::new();
    for t in tasks {
        let keys: Vec<(u32, String)> = match by {
            CoverBy::Cwe => t.cwes.iter().map(|c| (c.0, c.to_string())).collect(),
            CoverBy::Principle => t.principles.iter().map(|p| (0, p.clone())).collect(),
            CoverBy::Language => vec![(0, t.language.name().to_string())],
        };
        for k in keys {
            *rows
                .entry(k)
                .or_default()
                .entry(t.language.name().to_string())
                .or_default() += 1;
        }
    }
    rows.into_iter()
        .map(|((_, key), by_language)| CoverRow {
            total: by_language.values().sum(),
            key,
            by_language,
        })
        .collect()
}

/// The coverage table for a terminal, with a column per language.
pub fn coverage_table(rows: &[CoverRow], by: CoverBy, languages: &[&str]) -> String {
    let head = match by {
        CoverBy::Cwe => "CWE",
        CoverBy::Principle => "principle",
        CoverBy::Language => "language",
    };
    let width = rows
        .iter()
        .map(|r| r.key.len())
        .max()
        .unwrap_or(0)
        .max(head.len());
    let mut s = format!("{head:<width$}");
    for l in languages {
        s.push_str(&format!(" {l:>10}"));
    }
    s.push_str(&format!(" {:>6}\n", "tasks"));
    for r in rows {
        s.push_str(&format!("{:<width$}", r.key));
        for l in languages {
            let n = r.by_language.get(*l).copied().unwrap_or(0);
            s.push_str(&format!(" {n:>10}"));
        }
        s.push_str(&format!(" {:>6}\n", r.total));
    }
    s
}

/// The static analyzers against the executed tests, per analyzer over
/// the whole run: how it ran, its cost per sample, and its agreement.
pub fn static_table(a: &crate::analyze::agreement::Agreement) -> String {
    use crate::analyze::agreement::Scope;
    let rate = |r: Option<&crate::analyze::metrics::Rate>| {
        r.map_or("–".to_string(), |r| {
            format!("{:.0}% ({}/{})", 100.0 * r.rate, r.successes, r.trials)
        })
    };
    let mut out = String::from("static analyzers against the executed tests (a second opinion; scores above are the tests')\n");
    out.push_str(&format!(
        "{:<13} {:>5} {:>6} {:>8} {:>9} {:>16} {:>16} {:>6} {:>16} {:>16}\n",
        "analyzer",
        "ran",
        "failed",
        "findings",
        "ms/sample",
        "precision",
        "recall",
        "kappa",
        "flags func-sec",
        "silent on broken"
    ));
    for s in &a.analyzers {
        let all = a
            .rows
            .iter()
            .find(|r| r.analyzer == s.analyzer && r.scope == Scope::All);
        out.push_str(&format!(
            "{:<13} {:>5} {:>6} {:>8} {:>9} {:>16} {:>16} {:>6} {:>16} {:>16}\n",
            s.analyzer,
            s.ran,
            s.failed,
            s.findings,
            s.mean_ms.map_or("–".into(), |m| format!("{m:.0}")),
            rate(all.and_then(|r| r.precision.as_ref())),
            rate(all.and_then(|r| r.recall.as_ref())),
            all.and_then(|r| r.kappa)
                .map_or("–".into(), crate::report::numbers::kappa),
            rate(s.func_sec_flagged.as_ref()),
            rate(s.insecure_missed.as_ref()),
        ));
    }
    out.push_str("precision and recall over (sample, CWE) pairs with an executed verdict; per language and CWE in report.html and results.json");
    out
}
