//! `bax run`: generate, test and evaluate in one go — the main job.
//!
//! 1. Generation (`bax generate`): samples that exist are kept (unless --force).
//! 2. Testing (`bax test`): every untested sample of the run's models within the
//!    filters is built once and tested; tested samples are kept.
//! 3. Evaluation (`bax evaluate`): tables on stdout, `report.html` and
//!    `report.json` in the results folder.
//!
//! Ctrl-C stops after the sample at hand (a second one at once); everything on
//! disk is whole, and the same command resumes where it stopped.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use bax_catalog::Catalog;
use bax_eval::{Bootstrap, EvalOptions};
use clap::Args;

use crate::gencmd::{GenPlan, GenerateArgs};

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub gen: GenerateArgs,
    /// The k of pass@k and sec_pass@k (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "1,5", value_parser = clap::value_parser!(u32).range(1..))]
    pub ks: Vec<u32>,
    /// Bootstrap resamples for the 95% intervals of pass@1 and sec_pass@1.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub bootstrap: u32,
    /// Per-test time limit in seconds (BaxBench: 300).
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    #[command(flatten)]
    pub jobs: crate::cli::JobsArgs,
    #[command(flatten)]
    pub cache: crate::cli::CacheArgs,
    /// Test again samples that already have test results.
    #[arg(long)]
    pub retest: bool,
    /// Where to write the HTML report (default: <results>/report.html).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Do not provision missing framework runtimes before testing.
    #[arg(long)]
    pub no_setup: bool,
}

/// Provisions (like `bax env setup`) the runtimes the run's samples need and
/// that are not ready yet; says what it does.
fn ensure_runtimes(catalog: &Catalog, plan: &GenPlan, out: &mut dyn Write) -> Result<()> {
    let reference_only = plan
        .models
        .iter()
        .all(|m| matches!(m, crate::gencmd::ModelChoice::Reference { .. }));
    // Reference models answer only tasks with a reference app: provision just those.
    let mut envs: Vec<String> = catalog
        .select(&plan.filter)?
        .iter()
        .filter(|t| {
            !reference_only
                || bax_scenarios::reference_files(&t.scenario.id, &t.framework.env_id).is_some()
        })
        .map(|t| t.framework.env_id.clone())
        .collect();
    envs.sort();
    envs.dedup();
    let home = bax_runtimes::BaxHome::from_env();
    let missing: Vec<String> = envs
        .into_iter()
        .filter(|e| {
            bax_runtimes::framework(e).is_some_and(|fw| !bax_runtimes::doctor(&home, &fw).ok)
        })
        .collect();
    if !missing.is_empty() {
        writeln!(
            out,
            "provisioning runtimes the run needs: {} (once; `bax env setup` does the same)",
            missing.join(", ")
        )?;
        if crate::envcmd::setup(&missing, false, out)? != 0 {
            anyhow::bail!("could not provision {}", missing.join(", "));
        }
    }
    Ok(())
}

pub fn run(catalog: &Catalog, a: &RunArgs, verbose: u8, out: &mut dyn Write) -> Result<u8> {
    let started = Instant::now();
    let plan = GenPlan::from_args(&a.gen)?;
    let stop = crate::gencmd::stop_on_ctrl_c();

    writeln!(out, "== 1/3 generate")?;
    let pb = crate::gencmd::progress_bar();
    let gen = crate::gencmd::generate(catalog, &plan, &pb, &stop);
    pb.finish_and_clear();
    let gen = gen?;
    crate::gencmd::print_summary(&gen, verbose > 0, out)?;
    if gen.interrupted {
        writeln!(
            out,
            "stopped during generation; run the same command again to resume"
        )?;
        return Ok(130);
    }

    writeln!(out, "== 2/3 test")?;
    if !a.no_setup {
        ensure_runtimes(catalog, &plan, out)?;
    }
    let models: Vec<String> = plan.models.iter().map(|m| m.results_name()).collect();
    let pb = crate::gencmd::progress_bar();
    let tested = crate::testcmd::test_samples(
        catalog,
        &plan.results,
        &crate::testcmd::SamplePick {
            models: &models,
            filter: &plan.filter,
            shard: plan.shard,
        },
        a.retest,
        &crate::testcmd::Sched {
            timeout: a.timeout,
            jobs: a.jobs.get(),
            cache: !a.cache.no_cache,
        },
        &pb,
        &stop,
        out,
    );
    pb.finish_and_clear();
    let tested = tested?;
    writeln!(
        out,
        "{} tested, {} already tested, {} harness failures{}",
        tested.tested,
        tested.skipped,
        tested.harness_failures,
        crate::testcmd::summary_cache(&tested)
    )?;
    if tested.tested > 0 {
        writeln!(
            out,
            "{}",
            crate::testcmd::cost_lines(&tested.cost, &tested.test_cost)
        )?;
    }
    if tested.interrupted {
        writeln!(
            out,
            "stopped during testing; run the same command again to resume"
        )?;
        return Ok(130);
    }

    writeln!(out, "== 3/3 evaluate")?;
    let opts = EvalOptions {
        models: models.clone(),
        ks: a.ks.clone(),
        filter: plan.filter.clone(),
        bootstrap: Bootstrap {
            resamples: a.bootstrap,
            ..Bootstrap::default()
        },
    };
    let report = bax_eval::evaluate_dir(catalog, &plan.results, &opts)
        .with_context(|| format!("evaluating {}", plan.results.display()))?;
    bax_eval::print_tables(&report, out)?;
    let html = a
        .html
        .clone()
        .unwrap_or_else(|| plan.results.join("report.html"));
    bax_eval::write_html(&report, &html)?;
    let json = plan.results.join("report.json");
    bax_eval::write_json(&report, &json)?;
    writeln!(
        out,
        "report: {} (and {}); {:.1} s in all",
        html.display(),
        json.display(),
        started.elapsed().as_secs_f64()
    )?;
    Ok(if gen.exit_code() != 0 || tested.harness_failures > 0 {
        1
    } else {
        0
    })
}
