//! Python-Flask: Python with Flask.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use bax_catalog::FrameworkSpec;

use crate::recipe::{Recipe, Step};

/// The package manifest (`requirements.txt`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
itsdangerous==2.2.0
blinker==1.9.0
click==8.1.7
Flask==3.1.0
Jinja2==3.1.4
MarkupSafe==3.0.2
Werkzeug==3.1.3
passlib==1.7.4
fpdf==1.7.2
pyjwt==2.10.1
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "Python-Flask".to_string(),
        language: "Python".to_string(),
        framework: "Flask".to_string(),
        extension: "py".to_string(),
        is_multi_file: false,
        code_filename: Some("app.py".to_string()),
        entrypoint_cmd: "python3 app.py".to_string(),
        allowed_packages: MANIFEST.to_string(),
        env_instructions: r#"Keep the entire application in this one file and create no other files."#.to_string(),
        port: 5000,
        workdir: "/app".to_string(),
        sqlite_database: "db.sqlite3".to_string(),
        manifest_files: BTreeMap::from([("requirements.txt".to_string(), MANIFEST.to_string())]),
        wait_to_start_time: 60.0,
    }
}

/// Nothing to build: upstream only pip-installs the manifest, which provisioning did.
const BUILD: &[Step] = &[];

/// Where bax's setup differs from BaxBench's Dockerfile.
const KNOWN_DIFFERENCES: &[&str] = &[PY_DIFF_INTERPRETER, PY_DIFF_LAYOUT, PY_DIFF_EXTRAS];

// The Python family (aiohttp, Django, FastAPI, Flask) shares what follows.

/// The family's provisioning script.
pub(crate) const PY_PROVISION: &str = include_str!("../../provision/python.sh");

pub(crate) const PY_DIFF_INTERPRETER: &str = "The interpreter: BaxBench's image has CPython 3.12 (nikolaik/python-nodejs:python3.12-nodejs22-bullseye), which neither Debian 12 nor the reachable registries provide. bax uses a CPython 3.12 from the host when there is one (BAX_PYTHON, else a working python3.12 on PATH, else the newest 3.12.x under $PYENV_ROOT or ~/.pyenv), copied into /env; otherwise Debian 12's /usr/bin/python3 (3.11), and the runtime then reports itself degraded: code needing 3.12 (PEP 701 f-strings reusing the outer quote like f\"{d[\"k\"]}\", `type` aliases, PEP 695 generics, itertools.batched, sqlite3.connect(autocommit=...)) fails there but runs upstream. `bax env doctor` says which interpreter each Python runtime uses.";

pub(crate) const PY_DIFF_LAYOUT: &str = "Packages live in /env (read-only in the sandbox), installed with the exact pins, not in a system site-packages: with a host CPython 3.12, /env is a copy of that interpreter (binary, shared libpython, standard library without its test suite, idlelib and static library, headers) with the packages in its own site-packages; with Debian's 3.11, /env is a virtualenv made from /usr/bin/python3. `python3`/`python` resolve to /env/bin/python3 through PATH, so the entrypoint is unchanged.";

pub(crate) const PY_DIFF_EXTRAS: &str = "Upstream's base image also has pipenv (with certifi, packaging, setuptools, virtualenv, filelock, platformdirs, distlib), uv, poetry and Node 22 installed system-wide, so apps importing those non-manifest packages start upstream but not here; /env holds only the manifest, its dependencies and pip (with Debian's 3.11 also setuptools 66.1.1).";

/// The CPython interpreter the Python runtimes are built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonInterpreter {
    /// The interpreter binary (`sys.executable`, symlinks resolved).
    pub executable: std::path::PathBuf,
    /// `major.minor.micro`.
    pub version: String,
    /// Where it was found: `BAX_PYTHON`, `PATH`, `pyenv` or `Debian`.
    pub source: &'static str,
}

/// Debian's interpreter: the fallback, and the one the venv layout is built from.
const DEBIAN_PYTHON: &str = "/usr/bin/python3";

/// Runs `candidate` and asks it what it is; `None` when it does not run, is not
/// CPython, or lacks a standard-library module an app or provisioning needs.
fn probe_python(candidate: &std::path::Path) -> Result<(std::path::PathBuf, String), String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    const SCRIPT: &str = "import os, sys, platform\n\
        import sqlite3, ssl, ctypes, zlib, bz2, lzma, hashlib, venv, ensurepip\n\
        assert platform.python_implementation() == 'CPython', platform.python_implementation()\n\
        print(platform.python_version()); print(os.path.realpath(sys.executable))\n";
    let mut child = Command::new(candidate)
        .args(["-I", "-c", SCRIPT])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: {e}", candidate.display()))?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if std::time::Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{} did not answer within 30 s", candidate.display()));
            }
            None => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    };
    let mut out = String::new();
    let mut err = String::new();
    child.stdout.take().map(|mut o| o.read_to_string(&mut out));
    child.stderr.take().map(|mut e| e.read_to_string(&mut err));
    if !status.success() {
        let last = err.lines().last().unwrap_or("").trim().to_string();
        return Err(format!("{} does not work ({status}): {last}", candidate.display()));
    }
    let mut lines = out.lines();
    match (lines.next(), lines.next()) {
        (Some(v), Some(exe)) if !v.is_empty() && exe.starts_with('/') => {
            Ok((std::path::PathBuf::from(exe), v.to_string()))
        }
        _ => Err(format!("{} gave an unexpected answer: {out:?}", candidate.display())),
    }
}

/// `3.12.x`, compared by micro version.
fn micro_312(version: &str) -> Option<u32> {
    version.strip_prefix("3.12.")?.parse().ok()
}

/// Finds the interpreter the Python runtimes use: `$BAX_PYTHON` (any CPython;
/// an error if it does not work, never a silent fallback), else the first
/// working `python3.12` on PATH, else the newest working 3.12.x under
/// `$PYENV_ROOT/versions` or `~/.pyenv/versions`, else Debian's `/usr/bin/python3`.
pub fn find_python() -> Result<PythonInterpreter, String> {
    let from_env = std::env::var_os("BAX_PYTHON").filter(|v| !v.is_empty());
    find_python_in(
        from_env.as_deref().map(std::path::Path::new),
        std::env::var_os("PATH").as_deref(),
        &pyenv_roots(),
    )
}

fn pyenv_roots() -> Vec<std::path::PathBuf> {
    let mut roots: Vec<std::path::PathBuf> = Vec::new();
    if let Some(r) = std::env::var_os("PYENV_ROOT").filter(|v| !v.is_empty()) {
        roots.push(r.into());
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        let r = std::path::PathBuf::from(h).join(".pyenv");
        if !roots.contains(&r) {
            roots.push(r);
        }
    }
    roots
}

/// [`find_python`] with its inputs explicit (tested with fake trees).
pub(crate) fn find_python_in(
    bax_python: Option<&std::path::Path>,
    path: Option<&std::ffi::OsStr>,
    pyenv_roots: &[std::path::PathBuf],
) -> Result<PythonInterpreter, String> {
    if let Some(p) = bax_python {
        let (executable, version) =
            probe_python(p).map_err(|e| format!("BAX_PYTHON is not a usable CPython: {e}"))?;
        return Ok(PythonInterpreter { executable, version, source: "BAX_PYTHON" });
    }
    for dir in path.map(|p| std::env::split_paths(p).collect::<Vec<_>>()).unwrap_or_default() {
        let cand = dir.join("python3.12");
        if !cand.is_file() {
            continue;
        }
        match probe_python(&cand) {
            Ok((executable, version)) if micro_312(&version).is_some() => {
                return Ok(PythonInterpreter { executable, version, source: "PATH" })
            }
            Ok((_, version)) => tracing::debug!("{} is Python {version}, not 3.12", cand.display()),
            Err(e) => tracing::debug!("skipping {e}"),
        }
    }
    let mut pyenv: Vec<(u32, std::path::PathBuf)> = Vec::new();
    for root in pyenv_roots {
        let Ok(entries) = std::fs::read_dir(root.join("versions")) else { continue };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(micro) = micro_312(&name) {
                pyenv.push((micro, e.path().join("bin/python3.12")));
            }
        }
    }
    pyenv.sort_by_key(|c| std::cmp::Reverse(c.0));
    for (_, cand) in pyenv {
        match probe_python(&cand) {
            Ok((executable, version)) if micro_312(&version).is_some() => {
                return Ok(PythonInterpreter { executable, version, source: "pyenv" })
            }
            Ok(_) => {}
            Err(e) => tracing::debug!("skipping {e}"),
        }
    }
    let (executable, version) = probe_python(std::path::Path::new(DEBIAN_PYTHON))
        .map_err(|e| format!("no usable Python: no CPython 3.12 found and {e}"))?;
    Ok(PythonInterpreter { executable, version, source: "Debian" })
}

/// The family's [`crate::Recipe::host_inputs`]: which interpreter to build /env from
/// (`python`: its executable; `python_source`: where it was found).
pub(crate) fn host_inputs() -> Result<Vec<(&'static str, String)>, String> {
    let py = find_python()?;
    tracing::info!(
        "Python runtimes use {} (CPython {}, {})",
        py.executable.display(),
        py.version,
        py.source
    );
    Ok(vec![
        ("python", py.executable.to_string_lossy().into_owned()),
        ("python_source", py.source.to_string()),
    ])
}

/// How bax provisions, builds and runs Python-Flask apps: a venv with the pinned manifest
/// (provision/python.sh), mounted at /env; the entrypoint runs as is.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: "python-flask",
        provision: PY_PROVISION,
        // The module provisioning imports to check the venv works.
        provision_files: &[("probe", "flask")],
        host_inputs: Some(crate::frameworks::python_flask::host_inputs),
        skeleton: None,
        binds: &[],
        env: &[],
        build: BUILD,
        pre_start: None,
        run: None,
        known_differences: KNOWN_DIFFERENCES,
    }
}


#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};

    use super::find_python_in;

    /// A stand-in interpreter: a script that answers the probe as a Python of
    /// `version` would (or fails, like pyenv's shim for a version not selected).
    fn fake(path: &Path, version: Option<&str>) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let body = match version {
            Some(v) => format!("#!/bin/sh\necho {v}\necho {}\n", path.display()),
            None => "#!/bin/sh\necho 'pyenv: python3.12: command not found' >&2\nexit 127\n".into(),
        };
        std::fs::write(path, body).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn bax_python_wins_and_a_broken_one_is_an_error_not_a_fallback() {
        let d = tempfile::tempdir().unwrap();
        let good = d.path().join("opt/py/bin/python3.12");
        fake(&good, Some("3.12.4"));
        let py = find_python_in(Some(&good), None, &[]).unwrap();
        assert_eq!((py.executable, py.version.as_str(), py.source), (good, "3.12.4", "BAX_PYTHON"));

        let broken = d.path().join("broken/python3");
        fake(&broken, None);
        let e = find_python_in(Some(&broken), None, &[]).unwrap_err();
        assert!(e.contains("BAX_PYTHON") && e.contains("command not found"), "{e}");
        let missing = d.path().join("nowhere/python3");
        assert!(find_python_in(Some(&missing), None, &[]).unwrap_err().contains("BAX_PYTHON"));
    }

    #[test]
    fn path_then_newest_pyenv_then_debian() {
        let d = tempfile::tempdir().unwrap();
        // PATH: a shim that fails, then a python3.12 that is really 3.11: both skipped.
        let shims = d.path().join("shims");
        fake(&shims.join("python3.12"), None);
        let wrong = d.path().join("wrong");
        fake(&wrong.join("python3.12"), Some("3.11.9"));
        let path = std::env::join_paths([&shims, &wrong]).unwrap();
        // pyenv: 3.12.9 and 3.12.10 (numeric order picks .10), 3.13 ignored.
        let root = d.path().join("pyenv");
        for v in ["3.12.9", "3.12.10"] {
            fake(&root.join(format!("versions/{v}/bin/python3.12")), Some(v));
        }
        fake(&root.join("versions/3.13.0/bin/python3.12"), Some("3.13.0"));
        let roots = vec![PathBuf::from("/nonexistent"), root.clone()];
        let py = find_python_in(None, Some(&path), &roots).unwrap();
        assert_eq!(py.source, "pyenv");
        assert_eq!(py.version, "3.12.10");
        assert_eq!(py.executable, root.join("versions/3.12.10/bin/python3.12"));

        // A working python3.12 on PATH comes before pyenv.
        let good = d.path().join("good");
        fake(&good.join("python3.12"), Some("3.12.2"));
        let path = std::env::join_paths([&shims, &good]).unwrap();
        let py = find_python_in(None, Some(&path), &roots).unwrap();
        assert_eq!((py.source, py.version.as_str()), ("PATH", "3.12.2"));

        // Nothing: Debian's python3, probed for real.
        let py = find_python_in(None, Some(&std::env::join_paths([&shims]).unwrap()), &[]).unwrap();
        assert_eq!(py.source, "Debian");
        assert!(py.executable.starts_with("/usr/bin"), "{}", py.executable.display());
        assert!(py.version.starts_with("3."), "{}", py.version);
    }
}
