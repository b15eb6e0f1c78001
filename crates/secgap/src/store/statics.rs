//! The static analyzers' runs and findings, per sample (schema version 6).

use std::collections::HashMap;

use anyhow::Result;
use rusqlite::params;

use super::{key_at, security_at, text_at, Children, Store, SECURITY_VERDICTS};
use crate::model::{Cwe, Finding, SampleKey, SampleRecord, StaticRow, StaticRun};

/// Version 6: one row per (sample, analyzer) that the run asked, and the
/// findings of those that ran. CWEs are kept as a comma-separated list of
/// ids ("78,77"), empty when the rule maps to none.
pub(super) const STATIC_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS static_runs (
    sample_id    INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    analyzer     TEXT NOT NULL,
    version      TEXT,
    status       TEXT NOT NULL CHECK (status IN ('ran', 'failed', 'skipped')),
    message      TEXT,
    duration_ms  INTEGER NOT NULL,
    PRIMARY KEY (sample_id, analyzer)
);
CREATE TABLE IF NOT EXISTS findings (
    sample_id    INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    analyzer     TEXT NOT NULL,
    ordinal      INTEGER NOT NULL,
    rule         TEXT NOT NULL,
    message      TEXT NOT NULL,
    line         INTEGER,
    col          INTEGER,
    severity     TEXT NOT NULL CHECK (severity IN ('note', 'warning', 'error')),
    cwes         TEXT NOT NULL,
    PRIMARY KEY (sample_id, analyzer, ordinal)
);
";

pub(super) fn insert(tx: &rusqlite::Transaction, id: i64, rec: &SampleRecord) -> Result<()> {
    for run in &rec.static_runs {
        tx.prepare_cached(
            "INSERT INTO static_runs (sample_id, analyzer, version, status, message, duration_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            id,
            run.analyzer,
            run.version,
            run.status.as_str(),
            run.message,
            run.duration_ms as i64,
        ])?;
        for (i, f) in run.findings.iter().enumerate() {
            let cwes: Vec<String> = f.cwes.iter().map(|c| c.0.to_string()).collect();
            tx.prepare_cached(
                "INSERT INTO findings (sample_id, analyzer, ordinal, rule, message, line, col, severity, cwes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                id,
                run.analyzer,
                i as i64,
                f.rule,
                f.message,
                f.line,
                f.column,
                f.severity.as_str(),
                cwes.join(","),
            ])?;
        }
    }
    Ok(())
}

/// The analyzer runs, in sample order (`sorted`) or in storage order,
/// which is sample order since a sample's rows are written with it.
pub(super) fn runs_sql(sorted: bool) -> &'static str {
    if sorted {
        "SELECT sample_id, analyzer, version, status, message, duration_ms
         FROM static_runs ORDER BY sample_id, rowid"
    } else {
        "SELECT sample_id, analyzer, version, status, message, duration_ms FROM static_runs"
    }
}

/// The findings, likewise.
pub(super) fn findings_sql(sorted: bool) -> &'static str {
    if sorted {
        "SELECT sample_id, analyzer, rule, message, line, col, severity, cwes
         FROM findings ORDER BY sample_id, analyzer, ordinal"
    } else {
        "SELECT sample_id, analyzer, rule, message, line, col, severity, cwes FROM findings"
    }
}

/// A run (without its findings) from a row of [`runs_sql`].
pub(super) fn run_at(r: &rusqlite::Row) -> rusqlite::Result<StaticRun> {
    Ok(StaticRun {
        analyzer: r.get(1)?,
        version: r.get(2)?,
        status: text_at(r, 3)?,
        message: r.get(4)?,
        duration_ms: r.get::<_, i64>(5)? as u64,
        findings: Vec::new(),
    })
}

/// (analyzer, finding) from a row of [`findings_sql`].
pub(super) fn finding_at(r: &rusqlite::Row) -> rusqlite::Result<(String, Finding)> {
    Ok((
        r.get(1)?,
        Finding {
            rule: r.get(2)?,
            message: r.get(3)?,
            line: r.get(4)?,
            column: r.get(5)?,
            severity: text_at(r, 6)?,
            cwes: cwes_of(&r.get::<_, String>(7)?),
        },
    ))
}

/// Give each finding to its analyzer's run.
pub(super) fn attach(runs: &mut [StaticRun], findings: Vec<(String, Finding)>) {
    for (analyzer, f) in findings {
        if let Some(run) = runs.iter_mut().find(|r| r.analyzer == analyzer) {
            run.findings.push(f);
        }
    }
}

fn cwes_of(text: &str) -> Vec<Cwe> {
    text.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .map(Cwe)
        .collect()
}

impl Store {
    /// The analyzer runs of one sample (`only`), or of every sample, with
    /// their findings, by sample row id.
    fn static_runs_where(&self, only: Option<i64>) -> Result<HashMap<i64, Vec<StaticRun>>> {
        let filter = " WHERE ?1 IS NULL OR sample_id = ?1";
        let mut out: HashMap<i64, Vec<StaticRun>> = HashMap::new();
        let sql = runs_sql(false).to_string() + filter + " ORDER BY sample_id, rowid";
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query([only])?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?).or_default().push(run_at(r)?);
        }
        let sql =
            findings_sql(false).to_string() + filter + " ORDER BY sample_id, analyzer, ordinal";
        let mut st = self.conn.prepare(&sql)?;
        let mut rows = st.query([only])?;
        let mut found: HashMap<i64, Vec<(String, Finding)>> = HashMap::new();
        while let Some(r) = rows.next()? {
            found.entry(r.get(0)?).or_default().push(finding_at(r)?);
        }
        for (id, f) in found {
            if let Some(runs) = out.get_mut(&id) {
                attach(runs, f);
            }
        }
        Ok(out)
    }

    /// Whether any sample of the run was analyzed statically.
    pub fn has_static_runs(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM static_runs)", [], |r| {
                r.get(0)
            })?)
    }

    /// The analyzer runs of the sample `key` (empty when it had none).
    pub fn static_runs(&self, key: &SampleKey) -> Result<Vec<StaticRun>> {
        let id: Option<i64> = rusqlite::OptionalExtension::optional(self.conn.query_row(
            "SELECT id FROM samples
             WHERE subject = ?1 AND strategy = ?2 AND task = ?3 AND sample_index = ?4",
            params![key.subject, key.strategy, key.task, key.index],
            |r| r.get(0),
        ))?;
        let Some(id) = id else {
            return Ok(Vec::new());
        };
        Ok(self
            .static_runs_where(Some(id))?
            .remove(&id)
            .unwrap_or_default())
    }

    /// Every scored sample that was analyzed, with its security verdicts
    /// and its analyzers' runs, in sample order: what the agreement
    /// between the two oracles is measured on.
    pub fn static_rows(&self) -> Result<Vec<StaticRow>> {
        let mut out = Vec::new();
        self.for_each_static_row(|r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// Hand each analyzed sample to `f` in sample order, one at a time.
    pub fn for_each_static_row(&self, mut f: impl FnMut(StaticRow) -> Result<()>) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT id, subject, strategy, task, sample_index, language, functional, secure
             FROM samples WHERE status = 'scored'
               AND EXISTS (SELECT 1 FROM static_runs r WHERE r.sample_id = samples.id)
             ORDER BY id",
        )?;
        let mut vs = self.conn.prepare(SECURITY_VERDICTS)?;
        let mut verdicts = Children::new(vs.query([])?, false);
        let mut rs = self.conn.prepare(runs_sql(true))?;
        let mut runs = Children::new(rs.query([])?, false);
        let mut fs = self.conn.prepare(findings_sql(true))?;
        let mut findings = Children::new(fs.query([])?, false);
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let mut security = Vec::new();
            verdicts.take(id, &mut security, security_at)?;
            let mut sample_runs = Vec::new();
            runs.take(id, &mut sample_runs, run_at)?;
            let mut found = Vec::new();
            findings.take(id, &mut found, finding_at)?;
            attach(&mut sample_runs, found);
            f(StaticRow {
                key: key_at(r, 1)?,
                language: r.get(5)?,
                functional: r.get(6)?,
                secure: r.get(7)?,
                not_run: StaticRow::untested(&security),
                security,
                runs: sample_runs,
            })?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::model::*;

    #[test]
    fn runs_and_findings_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = super::Store::create(&dir.path().join("r.sqlite"), "{}", "h").unwrap();
        let key = SampleKey {
            subject: "s".into(),
            strategy: "baseline".into(),
            task: "py-x".into(),
            index: 0,
        };
        let runs = vec![
            StaticRun {
                analyzer: "bandit".into(),
                version: Some("1.9.4".into()),
                status: StaticStatus::Ran,
                message: None,
                duration_ms: 310,
                findings: vec![Finding {
                    rule: "B602".into(),
                    message: "shell=True".into(),
                    line: Some(4),
                    column: Some(8),
                    severity: Severity::Error,
                    cwes: vec![Cwe(78)],
                }],
            },
            StaticRun {
                analyzer: "semgrep".into(),
                version: None,
                status: StaticStatus::Skipped,
                message: Some("not installed".into()),
                duration_ms: 0,
                findings: Vec::new(),
            },
        ];
        store
            .insert(&SampleRecord {
                key: key.clone(),
                language: "python".into(),
                prompt: String::new(),
                response: Some(String::new()),
                extraction: None,
                code: Some("x".into()),
                build_log: None,
                scores: Some(Scores {
                    functional: true,
                    secure: false,
                }),
                failure: None,
                error: None,
                verdicts: vec![Verdict {
                    test: "attack".into(),
                    kind: TestKind::Security,
                    cwe: Some(Cwe(78)),
                    outcome: TestOutcome::Fail,
                    message: "m".into(),
                    evidence: None,
                    duration_ms: 1,
                    cause: Cause::Reported,
                }],
                calls: Vec::new(),
                transcript: None,
                turns: Vec::new(),
                static_runs: runs.clone(),
                gen_ms: 0,
                exec_ms: 0,
            })
            .unwrap();
        assert_eq!(store.static_runs(&key).unwrap(), runs);
        assert!(store.has_static_runs().unwrap());
        let rows = store.static_rows().unwrap();
        assert_eq!(rows.len(), 1);
        assert!(!rows[0].not_run && !rows[0].secure);
        assert_eq!(rows[0].security, vec![(Some(Cwe(78)), TestOutcome::Fail)]);
        assert_eq!(rows[0].runs[0].static_clean(), Some(false));
        assert_eq!(rows[0].runs[1].static_clean(), None);
    }
}
