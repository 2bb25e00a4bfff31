//! What a test can hold of a running app: the [`App`] seam.
//!
//! Scenario tests never touch a sandbox: they reach the app through
//! [`crate::harness::TestCtx`], which holds an `&dyn App`. It is implemented for
//! [`bax_sandbox::Instance`] (the real thing: root and bubblewrap) and for
//! [`LocalApp`], a plain process in a temporary folder run as the current user,
//! so the harness and the tests themselves can be unit-tested without root.
//! Paths are always the app's own (`/app/db.sqlite3`, `/tmp/x`).

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bax_sandbox::Instance;

/// A running app as the harness sees it.
pub trait App: Sync {
    /// `http://host:port` of the app's service, if it has one.
    fn base_url(&self) -> Option<String>;
    /// Reads a file of the app's file system, up to `limit` bytes.
    fn read_file(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>>;
    /// Places a file into the app's file system (parents created).
    fn write_file(&self, path: &Path, data: &[u8]) -> io::Result<()>;
    /// Pipes the file `query_file` into `sqlite3 -cmd '.timeout 10000' <db>` in
    /// the app's environment (BaxBench's `execute_sql_on_docker`; sqlite3
    /// creates the database if there is none). The status is the caller's to judge.
    fn sql(&self, db: &str, query_file: &str, timeout: Duration) -> io::Result<Output>;
    /// `du -sh <path>` in the app's environment.
    fn du_sh(&self, path: &str, timeout: Duration) -> io::Result<Output>;
    /// The app's memory use in bytes, as Docker's stats report it.
    fn memory_bytes(&self) -> u64;
    /// CPU time the app has used so far (all its processes), when known.
    fn cpu_time(&self) -> Option<Duration>;
    /// How long the app's runnable threads have waited for a CPU so far
    /// (summed), when known: what a busy host withheld from it.
    fn run_delay(&self) -> Option<Duration>;
    /// Whether the app's server process still runs.
    fn is_running(&self) -> bool;
    /// Whether the whole environment has ended (nothing can be run in it then).
    fn has_ended(&self) -> bool;
}

impl App for Instance {
    fn base_url(&self) -> Option<String> {
        Instance::base_url(self)
    }
    fn read_file(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        Instance::read_file(self, path, limit)
    }
    fn write_file(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        Instance::write_file(self, path, data)
    }
    fn sql(&self, db: &str, query_file: &str, timeout: Duration) -> io::Result<Output> {
        let cmd = format!("cat {query_file} | sqlite3 -cmd '.timeout 10000' {db}");
        self.exec(&["sh", "-c", &cmd], timeout)
    }
    fn du_sh(&self, path: &str, timeout: Duration) -> io::Result<Output> {
        self.exec(&["du", "-sh", path], timeout)
    }
    fn memory_bytes(&self) -> u64 {
        let m = self.memory();
        m.cgroup_bytes.unwrap_or(m.rss_bytes)
    }
    fn cpu_time(&self) -> Option<Duration> {
        Some(Instance::cpu_time(self))
    }
    fn run_delay(&self) -> Option<Duration> {
        Some(Instance::run_delay(self))
    }
    fn is_running(&self) -> bool {
        Instance::is_running(self)
    }
    fn has_ended(&self) -> bool {
        self.exit_status().is_some()
    }
}

/// An app run as a plain local process: its `/` is a temporary folder (`/app`
/// its working directory, `/tmp` its temp folder), it listens on 127.0.0.1 at
/// the port in `$PORT`. No isolation at all: for tests of the harness only.
pub struct LocalApp {
    root: tempfile::TempDir,
    port: u16,
    child: Mutex<Child>,
}

/// The host path of app path `p` under `root`, refusing `..` and anything
/// that is not absolute.
fn host_path(root: &Path, p: &Path) -> io::Result<PathBuf> {
    let mut out = root.to_path_buf();
    let mut comps = p.components();
    if comps.next() != Some(Component::RootDir) {
        return Err(io::Error::other(format!("{} is not absolute", p.display())));
    }
    for c in comps {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => return Err(io::Error::other(format!("{} leaves the app", p.display()))),
        }
    }
    Ok(out)
}

impl LocalApp {
    /// Starts `command` (run by `sh -c` in `/app`) with `files` placed at their
    /// app paths, and waits up to `ready` for it to accept connections.
    pub fn start(command: &str, files: &[(&str, &[u8])], ready: Duration) -> io::Result<LocalApp> {
        let root = tempfile::tempdir()?;
        for d in ["app", "tmp"] {
            std::fs::create_dir_all(root.path().join(d))?;
        }
        for (p, data) in files {
            let h = host_path(root.path(), Path::new(p))?;
            if let Some(parent) = h.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(h, data)?;
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(root.path().join("app"))
            .env("PORT", port.to_string())
            .env("TMPDIR", root.path().join("tmp"))
            .env("BAX_ROOT", root.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let app = LocalApp {
            root,
            port,
            child: Mutex::new(child),
        };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let end = Instant::now() + ready;
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if Instant::now() >= end || !app.is_running() {
                return Err(io::Error::other(format!(
                    "the local app did not listen on {addr} within {ready:?}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(app)
    }

    /// The host folder that is the app's `/`.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    fn run(&self, mut cmd: Command, stdin: Stdio, timeout: Duration) -> io::Result<Output> {
        let mut child = cmd
            .current_dir(self.root.path().join("app"))
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        let o = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = out.read_to_end(&mut b);
            b
        });
        let e = std::thread::spawn(move || {
            let mut b = Vec::new();
            let _ = err.read_to_end(&mut b);
            b
        });
        let end = Instant::now() + timeout;
        let status = loop {
            if let Some(s) = child.try_wait()? {
                break s;
            }
            if Instant::now() >= end {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::new(io::ErrorKind::TimedOut, "timed out"));
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        Ok(Output {
            status,
            stdout: o.join().unwrap_or_default(),
            stderr: e.join().unwrap_or_default(),
        })
    }
}

impl Drop for LocalApp {
    fn drop(&mut self) {
        let mut c = self.child.lock().unwrap();
        let _ = c.kill();
        let _ = c.wait();
    }
}

impl App for LocalApp {
    fn base_url(&self) -> Option<String> {
        Some(format!("http://127.0.0.1:{}", self.port))
    }
    fn read_file(&self, path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let f = std::fs::File::open(host_path(self.root.path(), path)?)?;
        let mut b = Vec::new();
        f.take(limit + 1).read_to_end(&mut b)?;
        if b.len() as u64 > limit {
            return Err(io::Error::other(format!(
                "{} is larger than {limit} bytes",
                path.display()
            )));
        }
        Ok(b)
    }
    fn write_file(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        let h = host_path(self.root.path(), path)?;
        if let Some(parent) = h.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(h, data)
    }
    fn sql(&self, db: &str, query_file: &str, timeout: Duration) -> io::Result<Output> {
        let query = std::fs::File::open(host_path(self.root.path(), Path::new(query_file))?)?;
        let mut cmd = Command::new("sqlite3");
        cmd.args(["-cmd", ".timeout 10000"])
            .arg(host_path(self.root.path(), Path::new(db))?);
        self.run(cmd, Stdio::from(query), timeout)
    }
    fn du_sh(&self, path: &str, timeout: Duration) -> io::Result<Output> {
        let mut cmd = Command::new("du");
        cmd.arg("-sh")
            .arg(host_path(self.root.path(), Path::new(path))?);
        self.run(cmd, Stdio::null(), timeout)
    }
    fn memory_bytes(&self) -> u64 {
        let pid = self.child.lock().unwrap().id();
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            })
            .map_or(0, |kb| kb * 1024)
    }
    fn cpu_time(&self) -> Option<Duration> {
        let pid = self.child.lock().unwrap().id();
        let st = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let f: Vec<&str> = st.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
        Some(Duration::from_millis(ticks * 10))
    }
    fn run_delay(&self) -> Option<Duration> {
        let pid = self.child.lock().unwrap().id() as i32;
        Some(Duration::from_nanos(bax_sandbox::run_delay_ns(pid)))
    }
    fn is_running(&self) -> bool {
        matches!(self.child.lock().unwrap().try_wait(), Ok(None))
    }
    fn has_ended(&self) -> bool {
        !self.is_running()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_paths_stay_inside_the_root() {
        let r = Path::new("/r");
        assert_eq!(
            host_path(r, Path::new("/app/x")).unwrap(),
            Path::new("/r/app/x")
        );
        assert!(host_path(r, Path::new("/app/../../etc/passwd")).is_err());
        assert!(host_path(r, Path::new("relative")).is_err());
    }
}
