// What to do about an appliance's VRF keys, pure: from its Secret <name>-vrf-keys as observed, the
// rotation it asks for (annotation r4.dev/rotate-vrf-keys) and the time — make the first key, append a
// rotated one, or nothing; whether the pods may mount the Secret; what is wrong; what status.vrf says;
// when to look again. The keys are never overwritten or regenerated: an existing keyset's keys may be in
// use (answers already given were signed by them), so a Secret that is another's or does not parse is
// reported and left alone.
import type { ResolvedSpec } from '../../api/v1alpha1/resolve.js';
import type { EntropyApplianceStatus } from '../../api/v1alpha1/types.js';
import { vrfKeysDocument } from '../../contracts/vrf-keys-document.js';
import { parseVrfKeyset, VRF_KEYSET_MAX_KEYS, type VrfKeyset } from '../../contracts/vrf-keyset.js';
import { conflictMessage } from '../appliance/admission.js';

/** A failed key generation (the core missing, tampered with, failing its self-test) is retried this often. */
export const KEYGEN_RETRY_MS = 30_000;
/** A rotated key takes over no sooner than this after it is made (and no sooner than two beacon rounds). */
export const MIN_ROTATION_LEAD_MS = 60_000;

/** The Secret as read: absent, another's (not controlled by this appliance), or the appliance's own. */
export type ObservedVrfSecret =
  | { kind: 'absent' }
  | { kind: 'foreign' }
  | { kind: 'owned'; /** keyset.json, decoded; undefined when the key is missing. */ keysetText: string | undefined; rotatedFor: string | undefined; resourceVersion: string };

export interface ObservedVrfKeys {
  secretName: string;
  secret: ObservedVrfSecret;
  /** The appliance's r4.dev/rotate-vrf-keys annotation. */
  rotateRequest: string | undefined;
  /** The last key generation that failed, if it failed after the last that succeeded. */
  keygenFailure?: { message: string; at: number };
}

export type VrfKeysAction =
  /** Make the Secret with one key, active at once; rotatedFor: the rotation value already asked for (a fresh key serves it). */
  | { kind: 'create'; activeFrom: number; rotatedFor?: string }
  /** Append a key that takes over at activeFrom to this keyset, if the Secret is still at resourceVersion. */
  | { kind: 'rotate'; keyset: VrfKeyset; activeFrom: number; rotatedFor: string; resourceVersion: string };

export type VrfKeysProblemReason = 'ChildConflict' | 'VrfKeysInvalid' | 'VrfKeygenFailed' | 'VrfKeysetFull';

export interface VrfKeysPlan {
  action?: VrfKeysAction;
  /** Mount the Secret into the pods: only the appliance's own, with a valid keyset (or the one made now). */
  mount: boolean;
  /** What is wrong, for the Degraded condition and an Event. */
  problem?: { reason: VrfKeysProblemReason; message: string };
  /** status.vrf: the public keys; undefined while there are none. */
  status?: NonNullable<EntropyApplianceStatus['vrf']>;
  /** Look again by then (ms): a key's active_from, or a keygen retry. */
  requeueAfter?: number;
}

/**
 * How long after it is made a rotated key takes over: every pod must hold it first (the kubelet updates the
 * mounted Secret within its sync period, about a minute), and the round before the change must be able to
 * precommit to the round after it (two periods).
 */
export const rotationLeadMs = (periodSeconds: number) => Math.max(2 * periodSeconds * 1000, MIN_ROTATION_LEAD_MS);

const NOT_MOUNTED = 'it is not mounted and /vrf answers 503';

export function planVrfKeys(observed: ObservedVrfKeys, spec: Pick<ResolvedSpec, 'name' | 'namespace' | 'vrf'>, now: number): VrfKeysPlan {
  const { secret, secretName, rotateRequest, keygenFailure } = observed;
  if (secret.kind === 'foreign') {
    return { mount: false, problem: { reason: 'ChildConflict', message: `${conflictMessage({ kind: 'Secret', name: secretName })}; ${NOT_MOUNTED}` } };
  }
  if (secret.kind === 'absent') {
    if (keygenFailure && now - keygenFailure.at < KEYGEN_RETRY_MS) {
      return {
        mount: false,
        problem: { reason: 'VrfKeygenFailed', message: `no VRF keys: making them failed (${keygenFailure.message}); ${NOT_MOUNTED}` },
        requeueAfter: keygenFailure.at + KEYGEN_RETRY_MS - now,
      };
    }
    return { action: { kind: 'create', activeFrom: now, ...(rotateRequest !== undefined && { rotatedFor: rotateRequest }) }, mount: true };
  }
  const parsed = secret.keysetText === undefined ? { ok: false as const, reason: 'it has no keyset.json' } : parseVrfKeyset(secret.keysetText);
  if (!parsed.ok) {
    return {
      mount: false,
      problem: {
        reason: 'VrfKeysInvalid',
        message: `Secret ${secretName} holds no valid VRF keyset (${parsed.reason}): left as it is, never regenerated over; ${NOT_MOUNTED}. Delete it for a new keyset`,
      },
    };
  }
  const { keyset } = parsed;
  const settings = { appliance: `${spec.namespace}/${spec.name}`, periodSeconds: spec.vrf.beacon.periodSeconds, genesis: spec.vrf.beacon.genesis ?? keyset.keys[0]!.active_from };
  const upcoming = keyset.keys.map((k) => Date.parse(k.active_from) - now).filter((ms) => ms > 0);
  const plan: VrfKeysPlan = {
    mount: true,
    status: vrfKeysDocument(keyset, settings, now),
    ...(upcoming.length > 0 && { requeueAfter: Math.min(...upcoming) }),
  };
  if (rotateRequest === undefined || rotateRequest === secret.rotatedFor) return plan;
  if (keyset.keys.length >= VRF_KEYSET_MAX_KEYS) {
    return {
      ...plan,
      problem: {
        reason: 'VrfKeysetFull',
        message: `Secret ${secretName} holds ${keyset.keys.length} VRF keys, the most a keyset may: rotation "${rotateRequest}" is not done (remove retired keys by hand first)`,
      },
    };
  }
  // Strictly after the last key, which may itself still be waiting to take over.
  const last = Date.parse(keyset.keys[keyset.keys.length - 1]!.active_from);
  const activeFrom = Math.max(now + rotationLeadMs(spec.vrf.beacon.periodSeconds), last + 1000);
  return { ...plan, action: { kind: 'rotate', keyset, activeFrom, rotatedFor: rotateRequest, resourceVersion: secret.resourceVersion } };
}
