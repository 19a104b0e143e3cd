// One container of a pod, run by the cluster's container runtime (container-runtime.ts: a local process
// inside the pod's network namespace; podman-runtime.ts: a podman container in that namespace): start
// (resolving the image and building its env), readiness probing, restarts by restartPolicy with a bounded
// backoff, and stop. It keeps the V1ContainerStatus the kubelet would report.
import { join } from 'node:path';
import type { V1Container, V1ContainerStateTerminated, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { containerEnv, referencedSources, type EnvSources } from './container-env.js';
import {
  isStartFailure,
  processRuntime,
  type ContainerExit,
  type ContainerRuntime,
  type RunnableImage,
  type RunningContainer,
  type StartFailure,
} from './container-runtime.js';
import { runProbe } from './probe.js';

export interface ContainerContext {
  netns: string;
  podIP: string;
  logDir: string;
  /** The pod's own directory (volumes, fixtures). */
  podDir: string;
  /** Volume name -> the directory standing for it. */
  volumeDirs: ReadonlyMap<string, string>;
  /** The pod as last seen, with status.podIP/hostIP filled in (for the downward API). */
  pod(): V1Pod;
  envSources(namespace: string, refs: { secrets: string[]; configMaps: string[] }): Promise<EnvSources>;
  /** Tells the kubelet that this container's status changed. */
  changed(): void;
  log(line: string): void;
  /** Runs the container; the process runtime when not given. */
  runtime?: ContainerRuntime;
}

// Restarts and retries back off from 1 s to 30 s: the kubelet uses 10 s to 5 min, which would make
// tests of crash recovery needlessly slow; the shape (doubling, capped) is the same.
const backoffMs = (attempt: number) => Math.min(1000 * 2 ** attempt, 30_000);

/** A container's status before anything of it runs, as the kubelet first reports it. */
export function creatingStatus(spec: V1Container): V1ContainerStatus {
  return { name: spec.name, image: spec.image ?? '', imageID: '', ready: false, started: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } };
}

export class ContainerRunner {
  status: V1ContainerStatus;
  private container: RunningContainer | undefined;
  // A start in flight (image lookup, env, the runtime's start): stop() waits for it.
  private starting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  // Bumped on every start and stop, so callbacks of an earlier run are ignored.
  private run = 0;
  private retries = 0;
  private probeSuccesses = 0;
  private probeFailures = 0;

  constructor(
    private readonly spec: V1Container,
    private readonly context: ContainerContext,
  ) {
    this.status = creatingStatus(spec);
  }

  private get podLabel(): string {
    const meta = this.context.pod().metadata ?? {};
    return `${meta.namespace}/${meta.name}`;
  }

  private waiting(reason: string, message: string): void {
    this.status = { ...this.status, ready: false, started: false, state: { waiting: { reason, message } } };
    this.context.log(`${this.podLabel} container ${this.spec.name}: ${reason}: ${message}`);
    this.context.changed();
  }

  private schedule(delayMs: number, action: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(action, delayMs);
  }

  /** Starts the container; never rejects: every failure becomes a waiting state (and a retry where useful). */
  start(): Promise<void> {
    const starting = this.startOnce(++this.run);
    this.starting = starting;
    void starting.then(() => {
      if (this.starting === starting) this.starting = undefined;
    });
    return starting;
  }

  private async startOnce(run: number): Promise<void> {
    const runtime = this.context.runtime ?? processRuntime;
    const image = this.spec.image ?? '';
    let runnable: RunnableImage | { error: string };
    try {
      runnable = await runtime.image(image);
    } catch (error) {
      runnable = { error: `could not look up the image: ${String(error)}` };
    }
    if (run !== this.run) return;
    if ('error' in runnable) {
      // A missing image cannot appear by itself here (nothing is pulled), so unlike the kubelet's pulls this is not retried.
      this.waiting('ErrImagePull', runnable.error);
      return;
    }
    const pod = this.context.pod();
    let sources: EnvSources;
    try {
      sources = await this.context.envSources(pod.metadata?.namespace ?? '', referencedSources(this.spec));
    } catch (error) {
      if (run !== this.run) return;
      this.waiting('CreateContainerConfigError', `could not read the Secrets and ConfigMaps of its env: ${String(error)}`);
      this.schedule(backoffMs(this.retries++), () => void this.start());
      return;
    }
    if (run !== this.run) return;
    const env = containerEnv(pod, this.spec, sources);
    if ('error' in env) {
      this.waiting('CreateContainerConfigError', env.error);
      this.schedule(backoffMs(this.retries++), () => void this.start());
      return;
    }
    const meta = pod.metadata ?? {};
    const logFile = join(this.context.logDir, `${meta.namespace}_${meta.name}_${this.spec.name}.log`);
    let started: RunningContainer | StartFailure;
    try {
      started = await runnable.start({
        pod,
        container: this.spec,
        env: env.env,
        netns: this.context.netns,
        podDir: this.context.podDir,
        volumeDirs: this.context.volumeDirs,
        logFile,
        attempt: this.status.restartCount,
      });
    } catch (error) {
      started = { reason: 'CreateContainerError', message: String(error) };
    }
    if (isStartFailure(started)) {
      if (run !== this.run) return;
      this.waiting(started.reason, started.message);
      this.schedule(backoffMs(this.retries++), () => void this.start());
      return;
    }
    if (run !== this.run) {
      // Stopped while it was starting: it must not outlive the stop.
      await started.stop(0);
      return;
    }
    this.container = started;
    this.retries = 0;
    const startedAt = started.startedAt;
    const probe = this.spec.readinessProbe;
    this.status = {
      ...this.status,
      imageID: started.imageID,
      containerID: started.containerID,
      started: true,
      ready: !probe,
      state: { running: { startedAt } },
    };
    void started.exited.then((exit) => this.exited(run, startedAt, exit, logFile));
    if (probe) {
      this.probeSuccesses = 0;
      this.probeFailures = 0;
      this.schedule((probe.initialDelaySeconds ?? 0) * 1000, () => void this.probe(run));
    }
    this.context.changed();
  }

  private async probe(run: number): Promise<void> {
    const probe = this.spec.readinessProbe;
    if (!probe || run !== this.run) return;
    const result = await runProbe(probe, this.spec, this.context.podIP);
    if (run !== this.run) return;
    let ready = this.status.ready;
    if (result.ok) {
      this.probeFailures = 0;
      if (++this.probeSuccesses >= (probe.successThreshold ?? 1)) ready = true;
    } else {
      this.probeSuccesses = 0;
      if (++this.probeFailures >= (probe.failureThreshold ?? 3)) ready = false;
      if (this.probeFailures === 1) this.context.log(`${this.podLabel} container ${this.spec.name}: readiness probe failed: ${result.reason}`);
    }
    if (ready !== this.status.ready) {
      this.status = { ...this.status, ready };
      this.context.changed();
    }
    this.schedule((probe.periodSeconds ?? 10) * 1000, () => void this.probe(run));
  }

  private exited(run: number, startedAt: Date, exit: ContainerExit, logFile: string): void {
    if (run !== this.run) return;
    clearTimeout(this.timer);
    const exitCode = exit.exitCode;
    const terminated: V1ContainerStateTerminated = {
      exitCode,
      reason: exit.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
      startedAt,
      finishedAt: new Date(),
      containerID: this.status.containerID,
      ...(exit.signal !== undefined ? { signal: exit.signal } : {}),
    };
    this.context.log(`${this.podLabel} container ${this.spec.name} exited with code ${exitCode}; its output is in ${logFile}`);
    this.container = undefined;
    const policy = this.context.pod().spec?.restartPolicy ?? 'Always';
    const restart = policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (!restart) {
      this.status = { ...this.status, ready: false, started: false, state: { terminated } };
      this.context.changed();
      return;
    }
    const delay = backoffMs(this.status.restartCount);
    const meta = this.context.pod().metadata ?? {};
    this.status = {
      ...this.status,
      ready: false,
      started: false,
      lastState: { terminated },
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${delay / 1000}s restarting failed container=${this.spec.name} pod=${meta.name}_${meta.namespace}(${meta.uid})`,
        },
      },
    };
    this.context.changed();
    this.schedule(delay, () => {
      if (run !== this.run) return;
      this.status = { ...this.status, restartCount: this.status.restartCount + 1 };
      void this.start();
    });
  }

  /** Stops the container (SIGTERM, SIGKILL after graceMs), a start in flight, and any pending restart or probe. */
  async stop(graceMs: number): Promise<void> {
    this.run++;
    clearTimeout(this.timer);
    // A start in flight sees the new run and stops what it started.
    await this.starting;
    const running = this.container;
    this.container = undefined;
    if (running) await running.stop(graceMs);
  }
}
