#!/bin/sh
# Installs what building and testing r4 needs, and only what is missing, so a fresh Debian 12 clone works
# with `npm start` / `npm test` alone and a warm machine pays a few dpkg look-ups.
set -eu
cd "$(dirname "$0")/.."

# Debian packages: compiler and static libcrypto for the core, rng-tools5 for the statistical tests,
# openssl for the benchmark baseline and test certificates, iproute2 for the cluster harness's pod networks,
# wrk for the service benchmark's load generator.
debs="build-essential libssl-dev openssl rng-tools5 iproute2 wrk"
missing=""
for p in $debs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "r4 setup: installing Debian packages:$missing" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing >&2
fi

# npm packages: reinstall only when the lock file changed since the last install.
stamp=node_modules/.r4-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "r4 setup: installing npm packages" >&2
  npm ci --no-audit --no-fund >&2
  cp package-lock.json "$stamp"
fi

# --- Local Kubernetes cluster for the tests (test/cluster) -----------------------------------------------
# Only `npm test` passes --test: the cluster tests need kube-apiserver, etcd, ... built from pinned Go
# modules. The first build takes several minutes and says where its cache lives; later runs find the
# cache and return at once. `npm start` does not need them.
if [ "${1:-}" = "--test" ]; then
  bash test/cluster/bins/build.sh
fi
