//! Reports: the terminal summary, and `secgap report`, which reads a run
//! once and feeds every sample to the metrics and to one sink per export
//! format (HTML, Markdown, JSON, CSV, JSON lines, SARIF, JUnit, code
//! files). The samples come through [`SampleSource`], never the store's
//! own types.

pub mod code;
pub mod csv;
pub mod escape;
pub mod export;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod level1;
pub mod markdown;
pub mod numbers;
pub mod sarif;
pub mod sink;
pub mod strategies;
pub mod terminal;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::Value;

use crate::analyze::gap::GapReport;
use crate::analyze::level1::Level1Report;
use crate::analyze::metrics::{GroupMetrics, Tally};
use crate::analyze::paths::{PathsReport, PathsTally};
use crate::model::{OutOfOrder, SampleSource};
use crate::report::export::{ExportOptions, Exporter};
use crate::suite::Suite;

/// What [`write`] produced.
pub struct Written {
    /// The metrics tallied on the way (the gates read them).
    pub groups: Vec<GroupMetrics>,
    /// Every file written, drill-down pages included, sorted; the code
    /// files are not listed (they sit under code/).
    pub files: Vec<PathBuf>,
    /// Whether the generated code was written out under code/.
    pub code_files: bool,
    /// The strategy comparison (None when the run has one strategy).
    pub strategies: Option<PathsReport>,
}

/// Write the report of a run into `out`: one pass over `source` feeds the
/// metrics and every format of `opts`. `run` is the run's meta for the
/// summaries, `gap` its Level 3 analysis and `level1` its probes, answers
/// and judges, if it has them.
pub fn write(
    source: &dyn SampleSource,
    suite: &Suite,
    out: &Path,
    run: Value,
    gap: Option<&GapReport>,
    level1: Option<&Level1Report>,
    opts: &ExportOptions,
) -> Result<Written> {
    let counts = source.sample_counts()?;
    let graded = source.self_identified()?;
    // Should the verdicts turn out not to be stored in sample order, start
    // over reading them sorted.
    let mut sorted = false;
    let (tally, mut paths, exporter) = loop {
        let mut exporter =
            Exporter::new(out, suite, opts.clone(), counts.samples, counts.with_code)?;
        let mut tally = Tally::new();
        let mut paths = PathsTally::new(graded.clone());
        let pass = source.for_each_sample(sorted, &mut |s| {
            tally.add_sample(suite, &s);
            paths.add_sample(&s);
            exporter.add(s)
        });
        match pass {
            Err(e) if !sorted && e.is::<OutOfOrder>() => sorted = true,
            Err(e) => return Err(e),
            Ok(()) => break (tally, paths, exporter),
        }
    };
    source.for_each_usage(&mut |u| {
        paths.add_usage(&u);
        Ok(())
    })?;
    let strategies = paths.finish(suite);
    let groups = tally.finish();
    let code_files = exporter.code_files();
    let files = exporter.finish(run, &groups, gap, level1, strategies.as_ref())?;
    Ok(Written {
        groups,
        files,
        code_files,
        strategies,
    })
}

/// The sampling parameters the run recorded per model subject and judge
/// (its `sampling` entry), in name order; empty for runs without one.
pub fn sampling_of(run: &Value) -> Vec<(String, crate::model::Sampling)> {
    run.get("sampling")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), serde_json::from_value(v.clone()).ok()?)))
                .collect()
        })
        .unwrap_or_default()
}
