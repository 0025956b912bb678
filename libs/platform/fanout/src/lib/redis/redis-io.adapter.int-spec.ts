import { Envelope } from '@shopnest/contracts';
import { dedicatedRedis, waitFor } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
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
      const event: Envelope = {
        specversion: '1.0',
        id: randomUUID(),
        type: 'test.emitted',
        source: '/test',
        subject: 'o-1',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        sequence: 1,
        data: {},
      };
      await fanout.emit({ channel: 'order:o-1', offset: '1-0', event });
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
