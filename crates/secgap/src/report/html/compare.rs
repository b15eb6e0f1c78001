//! The page of `secgap compare --html`: one self-contained file in the
//! report's style (no scripts, everything escaped).

use std::fmt::Write as _;

use crate::analyze::compare::Comparison;
use crate::analyze::text::{p_is, p_value};
use crate::report::escape::esc;
use crate::report::html::page::{page_head, pct};

/// A self-contained page for `secgap compare --html`: both rates, the
/// paired difference with its interval drawn on a shared axis, McNemar's
/// tests, and the tasks where the two differ.
pub fn render_comparison(c: &Comparison) -> String {
    let mut h = String::with_capacity(32 * 1024);
    page_head(&mut h, &format!("secgap compare: {} vs {}", c.a, c.b));
    let _ = writeln!(
        h,
        "<header><h1>Paired comparison</h1>\n<p class=\"lead\">A = <strong>{}</strong>, B = <strong>{}</strong></p>\n\
         <dl class=\"meta\"><dt>Paired samples</dt><dd>{} (matched on {})</dd>\
         <dt>Unmatched</dt><dd>{} of A, {} of B (left out)</dd></dl></header>",
        esc(&c.a),
        esc(&c.b),
        c.pairs,
        esc(&c.matched_on),
        c.unmatched_a,
        c.unmatched_b
    );
    h.push_str("<section id=\"outcomes\"><h2>Outcomes</h2>\n<div class=\"scroll\"><table><thead><tr><th>outcome</th>\
                <th class=\"num\">A</th><th class=\"num\">B</th><th class=\"num\">A − B</th><th>95 % CI</th>\
                <th class=\"num\">b</th><th class=\"num\">c</th><th class=\"num\">exact p</th><th class=\"num\">χ² p</th></tr></thead><tbody>\n");
    for o in &c.outcomes {
        match &o.result {
            Ok(m) => {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"ci\">[{}, {}]</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(&o.outcome),
                    pct(o.rate_a),
                    pct(o.rate_b),
                    pct(m.difference),
                    pct(m.difference_ci.lo),
                    pct(m.difference_ci.hi),
                    m.b,
                    m.c,
                    p_value(m.exact.p_value),
                    m.chi2.as_ref().map_or("–".into(), |t| p_value(t.p_value))
                );
            }
            Err(e) => {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td colspan=\"6\">not computable: {}</td></tr>",
                    esc(&o.outcome),
                    pct(o.rate_a),
                    pct(o.rate_b),
                    esc(e)
                );
            }
        }
    }
    h.push_str("</tbody></table></div>\n<p class=\"note\">Rates in percent over the paired samples. b: pairs where only A \
                succeeds; c: pairs where only B does. The exact McNemar test takes min(b, c) as Binomial(b + c, ½); the \
                χ² test has the continuity correction. The interval for A − B is Newcombe's score interval for paired \
                proportions.</p>\n");
    difference_plot(&mut h, c);
    h.push_str("</section>\n<section id=\"tasks\"><h2>Tasks where func-sec differs</h2>\n");
    if c.tasks.is_empty() {
        h.push_str(
            "<p class=\"note\">On every paired sample A and B are both func-sec or both not.</p>\n",
        );
    } else {
        h.push_str("<table><thead><tr><th>task</th><th class=\"num\">A better</th><th class=\"num\">B better</th></tr></thead><tbody>\n");
        for (t, wa, wb) in &c.tasks {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{wa}</td><td class=\"num\">{wb}</td></tr>",
                esc(t)
            );
        }
        h.push_str("</tbody></table>\n<p class=\"note\">Counts of paired samples where only one of the two is func-sec.</p>\n");
    }
    h.push_str("</section>\n</body>\n</html>\n");
    h
}

/// A − B per outcome with its interval, on an axis from −100 % to +100 %.
fn difference_plot(h: &mut String, c: &Comparison) {
    let rows: Vec<(&str, &secgap_stats::McNemar)> = c
        .outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok().map(|m| (o.outcome.as_str(), m)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let (left, width, row_h) = (110.0, 520.0, 34.0);
    let height = 40.0 + row_h * rows.len() as f64;
    let x = |v: f64| left + (v.clamp(-1.0, 1.0) + 1.0) / 2.0 * width;
    let _ = writeln!(
        h,
        "<svg class=\"chart diff\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"Paired difference A minus B with 95% intervals\">",
        left + width + 30.0
    );
    difference_grid(h, x, height, " %");
    for (i, (name, m)) in rows.iter().enumerate() {
        let y = 24.0 + row_h * i as f64;
        let _ = writeln!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>\
             <line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#1d2330\" stroke-width=\"2\"/>\
             <circle cx=\"{:.1}\" cy=\"{y:.1}\" r=\"5\" fill=\"{}\"><title>{}: A − B = {} [{}, {}], exact {}</title></circle>",
            left - 8.0,
            y + 4.0,
            esc(name),
            x(m.difference_ci.lo),
            x(m.difference_ci.hi),
            x(m.difference),
            if m.exact.p_value < 0.05 { "#b3261e" } else { "#5b6475" },
            esc(name),
            pct(m.difference),
            pct(m.difference_ci.lo),
            pct(m.difference_ci.hi),
            p_is(m.exact.p_value)
        );
    }
    h.push_str("</svg>\n<p class=\"note\">Dots: A − B; bars: 95 % interval; red when the exact McNemar p is below 0.05.</p>\n");
}

/// The vertical grid of a plot of differences from −100 to +100 points:
/// a line and a label (with `unit` after the number) every 50 points,
/// the zero line darker; `x` maps a difference (−1..1) to its position.
pub(super) fn difference_grid(h: &mut String, x: impl Fn(f64) -> f64, height: f64, unit: &str) {
    for t in [-1.0, -0.5, 0.0, 0.5, 1.0] {
        let _ = writeln!(
            h,
            "<line x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"10\" y2=\"{1:.1}\" stroke=\"{2}\" stroke-width=\"1\"/>\
             <text x=\"{0:.1}\" y=\"{3:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6475\">{4:+.0}{unit}</text>",
            x(t),
            height - 22.0,
            if t == 0.0 { "#5b6475" } else { "#d5dae3" },
            height - 8.0,
            100.0 * t
        );
    }
}
