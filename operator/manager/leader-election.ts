// Leader election through a coordination.k8s.io Lease, with client-go's rules: a lease is free when its
// holder has not renewed it within leaseDuration as observed by this process's own clock (so clock skew
// between processes does not matter), updates are optimistic (a 409 means someone else won), and a
// leader that cannot renew within renewDeadline steps down instead of acting on a stale belief.
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { describeError } from '../log.js';

export interface LeaseSettings {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

export interface LeadershipCallbacks {
  onStartedLeading: () => void;
  onStoppedLeading: (reason: string) => void;
  /** A failed attempt to read or write the lease (logged once per distinct message). */
  onError: (message: string) => void;
}

const statusCode = (e: unknown) => (e as { code?: number }).code;


export class LeaderElector {
  private leading = false;
  private lastRenew = 0;
  private observedHolder = '';
  private observedVersion = '';
  private observedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastError = '';

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly settings: LeaseSettings,
    private readonly callbacks: LeadershipCallbacks,
    private readonly now: () => number = Date.now,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops campaigning; a leader gives the lease up so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading) return;
    this.stepDown('shutting down');
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity === this.settings.identity) {
        lease.spec.holderIdentity = '';
        lease.spec.leaseDurationSeconds = 1;
        await this.api.replaceNamespacedLease({ name: this.settings.name, namespace: this.settings.namespace, body: lease });
      }
    } catch {
      // Best effort: the lease expires by itself after leaseDuration.
    }
  }

  private async tick(): Promise<void> {
    try {
      const acquired = await this.tryAcquireOrRenew();
      this.lastError = '';
      if (acquired) {
        this.lastRenew = this.now();
        if (!this.leading && !this.stopped) {
          this.leading = true;
          this.callbacks.onStartedLeading();
        }
      } else if (this.leading) {
        this.stepDown('another replica holds the lease');
      }
    } catch (error) {
      const message = describeError(error);
      if (message !== this.lastError) this.callbacks.onError(message);
      this.lastError = message;
      if (this.leading && this.now() - this.lastRenew > this.settings.renewDeadlineSeconds * 1000) {
        this.stepDown(`could not renew the lease for ${this.settings.renewDeadlineSeconds}s: ${message}`);
      }
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.settings.retryPeriodSeconds * 1000);
  }

  private stepDown(reason: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.callbacks.onStoppedLeading(reason);
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: this.settings.name, namespace: this.settings.namespace });
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.settings;
    // MicroTime: the API server insists on six fractional digits, which V1MicroTime writes.
    const now = new V1MicroTime(this.now());
    const lease = await this.read();
    if (lease === undefined) {
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 },
          },
        });
        return true;
      } catch (e) {
        if (statusCode(e) === 409) return false;
        throw e;
      }
    }

    const holder = lease.spec?.holderIdentity ?? '';
    const version = lease.metadata?.resourceVersion ?? '';
    if (holder !== this.observedHolder || version !== this.observedVersion) {
      this.observedHolder = holder;
      this.observedVersion = version;
      this.observedAt = this.now();
    }
    const duration = (lease.spec?.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    const expired = this.observedAt + duration < this.now();
    if (holder !== '' && holder !== identity && !expired) return false;

    const spec = lease.spec ?? {};
    const takingOver = holder !== identity;
    lease.spec = {
      ...spec,
      holderIdentity: identity,
      leaseDurationSeconds,
      renewTime: now,
      ...(takingOver && { acquireTime: now, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 }),
    };
    try {
      const updated = await this.api.replaceNamespacedLease({ name, namespace, body: lease });
      this.observedHolder = identity;
      this.observedVersion = updated.metadata?.resourceVersion ?? '';
      this.observedAt = this.now();
      return true;
    } catch (e) {
      if (statusCode(e) === 409) return false;
      throw e;
    }
  }
}
