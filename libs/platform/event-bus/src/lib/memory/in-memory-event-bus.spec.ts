import { testEnvelope, uniqueName, waitFor } from '@shopnest/testing';
import { describeEventBusContract } from '../event-bus.contract';
import { IncomingMessage } from '../event-bus.port';
import { InMemoryEventBus } from './in-memory-event-bus';

describeEventBusContract('in-memory', async () => {
  const bus = new InMemoryEventBus({ redeliveryDelayMs: 10 });
  return { bus, topic: () => uniqueName('test') };
});

describe('InMemoryEventBus specifics', () => {
  it('starts a new group at the end of the topic unless fromBeginning', async () => {
    const bus = new InMemoryEventBus();
    await bus.publish('t', [{ key: 'k', event: testEnvelope('k', 0) }]);
    const latest: IncomingMessage[] = [];
    const earliest: IncomingMessage[] = [];
    await bus.consume({ topic: 't', group: 'latest', handler: async (m) => void latest.push(m) });
    await bus.consume({
      topic: 't',
      group: 'earliest',
      fromBeginning: true,
      handler: async (m) => void earliest.push(m),
    });
    await bus.publish('t', [{ key: 'k', event: testEnvelope('k', 1) }]);
    await waitFor(() => latest.length === 1 && earliest.length === 2, 1000);
    expect(latest.map((m) => m.kind === 'event' && m.event.sequence)).toEqual([1]);
    await bus.close();
  });

  it('does not share objects between publisher and consumer', async () => {
    const bus = new InMemoryEventBus();
    const event = testEnvelope('k', 0, { items: [1] });
    const received: IncomingMessage[] = [];
    await bus.consume({ topic: 't', group: 'g', fromBeginning: true, handler: async (m) => void received.push(m) });
    await bus.publish('t', [{ key: 'k', event }]);
    (event.data as { items: number[] }).items.push(2);
    await waitFor(() => received.length === 1, 1000);
    expect(received[0]?.kind === 'event' && received[0].event.data).toEqual({ items: [1] });
    await bus.close();
  });
});
