import { ShopNestClient } from '@shopnest/client';
import { OPS_ORDERS_CHANNEL, orderChannel } from '@shopnest/contracts';
import { dedicatedRedis, DedicatedServer, runId, ServiceProcess, signTestToken, waitFor } from '@shopnest/testing';
import {
  DeliveryLog,
  describeEvent,
  OPS_TOKEN,
  paced,
  restOk,
  sleep,
  STATUSES,
  statusRounds,
} from './support/order-flow';
import { Platform, readiness, startPlatform } from './support/platform';

/**
 * Redis crashes (SIGKILL) and comes back while status changes flow: the worker and both edges
 * reconnect by themselves, say 503 on `/health/ready` while it is away and 200 after, and every SDK
 * client ends with every event of its channels exactly once, in order, with no gap: history is kept
 * across the restart by Redis' append-only file (`appendfsync always`, see docs/operations.md).
 * A Redis of its own: the shared one serves everyone else.
 */
const ORDERS = 12;
const CUSTOMERS = 3;
/** Status changes per second over REST; the outage lands in the middle of them. */
const RATE = 6;

describe('Redis restarted while events flow', () => {
  const run = runId();
  let redis: DedicatedServer;
  let platform: Platform;
  const clients: ShopNestClient[] = [];

  beforeAll(async () => {
    redis = await dedicatedRedis();
    await redis.start();
    platform = await startPlatform(run, [{ name: 'edge-1' }, { name: 'edge-2' }], { redisUrl: redis.url });
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await platform?.stop();
    await redis?.remove();
  }, 60_000);

  it('edges and worker reconnect; ready is 503 while Redis is away; every client gets every event once, in order', async () => {
    const output = () => platform.output();
    const log = new DeliveryLog();
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => `redis-${run}-c${i}`);
    const orders: { id: string; customer: string }[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const customer = customers[i % CUSTOMERS] as string;
      const created = await restOk(
        `${platform.orders.url}/orders`,
        'POST',
        signTestToken(customer),
        { itemsSummary: '1 × tea', totalCents: 900 },
        201,
      );
      orders.push({ id: created['id'] as string, customer });
    }

    // One SDK client per customer on each edge, and the ops board on the second edge.
    const subscriptions = [];
    for (const customer of customers) {
      for (const [e, edge] of platform.edges.entries()) {
        const name = `${customer}@edge-${e + 1}`;
        const client = newClient(edge, () => signTestToken(customer));
        log.watchGaps(name, client);
        for (const order of orders.filter((o) => o.customer === customer))
          subscriptions.push(log.track(name, client, orderChannel(order.id)).ready);
      }
    }
    const ops = newClient(platform.edges[1] as ServiceProcess, () => OPS_TOKEN);
    log.watchGaps('ops', ops);
    subscriptions.push(log.track('ops', ops, OPS_ORDERS_CHANNEL).ready);
    await Promise.all(clients.map((client) => client.connect()));
    expect((await Promise.all(subscriptions)).filter((result) => !result.ok)).toEqual([]);

    // A courier per order first, so every channel has an offset to resume from before Redis goes.
    for (const order of orders)
      await restOk(
        `${platform.orders.url}/orders/${order.id}/courier`,
        'POST',
        OPS_TOKEN,
        { courierId: `k-${order.id}` },
        200,
      );
    const orderKeys = log.keys().filter((k) => k.channel !== OPS_ORDERS_CHANNEL);
    await waitFor(() => orderKeys.every((k) => log.events(k.name, k.channel).length >= 1), 30_000).catch(() => {
      throw new Error(`courier assignments did not all arrive\n${output()}`);
    });

    const services = [platform.worker, ...platform.edges];
    const statuses = () => Promise.all(services.map(readiness));
    const rounds = statusRounds(orders);
    const produce = paced(
      rounds,
      RATE,
      (c) => c.order.id,
      async ({ order, status }) => {
        await restOk(`${platform.orders.url}/orders/${order.id}/status`, 'PATCH', OPS_TOKEN, { status }, 200);
      },
    );
    const outage = (async () => {
      await sleep(2_000);
      await redis.kill();
      // Not ready while Redis is away: a load balancer stops sending new clients to these edges.
      await waitFor(async () => (await statuses()).every((s) => s === 503), 20_000, 200).catch(async () => {
        throw new Error(
          `not every service turned 503 with Redis away: ${JSON.stringify(await statuses())}\n${output()}`,
        );
      });
      await sleep(3_000); // status changes keep committing and reaching Kafka meanwhile
      await redis.start();
      await waitFor(async () => (await statuses()).every((s) => s === 200), 30_000, 200).catch(async () => {
        throw new Error(
          `not every service was ready again after Redis came back: ${JSON.stringify(await statuses())}\n${output()}`,
        );
      });
    })();
    await Promise.all([produce, outage]);

    // The board's status changes: an order's creation may reach it too, when its event is pushed after the subscribe.
    const statusChanges = () => log.events('ops', OPS_ORDERS_CHANNEL).filter((e) => e.type !== 'order.created');
    const expected = ['order.courier_assigned', ...STATUSES];
    await waitFor(
      () =>
        orderKeys.every(
          (k) => log.events(k.name, k.channel).filter((e) => e.type !== 'order.created').length >= expected.length,
        ) && statusChanges().length >= rounds.length,
      60_000,
      100,
    ).catch(() => {
      const short = orderKeys
        .filter((k) => log.events(k.name, k.channel).length < expected.length)
        .map(
          (k) =>
            `${k.name} ${k.channel}: ${log.events(k.name, k.channel).map(describeEvent).join(' ')} at ${log.offsets(k.name, k.channel).join(' ')}`,
        );
      const seen = new Set(statusChanges().map((e) => `${e.subject} ${describeEvent(e)}`));
      const missing = rounds.filter(({ order, status }) => !seen.has(`${order.id} ${status}`));
      throw new Error(
        [
          `not every event arrived (${short.length} short: ${short.slice(0, 5).join(', ')}; ops ${seen.size}/${rounds.length})`,
          `ops missing: ${missing.map(({ order, status }) => `#${orders.indexOf(order)} ${status}`).join(', ')}`,
          `ops offsets: ${log.offsets('ops', OPS_ORDERS_CHANNEL).join(' ')}; gaps: ${log.gaps.join(', ')}`,
          output(),
        ].join('\n'),
      );
    });
    await sleep(500); // a late duplicate would show up now
    for (const { name, channel } of orderKeys) {
      // order.created may have been pushed before or after the subscribe: not part of the judgement.
      const events = log.events(name, channel).filter((e) => e.type !== 'order.created');
      expect({ name, channel, events: events.map(describeEvent) }).toEqual({ name, channel, events: expected });
      expect(events.map((e) => e.sequence)).toEqual(expected.map((_, i) => i + 2)); // 1 was order.created, before the subscribe
    }
    const board = statusChanges();
    expect(new Set(board.map((e) => e.id)).size).toBe(rounds.length);
    expect(board).toHaveLength(rounds.length);
    for (const order of orders) {
      expect(board.filter((e) => e.subject === order.id).map(describeEvent)).toEqual(STATUSES);
    }
    // History survived the crash (append-only file): every resume was filled from it.
    expect(log.gaps).toEqual([]);
  }, 150_000);

  function newClient(edge: ServiceProcess, tokenProvider: () => string): ShopNestClient {
    const client = new ShopNestClient({
      url: edge.url,
      tokenProvider,
      transports: ['websocket'],
      reconnect: { initialDelayMs: 200, maxDelayMs: 2_000 },
    });
    clients.push(client);
    return client;
  }
});
