//! Isolated app instances on bubblewrap, without Docker.
//!
//! BaxBench starts a fresh Docker container per test. bax does the same job with
//! bubblewrap (`bwrap`, Debian's `bubblewrap` package): every [`Instance`] gets
//!
//! * its own mount namespace with a private, **disk-backed**, writable root that is
//!   deleted with the instance (disk-backed rather than tmpfs so that files an app
//!   writes are not charged to its memory limit, as in Docker), the app at `/app`
//!   (its working directory), and the host's `/usr` and `/etc` read-only;
//! * its own network namespace with only loopback (nothing gets out; any number
//!   of apps can listen on port 5000), reached by bax through [`net`];
//! * its own PID namespace, so the whole process tree dies with the instance, also
//!   when bax itself is killed ([`spawn`]);
//! * an unprivileged host user (uid 65534 when bax runs as root) that appears as
//!   uid 0 inside, so root-only host files stay unreadable;
//! * limits: 1 GiB of memory and a process count through cgroups ([`cgroup`]), file
//!   size through `RLIMIT_FSIZE`, total disk through a watchdog; wall time is the
//!   caller's (see [`Sandbox::run`] and [`Instance::stop`]);
//! * `APP_SECRET=supers3cret`, as BaxBench's images set it.
//!
//! Tests get handles on a running instance: its URL, its files (read, write),
//! `exec` inside it, SQL on its databases, memory, disk use under a path,
//! liveness, and its output. This crate knows nothing about scenarios or
//! frameworks: callers say what to mount and what to run.

pub mod cgroup;
pub mod fsroot;
pub mod instance;
pub mod net;
pub mod seccomp;
pub mod spawn;

use std::fs;
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use instance::{run_delay_ns, Instance, KillReason, MemoryStats, NotReady};

use cgroup::Cgroups;
use fsroot::{chown_tree, copy_tree, Root};
use spawn::ChildSetup;

/// The secret BaxBench's images put in `APP_SECRET`.
pub const APP_SECRET: &str = "supers3cret";

/// Where the sandbox's own fd for bwrap's info JSON lands in the child.
const INFO_FD: i32 = 200;
/// The fds bwrap reads the seccomp filters from (`--add-seccomp-fd`), in order.
pub(crate) const SECCOMP_FDS: [i32; 2] = [201, 202];

/// Everything that can go wrong starting or managing an instance. None of these
/// is the app's fault: a caller must report them as harness failures.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("bubblewrap (bwrap) is not installed; run `bax env setup` or install Debian's bubblewrap package")]
    NoBwrap,
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("cannot start the sandbox: {0}")]
    Start(String),
    #[error("cannot compile the sandbox's seccomp filter: {0}")]
    Seccomp(String),
}

impl SandboxError {
    pub(crate) fn io(what: &str) -> impl FnOnce(std::io::Error) -> SandboxError + '_ {
        move |source| SandboxError::Io {
            what: what.to_string(),
            source,
        }
    }
}

/// Resource limits of every instance.
#[derive(Debug, Clone)]
pub struct SandboxLimits {
    /// Memory limit in bytes (BaxBench: 1 GiB).
    pub memory: Option<u64>,
    /// Most processes/threads at once (stops fork bombs).
    pub pids: Option<u64>,
    /// Largest file the app may write (`RLIMIT_FSIZE`).
    pub file_size: Option<u64>,
    /// Most bytes the instance's files (root and logs) may take on disk.
    pub disk: Option<u64>,
    /// Most open files per process.
    pub open_files: u64,
    /// Watchdog period for RSS polling (when no memory cgroup) and liveness.
    pub poll: Duration,
    /// Watchdog period for the disk check.
    pub disk_poll: Duration,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        SandboxLimits {
            memory: Some(1 << 30),
            pids: Some(1024),
            file_size: Some(8 << 30),
            disk: Some(16 << 30),
            open_files: 65_536,
            poll: Duration::from_millis(50),
            disk_poll: Duration::from_millis(500),
        }
    }
}

/// Sandbox-wide settings.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Where instance folders are created. Must be reachable (o+x) by `user`.
    pub work_dir: PathBuf,
    /// The host user the sandbox runs as; `None` keeps bax's own (when not root).
    pub user: Option<(u32, u32)>,
    pub limits: SandboxLimits,
    /// System files (absolute, under `/usr` or `/etc`) each instance gets a
    /// private writable copy of, bound over the read-only original. In a Docker
    /// container every system file is writable by root; tests that check whether
    /// an app let an attacker overwrite one (e.g. `/bin/bash`) need that here too.
    pub private_files: Vec<PathBuf>,
}

impl SandboxConfig {
    /// Defaults: instances under `work_dir`, uid/gid 65534 when running as root.
    pub fn new(work_dir: impl Into<PathBuf>) -> SandboxConfig {
        // SAFETY: getuid cannot fail.
        let root = unsafe { libc::getuid() } == 0;
        SandboxConfig {
            work_dir: work_dir.into(),
            user: root.then_some((65534, 65534)),
            limits: SandboxLimits::default(),
            private_files: vec![PathBuf::from("/usr/bin/bash")],
        }
    }
}

/// How the app's files get into `/app`.
#[derive(Debug, Clone)]
pub enum AppSource {
    /// A fresh copy of this folder (tests: every instance starts from the build).
    Copy(PathBuf),
    /// This folder itself, writable (builds: the result stays in it).
    Bind(PathBuf),
}

/// What to run in an instance.
#[derive(Debug, Clone)]
pub struct InstanceSpec {
    pub app: AppSource,
    /// Read-only binds (host path, path inside).
    pub ro_binds: Vec<(PathBuf, PathBuf)>,
    /// Writable binds (host path, path inside), after the read-only ones (so one
    /// may sit inside a read-only bind). Only provisioning's warm-up builds use
    /// them; the host folder must be writable by the sandbox's user.
    pub binds: Vec<(PathBuf, PathBuf)>,
    /// Environment on top of PATH, HOME, LANG and APP_SECRET.
    pub env: Vec<(String, String)>,
    /// Run as `/bin/sh -c <command>` in `/app`.
    pub command: String,
    /// The service port (5000): gives the instance a proxy and readiness checks.
    pub port: Option<u16>,
    /// Files placed at absolute paths before the app starts (e.g. `/secret.txt`).
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// `PATH` inside the sandbox.
    pub path: String,
}

impl InstanceSpec {
    pub fn new(app: AppSource, command: impl Into<String>) -> InstanceSpec {
        InstanceSpec {
            app,
            ro_binds: Vec::new(),
            binds: Vec::new(),
            env: Vec::new(),
            command: command.into(),
            port: None,
            files: Vec::new(),
            path: "/env/bin:/usr/local/bin:/usr/bin:/bin".into(),
        }
    }
}

/// The result of running a command to completion (a build).
#[derive(Debug)]
pub struct RunOutcome {
    /// `None` when it was killed for running past its time.
    pub status: Option<ExitStatus>,
    pub timed_out: bool,
    pub kill_reason: Option<KillReason>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub duration: Duration,
}

impl RunOutcome {
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }
}

/// Starts instances.
pub struct Sandbox {
    cfg: SandboxConfig,
    cgroups: Cgroups,
}

/// Instance numbers, unique within the process (several sandboxes may share a
/// work folder, e.g. one for builds and one for tests).
static COUNTER: AtomicU64 = AtomicU64::new(0);

pub(crate) fn owner_pid(name: &str) -> Option<i32> {
    name.strip_prefix("bax-i-")?.split('-').next()?.parse().ok()
}

pub(crate) fn pid_alive(pid: i32) -> bool {
    // SAFETY: kill with signal 0 only checks for existence.
    unsafe { libc::kill(pid, 0) == 0 || *libc::__errno_location() == libc::EPERM }
}

fn find_in_path(prog: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(prog).is_file()))
        .unwrap_or(false)
}

impl Sandbox {
    /// Checks bubblewrap, prepares the work folder, detects cgroups and removes
    /// what killed bax processes left behind.
    pub fn new(cfg: SandboxConfig) -> Result<Sandbox, SandboxError> {
        if !find_in_path("bwrap") {
            return Err(SandboxError::NoBwrap);
        }
        fs::create_dir_all(&cfg.work_dir).map_err(SandboxError::io("creating the work folder"))?;
        fs::set_permissions(&cfg.work_dir, fs::Permissions::from_mode(0o711))
            .map_err(SandboxError::io("work folder permissions"))?;
        if cfg.user.is_some() {
            // The sandbox user must be able to reach the work folder.
            let mut p = cfg.work_dir.clone();
            while let Some(parent) = p.parent() {
                if let Ok(m) = fs::metadata(parent) {
                    if m.permissions().mode() & 0o001 == 0 {
                        return Err(SandboxError::Start(format!(
                            "the sandbox user cannot enter {} (mode {:o}); put bax's folders elsewhere (BAX_HOME) or make it o+x",
                            parent.display(),
                            m.permissions().mode() & 0o7777
                        )));
                    }
                }
                p = parent.to_path_buf();
            }
        }
        let cgroups = Cgroups::detect();
        if let Cgroups::Unavailable(why) = &cgroups {
            tracing::warn!("cgroups unavailable ({why}); memory is limited by RSS polling");
        }
        cgroups.clean_stale();
        let sb = Sandbox { cfg, cgroups };
        sb.clean_stale();
        Ok(sb)
    }

    pub fn config(&self) -> &SandboxConfig {
        &self.cfg
    }

    /// Whether memory limits are kernel-enforced (cgroups) rather than polled.
    pub fn enforces_memory(&self) -> bool {
        self.cgroups.enforces_memory()
    }

    /// Removes instance folders of bax processes that no longer run.
    pub fn clean_stale(&self) -> usize {
        let mut n = 0;
        if let Ok(rd) = fs::read_dir(&self.cfg.work_dir) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if owner_pid(&name).is_some_and(|p| !pid_alive(p))
                    && fs::remove_dir_all(e.path()).is_ok()
                {
                    n += 1;
                }
            }
        }
        n
    }

    fn owner(&self) -> (u32, u32) {
        // SAFETY: getuid/getgid cannot fail.
        self.cfg
            .user
            .unwrap_or_else(|| unsafe { (libc::getuid(), libc::getgid()) })
    }

    /// Starts an instance. The caller then waits for readiness if it has a port.
    pub fn start(&self, spec: &InstanceSpec) -> Result<Instance, SandboxError> {
        let started = Instant::now();
        let id = format!(
            "bax-i-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let dir = self.cfg.work_dir.join(&id);
        let owner = self.owner();
        // Any failure below removes the folder again.
        let mut cleanup = Cleanup(Some(dir.clone()));
        let root_dir = dir.join("root");
        fs::create_dir_all(&root_dir).map_err(SandboxError::io("instance folder"))?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o711))
            .map_err(SandboxError::io("instance folder"))?;
        for d in ["tmp", "root", "app", "env", "usr", "etc"] {
            fs::create_dir_all(root_dir.join(d)).map_err(SandboxError::io("instance root"))?;
        }
        fs::set_permissions(root_dir.join("tmp"), fs::Permissions::from_mode(0o1777))
            .map_err(SandboxError::io("instance /tmp"))?;
        let app_bind = match &spec.app {
            AppSource::Copy(src) => {
                copy_tree(src, &root_dir.join("app"), owner)
                    .map_err(SandboxError::io("copying the app"))?;
                None
            }
            AppSource::Bind(src) => {
                chown_tree(src, owner).map_err(SandboxError::io("app folder owner"))?;
                Some(src.clone())
            }
        };
        chown_tree(&root_dir, owner).map_err(SandboxError::io("instance root owner"))?;
        let root = Root::open(&root_dir, owner).map_err(SandboxError::io("instance root"))?;
        for (path, data) in &spec.files {
            root.write(path, data, 0o644)
                .map_err(SandboxError::io("placing a file"))?;
        }

        let mut cmd = Command::new("bwrap");
        cmd.arg("--bind").arg(&root_dir).arg("/");
        cmd.args(["--ro-bind", "/usr", "/usr"]);
        // /bin, /lib, /lib64 and /sbin are real directories (read-only binds of
        // their /usr twins), as in BaxBench's Debian bullseye images, not the
        // usr-merge symlinks of the host: an app that lists `/` and treats
        // non-directories as files must see what it sees under Docker.
        for (alias, real) in USR_ALIASES {
            if Path::new(real).is_dir() {
                cmd.args(["--ro-bind", real, alias]);
            }
        }
        cmd.args([
            "--ro-bind",
            "/etc",
            "/etc",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
        ]);
        cmd.args(["--tmpfs", "/dev/shm"]);
        for (i, file) in self.cfg.private_files.iter().enumerate() {
            if !file.is_file() {
                continue;
            }
            let copy = dir.join(format!("private-{i}"));
            fs::copy(file, &copy).map_err(SandboxError::io("private file copy"))?;
            std::os::unix::fs::lchown(&copy, Some(owner.0), Some(owner.1))
                .map_err(SandboxError::io("private file copy"))?;
            cmd.arg("--bind").arg(&copy).arg(file);
            // The same copy under its alias (/usr/bin/bash is also /bin/bash).
            if let Some(alias) = usr_alias(file) {
                if Path::new(&alias).parent().is_some_and(|p| p.is_dir()) {
                    cmd.arg("--bind").arg(&copy).arg(alias);
                }
            }
        }
        if let Some(src) = &app_bind {
            cmd.arg("--bind").arg(src).arg("/app");
        }
        for (host, dest) in &spec.ro_binds {
            cmd.arg("--ro-bind").arg(host).arg(dest);
        }
        for (host, dest) in &spec.binds {
            cmd.arg("--bind").arg(host).arg(dest);
        }
        cmd.args([
            "--chdir",
            "/app",
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "bax",
        ]);
        if self.cfg.user.is_some() || unsafe { libc::getuid() } != 0 {
            cmd.args(["--uid", "0", "--gid", "0"]);
        }
        // No user namespaces inside (the seccomp filter refuses unshare and clone
        // with namespace flags too: two barriers, as the issue asks).
        cmd.args(["--unshare-user", "--disable-userns"]);
        cmd.args(["--cap-drop", "ALL", "--clearenv"]);
        let filters = seccomp::programs().map_err(SandboxError::Seccomp)?;
        let filter_fds = filters
            .iter()
            .map(|p| seccomp::memfd(p))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(SandboxError::io("seccomp filter"))?;
        for fd in SECCOMP_FDS {
            cmd.args(["--add-seccomp-fd", &fd.to_string()]);
        }
        let mut env: Vec<(String, String)> = vec![
            ("PATH".into(), spec.path.clone()),
            ("HOME".into(), "/root".into()),
            ("LANG".into(), "C.UTF-8".into()),
            ("APP_SECRET".into(), APP_SECRET.into()),
        ];
        env.extend(spec.env.iter().cloned());
        for (k, v) in &env {
            cmd.arg("--setenv").arg(k).arg(v);
        }
        cmd.args(["--info-fd", &INFO_FD.to_string()]);
        cmd.args(["--", "/bin/sh", "-c", &spec.command]);

        let stdout =
            fs::File::create(dir.join("stdout.log")).map_err(SandboxError::io("log file"))?;
        let stderr =
            fs::File::create(dir.join("stderr.log")).map_err(SandboxError::io("log file"))?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr));

        let limits = &self.cfg.limits;
        let group = self.cgroups.create(&id, limits.memory, limits.pids);
        let procs = group.procs_files();
        let (info_r, info_w) = instance::pipe().map_err(SandboxError::io("pipe"))?;
        let mut rlimits = vec![
            (libc::RLIMIT_CORE, 0),
            (libc::RLIMIT_NOFILE, limits.open_files),
        ];
        if let Some(f) = limits.file_size {
            rlimits.push((libc::RLIMIT_FSIZE, f));
        }
        // Limits are only ever lowered: raising a hard limit needs CAP_SYS_RESOURCE,
        // which bax may not have.
        for (res, limit) in rlimits.iter_mut() {
            let mut cur = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: getrlimit fills the struct we pass.
            if unsafe { libc::getrlimit(*res, &mut cur) } == 0 {
                *limit = (*limit).min(cur.rlim_max);
            }
        }
        let setup = ChildSetup {
            cgroup_fds: procs.iter().map(|f| f.as_raw_fd()).collect(),
            rlimits,
            user: self.cfg.user,
            dups: std::iter::once((info_w.as_raw_fd(), INFO_FD))
                .chain(
                    filter_fds
                        .iter()
                        .zip(SECCOMP_FDS)
                        .map(|(f, to)| (f.as_raw_fd(), to)),
                )
                .collect(),
        };
        let mut child = spawn::spawn(cmd, setup).map_err(SandboxError::io("starting bwrap"))?;
        drop(info_w);
        drop(filter_fds);
        drop(procs);
        let init_pid =
            match instance::read_child_pid(info_r, Instant::now() + Duration::from_secs(10)) {
                Ok(p) => p,
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let err = fs::read_to_string(dir.join("stderr.log")).unwrap_or_default();
                    return Err(SandboxError::Start(format!("{e}: {}", err.trim())));
                }
            };
        let spawned = started.elapsed();
        let netns = match net::NetNs::enter(init_pid) {
            Ok(n) => n,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(SandboxError::io("joining the network namespace")(e));
            }
        };
        let inst = Instance::assemble(instance::Parts {
            id,
            dir,
            root,
            child,
            init_pid,
            group,
            netns,
            port: spec.port,
            limits: limits.clone(),
            started,
        })?;
        cleanup.0 = None;
        tracing::debug!(id = %inst.id(), ?spawned, total = ?started.elapsed(), "instance started");
        Ok(inst)
    }

    /// Runs a command to completion (a build step), killing it after `timeout`.
    pub fn run(&self, spec: &InstanceSpec, timeout: Duration) -> Result<RunOutcome, SandboxError> {
        let inst = self.start(spec)?;
        let deadline = Instant::now() + timeout;
        let mut timed_out = false;
        let status = loop {
            if let Some(s) = inst.exit_status() {
                break Some(s);
            }
            if Instant::now() >= deadline {
                timed_out = true;
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let (stdout, stderr) = inst.logs(1 << 20);
        let kill_reason = inst.kill_reason();
        let duration = inst.uptime();
        inst.stop();
        Ok(RunOutcome {
            status,
            timed_out,
            kill_reason,
            stdout,
            stderr,
            duration,
        })
    }
}

struct Cleanup(Option<PathBuf>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(d) = self.0.take() {
            let _ = fs::remove_dir_all(d);
        }
    }
}

/// Top-level directories that Debian 12 merges into /usr but BaxBench's images
/// keep as directories: (path inside the instance, host directory bound there).
const USR_ALIASES: [(&str, &str); 4] = [
    ("/bin", "/usr/bin"),
    ("/lib", "/usr/lib"),
    ("/lib64", "/usr/lib64"),
    ("/sbin", "/usr/sbin"),
];

/// The other name of a file under one of the merged directories:
/// `/usr/bin/bash` -> `/bin/bash`.
fn usr_alias(file: &Path) -> Option<PathBuf> {
    USR_ALIASES.iter().find_map(|(alias, real)| {
        file.strip_prefix(real)
            .ok()
            .map(|rest| Path::new(alias).join(rest))
    })
}
