// The openssl CLI (Debian's, listed in scripts/debian-tools.txt) for the tests' throwaway certificates.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `openssl req` arguments for a new P-256 key without a passphrase: fast to make, what a modern server is given. */
export const NEW_P256_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed (is Debian's openssl installed? sh scripts/setup.sh does it): ${stderr.trim()}`);
  }
}
