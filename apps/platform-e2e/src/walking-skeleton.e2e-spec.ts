import {
  CLIENT_EVENTS,
  ConnectErrorData,
  Delivery,
  ORDER_EVENT_TYPES,
  orderChannel,
  OrderStatusChanged,
  SubscribeAck,
} from '@shopnest/contracts';
import { freePort, runId, ServiceProcess, signTestToken, startService, TEST_JWT_ENV } from '@shopnest/testing';
import { io, Socket } from 'socket.io-client';
import { inboxDatabaseEnv } from './support/platform';

/**
 * The walking skeleton: a status change made over REST on order-tracking travels through
 * Kafka and the notification worker to the shoppers' sockets on two edge processes.
 */
describe('an order status change reaches its shopper on every edge, and no one else', () => {
  const run = runId();
  const services: ServiceProcess[] = [];
  const sockets: Socket[] = [];
  let orders: ServiceProcess;
  let edges: [ServiceProcess, ServiceProcess];

  const kafka = {
    EVENT_BUS: 'kafka',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] as string,
    KAFKA_TOPIC_PREFIX: `e2e-${run}.`,
  };
  const redis = { REDIS_URL: process.env['REDIS_URL'] as string, SOCKET_IO_KEY: `e2e:${run}` };

  beforeAll(async () => {
    const [ordersPort, workerPort, edge1Port, edge2Port] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    orders = await startService({
      app: 'order-tracking',
      port: ordersPort,
      env: { ...TEST_JWT_ENV, ...kafka, DATABASE: 'pglite' },
    });
    services.push(orders);
    // A fresh topic per run, so reading it from the beginning sees exactly this test's events.
    services.push(
      await startService({
        app: 'notification-worker',
        port: workerPort,
        env: {
          ...TEST_JWT_ENV,
          ...kafka,
          ...redis,
          ...inboxDatabaseEnv(run),
          CONSUMER_FROM_BEGINNING: 'true',
          CONSUMER_GROUP: `e2e-${run}`,
          KAFKA_SESSION_TIMEOUT_MS: '6000',
        },
      }),
    );
    const edgeEnv = {
      ...TEST_JWT_ENV,
      ...redis,
      ORDER_TRACKING_URL: orders.url,
      SERVICE_TOKEN: signTestToken('connection-edge', { roles: ['service'] }),
    };
    edges = [
      await startService({ app: 'connection-edge', name: 'edge-1', port: edge1Port, env: edgeEnv }),
      await startService({ app: 'connection-edge', name: 'edge-2', port: edge2Port, env: edgeEnv }),
    ];
    services.push(...edges);
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.close());
    const codes = await Promise.all(services.map((service) => service.stop()));
    // Graceful shutdown is part of the contract: every service exits cleanly on SIGTERM.
    expect(codes).toEqual(services.map(() => 0));
  });

  const connect = (edge: ServiceProcess, token?: string): Socket => {
    const socket = io(edge.url, { auth: token ? { token } : {}, transports: ['websocket'], reconnection: false });
    sockets.push(socket);
    return socket;
  };

  const connected = (socket: Socket): Promise<void> =>
    new Promise((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (error) => reject(error));
    });

  const refused = (socket: Socket): Promise<Error & { data?: ConnectErrorData }> =>
    new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error('connected without a valid token')));
      socket.once('connect_error', (error) => resolve(error));
    });

  const subscribe = (socket: Socket, channel: string): Promise<SubscribeAck> =>
    socket.timeout(5_000).emitWithAck(CLIENT_EVENTS.subscribe, { channel });

  const createOrder = async (token: string): Promise<{ id: string }> => {
    const response = await fetch(`${orders.url}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ itemsSummary: '2 × espresso beans', totalCents: 2400 }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  };

  it('delivers order.status_changed to both of A’s clients (edge 1 and edge 2) and nothing to B', async () => {
    const tokenA = signTestToken('shopper-a');
    const tokenB = signTestToken('shopper-b');
    const [orderA, orderB] = await Promise.all([createOrder(tokenA), createOrder(tokenB)]);

    const a1 = connect(edges[0], tokenA);
    const a2 = connect(edges[1], tokenA);
    const b = connect(edges[0], tokenB);
    await Promise.all([connected(a1), connected(a2), connected(b)]);

    const received = new Map<Socket, Delivery[]>([
      [a1, []],
      [a2, []],
      [b, []],
    ]);
    for (const [socket, list] of received) {
      socket.onAny((_event: string, delivery: Delivery) => list.push(delivery));
    }

    expect(await subscribe(a1, orderChannel(orderA.id))).toEqual({ ok: true, channel: orderChannel(orderA.id) });
    expect(await subscribe(a2, orderChannel(orderA.id))).toEqual({ ok: true, channel: orderChannel(orderA.id) });
    expect(await subscribe(b, orderChannel(orderB.id))).toEqual({ ok: true, channel: orderChannel(orderB.id) });
    // B cannot listen in on A's order by naming it.
    expect(await subscribe(b, orderChannel(orderA.id))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    const statusChangedOn = (socket: Socket) =>
      new Promise<Delivery<OrderStatusChanged>>((resolve) =>
        socket.on(ORDER_EVENT_TYPES.statusChanged, (delivery: Delivery<OrderStatusChanged>) => {
          if (delivery.channel === orderChannel(orderA.id)) resolve(delivery);
        }),
      );
    const onA1 = statusChangedOn(a1);
    const onA2 = statusChangedOn(a2);

    const patch = await fetch(`${orders.url}/orders/${orderA.id}/status`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${signTestToken('ops-1', { roles: ['ops'] })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ status: 'confirmed' }),
    });
    expect(patch.status).toBe(200);

    const within = <T>(promise: Promise<T>, ms: number, what: string) =>
      Promise.race([
        promise,
        new Promise<never>((_, reject) =>
          setTimeout(
            () =>
              reject(
                new Error(`${what} within ${ms} ms\n${services.map((s) => `--- ${s.name}\n${s.output()}`).join('\n')}`),
              ),
            ms,
          ),
        ),
      ]);
    const [deliveryA1, deliveryA2] = await within(Promise.all([onA1, onA2]), 30_000, 'no delivery to A');
    for (const delivery of [deliveryA1, deliveryA2]) {
      expect(delivery.event).toMatchObject({
        type: 'order.status_changed',
        subject: orderA.id,
        data: { orderId: orderA.id, customerId: 'shopper-a', from: 'placed', to: 'confirmed' },
      });
    }
    expect(deliveryA2.event.id).toBe(deliveryA1.event.id);

    // Give any stray delivery to B time to arrive before asserting there was none.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const leakedToB = (received.get(b) ?? []).filter((d) => JSON.stringify(d).includes(orderA.id));
    expect(leakedToB).toEqual([]);
  });

  it.each([
    ['a missing token', undefined],
    ['a token signed with another key', signTestToken('shopper-a', { secret: 'another-secret-another-secret-xx' })],
    ['an expired token', signTestToken('shopper-a', { expiresInSeconds: -30 })],
    ['garbage', 'not-a-jwt'],
  ])('refuses a client with %s at the handshake, saying why', async (_, token) => {
    const error = await refused(connect(edges[0], token));
    expect(error.data?.code).toBe('UNAUTHENTICATED');
    expect(error.data?.message).toEqual(expect.any(String));
    expect(error.data?.message.length).toBeGreaterThan(0);
  });
});
