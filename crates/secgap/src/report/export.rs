//! The export formats of a finished run and the fan-out that feeds them:
//! one registry line per format (each format is a file of its own behind
//! [`ReportSink`]), and an [`Exporter`] that hands every sample of the one
//! streaming pass to each chosen sink.

use std::path::{Path, PathBuf};

use crate::analyze::agreement::AgreementTally;
use anyhow::{Context, Result};
use serde_json::Value;

use crate::analyze::gap::GapReport;
use crate::analyze::level1::Level1Report;
use crate::analyze::metrics::GroupMetrics;
use crate::analyze::paths::PathsReport;
use crate::model::ExportSample;
use crate::report::code;
use crate::report::csv;
use crate::report::html;
use crate::report::json;
use crate::report::jsonl;
use crate::report::junit;
use crate::report::markdown;
use crate::report::sarif;
use crate::report::sink::{Finished, ReportSink, Setup};
use crate::suite::Suite;

pub use crate::report::code::CODE_FILES_MAX;
pub use crate::report::json::RESULTS_SCHEMA;
pub use crate::report::sink::Format;

/// Every format `secgap report --formats` can choose, in the order its
/// help lists them. A new format is a file with a `FORMAT` and a line here.
pub static FORMATS: &[Format] = &[
    html::FORMAT,
    markdown::FORMAT,
    json::FORMAT,
    csv::FORMAT,
    jsonl::FORMAT,
    sarif::FORMAT,
    junit::FORMAT,
    code::FORMAT,
];

/// `--formats` names resolve against the registry.
impl clap::ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        FORMATS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name).help(self.help))
    }
}

/// Samples shown in the HTML drill-down unless `--drill-down` says otherwise.
pub const DRILL_DOWN_DEFAULT: u64 = 20_000;

/// How a report is written.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub formats: Vec<Format>,
    /// Samples in the HTML drill-down (pages of [`html::PAGE_SIZE`]).
    pub drill_down: u64,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            formats: FORMATS.to_vec(),
            drill_down: DRILL_DOWN_DEFAULT,
        }
    }
}

/// Writes every chosen export of a run while the samples stream past, one
/// at a time, so that memory stays flat however large the run: call
/// [`Exporter::add`] for each sample in run order, then [`Exporter::finish`].
pub struct Exporter<'a> {
    sinks: Vec<Box<dyn ReportSink + 'a>>,
    code_files: bool,
    suite: &'a Suite,
    agreement: AgreementTally,
}

impl<'a> Exporter<'a> {
    /// Start the exports of a run of `total` samples, `with_code` of them
    /// holding code, into `dir`.
    pub fn new(
        dir: &Path,
        suite: &'a Suite,
        opts: ExportOptions,
        total: u64,
        with_code: u64,
    ) -> Result<Exporter<'a>> {
        std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        let code_files = opts.formats.contains(&code::FORMAT) && with_code <= CODE_FILES_MAX;
        let setup = Setup {
            dir: dir.to_path_buf(),
            suite,
            total,
            code_files,
            drill_down: opts.drill_down,
        };
        // In registry order, whatever order --formats named them in.
        let sinks = FORMATS
            .iter()
            .filter(|f| opts.formats.contains(f))
            .map(|f| (f.make)(&setup))
            .collect::<Result<_>>()?;
        Ok(Exporter {
            sinks,
            code_files,
            suite,
            agreement: AgreementTally::new(),
        })
    }

    /// Whether the generated code is written out as files.
    pub fn code_files(&self) -> bool {
        self.code_files
    }

    /// Export one sample (call in run order).
    pub fn add(&mut self, s: ExportSample) -> Result<()> {
        self.agreement.add_sample(self.suite, &s);
        for sink in &mut self.sinks {
            sink.add(&s)?;
        }
        Ok(())
    }

    /// Write the summaries (which need the metrics and the gap) and close
    /// every file; returns the files written.
    pub fn finish(
        self,
        run: Value,
        groups: &[GroupMetrics],
        gap: Option<&GapReport>,
        level1: Option<&Level1Report>,
        strategies: Option<&PathsReport>,
    ) -> Result<Vec<PathBuf>> {
        let agreement = self.agreement.finish();
        let done = Finished {
            run: &run,
            groups,
            gap,
            level1,
            strategies,
            agreement: agreement.as_ref(),
        };
        let mut written = Vec::new();
        for sink in self.sinks {
            written.extend(sink.finish(&done)?);
        }
        written.sort();
        written.dedup();
        Ok(written)
    }
}

/// Write every export of `samples` into `dir` (small runs and tests; the
/// report command streams from the store instead).
#[allow(clippy::too_many_arguments)]
pub fn write_all(
    dir: &Path,
    suite: &Suite,
    run: Value,
    groups: &[GroupMetrics],
    gap: Option<&GapReport>,
    level1: Option<&Level1Report>,
    strategies: Option<&PathsReport>,
    samples: &[ExportSample],
) -> Result<Vec<PathBuf>> {
    let with_code = samples.iter().filter(|s| s.code.is_some()).count() as u64;
    let mut e = Exporter::new(
        dir,
        suite,
        ExportOptions::default(),
        samples.len() as u64,
        with_code,
    )?;
    for s in samples {
        e.add(s.clone())?;
    }
    e.finish(run, groups, gap, level1, strategies)
}
