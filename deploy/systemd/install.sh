#!/bin/sh
# Installs r4 for systemd from a built checkout (`npm run setup && npm run build` first). Usage, as root:
#   sh deploy/systemd/install.sh            install, create the user r4, reload systemd (nothing is started)
#   sh deploy/systemd/install.sh DESTDIR    only stage the same tree under DESTDIR (packaging, tests)
# What goes where:
#   /opt/r4                         package.json, the compiled service, its production npm packages (root-owned)
#   /opt/r4/node/bin/node           the pinned Node 24 (scripts/node/ensure.sh): the host needs no Node of its own
#   /opt/r4/runtime/bin/re4_dump    the core, and /opt/r4/selftest/manifest.json with the hash it must have
#   /etc/systemd/system/r4.service  the unit; /usr/lib/sysusers.d/r4.conf declares the user r4
#   /etc/r4/r4.env, /etc/r4/api-keys  settings and keys, created on the first install only (never overwritten)
set -eu
cd "$(dirname "$0")/../.."
dest="${1:-}"

for f in native/build/re4_dump native/build/manifest.json dist/service/main.js node_modules/.package-lock.json; do
  [ -e "$f" ] || { echo "r4 install: $f is missing; run 'npm run setup && npm run build' in $(pwd) first" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || [ -n "$dest" ] || { echo "r4 install: run as root (sudo sh $0)" >&2; exit 1; }
node_bin="$(sh scripts/node/ensure.sh)"

# The new tree is staged next to the old one and swapped in whole: a running service keeps the files it
# already loaded, a restart gets a complete new version.
app="$dest/opt/r4"
stage="$app.new"
rm -rf "$stage"
mkdir -p "$stage/dist" "$(dirname "$app")"
cp package.json package-lock.json "$stage/"
cp -R dist/contracts dist/vrf dist/service "$stage/dist/"
find "$stage/dist" -name '*.test.js*' -delete
# The service's packages only: the checkout's node_modules, pruned locally (no registry is contacted) as the
# image's are; type declarations and source maps of dependencies are never loaded.
cp -R node_modules "$stage/node_modules"
"$node_bin/node" scripts/prune-dependencies.ts service "$stage" >/dev/null
find "$stage/node_modules" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete
install -D -m 0755 "$node_bin/node" "$stage/node/bin/node"
[ ! -f "$node_bin/../LICENSE" ] || install -D -m 0644 "$node_bin/../LICENSE" "$stage/node/LICENSE"
install -D -m 0755 native/build/re4_dump "$stage/runtime/bin/re4_dump"
install -D -m 0644 native/build/manifest.json "$stage/selftest/manifest.json"
chmod -R u=rwX,go=rX "$stage"
rm -rf "$app.old"
[ ! -e "$app" ] || mv "$app" "$app.old"
mv "$stage" "$app"
rm -rf "$app.old"

install -D -m 0644 deploy/systemd/r4.service "$dest/etc/systemd/system/r4.service"
install -D -m 0644 deploy/systemd/r4.sysusers "$dest/usr/lib/sysusers.d/r4.conf"
install -d -m 0755 "$dest/etc/r4"
[ -e "$dest/etc/r4/r4.env" ] || install -m 0600 deploy/systemd/r4.env.example "$dest/etc/r4/r4.env"
# A new key file gets one key of 24 random bytes (48 hex characters; the service wants 32 or more). It goes
# straight into the file, never to the terminal: install logs, CI output and scrollback keep no key.
new_keys=""
if [ ! -e "$dest/etc/r4/api-keys" ]; then
  new_keys=1
  (umask 077 && { printf '# one API key per line (32 characters or more); r4 re-reads this file when it changes\n'
    od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; echo; } >"$dest/etc/r4/api-keys")
fi

# The VRF keys (docs/vrf.md) are made once, by the core, and kept: answers and beacon pulses stay verifiable
# across reinstalls. keygen.js checks an existing keyset and never replaces it.
"$node_bin/node" dist/service/vrf/keygen.js "$dest/etc/r4/vrf-keyset.json"

if [ -n "$dest" ]; then
  echo "r4 install: staged under $dest (no user created, systemd not told)"
  exit 0
fi
systemd-sysusers /usr/lib/sysusers.d/r4.conf
chown root:r4 /etc/r4/api-keys /etc/r4/vrf-keyset.json
chmod 0640 /etc/r4/api-keys /etc/r4/vrf-keyset.json
[ ! -d /run/systemd/system ] || systemctl daemon-reload
echo "r4 install: installed $(sed -n 's/.*"core_sha256":"\([0-9a-f]*\)".*/core sha256 \1/p' /opt/r4/selftest/manifest.json)"
[ -z "$new_keys" ] || echo "r4 install: created /etc/r4/api-keys with one new key; read it with: sudo grep -v '^#' /etc/r4/api-keys"
echo "r4 install: next: review /etc/r4/r4.env, then: systemctl enable --now r4 && systemctl status r4"
