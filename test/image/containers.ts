// Containers for the tests: each one `podman run --rm` in the foreground as a child of the test (so its exit
// code is the container's, which is what a SIGTERM test needs), labelled and named for the test run, its
// port published on 127.0.0.1 only, on a port the kernel picks.
import { spawn } from 'node:child_process';
import { get } from './http.js';
import { podman, podmanResult, podmanScript, podmanText, repoRoot, type CommandResult } from '../support/podman.js';
import type { TestRun } from '../support/test-run.js';

export interface ContainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Container {
  name: string;
  /** http://127.0.0.1:PORT, the published container port. */
  url: string;
  exited: Promise<ContainerExit>;
  /** What the container has printed so far (stdout and stderr). */
  output(): string;
  exec(command: string[]): Promise<string>;
  /** Sends a signal to the container's PID 1, as a runtime's stop does first. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface RunOptions {
  image: string;
  /** The container port to publish. */
  port: number;
  /** What the container is for, part of its name. */
  purpose: string;
  flags?: string[];
  env?: Record<string, string>;
  command?: string[];
}

/** Seconds a container may take to publish its port and to answer, on a loaded two-core machine. */
const START_TIMEOUT_MS = 90_000;

export async function runContainer(run: TestRun, options: RunOptions): Promise<Container> {
  const name = run.containerName(options.purpose);
  const env = Object.entries(options.env ?? {}).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
  const args = ['run', '--rm', '--name', name, '--label', run.label, '--publish', `127.0.0.1::${options.port}`];
  const child = spawn('sh', [podmanScript, ...args, ...env, ...(options.flags ?? []), options.image, ...(options.command ?? [])], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start podman for ${name}`);
  run.track(pid);
  let printed = '';
  const collect = (chunk: Buffer) => {
    printed = (printed + chunk.toString('utf8')).slice(-64 * 1024);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const state: { exit: ContainerExit | null } = { exit: null };
  const exited = new Promise<ContainerExit>((resolve) =>
    child.on('close', (code, signal) => {
      run.untrack(pid);
      state.exit = { code, signal };
      resolve(state.exit);
    }),
  );

  const deadline = Date.now() + START_TIMEOUT_MS;
  let url: string | null = null;
  while (url === null) {
    if (state.exit !== null) throw new Error(`container ${name} exited (${JSON.stringify(state.exit)}) before it started:\n${printed}`);
    if (Date.now() > deadline) throw new Error(`container ${name} published no port within ${START_TIMEOUT_MS} ms:\n${printed}`);
    try {
      const published = await podmanText(['port', name, String(options.port)]);
      url = published === '' ? null : `http://${published.split('\n')[0]}`;
    } catch {
      // Not created yet.
    }
    if (url === null) await sleep(250);
  }
  return {
    name,
    url,
    exited,
    output: () => printed,
    exec: async (command) => (await podman(['exec', name, ...command])).toString('utf8'),
    kill: async (signal) => {
      await podman(['kill', '--signal', signal.replace(/^SIG/, ''), name]);
    },
  };
}

/** Waits until GET url+path answers 200; fails early, with the container's output, if it exits first. */
export async function waitForHttp(container: Container, path: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const state: { exit: ContainerExit | null } = { exit: null };
  void container.exited.then((exit) => (state.exit = exit));
  let last = 'no answer yet';
  for (;;) {
    if (state.exit !== null) throw new Error(`container ${container.name} exited (${JSON.stringify(state.exit)}):\n${container.output()}`);
    try {
      const answer = await get(`${container.url}${path}`, {}, 5_000);
      if (answer.status === 200) return;
      last = `${answer.status} ${answer.text}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${container.name}${path} not 200 within ${START_TIMEOUT_MS} ms (${last}):\n${container.output()}`);
    await sleep(250);
  }
}

/** Runs a command in a fresh container of the image, without network, and returns its stdout. */
export function runOnce(run: TestRun, image: string, entrypoint: string, args: string[]): Promise<Buffer> {
  return podman(['run', '--rm', '--label', run.label, '--network', 'none', '--entrypoint', entrypoint, image, ...args]);
}

/** Runs the image's own command in a fresh container, without network, to its exit. */
export function runToExit(run: TestRun, image: string, flags: string[] = []): Promise<CommandResult> {
  return podmanResult(['run', '--rm', '--label', run.label, '--network', 'none', ...flags, image]);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
