import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { describeRateLimitsContract } from '../rate-limits.contract';
import { RedisRateLimiter, RedisRateLimits } from './redis-rate-limits';

const url = () => process.env['REDIS_URL'] as string;

describeRateLimitsContract('redis', (keyPrefix) => RedisRateLimits.connect(url(), { keyPrefix }));

describe('RedisRateLimits', () => {
  it('fails fast naming the URL when Redis is unreachable', async () => {
    await expect(RedisRateLimits.connect('redis://127.0.0.1:1', { keyPrefix: 'x:' })).rejects.toThrow(
      /redis:\/\/127\.0\.0\.1:1.*unreachable/,
    );
  });

  it('keeps limiting per process while Redis is down, instead of failing or admitting all', async () => {
    const client = new Redis(url(), { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    client.on('error', () => undefined);
    await client.connect();
    const limiter = new RedisRateLimiter(client, `test:${randomUUID()}:`, {
      name: 'down',
      points: 2,
      durationMs: 5_000,
    });
    client.disconnect();
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push((await limiter.consume('k')).allowed);
    expect(decisions).toEqual([true, true, false]);
  });

  it('keys every counter under the prefix, with an expiry', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const limits = await RedisRateLimits.connect(url(), { keyPrefix });
    const probe = new Redis(url());
    try {
      await limits.limiter({ name: 'ttl', points: 5, durationMs: 3_000 }).consume('u1');
      await limits.concurrency({ name: 'lease', max: 5, leaseMs: 3_000 }).acquire('u1', 'socket-1');
      const keys = (await probe.keys(`${keyPrefix}*`)).sort();
      expect(keys).toEqual([`${keyPrefix}lease:u1`, `${keyPrefix}ttl:u1`]);
      for (const key of keys) expect(await probe.pttl(key)).toBeGreaterThan(0);
    } finally {
      probe.disconnect();
      await limits.close();
    }
  });
});
