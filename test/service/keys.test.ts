import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeAgent, get, scratchDir, startTestService, waitUntil } from './harness.js';

afterAll(() => closeAgent());

/** Keys rotate through API_KEYS_FILE without a restart, the way a Kubernetes Secret volume updates. */
describe('key rotation through API_KEYS_FILE', () => {
  it('serves the new key and refuses the old one once the file changes', async () => {
    const scratch = scratchDir('rotation');
    const file = join(scratch.dir, 'api-keys');
    // Replace the file atomically, as a Secret volume (symlink swap) or an editor's rename does.
    const replace = (content: string) => {
      writeFileSync(`${file}.new`, content);
      renameSync(`${file}.new`, file);
    };
    replace('# keys in force\nold-key\n');
    const t = await startTestService({ API_KEY: '', API_KEYS_FILE: file });
    const status = (key: string) => async () => (await get(`${t.url}/random?n=4`, { 'x-api-key': key })).status;
    try {
      expect(await status('old-key')()).toBe(200);
      expect(await status('new-key')()).toBe(401);

      replace('old-key\nnew-key\n'); // overlap: both work during the handover
      await waitUntil('the new key', status('new-key'), (s) => s === 200, 5_000);
      expect(await status('old-key')()).toBe(200);

      replace('new-key\n');
      await waitUntil('the old key to be revoked', status('old-key'), (s) => s === 401, 5_000);
      expect(await status('new-key')()).toBe(200);

      // A malformed update keeps the keys in force rather than locking everyone out, and says why.
      replace('new-key\nbad key with spaces\n');
      await waitUntil('the rejection to be logged', async () => t.logs.join(''), (logs) => logs.includes('API keys file rejected'), 5_000);
      expect(await status('new-key')()).toBe(200);

      // An empty file means no keys: every request for bytes is refused.
      replace('');
      await waitUntil('all keys revoked', status('new-key'), (s) => s === 401, 5_000);
      expect(t.logs.join('')).not.toMatch(/old-key|new-key/);
    } finally {
      await t.stop();
      scratch.remove();
    }
  });
});
