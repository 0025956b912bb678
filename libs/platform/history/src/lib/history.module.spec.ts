import { Test } from '@nestjs/testing';
import { testEnvelope } from '@shopnest/testing';
import { ChannelHistory } from './channel-history.port';
import { HistoryConfig } from './history.config';
import { HistoryModule } from './history.module';
import { ProcessedEventsModule } from './processed-events.module';
import { InMemoryHistory } from './memory/in-memory-history';
import { InMemoryProcessedEvents } from './memory/in-memory-processed-events';
import { ProcessedEvents } from './processed-events.port';

const limits = { maxLength: 10, maxAgeMs: 60_000, dedupeTtlMs: 60_000 };

describe('HistoryModule', () => {
  it('provides the in-memory adapters for driver memory, with the limits, and closes them on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [HistoryModule.forRoot({ driver: 'memory', limits: { ...limits, maxLength: 1 } })],
    }).compile();
    await moduleRef.init();
    const history = moduleRef.get(ChannelHistory);
    expect(history).toBeInstanceOf(InMemoryHistory);
    expect(() => moduleRef.get(ProcessedEvents)).toThrow(); // ProcessedEventsModule's, for consumers that need it
    await history.append('order:1', testEnvelope('o', 0));
    await history.append('order:1', testEnvelope('o', 1));
    expect((await history.readSince('order:1')).events).toHaveLength(1);

    await moduleRef.close();
    await expect(history.latest('order:1')).rejects.toThrow(/closed/);
  });

  it('uses a shared history as given and leaves it open on shutdown, for its owner to close', async () => {
    const shared = new InMemoryHistory(limits);
    const moduleRef = await Test.createTestingModule({
      imports: [HistoryModule.forRoot({ driver: 'memory', limits }, { shared })],
    }).compile();
    await moduleRef.init();
    expect(moduleRef.get(ChannelHistory)).toBe(shared);
    await moduleRef.close();
    await expect(shared.latest('order:1')).resolves.toBeNull();
    await shared.close();
  });

  it('fails start-up naming the URL when Redis is unreachable', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        HistoryModule.forRoot({ driver: 'redis', limits, redis: { url: 'redis://127.0.0.1:1', keyPrefix: 'h:' } }),
      ],
    })
      .setLogger({ log: () => undefined, error: () => undefined, warn: () => undefined })
      .compile()
      .catch((error: unknown) => error);
    expect(String(moduleRef)).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1 unreachable/);
  });

  it('refuses an unknown driver before anything starts', () => {
    expect(() => HistoryModule.forRoot({ driver: 'postgres', limits } as unknown as HistoryConfig)).toThrow(
      /unknown driver "postgres"/,
    );
  });
});

describe('ProcessedEventsModule', () => {
  it('provides the in-memory store for driver memory, remembering ids for dedupeTtlMs, and closes it on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ProcessedEventsModule.forRoot({ driver: 'memory', limits })],
    }).compile();
    await moduleRef.init();
    const processed = moduleRef.get(ProcessedEvents);
    expect(processed).toBeInstanceOf(InMemoryProcessedEvents);
    await processed.add('e-1');
    expect(await processed.has('e-1')).toBe(true);

    await moduleRef.close();
    await expect(processed.has('e-1')).rejects.toThrow(/closed/);
  });

  it('refuses an unknown driver before anything starts', () => {
    expect(() => ProcessedEventsModule.forRoot({ driver: 'postgres', limits } as unknown as HistoryConfig)).toThrow(
      /unknown driver "postgres"/,
    );
  });
});
