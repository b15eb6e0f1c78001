//! Process supervision: run one command in its own process group with
//! stdin from /dev/null, read its stdout and stderr with caps, enforce a
//! wall-clock limit and an output limit by killing the whole group, and
//! return one [`Finished`]. The bubblewrap runner and the coding agents
//! (which run outside any sandbox) both go through here.
//!
//! The output limit is enforced by the readers themselves: the read that
//! takes stdout plus stderr past the limit is the last one, so the bytes
//! read can exceed the limit by at most one buffer per stream, however
//! long the kill takes to land on a loaded machine.
//!
//! Only the thread that waits for the leader kills the group, and only
//! while the leader is an unreaped zombie or alive: its pid, which names
//! the group, cannot be reused before it is reaped, so a kill cannot hit
//! an unrelated process.

use std::fs::File;
use std::io::Read;
use std::marker::PhantomData;
use std::os::fd::OwnedFd;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    fn of(status: ExitStatus) -> Exit {
        match (status.code(), status.signal()) {
            (Some(c), _) => Exit::Code(c),
            (None, Some(s)) => Exit::Signal(s),
            _ => Exit::Code(-1),
        }
    }
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

/// A limit the harness itself enforced by killing the process group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Killed {
    WallClock,
    Output,
}

/// What was read from one stream.
#[derive(Debug, Clone, Default)]
pub struct Captured {
    /// The first bytes, up to the capture cap.
    pub bytes: Vec<u8>,
    /// How many bytes were read in all. Reading stops at the output limit,
    /// so past it this is the limit plus at most one read buffer per stream.
    pub total: u64,
}

impl Captured {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// How long to wait for stdout and stderr to reach end of file once the
/// leader has exited and its group has been killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drain {
    /// Until end of file: every process that can hold the pipes dies with
    /// the group (bubblewrap's PID namespace dies with its leader).
    ToEnd,
    /// At most this long: a process that left the group may hold the pipes
    /// open; what was read by then is kept.
    AtMost(Duration),
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Wall-clock limit, from the spawn; the whole group is killed at it.
    pub wall: Duration,
    /// Bytes of stdout and of stderr kept, each.
    pub keep: usize,
    /// Bytes of stdout plus stderr at which the readers stop and the group
    /// is killed; `None` reads (and counts) everything.
    pub output_limit: Option<u64>,
    pub drain: Drain,
}

/// The outcome of one supervised process.
#[derive(Debug, Clone)]
pub struct Finished {
    pub exit: Exit,
    pub killed: Option<Killed>,
    /// From the spawn until the leader's exit was seen.
    pub wall: Duration,
    pub stdout: Captured,
    pub stderr: Captured,
}

/// Spawn `cmd` and supervise it until it ends; see [`spawn`].
pub fn run(cmd: Command, opts: Options) -> std::io::Result<Finished> {
    spawn(cmd, opts)?.finish()
}

/// Start `cmd` in a process group of its own, stdin from /dev/null, stdout
/// and stderr read by the harness, killed with SIGKILL should the harness
/// die. Any uid, gid, environment or extra `pre_exec` setup of `cmd` is
/// kept. Call [`Running::finish`] on the same thread (the child's death
/// signal follows the thread that forked it).
pub fn spawn(mut cmd: Command, opts: Options) -> std::io::Result<Running> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    die_with_harness(&mut cmd);
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = child.id() as i32;
    let (tx, events) = mpsc::channel();
    let budget = opts.output_limit.map(|limit| {
        Arc::new(Budget {
            used: AtomicU64::new(0),
            limit,
            full: AtomicBool::new(false),
        })
    });
    let out = child.stdout.take().expect("piped stdout");
    let err = child.stderr.take().expect("piped stderr");
    let stdout = Stream::read(
        File::from(OwnedFd::from(out)),
        opts.keep,
        budget.clone().map(|b| (b, tx.clone())),
    );
    let stderr = Stream::read(
        File::from(OwnedFd::from(err)),
        opts.keep,
        budget.clone().map(|b| (b, tx.clone())),
    );
    std::thread::spawn(move || {
        wait_unreaped(pid);
        let _ = tx.send(Event::Exited);
    });
    Ok(Running {
        child: Some(child),
        pid,
        started,
        opts,
        events,
        budget,
        stdout,
        stderr,
        exited: false,
        _same_thread: PhantomData,
    })
}

/// A supervised process that has not been waited for. Dropping it kills
/// the group and reaps the leader.
pub struct Running {
    child: Option<Child>,
    pid: i32,
    started: Instant,
    opts: Options,
    events: mpsc::Receiver<Event>,
    budget: Option<Arc<Budget>>,
    stdout: Stream,
    stderr: Stream,
    /// The leader's exit was seen by [`has_exited`](Self::has_exited).
    exited: bool,
    /// Not Send: the thread that spawned the child must be the one that
    /// waits for it, or the child's death signal could fire early.
    _same_thread: PhantomData<*const ()>,
}

enum Event {
    /// The leader exited (it is not reaped yet).
    Exited,
    /// The readers reached the output limit.
    OutputFull,
}

impl Running {
    /// The leader's pid, which is also the process group's id.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// Whether the leader has exited (without waiting, and without reaping
    /// it: [`finish`](Self::finish) or [`stop`](Self::stop) still collects it).
    pub fn has_exited(&mut self) -> bool {
        if self.exited {
            return true;
        }
        while let Ok(e) = self.events.try_recv() {
            match e {
                Event::Exited => self.exited = true,
                Event::OutputFull => kill_group(self.pid),
            }
        }
        self.exited
    }

    /// Kill the whole group now, then collect it as [`finish`](Self::finish) does.
    pub fn stop(self) -> std::io::Result<Finished> {
        kill_group(self.pid);
        self.finish()
    }

    /// Wait for the leader to exit, killing the group at the wall-clock
    /// limit or the output limit; then kill whatever is left of the group,
    /// reap the leader and collect the output.
    pub fn finish(mut self) -> std::io::Result<Finished> {
        let deadline = self.started + self.opts.wall;
        let mut timed_out = false;
        loop {
            if self.exited {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.events.recv_timeout(left) {
                Ok(Event::Exited) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(Event::OutputFull) => kill_group(self.pid),
                Err(RecvTimeoutError::Timeout) => {
                    timed_out = true;
                    kill_group(self.pid);
                    // The waiter reports the exit the kill causes.
                    while let Ok(e) = self.events.recv() {
                        if let Event::Exited = e {
                            break;
                        }
                    }
                    break;
                }
            }
        }
        let wall = self.started.elapsed();
        // Whatever the leader left running in its group goes too.
        kill_group(self.pid);
        let status = self
            .child
            .take()
            .expect("the child is waited for once")
            .wait()?;
        // Give the group's last members a moment to be gone (signal 0 only
        // asks whether anyone is left).
        let settle = Instant::now() + Duration::from_secs(1);
        // SAFETY: signal 0 sends nothing.
        while unsafe { libc::kill(-self.pid, 0) } == 0 && Instant::now() < settle {
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Drain::AtMost(d) = self.opts.drain {
            let until = Instant::now() + d;
            while !(self.stdout.done() && self.stderr.done()) && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        let to_end = self.opts.drain == Drain::ToEnd;
        let stdout = self.stdout.collect(to_end);
        let stderr = self.stderr.collect(to_end);
        let full = self
            .budget
            .as_ref()
            .is_some_and(|b| b.full.load(Ordering::SeqCst));
        let killed = if timed_out {
            Some(Killed::WallClock)
        } else if full {
            Some(Killed::Output)
        } else {
            None
        };
        Ok(Finished {
            exit: Exit::of(status),
            killed,
            wall,
            stdout,
            stderr,
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            kill_group(self.pid);
            let _ = child.wait();
        }
    }
}

/// The output both streams may still produce, shared by their readers.
struct Budget {
    used: AtomicU64,
    limit: u64,
    /// Set by the reader whose read crossed the limit.
    full: AtomicBool,
}

impl Budget {
    /// Count `n` more bytes; true when the limit is crossed and reading
    /// must stop. The first reader to cross it asks for the kill.
    fn spend(&self, n: usize, tx: &Sender<Event>) -> bool {
        let used = self.used.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
        if used <= self.limit {
            return false;
        }
        if !self.full.swap(true, Ordering::SeqCst) {
            let _ = tx.send(Event::OutputFull);
        }
        true
    }
}

/// One pipe read on a thread of its own.
struct Stream {
    kept: Arc<Mutex<Captured>>,
    /// Returns the pipe, so that it stays open (a writer blocks rather
    /// than getting SIGPIPE) until the group has been killed and reaped.
    /// Taken when the output is collected.
    thread: Option<JoinHandle<File>>,
}

/// Bytes asked for per read; also how far one stream can read past the
/// output limit.
const READ_BUF: usize = 16 * 1024;

impl Stream {
    fn read(mut pipe: File, keep: usize, budget: Option<(Arc<Budget>, Sender<Event>)>) -> Stream {
        let kept = Arc::new(Mutex::new(Captured::default()));
        let k = kept.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; READ_BUF];
            loop {
                let n = match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                {
                    let mut c = k.lock().unwrap_or_else(|e| e.into_inner());
                    c.total += n as u64;
                    let room = keep.saturating_sub(c.bytes.len());
                    c.bytes.extend_from_slice(&buf[..n.min(room)]);
                }
                if let Some((b, tx)) = &budget {
                    if b.spend(n, tx) {
                        break;
                    }
                }
            }
            pipe
        });
        Stream {
            kept,
            thread: Some(thread),
        }
    }

    fn done(&self) -> bool {
        self.thread.as_ref().is_none_or(|t| t.is_finished())
    }

    /// What was read; with `to_end`, after the reader reached end of file
    /// (or the output limit).
    fn collect(&mut self, to_end: bool) -> Captured {
        if let Some(t) = self.thread.take_if(|t| to_end || t.is_finished()) {
            // A reader that panicked has still left what it read.
            let _pipe = t.join();
        }
        // An unfinished reader is left to end on its own with its pipe.
        std::mem::take(&mut *self.kept.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A pipe read on a thread of its own, with at most `keep` bytes kept and
/// everything counted (e.g. an extra results channel next to stdout and
/// stderr).
pub struct Reader(Stream);

impl Reader {
    pub fn spawn(pipe: File, keep: usize) -> Reader {
        Reader(Stream::read(pipe, keep, None))
    }

    /// What was read, once the pipe reached end of file.
    pub fn join(mut self) -> Captured {
        self.0.collect(true)
    }
}

/// Block until `pid` (a child of this process) has exited, without reaping
/// it.
fn wait_unreaped(pid: i32) {
    loop {
        // SAFETY: siginfo_t is plain data; all zeros is a valid value.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: waitid writes only into `info`.
        let r = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if r == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}

/// Kill the group `pgid` and its leader `pgid`, should the leader have
/// moved to another group. Only called while the leader is unreaped, so the
/// pid cannot name anybody else.
fn kill_group(pgid: i32) {
    // SAFETY: sending a signal has no memory-safety preconditions.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
        libc::kill(pgid, libc::SIGKILL);
    }
}

/// Make the child receive SIGKILL when the thread that spawns it dies
/// (PR_SET_PDEATHSIG), and exit at once if the harness is already gone.
/// The standard library runs `pre_exec` hooks after any uid change, which
/// would clear the death signal, so the signal survives `Command::uid`.
/// Let no descriptor from `first` up survive into the program `cmd`
/// executes, whatever the harness inherited from whoever started it (a
/// shell's `7>>file`, an editor's sockets): only the descriptors below
/// `first` (stdin, stdout, stderr and what the caller placed there on
/// purpose) reach the child. Registered as a `pre_exec` step, so it runs
/// after any earlier one that placed descriptors, and marks the rest
/// close-on-exec rather than closing them: the standard library's own
/// exec-error pipe must stay open until the exec.
pub fn close_inherited_from(cmd: &mut Command, first: u32) {
    // SAFETY: close_range, getrlimit and fcntl are async-signal-safe.
    unsafe {
        cmd.pre_exec(move || {
            let all = libc::syscall(
                libc::SYS_close_range,
                first,
                u32::MAX,
                libc::CLOSE_RANGE_CLOEXEC,
            );
            if all == 0 {
                return Ok(());
            }
            // Kernels before 5.11: every descriptor up to the limit, one by one.
            let mut lim = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            let top = if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 {
                lim.rlim_cur.min(1 << 20) as i32
            } else {
                1 << 16
            };
            for fd in first as i32..top {
                libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC);
            }
            Ok(())
        });
    }
}

fn die_with_harness(cmd: &mut Command) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(script);
        c
    }

    fn opts(wall_ms: u64, limit: Option<u64>) -> Options {
        Options {
            wall: Duration::from_millis(wall_ms),
            keep: 1024,
            output_limit: limit,
            drain: Drain::AtMost(Duration::from_secs(2)),
        }
    }

    #[test]
    fn exit_status_and_output_are_captured() {
        let f = run(sh("echo out; echo err >&2; exit 3"), opts(10_000, None)).unwrap();
        assert_eq!(f.exit, Exit::Code(3));
        assert_eq!(f.killed, None);
        assert_eq!(f.stdout.text(), "out\n");
        assert_eq!(f.stderr.text(), "err\n");
        let f = run(sh("kill -SEGV $$"), opts(10_000, None)).unwrap();
        assert_eq!(f.exit, Exit::Signal(libc::SIGSEGV));
    }

    #[test]
    fn the_wall_clock_limit_kills_the_group() {
        let t0 = Instant::now();
        let f = run(sh("echo started; sleep 30 & sleep 30"), opts(300, None)).unwrap();
        assert!(t0.elapsed() < Duration::from_secs(10));
        assert_eq!(f.killed, Some(Killed::WallClock));
        assert_eq!(f.exit, Exit::Signal(libc::SIGKILL));
        assert_eq!(f.stdout.text(), "started\n");
    }

    #[test]
    fn reading_stops_at_the_output_limit() {
        // Far more than the limit, on both streams; `yes` never stops.
        let limit = 100_000;
        let f = run(sh("yes >&2 & yes"), opts(20_000, Some(limit))).unwrap();
        assert_eq!(f.killed, Some(Killed::Output));
        let total = f.stdout.total + f.stderr.total;
        assert!(
            total > limit && total <= limit + 2 * READ_BUF as u64,
            "{total} bytes read, limit {limit}"
        );
        // Which stream filled the budget is a race between the two `yes`;
        // whichever it was, each keeps its first bytes up to the cap.
        for stream in [&f.stdout, &f.stderr] {
            assert_eq!(stream.bytes.len() as u64, stream.total.min(1024));
        }
        assert_eq!(f.stdout.bytes.len().max(f.stderr.bytes.len()), 1024);
    }

    #[test]
    fn without_a_limit_everything_is_counted_and_the_cap_kept() {
        let f = run(sh("head -c 200000 /dev/zero"), opts(20_000, None)).unwrap();
        assert_eq!(f.exit, Exit::Code(0));
        assert_eq!(f.killed, None);
        assert_eq!(f.stdout.total, 200_000);
        assert_eq!(f.stdout.bytes.len(), 1024);
    }

    #[test]
    fn a_process_that_left_the_group_does_not_hold_the_harness() {
        // The grandchild moves to a session of its own and keeps stdout.
        let t0 = Instant::now();
        let f = run(
            sh("echo hi; setsid sleep 3 & exit 0"),
            Options {
                drain: Drain::AtMost(Duration::from_millis(200)),
                ..opts(10_000, None)
            },
        )
        .unwrap();
        assert!(t0.elapsed() < Duration::from_secs(4), "{:?}", t0.elapsed());
        assert_eq!(f.exit, Exit::Code(0));
        assert_eq!(f.stdout.text(), "hi\n");
    }
}
