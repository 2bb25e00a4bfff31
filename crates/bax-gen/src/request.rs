//! Models as one trait: every source of answers (the HTTP providers here, the
//! built-in reference model of the `bax` CLI) answers a [`Request`] the same way.

use std::sync::atomic::AtomicBool;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::{Api, Provider};
use crate::{Client, Completion, GenError, GenOptions};

/// The task a request is for: what a model may need beyond the prompt (the
/// reference model answers with the task's reference app).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskRef<'a> {
    /// `<scenario>-<env>`, e.g. `Login-Python-Flask`.
    pub task_id: &'a str,
    pub scenario_id: &'a str,
    pub env_id: &'a str,
}

/// One question to a model.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub task: TaskRef<'a>,
    /// The prompt as `bax prompt` prints it.
    pub prompt: &'a str,
}

/// A task a model cannot answer at all (the reference model for a framework
/// without a reference app); such tasks are skipped, not failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct CannotAnswer {
    pub reason: String,
}

impl CannotAnswer {
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }
}

/// A source of answers.
pub trait Model: Send + Sync {
    /// Whether the model can answer `task` at all. Checked once per task before
    /// anything is asked; `Err` skips the task.
    fn can_answer(&self, task: &TaskRef<'_>) -> Result<(), CannotAnswer> {
        let _ = task;
        Ok(())
    }

    /// Answers one request. Returns [`GenError::Cancelled`] once `stop` is set.
    fn answer(&self, request: &Request<'_>, stop: &AtomicBool) -> Result<Completion, GenError>;

    /// Whether answers come from this process at once, without a network: they
    /// are then asked in order on the caller's thread instead of from request
    /// threads.
    fn is_local(&self) -> bool {
        false
    }

    /// What generation records say about the model besides its completions (a
    /// JSON object whose fields join the record's), e.g. provider, API and options.
    fn record(&self) -> Map<String, Value>;
}

/// The fields [`Client`] adds to generation records.
#[derive(Debug, Serialize)]
pub struct ApiRecord<'a> {
    pub provider: Provider,
    pub api: Api,
    /// The model id sent to the API.
    pub api_model: &'a str,
    pub base_url: &'a str,
    pub options: &'a GenOptions,
}

/// A typed record as the JSON object [`Model::record`] returns.
pub fn record_fields(record: &impl Serialize) -> Map<String, Value> {
    match serde_json::to_value(record) {
        Ok(Value::Object(m)) => m,
        Ok(other) => panic!("a model record serializes as an object, not {other}"),
        Err(e) => panic!("a model record serializes: {e}"),
    }
}

impl Model for Client {
    fn answer(&self, request: &Request<'_>, stop: &AtomicBool) -> Result<Completion, GenError> {
        self.complete(request.prompt, stop)
    }

    fn record(&self) -> Map<String, Value> {
        let e = self.endpoint();
        record_fields(&ApiRecord {
            provider: e.provider,
            api: e.api(),
            api_model: &e.model,
            base_url: &e.base_url,
            options: self.options(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::{FakeServer, Reply, DEFAULT_ANSWER};
    use crate::Endpoint;

    #[test]
    fn clients_are_models_that_ask_their_server() {
        let server = FakeServer::start();
        server.push(Reply::answer(DEFAULT_ANSWER));
        let e = Endpoint::new(Provider::Vllm, &server.openai_base_url(), "m-1", None);
        let client = Client::new(e, GenOptions::default()).unwrap();
        let model: &dyn Model = &client;
        let task = TaskRef {
            task_id: "Login-Python-Flask",
            scenario_id: "Login",
            env_id: "Python-Flask",
        };
        assert_eq!(model.can_answer(&task), Ok(()));
        assert!(!model.is_local());
        let c = model
            .answer(
                &Request {
                    task,
                    prompt: "write an app",
                },
                &AtomicBool::new(false),
            )
            .unwrap();
        assert_eq!(c.text, DEFAULT_ANSWER);
        let reqs = server.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].prompt(), "write an app");

        let r = model.record();
        assert_eq!(r["provider"], "vllm");
        assert_eq!(r["api"], "open_ai_chat");
        assert_eq!(r["api_model"], "m-1");
        assert_eq!(r["base_url"], server.openai_base_url().as_str());
        assert_eq!(r["options"]["retry"]["max_retries"], 20);
        assert_eq!(r.len(), 5, "{r:?}");

        let stopped = model.answer(
            &Request {
                task,
                prompt: "again",
            },
            &AtomicBool::new(true),
        );
        assert!(matches!(stopped, Err(GenError::Cancelled)));
    }
}
