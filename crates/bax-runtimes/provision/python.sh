#!/usr/bin/env bash
# Provision one Python framework env at ENV_PATH (seen as /env in the sandbox) with BaxBench's
# pinned requirements installed from PyPI.
#   usage: BAX_PROVISION_INPUT=DIR bash python.sh ENV_PATH ENV_ID      (any Python framework's env id)
#
# The interpreter comes from bax ($BAX_PROVISION_INPUT/<env>/python, found by bax: BAX_PYTHON, a
# python3.12 on PATH, pyenv, else Debian's /usr/bin/python3). Two layouts, both relocatable for
# what bax does with them (host path now, /env in the sandbox):
#   * Debian's python3 (prefix /usr, visible in the sandbox): a venv. bin/python3 is a symlink to
#     /usr/bin/python3 and pyvenv.cfg says `home = /usr/bin`, so /env/bin/python3 finds
#     /env/pyvenv.cfg and uses /env/lib/python3.X/site-packages.
#   * Any other CPython (e.g. pyenv's 3.12 under /root, invisible in the sandbox): ENV_PATH becomes
#     a copy of its prefix (the binary, libpython, the standard library without test/idlelib/the
#     static library, the headers), with rpaths rewritten relative to $ORIGIN; Python finds its
#     prefix from the binary's location (lib/python3.X/os.py), and the packages go into the
#     copy's own site-packages (pip from ensurepip).
# Console scripts (pip, uvicorn, django-admin, ...) get a shebang that finds the python next to
# them, so they work under both paths.
# Idempotent: a stamp of (layout version, interpreter, its version, requirements) skips all work
# when nothing changed; otherwise ENV_PATH is rebuilt from scratch.
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
py_source=Debian
if [ -f "$fw_input/python" ]; then
  py=$(cat "$fw_input/python")
  py_source=$(cat "$fw_input/python_source" 2>/dev/null || echo bax)
fi
[ -x "$py" ] || die "$py not found or not executable (set BAX_PYTHON to a CPython, or install Debian's python3)"
py=$(realpath "$py")
base=$("$py" -I -c 'import sys; print(sys.base_prefix)') || die "$py does not run"
pyxy=$("$py" -I -c 'import sys; print("%d.%d" % sys.version_info[:2])')
pyver=$("$py" -I -c 'import platform; print(platform.python_version())')
if [ "$base" = /usr ]; then layout_kind=venv; else layout_kind=copy; fi
mkdir -p "$env"
env=$(realpath "$env")
case "$env" in "$base"|"$base"/*) die "ENV_PATH $env is inside the interpreter's prefix $base";; esac

apt_install() {  # apt_install PACKAGE WHY
  echo "provision/python.sh: installing $1 (apt): $2" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "$1" >/dev/null || die "apt-get install $1 failed"
}
if [ "$layout_kind" = venv ]; then
  # venv + ensurepip come from Debian's python3-venv; install it if missing.
  if ! "$py" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt_install python3-venv "Debian's python3 needs it for venvs"
    "$py" -c 'import venv, ensurepip' || die "python3-venv installed but 'import venv, ensurepip' still fails"
  fi
else
  command -v patchelf >/dev/null 2>&1 || apt_install patchelf "rewrites the copied interpreter's rpaths"
  "$py" -I -c 'import ensurepip' >/dev/null 2>&1 || die "$py has no ensurepip (needed to put pip into the copy)"
fi

layout=2   # bump when this script changes what it builds
stamp=$(printf '%s\n%s\n%s\n%s\n%s\n' "$layout" "$layout_kind" "$py" "$pyver" "$reqs" | sha256sum | cut -d' ' -f1)
if [ "$layout_kind" = venv ]; then
  check="import sys, $probe; assert sys.prefix != sys.base_prefix"
else
  check="import sys, $probe; assert sys.prefix == sys.base_prefix == '$env', sys.prefix"
fi
if [ -f "$env/.bax-stamp" ] && [ "$(cat "$env/.bax-stamp")" = "$stamp" ] && [ -f "$env/env.json" ] \
   && "$env/bin/python3" -c "$check" >/dev/null 2>&1; then
  exit 0   # already provisioned with these exact requirements
fi

echo "provision/python.sh: building $env_id in $env (CPython $pyver from $py_source: $py, $layout_kind)" >&2
rm -f "$env/.bax-stamp" "$env/env.json"
if [ "$layout_kind" = venv ]; then
  "$py" -m venv --clear "$env" || die "python3 -m venv failed"
  interpreter="CPython $pyver, $py_source's $py (a virtualenv at /env)"
else
  find "$env" -mindepth 1 -delete
  mkdir -p "$env/bin" "$env/lib/python$pyxy/site-packages"
  cp "$py" "$env/bin/python$pyxy"
  ln -s "python$pyxy" "$env/bin/python3"
  ln -s "python$pyxy" "$env/bin/python"
  for so in "$base"/lib/libpython"$pyxy"*.so*; do
    [ -e "$so" ] && cp -a "$so" "$env/lib/"
  done
  # The standard library as BaxBench's python image has it: no test suite (the image deletes it),
  # no IDLE, no static libpython; not the source interpreter's own site-packages.
  tar -C "$base/lib/python$pyxy" --exclude=./test --exclude=./idlelib --exclude=./site-packages \
      --exclude='./config-*/libpython*.a' --exclude='*/tests' -cf - . \
    | tar -C "$env/lib/python$pyxy" -xf - || die "copying the standard library from $base failed"
  if [ -d "$base/include/python$pyxy" ]; then
    mkdir -p "$env/include" && cp -a "$base/include/python$pyxy" "$env/include/"
  fi
  # rpaths into the old prefix's lib become $ORIGIN-relative: the copy works under any path.
  /usr/bin/python3 - "$env" "$base" <<'PYEOF' || die "rewriting rpaths failed"
import os, subprocess, sys
env, base = sys.argv[1:3]
old_lib = os.path.join(base, "lib")
for root, dirs, files in os.walk(env):
    for name in files:
        p = os.path.join(root, name)
        if os.path.islink(p):
            continue
        with open(p, "rb") as f:
            if f.read(4) != b"\x7fELF":
                continue
        rp = subprocess.run(["patchelf", "--print-rpath", p], capture_output=True, text=True)
        if rp.returncode != 0 or not rp.stdout.strip():
            continue
        entries = rp.stdout.strip().split(":")
        new = []
        for e in entries:
            if e == old_lib:
                rel = os.path.relpath(os.path.join(env, "lib"), root)
                e = "$ORIGIN" if rel == "." else "$ORIGIN/" + rel
            elif e.startswith(base):
                sys.exit(f"{p}: rpath entry {e} points into {base}, which the sandbox cannot see")
            new.append(e)
        if new != entries:
            subprocess.run(["patchelf", "--set-rpath", ":".join(new), p], check=True)
PYEOF
  interpreter="CPython $pyver from $py_source ($py), copied into /env"
  "$env/bin/python3" -I -c "import sys; assert sys.prefix == '$env', sys.prefix" \
    || die "the copied interpreter does not find its own prefix $env"
  "$env/bin/python3" -I -m ensurepip --default-pip >&2 || die "ensurepip in the copy failed"
fi
printf '%s' "$reqs" > "$env/requirements.txt"
# --no-cache-dir: nothing written outside env_path. pip's own config/env (certs, timeouts) is honoured.
"$env/bin/python3" -m pip install --no-cache-dir --no-input --disable-pip-version-check --compile \
  --root-user-action=ignore -r "$env/requirements.txt" \
  || die "pip install of $env_id's pinned requirements failed (is PyPI reachable?)"

# Byte-compile everything: /env is read-only in the sandbox, so Python can't cache .pyc there.
"$env/bin/python3" -m compileall -q -j 0 "$env/lib" >/dev/null || die "compileall failed"

# Make console scripts path-independent (host path now, /env in the sandbox): replace
# `#!<env>/bin/python3` with a sh/python polyglot that runs the python next to the script.
"$env/bin/python3" - "$env" <<'EOF'
import os, sys
env = sys.argv[1]
bindir = os.path.join(env, "bin")
head = f"#!{bindir}/python".encode()
poly = b"#!/bin/sh\n'''exec' \"$(dirname -- \"$(realpath -- \"$0\")\")/python3\" \"$0\" \"$@\"\n' '''\n"
for name in os.listdir(bindir):
    p = os.path.join(bindir, name)
    if os.path.islink(p) or not os.path.isfile(p):
        continue
    with open(p, "rb") as f:
        data = f.read()
    first, _, rest = data.partition(b"\n")
    if first.strip().startswith(head):
        with open(p, "wb") as f:
            f.write(poly + rest)
EOF

# Sanity: the pins are installed exactly and consistently.
"$env/bin/python3" -m pip check --disable-pip-version-check >&2 || die "pip check reports broken requirements"

"$env/bin/python3" - "$env" "$env_id" "$pyver" "$interpreter" <<'EOF' || die "writing env.json failed"
import json, os, sys
from importlib import metadata
env, env_id, pyver, interpreter = sys.argv[1:5]
versions = {"python": pyver}
for d in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"].lower()):
    versions[d.metadata["Name"]] = d.version
degraded = None if pyver.startswith("3.12.") else ("Python %s (%s) instead of BaxBench's Python 3.12 (set "
            "BAX_PYTHON to a CPython 3.12, or install one with pyenv, and rerun `bax env setup`): code using "
            "3.12-only features (PEP 701 f-strings that reuse the outer quote, `type` aliases, PEP 695 generics, "
            "itertools.batched, ...) fails to start here but would run upstream" % (pyver, interpreter))
with open(os.path.join(env, "env.json.tmp"), "w") as f:
    json.dump({"env_id": env_id, "versions": versions, "degraded": degraded, "interpreter": interpreter}, f, indent=2)
    f.write("\n")
os.replace(os.path.join(env, "env.json.tmp"), os.path.join(env, "env.json"))
EOF
echo "$stamp" > "$env/.bax-stamp"
echo "provision/python.sh: $env_id ready in $env ($(du -sh "$env" | cut -f1))" >&2
