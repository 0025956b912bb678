import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Ack, ConnectErrorData, ErrorBody } from '@shopnest/contracts';
import { TokenRevocations } from '@shopnest/platform-auth';
import { ConcurrencyLimiter, InMemoryRateLimits, RateLimits } from '@shopnest/platform-rate-limit';
import { signTestToken, waitFor } from '@shopnest/testing';
import { Server } from 'socket.io';
import { io, Socket as ClientSocket } from 'socket.io-client';
import { EdgeModule } from './edge.module';
import { EdgeLimits } from './limits/edge-limits';
import { socketServerOptions } from './socket-server.options';
import { edgePlatformModules, RecordingIoAdapter } from './testing/edge.fixture';

/** An in-process edge with the given limits and a real socket.io server, as the app builds it. */
class TestEdge {
  private constructor(
    readonly app: INestApplication,
    readonly url: string,
    private readonly adapter: RecordingIoAdapter,
  ) {}

  static async start(
    limits: Partial<EdgeLimits>,
    options: { maxPayloadBytes?: number; store?: RateLimits } = {},
  ): Promise<TestEdge> {
    let builder = Test.createTestingModule({
      imports: [
        ...edgePlatformModules(),
        EdgeModule.forRoot({
          orderAccess: { driver: 'memory', orders: { 'o-alice': { customerId: 'alice', courierId: null } } },
          limits: { connectionsPerSecondPerIp: 1_000, connectionsPerUser: 100, ...limits },
        }),
      ],
    });
    if (options.store) builder = builder.overrideProvider(RateLimits).useValue(options.store);
    const app = (await builder.compile()).createNestApplication({ logger: false });
    const server = socketServerOptions({
      corsOrigins: null,
      transports: ['websocket'],
      maxPayloadBytes: options.maxPayloadBytes ?? 65_536,
      pingIntervalMs: 25_000,
      pingTimeoutMs: 20_000,
    });
    const adapter = new RecordingIoAdapter(app, server);
    app.useWebSocketAdapter(adapter);
    await app.listen(0, '127.0.0.1');
    return new TestEdge(app, await app.getUrl(), adapter);
  }

  get io(): Server {
    if (!this.adapter.server) throw new Error('socket.io server not created');
    return this.adapter.server;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

type RateLimitedAck = { ok: false; error: ErrorBody & { retryAfterMs?: number } };

describe('EdgeGateway limits, session expiry and refresh (real socket.io server and client)', () => {
  const clients: ClientSocket[] = [];
  const edges: TestEdge[] = [];

  const start = async (...args: Parameters<typeof TestEdge.start>) => {
    const edge = await TestEdge.start(...args);
    edges.push(edge);
    return edge;
  };

  const open = (edge: TestEdge, token: string): ClientSocket => {
    const socket = io(edge.url, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
    clients.push(socket);
    return socket;
  };

  const outcome = (
    socket: ClientSocket,
  ): Promise<{ socket: ClientSocket; error?: Error & { data?: ConnectErrorData & { retryAfterMs?: number } } }> =>
    new Promise((resolve) => {
      socket.once('connect', () => resolve({ socket }));
      socket.once('connect_error', (error) => resolve({ socket, error }));
    });

  const connect = async (edge: TestEdge, userId: string, token = signTestToken(userId)): Promise<ClientSocket> => {
    const { socket, error } = await outcome(open(edge, token));
    if (error) throw error;
    return socket;
  };

  const send = <T extends object>(socket: ClientSocket, event: string, ...args: unknown[]): Promise<Ack<T>> =>
    socket.timeout(5_000).emitWithAck(event, ...args);

  const disconnection = (socket: ClientSocket): Promise<string> =>
    new Promise((resolve) => socket.once('disconnect', resolve));

  /** Whether `socket` receives an emit to `room`, proved by a sentinel sent straight to it afterwards. */
  async function receives(edge: TestEdge, socket: ClientSocket, room: string): Promise<boolean> {
    const got = new Promise<boolean>((resolve) => {
      const onProbe = () => done(true);
      const onSentinel = () => done(false);
      const done = (value: boolean) => {
        socket.off('probe', onProbe);
        socket.off('sentinel', onSentinel);
        resolve(value);
      };
      socket.on('probe', onProbe);
      socket.on('sentinel', onSentinel);
    });
    edge.io.to(room).emit('probe');
    edge.io.to(socket.id as string).emit('sentinel');
    return got;
  }

  afterEach(async () => {
    for (const socket of clients.splice(0)) socket.disconnect();
    await Promise.all(edges.splice(0).map((edge) => edge.close()));
  });

  describe('messages per second', () => {
    it('refuses a connection’s messages beyond its budget with RATE_LIMITED and a retry-after, and leaves others alone', async () => {
      const edge = await start({
        messagesPerSecondPerConnection: 5,
        messagesPerSecondPerUser: 1_000,
        abuseRefusals: 100,
      });
      const alice = await connect(edge, 'alice');
      const bob = await connect(edge, 'bob');
      const acks = await Promise.all(
        Array.from({ length: 10 }, () => send(alice, 'subscribe', { channel: 'user:alice' })),
      );
      const limited = acks.filter((ack): ack is RateLimitedAck => !ack.ok);
      // A window may roll over on a slow machine, so at least the budget passes and the rest is refused.
      expect(acks.filter((ack) => ack.ok).length).toBeGreaterThanOrEqual(5);
      expect(limited.length).toBeGreaterThan(0);
      for (const ack of limited) {
        expect(ack.error).toEqual({
          code: 'RATE_LIMITED',
          message: expect.stringMatching(/this connection; retry after \d+ ms/),
          retryAfterMs: expect.any(Number),
        });
        expect(ack.error.retryAfterMs).toBeGreaterThan(0);
        expect(ack.error.retryAfterMs).toBeLessThanOrEqual(1_000);
      }
      await expect(send(bob, 'subscribe', { channel: 'user:bob' })).resolves.toMatchObject({ ok: true });
      expect(alice.connected).toBe(true);
    });

    it('shares a user’s budget between all of their connections', async () => {
      const edge = await start({
        messagesPerSecondPerConnection: 100,
        messagesPerSecondPerUser: 6,
        abuseRefusals: 100,
      });
      const tabs = [await connect(edge, 'alice'), await connect(edge, 'alice')];
      const bob = await connect(edge, 'bob');
      const acks = await Promise.all(
        tabs.flatMap((tab) => Array.from({ length: 8 }, () => send(tab, 'subscribe', { channel: 'user:alice' }))),
      );
      const limited = acks.filter((ack): ack is RateLimitedAck => !ack.ok);
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0].error.message).toMatch(/this user/);
      await expect(send(bob, 'subscribe', { channel: 'user:bob' })).resolves.toMatchObject({ ok: true });
    });

    it('reports a refused message sent without an ack callback with protocol.error', async () => {
      const edge = await start({ messagesPerSecondPerConnection: 1, abuseRefusals: 100 });
      const alice = await connect(edge, 'alice');
      const reported = new Promise((resolve) => alice.once('protocol.error', resolve));
      alice.emit('subscribe', { channel: 'user:alice' });
      alice.emit('subscribe', { channel: 'user:alice' });
      alice.emit('subscribe', { channel: 'user:alice' });
      await expect(reported).resolves.toMatchObject({
        code: 'RATE_LIMITED',
        event: 'subscribe',
        retryAfterMs: expect.any(Number),
      });
    });

    it('disconnects a connection that keeps sending after being refused (sustained abuse), saying why', async () => {
      const edge = await start({ messagesPerSecondPerConnection: 2, abuseRefusals: 5, abuseWindowSeconds: 10 });
      const alice = await connect(edge, 'alice');
      const bob = await connect(edge, 'bob');
      const terminated = new Promise((resolve) => alice.once('session.terminated', resolve));
      const disconnected = disconnection(alice);
      for (let i = 0; i < 30; i++) alice.emit('subscribe', { channel: 'user:alice' });
      await expect(terminated).resolves.toEqual({
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/too many refused messages/),
      });
      await expect(disconnected).resolves.toBe('io server disconnect');
      await expect(send(bob, 'subscribe', { channel: 'user:bob' })).resolves.toMatchObject({ ok: true });
    });

    it('keeps delivering to a second client while another floods (bounded: 2,000 messages)', async () => {
      const edge = await start({
        messagesPerSecondPerConnection: 20,
        messagesPerSecondPerUser: 40,
        abuseRefusals: 100_000,
      });
      const flooder = await connect(edge, 'mallory');
      const bystander = await connect(edge, 'bob');
      const received: number[] = [];
      bystander.on('order.status_changed', (delivery: { n: number }) => received.push(delivery.n));
      let refusals = 0;
      flooder.on('protocol.error', () => refusals++);
      const deliveries = 100;
      for (let i = 0; i < 2_000; i++) {
        flooder.emit(i % 2 ? 'subscribe' : 'no-such-event', { channel: 'order:o-alice', junk: 'x'.repeat(200) });
        if (i % 20 === 0) edge.io.to('user:bob').emit('order.status_changed', { n: i / 20 });
      }
      await waitFor(() => received.length === deliveries, 20_000);
      expect(received).toEqual(Array.from({ length: deliveries }, (_, n) => n));
      await waitFor(() => refusals > 0, 5_000);
      expect(flooder.connected).toBe(true);
    });
  });

  describe('connections', () => {
    it('refuses new connections from one address beyond the per-second budget, with RATE_LIMITED at the handshake', async () => {
      const edge = await start({ connectionsPerSecondPerIp: 3 });
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => outcome(open(edge, signTestToken(`u${i}`)))),
      );
      const refused = outcomes.filter((o) => o.error);
      expect(outcomes.length - refused.length).toBeGreaterThanOrEqual(3);
      expect(refused.length).toBeGreaterThan(0);
      for (const { error } of refused) {
        expect(error?.data).toEqual({
          code: 'RATE_LIMITED',
          message: expect.stringMatching(/too many new connections/),
          retryAfterMs: expect.any(Number),
        });
      }
    });

    it('checks the address before the token, so a flood of bad tokens is cut cheaply too', async () => {
      const edge = await start({ connectionsPerSecondPerIp: 2 });
      const outcomes = await Promise.all(Array.from({ length: 8 }, () => outcome(open(edge, 'not-a-jwt'))));
      const codes = outcomes.map((o) => o.error?.data?.code);
      expect(codes).toContain('RATE_LIMITED');
      expect(codes).toContain('UNAUTHENTICATED');
    });

    it('caps a user’s open connections, and frees a slot when one closes', async () => {
      const edge = await start({ connectionsPerUser: 2 });
      const first = await connect(edge, 'alice');
      await connect(edge, 'alice');
      const third = await outcome(open(edge, signTestToken('alice')));
      expect(third.error?.data).toEqual({
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/too many open connections for this user \(at most 2\)/),
      });
      await connect(edge, 'bob');
      first.disconnect();
      await waitFor(async () => !(await outcome(open(edge, signTestToken('alice')))).error, 5_000, 50);
    });

    it('refuses a revoked token and gives back the slot its handshake took meanwhile', async () => {
      const edge = await start({ connectionsPerUser: 1 });
      await edge.app.get(TokenRevocations).revokeToken('stolen', new Date(Date.now() + 60_000));
      const revoked = await outcome(open(edge, signTestToken('alice', { tokenId: 'stolen' })));
      expect(revoked.error?.data).toEqual({ code: 'UNAUTHENTICATED', message: 'token revoked' });
      // The slot (one, for a lease of a minute) is free again for alice's valid token.
      await connect(edge, 'alice');
    });

    it('keeps counting a live connection beyond its lease, because the edge refreshes it', async () => {
      const edge = await start({ connectionsPerUser: 1, connectionLeaseSeconds: 1 });
      const alice = await connect(edge, 'alice');
      // Observing that the slot stays taken needs time: wait out two leases.
      const until = Date.now() + 2_500;
      await waitFor(() => Date.now() > until, 5_000, 100);
      expect((await outcome(open(edge, signTestToken('alice')))).error?.data?.code).toBe('RATE_LIMITED');
      alice.disconnect();
      await waitFor(async () => !(await outcome(open(edge, signTestToken('alice')))).error, 5_000, 50);
    });

    it('admits connections when the shared store cannot count them (fails open)', async () => {
      const store = new InMemoryRateLimits();
      const broken: ConcurrencyLimiter = {
        acquire: () => Promise.reject(new Error('store down')),
        release: () => Promise.reject(new Error('store down')),
        refresh: () => Promise.reject(new Error('store down')),
      };
      store.concurrency = () => broken;
      const edge = await start({ connectionsPerUser: 1 }, { store });
      const a = await connect(edge, 'alice');
      await connect(edge, 'alice');
      a.disconnect();
      await expect(send(await connect(edge, 'alice'), 'subscribe', { channel: 'user:alice' })).resolves.toMatchObject({
        ok: true,
      });
    });
  });

  describe('payload size', () => {
    it('closes a connection that sends more than maxHttpBufferSize; the server and others carry on', async () => {
      const edge = await start({}, { maxPayloadBytes: 1_024 });
      const alice = await connect(edge, 'alice');
      const bob = await connect(edge, 'bob');
      // Just under the limit: an ordinary (invalid) message.
      await expect(send(alice, 'subscribe', { channel: 'user:alice', since: 'x'.repeat(900) })).resolves.toMatchObject({
        ok: false,
        error: { code: 'INVALID', message: expect.stringMatching(/since/) },
      });
      const disconnected = disconnection(alice);
      alice.emit('subscribe', { channel: 'user:alice', since: 'x'.repeat(2_000) });
      await expect(disconnected).resolves.toBe('transport close');
      await expect(send(bob, 'subscribe', { channel: 'user:bob' })).resolves.toMatchObject({ ok: true });
      await expect(send(await connect(edge, 'alice'), 'subscribe', { channel: 'user:alice' })).resolves.toMatchObject({
        ok: true,
      });
    });
  });

  describe('token expiry and auth.refresh', () => {
    const expiresAt = (token: string): number =>
      (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number }).exp;

    it('tells the client session.expired and disconnects it when its token expires', async () => {
      const edge = await start({});
      const token = signTestToken('alice', { expiresInSeconds: 2 });
      const alice = await connect(edge, 'alice', token);
      const expired = new Promise((resolve) => alice.once('session.expired', resolve));
      const disconnected = disconnection(alice);
      await expect(expired).resolves.toEqual({
        code: 'UNAUTHENTICATED',
        message: expect.stringMatching(/expired/),
        expiredAt: expiresAt(token),
      });
      await expect(disconnected).resolves.toBe('io server disconnect');
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt(token) * 1_000);
    });

    it('keeps a connection past its first token’s expiry after auth.refresh with a newer token', async () => {
      const edge = await start({});
      const first = signTestToken('alice', { expiresInSeconds: 2 });
      const alice = await connect(edge, 'alice', first);
      let expired = false;
      alice.on('session.expired', () => (expired = true));
      const next = signTestToken('alice', { expiresInSeconds: 3_600 });
      await expect(send(alice, 'auth.refresh', { token: next })).resolves.toEqual({
        ok: true,
        expiresAt: expiresAt(next),
      });
      // Observing an absence needs time: wait until the first token is well past its exp.
      await waitFor(() => Date.now() > expiresAt(first) * 1_000 + 1_000, 10_000, 100);
      expect(expired).toBe(false);
      expect(alice.connected).toBe(true);
      await expect(send(alice, 'subscribe', { channel: 'order:o-alice' })).resolves.toMatchObject({ ok: true });
    });

    it('refuses a refresh with another user’s, an expired, a forged or no token, and the session still ends at the old exp', async () => {
      const edge = await start({});
      const cases: Array<[object, string, RegExp]> = [
        [{ token: signTestToken('mallory') }, 'FORBIDDEN', /another user/],
        [{ token: signTestToken('alice', { expiresInSeconds: -60 }) }, 'UNAUTHENTICATED', /expired/],
        [{ token: signTestToken('alice', { secret: 'z'.repeat(40) }) }, 'UNAUTHENTICATED', /signature/],
        [{}, 'INVALID', /token/],
      ];
      await Promise.all(
        cases.map(async ([payload, code, reason]) => {
          const alice = await connect(edge, 'alice', signTestToken('alice', { expiresInSeconds: 2 }));
          const expired = new Promise((resolve) => alice.once('session.expired', resolve));
          await expect(send(alice, 'auth.refresh', payload)).resolves.toEqual({
            ok: false,
            error: { code, message: expect.stringMatching(reason) },
          });
          await expect(expired).resolves.toMatchObject({ code: 'UNAUTHENTICATED' });
        }),
      );
    });

    it('applies the refreshed token’s roles: rooms it no longer allows are left', async () => {
      const edge = await start({});
      const olga = await connect(edge, 'olga', signTestToken('olga', { roles: ['ops', 'customer'] }));
      await expect(send(olga, 'subscribe', { channel: 'ops:orders' })).resolves.toMatchObject({ ok: true });
      await expect(
        send(olga, 'auth.refresh', { token: signTestToken('olga', { roles: ['customer'] }) }),
      ).resolves.toMatchObject({ ok: true });
      expect(await receives(edge, olga, 'ops:orders')).toBe(false);
      expect(await receives(edge, olga, 'user:olga')).toBe(true);
    });
  });
});
