//! How the analysis reads as text, the same in every human-readable
//! format (terminal, Markdown, HTML): p-values, and columns padded by the
//! width a terminal gives their text.

use unicode_width::UnicodeWidthStr;

/// A p-value as reports print it: two decimals from 0.1 up (`1.00`,
/// `0.43`), three below (`0.032`), and `<0.001` under that; `–` when it is
/// not a number. The JSON exports keep the number itself.
pub fn p_value(p: f64) -> String {
    if !p.is_finite() {
        "–".into()
    } else if p < 0.001 {
        "<0.001".into()
    } else if p < 0.1 {
        format!("{p:.3}")
    } else {
        format!("{:.2}", p.min(1.0))
    }
}

/// `p = 0.032` or `p < 0.001`, for running text.
pub fn p_is(p: f64) -> String {
    let v = p_value(p);
    match v.strip_prefix('<') {
        Some(rest) => format!("p < {rest}"),
        None => format!("p = {v}"),
    }
}

/// The columns a terminal gives `s` (wide characters count two).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` padded with spaces on the right to `w` columns.
pub fn left(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// `s` padded with spaces on the left to `w` columns.
pub fn right(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p_values_read_the_same_everywhere() {
        assert_eq!(p_value(1.0), "1.00");
        assert_eq!(p_value(0.4321), "0.43");
        assert_eq!(p_value(0.1), "0.10");
        assert_eq!(p_value(0.0321), "0.032");
        assert_eq!(p_value(0.001), "0.001");
        assert_eq!(p_value(9.537e-7), "<0.001");
        assert_eq!(p_value(f64::NAN), "–");
        assert_eq!(p_is(1.0), "p = 1.00");
        assert_eq!(p_is(1e-9), "p < 0.001");
    }

    #[test]
    fn padding_counts_columns_not_bytes() {
        assert_eq!(width("über"), 4);
        assert_eq!(width("模型"), 4);
        assert_eq!(left("ü", 3), "ü  ");
        assert_eq!(right("模", 3), " 模");
        assert_eq!(left("toolong", 3), "toolong");
    }
}
