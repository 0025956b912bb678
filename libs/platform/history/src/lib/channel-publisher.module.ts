import { DynamicModule, Module } from '@nestjs/common';
import { FanoutConfig, LocalFanout } from '@shopnest/platform-fanout';
import { ChannelHistory } from './channel-history.port';
import { ChannelPublisher } from './channel-publisher.port';
import { HistoryConfig } from './history.config';
import { InMemoryHistory } from './memory/in-memory-history';
import { LocalChannelPublisher } from './memory/local-channel-publisher';
import { RedisChannelPublisher } from './redis/redis-channel-publisher';
import { RedisStreamsHistory } from './redis/redis-streams-history';

/**
 * Provides {@link ChannelPublisher} (global) over the app's `ChannelHistory` (from `HistoryModule`), with
 * the adapter the two configs name together: `HISTORY=redis` + `FANOUT=redis` on one Redis gives
 * `RedisChannelPublisher` (the cluster); `HISTORY=memory` + `FANOUT=local` gives
 * `LocalChannelPublisher` into `localFanout`, the one-process mode's edge server. Any other pair
 * cannot append and push in one step and stops start-up, saying why.
 *
 * @example
 * imports: [HistoryModule.forRoot(config.history), ChannelPublisherModule.forRoot(config.history, config.fanout)]
 */
@Module({})
export class ChannelPublisherModule {
  static forRoot(
    history: HistoryConfig,
    fanout: FanoutConfig,
    options: { localFanout?: LocalFanout } = {},
  ): DynamicModule {
    const pair = `HISTORY=${history.driver} with FANOUT=${fanout.driver}`;
    if (history.driver === 'redis' && fanout.driver === 'redis' && history.redis.url !== fanout.redis.url) {
      throw new Error(`ChannelPublisherModule: history and fanout must share one Redis to publish atomically`);
    }
    if (fanout.driver === 'local' && !options.localFanout) {
      throw new Error('ChannelPublisherModule: FANOUT=local needs the LocalFanout of the one-process mode');
    }
    return {
      module: ChannelPublisherModule,
      global: true,
      providers: [
        {
          provide: ChannelPublisher,
          inject: [ChannelHistory],
          useFactory: (kept: ChannelHistory): ChannelPublisher => {
            if (fanout.driver === 'redis' && kept instanceof RedisStreamsHistory) {
              return new RedisChannelPublisher(kept, { socketIoKey: fanout.redis.keyPrefix });
            }
            if (fanout.driver === 'local' && options.localFanout && kept instanceof InMemoryHistory) {
              return new LocalChannelPublisher(kept, options.localFanout);
            }
            throw new Error(
              `ChannelPublisherModule: ${pair} cannot append and push in one step; use redis with redis (cluster) or memory with local (one process)`,
            );
          },
        },
      ],
      exports: [ChannelPublisher],
    };
  }
}
