//! The statistics module against reference results: the JSON fixtures in
//! tests/fixtures/stats were written by make_fixtures.py beside them
//! (statsmodels, scipy, and independent Python implementations). Numbers
//! must agree to 1e-6 (relative to the size of the number when it exceeds
//! 1), Firth's estimates to 1e-4.

use std::path::PathBuf;

use secgap_stats::{
    bootstrap_rate, cluster_bootstrap, fit_firth, fit_logit, fit_logit_or_firth, fleiss_kappa,
    fleiss_kappa_from_ratings, mcnemar, spearman, Clusters, Covariance, Design, Direction,
    Estimator, LogitFit, LogitOutcome, PairedTable, SeededRng, SeparationKind, StatsError,
};
use secgap_stats::{wilson, Z95};
use serde_json::Value;

const TOL: f64 = 1e-6;
const FIRTH_TOL: f64 = 1e-4;

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/stats")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

fn bools(v: &Value) -> Vec<bool> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_bool().unwrap())
        .collect()
}

#[track_caller]
fn close(what: &str, got: f64, want: f64, tol: f64) {
    let scale = want.abs().max(1.0);
    assert!(
        (got - want).abs() <= tol * scale,
        "{what}: got {got}, expected {want} (tolerance {tol})"
    );
}

#[track_caller]
fn close_all(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths differ");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        close(&format!("{what}[{i}]"), *g, *w, tol);
    }
}

/// Intercept + understanding + subject + language, as the fixture script
/// builds it.
fn gap_design(data: &Value, language: bool) -> Design {
    let u = nums(&data["understanding"]);
    let subject = strs(&data["subject"]);
    let mut b = Design::builder(u.len())
        .intercept()
        .continuous("understanding", &u)
        .categorical("subject", &subject, None);
    if language {
        b = b.categorical("language", &strs(&data["language"]), None);
    }
    b.build().unwrap()
}

fn estimated(outcome: LogitOutcome) -> LogitFit {
    match outcome {
        LogitOutcome::Estimated(fit) => fit,
        LogitOutcome::Separated(s) => panic!("unexpected separation: {}", s.message),
    }
}

fn column(fit: &LogitFit, f: impl Fn(&secgap_stats::Coefficient) -> f64) -> Vec<f64> {
    fit.coefficients.iter().map(f).collect()
}

/// Compares a fit with a statsmodels-shaped expectation.
fn check_fit(what: &str, fit: &LogitFit, want: &Value, tol: f64) {
    let names: Vec<String> = fit.coefficients.iter().map(|c| c.name.clone()).collect();
    assert_eq!(names, strs(&want["names"]), "{what}: names");
    close_all(
        &format!("{what} estimates"),
        &column(fit, |c| c.estimate),
        &nums(&want["params"]),
        tol,
    );
    close_all(
        &format!("{what} SEs"),
        &column(fit, |c| c.std_error),
        &nums(&want["bse"]),
        tol,
    );
    close_all(
        &format!("{what} z"),
        &column(fit, |c| c.z),
        &nums(&want["z"]),
        tol,
    );
    close_all(
        &format!("{what} p"),
        &column(fit, |c| c.p_value),
        &nums(&want["pvalues"]),
        tol,
    );
    close_all(
        &format!("{what} CI low"),
        &column(fit, |c| c.ci_low),
        &nums(&want["ci_low"]),
        tol,
    );
    close_all(
        &format!("{what} CI high"),
        &column(fit, |c| c.ci_high),
        &nums(&want["ci_high"]),
        tol,
    );
    close(
        &format!("{what} llf"),
        fit.log_likelihood,
        want["llf"].as_f64().unwrap(),
        tol,
    );
    for c in &fit.coefficients {
        close("odds ratio", c.odds_ratio, c.estimate.exp(), 1e-12);
        close("OR low", c.or_ci_low, c.ci_low.exp(), 1e-12);
        close("OR high", c.or_ci_high, c.ci_high.exp(), 1e-12);
    }
}

#[test]
fn logit_matches_statsmodels() {
    let fx = load("logit.json");
    let y = bools(&fx["data"]["y"]);
    let x = gap_design(&fx["data"], true);
    let fit = estimated(fit_logit(&y, &x, None).unwrap());
    let want = &fx["plain"];
    assert!(fit.converged);
    assert_eq!(fit.estimator, Estimator::MaximumLikelihood);
    assert_eq!(fit.covariance, Covariance::Model);
    check_fit("plain", &fit, want, TOL);
    close_all(
        "odds ratios",
        &column(&fit, |c| c.odds_ratio),
        &nums(&want["odds_ratios"]),
        TOL,
    );
    for (row, want_row) in fit
        .covariance_matrix
        .iter()
        .zip(want["cov_params"].as_array().unwrap())
    {
        close_all("cov_params", row, &nums(want_row), TOL);
    }
    close(
        "llnull",
        fit.null_log_likelihood.unwrap(),
        want["llnull"].as_f64().unwrap(),
        TOL,
    );
    close(
        "prsquared",
        fit.pseudo_r2.unwrap(),
        want["prsquared"].as_f64().unwrap(),
        TOL,
    );
    assert_eq!(fit.observations as u64, want["nobs"].as_u64().unwrap());
    assert_eq!(x.factors()[0].reference, "alpha");
    assert_eq!(x.factors()[1].reference, "python");
}

#[test]
fn clustered_logit_matches_statsmodels() {
    let fx = load("logit.json");
    let y = bools(&fx["data"]["y"]);
    let x = gap_design(&fx["data"], true);
    let tasks = strs(&fx["data"]["task"]);
    let clusters = Clusters::from_labels(&tasks);
    let fit = estimated(fit_logit(&y, &x, Some(&clusters)).unwrap());
    let want = &fx["clustered"];
    check_fit("clustered", &fit, want, TOL);
    for (row, want_row) in fit
        .covariance_matrix
        .iter()
        .zip(want["cov_params"].as_array().unwrap())
    {
        close_all("clustered cov_params", row, &nums(want_row), TOL);
    }
    match fit.covariance {
        Covariance::ClusterRobust {
            clusters,
            correction,
        } => {
            assert_eq!(clusters as u64, want["clusters"].as_u64().unwrap());
            close(
                "correction",
                correction,
                want["correction"].as_f64().unwrap(),
                1e-12,
            );
        }
        other => panic!("expected cluster-robust covariance, got {other:?}"),
    }
    // The model-based SEs are still there, and equal the plain fit's.
    close_all(
        "model SEs",
        &column(&fit, |c| c.model_std_error),
        &nums(&fx["plain"]["bse"]),
        TOL,
    );
}

#[test]
fn firth_matches_reference_on_ordinary_data() {
    let fx = load("logit.json");
    let y = bools(&fx["data"]["y"]);
    let x = gap_design(&fx["data"], true);
    let fit = fit_firth(&y, &x).unwrap();
    assert!(fit.converged);
    assert_eq!(fit.estimator, Estimator::Firth);
    check_fit("firth", &fit, &fx["firth"], FIRTH_TOL);
    close(
        "penalised llf",
        fit.penalized_log_likelihood.unwrap(),
        fx["firth"]["penalized_llf"].as_f64().unwrap(),
        FIRTH_TOL,
    );
}

#[test]
fn separation_is_detected_and_firth_matches_reference() {
    let fx = load("separation.json");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let y = bools(&case["data"]["y"]);
        let x = gap_design(&case["data"], false);
        let sep = match fit_logit(&y, &x, None).unwrap() {
            LogitOutcome::Separated(s) => s,
            LogitOutcome::Estimated(f) => panic!("{name}: not detected, got {f:?}"),
        };
        let kind = match case["expected"]["kind"].as_str().unwrap() {
            "complete" => SeparationKind::Complete,
            "quasi_complete" => SeparationKind::QuasiComplete,
            other => panic!("unknown kind {other}"),
        };
        assert_eq!(sep.kind, kind, "{name}: kind");
        let want: Vec<(String, Direction)> = case["expected"]["unbounded"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                let d = match u["direction"].as_str().unwrap() {
                    "plus_infinity" => Direction::PlusInfinity,
                    "minus_infinity" => Direction::MinusInfinity,
                    _ => Direction::EitherSign,
                };
                (u["name"].as_str().unwrap().to_string(), d)
            })
            .collect();
        let got: Vec<(String, Direction)> = sep
            .unbounded
            .iter()
            .map(|u| (u.name.clone(), u.direction))
            .collect();
        assert_eq!(got, want, "{name}: unbounded coefficients");
        assert!(!sep.message.is_empty());

        let reg = fit_logit_or_firth(&y, &x, None).unwrap();
        assert_eq!(reg.separation.as_ref(), Some(&sep));
        assert!(reg.fit.converged, "{name}: Firth did not converge");
        check_fit(
            &format!("{name} firth"),
            &reg.fit,
            &case["firth"],
            FIRTH_TOL,
        );
        close(
            "penalised llf",
            reg.fit.penalized_log_likelihood.unwrap(),
            case["firth"]["penalized_llf"].as_f64().unwrap(),
            FIRTH_TOL,
        );
    }
}

#[test]
fn separation_names_its_cause() {
    let fx = load("separation.json");
    let cases = fx["cases"].as_array().unwrap();
    let complete = &cases[0];
    let y = bools(&complete["data"]["y"]);
    let x = gap_design(&complete["data"], false);
    let LogitOutcome::Separated(s) = fit_logit(&y, &x, None).unwrap() else {
        panic!("expected separation");
    };
    let singles: Vec<&str> = s
        .single_predictors
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(singles, ["understanding"], "{}", s.message);
    assert!(
        s.message.contains("`understanding` separates the outcome"),
        "{}",
        s.message
    );

    let level = &cases[1];
    let y = bools(&level["data"]["y"]);
    let x = gap_design(&level["data"], false);
    let LogitOutcome::Separated(s) = fit_logit(&y, &x, None).unwrap() else {
        panic!("expected separation");
    };
    assert_eq!(s.one_class_levels.len(), 1);
    assert_eq!(s.one_class_levels[0].level, "gamma");
    assert!(s.one_class_levels[0].outcome);
    assert!(s.message.contains("subject = gamma"), "{}", s.message);
    let json = serde_json::to_value(LogitOutcome::Separated(s)).unwrap();
    assert_eq!(json["outcome"], "separated");
    assert_eq!(json["kind"], "quasi_complete");
}

#[test]
fn spearman_matches_scipy() {
    let fx = load("spearman.json");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (x, y) = (nums(&case["x"]), nums(&case["y"]));
        let s = spearman(&x, &y).unwrap();
        close(
            &format!("{name} rho"),
            s.rho,
            case["rho"].as_f64().unwrap(),
            TOL,
        );
        close(
            &format!("{name} p"),
            s.p_value,
            case["pvalue"].as_f64().unwrap(),
            TOL,
        );
        assert_eq!(s.n, x.len());
        assert_eq!(
            secgap_stats::average_ranks(&x),
            nums(&case["ranks_x"]),
            "{name} ranks"
        );
    }
}

#[test]
fn mcnemar_matches_statsmodels() {
    let fx = load("mcnemar.json");
    for case in fx["cases"].as_array().unwrap() {
        let t = PairedTable {
            both: case["both"].as_u64().unwrap(),
            first_only: case["first_only"].as_u64().unwrap(),
            second_only: case["second_only"].as_u64().unwrap(),
            neither: case["neither"].as_u64().unwrap(),
        };
        let what = format!("{t:?}");
        let m = mcnemar(&t).unwrap();
        assert_eq!(
            (m.b, m.c, m.pairs),
            (t.first_only, t.second_only, t.total())
        );
        close(
            &what,
            m.exact.statistic,
            case["exact_statistic"].as_f64().unwrap(),
            TOL,
        );
        close(
            &what,
            m.exact.p_value,
            case["exact_pvalue"].as_f64().unwrap(),
            TOL,
        );
        match (&m.chi2, case["chi2_statistic"].as_f64()) {
            (Some(c), Some(s)) => {
                close(&what, c.statistic, s, TOL);
                close(&what, c.p_value, case["chi2_pvalue"].as_f64().unwrap(), TOL);
            }
            (None, None) => {}
            (got, want) => panic!("{what}: chi2 {got:?}, expected {want:?}"),
        }
        close(
            &what,
            m.difference,
            case["difference"].as_f64().unwrap(),
            TOL,
        );
        close(
            &what,
            m.difference_ci.lo,
            case["ci_low"].as_f64().unwrap(),
            TOL,
        );
        close(
            &what,
            m.difference_ci.hi,
            case["ci_high"].as_f64().unwrap(),
            TOL,
        );
    }
}

#[test]
fn mcnemar_from_pairs() {
    let first = [true, true, false, true, false, true];
    let second = [true, false, false, false, true, false];
    let t = PairedTable::from_pairs(&first, &second).unwrap();
    assert_eq!(
        (t.both, t.first_only, t.second_only, t.neither),
        (1, 3, 1, 1)
    );
    let m = mcnemar(&t).unwrap();
    close("difference", m.difference, 2.0 / 6.0, 1e-12);
    assert!(m.difference_ci.lo < m.difference && m.difference < m.difference_ci.hi);
}

#[test]
fn fleiss_matches_statsmodels() {
    let fx = load("fleiss.json");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let table: Vec<Vec<u64>> = case["table"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap())
                    .collect()
            })
            .collect();
        let want = case["kappa"].as_f64().unwrap();
        close(name, fleiss_kappa(&table).unwrap().kappa, want, TOL);
        if let Some(ratings) = case.get("ratings").and_then(Value::as_array) {
            let k = if ratings[0][0].is_boolean() {
                let r: Vec<Vec<bool>> = ratings.iter().map(bools).collect();
                fleiss_kappa_from_ratings(&r).unwrap()
            } else {
                let r: Vec<Vec<u64>> = ratings
                    .iter()
                    .map(|i| {
                        i.as_array()
                            .unwrap()
                            .iter()
                            .map(|v| v.as_u64().unwrap())
                            .collect()
                    })
                    .collect();
                fleiss_kappa_from_ratings(&r).unwrap()
            };
            close(&format!("{name} from ratings"), k.kappa, want, TOL);
        }
    }
}

#[test]
fn rng_matches_second_implementation() {
    let fx = load("rng.json");
    for case in fx["cases"].as_array().unwrap() {
        let seed = case["seed"].as_u64().unwrap();
        let mut r = SeededRng::new(seed);
        let raw: Vec<u64> = (0..5).map(|_| r.next_u64()).collect();
        let want: Vec<u64> = case["next_u64"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(raw, want, "seed {seed}: raw draws");
        let mut r = SeededRng::new(seed);
        let bounds = case["below_bounds"].as_array().unwrap();
        let got: Vec<u64> = bounds
            .iter()
            .map(|b| r.below(b.as_u64().unwrap()))
            .collect();
        let want: Vec<u64> = case["below"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(got, want, "seed {seed}: bounded draws");
    }
}

/// A uniform float in [0, 1) from the generator (53 random bits).
fn uniform(r: &mut SeededRng) -> f64 {
    (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `clusters` tasks of `per` samples; task g succeeds with probability
/// rates(g).
fn clustered_sample(
    r: &mut SeededRng,
    clusters: usize,
    per: usize,
    mut rate: impl FnMut(&mut SeededRng) -> f64,
) -> (Vec<bool>, Clusters) {
    let mut y = Vec::new();
    let mut ids = Vec::new();
    for g in 0..clusters {
        let p = rate(r);
        for _ in 0..per {
            y.push(uniform(r) < p);
            ids.push(g);
        }
    }
    (y, Clusters::from_ids(&ids))
}

#[test]
fn bootstrap_is_deterministic_for_a_seed() {
    let mut r = SeededRng::new(3);
    let (y, c) = clustered_sample(&mut r, 12, 5, |r| 0.2 + 0.5 * uniform(r));
    let a = bootstrap_rate(&y, &c, 1000, 99).unwrap();
    let b = bootstrap_rate(&y, &c, 1000, 99).unwrap();
    assert_eq!(a, b);
    // Different seeds draw different clusters; the same seed the same ones.
    let draws = |seed| {
        let mut seen = Vec::new();
        cluster_bootstrap(&c, 20, seed, |rows| {
            seen.push(rows.to_vec());
            Some(0.0)
        })
        .unwrap();
        seen
    };
    assert_eq!(draws(99), draws(99));
    assert_ne!(draws(99), draws(100));
    // The generic bootstrap draws the same clusters, so it gives the same
    // interval for the same statistic.
    let generic = cluster_bootstrap(&c, 1000, 99, |rows| {
        Some(rows.iter().filter(|&&i| y[i]).count() as f64 / rows.len() as f64)
    })
    .unwrap();
    assert_eq!(a, generic);
    assert!(a.lo <= a.estimate && a.estimate <= a.hi);
    assert_eq!(
        (a.replicates, a.undefined, a.clusters, a.seed),
        (1000, 0, 12, 99)
    );
    // Frozen interval: a change here means a seed no longer reproduces
    // numbers published with it.
    let frozen = bootstrap_rate(
        &[
            true, false, true, true, false, false, true, false, false, true,
        ],
        &Clusters::from_ids(&[0, 0, 1, 1, 1, 2, 2, 3, 3, 3]),
        500,
        7,
    )
    .unwrap();
    assert_eq!(frozen.estimate, 0.5);
    assert_eq!((frozen.lo, frozen.hi), (4.0 / 11.0, 7.0 / 11.0));
}

#[test]
fn bootstrap_interval_covers_the_true_rate() {
    // Task rates uniform on [0.1, 0.5], so the mean rate over tasks is 0.3.
    let mut r = SeededRng::new(2024);
    let runs = 200;
    let mut covered = 0;
    for run in 0..runs {
        let (y, c) = clustered_sample(&mut r, 30, 8, |r| 0.1 + 0.4 * uniform(r));
        let ci = bootstrap_rate(&y, &c, 500, run).unwrap();
        if ci.lo <= 0.3 && 0.3 <= ci.hi {
            covered += 1;
        }
    }
    let coverage = covered as f64 / runs as f64;
    assert!((0.86..=0.99).contains(&coverage), "coverage {coverage}");
}

#[test]
fn clustered_bootstrap_is_wider_than_wilson_when_tasks_differ() {
    // Tasks that all pass or all fail: 30 tasks look like 300 samples to an
    // interval that ignores clustering.
    let mut r = SeededRng::new(8);
    let (y, c) = clustered_sample(
        &mut r,
        30,
        10,
        |r| if uniform(r) < 0.5 { 0.02 } else { 0.98 },
    );
    let ci = bootstrap_rate(&y, &c, 2000, 1).unwrap();
    let k = y.iter().filter(|&&v| v).count() as u64;
    let w = wilson(k, y.len() as u64, Z95);
    assert!(
        ci.hi - ci.lo > 1.8 * (w.hi - w.lo),
        "bootstrap {ci:?} vs Wilson {w:?}"
    );
}

#[test]
fn degenerate_inputs_come_back_as_typed_errors() {
    let x = Design::builder(4)
        .intercept()
        .continuous("u", &[0.1, 0.4, 0.2, 0.9])
        .build()
        .unwrap();
    assert_eq!(
        fit_logit(&[false; 4], &x, None).unwrap_err(),
        StatsError::OneClass { value: false }
    );
    let single = Clusters::from_labels(&["t"; 4]);
    assert!(matches!(
        fit_logit(&[true, false, false, true], &x, Some(&single)),
        Err(StatsError::TooFewClusters { found: 1, .. })
    ));
    assert!(matches!(
        bootstrap_rate(&[true, false, false, true], &single, 100, 1),
        Err(StatsError::TooFewClusters { found: 1, .. })
    ));
    let collinear = Design::builder(4)
        .intercept()
        .categorical("lang", &["py", "py", "py", "py"], None)
        .continuous("u", &[0.1, 0.4, 0.2, 0.9])
        .continuous("v", &[0.2, 0.8, 0.4, 1.8])
        .build()
        .unwrap();
    assert_eq!(
        fit_logit(&[true, false, false, true], &collinear, None).unwrap_err(),
        StatsError::RankDeficient { column: "v".into() }
    );
    assert!(matches!(
        spearman(&[1.0, 1.0, 1.0], &[0.0, 1.0, 2.0]),
        Err(StatsError::ConstantInput { .. })
    ));
    assert!(matches!(
        fleiss_kappa_from_ratings(&[vec![true, true], vec![true, true]]),
        Err(StatsError::Undefined(_))
    ));
    // Every error explains itself.
    let e = fit_logit(&[false; 4], &x, None).unwrap_err();
    assert!(e.to_string().contains("one class"), "{e}");
}
