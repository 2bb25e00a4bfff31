//! One running app instance and everything a test can do with it.

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::cgroup::InstanceGroup;
use crate::fsroot::Root;
use crate::net::{NetNs, Proxy, SERVICE_ADDR};
use crate::{SandboxError, SandboxLimits};

/// Why the watchdog stopped an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KillReason {
    /// The kernel's OOM killer fired in the instance's memory group.
    OutOfMemory,
    /// RSS polling (no memory cgroup) found the tree over the limit.
    MemoryLimit,
    /// The instance's files grew past the disk limit.
    DiskLimit,
}

/// Memory use of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryStats {
    /// Bytes charged to the instance's memory group (what Docker's stats report),
    /// when the group exists.
    pub cgroup_bytes: Option<u64>,
    /// Peak of the group, when known.
    pub cgroup_peak_bytes: Option<u64>,
    /// Resident set size summed over the instance's process tree.
    pub rss_bytes: u64,
}

/// Why an app did not become ready.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    #[error("the app exited before answering ({status})")]
    Exited { status: String },
    #[error("the app did not answer HTTP within {0:?}")]
    Timeout(Duration),
    #[error("the instance has no service port")]
    NoPort,
    /// The caller asked to stop waiting.
    #[error("stopped while waiting for the app")]
    Stopped,
}

pub(crate) struct Parts {
    pub id: String,
    pub dir: PathBuf,
    pub root: Root,
    pub child: Child,
    pub init_pid: i32,
    pub group: InstanceGroup,
    pub netns: Arc<NetNs>,
    pub port: Option<u16>,
    pub limits: SandboxLimits,
    pub started: Instant,
}

/// A running sandbox. Dropping it kills every process in it and removes its files.
pub struct Instance {
    id: String,
    dir: PathBuf,
    root: Arc<Root>,
    child: Arc<Mutex<Child>>,
    init_pid: i32,
    main: Option<(i32, u64)>,
    group: Arc<Mutex<InstanceGroup>>,
    netns: Arc<NetNs>,
    proxy: Option<Proxy>,
    port: Option<u16>,
    kill_reason: Arc<Mutex<Option<KillReason>>>,
    stop: Arc<AtomicBool>,
    watchdog: Option<JoinHandle<()>>,
    started: Instant,
    stopped: bool,
}

/// The kernel's PF_EXITING task flag: the process is tearing itself down.
const PF_EXITING: u64 = 0x4;

/// (state, start time) of a process; a process that is exiting reports `X`
/// (it may still show `R` or `D` for a moment after its sockets have closed).
fn read_proc_stat(pid: i32) -> Option<(char, u64)> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let mut state = fields.first()?.chars().next()?;
    let flags: u64 = fields.get(6)?.parse().ok()?;
    if flags & PF_EXITING != 0 {
        state = 'X';
    }
    let start: u64 = fields.get(19)?.parse().ok()?;
    Some((state, start))
}

fn children(pid: i32) -> Vec<i32> {
    let mut out = Vec::new();
    if let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) {
        for t in tasks.flatten() {
            if let Ok(c) = fs::read_to_string(t.path().join("children")) {
                out.extend(c.split_whitespace().filter_map(|x| x.parse::<i32>().ok()));
            }
        }
    }
    out
}

/// Every process below `pid` (inclusive).
pub(crate) fn tree(pid: i32) -> Vec<i32> {
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() && out.len() < 100_000 {
        let kids = children(out[i]);
        out.extend(kids);
        i += 1;
    }
    out
}

/// The run-queue delay of every thread of `pid`, in nanoseconds (the second
/// field of each task's schedstat).
pub fn run_delay_ns(pid: i32) -> u64 {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| {
            let s = fs::read_to_string(t.path().join("schedstat")).ok()?;
            s.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .sum()
}

fn rss_of(pid: i32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

fn tail(path: &Path, max: u64) -> Vec<u8> {
    let Ok(mut f) = File::open(path) else {
        return Vec::new();
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = f.seek(SeekFrom::Start(len.saturating_sub(max)));
    let mut buf = Vec::new();
    let _ = f.take(max).read_to_end(&mut buf);
    buf
}

/// The most of an exec'd command's stdout (and of its stderr) bax keeps: what a
/// test reads back (a query's rows, `du`'s line) is small; a table an app filled
/// with hundreds of MiB must not become bax's memory.
pub const EXEC_OUTPUT_LIMIT: u64 = 16 << 20;

fn read_capped(r: &mut impl Read) -> Vec<u8> {
    let mut b = Vec::new();
    let _ = r.take(EXEC_OUTPUT_LIMIT).read_to_end(&mut b);
    let _ = io::copy(r, &mut io::sink());
    b
}

impl Instance {
    pub(crate) fn assemble(p: Parts) -> Result<Instance, SandboxError> {
        // The sandboxed command is the first child of bwrap's init.
        let mut main = None;
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Some(&pid) = children(p.init_pid).first() {
                main = read_proc_stat(pid).map(|(_, start)| (pid, start));
                break;
            }
            if !matches!(read_proc_stat(p.init_pid), Some((state, _)) if state != 'Z' && state != 'X')
            {
                break; // it already ended
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let proxy = match p.port {
            Some(port) => {
                Some(Proxy::start(p.netns.clone(), port).map_err(SandboxError::io("proxy"))?)
            }
            None => None,
        };
        let root = Arc::new(p.root);
        let child = Arc::new(Mutex::new(p.child));
        let group = Arc::new(Mutex::new(p.group));
        let kill_reason = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let watchdog = {
            let (root, child, group, kill_reason, stop) = (
                root.clone(),
                child.clone(),
                group.clone(),
                kill_reason.clone(),
                stop.clone(),
            );
            let (init, limits, dir) = (p.init_pid, p.limits.clone(), p.dir.clone());
            std::thread::Builder::new()
                .name(format!("watchdog-{}", p.id))
                .spawn(move || watchdog(init, limits, dir, root, child, group, kill_reason, stop))
                .map_err(SandboxError::io("watchdog thread"))?
        };
        Ok(Instance {
            id: p.id,
            dir: p.dir,
            root,
            child,
            init_pid: p.init_pid,
            main,
            group,
            netns: p.netns,
            proxy,
            port: p.port,
            kill_reason,
            stop,
            watchdog: Some(watchdog),
            started: p.started,
            stopped: false,
        })
    }

    /// A short unique id (also the name of its folder and cgroups).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The host address that reaches the app's service port (through a proxy).
    pub fn addr(&self) -> Option<SocketAddr> {
        self.proxy.as_ref().map(|p| p.addr())
    }

    /// `http://127.0.0.1:<port>` reaching the app.
    pub fn base_url(&self) -> Option<String> {
        self.addr().map(|a| format!("http://{a}"))
    }

    /// Opens a TCP connection straight to the app inside its namespace.
    pub fn connect(&self, timeout: Duration) -> io::Result<TcpStream> {
        let port = self
            .port
            .ok_or_else(|| io::Error::other("no service port"))?;
        self.netns
            .connect(SocketAddr::from((SERVICE_ADDR, port)), timeout)
    }

    /// Waits until the app answers an HTTP request on its port (any status),
    /// polling every 10 ms. Returns the time since the instance started.
    pub fn wait_ready(&self, timeout: Duration) -> Result<Duration, NotReady> {
        self.wait_ready_or(timeout, &|| false)
    }

    /// [`Instance::wait_ready`] that also gives up (with [`NotReady::Stopped`])
    /// as soon as `stop` returns true; it is asked every 200 ms at most.
    pub fn wait_ready_or(
        &self,
        timeout: Duration,
        stop: &dyn Fn() -> bool,
    ) -> Result<Duration, NotReady> {
        if self.port.is_none() {
            return Err(NotReady::NoPort);
        }
        let tick = Duration::from_millis(200);
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exit_status() {
                return Err(NotReady::Exited {
                    status: status.to_string(),
                });
            }
            if stop() {
                return Err(NotReady::Stopped);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(NotReady::Timeout(timeout));
            }
            if let Ok(mut s) = self.connect(left.min(Duration::from_secs(1))) {
                let req = b"GET / HTTP/1.1\r\nHost: localhost:5000\r\nConnection: close\r\n\r\n";
                if s.write_all(req).is_ok() {
                    // Any first byte of an answer means ready. The same request keeps
                    // waiting until the deadline (an app may be slow to answer its
                    // first request), in short slices so `stop` is heard.
                    let mut b = [0u8; 1];
                    loop {
                        let left = deadline.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            break;
                        }
                        let _ = s.set_read_timeout(Some(left.min(tick)));
                        match s.read(&mut b) {
                            Ok(1) => return Ok(self.started.elapsed()),
                            Err(e)
                                if matches!(
                                    e.kind(),
                                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                                ) =>
                            {
                                if stop() {
                                    return Err(NotReady::Stopped);
                                }
                            }
                            _ => break,
                        }
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Whether the app's main process is still running (not exited, not a zombie).
    pub fn is_running(&self) -> bool {
        match self.main {
            Some((pid, start)) => {
                matches!(read_proc_stat(pid), Some((state, s)) if s == start && state != 'Z' && state != 'X')
            }
            None => false,
        }
    }

    /// The sandbox's exit status once it has ended.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.child.lock().unwrap().try_wait().ok().flatten()
    }

    /// Reads a file as the app sees it (`/app/db.sqlite3`, `/danger.txt`), up to `limit` bytes.
    pub fn read_file(&self, path: impl AsRef<Path>, limit: u64) -> io::Result<Vec<u8>> {
        match self.live_view() {
            Some(view) => view.read(path.as_ref(), limit),
            None => self.root.read(path.as_ref(), limit),
        }
    }

    /// The app's file system as its processes see it (mounts included, e.g.
    /// `/usr` and private copies), while it runs; `None` once it has ended, when
    /// the instance's own root folder is what is left.
    fn live_view(&self) -> Option<Root> {
        if self.exit_status().is_some() {
            return None;
        }
        Root::open(
            Path::new(&format!("/proc/{}/root", self.init_pid)),
            self.root.owner(),
        )
        .ok()
    }

    /// Whether a path exists in the app's view.
    pub fn file_exists(&self, path: impl AsRef<Path>) -> bool {
        match self.live_view() {
            Some(view) => view.exists(path.as_ref()),
            None => self.root.exists(path.as_ref()),
        }
    }

    /// Places a file into the app's view (parents created), owned by the app's user.
    pub fn write_file(&self, path: impl AsRef<Path>, data: &[u8]) -> io::Result<()> {
        match self.live_view() {
            Some(view) => view.write(path.as_ref(), data, 0o644),
            None => self.root.write(path.as_ref(), data, 0o644),
        }
    }

    /// Bytes used on disk under `path` in the app's view, like `du`.
    pub fn disk_usage(&self, path: impl AsRef<Path>) -> u64 {
        self.root.disk_usage(path.as_ref())
    }

    /// Runs a command inside the instance (its namespaces, its root, as its user),
    /// like `docker exec`, with no capabilities. Killed after `timeout`. Keeps at
    /// most [`EXEC_OUTPUT_LIMIT`] bytes of each output stream (the rest is read
    /// and dropped, so the command never blocks on a full pipe).
    pub fn exec(&self, argv: &[&str], timeout: Duration) -> io::Result<Output> {
        if self.exit_status().is_some() {
            return Err(io::Error::other("the instance has ended"));
        }
        let mut cmd = Command::new("nsenter");
        cmd.arg("--target")
            .arg(self.init_pid.to_string())
            .args([
                "--user", "--mount", "--net", "--pid", "--ipc", "--uts", "--root", "--wd",
            ])
            // The command runs in the app's user namespace, where joining makes it
            // root with every capability: drop them all (and forbid regaining
            // any) before it runs, so an app that takes it over gains nothing.
            .args([
                "--",
                "setpriv",
                "--inh-caps=-all",
                "--ambient-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
                "--",
            ])
            // Then the app's seccomp filters, and only then the command.
            .args([
                "/usr/bin/python3",
                "-I",
                "-S",
                "-c",
                crate::seccomp::EXEC_LOADER,
            ])
            .args(crate::SECCOMP_FDS.map(|fd| fd.to_string()))
            .arg("--")
            .args(argv)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", "/root")
            .env("LANG", "C.UTF-8")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let filters = crate::seccomp::programs().map_err(io::Error::other)?;
        let filter_fds = filters
            .iter()
            .map(|p| crate::seccomp::memfd(p))
            .collect::<io::Result<Vec<_>>>()?;
        let setup = crate::spawn::ChildSetup {
            dups: filter_fds
                .iter()
                .zip(crate::SECCOMP_FDS)
                .map(|(f, to)| (f.as_raw_fd(), to))
                .collect(),
            ..Default::default()
        };
        let mut child = crate::spawn::spawn(cmd, setup)?;
        drop(filter_fds);
        let mut out = child.stdout.take().unwrap();
        let mut err = child.stderr.take().unwrap();
        let o = std::thread::spawn(move || read_capped(&mut out));
        let e = std::thread::spawn(move || read_capped(&mut err));
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(s) = child.try_wait()? {
                break s;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(io::Error::new(io::ErrorKind::TimedOut, "exec timed out"));
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        Ok(Output {
            status,
            stdout: o.join().unwrap_or_default(),
            stderr: e.join().unwrap_or_default(),
        })
    }

    /// Runs SQL on an SQLite database in the app's view with the `sqlite3` tool,
    /// inside the instance. Returns its standard output.
    pub fn sql(&self, db: &str, query: &str) -> io::Result<String> {
        let out = self.exec(&["sqlite3", db, query], Duration::from_secs(30))?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "sqlite3 failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The instance's memory use.
    pub fn memory(&self) -> MemoryStats {
        let g = self.group.lock().unwrap();
        MemoryStats {
            cgroup_bytes: g.memory_usage(),
            cgroup_peak_bytes: g.memory_peak(),
            rss_bytes: tree(self.init_pid).into_iter().map(rss_of).sum(),
        }
    }

    /// CPU time the app has used so far (user + system, all its processes): from
    /// its cgroup where it has one (exited processes included), else summed over
    /// its live process tree from /proc (clock ticks).
    pub fn cpu_time(&self) -> Duration {
        if let Some(t) = self.group.lock().unwrap().cpu_usage() {
            return t;
        }
        // SAFETY: sysconf only reads a constant.
        let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        let ticks: u64 = tree(self.init_pid)
            .into_iter()
            .filter_map(|pid| {
                let s = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
                // Fields after the command name (which may hold spaces): utime is
                // the 14th field overall, stime the 15th.
                let rest = s.rsplit_once(')')?.1;
                let f: Vec<&str> = rest.split_whitespace().collect();
                Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
            })
            .sum();
        Duration::from_secs_f64(ticks as f64 / tick)
    }

    /// How long the instance's live threads have waited, runnable, for a CPU
    /// (the run-queue delay of /proc/<pid>/task/<tid>/schedstat, summed): what
    /// a busy host took from the app. Threads that have ended are not counted.
    pub fn run_delay(&self) -> Duration {
        Duration::from_nanos(tree(self.init_pid).into_iter().map(run_delay_ns).sum())
    }

    /// Number of processes in the instance.
    pub fn process_count(&self) -> usize {
        tree(self.init_pid).len()
    }

    /// Why the watchdog (or the kernel) stopped the instance, if it did.
    pub fn kill_reason(&self) -> Option<KillReason> {
        let r = *self.kill_reason.lock().unwrap();
        r.or_else(|| {
            self.group
                .lock()
                .unwrap()
                .oom_killed()
                .then_some(KillReason::OutOfMemory)
        })
    }

    /// The last `max` bytes of the app's stdout and stderr.
    pub fn logs(&self, max: u64) -> (Vec<u8>, Vec<u8>) {
        (
            tail(&self.dir.join("stdout.log"), max),
            tail(&self.dir.join("stderr.log"), max),
        )
    }

    /// How long the instance has existed.
    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    /// Kills every process of the instance now, keeping its files and logs (for
    /// a test that ran out of time: its requests fail at once and it returns).
    pub fn kill(&self) {
        let _ = self.child.lock().unwrap().kill();
        self.group.lock().unwrap().destroy_processes();
    }

    /// Kills everything in the instance and removes its files. Also done on drop.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let t = Instant::now();
        self.stop.store(true, Ordering::SeqCst);
        {
            let mut c = self.child.lock().unwrap();
            let _ = c.kill();
            let _ = c.wait();
        }
        let killed = t.elapsed();
        self.group.lock().unwrap().destroy();
        let groups = t.elapsed();
        if let Some(mut p) = self.proxy.take() {
            p.stop();
        }
        self.netns.close();
        if let Some(w) = self.watchdog.take() {
            w.thread().unpark();
            let _ = w.join();
        }
        let threads = t.elapsed();
        if let Err(e) = fs::remove_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), "cannot remove instance folder: {e}");
        }
        tracing::debug!(id = %self.id, ?killed, ?groups, ?threads, total = ?t.elapsed(), "instance stopped");
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.shutdown();
    }
}

#[allow(clippy::too_many_arguments)]
fn watchdog(
    init: i32,
    limits: SandboxLimits,
    dir: PathBuf,
    root: Arc<Root>,
    child: Arc<Mutex<Child>>,
    group: Arc<Mutex<InstanceGroup>>,
    reason: Arc<Mutex<Option<KillReason>>>,
    stop: Arc<AtomicBool>,
) {
    let poll_rss = !group.lock().unwrap().has_memory();
    let mut last_disk = Instant::now() - Duration::from_secs(10);
    while !stop.load(Ordering::SeqCst) {
        if child.lock().unwrap().try_wait().ok().flatten().is_some() {
            return;
        }
        let mut verdict = None;
        if poll_rss {
            if let Some(limit) = limits.memory {
                let rss: u64 = tree(init).into_iter().map(rss_of).sum();
                if rss > limit {
                    verdict = Some(KillReason::MemoryLimit);
                }
            }
        }
        if let Some(limit) = limits.disk {
            if last_disk.elapsed() >= limits.disk_poll {
                last_disk = Instant::now();
                let logs: u64 = ["stdout.log", "stderr.log"]
                    .iter()
                    .filter_map(|f| fs::metadata(dir.join(f)).ok())
                    .map(|m| m.len())
                    .sum();
                if root.disk_usage(Path::new("/")) + logs > limit {
                    verdict = Some(KillReason::DiskLimit);
                }
            }
        }
        if let Some(v) = verdict {
            tracing::warn!(?v, "stopping an instance over its limit");
            *reason.lock().unwrap() = Some(v);
            let _ = child.lock().unwrap().kill();
            group.lock().unwrap().destroy();
            return;
        }
        // Parked rather than slept, so that stopping the instance wakes it at once.
        std::thread::park_timeout(limits.poll);
    }
}

/// Reads bwrap's `--info-fd` JSON and returns the sandbox init's host pid.
pub(crate) fn read_child_pid(fd: OwnedFd, deadline: Instant) -> Result<i32, SandboxError> {
    let mut f = File::from(fd);
    // SAFETY: toggling O_NONBLOCK on an fd we own.
    unsafe {
        let flags = libc::fcntl(f.as_raw_fd(), libc::F_GETFL);
        libc::fcntl(f.as_raw_fd(), libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while Instant::now() < deadline {
        match f.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&buf) {
                    if let Some(pid) = v["child-pid"].as_i64() {
                        return Ok(pid as i32);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => return Err(SandboxError::io("bwrap info")(e)),
        }
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&buf) {
        if let Some(pid) = v["child-pid"].as_i64() {
            return Ok(pid as i32);
        }
    }
    Err(SandboxError::Start(
        "bubblewrap did not report its sandbox (see the instance's stderr)".into(),
    ))
}

/// A pipe whose ends are close-on-exec.
pub(crate) fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?)
}
