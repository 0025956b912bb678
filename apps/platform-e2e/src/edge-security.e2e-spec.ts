import { Ack, Delivery, ERROR_CODES, orderChannel, ORDER_EVENT_TYPES, OrderStatusChanged } from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import fc from 'fast-check';
import { Socket } from 'socket.io-client';
import { Clients, createOrder, outcome, Platform, send, setStatus, startPlatform } from './support/platform';

/**
 * The edge's security at the process level, across two edges sharing Redis: no path leaks one
 * shopper's events to another; limits that must hold across edges do; a stream of random and
 * malformed messages neither crashes an edge nor disturbs other clients.
 */
describe('edge security across edge processes', () => {
  const run = runId();
  const clients = new Clients();
  let platform: Platform;
  let edge1: Platform['edges'][number];
  let edge2: Platform['edges'][number];
  let fuzzEdge: Platform['edges'][number];

  // Tight enough to observe across edges; everything else out of the way (all clients share 127.0.0.1).
  const limited = {
    MAX_CONNECTIONS_PER_USER: '3',
    RATE_LIMIT_USER_MESSAGES_PER_S: '20',
    RATE_LIMIT_CONNECTION_MESSAGES_PER_S: '100',
    RATE_LIMIT_IP_CONNECTIONS_PER_S: '1000',
    RATE_LIMIT_ABUSE_REFUSALS: '1000',
  };
  const unlimited = {
    RATE_LIMIT_USER_MESSAGES_PER_S: '100000',
    RATE_LIMIT_CONNECTION_MESSAGES_PER_S: '100000',
    RATE_LIMIT_IP_CONNECTIONS_PER_S: '1000',
    RATE_LIMIT_ABUSE_REFUSALS: '100000',
  };

  beforeAll(async () => {
    platform = await startPlatform(run, [
      { name: 'edge-1', env: limited },
      { name: 'edge-2', env: limited },
      { name: 'edge-fuzz', env: unlimited },
    ]);
    [edge1, edge2, fuzzEdge] = platform.edges;
  });

  afterAll(async () => {
    clients.closeAll();
    const codes = await platform?.stop();
    // Whatever was thrown at them, every edge still shuts down cleanly.
    expect(codes).toEqual(codes?.map(() => 0));
  });

  const failWith = (what: string) => `${what}\n${platform.output()}`;

  /** Sends like a well-behaved client: on RATE_LIMITED, waits the advised time and retries. */
  async function politely(socket: Socket, event: string, payload: unknown): Promise<Ack> {
    for (;;) {
      const ack = await send(socket, event, payload);
      if (ack.ok || ack.error.code !== 'RATE_LIMITED') return ack;
      await new Promise((resolve) => setTimeout(resolve, (ack.error as { retryAfterMs?: number }).retryAfterMs ?? 100));
    }
  }

  /** Deliveries recorded on `channel` about order `orderId`, whatever their event type. */
  const about = (seen: unknown[][], channel: string, orderId: string): Delivery[] =>
    seen
      .map(([, delivery]) => delivery as Partial<Delivery> | undefined)
      .filter((d): d is Delivery => d?.channel === channel && d.event?.subject === orderId);

  const record = (socket: Socket): unknown[][] => {
    const seen: unknown[][] = [];
    socket.onAny((event: string, ...args: unknown[]) => seen.push([event, ...args]));
    return seen;
  };

  it('never lets shopper B receive shopper A’s events, whatever channel form B tries on either edge', async () => {
    const tokenA = signTestToken('shopper-a');
    const tokenB = signTestToken('shopper-b');
    const [orderA, orderB] = await Promise.all([createOrder(platform, tokenA), createOrder(platform, tokenB)]);

    const a = await clients.connect(edge2, tokenA);
    const ops = await clients.connect(edge1, signTestToken('ops-board', { roles: ['ops'] }));
    const b1 = await clients.connect(edge1, tokenB);
    // The second of B's clients authenticates through the query string, the path for clients without headers.
    const b2Attempt = await outcome(clients.open(edge2, undefined, { query: { access_token: tokenB } }));
    if (b2Attempt.error) throw b2Attempt.error;
    const b2 = b2Attempt.socket;
    const bCourier = await clients.connect(edge2, signTestToken('shopper-b', { roles: ['courier'] }));
    const bSockets = [b1, b2, bCourier];
    const seenByB = bSockets.map(record);
    const seenByA = record(a);
    const seenByOps = record(ops);

    expect(await send(a, 'subscribe', { channel: orderChannel(orderA.id) })).toMatchObject({ ok: true });
    expect(await send(ops, 'subscribe', { channel: 'ops:orders' })).toMatchObject({ ok: true });
    for (const b of [b1, b2])
      expect(await send(b, 'subscribe', { channel: orderChannel(orderB.id) })).toMatchObject({ ok: true });

    const idA = orderA.id;
    const channelForms: unknown[] = [
      orderChannel(idA),
      `order:${idA.toUpperCase()}`,
      'user:shopper-a',
      'ops:orders',
      `ticket:${idA}`,
      'ticket:t-1',
      ` order:${idA}`,
      `order:${idA} `,
      `ORDER:${idA}`,
      `order::${idA}`,
      `order:${idA}:x`,
      `order:${idA}\u0000`,
      `order:${idA}/../shopper-a`,
      'order:*',
      'user:*',
      'user:shopper-a#1',
      'user:shopper-a\n',
      'user:shopper-ａ',
      'ops:*',
      `ops:orders:${idA}`,
      a.id,
      `e2e:${run}`,
      '',
      [orderChannel(idA)],
      { toString: orderChannel(idA) },
    ];
    const attempts: Array<[Socket, string, unknown]> = [];
    for (const b of bSockets) {
      for (const channel of channelForms) attempts.push([b, 'subscribe', { channel }]);
      attempts.push([b, 'subscribe', { channel: orderChannel(idA), since: '0' }]);
      attempts.push([b, 'subscribe', [{ channel: orderChannel(idA) }]]);
      attempts.push([b, 'subscribe', orderChannel(idA)]);
      attempts.push([b, 'join', orderChannel(idA)]);
      attempts.push([b, 'subscribe ', { channel: orderChannel(idA) }]);
      attempts.push([b, 'auth.refresh', { token: tokenA }]);
    }
    for (const [socket, event, payload] of attempts) {
      const ack = await politely(socket, event, payload);
      const tried = `${event} ${JSON.stringify(payload)}`;
      expect({ tried, ack }).toEqual({
        tried,
        ack: {
          ok: false,
          error: { code: expect.stringMatching(/^(FORBIDDEN|INVALID)$/), message: expect.any(String) },
        },
      });
    }

    await setStatus(platform, idA, 'confirmed');
    await setStatus(platform, idA, 'packed');
    // Positive controls: A's changes do flow, to the order room, A's user room and the ops board.
    await waitFor(
      () => about(seenByA, orderChannel(idA), idA).length >= 2 && about(seenByA, 'user:shopper-a', idA).length >= 2,
      30_000,
    ).catch(() => {
      throw new Error(
        failWith(`A did not receive its own events on order:{id} and user:{id}: ${JSON.stringify(seenByA)}`),
      );
    });
    await waitFor(() => about(seenByOps, 'ops:orders', idA).length >= 2, 30_000);

    // B's own change travels the same path after A's: once B has it on each edge, A's would have arrived.
    await setStatus(platform, orderB.id, 'confirmed');
    await waitFor(
      () =>
        about(seenByB[0], orderChannel(orderB.id), orderB.id).length > 0 &&
        about(seenByB[1], orderChannel(orderB.id), orderB.id).length > 0,
      30_000,
    ).catch(() => {
      throw new Error(failWith('B did not receive its own event'));
    });
    for (const seen of seenByB) {
      const leaked = seen.filter(
        (entry) => JSON.stringify(entry).includes(idA) || JSON.stringify(entry).includes('shopper-a'),
      );
      expect(leaked).toEqual([]);
    }
  });

  it('authorises concurrent subscribes in bulk: each shopper joins only their own order, unknown orders are refused', async () => {
    const shoppers = Array.from({ length: 6 }, (_, i) => `bulk-${run}-${i}`);
    const tokens = shoppers.map((shopper) => signTestToken(shopper));
    // Fresh orders: every look-up below is a miss, asked in the same few ticks, so they share bulk requests.
    const orders = await Promise.all(tokens.map((token) => createOrder(platform, token)));
    const sockets = await Promise.all(tokens.map((token) => clients.connect(fuzzEdge, token)));
    const unknown = '0193a0c4-2f6e-7cc1-9a53-1d2c3b4a5f60';
    const attempts = sockets.flatMap((socket, i) => [
      { socket, channel: orderChannel(orders[i].id), own: true },
      { socket, channel: orderChannel(orders[(i + 1) % orders.length].id), own: false },
      { socket, channel: orderChannel(unknown), own: false },
    ]);
    const acks = await Promise.all(attempts.map(({ socket, channel }) => send(socket, 'subscribe', { channel })));
    attempts.forEach(({ channel, own }, i) =>
      expect({ channel, ack: acks[i] }).toEqual({
        channel,
        ack: own
          ? expect.objectContaining({ ok: true, channel })
          : { ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } },
      }),
    );
  });

  it('caps a user’s connections across both edges, and frees the slot when one closes', async () => {
    const token = signTestToken(`many-${run}`);
    const first = await clients.connect(edge1, token);
    await clients.connect(edge1, token);
    await clients.connect(edge2, token);
    const fourth = await outcome(clients.open(edge2, token));
    expect(fourth.error?.data).toEqual({
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/too many open connections for this user \(at most 3\)/),
    });
    await clients.connect(edge2, signTestToken(`other-${run}`));
    first.close();
    await waitFor(
      async () => {
        const next = await outcome(clients.open(edge2, token));
        return next.error === undefined;
      },
      10_000,
      100,
    );
  });

  it('shares a user’s message budget between edges', async () => {
    const token = signTestToken(`chatty-${run}`);
    const onEdge1 = await clients.connect(edge1, token);
    const onEdge2 = await clients.connect(edge2, token);
    // 15 per edge stays under each edge's own count; only the shared budget (20/s) can refuse.
    const acks = await Promise.all(
      [onEdge1, onEdge2].flatMap((socket) =>
        Array.from({ length: 15 }, () => send(socket, 'subscribe', { channel: `user:chatty-${run}` })),
      ),
    );
    const refused = acks.filter((ack) => !ack.ok);
    expect(refused.length).toBeGreaterThan(0);
    for (const ack of refused) {
      expect(ack).toEqual({
        ok: false,
        error: { code: 'RATE_LIMITED', message: expect.stringMatching(/this user/), retryAfterMs: expect.any(Number) },
      });
    }
  });

  it('survives 2,000 random and malformed messages: the edge stays up, a bystander keeps receiving, nothing leaks', async () => {
    const bystanderToken = signTestToken('bystander');
    const order = await createOrder(platform, bystanderToken);
    const bystander = await clients.connect(fuzzEdge, bystanderToken);
    expect(await send(bystander, 'subscribe', { channel: orderChannel(order.id) })).toMatchObject({ ok: true });
    const seenByBystander = record(bystander);
    const fuzzer = await clients.connect(fuzzEdge, signTestToken('fuzzer'));
    const seenByFuzzer = record(fuzzer);

    // socket.io-client itself refuses to emit its reserved names; everything else goes on the wire.
    const reserved = new Set([
      'connect',
      'connect_error',
      'disconnect',
      'disconnecting',
      'newListener',
      'removeListener',
    ]);
    const eventName = fc.oneof(
      fc.constantFrom('subscribe', 'unsubscribe', 'auth.refresh', 'chat.typing', 'presence.status'),
      fc.string({ maxLength: 40 }).filter((name) => !reserved.has(name)),
      fc.constantFrom(
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'error',
        'exception',
        'order.status_changed',
      ),
    );
    const channel = fc.oneof(
      fc.constantFrom(orderChannel(order.id), 'user:bystander', 'ops:orders', `ticket:${order.id}`, 'user:fuzzer'),
      fc.string({ maxLength: 90 }),
      fc
        .tuple(
          fc.constantFrom('order', 'user', 'ticket', 'ticket-internal', 'ops', 'support'),
          fc.string({ maxLength: 70 }),
        )
        .map(([kind, id]) => `${kind}:${id}`),
    );
    const payload = fc.oneof(
      fc.record({ channel }, { requiredKeys: [] }),
      fc.record({ channel, since: fc.oneof(fc.string({ maxLength: 80 }), fc.integer()) }),
      fc.record({ token: fc.oneof(fc.string({ maxLength: 300 }), fc.constant(signTestToken('bystander'))) }),
      fc.record(
        {
          ticketId: fc.oneof(fc.constant(order.id), fc.string({ maxLength: 70 })),
          state: fc.oneof(fc.constantFrom('start', 'stop'), fc.anything()),
          internal: fc.anything(),
        },
        { requiredKeys: [] },
      ),
      fc.record({ status: fc.oneof(fc.constantFrom('online', 'busy', 'away'), fc.string({ maxLength: 10 })) }),
      fc.anything({ maxDepth: 3, maxKeys: 5 }),
      fc.uint8Array({ maxLength: 256 }).map((bytes) => Buffer.from(bytes)),
    );
    const message = fc.record({
      event: eventName,
      args: fc.array(payload, { maxLength: 3 }),
      withAck: fc.boolean(),
    });

    let acked = 0;
    await setStatus(platform, order.id, 'confirmed');
    await fc.assert(
      fc.asyncProperty(message, async ({ event, args, withAck }) => {
        if (!withAck) {
          fuzzer.emit(event, ...args);
          return;
        }
        const ack = (await send(fuzzer, event, ...args)) as Ack;
        acked++;
        if (ack.ok) {
          // The fuzzer may only ever be let into rooms of its own.
          // With any `since` string the ack also says whether the replay recovered (protocol: false for a malformed one).
          if (event === 'subscribe') {
            const { recovered, ...rest } = ack as Ack & { recovered?: unknown };
            expect(rest).toEqual({ ok: true, channel: 'user:fuzzer' });
            expect([undefined, true, false]).toContain(recovered);
          }
        } else {
          expect(ERROR_CODES).toContain(ack.error.code);
          expect(typeof ack.error.message).toBe('string');
          expect(ack.error.code).not.toBe('INTERNAL');
        }
      }),
      { numRuns: 2_000, interruptAfterTimeLimit: 60_000 },
    );
    expect(acked).toBeGreaterThan(500);
    await setStatus(platform, order.id, 'packed');
    expect(fuzzer.connected).toBe(true);

    // The bystander received both changes on the order channel, and a delivery for each on its user channel.
    const statuses = () =>
      about(seenByBystander, orderChannel(order.id), order.id)
        .filter((d) => d.event.type === ORDER_EVENT_TYPES.statusChanged)
        .map((d) => (d as Delivery<OrderStatusChanged>).event.data.to);
    await waitFor(
      () => statuses().length >= 2 && about(seenByBystander, 'user:bystander', order.id).length >= 2,
      30_000,
    ).catch(() => {
      throw new Error(failWith(`bystander got ${JSON.stringify(seenByBystander)}`));
    });
    expect(statuses()).toEqual(['confirmed', 'packed']);

    // Nothing of the bystander's reached the fuzzer: it only ever heard short protocol errors about its own messages.
    expect(seenByFuzzer.filter(([event]) => event !== 'protocol.error')).toEqual([]);
    for (const [, error] of seenByFuzzer) {
      expect(
        Object.keys(error as object).every((key) => ['code', 'message', 'event', 'retryAfterMs'].includes(key)),
      ).toBe(true);
      expect(JSON.stringify(error).length).toBeLessThan(600);
    }

    // The process is up and ready, and serves new clients.
    expect((await fetch(`${fuzzEdge.url}/health/ready`)).status).toBe(200);
    const late = await clients.connect(fuzzEdge, signTestToken('late'));
    expect(await send(late, 'subscribe', { channel: 'user:late' })).toEqual({ ok: true, channel: 'user:late' });
  });
});
