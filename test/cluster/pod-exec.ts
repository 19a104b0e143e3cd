// Running a program as a process of a pod runs it: inside the pod's network namespace, where Services
// resolve by name (its /etc/hosts) and ClusterIPs lead to endpoints.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';

const run = promisify(execFile);

/**
 * Runs a script with node inside a pod's network namespace, as a process of that pod would run. Not
 * synchronously: the API server relay lives in this process and must keep running meanwhile.
 */
export async function inPodNetns(pid: number, script: string): Promise<{ status: number; stdout: string; stderr: string }> {
  const netns = execFileSync('ip', ['netns', 'identify', String(pid)], { encoding: 'utf8' }).trim();
  try {
    const { stdout, stderr } = await run('ip', ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', script], { timeout: 20_000 });
    return { status: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { status: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}


/** The pid of a process-mode pod's container, from the containerID the kubelet reports (local-process://<pid>). */
export function podProcessPid(pod: V1Pod): number {
  const containerID = pod.status?.containerStatuses?.[0]?.containerID ?? '';
  const pid = Number(/^local-process:\/\/(\d+)$/.exec(containerID)?.[1]);
  if (!Number.isInteger(pid)) throw new Error(`pod ${pod.metadata?.name} runs no local process (containerID "${containerID}")`);
  return pid;
}

export interface PodGet {
  scheme: 'http' | 'https';
  /** The options of node:http(s) get(), JSON values only (host, port, path, headers, ca, servername). */
  options: Record<string, unknown>;
  /** What the body of an answer that counts as served looks like. */
  servedBody: RegExp;
}

/**
 * From inside a pod's network namespace, one GET: 'served' for a 200 whose body matches, else 'status <code>'
 * or the connection's error code (a rejected SYN: ECONNREFUSED; a silent drop: ETIMEDOUT after 3 s).
 */
export async function getFromPod(pod: V1Pod, request: PodGet): Promise<string> {
  const script = `
    import { get } from 'node:${request.scheme}';
    const served = new RegExp(${JSON.stringify(request.servedBody.source)});
    const req = get({ ...${JSON.stringify(request.options)}, agent: false, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => console.log(res.statusCode === 200 && served.test(body) ? 'served' : 'status ' + res.statusCode));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => console.log(error.code ?? error.message));
  `;
  const result = await inPodNetns(podProcessPid(pod), script);
  return result.stdout.trim() || `no answer (exit ${result.status}: ${result.stderr.trim()})`;
}
