// `sh scripts/node/run.sh node dist/scripts/vrf-vectors.js`: writes the published /vrf vectors in
// test/vectors/vrf/ with the service's own code (service/vrf/keyring.ts, service/vrf/outputs.ts), so they are
// exactly what a service sends:
//   trust.json     the /vrf/keys document of two keys, A retired and B current
//   answers.json   /vrf answers for alphas of 1, 32 and 1024 bytes, made with each key
//   pulses.json    beacon rounds 1 to 5 of one chain; B takes over between rounds 3 and 4
//   negative.json  every field of every answer and pulse altered by one bit (scripts/vrf-negative.ts)
// `r4 verify` must accept the first three and reject every entry of the last (test/cli/r4-cli.test.ts), which
// also checks that the files are what this makes today.
//
// TEST KEYS ONLY. Their seeds are public, here: SHA-512 of "r4 test vectors: key A (TEST ONLY: public,
// never use)", and of the same with B. Never put them in a real keyset.
//   key A seed: 2849cb59459a956e555edb342ccd94884480ca743e35eae7347a366d001467bc5f87b30eb5d548800269a43e458484d4f66a8b6b6d6bddf3d70c5f6c029a12ad
//   key B seed: cd4ff75185436335018661925c7312f79732f48f7dcedd82e89efb3c553abce05b33575c0d8b33d1897696cef3bd05a7e069c700ccc3088dc9586859485d2b41
// Answers are signed with hedged ML-DSA-65 (a fresh signature each run), so answers.json and negative.json
// change when this runs again; trust.json and pulses.json do not (pulses are signed deterministically).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beaconChainId, vrfKeysDocument } from '../contracts/vrf-keys-document.js';
import { newKeyMaterial } from '../vrf/node/key-material.js';
import { hexToBytes } from '../vrf/text.js';
import { parseTrust } from '../vrf/trust.js';
import { openKeyring } from '../service/vrf/keyring.js';
import { makeAnswer, makePulse, roundOutput } from '../service/vrf/outputs.js';
import { packageRoot } from '../service/packageRoot.js';
import { negativeVectors, type Item, type NegativeEntry } from './vrf-negative.js';

const SEED_A = '2849cb59459a956e555edb342ccd94884480ca743e35eae7347a366d001467bc5f87b30eb5d548800269a43e458484d4f66a8b6b6d6bddf3d70c5f6c029a12ad';
const SEED_B = 'cd4ff75185436335018661925c7312f79732f48f7dcedd82e89efb3c553abce05b33575c0d8b33d1897696cef3bd05a7e069c700ccc3088dc9586859485d2b41';
/** Not a core: SHA-256 of "r4 test vectors: no core made these keys". */
const CORE_SHA256 = 'cd64c76a173f77d58f63b33a43dd31803e7cc0cbfe359c7f503b9482b7f98908';
const APPLIANCE = 'r4-test/vectors';
const GENESIS = Date.parse('2026-01-01T00:00:00Z');
const PERIOD_S = 30;
const ROUNDS = 5;
/** Between round 3 (genesis + 60 s) and round 4 (genesis + 90 s). */
const B_ACTIVE_FROM = GENESIS + 75_000;
const ALPHA_BYTES = [1, 32, 1024];

export const VECTORS_DIR = join(packageRoot(), 'test', 'vectors', 'vrf');

/** Alpha of n bytes: 0, 1, 2, … mod 256, so anyone can type it. */
const alphaOf = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 256);

export interface VrfVectors {
  trust: unknown;
  answers: Item[];
  pulses: Item[];
  negative: NegativeEntry[];
}

/** The vectors, made as a service makes answers and pulses. Deterministic but for the answers' signatures. */
export function vrfVectors(): VrfVectors {
  const created = new Date(GENESIS - 86_400_000);
  const keyset = {
    version: 1 as const,
    keys: [newKeyMaterial(hexToBytes(SEED_A), CORE_SHA256, created, new Date(GENESIS)), newKeyMaterial(hexToBytes(SEED_B), CORE_SHA256, created, new Date(B_ACTIVE_FROM))],
  };
  const opened = openKeyring(JSON.stringify(keyset));
  if (!opened.ok) throw new Error(opened.reason);
  const keyring = opened.keyring;
  const settings = { appliance: APPLIANCE, periodSeconds: PERIOD_S, genesis: new Date(GENESIS).toISOString() };
  const document = vrfKeysDocument(keyset, settings, GENESIS + ROUNDS * PERIOD_S * 1000);
  const trust = parseTrust(document);
  if (!trust.ok) throw new Error(trust.reason);
  const issuer = { appliance: APPLIANCE, coreSha256: CORE_SHA256 };
  const beacon = { chainId: beaconChainId(settings, keyset), schedule: { genesisMs: GENESIS, periodSeconds: PERIOD_S } };

  const answers: Item[] = [];
  for (const at of [GENESIS + 10_000, B_ACTIVE_FROM + 10_000]) {
    for (const n of ALPHA_BYTES) answers.push({ ...makeAnswer(keyring, trust.trust, issuer, alphaOf(n), at) });
  }
  const outputOf = (round: number) => roundOutput(keyring, beacon, round).random;
  const pulses: Item[] = [];
  for (let round = 1; round <= ROUNDS; round++) pulses.push({ ...makePulse(keyring, trust.trust, issuer, beacon, round, outputOf) });
  return { trust: document, answers, pulses, negative: negativeVectors(answers, pulses) };
}

function main(): void {
  const vectors = vrfVectors();
  mkdirSync(VECTORS_DIR, { recursive: true });
  const write = (name: string, json: unknown) => writeFileSync(join(VECTORS_DIR, name), `${JSON.stringify(json, null, 2)}\n`);
  write('trust.json', vectors.trust);
  write('answers.json', vectors.answers);
  write('pulses.json', vectors.pulses);
  write('negative.json', vectors.negative);
  process.stderr.write(`wrote ${VECTORS_DIR}: ${vectors.answers.length} answers, ${vectors.pulses.length} pulses, ${vectors.negative.length} negative entries\n`);
}

// Run as a program only, not when a test imports vrfVectors.
if (process.argv[1] === fileURLToPath(import.meta.url)) main();
