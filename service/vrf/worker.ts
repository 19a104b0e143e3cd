// A VRF thread: proves, signs and verifies off the event loop, so the HTTP side stays responsive and every
// CPU the pod has does cryptography. One keyring per thread, set up from the keyset text.
import { parentPort } from 'node:worker_threads';
import { vrfKeysDocument } from '../../contracts/vrf-keys-document.js';
import { hexToBytes } from '../../vrf/text.js';
import { parseTrust, type Trust } from '../../vrf/trust.js';
import { openKeyring, type Keyring } from './keyring.js';
import { makeAnswer, makePulse, roundOutput, type Beacon, type Issuer } from './outputs.js';
import type { ThreadReply, ThreadRequest, ThreadSetup } from './workerProtocol.js';

/** Round outputs kept for neighbouring pulses: 64 bytes each, so 4,096 of them are 256 KiB. */
const ROUND_OUTPUTS_KEPT = 4096;

interface State {
  keyring: Keyring;
  trust: Trust;
  issuer: Issuer;
  beacon: Beacon;
  outputs: Map<number, Uint8Array>;
}

let state: State | undefined;

const encoder = new TextEncoder();
/** JSON in a buffer of its own, which the reply transfers. */
const utf8 = (value: unknown) => encoder.encode(JSON.stringify(value));

/** The reply's body is the keys document the thread's self-checks trust. */
function setUp(id: number, setup: ThreadSetup): ThreadReply {
  const opened = openKeyring(setup.keysetText);
  if (!opened.ok) return { id, ok: false, detail: opened.reason };
  const document = vrfKeysDocument(opened.keyring.keyset, { appliance: setup.appliance, periodSeconds: setup.periodSeconds, genesis: new Date(setup.genesisMs).toISOString() }, setup.nowMs);
  const trust = parseTrust(document);
  if (!trust.ok) return { id, ok: false, detail: trust.reason };
  state = {
    keyring: opened.keyring,
    trust: trust.trust,
    issuer: { appliance: setup.appliance, coreSha256: setup.coreSha256 },
    beacon: { chainId: setup.chainId, schedule: { genesisMs: setup.genesisMs, periodSeconds: setup.periodSeconds } },
    outputs: new Map(),
  };
  return { id, ok: true, body: utf8(document) };
}

function outputOf(s: State, round: number): Uint8Array {
  let random = s.outputs.get(round);
  if (random === undefined) {
    random = roundOutput(s.keyring, s.beacon, round).random;
    if (s.outputs.size >= ROUND_OUTPUTS_KEPT) s.outputs.delete(s.outputs.keys().next().value!);
    s.outputs.set(round, random);
  }
  return random;
}

function handle(request: ThreadRequest): ThreadReply {
  if (request.type === 'setup') return setUp(request.id, request.setup);
  if (state === undefined) return { id: request.id, ok: false, detail: 'the VRF thread has no keys yet' };
  const s = state;
  if (request.type === 'answer') return { id: request.id, ok: true, body: utf8(makeAnswer(s.keyring, s.trust, s.issuer, hexToBytes(request.alphaHex), request.nowMs)) };
  return { id: request.id, ok: true, body: utf8(makePulse(s.keyring, s.trust, s.issuer, s.beacon, request.round, (round) => outputOf(s, round))) };
}

parentPort!.on('message', (request: ThreadRequest) => {
  let reply: ThreadReply;
  try {
    reply = handle(request);
  } catch (err) {
    // The message of a failed self-check names checks, never key material.
    reply = { id: request.id, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply, reply.ok ? [reply.body.buffer as ArrayBuffer] : []);
});
