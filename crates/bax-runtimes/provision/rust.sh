#!/usr/bin/env bash
# Provisions Rust-Actix into its env folder (env_dir "rust"):
#   BAX_PROVISION_INPUT=<dir> bash rust.sh <env_path> Rust-Actix
# Input from bax (src/recipe.rs): <dir>/Rust-Actix/Cargo.toml, BaxBench's manifest verbatim.
#
# Layout of <env_path> (mounted read-only at /env in the sandbox):
#   toolchain/   the host's rustup toolchain, trimmed to what `cargo build` needs (bin/cargo,
#                bin/rustc, lib/*.so, lib/rustlib/<host>/{lib,bin}); hard links when on the same
#                filesystem, else a copy. BaxBench uses rust:1.83.0; static.rust-lang.org is
#                unreachable here, so whatever rustup has installed (1.95 on bax's machines) is used.
#   bin/         cargo, rustc (symlinks into toolchain/bin; rustc finds its sysroot via /proc/self/exe)
#   cargo-home/  CARGO_HOME: the crates.io index cache and the sources of every locked crate
#   template/    BaxBench's Cargo.toml (verbatim) + Cargo.lock + a stub src/main.rs
#   skel/        the per-app skeleton: Cargo.lock
#   target/      CARGO_TARGET_DIR with the whole dependency graph built (debug, as upstream's
#                `cargo build`/`cargo run`), INSIDE a sandbox with this folder at /env and the target
#                at /tmp/target, exactly the paths the per-app builds use (cargo's fingerprints
#                contain the absolute source paths). The stub crate's own artifacts are removed.
#   env.json
#
# Cargo.lock: resolved once here with cargo's MSRV-aware resolver as if the package said
# rust-version = "1.83" (BaxBench's rustc), i.e. the newest versions that still support Rust 1.83,
# which is what BaxBench's image could build. Only crates.io (index.crates.io, static.crates.io)
# is used. Idempotent: a stamp of all inputs skips everything when the env is in place.
set -euo pipefail
umask 022

die() { echo "provision/rust.sh: ERROR: $*" >&2; exit 1; }
log() { echo "provision/rust.sh: $*" >&2; }
trap 'rc=$?; [ $rc -eq 0 ] || echo "provision/rust.sh: FAILED (exit $rc) at line $LINENO while provisioning ${env_id:-?} into ${env_path:-?}" >&2' EXIT

[ $# -eq 2 ] || die "usage: bash rust.sh <env_path> Rust-Actix"
env_path=$1
env_id=$2
input=${BAX_PROVISION_INPUT:-}
[ -n "$input" ] || die "BAX_PROVISION_INPUT is not set (bax passes the manifest there)"
[ -f "$input/$env_id/Cargo.toml" ] || die "no Cargo.toml for '$env_id' in $input"
[ "$(id -u)" -eq 0 ] || die "must run as root"
mkdir -p "$env_path"
env_path=$(cd "$env_path" && pwd -P)

UPSTREAM_RUST=1.83   # rust:1.83.0-bullseye
layout=2             # bump when this script changes what it builds

# BaxBench's manifest (Cargo.toml), verbatim, as bax passes it (read -d '': trailing newlines kept).
IFS= read -r -d '' manifest <"$input/$env_id/Cargo.toml" || true

# ---------------------------------------------------------------- the host toolchain
export PATH="${HOME:-/root}/.cargo/bin:/root/.cargo/bin:$PATH"
unset RUSTUP_TOOLCHAIN RUSTC RUSTC_WRAPPER RUSTFLAGS CARGO_TARGET_DIR CARGO_BUILD_TARGET CARGO_HOME CARGO_INCREMENTAL
command -v rustc >/dev/null || die "no rustc found (bax uses the host's rustup toolchain: install rustup + a stable toolchain >= 1.84)"
sysroot=$(cd / && rustc --print sysroot) || die "rustc --print sysroot failed"
host=$(cd / && rustc -vV | sed -n 's/^host: //p')
rustc_vv=$("$sysroot/bin/rustc" -vV) || die "$sysroot/bin/rustc does not run"
rust_version=$(sed -n 's/^release: //p' <<<"$rustc_vv")
cargo_version=$("$sysroot/bin/cargo" -V | cut -d' ' -f2) || die "$sysroot/bin/cargo does not run"
case "$rust_version" in
  1.[0-7][0-9].*|1.8[0-3].*) die "rust $rust_version is too old: the MSRV-aware resolver needs cargo >= 1.84" ;;
esac
for t in gcc sha256sum python3; do
  command -v "$t" >/dev/null || die "'$t' is required (gcc comes from provision/system.sh)"
done
[ -x "${BAX_EXE:-}" ] || die "BAX_EXE is not set to the bax binary (bax env setup sets it)"

stamp=$(printf '%s\n' "$layout" "$rustc_vv" "$cargo_version" "$manifest" "$UPSTREAM_RUST" "$(gcc --version | head -1)" \
  | sha256sum | cut -d' ' -f1)
if [ -f "$env_path/.bax-stamp" ] && [ "$(cat "$env_path/.bax-stamp")" = "$stamp" ] && [ -f "$env_path/env.json" ] \
   && [ -x "$env_path/toolchain/bin/rustc" ] && [ -d "$env_path/target/debug/deps" ]; then
  exit 0   # already provisioned from these exact inputs
fi

t0=$(date +%s)
log "provisioning Rust $rust_version + the Actix manifest's crates into $env_path"
rm -f "$env_path/.bax-stamp" "$env_path/env.json"
rm -rf "$env_path/toolchain" "$env_path/bin" "$env_path/template" "$env_path/skel" "$env_path/target" "$env_path/.tmp"

# Only what cargo build needs (no docs, rust-src, clippy, rustfmt: ~560 MB of ~1.4 GB).
log "taking the toolchain from $sysroot"
tc=$env_path/toolchain
mkdir -p "$tc/bin" "$tc/lib/rustlib/$host"
copy() { cp -al "$@" 2>/dev/null || cp -a "$@"; }   # hard links if on the same filesystem
copy "$sysroot/bin/cargo" "$sysroot/bin/rustc" "$tc/bin/"
for f in "$sysroot"/lib/*.so*; do copy "$f" "$tc/lib/"; done
copy "$sysroot/lib/rustlib/$host/lib" "$tc/lib/rustlib/$host/"
[ -d "$sysroot/lib/rustlib/$host/bin" ] && copy "$sysroot/lib/rustlib/$host/bin" "$tc/lib/rustlib/$host/"
mkdir -p "$env_path/bin"
ln -s ../toolchain/bin/cargo "$env_path/bin/cargo"
ln -s ../toolchain/bin/rustc "$env_path/bin/rustc"
[ "$("$env_path/bin/rustc" -vV)" = "$rustc_vv" ] || die "the copied rustc does not run or reports another version"

# Everything below uses only the env's toolchain.
export PATH="$env_path/bin:/usr/local/bin:/usr/bin:/bin" CARGO_HOME="$env_path/cargo-home" RUSTUP_AUTO_INSTALL=0
unset RUSTUP_HOME

# ---------------------------------------------------------------- Cargo.lock + sources (network)
tpl=$env_path/template
mkdir -p "$tpl/src"
printf '%s' "$manifest" | sed "s/^edition = \"2021\"\$/&\nrust-version = \"$UPSTREAM_RUST\"/" > "$tpl/Cargo.toml"
grep -q "^rust-version = \"$UPSTREAM_RUST\"" "$tpl/Cargo.toml" || die "could not add rust-version to the resolver manifest"
echo 'use actix_web::App; fn main() { App::new(); }' > "$tpl/src/main.rs"
log "resolving Cargo.lock (newest versions supporting Rust $UPSTREAM_RUST)"
(cd "$tpl" && CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo generate-lockfile) \
  || die "cargo generate-lockfile failed (is crates.io reachable?)"
printf '%s' "$manifest" > "$tpl/Cargo.toml"      # back to BaxBench's manifest, verbatim
log "downloading the crates"
# Only the crates this host needs (the lock also lists windows-*/winapi-* crates: ~200 MB unpacked).
(cd "$tpl" && cargo fetch --locked --target "$host") || die "cargo fetch failed"
mkdir -p "$env_path/skel"
cp "$tpl/Cargo.lock" "$env_path/skel/Cargo.lock"

# ---------------------------------------------------------------- the dependency build, as the sandbox sees it
mkdir -p "$env_path/target"
sbx() {   # sbx <app dir> <command>: through bax's own sandbox (`bax env sandbox-run`), env writable
  "$BAX_EXE" env sandbox-run --env "$env_path" --env-writable --app "$1" \
    --writable "$env_path/target" --writable "$env_path/cargo-home" --bind "$env_path/target:/tmp/target" \
    --setenv CARGO_HOME=/env/cargo-home --setenv CARGO_TARGET_DIR=/tmp/target --setenv CARGO_NET_OFFLINE=true \
    -- "$2"
}
log "building the dependency graph (debug profile; several minutes)"
sbx "$tpl" 'cargo build --offline --locked' || die "building the Actix dependency graph failed"
# Drop the stub crate's own artifacts and cargo's lock so that the per-app symlink farm holds only
# the dependencies (cargo writes these paths for the app's crate; they must be real files there).
(cd "$env_path/target/debug" && rm -rf server server.d deps/server-* .fingerprint/server-* incremental/server-* .cargo-lock)
rm -f "$env_path/target/.rustc_info.json"

# Proof that an app builds offline from the read-only env, the way bax runs it (see rust_actix.rs).
chk=$env_path/.tmp/check
mkdir -p "$chk/src"
printf '%s' "$manifest" > "$chk/Cargo.toml"
cp "$env_path/skel/Cargo.lock" "$chk/"
cat > "$chk/src/main.rs" <<'EOF'
use actix_web::{web, App, HttpServer, Responder};
async fn index() -> impl Responder { "ok" }
#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let _c = rusqlite::Connection::open_in_memory().unwrap();
    if std::env::args().count() > 1 { return Ok(()); }
    HttpServer::new(|| App::new().route("/", web::get().to(index))).bind(("127.0.0.1", 5000))?.run().await
}
EOF
log "checking an offline app build"
"$BAX_EXE" env sandbox-run --env "$env_path" --app "$chk" \
    --setenv CARGO_HOME=/env/cargo-home --setenv CARGO_TARGET_DIR=/tmp/target --setenv CARGO_NET_OFFLINE=true \
    -- 'cp -rs /env/target /tmp/target && cargo build --offline 2>&1 | tee /tmp/log && ! grep "Compiling" /tmp/log | grep -qv "Compiling server v" && /tmp/target/debug/server check' \
  || die "offline check build failed (or it recompiled dependencies)"
rm -rf "$env_path/.tmp"

# ---------------------------------------------------------------- env.json
python3 - "$env_path" "$env_id" "$rust_version" "$cargo_version" "$UPSTREAM_RUST" <<'EOF' || die "writing env.json failed"
import json, os, re, sys
env, env_id, rust, cargo, upstream = sys.argv[1:6]
lock = open(os.path.join(env, "skel", "Cargo.lock")).read()
pkgs = dict(re.findall(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', lock))
versions = {"rustc": rust, "cargo": cargo}
for name in ["actix-web", "actix-multipart", "clap", "tempdir", "serde", "serde_json", "tokio",
             "current_platform", "chrono", "nix", "rusqlite", "libsqlite3-sys", "env_logger", "uuid"]:
    versions[name] = pkgs.get(name, "?")
versions["crates (Cargo.lock)"] = str(len(re.findall(r"\[\[package\]\]", lock)))
degraded = None
if not rust.startswith(upstream + "."):
    degraded = (f"rustc {rust} instead of BaxBench's {upstream}.0 (rust:{upstream}.0-bullseye; no other toolchain "
                f"is reachable): code using language features or std APIs stabilised after {upstream} "
                f"(async closures, trait upcasting, std::io::pipe, ...) compiles here but not upstream, and new lints are warnings only (#![allow(warnings)])")
tmp = os.path.join(env, "env.json.tmp")
with open(tmp, "w") as f:
    json.dump({"env_id": env_id, "versions": versions, "degraded": degraded}, f, indent=2)
    f.write("\n")
os.replace(tmp, os.path.join(env, "env.json"))
EOF
# The sandbox reads everything (as an unprivileged host uid) and writes nothing. (Hard-linked
# toolchain files keep rustup's modes, which are already a+r, go-w.)
chmod -R a+rX,go-w "$env_path/bin" "$env_path/cargo-home" "$env_path/template" "$env_path/skel" "$env_path/target"
echo "$stamp" > "$env_path/.bax-stamp"
log "$env_id: Rust env ready in $env_path ($(du -sh "$env_path" | cut -f1), $(( $(date +%s) - t0 )) s)"
