//! The loader's handling of `visible`: functional tests may be held back,
//! security tests may not mention it at all, and every refusal names the
//! task.toml line that caused it.

use std::path::Path;

use super::*;

/// A one-task suite in a temporary folder whose tests are `tests`
/// (`[[tests]]` entries as written in task.toml).
fn suite_with(tests: &str) -> (tempfile::TempDir, Result<Suite, SuiteError>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "suite.toml", "name = \"t\"\nversion = \"0.0.1\"\n");
    write(
        root,
        "principles.toml",
        "[[principle]]\nid = \"check-input\"\ntitle = \"Check input\"\nstatement = \"Check it.\"\nrationale = \"Because.\"\ncwes = [20]\n",
    );
    std::fs::create_dir_all(root.join("runtime/python")).unwrap();
    let task = root.join("tasks/py-t");
    write(&task, "tests/test_task.py", "def a():\n    pass\n");
    write(&task, "refs/secure.py", "def f():\n    pass\n");
    write(&task, "refs/insecure.py", "def f():\n    pass\n");
    let manifest = format!(
        r#"id = "py-t"
title = "t"
language = "python"
cwes = [20]
principles = ["check-input"]
test_file = "tests/test_task.py"
spec = "s"
interface = "def f(): ..."

{tests}

[references]
secure = "refs/secure.py"

[[references.insecure]]
file = "refs/insecure.py"
cwe = 20
"#
    );
    write(&task, "task.toml", &manifest);
    let loaded = load(root);
    (dir, loaded)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const SECURITY: &str = r#"[[tests]]
name = "attack"
kind = "security"
cwe = 20
attack = "sends something odd""#;

/// The 1-based line of the first line of task.toml's text equal to `line`.
fn line_of(dir: &Path, line: &str) -> usize {
    let text = std::fs::read_to_string(dir.join("tasks/py-t/task.toml")).unwrap();
    text.lines()
        .position(|l| l == line)
        .expect("line in task.toml")
        + 1
}

#[test]
fn functional_tests_are_visible_unless_held_back() {
    let tests = format!(
        "[[tests]]\nname = \"shown\"\nkind = \"functional\"\n\n[[tests]]\nname = \"said_shown\"\nkind = \"functional\"\nvisible = true\n\n[[tests]]\nname = \"held\"\nkind = \"functional\"\nvisible = false\n\n{SECURITY}"
    );
    let (_dir, loaded) = suite_with(&tests);
    let suite = loaded.unwrap_or_else(|e| panic!("{e}"));
    let task = &suite.tasks[0];
    let visible: Vec<&str> = task.visible_tests().map(|t| t.name.as_str()).collect();
    assert_eq!(visible, ["shown", "said_shown"]);
    assert!(!task.test("held").unwrap().visible);
    assert!(
        !task.test("attack").unwrap().visible,
        "security tests are never visible"
    );
}

#[test]
fn a_security_test_setting_visible_is_refused_at_its_line() {
    for value in ["true", "false"] {
        let tests = format!(
            "[[tests]]\nname = \"shown\"\nkind = \"functional\"\n\n{SECURITY}\nvisible = {value}"
        );
        let (dir, loaded) = suite_with(&tests);
        let err = loaded
            .expect_err("a security test may not set visible")
            .to_string();
        let path = dir.path().join("tasks/py-t/task.toml");
        let line = line_of(dir.path(), &format!("visible = {value}"));
        let at = format!("{}:{line}: ", path.display());
        assert!(err.starts_with(&at), "expected `{at}...`, got: {err}");
        assert!(
            err.contains("security test `attack` sets `visible`")
                && err.contains("remove the `visible` line"),
            "the error says what is wrong and the fix: {err}"
        );
        assert_eq!(err.lines().count(), 1, "one problem, one line: {err}");
    }
}

#[test]
fn holding_back_every_functional_test_is_refused() {
    let tests =
        format!("[[tests]]\nname = \"held\"\nkind = \"functional\"\nvisible = false\n\n{SECURITY}");
    let (dir, loaded) = suite_with(&tests);
    let err = loaded.expect_err("no visible test is refused").to_string();
    let path = dir.path().join("tasks/py-t/task.toml");
    assert!(
        err.starts_with(&format!("{}:1: ", path.display())),
        "located at the task id: {err}"
    );
    assert!(err.contains("keep at least one visible"), "{err}");
}

#[test]
fn visible_must_be_a_boolean() {
    let tests = format!(
        "[[tests]]\nname = \"shown\"\nkind = \"functional\"\nvisible = \"no\"\n\n{SECURITY}"
    );
    let (dir, loaded) = suite_with(&tests);
    let err = loaded.expect_err("a string is not a boolean").to_string();
    let line = line_of(dir.path(), "visible = \"no\"");
    assert!(
        err.contains(&format!("task.toml:{line}: ")),
        "located at the value: {err}"
    );
}

#[test]
fn the_schema_describes_visible() {
    let schema = schemas();
    let test = &schema["task.toml"]["definitions"]["TestManifest"]["properties"]["visible"];
    assert!(
        test["type"]
            .as_array()
            .is_some_and(|t| t.contains(&"boolean".into())),
        "{test}"
    );
    assert!(test["description"]
        .as_str()
        .is_some_and(|d| d.contains("Security tests are never visible")));
}

#[test]
fn the_builtin_suite_holds_back_one_test_in_four_tasks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
    let suite = load(&root).unwrap_or_else(|e| panic!("{e}"));
    let held: Vec<(String, String)> = suite
        .tasks
        .iter()
        .filter(|t| t.web.is_none())
        .flat_map(|t| {
            t.tests
                .iter()
                .filter(|d| d.kind == TestKind::Functional && !d.visible)
                .map(|d| (t.id.clone(), d.name.clone()))
        })
        .collect();
    let expected = [
        ("c-hex-decode", "odd_digit_count"),
        ("go-upload-limit", "body_at_limit_is_accepted"),
        ("js-json-body", "multibyte_characters_split_across_chunks"),
        ("py-inflate-body", "size_limit_is_inclusive"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(t, n)| (t.to_string(), n.to_string()))
        .collect();
    assert_eq!(held, expected);
    assert_eq!(suite.manifest.version, "0.3.0");
}

/// A suite of one scenario (with the given `[[tests]]`) and the built-in
/// environments.
fn web_suite_with(tests: &str, extra: &str) -> (tempfile::TempDir, Result<Suite, SuiteError>) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let builtin = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../suites/builtin");
    write(root, "suite.toml", "name = \"t\"\nversion = \"0.0.1\"\n");
    std::fs::copy(
        builtin.join("principles.toml"),
        root.join("principles.toml"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("tasks")).unwrap();
    for env in ["flask", "express", "go-nethttp"] {
        let from = builtin.join("environments").join(env);
        let to = root.join("environments").join(env);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(&from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    let s = root.join("scenarios/shop");
    write(
        &s,
        "openapi.json",
        r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}"#,
    );
    write(&s, "refs/flask/secure.py", "pass\n");
    write(&s, "refs/flask/bad.py", "pass\n");
    let manifest = format!(
        r#"id = "shop"
title = "Shop"
cwes = [22]
principles = ["path-confine-to-base"]
openapi = "openapi.json"
spec = "A shop."
{extra}
{tests}

[references.flask]
secure = "refs/flask/secure.py"
insecure = [{{ file = "refs/flask/bad.py", cwe = 22 }}]
"#
    );
    write(&s, "scenario.toml", &manifest);
    let loaded = load(root);
    (dir, loaded)
}

const WEB_TESTS: &str = r#"
[[tests]]
name = "works"
kind = "functional"
[[tests.steps]]
method = "post"
path = "/login"
json = { user = "a{{rand}}" }
capture = { token = "/token" }
[[tests.steps]]
path = "/me"
headers = { Authorization = "Bearer {{token}}" }
expect_status = [200, 201]

[[tests]]
name = "exploit"
kind = "security"
cwe = 22
attack = "Reads the secret."
[[tests.steps]]
path = "/files?name=../../secret.txt"
expect_no_secret = true
[[tests.steps]]
check = "no_file_outside"
"#;

#[test]
fn a_scenario_becomes_one_task_per_environment_with_references() {
    let (_d, loaded) = web_suite_with(WEB_TESTS, "");
    let suite = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(suite.environments.len(), 3);
    let task = suite.task("shop.flask").expect("the flask task");
    assert!(
        suite.task("shop.express").is_none(),
        "no express references"
    );
    let web = task.web.as_ref().unwrap();
    assert_eq!(
        (web.scenario.as_str(), web.environment.id.as_str()),
        ("shop", "flask")
    );
    assert_eq!(task.solution_file, "app.py");
    assert_eq!(task.language.name(), "python");
    assert_eq!(task.tests.len(), 2);
    assert!(task.tests[0].visible && !task.tests[1].visible);
    match &web.tests[0].steps[0].action {
        web::Action::Request(r) => {
            assert_eq!(r.method, "POST");
            assert!(matches!(&r.capture[0].1, web::Capture::Json(p) if p == "/token"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        web.tests[1].steps[1].action,
        web::Action::Check(web::Check::NoFileOutside)
    ));
    assert!(web.limits.memory_mb == 512 && web.limits.startup_secs == 20);
}

#[test]
fn scenario_mistakes_are_named_at_their_line() {
    // A variable used before any step captured it.
    let tests = WEB_TESTS.replace("Bearer {{token}}", "Bearer {{tokn}}");
    let (d, loaded) = web_suite_with(&tests, "");
    let err = loaded.unwrap_err().to_string();
    let file = d.path().join("scenarios/shop/scenario.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let line = 1 + text.lines().position(|l| l == "name = \"works\"").unwrap();
    assert!(
        err.contains(&format!(
            "{}:{line}: test `works`, step 2: unknown variable `{{{{tokn}}}}`",
            file.display()
        )),
        "{err}"
    );
    // A check without what it needs, a request and a check in one step.
    let tests = WEB_TESTS.replace(
        "check = \"no_file_outside\"",
        "check = \"no_weak_password\"",
    );
    let err = web_suite_with(&tests, "").1.unwrap_err().to_string();
    assert!(err.contains("needs `password = \"...\"`"), "{err}");
    let tests = WEB_TESTS.replace(
        "check = \"no_file_outside\"",
        "check = \"alive\"\npath = \"/x\"",
    );
    let err = web_suite_with(&tests, "").1.unwrap_err().to_string();
    assert!(err.contains("a request or a `check`, not both"), "{err}");
    // An unknown check, with the list of known ones from the parser.
    let tests = WEB_TESTS.replace("check = \"no_file_outside\"", "check = \"no_files\"");
    let err = web_suite_with(&tests, "").1.unwrap_err().to_string();
    assert!(
        err.contains("no_file_outside") && err.contains("scenario.toml:"),
        "{err}"
    );
    // A script that is not in the scenario folder; a restart with a request.
    let tests = WEB_TESTS.replace("check = \"no_file_outside\"", "script = \"../x.py\"");
    let err = web_suite_with(&tests, "").1.unwrap_err().to_string();
    assert!(
        err.contains("`script = \"../x.py\"` must name a file inside the scenario folder"),
        "{err}"
    );
    let tests = WEB_TESTS.replace(
        "check = \"no_file_outside\"",
        "restart = true\npath = \"/x\"",
    );
    let err = web_suite_with(&tests, "").1.unwrap_err().to_string();
    assert!(
        err.contains("`restart` and `script` are steps of their own"),
        "{err}"
    );
    // An exploit for a CWE the scenario does not list.
    let tests = WEB_TESTS.replace("cwe = 22\nattack", "cwe = 79\nattack");
    let err = web_suite_with(&tests, "").1.unwrap_err().to_string();
    assert!(
        err.contains("probes CWE-79, which is not in the scenario's `cwes`"),
        "{err}"
    );
    // Not an OpenAPI 3 document.
    let (d, _) = web_suite_with(WEB_TESTS, "");
    std::fs::write(
        d.path().join("scenarios/shop/openapi.json"),
        "{\"swagger\": \"2.0\"}",
    )
    .unwrap();
    let err = load(d.path()).unwrap_err().to_string();
    assert!(
        err.contains("openapi.json:1: not an OpenAPI 3 document"),
        "{err}"
    );
}

#[test]
fn every_cwe_of_a_scenario_needs_an_insecure_reference_in_each_environment() {
    let (d, loaded) = web_suite_with(WEB_TESTS, "");
    assert!(loaded.is_ok());
    let p = d.path().join("scenarios/shop/scenario.toml");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("cwes = [22]", "cwes = [22, 79]");
    std::fs::write(&p, text).unwrap();
    let err = load(d.path()).unwrap_err().to_string();
    assert!(
        err.contains("environment `flask` has no insecure reference for CWE-79"),
        "{err}"
    );
}
