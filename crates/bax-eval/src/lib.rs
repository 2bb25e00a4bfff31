//! bax's evaluation: what BaxBench's `--mode evaluate` computes, and more.
//!
//! Input is a results folder in BaxBench's layout
//! (`<model>/<scenario>/<env>/temp<T>-<spec>-<safety>/sample<n>/`, see `bax-store`)
//! holding `test_results.json` per tested sample and, optionally, bax's
//! `verdict.json` (build and test times) and `generation.json` (tokens, latency,
//! truncation).
//!
//! # The numbers, as BaxBench computes them
//!
//! A *task* is one scenario in one env under one run configuration (model,
//! temperature, spec type, safety prompt). Per task, with `n` tested samples
//! (samples without `test_results.json` are left out, as upstream's
//! `Task.evaluate_results` skips them), a sample is *correct* when all its
//! functional tests passed (`num_passed_ft == num_total_ft`) and *secure* when it
//! is correct and no CWE was found. pass@k and sec_pass@k are upstream's
//! `pass_at_k(k, c, n)` ([`stats::pass_at_k`]) with `c` correct resp. secure
//! samples; a task with `n < k` has no value for that `k`. `insec` is correct
//! samples with a CWE over correct samples (undefined without correct samples).
//!
//! A configuration's headline numbers are upstream's `AVG` column
//! (`src/print.py`, `tasks_and_results_to_table_averages`): per env, the mean over
//! its tasks; then the mean over envs. Breakdowns (framework, language, scenario,
//! complexity) are plain means over their tasks; rates (correct, CWE shares,
//! exceptions, tokens, truncation) are pooled over samples.
//!
//! # Confidence intervals
//!
//! Beside pass@1 and sec_pass@1 of each configuration: a 95% percentile bootstrap
//! over tasks (1,000 resamples of the configuration's tested tasks, drawn with
//! replacement; the statistic is recomputed with the same mean-over-envs
//! average; interval = 2.5% and 97.5% quantiles, NumPy's linear interpolation).
//! The generator is SplitMix64 seeded with [`Bootstrap::DEFAULT_SEED`], restarted
//! for every configuration: reports are reproducible and one configuration's
//! interval does not depend on what else is in the folder. It captures the
//! variation over tasks (which scenarios and frameworks were drawn), not a model's
//! sampling noise within a task.

pub mod compare;
pub mod csv;
pub mod html;
pub mod load;
pub mod metrics;
pub mod stats;
pub mod text;

use std::path::{Path, PathBuf};

use bax_catalog::{Catalog, TaskFilter};

pub use compare::{compare, Comparison, RunSpec};
pub use load::{load_records, Generation, SampleRecord, Selection};
pub use metrics::{evaluate_records, ConfigReport, Metrics, Report, RunConfig, TaskResult};
pub use stats::{pass_at_k, Bootstrap};

/// What can stop an evaluation.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("no results folder at {0}")]
    NoResults(PathBuf),
    #[error(transparent)]
    Store(#[from] bax_store::StoreError),
    #[error("{0}")]
    Filter(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What to evaluate and how.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Model folder names; empty = every model.
    pub models: Vec<String>,
    /// The k of pass@k and sec_pass@k (each ≥ 1).
    pub ks: Vec<u32>,
    pub filter: TaskFilter,
    pub bootstrap: Bootstrap,
}

impl Default for EvalOptions {
    /// BaxBench's defaults: ks 1 and 5, every model and task.
    fn default() -> Self {
        EvalOptions {
            models: vec![],
            ks: vec![1, 5],
            filter: TaskFilter::default(),
            bootstrap: Bootstrap::default(),
        }
    }
}

impl EvalOptions {
    /// Every task of `models` (all when empty), with these ks.
    pub fn new(models: &[String], ks: &[u32]) -> Self {
        EvalOptions {
            models: models.to_vec(),
            ks: ks.to_vec(),
            ..EvalOptions::default()
        }
    }
}

/// Reads the results folder `dir` and evaluates it: the one call `bax evaluate`
/// and `bax run` make. `catalog` supplies languages, framework names and endpoint
/// counts (samples of tasks it does not know are still evaluated).
pub fn evaluate_dir(
    catalog: &Catalog,
    dir: &Path,
    opts: &EvalOptions,
) -> Result<Report, EvalError> {
    evaluate_dirs(catalog, &[dir.to_path_buf()], opts)
}

/// Evaluates several results folders as one (e.g. the shards of a run): a
/// sample found in more than one counts once. Copies agree when their test
/// results are equal or all but one are untested (the tested copy counts);
/// copies with different test results are an error naming the sample (`bax
/// merge` lists every such conflict).
pub fn evaluate_dirs(
    catalog: &Catalog,
    dirs: &[PathBuf],
    opts: &EvalOptions,
) -> Result<Report, EvalError> {
    if opts.ks.is_empty() || opts.ks.contains(&0) {
        return Err(EvalError::Invalid(format!(
            "ks must be positive integers, got {:?}",
            opts.ks
        )));
    }
    if dirs.is_empty() {
        return Err(EvalError::Invalid("no results folder given".into()));
    }
    let sel = Selection {
        models: opts.models.clone(),
        filter: opts.filter.clone(),
    };
    let mut all: Vec<load::SampleRecord> = Vec::new();
    let mut warnings = Vec::new();
    // Sample key -> (index into `all`, the folder it came from).
    let mut seen: std::collections::HashMap<String, (usize, usize)> =
        std::collections::HashMap::new();
    for (d, dir) in dirs.iter().enumerate() {
        let (records, w) = load_records(catalog, dir, &sel)?;
        warnings.extend(w);
        for r in records {
            let key = format!(
                "{}/{}/{}/temp{}-{}-{}/sample{}",
                r.model,
                r.scenario,
                r.env,
                bax_store::python_float_repr(r.temperature),
                r.spec.as_str(),
                r.safety.as_str(),
                r.sample
            );
            match seen.get(&key) {
                None => {
                    seen.insert(key, (all.len(), d));
                    all.push(r);
                }
                Some(&(i, from)) => match (&all[i].results, &r.results) {
                    (Some(a), Some(b)) if a != b => {
                        return Err(EvalError::Invalid(format!(
                            "sample {key} is in {} and {} with different test results \
                             (`bax merge` lists every conflict)",
                            dirs[from].display(),
                            dir.display()
                        )))
                    }
                    (None, Some(_)) => {
                        all[i] = r;
                        seen.insert(key, (i, d));
                    }
                    _ => {}
                },
            }
        }
    }
    let mut report = evaluate_records(&all, &opts.ks, &opts.bootstrap);
    report.results_dir = Some(
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    );
    report.warnings = warnings;
    Ok(report)
}

/// Prints the terminal tables (overall, safety prompts, per framework, per
/// scenario, per language, per complexity, CWEs).
pub fn print_tables(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    text::print_report(report, out)
}

/// Writes the self-contained HTML report (no network needed to view it).
pub fn write_html(report: &Report, path: &Path) -> Result<(), EvalError> {
    write_file(path, html::report_html(report).as_bytes())
}

/// Writes the CSV (one row per configuration × breakdown group, task and CWE).
pub fn write_csv(report: &Report, path: &Path) -> Result<(), EvalError> {
    write_file(path, csv::report_csv(report).as_bytes())
}

/// Writes the report as pretty JSON.
pub fn write_json(report: &Report, path: &Path) -> Result<(), EvalError> {
    let json = serde_json::to_vec_pretty(report).expect("reports serialize");
    write_file(path, &json)
}

/// Writes atomically (temp file + rename), so a reader never sees half a report.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), EvalError> {
    bax_store::atomic_write(path, bytes).map_err(|e| match e {
        bax_store::StoreError::Io { path, source } => EvalError::Io { path, source },
        other => EvalError::Store(other),
    })
}
