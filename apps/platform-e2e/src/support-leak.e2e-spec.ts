import {
  SUPPORT_AGENTS_CHANNEL,
  SUPPORT_QUEUE_CHANNEL,
  ticketChannel,
  ticketInternalChannel,
} from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { Clients, Platform, send, startPlatform, supportCall } from './support/platform';

/**
 * No path leaks a ticket to another customer, and no path shows a customer an internal note: a
 * second customer tries every channel form, SSE stream, REST path and payload shape against the
 * first one's ticket; the ticket's own customer reads it by every path they have. Nothing they
 * receive names the ticket (for the intruder) or the note (for either).
 */
describe('support desk: nothing leaks between customers, no internal note reaches a customer', () => {
  const run = runId();
  const clients = new Clients();
  let platform: Platform;
  const aliceId = `alice-${run}`;
  const alice = signTestToken(aliceId, { roles: ['customer'] });
  const bob = signTestToken(`bob-${run}`, { roles: ['customer'] });
  const agent = signTestToken(`agent-${run}`, { roles: ['agent'] });
  const NOTE = `internal-note-${run}`;
  const SECRET = `public-but-alice-only-${run}`;
  let ticketId: string;
  let aliceMessageId: string;

  beforeAll(async () => {
    platform = await startPlatform(run, [{ name: 'edge-1' }], { support: true });
    const opened = await rest('POST', '/tickets', alice, { message: { clientMessageId: uuidv7(), text: SECRET } });
    ticketId = (opened.body['ticket'] as { id: string }).id;
    aliceMessageId = (opened.body['message'] as { id: string }).id;
    await rest('POST', `/tickets/${ticketId}/assign`, agent, {});
    expect((await say(agent, NOTE, 'internal')).status).toBe(201);
    expect((await say(agent, 'a public reply')).status).toBe(201);
    // Pushed through Kafka and the worker before anyone reads history.
    const watcher = await clients.connect(platform.edges[0], agent);
    const seen: string[] = [];
    watcher.onAny((_name: string, payload: unknown) => seen.push(JSON.stringify(payload)));
    await send(watcher, 'subscribe', { channel: ticketInternalChannel(ticketId), since: '0-0' });
    await send(watcher, 'subscribe', { channel: ticketChannel(ticketId), since: '0-0' });
    await waitFor(() => seen.some((s) => s.includes(NOTE)) && seen.some((s) => s.includes('a public reply')), 30_000);
  }, 180_000);

  afterAll(async () => {
    clients.closeAll();
    await platform?.stop();
  });

  const rest = (method: string, path: string, token: string, body?: unknown) =>
    supportCall(platform, method, path, token, body);
  const say = (token: string, text: string, visibility = 'public') =>
    rest('POST', `/tickets/${ticketId}/messages`, token, { clientMessageId: uuidv7(), text, visibility });

  /** An SSE stream's text for `ms` (or its refusal). */
  async function sse(path: string, token: string, ms = 1_500, lastEventId?: string) {
    const abort = new AbortController();
    const response = await fetch(`${platform.edges[0]?.url}${path}`, {
      headers: { authorization: `Bearer ${token}`, ...(lastEventId && { 'last-event-id': lastEventId }) },
      signal: abort.signal,
    });
    if (response.status !== 200) return { status: response.status, text: await response.text() };
    let text = '';
    const reader = response.body?.getReader();
    const stop = setTimeout(() => abort.abort(), ms);
    try {
      for (;;) {
        const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
        if (done) break;
        text += Buffer.from(value).toString();
      }
    } catch {
      // aborted: the stream was read for long enough
    } finally {
      clearTimeout(stop);
    }
    return { status: 200, text };
  }

  /** Every socket event a client receives, as text. */
  const transcript = (socket: Socket) => {
    const seen: string[] = [];
    socket.onAny((name: string, payload: unknown) => seen.push(`${name} ${JSON.stringify(payload)}`));
    return seen;
  };

  it('refuses another customer every channel form, SSE stream and REST path of the ticket, and tells them nothing', async () => {
    const intruder = await clients.connect(platform.edges[0], bob);
    const heard = transcript(intruder);
    const channels = [
      ticketChannel(ticketId),
      ticketInternalChannel(ticketId),
      SUPPORT_QUEUE_CHANNEL,
      SUPPORT_AGENTS_CHANNEL,
      `user:${aliceId}`,
    ];
    for (const channel of channels) {
      for (const since of [undefined, '0-0', '0']) {
        const ack = await send(intruder, 'subscribe', { channel, ...(since && { since }) });
        expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }
    }
    const shapes: unknown[] = [
      { channel: ` ticket:${ticketId}` },
      { channel: `TICKET:${ticketId}` },
      { channel: `ticket:${ticketId}`.padEnd(200, 'x') },
      { channel: [ticketChannel(ticketId)] },
      { channel: { name: ticketChannel(ticketId) } },
      { channel: 'ticket:*' },
      { channel: `ticket:${ticketId}`, since: { $gt: '' } },
      { channel: `ticket:${ticketId}`, extra: true },
      ticketChannel(ticketId),
    ];
    for (const shape of shapes) {
      const ack = await send(intruder, 'subscribe', shape);
      expect(ack.ok).toBe(false);
    }
    for (const state of ['start', 'stop']) {
      for (const internal of [false, true]) {
        expect(await send(intruder, 'chat.typing', { ticketId, state, internal })).toMatchObject({ ok: false });
      }
    }
    for (const channel of [ticketChannel(ticketId), ticketInternalChannel(ticketId), SUPPORT_QUEUE_CHANNEL]) {
      expect((await sse(`/sse/channels/${encodeURIComponent(channel)}`, bob)).status).toBe(403);
    }

    const answers = [
      await rest('GET', `/tickets/${ticketId}`, bob),
      await rest('GET', `/tickets/${ticketId}/messages`, bob),
      await rest('GET', `/tickets/${ticketId}/messages?after=${aliceMessageId}`, bob),
      await say(bob, 'let me in'),
      await say(bob, 'let me in', 'internal'),
      await rest('PATCH', `/tickets/${ticketId}/messages/${aliceMessageId}`, bob, { text: 'changed' }),
      await rest('DELETE', `/tickets/${ticketId}/messages/${aliceMessageId}`, bob),
      await rest('POST', `/tickets/${ticketId}/read`, bob, { upToMessageId: aliceMessageId }),
      await rest('POST', `/tickets/${ticketId}/assign`, bob, {}),
      await rest('PATCH', `/tickets/${ticketId}`, bob, { status: 'resolved' }),
      await rest('GET', `/internal/tickets/${ticketId}/access`, bob),
    ];
    for (const answer of answers) expect([400, 403, 404]).toContain(answer.status);
    const lists = [
      await rest('GET', '/tickets?mine', bob),
      await rest('GET', '/tickets?scope=all', bob),
      await rest('GET', '/tickets?scope=unassigned&limit=100', bob),
    ];
    for (const list of [...answers, ...lists]) {
      expect(list.text).not.toContain(SECRET);
      expect(list.text).not.toContain(NOTE);
      expect(list.text).not.toContain(aliceId);
    }
    // Give anything that wrongly reached the intruder time to arrive, then look.
    await say(agent, 'one more reply');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const everything = heard.join('\n');
    for (const secret of [ticketId, SECRET, NOTE, aliceId]) expect(everything).not.toContain(secret);
  }, 120_000);

  it('shows the ticket’s own customer every public message and no internal note, by socket, replay, SSE or REST', async () => {
    const customer = await clients.connect(platform.edges[0], alice);
    const heard = transcript(customer);
    expect(await send(customer, 'subscribe', { channel: ticketChannel(ticketId), since: '0-0' })).toMatchObject({
      ok: true,
    });
    expect(await send(customer, 'subscribe', { channel: ticketInternalChannel(ticketId) })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    await say(agent, `${NOTE}-live`, 'internal');
    await say(agent, 'live public');
    await waitFor(() => heard.some((line) => line.includes('live public')), 20_000);

    const stream = await sse(`/sse/channels/${encodeURIComponent(ticketChannel(ticketId))}`, alice, 1_500, '0-0');
    expect(stream.status).toBe(200);
    expect(stream.text).toContain(SECRET);
    expect((await sse(`/sse/channels/${encodeURIComponent(ticketInternalChannel(ticketId))}`, alice)).status).toBe(403);

    const history = await rest('GET', `/tickets/${ticketId}/messages?limit=100`, alice);
    const catchUp = await rest('GET', `/tickets/${ticketId}/messages?after=${aliceMessageId}`, alice);
    const ticket = await rest('GET', `/tickets/${ticketId}`, alice);
    expect(history.text).toContain('live public');
    for (const text of [heard.join('\n'), stream.text, history.text, catchUp.text, ticket.text]) {
      expect(text).not.toContain(NOTE);
    }
    // Message numbers count public messages only: no gap betrays a note.
    const seqs = (history.body['messages'] as { seq: number }[]).map((m) => m.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  }, 120_000);
});
