import { createHash } from 'node:crypto';
import type { TlsFiles } from '../config.js';
import { checkCredentials, readPemFiles, type PemFiles, type TlsCredentials } from './credentials.js';

/**
 * Polling rather than inotify, as for the API keys: a Kubernetes Secret volume replaces its files by swapping
 * a `..data` symlink, which a watch on the old file never sees, and a poll works on every file system. Each
 * poll reads two small files; a change is applied once two polls in a row have read the same content.
 */
const POLL_MS = 1_000;

export interface ReloaderLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ReloaderOptions {
  files: TlsFiles;
  /** The contents being served. */
  inForce: PemFiles;
  /** Serves checked credentials to new connections; throws if the TLS stack refuses them. */
  apply(credentials: TlsCredentials): void;
  log: ReloaderLog;
  pollMs?: number;
}

export interface Reloader {
  /** No poll starts after this; resolves once the one under way, if any, has finished. */
  stop(): Promise<void>;
}

/**
 * Re-reads TLS_CERT_FILE and TLS_KEY_FILE and serves a new pair without a restart. A pair is judged once its
 * content has stayed the same for one poll, so a half-finished update (the new certificate beside the old key)
 * is not even tried, and it is applied only if the key is the certificate's: otherwise the pair in force stays,
 * and one error line says why. That pair is judged again only when the files change again.
 */
export function startReloader(options: ReloaderOptions): Reloader {
  const { files, log } = options;
  let judged = fingerprint(options.inForce);
  let previous = judged;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let polling: Promise<void> = Promise.resolve();

  const poll = async (): Promise<void> => {
    const pem = await readPemFiles(files);
    if (stopped) return;
    const current = pem.ok ? fingerprint(pem.value) : `unreadable: ${pem.error}`;
    const settled = current === previous;
    previous = current;
    if (current === judged || !settled) return;
    judged = current;
    if (!pem.ok) {
      log.error({ reason: pem.error }, 'TLS files unreadable; keeping the certificate in force');
      return;
    }
    const checked = checkCredentials(files, pem.value);
    if (!checked.ok) {
      log.error({ reason: checked.error }, 'TLS update refused; keeping the certificate in force');
      return;
    }
    try {
      options.apply(checked.value);
    } catch (err) {
      log.error({ reason: `the TLS stack refused the pair: ${(err as Error).message}` }, 'TLS update refused; keeping the certificate in force');
      return;
    }
    log.info({ certificate: checked.value.certificate }, 'TLS certificate reloaded');
  };

  const schedule = () => {
    // Unreferenced: the poll never keeps the process alive by itself.
    timer = setTimeout(() => {
      polling = poll().finally(() => {
        if (!stopped) schedule();
      });
    }, options.pollMs ?? POLL_MS).unref();
  };
  schedule();

  return {
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      return polling;
    },
  };
}

/** Digests rather than copies: what was judged is remembered without keeping another copy of the key. */
function fingerprint(pem: PemFiles): string {
  const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  return `${digest(pem.cert)}:${digest(pem.key)}`;
}
