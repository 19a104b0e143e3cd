// The operator's one connection to the API server. client-node 2.0.1 makes a new undici Agent for every
// request (KubeConfig.applySecurityAuthentication → createDispatcher), so every call paid a TCP and TLS
// handshake of its own; here every request goes through one shared, kept-alive Agent. Requests other than
// watches and the leader's Lease go through a token bucket (API_QPS, API_BURST): client-node has no
// client-side limit at all, and a burst (a thousand pods attested at once: gates, labels, Events) would
// otherwise meet the API server's priority and fairness as 429s. A 429's Retry-After pauses the bucket.
// Each request is counted by verb, resource and code (r4_operator_api_requests).
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';
import { TokenBucket } from './token-bucket.js';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;
type Dispatch = Dispatcher['dispatch'];
type DispatchOptions = Parameters<Dispatch>[0];
type DispatchHandler = Parameters<Dispatch>[1];

export interface ApiLimits {
  /** Requests per second, after the burst. */
  qps: number;
  burst: number;
}

/** One request as the API server's audit log would name it. */
export interface ApiRequest {
  verb: string;
  resource: string;
  code: number;
}

/** How long a 429 without a usable Retry-After pauses (the API server sends 1 s with APF). */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** No Retry-After holds the operator longer than this. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Watches stay open for minutes and the Lease must renew on time: neither waits behind the bucket. */
export function exempt(path: string): boolean {
  return /[?&]watch=(true|1)(&|$)/.test(path) || path.startsWith('/apis/coordination.k8s.io/');
}

/** The verb and resource (with its subresource) of a request, as the audit log names them. */
export function describeRequest(method: string, path: string): { verb: string; resource: string } {
  const [route = '', query = ''] = path.split('?');
  const segments = route.split('/').filter((s) => s !== '');
  // /api/v1/... or /apis/<group>/<version>/...
  let rest = segments[0] === 'api' ? segments.slice(2) : segments.slice(3);
  if (rest[0] === 'namespaces' && rest.length > 2) rest = rest.slice(2);
  const [resource = '', name, subresource] = rest;
  const watch = /(^|&)watch=(true|1)(&|$)/.test(query);
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
  const verb = method === 'GET' ? (watch ? 'watch' : name === undefined ? 'list' : 'get') : (verbs[method] ?? method.toLowerCase());
  return { verb, resource: subresource ? `${resource}/${subresource}` : resource };
}

/** Retry-After in ms (seconds or an HTTP date), bounded. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number {
  if (value === undefined) return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : DEFAULT_RETRY_AFTER_MS;
}

export class OperatorKubeConfig extends KubeConfig {
  private readonly bucket: TokenBucket;
  private shared: Dispatcher | undefined;

  constructor(
    limits: ApiLimits,
    private readonly counted: (request: ApiRequest) => void = () => undefined,
  ) {
    super();
    this.bucket = new TokenBucket(limits.qps, limits.burst);
  }

  /**
   * The credentials and TLS settings as client-node applies them, then the shared dispatcher in place of
   * the one it made (that one has opened nothing yet). The operator's cluster and credentials do not
   * change while it runs: the token is a header, re-read by client-node; the CA and client certificate
   * are the Agent's. No dispatcher (plain HTTP, system roots): the global one, unlimited.
   */
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const made = context.getDispatcher();
    if (made === undefined) return;
    this.shared ??= made.compose((dispatch) => (options, handler) => this.dispatch(dispatch, options, handler));
    context.setDispatcher(this.shared);
  }

  private dispatch(dispatch: Dispatch, options: DispatchOptions, handler: DispatchHandler): boolean {
    const method = String(options.method);
    const path = options.path;
    const observed = this.observe(method, path, handler);
    if (exempt(path)) return dispatch(options, observed);
    const waitMs = this.bucket.take();
    if (waitMs <= 0) return dispatch(options, observed);
    setTimeout(() => dispatch(options, observed), waitMs);
    return true;
  }

  /** The handler as it was, which also counts the answer and pauses the bucket on a 429. */
  private observe(method: string, path: string, handler: DispatchHandler): DispatchHandler {
    const seen = (code: number, retryAfter: () => string | undefined) => {
      if (code === 429) this.bucket.pause(retryAfterMs(retryAfter()));
      this.counted({ ...describeRequest(method, path), code });
    };
    return new Proxy(handler, {
      get: (target, property, receiver) => {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property === 'onResponseStart') {
          return (controller: unknown, code: number, headers: Record<string, string | string[] | undefined>, ...rest: unknown[]) => {
            seen(code, () => [headers['retry-after']].flat()[0]);
            return (value as (...args: unknown[]) => unknown).call(target, controller, code, headers, ...rest);
          };
        }
        if (property === 'onHeaders') {
          return (code: number, raw: Buffer[], ...rest: unknown[]) => {
            seen(code, () => {
              for (let i = 0; i + 1 < raw.length; i += 2) if (String(raw[i]).toLowerCase() === 'retry-after') return String(raw[i + 1]);
              return undefined;
            });
            return (value as (...args: unknown[]) => unknown).call(target, code, raw, ...rest);
          };
        }
        return (value as (...args: unknown[]) => unknown).bind(target);
      },
    });
  }
}
