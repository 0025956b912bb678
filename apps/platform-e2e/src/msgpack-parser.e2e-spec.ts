import { ClientParser, ClientTransport, ShopNestClient, ShopNestDelivery } from '@shopnest/client';
import { orderChannel } from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { spawn } from 'node:child_process';
import { createOrder, Platform, setStatus, startPlatform } from './support/platform';

/**
 * `SOCKET_IO_PARSER=msgpack` on a deployed edge: an order's status change travels PATCH →
 * order-tracking → Kafka → notification-worker → Redis emitter (notepack, whatever the client
 * parser) → edge → SDK clients that chose `parser: 'msgpack'`, over WebSocket and over long-polling.
 * SSE stays JSON text on the same edge; a client on the default JSON parser never connects.
 */
describe('MessagePack parser end to end (SOCKET_IO_PARSER=msgpack)', () => {
  const run = runId();
  const clients: ShopNestClient[] = [];
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform(run, [{ name: 'edge', env: { SOCKET_IO_PARSER: 'msgpack' } }]);
  }, 90_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await platform?.stop();
  });

  const client = (user: string, parser: ClientParser | undefined, transports: ClientTransport[]) => {
    const created = new ShopNestClient({
      url: platform.edges[0]?.url as string,
      tokenProvider: () => signTestToken(user),
      transports,
      ...(parser && { parser }),
      connectTimeoutMs: 3_000,
      reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 },
    });
    clients.push(created);
    return created;
  };

  it('delivers a worker push to msgpack clients on WebSocket and on long-polling, and to SSE as JSON', async () => {
    const user = `mp-shopper-${run}`;
    const token = signTestToken(user);
    const { id } = await createOrder(platform, token);
    const received = new Map<ClientTransport, ShopNestDelivery[]>([
      ['websocket', []],
      ['polling', []],
    ]);
    for (const transport of received.keys()) {
      const c = client(user, 'msgpack', [transport]);
      const subscription = c.subscribe(orderChannel(id), (delivery) => void received.get(transport)?.push(delivery));
      await c.connect();
      expect(await subscription.ready).toEqual({ ok: true });
    }
    const sse = spawn(
      'curl',
      ['-sN', '--max-time', '60', '-H', `Authorization: Bearer ${token}`, `${platform.edges[0]?.url}/sse/orders/${id}`],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let transcript = '';
    sse.stdout.on('data', (chunk: Buffer) => (transcript += chunk.toString()));
    try {
      await waitFor(() => transcript.includes('event: subscribed'), 10_000);

      await setStatus(platform, id, 'confirmed');
      const confirmed = (transport: ClientTransport) =>
        received.get(transport)?.find((d) => d.event.type === 'order.status_changed');
      await waitFor(() => !!confirmed('websocket') && !!confirmed('polling'), 20_000).catch(() => {
        throw new Error(`no delivery to a msgpack client:\n${platform.output()}`);
      });
      for (const transport of received.keys())
        expect(confirmed(transport)).toMatchObject({
          channel: orderChannel(id),
          offset: expect.any(String),
          event: { type: 'order.status_changed', subject: id, data: { to: 'confirmed' } },
        });
      await waitFor(() => transcript.includes('event: order.status_changed'), 10_000);
      const data = /event: order.status_changed\n(?:.*\n)*?data: (.+)/.exec(transcript)?.[1] ?? '{}';
      expect(JSON.parse(data)).toMatchObject({ event: { subject: id, data: { to: 'confirmed' } } });
    } finally {
      sse.kill();
    }
  });

  it('never connects a client on the default JSON parser: the edge closes the transport, the client retries', async () => {
    const c = client(`mp-json-${run}`, undefined, ['websocket']);
    const states: string[] = [];
    const retries: string[] = [];
    c.on('state', (state) => states.push(state));
    c.on('retry', (info) => retries.push(`${info.error.code}: ${info.error.message}`));
    void c.connect().catch(() => undefined);
    await waitFor(() => retries.length >= 2, 15_000);
    c.close();
    expect(states).not.toContain('connected');
    expect(retries[0]).toMatch(/^TRANSPORT: .*transport close/);
  });
});
