# Sourced by the scripts in this directory: r4's own podman configuration, kept apart from the host's.
# Storage and settings live under ~/.cache/r4/podman (R4_PODMAN_DIR), runtime state under /run/r4-podman
# (R4_PODMAN_RUN); the host's /etc/containers and /etc/cni are neither read for these settings nor written.

r4_cache="${XDG_CACHE_HOME:-$HOME/.cache}/r4"
R4_PODMAN_DIR="${R4_PODMAN_DIR:-$r4_cache/podman}"
R4_PODMAN_RUN="${R4_PODMAN_RUN:-/run/r4-podman}"

if [ "$(id -u)" -ne 0 ]; then
  echo "r4 image: run this as root (sudo sh $0): the scripts use rootful podman with their own storage" >&2
  exit 1
fi

# A limit podman may set is one at most the caller's hard limit: these VMs lack CAP_SYS_RESOURCE, their hard
# nofile limit is 20000 and conmon's nproc limit 32768, while podman's defaults ask for more and every start fails.
r4_hard_limit() {
  limit="$1"
  cap="$2"
  if [ "$limit" = unlimited ] || [ "$limit" -gt "$cap" ]; then limit="$cap"; fi
  echo "$limit"
}
r4_nofile="$(r4_hard_limit "$(awk '/^Max open files/ {print $5}' /proc/self/limits)" 1048576)"
r4_nproc="$(r4_hard_limit "$(awk '/^Max processes/ {print $4}' /proc/self/limits)" 32768)"

mkdir -p "$R4_PODMAN_DIR/networks" "$R4_PODMAN_RUN"

# Written on every use (the limits are the machine's), through a rename so a concurrent reader never sees
# half a file. runc, because crun refuses the hybrid cgroup layout of these VMs; cgroupfs, file events and
# k8s-file logs, because systemd and journald need not be running.
r4_write_if_changed() {
  file="$1"
  tmp="$file.$$"
  cat >"$tmp"
  if cmp -s "$tmp" "$file"; then rm -f "$tmp"; else mv -f "$tmp" "$file"; fi
}
r4_write_if_changed "$R4_PODMAN_DIR/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$r4_nofile:$r4_nofile", "nproc=$r4_nproc:$r4_nproc"]
log_driver = "k8s-file"

[network]
network_config_dir = "$R4_PODMAN_DIR/networks"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$R4_PODMAN_RUN/events.log"
tmp_dir = "$R4_PODMAN_RUN/libpod"
CONF
r4_write_if_changed "$R4_PODMAN_DIR/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$R4_PODMAN_DIR/storage"
runroot = "$R4_PODMAN_RUN/storage"
CONF

export CONTAINERS_CONF="$R4_PODMAN_DIR/containers.conf"
export CONTAINERS_STORAGE_CONF="$R4_PODMAN_DIR/storage.conf"
