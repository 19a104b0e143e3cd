// Server-Sent Events, parsed by hand: the page reads the stream with fetch (so it can send the
// Authorization header, which EventSource cannot) and feeds the decoded text here, chunk by chunk.
// Follows the WHATWG "event stream interpretation": fields per line, a blank line dispatches.

export interface SseEvent {
  /** The `event:` field; "message" when absent. */
  type: string;
  /** The `data:` lines, joined with "\n". */
  data: string;
}

export class SseParser {
  private buffer = '';
  private type = '';
  private data: string[] = [];

  /** Takes the next piece of decoded text; returns every event it completes. */
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    for (;;) {
      const end = this.buffer.search(/[\r\n]/);
      if (end < 0) break;
      // A lone "\r" at the end may be the first half of "\r\n": wait for the next chunk.
      if (this.buffer[end] === '\r' && end === this.buffer.length - 1) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(this.buffer.startsWith('\r\n', end) ? end + 2 : end + 1);
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      const event = this.data.length > 0 ? { type: this.type || 'message', data: this.data.join('\n') } : undefined;
      this.type = '';
      this.data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    return undefined;
  }
}
