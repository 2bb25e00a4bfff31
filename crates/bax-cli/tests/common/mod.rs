//! Shared by the integration tests that start real sandboxes.

use std::process::Command;

/// Whether real sandboxes can run here: root, bubblewrap and provisioned
/// runtimes. Under CI their absence is a failure; elsewhere the test is skipped.
pub fn ready() -> bool {
    let mut needs = bax_testkit::sandbox_needs();
    let provisioned = Command::new(env!("CARGO_BIN_EXE_bax"))
        .args(["env", "doctor"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    needs.push(bax_testkit::Need::check(
        "provisioned runtimes (`bax env setup`)",
        provisioned,
    ));
    let name = std::thread::current()
        .name()
        .unwrap_or("sandbox test")
        .to_string();
    bax_testkit::require(&name, &needs)
}
