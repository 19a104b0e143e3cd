// From a parsed SSE event to a typed stream message of api/dashboard/v1.ts; anything else is dropped.
// The server is trusted to send well-formed data (it builds it from the same types); the check here only
// keeps an unknown event type or a broken line from reaching the state.
import type { StreamMessage, StreamMessageType } from '../api/dashboard/v1.js';
import type { SseEvent } from './sse-parser.js';

const TYPES: ReadonlySet<string> = new Set<StreamMessageType>(['hello', 'heartbeat', 'appliance', 'appliance-removed', 'pods', 'detail', 'event', 'verdict-change']);

export function toStreamMessage(event: SseEvent): StreamMessage | undefined {
  if (!TYPES.has(event.type)) return undefined;
  try {
    const data: unknown = JSON.parse(event.data);
    if (typeof data !== 'object' || data === null || typeof (data as { revision?: unknown }).revision !== 'number') return undefined;
    return { type: event.type, data } as StreamMessage;
  } catch {
    return undefined;
  }
}
