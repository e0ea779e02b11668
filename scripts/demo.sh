#!/usr/bin/env bash
# The main job: on a fresh Debian 12 machine (root), install what is needed, bring up the
# emulated 2-spine × 4-leaf example fabric, configure it through clos, and show it converged.
# Safe to run again: every step is idempotent. `npx clos lab down topologies/dc1.fabric.yaml`
# removes the lab.
set -euo pipefail
cd "$(dirname "$0")/.."
fabric=${1:-topologies/dc1.fabric.yaml}

bash scripts/setup.sh
echo "== clos lab up $fabric"
npx --no-install clos lab up "$fabric"
echo "== clos plan $fabric"
set +e; npx --no-install clos plan "$fabric"; rc=$?; set -e
[ "$rc" = 0 ] || [ "$rc" = 10 ] || exit "$rc"
echo "== clos apply $fabric --yes"
npx --no-install clos apply "$fabric" --yes
echo "== clos verify $fabric"
npx --no-install clos verify "$fabric" --timeout 90s
echo
echo "The emulated fabric keeps running. Try: npx clos lab status $fabric"
echo "  npx clos lab exec $fabric leaf1 -- vtysh -c 'show ip route'"
echo "Remove it with: npx clos lab down $fabric"
