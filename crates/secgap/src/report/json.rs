//! results.json: the metrics rows, the gap and the run's meta, in a
//! versioned layout for CI and re-analysis.

use std::path::PathBuf;

use anyhow::Result;
use serde_json::{json, Value};

use crate::model::ExportSample;
use crate::report::sink::{put, Finished, Format, ReportSink, Setup};

pub const FORMAT: Format = Format {
    name: "json",
    help: "results.json",
    make: sink,
};

/// Version of the `results.json` layout; bumped on any incompatible change.
pub const RESULTS_SCHEMA: &str = "secgap-results/1";

fn sink<'a>(setup: &Setup<'a>) -> Result<Box<dyn ReportSink + 'a>> {
    Ok(Box::new(Json {
        dir: setup.dir.to_path_buf(),
        total: setup.total,
    }))
}

struct Json {
    dir: PathBuf,
    total: u64,
}

impl ReportSink for Json {
    /// Nothing per sample: the file summarises the run.
    fn add(&mut self, _: &ExportSample) -> Result<()> {
        Ok(())
    }

    fn finish(self: Box<Self>, done: &Finished) -> Result<Vec<PathBuf>> {
        let text = serde_json::to_string_pretty(&results_json(done, self.total))?;
        Ok(vec![put(&self.dir, "results.json", &text)?])
    }
}

fn results_json(done: &Finished, total: u64) -> Value {
    let mut v = json!({
        "schema": RESULTS_SCHEMA,
        "run": done.run,
        "rows": crate::report::terminal::json_rows(done.groups)["rows"],
        "gap": done.gap,
        "level1": done.level1,
        "samples": total,
    });
    // Only a run of two or more strategies has a comparison.
    if let Some(p) = done.strategies {
        v["strategies"] = json!(p);
    }
    // Beside the executed numbers, never in their place.
    if let Some(a) = done.agreement {
        v["static_analysis"] = json!(a);
    }
    v
}
