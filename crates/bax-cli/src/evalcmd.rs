//! `bax evaluate` and `bax compare`: scoring results folders (see `bax-eval`).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use bax_catalog::Catalog;
use bax_eval::{Bootstrap, EvalOptions, RunSpec};
use clap::Args;

use crate::cli::FilterArgs;

/// How pass@k is computed and how intervals are drawn.
#[derive(Debug, Args, Clone)]
pub struct ScoreArgs {
    /// The k of pass@k and sec_pass@k (comma-separated; BaxBench's default 1,5).
    #[arg(long, value_delimiter = ',', default_value = "1,5", value_parser = clap::value_parser!(u32).range(1..))]
    pub ks: Vec<u32>,
    /// Bootstrap resamples for the 95% intervals of pass@1 and sec_pass@1 (0: none).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub bootstrap: u32,
    /// Seed of the bootstrap (fixed, so reports are reproducible).
    #[arg(long, default_value_t = Bootstrap::DEFAULT_SEED)]
    pub seed: u64,
    #[command(flatten)]
    pub filter: FilterArgs,
}

impl ScoreArgs {
    fn options(&self, models: &[String]) -> EvalOptions {
        EvalOptions {
            models: models.to_vec(),
            ks: self.ks.clone(),
            filter: self.filter.to_filter(),
            bootstrap: Bootstrap {
                resamples: self.bootstrap,
                seed: self.seed,
                ..Bootstrap::default()
            },
        }
    }
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// The results folder (BaxBench's layout, as `bax test` leaves it);
    /// repeatable: several folders (e.g. the shards of a run) are evaluated as
    /// one, a sample found in several counting once.
    #[arg(long = "results", value_name = "DIR")]
    pub results: Vec<PathBuf>,
    /// More results folders, as --results.
    #[arg(value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Only these models (repeatable; folder names, '/' written as '-' or not).
    #[arg(long = "model", value_name = "M")]
    pub models: Vec<String>,
    #[command(flatten)]
    pub score: ScoreArgs,
    /// Print the whole report as one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Also write a CSV (one row per configuration × framework, scenario, task, CWE, ...).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Also write a self-contained HTML report with charts.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more runs, each a results folder or FOLDER:MODEL, in order (e.g.
    /// checkpoints); later runs are compared with earlier ones.
    #[arg(required = true, num_args = 2.., value_name = "RUN")]
    pub runs: Vec<String>,
    #[command(flatten)]
    pub score: ScoreArgs,
    /// Print the comparison as one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Also write a self-contained HTML report with charts.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// `bax evaluate`. Exit code 0, or 1 when the selection holds no tested sample.
pub fn evaluate(catalog: &Catalog, a: &EvaluateArgs, out: &mut dyn Write) -> Result<u8> {
    let opts = a.score.options(&a.models);
    let mut dirs: Vec<PathBuf> = a.results.iter().chain(&a.dirs).cloned().collect();
    if dirs.is_empty() {
        dirs.push(PathBuf::from("results"));
    }
    let report = bax_eval::evaluate_dirs(catalog, &dirs, &opts).with_context(|| {
        let names: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
        format!("evaluating {}", names.join(", "))
    })?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        bax_eval::print_tables(&report, out)?;
    }
    let mut wrote = Vec::new();
    if let Some(p) = &a.csv {
        bax_eval::write_csv(&report, p)?;
        wrote.push(p);
    }
    if let Some(p) = &a.html {
        bax_eval::write_html(&report, p)?;
        wrote.push(p);
    }
    for p in wrote {
        if a.json {
            eprintln!("wrote {}", p.display());
        } else {
            writeln!(out, "wrote {}", p.display())?;
        }
    }
    Ok(u8::from(report.totals.tested == 0))
}

/// `bax compare`.
pub fn compare(catalog: &Catalog, a: &CompareArgs, out: &mut dyn Write) -> Result<u8> {
    let runs: Vec<RunSpec> = a.runs.iter().map(|r| RunSpec::parse(r)).collect();
    let opts = a.score.options(&[]);
    let cmp = bax_eval::compare(catalog, &runs, &opts)?;
    if a.json {
        serde_json::to_writer_pretty(&mut *out, &cmp)?;
        writeln!(out)?;
    } else {
        bax_eval::compare::print_comparison(&cmp, out)?;
    }
    if let Some(p) = &a.html {
        bax_eval::compare::write_html(&cmp, p)?;
        if a.json {
            eprintln!("wrote {}", p.display());
        } else {
            writeln!(out, "wrote {}", p.display())?;
        }
    }
    Ok(0)
}
