import { connectRedis, pingRedis, quitRedis } from '@shopnest/platform-redis';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { consumeWith } from '../consume-with';
import {
  checkPolicy,
  ConcurrencyDecision,
  ConcurrencyLimiter,
  ConcurrencyPolicy,
  Lease,
  RateLimitDecision,
  RateLimiter,
  RateLimitPolicy,
  RateLimits,
} from '../rate-limits.port';

/**
 * A shared budget (rate-limiter-flexible's Redis store: one atomic Lua INCR + expiry per call),
 * with an in-memory budget of the same policy as its insurance while Redis is unreachable.
 */
export class RedisRateLimiter extends RateLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(client: Redis, keyPrefix: string, policy: RateLimitPolicy) {
    super();
    checkPolicy(policy);
    const options = {
      keyPrefix: `${keyPrefix}${policy.name}`,
      points: policy.points,
      duration: policy.durationMs / 1000,
    };
    this.limiter = new RateLimiterRedis({
      ...options,
      storeClient: client,
      // Do not queue behind a reconnecting client: use the insurance at once.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }

  consume(key: string, points = 1): Promise<RateLimitDecision> {
    return consumeWith(this.limiter, key, points);
  }
}

// Leases are a sorted set per key: member = holder, score = expiry in Redis' own clock (TIME), so
// the edges' clocks never matter. Expired members are swept before counting.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const ACQUIRE = `${NOW}
local lease = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local held = redis.call('ZCARD', KEYS[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if held >= tonumber(ARGV[3]) then return {0, held} end
  held = held + 1
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
return {1, held}`;
const REFRESH = `${NOW}
local lease = tonumber(ARGV[2])
if redis.call('ZADD', KEYS[1], 'XX', 'CH', now + lease, ARGV[1]) == 1 then redis.call('PEXPIRE', KEYS[1], lease) end
return 0`;

interface LeaseCommands {
  shopnestLeaseAcquire(key: string, holder: string, leaseMs: number, max: number): Promise<[number, number]>;
  shopnestLeaseRefresh(key: string, holder: string, leaseMs: number): Promise<number>;
}

/** Concurrent holders per key across every process, as leases in a Redis sorted set (Lua, atomic). */
export class RedisConcurrencyLimiter extends ConcurrencyLimiter {
  private readonly commands: LeaseCommands;

  constructor(
    private readonly client: Redis,
    private readonly keyPrefix: string,
    private readonly policy: ConcurrencyPolicy,
  ) {
    super();
    checkPolicy(policy);
    client.defineCommand('shopnestLeaseAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    client.defineCommand('shopnestLeaseRefresh', { numberOfKeys: 1, lua: REFRESH });
    this.commands = client as unknown as LeaseCommands;
  }

  async acquire(key: string, holder: string): Promise<ConcurrencyDecision> {
    const [allowed, held] = await this.commands.shopnestLeaseAcquire(
      this.key(key),
      holder,
      this.policy.leaseMs,
      this.policy.max,
    );
    return { allowed: allowed === 1, held };
  }

  async release(key: string, holder: string): Promise<void> {
    await this.client.zrem(this.key(key), holder);
  }

  async refresh(leases: readonly Lease[]): Promise<void> {
    await Promise.all(
      leases.map(({ key, holder }) => this.commands.shopnestLeaseRefresh(this.key(key), holder, this.policy.leaseMs)),
    );
  }

  private key(key: string): string {
    return `${this.keyPrefix}${this.policy.name}:${key}`;
  }
}

/**
 * Limits shared by every process through one Redis connection. Keys are
 * `<keyPrefix><policy name>:<key>`, and every key expires with its window or lease.
 *
 * @example
 * const limits = await RedisRateLimits.connect('redis://127.0.0.1:6379', { keyPrefix: 'shopnest:rl:' });
 */
export class RedisRateLimits extends RateLimits {
  constructor(
    private readonly client: Redis,
    private readonly keyPrefix: string,
  ) {
    super();
  }

  /** Connects (failing fast, naming the URL) and returns limits on that connection, which `close()` quits. */
  static async connect(url: string, options: { keyPrefix: string }): Promise<RedisRateLimits> {
    return new RedisRateLimits(await connectRedis(url, { connectionName: 'rate-limit' }), options.keyPrefix);
  }

  limiter(policy: RateLimitPolicy): RateLimiter {
    return new RedisRateLimiter(this.client, this.keyPrefix, policy);
  }

  concurrency(policy: ConcurrencyPolicy): ConcurrencyLimiter {
    return new RedisConcurrencyLimiter(this.client, this.keyPrefix, policy);
  }

  ping(): Promise<void> {
    return pingRedis(this.client);
  }

  close(): Promise<void> {
    return quitRedis(this.client);
  }
}
