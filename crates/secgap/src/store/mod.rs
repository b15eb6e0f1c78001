//! The run store: one SQLite database per run (WAL, one writer).
//!
//! Holds the frozen config and its hash, and for every finished sample its
//! prompt, response, extracted code, outcome, per-test verdicts with
//! evidence, and timings. Each sample is committed in its own transaction
//! the moment it finishes, so a killed run loses at most the samples that
//! were in flight, and `resume` does nothing twice.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rusqlite::types::Value as V;
use rusqlite::{params, Connection, OptionalExtension};

pub use crate::model::record::*;
pub use crate::model::source::OutOfOrder;
use crate::model::source::{SampleCounts, SampleSource};
use crate::model::{
    CalibrationRecord, CalibrationRow, Cwe, Exemplar, Failure, Grade, JudgmentExport, Key,
    ModelCall, ParseStatus, Probe, ProbeExport, ProbeKind, SampleKey, SampleStatus, StrategyId,
    SubjectId, TaskId, TestKind, TestOutcome, Verdict, JUDGE_VERSION,
};

pub const DB_FILE: &str = "run.sqlite";
const SCHEMA_VERSION: i64 = 6;

mod statics;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS samples (
    id            INTEGER PRIMARY KEY,
    subject       TEXT NOT NULL,
    strategy      TEXT NOT NULL,
    task          TEXT NOT NULL,
    sample_index  INTEGER NOT NULL,
    language      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('scored', 'generation_error')),
    failure       TEXT,
    prompt        TEXT NOT NULL,
    response      TEXT,
    extraction    TEXT,
    code          TEXT,
    build_log     TEXT,
    functional    INTEGER,
    secure        INTEGER,
    func_sec      INTEGER,
    error         TEXT,
    transcript    TEXT,
    gen_ms        INTEGER NOT NULL,
    exec_ms       INTEGER NOT NULL,
    finished_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (subject, strategy, task, sample_index)
);
CREATE TABLE IF NOT EXISTS verdicts (
    sample_id    INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    test         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('functional', 'security')),
    cwe          INTEGER,
    outcome      TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'error', 'not_run')),
    message      TEXT NOT NULL,
    evidence     TEXT,
    duration_ms  INTEGER NOT NULL,
    PRIMARY KEY (sample_id, test)
);
CREATE TABLE IF NOT EXISTS model_calls (
    sample_id         INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    attempt           INTEGER NOT NULL,
    url               TEXT NOT NULL,
    request           TEXT NOT NULL,
    status            INTEGER,
    response          TEXT NOT NULL,
    latency_ms        INTEGER NOT NULL,
    input_tokens      INTEGER,
    output_tokens     INTEGER,
    cached_tokens     INTEGER,
    reasoning_tokens  INTEGER,
    cost_usd          REAL,
    cached            INTEGER NOT NULL,
    error             TEXT,
    retry_after_ms    INTEGER,
    turn              INTEGER
);
";

/// Version 4 stores a test that never ran (the candidate did not build) as
/// `not_run` instead of `error`. SQLite cannot change a CHECK constraint in
/// place, so the table is rebuilt; the rows earlier versions wrote for such
/// tests (`error` with the execute stage's fixed message "not run: ...",
/// the only text it ever wrote for them) become `not_run`.
const VERDICTS_V4: &str = "
CREATE TABLE verdicts_v4 (
    sample_id    INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    test         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('functional', 'security')),
    cwe          INTEGER,
    outcome      TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'error', 'not_run')),
    message      TEXT NOT NULL,
    evidence     TEXT,
    duration_ms  INTEGER NOT NULL,
    PRIMARY KEY (sample_id, test)
);
INSERT INTO verdicts_v4
    SELECT sample_id, ordinal, test, kind, cwe,
           CASE WHEN outcome = 'error' AND message LIKE 'not run:%' THEN 'not_run' ELSE outcome END,
           message, evidence, duration_ms
    FROM verdicts;
DROP TABLE verdicts;
ALTER TABLE verdicts_v4 RENAME TO verdicts;
";

/// Version 5: a strategy's turns, in order, per sample; a model call
/// names the turn that made it (NULL for runs from before turns were kept,
/// whose samples were all one turn).
const TURNS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS turns (
    sample_id    INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('write', 'identify', 'review', 'revise')),
    prompt       TEXT NOT NULL,
    response     TEXT,
    code         TEXT,
    tool_output  TEXT,
    calls        INTEGER NOT NULL,
    grade        TEXT,
    PRIMARY KEY (sample_id, ordinal)
);
";

/// Level 1: the run's probes, each subject's answers and their grades, the
/// judges' verdicts on explain answers, and the model calls behind both.
const PROBE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS probes (
    id      TEXT PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('identify', 'recognize', 'explain')),
    task    TEXT NOT NULL,
    prompt  TEXT NOT NULL,
    key     TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS probe_answers (
    id           INTEGER PRIMARY KEY,
    subject      TEXT NOT NULL,
    probe_id     TEXT NOT NULL REFERENCES probes(id),
    status       TEXT NOT NULL CHECK (status IN ('answered', 'generation_error')),
    response     TEXT,
    error        TEXT,
    grade        TEXT,
    score        REAL,
    gen_ms       INTEGER NOT NULL,
    finished_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (subject, probe_id)
);
CREATE TABLE IF NOT EXISTS judgments (
    answer_id  INTEGER NOT NULL REFERENCES probe_answers(id) ON DELETE CASCADE,
    judge      TEXT NOT NULL,
    rubric     TEXT NOT NULL,
    prompt     TEXT NOT NULL,
    reply      TEXT,
    verdicts   TEXT,
    error      TEXT,
    PRIMARY KEY (answer_id, judge)
);
CREATE TABLE IF NOT EXISTS probe_calls (
    answer_id         INTEGER NOT NULL REFERENCES probe_answers(id) ON DELETE CASCADE,
    judge             TEXT,
    attempt           INTEGER NOT NULL,
    url               TEXT NOT NULL,
    request           TEXT NOT NULL,
    status            INTEGER,
    response          TEXT NOT NULL,
    latency_ms        INTEGER NOT NULL,
    input_tokens      INTEGER,
    output_tokens     INTEGER,
    cached_tokens     INTEGER,
    reasoning_tokens  INTEGER,
    cost_usd          REAL,
    cached            INTEGER NOT NULL,
    error             TEXT,
    retry_after_ms    INTEGER
);
";

/// Judge calibration (schema version 4): each judge's grading of the
/// suite's reference explanations before it grades any answer, and the
/// model calls behind it.
const CALIBRATION_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS judge_calibrations (
    id           INTEGER PRIMARY KEY,
    judge        TEXT NOT NULL,
    rubric       TEXT NOT NULL,
    probe_id     TEXT NOT NULL,
    reference    TEXT NOT NULL CHECK (reference IN ('key', 'naive')),
    prompt       TEXT NOT NULL,
    expected     TEXT NOT NULL,
    reply        TEXT,
    verdicts     TEXT,
    error        TEXT,
    finished_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (judge, rubric, probe_id, reference)
);
CREATE TABLE IF NOT EXISTS calibration_calls (
    calibration_id    INTEGER NOT NULL REFERENCES judge_calibrations(id) ON DELETE CASCADE,
    attempt           INTEGER NOT NULL,
    url               TEXT NOT NULL,
    request           TEXT NOT NULL,
    status            INTEGER,
    response          TEXT NOT NULL,
    latency_ms        INTEGER NOT NULL,
    input_tokens      INTEGER,
    output_tokens     INTEGER,
    cached_tokens     INTEGER,
    reasoning_tokens  INTEGER,
    cost_usd          REAL,
    cached            INTEGER NOT NULL,
    error             TEXT,
    retry_after_ms    INTEGER
);
";

pub struct Store {
    conn: Connection,
}

impl Store {
    fn open_conn(path: &Path) -> Result<Connection> {
        let conn = Connection::open(path)
            .with_context(|| format!("open run database {}", path.display()))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(conn)
    }

    /// Create a new run database holding a config: its canonical JSON and
    /// the hash of that JSON (the plan stage makes both).
    pub fn create(path: &Path, config_json: &str, config_hash: &str) -> Result<Store> {
        if path.exists() {
            bail!("{} already exists", path.display());
        }
        let conn = Self::open_conn(path)?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(PROBE_SCHEMA)?;
        conn.execute_batch(CALIBRATION_SCHEMA)?;
        conn.execute_batch(TURNS_SCHEMA)?;
        conn.execute_batch(statics::STATIC_SCHEMA)?;
        let tx = conn.unchecked_transaction()?;
        for (k, v) in [
            ("schema_version", SCHEMA_VERSION.to_string()),
            ("config", config_json.to_string()),
            ("config_hash", config_hash.to_string()),
            ("created_at", now_utc(&conn)?),
        ] {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)",
                params![k, v],
            )?;
        }
        tx.commit()?;
        Ok(Store { conn })
    }

    /// Open an existing run database.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.is_file() {
            bail!("no run database at {}", path.display());
        }
        let conn = Self::open_conn(path)?;
        let store = Store { conn };
        let v: i64 = store
            .meta("schema_version")?
            .context("run database has no schema_version")?
            .parse()
            .context("bad schema_version")?;
        if (1..SCHEMA_VERSION).contains(&v) {
            let tx = store.conn.unchecked_transaction()?;
            if v < 2 {
                // Version 2 added the agent transcript column.
                tx.execute_batch("ALTER TABLE samples ADD COLUMN transcript TEXT")?;
            }
            // Version 3 added the Level 1 tables; version 4 the `not_run`
            // outcome (the verdicts table rebuilt) and judge calibration.
            tx.execute_batch(PROBE_SCHEMA)?;
            if v < 4 {
                tx.execute_batch(VERDICTS_V4)?;
            }
            tx.execute_batch(CALIBRATION_SCHEMA)?;
            if v < 5 {
                tx.execute_batch(TURNS_SCHEMA)?;
                tx.execute_batch("ALTER TABLE model_calls ADD COLUMN turn INTEGER")?;
            }
            // Version 6 added the static analyzers' runs and findings.
            tx.execute_batch(statics::STATIC_SCHEMA)?;
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
                [SCHEMA_VERSION.to_string()],
            )?;
            tx.commit()?;
        } else if v != SCHEMA_VERSION {
            bail!(
                "{} has schema version {v}; this secgap reads version {SCHEMA_VERSION}",
                path.display()
            );
        }
        Ok(store)
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The stored config's JSON (`plan::RunConfig::load` reads it).
    pub fn config_json(&self) -> Result<String> {
        self.meta("config")?.context("run database has no config")
    }

    /// Keys of samples that are finished and scored.
    pub fn done(&self) -> Result<HashSet<SampleKey>> {
        let mut st = self.conn.prepare(
            "SELECT subject, strategy, task, sample_index FROM samples WHERE status = 'scored'",
        )?;
        let rows = st.query_map([], |r| key_at(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Forget samples whose generation failed, so they are tried again.
    pub fn clear_generation_errors(&self) -> Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM samples WHERE status = 'generation_error'", [])?)
    }

    /// Commit one finished sample and its verdicts in a single transaction.
    pub fn insert(&mut self, rec: &SampleRecord) -> Result<()> {
        self.insert_many(std::slice::from_ref(rec))
    }

    /// Commit several finished samples in one transaction (bulk loads).
    pub fn insert_many(&mut self, recs: &[SampleRecord]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for rec in recs {
            insert_sample(&tx, rec)?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn insert_sample(tx: &rusqlite::Transaction, rec: &SampleRecord) -> Result<()> {
    let status = if rec.scores.is_some() {
        SampleStatus::Scored
    } else {
        SampleStatus::GenerationError
    };
    tx.prepare_cached(
            "INSERT INTO samples (subject, strategy, task, sample_index, language, status, failure,
                prompt, response, extraction, code, build_log, functional, secure, func_sec, error,
                gen_ms, exec_ms, transcript)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        )?
        .execute(params![
                rec.key.subject,
                rec.key.strategy,
                rec.key.task,
                rec.key.index,
                rec.language,
                status.as_str(),
                rec.failure.as_ref().map(|f| f.to_string()),
                rec.prompt,
                rec.response,
                rec.extraction,
                rec.code,
                rec.build_log,
                rec.scores.map(|s| s.functional),
                rec.scores.map(|s| s.secure),
                rec.scores.map(|s| s.functional && s.secure),
                rec.error,
                rec.gen_ms as i64,
                rec.exec_ms as i64,
                rec.transcript,
            ],
        )
        .with_context(|| format!("store sample {:?}", rec.key))?;
    let id = tx.last_insert_rowid();
    for (i, v) in rec.verdicts.iter().enumerate() {
        tx.prepare_cached(
                "INSERT INTO verdicts (sample_id, ordinal, test, kind, cwe, outcome, message, evidence, duration_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                    id,
                    i as i64,
                    v.test,
                    v.kind.as_str(),
                    v.cwe.map(|c| c.0),
                    v.outcome.as_str(),
                    v.message,
                    v.evidence,
                    v.duration_ms as i64,
                ],
            )?;
    }
    let mut call_turn = Vec::with_capacity(rec.calls.len());
    for (i, t) in rec.turns.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO turns (sample_id, ordinal, kind, prompt, response, code, tool_output, calls, grade)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            id,
            i as i64,
            t.kind.as_str(),
            t.prompt,
            t.response,
            t.code,
            t.tool_output,
            t.calls as i64,
            t.grade.as_ref().map(serde_json::to_string).transpose()?,
        ])?;
        call_turn.extend(std::iter::repeat_n(i as i64, t.calls as usize));
    }
    for (i, c) in rec.calls.iter().enumerate() {
        let turn = call_turn.get(i).map_or(V::Null, |t| V::Integer(*t));
        insert_call(
            tx,
            "model_calls",
            &[("sample_id", V::Integer(id)), ("turn", turn)],
            c,
        )?;
    }
    statics::insert(tx, id, rec)?;
    Ok(())
}

impl Store {
    /// Store the run's probes (idempotent: a probe already there is kept).
    pub fn insert_probes(&mut self, probes: &[Probe]) -> Result<()> {
        let tx = self.conn.transaction()?;
        for p in probes {
            tx.execute(
                "INSERT OR IGNORE INTO probes (id, kind, task, prompt, key) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    p.id,
                    p.kind.as_str(),
                    p.task,
                    p.prompt,
                    serde_json::to_string(&p.key)?
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// (subject, probe id) of every probe answered.
    pub fn probes_done(&self) -> Result<HashSet<(String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT subject, probe_id FROM probe_answers WHERE status = 'answered'")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Forget probe answers that got no response, so they are asked again.
    pub fn clear_probe_errors(&self) -> Result<usize> {
        Ok(self.conn.execute(
            "DELETE FROM probe_answers WHERE status = 'generation_error'",
            [],
        )?)
    }

    /// Commit one probe answer with its judgments and calls in one transaction.
    pub fn insert_probe_answer(&mut self, rec: &ProbeAnswerRecord) -> Result<()> {
        let tx = self.conn.transaction()?;
        let status = if rec.response.is_some() {
            "answered"
        } else {
            "generation_error"
        };
        tx.execute(
            "INSERT INTO probe_answers (subject, probe_id, status, response, error, grade, score, gen_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                rec.subject,
                rec.probe_id,
                status,
                rec.response,
                rec.error,
                rec.grade.as_ref().map(serde_json::to_string).transpose()?,
                rec.score,
                rec.gen_ms as i64,
            ],
        )
        .with_context(|| format!("store the answer of {} to {}", rec.subject, rec.probe_id))?;
        let id = tx.last_insert_rowid();
        for c in &rec.calls {
            insert_call(&tx, "probe_calls", &[("answer_id", V::Integer(id))], c)?;
        }
        for j in &rec.judgments {
            tx.execute(
                "INSERT INTO judgments (answer_id, judge, rubric, prompt, reply, verdicts, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    j.judge,
                    JUDGE_VERSION,
                    j.prompt,
                    j.reply,
                    j.verdicts.as_ref().map(serde_json::to_string).transpose()?,
                    j.error,
                ],
            )?;
            for c in &j.calls {
                insert_call(
                    &tx,
                    "probe_calls",
                    &[
                        ("answer_id", V::Integer(id)),
                        ("judge", V::Text(j.judge.clone())),
                    ],
                    c,
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every answered probe with its grade and judgments.
    pub fn probe_answers(&self) -> Result<Vec<ProbeAnswerRow>> {
        let mut st = self.conn.prepare(
            "SELECT id, subject, probe_id, status, grade, score FROM probe_answers ORDER BY id",
        )?;
        let mut rows: Vec<(i64, ProbeAnswerRow)> = st
            .query_map([], |r| {
                let grade: Option<String> = r.get(4)?;
                Ok((
                    r.get(0)?,
                    ProbeAnswerRow {
                        subject: r.get(1)?,
                        probe_id: r.get(2)?,
                        answered: r.get::<_, String>(3)? == "answered",
                        grade: grade.and_then(|g| serde_json::from_str(&g).ok()),
                        score: r.get(5)?,
                        judgments: Vec::new(),
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut js = self.conn.prepare(
            "SELECT answer_id, judge, verdicts FROM judgments ORDER BY answer_id, judge",
        )?;
        let mut by_id: std::collections::HashMap<i64, Vec<Judged>> =
            std::collections::HashMap::new();
        for r in js.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })? {
            let (id, judge, v) = r?;
            by_id
                .entry(id)
                .or_default()
                .push((judge, v.and_then(|v| serde_json::from_str(&v).ok())));
        }
        for (id, row) in rows.iter_mut() {
            row.judgments = by_id.remove(id).unwrap_or_default();
        }
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// Every stored answer with its probe's question, its grade and the
    /// judges' replies, in probe order per subject (for reports).
    pub fn probe_exports(&self) -> Result<Vec<ProbeExport>> {
        let mut st = self.conn.prepare(
            "SELECT a.id, a.subject, a.probe_id, p.kind, p.task, p.prompt, p.key, a.status,
                    a.response, a.error, a.grade, a.score, a.gen_ms
             FROM probe_answers a JOIN probes p ON p.id = a.probe_id ORDER BY a.id",
        )?;
        let mut rows: Vec<(i64, ProbeExport)> = st
            .query_map([], |r| {
                let kind: String = r.get(3)?;
                let key: String = r.get(6)?;
                let grade: Option<String> = r.get(10)?;
                let grade: Option<Grade> = grade.and_then(|g| serde_json::from_str(&g).ok());
                let answered = r.get::<_, String>(7)? == "answered";
                let kind = match kind.as_str() {
                    "identify" => ProbeKind::Identify,
                    "recognize" => ProbeKind::Recognize,
                    _ => ProbeKind::Explain,
                };
                let principles = match serde_json::from_str::<Key>(&key) {
                    Ok(Key::Explain { principles }) => principles,
                    _ => Vec::new(),
                };
                let score: Option<f64> = r.get(11)?;
                let status = match (answered, kind, &grade) {
                    (false, _, _) => ParseStatus::NoAnswer,
                    (true, ProbeKind::Explain, _) if score.is_some() => ParseStatus::Judged,
                    (true, ProbeKind::Explain, _) => ParseStatus::Unjudged,
                    (true, _, Some(g)) if g.parsed => ParseStatus::Parsed,
                    (true, _, _) => ParseStatus::Unparsed,
                };
                Ok((
                    r.get(0)?,
                    ProbeExport {
                        subject: r.get(1)?,
                        probe_id: r.get(2)?,
                        kind,
                        task: r.get(4)?,
                        question: r.get(5)?,
                        answer: r.get(8)?,
                        error: r.get(9)?,
                        status,
                        grade,
                        score,
                        principles,
                        judgments: Vec::new(),
                        gen_ms: r.get::<_, i64>(12)? as u64,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut js = self.conn.prepare(
            "SELECT answer_id, judge, reply, verdicts, error FROM judgments ORDER BY answer_id, judge",
        )?;
        let mut by_id: std::collections::HashMap<i64, Vec<JudgmentExport>> =
            std::collections::HashMap::new();
        for r in js.query_map([], |r| {
            let verdicts: Option<String> = r.get(3)?;
            Ok((
                r.get::<_, i64>(0)?,
                JudgmentExport {
                    judge: r.get(1)?,
                    reply: r.get(2)?,
                    verdicts: verdicts.and_then(|v| serde_json::from_str(&v).ok()),
                    error: r.get(4)?,
                },
            ))
        })? {
            let (id, j) = r?;
            by_id.entry(id).or_default().push(j);
        }
        for (id, row) in rows.iter_mut() {
            row.judgments = by_id.remove(id).unwrap_or_default();
            if row.status == ParseStatus::Unjudged && row.judgments.is_empty() {
                row.status = ParseStatus::NoJudge;
            }
        }
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// (judge, probe id, reference explanation) of every calibration
    /// grading under `rubric` that got a reply.
    pub fn calibrations_done(&self, rubric: &str) -> Result<HashSet<(String, String, Exemplar)>> {
        let mut st = self.conn.prepare(
            "SELECT judge, probe_id, reference FROM judge_calibrations
             WHERE rubric = ?1 AND reply IS NOT NULL",
        )?;
        let rows = st.query_map([rubric], |r| {
            Ok((r.get(0)?, r.get(1)?, text_at::<Exemplar>(r, 2)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Forget calibration gradings that got no reply, so they are asked again.
    pub fn clear_calibration_errors(&self) -> Result<usize> {
        Ok(self
            .conn
            .execute("DELETE FROM judge_calibrations WHERE reply IS NULL", [])?)
    }

    /// Commit one calibration grading with its model calls.
    pub fn insert_calibration(&mut self, rec: &CalibrationRecord) -> Result<()> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO judge_calibrations (judge, rubric, probe_id, reference, prompt, expected,
                reply, verdicts, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                rec.judge,
                JUDGE_VERSION,
                rec.probe_id,
                rec.exemplar.as_str(),
                rec.prompt,
                serde_json::to_string(&rec.expected)?,
                rec.reply,
                rec.verdicts
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()?,
                rec.error,
            ],
        )
        .with_context(|| {
            format!(
                "store the calibration of judge {} on {} ({})",
                rec.judge, rec.probe_id, rec.exemplar
            )
        })?;
        let id = tx.last_insert_rowid();
        for c in &rec.calls {
            insert_call(
                &tx,
                "calibration_calls",
                &[("calibration_id", V::Integer(id))],
                c,
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every stored calibration grading, by judge.
    pub fn calibrations(&self) -> Result<Vec<CalibrationRow>> {
        let mut st = self.conn.prepare(
            "SELECT judge, rubric, probe_id, reference, expected, verdicts, reply, error
             FROM judge_calibrations ORDER BY judge, id",
        )?;
        let rows = st.query_map([], |r| {
            let expected: String = r.get(4)?;
            let verdicts: Option<String> = r.get(5)?;
            Ok(CalibrationRow {
                judge: r.get(0)?,
                rubric: r.get(1)?,
                probe_id: r.get(2)?,
                exemplar: text_at(r, 3)?,
                expected: serde_json::from_str(&expected).unwrap_or_default(),
                verdicts: verdicts.and_then(|v| serde_json::from_str(&v).ok()),
                reply: r.get(6)?,
                error: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Model calls of the whole run: code samples, probes and judges. The
    /// spend counts only calls that reached a provider: a cache hit costs
    /// nothing new (older runs stored it as a cost of 0, which is ignored).
    pub fn call_totals(&self) -> Result<CallTotals> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(cached), 0), COALESCE(SUM(error IS NOT NULL), 0),
                    COALESCE(SUM(CASE WHEN cached = 0 THEN cost_usd END), 0.0),
                    COUNT(CASE WHEN cached = 0 THEN cost_usd END),
                    COALESCE(SUM(cached = 0 AND error IS NULL AND cost_usd IS NULL), 0)
             FROM (SELECT cached, error, cost_usd FROM model_calls
                   UNION ALL SELECT cached, error, cost_usd FROM probe_calls
                   UNION ALL SELECT cached, error, cost_usd FROM calibration_calls)",
            [],
            |r| {
                Ok(CallTotals {
                    calls: r.get::<_, i64>(0)? as u64,
                    cached: r.get::<_, i64>(1)? as u64,
                    failed_attempts: r.get::<_, i64>(2)? as u64,
                    cost_usd: r.get(3)?,
                    priced: r.get::<_, i64>(4)? as u64,
                    unpriced: r.get::<_, i64>(5)? as u64,
                })
            },
        )?)
    }

    /// Per stored sample: the turns its strategy took and what its model
    /// calls used and cost (a sample from before turns were kept counts
    /// as one turn).
    pub fn sample_usage(&self) -> Result<Vec<SampleUsage>> {
        let mut out = Vec::new();
        self.for_each_usage(|u| {
            out.push(u);
            Ok(())
        })?;
        Ok(out)
    }

    /// [`Store::sample_usage`], one sample at a time, in sample order.
    pub fn for_each_usage(&self, mut f: impl FnMut(SampleUsage) -> Result<()>) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT s.subject, s.strategy, s.task, s.sample_index,
                    MAX(1, (SELECT COUNT(*) FROM turns t WHERE t.sample_id = s.id)),
                    COUNT(c.rowid), COALESCE(SUM(c.input_tokens), 0), COALESCE(SUM(c.output_tokens), 0),
                    SUM(CASE WHEN c.cached = 0 THEN c.cost_usd END),
                    COALESCE(SUM(c.cached), 0),
                    COALESCE(SUM(c.cached = 0 AND c.error IS NULL AND c.cost_usd IS NULL), 0)
             FROM samples s LEFT JOIN model_calls c ON c.sample_id = s.id
             GROUP BY s.id ORDER BY s.id",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            f(SampleUsage {
                key: key_at(r, 0)?,
                turns: r.get(4)?,
                calls: r.get(5)?,
                input_tokens: r.get::<_, i64>(6)? as u64,
                output_tokens: r.get::<_, i64>(7)? as u64,
                cost_usd: r.get(8)?,
                cached_calls: r.get(9)?,
                unpriced_calls: r.get(10)?,
            })?;
        }
        Ok(())
    }

    /// Every graded identify turn (principle-self's first answer), by sample.
    pub fn self_identified(&self) -> Result<Vec<SelfIdentified>> {
        let mut st = self.conn.prepare(
            "SELECT s.subject, s.strategy, s.task, s.sample_index, t.grade
             FROM turns t JOIN samples s ON s.id = t.sample_id
             WHERE t.kind = 'identify' AND t.grade IS NOT NULL
             ORDER BY s.id, t.ordinal",
        )?;
        let rows = st.query_map([], |r| Ok((key_at(r, 0)?, r.get::<_, String>(4)?)))?;
        let mut out: Vec<SelfIdentified> = Vec::new();
        for row in rows {
            let (key, grade) = row?;
            // One per sample: the first identify turn.
            if out.last().is_some_and(|l| l.key == key) {
                continue;
            }
            let g: Grade = serde_json::from_str(&grade)
                .with_context(|| format!("stored grade of {key:?} is not a grade"))?;
            out.push(SelfIdentified {
                key,
                parsed: g.parsed,
                exact: g.exact,
                jaccard: g.jaccard,
            });
        }
        Ok(out)
    }

    /// The turns of the sample `key`, in order (empty for runs from before
    /// turns were kept).
    pub fn turns(&self, key: &SampleKey) -> Result<Vec<TurnRecord>> {
        let mut st = self.conn.prepare(
            "SELECT t.kind, t.prompt, t.response, t.code, t.tool_output, t.calls, t.grade
             FROM turns t JOIN samples s ON s.id = t.sample_id
             WHERE s.subject = ?1 AND s.strategy = ?2 AND s.task = ?3 AND s.sample_index = ?4
             ORDER BY t.ordinal",
        )?;
        let rows = st.query_map(
            params![key.subject, key.strategy, key.task, key.index],
            |r| turn_at(r, 0),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every scored sample with its security verdicts, for the metrics stage.
    pub fn scored(&self) -> Result<Vec<ScoredRow>> {
        let mut out = Vec::new();
        self.for_each_scored(|r| {
            out.push(r);
            Ok(())
        })?;
        Ok(out)
    }

    /// Hand every scored sample with its security verdicts to `f`, in
    /// sample order, holding one sample in memory at a time.
    pub fn for_each_scored(&self, mut f: impl FnMut(ScoredRow) -> Result<()>) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT id, subject, strategy, task, sample_index, functional, secure, failure
             FROM samples WHERE status = 'scored' ORDER BY id",
        )?;
        let mut vs = self.conn.prepare(SECURITY_VERDICTS)?;
        let mut verdicts = Children::new(vs.query([])?, false);
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let mut row = ScoredRow {
                key: key_at(r, 1)?,
                functional: r.get(5)?,
                secure: r.get(6)?,
                failure: failure_at(r, 7)?,
                security: Vec::new(),
                not_run: false,
            };
            let mut security = Vec::new();
            verdicts.take(id, &mut security, security_at)?;
            row.not_run = security.iter().any(|(_, o)| !o.ran());
            row.security = security
                .into_iter()
                .map(|(c, o)| (c, o == TestOutcome::Pass))
                .collect();
            f(row)?;
        }
        Ok(())
    }

    /// Verdicts of one sample, in test order.
    pub fn verdicts(&self, key: &SampleKey) -> Result<Vec<Verdict>> {
        let mut st = self.conn.prepare(
            "SELECT v.test, v.kind, v.cwe, v.outcome, v.message, v.evidence, v.duration_ms
             FROM verdicts v JOIN samples s ON s.id = v.sample_id
             WHERE s.subject = ?1 AND s.strategy = ?2 AND s.task = ?3 AND s.sample_index = ?4
             ORDER BY v.ordinal",
        )?;
        let rows = st.query_map(
            params![key.subject, key.strategy, key.task, key.index],
            |r| verdict_at(r, 0),
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every stored sample with its verdicts, in commit order.
    pub fn export_samples(&self) -> Result<Vec<ExportSample>> {
        let mut out = Vec::new();
        self.for_each_export_sample(true, |s| {
            out.push(s);
            Ok(())
        })?;
        Ok(out)
    }

    /// Hand every sample with all its verdicts to `f`, in sample order,
    /// holding one sample in memory at a time (reports of huge runs).
    ///
    /// Verdicts are read in storage order, which is sample order because a
    /// sample's verdicts are written with it and ids only grow; sorting
    /// millions of verdict rows would cost more than the rest of a report.
    /// Should a database break that order, the samples handed over so far
    /// are incomplete: this returns [`OutOfOrder`] at once, before `f` saw
    /// the affected sample, and the caller starts again with `sorted`.
    pub fn for_each_export_sample(
        &self,
        sorted: bool,
        mut f: impl FnMut(ExportSample) -> Result<()>,
    ) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT id, subject, strategy, task, sample_index, language, status, functional, secure,
                    func_sec, failure, error, code, gen_ms, exec_ms, finished_at, prompt, response
             FROM samples ORDER BY id",
        )?;
        let mut vs = self.conn.prepare(if sorted {
            "SELECT sample_id, test, kind, cwe, outcome, message, evidence, duration_ms, ordinal
             FROM verdicts ORDER BY sample_id, ordinal"
        } else {
            "SELECT sample_id, test, kind, cwe, outcome, message, evidence, duration_ms, ordinal
             FROM verdicts"
        })?;
        let mut verdicts = Children::new(vs.query([])?, !sorted);
        let mut ts = self.conn.prepare(if sorted {
            "SELECT sample_id, kind, prompt, response, code, tool_output, calls, grade
             FROM turns ORDER BY sample_id, ordinal"
        } else {
            "SELECT sample_id, kind, prompt, response, code, tool_output, calls, grade FROM turns"
        })?;
        let mut turns = Children::new(ts.query([])?, !sorted);
        let mut rs = self.conn.prepare(statics::runs_sql(sorted))?;
        let mut static_runs = Children::new(rs.query([])?, !sorted);
        let mut fs = self.conn.prepare(statics::findings_sql(sorted))?;
        let mut findings = Children::new(fs.query([])?, !sorted);
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let mut sample = ExportSample {
                key: key_at(r, 1)?,
                language: r.get(5)?,
                status: text_at(r, 6)?,
                functional: r.get(7)?,
                secure: r.get(8)?,
                func_sec: r.get(9)?,
                failure: r.get(10)?,
                error: r.get(11)?,
                code: r.get(12)?,
                gen_ms: r.get::<_, i64>(13)? as u64,
                exec_ms: r.get::<_, i64>(14)? as u64,
                finished_at: r.get(15)?,
                prompt: r.get(16)?,
                response: r.get(17)?,
                verdicts: Vec::new(),
                turns: Vec::new(),
                static_runs: Vec::new(),
            };
            static_runs.take(id, &mut sample.static_runs, statics::run_at)?;
            let mut found = Vec::new();
            findings.take(id, &mut found, statics::finding_at)?;
            statics::attach(&mut sample.static_runs, found);
            turns.take(id, &mut sample.turns, |t| turn_at(t, 1))?;
            let mut numbered = Vec::new();
            verdicts.take(id, &mut numbered, |v| {
                Ok((v.get::<_, i64>(8)?, verdict_at(v, 1)?))
            })?;
            // Storage order is normally test order already; a stable sort
            // by ordinal is cheap when it is.
            numbered.sort_by_key(|(ordinal, _)| *ordinal);
            sample.verdicts = numbered.into_iter().map(|(_, v)| v).collect();
            f(sample)?;
        }
        Ok(())
    }

    /// Samples that hold extracted code.
    pub fn count_with_code(&self) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM samples WHERE code IS NOT NULL",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }

    pub fn count(&self, status: SampleStatus) -> Result<u64> {
        Ok(self.conn.query_row(
            "SELECT COUNT(*) FROM samples WHERE status = ?1",
            [status.as_str()],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }
}

/// The reports stream a run through this, so that they never see the store.
impl SampleSource for Store {
    fn for_each_sample(
        &self,
        sorted: bool,
        f: &mut dyn FnMut(ExportSample) -> Result<()>,
    ) -> Result<()> {
        self.for_each_export_sample(sorted, f)
    }

    fn sample_counts(&self) -> Result<SampleCounts> {
        Ok(SampleCounts {
            samples: self.count(SampleStatus::Scored)?
                + self.count(SampleStatus::GenerationError)?,
            with_code: self.count_with_code()?,
        })
    }

    fn for_each_usage(&self, f: &mut dyn FnMut(SampleUsage) -> Result<()>) -> Result<()> {
        Store::for_each_usage(self, f)
    }

    fn self_identified(&self) -> Result<Vec<SelfIdentified>> {
        Store::self_identified(self)
    }
}

/// Child rows (verdicts) read beside their samples: both cursors run in
/// sample order (column 0 of a child row is its sample id), so each
/// sample's children are the run of rows carrying its id.
struct Children<'s, T> {
    rows: rusqlite::Rows<'s>,
    pending: Option<(i64, T)>,
    last: i64,
    /// Fail with [`OutOfOrder`] when sample ids go backwards.
    check_order: bool,
}

impl<'s, T> Children<'s, T> {
    fn new(rows: rusqlite::Rows<'s>, check_order: bool) -> Self {
        Children {
            rows,
            pending: None,
            last: i64::MIN,
            check_order,
        }
    }

    /// Append the children of sample `id` to `out`, skipping those of
    /// samples before it (which the sample query left out).
    fn take(
        &mut self,
        id: i64,
        out: &mut Vec<T>,
        decode: impl Fn(&rusqlite::Row) -> rusqlite::Result<T>,
    ) -> Result<()> {
        loop {
            if self.pending.is_none() {
                let Some(r) = self.rows.next()? else {
                    return Ok(());
                };
                let owner: i64 = r.get(0)?;
                if self.check_order && owner < self.last {
                    return Err(OutOfOrder.into());
                }
                self.last = owner;
                self.pending = Some((owner, decode(r)?));
            }
            match &self.pending {
                Some((owner, _)) if *owner < id => self.pending = None,
                Some((owner, _)) if *owner == id => {
                    let (_, child) = self.pending.take().expect("matched above");
                    out.push(child);
                }
                _ => return Ok(()),
            }
        }
    }
}

// The ids are stored as their plain text.
macro_rules! sql_text_id {
    ($($name:ident),*) => {$(
        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                v.as_str().map($name::from)
            }
        }
    )*};
}

sql_text_id!(SubjectId, TaskId, StrategyId);

/// A value stored as text in column `at`, read back through its `FromStr`.
fn text_at<T: std::str::FromStr<Err = String>>(
    r: &rusqlite::Row,
    at: usize,
) -> rusqlite::Result<T> {
    let text: String = r.get(at)?;
    text.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, e.into())
    })
}

/// The failure stored in column `at`, read back through its `FromStr`.
fn failure_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Option<Failure>> {
    let Some(text) = r.get::<_, Option<String>>(at)? else {
        return Ok(None);
    };
    text.parse().map(Some).map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, e.into())
    })
}

/// A turn from the columns kind, prompt, response, code, tool_output,
/// calls, grade, starting at column `at` of `r`.
fn turn_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<TurnRecord> {
    let bad = |col: usize, e: String| {
        rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, e.into())
    };
    let kind: String = r.get(at)?;
    let grade: Option<String> = r.get(at + 6)?;
    Ok(TurnRecord {
        kind: TurnKind::parse(&kind).ok_or_else(|| {
            bad(
                at,
                format!("unknown turn kind `{kind}` in the run database"),
            )
        })?,
        prompt: r.get(at + 1)?,
        response: r.get(at + 2)?,
        code: r.get(at + 3)?,
        tool_output: r.get(at + 4)?,
        calls: r.get(at + 5)?,
        grade: grade
            .map(|g| serde_json::from_str(&g))
            .transpose()
            .map_err(|e| bad(at + 6, format!("a turn's grade is not readable: {e}")))?,
    })
}

/// A sample's key from the columns subject, strategy, task, sample_index,
/// starting at column `at` of `r`.
/// Every security verdict's (sample id, CWE, outcome), in sample order.
const SECURITY_VERDICTS: &str = "SELECT sample_id, cwe, outcome FROM verdicts
     WHERE kind = 'security' ORDER BY sample_id, ordinal";

/// (CWE, outcome) from a row of [`SECURITY_VERDICTS`].
fn security_at(v: &rusqlite::Row) -> rusqlite::Result<(Option<Cwe>, TestOutcome)> {
    Ok((
        v.get::<_, Option<u32>>(1)?.map(Cwe),
        TestOutcome::from_stored(v.get_ref(2)?.as_str()?).unwrap_or(TestOutcome::Error),
    ))
}

fn key_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<SampleKey> {
    Ok(SampleKey {
        subject: r.get(at)?,
        strategy: r.get(at + 1)?,
        task: r.get(at + 2)?,
        index: r.get(at + 3)?,
    })
}

/// A verdict from the columns test, kind, cwe, outcome, message, evidence,
/// duration_ms, starting at column `at` of `r`.
fn verdict_at(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Verdict> {
    let kind: String = r.get(at + 1)?;
    let outcome: String = r.get(at + 3)?;
    Ok(Verdict {
        test: r.get(at)?,
        kind: if kind == "security" {
            TestKind::Security
        } else {
            TestKind::Functional
        },
        cwe: r.get::<_, Option<u32>>(at + 2)?.map(Cwe),
        outcome: TestOutcome::from_stored(&outcome).unwrap_or(TestOutcome::Error),
        message: r.get(at + 4)?,
        evidence: r.get(at + 5)?,
        duration_ms: r.get::<_, i64>(at + 6)? as u64,
        cause: Default::default(),
    })
}

/// Store one model call in `table` (model_calls, probe_calls or
/// calibration_calls); `owner` holds the columns that tie it to its row
/// (the owner's id, and the judge of a probe call or the turn of a sample's).
fn insert_call(
    tx: &rusqlite::Transaction,
    table: &str,
    owner: &[(&str, V)],
    c: &ModelCall,
) -> Result<()> {
    let int = |x: Option<u64>| x.map_or(V::Null, |x| V::Integer(x as i64));
    let text = |x: &Option<String>| x.clone().map_or(V::Null, V::Text);
    let mut cols: Vec<&str> = owner.iter().map(|(c, _)| *c).collect();
    let mut vals: Vec<V> = owner.iter().map(|(_, v)| v.clone()).collect();
    cols.extend([
        "attempt",
        "url",
        "request",
        "status",
        "response",
        "latency_ms",
        "input_tokens",
        "output_tokens",
        "cached_tokens",
        "reasoning_tokens",
        "cost_usd",
        "cached",
        "error",
        "retry_after_ms",
    ]);
    vals.extend([
        V::Integer(c.attempt as i64),
        V::Text(c.url.clone()),
        V::Text(c.request.clone()),
        int(c.status.map(u64::from)),
        V::Text(c.response.clone()),
        V::Integer(c.latency_ms as i64),
        int(c.usage.input),
        int(c.usage.output),
        int(c.usage.cached),
        int(c.usage.reasoning),
        c.cost_usd.map_or(V::Null, V::Real),
        V::Integer(c.cached as i64),
        text(&c.error),
        int(c.retry_after_ms),
    ]);
    let marks: Vec<String> = (1..=vals.len()).map(|i| format!("?{i}")).collect();
    tx.execute(
        &format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            cols.join(", "),
            marks.join(", ")
        ),
        rusqlite::params_from_iter(vals),
    )?;
    Ok(())
}

fn now_utc(conn: &Connection) -> Result<String> {
    Ok(
        conn.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')", [], |r| {
            r.get(0)
        })?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(path: &Path) -> Store {
        let json = serde_json::json!({
            "secgap_version": "0", "suite_dir": "/nowhere", "suite_name": "s",
            "suite_version": "1", "suite_hash": "h", "subjects": ["reference:secure"],
            "strategies": ["baseline@1"], "n": 1, "tasks": ["t"]
        })
        .to_string();
        Store::create(path, &json, "h").unwrap()
    }

    #[test]
    fn older_run_databases_are_migrated_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        drop(create(&path));
        // Make it look like a version-1 database: no transcript, no Level 1 tables.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "ALTER TABLE samples DROP COLUMN transcript;
             DROP TABLE probe_calls; DROP TABLE judgments; DROP TABLE probe_answers; DROP TABLE probes;
             DROP TABLE calibration_calls; DROP TABLE judge_calibrations;
             DROP TABLE turns; ALTER TABLE model_calls DROP COLUMN turn;
             DROP TABLE findings; DROP TABLE static_runs;
             UPDATE meta SET value = '1' WHERE key = 'schema_version';",
        )
        .unwrap();
        drop(conn);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.meta("schema_version").unwrap().as_deref(), Some("6"));
        assert!(!store.has_static_runs().unwrap());
        // The additions work after the migration.
        store.insert_probes(&[]).unwrap();
        assert!(store.probe_answers().unwrap().is_empty());
        assert!(store.calibrations().unwrap().is_empty());
        assert_eq!(store.call_totals().unwrap().calls, 0);
        assert!(store.sample_usage().unwrap().is_empty());
        assert!(store.self_identified().unwrap().is_empty());
        let n: i64 = store
            .conn
            .query_row(
                "SELECT COUNT(*) FROM pragma_table_info('samples') WHERE name = 'transcript'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
        drop(store);
        // A database from a newer secgap is refused, not damaged.
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE meta SET value = '9' WHERE key = 'schema_version'",
            [],
        )
        .unwrap();
        drop(conn);
        let err = Store::open(&path).err().unwrap().to_string();
        assert!(err.contains("schema version 9"), "{err}");
    }

    #[test]
    fn cache_hits_are_no_spend_and_unpriced_calls_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = create(&dir.path().join(DB_FILE));
        let call = |cached: bool, cost: Option<f64>, error: Option<&str>| ModelCall {
            attempt: 1,
            url: "http://x/v1".into(),
            request: "{}".into(),
            status: Some(200),
            response: String::new(),
            latency_ms: 1,
            usage: Default::default(),
            cost_usd: cost,
            cached,
            error: error.map(String::from),
            retry_after_ms: None,
        };
        let record = |index: u32, calls: Vec<ModelCall>| crate::model::SampleRecord {
            key: SampleKey {
                subject: "m".into(),
                strategy: "baseline@1".into(),
                task: "t".into(),
                index,
            },
            language: "python".into(),
            prompt: String::new(),
            response: None,
            extraction: None,
            code: None,
            build_log: None,
            scores: None,
            failure: None,
            error: None,
            verdicts: Vec::new(),
            calls,
            transcript: None,
            turns: Vec::new(),
            static_runs: Vec::new(),
            gen_ms: 0,
            exec_ms: 0,
        };
        // One answer from the cache, as older secgap stored it (a cost of 0).
        store
            .insert(&record(0, vec![call(true, Some(0.0), None)]))
            .unwrap();
        let t = store.call_totals().unwrap();
        assert_eq!((t.calls, t.cached, t.priced, t.unpriced), (1, 1, 0, 0));
        // A priced call, an unpriced one and a failed attempt.
        store
            .insert(&record(
                1,
                vec![
                    call(false, Some(0.25), None),
                    call(false, None, None),
                    call(false, None, Some("HTTP 503")),
                ],
            ))
            .unwrap();
        let t = store.call_totals().unwrap();
        assert_eq!(
            (t.calls, t.priced, t.unpriced, t.failed_attempts),
            (4, 1, 1, 1)
        );
        assert_eq!(t.cost_usd, 0.25);
    }

    #[test]
    fn turns_round_trip_with_their_calls_usage_and_grade() {
        use crate::model::{TurnKind, TurnRecord};
        let dir = tempfile::tempdir().unwrap();
        let mut store = create(&dir.path().join(DB_FILE));
        let call = |cost: Option<f64>| ModelCall {
            attempt: 1,
            url: "http://x".into(),
            request: "{}".into(),
            status: Some(200),
            response: "{}".into(),
            latency_ms: 1,
            usage: crate::model::Usage {
                input: Some(10),
                output: Some(5),
                ..Default::default()
            },
            cost_usd: cost,
            cached: false,
            error: None,
            retry_after_ms: None,
        };
        let grade = crate::model::Grade {
            parsed: true,
            chosen: ['a', 'c'].into_iter().collect(),
            unsafe_label: None,
            exact: false,
            jaccard: 0.5,
            score: 0.5,
        };
        let turn = |kind, calls, grade: Option<crate::model::Grade>| TurnRecord {
            kind,
            prompt: format!("{kind:?} prompt"),
            response: Some("answer".into()),
            code: (kind != TurnKind::Identify).then(|| "code".into()),
            tool_output: None,
            calls,
            grade,
        };
        let key = SampleKey {
            subject: "m".into(),
            strategy: "principle-self".into(),
            task: "t".into(),
            index: 0,
        };
        let turns = vec![
            turn(TurnKind::Identify, 1, Some(grade)),
            turn(TurnKind::Write, 2, None),
        ];
        store
            .insert(&crate::model::SampleRecord {
                key: key.clone(),
                language: "c".into(),
                prompt: "p".into(),
                response: Some("r".into()),
                extraction: None,
                code: None,
                build_log: None,
                scores: Some(Scores {
                    functional: true,
                    secure: false,
                }),
                failure: None,
                error: None,
                verdicts: Vec::new(),
                calls: vec![call(Some(0.5)), call(None), call(Some(0.25))],
                transcript: None,
                turns: turns.clone(),
                static_runs: Vec::new(),
                gen_ms: 0,
                exec_ms: 0,
            })
            .unwrap();
        assert_eq!(store.turns(&key).unwrap(), turns);
        let usage = store.sample_usage().unwrap();
        assert_eq!(usage.len(), 1);
        assert_eq!(
            (
                usage[0].turns,
                usage[0].calls,
                usage[0].input_tokens,
                usage[0].output_tokens
            ),
            (2, 3, 30, 15)
        );
        assert_eq!(usage[0].cost_usd, Some(0.75));
        // The call without a cost reached the provider: the spend is unknown.
        assert_eq!((usage[0].cached_calls, usage[0].unpriced_calls), (0, 1));
        let who: Vec<i64> = store
            .conn
            .prepare("SELECT turn FROM model_calls ORDER BY rowid")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(who, vec![0, 1, 1]);
        let graded = store.self_identified().unwrap();
        assert_eq!(graded.len(), 1);
        assert!(graded[0].parsed && !graded[0].exact && graded[0].jaccard == 0.5);
    }

    #[test]
    fn version_3_rows_of_tests_that_never_ran_read_back_as_not_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        drop(create(&path));
        // A version-3 database: `not_run` is refused by its CHECK, and a test
        // that never ran was stored as `error` with the fixed message.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "DROP TABLE verdicts;
             CREATE TABLE verdicts (
                sample_id INTEGER NOT NULL REFERENCES samples(id) ON DELETE CASCADE,
                ordinal INTEGER NOT NULL, test TEXT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('functional', 'security')), cwe INTEGER,
                outcome TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'error')),
                message TEXT NOT NULL, evidence TEXT, duration_ms INTEGER NOT NULL,
                PRIMARY KEY (sample_id, test));
             INSERT INTO samples (id, subject, strategy, task, sample_index, language, status,
                failure, prompt, functional, secure, func_sec, gen_ms, exec_ms)
                VALUES (1, 'm', 'baseline@1', 't', 0, 'c', 'scored', 'build_error', '', 0, 0, 0, 0, 0),
                       (2, 'm', 'baseline@1', 't', 1, 'c', 'scored', 'test_failure:a', '', 1, 0, 0, 0, 0);
             INSERT INTO verdicts VALUES
                (1, 0, 'f', 'functional', NULL, 'error', 'not run: the candidate did not build', NULL, 0),
                (1, 1, 'a', 'security', 22, 'error', 'not run: the candidate did not build', NULL, 0),
                (2, 0, 'f', 'functional', NULL, 'pass', 'ok', NULL, 3),
                (2, 1, 'a', 'security', 22, 'error', 'crashed: not running well', NULL, 3);
             DROP TABLE turns; ALTER TABLE model_calls DROP COLUMN turn;
             DROP TABLE findings; DROP TABLE static_runs;
             UPDATE meta SET value = '3' WHERE key = 'schema_version';",
        )
        .unwrap();
        assert!(conn
            .execute(
                "UPDATE verdicts SET outcome = 'not_run' WHERE sample_id = 1",
                []
            )
            .is_err());
        drop(conn);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.meta("schema_version").unwrap().as_deref(), Some("6"));
        assert!(!store.has_static_runs().unwrap());
        let outcomes = |index: u32| -> Vec<TestOutcome> {
            let key = SampleKey {
                subject: "m".into(),
                strategy: "baseline@1".into(),
                task: "t".into(),
                index,
            };
            store
                .verdicts(&key)
                .unwrap()
                .iter()
                .map(|v| v.outcome)
                .collect()
        };
        assert_eq!(outcomes(0), [TestOutcome::NotRun, TestOutcome::NotRun]);
        // A real error keeps its outcome, whatever its message says.
        assert_eq!(outcomes(1), [TestOutcome::Pass, TestOutcome::Error]);
        let scored = store.scored().unwrap();
        assert!(scored[0].not_run && !scored[1].not_run);
        // New rows of tests that did not run are accepted.
        store
            .conn
            .execute(
                "UPDATE verdicts SET outcome = 'not_run' WHERE sample_id = 2",
                [],
            )
            .unwrap();
    }

    #[test]
    fn calibrations_and_probe_exports_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = create(&dir.path().join(DB_FILE));
        let probe = Probe {
            id: "explain:t".into(),
            kind: ProbeKind::Explain,
            task: "t".into(),
            prompt: "what <matters>?".into(),
            key: Key::Explain {
                principles: vec!["p".into()],
            },
        };
        store.insert_probes(std::slice::from_ref(&probe)).unwrap();
        let call = ModelCall {
            attempt: 1,
            url: "http://x".into(),
            request: "{}".into(),
            status: Some(200),
            response: "{}".into(),
            latency_ms: 3,
            usage: Default::default(),
            cost_usd: Some(0.5),
            cached: false,
            error: None,
            retry_after_ms: None,
        };
        let rec = |exemplar: Exemplar, reply: Option<&str>| CalibrationRecord {
            judge: "j".into(),
            probe_id: probe.id.clone(),
            exemplar,
            prompt: "grade".into(),
            expected: vec![exemplar.expected()],
            reply: reply.map(String::from),
            verdicts: reply.map(|_| vec![true]),
            error: reply.is_none().then(|| "timed out".to_string()),
            calls: vec![call.clone()],
        };
        store
            .insert_calibration(&rec(Exemplar::Key, Some("1: YES")))
            .unwrap();
        store
            .insert_calibration(&rec(Exemplar::Naive, None))
            .unwrap();
        let done = store.calibrations_done(JUDGE_VERSION).unwrap();
        assert_eq!(done.len(), 1, "only the grading with a reply is done");
        assert!(store.calibrations_done("other-rubric").unwrap().is_empty());
        assert_eq!(
            store.call_totals().unwrap().calls,
            2,
            "calibration calls are counted"
        );
        assert_eq!(store.call_totals().unwrap().cost_usd, 1.0);
        assert_eq!(store.clear_calibration_errors().unwrap(), 1);
        let rows = store.calibrations().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].exemplar, rows[0].expected.clone()),
            (Exemplar::Key, vec![true])
        );
        // An explain answer in a run without judges is stored unscored: no judge, not unread.
        store
            .insert_probe_answer(&ProbeAnswerRecord {
                subject: "s".into(),
                probe_id: probe.id.clone(),
                response: Some("answer".into()),
                error: None,
                grade: None,
                score: None,
                calls: Vec::new(),
                judgments: Vec::new(),
                gen_ms: 1,
            })
            .unwrap();
        let ex = store.probe_exports().unwrap();
        assert_eq!(ex.len(), 1);
        assert_eq!(ex[0].status, ParseStatus::NoJudge);
        assert_eq!(ex[0].question, "what <matters>?");
        assert_eq!(ex[0].principles, vec!["p".to_string()]);
    }
}
