//! The one place that decides whether a test whose prerequisites are missing
//! is skipped or fails.
//!
//! Tests that need the machine (root, bubblewrap, provisioned runtimes, a tool
//! such as `unzip` or `ffmpeg`, the upstream data in `../shared`) call
//! [`require`] first. When everything is there it returns `true`. When
//! something is missing:
//!
//! * under CI (`CI` set to anything but `0`/`false`) or with
//!   `BAX_REQUIRE_ALL=1`, it **panics**, naming what is missing, so a test can
//!   never pass by not running;
//! * elsewhere it returns `false` after printing `SKIPPED: <test>: needs ...`
//!   and appending the same line to the file named by `BAX_SKIP_LOG` (if set),
//!   which is how `scripts/test-all` counts skips (cargo hides a passing test's
//!   output).
//!
//! ```
//! use bax_testkit::{require, Need};
//! if !require("doc_example", &[Need::tool("sh")]) {
//!     return;
//! }
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One prerequisite of a test.
#[derive(Debug, Clone)]
pub enum Need {
    /// The test runs as root (sandboxes create cgroups and drop to a user).
    Root,
    /// A program on PATH that runs with `--version` (or at all).
    Tool(String),
    /// A file or folder that must exist, with what it is.
    Path(PathBuf, String),
    /// Any other check, already made by the caller: what it is, and whether it holds.
    Check(String, bool),
}

impl Need {
    /// A program on PATH, e.g. `Need::tool("bwrap")`.
    pub fn tool(name: &str) -> Need {
        Need::Tool(name.to_string())
    }

    /// A path that must exist, e.g. the upstream data.
    pub fn path(p: impl AsRef<Path>, what: &str) -> Need {
        Need::Path(p.as_ref().to_path_buf(), what.to_string())
    }

    /// A check the caller made.
    pub fn check(what: &str, ok: bool) -> Need {
        Need::Check(what.to_string(), ok)
    }

    /// `None` when met, else what is missing.
    pub fn missing(&self) -> Option<String> {
        match self {
            // SAFETY: geteuid cannot fail and touches no memory.
            Need::Root => (unsafe { libc::geteuid() } != 0).then(|| "root".to_string()),
            Need::Tool(t) => (!tool_exists(t)).then(|| format!("the `{t}` program")),
            Need::Path(p, what) => (!p.exists()).then(|| format!("{what} at {}", p.display())),
            Need::Check(what, ok) => (!ok).then(|| what.clone()),
        }
    }
}

/// Whether `name` is an executable on PATH (or a path to one).
pub fn tool_exists(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let is_exe = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if name.contains('/') {
        return is_exe(Path::new(name));
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|d| is_exe(&d.join(name))))
        .unwrap_or(false)
}

/// Whether missing prerequisites must fail tests: under CI, or with
/// `BAX_REQUIRE_ALL=1`.
pub fn strict() -> bool {
    let on = |v: &str| std::env::var(v).is_ok_and(|s| !s.is_empty() && s != "0" && s != "false");
    on("CI") || on("BAX_REQUIRE_ALL")
}

/// `true` when every need is met. Otherwise panics in [`strict`] mode, or
/// records a skip of `test` and returns `false`.
pub fn require(test: &str, needs: &[Need]) -> bool {
    let missing: Vec<String> = needs.iter().filter_map(Need::missing).collect();
    if missing.is_empty() {
        return true;
    }
    let line = format!("SKIPPED: {test}: needs {}", missing.join(", "));
    if strict() {
        panic!(
            "{line} (a missing prerequisite fails under CI and with BAX_REQUIRE_ALL=1; \
             scripts/test-all provisions everything)"
        );
    }
    eprintln!("{line}");
    record_skip(&line);
    false
}

/// Appends `line` to `$BAX_SKIP_LOG`, when set (best effort: a skip is never
/// lost silently, it is also printed).
fn record_skip(line: &str) {
    let Some(path) = std::env::var_os("BAX_SKIP_LOG") else {
        return;
    };
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        // One write per line, so concurrent test processes do not interleave.
        let _ = f.write_all(format!("{line}\n").as_bytes());
    }
}

/// The prerequisites of tests that start real sandboxes: root and bubblewrap.
pub fn sandbox_needs() -> Vec<Need> {
    let bwrap_runs = Command::new("bwrap")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    vec![Need::Root, Need::check("bubblewrap (bwrap)", bwrap_runs)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serialises the tests that change the process environment.
    static ENV: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn with_env<T>(vars: &[(&str, Option<&str>)], f: impl FnOnce() -> T) -> T {
        let _g = ENV.lock().unwrap_or_else(|e| e.into_inner());
        let old: Vec<_> = vars
            .iter()
            .map(|(k, _)| (*k, std::env::var_os(k)))
            .collect();
        for (k, v) in vars {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        for (k, v) in old {
            match v {
                Some(v) => std::env::set_var(k, v),
                None => std::env::remove_var(k),
            }
        }
        r.unwrap_or_else(|e| std::panic::resume_unwind(e))
    }

    #[test]
    fn met_needs_run_the_test() {
        assert!(require("t", &[Need::tool("sh"), Need::check("x", true)]));
        assert!(require("t", &[Need::path("/", "the root")]));
        assert!(require("t", &[]));
    }

    #[test]
    fn a_missing_need_skips_locally_and_is_recorded() {
        let dir = std::env::temp_dir().join(format!("bax-testkit-{}", std::process::id()));
        let log = dir.with_extension("log");
        let _ = std::fs::remove_file(&log);
        let ok = with_env(
            &[
                ("CI", None),
                ("BAX_REQUIRE_ALL", None),
                ("BAX_SKIP_LOG", Some(log.to_str().unwrap())),
            ],
            || {
                require(
                    "my_test",
                    &[Need::tool("no-such-tool-bax"), Need::check("a db", false)],
                )
            },
        );
        assert!(!ok);
        let text = std::fs::read_to_string(&log).unwrap();
        assert_eq!(
            text,
            "SKIPPED: my_test: needs the `no-such-tool-bax` program, a db\n"
        );
        let _ = std::fs::remove_file(&log);
    }

    #[test]
    fn a_missing_need_fails_under_ci_and_with_require_all() {
        for vars in [
            [("CI", Some("true")), ("BAX_REQUIRE_ALL", None)],
            [("CI", None), ("BAX_REQUIRE_ALL", Some("1"))],
        ] {
            let r = with_env(&vars, || {
                std::panic::catch_unwind(|| require("t", &[Need::check("the moon", false)]))
            });
            let msg = r.expect_err("must fail, not skip");
            let msg = msg.downcast_ref::<String>().cloned().unwrap_or_default();
            assert!(msg.contains("SKIPPED: t: needs the moon"), "{msg}");
        }
        // CI=false and CI=0 are not CI.
        for v in ["0", "false"] {
            let ok = with_env(
                &[
                    ("CI", Some(v)),
                    ("BAX_REQUIRE_ALL", None),
                    ("BAX_SKIP_LOG", None),
                ],
                || require("t", &[Need::check("x", false)]),
            );
            assert!(!ok);
        }
    }

    #[test]
    fn tools_are_found_on_path_only_when_executable() {
        assert!(tool_exists("sh"));
        assert!(tool_exists("/bin/sh"));
        assert!(!tool_exists("/etc/passwd"));
        assert!(!tool_exists("definitely-not-a-bax-tool"));
    }
}
