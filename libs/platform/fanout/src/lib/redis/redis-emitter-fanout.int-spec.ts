import { describeFanoutContract } from '../fanout.contract';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { RedisEmitterFanout } from './redis-emitter-fanout';
import { RedisIoAdapter } from './redis-io.adapter';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** One "edge process": a listening socket.io server on its own Redis adapter connections. */
async function startEdge(key: string): Promise<{ server: Server; stop(): Promise<void> }> {
  const httpServer = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const adapter = new RedisIoAdapter(httpServer, { url: REDIS_URL, key });
  await adapter.connect();
  const server = adapter.createIOServer(0);
  // Its subscription must be active before the first emit, or that emit is lost.
  await adapter.ping();
  return {
    server,
    stop: async () => {
      await adapter.close(server);
      await adapter.dispose();
    },
  };
}

describeFanoutContract(
  'RedisEmitterFanout → two RedisIoAdapter servers',
  async () => {
    const key = `test:${Date.now()}:${randomUUID()}`;
    const edges = await Promise.all([startEdge(key), startEdge(key)]);
    const fanout = await RedisEmitterFanout.connect(REDIS_URL, { key });
    return {
      fanout,
      servers: edges.map((edge) => edge.server),
      cleanup: async () => {
        await Promise.all(edges.map((edge) => edge.stop()));
      },
    };
  },
  { multiServer: true },
);
