//! The seam every export format plugs into. One streaming pass over a
//! run's samples feeds every chosen [`ReportSink`]: each sample once, in
//! run order ([`ReportSink::add`]), then what needs the whole run (the
//! metrics, the gap, the run's meta) once at the end
//! ([`ReportSink::finish`]). A sink keeps no more than it must, so that a
//! report of any size is written in flat memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::analyze::agreement::Agreement;
use crate::analyze::gap::GapReport;
use crate::analyze::level1::Level1Report;
use crate::analyze::metrics::GroupMetrics;
use crate::analyze::paths::PathsReport;
use crate::model::ExportSample;
use crate::suite::Suite;

/// One export format, written while the samples stream past.
pub trait ReportSink {
    /// Take one sample (called in run order).
    fn add(&mut self, s: &ExportSample) -> Result<()>;

    /// Write what needs the whole run and close every file; returns the
    /// files written.
    fn finish(self: Box<Self>, done: &Finished) -> Result<Vec<PathBuf>>;
}

/// What every sink knows from the start of the pass.
pub struct Setup<'a> {
    /// The report folder (it exists).
    pub dir: PathBuf,
    /// The suite the run used.
    pub suite: &'a Suite,
    /// Samples the pass hands over.
    pub total: u64,
    /// Whether the generated code is written out as files under code/, so
    /// that other formats may point at them.
    pub code_files: bool,
    /// Samples shown in the HTML drill-down.
    pub drill_down: u64,
}

/// What the sinks get once every sample has passed.
pub struct Finished<'a> {
    /// The run's meta: config hash, created_at, schema version, calls...
    pub run: &'a Value,
    pub groups: &'a [GroupMetrics],
    pub gap: Option<&'a GapReport>,
    /// Level 1 (probes, answers, judges), if the run asked probes.
    pub level1: Option<&'a Level1Report>,
    /// The strategy comparison, when the run has more than one strategy.
    pub strategies: Option<&'a PathsReport>,
    /// The static analyzers against the executed tests, when the run ran
    /// analyzers (`--static`).
    pub agreement: Option<&'a Agreement>,
}

/// Makes a format's sink for one report.
pub type MakeSink = for<'a> fn(&Setup<'a>) -> Result<Box<dyn ReportSink + 'a>>;

/// A format `secgap report --formats` can choose: its name there, the
/// help line that lists it, and how to make its sink. Each format file
/// defines one; the registry in `report::export` lists them.
#[derive(Clone, Copy)]
pub struct Format {
    pub name: &'static str,
    pub help: &'static str,
    pub make: MakeSink,
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.name == other.name
    }
}

impl Eq for Format {}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A buffered output file.
pub type Out = BufWriter<File>;

/// Create `path` for buffered writing.
pub fn create(path: &Path) -> Result<Out> {
    Ok(BufWriter::with_capacity(
        1 << 16,
        File::create(path).with_context(|| format!("create {}", path.display()))?,
    ))
}

/// Write `text` to `name` in `dir`; returns the path written.
pub fn put(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text).with_context(|| format!("write {}", path.display()))?;
    Ok(path)
}
