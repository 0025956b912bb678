import { RedisIoAdapter } from '@shopnest/platform-fanout';
import { runId } from '@shopnest/testing';
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { describeChannelPublisherContract } from '../channel-publisher.contract';
import { RedisChannelPublisher } from './redis-channel-publisher';
import { RedisStreamsHistory } from './redis-streams-history';

const redisUrl = process.env['REDIS_URL'] ?? '';
if (!redisUrl) throw new Error('REDIS_URL is not set (the int-test globalSetup provides it)');

/** One edge process: a listening socket.io server on the socket.io Redis adapter. */
async function startEdge(key: string): Promise<{ server: Server; stop(): Promise<void> }> {
  const httpServer = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const adapter = new RedisIoAdapter(httpServer, { url: redisUrl, key });
  await adapter.connect();
  const server = adapter.createIOServer(0);
  await adapter.ping(); // its subscription is active before the first publish
  return {
    server,
    stop: async () => {
      await adapter.close(server);
      await adapter.dispose();
    },
  };
}

describeChannelPublisherContract(
  'RedisChannelPublisher ×3 (worker replicas) → two edges on the socket.io Redis adapter',
  async () => {
    const run = runId();
    const key = `int-publisher:${run}:io`;
    const keyPrefix = `int-publisher:${run}:history:`;
    const edges = await Promise.all([startEdge(key), startEdge(key)]);
    // Three replicas, each on its own connection as its own process would be.
    const histories = await Promise.all([1, 2, 3].map(() => RedisStreamsHistory.connect(redisUrl, { keyPrefix })));
    const publishers = histories.map((history) => new RedisChannelPublisher(history, { socketIoKey: key }));
    const history = await RedisStreamsHistory.connect(redisUrl, { keyPrefix });
    return {
      publishers,
      history,
      servers: edges.map((edge) => edge.server),
      cleanup: async () => {
        await Promise.all([history, ...histories].map((h) => h.close()));
        await Promise.all(edges.map((edge) => edge.stop()));
      },
    };
  },
);
