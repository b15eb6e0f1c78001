//! Identities: what names a sample.

use serde::{Deserialize, Serialize};

/// The identity of one sample.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SampleKey {
    pub subject: String,
    pub strategy: String,
    pub task: String,
    pub index: u32,
}
