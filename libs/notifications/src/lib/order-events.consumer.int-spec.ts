import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Delivery,
  ORDERS_DLQ_TOPIC,
  SUPPORT_TOPIC,
  CANARY_TOPIC,
  ORDERS_TOPIC,
  orderChannel,
  OrderEvent,
  OrderStatusChanged,
} from '@shopnest/contracts';
import { IncomingMessage, KafkaEventBus } from '@shopnest/platform-event-bus';
import { RedisIoAdapter } from '@shopnest/platform-fanout';
import { compareOffsets, RedisStreamsHistory } from '@shopnest/platform-history';
import { MetricsService } from '@shopnest/platform-observability';
import { runId, waitFor } from '@shopnest/testing';
import { createServer, Server as HttpServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { io as connectClient, Socket } from 'socket.io-client';
import { NotificationsConfig } from './notifications.config';
import { NotificationsModule } from './notifications.module';
import { DLQ_HEADERS } from './dlq/dead-letter-headers';
import { orderEvent } from './testing/order-event.fixture';
import { intServers, redisWorkerParts, testKafkaBus } from './testing/int-servers.fixture';
import { platformFixture } from './testing/platform.fixture';

const { brokers, redisUrl } = intServers();

// Unique per run: the Kafka namespace (topics and groups), Redis key and channel prefixes, order ids.
const run = runId();
const namespace = `int-notifications-${run}.`;
const keyPrefix = `int-notifications:${run}:`;

const newBus = (concurrency?: number) => testKafkaBus(brokers, namespace, 'notifications-int-test', concurrency);

const workerConfig = (group: string): NotificationsConfig => ({
  // From the beginning: the topic is this run's own, and no event can slip in before the first fetch.
  consumer: { group, fromBeginning: true, lagIntervalMs: 60_000 },
  retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
  canaryIntervalMs: 0,
});

/** One worker replica: its own bus, history and processed-event connections, as a process would have. */
async function startWorker(
  group: string,
  socketIoKey: string,
  concurrency?: number,
): Promise<{ app: INestApplication; history: RedisStreamsHistory; bus: KafkaEventBus }> {
  const bus = newBus(concurrency);
  const redis = await redisWorkerParts(redisUrl, { keyPrefix, socketIoKey, processedTtlMs: 60_000 });
  const { history, processed, publisher } = redis;
  const metrics = new MetricsService('notification-worker-int-test');
  const moduleRef = await Test.createTestingModule({
    imports: [
      platformFixture({
        bus,
        publisher,
        metrics,
        history,
        processed,
      }),
      NotificationsModule.forRoot(workerConfig(group)),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init(); // resolves once the consumer has joined its group
  const close = app.close.bind(app);
  app.close = async () => {
    await close();
    await Promise.all([bus.close(), redis.close()]);
  };
  return { app, history, bus };
}

let admin: KafkaEventBus;
beforeAll(async () => {
  admin = newBus();
  await admin.ensureTopics([
    { topic: ORDERS_TOPIC, numPartitions: 3 },
    { topic: ORDERS_DLQ_TOPIC, numPartitions: 1 },
    // The worker also consumes support events.
    { topic: SUPPORT_TOPIC, numPartitions: 1 },
    { topic: CANARY_TOPIC, numPartitions: 1 },
  ]);
});
afterAll(async () => {
  await admin?.close();
});

/**
 * The worker's path on real servers: Kafka in, Redis Streams history, the socket.io Redis emitter
 * out to a socket.io client in the order's room on a server using the Redis adapter, as an edge does.
 */
describe('OrderEventsConsumer on Kafka and Redis', () => {
  const socketIoKey = `int-notifications:${run}`;
  const orderId = `o-${run}`;
  let ioAdapter: RedisIoAdapter;
  let httpServer: HttpServer;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Socket;
  const received: Delivery[] = [];
  const deadLetters: IncomingMessage[] = [];

  beforeAll(async () => {
    httpServer = createServer();
    ioAdapter = new RedisIoAdapter(httpServer, { url: redisUrl, key: socketIoKey });
    await ioAdapter.connect();
    const ioServer = ioAdapter.createIOServer(0);
    ioServer.on('connection', (socket) => socket.join(orderChannel(orderId)));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    await ioAdapter.ping(); // the adapter's subscriptions are active

    await admin.consume({
      topic: ORDERS_DLQ_TOPIC,
      group: 'dlq-reader',
      fromBeginning: true,
      handler: async (m) => void deadLetters.push(m),
    });
    worker = await startWorker('notification-worker', socketIoKey);

    const { port } = httpServer.address() as AddressInfo;
    client = connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
    client.onAny((_type: string, delivery: Delivery) => received.push(delivery));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    client?.close();
    await worker?.app.close();
    await ioAdapter?.dispose();
    await new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve()));
  });

  const publish = (...events: OrderEvent[]) =>
    admin.publish(
      ORDERS_TOPIC,
      events.map((event) => ({ key: event.data.orderId, event })),
    );
  const deliveriesOf = (eventId: string) => received.filter((d) => d.event.id === eventId);

  it('delivers an order.status_changed to a client in the order room, with its offset in the order history', async () => {
    const event = orderEvent('order.status_changed', { orderId, customerId: `u-${run}` }, 1);

    await publish(event);
    await waitFor(() => deliveriesOf(event.id).length > 0, 20_000);

    const [kept] = (await worker.history.readSince(orderChannel(orderId))).events;
    expect(deliveriesOf(event.id)[0] as Delivery<OrderStatusChanged>).toEqual({
      channel: orderChannel(orderId),
      offset: kept?.offset,
      event,
    });
    expect(kept?.event).toEqual(event);
  });

  it('delivers a volatile order.location_updated without an offset, keeping it only as the latest', async () => {
    const event = orderEvent('order.location_updated', { orderId }, 2);

    await publish(event);
    await waitFor(() => deliveriesOf(event.id).length > 0, 20_000);

    expect(deliveriesOf(event.id)[0]).toEqual({ channel: orderChannel(orderId), event });
    expect(await worker.history.latestVolatile(orderChannel(orderId))).toEqual(event);
  });

  it('sends a poison message to the DLQ topic with the error in headers, and delivers the events after it', async () => {
    const poison = Buffer.from('{"orderId": "half a record');
    const after = orderEvent('order.courier_assigned', { orderId }, 3);

    await admin.publishRaw(ORDERS_TOPIC, {
      key: orderId,
      value: poison,
      headers: { 'content-type': 'application/json' },
    });
    await publish(after);
    await waitFor(() => deliveriesOf(after.id).length > 0 && deadLetters.length > 0, 20_000);

    const [dead] = deadLetters;
    expect(dead).toMatchObject({
      kind: 'malformed',
      key: orderId,
      headers: {
        'content-type': 'application/json',
        [DLQ_HEADERS.reason]: 'undecodable',
        [DLQ_HEADERS.error]: expect.stringMatching(/missing headers/),
        [DLQ_HEADERS.topic]: ORDERS_TOPIC,
        [DLQ_HEADERS.group]: 'notification-worker',
      },
    });
    expect(dead?.kind === 'malformed' && dead.value?.equals(poison)).toBe(true);
  });

  it('appends and pushes an event published twice once (idempotent by event id)', async () => {
    const event = orderEvent('order.status_changed', { orderId, customerId: `u-${run}` }, 4);
    const marker = orderEvent('order.courier_assigned', { orderId }, 5);

    await publish(event, event, marker);
    // Same key, so the marker is handled after both copies of the event.
    await waitFor(() => deliveriesOf(marker.id).length > 0, 20_000);

    const kept = (await worker.history.readSince(orderChannel(orderId))).events.filter((e) => e.event.id === event.id);
    expect(kept).toHaveLength(1);
    expect(deliveriesOf(event.id)).toHaveLength(1);
  });
});

/**
 * Handlers racing on one shared channel, as replicas or as one worker's partitions side by side
 * (`KAFKA_CONSUMER_CONCURRENCY`): each append and its push are one Redis script, so the channel's
 * live order is its offset order whoever appends, and a resume after any offset misses nothing.
 */
describe.each([
  { name: 'Three worker replicas in one consumer group', replicas: 3, concurrency: 1 },
  { name: 'One worker handling its three partitions side by side', replicas: 1, concurrency: 3 },
])('$name, one shared channel', ({ replicas: count, concurrency }) => {
  it('push each event once, and every client sees the shared channel live in offset order, as a resume would replay it', async () => {
    const socketIoKey = `int-notifications:${run}:replicas-${count}`;
    const httpServer = createServer();
    const ioAdapter = new RedisIoAdapter(httpServer, { url: redisUrl, key: socketIoKey });
    await ioAdapter.connect();
    const ioServer = ioAdapter.createIOServer(0);
    ioServer.on('connection', (socket) => socket.join('ops:orders'));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    await ioAdapter.ping();
    const { port } = httpServer.address() as AddressInfo;
    const clients = [1, 2].map(() =>
      connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true }),
    );
    const seen = clients.map(() => [] as Delivery[]);
    clients.forEach((client, i) =>
      client.onAny(
        (_type: string, delivery: Delivery) => void (delivery.channel === 'ops:orders' && seen[i]?.push(delivery)),
      ),
    );
    await Promise.all(clients.map((client) => new Promise<void>((resolve) => client.once('connect', () => resolve()))));

    const group = `shared-channel-${count}`;
    const replicas = await Promise.all(
      Array.from({ length: count }, () => startWorker(group, socketIoKey, concurrency)),
    );
    try {
      // 30 orders, three status changes each: every one goes to the shared ops:orders channel.
      const statuses = ['confirmed', 'packed', 'shipped'] as const;
      const events = statuses.flatMap((to, step) =>
        Array.from({ length: 30 }, (_, i) => {
          const event = orderEvent(
            'order.status_changed',
            { orderId: `r-${run}-${count}-${i}`, customerId: `c-${run}-${i}` },
            step + 2,
          );
          return {
            ...event,
            data: {
              ...event.data,
              from: step === 0 ? 'placed' : (statuses[step - 1] as OrderStatusChanged['data']['to']),
              to,
            },
          };
        }),
      );
      await admin.publish(
        ORDERS_TOPIC,
        events.map((event) => ({ key: event.data.orderId, event })),
      );

      await waitFor(() => seen.every((deliveries) => deliveries.length === events.length), 60_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // room for a second push to show
      const ours = new Set(events.map((e) => e.id));
      // The channel also holds what this file's other tests published: compare with ours.
      const kept = (await replicas[0].history.readSince('ops:orders')).events.filter((entry) =>
        ours.has(entry.event.id),
      );
      for (const deliveries of seen) {
        expect(deliveries.map((d) => d.event.id).sort()).toEqual(events.map((e) => e.id).sort()); // each once
        const offsets = deliveries.map((d) => d.offset as string);
        for (let i = 1; i < offsets.length; i++)
          expect(compareOffsets(offsets[i - 1] as string, offsets[i] as string)).toBeLessThan(0);
        // Resuming after any offset seen replays exactly the deliveries that followed it: no gap anywhere.
        expect(offsets).toEqual(kept.map((entry) => entry.offset));
      }
      // Per order, its own events keep their order too.
      for (let i = 0; i < 30; i++) {
        const mine = (seen[0] ?? []).filter((d) => d.event.subject === `r-${run}-${count}-${i}`);
        expect(mine.map((d) => (d.event.data as { to: string }).to)).toEqual([...statuses]);
      }
    } finally {
      for (const client of clients) client.close();
      for (const replica of replicas) await replica.app.close();
      await ioAdapter.close(ioServer);
      await ioAdapter.dispose();
      await new Promise((resolve) => httpServer.close(resolve));
    }
  });
});
