import { Delivery } from '@shopnest/contracts';
import Redis from 'ioredis';
import { connectRedis, pingRedis, quitRedis } from '@shopnest/platform-redis';
import { DEFAULT_SOCKET_IO_KEY } from '../fanout.config';
import { EmitOptions, Fanout } from '../fanout.port';
import { emitterMessage } from './emitter-message';

export interface RedisEmitterFanoutOptions {
  /** Redis channel prefix shared with the edges' adapter (default `socket.io`). */
  key?: string;
}

/**
 * {@link Fanout} for services without sockets: publishes to Redis what `@socket.io/redis-emitter`
 * encodes (see {@link emitterMessage}),
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
  private readonly key: string;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    options: RedisEmitterFanoutOptions = {},
  ) {
    super();
    this.key = options.key ?? DEFAULT_SOCKET_IO_KEY;
  }

  /** Opens a fail-fast Redis connection (see {@link connectRedis}) and a fanout that owns it. */
  static async connect(url: string, options: RedisEmitterFanoutOptions = {}): Promise<RedisEmitterFanout> {
    return new RedisEmitterFanout(await connectRedis(url, { connectionName: 'fanout-emitter' }), options);
  }

  async emit(delivery: Delivery, options: EmitOptions = {}): Promise<void> {
    if (this.closed) throw new Error('RedisEmitterFanout is closed');
    const { channel, message } = emitterMessage(
      this.key,
      delivery.channel,
      delivery.event.type,
      delivery,
      options.volatile,
    );
    await this.redis.publish(channel, message);
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
