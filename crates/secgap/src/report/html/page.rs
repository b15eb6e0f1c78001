//! The shell every HTML page of secgap shares: a Content-Security-Policy
//! that forbids scripts and anything remote, the inline styles, and the
//! number formats the pages print.

use std::fmt::Write as _;

use crate::report::escape::esc;

/// No scripts, no remote anything; inline styles only.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                   base-uri 'none'; form-action 'none'";

const STYLE: &str = r#"
:root { --ink: #1d2330; --muted: #5b6475; --rule: #d5dae3; --band: #f3f5f9;
        --good: #23804a; --bad: #b3261e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1180px; padding: 1.5rem 1.25rem 4rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .25rem;
     border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.lead { color: var(--muted); margin-top: 0; }
.note { color: var(--muted); font-size: .88rem; max-width: 62rem; }
nav.toc { margin: .8rem 0 0; font-size: .9rem; }
nav.toc a { margin-right: 1rem; color: #2454a6; text-decoration: none; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.2rem; margin: .6rem 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: .4rem 0 .8rem; font-size: .9rem; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.ci { color: var(--muted); font-size: .8rem; }
.scroll { overflow-x: auto; }
svg { display: block; max-width: 100%; height: auto; margin: .4rem 0 .8rem; }
svg text { font-family: system-ui, sans-serif; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .78rem;
         font-weight: 600; color: #fff; vertical-align: 1px; }
.b-good { background: var(--good); } .b-bad { background: var(--bad); }
.b-warn { background: var(--warn); } .b-none { background: #6b7280; }
details.sample { border: 1px solid var(--rule); border-radius: 6px; margin: .35rem 0; }
details.sample > summary { cursor: pointer; padding: .35rem .6rem; list-style-position: inside; }
details.sample[open] > summary { background: var(--band); border-bottom: 1px solid var(--rule); }
details.sample > div { padding: .5rem .8rem .8rem; }
details.ev > summary { cursor: pointer; color: #2454a6; font-size: .82rem; }
pre { background: #f7f8fb; border: 1px solid var(--rule); border-radius: 4px; padding: .6rem .7rem;
      overflow-x: auto; font: 12.5px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
      white-space: pre; margin: .3rem 0 .6rem; }
pre.wrap { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 24rem; overflow-y: auto; }
.kw { color: #7a2fb0; font-weight: 600; } .str { color: #1f7a3a; } .com { color: #7b8494; font-style: italic; }
.numlit { color: #a14a00; }
td.msg { max-width: 36rem; overflow-wrap: anywhere; }
.o-pass { color: var(--good); font-weight: 600; } .o-fail { color: var(--bad); font-weight: 600; }
.o-error { color: var(--warn); font-weight: 600; } .o-notrun { color: #6b7280; font-style: italic; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav.toc { display: none; }
  h2 { break-after: avoid; }
  svg, table, tr, details.sample { break-inside: avoid; }
  .scroll { overflow: visible; }
  pre { white-space: pre-wrap; max-height: none; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"#;

pub fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{}%", crate::report::numbers::percent(x))
    } else {
        "–".into()
    }
}

/// The document head every page shares: CSP, styles, title.
pub fn page_head(h: &mut String, title: &str) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"secgap {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title)
    );
}

pub fn num3(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else if v > 0.0 {
        "∞".into()
    } else {
        "–".into()
    }
}
