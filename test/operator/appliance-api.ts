// Reading and changing EntropyAppliances and looking at what the operator made of them, for the tests.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import { API_VERSION, GROUP as group, KIND, PLURAL as plural, VERSION as version } from '../../api/v1alpha1/group.js';
import type { EntropyAppliance } from '../../api/v1alpha1/types.js';
import type { Clients } from '../cluster/jest-cluster.js';
import type { TlsTarget } from '../support/https.js';
import { waitFor } from '../support/wait-for.js';
import { readManifests } from './operator-harness.js';

/** The first API key in the Secret of an example file: what a client of that example's appliance sends. */
export function exampleApiKey(file: string): string {
  for (const object of readManifests(file)) {
    if (object.kind !== 'Secret') continue;
    const data = (object as { stringData?: Record<string, string> }).stringData ?? {};
    for (const text of Object.values(data)) {
      const key = text.split('\n').map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('#'));
      if (key !== undefined) return key;
    }
  }
  throw new Error(`${file} has no Secret with an API key`);
}

export class ApplianceApi {
  private readonly custom: CustomObjectsApi;

  constructor(private readonly clients: Clients) {
    this.custom = clients.kc.makeApiClient(CustomObjectsApi);
  }

  /**
   * Creates every object of an example file in the namespace; `spec` is merged into its appliances' specs
   * before they are created, so no pod of the example's own spec ever runs.
   */
  async applyExample(file: string, namespace: string, spec: Record<string, unknown> = {}): Promise<void> {
    for (const object of readManifests(file)) {
      const merged = object.kind === KIND ? { ...object, spec: { ...(object as { spec?: object }).spec, ...spec } } : object;
      await this.clients.objects.create({ ...merged, metadata: { ...object.metadata, namespace } } as KubernetesObject);
    }
  }

  async create(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
    await this.custom.createNamespacedCustomObject({ group, version, namespace, plural, body: { apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec } });
  }

  async get(namespace: string, name: string): Promise<EntropyAppliance> {
    return (await this.custom.getNamespacedCustomObject({ group, version, namespace, plural, name })) as EntropyAppliance;
  }

  async patchSpec(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
    await this.custom.patchNamespacedCustomObject({ group, version, namespace, plural, name, body: { spec } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }

  async delete(namespace: string, name: string): Promise<void> {
    await this.custom.deleteNamespacedCustomObject({ group, version, namespace, plural, name });
  }

  async pods(namespace: string, name: string): Promise<V1Pod[]> {
    return (await this.clients.core.listNamespacedPod({ namespace, labelSelector: `r4.dev/appliance=${name}` })).items.filter((p) => !p.metadata?.deletionTimestamp);
  }

  /**
   * What someone who may edit Deployments can do: swap the appliance's image (the operator puts its own back
   * at its next re-apply). Resolves with the first pod of the new image once its container runs.
   */
  async swapImage(namespace: string, name: string, image: string): Promise<V1Pod> {
    await this.clients.apps.patchNamespacedDeployment(
      { name, namespace, body: { spec: { template: { spec: { containers: [{ name: 'entropy', image }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    return waitFor(async () => {
      const found = (await this.pods(namespace, name)).find((p) => p.spec?.containers[0]?.image === image && p.status?.containerStatuses?.[0]?.state?.running);
      return { ok: found !== undefined, state: found };
    }, 120_000, `a pod of ${image} to run`) as Promise<V1Pod>;
  }

  /** Addresses the Service's EndpointSlices list as ready: where traffic goes. */
  async readyEndpoints(namespace: string, service: string): Promise<string[]> {
    const slices = await this.clients.discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` });
    return slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready).flatMap((e) => e.addresses)).sort();
  }

  /** The CA bundle clients verify the appliance's pods with, and the name its certificates carry. */
  async trust(namespace: string, name: string): Promise<TlsTarget> {
    const bundle = await this.clients.core.readNamespacedConfigMap({ name: `${name}-ca`, namespace });
    const ca = bundle.data?.['ca.crt'];
    if (!ca) throw new Error(`ConfigMap ${namespace}/${name}-ca has no ca.crt`);
    return { ca, servername: `${name}.${namespace}.svc` };
  }

  async waitForStatus(namespace: string, name: string, description: string, ok: (a: EntropyAppliance) => boolean, timeoutMs = 90_000): Promise<EntropyAppliance> {
    return waitFor(async () => {
      const a = await this.get(namespace, name);
      return { ok: ok(a), state: { status: a.status, pods: (await this.pods(namespace, name)).map((p) => ({ name: p.metadata?.name, phase: p.status?.phase, ip: p.status?.podIP, conditions: p.status?.conditions, labels: p.metadata?.labels })) } };
    }, timeoutMs, `${namespace}/${name}: ${description}`).then(() => this.get(namespace, name));
  }
}

export const condition = (a: EntropyAppliance, type: string) => a.status?.conditions?.find((c) => c.type === type);
