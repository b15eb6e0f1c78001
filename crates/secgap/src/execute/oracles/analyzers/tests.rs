//! The registry, and each analyzer's parser on a real report: what the
//! installed analyzer printed for a small sample of ours with known
//! weaknesses (`tests/fixtures/static/<analyzer>/`), parsed into the rules,
//! lines and CWEs that `expected.txt` lists.

use super::*;

#[test]
fn ids_are_unique_and_every_language_has_an_analyzer_of_its_own() {
    let ids = ids();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len());
    for lang in Language::ALL {
        assert!(
            ANALYZERS
                .iter()
                .any(|a| a.id() != "semgrep" && a.applies_to(lang)),
            "{} has no analyzer but Semgrep",
            lang.name()
        );
    }
}
