//! Design matrices for regressions and cluster labels.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{check_finite, check_len, StatsError};

/// A design matrix: `rows` observations by `names.len()` predictor
/// columns, stored row by row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Design {
    names: Vec<String>,
    rows: usize,
    data: Vec<f64>,
    factors: Vec<Factor>,
}

/// A categorical term of a design, coded with treatment (dummy) contrasts:
/// one 0/1 column per level other than the reference level, named
/// `term[T.level]`; the reference level is absorbed in the intercept, so
/// each coefficient is the log odds ratio of its level against the
/// reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    pub term: String,
    pub reference: String,
    /// The non-reference levels, in the order of their columns.
    pub levels: Vec<String>,
}

impl Design {
    /// A design from explicit rows; every row must have `names.len()`
    /// finite values.
    pub fn from_rows(names: Vec<String>, rows: &[Vec<f64>]) -> Result<Design, StatsError> {
        let mut data = Vec::with_capacity(rows.len() * names.len());
        for (i, row) in rows.iter().enumerate() {
            check_len(&format!("design row {i}"), names.len(), row.len())?;
            check_finite(&format!("design row {i}"), row)?;
            data.extend_from_slice(row);
        }
        Ok(Design {
            names,
            rows: rows.len(),
            data,
            factors: Vec::new(),
        })
    }

    /// Starts a design for `rows` observations; add terms in order.
    pub fn builder(rows: usize) -> DesignBuilder {
        DesignBuilder {
            rows,
            names: Vec::new(),
            columns: Vec::new(),
            factors: Vec::new(),
            error: None,
        }
    }

    /// Column names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of observations.
    pub fn nrows(&self) -> usize {
        self.rows
    }

    /// Number of predictor columns (parameters of the model).
    pub fn ncols(&self) -> usize {
        self.names.len()
    }

    /// One observation's predictor values.
    pub fn row(&self, i: usize) -> &[f64] {
        let k = self.ncols();
        &self.data[i * k..(i + 1) * k]
    }

    /// The value of predictor `j` for observation `i`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[i * self.ncols() + j]
    }

    /// The categorical terms and their reference levels.
    pub fn factors(&self) -> &[Factor] {
        &self.factors
    }

    /// Index of a column whose every value is exactly 1 (an intercept).
    pub fn intercept_column(&self) -> Option<usize> {
        (0..self.ncols()).find(|&j| self.rows > 0 && (0..self.rows).all(|i| self.get(i, j) == 1.0))
    }

    /// The first column that is (numerically) a linear combination of the
    /// columns before it, found by modified Gram–Schmidt on the columns
    /// scaled to unit length.
    pub(crate) fn first_dependent_column(&self) -> Option<usize> {
        let (n, k) = (self.rows, self.ncols());
        let mut basis: Vec<Vec<f64>> = Vec::with_capacity(k);
        for j in 0..k {
            let mut v: Vec<f64> = (0..n).map(|i| self.get(i, j)).collect();
            let norm0 = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm0 == 0.0 {
                return Some(j);
            }
            v.iter_mut().for_each(|x| *x /= norm0);
            for q in &basis {
                let dot: f64 = v.iter().zip(q).map(|(a, b)| a * b).sum();
                v.iter_mut().zip(q).for_each(|(a, b)| *a -= dot * b);
            }
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm < 1e-9 {
                return Some(j);
            }
            v.iter_mut().for_each(|x| *x /= norm);
            basis.push(v);
        }
        None
    }
}

/// Builds a [`Design`] term by term: an intercept, continuous predictors
/// and treatment-coded categorical terms. The first error is kept and
/// returned by [`DesignBuilder::build`].
#[derive(Debug, Clone)]
pub struct DesignBuilder {
    rows: usize,
    names: Vec<String>,
    columns: Vec<Vec<f64>>,
    factors: Vec<Factor>,
    error: Option<StatsError>,
}

impl DesignBuilder {
    /// Adds a column of ones named `Intercept`.
    pub fn intercept(mut self) -> Self {
        self.names.push("Intercept".to_string());
        self.columns.push(vec![1.0; self.rows]);
        self
    }

    /// Adds a continuous predictor as it is (no centring or scaling).
    pub fn continuous(mut self, name: &str, values: &[f64]) -> Self {
        if self.error.is_some() {
            return self;
        }
        if let Err(e) =
            check_len(name, self.rows, values.len()).and_then(|_| check_finite(name, values))
        {
            self.error = Some(e);
            return self;
        }
        self.names.push(name.to_string());
        self.columns.push(values.to_vec());
        self
    }

    /// Adds a categorical term with treatment coding. Levels are sorted
    /// (byte order of the label); the reference level is `reference` when
    /// given, otherwise the first sorted level. One column `name[T.level]`
    /// per other level, 1 where the observation has that level.
    pub fn categorical<S: AsRef<str>>(
        mut self,
        name: &str,
        labels: &[S],
        reference: Option<&str>,
    ) -> Self {
        if self.error.is_some() {
            return self;
        }
        if let Err(e) = check_len(name, self.rows, labels.len()) {
            self.error = Some(e);
            return self;
        }
        let levels: BTreeSet<&str> = labels.iter().map(|s| s.as_ref()).collect();
        let reference = match reference {
            Some(r) if levels.contains(r) => r.to_string(),
            Some(r) => {
                self.error = Some(StatsError::Invalid(format!(
                    "reference level `{r}` of `{name}` does not occur in the data"
                )));
                return self;
            }
            None => match levels.iter().next() {
                Some(first) => first.to_string(),
                None => return self,
            },
        };
        let mut others = Vec::new();
        for level in levels.iter().filter(|l| **l != reference) {
            self.names.push(format!("{name}[T.{level}]"));
            self.columns.push(
                labels
                    .iter()
                    .map(|s| if s.as_ref() == *level { 1.0 } else { 0.0 })
                    .collect(),
            );
            others.push(level.to_string());
        }
        self.factors.push(Factor {
            term: name.to_string(),
            reference,
            levels: others,
        });
        self
    }

    /// The design, or the first error met while adding terms.
    pub fn build(self) -> Result<Design, StatsError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let k = self.columns.len();
        let mut data = Vec::with_capacity(self.rows * k);
        for i in 0..self.rows {
            data.extend(self.columns.iter().map(|c| c[i]));
        }
        Ok(Design {
            names: self.names,
            rows: self.rows,
            data,
            factors: self.factors,
        })
    }
}

/// Cluster membership of observations (for cluster-robust standard errors
/// and the cluster bootstrap): a dense id in `0..count()` per observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clusters {
    ids: Vec<usize>,
    count: usize,
}

impl Clusters {
    /// Clusters from labels (task ids, for instance); ids follow the sorted
    /// order of the distinct labels.
    pub fn from_labels<T: Ord>(labels: &[T]) -> Clusters {
        let mut index: BTreeMap<&T, usize> = BTreeMap::new();
        for l in labels {
            index.entry(l).or_insert(0);
        }
        for (i, v) in index.values_mut().enumerate() {
            *v = i;
        }
        Clusters {
            ids: labels.iter().map(|l| index[l]).collect(),
            count: index.len(),
        }
    }

    /// Clusters from integer ids of any range (relabelled densely).
    pub fn from_ids(ids: &[usize]) -> Clusters {
        Clusters::from_labels(ids)
    }

    /// The dense cluster id of each observation.
    pub fn ids(&self) -> &[usize] {
        &self.ids
    }

    /// Number of observations.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when there are no observations.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Number of distinct clusters.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Observation indices of each cluster, by cluster id.
    pub fn members(&self) -> Vec<Vec<usize>> {
        let mut m = vec![Vec::new(); self.count];
        for (i, &c) in self.ids.iter().enumerate() {
            m[c].push(i);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn treatment_coding_names_and_reference() {
        let d = Design::builder(4)
            .intercept()
            .continuous("u", &[0.1, 0.2, 0.3, 0.4])
            .categorical("subject", &["b", "a", "c", "a"], None)
            .build()
            .unwrap();
        assert_eq!(
            d.names(),
            ["Intercept", "u", "subject[T.b]", "subject[T.c]"]
        );
        assert_eq!(d.row(0), [1.0, 0.1, 1.0, 0.0]);
        assert_eq!(d.row(2), [1.0, 0.3, 0.0, 1.0]);
        assert_eq!(d.factors()[0].reference, "a");
        assert_eq!(d.intercept_column(), Some(0));
        let d = Design::builder(3)
            .categorical("s", &["x", "y", "z"], Some("y"))
            .build()
            .unwrap();
        assert_eq!(d.names(), ["s[T.x]", "s[T.z]"]);
    }

    #[test]
    fn builder_errors() {
        let e = Design::builder(2).continuous("u", &[1.0]).build();
        assert!(matches!(e, Err(StatsError::LengthMismatch { .. })));
        let e = Design::builder(2).continuous("u", &[1.0, f64::NAN]).build();
        assert!(matches!(e, Err(StatsError::NonFinite { index: 1, .. })));
        let e = Design::builder(2)
            .categorical("s", &["a", "b"], Some("q"))
            .build();
        assert!(matches!(e, Err(StatsError::Invalid(_))));
    }

    #[test]
    fn dependent_columns_are_found() {
        let d = Design::builder(3)
            .intercept()
            .continuous("c", &[2.0, 2.0, 2.0])
            .build()
            .unwrap();
        assert_eq!(d.first_dependent_column(), Some(1));
        let d = Design::builder(3)
            .intercept()
            .continuous("u", &[1.0, 2.0, 4.0])
            .build()
            .unwrap();
        assert_eq!(d.first_dependent_column(), None);
    }

    #[test]
    fn clusters_are_dense() {
        let c = Clusters::from_labels(&["t2", "t1", "t2", "t9"]);
        assert_eq!(c.ids(), [1, 0, 1, 2]);
        assert_eq!(c.count(), 3);
        assert_eq!(c.members(), vec![vec![1], vec![0, 2], vec![3]]);
        assert_eq!(Clusters::from_ids(&[7, 7, 3]).ids(), [1, 1, 0]);
    }
}
