//! The sandbox secgap runs untrusted code under, and the process
//! supervision it shares with everything else secgap runs as a process
//! (coding agents). This crate knows nothing of tasks, tests or models.
//!
//! - [`bwrap`]: one command in a fresh bubblewrap sandbox ([`run`]);
//! - [`limits`]: the resource limits it runs under;
//! - [`supervise`]: a process group with capped output, a wall-clock
//!   limit and a group kill;
//! - [`netns`]: a private loopback-only network for a thread and the
//!   sandboxes it starts ([`Network::Caller`]), [`cgroup`]: a memory limit
//!   for a whole sandbox, [`tree`]: what a process tree uses;
//! - [`random`]: unguessable tokens (the verdict channel's nonce);
//! - [`agent`]: the sandbox a coding agent runs in, and [`relay`], the
//!   forwarder inside it that is its only way to the network.

pub mod agent;
pub mod bwrap;
pub mod cgroup;
pub mod limits;
pub mod netns;
pub mod random;
pub mod relay;
pub mod supervise;
pub mod tree;

pub use bwrap::{
    bwrap_path, find_in_path, hand_over, run, spawn, Mount, Network, Outcome, Sandboxed, Spec,
    Worker, SANDBOX_GID, SANDBOX_UID, WORKER_ENV,
};
pub use limits::Limits;
pub use random::try_random_hex;
pub use supervise::{signal_name, Captured, Exit, Killed};
