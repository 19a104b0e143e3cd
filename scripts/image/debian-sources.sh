#!/bin/sh
# Writes the apt sources of a Debian 12 root made by debootstrap (which knows only `bookworm`): bookworm, the
# security suite bookworm-security and, when this machine has it, bookworm-updates, each from the mirror this
# machine's apt uses for it (never a host name written down here). With them the root gets the same package
# versions as the machine, above all the libssl-dev the core is pinned to (native/openssl.env), which Debian
# publishes through bookworm-security.
# Usage: sh scripts/image/debian-sources.sh ROOTFS
set -eu
rootfs="$1"

mirror_of() {
  apt-get indextargets --format '$(REPO_URI)' "Release: $1" 'Target-Of: deb' 'Component: main' | head -n 1
}
main="$(mirror_of bookworm)"
security="$(mirror_of bookworm-security)"
updates="$(mirror_of bookworm-updates)"
if [ -z "$main" ] || [ -z "$security" ]; then
  echo "r4 image: this machine's apt sources lack Debian's bookworm or bookworm-security (component main); add them, then apt-get update" >&2
  exit 1
fi

{
  echo "deb $main bookworm main"
  [ -z "$updates" ] || echo "deb $updates bookworm-updates main"
  echo "deb $security bookworm-security main"
} >"$rootfs/etc/apt/sources.list"
