import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { ConfigFileError, type ApiKeySource } from '../config.js';
import { keyRing, lookupKey, parseKeysFile, type KeyRing } from './keys.js';

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

/** The API keys in force, re-read from API_KEYS_FILE whenever it changes so keys rotate without a restart. */
export class KeyStore {
  private ring: KeyRing;
  private readonly watchedPath: string | null;

  private constructor(ring: KeyRing, watchedPath: string | null) {
    this.ring = ring;
    this.watchedPath = watchedPath;
  }

  /** Loads the keys; a key file that is missing, malformed or empty at start is a configuration error. */
  static open(source: ApiKeySource, log: KeyStoreLog): KeyStore {
    if (source.kind === 'inline') return new KeyStore(keyRing([source.key]), null);
    const parsed = parseKeysFile(readKeyFile(source.path));
    if (parsed.problems.length > 0) throw new ConfigFileError(`API_KEYS_FILE ${source.path}: ${parsed.problems.join('; ')}`);
    if (parsed.keys.length === 0) throw new ConfigFileError(`API_KEYS_FILE ${source.path} holds no keys`);
    const store = new KeyStore(keyRing(parsed.keys), source.path);
    watchFile(source.path, { interval: POLL_MS, persistent: false }, () => store.reload(source.path, log));
    return store;
  }

  /** The id of the presented key if it is in force, else null. */
  lookup(presented: string): string | null {
    return lookupKey(this.ring, presented);
  }

  close(): void {
    if (this.watchedPath !== null) unwatchFile(this.watchedPath);
  }

  /**
   * A file that cannot be read or holds a bad line keeps the keys in force (a half-written update must not
   * lock every caller out); a readable file with no keys revokes them all, as it says.
   */
  private reload(path: string, log: KeyStoreLog): void {
    let parsed;
    try {
      parsed = parseKeysFile(readKeyFile(path));
    } catch (err) {
      log.error({ path, error: (err as Error).message }, 'API keys file unreadable; keeping the keys in force');
      return;
    }
    if (parsed.problems.length > 0) {
      log.error({ path, problems: parsed.problems }, 'API keys file rejected; keeping the keys in force');
      return;
    }
    this.ring = keyRing(parsed.keys);
    const ids = [...this.ring.byDigest.values()];
    if (ids.length === 0) log.warn({ path }, 'API keys file holds no keys: every request for bytes is refused');
    else log.info({ path, keys: ids.length, key_ids: ids }, 'API keys reloaded');
  }
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigFileError(`API_KEYS_FILE ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
