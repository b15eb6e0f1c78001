//! Numbers as several formats print them.

/// A rate in percent with one decimal (`37.5`); each format adds its own
/// width, sign or placeholder around it.
pub fn percent(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}

/// A run's spend in words: the cost of the calls that reached a provider,
/// or "not priced" when none carries a cost, and what was left out (calls
/// without a cost, answers from the cache). `cost_usd` is None when no
/// call was priced.
pub fn spend(cost_usd: Option<f64>, unpriced: u64, cached: u64) -> String {
    let mut s = match cost_usd {
        Some(c) => format!("${c:.4}"),
        None => "not priced (no price table or usage reported)".to_string(),
    };
    if cost_usd.is_some() && unpriced > 0 {
        s.push_str(&format!(
            "; {unpriced} call{} not priced",
            if unpriced == 1 { "" } else { "s" }
        ));
    }
    if cached > 0 {
        s.push_str(&format!(
            "; {cached} answer{} from the cache cost nothing new",
            if cached == 1 { "" } else { "s" }
        ));
    }
    s
}

/// Why the tests of a group's not-run samples did not run, for people:
/// they did not build (or load), or were rejected as tampering with the
/// harness (failure `tampering`), or some of each.
pub fn not_run_reason(g: &crate::analyze::metrics::GroupMetrics) -> String {
    let rejected = g.tampering.min(g.not_run);
    match (g.not_run - rejected, rejected) {
        (_, 0) => "the candidate did not build".into(),
        (0, _) => "the candidate was rejected as tampering with the harness".into(),
        (built, rejected) => format!(
            "{built} did not build, {rejected} {} rejected as tampering with the harness",
            if rejected == 1 { "was" } else { "were" }
        ),
    }
}

/// Cohen's kappa to two places; a value that rounds to zero prints as
/// 0.00, never -0.00.
pub fn kappa(k: f64) -> String {
    let k = if k.abs() < 0.005 { 0.0 } else { k };
    format!("{k:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spend_says_when_calls_were_not_priced() {
        assert_eq!(
            spend(None, 0, 1),
            "not priced (no price table or usage reported); 1 answer from the cache cost nothing new"
        );
        assert_eq!(spend(Some(0.01234), 0, 0), "$0.0123");
        assert_eq!(
            spend(Some(0.5), 2, 3),
            "$0.5000; 2 calls not priced; 3 answers from the cache cost nothing new"
        );
    }
}
