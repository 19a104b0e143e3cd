// A memory cgroup of a test's own, so a process can be run under a memory limit as a pod's container is, and
// its memory read from the kernel. It is made below the test's own memory cgroup (cgroup v1, or v2 where
// the memory controller is delegated to it), so it only ever narrows the limit the test already runs under.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MemoryCgroup {
  dir: string;
  version: 1 | 2;
  limitBytes: number;
  /** A command that joins the cgroup and then runs `argv`, so the process is limited from its first byte. */
  wrap(argv: string[]): string[];
  /** Memory charged now (anonymous memory, page cache and, where the kernel charges it, socket buffers). */
  currentBytes(): number;
  /** The most charged since it was made or last reset. */
  peakBytes(): number;
  /** Starts `peakBytes` afresh; false where the kernel cannot. */
  resetPeak(): boolean;
  /** Processes the kernel killed for going over the limit. */
  oomKills(): number;
  /** Anonymous memory (heap, buffers) charged now. */
  anonBytes(): number;
  /** Removes the cgroup once its processes have exited (waiting up to 5 s for them). */
  remove(): Promise<void>;
}

const ROOT = '/sys/fs/cgroup';

function read(path: string): string {
  return readFileSync(path, 'utf8').trim();
}

function field(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

function ownPath(controller: RegExp): string | null {
  const line = read('/proc/self/cgroup')
    .split('\n')
    .find((l) => controller.test(l));
  return line === undefined ? null : line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
}

/** Makes a memory cgroup limited to `limitBytes`, or throws saying why this machine cannot. */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup {
  const v1 = ownPath(/^\d+:memory:/);
  if (v1 !== null && existsSync(join(ROOT, 'memory'))) {
    const dir = join(ROOT, 'memory', v1, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
    return {
      dir,
      version: 1,
      limitBytes,
      wrap: (argv) => ['sh', '-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), ...argv],
      currentBytes: () => Number(read(join(dir, 'memory.usage_in_bytes'))),
      peakBytes: () => Number(read(join(dir, 'memory.max_usage_in_bytes'))),
      resetPeak: () => {
        writeFileSync(join(dir, 'memory.max_usage_in_bytes'), '0');
        return true;
      },
      oomKills: () => field(read(join(dir, 'memory.oom_control')), 'oom_kill'),
      anonBytes: () => field(read(join(dir, 'memory.stat')), 'rss'),
      remove: () => removeWhenEmpty(dir),
    };
  }
  const v2 = ownPath(/^0::/);
  if (v2 === null || !existsSync(join(ROOT, 'cgroup.controllers'))) {
    throw new Error('no memory cgroup: neither a cgroup v1 memory hierarchy nor cgroup v2 is mounted at /sys/fs/cgroup');
  }
  const parent = join(ROOT, v2);
  if (!read(join(parent, 'cgroup.subtree_control')).split(' ').includes('memory')) {
    try {
      writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory');
    } catch (err) {
      throw new Error(`cannot delegate the memory controller below ${parent} (${(err as Error).message}): run the test from a cgroup that delegates it`);
    }
  }
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'memory.max'), String(limitBytes));
  // Without swap accounting there is no swap to limit.
  if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
  return {
    dir,
    version: 2,
    limitBytes,
    wrap: (argv) => ['sh', '-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), ...argv],
    currentBytes: () => Number(read(join(dir, 'memory.current'))),
    peakBytes: () => Number(read(join(dir, 'memory.peak'))),
    resetPeak: () => {
      try {
        writeFileSync(join(dir, 'memory.peak'), 'reset');
        return true;
      } catch {
        return false;
      }
    },
    oomKills: () => field(read(join(dir, 'memory.events')), 'oom_kill'),
    anonBytes: () => field(read(join(dir, 'memory.stat')), 'anon'),
    remove: () => removeWhenEmpty(dir),
  };
}

/** A cgroup with processes in it cannot be removed: processes that were just killed may still be exiting. */
async function removeWhenEmpty(dir: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (read(join(dir, 'cgroup.procs')) !== '' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  rmdirSync(dir);
}
