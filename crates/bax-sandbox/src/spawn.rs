//! Starting bubblewrap so that no sandbox can outlive bax.
//!
//! Each bwrap process gets `PR_SET_PDEATHSIG(SIGKILL)`: when bax dies, even by
//! SIGKILL, the kernel kills bwrap, and bwrap's `--die-with-parent` takes the
//! sandbox's PID namespace (every process in it) down too. The death signal fires
//! when the *thread* that forked the child exits, so all sandboxes are forked from
//! one thread that lives as long as the process.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

use crate::cgroup::join_in_child;

/// What the child does between fork and exec, in order.
#[derive(Debug, Clone, Default)]
pub struct ChildSetup {
    /// Open `cgroup.procs` fds to write our pid to (joins the instance's groups).
    pub cgroup_fds: Vec<i32>,
    /// (resource, limit) pairs for setrlimit.
    pub rlimits: Vec<(libc::__rlimit_resource_t, u64)>,
    /// Drop to this uid/gid (and no supplementary groups) before exec.
    pub user: Option<(u32, u32)>,
    /// (source fd, target fd): dup2'ed so the target survives exec.
    pub dups: Vec<(i32, i32)>,
}

type Request = (Command, ChildSetup, Sender<io::Result<Child>>);

fn spawner() -> &'static Mutex<Sender<Request>> {
    static SPAWNER: OnceLock<Mutex<Sender<Request>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (tx, rx) = channel::<Request>();
        std::thread::Builder::new()
            .name("bax-sandbox-spawner".into())
            .spawn(move || {
                for (cmd, setup, reply) in rx {
                    let _ = reply.send(spawn_here(cmd, setup));
                }
            })
            .expect("cannot start the sandbox spawner thread");
        Mutex::new(tx)
    })
}

/// Spawns `cmd` from the long-lived spawner thread with `setup` applied.
pub fn spawn(cmd: Command, setup: ChildSetup) -> io::Result<Child> {
    let (tx, rx) = channel();
    spawner()
        .lock()
        .unwrap()
        .send((cmd, setup, tx))
        .map_err(|_| io::Error::other("sandbox spawner thread is gone"))?;
    rx.recv()
        .map_err(|_| io::Error::other("sandbox spawner thread is gone"))?
}

fn spawn_here(mut cmd: Command, setup: ChildSetup) -> io::Result<Child> {
    let parent = std::process::id() as i32;
    // SAFETY: the closure only calls async-signal-safe functions (prctl, write,
    // close_range, setrlimit, setgroups, setgid, setuid, getppid, dup2) and
    // allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl.
            if libc::getppid() != parent {
                // ESRCH: the process it belongs to is gone. (No io::Error::other:
                // nothing may allocate between fork and exec.)
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            join_in_child(&setup.cgroup_fds)?;
            // Nothing bax itself inherited (a trainer's sockets, cargo's jobserver
            // pipe) reaches the sandbox: every fd above 2 closes on exec, except
            // the dup2 targets below (dup2 clears close-on-exec on its target).
            if libc::syscall(
                libc::SYS_close_range,
                3u32,
                u32::MAX,
                libc::CLOSE_RANGE_CLOEXEC,
            ) != 0
            {
                return Err(io::Error::last_os_error());
            }
            for &(src, dst) in &setup.dups {
                if libc::dup2(src, dst) < 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            for &(res, limit) in &setup.rlimits {
                let rl = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(res, &rl) != 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            if let Some((uid, gid)) = setup.user {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    cmd.spawn()
}
