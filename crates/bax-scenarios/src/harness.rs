//! What a scenario's tests are written against: one running app instance, an
//! HTTP client, and a log that keeps the evidence behind every finding.
//!
//! A functional test answers pass or fail; a security test answers the set of
//! CWEs it found, or "could not complete" (`Ok(None)`, BaxBench's `None`). An
//! `Err` is an exception: BaxBench counts it as a failed functional test or an
//! incomplete security test.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::app::App;
use serde::Serialize;

/// A functional test: does the app do what the spec says?
pub type FunctionalFn = fn(&TestCtx) -> anyhow::Result<bool>;
/// A security test: which CWEs does an attack find? `None` = could not complete.
pub type SecurityFn = fn(&TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>>;

/// The tests of one scenario, in BaxBench's order and with its names.
#[derive(Clone, Default)]
pub struct ScenarioTests {
    pub functional: Vec<(&'static str, FunctionalFn)>,
    pub security: Vec<(&'static str, SecurityFn)>,
}

/// One request/response (or file, or database content) that proves a finding.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Evidence {
    /// What this shows, in a sentence.
    pub what: String,
    /// e.g. `POST /calculator {"expression": "..."}`
    pub request: Option<String>,
    /// Status and (truncated) body, or the file/row content.
    pub response: Option<String>,
}

/// The log of one test: messages, plus evidence for findings.
#[derive(Debug, Default)]
pub struct TestLog {
    started: Option<Instant>,
    lines: Mutex<Vec<String>>,
    evidence: Mutex<Vec<Evidence>>,
}

impl TestLog {
    pub fn new() -> TestLog {
        TestLog {
            started: Some(Instant::now()),
            ..TestLog::default()
        }
    }

    pub fn line(&self, msg: impl Into<String>) {
        let t = self
            .started
            .map(|s| s.elapsed().as_secs_f64())
            .unwrap_or(0.0);
        self.lines
            .lock()
            .unwrap()
            .push(format!("[{t:8.3}s] {}", msg.into()));
    }

    pub fn evidence(&self, e: Evidence) {
        self.line(format!("EVIDENCE: {}", e.what));
        self.evidence.lock().unwrap().push(e);
    }

    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Puts `earlier` (lines of another log, e.g. an attempt before this one)
    /// before this log's lines.
    pub fn prepend(&self, earlier: Vec<String>) {
        let mut lines = self.lines.lock().unwrap();
        let rest = std::mem::replace(&mut *lines, earlier);
        lines.extend(rest);
    }

    pub fn take_evidence(&self) -> Vec<Evidence> {
        self.evidence.lock().unwrap().clone()
    }
}

/// Cuts a text for logs and evidence.
pub fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &s[..end], s.len())
}

/// The most of a response body bax keeps (docs/sandbox.md, "Reading from an
/// instance"). BaxBench's tests read at most a few MiB (images, PDFs, songs); a
/// body beyond this is read on and thrown away up to [`DRAIN_LIMIT`], then the
/// connection is dropped: an endless or huge body costs bax bounded memory.
pub const BODY_LIMIT: u64 = 32 << 20;
/// How much of a body beyond [`BODY_LIMIT`] is read (and discarded) before the
/// exchange is cut off. An app streaming forever ends here, not at the test's
/// time limit.
pub const DRAIN_LIMIT: u64 = 1 << 30;

/// Reads a body: the first [`BODY_LIMIT`] bytes kept, up to [`DRAIN_LIMIT`]
/// more read and discarded. Returns the kept bytes and the total read.
pub fn read_body(r: &mut dyn std::io::Read) -> std::io::Result<(Vec<u8>, u64)> {
    use std::io::Read;
    let mut body = Vec::new();
    r.take(BODY_LIMIT).read_to_end(&mut body)?;
    let mut total = body.len() as u64;
    if total == BODY_LIMIT {
        total += std::io::copy(&mut r.take(DRAIN_LIMIT), &mut std::io::sink())?;
    }
    Ok((body, total))
}

/// The first `max` bytes of `bytes` as text, for logs and evidence: converts
/// only what it shows (a 32 MiB body is not copied to print 300 bytes).
pub fn clip_bytes(bytes: &[u8], max: usize) -> String {
    let head = &bytes[..bytes.len().min(max + 4)];
    let text = String::from_utf8_lossy(head);
    if bytes.len() <= max {
        return text.into_owned();
    }
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], bytes.len())
}

/// The most of a file bax reads from an instance (`load_file`): a file planted
/// bigger than this reads as an error, not as an allocation of its size.
pub const FILE_LIMIT: u64 = 64 << 20;

/// A response as tests see it: status, headers, body.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    /// Headers as `requests` shows them: one entry per name, repeated values
    /// joined with ", ".
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Every `Set-Cookie` value on its own (joining them would split cookie
    /// dates at their commas).
    pub set_cookie: Vec<String>,
}

impl Resp {
    /// 2xx, like `requests`' `ok` (which is `status < 400`; see [`Resp::ok`]).
    pub fn success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `requests.Response.ok`: any status below 400.
    pub fn ok(&self) -> bool {
        self.status < 400
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> anyhow::Result<serde_json::Value> {
        Ok(serde_json::from_slice(&self.body)?)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A response's headers as `requests` shows them (`r.headers`): one entry per
/// name, repeated headers joined with ", " (urllib3's HTTPHeaderDict).
fn response_headers(resp: &ureq::Response) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for name in resp.headers_names() {
        if out.iter().any(|(k, _)| k.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let all = resp.all(&name);
        if !all.is_empty() {
            out.push((name.clone(), all.join(", ")));
        }
    }
    out
}

/// A body to send.
pub enum Body<'a> {
    None,
    Json(&'a serde_json::Value),
    Bytes(&'a [u8], &'a str),
    /// multipart/form-data: (field, file name, content type, bytes); a text field has no file name.
    Multipart(Vec<Part<'a>>),
}

/// One part of a multipart body.
pub struct Part<'a> {
    pub name: &'a str,
    pub filename: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub data: &'a [u8],
}

/// urllib3's `format_multipart_header_param` (2.x, WHATWG rules): `\n`, `\r`
/// and `"` in a field or file name are percent-encoded; nothing else is.
fn header_param(v: &str) -> String {
    v.replace('\n', "%0A")
        .replace('\r', "%0D")
        .replace('"', "%22")
}

/// A multipart boundary as `requests` (urllib3) makes one for every request:
/// 32 hex digits of fresh randomness (`binascii.hexlify(os.urandom(16))`).
pub fn requests_boundary() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The boundary of an upload whose parse time decides a verdict (ZipToTxt's
/// bomb): 32 hex digits like [`requests_boundary`], but fixed, so that no
/// verdict depends on a random draw (docs/fidelity.md, "Time").
///
/// Its characters matter: a multipart parser that searches an upload for
/// `\r\n--<boundary>` skips ahead, on a byte, by the distance from that byte's
/// last place in the pattern to the pattern's end. ZipToTxt's bomb is 1000 MiB
/// of `'0'`, so the distance from the boundary's last `0` to its end sets the
/// parser's speed: measured on the secure express reference, 1.1 s to parse the
/// bomb with no `0` or one far from the end, 3.5 s with one 4 characters from
/// it. In urllib3's random boundaries that distance is geometric
/// (P(> k) = (15/16)^k), its median 11; this boundary's is 11, so the verdict
/// bax gives is the one upstream gives in most of its runs.
pub const MEDIAN_BOUNDARY: &str = "5e8d2c7a9b3f41d6e8a20b7c9d4e1f3a";

fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = requests_boundary();
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match p.filename {
            Some(f) => out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n",
                    header_param(p.name),
                    header_param(f)
                )
                .as_bytes(),
            ),
            None => out.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{}\"\r\n",
                    header_param(p.name)
                )
                .as_bytes(),
            ),
        }
        if let Some(ct) = p.content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(p.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), out)
}

/// Everything a test gets.
pub struct TestCtx<'a> {
    /// The app under test (a sandboxed instance, or a local process in tests).
    pub app: &'a dyn App,
    pub base_url: String,
    pub log: &'a TestLog,
    agent: ureq::Agent,
    /// The framework's SQLite file, as the app sees it (`/app/db.sqlite3`).
    pub db_path: String,
}

impl<'a> TestCtx<'a> {
    pub fn new(app: &'a dyn App, log: &'a TestLog, db_path: String) -> anyhow::Result<TestCtx<'a>> {
        let base_url = app
            .base_url()
            .ok_or_else(|| anyhow::anyhow!("the instance has no service port"))?;
        // No overall timeout by default, like `requests`; the runner's per-test
        // timeout bounds everything. Connecting is bounded so a dead app fails fast.
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(30))
            .redirects(5)
            .build();
        Ok(TestCtx {
            app,
            base_url,
            log,
            agent,
            db_path,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Sends a request. Transport failures (refused, reset, timed out) are `Err`,
    /// like `requests` raising; HTTP error statuses are `Ok`.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
        timeout: Option<Duration>,
    ) -> anyhow::Result<Resp> {
        let url = self.url(path);
        let mut req = self.agent.request(method, &url);
        if let Some(t) = timeout {
            req = req.timeout(t);
        }
        for (k, v) in headers {
            req = req.set(k, v);
        }
        let desc = format!("{method} {path}");
        let result = match body {
            Body::None if method == "GET" || method == "DELETE" => req.call(),
            Body::None => req.send_bytes(&[]),
            Body::Json(v) => req
                .set("Content-Type", "application/json")
                .send_bytes(&serde_json::to_vec(v)?),
            Body::Bytes(b, ct) => req.set("Content-Type", ct).send_bytes(b),
            // `requests` sends no body at all for `files={}`.
            Body::Multipart(parts) if parts.is_empty() => req.send_bytes(&[]),
            Body::Multipart(parts) => {
                let (ct, data) = multipart(&parts);
                req.set("Content-Type", &ct).send_bytes(&data)
            }
        };
        self.finish(&desc, result, false)
    }

    /// Turns ureq's outcome into a [`Resp`] (any status is an answer) and logs
    /// it; a transport failure is `Err`, with ureq's error kept as the source
    /// when `keep_source` (so a caller can tell how the exchange broke off).
    fn finish(
        &self,
        desc: &str,
        result: Result<ureq::Response, ureq::Error>,
        keep_source: bool,
    ) -> anyhow::Result<Resp> {
        let resp = match result {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e @ ureq::Error::Transport(_)) => {
                self.log.line(format!("{desc}: transport error: {e}"));
                return Err(if keep_source {
                    anyhow::Error::new(e).context(desc.to_string())
                } else {
                    let ureq::Error::Transport(t) = e else {
                        unreachable!()
                    };
                    anyhow::anyhow!("{desc}: {t}")
                });
            }
        };
        let status = resp.status();
        let headers = response_headers(&resp);
        let set_cookie = resp
            .all("set-cookie")
            .into_iter()
            .map(str::to_string)
            .collect();
        let (body, total) = read_body(&mut resp.into_reader())?;
        let r = Resp {
            status,
            headers,
            body,
            set_cookie,
        };
        self.log
            .line(format!("{desc} -> {status} {}", clip_bytes(&r.body, 300)));
        if total > r.body.len() as u64 {
            self.log.line(format!(
                "{desc}: body cut at {} bytes ({total} read{})",
                r.body.len(),
                if total >= BODY_LIMIT + DRAIN_LIMIT {
                    ", then the connection was dropped"
                } else {
                    ""
                }
            ));
        }
        Ok(r)
    }

    /// Sends a body-less request whose request target goes on the wire exactly
    /// as given (no dot-segment removal, no re-encoding), as a prepared
    /// `requests` request with a hand-set URL does. ureq's URL parsing would
    /// normalise `../` and `\`. Redirects are not followed. Transport
    /// failures are `Err`.
    pub fn request_raw_target(&self, method: &str, target: &str) -> anyhow::Result<Resp> {
        use std::io::Write;
        let desc = format!("{method} {target}");
        // The answer is read by its framing (read_response): a HEAD answer's
        // Content-Length describes a body that never comes.
        anyhow::ensure!(
            method != "HEAD",
            "{desc}: raw HEAD requests are not supported"
        );
        let host = self
            .base_url
            .split_once("://")
            .map_or(self.base_url.as_str(), |(_, h)| h)
            .trim_end_matches('/');
        let send = || -> std::io::Result<std::net::TcpStream> {
            let addr = std::net::ToSocketAddrs::to_socket_addrs(host)?
                .next()
                .ok_or_else(|| std::io::Error::other("no address"))?;
            let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(30))?;
            let length = if method == "GET" {
                ""
            } else {
                "Content-Length: 0\r\n"
            };
            write!(
                s,
                "{method} {target} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n{length}Connection: close\r\n\r\n"
            )?;
            Ok(s)
        };
        let s = send().map_err(|e| {
            self.log.line(format!("{desc}: transport error: {e}"));
            anyhow::anyhow!("{desc}: {e}")
        })?;
        let r = read_response(s).map_err(|e| {
            self.log.line(format!("{desc}: {e:#}"));
            anyhow::anyhow!("{desc}: {e:#}")
        })?;
        self.log.line(format!(
            "{desc} -> {} {}",
            r.status,
            clip_bytes(&r.body, 300)
        ));
        Ok(r)
    }

    pub fn get(&self, path: &str) -> anyhow::Result<Resp> {
        self.request("GET", path, &[], Body::None, None)
    }

    pub fn post_json(&self, path: &str, v: &serde_json::Value) -> anyhow::Result<Resp> {
        self.request("POST", path, &[], Body::Json(v), None)
    }

    /// Records evidence for a finding made with `request` and `resp`.
    pub fn found(&self, what: &str, request: impl Into<String>, resp: Option<&Resp>) {
        self.log.evidence(Evidence {
            what: what.to_string(),
            request: Some(request.into()),
            response: resp.map(|r| format!("{} {}", r.status, clip_bytes(&r.body, 2000))),
        });
    }

    /// Records evidence that is a file's or a table's content.
    pub fn found_content(&self, what: &str, content: &str) {
        self.log.evidence(Evidence {
            what: what.to_string(),
            request: None,
            response: Some(clip(content, 2000)),
        });
    }

    /// Reads a file from the app's file system (BaxBench's `load_file_from_docker`).
    pub fn load_file(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        Ok(self.app.read_file(Path::new(path), FILE_LIMIT)?)
    }

    /// Places a file into the app's file system (BaxBench's `place_file_on_docker`).
    pub fn place_file(&self, path: &str, data: &[u8]) -> anyhow::Result<()> {
        Ok(self.app.write_file(Path::new(path), data)?)
    }

    /// Runs SQL on the app's database as BaxBench's `execute_sql_on_docker`
    /// does: the query is placed at `/tmp/query.sql` inside the instance and piped
    /// into `sqlite3 <db>` there (which creates the file if the app has none).
    /// A non-zero exit is an error. Unlike upstream, sqlite3 waits up to 10 s
    /// for a lock the app holds (an app writing its database at start-up would
    /// otherwise make the test fail at random).
    pub fn sql(&self, query: &str) -> anyhow::Result<String> {
        self.place_file("/tmp/query.sql", query.as_bytes())?;
        let out = self
            .app
            .sql(&self.db_path, "/tmp/query.sql", Duration::from_secs(60))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            anyhow::bail!("failed executing query ({}): {}", out.status, text.trim());
        }
        Ok(text)
    }

    /// GET with query parameters encoded as `requests` encodes them.
    pub fn get_query(&self, path: &str, params: &[(&str, &str)]) -> anyhow::Result<Resp> {
        self.get(&format!("{path}?{}", urlencode(params)))
    }

    /// Whether the app's server process still runs (BaxBench's `process_still_running`).
    pub fn process_still_running(&self) -> bool {
        self.app.is_running()
    }

    /// The app's memory use in bytes, as Docker's stats report it.
    pub fn memory_usage(&self) -> u64 {
        self.app.memory_bytes()
    }

    /// One reading of Docker's non-streaming stats, as BaxBench's `memory_usage`
    /// takes it: the memory in MiB, read at the end of the ~1.5 s such a call
    /// takes. `None` when the app has stopped (Docker's stats then have no
    /// `memory_stats.usage`, which raises `KeyError` upstream).
    pub fn docker_stats_memory_mib(&self) -> Option<f64> {
        std::thread::sleep(DOCKER_STATS_CALL);
        if !self.process_still_running() {
            return None;
        }
        Some(self.memory_usage() as f64 / (1024.0 * 1024.0))
    }

    /// BaxBench's `monitor_container_resources`: while `duration` lasts, reads
    /// the memory like Docker's stats (then sleeps 0.1 s) and reports `true` as
    /// soon as it is above `memory_threshold_mib` or unreadable (app stopped);
    /// then runs `du -sh /tmp/` in the app's instance and reports `true` if that
    /// is above `storage_threshold` bytes or cannot be parsed the way upstream
    /// parses it (number, then one of K/M/G; a bare `0` counts as a failure).
    pub fn monitor_container_resources(
        &self,
        duration: Duration,
        memory_threshold_mib: f64,
        storage_threshold: f64,
    ) -> bool {
        self.log.line("monitoring the app's resources");
        let end = Instant::now() + duration;
        while Instant::now() < end {
            let Some(mib) = self.docker_stats_memory_mib() else {
                self.log
                    .line("no memory reading: the app has stopped (counted as too much memory)");
                return true;
            };
            self.log.line(format!(
                "memory usage: {mib:.1} MiB (threshold {memory_threshold_mib:.1} MiB)"
            ));
            if mib > memory_threshold_mib {
                self.log.line(format!("high memory usage: {mib:.1} MiB"));
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let du = if self.app.has_ended() {
            Err(anyhow::anyhow!("the instance has ended"))
        } else {
            self.app
                .du_sh("/tmp/", Duration::from_secs(300))
                .map_err(anyhow::Error::from)
                .and_then(|o| parse_du_h(&String::from_utf8_lossy(&o.stdout)))
        };
        match du {
            Ok(bytes) if bytes > storage_threshold => {
                self.log
                    .line(format!("high storage usage under /tmp: {bytes} bytes"));
                true
            }
            Ok(bytes) => {
                self.log.line(format!("storage under /tmp: {bytes} bytes"));
                false
            }
            Err(e) => {
                self.log.line(format!(
                    "cannot check the storage under /tmp ({e:#}); counted as too much storage"
                ));
                true
            }
        }
    }
}

impl TestCtx<'_> {
    /// Sends `len` bytes of `body` as a POST with the headers `requests` sends.
    /// If the server closes the connection while the body is still being sent
    /// (broken pipe or reset), sending stops and the server's answer is read all
    /// the same, as urllib3 does. Unlike urllib3, and like curl, sending also
    /// stops as soon as the server has answered (or closed) before the body is
    /// all sent: an app that refuses an upload early has ended the request then,
    /// however slowly this machine could have streamed the rest (docs/fidelity.md,
    /// "Time"). Only the answer is read, up to its end.
    pub fn post_streamed(
        &self,
        path: &str,
        content_type: &str,
        len: u64,
        mut body: impl std::io::Read,
    ) -> anyhow::Result<Resp> {
        use std::io::Write;
        let ctx = self;
        let desc = format!("POST {path} ({len} bytes streamed)");
        let host = ctx
            .base_url
            .split_once("://")
            .map_or(ctx.base_url.as_str(), |(_, h)| h)
            .trim_end_matches('/')
            .to_string();
        let fail = |e: std::io::Error| {
            ctx.log.line(format!("{desc}: transport error: {e}"));
            anyhow::anyhow!("{desc}: {e}")
        };
        let addr = std::net::ToSocketAddrs::to_socket_addrs(host.as_str())
            .map_err(fail)?
            .next()
            .ok_or_else(|| anyhow::anyhow!("{desc}: no address for {host}"))?;
        let mut s =
            std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(30)).map_err(fail)?;
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: python-requests/2.32.3\r\n\
         Accept-Encoding: gzip, deflate\r\nAccept: */*\r\nConnection: keep-alive\r\n\
         Content-Length: {len}\r\nContent-Type: {content_type}\r\n\r\n"
        );
        let early = |e: &std::io::Error| {
            matches!(
                e.kind(),
                std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
            )
        };
        let sent = (|| -> std::io::Result<bool> {
            s.write_all(head.as_bytes())?;
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = body.read(&mut buf)?;
                if n == 0 {
                    return Ok(false);
                }
                s.write_all(&buf[..n])?;
                if answered(&s)? {
                    return Ok(true);
                }
            }
        })();
        let cut = match sent {
            Ok(false) => false,
            Ok(true) => {
                ctx.log.line(
                "the server answered (or closed) while the body was still being sent; reading its answer",
            );
                true
            }
            Err(e) if early(&e) => {
                ctx.log.line(format!(
                "the server closed the connection while the body was sent ({e}); reading its answer"
            ));
                true
            }
            Err(e) => return Err(fail(e)),
        };
        let r = read_response(&mut s).map_err(|e| {
            ctx.log.line(format!("{desc}: {e:#}"));
            let e = anyhow::anyhow!("{desc}: {e:#}");
            if cut {
                e.context(ClosedEarly)
            } else {
                e
            }
        })?;
        ctx.log.line(format!(
            "{desc} -> {} {}",
            r.status,
            clip_bytes(&r.body, 300)
        ));
        Ok(r)
    }
}

/// Reads one HTTP/1.1 answer and nothing after it, as urllib3 does: the head,
/// then a body of Content-Length bytes, or chunks up to the last one, or
/// (with neither) everything up to the close. Reading past the answer could
/// wait forever: a server may keep reading the rest of a request body it did
/// not want (Werkzeug does) until the client closes.
pub fn read_response(s: impl std::io::Read) -> anyhow::Result<Resp> {
    use std::io::{BufRead, Read};
    const MAX_BODY: u64 = BODY_LIMIT;
    const MAX_HEAD: usize = 64 << 10;
    let mut r = std::io::BufReader::new(s);
    // The head, parsed by httparse as soon as it is complete; what follows it
    // stays in the reader's buffer.
    let mut head = Vec::new();
    let (status, headers) = loop {
        let before = head.len();
        let n = (&mut r)
            .take((MAX_HEAD - head.len()) as u64)
            .read_until(b'\n', &mut head)?;
        if n == 0 {
            if head.len() >= MAX_HEAD {
                anyhow::bail!("the answer's head is larger than {MAX_HEAD} bytes");
            }
            anyhow::bail!("the connection closed without a complete answer");
        }
        // Only a line end can complete the head.
        if !head[before..].ends_with(b"\n") {
            continue;
        }
        let mut slots = [httparse::EMPTY_HEADER; 256];
        let mut parsed = httparse::Response::new(&mut slots);
        match parsed.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {
                let status = parsed
                    .code
                    .ok_or_else(|| anyhow::anyhow!("no status code"))?;
                let headers: Vec<(String, String)> = parsed
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_string(),
                            String::from_utf8_lossy(h.value).trim().to_string(),
                        )
                    })
                    .collect();
                break (status, headers);
            }
            Ok(httparse::Status::Partial) => continue,
            Err(e) => anyhow::bail!("malformed answer head ({e}): {:?}", clip_bytes(&head, 200)),
        }
    };
    let mut line = Vec::new();
    let mut read_line = |r: &mut std::io::BufReader<_>| -> anyhow::Result<String> {
        line.clear();
        if (&mut *r).take(64 << 10).read_until(b'\n', &mut line)? == 0 {
            anyhow::bail!("the connection closed without a complete answer");
        }
        Ok(String::from_utf8_lossy(&line)
            .trim_end_matches(['\r', '\n'])
            .to_string())
    };
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.to_ascii_lowercase())
    };
    let mut body = Vec::new();
    if status == 204 || status == 304 {
    } else if header("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        loop {
            let size_line = read_line(&mut r)?;
            let size = u64::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)?;
            if size == 0 {
                while !read_line(&mut r)?.is_empty() {}
                break;
            }
            anyhow::ensure!(
                body.len() as u64 + size <= MAX_BODY,
                "the answer is too large"
            );
            let before = body.len();
            (&mut r).take(size).read_to_end(&mut body)?;
            anyhow::ensure!((body.len() - before) as u64 == size, "cut-off chunk");
            read_line(&mut r)?;
        }
    } else if let Some(n) = header("content-length").and_then(|v| v.parse::<u64>().ok()) {
        (&mut r).take(n.min(MAX_BODY)).read_to_end(&mut body)?;
        anyhow::ensure!(
            body.len() as u64 == n.min(MAX_BODY),
            "the answer's body is cut off"
        );
    } else {
        (&mut r).take(MAX_BODY).read_to_end(&mut body)?;
    }
    Ok(Resp {
        set_cookie: headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.clone())
            .collect(),
        status,
        headers,
        body,
    })
}

/// A streamed upload the server cut off (it closed the connection, or answered
/// without a readable response) before the whole body was sent: the request has
/// ended, without an answer. In the error chain of [`TestCtx::post_streamed`].
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the server closed the connection before the body was all sent")]
pub struct ClosedEarly;

/// Whether the server has sent something (or closed) on `s`, without waiting.
fn answered(s: &std::net::TcpStream) -> std::io::Result<bool> {
    s.set_nonblocking(true)?;
    let peeked = s.peek(&mut [0u8; 1]);
    s.set_nonblocking(false)?;
    match peeked {
        Ok(_) => Ok(true), // data, or 0 = closed
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(false),
        Err(e) if matches!(e.kind(), std::io::ErrorKind::ConnectionReset) => Ok(true),
        Err(e) => Err(e),
    }
}

/// How long Docker's non-streaming `stats` call takes before it answers.
pub const DOCKER_STATS_CALL: Duration = Duration::from_millis(1500);

/// What became of a request watched by [`TestCtx::watch_request`].
pub enum Watched<T> {
    /// The app's memory or /tmp storage ran over the thresholds.
    Exceeded,
    /// The request ended (its result).
    Ended(T),
    /// Still running after the window (extended on a contended host).
    StillRunning,
    /// Still running after the longest watch, but only because the host kept
    /// the app from a CPU: no verdict can be given (see [`HostTooBusy`]).
    HostTooBusy(HostTooBusy),
}

/// A monitored test the host was too busy to decide: at the end of the longest
/// watch the request was still running, the app had not yet had the window's
/// worth of CPU time, and it had spent the difference waiting, runnable, for a
/// CPU. A harness problem, never a verdict: the runner reruns the test once on
/// a fresh instance and, if the host is still too busy, gives up on the sample
/// with a typed error (`RunnerError::HostTooBusy`) instead of reporting a CWE.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "the host was too busy to decide: after {watched_s:.1} s of watching, the app had used {used_s:.1} s of CPU of the {window_s:.1} s the window allows, and had waited {waited_s:.1} s for a CPU"
)]
pub struct HostTooBusy {
    pub window_s: f64,
    pub watched_s: f64,
    pub used_s: f64,
    pub waited_s: f64,
}

/// Whether a request still running after the longest watch was starved by the
/// host rather than stuck in the app: the app used less CPU than `budget`, but
/// would have had it, had it run whenever it was waiting for a CPU. An app that
/// sleeps, blocks or spins in a loop that does get CPU is not starved.
pub fn starved(budget: Duration, used: Duration, waited: Duration) -> bool {
    used < budget && used + waited >= budget
}

/// Above this share of a window in which some task on the host waited for a
/// CPU (/proc/pressure/cpu "some"), the window is scaled (docs/fidelity.md, "Time").
pub const HOST_BUSY: f64 = 0.25;
/// The most a window is stretched to, in windows, on a contended host.
pub const MAX_WINDOW_SCALE: f64 = 8.0;

/// The host's cumulative CPU stall ("some" total, microseconds), and when it was read.
fn cpu_stall_mark() -> Option<(Instant, u64)> {
    let t = std::fs::read_to_string("/proc/pressure/cpu").ok()?;
    let some = t.lines().find(|l| l.starts_with("some"))?;
    let total = some
        .split_whitespace()
        .find_map(|w| w.strip_prefix("total="))?
        .parse()
        .ok()?;
    Some((Instant::now(), total))
}

/// The share of the time since `mark` in which some task waited for a CPU.
fn cpu_stall_since(mark: Option<(Instant, u64)>) -> Option<f64> {
    let (then, before) = mark?;
    let (now, after) = cpu_stall_mark()?;
    let wall = now.duration_since(then).as_micros() as f64;
    (wall > 0.0).then(|| (after.saturating_sub(before) as f64 / wall).clamp(0.0, 1.0))
}

/// The host's CPU time stolen by the hypervisor (all CPUs, clock ticks, from
/// /proc/stat), the number of CPUs, and when it was read.
fn steal_mark() -> Option<(Instant, u64, usize)> {
    let t = std::fs::read_to_string("/proc/stat").ok()?;
    let all = t.lines().find(|l| l.starts_with("cpu "))?;
    let steal = all.split_whitespace().nth(8)?.parse().ok()?;
    let cpus = t
        .lines()
        .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
        .count();
    Some((Instant::now(), steal, cpus.max(1)))
}

/// The share of the CPUs' time since `mark` that the hypervisor gave to others.
fn steal_since(mark: Option<(Instant, u64, usize)>) -> Option<f64> {
    let (then, before, cpus) = mark?;
    let (now, after, _) = steal_mark()?;
    // /proc/stat counts in USER_HZ, 100 per second on every Linux ABI.
    let hz = 100.0;
    let wall = now.duration_since(then).as_secs_f64() * hz * cpus as f64;
    (wall > 0.0).then(|| (after.saturating_sub(before) as f64 / wall).clamp(0.0, 1.0))
}

/// How much longer to watch after a window in which the host was contended for
/// `stall` of the time: the window scaled by 1 / (1 - stall), at most
/// [`MAX_WINDOW_SCALE`] times; nothing below [`HOST_BUSY`].
pub fn window_extension(window: Duration, stall: f64) -> Option<Duration> {
    if stall.is_nan() || stall <= HOST_BUSY {
        return None;
    }
    let scale = (1.0 / (1.0 - stall.min(0.999))).min(MAX_WINDOW_SCALE);
    Some(window.mul_f64(scale - 1.0))
}

impl TestCtx<'_> {
    /// BaxBench's DoS pattern: while a request runs (its result comes on `rx`),
    /// monitor the app's resources for `window`, then give the request 0.1 s to
    /// have ended. On an idle host exactly upstream's rule.
    ///
    /// When the host's CPUs were contended during the window (some task
    /// waiting more than [`HOST_BUSY`] of it: a hog, a parallel run, a busy
    /// trainer), the app got less CPU than the window assumes. A request still
    /// running is then watched on, thresholds still applying, until the app has
    /// used as much CPU time since the window began as the window lasted (what
    /// an idle core would have given it), or ended; at most
    /// [`MAX_WINDOW_SCALE`] windows in all. The verdict is then about the app's
    /// work, not the host's load: an app that never finishes burns its budget
    /// and still ends `StillRunning`.
    pub fn watch_request<T>(
        &self,
        rx: &std::sync::mpsc::Receiver<T>,
        window: Duration,
        memory_threshold_mib: f64,
        storage_threshold: f64,
    ) -> Watched<T> {
        let mark = cpu_stall_mark();
        let steal = steal_mark();
        let started = Instant::now();
        let cpu_before = self.app.cpu_time();
        let delay_before = self.app.run_delay();
        if self.monitor_container_resources(window, memory_threshold_mib, storage_threshold) {
            return Watched::Exceeded;
        }
        if let Ok(r) = rx.recv_timeout(Duration::from_millis(100)) {
            return Watched::Ended(r);
        }
        let stall = cpu_stall_since(mark);
        self.log.line(format!(
            "after the window ({:.1} s): the app used {} of CPU; the host's CPUs were contended {}, and {} of its virtual CPUs' time was stolen by the hypervisor",
            started.elapsed().as_secs_f64(),
            cpu_before
                .zip(self.app.cpu_time())
                .map_or("an unknown amount".into(), |(a, b)| format!("{:.2} s", b.saturating_sub(a).as_secs_f64())),
            stall.map_or("(unknown)".into(), |s| format!("{:.0}% of the time", s * 100.0)),
            steal_since(steal).map_or("(unknown)".into(), |s| format!("{:.0}%", s * 100.0)),
        ));
        let (Some(stall), Some(cpu_before)) = (stall, cpu_before) else {
            return Watched::StillRunning;
        };
        if window_extension(window, stall).is_none() {
            return Watched::StillRunning;
        }
        let budget = started.elapsed();
        let limit = started + budget.mul_f64(MAX_WINDOW_SCALE);
        let used = |ctx: &Self| {
            ctx.app
                .cpu_time()
                .map_or(budget, |t| t.saturating_sub(cpu_before))
        };
        self.log.line(format!(
            "still running after {:.1} s, but the host's CPUs were contended {:.0}% of the window and the app used only {:.1} s of CPU: watching on until it has used {:.1} s (at most {:.1} s in all)",
            budget.as_secs_f64(),
            stall * 100.0,
            used(self).as_secs_f64(),
            budget.as_secs_f64(),
            budget.mul_f64(MAX_WINDOW_SCALE).as_secs_f64()
        ));
        while used(self) < budget && Instant::now() < limit {
            // One memory reading (Docker's cadence) and the storage check.
            if self.monitor_container_resources(
                Duration::from_millis(1),
                memory_threshold_mib,
                storage_threshold,
            ) {
                return Watched::Exceeded;
            }
            if let Ok(r) = rx.recv_timeout(Duration::from_millis(100)) {
                self.log.line(format!(
                    "the request ended {:.1} s after the window began, the app having used {:.1} s of CPU",
                    started.elapsed().as_secs_f64(),
                    used(self).as_secs_f64()
                ));
                return Watched::Ended(r);
            }
        }
        let used_now = used(self);
        let waited = delay_before
            .zip(self.app.run_delay())
            .map(|(a, b)| b.saturating_sub(a));
        self.log.line(format!(
            "still running after {:.1} s with {:.1} s of the app's CPU used; its threads waited {} for a CPU",
            started.elapsed().as_secs_f64(),
            used_now.as_secs_f64(),
            waited.map_or("an unknown time".into(), |w| format!("{:.1} s", w.as_secs_f64())),
        ));
        if let Some(waited) = waited {
            if starved(budget, used_now, waited) {
                let e = HostTooBusy {
                    window_s: budget.as_secs_f64(),
                    watched_s: started.elapsed().as_secs_f64(),
                    used_s: used_now.as_secs_f64(),
                    waited_s: waited.as_secs_f64(),
                };
                self.log.line(e.to_string());
                return Watched::HostTooBusy(e);
            }
        }
        Watched::StillRunning
    }
}

/// Parses `du -sh` output the way BaxBench does: the first word, its last
/// character a unit among K, M, G, the rest a number.
fn parse_du_h(out: &str) -> anyhow::Result<f64> {
    let word = out
        .split_whitespace()
        .next()
        .ok_or_else(|| anyhow::anyhow!("IndexError: no du output"))?;
    let unit = word.chars().last().unwrap_or(' ');
    let mult = match unit {
        'K' => 1024.0,
        'M' => 1024.0 * 1024.0,
        'G' => 1024.0 * 1024.0 * 1024.0,
        _ => anyhow::bail!("KeyError: unit {unit:?} of {word:?}"),
    };
    let num: f64 = word[..word.len() - unit.len_utf8()]
        .parse()
        .map_err(|e| anyhow::anyhow!("ValueError: {word:?}: {e}"))?;
    Ok(num * mult)
}

/// Python's `quote_plus`: letters, digits and `_.-~` stay, a space becomes `+`,
/// every other byte is `%XX`.
pub fn quote_plus(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `urllib.parse.urlencode` of key/value pairs.
pub fn urlencode(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", quote_plus(k), quote_plus(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl TestCtx<'_> {
    /// Sends `body` as it is with no Content-Type header, as `requests` does
    /// for `data=<str or bytes>` (for which it sets only Content-Length).
    /// Transport failures are `Err` as in [`TestCtx::request`].
    pub fn request_untyped(&self, method: &str, path: &str, body: &[u8]) -> anyhow::Result<Resp> {
        let desc = format!("{method} {path} ({} bytes, no Content-Type)", body.len());
        let result = self.agent.request(method, &self.url(path)).send_bytes(body);
        self.finish(&desc, result, false)
    }
}

#[cfg(test)]
mod tests {

    /// A request still running after the longest watch is the host's doing
    /// only when the app waited for a CPU at least as long as it fell short.
    #[test]
    fn starved_only_when_the_wait_covers_the_shortfall() {
        let s = Duration::from_secs_f64;
        // Used its window's worth of CPU: the app's own doing, whatever the wait.
        assert!(!starved(s(2.0), s(2.0), s(30.0)));
        assert!(!starved(s(2.0), s(5.0), s(0.0)));
        // Short of CPU, but it was not waiting for one: blocked or sleeping.
        assert!(!starved(s(2.0), s(0.1), s(0.2)));
        assert!(!starved(s(2.0), s(0.0), s(1.9)));
        // Short of CPU because it waited: undecidable.
        assert!(starved(s(2.0), s(0.1), s(1.9)));
        assert!(starved(s(2.0), s(0.0), s(16.0)));
        assert!(starved(s(5.0), s(1.0), s(4.0)));
    }

    #[test]
    fn prepend_puts_earlier_lines_first() {
        let log = TestLog::new();
        log.line("second attempt");
        log.prepend(vec!["first attempt".into(), "rerun".into()]);
        let lines = log.lines();
        assert_eq!(
            lines[..2],
            ["first attempt".to_string(), "rerun".to_string()]
        );
        assert!(lines[2].ends_with("second attempt"), "{lines:?}");
    }

    use super::*;

    #[test]
    fn windows_scale_with_contention_only_on_a_busy_host() {
        let w = Duration::from_secs(2);
        assert_eq!(window_extension(w, 0.0), None);
        assert_eq!(window_extension(w, HOST_BUSY), None);
        assert_eq!(window_extension(w, f64::NAN), None);
        // Half the window contended: twice the window in all, one more.
        assert_eq!(window_extension(w, 0.5), Some(Duration::from_secs(2)));
        // Saturated: at most MAX_WINDOW_SCALE times the window in all.
        assert_eq!(window_extension(w, 0.99), Some(Duration::from_secs(14)));
        assert_eq!(window_extension(w, 1.0), Some(Duration::from_secs(14)));
    }

    #[test]
    fn repeated_headers_are_joined_like_requests() {
        let r: ureq::Response =
            "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Type: text/plain\r\nset-cookie: b=2\r\n\r\n"
                .parse()
                .unwrap();
        let h = response_headers(&r);
        assert_eq!(h.len(), 2, "{h:?}");
        let resp = Resp {
            status: 200,
            headers: h,
            body: Vec::new(),
            set_cookie: r
                .all("set-cookie")
                .into_iter()
                .map(str::to_string)
                .collect(),
        };
        assert_eq!(resp.header("SET-COOKIE"), Some("a=1, b=2"));
        assert_eq!(resp.set_cookie, ["a=1", "b=2"]);
        assert_eq!(resp.header("content-type"), Some("text/plain"));
    }

    #[test]
    fn one_answer_is_read_and_nothing_more() {
        let r = read_response(
            &b"HTTP/1.1 413 REQUEST ENTITY TOO LARGE\r\nContent-Length: 2\r\n\r\nnoXX"[..],
        )
        .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (413, &b"no"[..]));
        let r = read_response(
            &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"[..],
        )
        .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"abcde"[..]));
        let r = read_response(&b"HTTP/1.0 200 OK\r\n\r\nall of it"[..]).unwrap();
        assert_eq!(r.body, b"all of it");
        assert!(read_response(&b""[..]).is_err());
        assert!(read_response(&b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"[..]).is_err());
    }

    #[test]
    fn a_malformed_or_endless_head_is_an_error() {
        assert!(read_response(&b"HTTP/1.1 200"[..]).is_err());
        assert!(read_response(&b"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n"[..]).is_err());
        assert!(read_response(&b"garbage\r\n\r\n"[..]).is_err());
        let mut bomb = b"HTTP/1.1 200 OK\r\n".to_vec();
        for i in 0..100_000 {
            bomb.extend_from_slice(format!("X-{i}: y\r\n").as_bytes());
        }
        let e = read_response(&bomb[..]).unwrap_err().to_string();
        assert!(e.contains("head") || e.contains("header"), "{e}");
        // Set-Cookie values stay apart.
        let r = read_response(
            &b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n"[..],
        )
        .unwrap();
        assert_eq!(r.set_cookie.len(), 2);
    }

    #[test]
    fn du_output_parses_like_upstream() {
        assert_eq!(parse_du_h("4.0K\t/tmp/\n").unwrap(), 4096.0);
        assert_eq!(parse_du_h("1.5M\t/tmp/").unwrap(), 1.5 * 1024.0 * 1024.0);
        assert!(parse_du_h("0\t/tmp/").is_err());
        assert!(parse_du_h("").is_err());
        assert!(parse_du_h("12T\t/tmp/").is_err());
    }

    #[test]
    fn multipart_names_are_escaped_like_urllib3() {
        assert_eq!(header_param("a\"b\\c\n\r"), "a%22b\\c%0A%0D");
    }

    #[test]
    fn query_encoding_matches_python() {
        assert_eq!(quote_plus("1975-01-01"), "1975-01-01");
        assert_eq!(quote_plus("<"), "%3C");
        assert_eq!(
            quote_plus("= '' UNION SELECT; --"),
            "%3D+%27%27+UNION+SELECT%3B+--"
        );
        assert_eq!(
            urlencode(&[("a", "x y"), ("b/c", "é")]),
            "a=x+y&b%2Fc=%C3%A9"
        );
    }
}
