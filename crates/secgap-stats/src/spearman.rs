//! Spearman's rank correlation.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::{check_finite, check_len, StatsError};

/// Spearman's ρ with its two-sided p-value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spearman {
    pub n: usize,
    /// Pearson's correlation of the two variables' ranks (ties get the
    /// average of the ranks they span).
    pub rho: f64,
    /// Degrees of freedom of the t approximation, n - 2.
    pub df: usize,
    /// Two-sided p-value from t = ρ √((n-2) / ((1+ρ)(1-ρ))) on a Student t
    /// distribution with n - 2 degrees of freedom (0 when |ρ| = 1), as
    /// `scipy.stats.spearmanr` computes it. The approximation is rough for
    /// n below about 10.
    pub p_value: f64,
}

/// Ranks 1..=n of the values, ties given the average of the ranks they
/// occupy (the "average" method).
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end hold ranks start+1 ..= end; their mean:
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Spearman's rank correlation of paired observations `x` and `y`.
/// Needs at least three pairs, finite values and neither variable
/// constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Result<Spearman, StatsError> {
    check_len("y", x.len(), y.len())?;
    check_finite("x", x)?;
    check_finite("y", y)?;
    let n = x.len();
    if n == 0 {
        return Err(StatsError::Empty);
    }
    if n < 3 {
        return Err(StatsError::Invalid(format!(
            "Spearman's test needs at least 3 pairs, got {n}"
        )));
    }
    for (what, v) in [("x", x), ("y", y)] {
        if v.iter().all(|&a| a == v[0]) {
            return Err(StatsError::ConstantInput { what: what.into() });
        }
    }
    let (rx, ry) = (average_ranks(x), average_ranks(y));
    let mean = (n as f64 + 1.0) / 2.0;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        let (da, db) = (a - mean, b - mean);
        sxy += da * db;
        sxx += da * da;
        syy += db * db;
    }
    let rho = (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0);
    let df = n - 2;
    let p_value = if rho.abs() == 1.0 {
        0.0
    } else {
        let t = rho * (df as f64 / ((1.0 + rho) * (1.0 - rho))).max(0.0).sqrt();
        let dist = StudentsT::new(0.0, 1.0, df as f64)
            .map_err(|e| StatsError::Numerical(format!("Student t: {e}")))?;
        (2.0 * dist.sf(t.abs())).min(1.0)
    };
    Ok(Spearman {
        n,
        rho,
        df,
        p_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_get_average_ranks() {
        assert_eq!(
            average_ranks(&[3.0, 1.0, 3.0, 2.0, 3.0]),
            vec![4.0, 1.0, 4.0, 2.0, 4.0]
        );
        assert_eq!(average_ranks(&[]), Vec::<f64>::new());
    }

    #[test]
    fn perfect_and_degenerate() {
        let s = spearman(&[1.0, 2.0, 3.0, 4.0], &[10.0, 20.0, 30.0, 40.0]).unwrap();
        assert_eq!((s.rho, s.p_value), (1.0, 0.0));
        let s = spearman(&[1.0, 2.0, 3.0, 4.0], &[4.0, 3.0, 2.0, 1.0]).unwrap();
        assert_eq!(s.rho, -1.0);
        assert!(matches!(
            spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]),
            Err(StatsError::ConstantInput { .. })
        ));
        assert!(matches!(
            spearman(&[1.0, 2.0], &[1.0, 2.0]),
            Err(StatsError::Invalid(_))
        ));
        assert_eq!(spearman(&[], &[]), Err(StatsError::Empty));
        assert!(matches!(
            spearman(&[1.0, f64::NAN, 2.0], &[1.0, 2.0, 3.0]),
            Err(StatsError::NonFinite { index: 1, .. })
        ));
    }
}
