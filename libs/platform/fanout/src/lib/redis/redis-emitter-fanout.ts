import { Emitter } from '@socket.io/redis-emitter';
import { Delivery } from '@shopnest/contracts';
import Redis from 'ioredis';
import { EmitOptions, Fanout } from '../fanout.port';
import { connectRedis, pingRedis, quitRedis } from './redis-connection';

/** socket.io's default Redis key prefix; the edges' {@link RedisIoAdapter} must use the same one. */
export const DEFAULT_SOCKET_IO_KEY = 'socket.io';

export interface RedisEmitterFanoutOptions {
  /** Redis channel prefix shared with the edges' adapter (default `socket.io`). */
  key?: string;
}

/**
 * {@link Fanout} for services without sockets: publishes to Redis with `@socket.io/redis-emitter`,
 * and every edge whose {@link RedisIoAdapter} uses the same `key` delivers to its sockets in the room.
 *
 * Guarantees beyond the port: `emit()` resolves once Redis accepted the PUBLISH and rejects when it
 * did not (after the client's `maxRetriesPerRequest`). Emits share one connection, so Redis keeps
 * their order. The edges must use the classic adapter: the sharded one ignores plain PUBLISH.
 * The fanout owns its Redis client; `close()` quits it.
 *
 * @example
 * const fanout = await RedisEmitterFanout.connect('redis://127.0.0.1:6379', { key: 'socket.io' });
 * await fanout.emit({ channel: 'order:42', event });
 * await fanout.close();
 */
export class RedisEmitterFanout extends Fanout {
  private readonly publisher: CapturingPublisher;
  private readonly emitter: Emitter;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    options: RedisEmitterFanoutOptions = {},
  ) {
    super();
    this.publisher = new CapturingPublisher(redis);
    this.emitter = new Emitter(this.publisher, {
      key: options.key ?? DEFAULT_SOCKET_IO_KEY,
    });
  }

  /** Opens a fail-fast Redis connection (see {@link connectRedis}) and a fanout that owns it. */
  static async connect(
    url: string,
    options: RedisEmitterFanoutOptions = {},
  ): Promise<RedisEmitterFanout> {
    return new RedisEmitterFanout(
      await connectRedis(url, { connectionName: 'fanout-emitter' }),
      options,
    );
  }

  async emit(delivery: Delivery, options: EmitOptions = {}): Promise<void> {
    if (this.closed) throw new Error('RedisEmitterFanout is closed');
    const room = this.emitter.to(delivery.channel);
    (options.volatile ? room.volatile : room).emit(
      delivery.event.type,
      delivery,
    );
    await this.publisher.takeLast();
  }

  /** Readiness: Redis answers PING. */
  ping(): Promise<void> {
    return pingRedis(this.redis);
  }

  async close(): Promise<void> {
    this.closed = true;
    await quitRedis(this.redis);
  }
}

/** The emitter calls `publish` and drops the reply; keeping it lets `emit()` await and report it. */
class CapturingPublisher {
  private last: Promise<number> | undefined;

  constructor(private readonly redis: Redis) {}

  publish(channel: string, message: Buffer | string): void {
    this.last = this.redis.publish(channel, message);
  }

  takeLast(): Promise<number> {
    const last = this.last;
    this.last = undefined;
    if (!last) throw new Error('redis-emitter published nothing');
    return last;
  }
}
