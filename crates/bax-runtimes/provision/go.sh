#!/usr/bin/env bash
# Provisions the Go family (every framework bax passes: Go-net/http, Go-Gin, Go-Fiber) into ONE
# shared env folder (env_dir "go"):
#   BAX_PROVISION_INPUT=<dir> bash go.sh <env_path> <env_id>
# Inputs from bax (src/recipe.rs), one folder <dir>/Go-<fw>/ per framework: env_id, go.mod
# (BaxBench's manifest, verbatim), build_helper.go (upstream's prebuild helper, verbatim) and warm
# (module packages to pre-compile besides the helper's). Any of the family's env ids provisions all: the toolchain, goimports and most of the build
# cache (the standard library, cgo's go-sqlite3) are shared, so splitting would only repeat them.
#
# Layout of <env_path> (mounted read-only at /env in the sandbox):
#   go/          Go 1.23.12 (the golang.org/toolchain module from proxy.golang.org, sha256-pinned);
#                BaxBench builds in golang:1.23-bullseye, whose 1.23 line ends at 1.23.12
#   bin/         go, gofmt (symlinks into go/bin), goimports (x/tools v0.36.0, as upstream)
#   gomodcache/  GOMODCACHE: every module of the three manifests' module graphs (`go get myapp`
#                with upstream's build_helper.go, then `go mod download all`)
#   gocache/     GOCACHE, pre-warmed by building, INSIDE a sandbox with this folder at /env (the
#                cache keys of module packages contain their directory, /env/gomodcache/...):
#                `go build std`, every package of every manifest module, and upstream's
#                build_helper.go (incl. the slow cgo compile of mattn/go-sqlite3)
#   skel/<fw>/   the per-framework skeleton: go.sum as upstream's image has it when the model's
#                files arrive (written by upstream's prebuild `go get myapp`); <fw> = the input
#                folder's name after Go-, lower-cased (net-http, gin, fiber)
#   env.json     (as the first caller's env-<id>.json), env-Go-net-http.json, env-Go-Gin.json, env-Go-Fiber.json
#
# Per-app builds are offline (GOPROXY=off, GOMODCACHE=/env/gomodcache read-only) and use a
# private writable GOCACHE made of symlinks into /env/gocache (see go_net_http.rs).
#
# Only proxy.golang.org (modules, toolchain, and sum.golang.org through the proxy) is used.
# Needs python3 (unzip), curl, gcc (cgo) and $BAX_EXE (the bax binary: its sandbox runs the warm-up builds).
# Idempotent: a stamp of all inputs skips everything when the env is in place (well under a second).
set -euo pipefail
umask 022

die() { echo "provision/go.sh: ERROR: $*" >&2; exit 1; }
log() { echo "provision/go.sh: $*" >&2; }
trap 'rc=$?; [ $rc -eq 0 ] || echo "provision/go.sh: FAILED (exit $rc) at line $LINENO while provisioning ${env_id:-?} into ${env_path:-?}" >&2' EXIT

[ $# -eq 2 ] || die "usage: bash go.sh <env_path> <env_id>"
env_path=$1
env_id=$2
input=${BAX_PROVISION_INPUT:-}
[ -n "$input" ] || die "BAX_PROVISION_INPUT is not set (bax passes the manifests there)"
[ -f "$input/${env_id//\//-}/go.mod" ] || die "no go.mod for '$env_id' in $input"
[ "$(id -u)" -eq 0 ] || die "must run as root"
mkdir -p "$env_path"
env_path=$(cd "$env_path" && pwd -P)

GO_VERSION=1.23.12
GO_MODULE_VERSION=v0.0.1-go$GO_VERSION.linux-amd64
GO_ZIP_SHA256=7bf9a01c191c452bf1fa9266a547abe0e437ff46d16adc9ec55fcc4fea24c121
GOIMPORTS_VERSION=v0.36.0
GOPROXY_URL=https://proxy.golang.org
layout=2   # bump when this script changes what it builds

# The family, from bax's inputs: fw keys (skeleton folder names) and each one's files.
frameworks=
for d in "$input"/Go-*/; do
  d=${d%/}
  for f in env_id go.mod build_helper.go warm; do
    [ -f "$d/$f" ] || die "$d/$f is missing"
  done
  fw=${d##*/Go-}
  fw=${fw,,}
  frameworks="$frameworks $fw"
  eval "input_$(tr - _ <<<"$fw")=\$d"
done
[ -n "$frameworks" ] || die "no Go-* inputs in $input"
in_dir() { local v="input_${1//-/_}"; printf '%s' "${!v}"; }
# read -d '': the file exactly, trailing newlines included.
file_of() { local c; IFS= read -r -d '' c <"$(in_dir "$1")/$2" || true; printf '%s' "$c"; }
stamp_input=
for fw in $frameworks; do
  stamp_input="$stamp_input$fw
$(file_of "$fw" env_id)
$(file_of "$fw" go.mod)
$(file_of "$fw" build_helper.go)
$(file_of "$fw" warm)
"
done

stamp=$(printf '%s\n' "$layout" "$GO_VERSION" "$GO_ZIP_SHA256" "$GOIMPORTS_VERSION" \
  "$stamp_input" "$(gcc --version 2>/dev/null | head -1)" | sha256sum | cut -d' ' -f1)
envs_ok=1
for d in "$input"/Go-*/; do d=${d%/}; [ -f "$env_path/env-${d##*/}.json" ] || envs_ok=; done
if [ -f "$env_path/.bax-stamp" ] && [ "$(cat "$env_path/.bax-stamp")" = "$stamp" ] && [ -f "$env_path/env.json" ] \
   && [ -n "$envs_ok" ] \
   && [ "$("$env_path/bin/go" env GOVERSION 2>/dev/null)" = "go$GO_VERSION" ] && [ -x "$env_path/bin/goimports" ]; then
  exit 0   # already provisioned from these exact inputs
fi

for t in curl python3 gcc sha256sum; do
  command -v "$t" >/dev/null || die "'$t' is required (gcc comes from provision/system.sh; curl/python3 from Debian)"
done
[ -x "${BAX_EXE:-}" ] || die "BAX_EXE is not set to the bax binary (bax env setup sets it)"
t0=$(date +%s)
log "provisioning Go $GO_VERSION + the modules of:$frameworks into $env_path"
rm -f "$env_path/.bax-stamp" "$env_path"/env*.json
tmp=$env_path/.tmp
rm -rf "$tmp"
mkdir -p "$tmp"

# ---------------------------------------------------------------- the toolchain
goroot=$env_path/go
if [ "$(head -1 "$goroot/VERSION" 2>/dev/null)" = "go$GO_VERSION" ] && "$goroot/bin/go" version >/dev/null 2>&1; then
  log "Go $GO_VERSION already in place"
else
  log "downloading Go $GO_VERSION (golang.org/toolchain@$GO_MODULE_VERSION)"
  curl -fsSL --retry 3 -o "$tmp/go.zip" "$GOPROXY_URL/golang.org/toolchain/@v/$GO_MODULE_VERSION.zip" \
    || die "download of golang.org/toolchain@$GO_MODULE_VERSION from $GOPROXY_URL failed"
  echo "$GO_ZIP_SHA256  $tmp/go.zip" | sha256sum -c --quiet - || die "golang.org/toolchain zip: sha256 mismatch"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$tmp/go.zip" "$tmp/x" \
    || die "unzip of the Go toolchain failed"
  src=$tmp/x/golang.org/toolchain@$GO_MODULE_VERSION
  # Module zips carry no modes; `go` itself makes these executable when it switches toolchains.
  chmod 0755 "$src"/bin/* "$src"/pkg/tool/*/*
  rm -rf "$goroot"
  mv "$src" "$goroot"
  rm -rf "$tmp/x" "$tmp/go.zip"
  [ "$("$goroot/bin/go" env GOVERSION)" = "go$GO_VERSION" ] || die "the extracted Go does not report go$GO_VERSION"
fi
mkdir -p "$env_path/bin"
ln -sfn ../go/bin/go "$env_path/bin/go"
ln -sfn ../go/bin/gofmt "$env_path/bin/gofmt"

# Everything below uses only this Go, never a host one.
export PATH="$env_path/bin:/usr/local/bin:/usr/bin:/bin" GOTOOLCHAIN=local GOENV=off GOFLAGS= \
  GOPATH="$tmp/gopath" GOPROXY=$GOPROXY_URL GOSUMDB=sum.golang.org GONOSUMDB= GOPRIVATE= GONOPROXY= \
  GOMODCACHE="$env_path/gomodcache" GOCACHE="$tmp/gocache"
unset GOROOT GOBIN GOOS GOARCH CGO_ENABLED CC CGO_CFLAGS CGO_LDFLAGS GOEXPERIMENT GOAMD64 GOINSECURE

# ---------------------------------------------------------------- goimports (upstream: go install ...@v0.36.0)
log "building goimports $GOIMPORTS_VERSION"
# Its own module cache, so that x/tools and its dependencies do not become importable by apps.
GOFLAGS=-modcacherw GOMODCACHE="$tmp/tools-mod" GOBIN="$env_path/bin" go install "golang.org/x/tools/cmd/goimports@$GOIMPORTS_VERSION" \
  || die "go install golang.org/x/tools/cmd/goimports@$GOIMPORTS_VERSION failed"
rm -rf "$tmp/tools-mod"

# ---------------------------------------------------------------- modules (upstream: go get myapp)
rm -rf "$env_path/gomodcache" "$env_path/skel" "$env_path/gocache"
for fw in $frameworks; do
  d=$tmp/tpl/$fw
  mkdir -p "$d"
  cp "$(in_dir "$fw")/go.mod" "$(in_dir "$fw")/build_helper.go" "$d/"
  log "downloading the modules of the $fw manifest"
  (cd "$d" && go get myapp && go mod download all) || die "go get / go mod download failed for the $fw manifest"
  sk=$env_path/skel/$fw
  mkdir -p "$sk"
  cp "$d/go.sum" "$sk/go.sum"
done

# ---------------------------------------------------------------- the build cache, built as the sandbox sees it
# Paths must be the ones of the per-app builds (/env/gomodcache/...), so this runs in bax's own
# sandbox (`bax env sandbox-run`) with env_path at /env (writable here) and the template at /app; no network needed.
mkdir -p "$env_path/gocache"
sbx() {   # sbx rw|ro <app dir> <command>: rw = env writable, its gocache the cache; ro = as bax's build steps
  # Through bax's own sandbox (`bax env sandbox-run`: its user, seccomp filter and limits).
  local mode=$1 app=$2; shift 2
  local envmode=() cache=/env/gocache
  if [ "$mode" = rw ]; then envmode=(--env-writable --writable "$env_path/gocache"); else cache=/tmp/gocache; fi
  "$BAX_EXE" env sandbox-run --env "$env_path" --app "$app" "${envmode[@]}" \
    --setenv GOTOOLCHAIN=local --setenv GOPROXY=off --setenv GOMODCACHE=/env/gomodcache --setenv "GOCACHE=$cache" \
    -- "$*"
}
log "pre-compiling the standard library"
first=${frameworks# }; first=${first%% *}
sbx rw "$tmp/tpl/$first" 'go build std' || die "go build std failed"
for fw in $frameworks; do
  warm=$(cat "$(in_dir "$fw")/warm")
  log "pre-compiling the $fw manifest's modules (the first includes the cgo go-sqlite3: slow)"
  # Upstream's prebuild: CGO_ENABLED=1 go build . (with build_helper.go); plus all packages of the modules.
  sbx rw "$tmp/tpl/$fw" "CGO_ENABLED=1 go build . && CGO_ENABLED=1 go build $warm" \
    || die "pre-building the $fw modules failed"
done
# Proof, for every framework, that a model's app builds offline against the read-only env with bax's
# build steps (go_net_http.rs), using only cached packages (`go build -v` lists what it compiles:
# only myapp may appear). The app is the framework's build helper (it imports every module of the
# manifest) plus a file whose std import goimports must add.
for fw in $frameworks; do
  chk=$tmp/check/$fw
  mkdir -p "$chk"
  cp "$(in_dir "$fw")/go.mod" "$chk/go.mod"
  cp "$(in_dir "$fw")/build_helper.go" "$chk/main.go"
  cp "$env_path/skel/$fw/go.sum" "$chk/go.sum"
  printf 'package main\n\nfunc init() { _ = strings.ToUpper("ok") }\n' > "$chk/extra.go"
  sbx ro "$chk" 'goimports -w . && go mod tidy && rm -rf /tmp/gocache && cp -rs /env/gocache /tmp/gocache \
      && CGO_ENABLED=1 go build -v . 2>/tmp/built && cat /tmp/built >&2 && [ "$(cat /tmp/built)" = myapp ] && test -x myapp' \
    || die "offline check build of the $fw app (goimports, go mod tidy, go build) failed"
  grep -q '"strings"' "$chk/extra.go" || die "goimports did not add the strings import ($fw)"
done

# ---------------------------------------------------------------- env.json + env-<id>.json
# The folder is shared by the family's frameworks: bax's doctor reads env-<env id, / as ->.json first and
# env.json as the fallback, so each framework gets its own file; env.json is the caller's.
python3 - "$env_path" "$env_id" "$GO_VERSION" "$GOIMPORTS_VERSION" "$(gcc -dumpfullversion)" \
  "$input"/Go-*/ <<'EOF' || die "writing env.json failed"
import json, os, re, sys
env, caller, go, goimports, gcc = sys.argv[1:6]
manifests = {}
for d in sys.argv[6:]:
    with open(os.path.join(d, "env_id")) as f:
        env_id = f.read()
    with open(os.path.join(d, "go.mod")) as f:
        manifests[env_id] = f.read()
for env_id, manifest in manifests.items():
    versions = {"go": go, "goimports": goimports, "gcc (cgo)": gcc}
    versions.update(re.findall(r"^require (\S+) (\S+)$", manifest, re.M))
    data = json.dumps({"env_id": env_id, "versions": versions, "degraded": None}, indent=2) + "\n"
    names = ["env-" + env_id.replace("/", "-") + ".json"] + (["env.json"] if env_id == caller else [])
    for name in names:
        with open(os.path.join(env, name + ".tmp"), "w") as f:
            f.write(data)
        os.replace(os.path.join(env, name + ".tmp"), os.path.join(env, name))
EOF
chmod -R u+w "$tmp" 2>/dev/null || true
rm -rf "$tmp"
# The sandbox reads everything (as an unprivileged host uid) and writes nothing.
chmod -R a+rX,go-w "$env_path"
echo "$stamp" > "$env_path/.bax-stamp"
log "$env_id: Go env ready in $env_path ($(du -sh "$env_path" | cut -f1), $(( $(date +%s) - t0 )) s)"
