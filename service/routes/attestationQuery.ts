import { CONTAINER_ID_PATTERN, NONCE_PATTERN, POD_UID_PATTERN, type AttestationRequest } from '../../contracts/attestation.js';
import { unknownParameters } from './queryParameters.js';

/** The query of GET /attestation, validated purely: anything but one well-formed value of each is a 400. */
const PARAMETERS = [
  { name: 'nonce', pattern: NONCE_PATTERN, shape: '64 lowercase hex digits (32 fresh random bytes)' },
  { name: 'pod_uid', pattern: POD_UID_PATTERN, shape: 'a pod UID: 1 to 64 letters, digits and dashes' },
  { name: 'container_id', pattern: CONTAINER_ID_PATTERN, shape: 'a container ID as the kubelet reports it: <runtime>://<id>' },
] as const;

export type AttestationQueryResult = { ok: true; request: AttestationRequest } | { ok: false; detail: string };

export function parseAttestationQuery(query: Readonly<Record<string, unknown>>): AttestationQueryResult {
  const problems: string[] = [];
  const unknown = unknownParameters(
    query,
    PARAMETERS.map((p) => p.name),
  );
  if (unknown) problems.push(unknown);
  const values: Record<string, string> = {};
  for (const { name, pattern, shape } of PARAMETERS) {
    const value = query[name];
    if (value === undefined) problems.push(`${name} is required: ${shape}`);
    else if (typeof value !== 'string') problems.push(`${name} must be given once`);
    else if (!pattern.test(value)) problems.push(`${name} must be ${shape}`);
    else values[name] = value;
  }
  if (problems.length > 0) return { ok: false, detail: problems.join('; ') };
  return { ok: true, request: { nonce: values.nonce as string, podUid: values.pod_uid as string, containerId: values.container_id as string } };
}
