// When each pod of a namespace started running and was first attested (its r4.dev/attested gate True),
// read by `kubectl get pods` every POLL_MS in a process of its own: in the harness's process, busy playing
// every node's kubelet, a watch of its own fell minutes behind at 100 pods. The times are the ones the pod
// records, its container's startedAt (written by the kubelet) and the gate's lastTransitionTime (written
// by the operator), not when the bench saw them: at 1,000 pods one poll could take minutes. The API keeps
// them to the second, so a difference of two is precise to ±1 s.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ATTESTED_CONDITION } from '../../api/v1alpha1/labels.js';

export interface PodTimes {
  name: string;
  uid: string;
  image: string;
  runningAt?: number;
  attestedAt?: number;
  deleted?: boolean;
}

const POLL_MS = 2_000;
const run = promisify(execFile);
const COLUMNS = [
  '{.metadata.uid}',
  '{.metadata.name}',
  '{.spec.containers[0].image}',
  '{.status.phase}',
  '{.status.containerStatuses[0].state.running.startedAt}',
  `{.status.conditions[?(@.type=="${ATTESTED_CONDITION}")].status}`,
  `{.status.conditions[?(@.type=="${ATTESTED_CONDITION}")].lastTransitionTime}`,
  '{.metadata.deletionTimestamp}',
];
const JSONPATH = `{range .items[*]}${COLUMNS.join('{"\\t"}')}{"\\n"}{end}`;

export class PodTracker {
  readonly pods = new Map<string, PodTimes>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly kubectl: string,
    private readonly kubeconfig: string,
    private readonly namespace: string,
  ) {}

  static async start(binDir: string, kubeconfig: string, namespace: string): Promise<PodTracker> {
    const tracker = new PodTracker(join(binDir, 'kubectl'), kubeconfig, namespace);
    await tracker.poll();
    return tracker;
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      const { stdout } = await run(this.kubectl, ['--kubeconfig', this.kubeconfig, '-n', this.namespace, 'get', 'pods', '-o', `jsonpath=${JSONPATH}`], { maxBuffer: 64 << 20, timeout: 30_000 });
      for (const line of stdout.split('\n')) {
        const [uid, name = '', image = '', phase, runningSince, gate, gateSince, deleting] = line.split('\t');
        if (!uid) continue;
        const times = this.pods.get(uid) ?? { name, uid, image };
        this.pods.set(uid, times);
        if (deleting) times.deleted = true;
        if (times.runningAt === undefined && phase === 'Running' && runningSince) times.runningAt = Date.parse(runningSince);
        if (times.attestedAt === undefined && gate === 'True' && gateSince) times.attestedAt = Date.parse(gateSince);
      }
    } catch {
      // An overloaded API server: the next poll tries again.
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }

  live(): PodTimes[] {
    return [...this.pods.values()].filter((p) => !p.deleted);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
