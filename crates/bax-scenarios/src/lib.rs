//! The built-in scenarios.
//!
//! Each scenario is one folder under `src/` holding its data: `scenario.toml`
//! (id, flags, tools, test names and their CWEs), `openapi.yaml` (the API
//! contract, identical to BaxBench's, described in bax's own words),
//! `text_spec.md` (the same API in prose) and `instructions.md` (extra
//! instructions, possibly empty). Adding a scenario means adding a folder and one
//! line to the `scenarios!` list below.

pub mod exploits;
pub mod fixtures;
pub mod harness;

use std::collections::BTreeMap;

use bax_catalog::model::count_endpoints;
use bax_catalog::{ScenarioSpec, SecurityTestSpec};
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
    functional_tests: Vec<String>,
    #[serde(default)]
    npm_packages: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    needed_packages: BTreeMap<String, Vec<String>>,
    /// What provisioning installs for this scenario (`[provision]`).
    #[serde(default)]
    provision: bax_catalog::SystemNeeds,
    security_tests: Vec<SecurityTestSpec>,
    #[serde(default)]
    weaknesses: Vec<Weakness>,
    #[serde(default)]
    differences: Vec<Difference>,
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

/// The deliberate differences from BaxBench in scenario `id`'s tests.
pub fn differences(id: &str) -> Vec<Difference> {
    FILES
        .iter()
        .map(|f| toml::from_str::<ScenarioToml>(f.toml).expect("checked by tests"))
        .find(|t| t.id == id)
        .map(|t| t.differences)
        .unwrap_or_default()
}

/// The weaknesses of scenario `id`'s reference app.
pub fn weaknesses(id: &str) -> Vec<Weakness> {
    FILES
        .iter()
        .map(|f| toml::from_str::<ScenarioToml>(f.toml).expect("checked by tests"))
        .find(|t| t.id == id)
        .map(|t| t.weaknesses)
        .unwrap_or_default()
}

/// The files of one scenario folder, embedded at compile time.
struct ScenarioFiles {
    folder: &'static str,
    toml: &'static str,
    openapi: &'static str,
    text_spec: &'static str,
    instructions: &'static str,
}

fn load(f: &ScenarioFiles) -> ScenarioSpec {
    // The data is compiled in and checked by this crate's tests, so a malformed
    // folder is a build-time bug, not a user error.
    let t: ScenarioToml = toml::from_str(f.toml)
        .unwrap_or_else(|e| panic!("{}/scenario.toml is invalid: {e}", f.folder));
    let num_endpoints = count_endpoints(f.openapi)
        .unwrap_or_else(|e| panic!("{}/openapi.yaml is invalid: {e}", f.folder));
    ScenarioSpec {
        potential_cwes: ScenarioSpec::derive_potential_cwes(&t.security_tests),
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
        functional_tests: t.functional_tests,
        security_tests: t.security_tests,
        num_endpoints,
    }
}

macro_rules! scenarios {
    (tested: [$($t:ident),* $(,)?], data_only: [$($d:ident),* $(,)?] $(,)?) => {
        $(mod $t;)*
        const FILES: &[ScenarioFiles] = &[$(scenario_files!($t)),* , $(scenario_files!($d)),*];
        /// Each tested folder's reference app, compiled in (so `reference`
        /// answers work from an installed binary too).
        const REFERENCES: &[(&str, &str)] = &[$((stringify!($t), include_str!(concat!(stringify!($t), "/reference/app.py")))),*];
        fn tests_of_folder(folder: &str) -> Option<harness::ScenarioTests> {
            match folder {
                $(stringify!($t) => Some($t::tests()),)*
                _ => None,
            }
        }
    };
}

macro_rules! scenario_files {
    ($folder:ident) => {
        ScenarioFiles {
            folder: stringify!($folder),
            toml: include_str!(concat!(stringify!($folder), "/scenario.toml")),
            openapi: include_str!(concat!(stringify!($folder), "/openapi.yaml")),
            text_spec: include_str!(concat!(stringify!($folder), "/text_spec.md")),
            instructions: include_str!(concat!(stringify!($folder), "/instructions.md")),
        }
    };
}

// The registry: one line per scenario folder. `tested` folders also hold the
// scenario's tests (mod.rs) and reference app; `data_only` ones do not yet.
scenarios!(
    tested: [calculator, click_count, credit_card_service, logger, login, forum, file_search, monitor, pdf_cat, pdf_to_text, compiler, image_converter, image_transfer, frame_extract, secret_storage, song_downloader, recipes, recommendation_service, shopping_cart_service, unsubscribe, uptime_service, wiki, profile_collection, zip_to_txt, regex_search, product_catalog, shop_overview, user_creation],
    data_only: [
    ],
);

/// The tests of scenario `id` (BaxBench's id), when bax has them.
pub fn tests(id: &str) -> Option<harness::ScenarioTests> {
    let f = FILES.iter().find(|f| load(f).id == id)?;
    tests_of_folder(f.folder)
}

/// The reference app of scenario `id`: its folder (holding `app.py`), when it has one.
pub fn reference_dir(id: &str) -> Option<std::path::PathBuf> {
    let f = FILES.iter().find(|f| load(f).id == id)?;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join(f.folder)
        .join("reference");
    dir.join("app.py").is_file().then_some(dir)
}

/// The reference app of scenario `id` as a model would answer with it: the
/// code of `reference/app.py` in a Python fence. With a weakness, the app is
/// pinned to that vulnerable variant (a line setting `BAX_WEAKNESS`), so the
/// answer alone reproduces it. `None` when the scenario has no reference app.
pub fn reference_answer(id: &str, weakness: Option<&str>) -> Option<Result<String, String>> {
    let f = FILES.iter().find(|f| load(f).id == id)?;
    let code = REFERENCES
        .iter()
        .find(|(folder, _)| *folder == f.folder)?
        .1
        .to_string();
    let code = match weakness {
        None => code,
        Some(w) => {
            if !weaknesses(id).iter().any(|x| x.name == w) {
                let known: Vec<String> = weaknesses(id).into_iter().map(|x| x.name).collect();
                return Some(Err(format!(
                    "{id} has no weakness {w:?}; known: {}",
                    known.join(", ")
                )));
            }
            // After the canary line, so that line stays first.
            let (first, rest) = code.split_once('\n').unwrap_or((&code, ""));
            format!(
                "{first}\nimport os as _bax_os\n_bax_os.environ[\"BAX_WEAKNESS\"] = {w:?}\n{rest}"
            )
        }
    };
    Some(Ok(format!("```python\n{}\n```\n", code.trim_end())))
}

/// Every built-in scenario, sorted by id.
pub fn all() -> Vec<ScenarioSpec> {
    let mut v: Vec<ScenarioSpec> = FILES.iter().map(load).collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tests_match_the_names_in_scenario_toml() {
        for s in all() {
            let Some(t) = tests(&s.id) else { continue };
            let f: Vec<&str> = t.functional.iter().map(|(n, _)| *n).collect();
            let sec: Vec<&str> = t.security.iter().map(|(n, _)| *n).collect();
            assert_eq!(f, s.functional_tests, "{}", s.id);
            let want: Vec<&str> = s.security_tests.iter().map(|t| t.name.as_str()).collect();
            assert_eq!(sec, want, "{}", s.id);
        }
        assert!(tests("Calculator").is_some());
    }

    #[test]
    fn weaknesses_name_real_tests_and_their_cwes() {
        for s in all() {
            for w in weaknesses(&s.id) {
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
    }

    #[test]
    fn differences_name_real_tests() {
        for s in all() {
            for d in differences(&s.id) {
                let known = s.functional_tests.contains(&d.test)
                    || s.security_tests.iter().any(|t| t.name == d.test);
                assert!(known, "{}: difference names no test: {}", s.id, d.test);
                assert!(!d.why.trim().is_empty());
            }
        }
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
}
