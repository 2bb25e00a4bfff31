#!/usr/bin/env bash
# System packages on the host, from Debian's archive (apt):
#   bash system.sh [DEBIAN_PACKAGE...]     with BAX_NPM_GLOBAL="name@version ..." (may be empty)
# What bax itself needs is listed here:
#   bubblewrap  the sandbox
#   iproute2    gives each sandbox's network namespace a non-loopback service address
#   sqlite3     tests inspect apps' databases
#   util-linux, procps, ca-certificates: nsenter, ps, TLS for the package registries
#   python3     loads the seccomp filters for commands run inside an instance (Instance::exec)
#   chromium    renders bax-eval's HTML reports headless in a test (charts drawn)
#   unzip       reads back the zip files bax-scenarios' fixtures make (a unit test)
#   stress-ng   the CPU hog of `bax bench stability` and of the tests that score under load
# What the scenarios' apps need (ffmpeg, poppler-utils, a global tsc, ...) is not: each scenario
# declares it in its scenario.toml ([provision] debian / npm_global), and bax passes the union as
# the arguments and BAX_NPM_GLOBAL.
# Idempotent: packages already installed are skipped without touching apt.
set -euo pipefail
pkgs=(bubblewrap iproute2 sqlite3 util-linux procps ca-certificates python3 chromium unzip stress-ng "$@")
for p in "${pkgs[@]}"; do
  [[ "$p" =~ ^[a-z0-9][a-z0-9+.-]*$ ]] || { echo "provision/system.sh: '$p' is not a Debian package name" >&2; exit 1; }
done
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
install_npm_global() {
  # Global npm packages (upstream: `npm install -g <pkg>` in the images), installed once when npm
  # is on the host's PATH; a package whose command is already there is skipped.
  local spec name
  for spec in ${BAX_NPM_GLOBAL:-}; do
    name=${spec%@*}
    [[ "$spec" =~ ^(@[a-z0-9._-]+/)?[a-z0-9._-]+@[A-Za-z0-9._+-]+$ ]] \
      || { echo "provision/system.sh: '$spec' is not name@version" >&2; exit 1; }
    if [ -d "$(npm root -g 2>/dev/null)/$name" ] || ! command -v npm >/dev/null 2>&1; then
      continue
    fi
    echo "installing $spec globally (npm)" >&2
    npm install -g --no-audit --no-fund "$spec" >/dev/null
  done
}
if [ ${#missing[@]} -eq 0 ]; then
  install_npm_global
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
install_npm_global
