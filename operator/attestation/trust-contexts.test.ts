// One TLS context per CA, reused by every probe, and a bounded number of them.
import { createCertificateAuthority } from '../certificates/index.js';
import { TrustContexts } from './trust-contexts.js';

test('a CA has one context, made once; another CA, or the system roots, another', async () => {
  const [a, b] = await Promise.all([createCertificateAuthority({ commonName: 'CA a', now: new Date() }), createCertificateAuthority({ commonName: 'CA b', now: new Date() })]);
  const contexts = new TrustContexts();
  const first = contexts.for(a.certPem);
  expect(contexts.for(a.certPem)).toBe(first);
  expect(contexts.for(b.certPem)).not.toBe(first);
  expect(contexts.for(undefined)).not.toBe(first);
  expect(contexts.for(undefined)).toBe(contexts.for(undefined));
  expect(contexts.size).toBe(3);
});

test('past the bound, the context used least recently is dropped (and made again when asked for)', () => {
  const contexts = new TrustContexts(2);
  const x = contexts.for('x');
  contexts.for('y');
  expect(contexts.for('x')).toBe(x);
  contexts.for('z');
  expect(contexts.size).toBe(2);
  expect(contexts.for('x')).toBe(x);
  const y = contexts.for('y');
  expect(contexts.for('y')).toBe(y);
  expect(contexts.size).toBe(2);
});
