// Services for the harness's pods, standing in for kube-proxy and cluster DNS: it watches Services and
// EndpointSlices and keeps, in every pod's network namespace, the NAT rules and the /etc/hosts of
// service-rules.ts. `ip netns exec` (which starts every container) mounts /etc/netns/<netns>/hosts over
// /etc/hosts, so pods find `demo.default.svc` as they would through DNS.
//
// The API server listens on the host's loopback, which pods cannot reach; a relay on the pod network's
// gateway forwards to it, and the `kubernetes` Service's ClusterIP leads to the relay, so in-cluster
// clients (the operator as a pod) talk to the API server as they do in a real cluster.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { CoreV1Api, DiscoveryV1Api, ListWatch, Watch, type KubeConfig, type V1EndpointSlice, type V1Service } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand } from '../support/run-command.js';
import { netnsEtcDir } from './pod-network.js';
import { hostsFile, iptablesRules, serviceBackends, type ApiServerRoute, type PodIdentity } from './service-rules.js';

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
  private readonly pods = new Map<string, PodIdentity>();
  private readonly informers: ListWatch<V1Service | V1EndpointSlice>[] = [];
  private pending: Promise<void> = Promise.resolve();
  private dirty = false;
  private stopped = false;

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

  /** Gives a new pod its rules and hosts file; called before its containers start. */
  attach(netns: string, pod: PodIdentity): Promise<void> {
    return this.serially(async () => {
      this.pods.set(netns, pod);
      await this.apply(netns, pod);
    });
  }

  detach(netns: string): Promise<void> {
    return this.serially(async () => {
      this.pods.delete(netns);
      await rm(join(netnsEtcDir, netns), { recursive: true, force: true });
    });
  }

  private async apply(netns: string, pod: PodIdentity): Promise<void> {
    const services = this.services.list();
    const rules = iptablesRules(serviceBackends(services, this.slices.list(), this.apiServer));
    await runCommand(['ip', 'netns', 'exec', netns, 'iptables-restore', '-w', '5'], { input: rules });
    const dir = join(netnsEtcDir, netns);
    await mkdir(dir, { recursive: true });
    // Written in place, not renamed: running containers have this very file mounted as /etc/hosts.
    await writeFile(join(dir, 'hosts'), hostsFile(pod, services));
  }

  /** Coalesces bursts of watch events into one pass over every pod. */
  private changed(): void {
    if (this.dirty || this.stopped) return;
    this.dirty = true;
    void this.serially(async () => {
      this.dirty = false;
      for (const [netns, pod] of this.pods) {
        await this.apply(netns, pod).catch((error: unknown) => this.log(`service network: ${String(error)}`));
      }
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
