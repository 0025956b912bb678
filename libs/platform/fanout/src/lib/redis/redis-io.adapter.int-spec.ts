import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
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
    await expect(adapter.connect()).rejects.toThrow(
      'Redis at redis://127.0.0.1:1 unreachable',
    );
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
