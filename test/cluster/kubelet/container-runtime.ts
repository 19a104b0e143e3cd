// What the harness's kubelet asks of a container runtime, and the default runtime: each container a local
// process inside the pod's network namespace, its program looked up from the image name (programs.ts).
// The other runtime, podman-runtime.ts, runs the real image. ContainerRunner (restarts, probes, status)
// is the same for both.
import { constants } from 'node:os';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { startLocalProcess } from '../../support/local-process.js';
import { parseImageReference } from '../../../api/v1alpha1/image.js';
import { imageName, programDigest, programFor, unmappedImageMessage } from './programs.js';
import { envWithMounts } from './volumes.js';

export type RuntimeKind = 'process' | 'podman';

/** Everything needed to start one container of a pod, once its env is known. */
export interface ContainerStart {
  /** The pod as last seen, with status.podIP/hostIP filled in. */
  pod: V1Pod;
  container: V1Container;
  /** The env as the kubelet builds it (container-env.ts), with paths as the pod spec writes them. */
  env: Record<string, string>;
  netns: string;
  /** The pod's own directory (volumes, fixtures); removed when the pod stops. */
  podDir: string;
  /** Volume name -> the directory standing for it. */
  volumeDirs: ReadonlyMap<string, string>;
  /** Where the container's stdout and stderr go. */
  logFile: string;
  /** 0 for the first start, then the restart count: runtimes name each start apart, as the kubelet does. */
  attempt: number;
}

export interface ContainerExit {
  exitCode: number;
  /** The signal that ended it, when the runtime knows (a local process does, a container does not). */
  signal?: number;
  /** The kubelet's reason when it is not Completed/Error (OOMKilled). */
  reason?: string;
}

export interface RunningContainer {
  /** `<runtime>://<id>`, as in status.containerStatuses[].containerID. */
  containerID: string;
  /** What status.containerStatuses[].imageID reports. */
  imageID: string;
  startedAt: Date;
  exited: Promise<ContainerExit>;
  /** SIGTERM, SIGKILL after graceMs; resolves once it is gone (and, for podman, removed). */
  stop(graceMs: number): Promise<void>;
  /** The process id of the container's main process on this machine, where the runtime has one to give. */
  pid?: number;
}

/** A start that failed; reason is the kubelet's waiting reason (CreateContainerError, RunContainerError, ...). */
export interface StartFailure {
  reason: string;
  message: string;
}

export interface RunnableImage {
  start(request: ContainerStart): Promise<RunningContainer | StartFailure>;
}

export interface ContainerRuntime {
  readonly kind: RuntimeKind;
  /** The image as this runtime would run it, or why it cannot (reported as ErrImagePull, not retried). */
  image(reference: string): Promise<RunnableImage | { error: string }>;
  /** Removes whatever the runtime still runs or holds; called after every pod has stopped. */
  close(): Promise<void>;
}

export const isStartFailure = (result: RunningContainer | StartFailure): result is StartFailure => 'reason' in result;

/** The process runtime: the default, no container engine needed. */
export const processRuntime: ContainerRuntime = {
  kind: 'process',
  async image(reference) {
    const program = programFor(reference);
    if (!program) return { error: unmappedImageMessage(reference) };
    const digest = programDigest(program);
    const wanted = parseImageReference(reference).digest;
    if (wanted !== undefined && wanted !== digest) return { error: `manifest unknown: ${imageName(reference)} has no image ${wanted} (this checkout builds ${digest})` };
    return {
      async start(request) {
        const { pod, container, env, volumeDirs, podDir, netns, logFile } = request;
        // Without mount namespaces, paths under the container's mounts point at the volumes' directories.
        const launch = program.launch(container, envWithMounts(container, volumeDirs, env), podDir);
        if ('error' in launch) return { reason: 'CreateContainerError', message: launch.error };
        const meta = pod.metadata ?? {};
        let process_;
        try {
          process_ = startLocalProcess({
            name: `${meta.namespace}/${meta.name}/${container.name}`,
            argv: ['ip', 'netns', 'exec', netns, ...launch.argv],
            env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOSTNAME: meta.name ?? '', ...launch.env },
            cwd: launch.cwd,
            logFile,
          });
        } catch (error) {
          return { reason: 'CreateContainerError', message: (error as Error).message };
        }
        const running = process_;
        return {
          containerID: `local-process://${running.pid}`,
          imageID: `${imageName(reference)}@${digest}`,
          startedAt: new Date(),
          pid: running.pid,
          exited: running.exited.then((exit) => {
            const signal = exit.signal ? constants.signals[exit.signal] : undefined;
            return { exitCode: exit.code ?? 128 + (signal ?? 0), ...(signal !== undefined ? { signal } : {}) };
          }),
          stop: async (graceMs) => void (await running.stop(graceMs)),
        };
      },
    };
  },
  async close() {
    // Local processes stop with their pods, and die with the harness (parent-death signal).
  },
};
