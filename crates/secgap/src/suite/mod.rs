//! Suites on disk: the principle catalog and function-level tasks.
//!
//! A suite is a folder holding `suite.toml`, `principles.toml`, a
//! `runtime/<language>/` folder per language (the check library) and
//! `tasks/<id>/task.toml` per task. Loading checks every cross-reference
//! (principle ids, test names, reference files) and reports problems as
//! `path:line: what was expected`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::lang::Language;
pub use crate::model::{Cwe, TestKind};

pub mod web;
pub use web::{Environment, WebTask};

// ---------------------------------------------------------------------------
// File formats (what the JSON Schema describes)
// ---------------------------------------------------------------------------

/// `suite.toml`: names and versions a suite.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SuiteManifest {
    /// Short name of the suite, e.g. `builtin`.
    pub name: String,
    /// Version of the suite's content; bump it when tasks change.
    pub version: String,
    /// One line saying what the suite is.
    #[serde(default)]
    pub description: String,
}

/// `principles.toml`: the principle catalog.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrincipleFile {
    pub principle: Vec<PrincipleEntry>,
}

/// One secure-coding principle.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrincipleEntry {
    /// Stable kebab-case id that tasks refer to.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// A short name (two to six words).
    pub title: String,
    /// One imperative sentence: what to do.
    pub statement: String,
    /// Why it matters and what goes wrong otherwise.
    pub rationale: String,
    /// CWE ids this principle prevents.
    pub cwes: Vec<Cwe>,
}

/// `tasks/<id>/task.toml`: one function-level task.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskManifest {
    /// Unique id; must equal the task's folder name.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    /// One-line title.
    pub title: String,
    /// Language the subject writes the code in.
    pub language: Language,
    /// CWEs the task is exposed to.
    pub cwes: Vec<Cwe>,
    /// Ids of catalog principles the task exercises.
    #[schemars(with = "Vec<String>")]
    pub principles: Vec<Spanned<String>>,
    /// The request, as a developer would phrase it. Must not name the weakness.
    pub spec: String,
    /// The interface (signature, declarations) the subject must implement.
    pub interface: String,
    /// Test file (relative to the task folder) holding one function per declared test.
    /// Everything in its folder is copied read-only into the sandbox.
    #[schemars(with = "String")]
    pub test_file: Spanned<String>,
    /// File name the candidate's code is written to; defaults per language
    /// (`solution.py`, `solution.c`).
    #[serde(default)]
    pub solution_file: Option<String>,
    /// Resource limits for each test process.
    #[serde(default)]
    pub limits: LimitsManifest,
    /// Go only: build with the race detector, so that a data race seen
    /// while a test runs fails that test (the task is about concurrency).
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub race_detector: Option<Spanned<bool>>,
    /// Declared tests, in the order they run.
    pub tests: Vec<TestManifest>,
    /// Reference implementations.
    pub references: ReferencesManifest,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsManifest {
    /// Wall-clock seconds per test process (default 10).
    pub timeout_secs: Option<u32>,
    /// Address-space limit in MiB per test process (default 1024; sanitizer builds use the RSS limit instead).
    pub memory_mb: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TestManifest {
    /// Name of the test function in the test file.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    pub kind: TestKind,
    /// For security tests: the CWE the test probes.
    #[serde(default)]
    pub cwe: Option<Cwe>,
    /// For security tests: the attack the test performs, in one sentence.
    #[serde(default)]
    pub attack: Option<String>,
    /// Functional tests only: whether the subject may see this test run
    /// (the `tool-feedback` strategy runs the visible functional tests and
    /// shows their results). Default true; `false` holds the test back for
    /// scoring only. Security tests are never visible and must not set it.
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub visible: Option<Spanned<bool>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferencesManifest {
    /// Path (relative to the task folder) of the secure reference.
    #[schemars(with = "String")]
    pub secure: Spanned<String>,
    /// Insecure references: functional but exploitable.
    pub insecure: Vec<InsecureManifest>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InsecureManifest {
    #[schemars(with = "String")]
    pub file: Spanned<String>,
    /// The CWE this reference exhibits; one of the task's CWEs.
    pub cwe: Cwe,
    /// What is wrong with it, in one sentence.
    #[serde(default)]
    pub note: String,
}

// ---------------------------------------------------------------------------
// Loaded, checked domain model
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct Principle {
    pub id: String,
    pub title: String,
    pub statement: String,
    pub rationale: String,
    pub cwes: Vec<Cwe>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestDecl {
    pub name: String,
    pub kind: TestKind,
    pub cwe: Option<Cwe>,
    pub attack: Option<String>,
    /// The subject may see this test run and its result: true only for a
    /// functional test not held back with `visible = false`; never for a
    /// security test.
    pub visible: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct InsecureRef {
    pub file: PathBuf,
    pub cwe: Cwe,
    pub note: String,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct TaskLimits {
    pub timeout_secs: u32,
    pub memory_mb: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub language: Language,
    pub cwes: Vec<Cwe>,
    pub principles: Vec<String>,
    pub spec: String,
    pub interface: String,
    /// The task's folder.
    pub dir: PathBuf,
    /// The test file, relative to `tests_dir`.
    pub test_file_name: String,
    /// The folder holding the test file; copied whole into the sandbox.
    pub tests_dir: PathBuf,
    pub solution_file: String,
    pub limits: TaskLimits,
    /// Build with the race detector (Go tasks about concurrency).
    pub race_detector: bool,
    pub tests: Vec<TestDecl>,
    pub secure_ref: PathBuf,
    pub insecure_refs: Vec<InsecureRef>,
    /// A web-application scenario in one environment (None: a function
    /// task): how its app is built, started and attacked.
    #[serde(skip)]
    pub web: Option<std::sync::Arc<WebTask>>,
}

impl Task {
    pub fn test(&self, name: &str) -> Option<&TestDecl> {
        self.tests.iter().find(|t| t.name == name)
    }

    /// The tests the subject may see run, in declaration order: the
    /// functional tests not held back.
    pub fn visible_tests(&self) -> impl Iterator<Item = &TestDecl> {
        self.tests.iter().filter(|t| t.visible)
    }
}

#[derive(Debug, Clone)]
pub struct Suite {
    pub root: PathBuf,
    pub manifest: SuiteManifest,
    pub principles: Vec<Principle>,
    /// Function-level tasks, then one task per scenario × environment.
    pub tasks: Vec<Task>,
    /// The environments web-application scenarios are built in.
    pub environments: Vec<std::sync::Arc<Environment>>,
    /// SHA-256 over every file of the suite, in path order.
    pub content_hash: String,
}

impl Suite {
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.tasks.iter().find(|t| t.id == id)
    }

    pub fn principle(&self, id: &str) -> Option<&Principle> {
        self.principles.iter().find(|p| p.id == id)
    }

    /// Folder of the check library for a language.
    pub fn runtime_dir(&self, lang: Language) -> PathBuf {
        self.root.join("runtime").join(lang.runtime_dir_name())
    }

    pub fn cwes(&self) -> BTreeSet<Cwe> {
        self.tasks
            .iter()
            .flat_map(|t| t.cwes.iter().copied())
            .collect()
    }
}

/// A loading problem, located in a file.
#[derive(Debug, thiserror::Error)]
#[error("{}", render_errors(.0))]
pub struct SuiteError(pub Vec<Located>);

#[derive(Debug)]
pub struct Located {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

fn render_errors(errs: &[Located]) -> String {
    let mut out = String::new();
    for (i, e) in errs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match e.line {
            Some(l) => out.push_str(&format!("{}:{}: {}", e.file.display(), l, e.message)),
            None => out.push_str(&format!("{}: {}", e.file.display(), e.message)),
        }
    }
    out
}

struct Source {
    path: PathBuf,
    text: String,
}

impl Source {
    fn read(path: &Path) -> Result<Source, Located> {
        std::fs::read_to_string(path)
            .map(|text| Source {
                path: path.to_path_buf(),
                text,
            })
            .map_err(|e| Located {
                file: path.to_path_buf(),
                line: None,
                message: format!("cannot read: {e}"),
            })
    }

    fn line_of(&self, offset: usize) -> usize {
        line_at(&self.text, offset)
    }

    fn at<T>(&self, spanned: &Spanned<T>, message: impl Into<String>) -> Located {
        Located {
            file: self.path.clone(),
            line: Some(self.line_of(spanned.span().start)),
            message: message.into(),
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, Located> {
        toml::from_str(&self.text).map_err(|e| Located {
            file: self.path.clone(),
            line: e.span().map(|s| self.line_of(s.start)),
            message: e.message().trim().to_string(),
        })
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_at(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Load and check a suite folder.
pub fn load(root: &Path) -> Result<Suite, SuiteError> {
    let mut errors = Vec::new();
    let root = root.to_path_buf();
    let manifest = match Source::read(&root.join("suite.toml")).and_then(|s| s.parse()) {
        Ok(m) => m,
        Err(e) => return Err(SuiteError(vec![e])),
    };
    let principles = match load_principles(&root.join("principles.toml")) {
        Ok(p) => p,
        Err(e) => return Err(SuiteError(e)),
    };
    let known: BTreeMap<&str, &Principle> = principles.iter().map(|p| (p.id.as_str(), p)).collect();

    let tasks_dir = root.join("tasks");
    let mut dirs: Vec<PathBuf> = match std::fs::read_dir(&tasks_dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect(),
        Err(e) => {
            return Err(SuiteError(vec![Located {
                file: tasks_dir,
                line: None,
                message: format!("cannot list task folders: {e}"),
            }]))
        }
    };
    dirs.sort();
    let mut tasks = Vec::new();
    for dir in dirs {
        match load_task(&dir, &known) {
            Ok(t) => tasks.push(t),
            Err(mut e) => errors.append(&mut e),
        }
    }
    let mut environments = Vec::new();
    match web::load(&root, &known) {
        Ok((envs, mut web_tasks)) => {
            environments = envs;
            tasks.append(&mut web_tasks);
        }
        Err(mut e) => errors.append(&mut e),
    }
    for lang in tasks
        .iter()
        .filter(|t| t.web.is_none())
        .map(|t| t.language)
        .collect::<BTreeSet<_>>()
    {
        let rt = root.join("runtime").join(lang.runtime_dir_name());
        if !rt.is_dir() {
            errors.push(Located {
                file: rt,
                line: None,
                message: format!("missing the {lang} check library folder that {lang} tasks need"),
            });
        }
    }
    if !errors.is_empty() {
        return Err(SuiteError(errors));
    }
    let content_hash = hash_tree(&root).map_err(|e| {
        SuiteError(vec![Located {
            file: root.clone(),
            line: None,
            message: format!("cannot hash suite files: {e}"),
        }])
    })?;
    Ok(Suite {
        root,
        manifest,
        principles,
        tasks,
        environments,
        content_hash,
    })
}

fn load_principles(path: &Path) -> Result<Vec<Principle>, Vec<Located>> {
    let src = Source::read(path).map_err(|e| vec![e])?;
    let file: PrincipleFile = src.parse().map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for p in file.principle {
        let id = p.id.get_ref().clone();
        if !is_kebab(&id) {
            errors.push(src.at(
                &p.id,
                format!("principle id `{id}` must be kebab-case (a-z, 0-9, '-')"),
            ));
        }
        if !seen.insert(id.clone()) {
            errors.push(src.at(&p.id, format!("principle id `{id}` is defined twice")));
        }
        if p.cwes.is_empty() {
            errors.push(src.at(
                &p.id,
                format!("principle `{id}` lists no CWEs; add `cwes = [N, ...]`"),
            ));
        }
        out.push(Principle {
            id,
            title: p.title,
            statement: p.statement,
            rationale: p.rationale,
            cwes: p.cwes,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

fn is_kebab(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_identifier(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_alphabetic() || c == b'_')
        && b.all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

fn load_task(dir: &Path, principles: &BTreeMap<&str, &Principle>) -> Result<Task, Vec<Located>> {
    let path = dir.join("task.toml");
    let src = Source::read(&path).map_err(|e| vec![e])?;
    let m: TaskManifest = src.parse().map_err(|e| vec![e])?;
    let mut errors = Vec::new();

    check_header(
        &src,
        "task",
        dir,
        (&m.id, &m.cwes, &m.principles),
        principles,
        &mut errors,
    );

    let mut names = BTreeSet::new();
    let mut tests = Vec::new();
    for t in &m.tests {
        tests.push(check_test(
            &src,
            "task",
            TestFields {
                name: &t.name,
                kind: t.kind,
                cwe: t.cwe,
                attack: t.attack.as_deref(),
                visible: t.visible.as_ref(),
            },
            &m.cwes,
            &mut names,
            &mut errors,
        ));
    }
    if !tests.iter().any(|t| t.kind == TestKind::Functional) {
        errors.push(src.at(&m.id, "task declares no functional test"));
    }
    if !tests.iter().any(|t| t.kind == TestKind::Security) {
        errors.push(src.at(&m.id, "task declares no security test"));
    }
    let functional = tests.iter().any(|t| t.kind == TestKind::Functional);
    if functional && !tests.iter().any(|t| t.visible) {
        errors.push(src.at(
            &m.id,
            "task holds back every functional test (`visible = false`); keep at least one visible, so that a subject shown its test results has something to run",
        ));
    }

    let mut file_in_task =
        |s: &Spanned<String>, what: &str| file_inside(&src, dir, "task", s, what, &mut errors);
    let test_path = file_in_task(&m.test_file, "test file");
    let secure_ref = file_in_task(&m.references.secure, "secure reference");
    let mut insecure_refs = Vec::new();
    for r in &m.references.insecure {
        let file = file_in_task(&r.file, "insecure reference");
        insecure_refs.push((r, file));
    }
    let insecure_refs: Vec<InsecureRef> = insecure_refs
        .into_iter()
        .map(|(r, file)| {
            if !m.cwes.contains(&r.cwe) {
                errors.push(src.at(
                    &r.file,
                    format!(
                        "insecure reference exhibits {}, which is not in the task's `cwes`",
                        r.cwe
                    ),
                ));
            }
            if !tests
                .iter()
                .any(|t| t.kind == TestKind::Security && t.cwe == Some(r.cwe))
            {
                errors.push(src.at(
                    &r.file,
                    format!(
                        "insecure reference exhibits {} but no security test probes it",
                        r.cwe
                    ),
                ));
            }
            InsecureRef {
                file,
                cwe: r.cwe,
                note: r.note.clone(),
            }
        })
        .collect();
    if insecure_refs.is_empty() {
        errors.push(src.at(
            &m.references.secure,
            "task needs at least one `[[references.insecure]]`",
        ));
    }
    let race_detector = m.race_detector.as_ref().is_some_and(|r| *r.get_ref());
    if let Some(r) = &m.race_detector {
        if *r.get_ref() && !m.language.race_detector() {
            let able: Vec<&str> = Language::ALL
                .iter()
                .filter(|l| l.race_detector())
                .map(|l| l.display_name())
                .collect();
            errors.push(src.at(
                r,
                format!(
                    "`race_detector` is only available for {} tasks, not {}; remove the line",
                    crate::lang::join_list(&able, " or "),
                    m.language.name()
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let tests_dir = test_path.parent().unwrap_or(dir).to_path_buf();
    let test_file_name = test_path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Task {
        id: m.id.into_inner(),
        title: m.title,
        language: m.language,
        cwes: m.cwes,
        principles: m.principles.into_iter().map(|p| p.into_inner()).collect(),
        spec: m.spec.trim().to_string(),
        interface: m.interface.trim().to_string(),
        dir: dir.to_path_buf(),
        test_file_name,
        tests_dir,
        solution_file: m
            .solution_file
            .unwrap_or_else(|| m.language.default_solution_file().to_string()),
        limits: TaskLimits {
            timeout_secs: m.limits.timeout_secs.unwrap_or(10),
            memory_mb: m.limits.memory_mb.unwrap_or(1024),
        },
        race_detector,
        tests,
        secure_ref,
        insecure_refs,
        web: None,
    })
}

/// The checks every manifest's head gets (`what`: "task" or "scenario"):
/// the id equals its folder's name and is kebab-case, and the CWEs and
/// the principles are listed, the principles known to the catalog.
fn check_header(
    src: &Source,
    what: &str,
    dir: &Path,
    (id, cwes, listed): (&Spanned<String>, &[Cwe], &[Spanned<String>]),
    principles: &BTreeMap<&str, &Principle>,
    errors: &mut Vec<Located>,
) {
    let folder = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if id.get_ref() != &folder {
        errors.push(src.at(
            id,
            format!(
                "{what} id `{}` must equal its folder name `{folder}`",
                id.get_ref()
            ),
        ));
    }
    if !is_kebab(id.get_ref()) {
        errors.push(src.at(id, format!("{what} id must be kebab-case (a-z, 0-9, '-')")));
    }
    if cwes.is_empty() {
        errors.push(src.at(id, format!("{what} lists no CWEs; add `cwes = [N, ...]`")));
    }
    for p in listed {
        if !principles.contains_key(p.get_ref().as_str()) {
            errors.push(src.at(
                p,
                format!(
                    "unknown principle id `{}`; use an id from principles.toml (`secgap list principles`) or add it there",
                    p.get_ref()
                ),
            ));
        }
    }
    if listed.is_empty() {
        errors.push(src.at(
            id,
            format!("{what} lists no principles; add `principles = [\"id\", ...]`"),
        ));
    }
}

/// What a declared test says about itself, in a task or a scenario.
struct TestFields<'a> {
    name: &'a Spanned<String>,
    kind: TestKind,
    cwe: Option<Cwe>,
    attack: Option<&'a str>,
    visible: Option<&'a Spanned<bool>>,
}

/// Check one declared test of a `what` ("task" or "scenario") whose CWEs
/// are `cwes`; `names` collects the names seen so far.
fn check_test(
    src: &Source,
    what: &str,
    t: TestFields,
    cwes: &[Cwe],
    names: &mut BTreeSet<String>,
    errors: &mut Vec<Located>,
) -> TestDecl {
    let name = t.name.get_ref().clone();
    if !is_identifier(&name) {
        errors.push(src.at(
            t.name,
            format!("test name `{name}` must be an identifier (letters, digits, '_')"),
        ));
    }
    if !names.insert(name.clone()) {
        errors.push(src.at(t.name, format!("test `{name}` is declared twice")));
    }
    match t.kind {
        TestKind::Security => {
            match t.cwe {
                None => errors.push(src.at(
                    t.name,
                    format!("security test `{name}` must name the CWE it probes: add `cwe = N`"),
                )),
                Some(c) if !cwes.contains(&c) => errors.push(src.at(
                    t.name,
                    format!(
                        "security test `{name}` probes {c}, which is not in the {what}'s `cwes`"
                    ),
                )),
                Some(_) => {}
            }
            if t.attack.is_none_or(|a| a.trim().is_empty()) {
                errors.push(src.at(
                    t.name,
                    format!(
                        "security test `{name}` must describe its attack: add `attack = \"...\"`"
                    ),
                ));
            }
            if let Some(v) = t.visible {
                errors.push(src.at(
                    v,
                    format!(
                        "security test `{name}` sets `visible`, but a security test is never shown to the subject; remove the `visible` line (only functional tests may set it)"
                    ),
                ));
            }
        }
        TestKind::Functional => {
            if t.cwe.is_some() {
                errors.push(src.at(
                    t.name,
                    format!("functional test `{name}` has a `cwe`; only security tests name one"),
                ));
            }
        }
    }
    TestDecl {
        name,
        kind: t.kind,
        cwe: t.cwe,
        attack: t.attack.map(str::to_string),
        visible: t.kind == TestKind::Functional && t.visible.is_none_or(|v| *v.get_ref()),
    }
}

/// The file a manifest names at `s` (`what` it is), which must lie inside
/// `dir`, the `folder` ("task" or "scenario") folder, and exist.
fn file_inside(
    src: &Source,
    dir: &Path,
    folder: &str,
    s: &Spanned<String>,
    what: &str,
    errors: &mut Vec<Located>,
) -> PathBuf {
    let rel = Path::new(s.get_ref());
    let p = dir.join(rel);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| c == std::path::Component::ParentDir)
    {
        errors.push(src.at(
            s,
            format!(
                "{what} `{}` must be a path inside the {folder} folder",
                s.get_ref()
            ),
        ));
    } else if !p.is_file() {
        errors.push(src.at(s, format!("{what} `{}` does not exist", p.display())));
    }
    p
}

/// SHA-256 of every regular file under `root` (path and content), in path order.
pub fn hash_tree(root: &Path) -> std::io::Result<String> {
    let mut files = Vec::new();
    collect_files(root, root, &mut files)?;
    files.sort();
    let mut h = Sha256::new();
    for rel in files {
        let data = std::fs::read(root.join(&rel))?;
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        h.update((data.len() as u64).to_le_bytes());
        h.update(&data);
    }
    Ok(hex(&h.finalize()))
}

fn collect_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let ft = e.file_type()?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name == "__pycache__" || name.starts_with('.') {
            continue;
        }
        if ft.is_dir() {
            collect_files(root, &e.path(), out)?;
        } else if ft.is_file() {
            out.push(
                e.path()
                    .strip_prefix(root)
                    .unwrap_or(&e.path())
                    .to_path_buf(),
            );
        }
    }
    Ok(())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON Schemas of the suite's file formats.
pub fn schemas() -> serde_json::Value {
    serde_json::json!({
        "suite.toml": schemars::schema_for!(SuiteManifest),
        "principles.toml": schemars::schema_for!(PrincipleFile),
        "task.toml": schemars::schema_for!(TaskManifest),
        "environment.toml": schemars::schema_for!(web::EnvironmentManifest),
        "scenario.toml": schemars::schema_for!(web::ScenarioManifest),
    })
}

#[cfg(test)]
mod tests;
