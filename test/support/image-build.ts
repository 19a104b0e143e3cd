// Builds r4's images the way a person does, with scripts/image/ (podman installed if missing, the local base
// made or loaded, the unchanged Dockerfile built with --pull=never), and says how long it took.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inspectImage, repoRoot } from './podman.js';
import type { TestRun } from './test-run.js';

export interface BuiltImages {
  service: string;
  operator: string;
  serviceId: string;
  /** The service image's size as podman reports it, in bytes. */
  serviceSize: number;
  operatorSize: number;
  seconds: number;
}

const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
export const imageNames = { service: `r4:${version}`, operator: `r4-operator:${version}` } as const;

/** A cold build (no cache) takes minutes on a busy two-core machine; a warm one seconds. */
export const BUILD_TIMEOUT_MS = 40 * 60_000;

export async function buildImages(run: TestRun): Promise<BuiltImages> {
  const started = process.hrtime.bigint();
  await runImageScript(run, 'build.sh', { R4_IMAGE: imageNames.service, R4_OPERATOR_IMAGE: imageNames.operator });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [service, operator] = await Promise.all([inspectImage(imageNames.service), inspectImage(imageNames.operator)]);
  return { ...imageNames, serviceId: service.Id, serviceSize: service.Size, operatorSize: operator.Size, seconds };
}

/** Podman installed and the `node:24-bookworm-slim` base in r4's storage, without building r4 itself. */
export async function prepareBase(run: TestRun): Promise<void> {
  await runImageScript(run, 'install.sh');
  await runImageScript(run, 'base.sh');
}

/** Runs one of scripts/image/ in its own process group (stopped with the test run), its progress shown live. */
async function runImageScript(run: TestRun, script: string, env: Record<string, string> = {}): Promise<void> {
  const child = spawn('sh', [path.join(repoRoot, 'scripts/image', script)], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start scripts/image/${script}`);
  run.track(pid);
  const tail: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.startsWith('r4 image:')) process.stderr.write(`${line}\n`);
      tail.push(line);
    }
    tail.splice(0, Math.max(0, tail.length - 60));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  run.untrack(pid);
  if (code !== 0) throw new Error(`scripts/image/${script} exited with ${code}; its last lines:\n${tail.join('\n')}`);
}
