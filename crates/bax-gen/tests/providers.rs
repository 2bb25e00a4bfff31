//! The providers against a local server that speaks the real wire protocols and
//! injects faults: retries, backoff, Retry-After, timeouts, malformed bodies,
//! truncation and refusals.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bax_gen::fake::{FakeApi, FakeServer, Reply};
use bax_gen::{
    AttemptError, Client, Endpoint, GenError, GenOptions, ModelSpec, Provider, ReasoningEffort,
    RetryPolicy,
};
use serde_json::{json, Value};

/// Options with millisecond backoff, so that tests are quick.
fn fast() -> GenOptions {
    GenOptions {
        retry: RetryPolicy {
            max_retries: 6,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(3),
        },
        read_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        ..GenOptions::default()
    }
}

fn openai(server: &FakeServer, o: GenOptions) -> Client {
    let e = Endpoint::new(
        Provider::Custom,
        &server.openai_base_url(),
        "bax-test-model",
        Some("sk-test".into()),
    );
    Client::new(e, o).unwrap()
}

fn anthropic(server: &FakeServer, o: GenOptions) -> Client {
    let e = Endpoint::new(
        Provider::Anthropic,
        &server.url(),
        "claude-test",
        Some("sk-ant-test".into()),
    );
    Client::new(e, o).unwrap()
}

fn go() -> AtomicBool {
    AtomicBool::new(false)
}

#[test]
fn openai_request_and_answer_follow_the_wire_protocol() {
    let server = FakeServer::start();
    server.push(Reply::Answer {
        text: "```python\nprint(1)\n```".into(),
        truncated: false,
        prompt_tokens: Some(1234),
        output_tokens: Some(56),
    });
    let c = openai(&server, fast())
        .complete("Write an app.", &go())
        .unwrap();

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(
        (r.api, r.method.as_str(), r.path.as_str()),
        (FakeApi::OpenAi, "POST", "/v1/chat/completions")
    );
    assert_eq!(r.header("authorization"), Some("Bearer sk-test"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        r.json().unwrap(),
        json!({"model": "bax-test-model", "temperature": 0.2, "messages": [
            {"role": "system", "content": "You are an experienced full-stack developer"},
            {"role": "user", "content": "Write an app."}]})
    );

    assert_eq!(c.text, "```python\nprint(1)\n```");
    assert_eq!((c.prompt_tokens, c.output_tokens), (Some(1234), Some(56)));
    assert_eq!(c.reasoning_tokens, Some(0));
    assert_eq!(c.finish_reason.as_deref(), Some("stop"));
    assert!(!c.truncated);
    assert_eq!(c.attempts, 1);
    assert!(c.retried_errors.is_empty());
    assert_eq!(c.response_model.as_deref(), Some("bax-test-model"));
    assert!(c.response_id.as_deref().unwrap().starts_with("chatcmpl-"));
    assert!(c.latency > Duration::ZERO && c.total_time >= c.latency);
    let raw: Value = serde_json::from_str(c.raw_response.as_deref().unwrap()).unwrap();
    assert_eq!(raw["object"], "chat.completion");
    assert_eq!(raw["usage"]["total_tokens"], 1290);
    // The metadata serializes with milliseconds and RFC 3339 times.
    let m = serde_json::to_value(&c).unwrap();
    assert_eq!(m["finish_reason"], "stop");
    assert!(m["latency_ms"].is_u64());
    assert!(m["started_at"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn anthropic_request_and_answer_follow_the_wire_protocol() {
    let server = FakeServer::start();
    server.push(Reply::answer("hello there"));
    let c = anthropic(&server, fast())
        .complete("Write an app.", &go())
        .unwrap();

    let r = &server.requests()[0];
    assert_eq!(
        (r.api, r.path.as_str()),
        (FakeApi::Anthropic, "/v1/messages")
    );
    assert_eq!(r.header("x-api-key"), Some("sk-ant-test"));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(r.header("authorization"), None);
    assert_eq!(
        r.json().unwrap(),
        json!({"model": "claude-test", "max_tokens": 8192, "temperature": 0.2,
               "system": "You are an experienced full-stack developer",
               "messages": [{"role": "user", "content": "Write an app."}]})
    );
    assert_eq!(c.text, "hello there");
    assert_eq!((c.prompt_tokens, c.output_tokens), (Some(3), Some(2)));
    assert_eq!(c.finish_reason.as_deref(), Some("end_turn"));
    assert!(!c.truncated);
    let raw: Value = serde_json::from_str(c.raw_response.as_deref().unwrap()).unwrap();
    assert_eq!(raw["type"], "message");
    assert_eq!(raw["usage"]["input_tokens"], 3);
}

#[test]
fn anthropic_thinking_is_requested_by_reasoning_effort() {
    let server = FakeServer::start();
    let o = GenOptions {
        reasoning_effort: Some(ReasoningEffort::Budget(2048)),
        max_tokens: Some(6000),
        ..fast()
    };
    anthropic(&server, o).complete("p", &go()).unwrap();
    let body = server.requests()[0].json().unwrap();
    assert_eq!(
        body["thinking"],
        json!({"type": "enabled", "budget_tokens": 2048})
    );
    assert_eq!(body["max_tokens"], 6000);
    assert!(body.get("temperature").is_none());
}

#[test]
fn rate_limits_and_server_errors_are_retried_honouring_retry_after() {
    let server = FakeServer::start();
    server.push(Reply::rate_limited("1"));
    server.push(Reply::Error {
        status: 429,
        message: "slow down".into(),
        headers: vec![("retry-after-ms".into(), "300".into())],
    });
    server.push(Reply::status(500));
    server.push(Reply::status(502));
    server.push(Reply::status(503));
    server.push(Reply::status(408));
    server.push(Reply::status(409));
    let o = GenOptions {
        retry: RetryPolicy {
            max_retries: 7,
            ..fast().retry
        },
        ..fast()
    };
    let c = openai(&server, o).complete("p", &go()).unwrap();

    let reqs = server.requests();
    assert_eq!(reqs.len(), 8, "seven failures, then the answer");
    assert_eq!(c.attempts, 8);
    assert_eq!(c.retried_errors.len(), 7);
    assert!(
        c.retried_errors[0].contains("HTTP 429"),
        "{:?}",
        c.retried_errors
    );
    assert!(c.retried_errors[4].contains("HTTP 503"));
    let gap = |i: usize| reqs[i + 1].at - reqs[i].at;
    assert!(
        gap(0) >= Duration::from_millis(990),
        "Retry-After: 1 honoured: {:?}",
        gap(0)
    );
    assert!(
        gap(1) >= Duration::from_millis(295),
        "retry-after-ms honoured: {:?}",
        gap(1)
    );
    assert!(gap(1) < Duration::from_millis(900));
    // No Retry-After: millisecond backoff (base 1 ms), not seconds.
    for i in 2..7 {
        assert!(gap(i) < Duration::from_millis(500), "gap {i}: {:?}", gap(i));
    }
}

#[test]
fn anthropic_overload_is_retried() {
    let server = FakeServer::start();
    server.push(Reply::status(529));
    server.push(Reply::rate_limited("0"));
    let c = anthropic(&server, fast()).complete("p", &go()).unwrap();
    assert_eq!(server.requests().len(), 3);
    assert!(
        c.retried_errors[0].contains("HTTP 529: Overloaded"),
        "{:?}",
        c.retried_errors
    );
}

#[test]
fn retry_after_is_capped_by_max_delay() {
    let server = FakeServer::start();
    server.push(Reply::rate_limited("30"));
    let o = GenOptions {
        retry: RetryPolicy {
            max_delay: Duration::from_millis(50),
            ..fast().retry
        },
        ..fast()
    };
    let t0 = Instant::now();
    openai(&server, o).complete("p", &go()).unwrap();
    assert!(t0.elapsed() < Duration::from_secs(2));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_stalled_server_times_out_and_is_retried() {
    let server = FakeServer::start();
    server.push(Reply::Stall(Duration::from_secs(3)));
    let o = GenOptions {
        read_timeout: Duration::from_millis(200),
        ..fast()
    };
    let t0 = Instant::now();
    let c = anthropic(&server, o).complete("p", &go()).unwrap();
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    assert_eq!(server.requests().len(), 2);
    assert_eq!(c.attempts, 2);
    assert!(
        c.retried_errors[0].contains("timed out"),
        "{:?}",
        c.retried_errors
    );
}

#[test]
fn malformed_bodies_and_hangups_are_retried() {
    let server = FakeServer::start();
    server.push(Reply::raw(200, "<html>Bad gateway</html>"));
    server.push(Reply::raw(
        200,
        r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m"}"#,
    ));
    server.push(Reply::raw(
        200,
        r#"{"choices":[{"index":0,"finish_reason":"stop"}]}"#,
    ));
    server.push(Reply::Hangup);
    server.push(Reply::raw(
        200,
        r#"{"error":{"message":"provider failed","code":502}}"#,
    ));
    let c = openai(&server, fast()).complete("p", &go()).unwrap();
    assert_eq!(server.requests().len(), 6);
    let e = &c.retried_errors;
    assert!(e[0].contains("malformed response: not JSON"), "{e:?}");
    assert!(e[1].contains("no `choices`"), "{e:?}");
    assert!(e[2].contains("no `message`"), "{e:?}");
    assert!(e[3].contains("connection failed"), "{e:?}");
    assert!(e[4].contains("provider failed"), "{e:?}");

    let server = FakeServer::start();
    server.push(Reply::raw(
        200,
        r#"{"id":"msg_1","type":"message","role":"assistant"}"#,
    ));
    let c = anthropic(&server, fast()).complete("p", &go()).unwrap();
    assert_eq!(server.requests().len(), 2);
    assert!(c.retried_errors[0].contains("no `content`"));
}

#[test]
fn truncated_answers_are_flagged() {
    let server = FakeServer::start();
    server.push(Reply::truncated("```python\nimport fla"));
    let c = openai(&server, fast()).complete("p", &go()).unwrap();
    assert!(c.truncated);
    assert_eq!(c.finish_reason.as_deref(), Some("length"));
    assert_eq!(c.text, "```python\nimport fla");

    server.push(Reply::truncated("cut"));
    let c = anthropic(&server, fast()).complete("p", &go()).unwrap();
    assert!(c.truncated);
    assert_eq!(c.finish_reason.as_deref(), Some("max_tokens"));
}

#[test]
fn refusals_fail_fast_without_retrying() {
    for (status, dooms) in [
        (401, true),
        (403, true),
        (404, true),
        (400, false),
        (422, false),
    ] {
        let server = FakeServer::start();
        server.push(Reply::status(status));
        let t0 = Instant::now();
        let e = openai(&server, fast()).complete("p", &go()).unwrap_err();
        assert!(t0.elapsed() < Duration::from_secs(1));
        assert_eq!(server.requests().len(), 1, "HTTP {status} is not retried");
        match &e {
            GenError::Rejected {
                status: s,
                message,
                body,
                ..
            } => {
                assert_eq!(*s, status);
                assert!(body.contains("\"error\""));
                assert!(!message.is_empty());
            }
            other => panic!("HTTP {status}: {other:?}"),
        }
        assert_eq!(e.dooms_model(), dooms, "{status}");
    }
    let server = FakeServer::start();
    server.push(Reply::status(401));
    let e = anthropic(&server, fast()).complete("p", &go()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("HTTP 401") && msg.contains("Incorrect API key"),
        "{msg}"
    );
    assert!(msg.contains("not retried"), "{msg}");
}

#[test]
fn retries_are_bounded() {
    let server = FakeServer::start();
    server.respond_with(|_| Reply::status(503));
    let o = GenOptions {
        retry: RetryPolicy {
            max_retries: 3,
            ..fast().retry
        },
        ..fast()
    };
    let e = openai(&server, o).complete("p", &go()).unwrap_err();
    assert_eq!(server.requests().len(), 4);
    match e {
        GenError::Exhausted {
            attempts: 4,
            last: AttemptError::Status { status: 503, .. },
        } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_closed_port_is_a_retried_connection_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = Endpoint::new(
        Provider::Vllm,
        &format!("http://127.0.0.1:{port}/v1"),
        "m",
        None,
    );
    let o = GenOptions {
        retry: RetryPolicy {
            max_retries: 2,
            ..fast().retry
        },
        ..fast()
    };
    match Client::new(e, o).unwrap().complete("p", &go()).unwrap_err() {
        GenError::Exhausted {
            attempts: 3,
            last: AttemptError::Connection(_),
        } => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn stopping_interrupts_a_backoff_wait() {
    let server = FakeServer::start();
    server.push(Reply::rate_limited("20"));
    let o = GenOptions {
        retry: RetryPolicy {
            max_delay: Duration::from_secs(30),
            ..fast().retry
        },
        ..fast()
    };
    let client = openai(&server, o);
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        s.store(true, Ordering::SeqCst);
    });
    let t0 = Instant::now();
    let e = client.complete("p", &stop).unwrap_err();
    t.join().unwrap();
    assert!(matches!(e, GenError::Cancelled), "{e:?}");
    assert!(t0.elapsed() < Duration::from_secs(2));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn model_names_resolve_to_the_local_server() {
    let server = FakeServer::start();
    let env = |k: &str| (k == "BAX_TEST_KEY").then(|| "k-123".to_string());
    let spec = ModelSpec::parse("anthropic/claude-x", false).unwrap();
    let e = Endpoint::resolve_with(&spec, Some(&server.url()), Some("BAX_TEST_KEY"), env).unwrap();
    Client::new(e, fast())
        .unwrap()
        .complete("p", &go())
        .unwrap();
    let spec = ModelSpec::parse("vllm/Qwen/Qwen2.5-Coder", false).unwrap();
    let e = Endpoint::resolve_with(&spec, Some(&server.openai_base_url()), None, env).unwrap();
    Client::new(e, fast())
        .unwrap()
        .complete("p", &go())
        .unwrap();
    let r = server.requests();
    assert_eq!(r[0].header("x-api-key"), Some("k-123"));
    assert_eq!(r[0].model(), "claude-x");
    assert_eq!(
        r[1].header("authorization"),
        None,
        "no key for a local server"
    );
    assert_eq!(r[1].model(), "Qwen/Qwen2.5-Coder");
}
