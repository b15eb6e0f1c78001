//! OpenAI Chat Completions, which OpenAI-compatible servers (vLLM, Ollama,
//! llama.cpp, LM Studio, gateways) speak too. The proxy also forwards
//! OpenAI's Responses API (`/responses`, which Codex uses) to these
//! upstreams; its usage fields are part of the shape below, so the calls
//! an agent makes through it are counted.

use serde_json::{json, Value};

use super::usage::{Count, UsageShape};
use super::{Delta, WireProtocol};
use crate::model::Message;
use crate::plan::endpoint::{Endpoint, Protocol};

pub struct OpenAi;

const USAGE: UsageShape = UsageShape {
    objects: &[
        // Chat Completions bodies and the last chunk of a stream.
        &["usage"],
        // Responses API events such as response.completed.
        &["response", "usage"],
    ],
    fields: &[
        // Chat Completions first, then the Responses API's names.
        (Count::Input, &["prompt_tokens"]),
        (Count::Input, &["input_tokens"]),
        (Count::Output, &["completion_tokens"]),
        (Count::Output, &["output_tokens"]),
        (Count::Cached, &["prompt_tokens_details", "cached_tokens"]),
        (Count::Cached, &["input_tokens_details", "cached_tokens"]),
        (
            Count::Reasoning,
            &["completion_tokens_details", "reasoning_tokens"],
        ),
        (
            Count::Reasoning,
            &["output_tokens_details", "reasoning_tokens"],
        ),
    ],
};

impl WireProtocol for OpenAi {
    fn id(&self) -> Protocol {
        Protocol::OpenAi
    }

    fn path(&self) -> &'static str {
        "/chat/completions"
    }

    fn request_body(&self, ep: &Endpoint, messages: &[Message], sample: u32) -> Value {
        let mut body = json!({
            "model": ep.model,
            "messages": messages,
            "max_tokens": ep.max_tokens,
        });
        if let Some(t) = ep.temperature {
            body["temperature"] = json!(t);
        }
        if let Some(p) = ep.top_p {
            body["top_p"] = json!(p);
        }
        if !ep.stop.is_empty() {
            body["stop"] = json!(ep.stop);
        }
        // A per-sample seed keeps n samples distinct where servers honour it.
        if let Some(seed) = ep.seed {
            body["seed"] = json!(seed + sample as u64);
        }
        if let Some(effort) = &ep.reasoning_effort {
            body["reasoning_effort"] = json!(effort);
        }
        if ep.stream {
            body["stream"] = json!(true);
            // Without this, streams carry no token counts.
            body["stream_options"] = json!({"include_usage": true});
        }
        body
    }

    fn auth_headers(&self, key: &str) -> Vec<(&'static str, String)> {
        vec![("authorization", format!("Bearer {key}"))]
    }

    /// Resets are durations such as `6m0s` or `120ms`.
    fn rate_limit_headers(&self) -> &'static [(&'static str, &'static str)] {
        &[
            (
                "x-ratelimit-remaining-requests",
                "x-ratelimit-reset-requests",
            ),
            ("x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens"),
        ]
    }

    fn usage_shape(&self) -> &'static UsageShape {
        &USAGE
    }

    fn parse_response(&self, body: &Value) -> Result<(String, Option<String>), String> {
        let choice = &body["choices"][0];
        let text = choice["message"]["content"]
            .as_str()
            .ok_or("response has no choices[0].message.content")?;
        Ok((
            text.to_string(),
            choice["finish_reason"].as_str().map(String::from),
        ))
    }

    fn end_marker(&self) -> Option<&'static str> {
        Some("[DONE]")
    }

    fn stream_event(&self, event: &Value) -> Result<Delta, String> {
        let choice = &event["choices"][0];
        Ok(Delta {
            text: choice["delta"]["content"].as_str().map(String::from),
            finish_reason: choice["finish_reason"].as_str().map(String::from),
            done: false,
        })
    }
}
