import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { Fanout } from './fanout.port';
import { FanoutModule } from './fanout.module';
import { RedisEmitterFanout } from './redis/redis-emitter-fanout';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Stands in for ObservabilityModule, which also brings logging and HTTP controllers. */
@Global()
@Module({ providers: [ReadinessRegistry], exports: [ReadinessRegistry] })
class ReadinessModule {}

const redisConfig = (url: string) =>
  ({
    driver: 'redis',
    redis: { url, keyPrefix: `test:${Date.now()}` },
  }) as const;

describe('FanoutModule.forRoot({ driver: "redis" })', () => {
  it('connects at init, registers the "redis" readiness probe, and closes on shutdown', async () => {
    const app = await Test.createTestingModule({
      imports: [ReadinessModule, FanoutModule.forRoot(redisConfig(REDIS_URL))],
    }).compile();
    await app.init();
    const fanout = app.get(Fanout);
    expect(fanout).toBeInstanceOf(RedisEmitterFanout);
    const probes = new Map(app.get(ReadinessRegistry).entries());
    await expect(probes.get('redis')?.()).resolves.toBeUndefined();

    await app.close();
    await expect(
      fanout.emit({
        channel: 'order:1',
        event: { type: 'order.created' } as never,
      }),
    ).rejects.toThrow(/closed/);
  });

  it('stops start-up naming the URL when Redis is unreachable', async () => {
    await expect(
      Test.createTestingModule({
        imports: [ReadinessModule, FanoutModule.forRoot(redisConfig('redis://127.0.0.1:1'))],
      }).compile(),
    ).rejects.toThrow('Redis at redis://127.0.0.1:1 unreachable');
  });
});
