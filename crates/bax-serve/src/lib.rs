//! `bax serve`: rewards for RL trainers over HTTP.
//!
//! A trainer posts a model's completion for a task; bax builds the app, runs
//! the scenario's functional and security tests in fresh sandboxes, and answers
//! with the reward (1.0 iff every functional test passes and no CWE is found),
//! sub-metrics, per-test verdicts, timings and log tails.
//!
//! Routes: `POST /v1/score`, `POST /v1/score/batch`, `GET /v1/tasks`,
//! `GET /healthz` (live), `GET /readyz` (ready), `GET /metrics` (Prometheus),
//! `GET /openapi.json`.
//!
//! Invariants:
//! * With tokens configured ([`auth`]), every route but `GET /healthz` needs
//!   `Authorization: Bearer <token>` (401 otherwise); tokens are compared in
//!   constant time and never logged, only their names.
//! * A body larger than `max_body` is refused with 413 before it is read whole.
//! * At most `workers` rollouts are scored at once; up to `queue` more wait, and
//!   a token holds at most its `max_in_flight`. Beyond that the answer is 429
//!   with `Retry-After`, never an unbounded queue.
//! * Every admitted request ends in exactly one answer: a verdict (HTTP 200,
//!   `status: ok`), or an infra error (HTTP 503, `status: infra_error`, `kind`),
//!   never a reward of 0 for a failure of bax itself.
//! * A `request_id` already answered `ok` (per token, within the window of
//!   [`idempotency`]) gets the same bytes again with `Idempotent-Replayed: true`
//!   and is not scored again; one being scored is waited for; one reused for a
//!   different rollout gets 409. Infra errors are never replayed.
//! * A client that goes away cancels its scoring: the running app is killed and
//!   the worker freed (`bax_cancelled_total`).
//! * Each scored rollout logs one line, `OK` or `BAD`, with the task, request,
//!   token name, reward and reason; a replay logs `REPLAY`.
//! * Draining ([`serve_draining`], on SIGTERM): readiness turns false at once,
//!   new scoring requests get 503 `draining` with `Retry-After`, what is in
//!   flight is finished within the grace period (then cancelled: infra errors,
//!   never rewards), and the process exits.

pub mod auth;
pub mod idempotency;
pub mod metrics;
pub mod openapi;
pub mod score;
pub mod size;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use bax_catalog::{build_prompt, Catalog, SafetyPrompt, Side, SpecType, Split, SplitBy, SplitSpec};
use bax_runner::{Runner, Stop};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Semaphore;

pub use auth::{Caller, TokenError, Tokens};
pub use score::{Infra, ScoreRequest};
pub use size::{parse_size, SizeError};

/// Set (to `true`) on an answer that was sent before and not scored again.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
/// The longest `request_id` accepted, in bytes.
pub const MAX_REQUEST_ID: usize = 512;

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
    /// Largest request body, in bytes; larger ones get 413.
    pub max_body: usize,
    /// Bearer tokens; empty = no authentication.
    pub tokens: Tokens,
    /// Rollouts one token (or the anonymous caller) may have admitted at once,
    /// unless its `max_in_flight` says otherwise; `None` = workers + queue.
    pub token_max_in_flight: Option<usize>,
    /// Most `ok` answers kept for idempotent replay (0 = none).
    pub idempotency_window: usize,
    /// How long an answer is kept for replay.
    pub idempotency_ttl: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue: 64,
            deadline: Duration::from_secs(1800),
            max_batch: 256,
            max_body: 16 << 20,
            tokens: Tokens::default(),
            token_max_in_flight: None,
            idempotency_window: 4096,
            idempotency_ttl: Duration::from_secs(3600),
        }
    }
}

/// Whether this server can score: `Ok(details)` when ready, `Err(why)` when not
/// (runtimes not provisioned, sandbox unusable). Called at most every
/// [`READINESS_TTL`]; the answer is cached.
pub type ReadinessProbe = Arc<dyn Fn() -> Result<Value, String> + Send + Sync>;

/// How long a readiness answer is reused.
pub const READINESS_TTL: Duration = Duration::from_secs(10);

/// Shared by every request.
pub struct AppState {
    catalog: Arc<Catalog>,
    runner: Arc<Runner>,
    cfg: ServeConfig,
    workers: Arc<Semaphore>,
    /// Admitted requests not yet answered (waiting or running).
    pending: AtomicUsize,
    /// Admitted rollouts per token name (tokens with a limit only).
    by_token: Mutex<HashMap<Arc<str>, usize>>,
    /// Answers kept for replay, and request ids being scored.
    idem: Arc<idempotency::Store>,
    next_id: AtomicU64,
    pub metrics: metrics::Metrics,
    started: Instant,
    /// Set on SIGTERM: no new work, readiness false.
    draining: std::sync::atomic::AtomicBool,
    /// Every scoring's stop derives from this one; cancelled when a drain's
    /// grace period ends with work still in flight.
    root_stop: Stop,
    probe: std::sync::OnceLock<ReadinessProbe>,
    /// The last readiness answer and when it was taken.
    readiness: Mutex<Option<(Instant, Result<Value, String>)>>,
}

impl AppState {
    pub fn new(catalog: Catalog, runner: Runner, mut cfg: ServeConfig) -> Arc<AppState> {
        cfg.tokens = std::mem::take(&mut cfg.tokens).with_default_limit(cfg.token_max_in_flight);
        Arc::new(AppState {
            catalog: Arc::new(catalog),
            runner: Arc::new(runner),
            workers: Arc::new(Semaphore::new(cfg.workers.max(1))),
            idem: idempotency::Store::new(cfg.idempotency_window, cfg.idempotency_ttl),
            cfg,
            pending: AtomicUsize::new(0),
            by_token: Mutex::default(),
            next_id: AtomicU64::new(1),
            metrics: metrics::Metrics::default(),
            started: Instant::now(),
            draining: Default::default(),
            root_stop: Stop::never(),
            probe: std::sync::OnceLock::new(),
            readiness: Mutex::new(None),
        })
    }

    /// Installs the readiness probe (once; without one the server is ready
    /// whenever it is not draining).
    pub fn set_readiness_probe(&self, probe: ReadinessProbe) {
        let _ = self.probe.set(probe);
    }

    /// Whether the server is draining (SIGTERM received).
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Stops taking new work: readiness false, new scoring requests 503.
    pub fn begin_drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Admitted requests not yet answered.
    pub fn in_flight(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }

    /// The probe's answer (cached for [`READINESS_TTL`]); draining is never ready.
    fn readiness(&self) -> Result<Value, String> {
        if self.is_draining() {
            return Err("draining: the server is shutting down".into());
        }
        let Some(probe) = self.probe.get() else {
            return Ok(json!({}));
        };
        let mut cached = self.readiness.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, r)) = cached.as_ref() {
            if at.elapsed() < READINESS_TTL {
                return r.clone();
            }
        }
        let r = probe();
        *cached = Some((Instant::now(), r.clone()));
        r
    }

    /// Admits `n` rollouts of `caller` if they fit in the caller's limit and
    /// in workers + queue.
    fn admit(self: &Arc<Self>, caller: &Caller, n: usize) -> Result<Admission, Refusal> {
        let token = match caller.max_in_flight {
            None => None,
            Some(limit) if n > limit => {
                return Err(Refusal::NeverFits {
                    name: caller.name.clone(),
                    limit,
                })
            }
            Some(limit) => {
                let mut held = self.by_token.lock().unwrap_or_else(|e| e.into_inner());
                let cur = held.entry(caller.name.clone()).or_default();
                if *cur + n > limit {
                    return Err(Refusal::Token {
                        name: caller.name.clone(),
                        held: *cur,
                        limit,
                        n,
                    });
                }
                *cur += n;
                Some(TokenHold {
                    state: self.clone(),
                    name: caller.name.clone(),
                    n,
                })
            }
        };
        let cap = self.cfg.workers.max(1) + self.cfg.queue;
        let mut cur = self.pending.load(Ordering::SeqCst);
        loop {
            if cur + n > cap {
                // `token` is dropped: the caller's places are given back.
                return Err(Refusal::Full);
            }
            match self
                .pending
                .compare_exchange(cur, cur + n, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => {
                    return Ok(Admission {
                        state: self.clone(),
                        n,
                        _token: token,
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

/// Why rollouts were not admitted.
enum Refusal {
    /// Workers and queue are full.
    Full,
    /// The caller holds its limit.
    Token {
        name: Arc<str>,
        held: usize,
        limit: usize,
        n: usize,
    },
    /// A batch larger than the caller's limit: it would never be admitted.
    NeverFits { name: Arc<str>, limit: usize },
}

/// A place in workers + queue (and in the caller's limit), given back when
/// dropped: on the answer, or when the client goes away.
struct Admission {
    state: Arc<AppState>,
    n: usize,
    _token: Option<TokenHold>,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.state.pending.fetch_sub(self.n, Ordering::SeqCst);
    }
}

/// Places in one token's limit, given back when dropped.
struct TokenHold {
    state: Arc<AppState>,
    name: Arc<str>,
    n: usize,
}

impl Drop for TokenHold {
    fn drop(&mut self) {
        let mut held = self
            .state
            .by_token
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(cur) = held.get_mut(&self.name) {
            *cur = cur.saturating_sub(self.n);
            if *cur == 0 {
                held.remove(&self.name);
            }
        }
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

/// The router with every route, behind the guard (bearer tokens, body size;
/// [`auth::guard`]).
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/score", post(score_route))
        .route("/v1/score/batch", post(batch_route))
        .route("/v1/tasks", get(tasks_route))
        .route("/healthz", get(health_route))
        .route("/readyz", get(ready_route))
        .route("/metrics", get(metrics_route))
        .route("/openapi.json", get(|| async { Json(openapi::document()) }))
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                Json(json!({"status": "not_found", "error": "no such route; see /openapi.json"})),
            )
        })
        .layer(DefaultBodyLimit::max(state.cfg.max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::guard,
        ))
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

/// Serves on `listener` until `signal` resolves, then drains: readiness turns
/// false and new scoring requests get 503 at once, the requests in flight get
/// up to `grace` to finish, then whatever is left is cancelled (its clients get
/// an infra error) and the server stops. The listener stays open while
/// draining, so clients are told to go elsewhere instead of finding a closed
/// port.
pub async fn serve_draining(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> anyhow::Result<()> {
    let st = state.clone();
    let drained = async move {
        signal.await;
        st.begin_drain();
        let n = st.in_flight();
        tracing::warn!("draining: {n} requests in flight, up to {grace:?} to finish");
        eprintln!(
            "bax serve: draining ({n} requests in flight, grace {} s)",
            grace.as_secs()
        );
        let until = Instant::now() + grace;
        while st.in_flight() > 0 && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if st.in_flight() > 0 {
            eprintln!(
                "bax serve: grace period over; cancelling {} requests still in flight",
                st.in_flight()
            );
            st.root_stop.cancel();
            // A cancelled scoring ends within a check interval; the answers
            // (infra errors) go out before the connections close.
            let until = Instant::now() + Duration::from_secs(30);
            while st.in_flight() > 0 && Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        eprintln!("bax serve: drained; stopping");
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(drained)
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
    if let Some(id) = &req.request_id {
        if id.len() > MAX_REQUEST_ID {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!(
                    "request_id is {} bytes long; at most {MAX_REQUEST_ID} are accepted",
                    id.len()
                ),
            ));
        }
    }
    if let Err(e) = state.catalog.task(&req.task_id) {
        return Err(error(StatusCode::NOT_FOUND, "unknown_task", e.to_string()));
    }
    Ok(req)
}

/// The answer to rollouts that were not admitted: 429 with Retry-After, or
/// 400 for a batch no wait would ever admit.
fn refused(state: &AppState, route: &str, why: Refusal) -> Response {
    let (secs, message) = match why {
        Refusal::Full => (
            state.retry_after(),
            "all workers busy and the queue is full".to_string(),
        ),
        Refusal::Token {
            name,
            held,
            limit,
            n,
        } => (
            // A place frees when one of the token's rollouts ends.
            (state.metrics.mean_seconds().unwrap_or(10.0).ceil() as u64).clamp(1, 600),
            if held >= limit {
                format!("token {name} has {held} rollouts in flight (its limit)")
            } else {
                format!(
                    "token {name} has {held} rollouts in flight (its limit is {limit}; \
                     the batch needs {n} more)"
                )
            },
        ),
        Refusal::NeverFits { name, limit } => {
            state.metrics.request(route, 400);
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({
                    "status": "bad_request",
                    "error": format!(
                        "the batch needs more rollouts in flight than token {name} may hold \
                         ({limit}): split it"
                    ),
                })),
            )
                .into_response();
        }
    };
    state.metrics.rejected.fetch_add(1, Ordering::Relaxed);
    state.metrics.request(route, 429);
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({"status": "overloaded", "error": message, "retry_after_s": secs})),
    )
        .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

/// 413: the body is larger than `max_body`.
pub(crate) fn too_large(state: &AppState, route: &str) -> Response {
    state.metrics.request(route, 413);
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(json!({
            "status": "payload_too_large",
            "error": format!(
                "the request body is larger than this server's limit of {} bytes (--max-body)",
                state.cfg.max_body
            ),
        })),
    )
        .into_response()
}

#[allow(clippy::result_large_err)] // a Response is the natural error of an extractor step
fn json_body(
    route: &str,
    state: &AppState,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Value, Response> {
    body.map(|Json(v)| v).map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large(state, route);
        }
        state.metrics.request(route, 400);
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"status": "bad_request", "error": e.body_text()})),
        )
            .into_response()
    })
}

/// One answer as sent: the status, the JSON bytes, and whether they were
/// sent before (an idempotent replay).
struct Answer {
    status: StatusCode,
    body: Bytes,
    replayed: bool,
}

impl Answer {
    fn new(status: StatusCode, body: &Value) -> Answer {
        Answer {
            status,
            body: Bytes::from(body.to_string()),
            replayed: false,
        }
    }
}

fn json_response(status: StatusCode, body: Bytes, replayed: bool) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        r.headers_mut().insert(
            HeaderName::from_static(REPLAYED_HEADER),
            HeaderValue::from_static("true"),
        );
    }
    r
}

/// How a validated rollout will be answered.
enum Plan {
    /// Score it (holding the request id's ticket, when it has one).
    Score(Option<idempotency::Ticket>),
    /// Send an answer already given.
    Replay(Bytes),
    /// Wait for the answer of the request scoring the same id.
    Wait(idempotency::Waiter),
}

fn conflict(req: &ScoreRequest) -> Value {
    let id = req.request_id.as_deref().unwrap_or("");
    json!({
        "status": "conflict",
        "error": format!(
            "request_id {id:?} was used for a different rollout (task_id, completion or files, \
             spec_type or safety_prompt differ); give this rollout a new request_id"
        ),
        "request_id": id,
        "task_id": req.task_id,
    })
}

/// Looks the request's id up among the answers kept and being scored;
/// `Err` = the id belongs to another rollout.
fn plan(state: &AppState, caller: &Caller, req: &ScoreRequest) -> Result<Plan, Value> {
    let Some(id) = &req.request_id else {
        return Ok(Plan::Score(None));
    };
    match state
        .idem
        .claim(&caller.name, id, idempotency::fingerprint(req))
    {
        idempotency::Claim::Fresh(t) => Ok(Plan::Score(Some(t))),
        idempotency::Claim::Replay(b) => Ok(Plan::Replay(b)),
        idempotency::Claim::Wait(w) => Ok(Plan::Wait(w)),
        idempotency::Claim::Conflict => Err(conflict(req)),
    }
}

/// Answers one admitted rollout by its plan: scores it, replays an answer, or
/// waits for the request scoring the same id (and scores it itself if that
/// one gives up without an `ok` answer).
async fn run_item(
    state: Arc<AppState>,
    caller: Caller,
    req: ScoreRequest,
    mut plan: Plan,
    received: Instant,
) -> Answer {
    let deadline = received
        + req
            .deadline_s
            .map_or(state.cfg.deadline, Duration::from_secs_f64);
    loop {
        match plan {
            Plan::Replay(body) => {
                state.metrics.replays.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    target: "bax_serve::rollout",
                    "REPLAY task={} request={} token={} (answered before, not scored again)",
                    req.task_id,
                    req.request_id.as_deref().unwrap_or("?"),
                    caller.name,
                );
                return Answer {
                    status: StatusCode::OK,
                    body,
                    replayed: true,
                };
            }
            Plan::Score(ticket) => {
                let (code, v) = score_one(state.clone(), &req, received, &caller.name).await;
                let answer = Answer::new(code, &v);
                if let Some(t) = ticket {
                    if code == StatusCode::OK && v["status"] == "ok" {
                        t.finish(answer.body.clone());
                    }
                    // Otherwise the ticket is dropped: never kept, and a
                    // waiter scores the rollout afresh.
                }
                return answer;
            }
            Plan::Wait(w) => {
                let waited = {
                    let _waiting = Gauge::up(&state.metrics.waiting);
                    tokio::time::timeout_at(deadline.into(), w.wait()).await
                };
                match waited {
                    Ok(Some(body)) => plan = Plan::Replay(body),
                    // The other request gave up without an `ok` answer: claim
                    // the id again (and most likely score it here).
                    Ok(None) => match self::plan(&state, &caller, &req) {
                        Ok(p) => plan = p,
                        Err(body) => return Answer::new(StatusCode::CONFLICT, &body),
                    },
                    Err(_) => {
                        let request_id = req.request_id.clone().unwrap_or_default();
                        let infra = Infra {
                            kind: "timeout_harness",
                            message:
                                "the deadline passed while waiting for the answer to the same \
                                  request_id"
                                    .into(),
                        };
                        let (code, v) =
                            infra_answer(&state, &req, &request_id, infra, &caller.name);
                        return Answer::new(code, &v);
                    }
                }
            }
        }
    }
}

async fn score_route(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    const ROUTE: &str = "/v1/score";
    if let Some(r) = refuse_while_draining(&state, ROUTE) {
        return r;
    }
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
    let plan = match plan(&state, &caller, &req) {
        Ok(p) => p,
        Err(body) => {
            state.metrics.request(ROUTE, 409);
            return (StatusCode::CONFLICT, Json(body)).into_response();
        }
    };
    // A replay costs nothing; anything else takes its place.
    let adm = match plan {
        Plan::Replay(_) => None,
        _ => match state.admit(&caller, 1) {
            Ok(a) => Some(a),
            Err(why) => return refused(&state, ROUTE, why),
        },
    };
    let a = run_item(state.clone(), caller, req, plan, Instant::now()).await;
    drop(adm);
    state.metrics.request(ROUTE, a.status.as_u16());
    json_response(a.status, a.body, a.replayed)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    items: Vec<Value>,
}

async fn batch_route(
    State(state): State<Arc<AppState>>,
    Extension(caller): Extension<Caller>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    const ROUTE: &str = "/v1/score/batch";
    if let Some(r) = refuse_while_draining(&state, ROUTE) {
        return r;
    }
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
    // In order, so an id given twice in one batch is scored once (the second
    // item waits for the first).
    let mut plans = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        match plan(&state, &caller, r) {
            Ok(p) => plans.push(p),
            Err(mut body) => {
                // The plans made so far are dropped: their ids are freed.
                body["item"] = json!(i);
                return bad(StatusCode::CONFLICT, body);
            }
        }
    }
    let to_score = plans
        .iter()
        .filter(|p| !matches!(p, Plan::Replay(_)))
        .count();
    let adm = if to_score == 0 {
        None
    } else {
        match state.admit(&caller, to_score) {
            Ok(a) => Some(a),
            Err(why) => return refused(&state, ROUTE, why),
        }
    };
    let received = Instant::now();
    // Each item is its own task; dropping the set (client gone) aborts them all,
    // which cancels their scoring.
    let mut set = tokio::task::JoinSet::new();
    let n = reqs.len();
    for (i, (r, p)) in reqs.into_iter().zip(plans).enumerate() {
        let st = state.clone();
        let c = caller.clone();
        set.spawn(async move { (i, run_item(st, c, r, p, received).await) });
    }
    let mut results: Vec<Option<Answer>> = (0..n).map(|_| None).collect();
    while let Some(done) = set.join_next().await {
        match done {
            Ok((i, a)) => results[i] = Some(a),
            Err(e) => {
                tracing::error!("a batch item's task failed: {e}");
            }
        }
    }
    drop(adm);
    let replayed = results.iter().flatten().any(|a| a.replayed);
    let mut body = Vec::from(&b"{\"results\":["[..]);
    for (i, a) in results.into_iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        match a {
            // The item's bytes as sent (or kept), so a replayed item is the
            // same bytes in a batch as alone.
            Some(a) => body.extend_from_slice(&a.body),
            None => body.extend_from_slice(
                json!({"status": "infra_error", "kind": "internal", "error": "the item's task failed"})
                    .to_string()
                    .as_bytes(),
            ),
        }
    }
    body.extend_from_slice(b"]}");
    state.metrics.request(ROUTE, 200);
    json_response(StatusCode::OK, Bytes::from(body), replayed)
}

/// Waits for a worker, scores on a blocking thread, logs the OK/BAD line.
async fn score_one(
    state: Arc<AppState>,
    req: &ScoreRequest,
    received: Instant,
    token: &str,
) -> (StatusCode, Value) {
    let request_id = req
        .request_id
        .clone()
        .unwrap_or_else(|| format!("r{}", state.next_id.fetch_add(1, Ordering::Relaxed)));
    let deadline = received
        + req
            .deadline_s
            .map_or(state.cfg.deadline, Duration::from_secs_f64);
    let stop = state.root_stop.child_until(Some(deadline));
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
                return infra_answer(&state, req, &request_id, infra, token);
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
            log_rollout(&v, token);
            (StatusCode::OK, v)
        }
        Ok(Err(infra)) => infra_answer(&state, req, &request_id, infra, token),
        Err(e) => infra_answer(
            &state,
            req,
            &request_id,
            Infra {
                kind: "internal",
                message: format!("the scoring thread failed: {e}"),
            },
            token,
        ),
    }
}

fn infra_answer(
    state: &AppState,
    req: &ScoreRequest,
    request_id: &str,
    infra: Infra,
    token: &str,
) -> (StatusCode, Value) {
    state.metrics.infra_error(infra.kind);
    tracing::info!(
        target: "bax_serve::rollout",
        "BAD task={} request={} token={} reward=none reason={:?}",
        req.task_id,
        request_id,
        token,
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

fn log_rollout(v: &Value, token: &str) {
    let reward = v["reward"].as_f64().unwrap_or(0.0);
    let task = v["task_id"].as_str().unwrap_or("?");
    let id = v["request_id"].as_str().unwrap_or("?");
    let reason = v["reason"].as_str().unwrap_or("");
    let secs = v["timings"]["total_s"].as_f64().unwrap_or(0.0);
    if reward >= 1.0 {
        tracing::info!(target: "bax_serve::rollout", "OK task={task} request={id} token={token} reward={reward:.1} seconds={secs:.1} reason={reason:?}");
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
            "BAD task={task} request={id} token={token} reward={reward:.1} seconds={secs:.1} reason={reason:?} log[{which}]={short:?}"
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

/// 503 `draining` for new work while the server drains.
fn refuse_while_draining(state: &AppState, route: &str) -> Option<Response> {
    if !state.is_draining() {
        return None;
    }
    state.metrics.request(route, 503);
    let mut r = (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"status": "draining",
                    "error": "this server is shutting down and takes no new work; send it to another replica",
                    "retry_after_s": 1})),
    )
        .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(1u64));
    Some(r)
}

/// Readiness: 200 when this server can score (the probe passes) and is not
/// draining, else 503 with why. Never needs a token (orchestrators probe it).
async fn ready_route(State(state): State<Arc<AppState>>) -> Response {
    let st = state.clone();
    let r = tokio::task::spawn_blocking(move || st.readiness())
        .await
        .unwrap_or_else(|e| Err(format!("the readiness probe failed: {e}")));
    match r {
        Ok(details) => {
            state.metrics.request("/readyz", 200);
            (
                StatusCode::OK,
                Json(json!({"status": "ready", "ready": true, "details": details})),
            )
                .into_response()
        }
        Err(why) => {
            state.metrics.request("/readyz", 503);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "not_ready", "ready": false, "draining": state.is_draining(), "why": why})),
            )
                .into_response()
        }
    }
}

async fn health_route(State(state): State<Arc<AppState>>) -> Json<Value> {
    state.metrics.request("/healthz", 200);
    let st = state.clone();
    let ready = tokio::task::spawn_blocking(move || st.readiness().is_ok())
        .await
        .unwrap_or(false);
    Json(json!({
        "status": "ok",
        "live": true,
        "ready": ready,
        "draining": state.is_draining(),
        "in_flight": state.in_flight(),
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
        state.metrics.render()
            + &format!(
                "# HELP bax_in_flight Admitted scoring requests not yet answered (queued or running).\n\
                 # TYPE bax_in_flight gauge\nbax_in_flight {}\n\
                 # HELP bax_draining 1 while the server drains (SIGTERM): no new work.\n\
                 # TYPE bax_draining gauge\nbax_draining {}\n",
                state.in_flight(),
                u8::from(state.is_draining())
            )
            + &metrics::idempotency_metrics(state.idem.entries(), state.idem.bytes())
            + &metrics::runner_metrics(&state.runner),
    )
        .into_response()
}
