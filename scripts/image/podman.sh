#!/bin/sh
# Runs podman with r4's configuration and storage (config.sh), e.g. `sh scripts/image/podman.sh images`.
# The image tests run every podman command through this script.
set -eu
. "$(dirname "$0")/config.sh"
# A build waits for build.sh's lock: build.sh ends by pruning unused images, which must not meet a build
# still making its own.
if [ "${1:-}" = build ]; then exec flock "$R4_PODMAN_DIR/build.lock" podman "$@"; fi
exec podman "$@"
