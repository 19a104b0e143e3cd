# r4's container images, both from this file:
#   service (the default, last stage): the entropy service and its core   podman build -t r4 .
#   operator (--target operator): the Kubernetes operator                podman build --target operator -t r4-operator .
# scripts/image/build.sh builds both and passes the build arguments below; a service build without
# CORE_SHA256 stops with a message saying how to get it.
#
# Build arguments, all reproducible (nothing here reads the clock; build.sh also sets --timestamp to the commit's time):
#   VERSION      package.json's version                        -> org.opencontainers.image.version
#   REVISION     the git commit                                -> org.opencontainers.image.revision, the manifest's "git", the SBOMs
#   CREATED      the commit's date (ISO 8601), not build time  -> org.opencontainers.image.created
#   SOURCE       the repository's URL                          -> org.opencontainers.image.source
#   CORE_SHA256  SHA-256 of the core the build stage makes     -> dev.r4.core.sha256 (checked, see `attested`)
#   SERVICE_IMAGE_DIGEST  the service image's digest (operator only) -> the operator's default R4_DEFAULT_IMAGE_DIGEST
#   BASE_IMAGE   the base, pinned by digest (node:24-bookworm-slim@sha256:...) -> org.opencontainers.image.base.*
#                build.sh passes the digest of the base it made or found, so both stages are built on exactly it
# Each image carries its SBOM (SPDX 2.3) at /app/sbom/SBOM.spdx.json, named by the label dev.r4.sbom.

ARG BASE_IMAGE=node:24-bookworm-slim
FROM ${BASE_IMAGE} AS build
# build-essential and libssl-dev (its libcrypto.a) compile the core; tini-static becomes the runtime's PID 1.
# libssl-dev is exactly the version native/openssl.env pins, the host's too: its libcrypto.a is part of the
# core's bytes, so host, image and release build the same core (the base has bookworm-security for it).
WORKDIR /src
COPY native/openssl.env native/
RUN . native/openssl.env \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential \
      "libssl-dev=$LIBSSL_DEV_VERSION" "libssl3=$LIBSSL_DEV_VERSION" tini \
 && rm -rf /var/lib/apt/lists/*
# Dependencies first: this layer is reused until the lock file changes.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY native/ native/
ARG REVISION=unknown
# Only the release core and its manifest (the sanitizer builds are for the tests). The Makefile asks git for
# the revision, and there is no .git here, so it is passed in; it goes into the manifest, not the binary.
RUN make -C native build/re4_dump build/manifest.json GIT_REV="$(printf '%.12s' "$REVISION")"
# The product only (tsconfig.product.json): no tests, benchmarks or scripts reach an image.
COPY tsconfig.product.json ./
COPY api/ api/
COPY contracts/ contracts/
COPY service/ service/
COPY operator/ operator/
COPY cdk8s/ cdk8s/
COPY vrf/ vrf/
RUN npx tsc -p tsconfig.product.json
# The dashboard page (a Preact app): type-checked, then bundled into dist/dashboard (app.js, app.css,
# index.html), which the operator serves. esbuild is a devDependency: it runs here and never ships.
COPY dashboard/ dashboard/
COPY scripts/bundle-dashboard.ts scripts/
RUN npx tsc -p dashboard/tsconfig.json && node scripts/bundle-dashboard.ts
# Each image keeps only its program's npm packages (package.json's r4.programs and what they need). Type
# declarations and source maps are never loaded at run time.
COPY scripts/prune-dependencies.ts scripts/

FROM build AS service-dependencies
RUN node scripts/prune-dependencies.ts service \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete

FROM build AS operator-dependencies
RUN node scripts/prune-dependencies.ts operator \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete

# The label must name the core this build made, so the build stops unless CORE_SHA256 is that core's hash
# and the manifest says the same. Its own stage, so no layer of the runtime image carries the check.
FROM build AS attested
ARG CORE_SHA256
RUN if [ -z "$CORE_SHA256" ]; then \
      echo "set --build-arg CORE_SHA256 to the SHA-256 of native/build/re4_dump in the 'build' stage (scripts/image/build.sh does)" >&2; \
      exit 1; \
    fi \
 && echo "$CORE_SHA256  native/build/re4_dump" | sha256sum --check --strict \
 && grep -q "\"core_sha256\":\"$CORE_SHA256\"" native/build/manifest.json

# Each image's /app exactly as it ships, assembled apart so that its SBOM describes these very files.
FROM scratch AS service-app
COPY --from=build /src/package.json /app/
COPY --from=service-dependencies /src/node_modules/ /app/node_modules/
COPY --from=build /src/dist/contracts/ /app/dist/contracts/
COPY --from=build /src/dist/vrf/ /app/dist/vrf/
COPY --from=build /src/dist/service/ /app/dist/service/
COPY --from=attested /src/native/build/re4_dump /app/runtime/bin/re4_dump
COPY --from=attested /src/native/build/manifest.json /app/selftest/manifest.json

# The core makes the appliances' VRF keys (operator/vrf/keygen.ts): the same attested core as the service's,
# measured against its manifest before each use and run from a private copy in /tmp.
FROM scratch AS operator-app
COPY --from=build /src/package.json /app/
COPY --from=operator-dependencies /src/node_modules/ /app/node_modules/
COPY --from=build /src/dist/api/ /app/dist/api/
COPY --from=build /src/dist/contracts/ /app/dist/contracts/
COPY --from=build /src/dist/cdk8s/ /app/dist/cdk8s/
COPY --from=build /src/dist/vrf/ /app/dist/vrf/
COPY --from=build /src/dist/operator/ /app/dist/operator/
COPY --from=build /src/dist/dashboard/ /app/dist/dashboard/
COPY --from=attested /src/native/build/re4_dump /app/runtime/bin/re4_dump
COPY --from=attested /src/native/build/manifest.json /app/selftest/manifest.json

# The Debian packages both images run on: the base's.
FROM ${BASE_IMAGE} AS runtime-packages
RUN dpkg-query -W -f '${Package} ${Version} ${Architecture}\n' >/debian-packages.txt

# One SBOM per image (SPDX 2.3: its files in /app, npm packages, the core and the OpenSSL linked into it, Node,
# the Debian packages), made by the release's generator (scripts/release/sbom.ts) through scripts/image/sbom.ts,
# compiled here with what they import. The commit and its time are the build arguments, never the clock.
FROM build AS sbom
ARG REVISION=unknown
ARG CREATED=unknown
COPY --from=runtime-packages /debian-packages.txt /sbom/
COPY --from=service-app /app/ /sbom/service/
COPY --from=operator-app /app/ /sbom/operator/
COPY scripts/node/versions.env scripts/node/
COPY scripts/release/sbom.ts scripts/release/
COPY scripts/image/sbom.ts scripts/image/
RUN npx tsc --module NodeNext --moduleResolution NodeNext --target ES2024 --types node --strict --skipLibCheck \
      --outDir dist/sbom-tool scripts/image/sbom.ts \
 && dpkg-query -W -f '${Package} ${Version} ${Architecture}\n' tini >>/sbom/debian-packages.txt \
 && . native/openssl.env && export LIBSSL_DEV_VERSION REVISION CREATED \
 && node dist/sbom-tool/image/sbom.js service r4 /sbom/service /sbom/debian-packages.txt >/sbom/service.spdx.json \
 && node dist/sbom-tool/image/sbom.js operator r4-operator /sbom/operator /sbom/debian-packages.txt >/sbom/operator.spdx.json

# What both images share: Node 24 and tini. Each adds its own /app (code, production dependencies, the core)
# and its SBOM. Everything is owned by root and read-only to the user the processes run as.
FROM ${BASE_IMAGE} AS runtime
ARG VERSION=unknown
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=
LABEL org.opencontainers.image.title="r4" \
      org.opencontainers.image.description="r4: an open, cloud-native entropy appliance" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.created="$CREATED" \
      org.opencontainers.image.source="$SOURCE" \
      dev.r4.sbom="/app/sbom/SBOM.spdx.json"
# tini as PID 1 forwards SIGTERM to node and reaps orphans; node itself as PID 1 would ignore SIGTERM until
# its handlers are installed (after the core's first attestation).
COPY --from=build /usr/bin/tini-static /usr/bin/tini
WORKDIR /app
ENV NODE_ENV=production
# 65532: the conventional "nonroot" uid; it has no passwd entry and needs none.
USER 65532:65532
ENTRYPOINT ["/usr/bin/tini", "--"]

# The operator image: `--target operator`. It expects pods running the service image of the same build, so
# that image's core hash is its default (a Helm value or the appliance's spec can override it).
FROM runtime AS operator
COPY --from=operator-app /app/ /app/
COPY --from=sbom /sbom/operator.spdx.json /app/sbom/SBOM.spdx.json
ARG CORE_SHA256
ARG SERVICE_IMAGE_DIGEST
ENV R4_DEFAULT_CORE_SHA256=$CORE_SHA256 \
    R4_DEFAULT_IMAGE_DIGEST=$SERVICE_IMAGE_DIGEST \
    R4_CORE_PATH=/app/runtime/bin/re4_dump \
    R4_MANIFEST_PATH=/app/selftest/manifest.json
EXPOSE 8081
CMD ["node", "dist/operator/main.js"]

# The service image (default target). The service measures the core against the manifest and runs a sealed
# copy of it from /tmp: the only writable path, which must allow exec (Kubernetes' emptyDir does;
# `--tmpfs /tmp` needs `:exec`).
FROM runtime AS service
COPY --from=service-app /app/ /app/
COPY --from=sbom /sbom/service.spdx.json /app/sbom/SBOM.spdx.json
ARG CORE_SHA256
LABEL dev.r4.core.sha256="$CORE_SHA256"
ENV R4_CORE_PATH=/app/runtime/bin/re4_dump \
    R4_MANIFEST_PATH=/app/selftest/manifest.json
EXPOSE 8080
CMD ["node", "dist/service/main.js"]
