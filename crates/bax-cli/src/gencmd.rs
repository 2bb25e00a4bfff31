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
//! The built-in model `reference` answers with the reference app of each task
//! that has one (`reference:<weakness>` with a vulnerable variant), with no
//! network and no key.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context, Result};
use bax_catalog::{build_prompt, Catalog, SafetyPrompt, SpecType, Task, TaskFilter};
use bax_gen::{Client, Completion, Endpoint, GenError, GenOptions, ModelSpec, ReasoningEffort};
use bax_store::{ConfigKey, ResultsStore, SampleKey, StoreError, FAILED_FILE, FAILED_PREFIX};
use clap::Args;
use indicatif::ProgressStyle;
use serde_json::{json, Value};

use crate::cli::FilterArgs;

/// The progress bar [`generate`] reports on (`ProgressBar::hidden()` for none).
pub use indicatif::ProgressBar;

/// The built-in model that answers with reference apps.
pub const REFERENCE_MODEL: &str = "reference";
/// The framework the reference apps are written for.
pub const REFERENCE_ENV: &str = "Python-Flask";
/// The metadata file written beside each sample's `code/`.
pub const GENERATION_FILE: &str = "generation.json";

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

/// A model of a plan: the built-in reference or one behind an API.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelChoice {
    Reference { weakness: Option<String> },
    Api(ModelSpec),
}

impl ModelChoice {
    /// `reference`, `reference:<weakness>`, or a provider's model
    /// ([`ModelSpec::parse`]).
    pub fn parse(name: &str, has_base_url: bool) -> Result<Self> {
        if name == REFERENCE_MODEL {
            return Ok(Self::Reference { weakness: None });
        }
        if let Some(w) = name.strip_prefix("reference:") {
            if w.is_empty() {
                bail!("model {name:?}: name a weakness after `reference:`");
            }
            return Ok(Self::Reference {
                weakness: Some(w.to_string()),
            });
        }
        Ok(Self::Api(ModelSpec::parse(name, has_base_url)?))
    }

    /// The name as written.
    pub fn name(&self) -> String {
        match self {
            Self::Reference { weakness: None } => REFERENCE_MODEL.into(),
            Self::Reference { weakness: Some(w) } => format!("{REFERENCE_MODEL}:{w}"),
            Self::Api(s) => s.name.clone(),
        }
    }

    /// The model's folder in the results tree: the name with `/` as `-`.
    pub fn results_name(&self) -> String {
        match self {
            Self::Api(s) => s.results_name(),
            other => other.name(),
        }
    }
}

/// Everything a generation run needs; [`GenPlan::from_args`] builds it from the
/// command line, `bax run` may build it directly.
#[derive(Debug, Clone)]
pub struct GenPlan {
    pub results: PathBuf,
    pub models: Vec<ModelChoice>,
    pub filter: TaskFilter,
    pub specs: Vec<SpecType>,
    pub safeties: Vec<SafetyPrompt>,
    pub agent: bool,
    pub samples: u32,
    /// Temperature, max tokens, reasoning effort, retries, timeouts.
    pub options: GenOptions,
    pub concurrency: usize,
    pub force: bool,
    pub skip_failed: bool,
    pub base_url: Option<String>,
    pub api_key_env: Option<String>,
}

fn seconds(name: &str, s: f64) -> Result<Duration> {
    Duration::try_from_secs_f64(s)
        .with_context(|| format!("--{name} {s} is not a number of seconds >= 0"))
}

fn dedup<T: PartialEq + Clone>(v: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for x in v {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

impl GenPlan {
    pub fn from_args(a: &GenerateArgs) -> Result<Self> {
        if a.samples == 0 {
            bail!("--samples must be at least 1");
        }
        if a.concurrency == 0 {
            bail!("--concurrency must be at least 1");
        }
        if !a.temperature.is_finite() || a.temperature < 0.0 {
            bail!("--temperature {} is not a number >= 0", a.temperature);
        }
        // `reference:*` stands for every weakness of every reference app.
        let mut expanded = Vec::new();
        for m in &a.models {
            if m == "reference:*" {
                let mut ws: Vec<String> = bax_scenarios::all()
                    .iter()
                    .flat_map(|s| bax_scenarios::weaknesses(&s.id))
                    .map(|w| format!("{REFERENCE_MODEL}:{}", w.name))
                    .collect();
                ws.sort();
                expanded.extend(ws);
            } else {
                expanded.push(m.clone());
            }
        }
        let names: Vec<String> = dedup(&expanded);
        let models = names
            .iter()
            .map(|m| ModelChoice::parse(m, a.base_url.is_some()))
            .collect::<Result<Vec<_>>>()?;
        let mut folders: BTreeMap<String, String> = BTreeMap::new();
        for m in &models {
            if let Some(other) = folders.insert(m.results_name(), m.name()) {
                bail!(
                    "models {other:?} and {:?} would share the results folder {:?}",
                    m.name(),
                    m.results_name()
                );
            }
        }
        let options = GenOptions {
            temperature: a.temperature,
            max_tokens: a.max_tokens,
            reasoning_effort: a.reasoning_effort,
            retry: bax_gen::RetryPolicy {
                max_retries: a.max_retries,
                base_delay: seconds("base-delay", a.base_delay)?,
                max_delay: seconds("max-delay", a.max_delay)?,
            },
            connect_timeout: seconds("connect-timeout", a.connect_timeout)?,
            read_timeout: seconds("request-timeout", a.request_timeout)?,
            ..GenOptions::default()
        };
        Ok(Self {
            results: a.results.clone(),
            models,
            filter: a.filter.to_filter(),
            specs: dedup(&a.spec),
            safeties: dedup(&a.safety),
            agent: a.agent,
            samples: a.samples,
            options,
            concurrency: a.concurrency,
            force: a.force,
            skip_failed: a.skip_failed,
            base_url: a.base_url.clone(),
            api_key_env: a.api_key_env.clone(),
        })
    }
}

/// A (model, task) pair left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub model: String,
    pub task_id: String,
    pub reason: String,
}

/// A sample that could not be generated (and was not written).
#[derive(Debug, Clone)]
pub struct SampleError {
    pub model: String,
    pub task_id: String,
    pub key: SampleKey,
    pub error: String,
}

/// What a run did.
#[derive(Debug, Default, Clone)]
pub struct GenSummary {
    /// Samples the run set out to generate (existing ones excluded).
    pub planned: usize,
    /// Written with code.
    pub generated: usize,
    /// Written as `code/failed` (the answer could not be parsed).
    pub failed_to_parse: usize,
    /// Not written: every request failed (see `errors`).
    pub api_errors: usize,
    /// Not sent, because the model had refused an earlier request in a way every
    /// request would be refused (bad key, unknown model).
    pub not_sent: usize,
    /// Existing samples left alone.
    pub skipped_existing: usize,
    /// Existing failed samples left alone (`--skip-failed`).
    pub skipped_failed: usize,
    /// Tasks a model cannot answer (the reference model without a reference app).
    pub unsupported: Vec<Skipped>,
    /// Written samples whose answer hit the token limit.
    pub truncated: usize,
    pub prompt_tokens: u64,
    pub output_tokens: u64,
    pub errors: Vec<SampleError>,
    /// Samples written by this run, in the order written.
    pub written: Vec<SampleKey>,
    /// Stopped by Ctrl-C (or the stop flag) before the end.
    pub interrupted: bool,
}

impl GenSummary {
    /// 0: all planned samples written; 1: some could not be generated; 130: stopped.
    pub fn exit_code(&self) -> u8 {
        if self.interrupted {
            130
        } else if self.api_errors + self.not_sent > 0 {
            1
        } else {
            0
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "planned": self.planned,
            "generated": self.generated,
            "failed_to_parse": self.failed_to_parse,
            "api_errors": self.api_errors,
            "not_sent": self.not_sent,
            "skipped_existing": self.skipped_existing,
            "skipped_failed": self.skipped_failed,
            "truncated": self.truncated,
            "prompt_tokens": self.prompt_tokens,
            "output_tokens": self.output_tokens,
            "interrupted": self.interrupted,
            "unsupported": self.unsupported.iter().map(|s| json!({
                "model": s.model, "task_id": s.task_id, "reason": s.reason,
            })).collect::<Vec<_>>(),
            "errors": self.errors.iter().map(|e| json!({
                "model": e.model, "task_id": e.task_id,
                "config": e.key.config.dir_components()[3],
                "sample": e.key.sample, "error": e.error,
            })).collect::<Vec<_>>(),
        })
    }
}

/// One sample to generate.
struct Job {
    model: usize,
    task: usize,
    spec: SpecType,
    safety: SafetyPrompt,
    key: SampleKey,
    overwrite: bool,
}

enum Backend {
    Reference { weakness: Option<String> },
    Api(Arc<Client>),
}

/// What the reference model does for a task.
enum RefAnswer {
    Answer(String),
    Skip(String),
    Error(String),
}

fn reference_answer(task: &Task<'_>, weakness: Option<&str>) -> RefAnswer {
    let env = &task.framework.env_id;
    let id = &task.scenario.id;
    if env != REFERENCE_ENV {
        return RefAnswer::Skip(format!(
            "no reference app for {env} (reference apps are {REFERENCE_ENV})"
        ));
    }
    if let Some(w) = weakness {
        let known: Vec<String> = bax_scenarios::weaknesses(id)
            .into_iter()
            .map(|x| x.name)
            .collect();
        if !known.iter().any(|k| k == w) {
            let has = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            return RefAnswer::Skip(format!("{id} has no weakness {w:?} (it has: {has})"));
        }
    }
    match bax_scenarios::reference_answer(id, env, weakness) {
        None => RefAnswer::Skip(format!("{id} has no reference app")),
        Some(Ok(a)) => RefAnswer::Answer(a),
        Some(Err(e)) => RefAnswer::Error(e.to_string()),
    }
}

/// A reference answer dressed as a completion: no tokens, finish reason "stop".
fn reference_completion(text: String) -> Completion {
    let now = SystemTime::now();
    Completion {
        text,
        raw_response: None,
        prompt_tokens: Some(0),
        output_tokens: Some(0),
        reasoning_tokens: None,
        finish_reason: Some("stop".into()),
        truncated: false,
        response_id: None,
        response_model: Some(REFERENCE_MODEL.into()),
        latency: Duration::ZERO,
        total_time: Duration::ZERO,
        attempts: 1,
        retried_errors: Vec::new(),
        started_at: now,
        finished_at: now,
    }
}

/// Writes samples and keeps the counts.
struct Recorder<'a> {
    store: &'a ResultsStore,
    plan: &'a GenPlan,
    tasks: &'a [Task<'a>],
    progress: &'a ProgressBar,
    summary: GenSummary,
}

impl Recorder<'_> {
    fn record(&mut self, job: &Job, backend: &Backend, prompt: &str, c: &Completion) -> Result<()> {
        let task = &self.tasks[job.task];
        let model = &self.plan.models[job.model];
        let parsed = bax_runner::files_from_answer(task, &c.text)
            .map_err(|e| e.to_string())
            .and_then(|files| {
                if files.is_empty() {
                    Err("the answer holds no files".to_string())
                } else {
                    Ok(files)
                }
            });
        let mut meta = json!({
            "bax_version": env!("CARGO_PKG_VERSION"),
            "model": model.name(),
            "task_id": task.id(),
            "scenario_id": task.scenario.id,
            "env_id": task.framework.env_id,
            "spec_type": job.spec.as_str(),
            "safety_prompt": job.safety.as_str(),
            "agent": self.plan.agent,
            "temperature": self.plan.options.temperature,
            "sample": job.key.sample,
        });
        match backend {
            Backend::Reference { weakness } => {
                meta["provider"] = json!(REFERENCE_MODEL);
                meta["weakness"] = json!(weakness);
            }
            Backend::Api(client) => {
                let e = client.endpoint();
                meta["provider"] = json!(e.provider);
                meta["api"] = json!(e.api());
                meta["api_model"] = json!(e.model);
                meta["base_url"] = json!(e.base_url);
                meta["options"] = json!(client.options());
            }
        }
        if let (Value::Object(m), Value::Object(c)) = (&mut meta, json!(c)) {
            m.extend(c);
        }
        meta["parsed"] = json!(parsed.is_ok());
        meta["parse_error"] = json!(parsed.as_ref().err());
        meta["files"] = json!(parsed
            .as_ref()
            .map(|f| f
                .iter()
                .map(|(p, _)| p.to_string_lossy().into_owned())
                .collect::<Vec<_>>())
            .unwrap_or_default());
        meta["prompt"] = json!(prompt);
        meta["answer"] = json!(c.text);
        meta["raw_response"] = match &c.raw_response {
            None => Value::Null,
            Some(raw) => serde_json::from_str(raw).unwrap_or_else(|_| json!(raw)),
        };
        let meta = serde_json::to_vec_pretty(&meta)?;
        let extras: [(&str, &[u8]); 1] = [(GENERATION_FILE, &meta)];
        let written = match &parsed {
            Ok(files) => self
                .store
                .write_sample(&job.key, files, &extras, job.overwrite),
            Err(_) => {
                let failed = format!("{FAILED_PREFIX}{}", c.text);
                self.store
                    .write_sample(&job.key, &[(FAILED_FILE, failed)], &extras, job.overwrite)
            }
        };
        match written {
            Ok(()) => {}
            Err(StoreError::AlreadyExists { path }) => {
                // Another run wrote it meanwhile: theirs stands.
                tracing::warn!("{} appeared meanwhile; left as it is", path.display());
                self.summary.skipped_existing += 1;
                return Ok(());
            }
            Err(e) => {
                return Err(e).with_context(|| format!("writing {}", task.id()));
            }
        }
        let s = &mut self.summary;
        if parsed.is_ok() {
            s.generated += 1;
        } else {
            s.failed_to_parse += 1;
        }
        if c.truncated {
            s.truncated += 1;
        }
        s.prompt_tokens += c.prompt_tokens.unwrap_or(0);
        s.output_tokens += c.output_tokens.unwrap_or(0);
        s.written.push(job.key.clone());
        Ok(())
    }

    fn error(&mut self, job: &Job, error: String) {
        let task_id = self.tasks[job.task].id();
        let model = self.plan.models[job.model].name();
        self.progress.suspend(|| {
            tracing::warn!(
                "{model} {task_id} {} sample{}: {error}",
                job.key.config.dir_components()[3],
                job.key.sample
            )
        });
        self.summary.api_errors += 1;
        self.summary.errors.push(SampleError {
            model,
            task_id,
            key: job.key.clone(),
            error,
        });
    }

    fn tick(&self) {
        let s = &self.summary;
        self.progress.set_message(format!(
            "{} ok, {} unparseable, {} errors",
            s.generated,
            s.failed_to_parse,
            s.api_errors + s.not_sent
        ));
        self.progress.inc(1);
    }
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
    let backends = plan
        .models
        .iter()
        .map(|m| backend(catalog, plan, m))
        .collect::<Result<Vec<_>>>()?;
    let store = ResultsStore::open(&plan.results)
        .with_context(|| format!("opening the results folder {}", plan.results.display()))?;
    let Planned {
        jobs,
        reference,
        summary,
    } = plan_jobs(plan, &tasks, &backends, &store);
    progress.set_length(jobs.len() as u64);
    tracing::info!(
        "{} samples to generate ({} exist, {} failed ones left alone)",
        jobs.len(),
        summary.skipped_existing,
        summary.skipped_failed
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

    // The reference model: no network, answered here.
    let (ref_jobs, api_jobs): (Vec<Job>, Vec<Job>) = jobs
        .into_iter()
        .partition(|j| matches!(backends[j.model], Backend::Reference { .. }));
    for job in &ref_jobs {
        if stop.load(Ordering::SeqCst) {
            rec.summary.interrupted = true;
            return Ok(rec.summary);
        }
        match &reference[&(job.model, job.task)] {
            Err(e) => rec.error(job, e.clone()),
            Ok(answer) => {
                let c = reference_completion(answer.clone());
                rec.record(job, &backends[job.model], &prompt_of(job), &c)?
            }
        }
        rec.tick();
    }

    // Models behind APIs.
    let prompts: Vec<Arc<str>> = api_jobs.iter().map(&mut prompt_of).collect();
    let work: Vec<Work> = api_jobs
        .iter()
        .zip(&prompts)
        .enumerate()
        .map(|(i, (job, prompt))| Work {
            job: i,
            model: job.model,
            client: match &backends[job.model] {
                Backend::Api(c) => c.clone(),
                Backend::Reference { .. } => unreachable!("partitioned above"),
            },
            prompt: prompt.clone(),
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
            Ok(c) => rec.record(job, &backends[job.model], &prompts[i], &c)?,
        }
        rec.tick();
    }
    Ok(rec.summary)
}

/// Checks a model and readies its client.
fn backend(catalog: &Catalog, plan: &GenPlan, model: &ModelChoice) -> Result<Backend> {
    Ok(match model {
        ModelChoice::Reference { weakness } => {
            if let Some(w) = weakness {
                let mut known: Vec<String> = catalog
                    .scenarios()
                    .iter()
                    .flat_map(|s| bax_scenarios::weaknesses(&s.id))
                    .map(|x| x.name)
                    .collect();
                known.sort();
                known.dedup();
                if !known.contains(w) {
                    bail!(
                        "no scenario's reference app has the weakness {w:?}; known: {}",
                        known.join(", ")
                    );
                }
            }
            Backend::Reference {
                weakness: weakness.clone(),
            }
        }
        ModelChoice::Api(spec) => {
            let e = Endpoint::resolve(spec, plan.base_url.as_deref(), plan.api_key_env.as_deref())?;
            Backend::Api(Arc::new(Client::new(e, plan.options.clone())?))
        }
    })
}

/// The samples to generate, and what was left out.
struct Planned {
    jobs: Vec<Job>,
    /// The reference model's answer (or failure) per (model, task).
    reference: BTreeMap<(usize, usize), Result<String, String>>,
    summary: GenSummary,
}

/// Every model × task × spec × safety × sample, less the tasks a model cannot
/// answer and the samples that exist (unless `force`; failed ones unless
/// `skip_failed`).
fn plan_jobs(
    plan: &GenPlan,
    tasks: &[Task<'_>],
    backends: &[Backend],
    store: &ResultsStore,
) -> Planned {
    let mut summary = GenSummary::default();
    let mut jobs = Vec::new();
    let mut reference = BTreeMap::new();
    for (mi, model) in plan.models.iter().enumerate() {
        for (ti, task) in tasks.iter().enumerate() {
            if let Backend::Reference { weakness } = &backends[mi] {
                let answer = match reference_answer(task, weakness.as_deref()) {
                    RefAnswer::Answer(a) => Ok(a),
                    RefAnswer::Error(e) => Err(e),
                    RefAnswer::Skip(reason) => {
                        summary.unsupported.push(Skipped {
                            model: model.name(),
                            task_id: task.id(),
                            reason,
                        });
                        continue;
                    }
                };
                reference.insert((mi, ti), answer);
            }
            for &spec in &plan.specs {
                for &safety in &plan.safeties {
                    let config = ConfigKey {
                        model: model.results_name(),
                        scenario_id: task.scenario.id.clone(),
                        env_id: task.framework.env_id.clone(),
                        temperature: plan.options.temperature,
                        spec_type: spec,
                        safety,
                    };
                    for sample in 0..plan.samples {
                        let key = config.sample(sample);
                        let exists = store.has_sample(&key);
                        if exists && !plan.force {
                            let failed = store.is_failed(&key);
                            if !failed {
                                summary.skipped_existing += 1;
                                continue;
                            }
                            if plan.skip_failed {
                                summary.skipped_failed += 1;
                                continue;
                            }
                        }
                        jobs.push(Job {
                            model: mi,
                            task: ti,
                            spec,
                            safety,
                            key,
                            overwrite: exists,
                        });
                    }
                }
            }
        }
    }
    summary.planned = jobs.len();
    Planned {
        jobs,
        reference,
        summary,
    }
}

/// One request for a worker.
struct Work {
    job: usize,
    model: usize,
    client: Arc<Client>,
    prompt: Arc<str>,
}

enum Outcome {
    Done(usize, Box<Result<Completion, GenError>>),
    /// Left out: the model refused an earlier request for good.
    NotSent,
}

/// Sends the requests from `concurrency` threads; the outcomes arrive on the
/// returned channel (parsing and writing stay with the caller, so each sample is
/// written by one thread, whole). The threads end when the work is done, when
/// `stop` is set, or when the receiver is dropped.
fn start_workers(
    work: Vec<Work>,
    models: usize,
    concurrency: usize,
    stop: &Arc<AtomicBool>,
) -> mpsc::Receiver<Outcome> {
    let threads = concurrency.min(work.len());
    let (work_tx, work_rx) = mpsc::channel::<Work>();
    for w in work {
        let _ = work_tx.send(w);
    }
    drop(work_tx);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let doomed: Arc<Vec<AtomicBool>> =
        Arc::new((0..models).map(|_| AtomicBool::new(false)).collect());
    let (done_tx, done_rx) = mpsc::channel::<Outcome>();
    for _ in 0..threads {
        let work_rx = work_rx.clone();
        let done_tx = done_tx.clone();
        let stop = stop.clone();
        let doomed = doomed.clone();
        std::thread::spawn(move || loop {
            if stop.load(Ordering::SeqCst) {
                return;
            }
            let next = work_rx.lock().map(|rx| rx.recv());
            let Ok(Ok(w)) = next else { return };
            let outcome = if doomed[w.model].load(Ordering::SeqCst) {
                Outcome::NotSent
            } else {
                let r = w.client.complete(&w.prompt, &stop);
                if r.as_ref().is_err_and(GenError::dooms_model) {
                    // Before taking the next job, so that no more is sent.
                    doomed[w.model].store(true, Ordering::SeqCst);
                }
                Outcome::Done(w.job, Box::new(r))
            };
            if done_tx.send(outcome).is_err() {
                return;
            }
        });
    }
    done_rx
}

/// Prints the summary: one line of counts, the skipped tasks (all of them with
/// `verbose`, else a count per model and reason), and the errors.
pub fn print_summary(s: &GenSummary, verbose: bool, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "generated {} sample(s): {} with code, {} unparseable (written as failed), {} API error(s){}; \
         skipped {} existing{}",
        s.generated + s.failed_to_parse,
        s.generated,
        s.failed_to_parse,
        s.api_errors,
        if s.not_sent > 0 {
            format!(" and {} not sent", s.not_sent)
        } else {
            String::new()
        },
        s.skipped_existing,
        if s.skipped_failed > 0 {
            format!(" and {} failed", s.skipped_failed)
        } else {
            String::new()
        },
    )?;
    writeln!(
        out,
        "tokens: {} prompt, {} output; {} answer(s) cut off at the token limit",
        s.prompt_tokens, s.output_tokens, s.truncated
    )?;
    let mut by_model: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &s.unsupported {
        *by_model.entry(&u.model).or_default() += 1;
    }
    for (model, n) in &by_model {
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for u in s.unsupported.iter().filter(|u| u.model == *model) {
            // Group "no reference app for <env>" lines into one.
            let r = if u.reason.starts_with("no reference app for ") {
                format!("no reference app in their framework (reference apps are {REFERENCE_ENV})")
            } else {
                u.reason.clone()
            };
            *reasons.entry(r).or_default() += 1;
        }
        let why: Vec<String> = reasons.iter().map(|(r, k)| format!("{k}: {r}")).collect();
        writeln!(
            out,
            "{model}: skipped {n} task(s) it cannot answer ({}){}",
            why.join("; "),
            if verbose { "" } else { " (-v lists them)" }
        )?;
        if verbose {
            for u in s.unsupported.iter().filter(|u| u.model == *model) {
                writeln!(out, "  skipped {}: {}", u.task_id, u.reason)?;
            }
        }
    }
    const SHOWN: usize = 20;
    for e in s
        .errors
        .iter()
        .take(if verbose { usize::MAX } else { SHOWN })
    {
        writeln!(
            out,
            "  error {} {} {} sample{}: {}",
            e.model,
            e.task_id,
            e.key.config.dir_components()[3],
            e.key.sample,
            e.error
        )?;
    }
    if !verbose && s.errors.len() > SHOWN {
        writeln!(
            out,
            "  … and {} more errors (-v lists them)",
            s.errors.len() - SHOWN
        )?;
    }
    if s.api_errors + s.not_sent > 0 {
        writeln!(
            out,
            "samples that could not be generated were not written; run again to retry them"
        )?;
    }
    if s.interrupted {
        writeln!(
            out,
            "stopped before the end; run the same command again to resume"
        )?;
    }
    Ok(())
}

/// A progress bar on stderr when it is a terminal, else a hidden one.
pub fn progress_bar() -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} (ETA {eta}) {msg}",
        )
        .expect("a valid template"),
    );
    pb.enable_steady_tick(Duration::from_millis(200));
    pb
}

/// Sets `stop` on Ctrl-C (a second Ctrl-C exits at once; samples are still
/// whole, since they are renamed into place). Only the first call in a process
/// installs the handler.
pub fn stop_on_ctrl_c() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        if let Err(e) = ctrlc::set_handler(move || {
            if f.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!(
                "\nbax: stopping (samples in flight are dropped; Ctrl-C again to quit at once)"
            );
        }) {
            tracing::warn!("cannot catch Ctrl-C: {e}");
        }
        flag
    })
    .clone()
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

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cmd {
        #[command(flatten)]
        args: GenerateArgs,
    }

    fn plan(args: &[&str]) -> Result<GenPlan> {
        let cmd = Cmd::try_parse_from(std::iter::once("generate").chain(args.iter().copied()))?;
        GenPlan::from_args(&cmd.args)
    }

    #[test]
    fn reference_star_is_every_weakness() {
        let p = plan(&["--model", "reference,reference:*"]).unwrap();
        let names: Vec<String> = p.models.iter().map(|m| m.name()).collect();
        assert_eq!(names[0], "reference");
        assert!(names.contains(&"reference:sqli".to_string()), "{names:?}");
        assert!(names.contains(&"reference:code_injection".to_string()));
        // Each weakness once, although several scenarios share a name.
        let mut sorted = names.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }

    #[test]
    fn model_names_and_folders() {
        let r = ModelChoice::parse("reference", false).unwrap();
        assert_eq!(
            (r.name(), r.results_name()),
            ("reference".into(), "reference".into())
        );
        let w = ModelChoice::parse("reference:sqli", false).unwrap();
        assert_eq!(
            w,
            ModelChoice::Reference {
                weakness: Some("sqli".into())
            }
        );
        assert_eq!(w.results_name(), "reference:sqli");
        assert!(ModelChoice::parse("reference:", false).is_err());
        let o = ModelChoice::parse("openrouter/qwen/qwen-2.5", false).unwrap();
        assert_eq!(o.results_name(), "openrouter-qwen-qwen-2.5");
    }

    #[test]
    fn plans_come_from_the_command_line() {
        let p = plan(&[
            "--model",
            "openai/gpt-4o,reference",
            "--model",
            "reference",
            "--spec",
            "openapi,text",
            "--safety",
            "generic,specific",
            "--base-delay",
            "0.5",
            "--max-delay",
            "4",
            "--reasoning-effort",
            "low",
            "--max-tokens",
            "100",
            "--request-timeout",
            "1.5",
        ])
        .unwrap();
        assert_eq!(p.models.len(), 2, "duplicates are dropped");
        assert_eq!(p.specs, [SpecType::Openapi, SpecType::Text]);
        assert_eq!(p.safeties, [SafetyPrompt::Generic, SafetyPrompt::Specific]);
        assert_eq!(p.options.temperature, 0.2);
        assert_eq!(p.options.retry.max_retries, 20);
        assert_eq!(p.options.retry.base_delay, Duration::from_millis(500));
        assert_eq!(p.options.retry.max_delay, Duration::from_secs(4));
        assert_eq!(p.options.reasoning_effort, Some(ReasoningEffort::Low));
        assert_eq!(p.options.max_tokens, Some(100));
        assert_eq!(p.options.read_timeout, Duration::from_millis(1500));
        assert_eq!((p.samples, p.concurrency), (1, 8));

        let e = plan(&["--model", "a/b,a-b", "--base-url", "http://x"]).unwrap_err();
        assert!(e.to_string().contains("share the results folder"), "{e}");
        assert!(plan(&["--model", "reference", "--base-delay", "-1"]).is_err());
        assert!(plan(&["--model", "reference", "--concurrency", "0"]).is_err());
        assert!(plan(&["--model", "reference", "--temperature", "NaN"]).is_err());
    }
}
