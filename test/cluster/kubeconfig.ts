// The kubeconfig that the harness, the controllers, kubectl, helm and `cluster up` users share.
import { stringify } from 'yaml';

export interface KubeconfigInput {
  server: string;
  caCert: string;
  clientCert: string;
  clientKey: string;
  name: string;
}

export function renderKubeconfig(input: KubeconfigInput): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.name, cluster: { server: input.server, 'certificate-authority': input.caCert } }],
    users: [{ name: `${input.name}-admin`, user: { 'client-certificate': input.clientCert, 'client-key': input.clientKey } }],
    contexts: [{ name: input.name, context: { cluster: input.name, user: `${input.name}-admin` } }],
    'current-context': input.name,
    preferences: {},
  });
}
