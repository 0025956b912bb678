import { ShopNestClient } from '@shopnest/client';
import { OPS_ORDERS_CHANNEL } from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { LoadBalancer } from './support/load-balancer';
import { createOrder, Platform, setStatus, startPlatform } from './support/platform';

const CLIENTS = Number(process.env['E2E_DRAIN_CLIENTS'] ?? 2_000);
const DRAIN_DELAY_MS = 500;
const DRAIN_WINDOW_MS = 4_000;

/**
 * Rolling an edge: two edges behind a load balancer, SDK clients on both, one edge sent SIGTERM
 * while events flow. Its clients must move to the other edge within the drain window, spread out
 * (no reconnect herd), and every client must see every event exactly once.
 */
describe(`graceful drain: ${CLIENTS} SDK clients, one of two edges drained during a stream of events`, () => {
  const run = runId();
  const clients: ShopNestClient[] = [];
  let platform: Platform;
  let lb: LoadBalancer;

  beforeAll(async () => {
    const roomy = {
      RATE_LIMIT_IP_CONNECTIONS_PER_S: '100000',
      MAX_CONNECTIONS_PER_USER: '10',
      DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
      DRAIN_WINDOW_MS: String(DRAIN_WINDOW_MS),
      SHUTDOWN_TIMEOUT_MS: '20000',
    };
    platform = await startPlatform(run, [
      { name: 'edge-a', env: roomy },
      { name: 'edge-b', env: roomy },
    ]);
    lb = new LoadBalancer(platform.edges.map((edge) => ({ name: edge.name, url: edge.url })));
    await lb.start();
  }, 180_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await lb?.stop();
    await platform?.stop();
  });

  it('moves every client to the other edge within the window, spread out, losing and repeating nothing', async () => {
    const received: string[][] = [];
    const ready: Promise<unknown>[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const user = `ops-${run}-${i}`;
      const client = new ShopNestClient({
        url: lb.url,
        tokenProvider: () => signTestToken(user, { roles: ['ops'] }),
        transports: ['websocket'],
        reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
      });
      const ids: string[] = [];
      received.push(ids);
      ready.push(client.subscribe(OPS_ORDERS_CHANNEL, (delivery) => ids.push(delivery.event.id)).ready);
      clients.push(client);
    }
    // Connect in slices: the point is the drain, not a connect storm through the test's one process.
    for (let i = 0; i < clients.length; i += 200)
      await Promise.all(clients.slice(i, i + 200).map((client) => client.connect()));
    await Promise.all(ready);
    const [edgeA, edgeB] = platform.edges as [Platform['edges'][number], Platform['edges'][number]];
    const connected = await lb.connections();
    expect(connected.filter((c) => c.backend === edgeA.name).length).toBeGreaterThan(CLIENTS / 4);

    // Events flow before, during and after the drain.
    const customer = signTestToken(`c-${run}`);
    const orders = await Promise.all(Array.from({ length: 10 }, () => createOrder(platform, customer)));
    const statuses = ['confirmed', 'packed', 'shipped', 'out_for_delivery', 'delivered'] as const;
    // One change per order every 1.2 s, each after the order's previous one was answered: on a busy
    // machine a PATCH can take longer than that, and the next one must not overtake it (409).
    const stream = Promise.all(
      orders.map(async (order) => {
        for (const status of statuses) {
          const pace = new Promise((resolve) => setTimeout(resolve, 1_200));
          await setStatus(platform, order.id, status);
          await pace;
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const drainStarted = Date.now();
    const exitCode = await edgeA.stop();
    await stream;
    expect(exitCode).toBe(0);

    await waitFor(() => clients.every((client) => client.state === 'connected'), 30_000);
    const moved = (await lb.connections()).slice(connected.length).filter((c) => c.at >= drainStarted);
    expect(moved.every((c) => c.backend === edgeB.name)).toBe(true);
    // Within the window: the delay, the window, the grace, the SDK's first backoff (≤ 100 ms), plus
    // slack for 1,000 handshakes and subscribes queued behind each other on a shared 2-core machine
    // that also runs this test's 2,000 clients (the last move came 16.5 s after the drain began in a
    // CI run on a slow day). Loose on purpose: the first move and the spread below tell a drain from a
    // herd; this bound catches a client left to notice by itself (heartbeat: 45 s).
    const moves = moved.map((c) => c.at - drainStarted).sort((a, b) => a - b);
    expect(moves[moves.length - 1]).toBeLessThan(DRAIN_DELAY_MS + DRAIN_WINDOW_MS + 1_000 + 20_000);
    // Nobody left before the delay let the load balancer notice.
    expect(moves[0]).toBeGreaterThanOrEqual(DRAIN_DELAY_MS);
    // No herd: the moves spread over the window. The load balancer's own process stamps them (in this
    // one, busy with 2,000 clients, its accepts queued and bunched); a busy CI machine can still stall
    // a moment, so judge the spread of the middle 80 %: a herd puts them all within a few hundred
    // milliseconds; a drain spreads them over the window.
    const p10 = moves[Math.floor(moves.length * 0.1)] as number;
    const p90 = moves[Math.floor(moves.length * 0.9)] as number;
    expect(p90 - p10).toBeGreaterThanOrEqual(DRAIN_WINDOW_MS / 2);

    // The ops board gets every creation and status change: each exactly once at every client.
    const expected = orders.length * (1 + statuses.length);
    await waitFor(() => received.every((ids) => new Set(ids).size >= expected), 30_000).catch(() => undefined);
    const short = received.filter((ids) => new Set(ids).size !== expected).length;
    const repeated = received.filter((ids) => new Set(ids).size !== ids.length).length;
    expect({ short, repeated }).toEqual({ short: 0, repeated: 0 });
  });
});
