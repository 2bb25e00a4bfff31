//! The sandbox for real: bubblewrap instances running real programs, and apps
//! that try to break out. Needs root and bubblewrap (scripts/test-all provisions
//! it); without them these tests fail under CI and are skipped elsewhere.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use bax_sandbox::{AppSource, InstanceSpec, KillReason, Sandbox, SandboxConfig};

struct Env {
    _dir: tempfile::TempDir,
    work: PathBuf,
    apps: PathBuf,
}

fn env() -> Option<Env> {
    let name = std::thread::current()
        .name()
        .unwrap_or("containment")
        .to_string();
    if !bax_testkit::require(&name, &bax_testkit::sandbox_needs()) {
        return None;
    }
    let dir = tempfile::Builder::new()
        .prefix("bax-sbx-test")
        .tempdir_in("/var/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let work = dir.path().join("work");
    let apps = dir.path().join("apps");
    std::fs::create_dir_all(&apps).unwrap();
    Some(Env {
        _dir: dir,
        work,
        apps,
    })
}

fn sandbox(e: &Env) -> Sandbox {
    Sandbox::new(SandboxConfig::new(&e.work)).unwrap()
}

/// An app folder holding one Python file.
fn app(e: &Env, name: &str, code: &str) -> PathBuf {
    let d = e.apps.join(name);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("app.py"), code).unwrap();
    d
}

fn spec(dir: &Path, port: Option<u16>) -> InstanceSpec {
    let mut s = InstanceSpec::new(AppSource::Copy(dir.to_path_buf()), "python3 app.py");
    s.port = port;
    s
}

const SERVER: &str = r#"
import http.server, json, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"path": self.path, "secret": os.environ.get("APP_SECRET"), "uid": os.getuid()}).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer((os.environ.get("BIND", "0.0.0.0"), 5000), H).serve_forever()
"#;

fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn wait_exit(inst: &bax_sandbox::Instance, secs: u64) {
    let end = Instant::now() + Duration::from_secs(secs);
    while inst.exit_status().is_none() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn app_answers_through_the_proxy_with_the_secret_set() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let inst = sb
        .start(&spec(&app(&e, "hello", SERVER), Some(5000)))
        .unwrap();
    let t = inst.wait_ready(Duration::from_secs(30)).unwrap();
    assert!(t < Duration::from_secs(30));
    let resp = http_get(inst.addr().unwrap(), "/hi");
    assert!(resp.starts_with("HTTP/1.0 200"), "{resp}");
    assert!(resp.contains("\"secret\": \"supers3cret\""), "{resp}");
    assert!(resp.contains("\"uid\": 0"), "uid 0 inside: {resp}");
    assert!(inst.is_running());
}

#[test]
fn many_apps_listen_on_5000_at_once() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let dir = app(&e, "multi", SERVER);
    let insts: Vec<_> = (0..3)
        .map(|_| sb.start(&spec(&dir, Some(5000))).unwrap())
        .collect();
    for i in &insts {
        i.wait_ready(Duration::from_secs(30)).unwrap();
        assert!(http_get(i.addr().unwrap(), "/").starts_with("HTTP/1.0 200"));
    }
}

#[test]
fn an_app_bound_to_loopback_only_is_unreachable_like_docker() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let mut s = spec(&app(&e, "lo", SERVER), Some(5000));
    s.env.push(("BIND".into(), "127.0.0.1".into()));
    let inst = sb.start(&s).unwrap();
    assert!(inst.wait_ready(Duration::from_secs(3)).is_err());
    assert!(inst.is_running());
}

#[test]
fn files_planted_or_written_stay_inside() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let code = r#"
import os, time
open("/danger.txt", "w").write("pwned")
print(open("/secret.txt").read(), flush=True)
for p in ["/usr/evil", "/etc/evil", "/env/evil"]:
    try:
        open(p, "w").write("x"); print("WROTE", p, flush=True)
    except OSError as e:
        print("denied", p, e.errno, flush=True)
try:
    open("/etc/shadow").read(); print("READ SHADOW", flush=True)
except OSError:
    print("shadow denied", flush=True)
print("root home:", os.listdir("/root"), flush=True)
time.sleep(60)
"#;
    let mut s = spec(&app(&e, "files", code), None);
    let envdir = e.apps.join("envdir");
    std::fs::create_dir_all(&envdir).unwrap();
    s.ro_binds.push((envdir.clone(), "/env".into()));
    s.files
        .push(("/secret.txt".into(), b"TOP-SECRET-42".to_vec()));
    let inst = sb.start(&s).unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(&inst.logs(10_000).0).contains("root home") {
        assert!(Instant::now() < end, "app did not finish its checks");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = String::from_utf8_lossy(&inst.logs(10_000).0).to_string();
    assert!(out.contains("TOP-SECRET-42"), "{out}");
    assert!(!out.contains("WROTE"), "{out}");
    assert!(!out.contains("READ SHADOW"), "{out}");
    assert!(out.contains("root home: []"), "{out}");
    assert_eq!(inst.read_file("/danger.txt", 100).unwrap(), b"pwned");
    assert!(
        !Path::new("/danger.txt").exists(),
        "nothing reaches the host's /"
    );
    assert!(!Path::new("/usr/evil").exists() && !Path::new("/etc/evil").exists());
    assert!(
        !envdir.join("evil").exists(),
        "read-only binds stay read-only"
    );
}

#[test]
fn no_network_beyond_its_own_loopback() {
    let Some(e) = env() else { return };
    // A service on the host's loopback must be out of reach from inside.
    let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = host.local_addr().unwrap().port();
    let code = format!(
        r#"
import socket
for addr in [("127.0.0.1", {port})]:
    try:
        socket.create_connection(addr, timeout=2); print("CONNECTED", addr, flush=True)
    except OSError as e:
        print("refused", addr, e, flush=True)
try:
    socket.getaddrinfo("pypi.org", 443); print("RESOLVED", flush=True)
except OSError:
    print("no dns", flush=True)
print("routes:", open("/proc/net/route").read().count("\n") - 1, flush=True)
print("ifaces:", sorted(open("/proc/net/dev").read().split("\n")[2:]), flush=True)
"#
    );
    let sb = sandbox(&e);
    let inst = sb.start(&spec(&app(&e, "net", &code), None)).unwrap();
    wait_exit(&inst, 30);
    let out = String::from_utf8_lossy(&inst.logs(10_000).0).to_string();
    assert!(out.contains("refused"), "{out}");
    assert!(
        !out.contains("CONNECTED") && !out.contains("RESOLVED"),
        "{out}"
    );
    assert!(out.contains("routes: 0"), "{out}");
    assert!(
        !out.contains("eth") && !out.contains("ens"),
        "only loopback: {out}"
    );
}

#[test]
fn a_fork_bomb_is_contained() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let code = r#"
import os, time
n = 0
for _ in range(100000):
    try:
        if os.fork() == 0:
            time.sleep(120); os._exit(0)
        n += 1
    except OSError:
        break
print("forked", n, flush=True)
time.sleep(120)
"#;
    let inst = sb.start(&spec(&app(&e, "forkbomb", code), None)).unwrap();
    let end = Instant::now() + Duration::from_secs(60);
    while !String::from_utf8_lossy(&inst.logs(1000).0).contains("forked") {
        assert!(
            Instant::now() < end,
            "the bomb was not stopped by the pids limit"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let n = inst.process_count();
    assert!(n <= 1100, "{n} processes");
    let id = inst.id().to_string();
    inst.stop();
    assert_no_process_mentions(&id);
}

#[test]
fn allocating_4_gib_is_stopped_at_the_memory_limit() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let code = r#"
chunks = []
for i in range(64):
    chunks.append(bytearray(64 * 1024 * 1024))
    print("allocated", (i + 1) * 64, "MiB", flush=True)
print("ALL 4 GiB", flush=True)
"#;
    let inst = sb.start(&spec(&app(&e, "mem", code), None)).unwrap();
    wait_exit(&inst, 120);
    let out = String::from_utf8_lossy(&inst.logs(100_000).0).to_string();
    assert!(!out.contains("ALL 4 GiB"), "{out}");
    let status = inst.exit_status().expect("the app must have been stopped");
    assert!(!status.success());
    if sb.enforces_memory() {
        assert_eq!(inst.kill_reason(), Some(KillReason::OutOfMemory));
    }
}

#[test]
fn filling_the_disk_is_stopped_at_the_disk_limit() {
    let Some(e) = env() else { return };
    let mut cfg = SandboxConfig::new(&e.work);
    cfg.limits.disk = Some(200 << 20);
    cfg.limits.disk_poll = Duration::from_millis(100);
    let sb = Sandbox::new(cfg).unwrap();
    let code = r#"
import os
i = 0
while True:
    with open(f"/tmp/fill{i}", "wb") as f:
        f.write(os.urandom(16 * 1024 * 1024))
    i += 1
"#;
    let inst = sb.start(&spec(&app(&e, "disk", code), None)).unwrap();
    wait_exit(&inst, 60);
    assert_eq!(inst.kill_reason(), Some(KillReason::DiskLimit));
    let dir = e.work.join(inst.id());
    assert!(dir.exists());
    inst.stop();
    assert!(!dir.exists(), "the instance's files are removed");
}

#[test]
fn nothing_outlives_its_instance() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let code = r#"
import os, subprocess, time
subprocess.Popen(["setsid", "sleep", "3600"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    time.sleep(3600)
print("daemons started", flush=True)
time.sleep(3600)
"#;
    let inst = sb.start(&spec(&app(&e, "daemon", code), None)).unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(&inst.logs(1000).0).contains("daemons started") {
        assert!(Instant::now() < end);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(inst.process_count() >= 4);
    let id = inst.id().to_string();
    inst.stop();
    assert_no_process_mentions(&id);
    assert!(!e.work.join(&id).exists());
    let leftovers: Vec<_> = std::fs::read_dir(&e.work).unwrap().collect();
    assert!(leftovers.is_empty(), "work folder left clean");
}

/// No host process has the instance's folder in its command line or cwd.
fn assert_no_process_mentions(id: &str) {
    let end = Instant::now() + Duration::from_secs(5);
    loop {
        let mut found = Vec::new();
        for p in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = p.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let cmd = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
            let root = std::fs::read_link(p.path().join("root")).unwrap_or_default();
            if String::from_utf8_lossy(&cmd).contains(id) || root.to_string_lossy().contains(id) {
                found.push(pid);
            }
        }
        if found.is_empty() {
            return;
        }
        assert!(
            Instant::now() < end,
            "processes outlived instance {id}: {found:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_killed_bax_takes_its_sandboxes_along() {
    let Some(e) = env() else { return };
    if let Ok(work) = std::env::var("BAX_SANDBOX_ORPHAN_CHILD") {
        // Child mode: start an instance and wait to be killed.
        let sb = Sandbox::new(SandboxConfig::new(work)).unwrap();
        let dir = std::env::var("BAX_SANDBOX_ORPHAN_APP").unwrap();
        let inst = sb.start(&spec(Path::new(&dir), None)).unwrap();
        println!("INSTANCE {}", inst.id());
        std::io::stdout().flush().unwrap();
        std::thread::sleep(Duration::from_secs(600));
        return;
    }
    let dir = app(
        &e,
        "orphan",
        "import time\nprint('up', flush=True)\ntime.sleep(3600)\n",
    );
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_killed_bax_takes_its_sandboxes_along",
            "--nocapture",
        ])
        .env("BAX_SANDBOX_ORPHAN_CHILD", &e.work)
        .env("BAX_SANDBOX_ORPHAN_APP", &dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 256];
    let id = loop {
        let n = out.read(&mut chunk).unwrap();
        assert!(n > 0, "child ended early");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(line) = text
            .lines()
            .find(|l| l.starts_with("INSTANCE ") && text.contains('\n'))
        {
            break line.trim_start_matches("INSTANCE ").trim().to_string();
        }
    };
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap(); // SIGKILL: no destructor runs
    child.wait().unwrap();
    assert_no_process_mentions(&id);
    // The next sandbox on this folder removes what the dead one left.
    assert!(
        e.work.join(&id).exists(),
        "a SIGKILLed bax cannot clean up itself"
    );
    let _sb = sandbox(&e);
    assert!(!e.work.join(&id).exists());
}

#[test]
fn test_handles_exec_sql_memory_disk_and_liveness() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let code = r#"
import sqlite3, time, os
db = sqlite3.connect("db.sqlite3")
db.execute("create table users(name text)")
db.execute("insert into users values ('alice'), ('bob')")
db.commit()
open("/tmp/blob", "wb").write(os.urandom(8 * 1024 * 1024))
hold = bytearray(200 * 1024 * 1024)
for i in range(0, len(hold), 4096):
    hold[i] = 1
print("ready", flush=True)
time.sleep(2)
print("bye", flush=True)
"#;
    let inst = sb.start(&spec(&app(&e, "handles", code), None)).unwrap();
    let end = Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&inst.logs(1000).0).contains("ready") {
        assert!(Instant::now() < end);
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(inst.is_running());
    let rows = inst
        .sql("/app/db.sqlite3", "select name from users order by name")
        .unwrap();
    assert_eq!(rows, "alice\nbob\n");
    let ps = inst.exec(&["ps", "aux"], Duration::from_secs(10)).unwrap();
    assert!(String::from_utf8_lossy(&ps.stdout).contains("python3 app.py"));
    let m = inst.memory();
    assert!(m.rss_bytes > 150 << 20, "{m:?}");
    if sb.enforces_memory() {
        assert!(m.cgroup_bytes.unwrap() > 150 << 20, "{m:?}");
    }
    assert!(inst.disk_usage("/tmp") >= 8 << 20);
    inst.write_file("/app/uploaded.txt", b"hello").unwrap();
    assert!(inst.file_exists("/app/uploaded.txt"));
    wait_exit(&inst, 20);
    assert!(!inst.is_running());
    assert!(String::from_utf8_lossy(&inst.logs(1000).0).contains("bye"));
    assert!(
        inst.exec(&["true"], Duration::from_secs(5)).is_err(),
        "no exec after the end"
    );
}

#[test]
fn builds_run_to_completion_in_a_bound_folder_with_a_time_limit() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let dir = e.apps.join("build");
    std::fs::create_dir_all(&dir).unwrap();
    let ok = sb
        .run(
            &InstanceSpec::new(
                AppSource::Bind(dir.clone()),
                "echo built > artifact && echo done",
            ),
            Duration::from_secs(30),
        )
        .unwrap();
    assert!(ok.success(), "{:?}", String::from_utf8_lossy(&ok.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("artifact")).unwrap(),
        "built\n"
    );
    assert_eq!(ok.stdout, b"done\n");
    let slow = sb
        .run(
            &InstanceSpec::new(AppSource::Bind(dir.clone()), "sleep 30"),
            Duration::from_millis(500),
        )
        .unwrap();
    assert!(slow.timed_out && !slow.success());
    let failed = sb
        .run(
            &InstanceSpec::new(AppSource::Bind(dir), "exit 3"),
            Duration::from_secs(30),
        )
        .unwrap();
    assert_eq!(failed.status.and_then(|s| s.code()), Some(3));
}

#[test]
fn system_files_tests_probe_are_private_writable_copies() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let before = std::fs::read("/usr/bin/bash").unwrap();
    let code = r##"
import time
open("/bin/bash", "wb").write(b"#!/bin/sh\necho owned\n")
try:
    open("/usr/bin/env-evil", "w").write("x"); print("WROTE USR", flush=True)
except OSError:
    print("usr stays read-only", flush=True)
print("done", flush=True)
time.sleep(60)
"##;
    let inst = sb.start(&spec(&app(&e, "bash", code), None)).unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(&inst.logs(1000).0).contains("done") {
        let (o, er) = inst.logs(4000);
        assert!(
            Instant::now() < end,
            "{}\n{}",
            String::from_utf8_lossy(&o),
            String::from_utf8_lossy(&er)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(String::from_utf8_lossy(&inst.logs(1000).0).contains("usr stays read-only"));
    // The instance sees (and bax reads) its own overwritten copy...
    assert_eq!(
        inst.read_file("/bin/bash", 100).unwrap(),
        b"#!/bin/sh\necho owned\n"
    );
    // ...while the host's file and other instances are untouched.
    assert_eq!(std::fs::read("/usr/bin/bash").unwrap(), before);
    let other = sb
        .start(&spec(
            &app(&e, "bash2", "import time\ntime.sleep(60)\n"),
            None,
        ))
        .unwrap();
    assert_eq!(other.read_file("/bin/bash", 1 << 24).unwrap(), before);
}

#[test]
fn bin_and_lib_are_directories_as_in_baxbench_images() {
    let Some(e) = env() else { return };
    let sb = sandbox(&e);
    let code = r##"
import os, time
for d in ["/bin", "/lib", "/sbin"]:
    print(d, "link" if os.path.islink(d) else ("dir" if os.path.isdir(d) else "missing"), flush=True)
open("/usr/bin/bash", "wb").write(b"#!/bin/sh\necho twin\n")
print("same", open("/bin/bash", "rb").read() == b"#!/bin/sh\necho twin\n", flush=True)
print("done", flush=True)
time.sleep(60)
"##;
    let inst = sb.start(&spec(&app(&e, "usrmerge", code), None)).unwrap();
    let end = Instant::now() + Duration::from_secs(20);
    while !String::from_utf8_lossy(&inst.logs(1000).0).contains("done") {
        assert!(Instant::now() < end, "{:?}", inst.logs(4000));
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = String::from_utf8_lossy(&inst.logs(1000).0).to_string();
    for d in ["/bin dir", "/lib dir", "/sbin dir", "same True"] {
        assert!(out.contains(d), "{d}: {out}");
    }
}
