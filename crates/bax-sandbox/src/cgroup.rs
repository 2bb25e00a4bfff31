//! Per-instance control groups: the memory limit (1 GiB, as BaxBench's Docker
//! `mem_limit`), a process-count limit, and memory accounting.
//!
//! bax creates a child group under its own group, in cgroup v1 (separate
//! `memory` and `pids` hierarchies) or v2 (one unified hierarchy). When that is not
//! possible (no permission, no controller), [`Cgroups::detect`] says so and the
//! instance falls back to polling RSS and killing past the limit.

use std::fs;
use std::path::{Path, PathBuf};

/// Which cgroup layout this machine has, and where bax may create groups.
#[derive(Debug, Clone)]
pub enum Cgroups {
    V1 {
        memory: Option<PathBuf>,
        pids: Option<PathBuf>,
    },
    V2 {
        parent: PathBuf,
    },
    Unavailable(String),
}

fn own_path(controller: Option<&str>) -> Option<String> {
    let text = fs::read_to_string("/proc/self/cgroup").ok()?;
    text.lines().find_map(|l| {
        let mut parts = l.splitn(3, ':');
        let _id = parts.next()?;
        let ctrls = parts.next()?;
        let path = parts.next()?;
        let hit = match controller {
            None => ctrls.is_empty(),
            Some(c) => ctrls.split(',').any(|x| x == c),
        };
        hit.then(|| path.to_string())
    })
}

fn writable_dir(p: &Path) -> bool {
    static PROBES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = PROBES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let probe = p.join(format!("bax-probe-{}-{n}", std::process::id()));
    let ok = fs::create_dir(&probe).is_ok();
    let _ = fs::remove_dir(&probe);
    ok
}

impl Cgroups {
    /// Finds where this process may create child groups.
    pub fn detect() -> Cgroups {
        let root = Path::new("/sys/fs/cgroup");
        if root.join("cgroup.controllers").exists() {
            let Some(own) = own_path(None) else {
                return Cgroups::Unavailable("no cgroup v2 entry in /proc/self/cgroup".into());
            };
            let parent = root.join(own.trim_start_matches('/'));
            // Controllers must be enabled for children; a group with processes in
            // it cannot enable them (the "no internal processes" rule), so bax
            // works in a sibling-free child it owns.
            let parent = parent.join("bax");
            let _ = fs::create_dir_all(&parent);
            if let Ok(avail) = fs::read_to_string(parent.join("cgroup.controllers")) {
                let mut enable = Vec::new();
                for c in ["memory", "pids"] {
                    if avail.split_whitespace().any(|x| x == c) {
                        enable.push(format!("+{c}"));
                    }
                }
                let _ = fs::write(parent.join("cgroup.subtree_control"), enable.join(" "));
            }
            if writable_dir(&parent) {
                return Cgroups::V2 { parent };
            }
            return Cgroups::Unavailable(format!("cannot create groups in {}", parent.display()));
        }
        let pick = |c: &str| {
            let base = root.join(c);
            let own = own_path(Some(c))?;
            let p = base.join(own.trim_start_matches('/'));
            writable_dir(&p).then_some(p)
        };
        let memory = pick("memory");
        let pids = pick("pids");
        if memory.is_none() && pids.is_none() {
            return Cgroups::Unavailable("no writable memory or pids cgroup (v1)".into());
        }
        Cgroups::V1 { memory, pids }
    }

    /// Whether the memory limit is enforced by the kernel (else bax polls RSS).
    pub fn enforces_memory(&self) -> bool {
        match self {
            Cgroups::V1 { memory, .. } => memory.is_some(),
            Cgroups::V2 { .. } => true,
            Cgroups::Unavailable(_) => false,
        }
    }

    /// Creates the groups of one instance with its limits.
    pub fn create(&self, name: &str, memory: Option<u64>, pids: Option<u64>) -> InstanceGroup {
        let mut dirs = Vec::new();
        let mut mem_dir = None;
        match self {
            Cgroups::V1 { memory: m, pids: p } => {
                if let Some(base) = m {
                    let d = base.join(name);
                    if fs::create_dir(&d).is_ok() {
                        if let Some(limit) = memory {
                            let _ = fs::write(d.join("memory.limit_in_bytes"), limit.to_string());
                            // Swap counts too when the kernel accounts it.
                            let _ =
                                fs::write(d.join("memory.memsw.limit_in_bytes"), limit.to_string());
                        }
                        let _ = fs::write(d.join("memory.swappiness"), "0");
                        mem_dir = Some(d.clone());
                        dirs.push(d);
                    }
                }
                if let Some(base) = p {
                    let d = base.join(name);
                    if fs::create_dir(&d).is_ok() {
                        if let Some(n) = pids {
                            let _ = fs::write(d.join("pids.max"), n.to_string());
                        }
                        dirs.push(d);
                    }
                }
            }
            Cgroups::V2 { parent } => {
                let d = parent.join(name);
                if fs::create_dir(&d).is_ok() {
                    if let Some(limit) = memory {
                        let _ = fs::write(d.join("memory.max"), limit.to_string());
                        let _ = fs::write(d.join("memory.swap.max"), "0");
                    }
                    if let Some(n) = pids {
                        let _ = fs::write(d.join("pids.max"), n.to_string());
                    }
                    mem_dir = Some(d.clone());
                    dirs.push(d);
                }
            }
            Cgroups::Unavailable(_) => {}
        }
        InstanceGroup {
            v2: matches!(self, Cgroups::V2 { .. }),
            dirs,
            mem_dir,
        }
    }

    /// Removes empty instance groups left by a bax process that was killed.
    pub fn clean_stale(&self) {
        let bases: Vec<PathBuf> = match self {
            Cgroups::V1 { memory, pids } => memory.iter().chain(pids.iter()).cloned().collect(),
            Cgroups::V2 { parent } => vec![parent.clone()],
            Cgroups::Unavailable(_) => vec![],
        };
        for base in bases {
            let Ok(rd) = fs::read_dir(&base) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if let Some(pid) = crate::owner_pid(&name) {
                    if !crate::pid_alive(pid) {
                        let _ = fs::remove_dir(e.path());
                    }
                }
            }
        }
    }
}

/// The groups of one instance.
#[derive(Debug)]
pub struct InstanceGroup {
    v2: bool,
    dirs: Vec<PathBuf>,
    mem_dir: Option<PathBuf>,
}

impl InstanceGroup {
    /// `cgroup.procs` files the sandbox process must join (opened before fork so
    /// that joining is a plain `write` in the child).
    pub fn procs_files(&self) -> Vec<fs::File> {
        self.dirs
            .iter()
            .filter_map(|d| {
                fs::OpenOptions::new()
                    .write(true)
                    .open(d.join("cgroup.procs"))
                    .ok()
            })
            .collect()
    }

    pub fn has_memory(&self) -> bool {
        self.mem_dir.is_some()
    }

    /// Current memory use charged to the group (bytes), as Docker reports it.
    pub fn memory_usage(&self) -> Option<u64> {
        let d = self.mem_dir.as_ref()?;
        let file = if self.v2 {
            "memory.current"
        } else {
            "memory.usage_in_bytes"
        };
        fs::read_to_string(d.join(file)).ok()?.trim().parse().ok()
    }

    /// CPU time used by the group's processes, exited ones included (cgroup v2's
    /// `cpu.stat` `usage_usec`, there without any controller). `None` on v1.
    pub fn cpu_usage(&self) -> Option<std::time::Duration> {
        if !self.v2 {
            return None;
        }
        let t = fs::read_to_string(self.dirs.first()?.join("cpu.stat")).ok()?;
        let us: u64 = t
            .lines()
            .find_map(|l| l.strip_prefix("usage_usec "))?
            .trim()
            .parse()
            .ok()?;
        Some(std::time::Duration::from_micros(us))
    }

    /// Peak memory use (bytes).
    pub fn memory_peak(&self) -> Option<u64> {
        let d = self.mem_dir.as_ref()?;
        let file = if self.v2 {
            "memory.peak"
        } else {
            "memory.max_usage_in_bytes"
        };
        fs::read_to_string(d.join(file)).ok()?.trim().parse().ok()
    }

    /// Whether the kernel's OOM killer fired in this group.
    pub fn oom_killed(&self) -> bool {
        let Some(d) = &self.mem_dir else { return false };
        if self.v2 {
            fs::read_to_string(d.join("memory.events"))
                .map(|t| {
                    t.lines()
                        .any(|l| l.strip_prefix("oom_kill ").is_some_and(|n| n.trim() != "0"))
                })
                .unwrap_or(false)
        } else {
            fs::read_to_string(d.join("memory.oom_control"))
                .map(|t| {
                    t.lines()
                        .any(|l| l.strip_prefix("oom_kill ").is_some_and(|n| n.trim() != "0"))
                })
                .unwrap_or(false)
        }
    }

    /// Pids still in the group.
    pub fn pids(&self) -> Vec<i32> {
        let mut out = Vec::new();
        for d in &self.dirs {
            if let Ok(t) = fs::read_to_string(d.join("cgroup.procs")) {
                out.extend(t.lines().filter_map(|l| l.trim().parse::<i32>().ok()));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Kills every process in the group and waits for it to empty.
    pub fn destroy_processes(&self) {
        for _ in 0..200 {
            let pids = self.pids();
            if pids.is_empty() {
                break;
            }
            for p in pids {
                // SAFETY: plain kill(2) on pids the kernel lists in our group.
                unsafe {
                    libc::kill(p, libc::SIGKILL);
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    /// Kills every process in the group, waits for it to empty, and removes it.
    pub fn destroy(&mut self) {
        self.destroy_processes();
        for d in self.dirs.drain(..) {
            for _ in 0..100 {
                if fs::remove_dir(&d).is_ok() || !d.exists() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    }
}

impl Drop for InstanceGroup {
    fn drop(&mut self) {
        self.destroy();
    }
}

/// Writes this process's pid to each file: async-signal-safe, for `pre_exec`.
pub(crate) fn join_in_child(files: &[i32]) -> std::io::Result<()> {
    // SAFETY: getpid and write are async-signal-safe; the buffer is on the stack.
    let pid = unsafe { libc::getpid() };
    let mut buf = [0u8; 16];
    let mut n = pid as u32;
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &fd in files {
        let r = unsafe { libc::write(fd, buf[i..].as_ptr().cast(), buf.len() - i) };
        if r < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}
