import {
  CLIENT_EVENTS,
  Delivery,
  OPS_ORDERS_CHANNEL,
  OPS_STATS_EVENT,
  OpsStats,
  SubscribeAck,
} from '@shopnest/contracts';
import { runId, ServiceProcess, signTestToken, waitFor } from '@shopnest/testing';
import { Clients, createOrder, Platform, setStatus, startPlatform } from './support/platform';

/**
 * The ops board's numbers in the cluster: two edge processes and a worker on real Kafka and Redis
 * each report `ops.stats` on `ops:orders`; a board on one edge hears every edge (the Redis adapter)
 * and the worker (its channel publisher), with each edge's own connections by transport.
 */
describe('ops.stats: every edge and worker reports to the ops board', () => {
  const run = runId();
  const clients = new Clients();
  const ops = signTestToken('ops-e2e', { roles: ['ops'] });
  const shopper = signTestToken('shopper-e2e', { roles: ['customer'] });
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform(run, [{ name: 'edge-1' }, { name: 'edge-2' }], {
      env: { OPS_STATS_INTERVAL_MS: '500' },
    });
  });

  afterAll(async () => {
    clients.closeAll();
    await platform?.stop();
  });

  it('shows the board each edge with its clients by transport, and the worker with its event rate', async () => {
    const [edge1, edge2] = platform.edges as [ServiceProcess, ServiceProcess];
    const board = await clients.connect(edge1, ops);
    const reports: OpsStats[] = [];
    board.on(OPS_STATS_EVENT, (delivery: Delivery) => void reports.push(delivery.event.data as OpsStats));
    const ack: SubscribeAck = await board.emitWithAck(CLIENT_EVENTS.subscribe, { channel: OPS_ORDERS_CHANNEL });
    expect(ack).toMatchObject({ ok: true });
    // A long-polling client on the other edge.
    const poller = clients.open(edge2, shopper, { transports: ['polling'] });
    await new Promise((resolve) => poller.once('connect', () => resolve(undefined)));

    const order = await createOrder(platform, shopper);
    await setStatus(platform, order.id, 'confirmed');

    const edges = () => new Map(reports.flatMap((r) => (r.role === 'edge' ? [[r.instance, r] as const] : [])));
    await waitFor(
      () =>
        edges().size === 2 &&
        [...edges().values()].some((r) => r.role === 'edge' && r.connections['polling'] === 1) &&
        reports.some((r) => r.role === 'worker' && r.eventsPerSecond > 0),
      20_000,
      100,
    ).catch(() => {
      throw new Error(`the reports did not add up: ${JSON.stringify(reports.slice(-6))}`);
    });
    const byTransport = [...edges().values()].map((r) => (r.role === 'edge' ? r.connections : {}));
    expect(byTransport).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ websocket: 1, polling: 0 }),
        expect.objectContaining({ websocket: 0, polling: 1 }),
      ]),
    );
    expect(reports.find((r) => r.role === 'worker')).toMatchObject({
      consumerLag: expect.any(Number),
      deadLettered: 0,
    });
  });
});
