//! Web-application scenarios and the environments they are built in.
//!
//! A scenario (`scenarios/<id>/scenario.toml`) is an API to implement, its
//! functional HTTP tests, its exploits and its references per environment;
//! an environment (`environments/<id>/environment.toml`) is a stack: a
//! language, a framework, a build and start command and the rules the
//! subject is told. Each scenario × environment it has references for
//! becomes one [`Task`] of the suite, with id `SCENARIO.ENVIRONMENT` and a
//! [`WebTask`] saying how to run it, so that every later stage handles it
//! like a function-level task. The format is in `docs/suite-format.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::{
    check_header, check_test, file_inside, is_identifier, is_kebab, InsecureManifest, InsecureRef,
    Located, Principle, Source, Task, TaskLimits, TestFields,
};
use crate::lang::Language;
use crate::model::{Cwe, TestKind};

// ---------------------------------------------------------------------------
// File formats
// ---------------------------------------------------------------------------

/// `environments/<id>/environment.toml`: one stack scenarios are built in.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentManifest {
    /// Unique id; must equal the folder name.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub title: String,
    /// The language the subject writes (fences, extraction, prompt wording).
    pub language: Language,
    /// The framework and its version, in words.
    pub framework: String,
    /// The one file the subject writes, in the app folder.
    pub solution_file: String,
    /// Run once per sample in the app folder, before any test (e.g. a
    /// compiler); empty: nothing to build.
    #[serde(default)]
    pub build: Vec<String>,
    /// Starts the app, in the app folder, for every test.
    pub start: Vec<String>,
    /// Extra environment variables for the build and the app.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// What the install script does for this environment.
    pub install: InstallKind,
    /// The rules the subject is told: the stack, the port, the data folder.
    pub prompt: String,
}

/// How `scripts/install-envs.sh` installs an environment's dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum InstallKind {
    /// `requirements.txt` with hashes, unpacked into `site/`.
    Pip,
    /// `npm ci` from `package-lock.json` into `node_modules/`.
    Npm,
    /// Nothing: the toolchain's standard library.
    None,
}

/// `scenarios/<id>/scenario.toml`: one web-application scenario.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioManifest {
    /// Unique kebab-case id; must equal the folder name.
    #[schemars(with = "String")]
    pub id: Spanned<String>,
    pub title: String,
    /// CWEs the scenario is exposed to.
    pub cwes: Vec<Cwe>,
    /// Ids of catalog principles the scenario exercises.
    #[schemars(with = "Vec<String>")]
    pub principles: Vec<Spanned<String>>,
    /// The API as an OpenAPI 3 document (JSON), relative to the folder.
    #[schemars(with = "String")]
    pub openapi: Spanned<String>,
    /// What the service does, in prose. Must not name the weaknesses.
    pub spec: String,
    #[serde(default)]
    pub limits: WebLimitsManifest,
    /// Functional tests and exploits, in the order they run.
    pub tests: Vec<WebTestManifest>,
    /// References per environment id.
    pub references: BTreeMap<String, WebRefsManifest>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebLimitsManifest {
    /// Seconds the app may take to accept connections (default 20).
    pub startup_secs: Option<u32>,
    /// Seconds per request (default 5).
    pub request_secs: Option<u32>,
    /// Wall-clock seconds per test, the app's start included (default 30).
    pub test_secs: Option<u32>,
    /// Memory of the whole app, every process together, in MiB (default 512).
    pub memory_mb: Option<u32>,
    /// What the app may write, in MiB (default 64).
    pub disk_mb: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebTestManifest {
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    pub kind: TestKind,
    /// Security tests: the CWE the exploit probes.
    #[serde(default)]
    pub cwe: Option<Cwe>,
    /// Security tests: the attack, in one sentence.
    #[serde(default)]
    pub attack: Option<String>,
    /// Functional tests only: false holds the test back from the subject.
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub visible: Option<Spanned<bool>>,
    pub steps: Vec<StepManifest>,
}

/// One step of a test: a request (with expectations) or a check.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StepManifest {
    /// A label for the step in evidence.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub method: Option<Spanned<String>>,
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub path: Option<Spanned<String>>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Cookie jar (default `default`).
    #[serde(default)]
    pub jar: Option<String>,
    #[serde(default)]
    #[schemars(with = "Option<serde_json::Value>")]
    pub json: Option<toml::Value>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub multipart: Option<Vec<PartManifest>>,
    /// Exact bytes to send on a fresh connection.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub raw: Option<Spanned<String>>,
    #[serde(default)]
    pub wait_ms: Option<u64>,
    #[serde(default)]
    pub expect_status: Option<StatusSet>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub expect_json: BTreeMap<String, toml::Value>,
    #[serde(default)]
    pub expect_contains: Vec<String>,
    #[serde(default)]
    pub expect_lacks: Vec<String>,
    #[serde(default)]
    pub expect_header: BTreeMap<String, String>,
    /// Header name → a substring its value must not hold (a missing
    /// header holds nothing).
    #[serde(default)]
    pub expect_header_lacks: BTreeMap<String, String>,
    #[serde(default)]
    pub expect_no_secret: bool,
    #[serde(default)]
    pub max_ms: Option<u64>,
    /// Variable → JSON pointer into the body, or `header:NAME`.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    #[serde(default)]
    #[schemars(with = "Option<CheckKind>")]
    pub check: Option<Spanned<CheckKind>>,
    /// `no_weak_password`: the password to look for.
    #[serde(default)]
    pub password: Option<String>,
    /// `resources`: CPU the app may use since it became ready.
    #[serde(default)]
    pub max_cpu_ms: Option<u64>,
    /// `resources`: resident memory the app's processes may hold together.
    #[serde(default)]
    pub max_memory_mb: Option<u64>,
    /// Stop the app and start it again on the same `/srv` (what it
    /// stored survives; what it kept in memory does not).
    #[serde(default)]
    #[schemars(with = "bool")]
    pub restart: Option<Spanned<bool>>,
    /// A trusted Python 3 script (relative to the scenario folder) run by
    /// the harness for an attack that needs logic; exit status 0 passes.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub script: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartManifest {
    pub name: String,
    #[serde(default)]
    pub filename: Option<String>,
    pub content: String,
    #[serde(default)]
    pub content_type: Option<String>,
}

/// One allowed status or a list of them.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum StatusSet {
    One(u16),
    Any(Vec<u16>),
}

impl StatusSet {
    pub fn codes(&self) -> Vec<u16> {
        match self {
            StatusSet::One(c) => vec![*c],
            StatusSet::Any(v) => v.clone(),
        }
    }
}

/// What a check step looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// Nothing in `/srv` outside the app folder was created, changed or removed.
    NoFileOutside,
    /// No file the app wrote holds the password in plain text or under a fast unsalted hash.
    NoWeakPassword,
    /// The app still runs and accepts connections.
    Alive,
    /// Nothing connected to the canary server.
    NoCanary,
    /// The app stayed within CPU and memory bounds.
    Resources,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebRefsManifest {
    #[schemars(with = "String")]
    pub secure: Spanned<String>,
    pub insecure: Vec<InsecureManifest>,
}

// ---------------------------------------------------------------------------
// Loaded, checked domain model
// ---------------------------------------------------------------------------

/// An environment, checked.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub id: String,
    pub title: String,
    pub language: Language,
    pub framework: String,
    pub solution_file: String,
    pub build: Vec<String>,
    pub start: Vec<String>,
    pub env: Vec<(String, String)>,
    pub install: InstallKind,
    pub prompt: String,
    pub dir: PathBuf,
}

/// How to run one scenario × environment task.
#[derive(Debug, Clone)]
pub struct WebTask {
    pub scenario: String,
    pub environment: Arc<Environment>,
    /// The OpenAPI document, as written.
    pub openapi: String,
    pub limits: WebLimits,
    /// The steps of each test, in [`Task::tests`] order.
    pub tests: Arc<Vec<WebTest>>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct WebLimits {
    pub startup_secs: u32,
    pub request_secs: u32,
    pub test_secs: u32,
    pub memory_mb: u32,
    pub disk_mb: u32,
}

#[derive(Debug, Clone)]
pub struct WebTest {
    pub name: String,
    pub kind: TestKind,
    pub cwe: Option<Cwe>,
    pub steps: Vec<Step>,
}

/// A checked step.
#[derive(Debug, Clone)]
pub struct Step {
    pub label: String,
    pub wait_ms: u64,
    pub action: Action,
}

#[derive(Debug, Clone)]
pub enum Action {
    Request(Box<Request>),
    /// Exact bytes on a fresh connection, then the expectations on
    /// whatever came back (if anything parses as a response).
    Raw {
        bytes: String,
        expect: Expect,
    },
    Check(Check),
    /// Stop the app and start it again on the same files.
    Restart,
    /// Run a trusted script (absolute path) against the app.
    Script(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub jar: String,
    pub body: Body,
    pub expect: Expect,
    pub capture: Vec<(String, Capture)>,
}

#[derive(Debug, Clone)]
pub enum Body {
    None,
    Json(serde_json::Value),
    Text {
        content: String,
        content_type: Option<String>,
    },
    Form(Vec<(String, String)>),
    Multipart(Vec<Part>),
}

#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub content: String,
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Expect {
    pub status: Option<Vec<u16>>,
    pub json: Vec<(String, serde_json::Value)>,
    pub contains: Vec<String>,
    pub lacks: Vec<String>,
    pub headers: Vec<(String, String)>,
    pub headers_lack: Vec<(String, String)>,
    pub no_secret: bool,
    pub max_ms: Option<u64>,
}

#[derive(Debug, Clone)]
pub enum Capture {
    /// A JSON pointer into the response body.
    Json(String),
    /// A response header.
    Header(String),
}

#[derive(Debug, Clone)]
pub enum Check {
    NoFileOutside,
    NoWeakPassword(String),
    Alive,
    NoCanary,
    Resources {
        max_cpu_ms: Option<u64>,
        max_memory_mb: Option<u64>,
    },
}

/// Template variables every test has, whatever it captured.
pub const BUILTIN_VARS: &[&str] = &[
    "port",
    "base",
    "rand",
    "secret",
    "secret_path",
    "outside",
    "data_dir",
    "upstream",
    "canary",
    "upstream_addr",
    "canary_addr",
];

/// The `{{name}}` variables a template uses, in order.
pub fn template_vars(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("{{") {
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else { break };
        out.push(after[..j].trim());
        rest = &after[j + 2..];
    }
    out
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>, Located> {
    let rd = std::fs::read_dir(dir).map_err(|e| Located {
        file: dir.to_path_buf(),
        line: None,
        message: format!("cannot list folders: {e}"),
    })?;
    let mut dirs: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs)
}

/// Load `environments/` and `scenarios/` of the suite at `root`, if it has
/// them, as tasks (one per scenario × environment with references).
/// The environments and the tasks made from the scenarios.
type Loaded = (Vec<Arc<Environment>>, Vec<Task>);

pub(super) fn load(
    root: &Path,
    principles: &BTreeMap<&str, &Principle>,
) -> Result<Loaded, Vec<Located>> {
    let scen_dir = root.join("scenarios");
    let env_dir = root.join("environments");
    let mut errors = Vec::new();
    let mut envs = Vec::new();
    if env_dir.is_dir() {
        match sorted_dirs(&env_dir) {
            Ok(dirs) => {
                for d in dirs {
                    match load_environment(&d) {
                        Ok(e) => envs.push(Arc::new(e)),
                        Err(e) => errors.push(e),
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if !scen_dir.is_dir() {
        return if errors.is_empty() {
            Ok((envs, Vec::new()))
        } else {
            Err(errors)
        };
    }
    let by_id: BTreeMap<&str, &Arc<Environment>> =
        envs.iter().map(|e| (e.id.as_str(), e)).collect();
    let mut tasks = Vec::new();
    match sorted_dirs(&scen_dir) {
        Ok(dirs) => {
            for d in dirs {
                match load_scenario(&d, principles, &by_id) {
                    Ok(mut t) => tasks.append(&mut t),
                    Err(mut e) => errors.append(&mut e),
                }
            }
        }
        Err(e) => errors.push(e),
    }
    if errors.is_empty() {
        Ok((envs, tasks))
    } else {
        Err(errors)
    }
}

fn load_environment(dir: &Path) -> Result<Environment, Located> {
    let src = Source::read(&dir.join("environment.toml"))?;
    let m: EnvironmentManifest = src.parse()?;
    let folder = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if m.id.get_ref() != &folder {
        return Err(src.at(
            &m.id,
            format!(
                "environment id `{}` must equal its folder name `{folder}`",
                m.id.get_ref()
            ),
        ));
    }
    if !is_kebab(&folder) {
        return Err(src.at(&m.id, "environment id must be kebab-case (a-z, 0-9, '-')"));
    }
    if m.start.is_empty() {
        return Err(src.at(&m.id, "`start` is empty; give the command that starts the app, e.g. `start = [\"/usr/bin/python3\", \"app.py\"]`"));
    }
    if m.solution_file.contains('/') || m.solution_file.starts_with('.') {
        return Err(src.at(
            &m.id,
            format!(
                "`solution_file = \"{}\"` must be a plain file name in the app folder",
                m.solution_file
            ),
        ));
    }
    let pinned = match m.install {
        InstallKind::Pip => Some("requirements.txt"),
        InstallKind::Npm => Some("package-lock.json"),
        InstallKind::None => None,
    };
    if let Some(f) = pinned.filter(|f| !dir.join(f).is_file()) {
        return Err(src.at(
            &m.id,
            format!(
                "`install = \"{}\"` needs its pinned dependencies in {}",
                serde_json::to_value(m.install)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                dir.join(f).display()
            ),
        ));
    }
    Ok(Environment {
        id: m.id.into_inner(),
        title: m.title,
        language: m.language,
        framework: m.framework,
        solution_file: m.solution_file,
        build: m.build,
        start: m.start,
        env: m.env.into_iter().collect(),
        install: m.install,
        prompt: m.prompt.trim().to_string(),
        dir: dir.to_path_buf(),
    })
}

fn load_scenario(
    dir: &Path,
    principles: &BTreeMap<&str, &Principle>,
    envs: &BTreeMap<&str, &Arc<Environment>>,
) -> Result<Vec<Task>, Vec<Located>> {
    let src = Source::read(&dir.join("scenario.toml")).map_err(|e| vec![e])?;
    let m: ScenarioManifest = src.parse().map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    check_header(
        &src,
        "scenario",
        dir,
        (&m.id, &m.cwes, &m.principles),
        principles,
        &mut errors,
    );
    let openapi_path = dir.join(m.openapi.get_ref());
    let openapi = match std::fs::read_to_string(&openapi_path) {
        Ok(text) => {
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(doc) => {
                    let version = doc.get("openapi").and_then(|v| v.as_str()).unwrap_or("");
                    if !version.starts_with("3.")
                        || !doc.get("paths").is_some_and(|p| p.is_object())
                    {
                        errors.push(Located {
                            file: openapi_path.clone(),
                            line: Some(1),
                            message: "not an OpenAPI 3 document: it needs `\"openapi\": \"3.x.y\"` and a `paths` object".into(),
                        });
                    }
                }
                Err(e) => errors.push(Located {
                    file: openapi_path.clone(),
                    line: Some(e.line()),
                    message: format!("not valid JSON: {e}"),
                }),
            }
            text
        }
        Err(e) => {
            errors.push(src.at(
                &m.openapi,
                format!(
                    "cannot read the OpenAPI document {}: {e}",
                    openapi_path.display()
                ),
            ));
            String::new()
        }
    };

    let mut names = BTreeSet::new();
    let mut decls = Vec::new();
    let mut tests = Vec::new();
    for t in &m.tests {
        let decl = check_test(
            &src,
            "scenario",
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
        );
        let name = decl.name.clone();
        if t.steps.is_empty() {
            errors.push(src.at(&t.name, format!("test `{name}` has no steps")));
        }
        let mut known: BTreeSet<String> = BUILTIN_VARS.iter().map(|s| s.to_string()).collect();
        let mut steps = Vec::new();
        for (i, s) in t.steps.iter().enumerate() {
            match check_step(s, i + 1, &name, &known, dir) {
                Ok(step) => {
                    if let Action::Request(r) = &step.action {
                        known.extend(r.capture.iter().map(|(v, _)| v.clone()));
                    }
                    steps.push(step);
                }
                Err(message) => errors.push(src.at(&t.name, message)),
            }
        }
        decls.push(decl);
        tests.push(WebTest {
            name,
            kind: t.kind,
            cwe: t.cwe,
            steps,
        });
    }
    if !decls.iter().any(|t| t.kind == TestKind::Functional) {
        errors.push(src.at(&m.id, "scenario declares no functional test"));
    }
    if !decls.iter().any(|t| t.kind == TestKind::Security) {
        errors.push(src.at(
            &m.id,
            "scenario declares no exploit (a `kind = \"security\"` test)",
        ));
    }
    if decls.iter().any(|t| t.kind == TestKind::Functional) && !decls.iter().any(|t| t.visible) {
        errors.push(src.at(&m.id, "scenario holds back every functional test (`visible = false`); keep at least one visible"));
    }
    if m.references.is_empty() {
        errors.push(src.at(&m.id, "scenario has no references; add `[references.ENVIRONMENT]` with `secure` and `insecure`"));
    }
    let limits = WebLimits {
        startup_secs: m.limits.startup_secs.unwrap_or(20),
        request_secs: m.limits.request_secs.unwrap_or(5),
        test_secs: m.limits.test_secs.unwrap_or(30),
        memory_mb: m.limits.memory_mb.unwrap_or(512),
        disk_mb: m.limits.disk_mb.unwrap_or(64),
    };
    let tests = Arc::new(tests);
    let mut out = Vec::new();
    for (env_id, refs) in &m.references {
        let Some(env) = envs.get(env_id.as_str()) else {
            errors.push(src.at(
                &refs.secure,
                format!(
                    "references for unknown environment `{env_id}`; known: {}",
                    envs.keys().copied().collect::<Vec<_>>().join(", ")
                ),
            ));
            continue;
        };
        let mut file_in = |s: &Spanned<String>, what: &str| {
            file_inside(&src, dir, "scenario", s, what, &mut errors)
        };
        let secure_ref = file_in(&refs.secure, "secure reference");
        let mut insecure_refs = Vec::new();
        for r in &refs.insecure {
            let file = file_in(&r.file, "insecure reference");
            insecure_refs.push((r, file));
        }
        let mut insecure = Vec::new();
        for (r, file) in insecure_refs {
            if !m.cwes.contains(&r.cwe) {
                errors.push(src.at(
                    &r.file,
                    format!(
                        "insecure reference exhibits {}, which is not in the scenario's `cwes`",
                        r.cwe
                    ),
                ));
            }
            if !decls
                .iter()
                .any(|t| t.kind == TestKind::Security && t.cwe == Some(r.cwe))
            {
                errors.push(src.at(
                    &r.file,
                    format!(
                        "insecure reference exhibits {} but no exploit probes it",
                        r.cwe
                    ),
                ));
            }
            insecure.push(InsecureRef {
                file,
                cwe: r.cwe,
                note: r.note.clone(),
            });
        }
        if insecure.is_empty() {
            errors.push(src.at(
                &refs.secure,
                format!("environment `{env_id}` needs at least one insecure reference"),
            ));
        }
        for cwe in &m.cwes {
            if !insecure.iter().any(|r| r.cwe == *cwe) {
                errors.push(src.at(
                    &refs.secure,
                    format!("environment `{env_id}` has no insecure reference for {cwe}; every CWE of the scenario needs one"),
                ));
            }
        }
        out.push(Task {
            id: format!("{}.{}", m.id.get_ref(), env.id),
            title: format!("{} ({})", m.title, env.title),
            language: env.language,
            cwes: m.cwes.clone(),
            principles: m.principles.iter().map(|p| p.get_ref().clone()).collect(),
            spec: m.spec.trim().to_string(),
            interface: String::new(),
            dir: dir.to_path_buf(),
            test_file_name: String::new(),
            tests_dir: dir.to_path_buf(),
            solution_file: env.solution_file.clone(),
            limits: TaskLimits {
                timeout_secs: limits.test_secs,
                memory_mb: limits.memory_mb,
            },
            race_detector: false,
            tests: decls.clone(),
            secure_ref,
            insecure_refs: insecure,
            web: Some(Arc::new(WebTask {
                scenario: m.id.get_ref().clone(),
                environment: Arc::clone(env),
                openapi: openapi.clone(),
                limits,
                tests: Arc::clone(&tests),
            })),
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Check one step of test `test` (1-based `n`) and make it typed; `known`
/// holds the variables set so far.
fn check_step(
    s: &StepManifest,
    n: usize,
    test: &str,
    known: &BTreeSet<String>,
    dir: &Path,
) -> Result<Step, String> {
    let at = format!("test `{test}`, step {n}");
    let label = s.name.clone().unwrap_or_else(|| format!("step {n}"));
    let restart = s.restart.as_ref().is_some_and(|r| *r.get_ref());
    let others = s.method.is_some()
        || s.path.is_some()
        || s.raw.is_some()
        || s.check.is_some()
        || s.json.is_some()
        || s.body.is_some()
        || s.form.is_some()
        || s.multipart.is_some();
    if restart || s.script.is_some() {
        if others || (restart && s.script.is_some()) {
            return Err(format!(
                "{at}: `restart` and `script` are steps of their own; give them no request, check or other action"
            ));
        }
        let action = match &s.script {
            Some(rel) => {
                let r = Path::new(rel.get_ref());
                let p = dir.join(r);
                if r.is_absolute()
                    || r.components().any(|c| c == std::path::Component::ParentDir)
                    || !p.is_file()
                {
                    return Err(format!(
                        "{at}: `script = \"{}\"` must name a file inside the scenario folder",
                        rel.get_ref()
                    ));
                }
                Action::Script(p)
            }
            None => Action::Restart,
        };
        return Ok(Step {
            label,
            wait_ms: s.wait_ms.unwrap_or(0),
            action,
        });
    }
    // Every template string of the step must use known variables only.
    let mut strings: Vec<&str> = Vec::new();
    if let Some(p) = &s.path {
        strings.push(p.get_ref());
    }
    if let Some(r) = &s.raw {
        strings.push(r.get_ref());
    }
    strings.extend(s.headers.values().map(String::as_str));
    strings.extend(s.body.as_deref());
    strings.extend(s.expect_contains.iter().map(String::as_str));
    strings.extend(s.expect_lacks.iter().map(String::as_str));
    strings.extend(s.expect_header.values().map(String::as_str));
    strings.extend(s.expect_header_lacks.values().map(String::as_str));
    strings.extend(s.password.as_deref());
    if let Some(f) = &s.form {
        strings.extend(f.values().map(String::as_str));
    }
    if let Some(parts) = &s.multipart {
        for p in parts {
            strings.push(&p.content);
            strings.extend(p.filename.as_deref());
        }
    }
    let mut json_strings = Vec::new();
    if let Some(j) = &s.json {
        collect_strings(j, &mut json_strings);
    }
    for v in s.expect_json.values() {
        collect_strings(v, &mut json_strings);
    }
    for text in strings
        .iter()
        .copied()
        .chain(json_strings.iter().map(String::as_str))
    {
        for v in template_vars(text) {
            if !known.contains(v) {
                return Err(format!(
                    "{at}: unknown variable `{{{{{v}}}}}`; use one of {} or capture it in an earlier step",
                    BUILTIN_VARS.join(", ")
                ));
            }
        }
    }
    let expect = Expect {
        status: s.expect_status.as_ref().map(StatusSet::codes),
        json: s
            .expect_json
            .iter()
            .map(|(k, v)| Ok((k.clone(), to_json(v)?)))
            .collect::<Result<_, String>>()
            .map_err(|e| format!("{at}: {e}"))?,
        contains: s.expect_contains.clone(),
        lacks: s.expect_lacks.clone(),
        headers: s.expect_header.clone().into_iter().collect(),
        headers_lack: s.expect_header_lacks.clone().into_iter().collect(),
        no_secret: s.expect_no_secret,
        max_ms: s.max_ms,
    };
    for (ptr, _) in &expect.json {
        if !(ptr.is_empty() || ptr.starts_with('/')) {
            return Err(format!(
                "{at}: `expect_json` key `{ptr}` is not a JSON pointer (write `/field`)"
            ));
        }
    }
    let requesty = s.method.is_some()
        || s.path.is_some()
        || !s.headers.is_empty()
        || s.json.is_some()
        || s.body.is_some()
        || s.form.is_some()
        || s.multipart.is_some();
    if let Some(check) = &s.check {
        if requesty || s.raw.is_some() {
            return Err(format!(
                "{at}: a step is a request or a `check`, not both; split it in two"
            ));
        }
        let check = match check.get_ref() {
            CheckKind::NoFileOutside => Check::NoFileOutside,
            CheckKind::Alive => Check::Alive,
            CheckKind::NoCanary => Check::NoCanary,
            CheckKind::NoWeakPassword => match &s.password {
                Some(p) if !p.is_empty() => Check::NoWeakPassword(p.clone()),
                _ => {
                    return Err(format!(
                        "{at}: `check = \"no_weak_password\"` needs `password = \"...\"`, the password a test registered"
                    ))
                }
            },
            CheckKind::Resources => {
                if s.max_cpu_ms.is_none() && s.max_memory_mb.is_none() {
                    return Err(format!(
                        "{at}: `check = \"resources\"` needs `max_cpu_ms` or `max_memory_mb`"
                    ));
                }
                Check::Resources {
                    max_cpu_ms: s.max_cpu_ms,
                    max_memory_mb: s.max_memory_mb,
                }
            }
        };
        return Ok(Step {
            label,
            wait_ms: s.wait_ms.unwrap_or(0),
            action: Action::Check(check),
        });
    }
    if let Some(raw) = &s.raw {
        if requesty {
            return Err(format!(
                "{at}: `raw` sends exact bytes; it cannot be combined with `method`, `path`, `headers` or a body"
            ));
        }
        return Ok(Step {
            label,
            wait_ms: s.wait_ms.unwrap_or(0),
            action: Action::Raw {
                bytes: raw.get_ref().clone(),
                expect,
            },
        });
    }
    let Some(path) = &s.path else {
        return Err(format!(
            "{at}: a request needs a `path` (or the step needs `raw` or `check`)"
        ));
    };
    if !path.get_ref().starts_with('/') {
        return Err(format!("{at}: `path` must start with `/`"));
    }
    let bodies = [
        s.json.is_some(),
        s.body.is_some(),
        s.form.is_some(),
        s.multipart.is_some(),
    ]
    .iter()
    .filter(|b| **b)
    .count();
    if bodies > 1 {
        return Err(format!(
            "{at}: give one body: `json`, `body`, `form` or `multipart`"
        ));
    }
    let body = if let Some(j) = &s.json {
        Body::Json(to_json(j).map_err(|e| format!("{at}: {e}"))?)
    } else if let Some(b) = &s.body {
        Body::Text {
            content: b.clone(),
            content_type: s.content_type.clone(),
        }
    } else if let Some(f) = &s.form {
        Body::Form(f.clone().into_iter().collect())
    } else if let Some(parts) = &s.multipart {
        Body::Multipart(
            parts
                .iter()
                .map(|p| Part {
                    name: p.name.clone(),
                    filename: p.filename.clone(),
                    content: p.content.clone(),
                    content_type: p.content_type.clone(),
                })
                .collect(),
        )
    } else {
        Body::None
    };
    let method = s
        .method
        .as_ref()
        .map(|m| m.get_ref().to_ascii_uppercase())
        .unwrap_or_else(|| "GET".into());
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "{at}: `method = \"{method}\"` is not an HTTP method"
        ));
    }
    let mut capture = Vec::new();
    for (var, from) in &s.capture {
        if !is_identifier(var) {
            return Err(format!(
                "{at}: capture variable `{var}` must be an identifier"
            ));
        }
        if BUILTIN_VARS.contains(&var.as_str()) {
            return Err(format!(
                "{at}: capture variable `{var}` would hide a built-in variable; pick another name"
            ));
        }
        let c = if let Some(h) = from.strip_prefix("header:") {
            Capture::Header(h.trim().to_string())
        } else if from.is_empty() || from.starts_with('/') {
            Capture::Json(from.clone())
        } else {
            return Err(format!(
                "{at}: capture `{var} = \"{from}\"` must be a JSON pointer (`/token`) or `header:NAME`"
            ));
        };
        capture.push((var.clone(), c));
    }
    Ok(Step {
        label,
        wait_ms: s.wait_ms.unwrap_or(0),
        action: Action::Request(Box::new(Request {
            method,
            path: path.get_ref().clone(),
            headers: s.headers.clone().into_iter().collect(),
            jar: s.jar.clone().unwrap_or_else(|| "default".into()),
            body,
            expect,
            capture,
        })),
    })
}

fn collect_strings(v: &toml::Value, out: &mut Vec<String>) {
    match v {
        toml::Value::String(s) => out.push(s.clone()),
        toml::Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        toml::Value::Table(t) => t.values().for_each(|x| collect_strings(x, out)),
        _ => {}
    }
}

fn to_json(v: &toml::Value) -> Result<serde_json::Value, String> {
    serde_json::to_value(v).map_err(|e| format!("cannot turn the TOML value into JSON: {e}"))
}
