// Which implementations a verifier uses, passed as one value so the same verification code runs in a browser
// (portableProvider) and on Node (nodeProvider, native and faster).
import type { EdwardsBackend } from './edwards-backend.js';
import { nobleEdwards } from './edwards-noble.js';
import { nobleMlDsa65, type MlDsaVerifier } from './mldsa.js';

export interface VerifyProvider {
  edwards: EdwardsBackend;
  mldsa: MlDsaVerifier;
}

export const portableProvider: VerifyProvider = { edwards: nobleEdwards, mldsa: nobleMlDsa65 };
