//! The bubblewrap sandbox.
//!
//! Runs one command with fresh mount, PID, IPC, UTS, user, cgroup and
//! network namespaces (so only `lo` exists and nothing is reachable),
//! read-only system directories, size-limited tmpfs workspaces, resource
//! limits set inside the new user namespace, captured and capped output,
//! and a wall-clock timeout that kills the whole process tree. When the
//! harness runs as root, the sandbox runs as `nobody` so that the process
//! limit applies. An optional out-of-band results channel (fd 3, with a
//! nonce on fd 4) carries verdicts. This module knows nothing of tasks,
//! tests or models.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The unprivileged identity the sandbox runs as when the harness is root.
pub const SANDBOX_UID: u32 = 65534;
pub const SANDBOX_GID: u32 = 65534;

#[derive(Debug, Clone)]
pub struct Mount {
    pub host: PathBuf,
    pub dest: String,
    pub writable: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// CPU seconds (RLIMIT_CPU).
    pub cpu_secs: u64,
    /// Address space in MiB (RLIMIT_AS); None leaves it unlimited (sanitizers).
    pub address_space_mb: Option<u64>,
    /// Processes and threads inside the sandbox (RLIMIT_NPROC).
    pub processes: u64,
    /// Largest file the sandbox may write, in MiB (RLIMIT_FSIZE).
    pub file_size_mb: u64,
    /// Open file descriptors (RLIMIT_NOFILE).
    pub open_files: u64,
    /// Size of each tmpfs (/tmp and the workspace), in MiB.
    pub tmpfs_mb: u64,
    /// stdout plus stderr bytes before the process tree is killed.
    pub output_bytes: u64,
    /// Wall-clock limit for the whole process tree.
    pub wall: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            cpu_secs: 10,
            address_space_mb: Some(1024),
            processes: 64,
            file_size_mb: 64,
            open_files: 256,
            tmpfs_mb: 64,
            output_bytes: 1 << 20,
            wall: Duration::from_secs(10),
        }
    }
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit code {c}"),
            Exit::Signal(s) => write!(f, "signal {s} ({})", signal_name(*s)),
        }
    }
}

pub fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGXCPU => "SIGXCPU: CPU time limit",
        libc::SIGXFSZ => "SIGXFSZ: file size limit",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGILL => "SIGILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGPIPE => "SIGPIPE",
        _ => "signal",
    }
}

/// A limit the harness itself enforced by killing the process tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Killed {
    WallClock,
    Output,
}

#[derive(Debug, Clone)]
pub struct Captured {
    /// The first bytes, up to the capture cap.
    pub bytes: Vec<u8>,
    /// How many bytes were produced in all.
    pub total: u64,
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

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
/// Bytes read from the results channel at most.
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

fn bwrap_args(spec: &Spec) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |parts: &[&str]| a.extend(parts.iter().map(|s| s.to_string()));
    push(&[
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
    ]);
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
    for f in ETC_FILES {
        if Path::new(f).exists() {
            push(&["--ro-bind", f, f]);
        }
    }
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

fn pipe() -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds points at two ints; pipe2 fills them on success.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        bail!("pipe2: {}", std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors are fresh and owned by nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Make the child receive SIGKILL when the thread that spawns it dies
/// (PR_SET_PDEATHSIG), and exit at once if the harness is already gone.
/// The death signal follows the forking thread, so that thread must live
/// as long as the child (callers wait for it there).
pub fn die_with_harness(cmd: &mut Command) {
    let harness = std::process::id() as libc::pid_t;
    // SAFETY: prctl, getppid and _exit are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() != harness {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut buf);
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn reader<R: Read + Send + 'static>(
    mut r: R,
    cap: usize,
    counter: Option<(Arc<AtomicU64>, u64, Arc<AtomicBool>, i32)>,
) -> std::thread::JoinHandle<Captured> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut total = 0u64;
        let mut buf = [0u8; 16384];
        loop {
            let n = match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            total += n as u64;
            if kept.len() < cap {
                let take = n.min(cap - kept.len());
                kept.extend_from_slice(&buf[..take]);
            }
            if let Some((shared, limit, flag, pgid)) = &counter {
                let all = shared.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
                if all > *limit && !flag.swap(true, Ordering::SeqCst) {
                    kill_tree(*pgid);
                }
            }
        }
        Captured { bytes: kept, total }
    })
}

fn kill_tree(pid: i32) {
    // SAFETY: sending a signal has no memory-safety preconditions. The
    // sandbox leader is its own process group; killing it makes the kernel
    // kill everything in its PID namespace (--die-with-parent).
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
        libc::kill(pid, libc::SIGKILL);
    }
}

/// Run `spec` in a fresh sandbox. An error means the harness could not run
/// the sandbox at all; everything the sandboxed code does is in the Outcome.
pub fn run(spec: &Spec) -> Result<Outcome> {
    let bwrap = bwrap_path().context(
        "bubblewrap (bwrap) is not installed; install it with `apt-get install bubblewrap` (see `secgap doctor`)",
    )?;
    let mut cmd = Command::new(&bwrap);
    cmd.args(bwrap_args(spec))
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if running_as_root() {
        cmd.uid(SANDBOX_UID).gid(SANDBOX_GID);
    }
    // If the harness dies (even by SIGKILL), bwrap dies with it, and with
    // bwrap the whole sandbox. Set after the uid change, which clears it.
    die_with_harness(&mut cmd);
    let nonce = if spec.channel {
        random_hex(16)
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
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {}", bwrap.display()))?;
    let pid = child.id() as i32;

    let channel_handle = channel_read.map(|(cr, cw)| {
        drop(cw);
        reader(std::fs::File::from(cr), CHANNEL_CAP, None)
    });
    if let Some((nr, nw)) = nonce_write {
        drop(nr);
        let mut f = std::fs::File::from(nw);
        let _ = f.write_all(nonce.as_bytes());
    }

    let shared = Arc::new(AtomicU64::new(0));
    let over = Arc::new(AtomicBool::new(false));
    let lim = spec.limits.output_bytes;
    let out_h = reader(
        child.stdout.take().expect("piped stdout"),
        CAPTURE_CAP,
        Some((shared.clone(), lim, over.clone(), pid)),
    );
    let err_h = reader(
        child.stderr.take().expect("piped stderr"),
        CAPTURE_CAP,
        Some((shared, lim, over.clone(), pid)),
    );

    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let st = child.wait();
        let _ = tx.send(());
        st
    });
    let mut timed_out = false;
    if rx.recv_timeout(spec.limits.wall).is_err() {
        timed_out = true;
        kill_tree(pid);
    }
    let status = waiter
        .join()
        .map_err(|_| anyhow::anyhow!("sandbox waiter thread panicked"))?
        .context("waiting for the sandbox")?;
    let wall = started.elapsed();
    // The leader is gone and the namespace with it; drain what is left.
    let stdout = out_h.join().expect("stdout reader");
    let stderr = err_h.join().expect("stderr reader");
    let channel = channel_handle
        .map(|h| h.join().expect("channel reader").bytes)
        .unwrap_or_default();

    // bwrap reports a child killed by signal N as exit code 128 + N.
    let exit = match (status.code(), status.signal()) {
        (Some(c), _) if (129..=128 + 64).contains(&c) => Exit::Signal(c - 128),
        (Some(c), _) => Exit::Code(c),
        (None, Some(s)) => Exit::Signal(s),
        _ => Exit::Code(-1),
    };
    let killed = if timed_out {
        Some(Killed::WallClock)
    } else if over.load(Ordering::SeqCst) {
        Some(Killed::Output)
    } else {
        None
    };
    Ok(Outcome {
        exit,
        killed,
        wall,
        stdout,
        stderr,
        channel,
        nonce,
    })
}
