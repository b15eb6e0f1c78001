//! Where the reports read a finished run from. The store implements
//! [`SampleSource`]; the report stage takes `&dyn SampleSource`, so that it
//! streams a run's samples without knowing the database behind them.

use crate::model::record::{ExportSample, SampleUsage, SelfIdentified};

/// A run's stored samples, handed over one at a time.
pub trait SampleSource {
    /// Hand every sample with all its verdicts to `f`, in run order,
    /// holding one sample in memory at a time.
    ///
    /// With `sorted` false the source may read the verdicts in the cheaper
    /// storage order; should that order turn out not to be sample order, it
    /// fails with [`OutOfOrder`] before `f` sees the affected sample, and
    /// the caller starts over with `sorted` true.
    fn for_each_sample(
        &self,
        sorted: bool,
        f: &mut dyn FnMut(ExportSample) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;

    /// How many samples [`SampleSource::for_each_sample`] will hand over.
    fn sample_counts(&self) -> anyhow::Result<SampleCounts>;

    /// Hand what each stored sample took (turns, calls, tokens, cost) to
    /// `f`, in run order, one at a time.
    fn for_each_usage(
        &self,
        f: &mut dyn FnMut(SampleUsage) -> anyhow::Result<()>,
    ) -> anyhow::Result<()>;

    /// principle-self's graded first answers, one per sample that has one.
    fn self_identified(&self) -> anyhow::Result<Vec<SelfIdentified>>;
}

/// The sizes a report plans by before the pass begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleCounts {
    /// Every stored sample: scored ones and generation errors.
    pub samples: u64,
    /// Samples that hold extracted code.
    pub with_code: u64,
}

/// [`SampleSource::for_each_sample`] found verdicts out of sample order.
#[derive(Debug, thiserror::Error)]
#[error("verdicts are stored out of sample order; read them sorted")]
pub struct OutOfOrder;
