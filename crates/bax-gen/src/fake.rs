//! A local HTTP server that speaks OpenAI's chat completions and Anthropic's
//! messages wire protocols, with scripted faults, for tests (bax's own and those
//! of crates that drive generation). It answers on `127.0.0.1` only.
//!
//! Requests to `…/chat/completions` get OpenAI-shaped answers and errors, requests
//! to `/v1/messages` Anthropic-shaped ones; anything else is a 404. Each request
//! takes the next scripted [`Reply`] ([`FakeServer::push`]); when the script is
//! empty, the responder ([`FakeServer::respond_with`]) decides, by default an
//! answer holding a small Python app in a fence.
//!
//! ```no_run
//! use bax_gen::fake::{FakeServer, Reply};
//! let server = FakeServer::start();
//! server.push(Reply::rate_limited("1"));
//! server.push(Reply::status(503));
//! // ... point a client at server.openai_base_url() or server.url() ...
//! assert_eq!(server.requests().len(), 0);
//! ```

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

/// The default answer: a Flask app in a fence, which parses for single-file
/// Python tasks.
pub const DEFAULT_ANSWER: &str = "Here is the app:\n```python\nfrom flask import Flask\n\
app = Flask(__name__)\n\n@app.get('/')\ndef index():\n    return 'hi'\n\n\
if __name__ == '__main__':\n    app.run(host='0.0.0.0', port=5000)\n```\n";

/// Which protocol a request spoke (by its path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FakeApi {
    OpenAi,
    Anthropic,
    Unknown,
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A success in the protocol's exact shape. Token counts default to word
    /// counts of the prompt and the text.
    Answer {
        text: String,
        /// `finish_reason: "length"` / `stop_reason: "max_tokens"` instead of
        /// `"stop"` / `"end_turn"`.
        truncated: bool,
        prompt_tokens: Option<u64>,
        output_tokens: Option<u64>,
    },
    /// An error in the protocol's error shape, with extra headers.
    Error {
        status: u16,
        message: String,
        headers: Vec<(String, String)>,
    },
    /// Any status and body, verbatim (for malformed answers).
    Raw {
        status: u16,
        content_type: String,
        body: String,
    },
    /// Read the request, say nothing for this long, then hang up.
    Stall(Duration),
    /// Read the request and hang up without a word.
    Hangup,
}

impl Reply {
    pub fn answer(text: &str) -> Self {
        Reply::Answer {
            text: text.to_string(),
            truncated: false,
            prompt_tokens: None,
            output_tokens: None,
        }
    }

    /// An answer cut off by the token limit.
    pub fn truncated(text: &str) -> Self {
        Reply::Answer {
            text: text.to_string(),
            truncated: true,
            prompt_tokens: None,
            output_tokens: None,
        }
    }

    /// An error with the provider's usual message for `status`.
    pub fn status(status: u16) -> Self {
        let message = match status {
            400 => "Invalid request",
            401 => "Incorrect API key provided",
            403 => "Permission denied",
            404 => "The model does not exist",
            408 => "Request timed out",
            409 => "Conflict",
            429 => "Rate limit reached",
            500 => "The server had an error while processing your request",
            502 => "Bad gateway",
            503 => "The engine is currently overloaded",
            529 => "Overloaded",
            _ => "Error",
        };
        Reply::Error {
            status,
            message: message.to_string(),
            headers: Vec::new(),
        }
    }

    /// A 429 with `Retry-After: <value>` (seconds or an HTTP date).
    pub fn rate_limited(retry_after: &str) -> Self {
        Reply::Error {
            status: 429,
            message: "Rate limit reached".into(),
            headers: vec![("Retry-After".into(), retry_after.into())],
        }
    }

    /// `status` with `body` as `application/json`, whatever it holds.
    pub fn raw(status: u16, body: &str) -> Self {
        Reply::Raw {
            status,
            content_type: "application/json".into(),
            body: body.to_string(),
        }
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub api: FakeApi,
    pub method: String,
    pub path: String,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// When the request had been read.
    pub at: Instant,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// The text of the last user message.
    pub fn prompt(&self) -> String {
        self.json()
            .and_then(|v| {
                let msgs = v.get("messages")?.as_array()?.clone();
                let last = msgs
                    .iter()
                    .rev()
                    .find(|m| m.get("role").and_then(Value::as_str) == Some("user"))?;
                last.get("content")?.as_str().map(str::to_string)
            })
            .unwrap_or_default()
    }

    /// The `model` of the request body.
    pub fn model(&self) -> String {
        self.json()
            .and_then(|v| v.get("model")?.as_str().map(str::to_string))
            .unwrap_or_default()
    }
}

type Responder = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

struct State {
    script: Mutex<VecDeque<Reply>>,
    requests: Mutex<Vec<Request>>,
    responder: Mutex<Responder>,
    ids: AtomicU64,
    stop: AtomicBool,
}

/// The server; stops when dropped.
pub struct FakeServer {
    addr: SocketAddr,
    state: Arc<State>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// Starts listening on a free port of 127.0.0.1.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("a bound address");
        let state = Arc::new(State {
            script: Mutex::new(VecDeque::new()),
            requests: Mutex::new(Vec::new()),
            responder: Mutex::new(Arc::new(|_: &Request| Reply::answer(DEFAULT_ANSWER))),
            ids: AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &st);
                });
            }
        });
        Self {
            addr,
            state,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`: the base URL for Anthropic clients.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>/v1`: the base URL for OpenAI-compatible clients.
    pub fn openai_base_url(&self) -> String {
        format!("{}/v1", self.url())
    }

    /// Appends a reply to the script.
    pub fn push(&self, reply: Reply) {
        self.state.script.lock().unwrap().push_back(reply);
    }

    /// What to answer once the script is used up.
    pub fn respond_with(&self, f: impl Fn(&Request) -> Reply + Send + Sync + 'static) {
        *self.state.responder.lock().unwrap() = Arc::new(f);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Replies still in the script.
    pub fn pending(&self) -> usize {
        self.state.script.lock().unwrap().len()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(conn: TcpStream, st: &State) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    if method.is_empty() {
        return Ok(());
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let api = if path.ends_with("/chat/completions") {
        FakeApi::OpenAi
    } else if path == "/v1/messages" {
        FakeApi::Anthropic
    } else {
        FakeApi::Unknown
    };
    let req = Request {
        api,
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    };
    st.requests.lock().unwrap().push(req.clone());
    let reply = if api == FakeApi::Unknown {
        Reply::Raw {
            status: 404,
            content_type: "text/plain".into(),
            body: "no such route".into(),
        }
    } else {
        let scripted = st.script.lock().unwrap().pop_front();
        match scripted {
            Some(r) => r,
            None => {
                let f = st.responder.lock().unwrap().clone();
                f(&req)
            }
        }
    };
    let mut conn = conn;
    let id = st.ids.fetch_add(1, Ordering::SeqCst);
    match reply {
        Reply::Stall(d) => {
            let end = Instant::now() + d;
            while Instant::now() < end && !st.stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Reply::Hangup => {}
        Reply::Raw {
            status,
            content_type,
            body,
        } => write_response(&mut conn, status, &content_type, &[], &body)?,
        Reply::Error {
            status,
            message,
            headers,
        } => {
            let body = error_body(api, status, &message);
            write_response(&mut conn, status, "application/json", &headers, &body)?
        }
        Reply::Answer {
            text,
            truncated,
            prompt_tokens,
            output_tokens,
        } => {
            let p = prompt_tokens.unwrap_or(req.prompt().split_whitespace().count() as u64);
            let c = output_tokens.unwrap_or(text.split_whitespace().count() as u64);
            let body = answer_body(api, id, &req.model(), &text, truncated, p, c);
            write_response(&mut conn, 200, "application/json", &[], &body)?
        }
    }
    let _ = conn.shutdown(Shutdown::Both);
    Ok(())
}

fn write_response(
    conn: &mut TcpStream,
    status: u16,
    content_type: &str,
    headers: &[(String, String)],
    body: &str,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         connection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes())?;
    conn.write_all(body.as_bytes())?;
    conn.flush()
}

fn error_body(api: FakeApi, status: u16, message: &str) -> String {
    match api {
        FakeApi::Anthropic => {
            let kind = match status {
                400 => "invalid_request_error",
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                529 => "overloaded_error",
                _ => "api_error",
            };
            json!({"type": "error", "error": {"type": kind, "message": message}}).to_string()
        }
        _ => {
            let (kind, code) = match status {
                401 => ("invalid_request_error", json!("invalid_api_key")),
                404 => ("invalid_request_error", json!("model_not_found")),
                429 => ("requests", json!("rate_limit_exceeded")),
                400..=499 => ("invalid_request_error", Value::Null),
                _ => ("server_error", Value::Null),
            };
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
                .to_string()
        }
    }
}

fn answer_body(
    api: FakeApi,
    id: u64,
    model: &str,
    text: &str,
    truncated: bool,
    prompt_tokens: u64,
    output_tokens: u64,
) -> String {
    match api {
        FakeApi::Anthropic => json!({
            "id": format!("msg_01Bax{id:016}"),
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": if truncated { "max_tokens" } else { "end_turn" },
            "stop_sequence": null,
            "usage": {
                "input_tokens": prompt_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": output_tokens,
                "service_tier": "standard",
            },
        })
        .to_string(),
        _ => {
            let created = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0);
            json!({
                "id": format!("chatcmpl-bax{id}"),
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": null, "annotations": []},
                    "logprobs": null,
                    "finish_reason": if truncated { "length" } else { "stop" },
                }],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": output_tokens,
                    "total_tokens": prompt_tokens + output_tokens,
                    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                    "completion_tokens_details": {
                        "reasoning_tokens": 0,
                        "audio_tokens": 0,
                        "accepted_prediction_tokens": 0,
                        "rejected_prediction_tokens": 0,
                    },
                },
                "service_tier": "default",
                "system_fingerprint": "fp_bax",
            })
            .to_string()
        }
    }
}
