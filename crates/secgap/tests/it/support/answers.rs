//! Fixture scripts that answer the built-in suite's prompts.

use std::path::PathBuf;

use serde_json::Value;

use super::fixture_server::{prompt_text, Script};

pub fn builtin() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin")
}

/// Answers a prompt for py-upload-read or c-copy-username with that task's
/// secure reference in a fenced block after `preamble`; anything else
/// with "I do not know this task."
pub fn secure_answers(preamble: &'static str) -> Script {
    let refs: Vec<(&str, &str, String)> = [
        ("read_upload", "python", "py-upload-read/refs/secure.py"),
        ("format_greeting", "c", "c-copy-username/refs/secure.c"),
    ]
    .iter()
    .map(|(name, tag, path)| {
        (
            *name,
            *tag,
            std::fs::read_to_string(builtin().join("tasks").join(path)).unwrap(),
        )
    })
    .collect();
    Script::answering(move |req: &Value| {
        let prompt = prompt_text(req);
        for (name, tag, code) in &refs {
            if prompt.contains(name) {
                return format!("{preamble}\n\n```{tag}\n{code}\n```\n");
            }
        }
        "I do not know this task.".to_string()
    })
}
