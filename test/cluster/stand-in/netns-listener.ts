// Run by the stand-in hub as `ip netns exec <pod netns> node netns-listener.js <port>`: binds the port inside
// the pod's network namespace and hands the listening socket to the hub over Node's IPC channel, then
// exits. The socket stays in the pod's namespace, so addresses, NetworkPolicies, a link taken down or
// netem act on the hub's connections exactly as on a real pod's.
import { createServer } from 'node:net';

const port = Number(process.argv[2]);
const send = process.send?.bind(process);
if (!send) throw new Error('netns-listener.js is started by the stand-in hub, with an IPC channel');
if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`netns-listener.js: no port to bind (got ${process.argv[2]})`);

const server = createServer();
server.on('error', (error) => send({ listening: false, message: error.message }, () => process.exit(1)));
server.listen({ host: '0.0.0.0', port, backlog: 511 }, () => send({ listening: true }, server, () => process.exit(0)));
