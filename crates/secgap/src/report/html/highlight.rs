//! Keyword, string, number and comment highlighting of generated code for
//! the HTML pages, every token escaped.

use std::fmt::Write as _;

use crate::report::escape::esc;

const KEYWORDS_C: &[&str] = &[
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "int", "long", "register", "return", "short",
    "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "bool", "true", "false", "NULL", "size_t", "uint8_t", "uint32_t",
    "int64_t", "uint64_t", "include", "define",
];
const KEYWORDS_PY: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", "self",
];
const KEYWORDS_JS: &[&str] = &[
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "default",
    "delete",
    "do",
    "else",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "import",
    "in",
    "instanceof",
    "let",
    "new",
    "null",
    "return",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "yield",
    "fn",
    "let",
    "mut",
    "pub",
    "impl",
    "use",
    "match",
    "struct",
    "enum",
    "func",
    "package",
    "type",
    "interface",
];

fn span(h: &mut String, class: &str, text: &str) {
    let _ = write!(h, "<span class=\"{class}\">{}</span>", esc(text));
}

/// Keyword, string, number and comment highlighting, all text escaped.
/// A plain scanner, not a parser: good enough to read code by.
pub fn highlight(h: &mut String, code: &str, language: &str) {
    let lang = language.to_ascii_lowercase();
    let python = lang.starts_with("py");
    let shell = matches!(lang.as_str(), "sh" | "bash" | "shell");
    let keywords: &[&str] = if python {
        KEYWORDS_PY
    } else if lang == "c" || lang == "cpp" || lang == "c++" {
        KEYWORDS_C
    } else {
        KEYWORDS_JS
    };
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
