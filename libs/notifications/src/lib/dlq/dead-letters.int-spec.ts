import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DeadLetterView,
  DropResponse,
  Envelope,
  ListDeadLettersResponse,
  ORDERS_DLQ_TOPIC,
  SUPPORT_TOPIC,
  CANARY_TOPIC,
  ORDERS_TOPIC,
  orderChannel,
  OrderEvent,
  RedriveResponse,
} from '@shopnest/contracts';
import { AuthModule, jwtEnvSchema } from '@shopnest/platform-auth';
import { KafkaEventBus } from '@shopnest/platform-event-bus';
import { ChannelPublisher, Published, RedisStreamsHistory } from '@shopnest/platform-history';
import { MetricsService } from '@shopnest/platform-observability';
import { runId, signTestToken, TEST_JWT_ENV, waitFor } from '@shopnest/testing';
import { AddressInfo } from 'node:net';
import { NotificationsModule } from '../notifications.module';
import { orderEvent } from '../testing/order-event.fixture';
import { intServers, redisWorkerParts, testKafkaBus } from '../testing/int-servers.fixture';
import { platformFixture } from '../testing/platform.fixture';
import { decisionsTopicOf } from './dead-letter-headers';
import { DeadLettersModule } from './dead-letters.module';

const { brokers, redisUrl } = intServers();
const run = runId();
const keyPrefix = `int-dlq:${run}:`;
const OPS = signTestToken('ops-int', { roles: ['ops'] });

/**
 * The real Redis publisher, made to fail while `broken` (a fault the test can fix), counting the
 * publishes that appended and pushed.
 */
class FlakyPublisher extends ChannelPublisher {
  broken = false;
  readonly pushed: { channel: string; eventId: string }[] = [];

  constructor(private readonly inner: ChannelPublisher) {
    super();
  }

  async publish(channel: string, event: Envelope): Promise<Published> {
    if (this.broken) throw new Error('history unavailable (on purpose)');
    const published = await this.inner.publish(channel, event);
    if (published.added) this.pushed.push({ channel, eventId: event.id });
    return published;
  }

  async publishVolatile(channel: string, event: Envelope): Promise<void> {
    if (this.broken) throw new Error('history unavailable (on purpose)');
    await this.inner.publishVolatile(channel, event);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('dead letters on Kafka and Redis: a poison and a transient failure, re-driven and dropped over the ops API', () => {
  let bus: KafkaEventBus;
  let history: RedisStreamsHistory;
  let redis: Awaited<ReturnType<typeof redisWorkerParts>>;
  let publisher: FlakyPublisher;
  let metrics: MetricsService;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    bus = testKafkaBus(brokers, `int-dlq-${run}.`, 'dlq-int-test');
    await bus.ensureTopics([
      { topic: ORDERS_TOPIC, numPartitions: 3 },
      { topic: ORDERS_DLQ_TOPIC, numPartitions: 1 },
      // The worker also consumes support events.
      { topic: SUPPORT_TOPIC, numPartitions: 1 },
      { topic: CANARY_TOPIC, numPartitions: 1 },
      { topic: decisionsTopicOf(ORDERS_TOPIC), numPartitions: 1 },
    ]);
    redis = await redisWorkerParts(redisUrl, { keyPrefix, socketIoKey: `int-dlq:${run}`, processedTtlMs: 600_000 });
    history = redis.history;
    publisher = new FlakyPublisher(redis.publisher);
    metrics = new MetricsService('notification-worker-int-test');
    const moduleRef = await Test.createTestingModule({
      imports: [
        platformFixture({ bus, publisher, history, processed: redis.processed, metrics }),
        NotificationsModule.forRoot({
          consumer: { group: 'notification-worker', fromBeginning: true, lagIntervalMs: 60_000 },
          retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 50 },
          canaryIntervalMs: 0,
        }),
        AuthModule.forRoot(jwtEnvSchema.parse(TEST_JWT_ENV)),
        DeadLettersModule.forRoot({ topics: [ORDERS_TOPIC] }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1'); // the consumer has joined its group once this resolves
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/admin/dead-letters/${ORDERS_TOPIC}`;
  }, 60_000);

  afterAll(async () => {
    await app?.close(); // closes the bus too (platformFixture)
    await redis?.close();
  });

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${OPS}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T;
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  }
  const list = async (query = '') => (await call<ListDeadLettersResponse>('GET', query)).items;
  const inHistory = async (orderId: string, eventId: string) =>
    (await history.readSince(orderChannel(orderId))).events.filter((e) => e.event.id === eventId).length;
  const publish = (...events: OrderEvent[]) =>
    bus.publish(
      ORDERS_TOPIC,
      events.map((event) => ({ key: event.data.orderId, event })),
    );

  it('lands both in the DLQ; after the fix, re-drive delivers the transient one exactly once and returns the poison with its count increased; a drop is recorded', async () => {
    // A poison event (fails validation, forever) and one that fails while the history is down.
    const valid = orderEvent('order.status_changed', { orderId: `poison-${run}` });
    const poison = { ...valid, data: { ...valid.data, to: 'teleported' } } as unknown as OrderEvent;
    const transient = orderEvent('order.courier_assigned', { orderId: `transient-${run}` });
    publisher.broken = true;
    await publish(poison, transient);
    await waitFor(async () => (await list()).length === 2, 60_000, 500);

    const letters = new Map((await list()).map((letter) => [letter.event.id, letter]));
    expect(letters.get(poison.id)).toMatchObject({
      reason: 'invalid',
      original: { topic: ORDERS_TOPIC, partition: expect.any(Number), offset: expect.stringMatching(/^\d+$/) },
      redriveCount: 0,
      key: poison.data.orderId,
      status: 'pending',
    });
    expect(letters.get(transient.id)).toMatchObject({
      reason: 'failed',
      attempts: 3,
      error: 'history unavailable (on purpose)',
      redriveCount: 0,
      event: { type: 'order.courier_assigned', subject: transient.data.orderId },
    });
    // Binary mode: the value is the event's data, so the preview shows the order.
    expect(letters.get(transient.id)?.payload?.preview).toContain(transient.data.orderId);
    for (const letter of letters.values())
      expect(Date.parse(letter.failedAt ?? '')).toBeGreaterThan(Date.now() - 120_000);
    expect(await inHistory(transient.data.orderId, transient.id)).toBe(0);

    // The cause is fixed; re-drive everything pending.
    publisher.broken = false;
    const redriven = await call<RedriveResponse>('POST', '/redrive', { all: true });
    expect(redriven.redriven.map((r) => [r.eventId, r.redriveCount]).sort()).toEqual(
      [
        [poison.id, 1],
        [transient.id, 1],
      ].sort(),
    );

    await waitFor(async () => (await inHistory(transient.data.orderId, transient.id)) === 1, 30_000, 200);
    await waitFor(async () => (await list()).length === 1, 60_000, 500);
    const [back] = (await list()) as DeadLetterView[];
    expect(back).toMatchObject({ reason: 'invalid', redriveCount: 1, event: { id: poison.id }, status: 'pending' });

    // Handled ids are skipped: the same event once more (a repeated re-drive) is not delivered again.
    const marker = orderEvent('order.created', { orderId: transient.data.orderId }, 2);
    await publish(transient, marker);
    await waitFor(async () => (await inHistory(transient.data.orderId, marker.id)) === 1, 30_000, 200);
    expect(await inHistory(transient.data.orderId, transient.id)).toBe(1);
    expect(publisher.pushed.filter((p) => p.eventId === transient.id)).toEqual([
      { channel: orderChannel(transient.data.orderId), eventId: transient.id },
    ]);

    // Drop the poison for good, with a reason: it lists only as dropped, with the decision.
    const dropped = await call<DropResponse>('POST', `/${back.id}/drop`, {
      reason: 'unknown status, order fixed by hand',
    });
    expect(dropped.decision).toMatchObject({
      action: 'dropped',
      reason: 'unknown status, order fixed by hand',
      by: 'ops-int',
    });
    expect(await list()).toEqual([]);
    expect(await list('?status=dropped')).toEqual([
      expect.objectContaining({ id: back.id, status: 'dropped', decision: dropped.decision }),
    ]);
    expect((await list('?status=all')).map((l) => l.status).sort()).toEqual(['dropped', 'redriven', 'redriven']);
    expect((await call<RedriveResponse>('POST', '/redrive', { all: true })).redriven).toEqual([]);
  }, 240_000);
});
