//! The sandbox a coding agent runs in.
//!
//! An agent is a program with a shell: it reads files, runs commands and
//! talks to its model for minutes. This module builds the bubblewrap
//! command line it runs under: fresh mount, PID, IPC, UTS, user and cgroup
//! namespaces, `--die-with-parent`, `--new-session`; a read-only toolchain
//! (the system folders and the few `/etc` files programs read); the
//! agent's own program, read-only; its scratch workspace at [`WORKSPACE`],
//! a fresh home at [`HOME`] and a private `/tmp`, the only writable places
//! (each a host folder the caller makes per sample and removes after); and
//! whatever else the caller names, read-only. Nothing else of the host is
//! in reach: no suite, no run folder, no home directory, no version
//! history.
//!
//! Network: [`Network::Host`] keeps the host's network (an agent that
//! talks to its vendor directly needs it). [`Network::Loopback`] gives the
//! agent a network namespace of its own holding only `lo`; with a
//! [`Relay`], a small forwarder inside (the harness's own binary, run as
//! [`crate::relay`]) listens on `127.0.0.1:PORT` and carries each
//! connection to a Unix socket the harness listens on outside, so that
//! socket is the agent's only way out.
//!
//! The agent runs as the calling user (mapped into the new user
//! namespace), so what it leaves in the workspace belongs to the caller.
//! Nested user namespaces stay allowed: agents such as Codex sandbox their
//! own tool calls with them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

/// Where the agent sees its workspace; also its working directory.
pub const WORKSPACE: &str = "/workspace";
/// The agent's home directory inside the sandbox.
pub const HOME: &str = "/home/agent";
/// Where the relay's program and the proxy's socket folder are mounted.
pub const RELAY_DIR: &str = "/run/secgap";
/// The loopback port the relay listens on inside the agent's namespace
/// (private to the sandbox, so a fixed one never collides).
pub const RELAY_PORT: u16 = 47011;
/// Size of the sandbox's `/dev/shm`.
const SHM_BYTES: u64 = 256 << 20;

/// What an agent's programs read from /etc: the dynamic loader, users and
/// groups, time zone, name resolution and TLS roots. No secrets live here
/// (no shadow, no ssh, no sudoers).
const ETC_PATHS: &[&str] = &[
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/timezone",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/host.conf",
    "/etc/gai.conf",
    "/etc/resolv.conf",
    "/etc/services",
    "/etc/protocols",
    "/etc/mime.types",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/ca-certificates.conf",
    "/etc/pki",
];

/// The agent's network.
#[derive(Debug, Clone)]
pub enum Network {
    /// The host's network namespace: whatever the host can reach.
    Host,
    /// A namespace of its own holding only `lo`; with a relay, the Unix
    /// socket behind it is the only way out.
    Loopback(Option<Relay>),
}

/// The forwarder from `127.0.0.1:`[`RELAY_PORT`] inside the sandbox to a
/// Unix socket outside.
#[derive(Debug, Clone)]
pub struct Relay {
    /// The program that relays: run as `PROGRAM `[`crate::relay::ARG`]` PORT SOCKET -- ARGV`.
    pub program: PathBuf,
    /// The host folder holding the socket; mounted read-only (connecting
    /// to a socket needs no write access to its file system).
    pub socket_dir: PathBuf,
    /// The socket's file name in that folder.
    pub socket_name: String,
}

impl Relay {
    /// The socket's path as the relay inside sees it.
    fn inner_socket(&self) -> String {
        format!("{RELAY_DIR}/proxy/{}", self.socket_name)
    }
}

/// One agent's sandbox.
#[derive(Debug, Clone)]
pub struct Jail {
    /// The command as the agent sees it (paths inside the sandbox).
    pub argv: Vec<String>,
    /// The agent's whole environment (nothing else is passed on).
    pub env: Vec<(String, String)>,
    /// Host folders mounted writable at [`WORKSPACE`], [`HOME`] and `/tmp`.
    pub workspace: PathBuf,
    pub home: PathBuf,
    pub tmp: PathBuf,
    /// The agent's program and its install folders ([`program_paths`]).
    pub program: Vec<Needed>,
    /// Other host paths mounted read-only: (host path, path inside).
    pub read_only: Vec<(PathBuf, String)>,
    pub network: Network,
}

/// Whether `p` lies in a folder every sandbox mounts anyway.
pub fn is_system_path(p: &Path) -> bool {
    crate::bwrap::in_system_dirs(p)
}

impl Jail {
    /// bwrap's arguments, the command included.
    pub fn args(&self) -> Vec<String> {
        let mut a: Vec<String> = Vec::new();
        let mut push = |parts: &[&str]| a.extend(parts.iter().map(|s| s.to_string()));
        push(&[
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "agent",
        ]);
        if matches!(self.network, Network::Host) {
            push(&["--share-net"]);
        }
        crate::bwrap::push_system_dirs(&mut push);
        for f in ETC_PATHS {
            // `--ro-bind-try`: a file that vanishes between the check and
            // the mount is no reason to fail.
            if Path::new(f).exists() {
                push(&["--ro-bind-try", f, f]);
            }
        }
        let shm = SHM_BYTES.to_string();
        push(&["--proc", "/proc", "--dev", "/dev"]);
        push(&["--size", &shm, "--tmpfs", "/dev/shm"]);
        let tmp = self.tmp.to_string_lossy();
        let home = self.home.to_string_lossy();
        let ws = self.workspace.to_string_lossy();
        push(&["--bind", &tmp, "/tmp"]);
        push(&["--bind", &home, HOME]);
        push(&["--bind", &ws, WORKSPACE]);
        for n in &self.program {
            if let Needed::Bind(p) = n {
                let p = p.to_string_lossy();
                push(&["--ro-bind", &p, &p]);
            }
        }
        for n in &self.program {
            if let Needed::Link { path, target } = n {
                push(&[
                    "--symlink",
                    &target.to_string_lossy(),
                    &path.to_string_lossy(),
                ]);
            }
        }
        for (host, inside) in &self.read_only {
            push(&["--ro-bind", &host.to_string_lossy(), inside]);
        }
        // No version history in reach: a mounted folder's own `.git` (a
        // pyenv clone, a settings folder kept in git) is covered by an
        // empty, read-only folder or file.
        let mut masks: Vec<String> = Vec::new();
        let folders = self
            .program
            .iter()
            .filter_map(|n| match n {
                Needed::Bind(p) => Some((p.clone(), p.to_string_lossy().into_owned())),
                Needed::Link { .. } => None,
            })
            .chain(self.read_only.iter().cloned());
        for (host, inside) in folders {
            let git = host.join(".git");
            let seen = format!("{}/.git", inside.trim_end_matches('/'));
            match std::fs::symlink_metadata(&git) {
                Ok(m) if m.is_dir() => {
                    push(&["--size", "4096", "--tmpfs", &seen]);
                    masks.push(seen);
                }
                Ok(_) => push(&["--ro-bind", "/dev/null", &seen]),
                Err(_) => {}
            }
        }
        if let Network::Loopback(Some(r)) = &self.network {
            push(&[
                "--ro-bind",
                &r.program.to_string_lossy(),
                &format!("{RELAY_DIR}/relay"),
            ]);
            push(&[
                "--ro-bind",
                &r.socket_dir.to_string_lossy(),
                &format!("{RELAY_DIR}/proxy"),
            ]);
        }
        // bwrap's root and /dev are tmpfs mounts without a size limit:
        // read-only, they cannot fill the host's memory. Only the mounts
        // above stay writable.
        push(&["--remount-ro", "/dev", "--remount-ro", "/"]);
        for m in &masks {
            push(&["--remount-ro", m]);
        }
        push(&["--chdir", WORKSPACE, "--"]);
        if let Network::Loopback(Some(r)) = &self.network {
            a.push(format!("{RELAY_DIR}/relay"));
            a.push(crate::relay::ARG.into());
            a.push(RELAY_PORT.to_string());
            a.push(r.inner_socket());
            a.push("--".into());
        }
        a.extend(self.argv.iter().cloned());
        a
    }

    /// The bwrap command: the arguments, the agent's environment and
    /// nothing else of the caller's. Descriptors and the process group are
    /// the caller's business (see [`crate::supervise`]).
    pub fn command(&self, bwrap: &Path) -> Command {
        let mut cmd = Command::new(bwrap);
        cmd.args(self.args())
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }
}

/// Find bubblewrap for agents: `SECGAP_BWRAP` or `bwrap` on PATH, and it
/// must be a file. The error says how to install it.
pub fn bwrap() -> Result<PathBuf> {
    match crate::bwrap::bwrap_path() {
        Some(p) if p.is_file() => Ok(p),
        Some(p) => bail!(
            "bubblewrap is not at {} (SECGAP_BWRAP); install it with `apt-get install bubblewrap` \
             (or dnf/pacman), see `secgap doctor`",
            p.display()
        ),
        None => bail!(
            "bubblewrap (bwrap) is not installed; install it with `apt-get install bubblewrap` \
             (or dnf/pacman), see `secgap doctor`"
        ),
    }
}

/// Start a throw-away agent sandbox (loopback only) that writes a file to
/// its workspace and lists its network interfaces: Ok with the interfaces
/// when agents can be sandboxed here, or the reason they cannot.
pub fn probe() -> Result<Vec<String>> {
    let bwrap = bwrap()?;
    let scratch = tempfile_dir()?;
    let dirs = ["workspace", "home", "tmp"].map(|d| scratch.0.join(d));
    for d in &dirs {
        std::fs::create_dir(d).with_context(|| format!("create {}", d.display()))?;
    }
    let [workspace, home, tmp] = dirs;
    let jail = Jail {
        argv: vec![
            "/bin/sh".into(),
            "-c".into(),
            "echo ok > probe && cat /proc/net/dev".into(),
        ],
        env: vec![("PATH".into(), "/usr/bin:/bin".into())],
        workspace: workspace.clone(),
        home,
        tmp,
        program: Vec::new(),
        read_only: Vec::new(),
        network: Network::Loopback(None),
    };
    let mut cmd = jail.command(&bwrap);
    crate::supervise::close_inherited_from(&mut cmd, 3);
    let done = crate::supervise::run(
        cmd,
        crate::supervise::Options {
            wall: Duration::from_secs(20),
            keep: 64 * 1024,
            output_limit: None,
            drain: crate::supervise::Drain::ToEnd,
        },
    )
    .with_context(|| format!("cannot start {}", bwrap.display()))?;
    if done.exit != crate::supervise::Exit::Code(0) {
        bail!(
            "{} could not start an agent sandbox ({}): {}",
            bwrap.display(),
            done.exit,
            done.stderr.text().trim()
        );
    }
    if std::fs::read_to_string(workspace.join("probe"))
        .ok()
        .as_deref()
        != Some("ok\n")
    {
        bail!("the agent sandbox could not write to its workspace");
    }
    Ok(done
        .stdout
        .text()
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(|s| s.trim().to_string())
        .collect())
}

/// A fresh private folder under the temporary directory, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempfile_dir() -> Result<TempDir> {
    use std::os::unix::fs::DirBuilderExt;
    let base = std::env::temp_dir();
    let name = format!(
        "secgap-agent-probe-{}",
        crate::random::try_random_hex(8).context("no random name for the probe's folder")?
    );
    let p = base.join(name);
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&p)
        .with_context(|| format!("create {}", p.display()))?;
    Ok(TempDir(p))
}

/// One path a program needs inside the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needed {
    /// A host file or folder mounted read-only at the same path.
    Bind(PathBuf),
    /// A symlink recreated at `path`, pointing at `target` (mounted too):
    /// a program found through a link (an npm `bin` entry) must keep
    /// seeing a link, or it would not find the files next to its target.
    Link { path: PathBuf, target: PathBuf },
}

impl Needed {
    pub fn path(&self) -> &Path {
        match self {
            Needed::Bind(p) | Needed::Link { path: p, .. } => p,
        }
    }
}

/// The files and folders a program needs to run, beyond the system
/// folders: the program found on `path` (a `:` list), the file a symlink
/// leads to, and its install folder: the npm package it belongs to
/// (`.../node_modules/[@scope/]name`), the Python virtual environment it
/// lives in (the folder holding `pyvenv.cfg`), or, for a program in
/// `PREFIX/bin` with a `PREFIX/lib` (`pip install --user`, an npm or nvm
/// prefix), `PREFIX/bin` and `PREFIX/lib`, or for a version manager's
/// shim (`ROOT/shims/python3` of pyenv, rbenv, nodenv, asdf) the manager's
/// root; then the same for the
/// interpreter its `#!` line names (`/usr/bin/env NAME` found on `path`).
/// Paths under the system folders are left out (they are mounted anyway),
/// as is a `PREFIX` that is the home folder `home` itself, and anything
/// inside a folder already listed. Binds come before links.
pub fn program_paths(program: &str, path: &str, home: Option<&Path>) -> Vec<Needed> {
    let mut binds: Vec<PathBuf> = Vec::new();
    let mut links: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut next = vec![program.to_string()];
    // Interpreter chains are short; stop at a few in case of a loop.
    for _ in 0..4 {
        let Some(p) = next.pop() else { break };
        let Some(found) = locate(&p, path) else { break };
        let canonical = std::fs::canonicalize(&found).unwrap_or(found.clone());
        if canonical != found && !is_system_path(&found) {
            links.push((found.clone(), canonical.clone()));
        }
        if !is_system_path(&canonical) {
            binds.push(canonical.clone());
        }
        for dir in install_folders(&canonical, home) {
            if !is_system_path(&dir) {
                binds.push(dir);
            }
        }
        if let Some(interp) = interpreter(&canonical) {
            next.push(interp);
        }
    }
    // Keep the outermost of nested binds, each once.
    binds.sort();
    binds.dedup();
    let outer: Vec<PathBuf> = binds
        .iter()
        .filter(|b| !binds.iter().any(|o| o != *b && b.starts_with(o)))
        .cloned()
        .collect();
    let mut out: Vec<Needed> = outer.iter().cloned().map(Needed::Bind).collect();
    for (path, target) in links {
        let covered = outer.iter().any(|o| path.starts_with(o));
        if !covered && !out.iter().any(|n| n.path() == path) {
            out.push(Needed::Link { path, target });
        }
    }
    out
}

/// `program` as a path: absolute as given, a name found on `path`.
/// Relative paths with a `/` are the workspace's business: None.
fn locate(program: &str, path: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    if program.starts_with('/') {
        let p = PathBuf::from(program);
        return p.exists().then_some(p);
    }
    if program.contains('/') {
        return None;
    }
    path.split(':')
        .filter(|d| d.starts_with('/'))
        .map(|d| Path::new(d).join(program))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

fn install_folders(file: &Path, home: Option<&Path>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    // An npm package: the folder right below the last `node_modules`
    // (two below for a scope), which holds its own dependencies.
    let parts: Vec<_> = file.components().collect();
    if let Some(i) = parts.iter().rposition(|c| c.as_os_str() == "node_modules") {
        let scoped = parts
            .get(i + 1)
            .is_some_and(|c| c.as_os_str().to_string_lossy().starts_with('@'));
        let depth = if scoped { i + 3 } else { i + 2 };
        if depth < parts.len() {
            out.push(parts[..depth].iter().collect());
        }
    }
    // A virtual environment.
    if let Some(venv) = file
        .ancestors()
        .skip(1)
        .find(|d| d.join("pyvenv.cfg").is_file())
    {
        out.push(venv.to_path_buf());
    }
    // A version manager's shim (pyenv, rbenv, nodenv, asdf): the shim
    // runs the manager, which reads its versions from its root, whole.
    if let Some(shims) = file
        .parent()
        .filter(|d| d.file_name() == Some("shims".as_ref()))
    {
        let root = shims
            .ancestors()
            .skip(1)
            .take(3)
            .find(|d| {
                ["versions", "installs", "libexec"]
                    .iter()
                    .any(|x| d.join(x).is_dir())
            })
            .or(shims.parent());
        if let Some(r) = root.filter(|r| *r != Path::new("/") && home.is_none_or(|h| h != *r)) {
            out.push(r.to_path_buf());
        }
    }
    // PREFIX/bin with PREFIX/lib.
    if let Some(bin) = file
        .parent()
        .filter(|b| b.file_name() == Some("bin".as_ref()))
    {
        if let Some(prefix) = bin.parent() {
            let is_home = home.is_some_and(|h| h == prefix);
            if !is_home && prefix != Path::new("/") && prefix.join("lib").is_dir() {
                out.push(bin.to_path_buf());
                out.push(prefix.join("lib"));
            }
        }
    }
    out
}

/// The interpreter a `#!` line names: its path, or for `/usr/bin/env
/// [-S] NAME`, NAME.
fn interpreter(file: &Path) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(file).ok()?.read(&mut head).ok()?;
    let line = head[..n].strip_prefix(b"#!")?;
    let line = String::from_utf8_lossy(line);
    let line = line.lines().next()?;
    let mut words = line.split_whitespace();
    let first = words.next()?;
    if Path::new(first).file_name() == Some("env".as_ref()) {
        words
            .find(|w| !w.starts_with('-') && !w.contains('='))
            .map(String::from)
    } else {
        Some(first.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn exe(p: &Path, text: &str) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn programs_bring_their_install_folders() {
        let t = std::env::temp_dir().join(format!("secgap-progs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&t);
        // An npm global install: PREFIX/bin/claude -> ../lib/node_modules/@a/cc/cli.js,
        // run by `node` from another prefix.
        let npm = t.join("npm");
        exe(
            &npm.join("lib/node_modules/@a/cc/cli.js"),
            "#!/usr/bin/env node\n",
        );
        std::fs::create_dir_all(npm.join("bin")).unwrap();
        std::os::unix::fs::symlink("../lib/node_modules/@a/cc/cli.js", npm.join("bin/claude"))
            .unwrap();
        let node = t.join("node");
        exe(&node.join("bin/node"), "\x7fELF");
        std::fs::create_dir_all(node.join("lib")).unwrap();
        // A pipx-style virtual environment.
        let venv = t.join("venvs/aider");
        exe(
            &venv.join("bin/aider"),
            &format!("#!{}/bin/python\n", venv.display()),
        );
        std::fs::write(venv.join("pyvenv.cfg"), "home = /usr/bin\n").unwrap();
        std::os::unix::fs::symlink("/usr/bin/python3", venv.join("bin/python")).unwrap();

        let path = format!("{}/bin:{}/bin:/usr/bin", npm.display(), node.display());
        let got = program_paths("claude", &path, None);
        let c = |p: &Path| std::fs::canonicalize(p).unwrap();
        let bind = |p: PathBuf| Needed::Bind(c(&p));
        assert_eq!(
            got,
            vec![
                bind(node.join("bin")),
                bind(node.join("lib")),
                bind(npm.join("lib/node_modules/@a/cc")),
                Needed::Link {
                    path: npm.join("bin/claude"),
                    target: c(&npm.join("lib/node_modules/@a/cc/cli.js")),
                },
            ]
        );

        // The venv's python is a link to the system's: inside the venv,
        // which is mounted whole.
        let got = program_paths(&venv.join("bin/aider").to_string_lossy(), "", None);
        assert_eq!(got, vec![bind(venv.clone())]);
        // A system program needs nothing extra; an unknown one, nothing.
        assert!(program_paths("sh", "/usr/bin:/bin", None).is_empty());
        assert!(program_paths("no-such-program-here", "/usr/bin", None).is_empty());
        // A prefix that is the home folder itself is not mounted whole.
        let home = t.join("home");
        exe(&home.join("bin/tool"), "\x7fELF");
        std::fs::create_dir_all(home.join("lib")).unwrap();
        let got = program_paths("tool", &format!("{}/bin", home.display()), Some(&home));
        assert_eq!(got, vec![Needed::Bind(home.join("bin/tool"))]);
        std::fs::remove_dir_all(&t).unwrap();
    }

    #[test]
    fn shebangs_name_their_interpreter() {
        let t = std::env::temp_dir().join(format!("secgap-shebang-{}", std::process::id()));
        std::fs::create_dir_all(&t).unwrap();
        let f = t.join("s");
        for (text, want) in [
            ("#!/usr/bin/env -S node --x\n", Some("node")),
            ("#!/usr/bin/env A=1 python3\n", Some("python3")),
            ("#! /opt/py/bin/python -u\n", Some("/opt/py/bin/python")),
            ("no shebang\n", None),
        ] {
            std::fs::write(&f, text).unwrap();
            assert_eq!(interpreter(&f).as_deref(), want, "{text}");
        }
        std::fs::remove_dir_all(&t).unwrap();
    }
}
