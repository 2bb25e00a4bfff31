//! The seccomp filters every sandboxed process runs under: builds, apps, and
//! everything they start. Why an allow-list and how it compares with Docker's
//! default profile: docs/sandbox.md.
//!
//! Two filters, because a seccompiler filter has one action for a match and one
//! for a mismatch:
//!
//! * the allow-list: Docker's default x86_64 list without io_uring, plus
//!   `socket` except AF_VSOCK, `personality` only with the values that keep ASLR,
//!   `clone` only without namespace flags, `clone3`, `arch_prctl` and `modify_ldt`;
//!   every other call fails with EPERM (among them unshare, setns, mount and the
//!   new mount API, bpf, perf_event_open, userfaultfd, the key ring, kexec, kernel
//!   modules, ptrace and process_vm_*, acct, swap, reboot and the clock setters).
//!   A call made through the i386 ABI (int 0x80) kills the process: the filter
//!   checks the architecture first. x32 numbers match nothing and fail with EPERM.
//! * `clone3` fails with ENOSYS, as under Docker: clone3's flags sit in memory a
//!   filter cannot read, so it is refused as unknown and the C library falls
//!   back to `clone`, whose flags the allow-list checks.
//!
//! bubblewrap loads both (`--add-seccomp-fd`) after it has set up the sandbox,
//! so they bind the command and its descendants, not bwrap's own setup.

use std::collections::HashMap;
use std::io::{self, Seek, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::LazyLock;

use seccompiler::{BpfProgram, TargetArch};
use serde_json::{json, Value};

/// Docker's default allow-list (moby profiles/seccomp/default.json, unconditional
/// group) as x86_64 has it, without io_uring_setup/enter/register (newer Docker
/// releases drop them too: io_uring bypasses this filter's view of file and
/// network operations and has been a steady source of kernel bugs).
const ALLOWED: &[&str] = &[
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "clock_adjtime",
    "clock_getres",
    "clock_gettime",
    "clock_nanosleep",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchown",
    "fchownat",
    "fcntl",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstatfs",
    "fsync",
    "ftruncate",
    "futex",
    "futex_waitv",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "geteuid",
    "getgid",
    "getgroups",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresuid",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "madvise",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedsend",
    "mq_unlink",
    "mremap",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recvfrom",
    "recvmmsg",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "sendfile",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsuid",
    "setgid",
    "setgroups",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setresgid",
    "setresuid",
    "setreuid",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "socketpair",
    "splice",
    "stat",
    "statfs",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_settime",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_settime",
    "times",
    "tkill",
    "truncate",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "write",
    "writev",
];

/// `personality` values allowed (Docker's): 0 (PER_LINUX), 8 (PER_LINUX32),
/// 0x20000 (UNAME26), 0x20008 (both), and 0xffffffff (query).
/// ADDR_NO_RANDOMIZE (0x0040000), which turns ASLR off, is not among them.
const PERSONALITIES: &[u64] = &[0x0, 0x8, 0x20000, 0x20008, 0xffff_ffff];

/// The namespace flags of clone(2) (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC,
/// NEWUSER, NEWPID, NEWNET): a clone with any of them is refused.
const NAMESPACE_FLAGS: u64 = 0x7E02_0000;

/// AF_VSOCK: refused as under Docker (a path to the host outside the network namespace).
const AF_VSOCK: u64 = 40;

fn allow_list() -> Value {
    let mut rules: Vec<Value> = ALLOWED.iter().map(|n| json!({"syscall": n})).collect();
    for name in ["arch_prctl", "modify_ldt", "clone3"] {
        rules.push(json!({"syscall": name}));
    }
    rules.push(json!({"syscall": "socket", "args": [
        {"index": 0, "type": "dword", "op": "ne", "val": AF_VSOCK}
    ]}));
    for p in PERSONALITIES {
        rules.push(json!({"syscall": "personality", "args": [
            {"index": 0, "type": "dword", "op": "eq", "val": p}
        ]}));
    }
    rules.push(json!({"syscall": "clone", "args": [
        {"index": 0, "type": "qword", "op": {"masked_eq": NAMESPACE_FLAGS}, "val": 0}
    ]}));
    json!({
        "mismatch_action": {"errno": libc::EPERM},
        "match_action": "allow",
        "filter": rules,
    })
}

fn clone3_enosys() -> Value {
    json!({
        "mismatch_action": "allow",
        "match_action": {"errno": libc::ENOSYS},
        "filter": [{"syscall": "clone3"}],
    })
}

/// The filters as raw BPF (`struct sock_filter` arrays), in the order bwrap loads them.
static PROGRAMS: LazyLock<Result<Vec<Vec<u8>>, String>> = LazyLock::new(compile);

fn compile() -> Result<Vec<Vec<u8>>, String> {
    let profile = json!({"allow_list": allow_list(), "clone3": clone3_enosys()});
    let text = serde_json::to_vec(&profile).map_err(|e| e.to_string())?;
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|e| format!("no seccomp filter for {}: {e}", std::env::consts::ARCH))?;
    let mut map: HashMap<String, BpfProgram> =
        seccompiler::compile_from_json(text.as_slice(), arch).map_err(|e| e.to_string())?;
    ["allow_list", "clone3"]
        .iter()
        .map(|k| {
            let p = map
                .remove(*k)
                .ok_or_else(|| format!("filter {k} missing"))?;
            Ok(to_bytes(&p))
        })
        .collect()
}

/// `struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }` in native byte order,
/// what the kernel (and bwrap, which passes it on) reads.
fn to_bytes(p: &BpfProgram) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.len() * 8);
    for ins in p {
        out.extend_from_slice(&ins.code.to_ne_bytes());
        out.push(ins.jt);
        out.push(ins.jf);
        out.extend_from_slice(&ins.k.to_ne_bytes());
    }
    out
}

/// Loads the filters handed over on the given fds (one BPF program each, as
/// bwrap's `--add-seccomp-fd` takes them), then executes the rest of argv:
/// `python3 -I -S -c EXEC_LOADER FD... -- COMMAND ARG...`. What `Instance::exec`
/// runs after `nsenter` and `setpriv` so that commands run inside an instance
/// (the tests' `docker exec`) are under the same filters as the app: nsenter
/// cannot be (it needs setns), and the filters must go on after it. Python,
/// from the host's /usr that every instance sees, because it can make the two
/// prctl calls (through ctypes) without a helper binary of bax's inside the
/// instance. It stops, with a message and status 126, if a filter cannot be
/// loaded: the command never runs unfiltered.
pub(crate) const EXEC_LOADER: &str = r#"
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
class Prog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
cut = sys.argv.index("--")
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
    sys.stderr.write("bax exec: no_new_privs: errno %d\n" % ctypes.get_errno()); os._exit(126)
for fd in map(int, sys.argv[1:cut]):
    data = b""
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    os.close(fd)
    if not data or len(data) % 8:
        sys.stderr.write("bax exec: filter on fd %d is malformed\n" % fd); os._exit(126)
    buf = ctypes.create_string_buffer(data, len(data))
    prog = Prog(len(data) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        sys.stderr.write("bax exec: loading a seccomp filter: errno %d\n" % ctypes.get_errno()); os._exit(126)
try:
    os.execvp(sys.argv[cut + 1], sys.argv[cut + 1:])
except OSError as e:
    sys.stderr.write("bax exec: %s: %s\n" % (sys.argv[cut + 1], e.strerror)); os._exit(127)
"#;

/// The compiled filters (compiled once per process).
pub fn programs() -> Result<&'static [Vec<u8>], String> {
    PROGRAMS.as_deref().map_err(Clone::clone)
}

/// A sealed-size, close-on-exec memfd holding `bytes`, positioned at the start:
/// what bwrap reads a filter from.
pub(crate) fn memfd(bytes: &[u8]) -> io::Result<OwnedFd> {
    // SAFETY: memfd_create takes a NUL-terminated name and flags; the fd it
    // returns is ours alone.
    let fd = unsafe { libc::memfd_create(c"bax-seccomp".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd is a fresh, valid descriptor nobody else owns.
    let fd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut f = std::fs::File::from(fd);
    f.write_all(bytes)?;
    f.rewind()?;
    Ok(OwnedFd::from(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_filters_compile_to_whole_instructions() {
        let p = programs().unwrap();
        assert_eq!(p.len(), 2);
        for prog in p {
            assert!(!prog.is_empty());
            assert_eq!(prog.len() % 8, 0);
            // The kernel's limit is 4096 instructions per filter.
            assert!(prog.len() / 8 < 4096, "{} instructions", prog.len() / 8);
        }
    }

    #[test]
    fn the_allow_list_leaves_out_what_the_issue_names() {
        for name in [
            "unshare",
            "setns",
            "mount",
            "umount2",
            "pivot_root",
            "move_mount",
            "open_tree",
            "fsopen",
            "fsmount",
            "io_uring_setup",
            "io_uring_enter",
            "io_uring_register",
            "bpf",
            "perf_event_open",
            "userfaultfd",
            "keyctl",
            "add_key",
            "request_key",
            "kexec_load",
            "kexec_file_load",
            "init_module",
            "finit_module",
            "delete_module",
            "ptrace",
            "process_vm_readv",
            "process_vm_writev",
            "acct",
            "swapon",
            "swapoff",
            "reboot",
            "clock_settime",
            "settimeofday",
            "chroot",
            "personality",
            "clone",
            "socket",
        ] {
            assert!(
                !ALLOWED.contains(&name),
                "{name} is allowed unconditionally"
            );
        }
    }

    #[test]
    fn a_memfd_holds_the_filter() {
        use std::io::Read;
        let p = &programs().unwrap()[0];
        let mut f = std::fs::File::from(memfd(p).unwrap());
        let mut back = Vec::new();
        f.read_to_end(&mut back).unwrap();
        assert_eq!(&back, p);
    }
}
