#!/bin/sh
# The README's promise, checked the way a new user meets it: a fresh Debian 12 (debootstrap minbase) with
# Debian's own nodejs and npm (Node 18, which r4 does not run on), a clone of this checkout's HEAD and
# nothing else; then the README's two commands. `npm start` must serve bytes with the key "demo" on Node
# 24; `npm test` (through .ci/run, as CI runs it) must pass. The machine's trust store additions
# (/usr/local/share/ca-certificates, e.g. a TLS-inspecting proxy's CA) are carried over, as every machine
# of this kind has them; nothing else of the host is.
#
# It runs in its own root (pivot_root) inside its own mount and pid namespaces, so every process it starts
# ends with it.
# Cold, it builds Go, Kubernetes and the images from nothing: about an hour on 2 cores. Not part of
# `npm test`. Usage, as root:
#   sh scripts/check-fresh-debian.sh [WORKDIR]    (default /var/tmp/r4-fresh-debian, removed at the end
#                                                  unless R4_KEEP=1; its log: WORKDIR.log)
#   R4_FRESH_START_ONLY=1 sh scripts/check-fresh-debian.sh   the first command only (setup, build, serve):
#                                                  minutes, for a change to the setup
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/var/tmp/r4-fresh-debian}
log=$work.log
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
say() { echo "fresh-debian: $*" | tee -a "$log" >&2; }

rm -rf "$work"
mkdir -p "$work"
: >"$log"
mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Release: bookworm' 'Target-Of: deb' 'Component: main' | head -n 1)
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
say "debootstrap bookworm (minbase) into $work from $mirror"
debootstrap --variant=minbase bookworm "$work" "$mirror" >>"$log" 2>&1
# A Debian 12 install has the security suite (the pinned libssl-dev, native/openssl.env, comes from it).
sh "$repo/scripts/image/debian-sources.sh" "$work"
cp -a /usr/local/share/ca-certificates/. "$work/usr/local/share/ca-certificates/" 2>/dev/null || true
cp /etc/resolv.conf "$work/etc/resolv.conf"
say "cloning $(git -C "$repo" rev-parse --short HEAD) into /root/r4"
git clone --quiet --no-hardlinks "$repo" "$work/root/r4"

# Inside: the machine's own Debian packages (git, nodejs, npm), then the README's commands.
cat >"$work/root/check.sh" <<'INSIDE'
set -eu
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates git nodejs npm >/dev/null
update-ca-certificates >/dev/null
echo "fresh-debian: the machine's node is $(node --version), npm $(npm --version)"
cd /root/r4
# Its own session, so that stopping it stops npm and everything npm started.
setsid npm start >/root/npm-start.log 2>&1 &
npm_group=$!
started=$(date +%s)
until curl_out=$(node -e 'fetch("http://127.0.0.1:8080/random?n=32&fmt=hex",{headers:{"x-api-key":"demo"}}).then(async r=>{console.log(r.status, await r.text())}).catch(()=>process.exit(1))' 2>/dev/null); do
  [ $(($(date +%s) - started)) -lt 900 ] || { tail -n 40 /root/npm-start.log; echo "fresh-debian: npm start did not serve within 15 min"; exit 1; }
  sleep 2
done
echo "fresh-debian: npm start served after $(($(date +%s) - started)) s: $curl_out"
grep -m1 'running on Node' /root/npm-start.log
kill -TERM "-$npm_group"
wait || true
[ "${R4_FRESH_START_ONLY:-}" != 1 ] || { echo "fresh-debian: R4_FRESH_START_ONLY=1: npm test not run"; exit 0; }
echo "fresh-debian: npm test (bash .ci/run)"
started=$(date +%s)
bash .ci/run
echo "fresh-debian: npm test passed in $(($(date +%s) - started)) s"
INSIDE

say "running the README's commands in the fresh root (log: $log)"
status=0
unshare --mount --pid --fork sh -c '
  set -e
  root=$1
  mount --make-rprivate /
  # The new root must be a mount point, as / is on a machine: ip netns and podman remount it.
  mount --rbind "$root" "$root"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs tmpfs "$root/run"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  # pivot_root, not only chroot: `runc exec` run inside a chroot joins the namespaces of the host, not
  # those of the container (the bare-metal test then ran its commands outside its systemd container).
  mkdir -p "$root/.host"
  cd "$root"
  pivot_root . .host
  exec chroot . /bin/sh -c "mount -t proc proc /proc && umount -l /.host && rmdir /.host && exec /bin/sh /root/check.sh"
' fresh-debian "$work" >>"$log" 2>&1 || status=$?
grep '^fresh-debian:\|^jest:\|r4: running on' "$log" >&2 || true
if [ "$status" -eq 0 ]; then say "PASSED"; else say "FAILED ($status); see $log"; fi
[ "${R4_KEEP:-}" = 1 ] || rm -rf "$work"
exit "$status"
