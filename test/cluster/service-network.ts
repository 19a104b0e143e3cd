// Services for the harness's pods, standing in for kube-proxy and cluster DNS: it watches Services and
// EndpointSlices and keeps, in every pod's network namespace, the NAT rules and the /etc/hosts of
// service-rules.ts. `ip netns exec` (which starts every container) mounts /etc/netns/<netns>/hosts over
// /etc/hosts, so pods find `demo.default.svc` as they would through DNS.
//
// At a thousand pods, rewriting every namespace's tables on every EndpointSlice event would keep a core
// busy. So a change is rendered once, as the difference between the rules a namespace holds and the new
// ones (one diff per distinct previous state, normally one for all), applied with `iptables-restore
// --noflush` to each namespace, a few at once; hosts files are rewritten only when Services' names or
// ClusterIPs change. Pods annotated r4.dev/harness-no-services (the stand-ins, which call no Service)
// get neither rules nor hosts file.
//
// The API server listens on the host's loopback, which pods cannot reach; a relay on the pod network's
// gateway forwards to it, and the `kubernetes` Service's ClusterIP leads to the relay, so in-cluster
// clients (the operator as a pod) talk to the API server as they do in a real cluster.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, ListWatch, Watch, type KubeConfig, type V1EndpointSlice, type V1Service } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { concurrencyLimit } from '../support/concurrency-limit.js';
import { runCommand } from '../support/run-command.js';
import { netnsEtcDir, netnsPath } from './pod-network.js';
import { fullRules, hostsFile, hostsKey, ruleDiff, sameRules, serviceBackends, serviceRules, type ApiServerRoute, type PodIdentity, type ServiceRules } from './service-rules.js';

/** A pod annotated so (value "true") makes no Service calls: it gets no rules nor hosts file. */
export const noServicesAnnotation = 'r4.dev/harness-no-services';

/** Namespaces whose rules or hosts file are written at once. */
const applyConcurrency = 4;

/** What a pod's namespace holds, as far as known: undefined rules when an apply failed (rewritten whole). */
interface AttachedPod {
  pod: PodIdentity;
  rules: ServiceRules | undefined;
  hostsKey: string | undefined;
}

/** A TCP relay from the gateway address to the API server on loopback; TLS passes through untouched. */
async function startRelay(host: string, target: { host: string; port: number }): Promise<{ server: Server; port: number; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  return { server, port: (server.address() as { port: number }).port, sockets };
}

export class ServiceNetwork {
  private readonly pods = new Map<string, AttachedPod>();
  private readonly informers: ListWatch<V1Service | V1EndpointSlice>[] = [];
  private pending: Promise<void> = Promise.resolve();
  private dirty = false;
  private stopped = false;
  // The rules last rendered: kept as the same object while they do not change, so namespaces holding them
  // are recognised by identity and a diff is computed once per distinct previous state.
  private current: ServiceRules = new Map();
  private readonly limit = concurrencyLimit(applyConcurrency);
  private readonly joining: { netns: string; attached: AttachedPod; resolve(): void; reject(error: Error): void }[] = [];

  private constructor(
    private readonly services: ListWatch<V1Service>,
    private readonly slices: ListWatch<V1EndpointSlice>,
    private readonly relay: Awaited<ReturnType<typeof startRelay>>,
    private readonly apiServer: ApiServerRoute,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts the relay on `gateway` and the watches; `apiServer` is the server URL of the admin kubeconfig. */
  static async start(kc: KubeConfig, gateway: string, apiServer: URL, log: (line: string) => void): Promise<ServiceNetwork> {
    const relay = await startRelay(gateway, { host: apiServer.hostname, port: Number(apiServer.port) });
    const core = kc.makeApiClient(CoreV1Api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const services = new ListWatch<V1Service>('/api/v1/services', new Watch(kc), () => core.listServiceForAllNamespaces(), false);
    const slices = new ListWatch<V1EndpointSlice>('/apis/discovery.k8s.io/v1/endpointslices', new Watch(kc), () => discovery.listEndpointSliceForAllNamespaces(), false);
    const network = new ServiceNetwork(services, slices, relay, { host: gateway, port: relay.port }, log);
    for (const informer of [services, slices] as ListWatch<V1Service | V1EndpointSlice>[]) {
      network.informers.push(informer);
      for (const event of ['add', 'update', 'delete'] as const) informer.on(event, () => network.changed());
      let restarts = 0;
      informer.on('connect', () => (restarts = 0));
      informer.on('error', (error: unknown) => {
        if (network.stopped) return;
        const delay = Math.min(1000 * 2 ** restarts++, 30_000);
        log(`service network: watch failed, restarting in ${delay / 1000}s: ${String(error)}`);
        void sleep(delay).then(() => (network.stopped ? undefined : informer.start()));
      });
      await informer.start();
    }
    return network;
  }

  /**
   * Runs one change of the pods' files and rules after those before it: a resync writing a pod's hosts
   * file must not race the removal of its directory.
   */
  private serially(work: () => Promise<void>): Promise<void> {
    const next = this.pending.then(work);
    this.pending = next.catch(() => undefined);
    return next;
  }

  /**
   * Gives a new pod its rules and hosts file; called before its containers start. Pods arriving together
   * are brought up to date in one pass, a few namespaces at once.
   */
  attach(netns: string, pod: PodIdentity): Promise<void> {
    return new Promise((resolve, reject) => {
      this.joining.push({ netns, attached: { pod, rules: undefined, hostsKey: undefined }, resolve, reject });
      if (this.joining.length > 1) return; // a pass is already queued and will take this one too
      void this.serially(async () => {
        const joining = this.joining.splice(0);
        for (const { netns: name, attached } of joining) this.pods.set(name, attached);
        const outcomes = new Map(joining.map((j) => [j.netns, j]));
        // Each pod goes on as soon as its own namespace is done, not when the whole batch is.
        await this.bringUpToDate(
          joining.map((j) => [j.netns, j.attached]),
          (name, failure) => (failure ? outcomes.get(name)?.reject(new Error(failure)) : outcomes.get(name)?.resolve()),
        );
      });
    });
  }

  detach(netns: string): Promise<void> {
    return this.serially(async () => {
      if (!this.pods.delete(netns)) return;
      await rm(join(netnsEtcDir, netns), { recursive: true, force: true });
    });
  }

  /** The rules for the Services and EndpointSlices as the watches hold them now. */
  private render(): ServiceRules {
    const next = serviceRules(serviceBackends(this.services.list(), this.slices.list(), this.apiServer));
    if (!sameRules(next, this.current)) this.current = next;
    return this.current;
  }

  /** Brings each namespace's rules and hosts file to the current Services; `done` hears of each namespace. */
  private async bringUpToDate(pods: [string, AttachedPod][], done: (netns: string, failure?: string) => void = () => undefined): Promise<void> {
    const rules = this.render();
    const services = this.services.list();
    const key = hostsKey(services);
    const diffs = new Map<ServiceRules, string>();
    const diffFrom = (previous: ServiceRules) => {
      let diff = diffs.get(previous);
      if (diff === undefined) diffs.set(previous, (diff = ruleDiff(previous, rules)));
      return diff;
    };
    await Promise.all(
      pods.map(([netns, attached]) =>
        this.limit(async () => {
          if (attached.rules !== rules) {
            const known = attached.rules;
            attached.rules = undefined; // unknown until the restore succeeds
            const [input, flags] = known ? [diffFrom(known), ['--noflush']] : [fullRules(rules), []];
            // nsenter joins only the network namespace; `ip netns exec` would copy every mount first.
            if (input) await runCommand(['nsenter', `--net=${netnsPath(netns)}`, 'iptables-restore', '-w', '5', ...flags], { input });
            attached.rules = rules;
          }
          if (attached.hostsKey !== key) {
            const dir = join(netnsEtcDir, netns);
            await mkdir(dir, { recursive: true });
            // Written in place, not renamed: running containers have this very file mounted as /etc/hosts.
            await writeFile(join(dir, 'hosts'), hostsFile(attached.pod, services));
            attached.hostsKey = key;
          }
        }).then(
          () => done(netns),
          (error: unknown) => {
            this.log(`service network: ${String(error)}`);
            done(netns, String(error));
          },
        ),
      ),
    );
  }

  /** Coalesces bursts of watch events into one pass over every pod. */
  private changed(): void {
    if (this.dirty || this.stopped) return;
    this.dirty = true;
    void this.serially(async () => {
      this.dirty = false;
      await this.bringUpToDate([...this.pods]);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((informer) => informer.stop()));
    for (const socket of this.relay.sockets) socket.destroy();
    await new Promise((resolve) => this.relay.server.close(resolve));
    await Promise.all([...this.pods.keys()].map((netns) => this.detach(netns)));
  }
}
