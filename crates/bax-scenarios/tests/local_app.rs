//! The harness and the scenario tests against plain local processes (no root,
//! no sandbox): the `App` seam at work. Needs python3 and sqlite3.

use std::time::Duration;

use bax_scenarios::app::{App, LocalApp};
use bax_scenarios::harness::{TestCtx, TestLog, BODY_LIMIT};

fn have_tools(test: &str) -> bool {
    bax_testkit::require(
        test,
        &[
            bax_testkit::Need::tool("python3"),
            bax_testkit::Need::tool("sqlite3"),
        ],
    )
}

fn start(code: &str) -> LocalApp {
    LocalApp::start(
        "exec python3 app.py",
        &[("/app/app.py", code.as_bytes())],
        Duration::from_secs(20),
    )
    .unwrap()
}

/// A Calculator in the standard library; `WRONG_FLAG` makes it answer wrongly.
const CALCULATOR: &str = r#"
import json, os, re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
WRONG = WRONG_FLAG
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        expr = body.get("expression", "")
        if not re.fullmatch(r"\s*\d+(\s*[-+*]\s*\d+)*\s*", expr):
            return self.answer(400, {"error": "invalid"})
        total, term, sign = 0, 1, 1
        for tok in re.findall(r"\d+|[-+*]", expr):
            if tok == "*": continue
            if tok in "+-":
                total += sign * term; term, sign = 1, (1 if tok == "+" else -1)
            else:
                term *= int(tok)
        total += sign * term
        self.answer(200, {"result": str(total + (1 if WRONG else 0))})
    def answer(self, status, obj):
        b = json.dumps(obj).encode()
        self.send_response(status); self.send_header("Content-Length", str(len(b))); self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a): pass
ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
"#;

#[test]
fn a_scenarios_own_tests_run_against_a_local_process() {
    if !have_tools("local calculator") {
        return;
    }
    let tests = bax_scenarios::tests("Calculator").unwrap();
    for (wrong, want) in [("False", true), ("True", false)] {
        let app = start(&CALCULATOR.replace("WRONG_FLAG", wrong));
        let log = TestLog::new();
        let ctx = TestCtx::new(&app, &log, "/app/db.sqlite3".into()).unwrap();
        let (name, f) = tests
            .functional
            .iter()
            .find(|(n, _)| *n == "func_test_expressions")
            .unwrap();
        assert_eq!(
            f(&ctx).unwrap(),
            want,
            "{name} with WRONG={wrong}: {:?}",
            log.lines()
        );
    }
}

#[test]
fn files_and_sql_are_the_apps_own() {
    if !have_tools("local sql") {
        return;
    }
    let app = start(&CALCULATOR.replace("WRONG_FLAG", "False"));
    let log = TestLog::new();
    let ctx = TestCtx::new(&app, &log, "/app/db.sqlite3".into()).unwrap();
    ctx.place_file("/secret.txt", b"SECRET").unwrap();
    assert_eq!(
        std::fs::read(app.root().join("secret.txt")).unwrap(),
        b"SECRET"
    );
    assert_eq!(ctx.load_file("/secret.txt").unwrap(), b"SECRET");
    assert!(ctx.load_file("/../etc/passwd").is_err());
    let out = ctx
        .sql("CREATE TABLE t(x); INSERT INTO t VALUES (42); SELECT x FROM t;")
        .unwrap();
    assert_eq!(out.trim(), "42");
    assert!(app.root().join("app/db.sqlite3").exists());
    assert!(ctx.sql("SELECT nope FROM missing;").is_err());
}

#[test]
fn an_endless_body_is_kept_to_the_limit() {
    if !have_tools("local endless body") {
        return;
    }
    let app = start(
        r#"
import os, socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(os.environ["PORT"]))); s.listen(8)
while True:
    c, _ = s.accept()
    c.recv(65536)
    c.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    try:
        while True: c.sendall(b"A" * 65536)
    except OSError:
        c.close()
"#,
    );
    let log = TestLog::new();
    let ctx = TestCtx::new(&app, &log, String::new()).unwrap();
    let r = ctx.get("/").unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len() as u64, BODY_LIMIT);
    assert!(
        log.lines().iter().any(|l| l.contains("body cut at")),
        "{:?}",
        log.lines()
    );
}

#[test]
fn an_upload_ends_when_the_app_answers_early() {
    if !have_tools("local early answer") {
        return;
    }
    // Answers 413 after the head, then reads and drops the rest (as Werkzeug does).
    let app = start(
        r#"
import os, socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(os.environ["PORT"]))); s.listen(8)
def serve(c):
    c.recv(4096)
    c.sendall(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 9\r\n\r\ntoo large")
    try:
        while c.recv(1 << 20): pass
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"#,
    );
    let log = TestLog::new();
    let ctx = TestCtx::new(&app, &log, String::new()).unwrap();
    // 64 GiB: only an early stop can end this within a test's lifetime.
    let len: u64 = 64 << 30;
    let body = std::io::Read::take(std::io::repeat(b'0'), len);
    let r = ctx
        .post_streamed("/upload", "application/octet-stream", len, body)
        .unwrap();
    assert_eq!(r.status, 413);
    assert_eq!(r.text(), "too large");
    assert!(
        log.lines()
            .iter()
            .any(|l| l.contains("answered (or closed) while the body was still being sent")),
        "{:?}",
        log.lines()
    );
}

#[test]
fn resource_monitoring_reads_memory_and_tmp_storage() {
    if !have_tools("local monitoring") {
        return;
    }
    let app = start(&CALCULATOR.replace("WRONG_FLAG", "False"));
    let log = TestLog::new();
    let ctx = TestCtx::new(&app, &log, String::new()).unwrap();
    assert!(app.memory_bytes() > 0);
    // Idle app, empty /tmp: nothing exceeded.
    assert!(!ctx.monitor_container_resources(Duration::from_millis(100), 10_000.0, 1e9));
    // 2 MiB under /tmp against a 1 MiB storage threshold.
    ctx.place_file("/tmp/big", &vec![0u8; 2 << 20]).unwrap();
    assert!(ctx.monitor_container_resources(Duration::from_millis(100), 10_000.0, 1e6));
    // A memory threshold below what the app uses.
    assert!(ctx.monitor_container_resources(Duration::from_millis(100), 0.001, 1e9));
}
