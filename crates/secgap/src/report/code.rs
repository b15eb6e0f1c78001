//! The generated code as files under code/, one per sample, so that a
//! reader (or a SARIF viewer, or the HTML report's links) can open it.

use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::model::ExportSample;
use crate::report::sink::{Finished, Format, ReportSink, Setup};
use crate::suite::Suite;

pub const FORMAT: Format = Format {
    name: "code",
    help: "the generated code as files under code/",
    make: sink,
};

/// Above this many samples with code, the code is not written out as files
/// (samples.jsonl still holds it) and SARIF results carry no file location.
pub const CODE_FILES_MAX: u64 = 20_000;

fn sink<'a>(setup: &Setup<'a>) -> Result<Box<dyn ReportSink + 'a>> {
    Ok(Box::new(CodeFiles {
        dir: setup.dir.to_path_buf(),
        suite: setup.suite,
        on: setup.code_files,
    }))
}

struct CodeFiles<'a> {
    dir: PathBuf,
    suite: &'a Suite,
    /// False when the run holds too much code to write out.
    on: bool,
}

impl ReportSink for CodeFiles<'_> {
    fn add(&mut self, s: &ExportSample) -> Result<()> {
        if !self.on {
            return Ok(());
        }
        if let Some(code) = &s.code {
            let path = self.dir.join(code_path(self.suite, s));
            std::fs::create_dir_all(path.parent().expect("code sits in a folder"))?;
            std::fs::write(&path, code).with_context(|| format!("write {}", path.display()))?;
        }
        Ok(())
    }

    /// The files are many; the caller names their folder instead.
    fn finish(self: Box<Self>, _: &Finished) -> Result<Vec<PathBuf>> {
        Ok(Vec::new())
    }
}

/// Where a sample's code is written, relative to the report folder.
pub fn code_path(suite: &Suite, s: &ExportSample) -> String {
    let safe = |x: &str| {
        x.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
    };
    let file = suite
        .task(&s.key.task)
        .map_or("solution.txt".to_string(), |t| t.solution_file.clone());
    format!(
        "code/{}/{}/{}/{}/{}",
        safe(&s.key.subject),
        safe(&s.key.strategy),
        safe(&s.key.task),
        s.key.index,
        safe(&file)
    )
}
