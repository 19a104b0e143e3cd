// The test suite runs in two lanes at once, one jest process each (scripts/test/main.ts). Files that use
// something there is one of on the machine (podman's image tags and containers, the host's iptables that
// kube-router programs) share the "machine" lane, one file at a time; everything else, whose clusters,
// servers and temporary directories are private to the file, runs in the "private" lane beside it.

export type Lane = 'machine' | 'private';

/** Paths relative to the repository, '/'-separated. */
const MACHINE_WIDE: readonly RegExp[] = [
  /^test\/image\//, // builds and runs r4's images under their fixed tags
  /\.podman\.test\.ts$/, // the images as the cluster's pods
  /^test\/cluster\/podman-kubelet\.test\.ts$/,
  /^test\/bare-metal\//, // a systemd host as a podman container
  /^test\/cluster\/network-policy\.test\.ts$/, // kube-router programs the host's iptables; one cluster at a time
  /^test\/operator\/network-perimeter\.test\.ts$/,
  /^test\/helm\/dashboard-networkpolicy\.test\.ts$/,
  // These need nothing machine-wide (each starts its own cluster); here they balance the lanes' wall time
  // (in CI the private lane took 24 min and the machine lane 18 before the two operator files moved).
  /^test\/chaos\/soak\.test\.ts$/,
  /^test\/operator\/vrf-keys\.test\.ts$/,
  /^test\/operator\/attestation-evidence\.test\.ts$/,
];

export function laneOf(relativePath: string): Lane {
  return MACHINE_WIDE.some((pattern) => pattern.test(relativePath)) ? 'machine' : 'private';
}
