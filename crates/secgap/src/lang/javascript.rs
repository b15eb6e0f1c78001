//! JavaScript (Node): no build step; `secgap_runner.js` loads the task's
//! test module (CommonJS), which requires the candidate, and runs one test.

use super::{base_env, layout, Invocation, TaskFiles};

pub const SOLUTION_FILE: &str = "solution.js";
pub const FENCE_TAGS: &[&str] = &["javascript", "js", "node", "nodejs", "cjs", "mjs"];
pub const TOOLCHAIN: &[(&str, &str)] = &[("/usr/bin/node", "nodejs")];

/// V8 reserves its code range and heap cages up front: below roughly
/// 700 MiB of address space Node aborts before running anything.
pub const MIN_ADDRESS_SPACE_MB: u64 = 1024;
/// The JavaScript heap limit; running out of it crashes the test (a fail).
const HEAP_MB: u32 = 384;

pub fn test(files: &TaskFiles, test_name: &str) -> Invocation {
    let mut env = base_env();
    // Bare `require('solution')` and `require('secgap_check')` resolve here.
    env.push((
        "NODE_PATH".into(),
        format!("{}:{}", layout::WORK, layout::RUNTIME),
    ));
    // Few helper threads: the sandbox caps processes and threads.
    env.push(("UV_THREADPOOL_SIZE".into(), "2".into()));
    env.push(("NODE_DISABLE_COLORS".into(), "1".into()));
    Invocation {
        argv: vec![
            "/usr/bin/node".into(),
            format!("--max-old-space-size={HEAP_MB}"),
            "--v8-pool-size=2".into(),
            "--stack-size=984".into(),
            format!("{}/secgap_runner.js", layout::RUNTIME),
            format!("{}/{}", layout::TESTS, files.test_file_name),
            test_name.into(),
        ],
        env,
        sanitized: false,
        min_address_space_mb: Some(MIN_ADDRESS_SPACE_MB),
    }
}

pub fn looks_like(code: &str) -> bool {
    code.contains("function ")
        || code.contains("=>")
        || code.contains("module.exports")
        || code.contains("require(")
        || code.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("const ") || l.starts_with("let ") || l.starts_with("export ")
        })
}
