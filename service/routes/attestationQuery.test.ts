import { parseAttestationQuery } from './attestationQuery.js';

const NONCE = 'ab'.repeat(32);
const good = { nonce: NONCE, pod_uid: 'a2d5e0f4-0000-4000-8000-000000000001', container_id: 'containerd://abc123' };

describe('parseAttestationQuery', () => {
  it('takes one well-formed value of each parameter', () => {
    expect(parseAttestationQuery(good)).toEqual({ ok: true, request: { nonce: NONCE, podUid: good.pod_uid, containerId: good.container_id } });
  });

  it.each([
    [{ pod_uid: 'p', container_id: 'containerd://1' }, 'nonce is required: 64 lowercase hex digits (32 fresh random bytes)'],
    [{ ...good, nonce: 'ab'.repeat(16) }, 'nonce must be 64 lowercase hex digits (32 fresh random bytes)'],
    [{ ...good, nonce: 'AB'.repeat(32) }, 'nonce must be 64 lowercase hex digits (32 fresh random bytes)'],
    [{ ...good, nonce: [NONCE, NONCE] }, 'nonce must be given once'],
    [{ ...good, pod_uid: 'a/b' }, 'pod_uid must be a pod UID: 1 to 64 letters, digits and dashes'],
    [{ ...good, container_id: 'abc' }, 'container_id must be a container ID as the kubelet reports it: <runtime>://<id>'],
    [{ ...good, sign: 'no' }, 'unknown query parameter "sign" (allowed: nonce, pod_uid, container_id)'],
    [{}, 'nonce is required: 64 lowercase hex digits (32 fresh random bytes); pod_uid is required: a pod UID: 1 to 64 letters, digits and dashes; container_id is required: a container ID as the kubelet reports it: <runtime>://<id>'],
  ])('refuses %j: %s', (query, detail) => {
    expect(parseAttestationQuery(query)).toEqual({ ok: false, detail });
  });
});
