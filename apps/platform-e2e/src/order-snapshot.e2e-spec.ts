import { ShopNestClient } from '@shopnest/client';
import { orderChannel, OrderSnapshot, OrderStatus } from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { isDeepStrictEqual } from 'node:util';
import { OPS_TOKEN, paced, rest, restOk, sleep, STATUSES } from './support/order-flow';
import { Platform, startPlatform } from './support/platform';

/**
 * Order snapshot + deltas: SDK clients that `followOrder` at different moments while status
 * changes and courier positions flow at 100 per second (REST → outbox → Kafka → worker → edges)
 * all end with exactly the state REST's `GET /orders/:id` answers once the flow stops: no REST
 * call of their own, no gap or double-applied event at the seam between snapshot and deltas.
 */
const ORDERS = 4;
const CLIENTS = 5;
const RATE = 100;
const POSITIONS_BETWEEN_STATUSES = 30;

type Change = { orderId: string; status: OrderStatus } | { orderId: string; lat: number };

describe('order snapshot + deltas (followOrder)', () => {
  const run = runId();
  const customer = `snap-${run}-c`;
  const courier = `snap-${run}-k`;
  let platform: Platform;
  const clients: ShopNestClient[] = [];

  beforeAll(async () => {
    // Every position report becomes an event, so the last one REST holds is also the last one pushed.
    platform = await startPlatform(run, [{ name: 'edge-1' }, { name: 'edge-2' }], {
      env: { LOCATION_EVENT_MAX_PER_SEC: '1000' },
    });
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await platform?.stop();
  }, 60_000);

  it('every client, whenever it joins, ends with the state GET /orders/:id returns', async () => {
    const ordersUrl = platform.orders.url;
    const orderIds: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      const created = await restOk(
        `${ordersUrl}/orders`,
        'POST',
        signTestToken(customer),
        { itemsSummary: `${i + 1} × tea`, totalCents: 300 * (i + 1) },
        201,
      );
      orderIds.push(created['id'] as string);
    }
    // The worker has caught up once a watcher sees every courier assignment: from then on each order has a snapshot.
    const watcher = new ShopNestClient({
      url: platform.edges[0]?.url as string,
      tokenProvider: () => signTestToken(customer),
      transports: ['websocket'],
    });
    clients.push(watcher);
    const assigned = new Set<string>();
    const watching = orderIds.map(
      (id) =>
        watcher.subscribe(orderChannel(id), ({ event }) => {
          if (event.type === 'order.courier_assigned') assigned.add(id);
        }).ready,
    );
    await watcher.connect();
    expect((await Promise.all(watching)).filter((result) => !result.ok)).toEqual([]);
    for (const orderId of orderIds)
      await restOk(`${ordersUrl}/orders/${orderId}/courier`, 'POST', OPS_TOKEN, { courierId: courier }, 200);
    // Generous: the worker's first consumer-group join takes long on a loaded machine.
    await waitFor(() => assigned.size === ORDERS, 90_000).catch(() => {
      throw new Error(`${assigned.size}/${ORDERS} courier assignments arrived\n${platform.output()}`);
    });
    watcher.close();

    // Per order: positions between its status changes; half the orders stop short of `delivered`
    // (which refuses positions), so their flow ends on a position.
    const perOrder = orderIds.map((orderId, o) => {
      const statuses = o % 2 === 0 ? STATUSES : STATUSES.slice(0, -1);
      const list: Change[] = [];
      statuses.forEach((status, s) => {
        list.push({ orderId, status });
        if (status === 'delivered') return;
        for (let p = 0; p < POSITIONS_BETWEEN_STATUSES; p++)
          list.push({ orderId, lat: 10 + o + (s * POSITIONS_BETWEEN_STATUSES + p) / 1_000 });
      });
      return list;
    });
    const schedule: Change[] = [];
    for (let step = 0; perOrder.some((list) => list.length > step); step++)
      for (const list of perOrder) if (list[step]) schedule.push(list[step] as Change);
    const flowMs = (schedule.length * 1000) / RATE;

    const courierToken = signTestToken(courier, { roles: ['courier'] });
    const states: Array<Map<string, OrderSnapshot>> = [];
    const gaps: string[] = [];
    /** Per client and order, each version its state went through: after the snapshot, one step at a time. */
    const versionsSeen: Array<Map<string, number[]>> = [];
    const join = async (k: number) => {
      const client = new ShopNestClient({
        url: platform.edges[k % platform.edges.length]?.url as string,
        tokenProvider: () => signTestToken(customer),
        transports: ['websocket'],
      });
      clients.push(client);
      const seen = new Map<string, OrderSnapshot>();
      states.push(seen);
      const versions = new Map<string, number[]>();
      versionsSeen.push(versions);
      client.on('gap', (channel) => gaps.push(`client ${k}: ${channel}`));
      const following = orderIds.map(
        (id) =>
          client.followOrder(id, (state) => {
            seen.set(id, state);
            const list = versions.get(id) ?? [];
            if (list[list.length - 1] !== state.version) versions.set(id, [...list, state.version]);
          }).ready,
      );
      await client.connect();
      expect((await Promise.all(following)).filter((result) => !result.ok)).toEqual([]);
    };

    // Clients join before and throughout the flow, each at its own moment.
    const joining = Array.from({ length: CLIENTS }, (_, k) =>
      sleep((k * flowMs) / CLIENTS + 100 * k).then(() => join(k)),
    );
    await paced(
      schedule,
      RATE,
      (change) => change.orderId,
      async (change) => {
        if ('status' in change)
          await restOk(
            `${ordersUrl}/orders/${change.orderId}/status`,
            'PATCH',
            OPS_TOKEN,
            { status: change.status },
            200,
          );
        else
          await restOk(
            `${ordersUrl}/orders/${change.orderId}/location`,
            'POST',
            courierToken,
            { lat: change.lat, lng: 13.4, speed: 4 },
            202,
          );
      },
    );
    await Promise.all(joining);

    const expected = new Map<string, unknown>();
    for (const orderId of orderIds) {
      const answer = await rest(`${ordersUrl}/orders/${orderId}`, 'GET', signTestToken(customer));
      expect(answer.status).toBe(200);
      expected.set(orderId, answer.body);
    }
    const matches = () =>
      states.every((seen) => orderIds.every((id) => isDeepStrictEqual(seen.get(id), expected.get(id))));
    await waitFor(matches, 30_000).catch(() => undefined); // the assertions below say what differs
    expect(gaps).toEqual([]);
    for (const seen of states) for (const id of orderIds) expect(seen.get(id)).toEqual(expected.get(id));
    // No state event was skipped or applied twice at the seam between the snapshot and the deltas.
    for (const versions of versionsSeen)
      for (const list of versions.values()) {
        const first = list[0] as number;
        expect(list).toEqual(list.map((_, i) => first + i));
      }
  }, 240_000);
});
