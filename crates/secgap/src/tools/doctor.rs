//! `secgap doctor`: checks what the sandbox and the languages need and
//! says exactly how to install what is missing.

use std::path::Path;
use std::time::Duration;

use crate::lang::Language;
use secgap_sandbox::{self as sandbox, Exit, Limits, Spec};

pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    pub fix: Option<String>,
    /// secgap works without it (a static analyzer): missing is a warning.
    pub optional: bool,
}

fn check(name: &str, ok: bool, detail: String, fix: &str) -> Check {
    Check {
        name: name.into(),
        ok,
        detail,
        fix: (!ok).then(|| fix.to_string()),
        optional: false,
    }
}

/// A tiny program per language for the analyzers' smoke test.
fn smoke_sample(language: &str) -> (&'static str, &'static str) {
    match language {
        "python" => ("solution.py", "def f(x):\n    return x + 1\n"),
        "c" => ("solution.c", "int f(int x) { return x + 1; }\n"),
        "javascript" => (
            "solution.js",
            "function f(x) { return x + 1; }\nmodule.exports = { f };\n",
        ),
        _ => (
            "solution.go",
            "package solution\n\nfunc F(x int) int { return x + 1 }\n",
        ),
    }
}

/// Each static analyzer (`--static`): installed, and able to analyze a
/// small program in its sandbox, offline. A missing one is a warning:
/// runs skip it.
pub fn analyzer_checks() -> Vec<Check> {
    use crate::execute::oracles::analyzers::{StaticPlan, ANALYZERS};
    use crate::model::StaticStatus;
    let mut out = Vec::new();
    for a in ANALYZERS {
        let name = format!("static: {}", a.id());
        let plan = match StaticPlan::resolve(&[a.id().to_string()], None) {
            Ok(p) => p,
            Err(e) => {
                out.push(Check {
                    optional: true,
                    ..check(
                        &name,
                        false,
                        format!("{e:#}"),
                        "scripts/install-analyzers.sh",
                    )
                });
                continue;
            }
        };
        if let Some((_, why)) = plan.missing().first() {
            out.push(Check {
                optional: true,
                ..check(
                    &name,
                    false,
                    why.to_string(),
                    "scripts/install-analyzers.sh (scripts/install-deps.sh runs it)",
                )
            });
            continue;
        }
        let lang = a.languages()[0];
        let (file, code) = smoke_sample(lang);
        let language = Language::named(lang).expect("analyzers name registered languages");
        let result = plan.analyze(language, file, code);
        out.push(match result.as_deref() {
            Ok([run, ..]) if run.status == StaticStatus::Ran => check(
                &name,
                true,
                format!(
                    "{} {} ({}; {} ms on a small {lang} file)",
                    a.id(),
                    run.version.as_deref().unwrap_or("?"),
                    a.languages().join(", "),
                    run.duration_ms
                ),
                "",
            ),
            Ok([run, ..]) => Check {
                optional: true,
                ..check(
                    &name,
                    false,
                    format!(
                        "installed but it does not run in the sandbox: {}",
                        run.message.as_deref().unwrap_or("no report")
                    ),
                    "reinstall with scripts/install-analyzers.sh",
                )
            },
            Ok([]) => continue,
            Err(e) => Check {
                optional: true,
                ..check(
                    &name,
                    false,
                    format!("{e:#}"),
                    "check `secgap doctor`'s sandbox lines",
                )
            },
        });
    }
    out
}

pub fn run_checks() -> Vec<Check> {
    let mut out = Vec::new();
    let bwrap = sandbox::bwrap_path();
    out.push(check(
        "bubblewrap",
        bwrap.is_some(),
        bwrap
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "bwrap not found on PATH".into()),
        "apt-get install bubblewrap   (or: dnf install bubblewrap / pacman -S bubblewrap)",
    ));
    let prlimit = Path::new("/usr/bin/prlimit").is_file();
    out.push(check(
        "prlimit",
        prlimit,
        "/usr/bin/prlimit".into(),
        "apt-get install util-linux",
    ));
    if bwrap.is_some() && prlimit {
        let spec = Spec {
            argv: vec![
                "/bin/sh".into(),
                "-c".into(),
                "echo ok; cat /proc/net/dev".into(),
            ],
            env: vec![("PATH".into(), "/usr/bin:/bin".into())],
            mounts: vec![],
            workdir: "/work".into(),
            limits: Limits {
                wall: Duration::from_secs(10),
                ..Limits::default()
            },
            channel: false,
            after_nonce: None,
            worker: None,
            network: Default::default(),
            cgroup: None,
        };
        match sandbox::run(&spec) {
            Ok(o) if o.exit == Exit::Code(0) => {
                let text = o.stdout.text();
                let ifaces: Vec<&str> = text
                    .lines()
                    .skip(3)
                    .filter_map(|l| l.split(':').next())
                    .map(|s| s.trim())
                    .collect();
                let only_lo = ifaces.iter().all(|i| *i == "lo");
                out.push(check(
                    "sandbox starts",
                    only_lo,
                    format!("network interfaces inside: {}", ifaces.join(", ")),
                    "the sandbox must have no network: check that bwrap supports --unshare-net",
                ));
            }
            Ok(o) => out.push(check(
                "sandbox starts",
                false,
                format!("{}: {}", o.exit, o.stderr.text().trim()),
                "bwrap needs user namespaces: sysctl -w kernel.unprivileged_userns_clone=1 (Debian) or user.max_user_namespaces > 0",
            )),
            Err(e) => out.push(check(
                "sandbox starts",
                false,
                format!("{e:#}"),
                "install bubblewrap",
            )),
        }
    }
    // Coding agents run in a sandbox of their own (user, mount, PID and
    // network namespaces; no prlimit): whether one starts here.
    if let Err(e) = sandbox::agent::bwrap() {
        out.push(check(
            "agent sandbox",
            false,
            format!("coding agents cannot be sandboxed, so agent runs fail: {e:#}"),
            "apt-get install bubblewrap, or set `sandbox = false` in an [agents.NAME] entry to run that agent unsandboxed (recorded in the run)",
        ));
    } else {
        out.push(match sandbox::agent::probe() {
            Ok(ifaces) => check(
                "agent sandbox",
                ifaces.iter().all(|i| i == "lo"),
                format!(
                    "coding agents can be sandboxed; network interfaces inside: {}",
                    ifaces.join(", ")
                ),
                "the agent sandbox must hold only loopback: check that bwrap supports --unshare-net",
            ),
            Err(e) => check(
                "agent sandbox",
                false,
                format!("{e:#}"),
                "bwrap needs user namespaces: sysctl -w kernel.unprivileged_userns_clone=1 (Debian) or user.max_user_namespaces > 0; until then agents run only with `sandbox = false` in their [agents.NAME] entry",
            ),
        });
    }
    for lang in Language::ALL {
        for (prog, pkg) in lang.toolchain() {
            out.push(check(
                &format!("{lang}: {prog}"),
                Path::new(prog).is_file(),
                (*prog).into(),
                &format!("apt-get install {pkg}"),
            ));
        }
    }
    // After every toolchain, where doctor has always listed them.
    for lang in Language::ALL {
        for c in lang.host_checks() {
            out.push(check(&c.name, c.ok, c.detail, &c.fix));
        }
    }
    out
}

/// What the web-application level needs: a private network per test, a
/// memory cgroup for the whole app (or the per-process fallback), and each
/// environment of `suite` installed with its start program present.
pub fn web_checks(suite: &crate::suite::Suite) -> Vec<Check> {
    let mut out = Vec::new();
    if suite.environments.is_empty() {
        return out;
    }
    out.push(match sandbox::netns::probe() {
        Ok(()) => check(
            "web: private network",
            true,
            "each web test gets a network namespace of its own holding only loopback".into(),
            "",
        ),
        Err(e) => check(
            "web: private network",
            false,
            format!("{e:#}; web tasks cannot run"),
            "run secgap as root (making a network namespace for the app and its test runner needs CAP_SYS_ADMIN)",
        ),
    });
    out.push(match sandbox::cgroup::Cgroup::create(16) {
        Ok(_) => check(
            "web: memory cgroup",
            true,
            "a web app's memory limit binds all its processes together".into(),
            "",
        ),
        Err(e) => check(
            "web: memory cgroup",
            false,
            format!("{e:#}; each process of a web app is limited on its own instead (RLIMIT_AS)"),
            "run as root on a machine with cgroup v2 or the v1 memory controller mounted under /sys/fs/cgroup",
        ),
    });
    for env in &suite.environments {
        let program = env.start.first().map(String::as_str).unwrap_or_default();
        let tool = env.build.first().map(String::as_str).unwrap_or(program);
        for p in [program, tool] {
            if p.starts_with('/') && !Path::new(p).is_file() {
                out.push(check(
                    &format!("web: {}", env.id),
                    false,
                    format!("{p} is missing"),
                    "scripts/install-deps.sh",
                ));
            }
        }
        out.push(match crate::execute::web::installed(env) {
            Ok(dir) => check(
                &format!("web: {}", env.id),
                true,
                format!(
                    "{} ({}){}",
                    env.title,
                    env.framework,
                    dir.map(|d| format!(", installed in {}", d.display()))
                        .unwrap_or_default()
                ),
                "",
            ),
            Err(e) => check(
                &format!("web: {}", env.id),
                false,
                format!("{e:#}"),
                "scripts/install-envs.sh",
            ),
        });
    }
    out
}
