//! Python-FastAPI: Python with FastAPI.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use bax_catalog::FrameworkSpec;

use crate::frameworks::python_flask::{PY_DIFF_EXTRAS, PY_DIFF_INTERPRETER, PY_DIFF_LAYOUT, PY_PROVISION};
use crate::recipe::{Recipe, Step};

/// The package manifest (`requirements.txt`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
annotated-types==0.7.0
anyio==4.7.0
certifi==2024.12.14
click==8.1.7
dnspython==2.7.0
email_validator==2.2.0
fastapi==0.115.6
fastapi-cli==0.0.7
h11==0.14.0
httpcore==1.0.7
httptools==0.6.4
httpx==0.28.1
idna==3.10
Jinja2==3.1.4
python-jose==3.3.0
markdown-it-py==3.0.0
MarkupSafe==3.0.2
mdurl==0.1.2
pydantic==2.10.3
pydantic_core==2.27.1
Pygments==2.18.0
python-dotenv==1.0.1
python-multipart==0.0.20
PyYAML==6.0.2
rich==13.9.4
rich-toolkit==0.12.0
shellingham==1.5.4
sniffio==1.3.1
starlette[full]==0.41.3
typer==0.15.1
typing_extensions==4.12.2
uvicorn==0.34.0
uvloop==0.21.0
watchfiles==1.0.3
websockets==14.1
passlib==1.7.4
pyjwt==2.10.0
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "Python-FastAPI".to_string(),
        language: "Python".to_string(),
        framework: "FastAPI".to_string(),
        extension: "py".to_string(),
        is_multi_file: false,
        code_filename: Some("app.py".to_string()),
        entrypoint_cmd: "python3 app.py".to_string(),
        allowed_packages: MANIFEST.to_string(),
        env_instructions: r#"Keep the entire application in this one file and create no other files.
Return complete responses: streaming responses are not supported."#.to_string(),
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
    "Dependencies the manifest leaves unpinned (itsdangerous via starlette[full]; ecdsa, rsa, pyasn1, six via python-jose) resolve to PyPI's newest at provisioning time, as upstream's image build did at its own time; the versions used are in env.json.",
];

/// How bax provisions, builds and runs Python-FastAPI apps: a venv with the pinned manifest
/// (provision/python.sh), mounted at /env; the entrypoint runs as is.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: "python-fastapi",
        provision: PY_PROVISION,
        // The module provisioning imports to check the venv works.
        provision_files: &[("probe", "fastapi")],
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

