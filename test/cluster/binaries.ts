// Where the pinned cluster binaries live. bins/versions.env is the one place versions are written down;
// bins/build.sh fills the cache that this module only reads.
import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { clusterSourceDir } from '../support/repo-paths.js';

export interface PinnedVersions {
  kubernetes: string;
  etcd: string;
  helm: string;
  /** kube-router, whose firewall controller enforces NetworkPolicies (network-policy.ts). */
  kubeRouter: string;
}

export type BinaryName = 'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubectl' | 'helm' | 'kube-router';

/** Parses the KEY=value lines of versions.env; comments and blank lines are ignored. */
export function parseVersionsEnv(text: string): PinnedVersions {
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(\S+)\s*$/.exec(line);
    if (match?.[1] && match[2]) values.set(match[1], match[2]);
  }
  const need = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new Error(`test/cluster/bins/versions.env has no ${key}=... line`);
    return value;
  };
  return { kubernetes: need('K8S_VERSION'), etcd: need('ETCD_VERSION'), helm: need('HELM_VERSION'), kubeRouter: need('KUBE_ROUTER_VERSION') };
}

export function pinnedVersions(): PinnedVersions {
  return parseVersionsEnv(readFileSync(join(clusterSourceDir, 'bins', 'versions.env'), 'utf8'));
}

/** Mirrors build.sh: R4_K8S_CACHE overrides, else $XDG_CACHE_HOME or ~/.cache, then r4/k8s/<version>. */
export function binaryDir(versions: PinnedVersions = pinnedVersions()): string {
  const cacheRoot = process.env.R4_K8S_CACHE;
  if (cacheRoot) return join(cacheRoot, 'bin');
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'r4', 'k8s', versions.kubernetes, 'bin');
}

/** The path of a pinned binary, or an error that says how to build it. */
export function binaryPath(name: BinaryName): string {
  const path = join(binaryDir(), name);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${name} is not built yet (looked for ${path}); run: bash test/cluster/bins/build.sh`);
  }
  return path;
}
