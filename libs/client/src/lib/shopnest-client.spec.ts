import { ShopNestDelivery, ShopNestClient, ShopNestClientOptions } from './shopnest-client';
import { ClientSocket, ClientSocketHandlers, ClientSocketSetup } from './client-socket';
import { ShopNestClientError } from './client-error';
import { OrderStatus } from '@shopnest/contracts';
import { RetryInfo } from './shopnest-client';

/** A scripted socket: records what the client does; the test decides how the server answers. */
class FakeSocket implements ClientSocket {
  connected = false;
  handlers!: ClientSocketHandlers;
  /** The token presented at each handshake. */
  handshakes: unknown[] = [];
  emitted: { event: string; payload: unknown; answer: (ack: unknown) => void; fail: (error: Error) => void }[] = [];

  constructor(private readonly setup: ClientSocketSetup) {}

  listen(handlers: ClientSocketHandlers): void {
    this.handlers = handlers;
  }
  connect(): void {
    this.handshakes.push(this.setup.auth()['token']);
  }
  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.handlers.disconnect('io client disconnect');
  }
  emitWithAck(event: string, payload: unknown): Promise<unknown> {
    return new Promise((answer, fail) => this.emitted.push({ event, payload, answer, fail }));
  }

  accept(): void {
    this.connected = true;
    this.handlers.connect();
  }
  refuse(data?: unknown): void {
    this.handlers.connectError(Object.assign(new Error('refused'), { data }));
  }
  drop(reason = 'transport close'): void {
    this.connected = false;
    this.emitted.forEach((pending) => pending.fail(new Error('socket has been disconnected')));
    this.emitted = [];
    this.handlers.disconnect(reason);
  }
  deliver(delivery: ShopNestDelivery): void {
    this.handlers.event(delivery.event.type, [delivery]);
  }
  /** Takes the oldest pending emit of `event`. */
  take(event: string): { payload: unknown; answer: (ack: unknown) => void } {
    const index = this.emitted.findIndex((pending) => pending.event === event);
    if (index < 0) throw new Error(`no pending ${event}; pending: ${this.emitted.map((p) => p.event).join(', ')}`);
    return this.emitted.splice(index, 1)[0];
  }
}

const segment = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwtExpiringAt = (epochMs: number, sub = 'u1') =>
  `${segment({ alg: 'HS256' })}.${segment({ sub, exp: Math.floor(epochMs / 1000) })}.sig`;

let counter = 0;
function delivery(channel: string, offset?: string, id = `evt-${++counter}`): ShopNestDelivery {
  return {
    channel,
    ...(offset !== undefined && { offset }),
    event: {
      specversion: '1.0',
      id,
      type: 'order.status_changed',
      source: '/shopnest/order-tracking',
      subject: 'o1',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      sequence: 1,
      data: { orderId: 'o1', customerId: 'u1', from: 'placed', to: 'confirmed' },
    },
  };
}

function setup(options: Partial<ShopNestClientOptions> = {}) {
  let socket!: FakeSocket;
  let tokens = 0;
  const tokenProvider = jest.fn(() => `token-${++tokens}`);
  const client = new ShopNestClient(
    {
      url: 'http://edge.test',
      tokenProvider,
      reconnect: { initialDelayMs: 100, maxDelayMs: 1_000 },
      random: () => 0.999,
      ...options,
    },
    (socketSetup) => (socket = new FakeSocket(socketSetup)),
  );
  const states: string[] = [];
  const retries: RetryInfo[] = [];
  const errors: ShopNestClientError[] = [];
  client.on('state', (state) => states.push(state));
  client.on('retry', (info) => retries.push(info));
  client.on('error', (error) => errors.push(error));
  return { client, socket: () => socket, tokenProvider, states, retries, errors };
}

/** Lets the client's awaited promises (token provider, acks) settle. */
const settle = () => jest.advanceTimersByTimeAsync(0);

/** A client whose first connection the fake server accepted. */
async function connected(options: Partial<ShopNestClientOptions> = {}) {
  const ctx = setup(options);
  const connecting = ctx.client.connect();
  await settle();
  ctx.socket().accept();
  await connecting;
  return ctx;
}

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-23T10:00:00Z') }));
afterEach(() => jest.useRealTimers());

describe('ShopNestClient connection', () => {
  it('fetches a token before every connection attempt and presents it at the handshake', async () => {
    const { client, socket, tokenProvider } = setup();
    const connected = client.connect();
    await settle();
    socket().accept();
    await connected;
    socket().drop();
    await jest.advanceTimersByTimeAsync(1_000);
    socket().accept();
    expect(tokenProvider).toHaveBeenCalledTimes(2);
    expect(socket().handshakes).toEqual(['token-1', 'token-2']);
    expect(client.state).toBe('connected');
  });

  it('reconnects after a lost connection with full-jitter exponential backoff, capped at maxDelayMs', async () => {
    const { client, socket, states, retries } = setup();
    const connected = client.connect();
    await settle();
    socket().accept();
    await connected;
    socket().drop();
    // random() = 0.999 pins each delay just under its ceiling: 100, 200, 400, 800, then 1000 (cap).
    const expected = [99, 199, 399, 799, 999, 999];
    for (const [index, delayMs] of expected.entries()) {
      expect(retries[index]).toMatchObject({ attempt: index + 1, delayMs });
      const attemptsBefore = socket().handshakes.length;
      await jest.advanceTimersByTimeAsync(delayMs - 1);
      expect(socket().handshakes).toHaveLength(attemptsBefore);
      await jest.advanceTimersByTimeAsync(1);
      expect(socket().handshakes).toHaveLength(attemptsBefore + 1);
      socket().refuse();
    }
    expect(retries[0].error.code).toBe('TRANSPORT');
    expect(states).toEqual(['connecting', 'connected', 'reconnecting']);
    // A successful connection resets the backoff to its first window.
    await jest.advanceTimersByTimeAsync(999);
    socket().accept();
    socket().drop();
    expect(retries.at(-1)).toMatchObject({ attempt: 1, delayMs: 99 });
  });

  it('gives up after maxAttempts consecutive failures: state error, connect() rejects, no more attempts', async () => {
    const { client, socket, states } = setup({ reconnect: { initialDelayMs: 10, maxDelayMs: 10, maxAttempts: 2 } });
    const connected = client.connect();
    const outcome = connected.catch((error: ShopNestClientError) => error);
    await settle();
    socket().refuse();
    await jest.advanceTimersByTimeAsync(10);
    socket().refuse();
    await jest.advanceTimersByTimeAsync(10);
    socket().refuse();
    expect(await outcome).toMatchObject({ code: 'TRANSPORT' });
    expect(states.at(-1)).toBe('error');
    expect(socket().handshakes).toHaveLength(3);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(socket().handshakes).toHaveLength(3);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('counts a connection closed before its handshake completed (a parser mismatch) as a failed attempt', async () => {
    const { client, socket, states } = setup({ reconnect: { initialDelayMs: 10, maxDelayMs: 10, maxAttempts: 1 } });
    const connected = client.connect();
    const outcome = connected.catch((error: ShopNestClientError) => error);
    await settle();
    socket().drop();
    await jest.advanceTimersByTimeAsync(10);
    socket().drop();
    expect(await outcome).toMatchObject({ code: 'TRANSPORT', message: expect.stringContaining('parser') });
    expect(states.at(-1)).toBe('error');
    expect(socket().handshakes).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(socket().handshakes).toHaveLength(2);
  });

  it('does not reconnect after close(), and leaves no timer behind', async () => {
    const { client, socket, states } = setup();
    const connected = client.connect();
    await settle();
    socket().accept();
    await connected;
    client.close();
    expect(states.at(-1)).toBe('disconnected');
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(socket().handshakes).toHaveLength(1);
  });

  it('close() during a backoff wait cancels the retry and rejects a pending connect()', async () => {
    const { client, socket } = setup();
    const outcome = client.connect().catch((error: ShopNestClientError) => error);
    await settle();
    socket().refuse();
    client.close();
    expect(await outcome).toMatchObject({ code: 'CLOSED' });
    await jest.advanceTimersByTimeAsync(60_000);
    expect(socket().handshakes).toHaveLength(1);
  });

  it('on an UNAUTHENTICATED refusal fetches a new token and retries, then gives up after maxAuthAttempts', async () => {
    const { client, socket, tokenProvider, states } = setup({ maxAuthAttempts: 3 });
    const outcome = client.connect().catch((error: ShopNestClientError) => error);
    for (let i = 0; i < 3; i++) {
      await jest.advanceTimersByTimeAsync(1_000);
      socket().refuse({ code: 'UNAUTHENTICATED', message: 'jwt expired' });
    }
    const error = await outcome;
    expect(error).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect((error as Error).message).toContain('jwt expired');
    expect(socket().handshakes).toEqual(['token-1', 'token-2', 'token-3']);
    expect(tokenProvider).toHaveBeenCalledTimes(3);
    expect(states.at(-1)).toBe('error');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a token accepted after a refusal resets the refusal count', async () => {
    const { client, socket } = setup({ maxAuthAttempts: 2 });
    const connected = client.connect();
    await settle();
    socket().refuse({ code: 'UNAUTHENTICATED', message: 'jwt expired' });
    await jest.advanceTimersByTimeAsync(1_000);
    socket().accept();
    await connected;
    socket().drop('io server disconnect');
    await jest.advanceTimersByTimeAsync(1_000);
    socket().refuse({ code: 'UNAUTHENTICATED', message: 'jwt expired' });
    expect(client.state).toBe('reconnecting');
  });

  it('waits at least the retryAfterMs a RATE_LIMITED refusal asks for', async () => {
    const { client, socket, retries } = setup();
    void client.connect().catch(() => undefined);
    await settle();
    socket().refuse({ code: 'RATE_LIMITED', message: 'too many connections', retryAfterMs: 5_000 });
    expect(retries[0]).toMatchObject({ delayMs: 5_000, error: { code: 'RATE_LIMITED' } });
    client.close();
  });

  it('a token provider that throws counts as a failed attempt and is retried', async () => {
    let calls = 0;
    const { client, socket, retries } = setup({
      tokenProvider: () => {
        if (++calls === 1) throw new Error('identity provider down');
        return 'token-ok';
      },
    });
    const connected = client.connect();
    await settle();
    expect(retries[0].error).toMatchObject({ code: 'TOKEN' });
    expect(socket().handshakes).toEqual([]);
    await jest.advanceTimersByTimeAsync(1_000);
    socket().accept();
    await connected;
    expect(socket().handshakes).toEqual(['token-ok']);
  });

  it('refuses unusable options with one error naming each problem', () => {
    expect(
      () => new ShopNestClient({ url: '', tokenProvider: () => 't', reconnect: { initialDelayMs: 0, maxDelayMs: 10 } }),
    ).toThrow(/url is required; reconnect.initialDelayMs must be a positive number/);
    expect(
      () => new ShopNestClient({ url: 'http://edge.test', tokenProvider: () => 't', parser: 'cbor' as 'json' }),
    ).toThrow(/parser must be 'json' or 'msgpack'/);
  });

  it("hands the socket the parser it must speak (the edge's SOCKET_IO_PARSER), JSON unless told", () => {
    const setups: ClientSocketSetup[] = [];
    for (const parser of [undefined, 'msgpack'] as const)
      new ShopNestClient({ url: 'http://edge.test', tokenProvider: () => 't', parser }, (socketSetup) => {
        setups.push(socketSetup);
        return new FakeSocket(socketSetup);
      });
    expect(setups.map((setup) => setup.parser)).toEqual([undefined, 'msgpack']);
  });
});

describe('ShopNestClient token refresh', () => {
  const start = new Date('2026-11-23T10:00:00Z').getTime();

  async function connectedWith(tokens: string[], options: Partial<ShopNestClientOptions> = {}) {
    const tokenProvider = jest.fn(() => tokens.shift() ?? 'no-more-tokens');
    const ctx = setup({ tokenProvider, ...options });
    const connected = ctx.client.connect();
    await settle();
    ctx.socket().accept();
    await connected;
    return { ...ctx, tokenProvider };
  }

  it('sends auth.refresh with a new token refreshBeforeExpiryMs before the current one expires', async () => {
    const { socket } = await connectedWith([jwtExpiringAt(start + 120_000), jwtExpiringAt(start + 300_000)], {
      refreshBeforeExpiryMs: 30_000,
    });
    await jest.advanceTimersByTimeAsync(89_999);
    expect(socket().emitted).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    const refresh = socket().take('auth.refresh');
    expect(refresh.payload).toEqual({ token: jwtExpiringAt(start + 300_000) });
  });

  it('schedules the next refresh from the expiry the server acknowledged', async () => {
    const { socket, tokenProvider } = await connectedWith(
      [jwtExpiringAt(start + 60_000), jwtExpiringAt(start + 200_000), jwtExpiringAt(start + 400_000)],
      { refreshBeforeExpiryMs: 30_000 },
    );
    await jest.advanceTimersByTimeAsync(30_000);
    socket()
      .take('auth.refresh')
      .answer({ ok: true, expiresAt: (start + 200_000) / 1000 });
    await settle();
    // Next at 200 s − 30 s = 170 s after start; now is 30 s after start.
    await jest.advanceTimersByTimeAsync(139_999);
    expect(tokenProvider).toHaveBeenCalledTimes(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(tokenProvider).toHaveBeenCalledTimes(3);
    expect(socket().take('auth.refresh').payload).toEqual({ token: jwtExpiringAt(start + 400_000) });
  });

  it('does not send a token that expires no later than the current one; asks the provider again later', async () => {
    const same = jwtExpiringAt(start + 60_000);
    const { socket, tokenProvider } = await connectedWith([same, same, jwtExpiringAt(start + 600_000)], {
      refreshBeforeExpiryMs: 30_000,
    });
    await jest.advanceTimersByTimeAsync(30_000);
    expect(tokenProvider).toHaveBeenCalledTimes(2);
    expect(socket().emitted).toEqual([]);
    // Half of the remaining 30 s.
    await jest.advanceTimersByTimeAsync(15_000);
    expect(tokenProvider).toHaveBeenCalledTimes(3);
    expect(socket().take('auth.refresh').payload).toEqual({ token: jwtExpiringAt(start + 600_000) });
  });

  it('reports a refused refresh as an error without dropping the connection', async () => {
    const { socket, errors, client } = await connectedWith(
      [jwtExpiringAt(start + 60_000), jwtExpiringAt(start + 600_000, 'someone-else')],
      { refreshBeforeExpiryMs: 30_000 },
    );
    await jest.advanceTimersByTimeAsync(30_000);
    socket()
      .take('auth.refresh')
      .answer({ ok: false, error: { code: 'FORBIDDEN', message: 'token for another subject' } });
    await settle();
    expect(errors).toEqual([expect.objectContaining({ code: 'FORBIDDEN' })]);
    expect(client.state).toBe('connected');
  });

  it('schedules no refresh for a token without exp, and cancels the timer when the connection drops', async () => {
    const { socket } = await connectedWith(['opaque-token']);
    expect(jest.getTimerCount()).toBe(0);
    const withExp = await connectedWith([jwtExpiringAt(start + 60_000)]);
    expect(jest.getTimerCount()).toBe(1);
    withExp.client.close();
    expect(jest.getTimerCount()).toBe(0);
    expect(socket().emitted).toEqual([]);
  });
});

describe('ShopNestClient subscriptions', () => {
  it('delivers a channel event once however often it arrives, and the same id on another channel too', async () => {
    const { client, socket } = await connected();
    const order: string[] = [];
    const user: string[] = [];
    client.subscribe('order:o1', (d) => order.push(d.event.id));
    client.subscribe('user:u1', (d) => user.push(d.event.id));
    const first = delivery('order:o1', '1-0', 'a');
    socket().deliver(first);
    socket().deliver(delivery('order:o1', '2-0', 'b'));
    socket().deliver(first);
    socket().deliver(delivery('user:u1', '9-0', 'a'));
    expect(order).toEqual(['a', 'b']);
    expect(user).toEqual(['a']);
  });

  it('remembers only the last dedupeWindow ids', async () => {
    const { client, socket } = await connected({ dedupeWindow: 2 });
    const seen: string[] = [];
    client.subscribe('order:o1', (d) => seen.push(d.event.id));
    for (const id of ['a', 'b', 'c', 'a', 'c']) socket().deliver(delivery('order:o1', undefined, id));
    expect(seen).toEqual(['a', 'b', 'c', 'a']);
  });

  it('resubscribes with since = the last offset seen after a reconnect', async () => {
    const { client, socket } = await connected();
    const seen: string[] = [];
    const subscription = client.subscribe('order:o1', (d) => seen.push(d.event.id));
    const first = socket().take('subscribe');
    expect(first.payload).toEqual({ channel: 'order:o1' });
    first.answer({ ok: true, channel: 'order:o1' });
    await expect(subscription.ready).resolves.toEqual({ ok: true });
    socket().deliver(delivery('order:o1', '5-0', 'a'));
    socket().deliver(delivery('order:o1', undefined, 'volatile')); // no offset: does not move the resume point
    expect(client.lastOffset('order:o1')).toBe('5-0');
    socket().drop();
    await jest.advanceTimersByTimeAsync(1_000);
    socket().accept();
    expect(socket().take('subscribe').payload).toEqual({ channel: 'order:o1', since: '5-0' });
  });

  it('surfaces recovered: false as a gap, to the client and to the subscription', async () => {
    const { client, socket } = await connected();
    const gaps: string[] = [];
    const subscriptionGaps: number[] = [];
    client.on('gap', (channel) => gaps.push(channel));
    client.subscribe('order:o1', () => undefined, { onGap: () => subscriptionGaps.push(1) });
    socket().take('subscribe').answer({ ok: true, channel: 'order:o1' });
    await settle();
    socket().deliver(delivery('order:o1', '5-0'));
    socket().drop();
    await jest.advanceTimersByTimeAsync(1_000);
    socket().accept();
    socket().take('subscribe').answer({ ok: true, channel: 'order:o1', recovered: false });
    await settle();
    expect(gaps).toEqual(['order:o1']);
    expect(subscriptionGaps).toEqual([1]);
  });

  it('reports a gap when a channel had no offset to resume from after a reconnect', async () => {
    const { client, socket } = await connected();
    const gaps: string[] = [];
    client.on('gap', (channel) => gaps.push(channel));
    client.subscribe('order:o1', () => undefined);
    socket().take('subscribe').answer({ ok: true, channel: 'order:o1' });
    await settle();
    expect(gaps).toEqual([]);
    socket().drop();
    await jest.advanceTimersByTimeAsync(1_000);
    socket().accept();
    const again = socket().take('subscribe');
    expect(again.payload).toEqual({ channel: 'order:o1' });
    again.answer({ ok: true, channel: 'order:o1' });
    await settle();
    expect(gaps).toEqual(['order:o1']);
  });

  it('subscribes made while disconnected are sent on connect', async () => {
    const { client, socket } = setup();
    const subscription = client.subscribe('order:o1', () => undefined);
    const connecting = client.connect();
    await settle();
    expect(socket().emitted).toEqual([]);
    socket().accept();
    await connecting;
    socket().take('subscribe').answer({ ok: true, channel: 'order:o1' });
    await expect(subscription.ready).resolves.toEqual({ ok: true });
  });

  it('drops a refused subscription (FORBIDDEN) and does not resend it after a reconnect', async () => {
    const { client, socket, errors } = await connected();
    const onError = jest.fn();
    const subscription = client.subscribe('order:not-mine', () => undefined, { onError });
    socket()
      .take('subscribe')
      .answer({ ok: false, error: { code: 'FORBIDDEN', message: 'not your order' } });
    const result = await subscription.ready;
    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', channel: 'order:not-mine' } });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(errors).toHaveLength(1);
    socket().drop();
    await jest.advanceTimersByTimeAsync(1_000);
    socket().accept();
    expect(socket().emitted).toEqual([]);
  });

  it('asks again on the same connection after a refusal that may pass (INTERNAL), with backoff, until it is accepted', async () => {
    const { client, socket, errors } = await connected();
    const subscription = client.subscribe('order:o1', () => undefined);
    socket()
      .take('subscribe')
      .answer({ ok: false, error: { code: 'INTERNAL', message: 'order look-up failed' } });
    expect(await subscription.ready).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });

    // random() = 0.999: just under the first ceiling (100 ms), then under 200 ms.
    await jest.advanceTimersByTimeAsync(98);
    expect(socket().emitted).toEqual([]);
    await jest.advanceTimersByTimeAsync(2);
    socket()
      .take('subscribe')
      .answer({ ok: false, error: { code: 'INTERNAL', message: 'still failing' } });
    await jest.advanceTimersByTimeAsync(200);
    socket().take('subscribe').answer({ ok: true, channel: 'order:o1' });
    await settle();

    expect(errors.map((e) => e.code)).toEqual(['INTERNAL', 'INTERNAL']);
    client.close();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('shares one server subscription between handlers; the last unsubscribe sends unsubscribe and stops delivery', async () => {
    const { client, socket } = await connected();
    const a: string[] = [];
    const b: string[] = [];
    const stopA = client.subscribe('order:o1', (d) => a.push(d.event.id));
    const stopB = client.subscribe('order:o1', (d) => b.push(d.event.id));
    expect(socket().emitted.filter((e) => e.event === 'subscribe')).toHaveLength(1);
    socket().take('subscribe').answer({ ok: true, channel: 'order:o1' });
    socket().deliver(delivery('order:o1', '1-0', 'x'));
    stopA();
    expect(socket().emitted).toEqual([]);
    socket().deliver(delivery('order:o1', '2-0', 'y'));
    stopB();
    expect(socket().take('unsubscribe').payload).toEqual({ channel: 'order:o1' });
    socket().deliver(delivery('order:o1', '3-0', 'z'));
    expect(a).toEqual(['x']);
    expect(b).toEqual(['x', 'y']);
  });

  it('a throwing handler is reported and does not stop the other handlers', async () => {
    const { client, socket, errors } = await connected();
    const seen: string[] = [];
    client.subscribe('order:o1', () => {
      throw new Error('render failed');
    });
    client.subscribe('order:o1', (d) => seen.push(d.event.id));
    socket().deliver(delivery('order:o1', '1-0', 'x'));
    expect(seen).toEqual(['x']);
    expect(errors[0].message).toContain('render failed');
  });

  it('ignores malformed deliveries instead of throwing', async () => {
    const { client, socket } = await connected();
    const seen: unknown[] = [];
    client.subscribe('order:o1', (d) => seen.push(d));
    socket().handlers.event('order.status_changed', [null]);
    socket().handlers.event('order.status_changed', [{ channel: 'order:o1', event: { id: 7 } }]);
    socket().handlers.event('order.status_changed', []);
    expect(seen).toEqual([]);
  });
});

describe('ShopNestClient presence and typing', () => {
  const serverSends = (socket: FakeSocket, event: string, payload: unknown) => socket.handlers.event(event, [payload]);

  it('keeps each subscribed channel’s members from presence.state and presence.diff, and emits both', async () => {
    const { client, socket } = await connected();
    client.subscribe('ticket:t1', () => undefined);
    socket().take('subscribe').answer({ ok: true, channel: 'ticket:t1' });
    const states: unknown[] = [];
    const diffs: unknown[] = [];
    client.on('presence.state', (state) => states.push(state));
    client.on('presence.diff', (diff) => diffs.push(diff));

    // A diff before the state is not applied: the state that follows is the whole truth.
    serverSends(socket(), 'presence.diff', { channel: 'ticket:t1', joins: [{ userId: 'x' }], leaves: [] });
    expect(client.members('ticket:t1')).toEqual([]);
    serverSends(socket(), 'presence.state', {
      channel: 'ticket:t1',
      members: [{ userId: 'u1', roles: ['customer'] }],
    });
    serverSends(socket(), 'presence.diff', {
      channel: 'ticket:t1',
      joins: [{ userId: 'agent-7', roles: ['agent'] }],
      leaves: [],
    });
    expect(client.members('ticket:t1')).toEqual([
      { userId: 'u1', roles: ['customer'] },
      { userId: 'agent-7', roles: ['agent'] },
    ]);
    serverSends(socket(), 'presence.diff', { channel: 'ticket:t1', joins: [], leaves: [{ userId: 'agent-7' }] });
    expect(client.members('ticket:t1')).toEqual([{ userId: 'u1', roles: ['customer'] }]);
    expect(states).toHaveLength(1);
    expect(diffs).toHaveLength(3);

    // Malformed payloads and channels the client is not subscribed to are dropped.
    serverSends(socket(), 'presence.state', { channel: 'ticket:t1', members: [{ user: 'u2' }] });
    serverSends(socket(), 'presence.state', { channel: 'ticket:other', members: [] });
    expect(states).toHaveLength(1);

    socket().drop();
    expect(client.members('ticket:t1')).toEqual([]);
  });

  it('emits chat.typing from others', async () => {
    const { client, socket } = await connected();
    const events: unknown[] = [];
    client.on('chat.typing', (event) => events.push(event));
    const event = { ticketId: 't1', userId: 'agent-7', state: 'start', internal: false };
    serverSends(socket(), 'chat.typing', event);
    serverSends(socket(), 'chat.typing', { ticketId: 't1', state: 'start' });
    expect(events).toEqual([event]);
  });

  it('sends typing, at most one start a second, and always a stop', async () => {
    const { client, socket } = await connected();
    const first = client.typing('t1', 'start');
    socket().take('chat.typing').answer({ ok: true });
    await first;
    await client.typing('t1', 'start'); // within the second: not sent
    expect(socket().emitted).toEqual([]);
    void client.typing('t1', 'stop');
    expect(socket().take('chat.typing').payload).toEqual({ ticketId: 't1', state: 'stop' });
    void client.typing('t1', 'start', { internal: true });
    expect(socket().take('chat.typing').payload).toEqual({ ticketId: 't1', state: 'start', internal: true });
    await jest.advanceTimersByTimeAsync(1_000);
    void client.typing('t1', 'start', { internal: true });
    expect(socket().emitted.map((e) => e.event)).toEqual(['chat.typing']);
  });

  it('rejects typing with the server’s refusal, and when not connected', async () => {
    const { client, socket } = await connected();
    const refused = client.typing('t1', 'start');
    socket()
      .take('chat.typing')
      .answer({ ok: false, error: { code: 'FORBIDDEN', message: 'subscribe to ticket:t1 first' } });
    await expect(refused).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'chat.typing: subscribe to ticket:t1 first',
    });
    // A refused start was not sent: the next one goes out at once.
    void client.typing('t1', 'start');
    expect(socket().take('chat.typing').payload).toEqual({ ticketId: 't1', state: 'start' });
    socket().drop();
    await expect(client.typing('t1', 'stop')).rejects.toMatchObject({ code: 'TRANSPORT' });
  });

  it('sets the agent’s status, and sets it again when a new session rejoins support:agents', async () => {
    const { client, socket, errors } = await connected();
    client.subscribe('support:agents', () => undefined);
    socket().take('subscribe').answer({ ok: true, channel: 'support:agents' });
    const set = client.setPresenceStatus('busy');
    const request = socket().take('presence.status');
    expect(request.payload).toEqual({ status: 'busy' });
    request.answer({ ok: true, status: 'busy' });
    await set;

    socket().drop();
    await jest.advanceTimersByTimeAsync(1_000);
    socket().accept();
    socket().take('subscribe').answer({ ok: true, channel: 'support:agents' });
    serverSends(socket(), 'presence.state', {
      channel: 'support:agents',
      members: [{ userId: 'u1', status: 'online' }],
    });
    const restore = socket().take('presence.status');
    expect(restore.payload).toEqual({ status: 'busy' });
    restore.answer({ ok: false, error: { code: 'CONFLICT', message: 'not yet' } });
    await settle();
    expect(errors.map((e) => e.code)).toEqual(['CONFLICT']);
  });
});

describe('ShopNestClient.followOrder', () => {
  const CHANNEL = 'order:o1';
  const state = (status: string, version: number) => ({
    id: 'o1',
    customerId: 'u1',
    itemsSummary: '1 × tea',
    totalCents: 300,
    status,
    courierId: null,
    position: null,
    version,
    createdAt: '2026-11-23T09:00:00.000Z',
    updatedAt: '2026-11-23T09:00:00.000Z',
  });
  /** A status change of o1 to `to`, as version `sequence`, at `offset`. */
  const changed = (offset: string, sequence: number, to: OrderStatus): ShopNestDelivery => {
    const d = delivery(CHANNEL, offset, crypto.randomUUID()); // the reducer takes only valid order events
    const data = { orderId: 'o1', customerId: 'u1', from: 'placed' as const, to };
    return { ...d, event: { ...d.event, type: 'order.status_changed', sequence, data } };
  };
  const snapshot = (socket: FakeSocket, offset: string, value: object) =>
    socket.handlers.event('order.snapshot', [{ channel: CHANNEL, offset, state: value }]);

  it('asks for the snapshot, reports it, then the state after each event; a late or repeated one changes nothing', async () => {
    const { client, socket } = await connected();
    const states: unknown[] = [];
    const following = client.followOrder('o1', (s) => states.push(s));

    const request = socket().take('subscribe');
    expect(request.payload).toEqual({ channel: CHANNEL, snapshot: true });
    snapshot(socket(), '5-0', state('confirmed', 2));
    socket().deliver(changed('6-0', 3, 'packed'));
    request.answer({ ok: true, channel: CHANNEL, recovered: true, snapshot: { offset: '5-0' } });
    await expect(following.ready).resolves.toEqual({ ok: true, recovered: true });
    socket().deliver(changed('7-0', 2, 'confirmed')); // older than the state: ignored

    expect(states).toEqual([state('confirmed', 2), { ...state('packed', 3), updatedAt: expect.any(String) }]);
    expect(client.lastOffset(CHANNEL)).toBe('7-0');
  });

  it('resumes with since after a reconnect, and starts over from a new snapshot when the gap cannot be replayed', async () => {
    const { client, socket } = await connected();
    const states: { status: string }[] = [];
    const gaps: string[] = [];
    client.on('gap', (channel) => gaps.push(channel));
    client.followOrder('o1', (s) => states.push(s));
    const first = socket().take('subscribe');
    snapshot(socket(), '5-0', state('confirmed', 2));
    first.answer({ ok: true, channel: CHANNEL, recovered: true, snapshot: { offset: '5-0' } });
    await settle();

    socket().drop();
    await jest.advanceTimersByTimeAsync(1_000);
    socket().accept();
    const resume = socket().take('subscribe');
    expect(resume.payload).toEqual({ channel: CHANNEL, since: '5-0' });
    resume.answer({ ok: true, channel: CHANNEL, recovered: false });
    await settle();
    socket().take('unsubscribe').answer({ ok: true, channel: CHANNEL });
    await settle();
    const again = socket().take('subscribe');
    expect(again.payload).toEqual({ channel: CHANNEL, snapshot: true });
    snapshot(socket(), '9-0', state('shipped', 4));
    again.answer({ ok: true, channel: CHANNEL, recovered: true, snapshot: { offset: '9-0' } });
    await settle();

    expect(states.map((s) => s.status)).toEqual(['confirmed', 'shipped']);
    expect(gaps).toEqual([]);
  });

  it('reports a gap when the order has no snapshot, so the app fetches it over REST', async () => {
    const { client, socket } = await connected();
    const gaps: number[] = [];
    const following = client.followOrder('o1', () => undefined, { onGap: () => gaps.push(1) });
    socket().take('subscribe').answer({ ok: true, channel: CHANNEL, snapshot: null });
    await expect(following.ready).resolves.toEqual({ ok: true, recovered: false });
    expect(gaps).toEqual([1]);
  });

  it('refuses to follow an order whose channel this client already subscribed (CONFLICT)', async () => {
    const { client } = await connected();
    client.subscribe(CHANNEL, () => undefined);
    await expect(client.followOrder('o1', () => undefined).ready).resolves.toMatchObject({
      ok: false,
      error: { code: 'CONFLICT' },
    });
  });
});
