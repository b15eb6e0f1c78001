//! Fleiss' kappa: agreement of several raters (judges) beyond chance.

use std::collections::BTreeMap;

use serde::Serialize;

use super::StatsError;

/// Fleiss' kappa with its parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleissKappa {
    /// κ = (P̄ - P̄ₑ) / (1 - P̄ₑ): 1 is perfect agreement, 0 what chance
    /// alone gives, below 0 worse than chance.
    pub kappa: f64,
    pub items: usize,
    /// Raters per item (the same for every item).
    pub raters: u64,
    pub categories: usize,
    /// P̄: the mean over items of P_i = (Σ_j n_ij² - n) / (n (n - 1)), the
    /// share of agreeing rater pairs on item i, where n_ij raters put item
    /// i in category j and n is the number of raters.
    pub observed_agreement: f64,
    /// P̄ₑ = Σ_j p_j², where p_j is the share of all ratings in category j.
    pub expected_agreement: f64,
}

/// Fleiss' kappa from an items × categories table of counts: `table[i][j]`
/// raters put item i in category j. Every item must have the same number
/// (at least 2) of raters. Matches statsmodels
/// `inter_rater.fleiss_kappa(table, method="fleiss")`.
///
/// When every rating falls in one category, P̄ₑ = 1 and κ is 0/0: this is
/// returned as [`StatsError::Undefined`] (agreement is perfect but carries
/// no information beyond chance).
pub fn fleiss_kappa(table: &[Vec<u64>]) -> Result<FleissKappa, StatsError> {
    let items = table.len();
    if items == 0 {
        return Err(StatsError::Empty);
    }
    let categories = table[0].len();
    if let Some(i) = table.iter().position(|r| r.len() != categories) {
        return Err(StatsError::LengthMismatch {
            what: format!("categories of item {i}"),
            expected: categories,
            got: table[i].len(),
        });
    }
    let raters: u64 = table[0].iter().sum();
    if let Some(i) = table.iter().position(|r| r.iter().sum::<u64>() != raters) {
        return Err(StatsError::Invalid(format!(
            "item {i} has {} ratings, item 0 has {raters}; every item needs the same number of raters",
            table[i].iter().sum::<u64>()
        )));
    }
    if raters < 2 {
        return Err(StatsError::Invalid(format!(
            "agreement needs at least 2 raters per item, got {raters}"
        )));
    }
    let n = raters as f64;
    let total = n * items as f64;
    let expected_agreement: f64 = (0..categories)
        .map(|j| {
            let pj = table.iter().map(|r| r[j] as f64).sum::<f64>() / total;
            pj * pj
        })
        .sum();
    let observed_agreement = table
        .iter()
        .map(|r| (r.iter().map(|&c| (c * c) as f64).sum::<f64>() - n) / (n * (n - 1.0)))
        .sum::<f64>()
        / items as f64;
    if 1.0 - expected_agreement <= f64::EPSILON {
        return Err(StatsError::Undefined(
            "Fleiss' kappa: every rating is in the same category, so chance agreement is 1 and kappa is 0/0".into(),
        ));
    }
    Ok(FleissKappa {
        kappa: (observed_agreement - expected_agreement) / (1.0 - expected_agreement),
        items,
        raters,
        categories,
        observed_agreement,
        expected_agreement,
    })
}

/// Fleiss' kappa from ratings: `ratings[i]` lists the category each rater
/// gave item i (any ordered labels, e.g. `bool` verdicts). Categories are
/// the distinct labels seen.
pub fn fleiss_kappa_from_ratings<T: Ord>(ratings: &[Vec<T>]) -> Result<FleissKappa, StatsError> {
    let mut index: BTreeMap<&T, usize> = BTreeMap::new();
    for r in ratings.iter().flatten() {
        let next = index.len();
        index.entry(r).or_insert(next);
    }
    let table: Vec<Vec<u64>> = ratings
        .iter()
        .map(|item| {
            let mut row = vec![0u64; index.len()];
            for r in item {
                row[index[r]] += 1;
            }
            row
        })
        .collect();
    fleiss_kappa(&table)
}

/// Cohen's κ for two raters' yes/no verdicts on the same items, from
/// their 2×2 table: `both` said yes, `only_first`, `only_second`, `neither`.
/// κ = (p_o − p_e) / (1 − p_e), with p_o the share of items they agree on
/// and p_e the agreement expected from each rater's own yes rate. None
/// when there is no item, or when p_e = 1 (both raters gave one answer to
/// everything, so agreement beyond chance is undefined).
pub fn cohen_kappa(both: u64, only_first: u64, only_second: u64, neither: u64) -> Option<f64> {
    let n = (both + only_first + only_second + neither) as f64;
    if n == 0.0 {
        return None;
    }
    let observed = (both + neither) as f64 / n;
    let first_yes = (both + only_first) as f64 / n;
    let second_yes = (both + only_second) as f64 / n;
    let expected = first_yes * second_yes + (1.0 - first_yes) * (1.0 - second_yes);
    if (1.0 - expected).abs() < 1e-12 {
        return None;
    }
    let k = (observed - expected) / (1.0 - expected);
    // Rounding leaves -0.0 or 1e-17 where the tables agree exactly with chance.
    Some(if k.abs() < 1e-12 { 0.0 } else { k })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_agreement_is_one() {
        let k = fleiss_kappa_from_ratings(&[
            vec![true, true, true],
            vec![false, false, false],
            vec![true, true, true],
        ])
        .unwrap();
        assert!((k.kappa - 1.0).abs() < 1e-12);
        assert_eq!((k.items, k.raters, k.categories), (3, 3, 2));
    }

    #[test]
    fn cohen_on_known_tables() {
        // 20 yes-yes, 5 + 10 disagreements, 15 no-no: p_o = 0.7,
        // p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5, so kappa = 0.4.
        let k = cohen_kappa(20, 5, 10, 15).unwrap();
        assert!((k - 0.4).abs() < 1e-12, "{k}");
        assert!((cohen_kappa(7, 0, 0, 3).unwrap() - 1.0).abs() < 1e-12);
        // Opposite answers on every item: as far below chance as it goes.
        assert!((cohen_kappa(0, 5, 5, 0).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(cohen_kappa(0, 0, 0, 0), None);
        assert_eq!(cohen_kappa(4, 0, 0, 0), None);
    }

    #[test]
    fn degenerate_tables() {
        assert_eq!(fleiss_kappa(&[]), Err(StatsError::Empty));
        assert!(matches!(
            fleiss_kappa_from_ratings(&[vec![1, 1], vec![1, 1]]),
            Err(StatsError::Undefined(_))
        ));
        assert!(matches!(
            fleiss_kappa(&[vec![2, 0], vec![1, 2]]),
            Err(StatsError::Invalid(_))
        ));
        assert!(matches!(
            fleiss_kappa(&[vec![1, 0]]),
            Err(StatsError::Invalid(_))
        ));
    }
}
