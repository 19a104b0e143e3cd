#!/bin/sh
# Installs the Debian packages that build and run r4's images, and only those missing: the group "image" of
# scripts/debian-tools.txt (podman, buildah, runc, debootstrap). A warm machine pays a few dpkg look-ups.
set -eu
cd "$(dirname "$0")/../.."

debs=$(awk '!/^#/ && $1 == "image" && $3 != "-" { print $3 }' scripts/debian-tools.txt | sort -u)
missing=""
for p in $debs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "r4 image: installing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "r4 image: installing needs root; run: sudo apt-get install$missing" >&2
  exit 1
fi
apt-get update -qq
# dpkg's progress goes to stdout and is dropped; apt's errors still reach stderr.
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
