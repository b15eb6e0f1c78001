//! Escaping shared by the markup formats: the HTML pages and JUnit's XML
//! need the same, since both carry hostile text from a run (generated
//! code, test messages, names).

/// Escape text for HTML or XML element content and quoted attribute
/// values. Control characters other than tab, newline and carriage return
/// become U+FFFD (XML 1.0 cannot carry them at all).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            '\u{7f}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
