// One container of a pod, run as a local process inside the pod's network namespace: start (mapping the
// image to a local program and building its env), readiness probing, restarts by restartPolicy with a
// bounded backoff, and stop. It keeps the V1ContainerStatus the kubelet would report.
import { constants } from 'node:os';
import { join } from 'node:path';
import type { V1Container, V1ContainerStateTerminated, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { startLocalProcess, type LocalProcess, type ProcessExit } from '../local-process.js';
import { containerEnv, referencedSources, type EnvSources } from './container-env.js';
import { runProbe } from './probe.js';
import { programFor, unmappedImageMessage } from './programs.js';
import { envWithMounts } from './volumes.js';

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
}

// Restarts and retries back off from 1 s to 30 s: the kubelet uses 10 s to 5 min, which would make
// tests of crash recovery needlessly slow; the shape (doubling, capped) is the same.
const backoffMs = (attempt: number) => Math.min(1000 * 2 ** attempt, 30_000);

export class ContainerRunner {
  status: V1ContainerStatus;
  private process: LocalProcess | undefined;
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
    this.status = {
      name: spec.name,
      image: spec.image ?? '',
      imageID: '',
      ready: false,
      started: false,
      restartCount: 0,
      state: { waiting: { reason: 'ContainerCreating' } },
    };
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
  async start(): Promise<void> {
    const run = ++this.run;
    const image = this.spec.image ?? '';
    const program = programFor(image);
    if (!program) {
      // A missing mapping cannot fix itself, so unlike the kubelet's image pulls this is not retried.
      this.waiting('ErrImagePull', unmappedImageMessage(image));
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
    const launch = 'error' in env ? env : program.launch(this.spec, envWithMounts(this.spec, this.context.volumeDirs, env.env), this.context.podDir);
    if ('error' in launch) {
      this.waiting('error' in env ? 'CreateContainerConfigError' : 'CreateContainerError', launch.error);
      this.schedule(backoffMs(this.retries++), () => void this.start());
      return;
    }
    const meta = pod.metadata ?? {};
    const logFile = join(this.context.logDir, `${meta.namespace}_${meta.name}_${this.spec.name}.log`);
    let process_: LocalProcess;
    try {
      process_ = startLocalProcess({
        name: `${this.podLabel}/${this.spec.name}`,
        argv: ['ip', 'netns', 'exec', this.context.netns, ...launch.argv],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOSTNAME: meta.name ?? '', ...launch.env },
        cwd: launch.cwd,
        logFile,
      });
    } catch (error) {
      this.waiting('CreateContainerError', (error as Error).message);
      this.schedule(backoffMs(this.retries++), () => void this.start());
      return;
    }
    this.process = process_;
    this.retries = 0;
    const startedAt = new Date();
    const probe = this.spec.readinessProbe;
    this.status = {
      ...this.status,
      imageID: image,
      containerID: `local-process://${process_.pid}`,
      started: true,
      ready: !probe,
      state: { running: { startedAt } },
    };
    void process_.exited.then((exit) => this.exited(run, startedAt, exit));
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

  private exited(run: number, startedAt: Date, exit: ProcessExit): void {
    if (run !== this.run) return;
    clearTimeout(this.timer);
    const exitCode = exit.code ?? 128 + (exit.signal ? constants.signals[exit.signal] : 0);
    const terminated: V1ContainerStateTerminated = {
      exitCode,
      reason: exitCode === 0 ? 'Completed' : 'Error',
      startedAt,
      finishedAt: new Date(),
      containerID: this.status.containerID,
      ...(exit.signal ? { signal: constants.signals[exit.signal] } : {}),
    };
    this.context.log(`${this.podLabel} container ${this.spec.name} exited with code ${exitCode}; its output is in ${this.process?.logFile}`);
    this.process = undefined;
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

  /** Stops the process (SIGTERM, SIGKILL after graceMs) and any pending restart or probe. */
  async stop(graceMs: number): Promise<void> {
    this.run++;
    clearTimeout(this.timer);
    const running = this.process;
    this.process = undefined;
    if (running) await running.stop(graceMs);
  }
}
