import { ConfigFileError, type TlsFiles } from '../config.js';
import { loadCredentials } from './credentials.js';
import { httpsServing, type HttpsServing } from './httpsServer.js';
import { startReloader, type Reloader, type ReloaderLog } from './reloader.js';

export interface Https extends Pick<HttpsServing, 'serverFactory' | 'listenTextResolver'> {
  /** Once listening: serves the files' new contents to new connections whenever they change. */
  reloadOnChange(): Reloader;
}

/**
 * HTTPS from TLS_CERT_FILE and TLS_KEY_FILE. Files that cannot be served at start are a configuration error
 * (a ConfigFileError), as an unusable API key file is; the certificate in force is logged, its key never.
 */
export async function openHttps(files: TlsFiles, log: ReloaderLog): Promise<Https> {
  const loaded = await loadCredentials(files);
  if (!loaded.ok) throw new ConfigFileError(loaded.error);
  log.info({ certificate: loaded.value.certificate }, 'TLS certificate loaded');
  const serving = httpsServing(loaded.value);
  return {
    serverFactory: serving.serverFactory,
    listenTextResolver: serving.listenTextResolver,
    reloadOnChange: () => startReloader({ files, inForce: loaded.value, apply: (credentials) => serving.use(credentials), log }),
  };
}
