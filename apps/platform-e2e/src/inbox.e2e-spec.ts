import { ShopNestClient, ShopNestDelivery } from '@shopnest/client';
import { InboxCounts, InboxItem, userChannel } from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { v7 as uuidv7 } from 'uuid';
import { OPS_TOKEN, rest, restOk, STATUSES } from './support/order-flow';
import { Platform, startPlatform } from './support/platform';

/**
 * The notification inbox end to end: a shopper is offline for a whole order lifecycle (REST on
 * order-tracking → outbox → Kafka → worker), then signs in on two devices (SDK clients on two
 * edges). The worker's inbox has every status notification once, in order, with the same counts
 * for both; a change on one device reaches the other live.
 */
describe('inbox: what a shopper missed while offline, the same on every device', () => {
  const run = runId();
  const shopperId = `shopper-${run}`;
  const shopper = signTestToken(shopperId, { roles: ['customer'] });
  const stranger = signTestToken(`stranger-${run}`, { roles: ['customer'] });
  const clients: ShopNestClient[] = [];
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform(run, [{ name: 'edge-1' }, { name: 'edge-2' }]);
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await platform?.stop();
  });

  const inbox = (method: string, path: string, token: string, body?: unknown) =>
    rest(`${platform.worker.url}${path}`, method, token, body);

  /** A signed-in device: an SDK client on `edge`, subscribed to the shopper's channel, recording what arrives there. */
  async function device(edge: number) {
    const client = new ShopNestClient({
      url: platform.edges[edge]?.url as string,
      tokenProvider: () => shopper,
      transports: ['websocket'],
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
    });
    clients.push(client);
    const seen: { at: number; delivery: ShopNestDelivery }[] = [];
    const subscription = client.subscribe(userChannel(shopperId), (delivery) =>
      seen.push({ at: performance.now(), delivery }),
    );
    await client.connect();
    expect(await subscription.ready).toMatchObject({ ok: true });
    const counts = () =>
      seen.flatMap(({ at, delivery: { event } }) => (event.type === 'inbox.counts' ? [{ at, ...event.data }] : []));
    return { client, seen, counts };
  }

  it('lists every status notification of the lifecycle once, in order; marking read on one device updates the other within a second', async () => {
    // The whole lifecycle while the shopper has no connection at all.
    const order = await restOk(
      `${platform.orders.url}/orders`,
      'POST',
      shopper,
      { itemsSummary: '1 × teapot', totalCents: 3900 },
      201,
    );
    for (const status of STATUSES) {
      await restOk(`${platform.orders.url}/orders/${String(order['id'])}/status`, 'PATCH', OPS_TOKEN, { status }, 200);
    }
    const listAll = async () => (await inbox('GET', '/inbox?limit=100', shopper)).body['items'] as InboxItem[];
    await waitFor(async () => (await listAll()).length >= STATUSES.length, 30_000);

    // Signs in on two devices, each on its own edge.
    const [phone, laptop] = [await device(0), await device(1)];
    const items = await listAll();
    expect(items.every((item) => /^Your order/.test(item.notification.text))).toBe(true);
    expect(items.map((item) => (item.notification.data as { status: string }).status)).toEqual([...STATUSES].reverse());
    expect(new Set(items.map((item) => item.notification.eventId)).size).toBe(STATUSES.length);
    expect(items.every((item) => item.notification.subject === order['id'] && item.readAt === null)).toBe(true);
    // Both devices read the same counts.
    for (let i = 0; i < 2; i++) {
      await expect(inbox('GET', '/inbox/counts', shopper)).resolves.toEqual({
        status: 200,
        body: { unseen: STATUSES.length, unread: STATUSES.length },
      });
    }

    // The phone reads the newest; the laptop hears of it live, with the lower unread count.
    const newest = items[0] as InboxItem;
    const patchedAt = performance.now();
    const read = await inbox('PATCH', `/inbox/${newest.id}`, shopper, { read: true });
    expect(read).toMatchObject({ status: 200, body: { id: newest.id, readAt: expect.any(String) } });
    const expected: InboxCounts = { unseen: STATUSES.length - 1, unread: STATUSES.length - 1 };
    await waitFor(() => laptop.counts().some((c) => c.unread === expected.unread), 5_000);
    const heard = laptop.counts().find((c) => c.unread === expected.unread);
    expect(heard).toMatchObject(expected);
    expect((heard?.at ?? Infinity) - patchedAt).toBeLessThan(1_000);
    await waitFor(() => phone.counts().some((c) => c.unread === expected.unread), 5_000);
    // The item travels with the counts, so the other device's list shows it read too.
    expect(
      laptop.seen.some(
        ({ delivery: { event } }) => event.type === 'inbox.item' && event.data.id === newest.id && event.data.readAt,
      ),
    ).toBe(true);

    // Mark all read on the laptop: the phone's badge goes to zero.
    await expect(inbox('POST', '/inbox/mark-all-read', shopper)).resolves.toMatchObject({
      status: 200,
      body: { updated: STATUSES.length - 1, counts: { unseen: 0, unread: 0 } },
    });
    await waitFor(() => phone.counts().at(-1)?.unread === 0, 5_000);
  });

  it('never shows one user another user’s items: their ids answer as missing ones', async () => {
    const [item] = (await inbox('GET', '/inbox', shopper)).body['items'] as InboxItem[];
    expect(item).toBeDefined();
    await expect(inbox('GET', '/inbox', stranger)).resolves.toEqual({
      status: 200,
      body: { items: [], nextCursor: null },
    });
    await expect(inbox('GET', '/inbox/counts', stranger)).resolves.toEqual({
      status: 200,
      body: { unseen: 0, unread: 0 },
    });
    const theirs = await inbox('PATCH', `/inbox/${item?.id}`, stranger, { archived: true });
    expect(theirs).toEqual({ status: 404, body: { code: 'NOT_FOUND', message: `no inbox item ${item?.id}` } });
    const missing = uuidv7();
    const none = await inbox('PATCH', `/inbox/${missing}`, stranger, { archived: true });
    expect(none).toEqual({ status: 404, body: { code: 'NOT_FOUND', message: `no inbox item ${missing}` } });
    expect((await inbox('GET', '/inbox?filter=all', shopper)).body['items']).toContainEqual(
      expect.objectContaining({ id: item?.id, archivedAt: null }),
    );
    await expect(inbox('GET', '/inbox?filter=starred', shopper)).resolves.toMatchObject({
      status: 400,
      body: { code: 'INVALID', message: expect.stringMatching(/^filter:/) },
    });
  });
});
