import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Envelope } from '@shopnest/contracts';
import { testEnvelope, uniqueName, waitFor } from '@shopnest/testing';
import { Consumption, EventBus, IncomingMessage, RawRecord } from './event-bus.port';

/** What each test of the suite gets from the adapter under test; a fresh one per test. */
export interface EventBusFixture {
  bus: EventBus;
  /** A new, empty topic name for one test (the adapter may create it, e.g. with 3 partitions). */
  topic: () => string | Promise<string>;
  /** Writes a raw record to the topic for the malformed-message case; default `bus.publishRaw`. */
  publishRaw?: (topic: string, record: RawRecord) => Promise<void>;
  /** Runs after `bus.close()`. */
  cleanup?: () => Promise<void>;
}

export interface EventBusContractOptions {
  /** Bound on each wait for deliveries; real brokers need more than memory. Default 10000 ms. */
  waitMs?: number;
  /** How long to watch for unwanted extra deliveries once the wanted ones arrived. Default 300 ms. */
  settleMs?: number;
}

const eventsOf = (messages: IncomingMessage[]): Envelope[] =>
  messages.flatMap((m) => (m.kind === 'event' ? [m.event] : []));

/**
 * The behaviour every {@link EventBus} adapter must show; run it once per adapter, the real one
 * against a real server. Each test uses its own topic and groups.
 *
 * @example
 * describeEventBusContract('in-memory', async () => {
 *   const bus = new InMemoryEventBus();
 *   return { bus, topic: () => uniqueName('test') };
 * });
 */
export function describeEventBusContract(
  name: string,
  factory: () => Promise<EventBusFixture>,
  options: EventBusContractOptions = {},
): void {
  const waitMs = options.waitMs ?? 10_000;
  const settleMs = options.settleMs ?? 300;
  // Jest's own limit must outlast the waits, or a slow test dies without saying what it waited for.
  const testTimeout = waitMs * 3 + 5_000;

  describe(`EventBus contract: ${name}`, () => {
    let fx: EventBusFixture;
    let bus: EventBus;

    beforeEach(async () => {
      fx = await factory();
      bus = fx.bus;
    }, testTimeout);

    afterEach(async () => {
      await bus.close();
      await fx.cleanup?.();
    }, testTimeout);

    /** Starts a consumer recording what it receives; `fail` decides which deliveries reject. */
    async function record(
      topic: string,
      group: string,
      fail: (m: IncomingMessage) => boolean = () => false,
    ): Promise<{ received: IncomingMessage[]; consumption: Consumption }> {
      const received: IncomingMessage[] = [];
      const consumption = await bus.consume({
        topic,
        group,
        fromBeginning: true,
        handler: async (message) => {
          received.push(message);
          if (fail(message)) throw new Error('handler failure (on purpose)');
        },
      });
      return { received, consumption };
    }

    it(
      'delivers a published event with every envelope field intact',
      async () => {
        const topic = await fx.topic();
        const { received } = await record(topic, uniqueName('g'));
        const event = testEnvelope('order-1', 3, {
          orderId: 'order-1',
          nested: { list: [1, 'two', null] },
          text: 'ünï 🚚',
        });

        await bus.publish(topic, [{ key: 'order-1', event }]);
        await waitFor(() => received.length >= 1, waitMs);

        const [message] = received;
        expect(message).toMatchObject({ kind: 'event', topic, key: 'order-1', offset: expect.any(String) });
        expect(message?.kind === 'event' && message.event).toEqual(event);
        expect(typeof message?.partition).toBe('number');
      },
      testTimeout,
    );

    it(
      'keeps publish order per key: 200 events over 20 keys',
      async () => {
        const topic = await fx.topic();
        const { received } = await record(topic, uniqueName('g'));
        const keys = Array.from({ length: 20 }, (_, i) => `order-${i}`);

        // Ten publish calls, each carrying the next sequence of every key, interleaved.
        for (let sequence = 0; sequence < 10; sequence++) {
          await bus.publish(
            topic,
            keys.map((key) => ({ key, event: testEnvelope(key, sequence) })),
          );
        }
        await waitFor(() => received.length >= 200, waitMs);

        for (const key of keys) {
          const sequences = eventsOf(received)
            .filter((e) => e.subject === key)
            .map((e) => e.sequence);
          expect(sequences).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        }
        const partitionsOfKey = new Map<string, Set<number>>();
        for (const m of received)
          partitionsOfKey.set(m.key ?? '', (partitionsOfKey.get(m.key ?? '') ?? new Set()).add(m.partition));
        for (const partitions of partitionsOfKey.values()) expect(partitions.size).toBe(1);
      },
      testTimeout,
    );

    it(
      'gives every event to each of two groups',
      async () => {
        const topic = await fx.topic();
        const a = await record(topic, uniqueName('ga'));
        const b = await record(topic, uniqueName('gb'));
        const events = Array.from({ length: 30 }, (_, i) => testEnvelope(`order-${i % 7}`, i));

        await bus.publish(
          topic,
          events.map((event) => ({ key: event.subject, event })),
        );
        await waitFor(() => a.received.length >= 30 && b.received.length >= 30, waitMs);

        const ids = events.map((e) => e.id).sort();
        expect(
          eventsOf(a.received)
            .map((e) => e.id)
            .sort(),
        ).toEqual(ids);
        expect(
          eventsOf(b.received)
            .map((e) => e.id)
            .sort(),
        ).toEqual(ids);
      },
      testTimeout,
    );

    it(
      'shares a group between two members: every event once, to one of them',
      async () => {
        const topic = await fx.topic();
        const group = uniqueName('g');
        const first = await record(topic, group);
        const second = await record(topic, group);
        const events = Array.from({ length: 60 }, (_, i) => testEnvelope(`order-${i % 20}`, i));

        await bus.publish(
          topic,
          events.map((event) => ({ key: event.subject, event })),
        );
        const all = () => [...first.received, ...second.received];
        await waitFor(() => new Set(eventsOf(all()).map((e) => e.id)).size >= 60, waitMs);
        await new Promise((resolve) => setTimeout(resolve, settleMs)); // room for a duplicate to show

        expect(
          eventsOf(all())
            .map((e) => e.id)
            .sort(),
        ).toEqual(events.map((e) => e.id).sort());
        expect(first.received.length).toBeGreaterThan(0);
        expect(second.received.length).toBeGreaterThan(0);
      },
      testTimeout,
    );

    it(
      'redelivers a message whose handler rejected, then moves on (at-least-once)',
      async () => {
        const topic = await fx.topic();
        const events = [0, 1, 2].map((sequence) => testEnvelope('order-1', sequence));
        let failures = 0;
        const { received } = await record(topic, uniqueName('g'), (m) => {
          const fail = m.kind === 'event' && m.event.id === events[1]?.id && failures === 0;
          if (fail) failures++;
          return fail;
        });

        await bus.publish(
          topic,
          events.map((event) => ({ key: 'order-1', event })),
        );
        await waitFor(() => eventsOf(received).some((e) => e.id === events[2]?.id), waitMs);

        expect(eventsOf(received).map((e) => e.sequence)).toEqual([0, 1, 1, 2]);
      },
      testTimeout,
    );

    it(
      "hands one key's messages over one at a time, in order, however long each takes; a rejected one holds back its key's later ones",
      async () => {
        const topic = await fx.topic();
        const keys = ['order-a', 'order-b', 'order-c', 'order-d'];
        const busy = new Set<string>();
        const overlaps: string[] = [];
        const handled: Envelope[] = [];
        let failed = false;
        await bus.consume({
          topic,
          group: uniqueName('g'),
          fromBeginning: true,
          handler: async (m) => {
            if (m.kind !== 'event') return;
            const { subject, sequence } = m.event;
            if (busy.has(subject)) overlaps.push(`${subject}#${sequence}`);
            busy.add(subject);
            try {
              // Uneven durations, so a key whose messages were not kept apart would overtake itself.
              await new Promise((resolve) => setTimeout(resolve, 2 + ((sequence * 7) % 4) * 3));
              if (!failed && subject === 'order-b' && sequence === 2) {
                failed = true;
                throw new Error('handler failure (on purpose)');
              }
              handled.push(m.event);
            } finally {
              busy.delete(subject);
            }
          },
        });

        for (let sequence = 0; sequence < 6; sequence++) {
          await bus.publish(
            topic,
            keys.map((key) => ({ key, event: testEnvelope(key, sequence) })),
          );
        }
        const firsts = (key: string) => [...new Set(handled.filter((e) => e.subject === key).map((e) => e.sequence))];
        await waitFor(() => keys.every((key) => firsts(key).length === 6), waitMs);

        expect(overlaps).toEqual([]);
        // Redeliveries (at-least-once) may repeat a message; its first handling is in order.
        for (const key of keys) expect(firsts(key)).toEqual([0, 1, 2, 3, 4, 5]);
      },
      testTimeout,
    );

    it(
      'commits handled offsets: after stop(), the group resumes after them',
      async () => {
        const topic = await fx.topic();
        const group = uniqueName('g');
        // One key, so any redelivered old event would arrive before the new ones.
        const before = [0, 1, 2, 3, 4].map((sequence) => testEnvelope('order-1', sequence));
        const after = [5, 6, 7].map((sequence) => testEnvelope('order-1', sequence));

        const first = await record(topic, group);
        await bus.publish(
          topic,
          before.map((event) => ({ key: 'order-1', event })),
        );
        await waitFor(() => first.received.length >= 5, waitMs);
        await first.consumption.stop();

        const second = await record(topic, group);
        await bus.publish(
          topic,
          after.map((event) => ({ key: 'order-1', event })),
        );
        await waitFor(() => eventsOf(second.received).some((e) => e.sequence === 7), waitMs);

        expect(eventsOf(second.received).map((e) => e.sequence)).toEqual([5, 6, 7]);
      },
      testTimeout,
    );

    it(
      'hands undecodable records to the handler as malformed and keeps consuming',
      async () => {
        const publishRaw = fx.publishRaw ?? ((t: string, r: RawRecord) => bus.publishRaw(t, r));
        const topic = await fx.topic();
        const { received } = await record(topic, uniqueName('g'));
        const good = [testEnvelope('order-1', 0), testEnvelope('order-1', 1)];
        const notJson = Buffer.from('{"orderId": nope');
        const notAnEvent = Buffer.from(JSON.stringify({ orderId: 'order-1' }));

        await bus.publish(topic, [{ key: 'order-1', event: good[0] as Envelope }]);
        await publishRaw(topic, { key: 'order-1', value: notJson, headers: { 'content-type': 'application/json' } });
        await publishRaw(topic, { key: 'order-1', value: notAnEvent });
        await bus.publish(topic, [{ key: 'order-1', event: good[1] as Envelope }]);
        await waitFor(() => received.length >= 4, waitMs);

        expect(received.map((m) => m.kind)).toEqual(['event', 'malformed', 'malformed', 'event']);
        const [, first, second] = received;
        for (const [message, value] of [
          [first, notJson],
          [second, notAnEvent],
        ] as const) {
          expect(message).toMatchObject({
            kind: 'malformed',
            topic,
            key: 'order-1',
            reason: expect.stringMatching(/\S/),
          });
          expect(message?.kind === 'malformed' && message.value?.equals(value)).toBe(true);
        }
        expect(eventsOf(received).map((e) => e.id)).toEqual(good.map((e) => e.id));
      },
      testTimeout,
    );

    it(
      'publishRaw writes key, bytes and headers as given, in order with published events (dead letters)',
      async () => {
        const topic = await fx.topic();
        const { received } = await record(topic, uniqueName('g'));
        const before = testEnvelope('order-1', 0);
        const value = Buffer.from([0x7b, 0xff, 0x00, 0x22]); // not UTF-8, not JSON: bytes must survive as they are
        const headers = { 'dlq-reason': 'failed', 'dlq-error': 'push failed: ünï' };

        await bus.publish(topic, [{ key: 'order-1', event: before }]);
        await bus.publishRaw(topic, { key: 'order-1', value, headers });
        await waitFor(() => received.length >= 2, waitMs);

        const [, raw] = received;
        expect(raw).toMatchObject({ kind: 'malformed', topic, key: 'order-1', headers });
        expect(raw?.kind === 'malformed' && raw.value?.equals(value)).toBe(true);
        expect(received[0]?.kind === 'event' && received[0].event.id).toBe(before.id);
      },
      testTimeout,
    );

    it(
      'keeps the record as received beside a decoded event: forwarded with publishRaw, it decodes to the same event (dead letters)',
      async () => {
        const [source, target] = [await fx.topic(), await fx.topic()];
        const first = await record(source, uniqueName('g'));
        const event = testEnvelope('order-1', 0, { text: 'ünï' });

        await bus.publish(source, [{ key: 'order-1', event }]);
        await waitFor(() => first.received.length >= 1, waitMs);
        const [message] = first.received;
        if (message?.kind !== 'event') throw new Error(`expected an event, got ${message?.kind}`);
        const forwarded = await record(target, uniqueName('g'));
        await bus.publishRaw(target, { key: message.key, value: message.raw.value, headers: message.raw.headers });
        await waitFor(() => forwarded.received.length >= 1, waitMs);

        expect(forwarded.received[0]).toMatchObject({ kind: 'event', key: 'order-1', event });
      },
      testTimeout,
    );

    it(
      "reports the group's lag: messages not yet handled count, and it drops to zero once they are",
      async () => {
        const topic = await fx.topic();
        let release: () => void = () => undefined;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const handled: Envelope[] = [];
        const consumption = await bus.consume({
          topic,
          group: uniqueName('g'),
          fromBeginning: true,
          handler: async (message) => {
            await gate;
            if (message.kind === 'event') handled.push(message.event);
          },
        });
        const total = async () => (await consumption.lag()).reduce((sum, p) => sum + p.lag, 0);

        await bus.publish(
          topic,
          [0, 1, 2].map((sequence) => ({ key: 'order-1', event: testEnvelope('order-1', sequence) })),
        );
        await waitFor(async () => (await total()) === 3, waitMs);
        release();
        await waitFor(() => handled.length === 3, waitMs);
        await waitFor(async () => (await total()) === 0, waitMs);

        expect((await consumption.lag()).every((p) => typeof p.partition === 'number' && p.lag === 0)).toBe(true);
      },
      testTimeout,
    );

    it(
      'reads a topic outside any group: every record from the start, decoded as consume does, in offset order per partition',
      async () => {
        const publishRaw = fx.publishRaw ?? ((t: string, r: RawRecord) => bus.publishRaw(t, r));
        const topic = await fx.topic();
        const events = Array.from({ length: 12 }, (_, i) => testEnvelope(`order-${i % 4}`, i));
        await bus.publish(
          topic,
          events.map((event) => ({ key: event.subject, event })),
        );
        await publishRaw(topic, { key: 'order-0', value: Buffer.from('not json'), headers: { 'dlq-reason': 'x' } });

        const { messages, ends } = await bus.read({ topic });

        expect(
          eventsOf(messages)
            .map((e) => e.id)
            .sort(),
        ).toEqual(events.map((e) => e.id).sort());
        expect(messages.filter((m) => m.kind === 'malformed')).toEqual([
          expect.objectContaining({ kind: 'malformed', topic, key: 'order-0', headers: { 'dlq-reason': 'x' } }),
        ]);
        for (const partition of new Set(messages.map((m) => m.partition))) {
          const offsets = messages.filter((m) => m.partition === partition).map((m) => Number(m.offset));
          expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
          const end = ends.find((e) => e.partition === partition);
          expect(Number(end?.offset)).toBe(Math.max(...offsets) + 1);
        }
        // Each key's events come in publish order, as a consumer would see them.
        for (const key of ['order-0', 'order-1']) {
          const sequences = eventsOf(messages)
            .filter((e) => e.subject === key)
            .map((e) => e.sequence);
          expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
        }
      },
      testTimeout,
    );

    it(
      'reads page by page from given offsets, at most maxPerPartition each, without moving any group',
      async () => {
        const topic = await fx.topic();
        const events = [0, 1, 2, 3, 4].map((sequence) => testEnvelope('order-1', sequence));
        await bus.publish(
          topic,
          events.map((event) => ({ key: 'order-1', event })),
        );

        const first = await bus.read({ topic, maxPerPartition: 2 });
        expect(eventsOf(first.messages).map((e) => e.sequence)).toEqual([0, 1]);
        const [partition] = first.messages.map((m) => m.partition);
        const next = (m: IncomingMessage[]) => [
          { partition: partition as number, offset: String(Number(m[m.length - 1]?.offset) + 1) },
        ];
        const second = await bus.read({ topic, from: next(first.messages), maxPerPartition: 2 });
        expect(eventsOf(second.messages).map((e) => e.sequence)).toEqual([2, 3]);
        const third = await bus.read({ topic, from: next(second.messages), maxPerPartition: 2 });
        expect(eventsOf(third.messages).map((e) => e.sequence)).toEqual([4]);
        const after = await bus.read({ topic, from: third.ends });
        expect(after.messages).toEqual([]);

        // A group that starts now still gets every event: reading moved nothing.
        const { received } = await record(topic, uniqueName('g'));
        await waitFor(() => received.length >= 5, waitMs);
        expect(eventsOf(received).map((e) => e.sequence)).toEqual([0, 1, 2, 3, 4]);
      },
      testTimeout,
    );

    it(
      'reads a topic that does not exist as empty',
      async () => {
        await expect(bus.read({ topic: uniqueName('missing') })).resolves.toEqual({ messages: [], ends: [] });
      },
      testTimeout,
    );

    it(
      'closes idempotently, stopping consumers and refusing new work',
      async () => {
        const topic = await fx.topic();
        const { consumption } = await record(topic, uniqueName('g'));

        await Promise.all([bus.close(), bus.close()]);
        await bus.close();
        await consumption.stop(); // already stopped by close(): still resolves

        await expect(bus.publish(topic, [{ key: 'k', event: testEnvelope('k', 0) }])).rejects.toThrow();
      },
      testTimeout,
    );
  });
}
