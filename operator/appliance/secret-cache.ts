// The Secrets a reconcile reads (the API keys' metadata, the certificate, the VRF keys), kept a short while
// so that a steady reconcile makes no GET: the operator does not watch Secrets (docs/security.md). What the
// operator writes itself is dropped from the cache at once; a copy is kept for one version of its appliance's
// spec and annotations only (an edit, or an annotation asking for a rotation, reads afresh; the operator's own
// status writes do not: at 1,000 pods they made half of all its requests GETs of Secrets); an absent
// Secret is never cached, so one a person creates to fix a refused spec is seen at the next look. Each
// appliance keeps its own copy: appliances that share a Secret (one API-key Secret for a team's fleet)
// would otherwise take turns throwing out each other's copy, and every reconcile would read it.
import type { V1Secret } from '@kubernetes/client-node';

export type SecretReader = (namespace: string, name: string, metadataOnly: boolean) => Promise<V1Secret | undefined>;

export interface SecretRead {
  /** The labels and annotations only: the operator never holds the API keys. */
  metadataOnly?: boolean;
  /** How old a kept copy may be; 0 reads afresh. */
  maxAgeMs: number;
  /** The appliance (namespace/name) the copy is kept for. */
  appliance: string;
  /** The appliance's spec and annotations, as applianceVersion gives them: a copy read for another is read again. */
  applianceVersion: string;
}

export class SecretCache {
  private readonly kept = new Map<string, { secret: V1Secret; at: number; applianceVersion: string }>();

  /** longestMs: no copy is kept past it, so the Secrets of deleted appliances do not stay behind. */
  constructor(
    private readonly read: SecretReader,
    private readonly longestMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(namespace: string, name: string, options: SecretRead): Promise<V1Secret | undefined> {
    const metadataOnly = options.metadataOnly ?? false;
    const id = `${options.appliance}|${secretId(metadataOnly, namespace, name)}`;
    for (const [other, copy] of this.kept) if (this.now() - copy.at >= this.longestMs) this.kept.delete(other);
    const kept = this.kept.get(id);
    if (kept && kept.applianceVersion === options.applianceVersion && this.now() - kept.at < options.maxAgeMs) return kept.secret;
    const secret = await this.read(namespace, name, metadataOnly);
    if (secret) this.kept.set(id, { secret, at: this.now(), applianceVersion: options.applianceVersion });
    else this.kept.delete(id);
    return secret;
  }

  /** After the operator wrote (or someone deleted) the Secret: the next get reads it. */
  invalidate(namespace: string, name: string): void {
    const ids = [secretId(true, namespace, name), secretId(false, namespace, name)];
    for (const id of this.kept.keys()) if (ids.some((secret) => id.endsWith(`|${secret}`))) this.kept.delete(id);
  }
}

/** What a kept copy depends on: the appliance's spec (its generation) and its annotations, not its status. */
export function applianceVersion(metadata: { generation?: number; annotations?: Record<string, string> }): string {
  return `${metadata.generation ?? 0}/${JSON.stringify(metadata.annotations ?? {})}`;
}

const secretId = (metadataOnly: boolean, namespace: string, name: string) => `${metadataOnly ? 'meta' : 'full'}/${namespace}/${name}`;
