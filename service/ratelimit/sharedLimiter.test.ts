import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RateLimiter } from './limiter.js';
import { sharedLimiterTable, SharedRateLimiter } from './sharedLimiter.js';

test('answers exactly as the per-process RateLimiter, over a mixed sequence of clients, costs and times', () => {
  const rate = 5;
  const local = new RateLimiter(rate);
  const shared = new SharedRateLimiter(sharedLimiterTable(64, 7), rate);
  let now = 1_000;
  let seed = 1;
  for (let i = 0; i < 2_000; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const client = ['k1', 'k2', '192.0.2.7', '2001:db8::1', 'ключ'][seed % 5] as string;
    const cost = 1 + ((seed >>> 8) % 3);
    now += (seed >>> 12) % 400;
    if (i % 97 === 0) {
      local.sweep(now);
      shared.sweep(now);
      expect(shared.clients).toBe(local.clients);
    }
    if (i % 5 === 0) expect([i, shared.peek(client, cost, now)]).toEqual([i, local.peek(client, cost, now)]);
    else expect([i, shared.check(client, cost, now)]).toEqual([i, local.check(client, cost, now)]);
  }
});

test('a full table refuses a new client (fail closed) until a sweep frees the slots of idle ones', () => {
  const limiter = new SharedRateLimiter(sharedLimiterTable(4, 1), 10);
  for (const client of ['a', 'b', 'c', 'd']) expect(limiter.check(client, 1, 0)).toBe(0);
  expect(limiter.check('e', 1, 0)).toBe(1);
  expect(limiter.check('a', 1, 0)).toBe(0); // known clients still served
  limiter.sweep(5_000);
  expect(limiter.clients).toBe(0);
  expect(limiter.check('e', 1, 5_000)).toBe(0);
});

test('a client name longer than a slot holds is refused loudly, not truncated into another client', () => {
  const limiter = new SharedRateLimiter(sharedLimiterTable(4, 1), 10);
  expect(() => limiter.check('x'.repeat(65), 1, 0)).toThrow(/at most 64 bytes/);
});

test('a worker whose clock reading is older than the last take does not move the bucket back in time', () => {
  // Workers read the clock before they take the lock: another may have taken at a later reading meanwhile.
  const limiter = new SharedRateLimiter(sharedLimiterTable(4, 1), 10);
  expect(limiter.check('k', 10, 0)).toBe(0);
  expect(limiter.check('k', 1, 100)).toBe(0);
  expect(limiter.check('k', 1, 50)).toBe(1);
  expect(limiter.check('k', 1, 150)).toBe(1); // half a token since 100, not a whole one since 50
  expect(limiter.check('k', 1, 200)).toBe(0);
});

test('rate 0 switches the limit off', () => {
  const limiter = new SharedRateLimiter(sharedLimiterTable(2, 1), 0);
  for (let i = 0; i < 10; i++) expect(limiter.check(`c${i}`, 1_000, 0)).toBe(0);
  expect(limiter.clients).toBe(0);
});

// The property the service's workers rely on: four threads taking from one client's bucket at once accept
// exactly its tokens, never one more. The compiled module is used: a worker thread runs JavaScript.
test('four worker threads racing on one client accept exactly its rate, in total', async () => {
  const compiled = join(dirname(fileURLToPath(import.meta.url)), '../../dist/service/ratelimit/sharedLimiter.js');
  if (!existsSync(compiled)) throw new Error(`${compiled} is missing; run: npm run build:ts`);
  const rate = 100;
  const table = sharedLimiterTable(1024, 3);
  const start = new SharedArrayBuffer(4);
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    import(workerData.module).then(({ SharedRateLimiter }) => {
      const limiter = new SharedRateLimiter(workerData.table, workerData.rate);
      const go = new Int32Array(workerData.start);
      Atomics.wait(go, 0, 0);
      let accepted = 0;
      for (let i = 0; i < 5000; i++) if (limiter.check('key-1', 1, 1000) === 0) accepted++;
      parentPort.postMessage(accepted);
    });`;
  const workers = Array.from({ length: 4 }, () =>
    new Worker(code, { eval: true, workerData: { module: pathToFileURL(compiled).href, table, rate, start } }));
  const results = workers.map((worker) => once(worker, 'message') as Promise<[number]>);
  await new Promise((resolve) => setTimeout(resolve, 200));
  Atomics.store(new Int32Array(start), 0, 1);
  Atomics.notify(new Int32Array(start), 0);
  const accepted = (await Promise.all(results)).map(([n]) => n);
  await Promise.all(workers.map((worker) => worker.terminate()));
  expect(accepted.reduce((a, b) => a + b, 0)).toBe(rate);
}, 30_000);
