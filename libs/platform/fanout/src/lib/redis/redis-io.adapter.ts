import { INestApplicationContext, Logger } from '@nestjs/common';
import { LeanIoAdapter } from '../lean-io.adapter';
import { createAdapter } from '@socket.io/redis-adapter';
import Redis from 'ioredis';
import { decode } from 'notepack.io';
import { Server, ServerOptions } from 'socket.io';
import { connectRedis, pingRedis, quitRedis } from '@shopnest/platform-redis';
import { DEFAULT_SOCKET_IO_KEY } from '../fanout.config';
import { RoomEmit, RoomEmitListeners, RoomEmitSource } from '../room-emit-source';
import { AdapterRedisClient } from './adapter-redis-client';

export interface RedisIoAdapterOptions {
  url: string;
  /** Redis channel prefix; must equal the emitters' key (default `socket.io`). */
  key?: string;
  /** Defaults for every socket.io server this adapter creates; a gateway's own options win. */
  server?: Partial<ServerOptions>;
  /**
   * Told of each command the socket.io adapter sent without awaiting it that failed (a room
   * broadcast's PUBLISH while Redis is away, say): for a metric. Failures are also logged, at most
   * one line per 10 s, with how many failed.
   */
  onCommandFailure?: (command: string, error: Error) => void;
}

/** At most one log line per this long about failed adapter commands, with how many failed. */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Nest WebSocket adapter whose socket.io servers share rooms across edge processes through Redis
 * (classic `@socket.io/redis-adapter`, which also receives what {@link RedisEmitterFanout} publishes).
 *
 * Lifecycle: `await connect()` before `app.useWebSocketAdapter()`; it fails fast naming the URL.
 * Nest closes each server with `close(server)` and then calls `dispose()`, which quits both Redis
 * connections (idempotent). For one process without Redis, use Nest's plain `IoAdapter`.
 *
 * As a {@link RoomEmitSource} it reports every room emit the Redis adapter receives (the workers'), right after
 * the adapter handed it to the room's sockets: it listens to the subscriber connection it owns,
 * after the adapter's own listener (same connection, so same order), and decodes the message as
 * the adapter does (msgpack `[uid, packet, { rooms }]`, `@socket.io/redis-adapter`'s default
 * parser). `redis-io.adapter.int-spec.ts` runs the source contract against the real adapter, so a
 * release that changes the protocol fails it.
 *
 * @example
 * const adapter = new RedisIoAdapter(app, { url, key: 'socket.io', server: { transports: ['websocket'] } });
 * await adapter.connect();
 * app.useWebSocketAdapter(adapter);
 * readiness.register('redis-adapter', () => adapter.ping());
 */
export class RedisIoAdapter extends LeanIoAdapter implements RoomEmitSource {
  private readonly logger = new Logger(RedisIoAdapter.name);
  private clients: { pub: Redis; sub: Redis } | undefined;
  /** Adapter commands failed since the last log line about them, and when that line was written. */
  private unloggedFailures = 0;
  private lastFailureLog = -Infinity;
  private adapterConstructor: ReturnType<typeof createAdapter> | undefined;
  private readonly roomEmits = new RoomEmitListeners();
  private readonly restoredListeners = new Set<() => void>();

  constructor(
    appOrHttpServer: INestApplicationContext | object | undefined,
    private readonly options: RedisIoAdapterOptions,
  ) {
    super(appOrHttpServer);
  }

  /** Opens the publish and subscribe connections; rejects (naming the URL) when Redis is unreachable. */
  async connect(): Promise<void> {
    if (this.clients) return;
    const pub = await connectRedis(this.options.url, { connectionName: 'socket.io-pub' }, AdapterRedisClient);
    let sub: AdapterRedisClient;
    try {
      // A second connection: once subscribed, a Redis connection can no longer publish.
      sub = await connectRedis(this.options.url, { connectionName: 'socket.io-sub' }, AdapterRedisClient);
    } catch (error) {
      await quitRedis(pub);
      throw error;
    }
    pub.onUnawaitedFailure = sub.onUnawaitedFailure = (command, error) => this.commandFailed(command, error);
    this.clients = { pub, sub };
    this.watchFeed(sub);
    this.adapterConstructor = createAdapter(pub, sub, {
      key: this.options.key ?? DEFAULT_SOCKET_IO_KEY,
    });
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    if (!this.adapterConstructor) throw new Error('RedisIoAdapter: await connect() before creating a socket.io server');
    const server: Server = super.createIOServer(port, {
      ...this.options.server,
      ...options,
    });
    server.adapter(this.adapterConstructor);
    // Registered after the adapter's own listener on the same connection: it runs right after the
    // adapter delivered each message to the room's sockets, in the same order.
    const channel = `${this.options.key ?? DEFAULT_SOCKET_IO_KEY}#${server.of('/').name}#`;
    this.clients?.sub.on('pmessageBuffer', (_pattern: Buffer, from: Buffer, message: Buffer) => {
      const name = from.toString();
      if (!name.startsWith(channel)) return;
      // `<key>#/#<room>#` carries one room: skip decoding unless someone listens to it.
      const room = name.slice(channel.length, -1);
      if (room === '' || this.roomEmits.wants(room)) this.report(message);
    });
    return server;
  }

  onRoomEmit(listener: (emit: RoomEmit) => void, rooms?: (room: string) => boolean): () => void {
    return this.roomEmits.add(listener, rooms);
  }

  onFeedRestored(listener: () => void): () => void {
    this.restoredListeners.add(listener);
    return () => void this.restoredListeners.delete(listener);
  }

  /**
   * ioredis reconnects the subscriber by itself and re-sends its (P)SUBSCRIBEs, but emits published
   * while it was away are lost to this edge. The listeners hear of it before the restored feed hands
   * any emit to a socket: a client that got a newer delivery first would resume after it, past the
   * lost ones. So the first message after a cut restores synchronously, from a listener that runs
   * before the adapter's own; a PING confirms a quiet feed.
   */
  private watchFeed(sub: Redis): void {
    let cut = false;
    const restore = (): void => {
      if (!cut) return;
      cut = false;
      for (const listener of [...this.restoredListeners]) {
        try {
          listener();
        } catch {
          // A listener's failure is its own; the others still resume their clients.
        }
      }
    };
    sub.on('close', () => (cut = true));
    sub.prependListener('pmessageBuffer', restore);
    sub.on('ready', () => {
      if (!cut) return;
      // ioredis emits 'ready' and then re-sends the subscriptions in the same tick: a PING sent on
      // the next one follows them, so its answer proves them active.
      const confirm = (): void => {
        pingRedis(sub, 2_000).then(restore, () => sub.status === 'ready' && confirm());
      };
      setImmediate(confirm);
    });
  }

  /** A room broadcast (or a (un)subscription) that did not reach Redis: its sockets elsewhere miss it. */
  private commandFailed(command: string, error: Error): void {
    this.options.onCommandFailure?.(command, error);
    this.unloggedFailures++;
    const now = performance.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.logger.warn(
      `${this.unloggedFailures} socket.io adapter command(s) failed (last: ${command.toUpperCase()}: ${error.message}); broadcasts meanwhile did not reach other edges`,
    );
    this.unloggedFailures = 0;
    this.lastFailureLog = now;
  }

  private report(message: Buffer): void {
    let decoded: unknown;
    try {
      decoded = decode(message);
    } catch {
      return; // not ours to judge: the adapter drops what it cannot decode too
    }
    const [, packet, opts] = decoded as [
      unknown,
      { type?: number; data?: unknown[] } | undefined,
      { rooms?: string[] } | undefined,
    ];
    // EVENT packets only (type 2), as emitted with a name and one payload.
    if (packet?.type !== 2 || !Array.isArray(packet.data) || typeof packet.data[0] !== 'string') return;
    const [name, payload] = packet.data as [string, unknown];
    for (const room of opts?.rooms ?? []) this.roomEmits.notify({ room, name, payload });
  }

  /**
   * Readiness: both connections answer PING. Resolving also proves that the subscriptions of every
   * server created before the call are active (Redis answers one connection's commands in order).
   */
  async ping(): Promise<void> {
    if (!this.clients) throw new Error('RedisIoAdapter is not connected');
    await Promise.all([pingRedis(this.clients.pub), pingRedis(this.clients.sub)]);
  }

  /** Quits both Redis connections; Nest calls it after closing the servers. Idempotent. */
  override async dispose(): Promise<void> {
    const clients = this.clients;
    this.clients = undefined;
    this.adapterConstructor = undefined;
    if (clients) await Promise.all([quitRedis(clients.pub), quitRedis(clients.sub)]);
  }
}
