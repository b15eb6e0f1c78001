//! C: compiled with AddressSanitizer and UBSan beside the check library;
//! the test binary runs one test per process.

use super::{base_env, layout, Invocation, TaskFiles};

pub const SOLUTION_FILE: &str = "solution.c";
pub const FENCE_TAGS: &[&str] = &["c", "h"];
pub const TOOLCHAIN: &[(&str, &str)] = &[("/usr/bin/gcc", "gcc"), ("/usr/bin/ld", "binutils")];
pub const TEST_BINARY: &str = "test_bin";

pub fn build(files: &TaskFiles) -> Invocation {
    let mut argv: Vec<String> = [
        "/usr/bin/gcc",
        "-std=gnu11",
        "-g",
        "-O1",
        "-fno-omit-frame-pointer",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
        "-w",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    argv.push(format!("-I{}", layout::TESTS));
    argv.push(format!("-I{}", layout::RUNTIME));
    argv.push("-o".into());
    argv.push(format!("{}/{}", layout::BUILD, TEST_BINARY));
    // The check library comes first so its .preinit_array entry runs
    // before anything the candidate registers.
    argv.push(format!("{}/secgap_check.c", layout::RUNTIME));
    argv.push(format!("{}/{}", layout::TESTS, files.test_file_name));
    argv.push(format!("{}/{}", layout::WORK, files.solution_file));
    argv.push("-lm".into());
    Invocation {
        argv,
        env: base_env(),
        sanitized: false,
        min_address_space_mb: None,
    }
}

pub fn test(test_name: &str) -> Invocation {
    let mut env = base_env();
    env.push((
        "ASAN_OPTIONS".into(),
        "detect_leaks=0:abort_on_error=0:exitcode=86:allocator_may_return_null=1:hard_rss_limit_mb=768:malloc_limit_mb=768:handle_abort=1:symbolize=1".into(),
    ));
    env.push((
        "UBSAN_OPTIONS".into(),
        "halt_on_error=1:print_stacktrace=1:exitcode=87".into(),
    ));
    Invocation {
        argv: vec![
            format!("{}/{}", layout::BUILD, TEST_BINARY),
            test_name.into(),
        ],
        env,
        sanitized: true,
        min_address_space_mb: None,
    }
}

pub fn looks_like(code: &str) -> bool {
    code.contains("#include") || (code.contains('{') && code.contains(';') && code.contains('('))
}
