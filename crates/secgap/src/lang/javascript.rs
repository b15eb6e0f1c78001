//! JavaScript (Node): no build step. The candidate runs in a worker
//! (`secgap_worker.js`) in a sandbox of its own; `secgap_runner.js`, the
//! checker, loads the task's test module (CommonJS), whose
//! `require('solution')` calls the worker, and runs one test.

use super::{base_env, layout, Invocation, LanguageSupport, Scaffold, Sources, TaskFiles};

/// The highlighter's keywords. The list has always carried a few words of
/// other languages (Rust, Go): it was the fallback for every language
/// without a list of its own, and Go still uses it (`go.rs`).
pub(super) const KEYWORDS: &[&str] = &[
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

pub struct JavaScript;

/// V8 reserves its code range and heap cages up front: below roughly
/// 700 MiB of address space Node aborts before running anything.
pub const MIN_ADDRESS_SPACE_MB: u64 = 1024;
/// The JavaScript heap limit; running out of it crashes the test (a fail).
const HEAP_MB: u32 = 384;

const INTERFACE: &str = "// REPLACE: what it returns and what it throws.\nfunction replaceMe(value) { ... }\nmodule.exports = { replaceMe };";

/// Node's command line for one of the runtime's scripts, with `args`
/// after it. `node_path` is where bare `require`s resolve.
fn node(script: &str, node_path: String, args: Vec<String>) -> Invocation {
    let mut env = base_env();
    env.push(("NODE_PATH".into(), node_path));
    // Few helper threads: the sandbox caps processes and threads.
    env.push(("UV_THREADPOOL_SIZE".into(), "2".into()));
    env.push(("NODE_DISABLE_COLORS".into(), "1".into()));
    let mut argv = vec![
        "/usr/bin/node".into(),
        format!("--max-old-space-size={HEAP_MB}"),
        "--v8-pool-size=2".into(),
        "--stack-size=984".into(),
        format!("{}/{script}", layout::RUNTIME),
    ];
    argv.extend(args);
    Invocation {
        argv,
        env,
        sanitized: false,
        sources: Sources::default(),
        min_address_space_mb: Some(MIN_ADDRESS_SPACE_MB),
    }
}

/// The checker (`secgap_runner.js`): the tests, the check library and the
/// reporter, with the interface's names and then `args`. It never loads the
/// candidate, so bare `require`s resolve in the runtime folder only, never
/// in the workspace the worker can write.
fn checker(files: &TaskFiles, args: &[String]) -> Invocation {
    let mut all = vec!["--interface".to_string(), files.interface.join(",")];
    all.extend(args.iter().cloned());
    node("secgap_runner.js", layout::RUNTIME.to_string(), all)
}

impl LanguageSupport for JavaScript {
    fn name(&self) -> &'static str {
        "javascript"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["js", "node"]
    }

    fn display_name(&self) -> &'static str {
        "JavaScript"
    }

    fn prompt_title(&self) -> &'static str {
        "JavaScript for Node.js (CommonJS, export with module.exports)"
    }

    fn default_solution_file(&self) -> &'static str {
        "solution.js"
    }

    fn fence_tags(&self) -> &'static [&'static str] {
        &["javascript", "js", "node", "nodejs", "cjs", "mjs"]
    }

    fn looks_like(&self, code: &str) -> bool {
        code.contains("function ")
            || code.contains("=>")
            || code.contains("module.exports")
            || code.contains("require(")
            || code.lines().any(|l| {
                let l = l.trim_start();
                l.starts_with("const ") || l.starts_with("let ") || l.starts_with("export ")
            })
    }

    fn function_names(&self, interface: &str) -> Vec<String> {
        let mut names = Vec::new();
        for line in interface.lines() {
            if line.starts_with(' ') || line.starts_with('\t') {
                continue; // methods and nested functions
            }
            let l = line.trim_start_matches("export ");
            let rest = l
                .strip_prefix("async function ")
                .or_else(|| l.strip_prefix("function "))
                .map(|r| r.trim_start_matches('*').trim_start());
            if let Some(rest) = rest {
                let n: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                    .collect();
                if !n.is_empty() {
                    names.push(n);
                }
            }
        }
        names
    }

    fn code_facts(&self, code: &str) -> super::CodeFacts {
        code_facts(code)
    }

    fn join_code(&self, parts: &[&str]) -> String {
        join_code(parts)
    }

    /// Has the worker load the candidate as the tests do (`require`, with
    /// the export of top-level functions) and checks the interface.
    fn load(&self, files: &TaskFiles) -> Option<Invocation> {
        Some(checker(files, &["--load".to_string()]))
    }

    fn test(&self, files: &TaskFiles, test_name: &str) -> Invocation {
        checker(
            files,
            &[
                format!("{}/{}", layout::TESTS, files.test_file_name),
                test_name.into(),
            ],
        )
    }

    /// `secgap_worker.js`: loads the candidate when the checker asks and
    /// runs its functions on the arguments it is sent. It names no test;
    /// the candidate's own bare `require`s resolve as they always did.
    fn worker(&self, files: &TaskFiles) -> Option<Invocation> {
        Some(node(
            "secgap_worker.js",
            format!("{}:{}", layout::WORK, layout::RUNTIME),
            vec![
                "--solution".into(),
                format!("{}/{}", layout::WORK, files.solution_file),
                "--interface".into(),
                files.interface.join(","),
            ],
        ))
    }

    fn toolchain(&self) -> &'static [(&'static str, &'static str)] {
        &[("/usr/bin/node", "nodejs")]
    }

    /// The list the report has always used for JavaScript. Before languages
    /// were plug-ins it was also the fallback for every other language,
    /// which is why it holds a few Rust and Go words; they stay so that
    /// reports do not change.
    fn highlight_keywords(&self) -> &'static [&'static str] {
        KEYWORDS
    }

    fn scaffold(&self) -> Scaffold {
        let reference = |which: &str| {
            format!(
                "'use strict';\n\n// REPLACE: {which}.\nfunction replaceMe(value) {{\n  throw new Error('REPLACE: {which}');\n}}\n\nmodule.exports = {{ replaceMe }};\n"
            )
        };
        Scaffold {
            interface: INTERFACE,
            test_file: "tests/test_task.js",
            secure_ref: "refs/secure.js",
            insecure_ref: "refs/insecure.js",
            files: vec![
                (
                    "tests/test_task.js",
                    "'use strict';\nconst { check } = require('secgap_check');\n\
                     const { replaceMe } = require('solution');\n\n\
                     module.exports = {\n  \
                     replace_functional() {\n    \
                     check(false, 'REPLACE: write the functional tests');\n  },\n  \
                     replace_attack() {\n    \
                     check(false, 'REPLACE: write the security tests');\n  },\n};\n"
                        .to_string(),
                ),
                ("refs/secure.js", reference("the secure reference")),
                ("refs/insecure.js", reference("an insecure reference")),
            ],
        }
    }
}

use super::scan::{self, Syntax};
use super::CodeFacts;

/// What a piece of JavaScript defines at top level (declarations,
/// `exports.f =`, methods of a `module.exports = { ... }` object, ES
/// exports) and whether it runs code when loaded (see [`CodeFacts`]).
fn code_facts(code: &str) -> CodeFacts {
    let blanked = scan::blank(code, Syntax::JavaScript);
    let mut f = CodeFacts {
        mentions: scan::identifiers(&blanked),
        ..CodeFacts::default()
    };
    let (mut imports, mut definitions) = (0, 0);
    let mut in_exports = false;
    for (line, depth) in blanked.lines().zip(scan::depths(&blanked)) {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        if depth != 0 {
            if depth == 1 && in_exports {
                if let Some(name) = object_method(l) {
                    f.functions.push(name);
                }
            }
            continue;
        }
        in_exports = false;
        let l = l
            .strip_prefix("export default ")
            .or_else(|| l.strip_prefix("export "))
            .unwrap_or(l);
        let function = l
            .strip_prefix("async ")
            .unwrap_or(l)
            .strip_prefix("function")
            .map(|r| r.trim_start_matches('*').trim_start());
        if let Some(rest) = function {
            let name = scan::ident_at(rest).to_string();
            if name == "main" {
                f.entry_points.push(name.clone());
            }
            if !name.is_empty() {
                f.functions.push(name);
            }
            definitions += 1;
        } else if let Some(rest) = l.strip_prefix("class ") {
            f.others.push(scan::ident_at(rest).to_string());
            definitions += 1;
        } else if let Some(rest) = ["const ", "let ", "var "]
            .iter()
            .find_map(|k| l.strip_prefix(k))
        {
            let (target, value) = rest.split_once('=').unwrap_or((rest, ""));
            let value = value.trim_start();
            let required = value.starts_with("require(") || value.starts_with("require (");
            let list = if required {
                imports += 1;
                &mut f.imports
            } else {
                definitions += 1;
                &mut f.others
            };
            if target.trim_start().starts_with(['{', '[']) {
                // Destructuring: `const { a, b: c } = require('x')`.
                for part in target.split(',') {
                    let bound = part.rsplit(':').next().unwrap_or(part);
                    let name = scan::ident_at(bound.trim_matches(|c: char| !scan::ident_char(c)));
                    if !name.is_empty() {
                        list.push(name.to_string());
                    }
                }
            } else {
                let name = scan::ident_at(target.trim()).to_string();
                if !required && is_function_value(value) {
                    f.functions.push(name);
                } else if !name.is_empty() {
                    list.push(name);
                }
            }
        } else if let Some(rest) = l
            .strip_prefix("module.exports.")
            .or_else(|| l.strip_prefix("exports."))
        {
            let name = scan::ident_at(rest).to_string();
            f.functions.push(name);
            definitions += 1;
        } else if let Some(rest) = l.strip_prefix("module.exports") {
            let value = rest.trim_start().trim_start_matches('=').trim_start();
            in_exports = value.starts_with('{');
            if let Some(r) = value
                .strip_prefix("async ")
                .unwrap_or(value)
                .strip_prefix("function ")
            {
                let name = scan::ident_at(r.trim_start());
                if !name.is_empty() {
                    f.functions.push(name.to_string());
                }
            }
            definitions += 1;
        } else if let Some(rest) = l.strip_prefix("import ") {
            // `import x from 'm'`, `import { a, b as c } from 'm'`, `import * as ns from 'm'`.
            let list = rest.split(" from ").next().unwrap_or("");
            for part in list.split(',') {
                let bound = part.rsplit(" as ").next().unwrap_or(part);
                let name = scan::ident_at(bound.trim_matches(|c: char| !scan::ident_char(c)));
                if !name.is_empty() {
                    f.imports.push(name.to_string());
                }
            }
            imports += 1;
        } else if l.trim_matches(['\'', '"', ';', ' ']).is_empty()
            || l.starts_with(['}', ')', ']', '{'])
            || [
                "for ", "for(", "if ", "if(", "while ", "while(", "try ", "try{", "switch ",
            ]
            .iter()
            .any(|k| l.starts_with(k))
        {
            // 'use strict', the end of a statement begun above, or control
            // flow that sets the module up (a call inside it is not at top level).
        } else if !f.definitions().any(|n| n == scan::ident_at(l)) {
            // A call, a test registration, a console.log: a script's
            // statement (a call on what this code defines sets it up).
            f.runs_code = true;
        }
    }
    f.preamble_only = imports > 0 && definitions == 0 && !f.runs_code;
    f
}

/// Pieces of JavaScript as one file: a top-level `require` or `import`
/// line that an earlier piece already has is left out (declaring the same
/// `const` twice is a SyntaxError).
fn join_code(parts: &[&str]) -> String {
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for part in parts {
        let mut kept = Vec::new();
        for line in part.split('\n') {
            let t = line.trim_end();
            let import = !t.starts_with([' ', '\t'])
                && (t.starts_with("import ") || t.contains("require(") && t.starts_with("const "));
            if import && seen.iter().any(|s| s == t) {
                continue;
            }
            if import {
                seen.push(t.to_string());
            }
            kept.push(line);
        }
        out.push(kept.join("\n"));
    }
    out.join("\n\n")
}

/// Whether a declaration's value is a function: `function ...`,
/// `async (...) =>`, `(a, b) =>`, `x =>`.
fn is_function_value(value: &str) -> bool {
    let v = value.strip_prefix("async").map_or(value, str::trim_start);
    if v.starts_with("function") {
        return true;
    }
    let head = if v.starts_with('(') {
        match v.find(')') {
            Some(i) => &v[i + 1..],
            None => return true, // parameters continue on the next line
        }
    } else {
        &v[scan::ident_at(v).len()..]
    };
    head.trim_start().starts_with("=>")
}

/// A method of an exported object literal: `name(...) {`, `async name(`,
/// `name: function`, `name: (...) =>`.
fn object_method(line: &str) -> Option<String> {
    let l = line.strip_prefix("async ").unwrap_or(line);
    let name = scan::ident_at(l);
    let rest = l[name.len()..].trim_start();
    let method = rest.starts_with('(')
        || rest
            .strip_prefix(':')
            .is_some_and(|v| is_function_value(v.trim_start()));
    (!name.is_empty() && method).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use crate::lang::{interface_names, Language};

    #[test]
    fn javascript_interface_names() {
        let i = "'use strict';\n/** Docs: function notMe(x) */\nfunction renderComment(author, text) {\n  function inner() {}\n}\nasync function fetchIt(u) {}\nmodule.exports = { renderComment, fetchIt };\n";
        assert_eq!(
            interface_names(Language::named("javascript").unwrap(), i),
            vec!["renderComment", "fetchIt"]
        );
    }

    #[test]
    fn javascript_code_facts() {
        let js = Language::named("javascript").unwrap();
        let f = js.code_facts(
            "'use strict';\nconst fs = require('fs');\nconst { join, resolve: r } = require('path');\nconst LIMIT = 5;\nconst esc = (s) => s;\nfunction a() { return helper(); }\nexports.b = function () {};\nmodule.exports = {\n  c(x) { return x; },\n  d: async (y) => y,\n  a,\n};\n",
        );
        assert_eq!(f.functions, ["esc", "a", "b", "c", "d"]);
        assert_eq!(f.others, ["LIMIT"]);
        assert_eq!(f.imports, ["fs", "join", "r"]);
        assert!(!f.runs_code && !f.is_test_or_demo() && f.mentions.contains("helper"));
        let t = js.code_facts("const { f } = require('./solution');\nconsole.log(f(1));\n");
        assert!(t.runs_code && t.functions.is_empty());
        let e = js.code_facts("import { x as y } from './m.js';\nexport function f() {}\n");
        assert_eq!(
            (e.functions, e.imports),
            (vec!["f".to_string()], vec!["y".to_string()])
        );
        assert!(
            js.code_facts("const crypto = require('crypto');\n")
                .preamble_only
        );
        let a = "const fs = require('fs');\nfunction a() {}";
        let b = "const fs = require('fs');\nconst p = require('path');\nfunction b() {}";
        assert_eq!(
            js.join_code(&[a, b]),
            "const fs = require('fs');\nfunction a() {}\n\nconst p = require('path');\nfunction b() {}"
        );
    }
}
