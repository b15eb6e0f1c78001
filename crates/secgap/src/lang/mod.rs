//! Languages: everything secgap knows about the language a task is
//! written in, one plug-in per language.
//!
//! A language is one file here implementing [`LanguageSupport`], one line
//! in [`PLUGINS`], and its check library under the suite's
//! `runtime/<language>/` folder. The rest of the crate holds a
//! [`Language`] handle and asks it (build and test commands, fence tags,
//! prompt wording, scaffold, ...); no other file matches on languages.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use schemars::gen::SchemaGenerator;
use schemars::schema::{InstanceType, Schema, SchemaObject};
use schemars::JsonSchema;
use serde::de::{self, Deserializer, EnumAccess, VariantAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

mod c;
mod go;
mod javascript;
mod python;
pub(crate) mod scan;
mod tamper;

/// Every language secgap supports, one line each.
///
/// The order is the order of listings (`--help`, `secgap doctor`, the
/// schema's enum) and of sorted collections keyed by language; it was the
/// variant order of the enum this registry replaced. Add new languages at
/// the end so stored orderings stay as they are.
const PLUGINS: &[&dyn LanguageSupport] =
    &[&python::Python, &c::C, &javascript::JavaScript, &go::Go];

/// Where the execution stage mounts things inside the sandbox.
pub mod layout {
    /// The language's check library (read-only).
    pub const RUNTIME: &str = "/runtime";
    /// The task's test folder (read-only).
    pub const TESTS: &str = "/tests";
    /// Build output (writable during the build, read-only during tests).
    pub const BUILD: &str = "/build";
    /// The private, writable workspace; the candidate's file sits here read-only.
    pub const WORK: &str = "/work";
}

/// Everything language-specific, implemented once per language.
///
/// Implementations are unit structs in this folder, registered in
/// [`PLUGINS`]; the crate reaches them through a [`Language`] handle,
/// which dereferences to this trait.
pub trait LanguageSupport: Sync {
    /// The language's id: in `task.toml`, run configs, stored rows and on
    /// the command line. Changing it breaks stored data and config hashes.
    fn name(&self) -> &'static str;

    /// Other spellings the command line accepts (`--language py`).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// The language's name in prose ("a Python function").
    fn display_name(&self) -> &'static str;

    /// How the baseline prompt names the language and the dialect the
    /// candidate must be written in.
    fn prompt_title(&self) -> &'static str;

    /// Folder of the check library under the suite's `runtime/`.
    fn runtime_dir_name(&self) -> &'static str {
        self.name()
    }

    /// File the candidate's code is written to unless the task names one.
    fn default_solution_file(&self) -> &'static str;

    /// Info strings of fenced code blocks that hold code in this language;
    /// the first is the one secgap writes in prompts.
    fn fence_tags(&self) -> &'static [&'static str];

    /// A cheap guess whether `code` is written in this language.
    fn looks_like(&self, code: &str) -> bool;

    /// Names of the top-level functions `interface` declares, in order
    /// (use [`interface_names`], which also drops repeats).
    fn function_names(&self, interface: &str) -> Vec<String>;

    /// Build step, run once per sample before the tests (None: nothing to
    /// build). It checks that the candidate defines every function of
    /// [`TaskFiles::interface`] and exits with [`INTERFACE_MISSING`] when
    /// one is missing; the candidate's own `main`, if it wrote one, must
    /// never collide with the test binary's.
    fn build(&self, _files: &TaskFiles) -> Option<Invocation> {
        None
    }

    /// Load step for languages without a build: loads the candidate once,
    /// as the tests will, and reports on the results channel, as test
    /// [`LOAD_CHECK`], whether it loaded and defines every function of
    /// [`TaskFiles::interface`]. Runs after the build and before any test;
    /// a failure is the sample's load error and no test runs.
    fn load(&self, _files: &TaskFiles) -> Option<Invocation> {
        None
    }

    /// Command line that runs one test and reports on the results channel.
    fn test(&self, files: &TaskFiles, test_name: &str) -> Invocation;

    /// Whether the test's name reaches the test process as a second line
    /// on fd 4, after the nonce, rather than on its command line (where the
    /// candidate would read it in `/proc/self/cmdline`): then
    /// [`test`](Self::test) leaves it out of `argv`, and the check library
    /// reads it with the nonce, before any code of the candidate runs.
    fn test_name_on_channel(&self) -> bool {
        false
    }

    /// Whether a test process needs the task's test folder
    /// ([`layout::TESTS`]); false where the build compiles the tests into
    /// the test program, so that the candidate cannot read them.
    fn tests_mounted_for_tests(&self) -> bool {
        true
    }

    /// Harness-aware code rejected before any test runs: called after a
    /// successful build with the candidate's source and the build folder
    /// on the host (what the build left there, such as objects to
    /// inspect). `Some` says what was found; the sample's failure is then
    /// `tampering` and no test runs. The build ran only the toolchain, so
    /// what it left is the harness's word, not the candidate's.
    fn tampering(&self, _source: &str, _build: &std::path::Path) -> anyhow::Result<Option<String>> {
        Ok(None)
    }

    /// Prepare a sample's staged copies of the check library and the
    /// task's tests on the host, before any sandbox starts (e.g. compile
    /// them once instead of in every test's processes). Only trusted files
    /// are in these folders; the sandbox mounts both read-only, and the
    /// caller makes what this writes there readable to the sandbox's user.
    /// A failure costs time, not correctness: the caller ignores it.
    fn prepare_stage(
        &self,
        _runtime: &std::path::Path,
        _tests: &std::path::Path,
    ) -> Result<(), String> {
        Ok(())
    }

    /// For a run that does not start every test: rewrite the sample's
    /// staged copy of the task's tests (on the host, before any sandbox
    /// starts) so that the program the build makes leaves out the declared
    /// tests named in `withheld`. Only trusted files are in the folder.
    /// `Err` says why the tests' shape could not be rewritten; the caller
    /// then keeps the copy as it was (those tests are compiled in but never
    /// started), so a failure changes no verdict. A language can instead
    /// leave them out in its build (C reads [`TaskFiles::withheld`]).
    fn withhold_tests(&self, _tests: &std::path::Path, _withheld: &[String]) -> Result<(), String> {
        Ok(())
    }

    /// The worker: the process the candidate's code runs in, apart from
    /// the tests (None: the candidate runs in the test's own process).
    ///
    /// When a language has one, the load check and every test run as a
    /// pair. The [`load`](LanguageSupport::load) or
    /// [`test`](LanguageSupport::test) command is the checker: it holds the
    /// tests, the check library and the results channel, and finds in the
    /// environment variable `SECGAP_WORKER` the command line (a JSON array)
    /// that starts this worker in a sandbox of its own, nested in the
    /// checker's. The checker starts it with descriptor 3 reading the calls
    /// it sends and descriptor 4 writing the replies, and nothing else. The
    /// worker sees the candidate's file and the shared workspace
    /// ([`layout::WORK`]), the check library's folder read-only, and never
    /// the tests; its command line names no test.
    fn worker(&self, _files: &TaskFiles) -> Option<Invocation> {
        None
    }

    /// Whether tasks may ask for a race-detector build (`race_detector`
    /// in `task.toml`, passed on as [`TaskFiles::race_detector`]).
    fn race_detector(&self) -> bool {
        false
    }

    /// Host programs this language needs, with the Debian package that has each.
    fn toolchain(&self) -> &'static [(&'static str, &'static str)];

    /// Checks `secgap doctor` runs beyond the toolchain's presence.
    fn host_checks(&self) -> Vec<HostCheck> {
        Vec::new()
    }

    /// Words the HTML report's highlighter marks as keywords.
    fn highlight_keywords(&self) -> &'static [&'static str];

    /// The language's files of a new task folder (`secgap new task`).
    fn scaffold(&self) -> Scaffold;

    /// What the extraction stage needs to know about a piece of code (one
    /// block of a response): what it defines at top level, what it uses,
    /// and whether it only tests or demonstrates code defined elsewhere.
    fn code_facts(&self, code: &str) -> CodeFacts;

    /// Several pieces of one response as one source file, in the order
    /// given; also applied to a single piece. The default puts a blank
    /// line between them.
    fn join_code(&self, parts: &[&str]) -> String {
        parts.join("\n\n")
    }
}

/// What a piece of code defines and uses, as far as extraction needs to
/// know ([`LanguageSupport::code_facts`]). Found by a cheap scan that
/// ignores comments and string literals, not by a parser: it must be fast
/// and must not fail on code that does not compile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeFacts {
    /// Top-level functions defined with a body, in order (prototypes,
    /// calls and methods are not definitions).
    pub functions: Vec<String>,
    /// Other top-level names the code binds: types, classes, constants,
    /// variables, macros, methods.
    pub others: Vec<String>,
    /// The names its imports bind (`os`, `fs`, `rand`); binding one twice
    /// is harmless, or the language's [`LanguageSupport::join_code`] makes it so.
    pub imports: Vec<String>,
    /// Every identifier the code mentions outside comments and literals.
    pub mentions: std::collections::BTreeSet<String>,
    /// Defined functions that are test or demo entry points (`main`,
    /// `test_*`, `TestX`, ...).
    pub entry_points: Vec<String>,
    /// It runs code at top level when loaded: calls, asserts, prints,
    /// test registrations (a script, not a library).
    pub runs_code: bool,
    /// Nothing but a preamble: imports, includes, a package clause.
    pub preamble_only: bool,
}

impl CodeFacts {
    /// Every name the code binds at top level, imports included.
    pub fn defined(&self) -> impl Iterator<Item = &String> {
        self.definitions().chain(&self.imports)
    }

    /// The names it defines itself (not imports): two pieces that both
    /// define one cannot be joined.
    pub fn definitions(&self) -> impl Iterator<Item = &String> {
        self.functions.iter().chain(&self.others)
    }

    /// Whether the code only tests or demonstrates: it runs code when
    /// loaded, or every function it defines is an entry point.
    pub fn is_test_or_demo(&self) -> bool {
        self.runs_code
            || (!self.entry_points.is_empty()
                && self.functions.iter().all(|f| self.entry_points.contains(f)))
    }
}

/// A language, as the rest of the crate passes it around.
///
/// A private index into [`PLUGINS`], dereferencing to the language's
/// [`LanguageSupport`]. Why an index: it is `Copy` and one byte, every value
/// names a registered language, and equality, ordering and hashing are
/// derived from the registry position, which is the variant order of the
/// enum this replaced, so sorted collections keep their order. A plain enum
/// would need a new variant and match arms per language; a handle holding
/// `&'static dyn LanguageSupport` would have no meaningful equality or
/// ordering of its own (trait-object pointers are not stable identities).
///
/// Serialized as the language's [`name`](LanguageSupport::name), exactly
/// as the enum was (a unit variant), with the same JSON schema and the
/// same errors for unknown names.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Language(u8);

const COUNT: usize = PLUGINS.len();
const _: () = assert!(COUNT <= u8::MAX as usize, "a Language index is one byte");

impl Language {
    /// Every registered language, in registry order.
    pub const ALL: [Language; COUNT] = {
        let mut all = [Language(0); COUNT];
        let mut i = 0;
        while i < COUNT {
            all[i] = Language(i as u8);
            i += 1;
        }
        all
    };

    /// The language whose [`name`](LanguageSupport::name) is exactly `name`
    /// (no aliases, case-sensitive: what serialized data holds).
    pub fn named(name: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The plug-in behind this handle.
    pub fn support(self) -> &'static dyn LanguageSupport {
        PLUGINS[self.0 as usize]
    }

    /// Every language's name, listed for people: `python, c, javascript{last}go`.
    pub fn listed(last: &str) -> String {
        let names: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
        join_list(&names, last)
    }
}

impl std::ops::Deref for Language {
    type Target = dyn LanguageSupport;
    fn deref(&self) -> &Self::Target {
        self.support()
    }
}

/// `a, b, c{last}d`: the items separated by commas, the last by `last`.
pub fn join_list(items: &[&str], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., end] => format!("{}{last}{end}", rest.join(", ")),
    }
}

/// The test name the [`load`](LanguageSupport::load) step reports under.
pub const LOAD_CHECK: &str = "secgap:load";

/// Exit status of a build that compiled but found a function of the
/// interface undefined (a load error, not a build error).
pub const INTERFACE_MISSING: i32 = 3;

/// Where code lives in the paths a sanitizer or race report names, so an
/// oracle can tell the candidate's frames from the harness's.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// Path prefixes of the candidate's code.
    pub candidate: Vec<String>,
    /// Path prefixes of the harness's code: the check library and the
    /// task's tests. Frames in neither (libc, the toolchain) are skipped.
    pub harness: Vec<String>,
}

/// A command to run inside the sandbox.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub argv: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The process is built with sanitizers (ASan/UBSan, or Go's race
    /// detector), which need a large address space: no RLIMIT_AS, memory is
    /// bounded through the sanitizer. Their reports reach the harness on
    /// the results channel (relayed by the check library from a log file
    /// named with [`TaskFiles::secret`]), never from stderr.
    pub sanitized: bool,
    /// Where the candidate's and the harness's code live, for attributing
    /// sanitizer and race reports (empty when not sanitized).
    pub sources: Sources,
    /// The runtime reserves this much address space up front (V8): the
    /// address-space limit is raised to at least this.
    pub min_address_space_mb: Option<u64>,
}

/// What a build or test invocation needs to know about a task.
#[derive(Debug, Clone)]
pub struct TaskFiles<'a> {
    pub solution_file: &'a str,
    pub test_file_name: &'a str,
    /// Build with the race detector (only languages whose
    /// [`race_detector`](LanguageSupport::race_detector) is true; the
    /// suite refuses it for the others).
    pub race_detector: bool,
    /// The functions the candidate must define (the task's interface).
    pub interface: &'a [String],
    /// An unguessable token, fresh per sample, for names the candidate
    /// must not predict (the sanitizer log files).
    pub secret: &'a str,
    /// The declared tests this sample's run does not start (a visible
    /// run's held-back and security tests); empty when it starts them all.
    /// A language whose build compiles the tests into one program with the
    /// candidate leaves these out of that program where it can (see
    /// [`LanguageSupport::withhold_tests`]), so that the candidate's
    /// process does not hold their code.
    pub withheld: &'a [String],
}

/// One finding of `secgap doctor` about the host.
#[derive(Debug, Clone)]
pub struct HostCheck {
    pub name: String,
    pub ok: bool,
    pub detail: String,
    /// How to fix it (shown when not ok).
    pub fix: String,
}

/// A language's files of a new task (`secgap new task`); the task.toml
/// around them is the same for every language.
#[derive(Debug, Clone)]
pub struct Scaffold {
    /// The interface task.toml declares.
    pub interface: &'static str,
    /// task.toml's `test_file`, relative to the task folder.
    pub test_file: &'static str,
    /// task.toml's `references.secure`.
    pub secure_ref: &'static str,
    /// task.toml's one `references.insecure` file.
    pub insecure_ref: &'static str,
    /// Every file but task.toml, relative to the task folder, in the
    /// order they are written.
    pub files: Vec<(&'static str, String)>,
}

pub(crate) fn base_env() -> Vec<(String, String)> {
    [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("HOME", layout::WORK),
        ("TMPDIR", "/tmp"),
        ("LANG", "C.UTF-8"),
        ("LC_ALL", "C.UTF-8"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Names of the functions a task's interface declares (what the candidate must define).
pub fn interface_names(lang: Language, interface: &str) -> Vec<String> {
    let mut names = lang.function_names(interface);
    names.dedup();
    names
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// As the enum's derived `Debug` printed it: the variant name.
impl fmt::Debug for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

impl std::str::FromStr for Language {
    type Err = String;
    /// A name or alias, in any case (the command line's `--language`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.to_ascii_lowercase();
        Language::ALL
            .into_iter()
            .find(|l| l.name() == wanted || l.aliases().contains(&wanted.as_str()))
            .ok_or_else(|| {
                format!(
                    "unknown language `{wanted}` (known: {})",
                    Language::listed(", ")
                )
            })
    }
}

/// Every name, for serde's "expected one of" and the JSON schema.
fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| PLUGINS.iter().map(|p| p.name()).collect())
}

// Serde and the schema see a unit-only enum named `Language`, as they did
// when it was one, so every format writes and reads the same text and
// reports the same errors.
const SERDE_NAME: &str = "Language";

impl Serialize for Language {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit_variant(SERDE_NAME, u32::from(self.0), self.name())
    }
}

impl<'de> Deserialize<'de> for Language {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_enum(SERDE_NAME, names(), EnumVisitor)
    }
}

struct EnumVisitor;

impl<'de> Visitor<'de> for EnumVisitor {
    type Value = Language;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("enum Language")
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Language, A::Error> {
        let (Variant(lang), variant) = data.variant()?;
        variant.unit_variant()?;
        Ok(lang)
    }
}

/// The variant identifier inside an enum value: a name or an index.
struct Variant(Language);

impl<'de> Deserialize<'de> for Variant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_identifier(VariantVisitor).map(Variant)
    }
}

struct VariantVisitor;

impl<'de> Visitor<'de> for VariantVisitor {
    type Value = Language;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("variant identifier")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Language, E> {
        match usize::try_from(v) {
            Ok(i) if i < COUNT => Ok(Language::ALL[i]),
            _ => Err(E::invalid_value(
                de::Unexpected::Unsigned(v),
                &format!("variant index 0 <= i < {COUNT}").as_str(),
            )),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Language, E> {
        Language::named(v).ok_or_else(|| E::unknown_variant(v, names()))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Language, E> {
        let text = String::from_utf8_lossy(v);
        Language::named(&text).ok_or_else(|| E::unknown_variant(&text, names()))
    }
}

impl JsonSchema for Language {
    fn schema_name() -> String {
        SERDE_NAME.into()
    }
    fn schema_id() -> Cow<'static, str> {
        Cow::Borrowed(concat!(module_path!(), "::Language"))
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        SchemaObject {
            instance_type: Some(InstanceType::String.into()),
            enum_values: Some(names().iter().map(|n| (*n).into()).collect()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_names_round_trip() {
        for l in Language::ALL {
            assert_eq!(l.name().parse::<Language>().unwrap(), l);
            let json = serde_json::to_string(&l).unwrap();
            assert_eq!(json, format!("\"{}\"", l.name()));
            assert_eq!(serde_json::from_str::<Language>(&json).unwrap(), l);
            assert_eq!(Language::named(l.name()), Some(l));
        }
        assert_eq!(
            "js".parse::<Language>().unwrap(),
            Language::named("javascript").unwrap()
        );
    }

    /// Stored data, sorted collections and listings depend on these names
    /// and this order.
    #[test]
    fn registry_starts_with_the_original_four_in_order() {
        let names: Vec<&str> = Language::ALL.iter().map(|l| l.name()).collect();
        assert_eq!(names[..4], ["python", "c", "javascript", "go"]);
        assert!(Language::named("python") < Language::named("go"));
    }

    #[test]
    fn names_and_aliases_are_unique_and_lowercase() {
        let mut seen = std::collections::BTreeSet::new();
        for l in Language::ALL {
            for n in std::iter::once(&l.name()).chain(l.aliases()) {
                assert_eq!(*n, n.to_ascii_lowercase(), "{n} is matched lowercased");
                assert!(seen.insert(*n), "{n} names two languages");
            }
            assert!(!l.fence_tags().is_empty(), "{l} has no fence tag");
        }
    }

    #[test]
    fn unknown_names_are_refused_as_by_the_enum() {
        let quoted: Vec<String> = names().iter().map(|n| format!("`{n}`")).collect();
        let e = serde_json::from_str::<Language>("\"Python\"").unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "unknown variant `Python`, expected one of {} at line 1 column 8",
                quoted.join(", ")
            )
        );
        assert_eq!(
            "rust".parse::<Language>().unwrap_err(),
            format!("unknown language `rust` (known: {})", names().join(", "))
        );
    }

    #[test]
    fn schema_is_the_enum_of_names() {
        let schema = schemars::schema_for!(Language);
        let v = serde_json::to_value(&schema).unwrap();
        assert_eq!(v["type"], "string");
        assert_eq!(v["enum"], serde_json::json!(names()));
    }

    #[test]
    fn lists_join_with_the_last_separator() {
        assert_eq!(join_list(&[], " or "), "");
        assert_eq!(join_list(&["go"], " or "), "go");
        assert_eq!(join_list(&["a", "b", "c"], " or "), "a, b or c");
        assert!(Language::listed(" or ").starts_with("python, c, javascript"));
    }
}
