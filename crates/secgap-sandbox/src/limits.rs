//! The resource limits one sandbox runs under.

use std::time::Duration;

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
    /// stdout plus stderr bytes before the process tree is killed; the
    /// harness stops reading at this many bytes.
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
