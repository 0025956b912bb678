// The test load balancer's own process (see load-balancer.ts). It runs apart from the test so that
// the 2,000 clients a drain test hosts cannot delay its accepts: the arrival times it records are
// the clients', not the test process's backlog.
import { connect, createServer } from 'node:net';

const backends = JSON.parse(process.argv[2] ?? '[]');
const ready = new Map();
const open = new Set();
const connections = [];
let next = 0;

async function poll() {
  await Promise.all(
    backends.map(async (backend) => {
      try {
        const response = await fetch(`${backend.url}/health/ready`, { signal: AbortSignal.timeout(500) });
        await response.body?.cancel();
        ready.set(backend.name, response.ok);
      } catch {
        ready.set(backend.name, false);
      }
    }),
  );
}

function route(client) {
  const candidates = backends.filter((backend) => ready.get(backend.name));
  if (candidates.length === 0) {
    client.destroy();
    return;
  }
  const backend = candidates[next++ % candidates.length];
  connections.push({ backend: backend.name, at: Date.now() });
  const { hostname, port } = new URL(backend.url);
  const upstream = connect(Number(port), hostname);
  for (const [a, b] of [
    [client, upstream],
    [upstream, client],
  ]) {
    open.add(a);
    a.pipe(b);
    a.on('error', () => b.destroy());
    a.on('close', () => {
      open.delete(a);
      b.destroy();
    });
  }
}

await poll();
const poller = setInterval(() => void poll(), 100);
const server = createServer(route);
server.listen(0, '127.0.0.1', () => process.send?.({ type: 'listening', port: server.address().port }));

process.on('message', (message) => {
  if (message?.type === 'log') process.send?.({ type: 'log', id: message.id, connections });
  if (message?.type === 'stop') {
    clearInterval(poller);
    for (const socket of open) socket.destroy();
    server.close(() => process.exit(0));
  }
});
// The test process died without stopping us: do not linger.
process.on('disconnect', () => process.exit(0));
