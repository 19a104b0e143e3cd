// Nothing a test starts may outlive it. Containers run under conmon, not as children of the test, and a
// killed jest never reaches afterAll (its test code gets a copy of `process`, so signal handlers do not help
// either). A small guard process therefore reads a pipe from this process: at end-of-file, however this
// process ended, it stops the process groups still registered, removes every container labelled with this
// run's id and the run's temporary directory. close() does the same at once and dismisses the guard.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startGuard, type Guard } from './guard.js';
import { podman, podmanScript } from './podman.js';

// $1: podman.sh, $2: the label that marks this run's containers, $3: the run's temporary directory.
const guardScript = `
trap '' INT TERM HUP
groups=""
while read -r verb pgid; do
  case "$verb" in
    track) groups="$groups $pgid" ;;
    untrack) groups="$(echo "$groups" | tr ' ' '\\n' | grep -vx "$pgid" | tr '\\n' ' ')" ;;
    done) exit 0 ;;
  esac
done
for g in $groups; do kill -TERM "-$g" 2>/dev/null || true; done
ids="$(sh "$1" ps -aq --filter "label=$2")"
[ -z "$ids" ] || sh "$1" rm -f -t 0 $ids >/dev/null 2>&1
rm -rf "$3"
`;

export class TestRun {
  /** Every container of this run carries it: `--label <label>`. */
  readonly label: string;
  readonly id: string;
  /** A directory for the run's files (kubeconfigs, tampered cores), removed with the run. */
  readonly dir: string;
  private readonly guard: Guard;
  private readonly groups = new Set<number>();
  private containers = 0;

  private constructor(id: string) {
    this.id = id;
    this.label = `dev.r4.test-run=${id}`;
    this.dir = mkdtempSync(path.join(tmpdir(), `r4-test-${id}-`));
    this.guard = startGuard('r4-test-guard', guardScript, [podmanScript, this.label, this.dir]);
  }

  static start(): TestRun {
    return new TestRun(randomBytes(6).toString('hex'));
  }

  /** A container name unique to this run. */
  containerName(purpose: string): string {
    this.containers += 1;
    return `r4-test-${this.id}-${purpose}-${this.containers}`;
  }

  /** A process group (a detached child's pid) the guard stops if this process dies first. */
  track(pgid: number): void {
    this.groups.add(pgid);
    this.guard.tell(`track ${pgid}`);
  }

  untrack(pgid: number): void {
    this.groups.delete(pgid);
    this.guard.tell(`untrack ${pgid}`);
  }

  async close(): Promise<void> {
    for (const pgid of this.groups) signalGroup(pgid, 'SIGTERM');
    const ids = (await podman(['ps', '-aq', '--filter', `label=${this.label}`])).toString().split('\n').filter(Boolean);
    if (ids.length > 0) await podman(['rm', '-f', '-t', '0', ...ids]);
    for (const pgid of this.groups) signalGroup(pgid, 'SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
    this.guard.end('done');
  }
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group has already exited.
  }
}
