//! Detection of complete and quasi-complete separation in a binary
//! regression, by linear programming.
//!
//! Write s_i = +1 when y_i is true and -1 otherwise, and a_i = s_i x_i for
//! observation i's predictor row x_i. The maximum-likelihood estimate of a
//! logistic regression with a full-rank design exists exactly when no
//! direction d ≠ 0 has a_i·d ≥ 0 for every i (Albert & Anderson, 1984):
//! along such a direction the likelihood never decreases, so the estimate
//! runs off to infinity. The separation is *complete* when some d has
//! a_i·d > 0 for every i (the predictors classify every observation
//! perfectly) and *quasi-complete* otherwise.
//!
//! The directions form a convex cone. Coefficient j is unbounded exactly
//! when some direction in the cone has d_j ≠ 0; we decide this with two
//! small linear programmes per coefficient (maximise d_j and -d_j over the
//! cone cut by the box |d| ≤ 1), and completeness with one more (maximise
//! the smallest margin t with a_i·d ≥ t). The programmes are solved in
//! their dual form, which has one equation per coefficient and a starting
//! basis for free, by the simplex method with Bland's rule (which cannot
//! cycle). Columns are scaled to a largest absolute value of 1 first,
//! which changes neither the cone's support nor its signs.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{Design, StatsError};

/// How the outcome is separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeparationKind {
    /// A linear combination of the predictors classifies every observation
    /// correctly.
    Complete,
    /// A linear combination classifies every observation correctly or
    /// lands exactly on the boundary, with at least one on each side.
    QuasiComplete,
}

/// Which way an unbounded coefficient runs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    PlusInfinity,
    MinusInfinity,
    /// The likelihood can be increased without bound with this coefficient
    /// going either way (typical under complete separation, where many
    /// directions separate).
    EitherSign,
}

/// A coefficient whose maximum-likelihood estimate does not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnboundedCoefficient {
    pub name: String,
    pub direction: Direction,
}

/// A predictor that separates the outcome on its own (with the intercept,
/// when the design has one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SinglePredictor {
    pub name: String,
    pub kind: SeparationKind,
    /// Sign of the predictor's coefficient along the separating direction.
    pub direction: Direction,
}

/// A level of a categorical term whose outcomes are all the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OneClassLevel {
    pub term: String,
    pub level: String,
    pub outcome: bool,
    pub observations: usize,
}

/// The finding that the outcome is separated: which kind, which
/// coefficients are unbounded, and which predictors (or factor levels)
/// cause it, in plain words in `message`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Separation {
    pub kind: SeparationKind,
    pub unbounded: Vec<UnboundedCoefficient>,
    pub single_predictors: Vec<SinglePredictor>,
    pub one_class_levels: Vec<OneClassLevel>,
    pub message: String,
}

/// Margins below this (on columns scaled to max |x| = 1) count as zero.
const LP_TOL: f64 = 1e-7;

/// Decides whether `y` is separated by the columns of `x`. Returns `None`
/// when the maximum-likelihood estimate exists. Expects a full-rank design
/// with both outcome classes present (as [`super::fit_logit`] checks).
pub fn detect_separation(y: &[bool], x: &Design) -> Result<Option<Separation>, StatsError> {
    let k = x.ncols();
    let cols: Vec<usize> = (0..k).collect();
    let a = scaled_rows(y, x, &cols);
    let mut unbounded = Vec::new();
    for (j, name) in x.names().iter().enumerate() {
        if let Some(direction) = coefficient_direction(&a, k, j)? {
            unbounded.push(UnboundedCoefficient {
                name: name.clone(),
                direction,
            });
        }
    }
    if unbounded.is_empty() {
        return Ok(None);
    }
    let kind = if max_margin(&a, k)? > LP_TOL {
        SeparationKind::Complete
    } else {
        SeparationKind::QuasiComplete
    };

    let intercept = x.intercept_column();
    let mut single_predictors = Vec::new();
    for (j, name) in x.names().iter().enumerate() {
        if Some(j) == intercept {
            continue;
        }
        let cols: Vec<usize> = intercept.into_iter().chain([j]).collect();
        let a = scaled_rows(y, x, &cols);
        let last = cols.len() - 1;
        if let Some(direction) = coefficient_direction(&a, cols.len(), last)? {
            let kind = if max_margin(&a, cols.len())? > LP_TOL {
                SeparationKind::Complete
            } else {
                SeparationKind::QuasiComplete
            };
            single_predictors.push(SinglePredictor {
                name: name.clone(),
                kind,
                direction,
            });
        }
    }
    let one_class_levels = one_class_levels(y, x);
    let message = describe(kind, &unbounded, &single_predictors, &one_class_levels);
    Ok(Some(Separation {
        kind,
        unbounded,
        single_predictors,
        one_class_levels,
        message,
    }))
}

fn describe(
    kind: SeparationKind,
    unbounded: &[UnboundedCoefficient],
    singles: &[SinglePredictor],
    levels: &[OneClassLevel],
) -> String {
    let kind = match kind {
        SeparationKind::Complete => "complete separation",
        SeparationKind::QuasiComplete => "quasi-complete separation",
    };
    let names: Vec<&str> = unbounded.iter().map(|u| u.name.as_str()).collect();
    let mut msg = format!(
        "{kind}: the maximum-likelihood estimate does not exist (unbounded: {})",
        names.join(", ")
    );
    let mut causes: Vec<String> = singles
        .iter()
        .map(|s| format!("`{}` separates the outcome on its own", s.name))
        .collect();
    causes.extend(levels.iter().map(|l| {
        format!(
            "every one of the {} observations with {} = {} has outcome {}",
            l.observations, l.term, l.level, l.outcome
        )
    }));
    if causes.is_empty() {
        msg.push_str("; no single predictor separates the outcome, a combination does");
    } else {
        msg.push_str("; ");
        msg.push_str(&causes.join("; "));
    }
    msg
}

/// Factor levels (reference included) whose observations all have the same
/// outcome.
fn one_class_levels(y: &[bool], x: &Design) -> Vec<OneClassLevel> {
    let mut out = Vec::new();
    for f in x.factors() {
        let cols: Vec<Option<usize>> = f
            .levels
            .iter()
            .map(|l| {
                let name = format!("{}[T.{}]", f.term, l);
                x.names().iter().position(|n| *n == name)
            })
            .collect();
        if cols.iter().any(|c| c.is_none()) {
            continue;
        }
        let cols: Vec<usize> = cols.into_iter().flatten().collect();
        // Level index per observation: 0 = reference, 1.. = the columns.
        let mut counts = vec![(0usize, 0usize); cols.len() + 1];
        for (i, &yi) in y.iter().enumerate() {
            let level = cols
                .iter()
                .position(|&c| x.get(i, c) == 1.0)
                .map_or(0, |p| p + 1);
            if yi {
                counts[level].1 += 1;
            } else {
                counts[level].0 += 1;
            }
        }
        for (idx, &(zeros, ones)) in counts.iter().enumerate() {
            let level = if idx == 0 {
                f.reference.clone()
            } else {
                f.levels[idx - 1].clone()
            };
            if zeros + ones > 0 && (zeros == 0 || ones == 0) {
                out.push(OneClassLevel {
                    term: f.term.clone(),
                    level,
                    outcome: ones > 0,
                    observations: zeros + ones,
                });
            }
        }
    }
    out
}

/// Rows a_i = s_i x_i over the chosen columns, each column scaled to a
/// largest absolute value of 1, duplicates removed.
fn scaled_rows(y: &[bool], x: &Design, cols: &[usize]) -> Vec<Vec<f64>> {
    let scale: Vec<f64> = cols
        .iter()
        .map(|&j| {
            let m = (0..x.nrows()).fold(0.0f64, |m, i| m.max(x.get(i, j).abs()));
            if m > 0.0 {
                m
            } else {
                1.0
            }
        })
        .collect();
    let mut seen = BTreeSet::new();
    let mut rows = Vec::new();
    for (i, &yi) in y.iter().enumerate() {
        let s = if yi { 1.0 } else { -1.0 };
        let row: Vec<f64> = cols
            .iter()
            .zip(&scale)
            .map(|(&j, sc)| s * x.get(i, j) / sc + 0.0)
            .collect();
        let key: Vec<u64> = row.iter().map(|v| v.to_bits()).collect();
        if seen.insert(key) {
            rows.push(row);
        }
    }
    rows
}

/// Whether coefficient j can be non-zero along a separating direction, and
/// with which sign(s).
fn coefficient_direction(
    a: &[Vec<f64>],
    k: usize,
    j: usize,
) -> Result<Option<Direction>, StatsError> {
    let mut g = vec![0.0; k];
    g[j] = 1.0;
    let up = max_over_cone(a, k, &g)? > LP_TOL;
    g[j] = -1.0;
    let down = max_over_cone(a, k, &g)? > LP_TOL;
    Ok(match (up, down) {
        (true, true) => Some(Direction::EitherSign),
        (true, false) => Some(Direction::PlusInfinity),
        (false, true) => Some(Direction::MinusInfinity),
        (false, false) => None,
    })
}

/// max g·d subject to a_i·d ≥ 0 for all i and -1 ≤ d_j ≤ 1, solved as its
/// dual: min Σu + Σl subject to -Aᵀλ + u - l = g, λ, u, l ≥ 0.
fn max_over_cone(a: &[Vec<f64>], k: usize, g: &[f64]) -> Result<f64, StatsError> {
    let m = a.len();
    let n = m + 2 * k;
    let mut t = vec![0.0; k * (n + 1)];
    let mut cost = vec![0.0; n];
    let mut basis = Vec::with_capacity(k);
    for j in 0..k {
        // Flip the row when g_j < 0 so that its right-hand side is >= 0.
        let sign = if g[j] < 0.0 { -1.0 } else { 1.0 };
        let row = &mut t[j * (n + 1)..(j + 1) * (n + 1)];
        for (i, ai) in a.iter().enumerate() {
            row[i] = -sign * ai[j];
        }
        row[m + j] = sign;
        row[m + k + j] = -sign;
        row[n] = sign * g[j];
        basis.push(if sign > 0.0 { m + j } else { m + k + j });
    }
    cost[m..n].iter_mut().for_each(|c| *c = 1.0);
    simplex_min(k, n, t, &cost, basis)
}

/// max t subject to a_i·d ≥ t for all i, -1 ≤ d_j ≤ 1 and 0 ≤ t ≤ 1, solved
/// as its dual: min Σu + Σl + s subject to -Aᵀλ + u - l = 0 and
/// Σλ + s - σ = 1, all variables ≥ 0.
fn max_margin(a: &[Vec<f64>], k: usize) -> Result<f64, StatsError> {
    let m = a.len();
    // Columns: λ (m), u (k), l (k), s, σ.
    let n = m + 2 * k + 2;
    let rows = k + 1;
    let mut t = vec![0.0; rows * (n + 1)];
    let mut cost = vec![0.0; n];
    let mut basis = Vec::with_capacity(rows);
    for j in 0..k {
        let row = &mut t[j * (n + 1)..(j + 1) * (n + 1)];
        for (i, ai) in a.iter().enumerate() {
            row[i] = -ai[j];
        }
        row[m + j] = 1.0;
        row[m + k + j] = -1.0;
        basis.push(m + j);
    }
    let row = &mut t[k * (n + 1)..(k + 1) * (n + 1)];
    row[..m].iter_mut().for_each(|v| *v = 1.0);
    row[m + 2 * k] = 1.0;
    row[m + 2 * k + 1] = -1.0;
    row[n] = 1.0;
    basis.push(m + 2 * k);
    cost[m..m + 2 * k + 1].iter_mut().for_each(|c| *c = 1.0);
    simplex_min(rows, n, t, &cost, basis)
}

/// Minimises cost·x subject to T x = rhs, x ≥ 0, where `t` is the m × (n+1)
/// tableau (right-hand sides ≥ 0 in the last column) and `basis` names m
/// columns that are unit vectors. Bland's rule: the entering column is the
/// lowest-indexed one with a negative reduced cost, ties in the ratio test
/// go to the lowest-indexed basic variable. Returns the optimal value.
fn simplex_min(
    m: usize,
    n: usize,
    mut t: Vec<f64>,
    cost: &[f64],
    mut basis: Vec<usize>,
) -> Result<f64, StatsError> {
    const EPS: f64 = 1e-11;
    let w = n + 1;
    // Reduced costs r_j = c_j - c_B·T_j and, in r[n], minus the objective.
    let mut r: Vec<f64> = cost.iter().copied().chain([0.0]).collect();
    for (i, &b) in basis.iter().enumerate() {
        let cb = cost[b];
        if cb != 0.0 {
            for j in 0..w {
                r[j] -= cb * t[i * w + j];
            }
        }
    }
    let max_pivots = 50 * (m + n) + 1000;
    for _ in 0..max_pivots {
        let Some(enter) = (0..n).find(|&j| r[j] < -EPS) else {
            return Ok(-r[n]);
        };
        let mut leave: Option<(usize, f64)> = None;
        for i in 0..m {
            let p = t[i * w + enter];
            if p > EPS {
                let ratio = t[i * w + n] / p;
                let better = match leave {
                    None => true,
                    Some((l, best)) => {
                        ratio < best - 1e-12 || (ratio <= best + 1e-12 && basis[i] < basis[l])
                    }
                };
                if better {
                    leave = Some((i, ratio));
                }
            }
        }
        let Some((p, _)) = leave else {
            return Err(StatsError::Numerical(
                "separation check: linear programme unbounded".into(),
            ));
        };
        let pivot = t[p * w + enter];
        for j in 0..w {
            t[p * w + j] /= pivot;
        }
        let prow: Vec<f64> = t[p * w..(p + 1) * w].to_vec();
        for i in 0..m {
            if i != p {
                let f = t[i * w + enter];
                if f != 0.0 {
                    for j in 0..w {
                        t[i * w + j] -= f * prow[j];
                    }
                }
            }
        }
        let f = r[enter];
        for j in 0..w {
            r[j] -= f * prow[j];
        }
        basis[p] = enter;
    }
    Err(StatsError::Numerical(
        "separation check: simplex did not finish".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn design(u: &[f64], subject: &[&str]) -> Design {
        Design::builder(u.len())
            .intercept()
            .continuous("u", u)
            .categorical("subject", subject, None)
            .build()
            .unwrap()
    }

    #[test]
    fn overlapping_data_is_not_separated() {
        let u = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        let y = [false, true, false, true, false, true];
        let x = Design::builder(6)
            .intercept()
            .continuous("u", &u)
            .build()
            .unwrap();
        assert_eq!(detect_separation(&y, &x).unwrap(), None);
    }

    #[test]
    fn threshold_gives_complete_separation() {
        let u = [0.1, 0.2, 0.3, 0.6, 0.7, 0.8];
        let y = [false, false, false, true, true, true];
        let x = Design::builder(6)
            .intercept()
            .continuous("u", &u)
            .build()
            .unwrap();
        let s = detect_separation(&y, &x).unwrap().unwrap();
        assert_eq!(s.kind, SeparationKind::Complete);
        assert_eq!(s.single_predictors.len(), 1);
        assert_eq!(s.single_predictors[0].name, "u");
        assert_eq!(s.single_predictors[0].direction, Direction::PlusInfinity);
    }

    #[test]
    fn tie_at_threshold_is_quasi_complete() {
        let u = [0.1, 0.2, 0.5, 0.5, 0.7, 0.8];
        let y = [false, false, false, true, true, true];
        let x = Design::builder(6)
            .intercept()
            .continuous("u", &u)
            .build()
            .unwrap();
        let s = detect_separation(&y, &x).unwrap().unwrap();
        assert_eq!(s.kind, SeparationKind::QuasiComplete);
        let names: Vec<_> = s.unbounded.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["Intercept", "u"]);
        assert_eq!(s.unbounded[1].direction, Direction::PlusInfinity);
        assert_eq!(s.unbounded[0].direction, Direction::MinusInfinity);
    }

    #[test]
    fn one_class_level_is_named() {
        let u = [0.1, 0.9, 0.4, 0.6, 0.3, 0.2, 0.8, 0.5];
        let subject = ["a", "a", "b", "b", "c", "c", "c", "a"];
        let y = [true, false, false, true, true, true, true, false];
        let s = detect_separation(&y, &design(&u, &subject))
            .unwrap()
            .unwrap();
        assert_eq!(s.kind, SeparationKind::QuasiComplete);
        assert_eq!(
            s.unbounded,
            vec![UnboundedCoefficient {
                name: "subject[T.c]".into(),
                direction: Direction::PlusInfinity
            }]
        );
        assert_eq!(s.one_class_levels.len(), 1);
        assert_eq!(s.one_class_levels[0].level, "c");
        assert!(s.message.contains("subject = c"), "{}", s.message);
    }
}
