//! Generation records (`generation.json` beside each sample's `code/`) and the
//! [`Recorder`] that writes samples and keeps the counts.

use anyhow::{Context, Result};
use bax_catalog::Task;
use bax_gen::{Completion, Model};
use bax_store::{ResultsStore, StoreError, FAILED_FILE, FAILED_PREFIX};
use serde::Serialize;
use serde_json::{Map, Value};

use super::plan::{GenPlan, Job};
use super::summary::{GenSummary, SampleError};
use crate::ui::ProgressBar;

/// The metadata file written beside each sample's `code/`.
pub const GENERATION_FILE: &str = "generation.json";

/// How one sample's answer was obtained: `generation.json`. Written with its
/// keys in byte order (as a JSON object), whatever the field order here.
#[derive(Debug, Serialize)]
pub struct GenerationRecord<'a> {
    pub bax_version: &'static str,
    /// The model's name as written (`openai/gpt-4o`, `reference:sqli`).
    pub model: String,
    pub task_id: String,
    pub scenario_id: &'a str,
    pub env_id: &'a str,
    pub spec_type: &'static str,
    pub safety_prompt: &'static str,
    pub agent: bool,
    pub temperature: f64,
    pub sample: u32,
    /// The model's own fields ([`Model::record`]): provider, API, options, ...
    #[serde(flatten)]
    pub model_fields: Map<String, Value>,
    /// Tokens, finish reason, truncation, latency, attempts, timestamps.
    #[serde(flatten)]
    pub completion: &'a Completion,
    pub parsed: bool,
    pub parse_error: Option<&'a str>,
    /// The files the answer was parsed into (none if it could not be).
    pub files: Vec<String>,
    pub prompt: &'a str,
    pub answer: &'a str,
    /// The response body: JSON as JSON, anything else as a string, `null` for
    /// answers not from an API.
    pub raw_response: Value,
}

impl GenerationRecord<'_> {
    /// The file's bytes: pretty JSON, keys sorted.
    pub fn to_file_bytes(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec_pretty(&serde_json::to_value(self)?)
    }
}

/// Writes samples and keeps the counts.
pub(crate) struct Recorder<'a> {
    pub store: &'a ResultsStore,
    pub plan: &'a GenPlan,
    pub tasks: &'a [Task<'a>],
    pub progress: &'a ProgressBar,
    pub summary: GenSummary,
}

impl Recorder<'_> {
    pub fn record(
        &mut self,
        job: &Job,
        model: &dyn Model,
        prompt: &str,
        c: &Completion,
    ) -> Result<()> {
        let task = &self.tasks[job.task];
        let parsed = bax_runner::files_from_answer(task, &c.text)
            .map_err(|e| e.to_string())
            .and_then(|files| {
                if files.is_empty() {
                    Err("the answer holds no files".to_string())
                } else {
                    Ok(files)
                }
            });
        let meta = GenerationRecord {
            bax_version: env!("CARGO_PKG_VERSION"),
            model: self.plan.models[job.model].name(),
            task_id: task.id(),
            scenario_id: &task.scenario.id,
            env_id: &task.framework.env_id,
            spec_type: job.spec.as_str(),
            safety_prompt: job.safety.as_str(),
            agent: self.plan.agent,
            temperature: self.plan.options.temperature,
            sample: job.key.sample,
            model_fields: model.record(),
            completion: c,
            parsed: parsed.is_ok(),
            parse_error: parsed.as_ref().err().map(String::as_str),
            files: parsed
                .as_ref()
                .map(|f| {
                    f.iter()
                        .map(|(p, _)| p.to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default(),
            prompt,
            answer: &c.text,
            raw_response: match &c.raw_response {
                None => Value::Null,
                Some(raw) => {
                    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.clone()))
                }
            },
        };
        let meta = meta.to_file_bytes()?;
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

    pub fn error(&mut self, job: &Job, error: String) {
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

    pub fn tick(&self) {
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
