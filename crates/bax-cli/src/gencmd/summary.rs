//! What a generation run did: counts, skipped tasks and errors.

use bax_store::SampleKey;
use serde::Serialize;
use serde_json::Value;

/// A (model, task) pair left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// Samples of the work list that belong to other shards (`--shard`).
    pub other_shards: usize,
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

/// The `--json` summary of `bax generate`.
#[derive(Serialize)]
struct SummaryJson<'a> {
    planned: usize,
    generated: usize,
    failed_to_parse: usize,
    api_errors: usize,
    not_sent: usize,
    skipped_existing: usize,
    skipped_failed: usize,
    other_shards: usize,
    truncated: usize,
    prompt_tokens: u64,
    output_tokens: u64,
    interrupted: bool,
    unsupported: &'a [Skipped],
    errors: Vec<ErrorJson<'a>>,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    model: &'a str,
    task_id: &'a str,
    /// The configuration folder, e.g. `temp0.2-openapi-none`.
    config: String,
    sample: u32,
    error: &'a str,
}

impl SampleError {
    /// The configuration folder of the sample, e.g. `temp0.2-openapi-none`.
    pub fn config_dir(&self) -> String {
        self.key.config.dir_components()[3].clone()
    }
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
        let s = SummaryJson {
            planned: self.planned,
            generated: self.generated,
            failed_to_parse: self.failed_to_parse,
            api_errors: self.api_errors,
            not_sent: self.not_sent,
            skipped_existing: self.skipped_existing,
            skipped_failed: self.skipped_failed,
            other_shards: self.other_shards,
            truncated: self.truncated,
            prompt_tokens: self.prompt_tokens,
            output_tokens: self.output_tokens,
            interrupted: self.interrupted,
            unsupported: &self.unsupported,
            errors: self
                .errors
                .iter()
                .map(|e| ErrorJson {
                    model: &e.model,
                    task_id: &e.task_id,
                    config: e.config_dir(),
                    sample: e.key.sample,
                    error: &e.error,
                })
                .collect(),
        };
        serde_json::to_value(s).expect("the summary serializes")
    }
}
