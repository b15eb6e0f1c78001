//! The bubblewrap sandbox.
//!
//! Runs one command with fresh mount, PID, IPC, UTS, user, cgroup and
//! network namespaces (so only `lo` exists and nothing is reachable),
//! read-only system directories, size-limited tmpfs workspaces, resource
//! limits set inside the new user namespace, and, through
//! [`crate::supervise`], captured and capped output and a wall-clock
//! timeout that kill the whole process tree. When the harness runs as
//! root, the sandbox runs as `nobody` so that the process limit applies.
//! An optional out-of-band results channel (fd 3, with a nonce on fd 4)
//! carries verdicts. No other descriptor reaches the sandbox.

use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::limits::Limits;
use crate::random::try_random_hex;
use crate::supervise::{self, Captured, Drain, Exit, Killed, Reader};

/// The unprivileged identity the sandbox runs as when the harness is root.
pub const SANDBOX_UID: u32 = 65534;
pub const SANDBOX_GID: u32 = 65534;

#[derive(Debug, Clone)]
pub struct Mount {
    pub host: PathBuf,
    pub dest: String,
    pub writable: bool,
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Extra bind mounts, applied after the tmpfs workspace, in order.
    pub mounts: Vec<Mount>,
    /// Where the private tmpfs workspace is mounted; also the working directory.
    pub workdir: String,
    pub limits: Limits,
    /// Open the results channel (fd 3 for verdicts, fd 4 holding the nonce).
    pub channel: bool,
    /// A second line on fd 4, after the nonce's: what the check library
    /// must learn and the sandboxed code's command line must not show (the
    /// test's name). Only with `channel`.
    pub after_nonce: Option<String>,
    /// A second sandbox the command starts inside this one for the code
    /// under test (see [`Worker`]); None: the command runs alone.
    pub worker: Option<Worker>,
    /// Which network the sandbox has.
    pub network: Network,
    /// A cgroup's `cgroup.procs` file (see [`crate::cgroup::Cgroup`]) that
    /// the sandbox joins before anything of it runs, so that every process
    /// of it is in that cgroup.
    pub cgroup: Option<PathBuf>,
}

/// The network a sandbox sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Network {
    /// A network namespace of its own holding only a loopback that nothing
    /// else shares: nothing is reachable (function-level tests, builds).
    #[default]
    Isolated,
    /// The network namespace of the thread that starts the sandbox. Only
    /// for a thread that made a private, loopback-only namespace of its
    /// own first (see [`crate::netns`]), so that the app and the harness's
    /// test runner share a loopback that nothing else can reach.
    Caller,
}

/// The sandbox inside the sandbox: where the candidate's code runs when the
/// checking code must live in a process the candidate cannot reach.
///
/// The outer sandbox's command (the checker: the tests and the check
/// library) gets, in the environment variable [`WORKER_ENV`], the command
/// line that starts the worker as a JSON array of strings, and starts it
/// itself with the call and reply pipes as its descriptors 3 and 4. The
/// worker is a fresh bubblewrap sandbox nested in the outer one: its own
/// mount, PID, IPC, network and user namespaces (it cannot see, signal or
/// trace the checker, and cannot make namespaces of its own), the same
/// read-only system folders, its own tmpfs `/tmp` and `/dev/shm`, and of
/// the outer sandbox's folders only those in [`Worker::binds`] — never the
/// tests. The outer limits (CPU, processes, files, memory) bound both.
#[derive(Debug, Clone)]
pub struct Worker {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Folders of the outer sandbox bound at the same path in the worker:
    /// (path, writable). A writable one is shared with the checker, which
    /// can then inspect what the candidate left there.
    pub binds: Vec<(String, bool)>,
    /// The worker's working directory.
    pub workdir: String,
}

/// The environment variable holding the worker's command line (JSON).
pub const WORKER_ENV: &str = "SECGAP_WORKER";

/// Where the outer sandbox sees bubblewrap when it starts a worker and the
/// host's bwrap lies outside the system folders it mounts.
const NESTED_BWRAP: &str = "/.secgap/bwrap";

#[derive(Debug, Clone)]
pub struct Outcome {
    pub exit: Exit,
    pub killed: Option<Killed>,
    pub wall: Duration,
    pub stdout: Captured,
    pub stderr: Captured,
    /// Raw bytes written to the results channel, if it was opened.
    pub channel: Vec<u8>,
    /// The nonce written on fd 4, if the channel was opened.
    pub nonce: String,
}

/// Bytes of stdout and of stderr kept for evidence.
const CAPTURE_CAP: usize = 64 * 1024;
/// Bytes of the results channel kept.
const CHANNEL_CAP: usize = 256 * 1024;

/// Find bubblewrap.
pub fn bwrap_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SECGAP_BWRAP") {
        return Some(PathBuf::from(p));
    }
    find_in_path("bwrap")
}

pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Make `path` (a harness-owned staging folder) usable by the sandbox identity.
pub fn hand_over(path: &Path) -> Result<()> {
    if running_as_root() {
        std::os::unix::fs::chown(path, Some(SANDBOX_UID), Some(SANDBOX_GID))
            .with_context(|| format!("chown {}", path.display()))?;
    }
    Ok(())
}

/// System folders mounted read-only, or recreated as symlinks where the
/// host has merged /usr.
const SYSTEM_DIRS: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32",
];
/// The few files from /etc that programs and the dynamic loader read.
const ETC_FILES: &[&str] = &[
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
];

/// The system folders and /etc files every function sandbox sees, read-only.
fn push_system(push: &mut impl FnMut(&[&str])) {
    push_system_dirs(push);
    for f in ETC_FILES {
        if Path::new(f).exists() {
            push(&["--ro-bind", f, f]);
        }
    }
}

/// The system folders every sandbox (an agent's too) sees, read-only, or
/// their symlinks where the host has merged /usr.
pub(crate) fn push_system_dirs(push: &mut impl FnMut(&[&str])) {
    for dir in SYSTEM_DIRS {
        let p = Path::new(dir);
        match std::fs::symlink_metadata(p) {
            Ok(m) if m.file_type().is_symlink() => {
                if let Ok(target) = std::fs::read_link(p) {
                    push(&["--symlink", &target.to_string_lossy(), dir]);
                }
            }
            Ok(m) if m.is_dir() => push(&["--ro-bind", dir, dir]),
            _ => {}
        }
    }
}

/// Whether `path` lies in a system folder every sandbox mounts.
pub(crate) fn in_system_dirs(path: &Path) -> bool {
    SYSTEM_DIRS.iter().any(|d| path.starts_with(d))
}

fn bwrap_args(spec: &Spec, bwrap: &Path) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |parts: &[&str]| a.extend(parts.iter().map(|s| s.to_string()));
    push(&["--unshare-all", "--unshare-user"]);
    if spec.network == Network::Caller {
        push(&["--share-net"]);
    }
    // A checker must make its worker's namespaces; the worker itself, and
    // every sandbox without a worker, can make none.
    if spec.worker.is_none() {
        push(&["--disable-userns"]);
    }
    push(&[
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
    ]);
    push_system(&mut push);
    let tmpfs = (spec.limits.tmpfs_mb * 1024 * 1024).to_string();
    push(&["--proc", "/proc", "--dev", "/dev"]);
    push(&["--size", &tmpfs, "--tmpfs", "/dev/shm"]);
    push(&["--size", &tmpfs, "--tmpfs", "/tmp"]);
    push(&["--size", &tmpfs, "--tmpfs", &spec.workdir]);
    for m in &spec.mounts {
        let host = m.host.to_string_lossy();
        push(&[
            if m.writable { "--bind" } else { "--ro-bind" },
            &host,
            &m.dest,
        ]);
    }
    if spec.worker.is_some() && !in_system_dirs(bwrap) {
        push(&["--ro-bind", &bwrap.to_string_lossy(), NESTED_BWRAP]);
    }
    // bwrap's own root and /dev are tmpfs mounts with no size limit that
    // the sandbox user owns; left writable, they would let the code fill
    // the host's memory. Only the size-capped mounts above stay writable.
    push(&["--remount-ro", "/dev", "--remount-ro", "/"]);
    push(&["--chdir", &spec.workdir]);
    // Limits are set inside the new user namespace, so the process count
    // is that of the sandbox alone, not of the whole host user.
    let l = &spec.limits;
    push(&["--", "/usr/bin/prlimit"]);
    a.push(format!("--cpu={}:{}", l.cpu_secs, l.cpu_secs + 1));
    a.push(format!("--nproc={}", l.processes));
    a.push(format!("--fsize={}", l.file_size_mb * 1024 * 1024));
    a.push(format!("--nofile={}", l.open_files));
    a.push("--core=0".into());
    if let Some(mb) = l.address_space_mb {
        a.push(format!("--as={}", mb * 1024 * 1024));
    }
    a.push("--".into());
    a.extend(spec.argv.iter().cloned());
    a
}

/// The command line, as seen inside the outer sandbox, that starts `w` in
/// its own sandbox (see [`Worker`]).
fn worker_argv(w: &Worker, limits: &Limits, bwrap: &Path) -> Vec<String> {
    let inner = if in_system_dirs(bwrap) {
        bwrap.to_string_lossy().into_owned()
    } else {
        NESTED_BWRAP.to_string()
    };
    let mut a: Vec<String> = vec![inner];
    let mut push = |parts: &[&str]| a.extend(parts.iter().map(|s| s.to_string()));
    push(&[
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "worker",
        "--clearenv",
    ]);
    push_system(&mut push);
    let tmpfs = (limits.tmpfs_mb * 1024 * 1024).to_string();
    push(&["--proc", "/proc", "--dev", "/dev"]);
    push(&["--size", &tmpfs, "--tmpfs", "/dev/shm"]);
    push(&["--size", &tmpfs, "--tmpfs", "/tmp"]);
    for (path, writable) in &w.binds {
        push(&[if *writable { "--bind" } else { "--ro-bind" }, path, path]);
    }
    for (k, v) in &w.env {
        push(&["--setenv", k, v]);
    }
    push(&["--remount-ro", "/dev", "--remount-ro", "/"]);
    push(&["--chdir", &w.workdir, "--"]);
    a.extend(w.argv.iter().cloned());
    a
}

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds points at two ints; pipe2 fills them on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        bail!("pipe2: {}", std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors are fresh and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Run `spec` in a fresh sandbox. An error means the harness could not run
/// the sandbox at all; everything the sandboxed code does is in the Outcome.
pub fn run(spec: &Spec) -> Result<Outcome> {
    spawn(spec)?.finish()
}

/// A sandbox that is running; see [`spawn`]. Dropping it kills the whole
/// sandbox.
pub struct Sandboxed {
    running: supervise::Running,
    channel_reader: Option<Reader>,
    nonce: String,
}

impl Sandboxed {
    /// The pid of bubblewrap, outside the sandbox: every process of the
    /// sandbox descends from it.
    pub fn pid(&self) -> i32 {
        self.running.pid()
    }

    /// Whether the sandbox has ended (its command exited or was killed).
    pub fn has_exited(&mut self) -> bool {
        self.running.has_exited()
    }

    /// Wait for the sandbox to end (or its limits to end it).
    pub fn finish(self) -> Result<Outcome> {
        let Sandboxed {
            running,
            channel_reader,
            nonce,
        } = self;
        let done = running.finish().context("waiting for the sandbox")?;
        Ok(outcome(done, channel_reader, nonce))
    }

    /// End the sandbox now, killing every process in it, and collect what
    /// it printed.
    pub fn stop(self) -> Result<Outcome> {
        let Sandboxed {
            running,
            channel_reader,
            nonce,
        } = self;
        let done = running.stop().context("stopping the sandbox")?;
        Ok(outcome(done, channel_reader, nonce))
    }
}

/// What a sandbox did, once it has ended.
fn outcome(done: supervise::Finished, channel_reader: Option<Reader>, nonce: String) -> Outcome {
    let channel = channel_reader.map(|r| r.join().bytes).unwrap_or_default();
    // bwrap reports a child killed by signal N as exit code 128 + N.
    let exit = match done.exit {
        Exit::Code(c) if (129..=128 + 64).contains(&c) => Exit::Signal(c - 128),
        e => e,
    };
    Outcome {
        exit,
        killed: done.killed,
        wall: done.wall,
        stdout: done.stdout,
        stderr: done.stderr,
        channel,
        nonce,
    }
}

/// Start `spec` in a fresh sandbox and return at once; call
/// [`Sandboxed::finish`] or [`Sandboxed::stop`] on the same thread.
pub fn spawn(spec: &Spec) -> Result<Sandboxed> {
    let bwrap = bwrap_path().context(
        "bubblewrap (bwrap) is not installed; install it with `apt-get install bubblewrap` (see `secgap doctor`)",
    )?;
    let mut cmd = Command::new(&bwrap);
    if let Some(procs) = &spec.cgroup {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(procs)
            .with_context(|| format!("open {}", procs.display()))?;
        let fd = std::os::fd::OwnedFd::from(file);
        let raw = fd.as_raw_fd();
        // Registered first, so it runs before the descriptors are closed.
        // SAFETY: only write(2) between fork and exec; the descriptor stays
        // open in the parent (held by the closure) until the command is spawned.
        unsafe {
            cmd.pre_exec(move || {
                let _keep = &fd;
                if libc::write(raw, b"0".as_ptr().cast(), 1) != 1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    cmd.args(bwrap_args(spec, &bwrap))
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)));
    if let Some(w) = &spec.worker {
        let argv = worker_argv(w, &spec.limits, &bwrap);
        let json = serde_json::to_string(&argv).context("encode the worker's command line")?;
        cmd.env(WORKER_ENV, json);
    }
    if running_as_root() {
        cmd.uid(SANDBOX_UID).gid(SANDBOX_GID);
    }
    // The nonce proves a verdict came from the check library, so it must
    // be unguessable: no sandbox without one.
    let nonce = if spec.channel {
        try_random_hex(16).context("cannot make the results channel's nonce")?
    } else {
        String::new()
    };
    let mut channel_read = None;
    let mut nonce_write = None;
    if spec.channel {
        let (cr, cw) = pipe()?;
        let (nr, nw) = pipe()?;
        let cw_raw = cw.as_raw_fd();
        let nr_raw = nr.as_raw_fd();
        // SAFETY: only async-signal-safe calls (fcntl, dup2, close) between
        // fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                let a = libc::fcntl(cw_raw, libc::F_DUPFD, 20);
                let b = libc::fcntl(nr_raw, libc::F_DUPFD, 20);
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(a);
                libc::close(b);
                Ok(())
            });
        }
        channel_read = Some((cr, cw));
        nonce_write = Some((nr, nw));
    }
    // Nothing else secgap holds, or inherited, reaches the sandbox.
    supervise::close_inherited_from(&mut cmd, if spec.channel { 5 } else { 3 });
    // bwrap is the group's leader; killing it takes the sandbox's PID
    // namespace, and so every process in it, with it (--die-with-parent).
    // Nothing outside the namespace holds the pipes, so they are read to
    // the end. If the harness dies (even by SIGKILL), bwrap dies with it.
    let running = supervise::spawn(
        cmd,
        supervise::Options {
            wall: spec.limits.wall,
            keep: CAPTURE_CAP,
            output_limit: Some(spec.limits.output_bytes),
            drain: Drain::ToEnd,
        },
    )
    .with_context(|| format!("cannot start {}", bwrap.display()))?;

    let channel_reader = channel_read.map(|(cr, cw)| {
        drop(cw);
        Reader::spawn(std::fs::File::from(cr), CHANNEL_CAP)
    });
    if let Some((nr, nw)) = nonce_write {
        drop(nr);
        let mut f = std::fs::File::from(nw);
        let mut fd4 = nonce.clone();
        if let Some(line) = &spec.after_nonce {
            fd4.push('\n');
            fd4.push_str(line);
            fd4.push('\n');
        }
        let _ = f.write_all(fd4.as_bytes());
    }

    Ok(Sandboxed {
        running,
        channel_reader,
        nonce,
    })
}
