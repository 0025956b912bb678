// @ts-check
// Baseline: a bare socket.io server with the edge's default server options (WebSocket and
// long-polling, 64 KiB payload limit, 25 s / 20 s keep-alive) and no auth, limits or metrics.
// It speaks just enough of the protocol to be compared fairly: a user room on connect (named by
// the client), `subscribe` that joins a room and acks. BENCH_REDIS_URL adds @socket.io/redis-adapter.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';

const port = Number(process.env['PORT']);
const redisUrl = process.env['BENCH_REDIS_URL'];

const http = createServer();
const io = new Server(http, {
  transports: ['websocket', 'polling'],
  maxHttpBufferSize: 65_536,
  pingInterval: 25_000,
  pingTimeout: 20_000,
});
/** @type {Redis[]} */
const clients = [];
if (redisUrl) {
  const pub = new Redis(redisUrl, { lazyConnect: true });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  clients.push(pub, sub);
  io.adapter(createAdapter(pub, sub, { key: process.env['SOCKET_IO_KEY'] ?? 'socket.io' }));
}

io.on('connection', (socket) => {
  const userId = typeof socket.handshake.auth?.['userId'] === 'string' ? socket.handshake.auth['userId'] : socket.id;
  void socket.join(`user:${userId}`);
  socket.on('subscribe', (/** @type {{ channel?: unknown }} */ payload, /** @type {unknown} */ ack) => {
    if (typeof payload?.channel === 'string') void socket.join(payload.channel);
    if (typeof ack === 'function') ack({ ok: true, channel: payload?.channel });
  });
});

http.listen(port, '127.0.0.1', () => process.send?.({ type: 'ready', port }));

const shutdown = () => {
  io.close();
  clients.forEach((client) => client.disconnect());
  setTimeout(() => process.exit(0), 100).unref();
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
