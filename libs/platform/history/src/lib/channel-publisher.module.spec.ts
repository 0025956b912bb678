import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { LocalFanout } from '@shopnest/platform-fanout';
import { ChannelPublisher } from './channel-publisher.port';
import { ChannelPublisherModule } from './channel-publisher.module';
import { DEFAULT_HISTORY_LIMITS } from './channel-history.port';
import { HistoryModule } from './history.module';
import { LocalChannelPublisher } from './memory/local-channel-publisher';

@Injectable()
class NeedsPublisher {
  constructor(readonly publisher: ChannelPublisher) {}
}

/** A domain module that imports nothing: the publisher reaches it because the module is global. */
@Module({ providers: [NeedsPublisher] })
class DomainModule {}

const memory = { driver: 'memory', limits: DEFAULT_HISTORY_LIMITS } as const;

describe('ChannelPublisherModule', () => {
  it('provides the local publisher to every module for memory history with local fanout', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        HistoryModule.forRoot(memory),
        ChannelPublisherModule.forRoot(memory, { driver: 'local' }, { localFanout: new LocalFanout() }),
        DomainModule,
      ],
    }).compile();
    expect(moduleRef.get(NeedsPublisher).publisher).toBeInstanceOf(LocalChannelPublisher);
  });

  it('refuses a pair that cannot append and push in one step, and local fanout without the process’s LocalFanout', async () => {
    const redis = { driver: 'redis', redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'socket.io' } } as const;
    await expect(
      Test.createTestingModule({
        imports: [HistoryModule.forRoot(memory), ChannelPublisherModule.forRoot(memory, redis)],
      }).compile(),
    ).rejects.toThrow(/HISTORY=memory with FANOUT=redis cannot append and push in one step/);
    expect(() => ChannelPublisherModule.forRoot(memory, { driver: 'local' })).toThrow(
      /FANOUT=local needs the LocalFanout/,
    );
  });
});
