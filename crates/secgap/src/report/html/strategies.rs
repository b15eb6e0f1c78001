//! The strategy comparison of report.html: each strategy against the
//! baseline per subject (Δ with intervals, discordant counts, p-values and
//! a chart), per CWE where the pairs allow, the rates and cost per
//! (subject, strategy), principle-self's own answer against its code, and
//! the gap per strategy.

use std::fmt::Write as _;

use crate::analyze::gap::GapReport;
use crate::analyze::paths::{PathsReport, TradeOff};
use crate::report::escape::esc;
use crate::report::html::page::pct;
use crate::report::strategies::{
    delta, discordant, odds_ratio, outcome, self_identified_text, usage_cells,
};

const OUTCOMES: [(&str, &str); 3] = [
    ("functional", "Δfunc"),
    ("secure", "Δsec"),
    ("func_sec", "Δfunc-sec"),
];

/// The section; a note when the run has one strategy.
pub fn section(h: &mut String, p: Option<&PathsReport>, gap: Option<&GapReport>, one: &str) {
    h.push_str("<section id=\"strategies\">\n<h2>Strategy comparison</h2>\n");
    let Some(p) = p else {
        let _ = writeln!(
            h,
            "<p class=\"note\">This run used one strategy ({}), so there is nothing to compare.</p>\n</section>",
            esc(one)
        );
        return;
    };
    let _ = writeln!(
        h,
        "<p class=\"note\">Each sample of a strategy is paired with the <strong>{0}</strong> sample of the same {1}. \
         Δ = strategy − {0}, in percentage points, with Newcombe's 95 % interval for paired proportions; \
         b = pairs where only the strategy succeeds, c = pairs where only {0} does; p is McNemar's exact two-sided test. \
         The functional cost always stands beside the security gain.</p>",
        esc(&p.baseline),
        esc(&p.matched_on)
    );
    for n in &p.notes {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(n));
    }
    if !p.comparisons.is_empty() {
        h.push_str("<div class=\"scroll\"><table class=\"paths\"><thead><tr><th>subject</th><th>strategy</th><th class=\"num\">pairs</th>");
        for (_, title) in OUTCOMES {
            let _ = write!(h, "<th>{title}</th>");
        }
        h.push_str("<th>trade-off</th></tr></thead><tbody>\n");
        for c in &p.comparisons {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td>",
                esc(&c.subject),
                esc(&c.strategy),
                c.pairs
            );
            for (name, _) in OUTCOMES {
                match outcome(&c.outcomes, name) {
                    Some(o) => {
                        let _ = write!(
                            h,
                            "<td class=\"delta\">{}<br><span class=\"ci\">{}</span></td>",
                            esc(&delta(o)),
                            esc(&discordant(o))
                        );
                    }
                    None => h.push_str("<td>–</td>"),
                }
            }
            let _ = writeln!(
                h,
                "<td>{}</td></tr>",
                match c.trade_off {
                    TradeOff::Shown => "<strong class=\"trade-off\">trade-off</strong>",
                    TradeOff::PointEstimate => "possible (point estimates only)",
                    TradeOff::None => "–",
                }
            );
        }
        h.push_str("</tbody></table></div>\n<p class=\"note\"><strong>Trade-off</strong>: security rises while functionality falls, both 95 % intervals excluding 0; <em>possible</em> when only the point estimates say so.</p>\n");
        chart(h, p);
        per_cwe(h, p);
    }
    cost_table(h, p);
    if let Some(g) = &p.principle_self {
        let _ = writeln!(
            h,
            "<h3 id=\"principle-self\">principle-self: does its own answer predict its code?</h3>\n<p class=\"note\">{}</p>",
            esc(&self_identified_text(g))
        );
    }
    if let Some(gap) = gap.filter(|g| !g.by_strategy.is_empty()) {
        h.push_str("<h3 id=\"gap-by-strategy\">The gap per strategy</h3>\n<div class=\"scroll\"><table><thead><tr><th>strategy</th><th>subject</th><th class=\"num\">samples</th><th class=\"num\">func-sec</th><th class=\"num\">gap rate</th><th>func-sec ~ understanding</th></tr></thead><tbody>\n");
        for st in &gap.by_strategy {
            let or = st
                .regressions
                .iter()
                .find(|r| r.outcome == "func_sec")
                .map_or("–".into(), odds_ratio);
            for (i, g) in st.subjects.iter().enumerate() {
                let _ = write!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}{}</td>",
                    esc(&st.strategy),
                    esc(&g.subject),
                    g.samples,
                    pct(g.func_sec_rate),
                    g.gap_rate.map_or("–".into(), pct),
                    g.gap_ci95.map_or(String::new(), |c| format!(
                        "<br><span class=\"ci\">[{:.1}, {:.1}]</span>",
                        100.0 * c[0],
                        100.0 * c[1]
                    ))
                );
                if i == 0 {
                    let _ = writeln!(
                        h,
                        "<td rowspan=\"{}\">{}</td></tr>",
                        st.subjects.len(),
                        esc(&or)
                    );
                } else {
                    h.push_str("</tr>\n");
                }
            }
        }
        h.push_str("</tbody></table></div>\n<p class=\"note\">Understanding is each subject's Level 1 score; the outcomes are the strategy's own samples, never pooled across strategies; the odds ratio of func-sec on understanding is fitted per strategy.</p>\n");
    }
    h.push_str("</section>\n");
}

fn per_cwe(h: &mut String, p: &PathsReport) {
    if p.comparisons.iter().all(|c| c.per_cwe.is_empty()) {
        return;
    }
    let _ = writeln!(
        h,
        "<h3 id=\"strategies-cwe\">Per CWE</h3>\n<p class=\"note\">The pairs on tasks carrying the CWE; a CWE with fewer than {} pairs is not compared.</p>",
        p.min_cwe_pairs
    );
    h.push_str("<div class=\"scroll\"><table><thead><tr><th>subject</th><th>strategy</th><th>CWE</th><th class=\"num\">pairs</th>");
    for (_, title) in OUTCOMES {
        let _ = write!(h, "<th>{title}</th>");
    }
    h.push_str("</tr></thead><tbody>\n");
    for c in &p.comparisons {
        for w in &c.per_cwe {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>",
                esc(&c.subject),
                esc(&c.strategy),
                w.cwe,
                w.pairs
            );
            match &w.outcomes {
                Ok(os) => {
                    for (name, _) in OUTCOMES {
                        match outcome(os, name) {
                            Some(o) => {
                                let _ = write!(
                                    h,
                                    "<td class=\"delta\">{}<br><span class=\"ci\">{}</span></td>",
                                    esc(&delta(o)),
                                    esc(&discordant(o))
                                );
                            }
                            None => h.push_str("<td>–</td>"),
                        }
                    }
                }
                Err(e) => {
                    let _ = write!(h, "<td colspan=\"3\" class=\"note\">{}</td>", esc(e));
                }
            }
            h.push_str("</tr>\n");
        }
    }
    h.push_str("</tbody></table></div>\n");
}

fn cost_table(h: &mut String, p: &PathsReport) {
    h.push_str("<h3 id=\"strategies-cost\">Rates and cost per subject and strategy</h3>\n<div class=\"scroll\"><table><thead><tr><th>subject</th><th>strategy</th><th class=\"num\">samples</th><th class=\"num\">func</th><th class=\"num\">sec</th><th class=\"num\">func-sec</th><th class=\"num\">turns / sample</th><th class=\"num\">calls / sample</th><th class=\"num\">input tokens / sample</th><th class=\"num\">output tokens / sample</th><th>USD / sample</th></tr></thead><tbody>\n");
    for r in &p.rows {
        let [turns, calls, input, output, dollars] = usage_cells(r);
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&r.subject),
            esc(&r.strategy),
            r.samples,
            pct(r.functional.rate),
            pct(r.secure.rate),
            pct(r.func_sec.rate),
            esc(&turns),
            esc(&calls),
            esc(&input),
            esc(&output),
            esc(&dollars)
        );
    }
    h.push_str("</tbody></table></div>\n<p class=\"note\">Rates over the scored samples; usage is the mean over the stored samples (generation errors included); USD counts the calls that reached a provider (cache hits cost nothing new) and is <em>unknown</em>, never $0, when a call carries no price.</p>\n");
}

/// Δsec and Δfunc per comparison with their intervals, on one axis from
/// −100 to +100 percentage points, so that gain and cost read side by side.
fn chart(h: &mut String, p: &PathsReport) {
    let rows: Vec<(String, &str, f64, f64, f64, f64)> = p
        .comparisons
        .iter()
        .flat_map(|c| {
            [("secure", "sec"), ("functional", "func")]
                .into_iter()
                .filter_map(move |(name, short)| {
                    let o = outcome(&c.outcomes, name)?;
                    let m = o.result.as_ref().ok()?;
                    Some((
                        format!("{} / {}", c.subject, c.strategy),
                        short,
                        m.difference,
                        m.difference_ci.lo,
                        m.difference_ci.hi,
                        m.exact.p_value,
                    ))
                })
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    let (left, width, row_h) = (300.0, 480.0, 22.0);
    let height = 40.0 + row_h * rows.len() as f64;
    let x = |v: f64| left + (v.clamp(-1.0, 1.0) + 1.0) / 2.0 * width;
    let _ = writeln!(
        h,
        "<svg class=\"chart paths\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0:.0} {height:.0}\" width=\"{0:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"Δsec and Δfunc of each strategy against the baseline with 95 % intervals\">",
        left + width + 30.0
    );
    super::compare::difference_grid(h, x, height, "");
    for (i, (label, short, d, lo, hi, pv)) in rows.iter().enumerate() {
        let y = 20.0 + row_h * i as f64;
        let colour = if *short == "sec" {
            "#3a6fc4"
        } else {
            "#c47a1d"
        };
        let _ = writeln!(
            h,
            "<g><title>{} {}: Δ {} [{}, {}], exact p {}</title>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{colour}\" stroke-width=\"2\"/>\
             <circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{colour}\"/></g>",
            esc(label),
            short,
            pct(*d),
            pct(*lo),
            pct(*hi),
            crate::analyze::text::p_value(*pv),
            left - 8.0,
            y + 4.0,
            super::svg_label(&format!("{label} · Δ{short}"), left - 12.0, 6.2),
            x(*lo),
            x(*hi),
            x(*d)
        );
    }
    h.push_str("</svg>\n<p class=\"note\">Blue: Δsec; orange: Δfunc (strategy − baseline, percentage points); bars: Newcombe 95 % intervals.</p>\n");
}
