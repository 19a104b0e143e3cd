// Running a program as a process of a pod runs it: inside the pod's network namespace, where Services
// resolve by name (its /etc/hosts) and ClusterIPs lead to endpoints.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';

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

