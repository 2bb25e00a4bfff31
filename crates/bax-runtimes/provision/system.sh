#!/usr/bin/env bash
# System packages bax needs on the host, from Debian's archive (apt).
#   bubblewrap  the sandbox
#   iproute2    gives each sandbox's network namespace a non-loopback service address
#   sqlite3     tests inspect apps' databases
#   ffmpeg, imagemagick, poppler-utils, g++, make: tools BaxBench scenarios use
#   chromium    renders bax-eval's HTML reports headless in a test (charts drawn)
# Idempotent: packages already installed are skipped without touching apt.
set -euo pipefail
pkgs=(bubblewrap iproute2 sqlite3 ffmpeg imagemagick poppler-utils g++ make util-linux procps ca-certificates chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
install_tsc() {
  # The Compiler scenario compiles TypeScript in every framework's apps, as BaxBench's images do
  # with a global `npm install -g typescript`; pinned here to the JavaScript envs' 5.7.3.
  if ! command -v tsc >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
    echo "installing the TypeScript compiler (tsc) globally" >&2
    npm install -g --no-audit --no-fund typescript@5.7.3 >/dev/null
  fi
}
if [ ${#missing[@]} -eq 0 ]; then
  install_tsc
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "provision/system.sh: need root to install: ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_tsc
