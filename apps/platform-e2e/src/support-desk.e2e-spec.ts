import {
  Delivery,
  SUPPORT_QUEUE_CHANNEL,
  SupportEvent,
  SubscribeAck,
  ticketChannel,
  ticketInternalChannel,
  TypingEvent,
  userChannel,
} from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { Clients, Platform, send, startPlatform, supportCall } from './support/platform';

/**
 * The support desk end to end, as the services run: a customer on edge 1 and two agents on
 * edge 2, the ticket's REST writes travelling support-desk → outbox → Kafka → worker → Redis →
 * edges. Internal notes reach agents only, by every path.
 */
describe('support desk: a ticket and its chat between a customer and agents on two edges', () => {
  const run = runId();
  const clients = new Clients();
  let platform: Platform;
  const alice = signTestToken(`alice-${run}`, { roles: ['customer'] });
  const bob = signTestToken(`bob-${run}`, { roles: ['customer'] });
  const agent1 = signTestToken(`agent-1-${run}`, { roles: ['agent'] });
  const agent2 = signTestToken(`agent-2-${run}`, { roles: ['agent'] });

  beforeAll(async () => {
    platform = await startPlatform(run, [{ name: 'edge-1' }, { name: 'edge-2' }], { support: true });
  }, 180_000);

  afterAll(async () => {
    clients.closeAll();
    await platform?.stop();
  });

  const rest = (method: string, path: string, token: string, body?: unknown) =>
    supportCall(platform, method, path, token, body);
  const say = (ticketId: string, token: string, text: string, visibility = 'public', clientMessageId = uuidv7()) =>
    rest('POST', `/tickets/${ticketId}/messages`, token, { clientMessageId, text, visibility });

  /** Every support delivery a socket receives, in arrival order. */
  const record = (socket: Socket) => {
    const seen: Delivery<SupportEvent>[] = [];
    socket.onAny((name: string, delivery: Delivery<SupportEvent>) => {
      if (delivery?.event?.source === '/shopnest/support-desk') seen.push(delivery);
    });
    return seen;
  };
  const subscribe = (socket: Socket, channel: string, since?: string) =>
    send<{ channel: string; recovered?: boolean }>(socket, 'subscribe', {
      channel,
      ...(since && { since }),
    }) as Promise<SubscribeAck>;
  const texts = (seen: Delivery<SupportEvent>[], channel: string) =>
    seen
      .filter((d) => d.channel === channel && d.event.type === 'message.created')
      .map((d) => (d.event.data as { message: { text: string } }).message.text);

  it('carries the queue, the chat both ways, read receipts and unread counts; internal notes reach agents only', async () => {
    const customer = await clients.connect(platform.edges[0], alice);
    const agent = await clients.connect(platform.edges[1], agent1);
    const other = await clients.connect(platform.edges[1], agent2);
    const [customerSeen, agentSeen, otherSeen] = [record(customer), record(agent), record(other)];
    for (const socket of [agent, other])
      expect(await subscribe(socket, SUPPORT_QUEUE_CHANNEL)).toMatchObject({ ok: true });
    expect(await subscribe(customer, userChannel(`alice-${run}`))).toMatchObject({ ok: true });

    const opened = await rest('POST', '/tickets', alice, {
      subject: 'Parcel late',
      message: { clientMessageId: uuidv7(), text: 'Where is my parcel?' },
    });
    expect(opened.status).toBe(201);
    const ticketId = (opened.body['ticket'] as { id: string }).id;
    const room = ticketChannel(ticketId);
    const notes = ticketInternalChannel(ticketId);
    await waitFor(
      () => otherSeen.some((d) => d.event.type === 'ticket.created' && d.event.subject === ticketId),
      30_000,
    );

    expect(await subscribe(customer, room)).toMatchObject({ ok: true });
    for (const socket of [agent, other]) {
      expect(await subscribe(socket, room)).toMatchObject({ ok: true });
      expect(await subscribe(socket, notes)).toMatchObject({ ok: true });
    }
    expect(await subscribe(customer, notes)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

    // Typing goes through the edges only: the customer sees the agent type; internal typing stays with agents.
    const typing: TypingEvent[] = [];
    customer.on('chat.typing', (event: TypingEvent) => typing.push(event));
    const otherTyping: TypingEvent[] = [];
    other.on('chat.typing', (event: TypingEvent) => otherTyping.push(event));
    expect(await send(agent, 'chat.typing', { ticketId, state: 'start', internal: true })).toMatchObject({ ok: true });
    expect(await send(agent, 'chat.typing', { ticketId, state: 'start' })).toMatchObject({ ok: true });
    await waitFor(() => typing.some((t) => t.state === 'start' && t.userId === `agent-1-${run}`), 10_000);
    await waitFor(() => otherTyping.some((t) => t.internal), 10_000);
    expect(typing.every((t) => !t.internal)).toBe(true);
    expect(await send(customer, 'chat.typing', { ticketId, state: 'start', internal: true })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });

    expect((await rest('POST', `/tickets/${ticketId}/assign`, agent1, {})).status).toBe(200);
    await waitFor(() =>
      agentSeen.some((d) => d.channel === SUPPORT_QUEUE_CHANNEL && d.event.type === 'ticket.assigned'),
    );

    expect((await say(ticketId, agent1, 'customer sounds upset', 'internal')).status).toBe(201);
    const reply = await say(ticketId, agent1, 'Hi! It is on its way.');
    await waitFor(() => texts(customerSeen, room).includes('Hi! It is on its way.'), 15_000);
    await waitFor(() => texts(otherSeen, notes).includes('customer sounds upset'), 15_000);
    // The customer's unread count arrives on their user channel.
    await waitFor(() =>
      customerSeen.some((d) => d.event.type === 'unread.changed' && (d.event.data as { unread: number }).unread === 1),
    );

    // Seen: the agents get the customer's read receipt (before she writes, which would mark it read anyway).
    expect((await rest('POST', `/tickets/${ticketId}/read`, alice, { upToMessageId: reply.body['id'] })).status).toBe(
      200,
    );
    await waitFor(() =>
      agentSeen.some(
        (d) => d.event.type === 'ticket.read' && (d.event.data as { readerId: string }).readerId === `alice-${run}`,
      ),
    );

    expect((await say(ticketId, alice, 'Thanks!')).status).toBe(201);
    await waitFor(
      () => texts(agentSeen, room).includes('Thanks!') && texts(otherSeen, room).includes('Thanks!'),
      15_000,
    );

    // Everything the customer received, on any channel, holds no trace of the note.
    expect(JSON.stringify(customerSeen)).not.toContain('customer sounds upset');
    expect(customerSeen.some((d) => d.channel === notes)).toBe(false);
  }, 120_000);

  it('replays missed messages on resume with since, once each and in order, and keeps a retried send single', async () => {
    const opened = await rest('POST', '/tickets', alice, { message: { clientMessageId: uuidv7(), text: 'hello' } });
    const ticketId = (opened.body['ticket'] as { id: string }).id;
    const room = ticketChannel(ticketId);
    let customer = await clients.connect(platform.edges[0], alice);
    let seen = record(customer);
    expect(await subscribe(customer, room)).toMatchObject({ ok: true });
    await say(ticketId, agent1, 'first');
    await waitFor(() => texts(seen, room).includes('first'), 15_000);
    const since = seen.filter((d) => d.channel === room).at(-1)?.offset as string;
    customer.close();

    await say(ticketId, agent1, 'second');
    await say(ticketId, agent1, 'a note', 'internal');
    const retried = uuidv7();
    const [sent, resent] = [
      await say(ticketId, agent1, 'third', 'public', retried),
      await say(ticketId, agent1, 'third', 'public', retried),
    ];
    expect([sent.status, resent.status]).toEqual([201, 200]);
    expect(resent.body['id']).toBe(sent.body['id']);
    // Wait until the worker has pushed it (the agent's view), so the replay has something to give.
    const watcher = await clients.connect(platform.edges[1], agent2);
    const watched = record(watcher);
    await subscribe(watcher, room);
    await say(ticketId, agent1, 'fourth');
    await waitFor(() => texts(watched, room).includes('fourth'), 15_000);

    customer = await clients.connect(platform.edges[1], alice);
    seen = record(customer);
    expect(await subscribe(customer, room, since)).toMatchObject({ ok: true, recovered: true });
    await waitFor(() => texts(seen, room).includes('fourth'), 15_000);
    expect(texts(seen, room)).toEqual(['second', 'third', 'fourth']);
  }, 120_000);

  it('never lets another customer into the ticket: not its channels, not its REST resources', async () => {
    const opened = await rest('POST', '/tickets', alice, { message: { clientMessageId: uuidv7(), text: 'private' } });
    const ticketId = (opened.body['ticket'] as { id: string }).id;
    const intruder = await clients.connect(platform.edges[0], bob);
    for (const channel of [ticketChannel(ticketId), ticketInternalChannel(ticketId), SUPPORT_QUEUE_CHANNEL]) {
      expect(await subscribe(intruder, channel)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    const missing = await rest('GET', `/tickets/${uuidv7()}`, bob);
    for (const path of [`/tickets/${ticketId}`, `/tickets/${ticketId}/messages`]) {
      const answer = await rest('GET', path, bob);
      expect(answer.status).toBe(403);
      expect(answer.body['code']).toBe(missing.body['code']);
    }
    expect((await say(ticketId, bob, 'let me in')).status).toBe(403);
  }, 60_000);
});
