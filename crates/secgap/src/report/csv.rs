//! samples.csv and verdicts.csv: one row per sample and one per test
//! verdict, for spreadsheets and data frames; static.csv, in runs made
//! with `--static`, one row per static analyzer run on a sample.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::model::{ExportSample, Verdict};
use crate::report::sink::{create, Finished, Format, Out, ReportSink, Setup};

pub const FORMAT: Format = Format {
    name: "csv",
    help: "samples.csv and verdicts.csv",
    make: sink,
};

fn sink<'a>(setup: &Setup<'a>) -> Result<Box<dyn ReportSink + 'a>> {
    let samples_path = setup.dir.join("samples.csv");
    let verdicts_path = setup.dir.join("verdicts.csv");
    let mut samples = ::csv::Writer::from_writer(create(&samples_path)?);
    samples.write_record(SAMPLE_COLUMNS)?;
    let mut verdicts = ::csv::Writer::from_writer(create(&verdicts_path)?);
    verdicts.write_record(VERDICT_COLUMNS)?;
    Ok(Box::new(Csv {
        samples,
        verdicts,
        statics: None,
        dir: setup.dir.clone(),
        written: vec![samples_path, verdicts_path],
    }))
}

struct Csv {
    samples: ::csv::Writer<Out>,
    verdicts: ::csv::Writer<Out>,
    /// static.csv, made with the first sample that has analyzer runs.
    statics: Option<::csv::Writer<Out>>,
    dir: PathBuf,
    written: Vec<PathBuf>,
}

const STATIC_COLUMNS: [&str; 11] = [
    "subject",
    "strategy",
    "task",
    "sample",
    "analyzer",
    "version",
    "status",
    "static_clean",
    "findings",
    "rules",
    "duration_ms",
];

impl ReportSink for Csv {
    fn add(&mut self, s: &ExportSample) -> Result<()> {
        self.samples.write_record(sample_record(s))?;
        for v in &s.verdicts {
            self.verdicts.write_record(verdict_record(s, v))?;
        }
        if !s.static_runs.is_empty() && self.statics.is_none() {
            let path = self.dir.join("static.csv");
            let mut w = ::csv::Writer::from_writer(create(&path)?);
            w.write_record(STATIC_COLUMNS)?;
            self.statics = Some(w);
            self.written.push(path);
        }
        if let Some(w) = &mut self.statics {
            for r in &s.static_runs {
                let mut rules: Vec<&str> = Vec::new();
                for f in &r.findings {
                    if !rules.contains(&f.rule.as_str()) {
                        rules.push(&f.rule);
                    }
                }
                w.write_record([
                    s.key.subject.to_string(),
                    s.key.strategy.to_string(),
                    s.key.task.to_string(),
                    s.key.index.to_string(),
                    r.analyzer.clone(),
                    r.version.clone().unwrap_or_default(),
                    r.status.as_str().to_string(),
                    opt_bool(r.static_clean()),
                    r.findings.len().to_string(),
                    rules.join(" "),
                    r.duration_ms.to_string(),
                ])?;
            }
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _: &Finished) -> Result<Vec<PathBuf>> {
        let Csv {
            samples,
            verdicts,
            statics,
            written,
            ..
        } = *self;
        for w in [samples, verdicts].into_iter().chain(statics) {
            w.into_inner()
                .map_err(|e| anyhow::anyhow!("write CSV: {}", e.error()))?
                .flush()?;
        }
        Ok(written)
    }
}

fn opt_bool(b: Option<bool>) -> String {
    b.map_or(String::new(), |b| b.to_string())
}

const SAMPLE_COLUMNS: [&str; 14] = [
    "subject",
    "strategy",
    "task",
    "sample",
    "language",
    "status",
    "functional",
    "secure",
    "func_sec",
    "failure",
    "error",
    "gen_ms",
    "exec_ms",
    "finished_at",
];

fn sample_record(s: &ExportSample) -> [String; 14] {
    [
        s.key.subject.to_string(),
        s.key.strategy.to_string(),
        s.key.task.to_string(),
        s.key.index.to_string(),
        s.language.clone(),
        s.status.to_string(),
        opt_bool(s.functional),
        opt_bool(s.secure),
        opt_bool(s.func_sec),
        s.failure.clone().unwrap_or_default(),
        s.error.clone().unwrap_or_default(),
        s.gen_ms.to_string(),
        s.exec_ms.to_string(),
        s.finished_at.clone(),
    ]
}

const VERDICT_COLUMNS: [&str; 10] = [
    "subject",
    "strategy",
    "task",
    "sample",
    "test",
    "kind",
    "cwe",
    "outcome",
    "message",
    "duration_ms",
];

fn verdict_record<'s>(s: &'s ExportSample, v: &'s Verdict) -> [Field<'s>; 10] {
    use Field::{Borrowed, Owned};
    [
        Borrowed(&s.key.subject),
        Borrowed(&s.key.strategy),
        Borrowed(&s.key.task),
        Owned(s.key.index.to_string()),
        Borrowed(&v.test),
        Borrowed(v.kind.as_str()),
        Owned(v.cwe.map_or(String::new(), |c| c.0.to_string())),
        Borrowed(v.outcome.as_str()),
        Borrowed(&v.message),
        Owned(v.duration_ms.to_string()),
    ]
}

/// A CSV field, borrowed where the sample already holds the text.
enum Field<'s> {
    Borrowed(&'s str),
    Owned(String),
}

impl AsRef<[u8]> for Field<'_> {
    fn as_ref(&self) -> &[u8] {
        match self {
            Field::Borrowed(s) => s.as_bytes(),
            Field::Owned(s) => s.as_bytes(),
        }
    }
}
