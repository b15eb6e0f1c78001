//! Wire protocols: what differs between model APIs (the request, its
//! headers and path, the answer in a body or in a stream of server-sent
//! events, the error message), one file per protocol behind one trait.
//! The model client (`provider`) and the loopback proxy both speak through
//! it, with one event framing ([`sse`]) and one usage parser ([`usage`]).
//!
//! Adding a protocol: a new file implementing [`WireProtocol`], its line
//! in [`REGISTRY`], and its id in `plan::endpoint::Protocol` (which the
//! run config stores).

pub mod anthropic;
pub mod openai;
pub mod sse;
pub mod usage;

use std::io::Read;

use serde_json::Value;

use crate::model::{Message, Usage};
use crate::plan::endpoint::{Endpoint, Protocol};
use usage::{UsageReader, UsageShape};

/// What one event of a streamed answer adds to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    pub text: Option<String>,
    pub finish_reason: Option<String>,
    /// The event says the answer is complete.
    pub done: bool,
}

/// One model API's wire format.
pub trait WireProtocol: Sync {
    /// The id a run config stores for this protocol.
    fn id(&self) -> Protocol;

    /// The path below the base URL that answers a prompt, e.g. `/messages`.
    fn path(&self) -> &'static str;

    /// The body asking for the next message of the conversation
    /// `messages` (the last one the harness's); `sample` is the sample
    /// index (for per-sample seeds).
    fn request_body(&self, ep: &Endpoint, messages: &[Message], sample: u32) -> Value;

    /// The headers that present an API key.
    fn auth_headers(&self, key: &str) -> Vec<(&'static str, String)>;

    /// Headers every request needs, such as the API version.
    fn version_headers(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// Where bodies and events carry token counts, for the shared parser.
    fn usage_shape(&self) -> &'static UsageShape;

    /// The text and the finish (stop) reason of a whole response body.
    fn parse_response(&self, body: &Value) -> Result<(String, Option<String>), String>;

    /// An event payload that is no JSON but ends the stream.
    fn end_marker(&self) -> Option<&'static str> {
        None
    }

    /// The text delta, finish reason and end of one event of a stream (its
    /// token counts are read by the shared parser); an error event is Err.
    fn stream_event(&self, event: &Value) -> Result<Delta, String>;

    /// (remaining, reset) header pairs: when a remaining count is 0, the
    /// provider sends nothing until the reset.
    fn rate_limit_headers(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// The message of an error response body.
    fn error_message(&self, body: &str) -> String {
        error_message(body)
    }
}

/// Every protocol; one line registers one.
pub const REGISTRY: &[&dyn WireProtocol] = &[&openai::OpenAi, &anthropic::Anthropic];

/// The protocol with this id.
pub fn of(id: Protocol) -> &'static dyn WireProtocol {
    *REGISTRY
        .iter()
        .find(|w| w.id() == id)
        .unwrap_or_else(|| panic!("protocol {id:?} has no entry in generate::wire::REGISTRY"))
}

/// A usage parser that knows every protocol's fields (for the proxy, which
/// reads whatever its agent was answered).
pub fn any_usage() -> UsageReader {
    UsageReader::new(REGISTRY.iter().map(|w| w.usage_shape()))
}

/// The URL that answers prompts at `ep`.
pub fn url(ep: &Endpoint) -> String {
    format!(
        "{}{}",
        ep.base_url.trim_end_matches('/'),
        of(ep.protocol).path()
    )
}

/// The message of an error body: `error.message` (OpenAI and Anthropic
/// both put it there), else the body's first 300 characters.
pub fn error_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(String::from))
        .unwrap_or_else(|| body.chars().take(300).collect())
}

/// A whole answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub text: String,
    pub finish_reason: Option<String>,
    pub usage: Usage,
}

/// The answer in a whole response body.
pub fn read_response(wire: &dyn WireProtocol, raw: &str) -> Result<Reply, String> {
    let v: Value =
        serde_json::from_str(raw).map_err(|e| format!("malformed JSON response: {e}"))?;
    let (text, finish_reason) = wire.parse_response(&v)?;
    let mut usage = UsageReader::new([wire.usage_shape()]);
    usage.take(&v);
    Ok(Reply {
        text,
        finish_reason,
        usage: usage.usage(),
    })
}

/// How much of a streamed answer is read.
const MAX_STREAM: u64 = 32 << 20;

/// A streamed answer and the raw stream, or why it failed and the raw
/// stream read so far.
pub type Streamed = Result<(Reply, String), (String, String)>;

/// Read a server-sent event stream to its end and assemble the answer.
pub fn read_stream(wire: &dyn WireProtocol, reader: impl Read) -> Streamed {
    let mut reader = reader.take(MAX_STREAM);
    let mut raw = Vec::new();
    let mut text = String::new();
    let mut finish_reason = None;
    let mut usage = UsageReader::new([wire.usage_shape()]);
    let mut finished = false;
    let mut framer = sse::Framer::default();
    let mut buf = vec![0u8; 8 * 1024];
    let lossy = |raw: &[u8]| String::from_utf8_lossy(raw).into_owned();
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err((format!("stream broke off: {e}"), lossy(&raw))),
        };
        raw.extend_from_slice(&buf[..n]);
        let fed = framer.feed(&buf[..n], |data| {
            if wire.end_marker().is_some_and(|m| data.trim() == m) {
                finished = true;
                return Ok(());
            }
            let v: Value = serde_json::from_str(data)
                .map_err(|e| format!("malformed event in stream: {e}"))?;
            usage.take(&v);
            let d = wire.stream_event(&v)?;
            if let Some(t) = d.text {
                text.push_str(&t);
            }
            if d.finish_reason.is_some() {
                finish_reason = d.finish_reason;
            }
            finished |= d.done;
            Ok(())
        });
        if let Err(e) = fed {
            return Err((e, lossy(&raw)));
        }
    }
    // An event the stream ended inside is incomplete: it is not read.
    let _ = framer.end();
    let raw = lossy(&raw);
    // OpenAI-compatible servers end with [DONE]; some omit it but send a finish reason.
    if !finished && finish_reason.is_none() {
        return Err(("stream ended before the answer was complete".into(), raw));
    }
    let reply = Reply {
        text,
        finish_reason,
        usage: usage.usage(),
    };
    Ok((reply, raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::endpoint::Price;

    #[test]
    fn every_protocol_is_registered_once() {
        for id in [Protocol::OpenAi, Protocol::Anthropic] {
            assert_eq!(of(id).id(), id);
            assert_eq!(REGISTRY.iter().filter(|w| w.id() == id).count(), 1);
        }
    }

    #[test]
    fn sse_split_across_reads_and_utf8() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"caf\u{e9} \"}}]}\n\n\
                      data: {\"choices\":[{\"delta\":{\"content\":\"\u{2713}\"},\"finish_reason\":\"stop\"}]}\n\n\
                      data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n\
                      data: [DONE]\n\n";
        // A reader that hands out 3 bytes at a time, splitting UTF-8 sequences.
        struct Drip<'a>(&'a [u8]);
        impl Read for Drip<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let n = self.0.len().min(3).min(buf.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let (reply, _) = read_stream(of(Protocol::OpenAi), Drip(stream.as_bytes())).unwrap();
        let (text, finish, usage) = (reply.text, reply.finish_reason, reply.usage);
        assert_eq!(text, "caf\u{e9} \u{2713}");
        assert_eq!(finish.as_deref(), Some("stop"));
        assert_eq!((usage.input, usage.output), (Some(3), Some(2)));
    }

    #[test]
    fn anthropic_cache_reads_count_as_input() {
        let v: Value = serde_json::from_str(
            r#"{"input_tokens": 10, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 5, "output_tokens": 20}"#,
        )
        .unwrap();
        let mut reader = UsageReader::new([of(Protocol::Anthropic).usage_shape()]);
        reader.take_usage(&v);
        let usage = reader.usage();
        assert_eq!((usage.input, usage.cached), (Some(1015), Some(1000)));
        let price = Price {
            input: 3.0,
            output: 15.0,
            cached_input: Some(0.3),
        };
        let cost = price.cost(&usage).unwrap();
        assert!((cost - (15.0 * 3.0 + 1000.0 * 0.3 + 20.0 * 15.0) / 1e6).abs() < 1e-12);
    }

    #[test]
    fn truncated_stream_is_an_error() {
        let stream = "data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n";
        assert!(read_stream(of(Protocol::OpenAi), stream.as_bytes()).is_err());
        // An event the stream ends inside is not read: its finish reason
        // does not complete the answer.
        let stream =
            "data: {\"choices\":[{\"delta\":{\"content\":\"par\"},\"finish_reason\":\"stop\"}]}\n";
        assert!(read_stream(of(Protocol::OpenAi), stream.as_bytes()).is_err());
    }

    #[test]
    fn anthropic_stream_and_its_error_event() {
        let stream = "event: message_start\n\
            data: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":20,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n\
            event: content_block_delta\n\
            data: {\"type\":\"content_block_delta\",\"delta\":{\"text\":\"x\"}}\n\n\
            event: message_delta\n\
            data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":17}}\n\n\
            event: message_stop\n\
            data: {\"type\":\"message_stop\"}\n\n";
        let (reply, raw) = read_stream(of(Protocol::Anthropic), stream.as_bytes()).unwrap();
        assert_eq!(raw, stream);
        assert_eq!(reply.text, "x");
        assert_eq!(reply.finish_reason.as_deref(), Some("end_turn"));
        let u = reply.usage;
        assert_eq!((u.input, u.output, u.cached), (Some(25), Some(17), Some(5)));
        let broken = "data: {\"type\":\"error\",\"error\":{\"message\":\"overloaded\"}}\n\n";
        let (e, _) = read_stream(of(Protocol::Anthropic), broken.as_bytes()).unwrap_err();
        assert_eq!(e, "error event in stream: overloaded");
    }

    #[test]
    fn whole_bodies_and_error_bodies() {
        let r = read_response(
            of(Protocol::OpenAi),
            r#"{"choices":[{"message":{"content":"hi"},"finish_reason":"length"}],"usage":{"prompt_tokens":4,"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":1}}}"#,
        )
        .unwrap();
        assert_eq!(
            (r.text.as_str(), r.finish_reason.as_deref()),
            ("hi", Some("length"))
        );
        assert_eq!((r.usage.input, r.usage.reasoning), (Some(4), Some(1)));
        let r = read_response(
            of(Protocol::Anthropic),
            r#"{"content":[{"type":"text","text":"a"},{"type":"tool_use"},{"type":"text","text":"b"}],"stop_reason":"end_turn"}"#,
        )
        .unwrap();
        assert_eq!((r.text.as_str(), r.usage), ("ab", Usage::default()));
        assert!(read_response(of(Protocol::OpenAi), "{}").is_err());
        assert!(read_response(of(Protocol::Anthropic), "not json")
            .unwrap_err()
            .starts_with("malformed JSON response"));
        assert_eq!(
            of(Protocol::Anthropic)
                .error_message(r#"{"type":"error","error":{"message":"bad key"}}"#),
            "bad key"
        );
        assert_eq!(error_message(&"x".repeat(400)).len(), 300);
    }
}
