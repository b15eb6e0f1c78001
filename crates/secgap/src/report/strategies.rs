//! The strategy comparison as text: the cells every human-readable format
//! prints the same way, and the section of summary.md.

use crate::analyze::compare::OutcomeComparison;
use crate::analyze::gap::{GapReport, OutcomeRegression, SelfIdentifiedGap};
use crate::analyze::paths::{usd, PathsReport, StrategyRow, TradeOff};
use crate::analyze::text::p_value;
use crate::report::numbers::percent;

/// A signed difference in percentage points (`+12.5`, `−3.0`).
pub fn signed(d: f64) -> String {
    let v = percent(d.abs());
    if d > 0.0 {
        format!("+{v}")
    } else if d < 0.0 {
        format!("−{v}")
    } else {
        v
    }
}

/// One outcome's Δ as a cell: `+20.0 [+1.2, +37.6]`; the discordant
/// counts and the p-value apart ([`discordant`]).
pub fn delta(o: &OutcomeComparison) -> String {
    match &o.result {
        Ok(m) => format!(
            "{} [{}, {}]",
            signed(m.difference),
            signed(m.difference_ci.lo),
            signed(m.difference_ci.hi)
        ),
        Err(e) => format!("not computable ({e})"),
    }
}

/// `b 5 / c 1, p 0.22`.
pub fn discordant(o: &OutcomeComparison) -> String {
    match &o.result {
        Ok(m) => format!("b {} / c {}, p {}", m.b, m.c, p_value(m.exact.p_value)),
        Err(_) => "–".into(),
    }
}

/// The outcome of a comparison by name.
pub fn outcome<'a>(outcomes: &'a [OutcomeComparison], name: &str) -> Option<&'a OutcomeComparison> {
    outcomes.iter().find(|o| o.outcome == name)
}

/// Per-sample figures of a row: (turns, calls, input tokens, output
/// tokens, dollars), `–` where unknown.
pub fn usage_cells(r: &StrategyRow) -> [String; 5] {
    let num = |v: Option<f64>| v.map_or("–".into(), |v| format!("{v:.1}"));
    [
        num(r.turns_per_sample),
        num(r.calls_per_sample),
        num(r.input_tokens_per_sample),
        num(r.output_tokens_per_sample),
        match (r.usd_per_sample, &r.cost_unknown) {
            (Some(v), _) => usd(v),
            (None, Some(why)) => format!("unknown ({why})"),
            (None, None) => "unknown".into(),
        },
    ]
}

/// The odds ratio of a regression in words.
pub fn odds_ratio(r: &OutcomeRegression) -> String {
    match &r.result {
        Ok(fit) => match fit.fit.coefficient("understanding") {
            Some(c) => format!(
                "OR {:.2} [{:.2}, {:.2}], p {} ({} obs.)",
                c.odds_ratio,
                c.or_ci_low,
                c.or_ci_high,
                p_value(c.p_value),
                fit.fit.observations
            ),
            None => "no coefficient for the score".into(),
        },
        Err(e) => format!("not estimable ({e})"),
    }
}

/// principle-self's first answer against its outcome, in one paragraph.
pub fn self_identified_text(g: &SelfIdentifiedGap) -> String {
    let mut s = format!(
        "{}: {} scored sample{} with a graded first answer ({} unreadable, {} naming exactly the task's principles, mean Jaccard {}).",
        g.strategy,
        g.samples,
        if g.samples == 1 { "" } else { "s" },
        g.unparsed,
        g.exact,
        g.mean_score.map_or("–".into(), |m| format!("{m:.2}"))
    );
    s.push_str(&format!(
        " Named (Jaccard ≥ 0.5) & func-sec {}, named & not {}, missed & func-sec {}, neither {}; gap rate {}.",
        g.cell.knew_did,
        g.cell.knew_failed,
        g.cell.missed_did,
        g.cell.neither,
        g.gap_rate.map_or("–".into(), |r| format!("{}%", percent(r)))
    ));
    s.push_str(&format!(
        " Does the answer predict func-sec? {}.",
        odds_ratio(&g.regression)
    ));
    if let Some(n) = &g.note {
        s.push_str(&format!(" {n}."));
    }
    s
}

/// The section of summary.md; empty when the run has one strategy.
pub fn markdown(p: Option<&PathsReport>, gap: Option<&GapReport>) -> String {
    let Some(p) = p else {
        return String::new();
    };
    let mut s = format!(
        "\n## Strategies against the {}\n\nEach sample of a strategy is paired with the {} sample of the same subject, task and sample index. \
         Δ = strategy − {} in percentage points with Newcombe's 95 % interval; b = pairs where only the strategy succeeds, \
         c = only the {}; p is McNemar's exact two-sided test. The functional cost stands beside the security gain.\n\n",
        p.baseline, p.baseline, p.baseline, p.baseline
    );
    for n in &p.notes {
        s.push_str(&format!("- {n}\n"));
    }
    if !p.comparisons.is_empty() {
        s.push_str("| subject | strategy | pairs | Δfunc | Δsec | Δfunc-sec | trade-off |\n| --- | --- | ---: | --- | --- | --- | --- |\n");
        for c in &p.comparisons {
            let cell = |name: &str| {
                outcome(&c.outcomes, name).map_or("–".into(), |o| {
                    format!("{} ({})", delta(o), discordant(o))
                })
            };
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                c.subject,
                c.strategy,
                c.pairs,
                cell("functional"),
                cell("secure"),
                cell("func_sec"),
                match c.trade_off {
                    TradeOff::None => "–",
                    TradeOff::Shown => "**trade-off** (intervals)",
                    TradeOff::PointEstimate => "possible (point estimates only)",
                }
            ));
        }
        s.push_str("\n*Trade-off*: security rises while functionality falls; shown when both intervals exclude 0, *possible* when only the point estimates say so.\n");
        s.push_str(&format!(
            "\n### Per CWE\n\nThe pairs on tasks carrying the CWE; a CWE with fewer than {} pairs is not compared.\n\n| subject | strategy | CWE | pairs | Δfunc | Δsec | Δfunc-sec |\n| --- | --- | --- | ---: | --- | --- | --- |\n",
            p.min_cwe_pairs
        ));
        for c in &p.comparisons {
            for w in &c.per_cwe {
                match &w.outcomes {
                    Ok(os) => {
                        let cell = |name: &str| {
                            outcome(os, name).map_or("–".into(), |o| {
                                format!("{} ({})", delta(o), discordant(o))
                            })
                        };
                        s.push_str(&format!(
                            "| {} | {} | {} | {} | {} | {} | {} |\n",
                            c.subject,
                            c.strategy,
                            w.cwe,
                            w.pairs,
                            cell("functional"),
                            cell("secure"),
                            cell("func_sec")
                        ));
                    }
                    Err(e) => s.push_str(&format!(
                        "| {} | {} | {} | {} | {e} | | |\n",
                        c.subject, c.strategy, w.cwe, w.pairs
                    )),
                }
            }
        }
    }
    s.push_str("\n### Rates and cost per (subject, strategy)\n\n| subject | strategy | samples | func | sec | func-sec | turns / sample | calls / sample | input tokens / sample | output tokens / sample | USD / sample |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for r in &p.rows {
        let [turns, calls, input, output, dollars] = usage_cells(r);
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {turns} | {calls} | {input} | {output} | {dollars} |\n",
            r.subject,
            r.strategy,
            r.samples,
            percent(r.functional.rate),
            percent(r.secure.rate),
            percent(r.func_sec.rate),
        ));
    }
    s.push_str("\nRates in percent over the scored samples; usage is the mean over the stored samples; USD counts only calls that reached a provider (cache hits cost nothing new).\n");
    if let Some(g) = &p.principle_self {
        s.push_str(&format!(
            "\n### principle-self: does its own answer predict its code?\n\n{}\n",
            self_identified_text(g)
        ));
    }
    if let Some(gap) = gap.filter(|g| !g.by_strategy.is_empty()) {
        s.push_str("\n### The gap per strategy\n\n| strategy | subject | samples | func-sec | gap rate | func-sec ~ understanding |\n| --- | --- | ---: | ---: | ---: | --- |\n");
        for st in &gap.by_strategy {
            let or = st
                .regressions
                .iter()
                .find(|r| r.outcome == "func_sec")
                .map_or("–".into(), odds_ratio);
            for (i, g) in st.subjects.iter().enumerate() {
                s.push_str(&format!(
                    "| {} | {} | {} | {} | {} | {} |\n",
                    st.strategy,
                    g.subject,
                    g.samples,
                    percent(g.func_sec_rate),
                    g.gap_rate.map_or("–".into(), percent),
                    if i == 0 { or.as_str() } else { "″" }
                ));
            }
        }
        s.push_str("\nUnderstanding is each subject's Level 1 score; the outcomes are the strategy's own samples, never pooled across strategies. The odds ratio is fitted per strategy over its subjects.\n");
    }
    s
}
