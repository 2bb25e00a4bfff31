//! bax's model providers: asking LLMs for answers over their HTTP APIs.
//!
//! Two wire protocols cover every provider BaxBench used and the usual local
//! servers:
//!
//! * **OpenAI chat completions** (`POST {base_url}/chat/completions`,
//!   `Authorization: Bearer <key>`): OpenAI, OpenRouter, Together, vLLM, Ollama, or
//!   any compatible server at a custom base URL.
//! * **Anthropic messages** (`POST {base_url}/v1/messages`, `x-api-key`,
//!   `anthropic-version: 2023-06-01`).
//!
//! # Model names
//!
//! A model is named `<provider>/<model>`; the prefix is cut once and the rest is
//! sent to the API verbatim (it may contain `/` itself):
//!
//! | name | API | default base URL | key variable |
//! |---|---|---|---|
//! | `openai/gpt-4o` | OpenAI | `https://api.openai.com/v1` | `OPENAI_API_KEY` |
//! | `anthropic/claude-sonnet-4-5` | Anthropic | `https://api.anthropic.com` | `ANTHROPIC_API_KEY` |
//! | `openrouter/qwen/qwen-2.5-coder-32b-instruct` | OpenAI | `https://openrouter.ai/api/v1` | `OPENROUTER_API_KEY` |
//! | `together/deepseek-ai/DeepSeek-V3` | OpenAI | `https://api.together.xyz/v1` | `TOGETHER_API_KEY` |
//! | `ollama/llama3.1:8b` | OpenAI | `http://localhost:11434/v1` | none |
//! | `vllm/Qwen/Qwen2.5-Coder-7B-Instruct` | OpenAI | `http://localhost:8000/v1` | none |
//! | `my-model` with a base URL | OpenAI | the base URL | none |
//!
//! A base URL given by the user replaces the default of any provider (so
//! `anthropic/claude-x` can go to a proxy). A name whose first segment is not one
//! of the prefixes is a bare model and needs a base URL; a Hugging Face id that
//! starts with a provider's name is written with its server's prefix
//! (`vllm/openai/gpt-oss-20b`). A key variable named by the user
//! (`--api-key-env NAME`) replaces the provider's and must then be set; hosted
//! providers require their key; local servers send none.
//!
//! The model's results folder is its name as written with `/` as `-`
//! ([`ModelSpec::results_name`]: `openai-gpt-4o`), so every bax command that takes
//! `--model` finds it under the same name.
//!
//! # Requests and retries
//!
//! One request per sample, with BaxBench's system prompt ([`SYSTEM_PROMPT`]) and
//! options ([`GenOptions`]). Failures that may pass (HTTP 408, 409, 429, 5xx,
//! timeouts including a stalled server, connection errors, and 2xx bodies that
//! are not JSON or lack `choices`/`content`) are retried up to
//! [`RetryPolicy::max_retries`] times, waiting `uniform(0, min(max_delay,
//! base_delay * 2^retry))` (full jitter, as BaxBench), or what the server's
//! `Retry-After` (seconds or HTTP date) or `retry-after-ms` header asks, up to
//! `max_delay`. Any other 4xx is [`GenError::Rejected`] at once.
//!
//! # Models
//!
//! Every source of answers implements [`Model`]: it gets a [`Request`] (the task's
//! identity and the prompt), may refuse a task it cannot answer at all
//! ([`CannotAnswer`]), and says what generation records hold about it. [`Client`]
//! is the HTTP model; the `bax` CLI adds its built-in reference model.
//!
//! [`fake`] is a local server speaking both protocols, with scripted faults, for
//! tests.

mod client;
pub mod fake;
mod model;
mod options;
mod request;

use std::time::{Duration, SystemTime};

pub use client::{Client, Completion, ANTHROPIC_VERSION};
pub use model::{Api, Endpoint, ModelSpec, Provider};
pub use options::{
    parse_retry_after, GenOptions, ReasoningEffort, RetryPolicy, ANTHROPIC_DEFAULT_MAX_TOKENS,
    SYSTEM_PROMPT,
};
pub use request::{record_fields, ApiRecord, CannotAnswer, Model, Request, TaskRef};

/// Why one attempt failed in a way worth retrying.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AttemptError {
    #[error("HTTP {status}: {message}")]
    Status {
        status: u16,
        message: String,
        /// What the server's Retry-After asked for.
        retry_after: Option<Duration>,
    },
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("malformed response: {0}")]
    Malformed(String),
}

impl AttemptError {
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AttemptError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// Everything that can go wrong when asking a model.
#[derive(Debug, thiserror::Error)]
pub enum GenError {
    #[error("model {model:?}: {reason}")]
    BadModel { model: String, reason: String },
    #[error(
        "model {model:?} needs an API key: set {var} (or name another variable with --api-key-env)"
    )]
    MissingKey { model: String, var: String },
    #[error("{0}")]
    BadOption(String),
    /// A 4xx other than 408, 409 and 429: the request itself is refused.
    #[error("{url} refused the request with HTTP {status}: {message} (not retried)")]
    Rejected {
        url: String,
        status: u16,
        message: String,
        body: String,
    },
    /// A request that cannot be sent at all (bad URL).
    #[error("{url}: {message}")]
    Request { url: String, message: String },
    #[error("gave up after {attempts} attempt(s); last error: {last}")]
    Exhausted { attempts: u32, last: AttemptError },
    /// The model has no answer for this request (the reference model's app for
    /// the task could not be read); other requests may still be answered.
    #[error("{0}")]
    Unanswered(String),
    /// The model cannot answer the task at all ([`Model::can_answer`]).
    #[error("{0}")]
    CannotAnswer(#[from] CannotAnswer),
    #[error("cancelled")]
    Cancelled,
}

impl GenError {
    /// Whether every other request to the same model will fail the same way (bad
    /// key, no access, unknown model or URL), so the rest need not be sent.
    pub fn dooms_model(&self) -> bool {
        matches!(
            self,
            GenError::Rejected {
                status: 401 | 403 | 404,
                ..
            } | GenError::Request { .. }
                | GenError::MissingKey { .. }
                | GenError::BadModel { .. }
                | GenError::BadOption(_)
        )
    }
}

/// `t` as RFC 3339 in UTC with milliseconds, e.g. `2025-02-11T09:30:00.123Z`
/// (times before 1970 are written as the epoch).
pub fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t.max(SystemTime::UNIX_EPOCH)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        let at = |s: u64, ms: u64| SystemTime::UNIX_EPOCH + Duration::from_millis(s * 1000 + ms);
        assert_eq!(rfc3339(at(0, 0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(at(951_782_400, 5)), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(at(1_739_266_200, 123)), "2025-02-11T09:30:00.123Z");
        assert_eq!(rfc3339(at(4_102_444_799, 999)), "2099-12-31T23:59:59.999Z");
        let before = SystemTime::UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(rfc3339(before), "1970-01-01T00:00:00.000Z");
    }
}
