import { Envelope } from '@shopnest/contracts';
import { dedicatedRedis, waitFor } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Socket, connect as tcpConnect } from 'node:net';
import { RoomEmit } from '../room-emit-source';
import { describeRoomEmitSourceContract } from '../room-emit-source.contract';
import { RedisEmitterFanout } from './redis-emitter-fanout';
import { RedisIoAdapter } from './redis-io.adapter';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

describe('RedisIoAdapter', () => {
  it('refuses to create a server before connect()', () => {
    const adapter = new RedisIoAdapter(undefined, { url: REDIS_URL });
    expect(() => adapter.createIOServer(0)).toThrow(/await connect\(\)/);
  });

  it('fails fast on connect() naming the URL', async () => {
    const adapter = new RedisIoAdapter(undefined, {
      url: 'redis://127.0.0.1:1',
    });
    await expect(adapter.connect()).rejects.toThrow('Redis at redis://127.0.0.1:1 unreachable');
  });

  it('creates servers with its default options overridden by the gateway, answers ping, disposes idempotently', async () => {
    const httpServer = createServer();
    const adapter = new RedisIoAdapter(httpServer, {
      url: REDIS_URL,
      key: `test:${Date.now()}:${Math.random()}`,
      server: {
        maxHttpBufferSize: 4096,
        pingInterval: 5_000,
        transports: ['websocket'],
      },
    });
    await adapter.connect();
    const server = adapter.createIOServer(0, { pingInterval: 7_000 });

    expect(server.engine.opts).toMatchObject({
      maxHttpBufferSize: 4096,
      pingInterval: 7_000,
      transports: ['websocket'],
    });
    await expect(adapter.ping()).resolves.toBeUndefined();

    await adapter.close(server);
    await adapter.dispose();
    await adapter.dispose();
    await expect(adapter.ping()).rejects.toThrow(/not connected/);
  });

  it('reports onFeedRestored once its subscriptions are active again after Redis restarted (a Redis of its own)', async () => {
    const redis = await dedicatedRedis();
    await redis.start();
    const key = `test:${randomUUID()}`;
    const httpServer = createServer();
    const adapter = new RedisIoAdapter(httpServer, { url: redis.url, key });
    try {
      await adapter.connect();
      const server = adapter.createIOServer(0);
      await adapter.ping();
      let restored = 0;
      adapter.onFeedRestored(() => restored++);
      const seen: RoomEmit[] = [];
      adapter.onRoomEmit((emit) => seen.push(emit));

      await redis.kill();
      await redis.start();
      await waitFor(() => restored === 1, 20_000);
      // Active when it says so: an emit published right now reaches the room listener.
      const fanout = await RedisEmitterFanout.connect(redis.url, { key });
      await fanout.emit({ channel: 'order:o-1', offset: '1-0', event: testEvent('test.emitted') });
      await waitFor(() => seen.length === 1, 5_000);
      expect(seen[0]).toMatchObject({ room: 'order:o-1', name: 'test.emitted' });
      expect(restored).toBe(1);
      await fanout.close();
      await adapter.close(server);
    } finally {
      await adapter.dispose();
      await redis.remove();
    }
  }, 60_000);

  it('survives a room broadcast while its Redis is down: the failed PUBLISH is reported, never an unhandled rejection', async () => {
    const redis = await dedicatedRedis();
    await redis.start();
    const failures: string[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const adapter = new RedisIoAdapter(createServer(), {
      url: redis.url,
      key: `test:${randomUUID()}`,
      onCommandFailure: (command) => failures.push(command),
    });
    try {
      await adapter.connect();
      const server = adapter.createIOServer(0);
      await adapter.ping();

      await redis.kill();
      server.to('ticket:t-1').emit('typing', { userId: 'u-1' });
      // ioredis gives up on the queued PUBLISH after maxRetriesPerRequest reconnect attempts.
      await waitFor(() => failures.includes('publish'), 20_000);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      await adapter.close(server);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await adapter.dispose();
      await redis.remove();
    }
  }, 60_000);

  it('reports onFeedRestored before the restored feed hands its first emit to the room, even when both arrive in one read', async () => {
    // The PING that confirms the feed and the first message after it can arrive in one TCP read:
    // a client handed that message before the restore would resume after it, past what was lost.
    // A proxy cuts the subscriber's connection, then holds what Redis sends the reconnected one
    // (from its first PING or PSUBSCRIBE) until an emit was published, and passes it all in one write.
    const key = `test:${randomUUID()}`;
    const proxy = await holdingProxy(REDIS_URL);
    const httpServer = createServer();
    const adapter = new RedisIoAdapter(httpServer, { url: proxy.url, key });
    const fanout = await RedisEmitterFanout.connect(REDIS_URL, { key });
    try {
      await adapter.connect();
      const server = adapter.createIOServer(0);
      await adapter.ping();
      const order: string[] = [];
      adapter.onFeedRestored(() => order.push('restored'));
      adapter.onRoomEmit(({ name }) => order.push(name));

      proxy.cutAndHold();
      await waitFor(() => proxy.holding, 20_000);
      await fanout.emit({ channel: 'order:o-1', offset: '1-0', event: testEvent('test.first') });
      await new Promise((resolve) => setTimeout(resolve, 300)); // Redis has sent it to the held connection
      proxy.release();

      await waitFor(() => order.includes('test.first'), 5_000);
      expect(order).toEqual(['restored', 'test.first']);
      await adapter.close(server);
    } finally {
      await fanout.close();
      await adapter.dispose();
      await proxy.close();
    }
  }, 60_000);
});

describeRoomEmitSourceContract('RedisIoAdapter, fed by RedisEmitterFanout through Redis', async () => {
  const key = `test:${Date.now()}:${randomUUID()}`;
  const httpServer = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const adapter = new RedisIoAdapter(httpServer, { url: REDIS_URL, key });
  await adapter.connect();
  const server = adapter.createIOServer(0);
  await adapter.ping(); // its subscription is active before the first emit
  const fanout = await RedisEmitterFanout.connect(REDIS_URL, { key });
  return {
    fanout,
    server,
    source: adapter,
    cleanup: async () => {
      await adapter.close(server);
      await adapter.dispose();
    },
  };
});

function testEvent(type: string): Envelope {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type,
    source: '/test',
    subject: 'o-1',
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    sequence: 1,
    data: {},
  };
}

/**
 * A TCP proxy to Redis. `cutAndHold()` destroys the open connections; on the next ones, from the
 * first client write that carries a PING or PSUBSCRIBE, what Redis sends is held back until
 * `release()`, which passes it on in one write.
 */
async function holdingProxy(redisUrl: string) {
  const target = new URL(redisUrl);
  const open = new Set<Socket>();
  let armed = false;
  let held: { client: Socket; chunks: Buffer[] } | undefined;
  const server = createTcpServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname);
    open.add(client).add(upstream);
    const holdThis = armed;
    let holding = false;
    client.on('data', (chunk: Buffer) => {
      if (holdThis && !held && !holding && /ping|psubscribe/i.test(chunk.toString('latin1'))) {
        holding = true;
        held = { client, chunks: [] };
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (holding && held?.client === client) held.chunks.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    get holding() {
      return held !== undefined;
    },
    cutAndHold() {
      armed = true;
      for (const socket of open) socket.destroy();
    },
    release() {
      const { client, chunks } = held ?? { chunks: [] };
      held = undefined;
      armed = false;
      client?.write(Buffer.concat(chunks));
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
