// A loopback TCP port that was free a moment ago. The kernel picks it; a component that then fails to bind
// it is restarted on another one (see control-plane.ts), so the small race is harmless.
import { createServer } from 'node:net';

export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the kernel gave no loopback port'))));
    });
  });
}
