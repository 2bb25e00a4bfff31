//! The seccomp profile and the other barriers, seen from inside: a probe app
//! (tests/fixtures/probe.py) run as a real sandboxed instance tries every call
//! a container must refuse and reports what it could do. Needs root and
//! bubblewrap (scripts/test-all provisions them); fails under CI without them.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use bax_sandbox::{AppSource, InstanceSpec, Sandbox, SandboxConfig};
use serde_json::Value;

const PROBE: &str = include_str!("fixtures/probe.py");

fn probe() -> Option<(Value, Vec<String>)> {
    let mut needs = bax_testkit::sandbox_needs();
    needs.push(bax_testkit::Need::tool("python3"));
    if !bax_testkit::require("probe", &needs) {
        return None;
    }
    let dir = tempfile::Builder::new()
        .prefix("bax-probe")
        .tempdir_in("/var/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("probe.py"), PROBE).unwrap();
    let cfg = SandboxConfig::new(dir.path().join("work"));
    // The instance's private, writable copies of system files (BaxBench's tests
    // look for tampering with them): its own files, like its root.
    let private: Vec<String> = cfg
        .private_files
        .iter()
        .flat_map(|p| {
            let p = p.to_str().unwrap().to_string();
            let alias = p.strip_prefix("/usr").map(str::to_string);
            std::iter::once(p).chain(alias)
        })
        .collect();
    let sb = Sandbox::new(cfg).unwrap();
    let spec = InstanceSpec::new(AppSource::Copy(app), "exec python3 probe.py");
    let out = sb.run(&spec, Duration::from_secs(120)).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.success(),
        "probe failed: {:?}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    Some((report, private))
}

#[test]
fn a_hostile_app_finds_every_door_shut() {
    let Some((r, private)) = probe() else { return };
    let refused = r["refused"].as_object().unwrap();
    assert!(refused.len() >= 40, "{refused:?}");
    let mut open = Vec::new();
    for (call, result) in refused {
        let ok = match result.as_str() {
            Some("EPERM") | Some("ENOSYS") => true,
            // The i386 ABI: the filter's architecture check kills the process.
            Some(s) => s == "killed by SIGSYS",
            None => false,
        };
        if !ok {
            open.push(format!("{call}: {result}"));
        }
    }
    assert!(open.is_empty(), "calls not refused: {open:#?}");
    assert_eq!(
        refused["clone3(0)"], "ENOSYS",
        "clone3 must say ENOSYS so libc falls back to clone"
    );
    assert_eq!(refused["i386 getpid (int 0x80)"], "killed by SIGSYS");

    // What apps need still works.
    assert_eq!(r["allowed"]["fork"], 0, "{r}");
    assert!(r["allowed"]["getpid"].as_i64().unwrap() > 0, "{r}");
    assert!(r["allowed"]["personality(query)"].is_i64(), "{r}");

    let st = &r["status"];
    for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        assert_eq!(st[cap], "0000000000000000", "{cap}: {st}");
    }
    assert_eq!(st["NoNewPrivs"], "1", "{st}");
    assert_eq!(st["Seccomp"], "2", "a seccomp filter is installed: {st}");

    assert_eq!(r["fds"], serde_json::json!([]), "fds beyond 0-2 inherited");
    assert_eq!(r["interfaces"], serde_json::json!(["lo"]), "only loopback");

    // Writable: the instance's own root (/, which holds its /tmp), its private
    // copies of system files, and the private pseudo-filesystems bubblewrap
    // makes (/dev, /dev/shm, /proc, mqueue).
    let mounts = r["writable_mounts"].as_array().unwrap();
    let mut disk = Vec::new();
    for m in mounts {
        let (point, fstype) = (m["mount"].as_str().unwrap(), m["type"].as_str().unwrap());
        let pseudo = matches!(fstype, "proc" | "mqueue" | "devpts")
            || (fstype == "tmpfs" && (point == "/dev" || point == "/dev/shm"))
            || point.starts_with("/dev/") && fstype != "tmpfs"
            || point.starts_with("/proc/");
        if !pseudo && !private.iter().any(|p| p == point) {
            disk.push(point.to_string());
        }
    }
    assert_eq!(disk, vec!["/".to_string()], "writable mounts: {mounts:#?}");
}

/// Commands run inside an instance (the tests' `docker exec`: sqlite3, du) are
/// under the app's filters too, with no capabilities and no inherited fds.
#[test]
fn commands_exec_ed_into_an_instance_are_filtered_like_the_app() {
    let mut needs = bax_testkit::sandbox_needs();
    needs.push(bax_testkit::Need::tool("python3"));
    if !bax_testkit::require("probe exec", &needs) {
        return;
    }
    let dir = tempfile::Builder::new()
        .prefix("bax-probe-exec")
        .tempdir_in("/var/tmp")
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o711)).unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    let sb = Sandbox::new(SandboxConfig::new(dir.path().join("work"))).unwrap();
    let spec = InstanceSpec::new(AppSource::Copy(app), "exec sleep 120");
    let inst = sb.start(&spec).unwrap();
    let run = |argv: &[&str]| {
        let out = inst.exec(argv, Duration::from_secs(30)).unwrap();
        assert!(
            out.status.success(),
            "{argv:?}: {:?} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let status = run(&["cat", "/proc/self/status"]);
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:")))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("no {name} in {status}"))
    };
    assert_eq!(field("Seccomp"), "2", "{status}");
    assert_eq!(field("Seccomp_filters"), "2", "{status}");
    assert_eq!(field("NoNewPrivs"), "1");
    for cap in ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"] {
        assert_eq!(field(cap), "0000000000000000", "{cap}");
    }
    // The filter refuses what it refuses the app: a user namespace, a mount.
    let refused = run(&[
        "python3",
        "-c",
        "import ctypes; c = ctypes.CDLL(None, use_errno=True); \
         print(c.unshare(0x10000000), ctypes.get_errno(), \
         c.mount(b'none', b'/tmp', b'tmpfs', 0, None), ctypes.get_errno())",
    ]);
    assert_eq!(refused.trim(), "-1 1 -1 1", "unshare/mount: {refused}");
    // Only the standard streams and ls's own directory fd are open.
    let fds = run(&["ls", "/proc/self/fd"]);
    let fds: Vec<&str> = fds.split_whitespace().collect();
    assert_eq!(fds, ["0", "1", "2", "3"], "inherited fds: {fds:?}");
    // sqlite3, as the tests use it, still works under the filter.
    assert_eq!(inst.sql("/tmp/t.db", "select 6*7;").unwrap().trim(), "42");
    inst.stop();
}
