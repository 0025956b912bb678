import {
  DynamicModule,
  Inject,
  Module,
  OnApplicationShutdown,
  Provider,
} from '@nestjs/common';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { FanoutConfig } from './fanout.config';
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
 * The fanout is closed on application shutdown, unless it was passed in as `options.shared`.
 *
 * @example
 * FanoutModule.forRoot(parseEnv(fanoutEnvSchema, process.env))
 */
export interface FanoutModuleOptions {
  /**
   * A local fanout the caller built and closes, used as the `local` adapter: in the one-process
   * mode the worker pushes into the edge's socket.io server through it (see `LocalIoAdapter`).
   */
  shared?: LocalFanout;
}

/** Whether the module built its adapter (and so closes it). */
const OWNS_FANOUT = Symbol('FanoutModule.ownsFanout');

@Module({})
export class FanoutModule implements OnApplicationShutdown {
  constructor(
    private readonly fanout: Fanout,
    @Inject(OWNS_FANOUT) private readonly ownsFanout: boolean,
  ) {}

  static forRoot(config: FanoutConfig, options: FanoutModuleOptions = {}): DynamicModule {
    const { shared } = options;
    const owns = { provide: OWNS_FANOUT, useValue: !shared };
    if (config.driver === 'local' || shared) {
      return {
        module: FanoutModule,
        global: true,
        providers: [
          shared ? { provide: LocalFanout, useValue: shared } : LocalFanout,
          { provide: Fanout, useExisting: LocalFanout },
          owns,
        ],
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
      providers: [redisFanout, owns],
      exports: [Fanout],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsFanout) await this.fanout.close();
  }
}
