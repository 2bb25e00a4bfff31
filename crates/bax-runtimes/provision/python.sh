#!/usr/bin/env bash
# Provision one Python framework env: a virtualenv at ENV_PATH (seen as /env in the sandbox)
# with BaxBench's pinned requirements installed from PyPI.
#   usage: BAX_PROVISION_INPUT=DIR bash python.sh ENV_PATH ENV_ID      (any Python framework's env id)
#
# The venv is built from Debian's /usr/bin/python3 (3.11; BaxBench uses 3.12). It is relocatable
# for what bax does with it: bin/python3 is a symlink to /usr/bin/python3 and pyvenv.cfg says
# `home = /usr/bin`, so /env/bin/python3 inside the sandbox finds /env/pyvenv.cfg and uses
# /env/lib/python3.11/site-packages. Console scripts (pip, uvicorn, django-admin, ...) get a
# shebang that finds the python next to them, so they work under both the host path and /env.
# Idempotent: a stamp of (python version, requirements, layout version) skips all work when nothing
# changed; otherwise the venv is rebuilt from scratch (`venv --clear`).
set -euo pipefail
umask 022

die() { echo "provision/python.sh: $*" >&2; exit 1; }
trap 'echo "provision/python.sh: FAILED at line $LINENO ($BASH_COMMAND) while provisioning ${env_id:-?} into ${env:-?}" >&2' ERR

[ $# -eq 2 ] || die "usage: bash python.sh ENV_PATH ENV_ID"
env=$1 env_id=$2
[ "$(id -u)" -eq 0 ] || die "must run as root (bax provisions as root)"

# The requirements (BaxBench's manifest, verbatim) and the module to import as a check come from
# bax: $BAX_PROVISION_INPUT/<env id, / as ->/{requirements.txt,probe} (see src/recipe.rs).
input=${BAX_PROVISION_INPUT:-}
[ -n "$input" ] || die "BAX_PROVISION_INPUT is not set (bax passes the manifest there)"
fw_input=$input/${env_id//\//-}
[ -f "$fw_input/requirements.txt" ] || die "no requirements.txt for $env_id in $input"
[ -f "$fw_input/probe" ] || die "no probe module for $env_id in $input"
# read -d '': the file exactly, trailing newlines included (they are part of the stamp).
IFS= read -r -d '' reqs <"$fw_input/requirements.txt" || true
probe=$(cat "$fw_input/probe")
[[ "$probe" =~ ^[A-Za-z_][A-Za-z0-9_.]*$ ]] || die "probe '$probe' is not a module name"

py=/usr/bin/python3
[ -x "$py" ] || die "$py not found (Debian's python3 package is required)"
mkdir -p "$env"
env=$(realpath "$env")

# venv + ensurepip come from Debian's python3-venv; install it if missing.
if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "provision/python.sh: installing python3-venv (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends python3-venv >/dev/null || die "apt-get install python3-venv failed"
  "$py" -c 'import venv, ensurepip' || die "python3-venv installed but 'import venv, ensurepip' still fails"
fi

pyver=$("$py" -c 'import platform; print(platform.python_version())')
layout=1   # bump when this script changes what it builds
stamp=$(printf '%s\n%s\n%s\n' "$layout" "$pyver" "$reqs" | sha256sum | cut -d' ' -f1)

if [ -f "$env/.bax-stamp" ] && [ "$(cat "$env/.bax-stamp")" = "$stamp" ] && [ -f "$env/env.json" ] \
   && "$env/bin/python3" -c "import sys, $probe; assert sys.prefix != sys.base_prefix" >/dev/null 2>&1; then
  exit 0   # already provisioned with these exact requirements
fi

echo "provision/python.sh: building $env_id venv in $env (Python $pyver)" >&2
rm -f "$env/.bax-stamp" "$env/env.json"
"$py" -m venv --clear "$env" || die "python3 -m venv failed"
printf '%s' "$reqs" > "$env/requirements.txt"
# --no-cache-dir: nothing written outside env_path. pip's own config/env (certs, timeouts) is honoured.
"$env/bin/python3" -m pip install --no-cache-dir --no-input --disable-pip-version-check --compile \
  -r "$env/requirements.txt" || die "pip install of $env_id's pinned requirements failed (is PyPI reachable?)"

# Byte-compile everything: /env is read-only in the sandbox, so Python can't cache .pyc there.
"$env/bin/python3" -m compileall -q -j 0 "$env/lib" >/dev/null || die "compileall failed"

# Make console scripts path-independent (host path now, /env in the sandbox): replace
# `#!<env>/bin/python3` with a sh/python polyglot that runs the python next to the script.
"$env/bin/python3" - "$env" <<'EOF'
import os, sys
env = sys.argv[1]
bindir = os.path.join(env, "bin")
heads = {f"#!{bindir}/python".encode(), f"#!{bindir}/python3".encode()}
poly = b"#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")/python3\" \"$0\" \"$@\"\n' '''\n"
for name in os.listdir(bindir):
    p = os.path.join(bindir, name)
    if os.path.islink(p) or not os.path.isfile(p):
        continue
    with open(p, "rb") as f:
        data = f.read()
    first, _, rest = data.partition(b"\n")
    if first.strip() in heads:
        with open(p, "wb") as f:
            f.write(poly + rest)
EOF

# Sanity: the pins are installed exactly and consistently.
"$env/bin/python3" -m pip check --disable-pip-version-check >&2 || die "pip check reports broken requirements"

"$env/bin/python3" - "$env" "$env_id" "$pyver" <<'EOF' || die "writing env.json failed"
import json, os, sys
from importlib import metadata
env, env_id, pyver = sys.argv[1:4]
versions = {"python": pyver}
for d in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
    versions[d.metadata["Name"]] = d.version
degraded = None if pyver.startswith("3.12.") else ("Python %s (Debian 12) instead of BaxBench's Python 3.12: code using 3.12-only features "
            "(PEP 701 f-strings that reuse the outer quote, `type` aliases, PEP 695 generics, "
            "itertools.batched, ...) fails to start here but would run upstream" % pyver)
with open(os.path.join(env, "env.json.tmp"), "w") as f:
    json.dump({"env_id": env_id, "versions": versions, "degraded": degraded}, f, indent=2)
    f.write("\n")
os.replace(os.path.join(env, "env.json.tmp"), os.path.join(env, "env.json"))
EOF
echo "$stamp" > "$env/.bax-stamp"
echo "provision/python.sh: $env_id ready in $env ($(du -sh "$env" | cut -f1))" >&2
