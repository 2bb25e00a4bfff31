//! Go-net/http: Go with net/http.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use std::time::Duration;

use bax_catalog::FrameworkSpec;

use crate::recipe::{Recipe, Step};

/// The package manifest (`go.mod`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
module myapp

go 1.23.4

require github.com/mattn/go-sqlite3 v1.14.24
require github.com/golang-jwt/jwt/v5 v5.2.1
require github.com/google/uuid v1.6.0
require golang.org/x/crypto v0.32.0
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "Go-net/http".to_string(),
        language: "Go".to_string(),
        framework: "net/http".to_string(),
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

/// Upstream's prebuild helper (`build_helper.go`, verbatim) importing the manifest's modules
/// and `$extra` (the framework's own module); provisioning builds it to warm the cache.
macro_rules! go_build_helper {
    ($extra:literal) => {
        concat!(
            "\npackage main\n\nimport (\n  \"fmt\"\n",
            "  _ \"github.com/mattn/go-sqlite3\"\n",
            "  _ \"github.com/golang-jwt/jwt/v5\"\n",
            "  _ \"github.com/google/uuid\"\n",
            "  _ \"golang.org/x/crypto/bcrypt\"\n",
            $extra,
            ")\n\nfunc main() {\n  fmt.Println(\"build helper\")\n}\n"
        )
    };
}

/// Module packages pre-compiled into the build cache besides the helper's (any of them may be
/// imported), for all three Go frameworks; each adds its own module's packages.
macro_rules! go_warm_packages {
    ($extra:literal) => {
        concat!(
            "github.com/mattn/go-sqlite3 github.com/golang-jwt/jwt/v5/... ",
            "github.com/google/uuid/... golang.org/x/crypto/...",
            $extra
        )
    };
}
pub(crate) use {go_build_helper, go_warm_packages};

/// What provision/go.sh needs for Go-net/http besides its go.mod.
const PROVISION_FILES: &[(&str, &str)] = &[
    ("build_helper.go", go_build_helper!("")),
    ("warm", go_warm_packages!("")),
];

/// The env folder shared by the three Go frameworks (provision/go.sh provisions all of them).
pub(crate) const GO_ENV_DIR: &str = "go";

/// The provisioning script of the Go family: the toolchain, goimports, the module cache and the
/// warmed build cache for every Go framework (each framework's inputs: go.mod,
/// build_helper.go, warm).
pub(crate) const GO_PROVISION: &str = include_str!("../../provision/go.sh");

/// Offline Go: the provisioned toolchain never switches, modules come only from the read-only
/// module cache, and the build cache is private and writable (a symlink farm, see [`GO_BUILD`]).
pub(crate) const GO_ENV: &[(&str, &str)] = &[
    ("GOTOOLCHAIN", "local"),
    ("GOPROXY", "off"),
    ("GOMODCACHE", "/env/gomodcache"),
    ("GOCACHE", "/tmp/gocache"),
];

/// Upstream's per-app lines, in order: `goimports -w .` (a failure fails the image build),
/// `go mod tidy || echo "go mod tidy failed"`, `CGO_ENABLED=1 go build .` (upstream only echoes a
/// failure, after which `./myapp` does not exist and the app never starts; here the build fails).
///
/// Each step runs in a fresh sandbox, so the last one first gives the compiler its cache: a
/// tree of real directories with symlinks to the read-only cache provisioning pre-warmed
/// (`cp -rs`, ~1 s; Go only adds new files and never rewrites an entry, and a failed mtime
/// refresh on a read-only entry is ignored). An empty cache would cost ~1 minute per app
/// (the whole standard library and the cgo go-sqlite3), a full copy 255 MB of writes.
pub(crate) const GO_BUILD: &[Step] = &[
    Step {
        command: "goimports -w .",
        timeout: Duration::from_secs(120),
    },
    Step {
        command: "go mod tidy || echo \"go mod tidy failed\"",
        timeout: Duration::from_secs(120),
    },
    Step {
        command:
            "rm -rf /tmp/gocache && cp -rs /env/gocache /tmp/gocache && CGO_ENABLED=1 go build .",
        timeout: Duration::from_secs(600),
    },
];

/// Where bax's Go setup differs from BaxBench's Dockerfile (all three Go frameworks).
pub(crate) const GO_KNOWN_DIFFERENCES: &[&str] = &[
    "Go 1.23.12 (the golang.org/toolchain module from proxy.golang.org, sha256-pinned) instead of whatever golang:1.23-bullseye was when BaxBench built its images (the tag floats; 1.23.12 is the last 1.23 release and what it resolves to now; BaxBench's early-2025 runs had 1.23.4 or 1.23.5). Patch releases only: same language and standard library API.",
    "Builds are offline. Upstream's `go mod tidy` runs with network, so an app importing a module outside the manifest (github.com/gorilla/mux, github.com/stretchr/testify, ...) gets it downloaded at its latest version and builds; here tidy finds only the modules of the manifest's module graph (provisioned in /env/gomodcache) and such an app fails to build. Importing any package of a module in that graph (e.g. golang.org/x/net/html, github.com/valyala/fasthttp) works, as upstream.",
    "A failing `go build` fails bax's build, where upstream only echoes \"build failed\" and then fails to start (./myapp is missing): the app counts as broken either way.",
    "cgo (mattn/go-sqlite3) compiles with Debian 12's gcc 12 against glibc 2.36 instead of bullseye's gcc 10 / glibc 2.31.",
    "The build cache is pre-warmed with the whole standard library and every package of the manifest's modules (upstream: only its build_helper.go's imports), which only makes builds faster.",
];

/// How bax provisions, builds and runs Go-net/http apps: Go 1.23 + the manifest's modules
/// (provision/go.sh, shared with Gin and Fiber) at /env; upstream's goimports / tidy / build;
/// the entrypoint `./myapp` runs as is.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: GO_ENV_DIR,
        provision: GO_PROVISION,
        provision_files: PROVISION_FILES,
        host_inputs: None,
        skeleton: Some("skel/net-http"),
        binds: &[],
        env: GO_ENV,
        build: GO_BUILD,
        pre_start: None,
        run: None,
        known_differences: GO_KNOWN_DIFFERENCES,
    }
}

