//! Rates: the unbiased pass@k estimator, pass^k and the Wilson score
//! interval. The run metrics and the tests of proportions both use them.

use serde::Serialize;

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Unbiased estimator of pass@k from n samples of which c passed:
/// 1 - C(n-c, k) / C(n, k), computed as a stable product.
pub fn pass_at_k(n: u32, c: u32, k: u32) -> f64 {
    assert!(
        k >= 1 && k <= n && c <= n,
        "pass_at_k needs 1 <= k <= n and c <= n"
    );
    if n - c < k {
        return 1.0;
    }
    let mut miss = 1.0;
    for i in (n - c + 1)..=n {
        miss *= 1.0 - k as f64 / i as f64;
    }
    1.0 - miss
}

/// pass^k: the chance that k samples drawn without replacement all pass,
/// C(c, k) / C(n, k).
pub fn pass_hat_k(n: u32, c: u32, k: u32) -> f64 {
    assert!(
        k >= 1 && k <= n && c <= n,
        "pass_hat_k needs 1 <= k <= n and c <= n"
    );
    if c < k {
        return 0.0;
    }
    (0..k).map(|i| (c - i) as f64 / (n - i) as f64).product()
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

/// Wilson score interval for a binomial proportion.
pub fn wilson(successes: u64, trials: u64, z: f64) -> Interval {
    if trials == 0 {
        return Interval { lo: 0.0, hi: 1.0 };
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Interval {
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
    }
}
