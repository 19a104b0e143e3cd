// /vrf's state: the keyset (read from R4_VRF_KEYSET_FILE and re-read when it changes), the threads that use
// it, the beacon's schedule and a cache of past pulses. Without a keyset, or with one that went away, every
// /vrf request gets 503 and says why: no keys, no answers.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { beaconChainId, vrfKeysDocument, type VrfKeysDocument } from '../../contracts/vrf-keys-document.js';
import { parseVrfKeyset, type VrfKeyset } from '../../contracts/vrf-keyset.js';
import { currentRound, type BeaconSchedule } from '../../vrf/beacon.js';
import { ConfigFileError, type VrfSettings } from '../config.js';
import { keysetChangeProblem } from './keysetChange.js';
import { ThreadPool } from './threadPool.js';

export interface VrfLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** As for API_KEYS_FILE (auth/keyStore.ts): stat polling sees a Secret volume's symlink swap. */
const POLL_MS = 500;
const SETTLE_MS = 100;
/** Past pulses kept, ~7 KiB each: 1,024 of them (8.5 hours at 30 s) are ~7 MiB. */
const PULSES_KEPT = 1024;

/** Why /vrf cannot answer now; the route says it with 503. */
export class VrfUnavailable extends Error {}

interface Live {
  keyset: VrfKeyset;
  schedule: BeaconSchedule;
  chainId: string;
  pool: ThreadPool;
  pulses: Map<number, Promise<Uint8Array>>;
}

export class VrfService {
  private live: Live | null = null;
  private unavailable: string;
  private closed = false;
  private reloads = 0;

  private constructor(
    private readonly settings: VrfSettings,
    private readonly coreSha256: string,
    private readonly log: VrfLog,
  ) {
    this.unavailable = 'no VRF keys are configured (R4_VRF_KEYSET_FILE is not set)';
  }

  /** A keyset named but unusable at start is a configuration error (exit 2), as for API_KEYS_FILE. */
  static async open(settings: VrfSettings, coreSha256: string, log: VrfLog): Promise<VrfService> {
    const service = new VrfService(settings, coreSha256, log);
    const path = settings.keysetFile;
    if (path === null) return service;
    const text = readKeyset(path);
    if (text === null) throw new ConfigFileError(`R4_VRF_KEYSET_FILE ${path} cannot be read`);
    try {
      service.live = await service.start(text);
    } catch (err) {
      throw new ConfigFileError(`R4_VRF_KEYSET_FILE ${path}: ${(err as Error).message}`);
    }
    watchFile(path, { interval: POLL_MS, persistent: false }, () => void service.reload(path));
    return service;
  }

  private async start(text: string): Promise<Live> {
    const parsed = parseVrfKeyset(text);
    if (!parsed.ok) throw new Error(parsed.reason);
    const keyset = parsed.keyset;
    const genesisMs = this.settings.beaconGenesisMs ?? Date.parse(keyset.keys[0]!.active_from);
    const schedule = { genesisMs, periodSeconds: this.settings.beaconPeriodSeconds };
    const chainId = beaconChainId(this.beaconSettings(genesisMs), keyset);
    const pool = await ThreadPool.start(
      { keysetText: text, appliance: this.settings.appliance, coreSha256: this.coreSha256, chainId, genesisMs, periodSeconds: schedule.periodSeconds, nowMs: Date.now() },
      this.settings.workerThreads,
    );
    return { keyset, schedule, chainId, pool, pulses: new Map() };
  }

  private beaconSettings(genesisMs: number) {
    return { appliance: this.settings.appliance, periodSeconds: this.settings.beaconPeriodSeconds, genesis: new Date(genesisMs).toISOString() };
  }

  /** A changed keyset is read twice, a moment apart; only a finished, valid file replaces the keys in force. */
  private async reload(path: string): Promise<void> {
    const attempt = ++this.reloads;
    const first = readKeyset(path);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    if (this.closed || attempt !== this.reloads) return;
    const second = readKeyset(path);
    if (first === null || second === null) {
      // Fail closed: a keyset that is gone no longer vouches for its keys.
      await this.retire(`the VRF keyset ${path} is gone or unreadable`);
      this.log.error({ path }, 'VRF keyset gone: /vrf answers 503');
      return;
    }
    if (first !== second) return void this.reload(path);
    try {
      const current = this.live;
      if (current !== null) {
        const parsed = parseVrfKeyset(second);
        const problem = parsed.ok ? keysetChangeProblem(current.keyset, parsed.keyset, current.schedule, Date.now()) : null;
        if (problem !== null) throw new Error(problem);
      }
      const live = await this.start(second);
      if (this.closed) return void (await live.pool.close());
      const old = this.live;
      this.live = live;
      await old?.pool.close();
      this.log.info({ keys: live.keyset.keys.map((k) => k.key_id) }, 'VRF keyset loaded');
    } catch (err) {
      // The keys in force stay: they still verify against what was published.
      this.log.error({ path, reason: (err as Error).message }, 'VRF keyset refused; the keys in force stay');
    }
  }

  private async retire(why: string): Promise<void> {
    const old = this.live;
    this.live = null;
    this.unavailable = why;
    await old?.pool.close();
  }

  private ready(): Live {
    if (this.live === null) throw new VrfUnavailable(this.unavailable);
    return this.live;
  }

  keysDocument(nowMs: number): VrfKeysDocument {
    const live = this.ready();
    return vrfKeysDocument(live.keyset, this.beaconSettings(live.schedule.genesisMs), nowMs);
  }

  currentRound(nowMs: number): number {
    return currentRound(this.ready().schedule, nowMs);
  }

  answer(alphaHex: string, nowMs: number): Promise<Uint8Array> {
    return this.ready().pool.run({ type: 'answer', alphaHex, nowMs });
  }

  /** Pulses are immutable once their round has begun, so each is made once and kept (a bounded cache). */
  pulse(round: number): Promise<Uint8Array> {
    const live = this.ready();
    const cached = live.pulses.get(round);
    if (cached !== undefined) return cached;
    const made = live.pool.run({ type: 'pulse', round });
    if (live.pulses.size >= PULSES_KEPT) live.pulses.delete(live.pulses.keys().next().value!);
    live.pulses.set(round, made);
    // A failure is not kept: the next request tries again.
    made.catch(() => live.pulses.get(round) === made && live.pulses.delete(round));
    return made;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.settings.keysetFile !== null) unwatchFile(this.settings.keysetFile);
    await this.live?.pool.close();
  }
}

function readKeyset(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
