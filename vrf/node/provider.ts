// The Node verify provider: libsodium for the ECVRF group operations, node:crypto (OpenSSL) for ML-DSA-65.
import type { VerifyProvider } from '../provider.js';
import { sodiumEdwards } from './edwards-sodium.js';
import { nodeMlDsa65 } from './mldsa-node.js';

export const nodeProvider: VerifyProvider = { edwards: sodiumEdwards, mldsa: nodeMlDsa65 };
