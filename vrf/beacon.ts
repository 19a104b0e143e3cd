// The beacon's schedule and its round inputs. Round r's input depends only on (chain id, r, key id), so any
// round is computed directly, by any pod, with no state and no replay from genesis.
import { sha256 } from '@noble/hashes/sha2.js';
import { canonicalEncoding } from './encoding.js';
import { bytesToHex } from './text.js';

const ROUND_DOMAIN = 'r4/beacon/round/v1';

export interface BeaconSchedule {
  /** ms since the epoch: when round 1 begins. */
  genesisMs: number;
  periodSeconds: number;
}

/** SHA-256 of the domain-separated (chain id, round, key id): the VRF input (alpha) of the round. */
export function roundInput(chainId: string, round: number, keyId: string): Uint8Array {
  return sha256(canonicalEncoding(ROUND_DOMAIN, [['chain_id', chainId], ['round', String(round)], ['key_id', keyId]]));
}

export function roundInputHex(chainId: string, round: number, keyId: string): string {
  return bytesToHex(roundInput(chainId, round, keyId));
}

/** When round r begins, ms since the epoch. */
export function roundStartMs(schedule: BeaconSchedule, round: number): number {
  return schedule.genesisMs + (round - 1) * schedule.periodSeconds * 1000;
}

/** The round in progress at `nowMs`; 0 before genesis (there is no round 0). */
export function currentRound(schedule: BeaconSchedule, nowMs: number): number {
  if (nowMs < schedule.genesisMs) return 0;
  return Math.floor((nowMs - schedule.genesisMs) / (schedule.periodSeconds * 1000)) + 1;
}

/** SHA-256 of a round's output bytes, hex: what the round before commits to. */
export function commitment(random: Uint8Array): string {
  return bytesToHex(sha256(random));
}
