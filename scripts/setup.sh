#!/usr/bin/env bash
# Installs everything clos and its tests need on a bare Debian 12 machine (run as root):
# the real daemons the emulated switches run (redis-server, FRR, lldpd), iproute2 for the
# namespaces, Chromium (the drift HTML report is checked in a headless browser), yanglint
# (libyang2-tools: the factory presets are validated against SONiC's YANG models), and the npm
# dependencies. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(redis-server frr lldpd iproute2 iputils-ping procps chromium libyang2-tools)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages ${missing[*]}; run this as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# npm ci builds dist/ (prepare); a checkout whose node_modules was already current may still
# have none, or one older than its sources: `clos` runs dist/.
node --input-type=module -e "const { distProblem } = await import('./bin/freshness.js'); process.exit(distProblem() ? 1 : 0)" || npm run build --silent
