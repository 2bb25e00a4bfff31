//! `bax model-server`: the built-in `reference` model behind the real wire
//! protocols (OpenAI chat completions, Anthropic messages), so that trainer and
//! evaluator libraries (verifiers, inspect_ai, anything with an OpenAI client)
//! can be run end to end on this machine with no hosted API.
//!
//! A request's task is recognised by its prompt: the last user message must be
//! the BaxBench prompt of some task of the catalog in some spec type × safety
//! prompt variant (whitespace at the ends ignored). The answer is that task's
//! reference app as a model would write it (`reference`), or its vulnerable
//! variant (`reference:<weakness>`). Anything else is an error in the protocol's
//! own shape, never a made-up answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bax_catalog::{build_prompt, Catalog, SafetyPrompt, SpecType};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::cli::ModelServerArgs;
use crate::gencmd::reference::{every_weakness_model, REFERENCE_MODEL};

/// Which task (and prompt variant) a prompt belongs to.
#[derive(Debug, Clone)]
struct PromptOf {
    scenario: String,
    env: String,
    spec_type: SpecType,
    safety: SafetyPrompt,
}

struct ModelState {
    /// SHA-256 of the trimmed prompt -> its task.
    prompts: HashMap<[u8; 32], PromptOf>,
    models: Vec<String>,
    requests: AtomicU64,
}

fn key(prompt: &str) -> [u8; 32] {
    Sha256::digest(prompt.trim().as_bytes()).into()
}

impl ModelState {
    fn new(catalog: &Catalog) -> ModelState {
        let mut prompts = HashMap::new();
        for t in catalog.tasks() {
            for st in SpecType::ALL {
                for sp in SafetyPrompt::ALL {
                    let p = build_prompt(t.scenario, t.framework, st, sp, false);
                    prompts.entry(key(&p)).or_insert(PromptOf {
                        scenario: t.scenario.id.clone(),
                        env: t.framework.env_id.clone(),
                        spec_type: st,
                        safety: sp,
                    });
                }
            }
        }
        let mut models = vec![REFERENCE_MODEL.to_string()];
        models.extend(every_weakness_model());
        models.dedup();
        ModelState {
            prompts,
            models,
            requests: AtomicU64::new(0),
        }
    }

    /// The answer text for `model` and the conversation's last user message.
    fn answer(&self, model: &str, prompt: &str) -> Result<String, (StatusCode, String)> {
        let weakness = match model.split_once(':') {
            None if model == REFERENCE_MODEL => None,
            Some((REFERENCE_MODEL, w)) if !w.is_empty() => Some(w),
            _ => {
                return Err((
                    StatusCode::NOT_FOUND,
                    format!(
                        "no model {model:?}: this server has `{REFERENCE_MODEL}` and \
                         `{REFERENCE_MODEL}:<weakness>` (GET /v1/models lists them)"
                    ),
                ))
            }
        };
        let of = self.prompts.get(&key(prompt)).ok_or_else(|| {
            (
                StatusCode::BAD_REQUEST,
                "the last user message is not the BaxBench prompt of any task of the catalog \
                 (in any spec type and safety prompt)"
                    .to_string(),
            )
        })?;
        match bax_scenarios::reference_answer(&of.scenario, &of.env, weakness) {
            None => Err((
                StatusCode::BAD_REQUEST,
                format!(
                    "{}-{} has no reference app (frameworks with one: {})",
                    of.scenario,
                    of.env,
                    bax_scenarios::reference_envs(&of.scenario).join(", ")
                ),
            )),
            Some(Err(e)) => Err((StatusCode::BAD_REQUEST, e.to_string())),
            Some(Ok(text)) => {
                tracing::info!(
                    "answered {}-{} ({} / {}) as {model}",
                    of.scenario,
                    of.env,
                    of.spec_type.as_str(),
                    of.safety.as_str()
                );
                Ok(text)
            }
        }
    }
}

/// The text of a message's `content`: a string, or a list of parts whose text
/// parts are joined (OpenAI and Anthropic both allow either).
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn last_user_message(body: &Value) -> Option<String> {
    body.get("messages")?
        .as_array()?
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))
        .map(|m| content_text(m.get("content").unwrap_or(&Value::Null)))
}

fn words(s: &str) -> u64 {
    s.split_whitespace().count() as u64
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn openai_error(code: StatusCode, message: impl Into<String>) -> Response {
    let kind = if code == StatusCode::NOT_FOUND {
        "model_not_found"
    } else {
        "invalid_request_error"
    };
    (
        code,
        Json(json!({"error": {"message": message.into(), "type": kind, "param": null, "code": kind}})),
    )
        .into_response()
}

fn anthropic_error(code: StatusCode, message: impl Into<String>) -> Response {
    let kind = if code == StatusCode::NOT_FOUND {
        "not_found_error"
    } else {
        "invalid_request_error"
    };
    (
        code,
        Json(json!({"type": "error", "error": {"type": kind, "message": message.into()}})),
    )
        .into_response()
}

async fn chat_completions(State(st): State<Arc<ModelState>>, body: axum::body::Bytes) -> Response {
    let n = st.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return openai_error(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    let Some(prompt) = last_user_message(&body) else {
        return openai_error(StatusCode::BAD_REQUEST, "`messages` holds no user message");
    };
    let text = match st.answer(model, &prompt) {
        Ok(t) => t,
        Err((code, msg)) => return openai_error(code, msg),
    };
    let choices = body
        .get("n")
        .and_then(Value::as_u64)
        .unwrap_or(1)
        .clamp(1, 64);
    let id = format!("chatcmpl-bax{n}");
    let created = now();
    let usage = json!({
        "prompt_tokens": words(&prompt),
        "completion_tokens": words(&text) * choices,
        "total_tokens": words(&prompt) + words(&text) * choices,
    });
    if body.get("stream").and_then(Value::as_bool) == Some(true) {
        // Server-sent events: per choice the role and the whole text in one delta,
        // then the finish reason; then usage (when asked for) and [DONE].
        let mut out = String::new();
        let chunk = |choice: Value| {
            json!({"id": id, "object": "chat.completion.chunk", "created": created,
                   "model": model, "choices": [choice]})
        };
        for i in 0..choices {
            let first = chunk(
                json!({"index": i, "delta": {"role": "assistant", "content": text},
                                     "logprobs": null, "finish_reason": null}),
            );
            let last =
                chunk(json!({"index": i, "delta": {}, "logprobs": null, "finish_reason": "stop"}));
            out.push_str(&format!("data: {first}\n\ndata: {last}\n\n"));
        }
        if body["stream_options"]["include_usage"].as_bool() == Some(true) {
            let u = json!({"id": id, "object": "chat.completion.chunk", "created": created,
                           "model": model, "choices": [], "usage": usage});
            out.push_str(&format!("data: {u}\n\n"));
        }
        out.push_str("data: [DONE]\n\n");
        return ([(header::CONTENT_TYPE, "text/event-stream")], out).into_response();
    }
    let choices: Vec<Value> = (0..choices)
        .map(|i| {
            json!({"index": i, "message": {"role": "assistant", "content": text, "refusal": null},
                   "logprobs": null, "finish_reason": "stop"})
        })
        .collect();
    Json(json!({
        "id": id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "usage": usage,
        "system_fingerprint": "bax-reference",
    }))
    .into_response()
}

async fn messages(State(st): State<Arc<ModelState>>, body: axum::body::Bytes) -> Response {
    let n = st.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return anthropic_error(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    let Some(prompt) = last_user_message(&body) else {
        return anthropic_error(StatusCode::BAD_REQUEST, "`messages` holds no user message");
    };
    let stream = body.get("stream").and_then(Value::as_bool) == Some(true);
    match st.answer(model, &prompt) {
        Ok(text) if stream => {
            // Anthropic's event stream: the message, one text block in one delta,
            // the stop reason with the usage, the end.
            let id = format!("msg_bax{n}");
            let events = [
                (
                    "message_start",
                    json!({"type": "message_start", "message": {
                    "id": id, "type": "message", "role": "assistant", "model": model,
                    "content": [], "stop_reason": null, "stop_sequence": null,
                    "usage": {"input_tokens": words(&prompt), "output_tokens": 0}}}),
                ),
                (
                    "content_block_start",
                    json!({"type": "content_block_start", "index": 0,
                    "content_block": {"type": "text", "text": ""}}),
                ),
                (
                    "content_block_delta",
                    json!({"type": "content_block_delta", "index": 0,
                    "delta": {"type": "text_delta", "text": text}}),
                ),
                (
                    "content_block_stop",
                    json!({"type": "content_block_stop", "index": 0}),
                ),
                (
                    "message_delta",
                    json!({"type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": null},
                    "usage": {"output_tokens": words(&text)}}),
                ),
                ("message_stop", json!({"type": "message_stop"})),
            ];
            let out: String = events
                .iter()
                .map(|(name, data)| format!("event: {name}\ndata: {data}\n\n"))
                .collect();
            ([(header::CONTENT_TYPE, "text/event-stream")], out).into_response()
        }
        Ok(text) => Json(json!({
            "id": format!("msg_bax{n}"),
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": null,
            "usage": {"input_tokens": words(&prompt), "output_tokens": words(&text)},
        }))
        .into_response(),
        Err((code, msg)) => anthropic_error(code, msg),
    }
}

async fn models(State(st): State<Arc<ModelState>>) -> Json<Value> {
    let data: Vec<Value> = st
        .models
        .iter()
        .map(|m| json!({"id": m, "object": "model", "created": 0, "owned_by": "bax"}))
        .collect();
    Json(json!({"object": "list", "data": data}))
}

fn router(state: Arc<ModelState>) -> Router {
    Router::new()
        .route("/v1/chat/completions", post(chat_completions))
        .route("/chat/completions", post(chat_completions))
        .route("/v1/messages", post(messages))
        .route("/v1/models", get(models))
        .route("/models", get(models))
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .fallback(|| async {
            openai_error(
                StatusCode::NOT_FOUND,
                "no such route: POST /v1/chat/completions, POST /v1/messages, GET /v1/models",
            )
        })
        .with_state(state)
}

/// Runs the server until Ctrl-C or SIGTERM.
pub fn run(catalog: &Catalog, args: &ModelServerArgs) -> Result<i32> {
    let state = Arc::new(ModelState::new(catalog));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
            .await
            .with_context(|| format!("listening on {}:{}", args.host, args.port))?;
        let addr = listener.local_addr()?;
        println!(
            "bax model-server: listening on http://{addr} (OpenAI base URL http://{addr}/v1, \
             Anthropic http://{addr}; models `{REFERENCE_MODEL}` and `{REFERENCE_MODEL}:<weakness>`, \
             {} prompts known); Ctrl-C stops",
            state.prompts.len()
        );
        use std::io::Write;
        std::io::stdout().flush()?;
        axum::serve(listener, router(state))
            .with_graceful_shutdown(bax_serve::interrupted())
            .await?;
        anyhow::Ok(())
    })?;
    Ok(0)
}
