// A stand-in workload for harness tests that need some HTTP process in a pod: it answers every GET with
// the pod's name, so a test can tell which pod served it. Listens on $PORT (default 8080), all addresses
// of the pod's network namespace; exits cleanly on SIGTERM like a well-behaved container.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? '8080');
const podName = process.env.HOSTNAME ?? 'unknown-pod';

const server = createServer((req, res) => {
  res.setHeader('content-type', 'text/plain');
  res.end(req.url === '/healthz' ? 'ok\n' : `hello from ${podName}\n`);
});

server.listen(port, '0.0.0.0', () => console.log(`echo-server ${podName} listening on :${port}`));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
