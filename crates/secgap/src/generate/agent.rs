//! Coding-agent subjects: a command-line agent (Claude Code, Codex CLI,
//! Aider, Gemini CLI, or any command template) run once per sample in a
//! fresh scratch workspace that holds the task's stub and its prompt.
//!
//! Per sample: the workspace gets `PROMPT.md` and the solution file with the
//! task's interface as a stub; the command runs there (its own process
//! group, stdin from /dev/null, killed with its whole group at the timeout
//! and after it exits); stdout and stderr are the transcript. Only once the
//! group is dead is the solution file read: its text, in a fenced block of
//! the task's language, is the sample's response. An agent that leaves the
//! stub unchanged (or no file) answers with what it printed on stdout.
//!
//! With an `upstream`, secgap runs the model proxy
//! ([`crate::generate::proxy`]) for each sample and points the agent at it, so every
//! model call it makes is recorded with its usage and cost. Without one
//! (e.g. `agent:claude-code`) the agent uses its own credentials and its
//! model calls are not seen, so a run records no usage or cost for it.
//!
//! The agent runs in a bubblewrap sandbox ([`secgap_sandbox::agent`]):
//! per sample a scratch folder holds its workspace (seen at `/workspace`),
//! a fresh home and a `/tmp`, the only places it can write; the toolchain,
//! its own program and what its definition lists in `read_only` are
//! mounted read-only; the suite, the run folder, the user's home and any
//! version history are out of reach. With an upstream its network
//! namespace holds only loopback, and the proxy listens on a Unix socket
//! that a relay inside (secgap's own binary) connects `127.0.0.1:PORT` to:
//! the proxy is its only way out. Without one it keeps the host's network,
//! and secgap says so. `sandbox = false` runs it as the user, as before,
//! with a warning and a record in the run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use secgap_sandbox::agent::{self as jail, Jail, Network, Relay};
use secgap_sandbox::supervise::{self, Captured, Drain, Killed};

use crate::generate::proxy::Proxy;
use crate::generate::subject::{GenError, GenRequest, Generation, Subject};
use crate::plan::agents::{AgentDef, AgentNetwork, Preset};
use crate::plan::config::{ConfigFile, SubjectDef};
use crate::plan::endpoint::{Endpoint, Protocol};

/// The key an agent gives the proxy when the upstream needs none (the
/// agent's API library may insist on some key).
pub const PLACEHOLDER_KEY: &str = "secgap-proxy";

/// Placeholders a command or environment template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "prompt",
    "prompt_file",
    "workspace",
    "solution_file",
    "model",
    "proxy_origin",
    "openai_base_url",
    "anthropic_base_url",
    "proxy_key",
];

const PROXY_PLACEHOLDERS: &[&str] = &[
    "proxy_origin",
    "openai_base_url",
    "anthropic_base_url",
    "proxy_key",
];

/// Largest transcript part (stdout, stderr) kept, and largest solution file read.
const CAPTURE_CAP: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Var(&'static str),
}

type Template = Vec<Piece>;

/// Environment variables, in the order they are set.
type Env = Vec<(String, String)>;

fn parse_template(t: &str) -> std::result::Result<Template, String> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                text.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) => name.push(ch),
                        None => {
                            return Err(format!(
                                "`{t}` has an unclosed `{{`; write `{{{{` for a literal brace"
                            ))
                        }
                    }
                }
                let var = PLACEHOLDERS.iter().find(|p| **p == name).ok_or_else(|| {
                    format!(
                        "unknown placeholder {{{name}}} in `{t}`; known: {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("{{{p}}}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })?;
                if !text.is_empty() {
                    out.push(Piece::Text(std::mem::take(&mut text)));
                }
                out.push(Piece::Var(var));
            }
            '}' => {
                return Err(format!(
                    "`{t}` has a stray `}}`; write `}}}}` for a literal brace"
                ))
            }
            c => text.push(c),
        }
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

fn expand(t: &Template, value: &dyn Fn(&str) -> Option<String>) -> Result<String> {
    let mut s = String::new();
    for p in t {
        match p {
            Piece::Text(x) => s.push_str(x),
            Piece::Var(v) => s.push_str(
                &value(v).with_context(|| format!("placeholder {{{v}}} has no value here"))?,
            ),
        }
    }
    Ok(s)
}

/// A preset's command line and environment, as templates.
fn preset_command(
    p: Preset,
    upstream: Option<Protocol>,
    model: bool,
) -> (Vec<String>, Vec<(String, String)>) {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<String>>();
    let kv = |k: &str, v: &str| (k.to_string(), v.to_string());
    match p {
        // Claude Code, CLI reference (docs.anthropic.com/en/docs/claude-code/cli-reference):
        // `-p` prints the answer and exits; `--permission-mode acceptEdits`
        // lets it edit files without asking; `--model` picks the model.
        // Environment variables (code.claude.com/docs/en/env-vars):
        // ANTHROPIC_BASE_URL overrides the API endpoint; ANTHROPIC_API_KEY
        // is sent as X-Api-Key and, in -p mode, always used when set.
        Preset::ClaudeCode => {
            let mut argv = s(&[
                "claude",
                "-p",
                "{prompt}",
                "--permission-mode",
                "acceptEdits",
            ]);
            if model {
                argv.extend(s(&["--model", "{model}"]));
            }
            let env = match upstream {
                Some(_) => vec![
                    kv("ANTHROPIC_BASE_URL", "{anthropic_base_url}"),
                    kv("ANTHROPIC_API_KEY", "{proxy_key}"),
                ],
                None => Vec::new(),
            };
            (argv, env)
        }
        // Codex CLI, non-interactive mode (developers.openai.com/codex/noninteractive)
        // and CLI reference (developers.openai.com/codex/cli/reference):
        // `codex exec PROMPT` runs without the TUI, progress on stderr and the
        // final message on stdout; `--sandbox workspace-write` allows edits;
        // `--skip-git-repo-check` allows a folder that is no git repository;
        // `-m` picks the model. CODEX_API_KEY gives `codex exec` an API key
        // (developers.openai.com/codex/environment-variables); the built-in
        // OpenAI provider takes its base URL from OPENAI_BASE_URL and speaks
        // the Responses API (codex-rs/core/src/model_provider_info.rs).
        Preset::Codex => {
            let mut argv = s(&[
                "codex",
                "exec",
                "--sandbox",
                "workspace-write",
                "--skip-git-repo-check",
            ]);
            if model {
                argv.extend(s(&["-m", "{model}"]));
            }
            argv.push("{prompt}".into());
            let env = match upstream {
                Some(_) => vec![
                    kv("OPENAI_BASE_URL", "{openai_base_url}"),
                    kv("CODEX_API_KEY", "{proxy_key}"),
                    kv("OPENAI_API_KEY", "{proxy_key}"),
                ],
                None => Vec::new(),
            };
            (argv, env)
        }
        // Aider, scripting and options reference (aider.chat/docs/scripting.html,
        // aider.chat/docs/config/options.html): `--message` does one thing and
        // exits; `--yes-always` answers every confirmation; `--no-git` works
        // without a repository; `--no-pretty`, `--no-check-update`,
        // `--no-analytics` (aider.chat/docs/more/analytics.html) and
        // `--no-show-model-warnings` keep it quiet; the files to edit follow.
        // OpenAI-compatible APIs (aider.chat/docs/llms/openai-compat.html):
        // OPENAI_API_BASE and a model prefixed `openai/`. Anthropic: model
        // prefixed `anthropic/`; its LiteLLM backend takes the base URL from
        // ANTHROPIC_API_BASE and appends /v1/messages (litellm/main.py).
        Preset::Aider => {
            let mut argv = s(&[
                "aider",
                "--message",
                "{prompt}",
                "--yes-always",
                "--no-git",
                "--no-pretty",
                "--no-check-update",
                "--no-analytics",
                "--no-show-model-warnings",
            ]);
            let (prefix, env) = match upstream {
                Some(Protocol::OpenAi) => (
                    "openai/",
                    vec![
                        kv("OPENAI_API_BASE", "{openai_base_url}"),
                        kv("OPENAI_API_KEY", "{proxy_key}"),
                    ],
                ),
                Some(Protocol::Anthropic) => (
                    "anthropic/",
                    vec![
                        kv("ANTHROPIC_API_BASE", "{anthropic_base_url}"),
                        kv("ANTHROPIC_API_KEY", "{proxy_key}"),
                    ],
                ),
                None => ("", Vec::new()),
            };
            if model {
                argv.push("--model".into());
                argv.push(format!("{prefix}{{model}}"));
            }
            argv.push("{solution_file}".into());
            (argv, env)
        }
        // Gemini CLI, headless mode (geminicli.com/docs/cli/headless) and
        // `gemini --help`: `-p` runs one prompt without the UI, `--yolo`
        // accepts every action, `-m` picks the model.
        Preset::GeminiCli => {
            let mut argv = s(&["gemini", "-p", "{prompt}", "--yolo"]);
            if model {
                argv.extend(s(&["-m", "{model}"]));
            }
            (argv, Vec::new())
        }
    }
}

/// What an agent definition comes to, checked.
struct Plan {
    argv: Vec<Template>,
    env: Vec<(String, Template)>,
    /// The upstream's name and definition.
    upstream: Option<(String, SubjectDef)>,
    model: Option<String>,
    timeout: Duration,
}

/// Check every agent a config file defines, naming the file in the error.
pub fn check_config(path: Option<&Path>, file: &ConfigFile) -> Result<()> {
    for (name, def) in &file.agents {
        def.check(name, &file.subjects).map_err(|e| match path {
            Some(p) => anyhow::anyhow!("{}: {e:#}", p.display()),
            None => e,
        })?;
    }
    Ok(())
}

// The definition is plan data (`plan::agents`); the checks that need the
// command templates and the presets' command lines live with them here.
impl AgentDef {
    /// Check the definition as far as possible without the environment:
    /// the command, placeholders, the upstream and its protocol.
    pub fn check(&self, name: &str, subjects: &BTreeMap<String, SubjectDef>) -> Result<()> {
        self.plan(name, subjects).map(|_| ())
    }

    fn plan(&self, name: &str, subjects: &BTreeMap<String, SubjectDef>) -> Result<Plan> {
        let upstream = match &self.upstream {
            None => None,
            Some(u) => {
                let def = match subjects.get(u) {
                    Some(d) => d.clone(),
                    None => SubjectDef::from_spec(u)
                        .with_context(|| format!("agent `{name}`: upstream `{u}`"))?
                        .with_context(|| {
                            format!(
                                "agent `{name}`: upstream `{u}` is neither a [subjects.{u}] entry nor a model \
                                 shorthand (openai:MODEL, anthropic:MODEL, ollama:MODEL, \
                                 openai-compat:URL#MODEL, anthropic-compat:URL#MODEL)"
                            )
                        })?,
                };
                Some((u.clone(), def))
            }
        };
        let protocol = upstream.as_ref().map(|(_, d)| d.provider.protocol());
        match (self.preset, protocol) {
            (Some(Preset::GeminiCli), Some(_)) => bail!(
                "agent `{name}`: gemini-cli speaks Google's Gemini API, which the model proxy does not serve, \
                 so it cannot have an `upstream`; remove it (the agent then uses its own credentials and \
                 its usage is not recorded)"
            ),
            (Some(Preset::ClaudeCode), Some(Protocol::OpenAi)) => bail!(
                "agent `{name}`: claude-code speaks the Anthropic Messages API; its upstream must be an \
                 anthropic or anthropic-compat subject"
            ),
            (Some(Preset::Codex), Some(Protocol::Anthropic)) => bail!(
                "agent `{name}`: codex speaks the OpenAI Responses API; its upstream must be an openai, \
                 openai-compat or ollama subject (one that serves /v1/responses)"
            ),
            _ => {}
        }
        let model = self
            .model
            .clone()
            .or_else(|| upstream.as_ref().map(|(_, d)| d.model.clone()))
            .filter(|m| !m.is_empty());
        let (preset_argv, preset_env) = match self.preset {
            Some(p) => preset_command(p, protocol, model.is_some()),
            None => (Vec::new(), Vec::new()),
        };
        let argv = match (&self.command, self.preset) {
            (Some(c), _) if c.is_empty() || c[0].is_empty() => {
                bail!("agent `{name}`: `command` needs at least the program to run")
            }
            (Some(c), _) => c.clone(),
            (None, Some(_)) => preset_argv,
            (None, None) => bail!(
                "agent `{name}` needs a `preset` (claude-code, codex, aider, gemini-cli) or a `command`"
            ),
        };
        let mut env: BTreeMap<String, String> = preset_env.into_iter().collect();
        for (k, v) in &self.env {
            if k.is_empty() || k.contains(['=', '\0']) {
                bail!("agent `{name}`: `{k}` is not a valid environment variable name");
            }
            env.insert(k.clone(), v.clone());
        }
        let parse =
            |t: &String| parse_template(t).map_err(|e| anyhow::anyhow!("agent `{name}`: {e}"));
        let argv: Vec<Template> = argv.iter().map(parse).collect::<Result<_>>()?;
        let env: Vec<(String, Template)> = env
            .iter()
            .map(|(k, v)| Ok((k.clone(), parse(v)?)))
            .collect::<Result<_>>()?;
        let used = argv
            .iter()
            .chain(env.iter().map(|(_, t)| t))
            .flatten()
            .filter_map(|p| match p {
                Piece::Var(v) => Some(*v),
                Piece::Text(_) => None,
            });
        for v in used {
            if PROXY_PLACEHOLDERS.contains(&v) && upstream.is_none() {
                bail!(
                    "agent `{name}` uses {{{v}}}, which needs an `upstream`: the model proxy runs only for \
                     agents that have one"
                );
            }
            if v == "model" && model.is_none() {
                bail!("agent `{name}` uses {{model}} but no model is known: set `model` or `upstream`");
            }
        }
        let timeout = self.timeout(name)?;
        Ok(Plan {
            argv,
            env,
            upstream,
            model,
            timeout,
        })
    }
}

/// Build the subject `spec` = `agent:NAME` (an `[agents.NAME]` entry) or
/// `agent:PRESET`. Resolves the upstream's endpoint, so a missing API key
/// fails here, before any work.
pub fn from_spec(
    spec: &str,
    subjects: &BTreeMap<String, SubjectDef>,
    agents: &BTreeMap<String, AgentDef>,
) -> Result<Box<dyn Subject>> {
    Ok(Box::new(Agent::new(spec, subjects, agents)?))
}

/// A coding agent run as a subject.
pub struct Agent {
    name: String,
    argv: Vec<Template>,
    env: Vec<(String, Template)>,
    timeout: Duration,
    upstream: Option<Endpoint>,
    model: Option<String>,
    /// None when the definition opts out (`sandbox = false`).
    sandbox: Option<Sandboxing>,
}

/// How an agent's sandbox is made, settled once per run.
struct Sandboxing {
    bwrap: PathBuf,
    /// (host path, path inside) of the definition's `read_only` entries.
    read_only: Vec<(PathBuf, String)>,
    /// The relay's program (secgap's own binary) when there is an upstream.
    relay: Option<PathBuf>,
    /// The user's home, which the sandbox does not show.
    host_home: Option<PathBuf>,
}

/// Where a `read_only` entry comes from on the host and where the agent
/// sees it.
fn read_only_mount(entry: &str, home: Option<&Path>) -> Result<(PathBuf, String)> {
    let (host, inside) = if entry == "~" || entry.starts_with("~/") {
        let home = home.context("`~` needs HOME to be set")?;
        let rest = entry[1..].trim_start_matches('/');
        (home.join(rest), format!("{}/{rest}", jail::HOME))
    } else if entry.starts_with('/') {
        (PathBuf::from(entry), entry.to_string())
    } else {
        bail!("`{entry}` is neither an absolute path nor under `~/`");
    };
    let inside = inside.trim_end_matches('/').to_string();
    if Path::new(entry)
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        bail!("`{entry}` has a `..`; name the path itself");
    }
    if host == Path::new("/") || home.is_some_and(|h| h == host) || inside == jail::HOME {
        bail!(
            "`{entry}` would show the whole file system or home folder; name what the agent needs"
        );
    }
    for taken in [jail::WORKSPACE, jail::RELAY_DIR, "/proc", "/dev"] {
        if Path::new(&inside).starts_with(taken) {
            bail!("`{entry}` would be mounted inside {taken}, which the sandbox owns");
        }
    }
    // A folder's own `.git` is masked by the sandbox.
    std::fs::metadata(&host).with_context(|| format!("`{entry}`: {}", host.display()))?;
    Ok((host, inside))
}

impl Sandboxing {
    fn new(name: &str, def: &AgentDef, upstream: bool) -> Result<Sandboxing> {
        let opt_out = format!(
            "or set `sandbox = false` in [agents.{name}] to run it unsandboxed (the run records and warns about it)"
        );
        let bwrap = jail::bwrap().with_context(|| {
            format!("agent `{name}` runs in a bubblewrap sandbox; install bubblewrap, {opt_out}")
        })?;
        jail::probe().with_context(|| {
            format!(
                "agent `{name}`: its sandbox cannot start here (user namespaces disabled?); see `secgap doctor`, {opt_out}"
            )
        })?;
        let host_home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        let read_only = def
            .read_only
            .iter()
            .map(|e| {
                read_only_mount(e, host_home.as_deref())
                    .with_context(|| format!("agent `{name}`: read_only"))
            })
            .collect::<Result<Vec<_>>>()?;
        let relay = if upstream {
            Some(std::env::current_exe().with_context(|| {
                format!("agent `{name}`: find secgap's own binary, the relay to the proxy")
            })?)
        } else {
            None
        };
        Ok(Sandboxing {
            bwrap,
            read_only,
            relay,
            host_home,
        })
    }
}

impl Agent {
    pub fn new(
        spec: &str,
        subjects: &BTreeMap<String, SubjectDef>,
        agents: &BTreeMap<String, AgentDef>,
    ) -> Result<Agent> {
        let presets = Preset::ALL.map(Preset::name).join(", ");
        let arg = spec.strip_prefix("agent:").unwrap_or(spec);
        if arg.is_empty() {
            bail!(
                "`{spec}` names no agent: use agent:PRESET ({presets}) or agent:NAME for an [agents.NAME] \
                 entry of secgap.toml"
            );
        }
        let def = match (agents.get(arg), Preset::parse(arg)) {
            (Some(d), _) => d.clone(),
            (None, Some(p)) => AgentDef::from_preset(p),
            (None, None) => bail!(
                "unknown agent `{arg}`: not a preset ({presets}) and not an [agents.{arg}] entry of the config"
            ),
        };
        let plan = def.plan(arg, subjects)?;
        let upstream = match &plan.upstream {
            None => None,
            Some((u, sdef)) => {
                let mut ep = sdef
                    .endpoint(u)
                    .with_context(|| format!("agent `{arg}`: its upstream"))?;
                if def.price.is_some() {
                    ep.price = def.price;
                }
                Some(ep)
            }
        };
        if let [Piece::Text(program)] = plan.argv[0].as_slice() {
            let path = plan
                .env
                .iter()
                .find(|(k, _)| k == "PATH")
                .and_then(|(_, t)| match t.as_slice() {
                    [Piece::Text(p)] => Some(p.clone()),
                    _ => None,
                })
                .or_else(|| std::env::var("PATH").ok())
                .unwrap_or_default();
            if !findable(program, &path) {
                bail!(
                    "agent `{arg}`: `{program}` is not on PATH{}",
                    match def.preset {
                        Some(p) if def.command.is_none() =>
                            format!("; install {} or give the agent a `command`", p.title()),
                        _ => String::new(),
                    }
                );
            }
        }
        let access = def.access();
        let sandbox = if access.sandboxed {
            Some(Sandboxing::new(arg, &def, upstream.is_some())?)
        } else {
            eprintln!(
                "warning: agent `{arg}` runs WITHOUT a sandbox (`sandbox = false`): it can read and change \
                 whatever you can, the suite's tests and references, the run folder and your home included, \
                 and reach the network; the run records this (agent_access in its config)"
            );
            None
        };
        if access.sandboxed && access.network == AgentNetwork::Host {
            eprintln!(
                "warning: agent `{arg}` has the network: without an `upstream` it talks to its provider \
                 directly and can reach any address, the host's loopback included, and its model calls \
                 are not recorded (its sandbox still hides the suite, the run and your home); the run \
                 records this (agent_access in its config)"
            );
        }
        Ok(Agent {
            name: spec.to_string(),
            argv: plan.argv,
            env: plan.env,
            timeout: plan.timeout,
            upstream,
            model: plan.model,
            sandbox,
        })
    }
}

impl Agent {
    /// Run the agent once in a fresh workspace holding PROMPT.md and
    /// `solution_file` (with `stub`); returns after its whole process
    /// group is dead, with the proxy's calls.
    fn session(
        &self,
        prompt: &str,
        solution_file: &str,
        stub: &str,
        task_id: &str,
        sample: u32,
        deadline: Option<Instant>,
    ) -> Result<Session, GenError> {
        // One scratch folder per sample: the workspace and, for a
        // sandboxed agent, its home, its /tmp and the proxy's socket.
        let scratch = tempfile::Builder::new()
            .prefix("secgap-agent-")
            .tempdir()
            .context("create the agent's scratch folder")?;
        let dir = |name: &str| -> Result<PathBuf> {
            let d = scratch.path().join(name);
            std::fs::create_dir(&d).with_context(|| format!("create {}", d.display()))?;
            Ok(d)
        };
        let workspace = dir("workspace")?;
        let solution = workspace.join(solution_file);
        if let Some(dir) = solution.parent() {
            std::fs::create_dir_all(dir).context("create the solution file's folder")?;
        }
        std::fs::write(&solution, stub).context("write the solution stub")?;
        std::fs::write(workspace.join("PROMPT.md"), prompt).context("write PROMPT.md")?;
        // The workspace as the agent sees it.
        let seen = match &self.sandbox {
            Some(_) => PathBuf::from(jail::WORKSPACE),
            None => workspace.clone(),
        };
        let prompt_file = seen.join("PROMPT.md");

        let socket_dir = match &self.sandbox {
            Some(_) => Some(dir("proxy")?),
            None => None,
        };
        let proxy = match (&self.upstream, &socket_dir) {
            (Some(ep), Some(d)) => Some(Proxy::start_unix(ep.clone(), &d.join("proxy.sock"))?),
            (Some(ep), None) => Some(Proxy::start(ep.clone())?),
            (None, _) => None,
        };
        let origin = proxy.as_ref().map(|p| {
            p.origin()
                .unwrap_or_else(|| format!("http://127.0.0.1:{}", jail::RELAY_PORT))
        });
        let value = |v: &str| -> Option<String> {
            Some(match v {
                "prompt" => prompt.to_string(),
                "prompt_file" => prompt_file.display().to_string(),
                "workspace" => seen.display().to_string(),
                "solution_file" => solution_file.to_string(),
                "model" => self.model.clone()?,
                "proxy_origin" | "anthropic_base_url" => origin.clone()?,
                "openai_base_url" => format!("{}/v1", origin.as_ref()?),
                "proxy_key" => proxy
                    .as_ref()?
                    .access_key()
                    .unwrap_or(PLACEHOLDER_KEY)
                    .to_string(),
                _ => return None,
            })
        };
        let prepared = (|| -> Result<(Vec<String>, Env)> {
            let argv = self
                .argv
                .iter()
                .map(|t| expand(t, &value))
                .collect::<Result<Vec<_>>>()?;
            let mut env = vec![
                ("SECGAP_WORKSPACE".to_string(), seen.display().to_string()),
                (
                    "SECGAP_PROMPT_FILE".into(),
                    prompt_file.display().to_string(),
                ),
                ("SECGAP_SOLUTION_FILE".into(), solution_file.to_string()),
                ("SECGAP_TASK".into(), task_id.to_string()),
                ("SECGAP_SAMPLE".into(), sample.to_string()),
            ];
            if let Some(o) = &origin {
                env.push(("SECGAP_PROXY_ORIGIN".into(), o.clone()));
            }
            for (k, t) in &self.env {
                env.push((k.clone(), expand(t, &value)?));
            }
            Ok((argv, env))
        })();
        let (argv, env) = match prepared {
            Ok(x) => x,
            Err(e) => {
                return Err(GenError {
                    message: format!("`{}`: {e:#}", self.name),
                    calls: proxy.map(Proxy::finish).unwrap_or_default(),
                    transcript: None,
                })
            }
        };
        let cmd = match &self.sandbox {
            None => {
                let mut cmd = Command::new(&argv[0]);
                cmd.args(&argv[1..])
                    .current_dir(&workspace)
                    .envs(env.iter().map(|(k, v)| (k, v)));
                cmd
            }
            Some(sb) => {
                let jail = Jail {
                    env: sandbox_env(&env),
                    program: jail::program_paths(&argv[0], &path_of(&env), sb.host_home.as_deref()),
                    argv: argv.clone(),
                    workspace: workspace.clone(),
                    home: dir("home")?,
                    tmp: dir("tmp")?,
                    read_only: sb.read_only.clone(),
                    network: match (&sb.relay, &socket_dir) {
                        (Some(program), Some(d)) if proxy.is_some() => {
                            Network::Loopback(Some(Relay {
                                program: program.clone(),
                                socket_dir: d.clone(),
                                socket_name: "proxy.sock".into(),
                            }))
                        }
                        _ => Network::Host,
                    },
                };
                jail.command(&sb.bwrap)
            }
        };

        // The agent's own limit, or what is left of the sample's, if less.
        let limit = deadline
            .map(|d| d.saturating_duration_since(Instant::now()))
            .map_or(self.timeout, |left| left.min(self.timeout))
            .max(Duration::from_millis(1));
        let ran = run(cmd, self.sandbox.is_some(), limit);
        // The agent's group is dead: no call can start any more.
        let calls = proxy.map(Proxy::finish).unwrap_or_default();
        let ran = match ran {
            Ok(r) => r,
            Err(e) => {
                let hint = if e.kind() == std::io::ErrorKind::NotFound {
                    "; is it installed and on PATH?"
                } else {
                    ""
                };
                return Err(GenError {
                    message: format!("`{}`: cannot start `{}`: {e}{hint}", self.name, argv[0]),
                    calls,
                    transcript: Some(format!(
                        "$ {}\n--- could not start: {e} ---\n",
                        shell_words(&argv)
                    )),
                });
            }
        };
        Ok(Session {
            ran,
            calls,
            argv,
            limit,
            scratch,
            solution,
        })
    }
}

/// One finished run of the agent.
struct Session {
    ran: Ran,
    calls: Vec<crate::generate::provider::ModelCall>,
    argv: Vec<String>,
    limit: Duration,
    /// Kept until the caller has read the files; removed on drop.
    scratch: tempfile::TempDir,
    solution: std::path::PathBuf,
}

impl Agent {
    /// Put a question (a probe or a judge's rubric) to the agent: the same
    /// workspace with PROMPT.md and an empty ANSWER.md; the answer is what
    /// it prints, or what it wrote to ANSWER.md if it printed nothing.
    fn question(
        &self,
        prompt: &str,
        about: &str,
        deadline: Option<Instant>,
    ) -> Result<Generation, GenError> {
        let Session {
            ran,
            calls,
            argv,
            limit,
            scratch: _scratch,
            solution,
        } = self.session(prompt, "ANSWER.md", "", about, 0, deadline)?;
        let written = std::fs::read_to_string(&solution).unwrap_or_default();
        let printed = String::from_utf8_lossy(&ran.stdout.bytes).into_owned();
        let transcript = Some(ran.transcript(&argv, limit));
        let response = if printed.trim().is_empty() {
            written
        } else {
            printed
        };
        match ran.exit {
            Exit::Code(0) if !response.trim().is_empty() => Ok(Generation {
                response,
                calls,
                transcript,
            }),
            Exit::Code(0) => Err(GenError {
                message: format!("`{}` exited without printing an answer", self.name),
                calls,
                transcript,
            }),
            other => Err(GenError {
                message: format!("`{}` {}", self.name, other.describe(limit)),
                calls,
                transcript,
            }),
        }
    }
}

impl Subject for Agent {
    fn name(&self) -> &str {
        &self.name
    }

    fn ask(&self, prompt: &str, deadline: Option<Instant>) -> Result<Generation, GenError> {
        self.question(prompt, "question", deadline)
    }

    fn answer_probe(
        &self,
        req: &crate::generate::subject::ProbeRequest,
    ) -> Result<Generation, GenError> {
        self.question(&req.probe.prompt, &req.probe.task, req.deadline)
    }

    fn generate(&self, req: &GenRequest) -> Result<Generation, GenError> {
        let task = req.task;
        let stub = if task.interface.ends_with('\n') {
            task.interface.clone()
        } else {
            format!("{}\n", task.interface)
        };
        let Session {
            ran,
            calls,
            argv,
            limit,
            scratch: _scratch,
            solution,
        } = self.session(
            req.prompt,
            &task.solution_file,
            &stub,
            &task.id,
            req.sample,
            req.deadline,
        )?;
        let left = read_left(&solution, &stub);
        let mut transcript = ran.transcript(&argv, limit);
        transcript.push_str(&format!(
            "--- {}: {} ---\n",
            task.solution_file,
            left.describe()
        ));
        if let Left::Code(code) = &left {
            let tag = task.language.fence_tags()[0];
            let fence = fence_for(code);
            return Ok(Generation {
                response: format!(
                    "`{}` as the agent left it:\n\n{fence}{tag}\n{}\n{fence}\n",
                    task.solution_file,
                    code.trim_end_matches(['\n', '\r'])
                ),
                calls,
                transcript: Some(transcript),
            });
        }
        match ran.exit {
            Exit::Code(0) => Ok(Generation {
                response: String::from_utf8_lossy(&ran.stdout.bytes).into_owned(),
                calls,
                transcript: Some(transcript),
            }),
            other => Err(GenError {
                message: format!(
                    "`{}` {} and left {}",
                    self.name,
                    other.describe(limit),
                    left.describe()
                ),
                calls,
                transcript: Some(transcript),
            }),
        }
    }
}

/// Whether `program` can be started: an absolute path that exists, a
/// relative path (resolved in the workspace, so not checked here), or a
/// name found in one of the `path` folders.
fn findable(program: &str, path: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    if program.starts_with('/') {
        return Path::new(program).exists();
    }
    if program.contains('/') {
        return true;
    }
    path.split(':')
        .filter(|d| !d.is_empty())
        .map(|d| Path::new(d).join(program))
        .any(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// A backtick fence longer than any backtick run in `code`.
fn fence_for(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// What the agent left in the solution file.
enum Left {
    Code(String),
    Unchanged,
    Empty,
    Missing,
    NotAFile,
    TooLarge(u64),
}

impl Left {
    fn describe(&self) -> String {
        match self {
            Left::Code(c) => format!("written ({} bytes)", c.len()),
            Left::Unchanged => "the stub unchanged".into(),
            Left::Empty => "an empty solution file".into(),
            Left::Missing => "no solution file".into(),
            Left::NotAFile => "a solution path that is no regular file".into(),
            Left::TooLarge(n) => format!("a solution file too large to use ({n} bytes)"),
        }
    }
}

fn read_left(path: &Path, stub: &str) -> Left {
    // Not followed: the agent may have replaced the file with a link.
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(_) => return Left::Missing,
    };
    if !meta.file_type().is_file() {
        return Left::NotAFile;
    }
    if meta.len() > CAPTURE_CAP as u64 {
        return Left::TooLarge(meta.len());
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            if text.trim().is_empty() {
                Left::Empty
            } else if text.trim_end() == stub.trim_end() {
                Left::Unchanged
            } else {
                Left::Code(text)
            }
        }
        Err(_) => Left::Missing,
    }
}

/// How the agent ended.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Exit {
    Code(i32),
    Signal(i32),
    TimedOut,
}

impl Exit {
    fn describe(self, timeout: Duration) -> String {
        match self {
            Exit::Code(c) => format!("exited with status {c}"),
            Exit::Signal(s) => format!("was killed by signal {s}"),
            Exit::TimedOut if timeout.subsec_millis() == 0 => format!(
                "did not finish within {} s and was killed",
                timeout.as_secs()
            ),
            Exit::TimedOut => format!(
                "did not finish within {:.1} s and was killed",
                timeout.as_secs_f64()
            ),
        }
    }
}

struct Ran {
    exit: Exit,
    wall: Duration,
    stdout: Captured,
    stderr: Captured,
}

impl Ran {
    fn transcript(&self, argv: &[String], timeout: Duration) -> String {
        let mut t = format!("$ {}\n", shell_words(argv));
        t.push_str(&format!(
            "--- {} after {:.1} s ---\n",
            self.exit.describe(timeout),
            self.wall.as_secs_f64()
        ));
        for (name, c) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            t.push_str(&format!("--- {name} ---\n"));
            let text = String::from_utf8_lossy(&c.bytes);
            t.push_str(&text);
            if !text.is_empty() && !text.ends_with('\n') {
                t.push('\n');
            }
            if c.total > c.bytes.len() as u64 {
                t.push_str(&format!(
                    "[... {} more bytes not kept]\n",
                    c.total - c.bytes.len() as u64
                ));
            }
        }
        t
    }
}

/// A command line as a shell would need it typed, for the transcript.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The PATH the agent's program is looked up on: its own, or secgap's.
fn path_of(env: &[(String, String)]) -> String {
    env.iter()
        .rev()
        .find(|(k, _)| k == "PATH")
        .map(|(_, v)| v.clone())
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_default()
}

/// Variables that name places of the host, which a sandboxed agent does
/// not see (its home, temporary folder and working folder are its own).
const HOST_PLACES: &[&str] = &[
    "HOME",
    "TMPDIR",
    "PWD",
    "OLDPWD",
    "XDG_RUNTIME_DIR",
    "XDG_CONFIG_HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_STATE_HOME",
];

/// A sandboxed agent's whole environment: secgap's, without the
/// variables naming host places, then its own home, /tmp and working
/// folder, then the agent's variables (which win).
fn sandbox_env(agent: &[(String, String)]) -> Env {
    let mut env: Env = std::env::vars()
        .filter(|(k, _)| !HOST_PLACES.contains(&k.as_str()))
        .collect();
    env.push(("HOME".into(), jail::HOME.into()));
    env.push(("TMPDIR".into(), "/tmp".into()));
    env.push(("PWD".into(), jail::WORKSPACE.into()));
    env.extend(agent.iter().cloned());
    env
}

/// Run the agent: its own process group, stdin from /dev/null, killed with
/// its whole group at the timeout and, after a normal exit, whatever of the
/// group is left. Returns once the group is dead (or, for processes that
/// left it, as soon as possible) with what it printed. `sandboxed`: `cmd`
/// is bwrap, which reports a command killed by signal N as status 128 + N
/// (as does the relay); killing it takes the sandbox's PID namespace, and
/// so every process in it, with it.
fn run(mut cmd: Command, sandboxed: bool, timeout: Duration) -> std::io::Result<Ran> {
    // The agent gets stdin, stdout and stderr, and none of the descriptors
    // secgap inherited or holds (the run database, the proxy's sockets).
    supervise::close_inherited_from(&mut cmd, 3);
    let done = supervise::run(
        cmd,
        supervise::Options {
            wall: timeout,
            keep: CAPTURE_CAP,
            // An agent's transcript is kept up to the cap and counted in
            // full; its size is no reason to stop it.
            output_limit: None,
            // A process that left the group may still hold the pipes: do
            // not wait for it for long.
            drain: Drain::AtMost(Duration::from_secs(2)),
        },
    )?;
    let exit = match (done.killed, done.exit) {
        (Some(Killed::WallClock), _) => Exit::TimedOut,
        (_, supervise::Exit::Code(c)) if sandboxed && (129..=128 + 64).contains(&c) => {
            Exit::Signal(c - 128)
        }
        (_, supervise::Exit::Code(c)) => Exit::Code(c),
        (_, supervise::Exit::Signal(s)) => Exit::Signal(s),
    };
    Ok(Ran {
        exit,
        wall: done.wall,
        stdout: done.stdout,
        stderr: done.stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subjects() -> BTreeMap<String, SubjectDef> {
        let mut m = BTreeMap::new();
        m.insert(
            "claude".to_string(),
            SubjectDef::from_spec("anthropic-compat:http://127.0.0.1:9/v1#claude-x")
                .unwrap()
                .unwrap(),
        );
        m
    }

    fn def(toml_text: &str) -> AgentDef {
        toml::from_str(toml_text).unwrap()
    }

    fn argv_of(d: &AgentDef) -> Vec<String> {
        let plan = d.plan("a", &subjects()).unwrap();
        plan.argv
            .iter()
            .map(|t| {
                expand(t, &|v| {
                    Some(match v {
                        "prompt" => "P".into(),
                        "solution_file" => "solution.py".into(),
                        "model" => plan.model.clone()?,
                        _ => format!("<{v}>"),
                    })
                })
                .unwrap()
            })
            .collect()
    }

    fn env_of(d: &AgentDef) -> BTreeMap<String, String> {
        let plan = d.plan("a", &subjects()).unwrap();
        plan.env
            .iter()
            .map(|(k, t)| (k.clone(), expand(t, &|v| Some(format!("<{v}>"))).unwrap()))
            .collect()
    }

    #[test]
    fn templates_parse_escape_and_reject_unknown_names() {
        let t = parse_template("a{{b}}{prompt}-{model}}}").unwrap();
        assert_eq!(
            t,
            vec![
                Piece::Text("a{b}".into()),
                Piece::Var("prompt"),
                Piece::Text("-".into()),
                Piece::Var("model"),
                Piece::Text("}".into()),
            ]
        );
        assert!(parse_template("{promt}")
            .unwrap_err()
            .contains("unknown placeholder {promt}"));
        assert!(parse_template("{prompt").is_err());
        assert!(parse_template("x}").is_err());
    }

    #[test]
    fn preset_command_lines() {
        let cc = def("preset = \"claude-code\"\nupstream = \"claude\"");
        assert_eq!(
            argv_of(&cc),
            [
                "claude",
                "-p",
                "P",
                "--permission-mode",
                "acceptEdits",
                "--model",
                "claude-x"
            ]
        );
        let env = env_of(&cc);
        assert_eq!(env["ANTHROPIC_BASE_URL"], "<anthropic_base_url>");
        assert_eq!(env["ANTHROPIC_API_KEY"], "<proxy_key>");
        // No upstream: the agent's own setup, no model flag, no proxy.
        let plain = AgentDef::from_preset(Preset::ClaudeCode);
        assert_eq!(
            argv_of(&plain),
            ["claude", "-p", "P", "--permission-mode", "acceptEdits"]
        );
        assert!(env_of(&plain).is_empty());

        let cx = def("preset = \"codex\"\nupstream = \"openai-compat:http://h/v1#gpt-x\"");
        assert_eq!(
            argv_of(&cx),
            [
                "codex",
                "exec",
                "--sandbox",
                "workspace-write",
                "--skip-git-repo-check",
                "-m",
                "gpt-x",
                "P"
            ]
        );
        assert_eq!(env_of(&cx)["OPENAI_BASE_URL"], "<openai_base_url>");

        let ai = def("preset = \"aider\"\nupstream = \"claude\"\nmodel = \"claude-y\"");
        let a = argv_of(&ai);
        assert_eq!(&a[..3], ["aider", "--message", "P"]);
        assert_eq!(
            &a[a.len() - 3..],
            ["--model", "anthropic/claude-y", "solution.py"]
        );
        assert_eq!(env_of(&ai)["ANTHROPIC_API_BASE"], "<anthropic_base_url>");
        let ao = def("preset = \"aider\"\nupstream = \"openai-compat:http://h/v1#m\"");
        assert!(argv_of(&ao).contains(&"openai/m".to_string()));
        assert_eq!(env_of(&ao)["OPENAI_API_BASE"], "<openai_base_url>");

        let gm = def("preset = \"gemini-cli\"\nmodel = \"gemini-z\"");
        assert_eq!(
            argv_of(&gm),
            ["gemini", "-p", "P", "--yolo", "-m", "gemini-z"]
        );
    }

    #[test]
    fn command_and_env_override_the_preset() {
        let d = def(
            "preset = \"codex\"\nupstream = \"openai:gpt-x\"\ncommand = [\"my-codex\", \"{prompt_file}\"]\n\
             [env]\nOPENAI_BASE_URL = \"{proxy_origin}/v1\"\nEXTRA = \"1\"",
        );
        assert_eq!(argv_of(&d), ["my-codex", "<prompt_file>"]);
        let env = env_of(&d);
        assert_eq!(env["OPENAI_BASE_URL"], "<proxy_origin>/v1");
        assert_eq!(env["EXTRA"], "1");
        assert_eq!(env["CODEX_API_KEY"], "<proxy_key>");
    }

    #[test]
    fn bad_definitions_are_refused_with_the_agent_named() {
        let s = subjects();
        let err = |t: &str| format!("{:#}", def(t).check("x", &s).unwrap_err());
        assert!(err("").contains("agent `x` needs a `preset`"));
        assert!(err("command = []").contains("at least the program"));
        assert!(err("command = [\"a\", \"{nope}\"]").contains("unknown placeholder {nope}"));
        assert!(err("command = [\"a\", \"{openai_base_url}\"]").contains("needs an `upstream`"));
        assert!(err("command = [\"a\", \"{model}\"]").contains("no model is known"));
        assert!(err("preset = \"gemini-cli\"\nupstream = \"claude\"").contains("Gemini API"));
        assert!(err("preset = \"claude-code\"\nupstream = \"openai:gpt\"")
            .contains("Anthropic Messages"));
        assert!(err("preset = \"codex\"\nupstream = \"claude\"").contains("Responses API"));
        assert!(err("preset = \"aider\"\nupstream = \"nowhere\"")
            .contains("neither a [subjects.nowhere]"));
        assert!(err("preset = \"aider\"\ntimeout_secs = 0").contains("at least 1"));
        assert!(
            err("command = [\"a\"]\n[env]\n\"A=B\" = \"1\"").contains("not a valid environment")
        );
        // A shorthand with {model} from the upstream is fine.
        def("command = [\"a\", \"{model}\", \"{anthropic_base_url}\"]\nupstream = \"claude\"")
            .check("x", &s)
            .unwrap();
    }

    #[test]
    fn specs_resolve_names_before_presets() {
        let s = subjects();
        let mut agents = BTreeMap::new();
        agents.insert("codex".to_string(), def("command = [\"/bin/sh\"]"));
        let a = Agent::new("agent:codex", &s, &agents).unwrap();
        assert_eq!(a.argv, vec![vec![Piece::Text("/bin/sh".into())]]);
        // A preset whose program is not on PATH fails at once, saying so.
        agents.insert(
            "aider-here".to_string(),
            def("preset = \"aider\"\nenv = { PATH = \"/nonexistent\" }"),
        );
        let e = Agent::new("agent:aider-here", &s, &agents).err().unwrap();
        assert!(
            format!("{e:#}").contains("`aider` is not on PATH; install Aider"),
            "{e:#}"
        );
        assert!(Agent::new("agent:", &s, &agents).is_err());
        assert!(findable("sh", "/nonexistent:/bin:/usr/bin"));
        assert!(!findable("sh", "/nonexistent"));
        assert!(findable("./relative/tool", ""));
        let e = Agent::new("agent:nobody", &s, &agents).err().unwrap();
        assert!(format!("{e:#}").contains("[agents.nobody]"));
    }

    #[test]
    fn read_only_entries_map_home_paths_and_refuse_the_dangerous_ones() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        std::fs::create_dir_all(h.join(".config/foo")).unwrap();
        let (host, inside) = read_only_mount("~/.config/foo", Some(h)).unwrap();
        assert_eq!(host, h.join(".config/foo"));
        assert_eq!(inside, "/home/agent/.config/foo");
        let (host, inside) = read_only_mount("/usr/share/", None).unwrap();
        assert_eq!(
            (host.as_path(), inside.as_str()),
            (Path::new("/usr/share/"), "/usr/share")
        );
        let err = |e: &str| format!("{:#}", read_only_mount(e, Some(h)).unwrap_err());
        assert!(err("~").contains("whole file system or home"));
        assert!(err("~/").contains("whole file system or home"));
        assert!(err("/").contains("whole file system or home"));
        assert!(err(&h.display().to_string()).contains("whole file system or home"));
        assert!(err("relative/path").contains("neither an absolute path"));
        assert!(err("~/.config/../.ssh").contains("`..`"));
        assert!(err("/workspace/x").contains("which the sandbox owns"));
        assert!(err("~/.config/missing").contains("missing"));
    }

    #[test]
    fn a_sandboxed_agent_sees_its_own_home_and_tmp() {
        let env = sandbox_env(&[("HOME".into(), "/home/agent/custom".into())]);
        let get = |k: &str| {
            env.iter()
                .rev()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("HOME"), Some("/home/agent/custom"));
        assert_eq!(get("TMPDIR"), Some("/tmp"));
        assert_eq!(get("PWD"), Some("/workspace"));
        assert_eq!(get("XDG_CONFIG_HOME"), None);
        assert_eq!(
            env.iter().filter(|(k, _)| k == "TMPDIR").count(),
            1,
            "{env:?}"
        );
    }

    #[test]
    fn fences_outgrow_backticks_in_the_code() {
        assert_eq!(fence_for("x = 1"), "```");
        assert_eq!(fence_for("s = '```'"), "````");
    }

    #[test]
    fn run_kills_the_group_at_the_timeout_and_keeps_output() {
        let dir = tempfile::tempdir().unwrap();
        let argv: Vec<String> = [
            "sh",
            "-c",
            "echo started; sleep 30 & echo $! > child.pid; sleep 30",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let t0 = Instant::now();
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]).current_dir(dir.path());
        let ran = run(cmd, false, Duration::from_millis(500)).unwrap();
        assert!(t0.elapsed() < Duration::from_secs(10));
        assert_eq!(ran.exit, Exit::TimedOut);
        assert_eq!(String::from_utf8_lossy(&ran.stdout.bytes), "started\n");
        let child: i32 = std::fs::read_to_string(dir.path().join("child.pid"))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        assert!(!alive(child), "the agent's child survived");
    }

    /// Running and not a zombie.
    fn alive(pid: i32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(s) => !s
                .rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with(['Z', 'X']),
            Err(_) => false,
        }
    }
}
