import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Ack, OrderAccess, Role } from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import { signTestToken } from '@shopnest/testing';
import { Server } from 'socket.io';
import { io, Socket as ClientSocket } from 'socket.io-client';
import { EdgeModule } from './edge.module';
import { InMemoryOrderAccessLookup } from './order-access/in-memory-order-access.lookup';
import { OrderAccessLookup } from './order-access/order-access.port';
import { edgePlatformModules, RecordingIoAdapter } from './testing/edge.fixture';

/** Throws for one order id, to prove a failing handler still acks and the process lives on. */
class FlakyOrderAccessLookup extends InMemoryOrderAccessLookup {
  override find(orderId: string): Promise<OrderAccess | null> {
    if (orderId === 'o-broken') throw new Error('lookup exploded');
    return super.find(orderId);
  }
}

const ACK_TIMEOUT_MS = 2_000;

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('EdgeGateway (real socket.io server and client)', () => {
  let app: INestApplication;
  let adapter: RecordingIoAdapter;
  let url: string;
  const clients: ClientSocket[] = [];

  const server = (): Server => {
    if (!adapter.server) throw new Error('socket.io server not created');
    return adapter.server;
  };

  function open(options: { token?: string; query?: Record<string, string> } = {}): ClientSocket {
    const socket = io(url, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      auth: options.token ? { token: options.token } : {},
      query: options.query,
    });
    clients.push(socket);
    return socket;
  }

  function connect(userId: string, roles: Role[] = ['customer']): Promise<ClientSocket> {
    return connected(open({ token: signTestToken(userId, { roles }) }));
  }

  function connected(socket: ClientSocket): Promise<ClientSocket> {
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    });
  }

  function refusal(socket: ClientSocket): Promise<Error & { data?: { code: string; message: string } }> {
    return new Promise((resolve, reject) => {
      socket.once('connect', () => reject(new Error('connected, but should have been refused')));
      socket.once('connect_error', resolve);
    });
  }

  const send = (socket: ClientSocket, event: string, ...args: unknown[]): Promise<Ack<{ channel: string }>> =>
    socket.timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args);

  /** Resolves with the payload of the next `event`, or with `undefined` once `sentinel` arrives first. */
  function nextBefore(socket: ClientSocket, event: string, sentinel: string): Promise<unknown> {
    return new Promise((resolve) => {
      const onEvent = (payload: unknown) => done(payload);
      const onSentinel = () => done(undefined);
      const done = (value: unknown) => {
        socket.off(event, onEvent);
        socket.off(sentinel, onSentinel);
        resolve(value);
      };
      socket.on(event, onEvent);
      socket.on(sentinel, onSentinel);
    });
  }

  /** Whether `socket` receives an emit to `room`, proved by a sentinel sent straight to it afterwards. */
  async function receives(socket: ClientSocket, room: string): Promise<boolean> {
    const payload = { room, nonce: Math.random() };
    const received = nextBefore(socket, 'probe', 'sentinel');
    server().to(room).emit('probe', payload);
    server()
      .to(socket.id as string)
      .emit('sentinel');
    return (await received) !== undefined;
  }

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [
        ...edgePlatformModules(),
        // Every client here comes from 127.0.0.1: limits high enough not to interfere (edge.gateway.limits.spec.ts tests them).
        EdgeModule.forRoot({
          orderAccess: { driver: 'memory' },
          limits: { connectionsPerSecondPerIp: 1_000, connectionsPerUser: 100 },
        }),
      ],
    })
      .overrideProvider(OrderAccessLookup)
      .useValue(
        new FlakyOrderAccessLookup({
          'o-alice': { customerId: 'alice', courierId: 'carl' },
          'o-bob': { customerId: 'bob', courierId: null },
        }),
      )
      .compile();
    app = module.createNestApplication({ logger: false });
    adapter = new RecordingIoAdapter(app);
    app.useWebSocketAdapter(adapter);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterEach(() => {
    for (const socket of clients.splice(0)) socket.disconnect();
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('handshake', () => {
    it('accepts a valid token and puts the socket in its user room, and only there', async () => {
      const alice = await connect('alice');
      const bob = await connect('bob');
      expect(await receives(alice, 'user:alice')).toBe(true);
      expect(await receives(bob, 'user:alice')).toBe(false);
    });

    it('accepts the token as ?access_token= for clients that cannot set headers', async () => {
      const socket = await connected(open({ query: { access_token: signTestToken('alice') } }));
      expect(await receives(socket, 'user:alice')).toBe(true);
    });

    it.each([
      ['no token', () => open(), /no auth token/i],
      [
        'a token signed with another key',
        () => open({ token: signTestToken('alice', { secret: 'y'.repeat(40) }) }),
        /invalid signature/,
      ],
      ['an expired token', () => open({ token: signTestToken('alice', { expiresInSeconds: -60 }) }), /expired/],
      ['garbage', () => open({ token: 'not-a-jwt' }), /malformed|invalid/i],
    ])('refuses %s with connect_error UNAUTHENTICATED and the reason', async (_, make, reason) => {
      const error = await refusal(make());
      expect(error.data).toEqual({ code: 'UNAUTHENTICATED', message: expect.stringMatching(reason) });
      expect(error.message).toMatch(reason);
    });

    it('tracks open connections in a gauge', async () => {
      const metrics = app.get(MetricsService);
      const gauge = async () =>
        (await metrics.registry.getSingleMetric('shopnest_edge_connections')?.get())?.values[0]?.value ?? 0;
      await eventually(async () => (await gauge()) === 0);
      const socket = await connect('alice');
      await eventually(async () => (await gauge()) === 1);
      socket.disconnect();
      await eventually(async () => (await gauge()) === 0);
    });

    it('counts connections by transport, and moves one that upgrades from long-polling to WebSocket', async () => {
      const metrics = app.get(MetricsService);
      const count = async (transport: string) =>
        (await metrics.registry.getSingleMetric('shopnest_edge_connections_by_transport')?.get())?.values.find(
          (value) => value.labels['transport'] === transport,
        )?.value ?? 0;
      const socket = io(url, {
        transports: ['polling', 'websocket'],
        reconnection: false,
        forceNew: true,
        auth: { token: signTestToken('bob') },
      });
      clients.push(socket);
      await connected(socket);
      await eventually(async () => (await count('websocket')) === 1 && (await count('polling')) === 0);
      socket.disconnect();
      await eventually(async () => (await count('websocket')) === 0);
      const polling = io(url, {
        transports: ['polling'],
        reconnection: false,
        forceNew: true,
        auth: { token: signTestToken('bob') },
      });
      clients.push(polling);
      await connected(polling);
      await eventually(async () => (await count('polling')) === 1);
      polling.disconnect();
      await eventually(async () => (await count('polling')) === 0);
    });
  });

  describe('subscribe', () => {
    it('lets a customer subscribe to their own order, and then delivers to them', async () => {
      const alice = await connect('alice');
      await expect(send(alice, 'subscribe', { channel: 'order:o-alice' })).resolves.toEqual({
        ok: true,
        channel: 'order:o-alice',
      });
      expect(await receives(alice, 'order:o-alice')).toBe(true);
    });

    it('lets the assigned courier subscribe to the order', async () => {
      const carl = await connect('carl', ['courier']);
      await expect(send(carl, 'subscribe', { channel: 'order:o-alice' })).resolves.toMatchObject({ ok: true });
    });

    it('refuses another customer’s order and a missing order alike, with FORBIDDEN', async () => {
      const alice = await connect('alice');
      const theirs = await send(alice, 'subscribe', { channel: 'order:o-bob' });
      const missing = await send(alice, 'subscribe', { channel: 'order:o-nope' });
      expect(theirs).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'not allowed to subscribe to order:o-bob' },
      });
      expect(missing).toEqual({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'not allowed to subscribe to order:o-nope' },
      });
      expect(await receives(alice, 'order:o-bob')).toBe(false);
    });

    it('refuses another user’s room', async () => {
      const alice = await connect('alice');
      await expect(send(alice, 'subscribe', { channel: 'user:bob' })).resolves.toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    });

    it('gives the ops board to ops only', async () => {
      const customer = await connect('alice');
      const ops = await connect('olga', ['ops']);
      await expect(send(customer, 'subscribe', { channel: 'ops:orders' })).resolves.toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      await expect(send(ops, 'subscribe', { channel: 'ops:orders' })).resolves.toEqual({
        ok: true,
        channel: 'ops:orders',
      });
      expect(await receives(ops, 'ops:orders')).toBe(true);
      expect(await receives(customer, 'ops:orders')).toBe(false);
    });

    it.each([
      ['not an object', ['order:o-alice'], /\(root\)/],
      ['no payload at all', [], /\(root\)/],
      ['a missing channel', [{}], /channel/],
      ['a bad channel', [{ channel: 'order:*' }], /channel: must be/],
      ['a channel that is not a string', [{ channel: 42 }], /channel/],
      ['an extra field', [{ channel: 'order:o-alice', admin: true }], /admin/],
      ['several arguments', [{ channel: 'order:o-alice' }, 'more'], /\(root\)/],
    ])('answers INVALID naming the field for %s', async (_, args, field) => {
      const alice = await connect('alice');
      const ack = await send(alice, 'subscribe', ...args);
      expect(ack).toEqual({ ok: false, error: { code: 'INVALID', message: expect.stringMatching(field) } });
    });

    it('keeps the INVALID answer short for a binary payload (zod would list every Buffer method)', async () => {
      const alice = await connect('alice');
      const ack = await send(alice, 'subscribe', Buffer.from('order:o-alice'));
      expect(ack).toEqual({ ok: false, error: { code: 'INVALID', message: expect.any(String) } });
      expect(ack.ok || ack.error.message.length).toBeLessThanOrEqual(301);
    });

    it('acks INTERNAL when the handler throws, and keeps serving', async () => {
      const alice = await connect('alice');
      await expect(send(alice, 'subscribe', { channel: 'order:o-broken' })).resolves.toEqual({
        ok: false,
        error: { code: 'INTERNAL', message: expect.any(String) },
      });
      await expect(send(alice, 'subscribe', { channel: 'order:o-alice' })).resolves.toMatchObject({ ok: true });
    });

    it('answers an unknown event INVALID through its ack, or with protocol.error without one, and stays connected', async () => {
      const alice = await connect('alice');
      await expect(send(alice, 'make-me-admin', { please: true })).resolves.toEqual({
        ok: false,
        error: {
          code: 'INVALID',
          message: expect.stringMatching(/unknown event "make-me-admin"; known: subscribe, unsubscribe, auth.refresh/),
        },
      });
      const reported = new Promise((resolve) => alice.once('protocol.error', resolve));
      alice.emit('make-me-admin', { please: true });
      await expect(reported).resolves.toEqual({
        code: 'INVALID',
        message: expect.stringContaining('unknown event'),
        event: 'make-me-admin',
      });
      await expect(send(alice, 'subscribe', { channel: 'order:o-alice' })).resolves.toMatchObject({ ok: true });
      expect(alice.connected).toBe(true);
    });

    it('reports a failed request sent without an ack callback with protocol.error', async () => {
      const alice = await connect('alice');
      const reported = new Promise((resolve) => alice.once('protocol.error', resolve));
      alice.emit('subscribe', { channel: 'order:o-bob' });
      await expect(reported).resolves.toEqual({
        code: 'FORBIDDEN',
        message: 'not allowed to subscribe to order:o-bob',
        event: 'subscribe',
      });
    });
  });

  describe('unsubscribe', () => {
    it('acks and stops delivery to that channel', async () => {
      const alice = await connect('alice');
      await send(alice, 'subscribe', { channel: 'order:o-alice' });
      expect(await receives(alice, 'order:o-alice')).toBe(true);
      await expect(send(alice, 'unsubscribe', { channel: 'order:o-alice' })).resolves.toEqual({
        ok: true,
        channel: 'order:o-alice',
      });
      expect(await receives(alice, 'order:o-alice')).toBe(false);
    });

    it('answers INVALID for a malformed request', async () => {
      const alice = await connect('alice');
      await expect(send(alice, 'unsubscribe', { channel: 'nope' })).resolves.toMatchObject({
        ok: false,
        error: { code: 'INVALID', message: expect.stringContaining('channel') },
      });
    });
  });
});
