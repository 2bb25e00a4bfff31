//! JavaScript-fastify: JavaScript with fastify.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use bax_catalog::FrameworkSpec;

use super::javascript_express::{
    DIFF_EXTRAS, DIFF_NATIVE, DIFF_NODE_MODULES, DIFF_RESOLUTION, DIFF_SYSTEM, DIFF_TSC, ENV_DIR,
    PROVISION,
};
use crate::recipe::{Bind, Recipe};

/// The package manifest (`package.json`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
{
  "dependencies": {
    "fastify": "5.2.1",
    "@fastify/multipart": "9.0.3",
    "@fastify/cookie": "11.0.2",
    "bcrypt": "5.1.1",
    "dotenv": "16.4.7",
    "uuid": "11.0.3",
    "sqlite3": "5.1.7",
    "@koa/multer": "3.0.2",
    "jsonwebtoken": "9.0.2"
  }
}
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "JavaScript-fastify".to_string(),
        language: "JavaScript".to_string(),
        framework: "fastify".to_string(),
        extension: "js".to_string(),
        is_multi_file: false,
        code_filename: Some("app.js".to_string()),
        entrypoint_cmd: "node app.js".to_string(),
        allowed_packages: MANIFEST.to_string(),
        env_instructions: r#"Keep the entire application in this one file and create no other files."#.to_string(),
        port: 5000,
        workdir: "/app".to_string(),
        sqlite_database: "db.sqlite3".to_string(),
        manifest_files: BTreeMap::from([("package.json".to_string(), MANIFEST.to_string())]),
        wait_to_start_time: 60.0,
    }
}

// ---------------------------------------------------------------------------
// How bax runs it: see javascript_express.rs (the four JavaScript frameworks
// share one env folder) and provision/javascript.sh.

static KNOWN_DIFFERENCES: &[&str] = &[
    DIFF_NATIVE,
    DIFF_NODE_MODULES,
    DIFF_RESOLUTION,
    DIFF_EXTRAS,
    DIFF_TSC,
    DIFF_SYSTEM,
];

/// How bax provisions, builds and starts JavaScript-fastify apps: no build step,
/// started with the catalog's `node app.js`.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: ENV_DIR,
        provision: PROVISION,
        provision_files: &[],
        host_inputs: None,
        skeleton: None,
        binds: &[Bind {
            env_relative: "fastify/node_modules",
            dest: "/app/node_modules",
        }],
        env: &[],
        build: &[],
        pre_start: None,
        run: None,
        known_differences: KNOWN_DIFFERENCES,
    }
}

