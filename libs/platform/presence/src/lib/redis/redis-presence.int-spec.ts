import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { describePresenceContract } from '../presence.contract';
import { RedisPresence } from './redis-presence';

const url = () => process.env['REDIS_URL'] as string;

describePresenceContract('redis', (keyPrefix, ttlMs) => RedisPresence.connect(url(), { keyPrefix, ttlMs }), {
  shared: true,
});

describe('RedisPresence', () => {
  it('fails fast naming the URL when Redis is unreachable', async () => {
    await expect(RedisPresence.connect('redis://127.0.0.1:1', { keyPrefix: 'x:', ttlMs: 1_000 })).rejects.toThrow(
      /redis:\/\/127\.0\.0\.1:1.*unreachable/,
    );
  });

  it('leaves no keys behind once every member left', async () => {
    const keyPrefix = `test:${randomUUID()}:`;
    const presence = await RedisPresence.connect(url(), { keyPrefix, ttlMs: 5_000 });
    const probe = new Redis(url());
    try {
      const tab = { channel: 'support:agents', userId: 'agent-1', connectionId: 's1' };
      await presence.join(tab, { roles: ['agent'], status: 'online' });
      expect(await probe.keys(`${keyPrefix}*`)).toHaveLength(3);
      // Every key expires by itself should every edge die before sweeping.
      for (const key of await probe.keys(`${keyPrefix}*`)) {
        if (!key.endsWith('lapse')) expect(await probe.pttl(key)).toBeGreaterThan(0);
      }
      await presence.leave(tab);
      expect(await probe.keys(`${keyPrefix}*`)).toEqual([]);
    } finally {
      probe.disconnect();
      await presence.close();
    }
  });
});
