//! Go: the candidate is package `solution` of a throw-away module; the
//! test file (package main) and the check library `secgapcheck` are built
//! beside it with the standard library only, offline, into one binary
//! that runs one test per process.

use super::{base_env, layout, Invocation, TaskFiles};

pub const SOLUTION_FILE: &str = "solution.go";
pub const FENCE_TAGS: &[&str] = &["go", "golang"];
pub const TOOLCHAIN: &[(&str, &str)] = &[("/usr/bin/go", "golang-go")];
pub const TEST_BINARY: &str = "test_bin";
/// The Go runtime reserves its page-allocator summaries up front: below
/// roughly 600 MiB of address space a Go program dies before `main`.
pub const MIN_ADDRESS_SPACE_MB: u64 = 1024;

/// The module the build assembles: `secgaptask/solution` is the candidate,
/// `secgaptask/secgapcheck` the check library, the root the tests.
pub const MODULE: &str = "secgaptask";

pub fn build(files: &TaskFiles) -> Invocation {
    let src = format!("{}/src", layout::BUILD);
    let script = format!(
        r#"set -e
mkdir -p {src}/solution {src}/secgapcheck {b}/cache {b}/gopath {b}/tmp
cp {rt}/secgapcheck/*.go {src}/secgapcheck/
cp {tests}/*.go {src}/
# The candidate is package solution whatever it called itself.
if grep -q '^package ' {work}/{sol}; then
  sed 's/^package [A-Za-z_][A-Za-z0-9_]*/package solution/' {work}/{sol} > {src}/solution/solution.go
else
  {{ printf 'package solution\n\n'; cat {work}/{sol}; }} > {src}/solution/solution.go
fi
printf 'module {module}\n\ngo 1.19\n' > {src}/go.mod
cd {src}
/usr/bin/go build {race}-o {b}/{bin} .
rm -rf {b}/cache {b}/gopath {b}/tmp
"#,
        b = layout::BUILD,
        rt = layout::RUNTIME,
        tests = layout::TESTS,
        work = layout::WORK,
        sol = files.solution_file,
        module = MODULE,
        bin = TEST_BINARY,
        race = if files.race_detector { "-race " } else { "" },
    );
    let mut env = base_env();
    for (k, v) in [
        ("GOCACHE", format!("{}/cache", layout::BUILD)),
        ("GOPATH", format!("{}/gopath", layout::BUILD)),
        ("GOTMPDIR", format!("{}/tmp", layout::BUILD)),
        ("GOFLAGS", "-mod=mod".into()),
        ("GOPROXY", "off".into()),
        ("GOSUMDB", "off".into()),
        ("GO111MODULE", "on".into()),
        // The race detector's runtime is linked through cgo.
        (
            "CGO_ENABLED",
            if files.race_detector { "1" } else { "0" }.into(),
        ),
        ("GOMAXPROCS", "2".into()),
    ] {
        env.push((k.into(), v));
    }
    Invocation {
        argv: vec!["/bin/sh".into(), "-c".into(), script],
        env,
        sanitized: false,
        min_address_space_mb: None,
    }
}

pub fn test(files: &TaskFiles, test_name: &str) -> Invocation {
    let mut env = base_env();
    env.push(("GOMAXPROCS".into(), "2".into()));
    env.push(("GOTRACEBACK".into(), "single".into()));
    if files.race_detector {
        // The first race ends the process with a report on stderr, which the
        // execution stage reads like a sanitizer report. The race runtime
        // maps terabytes of shadow memory, so RLIMIT_AS cannot apply; the
        // Go heap gets a soft limit instead.
        env.push((
            "GORACE".into(),
            format!("halt_on_error=1 exitcode={RACE_EXIT_CODE}"),
        ));
        env.push(("GOMEMLIMIT".into(), "768MiB".into()));
    }
    Invocation {
        argv: vec![
            format!("{}/{}", layout::BUILD, TEST_BINARY),
            test_name.into(),
        ],
        env,
        sanitized: files.race_detector,
        min_address_space_mb: Some(MIN_ADDRESS_SPACE_MB),
    }
}

/// Exit status of a test process stopped by the race detector.
pub const RACE_EXIT_CODE: i32 = 66;

pub fn looks_like(code: &str) -> bool {
    code.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("package ") || l.starts_with("func ") || l.starts_with("import (")
    })
}
