//! JavaScript (Node): no build step; `secgap_runner.js` loads the task's
//! test module (CommonJS), which requires the candidate, and runs one test.

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

/// The runner under Node with `args` after the candidate's path and
/// interface (see `secgap_runner.js`).
fn node(files: &TaskFiles, args: &[String]) -> Invocation {
    let mut env = base_env();
    // Bare `require('solution')` and `require('secgap_check')` resolve here.
    env.push((
        "NODE_PATH".into(),
        format!("{}:{}", layout::WORK, layout::RUNTIME),
    ));
    // Few helper threads: the sandbox caps processes and threads.
    env.push(("UV_THREADPOOL_SIZE".into(), "2".into()));
    env.push(("NODE_DISABLE_COLORS".into(), "1".into()));
    let mut argv = vec![
        "/usr/bin/node".into(),
        format!("--max-old-space-size={HEAP_MB}"),
        "--v8-pool-size=2".into(),
        "--stack-size=984".into(),
        format!("{}/secgap_runner.js", layout::RUNTIME),
        "--solution".into(),
        format!("{}/{}", layout::WORK, files.solution_file),
        "--interface".into(),
        files.interface.join(","),
    ];
    argv.extend(args.iter().cloned());
    Invocation {
        argv,
        env,
        sanitized: false,
        sources: Sources::default(),
        min_address_space_mb: Some(MIN_ADDRESS_SPACE_MB),
    }
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

    /// Loads the candidate as the tests do (`require`, with the runner's
    /// export of top-level functions) and checks the interface.
    fn load(&self, files: &TaskFiles) -> Option<Invocation> {
        Some(node(files, &["--load".to_string()]))
    }

    fn test(&self, files: &TaskFiles, test_name: &str) -> Invocation {
        node(
            files,
            &[
                format!("{}/{}", layout::TESTS, files.test_file_name),
                test_name.into(),
            ],
        )
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
}
