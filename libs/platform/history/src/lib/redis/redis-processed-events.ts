import { connectRedis, pingRedis, quitRedis } from '@shopnest/platform-redis';
import Redis from 'ioredis';
import { ProcessedEvents } from '../processed-events.port';

export interface RedisProcessedEventsOptions {
  /** How long an id is remembered. */
  ttlMs: number;
  /** Prefix of the keys, `<prefix>processed:<eventId>`; default `history:`. */
  keyPrefix?: string;
}

/**
 * {@link ProcessedEvents} in Redis: one key per id with a TTL (`SET ... PX`), shared by every
 * replica. Memory is bounded by the ids of one TTL window (about 100 bytes each). Owns its
 * connection; `close()` quits it.
 *
 * @example
 * const processed = await RedisProcessedEvents.connect(url, { ttlMs: 3_600_000 });
 */
export class RedisProcessedEvents extends ProcessedEvents {
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisProcessedEventsOptions,
  ) {
    super();
  }

  static async connect(url: string, options: RedisProcessedEventsOptions): Promise<RedisProcessedEvents> {
    return new RedisProcessedEvents(await connectRedis(url, { connectionName: 'processed-events' }), options);
  }

  async has(eventId: string): Promise<boolean> {
    this.assertOpen();
    return (await this.redis.exists(this.key(eventId))) === 1;
  }

  async add(eventId: string): Promise<void> {
    this.assertOpen();
    await this.redis.set(this.key(eventId), '1', 'PX', this.options.ttlMs);
  }

  /** Readiness: Redis answers PING. */
  ping(): Promise<void> {
    return pingRedis(this.redis);
  }

  async close(): Promise<void> {
    this.closed = true;
    await quitRedis(this.redis);
  }

  private key(eventId: string): string {
    return `${this.options.keyPrefix ?? 'history:'}processed:${eventId}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('RedisProcessedEvents is closed');
  }
}
