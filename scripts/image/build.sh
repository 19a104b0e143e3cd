#!/bin/sh
# Builds r4's two images from the unchanged Dockerfile with podman, on a machine without a registry:
#   r4:VERSION (service, the default target) and r4-operator:VERSION (--target operator).
# Installs podman if missing (install.sh), makes or loads the base (base.sh), then builds with --pull=never.
# Extra arguments go to every `podman build`, e.g. `sh scripts/image/build.sh --no-cache`.
# R4_IMAGE and R4_OPERATOR_IMAGE override the tags. Prints progress, timings and sizes.
set -eu
cd "$(dirname "$0")/../.."
here=scripts/image

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
started="$(now)"

step="$(now)"
sh "$here/install.sh"
. "$here/config.sh"
echo "r4 image: podman ready ($(since "$step"))"

# One build at a time per storage: a second one (another test file, another terminal) waits, then finds
# every layer cached.
exec 9>"$R4_PODMAN_DIR/build.lock"
flock 9

step="$(now)"
sh "$here/base.sh"
# Every stage is built FROM the base by its digest, and the images say which (OCI base labels): a later
# change of the tag cannot slip another base under the same build.
base_name="node:24-bookworm-slim"
base_digest="$(podman image inspect --format '{{.Digest}}' "$base_name")"
echo "r4 image: base ready ($(since "$step")), $base_name@$base_digest"

version="$("$(sh scripts/node/ensure.sh)/node" -p 'require("./package.json").version')"
# A tree with uncommitted changes is not that commit: its revision says so.
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
[ "$revision" = unknown ] || git diff --quiet HEAD || revision="$revision-dirty"
# The commit's time stands for "created" and for every file's mtime (--timestamp): the same commit gives the
# same labels and layers whenever it is built. Outside a checkout it is now.
epoch="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
created="$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)"
source_url="$(git config --get remote.origin.url 2>/dev/null || true)"
service_image="${R4_IMAGE:-r4:$version}"
operator_image="${R4_OPERATOR_IMAGE:-r4-operator:$version}"
build_stage="r4-build:$version"

# Debian's buildah 1.28 may take a LABEL or ENV layer from its cache although the build argument it expands
# has changed, which would leave an earlier revision or core hash in the image: labels are therefore also
# given on the command line, and the operator image's default hash is checked after the build.
build() {
  podman build --pull=never --layers --force-rm --timestamp "$epoch" \
    --build-arg VERSION="$version" --build-arg REVISION="$revision" \
    --build-arg CREATED="$created" --build-arg SOURCE="$source_url" --build-arg BASE_IMAGE="$base_name@$base_digest" \
    --label org.opencontainers.image.version="$version" --label org.opencontainers.image.revision="$revision" \
    --label org.opencontainers.image.created="$created" \
    --label org.opencontainers.image.base.name="$base_name" --label org.opencontainers.image.base.digest="$base_digest" \
    "$@" .
}

# The core's hash must be known before the label is written: build the stage that makes it, read the hash,
# then build the images, which reuse that stage's layers and check the hash again (Dockerfile, `attested`).
step="$(now)"
echo "r4 image: building the build stage (core, TypeScript, production dependencies)"
build --target build --tag "$build_stage" "$@"
core_sha256="$(podman run --rm --network none --entrypoint sha256sum "$build_stage" native/build/re4_dump | cut -d' ' -f1)"
echo "r4 image: build stage ready ($(since "$step")), core sha256 $core_sha256"

step="$(now)"
build --build-arg CORE_SHA256="$core_sha256" --label dev.r4.core.sha256="$core_sha256" --tag "$service_image" "$@"
echo "r4 image: service image ready ($(since "$step"))"

step="$(now)"
# The operator runs appliances on the service image of its own build: that image's digest is its default.
service_digest="$(podman image inspect --format '{{.Digest}}' "$service_image")"
operator_build() { build --build-arg CORE_SHA256="$core_sha256" --build-arg SERVICE_IMAGE_DIGEST="$service_digest" --target operator --tag "$operator_image" "$@"; }
operator_build "$@"
env_of_operator="$(podman image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$operator_image")"
if ! echo "$env_of_operator" | grep -qx "R4_DEFAULT_CORE_SHA256=$core_sha256" || ! echo "$env_of_operator" | grep -qx "R4_DEFAULT_IMAGE_DIGEST=$service_digest"; then
  echo "r4 image: the layer cache kept an earlier core hash or image digest in the operator image; rebuilding it without the cache"
  operator_build --no-cache "$@"
fi
echo "r4 image: operator image ready ($(since "$step"))"

# Earlier builds' images, now untagged and unused by any tagged one; the layer cache stays. Best effort: an
# image still held by a container (say, of a build that was killed) is kept, and the build stands.
podman image prune --force >/dev/null 2>&1 || echo "r4 image: some unused images are still held by containers and were kept (podman ps --all --external)"

for image in "$service_image" "$operator_image"; do
  id="$(podman image inspect --format '{{.Id}}' "$image")"
  size="$(podman image inspect --format '{{.Size}}' "$image")"
  echo "r4 image: $image id $(printf '%.12s' "$id") size $((size / 1000000)) MB"
done
echo "r4 image: done in $(since "$started")"
