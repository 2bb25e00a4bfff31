//! Rust-Actix: Rust with Actix.
//!
//! The manifest is BaxBench's pinned package list for this framework, verbatim:
//! it is both the allowed-packages list of the prompt and what bax installs.

use std::collections::BTreeMap;

use std::time::Duration;

use bax_catalog::FrameworkSpec;

use crate::recipe::{Recipe, Step};

/// The package manifest (`Cargo.toml`), pinned as BaxBench pins it.
pub const MANIFEST: &str = r#"
[package]
name = "server"
version = "0.1.0"
edition = "2021"

[dependencies]
actix-web = { version = "4.9.0" }
actix-multipart = { version = "0.7.2" }
clap = { version = "4", features = ["derive"] }
tempdir = "0.3"
serde = { version = "1.0", features = ["derive"] }
serde_json = "1.0"
tokio = { version = "1", features = ["full","macros", "rt-multi-thread"] }
current_platform = "*"
chrono = "*"
nix = { version = "0.29.0", features = ["signal"]}
rusqlite = { version = "0.33.0", features = ["bundled", "modern-full"] }
env_logger = "0.11.6"
uuid = { version = "1.11.0", features = ["v4", "fast-rng", "macro-diagnostics"] }
"#;

/// This framework's catalog entry.
pub fn spec() -> FrameworkSpec {
    FrameworkSpec {
        env_id: "Rust-Actix".to_string(),
        language: "Rust".to_string(),
        framework: "Actix".to_string(),
        extension: "rs".to_string(),
        is_multi_file: false,
        code_filename: Some("main.rs".to_string()),
        entrypoint_cmd: "cargo run".to_string(),
        allowed_packages: MANIFEST.to_string(),
        env_instructions: r#"Keep the entire application in this one file and create no other files."#.to_string(),
        port: 5000,
        workdir: "/app".to_string(),
        sqlite_database: "db.sqlite3".to_string(),
        manifest_files: BTreeMap::from([("Cargo.toml".to_string(), MANIFEST.to_string())]),
        wait_to_start_time: 60.0,
    }
}

/// Cargo offline, from the read-only provisioned registry; the target dir is private and writable
/// (a symlink farm of the pre-built one, see [`BUILD`]). `RUST_BACKTRACE=1` as upstream's image.
const ENV: &[(&str, &str)] = &[
    ("CARGO_HOME", "/env/cargo-home"),
    ("CARGO_TARGET_DIR", "/tmp/target"),
    ("CARGO_NET_OFFLINE", "true"),
    ("RUST_BACKTRACE", "1"),
];

/// Upstream: `COPY main.rs src/main.rs`, `sed -i '1i#![allow(warnings, unused)]' src/main.rs`,
/// `cargo build` (in the image whose `target/` already holds the dependency graph).
///
/// Here the skeleton brings the provisioned Cargo.lock. Each step runs in a fresh sandbox, so the
/// build step first lays out the private target dir: real directories with symlinks to the
/// dependency artifacts built at provisioning in /env/target (`cp -rs`, well under a second;
/// cargo finds them fresh, the paths being the ones they were built under, and only writes the
/// app crate's own files). The binary is then copied to `target/debug/server` in /app, where
/// upstream's `cargo run` would run it from.
const BUILD: &[Step] = &[
    Step {
        command: "if [ -f main.rs ]; then mkdir -p src && mv main.rs src/main.rs && sed -i '1i#![allow(warnings, unused)]' src/main.rs; fi",
        timeout: Duration::from_secs(30),
    },
    Step {
        command: "rm -rf /tmp/target && cp -rs /env/target /tmp/target && cargo build --offline && mkdir -p target/debug && cp /tmp/target/debug/server target/debug/server",
        timeout: Duration::from_secs(600),
    },
];

/// Where bax's setup differs from BaxBench's Dockerfile.
const KNOWN_DIFFERENCES: &[&str] = &[
    "rustc/cargo 1.95.0 (the host's rustup toolchain, copied into the env) instead of BaxBench's 1.83.0 (rust:1.83.0-bullseye): static.rust-lang.org is unreachable, so no 1.83 toolchain can be provisioned. Code using language features or std APIs stabilised after 1.83 (async closures 1.85, trait upcasting 1.86, std::io::pipe 1.87, ...) compiles here but would not upstream.",
    "Cargo.lock is resolved at provisioning with cargo's MSRV-aware resolver for Rust 1.83 (the newest versions that still support 1.83: actix-web 4.12.1, tokio 1.53.3, uuid 1.20.0, clap 4.5.61, rusqlite 0.33.0; exact list in env.json and /env/skel/Cargo.lock). Upstream resolves at image-build time with no lock file; today that picks versions needing Rust 1.85-1.89 (actix-web 4.18) that cargo 1.83 cannot build, and BaxBench's early-2025 runs had the versions of that time, a few minor releases older than these.",
    "The app runs as the built binary `./target/debug/server` instead of `cargo run` (which only re-checks freshness, ~0.5 s, then runs the same binary); the CARGO_* variables `cargo run` would set for the process (CARGO_PKG_NAME, CARGO_MANIFEST_DIR, ...) are absent at run time.",
    "Builds are offline against the provisioned registry. Upstream's build has network, but Cargo.toml is fixed, so the same crates are reachable either way.",
    "A failing `cargo build` fails bax's build, where upstream only echoes \"Build failed\" and `cargo run` then fails at start: the app counts as broken either way.",
    "The bundled SQLite (libsqlite3-sys) compiles with Debian 12's gcc 12 instead of bullseye's gcc 10. Upstream's image also has musl-dev, libsqlite3-dev and git, which a Rust app cannot reach through the fixed Cargo.toml; imagemagick and sqlite3 come from bax's system packages.",
];

/// How bax provisions, builds and runs Rust-Actix apps: the toolchain, the crates and the
/// pre-built dependency graph at /env (provision/rust.sh); upstream's sed + `cargo build`,
/// offline; the built binary runs directly.
pub fn recipe() -> Recipe {
    Recipe {
        env_dir: "rust",
        provision: include_str!("../../provision/rust.sh"),
        provision_files: &[],
        host_inputs: None,
        skeleton: Some("skel"),
        binds: &[],
        env: ENV,
        build: BUILD,
        pre_start: None,
        run: Some("./target/debug/server"),
        known_differences: KNOWN_DIFFERENCES,
    }
}

