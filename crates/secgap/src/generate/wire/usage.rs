//! The one usage parser. Each wire protocol declares where its responses
//! carry token counts and what it calls them (a [`UsageShape`]); this file
//! reads any body or event by those declarations, so the model client and
//! the proxy count tokens the same way.

use serde_json::Value;

use crate::model::Usage;

/// Which count a usage field holds, in the harness's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Input tokens, cached ones included.
    Input,
    Output,
    /// Input tokens read from the prompt cache (already part of `Input`).
    Cached,
    /// Output tokens spent on reasoning (already part of `Output`).
    Reasoning,
    /// Prompt-cache reads reported apart from the input: added to the
    /// input, and the cached count when no `Cached` field is given.
    CacheRead,
    /// Prompt-cache writes reported apart from the input: added to it.
    CacheWrite,
}

/// A path of object keys inside a JSON value.
pub type Path = &'static [&'static str];

/// Where a protocol reports token counts.
#[derive(Debug)]
pub struct UsageShape {
    /// Where usage objects sit in a body or an event.
    pub objects: &'static [Path],
    /// The fields of a usage object; when several give the same count,
    /// the first one present wins.
    pub fields: &'static [(Count, Path)],
}

fn at(v: &Value, path: Path) -> Option<&Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

/// Token counts gathered from one body or the events of one stream.
#[derive(Debug, Clone)]
pub struct UsageReader {
    objects: Vec<Path>,
    fields: Vec<(Count, Path)>,
    /// The last value seen of each field, by its index in `fields`.
    seen: Vec<Option<u64>>,
}

impl UsageReader {
    /// A reader for bodies of any of these shapes; for fields named in
    /// more than one, earlier shapes are preferred.
    pub fn new<'a>(shapes: impl IntoIterator<Item = &'a UsageShape>) -> UsageReader {
        let mut objects = Vec::new();
        let mut fields = Vec::new();
        for s in shapes {
            for o in s.objects {
                if !objects.contains(o) {
                    objects.push(*o);
                }
            }
            fields.extend_from_slice(s.fields);
        }
        let seen = vec![None; fields.len()];
        UsageReader {
            objects,
            fields,
            seen,
        }
    }

    /// Take the counts of one usage object; later values replace earlier
    /// ones (streams repeat cumulative counts).
    pub fn take_usage(&mut self, usage: &Value) {
        if !usage.is_object() {
            return;
        }
        for (i, (_, path)) in self.fields.iter().enumerate() {
            if let Some(n) = at(usage, path).and_then(Value::as_u64) {
                self.seen[i] = Some(n);
            }
        }
    }

    /// Take every usage object a body or an event carries.
    pub fn take(&mut self, v: &Value) {
        for i in 0..self.objects.len() {
            if let Some(u) = at(v, self.objects[i]) {
                self.take_usage(u);
            }
        }
    }

    fn get(&self, count: Count) -> Option<u64> {
        self.fields
            .iter()
            .zip(&self.seen)
            .find(|((c, _), v)| *c == count && v.is_some())
            .and_then(|(_, v)| *v)
    }

    /// The counts so far: `input` counts every input token, cached ones
    /// included (as OpenAI reports it; cache reads and writes reported
    /// apart, as Anthropic does, are added), `cached` the ones read from
    /// the prompt cache.
    pub fn usage(&self) -> Usage {
        let read = self.get(Count::CacheRead);
        let written = self.get(Count::CacheWrite);
        Usage {
            input: self
                .get(Count::Input)
                .map(|i| i + read.unwrap_or(0) + written.unwrap_or(0)),
            output: self.get(Count::Output),
            cached: self.get(Count::Cached).or(read),
            reasoning: self.get(Count::Reasoning),
        }
    }
}
