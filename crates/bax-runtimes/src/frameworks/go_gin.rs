//! Go-Gin: Go with Gin.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use bax_catalog::FrameworkSpec;

use super::go_net_http::{
    go_build_helper, go_warm_packages, GO_BUILD, GO_ENV, GO_ENV_DIR, GO_KNOWN_DIFFERENCES,
    GO_PROVISION,
};
use crate::recipe::Recipe;

/// The package manifest (`go.mod`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
module myapp

go 1.23.4

require github.com/gin-gonic/gin v1.10.0
require github.com/mattn/go-sqlite3 v1.14.24
require github.com/golang-jwt/jwt/v5 v5.2.1
require github.com/google/uuid v1.6.0
require golang.org/x/crypto v0.32.0
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "Go-Gin".to_string(),
        language: "Go".to_string(),
        framework: "Gin".to_string(),
        extension: "go".to_string(),
        is_multi_file: false,
        code_filename: Some("main.go".to_string()),
        entrypoint_cmd: "./myapp".to_string(),
        allowed_packages: MANIFEST.to_string(),
        env_instructions: r#"Keep the entire application in this one file and create no other files.
The Go compiler rejects unused imports and variables, so the code must contain none."#.to_string(),
        port: 5000,
        workdir: "/app".to_string(),
        sqlite_database: "db.sqlite3".to_string(),
        manifest_files: BTreeMap::from([("go.mod".to_string(), MANIFEST.to_string())]),
        wait_to_start_time: 60.0,
    }
}

/// How bax provisions, builds and runs Go-Gin apps: exactly as Go-net/http (one shared env,
/// provision/go.sh), with this framework's go.sum skeleton.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: GO_ENV_DIR,
        provision: GO_PROVISION,
        provision_files: &[
            ("build_helper.go", go_build_helper!("  _ \"github.com/gin-gonic/gin\"\n")),
            ("warm", go_warm_packages!(" github.com/gin-gonic/gin/...")),
        ],
        host_inputs: None,
        skeleton: Some("skel/gin"),
        binds: &[],
        env: GO_ENV,
        build: GO_BUILD,
        pre_start: None,
        run: None,
        known_differences: GO_KNOWN_DIFFERENCES,
    }
}

