import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { Server, ServerOptions } from 'socket.io';
import { DEFAULT_SOCKET_IO_KEY } from './redis-emitter-fanout';
import { connectRedis, pingRedis, quitRedis } from './redis-connection';

export interface RedisIoAdapterOptions {
  url: string;
  /** Redis channel prefix; must equal the emitters' key (default `socket.io`). */
  key?: string;
  /** Defaults for every socket.io server this adapter creates; a gateway's own options win. */
  server?: Partial<ServerOptions>;
}

/**
 * Nest WebSocket adapter whose socket.io servers share rooms across edge processes through Redis
 * (classic `@socket.io/redis-adapter`, which also receives what {@link RedisEmitterFanout} publishes).
 *
 * Lifecycle: `await connect()` before `app.useWebSocketAdapter()`; it fails fast naming the URL.
 * Nest closes each server with `close(server)` and then calls `dispose()`, which quits both Redis
 * connections (idempotent). For one process without Redis, use Nest's plain `IoAdapter`.
 *
 * @example
 * const adapter = new RedisIoAdapter(app, { url, key: 'socket.io', server: { transports: ['websocket'] } });
 * await adapter.connect();
 * app.useWebSocketAdapter(adapter);
 * readiness.register('redis-adapter', () => adapter.ping());
 */
export class RedisIoAdapter extends IoAdapter {
  private clients: { pub: Redis; sub: Redis } | undefined;
  private adapterConstructor: ReturnType<typeof createAdapter> | undefined;

  constructor(
    appOrHttpServer: INestApplicationContext | object | undefined,
    private readonly options: RedisIoAdapterOptions,
  ) {
    super(appOrHttpServer);
  }

  /** Opens the publish and subscribe connections; rejects (naming the URL) when Redis is unreachable. */
  async connect(): Promise<void> {
    if (this.clients) return;
    const pub = await connectRedis(this.options.url, {
      connectionName: 'socket.io-pub',
    });
    let sub: Redis;
    try {
      // A second connection: once subscribed, a Redis connection can no longer publish.
      sub = await connectRedis(this.options.url, {
        connectionName: 'socket.io-sub',
      });
    } catch (error) {
      await quitRedis(pub);
      throw error;
    }
    this.clients = { pub, sub };
    this.adapterConstructor = createAdapter(pub, sub, {
      key: this.options.key ?? DEFAULT_SOCKET_IO_KEY,
    });
  }

  override createIOServer(
    port: number,
    options?: Partial<ServerOptions>,
  ): Server {
    if (!this.adapterConstructor)
      throw new Error(
        'RedisIoAdapter: await connect() before creating a socket.io server',
      );
    const server: Server = super.createIOServer(port, {
      ...this.options.server,
      ...options,
    });
    server.adapter(this.adapterConstructor);
    return server;
  }

  /**
   * Readiness: both connections answer PING. Resolving also proves that the subscriptions of every
   * server created before the call are active (Redis answers one connection's commands in order).
   */
  async ping(): Promise<void> {
    if (!this.clients) throw new Error('RedisIoAdapter is not connected');
    await Promise.all([
      pingRedis(this.clients.pub),
      pingRedis(this.clients.sub),
    ]);
  }

  /** Quits both Redis connections; Nest calls it after closing the servers. Idempotent. */
  override async dispose(): Promise<void> {
    const clients = this.clients;
    this.clients = undefined;
    this.adapterConstructor = undefined;
    if (clients)
      await Promise.all([quitRedis(clients.pub), quitRedis(clients.sub)]);
  }
}
