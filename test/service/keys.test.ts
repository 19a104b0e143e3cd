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
    const [oldKey, newKey] = ['old-key-0123456789abcdef0123456789', 'new-key-0123456789abcdef0123456789'];
    replace(`# keys in force\n${oldKey}\n`);
    const t = await startTestService({ API_KEY: '', API_KEYS_FILE: file });
    const status = (key: string) => async () => (await get(`${t.url}/random?n=4`, { 'x-api-key': key })).status;
    try {
      expect(await status(oldKey)()).toBe(200);
      expect(await status(newKey)()).toBe(401);

      replace(`${oldKey}\n${newKey}\n`); // overlap: both work during the handover
      await waitUntil('the new key', status(newKey), (s) => s === 200, 5_000);
      expect(await status(oldKey)()).toBe(200);

      replace(`${newKey}\n`);
      await waitUntil('the old key to be revoked', status(oldKey), (s) => s === 401, 5_000);
      expect(await status(newKey)()).toBe(200);

      // A malformed update keeps the keys in force rather than locking everyone out, and says why.
      replace(`${newKey}\nbad key with spaces\n`);
      await waitUntil('the rejection to be logged', async () => t.logs.join(''), (logs) => logs.includes('API keys file not applied'), 5_000);
      expect(await status(newKey)()).toBe(200);

      // An empty file means no keys: every request for bytes is refused.
      replace('');
      await waitUntil('all keys revoked', status(newKey), (s) => s === 401, 5_000);
      expect(t.logs.join('')).not.toMatch(new RegExp(`${oldKey}|${newKey}`));
    } finally {
      await t.stop();
      scratch.remove();
    }
  });
});
