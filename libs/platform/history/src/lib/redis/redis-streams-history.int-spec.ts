import { runId, testEnvelope } from '@shopnest/testing';
import { describeChannelHistoryContract } from '../channel-history.contract';
import { describeProcessedEventsContract } from '../processed-events.contract';
import { connectRedis, quitRedis } from '@shopnest/platform-redis';
import { compareOffsets } from '../offsets';
import { RedisProcessedEvents } from './redis-processed-events';
import { RedisStreamsHistory } from './redis-streams-history';

const redisUrl = process.env['REDIS_URL'] ?? '';
if (!redisUrl) throw new Error('REDIS_URL is not set (the int-test globalSetup provides it)');

// Unique per run, so keys left by other runs (or other engineers' tests) are never read.
const prefix = `int-history:${runId()}:`;

describeChannelHistoryContract('redis-streams', async (limits) => ({
  history: await RedisStreamsHistory.connect(redisUrl, { ...limits, keyPrefix: prefix }),
  compare: compareOffsets,
}));

describeProcessedEventsContract('redis', async (ttlMs) =>
  RedisProcessedEvents.connect(redisUrl, { ttlMs, keyPrefix: prefix }),
);

describe('RedisStreamsHistory on Redis', () => {
  it('keeps its keys under the prefix, hash-tagged by channel, with expiries', async () => {
    const history = await RedisStreamsHistory.connect(redisUrl, {
      keyPrefix: prefix,
      maxAgeMs: 60_000,
      dedupeTtlMs: 30_000,
    });
    const redis = await connectRedis(redisUrl);
    const event = testEnvelope('o', 0);
    await history.append('order:keys', event);
    await history.keepLatestVolatile('order:keys', testEnvelope('o', 1));

    const keys = (await redis.keys(`${prefix}{order:keys}:*`)).sort();
    expect(keys).toEqual([
      `${prefix}{order:keys}:id:${event.id}`,
      `${prefix}{order:keys}:stream`,
      `${prefix}{order:keys}:volatile`,
    ]);
    for (const key of keys) expect(await redis.pttl(key)).toBeGreaterThan(0);
    expect(await redis.pttl(`${prefix}{order:keys}:id:${event.id}`)).toBeLessThanOrEqual(30_000);

    await quitRedis(redis);
    await history.close();
  });

  it('issues offsets that keep increasing across two writers on one channel', async () => {
    const [a, b] = await Promise.all([1, 2].map(() => RedisStreamsHistory.connect(redisUrl, { keyPrefix: prefix })));
    const offsets = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).append('order:two-writers', testEnvelope('o', i))),
    );
    const read = await a.readSince('order:two-writers');

    const readOffsets = read.events.map((e) => e.offset);
    expect(new Set(readOffsets)).toEqual(new Set(offsets));
    expect([...readOffsets].sort(compareOffsets)).toEqual(readOffsets);
    await Promise.all([a.close(), b.close()]);
  });
});
