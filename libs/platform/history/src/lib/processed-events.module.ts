import { DynamicModule, Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { HISTORY_DRIVERS, HistoryConfig } from './history.config';
import { InMemoryProcessedEvents } from './memory/in-memory-processed-events';
import { ProcessedEvents } from './processed-events.port';
import { RedisProcessedEvents } from './redis/redis-processed-events';

/**
 * Provides {@link ProcessedEvents} (global) on the store the history config names (`HISTORY=redis|memory`,
 * `HISTORY_DEDUPE_TTL_S`, `HISTORY_KEY_PREFIX`), for a consumer that skips events it already
 * handled. With `redis` it opens its own connection while the app initialises (an unreachable
 * Redis stops start-up naming the URL); the store is closed on application shutdown.
 *
 * @example
 * imports: [HistoryModule.forRoot(config.history), ProcessedEventsModule.forRoot(config.history)]
 */
@Global()
@Module({})
export class ProcessedEventsModule implements OnApplicationShutdown {
  constructor(private readonly processed: ProcessedEvents) {}

  static forRoot(config: HistoryConfig): DynamicModule {
    const { dedupeTtlMs } = config.limits;
    let useFactory: () => ProcessedEvents | Promise<ProcessedEvents>;
    switch (config.driver) {
      case 'memory':
        useFactory = () => new InMemoryProcessedEvents(dedupeTtlMs);
        break;
      case 'redis': {
        const { url, keyPrefix } = config.redis;
        useFactory = () => RedisProcessedEvents.connect(url, { ttlMs: dedupeTtlMs, keyPrefix });
        break;
      }
      default:
        throw new Error(
          `ProcessedEventsModule: unknown driver ${JSON.stringify((config as { driver: unknown }).driver)}; use ${HISTORY_DRIVERS.join('|')}`,
        );
    }
    return {
      module: ProcessedEventsModule,
      providers: [{ provide: ProcessedEvents, useFactory }],
      exports: [ProcessedEvents],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.processed.close();
  }
}
