import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Delivery, ORDERS_DLQ_TOPIC, ORDERS_TOPIC, orderChannel, OrderEvent, OrderStatusChanged } from '@shopnest/contracts';
import { IncomingMessage, KafkaEventBus } from '@shopnest/platform-event-bus';
import { Fanout, RedisEmitterFanout, RedisIoAdapter } from '@shopnest/platform-fanout';
import { RedisProcessedEvents, RedisStreamsHistory } from '@shopnest/platform-history';
import { MetricsService } from '@shopnest/platform-observability';
import { runId, waitFor } from '@shopnest/testing';
import { createServer, Server as HttpServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { io as connectClient, Socket } from 'socket.io-client';
import { NotificationsConfig } from './notifications.config';
import { NotificationsModule } from './notifications.module';
import { DLQ_HEADERS } from './order-events.consumer';
import { orderEvent } from './testing/order-event.fixture';
import { platformFixture } from './testing/platform.fixture';
import { RecordingFanout } from './testing/recording-fanout.fixture';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
const redisUrl = process.env['REDIS_URL'] ?? '';
if (brokers.length === 0 || !redisUrl) throw new Error('KAFKA_BROKERS and REDIS_URL must be set (the int-test globalSetup provides them)');

const quiet = { error: () => undefined, warn: () => undefined, log: () => undefined };

// Unique per run: the Kafka namespace (topics and groups), Redis key and channel prefixes, order ids.
const run = runId();
const namespace = `int-notifications-${run}.`;
const keyPrefix = `int-notifications:${run}:`;

const newBus = () =>
  new KafkaEventBus({
    brokers,
    clientId: 'notifications-int-test',
    namespace,
    logger: quiet,
    consumer: { sessionTimeout: 6000, rebalanceTimeout: 3000, heartbeatInterval: 200, maxWaitTimeInMs: 200 },
    joinTimeoutMs: 20_000,
  });

const workerConfig = (group: string): NotificationsConfig => ({
  // From the beginning: the topic is this run's own, and no event can slip in before the first fetch.
  consumer: { group, fromBeginning: true, lagIntervalMs: 60_000 },
  retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
});

/** One worker replica: its own bus, history and processed-event connections, as a process would have. */
async function startWorker(group: string, fanout: Fanout): Promise<{ app: INestApplication; history: RedisStreamsHistory; bus: KafkaEventBus }> {
  const bus = newBus();
  const history = await RedisStreamsHistory.connect(redisUrl, { keyPrefix });
  const processed = await RedisProcessedEvents.connect(redisUrl, { keyPrefix, ttlMs: 60_000 });
  const metrics = new MetricsService('notification-worker-int-test');
  const moduleRef = await Test.createTestingModule({
    imports: [platformFixture({ bus, fanout, metrics, history, processed }), NotificationsModule.forRoot(workerConfig(group))],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init(); // resolves once the consumer has joined its group
  const close = app.close.bind(app);
  app.close = async () => {
    await close();
    await Promise.all([bus.close(), history.close(), processed.close()]);
  };
  return { app, history, bus };
}

let admin: KafkaEventBus;
beforeAll(async () => {
  admin = newBus();
  await admin.ensureTopics([
    { topic: ORDERS_TOPIC, numPartitions: 3 },
    { topic: ORDERS_DLQ_TOPIC, numPartitions: 1 },
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
  let fanout: RedisEmitterFanout;
  let ioAdapter: RedisIoAdapter;
  let httpServer: HttpServer;
  let worker: Awaited<ReturnType<typeof startWorker>>;
  let client: Socket;
  const received: Delivery[] = [];
  const deadLetters: IncomingMessage[] = [];

  beforeAll(async () => {
    fanout = await RedisEmitterFanout.connect(redisUrl, { key: socketIoKey });
    httpServer = createServer();
    ioAdapter = new RedisIoAdapter(httpServer, { url: redisUrl, key: socketIoKey });
    await ioAdapter.connect();
    const ioServer = ioAdapter.createIOServer(0);
    ioServer.on('connection', (socket) => socket.join(orderChannel(orderId)));
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    await ioAdapter.ping(); // the adapter's subscriptions are active

    await admin.consume({ topic: ORDERS_DLQ_TOPIC, group: 'dlq-reader', fromBeginning: true, handler: async (m) => void deadLetters.push(m) });
    worker = await startWorker('notification-worker', fanout);

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
    await fanout?.close();
    await ioAdapter?.dispose();
    await new Promise<void>((resolve) => (httpServer ? httpServer.close(() => resolve()) : resolve()));
  });

  const publish = (...events: OrderEvent[]) => admin.publish(ORDERS_TOPIC, events.map((event) => ({ key: event.data.orderId, event })));
  const deliveriesOf = (eventId: string) => received.filter((d) => d.event.id === eventId);

  it('delivers an order.status_changed to a client in the order room, with its offset in the order history', async () => {
    const event = orderEvent('order.status_changed', { orderId, customerId: `u-${run}` }, 1);

    await publish(event);
    await waitFor(() => deliveriesOf(event.id).length > 0, 20_000);

    const [kept] = (await worker.history.readSince(orderChannel(orderId))).events;
    expect(deliveriesOf(event.id)[0] as Delivery<OrderStatusChanged>).toEqual({ channel: orderChannel(orderId), offset: kept?.offset, event });
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

    await admin.publishRaw(ORDERS_TOPIC, { key: orderId, value: poison, headers: { 'content-type': 'application/json' } });
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

describe('Two worker replicas in one consumer group', () => {
  it('share the partitions and push each event once', async () => {
    const fanouts = [new RecordingFanout(), new RecordingFanout()];
    const group = 'two-replicas';
    const replicas = [await startWorker(group, fanouts[0] as Fanout), await startWorker(group, fanouts[1] as Fanout)];
    try {
      const events = Array.from({ length: 60 }, (_, i) => orderEvent('order.created', { orderId: `r-${run}-${i % 20}` }, Math.floor(i / 20)));
      await admin.publish(ORDERS_TOPIC, events.map((event) => ({ key: event.data.orderId, event })));

      const pushedIds = () => fanouts.flatMap((f) => f.emitted.map((e) => e.delivery.event.id));
      await waitFor(() => new Set(pushedIds()).size === events.length, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 500)); // room for a second push to show

      const ours = pushedIds().filter((id) => events.some((e) => e.id === id));
      expect(ours.sort()).toEqual(events.map((e) => e.id).sort());
      // Both replicas took part: the group split the three partitions between them.
      for (const fanout of fanouts) expect(fanout.emitted.length).toBeGreaterThan(0);
    } finally {
      for (const replica of replicas) await replica.app.close();
    }
  });
});
