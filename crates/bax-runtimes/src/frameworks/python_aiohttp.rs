//! Python-aiohttp: Python with aiohttp.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use bax_catalog::FrameworkSpec;

use crate::frameworks::python_flask::{PY_DIFF_EXTRAS, PY_DIFF_INTERPRETER, PY_DIFF_LAYOUT, PY_PROVISION};
use crate::recipe::{Recipe, Step};

/// The package manifest (`requirements.txt`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
aiohappyeyeballs==2.4.4
aiohttp==3.11.10
aiosignal==1.3.2
attrs==24.3.0
frozenlist==1.5.0
idna==3.10
multidict==6.1.0
propcache==0.2.1
yarl==1.18.3
passlib==1.7.4
pyjwt==2.10.0
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "Python-aiohttp".to_string(),
        language: "Python".to_string(),
        framework: "aiohttp".to_string(),
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
    PY_DIFF_INTERPRETER,
    PY_DIFF_LAYOUT,
    PY_DIFF_EXTRAS,

];

/// How bax provisions, builds and runs Python-aiohttp apps: a venv with the pinned manifest
/// (provision/python.sh), mounted at /env; the entrypoint runs as is.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: "python-aiohttp",
        provision: PY_PROVISION,
        // The module provisioning imports to check the venv works.
        provision_files: &[("probe", "aiohttp")],
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

