//! junit.xml: one `<testsuite>` per (subject, strategy), one `<testcase>`
//! per test verdict, so that CI test views show a run's failures; a test
//! that did not run (the candidate did not build) is a skipped case with
//! the reason.
//!
//! Written by hand rather than with the `quick-junit` crate: that crate
//! builds the whole report in memory before writing it (a run of a million
//! samples holds four million test cases), writes a different layout than
//! the one users' CI already reads, and would add chrono, uuid, quick-xml
//! and strip-ansi-escapes to the tree. Streaming each suite's cases to a
//! part file keeps memory flat.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;

use crate::model::{ExportSample, TestOutcome};
use crate::report::escape::esc;
use crate::report::sink::{create, Finished, Format, Out, ReportSink, Setup};

pub const FORMAT: Format = Format {
    name: "junit",
    help: "junit.xml",
    make: sink,
};

fn sink<'a>(setup: &Setup<'a>) -> Result<Box<dyn ReportSink + 'a>> {
    Ok(Box::new(Junit {
        dir: setup.dir.to_path_buf(),
        suites: Vec::new(),
    }))
}

struct Junit {
    dir: PathBuf,
    suites: Vec<SuitePart>,
}

/// One `<testsuite>` in progress: its test cases stream to a part file,
/// spliced under the element, with its counts, at the end.
struct SuitePart {
    subject: String,
    strategy: String,
    cases: Out,
    tests: u64,
    failures: u64,
    errors: u64,
    skipped: u64,
}

fn part_name(n: usize) -> String {
    format!(".junit-{n}.part")
}

impl ReportSink for Junit {
    fn add(&mut self, s: &ExportSample) -> Result<()> {
        let i = match self
            .suites
            .iter()
            .position(|g| g.subject == s.key.subject && g.strategy == s.key.strategy)
        {
            Some(i) => i,
            None => {
                let n = self.suites.len();
                self.suites.push(SuitePart {
                    subject: s.key.subject.to_string(),
                    strategy: s.key.strategy.to_string(),
                    cases: create(&self.dir.join(part_name(n)))?,
                    tests: 0,
                    failures: 0,
                    errors: 0,
                    skipped: 0,
                });
                n
            }
        };
        let g = &mut self.suites[i];
        let class = format!("{}.{}.sample{}", g.subject, s.key.task, s.key.index);
        if s.verdicts.is_empty() {
            g.tests += 1;
            g.errors += 1;
            let why = s
                .error
                .as_deref()
                .or(s.failure.as_deref())
                .unwrap_or("no tests ran");
            writeln!(
                g.cases,
                "    <testcase classname=\"{}\" name=\"generate\"><error message=\"{}\"/></testcase>",
                esc(&class),
                esc(why)
            )?;
            return Ok(());
        }
        for v in &s.verdicts {
            g.tests += 1;
            let name = format!(
                "{} [{}{}]",
                v.test,
                v.kind.as_str(),
                v.cwe.map_or(String::new(), |c| format!(", {c}"))
            );
            let body = match v.outcome {
                TestOutcome::Pass => String::new(),
                TestOutcome::Fail => {
                    g.failures += 1;
                    format!("<failure message=\"{}\"/>", esc(&v.message))
                }
                TestOutcome::Error => {
                    g.errors += 1;
                    format!("<error message=\"{}\"/>", esc(&v.message))
                }
                TestOutcome::NotRun => {
                    g.skipped += 1;
                    format!("<skipped message=\"{}\"/>", esc(&v.message))
                }
            };
            writeln!(
                g.cases,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\">{body}</testcase>",
                esc(&class),
                esc(&name),
                v.duration_ms as f64 / 1000.0
            )?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _: &Finished) -> Result<Vec<PathBuf>> {
        let path = self.dir.join("junit.xml");
        let mut out = create(&path)?;
        out.write_all(
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"secgap\">\n",
        )?;
        for (n, g) in self.suites.into_iter().enumerate() {
            let SuitePart {
                subject,
                strategy,
                mut cases,
                tests,
                failures,
                errors,
                skipped,
            } = g;
            cases.flush()?;
            drop(cases);
            writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
                esc(&format!("{subject} / {strategy}"))
            )?;
            let part = self.dir.join(part_name(n));
            std::io::copy(&mut File::open(&part)?, &mut out)?;
            std::fs::remove_file(&part)?;
            out.write_all(b"  </testsuite>\n")?;
        }
        out.write_all(b"</testsuites>\n")?;
        out.flush()?;
        Ok(vec![path])
    }
}
