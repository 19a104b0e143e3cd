import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { ConfigFileError, type ApiKeySource } from '../config.js';
import { keyFileUpdate, type KeyFileRead } from './keyFileUpdate.js';
import { keyRing, lookupKey, newKeyIdSecret, parseKeysFile, type KeyRing } from './keys.js';

export interface KeyStoreLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Stat polling rather than inotify: a Kubernetes Secret volume swaps a `..data` symlink, which an inotify
 * watch on the old file never sees, and polling also works on network and overlay filesystems. Half a second
 * is far below the Secret propagation delay and costs one stat() per tick.
 */
const POLL_MS = 500;
/**
 * The pause between the two reads of a changed file: an editor or `cat >` writing in place takes well under
 * this, so two reads that agree across it see a finished file.
 */
const SETTLE_MS = 100;
/** A file that keeps changing is read again this often, for at most this many times in a row. */
const MAX_UNSETTLED_RETRIES = 20;

/** The API keys in force, re-read from API_KEYS_FILE whenever it changes so keys rotate without a restart. */
export class KeyStore {
  private ring: KeyRing;
  private readonly secret: Buffer;
  private readonly watchedPath: string | null;
  /** Each reload takes a number; a reload that a newer one overtook while it waited gives way. */
  private reloads = 0;
  private unsettled = 0;
  private closed = false;

  private constructor(keys: readonly string[], secret: Buffer, watchedPath: string | null) {
    this.secret = secret;
    this.ring = keyRing(keys, secret);
    this.watchedPath = watchedPath;
  }

  /**
   * Loads the keys; a key file that is missing, malformed or empty at start is a configuration error. `demo`
   * (R4_DEMO=1) lets keys shorter than the minimum pass (keyPolicy.ts). `secret`: the process's key id secret
   * when several worker threads must name a key alike (their shared rate limits are by key id).
   */
  static open(source: ApiKeySource, demo: boolean, log: KeyStoreLog, secret: Buffer = newKeyIdSecret()): KeyStore {
    if (source.kind === 'inline') return new KeyStore([source.key], secret, null);
    const parsed = parseKeysFile(readKeyFile(source.path), demo);
    if (parsed.problems.length > 0) throw new ConfigFileError(`API_KEYS_FILE ${source.path}: ${parsed.problems.join('; ')}`);
    if (parsed.keys.length === 0) throw new ConfigFileError(`API_KEYS_FILE ${source.path} holds no keys`);
    const store = new KeyStore(parsed.keys, secret, source.path);
    watchFile(source.path, { interval: POLL_MS, persistent: false }, () => void store.reload(source.path, demo, log));
    return store;
  }

  /** The id of the presented key if it is in force, else null. */
  lookup(presented: string): string | null {
    return lookupKey(this.ring, presented);
  }

  close(): void {
    this.closed = true;
    if (this.watchedPath !== null) unwatchFile(this.watchedPath);
  }

  /** Reads the changed file twice, SETTLE_MS apart, and acts on what the two reads say (keyFileUpdate.ts). */
  private async reload(path: string, demo: boolean, log: KeyStoreLog): Promise<void> {
    const attempt = ++this.reloads;
    const first = tryRead(path);
    await pause(SETTLE_MS);
    if (this.closed || attempt !== this.reloads) return;
    const update = keyFileUpdate(first, tryRead(path), demo);
    if (update.action !== 'keep' || !update.retry) this.unsettled = 0;
    if (update.action === 'keep') {
      log.error({ path, problem: update.why }, 'API keys file not applied; keeping the keys in force');
      if (update.retry && this.unsettled++ < MAX_UNSETTLED_RETRIES) {
        await pause(POLL_MS);
        if (!this.closed && attempt === this.reloads) void this.reload(path, demo, log);
      }
      return;
    }
    this.ring = keyRing(update.action === 'apply' ? update.keys : [], this.secret);
    const ids = [...this.ring.byMac.values()];
    if (update.action === 'revoke') log.error({ path, problem: update.why }, 'API keys file unusable: every key is revoked');
    else if (ids.length === 0) log.warn({ path }, 'API keys file holds no keys: every request for bytes is refused');
    else log.info({ path, keys: ids.length, key_ids: ids }, 'API keys reloaded');
  }
}

function tryRead(path: string): KeyFileRead {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') };
  } catch (err) {
    return { ok: false, code: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function readKeyFile(path: string): string {
  const read = tryRead(path);
  if (!read.ok) throw new ConfigFileError(`API_KEYS_FILE ${path} cannot be read: ${read.code}`);
  return read.text;
}
