//! Strategies of the user's own, `[strategies.NAME]` in secgap.toml: a list
//! of turns, each a minijinja template rendered over the task and the turns
//! before it, sent to the subject in order with the conversation so far.
//! A turn may first have the harness run the visible functional tests on
//! the previous turn's code and show their output. What a template sees is
//! built here field by field: the task's tests, and above all its security
//! tests, are never among them.
//!
//! Templates are checked before a run starts: each is compiled, then
//! rendered for every task of the suite (with stand-in earlier turns), with
//! undefined variables an error, so that a typo is reported with the line of
//! secgap.toml it is on.

use std::collections::BTreeMap;

use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};

use super::{
    reply_instruction, task_description, task_request, Conversation, Stopped, Strategy, KINDS,
};
use crate::generate::subject::Ask;
use crate::plan::config::{ConfigFile, Origin, StrategyDef, TurnAsk};
use crate::suite::{Suite, Task};

/// The variables every template has, for messages.
const VARIABLES: &str = "task, request, description, reply, turns, and previous from turn 2 on";

/// A user strategy, its templates compiled.
pub struct UserStrategy {
    name: String,
    def: StrategyDef,
    env: Environment<'static>,
}

/// A template that does not compile or render: which turn, where in its
/// template, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The turn, 0-based.
    pub turn: usize,
    /// The template's line (1-based), when minijinja knows it.
    pub line: Option<usize>,
    pub message: String,
}

impl TemplateError {
    /// The message for strategy `name`, led by `PATH:LINE` in the config
    /// file when `origin` says where the strategy is written.
    pub fn at(&self, name: &str, origin: Option<&Origin>) -> String {
        match origin.filter(|o| o.strategies.contains_key(name)) {
            Some(o) => format!(
                "{}: strategy `{name}`, turn {}: {}",
                o.turn(name, self.turn, Some(self.line.unwrap_or(1))),
                self.turn + 1,
                self.message
            ),
            None => format!(
                "strategy `{name}`, turn {}{}: {}",
                self.turn + 1,
                self.line
                    .map(|l| format!(", template line {l}"))
                    .unwrap_or_default(),
                self.message
            ),
        }
    }
}

/// What a template sees of an earlier turn.
#[derive(Debug, Clone)]
struct Seen {
    kind: TurnAsk,
    prompt: String,
    response: String,
    /// The code taken from the response, or why there is none.
    code: Result<String, String>,
    /// What the visible tests printed on this turn's code, if a later turn
    /// ran them, and whether they passed.
    tool_output: Option<(String, bool)>,
}

fn map(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    Value::from(pairs.into_iter().collect::<BTreeMap<&'static str, Value>>())
}

/// The task as templates see it: what a prompt may say, no test of it.
fn task_value(suite: &Suite, task: &Task) -> Value {
    let cwes: Vec<Value> = task
        .cwes
        .iter()
        .map(|c| {
            map([
                ("id", Value::from(c.0)),
                (
                    "name",
                    Value::from(crate::model::cwe::name(c.0).unwrap_or_default()),
                ),
            ])
        })
        .collect();
    let principles: Vec<Value> = task
        .principles
        .iter()
        .filter_map(|id| suite.principles.iter().find(|p| &p.id == id))
        .map(|p| {
            map([
                ("id", Value::from(p.id.as_str())),
                ("title", Value::from(p.title.as_str())),
                ("statement", Value::from(p.statement.as_str())),
                ("rationale", Value::from(p.rationale.as_str())),
            ])
        })
        .collect();
    map([
        ("id", Value::from(task.id.as_str())),
        ("title", Value::from(task.title.as_str())),
        ("spec", Value::from(task.spec.as_str())),
        ("interface", Value::from(task.interface.as_str())),
        ("language", Value::from(task.language.name())),
        ("language_title", Value::from(task.language.prompt_title())),
        ("solution_file", Value::from(task.solution_file.as_str())),
        ("request", Value::from(task_request(task))),
        ("description", Value::from(task_description(task))),
        ("reply", Value::from(reply_instruction(task))),
        ("cwes", Value::from(cwes)),
        ("principles", Value::from(principles)),
    ])
}

/// An earlier turn as templates see it: with what the visible tests
/// printed on its code (`output`), and whether they passed (`passed`, for
/// the turn before one that ran them).
fn seen_value(s: &Seen, output: bool, passed: bool) -> Value {
    let (code, code_error) = match &s.code {
        Ok(c) => (c.as_str(), ""),
        Err(why) => ("", why.as_str()),
    };
    let ran = s.tool_output.as_ref();
    let mut fields = vec![
        ("kind", Value::from(s.kind.turn_kind().as_str())),
        ("prompt", Value::from(s.prompt.as_str())),
        ("response", Value::from(s.response.as_str())),
        ("code", Value::from(code)),
        ("code_error", Value::from(code_error)),
    ];
    if output {
        let text = ran.map_or("", |(o, _)| o.as_str());
        fields.push(("tool_output", Value::from(text)));
    }
    if passed {
        fields.push(("passed", Value::from(ran.is_some_and(|(_, p)| *p))));
    }
    map(fields)
}

/// Everything a turn's template sees: the task, its standard phrasings,
/// the turns before it, and (`tools`: the turn ran the visible tests) the
/// tests' output on the previous turn's code.
fn context(suite: &Suite, task: &Task, seen: &[Seen], tools: bool) -> Value {
    let turns: Vec<Value> = seen.iter().map(|s| seen_value(s, true, false)).collect();
    let mut fields = vec![
        ("task", task_value(suite, task)),
        ("request", Value::from(task_request(task))),
        ("description", Value::from(task_description(task))),
        ("reply", Value::from(reply_instruction(task))),
        ("turns", Value::from(turns)),
    ];
    if let Some(last) = seen.last() {
        fields.push(("previous", seen_value(last, tools, tools)));
    }
    map(fields)
}

/// The template name of turn `i` in the environment.
fn template_name(i: usize) -> String {
    format!("turn-{}", i + 1)
}

impl UserStrategy {
    /// Compile `def`'s templates; a syntax error names its turn and line.
    pub fn new(name: &str, def: &StrategyDef) -> Result<UserStrategy, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_debug(true);
        for (i, turn) in def.turns.iter().enumerate() {
            env.add_template_owned(template_name(i), turn.template.clone())
                .map_err(|e| describe(&e, &turn.template, i, def))?;
        }
        Ok(UserStrategy {
            name: name.to_string(),
            def: def.clone(),
            env,
        })
    }

    /// Render turn `i` over `cx`.
    fn render(&self, i: usize, cx: &Value) -> Result<String, TemplateError> {
        let turn = &self.def.turns[i];
        self.env
            .get_template(&template_name(i))
            .and_then(|t| t.render(cx))
            .map_err(|e| describe(&e, &turn.template, i, &self.def))
    }

    /// Render every turn for every task of `suite`, with stand-ins for the
    /// subject's answers: once with code in each of them and the visible
    /// tests passing, once with no code and the tests failing, so that
    /// both sides of a template's `if` on them are tried.
    pub fn check(&self, suite: &Suite) -> Result<(), TemplateError> {
        for (n, task) in suite.tasks.iter().enumerate() {
            for with_code in [true, false] {
                let mut seen: Vec<Seen> = Vec::new();
                for (i, turn) in self.def.turns.iter().enumerate() {
                    if turn.run_visible {
                        if let Some(last) = seen.last_mut() {
                            last.tool_output =
                                Some(("(what the visible tests printed)".into(), with_code));
                        }
                    }
                    let prompt = self
                        .render(i, &context(suite, task, &seen, turn.run_visible))
                        .map_err(|mut e| {
                            // Shown for a template that failed on some
                            // task only, to say which.
                            if n > 0 {
                                e.message.push_str(&format!(" (for task `{}`)", task.id));
                            }
                            e
                        })?;
                    let code = if with_code && turn.kind.wants_code() {
                        Ok(format!("(the code of turn {})", i + 1))
                    } else {
                        Err("(why no code could be taken)".to_string())
                    };
                    seen.push(Seen {
                        kind: turn.kind,
                        prompt,
                        response: format!("(the answer to turn {})", i + 1),
                        code,
                        tool_output: None,
                    });
                }
            }
        }
        Ok(())
    }

    /// The definition it was made from.
    pub fn def(&self) -> &StrategyDef {
        &self.def
    }
}

/// What is wrong with turn `turn`'s template (`source`), in words for the
/// person who wrote it.
fn describe(e: &minijinja::Error, source: &str, turn: usize, def: &StrategyDef) -> TemplateError {
    let expr = e.range().and_then(|r| source.get(r)).unwrap_or_default();
    let message = match e.kind() {
        ErrorKind::UndefinedError => {
            let what = e
                .detail()
                .map(str::to_string)
                .unwrap_or_else(|| format!("`{expr}` is undefined"));
            let on_previous = expr == "previous"
                || expr.starts_with("previous.")
                || expr.starts_with("previous[");
            let hint = if on_previous && turn == 0 {
                "the first turn has no previous turn".to_string()
            } else if on_previous
                && (expr.contains("tool_output") || expr.contains("passed"))
                && !def.turns[turn].run_visible
            {
                "set `run_visible = true` on this turn to run the visible tests before it"
                    .to_string()
            } else {
                format!("the variables are {VARIABLES}")
            };
            format!("{what} ({hint})")
        }
        kind => match e.detail() {
            Some(d) => format!("{kind}: {d}"),
            None => kind.to_string(),
        },
    };
    TemplateError {
        turn,
        line: e.line(),
        message,
    }
}

impl Strategy for UserStrategy {
    fn name(&self) -> &str {
        &self.name
    }

    fn version(&self) -> u32 {
        self.def.version
    }

    /// The first turn's prompt (it sees only the task: the config check
    /// has rendered it for every task of the suite).
    fn prompt(&self, suite: &Suite, task: &Task) -> String {
        self.render(0, &context(suite, task, &[], false))
            .unwrap_or_else(|e| e.at(&self.name, None))
    }

    fn conversational(&self) -> bool {
        self.def.turns.len() > 1
    }

    fn converse(&self, talk: &mut Conversation, suite: &Suite, task: &Task) -> Result<(), Stopped> {
        let mut seen: Vec<Seen> = Vec::new();
        let turns = &self.def.turns;
        for (i, turn) in turns.iter().enumerate() {
            if turn.run_visible {
                let last = seen
                    .last_mut()
                    .expect("the config check refuses run_visible on the first turn");
                let (output, passed) = match &last.code {
                    Err(why) => (
                        format!("No code could be taken from your reply: {why}."),
                        false,
                    ),
                    Ok(code) => {
                        let run = talk.tools().run_visible(task, code).map_err(|e| {
                            talk.fail(format!("the visible tests could not be run: {e:#}"))
                        })?;
                        (run.feedback, run.passed)
                    }
                };
                talk.last_turn().tool_output = Some(output.clone());
                last.tool_output = Some((output, passed));
            }
            let cxv = context(suite, task, &seen, turn.run_visible);
            let prompt = self
                .render(i, &cxv)
                .map_err(|e| talk.fail(e.at(&self.name, None)))?;
            let ask = if turn.kind.wants_code() {
                Ask::Code
            } else {
                Ask::Critique
            };
            let response = talk.say(turn.kind.turn_kind(), ask, prompt.clone())?;
            if i + 1 == turns.len() {
                break;
            }
            // Only a later turn looks at the code.
            let code = talk.tools().extract(task, &response);
            if let (Ok(c), true) = (&code, turn.kind.wants_code()) {
                talk.last_turn().code = Some(c.clone());
            }
            seen.push(Seen {
                kind: turn.kind,
                prompt,
                response,
                code,
                tool_output: None,
            });
        }
        Ok(())
    }
}

/// Check the config file's strategies against `suite`: no name of a
/// built-in strategy, every template compiles and renders for every task.
/// Errors lead with `PATH:LINE` of the file.
pub fn check_config(file: &ConfigFile, suite: &Suite) -> Result<(), String> {
    let origin = file.origin.as_ref();
    for (name, def) in &file.strategies {
        if KINDS.iter().any(|k| k.name == name) {
            let at = origin.map(|o| format!("{}: ", o.strategy(name)));
            let builtin: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
            return Err(format!(
                "{}strategy `{name}` has the name of a built-in strategy; give yours another (built-in: {})",
                at.unwrap_or_default(),
                builtin.join(", ")
            ));
        }
        let st = UserStrategy::new(name, def).map_err(|e| e.at(name, origin))?;
        st.check(suite).map_err(|e| e.at(name, origin))?;
    }
    Ok(())
}

/// Refuse a config file that defines a strategy of the run (`frozen`, as
/// the run froze them) under the same name and version but differently:
/// its results would carry the same `NAME@VERSION` for other prompts.
pub fn check_frozen(
    frozen: &BTreeMap<String, StrategyDef>,
    file: &ConfigFile,
) -> Result<(), String> {
    for (name, old) in frozen {
        let Some(now) = file.strategies.get(name) else {
            continue;
        };
        // What it is called for is no prompt: a new `about` changes nothing.
        if now.version != old.version || now.turns == old.turns {
            continue;
        }
        let what = if now.turns.len() != old.turns.len() {
            format!(
                "{} turns, the run's has {}",
                now.turns.len(),
                old.turns.len()
            )
        } else {
            let i = (0..now.turns.len())
                .find(|&i| now.turns[i] != old.turns[i])
                .expect("the turns differ");
            let (a, b) = (&now.turns[i], &old.turns[i]);
            let part = if a.template != b.template {
                "template"
            } else if a.kind != b.kind {
                "kind"
            } else {
                "run_visible"
            };
            format!("turn {}'s {part} differs", i + 1)
        };
        let at = file
            .origin
            .as_ref()
            .map(|o| format!("{}: ", o.strategy(name)))
            .unwrap_or_default();
        return Err(format!(
            "{at}strategy `{name}` has changed since the run froze it ({what}) but is still version {}: bump its `version` so that results of the two are told apart (the run goes on with the definition it froze)",
            now.version
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::OnceLock;

    use super::*;
    use crate::generate::strategy::tests::{FakeTools, Scripted};
    use crate::generate::strategy::{
        check_support, parse_arg, resolve, Answer, Context, Tools, UserDefs,
    };
    use crate::model::{StrategyRef, TestKind, TurnKind};

    fn suite() -> &'static Suite {
        static SUITE: OnceLock<Suite> = OnceLock::new();
        SUITE.get_or_init(crate::generate::strategy::tests::builtin)
    }

    /// Two turns; the line numbers below are the file's.
    const PLAN: &str = r#"[strategies.plan-first]
about = "asks for a plan, then the code"
version = 1
[[strategies.plan-first.turns]]
kind = "review"
template = """
{{ description }}
Before writing code, list the risks of task {{ task.id }}."""
[[strategies.plan-first.turns]]
kind = "write"
template = "Your plan:\n{{ previous.response }}\nNow write it. {{ reply }}"
"#;

    /// The config file `text`, read and checked as a run reads and checks it.
    fn load(text: &str) -> Result<ConfigFile, String> {
        let cfg = crate::plan::config::parse(Path::new("secgap.toml"), text)
            .map_err(|e| format!("{e:#}"))?;
        check_config(&cfg, suite())?;
        Ok(cfg)
    }

    fn load_err(text: &str) -> String {
        load(text).expect_err("the config is refused")
    }

    fn run(text: &str, name: &str, tools: &dyn Tools) -> (Answer, Vec<(usize, String)>) {
        let cfg = load(text).unwrap();
        let st = resolve(&parse_arg(name, &cfg.strategies).unwrap(), &cfg.strategies).unwrap();
        let task = suite().task("py-inflate-body").unwrap();
        let subject = Scripted {
            seen: Default::default(),
            fail_at: None,
        };
        let answer = st.run(&Context {
            suite: suite(),
            task,
            subject: &subject,
            tools,
            sample: 0,
            deadline: None,
        });
        (answer, subject.seen.into_inner().unwrap())
    }

    #[test]
    fn a_two_turn_strategy_sends_the_first_answer_with_the_second_prompt() {
        let (a, seen) = run(PLAN, "plan-first", &FakeTools { pass_at: 0 });
        let kinds: Vec<TurnKind> = a.turns.iter().map(|t| t.kind).collect();
        assert_eq!(kinds, [TurnKind::Review, TurnKind::Write]);
        let task = suite().task("py-inflate-body").unwrap();
        assert_eq!(
            a.turns[0].prompt,
            format!(
                "{}\nBefore writing code, list the risks of task py-inflate-body.",
                task_description(task)
            )
        );
        assert_eq!(seen[0].0, 0);
        assert_eq!(
            seen[1].0, 2,
            "the second turn is sent after the first and its answer"
        );
        assert_eq!(
            a.turns[1].prompt,
            format!(
                "Your plan:\nProblem 0: none fixed yet.\nNow write it. {}",
                reply_instruction(task)
            )
        );
        assert_eq!(a.result.as_deref(), Ok("```python\nversion = 1\n```"));
        assert_eq!(a.calls.len(), 2);
    }

    #[test]
    fn every_earlier_turn_is_in_turns() {
        let text = r#"[strategies.three]
version = 1
[[strategies.three.turns]]
kind = "write"
template = "{{ request }}"
[[strategies.three.turns]]
kind = "review"
template = "Review {{ previous.kind }} turn {{ turns | length }}: {{ previous.code }}"
[[strategies.three.turns]]
kind = "revise"
template = "{% for t in turns %}[{{ loop.index }} {{ t.kind }}: {{ t.response }}|{{ t.code_error }}]{% endfor %}"
"#;
        let (a, _) = run(text, "three", &FakeTools { pass_at: 0 });
        assert_eq!(a.turns.len(), 3);
        assert_eq!(a.turns[1].prompt, "Review write turn 1: version = 0");
        assert_eq!(
            a.turns[2].prompt,
            "[1 write: ```python\nversion = 0\n```|][2 review: Problem 1: none fixed yet.|no block]"
        );
        assert_eq!(a.turns[0].code.as_deref(), Some("version = 0"));
        assert_eq!(a.turns[1].code, None, "a review's code is not recorded");
        assert_eq!(a.result.as_deref(), Ok("```python\nversion = 2\n```"));
    }

    const FIX: &str = r#"[strategies.fix]
version = 2
[[strategies.fix.turns]]
kind = "write"
template = "{{ request }}"
[[strategies.fix.turns]]
kind = "revise"
run_visible = true
template = """{% if previous.passed %}Passed.{% else %}Failed:
{{ previous.tool_output }}{% endif %} Code: {{ previous.code }}. {{ reply }}"""
"#;

    #[test]
    fn a_run_visible_turn_shows_the_visible_tests_output() {
        let (a, _) = run(FIX, "fix", &FakeTools { pass_at: 99 });
        assert_eq!(
            a.turns[0].tool_output.as_deref(),
            Some("ran version = 0: 1 failed")
        );
        assert_eq!(a.turns[0].code.as_deref(), Some("version = 0"));
        assert!(
            a.turns[1]
                .prompt
                .starts_with("Failed:\nran version = 0: 1 failed Code: version = 0. Reply with"),
            "{}",
            a.turns[1].prompt
        );
        assert_eq!(a.turns[1].tool_output, None);
        let (a, _) = run(FIX, "fix", &FakeTools { pass_at: 0 });
        assert!(a.turns[1].prompt.starts_with("Passed. Code: version = 0."));
    }

    /// The run's visible-test tool before it lands: its error is the
    /// harness's, and the sample ends with it.
    struct NoVisibleTests;

    impl Tools for NoVisibleTests {
        fn extract(&self, task: &Task, response: &str) -> Result<String, String> {
            FakeTools { pass_at: 0 }.extract(task, response)
        }
        fn run_visible(&self, _: &Task, _: &str) -> anyhow::Result<super::super::VisibleRun> {
            anyhow::bail!("PENDING: not yet")
        }
        fn grade_identify(
            &self,
            _: &Suite,
            _: &crate::plan::probe::Probe,
            _: &str,
        ) -> Option<crate::model::Grade> {
            None
        }
    }

    #[test]
    fn a_visible_test_run_that_fails_ends_the_sample_as_the_harnesss_error() {
        let (a, seen) = run(FIX, "fix", &NoVisibleTests);
        assert_eq!(seen.len(), 1, "the revision is not asked for");
        assert_eq!(a.turns.len(), 1);
        assert_eq!(
            a.result,
            Err("the visible tests could not be run: PENDING: not yet".to_string())
        );
    }

    /// The whole of what a template sees of a task is these fields: none of
    /// them is a test, and nothing rendered names or quotes a security test.
    #[test]
    fn no_template_can_reach_a_security_test() {
        let text = r#"[strategies.all]
version = 1
[[strategies.all.turns]]
kind = "write"
template = "{% for k in task %}{{ k }},{% endfor %}\n{{ task }}\n{{ request }}\n{{ turns }}"
"#;
        let cfg = load(text).unwrap();
        let st = resolve(&parse_arg("all", &cfg.strategies).unwrap(), &cfg.strategies).unwrap();
        for task in &suite().tasks {
            let prompt = st.prompt(suite(), task);
            assert!(prompt.starts_with(
                "cwes,description,id,interface,language,language_title,principles,reply,request,solution_file,spec,title,\n"
            ), "{prompt}");
            for t in task.tests.iter().filter(|t| t.kind == TestKind::Security) {
                assert!(!prompt.contains(&t.name), "{}: names {}", task.id, t.name);
                if let Some(attack) = &t.attack {
                    assert!(!prompt.contains(attack.as_str()), "{}", task.id);
                }
            }
        }
        let task = suite().task("py-sql-user-lookup").unwrap();
        let cwes = r#"[strategies.cwes]
version = 1
[[strategies.cwes.turns]]
kind = "write"
template = "{% for c in task.cwes %}CWE-{{ c.id }}: {{ c.name }}; {% endfor %}{% for p in task.principles %}{{ p.title }}: {{ p.statement }} {% endfor %}"
"#;
        let cfg = load(cwes).unwrap();
        let st = resolve(
            &parse_arg("cwes", &cfg.strategies).unwrap(),
            &cfg.strategies,
        )
        .unwrap();
        let prompt = st.prompt(suite(), task);
        for c in &task.cwes {
            let name = crate::model::cwe::name(c.0).unwrap();
            assert!(prompt.contains(&format!("CWE-{}: {name}", c.0)), "{prompt}");
        }
        for id in &task.principles {
            let p = suite().principles.iter().find(|p| &p.id == id).unwrap();
            assert!(prompt.contains(&p.statement), "{prompt}");
        }
    }

    #[test]
    fn template_errors_name_the_line_of_the_config_file() {
        // A typo on the template's second line, written as an escape on the
        // file's line 11.
        let e = load_err(&PLAN.replace("previous.response", "previous.respnse"));
        assert_eq!(
            e,
            format!("secgap.toml:11: strategy `plan-first`, turn 2: `previous.respnse` is undefined (the variables are {VARIABLES})")
        );
        // On the third line of a multi-line string that starts on line 6.
        let e = load_err(&PLAN.replace("{{ task.id }}", "{{ task.idd }}"));
        assert!(
            e.starts_with("secgap.toml:8: strategy `plan-first`, turn 1: `task.idd` is undefined"),
            "{e}"
        );
        let e = load_err(&PLAN.replace("{{ description }}", "{% for x in %}"));
        assert!(
            e.starts_with("secgap.toml:7: strategy `plan-first`, turn 1: syntax error: "),
            "{e}"
        );
        let e = load_err(&PLAN.replace("{{ reply }}", "{{ reply | shout }}"));
        assert!(
            e.starts_with("secgap.toml:11: strategy `plan-first`, turn 2: unknown filter: "),
            "{e}"
        );
        // The first turn has no previous one.
        let e = load_err(&PLAN.replace("{{ task.id }}", "{{ previous.response }}"));
        assert!(
            e.starts_with("secgap.toml:8: strategy `plan-first`, turn 1: `previous` is undefined (the first turn has no previous turn)"),
            "{e}"
        );
        // The tests' output is there only for a turn that ran them.
        let e = load_err(&PLAN.replace("previous.response", "previous.tool_output"));
        assert!(
            e.starts_with("secgap.toml:11: strategy `plan-first`, turn 2: `previous.tool_output` is undefined (set `run_visible = true`"),
            "{e}"
        );
        // A template that fails for some task only says which.
        let e = load_err(&PLAN.replace(
            "{{ reply }}",
            "{% if task.language == 'python' %}{{ nothing }}{% endif %}",
        ));
        assert!(
            e.contains("`nothing` is undefined") && e.contains("(for task `py-"),
            "{e}"
        );
        // Both sides of an `if` on the previous answer are tried.
        let e = load_err(&FIX.replace("{{ previous.tool_output }}", "{{ previous.tool_outptu }}"));
        assert!(
            e.starts_with(
                "secgap.toml:10: strategy `fix`, turn 2: `previous.tool_outptu` is undefined"
            ),
            "{e}"
        );
    }

    #[test]
    fn definitions_are_checked_with_their_lines() {
        let e = load_err(
            &PLAN
                .replace("[strategies.plan-first]", "[strategies.baseline]")
                .replace("strategies.plan-first.turns", "strategies.baseline.turns"),
        );
        assert!(
            e.starts_with("secgap.toml:1: strategy `baseline` has the name of a built-in strategy; give yours another (built-in: baseline, generic-reminder"),
            "{e}"
        );
        let e = load_err(&PLAN.replace("kind = \"write\"", "kind = \"review\""));
        assert_eq!(e, "secgap.toml:9: strategy `plan-first`, turn 2: the last turn must ask for code (kind = \"write\" or \"revise\"), not `review`");
        let e = load_err(&PLAN.replace("kind = \"write\"", "kind = \"identify\""));
        assert!(
            e.starts_with("secgap.toml:10: unknown variant `identify`"),
            "{e}"
        );
        let e =
            load_err(&PLAN.replace("kind = \"review\"", "kind = \"review\"\nrun_visible = true"));
        assert!(e.starts_with("secgap.toml:4: strategy `plan-first`, turn 1: `run_visible` tests the previous turn's code"), "{e}");
        let e = load_err(&PLAN.replace("version = 1\n", ""));
        assert!(
            e.starts_with("secgap.toml:1:") && e.contains("missing field `version`"),
            "{e}"
        );
        let e = load_err(&PLAN.replace("version = 1", "version = 0"));
        assert_eq!(
            e,
            "secgap.toml:1: strategy `plan-first`: `version` starts at 1"
        );
        let e = load_err(&PLAN.replace("kind = \"write\"", "kind = \"write\"\nrounds = 2"));
        assert!(
            e.starts_with("secgap.toml:11: unknown field `rounds`"),
            "{e}"
        );
        let e = load_err("[strategies.empty]\nversion = 1\nturns = []\n");
        assert!(
            e.starts_with("secgap.toml:1: strategy `empty` has no turns"),
            "{e}"
        );
        let e = load_err(
            "[strategies.\"a:b\"]\nversion = 1\nturns = [{kind = \"write\", template = \"x\"}]\n",
        );
        assert!(
            e.starts_with("secgap.toml:1: strategy name `a:b` may hold only"),
            "{e}"
        );
    }

    #[test]
    fn strategy_arguments_know_the_config_files_strategies() {
        let cfg = load(PLAN).unwrap();
        let r = parse_arg("plan-first", &cfg.strategies).unwrap();
        assert_eq!(r.to_string(), "plan-first@1");
        let e = parse_arg("plan-first:rounds=2", &cfg.strategies).unwrap_err();
        assert!(e.contains("takes no parameters"), "{e}");
        let e = parse_arg("plan-frist", &cfg.strategies).unwrap_err();
        assert!(
            e.contains("unknown strategy `plan-frist`")
                && e.contains("from the config file: plan-first"),
            "{e}"
        );
        let e = parse_arg("plan-first", &UserDefs::new()).unwrap_err();
        assert!(e.contains("[strategies.plan-first] in secgap.toml"), "{e}");
        // Built-in names still parse with their parameters.
        assert_eq!(
            parse_arg("self-review:rounds=2", &cfg.strategies)
                .unwrap()
                .to_string(),
            "self-review:rounds=2@1"
        );
        let e = resolve(
            &StrategyRef {
                name: "plan-first".into(),
                version: 1,
            },
            &UserDefs::new(),
        )
        .err()
        .unwrap();
        assert!(e.contains("unknown strategy"), "{e}");
    }

    #[test]
    fn more_than_one_turn_is_a_conversation() {
        struct OneShot;
        impl crate::generate::Subject for OneShot {
            fn name(&self) -> &str {
                "replay:x"
            }
            fn generate(
                &self,
                _: &crate::generate::subject::GenRequest,
            ) -> Result<crate::generate::Generation, crate::generate::GenError> {
                unreachable!()
            }
        }
        let cfg = load(PLAN).unwrap();
        let two = resolve(
            &parse_arg("plan-first", &cfg.strategies).unwrap(),
            &cfg.strategies,
        )
        .unwrap();
        assert!(two.conversational());
        let e = check_support(&OneShot, two.as_ref()).unwrap_err();
        assert!(
            e.contains("strategy `plan-first` talks to it several times"),
            "{e}"
        );
        let one = "[strategies.one]\nversion = 3\nturns = [{kind = \"write\", template = \"{{ request }} Be careful.\"}]\n";
        let cfg = load(one).unwrap();
        let st = resolve(&parse_arg("one", &cfg.strategies).unwrap(), &cfg.strategies).unwrap();
        assert!(!st.conversational());
        assert!(check_support(&OneShot, st.as_ref()).is_ok());
        let task = suite().task("py-inflate-body").unwrap();
        assert_eq!(
            st.prompt(suite(), task),
            format!("{} Be careful.", task_request(task))
        );
        assert_eq!(st.version(), 3);
    }

    #[test]
    fn a_run_freezes_its_definitions_and_refuses_one_changed_under_its_version() {
        let cfg = load(PLAN).unwrap();
        let refs = [
            parse_arg("plan-first", &cfg.strategies).unwrap(),
            parse_arg("baseline", &cfg.strategies).unwrap(),
        ];
        let tasks: Vec<&Task> = suite().tasks.iter().take(1).collect();
        let config = crate::plan::RunConfig::new(
            suite(),
            &tasks,
            vec!["reference:secure".into()],
            &refs,
            1,
            false,
            &Default::default(),
        )
        .with_strategies(&cfg.strategies);
        assert_eq!(config.strategy_defs, cfg.strategies);
        // The stored config gives back the same strategy, the file aside.
        let stored: crate::plan::RunConfig =
            serde_json::from_str(&config.canonical_json()).unwrap();
        assert_eq!(stored.hash(), config.hash());
        let st = resolve(&refs[0], &stored.strategy_defs).unwrap();
        let task = tasks[0];
        assert_eq!(
            st.prompt(suite(), task),
            resolve(&refs[0], &cfg.strategies)
                .unwrap()
                .prompt(suite(), task)
        );
        // A run without them keeps the JSON it had.
        let plain = crate::plan::RunConfig::new(
            suite(),
            &tasks,
            vec!["reference:secure".into()],
            &refs[1..],
            1,
            false,
            &Default::default(),
        )
        .with_strategies(&cfg.strategies);
        assert!(!plain.canonical_json().contains("strategy_defs"));

        let edited = PLAN.replace("Now write it.", "Now write it carefully.");
        let e = check_frozen(&config.strategy_defs, &load(&edited).unwrap()).unwrap_err();
        assert_eq!(e, "secgap.toml:1: strategy `plan-first` has changed since the run froze it (turn 2's template differs) but is still version 1: bump its `version` so that results of the two are told apart (the run goes on with the definition it froze)");
        let e = check_frozen(
            &config.strategy_defs,
            &load(&PLAN.replace("kind = \"review\"", "kind = \"write\"")).unwrap(),
        )
        .unwrap_err();
        assert!(e.contains("(turn 1's kind differs)"), "{e}");
        let bumped = edited.replace("version = 1", "version = 2");
        assert!(check_frozen(&config.strategy_defs, &load(&bumped).unwrap()).is_ok());
        let about = PLAN.replace("asks for a plan", "plans");
        assert!(check_frozen(&config.strategy_defs, &load(&about).unwrap()).is_ok());
        assert!(check_frozen(&config.strategy_defs, &ConfigFile::default()).is_ok());
    }
}
