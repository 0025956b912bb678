import { testEnvelope, uniqueName, waitFor } from '@shopnest/testing';
import { describeEventBusContract } from '../event-bus.contract';
import { Kafka, logLevel, Partitioners, Producer } from 'kafkajs';
import { IncomingMessage } from '../event-bus.port';
import { KafkaEventBus, KafkaEventBusOptions } from './kafka-event-bus';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
if (brokers.length === 0) throw new Error('KAFKA_BROKERS is not set (the int-test globalSetup provides it)');

const quiet = { error: () => undefined, warn: () => undefined, log: () => undefined };

/** Group timings shrunk so joins and rebalances take well under a second. */
const testOptions = (): KafkaEventBusOptions => ({
  brokers,
  clientId: 'event-bus-int-test',
  logger: quiet,
  consumer: { sessionTimeout: 6000, rebalanceTimeout: 3000, heartbeatInterval: 200, maxWaitTimeInMs: 200 },
  joinTimeoutMs: 20_000,
});

// A plain producer writes the bytes the bus's own encoder never would; same partitioner as the bus.
let raw: Producer;
beforeAll(async () => {
  raw = new Kafka({ brokers, clientId: 'event-bus-int-test-raw', logLevel: logLevel.NOTHING }).producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await raw.connect();
});
afterAll(async () => {
  await raw.disconnect();
});

describeEventBusContract(
  'kafka',
  async () => {
    const bus = new KafkaEventBus(testOptions());
    await bus.connect();
    return {
      bus,
      topic: async () => {
        const topic = uniqueName('test.event-bus');
        await bus.ensureTopics([{ topic, numPartitions: 3 }]);
        return topic;
      },
      publishRaw: async (topic, record) => {
        await raw.send({
          topic,
          acks: -1,
          messages: [{ key: record.key, value: record.value, headers: record.headers }],
        });
      },
    };
  },
  { waitMs: 15_000, settleMs: 500 },
);

describe('KafkaEventBus start-up and probes', () => {
  it('fails fast at connect, naming the brokers, when Kafka is unreachable', async () => {
    const bus = new KafkaEventBus({ ...testOptions(), brokers: ['127.0.0.1:1'] });
    const started = Date.now();
    await expect(bus.connect()).rejects.toThrow(/^Kafka at 127\.0\.0\.1:1 unreachable: /);
    expect(Date.now() - started).toBeLessThan(3000);
    await bus.close();
  });

  it('answers ping when Kafka is up, and is ready for the topics it ensured', async () => {
    const bus = new KafkaEventBus(testOptions());
    await bus.connect();
    await expect(bus.ping()).resolves.toBeUndefined();
    const topic = uniqueName('test.event-bus');
    await bus.ensureTopics([{ topic, numPartitions: 3 }]);
    await bus.ensureTopics([{ topic, numPartitions: 3 }]); // existing topics are left alone
    await bus.close();
    await expect(bus.ping()).rejects.toThrow(/closed/);
  });
});

describe('KafkaEventBus keys side by side', () => {
  it("handles different keys of one partition at the same time, at most keysConsumedConcurrently, each key's messages in order", async () => {
    const bus = new KafkaEventBus({
      ...testOptions(),
      consumer: { ...testOptions().consumer, keysConsumedConcurrently: 3 },
    });
    const topic = uniqueName('test.event-bus');
    await bus.ensureTopics([{ topic, numPartitions: 1 }]);
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
    let inHand = 0;
    let most = 0;
    const order = new Map<string, number[]>();
    try {
      await bus.consume({
        topic,
        group: uniqueName('g'),
        fromBeginning: true,
        handler: async (m) => {
          if (m.kind !== 'event') return;
          most = Math.max(most, ++inHand);
          await new Promise((resolve) => setTimeout(resolve, 20));
          inHand--;
          order.set(m.event.subject, [...(order.get(m.event.subject) ?? []), m.event.sequence]);
        },
      });
      // One publish, so one fetch most likely brings the whole partition's 24 messages in one batch.
      await bus.publish(
        topic,
        [0, 1, 2, 3].flatMap((sequence) => keys.map((key) => ({ key, event: testEnvelope(key, sequence) }))),
      );
      await waitFor(() => keys.every((key) => (order.get(key)?.length ?? 0) >= 4), 15_000);

      expect(most).toBeGreaterThan(1);
      expect(most).toBeLessThanOrEqual(3);
      for (const key of keys) expect(order.get(key)).toEqual([0, 1, 2, 3]);
    } finally {
      await bus.close();
    }
  }, 30_000);
});

describe('KafkaEventBus consumer resilience', () => {
  it('redelivers after a handler bug (a TypeError), which kafkajs alone treats as fatal', async () => {
    const bus = new KafkaEventBus(testOptions());
    const topic = uniqueName('test.event-bus');
    await bus.ensureTopics([{ topic, numPartitions: 3 }]);
    const received: IncomingMessage[] = [];
    await bus.consume({
      topic,
      group: uniqueName('g'),
      fromBeginning: true,
      handler: async (message) => {
        received.push(message);
        if (received.length === 1) throw new TypeError('a bug, on purpose');
      },
    });
    await bus.publish(
      topic,
      [0, 1].map((sequence) => ({ key: 'order-1', event: testEnvelope('order-1', sequence) })),
    );
    await waitFor(() => received.length >= 3, 15_000);
    expect(received.map((m) => m.kind === 'event' && m.event.sequence)).toEqual([0, 0, 1]);
    await bus.close();
  });
});

describe('KafkaEventBus consumer concurrency', () => {
  it("handles another partition's message while one partition's message is still in hand", async () => {
    const options = testOptions();
    const bus = new KafkaEventBus({ ...options, consumer: { ...options.consumer, partitionsConsumedConcurrently: 3 } });
    const topic = uniqueName('test.event-bus');
    await bus.ensureTopics([{ topic, numPartitions: 3 }]);
    // Published before consuming, so that the first fetch carries every partition's records: kafkajs
    // fetches again only once a fetch's batches are all handled, so a partition whose records came
    // in a later fetch would wait behind the held one.
    // Ten keys: with three partitions, at least two of them receive one.
    await bus.publish(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ key: `order-${i}`, event: testEnvelope(`order-${i}`, 1) })),
    );
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let heldPartition: number | undefined;
    const others: number[] = [];
    await bus.consume({
      topic,
      group: uniqueName('g'),
      fromBeginning: true,
      handler: async (message) => {
        if (heldPartition === undefined) {
          heldPartition = message.partition;
          await held; // only another partition's message can release it
        } else if (message.partition !== heldPartition) {
          others.push(message.partition);
          release();
        }
      },
    });
    try {
      await waitFor(() => others.length > 0, 15_000);
    } finally {
      release();
      await bus.close();
    }
  });
});

describe('KafkaEventBus namespaces', () => {
  it('keeps two namespaces on one cluster apart while callers use the same topic name', async () => {
    const topic = uniqueName('test.event-bus');
    const [blue, green] = [uniqueName('blue') + '.', uniqueName('green') + '.'].map(
      (namespace) => new KafkaEventBus({ ...testOptions(), namespace }),
    );
    const seen: Record<string, string[]> = { blue: [], green: [] };
    for (const [name, bus] of [
      ['blue', blue],
      ['green', green],
    ] as const) {
      await bus.ensureTopics([{ topic, numPartitions: 1 }]);
      await bus.consume({
        topic,
        group: 'same-group',
        fromBeginning: true,
        handler: async (message) => {
          expect(message.topic).toBe(topic);
          if (message.kind === 'event') seen[name].push(message.event.id);
        },
      });
    }
    const blueEvent = testEnvelope('order-blue', 1);
    const greenEvent = testEnvelope('order-green', 1);
    await blue.publish(topic, [{ key: 'order-blue', event: blueEvent }]);
    await green.publish(topic, [{ key: 'order-green', event: greenEvent }]);

    await waitFor(() => seen['blue'].length > 0 && seen['green'].length > 0, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen).toEqual({ blue: [blueEvent.id], green: [greenEvent.id] });
    await Promise.all([blue.close(), green.close()]);
  });
});
