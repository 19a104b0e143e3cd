// Seeds for VRF keys come from the entropy core, and only from it: the core is measured against its
// manifest, then the very bytes that were measured run (a private copy, as the service seals its core, so
// the file cannot be swapped between the hash and the exec), and its exact output is the seed. The core runs
// its CAVP self-tests before its first byte and exits non-zero when any fails. No message here ever carries
// a byte of the output: it is key material.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseManifest } from '../../contracts/manifest.js';

export interface CoreSeed {
  bytes: Uint8Array;
  /** The SHA-256 of the core that made them (equal to its manifest's). */
  coreSha256: string;
}

/** What `re4_dump --help` says its exit codes mean. */
const CORE_EXIT_CODES: Record<number, string> = {
  2: 'usage error',
  3: 'self-test failed',
  4: 'health test failed',
  5: 'entropy source failed',
  6: 'DRBG failed',
  7: 'output failed',
};

/** The most a seed may be: a keygen needs 64 bytes; anything far beyond is a mistake, not a seed. */
export const MAX_SEED_BYTES = 4096;
/** Of the core's stderr (one JSON line on failure) this much is kept for the message. */
const STDERR_KEPT = 512;

export class CoreSeedError extends Error {
  override readonly name = 'CoreSeedError';
}

function measure(corePath: string, manifestPath: string): { core: Buffer; coreSha256: string } {
  let core: Buffer;
  try {
    // A FIFO or a device at the path would block or never end; only a regular file can be a core.
    if (!statSync(corePath).isFile()) throw new CoreSeedError(`the core ${corePath} is not a regular file`);
    core = readFileSync(corePath);
  } catch (error) {
    if (error instanceof CoreSeedError) throw error;
    throw new CoreSeedError(`the core ${corePath} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let manifestText: string;
  try {
    manifestText = readFileSync(manifestPath, 'utf8');
  } catch (error) {
    throw new CoreSeedError(`the manifest ${manifestPath} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const manifest = parseManifest(manifestText);
  if (!manifest.ok) throw new CoreSeedError(`${manifest.reason} (${manifestPath})`);
  const coreSha256 = createHash('sha256').update(core).digest('hex');
  if (coreSha256 !== manifest.manifest.coreSha256) {
    throw new CoreSeedError(`the core ${corePath} has sha256 ${coreSha256}, its manifest says ${manifest.manifest.coreSha256}: refused`);
  }
  return { core, coreSha256 };
}

function run(sealedPath: string, bytes: number, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // No inherited environment: the core needs none, and nothing of the caller's should reach it.
    const child = spawn(sealedPath, ['-n', String(bytes)], { stdio: ['ignore', 'pipe', 'pipe'], env: {} });
    const out: Buffer[] = [];
    let outLength = 0;
    let overflow = false;
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (outLength + chunk.length > bytes) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
      outLength += chunk.length;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < STDERR_KEPT) stderr = (stderr + chunk.toString('utf8')).slice(0, STDERR_KEPT);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new CoreSeedError(`the core could not be started: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = Buffer.concat(out, outLength);
      const wipe = () => {
        result.fill(0);
        for (const chunk of out) chunk.fill(0);
      };
      if (timedOut) return wipe(), reject(new CoreSeedError(`the core gave no ${bytes} bytes within ${timeoutMs} ms: stopped`));
      if (overflow) return wipe(), reject(new CoreSeedError(`the core wrote more than the ${bytes} bytes asked for: refused`));
      if (code !== 0) {
        wipe();
        const meaning = code === null ? `killed by ${signal}` : `exit ${code}${CORE_EXIT_CODES[code] ? ` (${CORE_EXIT_CODES[code]})` : ''}`;
        const said = stderr.trim().split('\n')[0];
        return reject(new CoreSeedError(`the core failed: ${meaning}${said ? `: ${said}` : ''}`));
      }
      if (outLength !== bytes) return wipe(), reject(new CoreSeedError(`the core wrote ${outLength} bytes, not ${bytes}: refused`));
      const seed = new Uint8Array(result);
      wipe();
      resolve(seed);
    });
  });
}

/**
 * `bytes` bytes from the core at `corePath`, which must hash to what the manifest at `manifestPath` says; the
 * core must exit 0 within `timeoutMs` having written exactly that many. Throws a CoreSeedError otherwise.
 */
export async function readCoreSeed(corePath: string, manifestPath: string, bytes: number, timeoutMs: number): Promise<CoreSeed> {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > MAX_SEED_BYTES) throw new CoreSeedError(`a seed is 1 to ${MAX_SEED_BYTES} bytes (asked: ${bytes})`);
  const { core, coreSha256 } = measure(corePath, manifestPath);
  // The measured bytes, in a directory only this user can write (mkdtemp: mode 0700), removed afterwards.
  const dir = mkdtempSync(join(tmpdir(), 'r4-keygen-'));
  try {
    const sealedPath = join(dir, 're4_dump');
    // Written synchronously and closed before the exec, so no descriptor open for writing makes it ETXTBSY.
    writeFileSync(sealedPath, core, { mode: 0o700 });
    chmodSync(sealedPath, 0o500);
    return { bytes: await run(sealedPath, bytes, timeoutMs), coreSha256 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
