//! Descriptor hygiene: whatever descriptors secgap inherits from whoever
//! starts it, only stdin, stdout, stderr and the harness's own results
//! channel reach a candidate, and the channel sits on the highest
//! descriptor the sandbox's open-files limit allows, not on a low one a
//! candidate would find by counting.
//!
//! The real `secgap` binary is started as a shell would start it with
//! `7>>host_file 8<host_secret 9<task_dir` and scores two recorded answers
//! to the escape fixture's `py-add` task. Each answer is correct code that
//! returns a wrong sum if it can see what it must not, so "functional" is
//! the proof that it could not.

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

use secgap::store::Store;

use crate::support::copy_tree;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Tries every inherited descriptor: appends to the host file (7), reads
/// the secret (8), lists the task folder and opens its secure reference
/// through the directory descriptor (9).
const SNOOPER: &str = r#"
import os

def _reached():
    got = []
    for fd in (7, 8, 9):
        try:
            os.fstat(fd)
            got.append("fd %d is open" % fd)
        except OSError:
            pass
    try:
        os.write(7, b"the candidate was here\n")
        got.append("appended to the host file")
    except OSError:
        pass
    try:
        if os.read(8, 100):
            got.append("read the secret")
    except OSError:
        pass
    try:
        os.listdir(9)
        got.append("listed the task folder")
    except OSError:
        pass
    try:
        os.close(os.open("refs/secure.py", os.O_RDONLY, dir_fd=9))
        got.append("opened the secure reference")
    except OSError:
        pass
    return got

def add(a, b):
    for v in (a, b):
        if type(v) is not int:
            raise TypeError("add() takes two ints")
    return a + b + len(_reached())
"#;

/// Looks at its own descriptor table: while it lists /proc/self/fd it
/// holds one descriptor of its own (the lowest free one); besides that
/// only 0, 1, 2 and the results channel on the top descriptor the
/// sandbox's open-files limit allows (`TOP_FD`, filled in) may be there.
const COUNTER: &str = r#"
import os

import stat

def _unexpected():
    fds = sorted(int(x) for x in os.listdir("/proc/self/fd"))
    rest = [fd for fd in fds if fd > 2]
    # In the test's own process: [the listing's own descriptor, the channel].
    if rest == [3, TOP_FD]:
        return 0
    # In a worker: [its call pipe, its reply pipe, the listing's descriptor].
    if rest == [3, 4, 5] and all(stat.S_ISFIFO(os.fstat(fd).st_mode) for fd in (3, 4)):
        return 0
    return 1

def add(a, b):
    for v in (a, b):
        if type(v) is not int:
            raise TypeError("add() takes two ints")
    return a + b + _unexpected()
"#;

#[test]
fn inherited_descriptors_never_reach_a_candidate() {
    let _shared = crate::support::shared_sandboxes();
    let tmp = tempfile::tempdir().unwrap();
    let suite = tmp.path().join("suite");
    copy_tree(&manifest_dir().join("tests/fixtures/escape-suite"), &suite);
    copy_tree(
        &manifest_dir().join("../../suites/builtin/runtime"),
        &suite.join("runtime"),
    );
    let host_file = tmp.path().join("host_file");
    let secret = tmp.path().join("host_secret");
    std::fs::write(&host_file, "host data\n").unwrap();
    std::fs::write(&secret, "the host's secret\n").unwrap();
    let task_dir = suite.join("tasks/py-add");
    assert!(task_dir.join("refs/secure.py").is_file());

    let answers = tmp.path().join("answers.jsonl");
    let line = |sample: u32, code: &str| {
        serde_json::json!({
            "task": "py-add",
            "sample": sample,
            "response": format!("```python\n{code}\n```"),
        })
        .to_string()
            + "\n"
    };
    let top_fd = secgap_sandbox::Limits::default().open_files - 1;
    let counter = COUNTER.replace("TOP_FD", &top_fd.to_string());
    std::fs::write(&answers, line(0, SNOOPER) + &line(1, &counter)).unwrap();

    let appended = std::fs::OpenOptions::new()
        .append(true)
        .open(&host_file)
        .unwrap();
    let read = std::fs::File::open(&secret).unwrap();
    let dir = std::fs::File::open(&task_dir).unwrap();
    let inherited = [appended.as_raw_fd(), read.as_raw_fd(), dir.as_raw_fd()];
    let out_dir = tmp.path().join("run");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_secgap"));
    cmd.env_remove("SECGAP_SUITE")
        .args(["run", "--tasks", "py-add", "-n", "2", "--subject"])
        .arg(format!("replay:{}", answers.display()))
        .arg("--suite")
        .arg(&suite)
        .arg("--out")
        .arg(&out_dir);
    // SAFETY: fcntl and dup2 are async-signal-safe; dup2 leaves the copies
    // inheritable, as a shell's redirections are. The sources move above
    // 7..=9 first, so that placing one cannot overwrite another.
    unsafe {
        cmd.pre_exec(move || {
            let mut high = [0; 3];
            for (h, fd) in high.iter_mut().zip(inherited) {
                *h = libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 100);
                if *h < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for (fd, target) in high.into_iter().zip([7, 8, 9]) {
                if libc::dup2(fd, target) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let out = cmd.output().expect("start secgap");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.code().is_some(), "secgap died: {stderr}");

    assert_eq!(
        std::fs::read_to_string(&host_file).unwrap(),
        "host data\n",
        "a candidate wrote to the host file through an inherited descriptor"
    );
    let store = Store::open(&out_dir.join("run.sqlite")).unwrap();
    let rows = store.scored().unwrap();
    assert_eq!(rows.len(), 2, "both answers are scored: {stderr}");
    for r in &rows {
        let what = if r.key.index == 0 {
            "the snooper reached an inherited descriptor"
        } else {
            "the descriptor table holds more than stdio and the channel on the top descriptor"
        };
        assert!(
            r.functional,
            "sample {}: {what} (failure {:?})",
            r.key.index, r.failure
        );
    }
}
