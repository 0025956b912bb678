import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DeadLetterView,
  DropResponse,
  ListDeadLettersResponse,
  ORDERS_DLQ_TOPIC,
  ORDERS_TOPIC,
  OrderEvent,
  RedriveResponse,
} from '@shopnest/contracts';
import { AuthModule, jwtEnvSchema } from '@shopnest/platform-auth';
import { InMemoryEventBus } from '@shopnest/platform-event-bus';
import { InMemoryHistory, InMemoryProcessedEvents } from '@shopnest/platform-history';
import { MetricsService } from '@shopnest/platform-observability';
import { signTestToken, TEST_JWT_ENV, waitFor } from '@shopnest/testing';
import { AddressInfo } from 'node:net';
import { NotificationsConfig } from '../notifications.config';
import { NotificationsModule } from '../notifications.module';
import { orderEvent } from '../testing/order-event.fixture';
import { platformFixture } from '../testing/platform.fixture';
import { RecordingFanout } from '../testing/recording-fanout.fixture';
import { DLQ_HEADERS } from './dead-letter-headers';
import { DeadLettersModule } from './dead-letters.module';

const config: NotificationsConfig = {
  consumer: { group: 'notification-worker', fromBeginning: false, lagIntervalMs: 60_000 },
  retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
  canaryIntervalMs: 0,
};

const OPS = signTestToken('ops-1', { roles: ['ops'] });

interface Reply<T> {
  status: number;
  body: T & { code?: string; message?: string };
}

describe('dead letters: listing, re-drive and drop over the ops API (in-memory bus)', () => {
  let bus: InMemoryEventBus;
  let fanout: RecordingFanout;
  let metrics: MetricsService;
  let app: INestApplication;
  let base: string;

  beforeEach(async () => {
    bus = new InMemoryEventBus({ redeliveryDelayMs: 5 });
    fanout = new RecordingFanout();
    metrics = new MetricsService('notification-worker-test');
    const moduleRef = await Test.createTestingModule({
      imports: [
        platformFixture({
          bus,
          fanout,
          metrics,
          history: new InMemoryHistory(),
          processed: new InMemoryProcessedEvents(60_000),
        }),
        NotificationsModule.forRoot(config),
        AuthModule.forRoot(jwtEnvSchema.parse(TEST_JWT_ENV)),
        // Two records per read: listing and scanning must page through the topic.
        DeadLettersModule.forRoot({ topics: [ORDERS_TOPIC], scanPageSize: 2, previewChars: 40 }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/admin/dead-letters`;
  });

  afterEach(async () => {
    await app.close();
  });

  async function call<T>(method: string, path: string, body?: unknown, token: string | null = OPS): Promise<Reply<T>> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Reply<T>['body'] };
  }
  const list = async (query = '') =>
    (await call<ListDeadLettersResponse>('GET', `/${ORDERS_TOPIC}${query}`)).body as ListDeadLettersResponse;
  const redrive = (body: unknown) => call<RedriveResponse>('POST', `/${ORDERS_TOPIC}/redrive`, body);

  async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const values = (await metrics.registry.getSingleMetric(`shopnest_${name}`)?.get())?.values ?? [];
    return values
      .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
      .reduce((sum, v) => sum + v.value, 0);
  }

  const pushesOf = (eventId: string) => fanout.emitted.filter((e) => e.delivery.event.id === eventId);
  const publish = (...events: OrderEvent[]) =>
    bus.publish(
      ORDERS_TOPIC,
      events.map((event) => ({ key: event.data.orderId, event })),
    );

  /**
   * A poison event (fails validation, so it can never succeed) and an event whose pushes fail
   * (the fanout is down, as Redis might be, but readiness says nothing: it runs out of tries).
   */
  async function deadLetterBoth(): Promise<{ poison: OrderEvent; transient: OrderEvent }> {
    const valid = orderEvent('order.status_changed', { orderId: 'o-poison' });
    const poison = { ...valid, data: { ...valid.data, to: 'teleported' } } as unknown as OrderEvent;
    const transient = orderEvent('order.courier_assigned', { orderId: 'o-transient' });
    fanout.failNext(Number.MAX_SAFE_INTEGER);
    await publish(poison, transient);
    await waitFor(async () => (await list()).items.length === 2);
    fanout.failNext(0); // the cause is fixed
    return { poison, transient };
  }

  it('lists dead letters with reason, original position, failure time, re-drive count and a payload preview', async () => {
    const before = new Date().toISOString();
    const { poison, transient } = await deadLetterBoth();

    const { items, nextCursor, deadLetterTopic } = await list();
    expect(deadLetterTopic).toBe(ORDERS_DLQ_TOPIC);
    expect(nextCursor).toBeUndefined();
    const byEvent = new Map(items.map((item) => [item.event.id, item]));
    expect(byEvent.get(poison.id)).toMatchObject({
      id: expect.stringMatching(/^\d+-\d+$/),
      reason: 'invalid',
      error: expect.stringMatching(/data\.to/),
      original: { topic: ORDERS_TOPIC, partition: expect.any(Number), offset: '0' },
      attempts: null,
      redriveCount: 0,
      key: 'o-poison',
      event: { id: poison.id, type: 'order.status_changed', subject: 'o-poison' },
      payload: { encoding: 'utf8', truncated: true, preview: expect.stringMatching(/^\{/) },
      status: 'pending',
      decision: null,
    });
    expect(byEvent.get(poison.id)?.payload?.preview).toHaveLength(40);
    expect(byEvent.get(transient.id)).toMatchObject({ reason: 'failed', attempts: 3, error: 'fanout unavailable' });
    for (const item of items) expect(item.failedAt && item.failedAt >= before).toBe(true);

    // By reason, type and time.
    expect((await list('?reason=invalid')).items.map((i) => i.event.id)).toEqual([poison.id]);
    expect((await list('?type=order.courier_assigned')).items.map((i) => i.event.id)).toEqual([transient.id]);
    expect((await list(`?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items).toEqual([]);
    expect((await list(`?until=${encodeURIComponent(before)}`)).items).toEqual([]);

    // Page by page: one item each, the cursor carrying the rest.
    const first = await list('?limit=1');
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`?limit=1&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(new Set([...first.items, ...second.items].map((i) => i.id)).size).toBe(2);
    const third = await list(`?limit=1&cursor=${second.nextCursor ?? ''}`);
    expect(second.nextCursor === undefined || third.items.length === 0).toBe(true);
  });

  it('re-drives: the transient failure reaches its channel exactly once; the poison returns to the DLQ with its re-drive count increased', async () => {
    const { poison, transient } = await deadLetterBoth();
    const firstFailure = (await list('?reason=invalid')).items[0]?.original;

    const { status, body } = await redrive({ all: true });
    expect(status).toBe(200);
    expect(body.redriven.map((r) => [r.eventId, r.redriveCount]).sort()).toEqual(
      [
        [poison.id, 1],
        [transient.id, 1],
      ].sort(),
    );
    await waitFor(() => pushesOf(transient.id).length === 1);
    await waitFor(async () => (await list()).items.length === 1);

    const [again] = (await list()).items as DeadLetterView[];
    expect(again).toMatchObject({ reason: 'invalid', redriveCount: 1, event: { id: poison.id } });
    // Its original position is now the re-driven record's, in the orders topic.
    expect(again.original).toMatchObject({ topic: ORDERS_TOPIC, partition: firstFailure?.partition });
    expect(Number(again.original.offset)).toBeGreaterThan(Number(firstFailure?.offset));
    const all = (await list('?status=all')).items;
    expect(all.filter((i) => i.status === 'redriven').map((i) => i.decision)).toEqual([
      expect.objectContaining({ action: 'redriven', by: 'ops-1', redriveCount: 1 }),
      expect.objectContaining({ action: 'redriven', by: 'ops-1', redriveCount: 1 }),
    ]);
    // Re-driving all again takes only what is pending: the poison's second dead letter.
    expect((await redrive({ all: true })).body.redriven).toEqual([
      { id: again.id, eventId: poison.id, redriveCount: 2 },
    ]);
    await waitFor(async () => (await list()).items[0]?.redriveCount === 2);

    await new Promise((resolve) => setTimeout(resolve, 100)); // room for a duplicate push to show
    expect(pushesOf(transient.id)).toHaveLength(1);
    expect(pushesOf(poison.id)).toHaveLength(0);
    expect(await metric('dead_letters_redriven_total', { topic: ORDERS_TOPIC })).toBe(3);
    expect(await metric('events_dead_lettered_total', { reason: 'invalid', redriven: 'true' })).toBe(2);
    expect(await metric('events_dead_lettered_total', { redriven: 'false' })).toBe(2);
  });

  it('re-drives a filtered set only: by reason', async () => {
    const { poison, transient } = await deadLetterBoth();

    const { body } = await redrive({ filter: { reason: 'failed' } });

    expect(body.redriven.map((r) => r.eventId)).toEqual([transient.id]);
    await waitFor(() => pushesOf(transient.id).length === 1);
    expect((await list()).items.map((i) => i.event.id)).toEqual([poison.id]);
  });

  it('re-drives many named letters in one scan, and says which ids it skipped', async () => {
    const poisons = Array.from({ length: 7 }, (_, i) => {
      const valid = orderEvent('order.status_changed', { orderId: `o-many-${i}` });
      return { ...valid, data: { ...valid.data, to: 'teleported' } } as unknown as OrderEvent;
    });
    await publish(...poisons);
    await waitFor(async () => (await list()).items.length === 7);
    const ids = (await list()).items.map((i) => i.id);

    const { body } = await redrive({ ids: [...ids, '0-999'] });

    expect(body.redriven.map((r) => r.eventId).sort()).toEqual(poisons.map((p) => p.id).sort());
    expect(body.skipped).toEqual([{ id: '0-999', why: `no dead letter 0-999 in ${ORDERS_DLQ_TOPIC}` }]);
  });

  it('relies on the worker for idempotency: a re-driven event whose id was already handled is skipped, never delivered twice', async () => {
    const event = orderEvent('order.courier_assigned', { orderId: 'o-twice' });
    await publish(event);
    await waitFor(() => pushesOf(event.id).length === 1);
    // The same event also sits in the DLQ (say the outbox relayed it twice and one copy failed).
    await bus.publishRaw(ORDERS_DLQ_TOPIC, {
      key: 'o-twice',
      value: Buffer.from(JSON.stringify(event)),
      headers: { 'content-type': 'application/cloudevents+json', [DLQ_HEADERS.reason]: 'failed' },
    });
    const [letter] = (await list()).items as DeadLetterView[];

    expect((await redrive({ ids: [letter.id] })).body.redriven).toEqual([
      { id: letter.id, eventId: event.id, redriveCount: 1 },
    ]);
    await waitFor(async () => (await metric('events_duplicates_skipped_total')) === 1);

    expect(pushesOf(event.id)).toHaveLength(1);
  });

  it('drops one with a recorded reason: it no longer lists as pending and is never re-driven', async () => {
    const { poison, transient } = await deadLetterBoth();
    const letter = (await list('?reason=invalid')).items[0] as DeadLetterView;

    const dropped = await call<DropResponse>('POST', `/${ORDERS_TOPIC}/${letter.id}/drop`, {
      reason: 'order was cancelled',
    });
    expect(dropped).toEqual({
      status: 200,
      body: {
        id: letter.id,
        status: 'dropped',
        decision: { action: 'dropped', reason: 'order was cancelled', by: 'ops-1', at: expect.any(String) },
      },
    });

    expect((await list()).items.map((i) => i.event.id)).toEqual([transient.id]);
    expect((await list('?status=dropped')).items).toEqual([
      expect.objectContaining({ id: letter.id, status: 'dropped', decision: dropped.body.decision }),
    ]);
    expect((await redrive({ ids: [letter.id] })).body).toEqual({
      redriven: [],
      skipped: [{ id: letter.id, why: 'already dropped' }],
    });
    expect((await redrive({ all: true })).body.redriven.map((r) => r.eventId)).toEqual([transient.id]);
    expect(await call('POST', `/${ORDERS_TOPIC}/${letter.id}/drop`, { reason: 'again' })).toMatchObject({
      status: 409,
      body: { code: 'CONFLICT' },
    });
    expect(await metric('dead_letters_dropped_total', { topic: ORDERS_TOPIC })).toBe(1);
    expect(pushesOf(poison.id)).toHaveLength(0);
  });

  it('answers ops only, and refuses bad input with a code naming the field', async () => {
    expect(await call('GET', `/${ORDERS_TOPIC}`, undefined, null)).toMatchObject({
      status: 401,
      body: { code: 'UNAUTHENTICATED' },
    });
    const customer = signTestToken('u-1', { roles: ['customer'] });
    expect(await call('GET', `/${ORDERS_TOPIC}`, undefined, customer)).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    expect(await call('GET', '')).toEqual({ status: 200, body: { topics: [ORDERS_TOPIC] } });
    expect(await call('GET', '/shopnest.unknown.v1')).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    expect(await call('GET', `/${ORDERS_TOPIC}?limit=0`)).toMatchObject({
      status: 400,
      body: { code: 'INVALID', message: expect.stringMatching(/^limit: /) },
    });
    expect(await call('GET', `/${ORDERS_TOPIC}?cursor=bm9wZQ`)).toMatchObject({
      status: 400,
      body: { code: 'INVALID', message: expect.stringMatching(/^cursor: /) },
    });
    expect(await call('GET', `/${ORDERS_TOPIC}?colour=red`)).toMatchObject({ status: 400, body: { code: 'INVALID' } });
    expect(await redrive({})).toMatchObject({ status: 400, body: { code: 'INVALID' } });
    expect(await redrive({ filter: {} })).toMatchObject({
      status: 400,
      body: { code: 'INVALID', message: expect.stringMatching(/at least one/) },
    });
    expect(await call('POST', `/${ORDERS_TOPIC}/0-0/drop`, {})).toMatchObject({
      status: 400,
      body: { code: 'INVALID', message: expect.stringMatching(/^reason: /) },
    });
    expect(await call('POST', `/${ORDERS_TOPIC}/0-99/drop`, { reason: 'x' })).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });
  });
});
