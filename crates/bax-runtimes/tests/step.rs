//! Provisioning's sandboxed steps (`bax env sandbox-run`) run in bax's own
//! sandbox: the seccomp filter is on, only the folders handed over are
//! writable, and they go back to their owner afterwards.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::time::Duration;

use bax_runtimes::{run_step, BaxHome, ProvisionStep};

#[test]
fn a_step_writes_only_where_it_may_under_the_filter() {
    if !bax_testkit::require("provision step", &bax_testkit::sandbox_needs()) {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("bax-step")
        .tempdir_in("/var/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = BaxHome::new(dir.path().join("home"));
    let env = dir.path().join("env");
    let cache = env.join("cache");
    let app = dir.path().join("app");
    for d in [&cache, &app] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(env.join("fixed"), "x").unwrap();
    let step = |writable: bool, command: &str| ProvisionStep {
        app: app.clone(),
        env: env.clone(),
        env_writable: writable,
        writable: if writable {
            vec![cache.clone()]
        } else {
            vec![]
        },
        binds: vec![],
        setenv: vec![("STEP_VAR".into(), "on".into())],
        timeout: Duration::from_secs(60),
        command: command.into(),
    };

    // Warm-up: the cache is writable, the rest of /env is not; the filter is on.
    let o = run_step(
        &home,
        &step(
            true,
            "echo built > /env/cache/out && echo app > /app/result && ! touch /env/fixed 2>/dev/null \
             && grep Seccomp: /proc/self/status && echo \"var=$STEP_VAR\"",
        ),
    )
    .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.success,
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("Seccomp:\t2"), "{stdout}");
    assert!(stdout.contains("var=on"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(cache.join("out")).unwrap(),
        "built\n"
    );
    // Handed back: owned by whoever owned the folders before (root here).
    let me = unsafe { libc::geteuid() };
    for p in [
        cache.join("out"),
        cache.clone(),
        app.join("result"),
        app.clone(),
    ] {
        assert_eq!(std::fs::metadata(&p).unwrap().uid(), me, "{}", p.display());
    }

    // A check: /env read-only, even the cache.
    let o = run_step(&home, &step(false, "touch /env/cache/again")).unwrap();
    assert!(!o.success, "a read-only /env was written");
    assert!(!cache.join("again").exists());
}
