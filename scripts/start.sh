#!/bin/sh
# `npm start` (after scripts/setup.sh): builds what is needed and serves the entropy API on 127.0.0.1:8080.
# Without a key of your own it runs in demo mode (R4_DEMO=1) with the API key "demo", so
# `curl -s -H "x-api-key: demo" "http://127.0.0.1:8080/random?n=32&fmt=hex"` works; demo mode is the only
# one that takes a key shorter than 32 characters, and it says so here, in its log and in /version.
# Every setting can be overridden from the environment (see the README). Ctrl-C or SIGTERM stops it cleanly:
# in-flight requests finish and the core is stopped.
set -eu
cd "$(dirname "$0")/.."

npm run --silent build >&2

# The demo key is named on the terminal; a key of your own (API_KEY or API_KEYS_FILE) never is.
key_note="API key from the environment"
if [ -z "${API_KEY:-}" ] && [ -z "${API_KEYS_FILE:-}" ]; then
  export API_KEY=demo R4_DEMO=1
  key_note="DEMO MODE (R4_DEMO=1): API key: demo; for real use set API_KEY=\$(openssl rand -hex 16)"
fi
# /vrf needs the appliance's keys: a local run keeps one keyset, made once by the core, so its beacon keeps
# its chain across restarts (docs/vrf.md). Set R4_VRF_KEYSET_FILE to use another.
if [ -z "${R4_VRF_KEYSET_FILE:-}" ]; then
  export R4_VRF_KEYSET_FILE="${XDG_STATE_HOME:-$HOME/.local/state}/r4/vrf-keyset.json"
fi
sh scripts/node/run.sh --quiet node dist/service/vrf/keygen.js "$R4_VRF_KEYSET_FILE"
export API_HOST="${API_HOST:-127.0.0.1}"
export PORT="${PORT:-8080}"
scheme=http
[ -z "${TLS_CERT_FILE:-}" ] || scheme=https
echo "r4: serving on ${scheme}://${API_HOST}:${PORT} (${key_note}); Ctrl-C to stop" >&2
# exec: the service itself receives Ctrl-C and SIGTERM, with no shell in between to swallow them. npm runs
# this script under `sh -c`, which dies of a SIGTERM without passing it on: --pdeathsig has the kernel send
# the service SIGTERM when that parent dies, so it never outlives `npm start`. (setpriv is util-linux's.)
if command -v setpriv >/dev/null 2>&1; then
  exec sh scripts/node/run.sh setpriv --pdeathsig TERM node dist/service/main.js
fi
exec sh scripts/node/run.sh node dist/service/main.js
