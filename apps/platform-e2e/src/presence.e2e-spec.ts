import { ShopNestClient } from '@shopnest/client';
import { PresenceDiff, SUPPORT_AGENTS_CHANNEL, ticketChannel, TypingEvent } from '@shopnest/contracts';
import { runId, signTestToken, waitFor } from '@shopnest/testing';
import { Platform, startPlatform } from './support/platform';

/** The shortest lease the edges accept: a SIGKILLed edge's users must lapse within the test. */
const TTL_S = 3;

/**
 * Presence and typing between SDK clients on two edge processes sharing Redis: an agent on each
 * edge, on a ticket and on the agents' roster. Agents need no ticket look-up, so no support-desk
 * runs here; customers on tickets are the support-desk's end-to-end test.
 */
describe('presence and typing across two deployed edges', () => {
  const run = runId();
  const ticket = ticketChannel(`t-${run}`);
  let platform: Platform;
  const clients: ShopNestClient[] = [];

  function agent(edge: number, userId: string): ShopNestClient {
    const url = platform.edges[edge]?.url as string;
    const client = new ShopNestClient({
      url,
      tokenProvider: () => signTestToken(userId, { roles: ['agent'] }),
      transports: ['websocket'],
      reconnect: { initialDelayMs: 200, maxDelayMs: 1_000 },
    });
    clients.push(client);
    return client;
  }

  const ids = (client: ShopNestClient, channel: string) =>
    client
      .members(channel)
      .map((m) => m.userId)
      .sort();

  beforeAll(async () => {
    const env = { PRESENCE_TTL_S: String(TTL_S) };
    platform = await startPlatform(run, [
      { name: 'edge-1', env },
      { name: 'edge-2', env },
    ]);
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    await platform?.stop();
  });

  it('shows members and status across edges, carries typing until it expires, and drops a SIGKILLed edge’s agent within the TTL', async () => {
    const ann = agent(0, `ann-${run}`);
    const ben = agent(1, `ben-${run}`);
    const diffsForAnn: PresenceDiff[] = [];
    const typingForAnn: { event: TypingEvent; at: number }[] = [];
    ann.on('presence.diff', (diff) => diffsForAnn.push(diff));
    ann.on('chat.typing', (event) => typingForAnn.push({ event, at: Date.now() }));
    for (const client of [ann, ben]) {
      await client.connect();
      for (const channel of [SUPPORT_AGENTS_CHANNEL, ticket])
        await expect(client.subscribe(channel, () => undefined).ready).resolves.toMatchObject({ ok: true });
    }
    const both = [`ann-${run}`, `ben-${run}`];
    await waitFor(() => ids(ann, ticket).join() === both.join() && ids(ben, ticket).join() === both.join(), 10_000);

    await ben.setPresenceStatus('busy');
    await waitFor(() =>
      ann.members(SUPPORT_AGENTS_CHANNEL).some((m) => m.userId === `ben-${run}` && m.status === 'busy'),
    );

    const started = Date.now();
    await ben.typing(`t-${run}`, 'start');
    await waitFor(() => typingForAnn.length === 2, 15_000);
    expect(typingForAnn.map(({ event }) => event)).toEqual([
      { ticketId: `t-${run}`, userId: `ben-${run}`, state: 'start', internal: false },
      { ticketId: `t-${run}`, userId: `ben-${run}`, state: 'stop', internal: false },
    ]);
    expect((typingForAnn[1]?.at ?? 0) - started).toBeGreaterThanOrEqual(8_000 - 100);

    // A crash: nothing on edge 2 says goodbye; edge 1's sweep announces ben's leave from both channels.
    await platform.edges[1]?.kill();
    const killedAt = Date.now();
    const gone = (channel: string) =>
      diffsForAnn.some((d) => d.channel === channel && d.leaves.some((m) => m.userId === `ben-${run}`));
    await waitFor(() => gone(ticket) && gone(SUPPORT_AGENTS_CHANNEL), 15_000).catch(() => {
      throw new Error(`no leave for ben: ${JSON.stringify(diffsForAnn)}\n${platform.output()}`);
    });
    // The lease (3 s), at most one sweep period of edge 1 (1 s), and slack for a loaded machine.
    expect(Date.now() - killedAt).toBeLessThan(TTL_S * 1000 + 1_000 + 3_000);
    expect(ids(ann, ticket)).toEqual([`ann-${run}`]);
  });
});
