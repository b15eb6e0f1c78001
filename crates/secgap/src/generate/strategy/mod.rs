//! Strategies: how a subject is asked for code. A strategy is a pipeline:
//! it gets the task, the subject and the sample's deadline, and may talk
//! to the subject several times (a reminder, a plan first, a critique and
//! a revision); every turn it takes is returned with the final answer.
//! Each is named and versioned; the version goes into the run's config
//! (`name@version`) so that a changed prompt is never mixed with old
//! results.
//!
//! Adding a strategy is one new file here plus its entry in [`KINDS`].
//! Users define their own in secgap.toml ([`user`]); a run freezes their
//! definitions, and [`resolve`] builds them from those.

use std::time::Instant;

use crate::generate::subject::{Ask, GenRequest, Subject};
use crate::model::{Grade, Message, ModelCall, StrategyRef, TurnKind, TurnRecord};
use crate::plan::probe::Probe;
use crate::suite::{Suite, Task};

mod baseline;
mod cwe_reminder;
mod generic_reminder;
mod principle_oracle;
mod principle_self;
mod self_review;
mod tool_feedback;
pub mod user;

pub use baseline::{reply_instruction, task_description, task_request};

/// A kind of strategy: its name, what it does, the parameters it takes
/// and how to make one.
pub struct Kind {
    pub name: &'static str,
    pub about: &'static str,
    pub params: &'static [Param],
    build: fn(&Params) -> Box<dyn Strategy>,
}

/// A whole-number parameter of a strategy kind, e.g. `rounds`.
pub struct Param {
    pub name: &'static str,
    pub default: u32,
    pub min: u32,
    pub max: u32,
    pub about: &'static str,
}

/// The parameter values a strategy was made with, by parameter name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params(std::collections::BTreeMap<String, u32>);

impl Params {
    /// Every parameter of kind `k` at its default.
    fn default_of(k: &Kind) -> Params {
        Params(
            k.params
                .iter()
                .map(|p| (p.name.to_string(), p.default))
                .collect(),
        )
    }

    /// The value of `name`, which the kind declares (so it is always set).
    pub fn get(&self, name: &str) -> u32 {
        self.0[name]
    }
}

/// Every built-in strategy kind, in the order `secgap list strategies`
/// shows them.
pub static KINDS: &[Kind] = &[
    Kind {
        name: "baseline",
        about: "the task's request and interface, nothing more",
        params: &[],
        build: |_| Box::new(baseline::Baseline),
    },
    Kind {
        name: "generic-reminder",
        about: "the task plus one sentence asking for secure code",
        params: &[],
        build: |_| Box::new(generic_reminder::GenericReminder),
    },
    Kind {
        name: "cwe-reminder",
        about: "the task plus the CWE ids and names it is exposed to (an oracle hint)",
        params: &[],
        build: |_| Box::new(cwe_reminder::CweReminder),
    },
    Kind {
        name: "principle-oracle",
        about: "the task plus its principles from the catalog, statement and rationale",
        params: &[],
        build: |_| Box::new(principle_oracle::PrincipleOracle),
    },
    Kind {
        name: "principle-self",
        about: "two turns: the subject names the principles it thinks apply, then writes the code with its answer in context",
        params: &[],
        build: |_| Box::new(principle_self::PrincipleSelf),
    },
    Kind {
        name: "self-review",
        about: "writes, reviews its code against secure-coding principles, revises; `rounds` review-and-revise rounds",
        params: &[Param {
            name: "rounds",
            default: 1,
            min: 1,
            max: 5,
            about: "review-and-revise rounds",
        }],
        build: |p| Box::new(self_review::SelfReview::new(p)),
    },
    Kind {
        name: "tool-feedback",
        about: "writes, then sees its code built and run against the visible functional tests and revises, up to `rounds` times, stopping when they pass",
        params: &[Param {
            name: "rounds",
            default: 3,
            min: 1,
            max: 10,
            about: "revisions after a visible-test run",
        }],
        build: |p| Box::new(tool_feedback::ToolFeedback::new(p)),
    },
];

/// What a strategy works with for one sample.
pub struct Context<'a> {
    pub suite: &'a Suite,
    pub task: &'a Task,
    pub subject: &'a dyn Subject,
    /// What the harness does for a strategy between turns.
    pub tools: &'a dyn Tools,
    pub sample: u32,
    /// The sample's wall-clock limit for generation, every turn included.
    pub deadline: Option<Instant>,
}

/// What later stages do for a strategy between its turns, given to it by
/// the run so that this stage imports none of them.
pub trait Tools: Sync {
    /// The code of `response` for `task`, or in a few words why none
    /// could be taken from it.
    fn extract(&self, task: &Task, response: &str) -> Result<String, String>;

    /// Build `code` and run only the task's visible functional tests in
    /// the sandbox (security tests never run), for the subject to see.
    /// An error is the harness's, not the candidate's.
    fn run_visible(&self, task: &Task, code: &str) -> anyhow::Result<VisibleRun>;

    /// Grade an answer to an identify probe as Level 1 grades one.
    fn grade_identify(&self, suite: &Suite, probe: &Probe, answer: &str) -> Option<Grade>;
}

/// What a run of the visible tests showed.
#[derive(Debug, Clone, PartialEq)]
pub struct VisibleRun {
    /// Every visible test passed.
    pub passed: bool,
    /// What the subject is shown: the build's or the tests' output.
    pub feedback: String,
}

/// A strategy's result: its turns in order, every model call they made,
/// and the response that is scored (the last code turn's) or why there is
/// none.
#[derive(Debug, Clone)]
pub struct Answer {
    pub turns: Vec<TurnRecord>,
    pub calls: Vec<ModelCall>,
    /// What a coding agent printed while it worked.
    pub transcript: Option<String>,
    pub result: Result<String, String>,
}

pub trait Strategy: Sync + Send {
    /// How a run names it: the kind's name, with any parameter that is not
    /// its default (`self-review:rounds=2`).
    fn name(&self) -> &str;
    fn version(&self) -> u32;

    /// The opening request for `task` of `suite` (whose principle catalog
    /// a strategy may quote), the one recorded as the sample's prompt.
    fn prompt(&self, suite: &Suite, task: &Task) -> String;

    /// Whether it talks to the subject more than once per sample (only
    /// subjects that [`Subject::converses`] can run it).
    fn conversational(&self) -> bool {
        false
    }

    /// Take the strategy's turns. The default is one turn with
    /// [`Strategy::prompt`]; a strategy that talks several times overrides
    /// it (and [`Strategy::conversational`]).
    fn converse(&self, talk: &mut Conversation, suite: &Suite, task: &Task) -> Result<(), Stopped> {
        talk.say(TurnKind::Write, Ask::Code, self.prompt(suite, task))
            .map(|_| ())
    }

    /// Ask the subject for one sample: the turns, and the answer they led to.
    fn run(&self, cx: &Context) -> Answer {
        let mut talk = Conversation::new(cx, self.name());
        // A stopped conversation keeps its reason for `finish`.
        let _ = self.converse(&mut talk, cx.suite, cx.task);
        talk.finish()
    }

    /// How a run records this strategy.
    fn id(&self) -> StrategyRef {
        StrategyRef {
            name: self.name().to_string(),
            version: self.version(),
        }
    }
}

/// The turn that stopped a conversation: the subject gave no answer (the
/// reason is kept in the [`Conversation`]).
#[derive(Debug)]
pub struct Stopped;

/// A sample's conversation with its subject, turn by turn: each turn sees
/// the earlier ones, and each is recorded with the calls it made.
pub struct Conversation<'a> {
    cx: &'a Context<'a>,
    strategy: &'a str,
    history: Vec<Message>,
    turns: Vec<TurnRecord>,
    calls: Vec<ModelCall>,
    transcript: Option<String>,
    error: Option<String>,
}

impl<'a> Conversation<'a> {
    pub fn new(cx: &'a Context<'a>, strategy: &'a str) -> Conversation<'a> {
        Conversation {
            cx,
            strategy,
            history: Vec::new(),
            turns: Vec::new(),
            calls: Vec::new(),
            transcript: None,
            error: None,
        }
    }

    /// Send `prompt` after the turns so far and record the turn; the
    /// response, or [`Stopped`] when the subject gave none.
    pub fn say(&mut self, kind: TurnKind, ask: Ask, prompt: String) -> Result<String, Stopped> {
        let cx = self.cx;
        let got = cx.subject.generate(&GenRequest {
            task: cx.task,
            strategy: self.strategy,
            prompt: &prompt,
            history: &self.history,
            ask,
            sample: cx.sample,
            deadline: cx.deadline,
        });
        let (response, calls, transcript) = match got {
            Ok(g) => (Ok(g.response), g.calls, g.transcript),
            Err(e) => (Err(e.message), e.calls, e.transcript),
        };
        self.turns.push(TurnRecord {
            kind,
            prompt: prompt.clone(),
            response: response.as_ref().ok().cloned(),
            code: None,
            tool_output: None,
            calls: calls.len() as u32,
            grade: None,
        });
        self.calls.extend(calls);
        if transcript.is_some() {
            self.transcript = transcript;
        }
        match response {
            Ok(text) => {
                self.history.push(Message::user(prompt));
                self.history.push(Message::assistant(text.clone()));
                Ok(text)
            }
            Err(message) => {
                self.error = Some(message);
                Err(Stopped)
            }
        }
    }

    /// End the conversation for a reason of the harness's (a tool failed).
    pub fn fail(&mut self, message: String) -> Stopped {
        self.error = Some(message);
        Stopped
    }

    /// What the harness can do between turns.
    pub fn tools(&self) -> &'a dyn Tools {
        self.cx.tools
    }

    /// The last turn, to note what was done with it.
    pub fn last_turn(&mut self) -> &mut TurnRecord {
        self.turns
            .last_mut()
            .expect("a turn is noted only after it was taken")
    }

    /// The answer: the last code turn's response, unless a turn stopped
    /// the conversation.
    pub fn finish(self) -> Answer {
        let result = match self.error {
            Some(e) => Err(e),
            None => self
                .turns
                .iter()
                .rev()
                .find(|t| matches!(t.kind, TurnKind::Write | TurnKind::Revise))
                .and_then(|t| t.response.clone())
                .ok_or_else(|| "the strategy asked for no code".to_string()),
        };
        Answer {
            turns: self.turns,
            calls: self.calls,
            transcript: self.transcript,
            result,
        }
    }
}

/// The kind called `name`, or an error listing the known ones.
fn kind(name: &str) -> Result<&'static Kind, String> {
    KINDS.iter().find(|k| k.name == name).ok_or_else(|| {
        let known: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
        format!("unknown strategy `{name}` (known: {})", known.join(", "))
    })
}

/// The strategy a run names `spec`: a kind's name, optionally followed by
/// `:param=value` pairs (`self-review:rounds=2`).
pub fn by_name(spec: &str) -> Result<Box<dyn Strategy>, String> {
    let mut parts = spec.split(':');
    let k = kind(parts.next().unwrap_or_default())?;
    let mut params = Params::default_of(k);
    for pair in parts {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            format!("strategy `{spec}`: `{pair}` is not a parameter (write NAME=VALUE, e.g. `{}:rounds=2`)", k.name)
        })?;
        let Some(p) = k.params.iter().find(|p| p.name == name) else {
            let known: Vec<&str> = k.params.iter().map(|p| p.name).collect();
            return Err(if known.is_empty() {
                format!("strategy `{}` takes no parameters (got `{name}`)", k.name)
            } else {
                format!(
                    "strategy `{}` has no parameter `{name}` (it takes: {})",
                    k.name,
                    known.join(", ")
                )
            });
        };
        let v: u32 = value
            .parse()
            .ok()
            .filter(|v| (p.min..=p.max).contains(v))
            .ok_or_else(|| {
                format!(
                    "strategy `{spec}`: {name} must be a whole number from {} to {} (got `{value}`)",
                    p.min, p.max
                )
            })?;
        params.0.insert(name.to_string(), v);
    }
    Ok((k.build)(&params))
}

/// The run name of kind `kind` with `params`: the parameters that differ
/// from their defaults, in the kind's order, after the kind's name.
fn label(kind: &str, params: &Params) -> String {
    let k = self::kind(kind).expect("built-in kinds label themselves");
    let mut out = kind.to_string();
    for p in k.params {
        let v = params.get(p.name);
        if v != p.default {
            out.push_str(&format!(":{}={v}", p.name));
        }
    }
    out
}

/// Strategies of the user's by name: a config file's `[strategies]`, or
/// the definitions a run froze.
pub type UserDefs = std::collections::BTreeMap<String, crate::plan::config::StrategyDef>;

/// The strategy a run recorded, refused if its version has changed since:
/// one of `user` (the run's frozen definitions) by that name, else a
/// built-in one.
pub fn resolve(r: &StrategyRef, user: &UserDefs) -> Result<Box<dyn Strategy>, String> {
    let st: Box<dyn Strategy> = match user.get(&r.name) {
        Some(def) => {
            Box::new(user::UserStrategy::new(&r.name, def).map_err(|e| e.at(&r.name, None))?)
        }
        None => by_name(&r.name)?,
    };
    if st.version() != r.version {
        return Err(format!(
            "strategy `{}` was version {} in this run but is version {} now",
            r.name,
            r.version,
            st.version()
        ));
    }
    Ok(st)
}

/// Parse a `--strategy` argument: a built-in strategy's name with its
/// parameters, or the name of one of `user` (the config file's).
pub fn parse_arg(spec: &str, user: &UserDefs) -> Result<StrategyRef, String> {
    let name = spec.split(':').next().unwrap_or_default();
    if KINDS.iter().any(|k| k.name == name) {
        return by_name(spec).map(|s| s.id());
    }
    match user.get(name) {
        Some(def) if name == spec => Ok(StrategyRef {
            name: name.to_string(),
            version: def.version,
        }),
        Some(_) => Err(format!(
            "strategy `{name}` is defined in the config file and takes no parameters (got `{spec}`)"
        )),
        None => {
            let known: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
            let theirs: Vec<&str> = user.keys().map(String::as_str).collect();
            Err(if theirs.is_empty() {
                format!(
                    "unknown strategy `{name}` (known: {}; or define it as [strategies.{name}] in secgap.toml)",
                    known.join(", ")
                )
            } else {
                format!(
                    "unknown strategy `{name}` (known: {}; from the config file: {})",
                    known.join(", "),
                    theirs.join(", ")
                )
            })
        }
    }
}

/// The strategy runs use when none is named.
pub fn default_strategy() -> StrategyRef {
    baseline::Baseline.id()
}

/// Refuse pairs of a subject that answers one prompt per sample and a
/// strategy that talks to it several times, before any work starts.
pub fn check_support(subject: &dyn Subject, strategy: &dyn Strategy) -> Result<(), String> {
    if strategy.conversational() && !subject.converses() {
        let single: Vec<&str> = KINDS
            .iter()
            .filter(|k| !(k.build)(&Params::default_of(k)).conversational())
            .map(|k| k.name)
            .collect();
        return Err(format!(
            "subject `{}` answers one prompt per sample, and strategy `{}` talks to it several times; run it with {} instead",
            subject.name(),
            strategy.name(),
            single.join(", ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TestKind;

    pub(super) fn builtin() -> Suite {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
        crate::suite::load(&root).expect("the built-in suite loads")
    }

    /// No strategy's prompt hands the subject a security test: not its
    /// name, not its attack, not its code.
    #[test]
    fn no_prompt_names_or_quotes_a_security_test() {
        let suite = builtin();
        for task in &suite.tasks {
            // A scenario's tests are in its manifest.
            let test_file = match &task.web {
                Some(_) => task.dir.join("scenario.toml"),
                None => task.tests_dir.join(&task.test_file_name),
            };
            let test_source = std::fs::read_to_string(test_file).unwrap();
            for k in KINDS {
                let st = by_name(k.name).unwrap();
                let prompt = st.prompt(&suite, task);
                for t in task.tests.iter().filter(|t| t.kind == TestKind::Security) {
                    assert!(
                        !prompt.contains(&t.name),
                        "{} prompt for {} names security test {}",
                        st.name(),
                        task.id,
                        t.name
                    );
                    if let Some(a) = &t.attack {
                        assert!(
                            !prompt.contains(a.as_str()),
                            "{} quotes an attack",
                            st.name()
                        );
                    }
                }
                // What a strategy adds to the task's own request quotes no
                // line of the test file (the spec's examples may recur in
                // the functional tests, and the request holds those).
                let base = task_request(task);
                for line in test_source.lines().map(str::trim).filter(|l| l.len() > 40) {
                    assert!(
                        !prompt.contains(line) || base.contains(line),
                        "{} prompt for {} quotes the tests: {line}",
                        st.name(),
                        task.id
                    );
                }
            }
        }
    }

    #[test]
    fn each_hint_says_what_its_name_promises() {
        let suite = builtin();
        let task = suite.task("py-sql-lookup").or(suite.tasks.first()).unwrap();
        let base = baseline::Baseline.prompt(&suite, task);
        let generic = by_name("generic-reminder").unwrap().prompt(&suite, task);
        assert!(generic.starts_with(&base) && generic.contains("secure"));
        assert!(!generic.contains("CWE"));
        let cwe = by_name("cwe-reminder").unwrap().prompt(&suite, task);
        for c in &task.cwes {
            assert!(cwe.contains(&format!("CWE-{}: ", c.0)), "{cwe}");
        }
        let oracle = by_name("principle-oracle").unwrap().prompt(&suite, task);
        for id in &task.principles {
            let p = suite.principles.iter().find(|p| &p.id == id).unwrap();
            assert!(oracle.contains(&p.statement) && oracle.contains(&p.rationale));
        }
        assert!(!oracle.contains("CWE"));
    }

    #[test]
    fn every_cwe_of_the_builtin_suite_has_its_name() {
        let suite = builtin();
        for task in &suite.tasks {
            for c in &task.cwes {
                assert!(
                    crate::model::cwe::name(c.0).is_some(),
                    "CWE-{} has no name",
                    c.0
                );
            }
        }
    }

    /// A subject that answers by what it is asked and records what it saw.
    pub(super) struct Scripted {
        pub(super) seen: std::sync::Mutex<Vec<(usize, String)>>,
        /// Fail on this request (0-based), if set.
        pub(super) fail_at: Option<usize>,
    }

    impl Subject for Scripted {
        fn name(&self) -> &str {
            "scripted"
        }
        fn converses(&self) -> bool {
            true
        }
        fn generate(
            &self,
            req: &GenRequest,
        ) -> Result<crate::generate::Generation, crate::generate::GenError> {
            let mut seen = self.seen.lock().unwrap();
            let n = seen.len();
            seen.push((req.history.len(), req.prompt.to_string()));
            let call = ModelCall {
                attempt: 1,
                url: "http://fixture/".into(),
                request: req.prompt.into(),
                status: Some(200),
                response: String::new(),
                latency_ms: 1,
                usage: Default::default(),
                cost_usd: Some(0.01),
                cached: false,
                error: None,
                retry_after_ms: None,
            };
            if self.fail_at == Some(n) {
                return Err(crate::generate::GenError {
                    message: "the server broke off".into(),
                    calls: vec![call],
                    transcript: None,
                });
            }
            let response = match req.ask {
                Ask::Principles { .. } => "It must bound input.\nANSWER: A".to_string(),
                Ask::Critique => format!("Problem {n}: none fixed yet."),
                Ask::Code => format!("```python\nversion = {n}\n```"),
            };
            Ok(crate::generate::Generation {
                response,
                calls: vec![call],
                transcript: None,
            })
        }
    }

    /// Tools whose visible tests pass once the code is `version = PASS_AT`.
    pub(super) struct FakeTools {
        pub(super) pass_at: usize,
    }

    impl Tools for FakeTools {
        fn extract(&self, _task: &Task, response: &str) -> Result<String, String> {
            response
                .split("```python\n")
                .nth(1)
                .map(|c| c.trim_end_matches("\n```").to_string())
                .ok_or_else(|| "no block".into())
        }
        fn run_visible(&self, _task: &Task, code: &str) -> anyhow::Result<VisibleRun> {
            let passed = code == format!("version = {}", self.pass_at);
            Ok(VisibleRun {
                passed,
                feedback: format!("ran {code}: {}", if passed { "ok" } else { "1 failed" }),
            })
        }
        fn grade_identify(&self, suite: &Suite, probe: &Probe, answer: &str) -> Option<Grade> {
            let _ = suite;
            assert!(probe.id.starts_with("identify:"));
            assert!(answer.contains("ANSWER"));
            Some(Grade {
                parsed: true,
                chosen: ['A'].into(),
                unsafe_label: None,
                exact: false,
                jaccard: 0.5,
                score: 0.5,
            })
        }
    }

    fn run(spec: &str, fail_at: Option<usize>, pass_at: usize) -> (Answer, Vec<(usize, String)>) {
        let suite = builtin();
        let task = suite.task("py-inflate-body").unwrap();
        let subject = Scripted {
            seen: Default::default(),
            fail_at,
        };
        let tools = FakeTools { pass_at };
        let st = by_name(spec).unwrap();
        let answer = st.run(&Context {
            suite: &suite,
            task,
            subject: &subject,
            tools: &tools,
            sample: 0,
            deadline: None,
        });
        let seen = subject.seen.into_inner().unwrap();
        (answer, seen)
    }

    fn kinds(a: &Answer) -> Vec<TurnKind> {
        a.turns.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn principle_self_asks_first_then_writes_with_its_answer_in_context() {
        let (a, seen) = run("principle-self", None, 0);
        assert_eq!(kinds(&a), [TurnKind::Identify, TurnKind::Write]);
        assert_eq!(seen[0].0, 0, "the first turn has no history");
        assert_eq!(seen[1].0, 2, "the second sees the question and its answer");
        assert_eq!(a.turns[0].grade.as_ref().map(|g| g.score), Some(0.5));
        assert!(a.turns[0].prompt.contains("ANSWER:") && !a.turns[0].prompt.contains("fenced"));
        assert_eq!(a.result.as_deref(), Ok("```python\nversion = 1\n```"));
        assert_eq!(a.calls.len(), 2);
        assert!(a.turns.iter().all(|t| t.calls == 1));
    }

    #[test]
    fn self_review_takes_its_rounds() {
        let (a, seen) = run("self-review", None, 0);
        assert_eq!(
            kinds(&a),
            [TurnKind::Write, TurnKind::Review, TurnKind::Revise]
        );
        assert_eq!(a.result.as_deref(), Ok("```python\nversion = 2\n```"));
        let (a, seen2) = run("self-review:rounds=2", None, 0);
        assert_eq!(a.turns.len(), 5);
        assert_eq!(
            seen2.last().unwrap().0,
            8,
            "the last revision sees all four turns before it"
        );
        assert_eq!(seen.len(), 3);
        assert_eq!(
            by_name("self-review:rounds=2").unwrap().name(),
            "self-review:rounds=2"
        );
        assert_eq!(
            by_name("self-review:rounds=1").unwrap().name(),
            "self-review"
        );
    }

    #[test]
    fn tool_feedback_stops_when_the_visible_tests_pass() {
        // Passes on the second revision: write, revise, revise; no more.
        let (a, _) = run("tool-feedback", None, 2);
        assert_eq!(
            kinds(&a),
            [TurnKind::Write, TurnKind::Revise, TurnKind::Revise]
        );
        assert_eq!(
            a.turns[0].tool_output.as_deref(),
            Some("ran version = 0: 1 failed")
        );
        assert!(a.turns[1].prompt.contains("ran version = 0: 1 failed"));
        assert_eq!(
            a.turns[2].tool_output.as_deref(),
            Some("ran version = 2: ok")
        );
        assert_eq!(a.turns[2].code.as_deref(), Some("version = 2"));
        assert_eq!(a.result.as_deref(), Ok("```python\nversion = 2\n```"));
        // Never passes: the first answer and three revisions.
        let (a, _) = run("tool-feedback", None, 99);
        assert_eq!(a.turns.len(), 4);
        assert_eq!(a.turns[3].tool_output, None, "the last revision is not run");
        let (a, _) = run("tool-feedback:rounds=1", None, 99);
        assert_eq!(a.turns.len(), 2);
    }

    #[test]
    fn a_failed_turn_keeps_the_turns_and_calls_before_it() {
        let (a, _) = run("self-review", Some(1), 0);
        assert_eq!(kinds(&a), [TurnKind::Write, TurnKind::Review]);
        assert_eq!(a.turns[1].response, None);
        assert_eq!(a.calls.len(), 2, "the failed turn's call is kept");
        assert_eq!(a.result, Err("the server broke off".to_string()));
    }

    #[test]
    fn parameters_are_checked() {
        let err = |s: &str| by_name(s).err().unwrap();
        assert!(err("self-review:rounds=0").contains("from 1 to 5"));
        assert!(err("self-review:turns=2").contains("no parameter `turns`"));
        assert!(err("baseline:rounds=2").contains("takes no parameters"));
        assert!(err("self-review:2").contains("NAME=VALUE"));
        assert!(err("nope").contains("unknown strategy"));
        let r = parse_arg("tool-feedback:rounds=5", &UserDefs::new()).unwrap();
        assert_eq!(r.to_string(), "tool-feedback:rounds=5@1");
        assert_eq!(
            resolve(&r, &UserDefs::new()).unwrap().name(),
            "tool-feedback:rounds=5"
        );
    }

    #[test]
    fn single_prompt_subjects_refuse_conversations() {
        struct OneShot;
        impl Subject for OneShot {
            fn name(&self) -> &str {
                "agent:x"
            }
            fn generate(
                &self,
                _: &GenRequest,
            ) -> Result<crate::generate::Generation, crate::generate::GenError> {
                unreachable!()
            }
        }
        for k in KINDS {
            let st = by_name(k.name).unwrap();
            let ok = check_support(&OneShot, st.as_ref());
            assert_eq!(ok.is_err(), st.conversational(), "{}", k.name);
        }
        let e = check_support(&OneShot, by_name("self-review").unwrap().as_ref()).unwrap_err();
        assert!(
            e.contains("baseline, generic-reminder, cwe-reminder, principle-oracle"),
            "{e}"
        );
    }
}
