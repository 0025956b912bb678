import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ack, PresenceDiff, PresenceState, Role, TypingEvent } from '@shopnest/contracts';
import { parseEnv } from '@shopnest/platform-config';
import { Presence } from '@shopnest/platform-presence';
import { runId, waitFor } from '@shopnest/testing';
import { ConnectionEdgeConfig, connectionEdgeEnvSchema } from '../service/connection-edge.config';
import { ConnectionEdgeModule } from '../service/connection-edge.module';
import { useEdgeSocketAdapter } from '../service/edge-socket-adapter';
import { connectRecordingClient, RecordingClient, redisEdgeEnv } from '../testing/edge.fixture';
import { EdgePresence } from './edge-presence';

const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
/** Short leases, so a crashed edge's users lapse within the test. */
const TTL_MS = 1_500;
const TYPING_EXPIRE_MS = 1_000;

describe('presence and typing across two edges on Redis', () => {
  const run = runId();
  const ticket = `t-${run}`;
  const channel = `ticket:${ticket}`;
  const edges: INestApplication[] = [];
  const urls: string[] = [];
  const clients: RecordingClient[] = [];

  async function startEdge(): Promise<INestApplication> {
    const env = parseEnv(connectionEdgeEnvSchema, redisEdgeEnv(run, REDIS_URL));
    // What support-desk would answer, and timings short enough for a test (the env's minimum TTL is 3 s).
    const config: ConnectionEdgeConfig = {
      ...env,
      presence: { ...env.presence, ttlMs: TTL_MS },
      edge: {
        ...env.edge,
        ticketAccess: { driver: 'memory', tickets: { [ticket]: { customerId: 'alice' } } },
        typing: { expireMs: TYPING_EXPIRE_MS, sweepMs: 100 },
        limits: { ...env.edge.limits, connectionsPerSecondPerIp: 1_000 },
      },
    };
    const app = await NestFactory.create(ConnectionEdgeModule.forRoot(config), { logger: false });
    await useEdgeSocketAdapter(app, config);
    await app.listen(0, '127.0.0.1');
    edges.push(app);
    urls.push(await app.getUrl());
    return app;
  }

  async function connect(edge: number, userId: string, roles: Role[]): Promise<RecordingClient> {
    const client = await connectRecordingClient(urls[edge], userId, roles);
    clients.push(client);
    return client;
  }

  const send = (client: RecordingClient, event: string, payload: unknown): Promise<Ack> =>
    client.socket.timeout(2_000).emitWithAck(event, payload);

  async function subscribe(client: RecordingClient): Promise<PresenceState> {
    const before = client.received('presence.state').length;
    await expect(send(client, 'subscribe', { channel })).resolves.toMatchObject({ ok: true });
    await waitFor(() => client.received('presence.state').length > before);
    return client.received('presence.state')[before] as PresenceState;
  }

  const diffs = (client: RecordingClient) => client.received('presence.diff') as PresenceDiff[];
  const typing = (client: RecordingClient) => client.received('chat.typing') as TypingEvent[];
  const ids = (state: PresenceState) => state.members.map((m) => m.userId).sort();

  beforeAll(async () => {
    await startEdge();
    await startEdge();
  });

  afterAll(async () => {
    for (const client of clients) client.socket.disconnect();
    await Promise.all(edges.map((edge) => edge.close()));
  });

  it('shows members across edges, counts several tabs once, and carries typing to the other party until it expires', async () => {
    const alice = await connect(0, 'alice', ['customer']);
    await subscribe(alice);
    const agentTab1 = await connect(1, 'agent-1', ['agent']);
    expect(ids(await subscribe(agentTab1))).toEqual(['agent-1', 'alice']);
    await waitFor(() => diffs(alice).length === 1);
    expect(diffs(alice)[0]).toEqual({ channel, joins: [{ userId: 'agent-1', roles: ['agent'] }], leaves: [] });

    // A second tab of the agent, on the other edge: a member once, no news for alice.
    const agentTab2 = await connect(0, 'agent-1', ['agent']);
    expect(ids(await subscribe(agentTab2))).toEqual(['agent-1', 'alice']);

    const started = Date.now();
    await expect(send(alice, 'chat.typing', { ticketId: ticket, state: 'start' })).resolves.toEqual({ ok: true });
    await waitFor(() => typing(agentTab1).length === 1 && typing(agentTab2).length === 1);
    expect(typing(agentTab1)[0]).toEqual({ ticketId: ticket, userId: 'alice', state: 'start', internal: false });
    await waitFor(() => typing(agentTab1).length === 2 && typing(agentTab2).length === 2);
    expect(typing(agentTab1)[1]).toMatchObject({ userId: 'alice', state: 'stop' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(TYPING_EXPIRE_MS);
    expect(typing(alice)).toEqual([]);

    // The agent leaves only with their last tab, wherever it is.
    agentTab1.socket.disconnect();
    await send(alice, 'chat.typing', { ticketId: ticket, state: 'stop' });
    await expect(send(agentTab2, 'unsubscribe', { channel })).resolves.toMatchObject({ ok: true });
    await waitFor(() => diffs(alice).length === 2);
    expect(diffs(alice)[1]).toEqual({ channel, joins: [], leaves: [{ userId: 'agent-1' }] });
  });

  it("lets a crashed edge's users lapse within the TTL, announced by the surviving edge", async () => {
    const alice = await connect(0, 'alice', ['customer']);
    await subscribe(alice);
    const agent = await connect(1, 'agent-2', ['agent']);
    await subscribe(agent);
    await waitFor(() => diffs(alice).some((d) => d.joins.some((m) => m.userId === 'agent-2')));

    // A crash: edge 2 stops heart-beating and can no longer reach its presence store, so its
    // socket's leave never arrives.
    const crashed = edges[1];
    await crashed.get(EdgePresence).onModuleDestroy();
    await crashed.get(Presence).close();
    const crashedAt = Date.now();
    agent.socket.disconnect();

    await waitFor(() => diffs(alice).some((d) => d.leaves.some((m) => m.userId === 'agent-2')), TTL_MS * 3);
    const lapsedAfter = Date.now() - crashedAt;
    // Within the TTL, plus one sweep period (TTL / 3) of the surviving edge, plus slack for a busy machine.
    expect(lapsedAfter).toBeLessThan(TTL_MS + TTL_MS / 3 + 1_000);
    const newcomer = await connect(0, 'agent-3', ['agent']);
    expect(ids(await subscribe(newcomer))).toEqual(['agent-3', 'alice']);
  });
});
