//! Python: no build step; `secgap_runner.py` runs one test function.

use super::{base_env, layout, Invocation, TaskFiles};

pub const SOLUTION_FILE: &str = "solution.py";
pub const FENCE_TAGS: &[&str] = &["python", "py", "python3"];
pub const TOOLCHAIN: &[(&str, &str)] = &[("/usr/bin/python3", "python3")];

pub fn test(files: &TaskFiles, test_name: &str) -> Invocation {
    let mut env = base_env();
    env.push(("PYTHONDONTWRITEBYTECODE".into(), "1".into()));
    env.push(("PYTHONHASHSEED".into(), "0".into()));
    Invocation {
        argv: vec![
            "/usr/bin/python3".into(),
            "-I".into(),
            "-B".into(),
            format!("{}/secgap_runner.py", layout::RUNTIME),
            format!("{}/{}", layout::TESTS, files.test_file_name),
            test_name.into(),
        ],
        env,
        sanitized: false,
        min_address_space_mb: None,
    }
}

pub fn looks_like(code: &str) -> bool {
    code.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("def ")
            || l.starts_with("import ")
            || l.starts_with("from ")
            || l.starts_with("class ")
    })
}
