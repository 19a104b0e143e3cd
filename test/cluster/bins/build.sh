#!/usr/bin/env bash
# Builds the local cluster's binaries (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
# etcd, helm, kube-router) from their pinned Go modules, once per version, into a cache outside the work tree.
# Idempotent: a binary whose stamp matches its pinned module version is not rebuilt. Progress goes to
# stderr, with the elapsed time, so a cold build (many minutes on 2 cores) is never silent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"

cache=${R4_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/r4/k8s/$K8S_VERSION}
started=$(date +%s)

say() { echo "r4 cluster bins: $*" >&2; }
elapsed() { local s=$(($(date +%s) - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# A Go toolchain that reads `go 1.26.0` lines. Debian 12's golang-go (1.19) cannot, and no registry
# carries a newer Debian package for bookworm, so a fresh machine bootstraps through the Go module
# proxy: golang.org/toolchain publishes every Go release as a module, which `go mod download` fetches
# with any Go >= 1.13, including Debian's 1.19.
go_needed=go1.26.8
ensure_go() {
  if command -v go >/dev/null 2>&1 && go_at_least "$(go env GOVERSION)" 1 26; then
    return
  fi
  local gobin=${XDG_CACHE_HOME:-$HOME/.cache}/r4/go/$go_needed
  if [ ! -x "$gobin/bin/go" ]; then
    if ! command -v go >/dev/null 2>&1; then
      say "no Go found; installing Debian's golang-go to bootstrap $go_needed"
      local sudo_cmd=""
      [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
      $sudo_cmd apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends golang-go ca-certificates >&2
    fi
    say "fetching $go_needed as module golang.org/toolchain (into $gobin)"
    local arch dir
    arch=$(go env GOARCH)
    dir=$(cd /tmp && go mod download -json "golang.org/toolchain@v0.0.1-$go_needed.linux-$arch" |
      sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    [ -f "$dir/bin/go" ] || { say "toolchain module has no bin/go under '$dir'"; exit 1; }
    mkdir -p "$(dirname "$gobin")"
    # Module zips carry no file modes: restore write access and the execute bits of the tools.
    rm -rf "$gobin.tmp" && cp -r "$dir" "$gobin.tmp" && chmod -R u+w "$gobin.tmp" &&
      chmod +x "$gobin.tmp"/bin/* "$gobin.tmp"/pkg/tool/*/* && mv "$gobin.tmp" "$gobin"
  fi
  export PATH="$gobin/bin:$PATH"
  export GOTOOLCHAIN=local
  say "using $(go version)"
}
go_at_least() { # go_at_least go1.26.8 1 26
  local v=${1#go} major minor
  major=${v%%.*}; minor=${v#*.}; minor=${minor%%.*}
  [ "$major" -gt "$2" ] || { [ "$major" -eq "$2" ] && [ "$minor" -ge "$3" ]; }
}

# Runs a long command in the background and prints a line every 30 s, so a cold build is never silent.
# Go's own chatter (hundreds of "go: added ..." lines) goes to $cache/build.log, shown if the step fails.
with_progress() {
  local what=$1; shift
  local t0 pid
  t0=$(date +%s)
  say "building $what"
  echo "== $what" >>"$cache/build.log"
  "$@" >>"$cache/build.log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do sleep 1; kill -0 "$pid" 2>/dev/null || break; done
    kill -0 "$pid" 2>/dev/null && say "  ... still building $what ($(elapsed "$t0"))"
  done
  if ! wait "$pid"; then
    tail -n 40 "$cache/build.log" >&2
    say "building $what failed after $(elapsed "$t0"); the go output above (all of it in $cache/build.log) says why"
    exit 1
  fi
  say "built $what in $(elapsed "$t0")"
}

# A binary is fresh when its stamp names the pinned module version and this recipe; bump the recipe when
# the build itself changes (flags, stamping), so cached binaries get rebuilt.
recipe=2
fresh() { [ -x "$cache/bin/$1" ] && [ "$(cat "$cache/stamps/$1" 2>/dev/null)" = "$2 recipe $recipe" ]; }
stamp() { echo "$2 recipe $recipe" >"$cache/stamps/$1"; }

# k8s.io/kubernetes maps its staging modules (k8s.io/api, k8s.io/client-go, ...) to ./staging with
# replace directives, which a dependent module ignores; `go install pkg@version` refuses such modules.
# The wrapper module replaces each of them with its published tag v0.MINOR.PATCH, taking the list from
# the downloaded go.mod so a new minor's new staging modules come along by themselves.
build_kubernetes() {
  local cmds="kube-apiserver kube-controller-manager kube-scheduler kubectl" want="k8s.io/kubernetes@$K8S_VERSION" c
  local todo=""
  for c in $cmds; do fresh "$c" "$want" || todo="$todo $c"; done
  [ -n "$todo" ] || return 0
  local w=$cache/src/kubernetes staging_version=v0.${K8S_VERSION#v1.} gomod
  rm -rf "$w" && mkdir -p "$w"
  (
    cd "$w"
    go mod init r4-cluster-kubernetes >/dev/null 2>&1
    gomod=$(go mod download -json "$want" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    [ -f "$gomod" ] || { say "could not download $want's go.mod"; exit 1; }
    local staging
    staging=$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$gomod" | sort -u)
    [ -n "$staging" ] || { say "$want's go.mod has no ./staging replaces; the wrapper recipe needs revisiting"; exit 1; }
    for m in $staging; do go mod edit "-replace=$m=$m@$staging_version"; done
    say "wrapper module replaces $(echo "$staging" | wc -l) staging modules with $staging_version"
    local pkgs=""
    for c in $todo; do pkgs="$pkgs k8s.io/kubernetes/cmd/$c@$K8S_VERSION"; done
    with_progress "module graph for$todo (downloads modules)" go get $pkgs
  )
  # The variables hack/lib/version.sh stamps; without them /version reports v0.0.0-master.
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local ldflags="-s -w" kv
  for kv in "gitVersion=$K8S_VERSION" gitMajor=1 "gitMinor=$minor" gitTreeState=clean \
    "buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)"; do
    ldflags="$ldflags -X k8s.io/component-base/version.$kv -X k8s.io/client-go/pkg/version.$kv"
  done
  for c in $todo; do
    (cd "$w" && with_progress "$c $K8S_VERSION" \
      env CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$cache/bin/$c" "k8s.io/kubernetes/cmd/$c")
    stamp "$c" "$want"
  done
}

# etcd's server module is itself `package main`, but its go.mod also carries replaces (../api, ...), so
# it needs its own wrapper; a separate module keeps etcd's and Kubernetes' version selection apart.
build_etcd() {
  local want="go.etcd.io/etcd/server/v3@$ETCD_VERSION" w=$cache/src/etcd
  fresh etcd "$want" && return 0
  rm -rf "$w" && mkdir -p "$w"
  (
    cd "$w"
    go mod init r4-cluster-etcd >/dev/null 2>&1
    with_progress "module graph for etcd (downloads modules)" go get "$want"
    with_progress "etcd $ETCD_VERSION" \
      env CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$cache/bin/etcd" go.etcd.io/etcd/server/v3
  )
  stamp etcd "$want"
}

# helm's module has no replaces, so `go install` works; GOBIN makes it land in the cache. The version
# is stamped as helm's Makefile does; without it `helm version` says only v4.3.
build_helm() {
  local major=${HELM_VERSION%%.*} want
  want="helm.sh/helm/$major/cmd/helm@$HELM_VERSION"
  fresh helm "$want" && return 0
  local v="helm.sh/helm/$major/internal/version"
  (cd /tmp && with_progress "helm $HELM_VERSION" \
    env CGO_ENABLED=0 GOBIN="$cache/bin" go install -trimpath \
    -ldflags "-s -w -X $v.version=$HELM_VERSION -X $v.gitTreeState=clean" "$want")
  stamp helm "$want"
}

# kube-router's go.mod has no replaces either. Its version is stamped as its Makefile does (the tag where
# the Makefile puts the commit), so its log names what runs.
build_kube_router() {
  local want="github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"
  fresh kube-router "$want" && return 0
  local v=github.com/cloudnativelabs/kube-router/v2/pkg/version
  (cd /tmp && with_progress "kube-router $KUBE_ROUTER_VERSION" \
    env CGO_ENABLED=0 GOBIN="$cache/bin" go install -trimpath \
    -ldflags "-s -w -X $v.Version=$KUBE_ROUTER_VERSION -X $v.BuildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$want")
  stamp kube-router "$want"
}

# A go.work somewhere above the cache, or a vendoring GOFLAGS, must not reach into the wrapper modules.
export GOWORK=off GOFLAGS="${GOFLAGS:+$GOFLAGS }-mod=mod"
mkdir -p "$cache/bin" "$cache/stamps"
# One build at a time: a second caller waits here, then finds everything fresh.
exec 9>"$cache/.lock"
if ! flock -n 9; then
  say "another build holds $cache/.lock; waiting for it"
  flock 9
fi
say "cache: $cache (Go's build and module caches stay where \`go env GOCACHE GOMODCACHE\` says)"
if fresh kube-apiserver "k8s.io/kubernetes@$K8S_VERSION" && fresh kube-controller-manager "k8s.io/kubernetes@$K8S_VERSION" &&
  fresh kube-scheduler "k8s.io/kubernetes@$K8S_VERSION" && fresh kubectl "k8s.io/kubernetes@$K8S_VERSION" &&
  fresh etcd "go.etcd.io/etcd/server/v3@$ETCD_VERSION" && fresh helm "helm.sh/helm/${HELM_VERSION%%.*}/cmd/helm@$HELM_VERSION" &&
  fresh kube-router "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"; then
  say "all binaries up to date ($(elapsed "$started"))"
  exit 0
fi
: >"$cache/build.log"
ensure_go
build_etcd
build_helm
build_kube_router
build_kubernetes
say "all binaries built in $(elapsed "$started")"
