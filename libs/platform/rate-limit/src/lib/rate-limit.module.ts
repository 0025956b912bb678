import { DynamicModule, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { InMemoryRateLimits } from './memory/in-memory-rate-limits';
import { RateLimitConfig } from './rate-limit.config';
import { RateLimits } from './rate-limits.port';
import { RedisRateLimits } from './redis/redis-rate-limits';

/**
 * Provides {@link RateLimits} (global) on the store the config picks. `redis` connects while
 * the app initialises (an unreachable Redis stops start-up, naming the URL) and registers the
 * readiness probe `rate-limit` (needs `ObservabilityModule`). The store is closed on shutdown.
 *
 * @example
 * RateLimitModule.forRoot({ driver: 'redis', url: config.redis.url, keyPrefix: 'shopnest:rl:' })
 */
@Module({})
export class RateLimitModule implements OnApplicationShutdown {
  constructor(private readonly limits: RateLimits) {}

  static forRoot(config: RateLimitConfig): DynamicModule {
    const provider: Provider =
      config.driver === 'memory'
        ? { provide: RateLimits, useValue: new InMemoryRateLimits() }
        : {
            provide: RateLimits,
            inject: [ReadinessRegistry],
            useFactory: async (readiness: ReadinessRegistry) => {
              const limits = await RedisRateLimits.connect(config.url, { keyPrefix: config.keyPrefix });
              readiness.register('rate-limit', () => limits.ping());
              return limits;
            },
          };
    return { module: RateLimitModule, global: true, providers: [provider], exports: [RateLimits] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.limits.close();
  }
}
