//! secgap-stats: statistics for the knowledge–actuation gap (DESIGN.md, "Level 3 — the
//! gap"): logistic regression with cluster-robust standard errors and
//! separation handling (Firth), Spearman rank correlation, McNemar's paired
//! test, a seeded cluster bootstrap and Fleiss' kappa.
//!
//! Everything here takes plain data (slices, small structs) and returns
//! plain, serialisable results. Nothing here knows about runs, subjects,
//! tasks or SQLite. Degenerate input never panics: it comes back as a
//! [`StatsError`] saying what was wrong, or, for separation in a logistic
//! regression, as [`LogitOutcome::Separated`] naming the coefficients whose
//! maximum-likelihood estimate does not exist.
//!
//! Every number that a reference implementation can produce is checked
//! against one: `tests/stats.rs` compares the results with JSON fixtures
//! written by `tests/fixtures/stats/make_fixtures.py` (statsmodels, scipy
//! and an independent numpy implementation of Firth's method).
//!
//! What is where:
//! - [`fit_logit`]: logistic regression by maximum likelihood, model-based
//!   or cluster-robust (CR1, statsmodels' default) standard errors, Wald
//!   z tests and 95 % intervals, odds ratios; exact separation check first
//!   ([`detect_separation`]).
//! - [`fit_firth`]: Firth's penalised likelihood, finite under separation;
//!   [`fit_logit_or_firth`] picks it when the data are separated.
//! - [`Design`] / [`DesignBuilder`]: intercept, continuous and
//!   treatment-coded categorical terms; [`Clusters`]: cluster labels.
//! - [`spearman`]: rank correlation with average ranks for ties and the
//!   t-approximation p-value.
//! - [`mcnemar`]: exact and continuity-corrected McNemar tests with
//!   Newcombe's interval for the paired difference.
//! - [`bootstrap_rate`], [`cluster_bootstrap`]: seeded cluster bootstrap,
//!   percentile intervals ([`SeededRng`]).
//! - [`fleiss_kappa`]: agreement of several raters.
//! - [`pass_at_k`], [`pass_hat_k`], [`wilson`]: the rates every report
//!   shows and their intervals.
//!
//! Conventions shared by the module:
//! - "95 % Wald interval" means estimate ± 1.959964 × standard error, with
//!   the normal quantile [`Z95`].
//! - p-values are two-sided.
//! - Binomial proportions use the Wilson score interval of
//!   [`wilson`].

mod bootstrap;
mod design;
mod kappa;
mod logit;
mod mcnemar;
mod rates;
mod rng;
mod separation;
mod spearman;

pub use bootstrap::{bootstrap_rate, cluster_bootstrap, BootstrapInterval, DEFAULT_REPLICATES};
pub use design::{Clusters, Design, DesignBuilder, Factor};
pub use kappa::{cohen_kappa, fleiss_kappa, fleiss_kappa_from_ratings, FleissKappa};
pub use logit::{
    fit_firth, fit_logit, fit_logit_or_firth, Coefficient, Covariance, Estimator, LogitFit,
    LogitOutcome, Regression,
};
pub use mcnemar::{mcnemar, McNemar, PairedTable, TestResult};
pub use rates::{pass_at_k, pass_hat_k, wilson, Interval, Z95};
pub use rng::SeededRng;
pub use separation::{
    detect_separation, Direction, OneClassLevel, Separation, SeparationKind, SinglePredictor,
    UnboundedCoefficient,
};
pub use spearman::{average_ranks, spearman, Spearman};

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// What went wrong with the input of a statistic. Every variant names the
/// problem in words through its `Display`.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum StatsError {
    #[error("no observations")]
    Empty,
    #[error("{what}: expected {expected} values, got {got}")]
    LengthMismatch {
        what: String,
        expected: usize,
        got: usize,
    },
    #[error("{what}: value at position {index} is not a finite number")]
    NonFinite { what: String, index: usize },
    #[error(
        "the outcome has one class only (every value is {value}); a regression cannot be fitted"
    )]
    OneClass { value: bool },
    #[error("predictor `{column}` is constant or a linear combination of the columns before it; drop it or merge its levels")]
    RankDeficient { column: String },
    #[error("{observations} observations are too few for {parameters} parameters")]
    TooFewObservations {
        observations: usize,
        parameters: usize,
    },
    #[error("{what} needs at least {needed} clusters, found {found}")]
    TooFewClusters {
        what: String,
        needed: usize,
        found: usize,
    },
    #[error("{what} is constant, so the correlation is undefined")]
    ConstantInput { what: String },
    #[error("{0}")]
    Undefined(String),
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("numerical failure: {0}")]
    Numerical(String),
}

/// Two-sided p-value of a standard-normal statistic: 2 · P(Z > |z|).
pub(crate) fn normal_two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    let std = Normal::standard();
    (2.0 * std.sf(z.abs())).min(1.0)
}

/// Checks that every value is finite.
pub(crate) fn check_finite(what: &str, values: &[f64]) -> Result<(), StatsError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(StatsError::NonFinite {
            what: what.to_string(),
            index,
        }),
        None => Ok(()),
    }
}

/// Checks that a slice has the expected length.
pub(crate) fn check_len(what: &str, expected: usize, got: usize) -> Result<(), StatsError> {
    if expected == got {
        Ok(())
    } else {
        Err(StatsError::LengthMismatch {
            what: what.to_string(),
            expected,
            got,
        })
    }
}
