// Runs the pinned helm (test/cluster/bins) on the chart, with its caches and config in a directory of
// the caller's, so tests leave nothing in $HOME; parses rendered manifests for structural checks.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { binaryPath } from '../cluster/binaries.js';
import { repoRoot } from '../support/repo-paths.js';

const run = promisify(execFile);

export const chartDir = join(repoRoot, 'charts', 'r4');
export const fullValues = join(chartDir, 'ci', 'full-values.yaml');

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** helm <args>; never rejects: the exit code and output are the result. */
export async function helm(args: string[], options: { home: string; kubeconfig?: string; timeoutMs?: number }): Promise<HelmResult> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: options.home,
    HELM_CACHE_HOME: join(options.home, 'cache'),
    HELM_CONFIG_HOME: join(options.home, 'config'),
    HELM_DATA_HOME: join(options.home, 'data'),
    ...(options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : {}),
  };
  try {
    const { stdout, stderr } = await run(binaryPath('helm'), args, { env, timeout: options.timeoutMs ?? 60_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? failed.message };
  }
}

/** The objects of `helm template` output (or any multi-document YAML), empty documents dropped. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

export function only(manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${manifests.map((m) => `${m.kind}/${m.metadata.name}`).join(', ')}`);
  return found[0] as Manifest;
}

/**
 * A helm home of the test file's own, made before its tests and removed after them, and `helm template`
 * of the chart as release r4 in r4-system with it (failing with helm's message).
 */
export function useChartTemplate(): { home(): string; render(...args: string[]): Promise<Manifest[]> } {
  let home: string | undefined;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'r4-helm-'));
  });
  afterAll(() => rmSync(home ?? '', { recursive: true, force: true }));
  const homeDir = () => {
    if (!home) throw new Error('the helm home exists only while the tests run');
    return home;
  };
  return {
    home: homeDir,
    async render(...args: string[]) {
      const result = await helm(['template', 'r4', chartDir, '--namespace', 'r4-system', ...args], { home: homeDir() });
      if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
      return parseManifests(result.stdout);
    },
  };
}
