import { ShopNestClient } from '@shopnest/client';
import { orderChannel } from '@shopnest/contracts';
import { dedicatedPostgres, DedicatedServer, runId, signTestToken, waitFor } from '@shopnest/testing';
import { DeliveryLog, describeEvent, OPS_TOKEN, rest, restOk, sleep, STATUSES } from './support/order-flow';
import { Platform, readiness, startPlatform } from './support/platform';

/**
 * PostgreSQL crashes (`pg_ctl -m immediate`, right after a burst of changes, so the relay may be
 * mid-batch) and comes back: order-tracking answers 503 `UNAVAILABLE` while it is away, at once
 * rather than hanging, and `/health/ready` says 503; it recovers by itself, and every change it
 * acknowledged reaches the shoppers exactly once, in order: the outbox loses nothing.
 * A PostgreSQL of its own: the shared cluster serves everyone else.
 */
const ORDERS = 8;
const CUSTOMERS = 2;

describe('PostgreSQL restarted', () => {
  const run = runId();
  let postgres: DedicatedServer;
  let platform: Platform;
  const clients: ShopNestClient[] = [];

  beforeAll(async () => {
    postgres = await dedicatedPostgres();
    await postgres.start();
    platform = await startPlatform(run, [{ name: 'edge' }], { databaseUrl: postgres.url });
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await platform?.stop();
    await postgres?.remove();
  }, 60_000);

  it('order-tracking answers 503 while it is away, recovers by itself, and the outbox loses nothing', async () => {
    const ordersUrl = platform.orders.url;
    const log = new DeliveryLog();
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `pg-${run}-c${i}`);
    const orders: { id: string; customer: string }[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const customer = customers[i % CUSTOMERS] as string;
      const created = await restOk(
        `${ordersUrl}/orders`,
        'POST',
        signTestToken(customer),
        { itemsSummary: '1 × tea', totalCents: 900 },
        201,
      );
      orders.push({ id: created['id'] as string, customer });
    }
    const subscriptions = [];
    for (const customer of customers) {
      const client = new ShopNestClient({
        url: platform.edges[0]?.url as string,
        tokenProvider: () => signTestToken(customer),
        transports: ['websocket'],
        reconnect: { initialDelayMs: 200, maxDelayMs: 2_000 },
      });
      clients.push(client);
      log.watchGaps(customer, client);
      for (const order of orders.filter((o) => o.customer === customer))
        subscriptions.push(log.track(customer, client, orderChannel(order.id)).ready);
    }
    await Promise.all(clients.map((client) => client.connect()));
    expect((await Promise.all(subscriptions)).filter((result) => !result.ok)).toEqual([]);

    const change = (id: string, status: string) =>
      rest(`${ordersUrl}/orders/${id}/status`, 'PATCH', OPS_TOKEN, { status });
    for (const order of orders)
      await restOk(`${ordersUrl}/orders/${order.id}/courier`, 'POST', OPS_TOKEN, { courierId: `k-${order.id}` }, 200);
    for (const status of STATUSES.slice(0, 2)) {
      for (const order of orders)
        await restOk(`${ordersUrl}/orders/${order.id}/status`, 'PATCH', OPS_TOKEN, { status }, 200);
    }
    // A burst, then the crash at once: some of its events are likely still in the outbox, or mid-publish.
    const burst = await Promise.all(orders.map((order) => change(order.id, STATUSES[2] as string)));
    expect(burst.map((answer) => answer.status)).toEqual(orders.map(() => 200));
    await postgres.kill();

    // Away: every request that needs the database fails fast with 503 and a code to branch on.
    const during = await Promise.all([
      change((orders[0] as { id: string }).id, STATUSES[3] as string),
      rest(`${ordersUrl}/orders/${(orders[1] as { id: string }).id}`, 'GET', OPS_TOKEN),
      rest(`${ordersUrl}/orders`, 'POST', signTestToken(customers[0] as string), {
        itemsSummary: '1 × tea',
        totalCents: 900,
      }),
    ]).catch((error: Error) => {
      throw new Error(
        `a request failed without an answer while PostgreSQL was away: ${error.message}\n${platform.output()}`,
      );
    });
    expect(during.map((answer) => ({ status: answer.status, code: answer.body['code'] }))).toEqual(
      during.map(() => ({ status: 503, code: 'UNAVAILABLE' })),
    );
    expect(await readiness(platform.orders)).toBe(503);
    await sleep(2_000);

    await postgres.start();
    await waitFor(async () => (await readiness(platform.orders)) === 200, 30_000, 200).catch(() => {
      throw new Error(`order-tracking was not ready again after PostgreSQL came back\n${platform.output()}`);
    });
    for (const status of STATUSES.slice(3)) {
      for (const order of orders)
        await restOk(`${ordersUrl}/orders/${order.id}/status`, 'PATCH', OPS_TOKEN, { status }, 200);
    }

    const expected = ['order.courier_assigned', ...STATUSES];
    const keys = log.keys();
    const judged = (name: string, channel: string) =>
      log.events(name, channel).filter((e) => e.type !== 'order.created');
    await waitFor(() => keys.every((k) => judged(k.name, k.channel).length >= expected.length), 60_000, 100).catch(
      () => {
        const short = keys
          .filter((k) => judged(k.name, k.channel).length < expected.length)
          .map((k) => `${k.channel}: ${judged(k.name, k.channel).map(describeEvent).join(',')}`);
        throw new Error(
          `not every event arrived (${short.length} short: ${short.slice(0, 3).join('; ')})\n${platform.output()}`,
        );
      },
    );
    await sleep(500); // a late duplicate would show up now
    for (const { name, channel } of keys) {
      const events = judged(name, channel);
      expect({ channel, events: events.map(describeEvent) }).toEqual({ channel, events: expected });
      expect(events.map((e) => e.sequence)).toEqual(expected.map((_, i) => i + 2)); // 1 is order.created
    }
    expect(log.gaps).toEqual([]);
  }, 150_000);
});
