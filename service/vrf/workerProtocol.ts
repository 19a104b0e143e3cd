// The messages between the service and its VRF threads (worker.ts): plain data, nothing secret but the
// keyset text, which stays inside this process.
export interface ThreadSetup {
  keysetText: string;
  appliance: string;
  coreSha256: string;
  chainId: string;
  genesisMs: number;
  periodSeconds: number;
  /** The keys document's time: which key is current for the self-check's trust. */
  nowMs: number;
}

export type ThreadRequest =
  | { type: 'setup'; id: number; setup: ThreadSetup }
  | { type: 'answer'; id: number; alphaHex: string; nowMs: number }
  | { type: 'pulse'; id: number; round: number };

/** `json`: the answer or pulse, serialized in the thread so the event loop only sends it. */
export type ThreadReply = { id: number; ok: true; json: string } | { id: number; ok: false; detail: string };
