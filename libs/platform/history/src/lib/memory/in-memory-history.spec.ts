import { testEnvelope } from '@shopnest/testing';
import { describeChannelHistoryContract } from '../channel-history.contract';
import { describeProcessedEventsContract } from '../processed-events.contract';
import { compareOffsets } from '../offsets';
import { InMemoryHistory } from './in-memory-history';
import { InMemoryProcessedEvents } from './in-memory-processed-events';

describeChannelHistoryContract('in-memory', async (limits) => ({
  history: new InMemoryHistory(limits),
  compare: compareOffsets,
}));

describeProcessedEventsContract('in-memory', async (ttlMs) => new InMemoryProcessedEvents(ttlMs));

describe('InMemoryHistory specifics', () => {
  it('issues increasing offsets within one millisecond and when the clock steps back', async () => {
    let now = 1_700_000_000_000;
    const history = new InMemoryHistory({ now: () => now });
    const offsets = [
      await history.append('order:1', testEnvelope('o', 0)),
      await history.append('order:1', testEnvelope('o', 1)),
    ];
    now -= 5; // NTP step back: offsets must still increase
    offsets.push(await history.append('order:1', testEnvelope('o', 2)));

    expect(offsets).toEqual(['1700000000000-0', '1700000000000-1', '1700000000000-2']);
  });

  it('forgets an appended id after dedupeTtlMs, on a fake clock', async () => {
    let now = 1_700_000_000_000;
    const history = new InMemoryHistory({ now: () => now, dedupeTtlMs: 1000 });
    const event = testEnvelope('o', 0);
    const first = await history.append('order:1', event);
    now += 1001;

    expect(await history.append('order:1', event)).not.toBe(first);
  });
});
