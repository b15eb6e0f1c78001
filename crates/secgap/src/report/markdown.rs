//! summary.md: the leaderboard, the gap and the failed security tests, for
//! a pull request or a CI summary page. A security test that did not run
//! (the candidate did not build) is not a failed one: it is counted apart,
//! with the reason.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Result;
use serde_json::Value;

use crate::model::{Cwe, ExportSample, TestKind};
use crate::report::numbers::percent as pct;
use crate::report::sink::{put, Finished, Format, ReportSink, Setup};
use crate::suite::Suite;

pub const FORMAT: Format = Format {
    name: "md",
    help: "summary.md",
    make: sink,
};

/// summary.md lists at most this many failed security tests.
const MD_FAILED_MAX: usize = 200;

fn sink<'a>(setup: &Setup<'a>) -> Result<Box<dyn ReportSink + 'a>> {
    Ok(Box::new(Markdown {
        dir: setup.dir.to_path_buf(),
        suite: setup.suite,
        failed: Vec::new(),
        failed_count: 0,
        not_run: BTreeMap::new(),
    }))
}

struct Markdown<'a> {
    dir: PathBuf,
    suite: &'a Suite,
    /// The first [`MD_FAILED_MAX`] failed security tests.
    failed: Vec<FailedRow>,
    failed_count: u64,
    /// Security tests that did not run, by reason (the verdict's message
    /// and the sample's failure): (samples, tests).
    not_run: BTreeMap<(String, String), (u64, u64)>,
}

/// A failed security test listed in summary.md.
struct FailedRow {
    subject: String,
    task: String,
    index: u32,
    test: String,
    cwe: Option<Cwe>,
}

impl ReportSink for Markdown<'_> {
    fn add(&mut self, s: &ExportSample) -> Result<()> {
        let not_run = s
            .verdicts
            .iter()
            .filter(|v| v.kind == TestKind::Security && !v.outcome.ran());
        if let Some(first) = not_run.clone().next() {
            let why = (first.message.clone(), s.failure.clone().unwrap_or_default());
            let e = self.not_run.entry(why).or_default();
            e.0 += 1;
            e.1 += not_run.count() as u64;
        }
        for v in &s.verdicts {
            if v.kind == TestKind::Security && v.outcome.failed() {
                self.failed_count += 1;
                if self.failed.len() < MD_FAILED_MAX {
                    self.failed.push(FailedRow {
                        subject: s.key.subject.to_string(),
                        task: s.key.task.to_string(),
                        index: s.key.index,
                        test: v.test.clone(),
                        cwe: v.cwe,
                    });
                }
            }
        }
        Ok(())
    }

    fn finish(self: Box<Self>, done: &Finished) -> Result<Vec<PathBuf>> {
        let text = markdown(
            self.suite,
            done,
            &self.failed,
            self.failed_count,
            &self.not_run,
        );
        Ok(vec![put(&self.dir, "summary.md", &text)?])
    }
}

fn markdown(
    suite: &Suite,
    done: &Finished,
    failed: &[FailedRow],
    failed_count: u64,
    not_run: &BTreeMap<(String, String), (u64, u64)>,
) -> String {
    let mut s = String::from("# secgap results\n\n");
    if let Some(h) = done.run.get("config_hash").and_then(Value::as_str) {
        s.push_str(&format!(
            "Suite `{}` {}, config `{}`.\n\n",
            suite.manifest.name,
            suite.manifest.version,
            &h[..h.len().min(12)]
        ));
    }
    for (name, sampling) in super::sampling_of(done.run) {
        s.push_str(&format!(
            "Sampling of `{name}`: {}.\n\n",
            sampling.describe()
        ));
    }
    s.push_str("| subject | strategy | tasks | n | func@1 | sec@1 | func-sec@1 | func-sec 95% CI | insecure among functional | samples not run |\n");
    s.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n");
    for g in done.groups {
        let at1 = g.at_k.iter().find(|a| a.k == 1);
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | [{}, {}] | {} | {} |\n",
            g.subject,
            g.strategy,
            g.tasks,
            g.n,
            at1.map_or("-".into(), |a| pct(a.func)),
            at1.map_or("-".into(), |a| pct(a.sec)),
            at1.map_or("-".into(), |a| pct(a.func_sec)),
            pct(g.func_sec.ci95.lo),
            pct(g.func_sec.ci95.hi),
            pct(g.insecure_among_functional.rate),
            g.not_run,
        ));
    }
    s.push_str(
        "\nPercent. @1 from the unbiased pass@k estimator averaged over tasks; the interval is \
         Wilson's over samples; *insecure among functional* is the share of functional samples \
         that fail at least one security test; *samples not run* counts the samples whose tests \
         never ran (the candidate did not build), which are neither functional nor secure.\n",
    );
    for g in done.groups.iter().filter(|g| g.tampering > 0) {
        s.push_str(&format!(
            "\n{} / {}: {} of {} samples were rejected as tampering with the harness \
             (failure `tampering`); none of their tests ran.\n",
            g.subject, g.strategy, g.tampering, g.samples
        ));
    }
    if let Some(gap) = done.gap {
        s.push_str("\n## Understanding and the gap\n\n| subject | understanding | func-sec | gap rate | gap 95% CI |\n| --- | ---: | ---: | ---: | --- |\n");
        for g in &gap.subjects {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                g.subject,
                g.understanding.map_or("-".into(), pct),
                pct(g.func_sec_rate),
                g.gap_rate.map_or("-".into(), pct),
                g.gap_ci95
                    .map_or("-".into(), |c| format!("[{}, {}]", pct(c[0]), pct(c[1]))),
            ));
        }
        s.push_str("\nGap rate: share of samples on tasks the subject understood (score at least 0.5) that are not func-sec.\n");
    }
    s.push_str(&crate::report::strategies::markdown(
        done.strategies,
        done.gap,
    ));
    if let Some(l) = done.level1 {
        s.push_str(&crate::report::level1::markdown(l));
    }
    s.push_str(&format!("\n## Failed security tests ({failed_count})\n\n"));
    if !not_run.is_empty() {
        let (samples, tests) = not_run
            .values()
            .fold((0, 0), |(a, b), (s, t)| (a + s, b + t));
        s.push_str(&format!(
            "{tests} security test{} of {samples} sample{} did not run; a test that did not run \
             neither passed nor failed, so {} not listed here:\n\n",
            if tests == 1 { "" } else { "s" },
            if samples == 1 { "" } else { "s" },
            if tests == 1 { "it is" } else { "they are" },
        ));
        for ((why, failure), (samples, tests)) in not_run {
            s.push_str(&format!(
                "- {why}{}: {samples} sample{}, {tests} security test{}\n",
                if failure.is_empty() {
                    String::new()
                } else {
                    format!(" (`{failure}`)")
                },
                if *samples == 1 { "" } else { "s" },
                if *tests == 1 { "" } else { "s" },
            ));
        }
        s.push('\n');
    }
    if !failed.is_empty() {
        s.push_str("| subject | task | sample | test | CWE |\n| --- | --- | ---: | --- | --- |\n");
        for f in failed {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                f.subject,
                f.task,
                f.index,
                f.test,
                f.cwe.map_or("-".into(), |c| c.to_string())
            ));
        }
        if failed_count > failed.len() as u64 {
            s.push_str(&format!(
                "\n… and {} more in verdicts.csv.\n",
                failed_count - failed.len() as u64
            ));
        }
    }
    s
}
