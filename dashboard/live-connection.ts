// The page's one connection to the operator: the event stream, read with fetch (so a bearer token can be
// sent), the snapshots fetched after each `hello`, and the stream's changes applied on top of them.
// Reconnects with a backoff after any drop, and starts over after each reconnect (the new replica's
// revisions are its own). The page only ever GETs.
import type { ApplianceDetail, Fleet, StreamMessage } from '../api/dashboard/v1.js';
import { reconnectDelaySeconds } from './reconnect-delay.js';
import { applianceApiPath, type Route } from './route.js';
import { SseParser } from './sse-parser.js';
import { toStreamMessage } from './stream-messages.js';
import { applyMessages, type ViewState } from './view-state.js';

/** live: messages arrive; stale: none for two heartbeats, or the stream is down and being reopened. */
export type ConnectionStatus = 'connecting' | 'live' | 'stale' | 'unauthorized';

export interface LiveView {
  status: ConnectionStatus;
  state: ViewState;
  replica?: string;
  leader?: boolean;
  heartbeatSeconds: number;
  /** A token was sent and refused. */
  tokenRefused: boolean;
  /** The open appliance does not exist (404). */
  applianceMissing: boolean;
  /** The last failure, in words, while reconnecting. */
  problem?: string;
}

const TOKEN_KEY = 'r4-dashboard-token';
/** Changes kept since the last `hello`, replayed onto snapshots fetched later; bounded for a long-lived page. */
const RECENT_KEPT = 5000;

class Unauthorized extends Error {}

export class LiveConnection {
  private view: LiveView = { status: 'connecting', state: {}, heartbeatSeconds: 2, tokenRefused: false, applianceMissing: false };
  private route: Route = { view: 'fleet' };
  private recent: StreamMessage[] = [];
  /** Bumped on every `hello` (fleet) and also on every route change (detail): answers for an older one are dropped. */
  private fleetGeneration = 0;
  private detailGeneration = 0;
  private helloSeen = false;
  private streamOpen = false;
  private lastMessageAt = 0;
  private stream?: AbortController;
  private wake?: () => void;
  private stopped = false;
  private watchdog?: ReturnType<typeof setInterval>;

  constructor(private readonly publish: (view: LiveView) => void) {}

  start(): void {
    this.watchdog = setInterval(() => this.checkSilence(), 500);
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.watchdog);
    this.stream?.abort();
    this.wake?.();
  }

  open(route: Route): void {
    this.route = route;
    this.detailGeneration++;
    this.update({ state: { ...this.view.state, detail: undefined }, applianceMissing: false });
    if (this.helloSeen && route.view === 'appliance') void this.fetchDetail(this.detailGeneration);
  }

  setToken(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
    this.update({ status: 'connecting', tokenRefused: false });
    this.wake?.();
  }

  private update(change: Partial<LiveView>): void {
    this.view = { ...this.view, ...change };
    this.publish(this.view);
  }

  private headers(): Record<string, string> {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  private unauthorized(): void {
    this.update({ status: 'unauthorized', tokenRefused: sessionStorage.getItem(TOKEN_KEY) !== null });
    this.stream?.abort();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        await this.readStream(() => (attempt = 0));
        throw new Error('the stream ended');
      } catch (error) {
        this.streamOpen = false;
        if (this.stopped) return;
        if (error instanceof Unauthorized || this.view.status === 'unauthorized') {
          await new Promise<void>((resolve) => (this.wake = resolve));
          continue;
        }
        this.update({ status: 'stale', problem: error instanceof Error ? error.message : String(error) });
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, reconnectDelaySeconds(attempt++) * 1000);
        });
      }
    }
  }

  private async readStream(connected: () => void): Promise<void> {
    this.stream = new AbortController();
    this.helloSeen = false;
    this.streamOpen = true;
    this.lastMessageAt = Date.now();
    const response = await fetch('api/v1/stream', { headers: { ...this.headers(), accept: 'text/event-stream' }, signal: this.stream.signal, cache: 'no-store' });
    if (response.status === 401) {
      this.unauthorized();
      throw new Unauthorized();
    }
    if (!response.ok || !response.body) throw new Error(`the stream answered ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SseParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const event of parser.push(value)) {
        const message = toStreamMessage(event);
        if (!message) continue;
        if (message.type === 'hello') connected();
        this.receive(message);
      }
    }
  }

  private receive(message: StreamMessage): void {
    this.lastMessageAt = Date.now();
    if (message.type === 'hello') {
      this.fleetGeneration++;
      this.detailGeneration++;
      this.helloSeen = true;
      this.recent = [];
      const { replica, leader, heartbeatSeconds } = message.data;
      this.update({ status: 'live', replica, leader, heartbeatSeconds, problem: undefined, tokenRefused: false });
      void this.fetchFleet(this.fleetGeneration);
      if (this.route.view === 'appliance') void this.fetchDetail(this.detailGeneration);
      return;
    }
    if (message.type === 'heartbeat') {
      this.update({ status: 'live', leader: message.data.leader });
      return;
    }
    this.recent.push(message);
    if (this.recent.length > RECENT_KEPT) this.recent.splice(0, this.recent.length - RECENT_KEPT);
    this.update({ status: 'live', state: applyMessages(this.view.state, [message]) });
  }

  private checkSilence(): void {
    if (!this.streamOpen) return;
    const silence = Date.now() - this.lastMessageAt;
    if (silence > 2 * this.view.heartbeatSeconds * 1000 && this.view.status === 'live') this.update({ status: 'stale', problem: 'no message from the operator' });
    // A connection that stays silent this long is dead even if TCP has not noticed: drop it and reconnect.
    if (silence > 3 * this.view.heartbeatSeconds * 1000) this.stream?.abort();
  }

  private async getJson<T>(path: string): Promise<T | undefined> {
    const response = await fetch(path, { headers: this.headers(), cache: 'no-store' });
    if (response.status === 401) {
      this.unauthorized();
      return undefined;
    }
    // No such appliance (404), or a name that cannot be one (400): nothing to show, nothing to retry.
    if (response.status === 404 || response.status === 400) return undefined;
    if (!response.ok) throw new Error(`${path} answered ${response.status}`);
    return (await response.json()) as T;
  }

  private async fetchFleet(generation: number): Promise<void> {
    try {
      const fleet = await this.getJson<Fleet>('api/v1/appliances');
      if (!fleet || generation !== this.fleetGeneration) return;
      this.update({ state: { ...this.view.state, fleet: applyMessages({ fleet }, this.recent).fleet } });
    } catch (error) {
      this.fail(error);
    }
  }

  private async fetchDetail(generation: number): Promise<void> {
    const route = this.route;
    if (route.view !== 'appliance') return;
    try {
      const detail = await this.getJson<ApplianceDetail>(applianceApiPath(route.namespace, route.name));
      if (generation !== this.detailGeneration || this.view.status === 'unauthorized') return;
      if (!detail) {
        this.update({ state: { ...this.view.state, detail: undefined }, applianceMissing: true });
        return;
      }
      this.update({ state: { ...this.view.state, detail: applyMessages({ detail }, this.recent).detail }, applianceMissing: false });
    } catch (error) {
      this.fail(error);
    }
  }

  /** A snapshot that cannot be fetched leaves the view incomplete: reconnecting starts over. */
  private fail(error: unknown): void {
    this.update({ status: 'stale', problem: error instanceof Error ? error.message : String(error) });
    this.stream?.abort();
  }
}
