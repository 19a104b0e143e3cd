import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CORE_RESTART_POLICY, failuresAfter, restartDelayMs, type BackoffPolicy } from './backoff.js';
import type { BytePool } from './bytePool.js';
import type { CoreCounters, CoreError } from './coreReport.js';
import { CoreProcess, type CoreExit } from './coreProcess.js';
import { sealCore, type IntegrityReport } from './integrity.js';
import { MODES, type CoreState, type Mode } from '../../contracts/version-document.js';
import { modeFor } from './mode.js';
import { OUTPUT_SOCKET_NAME, PRIVATE_DIR_PREFIX, SEALED_CORE_NAME } from './privateDir.js';
import { runSelftest, type SelftestReport } from './selftest.js';

export interface SupervisorOptions {
  corePath: string;
  manifestPath: string;
  /** A hash the core must have besides the manifest's (R4_EXPECTED_CORE_SHA256), or null. */
  expectedCoreSha256: string | null;
  /** Parent of the private directory holding the sealed copy of the core. */
  sealedDir: string;
  selftestTimeoutMs: number;
  predictionResistance: boolean;
  strictFips: boolean;
  env: NodeJS.ProcessEnv;
  log: SupervisorLog;
  poolBytes?: number;
  policy?: BackoffPolicy;
  /** With several workers (service/workers/), the other workers' cores: the worst of them bounds this mode. */
  fleet?: FleetGate;
}

/** The worst mode among the other workers' cores, and why; null when they all serve sealed. */
export interface FleetGate {
  worstOther(): { mode: Mode; reason: string } | null;
}

/** The subset of a pino logger the supervisor uses. */
export interface SupervisorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CoreExitRecord {
  code: number | null;
  signal: string | null;
  reason: string;
  error: CoreError | null;
  at: string;
}

/** Everything /version, /ready and /metrics need to know, as plain data. */
export interface AttestationSnapshot {
  integrity: IntegrityReport;
  selftest: SelftestReport;
  mode: Mode;
  reason: string | null;
  modeChanges: number;
  sealedCore: string;
  core: {
    state: CoreState;
    pid: number | null;
    starts: number;
    restarts: number;
    counters: CoreCounters | null;
    lastExit: CoreExitRecord | null;
    nextAttemptInMs: number | null;
  };
}

export type ModeListener = (from: Mode, to: Mode, reason: string | null) => void;

/**
 * 4 MiB: four maximum-size responses ready to go, refilled by the core in a few milliseconds, while keeping
 * little key material resident in this process.
 */
export const DEFAULT_POOL_BYTES = 4 * 1024 * 1024;

/**
 * The attestation state machine's shell. Each attempt measures and seals the core, runs its self-test and,
 * only if both pass, starts it streaming; the mode follows from `modeFor` after every step. Whenever the core
 * is not sealed and running, another attempt is scheduled with bounded exponential backoff.
 */
export class CoreSupervisor {
  private readonly options: SupervisorOptions;
  private readonly policy: BackoffPolicy;
  private readonly privateDir: string;
  private readonly sealedPath: string;
  private integrity: IntegrityReport;
  private selftest: SelftestReport;
  private coreState: CoreState = 'starting';
  private coreDetail = 'not started yet';
  private core: CoreProcess | null = null;
  private counters: CoreCounters | null = null;
  private lastExit: CoreExitRecord | null = null;
  private starts = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryAt: number | null = null;
  private currentMode: Mode = 'blocked';
  private currentReason: string | null = 'the core has not been attested yet';
  private modeChanges = 0;
  /** The first decision sets the mode; only later ones are changes. */
  private decided = false;
  private readonly listeners: ModeListener[] = [];
  private readonly stopping = new AbortController();

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.policy = options.policy ?? CORE_RESTART_POLICY;
    this.privateDir = mkdtempSync(join(options.sealedDir, PRIVATE_DIR_PREFIX));
    this.sealedPath = join(this.privateDir, SEALED_CORE_NAME);
    const notYet = 'not checked yet';
    this.integrity = { integrity: 'missing', measuredSha256: null, expectedSha256: null, coreGit: 'unknown', coreVersion: 'unknown', detail: notYet };
    this.selftest = { selftest: 'fail', detail: 'not run yet' };
  }

  /** Runs the first attestation; resolves once the mode reflects a real integrity check and self-test. */
  async start(): Promise<void> {
    await this.attempt();
  }

  /** The mode requests are served in: this core's, or a worse one of another worker's core. */
  get mode(): Mode {
    return this.serving().mode;
  }

  /** This core's own mode, whatever the other workers' cores do. */
  get localMode(): Mode {
    return this.currentMode;
  }

  /** The running core's pool while sealed; null otherwise. */
  get pool(): BytePool | null {
    return this.mode === 'sealed' && this.core !== null ? this.core.pool : null;
  }

  onModeChange(listener: ModeListener): void {
    this.listeners.push(listener);
  }

  snapshot(): AttestationSnapshot {
    return {
      integrity: this.integrity,
      selftest: this.selftest,
      ...this.serving(),
      modeChanges: this.modeChanges,
      sealedCore: this.sealedPath,
      core: {
        state: this.coreState,
        pid: this.coreState === 'running' ? (this.core?.pid ?? null) : null,
        starts: this.starts,
        restarts: Math.max(0, this.starts - 1),
        counters: this.counters,
        lastExit: this.lastExit,
        nextAttemptInMs: this.retryAt === null ? null : Math.max(0, this.retryAt - Date.now()),
      },
    };
  }

  private serving(): { mode: Mode; reason: string | null } {
    const other = this.options.fleet?.worstOther() ?? null;
    if (other !== null && MODES.indexOf(other.mode) > MODES.indexOf(this.currentMode)) return other;
    return { mode: this.currentMode, reason: this.currentReason };
  }

  /** A request waited in vain for bytes: a core that is alive but silent is treated as failed. */
  reportStall(pool: BytePool, waitedMs: number): void {
    if (this.core !== null && this.core.pool === pool) this.core.kill(`delivered too few bytes within ${waitedMs} ms`);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAt = null;
    const core = this.core;
    this.core = null;
    this.coreState = 'stopped';
    this.coreDetail = 'the service is stopping';
    await core?.stop();
    rmSync(this.privateDir, { recursive: true, force: true });
  }

  /** One attempt; whatever goes wrong (even writing the sealed copy) ends as a failed attempt, never a crash. */
  private async attempt(): Promise<void> {
    try {
      await this.attest();
    } catch (err) {
      const detail = `attestation could not run: ${(err as Error).message}`;
      this.selftest = { selftest: 'fail', detail };
      this.options.log.error({ error: (err as Error).message }, 'core attestation could not run');
      this.failed(0, detail);
    }
  }

  private async attest(): Promise<void> {
    this.retryTimer = null;
    this.retryAt = null;
    if (this.stopping.signal.aborted) return;
    this.coreState = 'starting';
    this.coreDetail = 'attesting the core';

    const sealed = sealCore(this.options.corePath, this.options.manifestPath, this.sealedPath, this.options.expectedCoreSha256);
    this.integrity = sealed.report;
    if (sealed.sealedPath === null) {
      this.selftest = { selftest: 'fail', detail: `not run: core integrity ${sealed.report.integrity}` };
      this.options.log.error({ integrity: sealed.report.integrity, detail: sealed.report.detail }, 'core integrity check failed');
      return this.failed(0, `core integrity ${sealed.report.integrity}`);
    }

    this.selftest = await runSelftest(sealed.sealedPath, this.options.selftestTimeoutMs, this.options.env, this.stopping.signal);
    if (this.stopping.signal.aborted) return;
    if (this.selftest.selftest !== 'pass') {
      this.options.log.error({ selftest: this.selftest.selftest, detail: this.selftest.detail }, 'core self-test did not pass');
      return this.failed(0, `self-test ${this.selftest.selftest}`);
    }

    const core = await CoreProcess.start(
      {
        path: sealed.sealedPath,
        predictionResistance: this.options.predictionResistance,
        env: this.options.env,
        poolBytes: this.options.poolBytes ?? DEFAULT_POOL_BYTES,
        readyTimeoutMs: this.options.selftestTimeoutMs,
        socketPath: join(this.privateDir, OUTPUT_SOCKET_NAME),
      },
      {
        onStatus: (status) => {
          if (this.core === core) this.counters = status.counters;
        },
        onExit: (exit) => this.coreExited(core, exit),
      },
    );
    if (this.stopping.signal.aborted) {
      await core.stop();
      return;
    }
    this.core = core;
    this.starts += 1;
    try {
      await core.ready;
    } catch {
      return; // coreExited has recorded why and scheduled the next attempt
    }
    if (this.core !== core || this.stopping.signal.aborted) return;
    this.coreState = 'running';
    this.coreDetail = 'running';
    this.options.log.info({ pid: core.pid, sha256: this.integrity.measuredSha256, starts: this.starts }, 'entropy core running');
    this.decide();
  }

  private coreExited(core: CoreProcess, exit: CoreExit): void {
    if (this.core !== core) return;
    this.core = null;
    this.lastExit = { code: exit.code, signal: exit.signal, reason: exit.reason, error: exit.error, at: new Date().toISOString() };
    if (this.stopping.signal.aborted) return;
    this.options.log.error({ code: exit.code, signal: exit.signal, reason: exit.reason, error: exit.error, ranForMs: exit.ranForMs }, 'entropy core exited');
    this.failed(exit.ranForMs, `exited: ${exit.reason}`);
  }

  /** Records a failed attempt or run, updates the mode at once and schedules the next attempt. */
  private failed(ranForMs: number, why: string): void {
    this.failures = failuresAfter(this.failures, ranForMs, this.policy);
    const delay = restartDelayMs(this.failures - 1, this.policy);
    this.coreState = 'down';
    this.coreDetail = `${why}; next attempt in ${delay} ms`;
    this.decide();
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => void this.attempt(), delay);
  }

  private decide(): void {
    const decision = modeFor({
      integrity: this.integrity.integrity,
      integrityDetail: this.integrity.detail,
      selftest: this.selftest.selftest,
      selftestDetail: this.selftest.detail,
      coreRunning: this.coreState === 'running',
      coreDetail: this.coreDetail,
      strictFips: this.options.strictFips,
    });
    const from = this.currentMode;
    this.currentReason = decision.reason;
    if (!this.decided) {
      this.decided = true;
      this.currentMode = decision.mode;
      const log = decision.mode === 'sealed' ? this.options.log.info : this.options.log.warn;
      log.call(this.options.log, { mode: decision.mode, reason: decision.reason }, 'mode decided');
      return;
    }
    if (decision.mode === from) return;
    this.currentMode = decision.mode;
    this.modeChanges += 1;
    const log = decision.mode === 'sealed' ? this.options.log.info : this.options.log.warn;
    log.call(this.options.log, { from, to: decision.mode, reason: decision.reason }, 'mode changed');
    for (const listener of this.listeners) listener(from, decision.mode, decision.reason);
  }
}
