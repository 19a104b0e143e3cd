#!/bin/sh
# Makes sure r4's podman storage has an image named `node:24-bookworm-slim`, the base the Dockerfile names.
# Without a registry it is a local stand-in: Debian 12 from debootstrap (minbase), brought up to date from the
# security suite (and bookworm-updates) as the real image is and as this machine is, with r4's pinned Node 24
# and its npm (scripts/node/ensure.sh, found by its cache path, never through PATH, which sudo resets)
# where the real image has them (/usr/local/bin, /usr/local/lib/node_modules). It is cached as an OCI
# archive under ~/.cache/r4/images, so a later run (or a wiped storage) loads it in seconds.
# A real `node:24-bookworm-slim` already in the storage (no stand-in label) is used as it is.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/config.sh"

tag="node:24-bookworm-slim"
label="dev.r4.stand-in"
node_bin="$(sh "$here/../node/ensure.sh")"
node_version="$("$node_bin/node" --version)"
# One base at a time: build.sh and the bare-metal test may both ask for it on a cold machine.
exec 8>"$R4_PODMAN_DIR/base.lock"
flock 8

# The stand-in is remade when the pinned node or this recipe changes.
stand_in="node-$node_version-recipe-$(cat "$0" "$here/debian-sources.sh" | sha256sum | cut -c1-12)"

if podman image exists "$tag"; then
  present="$(podman image inspect --format "{{index .Labels \"$label\"}}" "$tag")"
  if [ "$present" = "$stand_in" ] || [ -z "$present" ] || [ "$present" = "<no value>" ]; then
    echo "r4 image: base $tag present"
    exit 0
  fi
fi

archive="$r4_cache/images/node-24-bookworm-slim-$stand_in.oci-archive"
if [ -f "$archive" ]; then
  echo "r4 image: loading base $tag from $archive"
  loaded="$(podman load --quiet --input "$archive")"
  podman tag "${loaded#Loaded image: }" "$tag"
  exit 0
fi

# The mirror this machine's apt uses for bookworm main, never a host name written down here.
mirror="$(apt-get indextargets --format '$(REPO_URI)' 'Release: bookworm' 'Target-Of: deb' 'Component: main' | head -n 1)"
if [ -z "$mirror" ]; then
  echo "r4 image: no Debian bookworm 'main' source in this machine's apt sources; add one, then apt-get update" >&2
  exit 1
fi

mkdir -p "$r4_cache/images"
work="$(mktemp -d "$r4_cache/images/base.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
echo "r4 image: debootstrap bookworm (minbase) from $mirror, about a minute"
started="$(date +%s)"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -n 20 "$work/debootstrap.log" >&2
  echo "r4 image: debootstrap failed (log above); check that the mirror is reachable" >&2
  exit 1
}
# debootstrap takes one suite; the security suite (and bookworm-updates, when this machine has it) then bring
# the base to the versions this machine gets, and let the build stage install the libssl-dev the core is pinned
# to (native/openssl.env), which Debian publishes there.
sh "$here/debian-sources.sh" "$rootfs"
echo "r4 image: upgrading the base from $(grep -c . "$rootfs/etc/apt/sources.list") apt sources (bookworm-security among them)"
chroot "$rootfs" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -qq' >>"$work/debootstrap.log" 2>&1 || {
  tail -n 20 "$work/debootstrap.log" >&2
  echo "r4 image: upgrading the base from the security suite failed (log above); check that the mirrors are reachable" >&2
  exit 1
}
# apt's downloads, lists and caches (pkgcache.bin, srcpkgcache.bin: 80 MB) would only weigh on every image.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*

# Node needs only libc, libstdc++ and libgcc_s, all in minbase. npm and npx are links to npm's own
# scripts, as in the official image.
install -D -m 0755 "$node_bin/node" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/lib/node_modules"
cp -a "$node_bin/../lib/node_modules/npm" "$rootfs/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# npm in the stand-in trusts what npm on this machine trusts: behind a TLS-inspecting proxy, the machine's CA
# file is what lets `npm ci` in the build stage reach the registry. That is npm's `cafile` (which ensure.sh
# carries over from the machine's npm), or else the file Node itself is told to trust (NODE_EXTRA_CA_CERTS).
cafile="$("$node_bin/npm" config get cafile 2>/dev/null || true)"
[ -f "$cafile" ] || cafile="${NODE_EXTRA_CA_CERTS:-}"
if [ -f "$cafile" ]; then
  install -D -m 0644 "$cafile" "$rootfs$cafile"
  mkdir -p "$rootfs/usr/local/etc"
  echo "cafile=$cafile" >"$rootfs/usr/local/etc/npmrc"
fi

tar -C "$rootfs" --numeric-owner -c . | podman import --quiet \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=${node_version#v}" \
  --change "LABEL $label=$stand_in" \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
podman save --quiet --format oci-archive --output "$work/base.oci-archive" "$tag"
rm -f "$r4_cache"/images/node-*-bookworm-slim-*.oci-archive # stand-ins of another node or recipe
mv "$work/base.oci-archive" "$archive"
echo "r4 image: base $tag made in $(($(date +%s) - started)) s, cached as $archive"
