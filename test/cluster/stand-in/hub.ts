// The STAND-IN HUB: one process serving every stand-in pod of one cluster (image r4-stand-in), so a
// thousand pods cost a thousand listening sockets and TLS contexts, not a thousand services and cores.
// For each pod the harness attaches, a short-lived `ip netns exec <netns> node netns-listener.js` binds
// the pod's port inside its network namespace and passes the socket here; this process then serves it
// over TLS with the pod's own certificate, answering as stand-in-pod.ts does. Started by hub-client.ts
// with an IPC channel (protocol.ts); it dies with its parent.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseManifest } from '../../../contracts/manifest.js';
import { parseConfig, type ServiceConfig } from '../../../service/config.js';
import { runSelftest } from '../../../service/core/selftest.js';
import { packageVersion } from '../../../service/packageRoot.js';
import { repoRoot } from '../../support/repo-paths.js';
import { tamperedCore } from '../kubelet/programs.js';
import type { AttachRequest, HubReply, HubRequest, HubStats } from './protocol.js';
import { StandInPod, type CoreFacts } from './stand-in-pod.js';

const listenerScript = join(fileURLToPath(new URL('.', import.meta.url)), 'netns-listener.js');
/** Listener processes at once: each is a Node start (~50 ms of CPU), and 1,000 pods may start together. */
const LISTENER_CONCURRENCY = 8;
/** How often at most a pod's certificate files are looked at for a change (a rotation by the operator). */
const CERT_CHECK_MS = 2_000;
/** A silent pod lets a connection hang this long, then drops it, so hung connections stay bounded. */
const SILENT_HOLD_MS = 60_000;

const reply = (message: HubReply) => process.send?.(message);

async function measureCore(): Promise<CoreFacts> {
  const corePath = join(repoRoot, 'native', 'build', 're4_dump');
  const bytes = readFileSync(corePath);
  // The measured bytes, copied once, are what the stand-ins "run": as the service's sealed copy.
  const sealedCore = join(mkdtempSync(join(tmpdir(), 'r4-stand-in-')), 're4_dump');
  writeFileSync(sealedCore, bytes, { mode: 0o500 });
  const selftest = await runSelftest(sealedCore, 10_000, { PATH: process.env.PATH ?? '/usr/bin:/bin' }, new AbortController().signal);
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    tamperedSha256: createHash('sha256').update(tamperedCore(bytes)).digest('hex'),
    manifest: parseManifest(readFileSync(join(repoRoot, 'native', 'build', 'manifest.json'), 'utf8')),
    selftest,
    sealedCore,
  };
}

interface Served {
  podUid: string;
  netns: string;
  pod: StandInPod;
  server: HttpServer;
  tls: { certFile: string; keyFile: string; mtimeMs: number; checkedAt: number } | undefined;
}

const core = await measureCore();
const build = { version: packageVersion(repoRoot), apiGit: 'stand-in' };
const served = new Map<string, Served>();
const stats: HubStats = { pods: 0, connections: 0, answers: 0 };

let active = 0;
const waiting: (() => void)[] = [];
async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (active >= LISTENER_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  try {
    return await task();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

/** The pod's port, bound inside its namespace by a listener process and handed over. */
function bindInNamespace(netns: string, port: number): Promise<NetServer> {
  return limited(
    () =>
      new Promise((resolve, reject) => {
        const child = spawn('ip', ['netns', 'exec', netns, process.execPath, listenerScript, String(port)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        let settled = false;
        child.on('message', (message: { listening: boolean; message?: string }, handle: unknown) => {
          if (settled) return (handle as NetServer | undefined)?.close();
          settled = true;
          if (message.listening && handle) resolve(handle as NetServer);
          else reject(new Error(`could not bind :${port} in ${netns}: ${message.message ?? 'no socket handed over'}`));
        });
        child.on('error', (error) => {
          settled = true;
          reject(error);
        });
        // 'close', not 'exit': a message (and its socket) may still be on its way when 'exit' is emitted.
        child.on('close', (code) => {
          if (settled) return;
          settled = true;
          reject(new Error(`the listener in ${netns} exited with code ${code} before handing over its socket`));
        });
      }),
  );
}

function configOf(env: Record<string, string>): ServiceConfig {
  const parsed = parseConfig(env, { packageRoot: repoRoot, tmpDir: tmpdir(), cwd: repoRoot });
  if (!parsed.ok) throw new Error(`the pod's environment is not one the service would start with: ${parsed.error}`);
  return parsed.config;
}

function serve(entry: Served, req: IncomingMessage, res: ServerResponse): void {
  stats.answers++;
  if (!entry.pod.handle(req, res)) setTimeout(() => req.socket.destroy(), SILENT_HOLD_MS).unref();
}

/** As service/tls: the certificate is re-read when its files change (checked at most every CERT_CHECK_MS). */
function refreshCertificate(entry: Served): void {
  const tls = entry.tls;
  if (!tls || Date.now() - tls.checkedAt < CERT_CHECK_MS) return;
  tls.checkedAt = Date.now();
  const mtimeMs = Math.max(statSync(tls.certFile).mtimeMs, statSync(tls.keyFile).mtimeMs);
  if (mtimeMs === tls.mtimeMs) return;
  tls.mtimeMs = mtimeMs;
  (entry.server as ReturnType<typeof createHttpsServer>).setSecureContext({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) });
}

// Attaches to one namespace run one after another: a start the harness gave up on (its answer came too
// late) is replaced by the next start in the same pod, which must not find the port still taken.
const attaching = new Map<string, Promise<void>>();

function attach(request: AttachRequest): Promise<void> {
  const previous = attaching.get(request.netns) ?? Promise.resolve();
  const next = previous.then(async () => {
    // A container served in this namespace already is one the kubelet no longer runs.
    await Promise.all([...served].filter(([, e]) => e.netns === request.netns).map(([container]) => detach(container)));
    await attachNow(request);
  });
  const settled = next.catch(() => undefined);
  attaching.set(request.netns, settled);
  void settled.then(() => {
    if (attaching.get(request.netns) === settled) attaching.delete(request.netns);
  });
  return next;
}

async function attachNow(request: AttachRequest): Promise<void> {
  const config = configOf(request.env);
  const entry: Served = { podUid: request.podUid, netns: request.netns, pod: new StandInPod(config, core, build), server: undefined as unknown as HttpServer, tls: undefined };
  const handler = (req: IncomingMessage, res: ServerResponse) => serve(entry, req, res);
  if (config.tls) {
    const { certFile, keyFile } = config.tls;
    entry.server = createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, handler);
    entry.tls = { certFile, keyFile, mtimeMs: Math.max(statSync(certFile).mtimeMs, statSync(keyFile).mtimeMs), checkedAt: Date.now() };
  } else {
    entry.server = createHttpServer(handler);
  }
  entry.server.on('connection', (socket: Socket) => {
    stats.connections++;
    socket.on('error', () => socket.destroy());
    try {
      refreshCertificate(entry);
    } catch {
      // Files mid-rotation: the next connection looks again.
      if (entry.tls) entry.tls.mtimeMs = 0;
    }
  });
  // The server takes over the handed-over socket itself (its libuv handle): closing it closes the pod's port.
  entry.server.listen(await bindInNamespace(request.netns, config.port));
  entry.server.on('close', () => {
    if (served.get(request.container) === entry) {
      served.delete(request.container);
      reply({ op: 'dropped', container: request.container, message: 'its listening socket closed' });
    }
  });
  served.set(request.container, entry);
}

function detach(container: string): Promise<void> {
  const entry = served.get(container);
  served.delete(container);
  if (!entry) return Promise.resolve();
  return new Promise((resolve) => {
    entry.server.close(() => resolve());
    entry.server.closeAllConnections();
  });
}

function podsOf(podUid: string): Served[] {
  const found = [...served.values()].filter((e) => e.podUid === podUid);
  if (found.length === 0) throw new Error(`the stand-in hub serves no pod with uid ${podUid}`);
  return found;
}

async function handle(request: HubRequest): Promise<HubReply> {
  switch (request.op) {
    case 'attach':
      await attach(request);
      return { op: 'ok', id: request.id };
    case 'detach':
      await detach(request.container);
      return { op: 'ok', id: request.id };
    case 'tamper':
      for (const entry of podsOf(request.podUid)) {
        entry.pod.tamper = request.tamper;
        // A pod that turns silent stops answering on the connections it has too (a hung process).
        if (request.tamper === 'silent') entry.server.closeIdleConnections();
      }
      return { op: 'ok', id: request.id };
    case 'heal':
      for (const entry of podsOf(request.podUid)) entry.pod.tamper = undefined;
      return { op: 'ok', id: request.id };
    case 'stats':
      return { op: 'ok', id: request.id, stats: { ...stats, pods: served.size } };
  }
}

process.on('message', (request: HubRequest) => {
  handle(request).then(reply, (error: Error) => reply({ op: 'failed', id: request.id, message: error.message }));
});
// The harness gone: nothing left to serve for.
process.on('disconnect', () => process.exit(0));
reply({ op: 'ready', pid: process.pid });
