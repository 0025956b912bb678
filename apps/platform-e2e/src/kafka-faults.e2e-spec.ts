import { ShopNestClient } from '@shopnest/client';
import { orderChannel } from '@shopnest/contracts';
import {
  dedicatedKafka,
  DedicatedServer,
  freePort,
  runId,
  ServiceProcess,
  signTestToken,
  startService,
  waitFor,
} from '@shopnest/testing';
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
import { platformEnv, READY_TIMEOUT_MS } from './support/platform';

/**
 * Kafka faults, on a broker of this file's own (the shared one serves everyone else):
 * order-tracking starts and serves while Kafka is unreachable and relays once it appears; then the
 * broker is killed (SIGKILL) and restarted on the same ports and log dir while status changes flow,
 * and every SDK client still gets every event exactly once, in order per order.
 */
const CUSTOMERS = 2;

describe('Kafka faults (a broker of its own)', () => {
  const run = runId();
  let kafka: DedicatedServer;
  let env: ReturnType<typeof platformEnv>;
  const services = new Map<string, ServiceProcess>();
  const clients = new Map<string, ShopNestClient>();
  const log = new DeliveryLog();
  const customers = Array.from({ length: CUSTOMERS }, (_, i) => `kafka-${run}-c${i}`);
  const output = () => [...services.values()].map((s) => `--- ${s.name}\n${s.output().slice(-3_000)}`).join('\n');
  const service = (name: string) => services.get(name) as ServiceProcess;

  beforeAll(async () => {
    kafka = await dedicatedKafka(); // created, not started: the first test starts it
    env = platformEnv(run, { kafkaBrokers: kafka.url });
  });

  afterAll(async () => {
    for (const client of clients.values()) client.close();
    await Promise.all([...services.values()].map((s) => s.stop()));
    await kafka?.remove();
  }, 60_000);

  /** Creates `count` orders over REST, round-robin over the customers, and subscribes each customer's client to theirs. */
  async function ordersFollowed(count: number): Promise<{ id: string; customer: string }[]> {
    const orders: { id: string; customer: string }[] = [];
    for (let i = 0; i < count; i++) {
      const customer = customers[i % CUSTOMERS] as string;
      const created = await restOk(
        `${service('orders').url}/orders`,
        'POST',
        signTestToken(customer),
        { itemsSummary: '1 × tea', totalCents: 900 },
        201,
      );
      orders.push({ id: created['id'] as string, customer });
    }
    const ready = orders.map(
      (order) => log.track(order.customer, clients.get(order.customer) as ShopNestClient, orderChannel(order.id)).ready,
    );
    expect((await Promise.all(ready)).filter((result) => !result.ok)).toEqual([]);
    return orders;
  }

  it('order-tracking started while Kafka is unreachable starts, serves REST, and relays once Kafka appears', async () => {
    services.set(
      'orders',
      await startService({
        app: 'order-tracking',
        port: await freePort(),
        env: env.orders,
        readyTimeoutMs: READY_TIMEOUT_MS,
      }),
    );
    services.set(
      'edge',
      await startService({
        app: 'connection-edge',
        name: 'edge',
        port: await freePort(),
        env: env.edge(service('orders').url),
        readyTimeoutMs: READY_TIMEOUT_MS,
      }),
    );
    for (const customer of customers) {
      const client = new ShopNestClient({
        url: service('edge').url,
        tokenProvider: () => signTestToken(customer),
        transports: ['websocket'],
        reconnect: { initialDelayMs: 200, maxDelayMs: 2_000 },
      });
      log.watchGaps(customer, client);
      clients.set(customer, client);
      await client.connect();
    }
    // Kafka is not running: REST still takes orders and changes (the outbox keeps their events).
    const orders = await ordersFollowed(4);
    for (const order of orders)
      await restOk(
        `${service('orders').url}/orders/${order.id}/status`,
        'PATCH',
        OPS_TOKEN,
        { status: 'confirmed' },
        200,
      );

    await kafka.start();
    // The worker reads this run's fresh topic from the beginning, so it finds what the relay publishes now.
    services.set(
      'worker',
      await startService({
        app: 'notification-worker',
        port: await freePort(),
        env: env.worker,
        readyTimeoutMs: 90_000,
      }),
    );
    await waitFor(() => orders.every((o) => log.events(o.customer, orderChannel(o.id)).length >= 2), 60_000, 100).catch(
      () => {
        throw new Error(`the events committed while Kafka was unreachable did not all arrive\n${output()}`);
      },
    );
    await sleep(500); // a late duplicate would show up now
    for (const order of orders) {
      expect(log.events(order.customer, orderChannel(order.id)).map(describeEvent)).toEqual([
        'order.created',
        'confirmed',
      ]);
    }
  }, 150_000);

  it('Kafka broker killed and restarted while events flow: nothing lost, nothing out of order per order', async () => {
    const orders = await ordersFollowed(8);
    for (const order of orders)
      await restOk(
        `${service('orders').url}/orders/${order.id}/courier`,
        'POST',
        OPS_TOKEN,
        { courierId: `k-${order.id}` },
        200,
      );
    await waitFor(
      () =>
        orders.every((o) =>
          log.events(o.customer, orderChannel(o.id)).some((e) => e.type === 'order.courier_assigned'),
        ),
      30_000,
      100,
    );

    const rounds = statusRounds(orders);
    const produce = paced(
      rounds,
      4,
      (c) => c.order.id,
      async ({ order, status }) => {
        await restOk(`${service('orders').url}/orders/${order.id}/status`, 'PATCH', OPS_TOKEN, { status }, 200);
      },
    );
    const outage = (async () => {
      await sleep(2_000);
      await kafka.kill();
      await sleep(3_000); // changes keep committing into the outbox meanwhile
      await kafka.start();
    })();
    await Promise.all([produce, outage]);

    const expected = ['order.courier_assigned', ...STATUSES];
    const judged = (o: { id: string; customer: string }) =>
      log.events(o.customer, orderChannel(o.id)).filter((e) => e.type !== 'order.created');
    await waitFor(() => orders.every((o) => judged(o).length >= expected.length), 90_000, 100).catch(() => {
      const short = orders
        .filter((o) => judged(o).length < expected.length)
        .map((o) => `${o.id}: ${judged(o).map(describeEvent).join(',')}`);
      throw new Error(
        `not every event arrived after the broker restart (${short.length} short: ${short.slice(0, 3).join('; ')})\n${output()}`,
      );
    });
    await sleep(500); // a late duplicate would show up now
    for (const order of orders) {
      const events = judged(order);
      expect({ order: order.id, events: events.map(describeEvent) }).toEqual({ order: order.id, events: expected });
      expect(events.map((e) => e.sequence)).toEqual(expected.map((_, i) => i + 2)); // 1 is order.created
    }
    expect(log.gaps).toEqual([]);
  }, 180_000);
});
