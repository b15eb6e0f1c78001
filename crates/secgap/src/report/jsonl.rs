//! samples.jsonl and verdicts.jsonl: one JSON object per line per sample
//! (with its code, prompt and response, and its static analyzers' findings
//! when the run had them) and per test verdict (with its evidence), for
//! re-analysis.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::model::{ExportSample, Verdict};
use crate::report::sink::{create, Finished, Format, Out, ReportSink, Setup};

pub const FORMAT: Format = Format {
    name: "jsonl",
    help: "samples.jsonl and verdicts.jsonl (and probes.jsonl, calibration.jsonl with Level 1)",
    make: sink,
};

fn sink<'a>(setup: &Setup<'a>) -> Result<Box<dyn ReportSink + 'a>> {
    let samples_path = setup.dir.join("samples.jsonl");
    let verdicts_path = setup.dir.join("verdicts.jsonl");
    Ok(Box::new(Jsonl {
        samples: create(&samples_path)?,
        verdicts: create(&verdicts_path)?,
        written: vec![samples_path, verdicts_path],
        dir: setup.dir.clone(),
    }))
}

struct Jsonl {
    samples: Out,
    verdicts: Out,
    written: Vec<PathBuf>,
    dir: PathBuf,
}

impl ReportSink for Jsonl {
    fn add(&mut self, s: &ExportSample) -> Result<()> {
        serde_json::to_writer(&mut self.samples, &SampleLine(s))?;
        self.samples.write_all(b"\n")?;
        for v in &s.verdicts {
            serde_json::to_writer(&mut self.verdicts, &verdict_line(s, v))?;
            self.verdicts.write_all(b"\n")?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, done: &Finished) -> Result<Vec<PathBuf>> {
        self.samples.flush()?;
        self.verdicts.flush()?;
        let mut written = std::mem::take(&mut self.written);
        if let Some(l) = done.level1 {
            written.extend(crate::report::level1::write_jsonl(&self.dir, l)?);
        }
        Ok(written)
    }
}

/// A samples.jsonl line: the sample without its verdicts (they are in
/// verdicts.jsonl), with its turns when its strategy took several.
struct SampleLine<'a>(&'a ExportSample);

impl serde::Serialize for SampleLine<'_> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let s = self.0;
        let mut m = ser.serialize_map(None)?;
        m.serialize_entry("subject", &s.key.subject)?;
        m.serialize_entry("strategy", &s.key.strategy)?;
        m.serialize_entry("task", &s.key.task)?;
        m.serialize_entry("index", &s.key.index)?;
        m.serialize_entry("language", &s.language)?;
        m.serialize_entry("status", &s.status)?;
        m.serialize_entry("functional", &s.functional)?;
        m.serialize_entry("secure", &s.secure)?;
        m.serialize_entry("func_sec", &s.func_sec)?;
        m.serialize_entry("failure", &s.failure)?;
        m.serialize_entry("error", &s.error)?;
        m.serialize_entry("code", &s.code)?;
        m.serialize_entry("gen_ms", &s.gen_ms)?;
        m.serialize_entry("exec_ms", &s.exec_ms)?;
        m.serialize_entry("finished_at", &s.finished_at)?;
        m.serialize_entry("prompt", &s.prompt)?;
        m.serialize_entry("response", &s.response)?;
        // A multi-turn strategy's turns, in order (one turn is the prompt
        // and response above).
        if s.turns.len() > 1 {
            m.serialize_entry("turns", &s.turns)?;
        }
        // The static analyzers' runs and findings (`--static` runs only).
        if !s.static_runs.is_empty() {
            m.serialize_entry("static_runs", &s.static_runs)?;
        }
        m.end()
    }
}

/// A verdicts.jsonl line.
#[derive(serde::Serialize)]
struct VerdictLine<'a> {
    subject: &'a str,
    strategy: &'a str,
    task: &'a str,
    sample: u32,
    test: &'a str,
    kind: &'a str,
    cwe: Option<u32>,
    outcome: &'a str,
    message: &'a str,
    evidence: Option<&'a str>,
    duration_ms: u64,
}

fn verdict_line<'a>(s: &'a ExportSample, v: &'a Verdict) -> VerdictLine<'a> {
    VerdictLine {
        subject: &s.key.subject,
        strategy: &s.key.strategy,
        task: &s.key.task,
        sample: s.key.index,
        test: &v.test,
        kind: v.kind.as_str(),
        cwe: v.cwe.map(|c| c.0),
        outcome: v.outcome.as_str(),
        message: &v.message,
        evidence: v.evidence.as_deref(),
        duration_ms: v.duration_ms,
    }
}
