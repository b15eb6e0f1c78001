//! The shape of the code (DESIGN.md, "Shape of the code"), checked from the
//! source tree: every `crate::` path in `src/` is read, and the test fails,
//! naming the file, the line and the import, when
//! - a stage imports a later stage,
//! - the vocabulary (`model`) imports anything of secgap, or the store
//!   imports anything but the vocabulary,
//! - analysis or a report reaches into the store (they take plain rows of
//!   the vocabulary), or
//! - files import each other in a circle.
//!
//! The checker is a plain function over (file, text) pairs, so that its own
//! tests can hand it a tree that breaks each rule.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The stages in the order the data flows; a stage may import only those
/// before it. `model` and `store` sit beneath every stage.
const STAGES: &[&str] = &[
    "model", "store", "lang", "suite", "plan", "generate", "extract", "execute", "score",
    "analyze", "report", "run", "tools", "cli",
];

/// Stages that must not import the store's module at all.
const NO_STORE: &[&str] = &["analyze", "report"];

/// One `crate::` path found in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Import {
    line: usize,
    /// The module path after `crate::`, e.g. `store::Store` or `execute`.
    path: String,
}

/// The module a source file defines, as a path of names: `src/report/html.rs`
/// is `report::html`, `src/report/mod.rs` is `report`.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" && stem != "lib" && stem != "main" {
            parts.push(stem);
        }
    }
    parts
}

/// Text with comments, string and char literals blanked out (lines kept),
/// so that a path mentioned in a doc comment or a message is not an import.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if b[i] == b'\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == b'r'
            && matches!(b.get(i + 1), Some(b'"') | Some(b'#'))
            && !ident_before(b, i)
        {
            // Raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push('r');
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == b'"' && (0..hashes).all(|h| b.get(j + 1 + h) == Some(&b'#')) {
                    j += 1 + hashes;
                    break;
                }
                if b[j] == b'\n' {
                    out.push('\n');
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                if i < b.len() && b[i] == b'\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == b'\'' && is_char_literal(b, i) {
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            // Copy one UTF-8 character.
            let len = utf8_len(c);
            out.push_str(&src[i..(i + len).min(src.len())]);
            i += len;
        }
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

fn ident_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')
}

/// `'x'`, `'\n'`, `'\u{..}'` are literals; `'a` in `&'a str` is a lifetime.
fn is_char_literal(b: &[u8], i: usize) -> bool {
    match b.get(i + 1) {
        Some(b'\\') => true,
        Some(_) => {
            let len = utf8_len(b[i + 1]);
            b.get(i + 1 + len) == Some(&b'\'')
        }
        None => false,
    }
}

/// Every `crate::` path in `src`, with grouped imports
/// (`use crate::{a::X, b::{Y, Z}}`) split into their members.
fn imports(src: &str) -> Vec<Import> {
    let code = code_only(src);
    let b = code.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = code[from..].find("crate::") {
        let at = from + rel;
        from = at + "crate::".len();
        if at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_' || b[at - 1] == b':') {
            continue;
        }
        let line = code[..at].matches('\n').count() + 1;
        if b.get(from) == Some(&b'{') {
            // The group runs to its matching brace, maybe over several lines.
            let mut depth = 0;
            let mut end = from;
            for (i, c) in code[from..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = from + i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            for path in group_members("", &code[from + 1..end]) {
                found.push(Import { line, path });
            }
            from = end;
            continue;
        }
        let path: String = code[from..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let path = path.trim_end_matches(':').to_string();
        if !path.is_empty() {
            found.push(Import { line, path });
        }
    }
    found
}

/// The paths a use-group names, with `prefix` before each.
fn group_members(prefix: &str, body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, c) in body.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&body[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&body[start..]);
    for part in parts {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if let Some(open) = part.find("::{") {
            let inner = &part[open + 3..part.len().saturating_sub(1)];
            out.extend(group_members(
                &format!("{prefix}{}::", &part[..open]),
                inner,
            ));
        } else {
            let name = part.split_whitespace().next().unwrap_or(part);
            if name == "self" {
                out.push(prefix.trim_end_matches(':').to_string());
            } else {
                out.push(format!("{prefix}{name}"));
            }
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

/// The rules, over (path relative to `src/`, file text). Returns one line
/// per broken rule, `file:line: what is wrong`.
fn check(files: &[(PathBuf, String)]) -> Vec<String> {
    let rank = |stage: &str| STAGES.iter().position(|s| *s == stage);
    let mut problems = Vec::new();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|(p, _)| module_of(p)).collect();
    // File-level edges for the circle check: module -> modules it imports.
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (rel, text) in files {
        let module = module_of(rel);
        let Some(stage) = module.first().cloned() else {
            continue; // lib.rs, main.rs: the crate root
        };
        let shown = format!("src/{}", rel.display());
        let Some(own) = rank(&stage) else {
            problems.push(format!(
                "{shown}: `{stage}` is not a stage of DESIGN.md; put the file in one of {}",
                STAGES.join(", ")
            ));
            continue;
        };
        for imp in imports(text) {
            let target: Vec<String> = imp.path.split("::").map(String::from).collect();
            let Some(to_stage) = target.first() else {
                continue;
            };
            if to_stage == "self" || to_stage == "super" {
                continue;
            }
            // The longest known module the path names.
            let mut to_module = target.clone();
            while !to_module.is_empty() && !modules.contains(&to_module) {
                to_module.pop();
            }
            if !to_module.is_empty() && to_module != module {
                edges.entry(module.clone()).or_default().insert(to_module);
            }
            let Some(theirs) = rank(to_stage) else {
                continue; // a crate-root item such as a macro
            };
            let at = format!("{shown}:{}", imp.line);
            if stage == "model" && to_stage != "model" {
                problems.push(format!(
                    "{at}: the vocabulary imports `crate::{}`; model/ must import nothing of secgap",
                    imp.path
                ));
            } else if stage == "store" && to_stage != "store" && to_stage != "model" {
                problems.push(format!(
                    "{at}: the store imports `crate::{}`; store/ may import only model/ (move the type into model/)",
                    imp.path
                ));
            } else if NO_STORE.contains(&stage.as_str()) && to_stage == "store" {
                problems.push(format!(
                    "{at}: {stage}/ imports `crate::{}`; analysis and reports take plain rows from model/, never the store's types",
                    imp.path
                ));
            } else if theirs > own {
                problems.push(format!(
                    "{at}: {stage}/ imports `crate::{}`, a later stage",
                    imp.path
                ));
            }
        }
    }
    for circle in circles(&edges) {
        let names: Vec<String> = circle.iter().map(|m| m.join("::")).collect();
        problems.push(format!(
            "import circle: {} → {}",
            names.join(" → "),
            names[0]
        ));
    }
    problems
}

/// The strongly connected components of more than one module (Tarjan).
fn circles(edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<Vec<String>>> {
    struct State<'a> {
        edges: &'a BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<Vec<String>, usize>,
        low: BTreeMap<Vec<String>, usize>,
        on_stack: BTreeSet<Vec<String>>,
        stack: Vec<Vec<String>>,
        next: usize,
        found: Vec<Vec<Vec<String>>>,
    }
    fn visit(s: &mut State, v: &Vec<String>) {
        s.index.insert(v.clone(), s.next);
        s.low.insert(v.clone(), s.next);
        s.next += 1;
        s.stack.push(v.clone());
        s.on_stack.insert(v.clone());
        let targets: Vec<Vec<String>> = s
            .edges
            .get(v)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default();
        for w in &targets {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                let done = &w == v;
                comp.push(w);
                if done {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.found.push(comp);
            }
        }
    }
    let mut s = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on_stack: BTreeSet::new(),
        stack: Vec::new(),
        next: 0,
        found: Vec::new(),
    };
    let nodes: Vec<Vec<String>> = edges.keys().cloned().collect();
    for v in &nodes {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn source_files(root: &Path) -> Vec<(PathBuf, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
            .flatten()
            .collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p)
                    .unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
                out.push((p.strip_prefix(root).unwrap().to_path_buf(), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn stages_import_only_earlier_stages_and_there_is_no_circle() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = source_files(&src);
    assert!(files.len() > 30, "found only {} source files", files.len());
    let problems = check(&files);
    assert!(
        problems.is_empty(),
        "the code breaks the shape of DESIGN.md ({} problems; the stages in order: {}):\n{}",
        problems.len(),
        STAGES.join(" → "),
        problems.join("\n")
    );
}

#[test]
fn every_stage_of_design_md_is_a_folder() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    for stage in STAGES {
        assert!(
            src.join(stage).join("mod.rs").is_file(),
            "src/{stage}/mod.rs is missing"
        );
    }
}

fn tree(files: &[(&str, &str)]) -> Vec<(PathBuf, String)> {
    files
        .iter()
        .map(|(p, t)| (PathBuf::from(p), t.to_string()))
        .collect()
}

#[test]
fn checker_names_a_later_stage_import_with_file_and_line() {
    let files = tree(&[
        (
            "execute/mod.rs",
            "//! run\n\nuse crate::report::html::esc;\n",
        ),
        ("report/mod.rs", "pub mod html;\n"),
        ("report/html.rs", "pub fn esc() {}\n"),
    ]);
    let problems = check(&files);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .starts_with("src/execute/mod.rs:3: execute/ imports `crate::report::html::esc`"),
        "{}",
        problems[0]
    );
}

#[test]
fn checker_holds_the_store_and_the_vocabulary_underneath() {
    let files = tree(&[
        ("model/mod.rs", "use crate::suite::Task;\n"),
        ("store/mod.rs", "use crate::{model::Verdict, plan::RunConfig};\n"),
        (
            "analyze/gap.rs",
            "fn f(s: &crate::store::Store) {}\n// crate::store in a comment is fine\nconst S: &str = \"crate::store\";\n",
        ),
        ("suite/mod.rs", ""),
        ("plan/mod.rs", ""),
    ]);
    let problems = check(&files);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems
        .iter()
        .any(|p| p.starts_with("src/model/mod.rs:1:")));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("src/store/mod.rs:1:") && p.contains("crate::plan::RunConfig")));
    assert!(problems
        .iter()
        .any(|p| p.starts_with("src/analyze/gap.rs:1:") && p.contains("plain rows")));
}

#[test]
fn checker_finds_a_circle_inside_a_stage() {
    let files = tree(&[
        ("report/export.rs", "use crate::report::html::esc;\n"),
        (
            "report/html.rs",
            "use crate::report::export::ReportInput;\n",
        ),
        ("report/mod.rs", "pub mod export;\npub mod html;\n"),
    ]);
    let problems = check(&files);
    assert_eq!(
        problems,
        vec!["import circle: report::export → report::html → report::export".to_string()]
    );
}

#[test]
fn checker_splits_nested_groups() {
    let got: Vec<String> =
        imports("use crate::{model::{Verdict, self}, run::{self as r, x::Y}};\n")
            .into_iter()
            .map(|i| i.path)
            .collect();
    assert_eq!(got, ["model::Verdict", "model", "run", "run::x::Y"]);
}

#[test]
fn checker_reads_lifetimes_raw_strings_and_chars_without_losing_imports() {
    let text =
        "fn f<'a>(x: &'a str) -> char { let _ = r#\"crate::cli\"#; '\"' }\nuse crate::cli::main;\n";
    let files = tree(&[("plan/mod.rs", text), ("cli/mod.rs", "")]);
    let problems = check(&files);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("src/plan/mod.rs:2:"),
        "{}",
        problems[0]
    );
}
