import { ShopNestClient, ShopNestDelivery } from '@shopnest/client';
import {
  ListDeadLettersResponse,
  NOTIFICATION_PUBLISHED,
  NOTIFICATIONS_TOPIC,
  NotificationPublishedEvent,
  PublishNotificationResponse,
  userChannel,
} from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { randomUUID } from 'node:crypto';
import { OrderEventsProducer } from './support/order-events-producer';
import { Platform, startPlatform } from './support/platform';

/**
 * Other services notify users through the built notification-worker, on real Kafka and Redis:
 * `POST /notifications` with a `service` token reaches every addressed user's SDK client, live
 * and, for one that was offline, in replay; the allowlist and roles refuse what they must; an event
 * a service writes straight to the topic that its allowlist forbids is dead-lettered with the reason.
 */
describe('publishing notifications from other services', () => {
  const run = runId();
  const producer = new OrderEventsProducer(process.env['KAFKA_BROKERS'] as string, `e2e-${run}.`);
  const payments = signTestToken('payments', { roles: ['service'] });
  const users = [`pay-a-${run}`, `pay-b-${run}`];
  const clients: ShopNestClient[] = [];
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform(run, [{ name: 'edge' }], {
      workerEnv: { PUBLISH_ALLOWLIST: 'payments=user:*;marketing=user:*,ops:orders' },
    });
    await producer.connect();
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    await producer.disconnect();
    await platform?.stop();
  });

  const publish = async (body: unknown, token: string | null = payments, raw?: string) => {
    const response = await fetch(`${platform.worker.url}/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      body: raw ?? JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('reaches each addressed user live, and in replay after being offline, once', async () => {
    const received = new Map<string, ShopNestDelivery[]>(users.map((u) => [u, []]));
    for (const user of users) {
      const client = new ShopNestClient({
        url: platform.edges[0]?.url as string,
        tokenProvider: () => signTestToken(user),
        transports: ['websocket'],
        reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 },
      });
      clients.push(client);
      const subscription = client.subscribe(userChannel(user), (d) => void received.get(user)?.push(d));
      await client.connect();
      expect(await subscription.ready).toEqual({ ok: true });
    }
    // The notifications only: each also adds an inbox item (inbox.item, inbox.counts) on the same channel.
    const ids = (user: string) =>
      (received.get(user) ?? []).filter((d) => d.event.type === NOTIFICATION_PUBLISHED).map((d) => d.event.id);

    const first = await publish({
      to: { users },
      title: 'Refund sent',
      text: 'Your refund is on its way',
      data: { refundId: 'r-1' },
    });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ id: expect.any(String), channels: 2 });
    const firstId = (first.body as unknown as PublishNotificationResponse).id;
    await waitFor(() => users.every((u) => ids(u).includes(firstId)), 30_000, 100);
    const [delivered] = received.get(users[0] as string) ?? [];
    expect(delivered?.event).toMatchObject({
      id: firstId,
      type: NOTIFICATION_PUBLISHED,
      source: '/shopnest/payments',
      data: { title: 'Refund sent', text: 'Your refund is on its way', data: { refundId: 'r-1' } },
    });
    expect(delivered?.event.data).not.toHaveProperty('to');
    expect(delivered?.offset).toEqual(expect.any(String));

    // The second user goes offline; what is published meanwhile is replayed when they are back.
    const offline = clients[1] as ShopNestClient;
    offline.close();
    const second = await publish({ to: { users }, text: 'Payment received' });
    expect(second.status).toBe(202);
    const secondId = (second.body as unknown as PublishNotificationResponse).id;
    await waitFor(() => ids(users[0] as string).includes(secondId), 30_000, 100);
    expect(ids(users[1] as string)).toEqual([firstId]);
    await offline.connect();
    await waitFor(() => ids(users[1] as string).includes(secondId), 30_000, 100);

    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const user of users) expect(ids(user)).toEqual([firstId, secondId]);
  });

  it('refuses what the caller may not do, with the code and the field', async () => {
    const ok = { to: { users: ['u-1'] }, text: 'hello' };
    expect(await publish({ to: { channel: 'ops:orders' }, text: 'x' })).toEqual({
      status: 403,
      body: { code: 'FORBIDDEN', message: 'payments may not publish to ops:orders' },
    });
    expect(
      await publish(
        { to: { channel: 'ticket-internal:t-1' }, text: 'x' },
        signTestToken('marketing', { roles: ['service'] }),
      ),
    ).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    expect(await publish(ok, signTestToken('shopper', { roles: ['customer'] }))).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN' },
    });
    expect(await publish(ok, signTestToken('catalog', { roles: ['service'] }))).toMatchObject({
      status: 403,
      body: { code: 'FORBIDDEN', message: 'catalog may not publish to user:u-1' },
    });
    expect(await publish(ok, null)).toMatchObject({ status: 401, body: { code: 'UNAUTHENTICATED' } });

    const invalid = await publish({ to: { users: [] }, text: '' });
    expect(invalid.status).toBe(400);
    expect(invalid.body['code']).toBe('INVALID');
    expect(invalid.body['message']).toMatch(/(^|; )to\.users: /);
    expect(invalid.body['message']).toMatch(/(^|; )text: /);
    expect((await publish({ ...ok, data: { blob: 'x'.repeat(5_000) } })).body).toMatchObject({
      code: 'INVALID',
      message: expect.stringMatching(/^data: must be at most 4096 bytes/),
    });

    const oversized = await publish(null, payments, JSON.stringify({ ...ok, text: 'x'.repeat(200_000) }));
    expect(oversized).toEqual({ status: 413, body: { code: 'INVALID', message: 'request entity too large' } });
    expect(await publish(null, payments, '{"to":')).toMatchObject({ status: 400, body: { code: 'INVALID' } });
  });

  it('dead-letters an event a service writes straight to the topic for a channel it may not use, with the reason', async () => {
    const event: NotificationPublishedEvent = {
      specversion: '1.0',
      id: randomUUID(),
      type: NOTIFICATION_PUBLISHED,
      source: '/shopnest/payments',
      subject: 'ops:orders',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      sequence: 0,
      data: { to: { channel: 'ops:orders' }, text: 'not yours to say' },
    };
    await producer.publish([event], { topic: NOTIFICATIONS_TOPIC });
    const ops = signTestToken('ops-e2e', { roles: ['ops'] });
    const list = async () => {
      const response = await fetch(`${platform.worker.url}/admin/dead-letters/${NOTIFICATIONS_TOPIC}`, {
        headers: { authorization: `Bearer ${ops}` },
      });
      return ((await response.json()) as ListDeadLettersResponse).items;
    };
    await waitFor(async () => (await list()).some((letter) => letter.event?.id === event.id), 60_000, 500);
    const letter = (await list()).find((l) => l.event?.id === event.id);
    expect(letter).toMatchObject({
      reason: 'invalid',
      error: 'data.to: FORBIDDEN: payments may not publish to ops:orders',
      original: { topic: NOTIFICATIONS_TOPIC },
    });
  });
});
