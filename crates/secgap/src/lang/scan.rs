//! Lexical helpers the languages share when they describe code for the
//! extraction stage ([`super::CodeFacts`]): blanking comments and string
//! literals so that what is left can be searched for definitions, and
//! collecting identifiers.
//!
//! Blanking keeps every byte offset and every newline where it was (each
//! blanked character becomes as many spaces as it had bytes), so a line of
//! the blanked text is the same line of the original.

use std::collections::BTreeSet;

/// Which comment and string syntax a language has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Syntax {
    /// `#` comments; `'…'`, `"…"`, `'''…'''`, `"""…"""` strings.
    Python,
    /// `//` and `/* */` comments; `"…"` and `'…'` literals.
    C,
    /// C's, plus `` `…` `` template literals (their `${…}` parts are code).
    JavaScript,
    /// C's, plus `` `…` `` raw strings, which may span lines.
    Go,
}

/// `code` with comments and the contents of string and character
/// literals replaced by spaces (the quotes stay); newlines are kept.
pub(crate) fn blank(code: &str, syntax: Syntax) -> String {
    let b = code.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let space = |out: &mut Vec<u8>, c: u8| out.push(if c == b'\n' { b'\n' } else { b' ' });
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let hash_comment = syntax == Syntax::Python && c == b'#';
        let line_comment = syntax != Syntax::Python && c == b'/' && next == Some(b'/');
        if hash_comment || line_comment {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
            continue;
        }
        if syntax != Syntax::Python && c == b'/' && next == Some(b'*') {
            out.extend_from_slice(b"  ");
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                space(&mut out, b[i]);
                i += 1;
            }
            let end = (i + 2).min(b.len());
            out.extend(std::iter::repeat_n(b' ', end - i));
            i = end;
            continue;
        }
        if syntax == Syntax::JavaScript && c == b'/' && regex_may_start(&out) {
            if let Some(len) = regex_len(&b[i..]) {
                out.push(b'/');
                out.extend(std::iter::repeat_n(b' ', len - 2));
                out.push(b'/');
                i += len;
                continue;
            }
        }
        let quote = matches!(
            (syntax, c),
            (_, b'"' | b'\'') | (Syntax::JavaScript | Syntax::Go, b'`')
        );
        if !quote {
            out.push(c);
            i += 1;
            continue;
        }
        let triple = syntax == Syntax::Python && b[i..].starts_with(&[c, c, c]);
        let open = if triple { 3 } else { 1 };
        out.extend(std::iter::repeat_n(c, open));
        i += open;
        // Raw strings (Go) and template literals (JavaScript) span lines;
        // Python's triple-quoted strings too; the others end at a newline.
        let multiline = triple || c == b'`';
        let escapes = !(syntax == Syntax::Go && c == b'`');
        while i < b.len() {
            if syntax == Syntax::JavaScript && c == b'`' && b[i..].starts_with(b"${") {
                // A template's `${...}` is code: kept as it is.
                out.push(b'$');
                i += 1;
                let mut depth = 0;
                while i < b.len() {
                    match b[i] {
                        b'{' => depth += 1,
                        b'}' => depth -= 1,
                        _ => {}
                    }
                    out.push(b[i]);
                    i += 1;
                    if depth == 0 {
                        break;
                    }
                }
                continue;
            }
            if escapes && b[i] == b'\\' && i + 1 < b.len() {
                space(&mut out, b[i]);
                space(&mut out, b[i + 1]);
                i += 2;
                continue;
            }
            let closes = if triple {
                b[i..].starts_with(&[c, c, c])
            } else {
                b[i] == c
            };
            if closes {
                out.extend(std::iter::repeat_n(c, open));
                i += open;
                break;
            }
            if b[i] == b'\n' && !multiline {
                break;
            }
            space(&mut out, b[i]);
            i += 1;
        }
    }
    // Only ASCII bytes were replaced, each by one ASCII byte, and the bytes
    // kept are whole UTF-8 sequences outside literals: still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Whether a `/` after `before` (blanked so far) starts a regular
/// expression literal rather than a division: it follows an operator, an
/// opening bracket, a comma or `return`, or starts the line.
fn regex_may_start(before: &[u8]) -> bool {
    let text = std::str::from_utf8(before).unwrap_or("");
    let line = text.rsplit('\n').next().unwrap_or("").trim_end();
    match line.chars().next_back() {
        None => true,
        Some(c) if "(,=:[!&|?{};+-*%<>~^".contains(c) => true,
        Some(_) => line.ends_with("return") || line.ends_with("typeof"),
    }
}

/// The length of the regular expression literal at the start of `b`
/// (`/.../flags` on one line, `[...]` classes may hold `/`), if there is one.
fn regex_len(b: &[u8]) -> Option<usize> {
    let mut i = 1;
    let mut class = false;
    while i < b.len() {
        match b[i] {
            b'\n' => return None,
            b'\\' => i += 1,
            b'[' => class = true,
            b']' => class = false,
            b'/' if !class => {
                if i == 1 {
                    return None; // `//` is a comment
                }
                return Some(i + 1);
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether `c` can be part of an identifier (`$` for JavaScript).
pub(crate) fn ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The identifier at the start of `s` ("" if none).
pub(crate) fn ident_at(s: &str) -> &str {
    let end = s
        .char_indices()
        .find(|&(i, c)| !ident_char(c) || (i == 0 && c.is_ascii_digit()))
        .map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// Every identifier in (blanked) code.
pub(crate) fn identifiers(blanked: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut word = String::new();
    for c in blanked.chars().chain(std::iter::once(' ')) {
        if ident_char(c) {
            word.push(c);
        } else if !word.is_empty() {
            if !word.starts_with(|c: char| c.is_ascii_digit()) {
                out.insert(std::mem::take(&mut word));
            }
            word.clear();
        }
    }
    out
}

/// Brace depth at the start of each line of (blanked) code.
pub(crate) fn depths(blanked: &str) -> Vec<i32> {
    let mut depth = 0;
    blanked
        .split('\n')
        .map(|line| {
            let at_start = depth;
            for c in line.chars() {
                match c {
                    '{' | '(' | '[' => depth += 1,
                    '}' | ')' | ']' => depth -= 1,
                    _ => {}
                }
            }
            at_start
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanking_keeps_offsets_and_hides_literals() {
        let code = "x = 'def f(': # def g(\ns = \"\"\"\ndef h(\n\"\"\"\n";
        let b = blank(code, Syntax::Python);
        assert_eq!(b.len(), code.len());
        assert_eq!(b.lines().count(), code.lines().count());
        assert!(!b.contains("def"), "{b}");
        let go = "const t = `\npackage main\n`\nvar s = \"a\\\"b\" // c\n";
        let b = blank(go, Syntax::Go);
        assert!(
            !b.contains("package") && !b.contains("// c") && b.contains("var s"),
            "{b}"
        );
        let c = "/* int f(void) { */ int g(void) { return 'x'; }";
        assert_eq!(
            identifiers(&blank(c, Syntax::C)),
            ["g", "int", "return", "void"]
                .iter()
                .map(|s| s.to_string())
                .collect()
        );
        let js = "const a = `x ${b(c)} y`; const é = '日本';";
        let b = blank(js, Syntax::JavaScript);
        assert_eq!(b.len(), js.len());
        assert!(
            b.contains("${b(c)}") && !b.contains('x') && !b.contains('日'),
            "{b}"
        );
        let re = "s.replace(/'/g, '&#39;').replace(/[/\"]/g, x => y / 2);";
        let b = blank(re, Syntax::JavaScript);
        assert_eq!(b.matches('(').count(), b.matches(')').count(), "{b}");
        assert!(b.contains("y / 2"), "{b}");
    }

    #[test]
    fn depth_of_each_line() {
        assert_eq!(depths("f() {\n  x;\n}\ny"), vec![0, 1, 1, 0]);
    }
}
