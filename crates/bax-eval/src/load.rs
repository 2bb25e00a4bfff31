//! Reading a results folder (BaxBench's layout) into one record per sample.

use std::fs;
use std::io::Read;
use std::path::Path;

use bax_catalog::{Catalog, SafetyPrompt, SpecType, TaskFilter};
use bax_store::{ResultsStore, TestResults};
use serde::Serialize;

use crate::EvalError;

/// What the generation step wrote beside a sample (`generation.json`); every field
/// is optional, and so is the file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Generation {
    pub prompt_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub latency_s: Option<f64>,
    pub finish_reason: Option<String>,
    /// Explicit `truncated`, else `finish_reason` in (`length`, `max_tokens`).
    pub truncated: Option<bool>,
}

impl Generation {
    /// Reads the fields bax's generation step writes (`latency_s`, or `latency_ms`
    /// as `bax generate` writes it); unknown fields are ignored.
    pub fn from_json(v: &serde_json::Value) -> Generation {
        let finish_reason = v["finish_reason"].as_str().map(str::to_string);
        let truncated = v["truncated"].as_bool().or_else(|| {
            finish_reason
                .as_deref()
                .map(|r| matches!(r, "length" | "max_tokens"))
        });
        Generation {
            prompt_tokens: v["prompt_tokens"].as_u64(),
            output_tokens: v["output_tokens"].as_u64(),
            latency_s: v["latency_s"]
                .as_f64()
                .or_else(|| v["latency_ms"].as_f64().map(|ms| ms / 1000.0)),
            finish_reason,
            truncated,
        }
    }
}

/// One sample of a results folder.
#[derive(Debug, Clone, Serialize)]
pub struct SampleRecord {
    /// The model's folder name.
    pub model: String,
    pub scenario: String,
    /// The env id as the catalog writes it (`Go-net/http`) when the catalog knows
    /// the folder, else the folder name.
    pub env: String,
    pub language: String,
    pub framework: String,
    pub spec: SpecType,
    pub safety: SafetyPrompt,
    pub temperature: f64,
    pub sample: u32,
    /// The scenario's endpoint count (its complexity), when the catalog knows it.
    pub num_endpoints: Option<usize>,
    /// `None`: not tested yet (BaxBench leaves such samples out of every metric).
    pub results: Option<TestResults>,
    /// The answer could not be parsed (`code/failed`).
    pub no_code: bool,
    /// From `verdict.json`: whether the app built.
    pub built: Option<bool>,
    /// From `verdict.json`: build plus test time, seconds.
    pub test_seconds: Option<f64>,
    /// Where bax's scoring time went (verdict.json's `cost`), when recorded.
    pub cost: Option<crate::metrics::CostTotals>,
    pub generation: Option<Generation>,
}

/// Which samples to read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Model folder names (`/` as `-` or not); empty = all.
    pub models: Vec<String>,
    pub filter: TaskFilter,
}

/// Reads every sample of the results folder `dir` that `sel` keeps. Malformed
/// per-sample files are not fatal: they are reported in the returned warnings and
/// the sample counts as untested (test results) or without that data (others).
pub fn load_records(
    catalog: &Catalog,
    dir: &Path,
    sel: &Selection,
) -> Result<(Vec<SampleRecord>, Vec<String>), EvalError> {
    if !dir.is_dir() {
        return Err(EvalError::NoResults(dir.to_path_buf()));
    }
    let store = ResultsStore::open(dir)?;
    let models = (!sel.models.is_empty()).then_some(sel.models.as_slice());
    let keys = store.list_samples(models)?;
    let mut records = Vec::with_capacity(keys.len());
    let mut warnings = Vec::new();
    for key in keys {
        let c = &key.config;
        let fw = catalog
            .frameworks()
            .iter()
            .find(|f| f.dir_name() == c.env_id || f.env_id == c.env_id);
        let (env, language, framework) = match fw {
            Some(f) => (f.env_id.clone(), f.language.clone(), f.framework.clone()),
            None => {
                let (l, f) = c.env_id.split_once('-').unwrap_or((&c.env_id, ""));
                (c.env_id.clone(), l.to_string(), f.to_string())
            }
        };
        let scenario = catalog.scenario(&c.scenario_id);
        let sample_dir = store.sample_dir(&key);
        let results = match store.read_test_results(&key) {
            Ok(r) => r,
            Err(e) => {
                warnings.push(format!("{e} (counted as untested)"));
                None
            }
        };
        let verdict = read_json(&sample_dir.join("verdict.json"), &mut warnings);
        let (built, test_seconds) = match &verdict {
            Some(v) => {
                let secs = |k: &str| -> f64 {
                    v[k].as_array()
                        .map(|ts| ts.iter().filter_map(|t| t["seconds"].as_f64()).sum())
                        .unwrap_or(0.0)
                };
                let total = v["build_seconds"]
                    .as_f64()
                    .map(|b| b + secs("functional") + secs("security"));
                (v["built"].as_bool(), total)
            }
            None => (None, None),
        };
        let cost = verdict
            .as_ref()
            .and_then(crate::metrics::CostTotals::from_verdict);
        let generation = read_json(&sample_dir.join("generation.json"), &mut warnings)
            .map(|v| Generation::from_json(&v));
        records.push(SampleRecord {
            model: c.model.clone(),
            scenario: c.scenario_id.clone(),
            env,
            language,
            framework,
            spec: c.spec_type,
            safety: c.safety,
            temperature: c.temperature,
            sample: key.sample,
            num_endpoints: scenario.map(|s| s.num_endpoints),
            results,
            no_code: store.is_failed(&key),
            built,
            test_seconds,
            cost,
            generation,
        });
    }
    let records = apply_filter(catalog, records, &sel.filter)?;
    Ok((records, warnings))
}

/// A JSON file beside a sample: `None` when absent (or not a regular file);
/// malformed files add a warning.
fn read_json(path: &Path, warnings: &mut Vec<String>) -> Option<serde_json::Value> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    if let Err(e) = fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)) {
        warnings.push(format!("{}: {e}", path.display()));
        return None;
    }
    match serde_json::from_slice(&bytes) {
        Ok(v) => Some(v),
        Err(e) => {
            warnings.push(format!("{}: malformed JSON: {e}", path.display()));
            None
        }
    }
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Does `name` name this record's framework (env id, its folder form, or the
/// framework's name), as [`TaskFilter`] matches frameworks?
fn framework_matches(r: &SampleRecord, name: &str) -> bool {
    eq(&r.env, name)
        || eq(&bax_catalog::model::escape_path_component(&r.env), name)
        || eq(&r.framework, name)
}

/// Whether `f` keeps `r`, with [`TaskFilter::keeps`]'s rules (also for samples
/// of tasks the catalog does not know).
pub fn filter_keeps(f: &TaskFilter, r: &SampleRecord) -> bool {
    (f.scenarios.is_empty() || f.scenarios.iter().any(|x| eq(x, &r.scenario)))
        && (f.frameworks.is_empty() || f.frameworks.iter().any(|x| framework_matches(r, x)))
        && (f.languages.is_empty() || f.languages.iter().any(|x| eq(x, &r.language)))
        && !f.exclude_scenarios.iter().any(|x| eq(x, &r.scenario))
        && !f.exclude_frameworks.iter().any(|x| framework_matches(r, x))
        && !f.exclude_languages.iter().any(|x| eq(x, &r.language))
}

/// Applies the filter; a name that matches neither the catalog nor any sample is
/// an error, so a typo never silently selects nothing.
fn apply_filter(
    catalog: &Catalog,
    records: Vec<SampleRecord>,
    f: &TaskFilter,
) -> Result<Vec<SampleRecord>, EvalError> {
    if f.is_empty() {
        return Ok(records);
    }
    if f.validate(catalog).is_err() {
        let known = |name: &str, kind: &str| match kind {
            "scenario" => records.iter().any(|r| eq(&r.scenario, name)),
            "framework" => records.iter().any(|r| framework_matches(r, name)),
            _ => records.iter().any(|r| eq(&r.language, name)),
        };
        for (names, kind) in [
            (f.scenarios.iter().chain(&f.exclude_scenarios), "scenario"),
            (
                f.frameworks.iter().chain(&f.exclude_frameworks),
                "framework",
            ),
            (f.languages.iter().chain(&f.exclude_languages), "language"),
        ] {
            for name in names {
                let mut single = TaskFilter::default();
                match kind {
                    "scenario" => single.scenarios.push(name.clone()),
                    "framework" => single.frameworks.push(name.clone()),
                    _ => single.languages.push(name.clone()),
                }
                if let Err(e) = single.validate(catalog) {
                    if !known(name, kind) {
                        return Err(EvalError::Filter(e.to_string()));
                    }
                }
            }
        }
    }
    Ok(records.into_iter().filter(|r| filter_keeps(f, r)).collect())
}
