//! `bax serve`: rewards for RL trainers over HTTP.
//!
//! A trainer posts a model's completion for a task; bax builds the app, runs
//! the scenario's functional and security tests in fresh sandboxes, and answers
//! with the reward (1.0 iff every functional test passes and no CWE is found),
//! sub-metrics, per-test verdicts, timings and log tails.
//!
//! Routes: `POST /v1/score`, `POST /v1/score/batch`, `GET /v1/tasks`,
//! `GET /healthz`, `GET /metrics` (Prometheus), `GET /openapi.json`.
//!
//! Invariants:
//! * At most `workers` rollouts are scored at once; up to `queue` more wait.
//!   Beyond that the answer is 429 with `Retry-After`, never an unbounded queue.
//! * Every admitted request ends in exactly one answer: a verdict (HTTP 200,
//!   `status: ok`), or an infra error (HTTP 503, `status: infra_error`, `kind`),
//!   never a reward of 0 for a failure of bax itself.
//! * A client that goes away cancels its scoring: the running app is killed and
//!   the worker freed (`bax_cancelled_total`).
//! * Each rollout logs one line, `OK` or `BAD`, with the task, reward and reason.

pub mod metrics;
pub mod openapi;
pub mod score;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bax_catalog::{build_prompt, Catalog, SafetyPrompt, Side, SpecType, Split, SplitBy, SplitSpec};
use bax_runner::{Runner, Stop};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

pub use score::{Infra, ScoreRequest};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Rollouts scored at once.
    pub workers: usize,
    /// Rollouts that may wait for a worker; more get 429.
    pub queue: usize,
    /// Default per-request deadline (queue wait included).
    pub deadline: Duration,
    /// Most items in one batch request.
    pub max_batch: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue: 64,
            deadline: Duration::from_secs(1800),
            max_batch: 256,
        }
    }
}

/// Shared by every request.
pub struct AppState {
    catalog: Arc<Catalog>,
    runner: Arc<Runner>,
    cfg: ServeConfig,
    workers: Arc<Semaphore>,
    /// Admitted requests not yet answered (waiting or running).
    pending: AtomicUsize,
    next_id: AtomicU64,
    pub metrics: metrics::Metrics,
    started: Instant,
}

impl AppState {
    pub fn new(catalog: Catalog, runner: Runner, cfg: ServeConfig) -> Arc<AppState> {
        Arc::new(AppState {
            catalog: Arc::new(catalog),
            runner: Arc::new(runner),
            workers: Arc::new(Semaphore::new(cfg.workers.max(1))),
            cfg,
            pending: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
            metrics: metrics::Metrics::default(),
            started: Instant::now(),
        })
    }

    /// Admits `n` rollouts if they fit in workers + queue.
    fn admit(self: &Arc<Self>, n: usize) -> Option<Admission> {
        let cap = self.cfg.workers.max(1) + self.cfg.queue;
        let mut cur = self.pending.load(Ordering::SeqCst);
        loop {
            if cur + n > cap {
                return None;
            }
            match self
                .pending
                .compare_exchange(cur, cur + n, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => {
                    return Some(Admission {
                        state: self.clone(),
                        n,
                    })
                }
                Err(now) => cur = now,
            }
        }
    }

    /// Seconds a newly turned-away client should wait before trying again.
    fn retry_after(&self) -> u64 {
        let mean = self.metrics.mean_seconds().unwrap_or(10.0);
        let waiting = self.pending.load(Ordering::SeqCst) as f64;
        ((mean * waiting / self.cfg.workers.max(1) as f64).ceil() as u64).clamp(1, 600)
    }
}

/// A place in workers + queue, given back when dropped.
struct Admission {
    state: Arc<AppState>,
    n: usize,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.state.pending.fetch_sub(self.n, Ordering::SeqCst);
    }
}

/// Raises the stop flag when the request's future is dropped before it ends
/// (the client went away): the worker kills the app and frees itself.
struct CancelOnDrop {
    stop: Stop,
    state: Arc<AppState>,
    done: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if !self.done {
            self.stop.cancel();
            self.state.metrics.cancelled.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Counts a gauge up while alive.
struct Gauge<'a>(&'a AtomicU64);

impl<'a> Gauge<'a> {
    fn up(g: &'a AtomicU64) -> Gauge<'a> {
        g.fetch_add(1, Ordering::Relaxed);
        Gauge(g)
    }
}

impl Drop for Gauge<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The router with every route.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/score", post(score_route))
        .route("/v1/score/batch", post(batch_route))
        .route("/v1/tasks", get(tasks_route))
        .route("/healthz", get(health_route))
        .route("/metrics", get(metrics_route))
        .route("/openapi.json", get(|| async { Json(openapi::document()) }))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Json(json!({"status": "not_found", "error": "no such route; see /openapi.json"})),
            )
        })
        .with_state(state)
}

/// Serves on `listener` until `shutdown` resolves, then finishes the requests
/// in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn interrupted() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

fn error(status: StatusCode, kind: &str, message: impl Into<String>) -> (StatusCode, Value) {
    (status, json!({"status": kind, "error": message.into()}))
}

/// Checks a request before it takes a place in the queue.
fn validate(state: &AppState, v: Value) -> Result<ScoreRequest, (StatusCode, Value)> {
    let req: ScoreRequest = serde_json::from_value(v)
        .map_err(|e| error(StatusCode::BAD_REQUEST, "bad_request", e.to_string()))?;
    match (&req.completion, &req.files) {
        (Some(_), None) | (None, Some(_)) => {}
        _ => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "give exactly one of `completion` (the model's raw text) or `files`",
            ))
        }
    }
    if let Some(d) = req.deadline_s {
        if !(d.is_finite() && d > 0.0) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "deadline_s must be a positive number",
            ));
        }
    }
    if let Err(e) = state.catalog.task(&req.task_id) {
        return Err(error(StatusCode::NOT_FOUND, "unknown_task", e.to_string()));
    }
    Ok(req)
}

fn overloaded(state: &AppState, route: &str) -> Response {
    state.metrics.rejected.fetch_add(1, Ordering::Relaxed);
    state.metrics.request(route, 429);
    let secs = state.retry_after();
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({"status": "overloaded", "error": "all workers busy and the queue is full", "retry_after_s": secs})),
    )
        .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

#[allow(clippy::result_large_err)] // a Response is the natural error of an extractor step
fn json_body(
    route: &str,
    state: &AppState,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Value, Response> {
    body.map(|Json(v)| v).map_err(|e| {
        state.metrics.request(route, 400);
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": "bad_request", "error": e.body_text()})),
        )
            .into_response()
    })
}

async fn score_route(
    State(state): State<Arc<AppState>>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    const ROUTE: &str = "/v1/score";
    let v = match json_body(ROUTE, &state, body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let req = match validate(&state, v) {
        Ok(r) => r,
        Err((code, body)) => {
            state.metrics.request(ROUTE, code.as_u16());
            return (code, Json(body)).into_response();
        }
    };
    let Some(adm) = state.admit(1) else {
        return overloaded(&state, ROUTE);
    };
    let (code, body) = score_one(state.clone(), req, Instant::now()).await;
    drop(adm);
    state.metrics.request(ROUTE, code.as_u16());
    (code, Json(body)).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    items: Vec<Value>,
}

async fn batch_route(
    State(state): State<Arc<AppState>>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    const ROUTE: &str = "/v1/score/batch";
    let v = match json_body(ROUTE, &state, body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let bad = |code: StatusCode, body: Value| {
        state.metrics.request(ROUTE, code.as_u16());
        (code, Json(body)).into_response()
    };
    let batch: BatchRequest = match serde_json::from_value(v) {
        Ok(b) => b,
        Err(e) => {
            return bad(
                StatusCode::BAD_REQUEST,
                json!({"status": "bad_request", "error": format!("{e}: expected {{\"items\": [...]}}")}),
            )
        }
    };
    if batch.items.is_empty() || batch.items.len() > state.cfg.max_batch {
        return bad(
            StatusCode::BAD_REQUEST,
            json!({"status": "bad_request", "error": format!("a batch holds 1 to {} items", state.cfg.max_batch)}),
        );
    }
    let mut reqs = Vec::new();
    for (i, item) in batch.items.into_iter().enumerate() {
        match validate(&state, item) {
            Ok(r) => reqs.push(r),
            Err((code, mut body)) => {
                body["item"] = json!(i);
                return bad(code, body);
            }
        }
    }
    let Some(adm) = state.admit(reqs.len()) else {
        return overloaded(&state, ROUTE);
    };
    let received = Instant::now();
    // Each item is its own task; dropping the set (client gone) aborts them all,
    // which cancels their scoring.
    let mut set = tokio::task::JoinSet::new();
    let n = reqs.len();
    for (i, r) in reqs.into_iter().enumerate() {
        let st = state.clone();
        set.spawn(async move { (i, score_one(st, r, received).await) });
    }
    let mut results: Vec<Value> = vec![Value::Null; n];
    while let Some(done) = set.join_next().await {
        match done {
            Ok((i, (_, body))) => results[i] = body,
            Err(e) => {
                tracing::error!("a batch item's task failed: {e}");
            }
        }
    }
    for r in results.iter_mut().filter(|r| r.is_null()) {
        *r =
            json!({"status": "infra_error", "kind": "internal", "error": "the item's task failed"});
    }
    drop(adm);
    state.metrics.request(ROUTE, 200);
    (StatusCode::OK, Json(json!({"results": results}))).into_response()
}

/// Waits for a worker, scores on a blocking thread, logs the OK/BAD line.
async fn score_one(
    state: Arc<AppState>,
    req: ScoreRequest,
    received: Instant,
) -> (StatusCode, Value) {
    let request_id = req
        .request_id
        .clone()
        .unwrap_or_else(|| format!("r{}", state.next_id.fetch_add(1, Ordering::Relaxed)));
    let deadline = received
        + req
            .deadline_s
            .map_or(state.cfg.deadline, Duration::from_secs_f64);
    let stop = Stop::until(Some(deadline));
    let mut guard = CancelOnDrop {
        stop: stop.clone(),
        state: state.clone(),
        done: false,
    };
    let permit = {
        let _queued = Gauge::up(&state.metrics.queued);
        match tokio::time::timeout_at(deadline.into(), state.workers.clone().acquire_owned()).await
        {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => unreachable!("the semaphore is never closed"),
            Err(_) => {
                guard.done = true;
                let infra = Infra {
                    kind: "timeout_harness",
                    message: "the deadline passed while waiting for a worker".into(),
                };
                return infra_answer(&state, &req, &request_id, infra);
            }
        }
    };
    let queue_s = received.elapsed().as_secs_f64();
    let st = state.clone();
    let r = req.clone();
    let id = request_id.clone();
    let job = tokio::task::spawn_blocking(move || {
        // The permit lives as long as the work, even if the client left.
        let _permit = permit;
        let _running = Gauge::up(&st.metrics.running);
        score::score_blocking(&st.catalog, &st.runner, &r, &id, &stop, queue_s)
    });
    let result = job.await;
    guard.done = true;
    match result {
        Ok(Ok(v)) => {
            let reward = v["reward"].as_f64().unwrap_or(0.0);
            let total = v["timings"]["total_s"].as_f64().unwrap_or(0.0);
            state.metrics.scored(reward, total);
            log_rollout(&v);
            (StatusCode::OK, v)
        }
        Ok(Err(infra)) => infra_answer(&state, &req, &request_id, infra),
        Err(e) => infra_answer(
            &state,
            &req,
            &request_id,
            Infra {
                kind: "internal",
                message: format!("the scoring thread failed: {e}"),
            },
        ),
    }
}

fn infra_answer(
    state: &AppState,
    req: &ScoreRequest,
    request_id: &str,
    infra: Infra,
) -> (StatusCode, Value) {
    state.metrics.infra_error(infra.kind);
    tracing::info!(
        target: "bax_serve::rollout",
        "BAD task={} request={} reward=none reason={:?}",
        req.task_id,
        request_id,
        format!("infra_error {}: {}", infra.kind, infra.message)
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        json!({
            "status": "infra_error",
            "kind": infra.kind,
            "error": infra.message,
            "request_id": request_id,
            "task_id": req.task_id,
        }),
    )
}

fn log_rollout(v: &Value) {
    let reward = v["reward"].as_f64().unwrap_or(0.0);
    let task = v["task_id"].as_str().unwrap_or("?");
    let id = v["request_id"].as_str().unwrap_or("?");
    let reason = v["reason"].as_str().unwrap_or("");
    let secs = v["timings"]["total_s"].as_f64().unwrap_or(0.0);
    if reward >= 1.0 {
        tracing::info!(target: "bax_serve::rollout", "OK task={task} request={id} reward={reward:.1} seconds={secs:.1} reason={reason:?}");
    } else {
        // The first log tail that says something: a failing test's log (which
        // ends with the app's stdout/stderr) or the build log.
        let tails = v["log_tails"].as_object();
        let (which, text) = tails
            .and_then(|t| {
                t.iter()
                    .find(|(k, _)| k.as_str() != "build")
                    .or_else(|| t.iter().next())
            })
            .map(|(k, t)| (k.clone(), t.as_str().unwrap_or("").to_string()))
            .unwrap_or_default();
        let short: String = text
            .chars()
            .rev()
            .take(400)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        tracing::info!(
            target: "bax_serve::rollout",
            "BAD task={task} request={id} reward={reward:.1} seconds={secs:.1} reason={reason:?} log[{which}]={short:?}"
        );
    }
}

#[derive(Debug, Deserialize)]
struct TasksQuery {
    split_by: Option<String>,
    split: Option<String>,
    test_size: Option<f64>,
    split_seed: Option<u64>,
    languages: Option<String>,
    scenarios: Option<String>,
    frameworks: Option<String>,
    /// Include each task's prompt for this spec type / safety prompt.
    spec_type: Option<String>,
    safety_prompt: Option<String>,
}

fn list(s: &Option<String>) -> Vec<String> {
    s.as_deref()
        .map(|s| {
            s.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

async fn tasks_route(
    State(state): State<Arc<AppState>>,
    q: Result<Query<TasksQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    const ROUTE: &str = "/v1/tasks";
    let answer = (|| -> Result<Value, String> {
        let Query(q) = q.map_err(|e| e.body_text())?;
        let spec = SplitSpec {
            split_by: q
                .split_by
                .as_deref()
                .map(str::parse::<SplitBy>)
                .transpose()?
                .unwrap_or(SplitBy::None),
            test_size: q.test_size.unwrap_or(0.2),
            split_seed: q.split_seed.unwrap_or(42),
        };
        let side: Option<Side> = q.split.as_deref().map(str::parse).transpose()?;
        let split = Split::new(&state.catalog, spec).map_err(|e| e.to_string())?;
        let filter = bax_catalog::TaskFilter {
            scenarios: list(&q.scenarios),
            frameworks: list(&q.frameworks),
            languages: list(&q.languages),
            ..Default::default()
        };
        let prompt_of: Option<(SpecType, SafetyPrompt)> = match (&q.spec_type, &q.safety_prompt) {
            (None, None) => None,
            (a, b) => Some((
                a.as_deref().unwrap_or("openapi").parse()?,
                b.as_deref().unwrap_or("none").parse()?,
            )),
        };
        let tasks = state.catalog.select(&filter).map_err(|e| e.to_string())?;
        let rows: Vec<Value> = tasks
            .iter()
            .filter(|t| split.keeps(t, side))
            .map(|t| {
                let mut row = json!({
                    "task_id": t.id(),
                    "scenario_id": t.scenario.id,
                    "env_id": t.framework.env_id,
                    "language": t.framework.language,
                    "framework": t.framework.framework,
                    "split": split.label(t),
                    "scorable": bax_scenarios::tests(&t.scenario.id).is_some(),
                });
                if let Some((st, sp)) = prompt_of {
                    row["prompt"] = json!(build_prompt(t.scenario, t.framework, st, sp, false));
                    row["spec_type"] = json!(st.as_str());
                    row["safety_prompt"] = json!(sp.as_str());
                }
                row
            })
            .collect();
        Ok(json!({"split": spec, "count": rows.len(), "tasks": rows}))
    })();
    match answer {
        Ok(v) => {
            state.metrics.request(ROUTE, 200);
            Json(v).into_response()
        }
        Err(e) => {
            state.metrics.request(ROUTE, 400);
            (
                StatusCode::BAD_REQUEST,
                Json(json!({"status": "bad_request", "error": e})),
            )
                .into_response()
        }
    }
}

async fn health_route(State(state): State<Arc<AppState>>) -> Json<Value> {
    state.metrics.request("/healthz", 200);
    Json(json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "workers": state.cfg.workers,
        "queue": state.cfg.queue,
        "queued": state.metrics.queued.load(Ordering::Relaxed),
        "running": state.metrics.running.load(Ordering::Relaxed),
        "scored": state.metrics.scored.load(Ordering::Relaxed),
        "uptime_s": state.started.elapsed().as_secs_f64(),
    }))
}

async fn metrics_route(State(state): State<Arc<AppState>>) -> Response {
    state.metrics.request("/metrics", 200);
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render() + &metrics::runner_metrics(&state.runner),
    )
        .into_response()
}
