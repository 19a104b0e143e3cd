// The probe against real HTTP servers on loopback: good, malformed, oversized, silent and absent.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConcurrencyLimit, MAX_VERSION_BYTES, probeVersion } from './probe.js';

const sha = 'c'.repeat(64);
const good = JSON.stringify({ core_sha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed' });

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('probeVersion (real HTTP server on loopback)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });
  const start = async (handler: Parameters<typeof createServer>[1]) => {
    const { server, port } = await serve(handler);
    servers.push(server);
    return port;
  };

  test('a well-formed answer is parsed', async () => {
    const port = await start((_req, res) => res.end(good));
    await expect(probeVersion('127.0.0.1', port, 2000)).resolves.toEqual({
      kind: 'answered',
      fields: { coreSha256: sha, integrity: 'verified', selftest: 'pass', mode: 'sealed' },
    });
  });

  test('a non-200 answer is malformed', async () => {
    const port = await start((_req, res) => {
      res.statusCode = 503;
      res.end(good);
    });
    await expect(probeVersion('127.0.0.1', port, 2000)).resolves.toMatchObject({ kind: 'malformed', reason: '/version answered HTTP 503' });
  });

  test('an oversized answer is refused', async () => {
    const port = await start((_req, res) => res.end('x'.repeat(MAX_VERSION_BYTES + 10)));
    await expect(probeVersion('127.0.0.1', port, 2000)).resolves.toMatchObject({ kind: 'malformed', reason: expect.stringContaining('exceeds') });
  });

  test('a silent server is unreachable after the timeout', async () => {
    const port = await start(() => undefined);
    await expect(probeVersion('127.0.0.1', port, 200)).resolves.toEqual({ kind: 'unreachable', reason: 'no answer within 200 ms' });
  });

  test('a closed port is unreachable', async () => {
    const port = await start((_req, res) => res.end(good));
    const s = servers.pop() as Server;
    await new Promise((resolve) => s.close(resolve));
    await expect(probeVersion('127.0.0.1', port, 2000)).resolves.toMatchObject({ kind: 'unreachable', reason: expect.stringContaining('ECONNREFUSED') });
  });
});

describe('ConcurrencyLimit', () => {
  test('never runs more than the limit at once and runs everything', async () => {
    const limit = new ConcurrencyLimit(3);
    let inFlight = 0;
    let peak = 0;
    const out = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7].map((n) =>
        limit.run(async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
          return n * 2;
        }),
      ),
    );
    expect(out).toEqual([2, 4, 6, 8, 10, 12, 14]);
    expect(peak).toBe(3);
  });
});
