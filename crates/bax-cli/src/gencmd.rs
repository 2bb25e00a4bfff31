//! `bax generate`: asks models for apps and stores their answers as samples in
//! BaxBench's results layout.
//!
//! For every model × task × spec type × safety prompt × sample index, the prompt
//! (`bax_catalog::build_prompt`, as `bax prompt` prints it) goes to the model; the
//! answer is parsed (`bax_runner::files_from_answer`) and written through
//! `bax_store::ResultsStore` as `sample<i>/code/...`, or as `code/failed` when it
//! cannot be parsed (as BaxBench does). Beside `code/`, `generation.json` records
//! how the answer was obtained: model, provider, prompt variant, options, token
//! counts, latency, finish reason, truncation, timestamps and the raw response.
//!
//! Runs resume: existing samples are skipped unless `--force`; samples recorded
//! as failed are generated again (as BaxBench does) unless `--skip-failed`. A
//! sample whose requests all fail is not written: it is reported, and the next
//! run tries again. Ctrl-C stops at once; samples are written only whole.
//!
//! Every model is a [`bax_gen::Model`]: the HTTP providers of bax-gen and the
//! built-in `reference` model ([`reference`]), which answers with the reference
//! app of each task that has one (`reference:<weakness>` with a vulnerable
//! variant), with no network and no key. The parts: [`plan`] (models, prompt
//! variants, the samples to generate), [`reference`], [`record`] (the typed
//! `generation.json` and the sample writer), [`summary`], the request threads,
//! and `crate::ui` (progress bar, Ctrl-C, summary printing).

pub mod plan;
pub mod record;
pub mod reference;
pub mod summary;
mod workers;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bax_catalog::{build_prompt, Catalog, SafetyPrompt, SpecType};
use bax_gen::{GenError, ReasoningEffort, Request};
use bax_store::ResultsStore;
use clap::Args;

use crate::cli::FilterArgs;
use plan::{plan_jobs, task_ref, Job};
use record::Recorder;
use workers::{start_workers, Outcome, Work};

pub use crate::ui::{print_summary, progress_bar, stop_on_ctrl_c, ProgressBar};
pub use plan::{GenPlan, ModelChoice};
pub use record::{GenerationRecord, GENERATION_FILE};
pub use reference::{ReferenceModel, REFERENCE_ENV, REFERENCE_MODEL};
pub use summary::{GenSummary, SampleError, Skipped};

/// `bax generate`'s options.
#[derive(Debug, Args, Clone)]
pub struct GenerateArgs {
    /// Models, repeatable or comma-separated: provider/model (openai/gpt-4o,
    /// anthropic/claude-sonnet-4-5, openrouter/…, together/…, ollama/…, vllm/…), a bare
    /// model with --base-url, or `reference` / `reference:<weakness>` (built in;
    /// `reference:*` = every weakness).
    #[arg(
        long = "model",
        value_name = "M",
        value_delimiter = ',',
        required = true
    )]
    pub models: Vec<String>,
    /// The results folder.
    #[arg(long, default_value = "results", value_name = "DIR")]
    pub results: PathBuf,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// How the API is described (comma-separated for several).
    #[arg(long = "spec", value_delimiter = ',', default_value = "openapi", value_parser = parse_spec)]
    pub spec: Vec<SpecType>,
    /// Which security reminder to add (comma-separated for several).
    #[arg(long, value_delimiter = ',', default_value = "none", value_parser = parse_safety)]
    pub safety: Vec<SafetyPrompt>,
    /// The agent variant of the prompt. The results layout has no place for it:
    /// keep agent runs in their own --results folder.
    #[arg(long)]
    pub agent: bool,
    /// Sampling temperature (BaxBench: 0.2); part of the results folder name.
    #[arg(long, default_value_t = 0.2)]
    pub temperature: f64,
    /// Samples per task and prompt variant (sample0 … sample<N-1>).
    #[arg(long, default_value_t = 1)]
    pub samples: u32,
    /// minimal, low, medium or high (OpenAI's reasoning_effort; Anthropic: extended
    /// thinking with 1k/4k/16k/32k tokens), or a thinking budget in tokens (Anthropic).
    #[arg(long, value_parser = parse_effort)]
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Most output tokens per answer (default: the server's; Anthropic: 8192).
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Retries per sample after the first request (BaxBench: 20).
    #[arg(long, default_value_t = 20)]
    pub max_retries: u32,
    /// Backoff base in seconds: retry n waits up to base × 2^n (BaxBench: 1).
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    pub base_delay: f64,
    /// Longest wait between retries in seconds, Retry-After included (BaxBench: 128).
    #[arg(long, default_value_t = 128.0, value_name = "SECONDS")]
    pub max_delay: f64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Longest silence from the server, in seconds, before a request counts as
    /// timed out and is retried (answers are not streamed).
    #[arg(long, default_value_t = 900.0, value_name = "SECONDS")]
    pub request_timeout: f64,
    /// Seconds to wait for a connection.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    pub connect_timeout: f64,
    /// Generate again samples that exist (replacing them and their test results).
    #[arg(long, short = 'f')]
    pub force: bool,
    /// Leave samples recorded as failed (unparseable answers) alone instead of
    /// generating them again.
    #[arg(long, conflicts_with = "force")]
    pub skip_failed: bool,
    /// An OpenAI-compatible server (e.g. http://localhost:8000/v1), or any
    /// provider's endpoint in place of its default.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Read the API key from this environment variable instead of the provider's.
    #[arg(long, value_name = "NAME")]
    pub api_key_env: Option<String>,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub shard: crate::cli::ShardArgs,
}

fn parse_spec(s: &str) -> Result<SpecType, String> {
    s.parse()
}

fn parse_safety(s: &str) -> Result<SafetyPrompt, String> {
    s.parse()
}

fn parse_effort(s: &str) -> Result<ReasoningEffort, String> {
    s.parse()
}

/// Generates the samples of `plan` that are missing (or all of them, with
/// `force`), reporting progress on `progress` (set its length and messages; pass
/// `ProgressBar::hidden()` for none). Stops promptly when `stop` is set: samples
/// are written whole or not at all, and a later run resumes. Errors of single
/// samples are counted in the summary; only setup failures (unknown model, missing
/// key, bad options, unwritable results folder) are `Err`.
pub fn generate(
    catalog: &Catalog,
    plan: &GenPlan,
    progress: &ProgressBar,
    stop: &Arc<AtomicBool>,
) -> Result<GenSummary> {
    let tasks = catalog.select(&plan.filter)?;
    let models = plan
        .models
        .iter()
        .map(|m| m.open(catalog, plan))
        .collect::<Result<Vec<_>>>()?;
    let store = ResultsStore::open(&plan.results)
        .with_context(|| format!("opening the results folder {}", plan.results.display()))?;
    let (jobs, summary) = plan_jobs(plan, &tasks, &models, &store);
    progress.set_length(jobs.len() as u64);
    tracing::info!(
        "{} samples to generate ({} exist, {} failed ones left alone, {} in other shards)",
        jobs.len(),
        summary.skipped_existing,
        summary.skipped_failed,
        summary.other_shards
    );
    let mut prompts: BTreeMap<(usize, SpecType, SafetyPrompt), Arc<str>> = BTreeMap::new();
    let mut prompt_of = |job: &Job| -> Arc<str> {
        prompts
            .entry((job.task, job.spec, job.safety))
            .or_insert_with(|| {
                let t = &tasks[job.task];
                build_prompt(t.scenario, t.framework, job.spec, job.safety, plan.agent).into()
            })
            .clone()
    };
    let mut rec = Recorder {
        store: &store,
        plan,
        tasks: &tasks,
        progress,
        summary,
    };

    // Models that answer at once, from this process: asked here, in order.
    let (local_jobs, api_jobs): (Vec<Job>, Vec<Job>) =
        jobs.into_iter().partition(|j| models[j.model].is_local());
    for job in &local_jobs {
        if stop.load(Ordering::SeqCst) {
            rec.summary.interrupted = true;
            return Ok(rec.summary);
        }
        let prompt = prompt_of(job);
        let task = &tasks[job.task];
        let task_id = task.id();
        let request = Request {
            task: task_ref(task, &task_id),
            prompt: &prompt,
        };
        match models[job.model].answer(&request, stop) {
            Err(GenError::Cancelled) => {
                rec.summary.interrupted = true;
                return Ok(rec.summary);
            }
            Err(e) => rec.error(job, e.to_string()),
            Ok(c) => rec.record(job, models[job.model].as_ref(), &prompt, &c)?,
        }
        rec.tick();
    }

    // Models behind APIs, from request threads.
    let prompts: Vec<Arc<str>> = api_jobs.iter().map(&mut prompt_of).collect();
    let work: Vec<Work> = api_jobs
        .iter()
        .zip(&prompts)
        .enumerate()
        .map(|(i, (job, prompt))| {
            let task = &tasks[job.task];
            Work {
                job: i,
                model: job.model,
                client: models[job.model].clone(),
                task_id: task.id(),
                scenario_id: task.scenario.id.clone(),
                env_id: task.framework.env_id.clone(),
                prompt: prompt.clone(),
            }
        })
        .collect();
    let done = start_workers(work, plan.models.len(), plan.concurrency, stop);
    let mut announced = vec![false; plan.models.len()];
    let mut remaining = api_jobs.len();
    while remaining > 0 {
        if stop.load(Ordering::SeqCst) {
            // Requests in flight are abandoned: nothing of theirs is written.
            rec.summary.interrupted = true;
            return Ok(rec.summary);
        }
        let outcome = match done.recv_timeout(Duration::from_millis(50)) {
            Ok(o) => o,
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                bail!("the request threads ended with {remaining} samples left")
            }
        };
        remaining -= 1;
        let (i, result) = match outcome {
            Outcome::NotSent => {
                rec.summary.not_sent += 1;
                rec.tick();
                continue;
            }
            Outcome::Done(i, r) => (i, *r),
        };
        let job = &api_jobs[i];
        match result {
            Err(GenError::Cancelled) => {
                rec.summary.interrupted = true;
                return Ok(rec.summary);
            }
            Err(e) => {
                if e.dooms_model() && !std::mem::replace(&mut announced[job.model], true) {
                    let name = plan.models[job.model].name();
                    progress.suspend(|| {
                        tracing::error!("{name}: {e}; its other samples are not requested")
                    });
                }
                rec.error(job, e.to_string());
            }
            Ok(c) => rec.record(job, models[job.model].as_ref(), &prompts[i], &c)?,
        }
        rec.tick();
    }
    Ok(rec.summary)
}

/// `bax generate`.
pub fn run(catalog: &Catalog, args: &GenerateArgs, verbose: u8, out: &mut dyn Write) -> Result<u8> {
    let plan = GenPlan::from_args(args)?;
    let stop = stop_on_ctrl_c();
    let started = Instant::now();
    let pb = progress_bar();
    let summary = generate(catalog, &plan, &pb, &stop);
    pb.finish_and_clear();
    let summary = summary?;
    if args.json {
        writeln!(out, "{}", summary.to_json())?;
    } else {
        print_summary(&summary, verbose > 0, out)?;
        writeln!(
            out,
            "results in {} ({:.1} s)",
            plan.results.display(),
            started.elapsed().as_secs_f64()
        )?;
    }
    Ok(summary.exit_code())
}
