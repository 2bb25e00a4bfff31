//! `bax serve` for real: the server's own description and metrics, the load
//! test with malformed requests and clients that hang up, and access control,
//! body limits, per-token limits and idempotent replays. (The Python client and
//! integrations run in tests/python.rs.)
//!
//! Needs root, bubblewrap and a provisioned Python-Flask runtime (scripts/test-all
//! provides them); without them these fail under CI and are skipped elsewhere.
//! The start-up refusals need none of that and always run.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::ready;

/// A running `bax serve`: its process, its URL, its start-up line and
/// everything it has written on stderr so far.
struct Served {
    child: Child,
    url: String,
    line: String,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) for stderr to hold `needle`, and returns stderr.
    fn wait_stderr(&self, needle: &str) -> String {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let e = self.stderr();
            if e.contains(needle) || Instant::now() > until {
                return e;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn serve(args: &[&str]) -> Served {
    serve_with(args, &[])
}

/// `bax serve --port 0 ARGS` with `env` set (and no BAX_TOKEN from outside).
fn serve_with(args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["serve", "--port", "0"])
        .args(args)
        .env_remove("BAX_TOKEN")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let (sink, mut pipe) = (stderr.clone(), child.stderr.take().unwrap());
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    });
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}; stderr: {}", stderr.lock().unwrap()))
        .to_string();
    Served {
        child,
        url,
        line,
        stderr,
    }
}

#[test]
fn openapi_metrics_and_malformed_requests() {
    if !ready() {
        return;
    }
    let s = serve(&["--workers", "1"]);
    let get = |p: &str| ureq::get(&format!("{}{p}", s.url)).call().unwrap();
    let doc: Value = serde_json::from_str(&get("/openapi.json").into_string().unwrap()).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    for p in [
        "/v1/score",
        "/v1/score/batch",
        "/v1/tasks",
        "/healthz",
        "/metrics",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} undocumented");
    }
    let kinds = &doc["components"]["schemas"]["InfraError"]["properties"]["kind"]["enum"];
    assert!(kinds
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k == "sandbox_failed"));
    // Malformed bodies get 4xx JSON answers, never a reward.
    for (path, body, want) in [
        ("/v1/score", "not json", 400),
        ("/v1/score", r#"{"task_id":"Calculator-Python-Flask"}"#, 400),
        (
            "/v1/score",
            r#"{"task_id":"Calculator-Python-Flask","completion":"x","files":{}}"#,
            400,
        ),
        (
            "/v1/score",
            r#"{"task_id":"Nope-Python-Flask","completion":"x"}"#,
            404,
        ),
        (
            "/v1/score",
            r#"{"task_id":"Calculator-Python-Flask","completion":"x","deadline_s":-1}"#,
            400,
        ),
        ("/v1/score/batch", r#"{"items":[]}"#, 400),
        (
            "/v1/score/batch",
            r#"{"items":[{"task_id":"Calculator-Python-Flask","completion":"x"},{"task_id":3}]}"#,
            400,
        ),
        ("/v1/tasks?split_by=sideways", "", 400),
    ] {
        let r = if body.is_empty() {
            ureq::get(&format!("{}{path}", s.url)).call()
        } else {
            ureq::post(&format!("{}{path}", s.url))
                .set("content-type", "application/json")
                .send_string(body)
        };
        match r {
            Err(ureq::Error::Status(code, resp)) => {
                assert_eq!(code, want, "{path} {body}");
                let v: Value = serde_json::from_str(&resp.into_string().unwrap()).unwrap();
                assert!(v["error"].is_string(), "{v}");
                assert!(v.get("reward").is_none());
            }
            other => panic!("{path} {body}: {other:?}"),
        }
    }
    // A harness deadline is an infra error, not a reward.
    let r = ureq::post(&format!("{}/v1/score", s.url))
        .set("content-type", "application/json")
        .send_string(
            r#"{"task_id":"Calculator-Python-Flask","completion":"```python\nimport time\ntime.sleep(600)\n```","deadline_s":2}"#,
        );
    match r {
        Err(ureq::Error::Status(503, resp)) => {
            let v: Value = serde_json::from_str(&resp.into_string().unwrap()).unwrap();
            assert_eq!(v["status"], "infra_error");
            assert_eq!(v["kind"], "timeout_harness");
        }
        other => panic!("{other:?}"),
    }
    let m = get("/metrics").into_string().unwrap();
    for name in [
        "bax_requests_total{route=\"/v1/score\",status=\"400\"}",
        "bax_queue_depth",
        "bax_scoring_seconds_bucket",
        "bax_rewards_total",
        "bax_infra_errors_total{kind=\"timeout_harness\"} 1",
        "bax_sandbox_failures_total",
        "bax_slots ",
        "bax_slots_in_use",
        "bax_cache_hits_total",
        "bax_cache_misses_total",
    ] {
        assert!(m.contains(name), "{name} missing from\n{m}");
    }
}

#[test]
fn load_test_loses_nothing_and_survives_hangups() {
    if !ready() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args([
            "bench",
            "serve",
            "-n",
            "4",
            "-c",
            "3",
            "--workers",
            "2",
            "--chaos",
            "3",
            "--scenarios",
            "Calculator",
            "--json",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(text.lines().last().unwrap_or("{}")).unwrap();
    assert!(
        out.status.success(),
        "{v:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(v["lost"], 0);
    assert_eq!(v["reward_1"], 4);
    assert_eq!(v["ids_echoed_once"], true);
    assert_eq!(v["server_healthy_after"], true);
    assert_eq!(v["malformed_rejected"], "3/3");
    assert!(v["cancelled_delta"].as_f64().unwrap() >= 1.0, "{v:#}");
    assert!(v["latency_s"]["p99"].as_f64().unwrap() > 0.0);
}

// ---- access control, body limits, per-token limits, idempotency ----

const TOKEN_A: &str = "alice-0123456789abcdef0123456789";
const TOKEN_B: &str = "bob-fedcba9876543210fedcba987654";
const TOKEN_ENV: &str = "env-5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

/// A token file in a fresh temporary folder (kept alive by the guard).
fn token_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens");
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap().to_string();
    (dir, p)
}

/// The reference Calculator app (earns 1.0), fenced as a model would answer.
fn calculator() -> String {
    format!(
        "```python\n{}\n```",
        include_str!("../../bax-scenarios/src/calculator/reference/Python-Flask/app.py")
    )
}

/// A Flask app that never comes up: its import sleeps.
const SLEEPER: &str =
    "```python\nimport time\ntime.sleep(600)\nfrom flask import Flask\napp = Flask(__name__)\n```";

/// An HTTP exchange: status, headers we look at, body text.
struct Reply {
    status: u16,
    replayed: Option<String>,
    www_authenticate: Option<String>,
    retry_after: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

fn reply(r: Result<ureq::Response, ureq::Error>) -> Reply {
    let r = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("no answer: {e}"),
    };
    Reply {
        status: r.status(),
        replayed: r.header("idempotent-replayed").map(str::to_string),
        www_authenticate: r.header("www-authenticate").map(str::to_string),
        retry_after: r.header("retry-after").map(str::to_string),
        body: r.into_string().unwrap(),
    }
}

fn with_token(r: ureq::Request, token: Option<&str>) -> ureq::Request {
    match token {
        Some(t) => r.set("Authorization", &format!("Bearer {t}")),
        None => r,
    }
}

fn get(url: &str, token: Option<&str>) -> Reply {
    reply(with_token(ureq::get(url), token).call())
}

fn post(url: &str, token: Option<&str>, body: &str) -> Reply {
    reply(
        with_token(ureq::post(url), token)
            .set("content-type", "application/json")
            .send_string(body),
    )
}

/// A counter's value in Prometheus text.
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} not in\n{text}"))
}

/// Runs `bax serve` expecting it to refuse to start; returns its stderr.
fn refused(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["serve", "--port", "0"])
        .args(args)
        .env_remove("BAX_TOKEN")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bax serve {args:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(!status.success(), "{args:?}: {err}");
    err
}

#[test]
fn start_up_refuses_open_non_loopback_addresses_and_bad_token_files() {
    // No sandbox needed: these fail before anything is set up.
    let err = refused(&["--host", "0.0.0.0"], &[]);
    for needle in ["--token-file", "BAX_TOKEN", "--insecure-no-auth", "0.0.0.0"] {
        assert!(err.contains(needle), "{needle} not in {err}");
    }
    let err = refused(&["--host", "192.0.2.1"], &[("BAX_TOKEN", "")]);
    assert!(err.contains("--insecure-no-auth"), "{err}");

    let (_d, dup) = token_file(&format!("a {TOKEN_A}\n# b\na {TOKEN_B}\n"));
    let err = refused(&["--token-file", &dup], &[]);
    assert!(err.contains("`a` is used twice"), "{err}");
    let (_d, same) = token_file(&format!("a {TOKEN_A}\nb {TOKEN_A}\n"));
    let err = refused(&["--token-file", &same], &[]);
    assert!(err.contains("same token"), "{err}");
    let (_d, short) = token_file("a 0123456789\n");
    let err = refused(&["--token-file", &short], &[]);
    assert!(err.contains(":1:") && err.contains("at least 16"), "{err}");
    assert!(
        !err.contains("0123456789\n") && !err.contains("0123456789 "),
        "{err}"
    );
    let (_d, empty) = token_file("# nothing here\n\n");
    let err = refused(&["--token-file", &empty], &[]);
    assert!(err.contains("no tokens"), "{err}");
    let (_d, bad) = token_file(&format!("a {TOKEN_A} max_in_flight=none\n"));
    let err = refused(&["--token-file", &bad], &[]);
    assert!(err.contains("max_in_flight"), "{err}");
    let err = refused(&[], &[("BAX_TOKEN", "short")]);
    assert!(
        err.contains("BAX_TOKEN") && err.contains("at least 16"),
        "{err}"
    );
    let (_d, clash) = token_file(&format!("x {TOKEN_ENV}\n"));
    let err = refused(&["--token-file", &clash], &[("BAX_TOKEN", TOKEN_ENV)]);
    assert!(
        err.contains("same token") && !err.contains(TOKEN_ENV),
        "{err}"
    );
    let err = refused(&["--max-body", "lots"], &[]);
    assert!(err.contains("--max-body"), "{err}");
}

#[test]
fn insecure_no_auth_serves_a_non_loopback_address_with_a_warning() {
    if !ready() {
        return;
    }
    let s = serve(&["--host", "0.0.0.0", "--insecure-no-auth", "--workers", "1"]);
    assert!(!s.line.contains("auth on"), "{}", s.line);
    let url = s.url.replace("0.0.0.0", "127.0.0.1");
    assert_eq!(get(&format!("{url}/v1/tasks"), None).status, 200);
    assert!(
        s.stderr().contains("warning: --insecure-no-auth"),
        "{}",
        s.stderr()
    );
    // With a token, a non-loopback address needs no such flag.
    let s = serve_with(
        &["--host", "0.0.0.0", "--workers", "1"],
        &[("BAX_TOKEN", TOKEN_ENV)],
    );
    assert!(s.line.contains(", auth on (1 tokens)"), "{}", s.line);
}

#[test]
fn bearer_tokens_guard_every_route_but_healthz() {
    if !ready() {
        return;
    }
    let (_d, file) = token_file(&format!(
        "# trainers\nalice {TOKEN_A}\n\n{TOKEN_B}   # a bare token: token4\n"
    ));
    let s = serve_with(
        &["--token-file", &file, "--workers", "1"],
        &[("BAX_TOKEN", TOKEN_ENV)],
    );
    assert!(
        s.line.starts_with("bax serve: listening on http://"),
        "{}",
        s.line
    );
    assert!(s.line.contains(", auth on (3 tokens))"), "{}", s.line);
    let u = |p: &str| format!("{}{p}", s.url);
    let score = json!({"task_id": "Calculator-Python-Flask", "completion": "no code"}).to_string();
    for token in [None, Some("wrong-token-0123456789abcdef"), Some("")] {
        for path in ["/v1/tasks", "/metrics", "/openapi.json", "/no/such/route"] {
            let r = get(&u(path), token);
            assert_eq!(r.status, 401, "{path} {token:?}: {}", r.body);
            assert_eq!(r.www_authenticate.as_deref(), Some("Bearer"), "{path}");
            let v = r.json();
            assert_eq!(v["status"], "unauthorized");
            assert!(v["error"].is_string());
        }
        for path in ["/v1/score", "/v1/score/batch"] {
            let r = post(&u(path), token, &score);
            assert_eq!(r.status, 401, "{path} {token:?}");
            assert!(r.json().get("reward").is_none());
        }
    }
    // A token in another scheme is no token.
    let r = reply(
        ureq::get(&u("/v1/tasks"))
            .set("Authorization", &format!("Basic {TOKEN_A}"))
            .call(),
    );
    assert_eq!(r.status, 401);
    // /healthz is open, for load balancers.
    assert_eq!(get(&u("/healthz"), None).status, 200);
    for t in [TOKEN_A, TOKEN_B, TOKEN_ENV] {
        let r = get(&u("/v1/tasks"), Some(t));
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.json()["count"].as_u64().unwrap() > 0);
    }
    let doc = get(&u("/openapi.json"), Some(TOKEN_A));
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert!(doc["paths"]["/v1/score"]["post"]["responses"]["401"].is_object());
    assert_eq!(get(&u("/no/such/route"), Some(TOKEN_A)).status, 404);
    let m = get(&u("/metrics"), Some(TOKEN_A)).body;
    assert!(
        m.contains("bax_requests_total{route=\"/v1/tasks\",status=\"401\"} 4"),
        "{m}"
    );
    // The rollout line names the token, never its value.
    let r = post(&u("/v1/score"), Some(TOKEN_B), &score);
    assert_eq!(r.status, 200, "{}", r.body);
    let id = r.json()["request_id"].as_str().unwrap().to_string();
    let err = s.wait_stderr(&format!("request={id} token=token4 "));
    assert!(
        err.contains(&format!("request={id} token=token4 ")),
        "{err}"
    );
    for t in [TOKEN_A, TOKEN_B, TOKEN_ENV] {
        assert!(!err.contains(t), "a token leaked into stderr:\n{err}");
    }
}

#[test]
fn oversized_bodies_get_413_and_smaller_ones_are_scored() {
    if !ready() {
        return;
    }
    let s = serve(&["--max-body", "1KiB", "--workers", "1", "--no-cache"]);
    let u = |p: &str| format!("{}{p}", s.url);
    let big =
        json!({"task_id": "Calculator-Python-Flask", "completion": "x".repeat(2048)}).to_string();
    let r = post(&u("/v1/score"), None, &big);
    assert_eq!(r.status, 413, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "payload_too_large");
    assert!(v["error"].as_str().unwrap().contains("1024 bytes"), "{v}");
    let items =
        json!({"items": [{"task_id": "Calculator-Python-Flask", "completion": "x".repeat(2048)}]});
    assert_eq!(
        post(&u("/v1/score/batch"), None, &items.to_string()).status,
        413
    );
    // Without a Content-Length (chunked), the limit holds while reading.
    let hostport = s.url.trim_start_matches("http://").to_string();
    let mut sock = std::net::TcpStream::connect(&hostport).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        sock,
        "POST /v1/score HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n",
        big.len()
    )
    .unwrap();
    let mut answer = String::new();
    let _ = sock.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("payload_too_large"), "{answer}");
    // A body under the limit is still scored.
    let small =
        json!({"task_id": "Calculator-Python-Flask", "completion": "no code here"}).to_string();
    let r = post(&u("/v1/score"), None, &small);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "ok");
    assert_eq!(r.json()["reward"], 0.0);
    let m = get(&u("/metrics"), None).body;
    assert!(
        m.contains("bax_requests_total{route=\"/v1/score\",status=\"413\"} 2"),
        "{m}"
    );
    assert!(
        m.contains("bax_requests_total{route=\"/v1/score/batch\",status=\"413\"} 1"),
        "{m}"
    );
    assert_eq!(metric(&m, "bax_scored_total"), 1.0);
}

/// Waits until the server has admitted `n` rollouts (queued or running).
fn wait_admitted(url: &str, n: u64) {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let v = get(&format!("{url}/healthz"), None).json();
        let admitted = v["queued"].as_u64().unwrap() + v["running"].as_u64().unwrap();
        if admitted >= n {
            return;
        }
        assert!(Instant::now() < until, "never admitted {n}: {v}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_token_at_its_limit_gets_429_while_others_are_admitted() {
    if !ready() {
        return;
    }
    let (_d, file) = token_file(&format!("alice {TOKEN_A} max_in_flight=1\nbob {TOKEN_B}\n"));
    let s = serve(&["--token-file", &file, "--workers", "4", "--no-cache"]);
    let score = s.url.clone() + "/v1/score";
    let slow =
        json!({"task_id": "Calculator-Python-Flask", "completion": SLEEPER, "deadline_s": 20})
            .to_string();
    let quick = json!({"task_id": "Calculator-Python-Flask", "completion": "no code"}).to_string();
    let held = {
        let (url, body) = (score.clone(), slow.clone());
        std::thread::spawn(move || post(&url, Some(TOKEN_A), &body))
    };
    wait_admitted(&s.url, 1);
    let r = post(&score, Some(TOKEN_A), &quick);
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.retry_after.as_deref().unwrap().parse::<u64>().unwrap() >= 1);
    let v = r.json();
    assert_eq!(v["status"], "overloaded");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("token alice has 1 rollouts in flight (its limit)"),
        "{v}"
    );
    // A batch counts its items, and one larger than the limit never fits.
    let batch = json!({"items": [{"task_id": "Calculator-Python-Flask", "completion": "a"}]});
    assert_eq!(
        post(
            &(score.clone() + "/batch"),
            Some(TOKEN_A),
            &batch.to_string()
        )
        .status,
        429
    );
    let two = json!({"items": [{"task_id": "Calculator-Python-Flask", "completion": "a"},
                               {"task_id": "Calculator-Python-Flask", "completion": "b"}]});
    assert_eq!(
        post(&(score.clone() + "/batch"), Some(TOKEN_A), &two.to_string()).status,
        400
    );
    // Another token is admitted meanwhile.
    let r = post(&score, Some(TOKEN_B), &quick);
    assert_eq!(r.status, 200, "{}", r.body);
    // The held rollout ends (its deadline: an infra error) and frees the place.
    let r = held.join().unwrap();
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!(r.json()["kind"], "timeout_harness");
    assert_eq!(post(&score, Some(TOKEN_A), &quick).status, 200);
    // A client that hangs up frees its place too.
    let hostport = s.url.trim_start_matches("http://").to_string();
    let mut sock = std::net::TcpStream::connect(&hostport).unwrap();
    write!(
        sock,
        "POST /v1/score HTTP/1.1\r\nHost: {hostport}\r\nAuthorization: Bearer {TOKEN_A}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{slow}",
        slow.len()
    )
    .unwrap();
    wait_admitted(&s.url, 1);
    assert_eq!(post(&score, Some(TOKEN_A), &quick).status, 429);
    drop(sock);
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        let r = post(&score, Some(TOKEN_A), &quick);
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 429, "{}", r.body);
        assert!(Instant::now() < until, "the hung-up rollout kept its place");
        std::thread::sleep(Duration::from_millis(100));
    }
    let m = get(&format!("{}/metrics", s.url), Some(TOKEN_B)).body;
    assert!(metric(&m, "bax_rejected_total") >= 3.0, "{m}");
}

#[test]
fn a_request_id_answered_ok_is_replayed_byte_for_byte_and_not_rescored() {
    if !ready() {
        return;
    }
    let s = serve_with(
        &["--workers", "2", "--no-cache"],
        &[("BAX_TOKEN", TOKEN_ENV)],
    );
    let u = |p: &str| format!("{}{p}", s.url);
    let t = Some(TOKEN_ENV);
    let body = json!({"task_id": "Calculator-Python-Flask", "completion": calculator(), "request_id": "idem-1"}).to_string();
    let first = post(&u("/v1/score"), t, &body);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["reward"], 1.0, "{}", first.body);
    assert_eq!(first.replayed, None);
    let scored = metric(&get(&u("/metrics"), t).body, "bax_scored_total");
    // Again, with another deadline (not part of the rollout): the same bytes.
    let again = json!({"task_id": "Calculator-Python-Flask", "completion": calculator(),
                       "request_id": "idem-1", "deadline_s": 100})
    .to_string();
    let second = post(&u("/v1/score"), t, &again);
    assert_eq!(second.status, 200);
    assert_eq!(second.body, first.body);
    assert_eq!(second.replayed.as_deref(), Some("true"));
    // In a batch: the item is the same bytes, and the batch says so.
    let batch = format!("{{\"items\":[{body}]}}");
    let b = post(&u("/v1/score/batch"), t, &batch);
    assert_eq!(b.status, 200, "{}", b.body);
    assert_eq!(b.body, format!("{{\"results\":[{}]}}", first.body));
    assert_eq!(b.replayed.as_deref(), Some("true"));
    // The same id for a different rollout is a conflict.
    let other =
        json!({"task_id": "Calculator-Python-Flask", "completion": "```python\nprint(1)\n```",
                       "request_id": "idem-1"})
        .to_string();
    let r = post(&u("/v1/score"), t, &other);
    assert_eq!(r.status, 409, "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], "conflict");
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("was used for a different rollout"),
        "{v}"
    );
    let other_spec = json!({"task_id": "Calculator-Python-Flask", "completion": calculator(),
                            "request_id": "idem-1", "spec_type": "text"})
    .to_string();
    assert_eq!(post(&u("/v1/score"), t, &other_spec).status, 409);
    let m = get(&u("/metrics"), t).body;
    assert_eq!(metric(&m, "bax_scored_total"), scored);
    assert_eq!(metric(&m, "bax_idempotent_replays_total"), 2.0);
    assert!(
        m.contains("bax_requests_total{route=\"/v1/score\",status=\"409\"} 2"),
        "{m}"
    );
    assert_eq!(metric(&m, "bax_idempotency_entries"), 1.0);
    // Infra errors are never replayed: a retry is scored afresh.
    let late = json!({"task_id": "Calculator-Python-Flask", "completion": SLEEPER,
                      "request_id": "idem-late", "deadline_s": 2})
    .to_string();
    for _ in 0..2 {
        let r = post(&u("/v1/score"), t, &late);
        assert_eq!(r.status, 503, "{}", r.body);
        assert_eq!(r.replayed, None);
    }
    let m = get(&u("/metrics"), t).body;
    assert_eq!(
        metric(&m, "bax_infra_errors_total{kind=\"timeout_harness\"}"),
        2.0
    );
    // The rollout line names the token; its value is never written.
    let err = s.wait_stderr("request=idem-1 token=env ");
    assert!(
        err.contains("OK task=Calculator-Python-Flask request=idem-1 token=env "),
        "{err}"
    );
    assert!(
        err.contains("REPLAY task=Calculator-Python-Flask request=idem-1 token=env"),
        "{err}"
    );
    assert!(
        err.contains("request=idem-late token=env reward=none"),
        "{err}"
    );
    assert!(
        !err.contains(TOKEN_ENV),
        "the token leaked into stderr:\n{err}"
    );
}

#[test]
fn concurrent_requests_with_one_new_request_id_are_scored_once() {
    if !ready() {
        return;
    }
    let s = serve(&["--workers", "2", "--no-cache"]);
    let url = s.url.clone() + "/v1/score";
    let before = metric(
        &get(&format!("{}/metrics", s.url), None).body,
        "bax_scored_total",
    );
    let body = json!({"task_id": "Calculator-Python-Flask", "completion": calculator(), "request_id": "twice-1"}).to_string();
    let go = Arc::new(std::sync::Barrier::new(2));
    let shots: Vec<_> = (0..2)
        .map(|_| {
            let (url, body, go) = (url.clone(), body.clone(), go.clone());
            std::thread::spawn(move || {
                go.wait();
                post(&url, None, &body)
            })
        })
        .collect();
    let rs: Vec<Reply> = shots.into_iter().map(|h| h.join().unwrap()).collect();
    for r in &rs {
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(rs[0].body, rs[1].body);
    assert_eq!(rs[0].json()["reward"], 1.0);
    assert_eq!(
        rs.iter()
            .filter(|r| r.replayed.as_deref() == Some("true"))
            .count(),
        1,
        "exactly one of the two is the replay"
    );
    let m = get(&format!("{}/metrics", s.url), None).body;
    assert_eq!(metric(&m, "bax_scored_total"), before + 1.0);
    assert_eq!(metric(&m, "bax_idempotent_replays_total"), 1.0);
    // The same ids in one batch: scored once, too.
    let item = json!({"task_id": "Calculator-Python-Flask", "completion": calculator(), "request_id": "twice-2"});
    let r = post(
        &url.replace("/v1/score", "/v1/score/batch"),
        None,
        &json!({"items": [item, item]}).to_string(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let results = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(results[0], results[1]);
    assert_eq!(r.replayed.as_deref(), Some("true"));
    let m = get(&format!("{}/metrics", s.url), None).body;
    assert_eq!(metric(&m, "bax_scored_total"), before + 2.0);
}

#[test]
fn a_waiter_scores_the_rollout_itself_when_the_first_client_leaves() {
    if !ready() {
        return;
    }
    let s = serve(&["--workers", "2", "--no-cache"]);
    let first = json!({"task_id": "Calculator-Python-Flask", "completion": SLEEPER,
                       "request_id": "left-1", "deadline_s": 120})
    .to_string();
    let hostport = s.url.trim_start_matches("http://").to_string();
    let mut sock = std::net::TcpStream::connect(&hostport).unwrap();
    write!(
        sock,
        "POST /v1/score HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{first}",
        first.len()
    )
    .unwrap();
    wait_admitted(&s.url, 1);
    // The same rollout (another deadline is the same rollout) waits for the first.
    let second = json!({"task_id": "Calculator-Python-Flask", "completion": SLEEPER,
                        "request_id": "left-1", "deadline_s": 10})
    .to_string();
    let url = s.url.clone() + "/v1/score";
    let waiter = std::thread::spawn(move || post(&url, None, &second));
    let until = Instant::now() + Duration::from_secs(60);
    while metric(
        &get(&format!("{}/metrics", s.url), None).body,
        "bax_idempotency_waiting",
    ) < 1.0
    {
        assert!(Instant::now() < until, "the second request never waited");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(sock);
    // The first is cancelled; the waiter scores it and meets its own deadline
    // in the scoring, not in the wait.
    let r = waiter.join().unwrap();
    assert_eq!(r.status, 503, "{}", r.body);
    let v = r.json();
    assert_eq!(v["kind"], "timeout_harness", "{v}");
    assert!(
        !v["error"].as_str().unwrap().contains("same request_id"),
        "{v}"
    );
    assert_eq!(r.replayed, None);
    let m = get(&format!("{}/metrics", s.url), None).body;
    assert!(metric(&m, "bax_cancelled_total") >= 1.0, "{m}");
    assert_eq!(metric(&m, "bax_idempotent_replays_total"), 0.0);
    let err = s.wait_stderr("request=left-1 token=anonymous reward=none");
    assert!(
        err.contains("request=left-1 token=anonymous reward=none"),
        "{err}"
    );
}
