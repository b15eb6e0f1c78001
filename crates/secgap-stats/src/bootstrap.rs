//! Seeded cluster bootstrap with percentile intervals.
//!
//! Samples of the same task are not independent (a task that is hard is
//! hard for every sample), so the bootstrap resamples whole clusters
//! (tasks): each replicate draws G clusters with replacement from the G
//! observed ones and recomputes the statistic on all their observations.
//! The 95 % interval is the percentile interval: the 2.5th and 97.5th
//! percentiles of the replicate statistics, interpolated linearly between
//! order statistics (position (R - 1)·q in the sorted replicates, the
//! default of numpy's `percentile` and R's type 7). Draws come from
//! [`SeededRng`], so a seed gives the same interval on every platform.

use serde::Serialize;

use super::{check_len, Clusters, SeededRng, StatsError};

/// Replicates to use when the caller has no reason to choose otherwise.
pub const DEFAULT_REPLICATES: usize = 2000;

/// A percentile bootstrap interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BootstrapInterval {
    /// The statistic on the observed data.
    pub estimate: f64,
    /// 2.5th percentile of the replicate statistics.
    pub lo: f64,
    /// 97.5th percentile of the replicate statistics.
    pub hi: f64,
    /// Replicates drawn.
    pub replicates: usize,
    /// Replicates on which the statistic was undefined (left out of the
    /// percentiles).
    pub undefined: usize,
    /// Clusters resampled.
    pub clusters: usize,
    pub seed: u64,
}

/// Percentile bootstrap of any statistic over clusters. `statistic`
/// receives the observation indices of a replicate (a cluster drawn twice
/// appears twice) and returns `None` when it is undefined there. Needs at
/// least two clusters and one replicate; fails when the statistic is
/// undefined on the observed data or on every replicate.
pub fn cluster_bootstrap<F>(
    clusters: &Clusters,
    replicates: usize,
    seed: u64,
    mut statistic: F,
) -> Result<BootstrapInterval, StatsError>
where
    F: FnMut(&[usize]) -> Option<f64>,
{
    check_setup(clusters, replicates)?;
    let all: Vec<usize> = (0..clusters.len()).collect();
    let estimate = statistic(&all).ok_or_else(|| {
        StatsError::Undefined("the statistic is undefined on the observed data".into())
    })?;
    let members = clusters.members();
    let g = members.len();
    let mut rng = SeededRng::new(seed);
    let mut values = Vec::with_capacity(replicates);
    let mut rows = Vec::with_capacity(clusters.len());
    for _ in 0..replicates {
        rows.clear();
        for _ in 0..g {
            rows.extend_from_slice(&members[rng.below(g as u64) as usize]);
        }
        if let Some(v) = statistic(&rows).filter(|v| v.is_finite()) {
            values.push(v);
        }
    }
    finish(estimate, values, replicates, g, seed)
}

/// Percentile bootstrap of a success rate (successes / observations),
/// resampling clusters. Same draws, hence the same interval, as
/// [`cluster_bootstrap`] with the rate as statistic, only faster.
pub fn bootstrap_rate(
    successes: &[bool],
    clusters: &Clusters,
    replicates: usize,
    seed: u64,
) -> Result<BootstrapInterval, StatsError> {
    check_len("cluster labels", successes.len(), clusters.len())?;
    check_setup(clusters, replicates)?;
    let g = clusters.count();
    let mut per = vec![(0u64, 0u64); g];
    for (&s, &c) in successes.iter().zip(clusters.ids()) {
        per[c].0 += s as u64;
        per[c].1 += 1;
    }
    let total: u64 = per.iter().map(|p| p.0).sum();
    let estimate = total as f64 / successes.len() as f64;
    let mut rng = SeededRng::new(seed);
    let mut values = Vec::with_capacity(replicates);
    for _ in 0..replicates {
        let (mut s, mut n) = (0u64, 0u64);
        for _ in 0..g {
            let p = per[rng.below(g as u64) as usize];
            s += p.0;
            n += p.1;
        }
        values.push(s as f64 / n as f64);
    }
    finish(estimate, values, replicates, g, seed)
}

fn check_setup(clusters: &Clusters, replicates: usize) -> Result<(), StatsError> {
    if clusters.is_empty() {
        return Err(StatsError::Empty);
    }
    if replicates == 0 {
        return Err(StatsError::Invalid(
            "the bootstrap needs at least one replicate".into(),
        ));
    }
    if clusters.count() < 2 {
        return Err(StatsError::TooFewClusters {
            what: "a cluster bootstrap".into(),
            needed: 2,
            found: clusters.count(),
        });
    }
    Ok(())
}

fn finish(
    estimate: f64,
    mut values: Vec<f64>,
    replicates: usize,
    clusters: usize,
    seed: u64,
) -> Result<BootstrapInterval, StatsError> {
    if values.is_empty() {
        return Err(StatsError::Undefined(
            "the statistic is undefined on every bootstrap replicate".into(),
        ));
    }
    values.sort_by(f64::total_cmp);
    Ok(BootstrapInterval {
        estimate,
        lo: percentile(&values, 0.025),
        hi: percentile(&values, 0.975),
        replicates,
        undefined: replicates - values.len(),
        clusters,
        seed,
    })
}

/// The q-quantile of sorted values, interpolating linearly at position
/// (len - 1)·q.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_interpolates() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(percentile(&v, 0.5), 3.0);
        assert_eq!(percentile(&v, 0.025), 1.1);
        assert_eq!(percentile(&[7.0], 0.975), 7.0);
    }

    #[test]
    fn degenerate_setups() {
        let one = Clusters::from_labels(&["t", "t"]);
        assert!(matches!(
            bootstrap_rate(&[true, false], &one, 100, 1),
            Err(StatsError::TooFewClusters { found: 1, .. })
        ));
        let two = Clusters::from_labels(&["a", "b"]);
        assert!(matches!(
            bootstrap_rate(&[true, false], &two, 0, 1),
            Err(StatsError::Invalid(_))
        ));
        let none = Clusters::from_labels::<&str>(&[]);
        assert_eq!(bootstrap_rate(&[], &none, 10, 1), Err(StatsError::Empty));
        assert!(matches!(
            cluster_bootstrap(&two, 10, 1, |_| None),
            Err(StatsError::Undefined(_))
        ));
    }
}
