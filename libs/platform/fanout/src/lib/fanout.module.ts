import { DynamicModule, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { FANOUT_DRIVERS, FanoutConfig } from './fanout.config';
import { Fanout } from './fanout.port';
import { LocalFanout } from './local/local-fanout';
import { RedisEmitterFanout } from './redis/redis-emitter-fanout';

/**
 * Provides {@link Fanout} (global) with the adapter the config picks.
 *
 * - `redis`: {@link RedisEmitterFanout}; connects while the app initialises, so an unreachable
 *   Redis stops start-up naming the URL; registers the readiness probe `redis` (needs
 *   `ObservabilityModule`).
 * - `local`: {@link LocalFanout}, also injectable as `LocalFanout` so the gateway can `attach()` its server.
 *
 * The fanout is closed on application shutdown.
 *
 * @example
 * FanoutModule.forRoot(parseEnv(fanoutEnvSchema, process.env))
 */
@Module({})
export class FanoutModule implements OnApplicationShutdown {
  constructor(private readonly fanout: Fanout) {}

  static forRoot(config: FanoutConfig): DynamicModule {
    if (!(FANOUT_DRIVERS as readonly string[]).includes(config.driver)) {
      throw new Error(`FanoutModule: unknown driver ${JSON.stringify(config.driver)}; use ${FANOUT_DRIVERS.join('|')}`);
    }
    if (config.driver === 'local') {
      return {
        module: FanoutModule,
        global: true,
        providers: [LocalFanout, { provide: Fanout, useExisting: LocalFanout }],
        exports: [Fanout, LocalFanout],
      };
    }
    const redisFanout: Provider = {
      provide: Fanout,
      inject: [ReadinessRegistry],
      useFactory: async (readiness: ReadinessRegistry) => {
        const fanout = await RedisEmitterFanout.connect(config.redis.url, {
          key: config.redis.keyPrefix,
        });
        readiness.register('redis', () => fanout.ping());
        return fanout;
      },
    };
    return {
      module: FanoutModule,
      global: true,
      providers: [redisFanout],
      exports: [Fanout],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.fanout.close();
  }
}
