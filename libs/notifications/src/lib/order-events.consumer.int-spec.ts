import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  Delivery,
  ORDERS_TOPIC,
  orderChannel,
  OrderStatusChanged,
} from '@shopnest/contracts';
import { KafkaEventBus } from '@shopnest/platform-event-bus';
import { RedisEmitterFanout, RedisIoAdapter } from '@shopnest/platform-fanout';
import { MetricsService } from '@shopnest/platform-observability';
import { runId, waitFor } from '@shopnest/testing';
import { createServer, Server as HttpServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { io as connectClient, Socket } from 'socket.io-client';
import { NotificationsModule } from './notifications.module';
import { orderEvent } from './testing/order-event.fixture';
import { platformFixture } from './testing/platform.fixture';

const brokers = (process.env['KAFKA_BROKERS'] ?? '').split(',').filter(Boolean);
const redisUrl = process.env['REDIS_URL'] ?? '';
if (brokers.length === 0 || !redisUrl)
  throw new Error(
    'KAFKA_BROKERS and REDIS_URL must be set (the int-test globalSetup provides them)',
  );

const quiet = {
  error: () => undefined,
  warn: () => undefined,
  log: () => undefined,
};

/**
 * The worker's path end to end on real servers: an event published to Kafka is consumed by
 * OrderEventsConsumer, pushed through the socket.io Redis emitter, and reaches a socket.io client
 * in the order's room on a server that uses the Redis adapter, as an edge does.
 */
describe('OrderEventsConsumer on Kafka and Redis', () => {
  const run = runId();
  // Unique per run: the Kafka namespace (so the topic and group are this run's own), the Redis
  // channel prefix and the order id, so nothing left in the servers by other runs reaches this one.
  const namespace = `int-notifications-${run}.`;
  const socketIoKey = `int-notifications:${run}`;
  const orderId = `o-${run}`;

  let bus: KafkaEventBus;
  let fanout: RedisEmitterFanout;
  let ioAdapter: RedisIoAdapter;
  let httpServer: HttpServer;
  let app: INestApplication;
  let client: Socket;

  beforeAll(async () => {
    bus = new KafkaEventBus({
      brokers,
      clientId: 'notifications-int-test',
      namespace,
      logger: quiet,
      consumer: {
        sessionTimeout: 6000,
        rebalanceTimeout: 3000,
        heartbeatInterval: 200,
        maxWaitTimeInMs: 200,
      },
      joinTimeoutMs: 20_000,
    });
    await bus.ensureTopics([{ topic: ORDERS_TOPIC, numPartitions: 3 }]);
    fanout = await RedisEmitterFanout.connect(redisUrl, { key: socketIoKey });

    // An edge in miniature: a socket.io server on the Redis adapter that puts every client in the order's room.
    httpServer = createServer();
    ioAdapter = new RedisIoAdapter(httpServer, {
      url: redisUrl,
      key: socketIoKey,
    });
    await ioAdapter.connect();
    const ioServer = ioAdapter.createIOServer(0);
    ioServer.on('connection', (socket) => socket.join(orderChannel(orderId)));
    await new Promise<void>((resolve) =>
      httpServer.listen(0, '127.0.0.1', resolve),
    );
    await ioAdapter.ping(); // the adapter's subscriptions are active

    const metrics = new MetricsService('notification-worker-int-test');
    const moduleRef = await Test.createTestingModule({
      imports: [
        platformFixture(bus, fanout, metrics),
        NotificationsModule.forRoot({
          consumer: {
            group: 'notification-worker',
            fromBeginning: false,
          },
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init(); // resolves once the consumer has joined its group

    const { port } = httpServer.address() as AddressInfo;
    client = connectClient(`http://127.0.0.1:${port}`, {
      transports: ['websocket'],
      reconnection: false,
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', resolve);
      client.once('connect_error', reject);
    });
  });

  afterAll(async () => {
    client?.close();
    await app?.close();
    await bus?.close();
    await fanout?.close();
    await ioAdapter?.dispose();
    await new Promise<void>((resolve) =>
      httpServer ? httpServer.close(() => resolve()) : resolve(),
    );
  });

  it('delivers an order.status_changed published to Kafka to a client in the order room', async () => {
    const received: Delivery<OrderStatusChanged>[] = [];
    client.on(
      'order.status_changed',
      (delivery: Delivery<OrderStatusChanged>) => received.push(delivery),
    );
    const event = orderEvent('order.status_changed', {
      orderId,
      customerId: `u-${run}`,
    });

    await bus.publish(ORDERS_TOPIC, [{ key: orderId, event }]);
    await waitFor(() => received.length > 0, 20_000);

    expect(received[0]).toEqual({ channel: orderChannel(orderId), event });
  });

  it('delivers a volatile order.location_updated to a connected client as well', async () => {
    const received: Delivery[] = [];
    client.on('order.location_updated', (delivery: Delivery) =>
      received.push(delivery),
    );
    const event = orderEvent('order.location_updated', { orderId }, 2);

    await bus.publish(ORDERS_TOPIC, [{ key: orderId, event }]);
    await waitFor(() => received.length > 0, 20_000);

    expect(received[0]).toEqual({ channel: orderChannel(orderId), event });
  });
});
