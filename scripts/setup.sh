#!/bin/sh
# Installs what building and testing r4 needs, and only what is missing, so a fresh Debian 12 clone works
# with `npm start` / `npm test` alone and a warm machine pays a few dpkg look-ups.
#   sh scripts/setup.sh           what `npm start` needs: the "build" group of scripts/debian-tools.txt,
#                                 the pinned Node 24, the npm packages
#   sh scripts/setup.sh --bench   the same, and the benchmarks' tools
#   sh scripts/setup.sh --test    every group (tests build images and run benchmarks' short forms), and the
#                                 local Kubernetes binaries
set -eu
cd "$(dirname "$0")/.."

case "${1:-}" in
  "") groups="build" ;;
  --bench) groups="build bench" ;;
  --test) groups="build test image bench" ;;
  *) echo "usage: sh scripts/setup.sh [--bench|--test]" >&2; exit 2 ;;
esac

# Debian packages of the groups asked for (column 3 of the list; "-" marks what is not a Debian package).
debs=$(awk -v groups=" $groups " '!/^#/ && NF >= 3 && $3 != "-" && index(groups, " " $1 " ") { print $3 }' scripts/debian-tools.txt | sort -u)
missing=""
for p in $debs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if [ -n "$missing" ]; then
  echo "r4 setup: installing Debian packages:$missing" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing >&2
fi

# Exactly the libssl-dev the core is pinned to (native/openssl.env): its static libcrypto is part of the core's
# bytes, so only then does this machine build the core the image and the release carry (the same SHA-256).
. native/openssl.env
installed=$(dpkg-query -W -f='${Version}' libssl-dev 2>/dev/null || true)
if [ "$installed" != "$LIBSSL_DEV_VERSION" ]; then
  offered() { apt-cache madison libssl-dev | awk '{ print $3 }'; }
  offered | grep -qxF "$LIBSSL_DEV_VERSION" || $sudo_cmd apt-get update -qq
  if ! offered | grep -qxF "$LIBSSL_DEV_VERSION"; then
    echo "r4 setup: the core is built with libssl-dev $LIBSSL_DEV_VERSION (native/openssl.env); this machine has ${installed:-none}" \
      "and apt cannot get that version (it offers: $(offered | paste -sd ' ' -)). It comes from Debian 12's bookworm-security suite:" \
      "add that suite to apt's sources and run this again. If bookworm-security has a newer one now, change native/openssl.env" \
      "to it (the core's SHA-256 changes with it)." >&2
    exit 1
  fi
  echo "r4 setup: libssl-dev ${installed:-none} -> $LIBSSL_DEV_VERSION (native/openssl.env)" >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends --allow-downgrades \
    "libssl-dev=$LIBSSL_DEV_VERSION" "libssl3=$LIBSSL_DEV_VERSION" >&2
fi

# Node 24, pinned and verified, from the cache (fetched on first use).
sh scripts/node/ensure.sh >/dev/null

# npm packages, installed by Node 24's npm: again only when the lock file or the Node version changed.
stamp=node_modules/.r4-lock-stamp
want=$(sha256sum package-lock.json scripts/node/versions.env | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "r4 setup: installing npm packages" >&2
  sh scripts/node/run.sh --quiet npm ci --no-audit --no-fund >&2
  echo "$want" >"$stamp"
fi

# The local Kubernetes cluster's binaries (test/cluster), built from pinned Go modules: the first build
# takes several minutes and says where its cache lives; later runs find the cache and return at once.
case " $groups " in
  *" test "*) bash test/cluster/bins/build.sh ;;
esac
