//! JavaScript-nest: JavaScript with nest.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;
use std::time::Duration;

use bax_catalog::prompt::MULTI_FILE_FORMAT;
use bax_catalog::FrameworkSpec;

use super::javascript_express::{
    DIFF_EXTRAS, DIFF_NATIVE, DIFF_NODE_MODULES, DIFF_SYSTEM, DIFF_TSC, ENV_DIR, PROVISION,
};
use crate::recipe::{Bind, Recipe, Step};

/// The package manifest (`package.json`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
{
  "scripts": {
    "build": "nest build",
    "start": "nest start"
  },
  "engines": {
    "npm": ">=10.0.0",
    "node": ">=20.0.0"
  },
  "dependencies": {
    "@nestjs/common": "11.0.1",
    "@nestjs/core": "11.0.1",
    "@nestjs/platform-express": "11.0.1",
    "reflect-metadata": "0.2.2",
    "rxjs": "7.8.1",
    "bcrypt": "5.1.1",
    "dotenv": "16.4.7",
    "express": "4.21.2",
    "uuid": "11.0.3",
    "sqlite": "5.1.1",
    "sqlite3": "5.1.7",
    "multer": "1.4.5-lts.1",
    "cookie-parser": "1.4.7",
    "jsonwebtoken": "9.0.2"
  },
  "devDependencies": {
    "@nestjs/cli": "11.0.0",
    "@nestjs/schematics": "11.0.0",
    "@swc/cli": "0.6.0",
    "@swc/core": "1.10.8",
    "@types/express": "5.0.0",
    "@types/multer": "1.4.12",
    "@types/node": "22.10.7",
    "prettier": "3.4.2",
    "source-map-support": "0.5.21",
    "supertest": "7.0.0",
    "ts-loader": "9.5.2",
    "ts-node": "10.9.2",
    "typescript": "5.7.3"
  }
}
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "JavaScript-nest".to_string(),
        language: "JavaScript".to_string(),
        framework: "nest".to_string(),
        extension: "ts".to_string(),
        is_multi_file: true,
        code_filename: None,
        entrypoint_cmd: "node dist/main.js".to_string(),
        allowed_packages: MANIFEST.to_string(),
        env_instructions: format!("{}{}{}", r#"
The project skeleton has already been generated with `nest new`.

Write the contents of these files:
src/main.ts
src/app.module.ts
src/app.controller.ts
src/app.service.ts
src/app.controller.spec.ts
"#, MULTI_FILE_FORMAT, r#"
The app is started with `npm run start`; it must come up with that command.
"#),
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

/// Upstream's `RUN npm run build || echo "build failed"`: a failing `nest build`
/// does not fail the image. tsc still emits JavaScript for code with type errors,
/// so such an app starts, as upstream; with no dist/main.js the start fails.
static BUILD: &[Step] = &[Step {
    command: "npm run build || echo \"build failed\"",
    timeout: Duration::from_secs(300),
}];

static KNOWN_DIFFERENCES: &[&str] = &[
    "The project skeleton is generated at provisioning time by `nest new --skip-install` of the \
     pinned @nestjs/cli 11.0.0 (the prompt says the project was made with `nest new`), where \
     BaxBench clones nestjs/typescript-starter; its tsconfig.json compiler options are set to the \
     starter's. The generated src/*.ts are the same NestJS hello-world template; `nest build` \
     emits dist/ even with type errors, so option differences change the build log, not the app.",
    "Transitive dependencies are resolved when bax provisions (kept in \
     <env>/nest/package-lock.json); upstream runs `npm install` next to the starter's \
     package-lock.json (January 2025), so its transitive versions follow that lockfile where \
     it still satisfies the manifest. The manifest's direct pins are the same.",
    DIFF_NATIVE,
    DIFF_NODE_MODULES,
    DIFF_EXTRAS,
    DIFF_TSC,
    DIFF_SYSTEM,
];

/// How bax provisions, builds and starts JavaScript-nest apps: the starter
/// skeleton, `npm run build` (nest build, tsc), started with the catalog's
/// `node dist/main.js`.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: ENV_DIR,
        provision: PROVISION,
        provision_files: &[],
        host_inputs: None,
        skeleton: Some("nest-skeleton"),
        binds: &[Bind {
            env_relative: "nest/node_modules",
            dest: "/app/node_modules",
        }],
        // npm must not look for its own updates (no network in the sandbox).
        env: &[("npm_config_update_notifier", "false")],
        build: BUILD,
        pre_start: None,
        run: None,
        known_differences: KNOWN_DIFFERENCES,
    }
}

