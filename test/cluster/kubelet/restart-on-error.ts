// client-node's ListWatch stops on errors other than expiry; the fake kubelet's watches start it again.
import type { KubernetesObject, ListWatch } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

/** Restarts `informer` after each error with a capped backoff (1 s doubling to 30 s), until `stopped()`. */
export function restartOnError<T extends KubernetesObject>(informer: ListWatch<T>, what: string, log: (line: string) => void, stopped: () => boolean): void {
  let restarts = 0;
  informer.on('connect', () => (restarts = 0));
  informer.on('error', (error: unknown) => {
    if (stopped()) return;
    const delay = Math.min(1000 * 2 ** restarts++, 30_000);
    log(`${what} watch failed, restarting in ${delay / 1000}s: ${String(error)}`);
    void sleep(delay).then(() => (stopped() ? undefined : informer.start()));
  });
}
