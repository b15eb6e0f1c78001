//! Logistic regression: maximum likelihood with model-based or
//! cluster-robust standard errors, and Firth's penalised likelihood for
//! separated data.
//!
//! The model is P(y_i = 1) = π_i = 1 / (1 + exp(-x_i·β)). Each coefficient
//! β_j is a log odds ratio: the change in the log odds of the outcome per
//! unit of predictor j (for a treatment-coded level: that level against the
//! reference level), the other predictors held fixed.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;

use super::separation::{detect_separation, Separation};
use super::{check_len, normal_two_sided_p, Clusters, Design, StatsError};
use crate::rates::Z95;

/// Newton–Raphson iterations allowed before giving up.
const MAX_ITER: usize = 100;
/// Convergence: the largest parameter change of an iteration is below this.
const STEP_TOL: f64 = 1e-10;
/// Firth's iterations cap each step's largest component (as logistf does).
const FIRTH_MAX_STEP: f64 = 5.0;

/// Which likelihood was maximised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Ordinary maximum likelihood.
    MaximumLikelihood,
    /// Firth's penalised likelihood, log L(β) + ½ log det I(β).
    Firth,
}

/// Which covariance matrix the standard errors, z statistics, p-values and
/// intervals of the coefficients come from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Covariance {
    /// The inverse of the Fisher information I(β̂) = Xᵀ W X, with
    /// W = diag(π̂_i (1 - π̂_i)), at the estimate.
    Model,
    /// The cluster-robust sandwich (CR1) I⁻¹ (Σ_g s_g s_gᵀ) I⁻¹ · c, where
    /// s_g = Σ_{i in g} (y_i - π̂_i) x_i is cluster g's score and
    /// c = G/(G-1) · (N-1)/(N-K) is the small-sample correction for G
    /// clusters, N observations and K parameters. This is what statsmodels
    /// computes for `fit(cov_type="cluster", cov_kwds={"groups": g})` with
    /// its defaults (`use_correction=True`; inference stays normal, since
    /// `use_t` is off for discrete models).
    ClusterRobust { clusters: usize, correction: f64 },
}

/// One coefficient with its Wald inference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    pub name: String,
    /// β̂_j, a log odds ratio.
    pub estimate: f64,
    /// Standard error from the fit's [`Covariance`].
    pub std_error: f64,
    /// Model-based standard error √[I(β̂)⁻¹]_jj, whatever the covariance.
    pub model_std_error: f64,
    /// Wald z = β̂_j / SE_j.
    pub z: f64,
    /// Two-sided p-value 2·P(Z > |z|) under the standard normal.
    pub p_value: f64,
    /// 95 % Wald interval β̂_j ± 1.959964·SE_j.
    pub ci_low: f64,
    pub ci_high: f64,
    /// exp(β̂_j), with the Wald interval's ends exponentiated.
    pub odds_ratio: f64,
    pub or_ci_low: f64,
    pub or_ci_high: f64,
}

/// A fitted logistic regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogitFit {
    pub estimator: Estimator,
    pub covariance: Covariance,
    pub coefficients: Vec<Coefficient>,
    /// The covariance matrix behind `std_error`, row by row.
    pub covariance_matrix: Vec<Vec<f64>>,
    pub observations: usize,
    pub parameters: usize,
    /// Observations with a true outcome.
    pub events: usize,
    /// log L(β̂) = Σ y_i log π̂_i + (1 - y_i) log(1 - π̂_i).
    pub log_likelihood: f64,
    /// For Firth fits: log L(β̂) + ½ log det I(β̂).
    pub penalized_log_likelihood: Option<f64>,
    /// log L of the intercept-only model, when the design has an intercept.
    pub null_log_likelihood: Option<f64>,
    /// McFadden's pseudo-R², 1 - log L / log L_null (maximum likelihood
    /// fits with an intercept only).
    pub pseudo_r2: Option<f64>,
    /// Newton steps taken.
    pub iterations: usize,
    /// Whether the largest step fell below 1e-10 within 100 iterations.
    /// When false the numbers are the last iterate and must not be
    /// reported as estimates.
    pub converged: bool,
}

impl LogitFit {
    /// The coefficient with this name.
    pub fn coefficient(&self, name: &str) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.name == name)
    }
}

/// What [`fit_logit`] found: estimates, or separation (no finite
/// maximum-likelihood estimate exists).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum LogitOutcome {
    Estimated(LogitFit),
    Separated(Separation),
}

/// A regression for reporting: the maximum-likelihood fit when it exists,
/// Firth's fit when the data are separated (with the separation kept so a
/// report can say why), and notes for anything the caller asked for but did
/// not get.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    pub fit: LogitFit,
    pub separation: Option<Separation>,
    pub notes: Vec<String>,
}

/// Fits a logistic regression of `y` on the columns of `x` by maximum
/// likelihood.
///
/// Newton–Raphson from β = 0: each step solves I(β) δ = Xᵀ(y - π) and is
/// halved until the log-likelihood does not fall; iterations stop when the
/// largest |δ_j| is below 1e-10.
///
/// Before fitting, the input is checked (lengths, at least one more
/// observation than parameters, both outcome classes present, full column
/// rank, at least two clusters when clusters are given) and separation is
/// tested exactly (see [`detect_separation`]): separated data give
/// [`LogitOutcome::Separated`] and no estimates.
///
/// With `clusters`, the coefficients' standard errors, z, p-values and
/// intervals use the cluster-robust covariance described in
/// [`Covariance::ClusterRobust`]; [`Coefficient::model_std_error`] keeps
/// the model-based one.
pub fn fit_logit(
    y: &[bool],
    x: &Design,
    clusters: Option<&Clusters>,
) -> Result<LogitOutcome, StatsError> {
    validate(y, x, clusters)?;
    if let Some(sep) = detect_separation(y, x)? {
        return Ok(LogitOutcome::Separated(sep));
    }
    let (beta, iterations, converged) = newton(y, x, Estimator::MaximumLikelihood)?;
    let fit = finish(
        y,
        x,
        &beta,
        Estimator::MaximumLikelihood,
        clusters,
        iterations,
        converged,
    )?;
    Ok(LogitOutcome::Estimated(fit))
}

/// Fits Firth's bias-reduced logistic regression: maximises the penalised
/// log-likelihood log L(β) + ½ log det I(β), whose estimates are finite
/// even under separation.
///
/// The iteration is Newton's with Firth's modified score
/// U*(β) = Σ_i (y_i - π_i + h_i (½ - π_i)) x_i, where h_i is the i-th
/// diagonal element of the hat matrix W½ X I(β)⁻¹ Xᵀ W½ (U* is the exact
/// gradient of the penalised log-likelihood): δ = I(β)⁻¹ U*(β), its largest
/// component capped at 5, halved until the penalised log-likelihood does
/// not fall, stopping when the largest |δ_j| is below 1e-10.
///
/// Standard errors are Wald-type, √[I(β̂)⁻¹]_jj with the Fisher information
/// at the penalised estimate (as logistf reports them); z, p-values and 95 %
/// intervals are Wald ones from these. logistf's default profile-likelihood
/// intervals and penalised likelihood-ratio tests are not computed: for a
/// coefficient pushed out by separation, Wald intervals are symmetric and
/// can be too narrow on the side away from zero, so read them as a guide.
pub fn fit_firth(y: &[bool], x: &Design) -> Result<LogitFit, StatsError> {
    validate(y, x, None)?;
    let (beta, iterations, converged) = newton(y, x, Estimator::Firth)?;
    finish(y, x, &beta, Estimator::Firth, None, iterations, converged)
}

/// The fit a report should show: maximum likelihood (cluster-robust when
/// `clusters` is given) when the estimate exists, otherwise Firth's fit with
/// the separation recorded. Firth fits carry model-based standard errors
/// only; when clusters were asked for, a note says so.
pub fn fit_logit_or_firth(
    y: &[bool],
    x: &Design,
    clusters: Option<&Clusters>,
) -> Result<Regression, StatsError> {
    match fit_logit(y, x, clusters)? {
        LogitOutcome::Estimated(fit) => Ok(Regression {
            fit,
            separation: None,
            notes: Vec::new(),
        }),
        LogitOutcome::Separated(sep) => {
            let fit = fit_firth(y, x)?;
            let mut notes = vec![format!(
                "{}; Firth's penalised likelihood was used instead",
                sep.message
            )];
            if clusters.is_some() {
                notes.push(
                    "standard errors of the Firth fit are model-based, not clustered".to_string(),
                );
            }
            Ok(Regression {
                fit,
                separation: Some(sep),
                notes,
            })
        }
    }
}

fn validate(y: &[bool], x: &Design, clusters: Option<&Clusters>) -> Result<(), StatsError> {
    let n = y.len();
    check_len("design rows", n, x.nrows())?;
    if n == 0 {
        return Err(StatsError::Empty);
    }
    if x.ncols() == 0 {
        return Err(StatsError::Invalid("the design has no columns".into()));
    }
    if let Some(c) = clusters {
        check_len("cluster labels", n, c.len())?;
    }
    if n <= x.ncols() {
        return Err(StatsError::TooFewObservations {
            observations: n,
            parameters: x.ncols(),
        });
    }
    let events = y.iter().filter(|&&v| v).count();
    if events == 0 || events == n {
        return Err(StatsError::OneClass { value: events == n });
    }
    if let Some(j) = x.first_dependent_column() {
        return Err(StatsError::RankDeficient {
            column: x.names()[j].clone(),
        });
    }
    if let Some(c) = clusters {
        if c.count() < 2 {
            return Err(StatsError::TooFewClusters {
                what: "cluster-robust standard errors".into(),
                needed: 2,
                found: c.count(),
            });
        }
    }
    Ok(())
}

/// log(1 + e^η) without overflow.
fn softplus(eta: f64) -> f64 {
    eta.max(0.0) + (-eta.abs()).exp().ln_1p()
}

/// 1 / (1 + e^-η) without overflow.
fn sigmoid(eta: f64) -> f64 {
    if eta >= 0.0 {
        1.0 / (1.0 + (-eta).exp())
    } else {
        let e = eta.exp();
        e / (1.0 + e)
    }
}

fn linear_predictor(x: &Design, beta: &DVector<f64>) -> Vec<f64> {
    (0..x.nrows())
        .map(|i| x.row(i).iter().zip(beta.iter()).map(|(a, b)| a * b).sum())
        .collect()
}

fn log_likelihood(y: &[bool], eta: &[f64]) -> f64 {
    y.iter()
        .zip(eta)
        .map(|(&yi, &e)| if yi { e } else { 0.0 } - softplus(e))
        .sum()
}

/// Xᵀ diag(w) X.
fn information(x: &Design, w: &[f64]) -> DMatrix<f64> {
    let k = x.ncols();
    let mut m = DMatrix::zeros(k, k);
    for (i, &wi) in w.iter().enumerate() {
        let r = x.row(i);
        for a in 0..k {
            let ra = wi * r[a];
            for b in 0..=a {
                m[(a, b)] += ra * r[b];
            }
        }
    }
    for a in 0..k {
        for b in 0..a {
            m[(b, a)] = m[(a, b)];
        }
    }
    m
}

/// Everything one iteration needs at a given β.
struct State {
    objective: f64,
    direction: DVector<f64>,
}

/// The objective (log-likelihood, or penalised log-likelihood for Firth)
/// at β, or None when the information matrix is not positive definite.
fn objective(y: &[bool], x: &Design, beta: &DVector<f64>, est: Estimator) -> Option<f64> {
    let eta = linear_predictor(x, beta);
    let ll = log_likelihood(y, &eta);
    match est {
        Estimator::MaximumLikelihood => Some(ll),
        Estimator::Firth => {
            let w: Vec<f64> = eta
                .iter()
                .map(|&e| {
                    let p = sigmoid(e);
                    p * (1.0 - p)
                })
                .collect();
            let chol = information(x, &w).cholesky()?;
            let logdet: f64 = chol.ln_determinant();
            Some(ll + 0.5 * logdet)
        }
    }
}

/// The objective and the Newton direction at β.
fn state(y: &[bool], x: &Design, beta: &DVector<f64>, est: Estimator) -> Result<State, StatsError> {
    let eta = linear_predictor(x, beta);
    let p: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
    let w: Vec<f64> = p.iter().map(|&pi| pi * (1.0 - pi)).collect();
    let info = information(x, &w);
    let chol = info.cholesky().ok_or_else(|| {
        StatsError::Numerical("the information matrix is not positive definite".into())
    })?;
    let ll = log_likelihood(y, &eta);
    let k = x.ncols();
    let mut score = DVector::zeros(k);
    let objective = match est {
        Estimator::MaximumLikelihood => {
            for (i, &yi) in y.iter().enumerate() {
                let r = (yi as u8 as f64) - p[i];
                for (j, xv) in x.row(i).iter().enumerate() {
                    score[j] += r * xv;
                }
            }
            ll
        }
        Estimator::Firth => {
            let inv = chol.inverse();
            for (i, &yi) in y.iter().enumerate() {
                let xi = x.row(i);
                // h_i = w_i · x_iᵀ I⁻¹ x_i
                let mut quad = 0.0;
                for (a, xa) in xi.iter().enumerate() {
                    let inner: f64 = xi.iter().enumerate().map(|(b, xb)| inv[(a, b)] * xb).sum();
                    quad += xa * inner;
                }
                let h = w[i] * quad;
                let r = (yi as u8 as f64) - p[i] + h * (0.5 - p[i]);
                for (j, xv) in xi.iter().enumerate() {
                    score[j] += r * xv;
                }
            }
            let logdet: f64 = chol.ln_determinant();
            ll + 0.5 * logdet
        }
    };
    let direction = chol.solve(&score);
    Ok(State {
        objective,
        direction,
    })
}

/// Newton–Raphson with step halving. Returns (β, iterations, converged).
fn newton(
    y: &[bool],
    x: &Design,
    est: Estimator,
) -> Result<(DVector<f64>, usize, bool), StatsError> {
    let mut beta = DVector::zeros(x.ncols());
    for iter in 1..=MAX_ITER {
        let s = state(y, x, &beta, est)?;
        let mut step = s.direction;
        if est == Estimator::Firth {
            let largest = step.amax();
            if largest > FIRTH_MAX_STEP {
                step *= FIRTH_MAX_STEP / largest;
            }
        }
        let full = step.amax();
        let tol = 1e-12 * (1.0 + s.objective.abs());
        let mut accepted = None;
        for _ in 0..60 {
            let cand = &beta + &step;
            if let Some(obj) = objective(y, x, &cand, est) {
                if obj >= s.objective - tol {
                    accepted = Some(cand);
                    break;
                }
            }
            step *= 0.5;
        }
        let largest = step.amax();
        match accepted {
            Some(cand) => beta = cand,
            // No step improves the objective: we are at its maximum up to
            // rounding when the full Newton step was already tiny.
            None => return Ok((beta, iter, full < 1e-6)),
        }
        if !beta.iter().all(|b| b.is_finite()) {
            return Err(StatsError::Numerical(
                "the estimates became non-finite".into(),
            ));
        }
        if largest < STEP_TOL {
            return Ok((beta, iter, true));
        }
    }
    Ok((beta, MAX_ITER, false))
}

/// Inference at the estimate: covariance, coefficients, likelihoods.
fn finish(
    y: &[bool],
    x: &Design,
    beta: &DVector<f64>,
    estimator: Estimator,
    clusters: Option<&Clusters>,
    iterations: usize,
    converged: bool,
) -> Result<LogitFit, StatsError> {
    let (n, k) = (x.nrows(), x.ncols());
    let eta = linear_predictor(x, beta);
    let p: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
    let w: Vec<f64> = p.iter().map(|&pi| pi * (1.0 - pi)).collect();
    let info = information(x, &w);
    let chol = info.clone().cholesky().ok_or_else(|| {
        StatsError::Numerical(
            "the information matrix is not positive definite at the estimate".into(),
        )
    })?;
    let model_cov = chol.inverse();
    let log_likelihood = log_likelihood(y, &eta);
    let penalized_log_likelihood = match estimator {
        Estimator::Firth => Some(log_likelihood + 0.5 * chol.ln_determinant()),
        Estimator::MaximumLikelihood => None,
    };

    let (cov, covariance) = match clusters {
        None => (model_cov.clone(), Covariance::Model),
        Some(c) => {
            let g = c.count();
            let mut sums = vec![DVector::<f64>::zeros(k); g];
            for (i, &yi) in y.iter().enumerate() {
                let r = (yi as u8 as f64) - p[i];
                let xi = DVector::from_column_slice(x.row(i));
                sums[c.ids()[i]].axpy(r, &xi, 1.0);
            }
            let mut meat = DMatrix::zeros(k, k);
            for s in &sums {
                meat += s * s.transpose();
            }
            let correction =
                (g as f64 / (g as f64 - 1.0)) * ((n as f64 - 1.0) / (n as f64 - k as f64));
            let cov = &model_cov * meat * &model_cov * correction;
            (
                cov,
                Covariance::ClusterRobust {
                    clusters: g,
                    correction,
                },
            )
        }
    };

    let coefficients = x
        .names()
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let estimate = beta[j];
            let std_error = cov[(j, j)].max(0.0).sqrt();
            let z = estimate / std_error;
            let (ci_low, ci_high) = (estimate - Z95 * std_error, estimate + Z95 * std_error);
            Coefficient {
                name: name.clone(),
                estimate,
                std_error,
                model_std_error: model_cov[(j, j)].max(0.0).sqrt(),
                z,
                p_value: normal_two_sided_p(z),
                ci_low,
                ci_high,
                odds_ratio: estimate.exp(),
                or_ci_low: ci_low.exp(),
                or_ci_high: ci_high.exp(),
            }
        })
        .collect();

    let events = y.iter().filter(|&&v| v).count();
    let null_log_likelihood = x.intercept_column().map(|_| {
        let (e, n) = (events as f64, n as f64);
        let q = e / n;
        e * q.ln() + (n - e) * (1.0 - q).ln()
    });
    let pseudo_r2 = match (estimator, null_log_likelihood) {
        (Estimator::MaximumLikelihood, Some(l0)) => Some(1.0 - log_likelihood / l0),
        _ => None,
    };
    Ok(LogitFit {
        estimator,
        covariance,
        coefficients,
        covariance_matrix: (0..k)
            .map(|a| (0..k).map(|b| cov[(a, b)]).collect())
            .collect(),
        observations: n,
        parameters: k,
        events,
        log_likelihood,
        penalized_log_likelihood,
        null_log_likelihood,
        pseudo_r2,
        iterations,
        converged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simple() -> (Vec<bool>, Design) {
        let u = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8];
        let y = vec![false, false, true, false, true, false, true, true];
        let x = Design::builder(8)
            .intercept()
            .continuous("u", &u)
            .build()
            .unwrap();
        (y, x)
    }

    #[test]
    fn score_is_zero_at_the_estimate() {
        let (y, x) = simple();
        let LogitOutcome::Estimated(fit) = fit_logit(&y, &x, None).unwrap() else {
            panic!("expected estimates");
        };
        assert!(fit.converged);
        let b: Vec<f64> = fit.coefficients.iter().map(|c| c.estimate).collect();
        let mut score = [0.0; 2];
        for (i, &yi) in y.iter().enumerate() {
            let p = sigmoid(b[0] + b[1] * x.get(i, 1));
            let r = yi as u8 as f64 - p;
            score[0] += r;
            score[1] += r * x.get(i, 1);
        }
        assert!(score.iter().all(|s| s.abs() < 1e-9), "{score:?}");
        assert!(fit.coefficient("u").unwrap().estimate > 0.0);
    }

    #[test]
    fn degenerate_inputs_are_typed_errors() {
        let (y, x) = simple();
        assert_eq!(
            fit_logit(&[true; 8], &x, None).unwrap_err(),
            StatsError::OneClass { value: true }
        );
        assert_eq!(
            fit_logit(&y[..3], &x, None).unwrap_err(),
            StatsError::LengthMismatch {
                what: "design rows".into(),
                expected: 3,
                got: 8
            }
        );
        let empty = Design::builder(0).intercept().build().unwrap();
        assert_eq!(fit_logit(&[], &empty, None).unwrap_err(), StatsError::Empty);
        let constant = Design::builder(8)
            .intercept()
            .continuous("c", &[3.0; 8])
            .build()
            .unwrap();
        assert!(matches!(
            fit_logit(&y, &constant, None).unwrap_err(),
            StatsError::RankDeficient { column } if column == "c"
        ));
        let one = Clusters::from_labels(&["t"; 8]);
        assert!(matches!(
            fit_logit(&y, &x, Some(&one)).unwrap_err(),
            StatsError::TooFewClusters { found: 1, .. }
        ));
        let tiny = Design::builder(2)
            .intercept()
            .continuous("u", &[0.0, 1.0])
            .build()
            .unwrap();
        assert!(matches!(
            fit_logit(&[true, false], &tiny, None).unwrap_err(),
            StatsError::TooFewObservations { .. }
        ));
    }

    #[test]
    fn separation_is_reported_not_estimated() {
        let u = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8];
        let y = [false, false, false, true, true, true];
        let x = Design::builder(6)
            .intercept()
            .continuous("u", &u)
            .build()
            .unwrap();
        let LogitOutcome::Separated(s) = fit_logit(&y, &x, None).unwrap() else {
            panic!("expected separation");
        };
        assert!(s.message.contains("complete separation"), "{}", s.message);
        let r = fit_logit_or_firth(&y, &x, None).unwrap();
        assert_eq!(r.fit.estimator, Estimator::Firth);
        assert!(r.fit.converged);
        let b = r.fit.coefficient("u").unwrap();
        assert!(b.estimate.is_finite() && b.estimate > 0.0 && b.std_error.is_finite());
        assert!(r.separation.is_some());
    }
}
