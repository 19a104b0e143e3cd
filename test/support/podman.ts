// podman as the image tests use it: every command goes through scripts/image/podman.sh, so tests, people
// and build.sh share r4's own storage and settings and never the host's.
// It also runs compiled, from dist/ (the cluster harness's podman runtime under `npm run cluster`).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './repo-paths.js';

export { repoRoot };
export const podmanScript = path.join(repoRoot, 'scripts/image/podman.sh');

export interface CommandResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs one podman command to its end, whatever its exit code. */
export function podmanResult(args: readonly string[], timeoutMs = 120_000): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      'sh',
      [podmanScript, ...args],
      { cwd: repoRoot, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
  });
}

/** Runs one podman command and returns its stdout; rejects with podman's own message when it fails. */
export async function podman(args: readonly string[], timeoutMs?: number): Promise<Buffer> {
  const result = await podmanResult(args, timeoutMs);
  if (result.code !== 0) throw new Error(`podman ${args.join(' ')} exited with ${result.code}: ${result.stderr.trim()}`);
  return result.stdout;
}

export async function podmanText(args: readonly string[], timeoutMs?: number): Promise<string> {
  return (await podman(args, timeoutMs)).toString('utf8').trim();
}

/** An image's configuration as `podman image inspect` reports it (the parts the tests read). */
export interface ImageConfig {
  Id: string;
  Digest: string;
  Size: number;
  Labels: Record<string, string> | null;
  Config: { User?: string; Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; ExposedPorts?: Record<string, unknown> };
}

export async function inspectImage(image: string): Promise<ImageConfig> {
  const [config] = JSON.parse(await podmanText(['image', 'inspect', image])) as ImageConfig[];
  if (config === undefined) throw new Error(`podman image inspect ${image} returned nothing`);
  return config;
}
