// The harness's side of the stand-in hub (hub.ts): starts the hub for one cluster, and plays image
// r4-stand-in for the kubelet's process runtime, so a stand-in pod goes through the same kubelet (volumes,
// sandbox, status, restarts) as any pod; only its container is a socket served by the hub. Each start is
// a new container, `stand-in://<hub pid>-<n>`, reported with imageID r4-stand-in@<digest of the hub's files>.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseImageReference } from '../../../api/v1alpha1/image.js';
import { compiledDir } from '../../support/repo-paths.js';
import type { ContainerExit, ContainerRuntime, RunnableImage } from '../kubelet/container-runtime.js';
import { imageName, programDigest, standInProgram, withoutImagePaths } from '../kubelet/programs.js';
import { envWithMounts } from '../kubelet/volumes.js';
import { STAND_IN_IMAGE, type HubReply, type HubRequest, type HubStats, type Tamper } from './protocol.js';

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

const HUB_START_MS = 30_000;
/**
 * An attach waits for the listener processes before it (8 at a time): with a thousand pods starting on a
 * loaded machine that is minutes, not seconds. A later start in the same pod replaces one given up on.
 */
const HUB_REQUEST_MS = 300_000;

export class StandInHub {
  private nextId = 1;
  private nextContainer = 1;
  private readonly pending = new Map<number, { resolve(reply: HubReply): void; timer: NodeJS.Timeout }>();
  private readonly containers = new Map<string, (exit: ContainerExit) => void>();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
  ) {
    this.exited = once(child, 'exit').then(() => {
      // The hub gone, every pod it served is gone: the kubelet sees each container exit, as after a crash.
      for (const end of this.containers.values()) end({ exitCode: 137, reason: 'Error' });
      this.containers.clear();
      for (const { resolve, timer } of this.pending.values()) {
        clearTimeout(timer);
        resolve({ op: 'failed', id: 0, message: 'the stand-in hub exited' });
      }
      this.pending.clear();
    });
    child.on('message', (message: HubReply) => {
      if (message.op === 'dropped') {
        this.containers.get(message.container)?.({ exitCode: 1, reason: 'Error' });
        this.containers.delete(message.container);
        return;
      }
      if (message.op === 'ready') return;
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (waiting) {
        clearTimeout(waiting.timer);
        waiting.resolve(message);
      }
    });
  }

  /** Starts the hub; its output goes to logFile. It dies with this process (parent-death signal). */
  static async start(logFile: string): Promise<StandInHub> {
    const log = openSync(logFile, 'a');
    const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, join(compiledDir, 'test', 'cluster', 'stand-in', 'hub.js')], {
      stdio: ['ignore', log, log, 'ipc'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    });
    closeSync(log);
    const ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the stand-in hub did not start within ${HUB_START_MS / 1000}s; see ${logFile}`)), HUB_START_MS);
      child.on('message', (message: HubReply) => {
        if (message.op !== 'ready') return;
        clearTimeout(timer);
        resolve(message.pid);
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the stand-in hub exited with code ${code} while starting; see ${logFile}`));
      });
    });
    try {
      return new StandInHub(child, await ready);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  private async ask(request: WithoutId<HubRequest>): Promise<HubReply & { op: 'ok' }> {
    const id = this.nextId++;
    const reply = await new Promise<HubReply>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ op: 'failed', id, message: `no answer within ${HUB_REQUEST_MS / 1000}s` });
      }, HUB_REQUEST_MS);
      this.pending.set(id, { resolve, timer });
      if (!this.child.connected) resolve({ op: 'failed', id, message: 'the stand-in hub is not running' });
      else this.child.send({ ...request, id } as HubRequest);
    });
    if (reply.op !== 'ok') throw new Error(`stand-in hub, ${request.op}: ${reply.op === 'failed' ? reply.message : reply.op}`);
    return reply;
  }

  /** Makes every container of the pod answer as a tampered pod would, until healed. */
  tamper(podUid: string, tamper: Tamper): Promise<void> {
    return this.ask({ op: 'tamper', podUid, tamper }).then(() => undefined);
  }

  heal(podUid: string): Promise<void> {
    return this.ask({ op: 'heal', podUid }).then(() => undefined);
  }

  async stats(): Promise<HubStats> {
    return (await this.ask({ op: 'stats' })).stats as HubStats;
  }

  /** Image r4-stand-in as the process runtime would have it, pinned digest checked as a registry would. */
  image(reference: string): RunnableImage | { error: string } {
    const digest = programDigest(standInProgram);
    const wanted = parseImageReference(reference).digest;
    if (wanted !== undefined && wanted !== digest) return { error: `manifest unknown: ${imageName(reference)} has no image ${wanted} (this checkout builds ${digest})` };
    return {
      start: async ({ pod, container, env, volumeDirs, netns }) => {
        const name = `${this.pid}-${this.nextContainer++}`;
        const exited = new Promise<ContainerExit>((resolve) => this.containers.set(name, resolve));
        try {
          await this.ask({ op: 'attach', container: name, podUid: pod.metadata?.uid ?? '', netns, env: withoutImagePaths(envWithMounts(container, volumeDirs, env)) });
        } catch (error) {
          this.containers.delete(name);
          return { reason: 'RunContainerError', message: (error as Error).message };
        }
        return {
          containerID: `stand-in://${name}`,
          imageID: `${STAND_IN_IMAGE}@${digest}`,
          startedAt: new Date(),
          exited,
          stop: async () => {
            const end = this.containers.get(name);
            this.containers.delete(name);
            await this.ask({ op: 'detach', container: name }).catch(() => undefined);
            end?.({ exitCode: 0 });
          },
        };
      },
    };
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** The process runtime with image r4-stand-in served by the hub; every other image as before. */
export function withStandIns(base: ContainerRuntime, hub: StandInHub): ContainerRuntime {
  return {
    kind: base.kind,
    image: async (reference) => (imageName(reference) === STAND_IN_IMAGE ? hub.image(reference) : base.image(reference)),
    close: async () => {
      await hub.close();
      await base.close();
    },
  };
}
