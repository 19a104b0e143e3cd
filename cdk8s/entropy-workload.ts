// The children of one EntropyAppliance — a Deployment, a Service and a PodDisruptionBudget — defined
// once as a cdk8s construct. The operator synthesizes it in-process; `npm run synth` prints the same.
// The Service has no selector: the operator lists its endpoints itself, attested pods only.
import { ApiObject, App, Chart, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { applianceNames, ATTESTED_CONDITION, selectorLabels, workloadLabels } from '../api/v1alpha1/labels.js';
import type { ResolvedSpec } from '../api/v1alpha1/resolve.js';
import type { ServiceEnv } from '../contracts/service-env.js';
import { VRF_KEYSET_FILE_NAME } from '../contracts/vrf-keyset.js';

export const CONTAINER_NAME = 'entropy';
export const CONTAINER_PORT = 8080;
const KEYS_DIR = '/etc/r4/keys';
const TLS_DIR = '/etc/r4/tls';
/**
 * The VRF keys Secret, the whole directory: the kubelet updates it in place when the operator adds a key
 * (a subPath mount would never change) and the service re-reads the file, so a rotation reaches running
 * pods without a restart.
 */
export const VRF_KEYS_DIR = '/etc/r4/vrf';
/** The size limit of the pods' /tmp (an emptyDir): the sealed copy of the core (about 4 MiB) and room to spare. */
export const TMP_SIZE_LIMIT_MIB = 32;
/** The non-root user the image runs as (Dockerfile). */
const RUN_AS = 65532;

export interface WorkloadOptions {
  /**
   * Mount the appliance's VRF keys Secret (default true). The operator leaves it out while that Secret is
   * not the appliance's own or holds no valid keyset: such a Secret is never mounted, and /vrf answers 503.
   */
  vrfKeys?: boolean;
}

/** The service's environment (contracts/service-env.ts names and explains each variable). */
function serviceEnv(spec: ResolvedSpec, options: WorkloadOptions): ServiceEnv {
  const env: ServiceEnv = {
    API_HOST: '0.0.0.0',
    PORT: String(CONTAINER_PORT),
    API_KEYS_FILE: `${KEYS_DIR}/${spec.apiKeySecret.key}`,
    STRICT_FIPS: spec.strictFips ? '1' : '0',
    ALLOW_QUERY_KEY: spec.auth.allowQueryKey ? '1' : '0',
    R4_EXPECTED_CORE_SHA256: spec.expectedCoreSha256,
    ...(spec.tls.enabled ? { TLS_CERT_FILE: `${TLS_DIR}/tls.crt`, TLS_KEY_FILE: `${TLS_DIR}/tls.key` } : { ALLOW_PLAIN_HTTP: '1' }),
    ...(options.vrfKeys !== false && { R4_VRF_KEYSET_FILE: `${VRF_KEYS_DIR}/${VRF_KEYSET_FILE_NAME}` }),
    R4_APPLIANCE: `${spec.namespace}/${spec.name}`,
    R4_VRF_BEACON_PERIOD_S: String(spec.vrf.beacon.periodSeconds),
    ...(spec.vrf.beacon.genesis !== undefined && { R4_VRF_BEACON_GENESIS: spec.vrf.beacon.genesis }),
  };
  const { maxBytesPerRequest, requestsPerSecond, bytesPerSecond } = spec.limits;
  if (maxBytesPerRequest !== undefined) env.MAX_BYTES_PER_REQUEST = String(maxBytesPerRequest);
  if (requestsPerSecond !== undefined) env.RATE_LIMIT_RPS = String(requestsPerSecond);
  if (bytesPerSecond !== undefined) env.RATE_LIMIT_BYTES_PER_S = String(bytesPerSecond);
  return env;
}

/** The Service's port name, which its EndpointSlice's port repeats. */
export const servicePortName = (spec: ResolvedSpec) => (spec.tls.enabled ? 'https' : 'http');

export class EntropyWorkload extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: kplus.Service;

  constructor(scope: Construct, id: string, spec: ResolvedSpec, options: WorkloadOptions = {}) {
    super(scope, id);
    const labels = workloadLabels(spec.name);
    const keys = kplus.Volume.fromSecret(this, 'keys', kplus.Secret.fromSecretName(this, 'secret', spec.apiKeySecret.name), {
      name: 'api-keys',
    });
    // Bounded, so a pod cannot fill its node's disk through /tmp (the service keeps only its sealed core there).
    const tmp = kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(TMP_SIZE_LIMIT_MIB) });
    const tls = spec.tls.enabled ? kplus.Volume.fromSecret(this, 'tls', kplus.Secret.fromSecretName(this, 'tls-secret', spec.tls.secretName), { name: 'tls' }) : undefined;
    const scheme = spec.tls.enabled ? kplus.ConnectionScheme.HTTPS : kplus.ConnectionScheme.HTTP;
    const vrfKeys =
      options.vrfKeys !== false
        ? kplus.Volume.fromSecret(this, 'vrf-keys', kplus.Secret.fromSecretName(this, 'vrf-keys-secret', applianceNames(spec.name).vrfKeysSecret), { name: 'vrf-keys' })
        : undefined;

    this.deployment = new kplus.Deployment(this, 'deployment', {
      metadata: { name: spec.name, labels },
      replicas: spec.replicas,
      select: false,
      podMetadata: { labels },
      automountServiceAccountToken: false,
      securityContext: { ensureNonRoot: true, user: RUN_AS, group: RUN_AS },
      containers: [
        {
          name: CONTAINER_NAME,
          image: spec.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          portNumber: CONTAINER_PORT,
          envVariables: Object.fromEntries(
            Object.entries(serviceEnv(spec, options)).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]),
          ),
          securityContext: {
            ensureNonRoot: true,
            user: RUN_AS,
            group: RUN_AS,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            privileged: false,
          },
          liveness: kplus.Probe.fromHttpGet('/health', { port: CONTAINER_PORT, scheme }),
          readiness: kplus.Probe.fromHttpGet('/ready', { port: CONTAINER_PORT, scheme }),
          volumeMounts: [
            { path: KEYS_DIR, volume: keys, readOnly: true },
            ...(tls ? [{ path: TLS_DIR, volume: tls, readOnly: true }] : []),
            ...(vrfKeys ? [{ path: VRF_KEYS_DIR, volume: vrfKeys, readOnly: true }] : []),
            { path: '/tmp', volume: tmp },
          ],
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(spec.name) }));

    // What cdk8s-plus has no API for, set on the rendered object.
    const podSpec = '/spec/template/spec';
    const deployment = ApiObject.of(this.deployment);
    deployment.addJsonPatch(
      // The construct-path label would tie pods to this file's layout; pods need only stable labels.
      JsonPatch.remove('/spec/template/metadata/labels/cdk8s.io~1metadata.addr'),
      JsonPatch.add(`${podSpec}/readinessGates`, [{ conditionType: ATTESTED_CONDITION }]),
      JsonPatch.add(`${podSpec}/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
      JsonPatch.add(`${podSpec}/containers/0/securityContext/capabilities`, { drop: ['ALL'] }),
      JsonPatch.add(`${podSpec}/containers/0/securityContext/seccompProfile`, { type: 'RuntimeDefault' }),
    );
    if (Object.keys(spec.nodeSelector).length > 0) deployment.addJsonPatch(JsonPatch.add(`${podSpec}/nodeSelector`, spec.nodeSelector));
    if (spec.tolerations.length > 0) deployment.addJsonPatch(JsonPatch.add(`${podSpec}/tolerations`, spec.tolerations));

    this.service = new kplus.Service(this, 'service', {
      metadata: { name: spec.name, labels },
      type: kplus.ServiceType[spec.service.type === 'ClusterIP' ? 'CLUSTER_IP' : spec.service.type === 'NodePort' ? 'NODE_PORT' : 'LOAD_BALANCER'],
      ports: [{ name: servicePortName(spec), port: spec.service.port, targetPort: CONTAINER_PORT }],
    });
    // No selector at all (cdk8s-plus writes an empty one, which would select every pod of the namespace).
    ApiObject.of(this.service).addJsonPatch(JsonPatch.remove('/spec/selector'));

    new kplus.k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata: { name: spec.name, labels },
      spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: selectorLabels(spec.name) } },
    });
  }
}

export type RenderedObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [field: string]: unknown };

/** Renders the children of one appliance as plain Kubernetes objects (nothing is written to disk). */
export function synthesizeWorkload(spec: ResolvedSpec, options: WorkloadOptions = {}): RenderedObject[] {
  const app = new App();
  const chart = new Chart(app, spec.name, { namespace: spec.namespace, disableResourceNameHashes: true });
  new EntropyWorkload(chart, 'appliance', spec, options);
  const objects = chart.toJson() as RenderedObject[];
  // cdk8s-plus models resources as Cpu/Size values, which cannot carry every Kubernetes quantity, and its
  // typed Deployment drops a raw map set by JsonPatch; so the spec's quantities go on the rendered object.
  for (const object of objects) {
    if (object.kind !== 'Deployment') continue;
    const pod = (object.spec as { template: { spec: { containers: { resources?: unknown }[] } } }).template.spec;
    const container = pod.containers[0];
    if (container) container.resources = structuredClone(spec.resources);
  }
  return objects;
}
