//! The HTTP client: one request per completion, retried by [`RetryPolicy`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::{json, Value};
use tracing::{debug, info};

use crate::model::{Api, Endpoint, Provider};
use crate::options::{
    parse_retry_after, GenOptions, ReasoningEffort, ANTHROPIC_DEFAULT_MAX_TOKENS,
};
use crate::{AttemptError, GenError};

/// The `anthropic-version` header bax sends.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// One model answer and what is known about how it was obtained.
#[derive(Debug, Clone, Serialize)]
pub struct Completion {
    /// The answer's text (Anthropic: its text blocks joined; thinking left out).
    #[serde(skip)]
    pub text: String,
    /// The response body exactly as received (`None` for answers not from an API).
    #[serde(skip)]
    pub raw_response: Option<String>,
    pub prompt_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// OpenAI's `usage.completion_tokens_details.reasoning_tokens`, if reported.
    pub reasoning_tokens: Option<u64>,
    /// `finish_reason` (OpenAI-compatible) or `stop_reason` (Anthropic).
    pub finish_reason: Option<String>,
    /// The answer was cut off by the token limit (`length` / `max_tokens`).
    pub truncated: bool,
    pub response_id: Option<String>,
    /// The model the server says answered.
    pub response_model: Option<String>,
    /// Duration of the successful request.
    #[serde(rename = "latency_ms", serialize_with = "ms")]
    pub latency: Duration,
    /// From the first attempt to the answer, waits included.
    #[serde(rename = "total_ms", serialize_with = "ms")]
    pub total_time: Duration,
    /// Requests made (1 = no retry).
    pub attempts: u32,
    /// Why each failed attempt failed, in order.
    pub retried_errors: Vec<String>,
    #[serde(serialize_with = "timestamp")]
    pub started_at: SystemTime,
    #[serde(serialize_with = "timestamp")]
    pub finished_at: SystemTime,
}

fn ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis().min(u128::from(u64::MAX)) as u64)
}

fn timestamp<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::rfc3339(*t))
}

/// What one attempt produced, short of a [`Completion`].
struct Parsed {
    text: String,
    prompt_tokens: Option<u64>,
    output_tokens: Option<u64>,
    reasoning_tokens: Option<u64>,
    finish_reason: Option<String>,
    truncated: bool,
    response_id: Option<String>,
    response_model: Option<String>,
}

enum Failure {
    Retry(AttemptError),
    Fatal(GenError),
}

/// A client for one model at one endpoint. Cheap to share between threads.
pub struct Client {
    agent: ureq::Agent,
    endpoint: Endpoint,
    options: GenOptions,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint)
            .field("options", &self.options)
            .finish()
    }
}

impl Client {
    /// Checks the options against the endpoint's API and builds the HTTP agent.
    pub fn new(endpoint: Endpoint, options: GenOptions) -> Result<Self, GenError> {
        let bad = |m: String| Err(GenError::BadOption(m));
        if !options.temperature.is_finite() || options.temperature < 0.0 {
            return bad(format!(
                "temperature {} is not a number >= 0",
                options.temperature
            ));
        }
        if options.max_tokens == Some(0) {
            return bad("max tokens must be at least 1".into());
        }
        match (endpoint.api(), options.reasoning_effort) {
            (Api::OpenAiChat, Some(ReasoningEffort::Budget(n))) => {
                return bad(format!(
                    "a thinking budget ({n} tokens) is for Anthropic models; OpenAI-compatible \
                     APIs take a level: minimal, low, medium or high"
                ))
            }
            (Api::AnthropicMessages, Some(e)) => {
                let budget = e.anthropic_budget();
                if budget < ReasoningEffort::MIN_BUDGET {
                    return bad(format!(
                        "Anthropic's thinking budget must be at least {} tokens, got {budget}",
                        ReasoningEffort::MIN_BUDGET
                    ));
                }
                if let Some(max) = options.max_tokens {
                    if budget >= max {
                        return bad(format!(
                            "the thinking budget ({budget} tokens for reasoning effort {e}) must \
                             be below max tokens ({max})"
                        ));
                    }
                }
            }
            _ => {}
        }
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(options.connect_timeout)
            .timeout_read(options.read_timeout)
            .timeout_write(options.read_timeout)
            .user_agent(concat!("bax/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Self {
            agent,
            endpoint,
            options,
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub fn options(&self) -> &GenOptions {
        &self.options
    }

    /// The JSON body sent for `prompt`.
    pub fn request_body(&self, prompt: &str) -> Value {
        let o = &self.options;
        let e = &self.endpoint;
        match e.api() {
            Api::OpenAiChat => {
                let reasoning_model = e.is_openai_reasoning_model();
                let mut messages = Vec::new();
                if !o.system_prompt.is_empty() {
                    let role = if reasoning_model {
                        "developer"
                    } else {
                        "system"
                    };
                    messages.push(json!({"role": role, "content": o.system_prompt}));
                }
                messages.push(json!({"role": "user", "content": prompt}));
                let mut b = json!({"model": e.model, "messages": messages});
                if !reasoning_model {
                    b["temperature"] = json!(o.temperature);
                }
                if let Some(n) = o.max_tokens {
                    let field = if e.provider == Provider::OpenAi {
                        "max_completion_tokens"
                    } else {
                        "max_tokens"
                    };
                    b[field] = json!(n);
                }
                if let Some(level) = o.reasoning_effort.and_then(ReasoningEffort::level) {
                    b["reasoning_effort"] = json!(level);
                }
                b
            }
            Api::AnthropicMessages => {
                let mut b = json!({
                    "model": e.model,
                    "messages": [{"role": "user", "content": prompt}],
                });
                if !o.system_prompt.is_empty() {
                    b["system"] = json!(o.system_prompt);
                }
                match o.reasoning_effort {
                    None => {
                        b["max_tokens"] =
                            json!(o.max_tokens.unwrap_or(ANTHROPIC_DEFAULT_MAX_TOKENS));
                        b["temperature"] = json!(o.temperature);
                    }
                    Some(effort) => {
                        // Extended thinking takes no temperature.
                        let budget = effort.anthropic_budget();
                        let max = o
                            .max_tokens
                            .unwrap_or(budget.saturating_add(ANTHROPIC_DEFAULT_MAX_TOKENS));
                        b["max_tokens"] = json!(max);
                        b["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
                    }
                }
                b
            }
        }
    }

    /// Asks for one completion of `prompt`, retrying transient failures (429,
    /// 408, 409, 5xx, timeouts, connection errors, malformed bodies) with backoff.
    /// Other 4xx answers fail at once. Returns [`GenError::Cancelled`] as soon as
    /// `stop` is set (checked before each attempt and while waiting).
    pub fn complete(&self, prompt: &str, stop: &AtomicBool) -> Result<Completion, GenError> {
        let body = self.request_body(prompt).to_string();
        let url = self.endpoint.url();
        let policy = &self.options.retry;
        let max_attempts = policy.max_retries.saturating_add(1);
        let started_at = SystemTime::now();
        let t0 = Instant::now();
        let mut retried_errors = Vec::new();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if stop.load(Ordering::SeqCst) {
                return Err(GenError::Cancelled);
            }
            debug!(%url, attempt, model = %self.endpoint.model, "sending request");
            let err = match self.attempt(&url, &body) {
                Ok((raw, latency)) => match parse(self.endpoint.api(), &raw) {
                    Ok(p) => {
                        debug!(%url, attempt, ?latency, finish = ?p.finish_reason, "answer received");
                        return Ok(Completion {
                            text: p.text,
                            raw_response: Some(raw),
                            prompt_tokens: p.prompt_tokens,
                            output_tokens: p.output_tokens,
                            reasoning_tokens: p.reasoning_tokens,
                            finish_reason: p.finish_reason,
                            truncated: p.truncated,
                            response_id: p.response_id,
                            response_model: p.response_model,
                            latency,
                            total_time: t0.elapsed(),
                            attempts: attempt,
                            retried_errors,
                            started_at,
                            finished_at: SystemTime::now(),
                        });
                    }
                    Err(m) => AttemptError::Malformed(m),
                },
                Err(Failure::Fatal(e)) => {
                    debug!(%url, attempt, error = %e, "not retried");
                    return Err(e);
                }
                Err(Failure::Retry(e)) => e,
            };
            if attempt >= max_attempts {
                return Err(GenError::Exhausted {
                    attempts: attempt,
                    last: err,
                });
            }
            let delay = policy.delay(attempt, err.retry_after());
            info!(
                "{url}: {err}; retry {attempt}/{} in {:.3} s",
                policy.max_retries,
                delay.as_secs_f64()
            );
            retried_errors.push(err.to_string());
            sleep_unless_stopped(delay, stop)?;
        }
    }

    /// One request: the body of a 2xx answer and the request's duration.
    fn attempt(&self, url: &str, body: &str) -> Result<(String, Duration), Failure> {
        let t0 = Instant::now();
        let mut req = self
            .agent
            .post(url)
            .set("content-type", "application/json")
            .set("accept", "application/json");
        match self.endpoint.api() {
            Api::OpenAiChat => {
                if let Some(k) = self.endpoint.api_key() {
                    req = req.set("authorization", &format!("Bearer {k}"));
                }
                if self.endpoint.provider == Provider::OpenRouter {
                    req = req.set("x-title", "bax");
                }
            }
            Api::AnthropicMessages => {
                if let Some(k) = self.endpoint.api_key() {
                    req = req.set("x-api-key", k);
                }
                req = req.set("anthropic-version", ANTHROPIC_VERSION);
            }
        }
        match req.send_string(body) {
            Ok(resp) => match resp.into_string() {
                Ok(text) => Ok((text, t0.elapsed())),
                Err(e) => Err(Failure::Retry(io_failure(&e, "reading the response"))),
            },
            Err(ureq::Error::Status(status, resp)) => {
                let retry_after = retry_after(&resp);
                let body = resp.into_string().unwrap_or_default();
                let message = error_message(&body);
                if status == 408 || status == 409 || status == 429 || status >= 500 {
                    Err(Failure::Retry(AttemptError::Status {
                        status,
                        message,
                        retry_after,
                    }))
                } else {
                    Err(Failure::Fatal(GenError::Rejected {
                        url: url.to_string(),
                        status,
                        message,
                        body,
                    }))
                }
            }
            Err(ureq::Error::Transport(t)) => {
                use ureq::ErrorKind as K;
                let message = t.to_string();
                match t.kind() {
                    K::InvalidUrl
                    | K::UnknownScheme
                    | K::InvalidProxyUrl
                    | K::InsecureRequestHttpsOnly => Err(Failure::Fatal(GenError::Request {
                        url: url.to_string(),
                        message,
                    })),
                    _ => {
                        let timed_out = std::error::Error::source(&t)
                            .and_then(|s| s.downcast_ref::<std::io::Error>())
                            .is_some_and(|io| {
                                matches!(
                                    io.kind(),
                                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                                )
                            });
                        Err(Failure::Retry(if timed_out {
                            AttemptError::Timeout(message)
                        } else {
                            AttemptError::Connection(message)
                        }))
                    }
                }
            }
        }
    }
}

fn io_failure(e: &std::io::Error, what: &str) -> AttemptError {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
            AttemptError::Timeout(format!("{what}: {e}"))
        }
        _ => AttemptError::Connection(format!("{what}: {e}")),
    }
}

/// `retry-after-ms` (sent by some OpenAI-compatible servers) or `retry-after`.
fn retry_after(resp: &ureq::Response) -> Option<Duration> {
    if let Some(ms) = resp
        .header("retry-after-ms")
        .and_then(|v| v.trim().parse::<f64>().ok())
    {
        if let Ok(d) = Duration::try_from_secs_f64(ms / 1000.0) {
            return Some(d);
        }
    }
    parse_retry_after(resp.header("retry-after")?, SystemTime::now())
}

/// The `error.message` of an error body (both APIs nest it so), else the body.
fn error_message(body: &str) -> String {
    let from_json = serde_json::from_str::<Value>(body).ok().and_then(|v| {
        let e = v.get("error")?;
        e.get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| e.as_str().map(str::to_string))
    });
    from_json.unwrap_or_else(|| clip(body.trim(), 300))
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) -> Result<(), GenError> {
    let end = Instant::now() + d;
    loop {
        if stop.load(Ordering::SeqCst) {
            return Err(GenError::Cancelled);
        }
        let now = Instant::now();
        if now >= end {
            return Ok(());
        }
        std::thread::sleep((end - now).min(Duration::from_millis(25)));
    }
}

fn parse(api: Api, raw: &str) -> Result<Parsed, String> {
    let v: Value =
        serde_json::from_str(raw).map_err(|e| format!("not JSON ({e}): {:?}", clip(raw, 200)))?;
    if !v.is_object() {
        return Err(format!("not a JSON object: {}", clip(raw, 200)));
    }
    if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
        return Err(format!(
            "error object in a success response: {}",
            clip(&err.to_string(), 300)
        ));
    }
    let u64_at = |path: &[&str]| {
        let mut cur = &v;
        for p in path {
            cur = cur.get(p)?;
        }
        cur.as_u64()
    };
    let str_at = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
    match api {
        Api::OpenAiChat => {
            let choices = v
                .get("choices")
                .and_then(Value::as_array)
                .ok_or("no `choices` array")?;
            let choice = choices.first().ok_or("empty `choices`")?;
            let message = choice
                .get("message")
                .filter(|m| m.is_object())
                .ok_or("the first choice has no `message`")?;
            let text = match message.get("content") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                // Content parts, as some servers send them.
                Some(Value::Array(parts)) => parts
                    .iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str))
                    .collect(),
                Some(other) => return Err(format!("`message.content` is {other}")),
            };
            let finish_reason = choice
                .get("finish_reason")
                .and_then(Value::as_str)
                .map(str::to_string);
            Ok(Parsed {
                text,
                prompt_tokens: u64_at(&["usage", "prompt_tokens"]),
                output_tokens: u64_at(&["usage", "completion_tokens"]),
                reasoning_tokens: u64_at(&[
                    "usage",
                    "completion_tokens_details",
                    "reasoning_tokens",
                ]),
                truncated: finish_reason.as_deref() == Some("length"),
                finish_reason,
                response_id: str_at("id"),
                response_model: str_at("model"),
            })
        }
        Api::AnthropicMessages => {
            if v.get("type").and_then(Value::as_str) == Some("error") {
                return Err("an error object in a success response".into());
            }
            let content = v
                .get("content")
                .and_then(Value::as_array)
                .ok_or("no `content` array")?;
            let text = content
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join("");
            let finish_reason = str_at("stop_reason");
            Ok(Parsed {
                text,
                prompt_tokens: u64_at(&["usage", "input_tokens"]),
                output_tokens: u64_at(&["usage", "output_tokens"]),
                reasoning_tokens: None,
                truncated: finish_reason.as_deref() == Some("max_tokens"),
                finish_reason,
                response_id: str_at("id"),
                response_model: str_at("model"),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(provider: Provider, model: &str, o: GenOptions) -> Result<Client, GenError> {
        Client::new(
            Endpoint::new(provider, "http://127.0.0.1:9", model, None),
            o,
        )
    }

    #[test]
    fn openai_bodies_follow_the_model_kind() {
        let o = GenOptions {
            max_tokens: Some(1000),
            ..GenOptions::default()
        };
        let b = client(Provider::OpenAi, "gpt-4o", o.clone())
            .unwrap()
            .request_body("P");
        assert_eq!(
            b,
            json!({"model": "gpt-4o", "temperature": 0.2, "max_completion_tokens": 1000,
                   "messages": [{"role": "system", "content": crate::SYSTEM_PROMPT},
                                {"role": "user", "content": "P"}]})
        );
        let r = GenOptions {
            reasoning_effort: Some(ReasoningEffort::High),
            ..o.clone()
        };
        let b = client(Provider::OpenAi, "o3-mini", r.clone())
            .unwrap()
            .request_body("P");
        assert_eq!(b["messages"][0]["role"], "developer");
        assert!(b.get("temperature").is_none());
        assert_eq!(b["reasoning_effort"], "high");
        let b = client(Provider::Vllm, "qwen", r).unwrap().request_body("P");
        assert_eq!(b["max_tokens"], 1000);
        assert_eq!(b["temperature"], 0.2);
        assert_eq!(b["messages"][0]["role"], "system");
        let budget = GenOptions {
            reasoning_effort: Some(ReasoningEffort::Budget(5000)),
            ..o
        };
        assert!(matches!(
            client(Provider::OpenAi, "o3", budget),
            Err(GenError::BadOption(_))
        ));
    }

    #[test]
    fn anthropic_bodies_carry_max_tokens_and_thinking() {
        let b = client(Provider::Anthropic, "claude-x", GenOptions::default())
            .unwrap()
            .request_body("P");
        assert_eq!(
            b,
            json!({"model": "claude-x", "max_tokens": 8192, "temperature": 0.2,
                   "system": crate::SYSTEM_PROMPT,
                   "messages": [{"role": "user", "content": "P"}]})
        );
        let t = GenOptions {
            reasoning_effort: Some(ReasoningEffort::Low),
            ..GenOptions::default()
        };
        let b = client(Provider::Anthropic, "claude-x", t.clone())
            .unwrap()
            .request_body("P");
        assert_eq!(
            b["thinking"],
            json!({"type": "enabled", "budget_tokens": 4096})
        );
        assert_eq!(b["max_tokens"], 4096 + 8192);
        assert!(b.get("temperature").is_none());
        let too_small = GenOptions {
            max_tokens: Some(4096),
            ..t
        };
        assert!(matches!(
            client(Provider::Anthropic, "claude-x", too_small),
            Err(GenError::BadOption(_))
        ));
    }

    #[test]
    fn bodies_are_parsed_or_called_malformed() {
        let ok = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"length"}],
                     "usage":{"prompt_tokens":3,"completion_tokens":4,"completion_tokens_details":{"reasoning_tokens":2}}}"#;
        let p = parse(Api::OpenAiChat, ok).unwrap();
        assert_eq!(
            (
                p.text.as_str(),
                p.prompt_tokens,
                p.output_tokens,
                p.reasoning_tokens,
                p.truncated
            ),
            ("hi", Some(3), Some(4), Some(2), true)
        );
        for bad in [
            "not json",
            "[]",
            r#"{"id":"x"}"#,
            r#"{"choices":[]}"#,
            r#"{"choices":[{"index":0}]}"#,
            r#"{"error":{"message":"upstream failed"}}"#,
        ] {
            assert!(parse(Api::OpenAiChat, bad).is_err(), "{bad}");
        }
        let a = r#"{"type":"message","content":[{"type":"thinking","thinking":"hmm","signature":"s"},
                    {"type":"text","text":"a"},{"type":"text","text":"b"}],"stop_reason":"max_tokens",
                    "usage":{"input_tokens":5,"output_tokens":6}}"#;
        let p = parse(Api::AnthropicMessages, a).unwrap();
        assert_eq!(
            (p.text.as_str(), p.truncated, p.output_tokens),
            ("ab", true, Some(6))
        );
        assert!(parse(Api::AnthropicMessages, r#"{"type":"message"}"#).is_err());
    }
}
