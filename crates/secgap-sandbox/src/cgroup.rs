//! A memory cgroup around one sandbox, so that a memory limit binds the
//! whole process tree (an app and every process it starts) rather than
//! each process alone, and so that its peak use can be read afterwards.
//!
//! Works with the unified hierarchy (cgroup v2) and with the v1 memory
//! controller, where the harness may create cgroups (it runs as root).
//! Where neither is writable, [`Cgroup::create`] says why and the caller
//! falls back to per-process limits.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

const ROOT: &str = "/sys/fs/cgroup";

/// A cgroup made for one sandbox; removed (its processes killed) on drop.
#[derive(Debug)]
pub struct Cgroup {
    dir: PathBuf,
    v2: bool,
}

impl Cgroup {
    /// Make a cgroup whose processes together may use at most `memory_mb`
    /// MiB of memory (no swap), under secgap's own parent cgroup.
    pub fn create(memory_mb: u64) -> Result<Cgroup> {
        let bytes = (memory_mb * 1024 * 1024).to_string();
        let name = format!(
            "secgap-{}-{}",
            std::process::id(),
            crate::random::try_random_hex(6)?
        );
        if Path::new(ROOT).join("cgroup.controllers").exists() {
            let parent = Path::new(ROOT).join("secgap");
            if !parent.exists() {
                std::fs::create_dir(&parent)
                    .with_context(|| format!("create {}", parent.display()))?;
            }
            // Children can have a memory controller only if the parent
            // hands it down.
            let _ = std::fs::write(Path::new(ROOT).join("cgroup.subtree_control"), "+memory");
            let _ = std::fs::write(parent.join("cgroup.subtree_control"), "+memory");
            let dir = parent.join(name);
            std::fs::create_dir(&dir).with_context(|| format!("create {}", dir.display()))?;
            let cg = Cgroup { dir, v2: true };
            cg.write("memory.max", &bytes)?;
            let _ = cg.write("memory.swap.max", "0");
            return Ok(cg);
        }
        let memory = Path::new(ROOT).join("memory");
        if !memory.join("cgroup.procs").exists() {
            bail!("no cgroup v2 hierarchy and no v1 memory controller under {ROOT}");
        }
        let dir = memory.join(name);
        std::fs::create_dir(&dir).with_context(|| format!("create {}", dir.display()))?;
        let cg = Cgroup { dir, v2: false };
        cg.write("memory.limit_in_bytes", &bytes)?;
        let _ = cg.write("memory.memsw.limit_in_bytes", &bytes);
        Ok(cg)
    }

    fn write(&self, file: &str, value: &str) -> Result<()> {
        let p = self.dir.join(file);
        std::fs::write(&p, value).with_context(|| format!("write {value} to {}", p.display()))
    }

    fn read_u64(&self, file: &str) -> Option<u64> {
        std::fs::read_to_string(self.dir.join(file))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The file a process writes `0` to in order to join the cgroup.
    pub fn procs_file(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// The most memory the cgroup's processes used together, in bytes.
    pub fn peak_bytes(&self) -> Option<u64> {
        if self.v2 {
            self.read_u64("memory.peak")
        } else {
            self.read_u64("memory.max_usage_in_bytes")
        }
    }

    /// Whether the kernel killed a process of the cgroup at its limit.
    pub fn oom_killed(&self) -> bool {
        if self.v2 {
            std::fs::read_to_string(self.dir.join("memory.events"))
                .ok()
                .and_then(|t| {
                    t.lines()
                        .find_map(|l| l.strip_prefix("oom_kill ")?.trim().parse::<u64>().ok())
                })
                .is_some_and(|n| n > 0)
        } else {
            std::fs::read_to_string(self.dir.join("memory.oom_control"))
                .ok()
                .and_then(|t| {
                    t.lines()
                        .find_map(|l| l.strip_prefix("oom_kill ")?.trim().parse::<u64>().ok())
                })
                .map_or_else(
                    || self.read_u64("memory.failcnt").unwrap_or(0) > 0,
                    |n| n > 0,
                )
        }
    }

    fn pids(&self) -> Vec<i32> {
        std::fs::read_to_string(self.procs_file())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }
}

/// Remove the cgroups left by secgap processes that no longer exist (a
/// harness killed with SIGKILL cannot remove its own); returns how many.
pub fn sweep_stale() -> usize {
    let mut removed = 0;
    for parent in [
        Path::new(ROOT).join("secgap"),
        Path::new(ROOT).join("memory"),
    ] {
        let Ok(rd) = std::fs::read_dir(&parent) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name();
            let Some(pid) = name
                .to_str()
                .and_then(|n| n.strip_prefix("secgap-"))
                .and_then(|rest| rest.split('-').next())
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            if Path::new(&format!("/proc/{pid}")).exists() {
                continue;
            }
            let stale = Cgroup {
                dir: e.path(),
                v2: parent.ends_with("secgap"),
            };
            drop(stale);
            if !e.path().exists() {
                removed += 1;
            }
        }
    }
    removed
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        // Whatever is left of the sandbox goes, then the cgroup.
        for _ in 0..100 {
            let pids = self.pids();
            if pids.is_empty() && std::fs::remove_dir(&self.dir).is_ok() {
                return;
            }
            for pid in pids {
                // SAFETY: a signal to a process of the sandbox's cgroup.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}
