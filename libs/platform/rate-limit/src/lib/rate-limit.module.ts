import { DynamicModule, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { InMemoryRateLimits } from './memory/in-memory-rate-limits';
import { RATE_LIMIT_STORES, RateLimitConfig } from './rate-limit.config';
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
    return { module: RateLimitModule, global: true, providers: [provider(config)], exports: [RateLimits] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.limits.close();
  }
}

function provider(config: RateLimitConfig): Provider {
  switch (config.driver) {
    case 'memory':
      return { provide: RateLimits, useValue: new InMemoryRateLimits() };
    case 'redis':
      return {
        provide: RateLimits,
        inject: [ReadinessRegistry],
        useFactory: async (readiness: ReadinessRegistry) => {
          const limits = await RedisRateLimits.connect(config.url, { keyPrefix: config.keyPrefix });
          readiness.register('rate-limit', () => limits.ping());
          return limits;
        },
      };
    default:
      throw new Error(
        `RateLimitModule: unknown driver ${JSON.stringify((config as { driver: unknown }).driver)}; use ${RATE_LIMIT_STORES.join('|')}`,
      );
  }
}
