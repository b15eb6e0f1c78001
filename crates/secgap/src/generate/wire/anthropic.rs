//! The Anthropic Messages API (and servers that speak it).

use serde_json::{json, Value};

use super::usage::{Count, UsageShape};
use super::{Delta, WireProtocol};
use crate::model::Message;
use crate::plan::endpoint::{Endpoint, Protocol};

pub struct Anthropic;

/// The API version every request names.
const VERSION: &str = "2023-06-01";

const USAGE: UsageShape = UsageShape {
    objects: &[
        // Bodies, and message_delta events.
        &["usage"],
        // message_start events.
        &["message", "usage"],
    ],
    fields: &[
        (Count::Input, &["input_tokens"]),
        (Count::Output, &["output_tokens"]),
        // Prompt-cache reads and writes are not part of input_tokens.
        (Count::CacheRead, &["cache_read_input_tokens"]),
        (Count::CacheWrite, &["cache_creation_input_tokens"]),
    ],
};

impl WireProtocol for Anthropic {
    fn id(&self) -> Protocol {
        Protocol::Anthropic
    }

    fn path(&self) -> &'static str {
        "/messages"
    }

    /// Seeds and `reasoning_effort` have no counterpart here and are left out.
    fn request_body(&self, ep: &Endpoint, messages: &[Message], _sample: u32) -> Value {
        let mut body = json!({
            "model": ep.model,
            "max_tokens": ep.max_tokens,
            "messages": messages,
        });
        if let Some(t) = ep.temperature {
            body["temperature"] = json!(t);
        }
        if let Some(p) = ep.top_p {
            body["top_p"] = json!(p);
        }
        if !ep.stop.is_empty() {
            body["stop_sequences"] = json!(ep.stop);
        }
        if ep.stream {
            body["stream"] = json!(true);
        }
        body
    }

    fn auth_headers(&self, key: &str) -> Vec<(&'static str, String)> {
        vec![("x-api-key", key.to_string())]
    }

    fn version_headers(&self) -> &'static [(&'static str, &'static str)] {
        &[("anthropic-version", VERSION)]
    }

    /// Resets are RFC 3339 times.
    fn rate_limit_headers(&self) -> &'static [(&'static str, &'static str)] {
        &[
            (
                "anthropic-ratelimit-requests-remaining",
                "anthropic-ratelimit-requests-reset",
            ),
            (
                "anthropic-ratelimit-tokens-remaining",
                "anthropic-ratelimit-tokens-reset",
            ),
            (
                "anthropic-ratelimit-input-tokens-remaining",
                "anthropic-ratelimit-input-tokens-reset",
            ),
            (
                "anthropic-ratelimit-output-tokens-remaining",
                "anthropic-ratelimit-output-tokens-reset",
            ),
        ]
    }

    fn usage_shape(&self) -> &'static UsageShape {
        &USAGE
    }

    fn parse_response(&self, body: &Value) -> Result<(String, Option<String>), String> {
        let blocks = body["content"]
            .as_array()
            .ok_or("response has no content array")?;
        let text: String = blocks
            .iter()
            .filter(|b| b["type"] == "text")
            .filter_map(|b| b["text"].as_str())
            .collect();
        Ok((text, body["stop_reason"].as_str().map(String::from)))
    }

    fn stream_event(&self, event: &Value) -> Result<Delta, String> {
        let mut d = Delta::default();
        match event["type"].as_str().unwrap_or("") {
            "content_block_delta" => d.text = event["delta"]["text"].as_str().map(String::from),
            "message_delta" => {
                d.finish_reason = event["delta"]["stop_reason"].as_str().map(String::from);
            }
            "message_stop" => d.done = true,
            "error" => {
                return Err(format!(
                    "error event in stream: {}",
                    event["error"]["message"].as_str().unwrap_or("")
                ))
            }
            _ => {}
        }
        Ok(d)
    }
}
