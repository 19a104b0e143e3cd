// One worker thread of the service (WORKERS > 1): the whole service, with its own core, on the port the
// workers share (SO_REUSEPORT), its limits, mode and key shared with the others (primary.ts).
import { tmpdir } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { AttestationSigner } from '../attestation/signer.js';
import { ConfigFileError, parseConfig, type ServiceConfig } from '../config.js';
import type { CoreSupervisor } from '../core/supervisor.js';
import { packageRoot } from '../packageRoot.js';
import { startService, type RunningService } from '../start.js';
import { startTracing } from '../telemetry/tracing.js';
import { FleetState } from './fleetState.js';
import { SharedKeySource } from './sharedKey.js';
import type { ToPrimary, ToWorker, WorkerData } from './workerProtocol.js';

/** A scrape that waits longer for the other workers answers with what it has (primary.ts gives up first). */
const SCRAPE_WAIT_MS = 5_000;
/** Bounds the wait for the other workers' first attestation (each bounded by R4_SELFTEST_TIMEOUT_MS). */
const FIRST_ATTESTATION_WAIT_MS = 60_000;

if (parentPort === null) throw new Error('service/workers/worker.ts runs as a worker thread of service/workers/primary.ts');
const port = parentPort;
const data = workerData as WorkerData;
const post = (message: ToPrimary) => port.postMessage(message);

async function run(): Promise<void> {
  const root = packageRoot();
  const context = { packageRoot: root, tmpDir: tmpdir(), cwd: process.cwd(), memoryLimitBytes: process.constrainedMemory(), cpuBudget: data.workers };
  const parsed = parseConfig(process.env, context);
  // The primary parsed the same environment before starting any worker.
  if (!parsed.ok) return failed(parsed.error, 2);
  const config: ServiceConfig = {
    ...parsed.config,
    port: data.port,
    // The workers' VRF pools together use about the threads one process would.
    vrf: { ...parsed.config.vrf, workerThreads: Math.max(1, Math.ceil(parsed.config.vrf.workerThreads / data.workers)) },
  };
  const fleet = new FleetState(data.fleet, data.workers);
  const signer = new SharedKeySource();
  const scrapes = new Map<number, (text: string) => void>();
  let nextScrape = 0;
  let service: RunningService | null = null;

  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'key':
        return signer.received(message.key);
      case 'draw-key':
        return void drawKey(service);
      case 'render':
        // A worker whose metrics cannot be read adds nothing to the scrape, rather than hold it up.
        return void service?.metrics.render().then(
          (text) => post({ type: 'rendered', id: message.id, text }),
          () => post({ type: 'rendered', id: message.id, text: '' }),
        );
      case 'scraped':
        return scrapes.get(message.id)?.(message.text);
      case 'stop':
        return void stop(service);
    }
  });

  const fleetMetrics = (): Promise<string> => {
    const id = nextScrape++;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        scrapes.delete(id);
        reject(new Error('the other workers did not answer the metrics scrape in time'));
      }, SCRAPE_WAIT_MS);
      scrapes.set(id, (text) => {
        clearTimeout(timer);
        scrapes.delete(id);
        resolve(text);
      });
      post({ type: 'scrape', id });
    });
  };

  const tracing = config.tracing ? startTracing('re4ctor-api') : null;
  try {
    service = await startService(config, {
      packageRoot: root,
      env: process.env,
      worker: {
        index: data.index,
        keyIdSecret: Buffer.from(data.keyIdSecret.buffer, data.keyIdSecret.byteOffset, data.keyIdSecret.byteLength),
        signer,
        limitTables: data.limitTables,
        inFlight: data.inFlight,
        workers: () => fleet.all(),
        fleet,
        fleetMetrics,
        attested,
      },
    });
  } catch (err) {
    await tracing?.shutdown();
    return failed(err instanceof ConfigFileError ? `invalid configuration: ${err.message}` : `cannot start: ${(err as Error).message}`, err instanceof ConfigFileError ? 2 : 1);
  }
  post({ type: 'listening', url: service.url });

  async function stop(current: RunningService | null): Promise<void> {
    await current?.stop();
    await tracing?.shutdown();
    post({ type: 'stopped' });
    port.close();
  }

  /** Publishes this worker's core now and at every change of its mode; then waits for the other workers'. */
  async function attested(supervisor: CoreSupervisor): Promise<void> {
    const publish = () => {
      const snapshot = supervisor.snapshot();
      const mode = supervisor.localMode;
      fleet.publish({
        index: data.index,
        coreSha256: snapshot.integrity.measuredSha256,
        integrity: snapshot.integrity.integrity,
        selftest: snapshot.selftest.selftest,
        mode,
        coreState: snapshot.core.state,
        corePid: snapshot.core.pid,
        coreRestarts: snapshot.core.restarts,
      });
      if (mode === 'sealed') post({ type: 'sealed' });
    };
    supervisor.onModeChange(publish);
    publish();
    const deadline = Date.now() + FIRST_ATTESTATION_WAIT_MS;
    while (fleet.all().some((other) => other.coreState === 'starting' && !other.alive) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Tells the primary why this worker could not start, and ends the thread. */
function failed(message: string, exitCode: number): void {
  post({ type: 'failed', message, exitCode });
  port.close();
}

/** Makes the process's attestation key from this worker's core, exactly as a lone process makes its own. */
async function drawKey(service: RunningService | null): Promise<void> {
  if (service === null) return post({ type: 'key-failed', reason: 'this worker has not started yet' });
  const key = await new AttestationSigner(service.supervisor).current().catch((err: Error) => ({ unsigned: err.message }));
  post('privateKey' in key ? { type: 'key', key: key.privateKey } : { type: 'key-failed', reason: key.unsigned });
}

void run();
