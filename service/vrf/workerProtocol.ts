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

/**
 * `body`: the answer or pulse as UTF-8 JSON, serialized and encoded in the thread and transferred (not
 * copied), so the event loop only writes it to the socket.
 */
export type ThreadReply = { id: number; ok: true; body: Uint8Array } | { id: number; ok: false; detail: string };
