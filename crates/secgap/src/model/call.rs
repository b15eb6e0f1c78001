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

/// Who said a message of a conversation with a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// One message of a conversation: the harness's (user) or the model's
/// (assistant). Both wire protocols send it as `{"role", "content"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }

    pub fn assistant(content: impl Into<String>) -> Message {
        Message {
            role: Role::Assistant,
            content: content.into(),
        }
    }
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

/// The sampling parameters a model subject sends with every request; a
/// `None` is not sent, so the server's own default applies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sampling {
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub max_tokens: u32,
    /// The base seed; the sample index is added to it.
    pub seed: Option<u64>,
    pub stream: bool,
}

impl Sampling {
    /// One line for the terminal and the reports.
    pub fn describe(&self) -> String {
        let mut parts = vec![match self.temperature {
            Some(t) => format!("temperature {t}"),
            None => "no temperature sent (the server's default applies)".to_string(),
        }];
        if let Some(p) = self.top_p {
            parts.push(format!("top_p {p}"));
        }
        parts.push(format!("max_tokens {}", self.max_tokens));
        if let Some(s) = self.seed {
            parts.push(format!("seed {s} + sample index"));
        }
        if self.stream {
            parts.push("streamed".to_string());
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_says_when_the_server_default_applies() {
        let mut s = Sampling {
            temperature: None,
            top_p: None,
            max_tokens: 4096,
            seed: Some(0),
            stream: false,
        };
        assert_eq!(
            s.describe(),
            "no temperature sent (the server's default applies), max_tokens 4096, seed 0 + sample index"
        );
        s.temperature = Some(0.0);
        s.stream = true;
        assert_eq!(
            s.describe(),
            "temperature 0, max_tokens 4096, seed 0 + sample index, streamed"
        );
    }
}
