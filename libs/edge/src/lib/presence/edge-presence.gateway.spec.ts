import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Ack, PresenceDiff, PresenceState, Role, TypingEvent } from '@shopnest/contracts';
import { MetricsService } from '@shopnest/platform-observability';
import { waitFor } from '@shopnest/testing';
import { Socket as ClientSocket } from 'socket.io-client';
import { EdgeModule } from '../edge.module';
import { InMemoryTicketAccessLookup } from '../ticket-access/in-memory-ticket-access.lookup';
import { TicketAccessLookup } from '../ticket-access/ticket-access.port';
import {
  connectRecordingClient,
  edgePlatformModules,
  RecordingClient,
  RecordingIoAdapter,
} from '../testing/edge.fixture';

const TYPING = { throttleMs: 300, expireMs: 700, sweepMs: 50 };

describe('EdgeGateway presence and typing (real socket.io, in-memory presence)', () => {
  let app: INestApplication;
  let url: string;
  const clients: ClientSocket[] = [];
  const inboxes = new Map<ClientSocket, RecordingClient>();
  /** A fresh ticket of alice's per test, so no presence of an earlier test's sockets leaks in. */
  let t: string;
  let tickets = 0;

  beforeEach(() => {
    t = `t-${++tickets}`;
    (app.get(TicketAccessLookup) as InMemoryTicketAccessLookup).set(t, { customerId: 'alice' });
  });

  beforeAll(async () => {
    const module = await Test.createTestingModule({
      imports: [
        ...edgePlatformModules(),
        EdgeModule.forRoot({
          orderAccess: { driver: 'memory' },
          ticketAccess: { driver: 'memory', tickets: { 't-bob': { customerId: 'bob' } } },
          limits: { connectionsPerSecondPerIp: 1_000, connectionsPerUser: 100 },
          typing: TYPING,
        }),
      ],
    }).compile();
    app = module.createNestApplication({ logger: false });
    app.useWebSocketAdapter(new RecordingIoAdapter(app));
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterEach(() => {
    for (const socket of clients.splice(0)) socket.disconnect();
  });

  afterAll(async () => {
    await app?.close();
  });

  async function connect(userId: string, roles: Role[]): Promise<ClientSocket> {
    const client = await connectRecordingClient(url, userId, roles);
    clients.push(client.socket);
    inboxes.set(client.socket, client);
    return client.socket;
  }

  const inbox = (socket: ClientSocket, event: string) => inboxes.get(socket)?.received(event) ?? [];
  const send = (socket: ClientSocket, event: string, payload: unknown): Promise<Ack> =>
    socket.timeout(2_000).emitWithAck(event, payload);

  /** Subscribes and resolves with the `presence.state` that follows the ack. */
  async function subscribe(socket: ClientSocket, channel: string): Promise<PresenceState> {
    const before = inbox(socket, 'presence.state').length;
    await expect(send(socket, 'subscribe', { channel })).resolves.toMatchObject({ ok: true });
    await waitFor(() => inbox(socket, 'presence.state').length > before);
    return inbox(socket, 'presence.state')[before] as PresenceState;
  }

  const userIds = (state: PresenceState) => state.members.map((m) => m.userId).sort();

  describe('presence', () => {
    it('sends a subscriber the members after the ack, and tells the others who joined', async () => {
      const alice = await connect('alice', ['customer']);
      const order: string[] = [];
      alice.on('presence.state', () => order.push('state'));
      // A callback, not emitWithAck: a promise would note the ack a microtask late.
      alice.emit('subscribe', { channel: `ticket:${t}` }, () => order.push('ack'));
      await waitFor(() => order.length === 2);
      expect(order).toEqual(['ack', 'state']);
      expect(inbox(alice, 'presence.state')).toEqual([
        { channel: `ticket:${t}`, members: [{ userId: 'alice', roles: ['customer'] }] },
      ]);

      const agent = await connect('agent-7', ['agent']);
      expect(userIds(await subscribe(agent, `ticket:${t}`))).toEqual(['agent-7', 'alice']);
      await waitFor(() => inbox(alice, 'presence.diff').length === 1);
      expect(inbox(alice, 'presence.diff')).toEqual([
        { channel: `ticket:${t}`, joins: [{ userId: 'agent-7', roles: ['agent'] }], leaves: [] },
      ]);
      // Nobody is told about their own join.
      expect(inbox(agent, 'presence.diff')).toEqual([]);
    });

    it('counts several tabs once: no diff for a second tab, a leave only when the last one goes', async () => {
      const alice = await connect('alice', ['customer']);
      await subscribe(alice, `ticket:${t}`);
      const tab1 = await connect('agent-8', ['agent']);
      const tab2 = await connect('agent-8', ['agent']);
      await subscribe(tab1, `ticket:${t}`);
      expect(userIds(await subscribe(tab2, `ticket:${t}`))).toEqual(['agent-8', 'alice']);
      await waitFor(() => inbox(alice, 'presence.diff').length === 1);

      tab1.disconnect();
      await expect(send(tab2, 'unsubscribe', { channel: `ticket:${t}` })).resolves.toMatchObject({ ok: true });
      await waitFor(() => inbox(alice, 'presence.diff').length === 2);
      expect(inbox(alice, 'presence.diff')[1]).toEqual({
        channel: `ticket:${t}`,
        joins: [],
        leaves: [{ userId: 'agent-8' }],
      });
    });

    it('keeps presence off channels without it, and refuses another customer’s ticket', async () => {
      const alice = await connect('alice', ['customer']);
      await expect(send(alice, 'subscribe', { channel: 'user:alice' })).resolves.toMatchObject({ ok: true });
      await expect(send(alice, 'subscribe', { channel: 'ticket:t-bob' })).resolves.toEqual({
        ok: false,
        error: { code: 'FORBIDDEN', message: 'not allowed to subscribe to ticket:t-bob' },
      });
      await subscribe(alice, `ticket:${t}`);
      expect(inbox(alice, 'presence.state')).toHaveLength(1);
    });
  });

  describe('presence.status', () => {
    it('lets an agent on support:agents set a status, announced to the roster', async () => {
      const ann = await connect('agent-ann', ['agent']);
      const ben = await connect('agent-ben', ['agent']);
      await subscribe(ann, 'support:agents');
      const roster = await subscribe(ben, 'support:agents');
      expect(roster.members).toEqual(
        expect.arrayContaining([{ userId: 'agent-ann', roles: ['agent'], status: 'online' }]),
      );
      await expect(send(ann, 'presence.status', { status: 'busy' })).resolves.toEqual({ ok: true, status: 'busy' });
      await waitFor(() => (inbox(ben, 'presence.diff') as PresenceDiff[]).some((d) => d.joins[0]?.status === 'busy'));
      expect(inbox(ben, 'presence.diff')).toContainEqual({
        channel: 'support:agents',
        joins: [{ userId: 'agent-ann', roles: ['agent'], status: 'busy' }],
        leaves: [],
      });
      // A new tab shows the status the agent chose.
      const annTab = await connect('agent-ann', ['agent']);
      expect((await subscribe(annTab, 'support:agents')).members).toContainEqual({
        userId: 'agent-ann',
        roles: ['agent'],
        status: 'busy',
      });
    });

    it.each([
      ['a customer', 'alice', ['customer'], { status: 'busy' }, 'FORBIDDEN'],
      ['an agent off the roster', 'agent-x', ['agent'], { status: 'busy' }, 'CONFLICT'],
      ['an unknown status', 'agent-x', ['agent'], { status: 'asleep' }, 'INVALID'],
    ] as const)('refuses %s', async (_, userId, roles, payload, code) => {
      const socket = await connect(userId, [...roles]);
      const ack = await send(socket, 'presence.status', payload);
      expect(ack).toMatchObject({ ok: false, error: { code } });
      if (code === 'INVALID') expect(ack.ok || ack.error.message).toMatch(/^status: /);
    });
  });

  describe('chat.typing', () => {
    async function room() {
      const alice = await connect('alice', ['customer']);
      const aliceTab = await connect('alice', ['customer']);
      const agent = await connect('agent-9', ['agent']);
      for (const socket of [alice, aliceTab, agent]) await subscribe(socket, `ticket:${t}`);
      return { alice, aliceTab, agent };
    }

    const typing = (socket: ClientSocket) => inbox(socket, 'chat.typing') as TypingEvent[];

    it('reaches the other members, not the typist’s own tabs, and expires by itself', async () => {
      const { alice, aliceTab, agent } = await room();
      const started = Date.now();
      await expect(send(alice, 'chat.typing', { ticketId: t, state: 'start' })).resolves.toEqual({ ok: true });
      await waitFor(() => typing(agent).length === 1);
      expect(typing(agent)[0]).toEqual({ ticketId: t, userId: 'alice', state: 'start', internal: false });
      await waitFor(() => typing(agent).length === 2, 3_000);
      expect(typing(agent)[1]).toMatchObject({ userId: 'alice', state: 'stop' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(TYPING.expireMs);
      expect(typing(alice)).toEqual([]);
      expect(typing(aliceTab)).toEqual([]);
    });

    it('sends one start per throttle window, and a stop at once', async () => {
      const { alice, agent } = await room();
      for (let i = 0; i < 5; i++)
        await expect(send(alice, 'chat.typing', { ticketId: t, state: 'start' })).resolves.toEqual({ ok: true });
      await send(alice, 'chat.typing', { ticketId: t, state: 'stop' });
      await waitFor(() => typing(agent).length === 2);
      expect(typing(agent).map((e) => e.state)).toEqual(['start', 'stop']);
      // A stop with nobody typing is acked and not sent on.
      await expect(send(alice, 'chat.typing', { ticketId: t, state: 'stop' })).resolves.toEqual({ ok: true });
      await send(alice, 'chat.typing', { ticketId: t, state: 'start' });
      await waitFor(() => typing(agent).length === 3);
      expect(typing(agent).map((e) => e.state)).toEqual(['start', 'stop', 'start']);
      const metrics = await app
        .get(MetricsService)
        .registry.getSingleMetric('shopnest_edge_typing_events_total')
        ?.get();
      expect(metrics?.values.find((v) => v.labels['result'] === 'throttled')?.value).toBeGreaterThanOrEqual(4);
    });

    it('keeps internal-note typing among agents', async () => {
      const { alice, agent } = await room();
      const other = await connect('agent-10', ['agent']);
      await subscribe(other, `ticket:${t}`);
      for (const socket of [agent, other])
        await expect(send(socket, 'subscribe', { channel: `ticket-internal:${t}` })).resolves.toMatchObject({
          ok: true,
        });
      await expect(send(agent, 'chat.typing', { ticketId: t, state: 'start', internal: true })).resolves.toEqual({
        ok: true,
      });
      await waitFor(() => typing(other).length === 1);
      expect(typing(other)[0]).toEqual({ ticketId: t, userId: 'agent-9', state: 'start', internal: true });
      await send(agent, 'chat.typing', { ticketId: t, state: 'stop', internal: true });
      await waitFor(() => typing(other).length === 2);
      expect(typing(alice)).toEqual([]);
    });

    // `OWN` stands for the test's own ticket.
    it.each([
      [{ ticketId: 'OWN', state: 'typing' }, 'INVALID', /^state: /],
      [{ ticketId: 't:alice', state: 'start' }, 'INVALID', /^ticketId: /],
      [{ ticketId: 'OWN', state: 'start', internal: 1 }, 'INVALID', /^internal: /],
      [{ ticketId: 't-bob', state: 'start' }, 'FORBIDDEN', /subscribe to ticket:t-bob/],
      [{ ticketId: 'OWN', state: 'start', internal: true }, 'FORBIDDEN', /^internal: .*agents only/],
    ])('refuses %j from a customer with %s', async (payload, code, message) => {
      const { alice } = await room();
      const request = { ...payload, ticketId: payload.ticketId === 'OWN' ? t : payload.ticketId };
      await expect(send(alice, 'chat.typing', request)).resolves.toEqual({
        ok: false,
        error: { code, message: expect.stringMatching(message) },
      });
    });

    it("answers a flood beyond the connection's message rate RATE_LIMITED, like any message", async () => {
      const { alice } = await room();
      const acks = await Promise.all(
        Array.from({ length: 25 }, () => send(alice, 'chat.typing', { ticketId: t, state: 'start' })),
      );
      const limited = acks.filter((ack) => !ack.ok);
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0]).toEqual({
        ok: false,
        error: { code: 'RATE_LIMITED', message: expect.any(String), retryAfterMs: expect.any(Number) },
      });
    });

    it('refuses an agent typing in a ticket they have not subscribed to', async () => {
      const agent = await connect('agent-11', ['agent']);
      await expect(send(agent, 'chat.typing', { ticketId: t, state: 'start' })).resolves.toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
    });
  });
});
