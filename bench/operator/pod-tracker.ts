// When each pod of a namespace started running and was first attested (its r4.dev/attested gate True), as
// seen by a watch in a process of its own (pod-watch.ts), which stamps each change when it arrives: the
// times are the API's view, end to end (the kubelet's status write, the operator's gate write), to the
// millisecond, however busy the bench's own process is.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PodSeen } from './pod-watch.js';

export interface PodTimes {
  name: string;
  uid: string;
  image: string;
  runningAt?: number;
  attestedAt?: number;
  deleted?: boolean;
}

const WATCHER = join(fileURLToPath(new URL('.', import.meta.url)), 'pod-watch.js');

export class PodTracker {
  readonly pods = new Map<string, PodTimes>();

  private constructor(private readonly watcher: ChildProcess) {}

  /** Resolves once the watch has listed the namespace. */
  static async start(kubeconfig: string, namespace: string): Promise<PodTracker> {
    const watcher = spawn(process.execPath, [WATCHER, kubeconfig, namespace], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const tracker = new PodTracker(watcher);
    const lines = createInterface({ input: watcher.stdout as NodeJS.ReadableStream });
    const synced = new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => (line === 'synced' ? resolve() : tracker.seen(JSON.parse(line) as PodSeen)));
      watcher.once('exit', (code) => reject(new Error(`the pod watch exited (${code}) before it had listed the pods`)));
    });
    await synced;
    return tracker;
  }

  private seen(change: PodSeen): void {
    const times = this.pods.get(change.uid) ?? { name: change.name, uid: change.uid, image: change.image };
    this.pods.set(change.uid, times);
    if (change.deleted) times.deleted = true;
    if (times.runningAt === undefined && change.running) times.runningAt = change.at;
    if (times.attestedAt === undefined && change.attested) times.attestedAt = change.at;
  }

  live(): PodTimes[] {
    return [...this.pods.values()].filter((p) => !p.deleted);
  }

  async stop(): Promise<void> {
    if (this.watcher.exitCode !== null || this.watcher.signalCode !== null) return;
    const exited = once(this.watcher, 'exit');
    this.watcher.disconnect();
    await exited;
  }
}
