//! What an attacker's observer can see besides the responses: files in
//! the app's surroundings, and what the app stored about a password.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use base64::Engine as _;
use sha2::Digest as _;

/// One entry of a folder tree: its kind, size and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub dir: bool,
    pub len: u64,
    pub modified: Option<SystemTime>,
}

/// Every file and folder under `root` except those under `skip`, keyed by
/// path relative to `root`.
pub fn snapshot(root: &Path, skip: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut out = BTreeMap::new();
    walk(root, root, skip, &mut out);
    out
}

fn walk(root: &Path, dir: &Path, skip: &Path, out: &mut BTreeMap<PathBuf, Entry>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p == skip {
            continue;
        }
        let Ok(m) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let rel = p.strip_prefix(root).unwrap_or(&p).to_path_buf();
        out.insert(
            rel,
            Entry {
                dir: m.is_dir(),
                len: m.len(),
                modified: m.modified().ok(),
            },
        );
        if m.is_dir() && out.len() < 10_000 {
            walk(root, &p, skip, out);
        }
    }
}

/// The first difference between two snapshots, in words.
pub fn difference(
    before: &BTreeMap<PathBuf, Entry>,
    after: &BTreeMap<PathBuf, Entry>,
) -> Option<String> {
    for (p, e) in after {
        match before.get(p) {
            None => {
                return Some(format!(
                    "{} `/srv/{}` was created",
                    if e.dir { "folder" } else { "file" },
                    p.display()
                ))
            }
            Some(b) if b != e && !e.dir => {
                return Some(format!("file `/srv/{}` was changed", p.display()))
            }
            _ => {}
        }
    }
    before
        .keys()
        .find(|p| !after.contains_key(*p))
        .map(|p| format!("`/srv/{}` was removed", p.display()))
}

/// The forms of `password` that a store keeping it weakly would hold: the
/// password itself, and its unsalted MD5, SHA-1, SHA-256 and SHA-512 in
/// hex (both cases) and base64. Each comes with its name.
pub fn weak_forms(password: &str) -> Vec<(String, Vec<u8>)> {
    let p = password.as_bytes();
    let digests: Vec<(&str, Vec<u8>)> = vec![
        ("MD5", md5::Md5::digest(p).to_vec()),
        ("SHA-1", sha1::Sha1::digest(p).to_vec()),
        ("SHA-256", sha2::Sha256::digest(p).to_vec()),
        ("SHA-512", sha2::Sha512::digest(p).to_vec()),
    ];
    let mut out = vec![("the password in plain text".to_string(), p.to_vec())];
    for (name, d) in digests {
        let hex = crate::suite::hex(&d);
        out.push((
            format!("its unsalted {name} in hex"),
            hex.clone().into_bytes(),
        ));
        out.push((
            format!("its unsalted {name} in hex"),
            hex.to_ascii_uppercase().into_bytes(),
        ));
        out.push((
            format!("its unsalted {name} in base64"),
            base64::engine::general_purpose::STANDARD
                .encode(&d)
                .into_bytes(),
        ));
    }
    out
}

/// Where under `root` (every file, recursively, except `skip`) a weak
/// form of `password` is stored: (file relative to `root`, which form).
pub fn find_weak_password(
    root: &Path,
    skip: &[PathBuf],
    password: &str,
) -> Option<(PathBuf, String)> {
    let forms = weak_forms(password);
    let mut files = Vec::new();
    collect(root, &mut files);
    for f in files {
        if skip.contains(&f) {
            continue;
        }
        let Ok(data) = std::fs::read(&f) else {
            continue;
        };
        for (name, form) in &forms {
            if !form.is_empty() && data.windows(form.len()).any(|w| w == form.as_slice()) {
                return Some((
                    f.strip_prefix(root).unwrap_or(&f).to_path_buf(),
                    name.clone(),
                ));
            }
        }
    }
    None
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(&p, out),
            Ok(t) if t.is_file() && out.len() < 10_000 => out.push(p),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_changed_or_removed_file_is_a_difference() {
        let d = tempfile::tempdir().unwrap();
        let app = d.path().join("app");
        std::fs::create_dir(&app).unwrap();
        std::fs::write(d.path().join("secret.txt"), "s").unwrap();
        let before = snapshot(d.path(), &app);
        std::fs::write(app.join("inside.txt"), "fine").unwrap();
        assert_eq!(difference(&before, &snapshot(d.path(), &app)), None);
        std::fs::write(d.path().join("pwned"), "x").unwrap();
        let diff = difference(&before, &snapshot(d.path(), &app)).unwrap();
        assert!(
            diff.contains("/srv/pwned") && diff.contains("created"),
            "{diff}"
        );
        std::fs::remove_file(d.path().join("pwned")).unwrap();
        std::fs::write(d.path().join("secret.txt"), "longer").unwrap();
        assert!(difference(&before, &snapshot(d.path(), &app))
            .unwrap()
            .contains("changed"));
        std::fs::remove_file(d.path().join("secret.txt")).unwrap();
        assert!(difference(&before, &snapshot(d.path(), &app))
            .unwrap()
            .contains("removed"));
    }

    #[test]
    fn plain_and_fast_hashes_are_found_and_a_salted_slow_one_is_not() {
        let d = tempfile::tempdir().unwrap();
        let pw = "Tr0ub4dor&3";
        std::fs::write(d.path().join("plain.json"), format!("{{\"p\":\"{pw}\"}}")).unwrap();
        let found = find_weak_password(d.path(), &[], pw).unwrap();
        assert_eq!(found.1, "the password in plain text");
        std::fs::remove_file(d.path().join("plain.json")).unwrap();
        let sha = crate::suite::hex(&sha2::Sha256::digest(pw.as_bytes()));
        std::fs::create_dir(d.path().join("data")).unwrap();
        std::fs::write(d.path().join("data/users.db"), format!("alice|{sha}")).unwrap();
        let found = find_weak_password(d.path(), &[], pw).unwrap();
        assert_eq!(found.0, Path::new("data/users.db"));
        assert!(found.1.contains("SHA-256"), "{found:?}");
        let md5 = base64::engine::general_purpose::STANDARD.encode(md5::Md5::digest(pw.as_bytes()));
        std::fs::write(d.path().join("data/users.db"), format!("alice|{md5}")).unwrap();
        assert!(find_weak_password(d.path(), &[], pw)
            .unwrap()
            .1
            .contains("MD5 in base64"));
        // A salted, iterated hash holds none of the forms.
        std::fs::write(
            d.path().join("data/users.db"),
            "alice|pbkdf2_sha256$200000$c2FsdA$9b1c0d6e5f",
        )
        .unwrap();
        assert_eq!(find_weak_password(d.path(), &[], pw), None);
        // A file the harness staged is not the app's store.
        std::fs::write(d.path().join("app.py"), pw).unwrap();
        assert_eq!(
            find_weak_password(d.path(), &[d.path().join("app.py")], pw),
            None
        );
    }
}
