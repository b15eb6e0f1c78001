//! Whose code a sanitizer or race report is about: the candidate's or the
//! harness's (the check library, the task's tests). A report is read by
//! the frames it names: the first frame in our code (the candidate's or
//! the harness's, skipping libc, the sanitizer runtime and the Go
//! standard library) of each stack that says where the error happened.
//! Only reports whose code is the candidate's are findings against it; a
//! report in the harness's code is a harness error. A report that names
//! no frame of ours is counted against the candidate, as before
//! attribution existed: the harness's own bugs are the exception to prove.

use crate::lang::Sources;

/// Where a report happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// In the candidate's code (or somewhere not ours: counted as the candidate's).
    Candidate,
    /// In the harness's code; the frame that says so.
    Harness { frame: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Candidate,
    Harness,
}

/// The side a line's first path of ours belongs to, if it names one.
fn locate(line: &str, sources: &Sources) -> Option<Side> {
    line.split_whitespace()
        .map(|t| t.trim_start_matches('('))
        .find_map(|t| {
            // The candidate's prefixes first: Go's lie inside the harness's.
            if sources.candidate.iter().any(|p| t.starts_with(p.as_str())) {
                Some(Side::Candidate)
            } else if sources.harness.iter().any(|p| t.starts_with(p.as_str())) {
                Some(Side::Harness)
            } else {
                None
            }
        })
}

/// The first line of ours in `lines` and its side.
fn first_ours<'a>(
    lines: impl IntoIterator<Item = &'a str>,
    sources: &Sources,
) -> Option<(Side, &'a str)> {
    lines
        .into_iter()
        .find_map(|l| locate(l, sources).map(|s| (s, l.trim())))
}

/// Decide from the decisive stacks' first frames of ours.
fn decide<'a>(firsts: impl IntoIterator<Item = Option<(Side, &'a str)>>) -> Origin {
    let mut harness = None;
    for f in firsts.into_iter().flatten() {
        match f {
            (Side::Candidate, _) => return Origin::Candidate,
            (Side::Harness, l) => {
                harness.get_or_insert(l);
            }
        }
    }
    match harness {
        Some(frame) => Origin::Harness {
            frame: frame.to_string(),
        },
        None => Origin::Candidate,
    }
}

fn is_frame(line: &str) -> bool {
    line.trim_start()
        .strip_prefix('#')
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
}

/// An AddressSanitizer or UBSan report. UBSan's `PATH:LINE:COL: runtime
/// error:` line decides when it names our code. Otherwise the decisive
/// stacks are the first one (where the bad access or signal happened) and,
/// for a use after free or a double free, the one that freed the memory:
/// the candidate freeing what the tests later touch is the candidate's bug.
pub fn sanitizer(report: &str, sources: &Sources) -> Origin {
    if let Some(side) = report
        .lines()
        .filter(|l| l.contains("runtime error:"))
        .find_map(|l| locate(l, sources).map(|s| (s, l)))
    {
        return decide([Some(side)]);
    }
    let lines: Vec<&str> = report.lines().collect();
    let mut stacks: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut header = "";
    let mut i = 0;
    while i < lines.len() {
        if is_frame(lines[i]) {
            let start = i;
            while i < lines.len() && is_frame(lines[i]) {
                i += 1;
            }
            stacks.push((header, lines[start..i].to_vec()));
        } else {
            if !lines[i].trim().is_empty() {
                header = lines[i];
            }
            i += 1;
        }
    }
    let decisive = stacks
        .iter()
        .enumerate()
        .filter(|(n, (h, _))| *n == 0 || h.contains("freed by thread"))
        .map(|(_, (_, frames))| first_ours(frames.iter().copied(), sources));
    decide(decisive)
}

/// A Go race-detector report: two accesses race, each with its stack
/// ("Write at 0x… by goroutine 7:", "Previous read at …"); the race is the
/// candidate's when either access's first frame of ours is.
pub fn race(report: &str, sources: &Sources) -> Origin {
    // An access is a header line ("Write at 0x… by goroutine 8:") and the
    // indented frames under it; "Goroutine 8 (running) created at:" and
    // the rest are not accesses.
    let mut accesses: Vec<Vec<&str>> = Vec::new();
    let mut inside = false;
    for l in report.lines() {
        let t = l.trim();
        if !l.starts_with(char::is_whitespace) {
            inside = t.contains(" at 0x") && t.contains("goroutine") && !t.starts_with("Goroutine");
            if inside {
                accesses.push(Vec::new());
            }
        } else if inside && !t.is_empty() {
            if let Some(a) = accesses.last_mut() {
                a.push(l);
            }
        }
    }
    let firsts = accesses
        .iter()
        .map(|frames| first_ours(frames.iter().copied(), sources));
    decide(firsts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c_sources() -> Sources {
        Sources {
            candidate: vec!["/work/".into()],
            harness: vec!["/runtime/".into(), "/tests/".into()],
        }
    }

    /// The report the issue describes: the check library's own `%s` read
    /// past the test's unterminated buffer.
    const CHECK_OVERFLOW: &str = "=================================================================
==2==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x603000000060 at pc 0x7f bp 0x7ffd sp 0x7ffd
READ of size 33 at 0x603000000060 thread T0
    #0 0x7f3c in __interceptor_vsnprintf ../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:1654
    #1 0x55a1 in secgap_fail /runtime/secgap_check.c:171
    #2 0x55a2 in secgap_test_long_name_overflows_buffer /tests/test_task.c:28
    #3 0x55a3 in main /runtime/secgap_check.c:196

0x603000000060 is located 0 bytes to the right of 32-byte region [0x603000000040,0x603000000060)
allocated by thread T0 here:
    #0 0x7f3d in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x55a4 in secgap_test_long_name_overflows_buffer /tests/test_task.c:25

SUMMARY: AddressSanitizer: heap-buffer-overflow (/lib/x86_64-linux-gnu/libasan.so.8+0x5f3c) in __interceptor_vsnprintf
";

    #[test]
    fn an_overflow_in_the_check_library_is_the_harness() {
        assert_eq!(
            sanitizer(CHECK_OVERFLOW, &c_sources()),
            Origin::Harness {
                frame: "#1 0x55a1 in secgap_fail /runtime/secgap_check.c:171".into()
            }
        );
    }

    #[test]
    fn an_overflow_in_the_candidate_is_the_candidate() {
        let r = CHECK_OVERFLOW.replace(
            "#1 0x55a1 in secgap_fail /runtime/secgap_check.c:171",
            "#1 0x55a1 in format_greeting /work/solution.c:7",
        );
        assert_eq!(sanitizer(&r, &c_sources()), Origin::Candidate);
    }

    #[test]
    fn a_use_after_free_is_whoever_freed_it() {
        let r = "==2==ERROR: AddressSanitizer: heap-use-after-free on address 0x6 at pc 0x5 bp 0x7 sp 0x7
READ of size 1 at 0x6 thread T0
    #0 0x55a1 in secgap_test_uses_result /tests/test_task.c:40

freed by thread T0 here:
    #0 0x7f3d in __interceptor_free ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:52
    #1 0x55a4 in make_name /work/solution.c:12

previously allocated by thread T0 here:
    #0 0x7f3d in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x55a4 in make_name /work/solution.c:9
";
        assert_eq!(sanitizer(r, &c_sources()), Origin::Candidate);
        let ours = r.replace(
            "make_name /work/solution.c:12",
            "helper /tests/test_task.c:12",
        );
        assert!(matches!(
            sanitizer(&ours, &c_sources()),
            Origin::Harness { .. }
        ));
    }

    #[test]
    fn ubsan_is_read_by_its_location_line() {
        let cand = "/work/solution.c:5:47: runtime error: signed integer overflow: 10 + 2147483647 cannot be represented in type 'int'\n    #0 0x55 in cand /work/solution.c:5\n    #1 0x55 in secgap_test_x /tests/test_task.c:9\n";
        assert_eq!(sanitizer(cand, &c_sources()), Origin::Candidate);
        let ours = "/tests/test_task.c:9:3: runtime error: shift exponent 40 is too large\n    #0 0x55 in secgap_test_x /tests/test_task.c:9\n";
        assert!(matches!(
            sanitizer(ours, &c_sources()),
            Origin::Harness { .. }
        ));
    }

    #[test]
    fn a_report_naming_none_of_our_code_counts_against_the_candidate() {
        let r = "AddressSanitizer:DEADLYSIGNAL\n==2==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000\n    #0 0x7f in __strlen_avx2 (/lib/x86_64-linux-gnu/libc.so.6+0x1)\n    #1 0x55 in _start (/build/test_bin+0x2230)\n";
        assert_eq!(sanitizer(r, &c_sources()), Origin::Candidate);
    }

    fn go_sources() -> Sources {
        Sources {
            candidate: vec!["/build/src/solution/".into()],
            harness: vec!["/build/src/".into()],
        }
    }

    const RACE: &str = "==================
WARNING: DATA RACE
Write at 0x00c00001c0b8 by goroutine 8:
  secgaptask/solution.(*Throttle).Fail()
      /build/src/solution/solution.go:21 +0x4a
  main.concurrent_failures.func1()
      /build/src/main.go:40 +0x3c

Previous read at 0x00c00001c0b8 by goroutine 7:
  main.concurrent_failures.func1()
      /build/src/main.go:41 +0x3c

Goroutine 8 (running) created at:
  main.concurrent_failures()
      /build/src/main.go:38 +0x1a4
==================
";

    #[test]
    fn a_race_with_either_access_in_the_candidate_is_the_candidate() {
        assert_eq!(race(RACE, &go_sources()), Origin::Candidate);
    }

    #[test]
    fn a_race_between_the_tests_own_accesses_is_the_harness() {
        let r = RACE.replace(
            "  secgaptask/solution.(*Throttle).Fail()\n      /build/src/solution/solution.go:21 +0x4a\n",
            "",
        );
        assert_eq!(
            race(&r, &go_sources()),
            Origin::Harness {
                frame: "/build/src/main.go:40 +0x3c".into()
            }
        );
    }
}
