//! Server-sent event framing, as model APIs use it: lines end in LF or
//! CRLF, the `data:` lines of one event are joined with LF, an empty line
//! ends the event, and every other field (`event:`, `id:`, comments) is
//! ignored. Bytes go in as they arrive, split anywhere (inside a line or a
//! UTF-8 sequence); each event's data comes out whole.

/// The framing state of one stream.
#[derive(Debug, Default)]
pub struct Framer {
    /// The line read so far (no line end yet).
    line: Vec<u8>,
    /// The data of the event read so far.
    data: Vec<u8>,
}

impl Framer {
    /// Take the next bytes of the stream; `on_event` gets the data of each
    /// event they complete, in order. An error from `on_event` stops the
    /// reading and is returned.
    pub fn feed<E>(
        &mut self,
        mut bytes: &[u8],
        mut on_event: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<(), E> {
        while let Some(i) = bytes.iter().position(|&b| b == b'\n') {
            self.line.extend_from_slice(&bytes[..i]);
            bytes = &bytes[i + 1..];
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.is_empty() {
                // An event without data (or with empty data) is no event.
                if !self.data.is_empty() {
                    let data = String::from_utf8_lossy(&self.data).into_owned();
                    self.data.clear();
                    on_event(&data)?;
                }
            } else {
                self.data_line(&line);
            }
            // Keep the allocation for the next line.
            line.clear();
            self.line = line;
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn data_line(&mut self, line: &[u8]) {
        if let Some(d) = line.strip_prefix(b"data:") {
            let d = d.strip_prefix(b" ").unwrap_or(d);
            if !self.data.is_empty() {
                self.data.push(b'\n');
            }
            self.data.extend_from_slice(d);
        }
    }

    /// The stream ended. Returns the data of an event it ended inside (no
    /// empty line after it): a client must not act on such an event, but a
    /// recording that was cut short may still be read for what it holds.
    pub fn end(mut self) -> Option<String> {
        let line = std::mem::take(&mut self.line);
        let line = line.strip_suffix(b"\r").unwrap_or(&line);
        if !line.is_empty() {
            self.data_line(line);
        }
        (!self.data.is_empty()).then(|| String::from_utf8_lossy(&self.data).into_owned())
    }
}

/// Every event of a whole recorded stream, the one it ended inside included.
pub fn events(stream: &str) -> Vec<String> {
    let mut framer = Framer::default();
    let mut out = Vec::new();
    let _ = framer.feed(stream.as_bytes(), |d| {
        out.push(d.to_string());
        Ok::<(), ()>(())
    });
    out.extend(framer.end());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(pieces: &[&[u8]]) -> (Vec<String>, Option<String>) {
        let mut f = Framer::default();
        let mut got = Vec::new();
        for p in pieces {
            f.feed(p, |d| {
                got.push(d.to_string());
                Ok::<(), ()>(())
            })
            .unwrap();
        }
        (got, f.end())
    }

    #[test]
    fn events_split_anywhere_come_out_whole() {
        let stream = "event: a\r\ndata: caf\u{e9}\r\n\r\n: comment\ndata: 1\ndata:2\n\ndata:\n\n";
        let whole = framed(&[stream.as_bytes()]);
        assert_eq!(whole.0, ["caf\u{e9}", "1\n2"]);
        assert_eq!(whole.1, None);
        let bytes = stream.as_bytes();
        for at in 0..bytes.len() {
            assert_eq!(
                framed(&[&bytes[..at], &bytes[at..]]),
                whole,
                "split at {at}"
            );
        }
    }

    #[test]
    fn an_event_the_stream_ends_inside_is_set_apart() {
        assert_eq!(
            framed(&[b"data: a\n\ndata: b\n"]),
            (vec!["a".to_string()], Some("b".to_string()))
        );
        assert_eq!(framed(&[b"data: a\n\ndata: b"]).1.as_deref(), Some("b"));
        assert_eq!(events("data: a\n\ndata: b"), ["a", "b"]);
        assert_eq!(framed(&[b"data: a\n\nevent: x\n"]).1, None);
    }

    #[test]
    fn an_error_from_the_handler_stops_the_reading() {
        let mut f = Framer::default();
        let mut seen = 0;
        let r = f.feed(b"data: 1\n\ndata: 2\n\n", |_| {
            seen += 1;
            Err("stop")
        });
        assert_eq!((r, seen), (Err("stop"), 1));
    }
}
