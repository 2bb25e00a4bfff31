//! Shared by the integration tests that start real sandboxes.

use std::process::Command;

/// Whether real sandboxes can run here: root, bubblewrap and provisioned
/// runtimes. Under CI their absence is a failure; elsewhere the test is skipped.
pub fn ready() -> bool {
    // SAFETY: getuid cannot fail.
    let ok = unsafe { libc::getuid() } == 0
        && Command::new("bwrap").arg("--version").output().is_ok()
        && Command::new(env!("CARGO_BIN_EXE_bax"))
            .args(["env", "doctor"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("these tests need root, bubblewrap and `bax env setup`");
        }
        eprintln!("SKIPPED: needs root, bubblewrap and `bax env setup`");
    }
    ok
}
