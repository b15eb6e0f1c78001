//! McNemar's test for paired binary outcomes (two strategies or two
//! subjects on the same samples).

use serde::Serialize;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

use super::{check_len, StatsError};
use crate::rates::{wilson, Interval, Z95};

/// The 2×2 table of paired outcomes: for each pair, whether the first and
/// the second member succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PairedTable {
    /// Both succeeded.
    pub both: u64,
    /// Only the first succeeded (McNemar's b).
    pub first_only: u64,
    /// Only the second succeeded (McNemar's c).
    pub second_only: u64,
    /// Neither succeeded.
    pub neither: u64,
}

impl PairedTable {
    /// Counts the table from paired outcomes.
    pub fn from_pairs(first: &[bool], second: &[bool]) -> Result<PairedTable, StatsError> {
        check_len("second", first.len(), second.len())?;
        let mut t = PairedTable {
            both: 0,
            first_only: 0,
            second_only: 0,
            neither: 0,
        };
        for (&a, &b) in first.iter().zip(second) {
            match (a, b) {
                (true, true) => t.both += 1,
                (true, false) => t.first_only += 1,
                (false, true) => t.second_only += 1,
                (false, false) => t.neither += 1,
            }
        }
        Ok(t)
    }

    /// Number of pairs.
    pub fn total(&self) -> u64 {
        self.both + self.first_only + self.second_only + self.neither
    }
}

/// A test statistic and its p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TestResult {
    pub statistic: f64,
    pub p_value: f64,
}

/// McNemar's test and the paired difference in success rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McNemar {
    pub pairs: u64,
    /// Pairs where only the first succeeded.
    pub b: u64,
    /// Pairs where only the second succeeded.
    pub c: u64,
    /// Exact test: under the null each discordant pair is equally likely
    /// to go either way, so min(b, c) is Binomial(b + c, ½); the statistic
    /// is min(b, c) and the two-sided p-value is
    /// min(1, 2·P(X ≤ min(b, c))), as statsmodels `mcnemar(exact=True)`.
    /// With no discordant pair the p-value is 1.
    pub exact: TestResult,
    /// Chi-squared test with continuity correction:
    /// (|b - c| - 1)² / (b + c) on 1 degree of freedom, as statsmodels
    /// `mcnemar(exact=False, correction=True)` (which does not floor
    /// |b - c| - 1 at zero, so b = c gives 1 / (b + c)). `None` when there
    /// is no discordant pair, where the statistic is undefined.
    pub chi2: Option<TestResult>,
    /// First rate minus second rate, (b - c) / pairs.
    pub difference: f64,
    /// 95 % interval for `difference`: Newcombe's hybrid score interval for
    /// paired proportions (Newcombe 1998, method 10). It combines the
    /// Wilson intervals (l₁, u₁) and (l₂, u₂) of the two rates p₁, p₂ with
    /// the correlation φ of the paired outcomes:
    /// lower = d - √((p₁-l₁)² - 2φ(p₁-l₁)(u₂-p₂) + (u₂-p₂)²),
    /// upper = d + √((u₁-p₁)² - 2φ(u₁-p₁)(p₂-l₂) + (p₂-l₂)²),
    /// where φ estimates the correlation of the paired outcomes with
    /// Newcombe's adjustment: with A = both·neither - b·c and M the product
    /// of the four margins, φ = (A - n/2)/√M when A > n/2, 0 when
    /// 0 ≤ A ≤ n/2, A/√M when A < 0, and 0 when a margin is 0 (as in
    /// Fagerland, Lydersen & Laake's implementation of the paired
    /// square-and-add interval). Unlike the Wald interval it stays inside
    /// [-1, 1] and does not collapse when b = c = 0.
    pub difference_ci: Interval,
}

/// McNemar's test for a paired table; needs at least one pair.
pub fn mcnemar(table: &PairedTable) -> Result<McNemar, StatsError> {
    let n = table.total();
    if n == 0 {
        return Err(StatsError::Empty);
    }
    let (b, c) = (table.first_only, table.second_only);
    let discordant = b + c;
    let exact = if discordant == 0 {
        TestResult {
            statistic: 0.0,
            p_value: 1.0,
        }
    } else {
        let s = b.min(c);
        let dist = Binomial::new(0.5, discordant)
            .map_err(|e| StatsError::Numerical(format!("binomial: {e}")))?;
        TestResult {
            statistic: s as f64,
            p_value: (2.0 * dist.cdf(s)).min(1.0),
        }
    };
    let chi2 = if discordant == 0 {
        None
    } else {
        let d = (b as f64 - c as f64).abs() - 1.0;
        let statistic = d * d / discordant as f64;
        let dist =
            ChiSquared::new(1.0).map_err(|e| StatsError::Numerical(format!("chi-squared: {e}")))?;
        Some(TestResult {
            statistic,
            p_value: dist.sf(statistic),
        })
    };
    let nf = n as f64;
    let difference = (b as f64 - c as f64) / nf;
    Ok(McNemar {
        pairs: n,
        b,
        c,
        exact,
        chi2,
        difference,
        difference_ci: newcombe_paired(table),
    })
}

/// Newcombe's hybrid score interval (method 10) for the difference of two
/// paired proportions, at 95 %.
fn newcombe_paired(t: &PairedTable) -> Interval {
    let n = t.total();
    let nf = n as f64;
    let first = t.both + t.first_only;
    let second = t.both + t.second_only;
    let (p1, p2) = (first as f64 / nf, second as f64 / nf);
    let w1 = wilson(first, n, Z95);
    let w2 = wilson(second, n, Z95);
    let margins = [
        first as f64,
        (t.second_only + t.neither) as f64,
        second as f64,
        (t.first_only + t.neither) as f64,
    ];
    let phi = if margins.contains(&0.0) {
        0.0
    } else {
        let a = t.both as f64 * t.neither as f64 - t.first_only as f64 * t.second_only as f64;
        let root = margins.iter().product::<f64>().sqrt();
        if a > nf / 2.0 {
            (a - nf / 2.0) / root
        } else if a >= 0.0 {
            0.0
        } else {
            a / root
        }
    };
    let d = p1 - p2;
    let lower = ((p1 - w1.lo).powi(2) - 2.0 * phi * (p1 - w1.lo) * (w2.hi - p2)
        + (w2.hi - p2).powi(2))
    .max(0.0)
    .sqrt();
    let upper = ((w1.hi - p1).powi(2) - 2.0 * phi * (w1.hi - p1) * (p2 - w2.lo)
        + (p2 - w2.lo).powi(2))
    .max(0.0)
    .sqrt();
    Interval {
        lo: (d - lower).max(-1.0),
        hi: (d + upper).min(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_from_pairs() {
        let t = PairedTable::from_pairs(&[true, true, false, false], &[true, false, true, false])
            .unwrap();
        assert_eq!(
            (t.both, t.first_only, t.second_only, t.neither),
            (1, 1, 1, 1)
        );
        assert!(PairedTable::from_pairs(&[true], &[]).is_err());
    }

    #[test]
    fn no_discordant_pairs() {
        let t = PairedTable {
            both: 5,
            first_only: 0,
            second_only: 0,
            neither: 5,
        };
        let m = mcnemar(&t).unwrap();
        assert_eq!(m.exact.p_value, 1.0);
        assert_eq!(m.chi2, None);
        assert_eq!(m.difference, 0.0);
        assert!(m.difference_ci.lo < 0.0 && m.difference_ci.hi > 0.0);
        let empty = PairedTable {
            both: 0,
            first_only: 0,
            second_only: 0,
            neither: 0,
        };
        assert_eq!(mcnemar(&empty), Err(StatsError::Empty));
    }
}
