#!/bin/sh
# What `npm start` runs after scripts/setup.sh. Until the entropy service lands (issue 3), the appliance
# is the core alone: build it, show its self-test, and stream hex until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
npm run -s build:native
native/build/re4_dump --selftest
exec native/build/re4_dump --hex
