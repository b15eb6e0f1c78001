//! Model calls: one HTTP attempt (or cache hit) with its usage and cost,
//! as every subject records it and the store keeps it.

use serde::{Deserialize, Serialize};

/// Token counts of one call, as far as the server reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub input: Option<u64>,
    pub output: Option<u64>,
    pub cached: Option<u64>,
    pub reasoning: Option<u64>,
}

/// One HTTP attempt (or cache hit), as stored in the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelCall {
    pub attempt: u32,
    pub url: String,
    pub request: String,
    /// HTTP status; None when no response arrived.
    pub status: Option<u16>,
    /// The raw response body (for streams: the raw event stream).
    pub response: String,
    pub latency_ms: u64,
    pub usage: Usage,
    /// Cost from the subject's price table; None for cache hits (nothing
    /// new was spent) and without a price or usage.
    pub cost_usd: Option<f64>,
    pub cached: bool,
    /// Why this attempt did not produce an answer.
    pub error: Option<String>,
    /// How long the client waited before the next attempt.
    pub retry_after_ms: Option<u64>,
}
