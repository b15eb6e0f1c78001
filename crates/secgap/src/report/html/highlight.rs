//! Keyword, string, number and comment highlighting of generated code for
//! the HTML pages, every token escaped.

use std::fmt::Write as _;

use crate::report::escape::esc;

fn span(h: &mut String, class: &str, text: &str) {
    let _ = write!(h, "<span class=\"{class}\">{}</span>", esc(text));
}

/// Keyword, string, number and comment highlighting, all text escaped.
/// A plain scanner, not a parser: good enough to read code by.
pub fn highlight(h: &mut String, code: &str, language: &str) {
    let lang = language.to_ascii_lowercase();
    let python = lang.starts_with("py");
    let shell = matches!(lang.as_str(), "sh" | "bash" | "shell");
    // A language secgap does not know (a shell snippet) gets the
    // JavaScript list, as every unknown language always has.
    let keywords = language
        .parse::<crate::lang::Language>()
        .ok()
        .or_else(|| crate::lang::Language::named("javascript"))
        .map_or(&[][..], |l| l.highlight_keywords());
    let hash_comments = python || shell;
    let chars: Vec<char> = code.chars().collect();
    let text = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let mut i = 0;
    let mut plain_start = 0;
    let flush = |h: &mut String, a: usize, b: usize| {
        if a < b {
            h.push_str(&esc(&text(a, b)));
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let token_end = if (hash_comments && c == '#')
            || (!hash_comments && c == '/' && next == Some('/'))
        {
            let mut j = i;
            while j < chars.len() && chars[j] != '\n' {
                j += 1;
            }
            Some(("com", j))
        } else if !hash_comments && c == '/' && next == Some('*') {
            let mut j = i + 2;
            while j < chars.len() && !(chars[j] == '*' && chars.get(j + 1) == Some(&'/')) {
                j += 1;
            }
            Some(("com", (j + 2).min(chars.len())))
        } else if c == '"' || c == '\'' || (c == '`' && !python) {
            let triple = python && chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c);
            let mut j = if triple { i + 3 } else { i + 1 };
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '\\' {
                    j += 2;
                    continue;
                }
                if triple {
                    if chars[j] == c && chars.get(j + 1) == Some(&c) && chars.get(j + 2) == Some(&c)
                    {
                        j += 3;
                        break;
                    }
                } else if chars[j] == c {
                    j += 1;
                    break;
                } else if chars[j] == '\n' && c != '`' {
                    break;
                }
                j += 1;
            }
            Some(("str", j.min(chars.len())))
        } else if c.is_ascii_digit() && (i == 0 || !is_ident(chars[i - 1])) {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_alphanumeric() || chars[j] == '.' || chars[j] == '_')
            {
                j += 1;
            }
            Some(("numlit", j))
        } else if is_ident_start(c) && (i == 0 || !is_ident(chars[i - 1])) {
            let mut j = i;
            while j < chars.len() && is_ident(chars[j]) {
                j += 1;
            }
            let word = text(i, j);
            if keywords.contains(&word.as_str()) {
                Some(("kw", j))
            } else {
                // A plain identifier: skip past it.
                i = j;
                continue;
            }
        } else {
            None
        };
        match token_end {
            Some((class, end)) => {
                flush(h, plain_start, i);
                span(h, class, &text(i, end));
                i = end;
                plain_start = end;
            }
            None => i += 1,
        }
    }
    flush(h, plain_start, chars.len());
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}
