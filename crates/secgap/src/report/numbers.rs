//! Numbers as several formats print them.

/// A rate in percent with one decimal (`37.5`); each format adds its own
/// width, sign or placeholder around it.
pub fn percent(x: f64) -> String {
    format!("{:.1}", 100.0 * x)
}
