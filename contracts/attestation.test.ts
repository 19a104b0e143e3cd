import { ATTESTATION_DOMAIN, attestationMessage, ed25519PublicKey, parseAttestationAnswer } from './attestation.js';

const request = { nonce: '01'.repeat(32), podUid: 'pod', containerId: 'containerd://c' };

describe('attestationMessage', () => {
  it('is the domain, then nonce, pod UID, container ID and document, each after its 4-byte big-endian length', () => {
    const message = attestationMessage(request, '{}');
    const fields: string[] = [];
    for (let at = 0; at < message.length; ) {
      const length = message.readUInt32BE(at);
      fields.push(message.subarray(at + 4, at + 4 + length).toString('hex'));
      at += 4 + length;
    }
    expect(fields).toEqual([Buffer.from(ATTESTATION_DOMAIN).toString('hex'), '01'.repeat(32), Buffer.from('pod').toString('hex'), Buffer.from('containerd://c').toString('hex'), Buffer.from('{}').toString('hex')]);
  });

  it('never gives two exchanges the same bytes, even when the fields concatenate alike', () => {
    const a = attestationMessage({ ...request, podUid: 'ab', containerId: 'c://d' }, '{}');
    const b = attestationMessage({ ...request, podUid: 'a', containerId: 'bc://d' }, '{}');
    expect(a.equals(b)).toBe(false);
  });
});

describe('ed25519PublicKey', () => {
  it.each([0, 31, 33, 64])('refuses %d bytes', (length) => {
    expect(ed25519PublicKey(Buffer.alloc(length, 1))).toBeUndefined();
  });
});

describe('parseAttestationAnswer', () => {
  const answer = { algorithm: 'Ed25519', nonce: 'n', pod_uid: 'p', container_id: 'c', document: '{}', public_key: 'k', signature: 's', unsigned_reason: null };

  it('accepts the shape the service sends', () => {
    expect(parseAttestationAnswer(JSON.stringify(answer))).toEqual({ ok: true, answer });
  });

  it.each([
    ['not JSON', '{', 'the attestation answer is not JSON'],
    ['an array', '[]', 'the attestation answer is not a JSON object'],
    ['another algorithm', JSON.stringify({ ...answer, algorithm: 'ML-DSA-65' }), "the attestation answer's algorithm is not Ed25519"],
    ['no document', JSON.stringify({ ...answer, document: undefined }), 'the attestation answer has no document'],
    ['a numeric signature', JSON.stringify({ ...answer, signature: 7 }), "the attestation answer's signature is neither a string nor null"],
    ['a key without a signature', JSON.stringify({ ...answer, signature: null }), 'the attestation answer has a public key without a signature, or the reverse'],
  ])('refuses %s', (_what, body, reason) => {
    expect(parseAttestationAnswer(body)).toEqual({ ok: false, reason });
  });
});
