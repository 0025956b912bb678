import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Envelope } from '@shopnest/contracts';
import { AuthModule, jwtEnvSchema } from '@shopnest/platform-auth';
import { InMemoryEventBus } from '@shopnest/platform-event-bus';
import { MetricsService } from '@shopnest/platform-observability';
import { migrate, PgliteDatabase } from '@shopnest/platform-sql';
import { signTestToken, TEST_JWT_ENV } from '@shopnest/testing';
import { AddressInfo } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { OrderEventsConsumer } from '../event-stream.consumer';
import { NotificationsConfig } from '../notifications.config';
import { NotificationsModule } from '../notifications.module';
import { orderEvent, orderMessage } from '../testing/order-event.fixture';
import { platformFixture } from '../testing/platform.fixture';
import { RecordingFanout } from '../testing/recording-fanout.fixture';
import { testNotification } from './inbox-store.contract';
import { InboxConfig } from './inbox.config';
import { InboxModule } from './inbox.module';
import { InboxRetention } from './inbox-retention';
import { InboxService } from './inbox.service';
import { INBOX_MIGRATIONS } from './migrations';
import { SqlInboxStore } from './sql-inbox-store';

const config: NotificationsConfig = {
  consumer: { group: 'notification-worker', fromBeginning: false, lagIntervalMs: 60_000 },
  retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
  canaryIntervalMs: 0,
};
const inboxConfig: InboxConfig = {
  store: { driver: 'pglite', schema: 'inbox' },
  retention: { days: 30, intervalMs: 3_600_000, batchSize: 2 },
};

const SHOPPER = signTestToken('u-1', { roles: ['customer'] });
const OTHER = signTestToken('u-2', { roles: ['customer'] });

// One PGlite for the file (starting WebAssembly PostgreSQL takes seconds), emptied after each test.
let pglite: Promise<PgliteDatabase> | undefined;
afterAll(async () => (await pglite)?.close());

describe('the inbox in the worker', () => {
  let bus: InMemoryEventBus;
  let fanout: RecordingFanout;
  let app: INestApplication;
  let db: PgliteDatabase;
  let base: string;

  beforeEach(async () => {
    pglite ??= (async () => {
      const database = new PgliteDatabase({ schema: 'inbox' });
      await database.connect();
      await migrate(database, INBOX_MIGRATIONS);
      return database;
    })();
    db = await pglite;
    bus = new InMemoryEventBus();
    fanout = new RecordingFanout();
    const moduleRef = await Test.createTestingModule({
      imports: [
        platformFixture({ bus, fanout, metrics: new MetricsService('inbox-test') }),
        AuthModule.forRoot(jwtEnvSchema.parse(TEST_JWT_ENV)),
        NotificationsModule.forRoot(config),
        InboxModule.forRoot(inboxConfig, { store: new SqlInboxStore(db) }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  }, 60_000);

  afterEach(async () => {
    await app.close();
    await bus.close();
    await db.exec('TRUNCATE inbox_items');
  });

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token && { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & { items?: unknown[] },
    };
  };

  const message = orderMessage;

  /** The inbox events pushed to `user:{id}`, in order. */
  const inboxPushes = (userId: string) =>
    fanout.emitted
      .filter((e) => e.delivery.channel === `user:${userId}` && e.delivery.event.type.startsWith('inbox.'))
      .map((e) => e.delivery.event as Envelope<string, Record<string, unknown>>);

  const statusChange = (to: 'confirmed' | 'shipped', orderId = 'o-1') => {
    const event = orderEvent('order.status_changed', { orderId, customerId: 'u-1' });
    return { ...event, id: uuidv7(), data: { ...event.data, from: 'placed' as const, to } };
  };

  it('keeps each status notification routed to the shopper once, and pushes the item and the counts (again on a redelivery)', async () => {
    const consumer = app.get(OrderEventsConsumer);
    const change = statusChange('confirmed');
    await consumer.handle(message(change));

    const listed = await call('GET', '/inbox', SHOPPER);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      items: [
        expect.objectContaining({
          notification: expect.objectContaining({
            type: 'notification.order_status',
            text: 'Your order is confirmed',
            subject: 'o-1',
            data: { orderId: 'o-1', status: 'confirmed', text: 'Your order is confirmed' },
          }),
          seenAt: null,
          readAt: null,
          archivedAt: null,
        }),
      ],
      nextCursor: null,
    });
    expect(inboxPushes('u-1').map((e) => [e.type, e.type === 'inbox.counts' ? e.data : e.data['id']])).toEqual([
      ['inbox.item', listed.body.items?.[0] && (listed.body.items[0] as { id: string }).id],
      ['inbox.counts', { unseen: 1, unread: 1 }],
    ]);

    // The same notification again (a redelivery whose processed mark was lost): no second item; the
    // item and counts pushed again, as they now are (clients replace an item by its id).
    const notification = fanout.emitted.find((e) => e.delivery.event.type === 'notification.order_status');
    await app.get(InboxService).keep('user:u-1', notification?.delivery.event as Envelope);
    expect((await call('GET', '/inbox', SHOPPER)).body.items).toHaveLength(1);
    const pushed = [
      ['inbox.item', (listed.body.items?.[0] as { id: string }).id],
      ['inbox.counts', { unseen: 1, unread: 1 }],
    ];
    expect(inboxPushes('u-1').map((e) => [e.type, e.type === 'inbox.counts' ? e.data : e.data['id']])).toEqual([
      ...pushed,
      ...pushed,
    ]);
    // Only notifications to users become items: not the order event the user channel also gets, nor other channels.
    await app.get(InboxService).keep('order:o-1', testNotification() as never);
    await expect(call('GET', '/inbox/counts', SHOPPER)).resolves.toEqual({
      status: 200,
      body: { unseen: 1, unread: 1 },
    });
  });

  it('announces an item whose first push failed when its event is delivered again', async () => {
    const consumer = app.get(OrderEventsConsumer);
    const change = statusChange('shipped');
    await consumer.handle(message(change));
    const notification = fanout.emitted.find((e) => e.delivery.event.type === 'notification.order_status');
    const event = notification?.delivery.event as Envelope;
    await db.exec('TRUNCATE inbox_items');
    fanout.emitted.length = 0;

    // Redis goes away between the item's insert and its push: the item is kept, nobody hears of it.
    fanout.failNext(1);
    await expect(app.get(InboxService).keep('user:u-1', event)).rejects.toThrow('fanout unavailable');
    expect((await call('GET', '/inbox', SHOPPER)).body.items).toHaveLength(1);
    expect(inboxPushes('u-1')).toEqual([]);

    // Kafka delivers the event again: no second item, and now the item and counts go out.
    await app.get(InboxService).keep('user:u-1', event);
    const { items } = (await call('GET', '/inbox', SHOPPER)).body;
    expect(items).toHaveLength(1);
    expect(inboxPushes('u-1').map((e) => [e.type, e.type === 'inbox.counts' ? e.data : e.data['id']])).toEqual([
      ['inbox.item', (items?.[0] as { id: string }).id],
      ['inbox.counts', { unseen: 1, unread: 1 }],
    ]);
  });

  it('patches read, seen and archived, pushing the item and the lower counts; a change to nothing pushes nothing', async () => {
    await app.get(OrderEventsConsumer).handle(message(statusChange('confirmed')));
    await app.get(OrderEventsConsumer).handle(message(statusChange('shipped')));
    const [newest] = (await call('GET', '/inbox', SHOPPER)).body.items as { id: string }[];
    const before = inboxPushes('u-1').length;

    const read = await call('PATCH', `/inbox/${newest?.id}`, SHOPPER, { read: true });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: newest?.id, readAt: expect.any(String), seenAt: expect.any(String) });
    expect(
      inboxPushes('u-1')
        .slice(before)
        .map((e) => [e.type, e.type === 'inbox.counts' ? e.data : e.data['readAt']]),
    ).toEqual([
      ['inbox.item', read.body['readAt']],
      ['inbox.counts', { unseen: 1, unread: 1 }],
    ]);
    await call('PATCH', `/inbox/${newest?.id}`, SHOPPER, { read: true });
    expect(inboxPushes('u-1').length).toBe(before + 2);

    await call('PATCH', `/inbox/${newest?.id}`, SHOPPER, { read: false, archived: true });
    await expect(call('GET', '/inbox/counts', SHOPPER)).resolves.toMatchObject({ body: { unseen: 1, unread: 1 } });
    expect((await call('GET', '/inbox?filter=archived', SHOPPER)).body.items).toEqual([
      expect.objectContaining({ id: newest?.id, readAt: null }),
    ]);

    const all = await call('POST', '/inbox/mark-all-read', SHOPPER);
    expect(all).toEqual({ status: 200, body: { updated: 2, counts: { unseen: 0, unread: 0 } } });
    expect(inboxPushes('u-1').at(-1)).toMatchObject({ type: 'inbox.counts', data: { unseen: 0, unread: 0 } });
    await expect(call('POST', '/inbox/mark-all-seen', SHOPPER)).resolves.toEqual({
      status: 200,
      body: { updated: 0, counts: { unseen: 0, unread: 0 } },
    });
  });

  it('shows a user only their own items: another user’s id answers exactly as a missing one', async () => {
    await app.get(OrderEventsConsumer).handle(message(statusChange('confirmed')));
    const [item] = (await call('GET', '/inbox', SHOPPER)).body.items as { id: string }[];
    await expect(call('GET', '/inbox', OTHER)).resolves.toEqual({ status: 200, body: { items: [], nextCursor: null } });
    const theirs = await call('PATCH', `/inbox/${item?.id}`, OTHER, { read: true });
    const missing = uuidv7();
    const none = await call('PATCH', `/inbox/${missing}`, OTHER, { read: true });
    expect(theirs).toEqual({ status: 404, body: { code: 'NOT_FOUND', message: `no inbox item ${item?.id}` } });
    expect(none).toEqual({ status: 404, body: { code: 'NOT_FOUND', message: `no inbox item ${missing}` } });
    expect((await call('GET', '/inbox', SHOPPER)).body.items).toEqual([expect.objectContaining({ readAt: null })]);
  });

  it('answers bad input with 400 INVALID naming the field, and no token with 401', async () => {
    const invalid = async (method: string, path: string, body?: unknown) => {
      const answer = await call(method, path, SHOPPER, body);
      expect(answer.status).toBe(400);
      expect(answer.body['code']).toBe('INVALID');
      return String(answer.body['message']);
    };
    await expect(invalid('GET', '/inbox?limit=0')).resolves.toMatch(/^limit:/);
    await expect(invalid('GET', '/inbox?filter=starred')).resolves.toMatch(/^filter:/);
    await expect(invalid('GET', '/inbox?cursor=abc')).resolves.toMatch(/^cursor: must be the nextCursor/);
    await expect(invalid('GET', '/inbox?color=red')).resolves.toMatch(/color/);
    await expect(invalid('PATCH', '/inbox/42', { read: true })).resolves.toMatch(/^id:/);
    await expect(invalid('PATCH', `/inbox/${uuidv7()}`, { read: 'yes' })).resolves.toMatch(/^read:/);
    await expect(invalid('PATCH', `/inbox/${uuidv7()}`, {})).resolves.toMatch(/at least one of read, seen, archived/);
    await expect(call('GET', '/inbox')).resolves.toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });
  });

  it('pages newest first with a cursor', async () => {
    for (const to of ['confirmed', 'shipped'] as const) {
      await app.get(OrderEventsConsumer).handle(message(statusChange(to)));
    }
    const first = await call('GET', '/inbox?limit=1', SHOPPER);
    expect(first.body.items).toEqual([
      expect.objectContaining({ notification: expect.objectContaining({ text: 'Your order has shipped' }) }),
    ]);
    const second = await call('GET', `/inbox?limit=1&cursor=${String(first.body['nextCursor'])}`, SHOPPER);
    expect(second.body).toEqual({
      items: [expect.objectContaining({ notification: expect.objectContaining({ text: 'Your order is confirmed' }) })],
      nextCursor: null,
    });
  });

  it('prunes items past the retention in batches', async () => {
    const store = new SqlInboxStore(db);
    const old = new Date(Date.now() - 40 * 86_400_000);
    for (let i = 0; i < 5; i++) await store.add('u-1', testNotification(`old ${i}`), old);
    await store.add('u-1', testNotification('recent'));
    await expect(app.get(InboxRetention).runOnce()).resolves.toBe(5);
    expect((await call('GET', '/inbox', SHOPPER)).body.items).toEqual([
      expect.objectContaining({ notification: expect.objectContaining({ text: 'recent' }) }),
    ]);
  });
});
