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
const KNOWN_DIFFERENCES: &[&str] = &[
    "Python 3.11.2 (Debian 12's /usr/bin/python3) instead of BaxBench's 3.12 (nikolaik/python-nodejs:python3.12-nodejs22-bullseye): no CPython 3.12 can be provisioned from Debian 12 or the reachable registries (PyPI has no interpreter builds; npm's portable-python downloads from GitHub). Code needing 3.12 (PEP 701 f-strings reusing the outer quote like f\"{d[\"k\"]}\", `type` aliases, PEP 695 generics, itertools.batched, sqlite3.connect(autocommit=...)) fails here but runs upstream.",
    "Packages live in a virtualenv at /env (read-only in the sandbox, created from /usr/bin/python3 with the exact pins), not in the system site-packages; `python3`/`python` resolve to /env/bin/python3 through PATH, so the entrypoint is unchanged.",
    "Upstream's base image also has pipenv (with certifi, packaging, setuptools, virtualenv, filelock, platformdirs, distlib), uv, poetry and Node 22 installed system-wide, so apps importing those non-manifest packages start upstream but not here; the venv holds only the manifest, its dependencies, pip 23.0.1 and setuptools 66.1.1.",
];

/// How bax provisions, builds and runs Python-Flask apps: a venv with the pinned manifest
/// (provision/python.sh), mounted at /env; the entrypoint runs as is.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: "python-flask",
        provision: include_str!("../../provision/python.sh"),
        // The module provisioning imports to check the venv works.
        provision_files: &[("probe", "flask")],
        skeleton: None,
        binds: &[],
        env: &[],
        build: BUILD,
        pre_start: None,
        run: None,
        known_differences: KNOWN_DIFFERENCES,
    }
}

