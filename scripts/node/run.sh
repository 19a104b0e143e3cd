#!/bin/sh
# sh scripts/node/run.sh [--quiet] COMMAND...
# Runs a command with r4's pinned Node 24 first on PATH (ensure.sh finds or fetches it by its cache path),
# so `node`, `npm`, `npx` and every `#!/usr/bin/env node` script below it run on Node 24 whatever the
# machine's own node is. It says on stderr, once per process tree, which Node runs and why; build steps
# pass --quiet so that a user sees that line once, for the program itself. stdout stays the command's own
# (`npm run -s cluster -- up` prints only export lines).
set -eu
bin=$(sh "$(dirname "$0")/ensure.sh")
if [ "${1:-}" = --quiet ]; then
  shift
  R4_NODE_SAID=1
  export R4_NODE_SAID
fi
if [ -z "${R4_NODE_SAID:-}" ]; then
  system=$(PATH=$(printf '%s' "$PATH" | sed "s|$bin:||g") command -v node 2>/dev/null || true)
  why="pinned in scripts/node/versions.env"
  [ -z "$system" ] || why="$why; r4 supports Node 24 only, so this machine's node $("$system" --version 2>/dev/null || echo "?") is not used"
  echo "r4: running on Node $("$bin/node" --version) from $bin ($why)" >&2
  export R4_NODE_SAID=1
fi
PATH="$bin:$PATH"
export PATH
exec "$@"
