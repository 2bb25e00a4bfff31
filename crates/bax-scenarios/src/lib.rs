//! The built-in scenarios.
//!
//! Each scenario is one folder under `src/`, and everything about it lives there:
//! `scenario.toml` (id, flags, tools, the reference app's weaknesses and the
//! deliberate differences from BaxBench), `openapi.yaml` (the API contract,
//! identical to BaxBench's, described in bax's own words), `text_spec.md` (the
//! same API in prose), `instructions.md` (extra instructions, possibly empty),
//! `mod.rs` (the tests, declared once with [`tests!`]: names, order and CWEs)
//! and `reference/<env-dir>/` (a reference app per framework, e.g.
//! `reference/Python-Flask/app.py`, compiled into the binary by `build.rs`).
//! Adding a scenario means adding a folder and one line to the `scenarios!`
//! list below.
//!
//! The registry is parsed once, on first use, into a typed table ([`spec`],
//! [`all`], [`tests`], [`weaknesses`], [`differences`], [`reference_files`],
//! [`reference_answer`] all read it).

pub mod app;
pub mod cookies;
pub mod exploits;
pub mod fixtures;
pub mod harness;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use bax_catalog::model::{count_endpoints, escape_path_component};
use bax_catalog::{ScenarioSpec, SecurityTestSpec};
use harness::{FunctionalFn, ScenarioTests, SecurityFn};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioToml {
    id: String,
    short_app_description: String,
    needs_db: bool,
    needs_secret: bool,
    #[serde(default)]
    system_tools: Vec<String>,
    #[serde(default)]
    npm_packages: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    needed_packages: BTreeMap<String, Vec<String>>,
    /// What provisioning installs for this scenario (`[provision]`).
    #[serde(default)]
    provision: bax_catalog::SystemNeeds,
    #[serde(default)]
    weaknesses: Vec<Weakness>,
    #[serde(default)]
    differences: Vec<Difference>,
    /// Tests that measure time or resources (a monitoring window, a memory
    /// reading): the scheduler gives them CPUs that are not overcommitted, and
    /// the verdict cache keeps their verdicts only once they are stable.
    #[serde(default)]
    timing_sensitive: Vec<String>,
}

/// A switchable weakness of a scenario's reference app (`BAX_WEAKNESS=<name>`)
/// and the security test that must catch it.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct Weakness {
    pub name: String,
    /// The security test that must report `cwe` under this weakness.
    pub test: String,
    pub cwe: u32,
}

/// A test whose behaviour bax deliberately changed from BaxBench's (for
/// example a test upstream can never complete). Verdicts of such a test are not
/// comparable one to one, so the corpus comparison reports them apart.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct Difference {
    pub test: String,
    /// One line: what bax does differently and why (docs/fidelity.md has more).
    pub why: String,
}

/// The tests of one scenario, as its `mod.rs` declares them with [`tests!`]:
/// the one place their names, their order (BaxBench's) and the CWEs of the
/// security tests are written.
pub struct DeclaredTests {
    pub functional: &'static [(&'static str, FunctionalFn)],
    /// Name, the CWEs the test covers (BaxBench's inferred set, sorted), function.
    pub security: &'static [(&'static str, &'static [u32], SecurityFn)],
}

/// Declares a scenario's tests in its `mod.rs`, in BaxBench's order:
///
/// ```ignore
/// tests! {
///     functional: [func_test_expressions],
///     security: [sec_test_code_injection => [94], sec_test_dos_expression => [400]],
/// }
/// ```
///
/// Each test's name is its function's name (`stringify!`), so names cannot
/// drift from the code; the registry fills the scenario's `functional_tests`
/// and `security_tests` from this.
macro_rules! tests {
    (
        functional: [$($f:ident),* $(,)?],
        security: [$($s:ident => [$($cwe:literal),* $(,)?]),* $(,)?] $(,)?
    ) => {
        /// This scenario's tests (see [`crate::DeclaredTests`]).
        pub(crate) const TESTS: $crate::DeclaredTests = $crate::DeclaredTests {
            functional: &[$((stringify!($f), $f as $crate::harness::FunctionalFn)),*],
            security: &[$((stringify!($s), &[$($cwe),*], $s as $crate::harness::SecurityFn)),*],
        };
    };
}

/// The files of one scenario folder and its declared tests, compiled in.
struct ScenarioFiles {
    folder: &'static str,
    toml: &'static str,
    openapi: &'static str,
    text_spec: &'static str,
    instructions: &'static str,
    /// The tests' source (`mod.rs`), for the suite's content hash.
    source: &'static str,
    tests: &'static DeclaredTests,
}

macro_rules! scenarios {
    ($($folder:ident),* $(,)?) => {
        $(mod $folder;)*
        const FOLDERS: &[ScenarioFiles] = &[$(ScenarioFiles {
            folder: stringify!($folder),
            toml: include_str!(concat!(stringify!($folder), "/scenario.toml")),
            openapi: include_str!(concat!(stringify!($folder), "/openapi.yaml")),
            text_spec: include_str!(concat!(stringify!($folder), "/text_spec.md")),
            instructions: include_str!(concat!(stringify!($folder), "/instructions.md")),
            source: include_str!(concat!(stringify!($folder), "/mod.rs")),
            tests: &$folder::TESTS,
        }),*];
    };
}

// The registry: one line per scenario folder.
scenarios![
    calculator,
    click_count,
    credit_card_service,
    logger,
    login,
    forum,
    file_search,
    monitor,
    pdf_cat,
    pdf_to_text,
    compiler,
    image_converter,
    image_transfer,
    frame_extract,
    secret_storage,
    song_downloader,
    recipes,
    recommendation_service,
    shopping_cart_service,
    unsubscribe,
    uptime_service,
    wiki,
    profile_collection,
    zip_to_txt,
    regex_search,
    product_catalog,
    shop_overview,
    user_creation,
];

// `REFERENCE_STORE`: every file of every `src/<folder>/reference/<env-dir>/`.
include!(concat!(env!("OUT_DIR"), "/references.rs"));

/// The files of one reference app: (path relative to the app folder, bytes).
type RefFiles = &'static [(&'static str, &'static [u8])];

/// One scenario of the registry, parsed.
struct Entry {
    /// The scenario's folder under `src/`.
    folder: &'static str,
    spec: ScenarioSpec,
    tests: &'static DeclaredTests,
    weaknesses: Vec<Weakness>,
    differences: Vec<Difference>,
    timing_sensitive: Vec<String>,
    /// The content hash of everything that decides this scenario's verdicts.
    suite_hash: String,
    /// Reference apps by env dir (`Python-Flask`, `Go-net-http`), sorted.
    references: BTreeMap<&'static str, RefFiles>,
}

impl Entry {
    fn load(f: &ScenarioFiles) -> Entry {
        // The data is compiled in and checked by this crate's tests, so a malformed
        // folder is a build-time bug, not a user error.
        let t: ScenarioToml = toml::from_str(f.toml)
            .unwrap_or_else(|e| panic!("{}/scenario.toml is invalid: {e}", f.folder));
        let num_endpoints = count_endpoints(f.openapi)
            .unwrap_or_else(|e| panic!("{}/openapi.yaml is invalid: {e}", f.folder));
        let security_tests: Vec<SecurityTestSpec> = f
            .tests
            .security
            .iter()
            .map(|(name, cwes, _)| SecurityTestSpec {
                name: name.to_string(),
                cwes: cwes.to_vec(),
            })
            .collect();
        let spec = ScenarioSpec {
            potential_cwes: ScenarioSpec::derive_potential_cwes(&security_tests),
            id: t.id,
            short_app_description: t.short_app_description,
            api_spec: f.openapi.to_string(),
            text_spec: f.text_spec.to_string(),
            scenario_instructions: f.instructions.trim_end().to_string(),
            needs_db: t.needs_db,
            needs_secret: t.needs_secret,
            needed_packages: t.needed_packages,
            system_tools: t.system_tools,
            npm_packages: t.npm_packages,
            provision: t.provision,
            functional_tests: f
                .tests
                .functional
                .iter()
                .map(|(n, _)| n.to_string())
                .collect(),
            security_tests,
            num_endpoints,
        };
        let references = REFERENCE_STORE
            .iter()
            .filter(|(folder, _, _)| *folder == f.folder)
            .map(|(_, env, files)| (*env, *files))
            .collect();
        for name in &t.timing_sensitive {
            if !spec.functional_tests.contains(name)
                && !spec.security_tests.iter().any(|s| s.name == *name)
            {
                panic!(
                    "{}/scenario.toml: timing_sensitive names {name}, which is not one of its tests",
                    f.folder
                );
            }
        }
        let suite_hash = hash_suite(f);
        Entry {
            folder: f.folder,
            spec,
            tests: f.tests,
            weaknesses: t.weaknesses,
            differences: t.differences,
            timing_sensitive: t.timing_sensitive,
            suite_hash,
            references,
        }
    }
}

/// The harness every scenario's tests run on: part of every suite hash.
const HARNESS_SOURCES: &[&str] = &[
    include_str!("lib.rs"),
    include_str!("harness.rs"),
    include_str!("app.rs"),
    include_str!("cookies.rs"),
    include_str!("exploits.rs"),
    include_str!("fixtures.rs"),
];

/// SHA-256 over the bax version, the shared harness and the scenario's own
/// files (tests, data, the API it serves), each length-prefixed.
fn hash_suite(f: &ScenarioFiles) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let parts = [env!("CARGO_PKG_VERSION"), f.folder]
        .into_iter()
        .chain(HARNESS_SOURCES.iter().copied())
        .chain([f.toml, f.source, f.openapi, f.text_spec, f.instructions]);
    for part in parts {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    format!("{:x}", h.finalize())
}

/// Every scenario, sorted by id (the catalog's order).
static REGISTRY: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    let mut v: Vec<Entry> = FOLDERS.iter().map(Entry::load).collect();
    v.sort_by(|a, b| a.spec.id.cmp(&b.spec.id));
    if let Some(w) = v.windows(2).find(|w| w[0].spec.id == w[1].spec.id) {
        panic!(
            "scenario id {} is declared by both {} and {}",
            w[0].spec.id, w[0].folder, w[1].folder
        );
    }
    v
});

fn entry(id: &str) -> Option<&'static Entry> {
    let r = &*REGISTRY;
    r.binary_search_by(|e| e.spec.id.as_str().cmp(id))
        .ok()
        .map(|i| &r[i])
}

/// Every built-in scenario, sorted by id.
pub fn all() -> Vec<ScenarioSpec> {
    REGISTRY.iter().map(|e| e.spec.clone()).collect()
}

/// Scenario `id` (BaxBench's id, e.g. `Calculator`).
pub fn spec(id: &str) -> Option<&'static ScenarioSpec> {
    entry(id).map(|e| &e.spec)
}

/// The tests of scenario `id`, in BaxBench's order and with its names.
pub fn tests(id: &str) -> Option<ScenarioTests> {
    let t = entry(id)?.tests;
    Some(ScenarioTests {
        functional: t.functional.to_vec(),
        security: t.security.iter().map(|(n, _, f)| (*n, *f)).collect(),
    })
}

/// The weaknesses of scenario `id`'s reference apps.
pub fn weaknesses(id: &str) -> Vec<Weakness> {
    entry(id).map(|e| e.weaknesses.clone()).unwrap_or_default()
}

/// Whether `test` of scenario `id` measures time or resources (its
/// scenario.toml's `timing_sensitive`).
pub fn is_timing_sensitive(id: &str, test: &str) -> bool {
    entry(id).is_some_and(|e| e.timing_sensitive.iter().any(|t| t == test))
}

/// The content hash of scenario `id`'s test suite: the bax version, the shared
/// harness and the scenario's folder (its tests and data). Any change to what
/// decides the scenario's verdicts changes it; the verdict cache keys on it.
pub fn suite_hash(id: &str) -> Option<&'static str> {
    entry(id).map(|e| e.suite_hash.as_str())
}

/// The deliberate differences from BaxBench in scenario `id`'s tests.
pub fn differences(id: &str) -> Vec<Difference> {
    entry(id).map(|e| e.differences.clone()).unwrap_or_default()
}

/// The frameworks scenario `id` has a reference app for, as env dirs
/// (`Python-Flask`, `Go-net-http`: the env id with `/` written as `-`), sorted.
pub fn reference_envs(id: &str) -> Vec<&'static str> {
    entry(id)
        .map(|e| e.references.keys().copied().collect())
        .unwrap_or_default()
}

fn reference(id: &str, env: &str) -> Option<RefFiles> {
    entry(id)?
        .references
        .get(escape_path_component(env).as_str())
        .copied()
}

/// The reference app of scenario `id` for framework `env` (its env id, e.g.
/// `Go-net/http`, or its env dir, `Go-net-http`): every file, as (path relative
/// to the app folder, bytes), sorted by path. `None` when there is none.
pub fn reference_files(id: &str, env: &str) -> Option<Vec<(PathBuf, Vec<u8>)>> {
    Some(
        reference(id, env)?
            .iter()
            .map(|(path, bytes)| (PathBuf::from(path), bytes.to_vec()))
            .collect(),
    )
}

/// Whether the reference app of scenario `id` for `env` has weakness switches
/// (it reads `BAX_WEAKNESS`). Only such apps are run or answered under a weakness:
/// any other would silently stay secure.
pub fn reference_has_weaknesses(id: &str, env: &str) -> bool {
    reference(id, env).is_some_and(|files| {
        files
            .iter()
            .any(|(_, bytes)| bytes.windows(12).any(|w| w == b"BAX_WEAKNESS"))
    })
}

/// Why a reference app cannot be given as an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error("{id} has no weakness {weakness:?}; known: {}", known.join(", "))]
    UnknownWeakness {
        id: String,
        weakness: String,
        known: Vec<String>,
    },
    #[error("{id}: the {env} reference app cannot be pinned to a weakness ({why})")]
    CannotPin {
        id: String,
        env: String,
        why: String,
    },
    #[error(
        "{id}: {path} of the {env} reference app is not UTF-8 text, so no answer can carry it"
    )]
    NotText {
        id: String,
        env: String,
        path: String,
    },
}

/// The reference app of scenario `id` for framework `env`, as a model would
/// answer with it: a single-file app as its code in a fence tagged with its
/// language (what BaxBench's single-file frameworks ask for), several files as
/// `<FILEPATH>…</FILEPATH><CODE>…</CODE>` pairs (the multi-file format). A
/// single-file framework's reference folder holds exactly its one code file;
/// a multi-file framework's holds several.
///
/// With a weakness, the app is pinned to that vulnerable variant by a line
/// setting `BAX_WEAKNESS` right after the first (canary) line, so the answer
/// alone reproduces it (Python and JavaScript single-file apps). `None` when
/// the scenario has no reference app for `env`.
pub fn reference_answer(
    id: &str,
    env: &str,
    weakness: Option<&str>,
) -> Option<Result<String, ReferenceError>> {
    let e = entry(id)?;
    let files = reference(id, env)?;
    if weakness.is_some() && !reference_has_weaknesses(id, env) {
        return Some(Err(ReferenceError::CannotPin {
            id: e.spec.id.clone(),
            env: env.to_string(),
            why: "it has no weakness switches (it never reads BAX_WEAKNESS)".into(),
        }));
    }
    Some(answer_of(&e.spec.id, &e.weaknesses, env, files, weakness))
}

fn answer_of(
    id: &str,
    known: &[Weakness],
    env: &str,
    files: RefFiles,
    weakness: Option<&str>,
) -> Result<String, ReferenceError> {
    let id = id.to_string();
    if let Some(w) = weakness {
        if !known.iter().any(|x| x.name == w) {
            return Err(ReferenceError::UnknownWeakness {
                id,
                weakness: w.to_string(),
                known: known.iter().map(|x| x.name.clone()).collect(),
            });
        }
    }
    let text = |path: &str, bytes: &[u8]| {
        String::from_utf8(bytes.to_vec()).map_err(|_| ReferenceError::NotText {
            id: id.clone(),
            env: env.to_string(),
            path: path.to_string(),
        })
    };
    match files {
        [(path, bytes)] if !path.contains('/') => {
            let ext = path.rsplit_once('.').map_or("", |(_, x)| x);
            let mut code = text(path, bytes)?;
            if let Some(w) = weakness {
                code = pin_weakness(&code, ext, w).ok_or_else(|| ReferenceError::CannotPin {
                    id: id.clone(),
                    env: env.to_string(),
                    why: format!("bax knows no way to set BAX_WEAKNESS in a .{ext} file"),
                })?;
            }
            Ok(format!(
                "```{}\n{}\n```\n",
                fence_language(ext),
                code.trim_end()
            ))
        }
        _ => {
            if weakness.is_some() {
                return Err(ReferenceError::CannotPin {
                    id: id.clone(),
                    env: env.to_string(),
                    why: "only single-file reference apps can be pinned".into(),
                });
            }
            let mut out = String::new();
            for (path, bytes) in files {
                let code = text(path, bytes)?;
                out.push_str(&format!(
                    "<FILEPATH>\n{path}\n</FILEPATH>\n<CODE>\n{}\n</CODE>\n",
                    code.trim_end()
                ));
            }
            Ok(out)
        }
    }
}

/// The language tag of a fence around a file with extension `ext`.
fn fence_language(ext: &str) -> &str {
    match ext {
        "py" => "python",
        "js" | "mjs" | "cjs" => "javascript",
        "ts" => "typescript",
        "rs" => "rust",
        "rb" => "ruby",
        other => other,
    }
}

/// `code` with a line setting `BAX_WEAKNESS` to `w` inserted after its first
/// line (the canary line, which stays first). `None` for a language bax knows
/// no such line for.
fn pin_weakness(code: &str, ext: &str, w: &str) -> Option<String> {
    let line = match ext {
        "py" => format!("import os as _bax_os\n_bax_os.environ[\"BAX_WEAKNESS\"] = {w:?}"),
        "js" | "mjs" | "cjs" | "ts" => format!("process.env.BAX_WEAKNESS = {w:?};"),
        _ => return None,
    };
    let (first, rest) = code.split_once('\n').unwrap_or((code, ""));
    Some(format!("{first}\n{line}\n{rest}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The functions of a test module's source: (name, body text), split at
    /// each top-level `fn`.
    fn functions(source: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for line in source.lines() {
            let top = line
                .strip_prefix("fn ")
                .or_else(|| line.strip_prefix("pub fn "))
                .or_else(|| line.strip_prefix("pub(crate) fn "));
            if let Some(rest) = top {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push((name, String::new()));
            } else if let Some((_, body)) = out.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        out
    }

    /// Every test that opens a monitoring window or reads the app's memory
    /// (itself or through a helper of its module) is declared
    /// `timing_sensitive`, and nothing else is: the scheduler and the verdict
    /// cache rely on the list.
    #[test]
    fn every_test_that_measures_time_or_resources_is_declared_timing_sensitive() {
        const MEASURES: &[&str] = &[
            "watch_request",
            "monitor_container_resources",
            "memory_usage",
            "docker_stats_memory_mib",
        ];
        let mut declared_total = 0;
        for f in FOLDERS {
            let e = REGISTRY.iter().find(|e| e.folder == f.folder).unwrap();
            let fns = functions(f.source);
            let measuring_helpers: Vec<&str> = fns
                .iter()
                .filter(|(_, body)| MEASURES.iter().any(|m| body.contains(m)))
                .map(|(n, _)| n.as_str())
                .collect();
            let tests = f
                .tests
                .functional
                .iter()
                .map(|(n, _)| *n)
                .chain(f.tests.security.iter().map(|(n, _, _)| *n));
            for test in tests {
                let body = &fns
                    .iter()
                    .find(|(n, _)| n == test)
                    .unwrap_or_else(|| panic!("{}: no fn {test}", f.folder))
                    .1;
                let measures = MEASURES.iter().any(|m| body.contains(m))
                    || measuring_helpers
                        .iter()
                        .any(|h| body.contains(&format!("{h}(")));
                assert_eq!(
                    measures,
                    is_timing_sensitive(&e.spec.id, test),
                    "{}: {test} {} time or resources; scenario.toml's timing_sensitive must {}",
                    f.folder,
                    if measures {
                        "measures"
                    } else {
                        "does not measure"
                    },
                    if measures { "name it" } else { "not name it" },
                );
            }
            declared_total += e.timing_sensitive.len();
        }
        assert_eq!(
            declared_total, 5,
            "the monitored DoS tests of docs/fidelity.md"
        );
    }

    #[test]
    fn suite_hashes_are_per_scenario_and_stable() {
        let a = suite_hash("Monitor").unwrap();
        assert_eq!(a.len(), 64);
        assert_eq!(Some(a), suite_hash("Monitor"));
        assert_ne!(Some(a), suite_hash("RegexSearch"));
        assert!(suite_hash("NoSuchScenario").is_none());
        let all: BTreeSet<&str> = REGISTRY.iter().map(|e| e.suite_hash.as_str()).collect();
        assert_eq!(all.len(), REGISTRY.len());
    }

    #[test]
    fn the_registry_is_sorted_by_unique_id_and_parsed_once() {
        let ids: Vec<&str> = REGISTRY.iter().map(|e| e.spec.id.as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted, "ids must be unique; the table sorted by id");
        assert_eq!(ids.len(), FOLDERS.len());
        // Lookups return the one parsed table, not a fresh parse.
        assert!(std::ptr::eq(spec("Login").unwrap(), spec("Login").unwrap()));
        assert!(spec("NoSuchScenario").is_none() && tests("NoSuchScenario").is_none());
    }

    #[test]
    fn the_declared_tests_are_the_specs_tests_in_baxbench_order() {
        let calc = spec("Calculator").unwrap();
        assert_eq!(
            calc.functional_tests,
            ["func_test_expressions", "func_test_malformed_epxressions"]
        );
        let sec: Vec<(&str, &[u32])> = calc
            .security_tests
            .iter()
            .map(|t| (t.name.as_str(), t.cwes.as_slice()))
            .collect();
        assert_eq!(
            sec,
            [
                ("sec_test_code_injection", &[94][..]),
                ("sec_test_division_by_zero", &[703]),
                ("sec_test_dos_expression", &[400]),
            ]
        );
        assert_eq!(calc.potential_cwes, [94, 400, 703]);
        let login = spec("Login").unwrap();
        assert_eq!(login.security_tests[0].cwes, [89, 863]);
        for s in all() {
            let t = tests(&s.id).unwrap();
            let f: Vec<&str> = t.functional.iter().map(|(n, _)| *n).collect();
            assert_eq!(f, s.functional_tests, "{}", s.id);
            let sec: Vec<&str> = t.security.iter().map(|(n, _)| *n).collect();
            let want: Vec<&str> = s.security_tests.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(sec, want, "{}", s.id);
            let names: BTreeSet<&str> = f.iter().chain(&sec).copied().collect();
            assert_eq!(
                names.len(),
                f.len() + sec.len(),
                "{}: a test name repeats",
                s.id
            );
            for t in &s.security_tests {
                assert!(!t.cwes.is_empty(), "{}: {} covers no CWE", s.id, t.name);
                assert!(
                    t.cwes.windows(2).all(|w| w[0] < w[1]),
                    "{}: {} CWEs not sorted",
                    s.id,
                    t.name
                );
            }
        }
    }

    #[test]
    fn scenario_toml_does_not_list_tests_again() {
        // Test names are declared once, in mod.rs: the parser refuses the old lists.
        let old = "id = \"X\"\nshort_app_description = \"x\"\nneeds_db = false\nneeds_secret = false\nfunctional_tests = [\"func_test_x\"]\n";
        assert!(toml::from_str::<ScenarioToml>(old).is_err());
        for f in FOLDERS {
            assert!(!f.toml.contains("[[security_tests]]"), "{}", f.folder);
        }
    }

    #[test]
    fn weaknesses_name_real_tests_and_their_cwes() {
        for s in all() {
            let ws = weaknesses(&s.id);
            // One weakness may be caught by several tests (one entry each).
            let pairs: BTreeSet<(&str, &str)> = ws
                .iter()
                .map(|w| (w.name.as_str(), w.test.as_str()))
                .collect();
            assert_eq!(pairs.len(), ws.len(), "{}: a weakness entry repeats", s.id);
            for w in &ws {
                let t = s
                    .security_tests
                    .iter()
                    .find(|t| t.name == w.test)
                    .unwrap_or_else(|| panic!("{}: weakness {} names no test", s.id, w.name));
                assert!(
                    t.cwes.contains(&w.cwe) || w.cwe == 703,
                    "{}: {}",
                    s.id,
                    w.name
                );
            }
        }
        assert_eq!(weaknesses("Logger")[0].test, "sec_test_logging");
    }

    #[test]
    fn differences_name_real_tests() {
        let mut n = 0;
        for s in all() {
            for d in differences(&s.id) {
                let known = s.functional_tests.contains(&d.test)
                    || s.security_tests.iter().any(|t| t.name == d.test);
                assert!(known, "{}: difference names no test: {}", s.id, d.test);
                assert!(!d.why.trim().is_empty());
                n += 1;
            }
        }
        assert!(n > 0, "some scenarios declare differences");
    }

    #[test]
    fn all_scenarios_load_and_are_complete() {
        let all = all();
        assert_eq!(all.len(), 28);
        for s in &all {
            assert!(!s.short_app_description.is_empty() && s.short_app_description != "TODO");
            assert!(s.text_spec.len() > 100, "{}: text spec too short", s.id);
            assert!(s.num_endpoints >= 1, "{}", s.id);
            assert!(!s.functional_tests.is_empty(), "{}", s.id);
            assert!(!s.security_tests.is_empty(), "{}", s.id);
            assert!(s.potential_cwes.contains(&703));
            for t in &s.security_tests {
                for c in &t.cwes {
                    assert!(bax_catalog::cwe::by_num(*c).is_some(), "{}: CWE-{c}", s.id);
                }
            }
        }
    }

    /// Every file under `dir`, as (relative path, bytes), read from the source tree.
    fn on_disk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                on_disk(root, &p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.push((p.strip_prefix(root).unwrap().to_path_buf(), bytes));
            }
        }
    }

    #[test]
    fn every_reference_file_is_compiled_in_and_belongs_to_a_scenario() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut seen = 0;
        for f in FOLDERS {
            let id = REGISTRY
                .iter()
                .find(|e| e.folder == f.folder)
                .map(|e| e.spec.id.clone())
                .unwrap();
            let dir = src.join(f.folder).join("reference");
            let mut envs: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            envs.sort();
            assert_eq!(reference_envs(&id), envs, "{}", f.folder);
            assert!(
                envs.iter().any(|e| e == "Python-Flask"),
                "{}: no Flask reference",
                f.folder
            );
            for env in envs {
                let mut want = Vec::new();
                on_disk(&dir.join(&env), &dir.join(&env), &mut want);
                want.sort();
                assert_eq!(
                    reference_files(&id, &env).unwrap(),
                    want,
                    "{}/{env}",
                    f.folder
                );
                seen += 1;
            }
        }
        assert_eq!(
            seen,
            REFERENCE_STORE.len(),
            "a reference folder outside a registered scenario"
        );
        assert!(reference_files("ZipToTxt", "Ruby-Rails").is_none());
        assert!(reference_files("NoSuchScenario", "Python-Flask").is_none());
    }

    const CANARY: &str = "# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c";

    #[test]
    fn a_flask_reference_answers_as_a_python_fence_and_pins_weaknesses_after_the_canary() {
        let code = String::from_utf8(
            reference_files("Calculator", "Python-Flask").unwrap()[0]
                .1
                .clone(),
        )
        .unwrap();
        assert!(code.starts_with(CANARY));
        let answer = reference_answer("Calculator", "Python-Flask", None)
            .unwrap()
            .unwrap();
        assert_eq!(answer, format!("```python\n{}\n```\n", code.trim_end()));

        let weak = reference_answer("Calculator", "Python-Flask", Some("dos"))
            .unwrap()
            .unwrap();
        let (first, rest) = code.split_once('\n').unwrap();
        assert_eq!(
            weak,
            format!(
                "```python\n{first}\nimport os as _bax_os\n_bax_os.environ[\"BAX_WEAKNESS\"] = \"dos\"\n{}\n```\n",
                rest.trim_end()
            )
        );
        let err = reference_answer("Calculator", "Python-Flask", Some("xss"))
            .unwrap()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Calculator has no weakness \"xss\"; known: code_injection, dos, crash"
        );
        assert!(reference_answer("ZipToTxt", "Ruby-Rails", None).is_none());
    }

    #[test]
    fn single_file_answers_take_their_language_and_pin_javascript() {
        let known = [Weakness {
            name: "sqli".into(),
            test: "sec_test_sql_injection".into(),
            cwe: 89,
        }];
        let files: RefFiles = &[(
            "app.js",
            b"// BAX-CANARY x\nconst express = require('express');\n\n",
        )];
        assert_eq!(
            answer_of("S", &known, "JavaScript-express", files, None).unwrap(),
            "```javascript\n// BAX-CANARY x\nconst express = require('express');\n```\n"
        );
        assert_eq!(
            answer_of("S", &known, "JavaScript-express", files, Some("sqli")).unwrap(),
            "```javascript\n// BAX-CANARY x\nprocess.env.BAX_WEAKNESS = \"sqli\";\nconst express = require('express');\n```\n"
        );
        let go: RefFiles = &[("main.go", b"// BAX-CANARY x\npackage main\n")];
        assert!(answer_of("S", &known, "Go-Gin", go, None)
            .unwrap()
            .starts_with("```go\n"));
        assert!(matches!(
            answer_of("S", &known, "Go-Gin", go, Some("sqli")),
            Err(ReferenceError::CannotPin { .. })
        ));
    }

    #[test]
    fn multi_file_answers_use_the_filepath_format() {
        let files: RefFiles = &[
            (
                "app/routes.rb",
                b"# BAX-CANARY x\nRails.application.routes.draw do\nend\n",
            ),
            ("config/x.yml", b"a: 1\n"),
        ];
        assert_eq!(
            answer_of("S", &[], "Ruby-Rails", files, None).unwrap(),
            "<FILEPATH>\napp/routes.rb\n</FILEPATH>\n<CODE>\n# BAX-CANARY x\nRails.application.routes.draw do\nend\n</CODE>\n\
             <FILEPATH>\nconfig/x.yml\n</FILEPATH>\n<CODE>\na: 1\n</CODE>\n"
        );
        // A lone file in a subfolder is a multi-file app too: a fence would lose its path.
        let nested: RefFiles = &[("src/main.ts", b"x\n")];
        assert!(answer_of("S", &[], "JavaScript-nest", nested, None)
            .unwrap()
            .starts_with("<FILEPATH>\nsrc/main.ts\n"));
        assert!(matches!(
            answer_of("S", &[], "Ruby-Rails", files, Some("x")),
            Err(ReferenceError::UnknownWeakness { .. })
        ));
        let binary: RefFiles = &[("a.bin", b"\xff\xfe"), ("b.txt", b"b\n")];
        assert!(matches!(
            answer_of("S", &[], "Ruby-Rails", binary, None),
            Err(ReferenceError::NotText { .. })
        ));
    }
}
