//! The vocabulary every stage shares: ids, outcomes, sample records and
//! model calls. It imports nothing of secgap, so that every stage, the
//! store included, can stand on it.

pub mod call;

pub use call::{ModelCall, Usage};
