// What the operator refuses to do for an appliance, decided before anything is rendered: run an image from
// outside its allowed repositories, or mount a Secret that is not labelled for r4. Whoever may create an
// appliance must not be able to use the operator to run any image, or to read any Secret of the namespace
// through a pod the operator starts.
import type { RefusalReason } from '../../api/v1alpha1/conditions.js';
import { parseImageReference } from '../../api/v1alpha1/image.js';
import { API_KEYS_SECRET_LABEL, CERT_MANAGER_CERTIFICATE_ANNOTATION, TLS_SECRET_LABEL } from '../../api/v1alpha1/labels.js';
import type { Ownership } from './ownership.js';

export interface Refusal {
  reason: RefusalReason;
  message: string;
}

/** A Secret's metadata as read (undefined: there is no such Secret). */
export interface SecretMetadata {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface AdmissionInput {
  /** spec.image as written; undefined: the operator's default image, which is always allowed. */
  image?: string;
  /** Repositories (registry/path/name) spec.image may name; an entry ending in "/*" allows everything under it. */
  allowedRepositories: readonly string[];
  apiKeys: { name: string; secret: SecretMetadata | undefined };
  /** The TLS Secret: one the user names, or the one the operator issues (it must be this appliance's). */
  tls?: { user: { name: string; secret: SecretMetadata | undefined } } | { issued: { name: string; ownership: Ownership } };
}

/** Whether a repository is one of the allowed: equal to an entry, or below an entry "<prefix>/*". */
export function repositoryAllowed(repository: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => (entry.endsWith('/*') ? repository.startsWith(entry.slice(0, -1)) && repository.length > entry.length - 1 : repository === entry));
}

const labelled = (secret: SecretMetadata | undefined, label: string) => secret?.labels?.[label] === 'true';

/** Everything refused about this appliance (empty: nothing). A refused appliance gets no Deployment created or updated. */
export function refusals(input: AdmissionInput): Refusal[] {
  const found: Refusal[] = [];
  if (input.image !== undefined) {
    const { repository } = parseImageReference(input.image);
    if (!repositoryAllowed(repository, input.allowedRepositories)) {
      found.push({
        reason: 'ImageNotAllowed',
        message: `spec.image repository "${repository}" is not one the operator may run (allowed: ${input.allowedRepositories.join(', ') || 'none'})`,
      });
    }
  }
  const { apiKeys, tls } = input;
  if (!labelled(apiKeys.secret, API_KEYS_SECRET_LABEL)) {
    found.push({
      reason: 'SecretNotAllowed',
      message: apiKeys.secret
        ? `Secret ${apiKeys.name} (spec.apiKeySecretRef) is not labelled ${API_KEYS_SECRET_LABEL}: "true"; it is not mounted`
        : `Secret ${apiKeys.name} (spec.apiKeySecretRef) does not exist`,
    });
  }
  if (tls && 'user' in tls) {
    const { name, secret } = tls.user;
    const certManager = secret?.annotations?.[CERT_MANAGER_CERTIFICATE_ANNOTATION] !== undefined;
    if (!labelled(secret, TLS_SECRET_LABEL) && !certManager) {
      found.push({
        reason: 'SecretNotAllowed',
        message: secret
          ? `Secret ${name} (spec.tls.secretName) is neither labelled ${TLS_SECRET_LABEL}: "true" nor cert-manager's (annotation ${CERT_MANAGER_CERTIFICATE_ANNOTATION}); it is not mounted`
          : `Secret ${name} (spec.tls.secretName) does not exist`,
      });
    }
  }
  if (tls && 'issued' in tls && tls.issued.ownership === 'foreign') {
    found.push({ reason: 'ChildConflict', message: conflictMessage({ kind: 'Secret', name: tls.issued.name }) + '; its certificate is not served' });
  }
  return found;
}

/** An object the operator would make that exists already and is not this appliance's. */
export interface ChildConflict {
  kind: string;
  name: string;
}

export const conflictMessage = (c: ChildConflict) => `${c.kind} ${c.name} exists and is not this appliance's (no owner reference to it): left alone`;
