// The Node verify provider: libsodium (and the native module's dalek, where built) for the ECVRF group
// operations, libcrux or node:crypto (OpenSSL) for ML-DSA-65.
import type { VerifyProvider } from '../provider.js';
import { fastestEdwards } from './edwards-native.js';
import { nodeMlDsa65 } from './mldsa-node.js';

export const nodeProvider: VerifyProvider = { edwards: fastestEdwards(), mldsa: nodeMlDsa65 };
