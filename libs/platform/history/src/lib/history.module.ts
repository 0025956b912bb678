import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { ReadinessRegistry } from '@shopnest/platform-observability';
import { ChannelHistory } from './channel-history.port';
import { HISTORY_DRIVERS, HistoryConfig } from './history.config';
import { InMemoryHistory } from './memory/in-memory-history';
import { RedisStreamsHistory } from './redis/redis-streams-history';

/**
 * Provides {@link ChannelHistory} (global) with the adapter `config.driver` names. With `redis`,
 * it connects while the app initialises (an unreachable Redis stops start-up naming the URL) and
 * registers the readiness probe `history` when the app has `ObservabilityModule`. It is closed on
 * application shutdown, unless `shared`. A consumer that also skips handled events imports
 * `ProcessedEventsModule` beside it (the edge does not, and so opens no connection for it).
 *
 * @example
 * HistoryModule.forRoot(parseEnv(historyEnvSchema, process.env))
 */
export interface HistoryModuleOptions {
  /**
   * A history the caller built and closes, used instead of one built from the config: the
   * one-process mode shares one in-memory history between the worker (appends) and the edge
   * (replays). The module does not close it.
   */
  shared?: ChannelHistory;
}

/** Whether the module built its ChannelHistory (and so closes it). */
const OWNS_HISTORY = Symbol('HistoryModule.ownsHistory');

@Global()
@Module({})
export class HistoryModule implements OnApplicationShutdown {
  constructor(
    private readonly history: ChannelHistory,
    @Inject(OWNS_HISTORY) private readonly ownsHistory: boolean,
  ) {}

  static forRoot(config: HistoryConfig, options: HistoryModuleOptions = {}): DynamicModule {
    if (!(HISTORY_DRIVERS as readonly string[]).includes(config.driver)) {
      throw new Error(
        `HistoryModule: unknown driver ${JSON.stringify(config.driver)}; use ${HISTORY_DRIVERS.join('|')}`,
      );
    }
    const { limits } = config;
    const { shared } = options;
    const owns = { provide: OWNS_HISTORY, useValue: !shared };
    if (config.driver === 'memory' || shared) {
      return {
        module: HistoryModule,
        providers: [{ provide: ChannelHistory, useFactory: () => shared ?? new InMemoryHistory(limits) }, owns],
        exports: [ChannelHistory],
      };
    }
    const { url, keyPrefix } = config.redis;
    return {
      module: HistoryModule,
      providers: [
        {
          provide: ChannelHistory,
          inject: [{ token: ReadinessRegistry, optional: true }],
          useFactory: async (readiness?: ReadinessRegistry) => {
            const history = await RedisStreamsHistory.connect(url, { ...limits, keyPrefix });
            readiness?.register('history', () => history.ping());
            return history;
          },
        },
        owns,
      ],
      exports: [ChannelHistory],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.ownsHistory) await this.history.close();
  }
}
