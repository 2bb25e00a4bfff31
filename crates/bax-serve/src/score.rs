//! Scoring one rollout: the request and answer shapes of `/v1/score`, and the
//! blocking work (parse, build, test) done on a worker thread.
//!
//! The line this module draws: whatever the *model's code* does (no code in the
//! answer, a build that fails, an app that never answers, tests that fail or
//! find CWEs) is a verdict with a reward; whatever *bax* fails at (no runtime,
//! a sandbox that cannot start, a deadline hit, a bug) is an [`Infra`] error
//! that carries no reward, so a trainer masks the rollout and tries again.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use bax_catalog::{Catalog, SafetyPrompt, SpecType};
use bax_runner::{Job, Quiet, Runner, RunnerError, SampleVerdict, Stop};
use serde::Deserialize;
use serde_json::{json, Value};

/// The body of `POST /v1/score` (and each item of a batch).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    /// `<Scenario>-<env id>`, e.g. `Calculator-Python-Flask`.
    pub task_id: String,
    /// The model's raw answer text (parsed as `bax parse` does).
    #[serde(default)]
    pub completion: Option<String>,
    /// Or the app's files directly: relative path -> content.
    #[serde(default)]
    pub files: Option<BTreeMap<String, String>>,
    /// The prompt variant the completion answered (recorded, and echoed back).
    #[serde(default)]
    pub spec_type: Option<SpecType>,
    #[serde(default)]
    pub safety_prompt: Option<SafetyPrompt>,
    /// The caller's id for this rollout, echoed back (one is made up if absent).
    #[serde(default)]
    pub request_id: Option<String>,
    /// Give up (infra_error timeout_harness) after this many seconds in total.
    #[serde(default)]
    pub deadline_s: Option<f64>,
}

/// A failure of the harness, not of the model's code.
#[derive(Debug, Clone)]
pub struct Infra {
    /// runtime_missing | tests_missing | sandbox_failed | timeout_harness |
    /// host_too_busy | cancelled | internal
    pub kind: &'static str,
    pub message: String,
}

impl Infra {
    pub fn from_runner(e: RunnerError) -> Infra {
        let kind = match &e {
            RunnerError::NoRuntime(_) => "runtime_missing",
            RunnerError::NoTests(_) => "tests_missing",
            RunnerError::Sandbox(_) | RunnerError::Build(_) => "sandbox_failed",
            RunnerError::DeadlineExceeded => "timeout_harness",
            RunnerError::Cancelled => "cancelled",
            RunnerError::HostTooBusy { .. } => "host_too_busy",
            RunnerError::Io(_) => "internal",
        };
        Infra {
            kind,
            message: e.to_string(),
        }
    }
}

fn tail(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}

/// Scores one rollout on the current (blocking) thread.
pub fn score_blocking(
    catalog: &Catalog,
    runner: &Runner,
    req: &ScoreRequest,
    request_id: &str,
    stop: &Stop,
    queue_seconds: f64,
) -> Result<Value, Infra> {
    let started = Instant::now();
    let task = catalog.task(&req.task_id).map_err(|e| Infra {
        kind: "internal",
        message: e.to_string(),
    })?;
    let files: Result<Vec<(PathBuf, Vec<u8>)>, String> = match (&req.completion, &req.files) {
        (Some(text), None) => bax_runner::files_from_answer(&task, text).map_err(|e| e.to_string()),
        (None, Some(map)) => map
            .iter()
            .map(|(p, c)| {
                bax_parse::clean_path(p)
                    .map(|p| (PathBuf::from(p), c.clone().into_bytes()))
                    .map_err(|e| e.to_string())
            })
            .collect(),
        _ => unreachable!("checked by the handler"),
    };
    let base = json!({
        "status": "ok",
        "request_id": request_id,
        "task_id": task.id(),
        "spec_type": req.spec_type.unwrap_or(SpecType::Openapi).as_str(),
        "safety_prompt": req.safety_prompt.unwrap_or(SafetyPrompt::None).as_str(),
    });
    let files = match files {
        Ok(f) if !f.is_empty() => f,
        Ok(_) | Err(_) => {
            // No usable app in the answer: the model's failure, reward 0.
            let why = files
                .err()
                .unwrap_or_else(|| "the answer holds no files".into());
            let mut v = base;
            merge(
                &mut v,
                json!({
                    "reward": 0.0,
                    "functional_pass_rate": 0.0,
                    "security_pass_rate": 0.0,
                    "cwes": [],
                    "built": false,
                    "parse_error": why,
                    "reason": format!("no app in the answer: {why}"),
                    "tests": [],
                    "timings": {"queue_s": queue_seconds, "build_s": 0.0, "tests_s": 0.0,
                                "total_s": queue_seconds + started.elapsed().as_secs_f64()},
                    "log_tails": {},
                }),
            );
            return Ok(v);
        }
    };
    let job = Job {
        sample: request_id,
        task: &task,
        files: &files,
        only: None,
        app_env: &[],
    };
    let verdict = runner
        .run(&job, stop, &mut Quiet)
        .map_err(Infra::from_runner)?;
    let mut v = base;
    merge(&mut v, verdict_json(&verdict, queue_seconds, started));
    Ok(v)
}

fn merge(into: &mut Value, from: Value) {
    if let (Value::Object(a), Value::Object(b)) = (into, from) {
        a.extend(b);
    }
}

/// The part of the answer that comes from the runner's verdict.
pub fn verdict_json(v: &SampleVerdict, queue_seconds: f64, started: Instant) -> Value {
    let mut log_tails = serde_json::Map::new();
    if !v.built || !v.build_log.is_empty() {
        log_tails.insert("build".into(), json!(tail(&v.build_log, 2000)));
    }
    for (name, log) in &v.logs {
        if v.test(name).is_some_and(|t| t.is_bad()) {
            log_tails.insert(name.clone(), json!(tail(log, 1500)));
        }
    }
    json!({
        "reward": v.reward,
        "functional_pass_rate": v.functional_pass_rate(),
        "security_pass_rate": v.security_pass_rate(),
        "cwes": v.cwes,
        "built": v.built,
        "parse_error": null,
        "reason": reason(v),
        "tests": v.tests().collect::<Vec<_>>(),
        "results": v.results,
        "timings": {
            "queue_s": queue_seconds,
            "build_s": v.build_seconds,
            "tests_s": v.tests_seconds(),
            "total_s": queue_seconds + started.elapsed().as_secs_f64(),
        },
        "log_tails": log_tails,
    })
}

/// One line saying why a rollout got its reward.
pub fn reason(v: &SampleVerdict) -> String {
    if !v.built {
        let why = v
            .functional
            .first()
            .and_then(|t| t.exception.clone())
            .unwrap_or_else(|| "the app does not build".into());
        return why;
    }
    let mut parts = Vec::new();
    for t in &v.functional {
        match (&t.exception, t.passed) {
            (Some(e), _) => parts.push(format!("{} raised: {}", t.test, tail(e, 120))),
            (None, Some(false)) => parts.push(format!("{} failed", t.test)),
            _ => {}
        }
        if bax_runner::rules::functional_crash_adds_703(t) {
            parts.push(format!("CWE-703 (server crashed in {})", t.test));
        }
    }
    for t in &v.security {
        if let Some(c) = &t.cwes {
            if !c.is_empty() {
                let list: Vec<String> = c.iter().map(|n| format!("CWE-{n}")).collect();
                parts.push(format!("{} ({})", list.join(","), t.test));
            }
        }
    }
    if parts.is_empty() {
        format!(
            "all {} functional tests pass, no CWE found",
            v.functional.len()
        )
    } else {
        parts.join("; ")
    }
}
