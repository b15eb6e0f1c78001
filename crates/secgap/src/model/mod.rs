//! The vocabulary every stage shares: ids, outcomes, sample records and
//! model calls. It imports nothing of secgap, so that every stage, the
//! store included, can stand on it.

pub mod call;
pub mod cwe;
pub mod ids;
pub mod level1;
pub mod outcome;
pub mod probe;
pub mod record;
pub mod source;
pub mod statics;

pub use call::{Message, ModelCall, Role, Sampling, Usage};
pub use ids::{SampleKey, StrategyId, StrategyRef, SubjectId, TaskId};
pub use level1::{
    CalibrationRecord, CalibrationRow, Exemplar, JudgeInfo, JudgmentExport, Level1Rows,
    ParseStatus, ProbeExport,
};
pub use outcome::{Cause, Cwe, Failure, SampleStatus, TestKind, TestOutcome, Verdict};
pub use probe::{Grade, Key, Probe, ProbeKind, JUDGE_VERSION};
pub use record::{
    CallTotals, ExportSample, Judged, JudgmentRecord, ProbeAnswerRecord, ProbeAnswerRow,
    SampleRecord, SampleUsage, ScoredRow, Scores, SelfIdentified, TurnKind, TurnRecord,
};
pub use source::{OutOfOrder, SampleCounts, SampleSource};
pub use statics::{Finding, Severity, StaticRow, StaticRun, StaticStatus};
