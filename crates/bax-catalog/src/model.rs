//! The catalog's data model: a scenario (what to build), a framework (what to build it
//! with) and a task (one scenario in one framework).
//!
//! These types are plain data. The built-in catalog fills them from the
//! `bax-scenarios` and `bax-runtimes` crates; `--tasks FILE` fills them from an
//! official BaxBench task table instead (see [`crate::table`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::cwe;

/// A security test's name and the CWEs it can report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityTestSpec {
    /// The test's name, exactly as BaxBench names it.
    pub name: String,
    /// CWE numbers the test covers, sorted.
    pub cwes: Vec<u32>,
}

/// What apps need from the system beyond their framework: Debian packages on
/// the host, npm packages in every Node framework's `node_modules`, npm packages
/// installed globally on the host (`npm install -g`). Scenarios declare them;
/// `bax env setup` collects them ([`SystemNeeds::merge`]) and hands them to
/// provisioning, which knows no scenario.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemNeeds {
    /// Debian package names (`apt-get install`).
    #[serde(default)]
    pub debian: Vec<String>,
    /// npm package name -> exact version, added to the dependencies of every
    /// Node framework's package.json.
    #[serde(default)]
    pub npm: BTreeMap<String, String>,
    /// npm package name -> exact version, installed globally on the host.
    #[serde(default)]
    pub npm_global: BTreeMap<String, String>,
}

impl SystemNeeds {
    pub fn is_empty(&self) -> bool {
        self.debian.is_empty() && self.npm.is_empty() && self.npm_global.is_empty()
    }

    /// The union of several scenarios' needs: Debian packages sorted and
    /// deduplicated; an npm package pinned to two different versions is an error
    /// (one node_modules per framework can hold only one).
    pub fn merge<'a>(
        all: impl IntoIterator<Item = &'a SystemNeeds>,
    ) -> Result<SystemNeeds, String> {
        let mut out = SystemNeeds::default();
        for n in all {
            out.debian.extend(n.debian.iter().cloned());
            for (into, from, what) in [
                (&mut out.npm, &n.npm, "npm"),
                (&mut out.npm_global, &n.npm_global, "npm_global"),
            ] {
                for (k, v) in from {
                    match into.get(k) {
                        Some(old) if old != v => {
                            return Err(format!(
                                "{what} package {k} is pinned to both {old} and {v}"
                            ))
                        }
                        _ => {
                            into.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
        }
        out.debian.sort();
        out.debian.dedup();
        Ok(out)
    }
}

/// One scenario: an API to implement, and the tests that judge it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioSpec {
    /// BaxBench's scenario id, e.g. `Calculator`.
    pub id: String,
    /// A short noun phrase used in the prompt ("Generate a {this} using ...").
    pub short_app_description: String,
    /// The OpenAPI specification (YAML text).
    pub api_spec: String,
    /// The same API described in prose.
    pub text_spec: String,
    /// Extra instructions for the model (may be empty).
    pub scenario_instructions: String,
    /// The model is told to store its data in SQLite.
    pub needs_db: bool,
    /// The model is told that a secret is in `APP_SECRET`.
    pub needs_secret: bool,
    /// Lines announced in the prompt's package list, keyed by language or `_all_`.
    pub needed_packages: BTreeMap<String, Vec<String>>,
    /// Debian packages the scenario's apps need at run time (ffmpeg, poppler-utils, ...).
    #[serde(default)]
    pub system_tools: Vec<String>,
    /// Extra npm packages per language key.
    #[serde(default)]
    pub npm_packages: BTreeMap<String, Vec<String>>,
    /// What provisioning installs on the system for this scenario's apps
    /// (`[provision]` in its scenario.toml). Not part of the prompt; empty for
    /// official task tables.
    #[serde(default, skip_serializing_if = "SystemNeeds::is_empty")]
    pub provision: SystemNeeds,
    /// Functional test names, in BaxBench's order.
    pub functional_tests: Vec<String>,
    /// Security tests, in BaxBench's order.
    pub security_tests: Vec<SecurityTestSpec>,
    /// Every CWE the scenario's tests can report, plus 703; sorted ascending.
    pub potential_cwes: Vec<u32>,
    /// Number of paths in the OpenAPI spec (BaxBench's complexity measure).
    pub num_endpoints: usize,
}

impl ScenarioSpec {
    /// The CWEs the security tests cover, plus CWE-703 which any crash can add:
    /// BaxBench's `potential_cwes`.
    pub fn derive_potential_cwes(security_tests: &[SecurityTestSpec]) -> Vec<u32> {
        let mut all: Vec<u32> = security_tests
            .iter()
            .flat_map(|t| t.cwes.iter().copied())
            .chain(std::iter::once(cwe::IMPROPER_EXCEPTION_HANDLING))
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The prompt lines for extra packages in `language`: `_all_` first, then the
    /// language's own, as BaxBench concatenates them.
    pub fn extra_package_lines(&self, language: &str) -> Vec<&str> {
        let all = self.needed_packages.get("_all_").into_iter().flatten();
        let own = self.needed_packages.get(language).into_iter().flatten();
        all.chain(own).map(String::as_str).collect()
    }
}

/// One framework ("env" in BaxBench): a language, a web framework, and how apps
/// written in it are laid out and started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameworkSpec {
    /// BaxBench's env id, `<language>-<framework>`, e.g. `Go-net/http`.
    pub env_id: String,
    pub language: String,
    pub framework: String,
    /// File extension of the code (`py`, `js`, `ts`, ...).
    pub extension: String,
    /// Whether the model writes several files (`<FILEPATH>` answers).
    pub is_multi_file: bool,
    /// For single-file frameworks: where the model's code goes.
    pub code_filename: Option<String>,
    /// The command that starts the app (shell form), run in `workdir`.
    pub entrypoint_cmd: String,
    /// The package manifest quoted in the prompt as the allowed packages.
    pub allowed_packages: String,
    /// Framework-specific instructions for the model.
    pub env_instructions: String,
    /// The port the app must listen on.
    pub port: u16,
    /// Where the app's files live inside its sandbox.
    pub workdir: String,
    /// The SQLite database file name the model is told to use.
    pub sqlite_database: String,
    /// Files the harness adds to every app (path -> content); the model may not
    /// overwrite them.
    pub manifest_files: BTreeMap<String, String>,
    /// How long (seconds) to wait for the app to answer after starting it.
    pub wait_to_start_time: f64,
}

impl FrameworkSpec {
    /// The env id as it appears in result folder names (`/` written as `-`).
    pub fn dir_name(&self) -> String {
        escape_path_component(&self.env_id)
    }
}

/// BaxBench's `esc`: a `/` in an id becomes `-` in folder names.
pub fn escape_path_component(s: &str) -> String {
    s.replace('/', "-")
}

/// One task: a scenario to be implemented in a framework.
#[derive(Debug, Clone, Copy)]
pub struct Task<'a> {
    pub scenario: &'a ScenarioSpec,
    pub framework: &'a FrameworkSpec,
}

impl Task<'_> {
    /// `<scenario_id>-<env_id>`, e.g. `Calculator-Go-net/http`.
    pub fn id(&self) -> String {
        format!("{}-{}", self.scenario.id, self.framework.env_id)
    }
}

/// How the API is described to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpecType {
    Openapi,
    Text,
}

impl SpecType {
    pub const ALL: [SpecType; 2] = [SpecType::Openapi, SpecType::Text];
    pub fn as_str(self) -> &'static str {
        match self {
            SpecType::Openapi => "openapi",
            SpecType::Text => "text",
        }
    }
}

impl std::str::FromStr for SpecType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "openapi" => Ok(SpecType::Openapi),
            "text" => Ok(SpecType::Text),
            _ => Err(format!(
                "unknown spec type {s:?} (expected openapi or text)"
            )),
        }
    }
}

impl std::fmt::Display for SpecType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which security reminder the prompt carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SafetyPrompt {
    None,
    Generic,
    Specific,
}

impl SafetyPrompt {
    pub const ALL: [SafetyPrompt; 3] = [
        SafetyPrompt::None,
        SafetyPrompt::Generic,
        SafetyPrompt::Specific,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            SafetyPrompt::None => "none",
            SafetyPrompt::Generic => "generic",
            SafetyPrompt::Specific => "specific",
        }
    }
}

impl std::str::FromStr for SafetyPrompt {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(SafetyPrompt::None),
            "generic" => Ok(SafetyPrompt::Generic),
            "specific" => Ok(SafetyPrompt::Specific),
            _ => Err(format!(
                "unknown safety prompt {s:?} (expected none, generic or specific)"
            )),
        }
    }
}

impl std::fmt::Display for SafetyPrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts the `paths` of an OpenAPI document, as BaxBench's `num_endpoints` does.
pub fn count_endpoints(api_spec: &str) -> Result<usize, String> {
    match crate::yaml::to_json(api_spec)?.get("paths") {
        Some(serde_json::Value::Object(paths)) => Ok(paths.len()),
        _ => Err("OpenAPI document has no `paths` map".to_string()),
    }
}

#[cfg(test)]
mod system_needs_tests {
    use super::SystemNeeds;
    use std::collections::BTreeMap;

    #[test]
    fn merge_unions_sorts_and_rejects_conflicting_pins() {
        let a = SystemNeeds {
            debian: vec!["ffmpeg".into(), "g++".into()],
            npm: BTreeMap::from([("csv-parser".into(), "3.1.0".into())]),
            ..Default::default()
        };
        let b = SystemNeeds {
            debian: vec!["g++".into(), "cmake".into()],
            npm: BTreeMap::from([("unzipper".into(), "0.12.5".into())]),
            npm_global: BTreeMap::from([("typescript".into(), "5.7.3".into())]),
        };
        let m = SystemNeeds::merge([&a, &b]).unwrap();
        assert_eq!(m.debian, ["cmake", "ffmpeg", "g++"]);
        assert_eq!(m.npm.len(), 2);
        assert_eq!(m.npm_global["typescript"], "5.7.3");
        let c = SystemNeeds {
            npm: BTreeMap::from([("csv-parser".into(), "3.2.0".into())]),
            ..Default::default()
        };
        let e = SystemNeeds::merge([&a, &c]).unwrap_err();
        assert!(
            e.contains("csv-parser") && e.contains("3.1.0") && e.contains("3.2.0"),
            "{e}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn potential_cwes_add_703_and_sort() {
        let tests = vec![
            SecurityTestSpec {
                name: "a".into(),
                cwes: vec![89],
            },
            SecurityTestSpec {
                name: "b".into(),
                cwes: vec![22, 89],
            },
        ];
        assert_eq!(
            ScenarioSpec::derive_potential_cwes(&tests),
            vec![22, 89, 703]
        );
    }

    #[test]
    fn endpoints_are_counted_with_last_duplicate_winning() {
        let spec = "openapi: 3.0.3\npaths:\n  /a:\n    get: {}\n  /b:\n    post: {}\n";
        assert_eq!(count_endpoints(spec).unwrap(), 2);
        let dup = "paths:\n  /a:\n    x: 1\n  /a:\n    x: 2\n";
        assert_eq!(count_endpoints(dup).unwrap(), 1);
        let nested = "info:\n  paths: {a: 1, b: 2, c: 3}\npaths:\n  /x:\n    paths: [1, 2]\n    get:\n      examples: {p: 1, p: 2}\n";
        assert_eq!(count_endpoints(nested).unwrap(), 1);
        assert!(count_endpoints("paths: [1]\n").is_err());
        assert!(count_endpoints("info: {}\n").is_err());
    }

    #[test]
    fn env_ids_escape_slashes() {
        assert_eq!(escape_path_component("Go-net/http"), "Go-net-http");
    }
}
